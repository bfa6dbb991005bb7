import { describe, expect, test } from "bun:test";
import { ANTHROPIC_TOOL_CALL_IDS, BEDROCK_TOOL_CALL_IDS, hashedId, MISTRAL_TOOL_CALL_IDS, rewriteToolCallIds } from "../../src/providers/shared/tool-call-ids.ts";

const history = [
  { role: "user", content: "weather?" },
  { role: "assistant", content: null, tool_calls: [
    { id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", type: "function", function: { name: "get_weather", arguments: "{}" } },
    { id: "toolu_01A09q90qw90lq917835lq9", type: "function", function: { name: "get_time", arguments: "{}" } },
    { id: "abcDEF123", type: "function", function: { name: "get_date", arguments: "{}" } },
  ] },
  { role: "tool", tool_call_id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", content: "18C" },
  { role: "tool", tool_call_id: "toolu_01A09q90qw90lq917835lq9", content: "noon" },
  { role: "tool", tool_call_id: "abcDEF123", content: "today" },
];

describe("tool-call id rewriting", () => {
  test("Mistral: foreign ids become 9 alphanumerics, the same in tool_calls and tool_call_id; accepted ids stay", () => {
    const out = rewriteToolCallIds(history, MISTRAL_TOOL_CALL_IDS) as typeof history;
    const ids = out[1]!.tool_calls!.map((c) => c.id);
    for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(ids[2]).toBe("abcDEF123");
    expect(new Set(ids).size).toBe(3);
    expect(out.slice(2).map((m) => m.tool_call_id)).toEqual(ids);
    // Deterministic: the next turn repeating the history gets the same ids.
    expect((rewriteToolCallIds(history, MISTRAL_TOOL_CALL_IDS) as typeof history)[1]!.tool_calls!.map((c) => c.id)).toEqual(ids);
    // The client's messages are not changed.
    expect(history[1]!.tool_calls![0]!.id).toBe("call_DdmO9pD3xa9XTPNJ32zg2hcA");
    expect(out[0]).toBe(history[0]!);
  });

  test("a history with nothing to rewrite is the same array", () => {
    const plain = [{ role: "user", content: "x" }, { role: "assistant", tool_calls: [{ id: "abcDEF123" }] }, { role: "tool", tool_call_id: "abcDEF123" }];
    expect(rewriteToolCallIds(plain, MISTRAL_TOOL_CALL_IDS)).toBe(plain);
  });

  test("hashedId: fixed length, base62, spreads distinct inputs", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = hashedId(`call_${i}`, 9);
      expect(id).toMatch(/^[a-zA-Z0-9]{9}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(5000);
  });
});

describe("Anthropic and Bedrock id formats", () => {
  test("ids outside [a-zA-Z0-9_-] (Kimi-style) or over 64 characters (Bedrock) are rewritten, readable and distinct", () => {
    const kimi = ANTHROPIC_TOOL_CALL_IDS.rewrite("functions.get_weather:0");
    expect(kimi).toMatch(/^functions_get_weather_0_[a-zA-Z0-9]{9}$/);
    expect(ANTHROPIC_TOOL_CALL_IDS.rewrite("functions.get_weather:1")).not.toBe(kimi);
    expect(ANTHROPIC_TOOL_CALL_IDS.accepts.test("call_x__ts_Cr0CAdHtim9".padEnd(400, "a"))).toBe(true);
    const long = "call_x__ts_Cr0CAdHtim9".padEnd(400, "a");
    expect(BEDROCK_TOOL_CALL_IDS.accepts.test(long)).toBe(false);
    const rewritten = BEDROCK_TOOL_CALL_IDS.rewrite(long);
    expect(rewritten).toMatch(BEDROCK_TOOL_CALL_IDS.accepts);
    expect(BEDROCK_TOOL_CALL_IDS.rewrite(long.slice(0, -1) + "b")).not.toBe(rewritten);
    for (const id of ["call_DdmO9pD3xa9XTPNJ32zg2hcA", "toolu_01A09q90qw90lq917835lq9", "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "D681PevKs"]) {
      expect(ANTHROPIC_TOOL_CALL_IDS.accepts.test(id)).toBe(true);
      expect(BEDROCK_TOOL_CALL_IDS.accepts.test(id)).toBe(true);
    }
  });
});
