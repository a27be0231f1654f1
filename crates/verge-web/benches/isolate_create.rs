//! Time to create an isolate for an unseen worker, and where that time goes (issue 6).
//!
//! `cargo bench -p verge-web --bench isolate_create` prints markdown tables:
//! 1. `Isolate::new` for a fresh `WorkerSpec` (hello worker), p50/p99 over `SAMPLES`
//!    creations, with no extensions and with the full `WebExtension`;
//! 2. a breakdown of `WebExtension::init` (Rust installs, then each `js/*.js` file), with each
//!    file's parse+compile time alone;
//! 3. an experiment: the same files loaded from precompiled QuickJS bytecode
//!    (`JS_WriteObject`/`JS_ReadObject`) instead of source.
//!
//! Step 2 mirrors `WebExtension::init` (crates/verge-web/src/lib.rs); if that changes, the
//! "sum of steps vs whole init" line shows the drift. Env: `ISOLATE_CREATE_SAMPLES` (200).
#![allow(unsafe_code)]

use std::ffi::CString;
use std::time::{Duration, Instant};

use rquickjs::prelude::Func;
use rquickjs::{Class, Ctx, Function, Object, Value, qjs};
use verge_web::headers::Headers;
use verge_web::{JS_FILES, LAZY_FILES, WebExtension};

mod common;
use common::*;

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn summary(mut v: Vec<f64>) -> (f64, f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).expect("nan"));
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    (pct(&v, 50.0), pct(&v, 99.0), mean, v[v.len() - 1])
}

fn wrap(src: &str) -> String {
    format!("(function (globalThis, primordials, internal) {{{src}\n}})")
}

/// The Rust half of `WebExtension::init` (globals and `internal` helpers), without the JS files.
/// The three `internal` helpers that only run at request time are stand-ins of the same shape.
fn rust_init<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> rquickjs::Result<()> {
    internal.set(
        "defineGlobal",
        Func::from(|ctx: Ctx<'js>, name: String, value: Value<'js>| {
            let object: Object = ctx.globals().get("Object")?;
            let define: Function = object.get("defineProperty")?;
            let desc = Object::new(ctx.clone())?;
            desc.set("value", value)?;
            desc.set("writable", true)?;
            desc.set("configurable", true)?;
            desc.set("enumerable", false)?;
            let _: Value = define.call((ctx.globals(), name, desc))?;
            rquickjs::Result::Ok(())
        }),
    )?;
    Class::<Headers>::define(&ctx.globals())?;
    internal.set(
        "headersFromFlat",
        Func::from(|ctx: Ctx<'js>, _flat: Vec<String>, _immutable: bool| {
            Class::instance(ctx, Headers::default())
        }),
    )?;
    internal.set(
        "setHeadersGuard",
        Func::from(|_h: Class<'js, Headers>, _immutable: bool| {}),
    )?;
    verge_web::encoding::install(ctx, internal)?;
    verge_web::url::install(ctx, internal)?;
    verge_web::random::install(ctx, internal)?;
    verge_web::host::install(ctx, internal, "b".into())?;
    verge_web::body::install(ctx, internal)?;
    verge_web::fetch::install(ctx, internal)?;
    verge_web::install_intl_loader(internal)?;
    Ok(())
}

/// The isolate's `primordials` (filled by verge-js's `js/primordials.js` on first use).
fn primordials<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Object<'js> {
    verge_js::bytecode::primordials(ctx, internal).expect("primordials")
}

fn check<'js>(ctx: &Ctx<'js>, v: Value<'js>, what: &str) -> Value<'js> {
    if v.is_exception() {
        panic!("{what}: {:?}", ctx.catch());
    }
    v
}

/// Parses and compiles one platform file to a bytecode function object (not run).
fn compile<'js>(ctx: &Ctx<'js>, name: &str, src: &str) -> Value<'js> {
    let code = CString::new(wrap(src)).expect("nul");
    let file = CString::new(name).expect("nul");
    let flags = (qjs::JS_EVAL_TYPE_GLOBAL
        | qjs::JS_EVAL_FLAG_STRICT
        | qjs::JS_EVAL_FLAG_COMPILE_ONLY) as i32;
    // SAFETY: `ctx` is live (we are inside `with`); `code` and `file` are NUL-terminated and
    // outlive the call; the returned value is owned and handed to `Value::from_raw`.
    let v = unsafe {
        let raw = qjs::JS_Eval(
            ctx.as_raw().as_ptr(),
            code.as_ptr(),
            code.as_bytes().len() as _,
            file.as_ptr(),
            flags,
        );
        Value::from_raw(ctx.clone(), raw)
    };
    check(ctx, v, name)
}

/// Serializes a compiled function object to QuickJS bytecode.
fn write_bytecode(ctx: &Ctx<'_>, compiled: &Value<'_>) -> Vec<u8> {
    let mut size = 0;
    // SAFETY: `compiled` is a live value of this context; the buffer returned by
    // JS_WriteObject is `size` bytes, copied out and then freed with js_free on the same ctx.
    unsafe {
        let buf = qjs::JS_WriteObject(
            ctx.as_raw().as_ptr(),
            &mut size,
            compiled.as_raw(),
            qjs::JS_WRITE_OBJ_BYTECODE as i32,
        );
        assert!(!buf.is_null(), "JS_WriteObject failed");
        let out = std::slice::from_raw_parts(buf, size as usize).to_vec();
        qjs::js_free(ctx.as_raw().as_ptr(), buf.cast());
        out
    }
}

/// Loads bytecode written by [`write_bytecode`] and runs it, giving the wrapper function.
fn load_bytecode<'js>(ctx: &Ctx<'js>, bytes: &[u8]) -> Function<'js> {
    // SAFETY: `bytes` came from JS_WriteObject of the same QuickJS build; JS_ReadObject copies
    // what it needs; JS_EvalFunction takes ownership of the function object and returns an
    // owned value.
    let v = unsafe {
        let obj = qjs::JS_ReadObject(
            ctx.as_raw().as_ptr(),
            bytes.as_ptr(),
            bytes.len() as _,
            qjs::JS_READ_OBJ_BYTECODE as i32,
        );
        let obj = check(ctx, Value::from_raw(ctx.clone(), obj), "JS_ReadObject");
        let fun = obj.as_raw();
        std::mem::forget(obj); // ownership passes to JS_EvalFunction
        let raw = qjs::JS_EvalFunction(ctx.as_raw().as_ptr(), fun);
        Value::from_raw(ctx.clone(), raw)
    };
    check(ctx, v, "JS_EvalFunction")
        .into_function()
        .expect("function")
}

fn main() {
    let samples: usize = std::env::var("ISOLATE_CREATE_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let breakdown_rounds = (samples / 4).max(10);
    let (rt, local) = thread();
    let dir = project(&[("worker.js", HELLO)]);

    // 1. Isolate::new for an unseen worker.
    let mut rows = Vec::new();
    for (label, exts) in [
        ("no extensions", 0),
        ("WebExtension", 1),
        ("Web + Crypto (as `verge dev`)", 2),
    ] {
        let times = local.block_on(&rt, async {
            let mut times = Vec::with_capacity(samples);
            for i in 0..samples + 10 {
                let ext = match exts {
                    0 => Vec::new(),
                    1 => web(),
                    _ => platform(),
                };
                let s = spec(&dir, "worker.js", ext);
                let start = Instant::now();
                let iso = isolate(s).await;
                let t = start.elapsed();
                drop(iso);
                tokio::task::yield_now().await;
                if i >= 10 {
                    times.push(us(t));
                }
            }
            times
        });
        rows.push((label, summary(times)));
    }
    println!("\n### Isolate::new for an unseen worker ({samples} creations, 10 warm-up)\n");
    println!("| extensions | p50 | p99 | mean | max |\n|---|---|---|---|---|");
    for (label, (p50, p99, mean, max)) in &rows {
        println!("| {label} | {p50:.0} µs | {p99:.0} µs | {mean:.0} µs | {max:.0} µs |");
    }

    // 2. Breakdown of WebExtension::init, and 3. bytecode, in fresh empty isolates.
    let bytecode: Vec<Vec<u8>> = local.block_on(&rt, async {
        let iso = isolate(spec(&dir, "worker.js", Vec::new())).await;
        iso.context()
            .with(|ctx| {
                JS_FILES
                    .iter()
                    .map(|(name, src)| write_bytecode(&ctx, &compile(&ctx, name, src)))
                    .collect()
            })
            .await
    });
    let n = JS_FILES.len();
    let mut whole = Vec::new();
    let mut rust = Vec::new();
    let mut prim = Vec::new();
    let mut eval = vec![Vec::new(); n];
    let mut parse = vec![Vec::new(); n];
    let mut bc_total = Vec::new();
    let mut bc_file = vec![Vec::new(); n];
    let mut lazy = vec![Vec::new(); LAZY_FILES.len()];
    local.block_on(&rt, async {
        for round in 0..breakdown_rounds + 3 {
            let keep = round >= 3;
            // (a) the real WebExtension::init, whole.
            let iso = isolate(spec(&dir, "worker.js", Vec::new())).await;
            let t = iso
                .context()
                .with(|ctx| {
                    let internal = Object::new(ctx.clone()).expect("obj");
                    let start = Instant::now();
                    verge_js::Extension::init(&WebExtension::new("b"), &ctx, &internal)
                        .expect("init");
                    start.elapsed()
                })
                .await;
            if keep {
                whole.push(us(t));
            }
            drop(iso);
            // (b) step by step from source.
            let iso = isolate(spec(&dir, "worker.js", Vec::new())).await;
            iso.context()
                .with(|ctx| {
                    let internal = Object::new(ctx.clone()).expect("obj");
                    let start = Instant::now();
                    rust_init(&ctx, &internal).expect("rust init");
                    let t_rust = start.elapsed();
                    if keep {
                        rust.push(us(t_rust));
                    }
                    // The first platform file fills primordials (verge-js): timed on its own.
                    let start = Instant::now();
                    primordials(&ctx, &internal);
                    if keep {
                        prim.push(us(start.elapsed()));
                    }
                    for (i, (name, src)) in JS_FILES.iter().enumerate() {
                        let start = Instant::now();
                        verge_web::eval_platform_js(&ctx, &internal, name, src).expect(name);
                        if *name == "verge:web/lazy.js" {
                            verge_web::install_lazy_files(&internal).expect("lazy");
                        }
                        if keep {
                            eval[i].push(us(start.elapsed()));
                        }
                    }
                    // Parse+compile alone (the result is discarded, never run).
                    for (i, (name, src)) in JS_FILES.iter().enumerate() {
                        let start = Instant::now();
                        let v = compile(&ctx, name, src);
                        if keep {
                            parse[i].push(us(start.elapsed()));
                        }
                        drop(v);
                    }
                })
                .await;
            drop(iso);
            // (c) Rust installs + the JS files from bytecode.
            let iso = isolate(spec(&dir, "worker.js", Vec::new())).await;
            iso.context()
                .with(|ctx| {
                    let internal = Object::new(ctx.clone()).expect("obj");
                    let start = Instant::now();
                    rust_init(&ctx, &internal).expect("rust init");
                    primordials(&ctx, &internal);
                    for (i, bytes) in bytecode.iter().enumerate() {
                        let s = Instant::now();
                        let f = load_bytecode(&ctx, bytes);
                        let prim = primordials(&ctx, &internal);
                        let _: Value = f
                            .call((ctx.globals(), prim, internal.clone()))
                            .expect(JS_FILES[i].0);
                        if JS_FILES[i].0 == "verge:web/lazy.js" {
                            verge_web::install_lazy_files(&internal).expect("lazy");
                        }
                        if keep {
                            bc_file[i].push(us(s.elapsed()));
                        }
                    }
                    if keep {
                        bc_total.push(us(start.elapsed()));
                    }
                    // Each lazily loaded file, on first use (from bytecode after the first round).
                    for (i, file) in LAZY_FILES.iter().enumerate() {
                        let s = Instant::now();
                        let _: Value = ctx
                            .eval(format!("typeof {}", file.globals[0]))
                            .expect(file.name);
                        if keep {
                            lazy[i].push(us(s.elapsed()));
                        }
                    }
                    // The platform works after loading from bytecode.
                    let probe: String = ctx
                        .eval(
                            "[typeof Response, typeof ReadableStream, typeof URL, \
                             new URL('http://a/b?c=1').searchParams.get('c'), \
                             new Headers({a: '1'}).get('a'), typeof Intl.DateTimeFormat].join()",
                        )
                        .expect("probe");
                    assert_eq!(probe, "function,function,function,1,1,function", "{probe}");
                })
                .await;
            drop(iso);
            tokio::task::yield_now().await;
        }
    });
    let med = |v: &Vec<f64>| summary(v.clone()).0;
    let (create_none, create_web) = (rows[0].1.0, rows[1].1.0);
    println!(
        "\n### Where WebExtension::init goes (medians over {breakdown_rounds} fresh isolates)\n"
    );
    println!(
        "Isolate::new p50: {create_none:.0} µs without extensions, {create_web:.0} µs with \
         WebExtension → the Web platform is {:.0} µs ({:.0} %) of creation.\n",
        create_web - create_none,
        100.0 * (create_web - create_none) / create_web
    );
    println!(
        "| step | lines | source bytes | parse+compile | eval from source (parse+compile+run) | from bytecode (read+run) | bytecode bytes |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| Rust installs (classes, internal fns) | | | | {:.0} µs | {:.0} µs | |",
        med(&rust),
        med(&rust)
    );
    println!(
        "| primordials (verge-js `js/primordials.js`) | | | | {:.0} µs | {:.0} µs | |",
        med(&prim),
        med(&prim)
    );
    let (mut sp, mut se, mut sb, mut sz, mut sl, mut ss) = (0.0, med(&prim), med(&prim), 0, 0, 0);
    for (i, (name, src)) in JS_FILES.iter().enumerate() {
        let (p, e, b) = (med(&parse[i]), med(&eval[i]), med(&bc_file[i]));
        let lines = src.lines().count();
        sp += p;
        se += e;
        sb += b;
        sz += bytecode[i].len();
        sl += lines;
        ss += src.len();
        println!(
            "| {} | {lines} | {} | {p:.0} µs | {e:.0} µs | {b:.0} µs | {} |",
            name.trim_start_matches("verge:web/"),
            src.len(),
            bytecode[i].len()
        );
    }
    println!("| **all JS files** | {sl} | {ss} | {sp:.0} µs | {se:.0} µs | {sb:.0} µs | {sz} |");
    println!(
        "\nWhole WebExtension::init (real code): {:.0} µs; sum of the steps above: {:.0} µs.",
        med(&whole),
        med(&rust) + se
    );
    println!(
        "Rust installs + JS from bytecode: {:.0} µs (vs {:.0} µs from source).",
        med(&bc_total),
        med(&rust) + se
    );
    println!(
        "\n### Files loaded on first use (not part of creation)\n\n\
         | file | lines | first use (read+run bytecode) |\n|---|---|---|"
    );
    for (i, file) in LAZY_FILES.iter().enumerate() {
        println!(
            "| {} (`{}`) | {} | {:.0} µs |",
            file.name.trim_start_matches("verge:web/"),
            file.globals[0],
            file.source.lines().count(),
            med(&lazy[i])
        );
    }
}
