//! WebCrypto's "normalize an algorithm" step
//! (<https://w3c.github.io/webcrypto/#algorithm-normalization-normalize-an-algorithm>).
//!
//! The JS layer turns the `algorithm` argument into an [`AlgorithmParams`] (string members as
//! strings, `BufferSource` members as bytes, `public` as a [`Key`]) and hands it to the
//! operation functions, which call [`normalize`] with the operation they perform.

use serde_json::Value;

use crate::error::{Result, not_supported, type_err};
use crate::key::Key;
use crate::names::{AlgorithmName, Hash, NamedCurve};

/// The operation an algorithm is normalized for; it selects which dictionary applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `digest`
    Digest,
    /// `sign`
    Sign,
    /// `verify`
    Verify,
    /// `encrypt`
    Encrypt,
    /// `decrypt`
    Decrypt,
    /// `generateKey`
    GenerateKey,
    /// `importKey`
    ImportKey,
    /// `deriveBits`
    DeriveBits,
    /// "get key length" (the `derivedKeyType` of `deriveKey`)
    GetKeyLength,
    /// `wrapKey` (only AES-KW registers it; others fall back to `encrypt`)
    WrapKey,
    /// `unwrapKey` (only AES-KW registers it; others fall back to `decrypt`)
    UnwrapKey,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Digest => "digest",
            Operation::Sign => "sign",
            Operation::Verify => "verify",
            Operation::Encrypt => "encrypt",
            Operation::Decrypt => "decrypt",
            Operation::GenerateKey => "generateKey",
            Operation::ImportKey => "importKey",
            Operation::DeriveBits => "deriveBits",
            Operation::GetKeyLength => "get key length",
            Operation::WrapKey => "wrapKey",
            Operation::UnwrapKey => "unwrapKey",
        }
    }
}

/// The `algorithm` argument as the JS layer read it: every member any WebCrypto dictionary
/// defines, each optional. [`normalize`] decides which are required for an operation.
///
/// `hash` holds the hash *name*: the JS layer reads `hash` as a string or as `hash.name`.
/// `length` is the key length in bits, except for AES-CTR encrypt/decrypt where it is the
/// counter length (both are the JS member `length`).
#[derive(Clone, Debug, Default)]
pub struct AlgorithmParams {
    /// `name`
    pub name: String,
    /// `hash` (or `hash.name`)
    pub hash: Option<String>,
    /// `length`
    pub length: Option<u32>,
    /// `namedCurve`
    pub named_curve: Option<String>,
    /// `modulusLength`
    pub modulus_length: Option<u32>,
    /// `publicExponent` (big-endian)
    pub public_exponent: Option<Vec<u8>>,
    /// `saltLength` (RSA-PSS)
    pub salt_length: Option<u32>,
    /// `label` (RSA-OAEP)
    pub label: Option<Vec<u8>>,
    /// `iv` (AES-GCM, AES-CBC)
    pub iv: Option<Vec<u8>>,
    /// `additionalData` (AES-GCM)
    pub additional_data: Option<Vec<u8>>,
    /// `tagLength` in bits (AES-GCM)
    pub tag_length: Option<u32>,
    /// `counter` (AES-CTR)
    pub counter: Option<Vec<u8>>,
    /// `salt` (PBKDF2, HKDF)
    pub salt: Option<Vec<u8>>,
    /// `info` (HKDF)
    pub info: Option<Vec<u8>>,
    /// `iterations` (PBKDF2)
    pub iterations: Option<u32>,
    /// `public` (ECDH, X25519)
    pub public: Option<Key>,
}

impl AlgorithmParams {
    /// Params with only a `name`, as when JS passes the algorithm as a string.
    pub fn named(name: impl Into<String>) -> Self {
        AlgorithmParams {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Reads a JSON description: a string (the name) or an object with WebCrypto member
    /// names (`hash` as a string or `{name}`, byte members as arrays of numbers 0–255).
    /// `public` cannot be expressed in JSON; set the field afterwards.
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = match value {
            Value::String(s) => return Ok(Self::named(s.clone())),
            Value::Object(obj) => obj,
            other => {
                return Err(type_err(format!(
                    "Algorithm must be a string or an object, got {other}"
                )));
            }
        };
        let name = match obj.get("name") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(type_err(format!(
                    "Algorithm name must be a string, got {other}"
                )));
            }
            None => return Err(type_err("Algorithm: name member is required")),
        };
        let string = |key: &str| -> Result<Option<String>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(type_err(format!("{key} must be a string, got {other}"))),
            }
        };
        let number = |key: &str| -> Result<Option<u32>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| {
                        type_err(format!("{key} must be an unsigned 32-bit integer, got {v}"))
                    }),
            }
        };
        let bytes = |key: &str| -> Result<Option<Vec<u8>>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| {
                        v.as_u64()
                            .and_then(|n| u8::try_from(n).ok())
                            .ok_or_else(|| type_err(format!("{key} must hold bytes, got {v}")))
                    })
                    .collect::<Result<Vec<u8>>>()
                    .map(Some),
                Some(other) => Err(type_err(format!(
                    "{key} must be a BufferSource (array of bytes), got {other}"
                ))),
            }
        };
        let hash = match obj.get("hash") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Object(h)) => match h.get("name") {
                Some(Value::String(s)) => Some(s.clone()),
                _ => return Err(type_err("hash: name member is required")),
            },
            Some(other) => {
                return Err(type_err(format!(
                    "hash must be a string or {{name}}, got {other}"
                )));
            }
        };
        Ok(AlgorithmParams {
            name,
            hash,
            length: number("length")?,
            named_curve: string("namedCurve")?,
            modulus_length: number("modulusLength")?,
            public_exponent: bytes("publicExponent")?,
            salt_length: number("saltLength")?,
            label: bytes("label")?,
            iv: bytes("iv")?,
            additional_data: bytes("additionalData")?,
            tag_length: number("tagLength")?,
            counter: bytes("counter")?,
            salt: bytes("salt")?,
            info: bytes("info")?,
            iterations: number("iterations")?,
            public: None,
        })
    }
}

impl From<&str> for AlgorithmParams {
    fn from(name: &str) -> Self {
        AlgorithmParams::named(name)
    }
}

/// RSA signature/encryption scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsaScheme {
    /// RSASSA-PKCS1-v1_5
    Pkcs1v15,
    /// RSA-PSS
    Pss,
    /// RSA-OAEP
    Oaep,
}

/// AES mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AesMode {
    /// AES-GCM
    Gcm,
    /// AES-CBC
    Cbc,
    /// AES-CTR
    Ctr,
    /// AES-KW
    Kw,
}

/// A normalized algorithm: the members the operation needs, validated and typed.
/// Members not used by the operation it was normalized for are `None`.
#[derive(Clone, Debug)]
pub enum Algorithm {
    /// SHA-* digest.
    Sha(Hash),
    /// MD5 digest (non-standard).
    Md5,
    /// HMAC.
    Hmac {
        /// Required for generateKey/importKey/get key length.
        hash: Option<Hash>,
        /// Key length in bits.
        length: Option<u32>,
    },
    /// RSASSA-PKCS1-v1_5, RSA-PSS, RSA-OAEP.
    Rsa {
        /// Which scheme.
        scheme: RsaScheme,
        /// Required for generateKey/importKey.
        hash: Option<Hash>,
        /// generateKey.
        modulus_length: Option<u32>,
        /// generateKey (big-endian).
        public_exponent: Option<Vec<u8>>,
        /// RSA-PSS sign/verify.
        salt_length: Option<u32>,
        /// RSA-OAEP encrypt/decrypt.
        label: Option<Vec<u8>>,
    },
    /// ECDSA.
    Ecdsa {
        /// generateKey/importKey.
        named_curve: Option<NamedCurve>,
        /// sign/verify.
        hash: Option<Hash>,
    },
    /// ECDH.
    Ecdh {
        /// generateKey/importKey.
        named_curve: Option<NamedCurve>,
        /// deriveBits: the peer's public key.
        public: Option<Key>,
    },
    /// Ed25519 (`legacy` for `NODE-ED25519`).
    Ed25519 {
        /// True for Workers' `NODE-ED25519`.
        legacy: bool,
    },
    /// X25519.
    X25519 {
        /// deriveBits: the peer's public key.
        public: Option<Key>,
    },
    /// AES-GCM/CBC/CTR/KW.
    Aes {
        /// Which mode.
        mode: AesMode,
        /// Key length in bits (generateKey, get key length).
        length: Option<u32>,
        /// GCM/CBC `iv`.
        iv: Option<Vec<u8>>,
        /// GCM `additionalData`.
        additional_data: Option<Vec<u8>>,
        /// GCM `tagLength` (defaults to 128 when normalized for encrypt/decrypt).
        tag_length: Option<u32>,
        /// CTR `counter`.
        counter: Option<Vec<u8>>,
        /// CTR `length`: bits of the counter block that are incremented.
        counter_length: Option<u32>,
    },
    /// PBKDF2.
    Pbkdf2 {
        /// deriveBits.
        hash: Option<Hash>,
        /// deriveBits.
        salt: Option<Vec<u8>>,
        /// deriveBits.
        iterations: Option<u32>,
    },
    /// HKDF.
    Hkdf {
        /// deriveBits.
        hash: Option<Hash>,
        /// deriveBits.
        salt: Option<Vec<u8>>,
        /// deriveBits.
        info: Option<Vec<u8>>,
    },
}

impl Algorithm {
    /// The algorithm's name.
    pub fn name(&self) -> AlgorithmName {
        match self {
            Algorithm::Sha(Hash::Sha1) => AlgorithmName::Sha1,
            Algorithm::Sha(Hash::Sha256) => AlgorithmName::Sha256,
            Algorithm::Sha(Hash::Sha384) => AlgorithmName::Sha384,
            Algorithm::Sha(Hash::Sha512) => AlgorithmName::Sha512,
            Algorithm::Md5 => AlgorithmName::Md5,
            Algorithm::Hmac { .. } => AlgorithmName::Hmac,
            Algorithm::Rsa { scheme, .. } => match scheme {
                RsaScheme::Pkcs1v15 => AlgorithmName::RsassaPkcs1v15,
                RsaScheme::Pss => AlgorithmName::RsaPss,
                RsaScheme::Oaep => AlgorithmName::RsaOaep,
            },
            Algorithm::Ecdsa { .. } => AlgorithmName::Ecdsa,
            Algorithm::Ecdh { .. } => AlgorithmName::Ecdh,
            Algorithm::Ed25519 { legacy: false } => AlgorithmName::Ed25519,
            Algorithm::Ed25519 { legacy: true } => AlgorithmName::NodeEd25519,
            Algorithm::X25519 { .. } => AlgorithmName::X25519,
            Algorithm::Aes { mode, .. } => match mode {
                AesMode::Gcm => AlgorithmName::AesGcm,
                AesMode::Cbc => AlgorithmName::AesCbc,
                AesMode::Ctr => AlgorithmName::AesCtr,
                AesMode::Kw => AlgorithmName::AesKw,
            },
            Algorithm::Pbkdf2 { .. } => AlgorithmName::Pbkdf2,
            Algorithm::Hkdf { .. } => AlgorithmName::Hkdf,
        }
    }
}

fn required<T>(value: Option<T>, member: &str, name: AlgorithmName, op: Operation) -> Result<T> {
    value.ok_or_else(|| {
        type_err(format!(
            "{name} {}: the {member} member is required",
            op.as_str()
        ))
    })
}

/// Whether `name` is registered for `op` in the spec's table of supported operations.
fn registered(name: AlgorithmName, op: Operation) -> bool {
    use AlgorithmName as N;
    use Operation as O;
    match op {
        O::Digest => matches!(name, N::Sha1 | N::Sha256 | N::Sha384 | N::Sha512 | N::Md5),
        O::Sign | O::Verify => matches!(
            name,
            N::Hmac | N::RsassaPkcs1v15 | N::RsaPss | N::Ecdsa | N::Ed25519 | N::NodeEd25519
        ),
        O::Encrypt | O::Decrypt => {
            matches!(name, N::RsaOaep | N::AesGcm | N::AesCbc | N::AesCtr)
        }
        O::GenerateKey => !matches!(
            name,
            N::Sha1 | N::Sha256 | N::Sha384 | N::Sha512 | N::Md5 | N::Pbkdf2 | N::Hkdf
        ),
        O::ImportKey => !matches!(name, N::Sha1 | N::Sha256 | N::Sha384 | N::Sha512 | N::Md5),
        O::DeriveBits => matches!(name, N::Ecdh | N::X25519 | N::Hkdf | N::Pbkdf2),
        O::GetKeyLength => matches!(
            name,
            N::Hmac | N::AesGcm | N::AesCbc | N::AesCtr | N::AesKw | N::Hkdf | N::Pbkdf2
        ),
        O::WrapKey | O::UnwrapKey => matches!(name, N::AesKw),
    }
}

/// WebCrypto's "normalize an algorithm" for `op`.
///
/// Unknown names, and names not registered for `op`, are `NotSupportedError`; a missing
/// required member is a `TypeError`; an unknown `hash` or `namedCurve` is
/// `NotSupportedError`. Range checks that the spec places in the operation itself
/// (tag length, key length, iteration count) happen there, with the error it specifies.
pub fn normalize(op: Operation, params: &AlgorithmParams) -> Result<Algorithm> {
    let name = AlgorithmName::parse(&params.name)
        .ok_or_else(|| not_supported(format!("Unrecognized algorithm name \"{}\"", params.name)))?;
    if !registered(name, op) {
        return Err(not_supported(format!(
            "{name} does not support the {} operation",
            op.as_str()
        )));
    }
    // Wherever a dictionary has `hash` it is required; elsewhere the member is ignored.
    let hash = |applies: bool| -> Result<Option<Hash>> {
        match &params.hash {
            _ if !applies => Ok(None),
            Some(h) => Hash::parse(h).map(Some),
            None => Err(type_err(format!(
                "{name} {}: the hash member is required",
                op.as_str()
            ))),
        }
    };
    let curve = |needed: bool| -> Result<Option<NamedCurve>> {
        match &params.named_curve {
            Some(c) if needed => NamedCurve::parse(c).map(Some),
            None if needed => Err(type_err(format!(
                "{name} {}: the namedCurve member is required",
                op.as_str()
            ))),
            _ => Ok(None),
        }
    };
    use AlgorithmName as N;
    use Operation as O;
    Ok(match name {
        N::Sha1 => Algorithm::Sha(Hash::Sha1),
        N::Sha256 => Algorithm::Sha(Hash::Sha256),
        N::Sha384 => Algorithm::Sha(Hash::Sha384),
        N::Sha512 => Algorithm::Sha(Hash::Sha512),
        N::Md5 => Algorithm::Md5,
        N::Hmac => {
            let keyed = matches!(op, O::GenerateKey | O::ImportKey | O::GetKeyLength);
            Algorithm::Hmac {
                hash: hash(keyed)?,
                length: if keyed { params.length } else { None },
            }
        }
        N::RsassaPkcs1v15 | N::RsaPss | N::RsaOaep => {
            let scheme = match name {
                N::RsassaPkcs1v15 => RsaScheme::Pkcs1v15,
                N::RsaPss => RsaScheme::Pss,
                _ => RsaScheme::Oaep,
            };
            let generate = op == O::GenerateKey;
            Algorithm::Rsa {
                scheme,
                hash: hash(matches!(op, O::GenerateKey | O::ImportKey))?,
                modulus_length: if generate {
                    Some(required(params.modulus_length, "modulusLength", name, op)?)
                } else {
                    None
                },
                public_exponent: if generate {
                    Some(required(
                        params.public_exponent.clone(),
                        "publicExponent",
                        name,
                        op,
                    )?)
                } else {
                    None
                },
                salt_length: if scheme == RsaScheme::Pss && matches!(op, O::Sign | O::Verify) {
                    Some(required(params.salt_length, "saltLength", name, op)?)
                } else {
                    None
                },
                label: if scheme == RsaScheme::Oaep {
                    params.label.clone()
                } else {
                    None
                },
            }
        }
        N::Ecdsa => Algorithm::Ecdsa {
            named_curve: curve(matches!(op, O::GenerateKey | O::ImportKey))?,
            hash: hash(matches!(op, O::Sign | O::Verify))?,
        },
        N::Ecdh => Algorithm::Ecdh {
            named_curve: curve(matches!(op, O::GenerateKey | O::ImportKey))?,
            public: if op == O::DeriveBits {
                Some(required(params.public.clone(), "public", name, op)?)
            } else {
                None
            },
        },
        N::Ed25519 => Algorithm::Ed25519 { legacy: false },
        N::NodeEd25519 => {
            if matches!(op, O::GenerateKey | O::ImportKey) {
                let c = required(params.named_curve.as_deref(), "namedCurve", name, op)?;
                if c != "NODE-ED25519" {
                    return Err(not_supported(format!(
                        "NODE-ED25519 requires namedCurve \"NODE-ED25519\", got \"{c}\""
                    )));
                }
            }
            Algorithm::Ed25519 { legacy: true }
        }
        N::X25519 => Algorithm::X25519 {
            public: if op == O::DeriveBits {
                Some(required(params.public.clone(), "public", name, op)?)
            } else {
                None
            },
        },
        N::AesGcm | N::AesCbc | N::AesCtr | N::AesKw => {
            let mode = match name {
                N::AesGcm => AesMode::Gcm,
                N::AesCbc => AesMode::Cbc,
                N::AesCtr => AesMode::Ctr,
                _ => AesMode::Kw,
            };
            let cipher = matches!(op, O::Encrypt | O::Decrypt);
            let mut alg = Algorithm::Aes {
                mode,
                length: None,
                iv: None,
                additional_data: None,
                tag_length: None,
                counter: None,
                counter_length: None,
            };
            if let Algorithm::Aes {
                length,
                iv,
                additional_data,
                tag_length,
                counter,
                counter_length,
                ..
            } = &mut alg
            {
                if matches!(op, O::GenerateKey | O::GetKeyLength) {
                    *length = Some(required(params.length, "length", name, op)?);
                }
                if cipher && matches!(mode, AesMode::Gcm | AesMode::Cbc) {
                    *iv = Some(required(params.iv.clone(), "iv", name, op)?);
                }
                if cipher && mode == AesMode::Gcm {
                    additional_data.clone_from(&params.additional_data);
                    *tag_length = Some(params.tag_length.unwrap_or(128));
                }
                if cipher && mode == AesMode::Ctr {
                    *counter = Some(required(params.counter.clone(), "counter", name, op)?);
                    *counter_length = Some(required(params.length, "length", name, op)?);
                }
            }
            alg
        }
        N::Pbkdf2 => {
            let derive = op == O::DeriveBits;
            Algorithm::Pbkdf2 {
                hash: hash(derive)?,
                salt: if derive {
                    Some(required(params.salt.clone(), "salt", name, op)?)
                } else {
                    None
                },
                iterations: if derive {
                    Some(required(params.iterations, "iterations", name, op)?)
                } else {
                    None
                },
            }
        }
        N::Hkdf => {
            let derive = op == O::DeriveBits;
            Algorithm::Hkdf {
                hash: hash(derive)?,
                salt: if derive {
                    Some(required(params.salt.clone(), "salt", name, op)?)
                } else {
                    None
                },
                info: if derive {
                    Some(required(params.info.clone(), "info", name, op)?)
                } else {
                    None
                },
            }
        }
    })
}
