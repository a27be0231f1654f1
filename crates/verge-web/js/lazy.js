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
// Built-ins come from `primordials` (captured when the isolate was made, crates/verge-js/js/
// primordials.js): the stand-ins below run at any later time, after guest code.
const { ObjectStatics, ReflectStatics, MapPrototype, SetPrototype, uncurryThis } = primordials;
const getOwnPropertyDescriptor = ObjectStatics.getOwnPropertyDescriptor;
const reflectDefine = ReflectStatics.defineProperty;
const SetHas = uncurryThis(SetPrototype.has), SetAdd = uncurryThis(SetPrototype.add);
const MapGet = uncurryThis(MapPrototype.get), MapSet = uncurryThis(MapPrototype.set);
// Lazy globals the guest replaced or deleted before their file loaded: left alone.
const guestOwned = new primordials.Set();
// Values of lazy globals that could not be defined (frozen globalThis), served by stand-ins.
const stranded = new primordials.Map();

// Defines a platform global (all platform files use this): writable, configurable, not
// enumerable, like WebIDL. Captured intrinsics: a guest's Object.defineProperty is not used.
// A stand-in is configurable, so defining over it needs no delete first.
internal.defineGlobal = (name, value) => {
  if (SetHas(guestOwned, name)) return;
  SetAdd(platformDefined, name);
  if (!reflectDefine(globalThis, name, { value, writable: true, configurable: true, enumerable: false }))
    MapSet(stranded, name, value);
};
// Globals a platform file defined (so a retried load may define them again).
const platformDefined = new primordials.Set();

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
        if (!isStandIn(globalThis, g, getters[i]) && !SetHas(platformDefined, g)) SetAdd(guestOwned, g);
      }
      // Read at use: an extension may wrap it to load files of its own (verge-cache).
      internal.loadPlatformFile(internal, name);
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
      if (isStandIn(target, prop, get)) return MapGet(stranded, prop); // could not be replaced (frozen)
      return target[prop];
    };
    desc.get = get;
    desc.set = (v) => {
      ensure();
      if (!reflectDefine(target, prop, { value: v, writable: true, configurable: true, enumerable: false }))
        MapSet(stranded, prop, v);
    };
    reflectDefine(target, prop, desc);
    return get;
  };
  for (let i = 0; i < globals.length; i++) getters[i] = stand(globalThis, globals[i]);
  for (let i = 0; i < keys.length; i++) stand(internal, keys[i]);
};
// All lazy files at once, from "name|global,global|key,key;…" (src/lib.rs, LAZY_FILES), after
// the eager files ran and before any guest code.
internal.installLazy = (spec) => {
  const files = spec.split(";");
  for (let i = 0; i < files.length; i++) {
    const f = files[i].split("|");
    lazy(f[0], f[1] ? f[1].split(",") : [], f[2] ? f[2].split(",") : []);
  }
};
// One descriptor object, refilled for each stand-in (creation time matters here).
const desc = { configurable: true, enumerable: false, get: undefined, set: undefined };
