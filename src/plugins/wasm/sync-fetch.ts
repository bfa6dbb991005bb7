// `http_request` for plugins granted `allowed_hosts`: the host check, then a blocking wait for the
// HTTP worker (http-worker.ts), bounded by the call's deadline. The wait blocks this thread, so a
// network-granted plugin holds the event loop for as long as its calls take: keep its timeout short.
import { HookTimeout } from "../chain.ts";
import { GuestError, type SyncFetch } from "./kernel.ts";

export interface SyncFetcher {
  fetch: SyncFetch;
  close(): void;
}

/** `example.com` matches only itself; `*.example.com` matches its subdomains. */
export function hostAllowed(hostname: string, allowed: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return allowed.some((a) => {
    const pattern = a.toLowerCase();
    if (pattern === host) return true;
    return pattern.startsWith("*.") && host.endsWith(pattern.slice(1));
  });
}

export function syncFetcher(allowedHosts: readonly string[], maxBytes: number, timeoutMs: number): SyncFetcher {
  let worker: Worker | undefined;
  const decoder = new TextDecoder();
  return {
    fetch(req, body, deadline) {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        throw new GuestError("http_request: invalid url");
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new GuestError(`http_request: ${url.protocol} is not allowed`);
      if (!hostAllowed(url.hostname, allowedHosts)) throw new GuestError(`http_request: host "${url.hostname}" is not in allowed_hosts`);
      worker ??= new Worker(new URL("./http-worker.ts", import.meta.url).href);
      const sab = new SharedArrayBuffer(12 + maxBytes);
      const head = new Int32Array(sab, 0, 3);
      worker.postMessage({ sab, url: url.href, method: req.method, headers: req.headers, body });
      const wait = Math.max(0, deadline - performance.now());
      if (Atomics.wait(head, 0, 0, wait) === "timed-out") throw new HookTimeout(timeoutMs);
      const payload = new Uint8Array(sab, 12, head[2]!).slice();
      if (head[0] === 2) throw new GuestError(`http_request failed: ${decoder.decode(payload)}`);
      return { status: head[1]!, body: payload };
    },
    close() {
      worker?.terminate();
      worker = undefined;
    },
  };
}
