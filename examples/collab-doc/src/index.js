// A collaborative text document: one Durable Object per document holds the text and a
// version number. Clients send operations against the version they saw; the object applies
// them in order, rebasing positions over operations the client had not seen, and broadcasts
// each applied operation to every connected editor.
//   ws://HOST/docs/<id>/ws        ops: {"op":"insert","pos":N,"text":"..","base":V} | {"op":"delete","pos":N,"len":N,"base":V}
//   GET /docs/<id>                {"version": V, "text": "..."}
import { DurableObject } from "cloudflare:workers";

function transform(op, past) {
  // Shift op's position over an operation applied after op's base version.
  const o = { ...op };
  if (past.op === "insert" && past.pos <= o.pos) o.pos += past.text.length;
  if (past.op === "delete" && past.pos < o.pos) o.pos -= Math.min(past.len, o.pos - past.pos);
  return o;
}

export class Document extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS ops (version INTEGER PRIMARY KEY, op TEXT NOT NULL)");
    ctx.blockConcurrencyWhile(async () => {
      this.text = (await ctx.storage.get("text")) ?? "";
      this.version = (await ctx.storage.get("version")) ?? 0;
    });
  }

  async fetch(request) {
    if (request.headers.get("upgrade") !== "websocket") return Response.json({ version: this.version, text: this.text });
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ type: "snapshot", version: this.version, text: this.text }));
    return new Response(null, { status: 101, webSocket: client });
  }

  apply(op) {
    if (op.op === "insert") {
      const pos = Math.max(0, Math.min(op.pos, this.text.length));
      this.text = this.text.slice(0, pos) + op.text + this.text.slice(pos);
      return { op: "insert", pos, text: op.text };
    }
    const pos = Math.max(0, Math.min(op.pos, this.text.length));
    const len = Math.max(0, Math.min(op.len, this.text.length - pos));
    this.text = this.text.slice(0, pos) + this.text.slice(pos + len);
    return { op: "delete", pos, len };
  }

  async webSocketMessage(ws, raw) {
    let op;
    try { op = JSON.parse(raw); } catch { ws.send(JSON.stringify({ type: "error", error: "invalid JSON" })); return; }
    const valid = (op.op === "insert" && typeof op.text === "string" && Number.isInteger(op.pos)) ||
      (op.op === "delete" && Number.isInteger(op.pos) && Number.isInteger(op.len));
    if (!valid || !Number.isInteger(op.base) || op.base < 0 || op.base > this.version) {
      ws.send(JSON.stringify({ type: "error", error: "invalid operation" }));
      return;
    }
    // Rebase over the operations the client had not seen.
    for (const row of this.ctx.storage.sql.exec("SELECT op FROM ops WHERE version > ? ORDER BY version", op.base)) {
      op = transform(op, JSON.parse(row.op));
    }
    const applied = this.apply(op);
    this.version += 1;
    this.ctx.storage.sql.exec("INSERT INTO ops (version, op) VALUES (?, ?)", this.version, JSON.stringify(applied));
    await this.ctx.storage.put({ text: this.text, version: this.version });
    const message = JSON.stringify({ type: "op", version: this.version, ...applied });
    for (const other of this.ctx.getWebSockets()) other.send(message);
  }
}

export default {
  async fetch(request, env) {
    const match = /^\/docs\/([\w-]{1,64})(\/ws)?$/.exec(new URL(request.url).pathname);
    if (!match) return new Response("try /docs/<id> or /docs/<id>/ws", { status: 404 });
    return env.DOCS.getByName(match[1]).fetch(request);
  },
};
