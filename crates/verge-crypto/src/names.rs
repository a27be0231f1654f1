//! The names both [`crate::algorithm`] and [`crate::key`] speak: algorithm names, hashes and
//! curves. Kept apart so that `key` (which stores them) and `algorithm` (whose parameters
//! hold a [`crate::Key`]) depend on this module rather than on each other.

use crate::error::{Result, not_supported};

/// Every algorithm name this crate recognises, in its canonical spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlgorithmName {
    /// `SHA-1`
    Sha1,
    /// `SHA-256`
    Sha256,
    /// `SHA-384`
    Sha384,
    /// `SHA-512`
    Sha512,
    /// `MD5` (non-standard, digest only; Workers exposes it)
    Md5,
    /// `HMAC`
    Hmac,
    /// `RSASSA-PKCS1-v1_5`
    RsassaPkcs1v15,
    /// `RSA-PSS`
    RsaPss,
    /// `RSA-OAEP`
    RsaOaep,
    /// `ECDSA`
    Ecdsa,
    /// `ECDH`
    Ecdh,
    /// `Ed25519`
    Ed25519,
    /// `NODE-ED25519` (Workers' legacy alias of Ed25519, imported with `namedCurve: "NODE-ED25519"`)
    NodeEd25519,
    /// `X25519`
    X25519,
    /// `AES-GCM`
    AesGcm,
    /// `AES-CBC`
    AesCbc,
    /// `AES-CTR`
    AesCtr,
    /// `AES-KW`
    AesKw,
    /// `PBKDF2`
    Pbkdf2,
    /// `HKDF`
    Hkdf,
}

const NAMES: [(AlgorithmName, &str); 20] = [
    (AlgorithmName::Sha1, "SHA-1"),
    (AlgorithmName::Sha256, "SHA-256"),
    (AlgorithmName::Sha384, "SHA-384"),
    (AlgorithmName::Sha512, "SHA-512"),
    (AlgorithmName::Md5, "MD5"),
    (AlgorithmName::Hmac, "HMAC"),
    (AlgorithmName::RsassaPkcs1v15, "RSASSA-PKCS1-v1_5"),
    (AlgorithmName::RsaPss, "RSA-PSS"),
    (AlgorithmName::RsaOaep, "RSA-OAEP"),
    (AlgorithmName::Ecdsa, "ECDSA"),
    (AlgorithmName::Ecdh, "ECDH"),
    (AlgorithmName::Ed25519, "Ed25519"),
    (AlgorithmName::NodeEd25519, "NODE-ED25519"),
    (AlgorithmName::X25519, "X25519"),
    (AlgorithmName::AesGcm, "AES-GCM"),
    (AlgorithmName::AesCbc, "AES-CBC"),
    (AlgorithmName::AesCtr, "AES-CTR"),
    (AlgorithmName::AesKw, "AES-KW"),
    (AlgorithmName::Pbkdf2, "PBKDF2"),
    (AlgorithmName::Hkdf, "HKDF"),
];

impl AlgorithmName {
    /// Looks a name up ASCII-case-insensitively, as WebCrypto requires.
    pub fn parse(name: &str) -> Option<Self> {
        NAMES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(a, _)| *a)
    }

    /// The canonical spelling, as shown in `key.algorithm.name`.
    pub fn as_str(self) -> &'static str {
        NAMES
            .iter()
            .find(|(a, _)| *a == self)
            .map(|(_, n)| *n)
            .expect("every AlgorithmName is listed in NAMES")
    }
}

impl std::fmt::Display for AlgorithmName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A hash usable as the `hash` parameter of HMAC, RSA, ECDSA, PBKDF2 and HKDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hash {
    /// SHA-1
    Sha1,
    /// SHA-256
    Sha256,
    /// SHA-384
    Sha384,
    /// SHA-512
    Sha512,
}

impl Hash {
    /// Parses a hash name (case-insensitive); MD5 and unknown names are `NotSupportedError`.
    pub fn parse(name: &str) -> Result<Self> {
        match AlgorithmName::parse(name) {
            Some(AlgorithmName::Sha1) => Ok(Hash::Sha1),
            Some(AlgorithmName::Sha256) => Ok(Hash::Sha256),
            Some(AlgorithmName::Sha384) => Ok(Hash::Sha384),
            Some(AlgorithmName::Sha512) => Ok(Hash::Sha512),
            _ => Err(not_supported(format!(
                "Unrecognized hash \"{name}\"; expected SHA-1, SHA-256, SHA-384 or SHA-512"
            ))),
        }
    }

    /// Canonical name, e.g. `SHA-256`.
    pub fn as_str(self) -> &'static str {
        match self {
            Hash::Sha1 => "SHA-1",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }

    /// Digest size in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha1 => 20,
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// Block size in bits: the default HMAC key length.
    pub fn block_bits(self) -> u32 {
        match self {
            Hash::Sha1 | Hash::Sha256 => 512,
            Hash::Sha384 | Hash::Sha512 => 1024,
        }
    }

    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// A NIST curve for ECDSA/ECDH. Compared case-sensitively, as the spec does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NamedCurve {
    /// `P-256`
    P256,
    /// `P-384`
    P384,
    /// `P-521`
    P521,
}

impl NamedCurve {
    /// Parses `P-256`/`P-384`/`P-521`; anything else is `NotSupportedError`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "P-256" => Ok(NamedCurve::P256),
            "P-384" => Ok(NamedCurve::P384),
            "P-521" => Ok(NamedCurve::P521),
            other => Err(not_supported(format!(
                "Unsupported namedCurve \"{other}\"; expected \"P-256\", \"P-384\" or \"P-521\""
            ))),
        }
    }

    /// Canonical name, e.g. `P-256`.
    pub fn as_str(self) -> &'static str {
        match self {
            NamedCurve::P256 => "P-256",
            NamedCurve::P384 => "P-384",
            NamedCurve::P521 => "P-521",
        }
    }

    /// Size of one field element (coordinate, scalar) in bytes.
    pub fn field_len(self) -> usize {
        match self {
            NamedCurve::P256 => 32,
            NamedCurve::P384 => 48,
            NamedCurve::P521 => 66,
        }
    }
}
