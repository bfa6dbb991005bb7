// A CallContext's read bounds for tests that call an adapter directly (the engine makes one per attempt).
import type { UpstreamReads } from "../../src/providers/types.ts";

export const testReads = (provider = "test", maxBytes = 32 * 1024 * 1024): UpstreamReads => ({ provider, maxBytes, lastReadAt: 0, waited: { ms: 0 } });
