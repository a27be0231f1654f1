// Stands in for js/subtle.js until `crypto.subtle`, `crypto.DigestStream` or `SubtleCrypto` is
// first used: most workers never touch Web Crypto, and loading it is most of this extension's
// cost per isolate. The real definitions replace these accessors.
"use strict";
const { Object: $Object } = globalThis;
const defineProperty = $Object.defineProperty;
let crypto = globalThis.crypto;
if (crypto === null || typeof crypto !== "object") {
  crypto = {};
  defineProperty(globalThis, "crypto", { value: crypto, writable: true, configurable: true, enumerable: false });
}
let loaded = false;
function load() {
  if (loaded) return;
  loaded = true;
  delete globalThis.SubtleCrypto;
  delete crypto.subtle;
  delete crypto.DigestStream;
  internal.loadSubtle(internal);
}
function stand(target, prop, enumerable) {
  defineProperty(target, prop, {
    configurable: true,
    enumerable,
    get() { load(); return target[prop]; },
    set(v) { load(); defineProperty(target, prop, { value: v, writable: true, configurable: true, enumerable }); },
  });
}
stand(globalThis, "SubtleCrypto", false);
stand(crypto, "subtle", true);
stand(crypto, "DigestStream", false);
