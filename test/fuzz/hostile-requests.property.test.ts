// Property-based: hostile requests against the real gateway (a child process on port 0) configured with
// every provider kind, each under its own base-URL path prefix on one recording mock upstream.
// Whatever the client sends, the answer comes within a bound, is never a 5xx, is a well-formed OpenAI
// error envelope when it is a 4xx (or a well-formed success), and no upstream request leaves the
// configured base URL's path prefix. Run counts are bounded so the file takes a few seconds.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type Gateway, type MockUpstream } from "../support/index.ts";
import { startAllProviders, stopAllProviders, fuzzRuns, escapeProblem, GOOD_MODEL, PREFIXES, PROVIDER_NAMES, type ProviderName } from "../support/all-providers.ts";

const REQUEST_TIMEOUT_MS = 10_000;
const runs = fuzzRuns(20240620);

let mock: MockUpstream;
let gw: Gateway;

beforeAll(async () => {
  ({ mock, gw } = await startAllProviders());
});
afterAll(() => stopAllProviders({ mock, gw }));

// ---------------------------------------------------------------------------------------------------
// What every answer must be.

type Endpoint = "/v1/chat/completions" | "/v1/embeddings";

async function send(endpoint: Endpoint, body: string | Uint8Array): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${gw.baseURL}${endpoint}`, {
    method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

function expectEnvelope(text: string): void {
  const body = JSON.parse(text) as { error?: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(["error"]);
  const e = body.error!;
  expect(typeof e.message).toBe("string");
  expect(typeof e.type).toBe("string");
  expect(e.param === null || typeof e.param === "string").toBe(true);
  expect(e.code === null || typeof e.code === "string").toBe(true);
}

function expectSuccess(endpoint: Endpoint, type: string, text: string): void {
  if (type.startsWith("text/event-stream")) {
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    for (const line of text.split("\n")) {
      if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
      const event = JSON.parse(line.slice(6)) as { error?: unknown; object?: unknown };
      // The mock's streams are whole and valid: an error event here would be the gateway's own failure.
      expect(event.error).toBeUndefined();
      expect(event.object).toBe("chat.completion.chunk");
    }
    return;
  }
  const body = JSON.parse(text) as { choices?: unknown; data?: unknown };
  if (endpoint === "/v1/chat/completions") expect(Array.isArray(body.choices)).toBe(true);
  else expect(Array.isArray(body.data)).toBe(true);
}

/** The provider a model name targets, when it names one (no routes are configured). */
function targetOf(model: unknown): ProviderName | undefined {
  if (typeof model !== "string") return undefined;
  const name = model.slice(0, model.indexOf("/"));
  return (PROVIDER_NAMES as readonly string[]).includes(name) ? (name as ProviderName) : undefined;
}

/** Sends one request and checks the answer and every upstream request it caused. */
async function check(endpoint: Endpoint, body: unknown, raw?: string | Uint8Array): Promise<number> {
  mock.clearRequests();
  const { status, type, text } = await send(endpoint, raw ?? JSON.stringify(body));
  const context = () => `${status} for ${String(raw ?? JSON.stringify(body)).slice(0, 500)}\n→ ${text.slice(0, 500)}`;
  if (status >= 500 || status < 200) throw new Error(`server error or nonsense status: ${context()}`);
  if (status >= 400) {
    expect(type).toStartWith("application/json");
    expectEnvelope(text);
  } else {
    expect(status).toBe(200);
    expectSuccess(endpoint, type, text);
  }
  const target = targetOf((body as { model?: unknown } | null)?.model);
  for (const req of mock.requests) {
    if (target === undefined) throw new Error(`an upstream request (${req.path}) for a model naming no provider: ${context()}`);
    const escaped = escapeProblem(req, PREFIXES[target]);
    if (escaped) throw new Error(`${escaped}: ${context()}`);
  }
  return status;
}

// ---------------------------------------------------------------------------------------------------
// Hostile values.

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const oddChar = fc.oneof(
  fc.constantFrom("\u0000", "\u0001", "\u001f", "\u007f", "\u0085", "\u2028", "\u2029", "\u202e", "\u200f", "\u061c", "\ufeff", "\ufffd", "😀", "👩‍👩‍👧", "e\u0301"),
  loneSurrogate,
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }),
);
const oddString = fc.string({ unit: oddChar, maxLength: 24 });

const URL_TRICKS = [
  "..", ".", "../", "../../../../admin/delete?x=", "%2e%2e", "%2E%2E/", ".%2e", "..%2f..%2fadmin", "%2F", "a#b", "#", "?x=", "?", "&x=1",
  "\\", "..\\..\\", "a\\b", "\u0000", "\r\n", " ", "\t", "a b", "//", "/", "@evil.example", ":generateContent", "%00", "%", "%zz", "\u3002", "\uff0e\uff0e",
];
const modelTail = fc.oneof(
  fc.constantFrom(...URL_TRICKS),
  fc.array(fc.oneof(fc.constantFrom(...URL_TRICKS), fc.stringMatching(/^[a-z0-9.:@_-]{1,12}$/), oddString), { minLength: 1, maxLength: 6 }).map((parts) => parts.join("")),
  fc.array(fc.constantFrom("..", ".", "", "a", "models", "%2e%2e", "x#y"), { minLength: 1, maxLength: 6 }).map((parts) => parts.join("/")),
  fc.integer({ min: 200, max: 20_000 }).map((n) => "a".repeat(n)),
  oddString,
);
const hostileModel = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...PROVIDER_NAMES), modelTail).map(([p, tail]) => `${p}/${tail}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...PROVIDER_NAMES), fc.constantFrom(...PROVIDER_NAMES)).map(([p, q]) => `${p}/${GOOD_MODEL[q]}`) },
  { weight: 1, arbitrary: modelTail },
);

/** Arrays nested `depth` deep (the body parses; serialising it again would overflow a naive stack). */
const deepValue = fc.tuple(fc.integer({ min: 20, max: 50_000 }), fc.constantFrom("[", "{\"a\":")).map(([depth, open]) => ({ depth, open }));

/** Any JSON value, a hostile string, or a classic wrong type. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, 0, 5, -1, 1.5, 1e308, true, false, "", "x", [], {}, [null], [5], ["x"], [[]], [{}], { type: null }, { type: 5 }),
  oddString,
  fc.jsonValue({ maxDepth: 4 }),
);

// ---------------------------------------------------------------------------------------------------
// Well-formed requests whose every field gets mutated.

function chatTemplate(model: string): Record<string, unknown> {
  return {
    model,
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }, { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } }] },
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }] },
      { role: "tool", tool_call_id: "call_1", content: "{\"temp\":18}" },
      { role: "user", content: "Thanks", name: "alice" },
    ],
    tools: [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, strict: false } }],
    tool_choice: "auto",
    parallel_tool_calls: true,
    stop: ["END"],
    response_format: { type: "text" },
    stream: false,
    stream_options: { include_usage: true },
    n: 1,
    max_tokens: 64,
    max_completion_tokens: 64,
    temperature: 0.5,
    top_p: 1,
    seed: 7,
    presence_penalty: 0,
    frequency_penalty: 0,
    logprobs: false,
    user: "user-1",
    metadata: { app: "fuzz" },
  };
}

function embeddingsTemplate(model: string): Record<string, unknown> {
  return { model, input: ["The food was delicious", "and the waiter friendly"], encoding_format: "float", dimensions: 4, user: "u" };
}

/** Every path to a value in `value` (["messages", 1, "content", 0, "type"], ...). */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

type Mutation = { kind: "set"; at: number; value: unknown } | { kind: "delete"; at: number } | { kind: "deep"; at: number; depth: number; open: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: wrongValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), deepValue).map(([at, d]) => ({ kind: "deep" as const, at, ...d })) },
);

const DEEP = "\u0000deep\u0000";

/** Applies mutations to a copy; a `deep` one leaves a marker replaced in the serialised text. */
function mutate(template: Record<string, unknown>, mutations: readonly Mutation[]): { body: Record<string, unknown>; raw: string } {
  const body = structuredClone(template);
  let deep: { depth: number; open: string } | undefined;
  for (const m of mutations) {
    const all = paths(body).filter((p) => p.length > 0);
    if (all.length === 0) break;
    const path = all[m.at % all.length]!;
    let parent = body as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path.at(-1)!;
    if (m.kind === "delete") {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else if (m.kind === "set") {
      // A copy: generated values are fast-check's to replay while shrinking, and a later mutation may land inside this one.
      parent[last] = structuredClone(m.value);
    } else {
      parent[last] = DEEP;
      deep = m;
    }
  }
  let raw = JSON.stringify(body);
  if (deep) {
    const close = deep.open === "[" ? "]" : "}";
    raw = raw.replace(JSON.stringify(DEEP), deep.open.repeat(deep.depth) + "1" + close.repeat(deep.depth));
  }
  return { body, raw };
}

const someProvider = fc.constantFrom(...PROVIDER_NAMES);

// ---------------------------------------------------------------------------------------------------

describe("hostile requests against every provider kind", () => {
  test("hostile model names: a 4xx envelope (or a real model's success), never an upstream path outside the prefix", async () => {
    await fc.assert(
      fc.asyncProperty(hostileModel, fc.boolean(), async (model, stream) => {
        await check("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }], stream });
      }),
      runs(600),
    );
    await fc.assert(
      fc.asyncProperty(hostileModel, async (model) => {
        await check("/v1/embeddings", { model, input: "hello" });
      }),
      runs(200),
    );
  }, 60_000);

  test("chat: wrong types, deletions and deep nesting at every field of a well-formed request", async () => {
    await fc.assert(
      fc.asyncProperty(someProvider, fc.array(mutation, { minLength: 1, maxLength: 3 }), async (provider, mutations) => {
        const { body, raw } = mutate(chatTemplate(`${provider}/${GOOD_MODEL[provider]}`), mutations);
        await check("/v1/chat/completions", body, raw);
      }),
      runs(1000),
    );
  }, 60_000);

  test("chat: the template itself, streamed or not, succeeds on every provider (the mutations above start from something valid)", async () => {
    for (const provider of PROVIDER_NAMES) {
      for (const stream of [false, true]) {
        const body: Record<string, unknown> = { ...chatTemplate(`${provider}/${GOOD_MODEL[provider]}`), stream };
        // Perplexity has no tool calling (tools are a 400 there); everything else in the template all providers accept.
        if (provider === "perplexity") for (const field of ["tools", "tool_choice", "parallel_tool_calls"]) delete body[field];
        expect({ provider, stream, status: await check("/v1/chat/completions", body) }).toEqual({ provider, stream, status: 200 });
      }
    }
  }, 60_000);

  test("embeddings: wrong types, deletions and deep nesting at every field", async () => {
    const embedders: ProviderName[] = ["openai", "mistral", "together", "fireworks", "gemini", "vertex", "bedrock", "azure", "azure-v1", "anthropic"];
    const model: Partial<Record<ProviderName, string>> = { gemini: "gemini-embedding-001", vertex: "text-embedding-005", bedrock: "amazon.titan-embed-text-v2:0", openai: "text-embedding-3-small" };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...embedders), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (provider, mutations) => {
        const { body, raw } = mutate(embeddingsTemplate(`${provider}/${model[provider] ?? GOOD_MODEL[provider]}`), mutations);
        await check("/v1/embeddings", body, raw);
      }),
      runs(400),
    );
  }, 60_000);

  test("random JSON bodies, and random bytes, on both endpoints", async () => {
    const endpoint = fc.constantFrom<Endpoint>("/v1/chat/completions", "/v1/embeddings");
    const randomBody = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }),
      fc.record({ model: fc.oneof(hostileModel, wrongValue), messages: wrongValue, input: wrongValue }, { requiredKeys: [] }),
      fc.dictionary(fc.constantFrom("model", "messages", "input", "tools", "stream", "n", "stop", "tool_choice", "__proto__", "constructor"), wrongValue),
    );
    await fc.assert(
      fc.asyncProperty(endpoint, randomBody, async (path, body) => {
        await check(path, body);
      }),
      runs(400),
    );
    await fc.assert(
      fc.asyncProperty(endpoint, fc.uint8Array({ maxLength: 200 }), async (path, bytes) => {
        await check(path, undefined, bytes);
      }),
      runs(100),
    );
  }, 60_000);
});
