import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, delay, flush } from './run.mjs';

const { g } = load();
const { ReadableStream, WritableStream, TransformStream } = g;

const fromArray = (arr, extra = {}) => new ReadableStream({
  start(c) { for (const x of arr) c.enqueue(x); c.close(); },
  ...extra,
});
const collect = async (rs) => { const out = []; for await (const x of rs) out.push(x); return out; };
function sinkInto(arr, extra = {}) {
  return new WritableStream({ write(c) { arr.push(c); }, ...extra });
}

test('pipeThrough a TransformStream', async () => {
  const ts = new TransformStream({
    transform(chunk, c) { c.enqueue(chunk * 2); c.enqueue(chunk * 2 + 1); },
  });
  const out = await collect(fromArray([1, 2, 3]).pipeThrough(ts));
  assert.deepEqual(out, [2, 3, 4, 5, 6, 7]);
});

test('identity TransformStream and flush', async () => {
  const ts = new TransformStream({
    flush(c) { c.enqueue('end'); },
  });
  const out = await collect(fromArray(['a', 'b']).pipeThrough(ts));
  assert.deepEqual(out, ['a', 'b', 'end']);
  const out2 = await collect(fromArray([1]).pipeThrough(new TransformStream()));
  assert.deepEqual(out2, [1]);
});

test('async transform and start', async () => {
  const log = [];
  const ts = new TransformStream({
    async start() { await delay(1); log.push('started'); },
    async transform(chunk, c) { await delay(1); c.enqueue(chunk.toUpperCase()); },
  });
  const out = await collect(fromArray(['x', 'y']).pipeThrough(ts));
  assert.deepEqual(out, ['X', 'Y']);
  assert.deepEqual(log, ['started']);
});

test('transform error errors both sides', async () => {
  const err = new Error('transform');
  const ts = new TransformStream({ transform() { throw err; } });
  const writer = ts.writable.getWriter();
  const reader = ts.readable.getReader();
  const rp = reader.read(); // the write waits for the readable side to pull (backpressure)
  const wp = writer.write('x');
  await assert.rejects(wp, (e) => e === err);
  await assert.rejects(rp, (e) => e === err);
  await assert.rejects(writer.closed, (e) => e === err);
});

test('flush error errors the readable', async () => {
  const err = new Error('flush');
  const ts = new TransformStream({ flush() { throw err; } });
  const writer = ts.writable.getWriter();
  await assert.rejects(writer.close(), (e) => e === err);
  await assert.rejects(ts.readable.getReader().read(), (e) => e === err);
});

test('controller.terminate() closes readable and errors writable', async () => {
  const ts = new TransformStream({
    transform(chunk, c) { c.enqueue(chunk); c.terminate(); },
  });
  const writer = ts.writable.getWriter();
  const reader = ts.readable.getReader();
  writer.write('only');
  assert.deepEqual(await reader.read(), { value: 'only', done: false });
  assert.deepEqual(await reader.read(), { value: undefined, done: true });
  await assert.rejects(writer.closed, TypeError);
});

test('transform backpressure: readable HWM 0 blocks writes until read', async () => {
  let transforms = 0;
  const ts = new TransformStream({ transform(c, ctrl) { transforms++; ctrl.enqueue(c); } });
  const writer = ts.writable.getWriter();
  writer.write(1);
  writer.write(2);
  await flush();
  assert.equal(transforms, 0, 'backpressure: no transform until reader pulls');
  const reader = ts.readable.getReader();
  assert.deepEqual(await reader.read(), { value: 1, done: false });
  await flush();
  assert.equal(transforms, 1, 'still no read ahead');
  assert.deepEqual(await reader.read(), { value: 2, done: false });
  assert.equal(transforms, 2);
});

test('TransformStream cancel: readable.cancel calls transformer.cancel and errors writable', async () => {
  let reason;
  const ts = new TransformStream({ cancel(r) { reason = r; } });
  await ts.readable.cancel('gone');
  assert.equal(reason, 'gone');
  await assert.rejects(ts.writable.getWriter().closed, (e) => e === 'gone');
});

test('TransformStream abort: writable.abort calls transformer.cancel and errors readable', async () => {
  let reason;
  const ts = new TransformStream({ cancel(r) { reason = r; } });
  await ts.writable.abort('aborted');
  assert.equal(reason, 'aborted');
  await assert.rejects(ts.readable.getReader().closed, (e) => e === 'aborted');
});

test('TransformStream rejects readableType/writableType', () => {
  assert.throws(() => new TransformStream({ readableType: 'bytes' }), RangeError);
  assert.throws(() => new TransformStream({ writableType: 'bytes' }), RangeError);
});

test('pipeTo: all chunks written and dest closed', async () => {
  const out = [];
  let closed = false;
  await fromArray([1, 2, 3]).pipeTo(sinkInto(out, { close() { closed = true; } }));
  assert.deepEqual(out, [1, 2, 3]);
  assert.equal(closed, true);
});

test('pipeTo: preventClose leaves dest open', async () => {
  const out = [];
  const ws = sinkInto(out);
  const rs = fromArray(['a']);
  await rs.pipeTo(ws, { preventClose: true });
  assert.equal(ws.locked, false);
  const writer = ws.getWriter();
  await writer.write('b');
  assert.deepEqual(out, ['a', 'b']);
});

test('pipeTo: source error aborts dest (and preventAbort)', async () => {
  const err = new Error('src');
  const mk = () => new ReadableStream({ start(c) { c.enqueue(1); c.error(err); } });
  let aborted;
  const ws = new WritableStream({ abort(r) { aborted = r; } });
  await assert.rejects(mk().pipeTo(ws), (e) => e === err);
  assert.equal(aborted, err);

  let aborted2 = false;
  const ws2 = new WritableStream({ abort() { aborted2 = true; } });
  await assert.rejects(mk().pipeTo(ws2, { preventAbort: true }), (e) => e === err);
  assert.equal(aborted2, false);
  assert.equal(ws2.locked, false);
  await ws2.getWriter().write('still writable');
});

test('pipeTo: dest error cancels source (and preventCancel)', async () => {
  const err = new Error('dest');
  let cancelled;
  let n = 0;
  const rs = new ReadableStream({ pull(c) { c.enqueue(n++); }, cancel(r) { cancelled = r; } });
  const ws = new WritableStream({ write() { throw err; } });
  await assert.rejects(rs.pipeTo(ws), (e) => e === err);
  assert.equal(cancelled, err);

  let cancelled2 = false;
  const rs2 = new ReadableStream({ pull(c) { c.enqueue(n++); }, cancel() { cancelled2 = true; } });
  const ws2 = new WritableStream({ write() { throw err; } });
  await assert.rejects(rs2.pipeTo(ws2, { preventCancel: true }), (e) => e === err);
  assert.equal(cancelled2, false);
  assert.equal(rs2.locked, false);
});

test('pipeTo: closed dest cancels source with TypeError', async () => {
  const ws = new WritableStream();
  await ws.close();
  let reason;
  const rs = new ReadableStream({ cancel(r) { reason = r; } });
  await assert.rejects(rs.pipeTo(ws), TypeError);
  assert.ok(reason instanceof TypeError);
});

test('pipeTo: AbortSignal aborts dest and cancels source', async () => {
  const ac = new AbortController();
  let aborted;
  let cancelled;
  let n = 0;
  const rs = new ReadableStream({
    pull(c) { return delay(1).then(() => c.enqueue(n++)); },
    cancel(r) { cancelled = r; },
  });
  const out = [];
  let firstWrite;
  const wrote = new Promise((r) => { firstWrite = r; });
  const ws = new WritableStream({ write(c) { out.push(c); firstWrite(); }, abort(r) { aborted = r; } });
  const p = rs.pipeTo(ws, { signal: ac.signal });
  await wrote; // abort mid-pipe: after a chunk went through, while the source still pulls
  ac.abort();
  await assert.rejects(p, (e) => e.name === 'AbortError');
  assert.equal(aborted.name, 'AbortError');
  assert.equal(cancelled.name, 'AbortError');
  assert.ok(out.length > 0);
  assert.equal(rs.locked, false);
  assert.equal(ws.locked, false);
});

test('pipeTo: already-aborted signal with custom reason, preventAbort + preventCancel', async () => {
  const ac = new AbortController();
  ac.abort('custom');
  let aborted = false;
  let cancelled = false;
  const rs = new ReadableStream({ start(c) { c.enqueue(1); }, cancel() { cancelled = true; } });
  const out = [];
  const ws = new WritableStream({ write(c) { out.push(c); }, abort() { aborted = true; } });
  await assert.rejects(rs.pipeTo(ws, { signal: ac.signal, preventAbort: true, preventCancel: true }),
    (e) => e === 'custom');
  assert.equal(aborted, false);
  assert.equal(cancelled, false);
  assert.deepEqual(out, []);
  await assert.rejects(rs.pipeTo(ws, { signal: {} }), TypeError);
});

test('pipeTo respects dest backpressure (does not read ahead unboundedly)', async () => {
  let pulled = 0;
  const rs = new ReadableStream({ pull(c) { pulled++; c.enqueue(pulled); } }, { highWaterMark: 0 });
  let release;
  let firstWrite;
  const writing = new Promise((r) => { firstWrite = r; });
  const ws = new WritableStream({ write() { firstWrite(); return new Promise((r) => { release = r; }); } },
    { highWaterMark: 1 });
  const ac = new AbortController();
  const p = rs.pipeTo(ws, { signal: ac.signal });
  // The first write never completes; once it started, everything else the pipe could do is
  // promise jobs, all run before the next task: after one task boundary the pipe is at rest.
  await writing;
  await flush();
  assert.ok(pulled <= 3, `pulled ${pulled}`);
  ac.abort();
  release();
  await assert.rejects(p);
});

test('pipeThrough returns readable; argument checks', async () => {
  const ts = new TransformStream();
  const rs = fromArray([1]);
  const r = rs.pipeThrough(ts);
  assert.equal(r, ts.readable);
  assert.throws(() => fromArray([]).pipeThrough({}), TypeError);
  assert.throws(() => fromArray([]).pipeThrough({ readable: ts.readable, writable: {} }), TypeError);
  await assert.rejects(fromArray([]).pipeTo({}), TypeError);
});

test('chained pipeThrough with many chunks', async () => {
  const N = 1000;
  let i = 0;
  const rs = new ReadableStream({ pull(c) { if (i < N) c.enqueue(i++); else c.close(); } });
  const add1 = () => new TransformStream({ transform(x, c) { c.enqueue(x + 1); } });
  const out = await collect(rs.pipeThrough(add1()).pipeThrough(add1()));
  assert.equal(out.length, N);
  assert.equal(out[0], 2);
  assert.equal(out[N - 1], N + 1);
});

test('pipeTo from an already-closed empty stream closes dest', async () => {
  const rs = new ReadableStream({ start(c) { c.close(); } });
  let closed = false;
  await rs.pipeTo(new WritableStream({ close() { closed = true; } }));
  assert.equal(closed, true);
});

test('pipeTo from an already-errored stream aborts dest', async () => {
  const err = new Error('pre');
  const rs = new ReadableStream({ start(c) { c.error(err); } });
  let aborted;
  await assert.rejects(rs.pipeTo(new WritableStream({ abort(r) { aborted = r; } })), (e) => e === err);
  assert.equal(aborted, err);
});

test('subclassing ReadableStream works', async () => {
  class MyStream extends ReadableStream {
    constructor() { super({ start(c) { c.enqueue('sub'); c.close(); } }); }
    extra() { return 'extra'; }
  }
  const s = new MyStream();
  assert.equal(s.extra(), 'extra');
  assert.deepEqual(await collect(s), ['sub']);
});

test('ReadableStream.from(ReadableStream) and pipe to TextEncoderStream chain', async () => {
  const inner = fromArray(['a', 'b']);
  assert.deepEqual(await collect(ReadableStream.from(inner)), ['a', 'b']);
});

test('WebIDL shape: prototype members enumerable, brand checks', async () => {
  const d = Object.getOwnPropertyDescriptor(ReadableStream.prototype, 'getReader');
  assert.equal(d.enumerable, true);
  const l = Object.getOwnPropertyDescriptor(ReadableStream.prototype, 'locked');
  assert.equal(typeof l.get, 'function');
  assert.equal(l.enumerable, true);
  assert.throws(() => l.get.call({}), TypeError);
  await assert.rejects(ReadableStream.prototype.cancel.call({}), TypeError);
  await assert.rejects(WritableStream.prototype.abort.call({}), TypeError);
  assert.throws(() => Object.getOwnPropertyDescriptor(TransformStream.prototype, 'readable').get.call({}), TypeError);
});
