// Per-request cost of SigV4 signing a Converse call: Butter's hand-written signer versus
// @smithy/signature-v4 (the AWS SDK's signer) with its pure-JS and its node:crypto hashes.
//
//   bun bench/sigv4-micro.ts                       # Butter's signer only
//   bun bench/sigv4-micro.ts --smithy-from <dir>   # also smithy, resolved from <dir>/node_modules
//     (e.g. mkdir /tmp/s && cd /tmp/s && npm i @smithy/signature-v4 @aws-crypto/sha256-js @smithy/hash-node)
import { signRequest } from "../src/providers/bedrock/sigv4.ts";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "FQoGZXIvYXdzEXAMPLE" };
const url = new URL("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
const body = JSON.stringify({
  system: [{ text: "You are a helpful assistant." }],
  messages: [{ role: "user", content: [{ text: "Hello! ".repeat(60) }] }],
  inferenceConfig: { maxTokens: 512, temperature: 0.7 },
});

/** Awaits only what is a promise, so a synchronous signer is not charged for a microtask turn. */
async function measure(name: string, sign: () => unknown, iterations = 20_000): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    const out = sign();
    if (out instanceof Promise) await out;
  }
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const out = sign();
    if (out instanceof Promise) await out;
  }
  const us = ((performance.now() - start) * 1000) / iterations;
  console.log(`${name.padEnd(44)} ${us.toFixed(2).padStart(8)} µs/request`);
}

console.log(`body ${body.length} bytes, ${process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.version}`}`);
await measure("butter sigv4 (Bun.CryptoHasher, cached key)", () =>
  signRequest({ method: "POST", url, headers: { "content-type": "application/json" }, body, region: "us-east-1", service: "bedrock", credentials }));

const from = process.argv.indexOf("--smithy-from");
if (from !== -1) {
  const dir = process.argv[from + 1]!;
  const load = async (pkg: string) => import(Bun.resolveSync(pkg, dir));
  const { SignatureV4 } = await load("@smithy/signature-v4");
  const { Sha256 } = await load("@aws-crypto/sha256-js");
  const request = () => ({
    method: "POST", protocol: "https:", hostname: url.hostname, path: url.pathname, query: {},
    headers: { host: url.host, "content-type": "application/json" }, body,
  });
  const jsSigner = new SignatureV4({ credentials, region: "us-east-1", service: "bedrock", sha256: Sha256, applyChecksum: false });
  await measure("@smithy/signature-v4 + @aws-crypto/sha256-js", () => jsSigner.sign(request()), 5_000);
  try {
    const { Hash } = await load("@smithy/hash-node");
    const nodeSigner = new SignatureV4({ credentials, region: "us-east-1", service: "bedrock", sha256: Hash.bind(null, "sha256"), applyChecksum: false });
    await measure("@smithy/signature-v4 + @smithy/hash-node", () => nodeSigner.sign(request()), 10_000);
  } catch {
    console.log("(@smithy/hash-node not installed there; skipped)");
  }
}

// Context: the rest of Bedrock's per-request work, and the per-message cost of a ConverseStream.
const { toConverse } = await import("../src/providers/bedrock/converse-request.ts");
const { fromConverse } = await import("../src/providers/bedrock/converse-response.ts");
const { converseStream } = await import("../src/providers/bedrock/converse-stream.ts");
const { readFileSync } = await import("node:fs");
const chat = {
  model: "m", max_tokens: 512, temperature: 0.7,
  messages: [{ role: "system" as const, content: "You are a helpful assistant." }, { role: "user" as const, content: "Hello! ".repeat(60) }],
};
const responseText = JSON.stringify({
  output: { message: { role: "assistant", content: [{ text: "Hello! How can I help you today?" }] } },
  stopReason: "end_turn", usage: { inputTokens: 15, outputTokens: 12, totalTokens: 27 },
});
await measure("request: map + serialise + sign", () => {
  const bodyText = JSON.stringify(toConverse(chat, "anthropic.claude-3-5-sonnet-20240620-v1:0").body);
  return signRequest({ method: "POST", url, headers: { "content-type": "application/json" }, body: bodyText, region: "us-east-1", service: "bedrock", credentials });
});
await measure("response: parse + map", () => fromConverse(JSON.parse(responseText), { id: "x", created: 0, model: "m", jsonTool: false }));
const bin = new Uint8Array(readFileSync(new URL("../test/fixtures/bedrock/converse-stream-tools.bin", import.meta.url)));
const perStream = 2_000;
const start = performance.now();
for (let i = 0; i < perStream; i++) {
  const body = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(bin); c.close(); } });
  for await (const _ of converseStream(body, { provider: "b", id: "x", created: 0, model: "m", jsonTool: false }, new AbortController().signal, { provider: "b", maxBytes: 32 << 20, lastReadAt: 0, waited: { ms: 0 } })) { /* drain */ }
}
console.log(`${"stream: decode (CRC) + map, per message".padEnd(44)} ${(((performance.now() - start) * 1000) / perStream / 10).toFixed(2).padStart(8)} µs/message`);
