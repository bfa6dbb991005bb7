// The floor for Bun: same work as floor-node.mjs with Bun.serve and fetch. Usage: PORT=8080 bun floor-bun.ts
// Copy of ../shared/bench/floor-bun.ts; the only change: it logs its address once listening (PORT=0 picks a free port).
const UP = process.env.UPSTREAM || "http://127.0.0.1:9000";
const server = Bun.serve({
  port: +(process.env.PORT || 8080), hostname: "127.0.0.1",
  async fetch(req) {
    const obj: any = await req.json();
    obj.model = String(obj.model).replace(/^openai\//, "");
    const up = await fetch(UP + "/v1/chat/completions", { method: "POST", body: JSON.stringify(obj),
      headers: { "content-type": "application/json", authorization: "Bearer sk-upstream" } });
    return new Response(up.body, { status: up.status, headers: { "content-type": up.headers.get("content-type") ?? "application/json" } });
  },
});
console.log(JSON.stringify({ msg: "floor listening", address: `127.0.0.1:${server.port}` }));
