//! The platform keeps working for a guest that replaced the built-ins: tests/fixtures/poison/
//! checks.js poisons nearly every built-in method and global, then uses every Web API; here in
//! one isolate and one script (the lazily loaded platform files load after the poisoning).
//! tests/web_apis.rs runs the same checks across requests through the real binary.

use std::sync::Arc;

const CHECKS: &str = include_str!("../../../tests/fixtures/poison/checks.js");

fn run(script: &str) -> String {
    let extensions: Vec<Arc<dyn verge_js::Extension>> = vec![
        Arc::new(crate::WebExtension::new("test")),
        Arc::new(verge_crypto::CryptoExtension::new()),
    ];
    match verge_js::testing::run_js(extensions, &format!("{CHECKS}\n{script}")) {
        Ok(v) => v,
        Err(e) => panic!("script threw: {e}"),
    }
}

#[test]
fn the_platform_works_after_a_guest_poisons_the_built_ins() {
    // `await` first: the test harness attaches its reaction to this script's promise before the
    // built-ins break; they are restored before the result goes back to it.
    let out = run(r#"
        await null;
        const p = globalThis.__poison;
        p.poison();
        let r;
        try { r = await p.run(); } finally { p.restore(); }
        return r;
    "#);
    assert_eq!(out, r#"{"failures":[],"hits":[]}"#);
}

#[test]
fn the_checks_pass_without_poison() {
    let out = run("return await globalThis.__poison.run();");
    assert_eq!(out, r#"{"failures":[],"hits":[]}"#);
}
