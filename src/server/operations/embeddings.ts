import { EMBEDDINGS } from "../../engine/operations.ts";
import type { EmbeddingRequest, EmbeddingResponse } from "../../core/openai-types.ts";
import { openaiIngress } from "../ingress.ts";
import type { Operation } from "../operation.ts";
import { validateEmbeddings } from "../validate.ts";
import { unsampled } from "../../cache/policy.ts";

/** `POST /v1/embeddings`. */
export const embeddings: Operation<EmbeddingRequest, EmbeddingResponse> = {
  ingress: openaiIngress,
  engine: EMBEDDINGS,
  parse: validateEmbeddings,
  cacheable: unsampled,
};
