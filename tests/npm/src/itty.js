// itty-router on verge: AutoRouter with routing, params, query, JSON in and out, errors,
// and before/finally middleware.
import { AutoRouter, json, error, text } from "itty-router";

const router = AutoRouter({
  before: [(request) => { request.startedBy = "itty-before"; }],
  finally: [(response) => { response.headers.set("X-Middleware", "itty"); }],
});

router
  .get("/", () => text("hello from itty"))
  .get("/items/:id", ({ params, query, startedBy }) => ({ id: params.id, q: query.q ?? null, startedBy }))
  .post("/items", async (request) => json({ created: await request.json() }, { status: 201 }))
  .get("/teapot", () => error(418, "I'm a teapot"));

export default router;
