import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, flush } from './run.mjs';

const { g, internal } = load();
const S = internal.streams;
const { ReadableStream } = g;

test('internal.streams has the documented API', () => {
  for (const name of ['isReadableStream', 'isDisturbed', 'isLocked', 'readAll', 'fromBytes', 'fromPull', 'getReader']) {
    assert.equal(typeof S[name], 'function', name);
  }
});

test('isReadableStream / isLocked / isDisturbed', async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue('x'); } });
  assert.equal(S.isReadableStream(rs), true);
  assert.equal(S.isReadableStream({}), false);
  assert.equal(S.isReadableStream(null), false);
  assert.equal(S.isReadableStream(new globalThis.ReadableStream()), false, "node's stream is not ours");
  assert.equal(S.isLocked(rs), false);
  assert.equal(S.isDisturbed(rs), false);
  const reader = rs.getReader();
  assert.equal(S.isLocked(rs), true);
  assert.equal(S.isDisturbed(rs), false, 'locking alone does not disturb');
  await reader.read();
  assert.equal(S.isDisturbed(rs), true);
  const rs2 = new ReadableStream();
  await rs2.cancel();
  assert.equal(S.isDisturbed(rs2), true);
  assert.throws(() => S.isDisturbed({}), TypeError);
});

test('readAll concatenates Uint8Array / views / ArrayBuffer / string chunks', async () => {
  const rs = new ReadableStream({
    start(c) {
      c.enqueue(new Uint8Array([104, 105]));
      c.enqueue(new Uint16Array([0x2020]));
      c.enqueue(new Uint8Array([33]).buffer);
      c.enqueue(new DataView(new Uint8Array([1, 2, 3]).buffer, 1, 1));
      c.enqueue('é');
      c.close();
    },
  });
  const out = await S.readAll(rs);
  assert.ok(out instanceof Uint8Array);
  assert.deepEqual([...out], [104, 105, 0x20, 0x20, 33, 2, 0xC3, 0xA9]);
  assert.equal(S.isDisturbed(rs), true);
  assert.equal(S.isLocked(rs), false);
});

test('readAll: TypeError for bad chunk (and cancels), errors propagate, locked rejects', async () => {
  let cancelled;
  const rs = new ReadableStream({ start(c) { c.enqueue(123); }, cancel(r) { cancelled = r; } });
  await assert.rejects(S.readAll(rs), TypeError);
  assert.ok(cancelled instanceof TypeError);
  const err = new Error('e');
  await assert.rejects(S.readAll(new ReadableStream({ start(c) { c.error(err); } })), (e) => e === err);
  const locked = new ReadableStream();
  locked.getReader();
  await assert.rejects(S.readAll(locked), { message: 'This ReadableStream is currently locked to a reader.' });
  const empty = await S.readAll(new ReadableStream({ start(c) { c.close(); } }));
  assert.equal(empty.byteLength, 0);
});

test('readAll handles many queued chunks without deep recursion', async () => {
  const rs = new ReadableStream({
    start(c) { for (let i = 0; i < 20000; i++) c.enqueue(new Uint8Array([i & 255])); c.close(); },
  });
  const out = await S.readAll(rs);
  assert.equal(out.length, 20000);
  assert.equal(out[258], 2);
});

test('fromBytes: a byte stream with one chunk (copied); supports BYOB', async () => {
  const src = new Uint8Array([1, 2, 3, 4]);
  const rs = S.fromBytes(src);
  assert.equal(S.isReadableStream(rs), true);
  assert.equal(src.byteLength, 4, 'input is not detached');
  const reader = rs.getReader();
  const r1 = await reader.read();
  assert.deepEqual([...r1.value], [1, 2, 3, 4]);
  assert.equal((await reader.read()).done, true);

  const r2 = S.fromBytes(src).getReader({ mode: 'byob' });
  const a = await r2.read(new Uint8Array(3));
  assert.deepEqual([...a.value], [1, 2, 3]);
  const b = await r2.read(new Uint8Array(3));
  assert.deepEqual([...b.value], [4]);
  assert.equal((await r2.read(new Uint8Array(3))).done, true);

  assert.equal((await S.readAll(S.fromBytes(new Uint8Array(0)))).byteLength, 0);
  assert.deepEqual([...await S.readAll(S.fromBytes(src))], [1, 2, 3, 4]);
});

test('fromPull: pulls lazily, ends on undefined, works with readAll and BYOB', async () => {
  const chunks = [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])];
  let calls = 0;
  const rs = S.fromPull(async () => { calls++; return chunks.shift(); });
  await flush();
  assert.equal(calls, 0, 'no pull before a read (highWaterMark 0)');
  const out = await S.readAll(rs);
  assert.deepEqual([...out], [1, 2, 3]);

  const data = [new Uint8Array([9, 8, 7, 6, 5])];
  const rs2 = S.fromPull(() => Promise.resolve(data.shift()));
  const reader = rs2.getReader({ mode: 'byob' });
  const r1 = await reader.read(new Uint8Array(2));
  assert.deepEqual([...r1.value], [9, 8]);
  const r2 = await reader.read(new Uint8Array(10));
  assert.deepEqual([...r2.value], [7, 6, 5]);
  const r3 = await reader.read(new Uint8Array(10));
  assert.equal(r3.done, true);
});

test('fromPull: cancel calls cancelFn; pull rejection errors the stream', async () => {
  let reason;
  const rs = S.fromPull(async () => new Uint8Array([1]), (r) => { reason = r; });
  const reader = rs.getReader();
  await reader.read();
  await reader.cancel('client went away');
  assert.equal(reason, 'client went away');

  const err = new Error('io');
  const rs2 = S.fromPull(async () => { throw err; });
  await assert.rejects(S.readAll(rs2), (e) => e === err);
});

test('getReader marks the stream disturbed and returns a default reader', async () => {
  const rs = S.fromBytes(new Uint8Array([5]));
  const reader = S.getReader(rs);
  assert.equal(S.isDisturbed(rs), true);
  assert.equal(S.isLocked(rs), true);
  assert.ok(reader instanceof g.ReadableStreamDefaultReader);
  assert.deepEqual([...(await reader.read()).value], [5]);
  assert.throws(() => S.getReader(rs), { message: 'This ReadableStream is currently locked to a reader.' });
});
