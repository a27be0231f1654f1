// Blob, File, FormData and multipart/form-data (https://w3c.github.io/FileAPI/,
// https://xhr.spec.whatwg.org/#interface-formdata). Loaded on first use (js/lazy.js), possibly
// after guest code replaced globals or prototype methods: built-ins come from `primordials` only.
// The body mixin in js/fetch.js reaches these through internal.form.
"use strict";
// String building: `+` and ToString, never template literals (see crates/verge-js/js/primordials.js).
const $toString = primordials.ToString;
const { TypeError: $TypeError, Symbol: $Symbol, Uint8Array: $Uint8Array, String: $String, Number: $Number,
        call, uncurryThis, ReflectStatics, MathStatics, DateStatics, StringStatics, StringPrototype,
        RegExpPrototype, TypedArrayPrototypeGetters, SymbolIterator, SymbolToStringTag } = primordials;
const encode = internal.encoding.encode;
const decode = internal.encoding.decodeUtf8;
const { toBytes, concat } = internal.bodyBytes;
const ReflectApply = ReflectStatics.apply;
const MathMax = MathStatics.max, MathMin = MathStatics.min;
const StringFromCharCode = StringStatics.fromCharCode;
const StringCharCodeAt = uncurryThis(StringPrototype.charCodeAt);
const StringSlice = uncurryThis(StringPrototype.slice);
const StringIndexOf = uncurryThis(StringPrototype.indexOf);
const StringTrim = uncurryThis(StringPrototype.trim);
const StringToLowerCase = uncurryThis(StringPrototype.toLowerCase);
const StringStartsWith = uncurryThis(StringPrototype.startsWith);
const StringEndsWith = uncurryThis(StringPrototype.endsWith);
const RegExpExec = uncurryThis(RegExpPrototype.exec);
const TypedArrayBuffer = uncurryThis(TypedArrayPrototypeGetters.buffer);
const TypedArrayByteOffset = uncurryThis(TypedArrayPrototypeGetters.byteOffset);
const TypedArrayLength = uncurryThis(TypedArrayPrototypeGetters.length);

// A copy of bytes [start, end) of `u8` (no species lookup, unlike slice()).
function copyRange(u8, start, end) {
  return new $Uint8Array(new $Uint8Array(TypedArrayBuffer(u8), TypedArrayByteOffset(u8) + start, end - start));
}
// `s` split at every `sep` (no @@split lookup, unlike String.prototype.split).
function splitOn(s, sep) {
  const out = [];
  let from = 0;
  for (;;) {
    const i = StringIndexOf(s, sep, from);
    if (i < 0) { out[out.length] = StringSlice(s, from); return out; }
    out[out.length] = StringSlice(s, from, i);
    from = i + sep.length;
  }
}

// ---- Blob / File ----
const kBytes = $Symbol("bytes");
const PRINTABLE = /^[\x20-\x7e]*$/;
let isBlob, blobType, isFile, fileName, fileLastModified;
class Blob {
  #type;
  constructor(parts = [], options = undefined) {
    const chunks = [];
    if (parts !== undefined && parts !== null) {
      if (typeof parts !== "object" || typeof parts[SymbolIterator] !== "function")
        throw new $TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
      // A guest's sequence is read with the iterator protocol, as WebIDL says.
      for (const p of parts) {
        if (isBlob(p)) chunks[chunks.length] = p[kBytes];
        else { const b = toBytes(p); chunks[chunks.length] = b ? new $Uint8Array(b) : encode($String(p)); }
      }
    }
    this[kBytes] = concat(chunks);
    const t = options && options.type !== undefined ? $String(options.type) : "";
    this.#type = RegExpExec(PRINTABLE, t) !== null ? StringToLowerCase(t) : "";
  }
  get size() { return TypedArrayLength(this[kBytes]); }
  get type() { return this.#type; }
  slice(start = 0, end = undefined, type = "") {
    const bytes = this[kBytes];
    const n = TypedArrayLength(bytes);
    const rel = (v, d) => v === undefined ? d : v < 0 ? MathMax(n + v, 0) : MathMin(v, n);
    const from = rel(start, 0), to = rel(end, n);
    return blobFromBytes(copyRange(bytes, from, MathMax(from, to)), type === undefined ? "" : $String(type));
  }
  async text() { return decode(this[kBytes]); }
  async arrayBuffer() { return TypedArrayBuffer(new $Uint8Array(this[kBytes])); }
  async bytes() { return new $Uint8Array(this[kBytes]); }
  stream() { return internal.streams.fromBytes(this[kBytes]); }
  static {
    isBlob = (b) => b !== null && typeof b === "object" && #type in b;
    blobType = (b) => b.#type;
  }
  get [SymbolToStringTag]() { return "Blob"; }
}
// A Blob over `bytes` (owned by the Blob from now on) with `type`.
function blobFromBytes(bytes, type) {
  const b = new Blob(null, { type }); // null: no sequence to iterate
  b[kBytes] = bytes;
  return b;
}
class File extends Blob {
  #name; #lastModified;
  constructor(bits, name, options = undefined) {
    if (arguments.length < 2) throw new $TypeError("Failed to construct 'File': 2 arguments required.");
    super(bits, options);
    this.#name = $String(name);
    this.#lastModified = options && options.lastModified !== undefined ? $Number(options.lastModified) : DateStatics.now();
  }
  get name() { return this.#name; }
  get lastModified() { return this.#lastModified; }
  static {
    isFile = (f) => f !== null && typeof f === "object" && #name in f;
    fileName = (f) => f.#name;
    fileLastModified = (f, t) => { if (t !== undefined) f.#lastModified = t; return f.#lastModified; };
  }
  get [SymbolToStringTag]() { return "File"; }
}
// A File named `name` holding `bytes` (owned by the File from now on).
function fileFromBytes(bytes, name, type) {
  const f = new File(null, name, { type });
  f[kBytes] = bytes;
  return f;
}
// structuredClone of a Blob or File (global.js asks through `internal.cloneBlob`): a new
// object of the same class over the same bytes (never written after construction), or
// undefined for anything else. A subclass instance comes back as the Blob or File it extends.
internal.cloneBlob = (v) => {
  if (isFile(v)) {
    const f = fileFromBytes(v[kBytes], fileName(v), blobType(v));
    fileLastModified(f, fileLastModified(v));
    return f;
  }
  return isBlob(v) ? blobFromBytes(v[kBytes], blobType(v)) : undefined;
};

// ---- FormData ----
// An entry is [name, value]; the list is only touched through index reads and writes.
function formEntry(name, value, filename) {
  name = $String(name);
  if (isBlob(value)) {
    if (!isFile(value) || filename !== undefined) {
      const n = filename !== undefined ? $String(filename) : (isFile(value) ? fileName(value) : "blob");
      return [name, fileFromBytes(new $Uint8Array(value[kBytes]), n, blobType(value))];
    }
    return [name, value];
  }
  return [name, $String(value)];
}
function firstIndex(list, name) {
  for (let i = 0; i < list.length; i++) if (list[i][0] === name) return i;
  return -1;
}
// The entries of `list` for which keep(entry, index) is true.
function kept(list, keep) {
  const out = [];
  for (let i = 0; i < list.length; i++) if (keep(list[i], i)) out[out.length] = list[i];
  return out;
}
let formList;
class FormData {
  #list = [];
  constructor(form = undefined) {
    if (form !== undefined) throw new $TypeError("Failed to construct 'FormData': form elements are not supported.");
  }
  append(name, value, filename = undefined) { const l = this.#list; l[l.length] = formEntry(name, value, filename); }
  set(name, value, filename = undefined) {
    const e = formEntry(name, value, filename);
    const i = firstIndex(this.#list, e[0]);
    if (i < 0) { const l = this.#list; l[l.length] = e; }
    else { this.#list[i] = e; this.#list = kept(this.#list, (x, j) => j <= i || x[0] !== e[0]); }
  }
  get(name) { name = $String(name); const i = firstIndex(this.#list, name); return i < 0 ? null : this.#list[i][1]; }
  getAll(name) {
    name = $String(name);
    const out = [], l = this.#list;
    for (let i = 0; i < l.length; i++) if (l[i][0] === name) out[out.length] = l[i][1];
    return out;
  }
  has(name) { return firstIndex(this.#list, $String(name)) >= 0; }
  delete(name) { name = $String(name); this.#list = kept(this.#list, (x) => x[0] !== name); }
  forEach(cb, thisArg = undefined) {
    const l = kept(this.#list, () => true);
    for (let i = 0; i < l.length; i++) call(cb, thisArg, l[i][1], l[i][0], this);
  }
  *entries() { const l = this.#list; for (let i = 0; i < l.length; i++) yield [l[i][0], l[i][1]]; }
  *keys() { const l = this.#list; for (let i = 0; i < l.length; i++) yield l[i][0]; }
  *values() { const l = this.#list; for (let i = 0; i < l.length; i++) yield l[i][1]; }
  [SymbolIterator]() { return this.entries(); }
  static { formList = (f) => f.#list; }
  get [SymbolToStringTag]() { return "FormData"; }
}
// FormData.prototype.append as defined here (a guest may patch the prototype).
function append(form, name, value) { const l = formList(form); l[l.length] = formEntry(name, value, undefined); }

// ---- multipart/form-data ----
// `s` with CR, LF and `"` percent-encoded (for names in Content-Disposition).
function escapeName(s) {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    out += c === "\r" ? "%0D" : c === "\n" ? "%0A" : c === "\"" ? "%22" : c;
  }
  return out;
}
// Every lone CR or LF in `s` as CRLF.
function normalizeNewlines(s) {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "\r") { out += "\r\n"; if (s[i + 1] === "\n") i++; }
    else if (c === "\n") out += "\r\n";
    else out += c;
  }
  return out;
}
function multipartEncode(form) {
  const uuid = internal.random.uuid();
  let boundary = "----verge";
  for (let i = 0; i < uuid.length; i++) if (uuid[i] !== "-") boundary += uuid[i];
  const chunks = [];
  const add = (c) => { chunks[chunks.length] = c; };
  const list = formList(form);
  for (let i = 0; i < list.length; i++) {
    const name = list[i][0], value = list[i][1];
    let head = ("--" + $toString(boundary) + "\r\nContent-Disposition: form-data; name=\"" + $toString(escapeName(name)) + "\"");
    if (typeof value === "string") {
      add(encode(head + "\r\n\r\n")); add(encode(normalizeNewlines(value))); add(encode("\r\n"));
    } else {
      head += ("; filename=\"" + $toString(escapeName(fileName(value))) + "\"\r\nContent-Type: " + $toString(blobType(value) || "application/octet-stream") + "\r\n\r\n");
      add(encode(head)); add(value[kBytes]); add(encode("\r\n"));
    }
  }
  add(encode(("--" + $toString(boundary) + "--\r\n")));
  return { bytes: concat(chunks), type: ("multipart/form-data; boundary=" + $toString(boundary)) };
}
function latin1(bytes) {
  let s = "";
  const n = TypedArrayLength(bytes);
  // A plain array of codes per call (apply on a typed array would read its `length` getter).
  const codes = [];
  for (let i = 0; i < n; i += 8192) {
    const m = MathMin(8192, n - i);
    codes.length = m;
    for (let j = 0; j < m; j++) codes[j] = bytes[i + j];
    s += ReflectApply(StringFromCharCode, null, codes);
  }
  return s;
}
function unlatin1(s) { const b = new $Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = StringCharCodeAt(s, i); return b; }
const BOUNDARY = /boundary=(?:"([^"]+)"|([^;]+))/i;
const NAME = /\bname="([^"]*)"/i, FILENAME = /\bfilename="([^"]*)"/i;
function multipartParse(bytes, contentType) {
  const m = RegExpExec(BOUNDARY, contentType);
  if (!m) throw new $TypeError("Failed to parse body as FormData: missing multipart boundary.");
  const boundary = "--" + StringTrim(m[1] || m[2]);
  const text = latin1(bytes);
  const form = new FormData();
  const parts = splitOn(text, boundary);
  if (parts.length < 2) throw new $TypeError("Failed to parse body as FormData: no multipart parts found.");
  for (let i = 1; i < parts.length; i++) {
    let part = parts[i];
    if (StringStartsWith(part, "--")) break;
    if (StringStartsWith(part, "\r\n")) part = StringSlice(part, 2);
    if (StringEndsWith(part, "\r\n")) part = StringSlice(part, 0, -2);
    const split = StringIndexOf(part, "\r\n\r\n");
    if (split < 0) throw new $TypeError("Failed to parse body as FormData: malformed part.");
    const headers = splitOn(StringSlice(part, 0, split), "\r\n");
    const body = StringSlice(part, split + 4);
    let name = null, filename = null, type = "";
    for (let h = 0; h < headers.length; h++) {
      const line = headers[h];
      const colon = StringIndexOf(line, ":");
      const k = StringToLowerCase(colon < 0 ? line : StringSlice(line, 0, colon));
      const v = colon < 0 ? "" : StringTrim(StringSlice(line, colon + 1));
      if (k === "content-disposition") {
        const n = RegExpExec(NAME, v); if (n) name = decode(unlatin1(n[1]));
        const f = RegExpExec(FILENAME, v); if (f) filename = decode(unlatin1(f[1]));
      } else if (k === "content-type") type = v;
    }
    if (name === null) throw new $TypeError("Failed to parse body as FormData: a part has no name.");
    if (filename !== null) append(form, name, fileFromBytes(unlatin1(body), filename, type));
    else append(form, name, decode(unlatin1(body)));
  }
  return form;
}

internal.form = { Blob, File, FormData, kBytes, blobType, blobFromBytes, append, multipartEncode, multipartParse };
internal.defineGlobal("Blob", Blob);
internal.defineGlobal("File", File);
internal.defineGlobal("FormData", FormData);
