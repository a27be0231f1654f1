//! Real npm libraries on verge: `jose`, `hono` and `itty-router`, bundled with esbuild at test
//! time from `tests/npm/src/*.js` and served by the real binary; and the golden corpus
//! (`tests/npm/golden`): create-cloudflare's templates and those workers, answered as workerd
//! answered them.
//!
//! `npm ci` runs in `tests/npm` when `node_modules` is missing or holds other versions than
//! `package.json` pins (under a file lock, since test runners may start these tests as
//! separate processes). Node.js and npm are required: without them the tests FAIL with a
//! message saying so (CI installs node); they never skip silently. Bundles go to a temporary
//! directory with a generated `wrangler.toml`; nothing bundled is committed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Verge, client};
use serde_json::{Value, json};

/// The npm project the workers are built from.
fn npm_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/npm")
}

/// Runs `program args` in `dir`, panicking with its output when it cannot start or fails.
fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "tests/npm_libs.rs needs Node.js and npm on PATH (CI installs node): \
                 could not run `{program}`: {e}"
            )
        });
    assert!(
        out.status.success(),
        "`{program} {}` in {} failed ({}):\n{}\n{}",
        args.join(" "),
        dir.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether `node_modules` holds exactly the versions `package.json` pins.
fn node_modules_current(dir: &Path) -> bool {
    let read = |p: PathBuf| -> Option<Value> {
        serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok()
    };
    let Some(manifest) = read(dir.join("package.json")) else {
        return false;
    };
    ["dependencies", "devDependencies"]
        .iter()
        .filter_map(|section| manifest[section].as_object())
        .flat_map(|deps| deps.iter())
        .all(|(name, version)| {
            read(dir.join("node_modules").join(name).join("package.json"))
                .is_some_and(|installed| installed["version"] == *version)
        })
}

/// Installs the pinned packages once (across processes) unless they are already there.
fn ensure_node_modules() -> PathBuf {
    let dir = npm_dir();
    let lock = std::fs::File::create(std::env::temp_dir().join("verge-npm-libs.lock"))
        .expect("create the npm install lock file");
    lock.lock().expect("take the npm install lock");
    if !node_modules_current(&dir) {
        run(&dir, "node", &["--version"]);
        if dir.join("package-lock.json").exists() {
            // The lockfile pins every package; the npm cache (outside the checkout; .ci/run
            // points it at a directory kept between runs) answers before the registry.
            run(
                &dir,
                "npm",
                &["ci", "--prefer-offline", "--no-audit", "--no-fund"],
            );
        } else {
            run(&dir, "npm", &["install", "--no-audit", "--no-fund"]);
        }
        assert!(
            node_modules_current(&dir),
            "npm finished but tests/npm/node_modules does not hold the versions package.json pins"
        );
    }
    dir
}

/// A worker bundled into a temporary project and served by verge. Fields drop in order:
/// verge stops before its directory is removed.
struct Served {
    verge: Verge,
    _project: tempfile::TempDir,
}

/// Bundles `tests/npm/src/<worker>.js` with esbuild and starts verge on it.
fn serve(worker: &str) -> Served {
    let dir = ensure_node_modules();
    let project = tempfile::tempdir().expect("tempdir");
    let out = project.path().join("worker.js");
    let esbuild = dir.join("node_modules/.bin/esbuild");
    run(
        &dir,
        esbuild.to_str().expect("utf-8 path"),
        &[
            &format!("src/{worker}.js"),
            "--bundle",
            "--format=esm",
            "--platform=neutral",
            "--main-fields=module,main",
            "--target=es2022",
            "--log-level=warning",
            &format!("--outfile={}", out.display()),
        ],
    );
    // The CPU budget is raised because debug builds of QuickJS and RustCrypto share two CI
    // cores with other tests; this test is about API compatibility, not the 50 ms default.
    std::fs::write(
        project.path().join("wrangler.toml"),
        format!(
            "name = \"npm-{worker}\"\nmain = \"worker.js\"\ncompatibility_date = \"2025-06-01\"\n\n\
             [limits]\ncpu_ms = 5000\n"
        ),
    )
    .expect("write wrangler.toml");
    let verge = Verge::start(project.path(), &["--threads", "1", "--no-reload"]);
    Served {
        verge,
        _project: project,
    }
}

fn get_json(served: &Served, path: &str) -> (u16, Value) {
    let r = client()
        .get(served.verge.url(path))
        .send()
        .unwrap_or_else(|e| panic!("GET {path}: {e}\nlog:\n{}", served.verge.log()));
    let status = r.status().as_u16();
    let text = r.text().expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "GET {path}: body is not JSON ({e}): {text}\nlog:\n{}",
            served.verge.log()
        )
    });
    (status, value)
}

#[test]
fn jose_signs_verifies_and_encrypts_jwts_with_keys_generated_in_the_worker() {
    let served = serve("jose");
    let tampered = "ERR_JWS_SIGNATURE_VERIFICATION_FAILED";
    let compact = "raw bytes through compact JWE";
    let expected = [
        (
            "/hs256",
            json!({"ok": true, "alg": "HS256", "sub": "user-42", "segments": 3, "tampered": tampered}),
        ),
        (
            "/rs256",
            json!({"ok": true, "alg": "RS256", "sub": "user-42", "segments": 3, "tampered": tampered}),
        ),
        (
            "/es256",
            json!({"ok": true, "alg": "ES256", "sub": "user-42", "segments": 3, "tampered": tampered}),
        ),
        (
            "/eddsa",
            json!({"ok": true, "alg": "EdDSA", "sub": "user-42", "segments": 3, "tampered": tampered}),
        ),
        (
            "/jwk",
            json!({"ok": true, "kty": "EC", "crv": "P-256", "thumbprintLength": 43}),
        ),
        (
            "/jwe-dir",
            json!({"ok": true, "alg": "dir", "enc": "A256GCM", "segments": 5, "compact": compact}),
        ),
        (
            "/jwe-rsa-oaep",
            json!({"ok": true, "alg": "RSA-OAEP-256", "enc": "A256GCM", "segments": 5, "compact": compact}),
        ),
    ];
    // Run every case, then report all mismatches at once.
    let failures: Vec<String> = expected
        .iter()
        .filter_map(|(path, want)| {
            let (status, got) = get_json(&served, path);
            (status != 200 || got != *want)
                .then(|| format!("{path}: status {status}\n  got  {got}\n  want {want}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "jose on verge:\n{}\nlog:\n{}",
        failures.join("\n"),
        served.verge.log()
    );
}

#[test]
fn hono_app_routes_parses_params_and_json_sets_cookies_and_runs_middleware() {
    let served = serve("hono");
    let c = client();
    let url = |p: &str| served.verge.url(p);

    let r = c.get(url("/")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-middleware"], "hono");
    assert_eq!(r.text().unwrap(), "hello from hono");

    let (status, body) = get_json(&served, "/users/42?q=search");
    assert_eq!((status, body), (200, json!({"id": "42", "q": "search"})));

    let r = c
        .post(url("/echo"))
        .header("content-type", "application/json")
        .body(r#"{"a":[1,2],"b":"x"}"#)
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["x-middleware"], "hono");
    assert_eq!(
        r.json::<Value>().unwrap(),
        json!({"got": {"a": [1, 2], "b": "x"}, "contentType": "application/json"})
    );

    let r = c.get(url("/cookie/set")).send().unwrap();
    assert_eq!(
        r.headers()["set-cookie"],
        "session=abc123; Path=/; HttpOnly; SameSite=Lax"
    );
    let r = c
        .get(url("/cookie/get"))
        .header("cookie", "session=abc123; theme=dark")
        .send()
        .unwrap();
    assert_eq!(
        r.json::<Value>().unwrap(),
        json!({"session": "abc123", "all": {"session": "abc123", "theme": "dark"}})
    );

    // Signed cookies exercise crypto.subtle (HMAC-SHA256 importKey/sign/verify).
    let r = c.get(url("/signed/set")).send().unwrap();
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    let pair = set.split(';').next().unwrap().to_string();
    assert!(pair.starts_with("sid=v1."), "{set}");
    let r = c
        .get(url("/signed/get"))
        .header("cookie", &pair)
        .send()
        .unwrap();
    assert_eq!(r.json::<Value>().unwrap(), json!({"sid": "v1"}));
    let forged = pair.replacen("sid=v1.", "sid=v2.", 1);
    let r = c
        .get(url("/signed/get"))
        .header("cookie", forged)
        .send()
        .unwrap();
    assert_eq!(r.json::<Value>().unwrap(), json!({"sid": false}));

    let (status, body) = get_json(&served, "/missing");
    assert_eq!(
        (status, body),
        (404, json!({"error": "not found", "path": "/missing"}))
    );
}

#[test]
fn itty_router_routes_parses_params_and_json_and_runs_middleware() {
    let served = serve("itty");
    let c = client();
    let url = |p: &str| served.verge.url(p);

    let r = c.get(url("/")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-middleware"], "itty");
    assert_eq!(r.text().unwrap(), "hello from itty");

    let (status, body) = get_json(&served, "/items/9?q=z");
    assert_eq!(
        (status, body),
        (
            200,
            json!({"id": "9", "q": "z", "startedBy": "itty-before"})
        )
    );

    let r = c
        .post(url("/items"))
        .header("content-type", "application/json")
        .body(r#"{"n":1}"#)
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["x-middleware"], "itty");
    assert_eq!(r.json::<Value>().unwrap(), json!({"created": {"n": 1}}));

    let (status, body) = get_json(&served, "/teapot");
    assert_eq!(
        (status, body),
        (418, json!({"status": 418, "error": "I'm a teapot"}))
    );
    let (status, body) = get_json(&served, "/missing");
    assert_eq!(
        (status, body),
        (404, json!({"status": 404, "error": "Not Found"}))
    );
}

/// The golden corpus (`tests/npm/golden`): public Workers projects (create-cloudflare's
/// templates, fetched by npm, and workers mirroring the libraries' own examples) whose answers
/// workerd gave through `wrangler dev` (`golden/record.mjs` → `golden/workerd.json`), replayed
/// here on verge with the same requests and the same esbuild bundles (`golden/prepare.mjs`).
#[test]
fn the_golden_corpus_answers_as_workerd_does() {
    let dir = ensure_node_modules();
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).expect(name)).expect(name)
    };
    let corpus = read("golden/corpus.json");
    let golden = read("golden/workerd.json");
    let (mut total, mut differences, mut known) = (0, Vec::new(), Vec::new());
    for project in corpus["projects"].as_array().expect("projects") {
        let name = project["name"].as_str().expect("name");
        let out = tempfile::tempdir().expect("tempdir");
        let out_path = out.path().to_str().expect("utf-8 path");
        run(&dir, "node", &["golden/prepare.mjs", name, out_path]);
        // A larger CPU budget only because debug builds share two CI cores with other tests
        // (as serve() above): the comparison is of answers, not of the 50 ms default.
        let config_path = out.path().join("wrangler.json");
        let mut config: Value =
            serde_json::from_str(&std::fs::read_to_string(&config_path).expect("config"))
                .expect("config json");
        config["limits"] = json!({ "cpu_ms": 5000 });
        std::fs::write(&config_path, config.to_string()).expect("write config");
        let mut args = vec!["--threads", "1", "--no-reload"];
        if name == "scheduled" {
            args.push("--test-scheduled");
        }
        let verge = Verge::start(out.path(), &args);
        let base = verge.url("");
        let base = base.trim_end_matches('/');
        let requests = project["requests"].as_array().expect("requests");
        let answers = golden[name].as_array().unwrap_or_else(|| {
            panic!("golden/workerd.json has no answers for {name}: run golden/record.mjs")
        });
        assert_eq!(
            requests.len(),
            answers.len(),
            "{name}: re-record golden/workerd.json"
        );
        for (request, want) in requests.iter().zip(answers) {
            total += 1;
            let method = request["method"].as_str().unwrap_or("GET");
            let path = request["path"].as_str().expect("path");
            if let Some(reason) = request["differs"].as_str() {
                known.push(format!("{name} {method} {path}: {reason}"));
                continue;
            }
            let mut r = client().request(method.parse().expect("method"), format!("{base}{path}"));
            if let Some(body) = request["body"].as_str() {
                r = r
                    .header("content-type", "application/json")
                    .body(body.to_string());
            }
            let res = r
                .send()
                .unwrap_or_else(|e| panic!("{name} {method} {path}: {e}"));
            let header = |h: &str| {
                res.headers()
                    .get(h)
                    .map(|v| Value::from(v.to_str().unwrap_or("")))
                    .unwrap_or(Value::Null)
            };
            let got = json!({
                "status": res.status().as_u16(),
                "content-type": header("content-type"),
                "location": header("location"),
            });
            let body = res.text().expect("body").replace(base, "{base}");
            let fields: Vec<&str> = match request["compare"].as_array() {
                Some(f) => f.iter().filter_map(Value::as_str).collect(),
                None => vec!["status", "content-type", "location", "body"],
            };
            for field in fields {
                let (g, w) = match field {
                    "body" => (Value::from(body.as_str()), want["body"].clone()),
                    f => (got[f].clone(), want[f].clone()),
                };
                if g != w {
                    differences.push(format!(
                        "{name} {method} {path}: {field}: verge {g}, workerd {w}"
                    ));
                }
            }
        }
        drop(verge);
    }
    eprintln!(
        "golden corpus: {} of {total} answers match workerd's; known differences:\n{}",
        total - differences.len() - known.len(),
        known.join("\n")
    );
    assert!(
        differences.is_empty(),
        "answers that differ from workerd's:\n{}",
        differences.join("\n")
    );
}
