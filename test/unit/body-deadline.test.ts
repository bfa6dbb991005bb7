import { describe, expect, test } from "bun:test";
import { GatewayError } from "../../src/core/errors.ts";
import { BodyDeadline } from "../../src/server/body-deadline.ts";

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("BodyDeadline", () => {
  test("reads that finish in time settle with their value; the rest expire with request_timeout, not before their time", async () => {
    const started = performance.now();
    const reads = Array.from({ length: 50 }, () => deferred<string>());
    const deadlines = reads.map((r, i) => new BodyDeadline(r.promise, i % 2 === 0 ? 60 : 150));
    const outcomes = deadlines.map((d) =>
      d.race().then(
        (v) => ({ ok: v, at: performance.now() - started }),
        (e: GatewayError) => ({ err: e.kind, at: performance.now() - started }),
      ).finally(() => d.cancel()),
    );
    // every third read finishes early, out of order (exercises the swap-removal)
    for (let i = 48; i >= 0; i -= 3) reads[i]!.resolve(`body ${i}`);
    await Bun.sleep(100);
    reads[1]!.resolve("late but in time"); // its deadline is 150 ms
    const results = await Promise.all(outcomes);
    results.forEach((r, i) => {
      if (i % 3 === 0) expect(r).toMatchObject({ ok: `body ${i}` });
      else if (i === 1) expect(r).toMatchObject({ ok: "late but in time" });
      else {
        expect(r).toMatchObject({ err: "request_timeout" });
        expect(r.at).toBeGreaterThanOrEqual(i % 2 === 0 ? 59 : 149);
        expect(r.at).toBeLessThan((i % 2 === 0 ? 60 : 150) + 500);
      }
    });
  });

  test("a read that rejects after its deadline passed is not an unhandled rejection", async () => {
    let reject!: (e: Error) => void;
    const read = new Promise<string>((_, r) => (reject = r));
    const d = new BodyDeadline(read, 20);
    await expect(d.race()).rejects.toMatchObject({ kind: "request_timeout", status: 408 });
    d.cancel();
    reject(new Error("the connection closed"));
    await Bun.sleep(10);
  });
});
