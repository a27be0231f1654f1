//! `CryptoKey` data: type, extractability, algorithm, usages and the (private) material.

use std::sync::Arc;

use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::error::{Result, syntax, type_err};
use crate::names::{AlgorithmName, Hash, NamedCurve};

/// `CryptoKey.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `"secret"`
    Secret,
    /// `"public"`
    Public,
    /// `"private"`
    Private,
}

impl KeyType {
    /// The JS string.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Secret => "secret",
            KeyType::Public => "public",
            KeyType::Private => "private",
        }
    }
}

/// A `KeyUsage`. Declared in the canonical order in which [`Key::usages`] lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Usage {
    /// `"encrypt"`
    Encrypt,
    /// `"decrypt"`
    Decrypt,
    /// `"sign"`
    Sign,
    /// `"verify"`
    Verify,
    /// `"deriveKey"`
    DeriveKey,
    /// `"deriveBits"`
    DeriveBits,
    /// `"wrapKey"`
    WrapKey,
    /// `"unwrapKey"`
    UnwrapKey,
}

impl Usage {
    /// All usages, canonical order.
    pub const ALL: [Usage; 8] = [
        Usage::Encrypt,
        Usage::Decrypt,
        Usage::Sign,
        Usage::Verify,
        Usage::DeriveKey,
        Usage::DeriveBits,
        Usage::WrapKey,
        Usage::UnwrapKey,
    ];

    /// Parses a JS usage string (case-sensitive, as a WebIDL enum); unknown is a `TypeError`.
    pub fn parse(s: &str) -> Result<Self> {
        Usage::ALL
            .into_iter()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| type_err(format!("\"{s}\" is not a valid KeyUsage")))
    }

    /// Parses a list of usage strings.
    pub fn parse_list<S: AsRef<str>>(list: &[S]) -> Result<Vec<Usage>> {
        list.iter().map(|s| Usage::parse(s.as_ref())).collect()
    }

    /// The JS string.
    pub fn as_str(self) -> &'static str {
        match self {
            Usage::Encrypt => "encrypt",
            Usage::Decrypt => "decrypt",
            Usage::Sign => "sign",
            Usage::Verify => "verify",
            Usage::DeriveKey => "deriveKey",
            Usage::DeriveBits => "deriveBits",
            Usage::WrapKey => "wrapKey",
            Usage::UnwrapKey => "unwrapKey",
        }
    }
}

/// `KeyFormat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFormat {
    /// `"raw"`
    Raw,
    /// `"spki"`
    Spki,
    /// `"pkcs8"`
    Pkcs8,
    /// `"jwk"`
    Jwk,
}

impl KeyFormat {
    /// Parses a JS format string; unknown is a `TypeError`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "raw" => Ok(KeyFormat::Raw),
            "spki" => Ok(KeyFormat::Spki),
            "pkcs8" => Ok(KeyFormat::Pkcs8),
            "jwk" => Ok(KeyFormat::Jwk),
            other => Err(type_err(format!(
                "\"{other}\" is not a valid KeyFormat; expected raw, spki, pkcs8 or jwk"
            ))),
        }
    }

    /// The JS string.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyFormat::Raw => "raw",
            KeyFormat::Spki => "spki",
            KeyFormat::Pkcs8 => "pkcs8",
            KeyFormat::Jwk => "jwk",
        }
    }
}

/// `importKey`'s `keyData`: bytes for raw/spki/pkcs8, a JSON object for jwk.
#[derive(Clone, Debug)]
pub enum KeyData {
    /// `BufferSource` contents.
    Bytes(Vec<u8>),
    /// A `JsonWebKey` dictionary.
    Jwk(Value),
}

/// `exportKey`'s result: bytes (an `ArrayBuffer`) or a JWK object.
#[derive(Clone, Debug, PartialEq)]
pub enum ExportedKey {
    /// raw/spki/pkcs8.
    Bytes(Vec<u8>),
    /// jwk.
    Jwk(Value),
}

/// `CryptoKey.algorithm` as data. Fields that do not apply to the algorithm are `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyAlgorithm {
    /// `name`
    pub name: AlgorithmName,
    /// `hash` (HMAC, RSA)
    pub hash: Option<Hash>,
    /// `length` in bits (HMAC, AES)
    pub length: Option<u32>,
    /// `namedCurve` (ECDSA, ECDH)
    pub named_curve: Option<NamedCurve>,
    /// `modulusLength` (RSA)
    pub modulus_length: Option<u32>,
    /// `publicExponent` as big-endian bytes (RSA); a `Uint8Array` in JS
    pub public_exponent: Option<Vec<u8>>,
}

impl KeyAlgorithm {
    /// An algorithm with only a name.
    pub fn named(name: AlgorithmName) -> Self {
        KeyAlgorithm {
            name,
            hash: None,
            length: None,
            named_curve: None,
            modulus_length: None,
            public_exponent: None,
        }
    }
}

/// The key material. Private to the crate; cheap to clone through [`Key`]'s `Arc`.
pub(crate) enum KeyMaterial {
    Secret(Zeroizing<Vec<u8>>),
    RsaPublic(rsa::RsaPublicKey),
    RsaPrivate(rsa::RsaPrivateKey),
    P256Public(p256::PublicKey),
    P256Private(p256::SecretKey),
    P384Public(p384::PublicKey),
    P384Private(p384::SecretKey),
    /// A P-521 public key.
    P521Public(p521::PublicKey),
    /// A P-521 private key.
    P521Private(p521::SecretKey),
    Ed25519Public([u8; 32]),
    Ed25519Private(ed25519_dalek::SigningKey),
    X25519Public([u8; 32]),
    X25519Private(x25519_dalek::StaticSecret),
}

/// A `CryptoKey`. Cloning shares the material.
#[derive(Clone)]
pub struct Key {
    /// `type`
    pub kind: KeyType,
    /// `extractable`
    pub extractable: bool,
    /// `algorithm`
    pub algorithm: KeyAlgorithm,
    /// `usages`, deduplicated, in canonical order
    pub usages: Vec<Usage>,
    pub(crate) material: Arc<KeyMaterial>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("kind", &self.kind)
            .field("extractable", &self.extractable)
            .field("algorithm", &self.algorithm)
            .field("usages", &self.usages)
            .finish_non_exhaustive()
    }
}

impl Key {
    pub(crate) fn new(
        kind: KeyType,
        extractable: bool,
        algorithm: KeyAlgorithm,
        usages: &[Usage],
        material: KeyMaterial,
    ) -> Key {
        Key {
            kind,
            extractable,
            algorithm,
            usages: canonical_usages(usages),
            material: Arc::new(material),
        }
    }

    /// Whether the key may be used for `usage`.
    pub fn has_usage(&self, usage: Usage) -> bool {
        self.usages.contains(&usage)
    }

    /// `usages` as JS strings.
    pub fn usage_strings(&self) -> Vec<&'static str> {
        self.usages.iter().map(|u| u.as_str()).collect()
    }

    /// The `key.algorithm` object exactly as WebCrypto shows it, e.g.
    /// `{"name":"HMAC","hash":{"name":"SHA-256"},"length":256}`.
    /// `publicExponent` is an array of bytes here; the JS layer makes it a `Uint8Array`.
    pub fn algorithm_json(&self) -> Value {
        let a = &self.algorithm;
        let mut obj = serde_json::Map::new();
        obj.insert("name".into(), json!(a.name.as_str()));
        if let Some(m) = a.modulus_length {
            obj.insert("modulusLength".into(), json!(m));
        }
        if let Some(e) = &a.public_exponent {
            obj.insert("publicExponent".into(), json!(e));
        }
        if let Some(h) = a.hash {
            obj.insert("hash".into(), json!({ "name": h.as_str() }));
        }
        if let Some(l) = a.length {
            obj.insert("length".into(), json!(l));
        }
        if let Some(c) = a.named_curve {
            obj.insert("namedCurve".into(), json!(c.as_str()));
        }
        if a.name == AlgorithmName::NodeEd25519 {
            obj.insert("namedCurve".into(), json!("NODE-ED25519"));
        }
        Value::Object(obj)
    }
}

/// Deduplicates and sorts usages into canonical order.
pub(crate) fn canonical_usages(usages: &[Usage]) -> Vec<Usage> {
    let mut v = usages.to_vec();
    v.sort();
    v.dedup();
    v
}

/// `SyntaxError` unless every requested usage is in `allowed`.
pub(crate) fn check_usages(
    requested: &[Usage],
    allowed: &[Usage],
    what: impl std::fmt::Display,
) -> Result<()> {
    if let Some(bad) = requested.iter().find(|u| !allowed.contains(u)) {
        let allowed: Vec<&str> = allowed.iter().map(|u| u.as_str()).collect();
        return Err(syntax(format!(
            "Usage \"{}\" is not valid for {what}; allowed: [{}]",
            bad.as_str(),
            allowed.join(", ")
        )));
    }
    Ok(())
}

/// The usages of `requested` that are in `allowed` (splitting a key pair's usages).
pub(crate) fn intersect(requested: &[Usage], allowed: &[Usage]) -> Vec<Usage> {
    requested
        .iter()
        .copied()
        .filter(|u| allowed.contains(u))
        .collect()
}
