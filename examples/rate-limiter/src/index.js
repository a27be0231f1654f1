// A sliding-window rate limiter: one Durable Object per client key.
//
// The key is the `?key=` query parameter when present (e.g. an API key), otherwise the
// client's IP address from `CF-Connecting-IP`. Each object keeps the timestamps of the
// requests it allowed during the last WINDOW_SECONDS seconds; a request is allowed while
// fewer than LIMIT timestamps are in the window.
//
// Every response carries
//   X-RateLimit-Limit      the limit (requests per window)
//   X-RateLimit-Remaining  requests still allowed in the current window
//   X-RateLimit-Reset      seconds until the oldest counted request leaves the window
// and a rejected request gets 429 with `Retry-After` (seconds).
import { DurableObject } from "cloudflare:workers";

function config(env) {
  const limit = Number(env.LIMIT ?? 5);
  const windowSeconds = Number(env.WINDOW_SECONDS ?? 60);
  if (!Number.isInteger(limit) || limit < 1) throw new Error("LIMIT must be a positive integer");
  if (!(windowSeconds > 0)) throw new Error("WINDOW_SECONDS must be positive");
  return { limit, windowMs: windowSeconds * 1000 };
}

export class RateLimiter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ({ limit: this.limit, windowMs: this.windowMs } = config(env));
  }

  // Records a request if it is allowed and reports the limiter's state. The read-modify-write
  // below is atomic: the input gate holds other events while storage is being accessed.
  async check() {
    const now = Date.now();
    const since = now - this.windowMs;
    const hits = ((await this.ctx.storage.get("hits")) ?? []).filter((t) => t > since);
    const allowed = hits.length < this.limit;
    if (allowed) {
      hits.push(now);
      await this.ctx.storage.put("hits", hits);
      // Clean up once the client has been quiet for a whole window.
      await this.ctx.storage.setAlarm(now + this.windowMs);
    }
    const resetMs = Math.max(hits[0] + this.windowMs - now, 0);
    return {
      allowed,
      limit: this.limit,
      remaining: this.limit - hits.length,
      resetSeconds: Math.max(Math.ceil(resetMs / 1000), 1),
    };
  }

  async alarm() {
    const since = Date.now() - this.windowMs;
    const hits = ((await this.ctx.storage.get("hits")) ?? []).filter((t) => t > since);
    if (hits.length === 0) {
      await this.ctx.storage.deleteAll();
    } else {
      await this.ctx.storage.put("hits", hits);
      await this.ctx.storage.setAlarm(hits[hits.length - 1] + this.windowMs);
    }
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const apiKey = url.searchParams.get("key");
    const key = apiKey
      ? `key:${apiKey}`
      : `ip:${request.headers.get("cf-connecting-ip") ?? "unknown"}`;

    const result = await env.RATE_LIMITER.getByName(key).check();
    const headers = {
      "X-RateLimit-Limit": String(result.limit),
      "X-RateLimit-Remaining": String(result.remaining),
      "X-RateLimit-Reset": String(result.resetSeconds),
    };
    if (!result.allowed) {
      return Response.json(
        { error: "rate limit exceeded", retryAfter: result.resetSeconds },
        { status: 429, headers: { ...headers, "Retry-After": String(result.resetSeconds) } },
      );
    }
    // A real deployment would forward to the origin here: `return fetch(request)` with the
    // headers added. The example answers itself.
    return Response.json({ ok: true, key, remaining: result.remaining }, { headers });
  },
};
