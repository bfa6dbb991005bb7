import { readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";

/** JavaScriptCore's compiler threads, by the name Linux gives them. */
const COMPILER_THREAD = "JITWorker";
/** Low enough that serving preempts a compile at once; high enough that a saturated core still compiles (~10% of it). */
export const COMPILER_NICE = 10;
const RESCAN_MS = 1_000;
const TASKS = "/proc/self/task";

/**
 * Runs JavaScriptCore's optimizing compiler threads at nice 10 (Linux; elsewhere nothing happens).
 * An optimizing compile takes 5–45 ms of CPU; on a core that also serves requests the scheduler
 * shared it evenly with the serving thread, and requests that arrived meanwhile waited (the
 * bench's c=1 p99 was ~0.8 ms over the floor's, with the compiler thread preempting the serving
 * thread thousands of times). At nice 10 a waking serving thread preempts a compile at once, and
 * compiles run in the gaps. JSC starts these threads on demand and ends them when idle, so new ones
 * are looked for every second (reading /proc: a few µs when nothing is new).
 *
 * Returns a function that stops looking.
 */
export function lowerCompilerPriority(): () => void {
  if (process.platform !== "linux") return () => {};
  let seen = new Set<string>();
  const scan = () => {
    let tasks: string[];
    try {
      tasks = readdirSync(TASKS);
    } catch {
      return;
    }
    for (const tid of tasks) {
      if (seen.has(tid)) continue;
      try {
        if (readFileSync(`${TASKS}/${tid}/comm`, "latin1").trimEnd() === COMPILER_THREAD) setPriority(Number(tid), COMPILER_NICE);
      } catch {
        // The thread ended between the listing and now.
      }
    }
    // Only the threads alive now: an id that ends is reused by a later thread.
    seen = new Set(tasks);
  };
  scan();
  const timer = setInterval(scan, RESCAN_MS);
  timer.unref();
  return () => clearInterval(timer);
}
