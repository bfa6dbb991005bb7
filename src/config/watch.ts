import { realpathSync, statSync, watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";

export interface ConfigWatcher {
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last file event before the file is looked at (editors write in bursts). */
  debounceMs?: number;
  /** A stat of the file this often, for the changes a directory watch misses (network filesystems, some swaps). */
  pollMs?: number;
}

/**
 * Calls `onChange` when the file at `path` now has other contents than before, however it was
 * changed: a plain rewrite, an editor's save by rename, or a `kubectl`-style swap of the symlink the
 * path resolves through. The directory is watched (a watch on the file itself dies with a rename),
 * and the file is stat'ed (through symlinks) to tell a real change from noise; a slow poll backs the
 * watch up. A file that is briefly missing mid-save is not a change.
 */
export function watchConfig(path: string, onChange: () => void, options: WatchOptions = {}): ConfigWatcher {
  const debounceMs = options.debounceMs ?? 50;
  const pollMs = options.pollMs ?? 500;
  let last = fingerprint(path);
  let pending: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const check = () => {
    pending = undefined;
    if (closed) return;
    const now = fingerprint(path);
    if (now === undefined || now === last) return;
    last = now;
    onChange();
  };
  const soon = () => {
    if (pending !== undefined) clearTimeout(pending);
    pending = setTimeout(check, debounceMs);
  };

  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(path), dirname(realTarget(path) ?? path)])) {
    try {
      // Any entry may matter (a symlink swap renames a sibling such as `..data`); the fingerprint
      // check filters out an unrelated file's churn.
      const w = watch(dir, { persistent: false }, soon);
      w.on("error", () => w.close());
      watchers.push(w);
    } catch {
      // The poll below still notices changes.
    }
  }
  const poll = setInterval(check, pollMs);
  poll.unref?.();

  return {
    close() {
      closed = true;
      if (pending !== undefined) clearTimeout(pending);
      clearInterval(poll);
      for (const w of watchers) w.close();
    },
  };
}

/** What identifies the file's current contents cheaply: the inode it resolves to, its size and mtime. */
function fingerprint(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

function realTarget(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
