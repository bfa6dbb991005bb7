// server.idle_timeout: a keep-alive connection with no request in progress is closed once idle, while
// a request that waits on its upstream, or a stream that goes quiet, is never cut by it. Bun's idle
// timer ticks every 4 s, so 1s here means "closed within about 4 s"; the scenarios run side by side.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { json, sse, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { rawConnect } from "../support/raw-http.ts";

let mock: MockUpstream;
let gw: Gateway;
const LONG = 4500; // past Bun's first 4 s tick

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    server: { address: "127.0.0.1:0", idle_timeout: "1s" },
    providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-test" }] } },
    failover: { timeout: "20s", max_attempts: 1 },
  });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});

const completion = { id: "c", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] };
const chunk = (content: string, finish: string | null = null) => ({
  id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }],
});

function chat(model: string, stream = false): string {
  const body = JSON.stringify({ model, stream, messages: [{ role: "user", content: "x" }] });
  return `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
}

describe("server.idle_timeout", () => {
  test("idle keep-alive connections are closed; long upstream waits and quiet streams are not cut", async () => {
    mock.when("POST", "/v1/chat/completions", (req) => {
      const model = (req.json as { model: string }).model;
      if (model === "slow") return json(completion, { delay: LONG });
      // one silence of LONG between the first event and the rest
      if (model === "quiet-stream") return sse([chunk("a"), `data: ${JSON.stringify(chunk("b", "stop"))}\n\ndata: [DONE]\n\n`], { chunkDelayMs: LONG });
      if (model === "stream") return sse([chunk("a"), chunk("", "stop"), "data: [DONE]\n\n"]);
      return json(completion);
    });
    const afterJson = await rawConnect(gw.port);
    const afterStream = await rawConnect(gw.port);
    const slow = await rawConnect(gw.port);
    const quiet = await rawConnect(gw.port);
    try {
      afterJson.write(chat("openai/fast"));
      afterStream.write(chat("openai/stream", true));
      slow.write(chat("openai/slow"));
      quiet.write(chat("openai/quiet-stream", true));

      const [json1, stream1] = await Promise.all([afterJson.response(), afterStream.response()]);
      expect(json1.status).toBe(200);
      expect(stream1.status).toBe(200);
      expect(stream1.body).toContain("data: [DONE]");
      const answeredAt = performance.now();

      const [slowRes, quietRes] = await Promise.all([slow.response(LONG + 5000), quiet.response(LONG + 5000)]);
      expect(slowRes.status).toBe(200);
      expect(JSON.parse(slowRes.body).choices[0].message.content).toBe("hi");
      expect(quietRes.status).toBe(200);
      expect(quietRes.body).toContain('"content":"b"');
      expect(quietRes.body).toContain("data: [DONE]");

      // by now (> 4 s after their answers) the two idle connections are gone
      await Promise.all([afterJson.closed(6000), afterStream.closed(6000)]);
      expect(performance.now() - answeredAt).toBeGreaterThan(500);
    } finally {
      for (const c of [afterJson, afterStream, slow, quiet]) c.destroy();
    }
  }, 20_000);

  test("a connection that comes back within the idle time is reused", async () => {
    mock.when("POST", "/v1/chat/completions", json(completion));
    const conn = await rawConnect(gw.port);
    try {
      conn.write(chat("openai/fast"));
      expect((await conn.response()).status).toBe(200);
      await Bun.sleep(300);
      expect(conn.isClosed).toBe(false);
    } finally {
      conn.destroy();
    }
  });
});
