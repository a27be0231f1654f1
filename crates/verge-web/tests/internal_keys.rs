//! `js/internal.d.ts` documents every key of the hidden `internal` object: each key the
//! platform's sources define or read is listed there, and each listed key still exists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/")
        .to_path_buf()
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return; // a crate without js/
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            if p.file_name()
                .is_some_and(|n| n == "target" || n == "node_modules")
            {
                continue;
            }
            files(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// Identifiers following `prefix` in `text` (e.g. `internal.` → `serve`).
fn names_after(text: &str, prefix: &str) -> Vec<String> {
    text.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = &text[i + prefix.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// Every key the sources use: `internal.X` in platform JS, `internal.set("X"` /
/// `.get("X")` on an `internal` object in Rust, and LAZY_FILES' `internal_keys`.
fn used_keys() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut js = Vec::new();
    let mut rs = Vec::new();
    for krate in std::fs::read_dir(crates_dir()).expect("crates").flatten() {
        let p = krate.path();
        files(&p.join("js"), "js", &mut js);
        files(&p.join("src"), "rs", &mut rs);
    }
    for f in js {
        let text = std::fs::read_to_string(&f).expect("read");
        keys.extend(names_after(&text, "internal."));
    }
    for f in rs {
        let text = std::fs::read_to_string(&f).expect("read");
        // Rust reaches `internal` as `internal`, `iso.internal(&ctx)?` or similar.
        for line in text.lines() {
            if !line.contains("internal") && !line.trim_start().starts_with('"') {
                continue;
            }
            for prefix in ["internal.set(\"", "internal.get(\"", ")?.get(\""] {
                if line.contains(prefix) && (prefix != ")?.get(\"" || line.contains("internal(")) {
                    keys.extend(names_after(line, prefix));
                }
            }
        }
        // `internal.set(` with the name on the next line (rustfmt's shape).
        let compact: String = text.split_whitespace().collect();
        keys.extend(names_after(&compact, "internal.set(\""));
        keys.extend(names_after(&compact, "internal.get(\""));
        if f.ends_with("verge-web/src/lib.rs") {
            for (i, _) in text.match_indices("internal_keys: &[") {
                let list = &text[i..i + text[i..].find(']').expect("]")];
                for part in list.split('"').skip(1).step_by(2) {
                    keys.insert(part.to_string());
                }
            }
        }
    }
    keys
}

fn documented_keys() -> BTreeSet<String> {
    let text = std::fs::read_to_string(crates_dir().join("verge-web/js/internal.d.ts"))
        .expect("internal.d.ts");
    let body = &text[text.find("declare namespace internal").expect("namespace")..];
    let mut keys = BTreeSet::new();
    for line in body.lines() {
        let t = line.trim_start();
        for kw in ["function ", "const "] {
            if let Some(rest) = t.strip_prefix(kw) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                keys.insert(name);
            }
        }
    }
    keys
}

#[test]
fn every_internal_key_is_documented_and_every_documented_key_exists() {
    let used = used_keys();
    let documented = documented_keys();
    let missing: Vec<_> = used.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "internal keys used but not in js/internal.d.ts: {missing:?}"
    );
    let stale: Vec<_> = documented.difference(&used).collect();
    assert!(
        stale.is_empty(),
        "keys in js/internal.d.ts that nothing defines or uses: {stale:?}"
    );
}
