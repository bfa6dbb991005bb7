import { errors } from "../core/errors.ts";
import type { Snapshot } from "../config/snapshot.ts";
import type { Auth, ProviderAdapter } from "../providers/types.ts";

export function pickAuth(snapshot: Snapshot, provider: ProviderAdapter, passthroughHeaders: Record<string, string>): Auth {
  if (provider.credentialMode === "passthrough") return { mode: "passthrough", headers: passthroughHeaders };
  const first = snapshot.keys.get(provider.name)?.[0];
  if (!first) throw errors.missingCredentials(provider.name);
  return { mode: "stored", key: first.key, keyIndex: first.index };
}

/** Like pickAuth, but a provider with no credentials simply has nothing to list. */
export function pickAuthForListing(snapshot: Snapshot, provider: ProviderAdapter, passthroughHeaders: Record<string, string>): Auth | undefined {
  if (provider.credentialMode === "passthrough" && Object.keys(passthroughHeaders).length === 0) return undefined;
  try {
    return pickAuth(snapshot, provider, passthroughHeaders);
  } catch {
    return undefined;
  }
}
