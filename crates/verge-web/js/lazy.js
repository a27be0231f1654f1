// Loads rarely used parts of the platform on first use. `internal.lazy(name, globals, keys)`
// puts accessors on globalThis (and on `internal`) that evaluate platform file `name` the first
// time any of them is read or written; the file then defines the real values, which replace
// the accessors. An idle isolate that never touches streams, WebSockets, compression or
// URLPattern never pays for them (creation time and memory).
"use strict";
const { Object: $Object } = globalThis;
const defineProperty = $Object.defineProperty;
const load = internal.loadPlatformFile;
internal.lazy = (name, globals, keys) => {
  let loaded = false;
  const ensure = () => {
    if (loaded) return;
    loaded = true;
    for (const g of globals) delete globalThis[g];
    for (const k of keys) delete internal[k];
    load(internal, name);
  };
  const stand = (target, prop) => {
    desc.get = () => { ensure(); return target[prop]; };
    desc.set = (v) => { ensure(); defineProperty(target, prop, { value: v, writable: true, configurable: true, enumerable: false }); };
    defineProperty(target, prop, desc);
  };
  for (let i = 0; i < globals.length; i++) stand(globalThis, globals[i]);
  for (let i = 0; i < keys.length; i++) stand(internal, keys[i]);
};
// One descriptor object, refilled for each stand-in (creation time matters here).
const desc = { configurable: true, enumerable: false, get: undefined, set: undefined };
