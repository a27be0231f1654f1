// Records the golden answers of the corpus (corpus.json) on workerd through `wrangler dev`,
// into golden/workerd.json, which tests/npm_libs.rs replays on verge. Run by hand when the
// corpus changes (third-party code is fetched by npm, never committed):
//
//   node golden/record.mjs /path/to/node_modules/.bin/wrangler      (run in tests/npm)
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ask } from "./ask.mjs";

const wrangler = process.argv[2];
const npm = resolve(import.meta.dirname, "..");
const corpus = JSON.parse(readFileSync(join(npm, "golden/corpus.json"), "utf8"));
const port = 8951;
const base = `http://127.0.0.1:${port}`;
const out = {};
for (const project of corpus.projects) {
  const dir = mkdtempSync(join(tmpdir(), "golden-"));
  execFileSync("node", [join(npm, "golden/prepare.mjs"), project.name, dir]);
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", join(dir, ".state")];
  if (project.name === "scheduled") args.push("--test-scheduled");
  const child = spawn(wrangler, args, { cwd: dir, env: { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false" }, detached: true, stdio: "ignore" });
  try {
    for (let i = 0; ; i++) {
      try { await fetch(base + "/__golden_ready"); break; } catch { if (i > 600) throw new Error("wrangler dev did not start"); await new Promise((r) => setTimeout(r, 100)); }
    }
    out[project.name] = [];
    for (const request of project.requests) out[project.name].push(await ask(base, request));
  } finally {
    process.kill(-child.pid, "SIGTERM");
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(project.name, JSON.stringify(out[project.name]));
}
writeFileSync(join(npm, "golden/workerd.json"), JSON.stringify(out, null, 2) + "\n");
