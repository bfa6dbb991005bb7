import { errors } from "../../core/errors.ts";

const MAX_PAGES = 20;

/** GET /v1beta/models, following nextPageToken; ids lose their `models/` prefix. */
export async function listGeminiModels(provider: string, pageUrl: (token: string | undefined) => string, get: (url: string) => Promise<unknown>): Promise<string[]> {
  const ids: string[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const json = (await get(pageUrl(token))) as {
      models?: Array<{ name?: unknown }>;
      nextPageToken?: unknown;
    };
    if (!json || !Array.isArray(json.models)) throw errors.upstreamBadResponse(provider, "the model list has no `models` array");
    for (const m of json.models) if (typeof m?.name === "string") ids.push(m.name.replace(/^models\//, ""));
    // A token seen before would loop forever (a misbehaving upstream); stop there.
    if (typeof json.nextPageToken !== "string" || json.nextPageToken === "" || seen.has(json.nextPageToken)) break;
    seen.add(json.nextPageToken);
    token = json.nextPageToken;
  }
  return [...new Set(ids)];
}
