import { describe, expect, test } from "bun:test";
import { embedInBatches } from "../../src/providers/shared/embedding-batches.ts";
import { errors, GatewayError } from "../../src/core/errors.ts";

const texts = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
const vectorOf = (t: string) => [Number(t.slice(1))];

describe("embedding batches: split, bounded concurrency, reassembled in order", () => {
  test("within the limit: one call, nothing split", async () => {
    const calls: string[][] = [];
    const out = await embedInBatches("p", texts(3), 3, async (part) => (calls.push([...part]), { vectors: part.map(vectorOf), tokens: 2 }));
    expect(calls).toEqual([["t0", "t1", "t2"]]);
    expect(out).toEqual({ vectors: [[0], [1], [2]], tokens: 2 });
  });

  test("over the limit: parts of the limit's size, at most `concurrency` in flight, vectors in input order, tokens summed", async () => {
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const out = await embedInBatches("p", texts(23), 5, async (part) => {
      sizes.push(part.length);
      inFlight++;
      most = Math.max(most, inFlight);
      // Later parts answer first: order must come from position, not arrival.
      await Bun.sleep(30 - Number(part[0]!.slice(1)));
      inFlight--;
      return { vectors: part.map(vectorOf), tokens: part.length };
    }, 2);
    expect(sizes.sort((a, b) => a - b)).toEqual([3, 5, 5, 5, 5]);
    expect(most).toBe(2);
    expect(out.vectors).toEqual(texts(23).map(vectorOf));
    expect(out.tokens).toBe(23);
  });

  test("no part reports tokens: none reported", async () => {
    const out = await embedInBatches("p", texts(4), 2, async (part) => ({ vectors: part.map(vectorOf) }));
    expect(out.tokens).toBeUndefined();
  });

  test("a failing part fails the whole request with its error; no new parts start after it", async () => {
    const started: string[] = [];
    const boom = errors.upstream("p", 429, "part 2 failed");
    const err = await embedInBatches("p", texts(10), 2, async (part) => {
      started.push(part[0]!);
      if (part[0] === "t2") throw boom;
      await Bun.sleep(5);
      return { vectors: part.map(vectorOf) };
    }, 1).then(() => undefined, (e: unknown) => e);
    expect(err).toBe(boom);
    expect(started).toEqual(["t0", "t2"]);
  });

  test("split, a part answering with the wrong number of vectors is a bad upstream response", async () => {
    const err = (await embedInBatches("p", texts(4), 2, async (part) => ({ vectors: part.slice(1).map(vectorOf) })).catch((e: unknown) => e)) as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(502);
  });
});
