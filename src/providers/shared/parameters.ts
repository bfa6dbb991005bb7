import { errors } from "../../core/errors.ts";
import type { ChatCompletionRequest } from "../../core/openai-types.ts";

// Sampling parameters across providers: one table per provider kind (declared beside the provider,
// handed over by its adapter as `parameters`) and one rule applying it, run by the engine before
// every chat attempt. No provider code clamps or drops these parameters on its own.
//
// The rule, in order:
// 1. A value outside OpenAI's documented range (the client's contract) is a 400 naming the
//    parameter, whichever provider answers: the same answer OpenAI itself gives.
// 2. A value inside OpenAI's range but outside the provider's (temperature 1.5 for Anthropic) is
//    clamped to the provider's nearest bound. Clamping is documented behaviour, not an error.
// 3. For models that reject two parameters together (Claude Sonnet/Haiku 4.5, Opus 4.1 and later
//    reject temperature with top_p), the second is dropped when both are given.
// 4. A parameter the provider has no equivalent for is removed when its value means nothing (a
//    penalty of 0, `logprobs: false`, an empty `logit_bias`) and is a 400 naming it otherwise:
//    never silently dropped.
// The request is copied only when something changes (it is shared by the request's attempts).

export type RangedParameter = "temperature" | "top_p" | "presence_penalty" | "frequency_penalty";

export interface Range {
  readonly min: number;
  readonly max: number;
}

export type Ranges = Readonly<Partial<Record<RangedParameter, Range>>>;

/** A request field the provider cannot express, and which of its values mean "nothing asked". */
export interface UnsupportedParameter {
  readonly name: keyof ChatCompletionRequest & string;
  neutral(value: unknown): boolean;
}

const isZero = (v: unknown) => v === 0;
const isFalse = (v: unknown) => v === false;
const isEmptyObject = (v: unknown) => typeof v === "object" && v !== null && Object.keys(v).length === 0;

/** Presence and frequency penalties (Anthropic, Bedrock Converse). */
export const NO_PENALTIES: readonly UnsupportedParameter[] = [
  { name: "presence_penalty", neutral: isZero },
  { name: "frequency_penalty", neutral: isZero },
];

/** Token biases (Gemini takes log-probabilities but has no logit bias). */
export const NO_LOGIT_BIAS: readonly UnsupportedParameter[] = [{ name: "logit_bias", neutral: isEmptyObject }];

/** Token log-probabilities and biases. */
export const NO_LOGPROBS: readonly UnsupportedParameter[] = [
  { name: "logprobs", neutral: isFalse },
  { name: "top_logprobs", neutral: isZero },
  ...NO_LOGIT_BIAS,
];

/** Rules for the models whose id (as the provider knows it) matches `models`. */
export interface ModelParameterRule {
  readonly models: RegExp;
  /** Ranges for these models, over the provider's own. */
  readonly ranges?: Ranges;
  /** Parameters these models cannot take, over the provider's own. */
  readonly unsupported?: readonly UnsupportedParameter[];
  /** Parameters these models reject together: when both are given, `drop` is removed and `keep` is sent. */
  readonly exclusive?: { readonly keep: RangedParameter; readonly drop: RangedParameter };
}

/** One provider kind's declaration. Parameters it does not name follow OpenAI's ranges. */
export interface ParameterTable {
  readonly ranges?: Ranges;
  readonly unsupported?: readonly UnsupportedParameter[];
  /** Every matching rule applies, in order. */
  readonly models?: readonly ModelParameterRule[];
}

/** OpenAI's documented ranges: what a client may send to any provider. */
export const OPENAI_RANGES: Readonly<Record<RangedParameter, Range>> = {
  temperature: { min: 0, max: 2 },
  top_p: { min: 0, max: 1 },
  presence_penalty: { min: -2, max: 2 },
  frequency_penalty: { min: -2, max: 2 },
};

const PARAMETERS = Object.keys(OPENAI_RANGES) as RangedParameter[];

/**
 * Claude models that reject `temperature` and `top_p` in one request: Sonnet and Haiku 4.5 and
 * later, Opus 4.1 and later, any family from 5 on. Matches the ids of every host: `claude-sonnet-4-5`,
 * `claude-sonnet-4-5@20250929` (Vertex), `us.anthropic.claude-opus-4-1-20250805-v1:0` (Bedrock).
 * `claude-opus-4-20250514` (Opus 4.0) and `claude-3-7-sonnet` do not match.
 */
export const CLAUDE_SAMPLING_EXCLUSIVE =
  /claude-(?:(?:sonnet|haiku)-4-[5-9](?!\d)|opus-4-[1-9](?!\d)|(?:opus|sonnet|haiku)-(?:[5-9]|[1-9]\d)(?!\d))/;

/** Anthropic's Messages API range, on every host (direct, Vertex, Bedrock); Bedrock Converse has it for every model. */
export const TEMPERATURE_0_1: Ranges = { temperature: { min: 0, max: 1 } };

/** Drops `top_p` when `temperature` is given too, for the Claude models that reject both. */
export const CLAUDE_SAMPLING_RULE: ModelParameterRule = {
  models: CLAUDE_SAMPLING_EXCLUSIVE,
  exclusive: { keep: "temperature", drop: "top_p" },
};

/** Claude on a host that also serves other models (Vertex): the range and the exclusion, by model id. */
export const CLAUDE_RULES: readonly ModelParameterRule[] = [
  { models: /claude/, ranges: TEMPERATURE_0_1, unsupported: [...NO_PENALTIES, ...NO_LOGPROBS] },
  CLAUDE_SAMPLING_RULE,
];

/**
 * Gemini's generationConfig (Gemini API and Vertex): presencePenalty and frequencyPenalty from -2.0 up
 * to, but not including, 2.0; 2 is sent as 1.99.
 */
export const GEMINI_RANGES: Ranges = {
  presence_penalty: { min: -2, max: 1.99 },
  frequency_penalty: { min: -2, max: 1.99 },
};

interface Resolved {
  /** The provider's ranges that differ from OpenAI's, per parameter. */
  readonly ranges: Ranges;
  readonly unsupported: readonly UnsupportedParameter[];
  readonly exclusive: ReadonlyArray<{ keep: RangedParameter; drop: RangedParameter }>;
}

/** Distinct model ids remembered per table before the memo starts over (a bound, not a tuning knob). */
const MEMO_LIMIT = 512;

/** A table compiled once per adapter; `fit` is what the engine calls. */
export class ParameterRules {
  private readonly memo = new Map<string, Resolved>();
  private readonly base: Resolved;
  /** Every field some rule of this table may refuse: looked at first, so the common request stays a few reads. */
  private readonly watched: readonly string[];

  constructor(private readonly table: ParameterTable = {}) {
    this.base = { ranges: table.ranges ?? {}, unsupported: table.unsupported ?? [], exclusive: [] };
    const names = new Set<string>((table.unsupported ?? []).map((u) => u.name));
    for (const rule of table.models ?? []) for (const u of rule.unsupported ?? []) names.add(u.name);
    this.watched = [...names];
  }

  /**
   * The request this provider can take: unchanged when nothing applies (the common case costs a few
   * property reads). `provider` names the provider in a refusal.
   */
  fit(request: ChatCompletionRequest, model: string, provider?: string): ChatCompletionRequest {
    let unsupported = false;
    for (const name of this.watched) if ((request as Record<string, unknown>)[name] !== undefined) unsupported = true;
    if (!unsupported && request.temperature === undefined && request.top_p === undefined
      && request.presence_penalty === undefined && request.frequency_penalty === undefined) return request;
    const rules = this.resolve(model);
    let out = request;
    for (const u of rules.unsupported) {
      const value = (request as Record<string, unknown>)[u.name];
      if (value === undefined) continue;
      if (!u.neutral(value)) {
        const where = provider === undefined ? "this provider" : `provider '${provider}'`;
        throw errors.invalidRequest(`'${u.name}' has no equivalent on ${where} for model '${model}'; leave it out (or send its neutral value) to use this model.`, u.name);
      }
      if (out === request) out = { ...request };
      delete (out as Record<string, unknown>)[u.name];
    }
    for (const name of PARAMETERS) {
      const value = request[name];
      if (typeof value !== "number") continue;
      const contract = OPENAI_RANGES[name];
      if (value < contract.min || value > contract.max) {
        throw errors.invalidRequest(`Invalid value for '${name}': expected a number from ${contract.min} to ${contract.max}, but got ${value}.`, name);
      }
      const range = rules.ranges[name];
      if (range === undefined || (value >= range.min && value <= range.max)) continue;
      if (out === request) out = { ...request };
      out[name] = value < range.min ? range.min : range.max;
    }
    for (const { keep, drop } of rules.exclusive) {
      if (typeof out[keep] !== "number" || typeof out[drop] !== "number") continue;
      if (out === request) out = { ...request };
      delete out[drop];
    }
    return out;
  }

  private resolve(model: string): Resolved {
    const models = this.table.models;
    if (models === undefined || models.length === 0) return this.base;
    let resolved = this.memo.get(model);
    if (resolved !== undefined) return resolved;
    let ranges: Ranges | undefined;
    let unsupported = this.base.unsupported;
    const exclusive: Array<{ keep: RangedParameter; drop: RangedParameter }> = [];
    for (const rule of models) {
      if (!rule.models.test(model)) continue;
      if (rule.ranges) ranges = { ...(ranges ?? this.base.ranges), ...rule.ranges };
      if (rule.unsupported) unsupported = [...unsupported, ...rule.unsupported];
      if (rule.exclusive) exclusive.push(rule.exclusive);
    }
    resolved = ranges === undefined && exclusive.length === 0 && unsupported === this.base.unsupported
      ? this.base
      : { ranges: ranges ?? this.base.ranges, unsupported, exclusive };
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(model, resolved);
    return resolved;
  }
}

/** For adapters with no table: OpenAI's ranges are still the contract. */
export const OPENAI_PARAMETERS = new ParameterRules();
