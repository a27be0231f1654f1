// Stands in for js/intl.js until `Intl` or a toLocale*String method is first used; loading it
// replaces these stand-ins with the real definitions.
"use strict";
const { Object: $Object, Date: $Date, Number: $Number, BigInt: $BigInt } = globalThis;
// The stubs run after guest code: Reflect.apply as captured at isolate creation.
const ReflectApply = primordials.ReflectStatics.apply;
let loaded = false;
function load() {
  if (loaded) return;
  loaded = true;
  internal.loadIntl(internal);
}
$Object.defineProperty(globalThis, "Intl", {
  configurable: true,
  enumerable: false,
  get() { load(); return globalThis.Intl; },
  set(v) { $Object.defineProperty(globalThis, "Intl", { value: v, writable: true, configurable: true, enumerable: false }); },
});
const methods = [[$Date.prototype, "toLocaleString"], [$Date.prototype, "toLocaleDateString"],
                 [$Date.prototype, "toLocaleTimeString"], [$Number.prototype, "toLocaleString"]];
if ($BigInt) methods.push([$BigInt.prototype, "toLocaleString"]);
for (const [proto, name] of methods) {
  const stub = {
    [name](...args) {
      load();
      return ReflectApply(proto[name], this, args);
    },
  }[name];
  $Object.defineProperty(proto, name, { value: stub, writable: true, configurable: true, enumerable: false });
}
