//! `crypto.subtle` from JS: each operation family, error classes, JWK round trips, and
//! RFC 7515 A.1 (HS256) computed by a guest.

use std::sync::Arc;

use verge_js::JsException;

use super::CryptoExtension;

fn run(script: &str) -> Result<String, JsException> {
    verge_js::testing::run_js(
        vec![
            Arc::new(verge_web::WebExtension::new("t")),
            Arc::new(CryptoExtension::new()),
        ],
        &format!("{HELPERS}\n{script}"),
    )
}

/// Runs `script` and returns its JSON result, panicking with the exception otherwise.
fn ok(script: &str) -> serde_json::Value {
    let text = run(script).unwrap_or_else(|e| panic!("script threw {e}"));
    serde_json::from_str(&text).expect("JSON result")
}

/// Shared JS helpers: hex/base64url codecs and a rejection catcher.
const HELPERS: &str = r#"
const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g).map((h) => parseInt(h, 16)));
const enc = (s) => new TextEncoder().encode(s);
const b64url = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const caught = async (p) => { try { await p; return "resolved"; } catch (e) { return `${e.constructor.name}/${e.name}`; } };
const subtle = crypto.subtle;
"#;

#[test]
fn subtle_is_installed_with_its_classes() {
    let v = ok(r#"
        let ctor1, ctor2;
        try { new SubtleCrypto(); } catch (e) { ctor1 = `${e.name}: ${e.message}`; }
        try { new CryptoKey(); } catch (e) { ctor2 = `${e.name}: ${e.message}`; }
        return {
            isSubtle: subtle instanceof SubtleCrypto,
            tag: Object.prototype.toString.call(subtle),
            same: crypto.subtle === subtle,
            ctor1, ctor2,
            randomStillThere: typeof crypto.getRandomValues,
            methods: ["digest","encrypt","decrypt","sign","verify","generateKey","deriveKey","deriveBits",
                      "importKey","exportKey","wrapKey","unwrapKey","timingSafeEqual"].every((m) => typeof subtle[m] === "function"),
        };
    "#);
    assert_eq!(v["isSubtle"], true);
    assert_eq!(v["tag"], "[object SubtleCrypto]");
    assert_eq!(v["same"], true);
    assert_eq!(v["ctor1"], "TypeError: Illegal constructor");
    assert_eq!(v["ctor2"], "TypeError: Illegal constructor");
    assert_eq!(v["randomStillThere"], "function");
    assert_eq!(v["methods"], true);
}

#[test]
fn digest_accepts_every_buffer_source_and_rejects_strings() {
    let v = ok(r#"
        const abc = enc("abc");
        return {
            sha1: hex(await subtle.digest("SHA-1", abc)),
            sha256: hex(await subtle.digest({ name: "sha-256" }, abc.buffer)),
            sha384: hex(await subtle.digest("SHA-384", new DataView(abc.buffer))).slice(0, 16),
            sha512: hex(await subtle.digest("SHA-512", new Uint8Array([0, 97, 98, 99, 0]).subarray(1, 4))).slice(0, 16),
            isBuffer: (await subtle.digest("SHA-256", abc)) instanceof ArrayBuffer,
            string: await caught(subtle.digest("SHA-256", "abc")),
            unknown: await caught(subtle.digest("SHA-3", abc)),
            noName: await caught(subtle.digest({}, abc)),
            arity: await caught(subtle.digest("SHA-256")),
            syncThrowIsRejection: subtle.digest(42, abc) instanceof Promise,
        };
    "#);
    assert_eq!(v["sha1"], "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_eq!(
        v["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(v["sha384"], "cb00753f45a35e8b");
    assert_eq!(v["sha512"], "ddaf35a193617aba");
    assert_eq!(v["isBuffer"], true);
    assert_eq!(v["string"], "TypeError/TypeError");
    assert_eq!(v["unknown"], "DOMException/NotSupportedError");
    assert_eq!(v["noName"], "TypeError/TypeError");
    assert_eq!(v["arity"], "TypeError/TypeError");
    assert_eq!(v["syncThrowIsRejection"], true);
}

#[test]
fn rfc7515_a1_hs256_signs_and_verifies_from_js() {
    // RFC 7515 Appendix A.1: the JWK's "k", the exact signing input and the expected signature.
    let v = ok(r#"
        const jwk = { kty: "oct", k: "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow" };
        const key = await subtle.importKey("jwk", jwk, { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
        const input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9" + "." +
            "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        const sig = await subtle.sign("HMAC", key, enc(input));
        const tampered = new Uint8Array(sig.slice(0)); tampered[0] ^= 1;
        return {
            sig: b64url(sig),
            ok: await subtle.verify("HMAC", key, sig, enc(input)),
            bad: await subtle.verify("HMAC", key, tampered, enc(input)),
            alg: key.algorithm,
            type: key.type, extractable: key.extractable, usages: key.usages,
            tag: Object.prototype.toString.call(key),
            isKey: key instanceof CryptoKey,
        };
    "#);
    assert_eq!(v["sig"], "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(v["ok"], true);
    assert_eq!(v["bad"], false);
    assert_eq!(
        v["alg"],
        serde_json::json!({"name": "HMAC", "hash": {"name": "SHA-256"}, "length": 512})
    );
    assert_eq!(v["type"], "secret");
    assert_eq!(v["extractable"], true);
    assert_eq!(v["usages"], serde_json::json!(["sign", "verify"]));
    assert_eq!(v["tag"], "[object CryptoKey]");
    assert_eq!(v["isKey"], true);
}

#[test]
fn keyed_operation_errors_are_dom_exceptions_with_standard_names() {
    let v = ok(r#"
        const key = await subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
        const aes = await subtle.generateKey({ name: "AES-GCM", length: 128 }, true, ["encrypt", "decrypt"]);
        let direct;
        try { await subtle.verify("HMAC", key, new Uint8Array(32), enc("x")); } catch (e) { direct = e instanceof DOMException; }
        return {
            direct,
            wrongUsage: await caught(subtle.verify("HMAC", key, new Uint8Array(32), enc("x"))),
            notExtractable: await caught(subtle.exportKey("raw", key)),
            wrongAlg: await caught(subtle.sign("HMAC", aes, enc("x"))),
            badUsage: await caught(subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["encrypt"])),
            unknownUsage: await caught(subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["fly"])),
            usagesNotSequence: await caught(subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, "sign")),
            badKeyData: await caught(subtle.importKey("raw", new Uint8Array(5), "AES-GCM", false, ["encrypt"])),
            badFormat: await caught(subtle.importKey("pem", new Uint8Array(16), "AES-GCM", false, ["encrypt"])),
            notAKey: await caught(subtle.sign("HMAC", {}, enc("x"))),
            authFails: await caught(subtle.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, aes, new Uint8Array(32))),
            illegalInvocation: await caught(SubtleCrypto.prototype.digest.call({}, "SHA-256", enc("x"))),
        };
    "#);
    assert_eq!(v["direct"], true);
    assert_eq!(v["wrongUsage"], "DOMException/InvalidAccessError");
    assert_eq!(v["notExtractable"], "DOMException/InvalidAccessError");
    assert_eq!(v["wrongAlg"], "DOMException/InvalidAccessError");
    assert_eq!(v["badUsage"], "DOMException/SyntaxError");
    assert_eq!(v["unknownUsage"], "TypeError/TypeError");
    assert_eq!(v["usagesNotSequence"], "TypeError/TypeError");
    assert_eq!(v["badKeyData"], "DOMException/DataError");
    assert_eq!(v["badFormat"], "TypeError/TypeError");
    assert_eq!(v["notAKey"], "TypeError/TypeError");
    assert_eq!(v["authFails"], "DOMException/OperationError");
    assert_eq!(v["illegalInvocation"], "TypeError/TypeError");
}

#[test]
fn aes_modes_round_trip_with_buffer_source_params() {
    let v = ok(r#"
        const raw = unhex("000102030405060708090a0b0c0d0e0f");
        const gcm = await subtle.importKey("raw", raw, "AES-GCM", true, ["encrypt", "decrypt"]);
        const iv = new Uint8Array(12).fill(7);
        const aad = enc("header");
        const ct = await subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad }, gcm, enc("hello"));
        const pt = await subtle.decrypt({ name: "AES-GCM", iv: iv.buffer, additionalData: new DataView(aad.buffer) }, gcm, ct);
        const wrongAad = await caught(subtle.decrypt({ name: "AES-GCM", iv, additionalData: enc("other") }, gcm, ct));
        const cbc = await subtle.generateKey({ name: "AES-CBC", length: 256 }, false, ["encrypt", "decrypt"]);
        const cbcCt = await subtle.encrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, cbc, enc("sixteen byte msg"));
        const cbcPt = await subtle.decrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, cbc, cbcCt);
        const ctr = await subtle.generateKey({ name: "AES-CTR", length: 128 }, false, ["encrypt", "decrypt"]);
        const ctrParams = { name: "AES-CTR", counter: new Uint8Array(16), length: 64 };
        const ctrPt = await subtle.decrypt(ctrParams, ctr, await subtle.encrypt(ctrParams, ctr, enc("ctr!")));
        return {
            ctLen: ct.byteLength,
            pt: new TextDecoder().decode(pt),
            wrongAad,
            cbcLen: cbcCt.byteLength,
            cbcPt: new TextDecoder().decode(cbcPt),
            ctrPt: new TextDecoder().decode(ctrPt),
            gcmAlg: gcm.algorithm,
            jwk: await subtle.exportKey("jwk", gcm),
        };
    "#);
    assert_eq!(v["ctLen"], 5 + 16);
    assert_eq!(v["pt"], "hello");
    assert_eq!(v["wrongAad"], "DOMException/OperationError");
    assert_eq!(v["cbcLen"], 32);
    assert_eq!(v["cbcPt"], "sixteen byte msg");
    assert_eq!(v["ctrPt"], "ctr!");
    assert_eq!(
        v["gcmAlg"],
        serde_json::json!({"name": "AES-GCM", "length": 128})
    );
    assert_eq!(v["jwk"]["kty"], "oct");
    assert_eq!(v["jwk"]["alg"], "A128GCM");
    assert_eq!(v["jwk"]["k"], "AAECAwQFBgcICQoLDA0ODw");
}

#[test]
fn rsa_keys_generate_and_round_trip_through_jwk_spki_pkcs8() {
    let v = ok(r#"
        const { publicKey, privateKey } = await subtle.generateKey(
            { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
            true, ["sign", "verify"]);
        const sig = await subtle.sign("RSASSA-PKCS1-v1_5", privateKey, enc("msg"));
        const jwk = await subtle.exportKey("jwk", publicKey);
        const fromJwk = await subtle.importKey("jwk", jwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
        const spki = await subtle.exportKey("spki", publicKey);
        const fromSpki = await subtle.importKey("spki", spki, { name: "RSASSA-PKCS1-v1_5", hash: { name: "SHA-256" } }, false, ["verify"]);
        const pkcs8 = await subtle.exportKey("pkcs8", privateKey);
        const fromPkcs8 = await subtle.importKey("pkcs8", new Uint8Array(pkcs8), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
        const sig2 = await subtle.sign("RSASSA-PKCS1-v1_5", fromPkcs8, enc("msg"));
        const alg = publicKey.algorithm;
        return {
            types: [publicKey.type, privateKey.type],
            usages: [publicKey.usages, privateKey.usages],
            okJwk: await subtle.verify("RSASSA-PKCS1-v1_5", fromJwk, sig, enc("msg")),
            okSpki: await subtle.verify("RSASSA-PKCS1-v1_5", fromSpki, sig, enc("msg")),
            deterministic: hex(sig) === hex(sig2),
            jwkFields: [jwk.kty, jwk.alg, jwk.e, jwk.ext, typeof jwk.n],
            alg: { name: alg.name, modulusLength: alg.modulusLength, hash: alg.hash,
                   exponentIsU8: alg.publicExponent instanceof Uint8Array, exponent: [...alg.publicExponent] },
        };
    "#);
    assert_eq!(v["types"], serde_json::json!(["public", "private"]));
    assert_eq!(v["usages"], serde_json::json!([["verify"], ["sign"]]));
    assert_eq!(v["okJwk"], true);
    assert_eq!(v["okSpki"], true);
    assert_eq!(v["deterministic"], true);
    assert_eq!(
        v["jwkFields"],
        serde_json::json!(["RSA", "RS256", "AQAB", true, "string"])
    );
    assert_eq!(
        v["alg"],
        serde_json::json!({"name": "RSASSA-PKCS1-v1_5", "modulusLength": 2048, "hash": {"name": "SHA-256"},
                           "exponentIsU8": true, "exponent": [1, 0, 1]})
    );
}

#[test]
fn rsa_pss_and_oaep_work_from_js() {
    let v = ok(r#"
        const e = new Uint8Array([1, 0, 1]);
        const pss = await subtle.generateKey({ name: "RSA-PSS", modulusLength: 2048, publicExponent: e, hash: "SHA-256" }, false, ["sign", "verify"]);
        const sig = await subtle.sign({ name: "RSA-PSS", saltLength: 32 }, pss.privateKey, enc("m"));
        const oaep = await subtle.generateKey({ name: "RSA-OAEP", modulusLength: 2048, publicExponent: e, hash: "SHA-256" }, false, ["encrypt", "decrypt"]);
        const ct = await subtle.encrypt({ name: "RSA-OAEP" }, oaep.publicKey, enc("secret"));
        return {
            pss: await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pss.publicKey, sig, enc("m")),
            pssOther: await subtle.verify({ name: "RSA-PSS", saltLength: 32 }, pss.publicKey, sig, enc("n")),
            oaep: new TextDecoder().decode(await subtle.decrypt({ name: "RSA-OAEP" }, oaep.privateKey, ct)),
            badExponent: await caught(subtle.generateKey({ name: "RSA-OAEP", modulusLength: 2048, publicExponent: new Uint8Array([7]), hash: "SHA-256" }, false, ["encrypt"])),
        };
    "#);
    assert_eq!(v["pss"], true);
    assert_eq!(v["pssOther"], false);
    assert_eq!(v["oaep"], "secret");
    assert!(
        v["badExponent"]
            .as_str()
            .unwrap()
            .starts_with("DOMException/")
    );
}

#[test]
fn ecdsa_ed25519_and_raw_public_keys_work_from_js() {
    let v = ok(r#"
        const ec = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
        const sig = await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, ec.privateKey, enc("m"));
        const raw = await subtle.exportKey("raw", ec.publicKey);
        const pub = await subtle.importKey("raw", raw, { name: "ECDSA", namedCurve: "P-256" }, true, ["verify"]);
        const p384 = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, false, ["sign", "verify"]);
        const sig384 = await subtle.sign({ name: "ECDSA", hash: "SHA-384" }, p384.privateKey, enc("m"));
        const ed = await subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
        const edSig = await subtle.sign("Ed25519", ed.privateKey, enc("m"));
        const edJwk = await subtle.exportKey("jwk", ed.privateKey);
        const edPriv = await subtle.importKey("jwk", edJwk, "Ed25519", false, ["sign"]);
        return {
            ecLen: sig.byteLength,
            ecOk: await subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, sig, enc("m")),
            rawLen: raw.byteLength,
            ecAlg: ec.publicKey.algorithm,
            p384: await subtle.verify({ name: "ECDSA", hash: "SHA-384" }, p384.publicKey, sig384, enc("m")),
            edLen: edSig.byteLength,
            edOk: await subtle.verify("Ed25519", ed.publicKey, edSig, enc("m")),
            edSame: hex(await subtle.sign("Ed25519", edPriv, enc("m"))) === hex(edSig),
            edJwk: [edJwk.kty, edJwk.crv, typeof edJwk.d],
            p521: await (async () => {
                const k = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-521" }, false, ["sign", "verify"]);
                const s = await subtle.sign({ name: "ECDSA", hash: "SHA-512" }, k.privateKey, enc("m"));
                return [s.byteLength, await subtle.verify({ name: "ECDSA", hash: "SHA-512" }, k.publicKey, s, enc("m"))];
            })(),
        };
    "#);
    assert_eq!(v["ecLen"], 64);
    assert_eq!(v["ecOk"], true);
    assert_eq!(v["rawLen"], 65);
    assert_eq!(
        v["ecAlg"],
        serde_json::json!({"name": "ECDSA", "namedCurve": "P-256"})
    );
    assert_eq!(v["p384"], true);
    assert_eq!(v["edLen"], 64);
    assert_eq!(v["edOk"], true);
    assert_eq!(v["edSame"], true);
    assert_eq!(v["edJwk"], serde_json::json!(["OKP", "Ed25519", "string"]));
    assert_eq!(
        v["p521"],
        serde_json::json!([132, true]),
        "P-521 signs r || s of 66 bytes each"
    );
}

#[test]
fn ecdh_x25519_hkdf_and_pbkdf2_derive_from_js() {
    let v = ok(r#"
        const a = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits", "deriveKey"]);
        const b = await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
        const ab = await subtle.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, 256);
        const ba = await subtle.deriveBits({ name: "ECDH", public: a.publicKey }, b.privateKey, null);
        const aesFromEcdh = await subtle.deriveKey({ name: "ECDH", public: b.publicKey }, a.privateKey,
            { name: "AES-GCM", length: 256 }, true, ["encrypt"]);
        const x = await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
        const y = await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
        const xy = await subtle.deriveBits({ name: "X25519", public: y.publicKey }, x.privateKey, 256);
        const yx = await subtle.deriveBits({ name: "X25519", public: x.publicKey }, y.privateKey, 256);
        // RFC 5869 A.1.
        const ikm = await subtle.importKey("raw", unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), "HKDF", false, ["deriveBits"]);
        const okm = await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: unhex("000102030405060708090a0b0c"),
            info: unhex("f0f1f2f3f4f5f6f7f8f9") }, ikm, 42 * 8);
        // RFC 6070 test 2 (PBKDF2-HMAC-SHA1, 2 iterations).
        const pw = await subtle.importKey("raw", enc("password"), { name: "PBKDF2" }, false, ["deriveBits", "deriveKey"]);
        const dk = await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: enc("salt"), iterations: 2 }, pw, 160);
        const hmac = await subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: enc("salt"), iterations: 1000 }, pw,
            { name: "HMAC", hash: "SHA-256", length: 256 }, true, ["sign"]);
        return {
            ecdh: hex(ab) === hex(ba) && ab.byteLength === 32,
            derivedAlg: aesFromEcdh.algorithm,
            x25519: hex(xy) === hex(yx),
            hkdf: hex(okm),
            pbkdf2: hex(dk),
            hmacLen: (await subtle.exportKey("raw", hmac)).byteLength,
            notExportable: await caught(subtle.exportKey("raw", pw)),
            tooLong: await caught(subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(), info: new Uint8Array() }, ikm, 256 * 255 * 8 + 8)),
            pbkdfBad: await caught(subtle.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: enc("salt"), iterations: 0 }, pw, 160)),
            pbkdfTooMany: await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: enc("salt"), iterations: 30_000_000 }, pw, 256)
                .then(() => "resolved", (e) => `${e.constructor.name}/${e.name}: ${e.message}`),
        };
    "#);
    assert_eq!(v["ecdh"], true);
    assert_eq!(
        v["derivedAlg"],
        serde_json::json!({"name": "AES-GCM", "length": 256})
    );
    assert_eq!(v["x25519"], true);
    assert_eq!(
        v["hkdf"],
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    );
    assert_eq!(v["pbkdf2"], "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
    assert_eq!(v["hmacLen"], 32);
    assert_eq!(v["notExportable"], "DOMException/NotSupportedError");
    assert_eq!(v["tooLong"], "DOMException/OperationError");
    assert!(v["pbkdfBad"].as_str().unwrap().starts_with("DOMException/"));
    assert_eq!(
        v["pbkdfTooMany"],
        "DOMException/NotSupportedError: Pbkdf2 failed: iteration counts above 100000 are not supported (requested 30000000)."
    );
}

#[test]
fn wrap_and_unwrap_keys_with_aes_kw_and_aes_gcm() {
    let v = ok(r#"
        const kek = await subtle.generateKey({ name: "AES-KW", length: 256 }, false, ["wrapKey", "unwrapKey"]);
        const key = await subtle.generateKey({ name: "AES-GCM", length: 128 }, true, ["encrypt", "decrypt"]);
        const wrapped = await subtle.wrapKey("raw", key, kek, "AES-KW");
        const back = await subtle.unwrapKey("raw", wrapped, kek, "AES-KW", "AES-GCM", true, ["decrypt"]);
        const gcmKek = await subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["wrapKey", "unwrapKey"]);
        const iv = new Uint8Array(12);
        const hmac = await subtle.generateKey({ name: "HMAC", hash: "SHA-384" }, true, ["sign"]);
        const wrappedJwk = await subtle.wrapKey("jwk", hmac, gcmKek, { name: "AES-GCM", iv });
        const hmacBack = await subtle.unwrapKey("jwk", wrappedJwk, gcmKek, { name: "AES-GCM", iv },
            { name: "HMAC", hash: "SHA-384" }, false, ["sign"]);
        return {
            wrappedLen: wrapped.byteLength,
            same: hex(await subtle.exportKey("raw", back)) === hex(await subtle.exportKey("raw", key)),
            usages: back.usages,
            hmacAlg: hmacBack.algorithm,
            macsMatch: hex(await subtle.sign("HMAC", hmac, enc("z"))) === hex(await subtle.sign("HMAC", hmacBack, enc("z"))),
            badUnwrap: await caught(subtle.unwrapKey("raw", new Uint8Array(24), kek, "AES-KW", "AES-GCM", true, ["decrypt"])),
        };
    "#);
    assert_eq!(v["wrappedLen"], 24);
    assert_eq!(v["same"], true);
    assert_eq!(v["usages"], serde_json::json!(["decrypt"]));
    assert_eq!(
        v["hmacAlg"],
        serde_json::json!({"name": "HMAC", "hash": {"name": "SHA-384"}, "length": 1024})
    );
    assert_eq!(v["macsMatch"], true);
    assert_eq!(v["badUnwrap"], "DOMException/OperationError");
}

#[test]
fn jwk_import_rejects_mismatches_and_non_objects() {
    let v = ok(r#"
        const hs = { name: "HMAC", hash: "SHA-256" };
        return {
            wrongKty: await caught(subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: "", y: "" }, hs, false, ["sign"])),
            wrongAlg: await caught(subtle.importKey("jwk", { kty: "oct", k: "AAAA", alg: "HS512" }, hs, false, ["sign"])),
            notObject: await caught(subtle.importKey("jwk", "{}", hs, false, ["sign"])),
            bytesForJwk: await caught(subtle.importKey("raw", { kty: "oct", k: "AAAA" }, hs, false, ["sign"])),
        };
    "#);
    assert_eq!(v["wrongKty"], "DOMException/DataError");
    assert_eq!(v["wrongAlg"], "DOMException/DataError");
    assert_eq!(v["notObject"], "TypeError/TypeError");
    assert_eq!(v["bytesForJwk"], "TypeError/TypeError");
}

#[test]
fn timing_safe_equal_is_synchronous_and_checks_lengths() {
    let v = ok(r#"
        let mismatch;
        try { subtle.timingSafeEqual(new Uint8Array(2), new Uint8Array(3)); } catch (e) { mismatch = e.name; }
        return {
            same: subtle.timingSafeEqual(enc("abc"), enc("abc").buffer),
            differ: subtle.timingSafeEqual(enc("abc"), enc("abd")),
            mismatch,
        };
    "#);
    assert_eq!(v["same"], true);
    assert_eq!(v["differ"], false);
    assert_eq!(v["mismatch"], "TypeError");
}

#[test]
fn digest_stream_hashes_everything_written() {
    let v = ok(r#"
        const stream = new crypto.DigestStream("SHA-256");
        const writer = stream.getWriter();
        await writer.write(enc("a"));
        await writer.write(enc("bc").buffer);
        await writer.close();
        let bad;
        try { new crypto.DigestStream("SHA-3"); } catch (e) { bad = e.name; }
        return { digest: hex(await stream.digest), isWritable: stream instanceof WritableStream, bad };
    "#);
    assert_eq!(
        v["digest"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(v["isWritable"], true);
    assert_eq!(v["bad"], "NotSupportedError");
}

#[test]
fn web_crypto_loads_on_first_use_and_looks_eager() {
    let v = ok(r#"
        const before = [Object.keys(crypto).includes("subtle"), "SubtleCrypto" in globalThis,
                        typeof Object.getOwnPropertyDescriptor(crypto, "subtle").get];
        const s = crypto.subtle;
        return [before, s === crypto.subtle, s instanceof SubtleCrypto, typeof crypto.DigestStream,
                Object.keys(crypto).includes("subtle"), typeof crypto.getRandomValues];
    "#);
    assert_eq!(
        v,
        serde_json::json!([
            [true, true, "function"],
            true,
            true,
            "function",
            true,
            "function"
        ])
    );
}
