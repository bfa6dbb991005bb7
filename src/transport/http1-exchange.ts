// One request's response on a connection: the head parsed as bytes arrive (1xx skipped), then a
// Response whose body streams per its framing. A body already complete in the bytes that carried
// the head (the usual small JSON answer) skips the stream altogether.
import { view } from "./byte-view.ts";
import { ChunkedDecoder } from "./http1-chunked.ts";
import { Http1ConnectionError, Http1ProtocolError } from "./http1-errors.ts";
import { findHeadEnd, parseHead, type Framing, type ResponseHead } from "./http1-response-head.ts";

const enum Phase { Head, Body, Done }

const BODY_QUEUE: QueuingStrategy<Uint8Array> = { highWaterMark: 64 * 1024, size: (chunk) => chunk!.byteLength };

export interface ExchangeOwner {
  /** The response ended; `reusable`: the connection may carry the next request. */
  finished(reusable: boolean, idleHintMs: number | undefined): void;
  /** The reader gave up on the body, or it could not be read: the connection must go. */
  destroy(): void;
  pause(): void;
  resume(): void;
}

export class Exchange {
  private phase = Phase.Head;
  /** The head so far, when it came in more than one piece: `pendingLength` bytes of this store. */
  private pending: Uint8Array | undefined;
  private pendingLength = 0;
  private searched = 0;
  private framing: Framing = { kind: "none" };
  private remaining = 0;
  private chunked: ChunkedDecoder | undefined;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private head: ResponseHead | undefined;
  /** Any byte of the response arrived. */
  private received = false;
  private reported = false;
  /** Every byte of the request was handed to the socket (a server may answer before that: then the connection is not reused). */
  requestComplete = false;
  /** Any byte of the request was handed to the socket: the server may have seen it. */
  sent = false;
  /** Called once, when the exchange is over: the response read to its end, failed, aborted or cancelled. */
  onDone: (() => void) | undefined;
  readonly response: Promise<Response>;
  private resolve!: (r: Response) => void;
  private reject!: (e: unknown) => void;

  constructor(private readonly owner: ExchangeOwner, private readonly method: string, private readonly maxHeaderBytes: number) {
    this.response = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  get done(): boolean {
    return this.phase === Phase.Done;
  }

  /** Bytes from the socket. Throws Http1ProtocolError on anything that is not a valid response. */
  feed(data: Uint8Array): void {
    this.received = true;
    while (data.length > 0) {
      if (this.phase === Phase.Head) {
        const buffer = this.pending === undefined ? data : this.append(data);
        const end = findHeadEnd(buffer, this.searched - 3);
        if (end < 0 || end > this.maxHeaderBytes) {
          if (buffer.length > this.maxHeaderBytes) throw new Http1ProtocolError(`the response head exceeds ${this.maxHeaderBytes} bytes`);
          if (this.pending === undefined) this.append(data);
          this.searched = buffer.length;
          return;
        }
        this.pending = undefined;
        this.pendingLength = 0;
        this.searched = 0;
        const head = parseHead(buffer, end, this.method);
        data = view(buffer, end, buffer.length);
        if (head.status < 200) {
          // 100 Continue, 103 Early Hints: interim, the real answer follows. We never ask to switch protocols.
          if (head.status === 101) throw new Http1ProtocolError("the server switched protocols unasked");
          continue;
        }
        if (head.status > 599) throw new Http1ProtocolError(`HTTP status ${head.status}`);
        data = this.start(head, data);
      } else if (this.phase === Phase.Body) {
        data = view(data, this.body(data), data.length);
      } else {
        // Bytes past the end of the response: nothing the next request could trust.
        if (this.head !== undefined) this.head.reusable = false;
        break;
      }
    }
    if (this.phase === Phase.Done && !this.reported) {
      this.reported = true;
      const head = this.head!;
      this.owner.finished(head.reusable, head.idleHintMs);
    }
  }

  /**
   * Adds `data` to the head received so far and returns all of it. The store grows by doubling, so
   * a head trickling in a byte at a time costs linear time, not quadratic.
   */
  private append(data: Uint8Array): Uint8Array {
    const length = this.pendingLength + data.length;
    let store = this.pending;
    if (store === undefined || store.length < length) {
      const grown = new Uint8Array(Math.max(length, (store?.length ?? 0) * 2, 1024));
      if (store !== undefined) grown.set(store.subarray(0, this.pendingLength));
      store = this.pending = grown;
    }
    store.set(data, this.pendingLength);
    this.pendingLength = length;
    return store.subarray(0, length);
  }

  /** The connection closed or failed (`cause`); no more bytes will come. */
  lost(cause?: Error): void {
    if (this.phase === Phase.Head) {
      this.end();
      this.reported = true;
      this.reject(this.received
        ? new Http1ProtocolError("the connection closed inside the response head", { cause })
        : new Http1ConnectionError(cause?.message ?? "the connection closed before the response", this.sent, { cause }));
    } else if (this.phase === Phase.Body) {
      this.end();
      this.reported = true;
      if (this.framing.kind === "close" && cause === undefined) this.controller!.close();
      else this.controller!.error(new Http1ProtocolError("the connection closed before the body was complete", { cause }));
    }
  }

  /** Aborted by the caller: the response promise or the body fails with `reason`. */
  abort(reason: unknown): void {
    const phase = this.phase;
    if (phase === Phase.Done) return;
    this.end();
    this.reported = true;
    if (phase === Phase.Head) this.reject(reason);
    else this.controller!.error(reason);
  }

  /** A failure of the request side (write, body stream) or of parsing. */
  fail(error: unknown): void {
    this.abort(error);
  }

  private start(head: ResponseHead, rest: Uint8Array): Uint8Array {
    this.head = head;
    const init = { status: head.status, statusText: head.statusText, headers: head.headers };
    const framing = head.framing;
    this.framing = framing;
    if (framing.kind === "none" || (framing.kind === "length" && rest.length >= framing.length)) {
      const length = framing.kind === "length" ? framing.length : 0;
      this.resolve(new Response(framing.kind === "none" ? null : view(rest, 0, length), init));
      this.finish();
      return view(rest, length, rest.length);
    }
    if (framing.kind === "length") this.remaining = framing.length;
    else if (framing.kind === "chunked") this.chunked = new ChunkedDecoder(this.maxHeaderBytes);
    this.phase = Phase.Body;
    const owner = this.owner;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      // Backpressure: a reader 64 KiB behind pauses the socket, so a slow client holds no more than that
      // and the kernel's buffers. One chunk (the default) paused and resumed the socket for nearly every
      // event of a stream whose reader was busy: two system calls each, 4% of the gateway's CPU
      // under 600 streams at once (profiled).
      pull: () => owner.resume(),
      cancel: () => {
        if (this.phase !== Phase.Body) return;
        this.end();
        this.reported = true;
        owner.destroy();
      },
    }, BODY_QUEUE);
    this.resolve(new Response(stream, init));
    return rest;
  }

  /** Takes body bytes from `data`; returns how many belonged to this response. */
  private body(data: Uint8Array): number {
    const controller = this.controller!;
    let used: number;
    if (this.framing.kind === "length") {
      used = Math.min(this.remaining, data.length);
      controller.enqueue(view(data, 0, used));
      this.remaining -= used;
      if (this.remaining === 0) this.endBody();
    } else if (this.framing.kind === "chunked") {
      const decoder = this.chunked!;
      used = decoder.push(data, (piece) => controller.enqueue(piece));
      if (decoder.done) this.endBody();
    } else {
      used = data.length;
      controller.enqueue(data);
    }
    if (this.phase === Phase.Body && (controller.desiredSize ?? 1) <= 0) this.owner.pause();
    return used;
  }

  private endBody(): void {
    this.controller!.close();
    this.finish();
  }

  /** The response is complete; `feed` reports it once it knows whether more bytes followed. */
  private finish(): void {
    this.end();
  }

  private end(): void {
    if (this.phase === Phase.Done) return;
    this.phase = Phase.Done;
    this.onDone?.();
  }
}
