// The official openai client → the gateway process → a mock Vertex AI (and its OAuth token endpoint).
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { fixtureReply, json, loadJson, openaiClient, sse, sseFixtureReply, startGateway, startMockUpstream, type Gateway, type MockUpstream, type RecordedRequest } from "../support/index.ts";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ROOT = "/v1/projects/my-project/locations/us-central1/publishers";
const GEMINI = `${ROOT}/google/models/gemini-2.5-flash`;

let mock: MockUpstream;
let gw: Gateway;
let client: OpenAI;
let dir: string;

function tokenEndpoint(req: RecordedRequest) {
  const [h, c, s] = (new URLSearchParams(req.body).get("assertion") ?? "").split(".");
  const valid = !!s && verify("RSA-SHA256", Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, "base64url"));
  return valid ? json({ access_token: "ya29.from-jwt", expires_in: 3600, token_type: "Bearer" }) : json({ error: "invalid_grant" }, { status: 400 });
}

beforeAll(async () => {
  mock = await startMockUpstream();
  dir = mkdtempSync(join(tmpdir(), "butter-vertex-e2e-"));
  const file = join(dir, "sa.json");
  writeFileSync(file, JSON.stringify({
    type: "service_account", client_email: "gw@my-project.iam.gserviceaccount.com", private_key_id: "k1",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), token_uri: `${mock.url}/token`,
  }));
  gw = await startGateway({
    providers: { vertex: { project: "my-project", region: "us-central1", base_url: mock.url, keys: [{ credentials_file: file }] } },
    failover: { timeout: "5s" },
  });
  client = openaiClient(gw);
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  mock.reset();
  mock.when("POST", "/token", tokenEndpoint);
});

const tools = loadJson<OpenAI.ChatCompletionCreateParamsNonStreaming>("openai", "tools.request.json").body.tools!;
const vertexCalls = () => mock.requests.filter((r) => r.path !== "/token");

test("plain chat with a bearer token exchanged from the service-account file", async () => {
  mock.when("POST", `${GEMINI}:generateContent`, fixtureReply("vertex", "generateContent.response.json"));
  const res = await client.chat.completions.create({ model: "vertex/gemini-2.5-flash", messages: [{ role: "system", content: "I say high you say low" }, { role: "user", content: "high" }], max_tokens: 256 });
  expect(res.choices[0]!.message.content).toBe("low");
  expect(res.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 21, total_tokens: 30 });
  expect(vertexCalls()[0]!.headers.authorization).toBe("Bearer ya29.from-jwt");
  expect(vertexCalls()[0]!.json).toEqual(loadJson("vertex", "generateContent.request.json").body);
});

test("tools round trip: functionResponse named after the call, thoughtSignature echoed", async () => {
  const signature = Buffer.from("opaque-vertex-signature?>").toString("base64");
  mock.when("POST", `${GEMINI}:generateContent`, json({
    candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "get_weather", args: { location: "Paris" } }, thoughtSignature: signature }] }, finishReason: "STOP" }],
  }));
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "What's the weather in Paris?" }];
  const first = await client.chat.completions.create({ model: "vertex/gemini-2.5-flash", messages, tools });
  const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
  expect(first.choices[0]!.finish_reason).toBe("tool_calls");

  mock.reset();
  mock.when("POST", `${GEMINI}:generateContent`, fixtureReply("vertex", "generateContent.response.json"));
  await client.chat.completions.create({
    model: "vertex/gemini-2.5-flash", tools,
    messages: [...messages, { role: "assistant", content: null, tool_calls: [{ id: call.id, type: "function", function: call.function }] }, { role: "tool", tool_call_id: call.id, content: "18°C, cloudy" }],
  });
  const body = mock.requests[0]!.json as { contents: Array<{ parts: unknown[] }> };
  expect(body.contents[1]!.parts[0]).toEqual({ functionCall: { name: "get_weather", args: { location: "Paris" } }, thoughtSignature: signature });
  expect(body.contents[2]!.parts[0]).toEqual({ functionResponse: { name: "get_weather", response: { output: "18°C, cloudy" } } });
});

test("streaming with two tool calls (Vertex: early chunks without counts)", async () => {
  mock.when("POST", `${GEMINI}:streamGenerateContent`, sse([
    `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "get_weather", args: { location: "Paris" } } }] } }], usageMetadata: { trafficType: "ON_DEMAND" } })}\r\n\r\n`,
    `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "get_weather", args: { location: "Oslo" } } }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 20, candidatesTokenCount: 10, totalTokenCount: 30, trafficType: "ON_DEMAND" } })}\r\n\r\n`,
  ]));
  const stream = await client.chat.completions.create({
    model: "vertex/gemini-2.5-flash", messages: [{ role: "user", content: "Paris and Oslo?" }], tools, stream: true, stream_options: { include_usage: true },
  });
  const calls: Array<{ id?: string; name: string; args: string }> = [];
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) {
    for (const d of chunk.choices[0]?.delta.tool_calls ?? []) {
      calls[d.index] ??= { id: d.id, name: d.function?.name ?? "", args: "" };
      calls[d.index]!.args += d.function?.arguments ?? "";
    }
    finish = chunk.choices[0]?.finish_reason ?? finish;
    if (chunk.usage) usage = chunk.usage;
  }
  expect(calls.map((c) => [c.name, JSON.parse(c.args)])).toEqual([["get_weather", { location: "Paris" }], ["get_weather", { location: "Oslo" }]]);
  expect(calls.every((c) => c.id?.startsWith("call_"))).toBe(true);
  expect(finish).toBe("tool_calls");
  expect(usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 10, total_tokens: 30 });
});

test("embeddings via :predict, base64 produced for the SDK", async () => {
  mock.when("POST", `${ROOT}/google/models/text-embedding-005:predict`, fixtureReply("vertex", "embeddings-predict.response.json"));
  const res = await client.embeddings.create({ model: "vertex/text-embedding-005", input: ["The food was delicious", "and the waiter was friendly"] });
  expect(res.data.map((d) => d.embedding.map((v) => Number(v.toFixed(4))))).toEqual([[0.0123, -0.0456, 0.0789, 0.0011], [-0.0201, 0.0333, 0.0044, 0.0122]]);
  expect(res.usage).toEqual({ prompt_tokens: 11, total_tokens: 11 });
});

test("Claude on Vertex: rawPredict and streamRawPredict with the Anthropic body", async () => {
  const claude = `${ROOT}/anthropic/models/claude-sonnet-4-5@20250929`;
  mock.when("POST", `${claude}:rawPredict`, fixtureReply("anthropic", "chat.response.json"));
  mock.when("POST", `${claude}:streamRawPredict`, sseFixtureReply("anthropic", "stream.sse"));
  const res = await client.chat.completions.create({ model: "vertex/claude-sonnet-4-5@20250929", messages: [{ role: "user", content: "Hello!" }], max_tokens: 1024 });
  expect(res.choices[0]!.message.role).toBe("assistant");
  expect(vertexCalls()[0]!.json).toEqual(loadJson("vertex", "anthropic-rawPredict.request.json").body);
  const stream = await client.chat.completions.create({ model: "vertex/claude-sonnet-4-5@20250929", messages: [{ role: "user", content: "Hello!" }], stream: true });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  expect(text.length).toBeGreaterThan(0);
  expect(vertexCalls().every((r) => r.headers.authorization === "Bearer ya29.from-jwt")).toBe(true);
});
