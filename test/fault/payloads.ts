// Upstream answers for the fault suite: healthy ones for the target that should win, and hostile bytes.
import { constants, crc32, deflateRawSync } from "node:zlib";
import type { RawExchange } from "./raw-upstream.ts";

export const completion = (content: string) => ({
  id: "chatcmpl-fault", object: "chat.completion", created: 1, model: "m",
  choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

export const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-fault", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

/** A well-behaved OpenAI upstream: a completion, or a two-chunk stream ending in [DONE]. */
export function healthy(content: string): (ex: RawExchange) => void {
  return (ex) => {
    const stream = (JSON.parse(ex.request.body || "{}") as { stream?: boolean }).stream === true;
    if (!stream) return ex.json(200, completion(content));
    ex.respond(200, { "content-type": "text/event-stream" }, chunk(content) + chunk("", "stop") + "data: [DONE]\n\n");
  };
}

const MB = 1 << 20;

/**
 * A gzip body of `megabytes` MB of zeros, about 1 KB per MB: each MB is deflated once with a full flush
 * (byte-aligned, dictionary reset), so every MB compresses to the same bytes and the body is built by
 * repeating them, without ever holding the decompressed size in memory.
 */
export function gzipBomb(megabytes: number): Uint8Array {
  const zeros = new Uint8Array(MB);
  const block = deflateRawSync(zeros, { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const final = deflateRawSync(new Uint8Array(0));
  let crc = 0;
  for (let i = 0; i < megabytes; i++) crc = crc32(zeros, crc);
  const out = new Uint8Array(10 + block.byteLength * megabytes + final.byteLength + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff], 0);
  let at = 10;
  for (let i = 0; i < megabytes; i++, at += block.byteLength) out.set(block, at);
  out.set(final, at);
  at += final.byteLength;
  const view = new DataView(out.buffer);
  view.setUint32(at, crc >>> 0, true);
  view.setUint32(at + 4, (megabytes * MB) >>> 0, true);
  return out;
}

/** The 12-byte prelude of an AWS event-stream message claiming `total` bytes (valid CRC), then nothing. */
export function eventStreamPrelude(total: number): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setUint32(0, total);
  view.setUint32(4, 0);
  view.setUint32(8, crc32(out.subarray(0, 8)));
  return out;
}

/** 64 KB of a repeated character, for bodies that never end. */
export const filler = (char: string) => new TextEncoder().encode(char.repeat(64 * 1024));
