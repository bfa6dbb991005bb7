// Shared by the app-key tests: a mock OpenAI upstream whose answers carry known usage, and admin calls.
import { json, sse, type MockUpstream, type RecordedRequest } from "../support/index.ts";

export const ADMIN_TOKEN = "admin-token-for-tests-0123456789";
export const PROMPT = 11;
export const COMPLETION = 7;
export const KEY_SHAPE = /^btr_[A-Za-z0-9_-]{43}$/;

const base = { id: "chatcmpl-k", created: 1, model: "gpt-4o-mini" };

/** JSON or SSE chat answers with usage {11, 7}; model "fail" gets a 400 from the upstream. */
export function answerChat(mock: MockUpstream, path = "/v1/chat/completions"): void {
  mock.when("POST", path, (req: RecordedRequest) => {
    const body = req.json as { model?: string; stream?: boolean };
    if (body.model === "fail") return json({ error: { message: "bad model", type: "invalid_request_error" } }, { status: 400 });
    const usage = { prompt_tokens: PROMPT, completion_tokens: COMPLETION, total_tokens: PROMPT + COMPLETION };
    if (body.stream !== true) {
      return json({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }], usage });
    }
    const chunk = { ...base, object: "chat.completion.chunk" };
    return sse([
      { ...chunk, choices: [{ index: 0, delta: { role: "assistant", content: "Hi" }, finish_reason: null }] },
      { ...chunk, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
      { ...chunk, choices: [], usage },
      "data: [DONE]\n\n",
    ]);
  });
}

export interface Admin {
  (method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: Record<string, any>; res: Response }>;
}

export function adminOf(gw: { baseURL: string }): Admin {
  return async (method, path, body, token = ADMIN_TOKEN) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(gw.baseURL + path, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
    const text = await res.text();
    let parsed: Record<string, any> = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { text };
    }
    return { status: res.status, body: parsed, res };
  };
}

/** Creates a key through the admin API; returns its id and the key. */
export async function newAppKey(admin: Admin, body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const r = await admin("POST", "/admin/keys", body);
  if (r.status !== 201) throw new Error(`create key: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.id, key: r.body.key };
}

export function chatBody(model: string, stream = false): string {
  return JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }], ...(stream ? { stream: true } : {}) });
}

/** Polls `fn` until it returns true or `ms` passes; resolves to the elapsed ms (throws on timeout). */
export async function within(ms: number, fn: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < ms) {
    if (await fn()) return performance.now() - start;
    await Bun.sleep(25);
  }
  throw new Error(`not within ${ms} ms`);
}
