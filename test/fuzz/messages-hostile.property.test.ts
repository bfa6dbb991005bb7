// Property-based: hostile Anthropic Messages requests (`POST /v1/messages`) against the real gateway
// configured with every provider kind. Whatever the client sends, the answer is never a 5xx, a 4xx is
// Anthropic's error envelope, a success is an Anthropic message (or a whole Anthropic event stream),
// and no upstream request leaves the configured base URL's path prefix.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseSse, type Gateway, type MockUpstream } from "../support/index.ts";
import { startAllProviders, stopAllProviders, fuzzRuns, escapeProblem, GOOD_MODEL, PREFIXES, PROVIDER_NAMES, type ProviderName } from "../support/all-providers.ts";

const runs = fuzzRuns(20240620);

let mock: MockUpstream;
let gw: Gateway;

beforeAll(async () => {
  ({ mock, gw } = await startAllProviders());
});
afterAll(() => stopAllProviders({ mock, gw }));

function expectEnvelope(text: string): void {
  const body = JSON.parse(text) as { type?: unknown; error?: Record<string, unknown> };
  expect(body.type).toBe("error");
  expect(typeof body.error?.type).toBe("string");
  expect(typeof body.error?.message).toBe("string");
}

function expectSuccess(type: string, text: string): void {
  if (type.startsWith("text/event-stream")) {
    const events = parseSse(text);
    expect(events[0]?.event).toBe("message_start");
    expect(events.at(-1)?.event).toBe("message_stop");
    for (const e of events) {
      // The mock's streams are whole and valid: an error event here would be the gateway's own failure.
      expect(e.event).not.toBe("error");
      expect((JSON.parse(e.data) as { type: unknown }).type).toBe(e.event);
    }
    return;
  }
  const body = JSON.parse(text) as { type?: unknown; content?: unknown };
  expect(body.type).toBe("message");
  expect(Array.isArray(body.content)).toBe(true);
}

function targetOf(model: unknown): ProviderName | undefined {
  if (typeof model !== "string") return undefined;
  const name = model.slice(0, model.indexOf("/"));
  return (PROVIDER_NAMES as readonly string[]).includes(name) ? (name as ProviderName) : undefined;
}

async function check(body: unknown, raw?: string | Uint8Array): Promise<number> {
  mock.clearRequests();
  const res = await fetch(`${gw.baseURL}/v1/messages`, {
    method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: raw ?? JSON.stringify(body), signal: AbortSignal.timeout(10_000),
  });
  const status = res.status;
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  const context = () => `${status} for ${String(raw ?? JSON.stringify(body)).slice(0, 500)}\n→ ${text.slice(0, 500)}`;
  if (status >= 500 || status < 200) throw new Error(`server error or nonsense status: ${context()}`);
  if (status >= 400) {
    expect(type).toStartWith("application/json");
    expectEnvelope(text);
  } else {
    expect(status).toBe(200);
    expectSuccess(type, text);
  }
  const target = targetOf((body as { model?: unknown } | null)?.model);
  for (const req of mock.requests) {
    if (target === undefined) throw new Error(`an upstream request (${req.path}) for a model naming no provider: ${context()}`);
    const escaped = escapeProblem(req, PREFIXES[target]);
    if (escaped) throw new Error(`${escaped}: ${context()}`);
  }
  return status;
}

const oddString = fc.string({ unit: fc.constantFrom("\u0000", "\u202e", "😀", "\ufeff", "a", "/", "..", "%2e", "\\", "#"), maxLength: 16 });
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, 0, 5, -1, 1.5, 1e308, true, false, "", "x", [], {}, [null], [5], ["x"], [[]], [{}], { type: null }, { type: 5 }, { type: "text" }, { type: "tool_use" }),
  oddString,
  fc.jsonValue({ maxDepth: 4 }),
);

function template(model: string): Record<string, unknown> {
  return {
    model,
    max_tokens: 64,
    system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
    messages: [
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }] },
      { role: "assistant", content: [{ type: "text", text: "Checking." }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18C" }, { type: "text", text: "Thanks" }] },
    ],
    tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }],
    tool_choice: { type: "auto" },
    stop_sequences: ["END"],
    temperature: 0.5,
    metadata: { user_id: "user-1" },
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

describe("hostile /v1/messages requests against every provider kind", () => {
  test("the template, streamed or not, succeeds on every provider", async () => {
    for (const provider of PROVIDER_NAMES) {
      if (provider === "perplexity") continue; // no tool calling there: tools are a 400
      for (const stream of [false, true]) {
        const body = { ...template(`${provider}/${GOOD_MODEL[provider]}`), stream };
        expect({ provider, stream, status: await check(body) }).toEqual({ provider, stream, status: 200 });
      }
    }
  }, 60_000);

  test("wrong types and deletions at every field of a well-formed request", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PROVIDER_NAMES), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (provider, mutations, stream) => {
        const body = mutate({ ...template(`${provider}/${GOOD_MODEL[provider]}`), stream }, mutations);
        await check(body);
      }),
      runs(600),
    );
  }, 60_000);

  test("random JSON bodies and random bytes", async () => {
    const randomBody = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }),
      fc.dictionary(fc.constantFrom("model", "max_tokens", "messages", "system", "tools", "tool_choice", "thinking", "stream", "__proto__", "constructor"), wrongValue),
    );
    await fc.assert(fc.asyncProperty(randomBody, async (body) => { await check(body); }), runs(300));
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => { await check(undefined, bytes); }), runs(100));
  }, 60_000);
});
