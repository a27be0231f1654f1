import { test } from 'node:test';
import assert from 'node:assert/strict';
import { load } from './run.mjs';

const { g } = load();
const { ReadableStream, TextEncoderStream, TextDecoderStream } = g;

const fromArray = (arr) => new ReadableStream({ start(c) { for (const x of arr) c.enqueue(x); c.close(); } });
const collect = async (rs) => { const out = []; for await (const x of rs) out.push(x); return out; };

test('TextDecoderStream: multi-byte char split across chunks', async () => {
  const bytes = new TextEncoder().encode('héllo €😀');
  // split inside the é (2 bytes), inside € (3 bytes) and inside 😀 (4 bytes)
  const e = bytes.indexOf(0xC3);
  const euro = bytes.indexOf(0xE2);
  const emoji = bytes.indexOf(0xF0);
  const chunks = [bytes.slice(0, e + 1), bytes.slice(e + 1, euro + 1), bytes.slice(euro + 1, euro + 2),
    bytes.slice(euro + 2, emoji + 2), bytes.slice(emoji + 2)];
  const tds = new TextDecoderStream();
  assert.equal(tds.encoding, 'utf-8');
  assert.equal(tds.fatal, false);
  assert.equal(tds.ignoreBOM, false);
  const out = await collect(fromArray(chunks).pipeThrough(tds));
  assert.equal(out.join(''), 'héllo €😀');
  for (const s of out) assert.equal(typeof s, 'string');
});

test('TextDecoderStream: incomplete sequence at end → U+FFFD; fatal errors', async () => {
  const out = await collect(fromArray([new Uint8Array([0x61, 0xE2, 0x82])]).pipeThrough(new TextDecoderStream()));
  assert.equal(out.join(''), 'a\uFFFD');
  const fatal = new TextDecoderStream('utf-8', { fatal: true });
  assert.equal(fatal.fatal, true);
  await assert.rejects(collect(fromArray([new Uint8Array([0xFF])]).pipeThrough(fatal)), TypeError);
});

test('TextDecoderStream: ArrayBuffer chunks, other labels, bad chunk types, bad label', async () => {
  const out = await collect(fromArray([new Uint8Array([0x68, 0x69]).buffer]).pipeThrough(new TextDecoderStream()));
  assert.equal(out.join(''), 'hi');
  const latin = new TextDecoderStream('latin1');
  assert.equal(latin.encoding, 'windows-1252');
  await assert.rejects(collect(fromArray(['not bytes']).pipeThrough(new TextDecoderStream())), TypeError);
  assert.throws(() => new TextDecoderStream('no-such-encoding'), RangeError);
});

test('TextEncoderStream: strings to UTF-8 bytes; surrogate pair split across chunks', async () => {
  const tes = new TextEncoderStream();
  assert.equal(tes.encoding, 'utf-8');
  const out = await collect(fromArray(['a€', '\uD83D', '\uDE00b']).pipeThrough(tes));
  for (const c of out) assert.ok(c instanceof Uint8Array);
  const all = Buffer.concat(out.map((u) => Buffer.from(u)));
  assert.equal(all.toString('utf8'), 'a€😀b');
  assert.deepEqual([...all], [...new TextEncoder().encode('a€😀b')]);
});

test('TextEncoderStream: lone trailing high surrogate flushes U+FFFD; non-strings are stringified', async () => {
  const out = await collect(fromArray(['x\uD83D']).pipeThrough(new TextEncoderStream()));
  const all = Buffer.concat(out.map((u) => Buffer.from(u)));
  assert.deepEqual([...all], [0x78, 0xEF, 0xBF, 0xBD]);
  const out2 = await collect(fromArray([42]).pipeThrough(new TextEncoderStream()));
  assert.equal(Buffer.from(out2[0]).toString(), '42');
});

test('TextEncoderStream → TextDecoderStream round trip', async () => {
  const text = ['Grüße, ', '世界', ' 🎉'];
  const out = await collect(fromArray(text).pipeThrough(new TextEncoderStream()).pipeThrough(new TextDecoderStream()));
  assert.equal(out.join(''), text.join(''));
});
