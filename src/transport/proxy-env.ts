// Which forward proxy an upstream request goes through, read from HTTP_PROXY, HTTPS_PROXY and
// NO_PROXY the way Bun's fetch reads them (measured against a logging proxy with Bun 1.4.5), so both
// upstream clients send the same request the same way: the lowercase name wins over the uppercase
// one; an http:// target goes through HTTP_PROXY only and an https:// target through HTTPS_PROXY
// only; a NO_PROXY entry names a host and every subdomain of it (a leading dot is optional, a port
// narrows it to that port), and `*` turns proxying off.

export interface Proxy {
  hostname: string;
  port: number;
  /** An https:// proxy: the connection to the proxy is TLS too. */
  tls: boolean;
  /** `Basic …` from the proxy URL's user and password, sent as Proxy-Authorization. */
  authorization?: string;
  /** What of the URL's credentials must never reach a client or a log: the password as written and decoded, the Basic token. */
  secrets: string[];
  /** Tells pools apart: connections through different proxies are different connections. */
  key: string;
}

interface Exemption {
  host: string;
  port?: string;
}

type Env = Record<string, string | undefined>;

export class ProxyRules {
  // A proxy URL that cannot be used is kept as its error: every request it would carry fails with
  // it (connecting directly instead would bypass what the operator set up), and `problems` shows it at start.
  private readonly http: Proxy | Error | undefined;
  private readonly https: Proxy | Error | undefined;
  private readonly exempt: Exemption[] | "all";

  constructor(env: Env = process.env) {
    this.http = parseOrError(pick(env, "http_proxy"));
    this.https = parseOrError(pick(env, "https_proxy"));
    this.exempt = parseNoProxy(pick(env, "no_proxy") ?? "");
  }

  /** The proxy for a request to `url`, or undefined to connect directly; throws for an unusable proxy URL. */
  for(url: URL): Proxy | undefined {
    const proxy = url.protocol === "https:" ? this.https : this.http;
    if (proxy === undefined || this.exempt === "all") return undefined;
    const host = bareHost(url.hostname).toLowerCase();
    const port = url.port === "" ? (url.protocol === "https:" ? "443" : "80") : url.port;
    for (const entry of this.exempt) {
      if (entry.port !== undefined && entry.port !== port) continue;
      if (host === entry.host || host.endsWith(`.${entry.host}`)) return undefined;
    }
    if (proxy instanceof Error) throw proxy;
    return proxy;
  }

  /** The proxies' credentials, for redaction (either client sends them; a proxy may echo them in an answer). */
  get secrets(): string[] {
    return [this.http, this.https].flatMap((p) => (p === undefined || p instanceof Error ? [] : p.secrets));
  }

  /** Why a configured proxy cannot be used, for a warning at start. */
  get problems(): string[] {
    return [this.http, this.https].filter((p): p is Error => p instanceof Error).map((e) => e.message);
  }
}

function parseOrError(value: string | undefined): Proxy | Error | undefined {
  try {
    return parseProxy(value);
  } catch (err) {
    return err as Error;
  }
}

function pick(env: Env, lower: string): string | undefined {
  const value = env[lower] ?? env[lower.toUpperCase()];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** A proxy URL, http:// or https:// (TLS to the proxy itself); one without a scheme is taken as http://. */
export function parseProxy(value: string | undefined): Proxy | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new TypeError("the proxy URL in HTTP_PROXY/HTTPS_PROXY is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`a proxy URL in HTTP_PROXY/HTTPS_PROXY must be http:// or https:// (it says ${url.protocol})`);
  const tls = url.protocol === "https:";
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw new TypeError("the user or password in the proxy URL is not valid percent-encoding");
  }
  const authorization = user === "" && password === "" ? undefined : `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const hostname = bareHost(url.hostname);
  const port = url.port === "" ? (tls ? 443 : 80) : Number(url.port);
  // The key carries no credentials: it may be logged as a pool name one day.
  const secrets = authorization === undefined ? [] : [url.password, password, authorization, authorization.slice("Basic ".length)].filter((v) => v !== "");
  return { hostname, port, tls, authorization, secrets, key: `${url.protocol}//${hostname}:${port}${authorization === undefined ? "" : "+auth"}` };
}

function parseNoProxy(value: string): Exemption[] | "all" {
  const exempt: Exemption[] = [];
  for (const raw of value.split(",")) {
    let entry = raw.trim().toLowerCase();
    if (entry === "") continue;
    if (entry === "*") return "all";
    if (entry.startsWith("*.")) entry = entry.slice(2);
    else if (entry.startsWith(".")) entry = entry.slice(1);
    // host, host:port, [v6], [v6]:port, or a bare IPv6 address (more than one colon).
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (match !== null) exempt.push({ host: bareHost(match[1]!), port: match[2] });
    else if (entry.indexOf(":") !== entry.lastIndexOf(":")) exempt.push({ host: entry });
  }
  return exempt;
}

// URL keeps IPv6 literals in brackets; sockets and comparisons want the bare address.
export function bareHost(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

let fromProcess: ProxyRules | undefined;

/** The rules of this process's environment (read once: Bun's fetch reads it at start too). */
export function processProxyRules(): ProxyRules {
  return (fromProcess ??= new ProxyRules(process.env));
}
