// What an operator may set on a key (admin API bodies, CLI flags): checked strictly, a 400 naming the field.
import * as v from "valibot";
import { int, isUnknownField, number, strictObject } from "../config/schema-kit.ts";
import { errors } from "../core/errors.ts";

const MAX_NAME = 200;
const MAX_MODELS = 1000;

const name = v.pipe(
  v.string("expected a string"),
  v.trim(),
  v.minLength(1, "must not be empty"),
  v.maxLength(MAX_NAME, `at most ${MAX_NAME} characters`),
);
const models = v.nullable(
  v.pipe(
    v.array(v.pipe(v.string("expected a string"), v.minLength(1, "must not be empty"), v.maxLength(256, "at most 256 characters")), "expected an array of model names"),
    v.maxLength(MAX_MODELS, `at most ${MAX_MODELS} models`),
  ),
);
const rateLimit = v.nullable(
  strictObject({
    rate: v.pipe(number("expected a number"), v.gtValue(0, "expected a positive number"), v.maxValue(1e6, "at most 1000000")),
    burst: v.pipe(number("expected a number"), ...int("expected an integer"), v.minValue(1, "expected at least 1"), v.maxValue(1e6, "at most 1000000")),
  }, "expected {\"rate\": n, \"burst\": n}"),
);
const expiresAt = v.nullable(
  v.pipe(
    v.string("expected an ISO-8601 date-time"),
    v.maxLength(64, "expected an ISO-8601 date-time"),
    v.rawTransform(({ dataset: { value: text }, addIssue, NEVER }) => {
      const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : NaN;
      if (Number.isNaN(ms)) {
        addIssue({ message: `expected an ISO-8601 date-time such as "2026-12-31T23:59:59Z", got "${text.slice(0, 64)}"` });
        return NEVER;
      }
      return ms;
    }),
  ),
);
const budget = v.nullable(
  strictObject({
    limit_usd: v.pipe(number("expected a number"), v.minValue(0, "expected a number of dollars, at least 0")),
    period: v.picklist(["day", "week", "month", "total"], "expected \"day\", \"week\", \"month\" or \"total\""),
  }, "expected {\"limit_usd\": n, \"period\": \"day\"|\"week\"|\"month\"|\"total\"}"),
);

export const createKeyInput = strictObject({
  name,
  models: v.optional(models),
  rate_limit: v.optional(rateLimit),
  expires_at: v.optional(expiresAt),
  budget: v.optional(budget),
});

export const updateKeyInput = v.partial(createKeyInput);

export type CreateKeyInput = v.InferOutput<typeof createKeyInput>;
export type UpdateKeyInput = v.InferOutput<typeof updateKeyInput>;

/** Parses `body` with `schema`, or throws a 400 naming the first wrong field. */
export function parseKeyInput<S extends v.GenericSchema>(schema: S, body: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, body);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const at = (issue.path ?? []).map((item) => String(item.key));
  if (isUnknownField(issue)) {
    const key = JSON.stringify(at.pop()!.slice(0, 64)).slice(1, -1);
    if (at.length > 0) {
      const field = [...at, key].join(".");
      throw errors.invalidRequest(`Unknown field '${field}'.`, field);
    }
    throw errors.invalidRequest(`Unknown field '${key}'; a key takes name, models, rate_limit, expires_at and budget.`, key);
  }
  const path = at.join(".") || "body";
  throw errors.invalidRequest(`${path}: ${issue.message}`, path);
}
