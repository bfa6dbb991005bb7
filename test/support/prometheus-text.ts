// A strict reader of the Prometheus text exposition format (0.0.4): throws on any line a scraper
// could misread. Label values may hold only the escapes \\ \" \n and no control characters.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parsePrometheusText(text: string): Sample[] {
  if (!text.endsWith("\n")) throw new Error("exposition must end with a newline");
  const samples: Sample[] = [];
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((line, n) => {
    const where = `line ${n + 1}: ${JSON.stringify(line.slice(0, 200))}`;
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(line)) throw new Error(`control character in ${where}`);
    if (line === "") return;
    if (line.startsWith("#")) {
      const m = /^# (HELP|TYPE|UNIT) (\S+)(?: (.*))?$/.exec(line);
      if (!m && !/^# /.test(line)) throw new Error(`malformed comment, ${where}`);
      if (m && !NAME.test(m[2]!)) throw new Error(`bad metric name in ${where}`);
      return;
    }
    let i = 0;
    while (i < line.length && line[i] !== "{" && line[i] !== " ") i++;
    const name = line.slice(0, i);
    if (!NAME.test(name)) throw new Error(`bad metric name in ${where}`);
    const labels: Record<string, string> = {};
    if (line[i] === "{") {
      i++;
      while (line[i] !== "}") {
        const eq = line.indexOf("=", i);
        if (eq < 0) throw new Error(`label without '=' in ${where}`);
        const label = line.slice(i, eq);
        if (!LABEL_NAME.test(label)) throw new Error(`bad label name ${JSON.stringify(label)} in ${where}`);
        if (line[eq + 1] !== '"') throw new Error(`unquoted label value in ${where}`);
        let value = "";
        let j = eq + 2;
        for (;; j++) {
          const c = line[j];
          if (c === undefined) throw new Error(`unterminated label value in ${where}`);
          if (c === '"') break;
          if (c === "\\") {
            const e = line[++j];
            if (e === "\\") value += "\\";
            else if (e === '"') value += '"';
            else if (e === "n") value += "\n";
            else throw new Error(`bad escape \\${e} in ${where}`);
          } else value += c;
        }
        if (label in labels) throw new Error(`repeated label ${label} in ${where}`);
        labels[label] = value;
        i = j + 1;
        if (line[i] === ",") i++;
        else if (line[i] !== "}") throw new Error(`expected ',' or '}' in ${where}`);
      }
      i++;
    }
    const rest = line.slice(i);
    const m = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
    if (!m) throw new Error(`bad value in ${where}`);
    const value = m[1] === "+Inf" ? Infinity : m[1] === "-Inf" ? -Infinity : m[1] === "NaN" ? NaN : Number(m[1]);
    if (m[1] !== "NaN" && Number.isNaN(value)) throw new Error(`bad value in ${where}`);
    samples.push({ name, labels, value });
  });
  return samples;
}
