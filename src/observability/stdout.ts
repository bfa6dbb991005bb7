/**
 * Where log lines go: stdout, without ever blocking the event loop on it. `console.log` writes
 * synchronously, so a log reader that stops reading (a stalled shipper, a paused terminal) would
 * stop the gateway once the pipe is full; `process.stdout` buffers without limit (and loads Node's
 * stream machinery, about 1 MB more resident memory). Here lines go to Bun's native stdout writer;
 * while a write waits for the reader, new lines queue up to `MAX_QUEUED` characters, and lines past
 * that are dropped and counted: one line says how many once the reader has caught up.
 */
export type LineSink = (text: string) => void;

const DROPPED_MSG = "log lines dropped: stdout was not read fast enough";

/** The line that says how many lines were dropped: the logger's line (its shape, its context) once logger.ts is loaded. */
let droppedLine = (dropped: number): string => JSON.stringify({ level: "warn", msg: DROPPED_MSG, dropped });

export function formatDroppedLine(format: (msg: string, dropped: number) => string): void {
  droppedLine = (dropped) => format(DROPPED_MSG, dropped);
}

/** About a minute of access log at a few thousand requests per second; far less than a stalled pipe would take. */
const MAX_QUEUED = 8 * 1024 * 1024;

class StdoutLines {
  private writer: ReturnType<typeof Bun.stdout.writer> | undefined;
  /** A write is waiting for the reader: lines queue instead of going out. */
  private busy = false;
  private queue: string[] = [];
  private queued = 0;
  private dropped = 0;
  /** The reader has gone away (EPIPE): nothing more is written. */
  private closed = false;
  private idle: (() => void)[] = [];

  readonly write: LineSink = (text) => {
    if (this.closed) return;
    if (!this.busy) return this.send(`${text}\n`);
    if (this.queued + text.length > MAX_QUEUED) {
      this.dropped += lineCount(text);
      return;
    }
    this.queue.push(text);
    this.queued += text.length + 1;
  };

  /** Resolves once every line written so far has reached stdout (or stdout is gone). */
  drained(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private send(chunk: string): void {
    try {
      const writer = (this.writer ??= Bun.stdout.writer());
      writer.write(chunk);
      const flushed = writer.flush();
      if (typeof flushed === "number") return this.settle();
      this.busy = true;
      flushed.then(this.onFlushed, this.onFailed);
    } catch {
      this.onFailed();
    }
  }

  private readonly onFlushed = (): void => {
    this.busy = false;
    let chunk = this.queue.length === 0 ? "" : `${this.queue.join("\n")}\n`;
    this.queue = [];
    this.queued = 0;
    if (this.dropped > 0) {
      chunk += `${droppedLine(this.dropped)}\n`;
      this.dropped = 0;
    }
    if (chunk !== "") this.send(chunk);
    else this.settle();
  };

  private readonly onFailed = (): void => {
    this.closed = true;
    this.busy = false;
    this.queue = [];
    this.queued = 0;
    this.settle();
  };

  private settle(): void {
    if (this.busy || this.idle.length === 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}

function lineCount(text: string): number {
  let n = 1;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) n++;
  return n;
}

const stdoutLines = new StdoutLines();
let sink: LineSink = stdoutLines.write;

/** Writes `text` (one or more lines, without the last newline) to stdout. */
export function writeLines(text: string): void {
  sink(text);
}

/** Waits until the lines written so far are out, at most `timeoutMs` (before the process exits). */
export function drainLines(timeoutMs: number): Promise<void> {
  return Promise.race([stdoutLines.drained(), Bun.sleep(timeoutMs)]);
}

/** For tests that capture what this process logs: undefined restores stdout. */
export function redirectLines(to: LineSink | undefined): void {
  sink = to ?? stdoutLines.write;
}
