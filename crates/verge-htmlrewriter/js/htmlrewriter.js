// HTMLRewriter (Cloudflare's streaming HTML rewriter API), over the host operations of
// verge-htmlrewriter src/js.rs (internal.htmlRewriterOps). Loaded on first use of
// `HTMLRewriter` (js/lazy.js of verge-web). Built-ins come from `primordials`
// (crates/verge-js/js/primordials.js): nothing here calls a method a guest can replace.
"use strict";
const { TypeError: $TypeError, String: $String, SymbolToStringTag } = primordials;
// The captured `Promise.prototype.then` the host waits on promises with (src/js.rs).
const rawThen = primordials.PromisePrototype.then;
const ops = internal.htmlRewriterOps;
const { Response } = internal.fetchClasses;
const headersToFlat = internal.headersToFlat, headersFromFlat = internal.headersFromFlat;

// A handler of a handlers object: a function or nothing (read once, at registration, as in
// workerd; called with the handlers object as `this`).
function handler(handlers, name) {
  const f = handlers[name];
  if (f === undefined || f === null) return undefined;
  if (typeof f !== "function") throw new $TypeError("Failed to execute 'on' on 'HTMLRewriter': the '" + name + "' handler is not a function.");
  return f;
}
function handlersObject(h, method) {
  if (h === null || (typeof h !== "object" && typeof h !== "function"))
    throw new $TypeError("Failed to execute '" + method + "' on 'HTMLRewriter': parameter " + (method === "on" ? 2 : 1) + " is not of type '" + (method === "on" ? "ElementHandlers" : "DocumentHandlers") + "'.");
  return h;
}

class HTMLRewriter {
  #elements = [];
  #documents = [];
  on(selector, handlers) {
    const s = $String(selector);
    const h = handlersObject(handlers, "on");
    ops.checkSelector(s);
    const e = this.#elements;
    e[e.length] = [s, h, handler(h, "element"), handler(h, "comments"), handler(h, "text")];
    return this;
  }
  onDocument(handlers) {
    const h = handlersObject(handlers, "onDocument");
    const d = this.#documents;
    d[d.length] = [h, handler(h, "doctype"), handler(h, "comments"), handler(h, "text"), handler(h, "end")];
    return this;
  }
  transform(response) {
    const head = internal.responseHead(response);
    if (head === null) throw new $TypeError("Failed to execute 'transform' on 'HTMLRewriter': parameter 1 is not of type 'Response'.");
    // [status, headers, type, hasWebSocket, statusText]; Content-Length is dropped (the
    // rewritten body has another length).
    const flat = headersToFlat(head[1]);
    let contentType = null;
    const kept = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const n = flat[i];
      if (n === "content-length") continue;
      if (n === "content-type") contentType = flat[i + 1];
      kept[kept.length] = n;
      kept[kept.length] = flat[i + 1];
    }
    const body = internal.hostBody(response);
    // No body: nothing to rewrite (workerd returns the response itself).
    if (body === null) return response;
    const session = ops.start(this.#elements, this.#documents, contentType, body, rawThen);
    const stream = internal.streams.fromPull(() => session.next(), () => { session.cancel(); });
    return new Response(stream, { status: head[0], statusText: head[4], headers: headersFromFlat(kept, false) });
  }
  get [SymbolToStringTag]() { return "HTMLRewriter"; }
}

internal.defineGlobal("HTMLRewriter", HTMLRewriter);
