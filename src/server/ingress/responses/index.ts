// OpenAI's Responses API as a client API: OpenAI's error envelope, and its own typed stream events
// (written by the Responses operation, which knows the response being built: operations/responses.ts).
import { errors } from "../../../core/errors.ts";
import { errorResponse } from "../../error-response.ts";
import type { Ingress } from "../../ingress.ts";
import { SSE_HEADERS } from "../../sse.ts";

export const responsesIngress: Ingress = {
  name: "responses",
  encodeError: errorResponse,
  encodeStream: () => {
    throw errors.internal(new Error("Responses streams are encoded by their operation"));
  },
  streamHeaders: SSE_HEADERS,
};
