//! Ed25519 (and Workers' `NODE-ED25519` alias) and X25519
//! (<https://wicg.github.io/webcrypto-secure-curves/>).

use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use pkcs8::der::asn1::{BitStringRef, OctetStringRef};
use pkcs8::der::{Decode, Encode};
use pkcs8::spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use pkcs8::{ObjectIdentifier, PrivateKeyInfo};
use rand_core::{OsRng, RngCore};
use serde_json::json;

use crate::error::{Result, data, invalid_access, operation, type_err};
use crate::jwk::{self, Jwk};
use crate::key::{
    ExportedKey, Key, KeyAlgorithm, KeyData, KeyFormat, KeyMaterial, KeyType, Usage, check_usages,
    intersect,
};
use crate::names::AlgorithmName;

const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const X25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");

/// Which OKP curve.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Okp {
    /// Ed25519 under `name` (Ed25519 or NODE-ED25519).
    Ed25519(AlgorithmName),
    X25519,
}

impl Okp {
    fn name(self) -> AlgorithmName {
        match self {
            Okp::Ed25519(n) => n,
            Okp::X25519 => AlgorithmName::X25519,
        }
    }
    fn crv(self) -> &'static str {
        match self {
            Okp::Ed25519(_) => "Ed25519",
            Okp::X25519 => "X25519",
        }
    }
    fn oid(self) -> ObjectIdentifier {
        match self {
            Okp::Ed25519(_) => ED25519_OID,
            Okp::X25519 => X25519_OID,
        }
    }
    pub(crate) fn private_usages(self) -> &'static [Usage] {
        match self {
            Okp::Ed25519(_) => &[Usage::Sign],
            Okp::X25519 => &[Usage::DeriveKey, Usage::DeriveBits],
        }
    }
    pub(crate) fn public_usages(self) -> &'static [Usage] {
        match self {
            Okp::Ed25519(_) => &[Usage::Verify],
            Okp::X25519 => &[],
        }
    }
    fn public_material(self, bytes: [u8; 32]) -> KeyMaterial {
        match self {
            Okp::Ed25519(_) => KeyMaterial::Ed25519Public(bytes),
            Okp::X25519 => KeyMaterial::X25519Public(bytes),
        }
    }
    fn private_material(self, seed: [u8; 32]) -> KeyMaterial {
        match self {
            Okp::Ed25519(_) => KeyMaterial::Ed25519Private(SigningKey::from_bytes(&seed)),
            Okp::X25519 => KeyMaterial::X25519Private(x25519_dalek::StaticSecret::from(seed)),
        }
    }
}

fn make(okp: Okp, extractable: bool, usages: &[Usage], m: KeyMaterial) -> Key {
    let kind = match m {
        KeyMaterial::Ed25519Private(_) | KeyMaterial::X25519Private(_) => KeyType::Private,
        _ => KeyType::Public,
    };
    Key::new(
        kind,
        extractable,
        KeyAlgorithm::named(okp.name()),
        usages,
        m,
    )
}

fn public_bytes(m: &KeyMaterial) -> Option<[u8; 32]> {
    match m {
        KeyMaterial::Ed25519Public(b) | KeyMaterial::X25519Public(b) => Some(*b),
        KeyMaterial::Ed25519Private(sk) => Some(sk.verifying_key().to_bytes()),
        KeyMaterial::X25519Private(sk) => Some(x25519_dalek::PublicKey::from(sk).to_bytes()),
        _ => None,
    }
}

fn private_bytes(m: &KeyMaterial) -> Option<[u8; 32]> {
    match m {
        KeyMaterial::Ed25519Private(sk) => Some(sk.to_bytes()),
        KeyMaterial::X25519Private(sk) => Some(sk.to_bytes()),
        _ => None,
    }
}

fn to32(b: &[u8], what: &str) -> Result<[u8; 32]> {
    b.try_into()
        .map_err(|_| data(format!("{what} must be 32 bytes, got {}", b.len())))
}

pub(crate) fn generate(okp: Okp, extractable: bool, usages: &[Usage]) -> Result<(Key, Key)> {
    let all = [okp.private_usages(), okp.public_usages()].concat();
    check_usages(usages, &all, format!("an {} key pair", okp.name()))?;
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let private = okp.private_material(seed);
    let public =
        okp.public_material(public_bytes(&private).expect("private material has a public key"));
    Ok((
        make(okp, true, &intersect(usages, okp.public_usages()), public),
        make(
            okp,
            extractable,
            &intersect(usages, okp.private_usages()),
            private,
        ),
    ))
}

pub(crate) fn import(
    okp: Okp,
    format: KeyFormat,
    key_data: &KeyData,
    extractable: bool,
    usages: &[Usage],
) -> Result<Key> {
    let name = okp.name();
    let public_ok =
        |u: &[Usage]| check_usages(u, okp.public_usages(), format!("an {name} public key"));
    let private_ok =
        |u: &[Usage]| check_usages(u, okp.private_usages(), format!("an {name} private key"));
    let material = match (format, key_data) {
        (KeyFormat::Raw, KeyData::Bytes(b)) => {
            public_ok(usages)?;
            okp.public_material(to32(b, &format!("{name} raw public key"))?)
        }
        (KeyFormat::Spki, KeyData::Bytes(b)) => {
            public_ok(usages)?;
            let spki = SubjectPublicKeyInfoRef::try_from(b.as_slice())
                .map_err(|e| data(format!("Invalid spki key data: {e}")))?;
            if spki.algorithm.oid != okp.oid() || spki.algorithm.parameters.is_some() {
                return Err(data(format!(
                    "spki algorithm {} is not {} ({})",
                    spki.algorithm.oid,
                    okp.crv(),
                    okp.oid()
                )));
            }
            let key = spki
                .subject_public_key
                .as_bytes()
                .ok_or_else(|| data("spki public key bit string has unused bits"))?;
            okp.public_material(to32(key, &format!("{name} spki public key"))?)
        }
        (KeyFormat::Pkcs8, KeyData::Bytes(b)) => {
            private_ok(usages)?;
            let info = PrivateKeyInfo::try_from(b.as_slice())
                .map_err(|e| data(format!("Invalid pkcs8 key data: {e}")))?;
            if info.algorithm.oid != okp.oid() || info.algorithm.parameters.is_some() {
                return Err(data(format!(
                    "pkcs8 algorithm {} is not {} ({})",
                    info.algorithm.oid,
                    okp.crv(),
                    okp.oid()
                )));
            }
            let seed = OctetStringRef::from_der(info.private_key)
                .map_err(|e| data(format!("Invalid {name} pkcs8 private key: {e}")))?;
            okp.private_material(to32(seed.as_bytes(), &format!("{name} private key"))?)
        }
        (KeyFormat::Jwk, KeyData::Jwk(v)) => {
            let jwk = Jwk::new(v)?;
            let d = jwk.bytes("d")?;
            if d.is_some() {
                private_ok(usages)?;
            } else {
                public_ok(usages)?;
            }
            jwk.expect_kty("OKP")?;
            match jwk.str("crv")? {
                Some(c) if c == okp.crv() => {}
                other => {
                    return Err(data(format!(
                        "JWK \"crv\" must be \"{}\", got {other:?}",
                        okp.crv()
                    )));
                }
            }
            if matches!(okp, Okp::Ed25519(_)) {
                jwk.expect_alg(&["Ed25519", "EdDSA"])?;
            }
            let expected_use = if okp == Okp::X25519 { "enc" } else { "sig" };
            jwk.check_use_ops_ext(usages, expected_use, extractable)?;
            let x = to32(&jwk.req_bytes("x")?, "JWK x")?;
            match d {
                None => okp.public_material(x),
                Some(d) => {
                    let m = okp.private_material(to32(&d, "JWK d")?);
                    if public_bytes(&m) != Some(x) {
                        return Err(data("JWK d does not match x"));
                    }
                    m
                }
            }
        }
        _ => {
            return Err(type_err(format!(
                "keyData for format \"{}\" has the wrong type",
                format.as_str()
            )));
        }
    };
    Ok(make(okp, extractable, usages, material))
}

pub(crate) fn export(okp: Okp, format: KeyFormat, key: &Key) -> Result<ExportedKey> {
    let m = &*key.material;
    let wrong_kind = || {
        invalid_access(format!(
            "A {} {} key cannot be exported as \"{}\"",
            key.kind.as_str(),
            okp.name(),
            format.as_str()
        ))
    };
    let der_err = |e: pkcs8::der::Error| operation(format!("DER encoding failed: {e}"));
    match format {
        KeyFormat::Raw if key.kind == KeyType::Public => Ok(ExportedKey::Bytes(
            public_bytes(m).ok_or_else(wrong_kind)?.to_vec(),
        )),
        KeyFormat::Spki if key.kind == KeyType::Public => {
            let pk = public_bytes(m).ok_or_else(wrong_kind)?;
            let spki = SubjectPublicKeyInfoRef {
                algorithm: AlgorithmIdentifierRef {
                    oid: okp.oid(),
                    parameters: None,
                },
                subject_public_key: BitStringRef::from_bytes(&pk).map_err(der_err)?,
            };
            Ok(ExportedKey::Bytes(spki.to_der().map_err(der_err)?))
        }
        KeyFormat::Pkcs8 if key.kind == KeyType::Private => {
            let seed = private_bytes(m).ok_or_else(wrong_kind)?;
            let inner = OctetStringRef::new(&seed)
                .and_then(|o| o.to_der())
                .map_err(der_err)?;
            let info = PrivateKeyInfo::new(
                AlgorithmIdentifierRef {
                    oid: okp.oid(),
                    parameters: None,
                },
                &inner,
            );
            Ok(ExportedKey::Bytes(info.to_der().map_err(der_err)?))
        }
        KeyFormat::Jwk => {
            let mut j = jwk::export_start("OKP");
            j.insert("crv".into(), json!(okp.crv()));
            jwk::put(&mut j, "x", &public_bytes(m).ok_or_else(wrong_kind)?);
            if let Some(d) = private_bytes(m) {
                jwk::put(&mut j, "d", &d);
            }
            if matches!(okp, Okp::Ed25519(_)) {
                // workerd and JOSE libraries use "EdDSA"; the Secure Curves draft later
                // allowed "Ed25519", which import accepts too.
                j.insert("alg".into(), json!("EdDSA"));
            }
            Ok(ExportedKey::Jwk(jwk::export_finish(j, key)))
        }
        _ => Err(wrong_kind()),
    }
}

pub(crate) fn sign(key: &Key, data: &[u8]) -> Result<Vec<u8>> {
    match &*key.material {
        KeyMaterial::Ed25519Private(sk) => Ok(sk.sign(data).to_bytes().to_vec()),
        _ => Err(invalid_access("Ed25519 sign requires a private key")),
    }
}

pub(crate) fn verify(key: &Key, signature: &[u8], data: &[u8]) -> Result<bool> {
    let KeyMaterial::Ed25519Public(pk) = &*key.material else {
        return Err(invalid_access("Ed25519 verify requires a public key"));
    };
    let Ok(sig) = <[u8; 64]>::try_from(signature) else {
        return Ok(false);
    };
    let Ok(vk) = VerifyingKey::from_bytes(pk) else {
        return Ok(false);
    };
    // Cofactorless verification with canonical-S check, as BoringSSL (workerd) does.
    Ok(vk
        .verify(data, &ed25519_dalek::Signature::from_bytes(&sig))
        .is_ok())
}

/// X25519 deriveBits.
pub(crate) fn derive_bits(key: &Key, public: &Key, length: Option<u32>) -> Result<Vec<u8>> {
    if public.kind != KeyType::Public || public.algorithm.name != AlgorithmName::X25519 {
        return Err(invalid_access(format!(
            "X25519: the public member must be an X25519 public key, got a {} {} key",
            public.kind.as_str(),
            public.algorithm.name
        )));
    }
    let (KeyMaterial::X25519Private(sk), KeyMaterial::X25519Public(pk)) =
        (&*key.material, &*public.material)
    else {
        return Err(invalid_access(
            "X25519 deriveBits requires a private base key",
        ));
    };
    let shared = sk.diffie_hellman(&x25519_dalek::PublicKey::from(*pk));
    if !shared.was_contributory() {
        return Err(operation(
            "X25519: the shared secret is all zeros (small-order public key)",
        ));
    }
    crate::truncate_bits(shared.as_bytes().to_vec(), length)
}
