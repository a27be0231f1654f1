// Request, Response, fetch (https://fetch.spec.whatwg.org/), and the hooks the host uses to
// deliver a request to the worker's `fetch` handler and read its response (internal.serve,
// internal.readChunk, internal.settleWaitUntil).
"use strict";
// Streams load on first use (js/lazy.js): bodies given as strings or bytes never need them.
let streams = null;
const S = () => streams || (streams = internal.streams);
const { TypeError: $TypeError, RangeError: $RangeError, Symbol: $Symbol, Uint8Array: $Uint8Array,
        ArrayBuffer: $ArrayBuffer, JSON: $JSON, Promise: $Promise, DOMException: $DOMException } = globalThis;
const isView = $ArrayBuffer.isView;
const encode = internal.encoding.encode;
const decode = internal.encoding.decodeUtf8;
const { Headers } = globalThis;
// URL loads on first use (js/lazy.js); requests from the host carry their URL as a string.
const urlClasses = () => internal.urlClasses;
const headersFromFlat = internal.headersFromFlat;
const copyHeaders = (h) => new Headers(h);
const USED = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";

function toBytes(x) {
  if (x instanceof $Uint8Array) return x;
  if (x instanceof $ArrayBuffer) return new $Uint8Array(x);
  if (isView(x)) return new $Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  return null;
}
function copyBytes(x) { const b = toBytes(x); return b ? b.slice() : null; }
function concat(chunks) {
  let n = 0; for (const c of chunks) n += c.byteLength;
  const out = new $Uint8Array(n); let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.byteLength; }
  return out;
}
internal.bodyBytes = { toBytes, concat };
// Blob, File and FormData load on first use (js/form.js, js/lazy.js).
const form = () => internal.form;

// ---- Body ----
// A body is one of: null; {text}; {bytes}; {reader} (a host stream not yet exposed to JS);
// {stream} (a ReadableStream). Conversions happen lazily, so bodies that are never read as
// streams never build one.
function extractBody(init) {
  if (init === null || init === undefined) return [null, null];
  if (typeof init === "string") return [{ text: init }, "text/plain;charset=UTF-8"];
  const b = copyBytes(init);
  if (b) return [{ bytes: b }, null];
  const F = form();
  if (init instanceof F.Blob) return [{ bytes: init[F.kBytes] }, init.type || null];
  if (init instanceof urlClasses().URLSearchParams) return [{ text: init.toString() }, "application/x-www-form-urlencoded;charset=UTF-8"];
  if (init instanceof F.FormData) { const m = F.multipartEncode(init); return [{ bytes: m.bytes }, m.type]; }
  if (S().isReadableStream(init)) {
    if (S().isDisturbed(init) || S().isLocked(init)) throw new $TypeError("The ReadableStream used as a body has already been read or is locked.");
    return [{ stream: init }, null];
  }
  return [{ text: String(init) }, "text/plain;charset=UTF-8"];
}

const kState = $Symbol("body");
function bodyStream(state) {
  if (state.src === null) return null;
  const s = state.src;
  if (s.stream) return s.stream;
  let stream;
  if (s.text !== undefined) stream = S().fromBytes(encode(s.text));
  else if (s.bytes) stream = S().fromBytes(s.bytes);
  else { const r = s.reader; stream = S().fromPull(() => internal.readBody(r), () => internal.cancelBody(r)); }
  state.src = { stream };
  return stream;
}
function bodyUsed(state) {
  return state.used || (state.src !== null && state.src.stream !== undefined && S().isDisturbed(state.src.stream));
}
async function readHostBody(reader) {
  const chunks = [];
  for (;;) { const c = await internal.readBody(reader); if (c === undefined) break; chunks.push(c); }
  return concat(chunks);
}
function consume(state) {
  if (bodyUsed(state)) return $Promise.reject(new $TypeError(USED));
  const s = state.src;
  if (s !== null && s.stream && S().isLocked(s.stream)) return $Promise.reject(new $TypeError("This ReadableStream is currently locked to a reader."));
  state.used = true;
  if (s === null) return $Promise.resolve(new $Uint8Array(0));
  if (s.text !== undefined) return $Promise.resolve(s.text);
  if (s.bytes) return $Promise.resolve(s.bytes);
  if (s.reader) return readHostBody(s.reader);
  return S().readAll(s.stream);
}
const asBytes = (v) => typeof v === "string" ? encode(v) : v;
const asText = (v) => typeof v === "string" ? v : decode(v);

function mixinBody(C) {
  Object.defineProperties(C.prototype, {
    body: { get() { return bodyStream(this[kState]); }, enumerable: true, configurable: true },
    bodyUsed: { get() { return bodyUsed(this[kState]); }, enumerable: true, configurable: true },
  });
  Object.assign(C.prototype, {
    async arrayBuffer() { const b = asBytes(await consume(this[kState])); return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : b.slice().buffer; },
    async bytes() { return asBytes(await consume(this[kState])); },
    async text() { return asText(await consume(this[kState])); },
    async json() { return $JSON.parse(asText(await consume(this[kState]))); },
    async blob() { const b = asBytes(await consume(this[kState])); return new (form().Blob)([b], { type: this.headers.get("content-type") || "" }); },
    async formData() {
      const ct = this.headers.get("content-type") || "";
      const v = await consume(this[kState]);
      if (/^multipart\/form-data/i.test(ct)) return form().multipartParse(asBytes(v), ct);
      if (/^application\/x-www-form-urlencoded/i.test(ct)) {
        const f = new (form().FormData)();
        for (const [k, val] of internal.url.formParse(asText(v))) f.append(k, val);
        return f;
      }
      throw new $TypeError(`Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded (got "${ct}")`);
    },
  });
}
function cloneState(state) {
  if (bodyUsed(state)) throw new $TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
  const s = state.src;
  if (s === null) return { src: null, used: false };
  if (s.text !== undefined || s.bytes) return { src: s, used: false };
  const [a, b] = bodyStream(state).tee();
  state.src = { stream: a };
  return { src: { stream: b }, used: false };
}

// ---- Request ----
const kInternal = $Symbol("internal");
const METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
class Request {
  #url; #method; #headers; #redirect; #signal; #cf; #cfJson; #fetcher;
  constructor(input, init = undefined) {
    if (input === kInternal) {
      // init: [method, url, headers, reader, cfJson] (indexed: destructuring runs the iterator protocol).
      const reader = init[3];
      this.#method = init[0]; this.#url = init[1]; this.#headers = init[2]; this.#redirect = "manual";
      this.#signal = null; this.#cf = undefined; this.#cfJson = init[4];
      this[kState] = { src: reader ? { reader } : null, used: false };
      return;
    }
    if (arguments.length === 0) throw new $TypeError("Failed to construct 'Request': 1 argument required, but only 0 present.");
    init = init === undefined || init === null ? {} : init;
    let src = null, from = null;
    if (input instanceof Request) {
      from = input;
      this.#url = input.url; this.#method = input.method; this.#redirect = input.redirect;
      this.#cf = input.cf; this.#signal = input.signal;
    } else {
      const u = urlClasses().URL.parse(String(input));
      if (!u) throw new $TypeError(`Invalid URL: ${String(input)}`);
      this.#url = u.href; this.#method = "GET"; this.#redirect = "follow"; this.#signal = null;
    }
    if (init.method !== undefined) {
      const m = String(init.method);
      if (!TOKEN.test(m)) throw new $TypeError(`Invalid HTTP method: ${m}`);
      this.#method = m.toUpperCase();
    }
    if (init.redirect !== undefined) {
      const r = String(init.redirect);
      if (r !== "follow" && r !== "manual" && r !== "error") throw new $TypeError(`Invalid redirect value: ${r}`);
      this.#redirect = r;
    }
    if (init.signal !== undefined) this.#signal = init.signal;
    if (init.cf !== undefined) this.#cf = init.cf;
    this.#headers = init.headers !== undefined ? new Headers(init.headers) : from ? copyHeaders(from.headers) : new Headers();
    let ctype = null;
    if (init.body !== undefined && init.body !== null) {
      [src, ctype] = extractBody(init.body);
      if (from && init.body === from.body) from[kState].used = true;
    } else if (from) {
      if (bodyUsed(from[kState])) throw new $TypeError("Cannot construct a Request with a Request object that has already been used.");
      src = from[kState].src;
      if (src !== null) { from[kState].used = true; }
    }
    if (src !== null && (this.#method === "GET" || this.#method === "HEAD"))
      throw new $TypeError("Request with a GET or HEAD method cannot have a body.");
    if (ctype !== null && !this.#headers.has("content-type")) this.#headers.set("content-type", ctype);
    this[kState] = { src, used: false };
  }
  get url() { return this.#url; }
  get method() { return this.#method; }
  get headers() { return this.#headers; }
  get redirect() { return this.#redirect; }
  get signal() { if (!this.#signal) this.#signal = internal.events.newSignal(); return this.#signal; }
  get cf() {
    if (this.#cf === undefined && this.#cfJson) { this.#cf = $JSON.parse(this.#cfJson); this.#cfJson = null; }
    return this.#cf;
  }
  get fetcher() { return null; }
  get cache() { return undefined; }
  get integrity() { return ""; }
  get keepalive() { return false; }
  clone() {
    const r = new Request(kInternal, [this.#method, this.#url, copyHeaders(this.#headers), null, this.#cfJson]);
    r.#redirect = this.#redirect; r.#cf = this.#cf; r.#signal = this.#signal;
    r[kState] = cloneState(this[kState]);
    return r;
  }
  get [Symbol.toStringTag]() { return "Request"; }
}
mixinBody(Request);

// ---- Response ----
const NULL_BODY = new Set([101, 204, 205, 304]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
class Response {
  #status; #statusText; #headers; #type; #url; #redirected; #webSocket; #cf;
  constructor(body = null, init = undefined) {
    if (body === kInternal) {
      // init: [status, statusText, headers, reader, url, redirected].
      const reader = init[3];
      this.#status = init[0]; this.#statusText = init[1]; this.#headers = init[2]; this.#type = "default";
      this.#url = init[4]; this.#redirected = init[5]; this.#webSocket = null;
      this[kState] = { src: reader ? { reader } : null, used: false };
      return;
    }
    init = init === undefined || init === null ? {} : init;
    const status = init.status === undefined ? 200 : Number(init.status);
    const ws = init.webSocket === undefined ? null : init.webSocket;
    if (!(Number.isInteger(status) && ((status >= 200 && status <= 599) || (status === 101 && ws !== null))))
      throw new $RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive (got ${init.status}).`);
    const statusText = init.statusText === undefined ? "" : String(init.statusText);
    if (statusText !== "" && /[\r\n]/.test(statusText)) throw new $TypeError("Invalid statusText");
    this.#status = status; this.#statusText = statusText;
    this.#headers = init.headers !== undefined ? new Headers(init.headers) : new Headers();
    this.#type = "default"; this.#url = ""; this.#redirected = false; this.#webSocket = ws; this.#cf = init.cf;
    const extracted = extractBody(body), src = extracted[0], ctype = extracted[1];
    if (src !== null && NULL_BODY.has(status)) throw new $TypeError(`Response with null body status (${status}) cannot have a body.`);
    if (ctype !== null && !this.#headers.has("content-type")) this.#headers.set("content-type", ctype);
    this[kState] = { src, used: false };
  }
  static json(data, init = undefined) {
    const text = $JSON.stringify(data);
    if (text === undefined) throw new $TypeError("Response.json: the data is not JSON-serializable.");
    const r = new Response(text, init);
    r.#headers.set("content-type", "application/json");
    return r;
  }
  static redirect(url, status = 302) {
    const u = urlClasses().URL.parse(String(url));
    if (!u) throw new $TypeError(`Invalid URL: ${String(url)}`);
    status = Number(status);
    if (!REDIRECTS.has(status)) throw new $RangeError(`Invalid status code for a redirect: ${status}. Must be 301, 302, 303, 307 or 308.`);
    return new Response(null, { status, headers: { location: u.href } });
  }
  static error() {
    const r = new Response(null, { status: 200 });
    r.#status = 0; r.#type = "error"; internal.setHeadersGuard(r.#headers, true);
    return r;
  }
  get status() { return this.#status; }
  get statusText() { return this.#statusText; }
  get ok() { return this.#status >= 200 && this.#status <= 299; }
  get headers() { return this.#headers; }
  get type() { return this.#type; }
  get url() { return this.#url; }
  get redirected() { return this.#redirected; }
  get webSocket() { return this.#webSocket; }
  get cf() { return this.#cf; }
  clone() {
    if (this.#webSocket) throw new $TypeError("Cannot clone a response to a WebSocket handshake.");
    const r = new Response(kInternal, [this.#status, this.#statusText, copyHeaders(this.#headers), null, this.#url, this.#redirected]);
    r.#type = this.#type; r.#cf = this.#cf;
    r[kState] = cloneState(this[kState]);
    return r;
  }
  static parts(r) { return [r.#status, r.#headers, r.#type, r.#webSocket]; }
  get [Symbol.toStringTag]() { return "Response"; }
}
mixinBody(Response);

// ---- fetch ----
async function fetch(input, init = undefined) {
  const req = new Request(input, init);
  const u = urlClasses().URL.parse(req.url);
  if (!u || (u.protocol !== "http:" && u.protocol !== "https:"))
    throw new $TypeError(`Fetch API cannot load: ${req.url}`);
  const signal = init && init.signal !== undefined ? init.signal : input instanceof Request ? input.signal : null;
  if (signal && signal.aborted) throw signal.reason;
  if ((req.headers.get("upgrade") || "").toLowerCase() === "websocket") {
    if (req.method !== "GET") throw new $TypeError("A WebSocket upgrade request must use GET.");
    return internal.ws.connectForFetch(req.url, req.headers);
  }
  let body = null;
  const st = req[kState];
  if (st.src !== null) {
    const v = await consume(st);
    body = asBytes(v);
  }
  const flat = [];
  for (const [k, v] of req.headers) flat.push(k, v);
  const call = internal.fetch(req.method, req.url, flat, body, req.redirect !== "follow");
  let r;
  if (signal) {
    r = await new $Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      call.then((v) => { signal.removeEventListener("abort", onAbort); resolve(v); },
                (e) => { signal.removeEventListener("abort", onAbort); reject(e); });
    });
  } else {
    r = await call;
  }
  if (req.redirect === "error" && REDIRECTS.has(r.status)) throw new $TypeError(`Fetch failed: redirect (${r.status}) with redirect mode "error"`);
  const headers = headersFromFlat(r.headers, true);
  const nullBody = req.method === "HEAD" || NULL_BODY.has(r.status);
  if (nullBody) internal.cancelBody(r.body);
  return new Response(kInternal, [r.status, r.statusText, headers, nullBody ? null : r.body, r.url, r.redirected]);
}

// ---- host hooks ----

class ExecutionContext {
  #promises = [];
  waitUntil(p) { this.#promises.push($Promise.resolve(p)); }
  passThroughOnException() {}
  get props() { return {}; }
  static promises(ctx) { return ctx.#promises; }
}
internal.settleWaitUntil = async (ctx) => {
  const list = ExecutionContext.promises(ctx);
  const errors = [];
  let i = 0;
  while (i < list.length) {
    const batch = list.slice(i); i = list.length;
    for (const r of await $Promise.allSettled(batch)) if (r.status === "rejected") errors.push(internal.describeError(r.reason));
  }
  return errors;
};

// One entry per request: builds the Request and the ExecutionContext and calls the handler.
// Returns [result, ctx]: the host keeps ctx (waitUntil work may be registered at any time,
// even after a throw or while the request hangs). The result is the response's parts
// [status, headers, bodyKind, body], or [-1, error] for a throw, or a promise of either when
// the handler returned a promise. The promise never rejects: a rejection the host reads later
// would be reported as unhandled first. A handler that returns a Response directly is answered
// without an async frame, an await and a `then`.
internal.serve = (handler, env, method, url, headers, reader, cfJson) => {
  const ctx = new ExecutionContext();
  const request = new Request(kInternal, [method, url, headers, reader, cfJson]);
  let r;
  try {
    r = handler.fetch(request, env, ctx);
    if (r instanceof Response && r.then === undefined) return [responseParts(r), ctx];
    // A native promise (what an async handler returns) is read with one reaction; `await`
    // would take the same steps (no `then` lookup) plus an async frame.
    if (r instanceof $Promise && r.constructor === $Promise) return [promiseThen(r, partsOrError, errorParts), ctx];
  } catch (e) {
    return [[-1, e], ctx];
  }
  return [awaitResponse(r).then(undefined, errorParts), ctx];
};
internal.waitUntilCount = (ctx) => ExecutionContext.promises(ctx).length;
const promiseThen = Function.prototype.call.bind($Promise.prototype.then);
const errorParts = (e) => [-1, e];
function partsOrError(r) {
  try { return responseParts(r); } catch (e) { return [-1, e]; }
}
async function awaitResponse(r) { return responseParts(await r); }
function responseParts(r) {
  if (!(r instanceof Response)) throw new $TypeError(`Incorrect type for the 'fetch' handler's return value: expected a Response, got ${r === null ? "null" : typeof r}.`);
  const p = Response.parts(r), status = p[0], headers = p[1], type = p[2], webSocket = p[3];
  if (type === "error") throw new $TypeError("Return value from serve handler must not be an error response (like Response.error()).");
  if (webSocket) return [status, headers, 4, internal.ws.handOver(webSocket)];
  const st = r[kState];
  if (bodyUsed(st)) throw new $TypeError("The Response returned by the fetch handler has a body that was already used.");
  const s = st.src;
  if (s === null) return [status, headers, 0, null];
  st.used = true;
  if (s.text !== undefined) return [status, headers, 1, s.text];
  if (s.bytes) return [status, headers, 2, s.bytes];
  const stream = bodyStream(st);
  return [status, headers, 3, S().getReader(stream)];
}
// Resolves to a chunk, `undefined` at the end, or `[error]`; never rejects (see internal.serve).
internal.readChunk = (reader) => reader.read().then(({ done, value }) => {
  if (done) return undefined;
  const b = toBytes(value);
  if (!b) return [new $TypeError("A ReadableStream used as a response body must produce ArrayBuffer or ArrayBufferView chunks.")];
  return b;
}, (e) => [e]);

for (const [name, value] of Object.entries({ Request, Response, fetch })) internal.defineGlobal(name, value);
