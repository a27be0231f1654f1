// ws: WebSocket fan-out from one Durable Object. Clients join with a WebSocket upgrade on /ws;
// each POST /broadcast sends its body to every connected socket and answers with the count.
import { DurableObject } from "cloudflare:workers";

export class Room extends DurableObject {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/broadcast") {
      const text = await request.text();
      const sockets = this.ctx.getWebSockets();
      for (const ws of sockets) ws.send(text);
      return new Response(String(sockets.length));
    }
    if (request.headers.get("upgrade") !== "websocket") return new Response("room ok");
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    return new Response(null, { status: 101, webSocket: client });
  }
}

export default {
  fetch(request, env) {
    return env.ROOMS.getByName("bench").fetch(request);
  },
};
