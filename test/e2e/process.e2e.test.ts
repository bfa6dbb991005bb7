// The process contract: start-up line, config failures, graceful shutdown.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { BACKGROUND_NICE, BACKGROUND_THREADS } from "../../src/runtime/background-priority.ts";
import { json, spawnGateway, startGateway, startMockUpstream } from "../support/index.ts";

/** The process's threads: name and nice value. */
function threads(pid: number): Array<{ tid: number; name: string; nice: number }> {
  const out: Array<{ tid: number; name: string; nice: number }> = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.push({ tid: Number(tid), name: readFileSync(`/proc/${pid}/task/${tid}/comm`, "latin1").trimEnd(), nice: getPriority(Number(tid)) });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

describe("process", () => {
  test("logs one JSON 'butter listening' line with the address", async () => {
    const gw = await startGateway({ providers: {} });
    try {
      const line = gw.jsonLogs().find((j) => j.msg === "butter listening")!;
      expect(line.level).toBe("info");
      expect(line.address).toBe(`127.0.0.1:${gw.port}`);
    } finally {
      await gw.stop();
    }
  });

  test("an invalid config exits 1 with one line naming the failing path", async () => {
    const p = spawnGateway("providers:\n  openai:\n    keys:\n      - value: x\n        weight: -1\n");
    expect(await p.exited).toBe(1);
    const out = p.logs.filter(Boolean);
    expect(out).toEqual([expect.stringContaining("providers.openai.keys[0].weight: expected a positive number")]);
  });

  test("a provider kind's own fields fail start-up the same way, each problem with its path", async () => {
    const p = spawnGateway("providers:\n  aws:\n    type: bedrock\n    keys: [{ access_key_id: 7 }]\n  openai:\n    region: us-east-1\n");
    expect(await p.exited).toBe(1);
    const out = p.logs.filter(Boolean);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^butter: invalid config \S+config\.yaml: providers\.aws\.region: required for bedrock .*; providers\.aws\.keys\[0\]\.access_key_id: expected a string; providers\.openai: unknown field\(s\) "region"$/);
  });

  test("a missing config file and unknown arguments exit 1", async () => {
    const p = spawnGateway("{}", { args: ["--config", "/nonexistent/butter.yaml"] });
    expect(await p.exited).toBe(1);
    expect(p.logs.join("\n")).toContain("config file not found: /nonexistent/butter.yaml");
    const q = spawnGateway("{}", { args: ["--frobnicate"] });
    expect(await q.exited).toBe(1);
    expect(q.logs.join("\n")).toContain('unknown argument "--frobnicate"');
  });

  test("an unset ${VAR} warns, and the provider answers 401 instead of failing start-up", async () => {
    const gw = await startGateway("server: { address: '127.0.0.1:0' }\nproviders:\n  openai:\n    keys: [{ value: ${BUTTER_TEST_UNSET_KEY} }]\n", {
      env: { BUTTER_TEST_UNSET_KEY: undefined },
    });
    try {
      expect(gw.jsonLogs().some((j) => j.level === "warn" && String(j.msg).includes("BUTTER_TEST_UNSET_KEY"))).toBe(true);
      const res = await fetch(`${gw.baseURL}/v1/chat/completions`, {
        method: "POST", body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
      });
      expect(res.status).toBe(401);
    } finally {
      await gw.stop();
    }
  });

  test("SIGTERM lets an in-flight request finish, then exits 0", async () => {
    const mock = await startMockUpstream();
    mock.when("POST", "/v1/chat/completions", json({ id: "x", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "late" }, finish_reason: "stop" }] }, { delay: 600 }));
    const gw = await startGateway({ providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "k" }] } } });
    try {
      const inflight = fetch(`${gw.baseURL}/v1/chat/completions`, {
        method: "POST", body: JSON.stringify({ model: "openai/m", messages: [{ role: "user", content: "x" }] }),
      });
      await mock.waitForRequests(1);
      gw.signal("SIGTERM");
      const res = await inflight;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe("late");
      expect(await gw.exited).toBe(0);
      await expect(fetch(`${gw.baseURL}/healthz`)).rejects.toThrow();
    } finally {
      await gw.stop();
      await mock.stop();
    }
  });

  test.if(process.platform === "linux")("the runtime's background threads (JIT compilers, GC block warm-up, allocator) run at a low priority, the serving thread at the normal one", async () => {
    const mock = await startMockUpstream();
    mock.when("POST", "/v1/chat/completions", json({ id: "x", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] }));
    const gw = await startGateway({ providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "k" }] } } });
    try {
      const pid = gw.proc.pid;
      // Enough requests for JavaScriptCore to compile the request path on its compiler threads.
      for (let i = 0; i < 300; i++) {
        const res = await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "openai/m", messages: [{ role: "user", content: "x" }] }) });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
      // Threads started since the last look are found within a second.
      let background: ReturnType<typeof threads> = [];
      for (let waited = 0; waited < 3000; waited += 100) {
        background = threads(pid).filter((t) => BACKGROUND_THREADS.has(t.name));
        if (background.some((t) => t.name === "JITWorker") && background.every((t) => t.nice === BACKGROUND_NICE)) break;
        await Bun.sleep(100);
      }
      expect(background.map((t) => t.name)).toContain("JITWorker");
      expect(background.map((t) => `${t.name} ${t.nice}`)).toEqual(background.map((t) => `${t.name} ${BACKGROUND_NICE}`));
      expect(threads(pid).find((t) => t.tid === pid)!.nice).toBe(0);
    } finally {
      await gw.stop();
      await mock.stop();
    }
  });
});
