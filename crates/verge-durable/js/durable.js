// Durable Objects: namespaces, ids, stubs (fetch + RPC), DurableObjectState, storage (KV + SQL
// APIs) and event delivery with the output gate. Host operations: internal.durableOps.
//
// Every built-in comes from `primordials` (crates/verge-js/js/primordials.js) or is captured
// when this file runs, before any guest code: a guest that replaces a global or a prototype
// method cannot break the object's storage, its gates or RPC. Internal arrays are read and
// written by index (no iteration protocol, spread or destructuring), promises chained through
// the captured `then`, strings built with `+` and ToString (no template literals).
"use strict";
const ops = internal.durableOps;
const { TypeError: $TypeError, RangeError: $RangeError, Error: $Error, Map: $Map, Set: $Set,
        Date: $Date, RegExp: $RegExp, ArrayBuffer: $ArrayBuffer, DataView: $DataView,
        Object: $Object, Promise: $Promise, Symbol: $Symbol, DOMException: $DOMException,
        BigInt: $BigInt, String: $String, Number: $Number, Boolean: $Boolean,
        Uint8Array: $Uint8Array, call, ToString: $toString, ObjectStatics, ObjectPrototype,
        ArrayStatics, ArrayPrototype, StringStatics, StringPrototype, NumberStatics,
        BooleanPrototype, NumberPrototype, BigIntPrototype, DatePrototype, RegExpPrototype,
        RegExpPrototypeGetters, FunctionPrototype, MapPrototype, SetPrototype, ReflectStatics,
        TypedArrayPrototypeGetters, DataViewPrototypeGetters, ArrayBufferStatics,
        PromisePrototypeThen, PromiseResolve, SymbolToStringTag, SymbolIterator,
        queueMicrotask: $queueMicrotask } = primordials;
const { Request, Response } = internal.fetchClasses;
const headersToFlat = internal.headersToFlat, headersFromFlat = internal.headersFromFlat;
const utf8 = internal.encoding.encode;
const isArray = ArrayStatics.isArray, objectKeys = ObjectStatics.keys, objectIs = ObjectStatics.is;
const isFinite = NumberStatics.isFinite;
const mapGet = (m, k) => call(MapPrototype.get, m, k), mapSet = (m, k, v) => call(MapPrototype.set, m, k, v);
const mapHas = (m, k) => call(MapPrototype.has, m, k), mapDelete = (m, k) => call(MapPrototype.delete, m, k);
const setHas = (s, v) => call(SetPrototype.has, s, v);
const then = PromisePrototypeThen, rawThen = primordials.PromisePrototype.then;
const swallow = (p) => { then(p, undefined, () => {}); };
const u8Buffer = (u) => call(TypedArrayPrototypeGetters.buffer, u);
const u8Offset = (u) => call(TypedArrayPrototypeGetters.byteOffset, u);
const u8Length = (u) => call(TypedArrayPrototypeGetters.byteLength, u);
// Promise.all of two promises, without the guest-replaceable statics.
function both(a, b) {
  return new $Promise((resolve, reject) => {
    let left = 2;
    const one = () => { if (--left === 0) resolve(); };
    then(a, one, reject);
    then(b, one, reject);
  });
}
// The first of two promises to settle.
function race(a, b) {
  return new $Promise((resolve, reject) => { then(a, resolve, reject); then(b, resolve, reject); });
}
function push(list, v) { list[list.length] = v; }

// Structured clone to and from a string: js/rpc.js in verge-web. RPC passes functions and
// RpcTargets by reference; storage refuses them.
const serialize = internal.v8.serialize, deserialize = internal.v8.deserialize;
const serializeRpc = internal.v8.serializeRpc, deserializeRpc = internal.v8.deserializeRpc;
const ObjectPrototypeValue = $Object.prototype;

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
  get [SymbolToStringTag]() { return "DurableObjectId"; }
}
const RESERVED = new $Set();
{
  const names = ["fetch", "connect", "alarm", "webSocketMessage", "webSocketClose", "webSocketError", "constructor", "dup"];
  for (let i = 0; i < names.length; i++) call(SetPrototype.add, RESERVED, names[i]);
}
// A failed call's error (js/rpc.js), marked as Workers marks a Durable Object's.
function remoteError(res) {
  const e = internal.remoteError(res);
  try { e.remote = !!res[2]; if (!res[2]) e.retryable = true; } catch {}
  return e;
}
// `RT` is the namespace's runtime handle (this worker's, or the one hosting another
// worker's class), `ns` its index there.
function makeStub(RT, ns, id) {
  const hex = id[kHex], name = id.name ?? null;
  const target = {
    id, name: id.name,
    async fetch(input, init = undefined) {
      const req = new Request(input, init);
      // The body streams to the object (js/fetch.js internal.hostBody, body.rs outgoing_stream).
      const res = await ops.fetch(RT, ns, hex, name, [req.method, req.url, headersToFlat(req.headers), rawThen], internal.hostBody(req));
      if (!res[0]) throw remoteError(res);
      return internal.remoteResponse(res);
    },
  };
  return internal.rpcStub(target, remote);
  async function remote(prop, args) {
    const res = await ops.rpc(RT, ns, hex, name, prop, args === null ? null : serializeRpc(args));
    if (!res[0]) throw remoteError(res);
    return deserializeRpc(res[1]);
  }
}
class DurableObjectNamespace {
  #rt; #ns; #class;
  constructor(token, rt, ns, cls) { if (token !== kHex) throw new $TypeError("Illegal constructor"); this.#rt = rt; this.#ns = ns; this.#class = cls; }
  idFromName(name) {
    if (arguments.length === 0) throw new $TypeError("idFromName requires a name");
    name = $toString(name);
    return new DurableObjectId(kHex, ops.idFromName(this.#rt, this.#ns, name), name);
  }
  newUniqueId(options = undefined) { return new DurableObjectId(kHex, ops.newUniqueId(this.#rt, this.#ns), undefined); }
  idFromString(s) { return new DurableObjectId(kHex, ops.validateId(this.#rt, this.#ns, $toString(s)), undefined); }
  get(id, options = undefined) {
    if (!(id instanceof DurableObjectId)) throw new $TypeError("get() expects a DurableObjectId from this namespace");
    ops.validateId(this.#rt, this.#ns, id[kHex]);
    return makeStub(this.#rt, this.#ns, id);
  }
  getByName(name, options = undefined) { return this.get(this.idFromName(name), options); }
  jurisdiction(j) { return this; }
  get [SymbolToStringTag]() { return "DurableObjectNamespace"; }
}

// ---- storage ----
const MAX_KEYS = 128;
function checkKey(k) {
  if (typeof k !== "string") throw new $TypeError("Durable Object storage keys must be strings");
  if (k.length > 2048) throw new $RangeError("Keys cannot be larger than 2048 bytes.");
  return k;
}
// The keys of a get/delete of many keys, checked, in a fresh array.
function keyList(keys) {
  const n = keys.length;
  if (n > MAX_KEYS) throw new $RangeError("Maximum number of keys is " + MAX_KEYS + ". You provided " + $toString(n) + ".");
  const out = [];
  for (let i = 0; i < n; i++) out[i] = checkKey(keys[i]);
  return out;
}
// Storage orders keys by their UTF-8 bytes (code point order), not by UTF-16 units.
function byteCompare(a, b) {
  const x = utf8(a), y = utf8(b);
  const xn = u8Length(x), yn = u8Length(y), n = xn < yn ? xn : yn;
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return xn - yn;
}
function sortedKeys(keys) { const out = keyList(keys); call(ArrayPrototype.sort, out, byteCompare); return out; }
// The [key, value] pairs of a put of many pairs.
function entriesOf(obj) {
  const keys = objectKeys(obj);
  if (keys.length > MAX_KEYS) throw new $RangeError("Maximum number of pairs is " + MAX_KEYS + ". You provided " + $toString(keys.length) + ".");
  return keys;
}
// The rows of a list, host [key, serialized] pairs, as a Map.
function listMap(rows) {
  const m = new $Map();
  for (let i = 0; i < rows.length; i++) mapSet(m, rows[i][0], deserialize(rows[i][1]));
  return m;
}
function listArgs(options) {
  options = options || {};
  if (options.start !== undefined && options.startAfter !== undefined) throw new $TypeError("list() cannot take both start and startAfter");
  const limit = options.limit === undefined ? null : $Number(options.limit);
  if (limit !== null && !(limit >= 1)) throw new $TypeError("list() limit must be a positive integer");
  return [options.start ?? null, options.startAfter ?? null, options.end ?? null, options.prefix ?? null, !!options.reverse, limit];
}
function alarmTime(time) {
  const t = time instanceof $Date ? call(DatePrototype.getTime, time) : $Number(time);
  if (!isFinite(t)) throw new $TypeError("setAlarm() expects a Date or a number of milliseconds since the epoch");
  return t;
}
function copy(list) { const out = []; for (let i = 0; i < list.length; i++) out[i] = list[i]; return out; }
// An iterator over an array of ours (the guest may replace %ArrayIteratorPrototype%.next).
function iterate(list, map) {
  let i = 0;
  return {
    next: () => i >= list.length ? { done: true, value: undefined } : { done: false, value: map(list[i++]) },
    [SymbolIterator]() { return this; },
  };
}

class SqlStorageCursor {
  #columns; #rows; #i = 0; #read; #written;
  constructor(token, r) { if (token !== kHex) throw new $TypeError("Illegal constructor"); this.#columns = r.columns; this.#rows = r.rows; this.#read = r.rowsRead; this.#written = r.rowsWritten; }
  #obj(row) { const o = {}, cols = this.#columns; for (let j = 0; j < cols.length; j++) o[cols[j]] = row[j]; return o; }
  next() { if (this.#i >= this.#rows.length) return { done: true, value: undefined }; return { done: false, value: this.#obj(this.#rows[this.#i++]) }; }
  toArray() { const out = []; while (this.#i < this.#rows.length) push(out, this.#obj(this.#rows[this.#i++])); return out; }
  one() {
    const rest = this.#rows.length - this.#i;
    if (rest !== 1) throw new $Error(rest === 0 ? "Expected exactly one result from SQL query, but got no results." : "Expected exactly one result from SQL query, but got multiple results.");
    return this.#obj(this.#rows[this.#i++]);
  }
  raw() {
    const self = this;
    return { next: () => self.#i >= self.#rows.length ? { done: true, value: undefined } : { done: false, value: copy(self.#rows[self.#i++]) },
             toArray: () => { const out = []; while (self.#i < self.#rows.length) push(out, copy(self.#rows[self.#i++])); return out; },
             [SymbolIterator]() { return this; } };
  }
  get columnNames() { return copy(this.#columns); }
  get rowsRead() { return this.#read; }
  get rowsWritten() { return this.#written; }
  [SymbolIterator]() { return this; }
}
class SqlStorage {
  #h; #storage;
  constructor(token, h, storage) { if (token !== kHex) throw new $TypeError("Illegal constructor"); this.#h = h; this.#storage = storage; }
  exec(query) {
    const bindings = [];
    for (let i = 1; i < arguments.length; i++) bindings[i - 1] = arguments[i];
    let r;
    try { r = this.#h.sqlExec($toString(query), bindings); }
    finally { call(storageFlush, this.#storage); }
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
    $queueMicrotask(() => {
      this.#flushQueued = false;
      if (!this.#h.dirty()) return;
      const p = ops.commit(this.#h);
      this.#inflight++;
      then(p, () => { this.#inflight--; }, () => { this.#inflight--; });
      this.#last = then(p, undefined, (e) => { this.#host.broken = e; throw e; });
      swallow(this.#last);
    });
  }
  async [kSync]() {
    // Let a flush queued by this turn start, then wait for the newest commit.
    await null;
    await this.#last;
  }
  sync() { return call(storageSync, this); }
  // True while a write is not yet durable (queued for commit or committing).
  [kPending]() { return this.#flushQueued || this.#inflight > 0 || this.#h.dirty(); }
  async get(key, options = undefined) {
    const h = this.#h;
    if (isArray(key)) {
      const keys = sortedKeys(key), m = new $Map();
      for (let i = 0; i < keys.length; i++) { const v = h.get(keys[i]); if (v !== undefined) mapSet(m, keys[i], deserialize(v)); }
      return m;
    }
    const v = h.get(checkKey(key));
    return v === undefined ? undefined : deserialize(v);
  }
  async put(key, value = undefined, options = undefined) {
    if (typeof key === "object" && key !== null) {
      const keys = entriesOf(key);
      for (let i = 0; i < keys.length; i++) this.#h.put(checkKey(keys[i]), serialize(key[keys[i]]));
    } else {
      if (arguments.length < 2) throw new $TypeError("put() requires a key and a value");
      this.#h.put(checkKey(key), serialize(value));
    }
    call(storageFlush, this);
  }
  async delete(key, options = undefined) {
    let r;
    if (isArray(key)) { r = 0; const keys = keyList(key); for (let i = 0; i < keys.length; i++) if (this.#h.delete(keys[i])) r++; }
    else r = this.#h.delete(checkKey(key));
    call(storageFlush, this);
    return r;
  }
  async deleteAll(options = undefined) { this.#h.deleteAll(); this.#h.setAlarm(null); call(storageFlush, this); }
  async list(options = {}) {
    const a = listArgs(options);
    return listMap(this.#h.list(a[0], a[1], a[2], a[3], a[4], a[5]));
  }
  async getAlarm(options = undefined) { return this.#h.getAlarm() ?? null; }
  async setAlarm(time, options = undefined) { this.#h.setAlarm(alarmTime(time)); call(storageFlush, this); }
  async deleteAlarm(options = undefined) { this.#h.setAlarm(null); call(storageFlush, this); }
  // The transaction's writes stay in a write set of their own until the callback ends:
  // other events may run while it awaits I/O, and a rollback must drop its writes only.
  async transaction(fn) {
    const h = this.#h, id = h.txnBegin();
    let rolledBack = false;
    const txn = {
      get: async (key, o) => {
        if (isArray(key)) {
          const keys = sortedKeys(key), m = new $Map();
          for (let i = 0; i < keys.length; i++) { const v = h.txnGet(id, keys[i]); if (v !== undefined) mapSet(m, keys[i], deserialize(v)); }
          return m;
        }
        const v = h.txnGet(id, checkKey(key));
        return v === undefined ? undefined : deserialize(v);
      },
      put: async (key, value = undefined, o = undefined) => {
        if (typeof key === "object" && key !== null) {
          const keys = entriesOf(key);
          for (let i = 0; i < keys.length; i++) h.txnPut(id, checkKey(keys[i]), serialize(key[keys[i]]));
        } else h.txnPut(id, checkKey(key), serialize(value));
      },
      delete: async (key, o) => {
        let r;
        if (isArray(key)) { r = 0; const keys = keyList(key); for (let i = 0; i < keys.length; i++) if (h.txnDelete(id, keys[i])) r++; }
        else r = h.txnDelete(id, checkKey(key));
        return r;
      },
      list: async (options = {}) => {
        const a = listArgs(options);
        return listMap(h.txnList(id, a[0], a[1], a[2], a[3], a[4], a[5]));
      },
      getAlarm: async (o) => h.txnGetAlarm(id) ?? null,
      setAlarm: async (time, o) => { h.txnSetAlarm(id, alarmTime(time)); },
      deleteAlarm: async (o) => { h.txnSetAlarm(id, null); },
      // Marks the transaction rolled back: nothing it wrote, before or after, is kept.
      rollback: () => { rolledBack = true; h.txnRollback(id); },
    };
    try {
      const r = await fn(txn);
      if (h.txnEnd(id, !rolledBack)) call(storageFlush, this);
      return r;
    } catch (e) {
      h.txnEnd(id, false);
      throw e;
    }
  }
  transactionSync(fn) {
    const name = "verge_txn_" + $toString(++this.#savepoints);
    const snap = this.#h.snapshot();
    this.#h.savepoint(name);
    try {
      const r = fn();
      this.#h.endSavepoint(name, true);
      this.#h.restore(snap, false);
      call(storageFlush, this);
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
      put: (k, v) => { h.put(checkKey(k), serialize(v)); call(storageFlush, self); },
      delete: (k) => { const r = h.delete(checkKey(k)); call(storageFlush, self); return r; },
      list: (o = {}) => {
        o = o || {};
        const rows = h.list(o.start ?? null, o.startAfter ?? null, o.end ?? null, o.prefix ?? null, !!o.reverse, o.limit ?? null);
        return iterate(rows, (row) => [row[0], deserialize(row[1])]);
      },
    };
  }
  get [SymbolToStringTag]() { return "DurableObjectStorage"; }
}

// The storage's own methods, as defined here (the class is a global a guest can change).
const StorageProto = DurableObjectStorage.prototype;
const storageFlush = StorageProto[kFlush], storageSync = StorageProto[kSync];
const storagePending = StorageProto[kPending], storageDeleteAlarm = StorageProto.deleteAlarm;

class DurableObjectState {
  #id; #storage; #host;
  constructor(token, id, storage, host) { if (token !== kHex) throw new $TypeError("Illegal constructor"); this.#id = id; this.#storage = storage; this.#host = host; }
  get id() { return this.#id; }
  get storage() { return this.#storage; }
  // An object lives while it has work in flight, so waitUntil only reports a rejection (as on
  // Workers, where it exists in Durable Objects for compatibility).
  waitUntil(p) { then(PromiseResolve(p), undefined, (e) => internal.reportError(e)); }
  // The object takes no other event until `fn` settles; one that has not settled after
  // ops.blockConcurrencyLimitMs resets the object (its queued events fail), as on Workers.
  blockConcurrencyWhile(fn) {
    const host = this.#host;
    const p = (async () => await fn())();
    let settled = false, timedOut = false;
    const done = then(p, () => { settled = true; }, (e) => { settled = true; if (!timedOut) host.broken = e; });
    const limit = then(internal.sleep(ops.blockConcurrencyLimitMs), () => {
      if (settled) return;
      timedOut = true;
      if (host.broken === null) host.broken = new $Error("A call to blockConcurrencyWhile() in a Durable Object waited for too long. The call was canceled and the Durable Object was reset.");
    });
    const gate = race(done, limit);
    host.blocking = host.blocking ? both(host.blocking, gate) : gate;
    return p;
  }
  abort(reason = undefined) { this.#host.broken = reason ?? new $Error("Durable Object was aborted"); }
  acceptWebSocket(ws, tags = []) {
    const W = internal.ws.WebSocket;
    if (!(ws instanceof W)) throw new $TypeError("acceptWebSocket() expects the server end of a WebSocketPair");
    if (internal.ws.hib(ws)) throw new $TypeError("This WebSocket was already accepted with acceptWebSocket().");
    const given = isArray(tags) ? tags : ArrayStatics.from(tags), list = [];
    for (let i = 0; i < given.length; i++) list[i] = $toString(given[i]);
    internal.ws.setHib(ws, socketHooks(this.#host, list));
    // Until the client end is handed over, the socket is pending (its sends are queued).
    mapSet(this.#host.pending, ws, list);
  }
  getWebSockets(tag = undefined) {
    const host = this.#host, want = tag === undefined ? null : $toString(tag);
    const ids = host.handle.wsList(want), out = [];
    for (let i = 0; i < ids.length; i++) out[i] = socketFor(host, ids[i]);
    call(MapPrototype.forEach, host.pending, (tags, ws) => {
      if (want === null) { push(out, ws); return; }
      for (let i = 0; i < tags.length; i++) if (tags[i] === want) { push(out, ws); return; }
    });
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
  get [SymbolToStringTag]() { return "DurableObjectState"; }
}

class WebSocketRequestResponsePair {
  #request; #response;
  constructor(request, response) {
    request = $toString(request); response = $toString(response);
    if (request.length > 2048 || response.length > 2048) throw new $RangeError("Auto-response request and response strings may be at most 2048 characters.");
    this.#request = request; this.#response = response;
  }
  get request() { return this.#request; }
  get response() { return this.#response; }
}

// Hooks a hibernatable socket uses to reach the Rust socket table of its object.
function socketHooks(host, tags) {
  const h = host.handle;
  const settle = (q) => { if (host.sendQueue === q) host.sendQueue = null; };
  return {
    tags,
    adopt: (port, ws) => { const id = h.wsAdopt(port, tags); mapSet(host.sockets, id, ws); mapDelete(host.pending, ws); return id; },
    // Output gate for WebSocket messages: a message sent after a write leaves only once the
    // write is durable; messages keep their order.
    send: (id, data) => {
      if (!host.sendQueue && !call(storagePending, host.storage)) { h.wsSend(id, data); return; }
      const q = then(then(host.sendQueue ?? PromiseResolve(), () => call(storageSync, host.storage)), () => { h.wsSend(id, data); });
      host.sendQueue = q;
      then(q, () => settle(q), () => settle(q));
    },
    close: (id, code, reason) => { h.wsClose(id, code, reason); mapDelete(host.sockets, id); },
    setAttachment: (id, s) => h.wsSetAttachment(id, s),
    attachment: (id) => h.wsAttachment(id),
  };
}
function socketFor(host, id) {
  let ws = mapGet(host.sockets, id);
  if (!ws) {
    const hooks = socketHooks(host, host.handle.wsTags(id) ?? []);
    hooks.id = id;
    ws = internal.ws.hibernated(hooks);
    mapSet(host.sockets, id, ws);
  }
  return ws;
}

// ---- host side: instance creation and event delivery ----
function create(Cls, hex, name, handle, env, sqlite) {
  const host = { obj: null, blocking: null, broken: null, storage: null, turn: PromiseResolve(), handle, sockets: new $Map(), pending: new $Map(), autoResponse: null, sendQueue: null };
  const id = new DurableObjectId(kHex, hex, name === null ? undefined : name);
  host.storage = new DurableObjectStorage(kHex, handle, host, sqlite);
  const state = new DurableObjectState(kHex, id, host.storage, host);
  host.obj = new Cls(state, env);
  return host;
}
function describe(e) { return e instanceof $Error ? $String(e.name) + ": " + $String(e.message) : $String(e); }
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
// (An async function returning a promise would resolve with it through its `then`, looked up
// at run time: so `return await`, here and below.)
async function deliver(host, kind, a, b, c, d, e) {
  const release = await acquireTurn(host);
  const work = handle(host, kind, a, b, c, d, e);
  then(internal.nextTurn(), release);
  return await work;
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
      if (setHas(RESERVED, method) || call(StringPrototype.startsWith, method, "#")) throw new $TypeError("\"" + method + "\" cannot be called over RPC.");
      if (b === null || b === undefined) {
        value = [0, serializeRpc(await obj[method])];
      } else {
        const fn = obj[method];
        if (typeof fn !== "function" || ObjectPrototypeValue[method] === fn) {
          throw new $TypeError("The RPC receiver does not implement the method \"" + method + "\".");
        }
        value = [0, serializeRpc(await ReflectStatics.apply(fn, obj, deserializeRpc(b)))];
      }
    } else if (kind === "ws-message") {
      const ws = socketFor(host, a);
      if (typeof obj.webSocketMessage !== "function") throw new $TypeError("The Durable Object accepted a WebSocket but has no webSocketMessage() handler.");
      await obj.webSocketMessage(ws, b);
    } else if (kind === "ws-close") {
      const ws = socketFor(host, a);
      internal.ws.markClosed(ws);
      mapDelete(host.sockets, a);
      if (typeof obj.webSocketClose === "function") await obj.webSocketClose(ws, b, c, d);
    } else if (kind === "alarm") {
      if (typeof obj.alarm !== "function") throw new $TypeError("The Durable Object has an alarm set but no alarm() handler.");
      call(storageDeleteAlarm, host.storage);
      await obj.alarm({ retryCount: a, isRetry: a > 0 });
    } else {
      throw new $TypeError("unknown Durable Object event " + $String(kind));
    }
    // Output gate: nothing leaves the object before the writes it follows are durable.
    await call(storageSync, host.storage);
    if (host.broken) throw host.broken;
    return value;
  } catch (err) {
    // What the failed event wrote is durable (or failed) before the host looks at the
    // object's state again (the alarm scheduler reads the alarm it left).
    try { await call(storageSync, host.storage); } catch {}
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
  makeNamespace: (rt, ns, cls) => new DurableObjectNamespace(kHex, rt, ns, cls),
};
{
  const classes = [WebSocketRequestResponsePair, DurableObjectId, DurableObjectNamespace, DurableObjectState, DurableObjectStorage, SqlStorage, SqlStorageCursor];
  const names = ["WebSocketRequestResponsePair", "DurableObjectId", "DurableObjectNamespace", "DurableObjectState", "DurableObjectStorage", "SqlStorage", "SqlStorageCursor"];
  for (let i = 0; i < classes.length; i++) internal.defineGlobal(names[i], classes[i]);
}
