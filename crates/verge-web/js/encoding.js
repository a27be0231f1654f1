// TextEncoder (https://encoding.spec.whatwg.org/#interface-textencoder). TextDecoder is a Rust
// class (src/encoding.rs).
"use strict";
const { String: $String, TypeError: $TypeError, uncurryThis, StringPrototype, TypedArrayPrototypeGetters,
        SymbolToStringTag } = primordials;
const enc = internal.encoding;
const encode = enc.encode;
const StringPrototypeCharCodeAt = uncurryThis(StringPrototype.charCodeAt);
const TypedArrayTag = uncurryThis(TypedArrayPrototypeGetters[SymbolToStringTag]);
const TypedArrayLength = uncurryThis(TypedArrayPrototypeGetters.length);
class TextEncoder {
  get encoding() { return "utf-8"; }
  encode(input = "") { return encode($String(input)); }
  encodeInto(source, destination) {
    if (TypedArrayTag(destination) !== "Uint8Array") throw new $TypeError("encodeInto: destination must be a Uint8Array");
    const s = $String(source);
    let read = 0, written = 0;
    const cap = TypedArrayLength(destination);
    for (let i = 0; i < s.length; ) {
      let cp = StringPrototypeCharCodeAt(s, i), units = 1;
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
        const lo = StringPrototypeCharCodeAt(s, i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); units = 2; }
      }
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate
      const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (written + n > cap) break;
      if (n === 1) destination[written++] = cp;
      else if (n === 2) { destination[written++] = 0xc0 | (cp >> 6); destination[written++] = 0x80 | (cp & 63); }
      else if (n === 3) {
        destination[written++] = 0xe0 | (cp >> 12); destination[written++] = 0x80 | ((cp >> 6) & 63);
        destination[written++] = 0x80 | (cp & 63);
      } else {
        destination[written++] = 0xf0 | (cp >> 18); destination[written++] = 0x80 | ((cp >> 12) & 63);
        destination[written++] = 0x80 | ((cp >> 6) & 63); destination[written++] = 0x80 | (cp & 63);
      }
      read += units;
      i += units;
    }
    return { read, written };
  }
  get [SymbolToStringTag]() { return "TextEncoder"; }
}
// Platform files that need a TextEncoder take this one (a guest may replace the global).
primordials.TextEncoder = TextEncoder;
internal.defineGlobal("TextEncoder", TextEncoder);
