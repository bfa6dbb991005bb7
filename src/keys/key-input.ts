// What an operator may set on a key (admin API bodies, CLI flags): checked strictly, a 400 naming the field.
import { z } from "zod";
import { errors } from "../core/errors.ts";

const MAX_NAME = 200;
const MAX_MODELS = 1000;

const name = z.string({ error: "expected a string" }).trim().min(1, { error: "must not be empty" }).max(MAX_NAME, { error: `at most ${MAX_NAME} characters` });
const models = z
  .array(z.string({ error: "expected a string" }).min(1, { error: "must not be empty" }).max(256, { error: "at most 256 characters" }), { error: "expected an array of model names" })
  .max(MAX_MODELS, { error: `at most ${MAX_MODELS} models` })
  .nullable();
const rateLimit = z
  .strictObject({
    rate: z.number({ error: "expected a number" }).positive({ error: "expected a positive number" }).max(1e6),
    burst: z.number({ error: "expected a number" }).int({ error: "expected an integer" }).min(1, { error: "expected at least 1" }).max(1e6),
  }, { error: "expected {\"rate\": n, \"burst\": n}" })
  .nullable();
const expiresAt = z
  .string({ error: "expected an ISO-8601 date-time" })
  .max(64)
  .transform((text, ctx) => {
    const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: `expected an ISO-8601 date-time such as "2026-12-31T23:59:59Z", got "${text.slice(0, 64)}"` });
      return z.NEVER;
    }
    return ms;
  })
  .nullable();
const budget = z
  .strictObject({
    limit_usd: z.number({ error: "expected a number" }).nonnegative({ error: "expected a number of dollars, at least 0" }),
    period: z.enum(["day", "week", "month", "total"], { error: "expected \"day\", \"week\", \"month\" or \"total\"" }),
  }, { error: "expected {\"limit_usd\": n, \"period\": \"day\"|\"week\"|\"month\"|\"total\"}" })
  .nullable();

export const createKeyInput = z.strictObject({
  name,
  models: models.optional(),
  rate_limit: rateLimit.optional(),
  expires_at: expiresAt.optional(),
  budget: budget.optional(),
});

export const updateKeyInput = createKeyInput.partial();

export type CreateKeyInput = z.output<typeof createKeyInput>;
export type UpdateKeyInput = z.output<typeof updateKeyInput>;

/** Parses `body` with `schema`, or throws a 400 naming the first wrong field. */
export function parseKeyInput<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const key = JSON.stringify(String(issue.keys[0]).slice(0, 64)).slice(1, -1);
    if (issue.path.length > 0) {
      const field = [...issue.path.map(String), key].join(".");
      throw errors.invalidRequest(`Unknown field '${field}'.`, field);
    }
    throw errors.invalidRequest(`Unknown field '${key}'; a key takes name, models, rate_limit, expires_at and budget.`, key);
  }
  const path = issue.path.map(String).join(".") || "body";
  throw errors.invalidRequest(`${path}: ${issue.message}`, path);
}
