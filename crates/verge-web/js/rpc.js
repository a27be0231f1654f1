// RPC between isolates (Durable Object stubs, service bindings): the structured-clone
// serializer (internal.v8), the caller's reading of a remote result (internal.remoteError,
// internal.remoteResponse) and the callee's entry for a WorkerEntrypoint
// (internal.serveRpc).
//
// Every built-in comes from `primordials` (crates/verge-js/js/primordials.js): this runs when
// the isolate is made, but everything below runs after guest code, which may have replaced
// any global or prototype method. Internal arrays are read by index, strings built with `+`.
"use strict";
const { TypeError: $TypeError, Error: $Error, Map: $Map, Set: $Set, Date: $Date, RegExp: $RegExp,
        DataView: $DataView, Object: $Object, Symbol: $Symbol, DOMException: $DOMException,
        BigInt: $BigInt, String: $String, Number: $Number, Boolean: $Boolean,
        Uint8Array: $Uint8Array, call, ToString: $toString, ObjectStatics, ObjectPrototype,
        ArrayStatics, StringStatics, StringPrototype, NumberStatics,
        BooleanPrototype, NumberPrototype, DatePrototype, RegExpPrototype,
        RegExpPrototypeGetters, FunctionPrototype, MapPrototype, SetPrototype, ReflectStatics,
        TypedArrayPrototypeGetters, DataViewPrototypeGetters, ArrayBufferStatics,
        SymbolToStringTag } = primordials;
const isArray = ArrayStatics.isArray, objectKeys = ObjectStatics.keys, objectIs = ObjectStatics.is;
const isFinite = NumberStatics.isFinite;
const mapGet = (m, k) => call(MapPrototype.get, m, k), mapSet = (m, k, v) => call(MapPrototype.set, m, k, v);
const mapHas = (m, k) => call(MapPrototype.has, m, k);
const u8Buffer = (u) => call(TypedArrayPrototypeGetters.buffer, u);
const u8Offset = (u) => call(TypedArrayPrototypeGetters.byteOffset, u);
const u8Length = (u) => call(TypedArrayPrototypeGetters.byteLength, u);
const typedArrayTag = (v) => call(TypedArrayPrototypeGetters[SymbolToStringTag], v);
function push(list, v) { list[list.length] = v; }
const $btoa = globalThis.btoa, $atob = globalThis.atob;

// ---- serialization (the structured-clone algorithm, to a JSON-tagged string) ----
function b64(u8) {
  let s = "";
  const n = u8Length(u8), buf = u8Buffer(u8), off = u8Offset(u8);
  for (let i = 0; i < n; i += 8192) {
    const part = new $Uint8Array(buf, off + i, n - i < 8192 ? n - i : 8192);
    s += ReflectStatics.apply(StringStatics.fromCharCode, null, part);
  }
  return $btoa(s);
}
function unb64(s) {
  const bin = $atob(s);
  const u = new $Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u[i] = call(StringPrototype.charCodeAt, bin, i);
  return u;
}
// The cloneable views and their constructors, captured now.
const VIEWS = new $Map();
{
  const names = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "DataView"];
  for (let i = 0; i < names.length; i++) mapSet(VIEWS, names[i], primordials[names[i]]);
}
const ERRORS = new $Map();
{
  const names = ["EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"];
  for (let i = 0; i < names.length; i++) mapSet(ERRORS, names[i], primordials[names[i]]);
}
const NATIVE = /\[native code\]/;
function dataClone(what) { return new $DOMException($toString(what) + " could not be cloned.", "DataCloneError"); }
function enc(v, seen) {
  switch (typeof v) {
    case "string": case "boolean": return v;
    case "number":
      if (isFinite(v) && !objectIs(v, -0)) return v;
      return ["n", objectIs(v, -0) ? "-0" : $String(v)];
    case "undefined": return ["u"];
    case "bigint": return ["b", $String(v)];
    case "symbol": throw dataClone(call(primordials.SymbolPrototype.toString, v));
    case "function":
      if (exporting) return exportValue(v);
      throw dataClone("function " + (v.name || "(anonymous)"));
  }
  if (v === null) return null;
  if (exporting && v instanceof RpcTarget) return exportValue(v);
  if (mapHas(seen, v)) return ["ref", mapGet(seen, v)];
  const idx = call(MapPrototypeSize, seen);
  mapSet(seen, v, idx);
  if (isArray(v)) {
    const out = [];
    for (let i = 0; i < v.length; i++) out[i] = enc(v[i], seen);
    return ["a", out];
  }
  if (v instanceof $DOMException) return ["x", $String(v.message), $String(v.name)];
  const tag = call(ObjectPrototype.toString, v);
  switch (tag) {
    case "[object Date]": return ["d", call(DatePrototype.getTime, v)];
    case "[object RegExp]": return ["r", call(RegExpPrototypeGetters.source, v), call(RegExpPrototypeGetters.flags, v)];
    case "[object Map]": {
      const out = [];
      call(MapPrototype.forEach, v, (x, k) => { push(out, [enc(k, seen), enc(x, seen)]); });
      return ["m", out];
    }
    case "[object Set]": {
      const out = [];
      call(SetPrototype.forEach, v, (x) => { push(out, enc(x, seen)); });
      return ["s", out];
    }
    case "[object ArrayBuffer]": return ["ab", b64(new $Uint8Array(v))];
    case "[object Boolean]": return ["w", "Boolean", call(BooleanPrototype.valueOf, v)];
    case "[object Number]": return ["w", "Number", call(NumberPrototype.valueOf, v)];
    case "[object String]": return ["w", "String", call(StringPrototype.valueOf, v)];
  }
  if (ArrayBufferStatics.isView(v)) {
    const name = typedArrayTag(v) ?? "DataView";
    if (!mapHas(VIEWS, name)) throw dataClone(name);
    if (name === "DataView") {
      const G = DataViewPrototypeGetters;
      return ["v", name, b64(new $Uint8Array(call(G.buffer, v), call(G.byteOffset, v), call(G.byteLength, v)))];
    }
    return ["v", name, b64(new $Uint8Array(u8Buffer(v), u8Offset(v), u8Length(v)))];
  }
  if (tag === "[object Error]") return ["e", v.name, v.message, v.stack ?? null, "cause" in v ? enc(v.cause, seen) : ["u"]];
  const proto = ObjectStatics.getPrototypeOf(v);
  if (proto !== null && proto !== ObjectPrototypeValue) {
    const C = v.constructor;
    if (typeof C === "function" && C !== $Object && call(RegExpPrototype.exec, NATIVE, call(FunctionPrototype.toString, C)) !== null)
      throw dataClone($toString(C.name) + " object");
  }
  const o = {};
  const keys = objectKeys(v);
  for (let i = 0; i < keys.length; i++) o[keys[i]] = enc(v[keys[i]], seen);
  return ["o", o];
}
const ObjectPrototypeValue = $Object.prototype;
const MapPrototypeSize = ObjectStatics.getOwnPropertyDescriptor($Map.prototype, "size").get;
function dec(x, refs) {
  if (x === null || typeof x !== "object") return x;
  const t = x[0];
  let out;
  switch (t) {
    case "n": return $Number(x[1] === "-0" ? -0 : x[1]);
    case "u": return undefined;
    case "b": return $BigInt(x[1]);
    case "ref": return refs[x[1]];
    case "a": { out = []; push(refs, out); const items = x[1]; for (let i = 0; i < items.length; i++) out[i] = dec(items[i], refs); return out; }
    case "d": out = new $Date(x[1]); push(refs, out); return out;
    case "r": out = new $RegExp(x[1], x[2]); push(refs, out); return out;
    case "m": { out = new $Map(); push(refs, out); const items = x[1]; for (let i = 0; i < items.length; i++) mapSet(out, dec(items[i][0], refs), dec(items[i][1], refs)); return out; }
    case "s": { out = new $Set(); push(refs, out); const items = x[1]; for (let i = 0; i < items.length; i++) call(SetPrototype.add, out, dec(items[i], refs)); return out; }
    case "ab": out = u8Buffer(unb64(x[1])); push(refs, out); return out;
    case "v": {
      const bytes = unb64(x[2]);
      const C = mapGet(VIEWS, x[1]);
      if (C === undefined) break;
      out = x[1] === "DataView" ? new $DataView(u8Buffer(bytes)) : new C(u8Buffer(bytes), 0, u8Length(bytes) / C.BYTES_PER_ELEMENT);
      push(refs, out); return out;
    }
    case "e": {
      const C = mapGet(ERRORS, x[1]) || $Error;
      out = new C(x[2]); push(refs, out);
      if (x[1] !== out.name) try { out.name = x[1]; } catch {}
      if (x[3] !== null) ObjectStatics.defineProperty(out, "stack", { __proto__: null, value: x[3], writable: true, configurable: true });
      const cause = dec(x[4], refs); if (cause !== undefined) out.cause = cause;
      return out;
    }
    case "x": out = new $DOMException(x[1], x[2]); push(refs, out); return out;
    case "stub": if (importing) return remoteStub(x[1], x[2], x[3]); break;
    case "w": out = $Object(x[1] === "Number" ? $Number(x[2]) : x[1] === "Boolean" ? $Boolean(x[2]) : $String(x[2])); push(refs, out); return out;
    case "o": { out = {}; push(refs, out); const o = x[1], keys = objectKeys(o); for (let i = 0; i < keys.length; i++) out[keys[i]] = dec(o[keys[i]], refs); return out; }
  }
  throw new $TypeError("corrupt serialized value");
}
const JSONStringify = primordials.JSONStatics.stringify, JSONParse = primordials.JSONStatics.parse;
const serialize = (v) => JSONStringify(enc(v, new $Map()));
const deserialize = (s) => dec(JSONParse(s), []);
// The same for RPC: functions and RpcTarget instances go by reference (["stub", isolate, id]),
// and come back as stubs.
let exporting = false, importing = false;
function serializeRpc(v) {
  const was = exporting;
  exporting = true;
  try { return JSONStringify(enc(v, new $Map())); } finally { exporting = was; }
}
function deserializeRpc(s) {
  const was = importing;
  importing = true;
  try { return dec(JSONParse(s), []); } finally { importing = was; }
}
internal.v8 = { serialize, deserialize, serializeRpc, deserializeRpc };

// ---- values handed out by reference (src/stubs.rs) ----
const rpcOps = internal.rpcOps, ISOLATE = internal.isolateKey, THREAD = rpcOps.thread;
const { RpcTarget } = internal.cloudflareWorkers;
// Most values one isolate keeps for stubs at a time (each lives as long as the request the
// chain of calls started from; work with no end keeps them as long as the isolate).
const MAX_EXPORTS = 10000;
const exported = new $Map();
let nextExport = 0;
function exportValue(v) {
  if (call(MapPrototypeSize, exported) >= MAX_EXPORTS)
    throw new $DOMException("Too many RPC stubs are held (at most " + MAX_EXPORTS + " per worker).", "DataCloneError");
  const id = ++nextExport;
  mapSet(exported, id, v);
  if (!rpcOps.exported(ISOLATE, id)) {
    call(MapPrototype.delete, exported, id);
    throw new $DOMException("A function or RpcTarget can only be passed by reference while a request is running.", "DataCloneError");
  }
  return ["stub", ISOLATE, id, THREAD];
}
internal.rpcDrop = (ids) => { for (let i = 0; i < ids.length; i++) call(MapPrototype.delete, exported, ids[i]); };
const DISPOSED = "Attempted to use RPC stub after it has been disposed.";
// A stub for a value another isolate handed out: calling it calls the function, its members
// are the RpcTarget's methods and properties (pipelined like any RPC result).
function remoteStub(key, id, thread) {
  let disposed = false;
  async function remote(method, args) {
    if (disposed) throw new $Error(DISPOSED);
    const res = await rpcOps.call(key, thread, id, method, args === null ? null : serializeRpc(args));
    if (!res[0]) throw remoteError(res);
    return deserializeRpc(res[1]);
  }
  return new $Proxy(() => {}, {
    __proto__: null,
    get(t, prop) {
      if (prop === SymbolDispose) return () => { disposed = true; };
      if (prop === "dup") return () => { if (disposed) throw new $Error(DISPOSED); return remoteStub(key, id, thread); };
      if (typeof prop !== "string" || prop === "then") return undefined;
      return rpcNode(once(() => remote(prop, null)), (args) => remote(prop, args));
    },
    apply(t, self, args) {
      const p = remote("", args);
      return rpcNode(() => p, (more) => PromisePrototypeThen(p, (v) => ReflectStatics.apply(v, undefined, more)));
    },
  });
}

// ---- the caller's side ----
// The error a failed call rethrows: what the callee threw, cloned (`[false, serialized error |
// null, thrown by the callee?, message]`, see src/remote.rs), or an Error with the message.
function remoteError(res) {
  let e;
  if (res[1]) { try { e = deserialize(res[1]); } catch { e = new $Error(res[3]); } }
  else e = new $Error(res[3]);
  if (!(e instanceof $Error)) { const v = e; e = new $Error($String(v)); }
  return e;
}
internal.remoteError = remoteError;
// The Response of a remote fetch (`[true, status, flatHeaders, body, webSocketTicket?]`).
internal.remoteResponse = (res) => {
  if (!res[0]) throw remoteError(res);
  const { Response } = internal.fetchClasses;
  const status = res[1], headers = internal.headersFromFlat(res[2], false), reader = res[3], ticket = res[4];
  if (ticket !== undefined && ticket !== null) return new Response(null, { status: 101, headers, webSocket: internal.ws.fromTicket(ticket) });
  const nullBody = status === 101 || status === 204 || status === 205 || status === 304;
  if (nullBody && reader) internal.cancelBody(reader);
  return internal.hostResponse(status === 101 ? 200 : status, headers, nullBody ? null : reader);
};

// ---- promise pipelining ----
// What an RPC call or property read gives: a promise of the result that can be used before it
// settles, as Workers' RpcPromise — `p.name` stands for the result's property `name` and
// `p.name(...args)` calls that method of the result, `p(...args)` calls the result itself.
// Each step waits for the one before (Workers sends the chain at once; the results are the
// same). `value` makes the promise this stands for (called at most once), `call` the promise
// of calling it.
const PromisePrototypeThen = primordials.PromisePrototypeThen;
const SymbolDispose = $Symbol.dispose;
function once(f) { let p = null; return () => (p === null ? (p = f()) : p); }
function afterward(p, onDone) {
  return PromisePrototypeThen(p, (v) => PromisePrototypeThen(PromiseResolve(onDone()), () => v),
    (e) => PromisePrototypeThen(PromiseResolve(onDone()), () => { throw e; }));
}
const PromiseResolve = primordials.PromiseResolve;
function rpcNode(value, callIt) {
  return new $Proxy(() => {}, {
    __proto__: null,
    get(t, prop) {
      if (prop === "then") return (ok, err) => PromisePrototypeThen(value(), ok, err);
      if (prop === "catch") return (err) => PromisePrototypeThen(value(), undefined, err);
      if (prop === "finally") return (f) => afterward(value(), f);
      if (prop === SymbolDispose) return () => {};
      if (typeof prop !== "string") return undefined;
      return rpcNode(once(() => PromisePrototypeThen(value(), (v) => v[prop])),
        (args) => PromisePrototypeThen(value(), (v) => ReflectStatics.apply(v[prop], v, args)));
    },
    apply(t, self, args) {
      const p = callIt(args);
      return rpcNode(() => p, (more) => PromisePrototypeThen(p, (v) => ReflectStatics.apply(v, undefined, more)));
    },
  });
}
// A remote property `name` of `read`/`invoke` (host calls returning promises): awaiting it
// reads the property, calling it calls the method.
internal.rpcMember = (read, invoke) => rpcNode(once(read), invoke);
const $Proxy = globalThis.Proxy;
// A stub (a service binding, a Durable Object stub): `target`'s own members, and any other
// string property a remote member through `remote(prop, args)` (`args` null for a read).
internal.rpcStub = (target, remote) => new $Proxy(target, {
  get(t, prop) {
    if (prop in t) return t[prop];
    if (prop === SymbolDispose) return () => {};
    if (typeof prop !== "string" || prop === "then") return undefined;
    // Awaiting stub.name reads the property; calling it calls the method; either may be
    // pipelined (rpcNode).
    return internal.rpcMember(() => remote(prop, null), (args) => remote(prop, args));
  },
});

// ---- the callee's side ----
// Methods a WorkerEntrypoint does not serve over RPC (its event handlers and the stub's own).
const RESERVED = new $Set();
{
  const names = ["fetch", "connect", "scheduled", "queue", "email", "tail", "trace", "test", "constructor", "dup"];
  for (let i = 0; i < names.length; i++) call(SetPrototype.add, RESERVED, names[i]);
}
function describe(e) { return e instanceof $Error ? $String(e.name) + ": " + $String(e.message) : $String(e); }
function failed(e) {
  let s;
  try { s = serialize(e); } catch { s = serialize(new $Error(describe(e))); }
  return [-1, e, false, s];
}
async function readProperty(target, name) {
  try {
    return [0, serializeRpc(await target[name])];
  } catch (e) {
    return failed(e);
  }
}
async function callMethod(target, fn, args) {
  try {
    return [0, serializeRpc(await ReflectStatics.apply(fn, target, args))];
  } catch (e) {
    return failed(e);
  }
}
// One RPC call on a worker's entrypoint (`handler`: the default export or a named export, a
// WorkerEntrypoint class made with the callee's own ctx and env): `[result, ctx]` as
// internal.serve returns, the result `[0, serialized]` or a failure; a promise never rejects.
internal.serveRpc = (handler, env, method, args, propsJson) => {
  const ctx = internal.newExecutionContext(propsJson);
  try {
    if (typeof handler !== "function") throw new $TypeError("The RPC receiver does not implement the method \"" + method + "\".");
    const target = new handler(ctx, env);
    if (call(SetPrototype.has, RESERVED, method)) throw new $TypeError("\"" + method + "\" cannot be called over RPC.");
    if (args === null || args === undefined) return [readProperty(target, method), ctx];
    const fn = target[method];
    if (typeof fn !== "function" || ObjectPrototypeValue[method] === fn)
      throw new $TypeError("The RPC receiver does not implement the method \"" + method + "\".");
    return [callMethod(target, fn, deserializeRpc(args)), ctx];
  } catch (e) {
    return [failed(e), ctx];
  }
};
// A call on a value this isolate handed out (Target::Stub in invoke.rs): `method` "" calls
// the function itself, `args` null reads the property.
internal.stubEvent = (id, method, args) => {
  try {
    const v = mapGet(exported, id);
    if (v === undefined) throw new $Error(DISPOSED);
    if (method === "") {
      if (typeof v !== "function") throw new $TypeError("The RPC stub is not a function.");
      return [callMethod(undefined, v, deserializeRpc(args)), null];
    }
    if (method === "constructor" || method === "dup") throw new $TypeError("\"" + method + "\" cannot be called over RPC.");
    if (args === null || args === undefined) return [readProperty(v, method), null];
    const fn = v[method];
    if (typeof fn !== "function" || ObjectPrototypeValue[method] === fn)
      throw new $TypeError("The RPC receiver does not implement the method \"" + method + "\".");
    return [callMethod(v, fn, deserializeRpc(args)), null];
  } catch (e) {
    return [failed(e), null];
  }
};
