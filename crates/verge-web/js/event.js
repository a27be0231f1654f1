// Event, EventTarget, CustomEvent, AbortController, AbortSignal
// (https://dom.spec.whatwg.org/#events, #aborting-ongoing-activities).
// Evaluated as the body of `function (globalThis, primordials, internal)`.
"use strict";
const { TypeError: $TypeError, Symbol: $Symbol, DOMException: $DOMException } = primordials;
const $setTimeout = (ms, fn) => internal.sleep(ms).then(fn);

const kStop = $Symbol("stop"), kStopImmediate = $Symbol("stopImmediate"), kCanceled = $Symbol("canceled");
const kTarget = $Symbol("target"), kCurrent = $Symbol("current"), kPhase = $Symbol("phase");
const kDispatching = $Symbol("dispatching"), kTrusted = $Symbol("trusted");

class Event {
  #type; #bubbles; #cancelable; #composed; #timeStamp;
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new $TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
    this.#type = String(type);
    this.#bubbles = !!(init && init.bubbles);
    this.#cancelable = !!(init && init.cancelable);
    this.#composed = !!(init && init.composed);
    this.#timeStamp = globalThis.performance ? globalThis.performance.now() : 0;
    this[kStop] = false; this[kStopImmediate] = false; this[kCanceled] = false;
    this[kTarget] = null; this[kCurrent] = null; this[kPhase] = 0; this[kDispatching] = false;
  }
  get type() { return this.#type; }
  get bubbles() { return this.#bubbles; }
  get cancelable() { return this.#cancelable; }
  get composed() { return this.#composed; }
  get target() { return this[kTarget]; }
  get srcElement() { return this[kTarget]; }
  get currentTarget() { return this[kCurrent]; }
  get eventPhase() { return this[kPhase]; }
  get defaultPrevented() { return this[kCanceled]; }
  get returnValue() { return !this[kCanceled]; }
  get isTrusted() { return !!this[kTrusted]; }
  get timeStamp() { return this.#timeStamp; }
  get cancelBubble() { return this[kStop]; }
  set cancelBubble(v) { if (v) this[kStop] = true; }
  composedPath() { return this[kCurrent] ? [this[kCurrent]] : []; }
  preventDefault() { if (this.#cancelable) this[kCanceled] = true; }
  stopPropagation() { this[kStop] = true; }
  stopImmediatePropagation() { this[kStop] = true; this[kStopImmediate] = true; }
  get [$Symbol.toStringTag]() { return "Event"; }
}
for (const [k, v] of [["NONE", 0], ["CAPTURING_PHASE", 1], ["AT_TARGET", 2], ["BUBBLING_PHASE", 3]]) {
  Object.defineProperty(Event, k, { value: v, enumerable: true });
  Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
}

const kListeners = $Symbol("listeners");
function normalizeOptions(options, forAdd) {
  if (options === undefined || options === null) return { capture: false, once: false, passive: false, signal: undefined };
  if (typeof options !== "object") return { capture: !!options, once: false, passive: false, signal: undefined };
  const capture = !!options.capture;
  if (forAdd && capture) throw new $TypeError("addEventListener(): useCapture must be false.");
  if (forAdd && options.passive) throw new $TypeError("addEventListener(): options.passive must be false.");
  return { capture, once: !!options.once, passive: false, signal: options.signal };
}

class EventTarget {
  constructor() { this[kListeners] = new Map(); }
  addEventListener(type, callback, options = undefined) {
    const o = normalizeOptions(options, true);
    if (callback === null || callback === undefined) return;
    if (typeof callback !== "function" && (typeof callback !== "object" || typeof callback.handleEvent !== "function")) {
      if (typeof callback !== "object") throw new $TypeError("addEventListener(): the callback must be a function or an object with handleEvent");
    }
    if (o.signal && o.signal.aborted) return;
    const map = this[kListeners] || (this[kListeners] = new Map());
    type = String(type);
    let list = map.get(type);
    if (!list) map.set(type, list = []);
    if (list.some((l) => l.callback === callback && l.capture === o.capture)) return;
    const entry = { callback, capture: o.capture, once: o.once, removed: false };
    list.push(entry);
    if (o.signal) o.signal.addEventListener("abort", () => this.removeEventListener(type, callback, options));
  }
  removeEventListener(type, callback, options = undefined) {
    const o = normalizeOptions(options, false);
    const list = this[kListeners] && this[kListeners].get(String(type));
    if (!list) return;
    const i = list.findIndex((l) => l.callback === callback && l.capture === o.capture);
    if (i >= 0) { list[i].removed = true; list.splice(i, 1); }
  }
  dispatchEvent(event) {
    if (!(event instanceof Event)) throw new $TypeError("dispatchEvent(): the argument must be an Event");
    if (event[kDispatching]) throw new $DOMException("The event is already being dispatched.", "InvalidStateError");
    event[kDispatching] = true;
    event[kTarget] = this; event[kCurrent] = this; event[kPhase] = 2;
    const list = this[kListeners] && this[kListeners].get(event.type);
    if (list) {
      for (const l of list.slice()) {
        if (l.removed) continue;
        if (l.once) this.removeEventListener(event.type, l.callback, { capture: l.capture });
        try {
          if (typeof l.callback === "function") l.callback.call(this, event);
          else l.callback.handleEvent(event);
        } catch (e) {
          internal.reportError(e);
        }
        if (event[kStopImmediate]) break;
      }
    }
    event[kCurrent] = null; event[kPhase] = 0; event[kDispatching] = false;
    return !event[kCanceled];
  }
  get [$Symbol.toStringTag]() { return "EventTarget"; }
}

class CustomEvent extends Event {
  #detail;
  constructor(type, init = undefined) { super(type, init); this.#detail = init && init.detail !== undefined ? init.detail : null; }
  get detail() { return this.#detail; }
  get [$Symbol.toStringTag]() { return "CustomEvent"; }
}

class ErrorEvent extends Event {
  #init;
  constructor(type, init = {}) { super(type, init); this.#init = init || {}; }
  get message() { return this.#init.message ?? ""; }
  get filename() { return this.#init.filename ?? ""; }
  get lineno() { return this.#init.lineno ?? 0; }
  get colno() { return this.#init.colno ?? 0; }
  get error() { return this.#init.error; }
}

class MessageEvent extends Event {
  #init;
  constructor(type, init = {}) { super(type, init); this.#init = init || {}; }
  get data() { return this.#init.data ?? null; }
  get origin() { return this.#init.origin ?? ""; }
  get lastEventId() { return this.#init.lastEventId ?? ""; }
  get source() { return this.#init.source ?? null; }
  get ports() { return this.#init.ports ?? []; }
}

class CloseEvent extends Event {
  #init;
  constructor(type, init = {}) { super(type, init); this.#init = init || {}; }
  get code() { return this.#init.code ?? 0; }
  get reason() { return this.#init.reason ?? ""; }
  get wasClean() { return !!this.#init.wasClean; }
}

const kAborted = $Symbol("aborted"), kReason = $Symbol("reason");
let constructingSignal = false;
class AbortSignal extends EventTarget {
  constructor() {
    if (!constructingSignal) throw new $TypeError("Illegal constructor");
    super();
    this[kAborted] = false; this[kReason] = undefined; this.onabort = null;
  }
  get aborted() { return this[kAborted]; }
  get reason() { return this[kReason]; }
  throwIfAborted() { if (this[kAborted]) throw this[kReason]; }
  static abort(reason = undefined) { const s = newSignal(); signalAbort(s, reason); return s; }
  static timeout(ms) {
    const s = newSignal();
    $setTimeout(Number(ms), () => signalAbort(s, new $DOMException("The operation was aborted due to timeout", "TimeoutError")));
    return s;
  }
  static any(signals) {
    const s = newSignal();
    for (const x of signals) if (x.aborted) { signalAbort(s, x.reason); return s; }
    for (const x of signals) x.addEventListener("abort", () => signalAbort(s, x.reason), { once: true });
    return s;
  }
  get [$Symbol.toStringTag]() { return "AbortSignal"; }
}
function newSignal() { constructingSignal = true; try { return new AbortSignal(); } finally { constructingSignal = false; } }
function signalAbort(signal, reason) {
  if (signal[kAborted]) return;
  signal[kAborted] = true;
  signal[kReason] = reason === undefined ? new $DOMException("This operation was aborted", "AbortError") : reason;
  const ev = new Event("abort");
  if (typeof signal.onabort === "function") { try { signal.onabort.call(signal, ev); } catch (e) { internal.reportError(e); } }
  signal.dispatchEvent(ev);
}

class AbortController {
  #signal = newSignal();
  get signal() { return this.#signal; }
  abort(reason = undefined) { signalAbort(this.#signal, reason); }
  get [$Symbol.toStringTag]() { return "AbortController"; }
}

internal.events = { Event, EventTarget, MessageEvent, CloseEvent, ErrorEvent, newSignal, signalAbort };
for (const [name, value] of Object.entries({ Event, EventTarget, CustomEvent, ErrorEvent, MessageEvent, CloseEvent, AbortSignal, AbortController })) {
  internal.defineGlobal(name, value);
}
