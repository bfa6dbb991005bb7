// The OpenAI Responses API's wire shapes the gateway reads and writes (a hand-written subset of
// openai's responses.d.ts: only what the translation produces or accepts).

export interface InputTextPart { type: "input_text"; text: string }
export interface InputImagePart { type: "input_image"; image_url?: string | null; file_id?: string | null; detail?: "low" | "high" | "auto" | "original" }
export interface InputFilePart { type: "input_file"; file_data?: string; file_id?: string | null; file_url?: string; filename?: string }
export type InputPart = InputTextPart | InputImagePart | InputFilePart;

export interface OutputTextPart { type: "output_text"; text: string; annotations: unknown[]; logprobs?: unknown[] }
export interface RefusalPart { type: "refusal"; refusal: string }
export type OutputPart = OutputTextPart | RefusalPart;

export interface MessageItem {
  type: "message";
  id?: string;
  role: "user" | "assistant" | "system" | "developer";
  content: string | Array<InputPart | OutputPart>;
  status?: ItemStatus;
}

/** The assistant message the gateway writes (always parts, always an id). */
export interface OutputMessageItem { type: "message"; id: string; role: "assistant"; status: ItemStatus; content: OutputPart[] }

export interface FunctionCallItem { type: "function_call"; id?: string; call_id: string; name: string; namespace?: string; arguments: string; status?: ItemStatus }

export interface FunctionCallOutputItem { type: "function_call_output"; id?: string; call_id: string; output: string | InputPart[]; status?: ItemStatus }

export interface SummaryText { type: "summary_text"; text: string }
export interface ReasoningText { type: "reasoning_text"; text: string }

export interface ReasoningItem {
  type: "reasoning";
  id: string;
  summary: SummaryText[];
  content?: ReasoningText[];
  /** Opaque to clients; the gateway's own carries the reasoning_details (signatures) of the answer. */
  encrypted_content?: string | null;
  status?: ItemStatus;
}

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export type ResponseItem = MessageItem | FunctionCallItem | FunctionCallOutputItem | ReasoningItem;
export type OutputItem = OutputMessageItem | (FunctionCallItem & { id: string; status: ItemStatus }) | ReasoningItem;

export interface ResponsesFunctionTool { type: "function"; name: string; description: string | null; parameters: Record<string, unknown> | null; strict: boolean | null }
export interface ResponsesNamespaceTool { type: "namespace"; name: string; description: string | null; tools: ResponsesFunctionTool[] }
export type ResponsesTool = ResponsesFunctionTool | ResponsesNamespaceTool;

export type ResponsesToolChoice = "auto" | "none" | "required" | { type: "function"; name: string };

export type TextFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; schema: Record<string, unknown>; strict?: boolean | null; description?: string };

/** The request's settings as a Response object repeats them, OpenAI's defaults filled in. */
export interface ResponseEcho {
  tools: ResponsesTool[];
  tool_choice: ResponsesToolChoice;
  text: { format: TextFormat; verbosity?: string | null };
  reasoning: { effort: string | null; summary: string | null };
  temperature: number;
  top_p: number;
  max_output_tokens: number | null;
  parallel_tool_calls: boolean;
  metadata: Record<string, string>;
  user: string | null;
  truncation: "disabled" | "auto";
  safety_identifier: string | null;
  prompt_cache_key: string | null;
  service_tier: string;
}

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = "completed" | "incomplete" | "failed" | "in_progress";

export interface ResponseObject extends ResponseEcho {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  background: false;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: string | null;
  model: string;
  output: OutputItem[];
  previous_response_id: string | null;
  store: boolean;
  usage: ResponsesUsage | null;
}
