// Builds one project of the golden corpus (corpus.json) into a directory that both wrangler dev
// and verge run: the create-cloudflare template (from node_modules) or a tests/npm/src worker,
// its `<WORKER_NAME>`/`<COMPATIBILITY_DATE>` placeholders filled, and its entry bundled with
// esbuild as wrangler bundles it (`main` pointing at the bundle).
//
//   node golden/prepare.mjs NAME OUT_DIR      (run in tests/npm)
import { build } from "esbuild";
import { cpSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const [name, outDir] = process.argv.slice(2);
const npm = resolve(import.meta.dirname, "..");
const corpus = JSON.parse(readFileSync(join(npm, "golden/corpus.json"), "utf8"));
const project = corpus.projects.find((p) => p.name === name);
if (!project || !outDir) {
  console.error(`usage: prepare.mjs NAME OUT_DIR (NAME one of ${corpus.projects.map((p) => p.name).join(", ")})`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
let config;
let entry;
if (project.template) {
  const from = join(npm, "node_modules/create-cloudflare/templates", project.template);
  cpSync(from, outDir, { recursive: true });
  const text = readFileSync(join(outDir, "wrangler.jsonc"), "utf8")
    .replaceAll("<WORKER_NAME>", "golden-" + name)
    .replaceAll("<COMPATIBILITY_DATE>", "2025-06-01");
  // wrangler.jsonc allows comments (the templates' are whole lines) and trailing commas.
  const json = text.split("\n").filter((l) => !l.trim().startsWith("//")).join("\n");
  config = JSON.parse(json.replace(/,(\s*[}\]])/g, "$1"));
  entry = config.main;
} else {
  cpSync(join(npm, "src", project.worker + ".js"), join(outDir, "src.js"));
  config = { name: "golden-" + name, main: "src.js", compatibility_date: "2025-06-01" };
  entry = "src.js";
}
if (entry) {
  await build({
    entryPoints: [join(outDir, entry)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    external: ["cloudflare:*", "node:*"],
    nodePaths: [join(npm, "node_modules")],
    outfile: join(outDir, "dist/worker.js"),
    logLevel: "warning",
  });
  config.main = "dist/worker.js";
}
// One config file, the filled-in one.
rmSync(join(outDir, "wrangler.jsonc"), { force: true });
writeFileSync(join(outDir, "wrangler.json"), JSON.stringify(config, null, 2) + "\n");
