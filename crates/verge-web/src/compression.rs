//! The streaming codecs behind `CompressionStream` and `DecompressionStream`
//! (<https://compression.spec.whatwg.org/>), on `flate2` with its pure-Rust `miniz_oxide`
//! backend. The stream classes themselves are JS (`js/compression.js`, `TransformStream`s);
//! each holds one [`Codec`], a Rust class that keeps the compressor or decompressor state
//! between chunks.
//!
//! Formats: `"gzip"` (RFC 1952), `"deflate"` (the zlib format, RFC 1950) and `"deflate-raw"`
//! (RFC 1951). Decompression errors (corrupt data, a truncated stream, bytes after the end of
//! the stream, a gzip CRC or length mismatch) become `TypeError`s, as the standard says.

use std::io::Write;

use flate2::Compression;
use flate2::write::{
    DeflateDecoder, DeflateEncoder, GzDecoder, GzEncoder, ZlibDecoder, ZlibEncoder,
};
use rquickjs::class::Trace;
use rquickjs::{Class, Ctx, Exception, JsLifetime, Object, Result, Value};

/// A compression format named by the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `"gzip"`: RFC 1952.
    Gzip,
    /// `"deflate"`: the zlib format, RFC 1950.
    Deflate,
    /// `"deflate-raw"`: raw DEFLATE, RFC 1951.
    DeflateRaw,
}

impl Format {
    /// The format for `name`, exactly as the standard spells it (case-sensitive).
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "gzip" => Some(Format::Gzip),
            "deflate" => Some(Format::Deflate),
            "deflate-raw" => Some(Format::DeflateRaw),
            _ => None,
        }
    }
}

/// What went wrong in a codec; every variant becomes a `TypeError` in JS.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The format name is not one the standard defines.
    #[error("The compression format must be either 'deflate', 'deflate-raw' or 'gzip', got '{0}'.")]
    UnsupportedFormat(String),
    /// The compressed input is corrupt, truncated, or followed by more data.
    #[error("Decompression failed: {0}")]
    Corrupt(String),
    /// The codec was used after `finish`.
    #[error("The compression stream has already finished.")]
    Finished,
}

enum State {
    GzipEncode(GzEncoder<Vec<u8>>),
    DeflateEncode(ZlibEncoder<Vec<u8>>),
    RawEncode(DeflateEncoder<Vec<u8>>),
    GzipDecode(GzDecoder<Vec<u8>>),
    DeflateDecode(ZlibDecoder<Vec<u8>>),
    RawDecode(DeflateDecoder<Vec<u8>>),
    Done,
}

/// One stream's compressor or decompressor.
pub struct StreamCodec {
    state: State,
}

fn corrupt(e: std::io::Error) -> CodecError {
    let msg = match e.kind() {
        std::io::ErrorKind::WriteZero => {
            "there is data after the end of the compressed stream".to_string()
        }
        std::io::ErrorKind::UnexpectedEof => "the compressed stream is truncated".to_string(),
        _ => e.to_string(),
    };
    CodecError::Corrupt(msg)
}

impl StreamCodec {
    /// A compressor (`decompress == false`) or decompressor for `format`.
    pub fn new(format: Format, decompress: bool) -> StreamCodec {
        let level = Compression::default();
        let state = match (format, decompress) {
            (Format::Gzip, false) => State::GzipEncode(GzEncoder::new(Vec::new(), level)),
            (Format::Deflate, false) => State::DeflateEncode(ZlibEncoder::new(Vec::new(), level)),
            (Format::DeflateRaw, false) => State::RawEncode(DeflateEncoder::new(Vec::new(), level)),
            (Format::Gzip, true) => State::GzipDecode(GzDecoder::new(Vec::new())),
            (Format::Deflate, true) => State::DeflateDecode(ZlibDecoder::new(Vec::new())),
            (Format::DeflateRaw, true) => State::RawDecode(DeflateDecoder::new(Vec::new())),
        };
        StreamCodec { state }
    }

    /// Feeds `input`; returns the output produced so far (possibly empty). A decompressor
    /// returns everything `input` decodes to: flate2's writers keep the output of a write
    /// buffered until the next one, so a reader waiting for the data of a stream whose writer
    /// is not closed yet (WPT `decompression-correct-input`) would wait forever; `flush` hands
    /// it over. Compressors are not flushed (that would add a sync marker to every chunk).
    pub fn push(&mut self, input: &[u8]) -> std::result::Result<Vec<u8>, CodecError> {
        let r =
            match &mut self.state {
                State::GzipEncode(w) => w.write_all(input).map(|()| std::mem::take(w.get_mut())),
                State::DeflateEncode(w) => w.write_all(input).map(|()| std::mem::take(w.get_mut())),
                State::RawEncode(w) => w.write_all(input).map(|()| std::mem::take(w.get_mut())),
                State::GzipDecode(w) => (w.write_all(input).and_then(|()| w.flush()))
                    .map(|()| std::mem::take(w.get_mut())),
                State::DeflateDecode(w) => (w.write_all(input).and_then(|()| w.flush()))
                    .map(|()| std::mem::take(w.get_mut())),
                State::RawDecode(w) => (w.write_all(input).and_then(|()| w.flush()))
                    .map(|()| std::mem::take(w.get_mut())),
                State::Done => return Err(CodecError::Finished),
            };
        r.map_err(|e| {
            self.state = State::Done;
            corrupt(e)
        })
    }

    /// Ends the stream; returns the remaining output. A decompressor whose input ended early
    /// fails here.
    pub fn finish(&mut self) -> std::result::Result<Vec<u8>, CodecError> {
        let r = match std::mem::replace(&mut self.state, State::Done) {
            State::GzipEncode(w) => w.finish(),
            State::DeflateEncode(w) => w.finish(),
            State::RawEncode(w) => w.finish(),
            State::GzipDecode(w) => w.finish(),
            State::DeflateDecode(w) => w.finish(),
            State::RawDecode(w) => w.finish(),
            State::Done => return Err(CodecError::Finished),
        };
        r.map_err(corrupt)
    }
}

/// The JS handle on a [`StreamCodec`] (`internal.compression.Codec`; not a global).
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "CompressionCodec")]
pub struct Codec {
    #[qjs(skip_trace)]
    inner: StreamCodec,
}

fn throw(ctx: &Ctx<'_>, e: CodecError) -> rquickjs::Error {
    // Every codec error is a TypeError (Compression Standard §5, "compress and enqueue").
    match e {
        CodecError::UnsupportedFormat(_) | CodecError::Corrupt(_) | CodecError::Finished => {
            Exception::throw_type(ctx, &e.to_string())
        }
    }
}

#[rquickjs::methods(rename_all = "camelCase")]
impl Codec {
    #[qjs(constructor)]
    fn new(ctx: Ctx<'_>, format: String, decompress: bool) -> Result<Self> {
        let f = Format::parse(&format)
            .ok_or_else(|| throw(&ctx, CodecError::UnsupportedFormat(format.clone())))?;
        Ok(Codec {
            inner: StreamCodec::new(f, decompress),
        })
    }

    /// Feeds one chunk (any BufferSource); returns a `Uint8Array` of output, or `null` if none.
    fn push<'js>(&mut self, ctx: Ctx<'js>, chunk: Value<'js>) -> Result<Value<'js>> {
        let bytes = verge_js::bytes::copy_bytes(&chunk).ok_or_else(|| {
            Exception::throw_type(
                &ctx,
                "The chunk must be an ArrayBuffer or ArrayBufferView (BufferSource).",
            )
        })?;
        let out = self.inner.push(&bytes).map_err(|e| throw(&ctx, e))?;
        output(&ctx, out)
    }

    /// Ends the stream; returns the remaining output as a `Uint8Array`, or `null` if none.
    fn finish<'js>(&mut self, ctx: Ctx<'js>) -> Result<Value<'js>> {
        let out = self.inner.finish().map_err(|e| throw(&ctx, e))?;
        output(&ctx, out)
    }
}

fn output<'js>(ctx: &Ctx<'js>, out: Vec<u8>) -> Result<Value<'js>> {
    if out.is_empty() {
        Ok(Value::new_null(ctx.clone()))
    } else {
        verge_js::bytes::new_u8_array(ctx, out)
    }
}

/// Installs `internal.compression.Codec`.
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    let ops = Object::new(ctx.clone())?;
    Class::<Codec>::define(&ops)?;
    internal.set("compression", ops)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(format: Format, data: &[u8], chunk: usize) -> Vec<u8> {
        let mut c = StreamCodec::new(format, false);
        let mut packed = Vec::new();
        for piece in data.chunks(chunk.max(1)) {
            packed.extend(c.push(piece).unwrap());
        }
        packed.extend(c.finish().unwrap());
        let mut d = StreamCodec::new(format, true);
        let mut out = Vec::new();
        for piece in packed.chunks(7) {
            out.extend(d.push(piece).unwrap());
        }
        out.extend(d.finish().unwrap());
        out
    }

    #[test]
    fn every_format_round_trips_in_small_chunks() {
        let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for f in [Format::Gzip, Format::Deflate, Format::DeflateRaw] {
            assert_eq!(round_trip(f, &data, 1000), data, "{f:?}");
            assert_eq!(round_trip(f, b"", 1), b"", "{f:?} empty");
        }
    }

    #[test]
    fn a_decompressor_hands_over_each_chunk_s_output_at_once() {
        for format in [Format::Gzip, Format::Deflate, Format::DeflateRaw] {
            let mut c = StreamCodec::new(format, false);
            let mut packed = c.push(b"hello, verge").unwrap();
            packed.extend(c.finish().unwrap());
            let mut d = StreamCodec::new(format, true);
            assert_eq!(d.push(&packed).unwrap(), b"hello, verge", "{format:?}");
            assert_eq!(d.finish().unwrap(), b"");
        }
    }

    #[test]
    fn format_names_are_case_sensitive() {
        assert_eq!(Format::parse("gzip"), Some(Format::Gzip));
        assert_eq!(Format::parse("GZIP"), None);
        assert_eq!(Format::parse("br"), None);
    }

    #[test]
    fn truncated_and_trailing_input_is_corrupt() {
        let mut c = StreamCodec::new(Format::Gzip, false);
        let mut packed = c.push(b"hello hello hello").unwrap();
        packed.extend(c.finish().unwrap());

        let mut d = StreamCodec::new(Format::Gzip, true);
        d.push(&packed[..packed.len() - 3]).unwrap();
        assert!(matches!(d.finish(), Err(CodecError::Corrupt(_))));

        let mut d = StreamCodec::new(Format::Gzip, true);
        let mut extra = packed.clone();
        extra.extend_from_slice(b"junk");
        let r = d.push(&extra).and_then(|_| d.finish());
        assert!(matches!(r, Err(CodecError::Corrupt(_))), "{r:?}");

        let mut d = StreamCodec::new(Format::Deflate, true);
        assert!(matches!(d.finish(), Err(CodecError::Corrupt(_))));
    }

    #[test]
    fn gzip_crc_mismatch_is_corrupt() {
        let mut c = StreamCodec::new(Format::Gzip, false);
        let mut packed = c.push(b"abc").unwrap();
        packed.extend(c.finish().unwrap());
        let n = packed.len();
        packed[n - 8] ^= 0xff;
        let mut d = StreamCodec::new(Format::Gzip, true);
        let r = d.push(&packed).and_then(|_| d.finish());
        assert!(matches!(r, Err(CodecError::Corrupt(_))), "{r:?}");
    }
}
