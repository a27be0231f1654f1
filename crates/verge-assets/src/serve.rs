//! Turning an asset into a response: conditional requests (`If-None-Match` → 304), ranges
//! (`Range` → 206, 416), `HEAD`, compression by `Accept-Encoding` (br, gzip; cached per
//! version) and reading the file — small ones whole, large ones streamed in chunks.

use std::collections::HashMap;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;
use std::sync::Mutex;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, header};

use crate::limits::{
    COMPRESS_MAX, COMPRESS_MIN, COMPRESSED_CACHE_BYTES, CONTENT_CACHE_BYTES, INLINE_MAX,
    STREAM_CHUNK,
};
use crate::manifest::Entry;

/// A response body.
pub enum AssetBody {
    /// No body.
    Empty,
    /// A complete body.
    Full(Bytes),
    /// A file streamed in chunks.
    Stream(verge_web::body::ByteStream),
}

impl std::fmt::Debug for AssetBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AssetBody::Empty => f.write_str("Empty"),
            AssetBody::Full(b) => write!(f, "Full({} bytes)", b.len()),
            AssetBody::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// A response of the asset server.
#[derive(Debug)]
pub struct AssetResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body (empty for `HEAD`, whose `Content-Length` says what a `GET` would get).
    pub body: AssetBody,
}

impl AssetResponse {
    /// A response with no body.
    pub fn empty(status: u16) -> Self {
        AssetResponse {
            status,
            headers: HeaderMap::new(),
            body: AssetBody::Empty,
        }
    }

    /// A redirect.
    pub fn redirect(status: u16, location: &str) -> Self {
        let mut r = AssetResponse::empty(status);
        if let Ok(v) = HeaderValue::from_str(location) {
            r.headers.insert(header::LOCATION, v);
        }
        r
    }
}

pub use verge_web::content_coding::{Coding, compressible};

/// One byte range of a `size`-byte body, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// No usable `Range` (absent, several ranges, another unit): the whole body.
    Whole,
    /// `first..=last`.
    Bytes(u64, u64),
    /// Cannot be satisfied (416).
    Unsatisfiable,
}

/// Parses a `Range` header for a `size`-byte body (one range only; a request for several is
/// answered whole, as RFC 9110 §14.2 allows).
pub fn parse_range(value: &str, size: u64) -> Range {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| s.parse::<u64>().ok();
    match (a.is_empty(), b.is_empty()) {
        (true, false) => match num(b) {
            Some(0) => Range::Unsatisfiable,
            Some(n) if size == 0 => {
                let _ = n;
                Range::Unsatisfiable
            }
            Some(n) => Range::Bytes(size.saturating_sub(n), size - 1),
            None => Range::Whole,
        },
        (false, true) => match num(a) {
            Some(first) if first < size => Range::Bytes(first, size - 1),
            Some(_) => Range::Unsatisfiable,
            None => Range::Whole,
        },
        (false, false) => match (num(a), num(b)) {
            (Some(first), Some(last)) if first <= last => {
                if first >= size {
                    Range::Unsatisfiable
                } else {
                    Range::Bytes(first, last.min(size - 1))
                }
            }
            _ => Range::Whole,
        },
        (true, true) => Range::Whole,
    }
}

/// Whether `if_none_match` matches ETag `etag` (weak comparison, lists, `*`).
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').any(|t| {
        let t = t.trim();
        t == "*" || t.strip_prefix("W/").unwrap_or(t).trim_matches('"') == etag
    })
}

/// Compressed bodies by ETag and coding, and the bytes they hold.
type Compressed = (HashMap<(String, Coding), Bytes>, usize);

/// Compressed bodies of one worker version, by ETag and coding, up to a memory budget.
#[derive(Default)]
pub struct CompressedCache {
    map: Mutex<Compressed>,
}

impl CompressedCache {
    fn get_or_make(
        &self,
        etag: &str,
        coding: Coding,
        make: impl FnOnce() -> Option<Bytes>,
    ) -> Option<Bytes> {
        let key = (etag.to_string(), coding);
        if let Some(b) = self
            .map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .get(&key)
        {
            return Some(b.clone());
        }
        let made = make()?;
        let mut guard = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if guard.1 + made.len() <= COMPRESSED_CACHE_BYTES {
            guard.1 += made.len();
            guard.0.insert(key, made.clone());
        }
        Some(made)
    }
}

fn compress(data: &[u8], coding: Coding) -> Option<Bytes> {
    use std::io::Write as _;
    match coding {
        Coding::Gzip => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
            e.write_all(data).ok()?;
            e.finish().ok().map(Bytes::from)
        }
        Coding::Deflate => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
            e.write_all(data).ok()?;
            e.finish().ok().map(Bytes::from)
        }
        Coding::Br => {
            let mut out = Vec::new();
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, 6, 22);
                w.write_all(data).ok()?;
            }
            Some(Bytes::from(out))
        }
    }
}

/// What the request asks of the body.
pub struct Wants<'a> {
    /// `HEAD`: headers only.
    pub head: bool,
    /// `Range`, if any.
    pub range: Option<&'a str>,
    /// `If-Range`, if any.
    pub if_range: Option<&'a str>,
    /// `Accept-Encoding`, if any.
    pub accept_encoding: Option<&'a str>,
}

/// Where an asset's bytes come from.
pub enum Source {
    /// The file, open (large files, or before they are cached).
    File(std::fs::File),
    /// Its content, in memory ([`ContentCache`]).
    Memory(Bytes),
}

impl Source {
    fn len(&self, entry: &Entry) -> u64 {
        match self {
            Source::File(f) => f.metadata().map(|m| m.len()).unwrap_or(entry.size),
            Source::Memory(b) => b.len() as u64,
        }
    }

    /// `len` bytes from `first`.
    fn range(self, first: u64, len: u64) -> Option<AssetBody> {
        match self {
            Source::File(mut f) => {
                f.seek(SeekFrom::Start(first)).ok()?;
                Some(read_body(f, len))
            }
            Source::Memory(b) => {
                let end = first.checked_add(len)?.min(b.len() as u64);
                Some(AssetBody::Full(
                    b.slice(first.min(end) as usize..end as usize),
                ))
            }
        }
    }

    fn all(self, size: u64) -> AssetBody {
        match self {
            Source::File(f) => read_body(f, size),
            Source::Memory(b) => AssetBody::Full(b),
        }
    }

    fn bytes(&mut self, size: u64) -> Option<Vec<u8>> {
        match self {
            Source::File(f) => {
                let mut data = Vec::with_capacity(size as usize);
                f.read_to_end(&mut data).ok()?;
                Some(data)
            }
            Source::Memory(b) => Some(b.to_vec()),
        }
    }
}

/// Small assets' content by ETag, up to a memory budget: each is read (and its hash checked
/// against the index) once per worker version, then served with no file system call.
#[derive(Default)]
pub struct ContentCache {
    map: std::sync::RwLock<(HashMap<String, Bytes>, usize)>,
}

impl ContentCache {
    /// The content of `entry`, if cached.
    pub fn get(&self, entry: &Entry) -> Option<Bytes> {
        self.map
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .0
            .get(&entry.etag)
            .cloned()
    }

    /// Reads `entry`'s file at `path` whole and keeps it when its content still has the
    /// indexed hash and the budget allows. A file grown past [`INLINE_MAX`] since it was
    /// indexed comes back open, to be streamed.
    pub fn load(&self, entry: &Entry, path: &Path) -> std::io::Result<Source> {
        let mut file = std::fs::File::open(path)?;
        if file.metadata()?.len() > INLINE_MAX {
            return Ok(Source::File(file));
        }
        let mut data = Vec::with_capacity(entry.size as usize);
        (&mut file).take(INLINE_MAX + 1).read_to_end(&mut data)?;
        if data.len() as u64 > INLINE_MAX {
            file.seek(SeekFrom::Start(0))?;
            return Ok(Source::File(file));
        }
        let data = Bytes::from(data);
        if crate::manifest::hash_bytes(&data) != entry.etag {
            // Changed since it was indexed: served as it is now, not kept (the reload that
            // follows the change makes a new index).
            return Ok(Source::Memory(data));
        }
        let mut guard = self.map.write().unwrap_or_else(|p| p.into_inner());
        if guard.1 + data.len() <= CONTENT_CACHE_BYTES && !guard.0.contains_key(&entry.etag) {
            guard.1 += data.len();
            guard.0.insert(entry.etag.clone(), data.clone());
        }
        Ok(Source::Memory(data))
    }
}

/// The response for asset `entry` from `source`, with `status` (200, or 404 for a
/// `404.html`) and the asset headers already in `headers`.
pub fn asset_body_response(
    entry: &Entry,
    mut source: Source,
    status: u16,
    mut headers: HeaderMap,
    wants: &Wants<'_>,
    cache: &CompressedCache,
) -> AssetResponse {
    let size = source.len(entry);
    let can_compress = compressible(entry.content_type.as_deref());
    if can_compress {
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    // Ranges of the identity body, for a 200 only.
    let range_ok = status == 200
        && wants
            .if_range
            .is_none_or(|v| v.trim() == format!("\"{}\"", entry.etag));
    if let (true, Some(r)) = (range_ok, wants.range) {
        match parse_range(r, size) {
            Range::Whole => {}
            Range::Unsatisfiable => {
                let mut resp = AssetResponse::empty(416);
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    resp.headers.insert(header::CONTENT_RANGE, v);
                }
                return resp;
            }
            Range::Bytes(first, last) => {
                let len = last - first + 1;
                if let Ok(v) = HeaderValue::from_str(&format!("bytes {first}-{last}/{size}")) {
                    headers.insert(header::CONTENT_RANGE, v);
                }
                headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
                headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
                let body = if wants.head {
                    AssetBody::Empty
                } else {
                    match source.range(first, len) {
                        Some(b) => b,
                        None => return AssetResponse::empty(500),
                    }
                };
                return AssetResponse {
                    status: 206,
                    headers,
                    body,
                };
            }
        }
    }
    let coding = wants
        .accept_encoding
        .filter(|_| can_compress && (COMPRESS_MIN..=COMPRESS_MAX).contains(&size))
        .and_then(Coding::negotiate);
    if let Some(coding) = coding {
        let compressed = cache.get_or_make(&entry.etag, coding, || {
            compress(&source.bytes(size)?, coding)
        });
        if let Some(body) = compressed {
            headers.insert(
                header::CONTENT_ENCODING,
                HeaderValue::from_static(coding.name()),
            );
            // A different representation: the strong validator becomes weak (as Cloudflare
            // does when it compresses).
            if let Ok(v) = HeaderValue::from_str(&format!("W/\"{}\"", entry.etag)) {
                headers.insert(header::ETAG, v);
            }
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            return AssetResponse {
                status,
                headers,
                body: if wants.head {
                    AssetBody::Empty
                } else {
                    AssetBody::Full(body)
                },
            };
        }
        // Not compressed after all: the identity body, from the start.
        if let Source::File(f) = &mut source
            && f.seek(SeekFrom::Start(0)).is_err()
        {
            return AssetResponse::empty(500);
        }
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    let body = if wants.head {
        AssetBody::Empty
    } else {
        source.all(size)
    };
    AssetResponse {
        status,
        headers,
        body,
    }
}

/// `len` bytes from the file's position: read now when small, streamed when large.
fn read_body(mut file: std::fs::File, len: u64) -> AssetBody {
    if len <= INLINE_MAX {
        let mut buf = Vec::with_capacity(len as usize);
        return match (&mut file).take(len).read_to_end(&mut buf) {
            Ok(_) => AssetBody::Full(Bytes::from(buf)),
            Err(e) => {
                tracing::warn!("assets: reading a file failed: {e}");
                AssetBody::Empty
            }
        };
    }
    let file = tokio::fs::File::from_std(file);
    let stream = futures::stream::unfold((file, len), |(mut file, left)| async move {
        use tokio::io::AsyncReadExt as _;
        if left == 0 {
            return None;
        }
        let want = (left as usize).min(STREAM_CHUNK);
        let mut buf = vec![0u8; want];
        match file.read(&mut buf).await {
            Ok(0) => Some((
                Err("the file got shorter while it was sent".to_string()),
                (file, 0),
            )),
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), (file, left - n as u64)))
            }
            Err(e) => Some((Err(e.to_string()), (file, 0))),
        }
    });
    AssetBody::Stream(Box::pin(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_as_rfc_9110_says() {
        assert_eq!(parse_range("bytes=0-3", 10), Range::Bytes(0, 3));
        assert_eq!(parse_range("bytes=5-", 10), Range::Bytes(5, 9));
        assert_eq!(parse_range("bytes=-4", 10), Range::Bytes(6, 9));
        assert_eq!(parse_range("bytes=-40", 10), Range::Bytes(0, 9));
        assert_eq!(parse_range("bytes=8-100", 10), Range::Bytes(8, 9));
        assert_eq!(parse_range("bytes=10-", 10), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,4-5", 10), Range::Whole);
        assert_eq!(parse_range("items=0-1", 10), Range::Whole);
        assert_eq!(parse_range("bytes=3-1", 10), Range::Whole);
    }

    #[test]
    fn etags_match_weakly_and_in_lists() {
        assert!(none_match("\"abc\"", "abc"));
        assert!(none_match("W/\"abc\"", "abc"));
        assert!(none_match("\"x\", W/\"abc\"", "abc"));
        assert!(none_match("*", "abc"));
        assert!(!none_match("\"abd\"", "abc"));
    }
}
