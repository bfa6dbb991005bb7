import { describe, expect, test } from "bun:test";
import { cleanFunctionParameters, cleanSchema } from "../../src/providers/shared/google-genai/schema.ts";

describe("JSON Schema → Gemini function parameters", () => {
  test("rejected keywords are removed recursively", () => {
    const cleaned = cleanSchema({
      $schema: "http://json-schema.org/draft-07/schema#", $id: "x", $comment: "c", type: "object", additionalProperties: false, strict: true,
      properties: {
        a: { type: "string", default: "d", examples: ["e"], format: "email", minLength: 1 },
        b: { type: "array", uniqueItems: true, items: { type: "object", additionalProperties: false, properties: { c: { type: "integer", exclusiveMinimum: 0, multipleOf: 2, format: "int64" } } } },
        d: { type: "string", format: "date-time", not: { const: "x" } },
      },
      required: ["a", "missing"],
    });
    expect(cleaned).toEqual({
      type: "object",
      properties: {
        a: { type: "string", minLength: 1 },
        b: { type: "array", items: { type: "object", properties: { c: { type: "integer", format: "int64" } } } },
        d: { type: "string", format: "date-time" },
      },
      required: ["a"],
    });
  });

  test("$ref to $defs is inlined; a recursive $ref degrades to an object", () => {
    const cleaned = cleanSchema({
      type: "object",
      $defs: { Pet: { type: "object", properties: { name: { type: "string" } }, required: ["name"] }, Node: { type: "object", properties: { next: { $ref: "#/$defs/Node" } } } },
      properties: { pet: { $ref: "#/$defs/Pet", description: "the pet" }, list: { $ref: "#/$defs/Node" }, old: { $ref: "#/definitions/Gone" } },
    });
    expect(cleaned).toEqual({
      type: "object",
      properties: {
        pet: { type: "object", description: "the pet", properties: { name: { type: "string" } }, required: ["name"] },
        list: { type: "object", properties: { next: { type: "object" } } },
        old: { type: "object" },
      },
    });
  });

  test("nullable forms: type arrays, anyOf with null, enum with null; oneOf → anyOf; const → enum; allOf merged", () => {
    expect(cleanSchema({ type: ["string", "null"] })).toEqual({ type: "string", nullable: true });
    expect(cleanSchema({ anyOf: [{ type: "integer" }, { type: "null" }], description: "n" })).toEqual({ type: "integer", description: "n", nullable: true });
    expect(cleanSchema({ oneOf: [{ type: "integer" }, { type: "string" }] })).toEqual({ anyOf: [{ type: "integer" }, { type: "string" }] });
    expect(cleanSchema({ type: "string", enum: ["a", "b", null] })).toEqual({ type: "string", enum: ["a", "b"], nullable: true });
    expect(cleanSchema({ type: "integer", enum: [1, 2] })).toEqual({ type: "integer", description: "Allowed values: 1, 2." });
    expect(cleanSchema({ const: "fixed" })).toEqual({ type: "string", enum: ["fixed"] });
    expect(cleanSchema({ allOf: [{ type: "object", properties: { a: { type: "string" } }, required: ["a"] }, { properties: { b: { type: "number" } } }] }))
      .toEqual({ type: "object", properties: { a: { type: "string" }, b: { type: "number" } }, required: ["a"] });
  });

  test("parameters that say nothing (no properties) are omitted", () => {
    expect(cleanFunctionParameters({ type: "object", properties: {}, additionalProperties: false })).toBeUndefined();
    expect(cleanFunctionParameters(undefined)).toBeUndefined();
    expect(cleanFunctionParameters({ type: "object", properties: { q: { type: "string" } } })).toEqual({ type: "object", properties: { q: { type: "string" } } });
  });

  test("enums Gemini accepts: strings get type string; numbers/booleans drop the enum, keep or infer the type, list the values", () => {
    expect(cleanSchema({ enum: ["a", "b"] })).toEqual({ type: "string", enum: ["a", "b"] });
    expect(cleanSchema({ enum: ["a", null] })).toEqual({ type: "string", enum: ["a"], nullable: true });
    expect(cleanSchema({ const: 3, description: "Level." })).toEqual({ type: "integer", description: "Level. Allowed values: 3." });
    expect(cleanSchema({ enum: [0.5, 1] })).toEqual({ type: "number", description: "Allowed values: 0.5, 1." });
    expect(cleanSchema({ const: true })).toEqual({ type: "boolean", description: "Allowed values: true." });
    expect(cleanSchema({ type: "STRING", enum: ["x"] })).toEqual({ type: "STRING", enum: ["x"] });
    expect(cleanSchema({ anyOf: [{ const: "a" }, { const: "b" }] })).toEqual({ anyOf: [{ type: "string", enum: ["a"] }, { type: "string", enum: ["b"] }] });
  });

  test("arrays always have typed items (Gemini: items: missing field)", () => {
    expect(cleanSchema({ type: "array" })).toEqual({ type: "array", items: { type: "string" } });
    expect(cleanSchema({ type: ["array", "null"], items: {} })).toEqual({ type: "array", items: { type: "string" }, nullable: true });
    expect(cleanSchema({ type: "array", items: { description: "a tag" } })).toEqual({ type: "array", items: { type: "string", description: "a tag" } });
    expect(cleanSchema({ type: "array", items: { type: "integer" } })).toEqual({ type: "array", items: { type: "integer" } });
    expect(cleanSchema({ type: "array", prefixItems: [{ type: "number" }] })).toEqual({ type: "array", items: { type: "string" } });
    expect(cleanSchema({ type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } })).toEqual({ type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } });
  });
});
