//! Memory per idle isolate with N distinct workers loaded (issue 6).
//!
//! `cargo bench -p verge-web --bench isolate_memory` runs N = 1, 100, 1000 (override with
//! `ISOLATE_MEMORY_NS=1,10`), each in a fresh child process (this binary re-run with
//! `ISOLATE_MEMORY_CHILD=N`) so one N's freed memory does not hide the next one's. A child
//! creates one warm-up isolate (kept, not counted: tokio, thread-locals, lazy statics), reads
//! `VmRSS`, creates N isolates of N distinct hello workers with the Web platform and Web Crypto on one
//! thread, keeps them alive, runs a GC on each, reads `VmRSS` again, and sums QuickJS's own
//! `memory_used()` (malloc'd bytes of each runtime). Prints a markdown table with the ratio to
//! workerd's ≈1.5 MiB per isolate measured in issue 6.

use std::process::Command;
use std::time::Instant;

mod common;
use common::*;

const WORKERD_KIB_PER_ISOLATE: f64 = 1.5 * 1024.0;

fn child(n: usize, with_web: bool) {
    let ext = || if with_web { platform() } else { Vec::new() };
    let (rt, local) = thread();
    let files: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                format!("w{i}.js"),
                HELLO.replace("Hello World!", &format!("Hello from worker {i}!")),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let dir = project(&refs);
    local.block_on(&rt, async {
        let warm = isolate(spec(&dir, "w0.js", ext())).await;
        warm.collect_garbage().await;
        let before = rss_kib();
        let start = Instant::now();
        let mut isolates = Vec::with_capacity(n);
        for (name, _) in &files {
            isolates.push(isolate(spec(&dir, name, ext())).await);
        }
        let created = start.elapsed();
        let mut qjs = 0usize;
        for iso in &isolates {
            iso.collect_garbage().await;
            qjs += iso.memory_used().await;
        }
        tokio::task::yield_now().await;
        let after = rss_kib();
        if let Some(iso) = isolates.first() {
            let u = iso.memory_usage().await;
            println!(
                "BREAKDOWN malloc={} objs={}/{} props={}/{} shapes={}/{} atoms={}/{} strs={}/{} \
                 funcs={}/{} code={} pc2line={}/{} cfuncs={} arrays={} fast_arrays={}/{}",
                u.malloc_size, u.obj_count, u.obj_size, u.prop_count, u.prop_size,
                u.shape_count, u.shape_size, u.atom_count, u.atom_size, u.str_count, u.str_size,
                u.js_func_count, u.js_func_size, u.js_func_code_size, u.js_func_pc2line_count,
                u.js_func_pc2line_size, u.c_func_count, u.array_count, u.fast_array_count,
                u.fast_array_elements
            );
        }
        println!(
            "RESULT n={n} rss_before_kib={before} rss_after_kib={after} qjs_bytes={qjs} create_ms={:.1}",
            created.as_secs_f64() * 1e3
        );
        drop(isolates);
        drop(warm);
    });
}

fn field(line: &str, key: &str) -> f64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

fn main() {
    if let Some(n) = std::env::var("ISOLATE_MEMORY_CHILD")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        child(n, std::env::var("ISOLATE_MEMORY_NO_WEB").is_err());
        return;
    }
    let ns: Vec<usize> = std::env::var("ISOLATE_MEMORY_NS")
        .unwrap_or_else(|_| "1,100,1000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let exe = std::env::current_exe().expect("current exe");
    println!(
        "\n### Memory per idle isolate (Web platform + Web Crypto as `verge dev` builds it, hello worker, after GC)\n"
    );
    println!(
        "| N workers | RSS before → after | RSS Δ per isolate | QuickJS heap per isolate | verge/workerd (RSS, vs ≈1.5 MiB) | time to create all N |"
    );
    println!("|---|---|---|---|---|---|");
    // Last row: the engine alone (no extensions) at N = 100, for the Web platform's share.
    let runs = ns.iter().map(|&n| (n, true)).chain([(100, false)]);
    for (n, with_web) in runs {
        let mut cmd = Command::new(&exe);
        cmd.env("ISOLATE_MEMORY_CHILD", n.to_string());
        if !with_web {
            cmd.env("ISOLATE_MEMORY_NO_WEB", "1");
        }
        let out = cmd.output().expect("run child");
        let label = if with_web {
            n.to_string()
        } else {
            format!("{n} (no extensions)")
        };
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(line) = stdout.lines().find(|l| l.starts_with("RESULT")) else {
            println!(
                "| {label} | child failed: {} | | | | |",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            continue;
        };
        let (before, after) = (field(line, "rss_before_kib"), field(line, "rss_after_kib"));
        let per = (after - before) / n as f64;
        let qjs = field(line, "qjs_bytes") / 1024.0 / n as f64;
        println!(
            "| {label} | {:.1} → {:.1} MiB | {per:.0} KiB | {qjs:.0} KiB | {:.2}× | {:.0} ms |",
            before / 1024.0,
            after / 1024.0,
            per / WORKERD_KIB_PER_ISOLATE,
            field(line, "create_ms")
        );
    }
}
