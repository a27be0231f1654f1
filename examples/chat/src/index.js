// Chat rooms: one Durable Object per room, WebSockets with hibernation, history in SQL.
//   ws://HOST/rooms/<room>/ws?name=<user>   join (JSON messages: {"text": "..."})
//   GET /rooms/<room>/history               the last 50 messages
import { DurableObject } from "cloudflare:workers";

export class ChatRoom extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL)`);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname.endsWith("/history")) return Response.json(this.history());
    if (request.headers.get("upgrade") !== "websocket") return new Response("expected a WebSocket", { status: 426 });
    const user = (url.searchParams.get("name") ?? "").trim().slice(0, 32);
    if (!user) return new Response("name is required", { status: 400 });
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ user });
    server.send(JSON.stringify({ type: "history", messages: this.history() }));
    this.broadcast({ type: "join", user });
    return new Response(null, { status: 101, webSocket: client });
  }

  history() {
    return this.ctx.storage.sql
      .exec("SELECT user, text, at FROM (SELECT * FROM messages ORDER BY id DESC LIMIT 50) ORDER BY id")
      .toArray();
  }

  broadcast(message) {
    const data = JSON.stringify(message);
    for (const ws of this.ctx.getWebSockets()) {
      try { ws.send(data); } catch { /* closing */ }
    }
  }

  async webSocketMessage(ws, raw) {
    const { user } = ws.deserializeAttachment();
    let text;
    try { text = String(JSON.parse(raw).text ?? "").slice(0, 1000); } catch { text = ""; }
    if (!text) { ws.send(JSON.stringify({ type: "error", error: "send {\"text\": \"...\"}" })); return; }
    const at = Date.now();
    this.ctx.storage.sql.exec("INSERT INTO messages (user, text, at) VALUES (?, ?, ?)", user, text, at);
    this.broadcast({ type: "message", user, text, at });
  }

  async webSocketClose(ws) {
    const { user } = ws.deserializeAttachment() ?? {};
    this.broadcast({ type: "leave", user });
  }
}

export default {
  async fetch(request, env) {
    const match = /^\/rooms\/([\w-]{1,64})\/(ws|history)$/.exec(new URL(request.url).pathname);
    if (!match) return new Response("try /rooms/<room>/ws or /rooms/<room>/history", { status: 404 });
    return env.ROOMS.getByName(match[1]).fetch(request);
  },
};
