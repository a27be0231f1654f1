// A named, durable counter: one Durable Object per counter name.
//
//   GET    /<name>            -> {"name": "...", "count": n}
//   POST   /<name>/increment  -> {"name": "...", "count": n + 1}
//   DELETE /<name>            -> {"name": "...", "count": 0}   (wipes the object's storage)
import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  // Every storage call below runs behind the object's input gate, so concurrent increments
  // cannot interleave between the read and the write and no update is lost.
  async getCount() {
    return (await this.ctx.storage.get("count")) ?? 0;
  }

  async increment(by = 1) {
    const count = (await this.getCount()) + by;
    await this.ctx.storage.put("count", count);
    return count;
  }

  async reset() {
    await this.ctx.storage.deleteAll();
    return 0;
  }
}

function json(body, status = 200, headers = {}) {
  return Response.json(body, { status, headers });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    let parts;
    try {
      parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      return json({ error: "malformed percent-encoding in the path" }, 400);
    }
    if (parts.length === 0) {
      return json({
        usage: ["GET /<name>", "POST /<name>/increment", "DELETE /<name>"],
      });
    }
    const [name, action] = parts;
    if (parts.length > 2 || (action !== undefined && action !== "increment")) {
      return json({ error: "not found" }, 404);
    }

    const counter = env.COUNTER.getByName(name);

    if (action === "increment") {
      if (request.method !== "POST") {
        return json({ error: "method not allowed" }, 405, { Allow: "POST" });
      }
      return json({ name, count: await counter.increment() });
    }

    switch (request.method) {
      case "GET":
      case "HEAD":
        return json({ name, count: await counter.getCount() });
      case "DELETE":
        return json({ name, count: await counter.reset() });
      default:
        return json({ error: "method not allowed" }, 405, { Allow: "GET, HEAD, DELETE" });
    }
  },
};
