import { errors } from "../../../core/errors.ts";
import type { GenerationConfig } from "./wire.ts";

// OpenAI `reasoning_effort` → Gemini `thinkingConfig`, by model generation:
//   Gemini 3 and later take a `thinkingLevel`; Pro knows low and high, the others minimal, low, medium, high.
//     Thinking cannot be switched off there, so `none` is the lowest level the model has.
//   Gemini 2.5 (and anything not recognisably 3+) takes a `thinkingBudget` in tokens, as Google's own
//     OpenAI-compatibility layer maps it (none/minimal 0, low 1024, medium 8192, high 24576). 2.5 Pro cannot
//     switch thinking off either: its floor is 128.
// Gemini 1.x and 2.0 (but 2.0 Flash Thinking) cannot think: reasoning_effort is checked and not sent.
// Whenever the model thinks, `includeThoughts: true` asks for the thought summaries, which come back as
// `reasoning_content`.

const EFFORTS = ["none", "minimal", "low", "medium", "high", "xhigh"] as const;
type Effort = (typeof EFFORTS)[number];
const BUDGET: Record<Effort, number> = { none: 0, minimal: 0, low: 1024, medium: 8192, high: 24576, xhigh: 24576 };
const LEVEL_PRO: Record<Effort, string> = { none: "low", minimal: "low", low: "low", medium: "high", high: "high", xhigh: "high" };
const LEVEL: Record<Effort, string> = { none: "minimal", minimal: "minimal", low: "low", medium: "medium", high: "high", xhigh: "high" };
const PRO_MIN_BUDGET = 128;
const NO_THINKING = /(?:^|\/)gemini-(?:1\.|2\.0-(?!flash-thinking))/;

/** The major version of a Gemini model id (`gemini-3-pro-preview`, `models/gemini-2.5-flash`), or 0. */
export function geminiGeneration(model: string): number {
  const m = /(?:^|\/)gemini-(\d+)/.exec(model);
  return m ? Number(m[1]) : 0;
}

export function thinkingConfig(effort: unknown, model: string): GenerationConfig["thinkingConfig"] | undefined {
  if (effort === undefined) return undefined;
  if (typeof effort !== "string" || !(EFFORTS as readonly string[]).includes(effort)) {
    throw errors.invalidRequest(`reasoning_effort: expected one of ${EFFORTS.join(", ")}.`, "reasoning_effort");
  }
  // Gemini 1.x and 2.0 have no thinking to configure (Google rejects a thinkingConfig there): nothing is sent.
  if (NO_THINKING.test(model)) return undefined;
  const e = effort as Effort;
  const pro = /-pro\b/.test(model);
  if (geminiGeneration(model) >= 3) return { thinkingLevel: (pro ? LEVEL_PRO : LEVEL)[e], includeThoughts: true };
  let budget = BUDGET[e];
  if (pro && budget < PRO_MIN_BUDGET) budget = PRO_MIN_BUDGET;
  return budget > 0 ? { thinkingBudget: budget, includeThoughts: true } : { thinkingBudget: 0 };
}
