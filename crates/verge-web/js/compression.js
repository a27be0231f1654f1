// CompressionStream and DecompressionStream (https://compression.spec.whatwg.org/).
// Each is a TransformStream whose algorithms feed a Rust codec (src/compression.rs, flate2 on
// miniz_oxide) that keeps the compressor state between chunks. Loaded on first use (js/lazy.js):
// built-ins come from `primordials`, streams from `internal.streams` (not the globals or
// prototype methods a guest may have replaced).
"use strict";
// String building: `+` and ToString, never template literals (see crates/verge-js/js/primordials.js).
const $toString = primordials.ToString;
const Codec = internal.compression.CompressionCodec;
const { newTransform } = internal.streams;
const { TypeError: $TypeError, SymbolToStringTag } = primordials;

function makeTransform(ctorName, argc, format, decompress) {
  if (argc < 1) {
    throw new $TypeError(("Failed to construct '" + $toString(ctorName) + "': 1 argument required, but only 0 present."));
  }
  format = $toString(format);
  if (format !== "gzip" && format !== "deflate" && format !== "deflate-raw") {
    throw new $TypeError(("Failed to construct '" + $toString(ctorName) + "': The compression format must be either 'deflate', 'deflate-raw' or 'gzip', got '" + $toString(format) + "'."));
  }
  const codec = new Codec(format, decompress);
  return newTransform(
    (chunk, enqueue) => {
      const out = codec.push(chunk);
      if (out !== null) enqueue(out);
    },
    (enqueue) => {
      const out = codec.finish();
      if (out !== null) enqueue(out);
    },
  );
}

class CompressionStream {
  #ts; // [readable, writable]
  constructor(format) {
    this.#ts = makeTransform("CompressionStream", arguments.length, format, false);
  }
  get readable() { return this.#ts[0]; }
  get writable() { return this.#ts[1]; }
  get [SymbolToStringTag]() { return "CompressionStream"; }
}

class DecompressionStream {
  #ts; // [readable, writable]
  constructor(format) {
    this.#ts = makeTransform("DecompressionStream", arguments.length, format, true);
  }
  get readable() { return this.#ts[0]; }
  get writable() { return this.#ts[1]; }
  get [SymbolToStringTag]() { return "DecompressionStream"; }
}

internal.defineGlobal("CompressionStream", CompressionStream);
internal.defineGlobal("DecompressionStream", DecompressionStream);
