// The hook chain through the real server and engine (in process, test plugins injected), against a
// mock upstream: order, reverse order, short-circuit, modification, stream chunks, fail-open,
// fail-closed, and the zero-plugin fast path.
import { createTelemetry } from "../../src/observability/telemetry.ts";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, spyOn, test } from "bun:test";
import OpenAI, { APIError } from "openai";
import { logger } from "../../src/observability/logger.ts";
import { buildPlugins } from "../../src/plugins/plugin-set.ts";
import type { Hooks, Plugin } from "../../src/plugins/types.ts";
import { HOOK_NAMES } from "../../src/plugins/types.ts";
import { fixtureReply, repoRoot, sseFixtureReply, startMockUpstream, type MockUpstream } from "../support/index.ts";
import { hello, post, startInProcess, type InProcess } from "./harness.ts";

let mock: MockUpstream;
let gw: InProcess | undefined;
const calls: string[] = [];

beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(() => mock.stop());
beforeEach(() => {
  mock.reset();
  mock.when("POST", "/v1/chat/completions", fixtureReply("openai", "chat.response.json"));
  calls.length = 0;
});
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

/** A plugin that records every hook call as "<name>.<hook>" and then does what `over` says. */
function recorder(name: string, over: Partial<Hooks> = {}): Plugin {
  const p: Plugin = { name };
  for (const hook of HOOK_NAMES) {
    (p as unknown as Record<string, unknown>)[hook] = (payload: unknown) => {
      calls.push(`${name}.${hook}`);
      return (over[hook] as ((x: unknown) => unknown) | undefined)?.(payload);
    };
  }
  return p;
}

async function start(plugins: Array<{ name: string; fail_closed?: boolean; timeout?: string }>, make: Record<string, () => Plugin>) {
  gw = await startInProcess(
    { providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-test" }] } }, failover: { max_attempts: 1 }, plugins },
    Object.fromEntries(Object.entries(make).map(([k, f]) => [k, () => f()])),
  );
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0 });
}

describe("order", () => {
  test("pre hooks in config order, post hooks in reverse", async () => {
    const client = await start([{ name: "a" }, { name: "b" }, { name: "c" }], { a: () => recorder("a"), b: () => recorder("b"), c: () => recorder("c") });
    await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello });
    expect(calls).toEqual([
      "a.preHttp", "b.preHttp", "c.preHttp",
      "a.preLlm", "b.preLlm", "c.preLlm",
      "c.postLlm", "b.postLlm", "a.postLlm",
      "c.postHttp", "b.postHttp", "a.postHttp",
    ]);
  });

  test("stream chunks go through onStreamChunk in reverse order, once per chunk", async () => {
    mock.when("POST", "/v1/chat/completions", sseFixtureReply("openai", "stream.sse"));
    const client = await start([{ name: "a" }, { name: "b" }], { a: () => recorder("a"), b: () => recorder("b") });
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello, stream: true });
    for await (const _ of stream);
    const chunkCalls = calls.filter((c) => c.endsWith("onStreamChunk"));
    expect(chunkCalls.length).toBeGreaterThan(2);
    expect(chunkCalls.slice(0, 2)).toEqual(["b.onStreamChunk", "a.onStreamChunk"]);
    expect(calls.indexOf("a.postLlm")).toBeLessThan(calls.indexOf("b.onStreamChunk"));
  });
});

describe("short-circuit", () => {
  const teapot = { respond: { status: 418, headers: { "x-teapot": "yes" }, error: { message: "I am a teapot.", type: "invalid_request_error", code: "teapot" } } };

  test("a pre-HTTP answer skips later plugins and the upstream; post hooks run for the plugins whose pre ran", async () => {
    const client = await start([{ name: "a" }, { name: "b" }, { name: "c" }], {
      a: () => recorder("a"), b: () => recorder("b", { preHttp: () => teapot }), c: () => recorder("c"),
    });
    const err = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(418);
    expect((err as APIError).code).toBe("teapot");
    expect((err as APIError).headers?.get("x-teapot")).toBe("yes");
    expect((err as APIError).headers?.get("x-request-id")).toMatch(/^req_/);
    expect(calls).toEqual(["a.preHttp", "b.preHttp", "b.postHttp", "a.postHttp"]);
    expect(mock.requests).toHaveLength(0);
  });

  test("a pre-LLM answer (a cached completion) skips the upstream; every post-HTTP hook still runs", async () => {
    const canned = { id: "chatcmpl-canned", object: "chat.completion", created: 1, model: "canned", choices: [{ index: 0, message: { role: "assistant", content: "from the plugin" }, finish_reason: "stop" }] };
    const client = await start([{ name: "a" }, { name: "b" }, { name: "c" }], {
      a: () => recorder("a"), b: () => recorder("b", { preLlm: () => ({ respond: { status: 200, body: canned } }) }), c: () => recorder("c"),
    });
    const res = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello });
    expect(res.choices[0]!.message.content).toBe("from the plugin");
    expect(mock.requests).toHaveLength(0);
    expect(calls).toEqual([
      "a.preHttp", "b.preHttp", "c.preHttp", "a.preLlm", "b.preLlm", "b.postLlm", "a.postLlm", "c.postHttp", "b.postHttp", "a.postHttp",
    ]);
  });
});

describe("modification", () => {
  test("pre-LLM rewrites the request, post-LLM the answer, post-HTTP the headers; `headers` results reach the client", async () => {
    const client = await start([{ name: "m" }], {
      m: () => ({
        name: "m",
        preHttp: () => ({ headers: { "x-from-pre-http": "1" } }),
        preLlm: (p) => ({ modify: { ...p, body: { ...p.body, temperature: 0, model: "openai/gpt-4o" } } }),
        postLlm: (p) => {
          const body = structuredClone(p.body) as OpenAI.ChatCompletion;
          body.choices[0]!.message.content = "rewritten";
          return { modify: { ...p, body } as typeof p };
        },
        postHttp: (p) => ({ modify: { ...p, headers: { ...p.headers, "x-from-post-http": "2" } } }),
      }),
    });
    const { data, response } = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).withResponse();
    expect((mock.requests[0]!.json as { model: string; temperature: number })).toMatchObject({ model: "gpt-4o", temperature: 0 });
    expect(data.choices[0]!.message.content).toBe("rewritten");
    expect(response.headers.get("x-from-pre-http")).toBe("1");
    expect(response.headers.get("x-from-post-http")).toBe("2");
    expect(response.headers.get("x-butter-provider")).toBe("openai");
  });

  test("onStreamChunk can alter and drop chunks; the stream keeps its role, finish and [DONE]", async () => {
    mock.when("POST", "/v1/chat/completions", sseFixtureReply("openai", "stream.sse"));
    const client = await start([{ name: "s" }], {
      s: () => ({
        name: "s",
        onStreamChunk: (p) => {
          if (p.index === 0) return { drop: true };
          const chunk = structuredClone(p.chunk);
          for (const c of chunk.choices) if (typeof c.delta.content === "string") c.delta.content = c.delta.content.toUpperCase();
          return { modify: { ...p, chunk } };
        },
      }),
    });
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(text.toUpperCase());
    expect(text.length).toBeGreaterThan(0);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.filter((c) => c.choices[0]?.finish_reason)).toHaveLength(1);
    expect(chunks.at(-1)!.usage).toBeTruthy();
  });
});

describe("failures", () => {
  test("fail-open: a throwing hook is skipped and logged once per burst, not per request", async () => {
    const warn = spyOn(logger, "warn");
    try {
      const client = await start([{ name: "boom" }], { boom: () => ({ name: "boom", preHttp: () => { throw new Error("kaput"); } }) });
      for (let i = 0; i < 5; i++) await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello });
      const lines = warn.mock.calls.filter(([msg]) => msg === "plugin hook failed");
      expect(lines).toHaveLength(1);
      expect(lines[0]![1]).toMatchObject({ plugin: "boom", hook: "preHttp", reason: "error", error: "kaput" });
      expect(mock.requests).toHaveLength(5);
    } finally {
      warn.mockRestore();
    }
  });

  test("fail-open: a hook over its time budget is skipped", async () => {
    const client = await start([{ name: "slow", timeout: "20ms" }], { slow: () => ({ name: "slow", preLlm: () => new Promise(() => {}) }) });
    const t0 = performance.now();
    const res = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello });
    expect(res.choices[0]!.message.content).toBeTruthy();
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  test("fail-closed: a throwing hook becomes a 503 in the OpenAI envelope and nothing goes upstream", async () => {
    const client = await start([{ name: "boom", fail_closed: true }], { boom: () => ({ name: "boom", preLlm: () => { throw new Error("kaput"); } }) });
    const err = (await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).catch((e: unknown) => e)) as APIError;
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(503);
    expect(err.code).toBe("plugin_failed");
    expect(err.type).toBe("server_error");
    expect(err.message).not.toContain("kaput");
    expect(mock.requests).toHaveLength(0);
  });

  test("fail-closed: a hook over its budget answers 503 plugin_timeout", async () => {
    const client = await start([{ name: "slow", fail_closed: true, timeout: "20ms" }], { slow: () => ({ name: "slow", preHttp: () => new Promise(() => {}) }) });
    const err = (await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: hello }).catch((e: unknown) => e)) as APIError;
    expect(err.status).toBe(503);
    expect(err.code).toBe("plugin_timeout");
  });

  test("fail-closed post-HTTP on a stream: the 503 replaces it, and the stream is cancelled so its exchange ends", async () => {
    mock.when("POST", "/v1/chat/completions", sseFixtureReply("openai", "stream.sse"));
    await start([{ name: "p", fail_closed: true }], { p: () => ({ name: "p", postHttp: () => { throw new Error("no"); } }) });
    const res = await post(gw!.url, "/v1/chat/completions", { model: "openai/gpt-4o-mini", messages: hello, stream: true });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("plugin_failed");
    for (let i = 0; i < 50 && gw!.gen.active !== 0; i++) await Bun.sleep(5);
    expect(gw!.gen.active).toBe(0);
  });

  test("fail-closed on a stream chunk ends the stream with an error event", async () => {
    mock.when("POST", "/v1/chat/completions", sseFixtureReply("openai", "stream.sse"));
    await start([{ name: "s", fail_closed: true }], { s: () => ({ name: "s", onStreamChunk: (p) => { if (p.index === 1) throw new Error("no"); } }) });
    const res = await post(gw!.url, "/v1/chat/completions", { model: "openai/gpt-4o-mini", messages: hello, stream: true });
    const text = await res.text();
    expect(text).toContain('"code":"plugin_failed"');
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });
});

describe("zero-plugin fast path", () => {
  test("no enabled plugin builds no plugin set, so the server calls the engine directly", async () => {
    const opts = { redisUrl: "", telemetry: createTelemetry() };
    expect(await buildPlugins([], opts)).toBeUndefined();
    expect(await buildPlugins([{ name: "logging", enabled: false, fail_closed: false, allowed_hosts: [], config: {} }], opts)).toBeUndefined();
    gw = await startInProcess({ providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-test" }] } } });
    expect(gw.plugins).toBeUndefined();
    const res = await post(gw.url, "/v1/chat/completions", { model: "openai/gpt-4o-mini", messages: hello });
    expect(res.status).toBe(200);
  });

  test("unconfigured plugins are not even loaded: no tracing SDK without tracing, nothing without plugins", async () => {
    const run = async (entries: unknown[]) => {
      const proc = Bun.spawn([process.execPath, `${repoRoot}/test/plugins/fixtures/loaded-modules.ts`, JSON.stringify(entries)], { stdout: "pipe", stderr: "inherit" });
      return JSON.parse(await new Response(proc.stdout).text()) as { enabled: boolean; builtin: string[]; otel: string[] };
    };
    const none = await run([]);
    expect(none).toEqual({ enabled: false, builtin: [], otel: [] });
    const some = await run([{ name: "ratelimit", enabled: true, fail_closed: false, allowed_hosts: [], config: { rate: 1 } }, { name: "metrics", enabled: true, fail_closed: false, allowed_hosts: [], config: {} }]);
    expect(some.builtin.some((m) => m.startsWith("tracing/"))).toBe(false);
    expect(some.otel).not.toContain("sdk-trace-base");
    expect(some.otel).not.toContain("exporter-trace-otlp-http");
    const traced = await run([{ name: "tracing", enabled: true, fail_closed: false, allowed_hosts: [], config: { endpoint: "http://127.0.0.1:4318/v1/traces" } }]);
    expect(traced.otel).toContain("exporter-trace-otlp-http");
  });
});
