// Request, Response, fetch (https://fetch.spec.whatwg.org/), and the hooks the host uses to
// deliver a request to the worker's `fetch` handler and read its response (internal.serve,
// internal.readChunk, internal.settleWaitUntil).
"use strict";
// String building: `+` and ToString, never template literals (see crates/verge-js/js/primordials.js).
const $toString = primordials.ToString;
// Built-ins come from `primordials` (crates/verge-js/js/primordials.js): this file runs when the
// isolate is made, but everything below runs after guest code, which may have replaced any
// global or prototype method.
// Streams load on first use (js/lazy.js): bodies given as strings or bytes never need them.
let streams = null;
const S = () => streams || (streams = internal.streams);
const { TypeError: $TypeError, RangeError: $RangeError, Symbol: $Symbol, Uint8Array: $Uint8Array,
        ArrayBuffer: $ArrayBuffer, Promise: $Promise, String: $String, Number: $Number, call,
        uncurryThis, ObjectStatics, JSONStatics, NumberStatics, ArrayBufferStatics, StringPrototype,
        RegExpPrototype, TypedArrayPrototype, TypedArrayPrototypeGetters, DataViewPrototypeGetters,
        ArrayBufferPrototypeGetters, HeadersPrototype,
        PromisePrototypeThen, PromiseResolve, PromiseReject, SymbolToStringTag } = primordials;
const isView = ArrayBufferStatics.isView;
const isInteger = NumberStatics.isInteger;
const JSONParse = JSONStatics.parse, JSONStringify = JSONStatics.stringify;
const TypedArraySet = uncurryThis(TypedArrayPrototype.set);
const TypedArrayTag = uncurryThis(TypedArrayPrototypeGetters[SymbolToStringTag]);
const TypedArrayByteLength = uncurryThis(TypedArrayPrototypeGetters.byteLength);
const TypedArrayByteOffset = uncurryThis(TypedArrayPrototypeGetters.byteOffset);
const TypedArrayBuffer = uncurryThis(TypedArrayPrototypeGetters.buffer);
const HeadersGet = uncurryThis(HeadersPrototype.get);
const RegExpExec = RegExpPrototype.exec;
const matches = (re, s) => call(RegExpExec, re, s) !== null;
const encode = internal.encoding.encode;
const decode = internal.encoding.decodeUtf8;
const { Headers } = globalThis;
const parseURL = internal.url.parse; // [href, origin, protocol, …] or null (src/url.rs)
// URLSearchParams and URL load on first use (js/lazy.js).
const urlClasses = () => internal.urlClasses;
const headersFromFlat = internal.headersFromFlat;
const headersToFlat = internal.headersToFlat;
// Appends `content-type` unless the headers have one (one host call for has + set).
const defaultContentType = internal.defaultContentType;
const TEXT_PLAIN = "text/plain;charset=UTF-8";
const copyHeaders = (h) => new Headers(h);
const USED = "Body has already been used. It can only be used once. Use tee() first if you need to read it twice.";

// A Uint8Array over the bytes of an ArrayBuffer or view (no copy), or null.
function toBytes(x) {
  if (isView(x)) {
    const tag = TypedArrayTag(x);
    if (tag === "Uint8Array") return x;
    if (tag !== undefined) return new $Uint8Array(TypedArrayBuffer(x), TypedArrayByteOffset(x), TypedArrayByteLength(x));
    const G = DataViewPrototypeGetters;
    return new $Uint8Array(call(G.buffer, x), call(G.byteOffset, x), call(G.byteLength, x));
  }
  if (x instanceof $ArrayBuffer) return new $Uint8Array(x);
  return null;
}
// A copy of the bytes (`new Uint8Array(typedArray)` copies without a species lookup).
function copyBytes(x) { const b = toBytes(x); return b ? new $Uint8Array(b) : null; }
function concat(chunks) {
  let n = 0;
  for (let i = 0; i < chunks.length; i++) n += TypedArrayByteLength(chunks[i]);
  const out = new $Uint8Array(n); let o = 0;
  for (let i = 0; i < chunks.length; i++) { TypedArraySet(out, chunks[i], o); o += TypedArrayByteLength(chunks[i]); }
  return out;
}
internal.bodyBytes = { toBytes, concat };
// Blob, File and FormData load on first use (js/form.js, js/lazy.js).
const form = () => internal.form;
const isNullBodyStatus = (s) => s === 101 || s === 204 || s === 205 || s === 304;
const isRedirectStatus = (s) => s === 301 || s === 302 || s === 303 || s === 307 || s === 308;

// ---- Body ----
// A body is one of: null; {text}; {bytes}; {reader} (a host stream not yet exposed to JS,
// with `abort` when a fetch() signal can end it, see abortableBody); {stream} (a ReadableStream). Conversions happen lazily, so bodies that are never read as
// streams never build one.
function extractBody(init) {
  if (init === null || init === undefined) return [null, null];
  if (typeof init === "string") return [{ text: init }, TEXT_PLAIN];
  const b = copyBytes(init);
  if (b) return [{ bytes: b }, null];
  const F = form();
  if (init instanceof F.Blob) { const type = F.blobType(init); return [{ bytes: init[F.kBytes] }, type || null]; }
  const U = urlClasses();
  if (init instanceof U.URLSearchParams) return [{ text: U.serializeParams(init) }, "application/x-www-form-urlencoded;charset=UTF-8"];
  if (init instanceof F.FormData) { const m = F.multipartEncode(init); return [{ bytes: m.bytes }, m.type]; }
  if (S().isReadableStream(init)) {
    if (S().isDisturbed(init) || S().isLocked(init)) throw new $TypeError("The ReadableStream used as a body has already been read or is locked.");
    return [{ stream: init }, null];
  }
  return [{ text: $String(init) }, TEXT_PLAIN];
}

const kState = $Symbol("body");
function bodyStream(state) {
  if (state.src === null) return null;
  const s = state.src;
  if (s.stream) return s.stream;
  let stream;
  if (s.text !== undefined) stream = S().fromBytes(encode(s.text));
  else if (s.bytes) stream = S().fromBytes(s.bytes);
  else { const r = s.reader; stream = S().fromPull(() => readHost(s), () => internal.cancelBody(r)); }
  state.src = { stream };
  return stream;
}
function bodyUsed(state) {
  return state.used || (state.src !== null && state.src.stream !== undefined && S().isDisturbed(state.src.stream));
}
// The next chunk of a host stream (`undefined` at its end); a fetch() signal aborted meanwhile
// rejects it with the signal's reason (Fetch standard, "fetch" step 11: the abort steps error
// the response body).
function readHost(src) {
  const a = src.abort;
  if (a === undefined) return internal.readBody(src.reader);
  if (a.aborted) return PromiseReject(a.reason);
  return new $Promise((resolve, reject) => {
    a.pending = reject;
    PromisePrototypeThen(internal.readBody(src.reader), (c) => {
      a.pending = null;
      if (c === undefined) a.stop();
      resolve(c);
    }, (e) => { a.pending = null; reject(e); });
  });
}
// Lets `signal` end a fetch() response's host body: an abort after the response arrived errors
// the pending and later reads with the signal's reason and cancels the host stream.
function abortableBody(src, signal, events) {
  const a = { aborted: false, reason: undefined, pending: null, stop: null };
  a.stop = events.onAbort(signal, () => {
    a.aborted = true; a.reason = events.signalReason(signal);
    internal.cancelBody(src.reader);
    if (a.pending !== null) a.pending(a.reason);
  });
  src.abort = a;
}
async function readHostBody(src) {
  const chunks = [];
  for (;;) { const c = await readHost(src); if (c === undefined) break; chunks[chunks.length] = c; }
  return concat(chunks);
}
function consume(state) {
  if (bodyUsed(state)) return PromiseReject(new $TypeError(USED));
  const s = state.src;
  if (s !== null && s.stream && S().isLocked(s.stream)) return PromiseReject(new $TypeError("This ReadableStream is currently locked to a reader."));
  // A null body is never disturbed: bodyUsed stays false (Fetch "consume body" reads empty bytes).
  if (s === null) return PromiseResolve(new $Uint8Array(0));
  state.used = true;
  if (s.text !== undefined) return PromiseResolve(s.text);
  if (s.bytes) return PromiseResolve(s.bytes);
  if (s.reader) return readHostBody(s);
  return S().readAll(s.stream);
}
const asBytes = (v) => typeof v === "string" ? encode(v) : v;
const asText = (v) => typeof v === "string" ? v : decode(v);
const MULTIPART = /^multipart\/form-data/i, URLENCODED = /^application\/x-www-form-urlencoded/i;

function mixinBody(C, headersOf) {
  ObjectStatics.defineProperties(C.prototype, {
    body: { get() { return bodyStream(this[kState]); }, enumerable: true, configurable: true },
    bodyUsed: { get() { return bodyUsed(this[kState]); }, enumerable: true, configurable: true },
  });
  ObjectStatics.assign(C.prototype, {
    async arrayBuffer() {
      const b = asBytes(await consume(this[kState]));
      const buf = TypedArrayBuffer(b), n = TypedArrayByteLength(b);
      return TypedArrayByteOffset(b) === 0 && n === call(ArrayBufferPrototypeGetters.byteLength, buf) ? buf : TypedArrayBuffer(new $Uint8Array(b));
    },
    async bytes() { return asBytes(await consume(this[kState])); },
    async text() { return asText(await consume(this[kState])); },
    async json() { return JSONParse(asText(await consume(this[kState]))); },
    async blob() {
      const type = HeadersGet(headersOf(this), "content-type") || "";
      const b = asBytes(await consume(this[kState]));
      return form().blobFromBytes(new $Uint8Array(b), type);
    },
    async formData() {
      const ct = HeadersGet(headersOf(this), "content-type") || "";
      const v = await consume(this[kState]);
      const F = form();
      if (matches(MULTIPART, ct)) return F.multipartParse(asBytes(v), ct);
      if (matches(URLENCODED, ct)) {
        const f = new F.FormData();
        const pairs = internal.url.formParse(asText(v));
        for (let i = 0; i < pairs.length; i++) F.append(f, pairs[i][0], pairs[i][1]);
        return f;
      }
      throw new $TypeError(("Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded (got \"" + $toString(ct) + "\")"));
    },
  });
}
function cloneState(state) {
  if (bodyUsed(state)) throw new $TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
  const s = state.src;
  if (s === null) return { src: null, used: false };
  if (s.text !== undefined || s.bytes) return { src: s, used: false };
  const branches = S().tee(bodyStream(state));
  state.src = { stream: branches[0] };
  return { src: { stream: branches[1] }, used: false };
}

// ---- Request ----
const kInternal = $Symbol("internal");
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CRLF = /[\r\n]/;
// A Request's and a Response's own state is one array (allocating it is cheap; each private
// field would be a property addition with a shape transition on every construction).
const RQ_URL = 0, RQ_METHOD = 1, RQ_HEADERS = 2, RQ_REDIRECT = 3, RQ_SIGNAL = 4, RQ_CF = 5, RQ_CFJSON = 6;
let isRequest, requestState;
class Request {
  #s; // [url, method, headers, redirect, signal, cf, cfJson]: see RQ_*
  constructor(input, init = undefined) {
    if (input === kInternal) {
      // init: [method, url, headers, reader, cfJson] (indexed: destructuring runs the iterator protocol).
      const reader = init[3];
      this.#s = [init[1], init[0], init[2], "manual", null, undefined, init[4]];
      this[kState] = { src: reader ? { reader } : null, used: false };
      return;
    }
    if (arguments.length === 0) throw new $TypeError("Failed to construct 'Request': 1 argument required, but only 0 present.");
    // RequestInit is a dictionary: undefined, null or an object (WebIDL §3.2.17).
    if (init !== undefined && init !== null && typeof init !== "object" && typeof init !== "function")
      throw new $TypeError("Failed to construct 'Request': The provided value is not of type 'RequestInit'.");
    init = init === undefined || init === null ? {} : init;
    let src = null, from = null;
    const st = this.#s = [undefined, undefined, undefined, undefined, undefined, undefined, undefined];
    if (isRequest(input)) {
      from = input;
      const fs = input.#s;
      st[RQ_URL] = fs[RQ_URL]; st[RQ_METHOD] = fs[RQ_METHOD]; st[RQ_REDIRECT] = fs[RQ_REDIRECT];
      st[RQ_CF] = requestCf(fs); st[RQ_SIGNAL] = requestSignal(fs);
    } else {
      const u = parseURL($String(input), null);
      if (!u) throw new $TypeError(("Invalid URL: " + $toString($String(input))));
      st[RQ_URL] = u[0]; st[RQ_METHOD] = "GET"; st[RQ_REDIRECT] = "follow"; st[RQ_SIGNAL] = null;
    }
    if (init.method !== undefined) {
      const m = $String(init.method);
      if (!matches(TOKEN, m)) throw new $TypeError(("Invalid HTTP method: " + $toString(m)));
      st[RQ_METHOD] = call(StringPrototype.toUpperCase, m);
    }
    if (init.redirect !== undefined) {
      const r = $String(init.redirect);
      if (r !== "follow" && r !== "manual" && r !== "error") throw new $TypeError(("Invalid redirect value: " + $toString(r)));
      st[RQ_REDIRECT] = r;
    }
    if (init.signal !== undefined) st[RQ_SIGNAL] = init.signal;
    if (init.cf !== undefined) st[RQ_CF] = init.cf;
    const headers = st[RQ_HEADERS] = init.headers !== undefined ? new Headers(init.headers) : from ? copyHeaders(from.#s[RQ_HEADERS]) : new Headers();
    let ctype = null;
    if (init.body !== undefined && init.body !== null) {
      const e = extractBody(init.body);
      src = e[0]; ctype = e[1];
      if (from && init.body === bodyStream(from[kState])) from[kState].used = true;
    } else if (from) {
      if (bodyUsed(from[kState])) throw new $TypeError("Cannot construct a Request with a Request object that has already been used.");
      src = from[kState].src;
      if (src !== null) { from[kState].used = true; }
    }
    if (src !== null && (st[RQ_METHOD] === "GET" || st[RQ_METHOD] === "HEAD"))
      throw new $TypeError("Request with a GET or HEAD method cannot have a body.");
    if (ctype !== null) defaultContentType(headers, ctype);
    this[kState] = { src, used: false };
  }
  get url() { return this.#s[RQ_URL]; }
  get method() { return this.#s[RQ_METHOD]; }
  get headers() { return this.#s[RQ_HEADERS]; }
  get redirect() { return this.#s[RQ_REDIRECT]; }
  get signal() { return requestSignal(this.#s); }
  get cf() { return requestCf(this.#s); }
  get fetcher() { return null; }
  get cache() { return undefined; }
  get integrity() { return ""; }
  get keepalive() { return false; }
  clone() {
    const st = this.#s;
    const r = new Request(kInternal, [st[RQ_METHOD], st[RQ_URL], copyHeaders(st[RQ_HEADERS]), null, st[RQ_CFJSON]]);
    const rs = r.#s;
    rs[RQ_REDIRECT] = st[RQ_REDIRECT]; rs[RQ_CF] = st[RQ_CF]; rs[RQ_SIGNAL] = st[RQ_SIGNAL];
    r[kState] = cloneState(this[kState]);
    return r;
  }
  static {
    // Brand checks and state access that a guest's Request[Symbol.hasInstance] or patched
    // getters cannot change.
    isRequest = (r) => r !== null && typeof r === "object" && #s in r;
    requestState = (r) => r.#s;
  }
  get [SymbolToStringTag]() { return "Request"; }
}
function requestSignal(st) {
  if (!st[RQ_SIGNAL]) st[RQ_SIGNAL] = internal.events.newSignal();
  return st[RQ_SIGNAL];
}
function requestCf(st) {
  if (st[RQ_CF] === undefined && st[RQ_CFJSON]) { st[RQ_CF] = JSONParse(st[RQ_CFJSON]); st[RQ_CFJSON] = null; }
  return st[RQ_CF];
}
mixinBody(Request, (r) => requestState(r)[RQ_HEADERS]);

// ---- Response ----
// The host reads a Response through this (set in the class body; not a public static).
let responseState, isResponse;
const RS_STATUS = 0, RS_STATUS_TEXT = 1, RS_HEADERS = 2, RS_TYPE = 3, RS_URL = 4, RS_REDIRECTED = 5, RS_WEBSOCKET = 6, RS_CF = 7, RS_MANUAL = 8;
class Response {
  #s; // [status, statusText, headers, type, url, redirected, webSocket, cf, encodeBody manual]: see RS_*
  constructor(body = null, init = undefined) {
    if (body === kInternal) {
      // init: [status, statusText, headers, reader, url, redirected].
      const reader = init[3];
      this.#s = [init[0], init[1], init[2], "default", init[4], init[5], null, undefined, false];
      this[kState] = { src: reader ? { reader } : null, used: false };
      return;
    }
    // ResponseInit is read once per member, in the dictionary's (lexicographic) order, and
    // converted as it is read; then the body is extracted; then the checks (the standard's
    // order). No init, the common case, reads nothing.
    let status = 200, statusIn, statusText = "", ws = null, cf, headers, manual = false;
    // ResponseInit is a dictionary: undefined, null or an object (WebIDL §3.2.17).
    if (init !== undefined && init !== null && typeof init !== "object" && typeof init !== "function")
      throw new $TypeError("Failed to construct 'Response': The provided value is not of type 'ResponseInit'.");
    if (init !== undefined && init !== null) {
      cf = init.cf;
      // Workers' `encodeBody`: "manual" when the body is already in its Content-Encoding.
      const enc = init.encodeBody;
      if (enc !== undefined) {
        const e = $String(enc);
        if (e === "manual") manual = true;
        else if (e !== "automatic") throw new $TypeError(("encodeBody must be \"automatic\" or \"manual\", got \"" + e + "\"."));
      }
      const h = init.headers;
      headers = h !== undefined ? new Headers(h) : new Headers();
      statusIn = init.status;
      if (statusIn !== undefined) status = $Number(statusIn);
      const t = init.statusText;
      if (t !== undefined) statusText = $String(t);
      const w = init.webSocket;
      if (w !== undefined && w !== null) ws = w;
    } else {
      headers = new Headers();
    }
    let src = null, ctype = null;
    if (typeof body === "string") { src = { text: body }; ctype = TEXT_PLAIN; }
    else if (body !== null) { const e = extractBody(body); src = e[0]; ctype = e[1]; }
    if (!(isInteger(status) && ((status >= 200 && status <= 599) || (status === 101 && ws !== null))))
      throw new $RangeError(("Responses may only be constructed with status codes in the range 200 to 599, inclusive (got " + $toString(statusIn) + ")."));
    if (statusText !== "" && matches(CRLF, statusText)) throw new $TypeError("Invalid statusText");
    if (src !== null && isNullBodyStatus(status)) throw new $TypeError(("Response with null body status (" + $toString(status) + ") cannot have a body."));
    if (ctype !== null) defaultContentType(headers, ctype);
    this.#s = [status, statusText, headers, "default", "", false, ws, cf, manual];
    this[kState] = { src, used: false };
  }
  static json(data, init = undefined) {
    const text = JSONStringify(data);
    if (text === undefined) throw new $TypeError("Response.json: the data is not JSON-serializable.");
    // The body as bytes (a string would bring text/plain): "initialize a response" sets the
    // body's type only when init's headers have none.
    const r = new Response(encode(text), init);
    if (HeadersGet(r.#s[RS_HEADERS], "content-type") === null)
      call(HeadersPrototype.set, r.#s[RS_HEADERS], "content-type", "application/json");
    return r;
  }
  static redirect(url, status = 302) {
    const u = parseURL($String(url), null);
    if (!u) throw new $TypeError(("Invalid URL: " + $toString($String(url))));
    status = $Number(status);
    if (!isRedirectStatus(status)) throw new $RangeError(("Invalid status code for a redirect: " + $toString(status) + ". Must be 301, 302, 303, 307 or 308."));
    return new Response(null, { status, headers: { location: u[0] } });
  }
  static error() {
    const r = new Response(null, { status: 200 });
    const st = r.#s; st[RS_STATUS] = 0; st[RS_TYPE] = "error"; internal.setHeadersGuard(st[RS_HEADERS], true);
    return r;
  }
  get status() { return this.#s[RS_STATUS]; }
  get statusText() { return this.#s[RS_STATUS_TEXT]; }
  get ok() { const s = this.#s[RS_STATUS]; return s >= 200 && s <= 299; }
  get headers() { return this.#s[RS_HEADERS]; }
  get type() { return this.#s[RS_TYPE]; }
  get url() { return this.#s[RS_URL]; }
  get redirected() { return this.#s[RS_REDIRECTED]; }
  get webSocket() { return this.#s[RS_WEBSOCKET]; }
  get cf() { return this.#s[RS_CF]; }
  clone() {
    const st = this.#s;
    if (st[RS_WEBSOCKET]) throw new $TypeError("Cannot clone a response to a WebSocket handshake.");
    const r = new Response(kInternal, [st[RS_STATUS], st[RS_STATUS_TEXT], copyHeaders(st[RS_HEADERS]), null, st[RS_URL], st[RS_REDIRECTED]]);
    r.#s[RS_TYPE] = st[RS_TYPE]; r.#s[RS_CF] = st[RS_CF]; r.#s[RS_MANUAL] = st[RS_MANUAL];
    r[kState] = cloneState(this[kState]);
    return r;
  }
  static {
    responseState = (r) => r.#s;
    isResponse = (r) => r !== null && typeof r === "object" && #s in r;
  }
  get [SymbolToStringTag]() { return "Response"; }
}
mixinBody(Response, (r) => responseState(r)[RS_HEADERS]);

// ---- fetch ----
async function fetch(input, init = undefined) {
  const req = new Request(input, init);
  const st = requestState(req);
  const url = st[RQ_URL], method = st[RQ_METHOD], headers = st[RQ_HEADERS], redirect = st[RQ_REDIRECT];
  const u = parseURL(url, null);
  if (!u || (u[2] !== "http:" && u[2] !== "https:"))
    throw new $TypeError(("Fetch API cannot load: " + $toString(url)));
  const signal = init && init.signal !== undefined ? init.signal : isRequest(input) ? requestSignal(requestState(input)) : null;
  const events = signal ? internal.events : null;
  if (signal && events.signalAborted(signal)) throw events.signalReason(signal);
  if (call(StringPrototype.toLowerCase, HeadersGet(headers, "upgrade") || "") === "websocket") {
    if (method !== "GET") throw new $TypeError("A WebSocket upgrade request must use GET.");
    return await internal.ws.connectForFetch(url, headers);
  }
  let body = null;
  const bs = req[kState];
  if (bs.src !== null) {
    const v = await consume(bs);
    body = asBytes(v);
  }
  // `cf` cache options (cacheTtl, cacheEverything, cacheKey, ...) go through the subrequest
  // cache when one is installed (verge-cache: internal.cachedFetch), which fetches on a miss.
  const cf = st[RQ_CF], cached = internal.cachedFetch;
  const call_ = cached !== undefined && cf !== null && typeof cf === "object"
    ? cached(method, url, headersToFlat(headers), body, redirect !== "follow", cf)
    : internal.fetch(method, url, headersToFlat(headers), body, redirect !== "follow");
  let r;
  if (signal) {
    r = await new $Promise((resolve, reject) => {
      const stop = events.onAbort(signal, () => reject(events.signalReason(signal)));
      PromisePrototypeThen(call_, (v) => { stop(); resolve(v); }, (e) => { stop(); reject(e); });
    });
  } else {
    r = await call_;
  }
  if (redirect === "error" && isRedirectStatus(r.status)) throw new $TypeError(("Fetch failed: redirect (" + $toString(r.status) + ") with redirect mode \"error\""));
  const responseHeaders = headersFromFlat(r.headers, true);
  const nullBody = method === "HEAD" || isNullBodyStatus(r.status);
  if (nullBody) internal.cancelBody(r.body);
  const response = new Response(kInternal, [r.status, r.statusText, responseHeaders, nullBody ? null : r.body, r.url, r.redirected]);
  if (signal && !nullBody && r.body !== null) abortableBody(response[kState].src, signal, events);
  return response;
}

// ---- host hooks ----

class ExecutionContext {
  #promises = null; // created by the first waitUntil: most requests register none
  #passThrough = false;
  #props;
  // `props`: the calling service binding's `props` (a fresh object per event).
  constructor(token = undefined, props = undefined) { this.#props = token === kInternal && props !== undefined ? props : {}; }
  waitUntil(p) {
    p = PromiseResolve(p);
    if (this.#promises === null) this.#promises = [p];
    else this.#promises[this.#promises.length] = p;
  }
  // On Cloudflare an exception then sends the request on to the origin. verge has no origin:
  // the error is answered as without the call, and the log says so (invoke.rs).
  passThroughOnException() { this.#passThrough = true; }
  get props() { return this.#props; }
  // Purge from a worker (verge-cache js/cache.js); undefined where no cache is installed.
  get cache() { return internal.executionCache; }
  static promises(ctx) { return ctx.#promises === null ? (ctx.#promises = []) : ctx.#promises; }
  static count(ctx) { return ctx.#promises === null ? 0 : ctx.#promises.length; }
  static passThrough(ctx) { return ctx.#passThrough; }
}
// Waits for promises `from..list.length` of `list` (more may be added meanwhile) and resolves
// with the descriptions of their rejections. Promise.allSettled would call each promise's `then`
// (which a guest may have replaced) and `Promise.resolve` as they are at the time.
function settleAll(list, from, errors) {
  const n = list.length;
  if (from >= n) return PromiseResolve(errors);
  return new $Promise((resolve) => {
    let left = n - from;
    // Chained through the captured `then`: resolve(promise) would look up `then` on it.
    const done = () => { if (--left === 0) PromisePrototypeThen(settleAll(list, n, errors), resolve); };
    for (let i = from; i < n; i++) {
      PromisePrototypeThen(PromiseResolve(list[i]), done, (e) => { errors[errors.length] = internal.describeError(e); done(); });
    }
  });
}
function newExecutionContext(propsJson) {
  return new ExecutionContext(kInternal, propsJson === null || propsJson === undefined ? undefined : JSONParse(propsJson));
}
internal.newExecutionContext = newExecutionContext;
internal.settleWaitUntil = (ctx) => settleAll(ExecutionContext.promises(ctx), 0, []);

// One entry per request: builds the Request and the ExecutionContext and calls the handler.
// Returns [result, ctx]: the host keeps ctx (waitUntil work may be registered at any time,
// even after a throw or while the request hangs). The result is the response's parts
// [status, headers, bodyKind, body], or [-1, error] for a throw, or a promise of either when
// the handler returned a promise. The promise never rejects: a rejection the host reads later
// would be reported as unhandled first. A handler that returns a Response directly is answered
// without an async frame, an await and a `then`.
// `handler` is the default export (an object), or a WorkerEntrypoint class (the default export
// or a named entrypoint) made for this event with its ctx and env; `propsJson` the calling
// service binding's `props`.
internal.serve = (handler, env, method, url, headers, reader, cfJson, propsJson = null) => {
  const ctx = newExecutionContext(propsJson);
  const request = new Request(kInternal, [method, url, headers, reader, cfJson]);
  let r;
  try {
    if (typeof handler === "function") {
      const target = new handler(ctx, env);
      if (typeof target.fetch !== "function") throw new $TypeError("Handler does not export a fetch() function.");
      r = target.fetch(request);
    } else r = handler.fetch(request, env, ctx);
    if (isResponse(r) && r.then === undefined) return [responseParts(r), ctx];
    // A native promise (what an async handler returns) is read with one reaction; `await`
    // would take the same steps (no `then` lookup) plus an async frame.
    if (r instanceof $Promise && r.constructor === $Promise) return [PromisePrototypeThen(r, partsOrError, errorParts), ctx];
  } catch (e) {
    return [[-1, e], ctx];
  }
  return [PromisePrototypeThen(awaitResponse(r), undefined, errorParts), ctx];
};
internal.waitUntilCount = (ctx) => ExecutionContext.count(ctx);
internal.passThroughRequested = (ctx) => ExecutionContext.passThrough(ctx);

// A cron trigger's `scheduled(controller, env, ctx)`; the same envelope as internal.serve, with
// [0] for a handler that finished.
class ScheduledController {
  #cron; #time; #retry = true;
  constructor(token, cron, time) {
    if (token !== kInternal) throw new $TypeError("Illegal constructor");
    this.#cron = cron; this.#time = time;
  }
  get cron() { return this.#cron; }
  get scheduledTime() { return this.#time; }
  get type() { return "scheduled"; }
  noRetry() { this.#retry = false; }
  get [SymbolToStringTag]() { return "ScheduledController"; }
}
const doneParts = () => [0];
// Runs an event handler that answers nothing (`call(ctx)` calls it): `[result, ctx]`, the
// result `[0]`, `[-1, error]` or a promise of one.
function runEvent(call) {
  const ctx = new ExecutionContext();
  try {
    const r = call(ctx);
    if (r instanceof $Promise) return [PromisePrototypeThen(r, doneParts, errorParts), ctx];
    if (r !== null && (typeof r === "object" || typeof r === "function") && typeof r.then === "function")
      return [PromisePrototypeThen(PromiseResolve(r), doneParts, errorParts), ctx];
  } catch (e) {
    return [[-1, e], ctx];
  }
  return [[0], ctx];
}
internal.runScheduled = (handler, env, cron, time) =>
  runEvent((ctx) => handler.scheduled(new ScheduledController(kInternal, cron, time), env, ctx));
// A queue consumer's `queue(batch, env, ctx)` (src/queue.rs); the same envelope as
// internal.runScheduled. `messages` are [id, timestamp ms, contentType, body, attempts] with the
// body as stored (text for json/text/v8, an ArrayBuffer for bytes), decoded here before the
// handler runs; `host` records ack()/retry()/ackAll()/retryAll() (first call wins, a message's
// own call beats the batch's: the host applies that).
const $Date = primordials.Date;
class Message {
  #host; #i; #id; #timestamp; #body; #attempts;
  constructor(token, host, i, m) {
    if (token !== kInternal) throw new $TypeError("Illegal constructor");
    this.#host = host; this.#i = i; this.#id = m[0]; this.#timestamp = new $Date(m[1]);
    this.#body = decodeQueueBody(m[2], m[3]); this.#attempts = m[4];
  }
  get id() { return this.#id; }
  get timestamp() { return this.#timestamp; }
  get body() { return this.#body; }
  get attempts() { return this.#attempts; }
  ack() { this.#host.ack(this.#i); }
  retry(options = undefined) { this.#host.retry(this.#i, options); }
  get [SymbolToStringTag]() { return "Message"; }
}
function decodeQueueBody(type, body) {
  if (type === "json") return JSONParse(body);
  if (type === "v8") return internal.v8.deserialize(body);
  return body; // text: a string; bytes: an ArrayBuffer
}
class MessageBatch {
  #queue; #messages; #host; #metadata;
  constructor(token, queue, messages, host, metrics) {
    if (token !== kInternal) throw new $TypeError("Illegal constructor");
    this.#queue = queue; this.#host = host;
    const list = [];
    for (let i = 0; i < messages.length; i++) list[i] = new Message(kInternal, host, i, messages[i]);
    this.#messages = ObjectStatics.freeze(list);
    const m = { backlogCount: metrics[0], backlogBytes: metrics[1] };
    if (metrics[2] !== null && metrics[2] !== undefined) m.oldestMessageTimestamp = new $Date(metrics[2]);
    this.#metadata = { metrics: m };
  }
  get queue() { return this.#queue; }
  get messages() { return this.#messages; }
  get metadata() { return this.#metadata; }
  ackAll() { this.#host.ackAll(); }
  retryAll(options = undefined) { this.#host.retryAll(options); }
  get [SymbolToStringTag]() { return "MessageBatch"; }
}
internal.runQueue = (handler, env, queue, messages, host, metrics) =>
  runEvent((ctx) => handler.queue(new MessageBatch(kInternal, queue, messages, host, metrics), env, ctx));
// What a Durable Object's fetch (js/durable.js) needs of this file: the incoming Request, and
// the parts of the Response it returns, read exactly as for the worker's own fetch handler.
internal.incomingRequest = (method, url, headers, reader, cfJson) => new Request(kInternal, [method, url, headers, reader, cfJson]);
internal.responseParts = responseParts;
// A Request's or Response's body handed to the host (Rust reads it: invoke.rs, body.rs): null,
// a string, bytes, a host stream as is, or a function pulling the next chunk of a JS stream
// (internal.readChunk's results). The body is used from then on.
internal.hostBody = (r) => {
  const st = r[kState];
  if (bodyUsed(st)) throw new $TypeError(USED);
  const s = st.src;
  if (s === null) return null;
  st.used = true;
  if (s.text !== undefined) return s.text;
  if (s.bytes) return s.bytes;
  if (s.reader && s.abort === undefined) return s.reader;
  const reader = S().getReader(bodyStream(st));
  return () => internal.readChunk(reader);
};
// What the Cache API (verge-cache js/cache.js) reads of a Request and a Response, or null for
// anything else: [method, url, headers] and [status, headers, type, hasWebSocket, statusText]
// (HTMLRewriter, verge-htmlrewriter js/htmlrewriter.js, reads the last).
internal.requestHead = (r) => {
  if (!isRequest(r)) return null;
  const st = requestState(r);
  return [st[RQ_METHOD], st[RQ_URL], st[RQ_HEADERS]];
};
internal.responseHead = (r) => {
  if (!isResponse(r)) return null;
  const p = responseState(r);
  return [p[RS_STATUS], p[RS_HEADERS], p[RS_TYPE], p[RS_WEBSOCKET] !== null && p[RS_WEBSOCKET] !== undefined, p[RS_STATUS_TEXT]];
};
// A Response made by the host (a Durable Object stub's result): its body complete bytes, a
// host stream, or null.
internal.hostResponse = (status, headers, body) => {
  if (body !== null && toBytes(body)) {
    const r = new Response(kInternal, [status, "", headers, null, "", false]);
    r[kState] = { src: { bytes: body }, used: false };
    return r;
  }
  return new Response(kInternal, [status, "", headers, body, "", false]);
};
const errorParts = (e) => [-1, e];
function partsOrError(r) {
  try { return responseParts(r); } catch (e) { return [-1, e]; }
}
async function awaitResponse(r) { return responseParts(await r); }
function responseParts(r) {
  if (!isResponse(r)) throw new $TypeError(("Incorrect type for the 'fetch' handler's return value: expected a Response, got " + $toString(r === null ? "null" : typeof r) + "."));
  const p = responseState(r), status = p[RS_STATUS], headers = p[RS_HEADERS], webSocket = p[RS_WEBSOCKET];
  if (p[RS_TYPE] === "error") throw new $TypeError("Return value from serve handler must not be an error response (like Response.error()).");
  if (webSocket) return [status, headers, 4, internal.ws.handOver(webSocket)];
  const st = r[kState], manual = p[RS_MANUAL];
  if (bodyUsed(st)) throw new $TypeError("The Response returned by the fetch handler has a body that was already used.");
  const s = st.src;
  if (s === null) return [status, headers, 0, null, manual];
  st.used = true;
  if (s.text !== undefined) return [status, headers, 1, s.text, manual];
  if (s.bytes) return [status, headers, 2, s.bytes, manual];
  // A host stream the worker passes on untouched (a fetch() or Durable Object response body)
  // goes back to the host as it is: no JS runs per chunk.
  if (s.reader && s.abort === undefined) return [status, headers, 5, s.reader, manual];
  const stream = bodyStream(st);
  return [status, headers, 3, S().getReader(stream), manual];
}
// Resolves to a chunk, `undefined` at the end, or `[error]`; never rejects (see internal.serve).
internal.readChunk = (reader) => PromisePrototypeThen(S().read(reader), (result) => {
  if (result.done) return undefined;
  const b = toBytes(result.value);
  if (!b) return [new $TypeError("A ReadableStream used as a response body must produce ArrayBuffer or ArrayBufferView chunks.")];
  return b;
}, (e) => [e]);
// Cancels a response body's reader (the client went away).
internal.cancelChunks = (reader) => { S().cancelReader(reader); };

// The classes as defined here, for platform files (a guest may replace the globals).
internal.fetchClasses = { Request, Response };
internal.defineGlobal("Request", Request);
internal.defineGlobal("Response", Response);
internal.defineGlobal("fetch", fetch);
