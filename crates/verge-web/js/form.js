// Blob, File, FormData and multipart/form-data (https://w3c.github.io/FileAPI/,
// https://xhr.spec.whatwg.org/#interface-formdata). Loaded on first use (js/lazy.js); the body
// mixin in js/fetch.js reaches these through internal.form.
"use strict";
const { TypeError: $TypeError, Symbol: $Symbol, Uint8Array: $Uint8Array } = primordials;
const encode = internal.encoding.encode;
const decode = internal.encoding.decodeUtf8;
const { toBytes, concat } = internal.bodyBytes;

// ---- Blob / File ----
const kBytes = $Symbol("bytes");
class Blob {
  #type;
  constructor(parts = [], options = undefined) {
    const chunks = [];
    if (parts !== undefined && parts !== null) {
      if (typeof parts !== "object" || typeof parts[Symbol.iterator] !== "function")
        throw new $TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
      for (const p of parts) {
        if (p instanceof Blob) chunks.push(p[kBytes]);
        else { const b = toBytes(p); chunks.push(b ? b.slice() : encode(String(p))); }
      }
    }
    this[kBytes] = concat(chunks);
    const t = options && options.type !== undefined ? String(options.type) : "";
    this.#type = /^[\x20-\x7e]*$/.test(t) ? t.toLowerCase() : "";
  }
  get size() { return this[kBytes].byteLength; }
  get type() { return this.#type; }
  slice(start = 0, end = undefined, type = "") {
    const n = this.size;
    const rel = (v, d) => v === undefined ? d : v < 0 ? Math.max(n + v, 0) : Math.min(v, n);
    const b = new Blob([], { type });
    b[kBytes] = this[kBytes].slice(rel(start, 0), rel(end, n));
    return b;
  }
  async text() { return decode(this[kBytes]); }
  async arrayBuffer() { return this[kBytes].slice().buffer; }
  async bytes() { return this[kBytes].slice(); }
  stream() { return internal.streams.fromBytes(this[kBytes]); }
  get [Symbol.toStringTag]() { return "Blob"; }
}
class File extends Blob {
  #name; #lastModified;
  constructor(bits, name, options = undefined) {
    if (arguments.length < 2) throw new $TypeError("Failed to construct 'File': 2 arguments required.");
    super(bits, options);
    this.#name = String(name);
    this.#lastModified = options && options.lastModified !== undefined ? Number(options.lastModified) : Date.now();
  }
  get name() { return this.#name; }
  get lastModified() { return this.#lastModified; }
  get [Symbol.toStringTag]() { return "File"; }
}

// ---- FormData ----
function formEntry(name, value, filename) {
  name = String(name);
  if (value instanceof Blob) {
    if (!(value instanceof File) || filename !== undefined) {
      const f = new File([value], filename !== undefined ? String(filename) : (value instanceof File ? value.name : "blob"), { type: value.type });
      return [name, f];
    }
    return [name, value];
  }
  return [name, String(value)];
}
class FormData {
  #list = [];
  constructor(form = undefined) {
    if (form !== undefined) throw new $TypeError("Failed to construct 'FormData': form elements are not supported.");
  }
  append(name, value, filename = undefined) { this.#list.push(formEntry(name, value, filename)); }
  set(name, value, filename = undefined) {
    const e = formEntry(name, value, filename);
    const i = this.#list.findIndex(([k]) => k === e[0]);
    if (i < 0) this.#list.push(e);
    else { this.#list[i] = e; this.#list = this.#list.filter(([k], j) => j <= i || k !== e[0]); }
  }
  get(name) { name = String(name); const e = this.#list.find(([k]) => k === name); return e ? e[1] : null; }
  getAll(name) { name = String(name); return this.#list.filter(([k]) => k === name).map(([, v]) => v); }
  has(name) { name = String(name); return this.#list.some(([k]) => k === name); }
  delete(name) { name = String(name); this.#list = this.#list.filter(([k]) => k !== name); }
  forEach(cb, thisArg = undefined) { for (const [k, v] of this.#list.slice()) cb.call(thisArg, v, k, this); }
  *entries() { for (const [k, v] of this.#list) yield [k, v]; }
  *keys() { for (const [k] of this.#list) yield k; }
  *values() { for (const [, v] of this.#list) yield v; }
  [Symbol.iterator]() { return this.entries(); }
  get [Symbol.toStringTag]() { return "FormData"; }
}
function multipartEncode(form) {
  const boundary = "----verge" + internal.random.uuid().replace(/-/g, "");
  const chunks = [];
  const esc = (s) => s.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");
  for (const [name, value] of form) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(name)}"`;
    if (typeof value === "string") {
      chunks.push(encode(head + "\r\n\r\n"), encode(value.replace(/\r(?!\n)|(?<!\r)\n/g, "\r\n")), encode("\r\n"));
    } else {
      head += `; filename="${esc(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
      chunks.push(encode(head), value[kBytes], encode("\r\n"));
    }
  }
  chunks.push(encode(`--${boundary}--\r\n`));
  return { bytes: concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}
function latin1(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  return s;
}
function unlatin1(s) { const b = new $Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return b; }
function multipartParse(bytes, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!m) throw new $TypeError("Failed to parse body as FormData: missing multipart boundary.");
  const boundary = "--" + (m[1] || m[2]).trim();
  const text = latin1(bytes);
  const form = new FormData();
  const parts = text.split(boundary);
  if (parts.length < 2) throw new $TypeError("Failed to parse body as FormData: no multipart parts found.");
  for (let i = 1; i < parts.length; i++) {
    let part = parts[i];
    if (part.startsWith("--")) break;
    if (part.startsWith("\r\n")) part = part.slice(2);
    if (part.endsWith("\r\n")) part = part.slice(0, -2);
    const split = part.indexOf("\r\n\r\n");
    if (split < 0) throw new $TypeError("Failed to parse body as FormData: malformed part.");
    const headers = part.slice(0, split).split("\r\n");
    const body = part.slice(split + 4);
    let name = null, filename = null, type = "";
    for (const h of headers) {
      const [k, ...rest] = h.split(":"); const v = rest.join(":").trim();
      if (k.toLowerCase() === "content-disposition") {
        const n = /\bname="([^"]*)"/i.exec(v); if (n) name = decode(unlatin1(n[1]));
        const f = /\bfilename="([^"]*)"/i.exec(v); if (f) filename = decode(unlatin1(f[1]));
      } else if (k.toLowerCase() === "content-type") type = v;
    }
    if (name === null) throw new $TypeError("Failed to parse body as FormData: a part has no name.");
    if (filename !== null) form.append(name, new File([unlatin1(body)], filename, { type }));
    else form.append(name, decode(unlatin1(body)));
  }
  return form;
}

internal.form = { Blob, File, FormData, kBytes, multipartEncode, multipartParse };
for (const [name, value] of Object.entries({ Blob, File, FormData })) internal.defineGlobal(name, value);
