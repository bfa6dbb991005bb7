// A conversation started on one provider and continued on every other: provider A answers with tool calls
// (ids in A's own format, with reasoning where A has it); the client appends that answer and the tool
// results, and sends the history to provider B. Whatever B is, its upstream request must be well formed
// for B: tool-call ids consistent between calls and results, in the format B accepts (Mistral: exactly 9
// alphanumerics), Anthropic tool_use/tool_result paired in the next user turn, Bedrock toolUse/toolResult
// paired with a toolConfig, Gemini functionCall/functionResponse paired by name and, for Gemini 3, a
// thoughtSignature on the first call of each model turn.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixtureReply, json, type Gateway, type MockUpstream, type RecordedRequest, type Reply } from "../support/index.ts";
import { startAllProviders, stopAllProviders, answerEveryProvider, GOOD_MODEL, PREFIXES, type ProviderName } from "../support/all-providers.ts";

type Obj = Record<string, any>;

let mock: MockUpstream;
let gw: Gateway;

beforeAll(async () => {
  ({ mock, gw } = await startAllProviders());
});
afterAll(() => stopAllProviders({ mock, gw }));

const TOOLS = [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } } }];

/** Anthropic with extended thinking: a signed thinking block before the tool call. */
const anthropicThinking: Reply = json({
  id: "msg_01ThinkToolUse", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929",
  content: [
    { type: "thinking", thinking: "The user wants the weather; call the tool.", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds" },
    { type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", input: { location: "Paris" } },
  ],
  stop_reason: "tool_use", stop_sequence: null, usage: { input_tokens: 100, output_tokens: 50 },
});

/** Gemini 2.5 with thinking: a thought summary, then two parallel calls, the first signed. */
const geminiThinking: Reply = json({
  candidates: [{
    content: {
      role: "model",
      parts: [
        { text: "Two cities: call twice.", thought: true },
        { functionCall: { name: "get_weather", args: { location: "Paris" } }, thoughtSignature: "CiQBVKhc7vB+vaaq6rA" },
        { functionCall: { name: "get_weather", args: { location: "Lyon" } } },
      ],
    },
    finishReason: "STOP",
  }],
  modelVersion: "gemini-2.5-flash",
  usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 10, totalTokenCount: 30 },
});

/** Gemini 3 style: Gemini's own call id and a real-length signature (the Butter id carrying it passes 64 characters). */
const geminiLongSignature: Reply = json({
  candidates: [{
    content: { role: "model", parts: [{ functionCall: { id: "fc_7b1x9q", name: "get_weather", args: { location: "Paris" } }, thoughtSignature: "Cr0CAdHtim9".padEnd(400, "xQ2+/") }] },
    finishReason: "STOP",
  }],
  modelVersion: "gemini-3-pro-preview",
  usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 10, totalTokenCount: 30 },
});

/** Kimi K2 on an OpenAI-compatible host: ids like `functions.get_weather:0`. */
const kimiStyle: Reply = json({
  id: "chatcmpl-kimi", object: "chat.completion", created: 1742425051, model: "moonshotai/kimi-k2-instruct",
  choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null, tool_calls: [
    { id: "functions.get_weather:0", type: "function", function: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } },
  ] } }],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
});

interface Source {
  label: string;
  provider: ProviderName;
  model: string;
  reply: Reply;
}

const SOURCES: Source[] = [
  { label: "openai", provider: "openai", model: GOOD_MODEL.openai, reply: fixtureReply("openai", "tools.response.json") },
  { label: "anthropic (with thinking)", provider: "anthropic", model: "claude-sonnet-4-5", reply: anthropicThinking },
  { label: "anthropic", provider: "anthropic", model: GOOD_MODEL.anthropic, reply: fixtureReply("anthropic", "tools.response.json") },
  { label: "gemini (thinking, parallel calls)", provider: "gemini", model: "gemini-2.5-flash", reply: geminiThinking },
  { label: "gemini", provider: "gemini", model: GOOD_MODEL.gemini, reply: fixtureReply("gemini", "tools.response.json") },
  { label: "gemini 3 (own id, real-length signature)", provider: "gemini", model: "gemini-3-pro-preview", reply: geminiLongSignature },
  { label: "groq (Kimi-style ids)", provider: "groq", model: "moonshotai/kimi-k2-instruct", reply: kimiStyle },
  { label: "bedrock", provider: "bedrock", model: GOOD_MODEL.bedrock, reply: fixtureReply("bedrock", "tools.response.json") },
  { label: "mistral", provider: "mistral", model: GOOD_MODEL.mistral, reply: fixtureReply("mistral", "tools.response.json") },
];

/** Every target, plus the model families whose rules differ on one provider (Gemini 3, Gemini on Vertex). */
const TARGETS: Array<{ provider: ProviderName; model: string }> = [
  ...(Object.keys(PREFIXES) as ProviderName[]).map((provider) => ({ provider, model: GOOD_MODEL[provider] })),
  { provider: "gemini", model: "gemini-3-pro-preview" },
  { provider: "vertex", model: "gemini-2.5-flash" },
  { provider: "anthropic", model: "claude-sonnet-4-5" },
];

async function chat(body: Obj): Promise<{ status: number; json: Obj }> {
  const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json()) as Obj };
}

/** Provider A's answer (its tool calls in A's id format), as an OpenAI client receives it. */
async function startOn(source: Source): Promise<Obj> {
  mock.reset();
  mock.when("POST", new RegExp(`^${PREFIXES[source.provider]}/`), source.reply);
  try {
    const { status, json: answer } = await chat({
      model: `${source.provider}/${source.model}`, tools: TOOLS, reasoning_effort: "low",
      messages: [{ role: "user", content: "Weather in Paris?" }],
    });
    expect(status).toBe(200);
    const message = answer.choices[0].message as Obj;
    expect(message.tool_calls?.length).toBeGreaterThan(0);
    return message;
  } finally {
    mock.reset();
    answerEveryProvider(mock);
  }
}

/** The history a client sends next: the answer as it came, then one result per call. */
function continued(message: Obj): Obj[] {
  return [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Weather in Paris?" },
    message,
    ...(message.tool_calls as Obj[]).map((call, i) => ({ role: "tool", tool_call_id: call.id, content: `{"temp":${18 + i}}` })),
  ];
}

// ---------------------------------------------------------------------------------------------------
// What "well formed" means for each upstream format.

/** Providers without tool calling: Perplexity's Sonar models. */
const REFUSES_TOOLS: ReadonlySet<ProviderName> = new Set(["perplexity"]);

const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/;
const BEDROCK_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;

function checkOpenAI(body: Obj, calls: number, mistral: boolean): void {
  const messages = body.messages as Obj[];
  const assistant = messages.find((m) => Array.isArray(m.tool_calls))!;
  const ids = (assistant.tool_calls as Obj[]).map((c) => c.id as string);
  expect(ids.length).toBe(calls);
  expect(new Set(ids).size).toBe(ids.length);
  const results = messages.filter((m) => m.role === "tool").map((m) => m.tool_call_id);
  expect(results).toEqual(ids);
  if (mistral) for (const id of ids) expect(id).toMatch(MISTRAL_ID);
}

function checkAnthropic(body: Obj, calls: number): void {
  const messages = body.messages as Obj[];
  const at = messages.findIndex((m) => m.role === "assistant" && Array.isArray(m.content) && m.content.some((b: Obj) => b.type === "tool_use"));
  expect(at).toBeGreaterThanOrEqual(0);
  const uses = (messages[at]!.content as Obj[]).filter((b) => b.type === "tool_use");
  expect(uses.length).toBe(calls);
  for (const use of uses) expect(use.id).toMatch(ANTHROPIC_ID);
  // The results come first in the very next user turn, one per call, same ids.
  const next = messages[at + 1]!;
  expect(next.role).toBe("user");
  const results = (next.content as Obj[]).slice(0, uses.length);
  expect(results.map((b) => b.type)).toEqual(uses.map(() => "tool_result"));
  expect(results.map((b) => b.tool_use_id)).toEqual(uses.map((u) => u.id));
  expect((body.tools as Obj[]).map((t) => t.name)).toContain("get_weather");
}

function checkBedrock(body: Obj, calls: number): void {
  const messages = body.messages as Obj[];
  const at = messages.findIndex((m) => m.role === "assistant" && (m.content as Obj[]).some((b) => b.toolUse));
  expect(at).toBeGreaterThanOrEqual(0);
  const uses = (messages[at]!.content as Obj[]).filter((b) => b.toolUse).map((b) => b.toolUse as Obj);
  expect(uses.length).toBe(calls);
  for (const use of uses) expect(use.toolUseId).toMatch(BEDROCK_ID);
  const results = (messages[at + 1]!.content as Obj[]).filter((b) => b.toolResult).map((b) => b.toolResult.toolUseId);
  expect(results).toEqual(uses.map((u) => u.toolUseId));
  expect(body.toolConfig?.tools?.length).toBeGreaterThan(0);
}

function checkGemini(body: Obj, calls: number, signaturesRequired: boolean): void {
  const contents = body.contents as Obj[];
  const at = contents.findIndex((c) => c.role === "model" && (c.parts as Obj[]).some((p) => p.functionCall));
  expect(at).toBeGreaterThanOrEqual(0);
  const callParts = (contents[at]!.parts as Obj[]).filter((p) => p.functionCall);
  expect(callParts.length).toBe(calls);
  if (signaturesRequired) expect(typeof callParts[0]!.thoughtSignature).toBe("string");
  const responses = (contents[at + 1]!.parts as Obj[]).filter((p) => p.functionResponse).map((p) => p.functionResponse as Obj);
  expect(responses.map((r) => r.name)).toEqual(callParts.map((p) => p.functionCall.name));
  for (const r of responses) expect(typeof r.response).toBe("object");
}

function checkUpstream(req: RecordedRequest, target: { provider: ProviderName; model: string }, calls: number): void {
  const path = new URL(req.url).pathname;
  const body = req.json as Obj;
  if (path.endsWith("/v1/messages") || path.includes(":rawPredict") || path.includes(":streamRawPredict")) checkAnthropic(body, calls);
  else if (path.endsWith("/converse")) checkBedrock(body, calls);
  else if (path.includes(":generateContent")) checkGemini(body, calls, target.model.startsWith("gemini-3"));
  else if (path.endsWith("/chat/completions")) checkOpenAI(body, calls, target.provider === "mistral");
  else throw new Error(`unexpected upstream path ${path}`);
}

describe("a conversation with tool calls and reasoning, started on one provider and continued on every other", () => {
  for (const source of SOURCES) {
    test(`started on ${source.label}`, async () => {
      const message = await startOn(source);
      const calls = (message.tool_calls as Obj[]).length;
      for (const target of TARGETS) {
        if (target.provider === source.provider && target.model === source.model) continue;
        mock.clearRequests();
        const { status, json: answer } = await chat({ model: `${target.provider}/${target.model}`, tools: TOOLS, messages: continued(message) });
        const where = `${source.label} → ${target.provider}/${target.model}`;
        if (REFUSES_TOOLS.has(target.provider)) {
          // A provider without tool calling refuses the history with a 400 naming `tools`, and sends nothing.
          expect({ where, status, param: answer.error?.param }).toEqual({ where, status: 400, param: "tools" });
          expect(mock.requests.length).toBe(0);
          continue;
        }
        if (status !== 200) throw new Error(`${where}: ${status} ${JSON.stringify(answer).slice(0, 300)}`);
        expect(mock.requests.length).toBe(1);
        try {
          checkUpstream(mock.requests[0]!, target, calls);
        } catch (err) {
          throw new Error(`${where}: ${(err as Error).message}\nupstream body: ${JSON.stringify(mock.requests[0]!.json).slice(0, 1500)}`);
        }
      }
    });
  }

  test("Mistral: the same foreign history gives the same 9-character ids on every turn", async () => {
    const history = continued({ role: "assistant", content: null, tool_calls: [{ id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", type: "function", function: { name: "get_weather", arguments: "{}" } }] });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      mock.clearRequests();
      expect((await chat({ model: `mistral/${GOOD_MODEL.mistral}`, tools: TOOLS, messages: history })).status).toBe(200);
      const body = mock.requests[0]!.json as Obj;
      ids.push(body.messages[2].tool_calls[0].id, body.messages[3].tool_call_id);
    }
    expect(ids[0]).toMatch(MISTRAL_ID);
    expect(new Set(ids).size).toBe(1);
  });
});
