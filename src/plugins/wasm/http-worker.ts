// The thread that makes a WASM plugin's HTTP calls: the guest's `http_request` is synchronous, so the
// calling thread waits on a shared buffer (Atomics.wait) while this one fetches and writes the answer.
// Layout of the buffer: int32 [state (0 pending, 1 done, 2 failed), status, body length], then the body.
declare const self: Worker;

interface Job {
  sab: SharedArrayBuffer;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

self.onmessage = async (event: MessageEvent<Job>) => {
  const { sab, url, method, headers, body } = event.data;
  const head = new Int32Array(sab, 0, 3);
  const room = new Uint8Array(sab, 12);
  try {
    // No redirects: a redirect could lead to a host that is not allowed.
    const res = await fetch(url, { method, headers, body, redirect: "manual" });
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > room.length) throw new Error("response too large");
    room.set(bytes);
    head[1] = res.status;
    head[2] = bytes.length;
    Atomics.store(head, 0, 1);
  } catch (err) {
    const msg = new TextEncoder().encode(err instanceof Error ? err.message : String(err)).subarray(0, room.length);
    room.set(msg);
    head[2] = msg.length;
    Atomics.store(head, 0, 2);
  }
  Atomics.notify(head, 0);
};
