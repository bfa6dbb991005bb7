// makeSend over either client: the same failures become the same catalog errors, so failover sees
// no difference; and a gateway configured with either `server.upstream_client` serves JSON and
// streams through the SDK and fails over from a dead target.
import { afterEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { gzipSync } from "node:zlib";
import { GatewayError } from "../../src/core/errors.ts";
import { readJsonText } from "../../src/providers/shared/http.ts";
import { makeSend, type UpstreamClient } from "../../src/transport/upstream-fetch.ts";
import { json, sse, startGateway, startMockUpstream, testReads } from "../support/index.ts";
import { okResponse, rawServer, type RawReply, type RawServer } from "./support/raw-server.ts";

const servers: RawServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop();
});

function server(reply: RawReply): RawServer {
  const s = rawServer(reply);
  servers.push(s);
  return s;
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

const get = (url: string) => ({ url, method: "GET" as const, headers: {} });
const reads = testReads("p");

for (const client of ["fetch", "http1"] as UpstreamClient[]) {
  describe(`makeSend with client ${client}`, () => {
    const send = (options: { timeoutMs?: number; signal?: AbortSignal } = {}) =>
      makeSend({ provider: "p", client, signal: options.signal ?? new AbortController().signal, timeoutMs: options.timeoutMs });

    test("refused and reset connections → upstream_unreachable (retryable)", async () => {
      const reset = server((_, s) => s.reset());
      let err = await failure(send()(get(reset.url)));
      expect(err.kind).toBe("upstream_unreachable");
      expect(err.retryable).toBe(true);
      const port = reset.port;
      reset.stop();
      err = await failure(send()(get(`http://127.0.0.1:${port}/`)));
      expect(err.kind).toBe("upstream_unreachable");
    });

    test("a head that never completes → upstream_timeout at timeoutMs", async () => {
      let stop = false;
      const slow = server(async (_, s) => {
        for (const ch of "HTTP/1.1 200 OK\r\nx-slow: zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz") {
          if (stop) return;
          s.write(ch);
          await Bun.sleep(30);
        }
      });
      const err = await failure(send({ timeoutMs: 150 })(get(slow.url)));
      stop = true;
      expect(err.kind).toBe("upstream_timeout");
    });

    test("the client leaving → its reason, not an upstream error", async () => {
      const hang = server(() => {});
      const controller = new AbortController();
      const pending = send({ signal: controller.signal })(get(hang.url));
      await Bun.sleep(30);
      controller.abort();
      expect((await failure(pending)).kind).toBe("client_closed");
    });

    test("a redirect and a status past 599 are bad responses", async () => {
      const odd = server((req, s) => s.write(req.path === "/r" ? okResponse("", { location: "http://elsewhere/" }, "302 Found") : okResponse("", {}, "600 Odd")));
      expect((await failure(send()(get(`${odd.url}/r`)))).kind).toBe("upstream_bad_response");
      expect((await failure(send()(get(`${odd.url}/x`)))).kind).toBe("upstream_bad_response");
    });

    test("a JSON body cut short → upstream_bad_response when read", async () => {
      const cut = server((_, s) => {
        s.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"partial\":");
        setTimeout(() => s.end(), 5);
      });
      const response = await send()(get(cut.url));
      expect((await failure(readJsonText(response, reads))).kind).toBe("upstream_bad_response");
    });

    test("a gzip body sent unasked is decoded; no Accept-Encoding goes out", async () => {
      const text = JSON.stringify({ hello: "world".repeat(50) });
      const gz = server((_, s) => {
        const body = gzipSync(text);
        s.write(`HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: ${body.length}\r\n\r\n`);
        s.write(body);
      });
      const response = await send()(get(gz.url));
      expect(await response.text()).toBe(text);
      expect(gz.requests[0]!.headers["accept-encoding"]).toBeUndefined();
    });
  });
}

describe("makeSend with client http1: what fetch cannot tell apart", () => {
  test("garbage instead of HTTP → upstream_bad_response (retryable), naming what was wrong", async () => {
    const garbage = server((_, s) => s.write("SSH-2.0-OpenSSH_9.2\r\n\r\n"));
    const err = await failure(makeSend({ provider: "p", client: "http1", signal: new AbortController().signal })(get(garbage.url)));
    expect(err.kind).toBe("upstream_bad_response");
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("status line");
  });
});

describe.each(["http1", "fetch"] as const)("a gateway with server.upstream_client: %s", (upstreamClient) => {
  test("JSON and streams through the SDK, and failover from a dead target", async () => {
    const mock = await startMockUpstream();
    const completion = { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] };
    const chunk = (content: string, finish: string | null = null) => ({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] });
    mock.when("POST", "/v1/chat/completions", (req) =>
      (req.json as { stream?: boolean }).stream ? sse([chunk("a"), chunk("b"), chunk("", "stop"), "data: [DONE]\n\n"]) : json(completion));
    const gw = await startGateway({
      server: { upstream_client: upstreamClient },
      providers: {
        dead: { type: "openai", base_url: "http://127.0.0.1:1/v1", keys: [{ value: "sk-dead" }] },
        live: { type: "openai", base_url: `${mock.url}/v1`, keys: [{ value: "sk-live" }] },
      },
      routes: { chat: { strategy: "priority", targets: [{ provider: "dead", model: "m" }, { provider: "live", model: "m" }] } },
      failover: { backoff: { initial: "1ms", max: "1ms", multiplier: 1 } },
    });
    try {
      const client = new OpenAI({ baseURL: `${gw.baseURL}/v1`, apiKey: "unused", maxRetries: 0 });
      const raw = await client.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "x" }] }).withResponse();
      expect(raw.data.choices[0]!.message.content).toBe("hi");
      expect(raw.response.headers.get("x-butter-provider")).toBe("live");
      expect(raw.response.headers.get("x-butter-attempts")).toBe("2");
      let text = "";
      for await (const part of await client.chat.completions.create({ model: "live/m", stream: true, messages: [{ role: "user", content: "x" }] })) {
        text += part.choices[0]?.delta.content ?? "";
      }
      expect(text).toBe("ab");
      expect(mock.requests.length).toBe(2);
    } finally {
      await gw.stop();
      await mock.stop();
    }
  });
});
