// Bun's fetch sends at most 256 requests at once unless BUN_CONFIG_MAX_HTTP_REQUESTS says otherwise
// (read when the process starts). A gateway holds an upstream request open for a whole answer, so
// `npm start` raises the limit; a process started without it warns. The client here is Butter's own
// HTTP/1.1 client, which has no such limit (the test runner's fetch has it too).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Http1Client } from "../../src/transport/http1-client.ts";
import { startGateway, type Gateway } from "../support/index.ts";

const ROOT = join(import.meta.dir, "../..");
const CONCURRENT = 300;
const COMPLETION = JSON.stringify({
  id: "chatcmpl-c", object: "chat.completion", created: 1, model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

// Each request is held until CONCURRENT are in flight at once, or HOLD_MS passed: the peak is how
// many the gateway managed to send at the same time.
const HOLD_MS = 1500;
let inflight = 0;
let peak = 0;
let release: (() => void) | undefined;
let all = new Promise<void>((resolve) => (release = resolve));
const upstream = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req) {
    await req.arrayBuffer();
    inflight++;
    peak = Math.max(peak, inflight);
    if (inflight >= CONCURRENT) release!();
    await Promise.race([all, Bun.sleep(HOLD_MS)]);
    inflight--;
    return new Response(COMPLETION, { headers: { "content-type": "application/json" } });
  },
});

afterAll(() => upstream.stop(true));

const config = () => ({ providers: { openai: { base_url: `http://127.0.0.1:${upstream.port}/v1`, keys: [{ value: "sk-c" }] } } });
const client = new Http1Client();

async function burst(gw: Gateway): Promise<number[]> {
  peak = 0;
  all = new Promise<void>((resolve) => (release = resolve));
  const body = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  return Promise.all(Array.from({ length: CONCURRENT }, async () => {
    const res = await client.fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json" } });
    await res.text();
    return res.status;
  }));
}

const warned = (gw: Gateway) => gw.jsonLogs().some((j) => j.level === "warn" && String(j.msg).includes("BUN_CONFIG_MAX_HTTP_REQUESTS"));

describe("upstream requests at once", () => {
  let started: Gateway;
  beforeAll(async () => {
    // Exactly what `npm start` runs (its script from package.json), without a limit inherited from here.
    const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
    started = await startGateway(config(), { command: ["bash", "-c", `${script} "$@"`, "butter"], env: { BUN_CONFIG_MAX_HTTP_REQUESTS: undefined } });
  });
  afterAll(() => started?.stop());

  test(`started by npm start, ${CONCURRENT} requests reach the upstream at once, and nothing warns`, async () => {
    const statuses = await burst(started);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(peak).toBe(CONCURRENT);
    expect(warned(started)).toBe(false);
  }, 20_000);

  test("started without the limit raised, it warns at start, and Bun holds its upstream requests to 256 at once", async () => {
    // fetch named: the default client is http1, which has no such limit.
    const gw = await startGateway({ ...config(), server: { address: "127.0.0.1:0", upstream_client: "fetch" } }, { env: { BUN_CONFIG_MAX_HTTP_REQUESTS: undefined } });
    try {
      await gw.waitForLog((_, j) => j?.level === "warn" && String(j.msg).includes("BUN_CONFIG_MAX_HTTP_REQUESTS") && j.max_upstream_requests === 256);
      const statuses = await burst(gw);
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(peak).toBe(256);
    } finally {
      await gw.stop();
    }
  }, 20_000);

  test("with upstream_client: http1 there is no such limit and no warning", async () => {
    const gw = await startGateway({ ...config(), server: { address: "127.0.0.1:0", upstream_client: "http1" } }, { env: { BUN_CONFIG_MAX_HTTP_REQUESTS: undefined } });
    try {
      const statuses = await burst(gw);
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(peak).toBe(CONCURRENT);
      // Checked after the burst: every start-up line has arrived by then.
      expect(warned(gw)).toBe(false);
    } finally {
      await gw.stop();
    }
  }, 20_000);
});
