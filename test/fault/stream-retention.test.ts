// What an open stream keeps alive. A stream can last minutes while its request (an agent's prompt is
// often hundreds of KB) has long been sent upstream: neither the parsed request nor the upstream body
// text may stay reachable from the stream's callbacks, or 1,000 such streams hold hundreds of MB.
// Measured here as the JS heap's external memory (where long strings live) after a full GC, with
// streams held open after their first event, less what the same streams hold when the client talks
// to the upstream directly (Bun's fetch keeps an in-flight request's body: about as much again).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { captureStdout, settleLogs, startFaultGateway, type Captured, type FaultGateway } from "./harness.ts";
import { DEFAULT_CLIENT } from "../../src/transport/upstream-fetch.ts";
import { GUARD_WASM } from "../guard/guard-plugin.ts";

const STREAMS = 30;
// ~300 KB of prompt per request, in 150 messages like an agent's history.
const HISTORY = Array.from({ length: 150 }, (_, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content: `${"lorem ipsum dolor sit amet ".repeat(74)}${i}` }));
const PROMPT_BYTES = JSON.stringify(HISTORY).length;

let logs: Captured;
const gateways: Record<string, FaultGateway> = {};
let upstream: ReturnType<typeof Bun.serve>;
/** Resolved by the test: every stream held so far then sends its last event and ends. */
let release: () => void = () => {};
let released = new Promise<void>((resolve) => (release = resolve));
function releaseHeld(): void {
  release();
  released = new Promise<void>((resolve) => (release = resolve));
}
const encoder = new TextEncoder();
const event = (content: string, finish: string | null) =>
  encoder.encode(`data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`);

/** Reads a request's body away; its own function so that nothing the answer keeps can reach the text. */
async function discardBody(req: Request): Promise<void> {
  await req.arrayBuffer();
}

/** An event in the `event:` + `data:` shape Anthropic's and the Responses API's streams share. */
const typedEvent = (type: string, data: Record<string, unknown>) => encoder.encode(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
const textDelta = (text: string) => typedEvent("content_block_delta", { index: 0, delta: { type: "text_delta", text } });
const outputDelta = (sequence_number: number, delta: string) => typedEvent("response.output_text.delta", { sequence_number, item_id: "msg_1", output_index: 0, content_index: 0, delta });
const RESPONSE = { id: "resp_1", object: "response", created_at: 1, model: "m", status: "in_progress", output: [] };

/** Each upstream format's opening events (up to the text "first"), and its end once the gate opens. */
const SHAPES: Record<"openai" | "anthropic" | "responses", { head: Uint8Array[]; tail: Uint8Array[] }> = {
  openai: {
    head: [event("first", null)],
    tail: [event(" last", "stop"), encoder.encode("data: [DONE]\n\n")],
  },
  anthropic: {
    head: [
      typedEvent("message_start", { message: { id: "msg_1", type: "message", role: "assistant", content: [], model: "m", stop_reason: null, stop_sequence: null, usage: { input_tokens: 11, output_tokens: 1 } } }),
      typedEvent("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
      textDelta("first"),
    ],
    tail: [
      textDelta(" last"),
      typedEvent("content_block_stop", { index: 0 }),
      typedEvent("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } }),
      typedEvent("message_stop", {}),
    ],
  },
  responses: {
    head: [typedEvent("response.created", { sequence_number: 0, response: RESPONSE }), outputDelta(1, "first")],
    tail: [
      outputDelta(2, " last"),
      typedEvent("response.completed", { sequence_number: 3, response: { ...RESPONSE, status: "completed", usage: { input_tokens: 10, output_tokens: 2, total_tokens: 12 } } }),
    ],
  },
};

function heldStream(shape: keyof typeof SHAPES): Response {
  const gate = released;
  const { head, tail } = SHAPES[shape];
  return new Response(new ReadableStream<Uint8Array>({
    async start(controller) {
      for (const bytes of head) controller.enqueue(bytes);
      await gate;
      for (const bytes of tail) controller.enqueue(bytes);
      controller.close();
    },
  }), { headers: { "content-type": "text/event-stream" } });
}

beforeAll(async () => {
  logs = captureStdout();
  upstream = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      await discardBody(req);
      const path = new URL(req.url).pathname;
      return heldStream(path.startsWith("/anthropic/") ? "anthropic" : path.endsWith("/responses") ? "responses" : "openai");
    },
  });
  const providers = {
    openai: { base_url: `http://127.0.0.1:${upstream.port}/v1`, keys: [{ value: "sk-retention" }] },
    anthropic: { base_url: `http://127.0.0.1:${upstream.port}/anthropic`, keys: [{ value: "sk-ant-retention" }] },
  };
  gateways.plain = await startFaultGateway({ providers });
  // The plugin chain keeps each request's record and hook state until its stream ends.
  gateways["ratelimit, logging, metrics, prompt-guard"] = await startFaultGateway({
    providers,
    plugins: [
      { name: "ratelimit", config: { mode: "global", rate: 1e8, burst: 1e8, backend: "memory" } },
      { name: "logging" },
      { name: "metrics" },
      { name: "prompt-guard", wasm: GUARD_WASM },
    ],
  });
});

afterAll(async () => {
  release();
  await settleLogs();
  logs.restore();
  for (const gw of Object.values(gateways)) await gw.stop();
  upstream?.stop(true);
});

function externalMb(): number {
  Bun.gc(true);
  return process.memoryUsage().external / (1024 * 1024);
}

type Reader = { read(): Promise<{ done: boolean; value?: Uint8Array }> };

/** Opens STREAMS held streams at `url` (plus one before the baseline); how much external memory they hold, and their readers. */
async function holdStreams(url: string, body: string, provider?: string): Promise<{ grownMb: number; readers: Reader[] }> {
  const readers: Reader[] = [];
  const open = async () => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(200);
    if (provider !== undefined) expect(res.headers.get("x-butter-provider")).toBe(provider);
    const reader: Reader = res.body!.getReader();
    // Until the upstream's first event has come through (a translated stream opens with events of its own).
    let seen = "";
    while (!seen.includes('"first"')) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the stream ended before its first event: ${seen}`);
      seen += new TextDecoder().decode(value);
    }
    readers.push(reader);
  };
  // One stream first, so what every stream shares (compiled code, pools, the generation's caches) is in the baseline.
  await open();
  const before = externalMb();
  await Promise.all(Array.from({ length: STREAMS }, open));
  return { grownMb: externalMb() - before, readers };
}

async function readToEnd(reader: Reader): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

const messages = [...HISTORY, { role: "user", content: "go on" }];
const cases = [
  { api: "Chat Completions", path: "/v1/chat/completions", body: { model: "openai/m", stream: true, messages }, end: "data: [DONE]" },
  { api: "Chat Completions → Anthropic (translated)", path: "/v1/chat/completions", body: { model: "anthropic/m", stream: true, messages }, end: "data: [DONE]" },
  { api: "Messages → OpenAI (translated)", path: "/v1/messages", body: { model: "openai/m", stream: true, max_tokens: 100, messages }, end: "event: message_stop" },
  { api: "Messages → Anthropic (relayed as it came)", path: "/v1/messages", body: { model: "anthropic/m", stream: true, max_tokens: 100, messages }, end: "event: message_stop" },
  // A stored turn keeps its input until it is stored with the answer; one not stored keeps nothing.
  { api: "Responses, store: false → OpenAI (relayed as it came)", path: "/v1/responses", body: { model: "openai/m", stream: true, store: false, input: messages }, end: "event: response.completed" },
];

for (const chain of ["plain", "ratelimit, logging, metrics, prompt-guard"]) for (const { api, path, body: request, end } of cases) {
  test(`${api} (${chain}): ${STREAMS} open streams with ~${Math.round(PROMPT_BYTES / 1024)} KB prompts keep neither the parsed requests nor the upstream bodies`, async () => {
    const body = JSON.stringify(request);
    const direct = await holdStreams(`http://127.0.0.1:${upstream.port}${(request.model.startsWith("anthropic/") ? "/anthropic" : "") + path}`, body);
    releaseHeld();
    await Promise.all(direct.readers.map(readToEnd));

    // A first round through the gateway grows what serves many streams at once and stays (prompt-guard's
    // instance pool: ~200 KB of WASM memory per instance) before the measured one.
    const warm = await holdStreams(gateways[chain]!.url + path, body);
    releaseHeld();
    await Promise.all(warm.readers.map(readToEnd));
    const through = await holdStreams(gateways[chain]!.url + path, body, request.model.split("/")[0]);
    // Kept per stream, either copy would be STREAMS × ~300 KB (9 MB each); a stream's own buffers are a few KB.
    // Bun's fetch as the upstream client (BUTTER_UPSTREAM_CLIENT=fetch) keeps the body it sent until the
    // answer ends, which no code of ours can release: that one copy is allowed there, never the parsed request.
    const promptsMb = (STREAMS * PROMPT_BYTES) / (1024 * 1024);
    const budget = promptsMb / 4 + (DEFAULT_CLIENT === "fetch" ? promptsMb : 0);
    expect(through.grownMb - direct.grownMb).toBeLessThan(budget);

    releaseHeld();
    for (const text of await Promise.all(through.readers.map(readToEnd))) {
      expect(text).toContain(" last");
      expect(text).toContain(end);
    }
  }, 30_000);
}
