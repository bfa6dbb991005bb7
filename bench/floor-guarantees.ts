// The Bun floor plus what Butter asks of Bun on every request besides running its own code: the idle
// timer off while the request is handled and on again after, an abort controller linked to the
// client's signal for the upstream call, no redirects followed and no decompression, the answer's
// extra headers, the request body read as text and parsed, and a JSON answer read and parsed (to
// validate it and count its tokens) instead of piped. The gap between this row and the floor is the
// native cost of those guarantees; the gap between it and Butter is Butter's own code.
// Usage: PORT=0 UPSTREAM=http://127.0.0.1:9000 bun bench/floor-guarantees.ts (logs its address once listening).
const UP = process.env.UPSTREAM || "http://127.0.0.1:9000";
const IDLE_S = 30;
let served = 0;
const server = Bun.serve({
  port: +(process.env.PORT || 8080),
  hostname: "127.0.0.1",
  idleTimeout: IDLE_S,
  async fetch(req, srv) {
    srv.timeout(req, 0);
    const obj = JSON.parse(await req.text());
    obj.model = String(obj.model).replace(/^openai\//, "");
    const controller = new AbortController();
    req.signal.addEventListener("abort", () => controller.abort(), { once: true });
    const up = await fetch(UP + "/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify(obj),
      headers: { "content-type": "application/json", authorization: "Bearer sk-upstream" },
      signal: controller.signal,
      redirect: "manual",
      decompress: false,
    } as RequestInit);
    const headers: Record<string, string> = {
      "content-type": up.headers.get("content-type") ?? "application/json",
      "x-request-id": `req_${++served}`,
      "x-butter-provider": "openai",
      "x-butter-attempts": "1",
      "x-butter-cost-usd": "0.0000195",
      // Butter's Server-Timing, under another name: the bench reads that header as a gateway's own time.
      "x-timing": "gateway;dur=0.000, upstream;dur=0.000",
    };
    if (obj.stream === true) return new Response(up.body, { status: up.status, headers });
    const text = await up.text();
    const answer = JSON.parse(text);
    if (!Array.isArray(answer.choices)) return new Response("bad upstream answer", { status: 502 });
    srv.timeout(req, IDLE_S);
    return new Response(text, { status: up.status, headers });
  },
});
console.log(JSON.stringify({ msg: "floor listening", address: `127.0.0.1:${server.port}` }));
export {};
