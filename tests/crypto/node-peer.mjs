// The independent side of tests/crypto_interop.rs: Node.js's crypto (OpenSSL), never verge's.
//
//   node node-peer.mjs make    prints keys Node generated and what Node made with them
//                              (signatures, ciphertexts, derived bits, digests), as JSON
//   node node-peer.mjs check   reads {node, verge} JSON on stdin (what `make` printed and what
//                              the verge worker made) and prints {check: true | "failure"}
//
// Bytes travel as base64; keys as JWK, PKCS#8, SPKI or raw, so every import format is used.
import { createHash, createHmac, createPublicKey, createPrivateKey, publicEncrypt, privateDecrypt,
  constants, pbkdf2Sync, hkdfSync, createCipheriv, createDecipheriv, verify as cryptoVerify,
  sign as cryptoSign, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const b64 = (buf) => Buffer.from(buf instanceof ArrayBuffer ? new Uint8Array(buf) : buf).toString('base64');
const unb64 = (s) => Buffer.from(s, 'base64');
const MESSAGE = Buffer.from('verge <-> node: the quick brown fox jumps over the lazy dog');

// Keys made with Node's crypto API and exported in the formats verge imports.
async function make() {
  const out = { message: b64(MESSAGE) };
  const der = (k, type) => b64(k.export({ format: 'der', type }));

  // Digests (FIPS 180-4 via OpenSSL).
  out.digest = {};
  for (const [web, node] of [['SHA-1', 'sha1'], ['SHA-256', 'sha256'], ['SHA-384', 'sha384'], ['SHA-512', 'sha512'], ['MD5', 'md5']]) {
    out.digest[web] = createHash(node).update(MESSAGE).digest('base64');
  }

  // HMAC: a raw key; tags for SHA-256 and SHA-512.
  const hmacKey = randomBytes(48);
  out.hmac = { key: b64(hmacKey), sha256: createHmac('sha256', hmacKey).update(MESSAGE).digest('base64'),
               sha512: createHmac('sha512', hmacKey).update(MESSAGE).digest('base64') };

  // RSA: one 2048-bit pair for the three RSA algorithms (PKCS#8 / SPKI DER).
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  out.rsa = { pkcs8: der(rsa.privateKey, 'pkcs8'), spki: der(rsa.publicKey, 'spki'),
              jwkPublic: rsa.publicKey.export({ format: 'jwk' }) };
  out.rsa.pkcs1Sig = b64(cryptoSign('sha256', MESSAGE, rsa.privateKey));
  out.rsa.pssSig = b64(cryptoSign('sha256', MESSAGE, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
  out.rsa.oaepLabel = b64(Buffer.from('label'));
  out.rsa.oaepCiphertext = b64(publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from('label') }, MESSAGE));

  // ECDSA and ECDH on P-256 and P-384: two pairs per curve (JWK private, SPKI / raw public).
  out.ec = {};
  for (const [curve, nodeCurve, hash] of [['P-256', 'prime256v1', 'sha256'], ['P-384', 'secp384r1', 'sha384']]) {
    const a = generateKeyPairSync('ec', { namedCurve: nodeCurve });
    const b = generateKeyPairSync('ec', { namedCurve: nodeCurve });
    out.ec[curve] = {
      aJwk: a.privateKey.export({ format: 'jwk' }), aSpki: der(a.publicKey, 'spki'),
      bPkcs8: der(b.privateKey, 'pkcs8'),
      bRaw: b64(rawPoint(b.publicKey)),
      // ECDSA: IEEE P1363 r||s, as WebCrypto has it.
      sig: b64(cryptoSign(hash, MESSAGE, { key: a.privateKey, dsaEncoding: 'ieee-p1363' })),
      shared: b64(diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey })),
    };
  }

  // Ed25519 and X25519 (PKCS#8 private, raw public).
  const ed = generateKeyPairSync('ed25519');
  out.ed25519 = { pkcs8: der(ed.privateKey, 'pkcs8'), raw: b64(rawOkp(ed.publicKey)), sig: b64(cryptoSign(null, MESSAGE, ed.privateKey)) };
  const xa = generateKeyPairSync('x25519'), xb = generateKeyPairSync('x25519');
  out.x25519 = { aPkcs8: der(xa.privateKey, 'pkcs8'), aRaw: b64(rawOkp(xa.publicKey)), bRaw: b64(rawOkp(xb.publicKey)),
                 aJwk: xa.privateKey.export({ format: 'jwk' }),
                 shared: b64(diffieHellman({ privateKey: xa.privateKey, publicKey: xb.publicKey })) };

  // AES: raw keys; ciphertexts from OpenSSL's ciphers.
  const aes = (bits) => randomBytes(bits / 8);
  const gcmKey = aes(256), gcmIv = randomBytes(12), aad = Buffer.from('additional data');
  const gcm = createCipheriv('aes-256-gcm', gcmKey, gcmIv);
  gcm.setAAD(aad);
  const gcmCt = Buffer.concat([gcm.update(MESSAGE), gcm.final(), gcm.getAuthTag()]);
  const cbcKey = aes(128), cbcIv = randomBytes(16);
  const cbc = createCipheriv('aes-128-cbc', cbcKey, cbcIv);
  const cbcCt = Buffer.concat([cbc.update(MESSAGE), cbc.final()]);
  // CTR: OpenSSL increments the whole 128-bit block, as WebCrypto does with `length: 128`; here
  // the low 64 bits wrap within the message, so the carry into the high half is exercised.
  // (WebCrypto's shorter `length`, which wraps without carrying, has no OpenSSL equivalent:
  // crates/verge-crypto/src/tests.rs checks it.)
  const ctrKey = aes(192), ctrBlock = Buffer.concat([randomBytes(8), Buffer.from('fffffffffffffffe', 'hex')]);
  const ctr = createCipheriv('aes-192-ctr', ctrKey, ctrBlock);
  const ctrCt = Buffer.concat([ctr.update(MESSAGE), ctr.final()]);
  // AES-KW (RFC 3394, OpenSSL's id-aes256-wrap) of a 256-bit key.
  const kwKey = aes(256), wrapped = aes(256);
  const kw = createCipheriv('id-aes256-wrap', kwKey, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
  const kwCt = Buffer.concat([kw.update(wrapped), kw.final()]);
  out.aes = {
    gcm: { key: b64(gcmKey), iv: b64(gcmIv), aad: b64(aad), ciphertext: b64(gcmCt) },
    cbc: { key: b64(cbcKey), iv: b64(cbcIv), ciphertext: b64(cbcCt) },
    ctr: { key: b64(ctrKey), counter: b64(ctrBlock), ciphertext: b64(ctrCt) },
    kw: { key: b64(kwKey), wrappedKey: b64(wrapped), wrapped: b64(kwCt) },
  };

  // PBKDF2 and HKDF.
  const password = Buffer.from('correct horse battery staple'), salt = randomBytes(16), info = Buffer.from('verge info');
  out.kdf = {
    password: b64(password), salt: b64(salt), info: b64(info),
    pbkdf2: b64(pbkdf2Sync(password, salt, 1000, 48, 'sha256')),
    hkdf: b64(Buffer.from(hkdfSync('sha384', password, salt, info, 42))),
  };
  process.stdout.write(JSON.stringify(out));
}

// The uncompressed point 04||x||y of an EC public key.
function rawPoint(publicKey) {
  const j = publicKey.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), Buffer.from(j.x, 'base64url'), Buffer.from(j.y, 'base64url')]);
}
function rawOkp(publicKey) {
  return Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
}

// Checks what the verge worker made, with Node.
async function check() {
  const { node, verge } = JSON.parse(readFileSync(0, 'utf8'));
  const results = {};
  const run = async (name, f) => {
    try { const r = await f(); results[name] = r === true ? true : `returned ${JSON.stringify(r)}`; }
    catch (e) { results[name] = `${e.name}: ${e.message}`; }
  };
  const msg = unb64(node.message);
  const rsaPriv = createPrivateKey({ key: unb64(node.rsa.pkcs8), format: 'der', type: 'pkcs8' });
  const rsaPub = createPublicKey({ key: unb64(node.rsa.spki), format: 'der', type: 'spki' });
  const spki = (s) => createPublicKey({ key: unb64(s), format: 'der', type: 'spki' });

  await run('rsaPkcs1SignedByVerge', () => cryptoVerify('sha256', msg, rsaPub, unb64(verge.rsa.pkcs1Sig)));
  await run('rsaPssSignedByVerge', () => cryptoVerify('sha256', msg,
    { key: rsaPub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, unb64(verge.rsa.pssSig)));
  await run('rsaPssKeyGeneratedByVerge', () => cryptoVerify('sha384', msg,
    { key: spki(verge.rsa.generated.spki), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }, unb64(verge.rsa.generated.pssSig)));
  await run('rsaOaepEncryptedByVerge', () => privateDecrypt({ key: rsaPriv, padding: constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash: 'sha256', oaepLabel: Buffer.from('label') }, unb64(verge.rsa.oaepCiphertext)).equals(msg));
  for (const [curve, hash] of [['P-256', 'sha256'], ['P-384', 'sha384']]) {
    const mine = node.ec[curve], theirs = verge.ec[curve];
    const aPub = spki(mine.aSpki);
    await run(`ecdsa${curve}SignedByVerge`, () => cryptoVerify(hash, msg, { key: aPub, dsaEncoding: 'ieee-p1363' }, unb64(theirs.sig)));
    const gen = createPublicKey({ key: theirs.generatedJwk, format: 'jwk' });
    await run(`ecdsa${curve}KeyGeneratedByVerge`, () => cryptoVerify(hash, msg, { key: gen, dsaEncoding: 'ieee-p1363' }, unb64(theirs.generatedSig)));
    // ECDH: verge's generated public key with Node's private key A gives what verge derived.
    const aPriv = createPrivateKey({ key: mine.aJwk, format: 'jwk' });
    const ecdhPub = spki(theirs.ecdhSpki);
    await run(`ecdh${curve}WithVergesKey`, () => diffieHellman({ privateKey: aPriv, publicKey: ecdhPub }).equals(unb64(theirs.ecdhShared)));
  }
  const edGen = createPublicKey({ key: verge.ed25519.generatedJwk, format: 'jwk' });
  await run('ed25519KeyGeneratedByVerge', () => cryptoVerify(null, msg, edGen, unb64(verge.ed25519.generatedSig)));
  const xaPriv = createPrivateKey({ key: unb64(node.x25519.aPkcs8), format: 'der', type: 'pkcs8' });
  const xGen = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), unb64(verge.x25519.generatedRaw)]), format: 'der', type: 'spki' });
  await run('x25519WithVergesKey', () => diffieHellman({ privateKey: xaPriv, publicKey: xGen }).equals(unb64(verge.x25519.shared)));
  // AES-GCM with verge's own key and IV: Node decrypts.
  await run('aesGcmEncryptedByVerge', () => {
    const { key, iv, ciphertext } = verge.aes.gcm;
    const ct = unb64(ciphertext);
    const d = createDecipheriv('aes-128-gcm', unb64(key), unb64(iv));
    d.setAuthTag(ct.subarray(ct.length - 16));
    return Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]).equals(msg);
  });
  // A JWK wrapped by verge with AES-KW: Node unwraps it and finds the HMAC key verge exported.
  await run('aesKwWrappedByVerge', () => {
    const d = createDecipheriv('id-aes128-wrap', unb64(verge.aes.kw.key), Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    const raw = Buffer.concat([d.update(unb64(verge.aes.kw.wrapped)), d.final()]);
    return raw.equals(unb64(verge.aes.kw.rawKey));
  });
  process.stdout.write(JSON.stringify(results));
}

if (process.argv[2] === 'make') await make();
else if (process.argv[2] === 'check') await check();
else { console.error('usage: node-peer.mjs make|check'); process.exit(2); }
