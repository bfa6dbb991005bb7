// A conversation begun on a provider that reasons (Anthropic, Gemini, Bedrock) carries reasoning fields
// on its assistant messages. OpenAI-format providers that do not know them refuse unknown message
// fields, so they are removed there; OpenRouter takes `reasoning_details` back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixtureReply, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";

let mock: MockUpstream;
let gw: Gateway;

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.when("POST", /\/chat\/completions$/, fixtureReply("openai", "chat.response.json"));
  const block = (type: string, path: string) => ({ type, base_url: `${mock.url}/${path}/v1`, keys: [{ value: "sk-test" }] });
  gw = await startGateway({ providers: { openai: block("openai", "oa"), openrouter: block("openrouter", "or"), groq: block("groq", "gq") } });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});

const assistant = {
  role: "assistant",
  content: "Let me look.",
  reasoning_content: "The user wants the weather.",
  reasoning_details: [{ type: "reasoning.text", text: "The user wants the weather.", signature: "sig-1", format: "anthropic-claude-v1" }],
  extra_content: { google: { thought_signature: "abc" } },
  tool_calls: [{ id: "toolu_01", type: "function", function: { name: "weather", arguments: "{\"city\":\"Paris\"}" } }],
};
const history = [{ role: "user", content: "Weather in Paris?" }, assistant, { role: "tool", tool_call_id: "toolu_01", content: "sunny" }];

async function upstreamMessage(model: string): Promise<Record<string, unknown>> {
  mock.clearRequests();
  const res = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages: history }) });
  expect(res.status).toBe(200);
  return (mock.requests[0]!.json as { messages: Record<string, unknown>[] }).messages[1]!;
}

describe("reasoning fields from another provider's answer", () => {
  test("are removed for OpenAI-format providers that refuse unknown message fields; the rest of the turn is kept", async () => {
    for (const model of ["openai/gpt-4o-mini", "groq/llama-3.1-8b-instant"]) {
      const sent = await upstreamMessage(model);
      expect(sent).toEqual({ role: "assistant", content: "Let me look.", tool_calls: assistant.tool_calls });
    }
  });

  test("OpenRouter gets reasoning_details back (it takes them), not the others", async () => {
    const sent = await upstreamMessage("openrouter/anthropic/claude-sonnet-4.5");
    expect(sent.reasoning_details).toEqual(assistant.reasoning_details);
    expect(sent).not.toHaveProperty("reasoning_content");
    expect(sent).not.toHaveProperty("extra_content");
  });
});
