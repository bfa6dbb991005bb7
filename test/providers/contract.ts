// The provider contract suite: every adapter runs it with its own fixtures. It drives the adapter
// directly (real HTTP to a mock upstream) and pushes streams through the same shaper and SSE writer
// the server uses, so the bytes checked here are the bytes a client receives.
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ChatCompletionRequest, EmbeddingRequest, FinishReason, Usage } from "../../src/core/openai-types.ts";
import { GatewayError } from "../../src/core/errors.ts";
import { configSchema } from "../../src/config/schema.ts";
import { buildSnapshot } from "../../src/config/snapshot.ts";
import { loadAllProviderFactories } from "../../src/providers/registry.ts";
import type { Auth, CallContext, ProviderAdapter } from "../../src/providers/types.ts";
import { makeSend } from "../../src/transport/upstream-fetch.ts";
import { shapeStream, type StreamStats } from "../../src/engine/stream-shaper.ts";
import { sseBody } from "../../src/server/sse.ts";
import { startMockUpstream, type MockUpstream, type RecordedRequest, type Reply } from "../support/index.ts";
import { testReads } from "../support/reads.ts";

const providerFactories = await loadAllProviderFactories();

export interface UpstreamExpectation {
  method?: "GET" | "POST";
  /** Pathname (without query) the adapter must call, relative to the mock's root. */
  path: string | RegExp;
  /** Exact JSON body the adapter must send. */
  body?: unknown;
  /** Further checks on the recorded request (headers, query). */
  check?: (req: RecordedRequest) => void;
}

export interface ExpectedToolCall { id?: string | RegExp; name: string; arguments: unknown }

export interface ExpectedMessage {
  content: string | null;
  finishReason: FinishReason;
  toolCalls?: ExpectedToolCall[];
  usage?: Partial<Usage>;
}

export interface ChatCase { request: ChatCompletionRequest; upstream: UpstreamExpectation; reply: Reply; expect: ExpectedMessage }

export interface ErrorCase { name: string; reply: Reply; status: number; type?: string; code?: string | null; messageIncludes?: string; headers?: Record<string, string> }

export interface ProviderContract {
  kind: string;
  /** Upstream model id used in requests. */
  model: string;
  /** Provider block fields besides base_url (region, api_version, keys...). Default keys: [{ value: "sk-contract" }]. */
  config?: Record<string, unknown>;
  /** base_url for the block, given the mock's root URL. Default: the mock's root. */
  baseUrl?: (mockUrl: string) => string;
  /** Checks that the stored credential was applied to an upstream request. */
  auth: (req: RecordedRequest) => void;
  chat: ChatCase;
  tools?: ChatCase;
  /** Request mapping only: a conversation with a tool call and its result. */
  toolResult?: { request: ChatCompletionRequest; upstream: UpstreamExpectation };
  /** Request mapping only, one named case each (inputs OpenAI accepts that need a translation: legacy roles, allowed_tools, image/jpg...). */
  requestMappings?: Array<{ name: string; request: ChatCompletionRequest; upstream: UpstreamExpectation }>;
  stream: ChatCase;
  streamTools?: ChatCase;
  /** A streamed tool call that takes no arguments: its arguments must reassemble to "{}" (never ""), as in the JSON answer. */
  streamToolsNoArgs?: ChatCase;
  /** A stream that breaks with an in-band error after it started. */
  streamError?: { request: ChatCompletionRequest; reply: Reply; status?: number; type?: string };
  errors: ErrorCase[];
  embeddings?:
    | { model: string; request: EmbeddingRequest; upstream: UpstreamExpectation; reply: Reply; expect: { count: number; dims?: number; usage?: { prompt_tokens: number; total_tokens: number } } }
    | "unsupported";
  models?: { upstream: UpstreamExpectation; reply: Reply; includes: string[] };
}

export interface SseOutcome { chunks: Record<string, unknown>[]; raw: string; stats: StreamStats }

export function providerContract(c: ProviderContract): void {
  describe(`provider contract: ${c.kind}`, () => {
    let mock: MockUpstream;
    let adapter: ProviderAdapter;

    beforeAll(async () => {
      mock = await startMockUpstream();
      const block = { type: c.kind, keys: [{ value: "sk-contract" }], ...c.config, base_url: (c.baseUrl ?? ((u) => u))(mock.url) };
      const config = v.parse(configSchema, { providers: { [`${c.kind}-contract`]: block } });
      if (!providerFactories.has(c.kind)) throw new Error(`no provider kind ${c.kind}`);
      adapter = buildSnapshot(config, providerFactories).providers.get(`${c.kind}-contract`)!;
    });
    afterAll(() => mock.stop());

    const ctx = (model = c.model): CallContext => {
      const signal = new AbortController().signal;
      const key = adapter.keys[0]!;
      const auth: Auth = { mode: "stored", key, keyIndex: 0 };
      return { model, auth, signal, send: makeSend({ provider: adapter.name, signal, timeoutMs: 10_000 }), reads: testReads(adapter.name) };
    };

    const lastRequest = (): RecordedRequest => {
      const req = mock.requests.at(-1);
      if (!req) throw new Error("the adapter sent nothing upstream");
      return req;
    };

    function checkUpstream(exp: UpstreamExpectation): void {
      const req = lastRequest();
      expect(req.method).toBe(exp.method ?? "POST");
      const path = req.path.split("?")[0]!;
      if (typeof exp.path === "string") expect(path).toBe(exp.path);
      else expect(path).toMatch(exp.path);
      if (exp.body !== undefined) expect(req.json).toEqual(exp.body);
      c.auth(req);
      exp.check?.(req);
    }

    async function runJson(k: ChatCase): Promise<void> {
      mock.reset();
      mock.when(k.upstream.method ?? "POST", "*", k.reply);
      const result = await adapter.chat(k.request, ctx());
      checkUpstream(k.upstream);
      expect(result.type).toBe("json");
      if (result.type !== "json") return;
      const body = result.body;
      expect(body.object).toBe("chat.completion");
      expect(typeof body.id).toBe("string");
      expect(typeof body.created).toBe("number");
      const choice = body.choices[0]!;
      expect(choice.message.role).toBe("assistant");
      expect(choice.message.content ?? null).toEqual(k.expect.content);
      expect(choice.finish_reason).toBe(k.expect.finishReason);
      const calls = choice.message.tool_calls ?? [];
      expect(calls.length).toBe(k.expect.toolCalls?.length ?? 0);
      (k.expect.toolCalls ?? []).forEach((want, i) => {
        const got = calls[i]!;
        expect(got.type).toBe("function");
        expect(got.function.name).toBe(want.name);
        expect(JSON.parse(got.function.arguments)).toEqual(want.arguments);
        if (want.id instanceof RegExp) expect(got.id).toMatch(want.id);
        else if (want.id) expect(got.id).toBe(want.id);
        else expect(got.id.length).toBeGreaterThan(0);
      });
      if (k.expect.usage) expect(body.usage).toMatchObject(k.expect.usage);
    }

    async function runStream(k: ChatCase, includeUsage: boolean): Promise<SseOutcome> {
      mock.reset();
      mock.when(k.upstream.method ?? "POST", "*", k.reply);
      const request = { ...k.request, stream: true, stream_options: includeUsage ? { include_usage: true } : undefined };
      const result = await adapter.chat(request, ctx());
      checkUpstream(k.upstream);
      expect(result.type).toBe("stream");
      if (result.type !== "stream") throw new Error("not a stream");
      return collectSse(result.events, includeUsage);
    }

    test("chat: request and response mapping", () => runJson(c.chat));
    if (c.tools) test("chat with tools: tool calls mapped", () => runJson(c.tools!));
    if (c.toolResult) {
      test("tool result turn: request mapping", async () => {
        mock.reset();
        mock.when(c.toolResult!.upstream.method ?? "POST", "*", c.chat.reply);
        await adapter.chat(c.toolResult!.request, ctx());
        checkUpstream(c.toolResult!.upstream);
      });
    }
    for (const m of c.requestMappings ?? []) {
      test(`request mapping: ${m.name}`, async () => {
        mock.reset();
        mock.when(m.upstream.method ?? "POST", "*", c.chat.reply);
        await adapter.chat(m.request, ctx());
        checkUpstream(m.upstream);
      });
    }

    test("stream with include_usage: byte-exact SSE, role first, one finish, usage chunk, [DONE]", async () => {
      const out = await runStream(c.stream, true);
      expectStreamShape(out, c.stream.expect, true);
    });
    test("stream without include_usage: no usage anywhere, still captured for accounting", async () => {
      const out = await runStream(c.stream, false);
      expectStreamShape(out, c.stream.expect, false);
    });
    if (c.streamTools) {
      test("stream with tool calls: ids, names and indexes on first deltas, arguments reassemble", async () => {
        const out = await runStream(c.streamTools!, true);
        expectStreamShape(out, c.streamTools!.expect, true);
      });
    }
    if (c.streamToolsNoArgs) {
      test("stream with an argument-less tool call: arguments reassemble to \"{}\"", async () => {
        const out = await runStream(c.streamToolsNoArgs!, true);
        expectStreamShape(out, c.streamToolsNoArgs!.expect, true);
        const args = out.chunks.flatMap((ch) => ((ch.choices as Array<{ delta: { tool_calls?: Array<{ function?: { arguments?: string } }> } }>)[0]?.delta.tool_calls ?? []))
          .map((t) => t.function?.arguments ?? "").join("");
        expect(args).toBe("{}");
      });
    }
    if (c.streamError) {
      test("in-band stream error: error event then [DONE]", async () => {
        mock.reset();
        mock.when("POST", "*", c.streamError!.reply);
        const result = await adapter.chat({ ...c.streamError!.request, stream: true }, ctx());
        if (result.type !== "stream") throw new Error("not a stream");
        const out = await collectSse(result.events, false);
        expect(out.raw.endsWith("data: [DONE]\n\n")).toBe(true);
        const err = out.chunks.at(-1) as { error?: { type: string; message: string } };
        expect(err.error).toBeDefined();
        expect(typeof err.error!.message).toBe("string");
        if (c.streamError!.type) expect(err.error!.type).toBe(c.streamError!.type);
        expect(out.stats.error).toBeInstanceOf(GatewayError);
        if (c.streamError!.status) expect(out.stats.error!.status).toBe(c.streamError!.status);
      });
    }

    for (const e of c.errors) {
      test(`error mapping: ${e.name}`, async () => {
        mock.reset();
        mock.when("*", "*", e.reply);
        const err = await adapter.chat(c.chat.request, ctx()).then(() => undefined, (x: unknown) => x);
        expect(err).toBeInstanceOf(GatewayError);
        const g = err as GatewayError;
        expect(g.status).toBe(e.status);
        if (e.type) expect(g.type).toBe(e.type);
        if (e.code !== undefined) expect(g.code).toBe(e.code);
        if (e.messageIncludes) expect(g.message).toContain(e.messageIncludes);
        for (const [k, v] of Object.entries(e.headers ?? {})) expect(g.headers?.[k]).toBe(v);
        expect(g.message).not.toContain("sk-contract");
      });
    }

    const emb = c.embeddings;
    if (emb === "unsupported") {
      test("embeddings: reported as unsupported", () => {
        expect(adapter.supportsEmbeddings).toBe(false);
      });
    } else if (emb) {
      test("embeddings: request and response mapping", async () => {
        mock.reset();
        mock.when("POST", "*", emb.reply);
        const res = await adapter.embeddings(emb.request, ctx(emb.model));
        checkUpstream(emb.upstream);
        expect(res.object).toBe("list");
        expect(res.data.length).toBe(emb.expect.count);
        res.data.forEach((d, i) => {
          expect(d.object).toBe("embedding");
          expect(d.index).toBe(i);
          if (emb.expect.dims) expect((d.embedding as number[]).length).toBe(emb.expect.dims);
        });
        if (emb.expect.usage) expect(res.usage).toEqual(emb.expect.usage);
      });
    }

    if (c.models) {
      test("models: listing mapped to ids", async () => {
        mock.reset();
        mock.when("GET", "*", c.models!.reply);
        const ids = await adapter.listModels(ctx());
        checkUpstream({ method: "GET", ...c.models!.upstream });
        for (const id of c.models!.includes) expect(ids).toContain(id);
      });
    }
  });
}

export async function collectSse(events: AsyncIterable<import("../../src/core/stream-event.ts").StreamEvent>, includeUsage: boolean): Promise<SseOutcome> {
  const stats: StreamStats = { chunks: 0 };
  const body = sseBody(shapeStream(events, includeUsage, stats), { onEnd: () => {} });
  const raw = await new Response(body).text();
  const parts = raw.split("\n\n");
  expect(parts.pop()).toBe("");
  const chunks: Record<string, unknown>[] = [];
  for (const part of parts) {
    expect(part.startsWith("data: ")).toBe(true);
    expect(part.includes("\n")).toBe(false);
    const data = part.slice(6);
    if (data === "[DONE]") continue;
    chunks.push(JSON.parse(data));
  }
  expect(parts.at(-1)).toBe("data: [DONE]");
  return { chunks, raw, stats };
}

interface ChunkShape {
  id: string;
  object: string;
  created: number;
  choices: Array<{ index: number; delta: { role?: string; content?: string | null; tool_calls?: Array<{ index: number; id?: string; type?: string; function?: { name?: string; arguments?: string } }> }; finish_reason: string | null }>;
  usage?: Usage | null;
}

export function expectStreamShape(out: SseOutcome, want: ExpectedMessage, includeUsage: boolean): void {
  const chunks = out.chunks as unknown as ChunkShape[];
  expect(chunks.length).toBeGreaterThan(1);
  for (const ch of chunks) {
    expect(ch.object).toBe("chat.completion.chunk");
    expect(ch.id).toBe(chunks[0]!.id);
    expect(ch.created).toBe(chunks[0]!.created);
  }
  const withChoices = chunks.filter((ch) => ch.choices.length > 0);
  expect(withChoices[0]!.choices[0]!.delta.role).toBe("assistant");
  const content = withChoices.map((ch) => ch.choices[0]!.delta.content ?? "").join("");
  expect(content).toBe(want.content ?? "");
  const finishes = withChoices.filter((ch) => ch.choices[0]!.finish_reason != null);
  expect(finishes.length).toBe(1);
  expect(finishes[0]!.choices[0]!.finish_reason).toBe(want.finishReason);

  // Tool calls: index = ordinal; id/type/name only on the first delta of each call.
  const calls: Array<{ id: string; name: string; args: string }> = [];
  for (const ch of withChoices) {
    for (const d of ch.choices[0]!.delta.tool_calls ?? []) {
      if (d.index === calls.length) {
        expect(typeof d.id).toBe("string");
        expect(d.type).toBe("function");
        expect(typeof d.function?.name).toBe("string");
        calls.push({ id: d.id!, name: d.function!.name!, args: d.function?.arguments ?? "" });
      } else {
        expect(d.index).toBeLessThan(calls.length);
        expect(d.id).toBeUndefined();
        calls[d.index]!.args += d.function?.arguments ?? "";
      }
    }
  }
  expect(calls.length).toBe(want.toolCalls?.length ?? 0);
  (want.toolCalls ?? []).forEach((w, i) => {
    expect(calls[i]!.name).toBe(w.name);
    expect(JSON.parse(calls[i]!.args)).toEqual(w.arguments);
    if (w.id instanceof RegExp) expect(calls[i]!.id).toMatch(w.id);
    else if (w.id) expect(calls[i]!.id).toBe(w.id);
  });

  const finishAt = chunks.indexOf(finishes[0]!);
  if (includeUsage) {
    for (const ch of withChoices) expect(ch.usage).toBeNull();
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(chunks.indexOf(last)).toBeGreaterThan(finishAt);
    if (want.usage) expect(last.usage).toMatchObject(want.usage);
    expect(last.usage!.total_tokens).toBeGreaterThan(0);
  } else {
    for (const ch of chunks) expect("usage" in ch).toBe(false);
    expect(chunks.every((ch) => ch.choices.length > 0)).toBe(true);
  }
  if (want.usage) expect(out.stats.usage).toMatchObject(want.usage);
}
