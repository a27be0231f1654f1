// kv-put: one KV put of a ~200-byte value per request, to a fresh key (KV allows one write per
// second per key, so keys are never reused).
const VALUE = JSON.stringify({ greeting: "hello", padding: "v".repeat(200) });

export default {
  async fetch(request, env) {
    await env.KV.put(`k-${crypto.randomUUID()}`, VALUE);
    return new Response("ok");
  },
};
