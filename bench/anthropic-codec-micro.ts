// What the OpenAI ⇄ Anthropic translation costs, per request and per stream chunk, against what the
// OpenAI pass-through path does with the same bytes (spread + stringify the request, parse the
// response; parse each stream event). Run: bun bench/anthropic-codec-micro.ts
import { readFileSync } from "node:fs";
import { AnthropicStreamMapper, fromAnthropicResponse, toAnthropicRequest } from "../src/providers/shared/anthropic-messages/index.ts";
import type { ChatCompletionRequest } from "../src/core/openai-types.ts";

const FIX = new URL("./fixtures/", import.meta.url);
const text = (p: string) => readFileSync(new URL(p, FIX), "utf8");
const request = JSON.parse(text("openai/chat.request.json")) as ChatCompletionRequest;
const toolsRequest: ChatCompletionRequest = {
  ...request,
  tools: [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } } }],
  messages: [
    ...request.messages,
    { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } }] },
    { role: "tool", tool_call_id: "toolu_1", content: "18C" },
  ],
};
// A tool loop continued with thinking on: the assistant turn carries its signed reasoning back.
const reasoningRequest: ChatCompletionRequest = {
  ...toolsRequest, reasoning_effort: "low",
  messages: toolsRequest.messages.map((m) => m.role === "assistant"
    ? { ...m, reasoning_details: [{ type: "reasoning.text", text: "The weather tool answers this.", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3h", format: "anthropic-claude-v1" }] }
    : m),
};
const openaiResponse = JSON.stringify(JSON.parse(text("openai/chat.response.json")));
const anthropicResponse = JSON.stringify(JSON.parse(text("anthropic/chat.response.json")));
const events = text("anthropic/stream.sse").split("\n\n").filter((e) => e.trim() !== "").map((e) => {
  const event = /^event: (.*)$/m.exec(e)?.[1];
  const data = /^data: (.*)$/m.exec(e)![1]!;
  return { event, data };
});
const openaiEvents = text("openai/stream.sse").split("\n\n").filter((e) => e.startsWith("data: {")).map((e) => e.slice(6));

let sink = 0;
function measure(name: string, fn: () => unknown, perCall = 1, iterations = 200_000): number {
  for (let i = 0; i < 20_000; i++) fn();
  const samples: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < iterations / 5; i++) if (fn()) sink++;
    samples.push(((performance.now() - start) * 1000) / (iterations / 5) / perCall);
  }
  const us = samples.sort((a, b) => a - b)[2]!;
  console.log(`${name.padEnd(58)} ${us.toFixed(3).padStart(8)} µs`);
  return us;
}

console.log(`bun ${process.versions.bun}; median of 5 rounds\n`);
console.log("per request (request body out + response body in):");
const oaReq = measure("openai pass-through: {...req, model} + stringify", () => JSON.stringify({ ...request, model: "gpt-4o-mini" }).length);
const anReq = measure("anthropic: toAnthropicRequest + stringify", () => JSON.stringify(toAnthropicRequest(request, "claude-sonnet-4-5").body).length);
measure("anthropic: toAnthropicRequest + stringify (tools + result turn)", () => JSON.stringify(toAnthropicRequest(toolsRequest, "claude-sonnet-4-5").body).length);
measure("anthropic: toAnthropicRequest + stringify (reasoning + signed history)", () => JSON.stringify(toAnthropicRequest(reasoningRequest, "claude-sonnet-4-5").body).length);
const oaRes = measure("openai pass-through: parse response", () => JSON.parse(openaiResponse));
const anRes = measure("anthropic: parse + fromAnthropicResponse", () => fromAnthropicResponse(JSON.parse(anthropicResponse), { provider: "anthropic" }));

console.log("\nper stream event (upstream event in → OpenAI chunk object out; serialisation is common to both):");
const oaChunk = measure("openai pass-through: parse each event", () => {
  for (const d of openaiEvents) JSON.parse(d);
  return 1;
}, openaiEvents.length, 100_000);
const anChunk = measure("anthropic: AnthropicStreamMapper.push per event", () => {
  const m = new AnthropicStreamMapper({ provider: "anthropic" });
  for (const e of events) m.push(e.event, e.data);
  return m.stopped;
}, events.length, 100_000);

console.log(`\nadded by translation: request ${(anReq - oaReq + anRes - oaRes).toFixed(2)} µs, per stream event ${(anChunk - oaChunk).toFixed(2)} µs`);
if (sink < 0) console.log(sink);
