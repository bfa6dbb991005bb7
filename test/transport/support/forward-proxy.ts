// A forward proxy for tests, on raw sockets: CONNECT tunnels and absolute-form HTTP requests, every
// target host sent to 127.0.0.1 (so names that resolve nowhere, like upstream.test, work only
// through it). It records each connection's first request head and can demand credentials or
// refuse tunnels; with `tls` it is an https:// proxy. Bytes are relayed unchanged in both directions, with backpressure.
import type { Socket, TCPSocketListener } from "bun";
import { writeQueued } from "./raw-server.ts";

export interface SeenRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
}

export interface ForwardProxyOptions {
  /** The Proxy-Authorization value required; a request without it gets 407. */
  authorization?: string;
  /** Answer every CONNECT with this status instead of opening the tunnel. */
  refuseConnect?: number;
  /** Listen with TLS (an https:// proxy). */
  tls?: { key: string; cert: string };
}

export interface ForwardProxy {
  url: string;
  port: number;
  /** The first request head of every client connection, in order. */
  seen: SeenRequest[];
  /** Client connections accepted. */
  connections: number;
  stop(): void;
}

interface Side {
  head: string;
  peer?: Socket<Side>;
  queue: Uint8Array[];
  /** Bytes that arrived before the peer connected. */
  early: Uint8Array[];
}

function send(socket: Socket<Side>, bytes: Uint8Array): void {
  socket.data.queue.push(bytes);
  flush(socket);
}

function flush(socket: Socket<Side>): void {
  writeQueued(socket, socket.data.queue);
}

const RELAY = {
  data(socket: Socket<Side>, data: Buffer) {
    const peer = socket.data.peer;
    if (peer !== undefined) send(peer, new Uint8Array(data));
  },
  drain: (socket: Socket<Side>) => flush(socket),
  close(socket: Socket<Side>) {
    socket.data.peer?.end();
  },
  error() {},
  connectError() {},
};

export function startForwardProxy(options: ForwardProxyOptions = {}): ForwardProxy {
  const seen: SeenRequest[] = [];
  const state = { connections: 0 };
  const listener: TCPSocketListener<Side> = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
    tls: options.tls,
    socket: {
      open(socket) {
        state.connections++;
        socket.data = { head: "", queue: [], early: [] };
      },
      data(client, data) {
        const side = client.data;
        if (side.peer !== undefined || side.head === "\0") {
          if (side.peer === undefined) side.early.push(new Uint8Array(data));
          else send(side.peer, new Uint8Array(data));
          return;
        }
        side.head += data.toString("latin1");
        const end = side.head.indexOf("\r\n\r\n");
        if (end < 0) return;
        const text = side.head.slice(0, end);
        const rest = Buffer.from(side.head.slice(end + 4), "latin1");
        side.head = "\0";
        const [line, ...fields] = text.split("\r\n");
        const [method = "", target = ""] = line!.split(" ");
        const headers: Record<string, string> = {};
        for (const field of fields) {
          const colon = field.indexOf(":");
          headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
        }
        seen.push({ method, target, headers });
        if (options.authorization !== undefined && headers["proxy-authorization"] !== options.authorization) {
          client.end("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n");
          return;
        }
        const connect = method === "CONNECT";
        if (connect && options.refuseConnect !== undefined) {
          client.end(`HTTP/1.1 ${options.refuseConnect} Refused\r\nContent-Length: 0\r\n\r\n`);
          return;
        }
        const port = Number(connect ? target.slice(target.lastIndexOf(":") + 1) : new URL(target).port || 80);
        // Absolute-form: the head goes on to the server as it came (HTTP/1.1 servers must accept it).
        const first = connect ? rest : Buffer.from(text + "\r\n\r\n" + rest.toString("latin1"), "latin1");
        void Bun.connect<Side>({ hostname: "127.0.0.1", port, data: { head: "", queue: [], early: [], peer: client }, socket: RELAY }).then(
          (server) => {
            side.peer = server;
            if (connect) client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
            if (first.byteLength > 0) send(server, new Uint8Array(first));
            for (const bytes of side.early.splice(0)) send(server, bytes);
          },
          () => client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"),
        );
      },
      drain: (socket) => flush(socket),
      close(socket) {
        socket.data.peer?.end();
      },
      error() {},
    },
  });
  return {
    url: options.tls === undefined ? `http://127.0.0.1:${listener.port}` : `https://localhost:${listener.port}`,
    port: listener.port,
    seen,
    get connections() {
      return state.connections;
    },
    stop: () => listener.stop(true),
  };
}
