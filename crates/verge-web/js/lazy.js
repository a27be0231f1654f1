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
  const stand = (target, prop) => defineProperty(target, prop, {
    configurable: true,
    enumerable: false,
    get() { ensure(); return target[prop]; },
    set(v) { ensure(); defineProperty(target, prop, { value: v, writable: true, configurable: true, enumerable: false }); },
  });
  for (const g of globals) stand(globalThis, g);
  for (const k of keys) stand(internal, k);
};
