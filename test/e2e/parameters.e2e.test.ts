// Parameters across providers, end to end: what each provider's upstream request carries for the same
// client request (README "Parameters across providers"). One rule, from each provider's table.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Gateway, type MockUpstream } from "../support/index.ts";
import { startAllProviders, stopAllProviders, GOOD_MODEL, PROVIDER_NAMES, type ProviderName } from "../support/all-providers.ts";

type Obj = Record<string, any>;
let mock: MockUpstream;
let gw: Gateway;

beforeAll(async () => {
  ({ mock, gw } = await startAllProviders());
});
afterAll(() => stopAllProviders({ mock, gw }));

/** The sampling fields of the one upstream request a client request caused, whatever the wire format. */
async function sent(model: string, extra: Obj): Promise<{ status: number; error?: Obj; sampling?: { temperature?: number; top_p?: number } }> {
  mock.clearRequests();
  const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: "Hi" }], ...extra }),
  });
  const json = (await res.json()) as Obj;
  if (res.status !== 200) return { status: res.status, error: json.error };
  expect(mock.requests.length).toBe(1);
  const body = mock.requests[0]!.json as Obj;
  const from = body.inferenceConfig ?? body.generationConfig ?? body;
  return { status: 200, sampling: { temperature: from.temperature, top_p: from.top_p ?? from.topP } };
}

const CLAMPED: ReadonlySet<string> = new Set(["anthropic", "bedrock", "vertex"]); // vertex's GOOD_MODEL is a Claude model

describe("temperature above a provider's range is clamped; outside OpenAI's range is a 400", () => {
  test("temperature 1.5: 1 for Anthropic, Bedrock Converse and Claude on Vertex; as sent elsewhere", async () => {
    for (const name of PROVIDER_NAMES) {
      const out = await sent(`${name}/${GOOD_MODEL[name as ProviderName]}`, { temperature: 1.5 });
      expect({ name, ...out }).toEqual({ name, status: 200, sampling: { temperature: CLAMPED.has(name) ? 1 : 1.5, top_p: undefined } });
    }
    expect((await sent("vertex/gemini-2.5-flash", { temperature: 1.5 })).sampling?.temperature).toBe(1.5);
    // Perplexity takes temperature below 2.
    expect((await sent(`perplexity/${GOOD_MODEL.perplexity}`, { temperature: 2 })).sampling?.temperature).toBe(1.99);
    expect((await sent(`openai/${GOOD_MODEL.openai}`, { temperature: 2 })).sampling?.temperature).toBe(2);
    expect((await sent("bedrock/meta.llama3-1-70b-instruct-v1:0", { temperature: 1.5 })).sampling?.temperature).toBe(1);
  });

  test("temperature 2.5 or top_p 1.2: a 400 naming the parameter from every provider, nothing sent upstream", async () => {
    for (const name of PROVIDER_NAMES) {
      for (const [param, value] of [["temperature", 2.5], ["top_p", 1.2]] as const) {
        const out = await sent(`${name}/${GOOD_MODEL[name as ProviderName]}`, { [param]: value });
        expect({ name, status: out.status, param: out.error?.param }).toEqual({ name, status: 400, param });
        expect(mock.requests.length).toBe(0);
      }
    }
  });
});

describe("Claude models that reject temperature with top_p", () => {
  const NEWER = ["anthropic/claude-sonnet-4-5", "anthropic/claude-haiku-4-5", "anthropic/claude-opus-4-1", "vertex/claude-sonnet-4-5@20250929", "bedrock/us.anthropic.claude-opus-4-1-20250805-v1:0", "bedrock/anthropic.claude-haiku-4-5-20251001-v1:0"];
  const OLDER = ["anthropic/claude-3-7-sonnet-latest", "anthropic/claude-opus-4-20250514", "vertex/claude-3-5-haiku@20241022", "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"];

  test("Sonnet/Haiku 4.5 and Opus 4.1 on every host: both given → temperature kept, top_p dropped; one alone is sent", async () => {
    for (const model of NEWER) {
      expect({ model, ...(await sent(model, { temperature: 0.3, top_p: 0.8 })) }).toEqual({ model, status: 200, sampling: { temperature: 0.3, top_p: undefined } });
      expect({ model, ...(await sent(model, { top_p: 0.8 })) }).toEqual({ model, status: 200, sampling: { temperature: undefined, top_p: 0.8 } });
    }
  });

  test("older Claude models and other providers get both", async () => {
    for (const model of [...OLDER, "openai/gpt-4o-mini", "gemini/gemini-2.5-pro", "vertex/gemini-2.5-pro"]) {
      expect({ model, ...(await sent(model, { temperature: 0.3, top_p: 0.8 })) }).toEqual({ model, status: 200, sampling: { temperature: 0.3, top_p: 0.8 } });
    }
  });
});

describe("Gemini penalties", () => {
  test("presence_penalty 2 reaches Gemini (and Gemini on Vertex) as 1.99, OpenAI as 2", async () => {
    for (const [model, expected] of [["gemini/gemini-2.5-pro", 1.99], ["vertex/gemini-2.5-pro", 1.99], ["openai/gpt-4o-mini", 2]] as const) {
      mock.clearRequests();
      const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "Hi" }], presence_penalty: 2, frequency_penalty: -2 }),
      });
      expect(res.status).toBe(200);
      const body = mock.requests[0]!.json as Obj;
      const config = body.generationConfig ?? body;
      expect({ model, p: config.presencePenalty ?? config.presence_penalty, f: config.frequencyPenalty ?? config.frequency_penalty }).toEqual({ model, p: expected, f: -2 });
    }
  });
});

describe("parameters a provider has no equivalent for are never silently dropped", () => {
  const NONE: Record<string, readonly string[]> = {
    anthropic: ["presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "logit_bias"],
    bedrock: ["presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "logit_bias"],
    vertex: ["presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "logit_bias"], // GOOD_MODEL is Claude
    groq: ["logprobs", "top_logprobs", "logit_bias"],
    mistral: ["logprobs", "top_logprobs", "logit_bias"],
    gemini: ["logit_bias"],
  };
  const asked: Record<string, unknown> = { presence_penalty: 0.5, frequency_penalty: -1, logprobs: true, top_logprobs: 3, logit_bias: { "50256": -100 } };
  const neutral: Record<string, unknown> = { presence_penalty: 0, frequency_penalty: 0, logprobs: false, top_logprobs: 0, logit_bias: {} };

  test("a meaningful value is a 400 naming the parameter, and nothing goes upstream", async () => {
    for (const [name, params] of Object.entries(NONE)) {
      for (const param of params) {
        const out = await sent(`${name}/${GOOD_MODEL[name as ProviderName]}`, { [param]: asked[param] });
        expect({ name, status: out.status, param: out.error?.param }).toEqual({ name, status: 400, param });
        expect(out.error?.message).toContain(`provider '${name}'`);
        expect(mock.requests.length).toBe(0);
      }
    }
  });

  test("a neutral value (0, false, {}) means nothing asked: the request goes through without it", async () => {
    for (const [name, params] of Object.entries(NONE)) {
      const out = await sent(`${name}/${GOOD_MODEL[name as ProviderName]}`, Object.fromEntries(params.map((p) => [p, neutral[p]])));
      expect({ name, status: out.status }).toEqual({ name, status: 200 });
      const body = mock.requests[0]!.json as Obj;
      for (const p of params) expect(body).not.toHaveProperty(p);
    }
  });

  test("Gemini on Vertex and OpenAI take them (Gemini has no logit bias)", async () => {
    expect((await sent("vertex/gemini-2.5-flash", { presence_penalty: 0.5 })).status).toBe(200);
    expect((await sent("vertex/gemini-2.5-flash", { logit_bias: { "1": 2 } })).error?.param).toBe("logit_bias");
    expect((await sent(`openai/${GOOD_MODEL.openai}`, { logprobs: true, top_logprobs: 3, presence_penalty: 0.5 })).status).toBe(200);
  });
});
