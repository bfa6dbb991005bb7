import { describe, expect, test } from "bun:test";
import type { ChatCompletionRequest } from "../../src/core/openai-types.ts";
import { GatewayError } from "../../src/core/errors.ts";
import {
  CLAUDE_RULES, CLAUDE_SAMPLING_EXCLUSIVE, CLAUDE_SAMPLING_RULE, GEMINI_RANGES, OPENAI_PARAMETERS, ParameterRules, TEMPERATURE_0_1,
} from "../../src/providers/shared/parameters.ts";

const req = (extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({ model: "m", messages: [{ role: "user", content: "x" }], ...extra });
const anthropicLike = new ParameterRules({ ranges: TEMPERATURE_0_1, models: [CLAUDE_SAMPLING_RULE] });
const vertexLike = new ParameterRules({ models: CLAUDE_RULES });

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error("expected a refusal");
}

describe("the parameter rule", () => {
  test("a request without ranged parameters is returned as it is (no copy)", () => {
    const r = req({ max_tokens: 5 });
    expect(anthropicLike.fit(r, "claude-sonnet-4-5")).toBe(r);
    expect(OPENAI_PARAMETERS.fit(r, "gpt-4o")).toBe(r);
  });

  test("inside the provider's range: unchanged, the same object", () => {
    const r = req({ temperature: 0.7, top_p: 0.9, presence_penalty: -1.5, frequency_penalty: 2 });
    expect(anthropicLike.fit(r, "claude-3-5-sonnet-20240620")).toBe(r);
    expect(OPENAI_PARAMETERS.fit(r, "gpt-4o")).toBe(r);
  });

  test("inside OpenAI's range but above the provider's: clamped on a copy, the client's request untouched", () => {
    const r = req({ temperature: 1.7 });
    const out = anthropicLike.fit(r, "claude-3-5-sonnet-20240620");
    expect(out.temperature).toBe(1);
    expect(r.temperature).toBe(1.7);
    expect(OPENAI_PARAMETERS.fit(r, "gpt-4o").temperature).toBe(1.7);
  });

  test("outside OpenAI's range: a 400 naming the parameter, for every provider", () => {
    for (const [name, value] of [["temperature", 2.5], ["temperature", -0.1], ["top_p", 1.5], ["presence_penalty", -3], ["frequency_penalty", 2.01]] as const) {
      for (const rules of [OPENAI_PARAMETERS, anthropicLike, vertexLike]) {
        const err = refusal(() => rules.fit(req({ [name]: value }), "claude-sonnet-4-5"));
        expect(err.status).toBe(400);
        expect(err.param).toBe(name);
      }
    }
  });

  test("Claude models that reject temperature with top_p: top_p dropped when both are given", () => {
    for (const model of ["claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-opus-4-1-20250805", "claude-opus-4-5",
      "claude-sonnet-4-5@20250929", "anthropic.claude-sonnet-4-5-20250929-v1:0", "us.anthropic.claude-opus-4-1-20250805-v1:0", "claude-sonnet-5", "claude-opus-4-6"]) {
      expect(CLAUDE_SAMPLING_EXCLUSIVE.test(model)).toBe(true);
      const out = anthropicLike.fit(req({ temperature: 0.5, top_p: 0.9 }), model);
      expect(out.temperature).toBe(0.5);
      expect("top_p" in out).toBe(false);
      // One of them alone goes as it is.
      expect(anthropicLike.fit(req({ top_p: 0.9 }), model).top_p).toBe(0.9);
    }
  });

  test("older Claude models keep both", () => {
    for (const model of ["claude-opus-4-20250514", "claude-sonnet-4-20250514", "claude-3-7-sonnet-latest", "claude-3-5-haiku-latest", "anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-opus-4"]) {
      expect(CLAUDE_SAMPLING_EXCLUSIVE.test(model)).toBe(false);
      const out = anthropicLike.fit(req({ temperature: 0.5, top_p: 0.9 }), model);
      expect(out.top_p).toBe(0.9);
    }
  });

  test("a host with several model families: rules by model id (Vertex: Claude clamped, Gemini not)", () => {
    expect(vertexLike.fit(req({ temperature: 1.5 }), "claude-3-5-sonnet@20240620").temperature).toBe(1);
    expect(vertexLike.fit(req({ temperature: 1.5 }), "gemini-2.5-pro").temperature).toBe(1.5);
    const both = vertexLike.fit(req({ temperature: 1.5, top_p: 0.5 }), "claude-sonnet-4-5@20250929");
    expect(both).toMatchObject({ temperature: 1 });
    expect("top_p" in both).toBe(false);
    expect(vertexLike.fit(req({ temperature: 1.5, top_p: 0.5 }), "gemini-2.5-pro").top_p).toBe(0.5);
  });

  test("a lower bound clamps up", () => {
    const rules = new ParameterRules({ ranges: { presence_penalty: { min: 0, max: 2 } } });
    expect(rules.fit(req({ presence_penalty: -1 }), "m").presence_penalty).toBe(0);
  });
});

describe("Gemini penalties", () => {
  test("presence/frequency penalty 2 (Gemini takes up to, not including, 2.0) goes as 1.99; -2 and 1.5 as sent", () => {
    const gemini = new ParameterRules({ ranges: GEMINI_RANGES });
    const out = gemini.fit(req({ presence_penalty: 2, frequency_penalty: 2 }), "gemini-2.5-pro");
    expect(out).toMatchObject({ presence_penalty: 1.99, frequency_penalty: 1.99 });
    const inside = req({ presence_penalty: -2, frequency_penalty: 1.5 });
    expect(gemini.fit(inside, "gemini-2.5-pro")).toBe(inside);
  });
});
