// Gemini's function `parameters` accept an OpenAPI-3.0 subset, not JSON Schema: unknown keywords are a 400
// ("Invalid JSON payload received. Unknown name \"additionalProperties\""). Clients send full JSON Schema
// (Pydantic, Zod, OpenAI strict mode), so the schema is rewritten into the subset, recursively:
//   kept:      type, format (string: enum, date-time; number/integer: float, double, int32, int64), title,
//              description, nullable, enum (strings only), items, properties, required (only names that
//              exist), minItems, maxItems, minProperties, maxProperties, minLength, maxLength, pattern,
//              minimum, maximum, anyOf, propertyOrdering
//   rewritten: $ref to #/$defs or #/definitions → inlined (a recursive $ref becomes a bare object);
//              type: [T, "null"] → type T + nullable; anyOf/oneOf member {type: "null"} → nullable;
//              a single remaining anyOf/oneOf member → merged into its parent; oneOf → anyOf;
//              allOf → merged; const → enum [const]; a string enum without a type gets type "string";
//              a number/boolean enum is dropped (Gemini enums are strings), its values go into the
//              description and the type is kept or inferred; an array without `items` (or with untyped
//              items) gets `items: {type: "string"}` (Gemini: "items: missing field")
//   dropped:   everything else, e.g. $schema, $id, $comment, $defs, definitions, additionalProperties, strict,
//              default, examples, not, patternProperties, unevaluatedProperties, dependentRequired,
//              if/then/else, exclusiveMinimum, exclusiveMaximum, multipleOf, uniqueItems, prefixItems,
//              contains, readOnly, writeOnly, deprecated; empty `properties` (Gemini rejects an empty map)

type Schema = Record<string, unknown>;

const COPIED = [
  "title", "description", "minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength",
  "pattern", "minimum", "maximum", "propertyOrdering",
] as const;

const STRING_FORMATS = new Set(["enum", "date-time"]);
const NUMBER_FORMATS = new Set(["float", "double", "int32", "int64"]);

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

/** Cleans a function's `parameters`; undefined when nothing is left worth sending (an object with no properties). */
export function cleanFunctionParameters(parameters: unknown): Schema | undefined {
  if (!isObject(parameters)) return undefined;
  const cleaned = cleanSchema(parameters);
  const keys = Object.keys(cleaned);
  if (keys.length === 0 || (keys.length === 1 && typeof cleaned.type === "string" && cleaned.type.toLowerCase() === "object")) return undefined;
  return cleaned;
}

export function cleanSchema(schema: Schema): Schema {
  return clean(schema, schema, []);
}

function resolveRef(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return isObject(node) ? node : undefined;
}

function clean(input: Schema, root: Schema, refs: string[]): Schema {
  let schema = input;
  if (typeof schema.$ref === "string") {
    const ref = schema.$ref;
    const target = refs.includes(ref) ? undefined : resolveRef(root, ref);
    // Recursive or external: Gemini cannot express it, so the node degrades to an untyped object.
    if (!target) return withDescription({ type: "object" }, schema);
    const { $ref: _ref, ...siblings } = schema;
    return clean({ ...target, ...siblings }, root, [...refs, ref]);
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    schema = (allOf as unknown[]).filter(isObject).reduce<Schema>((acc, part) => mergeAllOf(acc, clean(part, root, refs)), rest);
  }

  const out: Schema = {};
  let nullable = schema.nullable === true;

  let type = schema.type;
  if (Array.isArray(type)) {
    const types = type.filter((t): t is string => typeof t === "string" && t !== "null");
    if (types.length < type.length) nullable = true;
    type = types.length === 1 ? types[0] : undefined;
    if (types.length > 1) out.anyOf = types.map((t) => ({ type: t }));
  }
  if (type === "null") {
    nullable = true;
    type = undefined;
  }
  if (typeof type === "string") out.type = type;

  for (const key of COPIED) if (schema[key] !== undefined) out[key] = schema[key];

  const format = schema.format;
  if (typeof format === "string" && typeof type === "string") {
    const t = type.toLowerCase();
    if ((t === "string" && STRING_FORMATS.has(format)) || ((t === "number" || t === "integer") && NUMBER_FORMATS.has(format))) out.format = format;
  }

  let values = Array.isArray(schema.enum) ? schema.enum : schema.const !== undefined ? [schema.const] : undefined;
  if (values) {
    if (values.includes(null)) nullable = true;
    values = values.filter((v) => v !== null);
    if (values.length > 0) enumInto(out, values);
  }

  if (isObject(schema.properties)) {
    const properties: Schema = {};
    for (const [name, sub] of Object.entries(schema.properties)) if (isObject(sub)) properties[name] = clean(sub, root, refs);
    if (Object.keys(properties).length > 0) {
      out.properties = properties;
      if (Array.isArray(schema.required)) {
        const required = schema.required.filter((r): r is string => typeof r === "string" && r in properties);
        if (required.length > 0) out.required = required;
      }
    }
  }

  if (isObject(schema.items)) out.items = clean(schema.items, root, refs);
  else if (Array.isArray(schema.items) && isObject(schema.items[0])) out.items = clean(schema.items[0], root, refs);
  // Gemini rejects an array without `items` ("items: missing field") and an item schema without a type.
  if (typeof out.type === "string" && out.type.toLowerCase() === "array") {
    const items = out.items as Schema | undefined;
    if (!items) out.items = { type: "string" };
    else if (items.type === undefined && items.anyOf === undefined) items.type = "string";
  }

  const alternatives = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (alternatives) {
    const members: Schema[] = [];
    for (const alt of alternatives.filter(isObject)) {
      const c = clean(alt, root, refs);
      const onlyNull = c.nullable === true && Object.keys(c).length === 1;
      if (onlyNull) nullable = true;
      else members.push(c);
    }
    if (members.length === 1) {
      for (const [k, v] of Object.entries(members[0]!)) if (out[k] === undefined) out[k] = v;
    } else if (members.length > 1) out.anyOf = members;
  }

  if (nullable) out.nullable = true;
  return out;
}

/**
 * Gemini enums are strings only (format "enum" on a STRING): string values keep the enum and get
 * `type: "string"` when the schema had none. Numbers and booleans cannot be an enum: the enum is dropped,
 * the type is kept (or inferred from the values) and the allowed values are stated in the description,
 * so the model still sees them and the arguments keep their JSON type.
 */
function enumInto(out: Schema, values: unknown[]): void {
  const type = typeof out.type === "string" ? out.type.toLowerCase() : undefined;
  if ((type === undefined || type === "string") && values.every((v) => typeof v === "string")) {
    out.enum = values;
    if (type === undefined && out.anyOf === undefined) out.type = "string";
    return;
  }
  if (type === undefined && out.anyOf === undefined) {
    if (values.every((v) => typeof v === "boolean")) out.type = "boolean";
    else if (values.every((v) => Number.isInteger(v))) out.type = "integer";
    else if (values.every((v) => typeof v === "number")) out.type = "number";
  }
  const allowed = `Allowed values: ${values.map((v) => JSON.stringify(v)).join(", ")}.`;
  out.description = typeof out.description === "string" && out.description !== "" ? `${out.description} ${allowed}` : allowed;
}

function mergeAllOf(acc: Schema, part: Schema): Schema {
  const merged: Schema = { ...part, ...acc };
  if (isObject(acc.properties) || isObject(part.properties)) merged.properties = { ...(part.properties as Schema), ...(acc.properties as Schema) };
  const required = [...((acc.required as unknown[]) ?? []), ...((part.required as unknown[]) ?? [])];
  if (required.length > 0) merged.required = [...new Set(required)];
  return merged;
}

function withDescription(out: Schema, from: Schema): Schema {
  if (typeof from.description === "string") out.description = from.description;
  return out;
}
