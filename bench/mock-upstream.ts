// Fast mock LLM upstream for the benchmark: precomputed bytes, no parsing beyond a cheap `"stream":true` check.
// Usage: PORT=0 STREAM_DELAY_MS=2 bun bench/mock-upstream.ts  → prints {"msg":"mock listening","address":"127.0.0.1:<port>"}
//   POST /v1/chat/completions  OpenAI JSON, or the OpenAI SSE fixture when the body asks for a stream
//   POST /v1/messages          Anthropic JSON, or the Anthropic SSE fixture (for a "butter → anthropic mock" row)
//   GET  /v1/models            OpenAI model list
//   POST /__bench/mode         body "static": the two POST paths become static routes answering the JSON fixtures
//                              without reading the request (for throughput runs: a cheaper upstream, a higher ceiling);
//                              body "dynamic": back to the default.
// Stream events are sent one per write: the first at once, then one every STREAM_DELAY_MS.

import type { Serve } from "bun";

const FIX = new URL("./fixtures/", import.meta.url);
const enc = new TextEncoder();

async function jsonBytes(path: string): Promise<Uint8Array> {
  // re-serialise compactly, as a real upstream sends it
  return enc.encode(JSON.stringify(await Bun.file(new URL(path, FIX)).json()));
}

async function sseEvents(path: string): Promise<Uint8Array[]> {
  const text = (await Bun.file(new URL(path, FIX)).text()).replace(/\r\n/g, "\n");
  return text
    .split("\n\n")
    .filter((e) => e.trim() !== "")
    .map((e) => enc.encode(e + "\n\n"));
}

const openaiChat = await jsonBytes("openai/chat.response.json");
const openaiStream = await sseEvents("openai/stream.sse");
const openaiModels = await jsonBytes("openai/models.response.json");
const anthropicChat = await jsonBytes("anthropic/chat.response.json");
const anthropicStream = await sseEvents("anthropic/stream.sse");

const DELAY_MS = Number(process.env.STREAM_DELAY_MS ?? 2);
const JSON_HEADERS = { "content-type": "application/json" };
const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const STREAM_RE = /"stream"\s*:\s*true/;

function sse(events: Uint8Array[]): Response {
  const body = new ReadableStream({
    type: "direct",
    async pull(ctrl) {
      try {
        for (let i = 0; i < events.length; i++) {
          if (i > 0 && DELAY_MS > 0) await Bun.sleep(DELAY_MS);
          ctrl.write(events[i]!);
          await ctrl.flush();
        }
      } catch {
        // client went away
      }
      ctrl.close();
    },
  });
  return new Response(body, { headers: SSE_HEADERS });
}

function notFound(path: string): Response {
  return new Response(
    JSON.stringify({ error: { message: `mock: no route ${path}`, type: "invalid_request_error", param: null, code: null } }),
    { status: 404, headers: JSON_HEADERS },
  );
}

async function handle(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  if (req.method === "POST") {
    const wantsStream = STREAM_RE.test(await req.text());
    if (path.endsWith("/chat/completions")) {
      return wantsStream ? sse(openaiStream) : new Response(openaiChat, { headers: JSON_HEADERS });
    }
    if (path.endsWith("/messages")) {
      return wantsStream ? sse(anthropicStream) : new Response(anthropicChat, { headers: JSON_HEADERS });
    }
  } else if (path.endsWith("/models")) {
    return new Response(openaiModels, { headers: JSON_HEADERS });
  }
  return notFound(path);
}

function routes(mode: "static" | "dynamic"): Serve.Routes<undefined, string> {
  const control = {
    POST: async (req: Request) => {
      const m = (await req.text()).trim();
      if (m !== "static" && m !== "dynamic") return new Response("mode must be static or dynamic\n", { status: 400 });
      server.reload({ fetch: handle, routes: routes(m) });
      return new Response(m + "\n");
    },
  };
  return mode === "static"
    ? {
        "/__bench/mode": control,
        "/v1/chat/completions": { POST: new Response(openaiChat, { headers: JSON_HEADERS }) },
        "/v1/messages": { POST: new Response(anthropicChat, { headers: JSON_HEADERS }) },
      }
    : { "/__bench/mode": control };
}

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: "127.0.0.1",
  idleTimeout: 0,
  fetch: handle,
  routes: routes("dynamic"),
});

console.log(JSON.stringify({ msg: "mock listening", address: `127.0.0.1:${server.port}` }));
