//! The Web Platform Tests (`../shared/conformance/wpt`, the files `wpt-manifest.json` lists),
//! each run inside a Workers `fetch` handler on the real `verge` binary with verge's own
//! testharness.js-compatible harness (`harness.js`), and compared subtest by subtest with
//! `expectations/<suite>.json`: every subtest not listed there must pass, every listed one must
//! fail (with the reason given), so a regression and an unexpected pass both fail the test.
//! `VERGE_WPT_UPDATE=1` rewrites the expectations of the files a test ran, keeping the reasons
//! given before; new failures get a `TODO` reason the test refuses until it is replaced (run it
//! with `-j 1`: the two WebCryptoAPI tests write the same file).
//!
//! `VERGE_CONFORMANCE_DIR` points at the conformance data when it is not next to the
//! repository; `VERGE_WPT_JOBS` sets how many files run at once; `VERGE_WPT_RESULTS=DIR`
//! writes every subtest's result there. `on_workerd` (ignored; `WORKERD=/path/to/workerd`)
//! runs the same files with the same harness on workerd and prints its counts.

#[path = "../common/mod.rs"]
mod common;
mod runner;

#[test]
fn url() {
    runner::check_suite("url", &["url"], &[]);
}

#[test]
fn encoding() {
    runner::check_suite("encoding", &["encoding"], &[]);
}

#[test]
fn fetch() {
    runner::check_suite("fetch", &["fetch"], &[]);
}

#[test]
fn streams() {
    runner::check_suite("streams", &["streams"], &[]);
}

#[test]
fn compression() {
    runner::check_suite("compression", &["compression"], &[]);
}

#[test]
fn urlpattern() {
    runner::check_suite("urlpattern", &["urlpattern"], &[]);
}

// WebCryptoAPI in two halves, so that each stays well under nextest's time limit.
#[test]
fn webcrypto() {
    runner::check_suite(
        "WebCryptoAPI",
        &["WebCryptoAPI"],
        &["WebCryptoAPI/generateKey"],
    );
}

#[test]
fn webcrypto_generate_key() {
    runner::check_suite("WebCryptoAPI", &["WebCryptoAPI/generateKey"], &[]);
}

#[test]
fn dom() {
    runner::check_suite("dom", &["dom"], &[]);
}

#[test]
fn html() {
    runner::check_suite("html", &["html"], &[]);
}

/// The reference counts: the same files with the same harness on workerd.
#[test]
#[ignore = "needs workerd: WORKERD=/path/to/workerd (bench/node_modules/.bin/workerd after `npm install` in bench/)"]
fn on_workerd() {
    let bin = std::env::var_os("WORKERD").expect("WORKERD=/path/to/workerd");
    let dirs = [
        "url",
        "encoding",
        "fetch",
        "streams",
        "compression",
        "urlpattern",
        "WebCryptoAPI",
        "dom",
        "html",
    ];
    let jobs = runner::jobs(&dirs, &[]);
    let results = runner::run_jobs(
        &runner::Runtime::Workerd(bin.into()),
        &jobs,
        runner::parallelism(),
    );
    runner::dump_results("workerd", &jobs, &results);
    let (mut pass, mut total) = (0, 0);
    for (dir, (p, t)) in runner::counts(&jobs, &results) {
        println!("workerd {dir}: {p} of {t} subtests pass");
        pass += p;
        total += t;
    }
    println!("workerd: {pass} of {total} subtests pass");
}
