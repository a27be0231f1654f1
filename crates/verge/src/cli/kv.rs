//! `verge kv …`: local KV state, modeled on `wrangler kv`.
//!
//! Works on the same files `verge dev` uses (`<state dir>/kv.sqlite`), through the KV core,
//! so every limit and message is the one a worker sees.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use verge_kv::{KvGetOptions, KvListOptions, KvNamespace, KvPutOptions};
use verge_store::sqlite::SqliteKvStore;

use super::ProjectArgs;

/// `verge kv …`
#[derive(clap::Subcommand, Debug)]
pub enum KvCommand {
    /// Read and write single keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Write or delete many keys from a JSON file.
    #[command(subcommand)]
    Bulk(BulkCommand),
}

/// `verge kv key …`
#[derive(clap::Subcommand, Debug)]
pub enum KeyCommand {
    /// Write a value to a key.
    Put {
        /// The key.
        key: String,
        /// The value (or use --path).
        #[arg(required_unless_present = "path", conflicts_with = "path")]
        value: Option<String>,
        /// The KV binding (as in the config's `kv_namespaces`).
        #[arg(long)]
        binding: String,
        /// Read the value from this file.
        #[arg(long)]
        path: Option<PathBuf>,
        /// Seconds until the key expires (at least 60).
        #[arg(long)]
        ttl: Option<u64>,
        /// Absolute expiry, seconds since the UNIX epoch.
        #[arg(long)]
        expiration: Option<u64>,
        /// Metadata, as JSON.
        #[arg(long)]
        metadata: Option<String>,
    },
    /// Print a key's value to stdout (raw bytes).
    Get {
        /// The key.
        key: String,
        /// The KV binding.
        #[arg(long)]
        binding: String,
        /// Decode the value as UTF-8 text (invalid bytes become U+FFFD).
        #[arg(long)]
        text: bool,
    },
    /// List keys as JSON.
    List {
        /// The KV binding.
        #[arg(long)]
        binding: String,
        /// Only keys starting with this.
        #[arg(long)]
        prefix: Option<String>,
    },
    /// Delete a key.
    Delete {
        /// The key.
        key: String,
        /// The KV binding.
        #[arg(long)]
        binding: String,
    },
}

/// `verge kv bulk …`
#[derive(clap::Subcommand, Debug)]
pub enum BulkCommand {
    /// Write keys from a JSON array of `{key, value, expiration?, expiration_ttl?, metadata?, base64?}`.
    Put {
        /// The JSON file.
        file: PathBuf,
        /// The KV binding.
        #[arg(long)]
        binding: String,
    },
    /// Delete keys from a JSON array of key names (or of objects with `key` / `name`).
    Delete {
        /// The JSON file.
        file: PathBuf,
        /// The KV binding.
        #[arg(long)]
        binding: String,
        /// Accepted for wrangler compatibility; verge never prompts.
        #[arg(long, short = 'f')]
        force: bool,
    },
}

/// Runs `verge kv …`.
pub fn run(cmd: KvCommand, project: &ProjectArgs) -> anyhow::Result<()> {
    match cmd {
        KvCommand::Key(KeyCommand::Put {
            key,
            value,
            binding,
            path,
            ttl,
            expiration,
            metadata,
        }) => {
            let kv = open(project, &binding)?;
            let bytes = match (&path, value) {
                (Some(path), _) => {
                    std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
                }
                (None, Some(value)) => value.into_bytes(),
                (None, None) => bail!("give a VALUE or --path FILE"),
            };
            let metadata = metadata
                .map(|m| serde_json::from_str(&m).context("--metadata is not valid JSON"))
                .transpose()?;
            let options = KvPutOptions {
                expiration: expiration.map(secs),
                expiration_ttl: ttl.map(secs),
                metadata,
            };
            let shown = match &path {
                Some(p) => format!("the contents of {}", p.display()),
                None => format!("the value {:?}", String::from_utf8_lossy(&bytes)),
            };
            kv.put(&key, bytes, &options)
                .with_context(|| format!("writing key {key:?} of binding {binding}"))?;
            println!(
                "Writing {shown} to key {key:?} on namespace {}.",
                kv.namespace()
            );
        }
        KvCommand::Key(KeyCommand::Get { key, binding, text }) => {
            let kv = open(project, &binding)?;
            let value = kv
                .get(&key, &KvGetOptions::default())
                .with_context(|| format!("reading key {key:?} of binding {binding}"))?;
            match value {
                None => eprintln!("Value not found"),
                Some(bytes) => {
                    let mut out = std::io::stdout().lock();
                    if text {
                        out.write_all(String::from_utf8_lossy(&bytes).as_bytes())?;
                        out.write_all(b"\n")?;
                    } else {
                        out.write_all(&bytes)?;
                    }
                    out.flush()?;
                }
            }
        }
        KvCommand::Key(KeyCommand::List { binding, prefix }) => {
            let kv = open(project, &binding)?;
            let mut keys = Vec::new();
            let mut cursor = None;
            loop {
                let page = kv
                    .list(&KvListOptions {
                        prefix: prefix.clone(),
                        limit: None,
                        cursor: cursor.take(),
                    })
                    .with_context(|| format!("listing binding {binding}"))?;
                for k in page.keys {
                    let mut obj = serde_json::Map::new();
                    obj.insert("name".into(), k.name.into());
                    if let Some(exp) = k.expiration {
                        obj.insert("expiration".into(), exp.into());
                    }
                    if let Some(meta) = k.metadata {
                        obj.insert("metadata".into(), meta);
                    }
                    keys.push(serde_json::Value::Object(obj));
                }
                if page.list_complete {
                    break;
                }
                cursor = page.cursor;
                if cursor.is_none() {
                    break;
                }
            }
            println!("{}", serde_json::to_string_pretty(&keys)?);
        }
        KvCommand::Key(KeyCommand::Delete { key, binding }) => {
            let kv = open(project, &binding)?;
            kv.delete(&key)
                .with_context(|| format!("deleting key {key:?} of binding {binding}"))?;
            println!("Deleting the key {key:?} on namespace {}.", kv.namespace());
        }
        KvCommand::Bulk(BulkCommand::Put { file, binding }) => {
            let kv = open(project, &binding)?;
            let entries = read_json_array(&file)?;
            let mut parsed = Vec::with_capacity(entries.len());
            for (i, entry) in entries.into_iter().enumerate() {
                parsed.push(
                    bulk_entry(entry).with_context(|| format!("{}: entry {i}", file.display()))?,
                );
            }
            let n = parsed.len();
            for (i, (key, value, options)) in parsed.into_iter().enumerate() {
                kv.put(&key, value, &options)
                    .with_context(|| format!("{}: entry {i} (key {key:?})", file.display()))?;
            }
            println!(
                "Success! Wrote {n} key-value pairs to namespace {}.",
                kv.namespace()
            );
        }
        KvCommand::Bulk(BulkCommand::Delete {
            file,
            binding,
            force: _,
        }) => {
            let kv = open(project, &binding)?;
            let entries = read_json_array(&file)?;
            let mut keys = Vec::with_capacity(entries.len());
            for (i, entry) in entries.into_iter().enumerate() {
                let key = match entry {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Object(mut o) => {
                        match o.remove("key").or_else(|| o.remove("name")) {
                            Some(serde_json::Value::String(s)) => s,
                            _ => bail!(
                                "{}: entry {i}: expected a string `key` (or `name`)",
                                file.display()
                            ),
                        }
                    }
                    _ => bail!(
                        "{}: entry {i}: expected a key name (string)",
                        file.display()
                    ),
                };
                keys.push(key);
            }
            for (i, key) in keys.iter().enumerate() {
                kv.delete(key)
                    .with_context(|| format!("{}: entry {i} (key {key:?})", file.display()))?;
            }
            println!(
                "Success! Deleted {} keys from namespace {}.",
                keys.len(),
                kv.namespace()
            );
        }
    }
    Ok(())
}

#[allow(clippy::cast_precision_loss, reason = "CLI seconds are far below 2^53")]
fn secs(n: u64) -> f64 {
    n as f64
}

/// The namespace behind `binding`, over the project's local state.
fn open(project: &ProjectArgs, binding: &str) -> anyhow::Result<KvNamespace> {
    let loaded = project.load()?;
    let configured = &loaded.config.kv_namespaces;
    let Some(ns) = configured.iter().find(|ns| ns.binding == binding) else {
        let names: Vec<&str> = configured.iter().map(|ns| ns.binding.as_str()).collect();
        if names.is_empty() {
            bail!(
                "no KV namespace binding {binding:?} in {}: it configures no kv_namespaces",
                loaded.path.display()
            );
        }
        bail!(
            "no KV namespace binding {binding:?} in {}; configured kv_namespaces bindings: {}",
            loaded.path.display(),
            names.join(", ")
        );
    };
    let state = project.state_dir();
    let store = SqliteKvStore::open_in(&state)
        .with_context(|| format!("opening the KV store in {}", state.display()))?;
    Ok(KvNamespace::new(
        Arc::new(store),
        ns.id.clone(),
        verge_store::clock_from_env(),
    ))
}

fn read_json_array(file: &Path) -> anyhow::Result<Vec<serde_json::Value>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not valid JSON", file.display()))?;
    match value {
        serde_json::Value::Array(items) => Ok(items),
        _ => bail!("{}: expected a JSON array", file.display()),
    }
}

/// One wrangler bulk-put entry: `{key, value, expiration?, expiration_ttl?, metadata?, base64?}`.
fn bulk_entry(entry: serde_json::Value) -> anyhow::Result<(String, Vec<u8>, KvPutOptions)> {
    let serde_json::Value::Object(mut o) = entry else {
        bail!("expected an object with `key` and `value`");
    };
    let Some(serde_json::Value::String(key)) = o.remove("key") else {
        bail!("field `key`: expected a string");
    };
    let Some(serde_json::Value::String(value)) = o.remove("value") else {
        bail!("field `value`: expected a string");
    };
    let base64 = match o.remove("base64") {
        None | Some(serde_json::Value::Null) => false,
        Some(serde_json::Value::Bool(b)) => b,
        Some(_) => bail!("field `base64`: expected a boolean"),
    };
    let value = if base64 {
        base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .context("field `value`: not valid base64")?
    } else {
        value.into_bytes()
    };
    let number = |o: &mut serde_json::Map<String, serde_json::Value>,
                  field: &str|
     -> anyhow::Result<Option<f64>> {
        match o.remove(field) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::Number(n)) => n
                .as_f64()
                .map(Some)
                .with_context(|| format!("field `{field}`: not a number")),
            Some(_) => bail!("field `{field}`: expected a number"),
        }
    };
    let expiration = number(&mut o, "expiration")?;
    let expiration_ttl = number(&mut o, "expiration_ttl")?;
    let metadata = o.remove("metadata").filter(|m| !m.is_null());
    Ok((
        key,
        value,
        KvPutOptions {
            expiration,
            expiration_ttl,
            metadata,
        },
    ))
}
