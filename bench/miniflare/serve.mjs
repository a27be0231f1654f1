// Serve one benchmark workload with miniflare (used for the KV and D1 baselines,
// which bare workerd cannot back with storage on its own).
// Usage: node serve.mjs <workload-dir> <port> <state-dir>
import { Miniflare } from "miniflare";
import fs from "node:fs";
import path from "node:path";

const [dir, port, state] = process.argv.slice(2);
if (!dir || !port || !state) {
  console.error("usage: node serve.mjs <workload-dir> <port> <state-dir>");
  process.exit(2);
}
const root = path.resolve(dir);
// Bindings come from the workload's wrangler.toml (only the shapes the workloads use).
const toml = fs.readFileSync(path.join(root, "wrangler.toml"), "utf8");
const compat = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? "2025-09-01";
const tables = (header) =>
  toml
    .split(/^(?=\[)/m)
    .filter((block) => block.startsWith(`[[${header}]]`))
    .map((block) => Object.fromEntries([...block.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]])));

const options = {
  host: "127.0.0.1",
  port: Number(port),
  modules: true,
  modulesRoot: root,
  scriptPath: path.join(root, "worker.js"),
  compatibilityDate: compat,
  kvPersist: path.join(state, "kv"),
  d1Persist: path.join(state, "d1"),
  durableObjectsPersist: path.join(state, "do"),
};
const kv = tables("kv_namespaces");
if (kv.length) options.kvNamespaces = Object.fromEntries(kv.map((t) => [t.binding, t.id]));
const d1 = tables("d1_databases");
if (d1.length) options.d1Databases = Object.fromEntries(d1.map((t) => [t.binding, t.database_id]));
const dos = tables("durable_objects.bindings");
if (dos.length) {
  options.durableObjects = Object.fromEntries(
    dos.map((t) => [t.name, { className: t.class_name, useSQLite: true }]),
  );
}

const mf = new Miniflare(options);
await mf.ready;
console.log(`miniflare ready on 127.0.0.1:${port}`);
const stop = async () => {
  await mf.dispose();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
