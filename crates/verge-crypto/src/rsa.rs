//! RSASSA-PKCS1-v1_5, RSA-PSS and RSA-OAEP (<https://w3c.github.io/webcrypto/#rsassa-pkcs1>
//! and following sections).

use rand_core::OsRng;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, Oaep, Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use serde_json::json;

use crate::algorithm::RsaScheme;
use crate::error::{Result, data, invalid_access, not_supported, operation, type_err};
use crate::jwk::{self, Jwk};
use crate::key::{
    ExportedKey, Key, KeyAlgorithm, KeyData, KeyFormat, KeyMaterial, KeyType, Usage, check_usages,
    intersect,
};
use crate::limits::{MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS, check_budget};
use crate::names::{AlgorithmName, Hash};

pub(crate) fn private_usages(scheme: RsaScheme) -> &'static [Usage] {
    match scheme {
        RsaScheme::Oaep => &[Usage::Decrypt, Usage::UnwrapKey],
        _ => &[Usage::Sign],
    }
}

pub(crate) fn public_usages(scheme: RsaScheme) -> &'static [Usage] {
    match scheme {
        RsaScheme::Oaep => &[Usage::Encrypt, Usage::WrapKey],
        _ => &[Usage::Verify],
    }
}

fn name(scheme: RsaScheme) -> AlgorithmName {
    match scheme {
        RsaScheme::Pkcs1v15 => AlgorithmName::RsassaPkcs1v15,
        RsaScheme::Pss => AlgorithmName::RsaPss,
        RsaScheme::Oaep => AlgorithmName::RsaOaep,
    }
}

fn jwk_alg(scheme: RsaScheme, hash: Hash) -> &'static str {
    match (scheme, hash) {
        (RsaScheme::Pkcs1v15, Hash::Sha1) => "RS1",
        (RsaScheme::Pkcs1v15, Hash::Sha256) => "RS256",
        (RsaScheme::Pkcs1v15, Hash::Sha384) => "RS384",
        (RsaScheme::Pkcs1v15, Hash::Sha512) => "RS512",
        (RsaScheme::Pss, Hash::Sha1) => "PS1",
        (RsaScheme::Pss, Hash::Sha256) => "PS256",
        (RsaScheme::Pss, Hash::Sha384) => "PS384",
        (RsaScheme::Pss, Hash::Sha512) => "PS512",
        (RsaScheme::Oaep, Hash::Sha1) => "RSA-OAEP",
        (RsaScheme::Oaep, Hash::Sha256) => "RSA-OAEP-256",
        (RsaScheme::Oaep, Hash::Sha384) => "RSA-OAEP-384",
        (RsaScheme::Oaep, Hash::Sha512) => "RSA-OAEP-512",
    }
}

fn key_algorithm(scheme: RsaScheme, hash: Hash, public: &RsaPublicKey) -> KeyAlgorithm {
    KeyAlgorithm {
        hash: Some(hash),
        modulus_length: Some(public.n().bits() as u32),
        public_exponent: Some(public.e().to_bytes_be()),
        ..KeyAlgorithm::named(name(scheme))
    }
}

fn new_public(
    scheme: RsaScheme,
    hash: Hash,
    extractable: bool,
    usages: &[Usage],
    pk: RsaPublicKey,
) -> Key {
    Key::new(
        KeyType::Public,
        extractable,
        key_algorithm(scheme, hash, &pk),
        usages,
        KeyMaterial::RsaPublic(pk),
    )
}

fn new_private(
    scheme: RsaScheme,
    hash: Hash,
    extractable: bool,
    usages: &[Usage],
    sk: RsaPrivateKey,
) -> Key {
    Key::new(
        KeyType::Private,
        extractable,
        key_algorithm(scheme, hash, &sk.to_public_key()),
        usages,
        KeyMaterial::RsaPrivate(sk),
    )
}

pub(crate) fn generate(
    scheme: RsaScheme,
    hash: Hash,
    modulus_length: u32,
    public_exponent: &[u8],
    extractable: bool,
    usages: &[Usage],
) -> Result<(Key, Key)> {
    let all: Vec<Usage> = [private_usages(scheme), public_usages(scheme)].concat();
    check_usages(usages, &all, format!("an {} key pair", name(scheme)))?;
    if !(MIN_RSA_MODULUS_BITS..=MAX_RSA_MODULUS_BITS).contains(&modulus_length)
        || !modulus_length.is_multiple_of(8)
    {
        return Err(operation(format!(
            "The modulus length must be a multiple of 8 and between {MIN_RSA_MODULUS_BITS} and 16k, but {modulus_length} was requested."
        )));
    }
    let e = match exponent_u32(public_exponent) {
        Some(e @ (3 | 65537)) => BigUint::from(e),
        Some(other) => {
            return Err(operation(format!(
                "The \"publicExponent\" must be either 3 or 65537, but got {other}."
            )));
        }
        None => {
            return Err(operation(
                "The \"publicExponent\" must be either 3 or 65537, but got a number larger than 2^32.",
            ));
        }
    };
    let sk = generate_private(modulus_length as usize, e)?;
    let pk = sk.to_public_key();
    let public = new_public(
        scheme,
        hash,
        true,
        &intersect(usages, public_usages(scheme)),
        pk,
    );
    let private = new_private(
        scheme,
        hash,
        extractable,
        &intersect(usages, private_usages(scheme)),
        sk,
    );
    Ok((public, private))
}

/// A big-endian exponent as a `u32`; `None` when it is 2^32 or more (leading zeros allowed).
fn exponent_u32(bytes: &[u8]) -> Option<u32> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let digits = &bytes[start..];
    (digits.len() <= 4).then(|| digits.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)))
}

/// A two-prime RSA key of exactly `bits` bits (a multiple of 8) with exponent `e`, checking
/// the request's CPU budget between prime candidates ([`check_budget`]).
///
/// The prime search is `num-bigint-dig`'s (`RandPrime::gen_prime`, as `rsa` uses it), written
/// out so that it can stop: both primes have `bits / 2` bits with the top two set, so their
/// product has exactly `bits`.
fn generate_private(bits: usize, e: BigUint) -> Result<RsaPrivateKey> {
    loop {
        let p = random_prime(bits / 2)?;
        let q = random_prime(bits - bits / 2)?;
        // Equal primes, or an exponent not coprime to λ(n), fail here: try again, as `rsa`
        // itself does.
        if let Ok(key) = RsaPrivateKey::from_p_q(p, q, e.clone()) {
            debug_assert_eq!(key.n().bits(), bits);
            return Ok(key);
        }
    }
}

/// A random prime of exactly `bits` bits (at least 16) with its top two bits set.
fn random_prime(bits: usize) -> Result<BigUint> {
    use num_bigint_dig::prime::probably_prime;
    use rand_core::RngCore;
    let top = match bits % 8 {
        0 => 8,
        r => r,
    };
    let mut bytes = vec![0u8; bits.div_ceil(8)];
    loop {
        check_budget()?;
        OsRng.fill_bytes(&mut bytes);
        bytes[0] &= ((1u16 << top) - 1) as u8;
        if top >= 2 {
            bytes[0] |= 3 << (top - 2);
        } else {
            bytes[0] |= 1;
            bytes[1] |= 0x80;
        }
        if let Some(last) = bytes.last_mut() {
            *last |= 1;
        }
        let candidate = BigUint::from_bytes_be(&bytes);
        // With no random rounds this is trial division, one base-2 Miller–Rabin round and, for
        // the rare candidate passing both, a Lucas test: it rejects almost every composite.
        // Only a likely prime gets the full test, whose ~21 rounds do not stop.
        if !probably_prime(&candidate, 0) {
            continue;
        }
        check_budget()?;
        if probably_prime(&candidate, 20) {
            return Ok(candidate);
        }
    }
}

fn big(jwk: &Jwk<'_>, member: &str) -> Result<BigUint> {
    Ok(BigUint::from_bytes_be(&jwk.req_bytes(member)?))
}

pub(crate) fn import(
    scheme: RsaScheme,
    hash: Hash,
    format: KeyFormat,
    key_data: &KeyData,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    let name = name(scheme);
    match (format, key_data) {
        (KeyFormat::Spki, KeyData::Bytes(der)) => {
            check_usages(
                usages,
                public_usages(scheme),
                format!("an {name} public key"),
            )?;
            let pk = RsaPublicKey::from_public_key_der(der)
                .map_err(|e| data(format!("Invalid RSA spki key data: {e}")))?;
            Ok(new_public(scheme, hash, extractable, usages, pk))
        }
        (KeyFormat::Pkcs8, KeyData::Bytes(der)) => {
            check_usages(
                usages,
                private_usages(scheme),
                format!("an {name} private key"),
            )?;
            let sk = RsaPrivateKey::from_pkcs8_der(der)
                .map_err(|e| data(format!("Invalid RSA pkcs8 key data: {e}")))?;
            Ok(new_private(scheme, hash, extractable, usages, sk))
        }
        (KeyFormat::Jwk, KeyData::Jwk(v)) => {
            let jwk = Jwk::new(v)?;
            let private = jwk.has("d");
            if private {
                check_usages(
                    usages,
                    private_usages(scheme),
                    format!("an {name} private key"),
                )?;
            } else {
                check_usages(
                    usages,
                    public_usages(scheme),
                    format!("an {name} public key"),
                )?;
            }
            jwk.expect_kty("RSA")?;
            jwk.expect_alg(&[jwk_alg(scheme, hash)])?;
            let expected_use = if scheme == RsaScheme::Oaep {
                "enc"
            } else {
                "sig"
            };
            jwk.check_use_ops_ext(usages, expected_use, extractable)?;
            if jwk.has("oth") {
                return Err(not_supported(
                    "RSA JWKs with \"oth\" (multi-prime) are not supported",
                ));
            }
            let n = big(&jwk, "n")?;
            let e = big(&jwk, "e")?;
            if private {
                let d = big(&jwk, "d")?;
                let primes = if jwk.has("p") || jwk.has("q") {
                    vec![big(&jwk, "p")?, big(&jwk, "q")?]
                } else {
                    Vec::new()
                };
                let sk = RsaPrivateKey::from_components(n, e, d, primes)
                    .map_err(|err| data(format!("Invalid RSA private JWK: {err}")))?;
                Ok(new_private(scheme, hash, extractable, usages, sk))
            } else {
                let pk = RsaPublicKey::new(n, e)
                    .map_err(|err| data(format!("Invalid RSA public JWK: {err}")))?;
                Ok(new_public(scheme, hash, extractable, usages, pk))
            }
        }
        (KeyFormat::Raw, _) => Err(not_supported(format!(
            "{name} keys cannot be imported as \"raw\"; use spki, pkcs8 or jwk"
        ))),
        _ => Err(type_err(format!(
            "keyData for format \"{}\" has the wrong type",
            format.as_str()
        ))),
    }
}

pub(crate) fn export(scheme: RsaScheme, format: KeyFormat, key: &Key) -> Result<ExportedKey> {
    match (format, &*key.material) {
        (KeyFormat::Spki, KeyMaterial::RsaPublic(pk)) => pk
            .to_public_key_der()
            .map(|d| ExportedKey::Bytes(d.as_bytes().to_vec()))
            .map_err(|e| operation(format!("RSA spki encoding failed: {e}"))),
        (KeyFormat::Pkcs8, KeyMaterial::RsaPrivate(sk)) => sk
            .to_pkcs8_der()
            .map(|d| ExportedKey::Bytes(d.as_bytes().to_vec()))
            .map_err(|e| operation(format!("RSA pkcs8 encoding failed: {e}"))),
        (KeyFormat::Jwk, material) => {
            let mut m = jwk::export_start("RSA");
            let (n, e) = match material {
                KeyMaterial::RsaPublic(pk) => (pk.n().clone(), pk.e().clone()),
                KeyMaterial::RsaPrivate(sk) => (sk.n().clone(), sk.e().clone()),
                _ => return Err(operation("RSA key holds no RSA material")),
            };
            jwk::put(&mut m, "n", &n.to_bytes_be());
            jwk::put(&mut m, "e", &e.to_bytes_be());
            if let KeyMaterial::RsaPrivate(sk) = material {
                let primes = sk.primes();
                let (Some(dp), Some(dq), Some(qi), [p, q]) =
                    (sk.dp(), sk.dq(), sk.crt_coefficient(), primes)
                else {
                    return Err(operation("RSA private key lacks CRT parameters"));
                };
                jwk::put(&mut m, "d", &sk.d().to_bytes_be());
                jwk::put(&mut m, "p", &p.to_bytes_be());
                jwk::put(&mut m, "q", &q.to_bytes_be());
                jwk::put(&mut m, "dp", &dp.to_bytes_be());
                jwk::put(&mut m, "dq", &dq.to_bytes_be());
                jwk::put(&mut m, "qi", &qi.to_bytes_be());
            }
            if let Some(h) = key.algorithm.hash {
                m.insert("alg".into(), json!(jwk_alg(scheme, h)));
            }
            Ok(ExportedKey::Jwk(jwk::export_finish(m, key)))
        }
        (KeyFormat::Spki | KeyFormat::Pkcs8, _) => Err(invalid_access(format!(
            "A {} RSA key cannot be exported as \"{}\"",
            key.kind.as_str(),
            format.as_str()
        ))),
        (KeyFormat::Raw, _) => Err(not_supported(
            "RSA keys cannot be exported as \"raw\"; use spki, pkcs8 or jwk",
        )),
    }
}

fn key_hash(key: &Key) -> Result<Hash> {
    key.algorithm
        .hash
        .ok_or_else(|| operation("RSA key is missing its hash"))
}

fn pkcs1_scheme(hash: Hash) -> Pkcs1v15Sign {
    match hash {
        Hash::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
        Hash::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
        Hash::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        Hash::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
    }
}

fn pss_scheme(hash: Hash, salt_length: u32) -> Pss {
    let salt = salt_length as usize;
    match hash {
        Hash::Sha1 => Pss::new_with_salt::<sha1::Sha1>(salt),
        Hash::Sha256 => Pss::new_with_salt::<sha2::Sha256>(salt),
        Hash::Sha384 => Pss::new_with_salt::<sha2::Sha384>(salt),
        Hash::Sha512 => Pss::new_with_salt::<sha2::Sha512>(salt),
    }
}

fn oaep_scheme(hash: Hash, label: Option<&[u8]>) -> Result<Oaep> {
    let label = match label {
        None | Some([]) => None,
        Some(l) => Some(String::from_utf8(l.to_vec()).map_err(|_| {
            not_supported("RSA-OAEP labels that are not valid UTF-8 are not supported")
        })?),
    };
    Ok(match (hash, label) {
        (Hash::Sha1, None) => Oaep::new::<sha1::Sha1>(),
        (Hash::Sha256, None) => Oaep::new::<sha2::Sha256>(),
        (Hash::Sha384, None) => Oaep::new::<sha2::Sha384>(),
        (Hash::Sha512, None) => Oaep::new::<sha2::Sha512>(),
        (Hash::Sha1, Some(l)) => Oaep::new_with_label::<sha1::Sha1, _>(l),
        (Hash::Sha256, Some(l)) => Oaep::new_with_label::<sha2::Sha256, _>(l),
        (Hash::Sha384, Some(l)) => Oaep::new_with_label::<sha2::Sha384, _>(l),
        (Hash::Sha512, Some(l)) => Oaep::new_with_label::<sha2::Sha512, _>(l),
    })
}

fn private(key: &Key) -> Result<&RsaPrivateKey> {
    match &*key.material {
        KeyMaterial::RsaPrivate(sk) => Ok(sk),
        _ => Err(invalid_access("This operation requires an RSA private key")),
    }
}

fn public(key: &Key) -> Result<&RsaPublicKey> {
    match &*key.material {
        KeyMaterial::RsaPublic(pk) => Ok(pk),
        _ => Err(invalid_access("This operation requires an RSA public key")),
    }
}

pub(crate) fn sign(key: &Key, salt_length: Option<u32>, data: &[u8]) -> Result<Vec<u8>> {
    let hash = key_hash(key)?;
    let sk = private(key)?;
    let hashed = hash.digest(data);
    let res = match salt_length {
        None => sk.sign_with_rng(&mut OsRng, pkcs1_scheme(hash), &hashed),
        Some(s) => sk.sign_with_rng(&mut OsRng, pss_scheme(hash, s), &hashed),
    };
    res.map_err(|e| operation(format!("RSA signing failed: {e}")))
}

pub(crate) fn verify(
    key: &Key,
    salt_length: Option<u32>,
    signature: &[u8],
    data: &[u8],
) -> Result<bool> {
    let hash = key_hash(key)?;
    let pk = public(key)?;
    let hashed = hash.digest(data);
    Ok(match salt_length {
        None => pk.verify(pkcs1_scheme(hash), &hashed, signature).is_ok(),
        Some(s) => pk.verify(pss_scheme(hash, s), &hashed, signature).is_ok(),
    })
}

pub(crate) fn encrypt(key: &Key, label: Option<&[u8]>, data: &[u8]) -> Result<Vec<u8>> {
    let pk = public(key)?;
    let padding = oaep_scheme(key_hash(key)?, label)?;
    pk.encrypt(&mut OsRng, padding, data)
        .map_err(|e| operation(format!("RSA-OAEP encryption failed: {e}")))
}

pub(crate) fn decrypt(key: &Key, label: Option<&[u8]>, data: &[u8]) -> Result<Vec<u8>> {
    let sk = private(key)?;
    let padding = oaep_scheme(key_hash(key)?, label)?;
    sk.decrypt_blinded(&mut OsRng, padding, data)
        .map_err(|_| operation("RSA-OAEP decryption failed"))
}
