//! `verge cache`: the edge cache of a project from the command line (same state as `verge dev`:
//! a running `verge dev` applies the purge to its memory tier within a second), and the cache
//! flags of `verge dev`.

use anyhow::{Context as _, bail};
use verge_store::cache::{CacheStore, Purge};

use super::ProjectArgs;

/// The environment variable whose value turns on `verge dev`'s admin purge endpoint
/// (`POST /__verge/cache/purge` with `Authorization: Bearer <token>`).
pub const PURGE_TOKEN_ENV: &str = "VERGE_CACHE_PURGE_TOKEN";

/// The cache's size flags of `verge dev`.
#[derive(clap::Args, Debug, Clone)]
pub struct CacheArgs {
    /// Memory the edge cache's memory tier may hold, in MiB.
    #[arg(long, default_value_t = 64)]
    pub cache_memory_mb: u64,
    /// Disk the edge cache may use under `.verge/cache`, in MiB.
    #[arg(long, default_value_t = 1024)]
    pub cache_disk_mb: u64,
}

impl CacheArgs {
    /// The limits for the store.
    pub fn limits(&self) -> verge_store::sqlite::CacheLimits {
        let memory = self.cache_memory_mb.saturating_mul(1 << 20);
        verge_store::sqlite::CacheLimits {
            memory_bytes: memory,
            // A body larger than a sixteenth of the memory tier is served from disk.
            memory_object_bytes: (memory / 16).clamp(64 << 10, 16 << 20),
            disk_bytes: self.cache_disk_mb.saturating_mul(1 << 20),
        }
    }
}

/// `verge cache …` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum CacheCommand {
    /// Remove cached responses: by tag (Cache-Tag, case-insensitive), URL, `host/path`
    /// prefix, host, or everything. Options may be repeated and combined.
    Purge {
        /// A tag.
        #[arg(long = "tag")]
        tags: Vec<String>,
        /// A URL (or custom cache key), every variant.
        #[arg(long = "url")]
        urls: Vec<String>,
        /// A `host/path` prefix: the path and what is under it.
        #[arg(long = "prefix")]
        prefixes: Vec<String>,
        /// A host.
        #[arg(long = "host")]
        hosts: Vec<String>,
        /// Everything.
        #[arg(long)]
        everything: bool,
    },
}

/// Runs `verge cache`.
pub fn run(command: CacheCommand, project: &ProjectArgs) -> anyhow::Result<()> {
    match command {
        CacheCommand::Purge {
            tags,
            urls,
            prefixes,
            hosts,
            everything,
        } => {
            let mut purges = Vec::new();
            if everything {
                purges.push(Purge::Everything);
            }
            for (list, make) in [
                (tags, Purge::Tags as fn(Vec<String>) -> Purge),
                (urls, Purge::Urls),
                (prefixes, Purge::Prefixes),
                (hosts, Purge::Hosts),
            ] {
                if !list.is_empty() {
                    purges.push(make(list));
                }
            }
            if purges.is_empty() {
                bail!(
                    "verge cache purge: name what to purge (--tag, --url, --prefix, --host or --everything)"
                );
            }
            let state = project.state_dir();
            let store = verge_store::sqlite::SqliteBackends::new(&state)
                .and_then(|b| b.cache_disk())
                .with_context(|| format!("opening the cache in {}", state.display()))?;
            let mut total = 0;
            for p in &purges {
                total += store
                    .purge(p)
                    .with_context(|| format!("purging the cache in {}", state.display()))?;
            }
            println!("purged {total} cached response(s)");
            Ok(())
        }
    }
}
