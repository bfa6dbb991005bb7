// With several workers a scrape of /metrics lands on one of them (the kernel picks a connection's
// worker), and each worker counts only its own requests. So the worker that is asked gathers every
// worker's exposition through the supervisor, over the IPC channel, and answers with all of them
// (prometheus-merge.ts: each sample labelled `worker`). A worker that does not answer in time is left
// out of that scrape rather than holding it.
import { mergeExpositions, type WorkerExposition } from "../observability/prometheus-merge.ts";

/** Worker → supervisor: a scrape arrived; `id` is the worker's own. */
export interface MetricsRequest { type: "metrics-request"; id: number }
/** Supervisor → every worker: send your exposition for collection `id`. */
export interface MetricsCollect { type: "metrics-collect"; id: number }
/** Worker → supervisor: this worker's exposition (null: no metrics plugin in its config). */
export interface MetricsText { type: "metrics-text"; id: number; text: string | null }
/** Supervisor → the asking worker: what every worker sent, by number. */
export interface MetricsAnswer { type: "metrics-answer"; id: number; parts: WorkerExposition[] }

export type MetricsMessage = MetricsRequest | MetricsCollect | MetricsText | MetricsAnswer;

export function isMetricsMessage(message: unknown): message is MetricsMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === "string" && type.startsWith("metrics-") && typeof (message as { id?: unknown }).id === "number";
}

/** How long the supervisor waits for the workers' texts; the asking worker waits a little longer. */
export const COLLECT_TIMEOUT_MS = 1000;

/**
 * A worker's side: `receive` answers the supervisor's collections from `scrapeLocal` (undefined: no
 * metrics plugin); `scrape` is what the /metrics handler calls instead of scraping this process alone
 * (`own` is this worker's exposition, used alone when the supervisor does not answer in time).
 */
export function joinClusterMetrics(worker: number, scrapeLocal: () => Promise<string> | undefined, send: (m: MetricsMessage) => void = toSupervisor) {
  let next = 0;
  const waiting = new Map<number, (parts: WorkerExposition[]) => void>();
  const receive = (message: MetricsMessage): void => {
    if (message.type === "metrics-collect") {
      const reply = (text: string | null) => send({ type: "metrics-text", id: message.id, text });
      const local = scrapeLocal();
      if (local === undefined) reply(null);
      else local.then(reply, () => reply(null));
    } else if (message.type === "metrics-answer") {
      waiting.get(message.id)?.(message.parts);
    }
  };
  const scrape = async (own: () => Promise<string>): Promise<string> => {
    const id = ++next;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const parts = await new Promise<WorkerExposition[] | undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), COLLECT_TIMEOUT_MS + 500);
      waiting.set(id, resolve);
      send({ type: "metrics-request", id });
    });
    clearTimeout(timer);
    waiting.delete(id);
    // Without the supervisor's answer (gone, or slower than the wait) this worker's own numbers still go out, labelled.
    const all = parts?.some((p) => p.worker === worker) ? parts : [...(parts ?? []), { worker, text: await own() }];
    return mergeExpositions(all.sort((a, b) => a.worker - b.worker));
  };
  return { scrape, receive };
}

/** Over the IPC channel; with the supervisor gone the scrape falls back to this worker's own numbers after the wait. */
function toSupervisor(message: MetricsMessage): void {
  try {
    process.send?.(message);
  } catch {
    // The channel has closed.
  }
}

/** The supervisor's side: one collection per request, answered when every worker asked has sent its text or the time is up. */
export class MetricsCollector {
  private next = 0;
  private readonly open = new Map<number, { parts: WorkerExposition[]; missing: Set<number>; done: () => void }>();

  /**
   * `from` asked (request id `id`); `workers` are the live workers, each with its way to receive a
   * message. `answer` delivers the result to the asking worker.
   */
  request(id: number, workers: ReadonlyMap<number, (m: MetricsMessage) => void>, answer: (m: MetricsAnswer) => void): void {
    const cid = ++this.next;
    const parts: WorkerExposition[] = [];
    const missing = new Set(workers.keys());
    const timer = setTimeout(() => finish(), COLLECT_TIMEOUT_MS);
    const finish = () => {
      if (!this.open.delete(cid)) return;
      clearTimeout(timer);
      answer({ type: "metrics-answer", id, parts });
    };
    this.open.set(cid, { parts, missing, done: finish });
    for (const send of workers.values()) send({ type: "metrics-collect", id: cid });
    if (missing.size === 0) finish();
  }

  /** A worker's text for collection `m.id`. */
  received(worker: number, m: MetricsText): void {
    const collection = this.open.get(m.id);
    if (collection === undefined || !collection.missing.delete(worker)) return;
    if (typeof m.text === "string") collection.parts.push({ worker, text: m.text });
    if (collection.missing.size === 0) collection.done();
  }
}
