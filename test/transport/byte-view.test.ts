// Pieces of a socket read: the same bytes as subarray for any range, copied when small (so the read's
// memory is not pinned by a view), shared when large, and the read itself when it is all of it.
import { describe, expect, test } from "bun:test";
import { view } from "../../src/transport/byte-view.ts";

describe("byte view", () => {
  test("any range holds the same bytes as subarray (random reads and ranges, Buffers and plain arrays)", () => {
    for (let round = 0; round < 2000; round++) {
      const length = Math.floor(Math.random() * 4096);
      const plain = new Uint8Array(length).map(() => Math.floor(Math.random() * 256));
      const bytes = round % 2 === 0 ? Buffer.from(plain) : plain;
      const start = Math.floor(Math.random() * (length + 1));
      const end = start + Math.floor(Math.random() * (length - start + 1));
      expect(Buffer.from(view(bytes, start, end)).equals(Buffer.from(bytes.subarray(start, end)))).toBe(true);
    }
  });

  test("a small piece is a copy, a large one shares memory, the whole read is returned as it is", () => {
    const bytes = Buffer.alloc(8192, 1);
    const small = view(bytes, 10, 100);
    const large = view(bytes, 10, 5000);
    bytes[50] = 9;
    expect(small[40]).toBe(1);
    expect(large[40]).toBe(9);
    expect(view(bytes, 0, bytes.length)).toBe(bytes);
    expect(view(bytes, 5, 5).length).toBe(0);
  });
});
