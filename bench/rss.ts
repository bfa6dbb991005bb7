// Resident memory of a process from /proc/<pid>/status (Linux only; undefined elsewhere).
import { readFileSync } from "node:fs";

export interface Mem {
  rssKB: number; // VmRSS: now
  hwmKB: number; // VmHWM: peak since start
}

export function readMem(pid: number): Mem | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(s);
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(s);
    if (!rss) return undefined;
    return { rssKB: Number(rss[1]), hwmKB: Number(hwm?.[1] ?? rss[1]) };
  } catch {
    return undefined;
  }
}

/** Samples VmRSS every `everyMs` until stopped; stop() returns the peak seen (KB). */
export function sampleRss(pid: number, everyMs = 50): { stop(): number | undefined } {
  let peak: number | undefined;
  const take = () => {
    const m = readMem(pid);
    if (m && (peak === undefined || m.rssKB > peak)) peak = m.rssKB;
  };
  take();
  const t = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(t);
      take();
      return peak;
    },
  };
}
