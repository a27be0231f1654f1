// cache: a Cache API hit. The harness calls /seed once (a put) before the warm-up; every
// request then answers with `caches.default.match` of that key (a miss is a 404, which the
// harness reports instead of measuring).
const KEY = "https://bench.test/item";
const BODY = JSON.stringify({ greeting: "hello", padding: "v".repeat(200) });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/seed") {
      await caches.default.put(KEY, new Response(BODY, {
        headers: { "content-type": "application/json", "cache-control": "max-age=86400" },
      }));
      return new Response("seeded");
    }
    const hit = await caches.default.match(KEY);
    return hit ?? new Response("miss", { status: 404 });
  },
};
