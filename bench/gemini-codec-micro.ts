// What the OpenAI ⇄ Gemini translation costs, per request and per stream chunk, against what the OpenAI
// pass-through path does with the same bytes (spread + stringify the request, parse the response; parse
// each stream event). Run: bun bench/gemini-codec-micro.ts
import { readFileSync } from "node:fs";
import { toGenerateContent } from "../src/providers/shared/google-genai/request.ts";
import { toChatCompletion } from "../src/providers/shared/google-genai/response.ts";
import { toChunkStream } from "../src/providers/shared/google-genai/stream.ts";
import type { ChatCompletionRequest } from "../src/core/openai-types.ts";

const FIX = new URL("./fixtures/", import.meta.url);
const text = (p: string) => readFileSync(new URL(p, FIX), "utf8");
const request = JSON.parse(text("openai/chat.request.json")) as ChatCompletionRequest;
const toolsRequest: ChatCompletionRequest = {
  ...request,
  reasoning_effort: "low",
  tools: [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { location: { type: "string" }, days: { type: "array" }, unit: { enum: ["c", "f"] } }, required: ["location"] } } }],
  messages: [
    ...request.messages,
    { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{\"location\":\"Paris\"}" } }] },
    { role: "tool", tool_call_id: "toolu_1", content: "18C" },
  ],
};
const openaiResponse = JSON.stringify(JSON.parse(text("openai/chat.response.json")));
const geminiResponse = JSON.stringify(JSON.parse(text("gemini/generateContent.response.json")));
const geminiStream = new TextEncoder().encode(text("gemini/stream.sse"));
const geminiEvents = text("gemini/stream.sse").split(/\r?\n\r?\n/).filter((e) => e.startsWith("data: "));
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
  console.log(`${name.padEnd(62)} ${us.toFixed(3).padStart(8)} µs`);
  return us;
}

async function measureAsync(name: string, fn: () => Promise<unknown>, perCall: number, iterations = 20_000): Promise<number> {
  for (let i = 0; i < 2_000; i++) await fn();
  const samples: number[] = [];
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < iterations / 5; i++) if (await fn()) sink++;
    samples.push(((performance.now() - start) * 1000) / (iterations / 5) / perCall);
  }
  const us = samples.sort((a, b) => a - b)[2]!;
  console.log(`${name.padEnd(62)} ${us.toFixed(3).padStart(8)} µs`);
  return us;
}

console.log(`bun ${process.versions.bun}; median of 5 rounds\n`);
console.log("per request (request body out + response body in):");
const oaReq = measure("openai pass-through: {...req, model} + stringify", () => JSON.stringify({ ...request, model: "gpt-4o-mini" }).length);
const gReq = measure("gemini: toGenerateContent + stringify", () => JSON.stringify(toGenerateContent(request, "gemini-2.5-flash")).length);
measure("gemini: toGenerateContent + stringify (tools, result turn, thinking)", () => JSON.stringify(toGenerateContent(toolsRequest, "gemini-3-pro-preview")).length);
const oaRes = measure("openai pass-through: parse response", () => JSON.parse(openaiResponse));
const gRes = measure("gemini: parse + toChatCompletion", () => toChatCompletion(JSON.parse(geminiResponse), "gemini-2.5-flash"));

console.log("\nper stream event (upstream bytes in → OpenAI chunk objects out, SSE decoding included):");
const oaChunk = measure("openai pass-through: parse each event", () => {
  for (const d of openaiEvents) JSON.parse(d);
  return 1;
}, openaiEvents.length, 100_000);
const reads = { provider: "gemini", maxBytes: 32 * 1024 * 1024, lastReadAt: 0, waited: { ms: 0 } };
const gChunk = await measureAsync("gemini: toChunkStream over the fixture stream", async () => {
  const body = new Response(geminiStream).body!;
  let n = 0;
  for await (const _ of toChunkStream(body, "gemini", "gemini-2.5-flash", reads)) n++;
  return n;
}, geminiEvents.length);

console.log(`\nadded by translation: request ${(gReq - oaReq + gRes - oaRes).toFixed(2)} µs, per stream event ${(gChunk - oaChunk).toFixed(2)} µs`);
if (sink < 0) console.log(sink);
