// Splitting and parsing of stream bodies: SSE text and AWS event-stream binary framing.

// A line terminator is CRLF, LF or a lone CR; `\r(?!\n)` keeps one CRLF from counting as two terminators.
const BLANK_LINE = /(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r(?!\n)|\n)/g;

/**
 * Splits raw SSE text into events, each keeping its own terminator, so that
 * `splitSseEvents(t).join("") === t` and each piece can be replayed as one write.
 * Comment-only blocks (`: keep-alive`) are events too: they are on the wire.
 */
export function splitSseEvents(text: string): string[] {
  const events: string[] = [];
  let start = 0;
  for (const m of text.matchAll(BLANK_LINE)) {
    const end = m.index + m[0].length;
    events.push(text.slice(start, end));
    start = end;
  }
  if (start < text.length) events.push(text.slice(start));
  return events;
}

export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/** Parses SSE text per the WHATWG rules that matter here (comments skipped, data lines joined with "\n"). */
export function parseSse(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;
  const dispatch = () => {
    if (data.length > 0 || event !== undefined) {
      const ev: SseEvent = { data: data.join("\n") };
      if (event !== undefined) ev.event = event;
      if (id !== undefined) ev.id = id;
      out.push(ev);
    }
    data = [];
    event = undefined;
  };
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      dispatch();
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id") id = value;
  }
  dispatch();
  return out;
}

/** The JSON payloads of an SSE body, without the OpenAI `[DONE]` sentinel. */
export function sseJson(text: string): unknown[] {
  return parseSse(text)
    .filter((e) => e.data !== "[DONE]" && e.data !== "")
    .map((e) => JSON.parse(e.data) as unknown);
}

/**
 * Splits an `application/vnd.amazon.eventstream` body into its messages; each message starts with
 * a 4-byte big-endian total length (prelude), which is all we need to frame it.
 */
export function splitEventStreamMessages(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (bytes.byteLength - offset < 16) throw new Error(`event-stream: trailing ${bytes.byteLength - offset} bytes`);
    const total = view.getUint32(offset);
    if (total < 16 || offset + total > bytes.byteLength) throw new Error(`event-stream: bad message length ${total} at ${offset}`);
    out.push(bytes.subarray(offset, offset + total));
    offset += total;
  }
  return out;
}
