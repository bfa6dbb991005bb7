/**
 * Where log lines go: stdout, written synchronously. Bun's console.log with a single string
 * argument prints it as is (no format substitution) and adds the newline; `process.stdout` would
 * load Node's stream machinery, about 1 MB more resident memory in this process (6 MB alone).
 */
export type LineSink = (text: string) => void;

const console_: LineSink = (text) => console.log(text);
let sink: LineSink = console_;

/** Writes `text` (one or more lines, without the last newline) to stdout. */
export function writeLines(text: string): void {
  sink(text);
}

/** For tests that capture what this process logs: undefined restores stdout. */
export function redirectLines(to: LineSink | undefined): void {
  sink = to ?? console_;
}
