import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load, flush } from './run.mjs';

for (const variant of [{ name: 'transferable', omit: [] }, { name: 'no structuredClone', omit: ['structuredClone'] }]) {
  const { g } = load({ omit: variant.omit });
  const { ReadableStream, ReadableStreamBYOBReader, ReadableByteStreamController } = g;
  const detaches = variant.omit.length === 0;
  const t = (name, fn) => test(`[${variant.name}] ${name}`, fn);

  t('byte stream with default reader', async () => {
    const rs = new ReadableStream({
      type: 'bytes',
      start(c) {
        assert.ok(c instanceof ReadableByteStreamController);
        c.enqueue(new Uint8Array([1, 2, 3]));
        c.close();
      },
    });
    const reader = rs.getReader();
    const { value, done } = await reader.read();
    assert.equal(done, false);
    assert.ok(value instanceof Uint8Array);
    assert.deepEqual([...value], [1, 2, 3]);
    assert.equal((await reader.read()).done, true);
  });

  t('enqueue transfers (detaches) the chunk buffer', () => {
    let ctrl;
    new ReadableStream({ type: 'bytes', start(c) { ctrl = c; } });
    const chunk = new Uint8Array([1, 2]);
    ctrl.enqueue(chunk);
    if (detaches) assert.equal(chunk.byteLength, 0);
    assert.throws(() => ctrl.enqueue(new Uint8Array(0)), TypeError);
    assert.throws(() => ctrl.enqueue('str'), TypeError);
    assert.equal(ctrl.desiredSize, -2);
  });

  t('BYOB read filled from queue', async () => {
    const rs = new ReadableStream({
      type: 'bytes',
      start(c) {
        c.enqueue(new Uint8Array([1, 2, 3, 4, 5]));
        c.close();
      },
    });
    const reader = rs.getReader({ mode: 'byob' });
    assert.ok(reader instanceof ReadableStreamBYOBReader);
    const buf = new Uint8Array(3);
    const r1 = await reader.read(buf);
    assert.equal(r1.done, false);
    assert.deepEqual([...r1.value], [1, 2, 3]);
    if (detaches) assert.equal(buf.byteLength, 0, 'the passed view is detached');
    const r2 = await reader.read(new Uint8Array(r1.value.buffer));
    assert.deepEqual([...r2.value], [4, 5]);
    const r3 = await reader.read(new Uint8Array(4));
    assert.equal(r3.done, true);
    assert.ok(r3.value instanceof Uint8Array);
    assert.equal(r3.value.byteLength, 0);
  });

  t('BYOB read with byobRequest.respond()', async () => {
    let pulls = 0;
    const rs = new ReadableStream({
      type: 'bytes',
      pull(c) {
        pulls++;
        const req = c.byobRequest;
        assert.ok(req instanceof g.ReadableStreamBYOBRequest);
        const v = req.view;
        assert.ok(v instanceof Uint8Array);
        v[0] = 42;
        v[1] = 43;
        req.respond(2);
        assert.equal(c.byobRequest, null);
        assert.equal(req.view, null);
        assert.throws(() => req.respond(1), TypeError);
      },
    });
    const reader = rs.getReader({ mode: 'byob' });
    const { value, done } = await reader.read(new Uint8Array(10));
    assert.equal(done, false);
    assert.equal(value.byteLength, 2);
    assert.equal(value.buffer.byteLength, 10);
    assert.deepEqual([...value], [42, 43]);
    assert.equal(pulls, 1);
  });

  t('BYOB respond with min and typed array element sizes', async () => {
    const rs = new ReadableStream({
      type: 'bytes',
      pull(c) {
        const v = c.byobRequest.view;
        v[0] = 1;
        c.byobRequest.respond(1);
      },
    });
    const reader = rs.getReader({ mode: 'byob' });
    const { value } = await reader.read(new Uint8Array(8), { min: 3 });
    assert.deepEqual([...value], [1, 1, 1]);
    // Uint16Array needs two bytes per element.
    const r2 = await reader.read(new Uint16Array(2));
    assert.ok(r2.value instanceof Uint16Array);
    assert.equal(r2.value.length, 1);
    await assert.rejects(reader.read(new Uint8Array(2), { min: 3 }), RangeError);
    await assert.rejects(reader.read(new Uint8Array(2), { min: 0 }), TypeError);
    await assert.rejects(reader.read(new Uint8Array(0)), TypeError);
    await assert.rejects(reader.read({}), TypeError);
  });

  t('respondWithNewView()', async () => {
    const rs = new ReadableStream({
      type: 'bytes',
      pull(c) {
        const v = c.byobRequest.view;
        const nv = new Uint8Array(v.buffer, v.byteOffset, 3);
        nv.set([7, 8, 9]);
        assert.throws(() => c.byobRequest.respondWithNewView(new Uint8Array(4)), RangeError);
        c.byobRequest.respondWithNewView(nv);
      },
    });
    const reader = rs.getReader({ mode: 'byob' });
    const { value } = await reader.read(new Uint8Array(5));
    assert.deepEqual([...value], [7, 8, 9]);
  });

  t('DataView reads', async () => {
    const rs = new ReadableStream({
      type: 'bytes',
      start(c) { c.enqueue(new Uint8Array([0, 1, 0, 2])); c.close(); },
    });
    const reader = rs.getReader({ mode: 'byob' });
    const { value } = await reader.read(new DataView(new ArrayBuffer(4)));
    assert.ok(value instanceof DataView);
    assert.equal(value.getUint16(0), 1);
    assert.equal(value.getUint16(2), 2);
  });

  t('autoAllocateChunkSize gives default readers a byobRequest', async () => {
    let seen;
    const rs = new ReadableStream({
      type: 'bytes',
      autoAllocateChunkSize: 16,
      pull(c) {
        const req = c.byobRequest;
        seen = req.view.byteLength;
        req.view.set([5, 6, 7]);
        req.respond(3);
      },
    });
    const reader = rs.getReader();
    const { value } = await reader.read();
    assert.equal(seen, 16);
    assert.ok(value instanceof Uint8Array);
    assert.deepEqual([...value], [5, 6, 7]);
    assert.equal(value.buffer.byteLength, 16);
  });

  t('close with a pending BYOB read: respond(0) completes it with done', async () => {
    let ctrl;
    const rs = new ReadableStream({ type: 'bytes', start(c) { ctrl = c; } });
    const reader = rs.getReader({ mode: 'byob' });
    const p = reader.read(new Uint8Array(4));
    await flush();
    ctrl.close();
    assert.ok(ctrl.byobRequest);
    assert.throws(() => ctrl.byobRequest.respond(1), TypeError);
    ctrl.byobRequest.respond(0);
    const { value, done } = await p;
    assert.equal(done, true);
    assert.equal(value.byteLength, 0);
    assert.equal(value.buffer.byteLength, 4);
  });

  t('enqueue fills a pending BYOB read', async () => {
    let ctrl;
    const rs = new ReadableStream({ type: 'bytes', start(c) { ctrl = c; } });
    const reader = rs.getReader({ mode: 'byob' });
    const p = reader.read(new Uint8Array(4));
    await flush();
    ctrl.enqueue(new Uint8Array([1, 2, 3, 4, 5, 6]));
    const { value } = await p;
    assert.deepEqual([...value], [1, 2, 3, 4]);
    const r2 = await reader.read(new Uint8Array(4));
    assert.deepEqual([...r2.value], [5, 6]);
  });

  t('cancel on BYOB reader resolves pending reads as done', async () => {
    let reason;
    const rs = new ReadableStream({ type: 'bytes', cancel(r) { reason = r; } });
    const reader = rs.getReader({ mode: 'byob' });
    const p = reader.read(new Uint8Array(4));
    await reader.cancel('bye');
    const r = await p;
    assert.equal(r.done, true);
    assert.equal(r.value, undefined);
    assert.equal(reason, 'bye');
  });

  t('BYOB releaseLock rejects pending reads; error rejects', async () => {
    let ctrl;
    const rs = new ReadableStream({ type: 'bytes', start(c) { ctrl = c; } });
    const reader = rs.getReader({ mode: 'byob' });
    const p = reader.read(new Uint8Array(4));
    reader.releaseLock();
    await assert.rejects(p, TypeError);
    const r2 = rs.getReader({ mode: 'byob' });
    const p2 = r2.read(new Uint8Array(4));
    const err = new Error('x');
    ctrl.error(err);
    await assert.rejects(p2, (e) => e === err);
  });

  t('byte stream tee: both branches get all bytes, branches are byte streams', async () => {
    const rs = new ReadableStream({
      type: 'bytes',
      start(c) {
        c.enqueue(new Uint8Array([1, 2]));
        c.enqueue(new Uint8Array([3]));
        c.close();
      },
    });
    const [b1, b2] = rs.tee();
    const collect = async (s) => { const out = []; for await (const x of s) out.push(...x); return out; };
    const r2 = b2.getReader({ mode: 'byob' });
    const got2 = [];
    for (;;) {
      const { value, done } = await r2.read(new Uint8Array(1));
      if (done) break;
      got2.push(...value);
    }
    assert.deepEqual(await collect(b1), [1, 2, 3]);
    assert.deepEqual(got2, [1, 2, 3]);
  });

  t('byte stream tee: chunks are not shared between branches', async () => {
    const rs = new ReadableStream({
      type: 'bytes',
      start(c) { c.enqueue(new Uint8Array([1, 2, 3])); c.close(); },
    });
    const [b1, b2] = rs.tee();
    const v1 = (await b1.getReader().read()).value;
    const v2 = (await b2.getReader().read()).value;
    assert.notEqual(v1.buffer, v2.buffer);
    v1[0] = 99;
    assert.equal(v2[0], 1);
  });
}
