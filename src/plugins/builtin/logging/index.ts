// Built-in `logging`: one JSON access-log line per /v1/* request, written when the request ends
// (stream end for streams). Never a key, a header, a prompt or a completion unless `log_bodies`.
import * as v from "valibot";
import { strictObject } from "../../../config/schema-kit.ts";
import { formatUsd } from "../../../cost/money.ts";
import type { RequestRecord } from "../../../observability/events.ts";
import { logContextMembers } from "../../../observability/logger.ts";
import { writeLines } from "../../../observability/stdout.ts";
import { parsePluginConfig } from "../../config-error.ts";
import type { Plugin, PluginEnv, PluginFactory } from "../../types.ts";

export const loggingConfig = strictObject({
  log_bodies: v.optional(v.boolean("expected true or false"), false),
  client_ip: v.optional(v.boolean("expected true or false"), false),
});

export type LineSink = (line: string) => void;

/** Longest a line waits in the buffer. */
const FLUSH_MS = 10;
const FLUSH_BYTES = 65536;

/**
 * Lines are batched and written at most every FLUSH_MS (sooner past FLUSH_BYTES): under load hundreds
 * of requests end within that time, and one write(2) for all of them is far cheaper than one each
 * (or one per event-loop turn, which at c=64 still meant a write every few requests).
 */
export function bufferedStdout(): { write: LineSink; flush(): void } {
  let pending = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending === "") return;
    // Every line ended with "\n"; writeLines adds the last one.
    const out = pending.slice(0, -1);
    pending = "";
    writeLines(out);
  };
  return {
    write(line) {
      pending += line + "\n";
      if (pending.length > FLUSH_BYTES) flush();
      else timer ??= setTimeout(flush, FLUSH_MS);
    },
    flush,
  };
}

let isoSecond = NaN;
let isoPrefix = "";

/** new Date().toISOString(), with the part up to the second formatted once per second. */
export function isoNow(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20); // "2026-11-24T12:20:23."
  }
  const ms = now - second * 1000;
  return isoPrefix + (ms < 10 ? "00" : ms < 100 ? "0" : "") + ms + "Z";
}

/** The logger's context members (a worker's number) followed by a comma, or nothing. */
function context(): string {
  const members = logContextMembers();
  return members === "" ? "" : `${members},`;
}

const str = (v: string | undefined): string => (v === undefined ? "null" : JSON.stringify(v));
const num = (v: number | undefined): string => (typeof v === "number" && Number.isFinite(v) ? String(v) : JSON.stringify(v ?? null));
const ms3 = (v: number): string => num(Math.round(v * 1000) / 1000);

/**
 * The line, built as a string in a fixed field order: same output as JSON.stringify of the entry
 * object, without building the object first. Strings go through JSON.stringify for escaping.
 */
export function accessLine(r: RequestRecord, bodies: boolean, clientIp = false): string {
  let line =
    `{"time":"${isoNow()}","level":"info","msg":"access",${context()}"request_id":${str(r.requestId)},"method":${str(r.method)},"path":${str(r.path)}` +
    `,"route":${str(r.route)},"provider":${str(r.provider)},"model":${str(r.model ?? r.requestedModel)},"requested_model":${str(r.requestedModel)}` +
    `,"status":${num(r.status)},"latency_ms":${ms3(r.endedAt - r.startedAt)}` +
    `,"upstream_ms":${r.llmStartedAt !== undefined && r.llmEndedAt !== undefined ? ms3(r.llmEndedAt - r.llmStartedAt) : "null"}` +
    `,"attempts":${num(r.attempts)},"stream":${r.stream},"prompt_tokens":${num(r.promptTokens)},"completion_tokens":${num(r.completionTokens)}` +
    `,"cost_usd":${r.costPico === undefined ? "null" : formatUsd(r.costPico)}` +
    `,"cache":${str(r.cache)},"error_kind":${str(r.errorKind)}`;
  if (r.costEstimated === true) line += `,"cost_estimated":true`;
  if (r.answeredBy !== undefined) line += `,"answered_by":${str(r.answeredBy)}`;
  if (r.appKeyId !== undefined) line += `,"app_key_id":${str(r.appKeyId)}`;
  if (r.chunks !== undefined) line += `,"chunks":${num(r.chunks)}`;
  if (clientIp && r.clientIp !== undefined) line += `,"client_ip":${str(r.clientIp)}`;
  if (bodies) line += `,"request_body":${JSON.stringify(r.requestBody ?? null)},"response_body":${JSON.stringify(r.responseBody ?? null)}`;
  return line + "}";
}

export function createLogging(config: v.InferOutput<typeof loggingConfig>, env: Pick<PluginEnv, "telemetry">, sink = bufferedStdout()): Plugin {
  const bodies = config.log_bodies;
  if (bodies) env.telemetry.captureBodies = true;
  const unsubscribe = env.telemetry.requestEnd.subscribe((r) => sink.write(accessLine(r, bodies, config.client_ip)));
  return {
    name: "logging",
    usesClientIp: config.client_ip,
    async close() {
      unsubscribe();
      sink.flush();
    },
  };
}

export const factory: PluginFactory = {
  name: "logging",
  create(config, env) {
    return createLogging(parsePluginConfig(loggingConfig, config, env.path), env);
  },
};
