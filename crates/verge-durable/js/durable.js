// Durable Objects: namespaces, ids, stubs (fetch + RPC), DurableObjectState, storage (KV + SQL
// APIs) and event delivery with the output gate. Host operations: internal.durableOps.
"use strict";
const ops = internal.durableOps;
const RT = ops.rt;
const { TypeError: $TypeError, RangeError: $RangeError, Error: $Error, Map: $Map, Set: $Set, Date: $Date,
        RegExp: $RegExp, ArrayBuffer: $ArrayBuffer, DataView: $DataView, Object: $Object, Array: $Array,
        Promise: $Promise, Proxy: $Proxy, JSON: $JSON, Symbol: $Symbol, DOMException: $DOMException,
        Request, Response, Headers, BigInt: $BigInt } = globalThis;
const PromiseResolve = (v) => $Promise.resolve(v);

// ---- serialization (the structured-clone algorithm, to a JSON-tagged string) ----
function b64(u8) { let s = ""; for (let i = 0; i < u8.length; i += 8192) s += String.fromCharCode.apply(null, u8.subarray(i, i + 8192)); return btoa(s); }
function unb64(s) { const bin = atob(s); const u = new Uint8Array(bin.length); for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i); return u; }
const TYPED = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "DataView"];
function dataClone(what) { return new $DOMException(`${what} could not be cloned.`, "DataCloneError"); }
function enc(v, seen) {
  switch (typeof v) {
    case "string": case "boolean": return v;
    case "number":
      if (Number.isFinite(v) && !Object.is(v, -0)) return v;
      return ["n", Object.is(v, -0) ? "-0" : String(v)];
    case "undefined": return ["u"];
    case "bigint": return ["b", v.toString()];
    case "symbol": throw dataClone(v.toString());
    case "function": throw dataClone(`function ${v.name || "(anonymous)"}`);
  }
  if (v === null) return null;
  if (seen.has(v)) return ["ref", seen.get(v)];
  const idx = seen.size; seen.set(v, idx);
  if ($Array.isArray(v)) return ["a", v.map((x) => enc(x, seen))];
  if (v instanceof $Date) return ["d", v.getTime()];
  if (v instanceof $RegExp) return ["r", v.source, v.flags];
  if (v instanceof $Map) return ["m", [...v].map(([k, x]) => [enc(k, seen), enc(x, seen)])];
  if (v instanceof $Set) return ["s", [...v].map((x) => enc(x, seen))];
  if (v instanceof $ArrayBuffer) return ["ab", b64(new Uint8Array(v))];
  if ($ArrayBuffer.isView(v)) {
    const name = v.constructor.name;
    if (!TYPED.includes(name)) throw dataClone(name);
    return ["v", name, b64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))];
  }
  if (v instanceof $Error) return ["e", v.name, v.message, v.stack ?? null, "cause" in v ? enc(v.cause, seen) : ["u"]];
  const tag = $Object.prototype.toString.call(v);
  if (tag === "[object Boolean]" || tag === "[object Number]" || tag === "[object String]") return ["w", tag.slice(8, -1), v.valueOf()];
  const proto = $Object.getPrototypeOf(v);
  if (proto !== null && proto !== $Object.prototype) {
    if (typeof v.constructor === "function" && /\[native code\]/.test(String(v.constructor)) && v.constructor !== $Object)
      throw dataClone(`${v.constructor.name} object`);
  }
  const o = {};
  for (const k of $Object.keys(v)) o[k] = enc(v[k], seen);
  return ["o", o];
}
function dec(x, refs) {
  if (x === null || typeof x !== "object") return x;
  const t = x[0];
  let out;
  switch (t) {
    case "n": return Number(x[1] === "-0" ? -0 : x[1]);
    case "u": return undefined;
    case "b": return $BigInt(x[1]);
    case "ref": return refs[x[1]];
    case "a": out = []; refs.push(out); for (const e of x[1]) out.push(dec(e, refs)); return out;
    case "d": out = new $Date(x[1]); refs.push(out); return out;
    case "r": out = new $RegExp(x[1], x[2]); refs.push(out); return out;
    case "m": out = new $Map(); refs.push(out); for (const [k, v] of x[1]) out.set(dec(k, refs), dec(v, refs)); return out;
    case "s": out = new $Set(); refs.push(out); for (const v of x[1]) out.add(dec(v, refs)); return out;
    case "ab": out = unb64(x[1]).buffer; refs.push(out); return out;
    case "v": {
      const bytes = unb64(x[2]);
      const C = globalThis[x[1]];
      out = x[1] === "DataView" ? new $DataView(bytes.buffer) : new C(bytes.buffer, 0, bytes.byteLength / C.BYTES_PER_ELEMENT);
      refs.push(out); return out;
    }
    case "e": {
      const C = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[x[1]] || $Error;
      out = new C(x[2]); refs.push(out);
      if (x[1] !== out.name) try { out.name = x[1]; } catch {}
      if (x[3] !== null) $Object.defineProperty(out, "stack", { value: x[3], writable: true, configurable: true });
      const cause = dec(x[4], refs); if (cause !== undefined) out.cause = cause;
      return out;
    }
    case "w": out = $Object(x[1] === "Number" ? Number(x[2]) : x[1] === "Boolean" ? Boolean(x[2]) : String(x[2])); refs.push(out); return out;
    case "o": out = {}; refs.push(out); for (const k of $Object.keys(x[1])) out[k] = dec(x[1][k], refs); return out;
  }
  throw new $TypeError("corrupt serialized value");
}
const serialize = (v) => $JSON.stringify(enc(v, new $Map()));
const deserialize = (s) => dec($JSON.parse(s), []);
internal.v8 = { serialize, deserialize };

// ---- ids, namespaces, stubs ----
const kHex = $Symbol("hex");
class DurableObjectId {
  #name;
  constructor(token, hex, name) {
    if (token !== kHex) throw new $TypeError("Illegal constructor");
    this[kHex] = hex; this.#name = name;
  }
  get name() { return this.#name; }
  toString() { return this[kHex]; }
  equals(other) { return other instanceof DurableObjectId && other[kHex] === this[kHex]; }
  get [Symbol.toStringTag]() { return "DurableObjectId"; }
}
const RESERVED = new $Set(["fetch", "connect", "alarm", "webSocketMessage", "webSocketClose", "webSocketError", "constructor", "dup"]);
function remoteError(res) {
  let e;
  if (res[1]) { try { e = deserialize(res[1]); } catch { e = new $Error(res[3]); } }
  else e = new $Error(res[3]);
  if (!(e instanceof $Error)) { const v = e; e = new $Error(String(v)); }
  try { e.remote = !!res[2]; if (!res[2]) e.retryable = true; } catch {}
  return e;
}
function makeStub(ns, id) {
  const hex = id[kHex], name = id.name ?? null;
  const target = {
    id, name: id.name,
    async fetch(input, init = undefined) {
      const req = new Request(input, init);
      const flat = [];
      for (const [k, v] of req.headers) flat.push(k, v);
      // The body streams to the object (js/fetch.js internal.hostBody, body.rs outgoing_stream).
      const res = await ops.fetch(RT, ns, hex, name, [req.method, req.url, flat], internal.hostBody(req));
      if (!res[0]) throw remoteError(res);
      const status = res[1], headers = res[2], reader = res[3], ticket = res[4];
      const pairs = []; for (let i = 0; i < headers.length; i += 2) pairs.push([headers[i], headers[i + 1]]);
      if (ticket !== undefined && ticket !== null) return new Response(null, { status: 101, headers: pairs, webSocket: internal.ws.fromTicket(ticket) });
      const nullBody = status === 101 || status === 204 || status === 205 || status === 304;
      if (nullBody && reader) internal.cancelBody(reader);
      return internal.hostResponse(status === 101 ? 200 : status, new Headers(pairs), nullBody ? null : reader);
    },
  };
  return new $Proxy(target, {
    get(t, prop) {
      if (prop in t) return t[prop];
      if (typeof prop !== "string" || prop === "then") return undefined;
      return async (...args) => {
        const res = await ops.rpc(RT, ns, hex, name, prop, serialize(args));
        if (!res[0]) throw remoteError(res);
        return deserialize(res[1]);
      };
    },
  });
}
class DurableObjectNamespace {
  #ns; #class;
  constructor(token, ns, cls) { if (token !== kHex) throw new $TypeError("Illegal constructor"); this.#ns = ns; this.#class = cls; }
  idFromName(name) {
    if (arguments.length === 0) throw new $TypeError("idFromName requires a name");
    name = String(name);
    return new DurableObjectId(kHex, ops.idFromName(RT, this.#ns, name), name);
  }
  newUniqueId(options = undefined) { return new DurableObjectId(kHex, ops.newUniqueId(RT, this.#ns), undefined); }
  idFromString(s) { return new DurableObjectId(kHex, ops.validateId(RT, this.#ns, String(s)), undefined); }
  get(id, options = undefined) {
    if (!(id instanceof DurableObjectId)) throw new $TypeError("get() expects a DurableObjectId from this namespace");
    ops.validateId(RT, this.#ns, id[kHex]);
    return makeStub(this.#ns, id);
  }
  getByName(name, options = undefined) { return this.get(this.idFromName(name), options); }
  jurisdiction(j) { return this; }
  get [Symbol.toStringTag]() { return "DurableObjectNamespace"; }
}

// ---- storage ----
const MAX_KEYS = 128;
function checkKey(k) {
  if (typeof k !== "string") throw new $TypeError("Durable Object storage keys must be strings");
  if (k.length > 2048) throw new $RangeError(`Keys cannot be larger than 2048 bytes.`);
  return k;
}
function keyList(keys) {
  if (keys.length > MAX_KEYS) throw new $RangeError(`Maximum number of keys is ${MAX_KEYS}. You provided ${keys.length}.`);
  return keys.map(checkKey);
}
const enc8 = new TextEncoder();
function byteCompare(a, b) {
  const x = enc8.encode(a), y = enc8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

class SqlStorageCursor {
  #columns; #rows; #i = 0; #read; #written;
  constructor(token, r) { if (token !== kHex) throw new $TypeError("Illegal constructor"); this.#columns = r.columns; this.#rows = r.rows; this.#read = r.rowsRead; this.#written = r.rowsWritten; }
  #obj(row) { const o = {}; this.#columns.forEach((c, j) => { o[c] = row[j]; }); return o; }
  next() { if (this.#i >= this.#rows.length) return { done: true, value: undefined }; return { done: false, value: this.#obj(this.#rows[this.#i++]) }; }
  toArray() { const out = []; while (this.#i < this.#rows.length) out.push(this.#obj(this.#rows[this.#i++])); return out; }
  one() {
    const rest = this.#rows.length - this.#i;
    if (rest !== 1) throw new $Error(rest === 0 ? "Expected exactly one result from SQL query, but got no results." : "Expected exactly one result from SQL query, but got multiple results.");
    return this.#obj(this.#rows[this.#i++]);
  }
  raw() {
    const self = this;
    return { next: () => self.#i >= self.#rows.length ? { done: true, value: undefined } : { done: false, value: self.#rows[self.#i++].slice() },
             toArray: () => { const out = []; while (self.#i < self.#rows.length) out.push(self.#rows[self.#i++].slice()); return out; },
             [Symbol.iterator]() { return this; } };
  }
  get columnNames() { return this.#columns.slice(); }
  get rowsRead() { return this.#read; }
  get rowsWritten() { return this.#written; }
  [Symbol.iterator]() { return this; }
}
class SqlStorage {
  #h; #storage;
  constructor(token, h, storage) { if (token !== kHex) throw new $TypeError("Illegal constructor"); this.#h = h; this.#storage = storage; }
  exec(query, ...bindings) {
    let r;
    try { r = this.#h.sqlExec(String(query), bindings); }
    finally { this.#storage[kFlush](); }
    return new SqlStorageCursor(kHex, r);
  }
  get databaseSize() { return this.#h.databaseSize(); }
}

const kFlush = $Symbol("flush"), kSync = $Symbol("sync"), kPending = $Symbol("pending");
class DurableObjectStorage {
  #h; #host; #sqlite; #sql = null; #flushQueued = false; #last = PromiseResolve(); #savepoints = 0; #inflight = 0;
  constructor(token, h, host, sqlite) { if (token !== kHex) throw new $TypeError("Illegal constructor"); this.#h = h; this.#host = host; this.#sqlite = sqlite; }
  [kFlush]() {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      if (!this.#h.dirty()) return;
      const p = ops.commit(this.#h);
      this.#inflight++;
      p.then(() => { this.#inflight--; }, () => { this.#inflight--; });
      this.#last = p.then(undefined, (e) => { this.#host.broken = e; throw e; });
      this.#last.catch(() => {});
    });
  }
  async [kSync]() {
    // Let a flush queued by this turn start, then wait for the newest commit.
    await null;
    await this.#last;
  }
  sync() { return this[kSync](); }
  // True while a write is not yet durable (queued for commit or committing).
  [kPending]() { return this.#flushQueued || this.#inflight > 0 || this.#h.dirty(); }
  async get(key, options = undefined) {
    if ($Array.isArray(key)) {
      const keys = keyList(key).slice().sort(byteCompare);
      const m = new $Map();
      for (const k of keys) { const v = this.#h.get(k); if (v !== undefined) m.set(k, deserialize(v)); }
      return m;
    }
    const v = this.#h.get(checkKey(key));
    return v === undefined ? undefined : deserialize(v);
  }
  async put(key, value = undefined, options = undefined) {
    if (typeof key === "object" && key !== null) {
      const entries = $Object.entries(key);
      if (entries.length > MAX_KEYS) throw new $RangeError(`Maximum number of pairs is ${MAX_KEYS}. You provided ${entries.length}.`);
      for (const [k, v] of entries) this.#h.put(checkKey(k), serialize(v));
    } else {
      if (arguments.length < 2) throw new $TypeError("put() requires a key and a value");
      this.#h.put(checkKey(key), serialize(value));
    }
    this[kFlush]();
  }
  async delete(key, options = undefined) {
    let r;
    if ($Array.isArray(key)) { r = 0; for (const k of keyList(key)) if (this.#h.delete(k)) r++; }
    else r = this.#h.delete(checkKey(key));
    this[kFlush]();
    return r;
  }
  async deleteAll(options = undefined) { this.#h.deleteAll(); this.#h.setAlarm(null); this[kFlush](); }
  async list(options = {}) {
    options = options || {};
    if (options.start !== undefined && options.startAfter !== undefined) throw new $TypeError("list() cannot take both start and startAfter");
    const limit = options.limit === undefined ? null : Number(options.limit);
    if (limit !== null && !(limit >= 1)) throw new $TypeError("list() limit must be a positive integer");
    const rows = this.#h.list(options.start ?? null, options.startAfter ?? null, options.end ?? null, options.prefix ?? null, !!options.reverse, limit);
    const m = new $Map();
    for (const [k, v] of rows) m.set(k, deserialize(v));
    return m;
  }
  async getAlarm(options = undefined) { return this.#h.getAlarm() ?? null; }
  async setAlarm(time, options = undefined) {
    const t = time instanceof $Date ? time.getTime() : Number(time);
    if (!Number.isFinite(t)) throw new $TypeError("setAlarm() expects a Date or a number of milliseconds since the epoch");
    this.#h.setAlarm(t); this[kFlush]();
  }
  async deleteAlarm(options = undefined) { this.#h.setAlarm(null); this[kFlush](); }
  // The transaction's writes stay in a write set of their own until the callback ends:
  // other events may run while it awaits I/O, and a rollback must drop its writes only.
  async transaction(fn) {
    const h = this.#h, id = h.txnBegin();
    let rolledBack = false;
    const txn = {
      get: async (key, o) => {
        if ($Array.isArray(key)) {
          const keys = keyList(key).slice().sort(byteCompare);
          const m = new $Map();
          for (const k of keys) { const v = h.txnGet(id, k); if (v !== undefined) m.set(k, deserialize(v)); }
          return m;
        }
        const v = h.txnGet(id, checkKey(key));
        return v === undefined ? undefined : deserialize(v);
      },
      put: async (key, value = undefined, o = undefined) => {
        if (typeof key === "object" && key !== null) {
          const entries = $Object.entries(key);
          if (entries.length > MAX_KEYS) throw new $RangeError(`Maximum number of pairs is ${MAX_KEYS}. You provided ${entries.length}.`);
          for (const [k, v] of entries) h.txnPut(id, checkKey(k), serialize(v));
        } else h.txnPut(id, checkKey(key), serialize(value));
      },
      delete: async (key, o) => {
        let r;
        if ($Array.isArray(key)) { r = 0; for (const k of keyList(key)) if (h.txnDelete(id, k)) r++; }
        else r = h.txnDelete(id, checkKey(key));
        return r;
      },
      list: async (options = {}) => {
        options = options || {};
        if (options.start !== undefined && options.startAfter !== undefined) throw new $TypeError("list() cannot take both start and startAfter");
        const limit = options.limit === undefined ? null : Number(options.limit);
        if (limit !== null && !(limit >= 1)) throw new $TypeError("list() limit must be a positive integer");
        const rows = h.txnList(id, options.start ?? null, options.startAfter ?? null, options.end ?? null, options.prefix ?? null, !!options.reverse, limit);
        const m = new $Map();
        for (const [k, v] of rows) m.set(k, deserialize(v));
        return m;
      },
      getAlarm: async (o) => h.txnGetAlarm(id) ?? null,
      setAlarm: async (time, o) => {
        const t = time instanceof $Date ? time.getTime() : Number(time);
        if (!Number.isFinite(t)) throw new $TypeError("setAlarm() expects a Date or a number of milliseconds since the epoch");
        h.txnSetAlarm(id, t);
      },
      deleteAlarm: async (o) => { h.txnSetAlarm(id, null); },
      // Marks the transaction rolled back: nothing it wrote, before or after, is kept.
      rollback: () => { rolledBack = true; h.txnRollback(id); },
    };
    try {
      const r = await fn(txn);
      if (h.txnEnd(id, !rolledBack)) this[kFlush]();
      return r;
    } catch (e) {
      h.txnEnd(id, false);
      throw e;
    }
  }
  transactionSync(fn) {
    const name = `verge_txn_${++this.#savepoints}`;
    const snap = this.#h.snapshot();
    this.#h.savepoint(name);
    try {
      const r = fn();
      this.#h.endSavepoint(name, true);
      this.#h.restore(snap, false);
      this[kFlush]();
      return r;
    } catch (e) {
      this.#h.endSavepoint(name, false);
      this.#h.restore(snap, true);
      throw e;
    } finally { this.#savepoints--; }
  }
  get sql() {
    if (!this.#sqlite) throw new $Error("SQL is not enabled for this Durable Object class. Create the class with new_sqlite_classes in a migration to use ctx.storage.sql.");
    return this.#sql || (this.#sql = new SqlStorage(kHex, this.#h, this));
  }
  get kv() {
    if (!this.#sqlite) throw new $Error("The synchronous KV API needs a SQLite-backed Durable Object class (new_sqlite_classes).");
    const h = this.#h, self = this;
    return {
      get: (k) => { const v = h.get(checkKey(k)); return v === undefined ? undefined : deserialize(v); },
      put: (k, v) => { h.put(checkKey(k), serialize(v)); self[kFlush](); },
      delete: (k) => { const r = h.delete(checkKey(k)); self[kFlush](); return r; },
      list: (o = {}) => h.list(o.start ?? null, o.startAfter ?? null, o.end ?? null, o.prefix ?? null, !!o.reverse, o.limit ?? null).map(([k, v]) => [k, deserialize(v)])[Symbol.iterator](),
    };
  }
  get [Symbol.toStringTag]() { return "DurableObjectStorage"; }
}

class DurableObjectState {
  #id; #storage; #host;
  constructor(token, id, storage, host) { if (token !== kHex) throw new $TypeError("Illegal constructor"); this.#id = id; this.#storage = storage; this.#host = host; }
  get id() { return this.#id; }
  get storage() { return this.#storage; }
  waitUntil(p) { this.#host.waitUntil.push($Promise.resolve(p).catch((e) => internal.reportError(e))); }
  // The object takes no other event until `fn` settles; one that has not settled after
  // ops.blockConcurrencyLimitMs resets the object (its queued events fail), as on Workers.
  blockConcurrencyWhile(fn) {
    const host = this.#host;
    const p = (async () => fn())();
    let settled = false, timedOut = false;
    const done = p.then(() => { settled = true; }, (e) => { settled = true; if (!timedOut) host.broken = e; });
    const limit = internal.sleep(ops.blockConcurrencyLimitMs).then(() => {
      if (settled) return;
      timedOut = true;
      if (host.broken === null) host.broken = new $Error("A call to blockConcurrencyWhile() in a Durable Object waited for too long. The call was canceled and the Durable Object was reset.");
    });
    const gate = $Promise.race([done, limit]);
    host.blocking = host.blocking ? $Promise.all([host.blocking, gate]) : gate;
    return p;
  }
  abort(reason = undefined) { this.#host.broken = reason ?? new $Error("Durable Object was aborted"); }
  acceptWebSocket(ws, tags = []) {
    const W = internal.ws.WebSocket;
    if (!(ws instanceof W)) throw new $TypeError("acceptWebSocket() expects the server end of a WebSocketPair");
    if (internal.ws.hib(ws)) throw new $TypeError("This WebSocket was already accepted with acceptWebSocket().");
    tags = [...tags].map(String);
    internal.ws.setHib(ws, socketHooks(this.#host, tags));
    // Until the client end is handed over, the socket is pending (its sends are queued).
    this.#host.pending.set(ws, tags);
  }
  getWebSockets(tag = undefined) {
    const ids = this.#host.handle.wsList(tag === undefined ? null : String(tag));
    const out = ids.map((id) => socketFor(this.#host, id));
    for (const [ws, tags] of this.#host.pending) if (tag === undefined || tags.includes(String(tag))) out.push(ws);
    return out;
  }
  getTags(ws) {
    const hib = internal.ws.hib(ws);
    if (!hib || hib.id === undefined) throw new $TypeError("getTags() expects a WebSocket accepted with ctx.acceptWebSocket()");
    return this.#host.handle.wsTags(hib.id) ?? [];
  }
  setWebSocketAutoResponse(pair = undefined) {
    if (pair === undefined || pair === null) { this.#host.autoResponse = null; this.#host.handle.wsSetAutoResponse(null, null); return; }
    if (!(pair instanceof WebSocketRequestResponsePair)) throw new $TypeError("setWebSocketAutoResponse() expects a WebSocketRequestResponsePair");
    this.#host.autoResponse = pair;
    this.#host.handle.wsSetAutoResponse(pair.request, pair.response);
  }
  getWebSocketAutoResponse() { return this.#host.autoResponse ?? null; }
  getWebSocketAutoResponseTimestamp(ws) { return null; }
  get [Symbol.toStringTag]() { return "DurableObjectState"; }
}

class WebSocketRequestResponsePair {
  #request; #response;
  constructor(request, response) {
    request = String(request); response = String(response);
    if (request.length > 2048 || response.length > 2048) throw new $RangeError("Auto-response request and response strings may be at most 2048 characters.");
    this.#request = request; this.#response = response;
  }
  get request() { return this.#request; }
  get response() { return this.#response; }
}

// Hooks a hibernatable socket uses to reach the Rust socket table of its object.
function socketHooks(host, tags) {
  const h = host.handle;
  return {
    tags,
    adopt: (port, ws) => { const id = h.wsAdopt(port, tags); host.sockets.set(id, ws); host.pending.delete(ws); return id; },
    // Output gate for WebSocket messages: a message sent after a write leaves only once the
    // write is durable; messages keep their order.
    send: (id, data) => {
      if (!host.sendQueue && !host.storage[kPending]()) { h.wsSend(id, data); return; }
      const q = (host.sendQueue ?? PromiseResolve()).then(() => host.storage[kSync]()).then(() => { h.wsSend(id, data); });
      host.sendQueue = q;
      q.then(() => { if (host.sendQueue === q) host.sendQueue = null; }, () => { if (host.sendQueue === q) host.sendQueue = null; });
    },
    close: (id, code, reason) => { h.wsClose(id, code, reason); host.sockets.delete(id); },
    setAttachment: (id, s) => h.wsSetAttachment(id, s),
    attachment: (id) => h.wsAttachment(id),
  };
}
function socketFor(host, id) {
  let ws = host.sockets.get(id);
  if (!ws) {
    const hooks = socketHooks(host, host.handle.wsTags(id) ?? []);
    hooks.id = id;
    ws = internal.ws.hibernated(hooks);
    host.sockets.set(id, ws);
  }
  return ws;
}

// ---- host side: instance creation and event delivery ----
function create(Cls, hex, name, handle, env, sqlite) {
  const host = { obj: null, blocking: null, broken: null, waitUntil: [], storage: null, turn: PromiseResolve(), handle, sockets: new $Map(), pending: new $Map(), autoResponse: null };
  const id = new DurableObjectId(kHex, hex, name === null ? undefined : name);
  host.storage = new DurableObjectStorage(kHex, handle, host, sqlite);
  const state = new DurableObjectState(kHex, id, host.storage, host);
  host.obj = new Cls(state, env);
  return host;
}
function describe(e) { return e instanceof $Error ? `${e.name}: ${e.message}` : String(e); }
// Input gate: events start one at a time. An event gets the gate when the previous one
// started and then ran until it waited on something other than storage (storage calls settle
// within the same turn, so "the next turn" is exactly "after its storage work"). Events also
// wait while blockConcurrencyWhile() callbacks run.
async function acquireTurn(host) {
  const prev = host.turn;
  let release;
  host.turn = new $Promise((r) => { release = r; });
  await prev;
  while (host.blocking) { const b = host.blocking; await b; if (host.blocking === b) host.blocking = null; }
  return release;
}
async function deliver(host, kind, a, b, c, d, e) {
  const release = await acquireTurn(host);
  const work = handle(host, kind, a, b, c, d, e);
  internal.nextTurn().then(release);
  return work;
}
// One event, as the host's invoke path reads it (verge-web src/invoke.rs): the response's
// parts for a fetch, [0, value] otherwise, [-1, error, reset, serialized] for a failure.
async function handle(host, kind, a, b, c, d, e) {
  try {
    if (host.broken) throw host.broken;
    const obj = host.obj;
    let value = DONE;
    if (kind === "fetch") {
      if (typeof obj.fetch !== "function") throw new $TypeError("The Durable Object does not define a fetch() method.");
      const r = await obj.fetch(internal.incomingRequest(a, b, c, d, e));
      if (!(r instanceof Response)) throw new $TypeError("The Durable Object's fetch() must return a Response.");
      value = internal.responseParts(r);
    } else if (kind === "rpc") {
      const method = a;
      if (RESERVED.has(method) || method.startsWith("#")) throw new $TypeError(`"${method}" cannot be called over RPC.`);
      const fn = obj[method];
      if (typeof fn !== "function" || $Object.prototype[method] === fn) {
        throw new $TypeError(`The RPC receiver does not implement the method "${method}".`);
      }
      value = [0, serialize(await fn.apply(obj, deserialize(b)))];
    } else if (kind === "ws-message") {
      const ws = socketFor(host, a);
      if (typeof obj.webSocketMessage !== "function") throw new $TypeError("The Durable Object accepted a WebSocket but has no webSocketMessage() handler.");
      await obj.webSocketMessage(ws, b);
    } else if (kind === "ws-close") {
      const ws = socketFor(host, a);
      internal.ws.markClosed(ws);
      host.sockets.delete(a);
      if (typeof obj.webSocketClose === "function") await obj.webSocketClose(ws, b, c, d);
    } else if (kind === "alarm") {
      if (typeof obj.alarm !== "function") throw new $TypeError("The Durable Object has an alarm set but no alarm() handler.");
      host.storage.deleteAlarm();
      await obj.alarm({ retryCount: a, isRetry: a > 0 });
    } else {
      throw new $TypeError(`unknown Durable Object event ${kind}`);
    }
    // Output gate: nothing leaves the object before the writes it follows are durable.
    await host.storage[kSync]();
    if (host.broken) throw host.broken;
    return value;
  } catch (err) {
    // What the failed event wrote is durable (or failed) before the host looks at the
    // object's state again (the alarm scheduler reads the alarm it left).
    try { await host.storage[kSync](); } catch {}
    let s = null;
    try { s = serialize(err); } catch { s = serialize(new $Error(describe(err))); }
    const reset = kind === "fetch" || host.broken !== null;
    return [-1, err, reset, s];
  }
}
const DONE = [0];
internal.objectEvent = (host, kind, a, b, c, d, e) => [deliver(host, kind, a, b, c, d, e), null];
internal.durable = {
  create,
  makeNamespace: (ns, cls) => new DurableObjectNamespace(kHex, ns, cls),
};
for (const [n, v] of $Object.entries({ WebSocketRequestResponsePair, DurableObjectId, DurableObjectNamespace, DurableObjectState, DurableObjectStorage, SqlStorage, SqlStorageCursor })) {
  internal.defineGlobal(n, v);
}
