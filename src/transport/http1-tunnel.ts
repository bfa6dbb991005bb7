// A CONNECT tunnel through a forward proxy (RFC 9110 §9.3.6): a TCP connection to the proxy that,
// once the proxy answers 2xx, carries bytes to and from the target unchanged, so TLS to the target
// runs inside it end to end. Any other answer (407 without credentials, 403, 502 when the proxy
// cannot reach the target) is a connection error before anything of the request was sent, which
// the failover policy may act on.
import type { Socket } from "bun";
import { Http1ConnectionError } from "./http1-errors.ts";
import type { Proxy } from "./proxy-env.ts";

// A proxy's answer to CONNECT is a status line and a few fields; more than this is not one.
const MAX_ANSWER_BYTES = 16 * 1024;

interface Pending {
  answer: string;
  settle: (error?: Error) => void;
}

/** Opens the tunnel to `host:port`; the socket it returns is ready for `upgradeTLS`. */
export async function openTunnel(proxy: Proxy, host: string, port: number, signal?: AbortSignal): Promise<Socket<Pending>> {
  let settle!: (error?: Error) => void;
  const settled = new Promise<Error | undefined>((resolve) => (settle = resolve));
  const pending: Pending = { answer: "", settle };
  let socket: Socket<Pending>;
  try {
    socket = await Bun.connect<Pending>({ hostname: proxy.hostname, port: proxy.port, data: pending, socket: TUNNEL_HANDLERS });
  } catch (err) {
    throw new Http1ConnectionError(`the proxy ${proxy.key} could not be reached: ${(err as Error)?.message ?? err}`, false, { cause: err });
  }
  const onAbort = () => socket.terminate();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    const auth = proxy.authorization === undefined ? "" : `Proxy-Authorization: ${proxy.authorization}\r\n`;
    socket.setNoDelay(true);
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
    const failed = await settled;
    if (failed !== undefined) throw failed;
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(pending.answer)?.[1];
    if (status === undefined || !status.startsWith("2")) {
      throw new Http1ConnectionError(status === undefined ? "the proxy's answer to CONNECT is not HTTP" : `the proxy refused the tunnel with HTTP ${status}`, false);
    }
    // Nothing may follow the answer before TLS starts: the target has not been spoken to yet.
    if (pending.answer.length > pending.answer.indexOf("\r\n\r\n") + 4) throw new Http1ConnectionError("the proxy sent bytes after its answer to CONNECT", false);
    return socket;
  } catch (err) {
    socket.terminate();
    throw err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

const TUNNEL_HANDLERS = {
  data(socket: Socket<Pending>, data: Buffer) {
    const pending = socket.data;
    pending.answer += data.toString("latin1");
    if (pending.answer.includes("\r\n\r\n")) pending.settle();
    else if (pending.answer.length > MAX_ANSWER_BYTES) pending.settle(new Http1ConnectionError("the proxy's answer to CONNECT is over 16 KiB", false));
  },
  close(socket: Socket<Pending>, error?: Error) {
    socket.data.settle(new Http1ConnectionError(`the proxy closed the connection before the tunnel opened${error === undefined ? "" : `: ${error.message}`}`, false));
  },
  error(socket: Socket<Pending>, error: Error) {
    socket.data.settle(new Http1ConnectionError(`the proxy connection failed: ${error.message}`, false));
  },
  connectError() {},
};
