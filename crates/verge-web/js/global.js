// self, console, timers, structuredClone, crypto (random parts), navigator, reportError, scheduler.
// Built-ins come from `primordials` (crates/verge-js/js/primordials.js); this file runs when the
// isolate is made, but its functions run after guest code, which may have replaced any global
// or prototype method.
"use strict";
// String building: `+` and ToString, never template literals (see crates/verge-js/js/primordials.js).
const $toString = primordials.ToString;
const {
  TypeError: $TypeError, Symbol: $Symbol, Map: $Map, Set: $Set, Date: $Date, RegExp: $RegExp,
  ArrayBuffer: $ArrayBuffer, DataView: $DataView, Error: $Error, DOMException: $DOMException,
  Object: $Object, Array: $Array, String: $String, Number: $Number, Uint8Array: $Uint8Array,
  parseInt: $parseInt, parseFloat: $parseFloat, call, ReflectStatics, ObjectStatics, ObjectPrototype,
  ArrayStatics, MathStatics, JSONStatics, StringPrototype, NumberPrototype, BooleanPrototype,
  BigIntPrototype, SymbolPrototype, DatePrototype, RegExpPrototype, RegExpPrototypeGetters,
  FunctionPrototype, MapPrototype, SetPrototype, SetPrototypeGetters,
  ArrayBufferStatics, ArrayBufferPrototype, ArrayBufferPrototypeGetters, TypedArrayPrototype,
  TypedArrayPrototypeGetters, DataViewPrototypeGetters, PromisePrototypeThen, SymbolToStringTag,
  performance: $performance, PerformanceNow, Promise: $Promise,
} = primordials;
const ReflectApply = ReflectStatics.apply;
const ObjectKeys = ObjectStatics.keys;
const ObjectIs = ObjectStatics.is;
const ObjectGetPrototypeOf = ObjectStatics.getPrototypeOf;
const ObjectDefineProperty = ObjectStatics.defineProperty;
const ArrayIsArray = ArrayStatics.isArray;
const isView = ArrayBufferStatics.isView;
const stringify = JSONStatics.stringify;
const MathMax = MathStatics.max;
const typedArrayTag = TypedArrayPrototypeGetters[SymbolToStringTag];
const log = internal.log;
const now = () => call(PerformanceNow, $performance);

// True when `re` matches `s` (RegExp.prototype.exec as captured: never a guest's `exec`).
const matches = (re, s) => call(RegExpPrototype.exec, re, s) !== null;
// A typed array's [[TypedArrayName]], or undefined.
const tagOf = (v) => call(typedArrayTag, v);
function isArrayBuffer(v) {
  try { call(ArrayBufferPrototypeGetters.byteLength, v); return true; } catch { return false; }
}
// Elements `0..n` of an internal list joined with `sep`, each mapped by `f`.
function joinMapped(list, n, f, sep) {
  let out = "";
  for (let i = 0; i < n; i++) out += (i === 0 ? "" : sep) + f(list[i]);
  return out;
}

// ---- inspect / console ----
const IDENT = /^[A-Za-z_$][\w$]*$/;
function inspect(v, depth = 2, seen = new $Set()) {
  switch (typeof v) {
    case "string": return call(SetPrototypeGetters.size, seen) === 0 ? v : stringify(v);
    case "number": return ObjectIs(v, -0) ? "-0" : $String(v);
    case "bigint": return ($toString(v) + "n");
    case "undefined": return "undefined";
    case "boolean": return $String(v);
    case "symbol": return call(SymbolPrototype.toString, v);
    case "function": return ("[Function: " + $toString(v.name || "(anonymous)") + "]");
  }
  if (v === null) return "null";
  if (v instanceof $Error) {
    const head = ($toString(v.name) + ": " + $toString(v.message));
    const stack = v.stack;
    if (!stack) return head;
    // A stack that starts with its header (see prepareStackTrace below) is printed alone.
    const s = $toString(stack);
    return call(StringPrototype.trimEnd, call(StringPrototype.startsWith, s, "    at ") ? head + "\n" + s : s);
  }
  if (call(SetPrototype.has, seen, v)) return "[Circular]";
  if (depth < 0) return ArrayIsArray(v) ? "[Array]" : "[Object]";
  call(SetPrototype.add, seen, v);
  try {
    const inner = (x) => inspect(x, depth - 1, seen);
    if (ArrayIsArray(v)) return ("[ " + $toString(joinMapped(v, v.length, inner, ", ")) + " ]");
    if (v instanceof $Map) {
      const parts = [];
      call(MapPrototype.forEach, v, (x, k) => { parts[parts.length] = ($toString(inner(k)) + " => " + $toString(inner(x))); });
      return ("Map(" + $toString(parts.length) + ") { " + $toString(joinMapped(parts, parts.length, (s) => s, ", ")) + " }");
    }
    if (v instanceof $Set) {
      const parts = [];
      call(SetPrototype.forEach, v, (x) => { parts[parts.length] = inner(x); });
      return ("Set(" + $toString(parts.length) + ") { " + $toString(joinMapped(parts, parts.length, (s) => s, ", ")) + " }");
    }
    if (v instanceof $Date) {
      const t = call(DatePrototype.getTime, v);
      return t !== t ? "Invalid Date" : call(DatePrototype.toISOString, v);
    }
    if (v instanceof $RegExp) return ("/" + $toString(call(RegExpPrototypeGetters.source, v)) + "/" + $toString(call(RegExpPrototypeGetters.flags, v)));
    if (isView(v)) {
      const tag = tagOf(v);
      if (tag !== undefined) {
        const n = call(TypedArrayPrototypeGetters.length, v);
        const shown = n > 50 ? 50 : n;
        return ($toString(tag) + "(" + $toString(n) + ") [ " + $toString(joinMapped(v, shown, $String, ", ")) + $toString(n > 50 ? ", ..." : "") + " ]");
      }
      return ("DataView { byteLength: " + $toString(call(DataViewPrototypeGetters.byteLength, v)) + " }");
    }
    if (isArrayBuffer(v)) return ("ArrayBuffer { byteLength: " + $toString(call(ArrayBufferPrototypeGetters.byteLength, v)) + " }");
    if (typeof v.then === "function") return "Promise { <pending> }";
    const tag = v[SymbolToStringTag];
    const keys = ObjectKeys(v);
    const body = joinMapped(keys, keys.length, (k) => ($toString(matches(IDENT, k) ? k : stringify(k)) + ": " + $toString(inner(v[k]))), ", ");
    if (tag && keys.length === 0) {
      if (tag === "URL" || tag === "URLSearchParams") return ($toString(tag) + " { " + $toString($String(v)) + " }");
      return ($toString(tag) + " {}");
    }
    return (tag ? ($toString(tag) + " ") : "") + (keys.length ? ("{ " + $toString(body) + " }") : "{}");
  } finally {
    call(SetPrototype.delete, seen, v);
  }
}
// A non-empty `seen` set: inspect() then quotes strings, as for values nested in objects.
function nested() { const s = new $Set(); call(SetPrototype.add, s, {}); return s; }
function formatDirective(m, a) {
  switch (m) {
    case "%s": return typeof a === "string" ? a : inspect(a, 1, nested());
    case "%d": case "%i": return typeof a === "bigint" ? ($toString(a) + "n") : $String(m === "%i" ? $parseInt(a) : $Number(a));
    case "%f": return $String($parseFloat(a));
    case "%j": try { return stringify(a); } catch { return "[Circular]"; }
    case "%c": return "";
    default: return inspect(a, 2, nested());
  }
}
const DIRECTIVES = "sdifoOjc%";
function format(args) {
  if (args.length === 0) return "";
  let out = "";
  let i = 0;
  if (typeof args[0] === "string" && call(StringPrototype.includes, args[0], "%")) {
    const fmt = args[0]; i = 1;
    let last = 0;
    for (let k = 0; k < fmt.length - 1; k++) {
      if (fmt[k] !== "%" || !call(StringPrototype.includes, DIRECTIVES, fmt[k + 1])) continue;
      const m = "%" + fmt[k + 1];
      out += call(StringPrototype.slice, fmt, last, k);
      if (m === "%%") out += "%";
      else if (i >= args.length) out += m;
      else out += formatDirective(m, args[i++]);
      k++;
      last = k + 1;
    }
    out += call(StringPrototype.slice, fmt, last);
  } else {
    out = inspect(args[0]); i = 1;
  }
  for (; i < args.length; i++) out += " " + inspect(args[i]);
  return out;
}
const counts = new $Map(), timers = new $Map();
let groupIndent = "";
const emit = (level, args) => log(level, groupIndent + format(args));
// [first, ...rest] without the iterator protocol.
function prepend(first, rest) {
  const out = [first];
  for (let i = 0; i < rest.length; i++) out[i + 1] = rest[i];
  return out;
}
const elapsed = (label) => call(NumberPrototype.toFixed, now() - (call(MapPrototype.get, timers, label) ?? 0), 3);
const console = {
  log: (...a) => emit(1, a), info: (...a) => emit(1, a), debug: (...a) => emit(0, a),
  warn: (...a) => emit(2, a), error: (...a) => emit(3, a), trace: (...a) => emit(0, a),
  assert: (cond, ...a) => { if (!cond) emit(3, prepend("Assertion failed" + (a.length ? ":" : ""), a)); },
  count: (label = "default") => {
    const n = (call(MapPrototype.get, counts, label) || 0) + 1;
    call(MapPrototype.set, counts, label, n);
    emit(1, [($toString(label) + ": " + $toString(n))]);
  },
  countReset: (label = "default") => call(MapPrototype.delete, counts, label),
  time: (label = "default") => call(MapPrototype.set, timers, label, now()),
  timeLog: (label = "default", ...a) => emit(1, prepend(($toString(label) + ": " + $toString(elapsed(label)) + "ms"), a)),
  timeEnd: (label = "default") => { emit(1, [($toString(label) + ": " + $toString(elapsed(label)) + "ms")]); call(MapPrototype.delete, timers, label); },
  group: (...a) => { if (a.length) emit(1, a); groupIndent += "  "; },
  groupCollapsed: (...a) => { if (a.length) emit(1, a); groupIndent += "  "; },
  groupEnd: () => { groupIndent = call(StringPrototype.slice, groupIndent, 2); },
  table: (...a) => emit(1, a), dir: (v) => emit(1, [v]), dirxml: (...a) => emit(1, a),
};
internal.describeError = (e) => inspect(e);
internal.reportError = (e) => log(3, "Uncaught " + inspect(e));

// ---- timers ----
// A timer belongs to the work that set it (internal.timerScope: a request, a Durable Object,
// or nobody) and stops when that work is over (internal.sleep resolves false): a request's
// timers never outlive it, as in Workers. A timer callback runs with its timer's scope as the
// ambient one, so the timers it sets belong to the same work.
let nextTimer = 1;
const active = new $Set();
const sleep = internal.sleep, timerScope = internal.timerScope;
let ambient = null;
const scopeNow = () => ambient ?? timerScope();
function runCallback(cb, args, scope) {
  const outer = ambient;
  ambient = scope;
  try { if (typeof cb === "function") ReflectApply(cb, undefined, args); } catch (e) { internal.reportError(e); }
  finally { ambient = outer; }
}
function setTimeout(cb, ms = 0, ...args) {
  const id = nextTimer++, scope = scopeNow();
  call(SetPrototype.add, active, id);
  PromisePrototypeThen(sleep($Number(ms) || 0, scope), (fired) => { if (call(SetPrototype.delete, active, id) && fired) runCallback(cb, args, scope); });
  return id;
}
function setInterval(cb, ms = 0, ...args) {
  const id = nextTimer++, scope = scopeNow();
  call(SetPrototype.add, active, id);
  const delay = MathMax($Number(ms) || 0, 1);
  const tick = () => PromisePrototypeThen(sleep(delay, scope), (fired) => {
    if (!fired) { call(SetPrototype.delete, active, id); return; }
    if (!call(SetPrototype.has, active, id)) return;
    runCallback(cb, args, scope);
    if (call(SetPrototype.has, active, id)) tick();
  });
  tick();
  return id;
}
function clearTimeout(id) { call(SetPrototype.delete, active, $Number(id)); }
// A wait whose request ended never resolves (the request is gone).
const never = new $Promise(() => {});
const scheduler = { wait: (ms) => PromisePrototypeThen(sleep($Number(ms) || 0, scopeNow()), (fired) => fired ? undefined : never) };

// ---- structuredClone (https://html.spec.whatwg.org/#structured-cloning) ----
const ERRORS = { __proto__: null };
{
  const names = ["EvalError", "RangeError", "ReferenceError", "SyntaxError", "TypeError", "URIError"];
  for (let i = 0; i < names.length; i++) ERRORS[names[i]] = primordials[names[i]];
}
const TYPED_ARRAYS = { __proto__: null };
{
  const names = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
    "Uint32Array", "Float16Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"];
  for (let i = 0; i < names.length; i++) if (primordials[names[i]]) TYPED_ARRAYS[names[i]] = primordials[names[i]];
}
const NATIVE = /\[native code\]/;
function dataClone(what) { return new $DOMException(($toString(what) + " could not be cloned."), "DataCloneError"); }
function clone(v, memo) {
  if (typeof v !== "object" && typeof v !== "function") {
    if (typeof v === "symbol") throw dataClone(call(SymbolPrototype.toString, v));
    return v;
  }
  if (v === null) return v;
  if (typeof v === "function") throw dataClone(("function " + $toString(v.name || "(anonymous)")));
  if (call(MapPrototype.has, memo, v)) return call(MapPrototype.get, memo, v);
  if (v instanceof $Map) {
    const out = new $Map(); call(MapPrototype.set, memo, v, out);
    call(MapPrototype.forEach, v, (x, k) => { call(MapPrototype.set, out, clone(k, memo), clone(x, memo)); });
    return out;
  }
  if (v instanceof $Set) {
    const out = new $Set(); call(MapPrototype.set, memo, v, out);
    call(SetPrototype.forEach, v, (x) => { call(SetPrototype.add, out, clone(x, memo)); });
    return out;
  }
  if (ArrayIsArray(v)) {
    const out = new $Array(v.length); call(MapPrototype.set, memo, v, out);
    const keys = ObjectKeys(v);
    for (let i = 0; i < keys.length; i++) out[keys[i]] = clone(v[keys[i]], memo);
    return out;
  }
  const out = cloneLeaf(v, memo);
  call(MapPrototype.set, memo, v, out);
  return out;
}
const EMPTY = [];
// A copy of an ArrayBuffer, resizable with the same maximum when it is.
function cloneBuffer(b) {
  if (!call(ArrayBufferPrototypeGetters.resizable, b)) return call(ArrayBufferPrototype.slice, b, 0);
  const out = new $ArrayBuffer(call(ArrayBufferPrototypeGetters.byteLength, b),
    { maxByteLength: call(ArrayBufferPrototypeGetters.maxByteLength, b) });
  call(TypedArrayPrototype.set, new $Uint8Array(out), new $Uint8Array(b));
  return out;
}
// Clones what holds no references to clone later (dates, buffers, errors, boxed primitives), or
// a plain object (registered in `memo` before its members are cloned).
function cloneLeaf(v, memo) {
  if (v instanceof $Date) return new $Date(call(DatePrototype.getTime, v));
  if (v instanceof $RegExp) return new $RegExp(call(RegExpPrototypeGetters.source, v), call(RegExpPrototypeGetters.flags, v));
  if (isArrayBuffer(v)) return cloneBuffer(v);
  if (isView(v)) {
    const ta = tagOf(v);
    if (ta === undefined) {
      // A DataView's getters throw when a resizable buffer shrank below its range.
      let offset, length;
      try {
        offset = call(DataViewPrototypeGetters.byteOffset, v);
        length = call(DataViewPrototypeGetters.byteLength, v);
      } catch {
        throw dataClone("An out-of-bounds DataView");
      }
      const buf = clone(call(DataViewPrototypeGetters.buffer, v), memo);
      return new $DataView(buf, offset, length);
    }
    // A typed array out of its buffer's bounds reads as empty; `set` validates it (throws).
    try { call(TypedArrayPrototype.set, v, EMPTY); } catch { throw dataClone("An out-of-bounds TypedArray"); }
    const buf = clone(call(TypedArrayPrototypeGetters.buffer, v), memo);
    return new TYPED_ARRAYS[ta](buf, call(TypedArrayPrototypeGetters.byteOffset, v), call(TypedArrayPrototypeGetters.length, v));
  }
  // Blob and File live in form.js, loaded on first use (so there is none before it is).
  const cloneBlob = internal.cloneBlob;
  if (cloneBlob !== undefined) {
    const b = cloneBlob(v);
    if (b !== undefined) return b;
  }
  if (v instanceof $Error) {
    const C = ERRORS[v.name] || $Error;
    // An error without an own message gets none (HTML "StructuredSerializeInternal" step 17).
    const desc = ObjectStatics.getOwnPropertyDescriptor(v, "message");
    const out = desc !== undefined ? new C(v.message) : new C();
    if (v.stack !== undefined) ObjectDefineProperty(out, "stack", { value: v.stack, writable: true, configurable: true });
    if ("cause" in v) out.cause = clone(v.cause, memo);
    return out;
  }
  // Object.prototype.toString reads Symbol.toStringTag (an accessor on views, handled above).
  const tag = call(ObjectPrototype.toString, v);
  if (tag === "[object Boolean]") return $Object(call(BooleanPrototype.valueOf, v));
  if (tag === "[object Number]") return $Object(call(NumberPrototype.valueOf, v));
  if (tag === "[object String]") return $Object(call(StringPrototype.valueOf, v));
  if (tag === "[object BigInt]") return $Object(call(BigIntPrototype.valueOf, v));
  if (tag === "[object Object]" || tag === "[object Arguments]") {
    const proto = ObjectGetPrototypeOf(v);
    if (proto !== null && proto !== $Object.prototype && typeof v.constructor === "function" && v.constructor !== $Object) {
      let src = "";
      try { src = call(FunctionPrototype.toString, v.constructor); } catch {}
      if (matches(NATIVE, src)) throw dataClone(($toString(v.constructor.name) + " object"));
    }
    const out = {}; call(MapPrototype.set, memo, v, out);
    const keys = ObjectKeys(v);
    for (let i = 0; i < keys.length; i++) out[keys[i]] = clone(v[keys[i]], memo);
    return out;
  }
  throw dataClone(call(StringPrototype.slice, tag, 8, -1) + " object");
}
// `options.transfer`: only ArrayBuffers are transferable here (no MessagePort, no
// transferable streams); each is cloned as the value refers to it, then detached (HTML
// "StructuredSerializeWithTransfer": a non-transferable, duplicate or detached entry is a
// DataCloneError, checked before anything is cloned).
function structuredClone(value, options = undefined) {
  if (arguments.length === 0) throw new $TypeError("structuredClone: 1 argument required, but only 0 present.");
  const memo = new $Map();
  const transfer = [];
  const list = options !== undefined && options !== null ? options.transfer : undefined;
  if (list !== undefined) {
    if (list === null || typeof list !== "object" || typeof list[$Symbol.iterator] !== "function")
      throw new $TypeError("structuredClone: transfer must be a sequence of objects");
    for (const t of list) {
      if (!isArrayBuffer(t)) throw dataClone("Value not transferable:");
      if (call(ArrayBufferPrototypeGetters.detached, t)) throw dataClone("A detached ArrayBuffer");
      if (call(MapPrototype.has, memo, t)) throw dataClone("An ArrayBuffer listed twice in transfer");
      call(MapPrototype.set, memo, t, cloneBuffer(t));
      transfer[transfer.length] = t;
    }
  }
  const out = clone(value, memo);
  for (let i = 0; i < transfer.length; i++) call(ArrayBufferPrototype.transfer, transfer[i]);
  return out;
}
internal.structuredClone = structuredClone;
primordials.structuredClone = structuredClone;

// ---- crypto (random parts; crypto.subtle is installed by the crypto extension) ----
const INTEGER_ARRAYS = { __proto__: null, Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 1,
  Uint16Array: 1, Int32Array: 1, Uint32Array: 1, BigInt64Array: 1, BigUint64Array: 1 };
const crypto = {
  getRandomValues(array) {
    const ta = tagOf(array);
    if (ta === undefined || INTEGER_ARRAYS[ta] !== 1)
      throw new $DOMException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
    const length = call(TypedArrayPrototypeGetters.byteLength, array);
    const bytes = internal.random.bytes(length);
    const view = new $Uint8Array(call(TypedArrayPrototypeGetters.buffer, array), call(TypedArrayPrototypeGetters.byteOffset, array), length);
    call(TypedArrayPrototype.set, view, bytes);
    return array;
  },
  randomUUID() { return internal.random.uuid(); },
};
ObjectDefineProperty(crypto, $Symbol.toStringTag, { value: "Crypto" });

const navigator = { userAgent: "Cloudflare-Workers", language: "en", languages: ["en"], hardwareConcurrency: 1 };

// Date's string forms end with the zone's name, as V8 (so workerd) prints them:
// "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)". QuickJS stops at the
// offset. Workers run in UTC; another offset is left as QuickJS prints it.
{
  const DateProto = $Date.prototype;
  for (const name of ["toString", "toTimeString"]) {
    const original = DateProto[name];
    const named = {
      [name]() {
        const s = call(original, this);
        const n = s.length;
        return n >= 8 && call(StringPrototype.slice, s, n - 8) === "GMT+0000" ? s + " (Coordinated Universal Time)" : s;
      },
    }[name];
    ObjectDefineProperty(DateProto, name, { value: named, writable: true, configurable: true, enumerable: false });
  }
}

// An error's `stack` starts with `Name: message`, as V8 (so workerd) writes it; QuickJS writes
// only the frames. QuickJS calls `Error.prepareStackTrace(error, callSites)` when it is a
// function: this one writes the header (Error.prototype.toString, as V8's ErrorUtils::ToString)
// and then the frames as QuickJS does. A guest may replace it, as on V8.
{
  const ErrorToString = $Error.prototype.toString;
  const frame = (cs) => {
    let fn = null, file = null, line = 0, col = 0, native = false;
    try {
      fn = cs.getFunctionName();
      file = cs.getFileName();
      line = cs.getLineNumber();
      col = cs.getColumnNumber();
      native = cs.isNative();
    } catch {}
    const where = native ? "native" : ($toString(file === null || file === undefined ? "<anonymous>" : file) +
      ":" + $toString(line) + ":" + $toString(col));
    return "    at " + $toString(fn ? fn : "<anonymous>") + " (" + where + ")";
  };
  const prepareStackTrace = function prepareStackTrace(error, callSites) {
    let out;
    try { out = $toString(call(ErrorToString, error)); } catch { out = "Error"; }
    for (let i = 0; i < callSites.length; i++) out += "\n" + frame(callSites[i]);
    return out;
  };
  // An assignment: QuickJS keeps the hook behind an accessor on Error.
  $Error.prepareStackTrace = prepareStackTrace;
}

const define = internal.defineGlobal;
// The global object under its Worker name (ServiceWorkerGlobalScope's `self`), as in Workers.
define("self", globalThis);
define("console", console);
define("setTimeout", setTimeout);
define("setInterval", setInterval);
define("clearTimeout", clearTimeout);
define("clearInterval", clearTimeout);
define("structuredClone", structuredClone);
define("crypto", crypto);
define("navigator", navigator);
define("scheduler", scheduler);
define("reportError", internal.reportError);
