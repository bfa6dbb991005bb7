import { describe, expect, test } from "bun:test";
import type { ChatCompletionChunk } from "../../src/core/openai-types.ts";
import type { StreamEvent } from "../../src/core/stream-event.ts";
import { shapeStream, withoutNullUsage, type StreamStats } from "../../src/engine/stream-shaper.ts";

describe("withoutNullUsage", () => {
  test("cuts the one top-level member and its comma, wherever it sits", () => {
    expect(withoutNullUsage('{"id":"a","usage":null,"x":1}')).toBe('{"id":"a","x":1}');
    expect(withoutNullUsage('{"id":"a","usage":null}')).toBe('{"id":"a"}');
    expect(withoutNullUsage('{"usage":null,"id":"a"}')).toBe('{"id":"a"}');
  });

  test("anything it cannot be sure of is left to serialising again", () => {
    // Two members spelled alike: which one is the top-level one is not known without parsing.
    expect(withoutNullUsage('{"x":{"usage":null},"usage":null}')).toBeUndefined();
    // Not the compact spelling.
    expect(withoutNullUsage('{"id":"a", "usage": null}')).toBeUndefined();
    expect(withoutNullUsage('{"usage":null}')).toBeUndefined();
  });

  test("a string that mentions it has escaped quotes, so it is never matched", () => {
    expect(withoutNullUsage('{"c":"say \\"usage\\":null","usage":null}')).toBe('{"c":"say \\"usage\\":null"}');
  });
});

async function shaped(raws: string[], includeUsage: boolean): Promise<StreamEvent[]> {
  async function* events(): AsyncGenerator<StreamEvent> {
    for (const raw of raws) yield { type: "chunk", chunk: JSON.parse(raw) as ChatCompletionChunk, raw };
  }
  const stats: StreamStats = { chunks: 0 };
  const out: StreamEvent[] = [];
  for await (const e of shapeStream(events(), includeUsage, stats)) out.push(e);
  return out;
}

test("without include_usage the upstream's text goes out less its usage member, other fields and their order kept", async () => {
  const raw = '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}],"usage":null,"obfuscation":"x9"}';
  const [event] = await shaped([raw], false);
  if (event?.type !== "chunk") throw new Error("expected a chunk");
  expect(event.raw).toBe(raw.replace(',"usage":null', ""));
  expect(JSON.parse(event.raw!)).toEqual({ ...JSON.parse(raw), usage: undefined } as never);
  expect("usage" in JSON.parse(event.raw!)).toBe(false);
  // Asked for, the text is the upstream's as it came.
  const [kept] = await shaped([raw], true);
  expect(kept?.type === "chunk" && kept.raw).toBe(raw);
});

test("a chunk the gateway changes otherwise (the role added) is serialised again, without usage", async () => {
  const raw = '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}],"usage":null}';
  const [event] = await shaped([raw], false);
  if (event?.type !== "chunk") throw new Error("expected a chunk");
  expect(event.raw).toBeUndefined();
  expect(event.chunk.choices[0]!.delta!.role).toBe("assistant");
  expect(JSON.parse(JSON.stringify(event.chunk)).usage).toBeUndefined();
});
