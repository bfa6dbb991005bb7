// A small AWS event-stream encoder for tests (Bedrock ConverseStream bodies built on the fly).
// Written independently of src/providers/bedrock/event-stream.ts so the two check each other.
import { crc32 } from "node:zlib";

export type EncodableHeader =
  | string
  | { type: "bool"; value: boolean }
  | { type: "byte" | "short" | "int"; value: number }
  | { type: "long" | "timestamp"; value: bigint }
  | { type: "bytes" | "uuid"; value: Uint8Array };

export interface EncodableMessage {
  headers: Record<string, EncodableHeader>;
  payload: Uint8Array | string | object;
}

const encoder = new TextEncoder();

function encodeHeader(name: string, header: EncodableHeader): number[] {
  const out: number[] = [];
  const nameBytes = encoder.encode(name);
  out.push(nameBytes.length, ...nameBytes);
  const be = (value: number | bigint, bytes: number) => {
    const buf = new DataView(new ArrayBuffer(bytes));
    if (bytes === 1) buf.setInt8(0, Number(value));
    else if (bytes === 2) buf.setInt16(0, Number(value));
    else if (bytes === 4) buf.setInt32(0, Number(value));
    else buf.setBigInt64(0, BigInt(value));
    out.push(...new Uint8Array(buf.buffer));
  };
  if (typeof header === "string") {
    const value = encoder.encode(header);
    out.push(7);
    be(value.length, 2);
    out.push(...value);
    return out;
  }
  switch (header.type) {
    case "bool": out.push(header.value ? 0 : 1); break;
    case "byte": out.push(2); be(header.value, 1); break;
    case "short": out.push(3); be(header.value, 2); break;
    case "int": out.push(4); be(header.value, 4); break;
    case "long": out.push(5); be(header.value, 8); break;
    case "bytes": out.push(6); be(header.value.length, 2); out.push(...header.value); break;
    case "timestamp": out.push(8); be(header.value, 8); break;
    case "uuid": out.push(9, ...header.value); break;
  }
  return out;
}

export function encodeEventStreamMessage(message: EncodableMessage): Uint8Array {
  const headerBytes = Object.entries(message.headers).flatMap(([name, h]) => encodeHeader(name, h));
  const payload = message.payload instanceof Uint8Array
    ? message.payload
    : encoder.encode(typeof message.payload === "string" ? message.payload : JSON.stringify(message.payload));
  const total = 16 + headerBytes.length + payload.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headerBytes.length);
  view.setUint32(8, crc32(out.subarray(0, 8)));
  out.set(headerBytes, 12);
  out.set(payload, 12 + headerBytes.length);
  view.setUint32(total - 4, crc32(out.subarray(0, total - 4)));
  return out;
}

/** One message per element (so a mock can write them one by one), or joined with `concat`. */
export function encodeEventStream(messages: readonly EncodableMessage[]): Uint8Array[] {
  return messages.map(encodeEventStreamMessage);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A Bedrock ConverseStream event message: `:event-type`, `:content-type`, `:message-type: event`. */
export function converseEvent(eventType: string, payload: object): EncodableMessage {
  return {
    headers: { ":event-type": eventType, ":content-type": "application/json", ":message-type": "event" },
    payload: { ...payload, p: "abcdefgh" },
  };
}

/** A modelled exception inside a 200 stream. */
export function converseException(exceptionType: string, message: string): EncodableMessage {
  return {
    headers: { ":exception-type": exceptionType, ":content-type": "application/json", ":message-type": "exception" },
    payload: { message },
  };
}

/** A Bedrock InvokeModelWithResponseStream chunk: one model event's JSON, base64, in `bytes` (with Bedrock's `p` padding). */
export function invokeChunk(event: object | string): EncodableMessage {
  const text = typeof event === "string" ? event : JSON.stringify(event);
  return {
    headers: { ":event-type": "chunk", ":content-type": "application/json", ":message-type": "event" },
    payload: { bytes: Buffer.from(text).toString("base64"), p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABC" },
  };
}
