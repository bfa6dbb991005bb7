// Concurrency-1 timing from this process: full non-streaming round trips, and streaming TTFB + inter-chunk gap.
import { nowUs } from "./util.ts";

/** What clients send as their bearer token: the stored-key rows ignore it; the require_key row sends its app key. */
export const DEFAULT_AUTH = "sk-bench";
const headersFor = (auth: string) => ({ "content-type": "application/json", authorization: `Bearer ${auth}` });

export class BadResponse extends Error {}

/** The client API a row is measured through: OpenAI Chat Completions, Anthropic Messages or OpenAI Responses. */
export type ClientApi = "chat" | "messages" | "responses";

async function check(res: Response): Promise<void> {
  if (res.status !== 200) {
    const text = await res.text().catch(() => "");
    throw new BadResponse(`HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
}

/** One request, validated: throws BadResponse unless it is a 200 whose body looks like the expected answer. */
export async function probe(url: string, body: string, stream: boolean, api: ClientApi = "chat", auth = DEFAULT_AUTH): Promise<void> {
  const res = await fetch(url, { method: "POST", body, headers: headersFor(auth) });
  await check(res);
  const text = await res.text();
  const ok = api === "messages"
    ? (stream ? text.includes("event: message_stop") : text.includes('"type":"message"'))
    : api === "responses"
      ? (stream ? text.includes("event: response.completed") : text.includes('"object":"response"'))
      : (stream ? text.includes("data:") && text.includes("[DONE]") : text.includes('"choices"'));
  if (!ok) throw new BadResponse(`unexpected body: ${text.slice(0, 300)}`);
}

/**
 * `n` sequential non-streaming requests; each sample is the full round trip in µs (body read). With
 * `own`, also the gateway's own processing in µs, from its `Server-Timing: gateway;dur=<ms>` (NaN without one).
 */
export async function timeRequests(url: string, body: string, n: number, auth = DEFAULT_AUTH, own?: Float64Array): Promise<Float64Array> {
  const HEADERS = headersFor(auth);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = nowUs();
    const res = await fetch(url, { method: "POST", body, headers: HEADERS });
    if (res.status !== 200) await check(res);
    await res.arrayBuffer();
    out[i] = nowUs() - t0;
    if (own !== undefined) own[i] = ownUs(res.headers.get("server-timing"));
  }
  return out;
}

function ownUs(header: string | null): number {
  const m = header === null ? null : /gateway;dur=([\d.]+)/.exec(header);
  return m === null ? NaN : Number(m[1]) * 1000;
}

export interface StreamSamples {
  ttfbUs: Float64Array; // request start → first body chunk
  gapUs: Float64Array; // per request: mean gap between body chunks after the first (NaN if one chunk)
  chunks: Float64Array; // body chunks seen per request
}

/** `n` sequential streaming requests read with a body reader. */
export async function timeStreams(url: string, body: string, n: number, auth = DEFAULT_AUTH): Promise<StreamSamples> {
  const HEADERS = headersFor(auth);
  const ttfbUs = new Float64Array(n);
  const gapUs = new Float64Array(n);
  const chunks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = nowUs();
    const res = await fetch(url, { method: "POST", body, headers: HEADERS });
    if (res.status !== 200 || !res.body) {
      await check(res);
      throw new BadResponse("stream response without a body");
    }
    const reader = res.body.getReader();
    let first = NaN;
    let last = NaN;
    let count = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!value || value.byteLength === 0) continue;
      last = nowUs();
      if (count === 0) first = last;
      count++;
    }
    ttfbUs[i] = first - t0;
    gapUs[i] = count > 1 ? (last - first) / (count - 1) : NaN;
    chunks[i] = count;
  }
  return { ttfbUs, gapUs, chunks };
}

/**
 * `n` sequential streaming requests on one raw keep-alive socket: µs from writing the request to the first bytes
 * holding a `data:` event. No HTTP client between (fetch adds its own, and not the same for every server).
 */
export async function timeRawStreams(port: number, body: string, n: number, path = "/v1/chat/completions", auth = DEFAULT_AUTH): Promise<Float64Array> {
  const request = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${auth}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const out = new Float64Array(n);
  let text = "";
  let firstData = 0;
  let ended: (() => void) | undefined;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, bytes) {
        text += bytes.toString();
        if (firstData === 0 && text.includes("data:")) firstData = nowUs();
        // The chunked body's last chunk ends the answer; anything but a 200 ends it once its head is in
        // (an error body has a length, not chunks: waiting for a last chunk would hang).
        if (text.endsWith("0\r\n\r\n") || (!text.startsWith("HTTP/1.1 200") && text.includes("\r\n\r\n"))) ended?.();
      },
      close() {
        ended?.();
      },
    },
  });
  socket.setNoDelay(true);
  try {
    for (let i = 0; i < n; i++) {
      text = "";
      firstData = 0;
      const done = new Promise<void>((resolve) => (ended = resolve));
      const t0 = nowUs();
      socket.write(request);
      await done;
      if (!text.startsWith("HTTP/1.1 200")) throw new BadResponse(`unexpected answer: ${text.slice(0, 300)}`);
      out[i] = firstData - t0;
    }
  } finally {
    socket.end();
  }
  return out;
}
