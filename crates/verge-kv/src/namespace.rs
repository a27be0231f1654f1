//! The KV namespace: Workers KV semantics over a [`KvBackend`], without JavaScript.
//!
//! Every validation and message of workers-api.md §4 lives here; the JS glue only converts
//! arguments (numbers arrive as the JS `f64` they were, so `NaN` and fractions are judged
//! here) and results.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use verge_store::{Clock, KvBackend, KvEntry, KvListQuery};

use crate::error::{KvError, KvOp, js_number};
use crate::limits::{
    MAX_KEY_BYTES, MAX_LIST_LIMIT, MAX_METADATA_BYTES, MAX_VALUE_BYTES, MIN_CACHE_TTL_SECS,
    MIN_EXPIRATION_TTL_SECS,
};

/// The `type` argument of `get`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KvValueType {
    /// `"text"` (the default): a string.
    #[default]
    Text,
    /// `"json"`: parsed JSON.
    Json,
    /// `"arrayBuffer"`.
    ArrayBuffer,
    /// `"stream"`: a `ReadableStream`.
    Stream,
}

impl KvValueType {
    /// Parses the JS name; unknown names are a `TypeError`.
    pub fn parse(name: &str) -> Result<Self, KvError> {
        match name {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            "arrayBuffer" => Ok(Self::ArrayBuffer),
            "stream" => Ok(Self::Stream),
            other => Err(KvError::UnknownType {
                given: other.to_owned(),
            }),
        }
    }

    /// The JS name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
            Self::ArrayBuffer => "arrayBuffer",
            Self::Stream => "stream",
        }
    }
}

/// Options of `get` / `getWithMetadata`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KvGetOptions {
    /// `cacheTtl` in seconds, as the JS number given. Validated (≥ 30); a single node has no
    /// edge cache, so it has no other effect.
    pub cache_ttl: Option<f64>,
}

/// Options of `put`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KvPutOptions {
    /// Absolute expiry, epoch seconds, as the JS number given.
    pub expiration: Option<f64>,
    /// Expiry relative to now in seconds, as the JS number given. Wins over `expiration`.
    pub expiration_ttl: Option<f64>,
    /// Arbitrary JSON; `null` is the same as none.
    pub metadata: Option<Value>,
}

/// Options of `list`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KvListOptions {
    /// Only keys starting with this.
    pub prefix: Option<String>,
    /// Page size, as the JS number given; default [`MAX_LIST_LIMIT`].
    pub limit: Option<f64>,
    /// The `cursor` of the previous page; empty means none.
    pub cursor: Option<String>,
}

/// A value read with its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct KvValue {
    /// The stored bytes; the glue converts them per [`KvValueType`].
    pub value: Vec<u8>,
    /// Parsed metadata, `None` → JS `null`.
    pub metadata: Option<Value>,
    /// Absolute expiry in epoch seconds.
    pub expiration: Option<u64>,
}

/// One key of a `list` page.
#[derive(Debug, Clone, PartialEq)]
pub struct KvListKey {
    /// The key.
    pub name: String,
    /// Absolute expiry in epoch seconds; omit the property when `None`.
    pub expiration: Option<u64>,
    /// Metadata; omit the property when `None`.
    pub metadata: Option<Value>,
}

/// A `list` page: `{keys, list_complete, cursor?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct KvListResult {
    /// Keys in UTF-8 byte order.
    pub keys: Vec<KvListKey>,
    /// No more keys after these.
    pub list_complete: bool,
    /// Pass back as `cursor` for the next page; present only when `list_complete` is false.
    pub cursor: Option<String>,
}

/// One KV namespace binding.
#[derive(Clone)]
pub struct KvNamespace {
    backend: Arc<dyn KvBackend>,
    namespace: String,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for KvNamespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvNamespace")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// Checks a single key: empty and dot keys are `TypeError`s, long keys an `Error` naming `op`.
pub fn validate_key(op: KvOp, key: &str) -> Result<(), KvError> {
    if key.is_empty() {
        return Err(KvError::EmptyKey);
    }
    if key == "." || key == ".." {
        return Err(KvError::DotKey {
            key: key.to_owned(),
        });
    }
    check_key_len(op, key)
}

fn check_key_len(op: KvOp, key: &str) -> Result<(), KvError> {
    if key.len() > MAX_KEY_BYTES {
        return Err(KvError::KeyTooLong {
            op,
            len: key.len(),
            max: MAX_KEY_BYTES,
        });
    }
    Ok(())
}

fn validate_cache_ttl(op: KvOp, options: &KvGetOptions) -> Result<(), KvError> {
    match options.cache_ttl {
        #[allow(clippy::cast_precision_loss, reason = "small constant")]
        Some(ttl) if ttl.is_nan() || ttl < MIN_CACHE_TTL_SECS as f64 => {
            Err(KvError::CacheTtlTooSmall {
                op,
                ttl: js_number(ttl),
                min: MIN_CACHE_TTL_SECS,
            })
        }
        _ => Ok(()),
    }
}

/// Encodes a key as an opaque cursor.
pub fn encode_cursor(key: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// Decodes a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Result<Vec<u8>, KvError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| KvError::InvalidCursor)
}

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "callers check the value is positive and finite; saturating is intended"
)]
fn whole_secs(n: f64) -> u64 {
    n.trunc() as u64
}

impl KvNamespace {
    /// The namespace `namespace` (its id) of `backend`, reading time from `clock`.
    pub fn new(
        backend: Arc<dyn KvBackend>,
        namespace: impl Into<String>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            backend,
            namespace: namespace.into(),
            clock,
        }
    }

    /// The namespace id.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    fn decode_entry(op: KvOp, entry: KvEntry) -> Result<KvValue, KvError> {
        let metadata = match entry.metadata {
            None => None,
            Some(json) => Some(
                serde_json::from_str(&json)
                    .map_err(|source| KvError::CorruptMetadata { op, source })?,
            ),
        };
        Ok(KvValue {
            value: entry.value,
            metadata,
            expiration: entry.expiration,
        })
    }

    /// `get(key)`: the value bytes, or `None` when missing or expired.
    pub fn get(&self, key: &str, options: &KvGetOptions) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.get_with_metadata(key, options)?.map(|v| v.value))
    }

    /// `getWithMetadata(key)`.
    pub fn get_with_metadata(
        &self,
        key: &str,
        options: &KvGetOptions,
    ) -> Result<Option<KvValue>, KvError> {
        validate_key(KvOp::Get, key)?;
        validate_cache_ttl(KvOp::Get, options)?;
        let entry = self
            .backend
            .get(&self.namespace, key.as_bytes(), self.clock.now_ms())
            .map_err(|source| KvError::Backend {
                op: KvOp::Get,
                source,
            })?;
        entry.map(|e| Self::decode_entry(KvOp::Get, e)).transpose()
    }

    /// `get(keys[])` / `getWithMetadata(keys[])`: 1 to 100 keys, type `text` or `json` only;
    /// results in the order asked (the glue builds the `Map`).
    pub fn get_many(
        &self,
        keys: &[String],
        value_type: KvValueType,
        options: &KvGetOptions,
    ) -> Result<Vec<(String, Option<KvValue>)>, KvError> {
        if !matches!(value_type, KvValueType::Text | KvValueType::Json) {
            return Err(KvError::BulkInvalidType {
                given: value_type.as_str().to_owned(),
            });
        }
        KvError::check_bulk_count(keys.len())?;
        for key in keys {
            if key.is_empty() || key == "." || key == ".." {
                return Err(KvError::BulkKeyIllegal { key: key.clone() });
            }
            check_key_len(KvOp::GetBulk, key)?;
        }
        validate_cache_ttl(KvOp::GetBulk, options)?;
        let raw: Vec<&[u8]> = keys.iter().map(|k| k.as_bytes()).collect();
        let entries = self
            .backend
            .get_many(&self.namespace, &raw, self.clock.now_ms())
            .map_err(|source| KvError::Backend {
                op: KvOp::GetBulk,
                source,
            })?;
        keys.iter()
            .cloned()
            .zip(entries)
            .map(|(key, entry)| {
                let value = entry
                    .map(|e| Self::decode_entry(KvOp::GetBulk, e))
                    .transpose()?;
                Ok((key, value))
            })
            .collect()
    }

    /// `put(key, value, options)`.
    pub fn put(&self, key: &str, value: Vec<u8>, options: &KvPutOptions) -> Result<(), KvError> {
        validate_key(KvOp::Put, key)?;
        let now_secs = self.clock.now_secs();
        let expiration = self.expiration_for(options, now_secs)?;
        let metadata = match &options.metadata {
            None | Some(Value::Null) => None,
            Some(meta) => {
                let json =
                    serde_json::to_string(meta).map_err(|source| KvError::CorruptMetadata {
                        op: KvOp::Put,
                        source,
                    })?;
                if json.len() > MAX_METADATA_BYTES {
                    return Err(KvError::MetadataTooLarge {
                        len: json.len(),
                        max: MAX_METADATA_BYTES,
                    });
                }
                Some(json)
            }
        };
        if value.len() > MAX_VALUE_BYTES {
            return Err(KvError::ValueTooLarge {
                len: value.len(),
                max: MAX_VALUE_BYTES,
            });
        }
        self.backend
            .put(
                &self.namespace,
                key.as_bytes(),
                KvEntry {
                    value,
                    expiration,
                    metadata,
                },
            )
            .map_err(|source| KvError::Backend {
                op: KvOp::Put,
                source,
            })
    }

    #[allow(
        clippy::cast_precision_loss,
        reason = "epoch seconds fit an f64 exactly"
    )]
    fn expiration_for(
        &self,
        options: &KvPutOptions,
        now_secs: u64,
    ) -> Result<Option<u64>, KvError> {
        if let Some(ttl) = options.expiration_ttl {
            if ttl.is_nan() || ttl <= 0.0 {
                return Err(KvError::ExpirationTtlNotPositive {
                    ttl: js_number(ttl),
                });
            }
            if ttl < MIN_EXPIRATION_TTL_SECS as f64 {
                return Err(KvError::ExpirationTtlTooSmall {
                    ttl: js_number(ttl),
                    min: MIN_EXPIRATION_TTL_SECS,
                });
            }
            return Ok(Some(now_secs.saturating_add(whole_secs(ttl))));
        }
        if let Some(exp) = options.expiration {
            if exp.is_nan() || exp <= now_secs as f64 {
                return Err(KvError::ExpirationInPast {
                    expiration: js_number(exp),
                });
            }
            if exp < (now_secs + MIN_EXPIRATION_TTL_SECS) as f64 {
                return Err(KvError::ExpirationTooSoon {
                    expiration: js_number(exp),
                    min: MIN_EXPIRATION_TTL_SECS,
                });
            }
            return Ok(Some(whole_secs(exp)));
        }
        Ok(None)
    }

    /// `delete(key)`: succeeds whether or not the key exists.
    pub fn delete(&self, key: &str) -> Result<(), KvError> {
        validate_key(KvOp::Delete, key)?;
        self.backend
            .delete(&self.namespace, key.as_bytes())
            .map_err(|source| KvError::Backend {
                op: KvOp::Delete,
                source,
            })
    }

    /// `list({prefix, limit, cursor})`.
    pub fn list(&self, options: &KvListOptions) -> Result<KvListResult, KvError> {
        let limit = match options.limit {
            None => MAX_LIST_LIMIT,
            Some(l) if l.is_nan() || l < 1.0 => {
                return Err(KvError::ListLimitTooSmall {
                    limit: js_number(l),
                });
            }
            #[allow(clippy::cast_precision_loss, reason = "small constant")]
            Some(l) if l > MAX_LIST_LIMIT as f64 => return Err(KvError::list_limit_too_large(l)),
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "checked to be in 1..=1000"
            )]
            Some(l) => l.trunc() as usize,
        };
        let prefix = options.prefix.as_deref().unwrap_or("");
        check_key_len(KvOp::List, prefix)?;
        let after = match options.cursor.as_deref() {
            None | Some("") => None,
            Some(cursor) => Some(decode_cursor(cursor)?),
        };
        let mut page = self
            .backend
            .list(
                &self.namespace,
                &KvListQuery {
                    prefix: prefix.as_bytes(),
                    start_after: after.as_deref(),
                    limit: limit + 1,
                },
                self.clock.now_ms(),
            )
            .map_err(|source| KvError::Backend {
                op: KvOp::List,
                source,
            })?;
        let list_complete = page.len() <= limit;
        page.truncate(limit);
        let cursor = if list_complete {
            None
        } else {
            page.last().map(|k| encode_cursor(&k.key))
        };
        let keys = page
            .into_iter()
            .map(|info| {
                let metadata = match info.metadata {
                    None => None,
                    Some(json) => Some(serde_json::from_str(&json).map_err(|source| {
                        KvError::CorruptMetadata {
                            op: KvOp::List,
                            source,
                        }
                    })?),
                };
                Ok(KvListKey {
                    name: String::from_utf8_lossy(&info.key).into_owned(),
                    expiration: info.expiration,
                    metadata,
                })
            })
            .collect::<Result<Vec<_>, KvError>>()?;
        Ok(KvListResult {
            keys,
            list_complete,
            cursor,
        })
    }

    /// Physically removes expired entries of every namespace in the backend (reads never
    /// see them anyway); returns how many. The runtime calls this periodically.
    pub fn purge_expired(&self) -> Result<u64, KvError> {
        self.backend
            .purge_expired(self.clock.now_ms())
            .map_err(|source| KvError::Backend {
                op: KvOp::Delete,
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use verge_js::JsClass;
    use verge_store::ManualClock;
    use verge_store::memory::MemoryKvStore;
    use verge_store::sqlite::SqliteKvStore;

    /// 2026-01-01T00:00:00Z
    const START_MS: u64 = 1_767_225_600_000;
    const START_S: u64 = START_MS / 1000;

    struct Fixture {
        _dir: Option<tempfile::TempDir>,
        kv: KvNamespace,
        clock: Arc<ManualClock>,
    }

    fn sqlite() -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteKvStore::open_in(dir.path()).expect("open"));
        let clock = Arc::new(ManualClock::new(START_MS));
        Fixture {
            kv: KvNamespace::new(store, "ns", clock.clone()),
            _dir: Some(dir),
            clock,
        }
    }

    fn memory() -> Fixture {
        let clock = Arc::new(ManualClock::new(START_MS));
        Fixture {
            kv: KvNamespace::new(Arc::new(MemoryKvStore::new()), "ns", clock.clone()),
            _dir: None,
            clock,
        }
    }

    fn opts() -> KvGetOptions {
        KvGetOptions::default()
    }

    fn put(kv: &KvNamespace, key: &str, value: &str) {
        kv.put(key, value.as_bytes().to_vec(), &KvPutOptions::default())
            .expect("put");
    }

    fn message<T: std::fmt::Debug>(r: Result<T, KvError>) -> (JsClass, String) {
        let e = r.expect_err("should fail");
        (e.js_class(), e.to_string())
    }

    fn put_get_delete_roundtrip(f: Fixture) {
        let kv = &f.kv;
        assert_eq!(kv.get("k", &opts()).expect("get"), None);
        put(kv, "k", "v");
        assert_eq!(kv.get("k", &opts()).expect("get"), Some(b"v".to_vec()));
        let with = kv
            .get_with_metadata("k", &opts())
            .expect("get")
            .expect("present");
        assert_eq!(with.metadata, None);
        kv.delete("k").expect("delete");
        kv.delete("k").expect("delete absent");
        assert_eq!(kv.get("k", &opts()).expect("get"), None);
    }

    fn metadata_roundtrips_and_is_listed(f: Fixture) {
        let kv = &f.kv;
        let meta = json!({"a": [1, 2], "b": "x"});
        kv.put(
            "k",
            b"v".to_vec(),
            &KvPutOptions {
                metadata: Some(meta.clone()),
                expiration_ttl: Some(120.0),
                ..Default::default()
            },
        )
        .expect("put");
        let got = kv
            .get_with_metadata("k", &opts())
            .expect("get")
            .expect("present");
        assert_eq!(got.metadata, Some(meta.clone()));
        assert_eq!(got.expiration, Some(START_S + 120));
        let page = kv.list(&KvListOptions::default()).expect("list");
        assert_eq!(
            page.keys,
            vec![KvListKey {
                name: "k".into(),
                expiration: Some(START_S + 120),
                metadata: Some(meta),
            }]
        );
        assert!(page.list_complete);
        assert_eq!(page.cursor, None);
    }

    fn ttl_expiry_follows_the_clock(f: Fixture) {
        let kv = &f.kv;
        kv.put(
            "ttl",
            b"v".to_vec(),
            &KvPutOptions {
                expiration_ttl: Some(60.0),
                ..Default::default()
            },
        )
        .expect("put");
        kv.put(
            "abs",
            b"v".to_vec(),
            &KvPutOptions {
                expiration: Some((START_S + 90) as f64),
                ..Default::default()
            },
        )
        .expect("put");
        f.clock.advance_secs(59);
        assert!(kv.get("ttl", &opts()).expect("get").is_some());
        f.clock.advance_secs(1);
        assert_eq!(
            kv.get("ttl", &opts()).expect("get"),
            None,
            "expired at +60s"
        );
        assert!(kv.get("abs", &opts()).expect("get").is_some());
        let names: Vec<String> = kv
            .list(&KvListOptions::default())
            .expect("list")
            .keys
            .into_iter()
            .map(|k| k.name)
            .collect();
        assert_eq!(names, vec!["abs"]);
        f.clock.advance_secs(30);
        assert_eq!(kv.get("abs", &opts()).expect("get"), None);
        assert_eq!(kv.purge_expired().expect("purge"), 2);
    }

    fn get_many_answers_in_order(f: Fixture) {
        let kv = &f.kv;
        put(kv, "a", "1");
        put(kv, "c", "3");
        let keys = vec!["c".to_owned(), "b".to_owned(), "a".to_owned()];
        let got = kv
            .get_many(&keys, KvValueType::Json, &opts())
            .expect("get_many");
        let values: Vec<Option<Vec<u8>>> =
            got.into_iter().map(|(_, v)| v.map(|v| v.value)).collect();
        assert_eq!(values, vec![Some(b"3".to_vec()), None, Some(b"1".to_vec())]);
    }

    fn list_paginates_with_cursor(f: Fixture) {
        let kv = &f.kv;
        for k in ["p/3", "p/1", "q", "p/2", "o"] {
            put(kv, k, "v");
        }
        let first = kv
            .list(&KvListOptions {
                prefix: Some("p/".into()),
                limit: Some(2.0),
                cursor: None,
            })
            .expect("list");
        let names: Vec<&str> = first.keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, vec!["p/1", "p/2"]);
        assert!(!first.list_complete);
        let second = kv
            .list(&KvListOptions {
                prefix: Some("p/".into()),
                limit: Some(2.0),
                cursor: first.cursor.clone(),
            })
            .expect("list");
        let names: Vec<&str> = second.keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, vec!["p/3"]);
        assert!(second.list_complete);
        assert_eq!(second.cursor, None);
    }

    macro_rules! on_every_backend {
        ($($case:ident),* $(,)?) => {
            mod on_sqlite { $( #[test] fn $case() { super::$case(super::sqlite()); } )* }
            mod on_memory { $( #[test] fn $case() { super::$case(super::memory()); } )* }
        };
    }

    on_every_backend!(
        put_get_delete_roundtrip,
        metadata_roundtrips_and_is_listed,
        ttl_expiry_follows_the_clock,
        get_many_answers_in_order,
        list_paginates_with_cursor,
    );

    #[test]
    fn key_validation_matches_the_workers_messages() {
        let f = memory();
        let kv = &f.kv;
        assert_eq!(
            message(kv.get("", &opts())),
            (JsClass::TypeError, "Key name cannot be empty.".into())
        );
        assert_eq!(
            message(kv.delete("..")),
            (
                JsClass::TypeError,
                "\"..\" is not allowed as a key name.".into()
            )
        );
        let long = "é".repeat(257);
        assert_eq!(
            message(kv.get(&long, &opts())),
            (
                JsClass::Error,
                "KV GET failed: 414 UTF-8 encoded length of 514 exceeds key length limit of 512."
                    .into()
            )
        );
        assert_eq!(
            message(kv.put(&long, vec![], &KvPutOptions::default())).1,
            "KV PUT failed: 414 UTF-8 encoded length of 514 exceeds key length limit of 512."
        );
        assert_eq!(
            message(kv.delete(&long)).1,
            "KV DELETE failed: 414 UTF-8 encoded length of 514 exceeds key length limit of 512."
        );
        assert!(kv.get(&"x".repeat(512), &opts()).is_ok());
    }

    #[test]
    fn expiration_validation_matches_the_workers_messages() {
        let f = memory();
        let kv = &f.kv;
        let put_with = |o: KvPutOptions| message(kv.put("k", b"v".to_vec(), &o)).1;
        assert_eq!(
            put_with(KvPutOptions {
                expiration_ttl: Some(59.0),
                ..Default::default()
            }),
            "KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60."
        );
        assert_eq!(
            put_with(KvPutOptions {
                expiration_ttl: Some(0.0),
                ..Default::default()
            }),
            "KV PUT failed: 400 Invalid expiration_ttl of 0. Please specify integer greater than 0."
        );
        let soon = START_S + 59;
        assert_eq!(
            put_with(KvPutOptions {
                expiration: Some(soon as f64),
                ..Default::default()
            }),
            format!(
                "KV PUT failed: 400 Invalid expiration of {soon}. Expiration times must be at least 60 seconds in the future."
            )
        );
        assert_eq!(
            put_with(KvPutOptions {
                expiration: Some(START_S as f64),
                ..Default::default()
            }),
            format!(
                "KV PUT failed: 400 Invalid expiration of {START_S}. Please specify integer greater than the current number of seconds since the UNIX epoch."
            )
        );
        assert!(
            kv.put(
                "k",
                b"v".to_vec(),
                &KvPutOptions {
                    expiration: Some((START_S + 60) as f64),
                    ..Default::default()
                }
            )
            .is_ok()
        );
    }

    #[test]
    fn size_limits_match_the_workers_messages() {
        let f = memory();
        let kv = &f.kv;
        let big_meta = json!({ "k": "x".repeat(1020) });
        assert_eq!(
            message(kv.put(
                "k",
                vec![],
                &KvPutOptions {
                    metadata: Some(big_meta),
                    ..Default::default()
                }
            ))
            .1,
            "KV PUT failed: 413 Metadata length of 1028 exceeds limit of 1024."
        );
        let value = vec![0u8; MAX_VALUE_BYTES + 1];
        assert_eq!(
            message(kv.put("k", value, &KvPutOptions::default())).1,
            "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400."
        );
    }

    #[test]
    fn cache_ttl_and_types_are_validated() {
        let f = memory();
        let kv = &f.kv;
        let low = KvGetOptions {
            cache_ttl: Some(29.0),
        };
        assert_eq!(
            message(kv.get("k", &low)).1,
            "KV GET failed: 400 Invalid cache_ttl of 29. Cache TTL must be at least 30."
        );
        assert!(
            kv.get(
                "k",
                &KvGetOptions {
                    cache_ttl: Some(30.0)
                }
            )
            .is_ok()
        );
        assert_eq!(
            message(KvValueType::parse("banana")),
            (
                JsClass::TypeError,
                "Unknown response type. Possible types are \"text\", \"arrayBuffer\", \"json\", and \"stream\"."
                    .into()
            )
        );
        assert_eq!(
            message(kv.get_many(&["k".into()], KvValueType::Stream, &opts())).1,
            "KV GET_BULK failed: 400 \"stream\" is not a valid type. Use \"json\" or \"text\""
        );
    }

    #[test]
    fn bulk_get_validates_count_and_keys() {
        let f = memory();
        let kv = &f.kv;
        let text = KvValueType::Text;
        assert_eq!(
            message(kv.get_many(&[], text, &opts())).1,
            "KV GET_BULK failed: 400 You must request a minimum of 1 key"
        );
        let many: Vec<String> = (0..101).map(|i| format!("k{i}")).collect();
        assert_eq!(
            message(kv.get_many(&many, text, &opts())).1,
            "KV GET_BULK failed: 400 You can request a maximum of 100 keys"
        );
        assert!(kv.get_many(&many[..100], text, &opts()).is_ok());
        assert_eq!(
            message(kv.get_many(&[".".into()], text, &opts())).1,
            "KV GET_BULK failed: 400 Key name . is not legal"
        );
        assert_eq!(
            message(kv.get_many(&["x".repeat(513)], text, &opts())).1,
            "KV GET_BULK failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."
        );
    }

    #[test]
    fn list_limit_and_cursor_are_validated() {
        let f = memory();
        let kv = &f.kv;
        let list = |limit: f64| {
            message(kv.list(&KvListOptions {
                limit: Some(limit),
                ..Default::default()
            }))
            .1
        };
        assert_eq!(
            list(0.0),
            "KV GET failed: 400 Invalid key_count_limit of 0. Please specify an integer greater than 0."
        );
        assert_eq!(
            list(1001.0),
            "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000."
        );
        assert!(
            kv.list(&KvListOptions {
                limit: Some(1000.0),
                ..Default::default()
            })
            .is_ok()
        );
        assert_eq!(
            message(kv.list(&KvListOptions {
                cursor: Some("!!!".into()),
                ..Default::default()
            }))
            .1,
            "KV GET failed: 400 Invalid cursor"
        );
    }

    #[test]
    fn list_cursor_resumes_after_last_key_even_with_odd_bytes() {
        let f = sqlite();
        let kv = &f.kv;
        let keys = [
            "a",
            "a\u{0}",
            "a\u{0}b",
            "a\u{10FFFF}",
            "a/",
            "a=",
            "a\u{7F}",
        ];
        for k in keys {
            put(kv, k, "v");
        }
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = kv
                .list(&KvListOptions {
                    limit: Some(1.0),
                    cursor: cursor.clone(),
                    ..Default::default()
                })
                .expect("list");
            seen.extend(page.keys.into_iter().map(|k| k.name));
            if page.list_complete {
                break;
            }
            cursor = page.cursor;
        }
        let mut expected: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        expected.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        assert_eq!(seen, expected);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn list_pagination_returns_every_live_key_once_in_byte_order(
            keys in proptest::collection::btree_set("[a-c\u{0}\u{7f}\u{e9}\u{1F600}/]{1,6}", 0..60),
            expiring in proptest::collection::vec(any::<bool>(), 60),
            limit in 1usize..7,
            prefix in proptest::option::of("[a-c]{0,2}"),
        ) {
            let f = sqlite();
            let kv = &f.kv;
            let mut live = Vec::new();
            for (i, key) in keys.iter().enumerate() {
                let ttl = if expiring[i] { Some(60.0) } else { None };
                kv.put(key, vec![1], &KvPutOptions { expiration_ttl: ttl, ..Default::default() })
                    .expect("put");
                let matches = prefix.as_deref().is_none_or(|p| key.starts_with(p));
                if !expiring[i] && matches {
                    live.push(key.clone());
                }
            }
            f.clock.advance_secs(60);
            live.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            let mut seen = Vec::new();
            let mut cursor = None;
            loop {
                let page = kv.list(&KvListOptions {
                    prefix: prefix.clone(),
                    limit: Some(limit as f64),
                    cursor: cursor.clone(),
                }).expect("list");
                prop_assert!(page.keys.len() <= limit);
                prop_assert_eq!(page.cursor.is_some(), !page.list_complete);
                seen.extend(page.keys.into_iter().map(|k| k.name));
                if page.list_complete { break; }
                cursor = page.cursor;
            }
            prop_assert_eq!(seen, live);
        }
    }
}
