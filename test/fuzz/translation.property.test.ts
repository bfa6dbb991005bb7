// Property-based: every chat request the gateway's schema accepts (server/validate.ts) either translates
// for every provider or is refused with a 400 naming the parameter: never a 5xx, never a success that
// is not the upstream's answer, never a sampling parameter silently left out. The gateway runs as a
// child process with one block of every provider kind on one mock upstream that answers each in its
// own format (test/support/all-providers.ts). Run counts are bounded so the file takes a few seconds.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type Gateway, type MockUpstream } from "../support/index.ts";
import { startAllProviders, stopAllProviders, fuzzRuns, GOOD_MODEL, PROVIDER_NAMES, type ProviderName } from "../support/all-providers.ts";

const runs = fuzzRuns(20251130);

let mock: MockUpstream;
let gw: Gateway;
/** Each provider's answer to a plain request, streamed and not: what every success must carry. */
const baseline = new Map<string, string>();

interface Answer {
  status: number;
  text: string;
  content: string | undefined;
  param: unknown;
}

async function send(body: Record<string, unknown>): Promise<Answer> {
  const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status >= 400) {
    const error = (JSON.parse(text) as { error?: { param?: unknown } }).error;
    return { status: res.status, text, content: undefined, param: error?.param };
  }
  return { status: res.status, text, content: body.stream === true ? streamedContent(text) : messageContent(text), param: undefined };
}

function messageContent(text: string): string {
  const choice = (JSON.parse(text) as { choices: Array<{ message: { role: string; content: string | null } }> }).choices[0]!;
  expect(choice.message.role).toBe("assistant");
  return choice.message.content ?? "";
}

function streamedContent(text: string): string {
  expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  let content = "";
  for (const line of text.split("\n")) {
    if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
    const event = JSON.parse(line.slice(6)) as { error?: unknown; object?: string; choices?: Array<{ delta?: { content?: string | null } }> };
    expect(event.error).toBeUndefined();
    expect(event.object).toBe("chat.completion.chunk");
    for (const choice of event.choices ?? []) content += choice.delta?.content ?? "";
  }
  return content;
}

/** Every numeric value under a key named like `names` anywhere in an upstream body. */
function numbersNamed(value: unknown, names: ReadonlySet<string>, out: number[] = []): number[] {
  if (Array.isArray(value)) for (const v of value) numbersNamed(v, names, out);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (names.has(k) && typeof v === "number") out.push(v);
      else numbersNamed(v, names, out);
    }
  }
  return out;
}
const TEMPERATURE = new Set(["temperature"]);

beforeAll(async () => {
  ({ mock, gw } = await startAllProviders());
  for (const name of PROVIDER_NAMES) {
    for (const stream of [false, true]) {
      const answer = await send({ model: `${name}/${GOOD_MODEL[name]}`, messages: [{ role: "user", content: "Hello" }], stream });
      expect(answer.status).toBe(200);
      baseline.set(`${name}:${stream}`, answer.content!);
    }
  }
});
afterAll(() => stopAllProviders({ mock, gw }));

// ---------------------------------------------------------------------------------------------------
// Valid requests (each accepted by server/validate.ts).

const words = fc.stringMatching(/^[A-Za-z][A-Za-z ,.?]{0,24}$/);
/** Tool-call ids in the formats providers produce: OpenAI, Anthropic, Mistral, Gemini (signature inside), Kimi-style. */
const toolCallId = fc.constantFrom(
  "call_DdmO9pD3xa9XTPNJ32zg2hcA", "toolu_01A09q90qw90lq917835lq9", "abcDEF123", "call_k2J9xQ__ts_c2lnbmF0dXJl", "functions.get_weather:0", "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
);
const TOOLS = [
  { type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
  { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } },
];

const userTurn = fc.oneof(
  words.map((text) => ({ role: "user", content: text })),
  fc.tuple(words, fc.constantFrom("data:image/png;base64,iVBORw0KGgo=", "https://example.com/cat.png")).map(([text, url]) => ({
    role: "user", content: [{ type: "text", text }, { type: "image_url", image_url: { url, detail: "low" } }],
  })),
);

/** An assistant turn with one or two tool calls, then their results (ids kept consistent). */
const toolExchange = fc.tuple(fc.uniqueArray(toolCallId, { minLength: 1, maxLength: 2 }), fc.option(words, { nil: null }), words).map(([ids, said, result]) => [
  { role: "assistant", content: said, tool_calls: ids.map((id, i) => ({ id, type: "function", function: { name: TOOLS[i]!.function.name, arguments: i === 0 ? "{\"city\":\"Paris\"}" : "{}" } })) },
  ...ids.map((id) => ({ role: "tool", tool_call_id: id, content: result })),
]);

const conversation = fc.oneof(
  { weight: 1, arbitrary: words.map((text) => [{ role: "system", content: text }]) },
  {
    weight: 6,
    arbitrary: fc.tuple(
      fc.option(fc.tuple(fc.constantFrom("system", "developer"), words).map(([role, content]) => ({ role, content })), { nil: undefined }),
      userTurn,
      fc.array(fc.oneof(toolExchange, fc.tuple(fc.constant({ role: "assistant", content: "Sure." }), userTurn)), { maxLength: 2 }),
      fc.boolean(),
    ).map(([system, first, rest, endWithUser]) => {
      const messages: unknown[] = system ? [system, first] : [first];
      for (const part of rest) messages.push(...part);
      if (endWithUser && messages.at(-1) !== first) messages.push({ role: "user", content: "Go on." });
      return messages;
    }),
  },
);

const temperature = fc.oneof(fc.constantFrom(0, 1, 2, 1.5, 0.7), fc.double({ min: 0, max: 2, noNaN: true }), fc.constantFrom(2.5, -0.5));
const options = fc.record({
  temperature,
  top_p: fc.oneof(fc.constantFrom(0, 1, 0.9), fc.double({ min: 0, max: 1, noNaN: true })),
  n: fc.constantFrom(1, 2),
  stop: fc.oneof(words, fc.array(words, { minLength: 1, maxLength: 4 })),
  response_format: fc.constantFrom(
    { type: "text" }, { type: "json_object" },
    { type: "json_schema", json_schema: { name: "answer", strict: true, schema: { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false } } },
  ),
  reasoning_effort: fc.constantFrom("minimal", "low", "medium", "high"),
  tools: fc.constant(TOOLS),
  tool_choice: fc.constantFrom("auto", "none", "required", { type: "function", function: { name: "get_weather" } }),
  parallel_tool_calls: fc.boolean(),
  stream: fc.boolean(),
  stream_options: fc.constant({ include_usage: true }),
  max_tokens: fc.integer({ min: 1, max: 4096 }),
  max_completion_tokens: fc.integer({ min: 1, max: 4096 }),
  seed: fc.integer({ min: 0, max: 1000 }),
  presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
  frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
  user: words,
}, { requiredKeys: [] });

const request = fc.tuple(conversation, options).map(([messages, opts]) => {
  const body: Record<string, unknown> = { messages, ...opts };
  // tool_choice without tools is not a request anyone sends.
  if (body.tools === undefined) delete body.tool_choice;
  if (body.stream !== true) delete body.stream_options;
  return body;
});

// ---------------------------------------------------------------------------------------------------

describe("every valid chat request translates for every provider, or is a 400 naming the parameter", () => {
  for (const name of PROVIDER_NAMES) {
    test(name, async () => {
      await fc.assert(
        fc.asyncProperty(request, async (generated) => {
          const body: Record<string, any> = { ...generated, model: `${name}/${GOOD_MODEL[name as ProviderName]}` };
          mock.clearRequests();
          const answer = await send(body);
          const context = `${answer.status} from ${name} for ${JSON.stringify(body).slice(0, 800)}\n→ ${answer.text.slice(0, 400)}`;
          if (answer.status === 400) {
            if (typeof answer.param !== "string" || answer.param === "") throw new Error(`a 400 without param: ${context}`);
            return;
          }
          if (answer.status !== 200) throw new Error(`neither a success nor a 400: ${context}`);
          // The mock answers plain text; a JSON-mode answer (Claude's forced tool) is only checked for shape.
          const json = (body.response_format as { type?: string } | undefined)?.type?.startsWith("json") === true;
          if (!json && answer.content !== baseline.get(`${name}:${body.stream === true}`)) throw new Error(`not the upstream's answer: ${context}`);
          // Sampling parameters are sent (clamped where the provider's range is narrower), never left out;
          // with reasoning on, Claude takes no temperature (documented in README "Parameters across providers").
          if (typeof body.temperature === "number" && body.reasoning_effort === undefined) {
            const sent = numbersNamed(mock.requests.map((r) => r.json), TEMPERATURE);
            if (sent.length === 0) throw new Error(`temperature not sent: ${context}`);
            for (const t of sent) if (t > body.temperature || t > 2 || t < 0) throw new Error(`temperature ${t} sent for ${body.temperature}: ${context}`);
          }
        }),
        runs(25),
      );
    }, 60_000);
  }
});
