import { CHAT } from "../../engine/operations.ts";
import { shapeStream } from "../../engine/stream-shaper.ts";
import type { ChatCompletion, ChatCompletionRequest } from "../../core/openai-types.ts";
import { openaiIngress } from "../ingress.ts";
import type { Operation } from "../operation.ts";
import { validateChat } from "../validate.ts";
import { deterministic } from "../../cache/policy.ts";

/** `POST /v1/chat/completions`. */
export const chatCompletions: Operation<ChatCompletionRequest, ChatCompletion> = {
  ingress: openaiIngress,
  engine: CHAT,
  parse: validateChat,
  cacheable: deterministic,
  shapeStream: (events, request, stats) => shapeStream(events, request.stream_options?.include_usage === true, stats),
};
