import { describe, expect, test } from "bun:test";
import { mapFinishReason, mapUsage, toChatCompletion } from "../../src/providers/shared/google-genai/response.ts";
import { googleError, retryAfterSeconds } from "../../src/providers/shared/google-genai/errors.ts";

describe("generateContent response → OpenAI", () => {
  test("finish reasons", () => {
    expect(mapFinishReason("STOP", false)).toBe("stop");
    expect(mapFinishReason("STOP", true)).toBe("tool_calls");
    expect(mapFinishReason("MAX_TOKENS", true)).toBe("length");
    for (const r of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE"]) expect(mapFinishReason(r, false)).toBe("content_filter");
    for (const r of ["OTHER", "MALFORMED_FUNCTION_CALL", "FINISH_REASON_UNSPECIFIED"]) expect(mapFinishReason(r, false)).toBe("stop");
  });

  test("usage: thoughts in completion, tool-use prompt in prompt, cached tokens as a detail (already inside the prompt count)", () => {
    expect(mapUsage({ promptTokenCount: 100, cachedContentTokenCount: 60, toolUsePromptTokenCount: 5, candidatesTokenCount: 10, thoughtsTokenCount: 7, totalTokenCount: 122 })).toEqual({
      prompt_tokens: 105, completion_tokens: 17, total_tokens: 122,
      prompt_tokens_details: { cached_tokens: 60 }, completion_tokens_details: { reasoning_tokens: 7 },
    });
    // Proto3 JSON leaves zero counts out: no cachedContentTokenCount is 0 cached, reported as OpenAI does.
    expect(mapUsage({ promptTokenCount: 4, candidatesTokenCount: 2, totalTokenCount: 6 })).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6, prompt_tokens_details: { cached_tokens: 0 } });
    expect(mapUsage({ trafficType: "ON_DEMAND" })).toBeUndefined();
    expect(mapUsage(undefined)).toBeUndefined();
  });

  test("thought parts are not content; several candidates become several choices; Vertex createTime sets created", () => {
    const res = toChatCompletion({
      candidates: [
        { content: { role: "model", parts: [{ text: "thinking...", thought: true }, { text: "A" }, { text: "B" }] }, finishReason: "STOP" },
        { content: { role: "model", parts: [{ text: "C" }] }, finishReason: "MAX_TOKENS", index: 1 },
      ],
      responseId: "abc",
      modelVersion: "gemini-x",
      createTime: "2025-10-24T07:45:43.133318Z",
    }, "m");
    expect(res.id).toBe("chatcmpl-abc");
    expect(res.model).toBe("gemini-x");
    expect(res.created).toBe(Math.floor(Date.parse("2025-10-24T07:45:43Z") / 1000));
    expect(res.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([[0, "AB", "stop"], [1, "C", "length"]]);
    expect(res.usage).toBeUndefined();
  });
});

describe("reasoning and logprobs → OpenAI", () => {
  test("thought parts become message.reasoning_content, not content", () => {
    const res = toChatCompletion({ candidates: [{ content: { parts: [{ text: "Let me think. ", thought: true }, { text: "Done.", thought: true }, { text: "42" }] }, finishReason: "STOP" }] }, "m");
    expect(res.choices[0]!.message.content).toBe("42");
    expect(res.choices[0]!.message.reasoning_content).toBe("Let me think. Done.");
    const plain = toChatCompletion({ candidates: [{ content: { parts: [{ text: "hi" }] }, finishReason: "STOP" }] }, "m");
    expect("reasoning_content" in plain.choices[0]!.message).toBe(false);
    expect(plain.choices[0]!.logprobs).toBeNull();
  });

  test("logprobsResult → logprobs.content with top_logprobs and UTF-8 bytes", () => {
    const res = toChatCompletion({ candidates: [{
      content: { parts: [{ text: "Hé" }] }, finishReason: "STOP",
      logprobsResult: {
        chosenCandidates: [{ token: "H", logProbability: -0.1 }, { token: "é", logProbability: -0.5 }],
        topCandidates: [{ candidates: [{ token: "H", logProbability: -0.1 }, { token: "J", logProbability: -2.5 }] }, { candidates: [{ token: "é", logProbability: -0.5 }] }],
      },
    }] }, "m");
    expect(res.choices[0]!.logprobs).toEqual({
      content: [
        { token: "H", logprob: -0.1, bytes: [72], top_logprobs: [{ token: "H", logprob: -0.1, bytes: [72] }, { token: "J", logprob: -2.5, bytes: [74] }] },
        { token: "é", logprob: -0.5, bytes: [195, 169], top_logprobs: [{ token: "é", logprob: -0.5, bytes: [195, 169] }] },
      ],
      refusal: null,
    });
  });
});

describe("hostile upstream shapes in the new fields", () => {
  test("wrong types in functionCall.id, thoughtSignature and logprobsResult are ignored, never a crash", () => {
    const res = toChatCompletion({ candidates: [{
      content: { parts: [{ functionCall: { id: 42, name: "f", args: {} }, thoughtSignature: 7 } as never, { text: "x", thoughtSignature: { a: 1 } } as never] },
      logprobsResult: { chosenCandidates: [null, { token: 5 }], topCandidates: [null, { candidates: [3] }] } as never,
    }] }, "m");
    const message = res.choices[0]!.message;
    expect(message.tool_calls![0]!.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(message.extra_content).toBeUndefined();
    expect(res.choices[0]!.logprobs).toEqual({ content: [
      { token: "", logprob: 0, bytes: [], top_logprobs: [] },
      { token: "", logprob: 0, bytes: [], top_logprobs: [{ token: "", logprob: 0, bytes: [] }] },
    ], refusal: null });
    expect(toChatCompletion({ candidates: [{ content: { parts: [] }, logprobsResult: "x" as never }] }, "m").choices[0]!.logprobs).toBeNull();
  });
});

describe("google.rpc Status errors", () => {
  const err = (status: number, body: unknown, headers: Record<string, string> = {}) => googleError("g", status, JSON.stringify(body), new Headers(headers));

  test("statuses and types", () => {
    expect(err(401, { error: { code: 401, message: "bad token", status: "UNAUTHENTICATED" } })).toMatchObject({ status: 401, type: "authentication_error", code: "invalid_api_key" });
    expect(err(403, { error: { code: 403, message: "denied", status: "PERMISSION_DENIED" } })).toMatchObject({ status: 403, type: "permission_error" });
    expect(err(400, { error: { code: 400, message: "bad", status: "INVALID_ARGUMENT" } })).toMatchObject({ status: 400, type: "invalid_request_error", code: "INVALID_ARGUMENT", retryable: false });
    expect(err(500, { error: { code: 500, message: "oops", status: "INTERNAL" } })).toMatchObject({ status: 500, type: "server_error", retryable: true });
    expect(err(504, { error: { code: 504, message: "slow", status: "DEADLINE_EXCEEDED" } })).toMatchObject({ status: 504, type: "timeout", retryable: true });
    // The non-SSE streaming endpoint wraps errors in an array.
    expect(err(404, [{ error: { code: 404, message: "nope", status: "NOT_FOUND" } }]).message).toBe("nope");
  });

  test("non-JSON bodies keep the status with a readable message; retry-after header wins over RetryInfo", () => {
    const html = googleError("g", 502, "<html><body>Bad Gateway</body></html>", new Headers());
    expect(html.status).toBe(502);
    expect(html.message).toContain("Bad Gateway");
    const e = err(429, { error: { code: 429, message: "slow down", status: "RESOURCE_EXHAUSTED", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "26s" }] } }, { "retry-after": "3" });
    expect(e.headers).toEqual({ "retry-after": "3" });
    expect(retryAfterSeconds("1.2s")).toBe("2");
    expect(retryAfterSeconds("bogus")).toBeUndefined();
  });
});
