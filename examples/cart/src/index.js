// A shopping cart per cart id, stored in the Durable Object's own SQLite database.
//
//   GET    /cart/<id>               -> {cart_id, items: [{sku, name, qty, price_cents}], item_count, total_cents}
//   POST   /cart/<id>/items         body {sku, name, qty, price_cents}: adds the item, or adds
//                                   qty to it when the sku is already in the cart -> the cart
//   DELETE /cart/<id>/items/<sku>   removes the line -> the cart (404 if the sku is not in it)
//   POST   /cart/<id>/checkout      -> an order summary; the cart is emptied atomically
//
// Invalid input gets 400 with {"error": "..."}.
import { DurableObject } from "cloudflare:workers";

export class Cart extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS items (
        sku         TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        qty         INTEGER NOT NULL CHECK (qty > 0),
        price_cents INTEGER NOT NULL CHECK (price_cents >= 0)
      );
      CREATE TABLE IF NOT EXISTS orders (
        id          TEXT PRIMARY KEY,
        created_at  TEXT NOT NULL,
        total_cents INTEGER NOT NULL,
        items       TEXT NOT NULL
      );
    `);
  }

  getCart() {
    const items = this.sql
      .exec("SELECT sku, name, qty, price_cents FROM items ORDER BY sku")
      .toArray();
    return summarize(items);
  }

  // The latest name and price win; quantities add up.
  addItem({ sku, name, qty, price_cents }) {
    this.sql.exec(
      `INSERT INTO items (sku, name, qty, price_cents) VALUES (?, ?, ?, ?)
       ON CONFLICT (sku) DO UPDATE SET
         qty = qty + excluded.qty, name = excluded.name, price_cents = excluded.price_cents`,
      sku, name, qty, price_cents,
    );
    return this.getCart();
  }

  // Returns null when the sku was not in the cart.
  removeItem(sku) {
    const { rowsWritten } = this.sql.exec("DELETE FROM items WHERE sku = ?", sku);
    return rowsWritten === 0 ? null : this.getCart();
  }

  // Records the order and empties the cart in one transaction; null when the cart is empty.
  checkout() {
    return this.ctx.storage.transactionSync(() => {
      const cart = this.getCart();
      if (cart.items.length === 0) return null;
      const order = {
        order_id: crypto.randomUUID(),
        created_at: new Date().toISOString(),
        ...cart,
      };
      this.sql.exec(
        "INSERT INTO orders (id, created_at, total_cents, items) VALUES (?, ?, ?, ?)",
        order.order_id, order.created_at, order.total_cents, JSON.stringify(order.items),
      );
      this.sql.exec("DELETE FROM items");
      return order;
    });
  }
}

function summarize(items) {
  return {
    items,
    item_count: items.reduce((n, item) => n + item.qty, 0),
    total_cents: items.reduce((sum, item) => sum + item.qty * item.price_cents, 0),
  };
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function validateItem(body) {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "body must be a JSON object");
  }
  const { sku, name, qty, price_cents } = body;
  if (typeof sku !== "string" || sku.length === 0 || sku.length > 64) {
    throw new HttpError(400, "sku must be a non-empty string of at most 64 characters");
  }
  if (typeof name !== "string" || name.trim().length === 0 || name.length > 200) {
    throw new HttpError(400, "name must be a non-empty string of at most 200 characters");
  }
  if (!Number.isInteger(qty) || qty < 1 || qty > 1000) {
    throw new HttpError(400, "qty must be an integer from 1 to 1000");
  }
  if (!Number.isInteger(price_cents) || price_cents < 0 || price_cents > 100_000_000) {
    throw new HttpError(400, "price_cents must be a non-negative integer");
  }
  return { sku, name: name.trim(), qty, price_cents };
}

async function readJson(request) {
  try {
    return await request.json();
  } catch {
    throw new HttpError(400, "body must be valid JSON");
  }
}

function methodNotAllowed(allow) {
  return Response.json({ error: "method not allowed" }, { status: 405, headers: { Allow: allow } });
}

async function route(request, env) {
  const url = new URL(request.url);
  let parts;
  try {
    parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, "malformed percent-encoding in the path");
  }
  if (parts[0] !== "cart" || parts.length < 2 || parts.length > 4) {
    throw new HttpError(404, "not found");
  }
  const [, cartId, section, sku] = parts;
  if (cartId.length > 128) throw new HttpError(400, "cart id is too long");
  const cart = env.CART.getByName(cartId);
  const method = request.method;

  if (section === undefined) {
    if (method !== "GET") return methodNotAllowed("GET");
    return Response.json({ cart_id: cartId, ...(await cart.getCart()) });
  }
  if (section === "items" && sku === undefined) {
    if (method !== "POST") return methodNotAllowed("POST");
    const item = validateItem(await readJson(request));
    return Response.json({ cart_id: cartId, ...(await cart.addItem(item)) });
  }
  if (section === "items") {
    if (method !== "DELETE") return methodNotAllowed("DELETE");
    const result = await cart.removeItem(sku);
    if (result === null) throw new HttpError(404, `sku ${sku} is not in the cart`);
    return Response.json({ cart_id: cartId, ...result });
  }
  if (section === "checkout" && sku === undefined) {
    if (method !== "POST") return methodNotAllowed("POST");
    const order = await cart.checkout();
    if (order === null) throw new HttpError(409, "cart is empty");
    return Response.json({ cart_id: cartId, ...order }, { status: 201 });
  }
  throw new HttpError(404, "not found");
}

export default {
  async fetch(request, env) {
    try {
      return await route(request, env);
    } catch (err) {
      if (err instanceof HttpError) {
        return Response.json({ error: err.message }, { status: err.status });
      }
      throw err;
    }
  },
};
