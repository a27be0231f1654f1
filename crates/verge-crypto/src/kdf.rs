//! PBKDF2 and HKDF (<https://w3c.github.io/webcrypto/#pbkdf2>,
//! <https://w3c.github.io/webcrypto/#hkdf>).

use zeroize::Zeroizing;

use crate::error::{Result, not_supported, operation, syntax, type_err};
use crate::key::{Key, KeyAlgorithm, KeyData, KeyFormat, KeyMaterial, KeyType, Usage};
use crate::names::{AlgorithmName, Hash};

pub(crate) const USAGES: &[Usage] = &[Usage::DeriveKey, Usage::DeriveBits];

pub(crate) fn import(
    name: AlgorithmName,
    format: KeyFormat,
    key_data: &KeyData,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    crate::key::check_usages(usages, USAGES, format!("a {name} key"))?;
    let bytes = match (format, key_data) {
        (KeyFormat::Raw, KeyData::Bytes(b)) => b.clone(),
        (KeyFormat::Raw, _) => return Err(type_err("raw keyData must be bytes")),
        (f, _) => {
            return Err(not_supported(format!(
                "{name} keys can only be imported as \"raw\", not \"{}\"",
                f.as_str()
            )));
        }
    };
    if extractable {
        return Err(syntax(format!(
            "{name} keys must be imported with extractable false"
        )));
    }
    Ok(Key::new(
        KeyType::Secret,
        false,
        KeyAlgorithm::named(name),
        usages,
        KeyMaterial::Secret(Zeroizing::new(bytes)),
    ))
}

fn secret(key: &Key) -> Result<&[u8]> {
    match &*key.material {
        KeyMaterial::Secret(b) => Ok(b),
        _ => Err(operation("KDF key holds no secret material")),
    }
}

fn out_len(name: AlgorithmName, length: Option<u32>) -> Result<usize> {
    match length {
        None => Err(operation(format!("{name} deriveBits requires a length"))),
        Some(l) if l % 8 != 0 => Err(operation(format!(
            "{name} deriveBits length must be a multiple of 8, got {l}"
        ))),
        Some(l) => Ok(l as usize / 8),
    }
}

pub(crate) fn pbkdf2(
    key: &Key,
    hash: Hash,
    salt: &[u8],
    iterations: u32,
    length: Option<u32>,
) -> Result<Vec<u8>> {
    let len = out_len(AlgorithmName::Pbkdf2, length)?;
    if iterations == 0 {
        return Err(operation("PBKDF2 iterations must be greater than 0"));
    }
    let password = secret(key)?;
    let mut out = vec![0u8; len];
    if len == 0 {
        return Ok(out);
    }
    match hash {
        Hash::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, &mut out),
        Hash::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut out),
        Hash::Sha384 => pbkdf2::pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, &mut out),
        Hash::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, &mut out),
    }
    Ok(out)
}

pub(crate) fn hkdf(
    key: &Key,
    hash: Hash,
    salt: &[u8],
    info: &[u8],
    length: Option<u32>,
) -> Result<Vec<u8>> {
    let len = out_len(AlgorithmName::Hkdf, length)?;
    let ikm = secret(key)?;
    let mut out = vec![0u8; len];
    if len == 0 {
        return Ok(out);
    }
    let res = match hash {
        Hash::Sha1 => hkdf::Hkdf::<sha1::Sha1>::new(Some(salt), ikm).expand(info, &mut out),
        Hash::Sha256 => hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), ikm).expand(info, &mut out),
        Hash::Sha384 => hkdf::Hkdf::<sha2::Sha384>::new(Some(salt), ikm).expand(info, &mut out),
        Hash::Sha512 => hkdf::Hkdf::<sha2::Sha512>::new(Some(salt), ikm).expand(info, &mut out),
    };
    res.map_err(|_| {
        operation(format!(
            "HKDF-{} cannot derive {} bits; the maximum is {}",
            hash.as_str(),
            len * 8,
            255 * hash.output_len() * 8
        ))
    })?;
    Ok(out)
}
