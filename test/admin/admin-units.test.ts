// The admin views' parts on their own: the ring's bounds, resize and tail; sessions' expiry and the
// wrong-token window (with an injected clock); the config redaction against every place a secret can sit.
import * as v from "valibot";
import { describe, expect, test } from "bun:test";
import { configSchema } from "../../src/config/schema.ts";
import { redactedConfig, secretsOf } from "../../src/config/redacted.ts";
import { RequestRing, medianLatency } from "../../src/observability/request-ring.ts";
import type { AttemptRecord, RequestRecord } from "../../src/observability/events.ts";
import { SESSION_TTL_MS, Sessions, WRONG_SIGN_INS } from "../../src/server/admin/sessions.ts";

function record(i: number, extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: `r${i}`, method: "POST", path: "/v1/chat/completions", startedAt: 0, endedAt: 5, route: "fast", requestedModel: "fast",
    provider: i % 2 === 0 ? "openai" : "anthropic", model: "m", status: i % 3 === 0 ? 502 : 200, attempts: 1, promptTokens: 1,
    completionTokens: 2, costPico: 1_000_000n, cache: undefined, appKeyId: undefined, errorKind: undefined, stream: false,
    finishReason: "stop", answeredBy: undefined, requestBody: { secret: "body" }, responseBody: { secret: "answer" },
    ...extra,
  } as unknown as RequestRecord;
}

describe("request ring", () => {
  test("keeps the last N, newest first, whatever is pushed; never a body", () => {
    const ring = new RequestRing(3);
    expect(ring.list({ limit: 10 })).toEqual([]);
    for (let i = 1; i <= 10; i++) ring.push(record(i));
    const ids = ring.list({ limit: 10 }).map((v) => v.id);
    expect(ids).toEqual(["r10", "r9", "r8"]);
    expect(JSON.stringify(ring.list({ limit: 10 }))).not.toContain("secret");
    expect(ring.list({ limit: 1 }).map((v) => v.id)).toEqual(["r10"]);
    expect(ring.list({ limit: 10, provider: "openai" }).map((v) => v.id)).toEqual(["r10", "r8"]);
    expect(ring.list({ limit: 10, status: "5xx" }).map((v) => v.id)).toEqual(["r9"]);
    expect(ring.list({ limit: 10, status: "ok" }).map((v) => v.id)).toEqual(["r10", "r8"]);
  });

  test("resizing keeps the newest entries that fit, in order", () => {
    const ring = new RequestRing(5);
    for (let i = 1; i <= 7; i++) ring.push(record(i));
    ring.resize(2);
    expect(ring.list({ limit: 10 }).map((v) => v.id)).toEqual(["r7", "r6"]);
    ring.push(record(8));
    expect(ring.list({ limit: 10 }).map((v) => v.id)).toEqual(["r8", "r7"]);
    ring.resize(4);
    ring.push(record(9));
    expect(ring.list({ limit: 10 }).map((v) => v.id)).toEqual(["r9", "r8", "r7"]);
  });

  test("a tail sees each new request once; unsubscribed, nothing", () => {
    const ring = new RequestRing(2);
    const seen: string[] = [];
    const untail = ring.tail((v) => seen.push(v.id));
    ring.push(record(1));
    ring.push(record(2));
    untail();
    ring.push(record(3));
    expect(seen).toEqual(["r1", "r2"]);
    expect(ring.tails).toBe(0);
  });

  test("per-target attempts, errors and the median of the latest latencies; bounded", () => {
    const ring = new RequestRing(2);
    const attempt = (ms: number, errorKind?: string) => ring.attempt({ provider: "p", model: "m", attempt: 1, startedAt: 0, endedAt: ms, errorKind } as unknown as AttemptRecord);
    for (const ms of [5, 1, 9, 3, 7]) attempt(ms);
    attempt(100, "upstream_timeout");
    const t = ring.targets.get("p/m")!;
    expect([t.requests, t.errors]).toEqual([6, 1]);
    expect(medianLatency(t)).toBe(5);
    for (let i = 0; i < 2000; i++) ring.attempt({ provider: "p", model: `m${i}`, attempt: 1, startedAt: 0, endedAt: 1 } as unknown as AttemptRecord);
    expect(ring.targets.size).toBeLessThanOrEqual(1000);
  });
});

describe("sessions", () => {
  test("signed with the admin token: expire after their TTL, end when the token changes, hold across workers", () => {
    let now = 1_000_000;
    const sessions = new Sessions(() => now);
    const s = sessions.open("token-a");
    expect(s.id).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(sessions.find(s.id, "token-a")).toEqual(s);
    expect(sessions.find(s.id, "token-b")).toBeUndefined();
    // Another process with the same token (a second worker, or this one restarted) accepts it.
    const otherWorker = new Sessions(() => now);
    expect(otherWorker.find(s.id, "token-a")).toEqual(s);
    // Forged or altered cookies are nothing.
    const [exp, nonce, mac] = s.id.split(".");
    const later = (parseInt(exp!, 36) + SESSION_TTL_MS).toString(36);
    for (const forged of [`${later}.${nonce}.${mac}`, `${exp}.${nonce}.${mac!.slice(0, -1)}${mac!.endsWith("A") ? "E" : "A"}`, `${exp}.${nonce}`, "", "a".repeat(200), `${exp}.${nonce}.${mac}.x`]) {
      expect(sessions.find(forged, "token-a")).toBeUndefined();
    }
    expect(s.csrf).not.toBe(mac);
    expect(sessions.open("token-a").id).not.toBe(s.id);
    // Signed out here: refused here.
    sessions.close(s);
    expect(sessions.find(s.id, "token-a")).toBeUndefined();
    const t = sessions.open("token-a");
    now += SESSION_TTL_MS;
    expect(sessions.find(t.id, "token-a")).toBeUndefined();
  });

  test("wrong tokens: blocked after the allowance until the window ends, per address", () => {
    let now = 0;
    const sessions = new Sessions(() => now);
    for (let i = 0; i < WRONG_SIGN_INS; i++) {
      expect(sessions.blockedFor("1.2.3.4", WRONG_SIGN_INS)).toBe(0);
      sessions.wrongToken("1.2.3.4");
    }
    expect(sessions.blockedFor("1.2.3.4", WRONG_SIGN_INS)).toBe(60);
    expect(sessions.blockedFor("1.2.3.4", 20)).toBe(0);
    expect(sessions.blockedFor("5.6.7.8", WRONG_SIGN_INS)).toBe(0);
    now += 30_000;
    expect(sessions.blockedFor("1.2.3.4", WRONG_SIGN_INS)).toBe(30);
    now += 30_000;
    expect(sessions.blockedFor("1.2.3.4", WRONG_SIGN_INS)).toBe(0);
  });
});

describe("config redaction", () => {
  const secrets = {
    admin: "admin-token-secret-1", openai: "sk-openai-secret-1", aws: "aws-secret-access-key-1", awsId: "AKIDSECRETID1",
    session: "aws-session-token-1", vertex: "ya29.vertex-token-1", header: "header-secret-1", redis: "redis-pass-1",
    plugin: "plugin-api-key-1", base: "base-url-pass-1", ratelimitRedis: "plugin-redis-pass-1",
  };
  const config = v.parse(configSchema, {
    admin: { token: secrets.admin },
    redis: { url: `redis://default:${secrets.redis}@cache.internal:6379/0` },
    providers: {
      openai: { base_url: `https://user:${secrets.base}@proxy.example/v1`, keys: [{ value: secrets.openai, weight: 2, models: ["gpt-4o"] }], headers: { "x-custom": secrets.header } },
      bedrock: { region: "us-east-1", keys: [{ access_key_id: secrets.awsId, secret_access_key: secrets.aws, session_token: secrets.session }] },
      vertex: { project: "p", region: "us-central1", keys: [{ access_token: secrets.vertex }] },
    },
    plugins: [{ name: "guard", config: { api_key: secrets.plugin, nested: { redis_url: `redis://:${secrets.ratelimitRedis}@h:1` }, threshold: 3 } }],
  });

  test("every secret is *** wherever it sits; the rest is shown as running", () => {
    const out = redactedConfig(config);
    const text = JSON.stringify(out);
    for (const s of Object.values(secrets)) expect(text).not.toContain(s);
    const providers = out.providers as any;
    expect(providers.openai.keys).toEqual([{ value: "***", weight: 2, models: ["gpt-4o"] }]);
    expect(providers.openai.headers).toEqual({ "x-custom": "***" });
    expect(providers.openai.base_url).toBe("https://user:***@proxy.example/v1");
    expect(providers.bedrock.keys[0]).toMatchObject({ access_key_id: "***", secret_access_key: "***", session_token: "***" });
    expect(providers.bedrock.region).toBe("us-east-1");
    expect((out.redis as any).url).toBe("redis://default:***@cache.internal:6379/0");
    expect((out.plugins as any)[0].config).toEqual({ api_key: "***", nested: { redis_url: "redis://:***@h:1" }, threshold: 3 });
    expect((out.admin as any).token).toBe("***");
  });

  test("secretsOf finds them all, for scrubbing free text", () => {
    const found = secretsOf(config);
    for (const s of Object.values(secrets)) expect(found).toContain(s);
  });

  test("an empty admin token or key stays empty (unset, not hidden)", () => {
    const out = redactedConfig(v.parse(configSchema, { providers: { openai: { keys: [{ value: "" }] } } })) as any;
    expect(out.admin.token).toBe("");
    expect(out.providers.openai.keys[0].value).toBe("");
  });
});

describe("SSE tail", () => {
  test("a client that reads nothing costs a bounded buffer: the oldest events are dropped and counted", async () => {
    const { requestsStreamHandler, TAIL_BUFFER, TAIL_BYTES } = await import("../../src/server/admin/requests.ts");
    const { requestRingIn } = await import("../../src/observability/request-ring.ts");
    const token = "tail-test-admin-token";
    const gen = { kept: new Map(), leave: () => {}, config: { admin: { token, request_log_size: 100 }, server: { idle_timeout: 60_000 } } };
    const abort = new AbortController();
    const req = new Request("http://127.0.0.1/admin/requests/stream", { headers: { authorization: `Bearer ${token}` } });
    const ex = { gen, req, incoming: req, headers: {}, signal: abort.signal, server: undefined };
    const res = requestsStreamHandler(gen as any, ex as any);
    const ring = requestRingIn(gen.kept, 100);
    expect(ring.tails).toBe(1);
    // Far more than the buffers hold, in separate turns, nobody reading.
    for (let turn = 0; turn < 40; turn++) {
      for (let i = 0; i < 500; i++) ring.push(record(turn * 500 + i));
      await Bun.sleep(0);
    }
    const reader = res.body!.getReader();
    let text = "";
    let bytes = 0;
    const deadline = Date.now() + 5000;
    while (!text.includes("event: dropped") || !text.includes('"id":"r19999"')) {
      if (Date.now() > deadline) throw new Error("tail never caught up");
      const { value } = await reader.read();
      bytes += value!.byteLength;
      text += new TextDecoder().decode(value);
    }
    // What was held for the client never exceeded the byte bound plus one batch of the event queue.
    expect(bytes).toBeLessThan(TAIL_BYTES + TAIL_BUFFER * 1024);
    expect(Number(/"dropped":(\d+)/.exec(text)![1])).toBeGreaterThan(0);
    abort.abort();
    expect(ring.tails).toBe(0);
    await reader.cancel();
  });
});
