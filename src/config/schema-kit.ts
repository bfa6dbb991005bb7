// Valibot building blocks with the semantics the config (and the admin key API) were written for,
// where valibot's own differ: an object or record is never an array; a strict object reports every
// unknown field, not only the first; a missing field is judged by its own schema (`cache.backend:
// expected "memory" or "redis"`, not `Invalid key: Expected "backend"`); every own key counts, even
// `constructor` or `prototype`, which valibot's objects and records skip; a record entry whose key is
// wrong is not checked further; numbers are finite; an integer check stops the checks after it.
// The objects and records here are valibot schemas (their `~run` is replaced), so `v.safeParse`,
// `v.optional`, `v.pipe` and `v.partial` take them as they take valibot's own.
import * as v from "valibot";

type Issue = v.BaseIssue<unknown>;
type AnySchema = v.BaseSchema<unknown, unknown, Issue>;
/** The shape every schema's `~run` takes and returns (valibot's datasets). */
interface Dataset { value: unknown; typed?: boolean; issues?: Issue[] }
type Run = (dataset: Dataset, config: v.Config<Issue>) => Dataset;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The rest schema of a strict object: each unknown field fails it, with the field's key last in the issue's path. */
const unknownField = v.never("unknown field");

/** Whether `issue` is an unknown field of a strictObject (below); its key is the last item of its path. */
export function isUnknownField(issue: Issue): boolean {
  return issue.kind === "schema" && issue.type === "never";
}

/** A non-object (an array included) gets the type issue valibot's object schemas give, or `message`. */
function notAnObject(message: string | undefined) {
  return v.custom<never>(() => false, message ?? ((issue) => `Invalid type: Expected Object but received ${issue.received}`));
}

/** Moves `result`'s issues under `key` of `input` into `dataset`. */
function addIssues(dataset: Dataset, result: Dataset, input: Record<string, unknown>, key: string, origin: "key" | "value"): void {
  if (!result.issues) return;
  const item = { type: "object", origin, input, key, value: input[key] } as v.IssuePathItem;
  for (const issue of result.issues) {
    (issue as { path?: v.IssuePathItem[] }).path = origin === "key" ? [item] : [item, ...(issue.path ?? [])];
    (dataset.issues ??= []).push(issue);
  }
}

/** Replaces a valibot schema's `~run`, keeping its `~standard` (Standard Schema) on the new one. */
function withRun<S extends object>(schema: S, run: (this: S, dataset: Dataset, config: v.Config<Issue>) => Dataset): S {
  const out = { ...schema, "~run": run } as unknown as { "~run": Run; "~standard": unknown };
  out["~standard"] = { version: 1, vendor: "valibot", validate: (value: unknown) => out["~run"]({ value }, v.getGlobalConfig()) };
  return out as unknown as S;
}

function objectRun(this: { entries: v.ObjectEntries }, dataset: Dataset, config: v.Config<Issue>, notObject: AnySchema, rest: "strict" | "loose"): Dataset {
  const input = dataset.value;
  if (!isObject(input)) return (notObject["~run"] as Run)(dataset, config);
  dataset.typed = true;
  const output: Record<string, unknown> = {};
  for (const key in this.entries) {
    const schema = this.entries[key] as AnySchema & { default?: unknown };
    const present = key in input;
    // An absent optional field without a default stays absent; any other absent field is checked as undefined.
    if (!present && (schema.type === "optional" || schema.type === "nullish" || schema.type === "exact_optional") && schema.default === undefined) continue;
    const result = (schema["~run"] as Run)({ value: present ? input[key] : undefined }, config);
    addIssues(dataset, result, input, key, "value");
    if (!result.typed) dataset.typed = false;
    if (result.issues && config.abortEarly) return dataset;
    output[key] = result.value;
  }
  for (const key of Object.keys(input)) {
    if (Object.hasOwn(this.entries, key)) continue;
    if (rest === "loose") {
      if (key !== "__proto__") output[key] = input[key];
      continue;
    }
    // The object stays typed: a check on the whole of it (server's workers/port rule) still runs.
    addIssues(dataset, (unknownField["~run"] as Run)({ value: input[key] }, config), input, key, "value");
    if (config.abortEarly) return dataset;
  }
  dataset.value = output;
  return dataset;
}

/**
 * An object that refuses unknown fields, every one of them an issue (formatIssues lists them as
 * `unknown field(s) "a", "b"`). `message` is for a value that is not an object at all.
 */
export function strictObject<const E extends v.ObjectEntries>(entries: E, message?: string): v.StrictObjectSchema<E, undefined> {
  const notObject = notAnObject(message);
  return withRun(v.strictObject(entries), function (dataset, config) {
    return objectRun.call(this, dataset, config, notObject, "strict");
  });
}

/** An object that keeps unknown fields as they are. */
export function looseObject<const E extends v.ObjectEntries>(entries: E): v.LooseObjectSchema<E, undefined> {
  const notObject = notAnObject(undefined);
  return withRun(v.looseObject(entries), function (dataset, config) {
    return objectRun.call(this, dataset, config, notObject, "loose");
  });
}

/** A record: each key checked by `key` (a wrong key is its only issue: the value is not looked at), each value by `value`. */
export function record<K extends v.GenericSchema<string, string>, V extends v.GenericSchema>(key: K, value: V): v.RecordSchema<K, V, undefined> {
  const notObject = notAnObject(undefined);
  return withRun(v.record(key, value), function (dataset, config) {
    const input = dataset.value;
    if (!isObject(input)) return (notObject["~run"] as Run)(dataset, config);
    dataset.typed = true;
    const output: Record<string, unknown> = {};
    for (const name of Object.keys(input)) {
      if (name === "__proto__") continue;
      const keyResult = (this.key["~run"] as Run)({ value: name }, config);
      if (keyResult.issues) {
        addIssues(dataset, keyResult, input, name, "key");
        dataset.typed = false;
        if (config.abortEarly) return dataset;
        continue;
      }
      const result = (this.value["~run"] as Run)({ value: input[name] }, config);
      addIssues(dataset, result, input, name, "value");
      if (!result.typed) dataset.typed = false;
      if (result.issues && config.abortEarly) return dataset;
      output[keyResult.value as string] = result.value;
    }
    dataset.value = output;
    return dataset;
  });
}

/** A finite number (YAML's `.inf` and `.nan` are refused); a wrong value is a wrong type, as for a string. */
export function number(message?: string) {
  return v.pipe(
    v.number(message),
    v.rawTransform<number, number>(({ dataset, addIssue, NEVER }) => {
      if (Number.isFinite(dataset.value)) return dataset.value;
      addIssue({ label: "type", expected: "finite number", message });
      return NEVER;
    }),
  );
}

/**
 * An integer in the safe range. A fraction stops the checks after it (one message, not one per
 * failed check, and a wrong type inside a union); an integer past 2^53 is one more failed check.
 * Spread it into a pipe: `v.pipe(number(m), ...int(m), v.gtValue(0, m))`.
 */
export function int(message?: string) {
  return [
    v.rawTransform<number, number>(({ dataset, addIssue, NEVER }) => {
      if (Number.isInteger(dataset.value)) return dataset.value;
      addIssue({ label: "type", expected: "integer", message });
      return NEVER;
    }),
    v.check<number, string>(Number.isSafeInteger, message ?? "expected an integer within ±2^53"),
  ] as const;
}
