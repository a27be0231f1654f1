// URLPattern (https://urlpattern.spec.whatwg.org/). Rust (src/url_pattern.rs, Deno's
// `urlpattern` crate) parses and canonicalizes the pattern and produces one ECMAScript regular
// expression per component; this class compiles those with the engine's RegExp and matches.
"use strict";
// String building: `+` and ToString, never template literals (see crates/verge-js/js/primordials.js).
const $toString = primordials.ToString;
const ops = internal.urlPattern;
// Loaded on first use (js/lazy.js), possibly after guest code replaced globals or prototype
// methods: built-ins come from `primordials` only.
const { TypeError: $TypeError, RegExp: $RegExp, call, RegExpPrototype, SymbolToStringTag } = primordials;
const RegExpExec = RegExpPrototype.exec;
const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
const INIT_KEYS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash", "baseURL"];

// A URLPatternInput as the ops take it: a string, or the init dictionary flattened to
// [protocol, ..., hash, baseURL] (strings or null).
function toOpInput(input) {
  if (input !== null && (typeof input === "object" || typeof input === "function")) {
    const flat = [];
    for (let i = 0; i < INIT_KEYS.length; i++) {
      const v = input[INIT_KEYS[i]];
      flat[i] = v === undefined ? null : $toString(v);
    }
    return flat;
  }
  return $toString(input);
}

function isOptions(v) {
  return v !== null && typeof v === "object";
}

// `new RegExp(source, flags)`, or with `setFlags` when `flags` refuses the source; the error is
// the first one's when both refuse it.
function compileEither(source, flags, setFlags) {
  try {
    return new $RegExp(source, flags);
  } catch (e) {
    try {
      return new $RegExp(source, setFlags);
    } catch {
      throw e;
    }
  }
}

class URLPattern {
  #components;
  #regexps;
  #hasRegExpGroups;

  constructor(input = undefined, baseURL = undefined, options = undefined) {
    // Overloads: (input, baseURL, options) and (input, options).
    if (isOptions(baseURL)) {
      options = baseURL;
      baseURL = undefined;
    }
    if (input === undefined) input = {};
    const ignoreCase = options !== undefined && options !== null && !!options.ignoreCase;
    const base = baseURL === undefined ? null : $toString(baseURL);
    const compiled = ops.compile(toOpInput(input), base, ignoreCase);
    // The `urlpattern` crate generates sources for the `u` flag (it leaves `/` unescaped in
    // classes, which `v` refuses); the spec now compiles with `v` (unicode sets), where a
    // user's group may escape class punctuators such as `[^\:]`. A source `u` refuses is
    // compiled with `v`, so both kinds are accepted.
    const flags = ignoreCase ? "ui" : "u";
    const setFlags = ignoreCase ? "vi" : "v";
    const regexps = [];
    for (let i = 0; i < COMPONENTS.length; i++) {
      const c = compiled.components[i];
      try {
        regexps[i] = compileEither(c.regexp, flags, setFlags);
      } catch (e) {
        throw new $TypeError(("Failed to construct 'URLPattern': invalid regular expression in the " + $toString(COMPONENTS[i]) + " component '" + $toString(c.pattern) + "': " + $toString(e && e.message)));
      }
    }
    this.#components = compiled.components;
    this.#regexps = regexps;
    this.#hasRegExpGroups = compiled.hasRegExpGroups;
  }

  #match(input, baseURL, argc) {
    if (input === undefined) input = {};
    const opInput = toOpInput(input);
    const base = argc >= 2 && baseURL !== undefined ? $toString(baseURL) : null;
    const values = ops.match(opInput, base);
    if (values === null || values === undefined) return null;
    const result = { inputs: base === null ? [input] : [input, base] };
    for (let i = 0; i < COMPONENTS.length; i++) {
      const m = call(RegExpExec, this.#regexps[i], values[i]);
      if (m === null) return null;
      const groups = {};
      const names = this.#components[i].names;
      for (let j = 0; j < names.length; j++) groups[names[j]] = m[j + 1];
      result[COMPONENTS[i]] = { input: values[i], groups };
    }
    return result;
  }

  test(input = undefined, baseURL = undefined) {
    return this.#match(input, baseURL, arguments.length) !== null;
  }

  exec(input = undefined, baseURL = undefined) {
    return this.#match(input, baseURL, arguments.length);
  }

  get protocol() { return this.#components[0].pattern; }
  get username() { return this.#components[1].pattern; }
  get password() { return this.#components[2].pattern; }
  get hostname() { return this.#components[3].pattern; }
  get port() { return this.#components[4].pattern; }
  get pathname() { return this.#components[5].pattern; }
  get search() { return this.#components[6].pattern; }
  get hash() { return this.#components[7].pattern; }
  get hasRegExpGroups() { return this.#hasRegExpGroups; }
  get [SymbolToStringTag]() { return "URLPattern"; }
}

internal.defineGlobal("URLPattern", URLPattern);
