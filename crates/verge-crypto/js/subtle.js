// crypto.subtle: the SubtleCrypto class over the Rust operations in internal.subtle
// (src/js.rs), and crypto.DigestStream. Rust converts algorithms, keys and buffers; this
// file checks arity and the receiver, converts `extractable` and `keyUsages`, and turns
// every synchronous throw into a rejected promise (WebIDL, promise-returning operations).
// Loaded on first use (js/subtle_lazy.js), possibly after guest code replaced globals or
// prototype methods: built-ins come from `primordials` (crates/verge-js/js/primordials.js) only.
// String building: `+` and ToString, never template literals (see crates/verge-js/js/primordials.js).
const $toString = primordials.ToString;
const { TypeError: $TypeError, Symbol: $Symbol, Promise: $Promise, Array: $Array, String: $String, WeakSet: $WeakSet, Uint8Array: $Uint8Array,
        ArrayBuffer: $ArrayBuffer, call, ObjectStatics, ArrayStatics, ArrayBufferStatics, ArrayBufferPrototype,
        TypedArrayPrototype, TypedArrayPrototypeGetters, DataViewPrototypeGetters, WeakSetPrototype,
        PromisePrototypeThen, PromiseResolve: $PromiseResolve, PromiseReject: $PromiseReject,
        SymbolIterator: $SymbolIterator, SymbolToStringTag } = primordials;
const $defineProperty = ObjectStatics.defineProperty;
const $isView = ArrayBufferStatics.isView;
const $WeakSetHas = (set, v) => call(WeakSetPrototype.has, set, v);
const ops = internal.subtle;

const kConstruct = $Symbol("SubtleCrypto");
const instances = new $WeakSet();

function usageList(method, usages) {
  if (usages === null || typeof usages !== "object" || typeof usages[$SymbolIterator] !== "function")
    throw new $TypeError(("Failed to execute '" + $toString(method) + "' on 'SubtleCrypto': keyUsages is not a sequence of KeyUsage strings."));
  // A guest's sequence is read with the iterator protocol, as WebIDL says.
  return call(ArrayStatics.from, $Array, usages, (u) => $String(u));
}

// Runs `op` as a promise-returning WebIDL operation.
function run(self, method, args, required, op) {
  try {
    if (!$WeakSetHas(instances, self)) throw new $TypeError("Illegal invocation");
    if (args.length < required)
      throw new $TypeError(("Failed to execute '" + $toString(method) + "' on 'SubtleCrypto': " + $toString(required) + " arguments required, but only " + $toString(args.length) + " present."));
    return $PromiseResolve(op());
  } catch (e) {
    return $PromiseReject(e);
  }
}

class SubtleCrypto {
  constructor(token = undefined) {
    if (token !== kConstruct) throw new $TypeError("Illegal constructor");
    call(WeakSetPrototype.add, instances, this);
  }
  digest(algorithm, data) {
    return run(this, "digest", arguments, 2, () => ops.digest(algorithm, data));
  }
  encrypt(algorithm, key, data) {
    return run(this, "encrypt", arguments, 3, () => ops.encrypt(algorithm, key, data));
  }
  decrypt(algorithm, key, data) {
    return run(this, "decrypt", arguments, 3, () => ops.decrypt(algorithm, key, data));
  }
  sign(algorithm, key, data) {
    return run(this, "sign", arguments, 3, () => ops.sign(algorithm, key, data));
  }
  verify(algorithm, key, signature, data) {
    return run(this, "verify", arguments, 4, () => ops.verify(algorithm, key, signature, data));
  }
  generateKey(algorithm, extractable, keyUsages) {
    return run(this, "generateKey", arguments, 3,
      () => ops.generateKey(algorithm, !!extractable, usageList("generateKey", keyUsages)));
  }
  deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    return run(this, "deriveKey", arguments, 5,
      () => ops.deriveKey(algorithm, baseKey, derivedKeyType, !!extractable, usageList("deriveKey", keyUsages)));
  }
  deriveBits(algorithm, baseKey, length = null) {
    return run(this, "deriveBits", arguments, 2, () => ops.deriveBits(algorithm, baseKey, length));
  }
  importKey(format, keyData, algorithm, extractable, keyUsages) {
    return run(this, "importKey", arguments, 5,
      () => ops.importKey($String(format), keyData, algorithm, !!extractable, usageList("importKey", keyUsages)));
  }
  exportKey(format, key) {
    return run(this, "exportKey", arguments, 2, () => ops.exportKey($String(format), key));
  }
  wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    return run(this, "wrapKey", arguments, 4, () => ops.wrapKey($String(format), key, wrappingKey, wrapAlgorithm));
  }
  unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    return run(this, "unwrapKey", arguments, 7,
      () => ops.unwrapKey($String(format), wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm,
        !!extractable, usageList("unwrapKey", keyUsages)));
  }
  // Workers' non-standard constant-time comparison; synchronous.
  timingSafeEqual(a, b) {
    if (!$WeakSetHas(instances, this)) throw new $TypeError("Illegal invocation");
    if (arguments.length < 2)
      throw new $TypeError(("Failed to execute 'timingSafeEqual' on 'SubtleCrypto': 2 arguments required, but only " + $toString(arguments.length) + " present."));
    return ops.timingSafeEqual(a, b);
  }
}
$defineProperty(SubtleCrypto.prototype, SymbolToStringTag, { value: "SubtleCrypto", configurable: true });

const subtle = new SubtleCrypto(kConstruct);

function defineGlobal(name, value) {
  $defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}
defineGlobal("SubtleCrypto", SubtleCrypto);

// The crypto object of the isolate (captured when it was made, js/subtle_lazy.js).
let crypto = internal.cryptoObject || globalThis.crypto;
if (crypto === null || typeof crypto !== "object") {
  crypto = {};
  defineGlobal("crypto", crypto);
}
$defineProperty(crypto, "subtle", { get() { return subtle; }, enumerable: true, configurable: true });

// crypto.DigestStream (Workers, non-standard): a WritableStream whose `digest` promise
// resolves to the digest of everything written. Chunks are buffered and hashed at close
// (the Rust core hashes in one shot).
// The class is made on first use: streams load lazily (verge-web's js/lazy.js).
function makeDigestStream($WritableStream) {
  class DigestStream extends $WritableStream {
    constructor(algorithm) {
      // Validate the algorithm now, as workerd does, so a bad name throws synchronously.
      ops.digest(algorithm, new $Uint8Array(0));
      const chunks = [];
      let total = 0;
      let resolve, reject;
      const digest = new $Promise((res, rej) => { resolve = res; reject = rej; });
      PromisePrototypeThen(digest, undefined, () => {});
      super({
        write(chunk) {
          let bytes;
          if ($isView(chunk)) {
            const tag = call(TypedArrayPrototypeGetters[SymbolToStringTag], chunk);
            const G = tag === undefined ? DataViewPrototypeGetters : TypedArrayPrototypeGetters;
            const offset = call(G.byteOffset, chunk);
            bytes = new $Uint8Array(call(ArrayBufferPrototype.slice, call(G.buffer, chunk), offset, offset + call(G.byteLength, chunk)));
          } else if (chunk instanceof $ArrayBuffer) bytes = new $Uint8Array(call(ArrayBufferPrototype.slice, chunk, 0));
          else throw new $TypeError("DigestStream: chunks must be ArrayBuffer or ArrayBufferView");
          chunks[chunks.length] = bytes;
          total += call(TypedArrayPrototypeGetters.byteLength, bytes);
        },
        close() {
          const all = new $Uint8Array(total);
          let offset = 0;
          for (let i = 0; i < chunks.length; i++) {
            call(TypedArrayPrototype.set, all, chunks[i], offset);
            offset += call(TypedArrayPrototypeGetters.byteLength, chunks[i]);
          }
          try { resolve(ops.digest(algorithm, all)); } catch (e) { reject(e); }
        },
        abort(reason) { reject(reason); },
      });
      $defineProperty(this, "digest", { value: digest, enumerable: true });
    }
  }
  $defineProperty(DigestStream.prototype, SymbolToStringTag, { value: "DigestStream", configurable: true });
  return DigestStream;
}
const setDigestStream = (v) =>
  $defineProperty(crypto, "DigestStream", { value: v, writable: true, configurable: true, enumerable: false });
$defineProperty(crypto, "DigestStream", {
  configurable: true,
  enumerable: false,
  get() {
    const $WritableStream = internal.streams ? internal.streams.WritableStream : undefined;
    if (typeof $WritableStream !== "function") return undefined;
    const C = makeDigestStream($WritableStream);
    setDigestStream(C);
    return C;
  },
  set: setDigestStream,
});
