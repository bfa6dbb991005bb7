// Cost end to end: a gateway in front of a mock speaking each provider family's wire format. The
// expected costs are hand calculations from the shipped table's own numbers (read here straight from
// the package), so the tests follow price changes but still check the arithmetic.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { calcPrice } from "@pydantic/genai-prices";
import { json, sse, startGateway, startMockUpstream, type Gateway, type MockUpstream, type RecordedRequest, type Reply } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, newAppKey } from "../keys/support.ts";

const dir = mkdtempSync(join(tmpdir(), "butter-cost-"));
let mock: MockUpstream;
let gw: Gateway;

/** The table's flat (below any long-context tier) USD per 1M tokens for one price key. */
function tablePrice(providerId: string, model: string, key: string): number {
  const found = calcPrice({}, model, { providerId });
  if (found === null) throw new Error(`no table price for ${providerId}/${model}`);
  const p = found.model_price[key];
  if (p === undefined) throw new Error(`no ${key} for ${providerId}/${model}`);
  return typeof p === "number" ? p : p.base;
}

const OPENAI_USAGE = {
  prompt_tokens: 1000, completion_tokens: 300, total_tokens: 1300,
  prompt_tokens_details: { cached_tokens: 400 }, completion_tokens_details: { reasoning_tokens: 200 },
};

function openaiReply(req: RecordedRequest): Reply {
  const body = req.json as { model: string; stream?: boolean };
  if (body.model === "gpt-4o") return json({ error: { message: "overloaded", type: "server_error" } }, { status: 500 });
  const base = { id: "chatcmpl-c", created: 1, model: body.model };
  const usage = body.model === "openrouter-priced" ? { ...OPENAI_USAGE, cost: 0.00123456789 } : OPENAI_USAGE;
  if (body.stream !== true) {
    return json({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }], usage });
  }
  const chunk = { ...base, object: "chat.completion.chunk" };
  if (body.model === "slow-no-usage") {
    return sse(Array.from({ length: 30 }, () => ({ ...chunk, choices: [{ index: 0, delta: { content: "." }, finish_reason: null }] })), { chunkDelayMs: 50 });
  }
  if (body.model === "usage-then-slow") {
    // Usage arrives early (as some providers send it), then the answer dawdles and the client leaves.
    return sse([
      { ...chunk, choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] },
      { ...chunk, choices: [], usage },
      ...Array.from({ length: 20 }, () => ({ ...chunk, choices: [{ index: 0, delta: { content: "." }, finish_reason: null }] })),
      "data: [DONE]\n\n",
    ], { chunkDelayMs: 100 });
  }
  return sse([
    { ...chunk, choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] },
    { ...chunk, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
    { ...chunk, choices: [], usage },
    "data: [DONE]\n\n",
  ]);
}

function anthropicReply(req: RecordedRequest): Reply {
  const body = req.json as { model: string };
  return json({
    id: "msg_c", type: "message", role: "assistant", model: body.model, content: [{ type: "text", text: "Hi" }],
    stop_reason: "end_turn", stop_sequence: null,
    usage: {
      input_tokens: 100, cache_creation_input_tokens: 500, cache_read_input_tokens: 2000, output_tokens: 50,
      // Anthropic splits the writes by lifetime; 1-hour writes cost more than 5-minute ones.
      ...(body.model === "claude-opus-4-1" ? { cache_creation: { ephemeral_5m_input_tokens: 200, ephemeral_1h_input_tokens: 300 } } : {}),
    },
  });
}

function geminiReply(): Reply {
  return json({
    candidates: [{ content: { parts: [{ text: "Hi" }], role: "model" }, finishReason: "STOP", index: 0 }],
    modelVersion: "gemini-2.5-flash",
    usageMetadata: { promptTokenCount: 1000, cachedContentTokenCount: 600, candidatesTokenCount: 10, thoughtsTokenCount: 40, totalTokenCount: 1050 },
  });
}

function config(overrides: Record<string, unknown>): Record<string, unknown> {
  const key = [{ value: "sk-upstream" }];
  return {
    store: `sqlite:${join(dir, "cost.db")}`,
    admin: { token: ADMIN_TOKEN },
    app_keys: { flush_interval: "100ms" },
    plugins: [{ name: "logging" }, { name: "metrics" }],
    cache: { backend: "memory" },
    providers: {
      openai: { base_url: `${mock.url}/openai/v1`, keys: key },
      openrouter: { base_url: `${mock.url}/openrouter/v1`, keys: key },
      anthropic: { base_url: `${mock.url}/anthropic`, keys: key },
      gemini: { base_url: `${mock.url}/gemini`, keys: key },
    },
    routes: { fo: { targets: [{ provider: "openai", model: "gpt-4o" }, { provider: "openai", model: "gpt-4o-mini" }] } },
    failover: { backoff: { initial: "1ms", max: "1ms" } },
    pricing: { overrides: { "usage-then-slow": { input: 1, output: 2 }, "slow-no-usage": { input: 1000, output: 1000 }, ...overrides } },
  };
}

beforeAll(async () => {
  mock = await startMockUpstream();
  mock.when("*", "*", (req) => {
    const path = new URL(req.url).pathname;
    if (path.startsWith("/anthropic/")) return anthropicReply(req);
    if (path.startsWith("/gemini/")) return geminiReply();
    return openaiReply(req);
  });
  gw = await startGateway(config({ "my-finetune": { input: 1, output: 4 } }));
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function chat(model: string, opts: { stream?: boolean; headers?: Record<string, string>; temperature?: number } = {}): Promise<Response> {
  const body: Record<string, unknown> = { model, messages: [{ role: "user", content: `Hello ${Math.random()}` }] };
  if (opts.stream) body.stream = true;
  if (opts.temperature !== undefined) body.temperature = opts.temperature;
  const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json", ...opts.headers }, body: JSON.stringify(body),
  });
  await res.clone().text();
  return res;
}

async function accessOf(res: Response): Promise<Record<string, unknown>> {
  const id = res.headers.get("x-request-id");
  await gw.waitForLog((_l, j) => j?.msg === "access" && j.request_id === id);
  return gw.jsonLogs().find((j) => j.msg === "access" && j.request_id === id)!;
}

describe("priced from the shipped table", () => {
  test("openai: uncached input, cached input and output (reasoning inside output) each at their rate", async () => {
    const [input, cached, output] = ["input_mtok", "cache_read_mtok", "output_mtok"].map((k) => tablePrice("openai", "gpt-4o-mini", k)) as [number, number, number];
    const expected = (600 * input + 400 * cached + 300 * output) / 1e6;
    expect(expected).toBeGreaterThan(0);
    const res = await chat("openai/gpt-4o-mini");
    expect(res.status).toBe(200);
    expect(Number(res.headers.get("x-butter-cost-usd"))).toBeCloseTo(expected, 15);
    expect((await accessOf(res)).cost_usd).toBeCloseTo(expected, 15);
  });

  test("anthropic: cache reads and cache writes at their own rates", async () => {
    const model = "claude-sonnet-4-5";
    const [input, read, write, output] = ["input_mtok", "cache_read_mtok", "cache_write_mtok", "output_mtok"].map((k) => tablePrice("anthropic", model, k)) as [number, number, number, number];
    expect(write).toBeGreaterThan(input);
    const expected = (100 * input + 2000 * read + 500 * write + 50 * output) / 1e6;
    const res = await chat(`anthropic/${model}`);
    expect(res.status).toBe(200);
    expect(Number(res.headers.get("x-butter-cost-usd"))).toBeCloseTo(expected, 15);
  });

  test("anthropic: 1-hour cache writes at their own (higher) rate, the 5-minute ones at theirs", async () => {
    const model = "claude-opus-4-1";
    const [input, read, write, write1h, output] = ["input_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok", "output_mtok"].map((k) => tablePrice("anthropic", model, k)) as [number, number, number, number, number];
    expect(write1h).toBeGreaterThan(write);
    const expected = (100 * input + 2000 * read + 200 * write + 300 * write1h + 50 * output) / 1e6;
    const res = await chat(`anthropic/${model}`);
    expect(res.status).toBe(200);
    expect(Number(res.headers.get("x-butter-cost-usd"))).toBeCloseTo(expected, 15);
  });

  test("gemini: cached content and thinking tokens (billed as output)", async () => {
    const [input, cached, output] = ["input_mtok", "cache_read_mtok", "output_mtok"].map((k) => tablePrice("google", "gemini-2.5-flash", k)) as [number, number, number];
    const expected = (400 * input + 600 * cached + 50 * output) / 1e6;
    expect(expected).toBeGreaterThan(0);
    const res = await chat("gemini/gemini-2.5-flash");
    expect(res.status).toBe(200);
    expect(Number(res.headers.get("x-butter-cost-usd"))).toBeCloseTo(expected, 15);
  });

  test("a provider's own reported cost (OpenRouter usage.cost) is used as it is", async () => {
    const res = await chat("openrouter/openrouter-priced");
    expect(res.headers.get("x-butter-cost-usd")).toBe("0.00123456789");
  });
});

test("an override prices a model the table lacks; a reload picks up a changed override", async () => {
  const res = await chat("openai/my-finetune");
  // 600 + 400 cached (no cache_read rate: billed as input) at $1/M, 300 output at $4/M.
  expect(res.headers.get("x-butter-cost-usd")).toBe("0.0022");
  gw.writeConfig(config({ "my-finetune": { input: "0.5", output: 2, cache_read: 0.05 } }));
  gw.signal("SIGHUP");
  let header: string | null = null;
  for (let i = 0; i < 40 && header !== "0.00092"; i++) {
    await Bun.sleep(50);
    header = (await chat("openai/my-finetune")).headers.get("x-butter-cost-usd");
  }
  // 600 × 0.5 + 400 × 0.05 + 300 × 2, per 1M.
  expect(header).toBe("0.00092");
});

test("a stream is priced the same as the equivalent JSON answer", async () => {
  const json = await accessOf(await chat("openai/gpt-4o-mini"));
  const res = await chat("openai/gpt-4o-mini", { stream: true });
  expect(res.headers.get("x-butter-cost-usd")).toBeNull();
  const streamed = await accessOf(res);
  expect(streamed.stream).toBe(true);
  expect(streamed.cost_usd).toBe(json.cost_usd as number);
  expect(streamed.cost_usd as number).toBeGreaterThan(0);
});

test("a cache hit costs 0 and does not carry the original cost", async () => {
  const body = JSON.stringify({ model: "openai/gpt-4o-mini", temperature: 0, messages: [{ role: "user", content: "cache me" }] });
  const send = () => fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const first = await send();
  await first.text();
  expect(first.headers.get("x-butter-cache")).toBe("miss");
  expect(Number(first.headers.get("x-butter-cost-usd"))).toBeGreaterThan(0);
  const hit = await send();
  await hit.text();
  expect(hit.headers.get("x-butter-cache")).toBe("hit");
  expect(hit.headers.get("x-butter-cost-usd")).toBe("0");
  expect((await accessOf(hit)).cost_usd).toBe(0);
});

test("failover prices the model that answered, not the one asked for first", async () => {
  const res = await chat("fo");
  expect(res.status).toBe(200);
  expect(res.headers.get("x-butter-attempts")).toBe("2");
  const line = await accessOf(res);
  expect(line.model).toBe("gpt-4o-mini");
  const mini = await chat("openai/gpt-4o-mini");
  expect(res.headers.get("x-butter-cost-usd")).toBe(mini.headers.get("x-butter-cost-usd"));
});

test("a model without a price costs 0 and is logged once as unpriced", async () => {
  for (let i = 0; i < 3; i++) expect((await chat("openai/nobody-prices-this")).headers.get("x-butter-cost-usd")).toBe("0");
  await gw.waitForLog((_l, j) => j?.msg?.toString().startsWith("unpriced model") === true && j.model === "nobody-prices-this");
  await Bun.sleep(100);
  expect(gw.jsonLogs().filter((j) => String(j.msg).startsWith("unpriced model") && j.model === "nobody-prices-this")).toHaveLength(1);
});

test("per key: usage.cost_usd in the admin API and butter_cost_usd_total on /metrics, exactly summed", async () => {
  const admin = adminOf(gw);
  const { id, key } = await newAppKey(admin, { name: "spender" });
  const one = Number((await chat("openai/my-finetune")).headers.get("x-butter-cost-usd"));
  expect(one).toBeGreaterThan(0);
  for (let i = 0; i < 9; i++) expect((await chat("openai/my-finetune", { headers: { authorization: `Bearer ${key}` }, stream: i % 2 === 0 })).status).toBe(200);
  let usage: { cost_usd: number; requests: number } | undefined;
  for (let i = 0; i < 40; i++) {
    usage = (await admin("GET", `/admin/keys/${id}`)).body.usage as typeof usage;
    if (usage?.requests === 9) break;
    await Bun.sleep(50);
  }
  expect(usage!.requests).toBe(9);
  expect(usage!.cost_usd).toBe(Number((one * 9).toFixed(12)));
  const metrics = await (await fetch(`${gw.baseURL}/metrics`)).text();
  const line = metrics.split("\n").find((l) => l.startsWith("butter_cost_usd_total{") && l.includes(`app_key="${id}"`) && l.includes('model="my-finetune"'));
  expect(line).toBeDefined();
  expect(line).toContain('provider="openai"');
  expect(Number(line!.split(" ").at(-1))).toBeCloseTo(one * 9, 12);
});

test("Messages (/v1/messages) is priced like chat: same header from the OpenAI-shaped usage", async () => {
  const chatCost = (await chat("anthropic/claude-sonnet-4-5")).headers.get("x-butter-cost-usd");
  const res = await fetch(`${gw.baseURL}/v1/messages`, {
    method: "POST", headers: { "content-type": "application/json", "x-api-key": "x", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "anthropic/claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "Hello" }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
  expect(Number(chatCost)).toBeGreaterThan(0);
  expect(res.headers.get("x-butter-cost-usd")).toBe(chatCost);
});

/** Starts a stream with `body`, reads its first chunk, leaves after `ms`; the request's access-log line. */
async function cancelledAfter(body: RequestInit["body"], ms: number): Promise<Record<string, unknown>> {
  const ac = new AbortController();
  const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json" }, signal: ac.signal, body, duplex: "half",
  } as RequestInit);
  expect(res.status).toBe(200);
  const id = res.headers.get("x-request-id");
  await res.body!.getReader().read();
  await Bun.sleep(ms);
  ac.abort();
  await gw.waitForLog((_l, j) => j?.msg === "access" && j.request_id === id);
  const line = gw.jsonLogs().find((j) => j.msg === "access" && j.request_id === id)!;
  expect(line.error_kind).toBe("client_closed");
  return line;
}

test("a stream the client cancels is priced from the usage the provider had already reported", async () => {
  const line = await cancelledAfter(JSON.stringify({ model: "openai/usage-then-slow", stream: true, messages: [{ role: "user", content: "Hello" }] }), 400);
  // 600 + 400 cached at $1/M (no cache_read rate), 300 output at $2/M.
  expect(line.cost_usd).toBe(0.0016);
});

test("a stream cancelled before any usage is priced from an estimate, marked cost_estimated", async () => {
  const line = await cancelledAfter(JSON.stringify({ model: "openai/slow-no-usage", stream: true, messages: [{ role: "user", content: "x".repeat(4000) }] }), 200);
  expect(line.cost_estimated).toBe(true);
  expect(line.prompt_tokens).toBeNull();
  // The body's 4,086 bytes at ~4 bytes a token (1,022 tokens) plus a few chunks, at $1000/M each.
  expect(line.cost_usd as number).toBeGreaterThan(1.022);
  expect(line.cost_usd as number).toBeLessThan(1.04);
});

test("a chunked request body (no Content-Length) is counted as it arrives for the cancelled-stream estimate", async () => {
  const bytes = new TextEncoder().encode(JSON.stringify({ model: "openai/slow-no-usage", stream: true, messages: [{ role: "user", content: "y".repeat(4000) }] }));
  const thirds = [bytes.subarray(0, 1000), bytes.subarray(1000, 3000), bytes.subarray(3000)];
  const line = await cancelledAfter(new ReadableStream({ start(c) { for (const t of thirds) c.enqueue(t); c.close(); } }), 200);
  expect(line.cost_estimated).toBe(true);
  // The whole body at ~4 bytes a token (1,022 tokens) plus a few chunks, at $1000/M each.
  expect(line.cost_usd as number).toBeGreaterThan(Math.ceil(bytes.length / 4) / 1000);
  expect(line.cost_usd as number).toBeLessThan(1.04);
});

test("a stream that ends normally is never marked estimated", async () => {
  const line = await accessOf(await chat("openai/gpt-4o-mini", { stream: true }));
  expect(line.cost_estimated).toBeUndefined();
});
