// The WASM plugin host through the real server, engine and chain in this process, against a mock
// upstream: loading, config, every hook (payloads seen and rewrites applied), the three client APIs
// in one normalised shape, timeouts, traps, the memory limit, garbage output, pool reuse, and a WASM
// plugin beside the built-ins.
import { describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { post, startInProcess } from "../harness.ts";
import type { WasmPlugin } from "../../../src/plugins/wasm/wasm-plugin.ts";
import { example, fixture, gatewayConfig, MODEL, wasmEntry, wasmGateway } from "./support.ts";

const suite = wasmGateway();

const start = (plugins: unknown[]) => suite.start(plugins);
const openai = () => suite.openai();
const anthropic = () => suite.anthropic();
const chat = (content = "Hello!") => post(suite.gw!.url, "/v1/chat/completions", { model: MODEL, messages: [{ role: "user", content }] });
const wasmPlugin = (i = 0) => suite.gw!.plugins!.chain.plugins[i] as WasmPlugin;
/** The inputs the inspect fixture logged for `hook`, parsed. */
const seen = (hook: string) => suite.logs.lines.filter((l) => l.msg === `wasm ${hook}`).map((l) => JSON.parse(l.input as string) as Record<string, any>);

describe("loading and config", () => {
  test("the config map reaches the plugin: strings as they are, other values JSON-encoded", async () => {
    await start([wasmEntry("inspect", fixture("inspect"), { config: { tag: "blue", n: 3, nested: { a: [1, "x"] } } })]);
    const res = await chat();
    expect(res.status).toBe(200);
    expect(res.headers.get("x-wasm-tag")).toBe("blue");
    expect(res.headers.get("x-wasm-n")).toBe("3");
    expect(res.headers.get("x-wasm-nested")).toBe('{"a":[1,"x"]}');
    expect(wasmPlugin().exported).toEqual(["pre_http", "pre_llm", "post_llm", "post_http", "on_stream_chunk"]);
  });

  test("guest log lines carry the plugin's name and the request id", async () => {
    await start([wasmEntry("inspect", fixture("inspect"))]);
    const res = await chat();
    const line = suite.logs.lines.find((l) => l.msg === "wasm pre_llm")!;
    expect(line).toMatchObject({ level: "info", plugin: "inspect", request_id: res.headers.get("x-request-id") });
  });

  test("a missing file, a file that is not WebAssembly, and a module with no hook are config errors naming plugins[i].wasm", async () => {
    const bad = `${import.meta.dir}/fixtures/not-wasm.tmp`;
    await Bun.write(bad, "this is not wasm");
    try {
      const cases: [string, RegExp][] = [
        [fixture("does-not-exist"), /plugins\[1\]\.wasm: cannot read .*does-not-exist\.wasm \(ENOENT\)/],
        [bad, /plugins\[1\]\.wasm: .*not a WebAssembly module/],
        [fixture("no-hooks"), /plugins\[1\]\.wasm: .*exports none of the hooks/],
      ];
      for (const [path, message] of cases) {
        await expect(startInProcess(gatewayConfig(suite.mock.url, [{ name: "logging" }, wasmEntry("x", path)]))).rejects.toThrow(message);
      }
    } finally {
      await Bun.file(bad).delete();
    }
  });

  test("a module importing WASI (or anything the host does not provide) is refused: no filesystem", async () => {
    // (module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))))
    const wasi = Uint8Array.of(
      0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
      1, 9, 1, 0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f,
      2, 35, 1, 22, ...new TextEncoder().encode("wasi_snapshot_preview1"), 8, ...new TextEncoder().encode("fd_write"), 0, 0,
    );
    const path = `${import.meta.dir}/fixtures/wasi.tmp`;
    await Bun.write(path, wasi);
    try {
      await expect(startInProcess(gatewayConfig(suite.mock.url, [wasmEntry("x", path)]))).rejects.toThrow(/plugins\[0\]\.wasm: .*wasi_snapshot_preview1\.fd_write, which the host does not provide/);
    } finally {
      await Bun.file(path).delete();
    }
  });
});

describe("every hook", () => {
  test("each hook gets its payload as JSON, with the client API", async () => {
    await start([wasmEntry("inspect", fixture("inspect"))]);
    const res = await chat();
    const id = res.headers.get("x-request-id");
    expect(seen("pre_http")[0]).toMatchObject({ request_id: id, api: "chat_completions", method: "POST", path: "/v1/chat/completions" });
    expect(seen("pre_http")[0]!.headers["content-type"]).toBe("application/json");
    expect(seen("pre_llm")[0]).toMatchObject({ request_id: id, api: "chat_completions", operation: "chat", body: { model: MODEL, messages: [{ role: "user", content: "Hello!" }] } });
    expect(seen("post_llm")[0]).toMatchObject({ request_id: id, api: "chat_completions", provider: "groq", stream: false, body: { object: "chat.completion" } });
    expect(seen("post_http")[0]).toMatchObject({ request_id: id, api: "chat_completions", status: 200 });
    expect(seen("on_stream_chunk")).toEqual([]);

    const stream = await openai().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hi" }], stream: true });
    for await (const _ of stream) void _;
    // A sandboxed plugin sees that credentials were sent, never their values.
    const credentials = seen("pre_http").at(-1)!.headers;
    expect(credentials.authorization).toBe("***");
    expect(JSON.stringify(seen("pre_http"))).not.toContain("unused");
    const chunks = seen("on_stream_chunk");
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(chunks[1]).toMatchObject({ api: "chat_completions", chunk: { object: "chat.completion.chunk", choices: [{ delta: { content: "Hello" } }] } });
  });

  test("pre_llm rewrites the request, post_llm the answer, post_http the response headers", async () => {
    await start([wasmEntry("rewrite", fixture("rewrite"))]);
    const { data, response } = await openai().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hello!" }] }).withResponse();
    expect((suite.mock.requests[0]!.json as { messages: { content: string }[] }).messages[0]!.content).toBe("Howdy!");
    expect(data.choices[0]!.message.content).toBe("[wasm]Hello! How can I assist you today?");
    expect(response.headers.get("x-post-http")).toBe("chat_completions");
  });

  test("on_stream_chunk rewrites chunks and drops one", async () => {
    await start([wasmEntry("rewrite", fixture("rewrite"))]);
    const stream = await openai().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hello!" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    // Chunk 0 ("") and chunk 2 ("!") are prefixed; chunk 1 ("Hello") is dropped.
    expect(text).toBe("[chunk][chunk]!");
  });
});

describe("the three client APIs, one normalised shape", () => {
  const userText = (body: Record<string, any>): string => {
    const user = (body.messages as { role: string; content: unknown }[]).find((m) => m.role === "user")!;
    return typeof user.content === "string" ? user.content : (user.content as { text: string }[]).map((p) => p.text).join("");
  };

  test("Chat (openai), Messages (@anthropic-ai/sdk) and Responses (openai responses.create) reach pre_llm as chat requests", async () => {
    await start([wasmEntry("inspect", fixture("inspect"))]);
    await openai().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "from chat" }] });
    await anthropic().messages.create({ model: MODEL, max_tokens: 20, messages: [{ role: "user", content: "from messages" }] });
    await openai().responses.create({ model: MODEL, input: "from responses", store: false });
    const inputs = seen("pre_llm");
    expect(inputs.map((i) => i.api)).toEqual(["chat_completions", "messages", "responses"]);
    expect(inputs.map((i) => i.operation)).toEqual(["chat", "chat", "chat"]);
    expect(inputs.map((i) => userText(i.body))).toEqual(["from chat", "from messages", "from responses"]);
    for (const i of inputs) expect(i.body.model).toBe(MODEL);
    expect(seen("pre_http").map((i) => i.api)).toEqual(["chat_completions", "messages", "responses"]);
  });

  test("embeddings requests say so too", async () => {
    suite.gw = await startInProcess({
      ...gatewayConfig(suite.mock.url, [wasmEntry("inspect", fixture("inspect"))]),
      providers: { openai: { base_url: `${suite.mock.url}/openai-root`, keys: [{ value: "sk-test" }] } },
    });
    await openai().embeddings.create({ model: "openai/text-embedding-3-small", input: "embed me" });
    expect(seen("pre_llm")[0]).toMatchObject({ api: "embeddings", operation: "embeddings", body: { input: "embed me" } });
  });

  test("word-block answers 400 in each API's own envelope, with no upstream call", async () => {
    await start([wasmEntry("word-block", example("word-block"), { config: { words: ["forbidden"] } })]);
    const chatErr = await openai().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "a FORBIDDEN word" }] }).catch((e: unknown) => e);
    expect(chatErr).toBeInstanceOf(OpenAI.BadRequestError);
    expect((chatErr as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("word_blocked");
    const msgErr = await anthropic().messages.create({ model: MODEL, max_tokens: 20, messages: [{ role: "user", content: "forbidden" }] }).catch((e: unknown) => e);
    expect(msgErr).toBeInstanceOf(Anthropic.BadRequestError);
    expect((msgErr as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const respErr = await openai().responses.create({ model: MODEL, input: "forbidden", store: false }).catch((e: unknown) => e);
    expect(respErr).toBeInstanceOf(OpenAI.BadRequestError);
    expect(suite.mock.requests.length).toBe(0);
    expect(suite.logs.lines.filter((l) => l.msg === "word-block: request blocked").length).toBe(3);
    // A request without the word goes through.
    expect((await chat("all fine")).status).toBe(200);
  });
});

describe("failures: fail-open skips, fail-closed answers 503", () => {
  for (const failClosed of [false, true]) {
    const mode = failClosed ? "fail-closed" : "fail-open";

    test(`${mode}: a call looping forever is interrupted at its timeout and its instance replaced`, async () => {
      await start([wasmEntry("loop", fixture("loop"), { timeout: "30ms", fail_closed: failClosed })]);
      const started = performance.now();
      const res = await chat();
      expect(performance.now() - started).toBeLessThan(5000);
      if (failClosed) {
        expect(res.status).toBe(503);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("plugin_timeout");
        expect(suite.mock.requests.length).toBe(0);
      } else {
        expect(res.status).toBe(200);
        expect(suite.mock.requests.length).toBe(1);
      }
      expect(suite.logs.lines.some((l) => l.msg === "plugin hook failed" && l.reason === "timeout" && l.plugin === "loop")).toBe(true);
      expect(wasmPlugin().pool.discarded).toBe(1);
      // The next call gets a fresh instance and works.
      expect((await chat("quick")).status).toBe(200);
      expect(wasmPlugin().pool.created).toBe(2);
    });

    for (const how of ["unreachable", "abort", "error", "nonzero"]) {
      test(`${mode}: a plugin failing by ${how}`, async () => {
        await start([wasmEntry("trap", fixture("trap"), { config: { how }, fail_closed: failClosed })]);
        const res = await chat();
        if (failClosed) {
          expect(res.status).toBe(503);
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe("plugin_failed");
        } else expect(res.status).toBe(200);
        expect(suite.logs.lines.some((l) => l.msg === "plugin hook failed" && l.plugin === "trap" && l.reason === "error")).toBe(true);
        // Still serving.
        expect((await chat()).status).toBe(failClosed ? 503 : 200);
      });
    }

    test(`${mode}: a plugin growing past memory_limit fails; under it, it runs`, async () => {
      await start([
        wasmEntry("hog", fixture("hog"), { memory_limit: "4MB", fail_closed: failClosed }),
      ]);
      const res = await chat();
      expect(res.status).toBe(failClosed ? 503 : 200);
      expect(wasmPlugin().pool.discarded).toBe(1);
      expect(suite.logs.lines.some((l) => l.msg === "plugin hook failed" && /^out of memory, likely: .* of memory_limit 4000000 in use$/.test(String(l.error)))).toBe(true);
      await suite.gw!.stop();
      suite.gw = undefined;
      await start([wasmEntry("hog", fixture("hog"), { memory_limit: "8MB", fail_closed: true, config: { mb: 2 } })]);
      expect((await chat()).status).toBe(200);
    });
  }

  const GARBAGE = [
    "not json",
    "[1,2,3]",
    "null",
    '{"respond":{"status":"400"}}',
    '{"respond":{"status":99}}',
    '{"respond":{"status":400,"error":{"message":5}}}',
    '{"headers":{"bad name":"v"}}',
    '{"headers":{"x-ok":"line\\r\\nbreak"}}',
    '{"headers":{"x-ok":5}}',
    '{"unknown":true}',
    '{"modify":{"body":null}}',
    '{"modify":{"body":{"messages":[]}}}',
    '{"modify":[]}',
    '{"drop":true}',
    '{"log":{"level":"shout","message":"x"}}',
    '{"log":{"level":"info","message":"x","fields":{"a":{"nested":1}}}}',
    '{"a":' + "[".repeat(5000),
  ];
  for (const output of GARBAGE) {
    test(`garbage output ${JSON.stringify(output).slice(0, 60)}: skipped fail-open, 503 fail-closed`, async () => {
      await start([
        wasmEntry("open", fixture("garbage"), { config: { output } }),
      ]);
      expect((await chat()).status).toBe(200);
      expect(suite.logs.lines.some((l) => l.msg === "plugin hook failed" && l.plugin === "open" && String(l.error).startsWith("plugin output"))).toBe(true);
      await suite.gw!.stop();
      suite.gw = undefined;
      await start([wasmEntry("closed", fixture("garbage"), { config: { output }, fail_closed: true })]);
      const res = await chat();
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("plugin_failed");
    });
  }

  test("empty output and {} both mean continue", async () => {
    for (const output of ["", "{}"]) {
      await start([wasmEntry("garbage", fixture("garbage"), { config: { output }, fail_closed: true })]);
      expect((await chat()).status).toBe(200);
      await suite.gw!.stop();
      suite.gw = undefined;
    }
  });

  test("a log field cannot overwrite the line's own fields or the plugin's identity", async () => {
    const output = JSON.stringify({ log: { level: "warn", message: "hi", fields: { plugin: "other", request_id: "forged", msg: "x", level: "error", ok: true } } });
    await start([wasmEntry("garbage", fixture("garbage"), { config: { output }, fail_closed: true })]);
    const res = await chat();
    expect(res.status).toBe(200);
    expect(suite.logs.lines.find((l) => l.msg === "hi")).toMatchObject({ level: "warn", plugin: "garbage", request_id: res.headers.get("x-request-id"), ok: true });
  });
});

describe("pool and chain", () => {
  test("200 concurrent requests reuse one instance (calls are synchronous: never more than the pool size)", async () => {
    await start([wasmEntry("inspect", fixture("inspect"))]);
    const answers = await Promise.all(Array.from({ length: 200 }, () => chat()));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    const pool = wasmPlugin().pool;
    expect(pool.created).toBeLessThanOrEqual(pool.size);
    expect(pool.created).toBe(1);
    expect(seen("pre_llm").length).toBe(200);
  });

  test("a WASM plugin in one chain with ratelimit, logging and metrics", async () => {
    await start([
      { name: "ratelimit", config: { mode: "global", rate: 1, burst: 2, backend: "memory" } },
      { name: "logging" },
      { name: "metrics" },
      wasmEntry("tagger", example("header-tag"), { config: { name: "x-tagged", value: "yes" } }),
    ]);
    const first = await chat();
    expect(first.status).toBe(200);
    expect(first.headers.get("x-tagged")).toBe("yes");
    expect((await chat()).status).toBe(200);
    // The bucket is empty: the rate limiter answers before the WASM plugin runs (it comes later in the chain).
    const limited = await chat();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-tagged")).toBeNull();
    const text = await suite.gw!.plugins!.scrape()!;
    expect(text).toMatch(/status="429"/);
    // The access log is batched: closing the generation flushes it.
    await suite.gw!.stop();
    suite.gw = undefined;
    const access = suite.logs.lines.filter((l) => typeof l.status === "number" && "latency_ms" in l);
    expect(access.map((l) => l.status)).toEqual([200, 200, 429]);
  });
});
