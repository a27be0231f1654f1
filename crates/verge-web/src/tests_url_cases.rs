//! verge's JS `URL` against URL parsing cases written for verge (`tests/data/url-cases.json`:
//! inputs chosen to hit the WHATWG parser's tricky paths, expectations printed by node's
//! WHATWG-conformant URL; regenerate with `tests/data/url-cases.gen.js`).

use std::sync::Arc;

use verge_js::testing::run_js;

#[test]
fn js_url_parses_every_case_like_the_whatwg_reference() {
    let cases = include_str!("../tests/data/url-cases.json");
    let script = format!(
        r#"
        const cases = {cases};
        const fields = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];
        const failures = [];
        for (const c of cases) {{
          let u = null;
          try {{ u = c.base === null ? new URL(c.input) : new URL(c.input, c.base); }} catch (e) {{
            if (!c.failure) failures.push(`${{c.input}}: threw ${{e.message}}`);
            if (!(e instanceof TypeError)) failures.push(`${{c.input}}: threw ${{e.constructor.name}}, not TypeError`);
            continue;
          }}
          if (c.failure) {{ failures.push(`${{c.input}}: parsed as ${{u.href}}, expected failure`); continue; }}
          for (const f of fields) if (u[f] !== c[f]) failures.push(`${{c.input}}: ${{f}} = ${{JSON.stringify(u[f])}}, expected ${{JSON.stringify(c[f])}}`);
          if (URL.canParse(c.input, c.base ?? undefined) !== true) failures.push(`${{c.input}}: canParse false`);
        }}
        return {{ count: cases.length, failures }};
        "#
    );
    let out = run_js(vec![Arc::new(crate::WebExtension::new("t"))], &script).expect("script ran");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["failures"], serde_json::json!([]), "{out}");
    assert!(v["count"].as_u64().unwrap() >= 25);
}
