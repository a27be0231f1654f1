//! JS strings into Rust: as USVStrings (WebIDL), lone surrogates becoming U+FFFD.
//!
//! QuickJS strings are UTF-16 and may hold lone surrogates, which UTF-8 cannot. The engine
//! writes them as three-byte sequences (`ED A0..BF xx`, as WTF-8 does); [`to_usv`] replaces
//! each with U+FFFD (`EF BF BD`), which is what the WebIDL USVString conversion and
//! `TextEncoder` do. Everything else is copied as is, and a string without lone surrogates
//! (nearly all) takes the engine's fast path unchanged.

use rquickjs::{Ctx, Error, FromJs, Result, Value};

/// A JS value converted as WebIDL converts to `USVString`: `String(value)` (a Symbol throws a
/// `TypeError`), lone surrogates becoming U+FFFD. Take it instead of `String` or
/// `Coerced<String>` in a function JS calls: those throw `Conversion from string failed:
/// invalid utf-8` on a lone surrogate, and `String` refuses numbers and objects.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Usv(pub String);

impl<'js> FromJs<'js> for Usv {
    fn from_js(_ctx: &Ctx<'js>, value: Value<'js>) -> Result<Self> {
        value_to_usv(&value).map(Usv)
    }
}

impl Usv {
    /// The converted string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::ops::Deref for Usv {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// The string as a USVString: lone surrogates become U+FFFD.
pub fn to_usv(s: &rquickjs::String<'_>) -> Result<String> {
    match s.to_string() {
        Ok(s) => Ok(s),
        Err(Error::Utf8(_)) => {
            let raw = s.clone().to_cstring()?;
            // SAFETY: `raw` owns the engine's encoding of the string (`len` bytes at `ptr`)
            // until it drops at the end of this block; the bytes are only read. They are not
            // UTF-8 (that is why we are here), so `CString::as_str` must not be used.
            let bytes = unsafe { std::slice::from_raw_parts(raw.as_ptr().cast::<u8>(), raw.len()) };
            Ok(replace_lone_surrogates(bytes))
        }
        Err(e) => Err(e),
    }
}

/// `value` converted with `String(value)` semantics, then [`to_usv`].
pub fn value_to_usv<'js>(value: &rquickjs::Value<'js>) -> Result<String> {
    match value.as_string() {
        Some(s) => to_usv(s),
        None => {
            let s: rquickjs::Coerced<rquickjs::String<'js>> = value.get()?;
            to_usv(&s.0)
        }
    }
}

/// Generalized UTF-8 (surrogates encoded as three bytes) to UTF-8, each surrogate becoming
/// U+FFFD. Bytes that are not such a sequence are copied and checked as UTF-8 at the end
/// (invalid input cannot come from the engine; it is replaced too, never trusted).
fn replace_lone_surrogates(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0xED && i + 2 < bytes.len() && (0xA0..=0xBF).contains(&bytes[i + 1]) {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rquickjs::{Context, Runtime};

    fn usv(js: &str) -> String {
        let rt = Runtime::new().unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let v: rquickjs::Value = ctx.eval(js).unwrap();
            value_to_usv(&v).unwrap()
        })
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(usv(r#""a\uD800b""#), "a\u{FFFD}b");
        assert_eq!(usv(r#""\uDFFF""#), "\u{FFFD}");
        assert_eq!(usv(r#""\uDC00\uD800""#), "\u{FFFD}\u{FFFD}");
        assert_eq!(usv(r#""x\uD800""#), "x\u{FFFD}");
    }

    #[test]
    fn usv_parameters_convert_like_webidl() {
        let rt = Runtime::new().unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let f = rquickjs::Function::new(ctx.clone(), |s: Usv| s.0).unwrap();
            ctx.globals().set("f", f).unwrap();
            let got: Vec<String> = ctx
                .eval(r#"[f("a\uD800"), f(12), f({ toString() { return "\uDC00x"; } }), f(null)]"#)
                .unwrap();
            assert_eq!(got, ["a\u{FFFD}", "12", "\u{FFFD}x", "null"]);
            let err: String = ctx
                .eval(r#"try { f(Symbol()); "no" } catch (e) { e.constructor.name }"#)
                .unwrap();
            assert_eq!(err, "TypeError");
        });
    }

    #[test]
    fn pairs_and_ordinary_text_are_kept() {
        assert_eq!(usv(r#""\uD83D\uDE00 é""#), "😀 é");
        assert_eq!(usv(r#""plain""#), "plain");
        assert_eq!(usv("42"), "42");
        assert_eq!(usv(r#""caf\u00e9\uD800""#), "café\u{FFFD}");
    }
}
