// Builds every AssemblyScript plugin in the repo to .wasm with @extism/as-pdk: plugins/<name>/ →
// plugins/<name>.wasm (shipped) and test/plugins/wasm/fixtures/<name>/ → fixtures/<name>.wasm (tests).
// A directory whose .wasm is newer than all its sources is skipped. Run by `npm install` (postinstall)
// and `npm test`; by hand: `bun scripts/build-plugins.ts [--force]`.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dir, "..");
// asc resolves entries, --use paths and node_modules from the working directory.
process.chdir(root);
const ROOTS = ["plugins", "test/plugins/wasm/fixtures"];
const force = process.argv.includes("--force");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

function stale(dir: string, out: string): boolean {
  if (force || !existsSync(out)) return true;
  const built = statSync(out).mtimeMs;
  return sources(dir).some((f) => statSync(f).mtimeMs > built);
}

const jobs: { dir: string; out: string }[] = [];
for (const base of ROOTS) {
  const abs = join(root, base);
  if (!existsSync(abs)) continue;
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    const dir = join(abs, e.name);
    if (e.isDirectory() && existsSync(join(dir, "index.ts"))) jobs.push({ dir, out: `${dir}.wasm` });
  }
}
const todo = jobs.filter((j) => stale(j.dir, j.out));
if (todo.length === 0) process.exit(0);

let asc: typeof import("assemblyscript/asc").default;
try {
  asc = (await import("assemblyscript/asc")).default;
} catch {
  // A production install (--omit=dev) has no compiler: the .wasm files must come with the release.
  console.error("build-plugins: assemblyscript is not installed; WASM plugins were not built");
  process.exit(0);
}

let failed = 0;
for (const { dir, out } of todo) {
  const entry = relative(root, join(dir, "index.ts"));
  const args = [entry, "--outFile", relative(root, out), "-O3", "--noColors"];
  // The as-pdk convention: a plugin may route `abort` to its own function; otherwise the host's env.abort reports it.
  if (/function\s+myAbort\s*\(/.test(readFileSync(join(dir, "index.ts"), "utf8"))) args.push("--use", `abort=${entry.replace(/\.ts$/, "")}/myAbort`);
  let stderr = "";
  const { error } = await asc.main(args, {
    stdout: { write: () => true } as never,
    stderr: { write: (s: string | Uint8Array) => ((stderr += typeof s === "string" ? s : new TextDecoder().decode(s)), true) } as never,
  });
  if (error) {
    failed++;
    console.error(`build-plugins: ${entry} failed\n${stderr}`);
  } else console.log(`build-plugins: ${relative(root, out)}`);
}
if (failed > 0) process.exit(1);
