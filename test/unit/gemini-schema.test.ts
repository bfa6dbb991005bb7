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
    expect(cleanSchema({ type: "integer", enum: [1, 2] })).toEqual({ type: "integer" });
    expect(cleanSchema({ const: "fixed" })).toEqual({ enum: ["fixed"] });
    expect(cleanSchema({ allOf: [{ type: "object", properties: { a: { type: "string" } }, required: ["a"] }, { properties: { b: { type: "number" } } }] }))
      .toEqual({ type: "object", properties: { a: { type: "string" }, b: { type: "number" } }, required: ["a"] });
  });

  test("parameters that say nothing (no properties) are omitted", () => {
    expect(cleanFunctionParameters({ type: "object", properties: {}, additionalProperties: false })).toBeUndefined();
    expect(cleanFunctionParameters(undefined)).toBeUndefined();
    expect(cleanFunctionParameters({ type: "object", properties: { q: { type: "string" } } })).toEqual({ type: "object", properties: { q: { type: "string" } } });
  });
});
