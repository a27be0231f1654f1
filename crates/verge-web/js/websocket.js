// WebSocket and WebSocketPair (Workers: https://developers.cloudflare.com/workers/runtime-apis/websockets/).
// An end's peer is either the other end of a local pair or a host port (src/websocket.rs):
// the edge's client connection, or an end living in another isolate.
"use strict";
const ws = internal.wsOps;
const { TypeError: $TypeError, Symbol: $Symbol, DOMException: $DOMException, ArrayBuffer: $ArrayBuffer } = primordials;
const { EventTarget, Event, MessageEvent, CloseEvent, ErrorEvent } = internal.events;
const kToken = $Symbol("token"), kReceive = $Symbol("receive"), kPeer = $Symbol("peer");
const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
const enc = new TextEncoder();
// `binaryType` of a new WebSocket: "blob" with compatibility flag websocket_standard_binary_type
// (default from 2026-03-17), else "arraybuffer", Workers' historical behaviour (src/lib.rs).
const DEFAULT_BINARY_TYPE = internal.wsBinaryType === "blob" ? "blob" : "arraybuffer";

// workerd's rule (api/web-socket.c++, WebSocket::close): 1000–4999 except 1004 (reserved), 1005
// (no status), 1006 (abnormal closure) and 1015 (TLS failure), which only describe a close
// that happened and never go on the wire. Unregistered codes in 1016–2999 pass, as in workerd.
function checkCloseCode(code) {
  if (!(code >= 1000 && code <= 4999 && code !== 1004 && code !== 1005 && code !== 1006 && code !== 1015))
    throw new $TypeError(`Invalid WebSocket close code: ${code}.`);
}

function copyData(data) {
  if (typeof data === "string") return data;
  if (data instanceof $ArrayBuffer) return data.slice(0);
  if ($ArrayBuffer.isView(data)) return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  if (data instanceof Blob) throw new $TypeError("WebSocket send() of a Blob is not supported; send an ArrayBuffer");
  throw new $TypeError("WebSocket send() expects a string, ArrayBuffer or ArrayBufferView");
}

class WebSocket extends EventTarget {
  #state = OPEN; #accepted = false; #queue = []; #url; #protocol = ""; #binaryType = DEFAULT_BINARY_TYPE;
  #port = null; #hibernate = null; #hib = null;
  constructor(url, protocols = undefined) {
    super();
    if (url === kToken) { this.#url = null; this[kPeer] = null; return; }
    // An outbound connection (https://websockets.spec.whatwg.org/#dom-websocket-websocket).
    let u;
    try { u = new URL(String(url)); } catch { throw new $DOMException(`Invalid WebSocket URL: ${url}`, "SyntaxError"); }
    if (u.protocol === "http:") u.protocol = "ws:";
    else if (u.protocol === "https:") u.protocol = "wss:";
    if (u.protocol !== "ws:" && u.protocol !== "wss:") throw new $DOMException(`WebSocket URL must use ws: or wss:, got ${u.protocol}`, "SyntaxError");
    if (u.hash) throw new $DOMException("WebSocket URLs cannot have a fragment", "SyntaxError");
    const list = protocols === undefined ? [] : typeof protocols === "string" ? [protocols] : [...protocols].map(String);
    this.#url = u.href; this[kPeer] = null; this.#state = CONNECTING;
    ws.connect(this.#url, list, []).then(([ticket, protocol]) => {
      WebSocket[kToken](this, ws.port(ticket));
      this.#protocol = protocol;
      this.#state = OPEN;
      this.#accepted = true;
      this.#startListening();
      this.dispatchEvent(new Event("open"));
    }, (e) => {
      this.#state = CLOSED;
      this.dispatchEvent(new ErrorEvent("error", { message: e.message, error: e }));
      this.dispatchEvent(new CloseEvent("close", { code: 1006, reason: "", wasClean: false }));
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
    for (const m of q) this[kReceive](m[0], m[1], m[2]);
  }
  #startListening() {
    if (this.#port && !this.#port.listening) {
      this.#port.listening = true;
      ws.listen(this.#port.handle, (kind, data, code) => this[kReceive](kind, data, code));
    }
  }
  static [kToken](end, port) { end.#port = { handle: port, listening: false }; }
  static hibernatable(end, sink) { end.#hibernate = sink; end.#accepted = true; end.#startListening(); }
  static port(end) { return end.#port; }
  static setHib(end, hooks) { end.#hib = hooks; end.#accepted = true; }
  static hib(end) { return end.#hib; }
  static markClosed(end) { end.#state = CLOSED; }
  static hibernated(hooks) { const e = new WebSocket(kToken); e.#hib = hooks; e.#accepted = true; return e; }
  static drain(end) { const q = end.#queue; end.#queue = []; return q; }
  static accepted(end) { return end.#accepted; }
  send(data) {
    if (this.#state === CONNECTING) throw new $DOMException("Can't send on a WebSocket that is still connecting.", "InvalidStateError");
    if (!this.#accepted) throw new $TypeError("You must call accept() on this WebSocket before sending messages.");
    if (this.#state !== OPEN) throw new $TypeError("Can't call WebSocket send() after close().");
    const d = copyData(data);
    if (this.#hib && this.#hib.id !== undefined) this.#hib.send(this.#hib.id, d);
    else if (this.#port) ws.send(this.#port.handle, d);
    else if (this[kPeer]) this[kPeer][kReceive](typeof d === "string" ? 0 : 1, d);
  }
  close(code = undefined, reason = undefined) {
    if (code !== undefined) {
      code = Number(code) | 0; // WebIDL `long`-style conversion, as workerd's `int` parameter
      checkCloseCode(code);
    }
    if (reason !== undefined && code === undefined)
      throw new $TypeError("If you specify a WebSocket close reason, you must also specify a code.");
    reason = reason === undefined ? "" : String(reason);
    if (enc.encode(reason).length > 123) throw new $DOMException("The close reason must not be greater than 123 UTF-8 bytes.", "SyntaxError");
    if (this.#state === CLOSED || this.#state === CLOSING) return;
    this.#state = CLOSING;
    const c = code ?? 1005;
    if (this.#hib && this.#hib.id !== undefined) { this.#hib.close(this.#hib.id, c === 1005 ? 1000 : c, reason); this.#state = CLOSED; }
    else if (this.#port) ws.close(this.#port.handle, c === 1005 ? 1000 : c, reason);
    else if (this[kPeer]) this[kPeer][kReceive](2, reason, c);
  }
  [kReceive](kind, data, code) {
    if (!this.#accepted) { this.#queue.push([kind, data, code]); return; }
    if (kind === 2) {
      const wasOpen = this.#state === OPEN;
      this.#state = CLOSED;
      if (this.#hibernate) { this.#hibernate.close(this, code, data, code !== 1006); return; }
      this.dispatchEvent(new CloseEvent("close", { code, reason: data, wasClean: code !== 1006 }));
      if (wasOpen && this.#port) { try { ws.close(this.#port.handle, code === 1005 || code === 1006 ? 1000 : code, data); } catch {} }
      return;
    }
    if (this.#state !== OPEN && this.#state !== CLOSING) return;
    // Hibernation handlers always get an ArrayBuffer (as on Workers, whatever binaryType says).
    if (this.#hibernate) { this.#hibernate.message(this, data); return; }
    let payload = data;
    if (kind === 1 && this.#binaryType === "blob") payload = new Blob([data]);
    this.dispatchEvent(new MessageEvent("message", { data: payload }));
  }
  serializeAttachment(v) {
    this.#attachment = internal.v8 ? internal.v8.serialize(v) : JSON.stringify(v);
    if (this.#hib && this.#hib.id !== undefined) this.#hib.setAttachment(this.#hib.id, this.#attachment);
  }
  deserializeAttachment() {
    const s = this.#hib && this.#hib.id !== undefined ? this.#hib.attachment(this.#hib.id) : this.#attachment;
    if (s === undefined || s === null) return null;
    return internal.v8 ? internal.v8.deserialize(s) : JSON.parse(s);
  }
  static localAttachment(end) { return end.#attachment; }
  #attachment;
  get [Symbol.toStringTag]() { return "WebSocket"; }
}
for (const [k, v] of [["CONNECTING", 0], ["OPEN", 1], ["CLOSING", 2], ["CLOSED", 3]]) {
  Object.defineProperty(WebSocket, k, { value: v, enumerable: true });
  Object.defineProperty(WebSocket.prototype, k, { value: v, enumerable: true });
}

class WebSocketPair {
  constructor() {
    const a = new WebSocket(kToken), b = new WebSocket(kToken);
    a[kPeer] = b; b[kPeer] = a;
    this[0] = a; this[1] = b;
  }
  get [Symbol.toStringTag]() { return "WebSocketPair"; }
}

// Hands a `client` end returned in a 101 response to the host; returns the ticket under which
// the host finds the endpoint.
internal.ws = {
  WebSocket,
  handOver(client) {
    if (!(client instanceof WebSocket)) throw new $TypeError("Response.webSocket must be a WebSocket.");
    if (WebSocket.accepted(client)) throw new $TypeError("The WebSocket returned in a Response must not have been accepted; return the other end of the pair.");
    const port = WebSocket.port(client);
    if (port) {
      const t = ws.handOver(port.handle);
      if (t === undefined) throw new $TypeError("This WebSocket is already connected.");
      return t;
    }
    const server = client[kPeer];
    if (!server) throw new $TypeError("This WebSocket is not connected to anything.");
    const [handle, ticket] = ws.detach();
    client[kPeer] = null; server[kPeer] = null;
    const hib = WebSocket.hib(server);
    if (hib) {
      for (const [kind, data, code] of WebSocket.drain(client)) {
        if (kind === 2) ws.close(handle, code === 1005 ? 1000 : code, data);
        else ws.send(handle, data);
      }
      hib.id = hib.adopt(handle, server);
      const a = WebSocket.localAttachment(server);
      if (a !== undefined) hib.setAttachment(hib.id, a);
      return ticket;
    }
    WebSocket[kToken](server, handle);
    // What the server sent before the hand-over is waiting on the client end: send it on.
    for (const [kind, data, code] of WebSocket.drain(client)) {
      if (kind === 2) ws.close(handle, code === 1005 ? 1000 : code, data);
      else ws.send(handle, data);
    }
    if (WebSocket.accepted(server)) { const p = WebSocket.port(server); p.listening = true; ws.listen(handle, (k, d, c) => server[kReceive](k, d, c)); }
    return ticket;
  },
  // `fetch(url, {headers: {Upgrade: "websocket"}})`: resolves to a 101 Response whose
  // webSocket must be accept()ed.
  async connectForFetch(url, headers) {
    const flat = [];
    let protocols = [];
    for (const [k, v] of headers) {
      if (k === "sec-websocket-protocol") protocols = v.split(",").map((p) => p.trim()).filter(Boolean);
      else flat.push(k, v);
    }
    const u = new URL(url);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    const [ticket, protocol] = await ws.connect(u.href, protocols, flat);
    const end = new WebSocket(kToken);
    WebSocket[kToken](end, ws.port(ticket));
    const h = protocol ? [["sec-websocket-protocol", protocol]] : [];
    return new Response(null, { status: 101, webSocket: end, headers: h });
  },
  // A WebSocket end backed by an endpoint the host filed under `ticket`.
  fromTicket(ticket) {
    const end = new WebSocket(kToken);
    const port = ws.port(ticket);
    if (!port) throw new $TypeError("WebSocket endpoint not found");
    WebSocket[kToken](end, port);
    return end;
  },
  hibernatable: WebSocket.hibernatable,
  setHib: WebSocket.setHib,
  hib: WebSocket.hib,
  hibernated: WebSocket.hibernated,
  markClosed: WebSocket.markClosed,
};
internal.defineGlobal("WebSocket", WebSocket);
internal.defineGlobal("WebSocketPair", WebSocketPair);
