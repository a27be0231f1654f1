//! A native `JSON.stringify` for the common call (no replacer, no `space`), and the install
//! of the native `JSON.parse`.
//!
//! QuickJS-ng's own `JSON.stringify` (`js_json_to_str` in quickjs.c) is generic: per object it
//! builds a JS array of key strings, turns each key back into an atom for the lookup, allocates
//! a quoted copy of each key, turns every array index into a string and concatenates indent
//! strings. [`install`] replaces `JSON.stringify` with a function that serialises straight from
//! atoms into one byte buffer: keys are escaped once per call and atom, strings are escaped from
//! their UTF-8 bytes, numbers are formatted with `ryu-js` (ECMAScript `Number#toString`), and the
//! result string is created once. A call with a replacer or a `space` that is not
//! `undefined`/`null` goes to the original function, captured at install.
//!
//! The output and the errors are the original's: the same algorithm (ECMA-262
//! SerializeJSONProperty), the same order of observable operations (`toJSON` lookups, getters,
//! Proxy traps), the same error classes and messages (`TypeError: circular reference`,
//! `TypeError: BigInt are forbidden in JSON.stringify`, `RangeError: Maximum call stack size
//! exceeded`). Nesting is kept on a heap stack, not the native one, so no input can overflow
//! the Rust stack; to throw where the original's recursion would, each nesting level is charged
//! `LEVEL_BYTES` of stack, checked against the engine's own stack limit (see
//! `Serializer::ensure_room`). The output buffer is allocated from the QuickJS heap, so the
//! isolate's memory limit applies to it as to the original.
//!
//! [`install`] also replaces `JSON.parse` (module `parse`, in `json/parse.rs`), sharing the
//! guards, the QuickJS-heap buffers and the stack checks below.
//!
//! It lives in verge-js, the crate allowed `unsafe`, because it uses the raw C API: the speed
//! comes from working with atoms and raw values, which rquickjs's safe API does not expose.
//! `verge_web::WebExtension` installs it in every isolate. Every raw value
//! is owned by an `Owned` guard (freed exactly once, also on error paths), every C string by a
//! `CStr` guard and every property table by a `PropTable` guard.

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use rquickjs::qjs::{self, JSAtom, JSClassID, JSContext, JSValue};
use rquickjs::{Ctx, Function, Object, Result, Value};

/// `func_data` slots of the installed function.
const DATA_ORIGINAL: usize = 0;
const DATA_BOOLEAN_VALUE_OF: usize = 1;
const DATA_ARRAY_IS_ARRAY: usize = 2;
const DATA_STACK_PROBE: usize = 3;
const DATA_LEN: usize = 4;

const ATOM_TO_JSON: JSAtom = qjs::JS_ATOM_toJSON as JSAtom;
const ATOM_RAW_JSON: JSAtom = qjs::JS_ATOM_rawJSON as JSAtom;

/// Class ids of the wrapper objects the serialiser unwraps. Built-in class ids are constants of
/// the linked engine, the same in every runtime, so they are read once from sample objects.
#[derive(Debug, Clone, Copy)]
struct ClassIds {
    number: JSClassID,
    string: JSClassID,
    boolean: JSClassID,
    big_int: JSClassID,
    raw_json: JSClassID,
}

static CLASS_IDS: OnceLock<ClassIds> = OnceLock::new();

fn class_ids<'js>(ctx: &Ctx<'js>, json: &Object<'js>) -> Result<ClassIds> {
    if let Some(ids) = CLASS_IDS.get() {
        return Ok(*ids);
    }
    let raw = ctx.as_raw().as_ptr();
    let class_of = |v: JSValue| -> Result<JSClassID> {
        // SAFETY: `v` is a new reference (or JS_EXCEPTION) that `Value::from_raw` takes over.
        let owned = unsafe { Value::from_raw(ctx.clone(), v) };
        if owned.is_exception() {
            return Err(rquickjs::Error::Exception);
        }
        // SAFETY: reads the class id of a live value.
        Ok(unsafe { qjs::JS_GetClassID(owned.as_raw()) })
    };
    let empty = rquickjs::String::from_str(ctx.clone(), "")?;
    let raw_json: Function = json.get("rawJSON")?;
    let raw_json: Value = raw_json.call(("0",))?;
    // SAFETY: JS_NewBigInt64 returns a new reference (or JS_EXCEPTION), taken over by `big`;
    // JS_ToObject borrows its argument and returns a new reference, taken over by `class_of`.
    let ids = unsafe {
        let big = Value::from_raw(ctx.clone(), qjs::JS_NewBigInt64(raw, 0));
        if big.is_exception() {
            return Err(rquickjs::Error::Exception);
        }
        ClassIds {
            number: class_of(qjs::JS_ToObject(raw, qjs::JS_MKVAL(qjs::JS_TAG_INT, 0)))?,
            string: class_of(qjs::JS_ToObject(raw, empty.as_raw()))?,
            boolean: class_of(qjs::JS_ToObject(raw, qjs::JS_MKVAL(qjs::JS_TAG_BOOL, 0)))?,
            big_int: class_of(qjs::JS_ToObject(raw, big.as_raw()))?,
            raw_json: qjs::JS_GetClassID(raw_json.as_raw()),
        }
    };
    Ok(*CLASS_IDS.get_or_init(|| ids))
}

/// Replaces `JSON.stringify` with the native serialiser (same attributes: writable,
/// configurable, not enumerable; `length` 3, `name` "stringify") and `JSON.parse` with the
/// native parser (`length` 2, `name` "parse"; see `json/parse.rs`).
pub fn install<'js>(ctx: &Ctx<'js>) -> Result<()> {
    let json: Object = ctx.globals().get("JSON")?;
    let original: Value = json.get("stringify")?;
    let boolean: Object = ctx.globals().get("Boolean")?;
    let boolean_proto: Object = boolean.get("prototype")?;
    let boolean_value_of: Value = boolean_proto.get("valueOf")?;
    let array: Object = ctx.globals().get("Array")?;
    let is_array: Value = array.get("isArray")?;
    class_ids(ctx, &json)?;
    let raw = ctx.as_raw().as_ptr();
    // SAFETY: the probe is a new reference taken over by `Value::from_raw`.
    let probe = unsafe {
        Value::from_raw(
            ctx.clone(),
            qjs::JS_NewCFunction2(
                raw,
                Some(stack_probe),
                c"".as_ptr(),
                0,
                qjs::JSCFunctionEnum_JS_CFUNC_generic,
                0,
            ),
        )
    };
    if probe.is_exception() {
        return Err(rquickjs::Error::Exception);
    }
    let mut data = [qjs::JS_MKVAL(qjs::JS_TAG_UNDEFINED, 0); DATA_LEN];
    data[DATA_ORIGINAL] = original.as_raw();
    data[DATA_BOOLEAN_VALUE_OF] = boolean_value_of.as_raw();
    data[DATA_ARRAY_IS_ARRAY] = is_array.as_raw();
    data[DATA_STACK_PROBE] = probe.as_raw();
    define_native(ctx, &json, c"stringify", stringify, 3, &mut data)?;
    parse::install(ctx, &json, &probe)
}

/// The signature of a native function with `func_data` slots.
type NativeFn = unsafe extern "C" fn(
    *mut JSContext,
    JSValue,
    c_int,
    *mut JSValue,
    c_int,
    *mut JSValue,
) -> JSValue;

/// Defines `JSON[name]` as native function `f` with `length` and `data` slots, with the
/// attributes of the built-in (writable, configurable, not enumerable).
fn define_native<'js>(
    ctx: &Ctx<'js>,
    json: &Object<'js>,
    name: &std::ffi::CStr,
    f: NativeFn,
    length: c_int,
    data: &mut [JSValue],
) -> Result<()> {
    let raw = ctx.as_raw().as_ptr();
    let Ok(data_len) = c_int::try_from(data.len()) else {
        return Err(rquickjs::Error::Exception);
    };
    // SAFETY: JS_NewCFunctionData2 duplicates the data values (which stay owned by the caller)
    // and returns a new reference; JS_DefinePropertyValueStr takes it over.
    unsafe {
        let fv = qjs::JS_NewCFunctionData2(
            raw,
            Some(f),
            name.as_ptr(),
            length,
            0,
            data_len,
            data.as_mut_ptr(),
        );
        if qjs::JS_IsException(fv) {
            return Err(rquickjs::Error::Exception);
        }
        let flags = (qjs::JS_PROP_WRITABLE | qjs::JS_PROP_CONFIGURABLE) as c_int;
        if qjs::JS_DefinePropertyValueStr(raw, json.as_raw(), name.as_ptr(), fv, flags) < 0 {
            return Err(rquickjs::Error::Exception);
        }
    }
    Ok(())
}

/// The arguments and `func_data` slots of a native function call, as slices.
///
/// # Safety
/// `argv` must hold `argc` values and `data` `data_len` (the engine pads `argv` to the
/// function's declared length).
unsafe fn native_args<'a>(
    argv: *mut JSValue,
    argc: usize,
    data: *mut JSValue,
    data_len: usize,
) -> (&'a [JSValue], &'a [JSValue]) {
    // SAFETY: as the caller promises.
    unsafe {
        (
            std::slice::from_raw_parts(argv, argc),
            std::slice::from_raw_parts(data, data_len),
        )
    }
}

/// A no-op native function. Calling it goes through the engine's stack check.
unsafe extern "C" fn stack_probe(
    _ctx: *mut JSContext,
    _this: JSValue,
    _argc: c_int,
    _argv: *mut JSValue,
) -> JSValue {
    qjs::JS_MKVAL(qjs::JS_TAG_UNDEFINED, 0)
}

/// `JSON.stringify(value, replacer, space)`.
unsafe extern "C" fn stringify(
    ctx: *mut JSContext,
    this: JSValue,
    argc: c_int,
    argv: *mut JSValue,
    _magic: c_int,
    data: *mut JSValue,
) -> JSValue {
    // SAFETY: the engine pads `argv` to the function's length (3) and `data` has DATA_LEN
    // entries (js_c_function_data_call, JS_NewCFunctionData2).
    let (args, data) = unsafe { native_args(argv, 3, data, DATA_LEN) };
    let absent = |v: JSValue| {
        // SAFETY: tag reads.
        unsafe { qjs::JS_IsUndefined(v) || qjs::JS_IsNull(v) }
    };
    if !absent(args[1]) || !absent(args[2]) {
        // SAFETY: forwards the call unchanged; `argv` holds `argc` values.
        return unsafe { qjs::JS_Call(ctx, data[DATA_ORIGINAL], this, argc, argv) };
    }
    let Some(classes) = CLASS_IDS.get() else {
        // SAFETY: throws on a live context.
        return unsafe {
            qjs::JS_ThrowInternalError(ctx, c"JSON.stringify not installed".as_ptr())
        };
    };
    let run = std::panic::AssertUnwindSafe(|| {
        let mut ser = Serializer::new(ctx, data, *classes);
        match ser.run(args[0]) {
            Ok(v) => v,
            Err(Thrown) => qjs::JS_MKVAL(qjs::JS_TAG_EXCEPTION, 0),
        }
    });
    match std::panic::catch_unwind(run) {
        Ok(v) => v,
        // SAFETY: throws on a live context.
        Err(_) => unsafe { qjs::JS_ThrowInternalError(ctx, c"JSON.stringify failed".as_ptr()) },
    }
}

/// An exception is pending on the context.
#[derive(Debug)]
struct Thrown;

type Res<T> = std::result::Result<T, Thrown>;

/// Throws QuickJS's out-of-memory error (a size that cannot even be computed).
#[cold]
fn out_of_memory(ctx: *mut JSContext) -> Thrown {
    // SAFETY: throws on a live context.
    unsafe { qjs::JS_ThrowOutOfMemory(ctx) };
    Thrown
}

/// An owned reference to a JS value, freed on drop.
struct Owned {
    ctx: *mut JSContext,
    v: JSValue,
}

impl Owned {
    /// Takes over `v`, a new reference returned by the engine; `Err` if it is JS_EXCEPTION.
    fn new(ctx: *mut JSContext, v: JSValue) -> Res<Owned> {
        // SAFETY: tag read.
        if unsafe { qjs::JS_IsException(v) } {
            Err(Thrown)
        } else {
            Ok(Owned { ctx, v })
        }
    }

    /// A new reference to a borrowed value.
    fn dup(ctx: *mut JSContext, v: JSValue) -> Owned {
        // SAFETY: `v` is live (borrowed from the caller).
        Owned {
            ctx,
            v: unsafe { qjs::JS_DupValue(ctx, v) },
        }
    }

    fn tag(&self) -> i32 {
        // SAFETY: tag read.
        unsafe { qjs::JS_VALUE_GET_NORM_TAG(self.v) }
    }

    /// Hands the reference over (to the caller, or to an engine call that takes it).
    fn into_raw(self) -> JSValue {
        let v = self.v;
        std::mem::forget(self);
        v
    }
}

impl Drop for Owned {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: this guard holds exactly one reference (values without a reference count,
        // such as numbers, need no free).
        unsafe {
            if qjs::JS_VALUE_HAS_REF_COUNT(self.v) {
                qjs::JS_FreeValue(self.ctx, self.v)
            }
        }
    }
}

/// A string's bytes from `JS_ToCStringLen2`, freed on drop.
struct CStr {
    ctx: *mut JSContext,
    ptr: *const c_char,
    len: usize,
}

impl CStr {
    /// UTF-8 bytes of string `v`, with unpaired surrogates as 3-byte sequences.
    fn new(ctx: *mut JSContext, v: JSValue) -> Res<CStr> {
        let mut len: qjs::size_t = 0;
        // SAFETY: `v` is a live string; a null result means an exception is pending.
        let ptr = unsafe { qjs::JS_ToCStringLen2(ctx, &mut len, v, false) };
        if ptr.is_null() {
            return Err(Thrown);
        }
        let len = usize::try_from(len).unwrap_or(0);
        Ok(CStr { ctx, ptr, len })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: the engine returned `len` readable bytes, alive until JS_FreeCString.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }
}

impl Drop for CStr {
    fn drop(&mut self) {
        // SAFETY: frees the string returned by JS_ToCStringLen2, once.
        unsafe { qjs::JS_FreeCString(self.ctx, self.ptr) }
    }
}

/// The own enumerable string keys of an object, freed on drop.
struct PropTable {
    ctx: *mut JSContext,
    tab: *mut qjs::JSPropertyEnum,
    len: u32,
}

impl PropTable {
    fn new(ctx: *mut JSContext, obj: JSValue) -> Res<PropTable> {
        let mut tab = std::ptr::null_mut();
        let mut len = 0u32;
        let flags = (qjs::JS_GPN_STRING_MASK | qjs::JS_GPN_ENUM_ONLY) as c_int;
        // SAFETY: `obj` is a live object; on failure nothing is allocated.
        if unsafe { qjs::JS_GetOwnPropertyNames(ctx, &mut tab, &mut len, obj, flags) } < 0 {
            return Err(Thrown);
        }
        Ok(PropTable { ctx, tab, len })
    }

    /// The `i`th key (`i < len`).
    fn atom(&self, i: i64) -> JSAtom {
        assert!(i >= 0 && i < i64::from(self.len), "key index out of range");
        // SAFETY: `i < len` entries were returned.
        unsafe { (*self.tab.add(i as usize)).atom }
    }
}

impl Drop for PropTable {
    fn drop(&mut self) {
        if !self.tab.is_null() {
            // SAFETY: frees the table and its atom references, once.
            unsafe { qjs::JS_FreePropertyEnum(self.ctx, self.tab, self.len) }
        }
    }
}

/// A growable array on the QuickJS heap (so the isolate's memory limit applies). Its elements
/// are plain data: a type holding owned values wraps it and releases them (see
/// `parse::Values`).
struct JsVec<T: Copy> {
    ctx: *mut JSContext,
    ptr: *mut T,
    len: usize,
    cap: usize,
}

/// The serialiser's output bytes.
type JsBuf = JsVec<u8>;

impl<T: Copy> JsVec<T> {
    fn new(ctx: *mut JSContext) -> JsVec<T> {
        JsVec {
            ctx,
            ptr: std::ptr::null_mut(),
            len: 0,
            cap: 0,
        }
    }

    #[cold]
    fn grow(&mut self, extra: usize) -> Res<()> {
        let Some(need) = self.len.checked_add(extra) else {
            return Err(out_of_memory(self.ctx));
        };
        // 1.5× growth, as QuickJS's own string buffers, to stay close to the original's peak
        // memory near the isolate's limit.
        let min = (1024 / std::mem::size_of::<T>().max(1)).max(1);
        let cap = need.max(self.cap.saturating_add(self.cap / 2)).max(min);
        let Some(bytes) = cap.checked_mul(std::mem::size_of::<T>()) else {
            return Err(out_of_memory(self.ctx));
        };
        // SAFETY: reallocates our own block (malloc-aligned, enough for any `T` here); on
        // failure the old block stays valid and js_realloc has thrown an out-of-memory error.
        let p =
            unsafe { qjs::js_realloc(self.ctx, self.ptr.cast::<c_void>(), bytes as qjs::size_t) };
        if p.is_null() {
            return Err(Thrown);
        }
        self.ptr = p.cast::<T>();
        self.cap = cap;
        Ok(())
    }

    #[inline]
    fn reserve(&mut self, extra: usize) -> Res<()> {
        if self.cap - self.len < extra {
            self.grow(extra)?;
        }
        Ok(())
    }

    #[inline]
    fn push(&mut self, x: T) -> Res<()> {
        self.reserve(1)?;
        // SAFETY: room for one element is reserved.
        unsafe { self.ptr.add(self.len).write(x) };
        self.len += 1;
        Ok(())
    }

    fn as_slice(&self) -> &[T] {
        if self.ptr.is_null() {
            return &[];
        }
        // SAFETY: the first `len` elements are initialised.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl JsBuf {
    /// Appends into room the caller reserved.
    #[inline]
    fn put_reserved(&mut self, b: &[u8]) {
        assert!(self.cap - self.len >= b.len(), "JsBuf: room not reserved");
        // SAFETY: room for `b` is reserved (checked above); the ranges cannot overlap.
        unsafe {
            let dst = self.ptr.add(self.len);
            if b.len() <= 16 {
                // Short pieces (punctuation, keys, numbers) without a call to memcpy.
                for (k, byte) in b.iter().enumerate() {
                    *dst.add(k) = *byte;
                }
            } else {
                std::ptr::copy_nonoverlapping(b.as_ptr(), dst, b.len());
            }
        }
        self.len += b.len();
    }

    #[inline]
    fn put(&mut self, b: &[u8]) -> Res<()> {
        self.reserve(b.len())?;
        self.put_reserved(b);
        Ok(())
    }

    /// Gives back unused room (large outputs), before the result string is made from it.
    fn shrink(&mut self) {
        if self.len > 0 && self.cap - self.len > 4096 {
            // SAFETY: shrinks our own block; on failure the old block stays valid, and the
            // out-of-memory exception js_realloc raised is taken back (nothing failed).
            let p = unsafe {
                qjs::js_realloc(self.ctx, self.ptr.cast::<c_void>(), self.len as qjs::size_t)
            };
            if p.is_null() {
                // SAFETY: clears the exception js_realloc threw.
                unsafe { qjs::JS_FreeValue(self.ctx, qjs::JS_GetException(self.ctx)) };
            } else {
                self.ptr = p.cast::<u8>();
                self.cap = self.len;
            }
        }
    }
}

impl<T: Copy> Drop for JsVec<T> {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // SAFETY: frees our own block, once.
            unsafe { qjs::js_free(self.ctx, self.ptr.cast::<c_void>()) }
        }
    }
}

/// A multiplicative hash for atom keys.
#[derive(Default)]
struct AtomHasher(u64);

impl Hasher for AtomHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A call's allocations, kept between calls on a thread. A call takes them (a nested call,
/// from a `toJSON` or getter, finds none and makes its own) and gives them back empty.
#[derive(Default)]
struct Scratch {
    /// The objects being written, outermost first (also the cycle-detection stack).
    frames: Vec<Frame>,
    /// Escaped keys (`"key":`) by atom, as ranges of `key_bytes`. Each cached atom is held
    /// (duplicated) until the end of the call, so it cannot be freed and reused for another
    /// string meanwhile.
    keys: HashMap<JSAtom, (u32, u32), BuildHasherDefault<AtomHasher>>,
    key_bytes: Vec<u8>,
    /// The length of the last output, the first reservation of the next (up to `HINT_MAX`):
    /// a worker tends to serialise the same shapes again.
    out_hint: usize,
}

/// The largest output buffer reserved up front.
const HINT_MAX: usize = 64 << 10;

/// Scratch larger than this (in key bytes or frames) is not kept after a call.
const SCRATCH_KEEP: usize = 64 << 10;

thread_local! {
    static SCRATCH: std::cell::Cell<Option<Scratch>> = const { std::cell::Cell::new(None) };
}

/// The `key` argument of a `toJSON` call, made only when one is called.
#[derive(Clone, Copy)]
enum Key {
    Top,
    Atom(JSAtom),
    Index(i64),
}

/// An object or array being written: the serialiser keeps these on a heap stack instead of
/// recursing, so nesting depth costs no native stack.
struct Frame {
    obj: Owned,
    /// The keys of an object; `None` for an array.
    props: Option<PropTable>,
    len: i64,
    next: i64,
    first: bool,
}

/// Stack bytes one nesting level is charged (see [`Serializer::ensure_room`]): about what a
/// level of QuickJS's own recursive serialiser uses, so both overflow at about the same depth.
const LEVEL_BYTES: usize = 256;
/// Nesting levels served before the stack is checked at all.
const FREE_LEVELS: usize = 32;
/// The smallest stack window verified at once.
const MIN_WINDOW: usize = 64 << 10;
/// The frame size of the stack probe's descent.
const PROBE_CHUNK: usize = 8 << 10;

struct Serializer<'a> {
    ctx: *mut JSContext,
    data: &'a [JSValue],
    classes: ClassIds,
    out: JsBuf,
    s: Scratch,
    room: StackRoom,
}

/// Bytes that need attention when escaping: control characters, `"`, `\`, and 0xED (the lead
/// byte of a surrogate's 3-byte encoding).
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[0xED] = true;
    t
};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` as a JSON string literal (QuoteJSONString): `s` is UTF-8 in which unpaired
/// surrogates appear as 3-byte sequences (ED A0..BF xx), escaped as `\udxxx`.
fn quote_into(out: &mut JsBuf, s: &[u8]) -> Res<()> {
    // Room for the common case (nothing to escape); escapes reserve more as they come, so a
    // long string never asks for more than it needs.
    out.reserve(s.len().checked_add(2).ok_or(Thrown)?)?;
    out.put_reserved(b"\"");
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if !SPECIAL[b as usize] {
            i += 1;
            continue;
        }
        let esc: [u8; 6];
        let (seq, skip): (&[u8], usize) = match b {
            b'"' => (b"\\\"", 1),
            b'\\' => (b"\\\\", 1),
            b'\n' => (b"\\n", 1),
            b'\r' => (b"\\r", 1),
            b'\t' => (b"\\t", 1),
            0x08 => (b"\\b", 1),
            0x0C => (b"\\f", 1),
            0xED => {
                match (s.get(i + 1), s.get(i + 2)) {
                    (Some(&b1), Some(&b2)) if b1 >= 0xA0 => {
                        // A surrogate code point U+D800..U+DFFF.
                        let c = (u32::from(b & 0x0F) << 12)
                            | (u32::from(b1 & 0x3F) << 6)
                            | u32::from(b2 & 0x3F);
                        esc = [
                            b'\\',
                            b'u',
                            HEX[(c >> 12) as usize & 15],
                            HEX[(c >> 8) as usize & 15],
                            HEX[(c >> 4) as usize & 15],
                            HEX[c as usize & 15],
                        ];
                        (&esc, 3)
                    }
                    _ => {
                        // U+D000..U+D7FF: an ordinary character.
                        i += 1;
                        continue;
                    }
                }
            }
            _ => {
                esc = [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(b >> 4) as usize],
                    HEX[(b & 15) as usize],
                ];
                (&esc, 1)
            }
        };
        out.put_reserved(&s[start..i]);
        // Room for the escape, the rest of the string and the closing quote.
        out.reserve(seq.len() + (s.len() - i - skip) + 1)?;
        out.put_reserved(seq);
        i += skip;
        start = i;
    }
    out.put_reserved(&s[start..]);
    out.put_reserved(b"\"");
    Ok(())
}

/// Decimal digits of `n`.
fn format_int(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut u = n.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// The current stack address, roughly.
#[inline(always)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

impl<'a> Serializer<'a> {
    fn new(ctx: *mut JSContext, data: &'a [JSValue], classes: ClassIds) -> Self {
        Serializer {
            ctx,
            data,
            classes,
            out: JsBuf::new(ctx),
            s: SCRATCH.with(|c| c.take()).unwrap_or_default(),
            room: StackRoom::new(FREE_LEVELS * LEVEL_BYTES),
        }
    }

    /// Serialises `value`: the result string, or `undefined` when the value is skipped.
    fn run(&mut self, value: JSValue) -> Res<JSValue> {
        let v = Owned::dup(self.ctx, value);
        let Some(v) = self.check(v, Key::Top)? else {
            return Ok(qjs::JS_MKVAL(qjs::JS_TAG_UNDEFINED, 0));
        };
        if v.tag() == qjs::JS_TAG_OBJECT {
            let hint = self.s.out_hint.min(HINT_MAX);
            if hint > 1024 && self.out.reserve(hint).is_err() {
                // Only a guess: give the memory error back and grow as needed instead.
                // SAFETY: takes and frees the pending out-of-memory exception.
                unsafe { qjs::JS_FreeValue(self.ctx, qjs::JS_GetException(self.ctx)) };
            }
            self.open(v)?;
            self.write_frames()?;
        } else {
            self.write_primitive(&v)?;
        }
        self.out.shrink();
        let bytes = self.out.as_slice();
        // SAFETY: `bytes` is valid UTF-8 (unpaired surrogates are escaped); the result is a new
        // reference or JS_EXCEPTION.
        let s = unsafe {
            qjs::JS_NewStringLen(self.ctx, bytes.as_ptr().cast(), bytes.len() as qjs::size_t)
        };
        Ok(Owned::new(self.ctx, s)?.into_raw())
    }

    /// Writes the members of the open frames until none is left (the loop of js_json_to_str
    /// over array elements and object properties, with the recursion on a heap stack).
    fn write_frames(&mut self) -> Res<()> {
        loop {
            let Some(frame) = self.s.frames.last_mut() else {
                return Ok(());
            };
            if frame.next >= frame.len {
                let close = if frame.props.is_none() { b']' } else { b'}' };
                self.s.frames.pop();
                self.out.push(close)?;
                continue;
            }
            let i = frame.next;
            frame.next += 1;
            // The frame keeps the object (and its keys) alive while JS runs below.
            let obj = frame.obj.v;
            let key = match &frame.props {
                None => Key::Index(i),
                Some(p) => Key::Atom(p.atom(i)),
            };
            let e = match key {
                // SAFETY: `obj` is live; new reference or JS_EXCEPTION.
                Key::Atom(atom) => unsafe { qjs::JS_GetProperty(self.ctx, obj, atom) },
                // SAFETY: as above.
                _ => unsafe { qjs::JS_GetPropertyInt64(self.ctx, obj, i) },
            };
            let e = self.check(Owned::new(self.ctx, e)?, key)?;
            let is_object = matches!(key, Key::Atom(_));
            if e.is_none() && is_object {
                continue;
            }
            if let Some(frame) = self.s.frames.last_mut()
                && !std::mem::replace(&mut frame.first, false)
            {
                self.out.push(b',')?;
            }
            if let Key::Atom(atom) = key {
                self.write_key(atom)?;
            }
            match e {
                None => self.out.put(b"null")?,
                Some(e) if e.tag() == qjs::JS_TAG_OBJECT => self.open(e)?,
                Some(e) => self.write_primitive(&e)?,
            }
        }
    }

    /// Starts writing an object: a wrapper (boxed primitive, raw JSON) is written at once; an
    /// array or plain object gets a frame.
    fn open(&mut self, v: Owned) -> Res<()> {
        self.ensure_room((self.s.frames.len() + 1) * LEVEL_BYTES)?;
        // SAFETY: `v` is a live object.
        let class = unsafe { qjs::JS_GetClassID(v.v) };
        let c = &self.classes;
        if class == c.string
            || class == c.number
            || class == c.boolean
            || class == c.big_int
            || class == c.raw_json
        {
            return self.write_wrapper(&v, class);
        }
        // SAFETY: live objects' pointers, compared as identities.
        let ptr = unsafe { qjs::JS_VALUE_GET_PTR(v.v) };
        if self
            .s
            .frames
            .iter()
            // SAFETY: as above.
            .any(|f| unsafe { qjs::JS_VALUE_GET_PTR(f.obj.v) } == ptr)
        {
            return self.throw_circular();
        }
        let (props, len) = if self.is_array(&v)? {
            let mut len = 0i64;
            // SAFETY: `v` is live; reads `length` (ToLength).
            if unsafe { qjs::JS_GetLength(self.ctx, v.v, &mut len) } < 0 {
                return Err(Thrown);
            }
            self.out.push(b'[')?;
            (None, len)
        } else {
            let props = PropTable::new(self.ctx, v.v)?;
            let len = i64::from(props.len);
            self.out.push(b'{')?;
            (Some(props), len)
        };
        self.s.frames.push(Frame {
            obj: v,
            props,
            len,
            next: 0,
            first: true,
        });
        Ok(())
    }

    /// Throws a RangeError where QuickJS's recursive serialiser would overflow its stack: each
    /// nesting level is charged [`LEVEL_BYTES`] of stack (see [`StackRoom`]).
    fn ensure_room(&mut self, need: usize) -> Res<()> {
        if self
            .room
            .check(self.ctx, self.data[DATA_STACK_PROBE], need)?
        {
            Ok(())
        } else {
            self.throw_stack_overflow()
        }
    }

    #[cold]
    fn throw_stack_overflow(&self) -> Res<()> {
        // SAFETY: throws on a live context (QuickJS's message for a stack overflow).
        unsafe { qjs::JS_ThrowRangeError(self.ctx, c"Maximum call stack size exceeded".as_ptr()) };
        Err(Thrown)
    }

    fn key_value(&self, key: Key) -> Res<Owned> {
        match key {
            // SAFETY: new references or JS_EXCEPTION.
            Key::Top => Owned::new(self.ctx, unsafe {
                qjs::JS_AtomToString(self.ctx, qjs::JS_ATOM_empty_string as JSAtom)
            }),
            Key::Atom(a) => Owned::new(self.ctx, unsafe { qjs::JS_AtomToString(self.ctx, a) }),
            Key::Index(i) => {
                let mut buf = [0u8; 20];
                let digits = format_int(i, &mut buf);
                Owned::new(self.ctx, unsafe {
                    qjs::JS_NewStringLen(
                        self.ctx,
                        digits.as_ptr().cast(),
                        digits.len() as qjs::size_t,
                    )
                })
            }
        }
    }

    /// `toJSON`, then the skip rules (js_json_check without a replacer).
    fn check(&mut self, v: Owned, key: Key) -> Res<Option<Owned>> {
        let mut v = v;
        // SAFETY: tag reads.
        if unsafe { qjs::JS_IsObject(v.v) || qjs::JS_IsBigInt(v.v) } {
            // SAFETY: `v` is live; the result is a new reference or JS_EXCEPTION.
            let f = Owned::new(self.ctx, unsafe {
                qjs::JS_GetProperty(self.ctx, v.v, ATOM_TO_JSON)
            })?;
            // SAFETY: `f` is live.
            if f.tag() == qjs::JS_TAG_OBJECT && unsafe { qjs::JS_IsFunction(self.ctx, f.v) } {
                let mut k = self.key_value(key)?;
                // SAFETY: calls `f` with `this` = the value and one argument, all live.
                let r = unsafe { qjs::JS_Call(self.ctx, f.v, v.v, 1, &mut k.v) };
                v = Owned::new(self.ctx, r)?;
            }
        }
        Ok(match v.tag() {
            // SAFETY: `v` is live.
            qjs::JS_TAG_OBJECT if unsafe { qjs::JS_IsFunction(self.ctx, v.v) } => None,
            qjs::JS_TAG_OBJECT
            | qjs::JS_TAG_STRING
            | qjs::JS_TAG_STRING_ROPE
            | qjs::JS_TAG_INT
            | qjs::JS_TAG_FLOAT64
            | qjs::JS_TAG_BOOL
            | qjs::JS_TAG_NULL
            | qjs::JS_TAG_SHORT_BIG_INT
            | qjs::JS_TAG_BIG_INT => Some(v),
            _ => None,
        })
    }

    fn write_primitive(&mut self, v: &Owned) -> Res<()> {
        match v.tag() {
            qjs::JS_TAG_STRING | qjs::JS_TAG_STRING_ROPE => {
                let s = CStr::new(self.ctx, v.v)?;
                quote_into(&mut self.out, s.bytes())
            }
            qjs::JS_TAG_INT => {
                let mut buf = [0u8; 20];
                // SAFETY: an int-tagged value.
                let n = unsafe { qjs::JS_VALUE_GET_INT(v.v) };
                self.out.put(format_int(i64::from(n), &mut buf))
            }
            qjs::JS_TAG_FLOAT64 => {
                // SAFETY: a float-tagged value.
                let d = unsafe { qjs::JS_VALUE_GET_FLOAT64(v.v) };
                if !d.is_finite() {
                    self.out.put(b"null")
                } else if d == 0.0 {
                    self.out.put(b"0")
                } else if d.fract() == 0.0 && d.abs() < 9_007_199_254_740_992.0 {
                    // An integer below 2^53: its decimal digits are its Number#toString.
                    let mut buf = [0u8; 20];
                    self.out.put(format_int(d as i64, &mut buf))
                } else {
                    let mut buf = ryu_js::Buffer::new();
                    self.out.put(buf.format_finite(d).as_bytes())
                }
            }
            qjs::JS_TAG_BOOL => {
                // SAFETY: a bool-tagged value.
                if unsafe { qjs::JS_VALUE_GET_BOOL(v.v) } {
                    self.out.put(b"true")
                } else {
                    self.out.put(b"false")
                }
            }
            qjs::JS_TAG_NULL => self.out.put(b"null"),
            qjs::JS_TAG_SHORT_BIG_INT | qjs::JS_TAG_BIG_INT => self.throw_big_int(),
            _ => Ok(()),
        }
    }

    #[cold]
    fn throw_big_int(&self) -> Res<()> {
        // SAFETY: throws on a live context.
        unsafe {
            qjs::JS_ThrowTypeError(self.ctx, c"BigInt are forbidden in JSON.stringify".as_ptr())
        };
        Err(Thrown)
    }

    #[cold]
    fn throw_circular(&self) -> Res<()> {
        // SAFETY: throws on a live context.
        unsafe { qjs::JS_ThrowTypeError(self.ctx, c"circular reference".as_ptr()) };
        Err(Thrown)
    }

    /// Boxed Number/String/Boolean/BigInt objects and `JSON.rawJSON` objects.
    fn write_wrapper(&mut self, v: &Owned, class: JSClassID) -> Res<()> {
        let c = self.classes;
        if class == c.string {
            // SAFETY: new reference or JS_EXCEPTION.
            let s = Owned::new(self.ctx, unsafe { qjs::JS_ToString(self.ctx, v.v) })?;
            self.write_primitive(&s)
        } else if class == c.number {
            // SAFETY: new reference or JS_EXCEPTION.
            let n = Owned::new(self.ctx, unsafe { qjs::JS_ToNumber(self.ctx, v.v) })?;
            self.write_primitive(&n)
        } else if class == c.boolean {
            // SAFETY: the intrinsic Boolean.prototype.valueOf reads the wrapped value.
            let b = Owned::new(self.ctx, unsafe {
                qjs::JS_Call(
                    self.ctx,
                    self.data[DATA_BOOLEAN_VALUE_OF],
                    v.v,
                    0,
                    std::ptr::null_mut(),
                )
            })?;
            self.write_primitive(&b)
        } else if class == c.big_int {
            self.throw_big_int()
        } else {
            // SAFETY: new reference or JS_EXCEPTION.
            let raw = Owned::new(self.ctx, unsafe {
                qjs::JS_GetProperty(self.ctx, v.v, ATOM_RAW_JSON)
            })?;
            let s = CStr::new(self.ctx, raw.v)?;
            self.out.put(s.bytes())
        }
    }

    /// IsArray, which looks through proxies (and throws for a revoked one).
    fn is_array(&self, v: &Owned) -> Res<bool> {
        // SAFETY: `v` is live.
        if unsafe { qjs::JS_IsArray(v.v) } {
            return Ok(true);
        }
        // SAFETY: `v` is live.
        if !unsafe { qjs::JS_IsProxy(v.v) } {
            return Ok(false);
        }
        let mut arg = v.v;
        // SAFETY: calls the intrinsic Array.isArray with one live argument.
        let r = Owned::new(self.ctx, unsafe {
            qjs::JS_Call(
                self.ctx,
                self.data[DATA_ARRAY_IS_ARRAY],
                qjs::JS_MKVAL(qjs::JS_TAG_UNDEFINED, 0),
                1,
                &mut arg,
            )
        })?;
        // SAFETY: Array.isArray returns a bool.
        Ok(r.tag() == qjs::JS_TAG_BOOL && unsafe { qjs::JS_VALUE_GET_BOOL(r.v) })
    }

    /// Writes `"key":` for `atom`, escaped once per call.
    fn write_key(&mut self, atom: JSAtom) -> Res<()> {
        if let Some(&(start, len)) = self.s.keys.get(&atom) {
            let (start, len) = (start as usize, len as usize);
            return self.out.put(&self.s.key_bytes[start..start + len]);
        }
        // SAFETY: new reference or JS_EXCEPTION.
        let s = Owned::new(self.ctx, unsafe { qjs::JS_AtomToString(self.ctx, atom) })?;
        let c = CStr::new(self.ctx, s.v)?;
        let start = self.out.len;
        quote_into(&mut self.out, c.bytes())?;
        self.out.push(b':')?;
        let written = &self.out.as_slice()[start..];
        if let (Ok(at), Ok(n)) = (
            u32::try_from(self.s.key_bytes.len()),
            u32::try_from(written.len()),
        ) {
            self.s.key_bytes.extend_from_slice(written);
            // SAFETY: holds the atom until the cache is dropped.
            self.s
                .keys
                .insert(unsafe { qjs::JS_DupAtom(self.ctx, atom) }, (at, n));
        }
        Ok(())
    }
}

impl Drop for Serializer<'_> {
    fn drop(&mut self) {
        // Frames left by an error release their values here, while the context is live.
        self.s.frames.clear();
        for atom in self.s.keys.keys() {
            // SAFETY: releases the reference taken when the atom was cached.
            unsafe { qjs::JS_FreeAtom(self.ctx, *atom) }
        }
        self.s.keys.clear();
        self.s.key_bytes.clear();
        self.s.out_hint = self.out.len;
        if self.s.key_bytes.capacity() <= SCRATCH_KEEP
            && self.s.frames.capacity() <= SCRATCH_KEEP
            && self.s.keys.capacity() <= SCRATCH_KEEP
        {
            let s = std::mem::take(&mut self.s);
            SCRATCH.with(|c| c.set(Some(s)));
        }
    }
}

/// The native stack a call may still use, for code that keeps its nesting on a heap stack but
/// must fail where a recursive implementation would hit the engine's stack limit.
///
/// Callers charge each nesting level a number of bytes below the call's entry; that room is
/// checked against the engine's limit by really descending the native stack in [`PROBE_CHUNK`]
/// frames and calling a native no-op through the engine at each (its stack check throws past
/// the limit). Verified windows double, so a call checks O(log depth) times.
struct StackRoom {
    /// The stack address at the start of the call.
    sp_entry: usize,
    /// Stack bytes below `sp_entry` known to be within the engine's limit.
    room_ok: usize,
    /// Stack bytes below `sp_entry` known to reach past the engine's limit.
    room_max: usize,
}

impl StackRoom {
    /// Room for a call entered about here; the first `free` bytes are assumed, not checked.
    #[inline(always)]
    fn new(free: usize) -> StackRoom {
        StackRoom {
            sp_entry: stack_address(),
            room_ok: free,
            room_max: usize::MAX,
        }
    }

    /// Whether `need` bytes below the entry are within the engine's stack limit (`probe` is a
    /// native no-op function). `Ok(false)`: they are not, and no exception is pending; `Err`:
    /// the probe was interrupted, and that uncatchable exception is pending.
    #[inline]
    fn check(&mut self, ctx: *mut JSContext, probe: JSValue, need: usize) -> Res<bool> {
        if need <= self.room_ok {
            return Ok(true);
        }
        self.probe(ctx, probe, need)
    }

    #[cold]
    fn probe(&mut self, ctx: *mut JSContext, probe: JSValue, need: usize) -> Res<bool> {
        if need > self.room_max {
            return Ok(false);
        }
        let want = need.max(self.room_ok.saturating_mul(2)).max(MIN_WINDOW);
        let target = self.sp_entry.saturating_sub(want);
        let mut last_ok = self.sp_entry;
        let limit = want / PROBE_CHUNK + 2;
        if probe_down(ctx, probe, target, &mut last_ok, limit) {
            self.room_ok = want;
            return Ok(true);
        }
        // The probe threw: a stack overflow, or an uncatchable interrupt to pass on.
        // SAFETY: takes the pending exception (JS_GetException hands over its reference).
        let exc = Owned {
            ctx,
            v: unsafe { qjs::JS_GetException(ctx) },
        };
        // SAFETY: reads a flag of a live value.
        if unsafe { qjs::JS_IsUncatchableError(exc.v) } {
            // SAFETY: rethrows the exception, handing our reference back to the context.
            unsafe { qjs::JS_Throw(ctx, qjs::JS_DupValue(ctx, exc.v)) };
            return Err(Thrown);
        }
        let room = self.sp_entry.saturating_sub(last_ok);
        self.room_ok = self.room_ok.max(room);
        self.room_max = room;
        Ok(need <= room)
    }
}

/// Descends the native stack in [`PROBE_CHUNK`] frames, calling `probe` (a native no-op)
/// through the engine in each, until the stack address is at or below `target`. Returns false
/// when a call threw (the exception is pending); `last_ok` is the deepest address that passed.
#[inline(never)]
fn probe_down(
    ctx: *mut JSContext,
    probe: JSValue,
    target: usize,
    last_ok: &mut usize,
    frames_left: usize,
) -> bool {
    let pad = [0u8; PROBE_CHUNK];
    let pad = std::hint::black_box(&pad);
    let sp = stack_address();
    // SAFETY: calls a native no-op; the result is undefined or JS_EXCEPTION (stack overflow or
    // interrupt), neither needing a free.
    let r = unsafe {
        qjs::JS_Call(
            ctx,
            probe,
            qjs::JS_MKVAL(qjs::JS_TAG_UNDEFINED, 0),
            0,
            std::ptr::null_mut(),
        )
    };
    // SAFETY: tag read.
    if unsafe { qjs::JS_IsException(r) } {
        return false;
    }
    *last_ok = sp;
    if sp <= target || frames_left == 0 {
        return true;
    }
    let ok = probe_down(ctx, probe, target, last_ok, frames_left - 1);
    // Keeps this frame (and its pad) alive across the call: no tail call.
    std::hint::black_box(pad);
    ok
}

mod parse;

#[cfg(test)]
mod tests;
