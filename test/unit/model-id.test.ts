import { describe, expect, test } from "bun:test";
import { MAX_MODEL_ID_LENGTH, modelIdProblem } from "../../src/core/model-id.ts";

describe("the model-id rule", () => {
  test.each([
    "gpt-4o-mini",
    "ft:gpt-4o-mini-2024-07-18:my-org::9abcDEF",
    "meta-llama/llama-3.1-70b-instruct",
    "meta-llama/llama-3.1-8b-instruct:free",
    "accounts/fireworks/models/llama-v3p1-8b-instruct",
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-7-sonnet-20250219-v1:0",
    "gemini-1.5-pro-001",
    "models/gemini-pro",
    "tunedModels/my-tuned-1",
    "claude-3-5-sonnet@20240620",
    "Qwen/Qwen2.5-72B-Instruct-Turbo",
    "~anthropic/claude-sonnet-latest",
    "x".repeat(MAX_MODEL_ID_LENGTH),
  ])("accepts %s", (id) => {
    expect(modelIdProblem(id)).toBeUndefined();
  });

  test.each([
    "",
    "../../../../admin/delete?x=",
    "..",
    ".",
    "a/../b",
    "a/./b",
    "/leading",
    "trailing/",
    "a//b",
    "%2e%2e",
    "..%2F..%2Fadmin",
    "a#b",
    "a?x=1",
    "a\\..\\b",
    "a b",
    "a\tb",
    "a\nb",
    "a\u0000b",
    "a\u007fb",
    "ａdmin", // full-width look-alike
    "model\u202e", // RTL override
    "emoji-😀",
    "a\ud800b", // lone surrogate
    "quote\"d",
    "x".repeat(MAX_MODEL_ID_LENGTH + 1),
  ])("refuses %j", (id) => {
    expect(modelIdProblem(id)).toBeString();
  });
});
