//! PBKDF2 and HKDF (<https://w3c.github.io/webcrypto/#pbkdf2>,
//! <https://w3c.github.io/webcrypto/#hkdf>).

use hmac::digest::{KeyInit, OutputSizeUser};
use hmac::{Hmac, Mac};
use zeroize::Zeroizing;

use crate::error::{Result, not_supported, operation, syntax, type_err};
use crate::key::{Key, KeyAlgorithm, KeyData, KeyFormat, KeyMaterial, KeyType, Usage};
use crate::limits::{MAX_PBKDF2_ITERATIONS, PBKDF2_ROUNDS_PER_CHECK, check_budget};
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

/// PBKDF2 (RFC 8018 §5.2) with HMAC-`hash`. Past [`MAX_PBKDF2_ITERATIONS`] it is
/// `NotSupportedError` with workerd's message; it checks the request's CPU budget before each
/// output block and every [`PBKDF2_ROUNDS_PER_CHECK`] rounds ([`check_budget`]).
pub(crate) fn pbkdf2(
    key: &Key,
    hash: Hash,
    salt: &[u8],
    iterations: u32,
    length: Option<u32>,
) -> Result<Vec<u8>> {
    let len = out_len(AlgorithmName::Pbkdf2, length)?;
    if iterations == 0 {
        return Err(operation(
            "PBKDF2 requires a positive iteration count (requested 0).",
        ));
    }
    if iterations > MAX_PBKDF2_ITERATIONS {
        return Err(not_supported(format!(
            "Pbkdf2 failed: iteration counts above {MAX_PBKDF2_ITERATIONS} are not supported (requested {iterations})."
        )));
    }
    let password = secret(key)?;
    let mut out = vec![0u8; len];
    if len == 0 {
        return Ok(out);
    }
    match hash {
        Hash::Sha1 => pbkdf2_hmac::<Hmac<sha1::Sha1>>(password, salt, iterations, &mut out)?,
        Hash::Sha256 => pbkdf2_hmac::<Hmac<sha2::Sha256>>(password, salt, iterations, &mut out)?,
        Hash::Sha384 => pbkdf2_hmac::<Hmac<sha2::Sha384>>(password, salt, iterations, &mut out)?,
        Hash::Sha512 => pbkdf2_hmac::<Hmac<sha2::Sha512>>(password, salt, iterations, &mut out)?,
    }
    Ok(out)
}

/// RFC 8018's PBKDF2 loop over the keyed PRF `M`, filling `out`; written out (rather than the
/// `pbkdf2` crate's) so that it can stop between rounds when the budget is spent.
fn pbkdf2_hmac<M: Mac + KeyInit + Clone>(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<()> {
    let prf = <M as KeyInit>::new_from_slice(password).expect("HMAC takes keys of any length");
    for (index, block) in out
        .chunks_mut(<M as OutputSizeUser>::output_size())
        .enumerate()
    {
        check_budget()?;
        let mut mac = prf.clone();
        mac.update(salt);
        // At most 2^32 - 1 bits are asked for, so fewer than 2^32 blocks.
        mac.update(&(index as u32 + 1).to_be_bytes());
        let mut u = mac.finalize().into_bytes();
        let mut t = u.clone();
        for round in 1..iterations {
            if round % PBKDF2_ROUNDS_PER_CHECK == 0 {
                check_budget()?;
            }
            let mut mac = prf.clone();
            mac.update(&u);
            u = mac.finalize().into_bytes();
            t.iter_mut().zip(u.iter()).for_each(|(t, u)| *t ^= u);
        }
        block.copy_from_slice(&t[..block.len()]);
    }
    Ok(())
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
