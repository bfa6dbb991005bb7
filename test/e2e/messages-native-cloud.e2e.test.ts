// /v1/messages to Claude on Vertex AI (rawPredict / streamRawPredict) and on AWS Bedrock (InvokeModel
// and its binary event stream): the client's body goes up untranslated apart from `model` and the
// platform's anthropic_version (Bedrock: betas in the body), and the answer comes back as the
// upstream sent it. Gemini on Vertex and non-Claude Bedrock models are still translated.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { fixtureReply, json, sse, startGateway, startMockUpstream, stream, type Gateway, type MockUpstream, type RecordedRequest } from "../support/index.ts";
import { concatBytes, encodeEventStream, invokeChunk, type EncodableMessage } from "../support/event-stream-encoder.ts";

const VERTEX = "/v1/projects/my-project/locations/us-central1/publishers";
const VERTEX_CLAUDE = `${VERTEX}/anthropic/models/claude-sonnet-4-5@20250929`;
const BEDROCK_CLAUDE = "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0";
const EVENTSTREAM = "application/vnd.amazon.eventstream";

let mock: MockUpstream;
let gw: Gateway;
let client: Anthropic;

beforeAll(async () => {
  mock = await startMockUpstream();
  gw = await startGateway({
    providers: {
      vertex: { project: "my-project", region: "us-central1", base_url: mock.url, keys: [{ access_token: "ya29.stored-token" }] },
      bedrock: { region: "us-west-2", base_url: `${mock.url}/bed`, keys: [{ access_key_id: "AKIDNATIVE", secret_access_key: "native-secret", session_token: "native-session" }] },
    },
    failover: { timeout: "3s", max_attempts: 1 },
  });
  client = new Anthropic({ baseURL: gw.baseURL, apiKey: "btr_client_key", maxRetries: 0 });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
});
beforeEach(() => mock.reset());

/** What only a native target takes: thinking signatures, cache_control with ttl, citations, an unknown field. */
const BODY = {
  model: "",
  max_tokens: 4000,
  thinking: { type: "enabled", budget_tokens: 2000 },
  system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
  some_future_beta_field: { nested: [1, "two", { three: null }] },
  messages: [
    {
      role: "user",
      content: [
        { type: "document", source: { type: "text", media_type: "text/plain", data: "The sky is blue." }, title: "Sky", citations: { enabled: true }, cache_control: { type: "ephemeral" } },
        { type: "text", text: "What colour is the sky? ünïcödé \u2028", cache_control: { type: "ephemeral", ttl: "1h" } },
      ],
    },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "The document says blue.", signature: "EqQBCgIYAhIM+/sig==" },
        { type: "redacted_thinking", data: "opaque-data" },
        { type: "text", text: "Blue." },
      ],
    },
    { role: "user", content: [{ type: "text", text: "Sure?", cache_control: { type: "ephemeral" } }] },
  ],
};

const ANSWER = {
  id: "msg_cloud1", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929",
  content: [{ type: "thinking", thinking: "Check again.", signature: "sig-new" }, { type: "text", text: "Yes, blue." }],
  stop_reason: "end_turn", stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 5, cache_creation_input_tokens: 3 },
};

const STREAM_EVENTS: Array<Record<string, unknown>> = [
  { type: "message_start", message: { id: "msg_s", type: "message", role: "assistant", content: [], model: "claude-sonnet-4-5-20250929", stop_reason: null, stop_sequence: null, usage: { input_tokens: 7, output_tokens: 1, cache_read_input_tokens: 2 } } },
  { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } },
  { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Hmm." } },
  { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: "sig-s" } },
  { type: "content_block_stop", index: 0 },
  { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } },
  { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Blue." } },
  { type: "content_block_stop", index: 1 },
  { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9 } },
];
const STOP = { type: "message_stop" };
/** Bedrock's last event carries its metrics; they are relayed (the SDK ignores what it does not know). */
const BEDROCK_STOP = { type: "message_stop", "amazon-bedrock-invocationMetrics": { inputTokenCount: 7, outputTokenCount: 9, invocationLatency: 812, firstByteLatency: 301 } };
const FINAL = {
  id: "msg_s", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929", stop_reason: "end_turn", stop_sequence: null,
  content: [{ type: "thinking", thinking: "Hmm.", signature: "sig-s" }, { type: "text", text: "Blue." }],
  usage: { input_tokens: 7, output_tokens: 9, cache_read_input_tokens: 2 },
};

const sseOf = (e: Record<string, unknown>) => `event: ${e.type as string}\ndata: ${JSON.stringify(e)}\n\n`;

function exception(type: string, message: string): EncodableMessage {
  return { headers: { ":exception-type": type, ":content-type": "application/json", ":message-type": "exception" }, payload: { message } };
}

const post = (body: object, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/v1/messages`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

/** The client's body, field by field, is in what went up: each field's JSON text appears as the client serialised it. */
function expectFieldsVerbatim(sent: RecordedRequest, omit: readonly string[]): void {
  for (const [key, value] of Object.entries(BODY)) {
    if (omit.includes(key)) continue;
    expect(sent.body).toContain(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
}

describe("Messages → Claude on Vertex natively", () => {
  const MODEL = "vertex/claude-sonnet-4-5@20250929";

  test("rawPredict gets the body without model and with Vertex's anthropic_version; the answer's bytes come back unchanged", async () => {
    const answerText = JSON.stringify(ANSWER, null, 1);
    mock.when("POST", `${VERTEX_CLAUDE}:rawPredict`, { kind: "bytes", body: answerText, contentType: "application/json" });
    const res = await post({ ...BODY, model: MODEL, anthropic_version: "2023-06-01" }, { "anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-butter-provider")).toBe("vertex");
    expect(await res.text()).toBe(answerText);
    const sent = mock.requests[0]!;
    const { model: _m, ...expected } = BODY;
    expect(sent.json).toEqual({ ...expected, anthropic_version: "vertex-2023-10-16" });
    expectFieldsVerbatim(sent, ["model"]);
    expect(sent.headers.authorization).toBe("Bearer ya29.stored-token");
    expect(sent.headers["anthropic-beta"]).toBe("interleaved-thinking-2025-05-14");
    expect(sent.headers["anthropic-version"]).toBeUndefined();
  });

  test("streamRawPredict: relayed event by event; the SDK's finalMessage is the upstream's message", async () => {
    const events = [...STREAM_EVENTS, STOP].map(sseOf);
    mock.when("POST", `${VERTEX_CLAUDE}:streamRawPredict`, sse(events, { chunkDelayMs: 1 }));
    const res = await post({ ...BODY, model: MODEL, stream: true });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(events.join(""));
    expect(mock.requests[0]!.json).toMatchObject({ stream: true, anthropic_version: "vertex-2023-10-16" });
    expect(mock.requests[0]!.json).not.toHaveProperty("model");

    const final = await client.messages.stream({ ...BODY, model: MODEL } as never).finalMessage();
    expect(final as unknown).toMatchObject(FINAL);
  });

  test("an Anthropic 529 from rawPredict is the SDK's overloaded error", async () => {
    mock.when("POST", `${VERTEX_CLAUDE}:rawPredict`, json({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }, { status: 529 }));
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect((err as { status?: number }).status).toBe(529);
    expect((err as { error?: unknown }).error).toMatchObject({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
  });

  test("Vertex's own 429 (google.rpc shape) is the SDK's rate-limit error", async () => {
    mock.when("POST", `${VERTEX_CLAUDE}:rawPredict`, json({ error: { code: 429, message: "Quota exceeded for aiplatform.googleapis.com", status: "RESOURCE_EXHAUSTED" } }, { status: 429 }));
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as { error?: unknown }).error).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: "Quota exceeded for aiplatform.googleapis.com" } });
  });

  test("a Gemini model on Vertex is still translated (generateContent), answered as an Anthropic message", async () => {
    mock.when("POST", `${VERTEX}/google/models/gemini-2.5-flash:generateContent`, fixtureReply("vertex", "generateContent.response.json"));
    const message = await client.messages.create({ model: "vertex/gemini-2.5-flash", max_tokens: 100, messages: [{ role: "user", content: "high" }] });
    expect(message.content).toEqual([{ type: "text", text: "low" }] as never);
    expect(mock.requests[0]!.json).toHaveProperty("contents");
  });

  test("a body only a native target takes is a 400 for a Gemini model, with no upstream call", async () => {
    const res = await post({ ...BODY, model: "vertex/gemini-2.5-flash" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    expect(mock.requests.length).toBe(0);
  });
});

describe("Messages → Claude on Bedrock natively (InvokeModel)", () => {
  const MODEL = "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0";

  test("invoke gets the body without model and stream, Bedrock's anthropic_version and betas in the body, signed; the answer's bytes come back unchanged", async () => {
    const answerText = JSON.stringify(ANSWER, null, 2);
    mock.when("POST", `/bed${BEDROCK_CLAUDE}/invoke`, { kind: "bytes", body: answerText, contentType: "application/json" });
    const res = await post({ ...BODY, model: MODEL }, { "anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14, context-1m-2025-08-07" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-butter-provider")).toBe("bedrock");
    expect(await res.text()).toBe(answerText);
    const sent = mock.requests[0]!;
    const { model: _m, ...expected } = BODY;
    expect(sent.json).toEqual({ ...expected, anthropic_version: "bedrock-2023-05-31", anthropic_beta: ["interleaved-thinking-2025-05-14", "context-1m-2025-08-07"] });
    expectFieldsVerbatim(sent, ["model"]);
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDNATIVE\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
    expect(sent.headers.accept).toBe("application/json");
    expect(sent.headers["anthropic-beta"]).toBeUndefined();
  });

  test("invoke-with-response-stream: each chunk's decoded event goes out as Anthropic SSE; the SDK's finalMessage is the upstream's message", async () => {
    const events = [...STREAM_EVENTS, BEDROCK_STOP];
    mock.when("POST", `/bed${BEDROCK_CLAUDE}/invoke-with-response-stream`, stream(encodeEventStream(events.map(invokeChunk)), EVENTSTREAM, { chunkDelayMs: 1 }));
    const res = await post({ ...BODY, model: MODEL, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(await res.text()).toBe(events.map(sseOf).join(""));
    const sent = mock.requests[0]!;
    expect(sent.json).not.toHaveProperty("stream");
    expect(sent.json).not.toHaveProperty("model");
    expect(sent.headers.accept).toBe(EVENTSTREAM);

    const final = await client.messages.stream({ ...BODY, model: MODEL } as never).finalMessage();
    expect(final as unknown).toMatchObject(FINAL);
  });

  test("a stream split at arbitrary byte boundaries relays the same events", async () => {
    const whole = concatBytes(encodeEventStream([...STREAM_EVENTS, STOP].map(invokeChunk)));
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < whole.length; at += 7) pieces.push(whole.subarray(at, at + 7));
    mock.when("POST", `/bed${BEDROCK_CLAUDE}/invoke-with-response-stream`, stream(pieces, EVENTSTREAM));
    const res = await post({ ...BODY, model: MODEL, stream: true });
    expect(await res.text()).toBe([...STREAM_EVENTS, STOP].map(sseOf).join(""));
  });

  test("ThrottlingException (429) is the SDK's rate-limit error in Anthropic's envelope", async () => {
    mock.when("POST", `/bed${BEDROCK_CLAUDE}/invoke`, json({ message: "Too many requests, please wait before trying again." }, { status: 429, headers: { "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/" } }));
    const err = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "Hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as { error?: unknown }).error).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: "Too many requests, please wait before trying again." } });
  });

  test("ValidationException (400) is invalid_request_error with Bedrock's message", async () => {
    mock.when("POST", `/bed${BEDROCK_CLAUDE}/invoke`, json({ message: "messages.1.content.0: Invalid signature in thinking block" }, { status: 400, headers: { "x-amzn-errortype": "ValidationException" } }));
    const res = await post({ ...BODY, model: MODEL });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: "messages.1.content.0: Invalid signature in thinking block" } });
  });

  test("ServiceUnavailableException (503) is Anthropic's 529 overloaded_error", async () => {
    mock.when("POST", `/bed${BEDROCK_CLAUDE}/invoke`, json({ message: "Service unavailable" }, { status: 503, headers: { "x-amzn-errortype": "ServiceUnavailableException" } }));
    const res = await post({ ...BODY, model: MODEL });
    expect(res.status).toBe(529);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });

  test("an exception inside the stream after the first events ends it with `event: error`", async () => {
    mock.when("POST", `/bed${BEDROCK_CLAUDE}/invoke-with-response-stream`, stream(encodeEventStream([
      ...STREAM_EVENTS.slice(0, 3).map(invokeChunk),
      exception("modelStreamErrorException", "The model stream failed."),
      invokeChunk(STOP),
    ]), EVENTSTREAM, { chunkDelayMs: 1 }));
    const res = await post({ ...BODY, model: MODEL, stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith(STREAM_EVENTS.slice(0, 3).map(sseOf).join(""))).toBe(true);
    const tail = text.slice(STREAM_EVENTS.slice(0, 3).map(sseOf).join("").length);
    expect(tail).toMatch(/^event: error\ndata: /);
    expect(JSON.parse(tail.slice(tail.indexOf("data: ") + 6))).toMatchObject({ type: "error", error: { message: "The model stream failed." } });
    expect(tail).not.toContain("message_stop");

    const err = await client.messages.stream({ ...BODY, model: MODEL } as never).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toContain("The model stream failed.");
  });

  test("an exception before the first event is an HTTP error, not a 200 stream", async () => {
    mock.when("POST", `/bed${BEDROCK_CLAUDE}/invoke-with-response-stream`, stream(encodeEventStream([exception("throttlingException", "Slow down.")]), EVENTSTREAM));
    const res = await post({ ...BODY, model: MODEL, stream: true });
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error", message: "Slow down." } });
  });

  test("a Claude foundation-model ARN is served natively too", async () => {
    const arn = "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0";
    mock.when("POST", `/bed/model/${encodeURIComponent(arn)}/invoke`, json(ANSWER));
    const message = await client.messages.create({ model: `bedrock/${arn}`, max_tokens: 10, messages: [{ role: "user", content: "Hi" }] });
    expect(message as unknown).toEqual(ANSWER);
    expect(mock.requests[0]!.json).toEqual({ max_tokens: 10, messages: [{ role: "user", content: "Hi" }], anthropic_version: "bedrock-2023-05-31" });
  });

  test("a non-Claude Bedrock model (Nova) is still translated to Converse", async () => {
    mock.when("POST", "/bed/model/amazon.nova-lite-v1%3A0/converse", fixtureReply("bedrock", "converse.response.json"));
    const message = await client.messages.create({ model: "bedrock/amazon.nova-lite-v1:0", max_tokens: 100, messages: [{ role: "user", content: "Hello!" }] });
    expect(message.content).toEqual([{ type: "text", text: "Hello! How can I help you today?" }] as never);
    expect(mock.requests[0]!.json).toEqual({ messages: [{ role: "user", content: [{ text: "Hello!" }] }], inferenceConfig: { maxTokens: 100 } });
  });
});
