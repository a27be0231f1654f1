//! HMAC (<https://w3c.github.io/webcrypto/#hmac>).

use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use serde_json::json;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{Result, data, not_supported, operation, type_err};
use crate::jwk::{self, Jwk};
use crate::key::{ExportedKey, Key, KeyAlgorithm, KeyData, KeyFormat, KeyMaterial, KeyType, Usage};
use crate::names::{AlgorithmName, Hash};

pub(crate) const USAGES: &[Usage] = &[Usage::Sign, Usage::Verify];

fn key_algorithm(hash: Hash, length: u32) -> KeyAlgorithm {
    KeyAlgorithm {
        hash: Some(hash),
        length: Some(length),
        ..KeyAlgorithm::named(AlgorithmName::Hmac)
    }
}

fn jwk_alg(hash: Hash) -> &'static str {
    match hash {
        Hash::Sha1 => "HS1",
        Hash::Sha256 => "HS256",
        Hash::Sha384 => "HS384",
        Hash::Sha512 => "HS512",
    }
}

pub(crate) fn generate(
    hash: Hash,
    length: Option<u32>,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    crate::key::check_usages(usages, USAGES, "an HMAC key")?;
    let length = length.unwrap_or_else(|| hash.block_bits());
    if length == 0 {
        return Err(operation("HMAC key length must be greater than 0"));
    }
    let mut bytes = Zeroizing::new(vec![0u8; length.div_ceil(8) as usize]);
    OsRng.fill_bytes(&mut bytes);
    Ok(Key::new(
        KeyType::Secret,
        extractable,
        key_algorithm(hash, length),
        usages,
        KeyMaterial::Secret(bytes),
    ))
}

pub(crate) fn import(
    format: KeyFormat,
    key_data: &KeyData,
    hash: Hash,
    length: Option<u32>,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    crate::key::check_usages(usages, USAGES, "an HMAC key")?;
    let bytes = match (format, key_data) {
        (KeyFormat::Raw, KeyData::Bytes(b)) => b.clone(),
        (KeyFormat::Jwk, KeyData::Jwk(v)) => {
            let jwk = Jwk::new(v)?;
            jwk.expect_kty("oct")?;
            let k = jwk.req_bytes("k")?;
            jwk.expect_alg(&[jwk_alg(hash)])?;
            jwk.check_use_ops_ext(usages, "sig", extractable)?;
            k
        }
        (KeyFormat::Raw | KeyFormat::Jwk, _) => {
            return Err(type_err(format!(
                "keyData for format \"{}\" has the wrong type",
                format.as_str()
            )));
        }
        (f, _) => {
            return Err(not_supported(format!(
                "HMAC keys cannot be imported as \"{}\"; use raw or jwk",
                f.as_str()
            )));
        }
    };
    let bits = u32::try_from(bytes.len() * 8)
        .map_err(|_| data(format!("HMAC key of {} bytes is too long", bytes.len())))?;
    if bits == 0 {
        return Err(data("HMAC key data must not be empty"));
    }
    let length = match length {
        None => bits,
        Some(l) if l > bits || l <= bits - 8 => {
            return Err(data(format!(
                "HMAC length {l} does not match key data of {bits} bits"
            )));
        }
        Some(l) => l,
    };
    Ok(Key::new(
        KeyType::Secret,
        extractable,
        key_algorithm(hash, length),
        usages,
        KeyMaterial::Secret(Zeroizing::new(bytes)),
    ))
}

pub(crate) fn export(format: KeyFormat, key: &Key) -> Result<ExportedKey> {
    let KeyMaterial::Secret(bytes) = &*key.material else {
        return Err(operation("HMAC key holds no secret material"));
    };
    match format {
        KeyFormat::Raw => Ok(ExportedKey::Bytes(bytes.to_vec())),
        KeyFormat::Jwk => {
            let mut m = jwk::export_start("oct");
            jwk::put(&mut m, "k", bytes);
            if let Some(h) = key.algorithm.hash {
                m.insert("alg".into(), json!(jwk_alg(h)));
            }
            Ok(ExportedKey::Jwk(jwk::export_finish(m, key)))
        }
        f => Err(not_supported(format!(
            "HMAC keys cannot be exported as \"{}\"; use raw or jwk",
            f.as_str()
        ))),
    }
}

fn mac(hash: Hash, key: &[u8], data: &[u8]) -> Vec<u8> {
    macro_rules! run {
        ($d:ty) => {{
            let mut m = <Hmac<$d>>::new_from_slice(key).expect("HMAC accepts keys of any length");
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }};
    }
    match hash {
        Hash::Sha1 => run!(sha1::Sha1),
        Hash::Sha256 => run!(sha2::Sha256),
        Hash::Sha384 => run!(sha2::Sha384),
        Hash::Sha512 => run!(sha2::Sha512),
    }
}

fn parts(key: &Key) -> Result<(Hash, &[u8])> {
    match (&*key.material, key.algorithm.hash) {
        (KeyMaterial::Secret(bytes), Some(hash)) => Ok((hash, bytes)),
        _ => Err(operation("HMAC key is missing its hash or material")),
    }
}

pub(crate) fn sign(key: &Key, data: &[u8]) -> Result<Vec<u8>> {
    let (hash, bytes) = parts(key)?;
    Ok(mac(hash, bytes, data))
}

pub(crate) fn verify(key: &Key, signature: &[u8], data: &[u8]) -> Result<bool> {
    let (hash, bytes) = parts(key)?;
    let expected = mac(hash, bytes, data);
    Ok(expected.len() == signature.len() && bool::from(expected.ct_eq(signature)))
}

pub(crate) fn key_length(hash: Option<Hash>, length: Option<u32>) -> Result<u32> {
    match (length, hash) {
        (Some(0), _) => Err(type_err("HMAC length must not be 0")),
        (Some(l), _) => Ok(l),
        (None, Some(h)) => Ok(h.block_bits()),
        (None, None) => Err(type_err("HMAC: the hash member is required")),
    }
}
