// Client input against the real gateway with every provider kind: model names that try to steer the
// upstream URL (with the stored credentials attached) and malformed request shapes are 400s before
// any upstream call; legitimate ids with `/`, `:`, `.` and `@` reach the right, encoded path.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { signRequest } from "../../src/providers/bedrock/sigv4.ts";
import { openaiClient, spawnGateway, startGateway, startMockUpstream, type Gateway, type MockUpstream, type RecordedRequest } from "../support/index.ts";
import { allProvidersConfig, answerEveryProvider, BEDROCK_SECRET, escapeProblem, GOOD_MODEL, PREFIXES, PROVIDER_NAMES, type ProviderName } from "../support/all-providers.ts";

let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway(allProvidersConfig(mock.url));
  client = openaiClient(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => {
  mock.reset();
  answerEveryProvider(mock);
});

interface Answer { status: number; body: { error?: { message: string; type: string; param: string | null; code: string | null } } }

async function post(path: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${gw.baseURL}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : {}) as Answer["body"] };
}

const chat = (model: string, extra: Record<string, unknown> = {}) => post("/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }], ...extra });

function expectInvalidModel(answer: Answer): void {
  expect(answer.status).toBe(400);
  expect(answer.body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_model", param: "model" });
}

describe("defect 1: a model name cannot steer the upstream path", () => {
  test("gemini/../../../../admin/delete?x= is a 400 and nothing goes upstream (no x-goog-api-key sent anywhere)", async () => {
    expectInvalidModel(await chat("gemini/../../../../admin/delete?x="));
    expectInvalidModel(await post("/v1/embeddings", { model: "gemini/../../../../admin/delete?x=", input: "x" }));
    expect(mock.requests).toEqual([]);
  });

  test("vertex/../../…/victim-project/… is a 400 and the stored bearer token goes nowhere", async () => {
    expectInvalidModel(await chat("vertex/../../../../victim-project/locations/us-central1/publishers/google/models/gemini-1.5-pro"));
    expectInvalidModel(await chat("vertex/../../../../victim-project/locations/us-central1/publishers/anthropic/models/claude-3-5-sonnet@20240620"));
    expect(mock.requests).toEqual([]);
  });

  test("`a#b` cannot truncate the path, for any provider", async () => {
    for (const name of PROVIDER_NAMES) expectInvalidModel(await chat(`${name}/a#b`));
    expect(mock.requests).toEqual([]);
  });

  const hostile = ["..", "../admin", "%2e%2e", "%2e%2e/admin", "..%2Fadmin", "a?x=1", "a\\..\\b", "a b", "a\u0000b", "a\nb", "a//b", "a/", "/a", "./a", "x".repeat(300)];
  test.each(hostile)("%j after any provider is a 400 with no upstream call", async (model) => {
    for (const name of PROVIDER_NAMES) expectInvalidModel(await chat(`${name}/${model}`));
    expect(mock.requests).toEqual([]);
  });

  test("the SDK raises BadRequestError naming `model`", async () => {
    const err = await client.chat.completions.create({ model: "gemini/../../admin", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("model");
  });

  test("ids with `/` where the provider puts the id in the path: Gemini only models/… or tunedModels/…, Vertex and Azure deployments never", async () => {
    for (const model of ["gemini/a/b", "gemini/publishers/x", "vertex/google/models/x", "vertex/a/b", "azure/a/b"]) expectInvalidModel(await chat(model));
    expect(mock.requests).toEqual([]);
  });

  test("every provider's real id reaches its own prefix, encoded", async () => {
    for (const name of PROVIDER_NAMES) {
      mock.clearRequests();
      const res = await chat(`${name}/${GOOD_MODEL[name]}`);
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      expect(mock.requests.length).toBe(1);
      expect(escapeProblem(mock.requests[0]!, PREFIXES[name])).toBeUndefined();
    }
  });

  test("exact upstream paths for ids with `/`, `:`, `.` and `@`", async () => {
    const pathOf = async (model: string, body: Record<string, unknown> = {}) => {
      mock.clearRequests();
      expect((await chat(model, body)).status).toBe(200);
      return mock.requests[0]!.path;
    };
    expect(await pathOf("gemini/gemini-1.5-pro-001")).toBe("/gemini-root/v1beta/models/gemini-1.5-pro-001:generateContent");
    expect(await pathOf("gemini/models/gemini-pro")).toBe("/gemini-root/v1beta/models/gemini-pro:generateContent");
    expect(await pathOf("gemini/tunedModels/my-tune-7", { stream: true })).toBe("/gemini-root/v1beta/tunedModels/my-tune-7:streamGenerateContent?alt=sse");
    expect(await pathOf("vertex/gemini-1.5-pro-001")).toBe("/vertex-root/v1/projects/my-project/locations/us-central1/publishers/google/models/gemini-1.5-pro-001:generateContent");
    expect(await pathOf("vertex/claude-3-5-sonnet@20240620")).toBe("/vertex-root/v1/projects/my-project/locations/us-central1/publishers/anthropic/models/claude-3-5-sonnet@20240620:rawPredict");
    expect(await pathOf("bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0")).toBe("/bedrock-root/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse");
    expect(await pathOf("azure/my-gpt-4o-mini")).toBe("/azure-root/openai/deployments/my-gpt-4o-mini/chat/completions?api-version=2024-10-21");
    expect(await pathOf("azure-v1/my-gpt-4o-mini")).toBe("/azure-v1-root/openai/v1/chat/completions");
    // Ids with `/` for OpenAI-format providers travel in the body, never the path.
    expect(await pathOf("openrouter/meta-llama/llama-3.1-70b-instruct")).toBe("/openrouter-root/chat/completions");
    expect((mock.requests[0]!.json as { model: string }).model).toBe("meta-llama/llama-3.1-70b-instruct");
    expect(await pathOf("fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct")).toBe("/fireworks-root/chat/completions");
    expect((mock.requests[0]!.json as { model: string }).model).toBe("accounts/fireworks/models/llama-v3p1-8b-instruct");
  });

  test("a Bedrock ARN is one %2F-encoded segment, and the SigV4 signature matches the path the upstream received", async () => {
    const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0";
    expect((await chat(`bedrock/${arn}`)).status).toBe(200);
    const sent = mock.requests[0]!;
    expect(sent.path).toBe(`/bedrock-root/model/${encodeURIComponent(arn)}/converse`);
    expectValidSignature(sent);
  });
});

/** Recomputes the signature from what the upstream received, as AWS does. */
function expectValidSignature(req: RecordedRequest): void {
  const auth = req.headers.authorization!;
  const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(";");
  const headers: Record<string, string> = {};
  for (const name of signed) if (name !== "host" && name !== "x-amz-date") headers[name] = req.headers[name]!;
  const d = req.headers["x-amz-date"]!;
  const now = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`);
  const expected = signRequest({
    method: req.method, url: new URL(req.url), headers, body: req.body, region: "us-east-1", service: "bedrock",
    credentials: { accessKeyId: "AKIDALLPROVIDERS", secretAccessKey: BEDROCK_SECRET }, now,
  });
  expect(auth).toBe(expected.headers.authorization!);
}

describe("defect 8: malformed shapes are 400s naming the field, for every provider, before any upstream call", () => {
  const TRANSLATED: ProviderName[] = ["anthropic", "gemini", "vertex", "bedrock", "openai", "azure"];
  const payloads: Array<[string, Record<string, unknown>, string]> = [
    ["content: [null]", { messages: [{ role: "user", content: [null] }] }, "messages[0].content[0]"],
    ["tools: [null]", { tools: [null] }, "tools[0]"],
    ["tool_calls: 5", { messages: [{ role: "user", content: "hi" }, { role: "assistant", content: null, tool_calls: 5 }] }, "messages[1].tool_calls"],
    ["a part without type", { messages: [{ role: "user", content: [{ type: "text", text: "a" }, { text: "b" }] }] }, "messages[0].content[1].type"],
    ["tool call function.arguments an object", {
      messages: [{ role: "user", content: "hi" }, { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: { a: 1 } } }] }],
    }, "messages[1].tool_calls[0].function.arguments"],
    ["tool_choice: 7", { tool_choice: 7 }, "tool_choice"],
    ["stop: {}", { stop: {} }, "stop"],
    ["response_format: []", { response_format: [] }, "response_format"],
    ["stream_options: 1", { stream_options: 1 }, "stream_options"],
    ["n: \"2\"", { n: "2" }, "n"],
  ];
  for (const provider of TRANSLATED) {
    test.each(payloads)(`${provider}: %s`, async (_name, extra, param) => {
      const res = await chat(`${provider}/${GOOD_MODEL[provider]}`, extra);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ type: "invalid_request_error", param });
      expect(mock.requests).toEqual([]);
    });
  }

  test("embeddings input of the wrong shape, for gemini, vertex, bedrock and openai", async () => {
    for (const [provider, model] of [["gemini", "gemini-embedding-001"], ["vertex", "text-embedding-005"], ["bedrock", "amazon.titan-embed-text-v2:0"], ["openai", "text-embedding-3-small"]]) {
      for (const [input, param] of [[[null], "input[0]"], [["a", 1], "input[1]"], [{}, "input"], [[[1], ["x"]], "input[1][0]"]] as const) {
        const res = await post("/v1/embeddings", { model: `${provider}/${model}`, input });
        expect({ provider, status: res.status, param: res.body.error?.param }).toEqual({ provider, status: 400, param });
      }
    }
    expect(mock.requests).toEqual([]);
  });
});

describe("config: what would put a bad id or base into a URL is refused at load, naming the path", () => {
  async function loadFails(config: Record<string, unknown>): Promise<string> {
    const proc = spawnGateway(config);
    expect(await proc.exited).not.toBe(0);
    return proc.logs.join("\n");
  }

  test("a route target whose model cannot be a model id", async () => {
    const out = await loadFails(allProvidersConfig("http://127.0.0.1:9", { routes: { evil: { targets: [{ provider: "gemini", model: "../../admin" }] } } }));
    expect(out).toContain("routes.evil.targets[0].model");
  });

  test("a route target with a `/` the provider cannot take in its path", async () => {
    const out = await loadFails(allProvidersConfig("http://127.0.0.1:9", { routes: { r: { targets: [{ provider: "vertex", model: "a/b" }] } } }));
    expect(out).toContain("routes.r.targets[0].model");
  });

  test("a base_url with a query string", async () => {
    const out = await loadFails({ providers: { openai: { base_url: "http://127.0.0.1:9/v1?x=1", keys: [{ value: "k" }] } } });
    expect(out).toContain("providers.openai.base_url");
  });
});
