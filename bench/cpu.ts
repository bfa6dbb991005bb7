// CPU accounting around a load run (Linux /proc; everything undefined elsewhere):
// per-core busy share (is the client core saturated? then the row is client-bound) and the proxy process's
// CPU time, which divided by requests gives a per-request cost that is far less noisy than req/s.
import { readFileSync } from "node:fs";

const CLK_TCK = 100; // USER_HZ on Linux x86-64

interface CoreTimes {
  busy: number;
  total: number;
}

function coreTimes(): Map<string, CoreTimes> | undefined {
  try {
    const out = new Map<string, CoreTimes>();
    for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
      const m = /^(cpu\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const v = m[2]!.trim().split(/\s+/).map(Number);
      const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal (guest is inside user)
      const idle = (v[3] ?? 0) + (v[4] ?? 0);
      out.set(m[1]!, { busy: total - idle, total });
    }
    return out;
  } catch {
    return undefined;
  }
}

/** A process's /proc/<pid>/stat fields from #3 (state) on: field #n is at index n − 3. */
function statFields(pid: number): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    return s.slice(s.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** user + system CPU seconds consumed so far by a process (all threads). */
export function processCpuSeconds(pid: number): number | undefined {
  const f = statFields(pid);
  return f === undefined ? undefined : (Number(f[11]) + Number(f[12])) / CLK_TCK; // #14 utime, #15 stime
}

/** Minor page faults of a process so far (all threads): memory handed back to the system and touched again shows here. */
export function minorFaults(pid: number): number | undefined {
  const f = statFields(pid);
  return f === undefined ? undefined : Number(f[7]); // #10 minflt
}

export interface CpuWindow {
  /** busy share 0..1 of each core over the window */
  coreBusy: Record<string, number>;
  /** CPU seconds the process used over the window */
  procSeconds?: number;
  /** minor page faults of the process over the window */
  procFaults?: number;
}

export function cpuWindow(pid?: number): { stop(): CpuWindow } {
  const c0 = coreTimes();
  const p0 = pid === undefined ? undefined : processCpuSeconds(pid);
  const f0 = pid === undefined ? undefined : minorFaults(pid);
  return {
    stop() {
      const c1 = coreTimes();
      const coreBusy: Record<string, number> = {};
      if (c0 && c1) {
        for (const [k, a] of c0) {
          const b = c1.get(k);
          if (b && b.total > a.total) coreBusy[k] = (b.busy - a.busy) / (b.total - a.total);
        }
      }
      const p1 = pid === undefined ? undefined : processCpuSeconds(pid);
      const f1 = pid === undefined ? undefined : minorFaults(pid);
      return {
        coreBusy,
        procSeconds: p0 !== undefined && p1 !== undefined ? p1 - p0 : undefined,
        procFaults: f0 !== undefined && f1 !== undefined ? f1 - f0 : undefined,
      };
    },
  };
}
