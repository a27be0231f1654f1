'use strict';
// String building: `+` and ToString, never template literals (see crates/verge-js/js/primordials.js).
const $toString = primordials.ToString;
// WHATWG Streams Standard (https://streams.spec.whatwg.org/) for verge.
//
// This file is evaluated as the body of
//   (function (globalThis, primordials, internal) { ... })
// It must not use import/export. Public classes are registered with
// internal.defineGlobal(); helpers for Request/Response live on
// internal.streams.
//
// Design: every public object (stream, reader, controller, ...) carries one
// private field `#i` that points at an internal record ("impl"). All spec
// algorithms operate on impl records; public methods only brand-check,
// convert arguments (WebIDL style) and call into the algorithms. Impl records
// keep a `pub` back-pointer for the places where the spec hands objects to
// user code.

// ---------------------------------------------------------------------------
// Captured intrinsics (captured at load so later guest patching of
// prototypes cannot break the internals).
// ---------------------------------------------------------------------------
// Everything comes from `primordials` (crates/verge-js/js/primordials.js, run when the isolate
// was made): this file loads on first use, possibly after guest code replaced globals or
// prototype methods, so nothing may be read from globalThis or a prototype here or later.
const P = primordials;
const {
  Promise, TypeError, RangeError, Error, Object, Symbol, ArrayBuffer, Uint8Array, DataView, Number,
  String, uncurryThis, call, ObjectStatics, ReflectStatics, NumberStatics, MathStatics,
  StringPrototype, ArrayBufferStatics, ArrayBufferPrototype, ArrayBufferPrototypeGetters,
  TypedArrayPrototype, TypedArrayPrototypeGetters, DataViewPrototypeGetters, TextDecoderPrototype,
  TextDecoderPrototypeGetters, PromisePrototypeThen, PromiseResolve, PromiseReject,
  SymbolIterator, SymbolAsyncIterator, SymbolToStringTag,
} = P;

const ReflectApply = ReflectStatics.apply;
const ObjectDefineProperty = ObjectStatics.defineProperty;
const ObjectGetPrototypeOf = ObjectStatics.getPrototypeOf;
const ObjectSetPrototypeOf = ObjectStatics.setPrototypeOf;
const ObjectGetOwnPropertyDescriptor = ObjectStatics.getOwnPropertyDescriptor;
const ObjectGetOwnPropertyNames = ObjectStatics.getOwnPropertyNames;
const NumberIsFinite = NumberStatics.isFinite;
const NumberIsInteger = NumberStatics.isInteger;
const MathMin = MathStatics.min;
const MathTrunc = MathStatics.trunc;
const StringPrototypeCharCodeAt = uncurryThis(StringPrototype.charCodeAt);
const StringPrototypeSlice = uncurryThis(StringPrototype.slice);

const ArrayBufferIsView = ArrayBufferStatics.isView;
const ArrayBufferPrototypeGetByteLength = uncurryThis(ArrayBufferPrototypeGetters.byteLength);
const ArrayBufferPrototypeSlice = uncurryThis(ArrayBufferPrototype.slice);
const ArrayBufferPrototypeGetDetached = ArrayBufferPrototypeGetters.detached;
const ArrayBufferPrototypeTransfer = ArrayBufferPrototype.transfer;
const TypedArrayPrototypeGetBuffer = uncurryThis(TypedArrayPrototypeGetters.buffer);
const TypedArrayPrototypeGetByteOffset = uncurryThis(TypedArrayPrototypeGetters.byteOffset);
const TypedArrayPrototypeGetByteLength = uncurryThis(TypedArrayPrototypeGetters.byteLength);
const TypedArrayPrototypeGetLength = uncurryThis(TypedArrayPrototypeGetters.length);
const TypedArrayPrototypeGetToStringTag = uncurryThis(TypedArrayPrototypeGetters[SymbolToStringTag]);
const TypedArrayPrototypeSet = uncurryThis(TypedArrayPrototype.set);
const DataViewPrototypeGetBuffer = uncurryThis(DataViewPrototypeGetters.buffer);
const DataViewPrototypeGetByteOffset = uncurryThis(DataViewPrototypeGetters.byteOffset);
const DataViewPrototypeGetByteLength = uncurryThis(DataViewPrototypeGetters.byteLength);
const queueMicrotask = P.queueMicrotask;
// structuredClone and TextEncoder are the platform's (js/global.js, js/encoding.js).
const TextDecoderCtor = P.TextDecoder;
const TextDecoderDecode = TextDecoderPrototype.decode;
// UTF-8 encoding of a string: the host's when there is one (verge), else a TextEncoder's.
const encodeUtf8 = internal && internal.encoding ? internal.encoding.encode : (s) => {
  const TE = P.TextEncoder;
  if (typeof TE !== 'function') throw new TypeError('TextEncoder is not available');
  return call(TE.prototype.encode, new TE(), s);
};

// Typed array constructors by [[TypedArrayName]] -> { ctor, size }.
const typedArrayInfo = { __proto__: null };
{
  const names = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
    'Int32Array', 'Uint32Array', 'Float16Array', 'Float32Array', 'Float64Array',
    'BigInt64Array', 'BigUint64Array'];
  for (let k = 0; k < names.length; k++) {
    const ctor = P[names[k]];
    if (typeof ctor === 'function') {
      typedArrayInfo[names[k]] = { ctor, size: ctor.BYTES_PER_ELEMENT };
    }
  }
}

const AsyncIteratorPrototype =
  ObjectGetPrototypeOf(ObjectGetPrototypeOf((async function* () {}).prototype));

const noop = () => {};
const kInternal = { __proto__: null };

const LOCKED_READABLE = 'This ReadableStream is currently locked to a reader.';
const LOCKED_WRITABLE = 'This WritableStream is currently locked to a writer.';
const illegalInvocation = () => new TypeError('Illegal invocation');
const illegalConstructor = () => new TypeError('Illegal constructor');

function abortError() {
  const DOMException = P.DOMException;
  if (typeof DOMException === 'function') {
    return new DOMException('The operation was aborted.', 'AbortError');
  }
  const e = new Error('The operation was aborted.');
  e.name = 'AbortError';
  return e;
}

// ---------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------
function isObject(x) {
  return (typeof x === 'object' && x !== null) || typeof x === 'function';
}

// Singly linked FIFO list (avoids Array.prototype methods a guest may patch).
class List {
  head = null;
  tail = null;
  size = 0;
  push(v) {
    const n = { v, next: null };
    if (this.tail === null) this.head = n; else this.tail.next = n;
    this.tail = n;
    this.size++;
  }
  shift() {
    const n = this.head;
    this.head = n.next;
    if (this.head === null) this.tail = null;
    this.size--;
    return n.v;
  }
  peek() { return this.head.v; }
  forEach(fn) {
    for (let n = this.head; n !== null; n = n.next) fn(n.v);
  }
}

// Promise helpers ("deferred" = promise plus its resolving functions and state).
function newDeferred() {
  const d = { promise: undefined, resolve: undefined, reject: undefined, pending: true };
  d.promise = new Promise((res, rej) => { d.resolve = res; d.reject = rej; });
  return d;
}
function resolveDeferred(d, v) {
  if (!d.pending) return;
  d.pending = false;
  d.resolve(v);
}
function rejectDeferred(d, e) {
  if (!d.pending) return;
  d.pending = false;
  d.reject(e);
}
function resolvedDeferred(v) {
  const d = newDeferred();
  resolveDeferred(d, v);
  return d;
}
function rejectedDeferred(e) {
  const d = newDeferred();
  rejectDeferred(d, e);
  return d;
}
function markHandled(p) {
  PromisePrototypeThen(p, undefined, noop);
}
function then(p, onF, onR) {
  return PromisePrototypeThen(p, onF, onR);
}
function upon(p, onF, onR) {
  markHandled(PromisePrototypeThen(p, onF, onR));
}
function promiseCall(fn, thisArg, args) {
  try {
    return PromiseResolve(ReflectApply(fn, thisArg, args));
  } catch (e) {
    return PromiseReject(e);
  }
}
const resolvedUndefined = () => PromiseResolve(undefined);
// Like then(), but for reactions that themselves return (our own) promises:
// chains through the captured then instead of letting the promise machinery
// look up `then` on the returned promise (which a guest may have patched).
function thenP(p, onF, onR) {
  const d = newDeferred();
  const fwd = (fn) => (v) => {
    let r;
    try {
      r = fn(v);
    } catch (e) {
      d.reject(e);
      return;
    }
    PromisePrototypeThen(r, d.resolve, d.reject);
  };
  PromisePrototypeThen(p, fwd(onF), onR === undefined ? d.reject : fwd(onR));
  return d.promise;
}
// Resolve a deferred with one of our promises (locks it in immediately).
function resolveDeferredWithPromise(d, p) {
  if (!d.pending) return;
  d.pending = false;
  PromisePrototypeThen(p, d.resolve, d.reject);
}

// --- WebIDL-ish conversions ---
function toDictionary(v, what) {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw new TypeError(($toString(what) + " must be an object"));
  return v;
}
function getCallback(dict, key, what) {
  if (dict === null) return undefined;
  const f = dict[key];
  if (f === undefined) return undefined;
  if (typeof f !== 'function') throw new TypeError(($toString(what) + "." + $toString(key) + " must be a function"));
  return f;
}
function toBoolean(v) { return !!v; }
function toDOMString(v) { return $toString(v); }
function toUnrestrictedDouble(v) { return +v; }
function toEnforceRangeULL(v, what) {
  let x = +v;
  if (!NumberIsFinite(x)) throw new TypeError(($toString(what) + " must be a finite number"));
  x = MathTrunc(x);
  if (x < 0 || x > 9007199254740991) throw new TypeError(($toString(what) + " is outside the accepted range"));
  return x === 0 ? 0 : x;
}

function convertQueuingStrategy(s, what) {
  const dict = toDictionary(s, what);
  if (dict === null) return { highWaterMark: undefined, size: undefined };
  let highWaterMark = dict.highWaterMark;
  if (highWaterMark !== undefined) highWaterMark = toUnrestrictedDouble(highWaterMark);
  const size = getCallback(dict, 'size', what);
  return { highWaterMark, size };
}
function ExtractHighWaterMark(strategy, defaultHWM) {
  const hwm = strategy.highWaterMark;
  if (hwm === undefined) return defaultHWM;
  if (hwm !== hwm || hwm < 0) throw new RangeError('Invalid highWaterMark: must be a non-negative number');
  return hwm;
}
const defaultSizeAlgorithm = () => 1;
function ExtractSizeAlgorithm(strategy) {
  const size = strategy.size;
  if (size === undefined) return defaultSizeAlgorithm;
  return (chunk) => toUnrestrictedDouble(ReflectApply(size, undefined, [chunk]));
}

// --- ArrayBuffer / view helpers ---
function isArrayBuffer(x) {
  if (!isObject(x)) return false;
  try {
    ArrayBufferPrototypeGetByteLength(x);
    return true;
  } catch {
    return false;
  }
}
function isArrayBufferView(x) { return ArrayBufferIsView(x); }
function isTypedArray(v) { return TypedArrayPrototypeGetToStringTag(v) !== undefined; }
function viewBuffer(v) {
  return isTypedArray(v) ? TypedArrayPrototypeGetBuffer(v) : DataViewPrototypeGetBuffer(v);
}
function viewByteOffset(v) {
  return isTypedArray(v) ? TypedArrayPrototypeGetByteOffset(v) : DataViewPrototypeGetByteOffset(v);
}
function viewByteLength(v) {
  return isTypedArray(v) ? TypedArrayPrototypeGetByteLength(v) : DataViewPrototypeGetByteLength(v);
}
function bufferByteLength(b) { return ArrayBufferPrototypeGetByteLength(b); }
function IsDetachedBuffer(buf) {
  if (ArrayBufferPrototypeGetDetached !== undefined) {
    return ReflectApply(ArrayBufferPrototypeGetDetached, buf, []);
  }
  if (ArrayBufferPrototypeGetByteLength(buf) !== 0) return false;
  try {
    new Uint8Array(buf);
    return false;
  } catch {
    return true;
  }
}
function TransferArrayBuffer(buf) {
  if (ArrayBufferPrototypeTransfer !== undefined) {
    return ReflectApply(ArrayBufferPrototypeTransfer, buf, []);
  }
  if (IsDetachedBuffer(buf)) throw new TypeError('Cannot transfer a detached ArrayBuffer');
  const structuredCloneFn = P.structuredClone;
  if (typeof structuredCloneFn === 'function') {
    return structuredCloneFn(buf, { transfer: [buf] });
  }
  // Host cannot detach: fall back to a copy.
  return ArrayBufferPrototypeSlice(buf, 0);
}
function CanTransferArrayBuffer(buf) {
  return isArrayBuffer(buf) && !IsDetachedBuffer(buf);
}
function CopyDataBlockBytes(dest, destOffset, src, srcOffset, n) {
  TypedArrayPrototypeSet(new Uint8Array(dest, destOffset, n), new Uint8Array(src, srcOffset, n), 0);
}
function cloneAsUint8Array(view) {
  const buf = viewBuffer(view);
  const off = viewByteOffset(view);
  const len = viewByteLength(view);
  return new Uint8Array(ArrayBufferPrototypeSlice(buf, off, off + len));
}

// --- Queue-with-sizes ---
function isNonNegativeNumber(v) {
  return typeof v === 'number' && v === v && v >= 0;
}
function DequeueValue(c) {
  const pair = c.queue.shift();
  c.queueTotalSize -= pair.size;
  if (c.queueTotalSize < 0) c.queueTotalSize = 0;
  return pair.value;
}
function EnqueueValueWithSize(c, value, size) {
  if (!isNonNegativeNumber(size)) throw new RangeError('The chunk size must be a non-negative number');
  if (size === Infinity) throw new RangeError('The chunk size must not be Infinity');
  c.queue.push({ value, size });
  c.queueTotalSize += size;
}
function PeekQueueValue(c) {
  return c.queue.peek().value;
}
function ResetQueue(c) {
  c.queue = new List();
  c.queueTotalSize = 0;
}

// Makes class members WebIDL-like: enumerable methods/accessors and a
// @@toStringTag.
function finishClass(cls, name) {
  const proto = cls.prototype;
  const keys = ObjectGetOwnPropertyNames(proto);
  for (let k = 0; k < keys.length; k++) {
    if (keys[k] === 'constructor') continue;
    const d = ObjectGetOwnPropertyDescriptor(proto, keys[k]);
    d.enumerable = true;
    ObjectDefineProperty(proto, keys[k], d);
  }
  ObjectDefineProperty(proto, SymbolToStringTag, {
    value: name, writable: false, enumerable: false, configurable: true,
  });
}

// ---------------------------------------------------------------------------
// Internal records
// ---------------------------------------------------------------------------
class ReadableStreamImpl {
  pub = undefined;
  state = 'readable';
  reader = undefined;
  storedError = undefined;
  disturbed = false;
  controller = undefined;
}

class ReaderImpl {
  pub = undefined;
  kind; // 'default' | 'byob'
  stream = undefined;
  closedPromise = undefined;
  readRequests = undefined;
  readIntoRequests = undefined;
  constructor(kind) { this.kind = kind; }
}

class DefaultControllerImpl {
  kind = 'default';
  pub = undefined;
  stream = undefined;
  queue = undefined;
  queueTotalSize = 0;
  started = false;
  closeRequested = false;
  pullAgain = false;
  pulling = false;
  strategySizeAlgorithm = undefined;
  strategyHWM = 0;
  pullAlgorithm = undefined;
  cancelAlgorithm = undefined;
  cancelSteps(reason) {
    ResetQueue(this);
    const result = this.cancelAlgorithm(reason);
    ReadableStreamDefaultControllerClearAlgorithms(this);
    return result;
  }
  pullSteps(readRequest) {
    const stream = this.stream;
    if (this.queue.size > 0) {
      const chunk = DequeueValue(this);
      if (this.closeRequested && this.queue.size === 0) {
        ReadableStreamDefaultControllerClearAlgorithms(this);
        ReadableStreamClose(stream);
      } else {
        ReadableStreamDefaultControllerCallPullIfNeeded(this);
      }
      readRequest.chunkSteps(chunk);
    } else {
      ReadableStreamAddReadRequest(stream, readRequest);
      ReadableStreamDefaultControllerCallPullIfNeeded(this);
    }
  }
  releaseSteps() {}
}

class ByteControllerImpl {
  kind = 'bytes';
  pub = undefined;
  stream = undefined;
  queue = undefined;
  queueTotalSize = 0;
  started = false;
  closeRequested = false;
  pullAgain = false;
  pulling = false;
  strategyHWM = 0;
  pullAlgorithm = undefined;
  cancelAlgorithm = undefined;
  autoAllocateChunkSize = undefined;
  pendingPullIntos = undefined;
  byobRequest = null;
  cancelSteps(reason) {
    ReadableByteStreamControllerClearPendingPullIntos(this);
    ResetQueue(this);
    const result = this.cancelAlgorithm(reason);
    ReadableByteStreamControllerClearAlgorithms(this);
    return result;
  }
  pullSteps(readRequest) {
    const stream = this.stream;
    if (this.queueTotalSize > 0) {
      ReadableByteStreamControllerFillReadRequestFromQueue(this, readRequest);
      return;
    }
    const autoAllocateChunkSize = this.autoAllocateChunkSize;
    if (autoAllocateChunkSize !== undefined) {
      let buffer;
      try {
        buffer = new ArrayBuffer(autoAllocateChunkSize);
      } catch (e) {
        readRequest.errorSteps(e);
        return;
      }
      this.pendingPullIntos.push({
        buffer,
        bufferByteLength: autoAllocateChunkSize,
        byteOffset: 0,
        byteLength: autoAllocateChunkSize,
        bytesFilled: 0,
        minimumFill: 1,
        elementSize: 1,
        viewConstructor: Uint8Array,
        readerType: 'default',
      });
    }
    ReadableStreamAddReadRequest(stream, readRequest);
    ReadableByteStreamControllerCallPullIfNeeded(this);
  }
  releaseSteps() {
    if (this.pendingPullIntos.size > 0) {
      const first = this.pendingPullIntos.peek();
      first.readerType = 'none';
      this.pendingPullIntos = new List();
      this.pendingPullIntos.push(first);
    }
  }
}

class BYOBRequestImpl {
  pub = undefined;
  controller = undefined;
  view = null;
}

class WritableStreamImpl {
  pub = undefined;
  state = 'writable';
  storedError = undefined;
  writer = undefined;
  controller = undefined;
  inFlightWriteRequest = undefined;
  closeRequest = undefined;
  inFlightCloseRequest = undefined;
  pendingAbortRequest = undefined;
  writeRequests = new List();
  backpressure = false;
}

class WriterImpl {
  pub = undefined;
  stream = undefined;
  readyPromise = undefined;
  closedPromise = undefined;
}

class WritableControllerImpl {
  pub = undefined;
  stream = undefined;
  abortController = undefined;
  queue = undefined;
  queueTotalSize = 0;
  started = false;
  strategyHWM = 1;
  strategySizeAlgorithm = undefined;
  writeAlgorithm = undefined;
  closeAlgorithm = undefined;
  abortAlgorithm = undefined;
  abortSteps(reason) {
    const result = this.abortAlgorithm(reason);
    WritableStreamDefaultControllerClearAlgorithms(this);
    return result;
  }
  errorSteps() {
    ResetQueue(this);
  }
}

class TransformStreamImpl {
  pub = undefined;
  backpressure = undefined;
  backpressureChangePromise = undefined;
  controller = undefined;
  readable = undefined;
  writable = undefined;
}

class TransformControllerImpl {
  pub = undefined;
  stream = undefined;
  finishPromise = undefined;
  transformAlgorithm = undefined;
  flushAlgorithm = undefined;
  cancelAlgorithm = undefined;
}

const closeSentinel = { __proto__: null };

// ---------------------------------------------------------------------------
// Public classes. Each exposes (via static blocks) an `is` brand check and a
// `get` accessor for its impl record.
// ---------------------------------------------------------------------------
let RS_is, RS_get;
let RDR_is, RDR_get;
let RBR_is, RBR_get;
let RSDC_is, RSDC_get;
let RBSC_is, RBSC_get;
let BYOBREQ_is, BYOBREQ_get;
let WS_is, WS_get;
let WDW_is, WDW_get;
let WSDC_is, WSDC_get;
let TS_is, TS_get;
let TSDC_is, TSDC_get;
let AI_is, AI_get;

class ReadableStream {
  #i;
  constructor(underlyingSource = undefined, strategy = undefined) {
    if (underlyingSource === kInternal) {
      this.#i = strategy;
      strategy.pub = this;
      return;
    }
    if (underlyingSource === undefined) underlyingSource = null;
    else if (!isObject(underlyingSource)) throw new TypeError('underlyingSource must be an object');
    const strat = convertQueuingStrategy(strategy, 'strategy');
    const src = underlyingSource;
    // UnderlyingSource dictionary (members in lexicographic order).
    let autoAllocateChunkSize;
    let cancel, pull, start, type;
    if (src !== null) {
      autoAllocateChunkSize = src.autoAllocateChunkSize;
      if (autoAllocateChunkSize !== undefined) {
        autoAllocateChunkSize = toEnforceRangeULL(autoAllocateChunkSize, 'autoAllocateChunkSize');
      }
      cancel = getCallback(src, 'cancel', 'underlyingSource');
      pull = getCallback(src, 'pull', 'underlyingSource');
      start = getCallback(src, 'start', 'underlyingSource');
      type = src.type;
      if (type !== undefined) {
        type = toDOMString(type);
        if (type !== 'bytes') throw new TypeError(("'" + $toString(type) + "' is not a valid ReadableStreamType"));
      }
    }
    const impl = new ReadableStreamImpl();
    this.#i = impl;
    impl.pub = this;
    const dict = { autoAllocateChunkSize, cancel, pull, start };
    if (type === 'bytes') {
      if (strat.size !== undefined) throw new RangeError('The strategy for a byte stream cannot have a size function');
      const hwm = ExtractHighWaterMark(strat, 0);
      SetUpReadableByteStreamControllerFromUnderlyingSource(impl, src, dict, hwm);
    } else {
      const sizeAlgorithm = ExtractSizeAlgorithm(strat);
      const hwm = ExtractHighWaterMark(strat, 1);
      SetUpReadableStreamDefaultControllerFromUnderlyingSource(impl, src, dict, hwm, sizeAlgorithm);
    }
  }

  static from(asyncIterable) {
    return ReadableStreamFromIterable(asyncIterable).pub;
  }

  get locked() {
    return IsReadableStreamLocked(rsThis(this));
  }

  cancel(reason = undefined) {
    if (!RS_is(this)) return PromiseReject(illegalInvocation());
    const stream = RS_get(this);
    if (IsReadableStreamLocked(stream)) return PromiseReject(new TypeError(LOCKED_READABLE));
    return ReadableStreamCancel(stream, reason);
  }

  getReader(options = undefined) {
    const stream = rsThis(this);
    const dict = toDictionary(options, 'options');
    let mode;
    if (dict !== null) {
      mode = dict.mode;
      if (mode !== undefined) {
        mode = toDOMString(mode);
        if (mode !== 'byob') throw new TypeError(("'" + $toString(mode) + "' is not a valid ReadableStreamReaderMode"));
      }
    }
    if (mode === undefined) return AcquireReadableStreamDefaultReader(stream).pub;
    return AcquireReadableStreamBYOBReader(stream).pub;
  }

  pipeThrough(transform, options = undefined) {
    const stream = rsThis(this);
    if (!isObject(transform)) throw new TypeError('transform must be an object');
    const readable = transform.readable;
    if (!RS_is(readable)) throw new TypeError('transform.readable must be a ReadableStream');
    const writable = transform.writable;
    if (!WS_is(writable)) throw new TypeError('transform.writable must be a WritableStream');
    const opts = convertPipeOptions(options);
    if (IsReadableStreamLocked(stream)) throw new TypeError(LOCKED_READABLE);
    const ws = WS_get(writable);
    if (IsWritableStreamLocked(ws)) throw new TypeError(LOCKED_WRITABLE);
    const promise = ReadableStreamPipeTo(stream, ws, opts.preventClose, opts.preventAbort,
      opts.preventCancel, opts.signal);
    markHandled(promise);
    return readable;
  }

  pipeTo(destination, options = undefined) {
    if (!RS_is(this)) return PromiseReject(illegalInvocation());
    const stream = RS_get(this);
    if (!WS_is(destination)) {
      return PromiseReject(new TypeError('pipeTo destination must be a WritableStream'));
    }
    const dest = WS_get(destination);
    let opts;
    try {
      opts = convertPipeOptions(options);
    } catch (e) {
      return PromiseReject(e);
    }
    if (IsReadableStreamLocked(stream)) return PromiseReject(new TypeError(LOCKED_READABLE));
    if (IsWritableStreamLocked(dest)) return PromiseReject(new TypeError(LOCKED_WRITABLE));
    return ReadableStreamPipeTo(stream, dest, opts.preventClose, opts.preventAbort,
      opts.preventCancel, opts.signal);
  }

  tee() {
    const stream = rsThis(this);
    const branches = ReadableStreamTee(stream, false);
    return [branches[0].pub, branches[1].pub];
  }

  values(options = undefined) {
    const stream = rsThis(this);
    const dict = toDictionary(options, 'options');
    const preventCancel = dict === null ? false : toBoolean(dict.preventCancel);
    const reader = AcquireReadableStreamDefaultReader(stream);
    const it = new AsyncIteratorImpl();
    it.reader = reader;
    it.preventCancel = preventCancel;
    return new ReadableStreamAsyncIterator(kInternal, it);
  }

  static {
    RS_is = (o) => isObject(o) && #i in o;
    RS_get = (o) => o.#i;
  }
}
function rsThis(o) {
  if (!RS_is(o)) throw illegalInvocation();
  return RS_get(o);
}

function convertPipeOptions(options) {
  const dict = toDictionary(options, 'options');
  if (dict === null) {
    return { preventAbort: false, preventCancel: false, preventClose: false, signal: undefined };
  }
  const preventAbort = toBoolean(dict.preventAbort);
  const preventCancel = toBoolean(dict.preventCancel);
  const preventClose = toBoolean(dict.preventClose);
  const signal = dict.signal;
  if (signal !== undefined) {
    if (!isObject(signal) || !('aborted' in signal) || typeof signal.addEventListener !== 'function') {
      throw new TypeError('options.signal must be an AbortSignal');
    }
  }
  return { preventAbort, preventCancel, preventClose, signal };
}

class ReadableStreamDefaultReader {
  #i;
  constructor(stream) {
    if (stream === kInternal) {
      this.#i = new ReaderImpl('default');
      this.#i.pub = this;
      return;
    }
    if (!RS_is(stream)) throw new TypeError('ReadableStreamDefaultReader constructor requires a ReadableStream');
    this.#i = new ReaderImpl('default');
    this.#i.pub = this;
    SetUpReadableStreamDefaultReader(this.#i, RS_get(stream));
  }
  get closed() {
    if (!RDR_is(this)) return PromiseReject(illegalInvocation());
    return RDR_get(this).closedPromise.promise;
  }
  cancel(reason = undefined) {
    if (!RDR_is(this)) return PromiseReject(illegalInvocation());
    const reader = RDR_get(this);
    if (reader.stream === undefined) return PromiseReject(new TypeError('This reader has been released'));
    return ReadableStreamReaderGenericCancel(reader, reason);
  }
  read() {
    if (!RDR_is(this)) return PromiseReject(illegalInvocation());
    const reader = RDR_get(this);
    if (reader.stream === undefined) return PromiseReject(new TypeError('This reader has been released'));
    const d = newDeferred();
    ReadableStreamDefaultReaderRead(reader, {
      chunkSteps: (chunk) => resolveDeferred(d, { value: chunk, done: false }),
      closeSteps: () => resolveDeferred(d, { value: undefined, done: true }),
      errorSteps: (e) => rejectDeferred(d, e),
    });
    return d.promise;
  }
  releaseLock() {
    if (!RDR_is(this)) throw illegalInvocation();
    const reader = RDR_get(this);
    if (reader.stream === undefined) return;
    ReadableStreamDefaultReaderRelease(reader);
  }
  static {
    RDR_is = (o) => isObject(o) && #i in o;
    RDR_get = (o) => o.#i;
  }
}

class ReadableStreamBYOBReader {
  #i;
  constructor(stream) {
    if (stream === kInternal) {
      this.#i = new ReaderImpl('byob');
      this.#i.pub = this;
      return;
    }
    if (!RS_is(stream)) throw new TypeError('ReadableStreamBYOBReader constructor requires a ReadableStream');
    this.#i = new ReaderImpl('byob');
    this.#i.pub = this;
    SetUpReadableStreamBYOBReader(this.#i, RS_get(stream));
  }
  get closed() {
    if (!RBR_is(this)) return PromiseReject(illegalInvocation());
    return RBR_get(this).closedPromise.promise;
  }
  cancel(reason = undefined) {
    if (!RBR_is(this)) return PromiseReject(illegalInvocation());
    const reader = RBR_get(this);
    if (reader.stream === undefined) return PromiseReject(new TypeError('This reader has been released'));
    return ReadableStreamReaderGenericCancel(reader, reason);
  }
  read(view, options = undefined) {
    if (!RBR_is(this)) return PromiseReject(illegalInvocation());
    const reader = RBR_get(this);
    if (!isArrayBufferView(view)) return PromiseReject(new TypeError('read() requires an ArrayBufferView'));
    let min = 1;
    try {
      const dict = toDictionary(options, 'options');
      if (dict !== null && dict.min !== undefined) min = toEnforceRangeULL(dict.min, 'options.min');
    } catch (e) {
      return PromiseReject(e);
    }
    const byteLength = viewByteLength(view);
    const buffer = viewBuffer(view);
    if (byteLength === 0) return PromiseReject(new TypeError('view must have non-zero byteLength'));
    if (IsDetachedBuffer(buffer)) return PromiseReject(new TypeError("view's buffer has been detached"));
    if (bufferByteLength(buffer) === 0) return PromiseReject(new TypeError("view's buffer must have non-zero byteLength"));
    if (min === 0) return PromiseReject(new TypeError('options.min must be greater than 0'));
    if (isTypedArray(view)) {
      if (min > TypedArrayPrototypeGetLength(view)) {
        return PromiseReject(new RangeError('options.min must not exceed the view length'));
      }
    } else if (min > byteLength) {
      return PromiseReject(new RangeError('options.min must not exceed the view byteLength'));
    }
    if (reader.stream === undefined) return PromiseReject(new TypeError('This reader has been released'));
    const d = newDeferred();
    ReadableStreamBYOBReaderRead(reader, view, min, {
      chunkSteps: (chunk) => resolveDeferred(d, { value: chunk, done: false }),
      closeSteps: (chunk) => resolveDeferred(d, { value: chunk, done: true }),
      errorSteps: (e) => rejectDeferred(d, e),
    });
    return d.promise;
  }
  releaseLock() {
    if (!RBR_is(this)) throw illegalInvocation();
    const reader = RBR_get(this);
    if (reader.stream === undefined) return;
    ReadableStreamBYOBReaderRelease(reader);
  }
  static {
    RBR_is = (o) => isObject(o) && #i in o;
    RBR_get = (o) => o.#i;
  }
}

class ReadableStreamDefaultController {
  #i;
  constructor(token = undefined, impl = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#i = impl;
    impl.pub = this;
  }
  get desiredSize() {
    if (!RSDC_is(this)) throw illegalInvocation();
    return ReadableStreamDefaultControllerGetDesiredSize(RSDC_get(this));
  }
  close() {
    if (!RSDC_is(this)) throw illegalInvocation();
    const c = RSDC_get(this);
    if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(c)) {
      throw new TypeError('The stream is not in a state that permits close');
    }
    ReadableStreamDefaultControllerClose(c);
  }
  enqueue(chunk = undefined) {
    if (!RSDC_is(this)) throw illegalInvocation();
    const c = RSDC_get(this);
    if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(c)) {
      throw new TypeError('The stream is not in a state that permits enqueue');
    }
    ReadableStreamDefaultControllerEnqueue(c, chunk);
  }
  error(e = undefined) {
    if (!RSDC_is(this)) throw illegalInvocation();
    ReadableStreamDefaultControllerError(RSDC_get(this), e);
  }
  static {
    RSDC_is = (o) => isObject(o) && #i in o;
    RSDC_get = (o) => o.#i;
  }
}

class ReadableByteStreamController {
  #i;
  constructor(token = undefined, impl = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#i = impl;
    impl.pub = this;
  }
  get byobRequest() {
    if (!RBSC_is(this)) throw illegalInvocation();
    const req = ReadableByteStreamControllerGetBYOBRequest(RBSC_get(this));
    return req === null ? null : req.pub;
  }
  get desiredSize() {
    if (!RBSC_is(this)) throw illegalInvocation();
    return ReadableByteStreamControllerGetDesiredSize(RBSC_get(this));
  }
  close() {
    if (!RBSC_is(this)) throw illegalInvocation();
    const c = RBSC_get(this);
    if (c.closeRequested) throw new TypeError('The stream has already been closed');
    if (c.stream.state !== 'readable') throw new TypeError('The stream is not in the readable state and cannot be closed');
    ReadableByteStreamControllerClose(c);
  }
  enqueue(chunk) {
    if (!RBSC_is(this)) throw illegalInvocation();
    const c = RBSC_get(this);
    if (!isArrayBufferView(chunk)) throw new TypeError('chunk must be an ArrayBufferView');
    if (viewByteLength(chunk) === 0) throw new TypeError('chunk must have non-zero byteLength');
    const buffer = viewBuffer(chunk);
    if (bufferByteLength(buffer) === 0) throw new TypeError("chunk's buffer must have non-zero byteLength");
    if (c.closeRequested) throw new TypeError('The stream has been closed');
    if (c.stream.state !== 'readable') throw new TypeError('The stream is not in the readable state and cannot be enqueued to');
    ReadableByteStreamControllerEnqueue(c, chunk);
  }
  error(e = undefined) {
    if (!RBSC_is(this)) throw illegalInvocation();
    ReadableByteStreamControllerError(RBSC_get(this), e);
  }
  static {
    RBSC_is = (o) => isObject(o) && #i in o;
    RBSC_get = (o) => o.#i;
  }
}

class ReadableStreamBYOBRequest {
  #i;
  constructor(token = undefined, impl = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#i = impl;
    impl.pub = this;
  }
  get view() {
    if (!BYOBREQ_is(this)) throw illegalInvocation();
    return BYOBREQ_get(this).view;
  }
  respond(bytesWritten) {
    if (!BYOBREQ_is(this)) throw illegalInvocation();
    const req = BYOBREQ_get(this);
    bytesWritten = toEnforceRangeULL(bytesWritten, 'bytesWritten');
    if (req.controller === undefined) throw new TypeError('This BYOB request has been invalidated');
    if (IsDetachedBuffer(viewBuffer(req.view))) throw new TypeError("The BYOB request's buffer has been detached");
    ReadableByteStreamControllerRespond(req.controller, bytesWritten);
  }
  respondWithNewView(view) {
    if (!BYOBREQ_is(this)) throw illegalInvocation();
    const req = BYOBREQ_get(this);
    if (!isArrayBufferView(view)) throw new TypeError('view must be an ArrayBufferView');
    if (req.controller === undefined) throw new TypeError('This BYOB request has been invalidated');
    if (IsDetachedBuffer(viewBuffer(view))) throw new TypeError("The view's buffer has been detached");
    ReadableByteStreamControllerRespondWithNewView(req.controller, view);
  }
  static {
    BYOBREQ_is = (o) => isObject(o) && #i in o;
    BYOBREQ_get = (o) => o.#i;
  }
}

// ---------------------------------------------------------------------------
// ReadableStream abstract operations
// ---------------------------------------------------------------------------
function newReadableStreamImpl() {
  const impl = new ReadableStreamImpl();
  new ReadableStream(kInternal, impl);
  return impl;
}

function AcquireReadableStreamBYOBReader(stream) {
  const reader = RBR_get(new ReadableStreamBYOBReader(kInternal));
  SetUpReadableStreamBYOBReader(reader, stream);
  return reader;
}

function AcquireReadableStreamDefaultReader(stream) {
  const reader = RDR_get(new ReadableStreamDefaultReader(kInternal));
  SetUpReadableStreamDefaultReader(reader, stream);
  return reader;
}

function CreateReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm,
  highWaterMark = 1, sizeAlgorithm = defaultSizeAlgorithm) {
  const stream = newReadableStreamImpl();
  const controller = new DefaultControllerImpl();
  new ReadableStreamDefaultController(kInternal, controller);
  SetUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, highWaterMark, sizeAlgorithm);
  return stream;
}

function CreateReadableByteStream(startAlgorithm, pullAlgorithm, cancelAlgorithm) {
  const stream = newReadableStreamImpl();
  const controller = new ByteControllerImpl();
  new ReadableByteStreamController(kInternal, controller);
  SetUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, 0, undefined);
  return stream;
}

function IsReadableStreamLocked(stream) {
  return stream.reader !== undefined;
}

// --- ReadableStream.from ---
function CreateAsyncFromSyncIterator(syncIterator, syncNext) {
  const wrap = (result) => {
    if (!isObject(result)) throw new TypeError('iterator result is not an object');
    const done = toBoolean(result.done);
    return then(PromiseResolve(result.value), (value) => ({ value, done }));
  };
  return {
    iterator: {
      next(v) {
        try {
          return wrap(ReflectApply(syncNext, syncIterator, [v]));
        } catch (e) {
          return PromiseReject(e);
        }
      },
      return(v) {
        try {
          const ret = syncIterator.return;
          if (ret === undefined || ret === null) return PromiseResolve({ value: v, done: true });
          return wrap(ReflectApply(ret, syncIterator, [v]));
        } catch (e) {
          return PromiseReject(e);
        }
      },
    },
    nextMethod: undefined,
  };
}

function GetAsyncIterator(obj) {
  const method = obj == null ? undefined : obj[SymbolAsyncIterator];
  if (method === undefined || method === null) {
    const syncMethod = obj == null ? undefined : obj[SymbolIterator];
    if (syncMethod === undefined || syncMethod === null) {
      throw new TypeError('ReadableStream.from() requires an async iterable or iterable');
    }
    if (typeof syncMethod !== 'function') throw new TypeError('@@iterator is not a function');
    const syncIterator = ReflectApply(syncMethod, obj, []);
    if (!isObject(syncIterator)) throw new TypeError('@@iterator did not return an object');
    const rec = CreateAsyncFromSyncIterator(syncIterator, syncIterator.next);
    rec.nextMethod = rec.iterator.next;
    return rec;
  }
  if (typeof method !== 'function') throw new TypeError('@@asyncIterator is not a function');
  const iterator = ReflectApply(method, obj, []);
  if (!isObject(iterator)) throw new TypeError('@@asyncIterator did not return an object');
  return { iterator, nextMethod: iterator.next };
}

function ReadableStreamFromIterable(asyncIterable) {
  let stream;
  const record = GetAsyncIterator(asyncIterable);
  const startAlgorithm = () => undefined;
  const pullAlgorithm = () => {
    let nextResult;
    try {
      nextResult = ReflectApply(record.nextMethod, record.iterator, []);
    } catch (e) {
      return PromiseReject(e);
    }
    return then(PromiseResolve(nextResult), (iterResult) => {
      if (!isObject(iterResult)) throw new TypeError('The promise returned by the iterator.next() method must fulfill with an object');
      const done = toBoolean(iterResult.done);
      if (done) {
        ReadableStreamDefaultControllerClose(stream.controller);
      } else {
        const value = iterResult.value;
        ReadableStreamDefaultControllerEnqueue(stream.controller, value);
      }
    });
  };
  const cancelAlgorithm = (reason) => {
    const iterator = record.iterator;
    let returnMethod;
    try {
      returnMethod = iterator.return;
    } catch (e) {
      return PromiseReject(e);
    }
    if (returnMethod === undefined || returnMethod === null) return PromiseResolve(undefined);
    let returnResult;
    try {
      if (typeof returnMethod !== 'function') throw new TypeError('iterator.return is not a function');
      returnResult = ReflectApply(returnMethod, iterator, [reason]);
    } catch (e) {
      return PromiseReject(e);
    }
    return then(PromiseResolve(returnResult), (iterResult) => {
      if (!isObject(iterResult)) throw new TypeError('The promise returned by the iterator.return() method must fulfill with an object');
      return undefined;
    });
  };
  stream = CreateReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm, 0);
  return stream;
}

// --- pipeTo ---
function waitAll(promises) {
  // promises: a small array literal; resolves when all fulfil, rejects on first rejection.
  const d = newDeferred();
  let remaining = promises.length;
  if (remaining === 0) {
    resolveDeferred(d, undefined);
    return d.promise;
  }
  for (let k = 0; k < promises.length; k++) {
    upon(promises[k], () => {
      if (--remaining === 0) resolveDeferred(d, undefined);
    }, (e) => rejectDeferred(d, e));
  }
  return d.promise;
}

function ReadableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal) {
  const reader = AcquireReadableStreamDefaultReader(source);
  const writer = AcquireWritableStreamDefaultWriter(dest);
  source.disturbed = true;
  let shuttingDown = false;
  let currentWrite = PromiseResolve(undefined);
  const promise = newDeferred();
  let abortAlgorithm;

  const waitForWritesToFinish = () => {
    const old = currentWrite;
    return thenP(old, () => (old !== currentWrite ? waitForWritesToFinish() : PromiseResolve(undefined)));
  };

  const finalize = (isError, error) => {
    WritableStreamDefaultWriterRelease(writer);
    ReadableStreamDefaultReaderRelease(reader);
    if (signal !== undefined && abortAlgorithm !== undefined) {
      try {
        signal.removeEventListener('abort', abortAlgorithm);
      } catch {
        // ignore
      }
    }
    if (isError) rejectDeferred(promise, error);
    else resolveDeferred(promise, undefined);
  };

  const shutdownWithAction = (action, originalIsError, originalError) => {
    if (shuttingDown) return;
    shuttingDown = true;
    const doTheRest = () => {
      let p;
      try {
        p = action();
      } catch (e) {
        p = PromiseReject(e);
      }
      upon(p, () => finalize(originalIsError, originalError), (newError) => finalize(true, newError));
    };
    if (dest.state === 'writable' && !WritableStreamCloseQueuedOrInFlight(dest)) {
      upon(waitForWritesToFinish(), doTheRest, doTheRest);
    } else {
      doTheRest();
    }
  };

  const shutdown = (isError, error) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (dest.state === 'writable' && !WritableStreamCloseQueuedOrInFlight(dest)) {
      upon(waitForWritesToFinish(), () => finalize(isError, error), () => finalize(isError, error));
    } else {
      finalize(isError, error);
    }
  };

  if (signal !== undefined) {
    abortAlgorithm = () => {
      let error = signal.reason;
      if (error === undefined) error = abortError();
      const actions = [];
      let n = 0;
      shutdownWithAction(() => {
        if (!preventAbort) {
          actions[n++] = dest.state === 'writable' ? WritableStreamAbort(dest, error) : PromiseResolve(undefined);
        }
        if (!preventCancel) {
          actions[n++] = source.state === 'readable' ? ReadableStreamCancel(source, error) : PromiseResolve(undefined);
        }
        return waitAll(actions);
      }, true, error);
    };
    if (signal.aborted) {
      abortAlgorithm();
      return promise.promise;
    }
    signal.addEventListener('abort', abortAlgorithm, { once: true });
  }

  // Errors must be propagated forward.
  const onSourceErrored = (storedError) => {
    if (!preventAbort) shutdownWithAction(() => WritableStreamAbort(dest, storedError), true, storedError);
    else shutdown(true, storedError);
  };
  // Errors must be propagated backward.
  const onDestErrored = (storedError) => {
    if (!preventCancel) shutdownWithAction(() => ReadableStreamCancel(source, storedError), true, storedError);
    else shutdown(true, storedError);
  };
  // Closing must be propagated forward.
  const onSourceClosed = () => {
    if (!preventClose) shutdownWithAction(() => WritableStreamDefaultWriterCloseWithErrorPropagation(writer));
    else shutdown();
  };

  if (source.state === 'errored') onSourceErrored(source.storedError);
  else upon(reader.closedPromise.promise, () => {}, onSourceErrored);

  if (dest.state === 'errored') onDestErrored(dest.storedError);
  else upon(writer.closedPromise.promise, () => {}, onDestErrored);

  if (source.state === 'closed') onSourceClosed();
  else upon(reader.closedPromise.promise, () => {
    if (source.state === 'closed') onSourceClosed();
  }, () => {});

  // Closing must be propagated backward.
  if (WritableStreamCloseQueuedOrInFlight(dest) || dest.state === 'closed') {
    const destClosed = new TypeError('the destination writable stream closed before all data could be piped to it');
    if (!preventCancel) shutdownWithAction(() => ReadableStreamCancel(source, destClosed), true, destClosed);
    else shutdown(true, destClosed);
  }

  const pipeStep = () => {
    if (shuttingDown) return;
    upon(writer.readyPromise.promise, () => {
      if (shuttingDown) return;
      ReadableStreamDefaultReaderRead(reader, {
        chunkSteps: (chunk) => {
          currentWrite = then(WritableStreamDefaultWriterWrite(writer, chunk), undefined, noop);
          pipeStep();
        },
        closeSteps: noop,
        errorSteps: noop,
      });
    }, noop);
  };
  pipeStep();

  return promise.promise;
}

// --- tee ---
function ReadableStreamTee(stream, cloneForBranch2) {
  const isBytes = stream.controller.kind === 'bytes';
  return ReadableStreamDefaultTee(stream, cloneForBranch2, isBytes);
}

// Default tee algorithm. For byte streams (`bytes`), branches are byte streams
// and branch 2 receives a copy of each chunk (so the branches never share
// buffers); byte-specific BYOB forwarding to the source is not performed.
function ReadableStreamDefaultTee(stream, cloneForBranch2, bytes) {
  const reader = AcquireReadableStreamDefaultReader(stream);
  let reading = false;
  let readAgain = false;
  let canceled1 = false;
  let canceled2 = false;
  let reason1;
  let reason2;
  let branch1;
  let branch2;
  const cancelPromise = newDeferred();

  const enqueueTo = (branch, chunk) => {
    if (bytes) ReadableByteStreamControllerEnqueue(branch.controller, chunk);
    else ReadableStreamDefaultControllerEnqueue(branch.controller, chunk);
  };
  const closeBranch = (branch) => {
    if (bytes) {
      const c = branch.controller;
      if (c.closeRequested || branch.state !== 'readable') return;
      try {
        ReadableByteStreamControllerClose(c);
      } catch {
        return;
      }
      if (branch.state === 'closed' && c.pendingPullIntos.size > 0) {
        ReadableByteStreamControllerRespond(c, 0);
      }
    } else {
      ReadableStreamDefaultControllerClose(branch.controller);
    }
  };
  const errorBranch = (branch, e) => {
    if (bytes) ReadableByteStreamControllerError(branch.controller, e);
    else ReadableStreamDefaultControllerError(branch.controller, e);
  };

  const pullAlgorithm = () => {
    if (reading) {
      readAgain = true;
      return PromiseResolve(undefined);
    }
    reading = true;
    ReadableStreamDefaultReaderRead(reader, {
      chunkSteps: (chunk) => {
        queueMicrotask(() => {
          readAgain = false;
          const chunk1 = chunk;
          let chunk2 = chunk;
          if (bytes && !canceled1 && !canceled2) {
            try {
              chunk2 = cloneAsUint8Array(chunk);
            } catch (e) {
              errorBranch(branch1, e);
              errorBranch(branch2, e);
              resolveDeferredWithPromise(cancelPromise, ReadableStreamCancel(stream, e));
              return;
            }
          }
          try {
            if (!canceled1) enqueueTo(branch1, chunk1);
            if (!canceled2) enqueueTo(branch2, chunk2);
          } catch (e) {
            errorBranch(branch1, e);
            errorBranch(branch2, e);
            resolveDeferredWithPromise(cancelPromise, ReadableStreamCancel(stream, e));
            return;
          }
          reading = false;
          if (readAgain) pullAlgorithm();
        });
      },
      closeSteps: () => {
        reading = false;
        if (!canceled1) closeBranch(branch1);
        if (!canceled2) closeBranch(branch2);
        if (!canceled1 || !canceled2) resolveDeferred(cancelPromise, undefined);
      },
      errorSteps: () => {
        reading = false;
      },
    });
    return PromiseResolve(undefined);
  };

  const cancel1Algorithm = (reason) => {
    canceled1 = true;
    reason1 = reason;
    if (canceled2) {
      const compositeReason = [reason1, reason2];
      const cancelResult = ReadableStreamCancel(stream, compositeReason);
      resolveDeferredWithPromise(cancelPromise, cancelResult);
    }
    return cancelPromise.promise;
  };
  const cancel2Algorithm = (reason) => {
    canceled2 = true;
    reason2 = reason;
    if (canceled1) {
      const compositeReason = [reason1, reason2];
      const cancelResult = ReadableStreamCancel(stream, compositeReason);
      resolveDeferredWithPromise(cancelPromise, cancelResult);
    }
    return cancelPromise.promise;
  };
  const startAlgorithm = () => undefined;

  if (bytes) {
    branch1 = CreateReadableByteStream(startAlgorithm, pullAlgorithm, cancel1Algorithm);
    branch2 = CreateReadableByteStream(startAlgorithm, pullAlgorithm, cancel2Algorithm);
  } else {
    branch1 = CreateReadableStream(startAlgorithm, pullAlgorithm, cancel1Algorithm);
    branch2 = CreateReadableStream(startAlgorithm, pullAlgorithm, cancel2Algorithm);
  }

  upon(reader.closedPromise.promise, undefined, (r) => {
    errorBranch(branch1, r);
    errorBranch(branch2, r);
    if (!canceled1 || !canceled2) resolveDeferred(cancelPromise, undefined);
  });

  return [branch1, branch2];
}

// --- interfacing with controllers ---
function ReadableStreamAddReadIntoRequest(stream, readRequest) {
  stream.reader.readIntoRequests.push(readRequest);
}
function ReadableStreamAddReadRequest(stream, readRequest) {
  stream.reader.readRequests.push(readRequest);
}

function ReadableStreamCancel(stream, reason) {
  stream.disturbed = true;
  if (stream.state === 'closed') return PromiseResolve(undefined);
  if (stream.state === 'errored') return PromiseReject(stream.storedError);
  ReadableStreamClose(stream);
  const reader = stream.reader;
  if (reader !== undefined && reader.kind === 'byob') {
    const readIntoRequests = reader.readIntoRequests;
    reader.readIntoRequests = new List();
    readIntoRequests.forEach((req) => req.closeSteps(undefined));
  }
  const sourceCancelPromise = stream.controller.cancelSteps(reason);
  return then(sourceCancelPromise, () => undefined);
}

function ReadableStreamClose(stream) {
  stream.state = 'closed';
  const reader = stream.reader;
  if (reader === undefined) return;
  resolveDeferred(reader.closedPromise, undefined);
  if (reader.kind === 'default') {
    const readRequests = reader.readRequests;
    reader.readRequests = new List();
    readRequests.forEach((req) => req.closeSteps());
  }
}

function ReadableStreamError(stream, e) {
  stream.state = 'errored';
  stream.storedError = e;
  const reader = stream.reader;
  if (reader === undefined) return;
  rejectDeferred(reader.closedPromise, e);
  markHandled(reader.closedPromise.promise);
  if (reader.kind === 'default') ReadableStreamDefaultReaderErrorReadRequests(reader, e);
  else ReadableStreamBYOBReaderErrorReadIntoRequests(reader, e);
}

function ReadableStreamFulfillReadIntoRequest(stream, chunk, done) {
  const reader = stream.reader;
  const readIntoRequest = reader.readIntoRequests.shift();
  if (done) readIntoRequest.closeSteps(chunk);
  else readIntoRequest.chunkSteps(chunk);
}

function ReadableStreamFulfillReadRequest(stream, chunk, done) {
  const reader = stream.reader;
  const readRequest = reader.readRequests.shift();
  if (done) readRequest.closeSteps();
  else readRequest.chunkSteps(chunk);
}

function ReadableStreamGetNumReadIntoRequests(stream) {
  return stream.reader.readIntoRequests.size;
}
function ReadableStreamGetNumReadRequests(stream) {
  return stream.reader.readRequests.size;
}
function ReadableStreamHasBYOBReader(stream) {
  const reader = stream.reader;
  return reader !== undefined && reader.kind === 'byob';
}
function ReadableStreamHasDefaultReader(stream) {
  const reader = stream.reader;
  return reader !== undefined && reader.kind === 'default';
}

// --- readers ---
function ReadableStreamReaderGenericCancel(reader, reason) {
  return ReadableStreamCancel(reader.stream, reason);
}

function ReadableStreamReaderGenericInitialize(reader, stream) {
  reader.stream = stream;
  stream.reader = reader;
  if (stream.state === 'readable') {
    reader.closedPromise = newDeferred();
  } else if (stream.state === 'closed') {
    reader.closedPromise = resolvedDeferred(undefined);
  } else {
    reader.closedPromise = rejectedDeferred(stream.storedError);
    markHandled(reader.closedPromise.promise);
  }
}

function ReadableStreamReaderGenericRelease(reader) {
  const stream = reader.stream;
  const err = new TypeError('Reader was released and can no longer be used to monitor the stream\'s closedness');
  if (stream.state === 'readable') {
    rejectDeferred(reader.closedPromise, err);
  } else {
    reader.closedPromise = rejectedDeferred(err);
  }
  markHandled(reader.closedPromise.promise);
  stream.controller.releaseSteps();
  stream.reader = undefined;
  reader.stream = undefined;
}

function ReadableStreamBYOBReaderErrorReadIntoRequests(reader, e) {
  const readIntoRequests = reader.readIntoRequests;
  reader.readIntoRequests = new List();
  readIntoRequests.forEach((req) => req.errorSteps(e));
}

function ReadableStreamBYOBReaderRead(reader, view, min, readIntoRequest) {
  const stream = reader.stream;
  stream.disturbed = true;
  if (stream.state === 'errored') readIntoRequest.errorSteps(stream.storedError);
  else ReadableByteStreamControllerPullInto(stream.controller, view, min, readIntoRequest);
}

function ReadableStreamBYOBReaderRelease(reader) {
  ReadableStreamReaderGenericRelease(reader);
  ReadableStreamBYOBReaderErrorReadIntoRequests(reader, new TypeError('Reader was released'));
}

function ReadableStreamDefaultReaderErrorReadRequests(reader, e) {
  const readRequests = reader.readRequests;
  reader.readRequests = new List();
  readRequests.forEach((req) => req.errorSteps(e));
}

function ReadableStreamDefaultReaderRead(reader, readRequest) {
  const stream = reader.stream;
  stream.disturbed = true;
  if (stream.state === 'closed') readRequest.closeSteps();
  else if (stream.state === 'errored') readRequest.errorSteps(stream.storedError);
  else stream.controller.pullSteps(readRequest);
}

function ReadableStreamDefaultReaderRelease(reader) {
  ReadableStreamReaderGenericRelease(reader);
  ReadableStreamDefaultReaderErrorReadRequests(reader, new TypeError('Reader was released'));
}

function SetUpReadableStreamBYOBReader(reader, stream) {
  if (IsReadableStreamLocked(stream)) throw new TypeError(LOCKED_READABLE);
  if (stream.controller.kind !== 'bytes') {
    throw new TypeError('Cannot get a BYOB reader for a stream that is not a byte stream');
  }
  ReadableStreamReaderGenericInitialize(reader, stream);
  reader.readIntoRequests = new List();
}

function SetUpReadableStreamDefaultReader(reader, stream) {
  if (IsReadableStreamLocked(stream)) throw new TypeError(LOCKED_READABLE);
  ReadableStreamReaderGenericInitialize(reader, stream);
  reader.readRequests = new List();
}

// --- default controllers ---
function ReadableStreamDefaultControllerCallPullIfNeeded(c) {
  if (!ReadableStreamDefaultControllerShouldCallPull(c)) return;
  if (c.pulling) {
    c.pullAgain = true;
    return;
  }
  c.pulling = true;
  const pullPromise = c.pullAlgorithm();
  upon(pullPromise, () => {
    c.pulling = false;
    if (c.pullAgain) {
      c.pullAgain = false;
      ReadableStreamDefaultControllerCallPullIfNeeded(c);
    }
  }, (e) => {
    ReadableStreamDefaultControllerError(c, e);
  });
}

function ReadableStreamDefaultControllerShouldCallPull(c) {
  const stream = c.stream;
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(c)) return false;
  if (!c.started) return false;
  if (IsReadableStreamLocked(stream) && ReadableStreamGetNumReadRequests(stream) > 0) return true;
  const desiredSize = ReadableStreamDefaultControllerGetDesiredSize(c);
  return desiredSize > 0;
}

function ReadableStreamDefaultControllerClearAlgorithms(c) {
  c.pullAlgorithm = undefined;
  c.cancelAlgorithm = undefined;
  c.strategySizeAlgorithm = undefined;
}

function ReadableStreamDefaultControllerClose(c) {
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(c)) return;
  const stream = c.stream;
  c.closeRequested = true;
  if (c.queue.size === 0) {
    ReadableStreamDefaultControllerClearAlgorithms(c);
    ReadableStreamClose(stream);
  }
}

function ReadableStreamDefaultControllerEnqueue(c, chunk) {
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(c)) return;
  const stream = c.stream;
  if (IsReadableStreamLocked(stream) && ReadableStreamGetNumReadRequests(stream) > 0) {
    ReadableStreamFulfillReadRequest(stream, chunk, false);
  } else {
    let chunkSize;
    try {
      chunkSize = c.strategySizeAlgorithm(chunk);
    } catch (e) {
      ReadableStreamDefaultControllerError(c, e);
      throw e;
    }
    try {
      EnqueueValueWithSize(c, chunk, chunkSize);
    } catch (e) {
      ReadableStreamDefaultControllerError(c, e);
      throw e;
    }
  }
  ReadableStreamDefaultControllerCallPullIfNeeded(c);
}

function ReadableStreamDefaultControllerError(c, e) {
  const stream = c.stream;
  if (stream.state !== 'readable') return;
  ResetQueue(c);
  ReadableStreamDefaultControllerClearAlgorithms(c);
  ReadableStreamError(stream, e);
}

function ReadableStreamDefaultControllerGetDesiredSize(c) {
  const state = c.stream.state;
  if (state === 'errored') return null;
  if (state === 'closed') return 0;
  return c.strategyHWM - c.queueTotalSize;
}

function ReadableStreamDefaultControllerHasBackpressure(c) {
  return !ReadableStreamDefaultControllerShouldCallPull(c);
}

function ReadableStreamDefaultControllerCanCloseOrEnqueue(c) {
  return !c.closeRequested && c.stream.state === 'readable';
}

function SetUpReadableStreamDefaultController(stream, c, startAlgorithm, pullAlgorithm,
  cancelAlgorithm, highWaterMark, sizeAlgorithm) {
  c.stream = stream;
  ResetQueue(c);
  c.started = false;
  c.closeRequested = false;
  c.pullAgain = false;
  c.pulling = false;
  c.strategySizeAlgorithm = sizeAlgorithm;
  c.strategyHWM = highWaterMark;
  c.pullAlgorithm = pullAlgorithm;
  c.cancelAlgorithm = cancelAlgorithm;
  stream.controller = c;
  const startResult = startAlgorithm();
  const startPromise = PromiseResolve(startResult);
  upon(startPromise, () => {
    c.started = true;
    ReadableStreamDefaultControllerCallPullIfNeeded(c);
  }, (r) => {
    ReadableStreamDefaultControllerError(c, r);
  });
}

function SetUpReadableStreamDefaultControllerFromUnderlyingSource(stream, underlyingSource, dict,
  highWaterMark, sizeAlgorithm) {
  const c = new DefaultControllerImpl();
  new ReadableStreamDefaultController(kInternal, c);
  let startAlgorithm = () => undefined;
  let pullAlgorithm = resolvedUndefined;
  let cancelAlgorithm = resolvedUndefined;
  const { start, pull, cancel } = dict;
  if (start !== undefined) startAlgorithm = () => ReflectApply(start, underlyingSource, [c.pub]);
  if (pull !== undefined) pullAlgorithm = () => promiseCall(pull, underlyingSource, [c.pub]);
  if (cancel !== undefined) cancelAlgorithm = (reason) => promiseCall(cancel, underlyingSource, [reason]);
  SetUpReadableStreamDefaultController(stream, c, startAlgorithm, pullAlgorithm, cancelAlgorithm,
    highWaterMark, sizeAlgorithm);
}

// --- byte stream controllers ---
function ReadableByteStreamControllerCallPullIfNeeded(c) {
  if (!ReadableByteStreamControllerShouldCallPull(c)) return;
  if (c.pulling) {
    c.pullAgain = true;
    return;
  }
  c.pulling = true;
  const pullPromise = c.pullAlgorithm();
  upon(pullPromise, () => {
    c.pulling = false;
    if (c.pullAgain) {
      c.pullAgain = false;
      ReadableByteStreamControllerCallPullIfNeeded(c);
    }
  }, (e) => {
    ReadableByteStreamControllerError(c, e);
  });
}

function ReadableByteStreamControllerClearAlgorithms(c) {
  c.pullAlgorithm = undefined;
  c.cancelAlgorithm = undefined;
}

function ReadableByteStreamControllerClearPendingPullIntos(c) {
  ReadableByteStreamControllerInvalidateBYOBRequest(c);
  c.pendingPullIntos = new List();
}

function ReadableByteStreamControllerClose(c) {
  const stream = c.stream;
  if (c.closeRequested || stream.state !== 'readable') return;
  if (c.queueTotalSize > 0) {
    c.closeRequested = true;
    return;
  }
  if (c.pendingPullIntos.size > 0) {
    const first = c.pendingPullIntos.peek();
    if (first.bytesFilled % first.elementSize !== 0) {
      const e = new TypeError('Insufficient bytes to fill elements in the given buffer');
      ReadableByteStreamControllerError(c, e);
      throw e;
    }
  }
  ReadableByteStreamControllerClearAlgorithms(c);
  ReadableStreamClose(stream);
}

function ReadableByteStreamControllerCommitPullIntoDescriptor(stream, d) {
  let done = false;
  if (stream.state === 'closed') done = true;
  const filledView = ReadableByteStreamControllerConvertPullIntoDescriptor(d);
  if (d.readerType === 'default') ReadableStreamFulfillReadRequest(stream, filledView, done);
  else ReadableStreamFulfillReadIntoRequest(stream, filledView, done);
}

function ReadableByteStreamControllerConvertPullIntoDescriptor(d) {
  const bytesFilled = d.bytesFilled;
  const elementSize = d.elementSize;
  const buffer = TransferArrayBuffer(d.buffer);
  return new d.viewConstructor(buffer, d.byteOffset, bytesFilled / elementSize);
}

function ReadableByteStreamControllerEnqueue(c, chunk) {
  const stream = c.stream;
  if (c.closeRequested || stream.state !== 'readable') return;
  const buffer = viewBuffer(chunk);
  const byteOffset = viewByteOffset(chunk);
  const byteLength = viewByteLength(chunk);
  if (IsDetachedBuffer(buffer)) throw new TypeError("chunk's buffer is detached and so cannot be enqueued");
  const transferredBuffer = TransferArrayBuffer(buffer);
  if (c.pendingPullIntos.size > 0) {
    const first = c.pendingPullIntos.peek();
    if (IsDetachedBuffer(first.buffer)) {
      throw new TypeError("The BYOB request's buffer has been detached and so cannot be filled with an enqueued chunk");
    }
    ReadableByteStreamControllerInvalidateBYOBRequest(c);
    first.buffer = TransferArrayBuffer(first.buffer);
    if (first.readerType === 'none') ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(c, first);
  }
  if (ReadableStreamHasDefaultReader(stream)) {
    ReadableByteStreamControllerProcessReadRequestsUsingQueue(c);
    if (ReadableStreamGetNumReadRequests(stream) === 0) {
      ReadableByteStreamControllerEnqueueChunkToQueue(c, transferredBuffer, byteOffset, byteLength);
    } else {
      if (c.pendingPullIntos.size > 0) ReadableByteStreamControllerShiftPendingPullInto(c);
      const transferredView = new Uint8Array(transferredBuffer, byteOffset, byteLength);
      ReadableStreamFulfillReadRequest(stream, transferredView, false);
    }
  } else if (ReadableStreamHasBYOBReader(stream)) {
    ReadableByteStreamControllerEnqueueChunkToQueue(c, transferredBuffer, byteOffset, byteLength);
    const filled = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(c);
    filled.forEach((d) => ReadableByteStreamControllerCommitPullIntoDescriptor(stream, d));
  } else {
    ReadableByteStreamControllerEnqueueChunkToQueue(c, transferredBuffer, byteOffset, byteLength);
  }
  ReadableByteStreamControllerCallPullIfNeeded(c);
}

function ReadableByteStreamControllerEnqueueChunkToQueue(c, buffer, byteOffset, byteLength) {
  c.queue.push({ buffer, byteOffset, byteLength });
  c.queueTotalSize += byteLength;
}

function ReadableByteStreamControllerEnqueueClonedChunkToQueue(c, buffer, byteOffset, byteLength) {
  let cloneResult;
  try {
    cloneResult = ArrayBufferPrototypeSlice(buffer, byteOffset, byteOffset + byteLength);
  } catch (e) {
    ReadableByteStreamControllerError(c, e);
    throw e;
  }
  ReadableByteStreamControllerEnqueueChunkToQueue(c, cloneResult, 0, byteLength);
}

function ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(c, d) {
  if (d.bytesFilled > 0) {
    ReadableByteStreamControllerEnqueueClonedChunkToQueue(c, d.buffer, d.byteOffset, d.bytesFilled);
  }
  ReadableByteStreamControllerShiftPendingPullInto(c);
}

function ReadableByteStreamControllerError(c, e) {
  const stream = c.stream;
  if (stream.state !== 'readable') return;
  ReadableByteStreamControllerClearPendingPullIntos(c);
  ResetQueue(c);
  ReadableByteStreamControllerClearAlgorithms(c);
  ReadableStreamError(stream, e);
}

function ReadableByteStreamControllerFillHeadPullIntoDescriptor(c, size, d) {
  d.bytesFilled += size;
}

function ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(c, d) {
  const maxBytesToCopy = MathMin(c.queueTotalSize, d.byteLength - d.bytesFilled);
  const maxBytesFilled = d.bytesFilled + maxBytesToCopy;
  let totalBytesToCopyRemaining = maxBytesToCopy;
  let ready = false;
  const remainderBytes = maxBytesFilled % d.elementSize;
  const maxAlignedBytes = maxBytesFilled - remainderBytes;
  if (maxAlignedBytes >= d.minimumFill) {
    totalBytesToCopyRemaining = maxAlignedBytes - d.bytesFilled;
    ready = true;
  }
  const queue = c.queue;
  while (totalBytesToCopyRemaining > 0) {
    const head = queue.peek();
    const bytesToCopy = MathMin(totalBytesToCopyRemaining, head.byteLength);
    const destStart = d.byteOffset + d.bytesFilled;
    CopyDataBlockBytes(d.buffer, destStart, head.buffer, head.byteOffset, bytesToCopy);
    if (head.byteLength === bytesToCopy) {
      queue.shift();
    } else {
      head.byteOffset += bytesToCopy;
      head.byteLength -= bytesToCopy;
    }
    c.queueTotalSize -= bytesToCopy;
    ReadableByteStreamControllerFillHeadPullIntoDescriptor(c, bytesToCopy, d);
    totalBytesToCopyRemaining -= bytesToCopy;
  }
  return ready;
}

function ReadableByteStreamControllerFillReadRequestFromQueue(c, readRequest) {
  const entry = c.queue.shift();
  c.queueTotalSize -= entry.byteLength;
  ReadableByteStreamControllerHandleQueueDrain(c);
  const view = new Uint8Array(entry.buffer, entry.byteOffset, entry.byteLength);
  readRequest.chunkSteps(view);
}

function ReadableByteStreamControllerGetBYOBRequest(c) {
  if (c.byobRequest === null && c.pendingPullIntos.size > 0) {
    const first = c.pendingPullIntos.peek();
    const view = new Uint8Array(first.buffer, first.byteOffset + first.bytesFilled,
      first.byteLength - first.bytesFilled);
    const req = new BYOBRequestImpl();
    new ReadableStreamBYOBRequest(kInternal, req);
    req.controller = c;
    req.view = view;
    c.byobRequest = req;
  }
  return c.byobRequest;
}

function ReadableByteStreamControllerGetDesiredSize(c) {
  const state = c.stream.state;
  if (state === 'errored') return null;
  if (state === 'closed') return 0;
  return c.strategyHWM - c.queueTotalSize;
}

function ReadableByteStreamControllerHandleQueueDrain(c) {
  if (c.queueTotalSize === 0 && c.closeRequested) {
    ReadableByteStreamControllerClearAlgorithms(c);
    ReadableStreamClose(c.stream);
  } else {
    ReadableByteStreamControllerCallPullIfNeeded(c);
  }
}

function ReadableByteStreamControllerInvalidateBYOBRequest(c) {
  if (c.byobRequest === null) return;
  c.byobRequest.controller = undefined;
  c.byobRequest.view = null;
  c.byobRequest = null;
}

function ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(c) {
  const filledPullIntos = new List();
  while (c.pendingPullIntos.size > 0) {
    if (c.queueTotalSize === 0) break;
    const d = c.pendingPullIntos.peek();
    if (ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(c, d)) {
      ReadableByteStreamControllerShiftPendingPullInto(c);
      filledPullIntos.push(d);
    }
  }
  return filledPullIntos;
}

function ReadableByteStreamControllerProcessReadRequestsUsingQueue(c) {
  const reader = c.stream.reader;
  while (reader.readRequests.size > 0) {
    if (c.queueTotalSize === 0) return;
    const readRequest = reader.readRequests.shift();
    ReadableByteStreamControllerFillReadRequestFromQueue(c, readRequest);
  }
}

function ReadableByteStreamControllerPullInto(c, view, min, readIntoRequest) {
  const stream = c.stream;
  let elementSize = 1;
  let ctor = DataView;
  const tag = TypedArrayPrototypeGetToStringTag(view);
  if (tag !== undefined) {
    const info = typedArrayInfo[tag];
    elementSize = info.size;
    ctor = info.ctor;
  }
  const minimumFill = min * elementSize;
  const byteOffset = viewByteOffset(view);
  const byteLength = viewByteLength(view);
  let bufferResult;
  try {
    bufferResult = TransferArrayBuffer(viewBuffer(view));
  } catch (e) {
    readIntoRequest.errorSteps(e);
    return;
  }
  const d = {
    buffer: bufferResult,
    bufferByteLength: bufferByteLength(bufferResult),
    byteOffset,
    byteLength,
    bytesFilled: 0,
    minimumFill,
    elementSize,
    viewConstructor: ctor,
    readerType: 'byob',
  };
  if (c.pendingPullIntos.size > 0) {
    c.pendingPullIntos.push(d);
    ReadableStreamAddReadIntoRequest(stream, readIntoRequest);
    return;
  }
  if (stream.state === 'closed') {
    const emptyView = new ctor(d.buffer, d.byteOffset, 0);
    readIntoRequest.closeSteps(emptyView);
    return;
  }
  if (c.queueTotalSize > 0) {
    if (ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(c, d)) {
      const filledView = ReadableByteStreamControllerConvertPullIntoDescriptor(d);
      ReadableByteStreamControllerHandleQueueDrain(c);
      readIntoRequest.chunkSteps(filledView);
      return;
    }
    if (c.closeRequested) {
      const e = new TypeError('Insufficient bytes to fill elements in the given buffer');
      ReadableByteStreamControllerError(c, e);
      readIntoRequest.errorSteps(e);
      return;
    }
  }
  c.pendingPullIntos.push(d);
  ReadableStreamAddReadIntoRequest(stream, readIntoRequest);
  ReadableByteStreamControllerCallPullIfNeeded(c);
}

function ReadableByteStreamControllerRespond(c, bytesWritten) {
  const first = c.pendingPullIntos.peek();
  const state = c.stream.state;
  if (state === 'closed') {
    if (bytesWritten !== 0) throw new TypeError('bytesWritten must be 0 when calling respond() on a closed stream');
  } else {
    if (bytesWritten === 0) throw new TypeError('bytesWritten must be greater than 0 when calling respond() on a readable stream');
    if (first.bytesFilled + bytesWritten > first.byteLength) throw new RangeError('bytesWritten out of range');
  }
  first.buffer = TransferArrayBuffer(first.buffer);
  ReadableByteStreamControllerRespondInternal(c, bytesWritten);
}

function ReadableByteStreamControllerRespondInClosedState(c, first) {
  if (first.readerType === 'none') ReadableByteStreamControllerShiftPendingPullInto(c);
  const stream = c.stream;
  if (ReadableStreamHasBYOBReader(stream)) {
    const filled = new List();
    while (filled.size < ReadableStreamGetNumReadIntoRequests(stream)) {
      filled.push(ReadableByteStreamControllerShiftPendingPullInto(c));
    }
    filled.forEach((d) => ReadableByteStreamControllerCommitPullIntoDescriptor(stream, d));
  }
}

function ReadableByteStreamControllerRespondInReadableState(c, bytesWritten, d) {
  ReadableByteStreamControllerFillHeadPullIntoDescriptor(c, bytesWritten, d);
  const stream = c.stream;
  if (d.readerType === 'none') {
    ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(c, d);
    const filled = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(c);
    filled.forEach((p) => ReadableByteStreamControllerCommitPullIntoDescriptor(stream, p));
    return;
  }
  if (d.bytesFilled < d.minimumFill) return;
  ReadableByteStreamControllerShiftPendingPullInto(c);
  const remainderSize = d.bytesFilled % d.elementSize;
  if (remainderSize > 0) {
    const end = d.byteOffset + d.bytesFilled;
    ReadableByteStreamControllerEnqueueClonedChunkToQueue(c, d.buffer, end - remainderSize, remainderSize);
  }
  d.bytesFilled -= remainderSize;
  const filled = ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(c);
  ReadableByteStreamControllerCommitPullIntoDescriptor(stream, d);
  filled.forEach((p) => ReadableByteStreamControllerCommitPullIntoDescriptor(stream, p));
}

function ReadableByteStreamControllerRespondInternal(c, bytesWritten) {
  const first = c.pendingPullIntos.peek();
  ReadableByteStreamControllerInvalidateBYOBRequest(c);
  if (c.stream.state === 'closed') {
    ReadableByteStreamControllerRespondInClosedState(c, first);
  } else {
    ReadableByteStreamControllerRespondInReadableState(c, bytesWritten, first);
  }
  ReadableByteStreamControllerCallPullIfNeeded(c);
}

function ReadableByteStreamControllerRespondWithNewView(c, view) {
  const first = c.pendingPullIntos.peek();
  const state = c.stream.state;
  const vByteLength = viewByteLength(view);
  const vByteOffset = viewByteOffset(view);
  const vBuffer = viewBuffer(view);
  if (state === 'closed') {
    if (vByteLength !== 0) throw new TypeError("The view's length must be 0 when calling respondWithNewView() on a closed stream");
  } else if (vByteLength === 0) {
    throw new TypeError("The view's length must be greater than 0 when calling respondWithNewView() on a readable stream");
  }
  if (first.byteOffset + first.bytesFilled !== vByteOffset) {
    throw new RangeError('The region specified by view does not match byobRequest');
  }
  if (first.bufferByteLength !== bufferByteLength(vBuffer)) {
    throw new RangeError('The buffer of view has different capacity than byobRequest');
  }
  if (first.bytesFilled + vByteLength > first.byteLength) {
    throw new RangeError('The region specified by view is larger than byobRequest');
  }
  first.buffer = TransferArrayBuffer(vBuffer);
  ReadableByteStreamControllerRespondInternal(c, vByteLength);
}

function ReadableByteStreamControllerShiftPendingPullInto(c) {
  return c.pendingPullIntos.shift();
}

function ReadableByteStreamControllerShouldCallPull(c) {
  const stream = c.stream;
  if (stream.state !== 'readable') return false;
  if (c.closeRequested) return false;
  if (!c.started) return false;
  if (ReadableStreamHasDefaultReader(stream) && ReadableStreamGetNumReadRequests(stream) > 0) return true;
  if (ReadableStreamHasBYOBReader(stream) && ReadableStreamGetNumReadIntoRequests(stream) > 0) return true;
  return ReadableByteStreamControllerGetDesiredSize(c) > 0;
}

function SetUpReadableByteStreamController(stream, c, startAlgorithm, pullAlgorithm,
  cancelAlgorithm, highWaterMark, autoAllocateChunkSize) {
  c.stream = stream;
  c.pullAgain = false;
  c.pulling = false;
  c.byobRequest = null;
  ResetQueue(c);
  c.closeRequested = false;
  c.started = false;
  c.strategyHWM = highWaterMark;
  c.pullAlgorithm = pullAlgorithm;
  c.cancelAlgorithm = cancelAlgorithm;
  c.autoAllocateChunkSize = autoAllocateChunkSize;
  c.pendingPullIntos = new List();
  stream.controller = c;
  const startResult = startAlgorithm();
  upon(PromiseResolve(startResult), () => {
    c.started = true;
    ReadableByteStreamControllerCallPullIfNeeded(c);
  }, (r) => {
    ReadableByteStreamControllerError(c, r);
  });
}

function SetUpReadableByteStreamControllerFromUnderlyingSource(stream, underlyingSource, dict, highWaterMark) {
  const c = new ByteControllerImpl();
  new ReadableByteStreamController(kInternal, c);
  let startAlgorithm = () => undefined;
  let pullAlgorithm = resolvedUndefined;
  let cancelAlgorithm = resolvedUndefined;
  const { start, pull, cancel, autoAllocateChunkSize } = dict;
  if (start !== undefined) startAlgorithm = () => ReflectApply(start, underlyingSource, [c.pub]);
  if (pull !== undefined) pullAlgorithm = () => promiseCall(pull, underlyingSource, [c.pub]);
  if (cancel !== undefined) cancelAlgorithm = (reason) => promiseCall(cancel, underlyingSource, [reason]);
  if (autoAllocateChunkSize === 0) throw new TypeError('autoAllocateChunkSize must be greater than 0');
  SetUpReadableByteStreamController(stream, c, startAlgorithm, pullAlgorithm, cancelAlgorithm,
    highWaterMark, autoAllocateChunkSize);
}

// ---------------------------------------------------------------------------
// Async iteration
// ---------------------------------------------------------------------------
class AsyncIteratorImpl {
  reader = undefined;
  preventCancel = false;
  ongoingPromise = undefined;
  isFinished = false;
}

function asyncIteratorGetNext(it) {
  const reader = it.reader;
  const d = newDeferred();
  ReadableStreamDefaultReaderRead(reader, {
    chunkSteps: (chunk) => resolveDeferred(d, { value: chunk, done: false }),
    closeSteps: () => {
      ReadableStreamDefaultReaderRelease(reader);
      resolveDeferred(d, { value: undefined, done: true });
    },
    errorSteps: (e) => {
      ReadableStreamDefaultReaderRelease(reader);
      rejectDeferred(d, e);
    },
  });
  return d.promise;
}

function asyncIteratorReturnSteps(it, arg) {
  const reader = it.reader;
  if (!it.preventCancel) {
    const result = ReadableStreamReaderGenericCancel(reader, arg);
    ReadableStreamDefaultReaderRelease(reader);
    return result;
  }
  ReadableStreamDefaultReaderRelease(reader);
  return PromiseResolve(undefined);
}

class ReadableStreamAsyncIterator {
  #i;
  constructor(token, impl) {
    if (token !== kInternal) throw illegalConstructor();
    this.#i = impl;
  }
  next() {
    if (!AI_is(this)) return PromiseReject(illegalInvocation());
    const it = AI_get(this);
    const nextSteps = () => {
      if (it.isFinished) return PromiseResolve({ value: undefined, done: true });
      return then(asyncIteratorGetNext(it), (result) => {
        it.ongoingPromise = undefined;
        if (result.done) it.isFinished = true;
        return result;
      }, (reason) => {
        it.ongoingPromise = undefined;
        it.isFinished = true;
        throw reason;
      });
    };
    it.ongoingPromise = it.ongoingPromise !== undefined
      ? thenP(it.ongoingPromise, nextSteps, nextSteps)
      : nextSteps();
    return it.ongoingPromise;
  }
  return(value = undefined) {
    if (!AI_is(this)) return PromiseReject(illegalInvocation());
    const it = AI_get(this);
    const returnSteps = () => {
      if (it.isFinished) return PromiseResolve({ value, done: true });
      it.isFinished = true;
      return then(asyncIteratorReturnSteps(it, value), () => ({ value, done: true }));
    };
    it.ongoingPromise = it.ongoingPromise !== undefined
      ? thenP(it.ongoingPromise, returnSteps, returnSteps)
      : returnSteps();
    return it.ongoingPromise;
  }
  static {
    AI_is = (o) => isObject(o) && #i in o;
    AI_get = (o) => o.#i;
  }
}
ObjectSetPrototypeOf(ReadableStreamAsyncIterator.prototype, AsyncIteratorPrototype);
delete ReadableStreamAsyncIterator.prototype.constructor;

// ---------------------------------------------------------------------------
// WritableStream
// ---------------------------------------------------------------------------
class WritableStream {
  #i;
  constructor(underlyingSink = undefined, strategy = undefined) {
    if (underlyingSink === kInternal) {
      this.#i = strategy;
      strategy.pub = this;
      return;
    }
    if (underlyingSink === undefined) underlyingSink = null;
    else if (!isObject(underlyingSink)) throw new TypeError('underlyingSink must be an object');
    const strat = convertQueuingStrategy(strategy, 'strategy');
    const sink = underlyingSink;
    let abort, close, start, type, write;
    if (sink !== null) {
      abort = getCallback(sink, 'abort', 'underlyingSink');
      close = getCallback(sink, 'close', 'underlyingSink');
      start = getCallback(sink, 'start', 'underlyingSink');
      type = sink.type;
      write = getCallback(sink, 'write', 'underlyingSink');
    }
    if (type !== undefined) throw new RangeError('Invalid type is specified');
    const impl = new WritableStreamImpl();
    this.#i = impl;
    impl.pub = this;
    const sizeAlgorithm = ExtractSizeAlgorithm(strat);
    const hwm = ExtractHighWaterMark(strat, 1);
    SetUpWritableStreamDefaultControllerFromUnderlyingSink(impl, sink, { abort, close, start, write },
      hwm, sizeAlgorithm);
  }
  get locked() {
    return IsWritableStreamLocked(wsThis(this));
  }
  abort(reason = undefined) {
    if (!WS_is(this)) return PromiseReject(illegalInvocation());
    const stream = WS_get(this);
    if (IsWritableStreamLocked(stream)) return PromiseReject(new TypeError(LOCKED_WRITABLE));
    return WritableStreamAbort(stream, reason);
  }
  close() {
    if (!WS_is(this)) return PromiseReject(illegalInvocation());
    const stream = WS_get(this);
    if (IsWritableStreamLocked(stream)) return PromiseReject(new TypeError(LOCKED_WRITABLE));
    if (WritableStreamCloseQueuedOrInFlight(stream)) {
      return PromiseReject(new TypeError('Cannot close a WritableStream that is already closing or closed'));
    }
    return WritableStreamClose(stream);
  }
  getWriter() {
    return AcquireWritableStreamDefaultWriter(wsThis(this)).pub;
  }
  static {
    WS_is = (o) => isObject(o) && #i in o;
    WS_get = (o) => o.#i;
  }
}
function wsThis(o) {
  if (!WS_is(o)) throw illegalInvocation();
  return WS_get(o);
}

class WritableStreamDefaultWriter {
  #i;
  constructor(stream) {
    const impl = new WriterImpl();
    this.#i = impl;
    impl.pub = this;
    if (stream === kInternal) return;
    if (!WS_is(stream)) throw new TypeError('WritableStreamDefaultWriter constructor requires a WritableStream');
    SetUpWritableStreamDefaultWriter(impl, WS_get(stream));
  }
  get closed() {
    if (!WDW_is(this)) return PromiseReject(illegalInvocation());
    return WDW_get(this).closedPromise.promise;
  }
  get desiredSize() {
    if (!WDW_is(this)) throw illegalInvocation();
    const writer = WDW_get(this);
    if (writer.stream === undefined) throw new TypeError('This writer has been released');
    return WritableStreamDefaultWriterGetDesiredSize(writer);
  }
  get ready() {
    if (!WDW_is(this)) return PromiseReject(illegalInvocation());
    return WDW_get(this).readyPromise.promise;
  }
  abort(reason = undefined) {
    if (!WDW_is(this)) return PromiseReject(illegalInvocation());
    const writer = WDW_get(this);
    if (writer.stream === undefined) return PromiseReject(new TypeError('This writer has been released'));
    return WritableStreamAbort(writer.stream, reason);
  }
  close() {
    if (!WDW_is(this)) return PromiseReject(illegalInvocation());
    const writer = WDW_get(this);
    const stream = writer.stream;
    if (stream === undefined) return PromiseReject(new TypeError('This writer has been released'));
    if (WritableStreamCloseQueuedOrInFlight(stream)) {
      return PromiseReject(new TypeError('Cannot close a WritableStream that is already closing or closed'));
    }
    return WritableStreamClose(stream);
  }
  releaseLock() {
    if (!WDW_is(this)) throw illegalInvocation();
    const writer = WDW_get(this);
    if (writer.stream === undefined) return;
    WritableStreamDefaultWriterRelease(writer);
  }
  write(chunk = undefined) {
    if (!WDW_is(this)) return PromiseReject(illegalInvocation());
    const writer = WDW_get(this);
    if (writer.stream === undefined) return PromiseReject(new TypeError('This writer has been released'));
    return WritableStreamDefaultWriterWrite(writer, chunk);
  }
  static {
    WDW_is = (o) => isObject(o) && #i in o;
    WDW_get = (o) => o.#i;
  }
}

class WritableStreamDefaultController {
  #i;
  constructor(token = undefined, impl = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#i = impl;
    impl.pub = this;
  }
  get signal() {
    if (!WSDC_is(this)) throw illegalInvocation();
    const ac = WSDC_get(this).abortController;
    return ac === undefined ? undefined : ac.signal;
  }
  error(e = undefined) {
    if (!WSDC_is(this)) throw illegalInvocation();
    const c = WSDC_get(this);
    if (c.stream.state !== 'writable') return;
    WritableStreamDefaultControllerError(c, e);
  }
  static {
    WSDC_is = (o) => isObject(o) && #i in o;
    WSDC_get = (o) => o.#i;
  }
}

function newWritableStreamImpl() {
  const impl = new WritableStreamImpl();
  new WritableStream(kInternal, impl);
  return impl;
}

function AcquireWritableStreamDefaultWriter(stream) {
  const writer = WDW_get(new WritableStreamDefaultWriter(kInternal));
  SetUpWritableStreamDefaultWriter(writer, stream);
  return writer;
}

function CreateWritableStream(startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm,
  highWaterMark, sizeAlgorithm) {
  const stream = newWritableStreamImpl();
  const c = new WritableControllerImpl();
  new WritableStreamDefaultController(kInternal, c);
  SetUpWritableStreamDefaultController(stream, c, startAlgorithm, writeAlgorithm, closeAlgorithm,
    abortAlgorithm, highWaterMark, sizeAlgorithm);
  return stream;
}

function IsWritableStreamLocked(stream) {
  return stream.writer !== undefined;
}

function WritableStreamAbort(stream, reason) {
  if (stream.state === 'closed' || stream.state === 'errored') return PromiseResolve(undefined);
  const ac = stream.controller.abortController;
  if (ac !== undefined) ac.abort(reason);
  const state = stream.state;
  if (state === 'closed' || state === 'errored') return PromiseResolve(undefined);
  if (stream.pendingAbortRequest !== undefined) return stream.pendingAbortRequest.promise.promise;
  let wasAlreadyErroring = false;
  if (state === 'erroring') {
    wasAlreadyErroring = true;
    reason = undefined;
  }
  const promise = newDeferred();
  stream.pendingAbortRequest = { promise, reason, wasAlreadyErroring };
  if (!wasAlreadyErroring) WritableStreamStartErroring(stream, reason);
  return promise.promise;
}

function WritableStreamClose(stream) {
  const state = stream.state;
  if (state === 'closed' || state === 'errored') {
    return PromiseReject(new TypeError(("The stream (in " + $toString(state) + " state) is not in the writable state and cannot be closed")));
  }
  const promise = newDeferred();
  stream.closeRequest = promise;
  const writer = stream.writer;
  if (writer !== undefined && stream.backpressure && state === 'writable') {
    resolveDeferred(writer.readyPromise, undefined);
  }
  WritableStreamDefaultControllerClose(stream.controller);
  return promise.promise;
}

function WritableStreamAddWriteRequest(stream) {
  const promise = newDeferred();
  stream.writeRequests.push(promise);
  return promise.promise;
}

function WritableStreamCloseQueuedOrInFlight(stream) {
  return stream.closeRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

function WritableStreamDealWithRejection(stream, error) {
  if (stream.state === 'writable') {
    WritableStreamStartErroring(stream, error);
    return;
  }
  WritableStreamFinishErroring(stream);
}

function WritableStreamFinishErroring(stream) {
  stream.state = 'errored';
  stream.controller.errorSteps();
  const storedError = stream.storedError;
  const writeRequests = stream.writeRequests;
  stream.writeRequests = new List();
  writeRequests.forEach((req) => rejectDeferred(req, storedError));
  if (stream.pendingAbortRequest === undefined) {
    WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  const abortRequest = stream.pendingAbortRequest;
  stream.pendingAbortRequest = undefined;
  if (abortRequest.wasAlreadyErroring) {
    rejectDeferred(abortRequest.promise, storedError);
    WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  const promise = stream.controller.abortSteps(abortRequest.reason);
  upon(promise, () => {
    resolveDeferred(abortRequest.promise, undefined);
    WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
  }, (reason) => {
    rejectDeferred(abortRequest.promise, reason);
    WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
  });
}

function WritableStreamFinishInFlightClose(stream) {
  resolveDeferred(stream.inFlightCloseRequest, undefined);
  stream.inFlightCloseRequest = undefined;
  if (stream.state === 'erroring') {
    stream.storedError = undefined;
    if (stream.pendingAbortRequest !== undefined) {
      resolveDeferred(stream.pendingAbortRequest.promise, undefined);
      stream.pendingAbortRequest = undefined;
    }
  }
  stream.state = 'closed';
  const writer = stream.writer;
  if (writer !== undefined) resolveDeferred(writer.closedPromise, undefined);
}

function WritableStreamFinishInFlightCloseWithError(stream, error) {
  rejectDeferred(stream.inFlightCloseRequest, error);
  stream.inFlightCloseRequest = undefined;
  if (stream.pendingAbortRequest !== undefined) {
    rejectDeferred(stream.pendingAbortRequest.promise, error);
    stream.pendingAbortRequest = undefined;
  }
  WritableStreamDealWithRejection(stream, error);
}

function WritableStreamFinishInFlightWrite(stream) {
  resolveDeferred(stream.inFlightWriteRequest, undefined);
  stream.inFlightWriteRequest = undefined;
}

function WritableStreamFinishInFlightWriteWithError(stream, error) {
  rejectDeferred(stream.inFlightWriteRequest, error);
  stream.inFlightWriteRequest = undefined;
  WritableStreamDealWithRejection(stream, error);
}

function WritableStreamHasOperationMarkedInFlight(stream) {
  return stream.inFlightWriteRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

function WritableStreamMarkCloseRequestInFlight(stream) {
  stream.inFlightCloseRequest = stream.closeRequest;
  stream.closeRequest = undefined;
}

function WritableStreamMarkFirstWriteRequestInFlight(stream) {
  stream.inFlightWriteRequest = stream.writeRequests.shift();
}

function WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream) {
  if (stream.closeRequest !== undefined) {
    rejectDeferred(stream.closeRequest, stream.storedError);
    stream.closeRequest = undefined;
  }
  const writer = stream.writer;
  if (writer !== undefined) {
    rejectDeferred(writer.closedPromise, stream.storedError);
    markHandled(writer.closedPromise.promise);
  }
}

function WritableStreamStartErroring(stream, reason) {
  const c = stream.controller;
  stream.state = 'erroring';
  stream.storedError = reason;
  const writer = stream.writer;
  if (writer !== undefined) WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, reason);
  if (!WritableStreamHasOperationMarkedInFlight(stream) && c.started) {
    WritableStreamFinishErroring(stream);
  }
}

function WritableStreamUpdateBackpressure(stream, backpressure) {
  const writer = stream.writer;
  if (writer !== undefined && backpressure !== stream.backpressure) {
    if (backpressure) writer.readyPromise = newDeferred();
    else resolveDeferred(writer.readyPromise, undefined);
  }
  stream.backpressure = backpressure;
}

// --- writers ---
function SetUpWritableStreamDefaultWriter(writer, stream) {
  if (IsWritableStreamLocked(stream)) throw new TypeError(LOCKED_WRITABLE);
  writer.stream = stream;
  stream.writer = writer;
  const state = stream.state;
  if (state === 'writable') {
    if (!WritableStreamCloseQueuedOrInFlight(stream) && stream.backpressure) {
      writer.readyPromise = newDeferred();
    } else {
      writer.readyPromise = resolvedDeferred(undefined);
    }
    writer.closedPromise = newDeferred();
  } else if (state === 'erroring') {
    writer.readyPromise = rejectedDeferred(stream.storedError);
    markHandled(writer.readyPromise.promise);
    writer.closedPromise = newDeferred();
  } else if (state === 'closed') {
    writer.readyPromise = resolvedDeferred(undefined);
    writer.closedPromise = resolvedDeferred(undefined);
  } else {
    const storedError = stream.storedError;
    writer.readyPromise = rejectedDeferred(storedError);
    markHandled(writer.readyPromise.promise);
    writer.closedPromise = rejectedDeferred(storedError);
    markHandled(writer.closedPromise.promise);
  }
}

function WritableStreamDefaultWriterCloseWithErrorPropagation(writer) {
  const stream = writer.stream;
  const state = stream.state;
  if (WritableStreamCloseQueuedOrInFlight(stream) || state === 'closed') return PromiseResolve(undefined);
  if (state === 'errored') return PromiseReject(stream.storedError);
  return WritableStreamClose(stream);
}

function WritableStreamDefaultWriterEnsureClosedPromiseRejected(writer, error) {
  if (writer.closedPromise.pending) rejectDeferred(writer.closedPromise, error);
  else writer.closedPromise = rejectedDeferred(error);
  markHandled(writer.closedPromise.promise);
}

function WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, error) {
  if (writer.readyPromise.pending) rejectDeferred(writer.readyPromise, error);
  else writer.readyPromise = rejectedDeferred(error);
  markHandled(writer.readyPromise.promise);
}

function WritableStreamDefaultWriterGetDesiredSize(writer) {
  const stream = writer.stream;
  const state = stream.state;
  if (state === 'errored' || state === 'erroring') return null;
  if (state === 'closed') return 0;
  return WritableStreamDefaultControllerGetDesiredSize(stream.controller);
}

function WritableStreamDefaultWriterRelease(writer) {
  const stream = writer.stream;
  const releasedError = new TypeError('Writer was released and can no longer be used to monitor the stream\'s closedness');
  WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, releasedError);
  WritableStreamDefaultWriterEnsureClosedPromiseRejected(writer, releasedError);
  stream.writer = undefined;
  writer.stream = undefined;
}

function WritableStreamDefaultWriterWrite(writer, chunk) {
  const stream = writer.stream;
  const c = stream.controller;
  const chunkSize = WritableStreamDefaultControllerGetChunkSize(c, chunk);
  if (stream !== writer.stream) return PromiseReject(new TypeError('This writer has been released'));
  const state = stream.state;
  if (state === 'errored') return PromiseReject(stream.storedError);
  if (WritableStreamCloseQueuedOrInFlight(stream) || state === 'closed') {
    return PromiseReject(new TypeError('The stream is closing or closed and cannot be written to'));
  }
  if (state === 'erroring') return PromiseReject(stream.storedError);
  const promise = WritableStreamAddWriteRequest(stream);
  WritableStreamDefaultControllerWrite(c, chunk, chunkSize);
  return promise;
}

// --- writable controller ---
function SetUpWritableStreamDefaultController(stream, c, startAlgorithm, writeAlgorithm,
  closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm) {
  c.stream = stream;
  stream.controller = c;
  ResetQueue(c);
  // The platform's AbortController (js/event.js), not whatever the global is now.
  const AbortController = internal && internal.events ? internal.events.AbortController : P.AbortController;
  c.abortController = typeof AbortController === 'function' ? new AbortController() : undefined;
  c.started = false;
  c.strategySizeAlgorithm = sizeAlgorithm;
  c.strategyHWM = highWaterMark;
  c.writeAlgorithm = writeAlgorithm;
  c.closeAlgorithm = closeAlgorithm;
  c.abortAlgorithm = abortAlgorithm;
  const backpressure = WritableStreamDefaultControllerGetBackpressure(c);
  WritableStreamUpdateBackpressure(stream, backpressure);
  const startResult = startAlgorithm();
  upon(PromiseResolve(startResult), () => {
    c.started = true;
    WritableStreamDefaultControllerAdvanceQueueIfNeeded(c);
  }, (r) => {
    c.started = true;
    WritableStreamDealWithRejection(stream, r);
  });
}

function SetUpWritableStreamDefaultControllerFromUnderlyingSink(stream, sink, dict, highWaterMark, sizeAlgorithm) {
  const c = new WritableControllerImpl();
  new WritableStreamDefaultController(kInternal, c);
  let startAlgorithm = () => undefined;
  let writeAlgorithm = resolvedUndefined;
  let closeAlgorithm = resolvedUndefined;
  let abortAlgorithm = resolvedUndefined;
  const { start, write, close, abort } = dict;
  if (start !== undefined) startAlgorithm = () => ReflectApply(start, sink, [c.pub]);
  if (write !== undefined) writeAlgorithm = (chunk) => promiseCall(write, sink, [chunk, c.pub]);
  if (close !== undefined) closeAlgorithm = () => promiseCall(close, sink, []);
  if (abort !== undefined) abortAlgorithm = (reason) => promiseCall(abort, sink, [reason]);
  SetUpWritableStreamDefaultController(stream, c, startAlgorithm, writeAlgorithm, closeAlgorithm,
    abortAlgorithm, highWaterMark, sizeAlgorithm);
}

function WritableStreamDefaultControllerAdvanceQueueIfNeeded(c) {
  const stream = c.stream;
  if (!c.started) return;
  if (stream.inFlightWriteRequest !== undefined) return;
  const state = stream.state;
  if (state === 'erroring') {
    WritableStreamFinishErroring(stream);
    return;
  }
  if (c.queue.size === 0) return;
  const value = PeekQueueValue(c);
  if (value === closeSentinel) WritableStreamDefaultControllerProcessClose(c);
  else WritableStreamDefaultControllerProcessWrite(c, value);
}

function WritableStreamDefaultControllerClearAlgorithms(c) {
  c.writeAlgorithm = undefined;
  c.closeAlgorithm = undefined;
  c.abortAlgorithm = undefined;
  c.strategySizeAlgorithm = undefined;
}

function WritableStreamDefaultControllerClose(c) {
  EnqueueValueWithSize(c, closeSentinel, 0);
  WritableStreamDefaultControllerAdvanceQueueIfNeeded(c);
}

function WritableStreamDefaultControllerError(c, error) {
  const stream = c.stream;
  WritableStreamDefaultControllerClearAlgorithms(c);
  WritableStreamStartErroring(stream, error);
}

function WritableStreamDefaultControllerErrorIfNeeded(c, error) {
  if (c.stream.state === 'writable') WritableStreamDefaultControllerError(c, error);
}

function WritableStreamDefaultControllerGetBackpressure(c) {
  return WritableStreamDefaultControllerGetDesiredSize(c) <= 0;
}

function WritableStreamDefaultControllerGetChunkSize(c, chunk) {
  if (c.strategySizeAlgorithm === undefined) return 1;
  try {
    return c.strategySizeAlgorithm(chunk);
  } catch (e) {
    WritableStreamDefaultControllerErrorIfNeeded(c, e);
    return 1;
  }
}

function WritableStreamDefaultControllerGetDesiredSize(c) {
  return c.strategyHWM - c.queueTotalSize;
}

function WritableStreamDefaultControllerProcessClose(c) {
  const stream = c.stream;
  WritableStreamMarkCloseRequestInFlight(stream);
  DequeueValue(c);
  const sinkClosePromise = c.closeAlgorithm();
  WritableStreamDefaultControllerClearAlgorithms(c);
  upon(sinkClosePromise, () => {
    WritableStreamFinishInFlightClose(stream);
  }, (reason) => {
    WritableStreamFinishInFlightCloseWithError(stream, reason);
  });
}

function WritableStreamDefaultControllerProcessWrite(c, chunk) {
  const stream = c.stream;
  WritableStreamMarkFirstWriteRequestInFlight(stream);
  const sinkWritePromise = c.writeAlgorithm(chunk);
  upon(sinkWritePromise, () => {
    WritableStreamFinishInFlightWrite(stream);
    const state = stream.state;
    DequeueValue(c);
    if (!WritableStreamCloseQueuedOrInFlight(stream) && state === 'writable') {
      WritableStreamUpdateBackpressure(stream, WritableStreamDefaultControllerGetBackpressure(c));
    }
    WritableStreamDefaultControllerAdvanceQueueIfNeeded(c);
  }, (reason) => {
    if (stream.state === 'writable') WritableStreamDefaultControllerClearAlgorithms(c);
    WritableStreamFinishInFlightWriteWithError(stream, reason);
  });
}

function WritableStreamDefaultControllerWrite(c, chunk, chunkSize) {
  try {
    EnqueueValueWithSize(c, chunk, chunkSize);
  } catch (e) {
    WritableStreamDefaultControllerErrorIfNeeded(c, e);
    return;
  }
  const stream = c.stream;
  if (!WritableStreamCloseQueuedOrInFlight(stream) && stream.state === 'writable') {
    WritableStreamUpdateBackpressure(stream, WritableStreamDefaultControllerGetBackpressure(c));
  }
  WritableStreamDefaultControllerAdvanceQueueIfNeeded(c);
}

// ---------------------------------------------------------------------------
// TransformStream
// ---------------------------------------------------------------------------
class TransformStream {
  #i;
  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    if (transformer === kInternal) {
      this.#i = writableStrategy;
      writableStrategy.pub = this;
      return;
    }
    if (transformer === undefined) transformer = null;
    else if (!isObject(transformer)) throw new TypeError('transformer must be an object');
    const wStrat = convertQueuingStrategy(writableStrategy, 'writableStrategy');
    const rStrat = convertQueuingStrategy(readableStrategy, 'readableStrategy');
    let cancel, flush, readableType, start, transform, writableType;
    if (transformer !== null) {
      cancel = getCallback(transformer, 'cancel', 'transformer');
      flush = getCallback(transformer, 'flush', 'transformer');
      readableType = transformer.readableType;
      start = getCallback(transformer, 'start', 'transformer');
      transform = getCallback(transformer, 'transform', 'transformer');
      writableType = transformer.writableType;
    }
    if (readableType !== undefined) throw new RangeError('Invalid readableType specified');
    if (writableType !== undefined) throw new RangeError('Invalid writableType specified');
    const readableHighWaterMark = ExtractHighWaterMark(rStrat, 0);
    const readableSizeAlgorithm = ExtractSizeAlgorithm(rStrat);
    const writableHighWaterMark = ExtractHighWaterMark(wStrat, 1);
    const writableSizeAlgorithm = ExtractSizeAlgorithm(wStrat);
    const impl = new TransformStreamImpl();
    this.#i = impl;
    impl.pub = this;
    const startPromise = newDeferred();
    InitializeTransformStream(impl, startPromise, writableHighWaterMark, writableSizeAlgorithm,
      readableHighWaterMark, readableSizeAlgorithm);
    SetUpTransformStreamDefaultControllerFromTransformer(impl, transformer, { cancel, flush, transform });
    if (start !== undefined) {
      resolveDeferred(startPromise, ReflectApply(start, transformer, [impl.controller.pub]));
    } else {
      resolveDeferred(startPromise, undefined);
    }
  }
  get readable() {
    if (!TS_is(this)) throw illegalInvocation();
    return TS_get(this).readable.pub;
  }
  get writable() {
    if (!TS_is(this)) throw illegalInvocation();
    return TS_get(this).writable.pub;
  }
  static {
    TS_is = (o) => isObject(o) && #i in o;
    TS_get = (o) => o.#i;
  }
}

class TransformStreamDefaultController {
  #i;
  constructor(token = undefined, impl = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#i = impl;
    impl.pub = this;
  }
  get desiredSize() {
    if (!TSDC_is(this)) throw illegalInvocation();
    const readableController = TSDC_get(this).stream.readable.controller;
    return ReadableStreamDefaultControllerGetDesiredSize(readableController);
  }
  enqueue(chunk = undefined) {
    if (!TSDC_is(this)) throw illegalInvocation();
    TransformStreamDefaultControllerEnqueue(TSDC_get(this), chunk);
  }
  error(reason = undefined) {
    if (!TSDC_is(this)) throw illegalInvocation();
    TransformStreamDefaultControllerError(TSDC_get(this), reason);
  }
  terminate() {
    if (!TSDC_is(this)) throw illegalInvocation();
    TransformStreamDefaultControllerTerminate(TSDC_get(this));
  }
  static {
    TSDC_is = (o) => isObject(o) && #i in o;
    TSDC_get = (o) => o.#i;
  }
}

function InitializeTransformStream(stream, startPromise, writableHighWaterMark, writableSizeAlgorithm,
  readableHighWaterMark, readableSizeAlgorithm) {
  const startAlgorithm = () => startPromise.promise;
  const writeAlgorithm = (chunk) => TransformStreamDefaultSinkWriteAlgorithm(stream, chunk);
  const abortAlgorithm = (reason) => TransformStreamDefaultSinkAbortAlgorithm(stream, reason);
  const closeAlgorithm = () => TransformStreamDefaultSinkCloseAlgorithm(stream);
  stream.writable = CreateWritableStream(startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm,
    writableHighWaterMark, writableSizeAlgorithm);
  const pullAlgorithm = () => TransformStreamDefaultSourcePullAlgorithm(stream);
  const cancelAlgorithm = (reason) => TransformStreamDefaultSourceCancelAlgorithm(stream, reason);
  stream.readable = CreateReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm,
    readableHighWaterMark, readableSizeAlgorithm);
  stream.backpressure = undefined;
  stream.backpressureChangePromise = undefined;
  TransformStreamSetBackpressure(stream, true);
  stream.controller = undefined;
}

function TransformStreamError(stream, e) {
  ReadableStreamDefaultControllerError(stream.readable.controller, e);
  TransformStreamErrorWritableAndUnblockWrite(stream, e);
}

function TransformStreamErrorWritableAndUnblockWrite(stream, e) {
  TransformStreamDefaultControllerClearAlgorithms(stream.controller);
  WritableStreamDefaultControllerErrorIfNeeded(stream.writable.controller, e);
  TransformStreamUnblockWrite(stream);
}

function TransformStreamSetBackpressure(stream, backpressure) {
  if (stream.backpressureChangePromise !== undefined) {
    resolveDeferred(stream.backpressureChangePromise, undefined);
  }
  stream.backpressureChangePromise = newDeferred();
  stream.backpressure = backpressure;
}

function TransformStreamUnblockWrite(stream) {
  if (stream.backpressure) TransformStreamSetBackpressure(stream, false);
}

function SetUpTransformStreamDefaultController(stream, c, transformAlgorithm, flushAlgorithm, cancelAlgorithm) {
  c.stream = stream;
  stream.controller = c;
  c.transformAlgorithm = transformAlgorithm;
  c.flushAlgorithm = flushAlgorithm;
  c.cancelAlgorithm = cancelAlgorithm;
}

function SetUpTransformStreamDefaultControllerFromTransformer(stream, transformer, dict) {
  const c = new TransformControllerImpl();
  new TransformStreamDefaultController(kInternal, c);
  let transformAlgorithm = (chunk) => {
    try {
      TransformStreamDefaultControllerEnqueue(c, chunk);
      return PromiseResolve(undefined);
    } catch (e) {
      return PromiseReject(e);
    }
  };
  let flushAlgorithm = resolvedUndefined;
  let cancelAlgorithm = resolvedUndefined;
  const { transform, flush, cancel } = dict;
  if (transform !== undefined) transformAlgorithm = (chunk) => promiseCall(transform, transformer, [chunk, c.pub]);
  if (flush !== undefined) flushAlgorithm = () => promiseCall(flush, transformer, [c.pub]);
  if (cancel !== undefined) cancelAlgorithm = (reason) => promiseCall(cancel, transformer, [reason]);
  SetUpTransformStreamDefaultController(stream, c, transformAlgorithm, flushAlgorithm, cancelAlgorithm);
}

function TransformStreamDefaultControllerClearAlgorithms(c) {
  c.transformAlgorithm = undefined;
  c.flushAlgorithm = undefined;
  c.cancelAlgorithm = undefined;
}

function TransformStreamDefaultControllerEnqueue(c, chunk) {
  const stream = c.stream;
  const readableController = stream.readable.controller;
  if (!ReadableStreamDefaultControllerCanCloseOrEnqueue(readableController)) {
    throw new TypeError('Readable side is not in a state that permits enqueue');
  }
  try {
    ReadableStreamDefaultControllerEnqueue(readableController, chunk);
  } catch (e) {
    TransformStreamErrorWritableAndUnblockWrite(stream, e);
    throw stream.readable.storedError;
  }
  const backpressure = ReadableStreamDefaultControllerHasBackpressure(readableController);
  if (backpressure !== stream.backpressure) {
    TransformStreamSetBackpressure(stream, true);
  }
}

function TransformStreamDefaultControllerError(c, e) {
  TransformStreamError(c.stream, e);
}

function TransformStreamDefaultControllerPerformTransform(c, chunk) {
  const transformPromise = c.transformAlgorithm(chunk);
  return then(transformPromise, undefined, (r) => {
    TransformStreamError(c.stream, r);
    throw r;
  });
}

function TransformStreamDefaultControllerTerminate(c) {
  const stream = c.stream;
  const readableController = stream.readable.controller;
  ReadableStreamDefaultControllerClose(readableController);
  const error = new TypeError('TransformStream terminated');
  TransformStreamErrorWritableAndUnblockWrite(stream, error);
}

function TransformStreamDefaultSinkWriteAlgorithm(stream, chunk) {
  const c = stream.controller;
  if (stream.backpressure) {
    const backpressureChangePromise = stream.backpressureChangePromise;
    return thenP(backpressureChangePromise.promise, () => {
      const writable = stream.writable;
      if (writable.state === 'erroring') throw writable.storedError;
      return TransformStreamDefaultControllerPerformTransform(c, chunk);
    });
  }
  return TransformStreamDefaultControllerPerformTransform(c, chunk);
}

function TransformStreamDefaultSinkAbortAlgorithm(stream, reason) {
  const c = stream.controller;
  if (c.finishPromise !== undefined) return c.finishPromise.promise;
  const readable = stream.readable;
  c.finishPromise = newDeferred();
  const cancelPromise = c.cancelAlgorithm !== undefined ? c.cancelAlgorithm(reason) : PromiseResolve(undefined);
  TransformStreamDefaultControllerClearAlgorithms(c);
  upon(cancelPromise, () => {
    if (readable.state === 'errored') {
      rejectDeferred(c.finishPromise, readable.storedError);
    } else {
      ReadableStreamDefaultControllerError(readable.controller, reason);
      resolveDeferred(c.finishPromise, undefined);
    }
  }, (r) => {
    ReadableStreamDefaultControllerError(readable.controller, r);
    rejectDeferred(c.finishPromise, r);
  });
  return c.finishPromise.promise;
}

function TransformStreamDefaultSinkCloseAlgorithm(stream) {
  const c = stream.controller;
  if (c.finishPromise !== undefined) return c.finishPromise.promise;
  const readable = stream.readable;
  c.finishPromise = newDeferred();
  const flushPromise = c.flushAlgorithm !== undefined ? c.flushAlgorithm() : PromiseResolve(undefined);
  TransformStreamDefaultControllerClearAlgorithms(c);
  upon(flushPromise, () => {
    if (readable.state === 'errored') {
      rejectDeferred(c.finishPromise, readable.storedError);
    } else {
      ReadableStreamDefaultControllerClose(readable.controller);
      resolveDeferred(c.finishPromise, undefined);
    }
  }, (r) => {
    ReadableStreamDefaultControllerError(readable.controller, r);
    rejectDeferred(c.finishPromise, r);
  });
  return c.finishPromise.promise;
}

function TransformStreamDefaultSourceCancelAlgorithm(stream, reason) {
  const c = stream.controller;
  if (c.finishPromise !== undefined) return c.finishPromise.promise;
  const writable = stream.writable;
  c.finishPromise = newDeferred();
  const cancelPromise = c.cancelAlgorithm !== undefined ? c.cancelAlgorithm(reason) : PromiseResolve(undefined);
  TransformStreamDefaultControllerClearAlgorithms(c);
  upon(cancelPromise, () => {
    if (writable.state === 'errored') {
      rejectDeferred(c.finishPromise, writable.storedError);
    } else {
      WritableStreamDefaultControllerErrorIfNeeded(writable.controller, reason);
      TransformStreamUnblockWrite(stream);
      resolveDeferred(c.finishPromise, undefined);
    }
  }, (r) => {
    WritableStreamDefaultControllerErrorIfNeeded(writable.controller, r);
    TransformStreamUnblockWrite(stream);
    rejectDeferred(c.finishPromise, r);
  });
  return c.finishPromise.promise;
}

function TransformStreamDefaultSourcePullAlgorithm(stream) {
  TransformStreamSetBackpressure(stream, false);
  return stream.backpressureChangePromise.promise;
}

// ---------------------------------------------------------------------------
// Queuing strategies
// ---------------------------------------------------------------------------
const byteLengthSizeFunction = { size(chunk) { return chunk.byteLength; } }.size;
const countSizeFunction = { size() { return 1; } }.size;

function convertQueuingStrategyInit(init, what) {
  if (!isObject(init)) throw new TypeError(($toString(what) + " constructor requires an object with highWaterMark"));
  const hwm = init.highWaterMark;
  if (hwm === undefined) throw new TypeError(($toString(what) + " constructor requires init.highWaterMark"));
  return toUnrestrictedDouble(hwm);
}

let BLQS_is, BLQS_get, CQS_is, CQS_get;
class ByteLengthQueuingStrategy {
  #hwm;
  constructor(init) {
    this.#hwm = convertQueuingStrategyInit(init, 'ByteLengthQueuingStrategy');
  }
  get highWaterMark() {
    if (!BLQS_is(this)) throw illegalInvocation();
    return BLQS_get(this);
  }
  get size() {
    if (!BLQS_is(this)) throw illegalInvocation();
    return byteLengthSizeFunction;
  }
  static {
    BLQS_is = (o) => isObject(o) && #hwm in o;
    BLQS_get = (o) => o.#hwm;
  }
}

class CountQueuingStrategy {
  #hwm;
  constructor(init) {
    this.#hwm = convertQueuingStrategyInit(init, 'CountQueuingStrategy');
  }
  get highWaterMark() {
    if (!CQS_is(this)) throw illegalInvocation();
    return CQS_get(this);
  }
  get size() {
    if (!CQS_is(this)) throw illegalInvocation();
    return countSizeFunction;
  }
  static {
    CQS_is = (o) => isObject(o) && #hwm in o;
    CQS_get = (o) => o.#hwm;
  }
}

// ---------------------------------------------------------------------------
// Encoding streams
// ---------------------------------------------------------------------------
function getTextDecoderCtor() {
  const C = TextDecoderCtor;
  if (typeof C !== 'function') throw new TypeError('TextDecoder is not available');
  return C;
}

function newTransformStreamImpl(transformAlgorithm, flushAlgorithm) {
  // Used by the encoding streams: a TransformStream whose algorithms are
  // internal (highWaterMarks 1 / 0, as for `new TransformStream()`).
  const impl = new TransformStreamImpl();
  new TransformStream(kInternal, impl);
  const startPromise = resolvedDeferred(undefined);
  InitializeTransformStream(impl, startPromise, 1, defaultSizeAlgorithm, 0, defaultSizeAlgorithm);
  const c = new TransformControllerImpl();
  new TransformStreamDefaultController(kInternal, c);
  SetUpTransformStreamDefaultController(impl, c, (chunk) => {
    try {
      transformAlgorithm(c, chunk);
      return PromiseResolve(undefined);
    } catch (e) {
      return PromiseReject(e);
    }
  }, () => {
    try {
      flushAlgorithm(c);
      return PromiseResolve(undefined);
    } catch (e) {
      return PromiseReject(e);
    }
  }, resolvedUndefined);
  return impl;
}

let TES_is, TDS_is;
class TextEncoderStream {
  #ts;
  constructor() {
    let pendingHighSurrogate = null;
    this.#ts = newTransformStreamImpl((c, chunk) => {
      let input = toDOMString(chunk);
      if (pendingHighSurrogate !== null) {
        input = pendingHighSurrogate + input;
        pendingHighSurrogate = null;
      }
      const len = input.length;
      if (len > 0) {
        const last = StringPrototypeCharCodeAt(input, len - 1);
        if (last >= 0xD800 && last <= 0xDBFF) {
          pendingHighSurrogate = StringPrototypeSlice(input, len - 1);
          input = StringPrototypeSlice(input, 0, len - 1);
        }
      }
      if (input.length > 0) {
        const bytes = encodeUtf8(input);
        TransformStreamDefaultControllerEnqueue(c, bytes);
      }
    }, (c) => {
      if (pendingHighSurrogate !== null) {
        pendingHighSurrogate = null;
        const replacement = new Uint8Array(3);
        replacement[0] = 0xEF; replacement[1] = 0xBF; replacement[2] = 0xBD;
        TransformStreamDefaultControllerEnqueue(c, replacement);
      }
    });
  }
  get encoding() {
    if (!TES_is(this)) throw illegalInvocation();
    return 'utf-8';
  }
  get readable() {
    if (!TES_is(this)) throw illegalInvocation();
    return this.#ts.readable.pub;
  }
  get writable() {
    if (!TES_is(this)) throw illegalInvocation();
    return this.#ts.writable.pub;
  }
  static {
    TES_is = (o) => isObject(o) && #ts in o;
  }
}

class TextDecoderStream {
  #ts;
  #decoder;
  constructor(label = 'utf-8', options = undefined) {
    label = toDOMString(label);
    const dict = toDictionary(options, 'options');
    const fatal = dict === null ? false : toBoolean(dict.fatal);
    const ignoreBOM = dict === null ? false : toBoolean(dict.ignoreBOM);
    const TD = getTextDecoderCtor();
    const decoder = new TD(label, { fatal, ignoreBOM });
    this.#decoder = decoder;
    this.#ts = newTransformStreamImpl((c, chunk) => {
      let bytes;
      if (isArrayBufferView(chunk)) {
        bytes = chunk;
      } else if (isArrayBuffer(chunk)) {
        bytes = chunk;
      } else {
        throw new TypeError('TextDecoderStream chunks must be an ArrayBuffer or ArrayBufferView');
      }
      const out = call(TextDecoderDecode, decoder, bytes, { stream: true });
      if (out !== '') TransformStreamDefaultControllerEnqueue(c, out);
    }, (c) => {
      const out = call(TextDecoderDecode, decoder);
      if (out !== '') TransformStreamDefaultControllerEnqueue(c, out);
    });
  }
  get encoding() {
    if (!TDS_is(this)) throw illegalInvocation();
    return call(TextDecoderPrototypeGetters.encoding, this.#decoder);
  }
  get fatal() {
    if (!TDS_is(this)) throw illegalInvocation();
    return call(TextDecoderPrototypeGetters.fatal, this.#decoder);
  }
  get ignoreBOM() {
    if (!TDS_is(this)) throw illegalInvocation();
    return call(TextDecoderPrototypeGetters.ignoreBOM, this.#decoder);
  }
  get readable() {
    if (!TDS_is(this)) throw illegalInvocation();
    return this.#ts.readable.pub;
  }
  get writable() {
    if (!TDS_is(this)) throw illegalInvocation();
    return this.#ts.writable.pub;
  }
  static {
    TDS_is = (o) => isObject(o) && #ts in o;
  }
}

// ---------------------------------------------------------------------------
// WebIDL-ish shaping and registration
// ---------------------------------------------------------------------------
{
  // values() and @@asyncIterator are the same function object.
  ObjectDefineProperty(ReadableStream.prototype, SymbolAsyncIterator, {
    value: ReadableStream.prototype.values, writable: true, enumerable: false, configurable: true,
  });
  const classes = [
    [ReadableStream, 'ReadableStream'],
    [ReadableStreamDefaultReader, 'ReadableStreamDefaultReader'],
    [ReadableStreamBYOBReader, 'ReadableStreamBYOBReader'],
    [ReadableStreamDefaultController, 'ReadableStreamDefaultController'],
    [ReadableByteStreamController, 'ReadableByteStreamController'],
    [ReadableStreamBYOBRequest, 'ReadableStreamBYOBRequest'],
    [WritableStream, 'WritableStream'],
    [WritableStreamDefaultWriter, 'WritableStreamDefaultWriter'],
    [WritableStreamDefaultController, 'WritableStreamDefaultController'],
    [TransformStream, 'TransformStream'],
    [TransformStreamDefaultController, 'TransformStreamDefaultController'],
    [ByteLengthQueuingStrategy, 'ByteLengthQueuingStrategy'],
    [CountQueuingStrategy, 'CountQueuingStrategy'],
    [TextEncoderStream, 'TextEncoderStream'],
    [TextDecoderStream, 'TextDecoderStream'],
  ];
  // ReadableStream.from is a static operation: make it enumerable like WebIDL.
  const fromDesc = ObjectGetOwnPropertyDescriptor(ReadableStream, 'from');
  fromDesc.enumerable = true;
  ObjectDefineProperty(ReadableStream, 'from', fromDesc);
  finishClass(ReadableStreamAsyncIterator, 'ReadableStream AsyncIterator');
  for (let k = 0; k < classes.length; k++) {
    finishClass(classes[k][0], classes[k][1]);
  }
  if (internal && typeof internal.defineGlobal === 'function') {
    for (let k = 0; k < classes.length; k++) {
      internal.defineGlobal(classes[k][1], classes[k][0]);
    }
  }
}

// ---------------------------------------------------------------------------
// Internals for the Request/Response implementation and the Rust host.
// ---------------------------------------------------------------------------
function streamImplOf(stream, what) {
  if (!RS_is(stream)) throw new TypeError(($toString(what) + ": argument is not a ReadableStream"));
  return RS_get(stream);
}

function chunkToUint8Array(chunk) {
  if (typeof chunk === 'string') {
    return encodeUtf8(chunk);
  }
  if (isArrayBufferView(chunk)) {
    if (isTypedArray(chunk) && TypedArrayPrototypeGetToStringTag(chunk) === 'Uint8Array') return chunk;
    return new Uint8Array(viewBuffer(chunk), viewByteOffset(chunk), viewByteLength(chunk));
  }
  if (isArrayBuffer(chunk)) return new Uint8Array(chunk);
  return undefined;
}

function readAll(stream) {
  let s;
  let reader;
  try {
    s = streamImplOf(stream, 'readAll');
    reader = AcquireReadableStreamDefaultReader(s);
  } catch (e) {
    return PromiseReject(e);
  }
  const result = newDeferred();
  const parts = new List();
  let total = 0;
  const finish = () => {
    const out = new Uint8Array(total);
    let offset = 0;
    parts.forEach((p) => {
      TypedArrayPrototypeSet(out, p, offset);
      offset += TypedArrayPrototypeGetLength(p);
    });
    resolveDeferred(result, out);
  };
  const step = () => {
    ReadableStreamDefaultReaderRead(reader, {
      chunkSteps: (chunk) => {
        const bytes = chunkToUint8Array(chunk);
        if (bytes === undefined) {
          const e = new TypeError('Received non-Uint8Array chunk');
          markHandled(ReadableStreamCancel(s, e));
          ReadableStreamDefaultReaderRelease(reader);
          rejectDeferred(result, e);
          return;
        }
        const n = TypedArrayPrototypeGetLength(bytes);
        if (n > 0) {
          // Copy: the chunk's buffer may still be owned by user code.
          const copy = new Uint8Array(n);
          TypedArrayPrototypeSet(copy, bytes, 0);
          parts.push(copy);
          total += n;
        }
        // Avoid deep synchronous recursion when chunks are already queued.
        queueMicrotask(step);
      },
      closeSteps: () => {
        ReadableStreamDefaultReaderRelease(reader);
        finish();
      },
      errorSteps: (e) => {
        ReadableStreamDefaultReaderRelease(reader);
        rejectDeferred(result, e);
      },
    });
  };
  step();
  return result.promise;
}

function fromBytes(u8) {
  let copy = null;
  if (u8 !== undefined && u8 !== null) {
    const bytes = chunkToUint8Array(u8);
    if (bytes === undefined) throw new TypeError('fromBytes: expected a Uint8Array');
    const n = TypedArrayPrototypeGetLength(bytes);
    if (n > 0) {
      copy = new Uint8Array(n);
      TypedArrayPrototypeSet(copy, bytes, 0);
    }
  }
  const stream = CreateReadableByteStream(() => undefined, resolvedUndefined, resolvedUndefined);
  if (copy !== null) ReadableByteStreamControllerEnqueue(stream.controller, copy);
  ReadableByteStreamControllerClose(stream.controller);
  return stream.pub;
}

function fromPull(pullAsyncFn, cancelFn) {
  if (typeof pullAsyncFn !== 'function') throw new TypeError('fromPull: pull must be a function');
  let stream;
  let ended = false;
  const closeIt = () => {
    ended = true;
    const c = stream.controller;
    if (c.closeRequested || stream.state !== 'readable') return;
    ReadableByteStreamControllerClose(c);
    if (stream.state === 'closed' && c.pendingPullIntos.size > 0) {
      ReadableByteStreamControllerRespond(c, 0);
    }
  };
  const pullOnce = () => {
    if (ended) return PromiseResolve(undefined);
    let p;
    try {
      p = PromiseResolve(pullAsyncFn());
    } catch (e) {
      return PromiseReject(e);
    }
    return thenP(p, (chunk) => {
      if (stream.state !== 'readable') return PromiseResolve(undefined);
      if (chunk === undefined || chunk === null) {
        closeIt();
        return PromiseResolve(undefined);
      }
      const bytes = chunkToUint8Array(chunk);
      if (bytes === undefined) throw new TypeError('fromPull: pull must resolve to a Uint8Array or undefined');
      if (TypedArrayPrototypeGetLength(bytes) === 0) return pullOnce();
      ReadableByteStreamControllerEnqueue(stream.controller, bytes);
      return PromiseResolve(undefined);
    });
  };
  const cancelAlgorithm = (reason) => {
    ended = true;
    if (typeof cancelFn !== 'function') return PromiseResolve(undefined);
    return promiseCall(cancelFn, undefined, [reason]);
  };
  stream = CreateReadableByteStream(() => undefined, pullOnce, cancelAlgorithm);
  return stream.pub;
}

function getReader(stream) {
  const s = streamImplOf(stream, 'getReader');
  const reader = AcquireReadableStreamDefaultReader(s);
  // The body is being consumed: it counts as disturbed from now on.
  s.disturbed = true;
  return reader.pub;
}

if (internal) {
  internal.streams = {
    ReadableStream,
    WritableStream,
    TransformStream,
    isReadableStream: (x) => RS_is(x),
    isWritableStream: (x) => WS_is(x),
    isDisturbed: (stream) => streamImplOf(stream, 'isDisturbed').disturbed,
    isLocked: (stream) => IsReadableStreamLocked(streamImplOf(stream, 'isLocked')),
    isErrored: (stream) => streamImplOf(stream, 'isErrored').state === 'errored',
    isClosed: (stream) => streamImplOf(stream, 'isClosed').state === 'closed',
    readAll,
    fromBytes,
    fromPull,
    getReader,
    // A TransformStream run by host algorithms: transform(chunk, enqueue) and flush(enqueue),
    // each may throw. Returns the stream's [readable, writable] ends.
    newTransform: (transform, flush) => {
      const impl = newTransformStreamImpl(
        (c, chunk) => transform(chunk, (out) => TransformStreamDefaultControllerEnqueue(c, out)),
        (c) => flush((out) => TransformStreamDefaultControllerEnqueue(c, out)));
      return [impl.readable.pub, impl.writable.pub];
    },
    // A default reader's read() and cancel() as defined here (a guest may patch the prototype).
    read: uncurryThis(ReadableStreamDefaultReader.prototype.read),
    cancelReader: uncurryThis(ReadableStreamDefaultReader.prototype.cancel),
    cancel: (stream, reason) => {
      try {
        return ReadableStreamCancel(streamImplOf(stream, 'cancel'), reason);
      } catch (e) {
        return PromiseReject(e);
      }
    },
    tee: (stream) => {
      const b = ReadableStreamTee(streamImplOf(stream, 'tee'), false);
      return [b[0].pub, b[1].pub];
    },
  };
}
