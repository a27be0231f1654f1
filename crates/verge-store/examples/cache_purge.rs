//! Measures a purge by tag of 10,000 cached objects (issue 17's target: under 100 ms) on the
//! store a deployment uses (the memory tier over `.verge/cache`), and what the memory tier
//! holds under a working set larger than its bound. Measurement only.
//!
//! `cargo run --release -p verge-store --example cache_purge`

use std::sync::Arc;
use std::time::Instant;

use verge_store::cache::memory::MemoryCacheStore;
use verge_store::cache::tiered::TieredCacheStore;
use verge_store::cache::{CacheKey, CacheMeta, CacheStore, Purge};
use verge_store::sqlite::SqliteCacheStore;

fn meta(tags: Vec<String>) -> CacheMeta {
    CacheMeta {
        status: 200,
        headers: vec![("content-type".into(), "text/plain".into())],
        tags,
        fresh_until_ms: u64::MAX / 2,
        keep_until_ms: u64::MAX / 2,
        ..CacheMeta::default()
    }
}

fn main() {
    let dir = std::env::temp_dir().join(format!("verge-cache-purge-{}", std::process::id()));
    let disk = Arc::new(SqliteCacheStore::open(&dir, 4 << 30).expect("open the disk tier"));
    let memory_bound = 64 << 20;
    let memory = MemoryCacheStore::new(memory_bound, 4 << 20);
    let store = TieredCacheStore::new(memory.clone(), disk.clone());
    let body = vec![b'x'; 1024];
    let n = 10_000;
    let started = Instant::now();
    for i in 0..n {
        let key = CacheKey::new("default", format!("https://bench.test/item/{i}"), "");
        store
            .insert(
                key,
                meta(vec!["product".into(), format!("item-{i}")]),
                &body,
            )
            .expect("insert");
    }
    println!("inserted {n} objects of 1 KiB in {:?}", started.elapsed());
    let by_tag = Purge::Tags(vec!["product".into()]);
    let started = Instant::now();
    let in_memory = memory.purge(&by_tag).expect("purge memory");
    let memory_took = started.elapsed();
    let on_disk = disk.purge(&by_tag).expect("purge disk");
    println!(
        "purged {on_disk} objects by one tag in {:?} (memory tier: {in_memory} in {memory_took:?})",
        started.elapsed()
    );
    assert_eq!(on_disk, n, "every object carried the tag");
    assert_eq!(store.purge(&by_tag).expect("purge again"), 0);

    // A working set of 1 GiB through a 64 MiB memory tier: what the memory tier holds.
    let memory = MemoryCacheStore::new(memory_bound, 4 << 20);
    let big = vec![b'y'; 1 << 20];
    for i in 0..1024 {
        let key = CacheKey::new("default", format!("https://bench.test/big/{i}"), "");
        memory.insert(key, meta(Vec::new()), &big).expect("insert");
    }
    let usage = memory.usage().expect("usage");
    println!(
        "memory tier after a 1 GiB working set: {} entries, {} bytes (bound {memory_bound})",
        usage.entries, usage.bytes
    );
    assert!(
        usage.bytes <= memory_bound,
        "the memory tier stays within its bound"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
