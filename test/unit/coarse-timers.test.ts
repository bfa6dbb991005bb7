import { expect, test } from "bun:test";
import { coarseTimeout } from "../../src/transport/coarse-timers.ts";

test("coarse timers fire once, late by at most a few ticks, and cancelled ones never", async () => {
  const fired: number[] = [];
  const start = performance.now();
  coarseTimeout(0, () => fired.push(0));
  coarseTimeout(30, () => fired.push(30));
  const cancelled = coarseTimeout(20, () => fired.push(20));
  cancelled.cancel();
  cancelled.cancel();
  await Bun.sleep(120);
  expect(fired).toEqual([0, 30]);
  expect(performance.now() - start).toBeGreaterThanOrEqual(30);
});

test("a timer scheduled after an idle spell still fires", async () => {
  let fired = false;
  await Bun.sleep(25);
  coarseTimeout(5, () => (fired = true));
  await Bun.sleep(80);
  expect(fired).toBe(true);
});
