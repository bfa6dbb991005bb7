// The SSE writer (src/server/sse.ts): the first event is read ahead, so Bun's first pull writes it
// before awaiting anything (Bun then sends it in the same packet as the response head); the rest,
// errors and cancellation behave as for any stream.
import { describe, expect, test } from "bun:test";
import { errors } from "../../src/core/errors.ts";
import type { StreamEvent } from "../../src/core/stream-event.ts";
import { firstEventRead, sseBody, sseSource, type DirectController } from "../../src/server/sse.ts";

const chunk = (content: string): StreamEvent => ({
  type: "chunk",
  chunk: { id: "c", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: null }] },
});

async function* slowly(events: StreamEvent[], failAfter?: unknown): AsyncGenerator<StreamEvent> {
  for (const event of events) {
    yield event;
    await Bun.sleep(5);
  }
  if (failAfter !== undefined) throw failAfter;
}

class Recorder implements DirectController {
  writes: string[] = [];
  closed = false;
  write(data: string | Uint8Array): number {
    this.writes.push(typeof data === "string" ? data : new TextDecoder().decode(data));
    return data.length;
  }
  flush(): number {
    return 0;
  }
  close(): void {
    this.closed = true;
  }
}

const encoder = {
  chunk: (e: Extract<StreamEvent, { type: "chunk" }>) => `data: ${e.chunk.choices[0]!.delta!.content}\n\n`,
  error: (err: { message: string }) => `data: error ${err.message}\n\n`,
  end: () => "data: [DONE]\n\n",
};

describe("SSE writer", () => {
  test("once the first event has been read, the first pull writes it before awaiting anything", async () => {
    const ends: string[] = [];
    const source = sseSource(slowly([chunk("a"), chunk("b")]), { onEnd: (o) => ends.push(o) }, encoder);
    await source.firstRead;
    const controller = new Recorder();
    const pulled = source.pull(controller);
    // Synchronously, in the same turn as the pull (where Bun has just written the head).
    expect(controller.writes).toEqual(["data: a\n\n"]);
    await pulled;
    expect(controller.writes).toEqual(["data: a\n\n", "data: b\n\n", "data: [DONE]\n\n"]);
    expect(controller.closed).toBe(true);
    expect(ends).toEqual(["done"]);
  });

  test("a pull before the first event is read waits for it and writes the same bytes", async () => {
    const source = sseSource(slowly([chunk("a"), chunk("b")]), { onEnd: () => {} }, encoder);
    const controller = new Recorder();
    await source.pull(controller);
    expect(controller.writes).toEqual(["data: a\n\n", "data: b\n\n", "data: [DONE]\n\n"]);
  });

  test("a stream whose first read fails ends with the error event, and says so once", async () => {
    const ends: string[] = [];
    const failing: AsyncIterable<StreamEvent> = { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(errors.streamInterrupted("openai", "gone")) }) };
    const source = sseSource(failing, { onEnd: (o) => ends.push(o) }, encoder);
    await source.firstRead;
    const controller = new Recorder();
    await source.pull(controller);
    expect(controller.writes).toHaveLength(2);
    expect(controller.writes[0]).toStartWith("data: error ");
    expect(controller.writes[0]).toContain("gone");
    expect(controller.writes[1]).toBe("data: [DONE]\n\n");
    expect(ends).toEqual(["error"]);
  });

  test("a stream that fails after its first event ends with the error event", async () => {
    const source = sseSource(slowly([chunk("a")], errors.streamInterrupted("openai", "cut")), { onEnd: () => {} }, encoder);
    await source.firstRead;
    const controller = new Recorder();
    await source.pull(controller);
    expect(controller.writes[0]).toBe("data: a\n\n");
    expect(controller.writes[1]).toContain("cut");
  });

  test("cancelled before Bun ever pulls: the end hook hears it and the events are released", async () => {
    const ends: string[] = [];
    let released = false;
    async function* events(): AsyncGenerator<StreamEvent> {
      try {
        yield chunk("a");
        yield chunk("b");
      } finally {
        released = true;
      }
    }
    const source = sseSource(events(), { onEnd: (o) => ends.push(o) }, encoder);
    await source.firstRead;
    source.cancel();
    await Bun.sleep(1);
    expect(ends).toEqual(["cancelled"]);
    expect(released).toBe(true);
  });

  test("a body made by the writer tells when its first event has been read; any other body does not", async () => {
    const body = sseBody(slowly([chunk("a")]), { onEnd: () => {} });
    expect(firstEventRead(body)).toBeInstanceOf(Promise);
    await firstEventRead(body);
    expect(await new Response(body).text()).toContain('"content":"a"');
    expect(firstEventRead(new ReadableStream())).toBeUndefined();
  });
});
