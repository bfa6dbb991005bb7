// Shared by the in-process micro-benchmarks: fetch replaced by a canned OpenAI answer, and the chat
// body the load generator sends, so they measure the gateway's own path without sockets.
export const CHAT_BODY = JSON.stringify({
  model: "openai/gpt-4o-mini",
  messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Hello!" }],
  temperature: 0.7, max_completion_tokens: 256,
});

// The stub replaces fetch, so the upstream client must be fetch (the default, http1, would really connect).
export const PROVIDERS_YAML = 'server:\n  upstream_client: fetch\nproviders:\n  openai: { base_url: "http://127.0.0.1:9/v1", keys: [{ value: sk-bench }] }\n';

const chat = await Bun.file(new URL("./fixtures/openai/chat.response.json", import.meta.url)).text();
const compact = JSON.stringify(JSON.parse(chat));

const fixtureEvents = (await Bun.file(new URL("./fixtures/openai/stream.sse", import.meta.url)).text()).split(/(?<=\n\n)/).map((e) => new TextEncoder().encode(e));
// STUB_STREAM_EXTRA=n: n more content events (copies of the fixture's second) before the finish, to
// tell the cost of each event from the cost of the stream.
const extra = Number(process.env.STUB_STREAM_EXTRA ?? 0);
const events = [...fixtureEvents.slice(0, 2), ...Array.from({ length: extra }, () => fixtureEvents[1]!), ...fixtureEvents.slice(2)];

/** A streaming upstream body: one SSE event per read, as they arrive from a real upstream. */
function streamBody(): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i < events.length) controller.enqueue(events[i++]!);
      else controller.close();
    },
  });
}

export const STREAM_BODY = JSON.stringify({ ...JSON.parse(CHAT_BODY), stream: true });

export function stubUpstreamFetch(): void {
    // As a real upstream (and the socket bench's mock) sends it: with its length.
  const length = String(Buffer.byteLength(compact));
  globalThis.fetch = (async (_url: string, init: RequestInit) => typeof init.body === "string" && init.body.includes('"stream":true')
    ? new Response(streamBody(), { headers: { "content-type": "text/event-stream" } })
    : new Response(compact, { headers: { "content-type": "application/json", "content-length": length } })) as unknown as typeof fetch;
}
