// Loads rarely used parts of the platform on first use. `lazy(name, globals, keys)` (run for
// every file by `internal.installLazy`) puts accessors on globalThis (and on `internal`) that
// evaluate platform file `name` the first time any of them is read or written; the file then
// defines the real values, which replace the accessors. An idle isolate that never touches
// streams, URL, events, Blob/FormData,
// WebSockets, compression or URLPattern never pays for them (creation time and memory).
//
// A guest may replace or delete a global before its file loads: the file then leaves that name
// alone. After a failed load (e.g. a stack overflow while loading) the stand-ins of what was not
// defined remain, so the next use tries again. If globalThis is frozen, the loaded values are
// served by the stand-ins.
"use strict";
const { Object: $Object, Reflect: $Reflect, Map: $Map, Set: $Set } = globalThis;
const getOwnPropertyDescriptor = $Object.getOwnPropertyDescriptor;
const reflectDefine = $Reflect.defineProperty;
const load = internal.loadPlatformFile;
// Lazy globals the guest replaced or deleted before their file loaded: left alone.
const guestOwned = new $Set();
// Values of lazy globals that could not be defined (frozen globalThis), served by stand-ins.
const stranded = new $Map();

// The built-ins platform files use, captured when the isolate is made (before any guest code):
// files loaded later take them from `primordials`, so a guest that replaced a global binding
// (say `globalThis.Promise`) first cannot change how the platform behaves.
const PRIMORDIALS = ["Array", "ArrayBuffer", "DataView", "DOMException", "Error", "Function", "JSON", "Map",
  "Math", "Number", "Object", "Promise", "RangeError", "Reflect", "RegExp", "Set", "String", "Symbol",
  "TypeError", "Uint8Array", "WeakMap", "WeakSet", "structuredClone", "queueMicrotask", "TextEncoder",
  "TextDecoder"];
const capturePrimordials = () => {
  for (let i = 0; i < PRIMORDIALS.length; i++) {
    const n = PRIMORDIALS[i];
    if (primordials[n] === undefined) primordials[n] = globalThis[n];
  }
};

// Defines a platform global (all platform files use this): writable, configurable, not
// enumerable, like WebIDL. Captured intrinsics: a guest's Object.defineProperty is not used.
// A stand-in is configurable, so defining over it needs no delete first.
internal.defineGlobal = (name, value) => {
  if (guestOwned.has(name)) return;
  platformDefined.add(name);
  if (!reflectDefine(globalThis, name, { value, writable: true, configurable: true, enumerable: false }))
    stranded.set(name, value);
};
// Globals a platform file defined (so a retried load may define them again).
const platformDefined = new $Set();

const lazy = (name, globals, keys) => {
  let state = 0; // 0: not loaded, 1: loading, 2: loaded
  const getters = []; // the stand-in getter of globals[i] (to tell ours from a guest's property)
  const isStandIn = (target, prop, get) => {
    const d = getOwnPropertyDescriptor(target, prop);
    return d !== undefined && d.get === get;
  };
  const ensure = () => {
    if (state !== 0) return;
    state = 1;
    try {
      for (let i = 0; i < globals.length; i++) {
        const g = globals[i];
        if (!isStandIn(globalThis, g, getters[i]) && !platformDefined.has(g)) guestOwned.add(g);
      }
      load(internal, name);
      state = 2;
    } catch (e) {
      // What the failed load did not define still stands in: the next use tries again.
      state = 0;
      throw e;
    }
  };
  const stand = (target, prop) => {
    const get = () => {
      ensure();
      if (isStandIn(target, prop, get)) return stranded.get(prop); // could not be replaced (frozen)
      return target[prop];
    };
    desc.get = get;
    desc.set = (v) => {
      ensure();
      if (!reflectDefine(target, prop, { value: v, writable: true, configurable: true, enumerable: false }))
        stranded.set(prop, v);
    };
    reflectDefine(target, prop, desc);
    return get;
  };
  for (let i = 0; i < globals.length; i++) getters.push(stand(globalThis, globals[i]));
  for (let i = 0; i < keys.length; i++) stand(internal, keys[i]);
};
// All lazy files at once, from "name|global,global|key,key;…" (src/lib.rs, LAZY_FILES), after
// the eager files ran and before any guest code.
internal.installLazy = (spec) => {
  capturePrimordials();
  const files = spec.split(";");
  for (let i = 0; i < files.length; i++) {
    const f = files[i].split("|");
    lazy(f[0], f[1] ? f[1].split(",") : [], f[2] ? f[2].split(",") : []);
  }
};
// One descriptor object, refilled for each stand-in (creation time matters here).
const desc = { configurable: true, enumerable: false, get: undefined, set: undefined };
