import { Channel } from "./bus.ts";
import type { Telemetry } from "./events.ts";
import { errorFields, logger } from "./logger.ts";

export function createTelemetry(): Telemetry {
  const t: Telemetry = {
    requestStart: new Channel("request.start"),
    requestEnd: new Channel("request.end"),
    attemptStart: new Channel("attempt.start"),
    attemptEnd: new Channel("attempt.end"),
    pluginFailure: new Channel("plugin.failure"),
    captureBodies: false,
  };
  for (const ch of [t.requestStart, t.requestEnd, t.attemptStart, t.attemptEnd, t.pluginFailure]) {
    ch.onError = (err) => logger.error("telemetry subscriber failed", { channel: ch.name, ...errorFields(err) });
  }
  return t;
}

/** True when anything listens to request records at all. */
export function observed(t: Telemetry): boolean {
  return t.requestStart.hasSubscribers || t.requestEnd.hasSubscribers || t.attemptStart.hasSubscribers || t.attemptEnd.hasSubscribers;
}
