//! Purge requests in Cloudflare's shapes (the body of `POST /zones/{zone}/purge_cache`):
//! `{"files": [url | {"url": …}]}`, `{"tags": […]}`, `{"prefixes": […]}`, `{"hosts": […]}`,
//! `{"purge_everything": true}`; the answers in Cloudflare's envelope; the admin token check;
//! and the cache's background maintenance.

use std::sync::Arc;
use std::time::Duration;

use verge_store::cache::{CacheStore, Purge};

use crate::limits::MAX_PURGE_ITEMS;

/// Parses a purge request body. Errors say what is wrong, for a `400`.
pub fn parse_request(body: &[u8]) -> Result<Vec<Purge>, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let obj = v
        .as_object()
        .ok_or("the body must be a JSON object".to_string())?;
    let mut out = Vec::new();
    let strings = |key: &str, v: &serde_json::Value| -> Result<Vec<String>, String> {
        let arr = v.as_array().ok_or(format!("\"{key}\" must be an array"))?;
        if arr.len() > MAX_PURGE_ITEMS {
            return Err(format!(
                "\"{key}\" has {} items (at most {MAX_PURGE_ITEMS})",
                arr.len()
            ));
        }
        arr.iter()
            .map(|item| match item {
                serde_json::Value::String(s) => Ok(s.clone()),
                // Cloudflare's files may be {"url": …, "headers": {…}}: the URL is the key.
                serde_json::Value::Object(o) if key == "files" => o
                    .get("url")
                    .and_then(|u| u.as_str())
                    .map(str::to_string)
                    .ok_or(format!("an item of \"{key}\" has no \"url\"")),
                _ => Err(format!("\"{key}\" must hold strings")),
            })
            .collect()
    };
    for (key, value) in obj {
        match key.as_str() {
            "purge_everything" => match value.as_bool() {
                Some(true) => out.push(Purge::Everything),
                Some(false) => {}
                None => return Err("\"purge_everything\" must be a boolean".into()),
            },
            "files" => out.push(Purge::Urls(strings(key, value)?)),
            "tags" => out.push(Purge::Tags(strings(key, value)?)),
            "prefixes" => out.push(Purge::Prefixes(strings(key, value)?)),
            "hosts" => out.push(Purge::Hosts(strings(key, value)?)),
            other => return Err(format!("unknown field \"{other}\"")),
        }
    }
    if out.is_empty() {
        return Err(
            "name one of \"files\", \"tags\", \"prefixes\", \"hosts\" or \"purge_everything\""
                .into(),
        );
    }
    Ok(out)
}

/// Cloudflare's success envelope, with how many entries went.
pub fn success(purged: u64) -> String {
    serde_json::json!({
        "success": true,
        "errors": [],
        "messages": [],
        "result": { "id": "verge", "purged": purged },
    })
    .to_string()
}

/// Cloudflare's failure envelope.
pub fn failure(code: u32, message: &str) -> String {
    serde_json::json!({
        "success": false,
        "errors": [{ "code": code, "message": message }],
        "messages": [],
        "result": null,
    })
    .to_string()
}

/// Whether `given` equals `expected`, in time that depends on neither where they first differ
/// nor the expected token's length: both are hashed (SHA-256) and the digests compared with
/// `subtle`'s constant-time equality, so the admin token cannot be guessed byte by byte or
/// measured.
pub fn token_matches(given: &[u8], expected: &[u8]) -> bool {
    use sha2::{Digest as _, Sha256};
    use subtle::ConstantTimeEq as _;
    Sha256::digest(given)
        .ct_eq(&Sha256::digest(expected))
        .into()
}

/// Drops expired entries and applies purges other processes made, forever (a deployment
/// task; correctness never depends on it: lookups never return expired entries).
pub async fn maintain(store: Arc<dyn CacheStore>, clock: Arc<dyn verge_store::Clock>) {
    let mut sync = tokio::time::interval(Duration::from_millis(250));
    sync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ticks = 0u64;
    loop {
        sync.tick().await;
        ticks += 1;
        let store = store.clone();
        let now = clock.now_ms();
        // Purges from the CLI every tick; expiry every minute.
        let sweep = ticks.is_multiple_of(240);
        let r = tokio::task::spawn_blocking(move || {
            let synced = store.sync()?;
            let expired = if sweep { store.evict_expired(now)? } else { 0 };
            Ok::<_, verge_store::StoreError>((synced, expired))
        })
        .await;
        match r {
            Ok(Ok((synced, expired))) if synced + expired > 0 => {
                tracing::debug!(synced, expired, "cache: maintenance")
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("cache: maintenance failed: {e}"),
            Err(e) => tracing::warn!("cache: maintenance task failed: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudflares_purge_shapes_parse() {
        assert_eq!(
            parse_request(
                br#"{"files":["https://a.test/x",{"url":"https://a.test/y","headers":{}}]}"#
            ),
            Ok(vec![Purge::Urls(vec![
                "https://a.test/x".into(),
                "https://a.test/y".into()
            ])])
        );
        assert_eq!(
            parse_request(br#"{"tags":["a","B"]}"#),
            Ok(vec![Purge::Tags(vec!["a".into(), "B".into()])])
        );
        assert_eq!(
            parse_request(br#"{"prefixes":["a.test/x"]}"#),
            Ok(vec![Purge::Prefixes(vec!["a.test/x".into()])])
        );
        assert_eq!(
            parse_request(br#"{"hosts":["a.test"]}"#),
            Ok(vec![Purge::Hosts(vec!["a.test".into()])])
        );
        assert_eq!(
            parse_request(br#"{"purge_everything":true}"#),
            Ok(vec![Purge::Everything])
        );
    }

    #[test]
    fn bad_purges_say_why() {
        assert!(parse_request(b"nope").unwrap_err().contains("not JSON"));
        assert!(parse_request(b"{}").unwrap_err().contains("name one of"));
        assert!(
            parse_request(br#"{"tags":"a"}"#)
                .unwrap_err()
                .contains("array")
        );
        assert!(
            parse_request(br#"{"tags":[1]}"#)
                .unwrap_err()
                .contains("strings")
        );
        assert!(
            parse_request(br#"{"zap":[]}"#)
                .unwrap_err()
                .contains("unknown")
        );
        let many = format!(r#"{{"tags":[{}]}}"#, vec!["\"t\""; 10_001].join(","));
        assert!(
            parse_request(many.as_bytes())
                .unwrap_err()
                .contains("at most")
        );
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(token_matches(b"secret", b"secret"));
        assert!(!token_matches(b"secreT", b"secret"));
        assert!(!token_matches(b"secret-", b"secret"));
        assert!(!token_matches(b"", b"secret"));
    }
}
