// CommonJS modules (`require`, `module.exports`, `exports`), and JSON modules, for one isolate.
// Evaluated once per isolate, when its first CommonJS or JSON module loads, as the body of
// `function (globalThis, primordials, internal)` (bytecode.rs); `primordials` were captured
// before guest code ran. `internal.commonjsHost` holds the Rust side
// (commonjs.rs): resolve(base, specifier) → module name, kind(name) → "esm" | "cjs" | "json" |
// "text" | "data" (throws for a missing file, a file no rule types, WebAssembly), compile(name)
// → the module's code as `function (exports, require, module, __filename, __dirname)`,
// text(name), data(name) → ArrayBuffer, dirname(path).
//
// Loading follows Node.js: a module is cached before its code runs, so a `require` cycle gets
// the exports object as it is at that moment (partial exports), and a module whose code throws
// is dropped from the cache. An ES module importing a CommonJS or JSON module gets
// `module.exports` as its default export (commonjs.rs); both ways share this cache.
"use strict";
const { call, ObjectStatics, JSONStatics, TypeError: $TypeError, SyntaxError: $SyntaxError } =
  primordials;
const host = internal.commonjsHost;
const JSONParse = JSONStatics.parse;
const cache = ObjectStatics.create(null);

function load(name) {
  const cached = cache[name];
  if (cached !== undefined) return cached.exports;
  const kind = host.kind(name);
  if (kind === "cjs") {
    const filename = "/bundle/" + name;
    const dirname = host.dirname(filename);
    const exports = {};
    const require = makeRequire(name);
    const module = { id: name, filename, path: dirname, exports, loaded: false, require };
    const fn = host.compile(name);
    cache[name] = module;
    try {
      call(fn, exports, exports, require, module, filename, dirname);
    } catch (e) {
      delete cache[name];
      throw e;
    }
    module.loaded = true;
    return module.exports;
  }
  let value;
  if (kind === "json") {
    const text = host.text(name);
    try {
      value = JSONParse(text);
    } catch (e) {
      throw new $SyntaxError(name + ": " + primordials.ToString(e && e.message));
    }
  } else if (kind === "text") {
    value = host.text(name);
  } else if (kind === "data") {
    value = host.data(name);
  } else {
    throw new $TypeError(
      "require() of ES module \"" + name + "\" is not supported; load it with `await import()`",
    );
  }
  cache[name] = { exports: value };
  return value;
}

function makeRequire(base) {
  return function require(specifier) {
    if (typeof specifier !== "string") {
      throw new $TypeError("require(): the module name must be a string");
    }
    return load(host.resolve(base, specifier));
  };
}

internal.commonjsLoad = load;
