// An OpenAI-format upstream streaming to an OpenAI client that asked for usage needs no translation:
// its event payloads go out byte for byte (no parse-and-serialise round trip per chunk). Anything
// the gateway must change (the role on the first delta, usage the client did not ask for, a
// provider's finish reason) is serialised again.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sse, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

let mock: MockUpstream;
let gw: Gateway;

// Spacing and field order no serialiser of ours would produce: a passed-through payload keeps it.
const first = '{"id":"c1", "object":"chat.completion.chunk", "created":1, "model":"m", "choices":[{"index":0, "delta":{"role":"assistant", "content":"Hel"}, "finish_reason":null}], "usage":null, "obfuscation":"x1"}';
const middle = '{"id":"c1", "object":"chat.completion.chunk", "created":1, "model":"m", "choices":[{"index":0, "delta":{"content":"lo"}, "finish_reason":null}], "usage":null}';
const last = '{"id":"c1", "object":"chat.completion.chunk", "created":1, "model":"m", "choices":[{"index":0, "delta":{}, "finish_reason":"stop"}], "usage":null}';
const usage = '{"id":"c1", "object":"chat.completion.chunk", "created":1, "model":"m", "choices":[], "usage":{"prompt_tokens":3, "completion_tokens":2, "total_tokens":5}}';
const noRole = '{"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}';

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.when("POST", "/v1/chat/completions", (req) => {
    const content = (req.json as { messages: Array<{ content: string }> }).messages[0]!.content;
    // A payload spread over several `data:` lines (legal SSE, joined with "\n"): relayed as one line it would break the framing.
    if (content === "multi-line") return sse([`data: ${first.replace(", ", ",\ndata: ")}\n\n`, `data: ${last}\n\n`, "data: [DONE]\n\n"]);
    const events = content === "no role" ? [noRole, last, usage] : [first, middle, last, usage];
    return sse([...events.map((e) => `data: ${e}\n\n`), "data: [DONE]\n\n"]);
  });
  gw = await startGateway({ providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-test" }] } } });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});

async function dataLines(body: Record<string, unknown>): Promise<string[]> {
  const res = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.text()).split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6));
}

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: "openai/m", messages: [{ role: "user", content }], stream: true, ...extra });

describe("stream pass-through", () => {
  test("with include_usage asked, untranslated chunks go out exactly as the upstream sent them", async () => {
    const lines = await dataLines(ask("hi", { stream_options: { include_usage: true } }));
    expect(lines.slice(0, 3)).toEqual([first, middle, last]);
    // The usage chunk is the gateway's own (it may have to be synthesised for other providers).
    expect(JSON.parse(lines[3]!)).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } });
    expect(lines[4]).toBe("[DONE]");
  });

  test("without include_usage the usage fields the gateway asked for are removed, so chunks are serialised again", async () => {
    const lines = await dataLines(ask("hi"));
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(0, 3)) expect(JSON.parse(line)).not.toHaveProperty("usage");
    expect(JSON.parse(lines[0]!).choices[0].delta).toEqual({ role: "assistant", content: "Hel" });
    expect(lines[3]).toBe("[DONE]");
  });

  test("a first delta without a role gets one: that chunk is serialised again, the rest pass through", async () => {
    const lines = await dataLines(ask("no role", { stream_options: { include_usage: true } }));
    expect(lines[0]).not.toBe(noRole);
    expect(JSON.parse(lines[0]!).choices[0].delta).toEqual({ role: "assistant", content: "Hi" });
    expect(lines[1]).toBe(last);
  });

  test("a payload the upstream spread over several data: lines is serialised again, never relayed with a raw newline", async () => {
    const lines = await dataLines(ask("multi-line", { stream_options: { include_usage: true } }));
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: "c1", choices: [{ delta: { role: "assistant", content: "Hel" } }] });
    expect(lines[1]).toBe(last);
    expect(lines[2]).toBe("[DONE]");
  });
});
