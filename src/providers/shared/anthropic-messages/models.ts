/** Anthropic's GET /v1/models page → the model ids, plus the cursor for the next page. */
export function fromAnthropicModels(json: unknown): { ids: string[]; next: string | undefined } | undefined {
  const page = json as { data?: Array<{ id?: unknown }>; has_more?: unknown; last_id?: unknown };
  if (!page || typeof page !== "object" || !Array.isArray(page.data)) return undefined;
  const ids = page.data.map((m) => m?.id).filter((id): id is string => typeof id === "string");
  const next = page.has_more === true && typeof page.last_id === "string" ? page.last_id : undefined;
  return { ids, next };
}
