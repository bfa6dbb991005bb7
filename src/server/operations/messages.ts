import { GatewayError } from "../../core/errors.ts";
import type { ChatCompletion } from "../../core/openai-types.ts";
import { MESSAGES, NATIVE, nativeText, type MessagesRequest } from "../../engine/operations.ts";
import { shapeRelayed } from "../../engine/stream-shaper.ts";
import { anthropicIngress, parseMessagesRequest, toAnthropicMessage } from "../ingress/anthropic/index.ts";
import type { Operation } from "../operation.ts";
import { validateChat } from "../validate.ts";
import { deterministic } from "../../cache/policy.ts";

/** The client's Anthropic headers that go up with a native call. */
const NATIVE_HEADERS = ["anthropic-version", "anthropic-beta"] as const;

function anthropicHeaders(headers: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of NATIVE_HEADERS) {
    const value = headers?.get(name);
    if (value !== null && value !== undefined && value !== "") out[name] = value;
  }
  return out;
}

/**
 * The client's body as a Messages request: translated (and checked as /v1/chat checks it, which
 * translators downstream rely on) for targets that need translation, kept as it is for targets
 * that speak Messages natively. A body that cannot be translated (citations, server tools...) is
 * still served by native targets; a translating attempt answers its 400. count_tokens reads its
 * body the same way, with `max_tokens` optional.
 */
export function parseMessages(body: Record<string, unknown>, headers?: Headers, opts: { maxTokens?: "required" | "optional" } = {}): MessagesRequest {
  const call = { body, headers: anthropicHeaders(headers) };
  let request: MessagesRequest;
  try {
    request = validateChat(parseMessagesRequest(body, opts) as unknown as Record<string, unknown>);
  } catch (err) {
    const messages = body.messages;
    if (!(err instanceof GatewayError) || err.status !== 400 || typeof body.model !== "string" || body.model === "" || !Array.isArray(messages) || messages.length === 0) throw err;
    request = { model: body.model, messages: [{ role: "user", content: "" }] };
    if (body.stream === true) request.stream = true;
    if (typeof body.max_tokens === "number") request.max_tokens = body.max_tokens;
    request[NATIVE] = { call, untranslatable: err };
    return request;
  }
  request[NATIVE] = { call };
  return request;
}

/**
 * `POST /v1/messages`: Anthropic's Messages API. Targets that speak it natively (`anthropic`; Claude on
 * Vertex and Bedrock) get the client's body untranslated apart from `model`, and their answer is
 * relayed as it came; others get it translated to the internal chat request, served by the same engine path as
 * CHAT (routing, failover, plugins, telemetry) and answered in Anthropic's message shape and events.
 */
export const messages: Operation<MessagesRequest, ChatCompletion> = {
  ingress: anthropicIngress,
  engine: MESSAGES,
  parse: (body, headers) => parseMessages(body, headers),
  cacheable: deterministic,
  shapeStream: (events, _request, stats) => shapeRelayed(events, stats),
  encodeJson: (body, request) => nativeText.get(body) ?? JSON.stringify(toAnthropicMessage(body, request.model)),
};
