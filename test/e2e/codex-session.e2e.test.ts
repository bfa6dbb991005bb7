// A recorded Codex session (test/fixtures/codex/) replayed through the gateway: Responses requests
// as Codex sends them (store: false, the whole history each turn, namespace and hosted tools),
// translated to an OpenAI-compatible chat upstream, and passed through to OpenAI natively.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, sse, startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { parseSse } from "../support/sse.ts";

interface Turn { path: string; headers: Record<string, string>; body: Record<string, any> }
const turns = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/codex/session.json"), "utf8")) as Turn[];

let mock: MockUpstream;
let gw: Gateway;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    providers: {
      groq: { base_url: `${mock.url}/groq`, keys: [{ value: "gsk-secret" }] },
      openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-openai-secret" }] },
    },
    routes: {
      "gpt-5-codex": { targets: [{ provider: "groq", model: "llama-3.3-70b" }] },
      "gpt-5-codex-native": { targets: [{ provider: "openai", model: "gpt-5-codex" }] },
    },
    failover: { timeout: "3s", max_attempts: 1 },
    store: "sqlite::memory:",
  });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

const frame = (o: object) => ({ id: "c1", object: "chat.completion.chunk", created: 1, model: "llama-3.3-70b", ...o });
const toolCallAnswer = sse([
  frame({ choices: [{ index: 0, delta: { role: "assistant", content: "Running it." }, finish_reason: null }] }),
  frame({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "exec_command", arguments: "" } }] }, finish_reason: null }] }),
  frame({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: "{\"cmd\":\"echo butter-ok\"}" } }] }, finish_reason: null }] }),
  frame({ choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] }),
  frame({ choices: [], usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 } }),
  "data: [DONE]\n\n",
]);
const textAnswer = sse([
  frame({ choices: [{ index: 0, delta: { role: "assistant", content: "It printed butter-ok." }, finish_reason: null }] }),
  frame({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
  frame({ choices: [], usage: { prompt_tokens: 120, completion_tokens: 6, total_tokens: 126 } }),
  "data: [DONE]\n\n",
]);

async function replay(turn: Turn, model: string) {
  const res = await fetch(`${gw.baseURL}${turn.path}`, {
    method: "POST", headers: { ...turn.headers, authorization: "Bearer x" }, body: JSON.stringify({ ...turn.body, model }),
  });
  return { res, events: parseSse(await res.text()).map((e) => ({ event: e.event, data: JSON.parse(e.data) as Record<string, any> })) };
}

describe("a recorded Codex session", () => {
  test("the recording is what Codex sends: store false, streamed, namespace and hosted tools, the whole history on turn 2", () => {
    expect(turns.length).toBe(2);
    for (const t of turns) {
      expect(t.path).toBe("/v1/responses");
      expect(t.body).toMatchObject({ model: "gpt-5-codex", stream: true, store: false, include: ["reasoning.encrypted_content"] });
      expect(t.body.tools.map((x: { type: string }) => x.type)).toContain("namespace");
      expect(t.body.tools.map((x: { type: string }) => x.type)).toContain("web_search");
    }
    expect(turns[1]!.body.input.map((i: { type: string }) => i.type).slice(-3)).toEqual(["message", "function_call", "function_call_output"]);
  });

  test("→ an OpenAI-compatible chat target: every turn streams Responses events to response.completed, the history is translated", async () => {
    mock.when("POST", "/groq/chat/completions", (req) => ((req.json as { messages: Array<{ role: string }> }).messages.some((m) => m.role === "tool") ? textAnswer : toolCallAnswer));
    const first = await replay(turns[0]!, "gpt-5-codex");
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get("x-butter-dropped-tools")).toBe("web_search");
    expect(first.events[0]!.event).toBe("response.created");
    expect(first.events.at(-1)!.event).toBe("response.completed");
    first.events.forEach((e, i) => expect(e.data.sequence_number).toBe(i));
    const done = first.events.at(-1)!.data.response;
    expect(done.output.map((o: { type: string }) => o.type)).toEqual(["message", "function_call"]);
    expect(done.output[1]).toMatchObject({ name: "exec_command", call_id: "call_1", arguments: "{\"cmd\":\"echo butter-ok\"}" });
    expect(done.usage).toMatchObject({ input_tokens: 100, output_tokens: 10, total_tokens: 110 });
    // Codex reads finished items from output_item.done.
    expect(first.events.filter((e) => e.event === "response.output_item.done").map((e) => e.data.item.type)).toEqual(["message", "function_call"]);

    const up0 = mock.requests[0]!.json as Record<string, any>;
    const names = up0.tools.map((t: { function: { name: string } }) => t.function.name);
    expect(names).toContain("exec_command");
    expect(names).toContain("multi_agent_v1__spawn_agent");
    expect(up0.messages[0].role).toBe("system");
    expect(up0.messages.at(-1)).toEqual({ role: "user", content: "run echo butter-ok" });

    const second = await replay(turns[1]!, "gpt-5-codex");
    expect(second.events.at(-1)!.event).toBe("response.completed");
    expect(second.events.at(-1)!.data.response.output[0].content[0].text).toBe("It printed butter-ok.");
    // Usage per turn, never summed with the first.
    expect(second.events.at(-1)!.data.response.usage).toMatchObject({ input_tokens: 120, output_tokens: 6, total_tokens: 126 });
    const up1 = mock.requests[1]!.json as Record<string, any>;
    expect(up1.messages.slice(-2)).toEqual([
      { role: "assistant", content: "Running it.", tool_calls: [{ id: "call_1", type: "function", function: { name: "exec_command", arguments: "{\"cmd\":\"echo butter-ok\"}" } }] },
      { role: "tool", tool_call_id: "call_1", content: turns[1]!.body.input.at(-1).output },
    ]);
    // store: false: nothing kept.
    expect((await fetch(`${gw.baseURL}/v1/responses/${done.id}`)).status).toBe(404);
  });

  test("→ OpenAI natively: each body arrives as recorded apart from model, and its events are relayed as they came", async () => {
    for (const turn of turns) {
      mock.reset();
      const upstream = "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_n\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[]}}\n\n"
        + "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":1,\"response\":{\"id\":\"resp_n\",\"object\":\"response\",\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":5,\"output_tokens\":1,\"total_tokens\":6}}}\n\n";
      mock.when("POST", "/v1/responses", sse([upstream]));
      const { res, events } = await replay(turn, "gpt-5-codex-native");
      expect(res.status).toBe(200);
      expect(res.headers.get("x-butter-dropped-tools")).toBeNull();
      expect(events.map((e) => e.event)).toEqual(["response.created", "response.completed"]);
      expect(mock.requests[0]!.json).toEqual({ ...turn.body, model: "gpt-5-codex" });
      expect(mock.requests[0]!.headers.authorization).toBe("Bearer sk-openai-secret");
    }
  });
});
