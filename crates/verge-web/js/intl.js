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
const ops = internal.intl;
const {
  TypeError: $TypeError, RangeError: $RangeError, Object: $Object, Number: $Number,
  String: $String, Date: $Date, Math: $Math, Array: $Array, BigInt: $BigInt,
} = globalThis;
const DateNow = $Date.now;
const DateValueOf = $Date.prototype.valueOf;
const NumberValueOf = $Number.prototype.valueOf;
const ObjectDefineProperty = $Object.defineProperty;
const ReflectApply = Reflect.apply;
const StringNormalize = $String.prototype.normalize;

// ---------------------------------------------------------------------------------------------
// Locales
// ---------------------------------------------------------------------------------------------
const LANG_RE = /^[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?(-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*(-[a-wy-z0-9](-[a-z0-9]{2,8})+)*(-x(-[a-z0-9]{1,8})+)?$/i;

function canonicalizeTag(tag) {
  if (typeof tag !== "string" && (typeof tag !== "object" || tag === null)) {
    throw new $TypeError("Language ID should be string or object.");
  }
  tag = `${tag}`;
  if (!LANG_RE.test(tag)) throw new $RangeError("Incorrect locale information provided");
  const parts = tag.split("-");
  let out = [parts[0].toLowerCase()];
  let i = 1;
  for (; i < parts.length; i++) {
    const p = parts[i];
    if (p.length === 1) break; // extensions keep lower case
    if (i === 1 && p.length === 4) out.push(p[0].toUpperCase() + p.slice(1).toLowerCase());
    else if ((p.length === 2 && /^[a-z]+$/i.test(p)) || /^[0-9]{3}$/.test(p)) out.push(p.toUpperCase());
    else out.push(p.toLowerCase());
  }
  for (; i < parts.length; i++) out.push(parts[i].toLowerCase());
  return out.join("-");
}

function canonicalizeLocaleList(locales) {
  if (locales === undefined) return [];
  const list = typeof locales === "string" || (typeof locales === "object" && locales !== null && !$Array.isArray(locales) && typeof locales.length !== "number")
    ? [locales] : locales;
  const seen = [];
  const n = list.length >>> 0;
  for (let k = 0; k < n; k++) {
    if (!(k in list)) continue;
    const c = canonicalizeTag(list[k]);
    if (!seen.includes(c)) seen.push(c);
  }
  return seen;
}

// The base tag without extensions ("en-US-u-ca-buddhist" -> "en-US").
function stripExtensions(tag) {
  const i = tag.search(/-[a-z0-9]-/i);
  return i < 0 ? tag : tag.slice(0, i);
}

// First requested locale whose language `supports` accepts; else "en-US".
function resolveLocale(locales, supports) {
  for (const tag of canonicalizeLocaleList(locales)) {
    const base = stripExtensions(tag);
    if (supports(base)) return base;
  }
  return "en-US";
}

const lang = (tag) => tag.split("-")[0];
const region = (tag) => { const m = /-([A-Z]{2}|[0-9]{3})(-|$)/.exec(tag); return m ? m[1] : ""; };

function getOption(options, prop, allowed, fallback, ctor) {
  let v = options[prop];
  if (v === undefined) return fallback;
  if (allowed === "boolean") return !!v;
  v = `${v}`;
  if (allowed && !allowed.includes(v)) {
    throw new $RangeError(`Value ${v} out of range for ${ctor} options property ${prop}`);
  }
  return v;
}

function toOptions(options) {
  if (options === undefined) return $Object.create(null);
  if (options === null) throw new $TypeError("Cannot convert undefined or null to object");
  return $Object(options);
}

// ---------------------------------------------------------------------------------------------
// NumberFormat
// ---------------------------------------------------------------------------------------------
const NUMBER_SYMBOLS = {
  en: { group: ",", decimal: ".", percentSep: "", currencyAfter: false },
  de: { group: ".", decimal: ",", percentSep: "\u00a0", currencyAfter: true },
  fr: { group: "\u202f", decimal: ",", percentSep: "\u00a0", currencyAfter: true },
};
const CURRENCY_DIGITS = { JPY: 0, KRW: 0, VND: 0, CLP: 0, ISK: 0, HUF: 2, BHD: 3, KWD: 3, JOD: 3, OMR: 3, TND: 3, IQD: 0, UGX: 0, PYG: 0, XAF: 0, XOF: 0 };
const CURRENCY_SYMBOLS_EN = { USD: "$", EUR: "€", GBP: "£", JPY: "¥", CAD: "CA$", AUD: "A$", INR: "₹", CNY: "CN¥", KRW: "₩", BRL: "R$", MXN: "MX$", NZD: "NZ$", HKD: "HK$", TWD: "NT$", ILS: "₪", VND: "₫", XAF: "FCFA", XOF: "F\u202fCFA", PHP: "₱" };
const CURRENCY_NAMES_EN = { USD: ["US dollar", "US dollars"], EUR: ["euro", "euros"], GBP: ["British pound", "British pounds"], JPY: ["Japanese yen", "Japanese yen"], CAD: ["Canadian dollar", "Canadian dollars"], AUD: ["Australian dollar", "Australian dollars"], CHF: ["Swiss franc", "Swiss francs"], INR: ["Indian rupee", "Indian rupees"], CNY: ["Chinese yuan", "Chinese yuan"] };

function currencySymbol(locale, code, display) {
  if (display === "code") return code;
  const l = lang(locale);
  if (l === "en") {
    if (region(locale) === "GB" && code === "USD" && display !== "narrowSymbol") return "US$";
    if (display === "narrowSymbol") {
      const s = CURRENCY_SYMBOLS_EN[code];
      return s ? s.replace(/^[A-Z]+(?=[^A-Z])/, "") : code;
    }
    return CURRENCY_SYMBOLS_EN[code] || code;
  }
  const table = { EUR: "€", GBP: "£", JPY: "¥", USD: l === "fr" ? "$US" : "$" };
  if (display === "narrowSymbol") return { EUR: "€", GBP: "£", JPY: "¥", USD: "$" }[code] || code;
  return table[code] || code;
}

// The decimal digits of |x| (a finite number, BigInt, or numeric string) as
// { int: "123", frac: "45" } using the shortest round-trip representation.
function toDecimal(x) {
  let s = typeof x === "bigint" ? `${x}` : `${x}`;
  if (s[0] === "-") s = s.slice(1);
  let exp = 0;
  const e = s.search(/e/i);
  if (e >= 0) { exp = +s.slice(e + 1); s = s.slice(0, e); }
  let dot = s.indexOf(".");
  let digits = dot < 0 ? s : s.slice(0, dot) + s.slice(dot + 1);
  let point = (dot < 0 ? s.length : dot) + exp;
  if (point <= 0) { digits = "0".repeat(1 - point) + digits; point = 1; }
  if (point > digits.length) digits = digits + "0".repeat(point - digits.length);
  return { int: digits.slice(0, point).replace(/^0+(?=\d)/, ""), frac: digits.slice(point) };
}

function shiftDecimal(d, places) {
  const all = d.int + d.frac;
  const point = d.int.length + places;
  const padded = point > all.length ? all + "0".repeat(point - all.length) : all;
  return { int: padded.slice(0, point).replace(/^0+(?=\d)/, "") || "0", frac: padded.slice(point) };
}

// Rounds half away from zero ("halfExpand") to maxFrac digits, then trims trailing zeros down
// to minFrac digits.
function roundDecimal(d, minFrac, maxFrac) {
  let int = d.int, frac = d.frac;
  if (frac.length > maxFrac) {
    const up = frac.charCodeAt(maxFrac) >= 53; // '5'
    frac = frac.slice(0, maxFrac);
    if (up) {
      const digits = (int + frac).split("");
      let i = digits.length - 1;
      for (; i >= 0; i--) {
        if (digits[i] === "9") digits[i] = "0";
        else { digits[i] = `${+digits[i] + 1}`; break; }
      }
      let joined = digits.join("");
      if (i < 0) joined = "1" + joined;
      int = joined.slice(0, joined.length - frac.length);
      frac = joined.slice(joined.length - frac.length);
    }
  }
  while (frac.length > minFrac && frac[frac.length - 1] === "0") frac = frac.slice(0, -1);
  while (frac.length < minFrac) frac += "0";
  return { int: int || "0", frac };
}

function groupInteger(int, sep, parts) {
  const first = int.length % 3 || 3;
  parts.push({ type: "integer", value: int.slice(0, first) });
  for (let i = first; i < int.length; i += 3) {
    parts.push({ type: "group", value: sep });
    parts.push({ type: "integer", value: int.slice(i, i + 3) });
  }
}

class NumberFormat {
  #o;
  constructor(locales = undefined, options = undefined) {
    const o = toOptions(options);
    const locale = resolveLocale(locales, (t) => ["en", "de", "fr"].includes(lang(t)));
    const C = "Intl.NumberFormat";
    const style = getOption(o, "style", ["decimal", "percent", "currency", "unit"], "decimal", C);
    if (style === "unit") throw new $RangeError("Intl.NumberFormat style 'unit' is not supported by verge");
    let currency = o.currency;
    if (currency !== undefined) {
      currency = `${currency}`;
      if (!/^[A-Za-z]{3}$/.test(currency)) throw new $RangeError(`Invalid currency code : ${currency}`);
      currency = currency.toUpperCase();
    }
    const currencyDisplay = getOption(o, "currencyDisplay", ["code", "symbol", "narrowSymbol", "name"], "symbol", C);
    const currencySign = getOption(o, "currencySign", ["standard", "accounting"], "standard", C);
    if (style === "currency" && currency === undefined) throw new $TypeError("Currency code is required with currency style.");
    const notation = getOption(o, "notation", ["standard", "scientific", "engineering", "compact"], "standard", C);
    if (notation !== "standard") throw new $RangeError(`Intl.NumberFormat notation '${notation}' is not supported by verge`);
    const digitOption = (name, lo, hi, fallback) => {
      const v = o[name];
      if (v === undefined) return fallback;
      const n = $Number(v);
      if (!(n >= lo && n <= hi)) throw new $RangeError(`${name} value is out of range.`);
      return $Math.floor(n);
    };
    const minimumIntegerDigits = digitOption("minimumIntegerDigits", 1, 21, 1);
    const cDigits = style === "currency" ? (CURRENCY_DIGITS[currency] ?? 2) : 0;
    const mnfdDefault = style === "currency" ? cDigits : 0;
    const mxfdDefault = style === "currency" ? cDigits : style === "percent" ? 0 : 3;
    let mnfd = digitOption("minimumFractionDigits", 0, 100, undefined);
    let mxfd = digitOption("maximumFractionDigits", 0, 100, undefined);
    if (mnfd === undefined && mxfd === undefined) { mnfd = mnfdDefault; mxfd = mxfdDefault; }
    else if (mnfd === undefined) mnfd = $Math.min(mnfdDefault, mxfd);
    else if (mxfd === undefined) mxfd = $Math.max(mxfdDefault, mnfd);
    else if (mnfd > mxfd) throw new $RangeError("maximumFractionDigits value is out of range.");
    let useGrouping = o.useGrouping;
    if (useGrouping === undefined || useGrouping === true || useGrouping === "auto" || useGrouping === "true" || useGrouping === "false") useGrouping = "auto";
    else if (useGrouping === "always" || useGrouping === "min2") useGrouping = `${useGrouping}`;
    else if (!useGrouping) useGrouping = false;
    else throw new $RangeError(`Value ${useGrouping} out of range for ${C} options property useGrouping`);
    this.#o = { locale, style, currency, currencyDisplay, currencySign, minimumIntegerDigits, minimumFractionDigits: mnfd, maximumFractionDigits: mxfd, useGrouping };
  }

  formatToParts(value = undefined) {
    const o = this.#o;
    const sym = NUMBER_SYMBOLS[lang(o.locale)] || NUMBER_SYMBOLS.en;
    let x = typeof value === "bigint" ? value : $Number(value);
    const negative = typeof x === "bigint" ? x < 0n : (x < 0 || $Object.is(x, -0));
    const body = [];
    if (typeof x === "number" && x !== x) body.push({ type: "nan", value: "NaN" });
    else if (x === Infinity || x === -Infinity) body.push({ type: "infinity", value: "∞" });
    else {
      let d = toDecimal(x);
      if (o.style === "percent") d = shiftDecimal(d, 2);
      d = roundDecimal(d, o.minimumFractionDigits, o.maximumFractionDigits);
      let int = d.int;
      while (int.length < o.minimumIntegerDigits) int = "0" + int;
      const group = o.useGrouping === "always" || (o.useGrouping === "auto" && int.length > 3) || (o.useGrouping === "min2" && int.length > 4);
      if (group) groupInteger(int, sym.group, body);
      else body.push({ type: "integer", value: int });
      if (d.frac) {
        body.push({ type: "decimal", value: sym.decimal });
        body.push({ type: "fraction", value: d.frac });
      }
    }
    const parts = [];
    if (negative) parts.push({ type: "minusSign", value: "-" });
    if (o.style === "currency") {
      const name = o.currencyDisplay === "name";
      const s = name ? "" : currencySymbol(o.locale, o.currency, o.currencyDisplay);
      if (name) {
        const names = CURRENCY_NAMES_EN[o.currency] || [o.currency, o.currency];
        const one = body.length === 1 && body[0].value === "1";
        parts.push(...body, { type: "literal", value: " " }, { type: "currency", value: one ? names[0] : names[1] });
      } else if (sym.currencyAfter) {
        parts.push(...body, { type: "literal", value: "\u00a0" }, { type: "currency", value: s });
      } else {
        parts.push({ type: "currency", value: s });
        // Alphabetic symbols ("CHF", "USD") are set off by a no-break space before digits.
        if (/[A-Za-z]$/.test(s) && body[0].type !== "nan" && body[0].type !== "infinity") parts.push({ type: "literal", value: "\u00a0" });
        parts.push(...body);
      }
    } else if (o.style === "percent") {
      parts.push(...body);
      if (sym.percentSep) parts.push({ type: "literal", value: sym.percentSep });
      parts.push({ type: "percentSign", value: "%" });
    } else {
      parts.push(...body);
    }
    return parts;
  }

  format(value = undefined) {
    return this.formatToParts(value).map((p) => p.value).join("");
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
    return canonicalizeLocaleList(locales).filter((t) => ["en", "de", "fr"].includes(lang(t)));
  }

  get [Symbol.toStringTag]() { return "Intl.NumberFormat"; }
}
{
  const f = NumberFormat.prototype.format;
  delete NumberFormat.prototype.format;
  const cache = new WeakMap();
  ObjectDefineProperty(NumberFormat.prototype, "format", {
    configurable: true,
    enumerable: false,
    get() {
      let b = cache.get(this);
      if (!b) { b = (v) => ReflectApply(f, this, [v]); cache.set(this, b); }
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
  const a = $Math.abs(seconds);
  const h = $Math.floor(a / 3600), m = $Math.floor((a % 3600) / 60);
  if (long) return `GMT${sign}${pad2(h)}:${pad2(m)}`;
  return `GMT${sign}${h}${m ? ":" + pad2(m) : ""}`;
}

function zoneName(locale, zone, f, style) {
  if (style === "shortOffset") return gmtOffset(f.offset, false);
  if (style === "longOffset") return gmtOffset(f.offset, true);
  if (zone === "UTC") return style === "long" ? "Coordinated Universal Time" : "UTC";
  if (style === "long") {
    for (const [prefix, table] of LONG_ZONE_NAMES) {
      if (zone.startsWith(prefix) && table[f.abbr]) return table[f.abbr];
    }
    return gmtOffset(f.offset, true);
  }
  // Short names: en-US spells out the US zones, en-GB the European ones; others are offsets.
  if (region(locale) === "GB") {
    if (zone.startsWith("Europe/") && EU_ZONES[f.abbr]) return f.abbr;
  } else if ((zone.startsWith("America/") || zone === "Pacific/Honolulu") && US_ZONES[f.abbr]) {
    return f.abbr;
  }
  return gmtOffset(f.offset, false);
}

class DateTimeFormat {
  #o;
  constructor(locales = undefined, options = undefined) {
    this.#o = createDateTimeFormat(locales, options, "any", "date");
  }
  static [Symbol.for("verge.intl.create")](locales, options, required, defaults) {
    const dtf = new DateTimeFormat();
    dtf.#o = createDateTimeFormat(locales, options, required, defaults);
    return dtf;
  }

  formatToParts(date = undefined) {
    const t = date === undefined ? DateNow() : $Number(date);
    if (!$Number.isFinite(t) || $Math.abs(t) > 8.64e15) throw new $RangeError("Invalid time value");
    return formatParts(this.#o, t);
  }

  format(date = undefined) {
    return this.formatToParts(date).map((p) => p.value).join("");
  }

  resolvedOptions() {
    const o = this.#o;
    const r = { locale: o.locale, calendar: "gregory", numberingSystem: "latn", timeZone: o.timeZone };
    if (o.hour !== undefined || o.timeStyle !== undefined) {
      r.hourCycle = o.h12 ? "h12" : "h23";
      r.hour12 = o.h12;
    }
    for (const k of ["weekday", "year", "month", "day", "hour", "minute", "second", "fractionalSecondDigits", "timeZoneName"]) {
      if (o[k] !== undefined) r[k] = o[k];
    }
    if (o.dateStyle !== undefined) r.dateStyle = o.dateStyle;
    if (o.timeStyle !== undefined) r.timeStyle = o.timeStyle;
    return r;
  }

  static supportedLocalesOf(locales) {
    return canonicalizeLocaleList(locales).filter((t) => lang(t) === "en");
  }

  get [Symbol.toStringTag]() { return "Intl.DateTimeFormat"; }
}
const createDTF = DateTimeFormat[Symbol.for("verge.intl.create")];
delete DateTimeFormat[Symbol.for("verge.intl.create")];
{
  const f = DateTimeFormat.prototype.format;
  delete DateTimeFormat.prototype.format;
  const cache = new WeakMap();
  ObjectDefineProperty(DateTimeFormat.prototype, "format", {
    configurable: true,
    enumerable: false,
    get() {
      let b = cache.get(this);
      if (!b) { b = (d) => ReflectApply(f, this, [d]); cache.set(this, b); }
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
    const tz = ops.canonicalTimeZone(`${timeZone}`);
    if (tz === null || tz === undefined) throw new $RangeError(`Invalid time zone specified: ${timeZone}`);
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
    r.fractionalSecondDigits = $Math.floor(n);
  }
  r.timeZoneName = getOption(o, "timeZoneName", ["short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"], undefined, C);
  if (r.timeZoneName === "shortGeneric") r.timeZoneName = "short";
  if (r.timeZoneName === "longGeneric") r.timeZoneName = "long";
  r.dateStyle = getOption(o, "dateStyle", STYLES, undefined, C);
  r.timeStyle = getOption(o, "timeStyle", STYLES, undefined, C);
  const fields = [...DATE_FIELDS, ...TIME_FIELDS, "timeZoneName"];
  if (r.dateStyle !== undefined || r.timeStyle !== undefined) {
    for (const k of fields) {
      if (r[k] !== undefined) throw new $TypeError(`Can't set option ${k} when ${r.dateStyle !== undefined ? "dateStyle" : "timeStyle"} is used`);
    }
    if (required === "date" && r.dateStyle === undefined) throw new $TypeError("Invalid option : timeStyle");
    if (required === "time" && r.timeStyle === undefined) throw new $TypeError("Invalid option : dateStyle");
  } else {
    let needDefaults = true;
    if (required === "date" || required === "any") for (const k of DATE_FIELDS) if (r[k] !== undefined) needDefaults = false;
    if (required === "time" || required === "any") for (const k of TIME_FIELDS) if (r[k] !== undefined) needDefaults = false;
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
    else parts.push({ type: "literal", value: v });
  };
  const put = (type, value) => parts.push({ type, value: `${value}` });
  const yearText = (style) => style === "2-digit" ? pad2(((f.year % 100) + 100) % 100) : `${f.year}`;
  const monthText = (style) => style === "long" ? MONTHS[f.month - 1] : style === "short" ? MONTHS[f.month - 1].slice(0, 3)
    : style === "narrow" ? MONTHS[f.month - 1][0] : style === "2-digit" ? pad2(f.month) : `${f.month}`;
  const weekdayText = (style) => style === "long" ? WEEKDAYS[f.weekday] : style === "short" ? WEEKDAYS[f.weekday].slice(0, 3) : WEEKDAYS[f.weekday][0];
  const dayText = (style) => style === "2-digit" ? pad2(f.day) : `${f.day}`;

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
      for (const k of order) {
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
      put("hour", unpadded ? `${h}` : pad2(h));
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
      put("fractionalSecond", `${f.ms + 1000}`.slice(1, 1 + tm.fsd));
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
const stripMarks = (s) => ReflectApply(StringNormalize, s, ["NFD"]).replace(/[\u0300-\u036f]/g, "");
function cmpCodePoints(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
function cmpNumericAware(a, b, numeric) {
  if (!numeric) return cmpCodePoints(a, b);
  const ra = a.match(/\d+|\D+/g) || [], rb = b.match(/\d+|\D+/g) || [];
  for (let i = 0; i < $Math.min(ra.length, rb.length); i++) {
    const x = ra[i], y = rb[i];
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const nx = x.replace(/^0+(?=\d)/, ""), ny = y.replace(/^0+(?=\d)/, "");
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
    a = `${a}`; b = `${b}`;
    if (o.ignorePunctuation) { a = a.replace(/[\p{P}\s]/gu, ""); b = b.replace(/[\p{P}\s]/gu, ""); }
    const baseA = stripMarks(a).toLowerCase(), baseB = stripMarks(b).toLowerCase();
    let c = cmpNumericAware(baseA, baseB, o.numeric);
    if (c || o.sensitivity === "base") return c;
    if (o.sensitivity === "accent" || o.sensitivity === "variant") {
      c = cmpNumericAware(ReflectApply(StringNormalize, a.toLowerCase(), ["NFD"]), ReflectApply(StringNormalize, b.toLowerCase(), ["NFD"]), o.numeric);
      if (c || o.sensitivity === "accent") return c;
    }
    // Case: lower before upper unless caseFirst is "upper".
    const ca = stripMarks(a), cb = stripMarks(b);
    c = -cmpNumericAware(ca, cb, o.numeric);
    if (o.caseFirst === "upper") c = -c;
    return c;
  }
  resolvedOptions() { return { ...this.#o }; }
  static supportedLocalesOf(locales) { return canonicalizeLocaleList(locales).map(stripExtensions); }
  get [Symbol.toStringTag]() { return "Intl.Collator"; }
}
{
  const f = Collator.prototype.compare;
  delete Collator.prototype.compare;
  const cache = new WeakMap();
  ObjectDefineProperty(Collator.prototype, "compare", {
    configurable: true,
    enumerable: false,
    get() {
      let b = cache.get(this);
      if (!b) { b = (x, y) => ReflectApply(f, this, [x, y]); cache.set(this, b); }
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
      const i = $Math.abs(n) % 100, j = $Math.abs(n) % 10;
      if (!$Number.isInteger(n)) return "other";
      if (j === 1 && i !== 11) return "one";
      if (j === 2 && i !== 12) return "two";
      if (j === 3 && i !== 13) return "few";
      return "other";
    }
    return $Math.abs(n) === 1 ? "one" : "other";
  }
  resolvedOptions() {
    return {
      locale: this.#o.locale, type: this.#o.type, minimumIntegerDigits: 1, minimumFractionDigits: 0, maximumFractionDigits: 3,
      pluralCategories: this.#o.type === "ordinal" ? ["few", "one", "two", "other"] : ["one", "other"],
    };
  }
  static supportedLocalesOf(locales) { return canonicalizeLocaleList(locales).map(stripExtensions); }
  get [Symbol.toStringTag]() { return "Intl.PluralRules"; }
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
    value = $Number(value);
    unit = `${unit}`;
    const singular = unit.endsWith("s") ? unit.slice(0, -1) : unit;
    const u = REL_UNITS[singular];
    if (!u) throw new $RangeError(`Invalid unit argument for Intl.RelativeTimeFormat.prototype.format() '${unit}'`);
    if (!$Number.isFinite(value)) throw new $RangeError("Invalid value");
    const o = this.#o;
    const short = o.style !== "long";
    if (o.numeric === "auto") {
      const words = short && u[5] ? u[5] : u[4];
      if (words.length === 1 && value === 0) return [{ type: "literal", value: words[0] }];
      if (words.length === 3 && (value === -1 || value === 0 || value === 1)) return [{ type: "literal", value: words[value + 1] }];
    }
    const past = value < 0 || $Object.is(value, -0);
    const abs = $Math.abs(value);
    const plural = abs === 1 ? 0 : 1;
    const word = short ? u[2 + plural] : u[plural];
    const num = this.#nf.formatToParts(abs).map((p) => ({ ...p, unit: singular }));
    return past ? [...num, { type: "literal", value: ` ${word} ago` }] : [{ type: "literal", value: "in " }, ...num, { type: "literal", value: ` ${word}` }];
  }
  format(value, unit) {
    return this.formatToParts(value, unit).map((p) => p.value).join("");
  }
  resolvedOptions() { return { ...this.#o }; }
  static supportedLocalesOf(locales) { return canonicalizeLocaleList(locales).map(stripExtensions); }
  get [Symbol.toStringTag]() { return "Intl.RelativeTimeFormat"; }
}

// ---------------------------------------------------------------------------------------------
// The namespace and the locale-sensitive built-ins
// ---------------------------------------------------------------------------------------------
const CURRENCIES = ["AUD", "BRL", "CAD", "CHF", "CNY", "EUR", "GBP", "HKD", "INR", "JPY", "KRW", "MXN", "NZD", "USD"];
const Intl = {};
for (const [name, value] of [
  ["DateTimeFormat", DateTimeFormat], ["NumberFormat", NumberFormat], ["Collator", Collator],
  ["PluralRules", PluralRules], ["RelativeTimeFormat", RelativeTimeFormat],
  ["getCanonicalLocales", function getCanonicalLocales(locales) { return canonicalizeLocaleList(locales); }],
  ["supportedValuesOf", function supportedValuesOf(key) {
    key = `${key}`;
    switch (key) {
      case "calendar": return ["gregory"];
      case "collation": return [];
      case "currency": return CURRENCIES.slice();
      case "numberingSystem": return ["latn"];
      case "timeZone": return ops.timeZones();
      case "unit": return [];
      default: throw new $RangeError(`Invalid key : ${key}`);
    }
  }],
]) {
  ObjectDefineProperty(Intl, name, { value, writable: true, enumerable: false, configurable: true });
}
ObjectDefineProperty(Intl, Symbol.toStringTag, { value: "Intl", configurable: true });

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
  return createDTF(locales, options, "any", "all").format(t);
});
defineMethod($Date.prototype, "toLocaleDateString", function (locales = undefined, options = undefined) {
  const t = dateValue(this);
  if (t !== t) return "Invalid Date";
  return createDTF(locales, options, "date", "date").format(t);
});
defineMethod($Date.prototype, "toLocaleTimeString", function (locales = undefined, options = undefined) {
  const t = dateValue(this);
  if (t !== t) return "Invalid Date";
  return createDTF(locales, options, "time", "time").format(t);
});
defineMethod($Number.prototype, "toLocaleString", function (locales = undefined, options = undefined) {
  return new NumberFormat(locales, options).format(ReflectApply(NumberValueOf, this, []));
});
if ($BigInt) {
  defineMethod($BigInt.prototype, "toLocaleString", function (locales = undefined, options = undefined) {
    return new NumberFormat(locales, options).format(ReflectApply($BigInt.prototype.valueOf, this, []));
  });
}

internal.defineGlobal("Intl", Intl);
