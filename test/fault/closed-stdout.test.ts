// A gateway whose log reader has gone away (a crashed log shipper, `butter … | head`) keeps serving:
// writing a log line to a closed stdout must not kill the process.
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;

test("log lines written after stdout's reader closed do not stop the gateway", async () => {
  const dir = mkdtempSync(join(tmpdir(), "butter-stdout-"));
  const config = join(dir, "config.yaml");
  // Nothing listens on port 1: every request fails upstream, and each failure is logged as a warning.
  writeFileSync(config, 'server:\n  address: "127.0.0.1:0"\nproviders:\n  openai:\n    base_url: http://127.0.0.1:1/v1\n    keys: [{ value: sk-test }]\nstore: "sqlite::memory:"\n');
  const proc = Bun.spawn([process.execPath, join(root, "src/main.ts"), "--config", config, "--no-watch"], { cwd: dir, stdout: "pipe", stderr: "pipe", env: { ...process.env, BUTTER_LOG_LEVEL: "debug" } });
  try {
    const reader = proc.stdout.getReader();
    let text = "";
    while (!text.includes("butter listening")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`gateway exited before listening: ${await new Response(proc.stderr).text()}`);
      text += new TextDecoder().decode(value);
    }
    const address = /"address":"([^"]+)"/.exec(text)![1]!;
    await reader.cancel();
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`http://${address}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(res.status).toBe(502);
      await res.text();
    }
    await Bun.sleep(100);
    expect(proc.exitCode).toBeNull();
    const health = await fetch(`http://${address}/healthz`);
    expect(health.status).toBe(200);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}, 20_000);
