// Built-in `logging`: one JSON access-log line per /v1/* request, written when the request ends
// (stream end for streams). Never a key, a header, a prompt or a completion unless `log_bodies`.
import { z } from "zod";
import type { RequestRecord } from "../../../observability/events.ts";
import { parsePluginConfig } from "../../config-error.ts";
import type { Plugin, PluginEnv, PluginFactory } from "../../types.ts";

export const loggingConfig = z.strictObject({
  log_bodies: z.boolean({ error: "expected true or false" }).default(false),
});

export type LineSink = (line: string) => void;

/**
 * Lines are batched and written once per event-loop turn: under load many requests end in the same
 * turn, and one write(2) for all of them is far cheaper than one each.
 */
export function bufferedStdout(): { write: LineSink; flush(): void } {
  let pending = "";
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === "") return;
    const out = pending;
    pending = "";
    process.stdout.write(out);
  };
  return {
    write(line) {
      pending += line + "\n";
      if (pending.length > 65536) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

export function accessLine(r: RequestRecord, bodies: boolean): string {
  const entry: Record<string, unknown> = {
    time: new Date().toISOString(),
    level: "info",
    msg: "access",
    request_id: r.requestId,
    method: r.method,
    path: r.path,
    route: r.route ?? null,
    provider: r.provider ?? null,
    model: r.model ?? r.requestedModel ?? null,
    requested_model: r.requestedModel ?? null,
    status: r.status,
    latency_ms: Math.round((r.endedAt - r.startedAt) * 1000) / 1000,
    upstream_ms: r.llmStartedAt !== undefined && r.llmEndedAt !== undefined ? Math.round((r.llmEndedAt - r.llmStartedAt) * 1000) / 1000 : null,
    attempts: r.attempts,
    stream: r.stream,
    prompt_tokens: r.promptTokens ?? null,
    completion_tokens: r.completionTokens ?? null,
    cache: r.cache ?? null,
    error_kind: r.errorKind ?? null,
  };
  if (r.answeredBy !== undefined) entry.answered_by = r.answeredBy;
  if (r.chunks !== undefined) entry.chunks = r.chunks;
  if (r.clientIp !== undefined) entry.client_ip = r.clientIp;
  if (bodies) {
    entry.request_body = r.requestBody ?? null;
    entry.response_body = r.responseBody ?? null;
  }
  return JSON.stringify(entry);
}

export function createLogging(config: z.output<typeof loggingConfig>, env: Pick<PluginEnv, "telemetry">, sink = bufferedStdout()): Plugin {
  const bodies = config.log_bodies;
  if (bodies) env.telemetry.captureBodies = true;
  const unsubscribe = env.telemetry.requestEnd.subscribe((r) => sink.write(accessLine(r, bodies)));
  return {
    name: "logging",
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
