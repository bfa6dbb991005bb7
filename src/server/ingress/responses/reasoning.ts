// A reasoning item's `encrypted_content` as the gateway writes it: the answer's reasoning_details
// (thinking signatures, redacted thinking, thought signatures) as "btr1." + base64url(JSON). Clients
// treat it as opaque and hand the item back, which brings the details back into the history, so a
// translated target's signed thinking survives tool use across turns. OpenAI's own encrypted
// reasoning (another prefix) means nothing to a translated target and is ignored.

const PREFIX = "btr1.";

type Detail = Record<string, unknown>;

const isDetail = (d: unknown): d is Detail =>
  typeof d === "object" && d !== null && !Array.isArray(d) && typeof (d as Detail).type === "string";

export function encodeReasoningDetails(details: readonly unknown[]): string | undefined {
  const kept = details.filter(isDetail);
  if (kept.length === 0) return undefined;
  return PREFIX + Buffer.from(JSON.stringify(kept), "utf8").toString("base64url");
}

/** The details an encrypted_content of ours holds; undefined for anyone else's or a damaged one. */
export function decodeReasoningDetails(encrypted: unknown): Detail[] | undefined {
  if (typeof encrypted !== "string" || !encrypted.startsWith(PREFIX)) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(encrypted.slice(PREFIX.length), "base64url").toString("utf8"));
    if (!Array.isArray(v) || v.length === 0 || !v.every(isDetail)) return undefined;
    return v;
  } catch {
    return undefined;
  }
}
