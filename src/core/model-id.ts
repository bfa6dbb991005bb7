// What can be a model id at all, before any provider sees it. Model ids travel into upstream URL
// paths (Gemini, Vertex, Bedrock, Azure deployments), so anything that could change a URL's meaning
// is refused here instead of being escaped and hoped about.
//
// The rule: 1–256 characters from [A-Za-z0-9] and - _ . : @ / ~ +, where `/` separates segments that
// are neither empty nor `.` / `..`. That admits every real id we know of — `gpt-4o-mini`,
// `ft:gpt-4o-mini-2024-07-18:org::abc`, `meta-llama/llama-3.1-70b-instruct:free`,
// `accounts/fireworks/models/llama-v3p1-8b-instruct`, `anthropic.claude-3-5-sonnet-20240620-v1:0`,
// `us.anthropic.claude-3-7-sonnet-20250219-v1:0`, `arn:aws:bedrock:us-east-1:123456789012:inference-profile/x`,
// `claude-3-5-sonnet@20240620`, `models/gemini-pro` — and keeps out whitespace, control characters,
// `?`, `#`, `%`, `\`, quotes, non-ASCII look-alikes and dot segments.

export const MAX_MODEL_ID_LENGTH = 256;

const ALLOWED = /^[A-Za-z0-9._:@\/~+-]+$/;

/** Why `id` cannot be a model id, or undefined when it can. */
export function modelIdProblem(id: string): string | undefined {
  if (id.length === 0) return "it is empty";
  if (id.length > MAX_MODEL_ID_LENGTH) return `it is longer than ${MAX_MODEL_ID_LENGTH} characters`;
  if (!ALLOWED.test(id)) return "model ids use only letters, digits and - _ . : @ / ~ +";
  // Segments: no leading, trailing or doubled `/`, and no `.` / `..` (a path traversal once in a URL).
  let start = 0;
  for (;;) {
    const end = id.indexOf("/", start);
    const stop = end === -1 ? id.length : end;
    const length = stop - start;
    if (length === 0) return "it has an empty `/` segment";
    if (length <= 2 && id.charCodeAt(start) === 46 && (length === 1 || id.charCodeAt(start + 1) === 46)) return "it has a `.` or `..` segment";
    if (end === -1) return undefined;
    start = end + 1;
  }
}

/** A model name safe to quote back in an error message: bounded, and with control characters made visible. */
export function quoteModel(model: string): string {
  const short = model.length > 80 ? `${model.slice(0, 80)}…` : model;
  return JSON.stringify(short).slice(1, -1);
}
