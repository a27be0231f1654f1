//! ECDSA and ECDH over P-256, P-384 and P-521 (<https://w3c.github.io/webcrypto/#ecdsa>,
//! <https://w3c.github.io/webcrypto/#ecdh>). Signatures are IEEE P1363 `r || s`, not DER.

use rand_core::OsRng;
use serde_json::json;

use crate::error::{Result, data, invalid_access, operation, type_err};
use crate::jwk::{self, Jwk};
use crate::key::{
    ExportedKey, Key, KeyAlgorithm, KeyData, KeyFormat, KeyMaterial, KeyType, Usage, check_usages,
    intersect,
};
use crate::names::{AlgorithmName, Hash, NamedCurve};

/// Per-curve code, written once and instantiated for p256, p384 and p521.
macro_rules! curve {
    ($m:ident, $c:ident, $Pub:ident, $Priv:ident, $curve:expr) => {
        mod $m {
            use super::*;
            use $c::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
            use $c::ecdsa::{Signature, SigningKey, VerifyingKey};
            use $c::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
            use $c::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
            use $c::{PublicKey, SecretKey};

            pub(super) fn generate() -> (KeyMaterial, KeyMaterial) {
                let sk = SecretKey::random(&mut OsRng);
                (KeyMaterial::$Pub(sk.public_key()), KeyMaterial::$Priv(sk))
            }
            pub(super) fn from_sec1(b: &[u8]) -> Result<KeyMaterial> {
                PublicKey::from_sec1_bytes(b)
                    .map(KeyMaterial::$Pub)
                    .map_err(|_| data("Invalid EC raw public key: not a point on the curve"))
            }
            pub(super) fn from_spki(b: &[u8]) -> Result<KeyMaterial> {
                PublicKey::from_public_key_der(b)
                    .map(KeyMaterial::$Pub)
                    .map_err(|e| data(format!("Invalid EC spki key data for this curve: {e}")))
            }
            pub(super) fn from_pkcs8(b: &[u8]) -> Result<KeyMaterial> {
                SecretKey::from_pkcs8_der(b)
                    .map(KeyMaterial::$Priv)
                    .map_err(|e| data(format!("Invalid EC pkcs8 key data for this curve: {e}")))
            }
            pub(super) fn from_jwk(x: &[u8], y: &[u8], d: Option<&[u8]>) -> Result<KeyMaterial> {
                let size = $curve.field_len();
                if x.len() != size || y.len() != size {
                    return Err(data(format!(
                        "EC JWK x and y must be {size} bytes, got {} and {}",
                        x.len(),
                        y.len()
                    )));
                }
                let point = $c::EncodedPoint::from_affine_coordinates(
                    $c::FieldBytes::from_slice(x),
                    $c::FieldBytes::from_slice(y),
                    false,
                );
                let pk = Option::<PublicKey>::from(PublicKey::from_encoded_point(&point))
                    .ok_or_else(|| data("EC JWK x/y is not a point on the curve"))?;
                match d {
                    None => Ok(KeyMaterial::$Pub(pk)),
                    Some(d) => {
                        if d.len() != size {
                            return Err(data(format!(
                                "EC JWK d must be {size} bytes, got {}",
                                d.len()
                            )));
                        }
                        let sk = SecretKey::from_slice(d)
                            .map_err(|_| data("EC JWK d is not a valid private scalar"))?;
                        if sk.public_key() != pk {
                            return Err(data("EC JWK d does not match x and y"));
                        }
                        Ok(KeyMaterial::$Priv(sk))
                    }
                }
            }
            pub(super) fn raw(m: &KeyMaterial) -> Option<Vec<u8>> {
                match m {
                    KeyMaterial::$Pub(pk) => Some(pk.to_encoded_point(false).as_bytes().to_vec()),
                    _ => None,
                }
            }
            pub(super) fn spki(m: &KeyMaterial) -> Option<Result<Vec<u8>>> {
                match m {
                    KeyMaterial::$Pub(pk) => Some(
                        pk.to_public_key_der()
                            .map(|d| d.as_bytes().to_vec())
                            .map_err(|e| operation(format!("EC spki encoding failed: {e}"))),
                    ),
                    _ => None,
                }
            }
            pub(super) fn pkcs8(m: &KeyMaterial) -> Option<Result<Vec<u8>>> {
                match m {
                    KeyMaterial::$Priv(sk) => Some(
                        sk.to_pkcs8_der()
                            .map(|d| d.as_bytes().to_vec())
                            .map_err(|e| operation(format!("EC pkcs8 encoding failed: {e}"))),
                    ),
                    _ => None,
                }
            }
            /// (x, y, d) for a JWK.
            pub(super) fn coords(m: &KeyMaterial) -> Option<(Vec<u8>, Vec<u8>, Option<Vec<u8>>)> {
                let (pk, d) = match m {
                    KeyMaterial::$Pub(pk) => (*pk, None),
                    KeyMaterial::$Priv(sk) => (sk.public_key(), Some(sk.to_bytes().to_vec())),
                    _ => return None,
                };
                let p = pk.to_encoded_point(false);
                Some((p.x()?.to_vec(), p.y()?.to_vec(), d))
            }
            pub(super) fn sign(m: &KeyMaterial, prehash: &[u8]) -> Option<Result<Vec<u8>>> {
                match m {
                    KeyMaterial::$Priv(sk) => {
                        let Ok(signer) = SigningKey::from_slice(&sk.to_bytes()) else {
                            return Some(Err(operation("ECDSA signing failed: invalid private key")));
                        };
                        Some(
                            PrehashSigner::<Signature>::sign_prehash(&signer, prehash)
                                .map(|s| s.to_bytes().to_vec())
                                .map_err(|e| operation(format!("ECDSA signing failed: {e}"))),
                        )
                    }
                    _ => None,
                }
            }
            pub(super) fn verify(m: &KeyMaterial, prehash: &[u8], sig: &[u8]) -> Option<bool> {
                match m {
                    KeyMaterial::$Pub(pk) => {
                        let Ok(sig) = Signature::from_slice(sig) else {
                            return Some(false);
                        };
                        let Ok(vk) = VerifyingKey::from_affine(*pk.as_affine()) else {
                            return Some(false);
                        };
                        Some(vk.verify_prehash(prehash, &sig).is_ok())
                    }
                    _ => None,
                }
            }
            pub(super) fn ecdh(private: &KeyMaterial, public: &KeyMaterial) -> Option<Vec<u8>> {
                match (private, public) {
                    (KeyMaterial::$Priv(sk), KeyMaterial::$Pub(pk)) => {
                        let shared = $c::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
                        Some(shared.raw_secret_bytes().to_vec())
                    }
                    _ => None,
                }
            }
        }
    };
}

curve!(p256_impl, p256, P256Public, P256Private, NamedCurve::P256);
curve!(p384_impl, p384, P384Public, P384Private, NamedCurve::P384);
curve!(p521_impl, p521, P521Public, P521Private, NamedCurve::P521);

/// Whether this is ECDSA (`false`) or ECDH (`true`).
fn name(ecdh: bool) -> AlgorithmName {
    if ecdh {
        AlgorithmName::Ecdh
    } else {
        AlgorithmName::Ecdsa
    }
}

pub(crate) fn private_usages(ecdh: bool) -> &'static [Usage] {
    if ecdh {
        &[Usage::DeriveKey, Usage::DeriveBits]
    } else {
        &[Usage::Sign]
    }
}

pub(crate) fn public_usages(ecdh: bool) -> &'static [Usage] {
    if ecdh { &[] } else { &[Usage::Verify] }
}

fn curve_of(m: &KeyMaterial) -> Option<NamedCurve> {
    match m {
        KeyMaterial::P256Public(_) | KeyMaterial::P256Private(_) => Some(NamedCurve::P256),
        KeyMaterial::P384Public(_) | KeyMaterial::P384Private(_) => Some(NamedCurve::P384),
        KeyMaterial::P521Public(_) | KeyMaterial::P521Private(_) => Some(NamedCurve::P521),
        _ => None,
    }
}

fn make(ecdh: bool, curve: NamedCurve, extractable: bool, usages: &[Usage], m: KeyMaterial) -> Key {
    let kind = match m {
        KeyMaterial::P256Private(_) | KeyMaterial::P384Private(_) | KeyMaterial::P521Private(_) => {
            KeyType::Private
        }
        _ => KeyType::Public,
    };
    let algorithm = KeyAlgorithm {
        named_curve: Some(curve),
        ..KeyAlgorithm::named(name(ecdh))
    };
    Key::new(kind, extractable, algorithm, usages, m)
}

pub(crate) fn generate(
    ecdh: bool,
    curve: NamedCurve,
    extractable: bool,
    usages: &[Usage],
) -> Result<(Key, Key)> {
    let all = [private_usages(ecdh), public_usages(ecdh)].concat();
    check_usages(usages, &all, format!("an {} key pair", name(ecdh)))?;
    let (public, private) = match curve {
        NamedCurve::P256 => p256_impl::generate(),
        NamedCurve::P384 => p384_impl::generate(),
        NamedCurve::P521 => p521_impl::generate(),
    };
    Ok((
        make(
            ecdh,
            curve,
            true,
            &intersect(usages, public_usages(ecdh)),
            public,
        ),
        make(
            ecdh,
            curve,
            extractable,
            &intersect(usages, private_usages(ecdh)),
            private,
        ),
    ))
}

fn jwk_alg(curve: NamedCurve) -> &'static str {
    match curve {
        NamedCurve::P256 => "ES256",
        NamedCurve::P384 => "ES384",
        NamedCurve::P521 => "ES512",
    }
}

pub(crate) fn import(
    ecdh: bool,
    curve: NamedCurve,
    format: KeyFormat,
    key_data: &KeyData,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    let name = name(ecdh);
    let public_ok =
        |u: &[Usage]| check_usages(u, public_usages(ecdh), format!("an {name} public key"));
    let private_ok =
        |u: &[Usage]| check_usages(u, private_usages(ecdh), format!("an {name} private key"));
    let material = match (format, key_data) {
        (KeyFormat::Raw, KeyData::Bytes(b)) => {
            public_ok(usages)?;
            match curve {
                NamedCurve::P256 => p256_impl::from_sec1(b)?,
                NamedCurve::P384 => p384_impl::from_sec1(b)?,
                NamedCurve::P521 => p521_impl::from_sec1(b)?,
            }
        }
        (KeyFormat::Spki, KeyData::Bytes(b)) => {
            public_ok(usages)?;
            match curve {
                NamedCurve::P256 => p256_impl::from_spki(b)?,
                NamedCurve::P384 => p384_impl::from_spki(b)?,
                NamedCurve::P521 => p521_impl::from_spki(b)?,
            }
        }
        (KeyFormat::Pkcs8, KeyData::Bytes(b)) => {
            private_ok(usages)?;
            match curve {
                NamedCurve::P256 => p256_impl::from_pkcs8(b)?,
                NamedCurve::P384 => p384_impl::from_pkcs8(b)?,
                NamedCurve::P521 => p521_impl::from_pkcs8(b)?,
            }
        }
        (KeyFormat::Jwk, KeyData::Jwk(v)) => {
            let jwk = Jwk::new(v)?;
            let d = jwk.bytes("d")?;
            if d.is_some() {
                private_ok(usages)?;
            } else {
                public_ok(usages)?;
            }
            jwk.expect_kty("EC")?;
            match jwk.str("crv")? {
                Some(c) if c == curve.as_str() => {}
                other => {
                    return Err(data(format!(
                        "JWK \"crv\" must be \"{}\", got {other:?}",
                        curve.as_str()
                    )));
                }
            }
            if !ecdh {
                jwk.expect_alg(&[jwk_alg(curve)])?;
            }
            jwk.check_use_ops_ext(usages, if ecdh { "enc" } else { "sig" }, extractable)?;
            let x = jwk.req_bytes("x")?;
            let y = jwk.req_bytes("y")?;
            match curve {
                NamedCurve::P256 => p256_impl::from_jwk(&x, &y, d.as_deref())?,
                NamedCurve::P384 => p384_impl::from_jwk(&x, &y, d.as_deref())?,
                NamedCurve::P521 => p521_impl::from_jwk(&x, &y, d.as_deref())?,
            }
        }
        (KeyFormat::Jwk, _) | (_, KeyData::Jwk(_)) => {
            return Err(type_err(format!(
                "keyData for format \"{}\" has the wrong type",
                format.as_str()
            )));
        }
    };
    Ok(make(ecdh, curve, extractable, usages, material))
}

pub(crate) fn export(format: KeyFormat, key: &Key) -> Result<ExportedKey> {
    let m = &*key.material;
    let wrong_kind = || {
        invalid_access(format!(
            "A {} EC key cannot be exported as \"{}\"",
            key.kind.as_str(),
            format.as_str()
        ))
    };
    match format {
        KeyFormat::Raw => p256_impl::raw(m)
            .or_else(|| p384_impl::raw(m))
            .or_else(|| p521_impl::raw(m))
            .map(ExportedKey::Bytes)
            .ok_or_else(wrong_kind),
        KeyFormat::Spki => p256_impl::spki(m)
            .or_else(|| p384_impl::spki(m))
            .or_else(|| p521_impl::spki(m))
            .ok_or_else(wrong_kind)?
            .map(ExportedKey::Bytes),
        KeyFormat::Pkcs8 => p256_impl::pkcs8(m)
            .or_else(|| p384_impl::pkcs8(m))
            .or_else(|| p521_impl::pkcs8(m))
            .ok_or_else(wrong_kind)?
            .map(ExportedKey::Bytes),
        KeyFormat::Jwk => {
            let curve = curve_of(m).ok_or_else(|| operation("EC key holds no EC material"))?;
            let (x, y, d) = p256_impl::coords(m)
                .or_else(|| p384_impl::coords(m))
                .or_else(|| p521_impl::coords(m))
                .ok_or_else(|| operation("EC key holds no EC material"))?;
            let mut j = jwk::export_start("EC");
            j.insert("crv".into(), json!(curve.as_str()));
            jwk::put(&mut j, "x", &x);
            jwk::put(&mut j, "y", &y);
            if let Some(d) = d {
                jwk::put(&mut j, "d", &d);
            }
            if key.algorithm.name == AlgorithmName::Ecdsa {
                j.insert("alg".into(), json!(jwk_alg(curve)));
            }
            Ok(ExportedKey::Jwk(jwk::export_finish(j, key)))
        }
    }
}

/// The digest of `data` as the curve's ECDSA takes it. A digest shorter than the field is the
/// same integer left-padded with zeros (FIPS 186-5 §6.4.1: the leftmost bits of a shorter hash
/// are all of it); RustCrypto's `ecdsa` refuses prehashes shorter than half the field (SHA-1 on
/// P-384, SHA-256 on P-521), which Web Crypto allows.
fn prehash(key: &Key, hash: Hash, data: &[u8]) -> Vec<u8> {
    let digest = hash.digest(data);
    let field = curve_of(&key.material).map_or(0, NamedCurve::field_len);
    if digest.len() >= field {
        return digest;
    }
    let mut padded = vec![0u8; field - digest.len()];
    padded.extend_from_slice(&digest);
    padded
}

pub(crate) fn sign(key: &Key, hash: Hash, data: &[u8]) -> Result<Vec<u8>> {
    let m = &*key.material;
    let prehash = prehash(key, hash, data);
    p256_impl::sign(m, &prehash)
        .or_else(|| p384_impl::sign(m, &prehash))
        .or_else(|| p521_impl::sign(m, &prehash))
        .ok_or_else(|| invalid_access("ECDSA sign requires a private key"))?
}

pub(crate) fn verify(key: &Key, hash: Hash, signature: &[u8], data: &[u8]) -> Result<bool> {
    let m = &*key.material;
    let prehash = prehash(key, hash, data);
    p256_impl::verify(m, &prehash, signature)
        .or_else(|| p384_impl::verify(m, &prehash, signature))
        .or_else(|| p521_impl::verify(m, &prehash, signature))
        .ok_or_else(|| invalid_access("ECDSA verify requires a public key"))
}

/// ECDH deriveBits: the x-coordinate of the shared point, truncated to `length` bits.
pub(crate) fn derive_bits(key: &Key, public: &Key, length: Option<u32>) -> Result<Vec<u8>> {
    if public.kind != KeyType::Public {
        return Err(invalid_access(
            "ECDH: the public member must be a public key",
        ));
    }
    if public.algorithm.name != AlgorithmName::Ecdh {
        return Err(invalid_access(format!(
            "ECDH: the public key is a {} key, expected ECDH",
            public.algorithm.name
        )));
    }
    if public.algorithm.named_curve != key.algorithm.named_curve {
        return Err(invalid_access(format!(
            "ECDH: the public key's curve {:?} differs from the base key's {:?}",
            public.algorithm.named_curve.map(NamedCurve::as_str),
            key.algorithm.named_curve.map(NamedCurve::as_str)
        )));
    }
    let secret = p256_impl::ecdh(&key.material, &public.material)
        .or_else(|| p384_impl::ecdh(&key.material, &public.material))
        .or_else(|| p521_impl::ecdh(&key.material, &public.material))
        .ok_or_else(|| invalid_access("ECDH deriveBits requires a private base key"))?;
    crate::truncate_bits(secret, length)
}
