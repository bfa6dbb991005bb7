// The HTTP/1.1 client against scripted servers: framing (length, chunked with extensions and
// trailers, close-delimited, none), bytes split anywhere, hostile answers, keep-alive and the pool,
// abort, streaming as bytes arrive, and when a request may go twice.
import { afterEach, describe, expect, test } from "bun:test";
import { Http1Client } from "../../src/transport/http1-client.ts";
import { Http1ConnectionError, Http1ProtocolError } from "../../src/transport/http1-errors.ts";
import { okResponse, rawServer, type RawReply, type RawServer } from "./support/raw-server.ts";

const servers: RawServer[] = [];
const clients: Http1Client[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop();
  for (const c of clients.splice(0)) c.close();
});

function setup(reply: RawReply, options?: ConstructorParameters<typeof Http1Client>[0]): { server: RawServer; client: Http1Client } {
  const server = rawServer(reply);
  const client = new Http1Client(options);
  servers.push(server);
  clients.push(client);
  return { server, client };
}

const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

describe("http1 client: framing", () => {
  test("Content-Length answers reuse one connection for sequential requests", async () => {
    const { server, client } = setup((req, s) => s.write(okResponse(`{"n":${req.index}}`, { "content-type": "application/json" })));
    for (let i = 1; i <= 20; i++) {
      const r = await client.fetch(`${server.url}/x`);
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toBe("application/json");
      expect(await r.json()).toEqual({ n: i });
    }
    expect(server.connections).toBe(1);
    expect(client.idleCount(server.url)).toBe(1);
  });

  test("chunked with extensions and trailers; the connection is reused after the trailers", async () => {
    const { server, client } = setup((_, s) =>
      s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;name=value;x\r\nhello\r\n6 ; ext\r\n world\r\nB\r\n-0123456789\r\n0\r\nx-trailer: t\r\nx-other: u\r\n\r\n"));
    for (let i = 0; i < 3; i++) expect(await (await client.fetch(server.url)).text()).toBe("hello world-0123456789");
    expect(server.connections).toBe(1);
  });

  test("a response written one byte at a time (head and chunked body) reads whole", async () => {
    const body = "data: one\n\ndata: two\n\n";
    const wire = `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const { server, client } = setup(async (_, s) => {
      for (const ch of wire) {
        s.write(ch);
        await tick();
      }
    });
    for (let i = 0; i < 2; i++) {
      const r = await client.fetch(server.url);
      expect(r.headers.get("content-type")).toBe("text/event-stream");
      expect(await r.text()).toBe(body);
    }
    expect(server.connections).toBe(1);
  });

  test("a Content-Length body split across writes streams in pieces", async () => {
    const { server, client } = setup(async (_, s) => {
      s.write("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234");
      await tick();
      s.write("56789");
    });
    expect(await (await client.fetch(server.url)).text()).toBe("0123456789");
    expect(await (await client.fetch(server.url)).text()).toBe("0123456789");
    expect(server.connections).toBe(1);
  });

  test("a close-delimited body ends at the close, and its connection is not reused", async () => {
    const { server, client } = setup((_, s) => {
      s.write("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end");
      s.end();
    });
    expect(await (await client.fetch(server.url)).text()).toBe("until the end");
    expect(await (await client.fetch(server.url)).text()).toBe("until the end");
    expect(server.connections).toBe(2);
  });

  test("HEAD, 204, 205 and 304 have no body whatever their headers say, and keep the connection", async () => {
    const { server, client } = setup((req, s) => {
      if (req.method === "HEAD") s.write("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n");
      else if (req.path === "/204") s.write("HTTP/1.1 204 No Content\r\n\r\n");
      else if (req.path === "/205") s.write("HTTP/1.1 205 Reset Content\r\ncontent-length: 0\r\n\r\n");
      else s.write("HTTP/1.1 304 Not Modified\r\ncontent-length: 50\r\n\r\n");
    });
    const head = await client.fetch(server.url, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("1000");
    expect(await head.text()).toBe("");
    expect((await client.fetch(`${server.url}/204`)).status).toBe(204);
    expect((await client.fetch(`${server.url}/205`, { method: "get" })).status).toBe(205);
    const notModified = await client.fetch(`${server.url}/304`);
    expect(notModified.status).toBe(304);
    expect(await notModified.text()).toBe("");
    expect(server.connections).toBe(1);
  });

  test("1xx interim answers (100 Continue, 103 Early Hints) are skipped", async () => {
    const { server, client } = setup((_, s) => s.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n" + okResponse("final")));
    const r = await client.fetch(server.url, { method: "POST", body: "x" });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("final");
  });

  test("Connection: close from the server: the next request opens a new connection", async () => {
    const { server, client } = setup((_, s) => s.write(okResponse("bye", { connection: "close" })));
    expect(await (await client.fetch(server.url)).text()).toBe("bye");
    expect(await (await client.fetch(server.url)).text()).toBe("bye");
    expect(server.connections).toBe(2);
  });

  test("Transfer-Encoding and Content-Length together: read as chunked, connection not reused", async () => {
    const { server, client } = setup((_, s) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"));
    expect(await (await client.fetch(server.url)).text()).toBe("abcd");
    expect(await (await client.fetch(server.url)).text()).toBe("abcd");
    expect(server.connections).toBe(2);
  });

  test("bytes after the end of a response: the connection is not reused", async () => {
    const { server, client } = setup((_, s) => s.write(okResponse("ok") + "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nstale"));
    expect(await (await client.fetch(server.url)).text()).toBe("ok");
    expect(await (await client.fetch(server.url)).text()).toBe("ok");
    expect(server.connections).toBe(2);
  });
});

describe("http1 client: request bodies and headers", () => {
  test("string (UTF-8 length), bytes and empty POST bodies go with Content-Length", async () => {
    const { server, client } = setup((req, s) => s.write(okResponse(req.body)));
    expect(await (await client.fetch(server.url, { method: "POST", body: "héllo ✓" })).text()).toBe("héllo ✓");
    expect(await (await client.fetch(server.url, { method: "POST", body: new TextEncoder().encode("bytes") })).text()).toBe("bytes");
    expect(await (await client.fetch(server.url, { method: "POST" })).text()).toBe("");
    expect(server.requests.map((r) => r.headers["content-length"])).toEqual([String(Buffer.byteLength("héllo ✓")), "5", "0"]);
    expect(server.requests[0]!.headers.host).toBe(`127.0.0.1:${server.port}`);
  });

  test("a ReadableStream body goes chunked, as the stream yields", async () => {
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (req) => new Response(`${req.headers.get("transfer-encoding")}:${await req.text()}`),
    });
    const client = new Http1Client();
    clients.push(client);
    try {
      const parts = ["one,", "", "two,", "three"];
      const body = new ReadableStream<Uint8Array>({
        async pull(c) {
          const next = parts.shift();
          if (next === undefined) return c.close();
          await tick();
          c.enqueue(new TextEncoder().encode(next));
        },
      });
      const r = await client.fetch(`http://127.0.0.1:${server.port}/`, { method: "POST", body });
      expect(await r.text()).toBe("chunked:one,two,three");
      // The connection is good for the next one.
      expect(await (await client.fetch(`http://127.0.0.1:${server.port}/`, { method: "POST", body: "x" })).text()).toBe("null:x");
    } finally {
      server.stop(true);
    }
  });

  test("a header name or value that would break the line is refused before anything is sent", async () => {
    const { server, client } = setup((_, s) => s.write(okResponse("no")));
    expect(await rejection(client.fetch(server.url, { headers: { "x-a": "v\r\nx-injected: 1" } }))).toBeInstanceOf(TypeError);
    expect(await rejection(client.fetch(server.url, { headers: { "bad name": "v" } }))).toBeInstanceOf(TypeError);
    expect(server.connections).toBe(0);
  });

  test("framing headers are the client's own: a caller's Content-Length cannot desync the body", async () => {
    const { server, client } = setup((req, s) => s.write(okResponse(req.body)));
    const r = await client.fetch(server.url, { method: "POST", body: "abc", headers: { "content-length": "1", "transfer-encoding": "chunked" } });
    expect(await r.text()).toBe("abc");
    expect(server.requests[0]!.headers["content-length"]).toBe("3");
    expect(server.requests[0]!.headers["transfer-encoding"]).toBeUndefined();
  });
});

describe("http1 client: hostile and broken servers", () => {
  test("a garbage status line is a protocol error", async () => {
    const { server, client } = setup((_, s) => s.write("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
    const err = await rejection(client.fetch(server.url));
    expect(err).toBeInstanceOf(Http1ProtocolError);
    expect((err as Error).message).toContain("status line");
  });

  test("binary garbage then a close is a protocol error, not a hang", async () => {
    const { server, client } = setup((_, s) => {
      s.write(new Uint8Array([0, 255, 1, 2, 3, 13, 10]));
      s.end();
    });
    expect(await rejection(client.fetch(server.url))).toBeInstanceOf(Http1ProtocolError);
  });

  test("statuses outside 100-599, 101 unasked, bad header lines and conflicting lengths are protocol errors", async () => {
    const answers = [
      "HTTP/1.1 999 Nope\r\ncontent-length: 0\r\n\r\n",
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nx-a: 1\r\n folded: 2\r\n\r\n",
      "HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!",
      "HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
      "HTTP/2 200\r\n\r\n",
    ];
    const { server, client } = setup((req, s) => s.write(answers[Number(req.path.slice(1))]!));
    for (let i = 0; i < answers.length; i++) expect(await rejection(client.fetch(`${server.url}/${i}`))).toBeInstanceOf(Http1ProtocolError);
  });

  test("bad chunk framing errors the body stream", async () => {
    const answers = [
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n",
    ];
    const { server, client } = setup((req, s) => s.write(answers[Number(req.path.slice(1))]!));
    for (let i = 0; i < answers.length; i++) {
      const r = await client.fetch(`${server.url}/${i}`);
      expect(await rejection(r.text())).toBeInstanceOf(Http1ProtocolError);
    }
  });

  test("a response head over the limit is refused, one just under it is read", async () => {
    const { server, client } = setup((req, s) => {
      const size = Number(req.path.slice(1));
      s.write(`HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(size)}\r\ncontent-length: 2\r\n\r\nok`);
    }, { maxHeaderBytes: 4096 });
    expect(await (await client.fetch(`${server.url}/3900`)).text()).toBe("ok");
    const err = await rejection(client.fetch(`${server.url}/5000`));
    expect(err).toBeInstanceOf(Http1ProtocolError);
    expect((err as Error).message).toContain("4096");
  });

  test("an endless head (no empty line ever) stops at the limit", async () => {
    let stop = false;
    const { server, client } = setup(async (_, s) => {
      s.write("HTTP/1.1 200 OK\r\n");
      for (let i = 0; i < 10_000 && !stop; i++) {
        s.write(`x-${i}: ${"v".repeat(1000)}\r\n`);
        await tick();
      }
    });
    expect(await rejection(client.fetch(server.url))).toBeInstanceOf(Http1ProtocolError);
    stop = true;
  });

  test("a slowloris head is cut by the caller's signal, and the socket goes", async () => {
    let stop = false;
    const { server, client } = setup(async (_, s) => {
      for (const ch of "HTTP/1.1 200 OK\r\nx-slow: ".concat("z".repeat(1000))) {
        if (stop) return;
        s.write(ch);
        await Bun.sleep(20);
      }
    });
    const controller = new AbortController();
    const pending = client.fetch(server.url, { signal: controller.signal });
    await Bun.sleep(100);
    controller.abort(new Error("too slow"));
    expect(((await rejection(pending)) as Error).message).toBe("too slow");
    stop = true;
    await waitFor(() => server.closedConnections === 1);
    expect(client.idleCount(server.url)).toBe(0);
  });

  test("the server closing mid-body (Content-Length or chunked) errors the body", async () => {
    const { server, client } = setup((req, s) => {
      s.write(req.path === "/length" ? "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b" : "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n");
      setTimeout(() => s.end(), 5);
    });
    for (const path of ["/length", "/chunked"]) {
      const r = await client.fetch(server.url + path);
      const err = await rejection(r.text());
      expect(err).toBeInstanceOf(Http1ProtocolError);
      expect((err as Error).message).toContain("before the body was complete");
    }
  });

  test("refused and reset connections are connection errors", async () => {
    const { server, client } = setup((_, s) => s.reset());
    expect(await rejection(client.fetch(server.url))).toBeInstanceOf(Http1ConnectionError);
    const port = server.port;
    server.stop();
    expect(await rejection(client.fetch(`http://127.0.0.1:${port}/`))).toBeInstanceOf(Http1ConnectionError);
  });
});

describe("http1 client: the pool and resends", () => {
  test("concurrent requests each get their own answer; a second wave reuses the connections", async () => {
    const { server, client } = setup(async (req, s) => {
      await Bun.sleep(Number(req.path.slice(1)) % 7);
      s.write(okResponse(req.path));
    });
    const wave = () => Promise.all(Array.from({ length: 50 }, (_, i) => client.fetch(`${server.url}/${i}`).then((r) => r.text())));
    expect(await wave()).toEqual(Array.from({ length: 50 }, (_, i) => `/${i}`));
    const opened = server.connections;
    expect(opened).toBeLessThanOrEqual(50);
    expect(client.idleCount(server.url)).toBe(opened);
    expect(await wave()).toEqual(Array.from({ length: 50 }, (_, i) => `/${i}`));
    expect(server.connections).toBe(opened);
  });

  test("idle connections beyond maxIdlePerOrigin are closed", async () => {
    const { server, client } = setup(async (_, s) => {
      await Bun.sleep(5);
      s.write(okResponse("x"));
    }, { maxIdlePerOrigin: 3 });
    await Promise.all(Array.from({ length: 10 }, () => client.fetch(server.url).then((r) => r.text())));
    expect(client.idleCount(server.url)).toBe(3);
    await waitFor(() => server.closedConnections === 7);
  });

  test("a burst of 300 requests at once leaves its 300 connections for the next burst (the default cap)", async () => {
    const { server, client } = setup(async (_, s) => {
      await Bun.sleep(20);
      s.write(okResponse("x"));
    });
    const burst = () => Promise.all(Array.from({ length: 300 }, () => client.fetch(server.url).then((r) => r.text())));
    await burst();
    expect(server.connections).toBe(300);
    expect(client.idleCount(server.url)).toBe(300);
    await burst();
    expect(server.connections).toBe(300);
    expect(server.closedConnections).toBe(0);
  });

  test("expired idle connections are all closed by the sweep, a slice per turn, while requests go on", async () => {
    const { server, client } = setup(async (_, s) => {
      await Bun.sleep(5);
      s.write(okResponse("x"));
    }, { idleTimeoutMs: 50, sweepSlice: 3 });
    await Promise.all(Array.from({ length: 40 }, () => client.fetch(server.url).then((r) => r.text())));
    expect(client.idleCount(server.url)).toBe(40);
    // The sweep runs once a second at most: the 40 expire meanwhile and close in 14 slices.
    await waitFor(() => server.closedConnections > 0, 3000);
    expect(await (await client.fetch(server.url)).text()).toBe("x");
    await waitFor(() => server.closedConnections === 40, 3000);
    expect(server.connections).toBe(41);
  });

  test("idle connections past the idle timeout are not used", async () => {
    const { server, client } = setup((_, s) => s.write(okResponse("x")), { idleTimeoutMs: 50 });
    await (await client.fetch(server.url)).text();
    await Bun.sleep(120);
    await (await client.fetch(server.url)).text();
    expect(server.connections).toBe(2);
  });

  test("the server's Keep-Alive timeout hint shortens the idle time (less a second)", async () => {
    const { server, client } = setup((_, s) => s.write(okResponse("x", { "keep-alive": "timeout=1" })));
    await (await client.fetch(server.url)).text();
    await Bun.sleep(20);
    await (await client.fetch(server.url)).text();
    // timeout=1 leaves 0 ms: the idle connection is never trusted again.
    expect(server.connections).toBe(2);
  });

  test("a connection the server closed while idle is dropped from the pool", async () => {
    const { server, client } = setup((_, s) => {
      s.write(okResponse("x"));
      setTimeout(() => s.end(), 5);
    });
    await (await client.fetch(server.url)).text();
    await waitFor(() => client.idleCount(server.url) === 0);
    expect(await (await client.fetch(server.url)).text()).toBe("x");
    expect(server.connections).toBe(2);
  });

  // The race a pool cannot avoid: the server drops an idle connection just as a request goes out on it.
  const dropSecond: RawReply = (req, s) => {
    if (req.index === 2) s.end();
    else s.write(okResponse(`${req.method} on ${req.connection}`));
  };

  test("a GET that meets a reused connection closing before any answer goes once more on a fresh one", async () => {
    const { server, client } = setup(dropSecond);
    expect(await (await client.fetch(server.url)).text()).toBe("GET on 1");
    expect(await (await client.fetch(server.url)).text()).toBe("GET on 2");
    expect(server.requests.map((r) => [r.connection, r.index])).toEqual([[1, 1], [1, 2], [2, 1]]);
  });

  test("a POST that may have reached the server is never sent again: the error goes to the caller", async () => {
    const { server, client } = setup(dropSecond);
    expect(await (await client.fetch(server.url, { method: "POST", body: "{}" })).text()).toBe("POST on 1");
    const err = await rejection(client.fetch(server.url, { method: "POST", body: "{}" }));
    expect(err).toBeInstanceOf(Http1ConnectionError);
    expect((err as Http1ConnectionError).sent).toBe(true);
    expect(server.requests.length).toBe(2);
  });

  test("a fresh connection failing is not retried, whatever the method", async () => {
    const { server, client } = setup((_, s) => s.end());
    expect(await rejection(client.fetch(server.url))).toBeInstanceOf(Http1ConnectionError);
    expect(server.requests.length).toBe(1);
  });
});

describe("http1 client: streaming and abort", () => {
  test("SSE: the first event reaches the reader while the server still holds the rest back", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { server, client } = setup(async (_, s) => {
      s.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n");
      s.write(chunk("data: first\n\n"));
      await held;
      s.write(`${chunk("data: second\n\n")}0\r\n\r\n`);
    });
    const r = await client.fetch(server.url);
    const reader = r.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("data: first\n\n");
    release();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toBe("data: second\n\n");
    expect(server.connections).toBe(1);
  });

  test("abort mid-stream errors the body with the signal's reason and closes the socket", async () => {
    const { server, client } = setup((_, s) => {
      s.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n6\r\nevent1\r\n");
    });
    const controller = new AbortController();
    const r = await client.fetch(server.url, { signal: controller.signal });
    const reader = r.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("event1");
    const reason = new Error("client went away");
    controller.abort(reason);
    expect(await rejection(reader.read())).toBe(reason);
    await waitFor(() => server.closedConnections === 1);
    expect(client.idleCount(server.url)).toBe(0);
  });

  test("cancelling the body closes the socket instead of pooling it", async () => {
    const { server, client } = setup((_, s) => s.write("HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\npartial"));
    const r = await client.fetch(server.url);
    await r.body!.cancel();
    await waitFor(() => server.closedConnections === 1);
    expect(client.idleCount(server.url)).toBe(0);
  });

  test("an already aborted signal sends nothing", async () => {
    const { server, client } = setup((_, s) => s.write(okResponse("x")));
    const controller = new AbortController();
    controller.abort(new Error("early"));
    expect(((await rejection(client.fetch(server.url, { signal: controller.signal }))) as Error).message).toBe("early");
    expect(server.connections).toBe(0);
  });

  test("a large body read slowly arrives whole (the socket pauses instead of buffering)", async () => {
    const size = 4 * 1024 * 1024;
    const payload = new Uint8Array(size).map((_, i) => i % 251);
    const { server, client } = setup((_, s) => {
      s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${size}\r\n\r\n`);
      s.write(payload);
    });
    const r = await client.fetch(server.url);
    const reader = r.body!.getReader();
    const got: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got.push(value);
      total += value.byteLength;
      if (got.length % 8 === 0) await tick();
    }
    expect(total).toBe(size);
    expect(Buffer.concat(got).equals(Buffer.from(payload))).toBe(true);
  });
});

describe("backpressure", () => {
  test("a reader that stops reading stops the socket: the server gets only kernel buffers and 64 KiB ahead, then everything arrives", async () => {
    const total = 64 * 1024 * 1024;
    const slice = new Uint8Array(1024 * 1024).map((_, i) => i % 253);
    let accepted = 0;
    let pending: Uint8Array | undefined;
    const pump = (socket: import("bun").Socket<undefined>) => {
      for (;;) {
        const bytes = pending ?? (accepted < total ? slice : undefined);
        if (bytes === undefined) return;
        const written = Math.max(0, socket.write(bytes));
        accepted += written;
        pending = written < bytes.byteLength ? bytes.subarray(written) : undefined;
        if (pending !== undefined) return;
      }
    };
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket) {
          socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${total}\r\n\r\n`);
          pump(socket);
        },
        drain: (socket) => pump(socket),
      },
    });
    const client = new Http1Client();
    clients.push(client);
    try {
      const r = await client.fetch(`http://127.0.0.1:${listener.port}/`);
      await Bun.sleep(300);
      // Loopback's send and receive buffers take a few MB; without the pause the client would take all 64.
      expect(accepted).toBeLessThan(24 * 1024 * 1024);
      let read = 0;
      for await (const piece of r.body!) read += piece.byteLength;
      expect(read).toBe(total);
    } finally {
      listener.stop(true);
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error("condition not met in time");
    await Bun.sleep(5);
  }
}
