// Azure api-versions before 2024-10-21 reject `stream_options`: the gateway sends none (not even the
// client's), and such a stream carries no usage. The client gets a whole, valid stream; with
// include_usage it gets no usage chunk (there is none to give), and the request record has no token
// counts (absent, not zero).
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { openaiClient, sse, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

const DEPLOYMENT = "my-gpt-4o-mini";
let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    providers: { "azure-old": { type: "azure", base_url: mock.url, api_version: "2024-06-01", keys: [{ value: "k" }] } },
    failover: { timeout: "2s", max_attempts: 1 },
  });
  client = openaiClient(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});

const base = { id: "chatcmpl-old", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini" };

test("api_version 2024-06-01: no stream_options upstream; the stream relays whole, without a usage chunk", async () => {
  mock.when("POST", `/openai/deployments/${DEPLOYMENT}/chat/completions`, sse([
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: { content: "Hi" }, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
    "data: [DONE]\n\n",
  ]));
  const stream = await client.chat.completions.create({
    model: `azure-old/${DEPLOYMENT}`, messages: [{ role: "user", content: "Hello" }], stream: true, stream_options: { include_usage: true },
  });
  let content = "";
  let finish: string | null | undefined;
  let usage: unknown;
  for await (const chunk of stream) {
    content += chunk.choices[0]?.delta.content ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  expect({ content, finish, usage }).toEqual({ content: "Hi", finish: "stop", usage: undefined });
  const sent = mock.requests[0]!;
  expect(new URL(sent.url).searchParams.get("api-version")).toBe("2024-06-01");
  expect("stream_options" in (sent.json as object)).toBe(false);
});
