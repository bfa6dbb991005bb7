// A log reader that stops reading (a stalled shipper, a paused terminal) fills the stdout pipe. The
// gateway must keep serving: log lines queue (bounded) while the pipe is full, lines past the bound
// are dropped and counted in one line, and everything queued comes out, in order, once the reader
// reads again.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

/**
 * Runs `command` with its stdout going to a reader that reads nothing until `resume()` (the test
 * runner itself would read the pipe as data arrives); the first line passes before the stall when
 * `firstLine` (so the gateway's address can be read). Bash's `read` takes a pipe byte by byte: no line is lost.
 */
function stalledStdout(command: string[], dir: string, firstLine: boolean, env: Record<string, string | undefined> = process.env) {
  const go = join(dir, "go");
  const quoted = command.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const reader = `${firstLine ? 'IFS= read -r line; printf "%s\\n" "$line"; ' : ""}while [ ! -e '${go}' ]; do sleep 0.05; done; exec cat`;
  const proc = Bun.spawn(["bash", "-c", `${quoted} | { ${reader}; }`], { cwd: root, stdout: "pipe", stderr: "pipe", env });
  return {
    proc,
    resume: () => writeFileSync(go, ""),
    // Killing bash alone would leave the pipeline's processes behind when a test fails; each names `dir`.
    kill: () => Bun.spawnSync(["pkill", "-KILL", "-f", dir]),
  };
}

/** Reads until the text holds a whole line; returns all of it (the reader stays open for more). */
async function untilLine(reader: { read(): Promise<{ done: boolean; value?: Uint8Array }> }): Promise<string> {
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`ended before a line: ${text}`);
    text += new TextDecoder().decode(value);
  }
  return text;
}

// 16 MB of lines while nobody reads: twice what the queue holds.
const WRITER = `
import { drainLines, writeLines } from "./src/observability/stdout.ts";
import { setLogContext } from "./src/observability/logger.ts";
setLogContext({ worker: 3 });
let last = performance.now();
let maxGap = 0;
const tick = setInterval(() => {
  const now = performance.now();
  maxGap = Math.max(maxGap, now - last);
  last = now;
}, 5);
const pad = "p".repeat(990);
let seq = 0;
for (let burst = 0; burst < 16; burst++) {
  for (let i = 0; i < 1000; i++) writeLines(JSON.stringify({ seq: seq++, pad }));
  await Bun.sleep(20);
}
await Bun.sleep(300);
clearInterval(tick);
process.stderr.write(JSON.stringify({ written: seq, maxGap }) + "\\n");
await drainLines(30_000);
process.exit(0);
`;

test("a stalled reader never blocks the writer; the overflow is dropped and counted, the rest arrives in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "butter-stdout-"));
  const { proc, resume, kill } = stalledStdout([process.execPath, "-e", WRITER, dir], dir, false);
  try {
    // The writer reports how its loop fared before the reader reads anything.
    const report = JSON.parse(await untilLine(proc.stderr.getReader())) as { written: number; maxGap: number };
    expect(report.written).toBe(16_000);
    // console.log would have stopped the loop for good: the report would never come.
    expect(report.maxGap).toBeLessThan(250);
    resume();
    const lines = (await new Response(proc.stdout).text()).split("\n");
    expect(lines.pop()).toBe("");
    expect(await proc.exited).toBe(0);
    const notice = JSON.parse(lines.at(-1)!) as { level: string; msg: string; dropped: number };
    // A logger line like any other: with its time and the process's context (a worker's number).
    expect(notice).toMatchObject({ level: "warn", msg: "log lines dropped: stdout was not read fast enough", worker: 3 });
    expect(typeof (notice as { time?: unknown }).time).toBe("string");
    const seqs = lines.slice(0, -1).map((l) => (JSON.parse(l) as { seq: number }).seq);
    // Everything up to the bound arrived, in order, with nothing missing in between; the rest is counted.
    expect(seqs.length).toBeGreaterThan(7_000);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
    expect(notice.dropped).toBe(report.written - seqs.length);
  } finally {
    kill();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test("the gateway keeps answering while its log reader stalls, and no line is lost", async () => {
  const dir = mkdtempSync(join(tmpdir(), "butter-stdout-"));
  const config = join(dir, "config.yaml");
  // Nothing listens on port 1: every request fails upstream, and each failure is logged.
  writeFileSync(config, 'server:\n  address: "127.0.0.1:0"\nproviders:\n  openai:\n    base_url: http://127.0.0.1:1/v1\n    keys: [{ value: sk-test }]\nstore: "sqlite::memory:"\n');
  const { proc, resume, kill } = stalledStdout([process.execPath, join(root, "src/main.ts"), "--config", config, "--no-watch"], dir, true, { ...process.env, BUTTER_LOG_LEVEL: "debug" });
  try {
    const reader = proc.stdout.getReader();
    const text = await untilLine(reader);
    const address = /"address":"([^"]+)"/.exec(text)![1]!;
    // From here nobody reads stdout: far more than a pipe holds (64 KiB) is logged.
    const ids: string[] = [];
    const started = performance.now();
    const client = async (c: number) => {
      for (let i = 0; i < 10; i++) {
        const id = `stall-${c}-${i}`;
        ids.push(id);
        const res = await fetch(`http://${address}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-request-id": id },
          body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
        });
        expect(res.status).toBe(502);
        await res.text();
      }
    };
    // Each request fails after three attempts with backoff (~0.3 s) and logs three lines.
    await Promise.all(Array.from({ length: 32 }, (_, c) => client(c)));
    expect(performance.now() - started).toBeLessThan(15_000);
    expect((await fetch(`http://${address}/healthz`)).status).toBe(200);
    // The reader comes back: every request's lines are there.
    // The gateway itself (not the shell around it) is asked to stop.
    Bun.spawn(["pkill", "-TERM", "-f", `src/main.ts --config ${config}`]);
    resume();
    let rest = text;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(await proc.exited).toBe(0);
    expect(rest.length).toBeGreaterThan(65_536 * 2);
    const logged = new Set<string>();
    for (const line of rest.split("\n")) {
      if (line === "") continue;
      const id = (JSON.parse(line) as { request_id?: string }).request_id;
      if (id !== undefined) logged.add(id);
    }
    for (const id of ids) expect(logged.has(id)).toBe(true);
    expect(rest).toContain('"msg":"stopped"');
    expect(rest).not.toContain("log lines dropped");
  } finally {
    kill();
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
