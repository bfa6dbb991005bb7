import { errors } from "../../../core/errors.ts";
import type { EmbeddingRequest, EmbeddingResponse } from "../../../core/openai-types.ts";

// OpenAI embeddings ⇄ Gemini API (`:embedContent` / `:batchEmbedContents`) and Vertex (`:predict`).
// A non-standard request field `task_type` (RETRIEVAL_QUERY, RETRIEVAL_DOCUMENT, SEMANTIC_SIMILARITY, ...)
// is passed on, since Google's embedding quality depends on it and OpenAI has no equivalent.

/** The texts to embed; token-id input is OpenAI-specific and cannot be sent to Google. */
export function embeddingTexts(request: EmbeddingRequest): string[] {
  const input = request.input;
  if (typeof input === "string") return [input];
  if (Array.isArray(input) && input.every((x) => typeof x === "string")) return input as string[];
  throw errors.invalidRequest("'input' must be a string or an array of strings for this provider (token ids are not supported).", "input");
}

const taskType = (request: EmbeddingRequest): string | undefined => (typeof request.task_type === "string" ? request.task_type : undefined);

interface EmbedContentRequest { model?: string; content: { parts: Array<{ text: string }> }; taskType?: string; outputDimensionality?: number }

function embedRequest(request: EmbeddingRequest, text: string, model?: string): EmbedContentRequest {
  const out: EmbedContentRequest = model ? { model, content: { parts: [{ text }] } } : { content: { parts: [{ text }] } };
  const task = taskType(request);
  if (task) out.taskType = task;
  if (typeof request.dimensions === "number") out.outputDimensionality = request.dimensions;
  return out;
}

/** A single string goes to `:embedContent`. */
export function toGeminiEmbedContent(request: EmbeddingRequest, text: string): EmbedContentRequest {
  return embedRequest(request, text);
}

/** An array goes to `:batchEmbedContents` (whose requests name the model), at most the adapter's batch limit at a time. */
export function toGeminiBatch(request: EmbeddingRequest, texts: readonly string[], modelResource: string): { requests: EmbedContentRequest[] } {
  return { requests: texts.map((t) => embedRequest(request, t, modelResource)) };
}

const isVector = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === "number");

/** The vectors of an embedContent / batchEmbedContents answer, or undefined when it has the wrong shape. */
export function fromGeminiEmbedding(json: unknown): { vectors: number[][]; tokens?: number } | undefined {
  const j = json as { embedding?: { values?: unknown }; embeddings?: Array<{ values?: unknown }>; usageMetadata?: { promptTokenCount?: number } };
  const list = j?.embeddings ?? (j?.embedding ? [j.embedding] : undefined);
  if (!Array.isArray(list)) return undefined;
  const vectors = list.map((e) => e?.values);
  if (!vectors.every(isVector)) return undefined;
  const tokens = j.usageMetadata?.promptTokenCount;
  return { vectors, ...(typeof tokens === "number" ? { tokens } : {}) };
}

export function toVertexPredict(request: EmbeddingRequest, texts: readonly string[]): unknown {
  const task = taskType(request);
  const body: { instances: Array<{ content: string; task_type?: string }>; parameters?: { outputDimensionality: number } } = {
    instances: texts.map((content) => (task ? { content, task_type: task } : { content })),
  };
  if (typeof request.dimensions === "number") body.parameters = { outputDimensionality: request.dimensions };
  return body;
}

export function fromVertexPredict(json: unknown): { vectors: number[][]; tokens?: number } | undefined {
  const predictions = (json as { predictions?: Array<{ embeddings?: { values?: unknown; statistics?: { token_count?: unknown } } }> })?.predictions;
  if (!Array.isArray(predictions)) return undefined;
  const vectors = predictions.map((p) => p?.embeddings?.values);
  if (!vectors.every(isVector)) return undefined;
  const counts = predictions.map((p) => p?.embeddings?.statistics?.token_count);
  const tokens = counts.every((c) => typeof c === "number") ? (counts as number[]).reduce((a, b) => a + b, 0) : undefined;
  return { vectors, ...(tokens !== undefined ? { tokens } : {}) };
}

/** OpenAI's base64 encoding: the float32 little-endian bytes of the vector. */
export function float32Base64(values: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return Buffer.from(view.buffer).toString("base64");
}

/** Google reports no token usage for Gemini API embeddings: it is then 0 (there is nothing better to say). */
export function toEmbeddingResponse(request: EmbeddingRequest, model: string, result: { vectors: number[][]; tokens?: number }): EmbeddingResponse {
  const base64 = request.encoding_format === "base64";
  const tokens = result.tokens ?? 0;
  return {
    object: "list",
    data: result.vectors.map((v, index) => ({ object: "embedding", index, embedding: base64 ? float32Base64(v) : v })),
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
