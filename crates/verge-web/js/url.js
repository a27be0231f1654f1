// URL and URLSearchParams (https://url.spec.whatwg.org/). Parsing and setters run in Rust
// (the `url` crate, src/url.rs); these classes hold the serialization and keep
// `searchParams` and the URL in sync.
"use strict";
const ops = internal.url;
const { TypeError: $TypeError, Symbol: $Symbol } = primordials;
const HREF = 0, ORIGIN = 1, PROTOCOL = 2, USERNAME = 3, PASSWORD = 4, HOST = 5, HOSTNAME = 6, PORT = 7, PATHNAME = 8, SEARCH = 9, HASH = 10;
const kUpdate = $Symbol("update");

class URLSearchParams {
  #list = [];
  #url = null;
  constructor(init = undefined) {
    if (init === undefined || init === null) return;
    if (typeof init === "object" || typeof init === "function") {
      if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = [...pair];
          if (p.length !== 2) throw new $TypeError("Failed to construct 'URLSearchParams': Each query pair must be an iterable [name, value] tuple");
          this.#list.push([String(p[0]), String(p[1])]);
        }
      } else {
        for (const k of Object.keys(init)) this.#list.push([k, String(init[k])]);
      }
    } else {
      this.#list = ops.formParse(String(init));
    }
  }
  static [kUpdate](params, url, search) {
    params.#url = url;
    params.#list = search ? ops.formParse(search) : [];
  }
  #changed() {
    if (this.#url) this.#url[kUpdate](this.toString());
  }
  get size() { return this.#list.length; }
  append(name, value) { this.#list.push([String(name), String(value)]); this.#changed(); }
  delete(name, value = undefined) {
    name = String(name);
    this.#list = this.#list.filter(([k, v]) => k !== name || (value !== undefined && v !== String(value)));
    this.#changed();
  }
  get(name) { name = String(name); const e = this.#list.find(([k]) => k === name); return e ? e[1] : null; }
  getAll(name) { name = String(name); return this.#list.filter(([k]) => k === name).map(([, v]) => v); }
  has(name, value = undefined) {
    name = String(name);
    return this.#list.some(([k, v]) => k === name && (value === undefined || v === String(value)));
  }
  set(name, value) {
    name = String(name); value = String(value);
    const i = this.#list.findIndex(([k]) => k === name);
    if (i < 0) this.#list.push([name, value]);
    else { this.#list[i][1] = value; this.#list = this.#list.filter(([k], j) => j <= i || k !== name); }
    this.#changed();
  }
  sort() {
    const indexed = this.#list.map((e, i) => [e, i]);
    indexed.sort((a, b) => {
      const x = a[0][0], y = b[0][0];
      // compare by UTF-16 code units, stable
      return x < y ? -1 : x > y ? 1 : a[1] - b[1];
    });
    this.#list = indexed.map(([e]) => e);
    this.#changed();
  }
  forEach(callback, thisArg = undefined) {
    for (const [k, v] of this.#list.slice()) callback.call(thisArg, v, k, this);
  }
  *entries() { for (const [k, v] of this.#list) yield [k, v]; }
  *keys() { for (const [k] of this.#list) yield k; }
  *values() { for (const [, v] of this.#list) yield v; }
  [Symbol.iterator]() { return this.entries(); }
  toString() { return ops.formSerialize(this.#list.flat()); }
  get [Symbol.toStringTag]() { return "URLSearchParams"; }
}

class URL {
  #p;
  #search = null;
  constructor(url, base = undefined) {
    if (arguments.length === 0) throw new $TypeError("Failed to construct 'URL': 1 argument required, but only 0 present.");
    const p = ops.parse(String(url), base === undefined ? null : String(base));
    if (p === null || p === undefined) throw new $TypeError(`Invalid URL string: ${String(url)}`);
    this.#p = p;
  }
  static canParse(url, base = undefined) {
    const p = ops.parse(String(url), base === undefined ? null : String(base));
    return p !== null && p !== undefined;
  }
  static parse(url, base = undefined) {
    try { return new URL(url, base); } catch { return null; }
  }
  #set(which, value) {
    const p = ops.set(this.#p[HREF], which, String(value));
    if (p) this.#p = p;
    if (this.#search && which !== "search") URLSearchParams[kUpdate](this.#search, this, this.#p[SEARCH]);
  }
  [kUpdate](query) {
    const p = ops.set(this.#p[HREF], "search", query);
    if (p) this.#p = p;
  }
  get href() { return this.#p[HREF]; }
  set href(v) {
    const p = ops.parse(String(v), null);
    if (!p) throw new $TypeError(`Invalid URL string: ${String(v)}`);
    this.#p = p;
    if (this.#search) URLSearchParams[kUpdate](this.#search, this, p[SEARCH]);
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
    if (this.#search) URLSearchParams[kUpdate](this.#search, this, this.#p[SEARCH]);
  }
  get searchParams() {
    if (!this.#search) {
      this.#search = new URLSearchParams();
      URLSearchParams[kUpdate](this.#search, this, this.#p[SEARCH]);
    }
    return this.#search;
  }
  get hash() { return this.#p[HASH]; }
  set hash(v) { this.#set("hash", v); }
  toString() { return this.#p[HREF]; }
  toJSON() { return this.#p[HREF]; }
  get [Symbol.toStringTag]() { return "URL"; }
}

internal.urlClasses = { URL, URLSearchParams };
internal.defineGlobal("URL", URL);
internal.defineGlobal("URLSearchParams", URLSearchParams);
