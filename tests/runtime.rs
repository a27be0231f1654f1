//! The runtime through the real binary: `verge dev` serving the `basics` fixture over HTTP.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::{Verge, client, copy_fixture, fixture, run_verge};

fn basics() -> Verge {
    Verge::start(&fixture("basics"), &["--threads", "1", "--no-reload"])
}

#[test]
fn routes_answer_with_status_and_body() {
    let v = basics();
    let c = client();
    let r = c.get(v.url("/")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()
            .get("cf-ray")
            .unwrap()
            .to_str()
            .unwrap()
            .ends_with("-DEV")
    );
    assert_eq!(r.text().unwrap(), "hello from GET");
    assert_eq!(
        c.post(v.url("/")).send().unwrap().text().unwrap(),
        "hello from POST"
    );
    let r = c.get(v.url("/nope")).send().unwrap();
    assert_eq!(r.status(), 404);
}

#[test]
fn vars_and_dev_vars_secrets_reach_env() {
    let v = basics();
    let j: serde_json::Value = client().get(v.url("/env")).send().unwrap().json().unwrap();
    assert_eq!(j["greeting"], "hello");
    assert_eq!(j["features"]["search"], true);
    assert_eq!(j["features"]["max"], 5);
    assert_eq!(j["secret"], "s3cret");
}

#[test]
fn headers_are_case_insensitive_and_set_cookies_stay_separate() {
    let v = basics();
    let r = client()
        .get(v.url("/headers"))
        .header("X-Custom", "abc")
        .send()
        .unwrap();
    let cookies: Vec<_> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|h| h.to_str().unwrap().to_string())
        .collect();
    assert_eq!(cookies, vec!["a=1; Path=/", "b=2; Path=/"]);
    assert_eq!(r.headers().get("x-multi").unwrap(), "1, 2");
    let j: serde_json::Value = r.json().unwrap();
    assert_eq!(
        j["cookies"],
        serde_json::json!(["a=1; Path=/", "b=2; Path=/"]),
        "getSetCookie() in the worker"
    );
    assert_eq!(j["got"], "abc");
    assert_eq!(j["immutable"], "TypeError: Can't modify immutable headers.");
}

#[test]
fn json_carries_url_parts_request_cf_and_the_ray_id() {
    let v = basics();
    let r = client().get(v.url("/json?a=1&b=two")).send().unwrap();
    assert_eq!(r.headers().get("content-type").unwrap(), "application/json");
    let ray = r
        .headers()
        .get("cf-ray")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let j: serde_json::Value = r.json().unwrap();
    assert_eq!(j["path"], "/json");
    assert_eq!(j["q"]["b"], "two");
    assert_eq!(j["cf"]["country"], "US");
    assert_eq!(j["cf"]["colo"], "DEV");
    assert_eq!(j["cf"]["httpProtocol"], "HTTP/1.1");
    assert!(j["cf"]["latitude"].is_string());
    assert_eq!(j["ray"], ray);
}

#[test]
fn redirects_carry_status_and_location() {
    let v = basics();
    let r = client().get(v.url("/redirect")).send().unwrap();
    assert_eq!(r.status(), 307);
    let loc = r.headers().get("location").unwrap().to_str().unwrap();
    assert!(loc.ends_with("/json?from=redirect"), "{loc}");
}

#[test]
fn streamed_bodies_arrive_in_chunks() {
    let v = basics();
    let mut r = client().get(v.url("/stream/4")).send().unwrap();
    assert!(
        r.headers().get("content-length").is_none(),
        "a stream is sent chunked"
    );
    let mut body = String::new();
    r.read_to_string(&mut body).unwrap();
    assert_eq!(body, "chunk 0\nchunk 1\nchunk 2\nchunk 3\n");
}

#[test]
fn request_bodies_are_readable() {
    let v = basics();
    let payload = vec![b'x'; 300_000];
    let r = client()
        .put(v.url("/echo"))
        .body(payload.clone())
        .send()
        .unwrap();
    assert_eq!(r.headers().get("x-length").unwrap(), "300000");
    assert_eq!(r.headers().get("x-method").unwrap(), "PUT");
    assert_eq!(r.bytes().unwrap().to_vec(), payload);
    let j: serde_json::Value = client()
        .post(v.url("/echo-json"))
        .body(r#"{"k":[1,2]}"#)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(j["received"]["k"][1], 2);
}

fn one_shot_server() -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = s.read(&mut chunk).unwrap();
            buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&buf);
            if let Some(end) = text.find("\r\n\r\n")
                && text.len() >= end + 4 + 4
            {
                break;
            }
            if n == 0 {
                break;
            }
        }
        s.write_all(b"HTTP/1.1 201 Created\r\nx-upstream: yes\r\ncontent-length: 4\r\nconnection: close\r\n\r\npong").unwrap();
        String::from_utf8_lossy(&buf).into_owned()
    });
    (format!("http://{addr}/hook"), handle)
}

#[test]
fn outbound_fetch_reaches_a_local_server() {
    let v = basics();
    let (target, server) = one_shot_server();
    let r = client()
        .get(v.url(&format!("/fetch?target={target}")))
        .send()
        .unwrap();
    assert_eq!(r.text().unwrap(), "upstream said 201 pong yes");
    let seen = server.join().unwrap();
    assert!(seen.starts_with("POST /hook HTTP/1.1"), "{seen}");
    assert!(
        seen.to_ascii_lowercase().contains("x-from: verge"),
        "{seen}"
    );
    assert!(seen.ends_with("ping"), "{seen}");
}

#[test]
fn wait_until_work_finishes_after_the_response() {
    let v = basics();
    let c = client();
    let text = |path: &str| c.get(v.url(path)).send().unwrap().text().unwrap();
    // The waitUntil work waits on a gate that only the request below opens: the response
    // cannot have waited for it.
    assert_eq!(text("/wait-until"), "responded");
    assert_eq!(text("/wait-until-count"), "0");
    assert_eq!(text("/gate/open/wait-until"), "opened 1");
    assert!(
        v.wait_for_log("waitUntil finished", Duration::from_secs(10)),
        "{}",
        v.log()
    );
    assert_eq!(text("/wait-until-count"), "1");
}

#[test]
fn wait_until_work_runs_after_a_throw_and_when_registered_late() {
    let v = basics();
    let r = client()
        .get(v.url("/wait-until-then-throw"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 500);
    for line in ["waitUntil before throw finished", "late waitUntil finished"] {
        assert!(
            v.wait_for_log(line, Duration::from_secs(10)),
            "{line}: {}",
            v.log()
        );
    }
}

#[test]
fn an_infinite_loop_gets_503_and_the_next_request_is_served() {
    let v = basics();
    let c = client();
    for path in ["/spin", "/spin-catch"] {
        let r = c.get(v.url(path)).send().unwrap();
        assert_eq!(r.status(), 503, "{path}");
        assert!(r.text().unwrap().contains("error code: 1102"));
        assert_eq!(c.get(v.url("/")).send().unwrap().status(), 200);
    }
    assert!(v.log().contains("Worker exceeded CPU time limit"));
}

#[test]
fn a_memory_bomb_gets_503_and_the_next_request_is_served() {
    let v = basics();
    let c = client();
    let r = c.get(v.url("/memory")).send().unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.text().unwrap().contains("1102"));
    assert_eq!(
        c.get(v.url("/")).send().unwrap().text().unwrap(),
        "hello from GET"
    );
}

#[test]
fn an_exception_gets_500_with_the_error_logged_and_serving_continues() {
    let v = basics();
    let c = client();
    let r = c.get(v.url("/throw")).send().unwrap();
    assert_eq!(r.status(), 500);
    let body = r.text().unwrap();
    assert!(body.contains("error code: 1101"), "{body}");
    assert!(body.contains("TypeError: intentional failure"), "{body}");
    assert!(v.wait_for_log("intentional failure", Duration::from_secs(5)));
    assert!(
        v.log().contains("src/index.js"),
        "the stack names the module: {}",
        v.log()
    );
    let r = c.get(v.url("/not-a-response")).send().unwrap();
    assert_eq!(r.status(), 500);
    assert!(r.text().unwrap().contains("expected a Response"));
    assert_eq!(c.get(v.url("/")).send().unwrap().status(), 200);
}

#[test]
fn timers_microtasks_and_globals_work() {
    let v = basics();
    let c = client();
    let order: serde_json::Value = c.get(v.url("/timers")).send().unwrap().json().unwrap();
    assert_eq!(order, serde_json::json!(["a", "b", "micro"]));
    let g: serde_json::Value = c.get(v.url("/globals")).send().unwrap().json().unwrap();
    assert_eq!(
        g,
        serde_json::json!({"uuid": true, "ua": "Cloudflare-Workers", "perf": "number", "clone": 2, "b64": "dmVyZ2U=", "abort": "function"})
    );
}

#[test]
fn concurrent_requests_are_not_serialized_behind_a_slow_one() {
    let v = Verge::start(&fixture("basics"), &["--threads", "1", "--no-reload"]);
    // The slow request parks on a gate that only a later request opens: if requests were
    // served one at a time on the only isolate thread, it could never finish (nor could the
    // requests below be answered while it is parked).
    let slow = {
        let url = v.url("/gate/wait/slow");
        std::thread::spawn(move || client().get(url).send().unwrap().text().unwrap())
    };
    let c = client();
    let text = |path: &str| c.get(v.url(path)).send().unwrap().text().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while text("/gate/waiting/slow") != "1" {
        assert!(Instant::now() < deadline, "the slow request never parked");
        std::thread::park_timeout(Duration::from_millis(10));
    }
    for _ in 0..5 {
        assert_eq!(
            text("/"),
            "hello from GET",
            "served while the slow one is parked"
        );
    }
    assert!(!slow.is_finished(), "the slow request waits for its gate");
    assert_eq!(text("/gate/open/slow"), "opened 1");
    assert_eq!(slow.join().unwrap(), "opened");
}

/// Runs `verge dev` on a fixture that must fail to start; returns stderr.
fn start_fails(name: &str) -> String {
    let state = tempfile::tempdir().unwrap();
    let (ok, _out, err) = run_verge(&[
        "dev",
        fixture(name).to_str().unwrap(),
        "--port",
        "0",
        "--persist-to",
        state.path().to_str().unwrap(),
    ]);
    assert!(!ok, "verge started on {name}");
    err
}

#[test]
fn a_syntax_error_fails_at_start_naming_the_module() {
    let err = start_fails("syntax-error");
    assert!(err.contains("index.js"), "{err}");
    assert!(err.contains("SyntaxError"), "{err}");
}

#[test]
fn a_config_error_fails_at_start_naming_file_and_field() {
    let err = start_fails("bad-config");
    assert!(err.contains("wrangler.toml"), "{err}");
    assert!(err.contains("kv_namespaces[0].binding"), "{err}");
    // Said once: the config error is not also printed as its own cause.
    assert_eq!(err.matches("kv_namespaces[0].binding").count(), 1, "{err}");
}

#[test]
fn editing_the_module_reloads_without_dropping_the_port() {
    let dir = copy_fixture("reload");
    let v = Verge::start(dir.path(), &["--threads", "2"]);
    let c = client();
    assert_eq!(
        c.get(v.url("/")).send().unwrap().text().unwrap(),
        "version 1"
    );
    std::fs::write(
        dir.path().join("index.js"),
        r#"export default { fetch() { return new Response("version 2"); } };"#,
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let body = c.get(v.url("/")).send().unwrap().text().unwrap();
        if body == "version 2" {
            break;
        }
        assert!(Instant::now() < deadline, "no reload; log:\n{}", v.log());
        std::thread::park_timeout(Duration::from_millis(50));
    }
    // A broken edit keeps the last good version serving.
    std::fs::write(dir.path().join("index.js"), "export default { fetch( {").unwrap();
    assert!(
        v.wait_for_log("reload failed", Duration::from_secs(20)),
        "{}",
        v.log()
    );
    assert_eq!(
        c.get(v.url("/")).send().unwrap().text().unwrap(),
        "version 2"
    );
}

#[test]
fn a_handler_that_is_not_async_is_served_like_an_async_one() {
    let v = Verge::start(&fixture("sync-handler"), &["--threads", "1", "--no-reload"]);
    let c = client();
    let get = |path: &str| {
        let r = c.get(v.url(path)).send().unwrap();
        let status = r.status().as_u16();
        let header = r
            .headers()
            .get("x-sync")
            .map(|h| h.to_str().unwrap().to_string());
        (status, header, r.text().unwrap())
    };
    assert_eq!(get("/"), (200, Some("1".into()), "sync hello".into()));
    let (status, _, body) = get("/throw");
    assert_eq!(status, 500);
    assert!(body.contains("RangeError: sync failure"), "{body}");
    for path in ["/not-a-response", "/undefined"] {
        let (status, _, body) = get(path);
        assert_eq!(status, 500, "{path}");
        assert!(body.contains("expected a Response"), "{path}: {body}");
    }
    let (status, _, body) = get("/used");
    assert_eq!(status, 500);
    assert!(body.contains("already used"), "{body}");
    let (status, _, body) = get("/error");
    assert_eq!(status, 500);
    assert!(body.contains("error response"), "{body}");
    assert_eq!(get("/wait-until").2, "ok");
    let order: serde_json::Value = c.get(v.url("/order")).send().unwrap().json().unwrap();
    assert_eq!(
        order,
        serde_json::json!(["handler", "waitUntil", "microtask"])
    );
    assert_eq!(get("/thenable").2, "from a thenable");
    assert_eq!(get("/promise").2, "from a promise");
    let (status, _, body) = get("/rejected");
    assert_eq!(status, 500);
    assert!(body.contains("rejected promise"), "{body}");
    // A Response with a `then` is a thenable: awaiting it calls `then`, as an async handler
    // returning it would.
    assert_eq!(get("/subclass-then").2, "then wins");
    assert_eq!(get("/stream").2, "streamed");
    assert_eq!(get("/nowhere").0, 404);
    assert!(v.wait_for_log("sync failure", Duration::from_secs(5)));
}

/// Runs `verge dev DIR` on a project that must fail to start; returns stderr. A verge that
/// starts anyway announces itself on stdout, is killed and fails the test.
fn start_fails_in(dir: &std::path::Path) -> String {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let state = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_verge"))
        .args(["dev", dir.to_str().unwrap(), "--port", "0", "--no-reload"])
        .args([
            "--threads",
            "1",
            "--persist-to",
            state.path().to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    if !first.is_empty() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("verge started on {}: {first}", dir.display());
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn symlinks_out_of_the_project_are_refused_without_naming_host_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let (project, outside) = (tmp.path().join("project"), tmp.path().join("outside"));
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("worker.js"),
        "export default { fetch() { return new Response('outside'); } };",
    )
    .unwrap();
    std::fs::write(outside.join("secret.txt"), "host secret").unwrap();
    let config = |main: &str| {
        std::fs::write(
            project.join("wrangler.toml"),
            format!("name = \"links\"\nmain = \"{main}\"\ncompatibility_date = \"2025-06-01\"\n"),
        )
        .unwrap();
    };
    let host = tmp.path().to_string_lossy().into_owned();

    // The main module itself, a link to a worker outside.
    std::os::unix::fs::symlink(outside.join("worker.js"), project.join("main.js")).unwrap();
    config("main.js");
    let err = start_fails_in(&project);
    assert!(
        err.contains(
            "wrangler.toml: field \"main\": \"main.js\" leads outside the project directory"
        ),
        "{err}"
    );
    assert!(!err.contains(&host), "{err}");

    // An import of a link to a file outside, existing or not: the same error.
    for (link, target) in [("secret.txt", "secret.txt"), ("gone.txt", "gone.txt")] {
        std::os::unix::fs::symlink(outside.join(target), project.join(link)).unwrap();
        std::fs::write(
            project.join("index.js"),
            format!("import s from './{link}'; export default {{ fetch() {{ return new Response(s); }} }};"),
        )
        .unwrap();
        config("index.js");
        let err = start_fails_in(&project);
        assert!(
            err.contains(&format!(
                "\"{link}\" leads outside the project directory through a symbolic link"
            )),
            "{err}"
        );
        assert!(!err.contains(&host), "{err}");
        assert!(!err.contains("host secret"), "{err}");
    }
}

#[test]
fn unsupported_fields_are_warned_about_by_name_and_their_bindings_are_undefined() {
    let v = Verge::start(
        &fixture("unsupported-fields"),
        &["--threads", "1", "--no-reload"],
    );
    let expected = [
        "field \"analytics_engine_datasets[0]\": Analytics Engine datasets are not supported yet; env.AE will be undefined",
        "field \"r2_buckets[0]\": R2 buckets are not supported yet; env.FILES will be undefined",
        "field \"hyperdrive[0]\": Hyperdrive bindings are not supported; env.PG will be undefined",
        "field \"unsafe.bindings[0]\": unsafe bindings are not supported (type \"analytics_engine\"); env.UNSAFE will be undefined",
    ];
    // Warnings are printed before verge announces itself; stderr is read by another thread.
    let last = format!("warning: wrangler.toml: {}", expected[expected.len() - 1]);
    assert!(
        v.wait_for_log(&last, Duration::from_secs(10)),
        "{}",
        v.log()
    );
    let log = v.log();
    for w in expected {
        assert!(
            log.contains(&format!("warning: wrangler.toml: {w}")),
            "{w}\n{log}"
        );
    }
    let pull = "warning: queues.consumers[0]: pull consumers (type = \"http_pull\") are not supported yet; nothing pulls messages from queue \"jobs\"";
    assert!(v.wait_for_log(pull, Duration::from_secs(10)), "{}", v.log());
    // What the warnings say is true: none of these bindings is in env.
    let seen: serde_json::Value = client().get(v.url("/")).send().unwrap().json().unwrap();
    for name in ["AE", "FILES", "PG", "UNSAFE"] {
        assert_eq!(seen[name], "undefined", "{name}: {seen}");
    }
}
