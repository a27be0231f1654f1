// TextEncoder (https://encoding.spec.whatwg.org/#interface-textencoder). TextDecoder is a Rust
// class (src/encoding.rs).
"use strict";
const enc = internal.encoding;
class TextEncoder {
  get encoding() { return "utf-8"; }
  encode(input = "") { return enc.encode(String(input)); }
  encodeInto(source, destination) {
    if (!(destination instanceof Uint8Array)) throw new TypeError("encodeInto: destination must be a Uint8Array");
    const s = String(source);
    let read = 0, written = 0;
    const cap = destination.length;
    for (let i = 0; i < s.length; ) {
      const cp = s.codePointAt(i);
      const units = cp > 0xffff ? 2 : 1;
      let bytes;
      if (cp >= 0xd800 && cp <= 0xdfff) bytes = [0xef, 0xbf, 0xbd];
      else if (cp < 0x80) bytes = [cp];
      else if (cp < 0x800) bytes = [0xc0 | (cp >> 6), 0x80 | (cp & 63)];
      else if (cp < 0x10000) bytes = [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
      else bytes = [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
      if (written + bytes.length > cap) break;
      for (const b of bytes) destination[written++] = b;
      read += units;
      i += units;
    }
    return { read, written };
  }
  get [Symbol.toStringTag]() { return "TextEncoder"; }
}
internal.defineGlobal("TextEncoder", TextEncoder);
