import { errors } from "../../core/errors.ts";

// Embedding inputs split into the upstream's batch size, run with bounded concurrency and put back together
// in input order. OpenAI clients send up to 2,048 inputs in one request; most upstreams take fewer per
// call (each adapter declares its limit). Any part failing fails the whole request with that part's error
// (the first to fail): a partial list of vectors would silently misalign with the client's inputs.

export interface EmbeddedPart {
  vectors: number[][];
  /** Input tokens, when the upstream reports them. */
  tokens?: number;
}

/** Parts in flight at once: enough to hide latency, few enough not to trip the upstream's rate limits alone. */
export const EMBEDDING_CONCURRENCY = 4;

export async function embedInBatches(
  provider: string,
  texts: readonly string[],
  limit: number,
  embed: (part: readonly string[]) => Promise<EmbeddedPart>,
  concurrency = EMBEDDING_CONCURRENCY,
): Promise<EmbeddedPart> {
  const size = Math.max(1, Math.floor(limit));
  const checked = async (part: readonly string[]): Promise<EmbeddedPart> => {
    const result = await embed(part);
    if (result.vectors.length !== part.length) {
      throw errors.upstreamBadResponse(provider, `${part.length} inputs were sent but ${result.vectors.length} embeddings came back`);
    }
    return result;
  };
  // Unsplit, the answer is the upstream's as it is (as before batching existed); split, every part must
  // answer one vector per input, or the reassembled indexes would point at the wrong inputs.
  if (texts.length <= size) return embed(texts);

  const parts: Array<readonly string[]> = [];
  for (let start = 0; start < texts.length; start += size) parts.push(texts.slice(start, start + size));
  const results: EmbeddedPart[] = new Array(parts.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < parts.length) {
      const at = next++;
      try {
        results[at] = await checked(parts[at]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(Math.max(1, concurrency), parts.length); i++) workers.push(worker());
  // The first rejection wins; the parts still in flight end on their own (their results are dropped).
  await Promise.all(workers);

  const vectors: number[][] = [];
  let tokens: number | undefined;
  for (const r of results) {
    for (const v of r.vectors) vectors.push(v);
    if (r.tokens !== undefined) tokens = (tokens ?? 0) + r.tokens;
  }
  return tokens === undefined ? { vectors } : { vectors, tokens };
}
