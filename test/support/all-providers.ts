// A gateway config with one block of every provider kind, each under its own path prefix on one mock
// upstream, and a mock that answers every provider's endpoints with a real-format success. For tests
// that throw client input at all of them and check where requests went.
import { eventStreamFixtureReply, fixtureReply, sseFixtureReply, stream } from "./replies.ts";
import { encodeEventStream, invokeChunk } from "./event-stream-encoder.ts";
import { loadText } from "./fixtures.ts";
import { parseSse } from "./sse.ts";
import { startGateway, type Gateway } from "./gateway.ts";
import { startMockUpstream, type MockUpstream, type RecordedRequest, type Reply } from "./mock-upstream.ts";

/** Provider block name → the path prefix its base_url carries. */
export const PREFIXES = {
  openai: "/openai-root",
  openrouter: "/openrouter-root",
  groq: "/groq-root",
  mistral: "/mistral-root",
  together: "/together-root",
  fireworks: "/fireworks-root",
  perplexity: "/perplexity-root",
  anthropic: "/anthropic-root",
  gemini: "/gemini-root",
  vertex: "/vertex-root",
  bedrock: "/bedrock-root",
  azure: "/azure-root",
  "azure-v1": "/azure-v1-root",
} as const;

export type ProviderName = keyof typeof PREFIXES;
export const PROVIDER_NAMES = Object.keys(PREFIXES) as ProviderName[];

/** A model each provider really serves (what a well-formed request names). */
export const GOOD_MODEL: Record<ProviderName, string> = {
  openai: "gpt-4o-mini",
  openrouter: "meta-llama/llama-3.1-70b-instruct",
  groq: "llama-3.1-8b-instant",
  mistral: "mistral-small-latest",
  together: "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",
  fireworks: "accounts/fireworks/models/llama-v3p1-8b-instruct",
  perplexity: "sonar",
  anthropic: "claude-3-5-sonnet-20240620",
  gemini: "gemini-1.5-pro-001",
  vertex: "claude-3-5-sonnet@20240620",
  bedrock: "anthropic.claude-3-5-sonnet-20240620-v1:0",
  azure: "my-gpt-4o-mini",
  "azure-v1": "my-gpt-4o-mini",
};

export const BEDROCK_SECRET = "all-providers-secret-access-key";

export function allProvidersConfig(mockUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const at = (name: ProviderName) => `${mockUrl}${PREFIXES[name]}`;
  const key = [{ value: "stored-secret-key" }];
  const providers: Record<string, unknown> = {};
  for (const name of ["openai", "openrouter", "groq", "mistral", "together", "fireworks", "perplexity", "anthropic", "gemini"] as const) {
    providers[name] = { base_url: at(name), keys: key };
  }
  providers.vertex = { base_url: at("vertex"), project: "my-project", region: "us-central1", keys: [{ access_token: "ya29.stored-token" }] };
  providers.bedrock = { base_url: at("bedrock"), region: "us-east-1", keys: [{ access_key_id: "AKIDALLPROVIDERS", secret_access_key: BEDROCK_SECRET }] };
  providers.azure = { base_url: at("azure"), api_version: "2024-10-21", keys: key };
  providers["azure-v1"] = { type: "azure", base_url: at("azure-v1"), api_version: "v1", keys: key };
  return { providers, failover: { timeout: "5s", max_attempts: 1 }, ...extra };
}

const streaming = (req: RecordedRequest): boolean => (req.json as { stream?: unknown } | undefined)?.stream === true;

/** A success in the provider's own format for whatever endpoint was called; unknown paths get the mock's 404. */
export function providerReply(req: RecordedRequest): Reply | undefined {
  const path = new URL(req.url).pathname;
  if (path.startsWith(`${PREFIXES.anthropic}/`)) return streaming(req) ? sseFixtureReply("anthropic", "stream.sse") : fixtureReply("anthropic", "chat.response.json");
  if (path.endsWith(":rawPredict")) return fixtureReply("anthropic", "chat.response.json");
  if (path.endsWith(":streamRawPredict")) return sseFixtureReply("anthropic", "stream.sse");
  if (path.endsWith(":generateContent")) return fixtureReply("gemini", "generateContent.response.json");
  if (path.endsWith(":streamGenerateContent")) return sseFixtureReply("gemini", "stream.sse");
  if (path.endsWith(":embedContent")) return fixtureReply("gemini", "embedContent.response.json");
  if (path.endsWith(":batchEmbedContents")) return fixtureReply("gemini", "batchEmbedContents.response.json");
  if (path.endsWith(":predict")) return fixtureReply("vertex", "embeddings-predict.response.json");
  if (path.endsWith("/converse")) return fixtureReply("bedrock", "converse.response.json");
  if (path.endsWith("/converse-stream")) return eventStreamFixtureReply("bedrock", "converse-stream.bin");
  // Claude on Bedrock takes /v1/messages through InvokeModel (Anthropic's body and events); other models embed there.
  if (path.endsWith("/invoke")) return path.includes("anthropic.claude") ? fixtureReply("anthropic", "chat.response.json") : fixtureReply("bedrock", "embed-titan.response.json");
  if (path.endsWith("/invoke-with-response-stream")) {
    return stream(encodeEventStream(parseSse(loadText("anthropic", "stream.sse")).map((e) => invokeChunk(e.data))), "application/vnd.amazon.eventstream");
  }
  if (path.endsWith("/chat/completions")) return streaming(req) ? sseFixtureReply("openai", "stream.sse") : fixtureReply("openai", "chat.response.json");
  if (path.endsWith("/embeddings")) return fixtureReply("openai", "embeddings.response.json");
  // OpenAI's Responses API: openai, and azure on an api-version that has it, get /v1/responses natively.
  if (path.endsWith("/responses")) return streaming(req) ? sseFixtureReply("openai", "responses-stream.sse") : fixtureReply("openai", "responses.response.json");
  return undefined;
}

/** Installs providerReply on every path (more specific routes a test adds later still win). */
export function answerEveryProvider(mock: MockUpstream): void {
  mock.when("*", "*", (req) => providerReply(req) ?? { kind: "json", status: 404, body: { error: { message: `no such endpoint: ${req.path}` } } });
}

/**
 * Why a request that reached the mock escaped `prefix`, or undefined. The path is checked as received,
 * after URL normalisation, and once more after percent-decoding (so a server that decodes `%2F`
 * still finds no `..`).
 */
export function escapeProblem(req: RecordedRequest, prefix: string): string | undefined {
  const received = req.path.split("?")[0]!;
  const normalised = new URL(req.url).pathname;
  if (normalised !== received) return `path ${received} normalises to ${normalised}`;
  if (!received.startsWith(`${prefix}/`)) return `path ${received} is outside ${prefix}/`;
  let decoded: string;
  try {
    decoded = decodeURIComponent(received);
  } catch {
    return `path ${received} has malformed percent-encoding`;
  }
  if (decoded.split("/").some((s) => s === ".." || s === ".")) return `path ${received} decodes to a dot segment`;
  if (/[?#\\\u0000-\u001f]/.test(decoded.slice(prefix.length))) return `path ${received} decodes to a URL delimiter or control character`;
  return undefined;
}

/** The mock answering every provider and a gateway with every provider kind in front of it. */
export interface AllProviders {
  mock: MockUpstream;
  gw: Gateway;
}

/** `extra` adds to (and overrides) the top level of the config, e.g. `store: "sqlite::memory:"`. */
export async function startAllProviders(extra: Record<string, unknown> = {}): Promise<AllProviders> {
  const mock = await startMockUpstream();
  answerEveryProvider(mock);
  return { mock, gw: await startGateway(allProvidersConfig(mock.url, extra)) };
}

export async function stopAllProviders(env: Partial<AllProviders>): Promise<void> {
  await env.gw?.stop();
  await env.mock?.stop();
}

/**
 * fast-check parameters: a fixed seed unless FUZZ_SEED is set (so a failure reproduces), FUZZ_RUNS
 * scales every property's run count.
 */
export function fuzzRuns(defaultSeed: number): (n: number) => { numRuns: number; seed: number; endOnFailure: true } {
  const seed = Number(process.env.FUZZ_SEED ?? defaultSeed);
  const scale = Number(process.env.FUZZ_RUNS ?? 1);
  return (n) => ({ numRuns: Math.max(1, Math.round(n * scale)), seed, endOnFailure: true });
}
