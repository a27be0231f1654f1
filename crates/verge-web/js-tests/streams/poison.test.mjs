// streams.js keeps working in a realm whose built-ins a guest broke after the isolate was made:
// in a fresh `vm` context (node's own built-ins, which the test runner uses, stay intact),
// primordials.js runs, then nearly every built-in method and global of the context is replaced by
// one that records its name and throws, then streams.js loads and the streams are used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { readFileSync } from 'node:fs';
import { SOURCE_PATH, primordialsSource } from './run.mjs';

const streamsSource = readFileSync(SOURCE_PATH, 'utf8');

const POISON = `
(() => {
  const hits = [];
  const getOwn = Object.getOwnPropertyDescriptor, define = Object.defineProperty, ownKeys = Reflect.ownKeys;
  const getProto = Object.getPrototypeOf, species = Symbol.species, $String = String, $Error = Error;
  function poisonAll(target, label) {
    const keys = ownKeys(target);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const d = getOwn(target, key);
      if (key === 'constructor' || key === '__proto__' || key === species || !d.configurable) continue;
      const name = label + '.' + $String(key);
      const bad = function () { hits[hits.length] = name; throw new $Error('poisoned ' + name); };
      if (typeof d.value === 'function') define(target, key, { value: bad, writable: true, configurable: true });
      else if (d.get) define(target, key, { get: bad, set: d.set ? bad : undefined, configurable: true });
    }
  }
  function* gen() {}
  const typedArray = getProto(Uint8Array);
  const targets = [
    [Array.prototype, 'Array.prototype'], [Array, 'Array'], [getProto([][Symbol.iterator]()), 'ArrayIterator'],
    [getProto(getProto([][Symbol.iterator]())), 'Iterator.prototype'], [getProto(gen.prototype), 'Generator.prototype'],
    [String.prototype, 'String.prototype'], [RegExp.prototype, 'RegExp.prototype'],
    [Promise.prototype, 'Promise.prototype'], [Promise, 'Promise'], [Map.prototype, 'Map.prototype'],
    [Set.prototype, 'Set.prototype'], [WeakMap.prototype, 'WeakMap.prototype'], [WeakSet.prototype, 'WeakSet.prototype'],
    [Function.prototype, 'Function.prototype'], [Object.prototype, 'Object.prototype'], [Object, 'Object'],
    [Reflect, 'Reflect'], [JSON, 'JSON'], [Math, 'Math'], [Number, 'Number'], [Number.prototype, 'Number.prototype'],
    [typedArray.prototype, 'TypedArray.prototype'], [typedArray, 'TypedArray'], [ArrayBuffer, 'ArrayBuffer'],
    [ArrayBuffer.prototype, 'ArrayBuffer.prototype'], [DataView.prototype, 'DataView.prototype'], [Symbol, 'Symbol'],
  ];
  for (let i = 0; i < targets.length; i++) poisonAll(targets[i][0], targets[i][1]);
  const names = ['Array', 'ArrayBuffer', 'DataView', 'Error', 'Map', 'Object', 'Promise', 'RangeError', 'Reflect',
    'Set', 'String', 'Symbol', 'TypeError', 'Uint8Array', 'WeakMap', 'WeakSet', 'queueMicrotask', 'TextEncoder',
    'TextDecoder', 'JSON', 'Math', 'Number'];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    globalThis[name] = function () { hits[hits.length] = 'globalThis.' + name; throw new $Error('poisoned global ' + name); };
  }
  return hits;
})()
`;

// A realm as verge makes it: primordials captured first; then guest code breaks the built-ins;
// then streams.js loads (on first use, as js/lazy.js loads it). Returns what the tests need.
function poisonedRealm() {
  const ctx = vm.createContext({ queueMicrotask, TextEncoder, TextDecoder, DOMException });
  const g = vm.runInContext('globalThis', ctx);
  const wrap = (src) => vm.runInContext('(function (globalThis, primordials, internal) {' + src + '\n})', ctx);
  const loadStreams = wrap(streamsSource);
  const primordials = wrap(primordialsSource)(g, undefined, {});
  primordials.TextEncoder = TextEncoder;
  // Captured before the poisoning: the test awaits the realm's promises through its `then`, and
  // makes the realm's Uint8Arrays with its constructor.
  const then = vm.runInContext('Promise.prototype.then', ctx);
  const U8 = vm.runInContext('Uint8Array', ctx);
  const hits = vm.runInContext(POISON, ctx);
  const internal = {
    defineGlobal(name, value) { Object.defineProperty(g, name, { value, writable: true, configurable: true }); },
  };
  loadStreams(g, primordials, internal);
  const classes = {};
  for (const name of ['ReadableStream', 'WritableStream', 'TransformStream', 'TextEncoderStream', 'TextDecoderStream']) {
    classes[name] = g[name];
  }
  const settle = (p) => new Promise((resolve, reject) => Reflect.apply(then, p, [resolve, reject]));
  const bytes = (s) => { const b = new TextEncoder().encode(s); const out = new U8(b.length); for (let i = 0; i < b.length; i++) out[i] = b[i]; return out; };
  // The realm's Uint8Array's contents as a string (the copy reads internal slots, no getters).
  const text = (u8) => new TextDecoder().decode(new Uint8Array(u8));
  // The realm's record of poisoned methods called, as an array of this realm.
  const hitList = () => { const out = []; for (let i = 0; i < hits.length; i++) out.push(hits[i]); return out; };
  return { S: internal.streams, ...classes, hitList, settle, bytes, text };
}

async function readAllText(r, stream) {
  return r.text(await r.settle(r.S.readAll(stream)));
}

test('readAll, fromBytes and fromPull work in a poisoned realm', async () => {
  const r = poisonedRealm();
  const rs = new r.ReadableStream({ start(c) { c.enqueue(r.bytes('ab')); c.enqueue('cd'); c.close(); } });
  assert.equal(await readAllText(r, rs), 'abcd');
  assert.equal(await readAllText(r, r.S.fromBytes(r.bytes('whole'))), 'whole');
  const parts = ['p1', 'p2'];
  let i = 0;
  const pulled = r.S.fromPull(() => Promise.resolve(i < parts.length ? r.bytes(parts[i++]) : undefined), () => {});
  assert.equal(await readAllText(r, pulled), 'p1p2');
  assert.deepEqual(r.hitList(), []);
});

test('readers, tee, pipes and transforms work in a poisoned realm', async () => {
  const r = poisonedRealm();
  // A host-style reader: read() and cancel() as captured by streams.js.
  const reader = r.S.getReader(r.S.fromBytes(r.bytes('read me')));
  const first = await r.settle(r.S.read(reader));
  assert.equal(r.text(first.value), 'read me');
  assert.equal((await r.settle(r.S.read(reader))).done, true);

  const source = new r.ReadableStream({ start(c) { c.enqueue('x'); c.enqueue('y'); c.close(); } });
  const branches = r.S.tee(source);
  const doubled = new r.TransformStream({ transform(chunk, c) { c.enqueue(chunk + chunk); } });
  const encoded = branches[0].pipeThrough(doubled).pipeThrough(new r.TextEncoderStream());
  assert.equal(await readAllText(r, encoded), 'xxyy');
  let seen = '';
  await r.settle(branches[1].pipeTo(new r.WritableStream({ write(chunk) { seen += chunk; } })));
  assert.equal(seen, 'xy');

  const utf8 = r.bytes('héllo');
  const split = new r.ReadableStream({ start(c) { c.enqueue(utf8); c.close(); } });
  const decoded = split.pipeThrough(new r.TextDecoderStream());
  const decodedReader = decoded.getReader();
  let out = '';
  for (;;) {
    const step = await r.settle(decodedReader.read());
    if (step.done) break;
    out += step.value;
  }
  assert.equal(out, 'héllo');

  const ends = r.S.newTransform((chunk, enqueue) => { enqueue(chunk); enqueue(chunk); }, (enqueue) => enqueue(r.bytes('!')));
  const writer = ends[1].getWriter();
  r.settle(writer.write(r.bytes('z')));
  r.settle(writer.close());
  assert.equal(await readAllText(r, ends[0]), 'zz!');
  assert.deepEqual(r.hitList(), []);
});
