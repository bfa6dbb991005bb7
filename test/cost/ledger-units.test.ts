// The ledger in memory, against a store that can be told to fail: rows kept across a failed write,
// a key's spend counting what is not yet written, days rolling over with the clock, what is counted.
import { expect, test } from "bun:test";
import { Ledger } from "../../src/cost/ledger.ts";
import type { RequestRecord } from "../../src/observability/events.ts";
import type { LedgerRow, LedgerStore } from "../../src/store/types.ts";

class FlakyStore implements LedgerStore {
  rowsWritten: LedgerRow[] = [];
  failNext = 0;
  async add(rows: readonly LedgerRow[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("store down");
    }
    this.rowsWritten.push(...rows.map((r) => ({ ...r })));
  }
  async rows(): Promise<LedgerRow[]> {
    return this.rowsWritten;
  }
  async spend(id: string): Promise<bigint> {
    return this.rowsWritten.filter((r) => r.key === id).reduce((sum, r) => sum + r.costPico, 0n);
  }
}

function rec(over: Partial<RequestRecord>): RequestRecord {
  return { operation: "chat", provider: "openai", model: "m", requestedModel: "m", status: 200, errorKind: undefined, cache: undefined, promptTokens: 3, completionTokens: 4, costPico: 10n, appKeyId: "key_A", ...over } as RequestRecord;
}

test("a failed write keeps the rows for the next flush; the key's spend counts them meanwhile", async () => {
  const store = new FlakyStore();
  let now = Date.parse("2026-01-01T23:59:59Z");
  const ledger = new Ledger(store, "test", false, 3_600_000, () => now);
  ledger.record(rec({}));
  store.failNext = 1;
  await ledger.flush();
  expect(store.rowsWritten).toHaveLength(0);
  expect(await ledger.spend("key_A", null)).toBe(10n);
  ledger.record(rec({}));
  now += 2000; // the next UTC day
  ledger.record(rec({ costPico: 5n }));
  expect(await ledger.spend("key_A", { from: "2026-01-02", to: "2026-01-02" })).toBe(5n);
  await ledger.flush();
  expect(store.rowsWritten.map((r) => [r.day, r.requests, r.costPico])).toEqual([["2026-01-01", 2, 20n], ["2026-01-02", 1, 5n]]);
  // Written: nothing pending, and nothing counted twice.
  expect(await ledger.spend("key_A", null)).toBe(25n);
  await ledger.close();
});

test("what a row counts: requests that reached an LLM call; errors; hits as saved, not spent; unpriced answers", async () => {
  const store = new FlakyStore();
  const ledger = new Ledger(store, "test", false, 3_600_000, () => 0);
  ledger.record(rec({ operation: undefined })); // refused before parsing: not in the ledger
  ledger.record(rec({ status: 502, errorKind: "upstream_error", costPico: undefined, promptTokens: undefined, completionTokens: undefined }));
  ledger.record(rec({ cache: "hit", costPico: 0n, savedPico: 10n }));
  ledger.record(rec({ costPico: 0n, costUnpriced: true }));
  ledger.record(rec({ appKeyId: undefined, costPico: 7n }));
  await ledger.close();
  const [keyed, keyless] = store.rowsWritten;
  expect(keyed).toMatchObject({ key: "key_A", requests: 3, errors: 1, cacheHits: 1, savedPico: 10n, costPico: 0n, unpriced: 1, promptTokens: 3, completionTokens: 4 });
  expect(keyless).toMatchObject({ key: "", requests: 1, costPico: 7n });
  // Recorded after close: dropped, not written to a closed store.
  ledger.record(rec({}));
  expect(store.rowsWritten).toHaveLength(2);
});
