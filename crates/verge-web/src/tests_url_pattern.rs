//! JS-level tests of `URLPattern` (src/url_pattern.rs, js/url_pattern.js). Expectations follow
//! the URL Pattern standard's examples and the WPT `urlpatterntestdata.json` cases they mirror.

use std::sync::Arc;

use verge_js::testing::run_js;

fn js(script: &str) -> String {
    match run_js(vec![Arc::new(crate::WebExtension::new("test"))], script) {
        Ok(v) => v,
        Err(e) => panic!("script threw: {e}"),
    }
}

fn js_err(script: &str) -> String {
    match run_js(vec![Arc::new(crate::WebExtension::new("test"))], script) {
        Ok(v) => panic!("expected a throw, got {v}"),
        Err(e) => format!("{}: {}", e.name, e.message),
    }
}

#[test]
fn pathname_parameters_capture_one_segment() {
    let out = js(r#"
        const p = new URLPattern({ pathname: "/users/:id" });
        const m = p.exec("https://example.com/users/42?x=1");
        return [p.test("https://example.com/users/42"), p.test("https://example.com/users/42/posts"),
                p.test("https://example.com/users/"), m.pathname, m.search, m.inputs, p.pathname, p.protocol];
    "#);
    assert_eq!(
        out,
        r#"[true,false,false,{"input":"/users/42","groups":{"id":"42"}},{"input":"x=1","groups":{"0":"x=1"}},["https://example.com/users/42?x=1"],"/users/:id","*"]"#
    );
}

#[test]
fn wildcards_and_optional_groups_match_like_routers_expect() {
    let out = js(r#"
        const files = new URLPattern({ pathname: "/files/*" });
        const docs = new URLPattern({ pathname: "{/:lang}?/docs" });
        const a = files.exec({ pathname: "/files/a/b/c.txt" });
        return [a.pathname.groups, files.test({ pathname: "/files" }),
                docs.exec({ pathname: "/en/docs" }).pathname.groups,
                "lang" in docs.exec({ pathname: "/docs" }).pathname.groups,
                docs.exec({ pathname: "/docs" }).pathname.groups.lang === undefined,
                docs.test({ pathname: "/en/fr/docs" })];
    "#);
    assert_eq!(
        out,
        r#"[{"0":"a/b/c.txt"},false,{"lang":"en"},true,true,false]"#
    );
}

#[test]
fn constructor_strings_and_base_urls_fill_every_component() {
    let out = js(r#"
        const p = new URLPattern("https://:sub.example.com/api/:version/x?q=:q#top");
        // After a wildcard, "?" is the optional modifier, not the start of the search.
        const star = new URLPattern("https://a.test/*?q=1");
        const r = new URLPattern("/books/:id", "https://shop.test");
        return [p.protocol, p.hostname, p.pathname, p.search, p.hash, p.port, p.username,
                p.exec("https://api.example.com/api/v2/x?q=z#top").hostname.groups, star.pathname, star.search,
                r.hostname, r.test("https://shop.test/books/7"), r.test("/books/7", "https://shop.test"),
                r.exec("/books/7", "https://shop.test").inputs, r.test("https://other.test/books/7")];
    "#);
    assert_eq!(
        out,
        r#"["https",":sub.example.com","/api/:version/x","q=:q","top","","*",{"sub":"api"},"/*?q=1","*","shop.test",true,true,["/books/7","https://shop.test"],false]"#
    );
}

#[test]
fn hostname_patterns_match_subdomains() {
    let out = js(r#"
        const p = new URLPattern({ hostname: "{*.}?example.com" });
        return [p.test("https://example.com/"), p.test("https://a.b.example.com/x"), p.test("https://example.org/")];
    "#);
    assert_eq!(out, "[true,true,false]");
}

#[test]
fn regexp_groups_use_ecmascript_semantics() {
    let out = js(r#"
        const p = new URLPattern({ pathname: "/post/:id(\\d+)" });
        const q = new URLPattern({ pathname: "/(\\d+)-:slug" });
        const look = new URLPattern({ pathname: "/v/:n(\\d+(?=x))x" });
        return [p.hasRegExpGroups, p.test({ pathname: "/post/12" }), p.test({ pathname: "/post/ab" }),
                q.exec({ pathname: "/12-hello" }).pathname.groups, look.exec({ pathname: "/v/5x" }).pathname.groups,
                new URLPattern({ pathname: "/a" }).hasRegExpGroups];
    "#);
    assert_eq!(
        out,
        r#"[true,true,false,{"0":"12","slug":"hello"},{"n":"5"},false]"#
    );
}

#[test]
fn groups_written_for_unicode_sets_mode_compile() {
    // `[^\:]` is an identity escape `u` refuses and `v` (the spec's flag) accepts.
    let out = js(r#"
        const p = new URLPattern({ port: "([^\\:]+?)" });
        const i = new URLPattern({ port: "([^\\:]+?)" }, { ignoreCase: true });
        return [p.test({ port: "8080" }), i.test({ port: "443" }), p.hasRegExpGroups];
    "#);
    assert_eq!(out, "[true,true,true]");
}

#[test]
fn ignore_case_applies_to_every_component() {
    let out = js(r#"
        const p = new URLPattern({ pathname: "/Users/:id" }, { ignoreCase: true });
        const q = new URLPattern("/Users/:id", "https://x.test", { ignoreCase: true });
        const strict = new URLPattern({ pathname: "/Users/:id" });
        return [p.test({ pathname: "/users/1" }), q.test("https://x.test/USERS/2"), strict.test({ pathname: "/users/1" })];
    "#);
    assert_eq!(out, "[true,true,false]");
}

#[test]
fn unparsable_inputs_do_not_match() {
    let out = js(r#"
        const p = new URLPattern({ pathname: "/*" });
        return [p.test("not a url"), p.exec("/relative"), p.test("/x", "also not a url"), new URLPattern().test("https://a.test/b")];
    "#);
    assert_eq!(out, "[false,null,false,true]");
}

#[test]
fn invalid_patterns_throw_type_errors() {
    assert!(
        js_err(r#"new URLPattern({ pathname: "/:id/:id" })"#)
            .starts_with("TypeError: Failed to construct 'URLPattern': parser error: pattern contains duplicate name id")
    );
    assert!(js_err(r#"new URLPattern("/no/base")"#).starts_with("TypeError: Failed to construct 'URLPattern': a relative input without a base URL is not valid"));
    assert!(
        js_err(r#"new URLPattern({ pathname: "/(" })"#)
            .starts_with("TypeError: Failed to construct 'URLPattern'")
    );
    assert!(
        js_err(r#"new URLPattern({ pathname: "/(a[)" })"#)
            .starts_with("TypeError: Failed to construct 'URLPattern'")
    );
    assert!(js_err(r#"new URLPattern({ pathname: "/x" }, "https://base.test")"#).starts_with("TypeError: Failed to construct 'URLPattern': specifying both an init object, and a separate base URL is not valid"));
    assert!(
        js_err(
            r#"new URLPattern({ pathname: "/x" }).exec({ pathname: "/x" }, "https://base.test")"#
        )
        .starts_with("TypeError: Failed to execute 'exec' on 'URLPattern'")
    );
}
