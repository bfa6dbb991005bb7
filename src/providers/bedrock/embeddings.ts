import { errors } from "../../core/errors.ts";
import type { EmbeddingRequest, EmbeddingResponse } from "../../core/openai-types.ts";
import { embedInBatches } from "../shared/embedding-batches.ts";

// Embeddings through InvokeModel with model-native bodies (providers README §3.8). The family is
// chosen by model id: Titan takes one text per call, Cohere v3 a batch of up to 96.

/** One InvokeModel call: body in, parsed JSON and the token-count header out. */
export type Invoke = (body: Record<string, unknown>) => Promise<{ json: unknown; inputTokens: number | undefined }>;

/** Cohere embed v3 takes at most 96 texts a call; Titan one (split and reassembled by providers/shared/embedding-batches.ts). */
const COHERE_BATCH = 96;
/** Titan calls in flight at once for one client request (one text each). */
const TITAN_CONCURRENCY = 8;

export type EmbeddingFamily = "titan" | "titan-v1" | "cohere";

export function embeddingFamily(model: string): EmbeddingFamily | undefined {
  const id = model.toLowerCase();
  if (id.includes("cohere.embed")) return "cohere";
  if (id.includes("titan-embed-text-v1") || id.includes("titan-embed-g1-text")) return "titan-v1";
  if (id.includes("titan-embed")) return "titan";
  return undefined;
}

function inputTexts(request: EmbeddingRequest): string[] {
  const input = request.input;
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.every((x) => typeof x === "string")) return input as string[];
  throw errors.invalidRequest("Bedrock embedding models take text input (a string or an array of strings), not token arrays.", "input");
}

export async function embed(provider: string, request: EmbeddingRequest, model: string, invoke: Invoke): Promise<EmbeddingResponse> {
  const family = embeddingFamily(model);
  if (!family) {
    throw errors.invalidRequest(`Embeddings on Bedrock support Amazon Titan and Cohere embed models; '${model}' is neither.`, "model");
  }
  const texts = inputTexts(request);
  const { vectors, tokens } = family === "cohere"
    ? await cohere(provider, request, texts, invoke)
    : await titan(provider, request, texts, invoke, family === "titan");
  return {
    object: "list",
    data: vectors.map((v, index) => ({ object: "embedding", index, embedding: request.encoding_format === "base64" ? toBase64(v) : v })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

interface Result { vectors: number[][]; tokens: number }

async function titan(provider: string, request: EmbeddingRequest, texts: string[], invoke: Invoke, v2: boolean): Promise<Result> {
  const { vectors, tokens } = await embedInBatches(provider, texts, 1, async ([text]) => {
    const body: Record<string, unknown> = { inputText: text };
    // v2 options; OpenAI's embeddings are unit vectors, so normalise like them.
    if (v2) {
      if (request.dimensions !== undefined) body.dimensions = request.dimensions;
      body.normalize = true;
    }
    const { json, inputTokens } = await invoke(body);
    const r = json as { embedding?: unknown; inputTextTokenCount?: unknown } | null;
    if (!r || !isVector(r.embedding)) throw errors.upstreamBadResponse(provider, "the Titan response has no `embedding` array");
    return { vectors: [r.embedding], tokens: typeof r.inputTextTokenCount === "number" ? r.inputTextTokenCount : (inputTokens ?? 0) };
  }, TITAN_CONCURRENCY);
  return { vectors, tokens: tokens ?? 0 };
}

async function cohere(provider: string, request: EmbeddingRequest, texts: string[], invoke: Invoke): Promise<Result> {
  if (request.dimensions !== undefined) {
    throw errors.invalidRequest("Cohere embed v3 models on Bedrock have a fixed size; `dimensions` is not supported.", "dimensions");
  }
  // OpenAI has no input_type; documents is the common case, and a client may say otherwise.
  const inputType = typeof request.input_type === "string" ? request.input_type : "search_document";
  const { vectors, tokens } = await embedInBatches(provider, texts, COHERE_BATCH, async (batch) => {
    const { json, inputTokens } = await invoke({ texts: batch, input_type: inputType });
    const r = json as { embeddings?: unknown } | null;
    // `embeddings` is a list of vectors, or `{float: [...]}` when embedding types were asked for.
    const list = Array.isArray(r?.embeddings) ? r.embeddings : (r?.embeddings as { float?: unknown } | undefined)?.float;
    if (!Array.isArray(list) || list.length !== batch.length || !list.every(isVector)) {
      throw errors.upstreamBadResponse(provider, "the Cohere response has no `embeddings` list matching the input");
    }
    // Cohere returns no token count in the body; Bedrock's header has it. Without it: 0 (documented).
    return { vectors: list as number[][], tokens: inputTokens ?? 0 };
  });
  return { vectors, tokens: tokens ?? 0 };
}

const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number");

/** OpenAI's base64 encoding: little-endian float32 bytes (what the official SDKs decode by default). */
function toBase64(vector: number[]): string {
  const floats = new Float32Array(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString("base64");
}
