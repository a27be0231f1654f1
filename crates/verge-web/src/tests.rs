//! JS-level tests of the Web platform, each in a fresh isolate.

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
fn headers_are_case_insensitive_and_keep_set_cookies_apart() {
    let out = js(r#"
        const h = new Headers({"Content-Type": "text/plain"});
        h.append("Set-Cookie", "a=1"); h.append("set-cookie", "b=2"); h.append("X-A", "1"); h.append("x-a", "2");
        return [h.get("content-type"), h.get("X-A"), h.getSetCookie(), [...h].map(([k]) => k), h.get("set-cookie")];
    "#);
    assert_eq!(
        out,
        r#"["text/plain","1, 2",["a=1","b=2"],["content-type","set-cookie","set-cookie","x-a"],"a=1, b=2"]"#
    );
}

#[test]
fn set_replaces_every_value_and_delete_removes_the_name() {
    let out = js(r#"
        const h = new Headers([["b", "1"], ["a", "x"], ["B", "2"], ["set-cookie", "s=1"], ["Set-Cookie", "s=2"]]);
        h.set("B", "3");
        h.delete("SET-COOKIE");
        h.append("c", "4");
        return [[...h], h.has("set-cookie"), h.has("A"), h.getSetCookie(), h.get("set-cookie") === null, h.get("nope") === null];
    "#);
    // An absent header reads as null (not undefined).
    assert_eq!(
        out,
        r#"[[["a","x"],["b","3"],["c","4"]],false,true,[],true,true]"#
    );
}

/// 100,000 distinct names through every operation: logarithmic per call, this is a fraction
/// of a second; the insertion-ordered list it replaced scanned all names on each `set`, `has`
/// and `delete` and on each name while iterating (about 10^10 steps), which nextest's
/// timeout fails.
#[test]
fn a_hundred_thousand_distinct_names_are_not_quadratic() {
    let out = js(r#"
        const n = 100000, h = new Headers();
        for (let i = 0; i < n; i++) h.append("x-h" + i, "v");
        for (let i = 0; i < n; i++) h.set("X-H" + i, "w");
        let found = 0;
        for (let i = 0; i < n; i++) if (h.has("x-h" + i) && h.get("x-h" + i) === "w") found++;
        const copy = new Headers(h);
        let seen = 0;
        for (const [k, v] of copy) if (v === "w") seen++;
        for (let i = 0; i < n; i += 2) h.delete("x-h" + i);
        return [found, seen, [...h.keys()].length];
    "#);
    assert_eq!(out, "[100000,100000,50000]");
}

#[test]
fn headers_iteration_sees_changes_made_while_iterating() {
    let out = js(r#"
        const h = new Headers({ b: "1", c: "2" });
        const seen = [];
        for (const [k] of h) { seen.push(k); if (k === "b") { h.append("d", "3"); h.append("a", "0"); } }
        const keys = h.keys(); keys.next(); h.delete("b");
        const after = [...keys];
        // A Headers init whose iterator was replaced is read through that iterator.
        const custom = new Headers({ x: "1" });
        custom[Symbol.iterator] = function* () { yield ["y", "2"]; };
        return [seen, after, [...new Headers(custom)]];
    "#);
    assert_eq!(out, r#"[["b","b","c","d"],["c","d"],[["y","2"]]]"#);
}

#[test]
fn invalid_header_names_throw_type_errors() {
    assert!(js_err(r#"new Headers().set("bad name", "x")"#).starts_with("TypeError"));
    assert!(js_err(r#"new Headers().set("a", "x\r\ny")"#).starts_with("TypeError"));
}

#[test]
fn url_and_search_params_stay_in_sync() {
    let out = js(r#"
        const u = new URL("/p/q?a=1&b=2#h", "https://example.test:8443");
        u.searchParams.append("c", "x y");
        u.searchParams.delete("a");
        const before = u.href;
        u.search = "?z=9";
        return [before, u.searchParams.get("z"), u.host, u.origin, URL.canParse("nope"), String(new URLSearchParams({q: "é"}))];
    "#);
    assert_eq!(
        out,
        r#"["https://example.test:8443/p/q?b=2&c=x+y#h","9","example.test:8443","https://example.test:8443",false,"q=%C3%A9"]"#
    );
}

#[test]
fn invalid_urls_throw_type_errors() {
    assert!(js_err(r#"new URL("not a url")"#).starts_with("TypeError: Invalid URL"));
}

#[test]
fn text_encoding_round_trips_and_decoder_streams() {
    let out = js(r#"
        const b = new TextEncoder().encode("héllo €");
        const d = new TextDecoder();
        const s = d.decode(b.subarray(0, 2), {stream: true}) + d.decode(b.subarray(2));
        return [b.length, s, new TextDecoder("latin1").encoding, btoa("hi"), atob("aGk=")];
    "#);
    assert_eq!(out, r#"[10,"héllo €","windows-1252","aGk=","hi"]"#);
}

#[test]
fn fatal_decoder_rejects_bad_utf8() {
    assert!(
        js_err(r#"new TextDecoder("utf-8", {fatal: true}).decode(new Uint8Array([0xff]))"#)
            .starts_with("TypeError")
    );
}

#[test]
fn response_bodies_read_once_in_every_form() {
    let out = js(r#"
        const r = new Response("hi", {status: 201, headers: {"x-a": "b"}});
        const t = await r.text();
        let err; try { await r.text(); } catch (e) { err = e.message; }
        const j = await Response.json({a: 1}).json();
        const ct = Response.json(1).headers.get("content-type");
        const s = new Response(new ReadableStream({start(c) { c.enqueue(new TextEncoder().encode("ab")); c.enqueue(new TextEncoder().encode("c")); c.close(); }}));
        const st = await s.text();
        const c1 = new Response("dup"); const c2 = c1.clone();
        return [t, r.status, r.bodyUsed, err, j, ct, st, await c1.text(), await c2.text()];
    "#);
    assert_eq!(
        out,
        r#"["hi",201,true,"Body has already been used. It can only be used once. Use tee() first if you need to read it twice.",{"a":1},"application/json","abc","dup","dup"]"#
    );
}

#[test]
fn response_status_and_redirect_rules() {
    assert!(js_err("new Response('x', {status: 99})").starts_with("RangeError"));
    assert!(js_err("Response.redirect('https://a.test/', 200)").starts_with("RangeError"));
    assert!(js_err("new Response('x', {status: 204})").starts_with("TypeError"));
    let out = js(
        "const r = Response.redirect('https://a.test/x', 301); return [r.status, r.headers.get('location')];",
    );
    assert_eq!(out, r#"[301,"https://a.test/x"]"#);
}

#[test]
fn requests_validate_method_and_body() {
    assert!(js_err("new Request('https://a.test/', {body: 'x'})").starts_with("TypeError"));
    assert!(js_err("new Request('/relative')").starts_with("TypeError"));
    let out = js(r#"
        const r = new Request("https://a.test/x", {method: "post", body: JSON.stringify({k: 1}), headers: {"content-type": "application/json"}});
        const copy = new Request(r, {headers: {"x-b": "1"}});
        return [r.method, r.bodyUsed, await copy.json(), copy.headers.get("x-b"), copy.url];
    "#);
    assert_eq!(out, r#"["POST",true,{"k":1},"1","https://a.test/x"]"#);
}

#[test]
fn form_data_round_trips_through_multipart() {
    let out = js(r#"
        const f = new FormData();
        f.append("a", "1"); f.append("file", new Blob(["hello"], {type: "text/plain"}), "h.txt");
        const r = new Response(f);
        const back = await r.formData();
        const file = back.get("file");
        const u = await new Response(new URLSearchParams("x=1&y=2")).formData();
        return [back.get("a"), file.name, file.type, await file.text(), u.get("y")];
    "#);
    assert_eq!(out, r#"["1","h.txt","text/plain","hello","2"]"#);
}

#[test]
fn structured_clone_keeps_resizable_buffers_and_refuses_out_of_bounds_views() {
    let out = js(r#"
        const ab = new ArrayBuffer(4, { maxByteLength: 64 });
        new Uint8Array(ab).set([1, 2, 3, 4]);
        const c = structuredClone(ab);
        const moved = structuredClone(ab, { transfer: [ab] });
        const shrink = new ArrayBuffer(16, { maxByteLength: 32 });
        const ta = new Uint8Array(shrink, 8), dv = new DataView(shrink, 8);
        shrink.resize(0);
        const names = [];
        for (const v of [ta, dv]) { try { structuredClone(v); } catch (e) { names.push(e.name); } }
        const empty = structuredClone(new Uint8Array(new ArrayBuffer(0, { maxByteLength: 8 })));
        return [c.resizable, c.maxByteLength, [...new Uint8Array(c)], moved.resizable, ab.detached,
                structuredClone(new ArrayBuffer(2)).resizable, names, empty.length];
    "#);
    assert_eq!(
        out,
        r#"[true,64,[1,2,3,4],true,true,false,["DataCloneError","DataCloneError"],0]"#
    );
}

#[test]
fn structured_clone_copies_deeply_and_rejects_functions() {
    let out = js(r#"
        const o = {d: new Date(5), m: new Map([[1, {x: 1}]]), s: new Set([1]), b: new Uint8Array([1, 2]), n: null};
        o.self = o;
        const c = structuredClone(o);
        return [c !== o, c.self === c, c.d.getTime(), c.m.get(1).x, c.s.has(1), c.b[1], c.m.get(1) !== o.m.get(1)];
    "#);
    assert_eq!(out, "[true,true,5,1,true,2,true]");
    assert_eq!(
        js_err("structuredClone(() => 1)"),
        "DataCloneError: function (anonymous) could not be cloned."
    );
}

#[test]
fn timers_fire_in_order_and_can_be_cleared() {
    let out = js(r#"
        // Waits for the events themselves, not for a fixed time: on a loaded machine a 1 ms
        // interval may tick only once in 30 ms.
        const log = [];
        const t = setTimeout(() => log.push("cleared"), 5);
        clearTimeout(t);
        const b = new Promise((r) => setTimeout(() => { log.push("b"); r(); }, 10));
        setTimeout(() => log.push("a"), 1);
        let n = 0;
        const ticks = new Promise((r) => {
          const i = setInterval(() => { if (++n === 3) { clearInterval(i); r(); } }, 1);
        });
        await Promise.all([b, ticks]);
        // A cleared interval stays quiet.
        await new Promise((r) => setTimeout(r, 5));
        return [log, n];
    "#);
    assert_eq!(out, r#"[["a","b"],3]"#);
}

#[test]
fn abort_signals_fire_events() {
    let out = js(r#"
        const c = new AbortController(); let seen = null;
        c.signal.addEventListener("abort", (e) => { seen = e.type; });
        c.abort();
        const t = AbortSignal.timeout(1);
        await new Promise((r) => t.addEventListener("abort", r)); // the event, not a fixed wait
        return [c.signal.aborted, seen, c.signal.reason.name, t.aborted, t.reason.name];
    "#);
    assert_eq!(out, r#"[true,"abort","AbortError",true,"TimeoutError"]"#);
}

#[test]
fn capture_listeners_run_first_and_passive_ones_cannot_cancel() {
    let out = js(r#"
        const t = new EventTarget(); const log = [];
        t.addEventListener("x", () => log.push("bubble"));
        t.addEventListener("x", () => log.push("capture"), { capture: true });
        t.addEventListener("x", () => log.push("capture-bool"), true);
        t.dispatchEvent(new Event("x"));
        // stopPropagation in a capture listener keeps the others from running.
        const s = new EventTarget(); let ran = false;
        s.addEventListener("y", () => { ran = true; });
        s.addEventListener("y", (e) => e.stopPropagation(), { capture: true });
        s.dispatchEvent(new Event("y"));
        const p = new EventTarget();
        p.addEventListener("z", (e) => { e.preventDefault(); e.returnValue = false; }, { passive: true });
        const passiveKept = p.dispatchEvent(new Event("z", { cancelable: true }));
        p.addEventListener("z", (e) => e.preventDefault());
        const cancelled = !p.dispatchEvent(new Event("z", { cancelable: true }));
        // removal matches on capture only
        const r = new EventTarget(); let n = 0; const f = () => n++;
        r.addEventListener("w", f, { capture: true });
        r.removeEventListener("w", f);
        r.dispatchEvent(new Event("w"));
        r.removeEventListener("w", f, { capture: true });
        r.dispatchEvent(new Event("w"));
        const own = Object.getOwnPropertyDescriptor(new Event("a"), "isTrusted");
        return [log, ran, passiveKept, cancelled, n, own.get === Object.getOwnPropertyDescriptor(new Event("b"), "isTrusted").get];
    "#);
    assert_eq!(
        out,
        r#"[["capture","capture-bool","bubble"],false,true,true,1,true]"#
    );
}

#[test]
fn random_values_and_uuids() {
    let out = js(r#"
        const a = crypto.getRandomValues(new Uint32Array(4));
        const u = crypto.randomUUID();
        return [a.length, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u), navigator.userAgent];
    "#);
    assert_eq!(out, r#"[4,true,"Cloudflare-Workers"]"#);
    assert!(
        js_err("crypto.getRandomValues(new Uint8Array(65537))").starts_with("QuotaExceededError")
    );
    assert!(js_err("crypto.getRandomValues(new Float32Array(1))").starts_with("TypeMismatchError"));
}

#[test]
fn lazily_loaded_globals_behave_like_plain_globals() {
    // Before first use: present, non-enumerable, replaced by the real class on first read.
    let out = js(r#"
        const before = Object.getOwnPropertyDescriptor(globalThis, "ReadableStream");
        const present = ["ReadableStream" in globalThis, Object.keys(globalThis).includes("ReadableStream")];
        const t = typeof ReadableStream;
        const after = Object.getOwnPropertyDescriptor(globalThis, "ReadableStream");
        return [present, typeof before.get, t, typeof after.value, after.writable, after.enumerable,
                ReadableStream === globalThis.ReadableStream, typeof TransformStream, typeof AbortController,
                typeof crypto.DigestStream === "undefined" || typeof crypto.DigestStream === "function"];
    "#);
    assert_eq!(
        out,
        r#"[[true,false],"function","function","function",true,false,true,"function","function",true]"#
    );
    // A guest may replace a lazy global before it was ever loaded.
    let out = js(r#"
        globalThis.URLPattern = 42;
        WebSocketPair = "mine";
        return [URLPattern, WebSocketPair, typeof WebSocket, new Response("x").body instanceof ReadableStream];
    "#);
    assert_eq!(out, r#"[42,"mine","function",true]"#);
}

#[test]
fn headers_copy_from_headers_records_and_pairs_without_leaving_exceptions() {
    let out = js(r#"
        const a = new Headers({"X-A": "1", "set-cookie": "s=1"});
        const copy = new Headers(a);
        copy.set("x-a", "2");
        const pairs = new Headers([["b", "2"], ["B", "3"]]);
        const fromMap = new Headers(new Map([["c", "4"]]));
        return [a.get("x-a"), copy.get("x-a"), copy.getSetCookie(), pairs.get("b"), fromMap.get("c"),
                [...new Headers({})].length];
    "#);
    assert_eq!(out, r#"["1","2",["s=1"],"2, 3","4",0]"#);
}

#[test]
fn lazy_globals_respect_guest_changes_made_before_first_use() {
    // Replaced or deleted before the file loaded: the guest's choice stays.
    let out = js(r#"
        const mine = function URL() {};
        Object.defineProperty(globalThis, "URL", { value: mine, writable: true, configurable: true });
        delete globalThis.WebSocketPair;
        const r = new Request("https://example.com/a?b=1");
        return [URL === mine, r.url, "WebSocketPair" in globalThis, typeof WebSocket];
    "#);
    assert_eq!(
        out,
        r#"[true,"https://example.com/a?b=1",false,"function"]"#
    );
    // A frozen globalThis still gets working lazily loaded classes.
    let out = js(r#"
        Object.freeze(globalThis);
        return [new URL("https://example.com/x/y").pathname, typeof ReadableStream,
                new Blob(["ab"]).size];
    "#);
    assert_eq!(out, r#"["/x/y","function",2]"#);
    // A guest Promise subclass put on globalThis first is not what streams construct.
    let out = js(r#"
        let made = 0;
        globalThis.Promise = class extends Promise { constructor(f) { super(f); made++; } };
        const reader = new Response("x").body.getReader();
        reader.read();
        return made;
    "#);
    assert_eq!(out, "0");
}

#[test]
fn a_lazy_load_that_fails_is_retried_on_next_use() {
    // Touching a lazy global at the bottom of the stack makes its load overflow; the frames
    // above retry until one has room. Afterwards the classes work.
    let out = js(r#"
        let failures = 0;
        function deep() {
          try { return deep(); } catch (e) {
            try { return typeof ReadableStream; } catch (e2) { failures++; throw e2; }
          }
        }
        const t = deep();
        let b; try { b = new Response("x").body instanceof ReadableStream; } catch (e) { b = String(e); }
        let b2; try { b2 = new Response("y").body instanceof ReadableStream; } catch (e) { b2 = String(e); }
        return [t, typeof ReadableStream, b, b2, failures > 0];
    "#);
    assert_eq!(out, r#"["function","function",true,true,true]"#);
}
