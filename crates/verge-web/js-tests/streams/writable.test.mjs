import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, delay, flush } from './run.mjs';

const { g } = load();
const { WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController } = g;

function recordingSink(opts = {}) {
  const log = [];
  const sink = {
    start(c) { sink.controller = c; log.push('start'); },
    write(chunk) { log.push(`write:${chunk}`); return opts.writeDelay ? delay(opts.writeDelay) : undefined; },
    close() { log.push('close'); },
    abort(reason) { log.push(`abort:${reason}`); },
  };
  return { sink, log };
}

test('write / close in order', async () => {
  const { sink, log } = recordingSink({ writeDelay: 1 });
  const ws = new WritableStream(sink);
  const writer = ws.getWriter();
  assert.ok(writer instanceof WritableStreamDefaultWriter);
  assert.ok(sink.controller instanceof WritableStreamDefaultController);
  const p1 = writer.write('a');
  const p2 = writer.write('b');
  const pc = writer.close();
  await Promise.all([p1, p2, pc, writer.closed]);
  assert.deepEqual(log, ['start', 'write:a', 'write:b', 'close']);
  await assert.rejects(writer.write('c'), TypeError);
  await assert.rejects(writer.close(), TypeError);
});

test('backpressure: desiredSize and writer.ready', async () => {
  let resolveWrite;
  const ws = new WritableStream({
    write() { return new Promise((r) => { resolveWrite = r; }); },
  }, { highWaterMark: 2 });
  const writer = ws.getWriter();
  await flush();
  assert.equal(writer.desiredSize, 2);
  let readyResolved = false;
  writer.write('a');
  writer.write('b');
  assert.equal(writer.desiredSize, 0);
  const ready = writer.ready.then(() => { readyResolved = true; });
  await flush();
  assert.equal(readyResolved, false);
  resolveWrite();
  await ready;
  assert.equal(readyResolved, true);
  assert.equal(writer.desiredSize, 1);
});

test('size strategy on writable', async () => {
  const ws = new WritableStream({}, { highWaterMark: 10, size: (c) => c.length });
  const writer = ws.getWriter();
  writer.write('abcdef');
  assert.equal(writer.desiredSize, 4);
});

test('sink write error errors the stream', async () => {
  const err = new Error('write failed');
  const ws = new WritableStream({ write() { throw err; } });
  const writer = ws.getWriter();
  await assert.rejects(writer.write('x'), (e) => e === err);
  await assert.rejects(writer.closed, (e) => e === err);
  await assert.rejects(writer.write('y'), (e) => e === err);
  assert.equal(writer.desiredSize, null);
});

test('abort: rejects queued writes, calls sink.abort, signals controller.signal', async () => {
  const { sink, log } = recordingSink({ writeDelay: 5 });
  const ws = new WritableStream(sink);
  const writer = ws.getWriter();
  await flush();
  const signal = sink.controller.signal;
  assert.equal(signal.aborted, false);
  const w1 = writer.write('1');
  const w2 = writer.write('2');
  const ap = writer.abort('reason');
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, 'reason');
  await w1; // in-flight write completes
  await assert.rejects(w2, (e) => e === 'reason');
  await ap;
  assert.deepEqual(log, ['start', 'write:1', 'abort:reason']);
  await assert.rejects(writer.closed, (e) => e === 'reason');
});

test('abort() with no reason gives the controller signal an AbortError', async () => {
  let ctrl;
  const ws = new WritableStream({ start(c) { ctrl = c; } });
  await ws.abort();
  assert.equal(ctrl.signal.aborted, true);
  assert.equal(ctrl.signal.reason.name, 'AbortError');
});

test('controller.error() errors the stream', async () => {
  let ctrl;
  const ws = new WritableStream({ start(c) { ctrl = c; } });
  const writer = ws.getWriter();
  const err = new Error('ctrl');
  ctrl.error(err);
  await assert.rejects(writer.closed, (e) => e === err);
  await assert.rejects(writer.ready, (e) => e === err);
});

test('start() promise delays writes; start rejection errors', async () => {
  const log = [];
  let resolveStart;
  const ws = new WritableStream({
    start() { return new Promise((r) => { resolveStart = r; }); },
    write(c) { log.push(c); },
  });
  const writer = ws.getWriter();
  const p = writer.write('x');
  await flush();
  assert.deepEqual(log, []);
  resolveStart();
  await p;
  assert.deepEqual(log, ['x']);

  const err = new Error('start');
  const ws2 = new WritableStream({ start() { return Promise.reject(err); } });
  await assert.rejects(ws2.getWriter().closed, (e) => e === err);
});

test('releaseLock rejects ready/closed of old writer; stream stays usable', async () => {
  const ws = new WritableStream();
  const writer = ws.getWriter();
  writer.releaseLock();
  await assert.rejects(writer.closed, TypeError);
  await assert.rejects(writer.write('x'), TypeError);
  assert.throws(() => writer.desiredSize, TypeError);
  const w2 = ws.getWriter();
  await w2.write('y');
  await w2.close();
});

test('WritableStream.close() closes; type must be undefined', async () => {
  let closed = false;
  const ws = new WritableStream({ close() { closed = true; } });
  await ws.close();
  assert.equal(closed, true);
  assert.throws(() => new WritableStream({ type: 'bytes' }), RangeError);
  assert.throws(() => new WritableStream(null), TypeError);
  assert.throws(() => new WritableStream({ write: 1 }), TypeError);
});

test('close rejection from sink', async () => {
  const err = new Error('close failed');
  const ws = new WritableStream({ close() { throw err; } });
  const writer = ws.getWriter();
  await assert.rejects(writer.close(), (e) => e === err);
  await assert.rejects(writer.closed, (e) => e === err);
});
