//! Criterion micro-benchmarks of verge's hot paths (issue 6):
//! - `fetch/*`: request → JS `fetch` handler → response through `verge_web::invoke::invoke_fetch`
//!   on a warm isolate (hello text, ~1 KB JSON);
//! - `headers/*`: `Headers` append/get/iterate of 20 headers from a JS loop;
//! - `isolate_new/*`: `Isolate::new` for a fresh `WorkerSpec` (an unseen worker), with no
//!   extensions and with the full `WebExtension`;
//! - `json_stringify/*`: QuickJS's own `JSON.stringify` against the native one
//!   (`verge_web::json`) on the ~1 KB document of `bench/workloads/json` and the ~50 KB one of
//!   `bench/workloads/cpu`, one call per iteration.
//!
//! Run: `cargo bench -p verge-web --bench hot_paths` (a few minutes). Numbers are per
//! iteration; on a shared 2-core machine expect ±10–20 % run to run.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use rquickjs::{Ctx, Function, Object, Value};
use verge_web::invoke::{IncomingRequest, OutgoingBody, invoke_fetch};

mod common;
use common::*;

fn request(url: &str) -> IncomingRequest {
    IncomingRequest {
        id: "bench".into(),
        method: "GET".into(),
        url: url.into(),
        headers: vec![
            ("host".into(), "localhost".into()),
            ("user-agent".into(), "criterion".into()),
            ("accept".into(), "*/*".into()),
        ],
        body: None,
        cf_json: None,
    }
}

fn bench_fetch(c: &mut Criterion) {
    let (rt, local) = thread();
    let mut g = c.benchmark_group("fetch");
    g.measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20);
    for (name, src, url) in [
        ("hello", HELLO, "http://localhost/"),
        (
            "json_1k",
            JSON,
            "http://localhost/catalog/shoes/running?size=42&color=blue&sort=price",
        ),
    ] {
        let dir = project(&[("worker.js", src)]);
        let iso = local.block_on(&rt, isolate(spec(&dir, "worker.js", web())));
        // Sanity check: the handler answers 200 with a body of the expected size.
        let resp = local
            .block_on(&rt, invoke_fetch(iso.clone(), request(url)))
            .expect("fetch");
        assert_eq!(resp.status, 200);
        drain(&rt, &local);
        if let OutgoingBody::Full(b) = &resp.body {
            eprintln!("fetch/{name}: body {} bytes", b.len());
        }
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                local.block_on(&rt, async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let r = invoke_fetch(iso.clone(), request(url))
                            .await
                            .expect("fetch");
                        std::hint::black_box(r);
                        // invoke_fetch spawns the request's waitUntil settlement task; let it
                        // run as the isolate thread would, so it is part of the cost and does
                        // not pile up.
                        tokio::task::yield_now().await;
                    }
                    start.elapsed()
                })
            })
        });
        drain(&rt, &local);
    }
    g.finish();
}

/// Runs the thread's pending local tasks (waitUntil settlements) to completion.
///
/// Needed before the isolate and the `LocalSet` are dropped: dropping an unstarted
/// `spawn_wait_until` task frees its `exec` handle after its `Rc<Isolate>` (captures drop in
/// capture order), a use-after-free when that was the last reference (see bench/README.md).
fn drain(rt: &tokio::runtime::Runtime, local: &tokio::task::LocalSet) {
    local.block_on(rt, async {
        for _ in 0..16 {
            tokio::task::yield_now().await;
        }
    });
}

const HEADERS_WORKER: &str = r#"
const names = [];
const values = [];
for (let i = 0; i < 20; i++) { names.push("x-header-" + i); values.push("value-" + i); }
export default {
  fetch() { return new Response("ok"); },
  // 20 appends, 20 gets, one full iteration: one Headers object per call.
  headers() {
    const h = new Headers();
    for (let i = 0; i < 20; i++) h.append(names[i], values[i]);
    let n = 0;
    for (let i = 0; i < 20; i++) n += h.get(names[i]).length;
    for (const [k, v] of h) n += k.length + v.length;
    return n;
  },
  // The same loop shape on a plain object, as a floor for the JS interpreter itself.
  object() {
    const h = {};
    for (let i = 0; i < 20; i++) h[names[i]] = values[i];
    let n = 0;
    for (let i = 0; i < 20; i++) n += h[names[i]].length;
    for (const k in h) n += k.length + h[k].length;
    return n;
  },
};
"#;

fn bench_headers(c: &mut Criterion) {
    let (rt, local) = thread();
    let dir = project(&[("worker.js", HEADERS_WORKER)]);
    let iso = local.block_on(&rt, isolate(spec(&dir, "worker.js", web())));
    let mut g = c.benchmark_group("headers");
    g.measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20);
    for name in ["headers", "object"] {
        let label = if name == "headers" {
            "append_get_iterate_20"
        } else {
            "plain_object_baseline_20"
        };
        g.bench_function(label, |b| {
            b.iter_custom(|iters| {
                local.block_on(&rt, async {
                    iso.context()
                        .with(|ctx| {
                            let f: Function =
                                iso.exports(&ctx).expect("exports").get(name).expect("fn");
                            let start = Instant::now();
                            for _ in 0..iters {
                                let n: i32 = f.call(()).expect("call");
                                std::hint::black_box(n);
                            }
                            start.elapsed()
                        })
                        .await
                })
            })
        });
    }
    g.finish();
}

fn bench_isolate_new(c: &mut Criterion) {
    let (rt, local) = thread();
    let dir = project(&[("worker.js", HELLO)]);
    let mut g = c.benchmark_group("isolate_new");
    g.measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20);
    for (label, web_ext) in [("no_extensions", false), ("web_extension", true)] {
        g.bench_function(label, |b| {
            b.iter_custom(|iters| {
                local.block_on(&rt, async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        // A fresh spec each time: an unseen worker (its files are read too).
                        let ext = if web_ext { web() } else { Vec::new() };
                        let s = spec(&dir, "worker.js", ext);
                        let start = Instant::now();
                        let iso = isolate(s).await;
                        total += start.elapsed();
                        drop(iso);
                        // Let the dropped isolate's driver task finish.
                        tokio::task::yield_now().await;
                    }
                    total
                })
            })
        });
    }
    g.finish();
}

/// Installs the native `JSON.stringify` and keeps QuickJS's own as `originalStringify`.
struct JsonBench;

impl verge_js::Extension for JsonBench {
    fn name(&self) -> &'static str {
        "json-bench"
    }

    fn init<'js>(&self, ctx: &Ctx<'js>, _internal: &Object<'js>) -> rquickjs::Result<()> {
        let json: Object = ctx.globals().get("JSON")?;
        let original: Value = json.get("stringify")?;
        verge_js::json::install(ctx)?;
        ctx.globals().set("originalStringify", original)?;
        Ok(())
    }
}

/// The two documents, built as the workloads build them: `bench/workloads/json/worker.js` for
/// the URL of `bench_fetch`'s `json_1k` (its `fetch` builds the document from the request, so
/// the construction is repeated here), and the `big` object of `bench/workloads/cpu/worker.js`.
const JSON_WORKER: &str = r#"
function doc1k(href) {
  const url = new URL(href);
  const segments = url.pathname.split("/").filter(Boolean);
  const query = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const items = [];
  for (let i = 0; i < 10; i++) {
    items.push({
      id: i,
      name: `${segments[segments.length - 1] || "item"}-${i}`,
      path: url.pathname,
      price: Math.round((i + 1) * 9.99 * 100) / 100,
      tags: ["bench", "json", segments[0] || "root"],
    });
  }
  return { method: "GET", host: url.host, path: url.pathname, segments, query, count: items.length, items };
}
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
const docs = { "1k": doc1k("http://localhost/catalog/shoes/running?size=42&color=blue&sort=price"), "50k": big };
const impls = { original: globalThis.originalStringify, native: JSON.stringify };
export default {
  fetch() { return new Response("ok"); },
  // n calls of one implementation on one document; returns the total length.
  stringify(impl, doc, n) {
    const f = impls[impl];
    const d = docs[doc];
    let len = 0;
    for (let i = 0; i < n; i++) len += f(d).length;
    return len;
  },
};
"#;

fn bench_json_stringify(c: &mut Criterion) {
    let (rt, local) = thread();
    let dir = project(&[("worker.js", JSON_WORKER)]);
    // JsonBench first, so `originalStringify` is QuickJS's own whatever the Web platform does.
    let mut ext: Vec<std::sync::Arc<dyn verge_js::Extension>> =
        vec![std::sync::Arc::new(JsonBench)];
    ext.extend(web());
    let iso = local.block_on(&rt, isolate(spec(&dir, "worker.js", ext)));
    let mut g = c.benchmark_group("json_stringify");
    g.measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20);
    for doc in ["1k", "50k"] {
        // Both implementations give the same text.
        let lens = local.block_on(&rt, async {
            iso.context()
                .with(|ctx| {
                    let f: Function = iso
                        .exports(&ctx)
                        .expect("exports")
                        .get("stringify")
                        .expect("fn");
                    let o: f64 = f.call(("original", doc, 1)).expect("call");
                    let n: f64 = f.call(("native", doc, 1)).expect("call");
                    (o, n)
                })
                .await
        });
        assert_eq!(lens.0, lens.1, "{doc}: lengths differ");
        eprintln!("json_stringify/{doc}: {} chars", lens.0);
        for imp in ["original", "native"] {
            g.bench_function(format!("{doc}_{imp}"), |b| {
                b.iter_custom(|iters| {
                    local.block_on(&rt, async {
                        iso.context()
                            .with(|ctx| {
                                let f: Function = iso
                                    .exports(&ctx)
                                    .expect("exports")
                                    .get("stringify")
                                    .expect("fn");
                                let start = Instant::now();
                                let n: f64 = f.call((imp, doc, iters as f64)).expect("call");
                                std::hint::black_box(n);
                                start.elapsed()
                            })
                            .await
                    })
                })
            });
        }
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_fetch,
    bench_headers,
    bench_isolate_new,
    bench_json_stringify
);
criterion_main!(benches);
