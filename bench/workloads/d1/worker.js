// d1: point select by primary key on a seeded table. The harness calls /seed once before the warm-up.
const ROWS = 1000;

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/seed") {
      await env.DB.prepare(
        "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)",
      ).run();
      const insert = env.DB.prepare("INSERT OR REPLACE INTO items (id, name, price) VALUES (?, ?, ?)");
      const batch = [];
      for (let i = 1; i <= ROWS; i++) batch.push(insert.bind(i, `item-${i}`, i * 0.25));
      await env.DB.batch(batch);
      return new Response("seeded");
    }
    const m = url.pathname.match(/^\/items\/(\d+)$/);
    const id = m ? Number(m[1]) : 42;
    const row = await env.DB.prepare("SELECT id, name, price FROM items WHERE id = ?").bind(id).first();
    if (row === null) return new Response("no such row", { status: 404 });
    return new Response(JSON.stringify(row), { headers: { "content-type": "application/json" } });
  },
};
