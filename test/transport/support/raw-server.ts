// A scripted HTTP/1.1 server on a raw socket (127.0.0.1, port 0): it parses each request (head and
// a Content-Length body) and lets the test answer with any bytes at any pace, or none at all.
import type { Socket } from "bun";

export interface RawRequest {
  method: string;
  path: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: string;
  /** Which connection (1, 2, ... in accept order) and which request on it (1, 2, ...). */
  connection: number;
  index: number;
}

export interface RawSocket {
  write(data: string | Uint8Array): void;
  /** A graceful close (FIN). */
  end(): void;
  /** An abrupt close (RST). */
  reset(): void;
  readonly closed: Promise<void>;
}

export type RawReply = (request: RawRequest, socket: RawSocket) => void | Promise<void>;

export interface RawServer {
  port: number;
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  readonly requests: RawRequest[];
  /** Connections the client has closed (or reset) so far. */
  readonly closedConnections: number;
  stop(): void;
}

interface State {
  id: number;
  /** Bytes the kernel did not take yet (written on drain). */
  queue: Uint8Array[];
  /** end() was asked for: close once the queue is written. */
  ending?: boolean;
  buffer: Buffer;
  index: number;
  raw: RawSocket;
  onClose: () => void;
}

export function rawServer(reply: RawReply): RawServer {
  let connections = 0;
  let closedConnections = 0;
  const requests: RawRequest[] = [];
  const listener = Bun.listen<State>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        let onClose = () => {};
        const closed = new Promise<void>((resolve) => (onClose = resolve));
        socket.data = { id: ++connections, queue: [], buffer: Buffer.alloc(0), index: 0, raw: rawSocket(socket, closed), onClose };
      },
      data(socket, data) {
        const state = socket.data;
        state.buffer = Buffer.concat([state.buffer, data]);
        for (;;) {
          const end = state.buffer.indexOf("\r\n\r\n");
          if (end < 0) return;
          const lines = state.buffer.toString("latin1", 0, end).split("\r\n");
          const [method, path] = lines[0]!.split(" ");
          const headers: Record<string, string> = {};
          for (const line of lines.slice(1)) {
            const colon = line.indexOf(":");
            headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
          }
          const length = Number(headers["content-length"] ?? 0);
          if (state.buffer.length < end + 4 + length) return;
          const body = state.buffer.toString("utf8", end + 4, end + 4 + length);
          state.buffer = state.buffer.subarray(end + 4 + length);
          const request = { method: method!, path: path!, headers, body, connection: state.id, index: ++state.index };
          requests.push(request);
          void reply(request, state.raw);
        }
      },
      drain(socket) {
        flush(socket);
      },
      close(socket) {
        closedConnections++;
        socket.data?.onClose();
      },
      error() {},
    },
  });
  return {
    port: listener.port,
    url: `http://127.0.0.1:${listener.port}`,
    get connections() {
      return connections;
    },
    get closedConnections() {
      return closedConnections;
    },
    requests,
    stop: () => listener.stop(true),
  };
}

function rawSocket(socket: Socket<State>, closed: Promise<void>): RawSocket {
  return {
    write: (data) => {
      socket.data.queue.push(typeof data === "string" ? Buffer.from(data) : data);
      flush(socket);
    },
    end: () => {
      socket.data.ending = true;
      flush(socket);
    },
    reset: () => socket.terminate(),
    closed,
  };
}

function flush(socket: Socket<State>): void {
  if (writeQueued(socket, socket.data.queue) && socket.data.ending) socket.end();
}

/** A complete response with a Content-Length body. */
/** Writes the queued bytes until the socket takes no more (the rest waits for its drain); true when all went. */
export function writeQueued(socket: { write(bytes: Uint8Array): number }, queue: Uint8Array[]): boolean {
  while (queue.length > 0) {
    const bytes = queue[0]!;
    const written = socket.write(bytes);
    if (written < bytes.byteLength) {
      if (written > 0) queue[0] = bytes.subarray(written);
      return false;
    }
    queue.shift();
  }
  return true;
}

export function okResponse(body: string, headers: Record<string, string> = {}, status = "200 OK"): string {
  let head = `HTTP/1.1 ${status}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return `${head}\r\n${body}`;
}
