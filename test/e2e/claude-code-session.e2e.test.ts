// A recorded Claude Code session (`claude -p` with its Bash and Read tools; see test/fixtures/claude-code/README.md)
// replayed turn by turn through the gateway with the Anthropic SDK, as Claude Code sends it: `client.beta.messages`
// (`?beta=true`), its `anthropic-beta` list, system blocks with `cache_control`, 24 tools, thinking, context editing,
// tool results. Against an OpenAI-format upstream every turn must translate and complete; against an `anthropic`
// upstream the body must arrive as recorded apart from `model`.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { loadText, sse, startGateway, startMockUpstream, type Gateway, type MockUpstream, type RecordedRequest } from "../support/index.ts";
import { parseSse } from "../support/sse.ts";

type Obj = Record<string, unknown>;
type Block = Obj & { type: string };
interface Turn {
  path: string;
  headers: Record<string, string>;
  body: Obj & { model: string; messages: Array<{ role: string; content: string | Block[] }>; system: Block[]; tools: Obj[] };
  /** What the recording server answered this turn (the next turn's assistant message). */
  answer: { content: Block[]; stop_reason: "tool_use" | "end_turn" };
}

const SESSIONS: Record<string, Turn[]> = {
  // ANTHROPIC_MODEL=claude-sonnet-4-5: thinking {enabled, budget_tokens}.
  "claude-sonnet-4-5": JSON.parse(loadText("claude-code", "session-sonnet-4-5.json")) as Turn[],
  // Claude Code's default model: adaptive thinking, output_config.effort, and a mid-conversation `system` message.
  "claude-opus-4-8": JSON.parse(loadText("claude-code", "session-opus-4-8.json")) as Turn[],
};

let mock: MockUpstream;
let translated: Gateway;
let native: Gateway;

const routes = (provider: string, model: (name: string) => string) =>
  Object.fromEntries(Object.keys(SESSIONS).map((name) => [name, { targets: [{ provider, model: model(name) }] }]));

beforeAll(async () => {
  mock = await startMockUpstream();
  const providers = {
    openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-stored-secret" }] },
    anthropic: { base_url: `${mock.url}/ant`, keys: [{ value: "sk-ant-stored" }] },
  };
  const failover = { timeout: "5s", max_attempts: 1 };
  [translated, native] = await Promise.all([
    startGateway({ providers, failover, routes: routes("openai", () => "gpt-4o") }),
    startGateway({ providers, failover, routes: routes("anthropic", (name) => `${name}-20991231`) }),
  ]);
});
afterAll(async () => {
  await Promise.all([translated?.stop(), native?.stop()]);
  await mock?.stop();
});
beforeEach(() => mock.reset());

// Claude Code's client sends its key and the SDK's own headers itself.
const client = (gw: Gateway) => new Anthropic({ baseURL: gw.baseURL, apiKey: "sk-ant-claude-code", maxRetries: 0 });

/** The recorded answer as an OpenAI chat stream: text deltas, then tool-call deltas (arguments in two pieces), then usage. */
function openaiAnswer(answer: Turn["answer"]): ReturnType<typeof sse> {
  const chunk = (delta: Obj, finish: string | null = null) => ({ id: "chatcmpl-cc", object: "chat.completion.chunk", created: 1, model: "gpt-4o-2024-08-06", choices: [{ index: 0, delta, finish_reason: finish }] });
  const events: object[] = [chunk({ role: "assistant", content: "" })];
  let call = 0;
  for (const b of answer.content) {
    if (b.type === "text") events.push(chunk({ content: b.text }));
    else if (b.type === "tool_use") {
      const args = JSON.stringify(b.input);
      const half = Math.floor(args.length / 2);
      events.push(chunk({ tool_calls: [{ index: call, id: b.id, type: "function", function: { name: b.name, arguments: args.slice(0, half) } }] }));
      events.push(chunk({ tool_calls: [{ index: call++, function: { arguments: args.slice(half) } }] }));
    }
  }
  events.push(chunk({}, answer.stop_reason === "tool_use" ? "tool_calls" : "stop"));
  events.push({ id: "chatcmpl-cc", object: "chat.completion.chunk", created: 1, model: "gpt-4o-2024-08-06", choices: [], usage: { prompt_tokens: 21000, completion_tokens: 40, total_tokens: 21040, prompt_tokens_details: { cached_tokens: 20000 } } });
  return sse([...events, "data: [DONE]\n\n"]);
}

/** The recorded answer as Anthropic's SSE, the way the recording server sent it. */
function anthropicAnswer(answer: Turn["answer"], model: string): ReturnType<typeof sse> {
  const ev = (type: string, data: Obj) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const events = [
    ev("message_start", { message: { id: "msg_cc", type: "message", role: "assistant", content: [], model, stop_reason: null, stop_sequence: null, usage: { input_tokens: 21000, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 20000 } } }),
    ev("ping", {}),
  ];
  answer.content.forEach((b, index) => {
    if (b.type === "text") {
      events.push(ev("content_block_start", { index, content_block: { type: "text", text: "" } }));
      events.push(ev("content_block_delta", { index, delta: { type: "text_delta", text: b.text } }));
    } else {
      events.push(ev("content_block_start", { index, content_block: { type: "tool_use", id: b.id, name: b.name, input: {} } }));
      events.push(ev("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(b.input) } }));
    }
    events.push(ev("content_block_stop", { index }));
  });
  events.push(ev("message_delta", { delta: { stop_reason: answer.stop_reason, stop_sequence: null }, usage: { output_tokens: 40 } }));
  events.push(ev("message_stop", {}));
  return sse(events);
}

/** Replays one turn with the SDK as Claude Code does; returns every event the SDK parsed and its final message. */
async function replay(gw: Gateway, turn: Turn) {
  const events: Array<{ type: string } & Obj> = [];
  const stream = client(gw).beta.messages.stream(turn.body as never, { headers: turn.headers });
  stream.on("streamEvent", (e) => events.push(e as never));
  const final = await stream.finalMessage();
  return { events, final };
}

/** The same turn over plain HTTP: the SSE events on the wire, to check the SDK saw each of them. */
async function wireEvents(gw: Gateway, turn: Turn) {
  const res = await fetch(`${gw.url}${turn.path}`, { method: "POST", headers: { ...turn.headers, "x-api-key": "sk-ant-claude-code" }, body: JSON.stringify(turn.body) });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/event-stream");
  return parseSse(await res.text());
}

const textOf = (content: string | Block[]) => (typeof content === "string" ? content : content.map((p) => String(p.text ?? "")).join(""));

/**
 * The chat messages a recorded Anthropic history must become: system blocks first, user text blocks as one user
 * message, each tool_result its own `tool` message, each tool_use a tool call with the same id.
 */
function expectedChat(body: Turn["body"]): Array<{ role: string; text?: string; tool_call_id?: string; tool_calls?: Array<{ id: string; name: string; input: unknown }> }> {
  const out: ReturnType<typeof expectedChat> = [{ role: "system", text: body.system.map((b) => b.text).join("") }];
  for (const m of body.messages) {
    const blocks: Block[] = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    if (m.role === "assistant") {
      const calls = blocks.filter((b) => b.type === "tool_use").map((b) => ({ id: String(b.id), name: String(b.name), input: b.input }));
      out.push({ role: "assistant", text: blocks.filter((b) => b.type === "text").map((b) => b.text).join(""), ...(calls.length > 0 ? { tool_calls: calls } : {}) });
      continue;
    }
    let text: string[] = [];
    const flush = () => {
      if (text.length > 0) out.push({ role: m.role, text: text.join("") });
      text = [];
    };
    for (const b of blocks) {
      if (b.type === "tool_result") {
        flush();
        out.push({ role: "tool", tool_call_id: String(b.tool_use_id), text: (b.is_error === true ? "Error: " : "") + textOf(b.content as string | Block[]) });
      } else text.push(String(b.text));
    }
    flush();
  }
  return out;
}

function actualChat(sent: Obj): ReturnType<typeof expectedChat> {
  return (sent.messages as Array<Obj & { role: string; content: string | Block[] | null }>).map((m) => {
    const calls = m.tool_calls as Array<{ id: string; function: { name: string; arguments: string } }> | undefined;
    return {
      role: m.role,
      text: textOf(m.content ?? ""),
      ...(m.tool_call_id !== undefined ? { tool_call_id: String(m.tool_call_id) } : {}),
      ...(calls ? { tool_calls: calls.map((c) => ({ id: c.id, name: c.function.name, input: JSON.parse(c.function.arguments) as unknown })) } : {}),
    };
  });
}

const expectedFinal = (answer: Turn["answer"]) => answer.content.map((b) => (b.type === "text" ? { type: "text", text: b.text } : { type: "tool_use", id: b.id, name: b.name, input: b.input }));

for (const [model, turns] of Object.entries(SESSIONS)) {
  describe(`recorded Claude Code session (${model}, ${turns.length} turns)`, () => {
    test("the recording is what Claude Code sends: beta endpoint and headers, cached system blocks, tools, tool results", () => {
      expect(turns.length).toBeGreaterThanOrEqual(3);
      for (const t of turns) {
        expect(t.path).toBe("/v1/messages?beta=true");
        expect(t.headers["anthropic-beta"]).toContain("claude-code-20250219");
        // Plain comparisons: Bun's toMatchObject writes asymmetric matchers into the object it checks.
        expect([t.body.model, t.body.stream, typeof (t.body.metadata as Obj).user_id]).toEqual([model, true, "string"]);
        expect(t.body.system.some((b) => b.cache_control !== undefined)).toBe(true);
        expect(t.body.tools.map((x) => x.name)).toContain("Bash");
      }
      expect(turns.map((t): string => t.answer.stop_reason)).toEqual([...turns.slice(1).map(() => "tool_use"), "end_turn"]);
      expect(turns.at(-1)!.body.messages.flatMap((m) => (typeof m.content === "string" ? [] : m.content)).filter((b) => b.type === "tool_result").length).toBe(turns.length - 1);
    });

    test("→ an OpenAI-format target: every turn completes, every event parses, the upstream gets the whole history", async () => {
      for (const [i, turn] of turns.entries()) {
        mock.reset();
        mock.when("POST", "/v1/chat/completions", openaiAnswer(turn.answer));
        const { events, final } = await replay(translated, turn);

        expect(final.stop_reason).toBe(turn.answer.stop_reason);
        expect(final.content as unknown).toEqual(expectedFinal(turn.answer));
        expect(events[0]!.type).toBe("message_start");
        expect(events.at(-1)!.type).toBe("message_stop");
        expect((events[0]!.message as { usage: Obj }).usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
        const delta = events.find((e) => e.type === "message_delta")!;
        expect(delta.usage).toMatchObject({ input_tokens: 1000, output_tokens: 40, cache_read_input_tokens: 20000 });
        expect(final.usage).toMatchObject({ input_tokens: 1000, output_tokens: 40, cache_read_input_tokens: 20000 });

        expect(mock.requests.length).toBe(1);
        const up = mock.requests[0]!;
        expect(up.path).toBe("/v1/chat/completions");
        expect(up.headers.authorization).toBe("Bearer sk-stored-secret");
        const sent = up.json as Obj;
        // thinking {enabled, budget_tokens: 31999} and output_config.effort "high" both come out as the top bucket.
        expect(sent).toMatchObject({ model: "gpt-4o", stream: true, reasoning_effort: "high", user: String((turn.body.metadata as Obj).user_id) });
        expect(actualChat(sent)).toEqual(expectedChat(turn.body));
        expect((sent.messages as Obj[]).filter((m) => m.role === "tool").length).toBe(i);
        const tools = sent.tools as Array<{ type: string; function: { name: string; description: string; parameters: unknown } }>;
        expect(tools.map((t) => ({ type: t.type, ...t.function }))).toEqual(
          turn.body.tools.map((t) => ({ type: "function", name: t.name, description: t.description, parameters: t.input_schema })) as never,
        );

        // The SDK saw each event on the wire.
        mock.reset();
        mock.when("POST", "/v1/chat/completions", openaiAnswer(turn.answer));
        const wire = await wireEvents(translated, turn);
        for (const e of wire) expect((JSON.parse(e.data) as Obj).type).toBe(e.event!);
        // The SDK keeps pings to itself.
        expect(wire.map((e) => e.event).filter((t) => t !== "ping")).toEqual(events.map((e) => e.type));
      }
    });

    test("→ an anthropic target: each turn's body arrives as recorded apart from model, with Claude Code's betas", async () => {
      for (const turn of turns) {
        mock.reset();
        mock.when("POST", "/ant/v1/messages", anthropicAnswer(turn.answer, `${model}-20991231`));
        const { events, final } = await replay(native, turn);
        expect(final.stop_reason).toBe(turn.answer.stop_reason);
        expect(final.content as unknown).toEqual(expectedFinal(turn.answer));
        expect(final.usage).toMatchObject({ input_tokens: 21000, output_tokens: 40, cache_read_input_tokens: 20000 });
        expect(events.map((e) => e.type)).toContain("message_delta");

        const up: RecordedRequest = mock.requests[0]!;
        expect(up.path.split("?")[0]).toBe("/ant/v1/messages");
        const { model: sentModel, ...rest } = up.json as Obj;
        const { model: _recorded, ...recorded } = turn.body;
        expect(sentModel).toBe(`${model}-20991231`);
        expect(rest).toEqual(recorded);
        expect(up.headers["anthropic-beta"]).toBe(turn.headers["anthropic-beta"]!);
        expect(up.headers["anthropic-version"]).toBe(turn.headers["anthropic-version"]!);
        expect(up.headers["x-api-key"]).toBe("sk-ant-stored");
      }
    });

    test("count_tokens on the session so far (Claude Code's /context): a local estimate when translated, upstream when native", async () => {
      const last = turns.at(-1)!.body;
      const { max_tokens: _m, stream: _s, metadata: _md, context_management: _c, ...countBody } = last;
      const headers = { ...turns.at(-1)!.headers, "anthropic-beta": `${turns.at(-1)!.headers["anthropic-beta"]},token-counting-2024-11-01` };
      const count = (gw: Gateway, body: Obj) => client(gw).beta.messages.countTokens(body as never, { headers });

      const first = await count(translated, { ...countBody, messages: turns[0]!.body.messages });
      const whole = await count(translated, countBody);
      expect(first.input_tokens).toBeGreaterThan(10000); // 24 tool schemas and a long system prompt
      expect(whole.input_tokens).toBeGreaterThan(first.input_tokens);
      expect(mock.requests.length).toBe(0);

      mock.when("POST", "/ant/v1/messages/count_tokens", { kind: "json", body: { input_tokens: 23456 } });
      expect((await count(native, countBody)).input_tokens).toBe(23456);
      expect(mock.requests.length).toBe(1);
      expect((mock.requests[0]!.json as Obj).model).toBe(`${model}-20991231`);
    });
  });
}

describe("what Claude Code's default model sends, malformed", () => {
  const base = SESSIONS["claude-opus-4-8"]![0]!.body;
  const cases: Array<[string, Obj, string]> = [
    ["an effort Anthropic does not have", { output_config: { effort: "ultra" } }, "output_config.effort"],
    ["an output_config field with no counterpart", { output_config: { effort: "high", format: { type: "json_schema", schema: {} } } }, "output_config.format"],
    ["output_config not an object", { output_config: "high" }, "output_config"],
    ["a budget on adaptive thinking", { thinking: { type: "adaptive", budget_tokens: 1024 } }, "thinking.budget_tokens"],
    ["an image in a mid-conversation system message", { messages: [...base.messages, { role: "system", content: [{ type: "image", source: { type: "url", url: "https://x/y.png" } }] }] }, `messages[${base.messages.length}].content[0].type`],
    ["a tool role", { messages: [...base.messages, { role: "tool", content: "x" }] }, `messages[${base.messages.length}].role`],
  ];
  for (const [name, patch, param] of cases) {
    test(`${name}: a 400 naming ${param}, nothing sent upstream`, async () => {
      const res = await fetch(`${translated.url}/v1/messages?beta=true`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...base, ...patch }) });
      expect(res.status).toBe(400);
      const err = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(err.error.type).toBe("invalid_request_error");
      expect(err.error.message).toStartWith(`${param}:`);
      expect(mock.requests.length).toBe(0);
    });
  }

  test("max effort is the highest reasoning_effort; a mid-conversation system message keeps its place", async () => {
    mock.when("POST", "/v1/chat/completions", openaiAnswer({ content: [{ type: "text", text: "ok" }], stop_reason: "end_turn" }));
    const body = { ...base, output_config: { effort: "max" }, messages: [...base.messages, { role: "system", content: [{ type: "text", text: "Now be brief." }] }, { role: "user", content: "Go on." }] };
    const final = await client(translated).beta.messages.stream(body as never).finalMessage();
    expect(final.stop_reason).toBe("end_turn");
    const sent = mock.requests[0]!.json as { reasoning_effort: string; messages: Array<{ role: string }> };
    expect(sent.reasoning_effort).toBe("high");
    expect(sent.messages.slice(-2)).toEqual([{ role: "system", content: "Now be brief." }, { role: "user", content: "Go on." }] as never);
  });
});
