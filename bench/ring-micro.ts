// Per-request cost of feeding the admin views' request ring (src/observability/request-ring.ts), in
// process: the ring's own work on a finished request and on each upstream attempt, and the whole
// telemetry path of one request (record, one attempt, end) with the ring subscribed against without.
// The ledger (on by default) already makes the gateway record every request, so the ring's share is
// the difference of the last two rows.
//
//   bun bench/ring-micro.ts
import { RequestRing } from "../src/observability/request-ring.ts";
import { RequestRecorder } from "../src/observability/recorder.ts";
import { createTelemetry } from "../src/observability/telemetry.ts";
import type { AttemptRecord, RequestRecord } from "../src/observability/events.ts";

function measure(name: string, run: () => unknown, iterations = 1_000_000): number {
  for (let i = 0; i < 50_000; i++) run();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) run();
  const us = ((performance.now() - start) * 1000) / iterations;
  console.log(`${name.padEnd(60)} ${us.toFixed(3).padStart(8)} µs/request`);
  return us;
}

const record = {
  requestId: "req_AAAAAAAAAAA", method: "POST", path: "/v1/chat/completions", startedAt: 1, endedAt: 12.5, route: "fast",
  requestedModel: "fast", provider: "openai", model: "gpt-4o-mini", status: 200, attempts: 1, promptTokens: 1234,
  completionTokens: 567, costPico: 123_456_789n, cache: undefined, appKeyId: "key_AAAAAAAAAAAAAAAA", errorKind: undefined,
  stream: false, finishReason: "stop", answeredBy: undefined,
} as unknown as RequestRecord;
const attempt = { provider: "openai", model: "gpt-4o-mini", attempt: 1, startedAt: 1, endedAt: 11, status: 200, errorKind: undefined } as unknown as AttemptRecord;

const ring = new RequestRing(1000);
measure("ring: record a finished request (1000-entry ring)", () => ring.push(record));
measure("ring: count one upstream attempt (per-target stats)", () => ring.attempt(attempt));
const untail = ring.tail(() => {});
measure("ring: record a request with one SSE tail open", () => ring.push(record));
untail();

const req = new Request("http://127.0.0.1/v1/chat/completions", { method: "POST" });
const outcome = { value: undefined, provider: "openai", model: "gpt-4o-mini", attempts: 1 };
const body = { usage: { prompt_tokens: 1234, completion_tokens: 567 }, choices: [{ finish_reason: "stop" }] };
const res = new Response(null, { status: 200 });
function oneRequest(telemetry: ReturnType<typeof createTelemetry>): void {
  const r = new RequestRecorder(telemetry, "req_AAAAAAAAAAA", req, "/v1/chat/completions", undefined);
  r.requested("chat", { model: "fast" }, true);
  const a = r.start("openai", "gpt-4o-mini", 1);
  a.end();
  r.answered(outcome, body);
  r.responded(res);
}
// What the gateway does per request anyway (the ledger subscribes to requestEnd)...
const without = createTelemetry();
without.requestEnd.subscribe(() => {});
const base = measure("one request's telemetry, ledger-like subscriber only", () => oneRequest(without), 500_000);
// ...and with the ring fed too.
const withRing = createTelemetry();
withRing.requestEnd.subscribe(() => {});
new RequestRing(1000).observe(withRing);
const fed = measure("one request's telemetry, plus the request ring", () => oneRequest(withRing), 500_000);
console.log(`${"the ring's share".padEnd(60)} ${(fed - base).toFixed(3).padStart(8)} µs/request`);
