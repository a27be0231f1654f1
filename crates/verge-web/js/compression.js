// CompressionStream and DecompressionStream (https://compression.spec.whatwg.org/).
// Each is a TransformStream whose transformer feeds a Rust codec (src/compression.rs,
// flate2 on miniz_oxide) that keeps the compressor state between chunks.
"use strict";
const Codec = internal.compression.CompressionCodec;
const { TransformStream } = internal.streams;
const { TypeError: $TypeError, Object: $Object, Reflect: $Reflect } = primordials;
const getReadable = $Object.getOwnPropertyDescriptor(TransformStream.prototype, "readable").get;
const getWritable = $Object.getOwnPropertyDescriptor(TransformStream.prototype, "writable").get;
const ReflectApply = $Reflect.apply;

function makeTransform(ctorName, argc, format, decompress) {
  if (argc < 1) {
    throw new $TypeError(`Failed to construct '${ctorName}': 1 argument required, but only 0 present.`);
  }
  format = `${format}`;
  if (format !== "gzip" && format !== "deflate" && format !== "deflate-raw") {
    throw new $TypeError(`Failed to construct '${ctorName}': The compression format must be either 'deflate', 'deflate-raw' or 'gzip', got '${format}'.`);
  }
  const codec = new Codec(format, decompress);
  return new TransformStream({
    transform(chunk, controller) {
      const out = codec.push(chunk);
      if (out !== null) controller.enqueue(out);
    },
    flush(controller) {
      const out = codec.finish();
      if (out !== null) controller.enqueue(out);
    },
  });
}

class CompressionStream {
  #ts;
  constructor(format) {
    this.#ts = makeTransform("CompressionStream", arguments.length, format, false);
  }
  get readable() { return ReflectApply(getReadable, this.#ts, []); }
  get writable() { return ReflectApply(getWritable, this.#ts, []); }
  get [Symbol.toStringTag]() { return "CompressionStream"; }
}

class DecompressionStream {
  #ts;
  constructor(format) {
    this.#ts = makeTransform("DecompressionStream", arguments.length, format, true);
  }
  get readable() { return ReflectApply(getReadable, this.#ts, []); }
  get writable() { return ReflectApply(getWritable, this.#ts, []); }
  get [Symbol.toStringTag]() { return "DecompressionStream"; }
}

internal.defineGlobal("CompressionStream", CompressionStream);
internal.defineGlobal("DecompressionStream", DecompressionStream);
