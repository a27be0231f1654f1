//! The Rust core of Web Crypto (`crypto.subtle`) for verge: algorithm normalization, keys,
//! key formats (raw, spki, pkcs8, jwk), every operation, and errors that name the
//! `DOMException` they become. Spec: <https://w3c.github.io/webcrypto/>, plus the Secure
//! Curves draft for Ed25519/X25519 and Workers' non-standard `MD5`, `NODE-ED25519` and
//! `timingSafeEqual`.
//!
//! **Owns:** the semantics of each operation, including the order of checks that decides
//! which error a guest sees, and (in [`js`] alone) the JS surface: `crypto.subtle`,
//! `SubtleCrypto`, `CryptoKey`, `crypto.DigestStream`, installed by [`CryptoExtension`].
//! **Must not:** let JavaScript leak into the core: every module but [`js`] is free of
//! rquickjs. The JS layer converts arguments into [`AlgorithmParams`], [`KeyFormat`],
//! [`KeyData`] and [`Usage`]s, calls one function below, maps [`CryptoError::dom_name`] onto
//! a `DOMException` (or a `TypeError` when it is `None`), and wraps [`Key`] as a `CryptoKey`
//! whose `algorithm` getter returns [`Key::algorithm_json`]. All functions here are
//! synchronous and CPU-bound, and [`js`] runs them inline on the isolate thread, where the
//! request's CPU meter sees them. Work whose size the guest picks is bounded by Workers'
//! [`limits`] (PBKDF2 iterations, RSA modulus length) and stops with
//! [`CryptoError::CpuExceeded`] once the request has spent its CPU budget.
//!
//! # Crypto library choice
//! RustCrypto (pure Rust, one trait generation: `digest` 0.10, `cipher` 0.4,
//! `elliptic-curve` 0.13, `pkcs8` 0.10, `rand_core` 0.6), not `ring`. `ring` is faster and
//! audited, but cannot generate RSA keys, has no AES-CBC/CTR/KW, keeps ECDH/X25519
//! private keys ephemeral (no import or export), and cannot export RSA or EC keys to
//! spki/pkcs8/jwk after import; a ring-only build could not cover the spec, and a mix
//! would double the code paths and test burden for little gain at Workers' payload sizes
//! (ring remains a candidate for SHA/HMAC/AES-GCM hot paths if profiling asks). RustCrypto
//! covers every algorithm and format here. Versions are the newest *stable* releases (the 0.11/0.14/2.0
//! lines are release candidates). Known caveat: `rsa` 0.9 is subject to RUSTSEC-2023-0071
//! (Marvin timing side channel on decryption); we decrypt and sign with blinding
//! (`decrypt_blinded`, `sign_with_rng`), which narrows but does not remove it.
//!
//! # Deviations (each pinned by a test in `tests`)
//! - RSA-OAEP `label` must be UTF-8 (`rsa` 0.9 stores it as a `String`):
//!   `oaep_non_utf8_label_is_not_supported`.
//! - RSA keys above 4096 bits are rejected at import (`rsa` 0.9 limit) and generation only
//!   accepts exponents 3 and 65537 (as Chromium): `rsa_generate_rejects_odd_exponent_and_tiny_modulus`.
//! - P-521 is not implemented (`NotSupportedError`).
//!
//! # Example
//! ```
//! use verge_crypto::{AlgorithmParams, KeyData, KeyFormat, Usage};
//!
//! let alg = AlgorithmParams { hash: Some("SHA-256".into()), ..AlgorithmParams::named("HMAC") };
//! let key = verge_crypto::import_key(
//!     KeyFormat::Raw,
//!     &KeyData::Bytes(b"secret".to_vec()),
//!     &alg,
//!     false,
//!     &[Usage::Sign, Usage::Verify],
//! )?;
//! assert_eq!(key.algorithm_json()["length"], 48);
//! let mac = verge_crypto::sign(&"HMAC".into(), &key, b"hello")?;
//! assert!(verge_crypto::verify(&"HMAC".into(), &key, &mac, b"hello")?);
//!
//! let err = verge_crypto::export_key(KeyFormat::Raw, &key).unwrap_err();
//! assert_eq!(err.dom_name(), Some("InvalidAccessError"));
//! # Ok::<(), verge_crypto::CryptoError>(())
//! ```
#![deny(missing_docs)]

mod aes;
mod algorithm;
mod ec;
mod error;
mod hmac;
pub mod js;
mod jwk;
mod kdf;
mod key;
pub mod limits;
mod names;
mod okp;
mod rsa;

#[cfg(test)]
mod tests;

pub use algorithm::{AesMode, Algorithm, AlgorithmParams, Operation, RsaScheme, normalize};
pub use error::{CryptoError, Result};
pub use js::{CryptoExtension, CryptoKey};
pub use jwk::{b64url_decode, b64url_encode};
pub use key::{ExportedKey, Key, KeyAlgorithm, KeyData, KeyFormat, KeyType, Usage};
pub use names::{AlgorithmName, Hash, NamedCurve};

use error::{invalid_access, not_supported, operation, syntax, type_err};
use okp::Okp;

/// `generateKey`'s result: a `CryptoKey` or a `CryptoKeyPair`.
#[derive(Clone, Debug)]
pub enum GeneratedKey {
    /// Symmetric algorithms.
    Secret(Key),
    /// Asymmetric algorithms.
    Pair {
        /// `publicKey` (always extractable, as the spec requires).
        public_key: Key,
        /// `privateKey`.
        private_key: Key,
    },
}

/// `crypto.subtle.digest`.
pub fn digest(algorithm: &AlgorithmParams, data: &[u8]) -> Result<Vec<u8>> {
    use md5::Digest as _;
    match normalize(Operation::Digest, algorithm)? {
        Algorithm::Sha(h) => Ok(h.digest(data)),
        Algorithm::Md5 => Ok(md5::Md5::digest(data).to_vec()),
        other => Err(internal(&other)),
    }
}

fn internal(alg: &Algorithm) -> CryptoError {
    operation(format!(
        "internal error: {} was normalized for an operation it does not support",
        alg.name()
    ))
}

/// The checks every keyed operation makes after normalizing: the key's algorithm must be
/// the requested one and it must allow `usage` (both `InvalidAccessError`).
fn check_key(alg: &Algorithm, key: &Key, usage: Usage) -> Result<()> {
    if alg.name() != key.algorithm.name {
        return Err(invalid_access(format!(
            "The requested algorithm {} does not match the key's algorithm {}",
            alg.name(),
            key.algorithm.name
        )));
    }
    if !key.has_usage(usage) {
        return Err(invalid_access(format!(
            "The key does not allow \"{}\"; its usages are [{}]",
            usage.as_str(),
            key.usage_strings().join(", ")
        )));
    }
    Ok(())
}

/// `crypto.subtle.sign`.
pub fn sign(algorithm: &AlgorithmParams, key: &Key, data: &[u8]) -> Result<Vec<u8>> {
    let alg = normalize(Operation::Sign, algorithm)?;
    check_key(&alg, key, Usage::Sign)?;
    match &alg {
        Algorithm::Hmac { .. } => hmac::sign(key, data),
        Algorithm::Rsa {
            scheme: RsaScheme::Pkcs1v15,
            ..
        } => rsa::sign(key, None, data),
        Algorithm::Rsa {
            scheme: RsaScheme::Pss,
            salt_length,
            ..
        } => rsa::sign(key, Some(salt_length.unwrap_or(0)), data),
        Algorithm::Ecdsa {
            hash: Some(hash), ..
        } => ec::sign(key, *hash, data),
        Algorithm::Ed25519 { .. } => okp::sign(key, data),
        other => Err(internal(other)),
    }
}

/// `crypto.subtle.verify`. A malformed signature verifies as `false`, not an error.
pub fn verify(
    algorithm: &AlgorithmParams,
    key: &Key,
    signature: &[u8],
    data: &[u8],
) -> Result<bool> {
    let alg = normalize(Operation::Verify, algorithm)?;
    check_key(&alg, key, Usage::Verify)?;
    match &alg {
        Algorithm::Hmac { .. } => hmac::verify(key, signature, data),
        Algorithm::Rsa {
            scheme: RsaScheme::Pkcs1v15,
            ..
        } => rsa::verify(key, None, signature, data),
        Algorithm::Rsa {
            scheme: RsaScheme::Pss,
            salt_length,
            ..
        } => rsa::verify(key, Some(salt_length.unwrap_or(0)), signature, data),
        Algorithm::Ecdsa {
            hash: Some(hash), ..
        } => ec::verify(key, *hash, signature, data),
        Algorithm::Ed25519 { .. } => okp::verify(key, signature, data),
        other => Err(internal(other)),
    }
}

fn cipher(alg: &Algorithm, key: &Key, data: &[u8], encrypt: bool) -> Result<Vec<u8>> {
    match alg {
        Algorithm::Rsa {
            scheme: RsaScheme::Oaep,
            label,
            ..
        } => {
            if encrypt {
                rsa::encrypt(key, label.as_deref(), data)
            } else {
                rsa::decrypt(key, label.as_deref(), data)
            }
        }
        Algorithm::Aes {
            mode: AesMode::Gcm,
            iv: Some(iv),
            additional_data,
            tag_length,
            ..
        } => aes::gcm(
            key,
            iv,
            additional_data.as_deref(),
            tag_length.unwrap_or(128),
            data,
            encrypt,
        ),
        Algorithm::Aes {
            mode: AesMode::Cbc,
            iv: Some(iv),
            ..
        } => aes::cbc(key, iv, data, encrypt),
        Algorithm::Aes {
            mode: AesMode::Ctr,
            counter: Some(counter),
            counter_length: Some(length),
            ..
        } => aes::ctr(key, counter, *length, data),
        Algorithm::Aes {
            mode: AesMode::Kw, ..
        } => aes::kw(key, data, encrypt),
        other => Err(internal(other)),
    }
}

/// `crypto.subtle.encrypt`.
pub fn encrypt(algorithm: &AlgorithmParams, key: &Key, data: &[u8]) -> Result<Vec<u8>> {
    let alg = normalize(Operation::Encrypt, algorithm)?;
    check_key(&alg, key, Usage::Encrypt)?;
    cipher(&alg, key, data, true)
}

/// `crypto.subtle.decrypt`. Authentication or padding failure is `OperationError`.
pub fn decrypt(algorithm: &AlgorithmParams, key: &Key, data: &[u8]) -> Result<Vec<u8>> {
    let alg = normalize(Operation::Decrypt, algorithm)?;
    check_key(&alg, key, Usage::Decrypt)?;
    cipher(&alg, key, data, false)
}

/// `crypto.subtle.generateKey`.
pub fn generate_key(
    algorithm: &AlgorithmParams,
    extractable: bool,
    usages: &[Usage],
) -> Result<GeneratedKey> {
    let alg = normalize(Operation::GenerateKey, algorithm)?;
    let pair = |(public_key, private_key): (Key, Key)| GeneratedKey::Pair {
        public_key,
        private_key,
    };
    let result = match &alg {
        Algorithm::Hmac {
            hash: Some(hash),
            length,
        } => GeneratedKey::Secret(hmac::generate(*hash, *length, extractable, usages)?),
        Algorithm::Rsa {
            scheme,
            hash: Some(hash),
            modulus_length: Some(bits),
            public_exponent: Some(e),
            ..
        } => pair(rsa::generate(
            *scheme,
            *hash,
            *bits,
            e,
            extractable,
            usages,
        )?),
        Algorithm::Ecdsa {
            named_curve: Some(c),
            ..
        } => pair(ec::generate(false, *c, extractable, usages)?),
        Algorithm::Ecdh {
            named_curve: Some(c),
            ..
        } => pair(ec::generate(true, *c, extractable, usages)?),
        Algorithm::Ed25519 { .. } => pair(okp::generate(
            Okp::Ed25519(alg.name()),
            extractable,
            usages,
        )?),
        Algorithm::X25519 { .. } => pair(okp::generate(Okp::X25519, extractable, usages)?),
        Algorithm::Aes {
            mode,
            length: Some(length),
            ..
        } => GeneratedKey::Secret(aes::generate(*mode, *length, extractable, usages)?),
        other => return Err(internal(other)),
    };
    match &result {
        GeneratedKey::Secret(k) if k.usages.is_empty() => Err(syntax(format!(
            "generateKey for {}: usages must not be empty",
            k.algorithm.name
        ))),
        GeneratedKey::Pair { private_key, .. } if private_key.usages.is_empty() => {
            Err(syntax(format!(
                "generateKey for {}: usages must include at least one private-key usage",
                private_key.algorithm.name
            )))
        }
        _ => Ok(result),
    }
}

/// `crypto.subtle.importKey`. For `jwk`, `key_data` must be [`KeyData::Jwk`]; for the other
/// formats [`KeyData::Bytes`] (else `TypeError`).
pub fn import_key(
    format: KeyFormat,
    key_data: &KeyData,
    algorithm: &AlgorithmParams,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    let alg = normalize(Operation::ImportKey, algorithm)?;
    match (format, key_data) {
        (KeyFormat::Jwk, KeyData::Bytes(_)) => {
            return Err(type_err("importKey(\"jwk\") requires a JsonWebKey object"));
        }
        (KeyFormat::Raw | KeyFormat::Spki | KeyFormat::Pkcs8, KeyData::Jwk(_)) => {
            return Err(type_err(format!(
                "importKey(\"{}\") requires a BufferSource",
                format.as_str()
            )));
        }
        _ => {}
    }
    let key = match &alg {
        Algorithm::Hmac {
            hash: Some(hash),
            length,
        } => hmac::import(format, key_data, *hash, *length, extractable, usages)?,
        Algorithm::Rsa {
            scheme,
            hash: Some(hash),
            ..
        } => rsa::import(*scheme, *hash, format, key_data, extractable, usages)?,
        Algorithm::Ecdsa {
            named_curve: Some(c),
            ..
        } => ec::import(false, *c, format, key_data, extractable, usages)?,
        Algorithm::Ecdh {
            named_curve: Some(c),
            ..
        } => ec::import(true, *c, format, key_data, extractable, usages)?,
        Algorithm::Ed25519 { .. } => okp::import(
            Okp::Ed25519(alg.name()),
            format,
            key_data,
            extractable,
            usages,
        )?,
        Algorithm::X25519 { .. } => {
            okp::import(Okp::X25519, format, key_data, extractable, usages)?
        }
        Algorithm::Aes { mode, .. } => aes::import(*mode, format, key_data, extractable, usages)?,
        Algorithm::Pbkdf2 { .. } | Algorithm::Hkdf { .. } => {
            kdf::import(alg.name(), format, key_data, extractable, usages)?
        }
        other => return Err(internal(other)),
    };
    if matches!(key.kind, KeyType::Secret | KeyType::Private) && key.usages.is_empty() {
        return Err(syntax(format!(
            "importKey for a {} {} key: usages must not be empty",
            key.kind.as_str(),
            key.algorithm.name
        )));
    }
    Ok(key)
}

/// `crypto.subtle.exportKey`. Non-extractable keys are `InvalidAccessError`.
pub fn export_key(format: KeyFormat, key: &Key) -> Result<ExportedKey> {
    let name = key.algorithm.name;
    if matches!(name, AlgorithmName::Pbkdf2 | AlgorithmName::Hkdf) {
        return Err(not_supported(format!("{name} keys cannot be exported")));
    }
    if !key.extractable {
        return Err(invalid_access("The key is not extractable"));
    }
    match name {
        AlgorithmName::Hmac => hmac::export(format, key),
        AlgorithmName::RsassaPkcs1v15 => rsa::export(RsaScheme::Pkcs1v15, format, key),
        AlgorithmName::RsaPss => rsa::export(RsaScheme::Pss, format, key),
        AlgorithmName::RsaOaep => rsa::export(RsaScheme::Oaep, format, key),
        AlgorithmName::Ecdsa | AlgorithmName::Ecdh => ec::export(format, key),
        AlgorithmName::Ed25519 | AlgorithmName::NodeEd25519 => {
            okp::export(Okp::Ed25519(name), format, key)
        }
        AlgorithmName::X25519 => okp::export(Okp::X25519, format, key),
        AlgorithmName::AesGcm => aes::export(AesMode::Gcm, format, key),
        AlgorithmName::AesCbc => aes::export(AesMode::Cbc, format, key),
        AlgorithmName::AesCtr => aes::export(AesMode::Ctr, format, key),
        AlgorithmName::AesKw => aes::export(AesMode::Kw, format, key),
        other => Err(not_supported(format!("{other} keys cannot be exported"))),
    }
}

/// Keeps the first `length` bits of `bits` (`None` keeps all); longer is `OperationError`.
pub(crate) fn truncate_bits(mut bits: Vec<u8>, length: Option<u32>) -> Result<Vec<u8>> {
    let Some(length) = length else {
        return Ok(bits);
    };
    let available = bits.len() * 8;
    if length as usize > available {
        return Err(operation(format!(
            "Requested {length} bits but only {available} can be derived"
        )));
    }
    bits.truncate((length as usize).div_ceil(8));
    if length % 8 != 0
        && let Some(last) = bits.last_mut()
    {
        *last &= 0xffu8 << (8 - length % 8);
    }
    Ok(bits)
}

fn derive(alg: &Algorithm, key: &Key, length: Option<u32>) -> Result<Vec<u8>> {
    match alg {
        Algorithm::Ecdh {
            public: Some(public),
            ..
        } => ec::derive_bits(key, public, length),
        Algorithm::X25519 {
            public: Some(public),
        } => okp::derive_bits(key, public, length),
        Algorithm::Pbkdf2 {
            hash: Some(hash),
            salt: Some(salt),
            iterations: Some(iterations),
        } => kdf::pbkdf2(key, *hash, salt, *iterations, length),
        Algorithm::Hkdf {
            hash: Some(hash),
            salt: Some(salt),
            info: Some(info),
        } => kdf::hkdf(key, *hash, salt, info, length),
        other => Err(internal(other)),
    }
}

/// `crypto.subtle.deriveBits`. `length` is in bits; `None` is JS `null` (ECDH/X25519 only).
pub fn derive_bits(
    algorithm: &AlgorithmParams,
    base_key: &Key,
    length: Option<u32>,
) -> Result<Vec<u8>> {
    let alg = normalize(Operation::DeriveBits, algorithm)?;
    check_key(&alg, base_key, Usage::DeriveBits)?;
    derive(&alg, base_key, length)
}

/// "Get key length" for `deriveKey`'s `derivedKeyType`.
fn key_length(derived: &AlgorithmParams) -> Result<Option<u32>> {
    match normalize(Operation::GetKeyLength, derived)? {
        Algorithm::Hmac { hash, length } => hmac::key_length(hash, length).map(Some),
        Algorithm::Aes {
            length: Some(length),
            ..
        } => aes::check_length(length).map(Some),
        Algorithm::Pbkdf2 { .. } | Algorithm::Hkdf { .. } => Ok(None),
        other => Err(internal(&other)),
    }
}

/// `crypto.subtle.deriveKey`: deriveBits for the derived key's length, then importKey
/// (raw) of those bits as `derived_key_type`.
pub fn derive_key(
    algorithm: &AlgorithmParams,
    base_key: &Key,
    derived_key_type: &AlgorithmParams,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    let alg = normalize(Operation::DeriveBits, algorithm)?;
    normalize(Operation::ImportKey, derived_key_type)?;
    let length = key_length(derived_key_type)?;
    check_key(&alg, base_key, Usage::DeriveKey)?;
    let bits = derive(&alg, base_key, length)?;
    import_key(
        KeyFormat::Raw,
        &KeyData::Bytes(bits),
        derived_key_type,
        extractable,
        usages,
    )
}

/// Normalizes for wrapKey/unwrapKey, falling back to encrypt/decrypt as the spec says.
fn normalize_wrap(
    op: Operation,
    fallback: Operation,
    params: &AlgorithmParams,
) -> Result<Algorithm> {
    normalize(op, params).or_else(|_| normalize(fallback, params))
}

/// `crypto.subtle.wrapKey`: exportKey then encrypt (or AES-KW). A JWK is serialized as
/// UTF-8 JSON before encryption.
pub fn wrap_key(
    format: KeyFormat,
    key: &Key,
    wrapping_key: &Key,
    wrap_algorithm: &AlgorithmParams,
) -> Result<Vec<u8>> {
    let alg = normalize_wrap(Operation::WrapKey, Operation::Encrypt, wrap_algorithm)?;
    check_key(&alg, wrapping_key, Usage::WrapKey)?;
    let bytes = match export_key(format, key)? {
        ExportedKey::Bytes(b) => b,
        ExportedKey::Jwk(j) => j.to_string().into_bytes(),
    };
    cipher(&alg, wrapping_key, &bytes, true)
}

/// `crypto.subtle.unwrapKey`: decrypt (or AES-KW unwrap) then importKey. For `jwk` the
/// plaintext must be a UTF-8 JSON object (else `DataError`).
#[allow(
    clippy::too_many_arguments,
    reason = "mirrors the seven arguments of unwrapKey"
)]
pub fn unwrap_key(
    format: KeyFormat,
    wrapped_key: &[u8],
    unwrapping_key: &Key,
    unwrap_algorithm: &AlgorithmParams,
    unwrapped_key_algorithm: &AlgorithmParams,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    let alg = normalize_wrap(Operation::UnwrapKey, Operation::Decrypt, unwrap_algorithm)?;
    normalize(Operation::ImportKey, unwrapped_key_algorithm)?;
    check_key(&alg, unwrapping_key, Usage::UnwrapKey)?;
    let bytes = cipher(&alg, unwrapping_key, wrapped_key, false)?;
    let key_data = match format {
        KeyFormat::Jwk => KeyData::Jwk(serde_json::from_slice(&bytes).map_err(|e| {
            error::CryptoError::Data(format!("Unwrapped key is not a JSON JWK: {e}"))
        })?),
        _ => KeyData::Bytes(bytes),
    };
    import_key(
        format,
        &key_data,
        unwrapped_key_algorithm,
        extractable,
        usages,
    )
}

/// Workers' `crypto.subtle.timingSafeEqual(a, b)`: constant-time comparison. Inputs of
/// different lengths are a `TypeError`, as in workerd.
pub fn timing_safe_equal(a: &[u8], b: &[u8]) -> Result<bool> {
    use subtle::ConstantTimeEq;
    if a.len() != b.len() {
        return Err(type_err(format!(
            "timingSafeEqual: inputs must have the same byte length, got {} and {}",
            a.len(),
            b.len()
        )));
    }
    Ok(bool::from(a.ct_eq(b)))
}
