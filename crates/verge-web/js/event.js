// Event, EventTarget, CustomEvent, AbortController, AbortSignal
// (https://dom.spec.whatwg.org/#events, #aborting-ongoing-activities).
// Evaluated as the body of `function (globalThis, primordials, internal)`, on first use (js/lazy.js):
// possibly after guest code replaced globals or prototype methods, so built-ins come from
// `primordials` only. The platform's own uses (fetch, streams, WebSocket) go through the
// functions in `internal.events`, not through methods a guest may patch.
"use strict";
const { TypeError: $TypeError, Symbol: $Symbol, DOMException: $DOMException, Map: $Map, String: $String,
        Number: $Number, call, ObjectStatics, MapPrototype, PromisePrototypeThen, SymbolToStringTag,
        performance: $performance, PerformanceNow } = primordials;
const ObjectDefineProperty = ObjectStatics.defineProperty;
const sleep = internal.sleep;
const $setTimeout = (ms, fn) => PromisePrototypeThen(sleep(ms), fn);
const now = () => ($performance ? call(PerformanceNow, $performance) : 0);

const kStop = $Symbol("stop"), kStopImmediate = $Symbol("stopImmediate"), kCanceled = $Symbol("canceled");
const kTarget = $Symbol("target"), kCurrent = $Symbol("current"), kPhase = $Symbol("phase");
const kDispatching = $Symbol("dispatching"), kTrusted = $Symbol("trusted");
const kInPassive = $Symbol("inPassiveListener");
// `isTrusted` is an own accessor of every event (WebIDL [LegacyUnforgeable]), with one getter.
const isTrustedDescriptor = { get: function isTrusted() { return !!this[kTrusted]; }, enumerable: true, configurable: false };

let isEvent, eventType;
// DOM "set the canceled flag": ignored in a passive listener.
function cancel(event, cancelable) {
  if (cancelable && !event[kInPassive]) event[kCanceled] = true;
}
class Event {
  #type; #bubbles; #cancelable; #composed; #timeStamp;
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new $TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
    this.#type = $String(type);
    this.#bubbles = !!(init && init.bubbles);
    this.#cancelable = !!(init && init.cancelable);
    this.#composed = !!(init && init.composed);
    this.#timeStamp = now();
    this[kStop] = false; this[kStopImmediate] = false; this[kCanceled] = false;
    this[kTarget] = null; this[kCurrent] = null; this[kPhase] = 0; this[kDispatching] = false;
    this[kInPassive] = false;
    ObjectDefineProperty(this, "isTrusted", isTrustedDescriptor);
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
  set returnValue(v) { if (!v) cancel(this, this.#cancelable); }
  get timeStamp() { return this.#timeStamp; }
  get cancelBubble() { return this[kStop]; }
  set cancelBubble(v) { if (v) this[kStop] = true; }
  composedPath() { return this[kCurrent] ? [this[kCurrent]] : []; }
  preventDefault() { cancel(this, this.#cancelable); }
  stopPropagation() { this[kStop] = true; }
  stopImmediatePropagation() { this[kStop] = true; this[kStopImmediate] = true; }
  static {
    isEvent = (e) => e !== null && typeof e === "object" && #type in e;
    eventType = (e) => e.#type;
  }
  get [SymbolToStringTag]() { return "Event"; }
}
{
  const names = ["NONE", "CAPTURING_PHASE", "AT_TARGET", "BUBBLING_PHASE"];
  for (let i = 0; i < names.length; i++) {
    ObjectDefineProperty(Event, names[i], { value: i, enumerable: true });
    ObjectDefineProperty(Event.prototype, names[i], { value: i, enumerable: true });
  }
}

const kListeners = $Symbol("listeners");
// DOM "flatten (more) options": members are read in WebIDL dictionary order (capture, then
// once, passive, signal); removeEventListener reads only capture.
function normalizeOptions(options, forAdd) {
  if (options === undefined || options === null) return { capture: false, once: false, passive: false, signal: undefined };
  if (typeof options !== "object" && typeof options !== "function") return { capture: !!options, once: false, passive: false, signal: undefined };
  const capture = !!options.capture;
  if (!forAdd) return { capture, once: false, passive: false, signal: undefined };
  const once = !!options.once;
  const passive = !!options.passive;
  const signal = options.signal;
  // AddEventListenerOptions.signal is an AbortSignal, not nullable (DOM §2.7).
  if (signal === null) throw new $TypeError("addEventListener(): options.signal must be an AbortSignal.");
  return { capture, once, passive, signal };
}
function indexOfListener(list, callback, capture) {
  for (let i = 0; i < list.length; i++) if (list[i].callback === callback && list[i].capture === capture) return i;
  return -1;
}

// The algorithms behind EventTarget's methods, on any EventTarget.
function addListener(target, type, callback, options) {
  const o = normalizeOptions(options, true);
  if (callback === null || callback === undefined) return;
  if (typeof callback !== "function" && (typeof callback !== "object" || typeof callback.handleEvent !== "function")) {
    if (typeof callback !== "object") throw new $TypeError("addEventListener(): the callback must be a function or an object with handleEvent");
  }
  if (o.signal && signalAborted(o.signal)) return;
  const map = target[kListeners] || (target[kListeners] = new $Map());
  type = $String(type);
  let list = call(MapPrototype.get, map, type);
  if (!list) call(MapPrototype.set, map, type, list = []);
  if (indexOfListener(list, callback, o.capture) >= 0) return;
  list[list.length] = { callback, capture: o.capture, once: o.once, passive: o.passive, removed: false };
  if (o.signal) onAbort(o.signal, () => removeListener(target, type, callback, { capture: o.capture }));
}
function removeListener(target, type, callback, options) {
  const o = normalizeOptions(options, false);
  const map = target[kListeners];
  const list = map && call(MapPrototype.get, map, $String(type));
  if (!list) return;
  const i = indexOfListener(list, callback, o.capture);
  if (i < 0) return;
  list[i].removed = true;
  for (let j = i + 1; j < list.length; j++) list[j - 1] = list[j];
  list.length--;
}
function dispatch(target, event) {
  if (!isEvent(event)) throw new $TypeError("dispatchEvent(): the argument must be an Event");
  if (event[kDispatching]) throw new $DOMException("The event is already being dispatched.", "InvalidStateError");
  event[kDispatching] = true;
  event[kTarget] = target; event[kCurrent] = target; event[kPhase] = 2;
  // A target has no parent here, so the path is the target alone: its capture listeners run,
  // then the others, both at AT_TARGET (DOM "dispatch", "invoke").
  invoke(target, event, true);
  invoke(target, event, false);
  event[kCurrent] = null; event[kPhase] = 0; event[kDispatching] = false;
  return !event[kCanceled];
}

function invoke(target, event, capturing) {
  if (event[kStop]) return;
  const type = eventType(event);
  const map = target[kListeners];
  const live = map && call(MapPrototype.get, map, type);
  if (!live) return;
  const list = [];
  for (let i = 0; i < live.length; i++) list[i] = live[i];
  for (let i = 0; i < list.length; i++) {
    const l = list[i];
    if (l.removed || l.capture !== capturing) continue;
    if (l.once) removeListener(target, type, l.callback, { capture: l.capture });
    if (l.passive) event[kInPassive] = true;
    try {
      if (typeof l.callback === "function") call(l.callback, target, event);
      else l.callback.handleEvent(event);
    } catch (e) {
      internal.reportError(e);
    }
    event[kInPassive] = false;
    if (event[kStopImmediate]) break;
  }
}

class EventTarget {
  constructor() { this[kListeners] = new $Map(); }
  addEventListener(type, callback, options = undefined) { addListener(this, type, callback, options); }
  removeEventListener(type, callback, options = undefined) { removeListener(this, type, callback, options); }
  dispatchEvent(event) { return dispatch(this, event); }
  get [SymbolToStringTag]() { return "EventTarget"; }
}

class CustomEvent extends Event {
  #detail;
  constructor(type, init = undefined) { super(type, init); this.#detail = init && init.detail !== undefined ? init.detail : null; }
  get detail() { return this.#detail; }
  get [SymbolToStringTag]() { return "CustomEvent"; }
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
// A dependent signal's sources (AbortSignal.any), and a source's dependents.
const kSources = $Symbol("sources"), kDependents = $Symbol("dependents");
let constructingSignal = false;
// A signal's state: ours are read directly, anything else through its public members.
const signalAborted = (s) => (kAborted in s ? s[kAborted] : s.aborted);
const signalReason = (s) => (kAborted in s ? s[kReason] : s.reason);
// Calls `fn` once when `signal` aborts; returns a function that stops listening.
function onAbort(signal, fn) {
  const opts = { once: true };
  if (kAborted in signal) {
    addListener(signal, "abort", fn, opts);
    return () => removeListener(signal, "abort", fn, opts);
  }
  signal.addEventListener("abort", fn, opts);
  return () => signal.removeEventListener("abort", fn, opts);
}
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
    $setTimeout($Number(ms), () => signalAbort(s, new $DOMException("The operation was aborted due to timeout", "TimeoutError")));
    return s;
  }
  // DOM §3.2 "create a dependent abort signal": the new signal depends on the sources of
  // dependent signals, never on a dependent itself, so that abort events fire source first,
  // then each dependent in the order they were made.
  static any(signals) {
    const s = newSignal();
    // The sequence is converted (iterated) once, as WebIDL does; the rest works on the copy.
    const list = [];
    for (const x of signals) list[list.length] = x;
    for (let i = 0; i < list.length; i++) if (signalAborted(list[i])) { signalAbort(s, signalReason(list[i])); return s; }
    s[kSources] = [];
    const link = (source) => {
      const sources = s[kSources];
      for (let j = 0; j < sources.length; j++) if (sources[j] === source) return;
      sources[sources.length] = source;
      const deps = source[kDependents] || (source[kDependents] = []);
      deps[deps.length] = s;
    };
    let foreign = false;
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if (!(kAborted in x)) { foreign = true; onAbort(x, () => signalAbort(s, signalReason(x))); continue; }
      const sources = x[kSources];
      if (sources === undefined) link(x);
      else for (let j = 0; j < sources.length; j++) link(sources[j]);
    }
    // Following a signal-like object that is not ours, `s` is a source for later any() calls.
    if (foreign) s[kSources] = undefined;
    return s;
  }
  get [SymbolToStringTag]() { return "AbortSignal"; }
}
function newSignal() { constructingSignal = true; try { return new AbortSignal(); } finally { constructingSignal = false; } }
function signalAbort(signal, reason) {
  if (signal[kAborted]) return;
  signal[kAborted] = true;
  signal[kReason] = reason === undefined ? new $DOMException("This operation was aborted", "AbortError") : reason;
  // DOM "signal abort": dependents are aborted with the same reason at once, and their events
  // fire after the source's, in the order they were made.
  const deps = signal[kDependents], aborting = [];
  if (deps !== undefined) {
    for (let i = 0; i < deps.length; i++) {
      const d = deps[i];
      if (d[kAborted]) continue;
      d[kAborted] = true; d[kReason] = signal[kReason];
      aborting[aborting.length] = d;
    }
  }
  fireAbort(signal);
  for (let i = 0; i < aborting.length; i++) {
    const d = aborting[i];
    fireAbort(d);
    // A dependent that is also a source (see any()) passes the abort on.
    const further = d[kDependents];
    if (further !== undefined) for (let j = 0; j < further.length; j++) signalAbort(further[j], d[kReason]);
  }
}
function fireAbort(signal) {
  const ev = new Event("abort");
  ev[kTrusted] = true;
  const onabort = signal.onabort;
  // The handler sees the event as a listener would: target and currentTarget are the signal.
  ev[kTarget] = signal; ev[kCurrent] = signal; ev[kPhase] = 2;
  if (typeof onabort === "function") { try { call(onabort, signal, ev); } catch (e) { internal.reportError(e); } }
  dispatch(signal, ev);
}

class AbortController {
  #signal = newSignal();
  get signal() { return this.#signal; }
  abort(reason = undefined) { signalAbort(this.#signal, reason); }
  get [SymbolToStringTag]() { return "AbortController"; }
}

internal.events = {
  Event, EventTarget, MessageEvent, CloseEvent, ErrorEvent, AbortController, newSignal, signalAbort,
  addListener, removeListener, dispatch, signalAborted, signalReason, onAbort,
};
primordials.AbortController = AbortController;
internal.defineGlobal("Event", Event);
internal.defineGlobal("EventTarget", EventTarget);
internal.defineGlobal("CustomEvent", CustomEvent);
internal.defineGlobal("ErrorEvent", ErrorEvent);
internal.defineGlobal("MessageEvent", MessageEvent);
internal.defineGlobal("CloseEvent", CloseEvent);
internal.defineGlobal("AbortSignal", AbortSignal);
internal.defineGlobal("AbortController", AbortController);
