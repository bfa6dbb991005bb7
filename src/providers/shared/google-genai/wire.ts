// The Gemini `generateContent` wire format (camelCase JSON), shared by the Gemini API and Vertex AI.
// Only the fields Butter writes or reads are typed; see providers README §4.

export interface InlineData { mimeType: string; data: string }
export interface FileData { mimeType?: string; fileUri: string }
export interface FunctionCall { name: string; args?: Record<string, unknown>; id?: string }
export interface FunctionResponse { name: string; response: Record<string, unknown>; id?: string }

export interface Part {
  text?: string;
  /** A reasoning summary part (only sent when thoughts are requested). */
  thought?: boolean;
  /** Opaque; must be echoed back on the same part in the next turn (function calls of thinking models). */
  thoughtSignature?: string;
  inlineData?: InlineData;
  fileData?: FileData;
  functionCall?: FunctionCall;
  functionResponse?: FunctionResponse;
}

export interface Content { role?: "user" | "model"; parts: Part[] }

export interface FunctionDeclaration { name: string; description?: string; parameters?: Record<string, unknown> }

export type FunctionCallingMode = "AUTO" | "ANY" | "NONE";

export interface GenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string; includeThoughts?: boolean };
  responseLogprobs?: boolean;
  /** Top candidates per position (needs responseLogprobs). */
  logprobs?: number;
}

export interface GenerateContentBody {
  contents: Content[];
  systemInstruction?: { parts: Part[] };
  tools?: Array<{ functionDeclarations: FunctionDeclaration[] }>;
  toolConfig?: { functionCallingConfig: { mode: FunctionCallingMode; allowedFunctionNames?: string[] } };
  generationConfig?: GenerationConfig;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  thoughtsTokenCount?: number;
  cachedContentTokenCount?: number;
  toolUsePromptTokenCount?: number;
  [k: string]: unknown;
}

export interface LogprobsCandidate { token?: string; tokenId?: number; logProbability?: number }

export interface LogprobsResult {
  chosenCandidates?: LogprobsCandidate[];
  topCandidates?: Array<{ candidates?: LogprobsCandidate[] }>;
}

export interface Candidate {
  content?: { role?: string; parts?: Part[] };
  finishReason?: string;
  index?: number;
  logprobsResult?: LogprobsResult;
  [k: string]: unknown;
}

export interface GenerateContentResponse {
  candidates?: Candidate[];
  promptFeedback?: { blockReason?: string; [k: string]: unknown };
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
  /** Vertex only: RFC 3339 time the response was created. */
  createTime?: string;
  /** A mid-stream error event carries a google.rpc Status here. */
  error?: unknown;
}
