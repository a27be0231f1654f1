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
//     `Object.keys`, and so on; each a null-prototype object holding plain functions;
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

P.ObjectStatics = methods(O, ["assign", "create", "defineProperties", "defineProperty", "entries",
  "freeze", "fromEntries", "getOwnPropertyDescriptor", "getOwnPropertyDescriptors",
  "getOwnPropertyNames", "getOwnPropertySymbols", "getPrototypeOf", "hasOwn", "is", "isFrozen",
  "keys", "setPrototypeOf", "values"]);
P.ObjectPrototype = methods(O.prototype, ["hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable",
  "toString", "valueOf"]);
P.ReflectStatics = methods(R, ["apply", "construct", "defineProperty", "deleteProperty", "get",
  "getOwnPropertyDescriptor", "getPrototypeOf", "has", "isExtensible", "ownKeys", "set",
  "setPrototypeOf"]);
P.FunctionPrototype = methods(F.prototype, ["apply", "bind", "call", "toString"]);
P.ArrayStatics = methods(g.Array, ["from", "isArray", "of"]);
P.ArrayPrototype = methods(protoOf(g.Array), ["concat", "every", "fill", "filter", "find",
  "findIndex", "flat", "forEach", "includes", "indexOf", "join", "lastIndexOf", "map", "pop",
  "push", "reverse", "shift", "slice", "some", "sort", "splice", "unshift", "entries", "keys",
  "values", iter]);
P.ArrayIteratorPrototype = methods(proto([][iter]()), ["next"]);
P.StringStatics = methods(g.String, ["fromCharCode", "fromCodePoint", "raw"]);
P.StringPrototype = methods(protoOf(g.String), ["at", "charAt", "charCodeAt", "codePointAt",
  "concat", "endsWith", "includes", "indexOf", "lastIndexOf", "localeCompare", "match",
  "normalize", "padEnd", "padStart", "repeat", "replace", "replaceAll", "search", "slice", "split",
  "startsWith", "substring", "toLowerCase", "toString", "toUpperCase", "trim", "trimEnd",
  "trimStart", "valueOf", iter]);
P.NumberStatics = methods(g.Number, ["isFinite", "isInteger", "isNaN", "isSafeInteger", "parseFloat",
  "parseInt"]);
P.NumberPrototype = methods(protoOf(g.Number), ["toFixed", "toPrecision", "toString", "valueOf"]);
P.BooleanPrototype = methods(protoOf(g.Boolean), ["valueOf"]);
P.BigIntPrototype = methods(protoOf(g.BigInt), ["toString", "valueOf"]);
P.SymbolPrototype = methods(protoOf(g.Symbol), ["toString", "valueOf"]);
P.SymbolStatics = methods(g.Symbol, ["for", "keyFor"]);
P.MathStatics = methods(g.Math, ["abs", "ceil", "floor", "log10", "max", "min", "pow", "random",
  "round", "sign", "trunc"]);
P.JSONStatics = methods(g.JSON, ["parse", "stringify"]);
P.RegExpPrototype = methods(protoOf(g.RegExp), ["exec", "test", S.match, S.replace, S.search,
  S.split]);
P.RegExpPrototypeGetters = getters(protoOf(g.RegExp), ["flags", "global", "source"]);
P.DateStatics = methods(g.Date, ["now"]);
P.DatePrototype = methods(protoOf(g.Date), ["getTime", "toISOString", "valueOf"]);
P.ErrorPrototype = methods(protoOf(g.Error), ["toString"]);
P.PromiseStatics = methods(g.Promise, ["all", "allSettled", "any", "race", "reject", "resolve",
  "withResolvers"]);
P.PromisePrototype = methods(protoOf(g.Promise), ["catch", "finally", "then"]);
P.MapPrototype = methods(protoOf(g.Map), ["clear", "delete", "entries", "forEach", "get", "has",
  "keys", "set", "values"]);
P.MapPrototypeGetters = getters(protoOf(g.Map), ["size"]);
P.SetPrototype = methods(protoOf(g.Set), ["add", "clear", "delete", "entries", "forEach", "has",
  "values"]);
P.SetPrototypeGetters = getters(protoOf(g.Set), ["size"]);
P.WeakMapPrototype = methods(protoOf(g.WeakMap), ["delete", "get", "has", "set"]);
P.WeakSetPrototype = methods(protoOf(g.WeakSet), ["add", "delete", "has"]);
P.ArrayBufferStatics = methods(g.ArrayBuffer, ["isView"]);
P.ArrayBufferPrototype = methods(protoOf(g.ArrayBuffer), ["resize", "slice", "transfer"]);
P.ArrayBufferPrototypeGetters = getters(protoOf(g.ArrayBuffer), ["byteLength", "detached"]);
P.TypedArrayPrototype = methods(TypedArray.prototype, ["fill", "indexOf", "join", "set", "slice",
  "subarray", iter]);
P.TypedArrayPrototypeGetters = getters(TypedArray.prototype, ["buffer", "byteLength", "byteOffset",
  "length", S.toStringTag]);
P.DataViewPrototypeGetters = getters(protoOf(g.DataView), ["buffer", "byteLength", "byteOffset"]);
P.TextDecoderPrototype = methods(protoOf(g.TextDecoder), ["decode"]);
P.TextDecoderPrototypeGetters = getters(protoOf(g.TextDecoder),
  ["encoding", "fatal", "ignoreBOM"]);
// The platform's own Rust classes defined before the platform's JS runs.
P.HeadersPrototype = methods(protoOf(g.Headers), ["append", "delete", "entries",
  "forEach", "get", "getSetCookie", "has", "keys", "set", "values", iter]);
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
