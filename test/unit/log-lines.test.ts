// Log lines go to stdout through Bun's stdout writer (src/observability/stdout.ts): whatever a field
// holds comes out as written, one JSON line each, in order, also when the process exits right after
// draining them (as the gateway does when it stops).
import { expect, test } from "bun:test";

const CHILD = `
import { logger } from "./src/observability/logger.ts";
import { bufferedStdout } from "./src/plugins/builtin/logging/index.ts";
import { drainLines } from "./src/observability/stdout.ts";
logger.info("format %s %d %o %% %c kept", { field: "%s%%\\n%j", n: 1 });
const access = bufferedStdout();
access.write(JSON.stringify({ line: 1 }));
access.write(JSON.stringify({ line: "%s 2" }));
access.flush();
for (let i = 0; i < 1000; i++) logger.warn("burst", { i });
await drainLines(5000);
process.exit(0);
`;

test("log lines are written as they are, whole, in order, before an exit", async () => {
  const proc = Bun.spawn([process.execPath, "-e", CHILD], { cwd: new URL("../..", import.meta.url).pathname, stdout: "pipe", stderr: "pipe", env: { ...process.env, BUTTER_LOG_LEVEL: "info" } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(err).toBe("");
  expect(code).toBe(0);
  const lines = out.split("\n");
  expect(lines.pop()).toBe("");
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(parsed[0]).toMatchObject({ level: "info", msg: "format %s %d %o %% %c kept", field: "%s%%\n%j", n: 1 });
  expect(parsed[1]).toEqual({ line: 1 });
  expect(parsed[2]).toEqual({ line: "%s 2" });
  expect(parsed.slice(3).map((p) => p.i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
});
