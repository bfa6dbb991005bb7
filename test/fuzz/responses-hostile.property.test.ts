// Property-based: hostile OpenAI Responses requests (`POST /v1/responses`, `GET`/`DELETE
// /v1/responses/{id}`) against the real gateway configured with every provider kind (openai and
// azure-v1 answer natively, the rest translated). Whatever the client sends, the answer is never a
// 5xx, a 4xx is OpenAI's error envelope, a success is a Response object (or a whole Responses event
// stream), and no upstream request leaves the configured base URL's path prefix.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseSse, type Gateway, type MockUpstream } from "../support/index.ts";
import { startAllProviders, stopAllProviders, fuzzRuns, escapeProblem, GOOD_MODEL, PREFIXES, PROVIDER_NAMES, type ProviderName } from "../support/all-providers.ts";

const runs = fuzzRuns(20250311);

let mock: MockUpstream;
let gw: Gateway;

beforeAll(async () => {
  ({ mock, gw } = await startAllProviders({ store: "sqlite::memory:" }));
});
afterAll(() => stopAllProviders({ mock, gw }));

function expectEnvelope(text: string): { message: string; type: string; param: unknown; code: unknown } {
  const body = JSON.parse(text) as { error?: Record<string, unknown> };
  expect(Object.keys(body)).toEqual(["error"]);
  const error = body.error!;
  expect(typeof error.message).toBe("string");
  expect(typeof error.type).toBe("string");
  expect("param" in error && "code" in error).toBe(true);
  return error as { message: string; type: string; param: unknown; code: unknown };
}

function expectSuccess(type: string, text: string): void {
  if (type.startsWith("text/event-stream")) {
    const events = parseSse(text);
    expect(events[0]?.event).toBe("response.created");
    expect(["response.completed", "response.incomplete"]).toContain(events.at(-1)?.event ?? "");
    let last = -1;
    for (const e of events) {
      // The mock's streams are whole and valid: a failure here would be the gateway's own.
      expect(e.event).not.toBe("error");
      expect(e.event).not.toBe("response.failed");
      const data = JSON.parse(e.data) as { type: unknown; sequence_number: unknown };
      expect(data.type).toBe(e.event);
      expect(typeof data.sequence_number).toBe("number");
      expect(data.sequence_number as number).toBeGreaterThan(last);
      last = data.sequence_number as number;
    }
    const final = (JSON.parse(events.at(-1)!.data) as { response: { object: unknown; output: unknown } }).response;
    expect(final.object).toBe("response");
    expect(Array.isArray(final.output)).toBe(true);
    return;
  }
  expect(type).toStartWith("application/json");
  const body = JSON.parse(text) as { object?: unknown; output?: unknown };
  expect(body.object).toBe("response");
  expect(Array.isArray(body.output)).toBe(true);
}

function targetOf(model: unknown): ProviderName | undefined {
  if (typeof model !== "string") return undefined;
  const name = model.slice(0, model.indexOf("/"));
  return (PROVIDER_NAMES as readonly string[]).includes(name) ? (name as ProviderName) : undefined;
}

interface Answer { status: number; type: string; text: string }

async function send(method: string, path: string, body?: string | Uint8Array): Promise<Answer> {
  const res = await fetch(`${gw.baseURL}${path}`, {
    method, headers: body === undefined ? {} : { "content-type": "application/json" }, body, signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() };
}

async function check(body: unknown, raw?: string | Uint8Array): Promise<Answer> {
  mock.clearRequests();
  const sent = raw ?? JSON.stringify(body);
  const answer = await send("POST", "/v1/responses", sent);
  const { status, type, text } = answer;
  const context = () => `${status} for ${String(sent).slice(0, 500)}\n→ ${text.slice(0, 500)}`;
  if (status >= 500 || status < 200) throw new Error(`server error or nonsense status: ${context()}`);
  try {
    if (status >= 400) {
      expect(type).toStartWith("application/json");
      expectEnvelope(text);
    } else {
      expect(status).toBe(200);
      expectSuccess(type, text);
    }
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${context()}`);
  }
  const target = targetOf((body as { model?: unknown } | null)?.model);
  for (const req of mock.requests) {
    if (target === undefined) throw new Error(`an upstream request (${req.path}) for a model naming no provider: ${context()}`);
    const escaped = escapeProblem(req, PREFIXES[target]);
    if (escaped) throw new Error(`${escaped}: ${context()}`);
  }
  return answer;
}

const oddString = fc.string({ unit: fc.constantFrom("\u0000", "\u202e", "😀", "\ufeff", "a", "/", "..", "%2e", "\\", "#", "?", "%"), maxLength: 16 });
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null, 0, 5, -1, 1.5, 1e308, true, false, "", "x", [], {}, [null], [5], ["x"], [[]], [{}],
    { type: null }, { type: 5 }, { type: "message" }, { type: "function_call" }, { type: "function_call_output" }, { type: "reasoning" },
    { type: "input_text" }, { type: "input_image" }, { type: "web_search" }, { type: "function" }, { role: "user" },
  ),
  oddString,
  fc.jsonValue({ maxDepth: 4 }),
);

function template(model: string): Record<string, unknown> {
  return {
    model,
    instructions: "Be brief.",
    input: [
      { type: "message", role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] },
      { type: "function_call", call_id: "call_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
      { type: "function_call_output", call_id: "call_1", output: "18C" },
      { type: "message", role: "user", content: "Thanks" },
    ],
    tools: [{ type: "function", name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }],
    tool_choice: "auto",
    max_output_tokens: 64,
    temperature: 0.5,
    metadata: { user_id: "user-1" },
    store: false,
    stream: false,
  };
}

function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

type Mutation = { kind: "set"; at: number; value: unknown } | { kind: "delete"; at: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: wrongValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }) },
);

function mutate(base: Record<string, unknown>, mutations: readonly Mutation[]): Record<string, unknown> {
  const body = structuredClone(base);
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
    } else {
      parent[last] = structuredClone(m.value);
    }
  }
  return body;
}

/** Providers that take tools (perplexity has no tool calling: tools there are a 400). */
const WITH_TOOLS: ProviderName[] = PROVIDER_NAMES.filter((p) => p !== "perplexity");

describe("hostile /v1/responses requests against every provider kind", () => {
  test("the template (items with function_call/function_call_output, tools), a plain string input, streamed or not, succeed on every provider", async () => {
    for (const provider of PROVIDER_NAMES) {
      const model = `${provider}/${GOOD_MODEL[provider]}`;
      for (const stream of [false, true]) {
        const bodies = [{ model, input: "Hello!", stream, store: false }, ...(WITH_TOOLS.includes(provider) ? [{ ...template(model), stream }] : [])];
        for (const body of bodies) {
          const { status } = await check(body);
          expect({ provider, stream, tools: "tools" in body, status }).toEqual({ provider, stream, tools: "tools" in body, status: 200 });
        }
      }
    }
  }, 60_000);

  test("native targets (openai, azure-v1) get /responses; a translating azure api-version gets chat/completions", async () => {
    for (const [provider, suffix] of [["openai", "/responses"], ["azure-v1", "/responses"], ["azure", "/chat/completions"]] as const) {
      await check({ model: `${provider}/${GOOD_MODEL[provider]}`, input: "Hi", store: false });
      expect(mock.requests.length).toBe(1);
      expect(mock.requests[0]!.path.split("?")[0]!).toEndWith(suffix);
    }
  });

  test("hosted tool types a header cannot carry (non-ASCII, control characters) are still named, percent-encoded, in x-butter-dropped-tools", async () => {
    for (const type of ["a\ufeff", "😀", "x\u0001y"]) {
      const res = await fetch(`${gw.baseURL}/v1/responses`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: `groq/${GOOD_MODEL.groq}`, input: "Hi", tools: [{ type }], store: false }),
      });
      expect({ type, status: res.status }).toEqual({ type, status: 200 });
      expect(res.headers.get("x-butter-dropped-tools")).toBe(encodeURIComponent(type));
      expectSuccess(res.headers.get("content-type") ?? "", await res.text());
    }
  });

  test("wrong types and deletions at every field of a well-formed request", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WITH_TOOLS), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (provider, mutations, stream) => {
        const body = mutate({ ...template(`${provider}/${GOOD_MODEL[provider]}`), stream }, mutations);
        await check(body);
      }),
      runs(500),
    );
  }, 90_000);

  test("random JSON bodies and random bytes", async () => {
    const randomBody = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }),
      fc.dictionary(
        fc.constantFrom("model", "input", "instructions", "tools", "tool_choice", "previous_response_id", "store", "stream", "reasoning", "text", "include", "__proto__", "constructor"),
        wrongValue,
      ),
    );
    await fc.assert(fc.asyncProperty(randomBody, async (body) => { await check(body); }), runs(300));
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => { await check(undefined, bytes); }), runs(100));
  }, 60_000);

  test("hostile previous_response_id values: a 400 naming previous_response_id, no upstream request", async () => {
    const hostileId = fc.oneof(
      fc.string({ maxLength: 40 }),
      oddString,
      fc.constantFrom("resp_unknown", "x".repeat(100_000), "../../etc/passwd", "resp_%00", "resp_\u0000", "'; DROP TABLE responses; --", "*", "__proto__", "butter:response:*"),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PROVIDER_NAMES), hostileId, fc.boolean(), async (provider, id, stream) => {
        const { status, text } = await check({ model: `${provider}/${GOOD_MODEL[provider]}`, input: "Hi", previous_response_id: id, stream });
        expect(status).toBe(400);
        expect(expectEnvelope(text).param).toBe("previous_response_id");
        expect(mock.requests).toEqual([]);
      }),
      runs(150),
    );
  }, 60_000);

  test("GET and DELETE /v1/responses/<random id>: a 404 envelope (or the stored object), never a 5xx", async () => {
    // One stored response, so some ids do exist.
    const stored = await check({ model: `openai/${GOOD_MODEL.openai}`, input: "Keep me", store: true });
    const storedId = (JSON.parse(stored.text) as { id: string }).id;
    const found = await send("GET", `/v1/responses/${storedId}`);
    expect(found.status).toBe(200);
    expect(JSON.parse(found.text)).toMatchObject({ id: storedId, object: "response", output: expect.any(Array) });
    const randomId = fc.oneof(
      fc.string({ maxLength: 40 }).map(encodeURIComponent),
      fc.string({ unit: "grapheme", maxLength: 20 }).map(encodeURIComponent),
      oddString.map(encodeURIComponent),
      fc.constantFrom("%", "%zz", "%ff%fe", "%C0%AF", "%2F..%2F", "a%00b", "x".repeat(300), "x".repeat(8000), "%E2%80%AE", "resp_%F0%9F%98%80", "a/b", "a?b=c", "%3F", storedId),
    );
    await fc.assert(
      fc.asyncProperty(randomId, fc.constantFrom("GET", "DELETE"), async (id, method) => {
        mock.clearRequests();
        const { status, type, text } = await send(method, `/v1/responses/${id}`);
        const context = `${method} /v1/responses/${id.slice(0, 200)} → ${status} ${text.slice(0, 300)}`;
        if (status >= 500 || status < 200) throw new Error(`server error or nonsense status: ${context}`);
        expect(type).toStartWith("application/json");
        expect(mock.requests).toEqual([]);
        if (id === storedId && status === 200) {
          const body = JSON.parse(text) as { id: unknown; object: unknown };
          expect(body).toMatchObject({ id: storedId, object: "response" });
          return;
        }
        if (![404, 405].includes(status)) throw new Error(`expected a 404 envelope: ${context}`);
        expectEnvelope(text);
      }),
      runs(200),
    );
  }, 60_000);
});
