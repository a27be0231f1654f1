// The built-ins platform JS uses, captured when an isolate is made, before any guest code runs
// (Deno's and Node's `primordials`). Evaluated once per isolate as the body of
// `function (globalThis, primordials, internal)` by `bytecode.rs`, when the first platform file
// runs; every platform file gets the same object as its `primordials` parameter.
//
// A guest may later replace a global (`globalThis.Promise = …`), a static (`JSON.parse = …`) or
// a prototype method (`Array.prototype.push = …`): platform code must not notice. So it never
// reads those at run time. It uses:
//   - the constructors and namespaces below (`primordials.Promise`, …), for `new`, `instanceof`
//     and constants only, never to look up a method at run time;
//   - snapshots of methods: `primordials.ArrayPrototype.push` is `Array.prototype.push` as it
//     was at isolate creation (getters under `…Getters`), `primordials.ObjectStatics.keys` is
//     `Object.keys`, and so on; each a null-prototype object holding plain functions. Only what
//     platform files use is captured (creation time): add a name here before using it;
//   - `uncurryThis(fn)` to turn a snapshot method into a function taking `this` first (made once
//     per file, at the file's load), or `call(fn, thisArg, ...args)` for a one-off call.
// Neither helper looks anything up when called.
//
// Not covered (a guest can still reach these): accessors or indexed properties added to
// `Object.prototype` / `Array.prototype` (reads of missing properties and writes of new indices
// walk the prototype chain), `Symbol.species` / `constructor` on built-in prototypes (used by
// `then`, `slice`, `map`), and `Symbol.hasInstance` on built-in constructors.
"use strict";
const g = globalThis;
const P = primordials;
const { Function: F, Object: O, Reflect: R, Symbol: S } = g;
const getOwn = O.getOwnPropertyDescriptor;
const functionCall = F.prototype.call;
const functionBind = F.prototype.bind;

// uncurryThis(fn) === functionCall.bind(fn), computed without a lookup at use.
P.uncurryThis = R.apply(functionBind, functionBind, [functionCall]);
// call(fn, thisArg, ...args) === fn.call(thisArg, ...args), without a lookup at use.
P.call = R.apply(functionBind, functionCall, [functionCall]);

// Constructors, namespaces and functions on the global object.
const GLOBALS = ["AggregateError", "Array", "ArrayBuffer", "BigInt", "BigInt64Array", "BigUint64Array",
  "Boolean", "DataView", "Date", "DOMException", "Error", "EvalError", "Float32Array", "Float64Array",
  "Function", "Int16Array", "Int32Array", "Int8Array", "JSON", "Map", "Math", "Number", "Object",
  "Promise", "Proxy", "RangeError", "ReferenceError", "Reflect", "RegExp", "Set", "String", "Symbol",
  "SyntaxError", "TypeError", "URIError", "Uint16Array", "Uint32Array", "Uint8Array",
  "Uint8ClampedArray", "WeakMap", "WeakRef", "WeakSet", "Float16Array", "queueMicrotask",
  "encodeURIComponent", "decodeURIComponent", "parseFloat", "parseInt", "isNaN", "isFinite",
  "TextDecoder"];
for (let i = 0; i < GLOBALS.length; i++) P[GLOBALS[i]] = g[GLOBALS[i]];

// A null-prototype copy of `names` of `obj` (plain data properties: methods).
function methods(obj, names) {
  const out = { __proto__: null };
  if (obj === undefined || obj === null) return out;
  for (let i = 0; i < names.length; i++) {
    const d = getOwn(obj, names[i]);
    if (d !== undefined) out[names[i]] = d.value;
  }
  return out;
}
// A null-prototype map from property name to getter.
function getters(obj, names) {
  const out = { __proto__: null };
  if (obj === undefined || obj === null) return out;
  for (let i = 0; i < names.length; i++) {
    const d = getOwn(obj, names[i]);
    if (d !== undefined) out[names[i]] = d.get;
  }
  return out;
}

const iter = S.iterator;
const protoOf = (C) => (C === undefined || C === null ? undefined : C.prototype);
const proto = O.getPrototypeOf;
const TypedArray = proto(g.Uint8Array);

P.ObjectStatics = methods(O, ["assign", "create", "defineProperties", "defineProperty",
  "getOwnPropertyDescriptor", "getOwnPropertyNames", "getPrototypeOf", "is", "keys",
  "setPrototypeOf"]);
P.ObjectPrototype = methods(O.prototype, ["toString"]);
P.ReflectStatics = methods(R, ["apply", "defineProperty"]);
P.FunctionPrototype = methods(F.prototype, ["toString"]);
P.ArrayStatics = methods(g.Array, ["from", "isArray"]);
P.ArrayPrototype = methods(protoOf(g.Array), ["sort"]);
P.StringStatics = methods(g.String, ["fromCharCode"]);
P.StringPrototype = methods(protoOf(g.String), ["charCodeAt", "endsWith", "includes", "indexOf",
  "normalize", "repeat", "slice", "startsWith", "toLowerCase", "toUpperCase", "trim", "trimEnd",
  "valueOf"]);
P.NumberStatics = methods(g.Number, ["isFinite", "isInteger"]);
P.NumberPrototype = methods(protoOf(g.Number), ["toFixed", "valueOf"]);
P.BooleanPrototype = methods(protoOf(g.Boolean), ["valueOf"]);
P.BigIntPrototype = methods(protoOf(g.BigInt), ["valueOf"]);
P.SymbolPrototype = methods(protoOf(g.Symbol), ["toString"]);
P.MathStatics = methods(g.Math, ["abs", "floor", "max", "min", "trunc"]);
P.JSONStatics = methods(g.JSON, ["parse", "stringify"]);
P.RegExpPrototype = methods(protoOf(g.RegExp), ["exec"]);
P.RegExpPrototypeGetters = getters(protoOf(g.RegExp), ["flags", "source"]);
P.DateStatics = methods(g.Date, ["now"]);
P.DatePrototype = methods(protoOf(g.Date), ["getTime", "toISOString", "valueOf"]);
P.PromiseStatics = methods(g.Promise, ["reject", "resolve"]);
P.PromisePrototype = methods(protoOf(g.Promise), ["then"]);
P.MapPrototype = methods(protoOf(g.Map), ["delete", "forEach", "get", "has", "set"]);
P.SetPrototype = methods(protoOf(g.Set), ["add", "delete", "forEach", "has"]);
P.SetPrototypeGetters = getters(protoOf(g.Set), ["size"]);
P.WeakMapPrototype = methods(protoOf(g.WeakMap), ["get", "set"]);
P.WeakSetPrototype = methods(protoOf(g.WeakSet), ["add", "has"]);
P.ArrayBufferStatics = methods(g.ArrayBuffer, ["isView"]);
P.ArrayBufferPrototype = methods(protoOf(g.ArrayBuffer), ["slice", "transfer"]);
P.ArrayBufferPrototypeGetters = getters(protoOf(g.ArrayBuffer), ["byteLength", "detached"]);
P.TypedArrayPrototype = methods(TypedArray.prototype, ["set"]);
P.TypedArrayPrototypeGetters = getters(TypedArray.prototype, ["buffer", "byteLength", "byteOffset",
  "length", S.toStringTag]);
P.DataViewPrototypeGetters = getters(protoOf(g.DataView), ["buffer", "byteLength", "byteOffset"]);
P.TextDecoderPrototype = methods(protoOf(g.TextDecoder), ["decode"]);
P.TextDecoderPrototypeGetters = getters(protoOf(g.TextDecoder),
  ["encoding", "fatal", "ignoreBOM"]);
// The platform's own Rust classes defined before the platform's JS runs.
P.HeadersPrototype = methods(protoOf(g.Headers), ["get", "set"]);
// ToString (ECMA-262 7.1.17), for what a template literal would do: QuickJS compiles `a${b}`
// to `"a".concat(b)`, a run-time lookup of String.prototype.concat, so platform code builds
// strings with `+` and this instead.
{
  const $String = g.String, $TypeError = g.TypeError;
  P.ToString = function ToString(v) {
    if (typeof v === "string") return v;
    if (typeof v === "symbol") throw new $TypeError("cannot convert symbol to string");
    return $String(v);
  };
}
// Used by nearly every file: made once here.
P.PromisePrototypeThen = P.uncurryThis(P.PromisePrototype.then);
P.PromiseResolve = R.apply(functionBind, P.PromiseStatics.resolve, [g.Promise]);
P.PromiseReject = R.apply(functionBind, P.PromiseStatics.reject, [g.Promise]);
P.performance = g.performance;
P.PerformanceNow = g.performance && g.performance.now;
// Well-known symbols are non-writable properties of Symbol: safe to read at any time, copied
// here for brevity.
P.SymbolIterator = iter;
P.SymbolAsyncIterator = S.asyncIterator;
P.SymbolToStringTag = S.toStringTag;
P.SymbolHasInstance = S.hasInstance;
P.SymbolToPrimitive = S.toPrimitive;
