import { crc32 } from "node:zlib";

// Decoder for `application/vnd.amazon.eventstream` (smithy amazon-eventstream framing):
//   uint32 total_length | uint32 headers_length | uint32 prelude_crc | headers | payload | uint32 message_crc
// Big-endian; both CRCs are IEEE CRC-32 (zlib's), validated before anything is trusted.

export type HeaderValue = boolean | number | bigint | string | Uint8Array | Date;

export interface EventStreamMessage {
  headers: Record<string, HeaderValue>;
  payload: Uint8Array;
}

/** The framing is broken: the stream cannot be resynchronised and must end. */
export class EventStreamError extends Error {
  override readonly name = "EventStreamError";
}

const PRELUDE = 12;
const OVERHEAD = 16;
// Smithy limits: payload ≤ 24 MB, encoded headers ≤ 128 KB. Anything bigger is corruption, not a message.
const MAX_HEADERS = 128 * 1024;
const MAX_MESSAGE = 24 * 1024 * 1024 + MAX_HEADERS + OVERHEAD;

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Incremental decoder: feed it reads of any size, take whole messages out. */
export class EventStreamDecoder {
  private buffer: Uint8Array = new Uint8Array(0);
  private failure: EventStreamError | undefined;

  /**
   * Appends one read and returns every message now complete (zero, one or several). Messages before
   * a corrupt one are still returned; the corruption is thrown by the next push() or end().
   */
  push(bytes: Uint8Array): EventStreamMessage[] {
    if (this.failure) throw this.failure;
    this.buffer = this.buffer.byteLength === 0 ? bytes : concat(this.buffer, bytes);
    const out: EventStreamMessage[] = [];
    try {
      this.take(out);
    } catch (err) {
      if (!(err instanceof EventStreamError) || out.length === 0) throw err;
      this.failure = err;
    }
    return out;
  }

  private take(out: EventStreamMessage[]): void {
    while (this.buffer.byteLength >= PRELUDE) {
      const buffer = this.buffer;
      const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const total = view.getUint32(0);
      const headersLength = view.getUint32(4);
      if (crc32(buffer.subarray(0, 8)) !== view.getUint32(8)) throw new EventStreamError("prelude CRC mismatch");
      if (total < OVERHEAD || total > MAX_MESSAGE) throw new EventStreamError(`invalid message length ${total}`);
      if (headersLength > MAX_HEADERS || headersLength > total - OVERHEAD) throw new EventStreamError(`invalid headers length ${headersLength}`);
      if (buffer.byteLength < total) break;
      if (crc32(buffer.subarray(0, total - 4)) !== view.getUint32(total - 4)) throw new EventStreamError("message CRC mismatch");
      out.push({
        headers: decodeHeaders(buffer.subarray(PRELUDE, PRELUDE + headersLength)),
        payload: buffer.subarray(PRELUDE + headersLength, total - 4),
      });
      // Consumed at once, so a corruption further on never replays this message.
      this.buffer = buffer.subarray(total);
    }
    // Keep only the unfinished tail, copied so the reads it came from can be collected.
    if (this.buffer.byteOffset !== 0 || this.buffer.buffer.byteLength !== this.buffer.byteLength) this.buffer = this.buffer.slice();
  }

  /** Bytes of a message not yet complete. */
  get pending(): number {
    return this.buffer.byteLength;
  }

  /** Call at end of input: leftover bytes mean the last message was cut off. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.buffer.byteLength > 0) throw new EventStreamError(`stream ended inside a message (${this.buffer.byteLength} bytes left)`);
  }
}

/** Whole messages from a body, as they complete; throws EventStreamError on corruption or truncation. */
export async function* decodeEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventStreamMessage> {
  const decoder = new EventStreamDecoder();
  for await (const bytes of body) yield* decoder.push(bytes);
  decoder.end();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/** Every header type is decoded (or at least skipped by its exact width), so unknown headers never derail framing. */
export function decodeHeaders(bytes: Uint8Array): Record<string, HeaderValue> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headers: Record<string, HeaderValue> = {};
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.byteLength) throw new EventStreamError("header runs past the headers section");
  };
  while (at < bytes.byteLength) {
    need(1);
    const nameLength = bytes[at]!;
    at += 1;
    need(nameLength + 1);
    const name = utf8.decode(bytes.subarray(at, at + nameLength));
    at += nameLength;
    const type = bytes[at]!;
    at += 1;
    let value: HeaderValue;
    switch (type) {
      case 0: value = true; break;
      case 1: value = false; break;
      case 2: need(1); value = view.getInt8(at); at += 1; break;
      case 3: need(2); value = view.getInt16(at); at += 2; break;
      case 4: need(4); value = view.getInt32(at); at += 4; break;
      case 5: need(8); value = view.getBigInt64(at); at += 8; break;
      case 6:
      case 7: {
        need(2);
        const length = view.getUint16(at);
        at += 2;
        need(length);
        const raw = bytes.subarray(at, at + length);
        value = type === 7 ? utf8.decode(raw) : raw.slice();
        at += length;
        break;
      }
      case 8: need(8); value = new Date(Number(view.getBigInt64(at))); at += 8; break;
      case 9: need(16); value = bytes.slice(at, at + 16); at += 16; break;
      default: throw new EventStreamError(`unknown header value type ${type}`);
    }
    headers[name] = value;
  }
  return headers;
}
