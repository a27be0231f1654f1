//! Tests of the native `JSON.stringify` ([`super::install`]): differential against QuickJS's
//! own, which the test isolate keeps as `originalStringify`. Each case builds its input twice
//! (once per implementation) with a `log` array that getters, `toJSON` methods and Proxy traps
//! append to, and compares result type, result text, error class and message, and the log.

use std::sync::Arc;

use crate::testing::run_js;
use rquickjs::{Ctx, Object, Value};

/// Installs the native `JSON` functions, keeping the originals as `originalStringify` and
/// `originalParse`.
struct NativeJson;

impl crate::Extension for NativeJson {
    fn name(&self) -> &'static str {
        "json-test"
    }

    fn init<'js>(&self, ctx: &Ctx<'js>, _internal: &Object<'js>) -> rquickjs::Result<()> {
        let json: Object = ctx.globals().get("JSON")?;
        let stringify: Value = json.get("stringify")?;
        let parse: Value = json.get("parse")?;
        super::install(ctx)?;
        ctx.globals().set("originalStringify", stringify)?;
        ctx.globals().set("originalParse", parse)?;
        Ok(())
    }
}

/// The comparison harness: `cmp(label, make)` runs `make(log)` once per implementation.
const HARNESS: &str = r#"
const native = JSON.stringify;
const original = globalThis.originalStringify;
if (native === original || typeof original !== "function") throw new Error("native JSON.stringify is not installed");
const ascii = (s) => String(s).replace(/[^\x20-\x7e]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
function outcome(f, make) {
  const log = [];
  const v = make(log);
  try {
    const r = f(v);
    return [typeof r, r, log.join("|")];
  } catch (e) {
    const name = e && e.constructor ? e.constructor.name : typeof e;
    return ["throw", name, String(e && e.message !== undefined ? e.message : e), log.join("|")];
  }
}
let checked = 0;
const mismatches = [];
function cmp(label, make) {
  checked++;
  const a = outcome(native, make);
  const b = outcome(original, make);
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
    mismatches.push(ascii(label) + "\n  native:   " + ascii(a.join(" ; ")).slice(0, 400) + "\n  original: " + ascii(b.join(" ; ")).slice(0, 400));
  }
}
const val = (v) => () => v;
function done() {
  return { checked, mismatches: mismatches.slice(0, 8), mismatchCount: mismatches.length };
}
"#;

/// Runs `cases` (JS calling `cmp`) and asserts every case matched; returns the number checked.
fn differential(cases: &str) -> u64 {
    run_differential(HARNESS, cases)
}

/// Runs `cases` after `harness` (which defines `cmp` and a `done()` returning `{checked,
/// mismatches, mismatchCount}`) in an isolate with the native `JSON` functions, and asserts
/// every case matched; returns the number checked.
pub(super) fn run_differential(harness: &str, cases: &str) -> u64 {
    let script = format!("{harness}\n{cases}\nreturn done();");
    let out = match run_js(vec![Arc::new(NativeJson)], &script) {
        Ok(v) => v,
        Err(e) => panic!("script threw: {e}"),
    };
    let v: serde_json::Value = serde_json::from_str(&out).expect("harness output is JSON");
    let count = v["mismatchCount"].as_u64().expect("count");
    if count > 0 {
        let list: Vec<String> = v["mismatches"]
            .as_array()
            .expect("list")
            .iter()
            .map(|m| m.as_str().unwrap_or_default().to_string())
            .collect();
        panic!("{count} mismatches, first ones:\n{}", list.join("\n"));
    }
    v["checked"].as_u64().expect("checked")
}

/// Runs `script` in an isolate with the native `JSON` functions; its result as JSON text.
pub(super) fn js(script: &str) -> String {
    match run_js(vec![Arc::new(NativeJson)], script) {
        Ok(v) => v,
        Err(e) => panic!("script threw: {e}"),
    }
}

#[test]
fn function_shape_matches_the_original() {
    let out = js(r#"
        const d = Object.getOwnPropertyDescriptor(JSON, "stringify");
        const o = Object.getOwnPropertyDescriptor(JSON, "parse");
        let newThrows = null;
        try { new JSON.stringify({}); } catch (e) { newThrows = e.constructor.name; }
        const s = JSON.stringify;
        return [JSON.stringify.length, JSON.stringify.name, d.writable, d.enumerable, d.configurable,
                o.enumerable, newThrows, s({a: [1]}), JSON.stringify(), typeof JSON.stringify(undefined),
                Object.getPrototypeOf(JSON.stringify) === Function.prototype,
                JSON.stringify !== originalStringify, Object.keys(JSON).length];
    "#);
    assert_eq!(
        out,
        r#"[3,"stringify",true,false,true,false,"TypeError","{\"a\":[1]}",null,"undefined",true,true,0]"#
    );
}

#[test]
fn basic_values_match() {
    let n = differential(
        r#"
        for (const v of [null, true, false, 0, 1, -1, "", "a", [], {}, [[]], [{}], {a: {}}, {a: []},
                         undefined, () => 1, Symbol("s"), [undefined, () => 1, Symbol("x")],
                         {a: undefined, b: () => 1, c: Symbol("x"), d: 1},
                         {a: 1, b: "two", c: [3, "4", {d: null}], e: {f: {g: {h: [true, false]}}}},
                         [1, [2, [3, [4, [5]]]]], {"": 1, " ": 2, "a b": 3}].entries()) {
          cmp("basic #" + v[0], val(v[1]));
        }
        cmp("no args", () => undefined);
        "#,
    );
    assert!(n > 20);
}

#[test]
fn numbers_match_number_to_string() {
    let n = differential(
        r#"
        const nums = [0, -0, 1, -1, 0.1, 0.2, 0.1 + 0.2, 1e21, 1e20, 1e-7, 1e-6, 123e-20, 5e-324, -5e-324,
          1.7976931348623157e308, -1.7976931348623157e308, Number.MIN_VALUE, Number.EPSILON,
          2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 53 - 1, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 32, 2 ** 64,
          1 / 3, 2 / 3, 100, 4.35, 0.000001, 1234567890123456789, 1e100, 1.5e300, 9.999999999999999e22,
          NaN, Infinity, -Infinity, 0.5 * 2, 3.0, -3.5, 1e-323, 2.2250738585072014e-308,
          2.225073858507201e-308, 123456.789, 1e15, 1e16, 1e17, 12345678901234567890, 0.1 * 3, 1.005,
          4503599627370497, 9007199254740993, 5e-7, 1.2e-6, 25, 1e6, 1e7];
        for (const x of nums) {
          cmp("number " + x, val(x));
          cmp("number in array " + x, val([x, -x]));
          cmp("number in object " + x, val({x}));
        }
        // Random doubles from random bit patterns (including subnormals, NaNs and infinities),
        // and random "human" numbers.
        let seed = 12345;
        const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed; };
        const f64 = new Float64Array(1);
        const u32 = new Uint32Array(f64.buffer);
        for (let round = 0; round < 20; round++) {
          const arr = [];
          for (let i = 0; i < 500; i++) { u32[0] = rnd(); u32[1] = rnd(); arr.push(f64[0]); }
          for (let i = 0; i < 500; i++) arr.push(Math.round((rnd() / 4294967296 - 0.5) * 10 ** (rnd() % 12)) / 10 ** (rnd() % 8));
          for (let i = 0; i < 100; i++) arr.push((rnd() | 0), rnd() * 1024, (rnd() | 0) / 7);
          cmp("random doubles " + round, val(arr));
        }
        "#,
    );
    assert!(n > 150);
}

#[test]
fn strings_escape_like_the_original() {
    let n = differential(
        r#"
        // Every single UTF-16 code unit, in one array and one by one in object values and keys.
        const all = [];
        for (let c = 0; c < 0x10000; c++) all.push(String.fromCharCode(c));
        cmp("all code units", val(all));
        cmp("all code units joined", val(all.join("")));
        const keyed = {};
        for (let c = 0; c < 0x10000; c += 7) keyed[String.fromCharCode(c) + "k"] = c;
        cmp("keys with every 7th code unit", val(keyed));
        const samples = ["\ud800", "\udbff", "\udc00", "\udfff", "\ud83d\ude00", "\ude00\ud83d", "a\ud800b",
          "\ud800\ud800", "\udc00\udc00", "\ud800\udc00\udc00", "\ud800\ud800\udc00", "x\ud83dy", "\ud83d",
          "😀🎉👍🏽", "é", "ÿ", "\u0100", "\u2028\u2029", "\ud7ff", "\ue000", "\uffff", "\ufeff", "\u0000",
          "\u001f", "\u007f", "\u0080", "\b\f\n\r\t\v", "\"\\/", "'", "<\/script>", "日本語テキスト",
          "mixed é 😀 \ud800 \n end", "\u00e9".repeat(1000), "😀".repeat(500), "a".repeat(10000)];
        for (const s of samples) {
          cmp("string " + s, val(s));
          cmp("key " + s, val({[s]: s}));
          cmp("boxed " + s, () => new String(s));
        }
        // Ropes (built by concatenation) and substrings.
        let rope = "";
        for (let i = 0; i < 200; i++) rope += "part" + i + "\ud83d\ude00";
        cmp("rope", val(rope));
        cmp("rope in object", val({rope, sub: rope.slice(3, 50), lone: rope.slice(5, 10) + rope.slice(11, 12)}));
        "#,
    );
    assert!(n > 100);
}

#[test]
fn objects_keys_and_exotics_match() {
    let n = differential(
        r#"
        cmp("integer-like key order", val({b: 1, 2: 2, 1: 3, a: 4, "4294967295": 5, "4294967294": 6, "-1": 7, "01": 8, "1.5": 9, 10: 10}));
        cmp("insertion order", () => { const o = {}; o.z = 1; o.y = 2; o[5] = 3; o.x = 4; o[0] = 5; delete o.y; o.y = 6; return o; });
        cmp("symbol keys", val({a: 1, [Symbol("s")]: 2, [Symbol.iterator]: 3, b: 4}));
        cmp("non-enumerable", () => Object.defineProperties({a: 1}, {h: {value: 2, enumerable: false}, v: {value: 3, enumerable: true}}));
        cmp("null prototype", () => Object.assign(Object.create(null), {a: 1, b: [2]}));
        cmp("inherited props skipped", () => Object.create({inherited: 1}, {own: {value: 2, enumerable: true}}));
        cmp("class instance", () => { class P { #secret = 1; constructor() { this.x = 1; this.y = [2]; } get z() { return 3; } method() {} } return new P(); });
        cmp("Map", () => new Map([[1, 2]]));
        cmp("Set", () => new Set([1, 2]));
        cmp("WeakMap", () => new WeakMap());
        cmp("Map with props", () => Object.assign(new Map([[1, 2]]), {extra: 1}));
        cmp("Uint8Array", () => new Uint8Array([1, 2, 255]));
        cmp("Float64Array", () => new Float64Array([1.5, NaN, -0, 1e21]));
        cmp("Int32Array in object", () => ({t: new Int32Array([-1, 2])}));
        cmp("BigInt64Array", () => new BigInt64Array([1n]));
        cmp("empty BigInt64Array", () => new BigInt64Array(0));
        cmp("ArrayBuffer", () => new ArrayBuffer(8));
        cmp("DataView", () => new DataView(new ArrayBuffer(8)));
        cmp("Error", () => new TypeError("boom"));
        cmp("Error with props", () => Object.assign(new Error("x"), {code: 7}));
        cmp("RegExp", () => /ab+c/gi);
        cmp("Promise", () => Promise.resolve(1));
        cmp("arguments", () => (function () { return arguments; })(1, "a", [2]));
        cmp("function with props", () => Object.assign(function f() {}, {a: 1}));
        cmp("function with toJSON", () => Object.assign(function f() {}, {toJSON() { return "fn"; }}));
        cmp("object holding function with toJSON", () => ({f: Object.assign(() => 1, {toJSON: () => [1]})}));
        cmp("array with extra props", () => Object.assign([1, 2], {foo: "bar"}));
        cmp("sparse array", () => { const a = [1, , 3]; a[10] = 4; return a; });
        cmp("array with holes only", () => new Array(5));
        cmp("array length grown", () => { const a = [1]; a.length = 4; return a; });
        cmp("object with length", val({length: 2, 0: "a", 1: "b"}));
        cmp("globalThis-like nesting", val({a: {b: {c: {d: {e: {f: {g: {}}}}}}}}));
        cmp("frozen", () => Object.freeze({a: [1, Object.freeze({b: 2})]}));
        cmp("module-like symbol tag", () => ({[Symbol.toStringTag]: "X", a: 1}));
        cmp("many keys", () => { const o = {}; for (let i = 0; i < 2000; i++) o["k" + (i * 7919 % 2000)] = i; return o; });
        cmp("many objects sharing keys", () => Array.from({length: 300}, (_, i) => ({id: i, name: "n" + i, tags: ["a", "b"], nested: {ok: i % 2 === 0, score: i * 1.5}})));
        cmp("key like __proto__", () => JSON.parse('{"__proto__": 1, "a": 2}'));
        cmp("numeric keys on array-like object", () => { const o = {}; for (let i = 20; i >= 0; i--) o[i] = i; o.x = 1; return o; });
        cmp("JSON.rawJSON", () => JSON.rawJSON("1e1000"));
        cmp("JSON.rawJSON nested", () => ({a: JSON.rawJSON('"x\\u0000"'), b: [JSON.rawJSON("-0"), JSON.rawJSON("null")]}));
        cmp("Symbol object", () => Object(Symbol("s")));
        "#,
    );
    assert!(n > 40);
}

#[test]
fn to_json_boxed_primitives_and_dates_match() {
    let n = differential(
        r#"
        cmp("Date", () => new Date(Date.UTC(2020, 1, 29, 12, 34, 56, 789)));
        cmp("Date in object", () => ({when: new Date(0), list: [new Date(1e12)]}));
        cmp("invalid Date", () => new Date(NaN));
        cmp("Date with own toJSON", () => Object.assign(new Date(0), {toJSON() { return "own"; }}));
        cmp("toJSON key top", () => ({toJSON(k) { return [k, typeof k, this === undefined]; }}));
        cmp("toJSON key in array", (log) => [0, 1, 2].map(() => ({toJSON(k) { log.push(typeof k + ":" + k); return k; }})));
        cmp("toJSON key in object", (log) => ({alpha: {toJSON(k) { log.push(k); return k + "!"; }}, 7: {toJSON(k) { log.push(typeof k + k); return 1; }}, "\ud800": {toJSON(k) { return k; }}}));
        cmp("toJSON this", () => { const o = {v: 5, toJSON() { return this.v; }}; return [o, {o}]; });
        cmp("toJSON on prototype", () => { class C { constructor(x) { this.x = x; } toJSON() { return {wrapped: this.x}; } } return [new C(1), {c: new C([2])}]; });
        cmp("toJSON returning undefined", () => ({a: {toJSON() {}}, b: [{toJSON() {}}], c: 1}));
        cmp("toJSON returning function", () => ({a: {toJSON() { return () => 1; }}, b: [{toJSON() { return Symbol(); }}]}));
        cmp("toJSON returning object with toJSON", () => ({toJSON() { return {toJSON() { return "inner"; }}; }}));
        cmp("toJSON not a function", () => ({toJSON: 5, a: 1}));
        cmp("toJSON getter", (log) => ({get toJSON() { log.push("get toJSON"); return () => "got"; }}));
        cmp("toJSON returning BigInt", () => ({toJSON() { return 1n; }}));
        cmp("Number object", () => [new Number(3), new Number(-0), new Number(NaN), new Number(1.5)]);
        cmp("String object", () => ({s: new String("x\ny")}));
        cmp("Boolean object", () => [new Boolean(false), new Boolean(true)]);
        cmp("Number object with valueOf", (log) => Object.assign(new Number(1), {valueOf() { log.push("valueOf"); return 42; }}));
        cmp("Number object with valueOf returning string", () => Object.assign(new Number(1), {valueOf() { return "7"; }}));
        cmp("String object with toString", (log) => Object.assign(new String("a"), {toString() { log.push("toString"); return "b"; }}));
        cmp("Boolean object with valueOf", () => Object.assign(new Boolean(false), {valueOf() { return true; }}));
        cmp("String object with props", () => Object.assign(new String("ab"), {x: 1}));
        cmp("Number subclass", () => { class N extends Number {} return new N(5); });
        cmp("throwing valueOf", () => Object.assign(new Number(1), {valueOf() { throw new RangeError("nope"); }}));
        cmp("BigInt object", () => Object(1n));
        cmp("nested stringify from toJSON", () => ({a: {toJSON() { return JSON.stringify({x: [1, {y: "z"}]}); }}, b: [{toJSON(k) { return JSON.stringify([k, this]); }}]}));
        cmp("nested stringify of the same object from a getter", () => ({b: [1, {c: 2}], get a() { return JSON.stringify(this.b); }}));
        cmp("key churn within one call", () => {
          const mk = (i) => ({["uniqueKeyNumber" + i]: i, get next() { delete this["uniqueKeyNumber" + i]; return i < 50 ? mk(i + 1) : null; }});
          return [mk(0), mk(0)];
        });
        "#,
    );
    assert!(n > 20);
}

#[test]
fn getters_proxies_and_mutation_match() {
    let n = differential(
        r#"
        cmp("getter", (log) => ({a: 1, get b() { log.push("get b"); return [2]; }, c: 3}));
        cmp("getter returning undefined", (log) => ({get a() { log.push("a"); }, b: 1}));
        cmp("getter deletes later key", () => { const o = {get a() { delete this.b; return 1; }, b: 2, c: 3}; return o; });
        cmp("getter adds key", () => ({get a() { this.z = 1; return 1; }, b: 2}));
        cmp("getter changes later value", () => ({get a() { this.b = {changed: true}; return 1; }, b: 2}));
        cmp("getter grows array", () => { const a = [1, 2]; Object.defineProperty(a, 0, {get() { a.push(9); return 1; }}); return a; });
        cmp("array index getter", (log) => { const a = [1, 2, 3]; Object.defineProperty(a, 1, {get() { log.push("idx1"); return "g"; }, enumerable: true}); return a; });
        cmp("getter on prototype chain is not own", () => Object.create({get x() { return 1; }}));
        const trapLog = (log, target) => new Proxy(target, {
          get(t, k, r) { log.push("get " + String(k)); return Reflect.get(t, k, r); },
          ownKeys(t) { log.push("ownKeys"); return Reflect.ownKeys(t); },
          getOwnPropertyDescriptor(t, k) { log.push("gopd " + String(k)); return Reflect.getOwnPropertyDescriptor(t, k); },
          has(t, k) { log.push("has " + String(k)); return Reflect.has(t, k); },
        });
        cmp("proxy object", (log) => trapLog(log, {a: 1, b: [2], [Symbol("s")]: 3, 1: "one"}));
        cmp("proxy array", (log) => trapLog(log, [1, {x: 2}, , "s"]));
        cmp("nested proxies", (log) => trapLog(log, {inner: trapLog(log, [trapLog(log, {deep: true})])}));
        cmp("proxy of proxy of array", (log) => new Proxy(trapLog(log, [1, 2]), {}));
        cmp("proxy with non-enumerable", (log) => trapLog(log, Object.defineProperty({a: 1}, "h", {value: 2})));
        cmp("proxy ownKeys lies", (log) => new Proxy({a: 1}, {ownKeys() { log.push("ownKeys"); return ["a", "ghost"]; }}));
        cmp("proxy gopd says non-enumerable", () => new Proxy({a: 1, b: 2}, {getOwnPropertyDescriptor(t, k) { const d = Reflect.getOwnPropertyDescriptor(t, k); if (k === "a") d.enumerable = false; return d; }}));
        cmp("proxy length", (log) => new Proxy([1, 2, 3], {get(t, k, r) { log.push(String(k)); return k === "length" ? 2 : Reflect.get(t, k, r); }}));
        cmp("proxy of function", () => ({f: new Proxy(function () {}, {})}));
        cmp("proxy of Date", () => ({d: new Proxy(new Date(0), {})}));
        cmp("revoked proxy", () => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; });
        cmp("revoked proxy nested", () => { const r = Proxy.revocable([], {}); r.revoke(); return {a: r.proxy}; });
        cmp("throwing ownKeys", () => new Proxy({}, {ownKeys() { throw new SyntaxError("keys"); }}));
        cmp("throwing get trap", () => ({a: new Proxy({x: 1}, {get() { throw new EvalError("get"); }})}));
        cmp("array-like via proxy huge length", () => ({a: new Proxy([], {get(t, k) { return k === "length" ? 3 : undefined; }})}));
        "#,
    );
    assert!(n > 20);
}

#[test]
fn errors_match() {
    let n = differential(
        r#"
        cmp("cycle object", () => { const o = {a: 1}; o.self = o; return o; });
        cmp("cycle array", () => { const a = [1]; a.push(a); return a; });
        cmp("cycle deep", () => { const o = {a: {b: {c: {}}}}; o.a.b.c.back = o.a; return o; });
        cmp("cycle via toJSON", () => { const o = {}; o.x = {toJSON() { return o; }}; return o; });
        cmp("cycle via proxy", () => { const o = {}; o.p = new Proxy(o, {}); o.p2 = o; return o; });
        cmp("same object twice is fine", () => { const s = {x: 1}; return [s, s, {s}]; });
        cmp("BigInt", val(1n));
        cmp("BigInt big", val(2n ** 100n));
        cmp("BigInt nested", val({a: [1, {b: 10n}]}));
        cmp("BigInt after output", val(["x".repeat(1000), 5n]));
        cmp("BigInt object nested", () => ({a: Object(3n)}));
        cmp("throwing getter", () => ({a: 1, get b() { throw new URIError("getter boom"); }}));
        cmp("throwing getter non-error", () => ({get b() { throw "plain string"; }}));
        cmp("throwing toJSON", () => [1, {toJSON() { throw new TypeError("toJSON boom"); }}]);
        cmp("throwing toJSON getter", () => ({a: {get toJSON() { throw new Error("lookup boom"); }}}));
        cmp("throwing toString on boxed", () => ({s: Object.assign(new String("a"), {toString() { throw new Error("ts"); }, valueOf() { throw new Error("vo"); }})}));
        cmp("throwing length", () => new Proxy([], {get(t, k) { if (k === "length") throw new Error("len"); }}));
        cmp("length that is a symbol", () => new Proxy([], {get(t, k) { if (k === "length") return Symbol(); }}));
        "#,
    );
    assert!(n > 15);
    // The native path throws the same instance the getter threw.
    let out = js(r#"
        const err = new Error("mine");
        try { JSON.stringify({get a() { throw err; }}); } catch (e) { return e === err; }
        return "no throw";
    "#);
    assert_eq!(out, "true");
}

#[test]
fn bigint_with_to_json_and_primitive_prototype_to_json() {
    // Mutates intrinsics, so it runs in its own isolate.
    let n = differential(
        r#"
        BigInt.prototype.toJSON = function (k) { return "big:" + this.toString() + ":" + k; };
        Number.prototype.toJSON = function () { return "never called for primitives"; };
        String.prototype.toJSON = function () { return "never"; };
        Symbol.prototype.toJSON = function () { return "never"; };
        Boolean.prototype.valueOf = function () { return "patched valueOf is not used"; };
        cmp("BigInt with toJSON", val(5n));
        cmp("BigInt with toJSON nested", val({a: [1n, {b: 2n ** 80n}]}));
        cmp("BigInt object with toJSON", () => Object(7n));
        cmp("primitives ignore prototype toJSON", val([1, "s", true, null, 1.5, {n: 2}]));
        cmp("symbol ignores prototype toJSON", val([Symbol("x")]));
        cmp("boolean object with patched prototype valueOf", () => [new Boolean(true), new Boolean(false)]);
        Object.prototype.toJSON = function (k) { return "obj:" + k; };
        cmp("Object.prototype.toJSON", val({a: {b: 1}, c: [1, {}]}));
        delete Object.prototype.toJSON;
        Array.prototype.toJSON = function (k) { return this.length; };
        cmp("Array.prototype.toJSON", val({a: [1, 2, 3], b: [[]]}));
        "#,
    );
    assert!(n >= 8);
}

#[test]
fn deep_nesting_overflows_like_the_original() {
    let n = differential(
        r#"
        const nest = (n, f) => { let v = 0; for (let i = 0; i < n; i++) v = f(v); return v; };
        for (const depth of [10, 100, 500, 1000]) {
          cmp("arrays " + depth, () => nest(depth, (v) => [v]));
          cmp("objects " + depth, () => nest(depth, (v) => ({v})));
          cmp("mixed " + depth, () => nest(depth, (v) => (depth % 2 ? [v, 1] : {a: v, b: "x"})));
        }
        cmp("arrays 100000", () => nest(100000, (v) => [v]));
        cmp("objects 100000", () => nest(100000, (v) => ({v})));
        cmp("toJSON chain 100000", () => nest(100000, (v) => ({toJSON() { return [v]; }})));
        "#,
    );
    assert!(n >= 15);
    let out = js(r#"
        let v = 0;
        for (let i = 0; i < 100000; i++) v = {v};
        let first;
        try { JSON.stringify(v); } catch (e) { first = e.constructor.name + ": " + e.message; }
        // The isolate is usable afterwards, and a moderate depth works.
        let w = 0;
        for (let i = 0; i < 200; i++) w = [w];
        return [first, JSON.stringify(w).length, JSON.stringify({ok: 1})];
    "#);
    assert_eq!(
        out,
        r#"["RangeError: Maximum call stack size exceeded",401,"{\"ok\":1}"]"#
    );
}

#[test]
fn deep_nesting_limit_is_close_to_the_originals() {
    // The deepest nesting each implementation serialises before its RangeError: the native one
    // charges each level about what a level of the original's recursion uses.
    let out = js(r#"
        const deepest = (f, make) => {
          let lo = 1, hi = 20000;
          while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            let v = 0;
            for (let i = 0; i < mid; i++) v = make(v);
            try { f(v); lo = mid; } catch (e) { if (!(e instanceof RangeError)) throw e; hi = mid - 1; }
          }
          return lo;
        };
        const arr = (v) => [v], obj = (v) => ({v});
        return [deepest(JSON.stringify, arr), deepest(originalStringify, arr),
                deepest(JSON.stringify, obj), deepest(originalStringify, obj)];
    "#);
    let v: Vec<f64> = serde_json::from_str(&out).expect("numbers");
    eprintln!(
        "deepest nesting: arrays native {} original {}; objects native {} original {}",
        v[0], v[1], v[2], v[3]
    );
    for (native, original) in [(v[0], v[1]), (v[2], v[3])] {
        assert!(
            native >= 1000.0 && (native - original).abs() <= original * 0.1,
            "{out}"
        );
    }
}

#[test]
fn fallback_paths_match() {
    let n = differential(
        r#"
        const doc = {a: [1, "x", {b: null}], c: "é😀", d: undefined, e: new Date(0)};
        cmp("replacer function", () => doc);
        const withArgs = (...args) => (f) => f(...args);
        const pairs = [
          ["replacer fn", [doc, (k, v) => (typeof v === "number" ? v * 2 : v)]],
          ["replacer array", [doc, ["a", "c", 0, 1]]],
          ["space 2", [doc, null, 2]],
          ["space tab", [doc, undefined, "\t"]],
          ["space 0", [doc, null, 0]],
          ["space empty string", [doc, null, ""]],
          ["space object", [doc, null, new Number(3)]],
          ["replacer non-callable object", [doc, {}]],
          ["replacer false", [doc, false]],
          ["explicit undefined args", [doc, undefined, undefined]],
          ["null args", [doc, null, null]],
          ["extra args", [doc, null, null, 4, 5]],
        ];
        for (const [label, args] of pairs) {
          checked++;
          const a = (() => { try { return JSON.stringify(...args); } catch (e) { return "throw " + e; } })();
          const b = (() => { try { return originalStringify(...args); } catch (e) { return "throw " + e; } })();
          if (a !== b) mismatches.push(label + ": " + ascii(a) + " vs " + ascii(b));
        }
        "#,
    );
    assert!(n > 10);
}

#[test]
fn random_values_match() {
    let n = differential(
        r#"
        let seed = 0x9e3779b9;
        const rnd = () => { seed |= 0; seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
          t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
        const int = (n) => Math.floor(rnd() * n);
        const pick = (a) => a[int(a.length)];
        const specialNums = [0, -0, NaN, Infinity, -Infinity, 1e21, 1e-7, 5e-324, 2 ** 53, -(2 ** 31), 0.1 + 0.2, 1.7976931348623157e308];
        const chars = () => {
          switch (int(9)) {
            case 0: return String.fromCharCode(32 + int(95));
            case 1: return String.fromCharCode(int(32));
            case 2: return pick(['"', "\\", "/", "\u007f", "\u2028", "\u2029"]);
            case 3: return String.fromCharCode(0x80 + int(0x80));
            case 4: return String.fromCharCode(0x100 + int(0xd700));
            case 5: return String.fromCodePoint(0x10000 + int(0x100000));
            case 6: return String.fromCharCode(0xd800 + int(0x800));
            case 7: return String.fromCharCode(0xe000 + int(0x2000));
            default: return "abcdefghij"[int(10)];
          }
        };
        const str = () => { let s = ""; const n = int(4) === 0 ? int(60) : int(8); for (let i = 0; i < n; i++) s += chars(); return s; };
        const key = () => pick([() => str(), () => String(int(20)), () => String(int(5000000000)), () => "k" + int(6), () => pick(["a", "b", "c", "id", "name"])])();
        const gen = (d) => {
          const r = int(d > 4 ? 10 : 16);
          switch (r) {
            case 0: return int(2000) - 1000;
            case 1: return pick(specialNums);
            case 2: return (rnd() - 0.5) * 10 ** (int(40) - 20);
            case 3: case 4: return str();
            case 5: return pick([true, false, null]);
            case 6: return pick([undefined, () => 1, Symbol("r")]);
            case 7: return pick([new Date(int(4e12)), new Number(rnd()), new String(str()), new Boolean(int(2)), Object(Symbol("b"))]);
            case 8: return {toJSON: ((v) => () => v)(d < 6 ? gen(d + 1) : 1)};
            case 9: return JSON.rawJSON(String(int(1000)));
            case 10: case 11: case 12: {
              const a = [];
              const n = int(6);
              for (let i = 0; i < n; i++) a.push(gen(d + 1));
              if (int(5) === 0) a[n + int(3)] = gen(d + 1);
              return a;
            }
            default: {
              const o = int(8) === 0 ? Object.create(null) : {};
              const n = int(7);
              for (let i = 0; i < n; i++) o[key()] = gen(d + 1);
              if (int(6) === 0) Object.defineProperty(o, "hidden", {value: 1, enumerable: false});
              if (int(6) === 0) o[Symbol("s")] = 1;
              return o;
            }
          }
        };
        for (let i = 0; i < 4000; i++) {
          const s = seed;
          const v = gen(0);
          cmp("random #" + i + " seed " + s, () => v);
        }
        "#,
    );
    assert_eq!(n, 4000);
}

#[test]
fn out_of_memory_is_an_exception_like_the_original() {
    let out = js(r#"
        const s = "x".repeat(1 << 20);
        const big = new Array(300).fill(s);
        const run = (f) => { try { return "ok " + f(big).length; } catch (e) { return e.constructor.name + ": " + e.message; } };
        const a = run(JSON.stringify);
        const b = run(originalStringify);
        return [a, b, JSON.stringify({still: "works"})];
    "#);
    assert_eq!(
        out,
        r#"["InternalError: out of memory","InternalError: out of memory","{\"still\":\"works\"}"]"#
    );
}

#[test]
fn large_strings_near_the_memory_limit() {
    // The isolate's limit is 128 MiB: the output buffer lives on the QuickJS heap, so the
    // native path succeeds and fails about where the original does.
    let out = js(r#"
        const run = (f, v) => { try { return "ok " + f(v).length; } catch (e) { return e.constructor.name + ": " + e.message; } };
        const res = [];
        for (const mb of [8, 40, 48]) {
          const s = "x".repeat(mb << 20);
          res.push(mb + " " + run(JSON.stringify, s) + " / " + run(originalStringify, s));
          const q = "\n".repeat(mb << 17);
          res.push(mb + " escaped " + run(JSON.stringify, q) + " / " + run(originalStringify, q));
        }
        return res;
    "#);
    eprintln!("{out}");
    let v: Vec<String> = serde_json::from_str(&out).expect("list");
    for line in v {
        let (native, original) = line.split_once(" / ").expect("pair");
        let native = native.split_once(' ').map(|x| x.1).unwrap_or_default();
        let native = native.trim_start_matches("escaped ");
        assert_eq!(native, original, "{line}");
    }
}

/// Exercises success and error paths (fresh keys each round, so leaked atoms would show).
const LEAK_ROUND: &str = r#"
const big = "x".repeat(1 << 20);
globalThis.round = (n) => {
  const out = [];
  const t = (f) => { try { out.push(f()); } catch (e) { out.push(String(e)); } };
  const doc = {};
  for (let j = 0; j < 20; j++) {
    doc["key" + n + "_" + j] = {s: "str" + j + "é😀\ud800", n: j * 1.5, a: [j, , null, "x" + n], d: new Date(j), b: new Boolean(j % 2), raw: JSON.rawJSON(String(j))};
  }
  t(() => JSON.stringify(doc));
  t(() => JSON.stringify([undefined, () => 1, Symbol("s"), {toJSON(k) { return k + n; }}]));
  t(() => JSON.stringify(new Proxy({["p" + n]: [1, 2]}, {})));
  t(() => JSON.stringify({get ["g" + n]() { return {x: 1}; }}));
  t(() => JSON.stringify(undefined));
  t(() => JSON.stringify({a: [1, 2]}, null, 2));
  t(() => { const o = {["c" + n]: 1}; o.self = [o]; return JSON.stringify(o); });
  t(() => JSON.stringify({["b" + n]: [1, 2n]}));
  t(() => JSON.stringify({["t" + n]: 1, get thrower() { throw new Error("getter " + n); }}));
  t(() => JSON.stringify([{toJSON() { throw new TypeError("toJSON " + n); }}]));
  t(() => { const r = Proxy.revocable([], {}); r.revoke(); return JSON.stringify({r: r.proxy}); });
  t(() => { let v = 0; for (let i = 0; i < 10000; i++) v = {["d" + n]: v}; return JSON.stringify(v); });
  t(() => JSON.stringify({nested: {toJSON() { return JSON.stringify({["i" + n]: 1}); }}}));
  t(() => JSON.stringify(new Array(80).fill(big)));
  t(() => JSON.stringify([Object.assign(new Number(1), {valueOf() { throw new Error("v" + n); }}), new String("s" + n)]));
  return out.map((x) => String(x).slice(0, 200)).join("|");
};
"#;

#[test]
fn values_atoms_and_memory_are_released_on_every_path() {
    // 48 MiB: low enough for the 80 MiB output of one case to run out of memory.
    counts_stay_flat(
        LEAK_ROUND,
        48 << 20,
        &[
            "out of memory",
            "circular reference",
            "BigInt are forbidden",
            "Maximum call stack size exceeded",
            "revoked proxy",
            "getter ",
            "toJSON ",
        ],
    );
}

/// Runs `round(n)`, defined by `setup`, in a fresh runtime with the native `JSON` functions
/// (256 KiB of stack, `memory_limit` bytes of heap): each round's output must contain every
/// `expected` string, and after two rounds of warm-up (engine state that lasts: shapes,
/// interned atoms, the scratch) the runtime's object, string, atom, allocation and shape counts
/// must not change from round to round.
pub(super) fn counts_stay_flat(setup: &str, memory_limit: usize, expected: &[&str]) {
    let rt = rquickjs::Runtime::new().expect("runtime");
    rt.set_max_stack_size(256 * 1024);
    rt.set_memory_limit(memory_limit);
    let ctx = rquickjs::Context::full(&rt).expect("context");
    ctx.with(|ctx| {
        super::install(&ctx).expect("install");
        ctx.eval::<(), _>(setup).expect("setup");
    });
    let mut n = 0;
    let mut round = || {
        n += 1;
        ctx.with(|ctx| {
            let f: rquickjs::Function = ctx.globals().get("round").expect("round");
            let out: String = f.call((n,)).expect("round runs");
            for e in expected {
                assert!(out.contains(e), "{e} missing from {out}");
            }
        });
        rt.run_gc();
        let m = rt.memory_usage();
        (
            m.obj_count,
            m.str_count,
            m.atom_count,
            m.malloc_count,
            m.shape_count,
        )
    };
    round();
    round();
    let a = round();
    let b = round();
    let c = round();
    assert_eq!(
        a, b,
        "counts (objects, strings, atoms, allocations, shapes) grew"
    );
    assert_eq!(
        b, c,
        "counts (objects, strings, atoms, allocations, shapes) grew"
    );
}

#[test]
fn integer_formatting_and_escape_table() {
    let mut buf = [0u8; 20];
    for n in [
        0i64,
        1,
        -1,
        9,
        10,
        -10,
        i64::from(i32::MAX),
        i64::from(i32::MIN),
        i64::MAX,
        i64::MIN,
    ] {
        assert_eq!(super::format_int(n, &mut buf), n.to_string().as_bytes());
    }
    // 0xED leads the 3-byte encoding of a surrogate (and of U+D000..U+D7FF).
    assert!(super::SPECIAL[0xED] && super::SPECIAL[0] && super::SPECIAL[b'"' as usize]);
    assert!(!super::SPECIAL[0x7f] && !super::SPECIAL[0xEE] && !super::SPECIAL[b'/' as usize]);
}
