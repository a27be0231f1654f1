// router: reads a header and a cookie, routes on the path, sets a cookie.
function parseCookies(header) {
  const out = {};
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

const routes = [
  [/^\/$/, () => "home"],
  [/^\/health$/, () => "ok"],
  [/^\/api\/posts\/(\d+)$/, (m) => `post ${m[1]}`],
  [/^\/api\/users\/(\d+)\/posts$/, (m) => `posts of user ${m[1]}`],
  [/^\/api\/users\/(\d+)$/, (m) => `user ${m[1]}`],
];

export default {
  fetch(request) {
    const url = new URL(request.url);
    const requestId = request.headers.get("x-request-id") || "none";
    const cookies = parseCookies(request.headers.get("cookie"));
    const session = cookies.session || "anonymous";
    for (const [pattern, handler] of routes) {
      const m = url.pathname.match(pattern);
      if (m) {
        const headers = new Headers({
          "content-type": "text/plain;charset=UTF-8",
          "x-request-id": requestId,
        });
        headers.append("set-cookie", `session=${session}; Path=/; HttpOnly; SameSite=Lax`);
        headers.append("set-cookie", `last=${encodeURIComponent(url.pathname)}; Path=/`);
        return new Response(`${handler(m)} (session ${session}, theme ${cookies.theme || "light"})`, {
          headers,
        });
      }
    }
    return new Response("not found", { status: 404 });
  },
};
