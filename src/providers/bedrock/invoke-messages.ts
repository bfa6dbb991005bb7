import type { NativeMessagesCall } from "../types.ts";

// Claude on Bedrock through InvokeModel, which takes Anthropic's Messages body: native pass-through
// of /v1/messages (providers README §3, "Anthropic models via InvokeModel").

const ANTHROPIC_VERSION = "bedrock-2023-05-31";

/**
 * Anthropic's Claude ids (`anthropic.claude-…`), their cross-region profiles (`us.anthropic.claude-…`,
 * `global.anthropic.claude-…`), and ARNs whose last segment is one of those (foundation models,
 * system inference profiles). Application inference profiles have opaque ids: they are translated
 * through Converse, which serves every model.
 */
const CLAUDE = /^(?:[a-z]+(?:-[a-z]+)*\.)?anthropic\.claude/;

export function isClaudeModel(model: string): boolean {
  const id = model.startsWith("arn:") ? model.slice(model.lastIndexOf("/") + 1) : model;
  return CLAUDE.test(id);
}

/**
 * The client's body as InvokeModel takes it: without `model` (in the URL) and `stream` (the URL
 * says it), with Bedrock's anthropic_version (replacing any the client sent: only this value is
 * valid here) and the client's `anthropic-beta` header as the `anthropic_beta` array Bedrock reads,
 * joined with any the body already had.
 */
export function toInvokeBody(call: NativeMessagesCall): Record<string, unknown> {
  const { model: _model, stream: _stream, ...body } = call.body;
  body.anthropic_version = ANTHROPIC_VERSION;
  const betas = (call.headers["anthropic-beta"] ?? "").split(",").map((b) => b.trim()).filter((b) => b !== "");
  if (betas.length > 0) {
    const own = Array.isArray(body.anthropic_beta) ? body.anthropic_beta : [];
    body.anthropic_beta = [...new Set([...own, ...betas])];
  }
  return body;
}
