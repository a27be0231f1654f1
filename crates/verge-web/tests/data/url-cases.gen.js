// Regenerate: node crates/verge-web/tests/data/url-cases.gen.js > crates/verge-web/tests/data/url-cases.json
// Inputs written for verge; expectations printed by node's WHATWG URL implementation.
const cases = [
  ["https://example.com/a/./b/../c", null],
  ["HTTP://EXAMPLE.COM:80/%7Efoo", null],
  ["https://user:pa ss@example.com:8443/p?q=1 2#f g", null],
  ["http://[::1]:8080/x", null],
  ["http://[2001:db8::7]/", null],
  ["http://192.168.0.257/", null],
  ["http://0x7f.1/", null],
  ["https://xn--nxasmq6b.com/", null],
  ["https://bücher.example/straße", null],
  ["http:\\\\example.com\\a\\b", null],
  ["https://example.com:443/", null],
  ["ws://example.com:80/chat", null],
  ["file:///C:/dir/../file.txt", null],
  ["mailto:someone@example.com", null],
  ["data:text/plain,hello world", null],
  ["javascript:alert(1)", null],
  ["../up?x#y", "https://example.com/a/b/c"],
  ["//other.example/path", "https://example.com/a"],
  ["?only=query", "https://example.com/path/file"],
  ["#frag", "https://example.com/path?q"],
  ["/abs/./path/../x", "https://example.com/a/b"],
  ["https://example.com/%zz/%41", null],
  ["https://ex ample.com/", null],
  ["https://example.com:65536/", null],
  ["http://[::1/", null],
  ["not a url", null],
  ["https://a.b/c?d=%ff&e=é", null],
  ["HTTPS://Example.COM/Ä?Ü#Ö", null],
];
const out = cases.map(([input, base]) => {
  let r;
  try {
    const u = base === null ? new URL(input) : new URL(input, base);
    r = { href: u.href, origin: u.origin, protocol: u.protocol, username: u.username, password: u.password, host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash };
  } catch { r = { failure: true }; }
  return { input, base, ...r };
});
console.log(JSON.stringify(out, null, 1));
