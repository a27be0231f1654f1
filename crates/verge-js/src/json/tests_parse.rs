//! Tests of the native `JSON.parse` ([`super::install`]): differential against QuickJS's own,
//! which the test isolate keeps as `originalParse` (the isolate and the runner are the
//! `JSON.stringify` tests'). Each case parses the same argument with both and compares a full
//! description of the result (types, `-0`, string code units, own keys in order with their
//! attributes, prototypes) or the error's class and message, and the log of `toString` calls
//! made on the argument.

use rquickjs::{Object, Value};

use super::super::tests::{js, run_differential};

/// The comparison harness: `cmp(label, make, ...rest)` parses `make(log)` (a text or any
/// argument) once per implementation, with `rest` as further arguments.
const HARNESS: &str = r##"
const native = JSON.parse;
const original = globalThis.originalParse;
if (native === original || typeof original !== "function") throw new Error("native JSON.parse is not installed");
const units = (s) => {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x20 && c < 0x7f && c !== 0x5c ? s[i] : "\\u" + c.toString(16).padStart(4, "0");
  }
  return out;
};
// A description of a value that tells apart everything a program could: iterative, so deep
// values need no deep recursion.
function describe(root) {
  const out = [];
  const stack = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === "string" && v.startsWith("\u0000tok:")) { out.push(v.slice(5)); continue; }
    if (v === null) { out.push("null"); continue; }
    switch (typeof v) {
      case "number": out.push(Object.is(v, -0) ? "-0" : "n" + String(v)); break;
      case "string": out.push("s\"" + units(v) + "\""); break;
      case "boolean": out.push(String(v)); break;
      case "undefined": out.push("undefined"); break;
      case "object": {
        const proto = Object.getPrototypeOf(v);
        const kind = Array.isArray(v) ? (proto === Array.prototype ? "A" : "A?") : proto === Object.prototype ? "O" : "O?";
        const keys = Reflect.ownKeys(v);
        const parts = [];
        for (const k of keys) {
          const d = Object.getOwnPropertyDescriptor(v, k);
          const attrs = (d.enumerable ? "e" : "") + (d.writable ? "w" : "") + (d.configurable ? "c" : "") + ("get" in d ? "G" : "");
          parts.push("\u0000tok:" + (typeof k === "symbol" ? "sym" : units(k)) + ":" + attrs + "=", d.value);
        }
        out.push(kind + (Object.isExtensible(v) ? "" : "!") + "{");
        stack.push("\u0000tok:}");
        for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]);
        break;
      }
      default: out.push(typeof v);
    }
  }
  return out.join(" ");
}
function outcome(f, make, rest) {
  const log = [];
  const arg = make(log);
  try {
    const r = f(arg, ...rest);
    return ["ok", describe(r), log.join("|")];
  } catch (e) {
    const name = e && e.constructor ? e.constructor.name : typeof e;
    return ["throw", name, String(e && e.message !== undefined ? e.message : e), log.join("|")];
  }
}
let checked = 0;
const mismatches = [];
function cmp(label, make, ...rest) {
  checked++;
  if (typeof make === "string") { const text = make; make = () => text; }
  const a = outcome(native, make, rest);
  const b = outcome(original, make, rest);
  if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
    mismatches.push(units(String(label)).slice(0, 300) + "\n  native:   " + units(a.join(" ; ")).slice(0, 400) + "\n  original: " + units(b.join(" ; ")).slice(0, 400));
  }
  return a[0];
}
function done() {
  return { checked, mismatches: mismatches.slice(0, 8), mismatchCount: mismatches.length };
}
// A seeded PRNG (mulberry32) and helpers for generated cases.
let seed = 0x2545f491;
const rnd = () => { seed |= 0; seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];
const digits = (n) => { let s = ""; for (let i = 0; i < n; i++) s += String(int(10)); return s; };
"##;

/// Runs `cases` (JS calling `cmp`) and asserts every case matched; returns the number checked.
fn differential(cases: &str) -> u64 {
    run_differential(HARNESS, cases)
}

#[test]
fn function_shape_matches_the_original() {
    let out = js(r##"
        const d = Object.getOwnPropertyDescriptor(JSON, "parse");
        const o = Object.getOwnPropertyDescriptor(JSON, "stringify");
        let newThrows = null;
        try { new JSON.parse("1"); } catch (e) { newThrows = e.constructor.name; }
        const p = JSON.parse;
        return [JSON.parse.length, JSON.parse.name, d.writable, d.enumerable, d.configurable,
                o.enumerable, newThrows, p('{"a":[1]}').a[0], JSON.parse("null"),
                Object.getPrototypeOf(JSON.parse) === Function.prototype,
                JSON.parse !== originalParse, Object.keys(JSON).length, typeof JSON.parse.prototype];
    "##);
    assert_eq!(
        out,
        r##"[2,"parse",true,false,true,false,"TypeError",1,null,true,true,0,"undefined"]"##
    );
}

#[test]
fn basic_values_match() {
    let n = differential(
        r##"
        for (const t of ["null", "true", "false", "0", "1", "-1", '""', '"a"', "[]", "{}", "[[]]", "[{}]",
                         '{"a":{}}', '{"a":[]}', '[1,2,3]', '{"a":1,"b":"two","c":[3,"4",{"d":null}],"e":{"f":{"g":{"h":[true,false]}}}}',
                         "[1,[2,[3,[4,[5]]]]]", '{"":1," ":2,"a b":3}', ' [ 1 , 2 ] ', '\t{\n"a"\r:\r\n1\n}\n',
                         '[null,true,false,"null","true"]', '{"a":null}', '[[],[[]],{}]', '{"a":{"b":{"c":{}}}}',
                         '[' + '1,'.repeat(1000) + '1]', '"' + 'x'.repeat(100000) + '"', '[' + '"ab",'.repeat(3000) + '"ab"]']) {
          cmp("text " + t.slice(0, 60), t);
        }
        "##,
    );
    assert!(n > 25);
}

#[test]
fn numbers_match_strtod() {
    let n = differential(
        r##"
        const texts = ["0", "-0", "0.0", "-0.0", "0e0", "-0e-0", "0E+5", "-0.000", "1", "-1", "9", "10", "123",
          "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296",
          "9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993", "18446744073709551615",
          "18446744073709551616", "123456789012345678901234567890", "0.1", "0.2", "0.3", "0.30000000000000004",
          "1.5", "-1.5", "3.14159", "1e1", "1E1", "1e+1", "1e-1", "1.0", "1.00000", "100e-2", "1e21", "1e22",
          "1e23", "1e-7", "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e308",
          "1e309", "-1e309", "1e400", "-1e400", "1e-400", "-1e-400", "5e-324", "4e-324", "3e-324", "2.5e-324",
          "2.4703282292062328e-324", "2.4703282292062327e-324", "2.2250738585072014e-308", "2.2250738585072011e-308",
          "2.225073858507201e-308", "4.9406564584124654e-324", "1e-323", "0.000001", "0.0000001", "123.456e7",
          "9999999999999999", "99999999999999999", "999999999999999999", "9999999999999999999", "99999999999999999999",
          "0.1000000000000000055511151231257827021181583404541015625",
          "0.1000000000000000055511151231257827021181583404541015624",
          "0.1000000000000000055511151231257827021181583404541015626",
          "9007199254740993.0000000000000000000000000001", "9007199254740992.9999999999999999999",
          "1" + "0".repeat(400), "1" + "0".repeat(309), "0." + "0".repeat(400) + "1", "1." + "0".repeat(1000) + "1",
          "7." + "9".repeat(800), "2." + "5".repeat(30) + "e-300", "1e99999999999999999999", "1e-99999999999999999999",
          "0e99999999999999999999", "1.5e0000000000000000000000000003", "12345678901234567890e-20", "1234567890123456789e3",
          "0.5e-22", "3e22", "3e23", "123456789012345e-22", "9007199254740993e-22", "4.35", "1.005", "8.41e21",
          "-0e0", "-0.0e+0", "1e0", "1E-0", "1.2345678901234567e-300"];
        for (const t of texts) {
          cmp("number " + t.slice(0, 50), t);
          cmp("number in array " + t.slice(0, 50), "[" + t + "," + t + "]");
          cmp("number in object " + t.slice(0, 50), '{"x":' + t + '}');
        }
        // Generated numbers in every shape the grammar allows.
        for (let i = 0; i < 6000; i++) {
          let t = int(4) === 0 ? "-" : "";
          t += int(6) === 0 ? "0" : String(1 + int(9)) + digits(pick([0, 1, 2, 5, 8, 9, 10, 15, 16, 17, 18, 19, 20, 25, 40]));
          if (int(2)) t += "." + digits(1 + pick([0, 1, 2, 5, 10, 16, 17, 20, 30]));
          if (int(3) === 0) t += pick(["e", "E"]) + pick(["", "+", "-"]) + String(int(pick([3, 25, 330, 400])));
          cmp("generated number " + t, t);
        }
        // Random doubles printed by Number#toString and by toExponential / toFixed / toPrecision.
        const f64 = new Float64Array(1), u32 = new Uint32Array(f64.buffer);
        for (let i = 0; i < 3000; i++) {
          u32[0] = int(4294967296); u32[1] = int(4294967296);
          const x = f64[0];
          if (!Number.isFinite(x)) continue;
          cmp("double " + x, String(x));
          cmp("double exp " + x, x.toExponential(int(21)));
          cmp("double prec " + x, x.toPrecision(1 + int(21)));
          const y = (rnd() - 0.5) * 10 ** (int(40) - 20);
          cmp("fixed " + y, y.toFixed(int(21)));
        }
        "##,
    );
    assert!(n > 15_000);
}

#[test]
fn strings_and_escapes_match() {
    let n = differential(
        r##"
        const q = (s) => '"' + s + '"';
        // Every code unit raw in the text (controls and lone surrogates included), and escaped.
        for (let c = 0; c < 0x10000; c += (c < 0x800 ? 1 : 13)) {
          const ch = String.fromCharCode(c);
          cmp("raw unit " + c, q(ch));
          cmp("raw unit in key " + c, "{" + q(ch + "k") + ":" + q("v" + ch) + "}");
          const hex = c.toString(16).padStart(4, "0");
          cmp("escape " + hex, q("\\u" + hex));
          cmp("escape upper " + hex, q("\\u" + hex.toUpperCase()));
          cmp("escape in key " + hex, "{" + q("\\u" + hex) + ":1}");
        }
        const all = [];
        for (let c = 0; c < 0x10000; c++) all.push("\\u" + c.toString(16).padStart(4, "0"));
        cmp("all escapes in one string", q(all.join("")));
        let raw = "";
        for (let c = 0x20; c < 0x10000; c++) if (c !== 0x22 && c !== 0x5c) raw += String.fromCharCode(c);
        cmp("all raw units in one string", q(raw));
        const samples = ["\\n", "\\r", "\\t", "\\b", "\\f", "\\/", "\\\\", '\\"', "a\\nb", "\\\\n", "\\ud83d\\ude00", "\\ude00\\ud83d",
          "\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\ud800\\ud800", "x\\ud800y", "\ud83d\ude00", "\ud83d", "\ude00", "\ud83d\\ude00",
          "\\ud83d\ude00", "\ud800\\udc00", "😀🎉👍🏽", "é", "ÿ", "Ā", "\u2028\u2029", "\ufeff", "\uffff", "\u007f", "\u0080",
          "\\u0000", "\\u001f", "\\u0020", "\\u00e9", "\\u00C3\\u00A9", "Ã©", "日本語", "mixed é 😀 \\ud800 \\n end",
          "é".repeat(1000), "😀".repeat(500), "a".repeat(31), "a".repeat(32), "a".repeat(33), "\\n".repeat(5000),
          "x".repeat(40) + "\\u0041", "'", "<\\/script>", "\\u12345", "\\u00e9\\u00e9", "\\u0100"];
        for (const s of samples) {
          cmp("string " + s, q(s));
          cmp("key " + s, "{" + q(s) + ":" + q(s) + "}");
          cmp("repeated " + s, "[" + q(s) + "," + q(s) + "," + q(s) + "]");
        }
        // Invalid strings.
        for (const s of ['"\\x41"', '"\\u12"', '"\\u12g4"', '"\\uZZZZ"', '"\\', '"\\u', '"\\u00', '"abc', '"\\a"', '"\\0"',
                         '"\\\'"', '"\\ "', "'a'", '"\u0000"', '"a\nb"', '"\t"', '"\u001f"', '"\\U0041"', '"\\u{41}"', '"',
                         '"\\\n"', '"\\\u00e9"', '"\\\ud800"', '{"a\u0001":1}', '{"\\q":1}']) {
          cmp("invalid string " + s, s);
        }
        "##,
    );
    assert!(n > 15_000);
}

#[test]
fn keys_order_duplicates_and_proto_match() {
    let n = differential(
        r##"
        const texts = [
          '{"b":1,"2":2,"1":3,"a":4,"4294967295":5,"4294967294":6,"-1":7,"01":8,"1.5":9,"10":10,"0":11,"-0":12,"1e3":13}',
          '{"a":1,"a":2}', '{"a":1,"b":2,"a":3}', '{"a":{"x":1},"a":[2]}', '{"1":1,"a":2,"1":3}',
          '{"__proto__":1}', '{"__proto__":{"polluted":true}}', '{"__proto__":[]}', '{"__proto__":null,"a":1}',
          '{"a":1,"__proto__":{"b":2},"__proto__":3}', '[{"__proto__":{"x":1}}]', '{"constructor":1,"toString":2,"hasOwnProperty":3}',
          '{"length":3,"0":"a"}', '{"":1,"":2}', '{"\\u0061":1,"a":2}', '{"a":1,"\\u0061":2}', '{"\u00e9":1,"\\u00e9":2,"Ã©":3}',
          '{"\\u00c3\\u00a9":1,"é":2}', '{"é":1,"\\u00c3\\u00a9":2}', '{"\ud800":1,"\\ud800":2}', '{"😀":1,"\\ud83d\\ude00":2}',
          '{"2147483647":1,"2147483648":2,"9007199254740993":3}', '{"1":{"1":{"1":1}}}',
          '{"prototype":1,"__defineGetter__":2,"valueOf":{}}',
        ];
        for (const t of texts) cmp(t, t);
        // Many distinct keys (more than the key cache holds), in several objects.
        let big = "{";
        for (let i = 0; i < 5000; i++) big += (i ? "," : "") + '"k' + (i * 7919 % 5000) + '":' + i;
        cmp("5000 keys", big + "}");
        cmp("5000 keys twice", "[" + big + "}," + big + "}]");
        let ints = "{";
        for (let i = 3000; i >= 0; i--) ints += (i < 3000 ? "," : "") + '"' + i + '":' + i;
        cmp("integer keys descending", ints + "}");
        const shapes = [];
        for (let i = 0; i < 600; i++) shapes.push('{"id":' + i + ',"name":"n' + i + '","tags":["a","b"],"nested":{"ok":' + (i % 2 === 0) + ',"score":' + i * 1.5 + '}}');
        cmp("objects sharing keys", "[" + shapes.join(",") + "]");
        // Parsed objects behave like the original's when used afterwards.
        checked++;
        const probe = (f) => { const o = f('{"b":1,"a":2,"1":3,"__proto__":{"x":1}}'); o.c = 4; delete o.b; o.b = 5;
          return [Object.keys(o).join(), JSON.stringify(o), o.x, Object.getPrototypeOf(o) === Object.prototype, "__proto__" in o].join(";"); };
        if (probe(native) !== probe(original)) mismatches.push("use after parse: " + probe(native) + " vs " + probe(original));
        "##,
    );
    assert!(n >= 29);
}

#[test]
fn whitespace_and_literals_match() {
    let n = differential(
        r##"
        const spaces = [" ", "\t", "\n", "\r", "\r\n", "\n\r", "  \t\n\r ", "\f", "\v", "\u00a0", "\u2028", "\u2029", "\ufeff",
                        "\u0000", "\u000b", "\u0085", "\u3000", "\u1680", "\u200b"];
        for (const w of spaces) {
          for (const t of ["1", "[1,2]", '{"a":1}', '"s"', "true", "null", "[]", "{}"]) {
            cmp("space " + units(w) + " around " + t, w + t + w);
            cmp("space " + units(w) + " inside " + t, t.replace(/([\[\]{},:])/g, w + "$1" + w));
          }
        }
        for (const t of ["true", "false", "null", "True", "NULL", "nul", "tru", "fals", "truex", "nullnull", "true1", "null_", "false$",
                         "true.", "null-1", "[true,false,null]", "[truefalse]", "[true false]", "[null,]", "undefined", "NaN",
                         "Infinity", "-Infinity", "+1", ".5", "5.", "-", "--1", "01", "-01", "00", "0x10", "0b1", "1_000",
                         "1e", "1e+", "1e-", "1.e5", "1.5e", "[1.]", "[-]", "1 2", "[1 2]", "{\"a\" 1}", "{a:1}", "{'a':1}",
                         "{\"a\":1,}", "[1,]", "[,1]", "[,]", "{,}", "{\"a\"}", "{\"a\":}", "{:1}", "[", "]", "{", "}", "",
                         " ", "\n", "[[]", "[]]", "{}}", "{{}", "\"a\"\"b\"", "1,", "[1]x", "{}[]", "/*c*/1", "1//c", "#1",
                         "\u00e91", "1\u00e9", "[\u00e9]", "😀", "[1,\u2028 2]", "\"\\u00e9\"x", "nulł", "t\u0000rue", "1\u0000",
                         "\u0000", "[1]\u0000", "[1e1000000]", "-0.e1", "0.e1", "[-0,+0]", "1E", "1.5E+-3", "[0-1]", "0-1",
                         "{\"a\":1 \"b\":2}", "[\"a\" \"b\"]", "{\"a\":1}}", "[1]]", "{\"a\":[}", "[{]}", "{\"a\":1,\"a\"}"]) {
          cmp("literal " + units(t), t);
        }
        "##,
    );
    assert!(n > 350);
}

#[test]
fn to_string_of_the_argument_matches() {
    let n = differential(
        r##"
        const args = [
          ["undefined", () => undefined], ["null", () => null], ["true", () => true], ["number", () => 12.5], ["-0", () => -0],
          ["NaN", () => NaN], ["bigint", () => 10n], ["array", () => [1, 2]], ["array one", () => [3]], ["empty array", () => []],
          ["nested array", () => [[1]]], ["object", () => ({})], ["symbol", () => Symbol("s")], ["String object", () => new String("[1]")],
          ["Number object", () => new Number(5)], ["Date", () => new Date(0)], ["function", () => function () {}],
          ["toString", (log) => ({toString() { log.push("toString"); return '{"a":1}'; }})],
          ["toString invalid", (log) => ({toString() { log.push("toString"); return "{bad"; }})],
          ["valueOf only", (log) => ({toString: undefined, valueOf() { log.push("valueOf"); return "[2]"; }})],
          ["toPrimitive", (log) => ({[Symbol.toPrimitive](hint) { log.push("hint " + hint); return "3"; }})],
          ["toString returns object", () => ({toString() { return {}; }, valueOf() { return {}; }})],
          ["throwing toString", () => ({toString() { throw new RangeError("ts"); }})],
          ["throwing toString non-error", () => ({toString() { throw 42; }})],
          ["Error object", () => new Error("[1]")],
          ["Error with throwing toString", () => Object.assign(new TypeError("5"), {toString() { throw new Error("nope"); }})],
          ["Error with throwing toString and bad message", () => Object.assign(new TypeError("x"), {toString() { throw new Error("nope"); }})],
          ["proxy", (log) => new Proxy({}, {get(t, k) { log.push("get " + String(k)); return k === "toString" ? () => "[7]" : undefined; }})],
          ["rope", () => { let s = "["; for (let i = 0; i < 100; i++) s += i + ","; return s + "0]"; }],
          ["rope invalid", () => { let s = "["; for (let i = 0; i < 100; i++) s += i + ","; return s + "]"; }],
          ["substring", () => '{"a":[1,2,3]} trailing'.slice(0, 13)],
        ];
        for (const [label, make] of args) cmp("argument " + label, make);
        cmp("no argument", () => undefined);
        "##,
    );
    assert!(n > 30);
    let out = js(r##"
        const r = [];
        for (const f of [JSON.parse, originalParse]) {
          try { f(); } catch (e) { r.push(e.constructor.name + ": " + e.message); }
          try { f(Symbol()); } catch (e) { r.push(e.constructor.name + ": " + e.message); }
        }
        // The exception thrown by toString is passed on as it is.
        const err = new Error("mine");
        try { JSON.parse({toString() { throw err; }}); } catch (e) { r.push(e === err); }
        return r;
    "##);
    let v: Vec<serde_json::Value> = serde_json::from_str(&out).expect("list");
    assert_eq!(v[0], v[2], "{out}");
    assert_eq!(v[1], v[3], "{out}");
    assert_eq!(v[4], serde_json::Value::Bool(true), "{out}");
}

#[test]
fn reviver_goes_to_the_original() {
    let n = differential(
        r##"
        const text = '{"a":[1,{"b":2}],"c":"s","d":1.50,"e":null}';
        cmp("reviver identity", () => text, (k, v) => v);
        cmp("reviver doubling", () => text, (k, v) => (typeof v === "number" ? v * 2 : v));
        cmp("reviver deleting", () => text, (k, v) => (k === "a" ? undefined : v));
        cmp("reviver source text", () => text, function (k, v, ctx) { return ctx && "source" in ctx ? "src:" + ctx.source : v; });
        cmp("reviver this", () => text, function (k, v) { return k === "" ? v : Array.isArray(this) ? "in array" : v; });
        cmp("reviver on invalid text", () => "[1,", (k, v) => v);
        cmp("reviver throwing", () => text, () => { throw new EvalError("reviver"); });
        cmp("reviver proxy of function", () => text, new Proxy((k, v) => v, {}));
        cmp("reviver bound", () => text, ((k, v) => v).bind(null));
        cmp("reviver class", () => text, class {});
        for (const r of [null, undefined, 1, "f", {}, [], Symbol("r"), {call() {}}, new Proxy({}, {})]) {
          cmp("non-callable reviver " + typeof r, () => text, r);
          cmp("non-callable reviver invalid " + typeof r, () => "{", r);
        }
        cmp("extra arguments", () => text, null, 1, 2);
        cmp("toString once with reviver", (log) => ({toString() { log.push("ts"); return "[1]"; }}), (k, v) => v);
        "##,
    );
    assert!(n > 25);
}

#[test]
fn errors_match_the_originals_messages() {
    let n = differential(
        r##"
        const bad = ["", "x", "[1,2", '{"a":1', '{"a":1,"b":[1,2,{"c":}]}', "[1,2,3]]", "\n\n  [1,\n  2,\n  x]", "\r\n\r\n{,}",
          "[\"\u00e9\u00e9\", bad]", "[\"😀\", bad]", "\"\\ud800\" x", "[1e5 1]", "{\"a\":1}\n\n\n1", "  ", "[\"a\",\n\"b\"\r,\r\nz]"];
        for (const t of bad) cmp("invalid " + t, t);
        "##,
    );
    assert!(n > 10);
    // Same class and message, position included.
    let out = js(r##"
        const r = [];
        for (const t of ["[1,\n 2,\n x]", '{"a" 1}', "\"\u00e9\" x"]) {
          for (const f of [JSON.parse, originalParse]) {
            try { f(t); } catch (e) { r.push(e.constructor.name + ": " + e.message); }
          }
        }
        return r;
    "##);
    let v: Vec<String> = serde_json::from_str(&out).expect("list");
    for pair in v.chunks(2) {
        assert_eq!(pair[0], pair[1]);
        assert!(pair[0].starts_with("SyntaxError: "), "{pair:?}");
    }
}

#[test]
fn random_valid_texts_match() {
    let n = differential(
        r##"
        const ws = () => pick(["", "", "", " ", "\n", "\t", "\r\n", "  "]);
        const strChar = () => {
          switch (int(12)) {
            case 0: return String.fromCharCode(32 + int(95)).replace(/["\\]/, "x");
            case 1: return pick(["\\n", "\\t", "\\r", "\\b", "\\f", "\\/", "\\\\", '\\"']);
            case 2: return "\\u" + int(0x10000).toString(16).padStart(4, "0");
            case 3: return "\\u" + (0xd800 + int(0x800)).toString(16);
            case 4: return String.fromCharCode(0x80 + int(0x80));
            case 5: return String.fromCharCode(0x100 + int(0xd700));
            case 6: return String.fromCodePoint(0x10000 + int(0x100000));
            case 7: return String.fromCharCode(0xd800 + int(0x800));
            case 8: return String.fromCharCode(0xe000 + int(0x2000));
            default: return "abcdefghij"[int(10)];
          }
        };
        const str = () => { let s = ""; const n = int(4) === 0 ? int(50) : int(8); for (let i = 0; i < n; i++) s += strChar(); return '"' + s + '"'; };
        const keyPool = ['"a"', '"b"', '"id"', '"name"', '"__proto__"', '"0"', '"1"', '"10"', '"-1"', '"01"', '"4294967295"', '"\\u0061"', '"é"', '""'];
        const key = () => (int(3) === 0 ? str() : pick(keyPool));
        const num = () => {
          let t = int(3) === 0 ? "-" : "";
          t += int(5) === 0 ? "0" : String(1 + int(9)) + digits(pick([0, 1, 3, 8, 12, 16, 19, 22]));
          if (int(2)) t += "." + digits(1 + int(18));
          if (int(4) === 0) t += pick(["e", "E"]) + pick(["", "+", "-"]) + String(int(330));
          return t;
        };
        const gen = (d) => {
          const r = int(d > 5 ? 6 : 9);
          switch (r) {
            case 0: case 1: return num();
            case 2: case 3: return str();
            case 4: return pick(["true", "false", "null"]);
            case 5: return String(int(100));
            case 6: { const n = int(6); const a = []; for (let i = 0; i < n; i++) a.push(ws() + gen(d + 1) + ws()); return "[" + a.join(",") + ws() + "]"; }
            default: { const n = int(7); const a = []; for (let i = 0; i < n; i++) a.push(ws() + key() + ws() + ":" + ws() + gen(d + 1) + ws()); return "{" + a.join(",") + ws() + "}"; }
          }
        };
        globalThis.validTexts = [];
        for (let i = 0; i < 4000; i++) {
          const t = ws() + gen(0) + ws();
          validTexts.push(t);
          if (cmp("random #" + i + ": " + t.slice(0, 200), t) !== "ok") mismatches.push("generated text is invalid: " + units(t.slice(0, 200)));
        }
        // Random values through JSON.stringify (the original's).
        const vgen = (d) => {
          switch (int(d > 4 ? 5 : 8)) {
            case 0: return int(2000) - 1000;
            case 1: return (rnd() - 0.5) * 10 ** (int(600) - 300);
            case 2: return pick([0, -0, 2 ** 31, -(2 ** 31), 2 ** 53 + 2, 5e-324, 1.7976931348623157e308]);
            case 3: { let s = ""; for (let i = int(10); i > 0; i--) s += strChar().replace(/\\/g, ""); return s; }
            case 4: return pick([true, false, null]);
            case 5: case 6: { const a = []; for (let i = int(6); i > 0; i--) a.push(vgen(d + 1)); return a; }
            default: { const o = {}; for (let i = int(6); i > 0; i--) o[JSON.parse(key())] = vgen(d + 1); return o; }
          }
        };
        for (let i = 0; i < 2000; i++) {
          const t = JSON.stringify(vgen(0), null, pick([undefined, 1, "\t"]));
          cmp("stringified #" + i + ": " + t.slice(0, 200), t);
        }
        "##,
    );
    assert_eq!(n, 6000);
}

#[test]
fn mutated_texts_match() {
    let n = differential(
        r##"
        const base = [
          '{"a":[1,2,{"b":"c\\n\\u00e9"}],"d":-1.5e3,"e":true,"f":null,"g":"é😀"}',
          '[{"id":1,"name":"user-1","tags":["a","b"]},{"id":2,"name":"user-2","tags":[]}]',
          '{"nested":{"deeper":{"deepest":[[[]],{}]}}}',
          '[0,-0,1e5,0.25,"\\ud83d\\ude00",false]',
          ' { "x" : [ 1 , 2 ] , "y" : { } } ',
        ];
        let s2 = 0x1234567;
        const pool = ["{", "}", "[", "]", ",", ":", '"', "\\", "-", "+", ".", "e", "E", "0", "1", "9", "a", "t", "n", "f", "u",
                      " ", "\n", "\r", "\t", "\f", "\v", "\u00a0", "\u2028", "\u0000", "\u001f", "x", "é", "😀", "\ud800", "/", "'"];
        for (let i = 0; i < 6000; i++) {
          let t = pick(base);
          const ops = 1 + int(3);
          for (let k = 0; k < ops; k++) {
            const at = int(t.length + 1);
            switch (int(6)) {
              case 0: t = t.slice(0, at) + t.slice(at + 1); break;
              case 1: t = t.slice(0, at) + pick(pool) + t.slice(at); break;
              case 2: t = t.slice(0, at) + pick(pool) + t.slice(at + 1); break;
              case 3: t = t.slice(0, at); break;
              case 4: { const b = int(t.length + 1); t = t.slice(0, at) + t.slice(Math.min(at, b), Math.max(at, b)) + t.slice(at); break; }
              default: { const b = int(t.length); const c = t[at]; if (c !== undefined) t = t.slice(0, at) + t[b] + t.slice(at + 1, b) + c + t.slice(b + 1); }
            }
          }
          cmp("mutated #" + i + ": " + t, t);
        }
        "##,
    );
    assert_eq!(n, 6000);
}

#[test]
fn deep_nesting_matches_the_original() {
    let n = differential(
        r##"
        const arrays = (n, inner = "0") => "[".repeat(n) + inner + "]".repeat(n);
        const objects = (n, inner = "0") => '{"a":'.repeat(n) + inner + "}".repeat(n);
        for (const depth of [10, 100, 500, 1000, 2000, 3000]) {
          cmp("arrays " + depth, arrays(depth));
          cmp("objects " + depth, objects(depth));
          cmp("mixed " + depth, '{"a":['.repeat(depth) + "1" + "]}".repeat(depth));
          cmp("arrays unclosed " + depth, "[".repeat(depth));
          cmp("arrays invalid inside " + depth, arrays(depth, "x"));
        }
        for (const depth of [20000, 100000, 1000000]) {
          cmp("arrays " + depth, arrays(depth));
          cmp("open arrays " + depth, "[".repeat(depth));
          cmp("objects " + depth, objects(depth));
          cmp("error before the limit " + depth, "[[x" + "[".repeat(depth));
        }
        "##,
    );
    assert!(n >= 40);
    let out = js(r##"
        const r = [];
        for (const f of [JSON.parse, originalParse]) {
          try { f("[".repeat(1000000)); } catch (e) { r.push(e.constructor.name + ": " + e.message); }
        }
        let w = JSON.parse("[".repeat(500) + "]".repeat(500));
        let depth = 0;
        while (Array.isArray(w) && w.length) { w = w[0]; depth++; }
        return [r[0], r[1], depth, JSON.parse('{"ok":1}').ok];
    "##);
    assert_eq!(
        out,
        r##"["RangeError: Maximum call stack size exceeded","RangeError: Maximum call stack size exceeded",499,1]"##
    );
}

#[test]
fn deep_nesting_limit_is_the_originals() {
    // The deepest nesting each implementation parses before its RangeError. The native parser
    // hands deep texts to the original, whose frames then start a little lower on the stack
    // (by the native function's own frames, a few levels' worth).
    let out = js(r##"
        const deepest = (f, open, close) => {
          let lo = 1, hi = 100000;
          while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            const t = open.repeat(mid) + "0" + close.repeat(mid);
            try { f(t); lo = mid; } catch (e) { if (!(e instanceof RangeError)) throw e; hi = mid - 1; }
          }
          return lo;
        };
        return [deepest(JSON.parse, "[", "]"), deepest(originalParse, "[", "]"),
                deepest(JSON.parse, '{"a":', "}"), deepest(originalParse, '{"a":', "}")];
    "##);
    let v: Vec<f64> = serde_json::from_str(&out).expect("numbers");
    eprintln!(
        "deepest nesting: arrays native {} original {}; objects native {} original {}",
        v[0], v[1], v[2], v[3]
    );
    for (native, original) in [(v[0], v[1]), (v[2], v[3])] {
        assert!(native <= original && native >= original - 48.0, "{out}");
    }
}

#[test]
fn out_of_memory_is_the_originals_error() {
    let out = js(r##"
        // 70 strings of 1 MiB: the text fits in the isolate's 128 MiB, the text and the result
        // do not.
        const text = '["' + new Array(70).fill("x".repeat(1 << 20)).join('","') + '"]';
        const run = (f) => { try { return "ok " + f(text).length; } catch (e) { return e.constructor.name + ": " + e.message; } };
        const a = run(JSON.parse);
        const b = run(originalParse);
        return [a, b, JSON.parse('{"still":"works"}').still];
    "##);
    assert_eq!(
        out,
        r##"["InternalError: out of memory","InternalError: out of memory","works"]"##
    );
}

/// Exercises success and failure paths (fresh keys and strings each round, so leaked atoms or
/// strings would show).
const LEAK_ROUND: &str = r##"
const big = "x".repeat(1 << 20);
globalThis.round = (n) => {
  const out = [];
  const t = (f) => { try { out.push(JSON.stringify(f())); } catch (e) { out.push(String(e)); } };
  let doc = "{";
  for (let j = 0; j < 20; j++) {
    doc += (j ? "," : "") + '"key' + n + "_" + j + '":{"s":"str' + j + '\\u00e9\\ud83d\\ude00\\ud800","n":' + j * 1.5 + ',"a":[' + j + ',null,"x' + n + '"],"b":' + (j % 2 === 0) + '}';
  }
  doc += "}";
  t(() => JSON.parse(doc));
  t(() => JSON.parse(doc.slice(0, -5)));
  t(() => JSON.parse('{"k' + n + '":[1,2,{"k' + n + '":"v' + n + '"}],"k' + n + '":3,"__proto__":{"p' + n + '":1}}'));
  t(() => JSON.parse('["short' + n + '","short' + n + '","é' + n + '","é' + n + '"]'));
  t(() => JSON.parse('{"a' + n + '":[1,2,"x"' + ",]}"));
  t(() => JSON.parse("[".repeat(100000)));
  t(() => JSON.parse("[".repeat(500) + '"d' + n + '"' + "]".repeat(500)));
  t(() => JSON.parse('{"a' + n + '":' + "[".repeat(1000) + "x"));
  t(() => JSON.parse(doc, (k, v) => v));
  t(() => JSON.parse({toString() { return '["ts' + n + '"]'; }}));
  t(() => JSON.parse({toString() { throw new Error("ts" + n); }}));
  t(() => JSON.parse('["' + new Array(30).fill(big).join('","') + '"]'));
  t(() => JSON.parse('"\\u0041' + n + '\\ud800"'));
  return out.map((x) => String(x).slice(0, 200)).join("|");
};
"##;

#[test]
fn values_atoms_and_memory_are_released_on_every_path() {
    // 48 MiB: low enough for the 30 MiB text and its result in one case to run out of memory.
    super::super::tests::counts_stay_flat(
        LEAK_ROUND,
        48 << 20,
        &[
            "out of memory",
            "Maximum call stack size exceeded",
            "SyntaxError",
            "Error: ts",
            "[[[[[[[[",
        ],
    );
}

#[test]
fn memory_kept_between_calls_is_bounded() {
    // Key sequences seen twice keep their shapes in holder objects owned by the function: many
    // distinct ones stop at a cap, and results stay the original's throughout.
    let rt = rquickjs::Runtime::new().expect("runtime");
    rt.set_max_stack_size(256 * 1024);
    let ctx = rquickjs::Context::full(&rt).expect("context");
    ctx.with(|ctx| {
        let json: Object = ctx.globals().get("JSON").expect("JSON");
        let original: Value = json.get("parse").expect("parse");
        super::super::install(&ctx).expect("install");
        ctx.globals().set("originalParse", original).expect("set");
        ctx.eval::<(), _>(
            r##"
            globalThis.round = (n) => {
              let bad = 0;
              for (let i = 0; i < 300; i++) {
                const keys = [];
                for (let j = 0; j < 10; j++) keys.push('"r' + n + "_" + i + "_" + j + '":' + j);
                const obj = "{" + keys.join(",") + "}";
                const text = "[" + new Array(12).fill(obj).join(",") + "]";
                if (JSON.stringify(JSON.parse(text)) !== JSON.stringify(originalParse(text))) bad++;
                const o = JSON.parse(text)[2];
                if (Object.keys(o).join() !== keys.map((k) => JSON.parse("{" + k + "}")).map((x) => Object.keys(x)[0]).join()) bad++;
              }
              return bad;
            };
            "##,
        )
        .expect("setup");
    });
    let base = rt.memory_usage().obj_count;
    let mut counts = Vec::new();
    for n in 0..4 {
        ctx.with(|ctx| {
            let f: rquickjs::Function = ctx.globals().get("round").expect("round");
            let bad: i32 = f.call((n,)).expect("round runs");
            assert_eq!(bad, 0, "results differ in round {n}");
        });
        rt.run_gc();
        let m = rt.memory_usage();
        counts.push((m.obj_count, m.atom_count, m.shape_count));
    }
    eprintln!("objects before {base}, after each round {counts:?}");
    assert_eq!(counts[2], counts[3], "kept memory grew: {counts:?}");
    // 4096 properties in holder objects at most: about 80 sequences of 10 keys.
    assert!(counts[3].0 - base < 1200, "{counts:?}");
}

#[test]
fn number_and_hash_helpers() {
    let mut buf = [0u8; 3];
    for (u, want) in [
        (0x41u32, "41"),
        (0xE9, "c3a9"),
        (0x7FF, "dfbf"),
        (0x800, "e0a080"),
        (0xD800, "eda080"),
        (0xDFFF, "edbfbf"),
        (0xFFFF, "efbfbf"),
    ] {
        let n = super::encode_unit(u, &mut buf);
        let hex: String = buf[..n].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, want, "{u:#x}");
    }
    assert_ne!(super::hash_bytes(b"ab"), super::hash_bytes(b"ba"));
    assert_ne!(super::hash_bytes(b"a"), super::hash_bytes(b"a\0"));
    assert_ne!(
        super::hash_bytes(b"abcdefgh1"),
        super::hash_bytes(b"abcdefgh2")
    );
}

/// Prints µs per call of the native and the original `JSON.parse` on the `bench/workloads/cpu`
/// document (~50 KB) and on a ~1 KB object. Run it optimised:
/// `cargo test --release -p verge-js -- --ignored parse_timing --nocapture`.
#[test]
#[ignore = "timing; run by hand with --release"]
fn parse_timing() {
    let out = js(r##"
        const big = { users: [] };
        for (let i = 0; big.users.length < 465; i++) {
          big.users.push({ id: i, name: `user-${i}`, email: `user-${i}@example.com`, active: i % 3 === 0, score: i * 1.5, tags: ["a", "b", "c"] });
        }
        const small = { id: 12345, type: "order", status: "shipped", total: 149.95, currency: "EUR",
          customer: { id: 987, name: "Jane Doe", email: "jane.doe@example.com", vip: true, since: "2019-03-14" },
          items: [ { sku: "A-100", name: "Blue mug", qty: 2, price: 19.99 }, { sku: "B-220", name: "Kettle", qty: 1, price: 89.5 },
                   { sku: "C-3", name: "Tea, 50 bags", qty: 4, price: 5.12 }, { sku: "D-47", name: "Coasters (4)", qty: 1, price: 7 } ],
          shipping: { method: "express", carrier: "DHL", tracking: "JD014600003828", cost: 9.9, eta: "2024-05-03" },
          address: { street: "1 Main Street", city: "Springfield", zip: "12345", country: "US", phone: "+1-555-0100" },
          billing: { street: "1 Main Street", city: "Springfield", zip: "12345", country: "US" },
          notes: "Leave at the door, ring twice.\nThanks!", created: "2024-05-01T12:34:56Z", updated: "2024-05-02T08:00:00Z",
          tags: ["gift", "express", "fragile"], flags: { paid: true, refunded: false, disputed: null }, version: 3 };
        // Alternating short windows, the fastest of each kept: robust against other load.
        const perCall = (f, text, ms) => {
          let n = 0;
          const t0 = Date.now();
          while (Date.now() - t0 < ms) { for (let i = 0; i < 10; i++) f(text); n += 10; }
          return ((Date.now() - t0) * 1000) / n;
        };
        const r = {};
        for (const [name, v] of [["50KB", big], ["1KB", small]]) {
          const text = JSON.stringify(v);
          if (JSON.stringify(JSON.parse(text)) !== text) throw new Error("round trip differs");
          let native = Infinity, original = Infinity;
          for (let round = 0; round < 40; round++) {
            native = Math.min(native, perCall(JSON.parse, text, 50));
            original = Math.min(original, perCall(originalParse, text, 50));
          }
          r[name] = { bytes: text.length, nativeUs: +native.toFixed(2), originalUs: +original.toFixed(2), speedup: +(original / native).toFixed(2) };
        }
        return r;
    "##);
    eprintln!("JSON.parse µs per call: {out}");
}

/// A runtime with the native `JSON.parse` (the original kept as `originalParse`) and a
/// `round(n, tag)` that parses texts with repeated key sequences (so holder objects are made)
/// and returns how many results differ from the original's.
fn runtime_with_rounds() -> (rquickjs::Runtime, rquickjs::Context) {
    let rt = rquickjs::Runtime::new().expect("runtime");
    rt.set_max_stack_size(256 * 1024);
    let ctx = rquickjs::Context::full(&rt).expect("context");
    ctx.with(|ctx| {
        let json: Object = ctx.globals().get("JSON").expect("JSON");
        let original: Value = json.get("parse").expect("parse");
        super::super::install(&ctx).expect("install");
        ctx.globals().set("originalParse", original).expect("set");
        ctx.eval::<(), _>(
            r##"
            globalThis.round = (n, tag) => {
              let bad = 0;
              for (let i = 0; i < 40; i++) {
                const keys = [];
                for (let j = 0; j < 6; j++) keys.push('"' + tag + ((n * 7 + i) % 13) + "_" + j + '":' + j);
                const text = "[" + new Array(5).fill("{" + keys.join(",") + "}").join(",") + "]";
                if (JSON.stringify(JSON.parse(text)) !== JSON.stringify(originalParse(text))) bad++;
                const want = keys.map((k) => k.split(":")[0].slice(1, -1)).join();
                if (Object.keys(JSON.parse(text)[2]).join() !== want) bad++;
              }
              return bad;
            };
            "##,
        )
        .expect("setup");
    });
    (rt, ctx)
}

#[test]
fn installations_alternating_on_one_thread_match() {
    // Each switch replaces the thread's memory: the next call of an installation starts a new
    // one, which continues its holders array after the entries already there (see
    // `Memory::new`). Runtimes are also dropped and made anew in between (fresh installation
    // ids).
    let mut rts: Vec<_> = (0..3).map(|_| runtime_with_rounds()).collect();
    for n in 0..60 {
        let k = (n * 5 + n / 3) % rts.len();
        let (rt, ctx) = &rts[k];
        ctx.with(|ctx| {
            let f: rquickjs::Function = ctx.globals().get("round").expect("round");
            let bad: i32 = f
                .call((n as i32, format!("t{}", n % 4)))
                .expect("round runs");
            assert_eq!(bad, 0, "results differ in round {n}");
        });
        rt.run_gc();
        if n % 17 == 16 {
            rts.remove(0);
            rts.push(runtime_with_rounds());
        }
    }
}

#[test]
fn holders_stay_bounded_when_installations_alternate() {
    // Two installations alternate on one thread, each call with key sequences never seen
    // before: every call of one starts a fresh memory, and the holders array must still stop
    // growing at its cap.
    let rts: Vec<_> = (0..2).map(|_| runtime_with_rounds()).collect();
    let mut counts = Vec::new();
    for n in 0..400 {
        let (rt, ctx) = &rts[n % 2];
        ctx.with(|ctx| {
            let f: rquickjs::Function = ctx.globals().get("round").expect("round");
            let bad: i32 = f.call((n as i32, format!("u{n}_"))).expect("round runs");
            assert_eq!(bad, 0, "results differ in round {n}");
        });
        rt.run_gc();
        if n % 2 == 0 && (n == 300 || n == 398) {
            counts.push(rt.memory_usage().obj_count);
        }
    }
    assert_eq!(counts[0], counts[1], "kept memory grew: {counts:?}");
}
