// Tests of the process harness against a stand-in entry file that follows the CLI contract of src/main.ts.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openaiClient, spawnGateway, startGateway } from "./gateway.ts";

const dir = mkdtempSync(join(tmpdir(), "butter-fake-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fakeMain = join(dir, "fake-main.ts");
writeFileSync(
  fakeMain,
  `
const file = process.argv[process.argv.indexOf("--config") + 1];
const config = Bun.YAML.parse(await Bun.file(file).text());
const [host, port] = config.server.address.split(":");
const server = Bun.serve({
  hostname: host,
  port: Number(port),
  fetch: (req) => new URL(req.url).pathname === "/v1/models"
    ? Response.json({ object: "list", data: [{ id: "openai/gpt-4o-mini", object: "model", created: 0, owned_by: "openai" }] })
    : Response.json(config),
});
console.log(JSON.stringify({ level: "info", msg: "butter listening", address: host + ":" + server.port }));
console.error("a line on stderr");
process.on("SIGTERM", () => {
  console.log(JSON.stringify({ level: "info", msg: "shutting down" }));
  server.stop();
  process.exit(0);
});
`,
);

const brokenMain = join(dir, "broken-main.ts");
writeFileSync(brokenMain, `console.error("config: providers.openai.keys: expected an array"); process.exit(2);`);

test("starts on a random port, collects logs, stops with SIGTERM", async () => {
  const gw = await startGateway({ providers: { openai: { keys: [{ value: "${OPENAI_API_KEY}" }] } } }, { entry: fakeMain });
  expect(gw.port).toBeGreaterThan(0);
  expect(gw.baseURL).toBe(`http://127.0.0.1:${gw.port}`);
  const echoed = (await (await fetch(gw.url + "/config")).json()) as Record<string, any>;
  expect(echoed.server.address).toBe("127.0.0.1:0");
  expect(echoed.providers.openai.keys[0].value).toBe("${OPENAI_API_KEY}");
  await gw.waitForLog("a line on stderr");
  expect(gw.jsonLogs()[0]).toMatchObject({ msg: "butter listening" });

  const models = await openaiClient(gw).models.list();
  expect(models.data.map((m) => m.id)).toEqual(["openai/gpt-4o-mini"]);

  expect(await gw.stop()).toBe(0);
  expect(gw.logs.some((l) => l.includes("shutting down"))).toBe(true);
});

test("a YAML string config is written as is", async () => {
  await using gw = await startGateway(`server:\n  address: "127.0.0.1:0"\nmarker: yes-string\n`, { entry: fakeMain });
  expect(((await (await fetch(gw.url)).json()) as { marker: string }).marker).toBe("yes-string");
});

test("a gateway that exits during start rejects with its output", async () => {
  const err = await startGateway({}, { entry: brokenMain }).catch((e: unknown) => e as Error);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toContain("code 2");
  expect((err as Error).message).toContain("expected an array");
});

test("spawnGateway exposes the exit code without waiting to listen", async () => {
  const gw = spawnGateway({}, { entry: brokenMain });
  expect(await gw.exited).toBe(2);
  expect(gw.logs).toEqual(["config: providers.openai.keys: expected an array"]);
});
