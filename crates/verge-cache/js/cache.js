// The Cache API (workers-api.md §7): `caches.default`, `caches.open(name)`, `Cache.match`,
// `put`, `delete`, and `ctx.cache.purge` (internal.executionCache), over the host operations
// of verge-cache src/js.rs (internal.cacheOps). Loaded on first use of `caches`, `Cache`,
// `CacheStorage` or `ctx.cache` (js/lazy.js of verge-web; the stand-ins are put in place before
// guest code runs). Built-ins come from `primordials` (crates/verge-js/js/primordials.js).
"use strict";
const { TypeError: $TypeError, Symbol: $Symbol, String: $String,
        PromisePrototypeThen, PromiseResolve, PromiseReject, SymbolToStringTag } = primordials;
// The captured `Promise.prototype.then` the host's body pump waits with (src/js.rs put).
const rawThen = primordials.PromisePrototype.then;
const ops = internal.cacheOps;
const Request = internal.fetchClasses.Request;
const headersToFlat = internal.headersToFlat, headersFromFlat = internal.headersFromFlat;
const requestHead = internal.requestHead, responseHead = internal.responseHead;
const kToken = $Symbol("cache");

// [method, url, headers] of a Request, or of `new Request(input)` for a URL.
function head(input) {
  const h = requestHead(input);
  return h !== null ? h : requestHead(new Request(input));
}
// A match result [status, flatHeaders, body] as a Response (its body streams from the cache).
function toResponse(r) {
  return r === undefined ? undefined : internal.hostResponse(r[0], headersFromFlat(r[1], false), r[2]);
}
const ignoring = (options) => options !== undefined && options !== null && !!options.ignoreMethod;

class Cache {
  #ns;
  constructor(token, ns) {
    if (token !== kToken) throw new $TypeError("Illegal constructor");
    this.#ns = ns;
  }
  match(request, options = undefined) {
    try {
      const h = head(request);
      return PromisePrototypeThen(ops.match(this.#ns, h[0], ignoring(options), h[1], headersToFlat(h[2])), toResponse);
    } catch (e) {
      return PromiseReject(e);
    }
  }
  put(request, response) {
    try {
      const r = responseHead(response);
      if (r === null) throw new $TypeError("Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'.");
      // Rejects rather than throws (workerd with capture_async_api_throws, on by default).
      ops.checkResponse(r[2]);
      const h = head(request);
      ops.checkPut(h[0], r[0], headersToFlat(r[1]), r[3]);
      // A 304 is silently not stored (workerd), its body left alone.
      if (r[0] === 304) return PromiseResolve(undefined);
      const body = internal.hostBody(response);
      return ops.put(this.#ns, h[1], headersToFlat(h[2]), r[0], headersToFlat(r[1]), body, rawThen);
    } catch (e) {
      return PromiseReject(e);
    }
  }
  delete(request, options = undefined) {
    try {
      const h = head(request);
      return ops.delete(this.#ns, h[0], ignoring(options), h[1]);
    } catch (e) {
      return PromiseReject(e);
    }
  }
  add() { return PromiseReject(new $TypeError("Cache.add() is not implemented (as in Workers).")); }
  addAll() { return PromiseReject(new $TypeError("Cache.addAll() is not implemented (as in Workers).")); }
  get [SymbolToStringTag]() { return "Cache"; }
}

class CacheStorage {
  #default;
  constructor(token) {
    if (token !== kToken) throw new $TypeError("Illegal constructor");
    this.#default = new Cache(kToken, ops.defaultNamespace);
  }
  get default() { return this.#default; }
  open(name) {
    try {
      return PromiseResolve(new Cache(kToken, ops.open($String(name))));
    } catch (e) {
      return PromiseReject(e);
    }
  }
  get [SymbolToStringTag]() { return "CacheStorage"; }
}

// `ctx.cache`: purge from a worker, in the shape of Cloudflare's `ctx.cache.purge({tags,
// pathPrefixes, purgeEverything})` (plus verge's `hosts` and `urls`); resolves to
// `{success, errors}`.
const list = (v) => v === undefined || v === null ? null : v;
internal.executionCache = {
  purge(options) {
    try {
      const o = options === undefined || options === null ? {} : options;
      return ops.purge(list(o.tags), list(o.pathPrefixes), list(o.hosts), list(o.urls), !!o.purgeEverything);
    } catch (e) {
      return PromiseReject(e);
    }
  },
};

internal.defineGlobal("Cache", Cache);
internal.defineGlobal("CacheStorage", CacheStorage);
internal.defineGlobal("caches", new CacheStorage(kToken));
