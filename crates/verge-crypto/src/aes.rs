//! AES-GCM, AES-CBC, AES-CTR and AES-KW (<https://w3c.github.io/webcrypto/#aes-gcm> and
//! following sections).

use aes::cipher::consts::U16;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockCipher, BlockEncrypt, BlockSizeUser, KeyInit};
use aes::{Aes128, Aes192, Aes256};
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use rand_core::{OsRng, RngCore};
use serde_json::json;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::algorithm::AesMode;
use crate::error::{Result, data, not_supported, operation, type_err};
use crate::jwk::{self, Jwk};
use crate::key::{ExportedKey, Key, KeyAlgorithm, KeyData, KeyFormat, KeyMaterial, KeyType, Usage};
use crate::names::AlgorithmName;

pub(crate) fn allowed_usages(mode: AesMode) -> &'static [Usage] {
    match mode {
        AesMode::Kw => &[Usage::WrapKey, Usage::UnwrapKey],
        _ => &[
            Usage::Encrypt,
            Usage::Decrypt,
            Usage::WrapKey,
            Usage::UnwrapKey,
        ],
    }
}

fn name(mode: AesMode) -> AlgorithmName {
    match mode {
        AesMode::Gcm => AlgorithmName::AesGcm,
        AesMode::Cbc => AlgorithmName::AesCbc,
        AesMode::Ctr => AlgorithmName::AesCtr,
        AesMode::Kw => AlgorithmName::AesKw,
    }
}

fn jwk_alg(mode: AesMode, bits: usize) -> String {
    let suffix = match mode {
        AesMode::Gcm => "GCM",
        AesMode::Cbc => "CBC",
        AesMode::Ctr => "CTR",
        AesMode::Kw => "KW",
    };
    format!("A{bits}{suffix}")
}

/// `OperationError` unless `length` is 128, 192 or 256 (generateKey, get key length).
pub(crate) fn check_length(length: u32) -> Result<u32> {
    match length {
        128 | 192 | 256 => Ok(length),
        other => Err(operation(format!(
            "AES key length must be 128, 192 or 256 bits, got {other}"
        ))),
    }
}

fn make(mode: AesMode, bytes: Vec<u8>, extractable: bool, usages: &[Usage]) -> Key {
    let algorithm = KeyAlgorithm {
        length: Some(bytes.len() as u32 * 8),
        ..KeyAlgorithm::named(name(mode))
    };
    Key::new(
        KeyType::Secret,
        extractable,
        algorithm,
        usages,
        KeyMaterial::Secret(Zeroizing::new(bytes)),
    )
}

pub(crate) fn generate(
    mode: AesMode,
    length: u32,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    crate::key::check_usages(
        usages,
        allowed_usages(mode),
        format!("an {} key", name(mode)),
    )?;
    let length = check_length(length)?;
    let mut bytes = vec![0u8; length as usize / 8];
    OsRng.fill_bytes(&mut bytes);
    Ok(make(mode, bytes, extractable, usages))
}

pub(crate) fn import(
    mode: AesMode,
    format: KeyFormat,
    key_data: &KeyData,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    crate::key::check_usages(
        usages,
        allowed_usages(mode),
        format!("an {} key", name(mode)),
    )?;
    let bytes = match (format, key_data) {
        (KeyFormat::Raw, KeyData::Bytes(b)) => b.clone(),
        (KeyFormat::Jwk, KeyData::Jwk(v)) => {
            let jwk = Jwk::new(v)?;
            jwk.expect_kty("oct")?;
            let k = jwk.req_bytes("k")?;
            if matches!(k.len(), 16 | 24 | 32) {
                jwk.expect_alg(&[&jwk_alg(mode, k.len() * 8)])?;
            }
            jwk.check_use_ops_ext(usages, "enc", extractable)?;
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
                "{} keys cannot be imported as \"{}\"; use raw or jwk",
                name(mode),
                f.as_str()
            )));
        }
    };
    if !matches!(bytes.len(), 16 | 24 | 32) {
        return Err(data(format!(
            "AES key data must be 16, 24 or 32 bytes, got {}",
            bytes.len()
        )));
    }
    Ok(make(mode, bytes, extractable, usages))
}

pub(crate) fn export(mode: AesMode, format: KeyFormat, key: &Key) -> Result<ExportedKey> {
    let bytes = secret(key)?;
    match format {
        KeyFormat::Raw => Ok(ExportedKey::Bytes(bytes.to_vec())),
        KeyFormat::Jwk => {
            let mut m = jwk::export_start("oct");
            jwk::put(&mut m, "k", bytes);
            m.insert("alg".into(), json!(jwk_alg(mode, bytes.len() * 8)));
            Ok(ExportedKey::Jwk(jwk::export_finish(m, key)))
        }
        f => Err(not_supported(format!(
            "{} keys cannot be exported as \"{}\"; use raw or jwk",
            name(mode),
            f.as_str()
        ))),
    }
}

fn secret(key: &Key) -> Result<&[u8]> {
    match &*key.material {
        KeyMaterial::Secret(b) if matches!(b.len(), 16 | 24 | 32) => Ok(b),
        _ => Err(operation("AES key holds no valid key material")),
    }
}

// ---- AES-GCM ----

/// GCM (NIST SP 800-38D §7) over the block cipher `C`, for IVs of any length and tags of
/// `tag_bytes` (4 to 16) bytes, written out over `ghash` because the `aes-gcm` crate fixes
/// both lengths at compile time (12 or 16-byte IVs, tags of 12 to 16 bytes). Encryption returns
/// ciphertext || tag; decryption checks the tag (in constant time) before returning anything.
fn gcm_with<C>(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    data: &[u8],
    tag_bytes: usize,
    encrypt: bool,
) -> Result<Vec<u8>>
where
    C: BlockCipher + BlockSizeUser<BlockSize = U16> + BlockEncrypt + KeyInit,
{
    let cipher = C::new_from_slice(key).map_err(|_| operation("AES-GCM: invalid key length"))?;
    let mut h = GenericArray::default();
    cipher.encrypt_block(&mut h);
    let lengths = |a: usize, b: usize| {
        let mut block = GenericArray::<u8, U16>::default();
        block[..8].copy_from_slice(&((a as u64) * 8).to_be_bytes());
        block[8..].copy_from_slice(&((b as u64) * 8).to_be_bytes());
        block
    };
    // The pre-counter block J0 (§7.1 step 2).
    let j0: GenericArray<u8, U16> = if iv.len() == 12 {
        let mut j = GenericArray::default();
        j[..12].copy_from_slice(iv);
        j[15] = 1;
        j
    } else {
        let mut g = GHash::new(&h);
        g.update_padded(iv);
        g.update(&[lengths(0, iv.len())]);
        g.finalize()
    };
    let (input, given_tag) = if encrypt {
        (data, &[][..])
    } else {
        data.split_at(data.len() - tag_bytes)
    };
    // GCTR from inc32(J0) (§6.5): the counter is the block's last 32 bits, wrapping.
    let mut out = input.to_vec();
    let mut counter = u32::from_be_bytes([j0[12], j0[13], j0[14], j0[15]]);
    for chunk in out.chunks_mut(16) {
        counter = counter.wrapping_add(1);
        let mut block = j0;
        block[12..].copy_from_slice(&counter.to_be_bytes());
        cipher.encrypt_block(&mut block);
        chunk
            .iter_mut()
            .zip(block.iter())
            .for_each(|(d, k)| *d ^= k);
    }
    let ciphertext = if encrypt { &out[..] } else { input };
    let mut g = GHash::new(&h);
    g.update_padded(aad);
    g.update_padded(ciphertext);
    g.update(&[lengths(aad.len(), ciphertext.len())]);
    let mut tag = j0;
    cipher.encrypt_block(&mut tag);
    tag.iter_mut()
        .zip(g.finalize().iter())
        .for_each(|(t, s)| *t ^= s);
    if encrypt {
        out.extend_from_slice(&tag[..tag_bytes]);
        Ok(out)
    } else if bool::from(tag[..tag_bytes].ct_eq(given_tag)) {
        Ok(out)
    } else {
        Err(operation(
            "AES-GCM decryption failed: the data, key, iv, additionalData or tag did not authenticate",
        ))
    }
}

/// AES-GCM encrypt (`encrypt` true; output is ciphertext || tag) or decrypt.
pub(crate) fn gcm(
    key: &Key,
    iv: &[u8],
    additional_data: Option<&[u8]>,
    tag_length: u32,
    data: &[u8],
    encrypt: bool,
) -> Result<Vec<u8>> {
    let k = secret(key)?;
    // §"AES-GCM" encrypt step 4: tagLength is one of 32, 64, 96, 104, 112, 120 or 128.
    if !matches!(tag_length, 32 | 64 | 96 | 104 | 112 | 120 | 128) {
        return Err(operation(format!(
            "AES-GCM tagLength must be one of 32, 64, 96, 104, 112, 120, 128; got {tag_length}"
        )));
    }
    if iv.is_empty() {
        return Err(operation("AES-GCM iv must not be empty"));
    }
    let aad = additional_data.unwrap_or(&[]);
    let tag_bytes = (tag_length / 8) as usize;
    if !encrypt && data.len() < tag_bytes {
        return Err(operation(format!(
            "AES-GCM ciphertext of {} bytes is shorter than the {tag_bytes}-byte tag",
            data.len()
        )));
    }
    match k.len() {
        16 => gcm_with::<Aes128>(k, iv, aad, data, tag_bytes, encrypt),
        24 => gcm_with::<Aes192>(k, iv, aad, data, tag_bytes, encrypt),
        _ => gcm_with::<Aes256>(k, iv, aad, data, tag_bytes, encrypt),
    }
}

// ---- AES-CBC ----

/// AES-CBC with PKCS#7 padding.
pub(crate) fn cbc(key: &Key, iv: &[u8], data: &[u8], encrypt: bool) -> Result<Vec<u8>> {
    use cbc::cipher::block_padding::Pkcs7;
    use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
    let k = secret(key)?;
    if iv.len() != 16 {
        return Err(operation(format!(
            "AES-CBC iv must be 16 bytes, got {}",
            iv.len()
        )));
    }
    let bad = |_| operation("AES-CBC: invalid key or iv length");
    let unpad = |_| operation("AES-CBC decryption failed: bad padding or length");
    macro_rules! run {
        ($c:ty) => {
            if encrypt {
                Ok(cbc::Encryptor::<$c>::new_from_slices(k, iv)
                    .map_err(bad)?
                    .encrypt_padded_vec_mut::<Pkcs7>(data))
            } else {
                cbc::Decryptor::<$c>::new_from_slices(k, iv)
                    .map_err(bad)?
                    .decrypt_padded_vec_mut::<Pkcs7>(data)
                    .map_err(unpad)
            }
        };
    }
    match k.len() {
        16 => run!(Aes128),
        24 => run!(Aes192),
        _ => run!(Aes256),
    }
}

// ---- AES-CTR ----

fn ctr_run<C: BlockEncrypt + KeyInit + BlockSizeUser<BlockSize = U16>>(
    key: &[u8],
    counter: u128,
    mask: u128,
    data: &[u8],
) -> Result<Vec<u8>> {
    let cipher = C::new_from_slice(key).map_err(|_| operation("AES-CTR: invalid key length"))?;
    let mut out = Vec::with_capacity(data.len());
    for (i, chunk) in data.chunks(16).enumerate() {
        let low = (counter & mask).wrapping_add(i as u128) & mask;
        let mut block = GenericArray::from(((counter & !mask) | low).to_be_bytes());
        cipher.encrypt_block(&mut block);
        out.extend(chunk.iter().zip(block.iter()).map(|(a, b)| a ^ b));
    }
    Ok(out)
}

/// AES-CTR: the rightmost `length` bits of `counter` are the block counter (WebCrypto §
/// AesCtrParams); encryption and decryption are the same.
pub(crate) fn ctr(key: &Key, counter: &[u8], length: u32, data: &[u8]) -> Result<Vec<u8>> {
    let k = secret(key)?;
    let counter: [u8; 16] = counter.try_into().map_err(|_| {
        operation(format!(
            "AES-CTR counter must be 16 bytes, got {}",
            counter.len()
        ))
    })?;
    if length == 0 || length > 128 {
        return Err(operation(format!(
            "AES-CTR length must be between 1 and 128 bits, got {length}"
        )));
    }
    let blocks = data.len().div_ceil(16) as u128;
    if length < 128 && blocks > (1u128 << length) {
        return Err(operation(format!(
            "AES-CTR: {blocks} blocks would wrap a {length}-bit counter"
        )));
    }
    let mask = if length == 128 {
        u128::MAX
    } else {
        (1u128 << length) - 1
    };
    let counter = u128::from_be_bytes(counter);
    match k.len() {
        16 => ctr_run::<Aes128>(k, counter, mask, data),
        24 => ctr_run::<Aes192>(k, counter, mask, data),
        _ => ctr_run::<Aes256>(k, counter, mask, data),
    }
}

// ---- AES-KW ----

/// RFC 3394 key wrap (`wrap` true) or unwrap.
pub(crate) fn kw(key: &Key, data: &[u8], wrap: bool) -> Result<Vec<u8>> {
    let k = secret(key)?;
    if wrap && (!data.len().is_multiple_of(8) || data.len() < 16) {
        return Err(operation(format!(
            "AES-KW can only wrap a multiple of 8 bytes, at least 16; got {}",
            data.len()
        )));
    }
    macro_rules! run {
        ($c:ty) => {{
            let kek = aes_kw::Kek::<$c>::new(GenericArray::from_slice(k));
            if wrap {
                kek.wrap_vec(data)
                    .map_err(|e| operation(format!("AES-KW wrap failed: {e}")))
            } else {
                kek.unwrap_vec(data).map_err(|_| {
                    operation("AES-KW unwrap failed: integrity check failed or bad length")
                })
            }
        }};
    }
    match k.len() {
        16 => run!(Aes128),
        24 => run!(Aes192),
        _ => run!(Aes256),
    }
}
