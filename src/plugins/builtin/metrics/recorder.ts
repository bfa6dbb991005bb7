// Turns request records into metric updates. Requests of one kind (same path, method, provider,
// model, status, error kind and operation) update the same cells, so the cells are looked up once
// per kind and cached under one string key: a request then costs one Map lookup and a few number
// increments instead of ten attribute-hashing SDK updates.
import type { Attributes } from "@opentelemetry/api";
import type { PluginFailureEvent, RequestRecord } from "../../../observability/events.ts";
import { BoundedValues, boundedMethod, boundedPath, labelValue, type Instruments } from "./instruments.ts";
import type { HistogramCell, SumCell } from "./series.ts";

/** Cached kinds; beyond it the cache starts over (a flood of distinct models or paths must not grow it). */
const MAX_KINDS = 4096;

type TokenType = "input" | "output";

/** The cells one kind of request updates. Token cells are created on first use, so a kind that never
 *  reports output tokens (embeddings) does not list an empty output series. */
class KindCells {
  readonly requests: SumCell;
  readonly duration: HistogramCell;
  readonly own: HistogramCell;
  readonly errors: SumCell | undefined;
  readonly rateLimited: SumCell | undefined;
  private operationCell: HistogramCell | undefined;
  private readonly tokenCells: Partial<Record<TokenType, { usage: HistogramCell; total: SumCell }>> = {};
  private readonly gen: Attributes | undefined;
  private readonly errorKind: string | undefined;

  constructor(private readonly ins: Instruments, r: RequestRecord, private readonly provider: string, private readonly model: string) {
    this.errorKind = r.errorKind;
    const path = boundedPath(r.path);
    const status = r.status;
    this.requests = ins.requests.cell(key(path, provider, model, status), () => ({ path, provider, model, status }));
    const method = boundedMethod(r.method);
    this.duration = ins.duration.cell(key(method, path, status), () => ({
      "http.request.method": method, "http.route": path, "http.response.status_code": status,
    }));
    this.own = ins.ownDuration.cell(path, () => ({ "http.route": path }));
    const kind = r.errorKind;
    if (kind !== undefined) {
      this.errors = ins.errors.cell(key(kind, provider), () => ({ kind, provider }));
      if (kind === "rate_limited") this.rateLimited = ins.rateLimited.cell("", () => ({}));
    }
    if (r.operation !== undefined) this.gen = { "gen_ai.operation.name": r.operation, "gen_ai.provider.name": provider, "gen_ai.request.model": model };
  }

  /** gen_ai.client.operation.duration; the kind's error (if any) is its `error.type`. */
  operation(): HistogramCell | undefined {
    const gen = this.gen;
    if (gen === undefined) return undefined;
    const errorKind = this.errorKind;
    return (this.operationCell ??= this.ins.operationDuration.cell(
      key(gen["gen_ai.operation.name"] as string, this.provider, this.model, errorKind ?? ""),
      () => (errorKind === undefined ? gen : { ...gen, "error.type": errorKind }),
    ));
  }

  tokens(type: TokenType): { usage: HistogramCell; total: SumCell } {
    const gen = this.gen!;
    const { provider, model } = this;
    return (this.tokenCells[type] ??= {
      usage: this.ins.tokenUsage.cell(key(gen["gen_ai.operation.name"] as string, provider, model, type), () => ({ ...gen, "gen_ai.token.type": type })),
      total: this.ins.tokens.cell(key(provider, model, type), () => ({ provider, model, type })),
    });
  }
}

export class MetricsRecorder {
  private readonly kinds = new Map<string, KindCells>();
  /** The previous request's kind: traffic comes in runs of one kind, and comparing seven fields is
   *  cheaper than building and hashing the key. */
  private last: { r: KindFields; cells: KindCells } | undefined;
  private readonly models: BoundedValues;
  private readonly active: SumCell;

  constructor(private readonly ins: Instruments, maxModels: number) {
    this.models = new BoundedValues(maxModels);
    this.active = ins.active.cell("", () => ({}));
  }

  started(): void {
    this.active.value++;
  }

  ended(r: RequestRecord): void {
    this.active.value--;
    const cells = this.cellsFor(r);
    cells.requests.value++;
    cells.duration.record((r.endedAt - r.startedAt) / 1000);
    if (r.ownMs !== undefined) cells.own.record(r.ownMs / 1000);
    if (cells.errors !== undefined) cells.errors.value++;
    if (cells.rateLimited !== undefined) cells.rateLimited.value++;
    if (r.cache !== undefined) this.ins.cache.cell(r.cache, () => ({ result: r.cache! })).value++;
    if (r.cache === "hit") this.saved(r);
    if (r.appKeyId !== undefined) this.appKey(r, r.appKeyId);
    if (r.costPico !== undefined && r.cache !== "hit") this.cost(r, r.costPico);
    if (r.operation === undefined || r.llmStartedAt === undefined || r.llmEndedAt === undefined) return;
    cells.operation()!.record((r.llmEndedAt - r.llmStartedAt) / 1000);
    if (r.promptTokens !== undefined) countTokens(cells.tokens("input"), r.promptTokens);
    if (r.completionTokens !== undefined) countTokens(cells.tokens("output"), r.completionTokens);
  }

  private saved(r: RequestRecord): void {
    const series = this.ins.cacheTokensSaved;
    if (r.promptTokens !== undefined) series.cell("input", () => ({ type: "input" })).value += r.promptTokens;
    if (r.completionTokens !== undefined) series.cell("output", () => ({ type: "output" })).value += r.completionTokens;
  }

  private appKey(r: RequestRecord, id: string): void {
    const ins = this.ins;
    ins.appKeyRequests.cell(key(id, r.status), () => ({ app_key: id, status: r.status })).value++;
    if (r.promptTokens !== undefined) ins.appKeyTokens.cell(key(id, "input"), () => ({ app_key: id, type: "input" })).value += r.promptTokens;
    if (r.completionTokens !== undefined) ins.appKeyTokens.cell(key(id, "output"), () => ({ app_key: id, type: "output" })).value += r.completionTokens;
  }

  private cost(r: RequestRecord, pico: bigint): void {
    const provider = r.provider === undefined ? "none" : labelValue(r.provider);
    const model = r.model === undefined ? "none" : this.models.get(`${provider}/${r.model}`) === "other" ? "other" : labelValue(r.model);
    const app_key = r.appKeyId ?? "";
    this.ins.cost.cell(key(provider, model, app_key), () => ({ provider, model, app_key })).value += Number(pico) / 1e12;
  }

  pluginFailed(f: PluginFailureEvent): void {
    this.ins.pluginFailures.cell(key(f.plugin, f.hook, f.reason), () => ({ plugin: f.plugin, hook: f.hook, reason: f.reason })).value++;
  }

  private cellsFor(r: RequestRecord): KindCells {
    const last = this.last;
    if (last !== undefined && sameKind(last.r, r)) return last.cells;
    const cells = this.lookup(r);
    this.last = { r: { path: r.path, method: r.method, provider: r.provider, status: r.status, errorKind: r.errorKind, operation: r.operation, model: r.model }, cells };
    return cells;
  }

  private lookup(r: RequestRecord): KindCells {
    // The model goes last, marked, so a client-chosen model name cannot make two kinds' keys equal.
    const k = `${r.path}\0${r.method}\0${r.provider ?? ""}\0${r.status}\0${r.errorKind ?? ""}\0${r.operation ?? ""}\0${r.model === undefined ? "" : "=" + r.model}`;
    let cells = this.kinds.get(k);
    if (cells === undefined) {
      if (this.kinds.size >= MAX_KINDS) this.kinds.clear();
      const provider = r.provider === undefined ? "none" : labelValue(r.provider);
      const model = r.model === undefined ? "none" : this.models.get(`${provider}/${r.model}`) === "other" ? "other" : labelValue(r.model);
      cells = new KindCells(this.ins, r, provider, model);
      this.kinds.set(k, cells);
    }
    return cells;
  }
}

type KindFields = Pick<RequestRecord, "path" | "method" | "provider" | "status" | "errorKind" | "operation" | "model">;

function sameKind(a: KindFields, b: KindFields): boolean {
  return a.path === b.path && a.method === b.method && a.provider === b.provider && a.status === b.status &&
    a.errorKind === b.errorKind && a.operation === b.operation && a.model === b.model;
}

function countTokens(cells: { usage: HistogramCell; total: SumCell }, n: number): void {
  cells.usage.record(n);
  cells.total.value += n;
}

function key(...parts: Array<string | number>): string {
  return parts.join("\0");
}
