export interface SseMessage { event: string | undefined; data: string }

/**
 * Spec-compliant enough SSE parsing for upstream streams: LF, CRLF or CR line endings (also split
 * across reads), comment lines (`: keep-alive`) ignored, multi-line `data:` joined with "\n".
 * Every provider that streams SSE uses this one decoder.
 */
export async function* decodeSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = "";
  let event: string | undefined;
  let data: string[] = [];
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    let start = 0;
    for (;;) {
      const lf = buffer.indexOf("\n", start);
      const cr = buffer.indexOf("\r", start);
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A lone CR at the end of what we have may be the first half of CRLF: wait for more.
        if (cr === buffer.length - 1) break;
        end = cr;
        next = buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
      } else if (lf !== -1) {
        end = lf;
        next = lf + 1;
      } else break;
      const line = buffer.slice(start, end);
      start = next;
      if (line === "") {
        if (data.length > 0) yield { event, data: data.join("\n") };
        event = undefined;
        data = [];
        continue;
      }
      if (line.charCodeAt(0) === 58 /* : */) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
      if (field === "data") data.push(value);
      else if (field === "event") event = value;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  // A stream that ends without its final blank line still delivers its last event.
  const rest = buffer.replace(/\r$/, "");
  if (rest.startsWith("data:")) data.push(rest.slice(rest.charCodeAt(5) === 32 ? 6 : 5));
  if (data.length > 0) yield { event, data: data.join("\n") };
}
