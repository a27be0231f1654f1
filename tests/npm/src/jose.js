// jose on verge: JWS (HS256, RS256, ES256, EdDSA) and JWE (dir + A256GCM, RSA-OAEP-256 +
// A256GCM) with keys generated in the worker. Each route answers
// {"ok": true, ...details} or {"ok": false, "error": "..."}.
import * as jose from "jose";

const claims = { sub: "user-42", role: "admin" };

async function jws(alg, makeKeys) {
  const { sign, verify } = await makeKeys();
  const token = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg })
    .setIssuer("verge")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(sign);
  const { payload, protectedHeader } = await jose.jwtVerify(token, verify, { issuer: "verge" });
  // A token whose signature was tampered with must be rejected.
  const [h, p, s] = token.split(".");
  const flipped = s[0] === "A" ? "B" + s.slice(1) : "A" + s.slice(1);
  let tampered = "accepted";
  try {
    await jose.jwtVerify(`${h}.${p}.${flipped}`, verify);
  } catch (e) {
    tampered = e.code;
  }
  return {
    ok: payload.sub === claims.sub && payload.role === claims.role && protectedHeader.alg === alg,
    alg: protectedHeader.alg,
    sub: payload.sub,
    segments: token.split(".").length,
    tampered,
  };
}

const pair = (alg, options) => async () => {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, options);
  return { sign: privateKey, verify: publicKey };
};

async function jwe(alg, enc, makeKeys) {
  const { encrypt, decrypt } = await makeKeys();
  const token = await new jose.EncryptJWT(claims)
    .setProtectedHeader({ alg, enc })
    .setIssuedAt()
    .setExpirationTime("2h")
    .encrypt(encrypt);
  const { payload, protectedHeader } = await jose.jwtDecrypt(token, decrypt);
  const plaintext = new TextEncoder().encode("raw bytes through compact JWE");
  const compact = await new jose.CompactEncrypt(plaintext).setProtectedHeader({ alg, enc }).encrypt(encrypt);
  const back = await jose.compactDecrypt(compact, decrypt);
  return {
    ok: payload.sub === claims.sub && protectedHeader.enc === enc,
    alg: protectedHeader.alg,
    enc: protectedHeader.enc,
    segments: token.split(".").length,
    compact: new TextDecoder().decode(back.plaintext),
  };
}

const routes = {
  "/hs256": () => jws("HS256", async () => {
    const secret = new TextEncoder().encode("a-string-secret-at-least-256-bits-long");
    return { sign: secret, verify: secret };
  }),
  "/rs256": () => jws("RS256", pair("RS256")),
  "/es256": () => jws("ES256", pair("ES256")),
  "/eddsa": () => jws("EdDSA", pair("EdDSA", { crv: "Ed25519" })),
  "/jwk": async () => {
    // JWK export/import round trip of an ES256 public key, then verify with the imported key.
    const { publicKey, privateKey } = await jose.generateKeyPair("ES256", { extractable: true });
    const jwk = await jose.exportJWK(publicKey);
    const imported = await jose.importJWK(jwk, "ES256");
    const token = await new jose.SignJWT(claims).setProtectedHeader({ alg: "ES256" }).sign(privateKey);
    const { payload } = await jose.jwtVerify(token, imported);
    const thumbprint = await jose.calculateJwkThumbprint(jwk);
    return { ok: payload.sub === claims.sub, kty: jwk.kty, crv: jwk.crv, thumbprintLength: thumbprint.length };
  },
  "/jwe-dir": () => jwe("dir", "A256GCM", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    return { encrypt: key, decrypt: key };
  }),
  "/jwe-rsa-oaep": () => jwe("RSA-OAEP-256", "A256GCM", async () => {
    const { publicKey, privateKey } = await jose.generateKeyPair("RSA-OAEP-256");
    return { encrypt: publicKey, decrypt: privateKey };
  }),
};

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    const route = routes[pathname];
    if (!route) return Response.json({ ok: false, error: `no route ${pathname}` }, { status: 404 });
    try {
      return Response.json(await route());
    } catch (e) {
      return Response.json({ ok: false, error: `${e?.name}: ${e?.message}`, code: e?.code, stack: e?.stack }, { status: 500 });
    }
  },
};
