import { describe, expect, test } from "bun:test";
import { toGenerateContent } from "../../src/providers/shared/google-genai/request.ts";
import { toChatCompletion } from "../../src/providers/shared/google-genai/response.ts";
import { thoughtSignatureOf, toolCallIdFor } from "../../src/providers/shared/google-genai/tool-call-id.ts";
import { GatewayError } from "../../src/core/errors.ts";
import type { ChatCompletionRequest } from "../../src/core/openai-types.ts";
import { loadJson } from "../support/index.ts";

const gemini = (file: string) => loadJson("gemini", file).body;
const user = (content: ChatCompletionRequest["messages"][number]["content"]) => ({ role: "user" as const, content });

describe("OpenAI → generateContent request", () => {
  test("images: data URL → inlineData, http URL → fileData with a mime guessed from the extension (image/jpeg without one)", () => {
    const body = toGenerateContent({
      model: "m",
      messages: [user([
        { type: "text", text: "What is in this image?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==", detail: "auto" } },
        { type: "image_url", image_url: { url: "https://generativelanguage.googleapis.com/v1beta/files/abc123" } },
      ])],
    });
    expect(body).toEqual(gemini("generateContent-image.request.json") as never);
    const png = toGenerateContent({ model: "m", messages: [user([{ type: "image_url", image_url: { url: "https://x.test/a/cat.PNG?s=1" } }])] });
    expect(png.contents[0]!.parts[0]).toEqual({ fileData: { mimeType: "image/png", fileUri: "https://x.test/a/cat.PNG?s=1" } });
  });

  test("json_schema → responseMimeType + responseJsonSchema (schema kept as JSON Schema); json_object → mime only", () => {
    const schema = { type: "object", properties: { capital: { type: "string" } }, required: ["capital"] };
    const body = toGenerateContent({
      model: "m",
      messages: [user("Return the capital of France as JSON")],
      response_format: { type: "json_schema", json_schema: { name: "capital", strict: true, schema } },
    });
    expect(body).toEqual(gemini("json-mode.request.json") as never);
    const strict = toGenerateContent({ model: "m", messages: [user("x")], response_format: { type: "json_schema", json_schema: { name: "c", schema: { ...schema, additionalProperties: false } } } });
    expect(strict.generationConfig!.responseJsonSchema!.additionalProperties).toBe(false);
    expect(toGenerateContent({ model: "m", messages: [user("x")], response_format: { type: "json_object" } }).generationConfig).toEqual({ responseMimeType: "application/json" });
  });

  test("system and developer messages become systemInstruction wherever they are; assistant → model", () => {
    const body = toGenerateContent({
      model: "m",
      messages: [
        { role: "system", content: "Be brief." },
        user("hi"),
        { role: "assistant", content: "hello" },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        user("again"),
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: "Be brief." }, { text: "Answer in French." }] });
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "hi" }] },
      { role: "model", parts: [{ text: "hello" }] },
      { role: "user", parts: [{ text: "again" }] },
    ]);
  });

  test("system messages only: the instructions become the one user turn (Gemini rejects contents: []); nothing at all is a 400", () => {
    const body = toGenerateContent({ model: "m", messages: [{ role: "system", content: "Write a haiku." }, { role: "developer", content: "About rain." }] });
    expect(body.contents).toEqual([{ role: "user", parts: [{ text: "Write a haiku." }, { text: "About rain." }] }]);
    expect(body.systemInstruction).toBeUndefined();
    const err = (() => { try { toGenerateContent({ model: "m", messages: [{ role: "system", content: "" }, user("")] }); } catch (e) { return e; } })() as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(400);
    expect(err.param).toBe("messages");
  });

  test("parallel tool results merge into one turn; names come from the assistant tool_calls; non-object results are wrapped", () => {
    const body = toGenerateContent({
      model: "m",
      messages: [
        user("weather in Paris and Berlin?"),
        { role: "assistant", content: null, tool_calls: [
          { id: "call_a", type: "function", function: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } },
          { id: "call_b", type: "function", function: { name: "get_time", arguments: "" } },
        ] },
        { role: "tool", tool_call_id: "call_b", content: "12:00" },
        { role: "tool", tool_call_id: "call_a", content: [{ type: "text", text: "{\"c\":18}" }] },
      ],
    });
    // Ids Butter did not synthesise (another provider's, or Gemini's own) go along, paired call ↔ response.
    expect(body.contents[1]).toEqual({ role: "model", parts: [
      { functionCall: { name: "get_weather", args: { location: "Paris" }, id: "call_a" } },
      { functionCall: { name: "get_time", args: {}, id: "call_b" } },
    ] });
    expect(body.contents[2]).toEqual({ role: "user", parts: [
      { functionResponse: { name: "get_time", response: { output: "12:00" }, id: "call_b" } },
      { functionResponse: { name: "get_weather", response: { c: 18 }, id: "call_a" } },
    ] });
  });

  test("a tool result whose call id matches no earlier tool call is a 400 naming the message", () => {
    const run = () => toGenerateContent({ model: "m", messages: [user("x"), { role: "tool", tool_call_id: "call_zzz", content: "1" }] });
    expect(run).toThrow(GatewayError);
    try {
      run();
    } catch (e) {
      expect((e as GatewayError).status).toBe(400);
      expect((e as GatewayError).param).toBe("messages[1].tool_call_id");
    }
  });

  test("tool_choice → functionCallingConfig; strict and rejected schema keywords removed from declarations", () => {
    const tool = { type: "function" as const, function: { name: "f", strict: true, parameters: { type: "object", additionalProperties: false, $schema: "x", properties: { a: { type: "string" } } } } };
    const mode = (tool_choice: ChatCompletionRequest["tool_choice"]) => toGenerateContent({ model: "m", messages: [user("x")], tools: [tool], tool_choice }).toolConfig;
    expect(mode("auto")).toEqual({ functionCallingConfig: { mode: "AUTO" } });
    expect(mode("required")).toEqual({ functionCallingConfig: { mode: "ANY" } });
    expect(mode("none")).toEqual({ functionCallingConfig: { mode: "NONE" } });
    expect(mode({ type: "function", function: { name: "f" } })).toEqual({ functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["f"] } });
    expect(mode(undefined)).toBeUndefined();
    const body = toGenerateContent({ model: "m", messages: [user("x")], tools: [tool, { type: "function", function: { name: "g", parameters: { type: "object", properties: {} } } }] });
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: "f", parameters: { type: "object", properties: { a: { type: "string" } } } }, { name: "g" }] }]);
  });

  test("generation settings: max_completion_tokens wins over max_tokens, stop string, seed, penalties, reasoning_effort", () => {
    const body = toGenerateContent({ model: "m", messages: [user("x")], max_tokens: 10, max_completion_tokens: 20, stop: "END", seed: 7, presence_penalty: 0.5, frequency_penalty: 0.25, reasoning_effort: "low", parallel_tool_calls: true, user: "u" });
    expect(body.generationConfig).toEqual({ maxOutputTokens: 20, stopSequences: ["END"], seed: 7, presencePenalty: 0.5, frequencyPenalty: 0.25, thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
  });

  test("reasoning_effort → thinkingBudget on 2.5 (Pro's floor 128), thinkingLevel on Gemini 3; an unknown effort is a 400", () => {
    const thinking = (effort: string, model: string) => toGenerateContent({ model: "x", messages: [user("x")], reasoning_effort: effort }, model).generationConfig?.thinkingConfig;
    expect(thinking("none", "gemini-2.5-flash")).toEqual({ thinkingBudget: 0 });
    expect(thinking("high", "gemini-2.5-flash")).toEqual({ thinkingBudget: 24576, includeThoughts: true });
    expect(thinking("none", "gemini-2.5-pro")).toEqual({ thinkingBudget: 128, includeThoughts: true });
    expect(thinking("medium", "models/gemini-2.5-flash-lite")).toEqual({ thinkingBudget: 8192, includeThoughts: true });
    expect(thinking("low", "gemini-3-pro-preview")).toEqual({ thinkingLevel: "low", includeThoughts: true });
    expect(thinking("medium", "gemini-3-pro-preview")).toEqual({ thinkingLevel: "high", includeThoughts: true });
    expect(thinking("minimal", "gemini-3-flash-preview")).toEqual({ thinkingLevel: "minimal", includeThoughts: true });
    expect(thinking("medium", "gemini-3-flash-preview")).toEqual({ thinkingLevel: "medium", includeThoughts: true });
    expect(toGenerateContent({ model: "x", messages: [user("x")] }, "gemini-3-pro-preview").generationConfig).toBeUndefined();
    expect(thinking("high", "gemini-2.0-flash")).toBeUndefined();
    expect(thinking("high", "models/gemini-1.5-pro")).toBeUndefined();
    let err: GatewayError | undefined;
    try { thinking("extreme", "gemini-2.5-flash"); } catch (e) { err = e as GatewayError; }
    expect(err?.status).toBe(400);
    expect(err?.param).toBe("reasoning_effort");
  });

  test("logprobs → responseLogprobs, top_logprobs → logprobs; top_logprobs out of range is a 400", () => {
    const config = (extra: Record<string, unknown>) => toGenerateContent({ model: "m", messages: [user("x")], ...extra }).generationConfig;
    expect(config({ logprobs: true, top_logprobs: 3 })).toEqual({ responseLogprobs: true, logprobs: 3 });
    expect(config({ logprobs: true })).toEqual({ responseLogprobs: true });
    expect(config({ logprobs: false, top_logprobs: 3 })).toBeUndefined();
    let err: GatewayError | undefined;
    try { config({ logprobs: true, top_logprobs: 21 }); } catch (e) { err = e as GatewayError; }
    expect(err?.status).toBe(400);
    expect(err?.param).toBe("top_logprobs");
  });

  test("Gemini 3 history: the first function call of a turn without a signature gets the documented placeholder", () => {
    const messages: ChatCompletionRequest["messages"] = [
      user("go"),
      { role: "assistant", content: null, tool_calls: [
        { id: "toolu_01A", type: "function", function: { name: "f", arguments: "{}" } },
        { id: "toolu_01B", type: "function", function: { name: "f", arguments: "{}" } },
      ] },
      { role: "tool", tool_call_id: "toolu_01A", content: "1" },
      { role: "tool", tool_call_id: "toolu_01B", content: "2" },
    ];
    const parts = toGenerateContent({ model: "x", messages }, "gemini-3-pro-preview").contents[1]!.parts;
    expect(parts).toEqual([
      { functionCall: { name: "f", args: {}, id: "toolu_01A" }, thoughtSignature: "skip_thought_signature_validator" },
      { functionCall: { name: "f", args: {}, id: "toolu_01B" } },
    ]);
    // 2.5 models do not require it: nothing is invented there.
    expect(toGenerateContent({ model: "x", messages }, "gemini-2.5-flash").contents[1]!.parts[0]!.thoughtSignature).toBeUndefined();
    // A real signature is never replaced.
    const signed = toolCallIdFor("c2ln");
    const own = toGenerateContent({ model: "x", messages: [user("go"), { role: "assistant", content: null, tool_calls: [{ id: signed, type: "function", function: { name: "f", arguments: "{}" } }] }, { role: "tool", tool_call_id: signed, content: "1" }] }, "gemini-3-pro-preview");
    expect(own.contents[1]!.parts[0]).toEqual({ functionCall: { name: "f", args: {} }, thoughtSignature: "c2ln" });
    expect(own.contents[2]!.parts[0]).toEqual({ functionResponse: { name: "f", response: { output: "1" } } });
  });

  test("unsupported content parts and bad data URLs are 400s", () => {
    expect(() => toGenerateContent({ model: "m", messages: [user([{ type: "video", video: {} }])] })).toThrow(GatewayError);
    expect(() => toGenerateContent({ model: "m", messages: [user([{ type: "image_url", image_url: { url: "data:image/png,notbase64" } }])] })).toThrow(GatewayError);
  });
});

describe("thoughtSignature round trip", () => {
  test("the id carries the signature in base64url; it comes back on the functionCall part", () => {
    const signature = "Cr8BAY+/Ej4=";
    const response = toChatCompletion({
      candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "f", args: { x: 1 } }, thoughtSignature: signature }] }, finishReason: "STOP" }],
    }, "m");
    const call = response.choices[0]!.message.tool_calls![0]!;
    expect(call.id).toMatch(/^call_[A-Za-z0-9]+__ts_[A-Za-z0-9_-]+$/);
    expect(response.choices[0]!.finish_reason).toBe("tool_calls");

    // What an OpenAI client sends back: the assistant turn rebuilt from the id, name and arguments only.
    const next = toGenerateContent({
      model: "m",
      messages: [user("go"), { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: call.id, content: "ok" }],
    });
    expect(next.contents[1]!.parts[0]).toEqual({ functionCall: { name: "f", args: { x: 1 } }, thoughtSignature: signature });
    expect(next.contents[2]!.parts[0]).toEqual({ functionResponse: { name: "f", response: { output: "ok" } } });
  });

  test("ids without a signature carry none; Google's extra_content field is honoured", () => {
    expect(thoughtSignatureOf({ id: toolCallIdFor(undefined) })).toBeUndefined();
    expect(thoughtSignatureOf({ id: "call_x", extra_content: { google: { thought_signature: "abc=" } } })).toBe("abc=");
    // Standard padded base64 (what Gemini sends) survives the base64url trip unchanged.
    for (const sig of ["ab==", "abc=", "abcd", "+/+/", "AAAA////AA=="]) expect(thoughtSignatureOf({ id: toolCallIdFor(sig) })).toBe(sig);
  });

  test("Gemini's functionCall.id becomes the tool-call id and goes back on the call and its response", () => {
    const response = toChatCompletion({ candidates: [{ content: { role: "model", parts: [{ functionCall: { id: "fc-7x", name: "f", args: {} }, thoughtSignature: "c2ln" }] }, finishReason: "STOP" }] }, "m");
    const call = response.choices[0]!.message.tool_calls![0]!;
    expect(call.id).toBe("fc-7x__ts_c2ln");
    const next = toGenerateContent({ model: "m", messages: [user("go"), { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: call.id, content: "ok" }] });
    expect(next.contents[1]!.parts[0]).toEqual({ functionCall: { name: "f", args: {}, id: "fc-7x" }, thoughtSignature: "c2ln" });
    expect(next.contents[2]!.parts[0]).toEqual({ functionResponse: { name: "f", response: { output: "ok" }, id: "fc-7x" } });
    // An id that is not id-safe is not used: a synthesised one replaces it.
    const odd = toChatCompletion({ candidates: [{ content: { parts: [{ functionCall: { id: "a b/c", name: "f" } }] } }] }, "m");
    expect(odd.choices[0]!.message.tool_calls![0]!.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
  });

  test("a text part's thoughtSignature comes back through the message's extra_content, on the last text part", () => {
    const response = toChatCompletion({ candidates: [{ content: { role: "model", parts: [{ text: "Hello" }, { text: " there", thoughtSignature: "dGV4dA==" }] }, finishReason: "STOP" }] }, "m");
    const message = response.choices[0]!.message;
    expect(message.content).toBe("Hello there");
    expect(message.extra_content).toEqual({ google: { thought_signature: "dGV4dA==" } });
    expect(message.reasoning_details).toEqual([{ type: "reasoning.encrypted", data: "dGV4dA==", format: "google-gemini-v1" }]);
    const next = toGenerateContent({ model: "m", messages: [user("hi"), { role: "assistant", content: message.content, extra_content: message.extra_content }, user("and?")] });
    expect(next.contents[1]).toEqual({ role: "model", parts: [{ text: "Hello there", thoughtSignature: "dGV4dA==" }] });
    // A client that keeps OpenRouter-style reasoning_details (and drops extra_content) round-trips it too;
    // another provider's items and odd shapes are left out, never an error.
    const viaDetails = toGenerateContent({ model: "m", messages: [user("hi"), { role: "assistant", content: "Hello there", reasoning_details: [null, { type: "reasoning.text", text: "t", format: "anthropic-claude-v1", signature: "x" }, ...message.reasoning_details as unknown[]] }, user("and?")] });
    expect(viaDetails.contents[1]).toEqual({ role: "model", parts: [{ text: "Hello there", thoughtSignature: "dGV4dA==" }] });
    const foreign = toGenerateContent({ model: "m", messages: [user("hi"), { role: "assistant", content: "x", reasoning_details: "nope", extra_content: 5 }, user("and?")] });
    expect(foreign.contents[1]).toEqual({ role: "model", parts: [{ text: "x" }] });
  });
});
