// What a mock upstream answers: plain data (`Reply`) plus constructors, including ones built from fixtures.
import { loadBytes, loadError, loadJson, loadText } from "./fixtures.ts";
import { splitEventStreamMessages, splitSseEvents } from "./sse.ts";

export type HeaderMap = Record<string, string>;

interface Base {
  /** ms to wait before sending response headers (the upstream is slow to answer). */
  delay?: number;
  status?: number;
  headers?: HeaderMap;
}

export interface StreamOptions extends Base {
  /** ms between chunks; each chunk is its own write, so a client can observe them arrive one by one. */
  chunkDelayMs?: number;
  /**
   * Send this many chunks, then reset the connection instead of ending the body. Bun sends the response
   * headers together with the first chunk, so 0 looks to the client like `reset` (no status at all).
   */
  failAfterChunks?: number;
  /**
   * ms between the last chunk sent and the reset. A reset (RST) discards whatever the peer has not read yet,
   * so the peer needs a moment to read the chunks first. Default: max(chunkDelayMs, 20).
   */
  abortDelayMs?: number;
}

export type Reply =
  | (Base & { kind: "json"; body: unknown })
  | (Base & { kind: "bytes"; body: Uint8Array | string; contentType?: string })
  | (StreamOptions & { kind: "stream"; chunks: readonly (Uint8Array | string)[]; contentType: string })
  /** Drop the connection without any response: the client's fetch rejects (ECONNRESET). */
  | { kind: "reset"; delay?: number }
  /** Never answer; ends when the client aborts (recorded as `abortedAt`) or the mock stops. */
  | { kind: "hang" }
  /** A body that claims to be JSON and is not. */
  | (Base & { kind: "garbage"; body?: string })
  /** The first half of a JSON body; `abort` resets the connection instead of ending the short body cleanly. */
  | (Base & { kind: "truncated"; body: unknown; abort?: boolean });

export const json = (body: unknown, opts: Base = {}): Reply => ({ kind: "json", body, ...opts });

export const bytes = (body: Uint8Array | string, contentType: string, opts: Base = {}): Reply => ({
  kind: "bytes",
  body,
  contentType,
  ...opts,
});

export const stream = (
  chunks: readonly (Uint8Array | string)[],
  contentType: string,
  opts: StreamOptions = {},
): Reply => ({ kind: "stream", chunks, contentType, ...opts });

/** SSE from events given as raw wire text (`"data: {...}\n\n"`) or as objects serialised to `data: <json>\n\n`. */
export function sse(events: readonly (string | object)[], opts: StreamOptions = {}): Reply {
  const chunks = events.map((e) => (typeof e === "string" ? e : `data: ${JSON.stringify(e)}\n\n`));
  return stream(chunks, "text/event-stream", { ...opts, headers: { "cache-control": "no-cache", ...opts.headers } });
}

export const reset = (opts: { delay?: number } = {}): Reply => ({ kind: "reset", ...opts });
export const hang = (): Reply => ({ kind: "hang" });
export const garbage = (opts: Base & { body?: string } = {}): Reply => ({ kind: "garbage", ...opts });
export const truncated = (body: unknown, opts: Base & { abort?: boolean } = {}): Reply => ({
  kind: "truncated",
  body,
  ...opts,
});

/** A `*.response.json` fixture as a 200 (annotations stripped; `_response_headers` become headers). */
export function fixtureReply(provider: string, file: string, opts: Base = {}): Reply {
  const { body, annotations } = loadJson(provider, file);
  return json(body, { ...opts, headers: { ...annotations._response_headers, ...opts.headers } });
}

/** A `*.sse` fixture replayed byte for byte, one write per event. */
export function sseFixtureReply(provider: string, file: string, opts: StreamOptions = {}): Reply {
  return sse(splitSseEvents(loadText(provider, file)), opts);
}

/** A Bedrock `*.bin` event-stream fixture, one write per message (so `failAfterChunks` counts messages). */
export function eventStreamFixtureReply(provider: string, file: string, opts: StreamOptions = {}): Reply {
  return stream(splitEventStreamMessages(loadBytes(provider, file)), "application/vnd.amazon.eventstream", opts);
}

/** An `error-*.json` fixture with its status, headers and JSON (or HTML/text) body. */
export function errorFixtureReply(provider: string, file: string, opts: { delay?: number } = {}): Reply {
  const f = loadError(provider, file);
  if (f.body_text !== undefined) {
    return bytes(f.body_text, f.content_type ?? f.headers["content-type"] ?? "text/plain", {
      ...opts,
      status: f.status,
      headers: f.headers,
    });
  }
  return json(f.body, { ...opts, status: f.status, headers: f.headers });
}
