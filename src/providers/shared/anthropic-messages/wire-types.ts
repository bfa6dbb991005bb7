// The Anthropic Messages API wire format, as far as the translation reads or writes it.

export interface AnthropicTextBlock { type: "text"; text: string; cache_control?: unknown; [k: string]: unknown }
export type AnthropicImageSource =
  | { type: "base64"; media_type: string; data: string }
  | { type: "url"; url: string };
export interface AnthropicImageBlock { type: "image"; source: AnthropicImageSource; cache_control?: unknown }
export interface AnthropicDocumentBlock { type: "document"; source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string } }
export interface AnthropicToolUseBlock { type: "tool_use"; id: string; name: string; input: unknown }
export interface AnthropicToolResultBlock {
  type: "tool_result";
  tool_use_id: string;
  content: string | Array<AnthropicTextBlock | AnthropicImageBlock>;
  is_error?: boolean;
}
export interface AnthropicThinkingBlock { type: "thinking"; thinking: string; signature?: string }

export type AnthropicBlock =
  | AnthropicTextBlock | AnthropicImageBlock | AnthropicDocumentBlock | AnthropicToolUseBlock | AnthropicToolResultBlock
  | AnthropicThinkingBlock | { type: string; [k: string]: unknown };

export interface AnthropicMessage { role: "user" | "assistant"; content: string | AnthropicBlock[] }

export interface AnthropicTool { name: string; description?: string; input_schema: Record<string, unknown>; [k: string]: unknown }

export type AnthropicToolChoice =
  | { type: "auto" | "any"; disable_parallel_tool_use?: boolean }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean }
  | { type: "none" };

/** The request body. `model` is absent for Anthropic on Vertex (the model is in the URL). */
export interface AnthropicRequest {
  model?: string;
  max_tokens: number;
  messages: AnthropicMessage[];
  system?: string | AnthropicTextBlock[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  metadata?: { user_id: string };
  stream?: boolean;
  [k: string]: unknown;
}

export interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  /** The cache writes split by lifetime (1-hour writes are billed higher than 5-minute ones). */
  cache_creation?: { ephemeral_5m_input_tokens?: number; ephemeral_1h_input_tokens?: number } | null;
  [k: string]: unknown;
}

export interface AnthropicResponse {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicBlock[];
  stop_reason: string | null;
  stop_sequence?: string | null;
  usage?: AnthropicUsage;
}

export interface AnthropicErrorBody { type: "error"; error: { type: string; message: string }; request_id?: string }
