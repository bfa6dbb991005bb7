// Pieces of a socket read (a body chunk, the body after the head). A view shares the read's memory,
// but making one makes JSC give the read an ArrayBuffer of its own, and Buffer#subarray or
// Uint8Array#slice on a Buffer build a Buffer: each about 3 µs a call under 600 streams at once
// (profiled). A small piece, the usual stream event, is cheaper copied by a plain loop.
const COPY_BELOW = 1024;

/** bytes[start, end): a copy when small, else a view of the same memory. */
export function view(bytes: Uint8Array, start: number, end: number): Uint8Array {
  if (start === 0 && end === bytes.length) return bytes;
  const length = end - start;
  if (length >= COPY_BELOW) return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
  const copy = new Uint8Array(length);
  for (let i = 0; i < length; i++) copy[i] = bytes[start + i]!;
  return copy;
}
