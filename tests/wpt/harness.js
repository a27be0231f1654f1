// verge's harness for the Web Platform Tests: the testharness.js API (test, async_test,
// promise_test, setup, done, the assert_* functions, …) for one WPT file run inside a Workers
// `fetch` handler. Written for verge from the API's documentation
// (https://web-platform-tests.org/writing-tests/testharness-api.html); no code is taken from
// testharness.js.
//
// tests/wpt/runner.rs makes a module of this file, the file's META scripts and the file itself
// wrapped in one function, and an `export default { fetch }` that calls `__wpt.serve`. The
// response streams one JSON line per finished subtest ({"name", "status", "message"}) and a
// last line {"done": true, "harness", "message"}. The same module runs on verge and on workerd.
//
// The file runs as WPT runs `.any.js` files in a dedicated worker: `done()` is called once the
// file has been evaluated, and the harness finishes when every subtest defined by then (or by
// subtests still running) has finished, or when the file's timeout expires.
//
// Tests replace globals and prototype methods (`Object.prototype.then`, `Promise`,
// `ReadableStream.prototype.getReader`, …): the harness captures what it uses when the module
// is evaluated and never resolves its own promises with objects.

const __wpt = (() => {
  "use strict";
  const g = globalThis;
  const $Promise = g.Promise;
  const $Error = g.Error;
  const $String = g.String;
  const $Object = g.Object;
  const $Array = g.Array;
  const $TypeError = g.TypeError;
  const $setTimeout = g.setTimeout;
  const $clearTimeout = g.clearTimeout;
  const $DOMException = g.DOMException;
  const $TransformStream = g.TransformStream;
  const $TextEncoder = g.TextEncoder;
  const $Response = g.Response;
  const $URL = g.URL;
  const $fetch = g.fetch;
  const $atob = g.atob;
  const $Uint8Array = g.Uint8Array;
  const $stringify = g.JSON.stringify;
  const ReflectApply = g.Reflect.apply;
  const ObjectIs = $Object.is;
  const ObjectKeys = $Object.keys;
  const ObjectGetPrototypeOf = $Object.getPrototypeOf;
  const ObjectDefineProperty = $Object.defineProperty;
  const ArrayIsArray = $Array.isArray;
  const call = (f, self, ...args) => ReflectApply(f, self, args);
  const hasOwn = (o, k) => call($Object.prototype.hasOwnProperty, o, k);
  const toTag = (v) => call($Object.prototype.toString, v);
  const then = (p, onOk, onErr) => call($Promise.prototype.then, p, onOk, onErr);
  const resolved = (v) => call($Promise.resolve, $Promise, v);
  const push = (list, v) => { list[list.length] = v; };
  const charCodeAt = $String.prototype.charCodeAt;
  const fromCharCode = $String.fromCharCode;
  const sliceStr = $String.prototype.slice;
  const regexpTest = g.RegExp.prototype.test;
  const numberToString = g.Number.prototype.toString;
  const DateNow = g.Date.now;
  const MathAbs = g.Math.abs;

  // ---- statuses ----
  const PASS = 0, FAIL = 1, TIMEOUT = 2, NOTRUN = 3, PRECONDITION_FAILED = 4;
  const STATUS_NAMES = ["PASS", "FAIL", "TIMEOUT", "NOTRUN", "PRECONDITION_FAILED"];
  // Test phases.
  const INITIAL = 0, STARTED = 1, HAS_RESULT = 2, CLEANING = 3, COMPLETE = 4;

  // ---- strings for the report ----
  const hex4 = (c) => {
    let s = call(numberToString, c, 16);
    while (s.length < 4) s = "0" + s;
    return s;
  };
  // Lone surrogates become the text `\uXXXX`: names and messages travel as UTF-8 JSON.
  function wellFormed(s) {
    s = $String(s);
    let out = "";
    let start = 0;
    for (let i = 0; i < s.length; i++) {
      const c = call(charCodeAt, s, i);
      if (c < 0xd800 || c > 0xdfff) continue;
      if (c <= 0xdbff && i + 1 < s.length) {
        const d = call(charCodeAt, s, i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; }
      }
      out += call(sliceStr, s, start, i) + "\\u" + hex4(c);
      start = i + 1;
    }
    return start === 0 ? s : out + call(sliceStr, s, start);
  }
  const SPECIAL = { __proto__: null, 0: "\\0", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 34: "\\\"", 92: "\\\\" };
  // A value as assertion messages and some test names show it.
  function format_value(v, seen) {
    switch (typeof v) {
      case "string": {
        let out = "\"";
        for (let i = 0; i < v.length; i++) {
          const c = call(charCodeAt, v, i);
          if (SPECIAL[c] !== undefined) out += SPECIAL[c];
          else if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xfffd) out += "\\u" + hex4(c);
          else out += v[i];
        }
        return out + "\"";
      }
      case "number": return ObjectIs(v, -0) ? "-0" : $String(v);
      case "bigint": return $String(v) + "n";
      case "symbol": return call(g.Symbol.prototype.toString, v);
      case "undefined": return "undefined";
      case "boolean": return $String(v);
      case "function": {
        let name = "";
        try { name = $String(v.name); } catch {}
        return "function \"" + name + "\"";
      }
    }
    if (v === null) return "null";
    seen = seen || [];
    for (let i = 0; i < seen.length; i++) if (seen[i] === v) return "[...]";
    try {
      if (ArrayIsArray(v)) {
        const inner = [];
        push(seen, v);
        const n = v.length > 20 ? 20 : v.length;
        for (let i = 0; i < n; i++) push(inner, format_value(v[i], seen));
        seen.length--;
        let s = "[";
        for (let i = 0; i < inner.length; i++) s += (i ? ", " : "") + inner[i];
        return s + (v.length > n ? ", …]" : "]");
      }
      if ($DOMException !== undefined && v instanceof $DOMException) return "DOMException: " + $String(v.name) + ": " + $String(v.message);
      if (v instanceof $Error) return $String(v.name) + ": " + $String(v.message);
      return $String(v);
    } catch {
      return toTag(v);
    }
  }
  const clip = (s) => (s.length > 500 ? call(sliceStr, s, 0, 500) + "…" : s);

  // ---- assertions ----
  class AssertionError extends $Error {
    constructor(message) { super(message); this.message = message; }
  }
  ObjectDefineProperty(AssertionError.prototype, "name", { value: "AssertionError", writable: true, configurable: true });
  class OptionalFeatureUnsupportedError extends AssertionError {}
  ObjectDefineProperty(OptionalFeatureUnsupportedError.prototype, "name", { value: "OptionalFeatureUnsupportedError", writable: true, configurable: true });

  function fail(kind, description, detail, ctor) {
    let msg = kind + ": ";
    if (description !== undefined && description !== null && description !== "") msg += $String(description) + " ";
    throw new (ctor || AssertionError)(msg + detail);
  }
  function check(ok, kind, description, detail) {
    if (!ok) fail(kind, description, typeof detail === "function" ? detail() : detail);
  }
  // SameValue with +0 and -0 apart.
  function same(a, b) {
    if (typeof a !== typeof b) return false;
    if (typeof a === "number") return ObjectIs(a, b);
    return a === b;
  }

  function assert_true(actual, description) {
    check(actual === true, "assert_true", description, () => "expected true got " + format_value(actual));
  }
  function assert_false(actual, description) {
    check(actual === false, "assert_false", description, () => "expected false got " + format_value(actual));
  }
  function assert_equals(actual, expected, description) {
    if (typeof actual !== typeof expected) {
      fail("assert_equals", description, "expected (" + typeof expected + ") " + format_value(expected) +
        " but got (" + typeof actual + ") " + format_value(actual));
    }
    check(same(actual, expected), "assert_equals", description,
      () => "expected " + format_value(expected) + " but got " + format_value(actual));
  }
  function assert_not_equals(actual, expected, description) {
    check(!same(actual, expected), "assert_not_equals", description, () => "got disallowed value " + format_value(actual));
  }
  function assert_in_array(actual, expected, description) {
    let found = false;
    for (let i = 0; i < expected.length; i++) if (same(expected[i], actual)) found = true;
    check(found, "assert_in_array", description, () => "value " + format_value(actual) + " not in array " + format_value(expected));
  }
  function assert_object_equals(actual, expected, description) {
    check(typeof actual === "object" && actual !== null, "assert_object_equals", description,
      () => "value is " + format_value(actual) + ", expected object");
    const stack = [];
    const walk = (a, e, path) => {
      for (let i = 0; i < stack.length; i++) if (stack[i] === a) return;
      push(stack, a);
      for (const k in a) {
        check(hasOwn(e, k), "assert_object_equals", description, () => "unexpected property " + format_value(path + k));
      }
      for (const k in e) {
        check(hasOwn(a, k), "assert_object_equals", description, () => "expected property " + format_value(path + k) + " missing");
        if (typeof e[k] === "object" && e[k] !== null) walk(a[k], e[k], path + k + ".");
        else check(same(a[k], e[k]), "assert_object_equals", description,
          () => "property " + format_value(path + k) + " expected " + format_value(e[k]) + " got " + format_value(a[k]));
      }
      stack.length--;
    };
    walk(actual, expected, "");
  }
  function assert_array_equals(actual, expected, description) {
    check(typeof actual === "object" && actual !== null && "length" in actual, "assert_array_equals", description,
      () => "value is " + format_value(actual) + ", expected array");
    check(actual.length === expected.length, "assert_array_equals", description,
      () => "lengths differ, expected array " + format_value(expected) + " length " + expected.length +
        ", got " + format_value(actual) + " length " + actual.length);
    for (let i = 0; i < actual.length; i++) {
      check(hasOwn(actual, i) === hasOwn(expected, i), "assert_array_equals", description,
        () => "expected property " + i + " to be " + (hasOwn(expected, i) ? "present" : "missing") +
          " but it was " + (hasOwn(actual, i) ? "present" : "missing"));
      check(same(expected[i], actual[i]), "assert_array_equals", description,
        () => "expected property " + i + " to be " + format_value(expected[i]) + " but got " + format_value(actual[i]) +
          " (expected array " + format_value(expected) + " got " + format_value(actual) + ")");
    }
  }
  function assert_array_approx_equals(actual, expected, epsilon, description) {
    check(actual.length === expected.length, "assert_array_approx_equals", description,
      () => "lengths differ, expected " + expected.length + " got " + actual.length);
    for (let i = 0; i < actual.length; i++) {
      check(typeof actual[i] === "number" && MathAbs(actual[i] - expected[i]) <= epsilon, "assert_array_approx_equals", description,
        () => "expected property " + i + " to be " + format_value(expected[i]) + " +/- " + epsilon + " but got " + format_value(actual[i]));
    }
  }
  function assert_approx_equals(actual, expected, epsilon, description) {
    check(typeof actual === "number", "assert_approx_equals", description, () => "expected a number but got " + format_value(actual));
    check(actual === expected || MathAbs(actual - expected) <= epsilon, "assert_approx_equals", description,
      () => "expected " + format_value(expected) + " +/- " + epsilon + " but got " + format_value(actual));
  }
  function numeric(kind, actual, expected, description) {
    const t = typeof actual;
    check((t === "number" || t === "bigint") && typeof expected === t, kind, description,
      () => "expected a " + typeof expected + " but got a " + t);
  }
  function assert_less_than(actual, expected, description) {
    numeric("assert_less_than", actual, expected, description);
    check(actual < expected, "assert_less_than", description, () => "expected a number less than " + format_value(expected) + " but got " + format_value(actual));
  }
  function assert_greater_than(actual, expected, description) {
    numeric("assert_greater_than", actual, expected, description);
    check(actual > expected, "assert_greater_than", description, () => "expected a number greater than " + format_value(expected) + " but got " + format_value(actual));
  }
  function assert_less_than_equal(actual, expected, description) {
    numeric("assert_less_than_equal", actual, expected, description);
    check(actual <= expected, "assert_less_than_equal", description, () => "expected a number less than or equal to " + format_value(expected) + " but got " + format_value(actual));
  }
  function assert_greater_than_equal(actual, expected, description) {
    numeric("assert_greater_than_equal", actual, expected, description);
    check(actual >= expected, "assert_greater_than_equal", description, () => "expected a number greater than or equal to " + format_value(expected) + " but got " + format_value(actual));
  }
  function assert_between_exclusive(actual, lower, upper, description) {
    numeric("assert_between_exclusive", actual, lower, description);
    check(actual > lower && actual < upper, "assert_between_exclusive", description,
      () => "expected a number greater than " + format_value(lower) + " and less than " + format_value(upper) + " but got " + format_value(actual));
  }
  function assert_between_inclusive(actual, lower, upper, description) {
    numeric("assert_between_inclusive", actual, lower, description);
    check(actual >= lower && actual <= upper, "assert_between_inclusive", description,
      () => "expected a number greater than or equal to " + format_value(lower) + " and less than or equal to " + format_value(upper) + " but got " + format_value(actual));
  }
  function assert_regexp_match(actual, expected, description) {
    check(call(regexpTest, expected, actual), "assert_regexp_match", description, () => "expected " + format_value(expected) + " but got " + format_value(actual));
  }
  function assert_class_string(object, class_string, description) {
    const actual = toTag(object);
    const expected = "[object " + class_string + "]";
    check(actual === expected, "assert_class_string", description, () => "expected " + format_value(expected) + " but got " + format_value(actual));
  }
  function assert_own_property(object, name, description) {
    check(hasOwn(object, name), "assert_own_property", description, () => "expected property " + format_value(name) + " missing");
  }
  function assert_not_own_property(object, name, description) {
    check(!hasOwn(object, name), "assert_not_own_property", description, () => "unexpected property " + format_value(name) + " is found on object");
  }
  function inherits(kind) {
    return (object, name, description) => {
      check(typeof object === "object" || typeof object === "function", kind, description, "provided value is not an object");
      check("hasOwnProperty" in object, kind, description, "provided value is an object but has no hasOwnProperty method");
      check(!hasOwn(object, name), kind, description, () => "property " + format_value(name) + " found on object expected in prototype chain");
      check(name in object, kind, description, () => "property " + format_value(name) + " not found in prototype chain");
    };
  }
  const assert_inherits = inherits("assert_inherits");
  const assert_idl_attribute = inherits("assert_idl_attribute");
  function assert_readonly(object, name, description) {
    const initial = object[name];
    try {
      object[name] = initial + "a";
      check(same(object[name], initial), "assert_readonly", description, () => "changing property " + format_value(name) + " succeeded");
    } finally {
      try { object[name] = initial; } catch {}
    }
  }
  function assert_unreached(description) {
    fail("assert_unreached", description, "Reached unreachable code");
  }
  function assert_implements(condition, description) {
    check(!!condition, "assert_implements", description, "");
  }
  function assert_implements_optional(condition, description) {
    if (!condition) fail("assert_implements_optional", description, "", OptionalFeatureUnsupportedError);
  }
  function assert_any(assert_func, actual, expected_array, ...rest) {
    const errors = [];
    for (let i = 0; i < expected_array.length; i++) {
      try {
        ReflectApply(assert_func, null, [actual, expected_array[i], ...rest]);
        return;
      } catch (e) {
        push(errors, $String(e && e.message));
      }
    }
    fail("assert_any", undefined, errors.join("; "));
  }

  // Runs `func`, which must throw; returns what it threw.
  function thrown(kind, func, description) {
    try {
      call(func, undefined);
    } catch (e) {
      if (e instanceof AssertionError) throw e;
      return e;
    }
    fail(kind, description, format_value(func) + " did not throw");
  }
  function checkJsError(kind, constructor, e, description) {
    check(typeof e === "object" || typeof e === "function", kind, description,
      () => "threw " + format_value(e) + " with type " + typeof e + ", not an object");
    check(e !== null, kind, description, "threw null, not an object");
    check(typeof constructor === "function", kind, description, () => format_value(constructor) + " is not a constructor");
    let isError = false;
    for (let c = constructor; c; c = ObjectGetPrototypeOf(c)) if (typeof c === "function" && c.name === "Error") { isError = true; break; }
    check(isError, kind, description, () => format_value(constructor) + " is not an Error subtype");
    check(e.constructor === constructor && e.name === constructor.name, kind, description,
      () => "threw " + format_value(e) + " (" + format_value(e.name) + ") expected instance of " + format_value(constructor.name));
  }
  function assert_throws_js(constructor, func, description) {
    checkJsError("assert_throws_js", constructor, thrown("assert_throws_js", func, description), description);
  }

  // DOMException names with their legacy codes (https://webidl.spec.whatwg.org/#idl-DOMException-error-names).
  const DOM_CODES = {
    __proto__: null,
    IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4, InvalidCharacterError: 5,
    NoModificationAllowedError: 7, NotFoundError: 8, NotSupportedError: 9, InUseAttributeError: 10,
    InvalidStateError: 11, SyntaxError: 12, InvalidModificationError: 13, NamespaceError: 14,
    InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
    URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23, InvalidNodeTypeError: 24,
    DataCloneError: 25, EncodingError: 0, NotReadableError: 0, UnknownError: 0, ConstraintError: 0,
    DataError: 0, TransactionInactiveError: 0, ReadOnlyError: 0, VersionError: 0, OperationError: 0,
    NotAllowedError: 0, OptOutError: 0,
  };
  const LEGACY_CODES = {
    __proto__: null,
    INDEX_SIZE_ERR: 1, HIERARCHY_REQUEST_ERR: 3, WRONG_DOCUMENT_ERR: 4, INVALID_CHARACTER_ERR: 5,
    NO_MODIFICATION_ALLOWED_ERR: 7, NOT_FOUND_ERR: 8, NOT_SUPPORTED_ERR: 9, INUSE_ATTRIBUTE_ERR: 10,
    INVALID_STATE_ERR: 11, SYNTAX_ERR: 12, INVALID_MODIFICATION_ERR: 13, NAMESPACE_ERR: 14,
    INVALID_ACCESS_ERR: 15, TYPE_MISMATCH_ERR: 17, SECURITY_ERR: 18, NETWORK_ERR: 19, ABORT_ERR: 20,
    URL_MISMATCH_ERR: 21, QUOTA_EXCEEDED_ERR: 22, TIMEOUT_ERR: 23, INVALID_NODE_TYPE_ERR: 24,
    DATA_CLONE_ERR: 25,
  };
  function checkDomError(kind, type, constructor, e, description) {
    let name, code;
    if (typeof type === "number") {
      code = type;
      for (const n in DOM_CODES) if (DOM_CODES[n] === type) { name = n; break; }
      check(type !== 0 && name !== undefined, kind, description, () => "test bug: unknown DOMException code " + type);
    } else if (LEGACY_CODES[type] !== undefined) {
      code = LEGACY_CODES[type];
      for (const n in DOM_CODES) if (DOM_CODES[n] === code) { name = n; break; }
    } else {
      check(DOM_CODES[type] !== undefined, kind, description, () => "test bug: unknown DOMException name " + format_value(type));
      name = type;
      code = DOM_CODES[type];
    }
    check(typeof e === "object" && e !== null, kind, description, () => "threw " + format_value(e) + ", not a DOMException");
    check(e.name === name, kind, description,
      () => "threw " + format_value(e) + " that is not a DOMException " + name + ": property \"name\" is equal to " + format_value(e.name) + ", expected " + format_value(name));
    check(e.code === code, kind, description,
      () => "threw " + format_value(e) + ": property \"code\" is equal to " + format_value(e.code) + ", expected " + code);
    const ctor = constructor || $DOMException;
    check(ctor !== undefined && ObjectGetPrototypeOf(e) === ctor.prototype, kind, description,
      () => "threw " + format_value(e) + " whose prototype is not DOMException.prototype");
  }
  function assert_throws_dom(type, funcOrConstructor, descriptionOrFunc, maybeDescription) {
    let constructor, func, description;
    if (typeof descriptionOrFunc === "function") {
      constructor = funcOrConstructor; func = descriptionOrFunc; description = maybeDescription;
    } else {
      func = funcOrConstructor; description = descriptionOrFunc;
    }
    checkDomError("assert_throws_dom", type, constructor, thrown("assert_throws_dom", func, description), description);
  }
  function assert_throws_exactly(exception, func, description) {
    const e = thrown("assert_throws_exactly", func, description);
    check(same(e, exception), "assert_throws_exactly", description,
      () => "threw " + format_value(e) + " but we expected it to throw " + format_value(exception));
  }
  // QuotaExceededError, a DOMException with `quota` and `requested` (null when not checked).
  function assert_throws_quotaexceedederror(func, requested, quota, description) {
    const e = thrown("assert_throws_quotaexceedederror", func, description);
    const kind = "assert_throws_quotaexceedederror";
    check(typeof e === "object" && e !== null, kind, description, () => "threw " + format_value(e) + ", not an object");
    check(e.name === "QuotaExceededError", kind, description, () => "threw " + format_value(e) + ", not a QuotaExceededError");
    check($DOMException !== undefined && e instanceof $DOMException, kind, description, () => "threw " + format_value(e) + ", not a DOMException");
    if (requested !== null) check(same(e.requested, requested), kind, description, () => "requested is " + format_value(e.requested));
    if (quota !== null) check(same(e.quota, quota), kind, description, () => "quota is " + format_value(e.quota));
  }

  function promise_rejects(test, promise, description, onReject) {
    return then(then(promise, test.unreached_func("Should have rejected: " + description), undefined),
      undefined, onReject);
  }
  function promise_rejects_js(test, constructor, promise, description) {
    return promise_rejects(test, promise, description, (e) => checkJsError("promise_rejects_js", constructor, e, description));
  }
  function promise_rejects_dom(test, type, promiseOrConstructor, descriptionOrPromise, maybeDescription) {
    let constructor, promise, description;
    if (typeof promiseOrConstructor === "function" && !(promiseOrConstructor instanceof $Promise)) {
      constructor = promiseOrConstructor; promise = descriptionOrPromise; description = maybeDescription;
    } else {
      promise = promiseOrConstructor; description = descriptionOrPromise;
    }
    return promise_rejects(test, promise, description, (e) => checkDomError("promise_rejects_dom", type, constructor, e, description));
  }
  function promise_rejects_exactly(test, exception, promise, description) {
    return promise_rejects(test, promise, description, (e) => {
      check(same(e, exception), "promise_rejects_exactly", description,
        () => "threw " + format_value(e) + " but we expected it to throw " + format_value(exception));
    });
  }

  // ---- tests ----
  const state = {
    tests: [],
    names: { __proto__: null },
    doneCalled: false,
    complete: false,
    setupFailed: false,
    harnessStatus: "OK",
    harnessMessage: null,
    multiplier: 1,
    promiseQueue: [],
    promiseRunning: false,
    completionCallbacks: [],
    resultCallbacks: [],
    emit: null,
    finish: null,
    checkScheduled: false,
    emptyChecks: 0,
  };

  function Test(name, properties) {
    let n = wellFormed(name === undefined || name === null || name === "" ? "Untitled" : name);
    // Two subtests of one file with one name are reported apart.
    const seen = state.names[n];
    state.names[n] = (seen || 0) + 1;
    if (seen) n = n + " [" + (seen + 1) + "]";
    this.name = n;
    this.properties = properties || {};
    this.phase = INITIAL;
    this.status = NOTRUN;
    this.message = null;
    this.stack = null;
    this._cleanups = [];
    this._timers = [];
    this._isPromiseTest = false;
    this._abort = null;
    push(state.tests, this);
  }
  const TP = Test.prototype;
  TP.PASS = PASS; TP.FAIL = FAIL; TP.TIMEOUT = TIMEOUT; TP.NOTRUN = NOTRUN; TP.PRECONDITION_FAILED = PRECONDITION_FAILED;
  TP.phases = { INITIAL, STARTED, HAS_RESULT, CLEANING, COMPLETE };
  TP.step = function (func, this_obj, ...args) {
    if (this.phase > STARTED) return undefined;
    this.phase = STARTED;
    try {
      return ReflectApply(func, this_obj === undefined ? this : this_obj, args);
    } catch (e) {
      if (this.phase >= HAS_RESULT) return undefined;
      const status = e instanceof OptionalFeatureUnsupportedError ? PRECONDITION_FAILED : FAIL;
      let message;
      try { message = typeof e === "object" && e !== null ? $String(e.message) : $String(e); } catch { message = "(unprintable exception)"; }
      this.set_status(status, message);
      this.phase = HAS_RESULT;
      this.done();
      return undefined;
    }
  };
  // A function running `func` as a step (`this` is the test unless `this_obj` is given).
  TP.step_func = function (func, this_obj) {
    const test = this;
    if (arguments.length < 2) this_obj = test;
    return (...args) => test.step(func, this_obj, ...args);
  };
  TP.step_func_done = function (func, this_obj) {
    const test = this;
    if (arguments.length < 2) this_obj = test;
    return (...args) => {
      let r;
      if (func) r = test.step(func, this_obj, ...args);
      test.done();
      return r;
    };
  };
  TP.unreached_func = function (description) {
    return this.step_func(() => assert_unreached(description));
  };
  TP.step_timeout = function (func, timeout, ...args) {
    const test = this;
    const id = $setTimeout(() => test.step(() => ReflectApply(func, test, args)), timeout * state.multiplier);
    push(this._timers, id);
    return id;
  };
  TP.step_wait_func = function (cond, func, description, timeout = 3000, interval = 100) {
    const test = this;
    const deadline = DateNow() + timeout * state.multiplier;
    const poll = () => {
      let ok;
      try { ok = cond(); } catch (e) { test.step(() => { throw e; }); return; }
      if (ok) { test.step(func); return; }
      if (DateNow() >= deadline) {
        test.step(() => assert_unreached(description === undefined ? "Timed out waiting on condition" : description));
        return;
      }
      push(test._timers, $setTimeout(poll, interval));
    };
    poll();
  };
  TP.step_wait_func_done = function (cond, func, description, timeout, interval) {
    this.step_wait_func(cond, () => { if (func) func(); this.done(); }, description, timeout, interval);
  };
  TP.step_wait = function (cond, description, timeout = 3000, interval = 100) {
    return new $Promise((resolve) => this.step_wait_func(cond, () => resolve(), description, timeout, interval));
  };
  TP.add_cleanup = function (fn) { push(this._cleanups, fn); };
  TP.get_signal = function () {
    if (this._abort === null) {
      this._abort = new g.AbortController();
      const c = this._abort;
      this.add_cleanup(() => c.abort());
    }
    return this._abort.signal;
  };
  TP.set_status = function (status, message, stack) {
    this.status = status;
    this.message = message === undefined ? null : message;
    this.stack = stack === undefined ? null : stack;
  };
  TP.force_timeout = function () {
    this.set_status(TIMEOUT, "Test timed out");
    this.phase = HAS_RESULT;
    this.done();
  };
  TP.timeout = TP.force_timeout;
  TP.format_status = function () { return STATUS_NAMES[this.status]; };
  TP.done = function () {
    if (this.phase >= CLEANING) return;
    if (this.phase <= STARTED) this.set_status(PASS, null);
    this.phase = CLEANING;
    for (let i = 0; i < this._timers.length; i++) $clearTimeout(this._timers[i]);
    this._timers.length = 0;
    runCleanups(this);
  };
  // Cleanups run at once; a promise test waits for the promises they return.
  function runCleanups(test) {
    const pending = [];
    for (let i = 0; i < test._cleanups.length; i++) {
      try {
        const r = call(test._cleanups[i], undefined);
        if (test._isPromiseTest && r !== null && (typeof r === "object" || typeof r === "function") && typeof r.then === "function") push(pending, r);
      } catch (e) {
        harnessError("cleanup failed: " + messageOf(e));
      }
    }
    test._cleanups.length = 0;
    if (pending.length === 0) { finished(test); return; }
    let left = pending.length;
    for (let i = 0; i < pending.length; i++) {
      then(resolved(pending[i]), () => { if (--left === 0) finished(test); },
        (e) => { harnessError("cleanup rejected: " + messageOf(e)); if (--left === 0) finished(test); });
    }
  }
  function finished(test) {
    if (test.phase === COMPLETE) return;
    test.phase = COMPLETE;
    report(test);
    for (let i = 0; i < state.resultCallbacks.length; i++) {
      try { call(state.resultCallbacks[i], undefined, test); } catch {}
    }
    if (test._isPromiseTest) { state.promiseRunning = false; runNextPromiseTest(); }
    scheduleCheck();
  }
  function messageOf(e) {
    try { return typeof e === "object" && e !== null ? $String(e.message) : $String(e); } catch { return "?"; }
  }
  function harnessError(message) {
    if (state.harnessStatus === "OK") {
      state.harnessStatus = "ERROR";
      state.harnessMessage = message;
    }
  }
  function report(test) {
    if (state.emit === null) return;
    state.emit({ name: test.name, status: STATUS_NAMES[test.status], message: test.message === null ? null : clip(wellFormed(test.message)) });
  }
  const accepting = () => !state.complete && !state.setupFailed;

  function test(func, name, properties) {
    if (!accepting()) return undefined;
    const t = new Test(name, properties);
    t.step(func, t, t);
    if (t.phase === STARTED) t.done();
    return t;
  }
  function async_test(func, name, properties) {
    if (typeof func !== "function") { properties = name; name = func; func = null; }
    const t = new Test(name, properties);
    if (!accepting()) { t.phase = COMPLETE; return t; }
    if (func) t.step(func, t, t);
    return t;
  }
  function promise_test(func, name, properties) {
    if (!accepting()) return;
    const t = new Test(name, properties);
    t._isPromiseTest = true;
    t._func = func;
    push(state.promiseQueue, t);
    if (!state.promiseRunning) {
      state.promiseRunning = true;
      // Promise tests start after the code that defined them, one at a time.
      then(resolved(undefined), () => { state.promiseRunning = false; runNextPromiseTest(); });
    }
  }
  function runNextPromiseTest() {
    if (state.promiseRunning || state.complete) return;
    let t;
    for (;;) {
      if (state.promiseQueue.length === 0) { scheduleCheck(); return; }
      t = state.promiseQueue[0];
      for (let i = 1; i < state.promiseQueue.length; i++) state.promiseQueue[i - 1] = state.promiseQueue[i];
      state.promiseQueue.length--;
      if (t.phase === INITIAL) break;
    }
    state.promiseRunning = true;
    const p = t.step(t._func, t, t);
    if (t.phase > STARTED) return;
    t.step(() => {
      check(p !== null && (typeof p === "object" || typeof p === "function") && typeof p.then === "function",
        "promise_test", undefined, () => "test body must return a 'thenable' object (received " + format_value(p) + ")");
    });
    if (t.phase > STARTED) return;
    then(resolved(p), () => t.done(), (e) => {
      t.step(() => { throw e; });
    });
  }
  function promise_setup(func, properties) {
    if (properties) setup(properties);
    if (typeof func !== "function") return;
    // Runs before every promise test defined after it; a rejection stops them all.
    const t = { __setup: true };
    state.promiseRunning = true;
    then(resolved(undefined), () => {
      let p;
      try { p = func(); } catch (e) { p = call($Promise.reject, $Promise, e); }
      then(resolved(p), () => { state.promiseRunning = false; runNextPromiseTest(); }, (e) => {
        harnessError("promise_setup failed: " + messageOf(e));
        state.setupFailed = true;
        state.promiseQueue.length = 0;
        state.promiseRunning = false;
        scheduleCheck();
      });
    });
    return t;
  }
  function setup(funcOrProperties, maybeProperties) {
    let func = null, properties = {};
    if (typeof funcOrProperties === "function") { func = funcOrProperties; properties = maybeProperties || {}; }
    else if (funcOrProperties) properties = funcOrProperties;
    if (typeof properties.timeout_multiplier === "number") state.multiplier = properties.timeout_multiplier;
    if (func !== null) {
      try {
        func();
      } catch (e) {
        if (e instanceof OptionalFeatureUnsupportedError) harnessError("PRECONDITION_FAILED: " + messageOf(e));
        else harnessError("setup failed: " + messageOf(e));
        state.setupFailed = true;
      }
    }
  }
  function done() {
    state.doneCalled = true;
    scheduleCheck();
  }
  function generate_tests(func, args, properties) {
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const params = [];
      for (let j = 1; j < a.length; j++) push(params, a[j]);
      test(function () { return ReflectApply(func, this, params); }, a[0], properties);
    }
  }
  function step_timeout(func, timeout, ...args) {
    return $setTimeout(() => ReflectApply(func, undefined, args), timeout * state.multiplier);
  }
  function add_completion_callback(fn) { push(state.completionCallbacks, fn); }
  function add_result_callback(fn) { push(state.resultCallbacks, fn); }
  function add_start_callback() {}
  function add_test_state_callback() {}

  // The file is finished once done() ran and every subtest finished. Checked a turn of the
  // event loop later, so subtests that tests define from promise reactions are counted.
  // A file that has defined no subtest yet is given a second (its tests may come from a
  // promise that settles later).
  function scheduleCheck(delay) {
    if (state.checkScheduled || state.complete) return;
    state.checkScheduled = true;
    $setTimeout(() => {
      state.checkScheduled = false;
      if (state.complete || !state.doneCalled || state.promiseRunning || state.promiseQueue.length > 0) return;
      for (let i = 0; i < state.tests.length; i++) if (state.tests[i].phase !== COMPLETE) return;
      if (state.tests.length === 0 && !state.setupFailed && state.harnessStatus === "OK" && state.emptyChecks++ < 20) {
        scheduleCheck(50);
        return;
      }
      complete();
    }, delay || 0);
  }
  function complete() {
    if (state.complete) return;
    state.complete = true;
    for (let i = 0; i < state.completionCallbacks.length; i++) {
      try { call(state.completionCallbacks[i], undefined, state.tests, { status: state.harnessStatus, message: state.harnessMessage }); } catch {}
    }
    if (state.finish !== null) state.finish();
  }
  // The file's time is up: subtests still running time out, the others never ran.
  function timeoutAll() {
    if (state.complete) return;
    if (state.harnessStatus === "OK") { state.harnessStatus = "TIMEOUT"; state.harnessMessage = null; }
    for (let i = 0; i < state.tests.length; i++) {
      const t = state.tests[i];
      if (t.phase === COMPLETE) continue;
      if (t.phase < HAS_RESULT) t.set_status(t.phase === INITIAL ? NOTRUN : TIMEOUT, "Test timed out");
      t.phase = COMPLETE;
      report(t);
    }
    state.promiseQueue.length = 0;
    complete();
  }

  // ---- the environment a dedicated worker would give ----
  const GLOBAL = { isWindow: () => false, isWorker: () => true, isShadowRealm: () => false };
  const api = {
    test, async_test, promise_test, promise_setup, setup, done, generate_tests, step_timeout,
    format_value, add_completion_callback, add_result_callback, add_start_callback, add_test_state_callback,
    assert_true, assert_false, assert_equals, assert_not_equals, assert_in_array, assert_object_equals,
    assert_array_equals, assert_array_approx_equals, assert_approx_equals, assert_less_than,
    assert_greater_than, assert_less_than_equal, assert_greater_than_equal, assert_between_exclusive,
    assert_between_inclusive, assert_regexp_match, assert_class_string, assert_own_property,
    assert_not_own_property, assert_inherits, assert_idl_attribute, assert_readonly, assert_unreached,
    assert_implements, assert_implements_optional, assert_any, assert_throws_js, assert_throws_dom,
    assert_throws_exactly, assert_throws_quotaexceedederror, promise_rejects_js, promise_rejects_dom,
    promise_rejects_exactly, AssertionError, OptionalFeatureUnsupportedError, GLOBAL,
  };
  for (const k of ObjectKeys(api)) {
    ObjectDefineProperty(g, k, { value: api[k], writable: true, configurable: true, enumerable: false });
  }

  // A WorkerLocation-like `location` (subset-tests read the variant from `location.search`).
  function installLocation(href) {
    if (g.location !== undefined) return;
    const u = new $URL(href);
    const loc = {
      href: u.href, origin: u.origin, protocol: u.protocol, host: u.host, hostname: u.hostname,
      port: u.port, pathname: u.pathname, search: u.search, hash: u.hash,
      toString() { return u.href; },
    };
    ObjectDefineProperty(g, "location", { value: loc, writable: true, configurable: true, enumerable: false });
  }
  // The JSON resources a file fetches (there is no WPT server): `fetch` of one of them, by a
  // URL relative to the file, answers it; anything else goes to the real `fetch`.
  function installResources(base, resources) {
    if (ObjectKeys(resources).length === 0) return;
    const wrapped = function fetch(input, init) {
      if (typeof input === "string") {
        let u = null;
        try { u = new $URL(input, base); } catch {}
        if (u !== null && u.origin === new $URL(base).origin) {
          const key = call(sliceStr, u.pathname, 1);
          if (hasOwn(resources, key)) {
            const r = resources[key];
            const body = r.text !== undefined ? r.text : decodeBase64(r.base64);
            const type = call(regexpTest, /\.json$/, key) ? "application/json" : "application/octet-stream";
            return resolved(new $Response(body, { headers: { "content-type": type } }));
          }
        }
      }
      return ReflectApply($fetch, g, arguments);
    };
    ObjectDefineProperty(g, "fetch", { value: wrapped, writable: true, configurable: true, enumerable: true });
  }

  function decodeBase64(text) {
    const bin = $atob(text);
    const out = new $Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = call(charCodeAt, bin, i);
    return out;
  }

  // Answers the request with the file's results as they come.
  function serve(load, config) {
    const href = "https://web-platform.test:8443/" + config.file + config.variant;
    installLocation(href);
    installResources(href, config.resources);
    const encoder = new $TextEncoder();
    const encode = encoder.encode.bind(encoder);
    const stream = new $TransformStream();
    const writer = stream.writable.getWriter();
    const write = writer.write.bind(writer);
    const close = writer.close.bind(writer);
    let pending = "";
    let flushScheduled = false;
    const flush = () => {
      flushScheduled = false;
      if (pending === "") return;
      const chunk = pending;
      pending = "";
      then(write(encode(chunk)), undefined, () => {});
    };
    state.emit = (result) => {
      pending += $stringify(result) + "\n";
      if (!flushScheduled) { flushScheduled = true; $setTimeout(flush, 0); }
    };
    const timer = $setTimeout(timeoutAll, config.timeoutMs);
    state.finish = () => {
      $clearTimeout(timer);
      // Results not reported yet (a test that never finished when the harness completed).
      for (let i = 0; i < state.tests.length; i++) {
        const t = state.tests[i];
        if (t.phase !== COMPLETE) { t.phase = COMPLETE; report(t); }
      }
      pending += $stringify({ done: true, harness: state.harnessStatus, message: state.harnessMessage === null ? null : clip(wellFormed(state.harnessMessage)) }) + "\n";
      flush();
      then(close(), undefined, () => {});
    };
    try {
      call(load, g);
    } catch (e) {
      let message = messageOf(e);
      try { if (e && e.stack) message += "\n" + $String(e.stack); } catch {}
      harnessError("the file threw: " + message);
    }
    done();
    return new $Response(stream.readable, { headers: { "content-type": "application/x-ndjson" } });
  }

  return { serve };
})();
