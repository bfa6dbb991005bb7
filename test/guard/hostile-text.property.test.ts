// Hostile text through the built guard: random Unicode (lone surrogates, CJK runs, combining marks,
// zero-width and bidi controls), very long single words, thousands of tokens (the classifier's
// buffers grow past their first 1,024 slots), repeated words, and deep JSON-ish punctuation. Every
// call, classifier on or off, answers a well-formed hook output: nothing traps, hangs or
// answers garbage, and a verdict (when there is one) names a known category.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { fuzzRuns } from "../support/all-providers.ts";
import { categoryOf, loadGuard, type Guard } from "./guard-plugin.ts";

const runs = fuzzRuns(1616);
const CATEGORIES = new Set(["instruction_override", "role_hijack", "prompt_extraction", "delimiter_injection", "encoded_payload", "data_exfiltration", "tool_abuse", "unicode_obfuscation"]);

const piece = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.string({ unit: "grapheme", maxLength: 60 }),
  fc.constantFrom("\u200b", "\u202e", "\u2066", "\ud800", "\udfff", "\u0301\u0301\u0301", "漢字かな交じり文", "ignore", "previous", "instructions", "DAN", "1gn0r3", "{", "}", "```", "<|im_start|>", "\\u0069", "&#105;", ".-.. ---", "01101001"),
);
const text = fc.oneof(
  fc.array(piece, { maxLength: 40 }).map((a) => a.join(" ")),
  fc.tuple(fc.constantFrom("word", "AI", "ignore", "漢", "a1b2"), fc.integer({ min: 500, max: 6000 })).map(([w, n]) => Array(n).fill(w).join(w === "漢" ? "" : " ")),
  fc.integer({ min: 1, max: 20000 }).map((n) => "x".repeat(n)),
);

let on: Guard;
let off: Guard;
beforeAll(async () => {
  [on, off] = await Promise.all([loadGuard({ mode: "log" }), loadGuard({ mode: "log", classifier: "off" })]);
});
afterAll(async () => {
  await Promise.all([on.close(), off.close()]);
});

describe("prompt-guard on hostile text", () => {
  test("always a well-formed answer; a reported category is a known one; classifier off never reports a classifier pattern", async () => {
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        for (const [guard, classifier] of [[on, true], [off, false]] as const) {
          const out = await guard.user(t);
          expect(typeof out).toBe("object");
          expect(out.respond).toBeUndefined();
          const category = categoryOf(out);
          if (category === undefined) continue;
          expect(CATEGORIES.has(category)).toBe(true);
          if (!classifier) expect(String(out.log!.fields.pattern)).not.toStartWith("classifier.");
        }
      }),
      runs(300),
    );
  }, 120_000);
});
