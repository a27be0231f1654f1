//! JSON Web Key helpers shared by the algorithm modules (RFC 7517/7518 as WebCrypto's
//! import rules apply them).

use base64::Engine as _;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value, json};

use crate::error::{Result, data};
use crate::key::{Key, Usage};

/// base64url: no padding written; padding tolerated on read.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes bytes as base64url without padding.
pub fn b64url_encode(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

/// Decodes base64url (padding optional); failure is a `DataError` naming the member.
pub fn b64url_decode(s: &str, member: &str) -> Result<Vec<u8>> {
    B64URL.decode(s).map_err(|e| {
        data(format!(
            "JWK member \"{member}\" is not valid base64url: {e}"
        ))
    })
}

/// A JWK being imported.
pub(crate) struct Jwk<'a> {
    obj: &'a Map<String, Value>,
}

impl<'a> Jwk<'a> {
    pub(crate) fn new(value: &'a Value) -> Result<Self> {
        match value {
            Value::Object(obj) => Ok(Jwk { obj }),
            other => Err(data(format!("JWK must be an object, got {other}"))),
        }
    }

    pub(crate) fn str(&self, member: &str) -> Result<Option<&'a str>> {
        match self.obj.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(data(format!(
                "JWK member \"{member}\" must be a string, got {other}"
            ))),
        }
    }

    pub(crate) fn has(&self, member: &str) -> bool {
        !matches!(self.obj.get(member), None | Some(Value::Null))
    }

    pub(crate) fn bytes(&self, member: &str) -> Result<Option<Vec<u8>>> {
        self.str(member)?
            .map(|s| b64url_decode(s, member))
            .transpose()
    }

    pub(crate) fn req_bytes(&self, member: &str) -> Result<Vec<u8>> {
        self.bytes(member)?
            .ok_or_else(|| data(format!("JWK member \"{member}\" is required")))
    }

    /// `kty` must equal `expected`.
    pub(crate) fn expect_kty(&self, expected: &str) -> Result<()> {
        match self.str("kty")? {
            Some(k) if k == expected => Ok(()),
            Some(k) => Err(data(format!(
                "JWK \"kty\" must be \"{expected}\", got \"{k}\""
            ))),
            None => Err(data(format!(
                "JWK member \"kty\" is required (expected \"{expected}\")"
            ))),
        }
    }

    /// `alg`, when present, must be one of `allowed`.
    pub(crate) fn expect_alg(&self, allowed: &[&str]) -> Result<()> {
        match self.str("alg")? {
            Some(a) if !allowed.contains(&a) => Err(data(format!(
                "JWK \"alg\" \"{a}\" does not match the algorithm; expected {}",
                allowed.join(" or ")
            ))),
            _ => Ok(()),
        }
    }

    /// The `use`, `key_ops` and `ext` rules every WebCrypto JWK import applies.
    pub(crate) fn check_use_ops_ext(
        &self,
        usages: &[Usage],
        expected_use: &str,
        extractable: bool,
    ) -> Result<()> {
        if let Some(u) = self.str("use")?
            && !usages.is_empty()
            && u != expected_use
        {
            return Err(data(format!(
                "JWK \"use\" must be \"{expected_use}\" for these usages, got \"{u}\""
            )));
        }
        if let Some(ops) = self.obj.get("key_ops").filter(|v| !v.is_null()) {
            let Value::Array(ops) = ops else {
                return Err(data(format!("JWK \"key_ops\" must be an array, got {ops}")));
            };
            let mut seen = Vec::new();
            for op in ops {
                let Some(op) = op.as_str() else {
                    return Err(data(format!(
                        "JWK \"key_ops\" entries must be strings, got {op}"
                    )));
                };
                if seen.contains(&op) {
                    return Err(data(format!("JWK \"key_ops\" repeats \"{op}\"")));
                }
                seen.push(op);
            }
            if let Some(missing) = usages.iter().find(|u| !seen.contains(&u.as_str())) {
                return Err(data(format!(
                    "JWK \"key_ops\" [{}] does not include requested usage \"{}\"",
                    seen.join(", "),
                    missing.as_str()
                )));
            }
        }
        match self.obj.get("ext") {
            Some(Value::Bool(false)) if extractable => Err(data(
                "JWK has \"ext\": false but the key was requested as extractable",
            )),
            Some(Value::Bool(_)) | None | Some(Value::Null) => Ok(()),
            Some(other) => Err(data(format!("JWK \"ext\" must be a boolean, got {other}"))),
        }
    }
}

/// Starts an exported JWK with `kty`.
pub(crate) fn export_start(kty: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kty".into(), json!(kty));
    m
}

/// Adds a base64url member.
pub(crate) fn put(m: &mut Map<String, Value>, member: &str, bytes: &[u8]) {
    m.insert(member.into(), json!(b64url_encode(bytes)));
}

/// Adds `key_ops` and `ext` from the key, finishing the export.
pub(crate) fn export_finish(mut m: Map<String, Value>, key: &Key) -> Value {
    m.insert("key_ops".into(), json!(key.usage_strings()));
    m.insert("ext".into(), json!(key.extractable));
    Value::Object(m)
}
