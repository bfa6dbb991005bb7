// The `Transfer-Encoding: chunked` body decoder (RFC 9112 §7.1): sizes in hex, extensions ignored,
// trailers read and dropped. Input arrives in any split (one byte at a time included); data is
// handed on as pieces of the input (byte-view.ts: small ones copied, large ones shared).
import { view } from "./byte-view.ts";
import { Http1ProtocolError } from "./http1-errors.ts";

const enum State { Size, Data, DataEnd, Trailer }

const CR = 13;
const LF = 10;
// A size line is the hex size plus extensions; 4 KiB is far beyond any real one.
const MAX_LINE = 4096;
// 2^52 fits a double exactly; no body is that long.
const MAX_HEX_DIGITS = 13;

export class ChunkedDecoder {
  private state = State.Size;
  private remaining = 0;
  private line = 0;
  private digits = 0;
  private inExtension = false;
  private trailerBytes = 0;
  private trailerLineEmpty = true;
  done = false;

  /** `maxTrailerBytes`: the trailer section's limit (the response header limit). */
  constructor(private readonly maxTrailerBytes: number) {}

  /**
   * Feeds bytes; `onData` gets each piece of body. Returns how many bytes of `input` belonged to the
   * body: all of them, or fewer when the body ended inside it (the rest is not this response's).
   */
  push(input: Uint8Array, onData: (data: Uint8Array) => void): number {
    let i = 0;
    const n = input.length;
    while (i < n && !this.done) {
      switch (this.state) {
        case State.Size: {
          const b = input[i++]!;
          if (++this.line > MAX_LINE) throw new Http1ProtocolError("a chunk size line is too long");
          if (b === LF) {
            if (this.digits === 0) throw new Http1ProtocolError("a chunk size is missing");
            this.line = 0;
            this.digits = 0;
            this.inExtension = false;
            this.state = this.remaining === 0 ? State.Trailer : State.Data;
            this.trailerLineEmpty = true;
          } else if (this.inExtension || b === CR) {
            // Extensions (`;name=value`) carry nothing we use; the CR is checked by the LF that must follow.
          } else if (b === 0x3b || b === 0x20 || b === 0x09) {
            this.inExtension = true;
          } else {
            const v = hexValue(b);
            if (v < 0) throw new Http1ProtocolError("a chunk size is not hexadecimal");
            if (++this.digits > MAX_HEX_DIGITS) throw new Http1ProtocolError("a chunk size is too large");
            this.remaining = this.remaining * 16 + v;
          }
          break;
        }
        case State.Data: {
          const take = Math.min(this.remaining, n - i);
          onData(view(input, i, i + take));
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.DataEnd;
          break;
        }
        case State.DataEnd: {
          const b = input[i++]!;
          if (b === CR && this.line === 0) this.line = 1;
          else if (b === LF) {
            this.line = 0;
            this.state = State.Size;
          } else throw new Http1ProtocolError("a chunk is not followed by CRLF");
          break;
        }
        case State.Trailer: {
          const b = input[i++]!;
          if (++this.trailerBytes > this.maxTrailerBytes) throw new Http1ProtocolError("the chunked trailers are too large");
          if (b === LF) {
            // An empty line ends the trailers (and the body); any other line is a trailer field, dropped.
            if (this.trailerLineEmpty) this.done = true;
            this.trailerLineEmpty = true;
          } else if (b !== CR) this.trailerLineEmpty = false;
          break;
        }
      }
    }
    return i;
  }
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
