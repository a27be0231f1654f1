// hono on verge: routing, params, query, JSON bodies, cookies (plain and signed), a
// middleware that sets a header, and a custom 404.
import { Hono } from "hono";
import { getCookie, setCookie, getSignedCookie, setSignedCookie } from "hono/cookie";

const app = new Hono();

app.use("*", async (c, next) => {
  await next();
  c.header("X-Middleware", "hono");
});

app.get("/", (c) => c.text("hello from hono"));
app.get("/users/:id", (c) => c.json({ id: c.req.param("id"), q: c.req.query("q") ?? null }));
app.post("/echo", async (c) => {
  const body = await c.req.json();
  return c.json({ got: body, contentType: c.req.header("content-type") }, 201);
});
app.get("/cookie/set", (c) => {
  setCookie(c, "session", "abc123", { path: "/", httpOnly: true, sameSite: "Lax" });
  return c.text("cookie set");
});
app.get("/cookie/get", (c) => c.json({ session: getCookie(c, "session") ?? null, all: getCookie(c) }));
app.get("/signed/set", async (c) => {
  await setSignedCookie(c, "sid", "v1", "cookie-secret", { path: "/" });
  return c.text("signed cookie set");
});
app.get("/signed/get", async (c) => c.json({ sid: (await getSignedCookie(c, "cookie-secret", "sid")) ?? null }));
app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));

export default app;
