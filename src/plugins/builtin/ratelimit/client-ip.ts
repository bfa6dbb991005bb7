/**
 * The address a per-IP bucket is keyed on. Without `trustProxy` it is the socket's address and
 * `X-Forwarded-For` is ignored (any client can write that header). With `trustProxy: true` the
 * left-most X-Forwarded-For entry is used (every hop is trusted); with a number n, the n-th entry
 * from the right, i.e. the address the outermost of n trusted proxies saw.
 */
export function clientKey(socketIp: string | undefined, forwardedFor: string | undefined, trustProxy: boolean | number): string {
  if (trustProxy !== false && forwardedFor !== undefined && forwardedFor !== "") {
    const hops = forwardedFor.split(",");
    const i = trustProxy === true ? 0 : Math.max(0, hops.length - trustProxy);
    const ip = hops[i]!.trim();
    if (ip !== "") return ip;
  }
  return socketIp ?? "unknown";
}
