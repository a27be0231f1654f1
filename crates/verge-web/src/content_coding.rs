//! HTTP content codings (`Content-Encoding: gzip | deflate | br`) on body streams, as workerd
//! applies them: a `fetch()` response body reaches JS decoded (its header unchanged), and a
//! response whose `Content-Encoding` names one of these codings is encoded by the edge unless
//! the worker asked for `encodeBody: "manual"`. A body that leaves a `fetch()` untouched keeps
//! its bytes: it is sent as the origin encoded it when the header still names that coding.
//!
//! Streams go through `async-compression` (on `flate2` and `brotli`), which decodes into
//! bounded reads: a small compressed chunk that inflates to gigabytes is produced a buffer at
//! a time as the consumer pulls, never all at once.

use bytes::Bytes;
use futures::StreamExt;
use tokio::io::AsyncRead;
use tokio_util::io::{ReaderStream, StreamReader};

use crate::body::ByteStream;

/// A content coding verge encodes and decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coding {
    /// `gzip` (and its alias `x-gzip`): RFC 1952.
    Gzip,
    /// `deflate`: the zlib format, RFC 1950 (HTTP's "deflate").
    Deflate,
    /// `br`: Brotli, RFC 7932.
    Br,
}

/// Output read from a codec at a time.
const CHUNK: usize = 16 * 1024;

impl Coding {
    /// The coding a `Content-Encoding` value names, when it is exactly one that verge
    /// handles (a list such as `gzip, br`, or an unknown coding, is left alone).
    pub fn from_header(value: &str) -> Option<Coding> {
        match value.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            "br" => Some(Coding::Br),
            _ => None,
        }
    }

    /// The coding's name in `Content-Encoding`.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Br => "br",
        }
    }

    /// The coding to answer `accept` (`Accept-Encoding`) with: br before gzip, none with
    /// `q=0` (deflate is never chosen: clients disagree on what it means).
    pub fn negotiate(accept: &str) -> Option<Coding> {
        let mut br = None;
        let mut gzip = None;
        let mut star = None;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                })
                .unwrap_or(1.0);
            match name.as_str() {
                "br" => br = Some(q),
                "gzip" | "x-gzip" => gzip = Some(q),
                "*" => star = Some(q),
                _ => {}
            }
        }
        let ok = |q: Option<f32>| q.or(star).is_some_and(|q| q > 0.0);
        if ok(br) {
            Some(Coding::Br)
        } else if ok(gzip) {
            Some(Coding::Gzip)
        } else {
            None
        }
    }

    /// The coding named by the `content-encoding` pair of `headers` (lower-case names).
    pub fn of_headers(headers: &[(String, String)]) -> Option<Coding> {
        let mut values = headers.iter().filter(|(n, _)| n == "content-encoding");
        let (_, v) = values.next()?;
        if values.next().is_some() {
            return None;
        }
        Coding::from_header(v)
    }
}

/// Whether Cloudflare compresses a body of this `Content-Type` for clients that accept it.
pub fn compressible(content_type: Option<&str>) -> bool {
    let Some(t) = content_type else { return false };
    let t = t.split(';').next().unwrap_or("").trim();
    t.starts_with("text/")
        || t.ends_with("+json")
        || t.ends_with("+xml")
        || matches!(
            t,
            "application/javascript"
                | "application/json"
                | "application/xml"
                | "application/wasm"
                | "application/manifest+json"
                | "application/vnd.ms-fontobject"
                | "font/ttf"
                | "font/otf"
                | "image/x-icon"
                | "image/vnd.microsoft.icon"
                | "image/bmp"
        )
}

fn reader(stream: ByteStream) -> impl tokio::io::AsyncBufRead + Send {
    StreamReader::new(stream.map(|r| r.map_err(std::io::Error::other)))
}

fn stream_of(r: impl AsyncRead + Send + 'static, what: &'static str) -> ByteStream {
    Box::pin(
        ReaderStream::with_capacity(r, CHUNK).map(move |r| r.map_err(|e| format!("{what}: {e}"))),
    )
}

/// `stream` (bytes in `coding`) decoded. An empty body decodes to an empty body (a `HEAD`
/// answer, or a 204, that names a coding); a corrupt or truncated one ends with an error.
pub fn decode(stream: ByteStream, coding: Coding) -> ByteStream {
    use async_compression::tokio::bufread::{BrotliDecoder, GzipDecoder, ZlibDecoder};
    let mut stream = stream.peekable();
    Box::pin(
        futures::stream::once(async move {
            let empty = std::pin::Pin::new(&mut stream).peek().await.is_none();
            let stream: ByteStream = Box::pin(stream);
            if empty {
                return stream;
            }
            let what = "the response body could not be decoded";
            match coding {
                Coding::Gzip => {
                    let mut d = GzipDecoder::new(reader(stream));
                    d.multiple_members(true);
                    stream_of(d, what)
                }
                Coding::Deflate => stream_of(ZlibDecoder::new(reader(stream)), what),
                Coding::Br => stream_of(BrotliDecoder::new(reader(stream)), what),
            }
        })
        .flatten(),
    )
}

/// `stream` encoded with `coding` (gzip/deflate at level 6, Brotli at quality 4: speed over
/// size, as on-the-fly encoding wants). Each chunk of `stream` is flushed through the encoder
/// as it arrives (a sync flush, a few bytes), so a stream that trickles (server-sent events, a
/// streamed answer) reaches the client as it is produced instead of waiting in the encoder.
pub fn encode(stream: ByteStream, coding: Coding) -> ByteStream {
    use async_compression::Level;
    use async_compression::tokio::write::{BrotliEncoder, GzipEncoder, ZlibEncoder};
    let level = Level::Precise(6);
    match coding {
        Coding::Gzip => encode_with(stream, GzipEncoder::with_quality(Vec::new(), level)),
        Coding::Deflate => encode_with(stream, ZlibEncoder::with_quality(Vec::new(), level)),
        Coding::Br => encode_with(
            stream,
            BrotliEncoder::with_quality(Vec::new(), Level::Precise(4)),
        ),
    }
}

/// An encoder writing into a buffer the stream takes its output from.
trait Encoder: tokio::io::AsyncWrite + Unpin + Send + 'static {
    fn output(&mut self) -> &mut Vec<u8>;
}

macro_rules! encoder {
    ($($t:ident),*) => {$(
        impl Encoder for async_compression::tokio::write::$t<Vec<u8>> {
            fn output(&mut self) -> &mut Vec<u8> {
                self.get_mut()
            }
        }
    )*};
}
encoder!(GzipEncoder, ZlibEncoder, BrotliEncoder);

fn encode_with(stream: ByteStream, encoder: impl Encoder) -> ByteStream {
    use tokio::io::AsyncWriteExt;
    let failed = |e: std::io::Error| format!("the response body could not be encoded: {e}");
    Box::pin(futures::stream::unfold(
        (stream, Some(encoder)),
        move |(mut stream, encoder)| async move {
            let mut encoder = encoder?;
            let step = match stream.next().await {
                Some(Ok(chunk)) => {
                    let written = async {
                        encoder.write_all(&chunk).await?;
                        encoder.flush().await
                    };
                    match written.await {
                        Ok(()) => Ok(true),
                        Err(e) => Err(failed(e)),
                    }
                }
                Some(Err(e)) => Err(e),
                None => encoder.shutdown().await.map(|()| false).map_err(failed),
            };
            match step {
                Ok(more) => {
                    let out = Bytes::from(std::mem::take(encoder.output()));
                    Some((Ok(out), (stream, more.then_some(encoder))))
                }
                Err(e) => Some((Err(e), (stream, None))),
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(s: ByteStream) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        let mut s = s;
        while let Some(chunk) = s.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    fn chunks(data: &[u8], size: usize) -> ByteStream {
        let parts: Vec<Result<Bytes, String>> = data
            .chunks(size)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        Box::pin(futures::stream::iter(parts))
    }

    #[tokio::test]
    async fn every_coding_round_trips_in_small_chunks() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        for coding in [Coding::Gzip, Coding::Deflate, Coding::Br] {
            let encoded = collect(encode(chunks(&data, 7_000), coding)).await.unwrap();
            assert!(encoded.len() < data.len(), "{coding:?} compresses");
            let decoded = collect(decode(chunks(&encoded, 333), coding))
                .await
                .unwrap();
            assert_eq!(decoded, data, "{coding:?}");
        }
    }

    #[tokio::test]
    async fn empty_bodies_stay_empty_and_corrupt_ones_fail() {
        let empty: ByteStream = Box::pin(futures::stream::empty());
        assert_eq!(collect(decode(empty, Coding::Gzip)).await.unwrap(), b"");
        let err = collect(decode(chunks(b"not gzip at all", 4), Coding::Gzip)).await;
        assert!(err.is_err());
        let full = collect(encode(chunks(b"hello", 5), Coding::Gzip))
            .await
            .unwrap();
        let truncated = collect(decode(chunks(&full[..full.len() - 4], 3), Coding::Gzip)).await;
        assert!(truncated.is_err(), "a truncated gzip body is an error");
    }

    #[tokio::test]
    async fn a_decompression_bomb_is_read_a_buffer_at_a_time() {
        // 64 MiB of zeros compress to about 64 KiB; the decoder hands them out in CHUNK-sized
        // reads rather than inflating the whole body at once.
        let zeros = vec![0u8; 64 << 20];
        let bomb = collect(encode(chunks(&zeros, 1 << 20), Coding::Gzip))
            .await
            .unwrap();
        let mut d = decode(chunks(&bomb, bomb.len()), Coding::Gzip);
        let first = d.next().await.unwrap().unwrap();
        assert!(first.len() <= CHUNK, "{}", first.len());
    }

    #[tokio::test]
    async fn each_chunk_is_sent_as_it_arrives() {
        use std::io::Write as _;
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        let mut encoded = encode(crate::body::channel_stream(rx), Coding::Gzip);
        let mut decoder = flate2::write::GzDecoder::new(Vec::new());
        for event in ["data: one\n\n", "data: two\n\n"] {
            tx.send(Ok(Bytes::from(event))).await.unwrap();
            // The upstream stays open: the chunk must come out without waiting for more.
            let out = encoded.next().await.unwrap().unwrap();
            decoder.write_all(&out).unwrap();
            decoder.flush().unwrap();
            assert!(
                String::from_utf8_lossy(decoder.get_ref()).ends_with(event),
                "{event:?} decoded from what was sent so far"
            );
        }
        drop(tx);
        while let Some(out) = encoded.next().await {
            decoder.write_all(&out.unwrap()).unwrap();
        }
        assert_eq!(decoder.finish().unwrap(), b"data: one\n\ndata: two\n\n");
    }

    #[test]
    fn codings_follow_accept_encoding_and_q_values() {
        assert_eq!(Coding::negotiate("gzip, deflate, br"), Some(Coding::Br));
        assert_eq!(Coding::negotiate("gzip"), Some(Coding::Gzip));
        assert_eq!(Coding::negotiate("br;q=0, gzip;q=0.5"), Some(Coding::Gzip));
        assert_eq!(Coding::negotiate("identity"), None);
        assert_eq!(Coding::negotiate("*"), Some(Coding::Br));
        assert_eq!(Coding::negotiate("*;q=0"), None);
    }

    #[test]
    fn headers_name_one_coding_or_none() {
        assert_eq!(Coding::from_header(" GZIP "), Some(Coding::Gzip));
        assert_eq!(Coding::from_header("x-gzip"), Some(Coding::Gzip));
        assert_eq!(Coding::from_header("br"), Some(Coding::Br));
        assert_eq!(Coding::from_header("gzip, br"), None);
        assert_eq!(Coding::from_header("zstd"), None);
        let h = |v: &[&str]| -> Vec<(String, String)> {
            v.iter()
                .map(|v| ("content-encoding".to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(Coding::of_headers(&h(&["deflate"])), Some(Coding::Deflate));
        assert_eq!(Coding::of_headers(&h(&["gzip", "gzip"])), None);
        assert_eq!(Coding::of_headers(&h(&[])), None);
    }
}
