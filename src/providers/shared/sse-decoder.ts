import { errors } from "../../core/errors.ts";
import type { UpstreamReads } from "../types.ts";

export interface SseMessage { event: string | undefined; data: string }

/**
 * Spec-compliant enough SSE parsing for upstream streams: LF, CRLF or CR line endings (also split
 * across reads), comment lines (`: keep-alive`) ignored, multi-line `data:` joined with "\n".
 * Every provider that streams SSE uses this one decoder.
 *
 * One event may hold at most `reads.maxBytes` (counted in characters of its unconsumed text): an
 * upstream that never ends a line or an event gets a 502, and the body is cancelled (the for-await
 * cancels it when this throws), which closes the connection. Every read stamps `reads.lastReadAt`.
 */
export async function* decodeSse(body: ReadableStream<Uint8Array>, reads: UpstreamReads): AsyncGenerator<SseMessage> {
  const limit = reads.maxBytes;
  const decoder = new TextDecoder();
  let buffer = "";
  // Where the search for the next line end resumes: the text before it holds none, so a long line
  // arriving in many reads is scanned once, not once per read.
  let scanFrom = 0;
  let event: string | undefined;
  let data: string[] = [];
  let held = 0;
  for await (const bytes of body) {
    reads.lastReadAt = performance.now();
    buffer += decoder.decode(bytes, { stream: true });
    let start = 0;
    // Where the next LF and CR are, once looked up (-1: none left in this buffer), so a stream that
    // uses only one of them is not scanned to its end for the other once per line.
    let lf = -2;
    let cr = -2;
    for (;;) {
      const from = scanFrom > start ? scanFrom : start;
      if (lf !== -1 && lf < from) lf = buffer.indexOf("\n", from);
      if (cr !== -1 && cr < from) cr = buffer.indexOf("\r", from);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A lone CR at the end of what we have may be the first half of CRLF: wait for more.
        if (cr === buffer.length - 1) {
          scanFrom = cr;
          break;
        }
        end = cr;
        next = buffer.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else {
        scanFrom = buffer.length;
        break;
      }
      const line = buffer.slice(start, end);
      start = next;
      if (line === "") {
        if (data.length > 0) yield { event, data: data.join("\n") };
        event = undefined;
        data = [];
        held = 0;
        continue;
      }
      if (line.charCodeAt(0) === 58 /* : */) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      if (field === "data") {
        data.push(value);
        held += value.length + 1;
      } else if (field === "event") event = value;
    }
    if (start !== 0) {
      buffer = buffer.slice(start);
      scanFrom -= start;
    }
    if (buffer.length + held > limit) throw errors.upstreamTooLarge(reads.provider, limit);
  }
  buffer += decoder.decode();
  // A stream that ends without its final blank line still delivers its last event.
  const rest = buffer.replace(/\r$/, "");
  if (rest.startsWith("data:")) data.push(rest.slice(rest.charCodeAt(5) === 32 ? 6 : 5));
  if (data.length > 0) yield { event, data: data.join("\n") };
}
