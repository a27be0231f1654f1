// kv: KV get hit. The harness calls /seed once (a put) before the warm-up.
const VALUE = JSON.stringify({ greeting: "hello", padding: "v".repeat(200) });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/seed") {
      await env.KV.put("bench-key", VALUE);
      return new Response("seeded");
    }
    const value = await env.KV.get("bench-key");
    if (value === null) return new Response("miss", { status: 404 });
    return new Response(value, { headers: { "content-type": "application/json" } });
  },
};
