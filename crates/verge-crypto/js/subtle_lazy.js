// Stands in for js/subtle.js until `crypto.subtle`, `crypto.DigestStream`, `SubtleCrypto` or `CryptoKey` is
// first used: most workers never touch Web Crypto, and loading it is most of this extension's
// cost per isolate. The real definitions replace these accessors.
"use strict";
const { Object: $Object, Reflect } = globalThis;
const defineProperty = $Object.defineProperty;
let crypto = globalThis.crypto;
if (crypto === null || typeof crypto !== "object") {
  crypto = {};
  defineProperty(globalThis, "crypto", { value: crypto, writable: true, configurable: true, enumerable: false });
}
internal.cryptoObject = crypto;
// js/subtle.js takes its built-ins from `primordials` (captured when the isolate was made,
// crates/verge-js/js/primordials.js); load() and the stand-ins run after guest code.
const reflectDelete = Reflect.deleteProperty;
const getOwnPropertyDescriptor = $Object.getOwnPropertyDescriptor;
let state = 0; // 0: not loaded, 1: loading, 2: loaded
function load() {
  if (state !== 0) return;
  state = 1;
  try {
    reflectDelete(globalThis, "SubtleCrypto");
    reflectDelete(globalThis, "CryptoKey");
    reflectDelete(crypto, "subtle");
    reflectDelete(crypto, "DigestStream");
    internal.loadSubtle(internal);
    state = 2;
  } catch (e) {
    state = 0; // a later use tries again (the stand-ins that were removed come back)
    if (getOwnPropertyDescriptor(globalThis, "SubtleCrypto") === undefined) stand(globalThis, "SubtleCrypto", false);
    if (getOwnPropertyDescriptor(globalThis, "CryptoKey") === undefined) stand(globalThis, "CryptoKey", false);
    if (getOwnPropertyDescriptor(crypto, "subtle") === undefined) stand(crypto, "subtle", true);
    if (getOwnPropertyDescriptor(crypto, "DigestStream") === undefined) stand(crypto, "DigestStream", false);
    throw e;
  }
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
stand(globalThis, "CryptoKey", false);
stand(crypto, "subtle", true);
stand(crypto, "DigestStream", false);
