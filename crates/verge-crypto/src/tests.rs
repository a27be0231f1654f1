//! Known-answer vectors (transcribed from the cited RFCs / NIST publications), round trips
//! through every format, and error cases asserting the DOMException name.

use serde_json::{Value, json};

use crate::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test hex is valid"))
        .collect()
}

fn b64u(s: &str) -> Vec<u8> {
    b64url_decode(s, "test").expect("test base64url is valid")
}

fn params(v: Value) -> AlgorithmParams {
    AlgorithmParams::from_json(&v).expect("test algorithm is valid")
}

fn dom(err: CryptoError) -> Option<&'static str> {
    err.dom_name()
}

fn import(
    format: &str,
    data: KeyData,
    alg: Value,
    extractable: bool,
    usages: &[&str],
) -> Result<Key> {
    import_key(
        KeyFormat::parse(format)?,
        &data,
        &params(alg),
        extractable,
        &Usage::parse_list(usages)?,
    )
}

fn raw(b: &[u8]) -> KeyData {
    KeyData::Bytes(b.to_vec())
}

fn bytes(e: ExportedKey) -> Vec<u8> {
    match e {
        ExportedKey::Bytes(b) => b,
        ExportedKey::Jwk(j) => panic!("expected bytes, got {j}"),
    }
}

fn jwk_of(e: ExportedKey) -> Value {
    match e {
        ExportedKey::Jwk(j) => j,
        ExportedKey::Bytes(b) => panic!("expected a JWK, got {} bytes", b.len()),
    }
}

fn pair(g: GeneratedKey) -> (Key, Key) {
    match g {
        GeneratedKey::Pair {
            public_key,
            private_key,
        } => (public_key, private_key),
        GeneratedKey::Secret(_) => panic!("expected a key pair"),
    }
}

fn secret(g: GeneratedKey) -> Key {
    match g {
        GeneratedKey::Secret(k) => k,
        GeneratedKey::Pair { .. } => panic!("expected a secret key"),
    }
}

// ---------------------------------------------------------------- digest (FIPS 180-4)

#[test]
fn sha_digests_of_abc_match_fips_180() {
    let cases = [
        ("SHA-1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            "SHA-256",
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            "SHA-384",
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
        ),
        (
            "SHA-512",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];
    for (name, want) in cases {
        assert_eq!(digest(&name.into(), b"abc").unwrap(), hex(want), "{name}");
    }
}

#[test]
fn md5_digest_is_available_as_a_workers_extra() {
    assert_eq!(
        digest(&"MD5".into(), b"abc").unwrap(),
        hex("900150983cd24fb0d6963f7d28e17f72")
    );
}

#[test]
fn algorithm_names_are_case_insensitive() {
    assert_eq!(
        digest(&"sha-256".into(), b"abc").unwrap(),
        digest(&"SHA-256".into(), b"abc").unwrap()
    );
}

#[test]
fn digest_with_unknown_or_keyed_algorithm_is_not_supported() {
    assert_eq!(
        dom(digest(&"SHA-3".into(), b"").unwrap_err()),
        Some("NotSupportedError")
    );
    assert_eq!(
        dom(digest(&"HMAC".into(), b"").unwrap_err()),
        Some("NotSupportedError")
    );
}

// ---------------------------------------------------------------- HMAC (RFC 4231, RFC 7515 A.1)

fn hmac_key(hash: &str, key: &[u8]) -> Key {
    import(
        "raw",
        raw(key),
        json!({"name": "HMAC", "hash": hash}),
        true,
        &["sign", "verify"],
    )
    .unwrap()
}

#[test]
fn hmac_matches_rfc_4231_cases_1_and_2() {
    let tc1 = [0x0bu8; 20];
    let cases: [(&str, &[u8], &[u8], &str); 5] = [
        (
            "SHA-256",
            &tc1,
            b"Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        ),
        (
            "SHA-512",
            &tc1,
            b"Hi There",
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        ),
        (
            "SHA-256",
            b"Jefe",
            b"what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            "SHA-384",
            b"Jefe",
            b"what do ya want for nothing?",
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
        ),
        (
            "SHA-512",
            b"Jefe",
            b"what do ya want for nothing?",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        ),
    ];
    for (hash, key, data, want) in cases {
        let k = hmac_key(hash, key);
        let mac = sign(&"HMAC".into(), &k, data).unwrap();
        assert_eq!(mac, hex(want), "{hash}");
        assert!(verify(&"HMAC".into(), &k, &mac, data).unwrap());
        assert!(!verify(&"HMAC".into(), &k, &mac[..mac.len() - 1], data).unwrap());
    }
}

const JWS_PAYLOAD: &str = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

#[test]
fn hs256_jws_of_rfc_7515_a1_signs_identically_from_a_jwk() {
    let jwk = json!({"kty": "oct", "k": "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"});
    let key = import(
        "jwk",
        KeyData::Jwk(jwk),
        json!({"name": "HMAC", "hash": {"name": "SHA-256"}}),
        false,
        &["sign"],
    )
    .unwrap();
    let input = format!("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.{JWS_PAYLOAD}");
    let sig = sign(&"HMAC".into(), &key, input.as_bytes()).unwrap();
    assert_eq!(
        b64url_encode(&sig),
        "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    );
}

#[test]
fn hmac_key_algorithm_json_has_hash_object_and_length_in_bits() {
    let key = hmac_key("SHA-256", &[7u8; 32]);
    assert_eq!(
        key.algorithm_json(),
        json!({"name": "HMAC", "hash": {"name": "SHA-256"}, "length": 256})
    );
    assert_eq!(key.kind.as_str(), "secret");
    assert_eq!(key.usage_strings(), ["sign", "verify"]);
}

#[test]
fn hmac_generate_defaults_to_the_hash_block_size() {
    let alg = params(json!({"name": "HMAC", "hash": "SHA-512"}));
    let key = secret(generate_key(&alg, true, &[Usage::Sign]).unwrap());
    assert_eq!(key.algorithm.length, Some(1024));
    assert_eq!(bytes(export_key(KeyFormat::Raw, &key).unwrap()).len(), 128);
}

#[test]
fn hmac_jwk_export_round_trips_with_alg_key_ops_and_ext() {
    let key = hmac_key("SHA-384", b"0123456789abcdef");
    let jwk = jwk_of(export_key(KeyFormat::Jwk, &key).unwrap());
    assert_eq!(jwk["kty"], "oct");
    assert_eq!(jwk["alg"], "HS384");
    assert_eq!(jwk["k"], b64url_encode(b"0123456789abcdef"));
    assert_eq!(jwk["key_ops"], json!(["sign", "verify"]));
    assert_eq!(jwk["ext"], true);
    let back = import(
        "jwk",
        KeyData::Jwk(jwk),
        json!({"name": "HMAC", "hash": "SHA-384"}),
        true,
        &["verify"],
    )
    .unwrap();
    assert_eq!(
        bytes(export_key(KeyFormat::Raw, &back).unwrap()),
        b"0123456789abcdef"
    );
}

#[test]
fn hmac_import_with_explicit_length_must_fit_the_data() {
    let alg = json!({"name": "HMAC", "hash": "SHA-256", "length": 124});
    let key = import("raw", raw(&[1u8; 16]), alg, false, &["sign"]).unwrap();
    assert_eq!(key.algorithm.length, Some(124));
    let too_long = json!({"name": "HMAC", "hash": "SHA-256", "length": 136});
    let err = import("raw", raw(&[1u8; 16]), too_long, false, &["sign"]).unwrap_err();
    assert_eq!(dom(err), Some("DataError"));
}

#[test]
fn hmac_jwk_import_rejects_mismatched_alg_ext_and_key_ops() {
    let k = b64url_encode(b"secret-key");
    let alg = || json!({"name": "HMAC", "hash": "SHA-256"});
    let cases = [
        json!({"kty": "oct", "k": k, "alg": "HS512"}),
        json!({"kty": "oct", "k": k, "ext": false}),
        json!({"kty": "oct", "k": k, "key_ops": ["verify"]}),
        json!({"kty": "oct", "k": k, "use": "enc"}),
        json!({"kty": "RSA", "k": k}),
        json!({"kty": "oct"}),
        json!({"kty": "oct", "k": "not base64url!"}),
    ];
    for jwk in cases {
        let err = import("jwk", KeyData::Jwk(jwk.clone()), alg(), true, &["sign"]).unwrap_err();
        assert_eq!(dom(err), Some("DataError"), "{jwk}");
    }
}

#[test]
fn hmac_usage_errors_are_syntax_errors() {
    let alg = json!({"name": "HMAC", "hash": "SHA-256"});
    let err = import("raw", raw(b"k"), alg.clone(), false, &["encrypt"]).unwrap_err();
    assert_eq!(dom(err), Some("SyntaxError"));
    let err = import("raw", raw(b"k"), alg, false, &[]).unwrap_err();
    assert_eq!(dom(err), Some("SyntaxError"));
}

#[test]
fn hmac_import_without_hash_is_a_type_error() {
    let err = import("raw", raw(b"k"), json!({"name": "HMAC"}), false, &["sign"]).unwrap_err();
    assert_eq!(dom(err), None);
}

#[test]
fn exporting_a_non_extractable_key_is_invalid_access() {
    let key = import(
        "raw",
        raw(b"k"),
        json!({"name": "HMAC", "hash": "SHA-1"}),
        false,
        &["sign"],
    )
    .unwrap();
    assert_eq!(
        dom(export_key(KeyFormat::Raw, &key).unwrap_err()),
        Some("InvalidAccessError")
    );
}

#[test]
fn signing_without_the_usage_or_with_another_algorithm_is_invalid_access() {
    let key = import(
        "raw",
        raw(b"k"),
        json!({"name": "HMAC", "hash": "SHA-1"}),
        false,
        &["verify"],
    )
    .unwrap();
    assert_eq!(
        dom(sign(&"HMAC".into(), &key, b"x").unwrap_err()),
        Some("InvalidAccessError")
    );
    let err = verify(&"RSASSA-PKCS1-v1_5".into(), &key, b"", b"x").unwrap_err();
    assert_eq!(dom(err), Some("InvalidAccessError"));
}

// ---------------------------------------------------------------- RSA (RFC 7515 A.2)

fn a2_jwk(private: bool) -> Value {
    let mut j = json!({
        "kty": "RSA",
        "n": "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
        "e": "AQAB",
    });
    if private {
        j["d"] = json!(
            "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ"
        );
        j["p"] = json!(
            "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc"
        );
        j["q"] = json!(
            "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc"
        );
        j["dp"] = json!(
            "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0"
        );
        j["dq"] = json!(
            "h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU"
        );
        j["qi"] = json!(
            "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"
        );
    }
    j
}

const A2_SIG: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

fn rs256() -> Value {
    json!({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"})
}

#[test]
fn rs256_jws_of_rfc_7515_a2_verifies_and_signs_identically() {
    let input = format!("eyJhbGciOiJSUzI1NiJ9.{JWS_PAYLOAD}");
    let public = import(
        "jwk",
        KeyData::Jwk(a2_jwk(false)),
        rs256(),
        true,
        &["verify"],
    )
    .unwrap();
    let alg: AlgorithmParams = "RSASSA-PKCS1-v1_5".into();
    assert!(verify(&alg, &public, &b64u(A2_SIG), input.as_bytes()).unwrap());
    assert!(!verify(&alg, &public, &b64u(A2_SIG), b"tampered").unwrap());
    let private = import("jwk", KeyData::Jwk(a2_jwk(true)), rs256(), true, &["sign"]).unwrap();
    assert_eq!(
        b64url_encode(&sign(&alg, &private, input.as_bytes()).unwrap()),
        A2_SIG
    );
}

#[test]
fn rsa_key_algorithm_json_shows_modulus_length_and_exponent_bytes() {
    let public = import(
        "jwk",
        KeyData::Jwk(a2_jwk(false)),
        rs256(),
        true,
        &["verify"],
    )
    .unwrap();
    assert_eq!(
        public.algorithm_json(),
        json!({"name": "RSASSA-PKCS1-v1_5", "modulusLength": 2048, "publicExponent": [1, 0, 1], "hash": {"name": "SHA-256"}})
    );
}

#[test]
fn rsa_private_jwk_round_trips_through_pkcs8_and_jwk() {
    let private = import("jwk", KeyData::Jwk(a2_jwk(true)), rs256(), true, &["sign"]).unwrap();
    let der = bytes(export_key(KeyFormat::Pkcs8, &private).unwrap());
    let back = import("pkcs8", raw(&der), rs256(), true, &["sign"]).unwrap();
    let jwk = jwk_of(export_key(KeyFormat::Jwk, &back).unwrap());
    let want = a2_jwk(true);
    for m in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
        assert_eq!(jwk[m], want[m], "member {m}");
    }
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["key_ops"], json!(["sign"]));
}

#[test]
fn rsa_public_key_round_trips_through_spki() {
    let public = import(
        "jwk",
        KeyData::Jwk(a2_jwk(false)),
        rs256(),
        true,
        &["verify"],
    )
    .unwrap();
    let der = bytes(export_key(KeyFormat::Spki, &public).unwrap());
    let back = import("spki", raw(&der), rs256(), true, &["verify"]).unwrap();
    assert_eq!(
        jwk_of(export_key(KeyFormat::Jwk, &back).unwrap())["n"],
        a2_jwk(false)["n"]
    );
    // spki of a private key is the wrong key type
    let private = import("jwk", KeyData::Jwk(a2_jwk(true)), rs256(), true, &["sign"]).unwrap();
    assert_eq!(
        dom(export_key(KeyFormat::Spki, &private).unwrap_err()),
        Some("InvalidAccessError")
    );
}

#[test]
fn rsa_private_jwk_without_primes_is_recovered_from_n_e_d() {
    let mut jwk = a2_jwk(true);
    for m in ["p", "q", "dp", "dq", "qi"] {
        jwk.as_object_mut().unwrap().remove(m);
    }
    let key = import("jwk", KeyData::Jwk(jwk), rs256(), false, &["sign"]).unwrap();
    let input = format!("eyJhbGciOiJSUzI1NiJ9.{JWS_PAYLOAD}");
    let sig = sign(&"RSASSA-PKCS1-v1_5".into(), &key, input.as_bytes()).unwrap();
    assert_eq!(b64url_encode(&sig), A2_SIG);
}

#[test]
fn rsa_jwk_import_checks_alg_usage_and_key_type() {
    // Without an alg member any hash is accepted; with RS256 and SHA-512 it is a DataError.
    import(
        "jwk",
        KeyData::Jwk(a2_jwk(false)),
        json!({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-512"}),
        true,
        &["verify"],
    )
    .unwrap();
    let mut with_alg = a2_jwk(false);
    with_alg["alg"] = json!("RS256");
    let err = import(
        "jwk",
        KeyData::Jwk(with_alg),
        json!({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-512"}),
        true,
        &["verify"],
    )
    .unwrap_err();
    assert_eq!(dom(err), Some("DataError"));
    let err = import("jwk", KeyData::Jwk(a2_jwk(false)), rs256(), true, &["sign"]).unwrap_err();
    assert_eq!(dom(err), Some("SyntaxError"));
    let err = import("raw", raw(b"abc"), rs256(), true, &["verify"]).unwrap_err();
    assert_eq!(dom(err), Some("NotSupportedError"));
    let err = import("spki", raw(b"not der"), rs256(), true, &["verify"]).unwrap_err();
    assert_eq!(dom(err), Some("DataError"));
}

fn rsa_pair(name: &str) -> (Key, Key) {
    let alg = params(
        json!({"name": name, "hash": "SHA-256", "modulusLength": 1024, "publicExponent": [1, 0, 1]}),
    );
    let usages = if name == "RSA-OAEP" {
        vec![
            Usage::Encrypt,
            Usage::Decrypt,
            Usage::WrapKey,
            Usage::UnwrapKey,
        ]
    } else {
        vec![Usage::Sign, Usage::Verify]
    };
    pair(generate_key(&alg, true, &usages).unwrap())
}

#[test]
fn rsa_pss_generated_pair_signs_verifies_and_splits_usages() {
    let (public, private) = rsa_pair("RSA-PSS");
    assert_eq!(public.usages, [Usage::Verify]);
    assert_eq!(private.usages, [Usage::Sign]);
    assert!(public.extractable);
    assert_eq!(public.algorithm.modulus_length, Some(1024));
    let alg = params(json!({"name": "RSA-PSS", "saltLength": 32}));
    let sig = sign(&alg, &private, b"message").unwrap();
    assert!(verify(&alg, &public, &sig, b"message").unwrap());
    assert!(!verify(&alg, &public, &sig, b"massage").unwrap());
    let err = sign(&"RSA-PSS".into(), &private, b"m").unwrap_err();
    assert_eq!(dom(err), None, "saltLength is required");
}

#[test]
fn rsa_oaep_encrypts_decrypts_with_label_and_wraps_keys() {
    let (public, private) = rsa_pair("RSA-OAEP");
    let alg = AlgorithmParams {
        label: Some(b"ctx".to_vec()),
        ..AlgorithmParams::named("RSA-OAEP")
    };
    let ct = encrypt(&alg, &public, b"secret").unwrap();
    assert_eq!(decrypt(&alg, &private, &ct).unwrap(), b"secret");
    let err = decrypt(&"RSA-OAEP".into(), &private, &ct).unwrap_err();
    assert_eq!(dom(err), Some("OperationError"), "wrong label");

    let aes = secret(
        generate_key(
            &params(json!({"name": "AES-GCM", "length": 128})),
            true,
            &[Usage::Encrypt],
        )
        .unwrap(),
    );
    let wrapped = wrap_key(KeyFormat::Raw, &aes, &public, &"RSA-OAEP".into()).unwrap();
    let unwrapped = unwrap_key(
        KeyFormat::Raw,
        &wrapped,
        &private,
        &"RSA-OAEP".into(),
        &"AES-GCM".into(),
        true,
        &[Usage::Decrypt],
    )
    .unwrap();
    assert_eq!(
        export_key(KeyFormat::Raw, &unwrapped).unwrap(),
        export_key(KeyFormat::Raw, &aes).unwrap()
    );
}

#[test]
fn oaep_non_utf8_label_is_not_supported() {
    let (public, _) = rsa_pair("RSA-OAEP");
    let alg = AlgorithmParams {
        label: Some(vec![0xff, 0xfe]),
        ..AlgorithmParams::named("RSA-OAEP")
    };
    assert_eq!(
        dom(encrypt(&alg, &public, b"x").unwrap_err()),
        Some("NotSupportedError")
    );
}

#[test]
fn rsa_generate_rejects_odd_exponent_and_tiny_modulus() {
    for alg in [
        json!({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256", "modulusLength": 1024, "publicExponent": [1, 0, 0]}),
        json!({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256", "modulusLength": 128, "publicExponent": [1, 0, 1]}),
    ] {
        let err = generate_key(&params(alg), true, &[Usage::Sign]).unwrap_err();
        assert_eq!(dom(err), Some("OperationError"));
    }
    let missing = json!({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256", "modulusLength": 1024});
    assert_eq!(
        dom(generate_key(&params(missing), true, &[Usage::Sign]).unwrap_err()),
        None
    );
}

// ---------------------------------------------------------------- ECDSA (RFC 7515 A.3)

fn a3_jwk(private: bool) -> Value {
    let mut j = json!({
        "kty": "EC",
        "crv": "P-256",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    });
    if private {
        j["d"] = json!("jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI");
    }
    j
}

fn es256_import() -> Value {
    json!({"name": "ECDSA", "namedCurve": "P-256"})
}

fn es256() -> AlgorithmParams {
    params(json!({"name": "ECDSA", "hash": "SHA-256"}))
}

#[test]
fn es256_jws_of_rfc_7515_a3_verifies_from_its_jwk() {
    let input = format!("eyJhbGciOiJFUzI1NiJ9.{JWS_PAYLOAD}");
    let sig = b64u(
        "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q",
    );
    let public = import(
        "jwk",
        KeyData::Jwk(a3_jwk(false)),
        es256_import(),
        true,
        &["verify"],
    )
    .unwrap();
    assert!(verify(&es256(), &public, &sig, input.as_bytes()).unwrap());
    assert!(!verify(&es256(), &public, &sig, b"other").unwrap());
    // a signature of the wrong length (e.g. DER) verifies as false rather than throwing
    assert!(!verify(&es256(), &public, &sig[1..], input.as_bytes()).unwrap());

    let private = import(
        "jwk",
        KeyData::Jwk(a3_jwk(true)),
        es256_import(),
        true,
        &["sign"],
    )
    .unwrap();
    let mine = sign(&es256(), &private, input.as_bytes()).unwrap();
    assert_eq!(mine.len(), 64, "P1363 r||s");
    assert!(verify(&es256(), &public, &mine, input.as_bytes()).unwrap());
}

#[test]
fn ec_keys_round_trip_through_raw_spki_pkcs8_and_jwk() {
    for (curve, len) in [("P-256", 32usize), ("P-384", 48), ("P-521", 66)] {
        let alg = params(json!({"name": "ECDSA", "namedCurve": curve}));
        let (public, private) =
            pair(generate_key(&alg, true, &[Usage::Sign, Usage::Verify]).unwrap());
        assert_eq!(
            public.algorithm_json(),
            json!({"name": "ECDSA", "namedCurve": curve})
        );
        let imp = json!({"name": "ECDSA", "namedCurve": curve});

        let raw_pub = bytes(export_key(KeyFormat::Raw, &public).unwrap());
        assert_eq!(raw_pub.len(), 1 + 2 * len);
        assert_eq!(raw_pub[0], 4, "uncompressed point");
        let spki = bytes(export_key(KeyFormat::Spki, &public).unwrap());
        let pkcs8 = bytes(export_key(KeyFormat::Pkcs8, &private).unwrap());
        let jwk = jwk_of(export_key(KeyFormat::Jwk, &private).unwrap());
        assert_eq!(jwk["crv"], curve);
        assert_eq!(b64u(jwk["d"].as_str().unwrap()).len(), len);

        let pubs = [
            import("raw", raw(&raw_pub), imp.clone(), true, &["verify"]).unwrap(),
            import("spki", raw(&spki), imp.clone(), true, &["verify"]).unwrap(),
        ];
        let privs = [
            import("pkcs8", raw(&pkcs8), imp.clone(), true, &["sign"]).unwrap(),
            import(
                "jwk",
                KeyData::Jwk(jwk.clone()),
                imp.clone(),
                true,
                &["sign"],
            )
            .unwrap(),
        ];
        let hash = match curve {
            "P-256" => "SHA-256",
            "P-384" => "SHA-384",
            _ => "SHA-512",
        };
        // Every hash on every curve: a digest shorter than half the field (SHA-1 on P-384,
        // SHA-1 and SHA-256 on P-521) too.
        for hash in [hash, "SHA-1", "SHA-256"] {
            let sig_alg = params(json!({"name": "ECDSA", "hash": hash}));
            for sk in &privs {
                let sig = sign(&sig_alg, sk, b"data").unwrap();
                assert_eq!(sig.len(), 2 * len);
                for pk in &pubs {
                    assert!(
                        verify(&sig_alg, pk, &sig, b"data").unwrap(),
                        "{curve} {hash}"
                    );
                    assert!(!verify(&sig_alg, pk, &sig, b"date").unwrap());
                }
            }
        }
    }
}

#[test]
fn ec_import_rejects_wrong_curve_and_bad_points() {
    let p384 = json!({"name": "ECDSA", "namedCurve": "P-384"});
    let err = import(
        "jwk",
        KeyData::Jwk(a3_jwk(false)),
        p384.clone(),
        true,
        &["verify"],
    )
    .unwrap_err();
    assert_eq!(dom(err), Some("DataError"));
    let (public, _) = pair(generate_key(&params(es256_import()), true, &[Usage::Sign]).unwrap());
    let spki = bytes(export_key(KeyFormat::Spki, &public).unwrap());
    assert_eq!(
        dom(import("spki", raw(&spki), p384, true, &["verify"]).unwrap_err()),
        Some("DataError")
    );
    let mut bad = vec![4u8];
    bad.extend([1u8; 64]);
    assert_eq!(
        dom(import("raw", raw(&bad), es256_import(), true, &["verify"]).unwrap_err()),
        Some("DataError")
    );
    let mut wrong_alg = a3_jwk(false);
    wrong_alg["alg"] = json!("ES384");
    assert_eq!(
        dom(import(
            "jwk",
            KeyData::Jwk(wrong_alg),
            es256_import(),
            true,
            &["verify"]
        )
        .unwrap_err()),
        Some("DataError")
    );
}

#[test]
fn unknown_or_missing_named_curve_is_reported() {
    let err = generate_key(
        &params(json!({"name": "ECDSA", "namedCurve": "P-512"})),
        true,
        &[Usage::Sign],
    )
    .unwrap_err();
    assert_eq!(dom(err), Some("NotSupportedError"));
    let err = generate_key(&params(json!({"name": "ECDSA"})), true, &[Usage::Sign]).unwrap_err();
    assert_eq!(dom(err), None);
}

// ---------------------------------------------------------------- ECDH

#[test]
fn ecdh_both_sides_derive_the_same_bits() {
    let alg = params(json!({"name": "ECDH", "namedCurve": "P-256"}));
    let (a_pub, a_priv) = pair(generate_key(&alg, true, &[Usage::DeriveBits]).unwrap());
    let (b_pub, b_priv) = pair(generate_key(&alg, true, &[Usage::DeriveBits]).unwrap());
    assert!(a_pub.usages.is_empty());
    let with = |k: &Key| AlgorithmParams {
        public: Some(k.clone()),
        ..AlgorithmParams::named("ECDH")
    };
    let ab = derive_bits(&with(&b_pub), &a_priv, None).unwrap();
    let ba = derive_bits(&with(&a_pub), &b_priv, Some(256)).unwrap();
    assert_eq!(ab.len(), 32);
    assert_eq!(ab, ba);
    let short = derive_bits(&with(&b_pub), &a_priv, Some(12)).unwrap();
    assert_eq!(short, vec![ab[0], ab[1] & 0xf0]);
    let err = derive_bits(&with(&b_pub), &a_priv, Some(264)).unwrap_err();
    assert_eq!(dom(err), Some("OperationError"));

    let p384 = params(json!({"name": "ECDH", "namedCurve": "P-384"}));
    let (c_pub, _) = pair(generate_key(&p384, true, &[Usage::DeriveBits]).unwrap());
    assert_eq!(
        dom(derive_bits(&with(&c_pub), &a_priv, None).unwrap_err()),
        Some("InvalidAccessError")
    );
    let err = derive_bits(&"ECDH".into(), &a_priv, None).unwrap_err();
    assert_eq!(dom(err), None, "public is required");
}

#[test]
fn ecdh_over_p521_agrees_on_66_bytes() {
    let alg = params(json!({"name": "ECDH", "namedCurve": "P-521"}));
    let (a_pub, a_priv) = pair(generate_key(&alg, true, &[Usage::DeriveBits]).unwrap());
    let (b_pub, b_priv) = pair(generate_key(&alg, true, &[Usage::DeriveBits]).unwrap());
    let with = |k: &Key| AlgorithmParams {
        public: Some(k.clone()),
        ..AlgorithmParams::named("ECDH")
    };
    let ab = derive_bits(&with(&b_pub), &a_priv, Some(528)).unwrap();
    let ba = derive_bits(&with(&a_pub), &b_priv, None).unwrap();
    assert_eq!(ab.len(), 66);
    assert_eq!(ab, ba);
}

#[test]
fn ecdh_public_keys_take_no_usages() {
    let (public, _) = pair(
        generate_key(
            &params(json!({"name": "ECDH", "namedCurve": "P-256"})),
            true,
            &[Usage::DeriveKey],
        )
        .unwrap(),
    );
    let raw_pub = bytes(export_key(KeyFormat::Raw, &public).unwrap());
    let err = import(
        "raw",
        raw(&raw_pub),
        json!({"name": "ECDH", "namedCurve": "P-256"}),
        true,
        &["deriveBits"],
    )
    .unwrap_err();
    assert_eq!(dom(err), Some("SyntaxError"));
    let ok = import(
        "raw",
        raw(&raw_pub),
        json!({"name": "ECDH", "namedCurve": "P-256"}),
        true,
        &[],
    )
    .unwrap();
    assert_eq!(ok.kind, KeyType::Public);
}

// ---------------------------------------------------------------- Ed25519 (RFC 8032 §7.1)

const RFC8032: [(&str, &str, &str, &str); 3] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
];

#[test]
fn ed25519_matches_rfc_8032_tests_1_to_3() {
    for (sk, pk, msg, sig) in RFC8032 {
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(&hex(pk)), "d": b64url_encode(&hex(sk))});
        let private = import("jwk", KeyData::Jwk(jwk), json!("Ed25519"), true, &["sign"]).unwrap();
        let public = import("raw", raw(&hex(pk)), json!("Ed25519"), true, &["verify"]).unwrap();
        let got = sign(&"Ed25519".into(), &private, &hex(msg)).unwrap();
        assert_eq!(got, hex(sig));
        assert!(verify(&"Ed25519".into(), &public, &got, &hex(msg)).unwrap());
        assert!(!verify(&"Ed25519".into(), &public, &got, b"x").unwrap());
    }
}

#[test]
fn ed25519_keys_round_trip_through_every_format() {
    let (public, private) =
        pair(generate_key(&"Ed25519".into(), true, &[Usage::Sign, Usage::Verify]).unwrap());
    assert_eq!(public.algorithm_json(), json!({"name": "Ed25519"}));
    let spki = bytes(export_key(KeyFormat::Spki, &public).unwrap());
    assert_eq!(spki.len(), 44);
    let pkcs8 = bytes(export_key(KeyFormat::Pkcs8, &private).unwrap());
    assert_eq!(pkcs8.len(), 48);
    let jwk = jwk_of(export_key(KeyFormat::Jwk, &private).unwrap());
    assert_eq!(jwk["crv"], "Ed25519");
    assert_eq!(jwk["alg"], "EdDSA");
    let sk2 = import("pkcs8", raw(&pkcs8), json!("Ed25519"), true, &["sign"]).unwrap();
    let sk3 = import("jwk", KeyData::Jwk(jwk), json!("Ed25519"), true, &["sign"]).unwrap();
    let pk2 = import("spki", raw(&spki), json!("Ed25519"), true, &["verify"]).unwrap();
    for sk in [&private, &sk2, &sk3] {
        let sig = sign(&"Ed25519".into(), sk, b"m").unwrap();
        assert!(verify(&"Ed25519".into(), &pk2, &sig, b"m").unwrap());
    }
    assert_eq!(
        dom(export_key(KeyFormat::Raw, &private).unwrap_err()),
        Some("InvalidAccessError")
    );
}

#[test]
fn node_ed25519_is_a_distinct_legacy_alias_with_named_curve() {
    let (sk, pk, msg, sig) = RFC8032[1];
    let alg = json!({"name": "NODE-ED25519", "namedCurve": "NODE-ED25519"});
    let public = import("raw", raw(&hex(pk)), alg.clone(), true, &["verify"]).unwrap();
    assert_eq!(
        public.algorithm_json(),
        json!({"name": "NODE-ED25519", "namedCurve": "NODE-ED25519"})
    );
    assert!(verify(&"NODE-ED25519".into(), &public, &hex(sig), &hex(msg)).unwrap());
    let err = verify(&"Ed25519".into(), &public, &hex(sig), &hex(msg)).unwrap_err();
    assert_eq!(dom(err), Some("InvalidAccessError"));
    let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(&hex(pk)), "d": b64url_encode(&hex(sk))});
    let private = import("jwk", KeyData::Jwk(jwk), alg, false, &["sign"]).unwrap();
    assert_eq!(
        sign(&"node-ed25519".into(), &private, &hex(msg)).unwrap(),
        hex(sig)
    );
    let err = import(
        "raw",
        raw(&hex(pk)),
        json!({"name": "NODE-ED25519", "namedCurve": "Ed25519"}),
        true,
        &["verify"],
    )
    .unwrap_err();
    assert_eq!(dom(err), Some("NotSupportedError"));
}

#[test]
fn okp_jwk_import_checks_crv_and_x_d_consistency() {
    let (sk, pk, _, _) = RFC8032[0];
    let (_, other_pk, _, _) = RFC8032[1];
    let mismatched = json!({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(&hex(other_pk)), "d": b64url_encode(&hex(sk))});
    assert_eq!(
        dom(import(
            "jwk",
            KeyData::Jwk(mismatched),
            json!("Ed25519"),
            true,
            &["sign"]
        )
        .unwrap_err()),
        Some("DataError")
    );
    let wrong_crv = json!({"kty": "OKP", "crv": "X25519", "x": b64url_encode(&hex(pk))});
    assert_eq!(
        dom(import(
            "jwk",
            KeyData::Jwk(wrong_crv),
            json!("Ed25519"),
            true,
            &["verify"]
        )
        .unwrap_err()),
        Some("DataError")
    );
    assert_eq!(
        dom(import("raw", raw(&[0u8; 31]), json!("Ed25519"), true, &["verify"]).unwrap_err()),
        Some("DataError")
    );
}

// ---------------------------------------------------------------- X25519 (RFC 7748 §6.1)

#[test]
fn x25519_matches_rfc_7748_and_round_trips() {
    let alice_d = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let alice_x = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    let bob_x = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    let shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    let jwk = json!({"kty": "OKP", "crv": "X25519", "x": b64url_encode(&alice_x), "d": b64url_encode(&alice_d)});
    let alice = import(
        "jwk",
        KeyData::Jwk(jwk),
        json!("X25519"),
        true,
        &["deriveBits"],
    )
    .unwrap();
    let bob = import("raw", raw(&bob_x), json!("X25519"), true, &[]).unwrap();
    let alg = AlgorithmParams {
        public: Some(bob.clone()),
        ..AlgorithmParams::named("X25519")
    };
    assert_eq!(derive_bits(&alg, &alice, None).unwrap(), shared);
    assert_eq!(derive_bits(&alg, &alice, Some(128)).unwrap(), shared[..16]);

    let pkcs8 = bytes(export_key(KeyFormat::Pkcs8, &alice).unwrap());
    let again = import("pkcs8", raw(&pkcs8), json!("X25519"), true, &["deriveBits"]).unwrap();
    assert_eq!(derive_bits(&alg, &again, None).unwrap(), shared);
    let spki = bytes(export_key(KeyFormat::Spki, &bob).unwrap());
    assert_eq!(
        bytes(
            export_key(
                KeyFormat::Raw,
                &import("spki", raw(&spki), json!("X25519"), true, &[]).unwrap()
            )
            .unwrap()
        ),
        bob_x
    );
    // An Ed25519 spki is not an X25519 key
    let (ed_pub, _) = pair(generate_key(&"Ed25519".into(), true, &[Usage::Sign]).unwrap());
    let ed_spki = bytes(export_key(KeyFormat::Spki, &ed_pub).unwrap());
    assert_eq!(
        dom(import("spki", raw(&ed_spki), json!("X25519"), true, &[]).unwrap_err()),
        Some("DataError")
    );
}

#[test]
fn x25519_rejects_an_all_zero_shared_secret() {
    let (_, private) = pair(generate_key(&"X25519".into(), true, &[Usage::DeriveBits]).unwrap());
    let zero = import("raw", raw(&[0u8; 32]), json!("X25519"), true, &[]).unwrap();
    let alg = AlgorithmParams {
        public: Some(zero),
        ..AlgorithmParams::named("X25519")
    };
    assert_eq!(
        dom(derive_bits(&alg, &private, None).unwrap_err()),
        Some("OperationError")
    );
}

// ---------------------------------------------------------------- AES-GCM (GCM spec test cases 2–4)

fn aes(name: &str, key: &[u8], usages: &[&str]) -> Key {
    import("raw", raw(key), json!(name), true, usages).unwrap()
}

fn gcm(iv: &[u8], aad: Option<&[u8]>, tag: Option<u32>) -> AlgorithmParams {
    AlgorithmParams {
        iv: Some(iv.to_vec()),
        additional_data: aad.map(<[u8]>::to_vec),
        tag_length: tag,
        ..AlgorithmParams::named("AES-GCM")
    }
}

#[test]
fn aes_gcm_matches_gcm_spec_test_cases_2_to_4() {
    let zero = aes("AES-GCM", &[0u8; 16], &["encrypt", "decrypt"]);
    let out = encrypt(&gcm(&[0u8; 12], None, None), &zero, &[0u8; 16]).unwrap();
    assert_eq!(
        out,
        hex("0388dace60b6a392f328c2b971b2fe78 ab6e47d42cec13bdf53a67b21257bddf")
    );

    let key = aes(
        "AES-GCM",
        &hex("feffe9928665731c6d6a8f9467308308"),
        &["encrypt", "decrypt"],
    );
    let iv = hex("cafebabefacedbaddecaf888");
    let p = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
    );
    let c3 = hex(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985 4d5c2af327cd64a62cf35abd2ba6fab4",
    );
    assert_eq!(encrypt(&gcm(&iv, None, None), &key, &p).unwrap(), c3);
    assert_eq!(decrypt(&gcm(&iv, None, None), &key, &c3).unwrap(), p);

    let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let c4 = hex(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091 5bc94fbc3221a5db94fae95ae7121a47",
    );
    assert_eq!(
        encrypt(&gcm(&iv, Some(&aad), None), &key, &p[..60]).unwrap(),
        c4
    );
    assert_eq!(
        decrypt(&gcm(&iv, Some(&aad), Some(128)), &key, &c4).unwrap(),
        p[..60]
    );
}

#[test]
fn aes_gcm_truncated_tag_round_trips_and_tampering_fails() {
    let key = secret(
        generate_key(
            &params(json!({"name": "AES-GCM", "length": 256})),
            true,
            &[Usage::Encrypt, Usage::Decrypt],
        )
        .unwrap(),
    );
    let alg = gcm(&[9u8; 12], Some(b"aad"), Some(96));
    let ct = encrypt(&alg, &key, b"hello").unwrap();
    assert_eq!(ct.len(), 5 + 12);
    assert_eq!(decrypt(&alg, &key, &ct).unwrap(), b"hello");
    let mut bad = ct.clone();
    bad[0] ^= 1;
    assert_eq!(
        dom(decrypt(&alg, &key, &bad).unwrap_err()),
        Some("OperationError")
    );
    assert_eq!(
        dom(decrypt(&gcm(&[9u8; 12], None, Some(96)), &key, &ct).unwrap_err()),
        Some("OperationError")
    );
    assert_eq!(
        dom(decrypt(&alg, &key, &ct[..4]).unwrap_err()),
        Some("OperationError")
    );
}

#[test]
fn aes_gcm_takes_ivs_of_any_length_gcm_spec_test_cases_5_and_6() {
    let key = aes(
        "AES-GCM",
        &hex("feffe9928665731c6d6a8f9467308308"),
        &["encrypt", "decrypt"],
    );
    let p = hex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let iv8 = hex("cafebabefacedbad");
    let c5 = hex(
        "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598 3612d2e79e3b0785561be14aaca2fccb",
    );
    assert_eq!(encrypt(&gcm(&iv8, Some(&aad), None), &key, &p).unwrap(), c5);
    assert_eq!(decrypt(&gcm(&iv8, Some(&aad), None), &key, &c5).unwrap(), p);
    let iv60 = hex(
        "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
    );
    let c6 = hex(
        "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca701e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5 619cc5aefffe0bfa462af43c1699d050",
    );
    assert_eq!(
        encrypt(&gcm(&iv60, Some(&aad), None), &key, &p).unwrap(),
        c6
    );
    assert_eq!(
        decrypt(&gcm(&iv60, Some(&aad), None), &key, &c6).unwrap(),
        p
    );
    // A 1-byte IV, against the aes-gcm crate (which fixes the length at compile time).
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let reference = aes_gcm::AesGcm::<::aes::Aes128, aes_gcm::aead::consts::U1>::new_from_slice(
        &hex("feffe9928665731c6d6a8f9467308308"),
    )
    .unwrap()
    .encrypt(
        aes_gcm::aead::generic_array::GenericArray::from_slice(&[7u8]),
        Payload { msg: &p, aad: &aad },
    )
    .unwrap();
    assert_eq!(
        encrypt(&gcm(&[7u8], Some(&aad), None), &key, &p).unwrap(),
        reference
    );
}

#[test]
fn aes_gcm_short_tags_are_prefixes_of_the_full_tag() {
    let key = aes("AES-GCM", &[1u8; 16], &["encrypt", "decrypt"]);
    let full = encrypt(&gcm(&[0u8; 12], None, None), &key, b"xyz").unwrap();
    for bits in [32u32, 64] {
        let alg = gcm(&[0u8; 12], None, Some(bits));
        let ct = encrypt(&alg, &key, b"xyz").unwrap();
        assert_eq!(ct, full[..3 + bits as usize / 8]);
        assert_eq!(decrypt(&alg, &key, &ct).unwrap(), b"xyz");
    }
    assert_eq!(
        dom(encrypt(&gcm(&[0u8; 12], None, Some(48)), &key, b"x").unwrap_err()),
        Some("OperationError")
    );
    assert_eq!(
        dom(encrypt(&gcm(&[], None, None), &key, b"x").unwrap_err()),
        Some("OperationError")
    );
    let no_iv = encrypt(&"AES-GCM".into(), &key, b"x").unwrap_err();
    assert_eq!(dom(no_iv), None, "iv is required");
}

#[test]
fn aes_keys_export_as_raw_and_jwk_with_alg() {
    let key = secret(
        generate_key(
            &params(json!({"name": "AES-GCM", "length": 256})),
            true,
            &[Usage::Encrypt],
        )
        .unwrap(),
    );
    assert_eq!(
        key.algorithm_json(),
        json!({"name": "AES-GCM", "length": 256})
    );
    let jwk = jwk_of(export_key(KeyFormat::Jwk, &key).unwrap());
    assert_eq!(jwk["alg"], "A256GCM");
    assert_eq!(jwk["kty"], "oct");
    let back = import(
        "jwk",
        KeyData::Jwk(jwk.clone()),
        json!("AES-GCM"),
        true,
        &["encrypt"],
    )
    .unwrap();
    assert_eq!(
        export_key(KeyFormat::Raw, &back).unwrap(),
        export_key(KeyFormat::Raw, &key).unwrap()
    );
    let err = import(
        "jwk",
        KeyData::Jwk(jwk),
        json!("AES-CBC"),
        true,
        &["encrypt"],
    )
    .unwrap_err();
    assert_eq!(dom(err), Some("DataError"), "alg A256GCM is not AES-CBC");
    assert_eq!(
        dom(import("raw", raw(&[0u8; 20]), json!("AES-GCM"), true, &["encrypt"]).unwrap_err()),
        Some("DataError")
    );
    assert_eq!(
        dom(import(
            "spki",
            raw(&[0u8; 16]),
            json!("AES-GCM"),
            true,
            &["encrypt"]
        )
        .unwrap_err()),
        Some("NotSupportedError")
    );
    let bad_len = generate_key(
        &params(json!({"name": "AES-GCM", "length": 512})),
        true,
        &[Usage::Encrypt],
    )
    .unwrap_err();
    assert_eq!(dom(bad_len), Some("OperationError"));
    let bad_usage = generate_key(
        &params(json!({"name": "AES-GCM", "length": 128})),
        true,
        &[Usage::Sign],
    )
    .unwrap_err();
    assert_eq!(dom(bad_usage), Some("SyntaxError"));
}

// ---------------------------------------------------------------- AES-CBC / AES-CTR (SP 800-38A F.2.1, F.5.1)

const SP800_38A_KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const SP800_38A_P1: &str = "6bc1bee22e409f96e93d7e117393172a";

#[test]
fn aes_cbc_matches_sp_800_38a_and_pads_with_pkcs7() {
    let key = aes("AES-CBC", &hex(SP800_38A_KEY), &["encrypt", "decrypt"]);
    let alg = AlgorithmParams {
        iv: Some(hex("000102030405060708090a0b0c0d0e0f")),
        ..AlgorithmParams::named("AES-CBC")
    };
    let ct = encrypt(&alg, &key, &hex(SP800_38A_P1)).unwrap();
    assert_eq!(ct.len(), 32, "a full padding block follows");
    assert_eq!(ct[..16], hex("7649abac8119b246cee98e9b12e9197d"));
    assert_eq!(decrypt(&alg, &key, &ct).unwrap(), hex(SP800_38A_P1));
    assert_eq!(
        dom(decrypt(&alg, &key, &ct[..16]).unwrap_err()),
        Some("OperationError")
    );
    let short_iv = AlgorithmParams {
        iv: Some(vec![0; 8]),
        ..AlgorithmParams::named("AES-CBC")
    };
    assert_eq!(
        dom(encrypt(&short_iv, &key, b"x").unwrap_err()),
        Some("OperationError")
    );
}

fn ctr(counter: &[u8], length: u32) -> AlgorithmParams {
    AlgorithmParams {
        counter: Some(counter.to_vec()),
        length: Some(length),
        ..AlgorithmParams::named("AES-CTR")
    }
}

#[test]
fn aes_ctr_matches_sp_800_38a_and_wraps_only_the_counter_bits() {
    let key = aes("AES-CTR", &hex(SP800_38A_KEY), &["encrypt", "decrypt"]);
    let counter = hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    let ct = encrypt(&ctr(&counter, 128), &key, &hex(SP800_38A_P1)).unwrap();
    assert_eq!(ct, hex("874d6191b620e3261bef6864990db6ce"));
    assert_eq!(
        decrypt(&ctr(&counter, 128), &key, &ct).unwrap(),
        hex(SP800_38A_P1)
    );

    // With an 8-bit counter, the block after ...ff uses ...00 (the prefix does not carry).
    let two = encrypt(&ctr(&counter, 8), &key, &[0u8; 32]).unwrap();
    let mut wrapped = counter.clone();
    wrapped[15] = 0;
    let one = encrypt(&ctr(&wrapped, 8), &key, &[0u8; 16]).unwrap();
    assert_eq!(two[16..], one[..]);

    assert_eq!(
        dom(encrypt(&ctr(&counter, 1), &key, &[0u8; 48]).unwrap_err()),
        Some("OperationError")
    );
    assert_eq!(
        dom(encrypt(&ctr(&counter, 0), &key, b"x").unwrap_err()),
        Some("OperationError")
    );
    assert_eq!(
        dom(encrypt(&ctr(&counter[..8], 64), &key, b"x").unwrap_err()),
        Some("OperationError")
    );
}

// ---------------------------------------------------------------- AES-KW (RFC 3394 §4.1, §4.6)

#[test]
fn aes_kw_matches_rfc_3394() {
    let cases = [
        (
            "000102030405060708090A0B0C0D0E0F",
            "00112233445566778899AABBCCDDEEFF",
            "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5",
        ),
        (
            "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
            "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
            "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
        ),
    ];
    for (kek, data, want) in cases {
        let kek = aes("AES-KW", &hex(kek), &["wrapKey", "unwrapKey"]);
        let key = import("raw", raw(&hex(data)), json!("AES-CBC"), true, &["encrypt"]).unwrap();
        let wrapped = wrap_key(KeyFormat::Raw, &key, &kek, &"AES-KW".into()).unwrap();
        assert_eq!(wrapped, hex(want));
        let back = unwrap_key(
            KeyFormat::Raw,
            &wrapped,
            &kek,
            &"AES-KW".into(),
            &"AES-CBC".into(),
            true,
            &[Usage::Decrypt],
        )
        .unwrap();
        assert_eq!(bytes(export_key(KeyFormat::Raw, &back).unwrap()), hex(data));
        let mut bad = wrapped.clone();
        bad[3] ^= 1;
        let err = unwrap_key(
            KeyFormat::Raw,
            &bad,
            &kek,
            &"AES-KW".into(),
            &"AES-CBC".into(),
            true,
            &[Usage::Decrypt],
        )
        .unwrap_err();
        assert_eq!(dom(err), Some("OperationError"));
    }
}

#[test]
fn aes_kw_keys_cannot_encrypt() {
    let kek = aes("AES-KW", &[0u8; 16], &["wrapKey"]);
    assert_eq!(
        dom(encrypt(&"AES-KW".into(), &kek, &[0u8; 16]).unwrap_err()),
        Some("NotSupportedError")
    );
    assert_eq!(
        dom(import("raw", raw(&[0u8; 16]), json!("AES-KW"), true, &["encrypt"]).unwrap_err()),
        Some("SyntaxError")
    );
}

#[test]
fn wrap_and_unwrap_a_jwk_with_aes_gcm() {
    let wrapper = aes("AES-GCM", &[3u8; 32], &["wrapKey", "unwrapKey"]);
    let hmac = hmac_key("SHA-256", b"wrapped secret");
    let alg = gcm(&[1u8; 12], None, None);
    let wrapped = wrap_key(KeyFormat::Jwk, &hmac, &wrapper, &alg).unwrap();
    let hmac_alg = params(json!({"name": "HMAC", "hash": "SHA-256"}));
    let back = unwrap_key(
        KeyFormat::Jwk,
        &wrapped,
        &wrapper,
        &alg,
        &hmac_alg,
        false,
        &[Usage::Sign],
    )
    .unwrap();
    assert_eq!(
        sign(&"HMAC".into(), &back, b"m").unwrap(),
        sign(&"HMAC".into(), &hmac, b"m").unwrap()
    );
    assert!(!back.extractable);
    let no_usage = aes("AES-GCM", &[3u8; 32], &["encrypt"]);
    let err = wrap_key(KeyFormat::Raw, &hmac, &no_usage, &alg).unwrap_err();
    assert_eq!(dom(err), Some("InvalidAccessError"));
}

// ---------------------------------------------------------------- PBKDF2 (RFC 6070) and HKDF (RFC 5869)

fn kdf_key(name: &str, secret: &[u8]) -> Key {
    import(
        "raw",
        raw(secret),
        json!(name),
        false,
        &["deriveBits", "deriveKey"],
    )
    .unwrap()
}

fn pbkdf2(hash: &str, iterations: u32) -> AlgorithmParams {
    params(
        json!({"name": "PBKDF2", "hash": hash, "salt": b"salt".to_vec(), "iterations": iterations}),
    )
}

#[test]
fn pbkdf2_matches_rfc_6070_and_sha256_vectors() {
    let key = kdf_key("PBKDF2", b"password");
    let cases = [
        ("SHA-1", 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
        ("SHA-1", 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
        ("SHA-1", 4096, "4b007901b765489abead49d926f721d065a429c1"),
        (
            "SHA-256",
            1,
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
        ),
        (
            "SHA-256",
            2,
            "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43",
        ),
        (
            "SHA-256",
            4096,
            "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a",
        ),
    ];
    for (hash, iterations, want) in cases {
        let want = hex(want);
        let got =
            derive_bits(&pbkdf2(hash, iterations), &key, Some(want.len() as u32 * 8)).unwrap();
        assert_eq!(got, want, "{hash} c={iterations}");
    }
}

#[test]
fn pbkdf2_rejects_bad_lengths_iterations_and_extractable_keys() {
    let key = kdf_key("PBKDF2", b"password");
    assert_eq!(
        dom(derive_bits(&pbkdf2("SHA-256", 0), &key, Some(128)).unwrap_err()),
        Some("OperationError")
    );
    assert_eq!(
        dom(derive_bits(&pbkdf2("SHA-256", 1), &key, None).unwrap_err()),
        Some("OperationError")
    );
    assert_eq!(
        dom(derive_bits(&pbkdf2("SHA-256", 1), &key, Some(100)).unwrap_err()),
        Some("OperationError")
    );
    assert_eq!(
        derive_bits(&pbkdf2("SHA-256", 1), &key, Some(0)).unwrap(),
        Vec::<u8>::new()
    );
    let err = import("raw", raw(b"pw"), json!("PBKDF2"), true, &["deriveBits"]).unwrap_err();
    assert_eq!(dom(err), Some("SyntaxError"));
    assert_eq!(
        dom(export_key(KeyFormat::Raw, &key).unwrap_err()),
        Some("NotSupportedError")
    );
    let err = derive_bits(
        &params(json!({"name": "PBKDF2", "hash": "SHA-256", "iterations": 1})),
        &key,
        Some(8),
    )
    .unwrap_err();
    assert_eq!(dom(err), None, "salt is required");
}

#[test]
fn pbkdf2_derive_key_produces_an_aes_key_of_the_requested_length() {
    let key = kdf_key("PBKDF2", b"password");
    let aes = derive_key(
        &pbkdf2("SHA-256", 1),
        &key,
        &params(json!({"name": "AES-GCM", "length": 256})),
        true,
        &[Usage::Encrypt],
    )
    .unwrap();
    assert_eq!(
        aes.algorithm_json(),
        json!({"name": "AES-GCM", "length": 256})
    );
    let want = derive_bits(&pbkdf2("SHA-256", 1), &key, Some(256)).unwrap();
    assert_eq!(bytes(export_key(KeyFormat::Raw, &aes).unwrap()), want);
    let bits_only = import(
        "raw",
        raw(b"password"),
        json!("PBKDF2"),
        false,
        &["deriveBits"],
    )
    .unwrap();
    let err = derive_key(
        &pbkdf2("SHA-256", 1),
        &bits_only,
        &params(json!({"name": "AES-GCM", "length": 128})),
        true,
        &[Usage::Encrypt],
    )
    .unwrap_err();
    assert_eq!(dom(err), Some("InvalidAccessError"));
}

#[test]
fn hkdf_matches_rfc_5869_case_1_and_derives_hmac_keys() {
    let key = kdf_key("HKDF", &[0x0bu8; 22]);
    let alg = params(json!({
        "name": "HKDF",
        "hash": "SHA-256",
        "salt": hex("000102030405060708090a0b0c"),
        "info": hex("f0f1f2f3f4f5f6f7f8f9"),
    }));
    let okm = derive_bits(&alg, &key, Some(42 * 8)).unwrap();
    assert_eq!(
        okm,
        hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    );
    let hmac = derive_key(
        &alg,
        &key,
        &params(json!({"name": "HMAC", "hash": "SHA-256"})),
        true,
        &[Usage::Sign],
    )
    .unwrap();
    assert_eq!(hmac.algorithm.length, Some(512));
    assert_eq!(
        dom(derive_bits(&alg, &key, Some(255 * 32 * 8 + 8)).unwrap_err()),
        Some("OperationError")
    );
}

// ---------------------------------------------------------------- misc

#[test]
fn timing_safe_equal_compares_and_rejects_length_mismatch() {
    assert!(timing_safe_equal(b"abc", b"abc").unwrap());
    assert!(!timing_safe_equal(b"abc", b"abd").unwrap());
    assert_eq!(dom(timing_safe_equal(b"abc", b"ab").unwrap_err()), None);
}

#[test]
fn algorithm_params_read_json_shapes_the_js_layer_may_pass() {
    let p = params(
        json!({"name": "RSA-PSS", "hash": {"name": "sha-384"}, "publicExponent": [1, 0, 1], "modulusLength": 2048}),
    );
    assert_eq!(p.hash.as_deref(), Some("sha-384"));
    assert_eq!(p.public_exponent, Some(vec![1, 0, 1]));
    let n = normalize(Operation::GenerateKey, &p).unwrap();
    assert!(matches!(
        n,
        Algorithm::Rsa {
            hash: Some(Hash::Sha384),
            modulus_length: Some(2048),
            ..
        }
    ));
    for bad in [
        json!(5),
        json!({"hash": "SHA-1"}),
        json!({"name": "HMAC", "length": -1}),
        json!({"name": "AES-GCM", "iv": "abc"}),
    ] {
        assert_eq!(
            AlgorithmParams::from_json(&bad).unwrap_err().dom_name(),
            None,
            "{bad}"
        );
    }
    let err = normalize(
        Operation::Sign,
        &params(json!({"name": "HMAC", "hash": "MD5"})),
    )
    .map(|_| ());
    assert!(err.is_ok(), "hash is ignored for HMAC sign");
    let err = normalize(
        Operation::ImportKey,
        &params(json!({"name": "HMAC", "hash": "MD5"})),
    )
    .unwrap_err();
    assert_eq!(dom(err), Some("NotSupportedError"));
}

#[test]
fn invalid_usage_and_format_strings_are_type_errors() {
    assert_eq!(dom(Usage::parse("Sign").unwrap_err()), None);
    assert_eq!(dom(KeyFormat::parse("pem").unwrap_err()), None);
    let err = import_key(
        KeyFormat::Jwk,
        &raw(b"x"),
        &"AES-GCM".into(),
        true,
        &[Usage::Encrypt],
    )
    .unwrap_err();
    assert_eq!(dom(err), None);
    let err = import_key(
        KeyFormat::Raw,
        &KeyData::Jwk(json!({})),
        &"AES-GCM".into(),
        true,
        &[Usage::Encrypt],
    )
    .unwrap_err();
    assert_eq!(dom(err), None);
}

#[test]
fn usages_are_deduplicated_into_canonical_order() {
    let key = import(
        "raw",
        raw(&[0u8; 16]),
        json!("AES-CBC"),
        true,
        &["decrypt", "encrypt", "decrypt"],
    )
    .unwrap();
    assert_eq!(key.usage_strings(), ["encrypt", "decrypt"]);
}

#[test]
fn errors_carry_useful_messages() {
    let err = import("raw", raw(&[0u8; 20]), json!("AES-GCM"), true, &["encrypt"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "AES key data must be 16, 24 or 32 bytes, got 20"
    );
    let err = digest(&"SHA-3".into(), b"").unwrap_err();
    assert_eq!(err.to_string(), "Unrecognized algorithm name \"SHA-3\"");
}

// ---------------------------------------------------------------- Workers' limits and the CPU budget

fn rsa_params(modulus_length: u32, public_exponent: &[u8]) -> AlgorithmParams {
    params(json!({"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256",
                  "modulusLength": modulus_length, "publicExponent": public_exponent}))
}

#[test]
fn pbkdf2_refuses_more_than_100000_iterations_as_workerd_does() {
    let key = kdf_key("PBKDF2", b"password");
    for iterations in [100_001, 30_000_000] {
        let err = derive_bits(&pbkdf2("SHA-256", iterations), &key, Some(256)).unwrap_err();
        assert_eq!(
            err,
            CryptoError::NotSupported(format!(
                "Pbkdf2 failed: iteration counts above 100000 are not supported (requested {iterations})."
            ))
        );
    }
    let aes = params(json!({"name": "AES-GCM", "length": 128}));
    let err = derive_key(
        &pbkdf2("SHA-1", 100_001),
        &key,
        &aes,
        false,
        &[Usage::Encrypt],
    )
    .unwrap_err();
    assert_eq!(dom(err), Some("NotSupportedError"), "deriveKey too");
    assert_eq!(
        derive_bits(&pbkdf2("SHA-256", 0), &key, Some(128)).unwrap_err(),
        CryptoError::Operation("PBKDF2 requires a positive iteration count (requested 0).".into())
    );
    assert_eq!(limits::MAX_PBKDF2_ITERATIONS, 100_000);
}

#[test]
fn rsa_generation_accepts_only_workerds_moduli_and_exponents() {
    for bits in [0, 100, 255, 257, 1028 + 1, 16_392, 20_000] {
        assert_eq!(
            generate_key(&rsa_params(bits, &[1, 0, 1]), true, &[Usage::Sign]).unwrap_err(),
            CryptoError::Operation(format!(
                "The modulus length must be a multiple of 8 and between 256 and 16k, but {bits} was requested."
            ))
        );
    }
    assert_eq!(
        generate_key(&rsa_params(1024, &[1, 0, 0]), true, &[Usage::Sign]).unwrap_err(),
        CryptoError::Operation(
            "The \"publicExponent\" must be either 3 or 65537, but got 65536.".into()
        )
    );
    assert_eq!(
        generate_key(&rsa_params(1024, &[1, 0, 0, 0, 1]), true, &[Usage::Sign]).unwrap_err(),
        CryptoError::Operation(
            "The \"publicExponent\" must be either 3 or 65537, but got a number larger than 2^32."
                .into()
        )
    );
    // Leading zero bytes do not make an exponent large, and the smallest modulus works.
    let GeneratedKey::Pair { public_key, .. } =
        generate_key(&rsa_params(256, &[0, 0, 0, 0, 3]), true, &[Usage::Sign]).unwrap()
    else {
        panic!("RSA generates a pair");
    };
    assert_eq!(public_key.algorithm.modulus_length, Some(256));
    assert_eq!(public_key.algorithm.public_exponent, Some(vec![3]));
}

/// Runs `f` for a request whose CPU budget is `budget`, returning the meter too.
fn for_request<R>(budget: std::time::Duration, f: impl FnOnce() -> R) -> (R, bool) {
    let meter = verge_js::meter::RequestMeter::new("crypto-test", budget);
    let out = verge_js::meter::run_metered(&meter, f);
    (out, meter.exceeded())
}

#[test]
fn guest_sized_work_is_not_started_once_the_request_budget_is_spent() {
    let key = kdf_key("PBKDF2", b"password");
    let (r, exceeded) = for_request(std::time::Duration::ZERO, || {
        derive_bits(&pbkdf2("SHA-256", 1), &key, Some(256))
    });
    assert_eq!(r.unwrap_err(), CryptoError::CpuExceeded);
    assert!(exceeded);
    let (r, exceeded) = for_request(std::time::Duration::ZERO, || {
        generate_key(&rsa_params(512, &[1, 0, 1]), true, &[Usage::Sign])
    });
    assert_eq!(r.unwrap_err(), CryptoError::CpuExceeded);
    assert!(exceeded);
    // The same calls within a budget succeed.
    let (r, exceeded) = for_request(std::time::Duration::from_secs(600), || {
        derive_bits(&pbkdf2("SHA-256", 2), &key, Some(256))
    });
    assert_eq!(r.unwrap().len(), 32);
    assert!(!exceeded);
}

/// Both calls below would run for minutes if they did not stop at the budget (2,048 PBKDF2
/// blocks of 100,000 rounds; an 8,192-bit prime search); nextest's timeout fails the test.
#[test]
fn guest_sized_work_stops_part_way_when_the_request_budget_runs_out() {
    let budget = std::time::Duration::from_millis(20);
    let key = kdf_key("PBKDF2", b"password");
    let (r, exceeded) = for_request(budget, || {
        derive_bits(&pbkdf2("SHA-512", 100_000), &key, Some(2_048 * 512))
    });
    assert_eq!(r.unwrap_err(), CryptoError::CpuExceeded);
    assert!(exceeded);
    let (r, exceeded) = for_request(budget, || {
        generate_key(&rsa_params(16_384, &[1, 0, 1]), true, &[Usage::Sign])
    });
    assert_eq!(r.unwrap_err(), CryptoError::CpuExceeded);
    assert!(exceeded);
}
