// Every call the dashboard makes: same-origin, the session cookie sent by the browser, the CSRF token
// (fetched after sign-in, kept in memory only) on every state-changing call.
let csrf = "";
let onSignedOut: () => void = () => {};

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function setCsrf(token: string): void {
  csrf = token;
}

export function whenSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers["x-csrf-token"] = csrf;
  const res = await fetch(path, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith("/ui/api/login")) onSignedOut();
    throw new ApiError(res.status, data?.error?.message ?? `${res.status} ${res.statusText}`);
  }
  return data as T;
}

export const usd = (n: number | null | undefined): string =>
  n === null || n === undefined ? "—" : n === 0 ? "$0" : Math.abs(n) < 0.01 ? `$${n.toPrecision(3)}` : `$${n.toFixed(2)}`;

export const num = (n: number | null | undefined): string => (n === null || n === undefined ? "—" : n.toLocaleString("en-US"));

export const ms = (n: number | null | undefined): string => (n === null || n === undefined ? "—" : `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`);

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : "—");

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function daysAgo(n: number): string {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}
