// cpu: HMAC-SHA-256 over 1 KB with crypto.subtle, plus a JSON round-trip of a ~50 KB object.
const encoder = new TextEncoder();
const message = encoder.encode("x".repeat(1024));

const big = { users: [] };
for (let i = 0; big.users.length < 465; i++) {
  big.users.push({
    id: i,
    name: `user-${i}`,
    email: `user-${i}@example.com`,
    active: i % 3 === 0,
    score: i * 1.5,
    tags: ["a", "b", "c"],
  });
}
// about 50 KB when serialized (checked in the response below)

let keyPromise = null;
function key() {
  if (!keyPromise) {
    keyPromise = crypto.subtle.importKey(
      "raw",
      encoder.encode("verge-bench-secret-key"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
  }
  return keyPromise;
}

function hex(buf) {
  const bytes = new Uint8Array(buf);
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, "0");
  return s;
}

export default {
  async fetch() {
    const sig = await crypto.subtle.sign("HMAC", await key(), message);
    const text = JSON.stringify(big);
    const back = JSON.parse(text);
    return new Response(
      JSON.stringify({ hmac: hex(sig), bytes: text.length, users: back.users.length }),
      { headers: { "content-type": "application/json" } },
    );
  },
};
