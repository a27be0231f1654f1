// Test harness for crates/verge-web/js/streams.js.
//
// Loads the implementation the same way the verge runtime does (as the body
// of `function (globalThis, primordials, internal)`) against a FRESH object
// used as `globalThis`, so node's built-in web streams are never under test.
//
// Usage:
//   node --test crates/verge-web/js-tests/streams/*.test.mjs   (what scripts/test runs)
//   node crates/verge-web/js-tests/streams/run.mjs             (same, via this file)
// (`node --test DIR` runs a directory's tests on Node 20 only; 21+ reads DIR as a file.)
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const SOURCE_PATH = join(here, '..', '..', 'js', 'streams.js');
const source = readFileSync(SOURCE_PATH, 'utf8');
// The built-ins verge captures at isolate creation (crates/verge-js/js/primordials.js).
export const PRIMORDIALS_PATH = join(here, '..', '..', '..', 'verge-js', 'js', 'primordials.js');
export const primordialsSource = readFileSync(PRIMORDIALS_PATH, 'utf8');
// What verge's platform adds to primordials itself (js/global.js, js/encoding.js, js/event.js),
// taken from the fake global here.
const PLATFORM_PRIMORDIALS = ['structuredClone', 'TextEncoder', 'AbortController'];

// Fills `primordials` for the fake global `g` as verge does.
export function makePrimordials(g) {
  const primordials = new Function('globalThis', 'primordials', 'internal', primordialsSource)(g, undefined, {});
  for (const name of PLATFORM_PRIMORDIALS) if (g[name] !== undefined) primordials[name] = g[name];
  return primordials;
}

const COPIED_GLOBALS = [
  'Promise', 'TypeError', 'RangeError', 'Error', 'Object', 'Symbol', 'Array', 'String', 'Number',
  'Math', 'Reflect', 'Function', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'WeakMap',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'queueMicrotask', 'TextEncoder', 'TextDecoder', 'DOMException', 'AbortController', 'AbortSignal',
  'structuredClone', 'Boolean', 'Date', 'Map', 'Set', 'WeakSet', 'JSON', 'BigInt', 'RegExp',
];

// Returns { g, internal } where g is the fake global the file populated.
// options.omit: names of globals to leave out (e.g. ['structuredClone'] to
// simulate a host that cannot detach ArrayBuffers).
export function load(options = {}) {
  const omit = new Set(options.omit || []);
  const g = {};
  for (const name of COPIED_GLOBALS) {
    if (!omit.has(name) && globalThis[name] !== undefined) g[name] = globalThis[name];
  }
  g.globalThis = g;
  const defined = [];
  const internal = {
    defineGlobal(name, value) {
      defined.push(name);
      Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
    },
  };
  const fn = new Function('globalThis', 'primordials', 'internal', source);
  fn(g, options.primordials || makePrimordials(g), internal);
  internal.defined = defined;
  return { g, internal };
}

export const delay = (ms = 0) => new Promise((r) => setTimeout(r, ms));
export const flush = () => delay(0);

// When run directly, run every *.test.mjs in this folder through node's test
// runner (importing them here would deadlock: they import this module).
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { spawnSync } = await import('node:child_process');
  const files = readdirSync(here).filter((n) => n.endsWith('.test.mjs')).sort().map((n) => join(here, n));
  const r = spawnSync(process.execPath, ['--test', ...files], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
