//! A native `JSON.parse` for the common call (no reviver).
//!
//! QuickJS-ng's own parser (`js_json_parse` and `json_parse_value` in quickjs.c) is the
//! engine's JavaScript tokenizer adapted to JSON: every token goes through a generic scanner
//! with a stack check, every string (keys included) is built in a growable buffer, every key
//! string is then turned into an atom, numbers go through `strtod`, and array elements are
//! defined one by one. [`install`] replaces `JSON.parse` with a parser that reads the UTF-8
//! text once and asks the engine only for what the result is made of:
//! - keys become atoms through a per-call cache keyed by their source bytes; an object's key is
//!   first compared with the key at the same index of the last object closed at its depth
//!   (arrays of records repeat their keys), which skips scanning and hashing;
//! - strings without escapes are made straight from the text, and short equal ones are shared
//!   within a call (strings are immutable, sharing is not observable);
//! - integers and short decimals are converted exactly without `strtod` (the Clinger fast path:
//!   an exact mantissa and power of ten, one rounding); other numbers go through Rust's
//!   correctly rounded parser, as glibc's `strtod` is correctly rounded;
//! - arrays are made in one `JS_NewArrayFrom` call from their collected elements;
//! - objects with the same keys share one shape (see [`Parser::share_layout`]), which the
//!   original's one-key-at-a-time construction never achieves; the shapes of key sequences
//!   that repeat are kept alive by holder objects owned by the installed function, so later
//!   calls find them too (bounded by [`HOLDER_PROPS_MAX`]).
//!
//! The result is the original's: the text comes from the same `JS_ToCStringLen` (so `ToString`
//! of the argument runs once, with the same exceptions), objects get their properties from the
//! same `JS_DefinePropertyValue` calls in text order (so key order, integer-like keys,
//! duplicate keys and `"__proto__"` behave identically), and the same texts are accepted (JSON
//! whitespace only, QuickJS's literal and number rules). Whenever the native parse cannot
//! finish — the text is invalid, the engine reported an error such as out of memory, or the
//! nesting needs more stack than is known to be free — everything it made is released and the
//! original function parses the same string instead, so errors (class, message, position) and
//! the stack-overflow depth are the original's. A callable `reviver` also goes to the original,
//! captured at install.
//!
//! Known differences, none in a result or an error message:
//! - a failing call's error `stack` shows one more `parse (native)` frame (the native function
//!   calling the original), and the original then starts a little lower on the native stack:
//!   within a few dozen levels of its nesting limit (about 10,000 with verge's 1 MiB JS stack)
//!   the native call throws the `RangeError` where a direct call of the original would not;
//! - a call made with less than [`FREE_LEVELS`] levels' worth of native stack left can succeed
//!   where the original throws a `RangeError` (that room is assumed, not checked, as for
//!   `JSON.stringify`);
//! - memory: shared shapes and strings make results smaller than the original's, the holder
//!   objects stay allocated (a few hundred KiB at most), and near the isolate's limit the two
//!   fail at different sizes (when the native parse runs out, the original is tried, and
//!   throws what it throws: `InternalError: out of memory`, or `null` when even that error
//!   cannot be allocated).
//!
//! Nesting is kept on heap stacks, never the native one, so no input can overflow the Rust
//! stack; they live on the QuickJS heap, so the memory limit applies to them. Every raw value
//! is owned by a guard: `Owned` for a value, [`Atom`] for an atom, [`Values`] and [`Frames`]
//! for the open containers, [`Cache`] entries until the end of the call, the holders array for
//! the atoms remembered in [`Memory`].

use std::cell::Cell;
use std::ffi::c_int;

use rquickjs::qjs::{self, JSAtom, JSContext, JSValue};
use rquickjs::{Ctx, Object, Result, Value};

use super::{CStr, JsVec, Owned, StackRoom, Thrown};

/// `func_data` slots of the installed function.
const DATA_ORIGINAL: usize = 0;
const DATA_STACK_PROBE: usize = 1;
/// An array of objects that keep shared shapes (and their key atoms) alive for the function's
/// lifetime (see [`Parser::share_layout`]).
const DATA_HOLDERS: usize = 2;
/// A number unique to this installation: tags the thread's [`Memory`] of it.
const DATA_ID: usize = 3;
const DATA_LEN: usize = 4;

/// Stack bytes one nesting level is charged: at least what a level of QuickJS's recursive
/// `json_parse_value` uses, so that wherever the native parser goes on, the original would not
/// have overflowed either (past the verified room, the original parses instead).
const LEVEL_BYTES: usize = 160;
/// Stack the original needs beyond its nesting levels (its tokenizer's 1000-byte margin, the
/// string scanner's frame and this function's call of it).
const SLACK_BYTES: usize = 4096;
/// Nesting levels served before the stack is checked at all.
const FREE_LEVELS: usize = 24;

/// Key sequences remembered (a power of two), and the longest one whose shapes are shared
/// (sharing costs about n²/2 property definitions once).
const LAYOUTS: usize = 64;
const LAYOUT_MAX_KEYS: usize = 24;
/// Properties of the objects in an installation's holders array, at most (about 16 bytes
/// each, plus the shapes they keep); past it, shapes are shared within a call only. The array
/// is append-only (see [`Memory::new`]).
const HOLDER_PROPS_MAX: usize = 4096;
/// Keys of shared layouts remembered by their source bytes (slots, a power of two, and bytes).
const VOCAB_SLOTS: usize = 512;
const VOCAB_BYTES: usize = 32 << 10;

/// A key sequence seen: its hash, and whether its shapes are kept (for good, or in call
/// number `call_shared`).
#[derive(Clone, Copy, Default)]
struct Layout {
    hash: u64,
    kept: bool,
    call_shared: u32,
}

/// What a thread remembers about one installed `JSON.parse` between calls (tagged with its
/// [`DATA_ID`]; a call of another installation replaces it). It holds no references: the atoms
/// in `vocab` are keys of the holder objects this memory put in the function's holders array,
/// which is append-only (entries are never replaced, see [`Memory::new`]), so they live as
/// long as the function.
struct Memory {
    id: f64,
    /// Calls so far (wrapping; 0 is never a call's number).
    calls: u32,
    /// Key sequences seen, and which of them have their shapes kept.
    layouts: [Layout; LAYOUTS],
    /// Properties of the objects in the holders array.
    holder_props: usize,
    holder_count: u32,
    /// Atoms of the keys of shared layouts, by source bytes (a copy in `vocab_bytes`).
    vocab: Vec<Slot<JSAtom>>,
    vocab_used: usize,
    vocab_bytes: Vec<u8>,
}

impl Memory {
    /// A fresh memory of the installation `id` whose holders array is `holders`. The array is
    /// append-only: a memory made after another installation's call replaced this one's
    /// continues after the entries already there (which keep their atoms and shapes alive for
    /// the function's lifetime), and charges them to the budget at the most they can hold,
    /// so [`HOLDER_PROPS_MAX`] bounds the array however often memories are replaced.
    fn new(id: f64, holders: JSValue, ctx: *mut JSContext) -> Memory {
        let mut len: i64 = 0;
        // SAFETY: `holders` is the installation's live array (func_data); JS_GetLength reads
        // its `length` (an own data property of an array: no JS runs).
        if unsafe { qjs::JS_GetLength(ctx, holders, &mut len) } < 0 {
            // Not expected for an array; keep nothing more for good in this memory.
            // SAFETY: clears the pending exception JS_GetLength raised.
            unsafe { qjs::JS_FreeValue(ctx, qjs::JS_GetException(ctx)) };
            len = i64::from(u32::MAX);
        }
        let holder_count = u32::try_from(len).unwrap_or(u32::MAX);
        Memory {
            id,
            calls: 0,
            layouts: [Layout::default(); LAYOUTS],
            holder_props: (holder_count as usize).saturating_mul(LAYOUT_MAX_KEYS),
            holder_count,
            vocab: vec![
                Slot {
                    full: false,
                    hash: 0,
                    start: 0,
                    len: 0,
                    v: qjs::JS_ATOM_NULL as JSAtom,
                };
                VOCAB_SLOTS
            ],
            vocab_used: 0,
            vocab_bytes: Vec::new(),
        }
    }

    /// The atom of the key with source bytes `raw`, if remembered.
    #[inline]
    fn find(&self, raw: &[u8], hash: u32) -> Lookup<JSAtom> {
        find_slot(&self.vocab, &self.vocab_bytes, raw, hash)
    }

    /// Remembers `atom` (held by a holder object) for the source bytes `raw`, if there is room.
    fn remember(&mut self, raw: &[u8], atom: JSAtom) {
        let hash = hash_bytes(raw);
        if let Lookup::Free(i) = self.find(raw, hash)
            && self.vocab_used < VOCAB_SLOTS / 2
            && self.vocab_bytes.len() + raw.len() <= VOCAB_BYTES
        {
            self.vocab[i] = Slot {
                full: true,
                hash,
                start: self.vocab_bytes.len(),
                len: raw.len(),
                v: atom,
            };
            self.vocab_bytes.extend_from_slice(raw);
            self.vocab_used += 1;
        }
    }
}

thread_local! {
    static MEMORY: Cell<Option<Box<Memory>>> = const { Cell::new(None) };
}

/// Longest string literal (in source bytes) shared between equal occurrences in one call.
const SHARED_STRING_MAX: usize = 32;

/// Replaces `JSON.parse` (same attributes as the built-in; `length` 2, `name` "parse").
/// `probe` is the native no-op that [`StackRoom`] calls.
pub(super) fn install<'js>(ctx: &Ctx<'js>, json: &Object<'js>, probe: &Value<'js>) -> Result<()> {
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let original: Value = json.get("parse")?;
    let holders = rquickjs::Array::new(ctx.clone())?;
    // Exact as a double for 2^53 installations.
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as f64;
    let mut data = [qjs::JS_MKVAL(qjs::JS_TAG_UNDEFINED, 0); DATA_LEN];
    data[DATA_ORIGINAL] = original.as_raw();
    data[DATA_STACK_PROBE] = probe.as_raw();
    data[DATA_HOLDERS] = holders.as_raw();
    data[DATA_ID] = qjs::__JS_NewFloat64(id);
    super::define_native(ctx, json, c"parse", parse, 2, &mut data)
}

/// `JSON.parse(text, reviver)`.
unsafe extern "C" fn parse(
    ctx: *mut JSContext,
    this: JSValue,
    argc: c_int,
    argv: *mut JSValue,
    _magic: c_int,
    data: *mut JSValue,
) -> JSValue {
    // SAFETY: the engine pads `argv` to the function's length (2) and `data` has DATA_LEN
    // entries (js_c_function_data_call, JS_NewCFunctionData2).
    let (args, data) = unsafe { super::native_args(argv, 2, data, DATA_LEN) };
    // SAFETY: IsFunction reads the value (no user code, also for proxies).
    if argc > 1 && unsafe { qjs::JS_IsFunction(ctx, args[1]) } {
        // SAFETY: forwards the call unchanged; `argv` holds `argc` values.
        return unsafe { qjs::JS_Call(ctx, data[DATA_ORIGINAL], this, argc, argv) };
    }
    let run = std::panic::AssertUnwindSafe(|| parse_or_delegate(ctx, args[0], data));
    match std::panic::catch_unwind(run) {
        Ok(v) => v,
        // SAFETY: throws on a live context.
        Err(_) => unsafe { qjs::JS_ThrowInternalError(ctx, c"JSON.parse failed".as_ptr()) },
    }
}

/// Parses `ToString(arg)` natively, or has the original parse the same string when the native
/// parse stops.
fn parse_or_delegate(ctx: *mut JSContext, arg: JSValue, data: &[JSValue]) -> JSValue {
    let text = match CStr::new(ctx, arg) {
        Ok(t) => t,
        Err(Thrown) => return qjs::JS_MKVAL(qjs::JS_TAG_EXCEPTION, 0),
    };
    if let Ok(v) = parse_text(ctx, text.bytes(), data) {
        return v;
    }
    // SAFETY: reads the context's exception state.
    if unsafe { qjs::JS_HasException(ctx) } {
        // SAFETY: takes the pending exception (JS_GetException hands over its reference).
        let exc = Owned {
            ctx,
            v: unsafe { qjs::JS_GetException(ctx) },
        };
        // SAFETY: reads a flag of a live value.
        if unsafe { qjs::JS_IsUncatchableError(exc.v) } {
            // SAFETY: rethrows it, handing the reference back to the context.
            unsafe { qjs::JS_Throw(ctx, exc.into_raw()) };
            return qjs::JS_MKVAL(qjs::JS_TAG_EXCEPTION, 0);
        }
    }
    // The same text for the original, without converting the argument again.
    // SAFETY: a tag read; JS_NewStringLen copies the bytes (WTF-8, as JS_ToCStringLen made
    // them, so the string is the argument's ToString) and returns a new reference or
    // JS_EXCEPTION.
    let string = if unsafe { qjs::JS_VALUE_GET_TAG(arg) } == qjs::JS_TAG_STRING {
        Owned::dup(ctx, arg)
    } else {
        let bytes = text.bytes();
        match Owned::new(ctx, unsafe {
            qjs::JS_NewStringLen(ctx, bytes.as_ptr().cast(), bytes.len() as qjs::size_t)
        }) {
            Ok(s) => s,
            Err(Thrown) => return qjs::JS_MKVAL(qjs::JS_TAG_EXCEPTION, 0),
        }
    };
    drop(text);
    let mut arg = string.v;
    // SAFETY: calls the original with one live argument (no reviver).
    unsafe {
        qjs::JS_Call(
            ctx,
            data[DATA_ORIGINAL],
            qjs::JS_MKVAL(qjs::JS_TAG_UNDEFINED, 0),
            1,
            &mut arg,
        )
    }
}

/// The native parse, in its own frame: the parser's state is off the stack before the original
/// is called, so the original has nearly the stack it would have had.
#[inline(never)]
fn parse_text(ctx: *mut JSContext, text: &[u8], data: &[JSValue]) -> Step<JSValue> {
    Parser::new(ctx, text, data).run()
}

/// The native parse stopped: invalid text, nesting past the verified stack, or an engine error
/// (then its exception is pending).
#[derive(Debug)]
struct Stopped;

impl From<Thrown> for Stopped {
    fn from(_: Thrown) -> Stopped {
        Stopped
    }
}

type Step<T> = std::result::Result<T, Stopped>;

/// A key's atom: a reference held by the call's key cache or by the installation's holder
/// objects (valid until the end of the call at least), or, when the cache had no room, a
/// reference of its own (`owned`). Also its source bytes (between the quotes) in the text and
/// their hash. Sixteen bytes, so that it travels in registers.
#[derive(Clone, Copy)]
struct Key {
    /// The atom (low half) and the hash (high half).
    atom_hash: std::num::NonZeroU64,
    /// The start (low half) and the length (high half, its top bit saying `owned`).
    start_len: u64,
}

const OWNED: u32 = 1 << 31;

impl Key {
    /// `None` for JS_ATOM_NULL (no atom).
    #[inline]
    fn new(atom: JSAtom, owned: bool, start: usize, len: usize, hash: u32) -> Option<Key> {
        // Texts are shorter than 4 GiB (checked in `Parser::run`), keys shorter than 2 GiB.
        let start = u32::try_from(start).ok()?;
        let len = u32::try_from(len).ok().filter(|l| l & OWNED == 0)?;
        let len = len | if owned { OWNED } else { 0 };
        Some(Key {
            atom_hash: std::num::NonZeroU64::new(u64::from(atom) | (u64::from(hash) << 32))
                .filter(|_| atom != 0)?,
            start_len: u64::from(start) | (u64::from(len) << 32),
        })
    }

    fn atom(self) -> JSAtom {
        self.atom_hash.get() as u32
    }

    fn hash(self) -> u32 {
        (self.atom_hash.get() >> 32) as u32
    }

    fn owned(self) -> bool {
        (self.start_len >> 32) as u32 & OWNED != 0
    }

    /// Where its source bytes are in the text.
    fn range(self) -> std::ops::Range<usize> {
        let start = self.start_len as u32 as usize;
        start..start + ((self.start_len >> 32) as u32 & !OWNED) as usize
    }

    /// The same key, found at `start` in the text.
    fn at(self, start: usize) -> Key {
        Key {
            atom_hash: self.atom_hash,
            start_len: (self.start_len & !u64::from(u32::MAX)) | start as u32 as u64,
        }
    }
}

/// An owned atom reference, freed on drop.
struct Atom {
    ctx: *mut JSContext,
    atom: JSAtom,
}

impl Atom {
    /// Takes over `atom`, a new reference; `Err` if it is JS_ATOM_NULL (an exception).
    fn new(ctx: *mut JSContext, atom: JSAtom) -> Step<Atom> {
        if atom == qjs::JS_ATOM_NULL as JSAtom {
            Err(Stopped)
        } else {
            Ok(Atom { ctx, atom })
        }
    }

    fn into_raw(self) -> JSAtom {
        let a = self.atom;
        std::mem::forget(self);
        a
    }
}

impl Drop for Atom {
    fn drop(&mut self) {
        // SAFETY: this guard holds exactly one reference.
        unsafe { qjs::JS_FreeAtom(self.ctx, self.atom) }
    }
}

/// The elements of the open arrays, innermost last; each one an owned reference.
struct Values(JsVec<JSValue>);

impl Values {
    #[inline]
    fn push(&mut self, v: Owned) -> Step<()> {
        // On failure `v` is dropped (freed) here.
        self.0.reserve(1)?;
        self.0.push(v.into_raw())?;
        Ok(())
    }

    /// An array of the values from `start` on, which it takes over.
    fn make_array(&mut self, start: usize) -> Step<Owned> {
        let ctx = self.0.ctx;
        let Ok(count) = c_int::try_from(self.0.len - start) else {
            return Err(Stopped);
        };
        self.0.len = start;
        // SAFETY: the `count` values from `start` are live references, handed to
        // JS_NewArrayFrom (which frees them if it fails); the result is a new reference or
        // JS_EXCEPTION.
        let a = unsafe { qjs::JS_NewArrayFrom(ctx, count, self.0.ptr.add(start)) };
        Ok(Owned::new(ctx, a)?)
    }
}

impl Drop for Values {
    fn drop(&mut self) {
        for v in self.0.as_slice() {
            // SAFETY: each stored value is one reference, freed once.
            unsafe { qjs::JS_FreeValue(self.0.ctx, *v) }
        }
    }
}

/// An open array or object.
#[derive(Clone, Copy)]
struct Frame {
    /// The object being filled (an owned reference); undefined for an array.
    obj: JSValue,
    /// The key whose value is being parsed (an object's, between its key and its value).
    key: Option<Key>,
    /// Where the array's elements start in [`Parser::elems`], or the object's keys in
    /// [`Parser::keys`].
    start: usize,
    is_array: bool,
}

/// The open arrays and objects, outermost first.
struct Frames(JsVec<Frame>);

impl Drop for Frames {
    fn drop(&mut self) {
        let ctx = self.0.ctx;
        for f in self.0.as_slice() {
            // SAFETY: each frame holds one reference to its object and to its key if owned.
            unsafe {
                qjs::JS_FreeValue(ctx, f.obj);
                if let Some(k) = f.key
                    && k.owned()
                {
                    qjs::JS_FreeAtom(ctx, k.atom());
                }
            }
        }
    }
}

/// A slot of a [`Cache`]: an atom or value made from the source bytes `start..start + len`.
#[derive(Clone, Copy)]
struct Slot<V: Copy> {
    full: bool,
    hash: u32,
    start: usize,
    len: usize,
    v: V,
}

/// Things made from source bytes during one call (key atoms, short strings), found again by
/// those bytes. Each entry holds a reference until the end of the call.
struct Cache<V: Copy> {
    slots: Vec<Slot<V>>,
    used: Vec<usize>,
}

/// Linear probing looks at most this many slots of a [`Cache`].
const PROBES: usize = 4;
/// Slots of the key cache and of the string cache (powers of two). Keys repeat in most texts;
/// strings mostly do not, and the ones that do (enumerations, flags) are few.
const KEY_SLOTS: usize = 512;
const STRING_SLOTS: usize = 64;

impl<V: Copy> Cache<V> {
    fn new(empty: V, slots: usize) -> Cache<V> {
        let slot = Slot {
            full: false,
            hash: 0,
            start: 0,
            len: 0,
            v: empty,
        };
        Cache {
            slots: vec![slot; slots],
            used: Vec::new(),
        }
    }

    /// The entry for `key` (its bytes in `text`), or the free slot to put it in.
    #[inline]
    fn find(&self, text: &[u8], key: &[u8], hash: u32) -> Lookup<V> {
        find_slot(&self.slots, text, key, hash)
    }

    /// Fills free slot `i` (from [`Cache::find`]); the cache holds the reference in `v`.
    fn put(&mut self, i: usize, hash: u32, start: usize, len: usize, v: V) {
        self.slots[i] = Slot {
            full: true,
            hash,
            start,
            len,
            v,
        };
        self.used.push(i);
    }

    /// Empties the cache, handing each held reference to `release`.
    fn clear(&mut self, mut release: impl FnMut(V)) {
        for &i in &self.used {
            self.slots[i].full = false;
            release(self.slots[i].v);
        }
        self.used.clear();
    }
}

/// Looks `key` up in `slots` (a power of two of them), whose entries name their bytes in
/// `text`: the entry's value, or the free slot to put it in.
#[inline]
fn find_slot<V: Copy>(slots: &[Slot<V>], text: &[u8], key: &[u8], hash: u32) -> Lookup<V> {
    let mask = slots.len() - 1;
    let mut i = hash as usize & mask;
    for _ in 0..PROBES {
        let s = &slots[i];
        if !s.full {
            return Lookup::Free(i);
        }
        if s.hash == hash
            && text
                .get(s.start..s.start + s.len)
                .is_some_and(|t| same_bytes(t, key))
        {
            return Lookup::Found(s.v);
        }
        i = (i + 1) & mask;
    }
    Lookup::Full
}

/// The outcome of a cache lookup.
enum Lookup<V> {
    Found(V),
    Free(usize),
    Full,
}

/// The caches, kept between calls on a thread (empty between calls). A call takes them (a
/// nested call on the same thread, which cannot happen today as no JS runs during a parse,
/// would make its own) and gives them back empty.
struct Scratch {
    keys: Cache<JSAtom>,
    strings: Cache<JSValue>,
}

thread_local! {
    static SCRATCH: Cell<Option<Box<Scratch>>> = const { Cell::new(None) };
}

/// Eight bytes of `b` from `at` (`at + 8 <= b.len()`), little-endian.
#[inline(always)]
fn load8(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// All of the 1 to 7 bytes of `b` in one word (overlapping loads, no copy through memory).
#[inline(always)]
fn load_short(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 4 {
        let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]);
        u64::from(lo) | (u64::from(hi) << 32)
    } else {
        u64::from(b[0]) | (u64::from(b[n / 2]) << 8) | (u64::from(b[n - 1]) << 16)
    }
}

/// A hash of a short byte string (8 bytes at a time).
#[inline]
fn hash_bytes(b: &[u8]) -> u32 {
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let n = b.len();
    let mut h = (n as u64).wrapping_mul(K);
    let mut at = 0;
    while at + 8 <= n {
        h = (h.rotate_left(5) ^ load8(b, at)).wrapping_mul(K);
        at += 8;
    }
    if at < n {
        // The rest, as the last 8 bytes (overlapping) or as one short word.
        let w = if n >= 8 {
            load8(b, n - 8)
        } else {
            load_short(b)
        };
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    (h >> 32) as u32
}

/// Whether `a` and `b` are the same bytes (short ones compared as words, not through memcmp).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..8 => load_short(a) == load_short(b),
        8..=16 => load8(a, 0) == load8(b, 0) && load8(a, n - 8) == load8(b, n - 8),
        _ => a == b,
    }
}

/// A string literal's body, between its quotes.
#[derive(Clone, Copy)]
struct Body {
    start: u32,
    end: u32,
    /// Whether it holds an escape (then the decoded text is in [`Parser::decoded`]).
    escaped: bool,
    /// Whether the (decoded) text is ASCII.
    ascii: bool,
}

/// Bytes that continue a JSON literal in QuickJS's tokenizer (ASCII identifier characters):
/// `truex`, `null1` or `false$` are one unknown identifier, not a literal.
fn continues_identifier(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Powers of ten exactly representable as doubles.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

struct Parser<'a> {
    ctx: *mut JSContext,
    /// The text (UTF-8, with unpaired surrogates as 3-byte sequences).
    s: &'a [u8],
    pos: usize,
    elems: Values,
    frames: Frames,
    /// Decoded text of the last string literal with escapes.
    decoded: JsVec<u8>,
    /// The keys defined so far in the open objects (each atom held by its object's shape).
    keys: JsVec<Key>,
    /// The keys of the last object closed (see [`Parser::expected`]), and its depth (0: none).
    template: JsVec<Key>,
    template_depth: usize,
    /// This installation's memory of earlier calls (see [`Parser::share_layout`]).
    memory: Option<Box<Memory>>,
    /// The installation's holders array.
    holders: JSValue,
    /// Properties the holder objects made for this call only may still have: a share of the
    /// text's size, so that texts whose layouts repeat only once or twice pay little for it.
    share_budget: usize,
    /// Objects that keep shapes alive until the end of the call, when the holders array is
    /// full.
    call_holders: Values,
    scratch: Option<Box<Scratch>>,
    room: StackRoom,
    probe: JSValue,
}

impl<'a> Parser<'a> {
    fn new(ctx: *mut JSContext, s: &'a [u8], data: &[JSValue]) -> Self {
        // SAFETY: the id slot holds a number (set at install).
        let id = unsafe { qjs::JS_VALUE_GET_FLOAT64(data[DATA_ID]) };
        Parser {
            ctx,
            s,
            pos: 0,
            elems: Values(JsVec::new(ctx)),
            frames: Frames(JsVec::new(ctx)),
            decoded: JsVec::new(ctx),
            keys: JsVec::new(ctx),
            template: JsVec::new(ctx),
            template_depth: 0,
            memory: Some({
                let mut m = match MEMORY.with(|c| c.take()) {
                    Some(m) if m.id.to_bits() == id.to_bits() => m,
                    _ => Box::new(Memory::new(id, data[DATA_HOLDERS], ctx)),
                };
                m.calls = m.calls.wrapping_add(1).max(1);
                m
            }),
            holders: data[DATA_HOLDERS],
            share_budget: s.len() / 8,
            call_holders: Values(JsVec::new(ctx)),
            scratch: Some(SCRATCH.with(|c| c.take()).unwrap_or_else(|| {
                Box::new(Scratch {
                    keys: Cache::new(qjs::JS_ATOM_NULL as JSAtom, KEY_SLOTS),
                    strings: Cache::new(qjs::JS_MKVAL(qjs::JS_TAG_UNDEFINED, 0), STRING_SLOTS),
                })
            })),
            room: StackRoom::new(SLACK_BYTES + FREE_LEVELS * LEVEL_BYTES),
            probe: data[DATA_STACK_PROBE],
        }
    }

    #[inline]
    fn peek(&self) -> u8 {
        self.s.get(self.pos).copied().unwrap_or(0)
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return; QuickJS's tokenizer
    /// rejects every other space, such as form feed, vertical tab or U+2028).
    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&b) = self.s.get(self.pos) {
            if b == b' ' || b == b'\n' || b == b'\r' || b == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// Parses the whole text: the value, or `Stopped`.
    fn run(&mut self) -> Step<JSValue> {
        // Positions are kept in 32 bits (a JS string's UTF-8 is shorter than 3 GiB).
        if u32::try_from(self.s.len()).is_err() {
            return Err(Stopped);
        }
        'value: loop {
            self.skip_ws();
            let mut v = match self.peek() {
                b'{' => {
                    self.pos += 1;
                    // SAFETY: a new reference or JS_EXCEPTION.
                    let obj = Owned::new(self.ctx, unsafe { qjs::JS_NewObject(self.ctx) })?;
                    self.skip_ws();
                    if self.peek() == b'}' {
                        self.pos += 1;
                        obj
                    } else {
                        let key = self.key(self.expected(self.frames.0.len + 1, 0))?;
                        self.open(Frame {
                            obj: obj.into_raw(),
                            key: Some(key),
                            start: self.keys.len,
                            is_array: false,
                        })?;
                        continue 'value;
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == b']' {
                        self.pos += 1;
                        // SAFETY: a new reference or JS_EXCEPTION.
                        Owned::new(self.ctx, unsafe { qjs::JS_NewArray(self.ctx) })?
                    } else {
                        self.open(Frame {
                            obj: qjs::JS_MKVAL(qjs::JS_TAG_UNDEFINED, 0),
                            key: None,
                            start: self.elems.0.len,
                            is_array: true,
                        })?;
                        continue 'value;
                    }
                }
                b'"' => {
                    self.pos += 1;
                    self.string()?
                }
                b'-' | b'0'..=b'9' => self.number()?,
                b't' => self.literal(b"true", qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 1))?,
                b'f' => self.literal(b"false", qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 0))?,
                b'n' => self.literal(b"null", qjs::JS_MKVAL(qjs::JS_TAG_NULL, 0))?,
                _ => return Err(Stopped),
            };
            // `v` is complete: it goes into the innermost open container, which may end here
            // (and so complete a value in turn).
            loop {
                let Some(&top) = self.frames.0.as_slice().last() else {
                    self.skip_ws();
                    return if self.pos == self.s.len() {
                        Ok(v.into_raw())
                    } else {
                        Err(Stopped)
                    };
                };
                if top.is_array {
                    self.elems.push(v)?;
                    self.skip_ws();
                    match self.peek() {
                        b',' => {
                            self.pos += 1;
                            continue 'value;
                        }
                        b']' => {
                            self.pos += 1;
                            self.frames.0.len -= 1;
                            v = self.elems.make_array(top.start)?;
                        }
                        _ => return Err(Stopped),
                    }
                } else {
                    let Some(key) = top.key else {
                        return Err(Stopped);
                    };
                    self.set_key(None);
                    // SAFETY: defines an own data property on the live object, as the
                    // original does; the call takes over the value, and an owned key is
                    // released after it.
                    let r = unsafe {
                        let r = qjs::JS_DefinePropertyValue(
                            self.ctx,
                            top.obj,
                            key.atom(),
                            v.into_raw(),
                            qjs::JS_PROP_C_W_E as c_int,
                        );
                        if key.owned() {
                            qjs::JS_FreeAtom(self.ctx, key.atom());
                        }
                        r
                    };
                    if r < 0 {
                        return Err(Stopped);
                    }
                    // The object's shape holds the atom from here on.
                    self.keys.push(key)?;
                    self.skip_ws();
                    match self.peek() {
                        b',' => {
                            self.pos += 1;
                            self.skip_ws();
                            let i = self.keys.len - top.start;
                            let key = self.key(self.expected(self.frames.0.len, i))?;
                            self.set_key(Some(key));
                            continue 'value;
                        }
                        b'}' => {
                            self.pos += 1;
                            self.frames.0.len -= 1;
                            v = Owned {
                                ctx: self.ctx,
                                v: top.obj,
                            };
                            self.share_layout(top.start)?;
                        }
                        _ => return Err(Stopped),
                    }
                }
            }
        }
    }

    /// Lets objects with the same keys share one shape, as far as the engine allows (memory and
    /// time; nothing observable changes). QuickJS shares an object's shape only through the
    /// chain of shapes that adding each key passes through, and it grows a shape in place
    /// while only one object uses it: objects built one key at a time (by the original parser
    /// too) each end with a shape of their own. When a key sequence (the keys of the object
    /// that just ended, from `start` in `keys`) comes a second time, in this call or a later
    /// one, objects holding each of its prefixes are made, so the shapes of the chain stay in
    /// the engine's shape table: objects with these keys then find the existing shape at every
    /// step. The holder objects go to the installation's holders array (so later calls find the
    /// shapes too, and the keys' atoms are remembered by their source bytes), or, once that
    /// holds [`HOLDER_PROPS_MAX`] properties, live until the end of the call.
    fn share_layout(&mut self, start: usize) -> Step<()> {
        let n = self.keys.len - start;
        // The next object at this depth probably has the same keys (see `Parser::expected`);
        // only keys whose atoms outlive their object can serve.
        let seq = &self.keys.as_slice()[start..];
        if seq.iter().all(|k| !k.owned()) {
            self.template.len = 0;
            self.template.reserve(n)?;
            for &k in seq {
                self.template.push(k)?;
            }
            self.template_depth = self.frames.0.len + 1;
        }
        let Some(memory) = self.memory.as_deref_mut() else {
            self.keys.len = start;
            return Ok(());
        };
        if !(2..=LAYOUT_MAX_KEYS).contains(&n) {
            self.keys.len = start;
            return Ok(());
        }
        let seq = &self.keys.as_slice()[start..];
        // By the keys' source bytes, not their atoms: an atom freed after one call can come
        // back for another string in the next.
        let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
        for k in seq {
            h = (h.rotate_left(7) ^ u64::from(k.hash())).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        let h = h | 1;
        let entry = &mut memory.layouts[(h >> 32) as usize & (LAYOUTS - 1)];
        if entry.hash != h {
            *entry = Layout {
                hash: h,
                kept: false,
                call_shared: 0,
            };
        } else if !entry.kept && entry.call_shared != memory.calls {
            let props = n * (n + 1) / 2;
            // Kept for good: paid once per installation (at most HOLDER_PROPS_MAX in all).
            // For this call only: paid again by every call, so within the call's budget.
            let persistent = memory.holder_props + props <= HOLDER_PROPS_MAX;
            if !persistent {
                if self.share_budget < props {
                    self.keys.len = start;
                    return Ok(());
                }
                self.share_budget -= props;
            }
            entry.kept = persistent;
            entry.call_shared = memory.calls;
            for m in 1..=n {
                // SAFETY: a new reference or JS_EXCEPTION.
                let obj = Owned::new(self.ctx, unsafe { qjs::JS_NewObject(self.ctx) })?;
                for k in &seq[..m] {
                    // SAFETY: defines a data property (the same attributes as the parsed
                    // objects') on the live object; null needs no reference.
                    let r = unsafe {
                        qjs::JS_DefinePropertyValue(
                            self.ctx,
                            obj.v,
                            k.atom(),
                            qjs::JS_MKVAL(qjs::JS_TAG_NULL, 0),
                            qjs::JS_PROP_C_W_E as c_int,
                        )
                    };
                    if r < 0 {
                        return Err(Stopped);
                    }
                }
                if persistent {
                    // SAFETY: appends to the installation's holders array (never exposed to
                    // JS), which takes the reference over.
                    let r = unsafe {
                        qjs::JS_DefinePropertyValueUint32(
                            self.ctx,
                            self.holders,
                            memory.holder_count,
                            obj.into_raw(),
                            qjs::JS_PROP_C_W_E as c_int,
                        )
                    };
                    if r < 0 {
                        return Err(Stopped);
                    }
                    memory.holder_count += 1;
                } else {
                    self.call_holders.push(obj)?;
                }
            }
            if persistent {
                memory.holder_props += props;
                // The last holder has all the keys: their atoms live as long as the function.
                for k in seq {
                    memory.remember(&self.s[k.range()], k.atom());
                }
            }
        }
        self.keys.len = start;
        Ok(())
    }

    /// Sets the pending key of the innermost frame (an object's), taking over `key`.
    #[inline]
    fn set_key(&mut self, key: Option<Key>) {
        let n = self.frames.0.len;
        assert!(n > 0, "no open object");
        // SAFETY: `n - 1 < len`, an initialised frame.
        unsafe { (*self.frames.0.ptr.add(n - 1)).key = key };
    }

    /// Pushes a frame (taking over its references), if the stack has room for one more level.
    fn open(&mut self, frame: Frame) -> Step<()> {
        let depth = self.frames.0.len + 1;
        let pushed = self.frames.0.push(frame);
        if pushed.is_err() {
            // SAFETY: the frame was not stored: release its references here.
            unsafe {
                qjs::JS_FreeValue(self.ctx, frame.obj);
                if let Some(k) = frame.key
                    && k.owned()
                {
                    qjs::JS_FreeAtom(self.ctx, k.atom());
                }
            }
            return Err(Stopped);
        }
        let need = depth
            .saturating_mul(LEVEL_BYTES)
            .saturating_add(SLACK_BYTES);
        if self.room.check(self.ctx, self.probe, need)? {
            Ok(())
        } else {
            Err(Stopped)
        }
    }

    /// `true`, `false` or `null` at `pos`.
    fn literal(&mut self, word: &[u8], v: JSValue) -> Step<Owned> {
        let end = self.pos + word.len();
        if self.s.get(self.pos..end) != Some(word)
            || self.s.get(end).is_some_and(|&b| continues_identifier(b))
        {
            return Err(Stopped);
        }
        self.pos = end;
        Ok(Owned { ctx: self.ctx, v })
    }

    /// A key (`"…"` and the `:` after it) at `pos`, as an atom.
    #[inline(always)]
    fn key(&mut self, expect: Option<Key>) -> Step<Key> {
        if self.peek() != b'"' {
            return Err(Stopped);
        }
        self.pos += 1;
        if let Some(k) = expect.and_then(|t| self.predicted(t)) {
            self.skip_ws();
            if self.peek() != b':' {
                return Err(Stopped);
            }
            self.pos += 1;
            return Ok(k);
        }
        let body = self.string_body()?;
        self.skip_ws();
        if self.peek() != b':' {
            return Err(Stopped);
        }
        self.pos += 1;
        self.key_atom(body)
    }

    /// The key at `pos` (past its opening quote) if it has the same source bytes as `t` (then
    /// `pos` moves past its closing quote). `t`'s bytes are a whole literal's body, so they
    /// cannot end inside an escape: a quote right after them closes this literal too.
    #[inline]
    fn predicted(&mut self, t: Key) -> Option<Key> {
        let s = self.s;
        let r = t.range();
        let p = self.pos;
        let end = p + r.len();
        if s.get(end) != Some(&b'"') || !same_bytes(s.get(p..end)?, &s[r]) {
            return None;
        }
        self.pos = end + 1;
        Some(t.at(p))
    }

    /// The key expected at index `i` of an object at nesting `depth`: the same as in the last
    /// object closed at that depth.
    #[inline]
    fn expected(&self, depth: usize, i: usize) -> Option<Key> {
        if self.template_depth != depth {
            return None;
        }
        self.template.as_slice().get(i).copied()
    }

    /// The atom of a key: from the call's cache or the installation's memory, or made as the
    /// original makes it (and then cached if there is room).
    fn key_atom(&mut self, body: Body) -> Step<Key> {
        let s = self.s;
        let (start, end) = (body.start as usize, body.end as usize);
        let raw = &s[start..end];
        let hash = hash_bytes(raw);
        let key = |atom, owned| Key::new(atom, owned, start, raw.len(), hash).ok_or(Stopped);
        if let Some(m) = &self.memory
            && let Lookup::Found(atom) = m.find(raw, hash)
        {
            return key(atom, false);
        }
        let slot = match &self.scratch {
            Some(sc) => sc.keys.find(s, raw, hash),
            None => Lookup::Full,
        };
        if let Lookup::Found(atom) = slot {
            return key(atom, false);
        }
        let text = if body.escaped {
            self.decoded.as_slice()
        } else {
            raw
        };
        let atom = if body.ascii {
            // SAFETY: JS_NewAtomLen finds or makes the atom of ASCII text (an integer-like key
            // becomes an integer atom, as through JS_ValueToAtom); JS_ATOM_NULL on exception.
            Atom::new(self.ctx, unsafe {
                qjs::JS_NewAtomLen(self.ctx, text.as_ptr().cast(), text.len() as qjs::size_t)
            })?
        } else {
            // Non-ASCII: JS_NewAtomLen would match UTF-8 bytes against Latin-1 atoms, so go
            // through a string, as the original does.
            // SAFETY: a new reference or JS_EXCEPTION; JS_ValueToAtom borrows it.
            let s = Owned::new(self.ctx, unsafe {
                qjs::JS_NewStringLen(self.ctx, text.as_ptr().cast(), text.len() as qjs::size_t)
            })?;
            // SAFETY: as above.
            Atom::new(self.ctx, unsafe { qjs::JS_ValueToAtom(self.ctx, s.v) })?
        };
        if let (Lookup::Free(i), Some(sc)) = (slot, &mut self.scratch) {
            // The cache takes the reference over and releases it at the end of the call.
            let atom = atom.into_raw();
            sc.keys.put(i, hash, start, raw.len(), atom);
            return key(atom, false);
        }
        // On failure, `atom` is released here.
        let k = key(atom.atom, true)?;
        std::mem::forget(atom);
        Ok(k)
    }

    /// A string value; `pos` is past its opening quote.
    fn string(&mut self) -> Step<Owned> {
        let body = self.string_body()?;
        if body.escaped {
            let d = self.decoded.as_slice();
            // SAFETY: a new reference or JS_EXCEPTION.
            return Ok(Owned::new(self.ctx, unsafe {
                qjs::JS_NewStringLen(self.ctx, d.as_ptr().cast(), d.len() as qjs::size_t)
            })?);
        }
        let s = self.s;
        let start = body.start as usize;
        let raw = &s[start..body.end as usize];
        if raw.len() > SHARED_STRING_MAX {
            // SAFETY: as above.
            return Ok(Owned::new(self.ctx, unsafe {
                qjs::JS_NewStringLen(self.ctx, raw.as_ptr().cast(), raw.len() as qjs::size_t)
            })?);
        }
        let hash = hash_bytes(raw);
        let slot = match &self.scratch {
            Some(sc) => sc.strings.find(s, raw, hash),
            None => Lookup::Full,
        };
        if let Lookup::Found(v) = slot {
            return Ok(Owned::dup(self.ctx, v));
        }
        // SAFETY: as above.
        let v = Owned::new(self.ctx, unsafe {
            qjs::JS_NewStringLen(self.ctx, raw.as_ptr().cast(), raw.len() as qjs::size_t)
        })?;
        if let (Lookup::Free(i), Some(sc)) = (slot, &mut self.scratch)
            && sc.strings.used.len() < STRING_SLOTS / 2
        {
            // Filled only half way: strings seen early (enumerations, flags) are the ones that
            // repeat; a text of unique strings stops paying for the cache at that point.
            // SAFETY: the cache's own reference, released at the end of the call.
            let held = unsafe { qjs::JS_DupValue(self.ctx, v.v) };
            sc.strings.put(i, hash, start, raw.len(), held);
        }
        Ok(v)
    }

    /// Scans a string literal whose opening quote is just before `pos`, and leaves `pos` past
    /// its closing quote. With escapes, the decoded text goes to `decoded`.
    #[inline]
    fn string_body(&mut self) -> Step<Body> {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        let s = self.s;
        let start = self.pos;
        let mut i = start;
        // Eight bytes at a time up to the first quote, backslash or control character (the
        // lowest flagged byte of each test is exact; flags above it may be spurious).
        let mut wide = 0u64;
        while i + 8 <= s.len() {
            let w = load8(s, i);
            let q = w ^ (ONES * u64::from(b'"'));
            let b = w ^ (ONES * u64::from(b'\\'));
            let special = ((q.wrapping_sub(ONES) & !q)
                | (b.wrapping_sub(ONES) & !b)
                | (w.wrapping_sub(ONES * 0x20) & !w))
                & HIGHS;
            if special != 0 {
                let k = special.trailing_zeros() as usize / 8;
                wide |= w & ((1u64 << (8 * k)) - 1);
                i += k;
                break;
            }
            wide |= w;
            i += 8;
        }
        let mut high = if wide & HIGHS != 0 { 0x80u8 } else { 0 };
        loop {
            let Some(&b) = s.get(i) else {
                return Err(Stopped);
            };
            if b == b'"' {
                self.pos = i + 1;
                return Ok(Body {
                    start: start as u32,
                    end: i as u32,
                    escaped: false,
                    ascii: high < 0x80,
                });
            }
            if b == b'\\' {
                return self.escaped_body(start, i);
            }
            if b < 0x20 {
                return Err(Stopped);
            }
            high |= b;
            i += 1;
        }
    }

    /// Decodes a string literal from `start` whose first escape is at `i` (as
    /// `json_parse_string`: control characters are rejected, `\u` takes exactly four hex
    /// digits, other bytes are taken as they are). Escaped code units are written as UTF-8,
    /// unpaired surrogates as 3-byte sequences, which JS_NewStringLen turns back into the
    /// same code units.
    #[cold]
    fn escaped_body(&mut self, start: usize, mut i: usize) -> Step<Body> {
        let s = self.s;
        self.decoded.len = 0;
        let mut high = 0u8;
        for &b in &s[start..i] {
            high |= b;
        }
        self.decoded.reserve(i - start)?;
        for &b in &s[start..i] {
            self.decoded.push(b)?;
        }
        loop {
            let Some(&b) = s.get(i) else {
                return Err(Stopped);
            };
            match b {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(Body {
                        start: start as u32,
                        end: i as u32,
                        escaped: true,
                        ascii: high < 0x80,
                    });
                }
                b'\\' => {
                    let c = match s.get(i + 1) {
                        Some(&c @ (b'"' | b'\\' | b'/')) => c,
                        Some(b'b') => 0x08,
                        Some(b'f') => 0x0C,
                        Some(b'n') => b'\n',
                        Some(b'r') => b'\r',
                        Some(b't') => b'\t',
                        Some(b'u') => {
                            let mut u = 0u32;
                            for k in 2..6 {
                                let Some(d) = s.get(i + k).and_then(|&h| (h as char).to_digit(16))
                                else {
                                    return Err(Stopped);
                                };
                                u = (u << 4) | d;
                            }
                            i += 6;
                            let mut buf = [0u8; 3];
                            let n = encode_unit(u, &mut buf);
                            high |= buf[0];
                            for &x in &buf[..n] {
                                self.decoded.push(x)?;
                            }
                            continue;
                        }
                        _ => return Err(Stopped),
                    };
                    self.decoded.push(c)?;
                    i += 2;
                }
                0..0x20 => return Err(Stopped),
                _ => {
                    high |= b;
                    self.decoded.push(b)?;
                    i += 1;
                }
            }
        }
    }

    /// A number at `pos` (JSON's grammar: QuickJS rejects a leading `+`, leading zeros, a bare
    /// `.` and an empty exponent). Its value is the correctly rounded double, as `strtod`'s.
    fn number(&mut self) -> Step<Owned> {
        let s = self.s;
        let start = self.pos;
        let mut i = start;
        let neg = s[i] == b'-';
        if neg {
            i += 1;
        }
        let digit = |i: usize| s.get(i).filter(|b| b.is_ascii_digit()).map(|&b| b - b'0');
        // Up to 19 significant digits in `m`; `exp` is the power of ten that scales it.
        let mut m: u64 = 0;
        let mut digits = 0u32;
        let mut exact = true;
        let mut exp: i64 = 0;
        match digit(i) {
            None => return Err(Stopped),
            Some(0) => {
                i += 1;
                if digit(i).is_some() {
                    return Err(Stopped);
                }
            }
            Some(_) => {
                while let Some(d) = digit(i) {
                    if digits < 19 {
                        m = m * 10 + u64::from(d);
                        digits += 1;
                    } else {
                        exact = false;
                        exp += 1;
                    }
                    i += 1;
                }
            }
        }
        let mut integer = true;
        if s.get(i) == Some(&b'.') {
            integer = false;
            i += 1;
            if digit(i).is_none() {
                return Err(Stopped);
            }
            while let Some(d) = digit(i) {
                if digits < 19 {
                    if m != 0 || d != 0 {
                        m = m * 10 + u64::from(d);
                        digits += 1;
                    }
                    exp -= 1;
                } else {
                    exact = false;
                }
                i += 1;
            }
        }
        if let Some(b'e' | b'E') = s.get(i) {
            integer = false;
            i += 1;
            let eneg = match s.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            if digit(i).is_none() {
                return Err(Stopped);
            }
            let mut e: i64 = 0;
            while let Some(d) = digit(i) {
                e = (e * 10 + i64::from(d)).min(1 << 40);
                i += 1;
            }
            exp += if eneg { -e } else { e };
        }
        self.pos = i;
        let v = if integer && exact && m <= i32::MAX as u64 && !(neg && m == 0) {
            let n = m as i32;
            qjs::JS_MKVAL(qjs::JS_TAG_INT, if neg { -n } else { n })
        } else if exact && m <= 1 << 53 && (-22..=22).contains(&exp) {
            // Both operands are exact, so the one rounding is the correct one.
            let f = m as f64;
            let f = if exp < 0 {
                f / POW10[exp.unsigned_abs() as usize]
            } else {
                f * POW10[exp as usize]
            };
            qjs::JS_NewFloat64(if neg { -f } else { f })
        } else {
            let Ok(text) = std::str::from_utf8(&s[start..i]) else {
                return Err(Stopped);
            };
            let Ok(f) = text.parse::<f64>() else {
                return Err(Stopped);
            };
            qjs::JS_NewFloat64(f)
        };
        Ok(Owned { ctx: self.ctx, v })
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        if let Some(m) = self.memory.take() {
            MEMORY.with(|c| c.set(Some(m)));
        }
        if let Some(mut sc) = self.scratch.take() {
            let ctx = self.ctx;
            // SAFETY: releases the references the caches took during this call.
            sc.keys.clear(|a| unsafe { qjs::JS_FreeAtom(ctx, a) });
            // SAFETY: as above.
            sc.strings.clear(|v| unsafe { qjs::JS_FreeValue(ctx, v) });
            SCRATCH.with(|c| c.set(Some(sc)));
        }
    }
}

/// Writes UTF-16 code unit `u` as UTF-8 (a surrogate as its 3-byte sequence); returns the
/// length.
fn encode_unit(u: u32, buf: &mut [u8; 3]) -> usize {
    if u < 0x80 {
        buf[0] = u as u8;
        1
    } else if u < 0x800 {
        buf[0] = 0xC0 | (u >> 6) as u8;
        buf[1] = 0x80 | (u & 0x3F) as u8;
        2
    } else {
        buf[0] = 0xE0 | (u >> 12) as u8;
        buf[1] = 0x80 | ((u >> 6) & 0x3F) as u8;
        buf[2] = 0x80 | (u & 0x3F) as u8;
        3
    }
}

#[cfg(test)]
#[path = "tests_parse.rs"]
mod tests;
