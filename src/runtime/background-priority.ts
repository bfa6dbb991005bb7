import { readdirSync, readFileSync } from "node:fs";
import { setPriority } from "node:os";

/**
 * The runtime's own background threads, by the name Linux gives them, none of which serves a
 * request: JavaScriptCore's optimizing compilers, its warm-up of GC blocks for allocation, and
 * mimalloc's returning of freed memory to the system. (The GC's marking helpers are left alone: the
 * serving thread waits for them in a collection's pause.)
 */
export const BACKGROUND_THREADS: ReadonlySet<string> = new Set(["JITWorker", "JSCWarmUp", "mi-scavenger"]);
/** Low enough that serving preempts them at once; high enough that a saturated core still runs them (~10% of it). */
export const BACKGROUND_NICE = 10;
const RESCAN_MS = 1_000;
const TASKS = "/proc/self/task";

/**
 * Runs the runtime's background threads at nice 10 (Linux; elsewhere nothing happens). An optimizing
 * compile takes 5–45 ms of CPU; on a core that also serves requests the scheduler shared it evenly
 * with the serving thread, and requests that arrived meanwhile waited (the bench's c=1 p99 was up
 * to ~0.8 ms over the floor's). At nice 10 a waking serving thread preempts them at once and they
 * run in the gaps. JSC starts these threads on demand and ends them when idle, so new ones are
 * looked for every second (reading /proc: a few µs when nothing is new).
 *
 * Returns a function that stops looking.
 */
export function lowerBackgroundPriority(): () => void {
  if (process.platform !== "linux") return () => {};
  const self = String(process.pid);
  // A new thread carries its creator's name until it names itself: one still called that is looked at again.
  let unnamed: string;
  try {
    unnamed = readFileSync(`${TASKS}/${self}/comm`, "latin1").trimEnd();
  } catch {
    return () => {};
  }
  let seen = new Set<string>();
  const scan = () => {
    let tasks: string[];
    try {
      tasks = readdirSync(TASKS);
    } catch {
      return;
    }
    // Only the threads alive now: an id that ends is reused by a later thread.
    const next = new Set<string>();
    for (const tid of tasks) {
      if (seen.has(tid)) {
        next.add(tid);
        continue;
      }
      try {
        const name = readFileSync(`${TASKS}/${tid}/comm`, "latin1").trimEnd();
        if (name === unnamed && tid !== self) continue;
        next.add(tid);
        if (BACKGROUND_THREADS.has(name)) setPriority(Number(tid), BACKGROUND_NICE);
      } catch {
        // The thread ended between the listing and now.
      }
    }
    seen = next;
  };
  scan();
  const timer = setInterval(scan, RESCAN_MS);
  timer.unref();
  return () => clearInterval(timer);
}
