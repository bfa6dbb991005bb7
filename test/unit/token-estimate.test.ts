// The local count_tokens estimate against input_tokens Anthropic recorded for real requests
// (test/fixtures/count-tokens/), and the count_tokens parse rule.
import { describe, expect, test } from "bun:test";
import { parseMessagesRequest } from "../../src/server/ingress/anthropic/request.ts";
import { countTokens } from "../../src/server/operations/count-tokens.ts";
import { estimateInputTokens } from "../../src/providers/shared/token-estimate.ts";
import type { ChatCompletionRequest } from "../../src/core/openai-types.ts";
import { NATIVE, type MessagesRequest } from "../../src/engine/operations.ts";

interface Sample { name: string; anthropic_input_tokens: number; request: Record<string, unknown> }
const fixture = (await Bun.file(new URL("../fixtures/count-tokens/anthropic-recorded.json", import.meta.url)).json()) as { samples: Sample[] };

describe("estimateInputTokens", () => {
  test("recorded Anthropic counts: every sample within 0.7–1.1×, the mean within 0.85–1.0×", async () => {
    const ratios: number[] = [];
    for (const s of fixture.samples) {
      const estimate = await estimateInputTokens(parseMessagesRequest(s.request, { maxTokens: "optional" }));
      const ratio = estimate / s.anthropic_input_tokens;
      expect({ name: s.name, ok: ratio >= 0.7 && ratio <= 1.1 }).toEqual({ name: s.name, ok: true });
      ratios.push(ratio);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    expect(mean).toBeGreaterThanOrEqual(0.85);
    expect(mean).toBeLessThanOrEqual(1.0);
  });

  test("counts system, text, tool calls, tool results and tool definitions; grows with the input", async () => {
    const base: ChatCompletionRequest = { model: "m", messages: [{ role: "user", content: "Hello there" }] };
    const n0 = await estimateInputTokens(base);
    expect(Number.isInteger(n0) && n0 > 0).toBe(true);
    const longer = await estimateInputTokens({ ...base, messages: [{ role: "user", content: "Hello there ".repeat(50) }] });
    expect(longer).toBeGreaterThan(n0);
    const withSystem = await estimateInputTokens({ ...base, messages: [{ role: "system", content: "Be brief." }, ...base.messages] });
    expect(withSystem).toBeGreaterThan(n0);
    const withCall = await estimateInputTokens({ ...base, messages: [...base.messages,
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "lookup", arguments: "{\"q\":\"weather in Paris\"}" } }] },
      { role: "tool", tool_call_id: "c1", content: "Sunny, 21 degrees" }] });
    expect(withCall).toBeGreaterThan(withSystem);
    const tool = { type: "function" as const, function: { name: "lookup", description: "Looks things up", parameters: { type: "object", properties: { q: { type: "string" } } } } };
    const withTool = await estimateInputTokens({ ...base, tools: [tool] });
    const withTwoTools = await estimateInputTokens({ ...base, tools: [tool, { ...tool, function: { ...tool.function, name: "lookup2" } }] });
    expect(withTool).toBeGreaterThan(n0);
    expect(withTwoTools).toBeGreaterThan(withTool);
  });
});

test("the tokenizer loads on the first estimate, not with the server", async () => {
  const proc = Bun.spawn([process.execPath, new URL("./token-estimate.child.ts", import.meta.url).pathname], { stdout: "pipe", stderr: "inherit" });
  expect(JSON.parse(await new Response(proc.stdout).text())).toEqual({ before: false, after: true });
});

describe("count_tokens parse", () => {
  const messages = [{ role: "user", content: "x" }];
  // The translation, without the client's own body kept beside it under a symbol for native targets.
  const parse = (body: Record<string, unknown>) => JSON.parse(JSON.stringify(countTokens.parse(body, new Headers(), undefined as never))) as unknown;
  test("max_tokens is optional, still checked when present; sampling and stream fields are dropped", () => {
    expect(parse({ model: "a/b", messages })).toEqual({ model: "a/b", messages: [{ role: "user", content: "x" }] });
    const parsed = parse({ model: "a/b", messages, max_tokens: 10, temperature: 0.5, top_k: 3, stop_sequences: ["s"], stream: true, metadata: { user_id: "u" } });
    expect(parsed).toEqual({ model: "a/b", messages: [{ role: "user", content: "x" }] });
    // Checked when present: a translating target answers its 400; a native one gets the body as it is.
    const bad = countTokens.parse({ model: "a/b", messages, max_tokens: 0 }, new Headers(), undefined as never) as MessagesRequest;
    expect(bad[NATIVE]?.untranslatable?.message).toMatch(/max_tokens/);
    expect(() => parseMessagesRequest({ model: "a/b", messages })).toThrow(/max_tokens: Field required/);
  });
});
