// GET /ui: the dashboard's three files, built from ui/src by scripts/build-ui.ts (npm install, npm
// test, npm run build) and imported as text so `bun build --compile` embeds them in the binary. The
// page is one document with hash routes (#/requests), so /ui is the only HTML path.
import { errors } from "../../core/errors.ts";
import type { Exchange, Generation } from "../context.ts";
import { pathOf } from "../path.ts";

export const UI_PATHS = ["/ui", "/ui/", "/ui/app.js", "/ui/app.css"] as const;

/** The dashboard's Content-Security-Policy: nothing from anywhere but the gateway, no inline script or style, no framing. */
export const UI_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const UI_SECURITY_HEADERS = {
  "content-security-policy": UI_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
} as const;

interface Asset { body: string; type: string }
let assets: Promise<ReadonlyMap<string, Asset>> | undefined;

function load(): Promise<ReadonlyMap<string, Asset>> {
  assets ??= Promise.all([
    import("../../../ui/dist/index.html.txt", { with: { type: "text" } }),
    import("../../../ui/dist/app.js.txt", { with: { type: "text" } }),
    import("../../../ui/dist/app.css.txt", { with: { type: "text" } }),
  ]).then(([html, js, css]) => {
    const page: Asset = { body: html.default, type: "text/html; charset=utf-8" };
    return new Map([
      ["/ui", page],
      ["/ui/", page],
      ["/ui/app.js", { body: js.default, type: "text/javascript; charset=utf-8" }],
      ["/ui/app.css", { body: css.default, type: "text/css; charset=utf-8" }],
    ]);
  });
  return assets;
}

export async function uiAssetHandler(gen: Generation, ex: Exchange): Promise<Response> {
  const path = pathOf(ex.req.url);
  if (gen.config.admin.token === "") throw errors.notFound(ex.req.method, path);
  let files: ReadonlyMap<string, Asset>;
  try {
    files = await load();
  } catch {
    assets = undefined;
    throw errors.uiNotBuilt();
  }
  const asset = files.get(path);
  if (asset === undefined) throw errors.notFound(ex.req.method, path);
  return new Response(asset.body, {
    headers: { ...ex.headers, ...UI_SECURITY_HEADERS, "content-type": asset.type, "cache-control": path.endsWith("/ui") || path.endsWith("/") ? "no-store" : "no-cache" },
  });
}
