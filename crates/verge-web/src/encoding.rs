//! `TextDecoder` (<https://encoding.spec.whatwg.org/#interface-textdecoder>) on `encoding_rs`,
//! and the byte operations behind `TextEncoder` (`js/encoding.js`).

use encoding_rs::{Decoder, Encoding, UTF_8};
use rquickjs::class::Trace;
use rquickjs::prelude::*;
use rquickjs::{Ctx, Exception, JsLifetime, Object, Result, Value};
use verge_js::string::Usv;

/// The `TextDecoder` class.
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub struct TextDecoder {
    #[qjs(skip_trace)]
    encoding: &'static Encoding,
    #[qjs(skip_trace)]
    fatal: bool,
    #[qjs(skip_trace)]
    ignore_bom: bool,
    #[qjs(skip_trace)]
    decoder: Option<Decoder>,
}

impl TextDecoder {
    fn new_decoder(&self) -> Decoder {
        if self.ignore_bom {
            self.encoding.new_decoder_without_bom_handling()
        } else {
            self.encoding.new_decoder_with_bom_removal()
        }
    }
}

#[rquickjs::methods(rename_all = "camelCase")]
impl TextDecoder {
    #[qjs(constructor)]
    fn new<'js>(ctx: Ctx<'js>, label: Opt<Usv>, options: Opt<Option<Object<'js>>>) -> Result<Self> {
        let label = label
            .0
            .map(Usv::into_inner)
            .unwrap_or_else(|| "utf-8".into());
        // `for_label` strips ASCII whitespace only, as the spec's "get an encoding" does: a
        // label with any other space around it (U+000B, U+00A0, U+2028) is invalid.
        let encoding = Encoding::for_label(label.as_bytes())
            .filter(|e| *e != encoding_rs::REPLACEMENT)
            .ok_or_else(|| {
                Exception::throw_range(
                    &ctx,
                    &format!("The encoding label provided ('{label}') is invalid."),
                )
            })?;
        let (fatal, ignore_bom) = match options.0.flatten() {
            Some(o) => (
                o.get::<_, Option<bool>>("fatal")?.unwrap_or(false),
                o.get::<_, Option<bool>>("ignoreBOM")?.unwrap_or(false),
            ),
            None => (false, false),
        };
        Ok(TextDecoder {
            encoding,
            fatal,
            ignore_bom,
            decoder: None,
        })
    }

    #[qjs(get)]
    fn encoding(&self) -> String {
        self.encoding.name().to_ascii_lowercase()
    }

    #[qjs(get)]
    fn fatal(&self) -> bool {
        self.fatal
    }

    #[qjs(get, rename = "ignoreBOM")]
    fn ignore_bom(&self) -> bool {
        self.ignore_bom
    }

    fn decode<'js>(
        &mut self,
        ctx: Ctx<'js>,
        input: Opt<Value<'js>>,
        options: Opt<Option<Object<'js>>>,
    ) -> Result<String> {
        // A dictionary argument: undefined and null are the empty dictionary.
        let stream = match options.0.flatten() {
            Some(o) => o.get::<_, Option<bool>>("stream")?.unwrap_or(false),
            None => false,
        };
        let bytes = match input.0 {
            None => Vec::new(),
            Some(v) if v.is_undefined() => Vec::new(),
            Some(v) => verge_js::bytes::copy_bytes(&v).ok_or_else(|| {
                Exception::throw_type(
                    &ctx,
                    "TextDecoder.decode: the input must be an ArrayBuffer or ArrayBufferView",
                )
            })?,
        };
        let mut decoder = match self.decoder.take() {
            Some(d) => d,
            None => self.new_decoder(),
        };
        let mut out = String::with_capacity(
            decoder
                .max_utf8_buffer_length(bytes.len())
                .unwrap_or(bytes.len() * 3),
        );
        let last = !stream;
        if self.fatal {
            let (result, _) = decoder.decode_to_string_without_replacement(&bytes, &mut out, last);
            if let encoding_rs::DecoderResult::Malformed(_, _) = result {
                let msg = format!(
                    "The encoded data was not valid for encoding {}",
                    self.encoding.name().to_ascii_lowercase()
                );
                return Err(Exception::throw_type(&ctx, &msg));
            }
        } else {
            let _ = decoder.decode_to_string(&bytes, &mut out, last);
        }
        if stream {
            self.decoder = Some(decoder);
        }
        Ok(out)
    }

    #[qjs(get, rename = rquickjs::atom::PredefinedAtom::SymbolToStringTag)]
    fn to_string_tag(&self) -> &'static str {
        "TextDecoder"
    }
}

/// Encodes a JS string as UTF-8, replacing lone surrogates with U+FFFD.
pub fn encode_utf8(s: &rquickjs::String<'_>) -> Result<Vec<u8>> {
    Ok(verge_js::string::to_usv(s)?.into_bytes())
}

/// Installs `TextDecoder` and `internal.encoding` (`encode`, `decodeUtf8`).
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    rquickjs::Class::<TextDecoder>::define(&ctx.globals())?;
    let ops = Object::new(ctx.clone())?;
    ops.set(
        "encode",
        Func::from(|ctx: Ctx<'js>, s: Usv| {
            verge_js::bytes::new_u8_array(&ctx, s.into_inner().into_bytes())
        }),
    )?;
    ops.set(
        "decodeUtf8",
        Func::from(|ctx: Ctx<'js>, v: Value<'js>| -> Result<String> {
            let bytes = verge_js::bytes::copy_bytes(&v).ok_or_else(|| {
                Exception::throw_type(&ctx, "expected an ArrayBuffer or ArrayBufferView")
            })?;
            let (text, _) = UTF_8.decode_with_bom_removal(&bytes);
            Ok(text.into_owned())
        }),
    )?;
    internal.set("encoding", ops)?;
    Ok(())
}
