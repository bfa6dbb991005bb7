// The fault suite's gateway: the real server, engine and built-in logging and metrics plugins in this
// process (so memory can be measured after a forced GC), with every line it writes to stdout captured.
import { expect } from "bun:test";
import OpenAI from "openai";
import { startInProcess, type InProcess } from "../plugins/harness.ts";
import type { GatewayConfig } from "../support/index.ts";
import { setLogLevel } from "../../src/observability/logger.ts";
import { redirectLines } from "../../src/observability/stdout.ts";

export interface Captured {
  /** Every line written to stdout since capture began (the logger and the access log both write there). */
  lines: string[];
  restore(): void;
}

/** Captures stdout (quietly; BUTTER_FAULT_LOGS=1 passes it through as well) at log level info. */
export function captureStdout(): Captured {
  setLogLevel("info");
  const lines: string[] = [];
  redirectLines((text) => {
    lines.push(...text.split("\n"));
    if (process.env.BUTTER_FAULT_LOGS === "1") console.log(text);
  });
  return { lines, restore: () => redirectLines(undefined) };
}

export interface FaultGateway extends InProcess {
  client: OpenAI;
  /** Raw POST of a JSON body; the response's text and headers, for scanning. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Seen>;
  get(path: string, headers?: Record<string, string>): Promise<Seen>;
  /** Everything the clients of this gateway received so far (bodies and headers). */
  readonly seen: string[];
}

export interface Seen {
  status: number;
  headers: Headers;
  text: string;
  /** Milliseconds from request to the end of the body. */
  ms: number;
}

export async function startFaultGateway(config: GatewayConfig): Promise<FaultGateway> {
  const gw = await startInProcess(config);
  const seen: string[] = [];
  const request = async (method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Seen> => {
    const started = performance.now();
    const res = await fetch(gw.url + path, {
      method,
      headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    seen.push(text, JSON.stringify([...res.headers]));
    return { status: res.status, headers: res.headers, text, ms: performance.now() - started };
  };
  const recordingFetch: typeof fetch = Object.assign(async (input: string | URL | Request, init?: RequestInit) => {
    const res = await fetch(input, init);
    seen.push(JSON.stringify([...res.headers]));
    // The SDK reads the body itself: a tee keeps a copy for the scan.
    if (res.body === null) return res;
    const [mine, theirs] = res.body.tee();
    void new Response(mine).text().then((t) => seen.push(t), () => {});
    return new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers });
  }, { preconnect: fetch.preconnect });
  return Object.assign(gw, {
    client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0, fetch: recordingFetch }),
    post: (path: string, body: unknown, headers: Record<string, string> = {}) => request("POST", path, body, headers),
    get: (path: string, headers: Record<string, string> = {}) => request("GET", path, undefined, headers),
    seen,
  });
}

/** A chat request body. */
/** The SDK error a call must end with (a call that succeeds fails the test). */
export function sdkError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  return call.then(
    () => { throw new Error("expected an error"); },
    (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
  );
}

export const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: "user", content: "Hello!" }], ...extra });

/** The error envelope of a response text. */
export function envelope(text: string): { message: string; type: string; code: string | null; param: string | null } {
  const body = JSON.parse(text) as { error: { message: string; type: string; code: string | null; param: string | null } };
  expect(Object.keys(body)).toEqual(["error"]);
  return body.error;
}

/** `data: ...` payloads of an SSE text, [DONE] included. */
export function sseData(text: string): string[] {
  return text.split(/\n\n/).filter((e) => e.startsWith("data: ")).map((e) => e.slice(6));
}

/** Resident set size after a full collection, in MB. */
export function rssAfterGc(): number {
  Bun.gc(true);
  return process.memoryUsage().rss / (1024 * 1024);
}

/** Waits until the access-log and logger lines have been written (the access log is flushed every 10 ms). */
export const settleLogs = () => Bun.sleep(30);

/** Fails naming where a secret was found. */
export function expectNoSecrets(secrets: readonly string[], places: Record<string, readonly string[]>): void {
  const leaks: string[] = [];
  for (const [place, texts] of Object.entries(places)) {
    for (const text of texts) for (const secret of secrets) if (text.includes(secret)) leaks.push(`${place}: …${excerptAround(text, secret)}…`);
  }
  expect(leaks).toEqual([]);
}

function excerptAround(text: string, secret: string): string {
  const i = text.indexOf(secret);
  return text.slice(Math.max(0, i - 60), i + secret.length + 20);
}
