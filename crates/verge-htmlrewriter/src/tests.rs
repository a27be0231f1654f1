//! `HTMLRewriter` through JS, in a fresh isolate with the Web platform.

use std::sync::Arc;

use crate::HtmlRewriterExtension;

fn run(script: &str) -> Result<String, verge_js::JsException> {
    verge_js::testing::run_js(
        vec![
            Arc::new(verge_web::WebExtension::new("test")),
            Arc::new(HtmlRewriterExtension),
        ],
        script,
    )
}

fn ok(script: &str) -> String {
    run(script).unwrap_or_else(|e| panic!("script failed: {e}"))
}

/// `rewrite(html, rewriter)`: the rewritten text of a Response of `html`.
const PRELUDE: &str =
    "const rewrite = (html, rw, init) => rw.transform(new Response(html, init)).text();";

fn js(body: &str) -> String {
    ok(&format!("{PRELUDE}\n{body}"))
}

#[test]
fn element_methods_rewrite_the_document() {
    let out = js(r#"
        const seen = [];
        const rw = new HTMLRewriter().on("a[href]", {
          element(el) {
            seen.push(el.tagName, el.getAttribute("href"), el.hasAttribute("x"), el.namespaceURI,
                      el.selfClosing, el.canHaveContent, [...el.attributes].join("|"),
                      typeof el.attributes.next);
            el.setAttribute("href", "/new").removeAttribute("class");
            el.tagName = "b";
            el.before("<i>", { html: true }).after("<&>").prepend("[").append("]");
          },
        }).on("p.gone", { element(el) { el.remove(); seen.push(el.removed); } })
          .on("span", { element(el) { el.removeAndKeepContent(); } })
          .on("div", { element(el) { el.setInnerContent("<u>x</u>", { html: true }); } })
          .on("em", { element(el) { el.replace("E"); } });
        const text = await rewrite('<a href="/old" class="c">t</a><p class="gone">p</p><span>s</span><div>d</div><em>e</em>', rw);
        return [text, seen];
    "#);
    assert_eq!(
        out,
        r#"["<i><b href=\"/new\">[t]</b>&lt;&amp;&gt;s<div><u>x</u></div>E",["a","/old",false,"http://www.w3.org/1999/xhtml",false,true,"href,/old|class,c","function",true]]"#
    );
}

#[test]
fn text_comment_doctype_and_end_handlers() {
    let out = js(r#"
        const seen = [];
        const rw = new HTMLRewriter()
          .on("p", {
            text(t) { seen.push("t:" + t.text + ":" + t.lastInTextNode); if (t.text === "old") t.replace("new"); },
            comments(c) { seen.push("c:" + c.text); c.text = "changed"; },
          })
          .on("h1", { text(t) { if (t.text) t.before("<").after(">"); } })
          .on("h2", { comments(c) { c.remove(); seen.push(c.removed); } })
          .onDocument({
            doctype(d) { seen.push(d.name, d.publicId, d.systemId); },
            comments(c) { if (c.text === "top") c.before("B").after("A"); },
            end(e) { e.append("<!--end-->", { html: true }); },
          });
        const text = await rewrite("<!DOCTYPE html><!--top--><p>old<!--x--></p><h1>h</h1><h2><!--y-->z</h2>", rw);
        return [text, seen];
    "#);
    assert_eq!(
        out,
        r#"["<!DOCTYPE html>B<!--top-->A<p>new<!--changed--></p><h1>&lt;h&gt;</h1><h2>z</h2><!--end-->",["html",null,null,"t:old:false","t::true","c:x",true]]"#
    );
}

#[test]
fn end_tags_and_handler_objects_keep_this() {
    let out = js(r#"
        class Counter {
          constructor() { this.n = 0; }
          element(el) {
            this.n++;
            el.onEndTag((end) => { end.before("(" + end.name + ")"); end.after("!", { html: false }); });
          }
        }
        const counter = new Counter();
        const rw = new HTMLRewriter().on("li", counter)
          .on("b", { element(el) { el.onEndTag((end) => { end.remove(); }); } })
          .on("s", { element(el) { el.onEndTag((end) => { end.name = "del"; }); } });
        const text = await rewrite("<ul><li>a</li><li>b</li></ul><b>x</b><s>y</s>", rw);
        return [text, counter.n];
    "#);
    assert_eq!(
        out,
        r#"["<ul><li>a(li)</li>!<li>b(li)</li>!</ul><b>x<s>y</del>",2]"#
    );
}

#[test]
fn async_handlers_are_awaited_in_order() {
    let out = js(r#"
        const order = [];
        const rw = new HTMLRewriter().on("p", {
          async element(el) {
            order.push("start " + el.getAttribute("id"));
            await new Promise((r) => setTimeout(r, 5));
            el.setAttribute("data-done", "1");
            order.push("end " + el.getAttribute("id"));
          },
        });
        const text = await rewrite('<p id="1">a</p><p id="2">b</p>', rw);
        return [text, order];
    "#);
    assert_eq!(
        out,
        r#"["<p id=\"1\" data-done=\"1\">a</p><p id=\"2\" data-done=\"1\">b</p>",["start 1","end 1","start 2","end 2"]]"#
    );
}

#[test]
fn a_token_used_after_its_handler_throws_a_type_error() {
    let out = js(r#"
        let kept;
        const rw = new HTMLRewriter().on("p", { element(el) { kept = el; } });
        await rewrite("<p>a</p>", rw);
        try { kept.setAttribute("a", "b"); return "no error"; }
        catch (e) { return [e.constructor.name, e.message]; }
    "#);
    assert_eq!(
        out,
        r#"["TypeError","This content token is no longer valid. Content tokens are only valid during the execution of the relevant content handler."]"#
    );
}

#[test]
fn an_unsupported_selector_is_a_type_error_naming_it() {
    let out = js(r#"
        try { new HTMLRewriter().on("a:hover", {}); return "no error"; }
        catch (e) { return [e.constructor.name, e.message]; }
    "#);
    assert!(
        out.starts_with(r#"["TypeError","Unsupported selector \"a:hover\": "#),
        "{out}"
    );
}

#[test]
fn a_throwing_handler_errors_the_body() {
    let out = js(r#"
        const rw = new HTMLRewriter().on("p", { element() { throw new RangeError("handler broke"); } });
        try { await rewrite("<p>a</p>", rw); return "no error"; }
        catch (e) { return [e.constructor.name, e.message]; }
    "#);
    assert_eq!(out, r#"["RangeError","handler broke"]"#);
    let out = js(r#"
        const rw = new HTMLRewriter().on("p", { async element() { throw new Error("async broke"); } });
        try { await rewrite("<p>a</p>", rw); return "no error"; }
        catch (e) { return [e.constructor.name, e.message]; }
    "#);
    assert_eq!(out, r#"["Error","async broke"]"#);
}

#[test]
fn bad_arguments_are_type_errors() {
    let out = js(r#"
        const errs = [];
        const t = (f) => { try { f(); errs.push("none"); } catch (e) { errs.push(e.constructor.name + ": " + e.message); } };
        t(() => new HTMLRewriter().on("p", null));
        t(() => new HTMLRewriter().on("p", { element: 5 }));
        t(() => new HTMLRewriter().transform("nope"));
        const rw = new HTMLRewriter().on("p", { element(el) {
          t(() => el.setAttribute("a b", "x"));
          t(() => el.onEndTag("x"));
          t(() => el.append(new Response("x")));
        } }).on("br", { element(el) { t(() => el.onEndTag(() => {})); } });
        await rewrite("<p>a</p><br>", rw);
        return errs;
    "#);
    let errs: Vec<String> = serde_json_lite(&out);
    assert_eq!(errs.len(), 7, "{out}");
    for e in &errs {
        assert!(e.starts_with("TypeError: "), "{out}");
    }
    assert!(errs[6].contains("No end tag"), "{out}");
}

/// A JSON array of strings, without a JSON dependency.
fn serde_json_lite(s: &str) -> Vec<String> {
    s.trim_start_matches("[\"")
        .trim_end_matches("\"]")
        .split("\",\"")
        .map(str::to_string)
        .collect()
}

#[test]
fn status_and_headers_are_copied_without_content_length() {
    let out = js(r#"
        const r = new HTMLRewriter().on("p", { element(el) { el.append("!"); } })
          .transform(new Response("<p>a</p>", { status: 201, statusText: "Made", headers: { "content-length": "8", "x-a": "1", "content-type": "text/html; charset=utf-8" } }));
        return [r.status, r.statusText, r.headers.get("content-length"), r.headers.get("x-a"), await r.text()];
    "#);
    assert_eq!(out, r#"[201,"Made",null,"1","<p>a!</p>"]"#);
}

#[test]
fn a_response_without_a_body_is_returned_as_is() {
    let out = js(r#"
        const r = new Response(null, { status: 204 });
        return new HTMLRewriter().on("p", {}).transform(r) === r;
    "#);
    assert_eq!(out, "true");
}

#[test]
fn output_streams_before_the_input_ends() {
    // The source sends the head, then waits until the reader has seen rewritten bytes.
    let out = js(r#"
        let release;
        const gate = new Promise((r) => { release = r; });
        const enc = new TextEncoder();
        let sent = 0;
        const src = new ReadableStream({
          async pull(c) {
            if (sent === 0) { sent = 1; c.enqueue(enc.encode("<html><head><title>t</title></head>")); return; }
            await gate;
            c.enqueue(enc.encode("<body>rest</body></html>"));
            c.close();
          },
        });
        const r = new HTMLRewriter().on("title", { element(el) { el.setInnerContent("T"); } })
          .transform(new Response(src));
        const reader = r.body.getReader();
        const dec = new TextDecoder();
        let text = "";
        while (!text.includes("</head>")) {
          const { value, done } = await reader.read();
          if (done) return "ended early: " + text;
          text += dec.decode(value, { stream: true });
        }
        const early = text;
        release();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += dec.decode(value, { stream: true });
        }
        return [early, text];
    "#);
    assert_eq!(
        out,
        r#"["<html><head><title>T</title></head>","<html><head><title>T</title></head><body>rest</body></html>"]"#
    );
}

#[test]
fn a_non_ascii_compatible_charset_is_refused() {
    let out = js(r#"
        try {
          new HTMLRewriter().transform(new Response("x", { headers: { "content-type": "text/html; charset=utf-16" } }));
          return "no error";
        } catch (e) { return [e.constructor.name, e.message]; }
    "#);
    assert!(
        out.starts_with(r#"["TypeError","Parser error: Unsupported encoding \"utf-16\""#),
        "{out}"
    );
}

#[test]
fn platform_code_survives_a_poisoned_array_push_and_promise_then() {
    let out = js(r#"
        // First let the harness attach its own reactions to this script's promise.
        await new Promise((r) => setTimeout(r, 1));
        const push = Array.prototype.push, then = Promise.prototype.then;
        const rw = new HTMLRewriter()
          .on("p", { async element(el) { el.setAttribute("x", "1"); } })
          .onDocument({ end(e) { e.append("."); } });
        const p = new Response("<p>a</p>");
        Array.prototype.push = function () { throw new Error("poisoned push"); };
        Promise.prototype.then = function () { throw new Error("poisoned then"); };
        // Poisoned until the whole body was read (handlers, the async one included, run then).
        try {
          return await rw.transform(p).text();
        } finally {
          Array.prototype.push = push;
          Promise.prototype.then = then;
        }
    "#);
    assert_eq!(out, r#""<p x=\"1\">a</p>.""#);
}

#[test]
fn cancelling_the_body_inside_an_async_handler_unwinds_the_rewriter() {
    let out = js(r#"
        let entered;
        const inside = new Promise((r) => { entered = r; });
        let release;
        const gate = new Promise((r) => { release = r; });
        let after = "not run";
        const r = new HTMLRewriter().on("p", {
          async element(el) {
            entered();
            await gate;
            try { el.setAttribute("x", "1"); after = "usable"; } catch (e) { after = e.constructor.name; }
          },
        }).transform(new Response("<p>a</p><p>b</p>"));
        const reader = r.body.getReader();
        const pending = reader.read();
        await inside;
        await reader.cancel("gone");
        release();
        await new Promise((r) => setTimeout(r, 5));
        const done = await pending;
        return [done.done, after];
    "#);
    assert_eq!(out, r#"[true,"TypeError"]"#);
}
