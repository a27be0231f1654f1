//! Module rules, CommonJS, JSON/Text/Data modules, dynamic `import()` and `import.meta`, and
//! modules outside the project, on the real binary (fixtures `modules*`).

mod common;

use common::{Verge, client, copy_fixture, fixture, run_verge};
use serde_json::{Value, json};

fn get(v: &Verge, path: &str) -> (u16, Value) {
    let r = client().get(v.url(path)).send().expect("request");
    let status = r.status().as_u16();
    (status, r.json().expect("json body"))
}

fn start() -> Verge {
    Verge::start(&fixture("modules"), &["--threads", "1", "--no-reload"])
}

/// The error message of a failed `/import` or `/require`.
fn error_of(v: &Verge, path: &str) -> String {
    let (status, body) = get(v, path);
    assert_eq!(status, 500, "{path}: {body}");
    body["message"].as_str().expect("message").to_string()
}

#[test]
fn es_modules_import_commonjs_files_by_extension_and_by_rule() {
    let v = start();
    let (status, body) = get(&v, "/cjs");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sum"], 5);
    assert_eq!(body["name"], "common");
    assert_eq!(body["greet"], "hello verge (common)");
    assert_eq!(
        body["legacyKind"],
        "object/object/function//bundle/src/lib/legacy.js//bundle/src/lib"
    );
    // `require` and `import` share one instance of a module.
    assert_eq!(body["sameInstance"], true);
}

#[test]
fn a_require_cycle_sees_partial_exports_as_node_does() {
    let v = start();
    let (status, body) = get(&v, "/cycle");
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "loaded": true,
            "fromB": { "loaded": false, "keys": ["loaded"] },
            "bDone": true,
        })
    );
}

#[test]
fn json_text_and_data_modules_have_their_values() {
    let v = start();
    let (status, body) = get(&v, "/values");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["config"]["name"], "modules");
    assert_eq!(body["config"]["list"], json!([1, 2, 3]));
    // JSON is parsed as JSON: "__proto__" is a plain key, not a prototype.
    assert_eq!(body["config"]["__proto__"], json!({ "polluted": true }));
    assert_eq!(body["readme"], "# Readme\n\nA \"text\" module.\n");
    assert_eq!(body["page"], "<h1>page</h1>\n");
    assert_eq!(body["blobIsArrayBuffer"], true);
    assert_eq!(body["blob"], json!([0, 1, 2, 255]));
    // The same through require().
    let (_, body) = get(&v, "/require?spec=../data/config.json");
    assert_eq!(body["value"]["list"], json!([1, 2, 3]));
    let (_, body) = get(&v, "/require?spec=../docs/readme.md");
    assert_eq!(body["value"], "# Readme\n\nA \"text\" module.\n");
    let (_, body) = get(&v, "/require?spec=../blob.bin");
    assert_eq!(body["value"], json!([0, 1, 2, 255]));
}

#[test]
fn import_meta_names_each_module_and_the_entry() {
    let v = start();
    let (status, body) = get(&v, "/meta");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["url"], "file:///bundle/src/index.js");
    assert_eq!(body["main"], true);
    assert_eq!(body["dyn"]["url"], "file:///bundle/src/dyn/one.js");
    assert_eq!(body["dyn"]["main"], false);
}

#[test]
fn dynamic_import_loads_any_module_of_the_worker_and_refuses_others_clearly() {
    let v = start();
    let (status, body) = get(&v, "/import?spec=./dyn/one.js");
    assert_eq!((status, &body["default"]), (200, &json!("one")), "{body}");
    let (_, body) = get(&v, "/import?spec=./dyn/two.txt");
    assert_eq!(body["default"], "partial\n");
    let (_, body) = get(&v, "/import?spec=./esm/plain.mjs");
    assert_eq!(body["default"], "esm");
    // A CommonJS module loads an ES module with import().
    let (status, body) = get(&v, "/cjs-import");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["value"], 42);
    assert_eq!(body["url"], "file:///bundle/src/esm/value.mjs");

    let missing = error_of(&v, "/import?spec=./dyn/missing.js");
    assert!(
        missing.contains("\"src/dyn/missing.js\" does not exist in the project directory"),
        "{missing}"
    );
    let untyped = error_of(&v, "/import?spec=./notes.ts");
    assert!(
        untyped
            .contains("\"src/notes.ts\" is not a module of this worker: no module rule matches it"),
        "{untyped}"
    );
    let wasm = error_of(&v, "/import?spec=./mod.wasm");
    assert!(
        wasm.contains("\"src/mod.wasm\" is a CompiledWasm module (WebAssembly), but verge does not support WebAssembly yet"),
        "{wasm}"
    );
    // A module that throws while loading fails its importer, and is not half-cached.
    for _ in 0..2 {
        let thrown = error_of(&v, "/require?spec=../dyn/throws.cjs");
        assert_eq!(thrown, "thrown while loading");
    }
    // require() of an ES module says what to do instead.
    let esm = error_of(&v, "/require?spec=../esm/plain.mjs");
    assert!(
        esm.contains("require() of ES module \"src/esm/plain.mjs\" is not supported"),
        "{esm}"
    );
    let bare = error_of(&v, "/require?spec=hono");
    assert!(bare.contains("bundle npm dependencies"), "{bare}");
    // The worker still serves.
    assert_eq!(get(&v, "/cjs").0, 200);
}

#[test]
fn modules_outside_the_project_are_refused_naming_the_file() {
    let dir = copy_fixture("modules");
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.js"), "export default 'secret';").unwrap();
    std::fs::write(
        outside.path().join("secret.cjs"),
        "module.exports = 'secret';",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.js"),
        dir.path().join("src/dyn/link.js"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.cjs"),
        dir.path().join("src/lib/link.cjs"),
    )
    .unwrap();
    // find_additional_modules meets the links when it walks src/: it refuses to start.
    let state = tempfile::tempdir().unwrap();
    let (ok, _, err) = run_verge(&[
        "dev",
        dir.path().to_str().unwrap(),
        "--port",
        "0",
        "--persist-to",
        state.path().to_str().unwrap(),
    ]);
    assert!(!ok, "verge started with a link leading outside");
    assert!(err.contains("find_additional_modules"), "{err}");
    assert!(
        err.contains("leads outside the project directory through a symbolic link"),
        "{err}"
    );
    // Without it, the links are refused when imported or required.
    let toml = dir.path().join("wrangler.toml");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        text.replace(
            "find_additional_modules = true",
            "find_additional_modules = false",
        ),
    )
    .unwrap();
    let v = Verge::start(dir.path(), &["--threads", "1", "--no-reload"]);
    let host = outside.path().to_string_lossy().into_owned();
    for (path, name) in [
        ("/import?spec=./dyn/link.js", "src/dyn/link.js"),
        ("/require?spec=./link.cjs", "src/lib/link.cjs"),
    ] {
        let err = error_of(&v, path);
        assert!(
            err.contains(&format!(
                "\"{name}\" leads outside the project directory through a symbolic link"
            )),
            "{err}"
        );
        assert!(!err.contains(&host), "{err}");
    }
    for path in [
        "/import?spec=../../outside.js",
        "/require?spec=../../../outside.cjs",
    ] {
        let err = error_of(&v, path);
        assert!(err.contains("it is outside the project directory"), "{err}");
    }
    for path in ["/import?spec=/etc/passwd", "/require?spec=/etc/passwd"] {
        let err = error_of(&v, path);
        assert!(
            err.contains("absolute specifiers are not supported"),
            "{err}"
        );
    }
}

#[test]
fn a_rule_without_fallthrough_warns_and_a_file_it_hides_is_an_error_naming_it() {
    let state = tempfile::tempdir().unwrap();
    let (ok, _, err) = run_verge(&[
        "dev",
        fixture("modules-removed-rule").to_str().unwrap(),
        "--port",
        "0",
        "--persist-to",
        state.path().to_str().unwrap(),
    ]);
    assert!(!ok, "verge started");
    assert!(
        err.contains("field \"rules\": The module rule {\"type\":\"Text\",\"globs\":[\"**/*.md\"]} does not have a fallback"),
        "{err}"
    );
    assert!(
        err.contains("wrangler.toml: field \"find_additional_modules\": The file notes.txt matched a module rule in your configuration"),
        "{err}"
    );
}

#[test]
fn a_bad_glob_or_a_base_dir_outside_the_project_fails_at_start_naming_the_field() {
    for (extra, needle) in [
        (
            "[[rules]]\ntype = \"Text\"\nglobs = [\"a/[b\"]\n",
            "field \"rules[0].globs[0]\": invalid glob \"a/[b\"",
        ),
        ("base_dir = \"../elsewhere\"\n", "base_dir"),
    ] {
        let dir = copy_fixture("modules-removed-rule");
        std::fs::write(
            dir.path().join("wrangler.toml"),
            format!(
                "name = \"x\"\nmain = \"index.js\"\ncompatibility_date = \"2025-06-01\"\n{extra}"
            ),
        )
        .unwrap();
        let state = tempfile::tempdir().unwrap();
        let (ok, _, err) = run_verge(&[
            "dev",
            dir.path().to_str().unwrap(),
            "--port",
            "0",
            "--persist-to",
            state.path().to_str().unwrap(),
        ]);
        assert!(!ok, "verge started with {extra}");
        assert!(err.contains(needle), "{extra}: {err}");
        assert!(err.contains("wrangler.toml"), "{err}");
    }
}
