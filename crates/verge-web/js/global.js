// console, timers, structuredClone, crypto (random parts), navigator, reportError, scheduler.
"use strict";
const { TypeError: $TypeError, Symbol: $Symbol, Map: $Map, Set: $Set, Date: $Date, RegExp: $RegExp,
        ArrayBuffer: $ArrayBuffer, DataView: $DataView, Error: $Error, DOMException: $DOMException,
        Object: $Object, Array: $Array, Promise: $Promise } = globalThis;
const log = internal.log;

// ---- inspect / console ----
function inspect(v, depth = 2, seen = new $Set()) {
  switch (typeof v) {
    case "string": return seen.size === 0 ? v : JSON.stringify(v);
    case "number": return Object.is(v, -0) ? "-0" : String(v);
    case "bigint": return `${v}n`;
    case "undefined": return "undefined";
    case "boolean": return String(v);
    case "symbol": return v.toString();
    case "function": return `[Function: ${v.name || "(anonymous)"}]`;
  }
  if (v === null) return "null";
  if (v instanceof $Error) return v.stack ? `${v.name}: ${v.message}\n${v.stack}`.trimEnd() : `${v.name}: ${v.message}`;
  if (seen.has(v)) return "[Circular]";
  if (depth < 0) return $Array.isArray(v) ? "[Array]" : "[Object]";
  seen.add(v);
  try {
    if ($Array.isArray(v)) return `[ ${v.map((x) => inspect(x, depth - 1, seen)).join(", ")} ]`;
    if (v instanceof $Map) return `Map(${v.size}) { ${[...v].map(([k, x]) => `${inspect(k, depth - 1, seen)} => ${inspect(x, depth - 1, seen)}`).join(", ")} }`;
    if (v instanceof $Set) return `Set(${v.size}) { ${[...v].map((x) => inspect(x, depth - 1, seen)).join(", ")} }`;
    if (v instanceof $Date) return isNaN(v) ? "Invalid Date" : v.toISOString();
    if (v instanceof $RegExp) return String(v);
    if ($ArrayBuffer.isView(v)) return `${v.constructor.name}(${v.length}) [ ${$Array.from(v.slice(0, 50)).join(", ")}${v.length > 50 ? ", ..." : ""} ]`;
    if (v instanceof $ArrayBuffer) return `ArrayBuffer { byteLength: ${v.byteLength} }`;
    if (typeof v.then === "function") return "Promise { <pending> }";
    const tag = v[$Symbol.toStringTag];
    const keys = $Object.keys(v);
    const body = keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(v[k], depth - 1, seen)}`).join(", ");
    if (tag && keys.length === 0) {
      if (tag === "URL" || tag === "URLSearchParams") return `${tag} { ${String(v)} }`;
      return `${tag} {}`;
    }
    return (tag ? `${tag} ` : "") + (keys.length ? `{ ${body} }` : "{}");
  } finally {
    seen.delete(v);
  }
}
function format(args) {
  if (args.length === 0) return "";
  let out = "";
  let i = 0;
  if (typeof args[0] === "string" && args[0].includes("%")) {
    const fmt = args[0]; i = 1;
    out = fmt.replace(/%[sdifoOjc%]/g, (m) => {
      if (m === "%%") return "%";
      if (i >= args.length) return m;
      const a = args[i++];
      switch (m) {
        case "%s": return typeof a === "string" ? a : inspect(a, 1, new $Set([{}]));
        case "%d": case "%i": return typeof a === "bigint" ? `${a}n` : String(m === "%i" ? parseInt(a) : Number(a));
        case "%f": return String(parseFloat(a));
        case "%j": try { return JSON.stringify(a); } catch { return "[Circular]"; }
        case "%c": return "";
        default: return inspect(a, 2, new $Set([{}]));
      }
    });
  } else {
    out = inspect(args[0]); i = 1;
  }
  for (; i < args.length; i++) out += " " + inspect(args[i]);
  return out;
}
const counts = new $Map(), timers = new $Map();
let groupIndent = "";
const emit = (level, args) => log(level, groupIndent + format(args));
const console = {
  log: (...a) => emit(1, a), info: (...a) => emit(1, a), debug: (...a) => emit(0, a),
  warn: (...a) => emit(2, a), error: (...a) => emit(3, a), trace: (...a) => emit(0, a),
  assert: (cond, ...a) => { if (!cond) emit(3, ["Assertion failed" + (a.length ? ":" : ""), ...a]); },
  count: (label = "default") => { const n = (counts.get(label) || 0) + 1; counts.set(label, n); emit(1, [`${label}: ${n}`]); },
  countReset: (label = "default") => counts.delete(label),
  time: (label = "default") => timers.set(label, globalThis.performance.now()),
  timeLog: (label = "default", ...a) => emit(1, [`${label}: ${(globalThis.performance.now() - (timers.get(label) ?? 0)).toFixed(3)}ms`, ...a]),
  timeEnd: (label = "default") => { emit(1, [`${label}: ${(globalThis.performance.now() - (timers.get(label) ?? 0)).toFixed(3)}ms`]); timers.delete(label); },
  group: (...a) => { if (a.length) emit(1, a); groupIndent += "  "; },
  groupCollapsed: (...a) => { if (a.length) emit(1, a); groupIndent += "  "; },
  groupEnd: () => { groupIndent = groupIndent.slice(2); },
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
let ambient = null;
const scopeNow = () => ambient ?? internal.timerScope();
function runCallback(cb, args, scope) {
  const outer = ambient;
  ambient = scope;
  try { if (typeof cb === "function") cb(...args); } catch (e) { internal.reportError(e); }
  finally { ambient = outer; }
}
function setTimeout(cb, ms = 0, ...args) {
  const id = nextTimer++, scope = scopeNow();
  active.add(id);
  internal.sleep(Number(ms) || 0, scope).then((fired) => { if (active.delete(id) && fired) runCallback(cb, args, scope); });
  return id;
}
function setInterval(cb, ms = 0, ...args) {
  const id = nextTimer++, scope = scopeNow();
  active.add(id);
  const delay = Math.max(Number(ms) || 0, 1);
  const tick = () => internal.sleep(delay, scope).then((fired) => {
    if (!fired) { active.delete(id); return; }
    if (!active.has(id)) return;
    runCallback(cb, args, scope);
    if (active.has(id)) tick();
  });
  tick();
  return id;
}
function clearTimeout(id) { active.delete(Number(id)); }
const never = new $Promise(() => {});
const scheduler = { wait: (ms) => internal.sleep(Number(ms) || 0, scopeNow()).then((fired) => fired ? undefined : never) };

// ---- structuredClone (https://html.spec.whatwg.org/#structured-cloning) ----
function dataClone(what) { return new $DOMException(`${what} could not be cloned.`, "DataCloneError"); }
function clone(v, memo) {
  if (typeof v !== "object" && typeof v !== "function") {
    if (typeof v === "symbol") throw dataClone(v.toString());
    return v;
  }
  if (v === null) return v;
  if (typeof v === "function") throw dataClone(`function ${v.name || "(anonymous)"}`);
  if (memo.has(v)) return memo.get(v);
  let out;
  const tag = $Object.prototype.toString.call(v);
  if (v instanceof $Date) out = new $Date(v.getTime());
  else if (v instanceof $RegExp) out = new $RegExp(v.source, v.flags);
  else if (v instanceof $ArrayBuffer) out = v.slice(0);
  else if ($ArrayBuffer.isView(v)) {
    const buf = clone(v.buffer, memo);
    out = v instanceof $DataView ? new $DataView(buf, v.byteOffset, v.byteLength) : new v.constructor(buf, v.byteOffset, v.length);
  } else if (v instanceof $Map) { out = new $Map(); memo.set(v, out); for (const [k, x] of v) out.set(clone(k, memo), clone(x, memo)); return out; }
  else if (v instanceof $Set) { out = new $Set(); memo.set(v, out); for (const x of v) out.add(clone(x, memo)); return out; }
  else if (v instanceof $Error) {
    const C = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[v.name] || $Error;
    out = new C(v.message);
    if (v.stack !== undefined) $Object.defineProperty(out, "stack", { value: v.stack, writable: true, configurable: true });
    if ("cause" in v) out.cause = clone(v.cause, memo);
  } else if (tag === "[object Boolean]" || tag === "[object Number]" || tag === "[object String]" || tag === "[object BigInt]") out = $Object(v.valueOf());
  else if ($Array.isArray(v)) { out = new $Array(v.length); memo.set(v, out); for (const k of $Object.keys(v)) out[k] = clone(v[k], memo); return out; }
  else if (tag === "[object Object]" || tag === "[object Arguments]") {
    const proto = $Object.getPrototypeOf(v);
    if (proto !== null && proto !== $Object.prototype && typeof v.constructor === "function" && /\[native code\]/.test(String(v.constructor)) && v.constructor !== $Object)
      throw dataClone(`${v.constructor.name} object`);
    out = {}; memo.set(v, out);
    for (const k of $Object.keys(v)) out[k] = clone(v[k], memo);
    return out;
  } else throw dataClone(tag.slice(8, -1) + " object");
  memo.set(v, out);
  return out;
}
function structuredClone(value, options = undefined) {
  if (arguments.length === 0) throw new $TypeError("structuredClone: 1 argument required, but only 0 present.");
  return clone(value, new $Map());
}
internal.structuredClone = structuredClone;

// ---- crypto (random parts; crypto.subtle is installed by the crypto extension) ----
const INTEGER_ARRAYS = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"];
const crypto = {
  getRandomValues(array) {
    if (!$ArrayBuffer.isView(array) || array instanceof $DataView || !INTEGER_ARRAYS.includes(array.constructor.name))
      throw new $DOMException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
    const bytes = internal.random.bytes(array.byteLength);
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
    return array;
  },
  randomUUID() { return internal.random.uuid(); },
};
$Object.defineProperty(crypto, $Symbol.toStringTag, { value: "Crypto" });

const navigator = { userAgent: "Cloudflare-Workers", language: "en", languages: ["en"], hardwareConcurrency: 1 };

for (const [name, value] of $Object.entries({
  console, setTimeout, setInterval, clearTimeout, clearInterval: clearTimeout, structuredClone, crypto, navigator, scheduler,
  reportError: internal.reportError,
})) internal.defineGlobal(name, value);
