// d1-insert: one INSERT per request into a table created by the seed call.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/seed") {
      await env.DB.prepare("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, at INTEGER NOT NULL)").run();
      return new Response("seeded");
    }
    const r = await env.DB.prepare("INSERT INTO events (kind, at) VALUES (?, ?)").bind("hit", Date.now()).run();
    return new Response(String(r.meta.last_row_id));
  },
};
