// A small Intl (ECMA-402) for QuickJS, which has none. Time zones come from Rust
// (src/intl.rs, chrono-tz); locale data is the tables below.
//
// Output matches V8/ICU (Node 20, ICU 78, CLDR 48) for these locales:
//   DateTimeFormat: "en-US" (also "en" and every other "en-*" except en-GB), "en-GB".
//   NumberFormat:   "en-*" (en-GB differs only in currency symbols), "de-*", "fr-*".
// Any other locale resolves to "en-US" (resolvedOptions().locale says so), as an unsupported
// locale does in V8. The default locale is "en-US" and the default time zone "UTC", as on
// Workers. Unsupported options: calendars other than gregory, numbering systems other than
// latn, era, dayPeriod, hourCycle h11/h24 (treated as h12/h23), compact/scientific notation,
// unit style, significant digits, signDisplay. Collator compares by a simple Unicode order
// (base letters, then accents, then case, lower first; optional numeric), not the UCA.
// PluralRules and RelativeTimeFormat use English rules and words for every locale.
"use strict";
// String building: `+` and ToString, never template literals (see crates/verge-js/js/primordials.js).
const $toString = primordials.ToString;
const ops = internal.intl;
// Loaded on first use: constructors and the methods below come from `primordials` (captured when
// the isolate was made), not from globals a guest may have replaced.
const {
  TypeError: $TypeError, RangeError: $RangeError, Object: $Object, Number: $Number,
  String: $String, Date: $Date, Math: $Math, Array: $Array, BigInt: $BigInt,
} = primordials;
const DateNow = primordials.DateStatics.now;
const DateValueOf = primordials.DatePrototype.valueOf;
const NumberValueOf = primordials.NumberPrototype.valueOf;
const ObjectDefineProperty = primordials.ObjectStatics.defineProperty;
const ReflectApply = primordials.ReflectStatics.apply;
const StringNormalize = primordials.StringPrototype.normalize;
const { MathStatics: M, ObjectStatics: O, NumberStatics: N, ArrayStatics: A, uncurryThis, call, SymbolToStringTag } = primordials;

// String, array and RegExp operations as captured at isolate creation: this file runs after guest
// code, which may have replaced any prototype method (and array iteration, spread and template
// literals go through those). Lists are only read and written by index.
const SP = primordials.StringPrototype;
const StringSlice = uncurryThis(SP.slice), StringIndexOf = uncurryThis(SP.indexOf);
const StringToLowerCase = uncurryThis(SP.toLowerCase), StringToUpperCase = uncurryThis(SP.toUpperCase);
const StringStartsWith = uncurryThis(SP.startsWith), StringEndsWith = uncurryThis(SP.endsWith);
const StringRepeat = uncurryThis(SP.repeat), StringCharCodeAt = uncurryThis(SP.charCodeAt);
const RegExpExec = uncurryThis(primordials.RegExpPrototype.exec);
const WeakMapGet = uncurryThis(primordials.WeakMapPrototype.get), WeakMapSet = uncurryThis(primordials.WeakMapPrototype.set);
const normalize = (s, form) => ReflectApply(StringNormalize, s, [form]);
const reTest = (re, s) => RegExpExec(re, s) !== null;
// Index of the first match of `re` (not global) in `s`, or -1.
const reSearch = (re, s) => { const m = RegExpExec(re, s); return m === null ? -1 : m.index; };
// `s` with the first match of `re` (not global) replaced by `by` (no `$` patterns).
const reReplace = (re, s, by) => {
  const m = RegExpExec(re, s);
  return m === null ? s : StringSlice(s, 0, m.index) + by + StringSlice(s, m.index + m[0].length);
};
// `s` with every match of the global `re` removed.
const reRemoveAll = (re, s) => {
  let out = "", from = 0;
  re.lastIndex = 0;
  for (;;) {
    const m = RegExpExec(re, s);
    if (m === null) return out + StringSlice(s, from);
    out += StringSlice(s, from, m.index);
    from = m.index + m[0].length;
    if (m[0].length === 0) re.lastIndex++;
  }
};
// Every match of the global `re` in `s`.
const reMatchAll = (re, s) => {
  const out = [];
  re.lastIndex = 0;
  for (;;) {
    const m = RegExpExec(re, s);
    if (m === null) return out;
    out[out.length] = m[0];
    if (m[0].length === 0) re.lastIndex++;
  }
};
const splitOn = (s, sep) => {
  const out = [];
  let from = 0;
  for (;;) {
    const i = StringIndexOf(s, sep, from);
    if (i < 0) { out[out.length] = StringSlice(s, from); return out; }
    out[out.length] = StringSlice(s, from, i);
    from = i + sep.length;
  }
};
const includes = (list, v) => { for (let i = 0; i < list.length; i++) if (list[i] === v) return true; return false; };
const push = (list, v) => { list[list.length] = v; };
const pushAll = (list, items) => { for (let i = 0; i < items.length; i++) list[list.length] = items[i]; };
const concatLists = function () {
  const out = [];
  for (let a = 0; a < arguments.length; a++) pushAll(out, arguments[a]);
  return out;
};
const mapList = (list, f) => { const out = []; for (let i = 0; i < list.length; i++) out[i] = f(list[i]); return out; };
const filterList = (list, f) => { const out = []; for (let i = 0; i < list.length; i++) if (f(list[i])) push(out, list[i]); return out; };
const joinValues = (parts) => { let s = ""; for (let i = 0; i < parts.length; i++) s += parts[i].value; return s; };

// ---------------------------------------------------------------------------------------------
// Locales
// ---------------------------------------------------------------------------------------------
const LANG_RE = /^[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*(-[a-wy-z0-9](-[a-z0-9]{2,8})+)*(-x(-[a-z0-9]{1,8})+)?$/i;

const ALPHA = /^[a-z]+$/i, DIGITS3 = /^[0-9]{3}$/;
function canonicalizeTag(tag) {
  if (typeof tag !== "string" && (typeof tag !== "object" || tag === null)) {
    throw new $TypeError("Language ID should be string or object.");
  }
  tag = $toString(tag);
  if (!reTest(LANG_RE, tag)) throw new $RangeError("Incorrect locale information provided");
  const parts = splitOn(tag, "-");
  let out = StringToLowerCase(parts[0]);
  let i = 1;
  for (; i < parts.length; i++) {
    const p = parts[i];
    if (p.length === 1) break; // extensions keep lower case
    if (i === 1 && p.length === 4) out += "-" + StringToUpperCase(p[0]) + StringToLowerCase(StringSlice(p, 1));
    else if ((p.length === 2 && reTest(ALPHA, p)) || reTest(DIGITS3, p)) out += "-" + StringToUpperCase(p);
    else out += "-" + StringToLowerCase(p);
  }
  for (; i < parts.length; i++) out += "-" + StringToLowerCase(parts[i]);
  return out;
}

function canonicalizeLocaleList(locales) {
  if (locales === undefined) return [];
  const list = typeof locales === "string" || (typeof locales === "object" && locales !== null && !A.isArray(locales) && typeof locales.length !== "number")
    ? [locales] : locales;
  const seen = [];
  const n = list.length >>> 0;
  for (let k = 0; k < n; k++) {
    if (!(k in list)) continue;
    const c = canonicalizeTag(list[k]);
    if (!includes(seen, c)) push(seen, c);
  }
  return seen;
}

// The base tag without extensions ("en-US-u-ca-buddhist" -> "en-US").
const EXTENSION = /-[a-z0-9]-/i;
function stripExtensions(tag) {
  const i = reSearch(EXTENSION, tag);
  return i < 0 ? tag : StringSlice(tag, 0, i);
}

// First requested locale whose language `supports` accepts; else "en-US".
function resolveLocale(locales, supports) {
  const list = canonicalizeLocaleList(locales);
  for (let i = 0; i < list.length; i++) {
    const base = stripExtensions(list[i]);
    if (supports(base)) return base;
  }
  return "en-US";
}

const lang = (tag) => { const i = StringIndexOf(tag, "-"); return i < 0 ? tag : StringSlice(tag, 0, i); };
const REGION = /-([A-Z]{2}|[0-9]{3})(-|$)/;
const region = (tag) => { const m = RegExpExec(REGION, tag); return m ? m[1] : ""; };

function getOption(options, prop, allowed, fallback, ctor) {
  let v = options[prop];
  if (v === undefined) return fallback;
  if (allowed === "boolean") return !!v;
  v = $toString(v);
  if (allowed && !includes(allowed, v)) {
    throw new $RangeError(("Value " + $toString(v) + " out of range for " + $toString(ctor) + " options property " + $toString(prop)));
  }
  return v;
}

function toOptions(options) {
  if (options === undefined) return O.create(null);
  if (options === null) throw new $TypeError("Cannot convert undefined or null to object");
  return $Object(options);
}

// ---------------------------------------------------------------------------------------------
// NumberFormat
// ---------------------------------------------------------------------------------------------
const NUMBER_LANGS = ["en", "de", "fr"];
const NUMBER_SYMBOLS = {
  en: { group: ",", decimal: ".", percentSep: "", currencyAfter: false },
  de: { group: ".", decimal: ",", percentSep: "\u00a0", currencyAfter: true },
  fr: { group: "\u202f", decimal: ",", percentSep: "\u00a0", currencyAfter: true },
};
const CURRENCY_DIGITS = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, HUF: 2, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3, IQD: 0, UGX: 0, PYG: 0, XAF: 0, XOF: 0 };
const CURRENCY_SYMBOLS_EN = { USD: "$", EUR: "€", GBP: "£", JPY: "¥", CAD: "CA$", AUD: "A$", INR: "₹", CNY: "CN¥", KRW: "₩", BRL: "R$", MXN: "MX$", NZD: "NZ$", HKD: "HK$", TWD: "NT$", ILS: "₪", VND: "₫", XAF: "FCFA", XOF: "F\u202fCFA", PHP: "₱" };
const CURRENCY_NAMES_EN = { USD: ["US dollar", "US dollars"], EUR: ["euro", "euros"], GBP: ["British pound", "British pounds"], JPY: ["Japanese yen", "Japanese yen"], CAD: ["Canadian dollar", "Canadian dollars"], AUD: ["Australian dollar", "Australian dollars"], CHF: ["Swiss franc", "Swiss francs"], INR: ["Indian rupee", "Indian rupees"], CNY: ["Chinese yuan", "Chinese yuan"] };

const LEADING_LETTERS = /^[A-Z]+(?=[^A-Z])/;
function currencySymbol(locale, code, display) {
  if (display === "code") return code;
  const l = lang(locale);
  if (l === "en") {
    if (region(locale) === "GB" && code === "USD" && display !== "narrowSymbol") return "US$";
    if (display === "narrowSymbol") {
      const s = CURRENCY_SYMBOLS_EN[code];
      return s ? reReplace(LEADING_LETTERS, s, "") : code;
    }
    return CURRENCY_SYMBOLS_EN[code] || code;
  }
  const table = { EUR: "€", GBP: "£", JPY: "¥", USD: l === "fr" ? "$US" : "$" };
  if (display === "narrowSymbol") return { EUR: "€", GBP: "£", JPY: "¥", USD: "$" }[code] || code;
  return table[code] || code;
}

// The decimal digits of |x| (a finite number, BigInt, or numeric string) as
// { int: "123", frac: "45" } using the shortest round-trip representation.
const EXPONENT = /e/i, LEADING_ZEROS = /^0+(?=\d)/;
function toDecimal(x) {
  let s = $toString(x);
  if (s[0] === "-") s = StringSlice(s, 1);
  let exp = 0;
  const e = reSearch(EXPONENT, s);
  if (e >= 0) { exp = +StringSlice(s, e + 1); s = StringSlice(s, 0, e); }
  let dot = StringIndexOf(s, ".");
  let digits = dot < 0 ? s : StringSlice(s, 0, dot) + StringSlice(s, dot + 1);
  let point = (dot < 0 ? s.length : dot) + exp;
  if (point <= 0) { digits = StringRepeat("0", 1 - point) + digits; point = 1; }
  if (point > digits.length) digits = digits + StringRepeat("0", point - digits.length);
  return { int: reReplace(LEADING_ZEROS, StringSlice(digits, 0, point), ""), frac: StringSlice(digits, point) };
}

function shiftDecimal(d, places) {
  const all = d.int + d.frac;
  const point = d.int.length + places;
  const padded = point > all.length ? all + StringRepeat("0", point - all.length) : all;
  return { int: reReplace(LEADING_ZEROS, StringSlice(padded, 0, point), "") || "0", frac: StringSlice(padded, point) };
}

// Rounds half away from zero ("halfExpand") to maxFrac digits, then trims trailing zeros down
// to minFrac digits.
function roundDecimal(d, minFrac, maxFrac) {
  let int = d.int, frac = d.frac;
  if (frac.length > maxFrac) {
    const up = StringCharCodeAt(frac, maxFrac) >= 53; // '5'
    frac = StringSlice(frac, 0, maxFrac);
    if (up) {
      const all = int + frac;
      // Add one at the last digit, carrying through the nines.
      let i = all.length - 1, tail = "";
      for (; i >= 0 && all[i] === "9"; i--) tail += "0";
      let joined = i < 0 ? "1" + tail : StringSlice(all, 0, i) + $toString(+all[i] + 1) + tail;
      int = StringSlice(joined, 0, joined.length - frac.length);
      frac = StringSlice(joined, joined.length - frac.length);
    }
  }
  while (frac.length > minFrac && frac[frac.length - 1] === "0") frac = StringSlice(frac, 0, -1);
  while (frac.length < minFrac) frac += "0";
  return { int: int || "0", frac };
}

function groupInteger(int, sep, parts) {
  const first = int.length % 3 || 3;
  push(parts, { type: "integer", value: StringSlice(int, 0, first) });
  for (let i = first; i < int.length; i += 3) {
    push(parts, { type: "group", value: sep });
    push(parts, { type: "integer", value: StringSlice(int, i, i + 3) });
  }
}

const CURRENCY_CODE = /^[A-Za-z]{3}$/, ENDS_IN_LETTER = /[A-Za-z]$/;
// Intl.NumberFormat.prototype.formatToParts, on the resolved options `o`.
function formatNumber(o, value) {
  const sym = NUMBER_SYMBOLS[lang(o.locale)] || NUMBER_SYMBOLS.en;
  let x = typeof value === "bigint" ? value : $Number(value);
  const negative = typeof x === "bigint" ? x < 0n : (x < 0 || O.is(x, -0));
  const body = [];
  if (typeof x === "number" && x !== x) push(body, { type: "nan", value: "NaN" });
  else if (x === Infinity || x === -Infinity) push(body, { type: "infinity", value: "∞" });
  else {
    let d = toDecimal(x);
    if (o.style === "percent") d = shiftDecimal(d, 2);
    d = roundDecimal(d, o.minimumFractionDigits, o.maximumFractionDigits);
    let int = d.int;
    while (int.length < o.minimumIntegerDigits) int = "0" + int;
    const group = o.useGrouping === "always" || (o.useGrouping === "auto" && int.length > 3) || (o.useGrouping === "min2" && int.length > 4);
    if (group) groupInteger(int, sym.group, body);
    else push(body, { type: "integer", value: int });
    if (d.frac) {
      push(body, { type: "decimal", value: sym.decimal });
      push(body, { type: "fraction", value: d.frac });
    }
  }
  const parts = [];
  if (negative) push(parts, { type: "minusSign", value: "-" });
  if (o.style === "currency") {
    const name = o.currencyDisplay === "name";
    const s = name ? "" : currencySymbol(o.locale, o.currency, o.currencyDisplay);
    if (name) {
      const names = CURRENCY_NAMES_EN[o.currency] || [o.currency, o.currency];
      const one = body.length === 1 && body[0].value === "1";
      pushAll(parts, body);
      push(parts, { type: "literal", value: " " });
      push(parts, { type: "currency", value: one ? names[0] : names[1] });
    } else if (sym.currencyAfter) {
      pushAll(parts, body);
      push(parts, { type: "literal", value: "\u00a0" });
      push(parts, { type: "currency", value: s });
    } else {
      push(parts, { type: "currency", value: s });
      // Alphabetic symbols ("CHF", "USD") are set off by a no-break space before digits.
      if (reTest(ENDS_IN_LETTER, s) && body[0].type !== "nan" && body[0].type !== "infinity") push(parts, { type: "literal", value: "\u00a0" });
      pushAll(parts, body);
    }
  } else if (o.style === "percent") {
    pushAll(parts, body);
    if (sym.percentSep) push(parts, { type: "literal", value: sym.percentSep });
    push(parts, { type: "percentSign", value: "%" });
  } else {
    pushAll(parts, body);
  }
  return parts;
}

let numberParts;
class NumberFormat {
  #o;
  constructor(locales = undefined, options = undefined) {
    const o = toOptions(options);
    const locale = resolveLocale(locales, (t) => includes(NUMBER_LANGS, lang(t)));
    const C = "Intl.NumberFormat";
    const style = getOption(o, "style", ["decimal", "percent", "currency", "unit"], "decimal", C);
    if (style === "unit") throw new $RangeError("Intl.NumberFormat style 'unit' is not supported by verge");
    let currency = o.currency;
    if (currency !== undefined) {
      currency = $toString(currency);
      if (!reTest(CURRENCY_CODE, currency)) throw new $RangeError(("Invalid currency code : " + $toString(currency)));
      currency = StringToUpperCase(currency);
    }
    const currencyDisplay = getOption(o, "currencyDisplay", ["code", "symbol", "narrowSymbol", "name"], "symbol", C);
    const currencySign = getOption(o, "currencySign", ["standard", "accounting"], "standard", C);
    if (style === "currency" && currency === undefined) throw new $TypeError("Currency code is required with currency style.");
    const notation = getOption(o, "notation", ["standard", "scientific", "engineering", "compact"], "standard", C);
    if (notation !== "standard") throw new $RangeError(("Intl.NumberFormat notation '" + $toString(notation) + "' is not supported by verge"));
    const digitOption = (name, lo, hi, fallback) => {
      const v = o[name];
      if (v === undefined) return fallback;
      const n = $Number(v);
      if (!(n >= lo && n <= hi)) throw new $RangeError(($toString(name) + " value is out of range."));
      return M.floor(n);
    };
    const minimumIntegerDigits = digitOption("minimumIntegerDigits", 1, 21, 1);
    const cDigits = style === "currency" ? (CURRENCY_DIGITS[currency] ?? 2) : 0;
    const mnfdDefault = style === "currency" ? cDigits : 0;
    const mxfdDefault = style === "currency" ? cDigits : style === "percent" ? 0 : 3;
    let mnfd = digitOption("minimumFractionDigits", 0, 100, undefined);
    let mxfd = digitOption("maximumFractionDigits", 0, 100, undefined);
    if (mnfd === undefined && mxfd === undefined) { mnfd = mnfdDefault; mxfd = mxfdDefault; }
    else if (mnfd === undefined) mnfd = M.min(mnfdDefault, mxfd);
    else if (mxfd === undefined) mxfd = M.max(mxfdDefault, mnfd);
    else if (mnfd > mxfd) throw new $RangeError("maximumFractionDigits value is out of range.");
    let useGrouping = o.useGrouping;
    if (useGrouping === undefined || useGrouping === true || useGrouping === "auto" || useGrouping === "true" || useGrouping === "false") useGrouping = "auto";
    else if (useGrouping === "always" || useGrouping === "min2") useGrouping = $toString(useGrouping);
    else if (!useGrouping) useGrouping = false;
    else throw new $RangeError(("Value " + $toString(useGrouping) + " out of range for " + $toString(C) + " options property useGrouping"));
    this.#o = { locale, style, currency, currencyDisplay, currencySign, minimumIntegerDigits, minimumFractionDigits: mnfd, maximumFractionDigits: mxfd, useGrouping };
  }

  formatToParts(value = undefined) {
    return numberParts(this, value);
  }
  static {
    numberParts = (nf, value) => formatNumber(nf.#o, value);
  }

  format(value = undefined) {
    return joinValues(numberParts(this, value));
  }

  resolvedOptions() {
    const o = this.#o;
    const r = { locale: o.locale, numberingSystem: "latn", style: o.style };
    if (o.style === "currency") {
      r.currency = o.currency;
      r.currencyDisplay = o.currencyDisplay;
      r.currencySign = o.currencySign;
    }
    r.minimumIntegerDigits = o.minimumIntegerDigits;
    r.minimumFractionDigits = o.minimumFractionDigits;
    r.maximumFractionDigits = o.maximumFractionDigits;
    r.useGrouping = o.useGrouping;
    r.notation = "standard";
    r.signDisplay = "auto";
    r.roundingMode = "halfExpand";
    r.roundingIncrement = 1;
    r.trailingZeroDisplay = "auto";
    r.roundingPriority = "auto";
    return r;
  }

  static supportedLocalesOf(locales) {
    return filterList(canonicalizeLocaleList(locales), (t) => includes(NUMBER_LANGS, lang(t)));
  }

  get [SymbolToStringTag]() { return "Intl.NumberFormat"; }
}
{
  const f = NumberFormat.prototype.format;
  delete NumberFormat.prototype.format;
  const cache = new primordials.WeakMap();
  ObjectDefineProperty(NumberFormat.prototype, "format", {
    configurable: true,
    enumerable: false,
    get() {
      let b = WeakMapGet(cache, this);
      if (!b) { b = (v) => ReflectApply(f, this, [v]); WeakMapSet(cache, this, b); }
      return b;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// DateTimeFormat
// ---------------------------------------------------------------------------------------------
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const US_ZONES = { EST: "Eastern Standard Time", EDT: "Eastern Daylight Time", CST: "Central Standard Time", CDT: "Central Daylight Time", MST: "Mountain Standard Time", MDT: "Mountain Daylight Time", PST: "Pacific Standard Time", PDT: "Pacific Daylight Time", AKST: "Alaska Standard Time", AKDT: "Alaska Daylight Time", HST: "Hawaii-Aleutian Standard Time", HDT: "Hawaii-Aleutian Daylight Time" };
const EU_ZONES = { GMT: "Greenwich Mean Time", BST: "British Summer Time", CET: "Central European Standard Time", CEST: "Central European Summer Time", EET: "Eastern European Standard Time", EEST: "Eastern European Summer Time", WET: "Western European Standard Time", WEST: "Western European Summer Time" };
// Long names by zone prefix, keyed by the zone's abbreviation (from chrono-tz).
const LONG_ZONE_NAMES = [
  ["America/", US_ZONES], ["Pacific/Honolulu", US_ZONES], ["Europe/", EU_ZONES],
  ["Asia/Tokyo", { JST: "Japan Standard Time" }], ["Asia/Kolkata", { IST: "India Standard Time" }],
  ["Asia/Shanghai", { CST: "China Standard Time" }],
  ["Australia/", { AEST: "Australian Eastern Standard Time", AEDT: "Australian Eastern Daylight Time" }],
];
const DATE_FIELDS = ["weekday", "year", "month", "day"];
const TIME_FIELDS = ["hour", "minute", "second", "fractionalSecondDigits"];
const STYLES = ["full", "long", "medium", "short"];
const pad2 = (n) => (n < 10 ? "0" : "") + n;

function gmtOffset(seconds, long) {
  if (seconds === 0) return "GMT";
  const sign = seconds < 0 ? "-" : "+";
  const a = M.abs(seconds);
  const h = M.floor(a / 3600), m = M.floor((a % 3600) / 60);
  if (long) return ("GMT" + $toString(sign) + $toString(pad2(h)) + ":" + $toString(pad2(m)));
  return ("GMT" + $toString(sign) + $toString(h) + $toString(m ? ":" + pad2(m) : ""));
}

function zoneName(locale, zone, f, style) {
  if (style === "shortOffset") return gmtOffset(f.offset, false);
  if (style === "longOffset") return gmtOffset(f.offset, true);
  if (zone === "UTC") return style === "long" ? "Coordinated Universal Time" : "UTC";
  if (style === "long") {
    for (let i = 0; i < LONG_ZONE_NAMES.length; i++) {
      const prefix = LONG_ZONE_NAMES[i][0], table = LONG_ZONE_NAMES[i][1];
      if (StringStartsWith(zone, prefix) && table[f.abbr]) return table[f.abbr];
    }
    return gmtOffset(f.offset, true);
  }
  // Short names: en-US spells out the US zones, en-GB the European ones; others are offsets.
  if (region(locale) === "GB") {
    if (StringStartsWith(zone, "Europe/") && EU_ZONES[f.abbr]) return f.abbr;
  } else if ((StringStartsWith(zone, "America/") || zone === "Pacific/Honolulu") && US_ZONES[f.abbr]) {
    return f.abbr;
  }
  return gmtOffset(f.offset, false);
}

// The parts of `date` as DateTimeFormat options `o` format it.
function dateParts(o, date) {
  const t = date === undefined ? DateNow() : $Number(date);
  if (!N.isFinite(t) || M.abs(t) > 8.64e15) throw new $RangeError("Invalid time value");
  return formatParts(o, t);
}
class DateTimeFormat {
  #o;
  constructor(locales = undefined, options = undefined) {
    this.#o = createDateTimeFormat(locales, options, "any", "date");
  }

  formatToParts(date = undefined) {
    return dateParts(this.#o, date);
  }

  format(date = undefined) {
    return joinValues(dateParts(this.#o, date));
  }

  resolvedOptions() {
    const o = this.#o;
    const r = { locale: o.locale, calendar: "gregory", numberingSystem: "latn", timeZone: o.timeZone };
    if (o.hour !== undefined || o.timeStyle !== undefined) {
      r.hourCycle = o.h12 ? "h12" : "h23";
      r.hour12 = o.h12;
    }
    const keys = ["weekday", "year", "month", "day", "hour", "minute", "second", "fractionalSecondDigits", "timeZoneName"];
    for (let i = 0; i < keys.length; i++) {
      if (o[keys[i]] !== undefined) r[keys[i]] = o[keys[i]];
    }
    if (o.dateStyle !== undefined) r.dateStyle = o.dateStyle;
    if (o.timeStyle !== undefined) r.timeStyle = o.timeStyle;
    return r;
  }

  static supportedLocalesOf(locales) {
    return filterList(canonicalizeLocaleList(locales), (t) => lang(t) === "en");
  }

  get [SymbolToStringTag]() { return "Intl.DateTimeFormat"; }
}
{
  const f = DateTimeFormat.prototype.format;
  delete DateTimeFormat.prototype.format;
  const cache = new primordials.WeakMap();
  ObjectDefineProperty(DateTimeFormat.prototype, "format", {
    configurable: true,
    enumerable: false,
    get() {
      let b = WeakMapGet(cache, this);
      if (!b) { b = (d) => ReflectApply(f, this, [d]); WeakMapSet(cache, this, b); }
      return b;
    },
  });
}

// ECMA-402 CreateDateTimeFormat, with `required` ("date", "time", "any") and `defaults`
// ("date", "time", "all") as ToDateTimeOptions takes them.
function createDateTimeFormat(locales, options, required, defaults) {
  const o = toOptions(options);
  const C = "Intl.DateTimeFormat";
  const locale = resolveLocale(locales, (t) => lang(t) === "en");
  const gb = region(locale) === "GB";
  let hour12 = o.hour12 === undefined ? undefined : !!o.hour12;
  const hourCycle = getOption(o, "hourCycle", ["h11", "h12", "h23", "h24"], undefined, C);
  let timeZone = o.timeZone;
  if (timeZone === undefined) timeZone = "UTC";
  else {
    const tz = ops.canonicalTimeZone($toString(timeZone));
    if (tz === null || tz === undefined) throw new $RangeError(("Invalid time zone specified: " + $toString(timeZone)));
    timeZone = tz;
  }
  const r = { locale, timeZone };
  r.weekday = getOption(o, "weekday", ["narrow", "short", "long"], undefined, C);
  getOption(o, "era", ["narrow", "short", "long"], undefined, C);
  r.year = getOption(o, "year", ["2-digit", "numeric"], undefined, C);
  r.month = getOption(o, "month", ["2-digit", "numeric", "narrow", "short", "long"], undefined, C);
  r.day = getOption(o, "day", ["2-digit", "numeric"], undefined, C);
  r.hour = getOption(o, "hour", ["2-digit", "numeric"], undefined, C);
  r.minute = getOption(o, "minute", ["2-digit", "numeric"], undefined, C);
  r.second = getOption(o, "second", ["2-digit", "numeric"], undefined, C);
  if (o.fractionalSecondDigits !== undefined) {
    const n = $Number(o.fractionalSecondDigits);
    if (!(n >= 1 && n <= 3)) throw new $RangeError("fractionalSecondDigits value is out of range.");
    r.fractionalSecondDigits = M.floor(n);
  }
  r.timeZoneName = getOption(o, "timeZoneName", ["short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"], undefined, C);
  if (r.timeZoneName === "shortGeneric") r.timeZoneName = "short";
  if (r.timeZoneName === "longGeneric") r.timeZoneName = "long";
  r.dateStyle = getOption(o, "dateStyle", STYLES, undefined, C);
  r.timeStyle = getOption(o, "timeStyle", STYLES, undefined, C);
  const fields = concatLists(DATE_FIELDS, TIME_FIELDS, ["timeZoneName"]);
  if (r.dateStyle !== undefined || r.timeStyle !== undefined) {
    for (let i = 0; i < fields.length; i++) {
      const k = fields[i];
      if (r[k] !== undefined) throw new $TypeError(("Can't set option " + $toString(k) + " when " + $toString(r.dateStyle !== undefined ? "dateStyle" : "timeStyle") + " is used"));
    }
    if (required === "date" && r.dateStyle === undefined) throw new $TypeError("Invalid option : timeStyle");
    if (required === "time" && r.timeStyle === undefined) throw new $TypeError("Invalid option : dateStyle");
  } else {
    let needDefaults = true;
    if (required === "date" || required === "any") for (let i = 0; i < DATE_FIELDS.length; i++) if (r[DATE_FIELDS[i]] !== undefined) needDefaults = false;
    if (required === "time" || required === "any") for (let i = 0; i < TIME_FIELDS.length; i++) if (r[TIME_FIELDS[i]] !== undefined) needDefaults = false;
    if (needDefaults && (defaults === "date" || defaults === "all")) { r.year = r.month = r.day = "numeric"; }
    if (needDefaults && (defaults === "time" || defaults === "all")) { r.hour = r.minute = r.second = "numeric"; }
  }
  if (hourCycle !== undefined && hour12 === undefined) hour12 = hourCycle === "h11" || hourCycle === "h12";
  r.h12 = hour12 === undefined ? !gb : hour12;
  // What ICU's pattern actually shows, as resolvedOptions reports it.
  // ICU en-GB picks "H:mm" for {hour: "numeric", minute: "2-digit"} but "HH:mm[:ss]" otherwise.
  r.unpaddedHour = gb && !r.h12 && r.hour === "numeric" && r.minute === "2-digit";
  if (r.hour !== undefined) {
    if (!r.h12 && !r.unpaddedHour) r.hour = "2-digit";
    if (r.minute !== undefined) r.minute = "2-digit";
    if (r.second !== undefined) r.second = "2-digit";
  }
  if (gb && r.dateStyle === undefined && r.day !== undefined && (r.month === "numeric" || r.month === "2-digit")) {
    r.day = "2-digit";
    r.month = "2-digit";
  }
  return r;
}

function formatParts(o, t) {
  const z = ops.zoned(t, o.timeZone);
  const f = { year: z[0], month: z[1], day: z[2], hour: z[3], minute: z[4], second: z[5], ms: z[6], weekday: z[7], offset: z[8], abbr: z[9] };
  const gb = region(o.locale) === "GB";
  const parts = [];
  const lit = (v) => {
    const last = parts[parts.length - 1];
    if (last && last.type === "literal") last.value += v;
    else push(parts, { type: "literal", value: v });
  };
  const put = (type, value) => push(parts, { type, value: $toString(value) });
  const yearText = (style) => style === "2-digit" ? pad2(((f.year % 100) + 100) % 100) : $toString(f.year);
  const monthText = (style) => style === "long" ? MONTHS[f.month - 1] : style === "short" ? StringSlice(MONTHS[f.month - 1], 0, 3)
    : style === "narrow" ? MONTHS[f.month - 1][0] : style === "2-digit" ? pad2(f.month) : $toString(f.month);
  const weekdayText = (style) => style === "long" ? WEEKDAYS[f.weekday] : style === "short" ? StringSlice(WEEKDAYS[f.weekday], 0, 3) : WEEKDAYS[f.weekday][0];
  const dayText = (style) => style === "2-digit" ? pad2(f.day) : $toString(f.day);

  // Resolve styles to fields.
  let d = { weekday: o.weekday, year: o.year, month: o.month, day: o.day };
  let tm = { hour: o.hour, minute: o.minute, second: o.second, fsd: o.fractionalSecondDigits, tz: o.timeZoneName };
  let joiner = ", ";
  if (o.dateStyle !== undefined || o.timeStyle !== undefined) {
    d = {}; tm = {};
    if (o.dateStyle === "full") d = { weekday: "long", year: "numeric", month: "long", day: "numeric" };
    else if (o.dateStyle === "long") d = { year: "numeric", month: "long", day: "numeric" };
    else if (o.dateStyle === "medium") d = { year: "numeric", month: "short", day: "numeric" };
    else if (o.dateStyle === "short") d = gb ? { year: "numeric", month: "2-digit", day: "2-digit" } : { year: "2-digit", month: "numeric", day: "numeric" };
    if (o.timeStyle !== undefined) {
      tm = { hour: "numeric", minute: "2-digit" };
      if (o.timeStyle !== "short") tm.second = "2-digit";
      if (o.timeStyle === "full") tm.tz = "long";
      if (o.timeStyle === "long") tm.tz = "short";
    }
    if (o.dateStyle === "full" || o.dateStyle === "long") joiner = " at ";
  }

  // Date.
  const hasDate = d.weekday !== undefined || d.year !== undefined || d.month !== undefined || d.day !== undefined;
  if (hasDate) {
    const textMonth = d.month === "long" || d.month === "short" || d.month === "narrow";
    if (d.weekday !== undefined) {
      put("weekday", weekdayText(d.weekday));
      const more = d.year !== undefined || d.month !== undefined || d.day !== undefined;
      if (more) lit(gb && textMonth && d.year === undefined ? " " : ", ");
    }
    if (textMonth) {
      if (gb) {
        if (d.day !== undefined) { put("day", dayText(d.day)); lit(" "); }
        put("month", monthText(d.month));
        if (d.year !== undefined) { lit(" "); put("year", yearText(d.year)); }
      } else {
        put("month", monthText(d.month));
        if (d.day !== undefined) { lit(" "); put("day", dayText(d.day)); }
        if (d.year !== undefined) { lit(d.day !== undefined ? ", " : " "); put("year", yearText(d.year)); }
      }
    } else {
      const order = gb ? ["day", "month", "year"] : ["month", "day", "year"];
      let first = true;
      for (let i = 0; i < order.length; i++) {
        const k = order[i];
        if (d[k] === undefined) continue;
        if (!first) lit("/");
        first = false;
        put(k, k === "year" ? yearText(d.year) : k === "month" ? monthText(d.month) : dayText(d.day));
      }
    }
  }

  // Time.
  const hasTime = tm.hour !== undefined || tm.minute !== undefined || tm.second !== undefined || tm.fsd !== undefined;
  if (hasTime) {
    if (hasDate) lit(joiner);
    const h12 = o.h12;
    if (tm.hour !== undefined) {
      const h = h12 ? (f.hour % 12 || 12) : f.hour;
      const unpadded = h12 ? tm.hour !== "2-digit" : o.unpaddedHour && o.timeStyle === undefined;
      put("hour", unpadded ? $toString(h) : pad2(h));
      // ...and "HH'h' z" for an hour alone with a zone name.
      if (gb && !h12 && tm.minute === undefined && tm.tz !== undefined) parts[parts.length - 1].value += "h";
    }
    if (tm.minute !== undefined) {
      if (tm.hour !== undefined) lit(":");
      put("minute", tm.hour !== undefined || tm.minute === "2-digit" ? pad2(f.minute) : f.minute);
    }
    if (tm.second !== undefined) {
      if (tm.hour !== undefined || tm.minute !== undefined) lit(":");
      put("second", tm.hour !== undefined || tm.minute !== undefined || tm.second === "2-digit" ? pad2(f.second) : f.second);
    }
    if (tm.fsd !== undefined) {
      if (tm.second !== undefined) lit(".");
      put("fractionalSecond", StringSlice($toString(f.ms + 1000), 1, 1 + tm.fsd));
    }
    if (tm.hour !== undefined && h12) {
      lit(" ");
      put("dayPeriod", f.hour < 12 ? "AM" : "PM");
    }
  }
  if (tm.tz !== undefined) {
    if (hasTime) lit(" ");
    else if (hasDate) lit(", ");
    put("timeZoneName", zoneName(o.locale, o.timeZone, f, tm.tz));
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Collator, PluralRules, RelativeTimeFormat
// ---------------------------------------------------------------------------------------------
const MARKS = /[\u0300-\u036f]/g, NUMBER_RUNS = /\d+|\D+/g, STARTS_WITH_DIGIT = /^\d/, PUNCTUATION = /[\p{P}\s]/gu;
const stripMarks = (s) => reRemoveAll(MARKS, normalize(s, "NFD"));
function cmpCodePoints(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
function cmpNumericAware(a, b, numeric) {
  if (!numeric) return cmpCodePoints(a, b);
  const ra = reMatchAll(NUMBER_RUNS, a), rb = reMatchAll(NUMBER_RUNS, b);
  for (let i = 0; i < M.min(ra.length, rb.length); i++) {
    const x = ra[i], y = rb[i];
    if (reTest(STARTS_WITH_DIGIT, x) && reTest(STARTS_WITH_DIGIT, y)) {
      const nx = reReplace(LEADING_ZEROS, x, ""), ny = reReplace(LEADING_ZEROS, y, "");
      if (nx.length !== ny.length) return nx.length < ny.length ? -1 : 1;
      const c = cmpCodePoints(nx, ny);
      if (c) return c;
    } else {
      const c = cmpCodePoints(x, y);
      if (c) return c;
    }
  }
  return ra.length === rb.length ? 0 : ra.length < rb.length ? -1 : 1;
}

class Collator {
  #o;
  constructor(locales = undefined, options = undefined) {
    const o = toOptions(options);
    const C = "Intl.Collator";
    const usage = getOption(o, "usage", ["sort", "search"], "sort", C);
    const numeric = getOption(o, "numeric", "boolean", false, C);
    const caseFirst = getOption(o, "caseFirst", ["upper", "lower", "false"], "false", C);
    const sensitivity = getOption(o, "sensitivity", ["base", "accent", "case", "variant"], "variant", C);
    const ignorePunctuation = getOption(o, "ignorePunctuation", "boolean", false, C);
    const locale = resolveLocale(locales, () => true);
    this.#o = { locale, usage, sensitivity, ignorePunctuation, collation: "default", numeric, caseFirst };
  }
  compare(a, b) {
    const o = this.#o;
    a = $toString(a); b = $toString(b);
    if (o.ignorePunctuation) { a = reRemoveAll(PUNCTUATION, a); b = reRemoveAll(PUNCTUATION, b); }
    const baseA = StringToLowerCase(stripMarks(a)), baseB = StringToLowerCase(stripMarks(b));
    let c = cmpNumericAware(baseA, baseB, o.numeric);
    if (c || o.sensitivity === "base") return c;
    if (o.sensitivity === "accent" || o.sensitivity === "variant") {
      c = cmpNumericAware(normalize(StringToLowerCase(a), "NFD"), normalize(StringToLowerCase(b), "NFD"), o.numeric);
      if (c || o.sensitivity === "accent") return c;
    }
    // Case: lower before upper unless caseFirst is "upper".
    const ca = stripMarks(a), cb = stripMarks(b);
    c = -cmpNumericAware(ca, cb, o.numeric);
    if (o.caseFirst === "upper") c = -c;
    return c;
  }
  resolvedOptions() { return { ...this.#o }; }
  static supportedLocalesOf(locales) { return mapList(canonicalizeLocaleList(locales), stripExtensions); }
  get [SymbolToStringTag]() { return "Intl.Collator"; }
}
{
  const f = Collator.prototype.compare;
  delete Collator.prototype.compare;
  const cache = new primordials.WeakMap();
  ObjectDefineProperty(Collator.prototype, "compare", {
    configurable: true,
    enumerable: false,
    get() {
      let b = WeakMapGet(cache, this);
      if (!b) { b = (x, y) => ReflectApply(f, this, [x, y]); WeakMapSet(cache, this, b); }
      return b;
    },
  });
}

class PluralRules {
  #o;
  constructor(locales = undefined, options = undefined) {
    const o = toOptions(options);
    const type = getOption(o, "type", ["cardinal", "ordinal"], "cardinal", "Intl.PluralRules");
    this.#o = { locale: resolveLocale(locales, () => true), type };
  }
  select(n) {
    n = $Number(n);
    if (this.#o.type === "ordinal") {
      const i = M.abs(n) % 100, j = M.abs(n) % 10;
      if (!N.isInteger(n)) return "other";
      if (j === 1 && i !== 11) return "one";
      if (j === 2 && i !== 12) return "two";
      if (j === 3 && i !== 13) return "few";
      return "other";
    }
    return M.abs(n) === 1 ? "one" : "other";
  }
  resolvedOptions() {
    return {
      locale: this.#o.locale, type: this.#o.type, minimumIntegerDigits: 1, minimumFractionDigits: 0, maximumFractionDigits: 3,
      pluralCategories: this.#o.type === "ordinal" ? ["few", "one", "two", "other"] : ["one", "other"],
    };
  }
  static supportedLocalesOf(locales) { return mapList(canonicalizeLocaleList(locales), stripExtensions); }
  get [SymbolToStringTag]() { return "Intl.PluralRules"; }
}

const REL_UNITS = {
  second: ["second", "seconds", "sec.", "sec.", ["now"]],
  minute: ["minute", "minutes", "min.", "min.", ["this minute"]],
  hour: ["hour", "hours", "hr.", "hr.", ["this hour"]],
  day: ["day", "days", "day", "days", ["yesterday", "today", "tomorrow"]],
  week: ["week", "weeks", "wk.", "wk.", ["last week", "this week", "next week"], ["last wk.", "this wk.", "next wk."]],
  month: ["month", "months", "mo.", "mo.", ["last month", "this month", "next month"], ["last mo.", "this mo.", "next mo."]],
  quarter: ["quarter", "quarters", "qtr.", "qtrs.", ["last quarter", "this quarter", "next quarter"], ["last qtr.", "this qtr.", "next qtr."]],
  year: ["year", "years", "yr.", "yr.", ["last year", "this year", "next year"], ["last yr.", "this yr.", "next yr."]],
};

let relativeParts;
class RelativeTimeFormat {
  #o;
  #nf;
  constructor(locales = undefined, options = undefined) {
    const o = toOptions(options);
    const C = "Intl.RelativeTimeFormat";
    const style = getOption(o, "style", ["long", "short", "narrow"], "long", C);
    const numeric = getOption(o, "numeric", ["always", "auto"], "always", C);
    this.#o = { locale: resolveLocale(locales, () => true), style, numeric, numberingSystem: "latn" };
    this.#nf = new NumberFormat("en-US");
  }
  formatToParts(value, unit) {
    return this.#parts(value, unit);
  }
  #parts(value, unit) {
    value = $Number(value);
    unit = $toString(unit);
    const singular = StringEndsWith(unit, "s") ? StringSlice(unit, 0, -1) : unit;
    const u = REL_UNITS[singular];
    if (!u) throw new $RangeError(("Invalid unit argument for Intl.RelativeTimeFormat.prototype.format() '" + $toString(unit) + "'"));
    if (!N.isFinite(value)) throw new $RangeError("Invalid value");
    const o = this.#o;
    const short = o.style !== "long";
    if (o.numeric === "auto") {
      const words = short && u[5] ? u[5] : u[4];
      if (words.length === 1 && value === 0) return [{ type: "literal", value: words[0] }];
      if (words.length === 3 && (value === -1 || value === 0 || value === 1)) return [{ type: "literal", value: words[value + 1] }];
    }
    const past = value < 0 || O.is(value, -0);
    const abs = M.abs(value);
    const plural = abs === 1 ? 0 : 1;
    const word = short ? u[2 + plural] : u[plural];
    const num = mapList(numberParts(this.#nf, abs), (p) => ({ ...p, unit: singular }));
    return past ? concatLists(num, [{ type: "literal", value: (" " + $toString(word) + " ago") }])
      : concatLists([{ type: "literal", value: "in " }], num, [{ type: "literal", value: (" " + $toString(word)) }]);
  }
  format(value, unit) {
    return joinValues(relativeParts(this, value, unit));
  }
  resolvedOptions() { return { ...this.#o }; }
  static supportedLocalesOf(locales) { return mapList(canonicalizeLocaleList(locales), stripExtensions); }
  static {
    relativeParts = (rtf, value, unit) => rtf.#parts(value, unit);
  }
  get [SymbolToStringTag]() { return "Intl.RelativeTimeFormat"; }
}

// ---------------------------------------------------------------------------------------------
// The namespace and the locale-sensitive built-ins
// ---------------------------------------------------------------------------------------------
const CURRENCIES = ["AUD", "BRL", "CAD", "CHF", "CNY", "EUR", "GBP", "HKD", "INR", "JPY", "KRW", "MXN", "NZD", "USD"];
const Intl = {};
const members = [
  ["DateTimeFormat", DateTimeFormat], ["NumberFormat", NumberFormat], ["Collator", Collator],
  ["PluralRules", PluralRules], ["RelativeTimeFormat", RelativeTimeFormat],
  ["getCanonicalLocales", function getCanonicalLocales(locales) { return canonicalizeLocaleList(locales); }],
  ["supportedValuesOf", function supportedValuesOf(key) {
    key = $toString(key);
    switch (key) {
      case "calendar": return ["gregory"];
      case "collation": return [];
      case "currency": return concatLists(CURRENCIES);
      case "numberingSystem": return ["latn"];
      case "timeZone": return ops.timeZones();
      case "unit": return [];
      default: throw new $RangeError(("Invalid key : " + $toString(key)));
    }
  }],
];
for (let i = 0; i < members.length; i++) {
  ObjectDefineProperty(Intl, members[i][0], { value: members[i][1], writable: true, enumerable: false, configurable: true });
}
ObjectDefineProperty(Intl, SymbolToStringTag, { value: "Intl", configurable: true });

function defineMethod(proto, name, fn) {
  ObjectDefineProperty(fn, "name", { value: name, configurable: true });
  ObjectDefineProperty(proto, name, { value: fn, writable: true, enumerable: false, configurable: true });
}

function dateValue(d) {
  return ReflectApply(DateValueOf, d, []);
}

defineMethod($Date.prototype, "toLocaleString", function (locales = undefined, options = undefined) {
  const t = dateValue(this);
  if (t !== t) return "Invalid Date";
  return joinValues(formatParts(createDateTimeFormat(locales, options, "any", "all"), t));
});
defineMethod($Date.prototype, "toLocaleDateString", function (locales = undefined, options = undefined) {
  const t = dateValue(this);
  if (t !== t) return "Invalid Date";
  return joinValues(formatParts(createDateTimeFormat(locales, options, "date", "date"), t));
});
defineMethod($Date.prototype, "toLocaleTimeString", function (locales = undefined, options = undefined) {
  const t = dateValue(this);
  if (t !== t) return "Invalid Date";
  return joinValues(formatParts(createDateTimeFormat(locales, options, "time", "time"), t));
});
defineMethod($Number.prototype, "toLocaleString", function (locales = undefined, options = undefined) {
  return joinValues(numberParts(new NumberFormat(locales, options), ReflectApply(NumberValueOf, this, [])));
});
if ($BigInt) {
  defineMethod($BigInt.prototype, "toLocaleString", function (locales = undefined, options = undefined) {
    return joinValues(numberParts(new NumberFormat(locales, options), ReflectApply(primordials.BigIntPrototype.valueOf, this, [])));
  });
}

internal.defineGlobal("Intl", Intl);
