//! JS-level tests of `CompressionStream` / `DecompressionStream` (src/compression.rs,
//! js/compression.js). Known-answer bytes come from Node's `zlib` (`gzipSync`, `deflateSync`,
//! `deflateRawSync` of "hello world").

use std::sync::Arc;

use verge_js::testing::run_js;

/// Helpers prepended to every script: pipe chunks through a transform and collect bytes.
const PRELUDE: &str = r#"
    async function collect(readable) {
        const r = readable.getReader(); const parts = []; let n = 0;
        for (;;) { const { value, done } = await r.read(); if (done) break; parts.push(value); n += value.byteLength; }
        const out = new Uint8Array(n); let o = 0;
        for (const p of parts) { out.set(p, o); o += p.byteLength; }
        return out;
    }
    async function through(ts, chunks) {
        const w = ts.writable.getWriter();
        const done = collect(ts.readable);
        for (const c of chunks) w.write(c).catch(() => {});
        w.close().catch(() => {});
        return await done;
    }
    const enc = (s) => new TextEncoder().encode(s);
    const dec = (b) => new TextDecoder().decode(b);
"#;

fn js(script: &str) -> String {
    match run_js(
        vec![Arc::new(crate::WebExtension::new("test"))],
        &format!("{PRELUDE}\n{script}"),
    ) {
        Ok(v) => v,
        Err(e) => panic!("script threw: {e}"),
    }
}

fn js_err(script: &str) -> String {
    match run_js(
        vec![Arc::new(crate::WebExtension::new("test"))],
        &format!("{PRELUDE}\n{script}"),
    ) {
        Ok(v) => panic!("expected a throw, got {v}"),
        Err(e) => format!("{}: {}", e.name, e.message),
    }
}

#[test]
fn every_format_round_trips_through_both_streams() {
    let out = js(r#"
        const text = "hello ".repeat(2000) + "€ done";
        const res = [];
        for (const f of ["gzip", "deflate", "deflate-raw"]) {
            const packed = await through(new CompressionStream(f), [enc(text.slice(0, 5000)), enc(text.slice(5000)).buffer]);
            const unpacked = await through(new DecompressionStream(f), [packed.subarray(0, 10), packed.subarray(10)]);
            res.push([f, packed.length < 200, dec(unpacked) === text]);
        }
        return res;
    "#);
    assert_eq!(
        out,
        r#"[["gzip",true,true],["deflate",true,true],["deflate-raw",true,true]]"#
    );
}

#[test]
fn decompression_reads_bytes_made_by_node_zlib() {
    let out = js(r#"
        const gz = [31,139,8,0,0,0,0,0,0,3,203,72,205,201,201,87,40,207,47,202,73,1,0,133,17,74,13,11,0,0,0];
        const zl = [120,156,203,72,205,201,201,87,40,207,47,202,73,1,0,26,11,4,93];
        const raw = [203,72,205,201,201,87,40,207,47,202,73,1,0];
        const one = async (f, b) => dec(await through(new DecompressionStream(f), b.map((x) => new Uint8Array([x]))));
        return [await one("gzip", gz), await one("deflate", zl), await one("deflate-raw", raw)];
    "#);
    assert_eq!(out, r#"["hello world","hello world","hello world"]"#);
}

#[test]
fn gzip_output_has_the_gzip_header_and_trailer() {
    let out = js(r#"
        const b = await through(new CompressionStream("gzip"), [enc("hello world")]);
        const n = b.length;
        return [b[0], b[1], b[2], b[n - 4], b[n - 3], b[n - 2], b[n - 1]];
    "#);
    // ISIZE (11, little-endian) closes the stream.
    assert_eq!(out, "[31,139,8,11,0,0,0]");
}

#[test]
fn streams_pipe_through_and_expose_readable_and_writable() {
    let out = js(r#"
        const src = new ReadableStream({ start(c) { c.enqueue(enc("piped ")); c.enqueue(enc("text")); c.close(); } });
        const out = src.pipeThrough(new CompressionStream("deflate")).pipeThrough(new DecompressionStream("deflate"));
        const cs = new CompressionStream("gzip");
        return [dec(await collect(out)), cs.readable instanceof ReadableStream, cs.writable instanceof WritableStream,
                Object.prototype.toString.call(cs), typeof DecompressionStream];
    "#);
    assert_eq!(
        out,
        r#"["piped text",true,true,"[object CompressionStream]","function"]"#
    );
}

#[test]
fn unsupported_formats_throw_type_errors() {
    assert_eq!(
        js_err(r#"new CompressionStream("br")"#),
        "TypeError: Failed to construct 'CompressionStream': The compression format must be either 'deflate', 'deflate-raw' or 'gzip', got 'br'."
    );
    assert!(
        js_err(r#"new DecompressionStream("GZIP")"#)
            .starts_with("TypeError: Failed to construct 'DecompressionStream'")
    );
    assert!(
        js_err(r#"new CompressionStream()"#)
            .starts_with("TypeError: Failed to construct 'CompressionStream': 1 argument required")
    );
}

#[test]
fn non_buffer_chunks_error_the_stream_with_a_type_error() {
    let out = js(r#"
        const cs = new CompressionStream("gzip");
        const w = cs.writable.getWriter();
        const r = cs.readable.getReader();
        const read = r.read().then(() => "read ok", (e) => `${e.name}: ${e.message}`);
        const write = await w.write("a string").then(() => "write ok", (e) => `${e.name}: ${e.message}`);
        return [write, await read];
    "#);
    let msg = "TypeError: The chunk must be an ArrayBuffer or ArrayBufferView (BufferSource).";
    assert_eq!(out, format!(r#"["{msg}","{msg}"]"#));
}

#[test]
fn corrupt_input_errors_the_stream_with_a_type_error() {
    let out = js(r#"
        const bad = async (f, chunks) => {
            try { await through(new DecompressionStream(f), chunks); return "no error"; }
            catch (e) { return `${e.constructor.name}: ${e.message}`; }
        };
        const gz = new Uint8Array([31,139,8,0,0,0,0,0,0,3,203,72,205,201,201,87,40,207,47,202,73,1,0,133,17,74,13,11,0,0,0]);
        const flipped = gz.slice(); flipped[24] ^= 0xff;
        const trailing = new Uint8Array([...gz, 1, 2, 3]);
        return [
            await bad("gzip", [new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])]),
            await bad("gzip", [gz.subarray(0, 20)]),
            await bad("gzip", [flipped]),
            await bad("gzip", [trailing]),
            await bad("deflate", [new Uint8Array([0xff, 0xff])]),
            await bad("deflate-raw", []),
        ];
    "#);
    let v: Vec<String> = serde_json::from_str(&out).unwrap();
    assert_eq!(v.len(), 6);
    for m in &v {
        assert!(m.starts_with("TypeError: Decompression failed: "), "{m}");
    }
    assert!(v[1].ends_with("truncated"), "{}", v[1]);
    assert!(v[3].contains("after the end"), "{}", v[3]);
}
