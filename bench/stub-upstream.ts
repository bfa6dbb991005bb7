// Shared by the in-process micro-benchmarks: fetch replaced by a canned OpenAI answer, and the chat
// body the load generator sends, so they measure the gateway's own path without sockets.
export const CHAT_BODY = JSON.stringify({
  model: "openai/gpt-4o-mini",
  messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Hello!" }],
  temperature: 0.7, max_completion_tokens: 256,
});

export const PROVIDERS_YAML = 'providers:\n  openai: { base_url: "http://127.0.0.1:9/v1", keys: [{ value: sk-bench }] }\n';

const chat = await Bun.file(new URL("./fixtures/openai/chat.response.json", import.meta.url)).text();
const compact = JSON.stringify(JSON.parse(chat));

export function stubUpstreamFetch(): void {
    // As a real upstream (and the socket bench's mock) sends it: with its length.
  const length = String(Buffer.byteLength(compact));
  globalThis.fetch = (async () => new Response(compact, { headers: { "content-type": "application/json", "content-length": length } })) as unknown as typeof fetch;
}
