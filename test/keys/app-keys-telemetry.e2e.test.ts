// App keys with the logging and metrics plugins on (the plugin path, where the record already
// exists): the access log and /metrics name the key id, never the key, and counting is the same.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tableCostUsd } from "../cost/expected.ts";
import { startGateway, startMockUpstream, type Gateway, type MockUpstream } from "../support/index.ts";
import { ADMIN_TOKEN, adminOf, answerChat, chatBody, COMPLETION, newAppKey, PROMPT } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "butter-keys-tel-"));
let mock: MockUpstream;
let gw: Gateway;

beforeAll(async () => {
  mock = await startMockUpstream();
  answerChat(mock);
  gw = await startGateway({
    store: `sqlite:${join(dir, "keys.db")}`,
    admin: { token: ADMIN_TOKEN },
    plugins: [{ name: "logging" }, { name: "metrics" }],
    providers: { openai: { base_url: `${mock.url}/v1`, keys: [{ value: "sk-upstream" }] } },
  });
});
afterAll(async () => {
  await gw?.stop();
  await mock?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the access log and /metrics label requests by key id; the key appears in neither; counting matches", async () => {
  const admin = adminOf(gw);
  const { id, key } = await newAppKey(admin, { name: "observed", models: ["openai/gpt-4o-mini"] });
  const send = (model: string, stream: boolean) =>
    fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: chatBody(model, stream) })
      .then(async (r) => (await r.text(), r.status));
  expect(await Promise.all([send("openai/gpt-4o-mini", false), send("openai/gpt-4o-mini", true), send("openai/gpt-4o", false)])).toEqual([200, 200, 403]);
  // Anonymous requests still pass (require_key is off) and carry no key id.
  expect(await (await fetch(`${gw.baseURL}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: chatBody("openai/gpt-4o-mini") })).status).toBe(200);

  await gw.waitForLog((_l, j) => j?.msg === "access" && j.status === 403);
  await Bun.sleep(200);
  const access = gw.jsonLogs().filter((j) => j.msg === "access");
  expect(access.filter((j) => j.app_key_id === id).map((j) => j.status).sort()).toEqual([200, 200, 403]);
  expect(access.filter((j) => j.app_key_id === undefined).length).toBe(1);
  expect(gw.logs.join("\n")).not.toContain(key.slice(4));
  expect(gw.logs.join("\n")).not.toContain(ADMIN_TOKEN);

  const metrics = await (await fetch(`${gw.baseURL}/metrics`)).text();
  expect(metrics).not.toContain(key.slice(4));
  const line = (name: string, labels: string) => metrics.split("\n").find((l) => l.startsWith(name) && l.includes(labels));
  expect(line("butter_app_key_requests_total", `app_key="${id}",status="200"`)).toEndWith(" 2");
  expect(line("butter_app_key_requests_total", `app_key="${id}",status="403"`)).toEndWith(" 1");
  expect(line("butter_app_key_tokens_total", `app_key="${id}",type="input"`)).toEndWith(` ${2 * PROMPT}`);
  expect(line("butter_app_key_tokens_total", `app_key="${id}",type="output"`)).toEndWith(` ${2 * COMPLETION}`);

  expect((await admin("GET", `/admin/keys/${id}`)).body.usage).toEqual({
    requests: 3, prompt_tokens: 2 * PROMPT, completion_tokens: 2 * COMPLETION, total_tokens: 2 * (PROMPT + COMPLETION), errors: 1, cost_usd: tableCostUsd("openai", "gpt-4o-mini", { prompt_tokens: PROMPT, completion_tokens: COMPLETION }, 2),
  });
});
