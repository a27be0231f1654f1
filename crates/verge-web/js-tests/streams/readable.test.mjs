import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, delay, flush } from './run.mjs';

const { g, internal } = load();
const { ReadableStream, ReadableStreamDefaultReader, CountQueuingStrategy } = g;

test('globals are registered, non-enumerable, and are not node built-ins', () => {
  for (const name of ['ReadableStream', 'ReadableStreamDefaultReader', 'ReadableStreamBYOBReader',
    'ReadableStreamDefaultController', 'ReadableByteStreamController', 'ReadableStreamBYOBRequest',
    'WritableStream', 'WritableStreamDefaultWriter', 'WritableStreamDefaultController',
    'TransformStream', 'TransformStreamDefaultController', 'ByteLengthQueuingStrategy',
    'CountQueuingStrategy', 'TextEncoderStream', 'TextDecoderStream']) {
    const d = Object.getOwnPropertyDescriptor(g, name);
    assert.ok(d, name);
    assert.equal(typeof d.value, 'function');
    assert.equal(d.enumerable, false);
    assert.equal(d.writable, true);
    assert.equal(d.configurable, true);
    assert.notEqual(d.value, globalThis[name], `${name} must not be node's`);
    assert.equal(Object.prototype.toString.call(d.value.prototype), `[object ${name}]`);
  }
  assert.throws(() => new g.ReadableStreamDefaultController(), TypeError);
  assert.throws(() => new g.ReadableByteStreamController(), TypeError);
  assert.throws(() => new g.WritableStreamDefaultController(), TypeError);
  assert.throws(() => new g.TransformStreamDefaultController(), TypeError);
  assert.throws(() => new g.ReadableStreamBYOBRequest(), TypeError);
});

test('enqueue / read / close', async () => {
  const rs = new ReadableStream({
    start(c) {
      c.enqueue('a');
      c.enqueue('b');
      c.close();
    },
  });
  const reader = rs.getReader();
  assert.deepEqual(await reader.read(), { value: 'a', done: false });
  assert.deepEqual(await reader.read(), { value: 'b', done: false });
  assert.deepEqual(await reader.read(), { value: undefined, done: true });
  assert.deepEqual(await reader.read(), { value: undefined, done: true });
  await reader.closed;
});

test('pending read is fulfilled by later enqueue; close resolves pending reads', async () => {
  let ctrl;
  const rs = new ReadableStream({ start(c) { ctrl = c; } });
  const reader = rs.getReader();
  const p1 = reader.read();
  const p2 = reader.read();
  const p3 = reader.read();
  ctrl.enqueue(1);
  ctrl.close();
  assert.deepEqual(await p1, { value: 1, done: false });
  assert.deepEqual(await p2, { value: undefined, done: true });
  assert.deepEqual(await p3, { value: undefined, done: true });
  assert.throws(() => ctrl.enqueue(2), TypeError);
  assert.throws(() => ctrl.close(), TypeError);
});

test('error rejects pending and future reads and closed', async () => {
  let ctrl;
  const rs = new ReadableStream({ start(c) { ctrl = c; } });
  const reader = rs.getReader();
  const p = reader.read();
  const err = new Error('boom');
  ctrl.error(err);
  await assert.rejects(p, (e) => e === err);
  await assert.rejects(reader.read(), (e) => e === err);
  await assert.rejects(reader.closed, (e) => e === err);
  assert.equal(ctrl.desiredSize, null);
});

test('start() throwing makes the constructor throw; start() rejecting errors the stream', async () => {
  const err = new Error('sync');
  assert.throws(() => new ReadableStream({ start() { throw err; } }), (e) => e === err);
  const err2 = new Error('async');
  const rs = new ReadableStream({ start() { return Promise.reject(err2); } });
  await assert.rejects(rs.getReader().read(), (e) => e === err2);
});

test('pull errors error the stream', async () => {
  const err = new Error('pull');
  const rs = new ReadableStream({ pull() { throw err; } });
  await assert.rejects(rs.getReader().read(), (e) => e === err);
});

test('constructor argument validation', () => {
  assert.throws(() => new ReadableStream(null), TypeError);
  assert.throws(() => new ReadableStream({ type: 'nope' }), TypeError);
  assert.throws(() => new ReadableStream({ start: 5 }), TypeError);
  assert.throws(() => new ReadableStream({}, { highWaterMark: -1 }), RangeError);
  assert.throws(() => new ReadableStream({}, { highWaterMark: NaN }), RangeError);
  assert.throws(() => new ReadableStream({ type: 'bytes' }, { size() { return 1; } }), RangeError);
  assert.throws(() => new ReadableStream({ type: 'bytes', autoAllocateChunkSize: 0 }), TypeError);
  assert.throws(() => new ReadableStream().getReader({ mode: 'nope' }), TypeError);
  assert.throws(() => new ReadableStream().getReader({ mode: 'byob' }), TypeError);
  assert.doesNotThrow(() => new ReadableStream(undefined));
  assert.throws(() => ReadableStream.prototype.getReader.call({}), TypeError);
});

test('cancel propagates to the source and resolves reads as done', async () => {
  let cancelReason;
  const rs = new ReadableStream({
    start(c) { c.enqueue('x'); },
    cancel(reason) { cancelReason = reason; return delay(1); },
  });
  const reader = rs.getReader();
  const pending = reader.read(); // gets 'x'
  assert.deepEqual(await pending, { value: 'x', done: false });
  const p = reader.read();
  const r = await reader.cancel('why');
  assert.equal(r, undefined);
  assert.equal(cancelReason, 'why');
  assert.deepEqual(await p, { value: undefined, done: true });
  await reader.closed;
  assert.equal(internal.streams.isDisturbed(rs), true);
});

test('cancel rejection from source propagates; cancel of errored stream rejects', async () => {
  const err = new Error('cancel failed');
  const rs = new ReadableStream({ cancel() { throw err; } });
  await assert.rejects(rs.cancel(), (e) => e === err);
  const err2 = new Error('stored');
  const rs2 = new ReadableStream({ start(c) { c.error(err2); } });
  await assert.rejects(rs2.cancel(), (e) => e === err2);
});

test('locked errors use the exact platform messages', async () => {
  const rs = new ReadableStream();
  const reader = rs.getReader();
  assert.equal(rs.locked, true);
  const msg = 'This ReadableStream is currently locked to a reader.';
  assert.throws(() => rs.getReader(), { name: 'TypeError', message: msg });
  assert.throws(() => new ReadableStreamDefaultReader(rs), { name: 'TypeError', message: msg });
  await assert.rejects(rs.cancel(), { name: 'TypeError', message: msg });
  assert.throws(() => rs.tee(), { name: 'TypeError', message: msg });
  assert.throws(() => rs.values(), { name: 'TypeError', message: msg });
  await assert.rejects(rs.pipeTo(new g.WritableStream()), { name: 'TypeError', message: msg });
  assert.throws(() => rs.pipeThrough(new g.TransformStream()), { name: 'TypeError', message: msg });
  reader.releaseLock();
  assert.equal(rs.locked, false);
  await assert.rejects(reader.closed, TypeError);
  await assert.rejects(reader.read(), TypeError);

  const ws = new g.WritableStream();
  ws.getWriter();
  const wmsg = 'This WritableStream is currently locked to a writer.';
  assert.throws(() => ws.getWriter(), { name: 'TypeError', message: wmsg });
  await assert.rejects(ws.abort(), { name: 'TypeError', message: wmsg });
  await assert.rejects(ws.close(), { name: 'TypeError', message: wmsg });
  await assert.rejects(new ReadableStream().pipeTo(ws), { name: 'TypeError', message: wmsg });
});

test('releaseLock rejects pending reads', async () => {
  const rs = new ReadableStream();
  const reader = rs.getReader();
  const p = reader.read();
  reader.releaseLock();
  await assert.rejects(p, TypeError);
  // A new reader can be acquired.
  const r2 = rs.getReader();
  r2.releaseLock();
});

test('backpressure: desiredSize and pull called only when needed', async () => {
  let pulls = 0;
  let ctrl;
  const rs = new ReadableStream({
    start(c) { ctrl = c; },
    pull(c) {
      pulls++;
      c.enqueue(pulls);
    },
  }, { highWaterMark: 2 });
  assert.equal(ctrl.desiredSize, 2);
  await flush();
  // pull repeats until the queue reaches the HWM
  assert.equal(pulls, 2);
  assert.equal(ctrl.desiredSize, 0);
  await flush();
  assert.equal(pulls, 2);
  const reader = rs.getReader();
  assert.deepEqual(await reader.read(), { value: 1, done: false });
  await flush();
  assert.equal(pulls, 3);
  assert.equal(ctrl.desiredSize, 0);
});

test('pull is not called concurrently (pullAgain)', async () => {
  let active = 0;
  let maxActive = 0;
  let n = 0;
  const rs = new ReadableStream({
    async pull(c) {
      active++;
      maxActive = Math.max(maxActive, active);
      await delay(2);
      c.enqueue(n++);
      active--;
    },
  }, { highWaterMark: 0 });
  const reader = rs.getReader();
  const reads = await Promise.all([reader.read(), reader.read(), reader.read()]);
  assert.deepEqual(reads.map((r) => r.value), [0, 1, 2]);
  assert.equal(maxActive, 1);
});

test('size() strategy, CountQueuingStrategy and ByteLengthQueuingStrategy', async () => {
  let ctrl;
  new ReadableStream({ start(c) { ctrl = c; } }, { highWaterMark: 10, size: (chunk) => chunk.length });
  ctrl.enqueue('abcd');
  assert.equal(ctrl.desiredSize, 6);
  const cqs = new CountQueuingStrategy({ highWaterMark: 3 });
  assert.equal(cqs.highWaterMark, 3);
  assert.equal(cqs.size(), 1);
  assert.equal(cqs.size, new CountQueuingStrategy({ highWaterMark: 1 }).size);
  const blqs = new g.ByteLengthQueuingStrategy({ highWaterMark: 16 });
  assert.equal(blqs.size(new Uint8Array(5)), 5);
  assert.throws(() => new CountQueuingStrategy({}), TypeError);
  assert.throws(() => new CountQueuingStrategy(), TypeError);
  let c2;
  new ReadableStream({ start(c) { c2 = c; } }, blqs);
  c2.enqueue(new Uint8Array(10));
  assert.equal(c2.desiredSize, 6);
  // a throwing / invalid size errors the stream and rethrows
  let c3;
  const rs3 = new ReadableStream({ start(c) { c3 = c; } }, { size() { return -1; } });
  assert.throws(() => c3.enqueue('x'), RangeError);
  await assert.rejects(rs3.getReader().read(), RangeError);
});

test('async iteration reads all chunks', async () => {
  const rs = new ReadableStream({
    start(c) { c.enqueue(1); c.enqueue(2); c.enqueue(3); c.close(); },
  });
  const out = [];
  for await (const chunk of rs) out.push(chunk);
  assert.deepEqual(out, [1, 2, 3]);
  assert.equal(rs.locked, false);
  assert.equal(ReadableStream.prototype.values, ReadableStream.prototype[Symbol.asyncIterator]);
});

test('async iteration with break cancels the stream', async () => {
  let cancelled = false;
  let n = 0;
  const rs = new ReadableStream({
    pull(c) { c.enqueue(n++); },
    cancel() { cancelled = true; },
  });
  for await (const chunk of rs) {
    if (chunk === 2) break;
  }
  assert.equal(cancelled, true);
  assert.equal(rs.locked, false);
});

test('values({preventCancel: true}) does not cancel on break', async () => {
  let cancelled = false;
  let n = 0;
  const rs = new ReadableStream({
    pull(c) { c.enqueue(n++); },
    cancel() { cancelled = true; },
  });
  for await (const chunk of rs.values({ preventCancel: true })) {
    if (chunk === 1) break;
  }
  assert.equal(cancelled, false);
  assert.equal(rs.locked, false);
  const reader = rs.getReader();
  assert.equal((await reader.read()).done, false);
});

test('async iterator errors propagate; iterator prototype shape', async () => {
  const err = new Error('it');
  const rs = new ReadableStream({ start(c) { c.enqueue(1); c.error(err); } });
  const it = rs.values();
  const proto = Object.getPrototypeOf(it);
  assert.equal(typeof proto.next, 'function');
  assert.equal(typeof proto.return, 'function');
  const asyncIterProto = Object.getPrototypeOf(Object.getPrototypeOf((async function* () {}).prototype));
  assert.equal(Object.getPrototypeOf(proto), asyncIterProto);
  await assert.rejects(it.next(), (e) => e === err);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});

test('async iterator next() calls are queued; return() after finish', async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
  const it = rs[Symbol.asyncIterator]();
  const [a, b, c] = await Promise.all([it.next(), it.next(), it.next()]);
  assert.deepEqual([a, b, c], [{ value: 'a', done: false }, { value: 'b', done: false }, { value: undefined, done: true }]);
  assert.deepEqual(await it.return('r'), { value: 'r', done: true });
});

test('ReadableStream.from(async iterable, sync iterable, array)', async () => {
  async function* gen() { yield 1; yield 2; yield 3; }
  const out = [];
  for await (const x of ReadableStream.from(gen())) out.push(x);
  assert.deepEqual(out, [1, 2, 3]);

  const out2 = [];
  for await (const x of ReadableStream.from(['a', Promise.resolve('b')])) out2.push(x);
  assert.deepEqual(out2, ['a', 'b']);

  assert.throws(() => ReadableStream.from(5), TypeError);
  assert.throws(() => ReadableStream.from({}), TypeError);
  const rs = ReadableStream.from(gen());
  assert.ok(rs instanceof ReadableStream);
});

test('ReadableStream.from cancel calls iterator.return; errors propagate', async () => {
  let returned;
  const iterable = {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next() { return Promise.resolve({ value: i++, done: false }); },
        return(reason) { returned = reason; return Promise.resolve({ done: true }); },
      };
    },
  };
  const rs = ReadableStream.from(iterable);
  const reader = rs.getReader();
  assert.deepEqual(await reader.read(), { value: 0, done: false });
  await reader.cancel('stop');
  assert.equal(returned, 'stop');

  const err = new Error('gen');
  async function* bad() { yield 1; throw err; }
  const r2 = ReadableStream.from(bad()).getReader();
  assert.deepEqual(await r2.read(), { value: 1, done: false });
  await assert.rejects(r2.read(), (e) => e === err);
});

test('ReadableStream.from is lazy (highWaterMark 0)', async () => {
  let pulled = 0;
  const iterable = {
    [Symbol.iterator]() {
      return { next() { pulled++; return { value: pulled, done: false }; } };
    },
  };
  const rs = ReadableStream.from(iterable);
  await flush();
  assert.equal(pulled, 0);
  const reader = rs.getReader();
  assert.deepEqual(await reader.read(), { value: 1, done: false });
  await flush();
  assert.equal(pulled, 1);
});

test('tee: both branches get all chunks', async () => {
  const rs = new ReadableStream({
    start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); },
  });
  const [b1, b2] = rs.tee();
  assert.equal(rs.locked, true);
  const collect = async (s) => { const out = []; for await (const x of s) out.push(x); return out; };
  const [o1, o2] = await Promise.all([collect(b1), collect(b2)]);
  assert.deepEqual(o1, ['a', 'b']);
  assert.deepEqual(o2, ['a', 'b']);
});

test('tee: branches can be read at different speeds', async () => {
  let n = 0;
  const rs = new ReadableStream({
    pull(c) { if (n < 3) c.enqueue(n++); else c.close(); },
  });
  const [b1, b2] = rs.tee();
  const r1 = b1.getReader();
  const got1 = [];
  for (;;) { const { value, done } = await r1.read(); if (done) break; got1.push(value); }
  assert.deepEqual(got1, [0, 1, 2]);
  const got2 = [];
  for await (const x of b2) got2.push(x);
  assert.deepEqual(got2, [0, 1, 2]);
});

test('tee: cancelling both branches cancels the source with both reasons', async () => {
  let reason;
  const rs = new ReadableStream({ cancel(r) { reason = r; } });
  const [b1, b2] = rs.tee();
  const p1 = b1.cancel('r1');
  await flush();
  assert.equal(reason, undefined);
  const p2 = b2.cancel('r2');
  await Promise.all([p1, p2]);
  assert.deepEqual(reason, ['r1', 'r2']);
});

test('tee: source error errors both branches', async () => {
  let ctrl;
  const rs = new ReadableStream({ start(c) { ctrl = c; } });
  const [b1, b2] = rs.tee();
  const err = new Error('tee err');
  ctrl.error(err);
  await assert.rejects(b1.getReader().read(), (e) => e === err);
  await assert.rejects(b2.getReader().closed, (e) => e === err);
});

test('guest patching of Promise.prototype.then / Array.prototype.push does not break internals', async () => {
  const origThen = Promise.prototype.then;
  const origPush = Array.prototype.push;
  const origShift = Array.prototype.shift;
  let patchedCalls = 0;
  const rs = new ReadableStream({ start(c) { c.enqueue('x'); c.enqueue('y'); c.close(); } });
  const ts = new g.TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
  let out;
  try {
    Promise.prototype.then = function (...args) { patchedCalls++; return origThen.apply(this, args); };
    Array.prototype.push = function () { patchedCalls++; throw new Error('patched push'); };
    Array.prototype.shift = function () { patchedCalls++; throw new Error('patched shift'); };
    const [b1, b2] = rs.pipeThrough(ts).tee();
    const r1 = b1.getReader();
    const got = [];
    for (;;) {
      const { value, done } = await r1.read();
      if (done) break;
      got[got.length] = value;
    }
    await b2.cancel();
    out = got;
  } finally {
    Promise.prototype.then = origThen;
    Array.prototype.push = origPush;
    Array.prototype.shift = origShift;
  }
  assert.deepEqual(out, ['X', 'Y']);
  assert.equal(patchedCalls, 0);
});

test('internal stream creation (tee, pipeThrough) does not touch Object.prototype or globals', async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue(1); c.close(); } });
  const trapped = ['highWaterMark', 'size', 'start', 'type', 'mode', 'pull', 'cancel', 'then'];
  for (const p of trapped) {
    Object.defineProperty(Object.prototype, p, { get() { throw new Error(`${p} getter called`); }, configurable: true });
  }
  const savedRS = g.ReadableStream;
  g.ReadableStream = function () { throw new Error('global ReadableStream called'); };
  let branches;
  try {
    branches = rs.tee();
  } finally {
    g.ReadableStream = savedRS;
    for (const p of trapped) delete Object.prototype[p];
  }
  assert.equal(internal.streams.isReadableStream(branches[0]), true);
  assert.equal(internal.streams.isReadableStream(branches[1]), true);
  const { value } = await branches[0].getReader().read();
  assert.equal(value, 1);
});
