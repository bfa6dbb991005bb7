// Builds the dashboard (ui/src → ui/dist): one minified ES module bundle (Preact + htm + the pages),
// the stylesheet and the page. Written as .txt files that src/server/admin/ui-assets.ts imports as
// text, so `bun build --compile` embeds them in the binary. Runs at npm install and npm test.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const src = join(root, "ui/src");
const dist = join(root, "ui/dist");
mkdirSync(dist, { recursive: true });

const result = await Bun.build({ entrypoints: [join(src, "main.ts")], minify: true, target: "browser", format: "esm", sourcemap: "none" });
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const js = await result.outputs[0]!.text();
const css = readFileSync(join(src, "app.css"), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\s*\n\s*/g, "").replace(/\s*([{};:,>])\s*/g, "$1");
const page = readFileSync(join(src, "index.html"), "utf8");
writeFileSync(join(dist, "app.js.txt"), js);
writeFileSync(join(dist, "app.css.txt"), css);
writeFileSync(join(dist, "index.html.txt"), page);
const kb = (s: string) => (Buffer.byteLength(s) / 1024).toFixed(1);
const gz = (s: string) => (Bun.gzipSync(Buffer.from(s)).length / 1024).toFixed(1);
console.log(`ui: app.js ${kb(js)} KB (${gz(js)} KB gzipped), app.css ${kb(css)} KB, index.html ${kb(page)} KB → ui/dist`);
