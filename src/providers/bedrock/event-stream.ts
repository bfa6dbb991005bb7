import { errors } from "../../core/errors.ts";
import type { UpstreamReads } from "../types.ts";

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

/** A message longer than the decoder's limit (`server.max_upstream_bytes`): well framed, but not to be held. */
export class EventStreamTooLarge extends EventStreamError {
  constructor(readonly length: number, readonly limit: number) {
    super(`message of ${length} bytes exceeds the limit of ${limit} bytes`);
  }
}

const PRELUDE = 12;
const OVERHEAD = 16;
// Smithy limits: payload ≤ 24 MB, encoded headers ≤ 128 KB. Anything bigger is corruption, not a message.
const MAX_HEADERS = 128 * 1024;
const MAX_MESSAGE = 24 * 1024 * 1024 + MAX_HEADERS + OVERHEAD;

const utf8 = new TextDecoder("utf-8", { fatal: false });

/**
 * Incremental decoder: feed it reads of any size, take whole messages out. Reads are kept as they
 * came until a message is complete, then copied once, so a large message arriving in many small
 * reads costs its size, not its size times the number of reads.
 */
export class EventStreamDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private failure: EventStreamError | undefined;

  /** `limit`: the longest message accepted (`server.max_upstream_bytes`); longer ones throw EventStreamTooLarge. */
  constructor(private readonly limit: number = MAX_MESSAGE) {}

  /**
   * Appends one read and returns every message now complete (zero, one or several). Messages before
   * a corrupt one are still returned; the corruption is thrown by the next push() or end().
   */
  push(bytes: Uint8Array): EventStreamMessage[] {
    if (this.failure) throw this.failure;
    if (bytes.byteLength !== 0) {
      this.chunks.push(bytes);
      this.buffered += bytes.byteLength;
    }
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
    while (this.buffered >= PRELUDE) {
      const head = this.front(PRELUDE);
      const view = new DataView(head.buffer, head.byteOffset, PRELUDE);
      const total = view.getUint32(0);
      const headersLength = view.getUint32(4);
      if (Bun.hash.crc32(head.subarray(0, 8)) !== view.getUint32(8)) throw new EventStreamError("prelude CRC mismatch");
      if (total < OVERHEAD) throw new EventStreamError(`invalid message length ${total}`);
      if (total > this.limit) throw new EventStreamTooLarge(total, this.limit);
      if (total > MAX_MESSAGE) throw new EventStreamError(`invalid message length ${total}`);
      if (headersLength > MAX_HEADERS || headersLength > total - OVERHEAD) throw new EventStreamError(`invalid headers length ${headersLength}`);
      if (this.buffered < total) break;
      // Consumed at once, so a corruption further on never replays this message.
      const message = this.consume(total);
      const mview = new DataView(message.buffer, message.byteOffset, total);
      if (Bun.hash.crc32(message.subarray(0, total - 4)) !== mview.getUint32(total - 4)) throw new EventStreamError("message CRC mismatch");
      out.push({
        headers: decodeHeaders(message.subarray(PRELUDE, PRELUDE + headersLength)),
        payload: message.subarray(PRELUDE + headersLength, total - 4),
      });
    }
    // Keep only the unfinished tail, copied so the reads it came from can be collected.
    const first = this.chunks[0];
    if (this.chunks.length === 1 && first !== undefined && first.byteLength !== first.buffer.byteLength) this.chunks[0] = first.slice();
  }

  /** The first `n` buffered bytes as one array (joining the first reads when they are shorter). */
  private front(n: number): Uint8Array {
    if (this.chunks[0]!.byteLength < n) this.chunks = [join(this.chunks, this.buffered)];
    return this.chunks[0]!;
  }

  /** Removes and returns the first `n` buffered bytes (n ≤ buffered). */
  private consume(n: number): Uint8Array {
    const first = this.chunks[0]!;
    let out: Uint8Array;
    if (first.byteLength >= n) {
      out = first.subarray(0, n);
      if (first.byteLength === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const c = this.chunks[0]!;
        const take = Math.min(c.byteLength, n - at);
        out.set(c.subarray(0, take), at);
        at += take;
        if (take === c.byteLength) this.chunks.shift();
        else this.chunks[0] = c.subarray(take);
      }
    }
    this.buffered -= n;
    return out;
  }

  /** Bytes of a message not yet complete. */
  get pending(): number {
    return this.buffered;
  }

  /** Call at end of input: leftover bytes mean the last message was cut off. */
  end(): void {
    if (this.failure) throw this.failure;
    if (this.buffered > 0) throw new EventStreamError(`stream ended inside a message (${this.buffered} bytes left)`);
  }
}

/**
 * Whole messages from a body, as they complete; throws EventStreamError on corruption or truncation
 * and a 502 (upstream too large) for a message over `reads.maxBytes`. Every read stamps `reads.lastReadAt`.
 */
export async function* decodeEventStream(body: AsyncIterable<Uint8Array>, reads: UpstreamReads): AsyncGenerator<EventStreamMessage> {
  const decoder = new EventStreamDecoder(reads.maxBytes);
  try {
    for await (const bytes of body) {
      reads.lastReadAt = performance.now();
      yield* decoder.push(bytes);
    }
    decoder.end();
  } catch (err) {
    if (err instanceof EventStreamTooLarge) throw errors.upstreamTooLarge(reads.provider, err.limit);
    throw err;
  }
}

function join(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
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
