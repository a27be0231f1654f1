// WebSocket and WebSocketPair (Workers: https://developers.cloudflare.com/workers/runtime-apis/websockets/).
// An end's peer is either the other end of a local pair or a host port (src/websocket.rs):
// the edge's client connection, or an end living in another isolate.
// Loaded on first use (js/lazy.js), possibly after guest code replaced globals or prototype
// methods: built-ins come from `primordials`, events from `internal.events`, and ends reach each
// other through functions here, never through methods or statics a guest could replace.
"use strict";
// String building: `+` and ToString, never template literals (see crates/verge-js/js/primordials.js).
const $toString = primordials.ToString;
const ws = internal.wsOps;
const { TypeError: $TypeError, DOMException: $DOMException, ArrayBuffer: $ArrayBuffer, Uint8Array: $Uint8Array,
        Number: $Number, String: $String, call, ObjectStatics, JSONStatics, StringPrototype,
        ArrayBufferStatics, ArrayBufferPrototype, TypedArrayPrototypeGetters, DataViewPrototypeGetters,
        PromisePrototypeThen, SymbolToStringTag } = primordials;
const { EventTarget, Event, MessageEvent, CloseEvent, ErrorEvent, dispatch } = internal.events;
const encode = internal.encoding.encode;
const urlOps = internal.url;
const kToken = {};
const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
// `binaryType` of a new WebSocket: "blob" with compatibility flag websocket_standard_binary_type
// (default from 2026-03-17), else "arraybuffer", Workers' historical behaviour (src/lib.rs).
const DEFAULT_BINARY_TYPE = internal.wsBinaryType === "blob" ? "blob" : "arraybuffer";

// What send() hands on: a string, or a copy of the bytes as an ArrayBuffer.
function copyData(data) {
  if (typeof data === "string") return data;
  if (ArrayBufferStatics.isView(data)) {
    const tag = call(TypedArrayPrototypeGetters[SymbolToStringTag], data);
    const G = tag === undefined ? DataViewPrototypeGetters : TypedArrayPrototypeGetters;
    const offset = call(G.byteOffset, data);
    return call(ArrayBufferPrototype.slice, call(G.buffer, data), offset, offset + call(G.byteLength, data));
  }
  if (data instanceof $ArrayBuffer) return call(ArrayBufferPrototype.slice, data, 0);
  if (data instanceof internal.form.Blob) throw new $TypeError("WebSocket send() of a Blob is not supported; send an ArrayBuffer");
  throw new $TypeError("WebSocket send() expects a string, ArrayBuffer or ArrayBufferView");
}

// workerd's rule (api/web-socket.c++, WebSocket::close): 1000–4999 except 1004 (reserved), 1005
// (no status), 1006 (abnormal closure) and 1015 (TLS failure), which only describe a close
// that happened and never go on the wire. Unregistered codes in 1016–2999 pass, as in workerd.
function checkCloseCode(code) {
  if (!(code >= 1000 && code <= 4999 && code !== 1004 && code !== 1005 && code !== 1006 && code !== 1015))
    throw new $TypeError(("Invalid WebSocket close code: " + $toString(code) + "."));
}

// The functions ends use on each other and the host uses on ends (set in the class body).
let receive, setPort, getPort, getPeer, setPeer, drain, isAccepted, isWebSocket, hooks;

class WebSocket extends EventTarget {
  #state = OPEN; #accepted = false; #queue = []; #url; #protocol = ""; #binaryType = DEFAULT_BINARY_TYPE;
  #port = null; #hibernate = null; #hib = null; #peer = null;
  constructor(url, protocols = undefined) {
    super();
    if (url === kToken) { this.#url = null; return; }
    // An outbound connection (https://websockets.spec.whatwg.org/#dom-websocket-websocket).
    let p = urlOps.parse($String(url), null);
    if (!p) throw new $DOMException(("Invalid WebSocket URL: " + $toString(url)), "SyntaxError");
    if (p[2] === "http:" || p[2] === "https:") p = urlOps.set(p[0], "protocol", p[2] === "http:" ? "ws:" : "wss:") || p;
    if (p[2] !== "ws:" && p[2] !== "wss:") throw new $DOMException(("WebSocket URL must use ws: or wss:, got " + $toString(p[2])), "SyntaxError");
    if (p[10]) throw new $DOMException("WebSocket URLs cannot have a fragment", "SyntaxError");
    const list = [];
    if (typeof protocols === "string") list[0] = protocols;
    else if (protocols !== undefined) for (const x of protocols) list[list.length] = $String(x);
    this.#url = p[0]; this.#state = CONNECTING;
    PromisePrototypeThen(ws.connect(this.#url, list, []), (r) => {
      setPort(this, ws.port(r[0]));
      this.#protocol = r[1];
      this.#state = OPEN;
      this.#accepted = true;
      this.#startListening();
      dispatch(this, new Event("open"));
    }, (e) => {
      this.#state = CLOSED;
      dispatch(this, new ErrorEvent("error", { message: e.message, error: e }));
      dispatch(this, new CloseEvent("close", { code: 1006, reason: "", wasClean: false }));
    });
  }
  get readyState() { return this.#state; }
  get url() { return this.#url; }
  get protocol() { return this.#protocol; }
  get extensions() { return ""; }
  get binaryType() { return this.#binaryType; }
  set binaryType(v) { if (v === "blob" || v === "arraybuffer") this.#binaryType = v; }
  accept(options = undefined) {
    if (this.#accepted) throw new $TypeError("This WebSocket has already been accepted.");
    if (this.#hibernate) throw new $TypeError("This WebSocket was accepted with ctx.acceptWebSocket(); do not call accept().");
    this.#accepted = true;
    this.#startListening();
    const q = this.#queue; this.#queue = [];
    for (let i = 0; i < q.length; i++) receive(this, q[i][0], q[i][1], q[i][2]);
  }
  #startListening() {
    if (this.#port && !this.#port.listening) {
      this.#port.listening = true;
      ws.listen(this.#port.handle, (kind, data, code) => receive(this, kind, data, code));
    }
  }
  send(data) {
    if (this.#state === CONNECTING) throw new $DOMException("Can't send on a WebSocket that is still connecting.", "InvalidStateError");
    if (!this.#accepted) throw new $TypeError("You must call accept() on this WebSocket before sending messages.");
    if (this.#state !== OPEN) throw new $TypeError("Can't call WebSocket send() after close().");
    const d = copyData(data);
    if (this.#hib && this.#hib.id !== undefined) this.#hib.send(this.#hib.id, d);
    else if (this.#port) ws.send(this.#port.handle, d);
    else if (this.#peer) receive(this.#peer, typeof d === "string" ? 0 : 1, d);
  }
  close(code = undefined, reason = undefined) {
    if (code !== undefined) {
      code = $Number(code) | 0; // WebIDL `long`-style conversion, as workerd's `int` parameter
      checkCloseCode(code);
    }
    if (reason !== undefined && code === undefined)
      throw new $TypeError("If you specify a WebSocket close reason, you must also specify a code.");
    reason = reason === undefined ? "" : $String(reason);
    if (call(TypedArrayPrototypeGetters.length, encode(reason)) > 123)
      throw new $DOMException("The close reason must not be greater than 123 UTF-8 bytes.", "SyntaxError");
    if (this.#state === CLOSED || this.#state === CLOSING) return;
    this.#state = CLOSING;
    const c = code ?? 1005;
    if (this.#hib && this.#hib.id !== undefined) { this.#hib.close(this.#hib.id, c === 1005 ? 1000 : c, reason); this.#state = CLOSED; }
    else if (this.#port) ws.close(this.#port.handle, c === 1005 ? 1000 : c, reason);
    else if (this.#peer) receive(this.#peer, 2, reason, c);
  }
  #receive(kind, data, code) {
    if (!this.#accepted) { const q = this.#queue; q[q.length] = [kind, data, code]; return; }
    if (kind === 2) {
      const wasOpen = this.#state === OPEN;
      this.#state = CLOSED;
      if (this.#hibernate) { this.#hibernate.close(this, code, data, code !== 1006); return; }
      dispatch(this, new CloseEvent("close", { code, reason: data, wasClean: code !== 1006 }));
      if (wasOpen && this.#port) { try { ws.close(this.#port.handle, code === 1005 || code === 1006 ? 1000 : code, data); } catch {} }
      return;
    }
    if (this.#state !== OPEN && this.#state !== CLOSING) return;
    // Hibernation handlers always get an ArrayBuffer (as on Workers, whatever binaryType says).
    if (this.#hibernate) { this.#hibernate.message(this, data); return; }
    let payload = data;
    if (kind === 1 && this.#binaryType === "blob") payload = internal.form.blobFromBytes(new $Uint8Array(data), "");
    dispatch(this, new MessageEvent("message", { data: payload }));
  }
  serializeAttachment(v) {
    this.#attachment = internal.v8.serialize(v);
    if (this.#hib && this.#hib.id !== undefined) this.#hib.setAttachment(this.#hib.id, this.#attachment);
  }
  deserializeAttachment() {
    const s = this.#hib && this.#hib.id !== undefined ? this.#hib.attachment(this.#hib.id) : this.#attachment;
    if (s === undefined || s === null) return null;
    return internal.v8.deserialize(s);
  }
  #attachment;
  static {
    receive = (end, kind, data, code) => end.#receive(kind, data, code);
    setPort = (end, port) => { end.#port = { handle: port, listening: false }; };
    getPort = (end) => end.#port;
    getPeer = (end) => end.#peer;
    setPeer = (end, peer) => { end.#peer = peer; };
    drain = (end) => { const q = end.#queue; end.#queue = []; return q; };
    isAccepted = (end) => end.#accepted;
    isWebSocket = (end) => end !== null && typeof end === "object" && #state in end;
    hooks = {
      hibernatable(end, sink) { end.#hibernate = sink; end.#accepted = true; end.#startListening(); },
      setHib(end, h) { end.#hib = h; end.#accepted = true; },
      hib(end) { return end.#hib; },
      markClosed(end) { end.#state = CLOSED; },
      hibernated(h) { const e = new WebSocket(kToken); e.#hib = h; e.#accepted = true; return e; },
      localAttachment(end) { return end.#attachment; },
    };
  }
  get [SymbolToStringTag]() { return "WebSocket"; }
}
{
  const names = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"];
  for (let i = 0; i < names.length; i++) {
    ObjectStatics.defineProperty(WebSocket, names[i], { value: i, enumerable: true });
    ObjectStatics.defineProperty(WebSocket.prototype, names[i], { value: i, enumerable: true });
  }
}

class WebSocketPair {
  constructor() {
    const a = new WebSocket(kToken), b = new WebSocket(kToken);
    setPeer(a, b); setPeer(b, a);
    this[0] = a; this[1] = b;
  }
  get [SymbolToStringTag]() { return "WebSocketPair"; }
}

// Sends what `end` queued before it had a host port to `handle`.
function forwardQueued(end, handle) {
  const q = drain(end);
  for (let i = 0; i < q.length; i++) {
    const kind = q[i][0], data = q[i][1], code = q[i][2];
    if (kind === 2) ws.close(handle, code === 1005 ? 1000 : code, data);
    else ws.send(handle, data);
  }
}
// `v` split at commas, trimmed, empty items dropped.
function splitList(v) {
  const out = [];
  let from = 0;
  for (;;) {
    const i = call(StringPrototype.indexOf, v, ",", from);
    const item = call(StringPrototype.trim, call(StringPrototype.slice, v, from, i < 0 ? undefined : i));
    if (item !== "") out[out.length] = item;
    if (i < 0) return out;
    from = i + 1;
  }
}

// Hands a `client` end returned in a 101 response to the host; returns the ticket under which
// the host finds the endpoint.
internal.ws = {
  WebSocket,
  handOver(client) {
    if (!isWebSocket(client)) throw new $TypeError("Response.webSocket must be a WebSocket.");
    if (isAccepted(client)) throw new $TypeError("The WebSocket returned in a Response must not have been accepted; return the other end of the pair.");
    const port = getPort(client);
    if (port) {
      const t = ws.handOver(port.handle);
      if (t === undefined) throw new $TypeError("This WebSocket is already connected.");
      return t;
    }
    const server = getPeer(client);
    if (!server) throw new $TypeError("This WebSocket is not connected to anything.");
    const detached = ws.detach();
    const handle = detached[0], ticket = detached[1];
    setPeer(client, null); setPeer(server, null);
    const hib = hooks.hib(server);
    if (hib) {
      forwardQueued(client, handle);
      hib.id = hib.adopt(handle, server);
      const a = hooks.localAttachment(server);
      if (a !== undefined) hib.setAttachment(hib.id, a);
      return ticket;
    }
    setPort(server, handle);
    // What the server sent before the hand-over is waiting on the client end: send it on.
    forwardQueued(client, handle);
    if (isAccepted(server)) {
      const p = getPort(server);
      p.listening = true;
      ws.listen(handle, (k, d, c) => receive(server, k, d, c));
    }
    return ticket;
  },
  // `fetch(url, {headers: {Upgrade: "websocket"}})`: resolves to a 101 Response whose
  // webSocket must be accept()ed.
  async connectForFetch(url, headers) {
    const all = internal.headersToFlat(headers);
    const flat = [];
    let protocols = [];
    for (let i = 0; i < all.length; i += 2) {
      if (all[i] === "sec-websocket-protocol") protocols = splitList(all[i + 1]);
      else { flat[flat.length] = all[i]; flat[flat.length] = all[i + 1]; }
    }
    const p = urlOps.parse(url, null);
    const u = urlOps.set(p[0], "protocol", p[2] === "https:" ? "wss:" : "ws:") || p;
    const r = await ws.connect(u[0], protocols, flat);
    const end = new WebSocket(kToken);
    setPort(end, ws.port(r[0]));
    const h = r[1] ? [["sec-websocket-protocol", r[1]]] : [];
    return new internal.fetchClasses.Response(null, { status: 101, webSocket: end, headers: h });
  },
  // A WebSocket end backed by an endpoint the host filed under `ticket`.
  fromTicket(ticket) {
    const end = new WebSocket(kToken);
    const port = ws.port(ticket);
    if (!port) throw new $TypeError("WebSocket endpoint not found");
    setPort(end, port);
    return end;
  },
  hibernatable: hooks.hibernatable,
  setHib: hooks.setHib,
  hib: hooks.hib,
  hibernated: hooks.hibernated,
  markClosed: hooks.markClosed,
};
internal.defineGlobal("WebSocket", WebSocket);
internal.defineGlobal("WebSocketPair", WebSocketPair);
