// `npm run build`: the single-file executable (dist/butter, or `--outfile <path>`). Bun.build rather
// than `bun build --compile` for what the CLI cannot say (the dashboard's files, imported as text,
// are embedded either way):
// - the WASM host's HTTP worker is its own entry point (a compiled binary finds a Worker's file only
//   if it was bundled as one);
// - `createRequire(import.meta.url)("pkg")` (a lazy, synchronous load the price table uses to keep
//   startup lean) is invisible to the bundler, and a binary has no node_modules to resolve it from at
//   run time: it becomes `require("pkg")`, which the bundler includes and still evaluates on first use.
import { dirname, join, relative, resolve } from "node:path";

const root = join(import.meta.dir, "..");
const at = process.argv.indexOf("--outfile");
const outfile = at > 0 ? process.argv[at + 1]! : join(root, "dist/butter");

const src = join(root, "src");
const LAZY_REQUIRE = /createRequire\(import\.meta\.url\)\(("[^"]+")\)/g;
const RELATIVE_URL = /new URL\("(\.{1,2}\/[^"]+)", import\.meta\.url\)/g;
/** Started with `new Worker(new URL("./file.ts", import.meta.url))`: each must be an entry point. */
const WORKERS = ["src/plugins/wasm/http-worker.ts"];

const result = await Bun.build({
  entrypoints: [join(root, "src/main.ts"), ...WORKERS.map((w) => join(root, w))],
  // Entry points keep their paths under src/ inside the binary (a worker: /$bunfs/root/plugins/wasm/…).
  root: src,
  compile: { outfile },
  minify: { whitespace: true, syntax: true, identifiers: true, keepNames: true },
  sourcemap: "none",
  // Lazily imported parts (provider kinds, plugins, OTel, the tokenizer, the price table) stay in chunks
  // of their own, parsed only when first imported: one module holding everything cost ~4 MB more idle RSS.
  splitting: true,
  plugins: [{
    name: "lazy-require",
    setup(build) {
      build.onLoad({ filter: new RegExp(`^${src.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[\\\\/].*\\.ts$`) }, async ({ path }) => {
        const text = await Bun.file(path).text();
        const contents = text
          .replace(LAZY_REQUIRE, "require($1)")
          // In the binary every module's import.meta.url is the bundle's root (src/): a URL relative
          // to the module's own file is rebased onto it.
          .replace(RELATIVE_URL, (_, rel: string) => `new URL(${JSON.stringify("./" + relative(src, resolve(dirname(path), rel)))}, import.meta.url)`);
        return { contents, loader: "ts" };
      });
    },
  }],
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
console.log(`built ${outfile}`);
