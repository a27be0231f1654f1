// URL and URLSearchParams (https://url.spec.whatwg.org/). Parsing and setters run in Rust
// (the `url` crate, src/url.rs); these classes hold the serialization and keep
// `searchParams` and the URL in sync. Loaded on first use (js/lazy.js), possibly after guest code
// replaced globals or prototype methods: built-ins come from `primordials` only.
"use strict";
// String building: `+` and ToString, never template literals (see crates/verge-js/js/primordials.js).
const $toString = primordials.ToString;
const ops = internal.url;
const { TypeError: $TypeError, String: $String, call, ObjectStatics, ArrayPrototype, SymbolIterator,
        SymbolToStringTag } = primordials;
const ObjectKeys = ObjectStatics.keys;
const HREF = 0, ORIGIN = 1, PROTOCOL = 2, USERNAME = 3, PASSWORD = 4, HOST = 5, HOSTNAME = 6, PORT = 7, PATHNAME = 8, SEARCH = 9, HASH = 10;

// The entries of `list` for which keep(entry, index) is true.
function kept(list, keep) {
  const out = [];
  for (let i = 0; i < list.length; i++) if (keep(list[i], i)) out[out.length] = list[i];
  return out;
}
function firstIndex(list, name) {
  for (let i = 0; i < list.length; i++) if (list[i][0] === name) return i;
  return -1;
}
const serialize = (list) => {
  const flat = [];
  for (let i = 0; i < list.length; i++) { flat[2 * i] = list[i][0]; flat[2 * i + 1] = list[i][1]; }
  return ops.formSerialize(flat);
};

// Names and values are USVStrings: lone surrogates become U+FFFD (verge_js::string::Usv).
const usv = ops.usv;

// Reached from URL through these (not through methods or statics a guest could replace).
let attachParams, paramsList, setURLSearch;
class URLSearchParams {
  #list = [];
  #url = null;
  constructor(init = undefined) {
    if (init === undefined || init === null) return;
    if (typeof init === "object" || typeof init === "function") {
      const list = this.#list;
      if (typeof init[SymbolIterator] === "function") {
        // A guest's sequence of pairs is read with the iterator protocol, as WebIDL says.
        for (const pair of init) {
          const p = [];
          for (const x of pair) p[p.length] = x;
          if (p.length !== 2) throw new $TypeError("Failed to construct 'URLSearchParams': Each query pair must be an iterable [name, value] tuple");
          list[list.length] = [usv(p[0]), usv(p[1])];
        }
      } else {
        const keys = ObjectKeys(init);
        for (let i = 0; i < keys.length; i++) list[list.length] = [usv(keys[i]), usv(init[keys[i]])];
      }
    } else {
      this.#list = ops.formParse(usv(init));
    }
  }
  #changed() {
    if (this.#url) setURLSearch(this.#url, serialize(this.#list));
  }
  get size() { return this.#list.length; }
  append(name, value) { const l = this.#list; l[l.length] = [usv(name), usv(value)]; this.#changed(); }
  delete(name, value = undefined) {
    name = usv(name);
    const v = value === undefined ? undefined : usv(value);
    this.#list = kept(this.#list, (e) => e[0] !== name || (v !== undefined && e[1] !== v));
    this.#changed();
  }
  get(name) { const i = firstIndex(this.#list, usv(name)); return i < 0 ? null : this.#list[i][1]; }
  getAll(name) {
    name = usv(name);
    const out = [], l = this.#list;
    for (let i = 0; i < l.length; i++) if (l[i][0] === name) out[out.length] = l[i][1];
    return out;
  }
  has(name, value = undefined) {
    name = usv(name);
    const v = value === undefined ? undefined : usv(value);
    const l = this.#list;
    for (let i = 0; i < l.length; i++) if (l[i][0] === name && (v === undefined || l[i][1] === v)) return true;
    return false;
  }
  set(name, value) {
    name = usv(name); value = usv(value);
    const i = firstIndex(this.#list, name);
    if (i < 0) { const l = this.#list; l[l.length] = [name, value]; }
    else { this.#list[i][1] = value; this.#list = kept(this.#list, (e, j) => j <= i || e[0] !== name); }
    this.#changed();
  }
  sort() {
    const l = this.#list;
    const indexed = [];
    for (let i = 0; i < l.length; i++) indexed[i] = [l[i], i];
    // Array.prototype.sort as captured; compared by UTF-16 code units, stable.
    call(ArrayPrototype.sort, indexed, (a, b) => {
      const x = a[0][0], y = b[0][0];
      return x < y ? -1 : x > y ? 1 : a[1] - b[1];
    });
    const out = [];
    for (let i = 0; i < indexed.length; i++) out[i] = indexed[i][0];
    this.#list = out;
    this.#changed();
  }
  // Iteration walks the live list by index (WebIDL's pair iterators): entries appended,
  // deleted or sorted meanwhile are seen as the index reaches them.
  forEach(callback, thisArg = undefined) {
    for (let i = 0; i < this.#list.length; i++) {
      const e = this.#list[i];
      call(callback, thisArg, e[1], e[0], this);
    }
  }
  *entries() { for (let i = 0; i < this.#list.length; i++) yield [this.#list[i][0], this.#list[i][1]]; }
  *keys() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][0]; }
  *values() { for (let i = 0; i < this.#list.length; i++) yield this.#list[i][1]; }
  [SymbolIterator]() { return this.entries(); }
  toString() { return serialize(this.#list); }
  static {
    attachParams = (params, url, search) => {
      params.#url = url;
      params.#list = search ? ops.formParse(search) : [];
    };
    paramsList = (params) => params.#list;
  }
  get [SymbolToStringTag]() { return "URLSearchParams"; }
}

class URL {
  #p;
  #search = null;
  constructor(url, base = undefined) {
    if (arguments.length === 0) throw new $TypeError("Failed to construct 'URL': 1 argument required, but only 0 present.");
    const p = ops.parse($String(url), base === undefined ? null : $String(base));
    if (p === null || p === undefined) throw new $TypeError(("Invalid URL string: " + $toString($String(url))));
    this.#p = p;
  }
  static canParse(url, base = undefined) {
    const p = ops.parse($String(url), base === undefined ? null : $String(base));
    return p !== null && p !== undefined;
  }
  static parse(url, base = undefined) {
    try { return new URL(url, base); } catch { return null; }
  }
  #set(which, value) {
    const p = ops.set(this.#p[HREF], which, $String(value));
    if (p) this.#p = p;
    if (this.#search && which !== "search") attachParams(this.#search, this, this.#p[SEARCH]);
  }
  get href() { return this.#p[HREF]; }
  set href(v) {
    const p = ops.parse($String(v), null);
    if (!p) throw new $TypeError(("Invalid URL string: " + $toString($String(v))));
    this.#p = p;
    if (this.#search) attachParams(this.#search, this, p[SEARCH]);
  }
  get origin() { return this.#p[ORIGIN]; }
  get protocol() { return this.#p[PROTOCOL]; }
  set protocol(v) { this.#set("protocol", v); }
  get username() { return this.#p[USERNAME]; }
  set username(v) { this.#set("username", v); }
  get password() { return this.#p[PASSWORD]; }
  set password(v) { this.#set("password", v); }
  get host() { return this.#p[HOST]; }
  set host(v) { this.#set("host", v); }
  get hostname() { return this.#p[HOSTNAME]; }
  set hostname(v) { this.#set("hostname", v); }
  get port() { return this.#p[PORT]; }
  set port(v) { this.#set("port", v); }
  get pathname() { return this.#p[PATHNAME]; }
  set pathname(v) { this.#set("pathname", v); }
  get search() { return this.#p[SEARCH]; }
  set search(v) {
    this.#set("search", v);
    if (this.#search) attachParams(this.#search, this, this.#p[SEARCH]);
  }
  get searchParams() {
    if (!this.#search) {
      this.#search = new URLSearchParams();
      attachParams(this.#search, this, this.#p[SEARCH]);
    }
    return this.#search;
  }
  get hash() { return this.#p[HASH]; }
  set hash(v) { this.#set("hash", v); }
  toString() { return this.#p[HREF]; }
  toJSON() { return this.#p[HREF]; }
  static {
    setURLSearch = (url, query) => {
      const p = ops.set(url.#p[HREF], "search", query);
      if (p) url.#p = p;
    };
  }
  get [SymbolToStringTag]() { return "URL"; }
}

internal.urlClasses = { URL, URLSearchParams, serializeParams: (p) => serialize(paramsList(p)) };
internal.defineGlobal("URL", URL);
internal.defineGlobal("URLSearchParams", URLSearchParams);
