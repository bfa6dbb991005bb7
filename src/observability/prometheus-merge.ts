// Several workers' Prometheus text expositions as one: every sample gets a `worker` label, and each
// metric family is written once (its HELP and TYPE), with the samples of every worker under it.
// Prometheus (or `sum without (worker)`) adds the workers up; counters stay monotonic per worker.

export interface WorkerExposition {
  worker: number;
  text: string;
}

interface Family {
  header: string[];
  samples: string[];
}

export function mergeExpositions(parts: readonly WorkerExposition[]): string {
  const families = new Map<string, Family>();
  // Samples before any family header (none in ours) keep a family of their own.
  const familyOf = (name: string): Family => {
    let family = families.get(name);
    if (family === undefined) families.set(name, (family = { header: [], samples: [] }));
    return family;
  };
  for (const { worker, text } of parts) {
    let current = familyOf("");
    for (const line of text.split("\n")) {
      if (line === "") continue;
      if (line.startsWith("# ")) {
        // "# HELP name …", "# TYPE name …", "# UNIT name …"; other comments are dropped.
        const match = /^# (HELP|TYPE|UNIT) (\S+)/.exec(line);
        if (match === null) continue;
        current = familyOf(match[2]!);
        // Every worker writes the same header: the first one's is kept.
        if (!current.header.some((h) => h.startsWith(`# ${match[1]} `))) current.header.push(line);
        continue;
      }
      if (line.startsWith("#")) continue;
      current.samples.push(labelled(line, worker));
    }
  }
  let out = "";
  for (const family of families.values()) {
    if (family.samples.length === 0 && family.header.length === 0) continue;
    for (const line of family.header) out += `${line}\n`;
    for (const line of family.samples) out += `${line}\n`;
  }
  return out;
}

/** The sample line with `worker="N"` as its first label. */
function labelled(line: string, worker: number): string {
  const brace = line.indexOf("{");
  const space = line.indexOf(" ");
  if (brace !== -1 && (space === -1 || brace < space)) {
    const empty = line.charCodeAt(brace + 1) === 125; /* } */
    return `${line.slice(0, brace)}{worker="${worker}"${empty ? "" : ","}${line.slice(brace + 1)}`;
  }
  if (space === -1) return line;
  return `${line.slice(0, space)}{worker="${worker}"}${line.slice(space)}`;
}
