// The built-ins platform JS uses, captured when an isolate is made, before any guest code runs
// (Deno's and Node's `primordials`). Evaluated once per isolate as the body of
// `function (globalThis, primordials, internal)` by `bytecode.rs`, when the first platform file
// runs; it returns the object every platform file then gets as its `primordials` parameter.
// It is built from object literals (the cheapest objects to make: this runs for every isolate);
// methods are read directly, getters with __lookupGetter__ (no descriptor objects); no guest
// code has run yet.
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
const { Function: F, Object: O, Reflect: R, Symbol: S } = g;
const functionCall = F.prototype.call;
const functionBind = F.prototype.bind;
const lookupGetter = O.prototype.__lookupGetter__;
const getter = (obj, name) => R.apply(lookupGetter, obj, [name]);
const proto = O.getPrototypeOf;
const AP = g.Array.prototype, SP = g.String.prototype, RP = g.RegExp.prototype;
const MP = g.Map.prototype, SetP = g.Set.prototype, ABP = g.ArrayBuffer.prototype;
const TAP = proto(g.Uint8Array).prototype, DVP = g.DataView.prototype;
const TDP = g.TextDecoder === undefined ? {} : g.TextDecoder.prototype;
const HP = g.Headers === undefined ? {} : g.Headers.prototype;
const $String = g.String, $TypeError = g.TypeError, $Promise = g.Promise;
const promiseThen = $Promise.prototype.then;
const perf = g.performance;

return {
  __proto__: null,
  // uncurryThis(fn) === functionCall.bind(fn), computed without a lookup at use.
  uncurryThis: R.apply(functionBind, functionBind, [functionCall]),
  // call(fn, thisArg, ...args) === fn.call(thisArg, ...args), without a lookup at use.
  call: R.apply(functionBind, functionCall, [functionCall]),
  // ToString (ECMA-262 7.1.17), for what a template literal would do: QuickJS compiles `a${b}`
  // to `"a".concat(b)`, a run-time lookup of String.prototype.concat, so platform code builds
  // strings with `+` and this instead.
  ToString(v) {
    if (typeof v === "string") return v;
    if (typeof v === "symbol") throw new $TypeError("cannot convert symbol to string");
    return $String(v);
  },
  // Used by nearly every file: made once here.
  PromisePrototypeThen: R.apply(functionBind, functionCall, [promiseThen]),
  PromiseResolve: R.apply(functionBind, $Promise.resolve, [$Promise]),
  PromiseReject: R.apply(functionBind, $Promise.reject, [$Promise]),

  // Constructors, namespaces and functions on the global object.
  Array: g.Array, ArrayBuffer: g.ArrayBuffer, BigInt: g.BigInt, BigInt64Array: g.BigInt64Array,
  BigUint64Array: g.BigUint64Array, Boolean: g.Boolean, DataView: g.DataView, Date: g.Date,
  DOMException: g.DOMException, Error: g.Error, EvalError: g.EvalError,
  Float16Array: g.Float16Array, Float32Array: g.Float32Array, Float64Array: g.Float64Array,
  Int16Array: g.Int16Array, Int32Array: g.Int32Array, Int8Array: g.Int8Array, Map: g.Map,
  Math: g.Math, Number: g.Number, Object: O, Promise: $Promise, RangeError: g.RangeError,
  ReferenceError: g.ReferenceError, RegExp: g.RegExp, Set: g.Set, String: $String, Symbol: S,
  SyntaxError: g.SyntaxError, TypeError: $TypeError, URIError: g.URIError,
  Uint16Array: g.Uint16Array, Uint32Array: g.Uint32Array, Uint8Array: g.Uint8Array,
  Uint8ClampedArray: g.Uint8ClampedArray, WeakMap: g.WeakMap, WeakSet: g.WeakSet,
  queueMicrotask: g.queueMicrotask, parseFloat: g.parseFloat, parseInt: g.parseInt,
  TextDecoder: g.TextDecoder, btoa: g.btoa, atob: g.atob, performance: perf, PerformanceNow: perf && perf.now,
  // Well-known symbols are non-writable properties of Symbol: safe to read at any time, copied
  // here for brevity.
  SymbolIterator: S.iterator, SymbolAsyncIterator: S.asyncIterator,
  SymbolToStringTag: S.toStringTag, SymbolHasInstance: S.hasInstance,
  SymbolToPrimitive: S.toPrimitive,

  // Snapshots of methods and getters.
  ObjectStatics: { __proto__: null, assign: O.assign, create: O.create,
    defineProperties: O.defineProperties, defineProperty: O.defineProperty,
    getOwnPropertyDescriptor: O.getOwnPropertyDescriptor,
    getOwnPropertyNames: O.getOwnPropertyNames, getPrototypeOf: proto, is: O.is, keys: O.keys,
    freeze: O.freeze,
    setPrototypeOf: O.setPrototypeOf },
  ObjectPrototype: { __proto__: null, toString: O.prototype.toString },
  ReflectStatics: { __proto__: null, apply: R.apply, defineProperty: R.defineProperty },
  FunctionPrototype: { __proto__: null, toString: F.prototype.toString },
  ArrayStatics: { __proto__: null, from: g.Array.from, isArray: g.Array.isArray },
  ArrayPrototype: { __proto__: null, sort: AP.sort },
  StringStatics: { __proto__: null, fromCharCode: $String.fromCharCode },
  StringPrototype: { __proto__: null, charCodeAt: SP.charCodeAt, endsWith: SP.endsWith,
    includes: SP.includes, indexOf: SP.indexOf, normalize: SP.normalize, repeat: SP.repeat,
    slice: SP.slice, startsWith: SP.startsWith, toLowerCase: SP.toLowerCase,
    toUpperCase: SP.toUpperCase, trim: SP.trim, trimEnd: SP.trimEnd, valueOf: SP.valueOf },
  NumberStatics: { __proto__: null, isFinite: g.Number.isFinite, isInteger: g.Number.isInteger },
  NumberPrototype: { __proto__: null, toFixed: g.Number.prototype.toFixed,
    valueOf: g.Number.prototype.valueOf },
  BooleanPrototype: { __proto__: null, valueOf: g.Boolean.prototype.valueOf },
  BigIntPrototype: { __proto__: null, valueOf: g.BigInt && g.BigInt.prototype.valueOf },
  SymbolPrototype: { __proto__: null, toString: S.prototype.toString },
  MathStatics: { __proto__: null, abs: g.Math.abs, floor: g.Math.floor, max: g.Math.max,
    min: g.Math.min, trunc: g.Math.trunc },
  JSONStatics: { __proto__: null, parse: g.JSON.parse, stringify: g.JSON.stringify },
  RegExpPrototype: { __proto__: null, exec: RP.exec },
  RegExpPrototypeGetters: { __proto__: null, flags: getter(RP, "flags"), source: getter(RP, "source") },
  DateStatics: { __proto__: null, now: g.Date.now },
  DatePrototype: { __proto__: null, getTime: g.Date.prototype.getTime,
    toISOString: g.Date.prototype.toISOString, valueOf: g.Date.prototype.valueOf },
  PromiseStatics: { __proto__: null, reject: $Promise.reject, resolve: $Promise.resolve },
  PromisePrototype: { __proto__: null, then: promiseThen },
  MapPrototype: { __proto__: null, delete: MP.delete, forEach: MP.forEach, get: MP.get,
    has: MP.has, set: MP.set },
  SetPrototype: { __proto__: null, add: SetP.add, delete: SetP.delete, forEach: SetP.forEach,
    has: SetP.has },
  SetPrototypeGetters: { __proto__: null, size: getter(SetP, "size") },
  WeakMapPrototype: { __proto__: null, get: g.WeakMap.prototype.get, set: g.WeakMap.prototype.set },
  WeakSetPrototype: { __proto__: null, add: g.WeakSet.prototype.add, has: g.WeakSet.prototype.has },
  ArrayBufferStatics: { __proto__: null, isView: g.ArrayBuffer.isView },
  ArrayBufferPrototype: { __proto__: null, slice: ABP.slice, transfer: ABP.transfer },
  ArrayBufferPrototypeGetters: { __proto__: null, byteLength: getter(ABP, "byteLength"),
    detached: getter(ABP, "detached"), maxByteLength: getter(ABP, "maxByteLength"),
    resizable: getter(ABP, "resizable") },
  TypedArrayPrototype: { __proto__: null, set: TAP.set },
  TypedArrayPrototypeGetters: { __proto__: null, buffer: getter(TAP, "buffer"),
    byteLength: getter(TAP, "byteLength"), byteOffset: getter(TAP, "byteOffset"),
    length: getter(TAP, "length"), [S.toStringTag]: getter(TAP, S.toStringTag) },
  DataViewPrototypeGetters: { __proto__: null, buffer: getter(DVP, "buffer"),
    byteLength: getter(DVP, "byteLength"), byteOffset: getter(DVP, "byteOffset") },
  TextDecoderPrototype: { __proto__: null, decode: TDP.decode },
  TextDecoderPrototypeGetters: { __proto__: null, encoding: getter(TDP, "encoding"),
    fatal: getter(TDP, "fatal"), ignoreBOM: getter(TDP, "ignoreBOM") },
  // The platform's own Rust class defined before the platform's JS runs.
  HeadersPrototype: { __proto__: null, get: HP.get, set: HP.set },
};
