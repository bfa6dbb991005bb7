// The app-key step of an LLM request ("parse + auth" in DESIGN's flow): after the body is read and
// before the pre-LLM hooks. Identifies the key (401 when required or when a presented key is not
// valid), then checks the parsed model against its allowlist (403) and its own rate limit (429), and
// arranges for the request to be counted once its record is complete.
import { errors } from "../core/errors.ts";
import { checkBudget } from "../cost/budgets.ts";
import { logger } from "../observability/logger.ts";
import { RequestRecorder } from "../observability/recorder.ts";
import { fullBucket, take } from "../plugins/builtin/ratelimit/bucket.ts";
import type { Exchange } from "../server/context.ts";
import type { Operation } from "../server/operation.ts";
import type { Handler } from "../server/routes.ts";
import { appKeysOf, type AppKeys, type KeyEntry } from "./app-keys.ts";
import { hashKey, isKeyShaped, KEY_PREFIX } from "./key-format.ts";

/**
 * The app key a request carries: `x-butter-key` (any mode; the only place with passthrough providers,
 * whose key takes Authorization), else a `btr_` bearer token, else a `btr_` `x-api-key` (Messages
 * clients). Other Authorization and x-api-key values are provider keys or SDK placeholders, not ours.
 */
export function presentedKey(headers: Headers): string | undefined {
  const butter = headers.get("x-butter-key");
  if (butter !== null) return butter.trim();
  const auth = headers.get("authorization");
  if (auth !== null) {
    const m = /^\s*bearer\s+(btr_\S*)\s*$/i.exec(auth);
    if (m !== null) return m[1];
  }
  const apiKey = headers.get("x-api-key");
  if (apiKey !== null && apiKey.trimStart().startsWith(KEY_PREFIX)) return apiKey.trim();
  return undefined;
}

/** `op` with the key step around its parse: identify before parsing (a 401 comes before a 400), check the model after. */
export function withAppKey<Req extends { model: string }, B>(op: Operation<Req, B>): Operation<Req, B> {
  return {
    ...op,
    parse(body, headers, ex) {
      const identified = identify(ex);
      if (identified === undefined) return op.parse(body, headers, ex);
      if (identified instanceof Promise) {
        return identified.then(async (entry) => {
          const request = await op.parse(body, headers, ex);
          if (entry !== undefined) await admit(ex, entry, request.model);
          return request;
        });
      }
      const parsed = op.parse(body, headers, ex);
      if (parsed instanceof Promise) {
        return parsed.then(async (request) => {
          await admit(ex, identified, request.model);
          return request;
        });
      }
      const admitted = admit(ex, identified, parsed.model);
      return admitted === undefined ? parsed : admitted.then(() => parsed);
    },
  };
}

/** A non-LLM /v1 handler (a stored response's GET/DELETE): the key is checked, not counted. */
export function keyedHandler(handler: Handler): Handler {
  return (gen, ex) => {
    const identified = identify(ex, false);
    if (identified instanceof Promise) return identified.then(() => handler(gen, ex));
    return handler(gen, ex);
  };
}

/** Undefined: no key, and none needed. Throws the 401. */
function identify(ex: Exchange, count = true): KeyEntry | Promise<KeyEntry | undefined> | undefined {
  const presented = presentedKey(ex.req.headers);
  if (presented === undefined || !isKeyShaped(presented)) {
    if (!ex.gen.config.app_keys.require_key) return undefined;
    throw presented === undefined ? errors.appKeyMissing() : errors.appKeyInvalid("unknown");
  }
  const keys = appKeysOf(ex.gen);
  const loading = keys.ready();
  if (loading !== undefined) {
    return loading.then(
      () => found(ex, keys, presented, count),
      (err) => {
        throw errors.appKeysUnavailable(err);
      },
    );
  }
  return found(ex, keys, presented, count);
}

/**
 * A key of the vended shape must be valid even when keys are optional: a revoked key that quietly
 * went on working as anonymous would hide the revocation from its holder. Values of another shape
 * (SDK placeholders such as `btr_test`) are no key of ours, and are ignored unless keys are required.
 */
function found(ex: Exchange, keys: AppKeys, presented: string, count: boolean): KeyEntry {
  const entry = keys.lookup(hashKey(presented));
  if (entry === undefined) throw errors.appKeyInvalid("unknown");
  const record = entry.record;
  if (record.revoked) throw errors.appKeyInvalid("revoked");
  if (record.expiresAt !== null && record.expiresAt <= Date.now()) throw errors.appKeyInvalid("expired");
  ex.appKeyScope = record.id;
  if (count) {
    // Counting needs the complete record (usage arrives with the answer or the stream's end): made
    // here when nobody else observes requests, which is the only cost keyless requests never pay.
    const recorder = (ex.recorder ??= new RequestRecorder(ex.gen.telemetry, ex.requestId, ex.incoming, ex.path, undefined));
    recorder.record.appKeyId = record.id;
    // Other instances check this key's budget against the shared store: its spend goes there now, not at the next flush.
    const ledger = record.budget !== null && ex.gen.ledger?.shared === true ? ex.gen.ledger : undefined;
    recorder.onEnd = (rec) => {
      // A cache hit's tokens were saved, not used: the key is counted a request and no tokens.
      const hit = rec.cache === "hit";
      keys.count(record.id, rec.status >= 400 || rec.errorKind !== undefined, hit ? 0 : rec.promptTokens ?? 0, hit ? 0 : rec.completionTokens ?? 0, rec.costPico ?? 0n);
      if (ledger !== undefined && rec.costPico !== undefined && rec.costPico !== 0n) ledger.flushSoon();
    };
  }
  return entry;
}

/**
 * The model the client named (a route or `provider/model`, as sent) against the allowlist, then the
 * key's own rate limit, then its budget (a promise only for a key that has one).
 */
function admit(ex: Exchange, entry: KeyEntry, model: string): Promise<void> | undefined {
  if (entry.models !== null && !entry.models.has(model)) throw errors.modelNotAllowed(model);
  const limit = entry.record.rateLimit;
  if (limit !== null) {
    const now = performance.now();
    const verdict = take((entry.bucket ??= fullBucket(limit, now)), now, limit);
    if (!verdict.allowed) throw errors.appKeyRateLimited(verdict.retryAfterMs, limit.rate, limit.burst);
  }
  if (entry.record.budget === null) return undefined;
  const ledger = ex.gen.ledger;
  if (ledger === undefined) {
    unenforced(entry.record.id);
    return undefined;
  }
  return checkBudget(ledger, entry.record);
}

const warnedUnenforced = new Set<string>();

function unenforced(id: string): void {
  if (warnedUnenforced.has(id)) return;
  warnedUnenforced.add(id);
  logger.warn("this key has a budget but the usage ledger is off (ledger.enabled: false): the budget is not enforced", { key_id: id });
}
