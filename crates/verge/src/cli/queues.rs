//! `verge queues`: the queues of a project from the command line (same state as `verge dev`),
//! modeled on `wrangler queues list` and `wrangler queues purge`.

use std::collections::BTreeMap;

use anyhow::{Context as _, bail};
use verge_store::{QueueBackend, QueueBacklog};

use super::ProjectArgs;

/// `verge queues …` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum QueuesCommand {
    /// List the project's queues (configured, or holding messages) with their backlogs.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Delete every message of a queue.
    Purge {
        /// The queue's name.
        name: String,
    },
}

/// What is known of one queue.
#[derive(Default)]
struct QueueRow {
    backlog: QueueBacklog,
    producers: Vec<String>,
    consumer: bool,
    dead_letter_for: Vec<String>,
}

/// Runs `verge queues`.
pub fn run(command: QueuesCommand, project: &ProjectArgs) -> anyhow::Result<()> {
    let loaded = project.load()?;
    let state = project.state_dir();
    let store = verge_store::sqlite::SqliteQueueStore::open_in(&state)
        .with_context(|| format!("opening the queues in {}", state.display()))?;
    let mut rows: BTreeMap<String, QueueRow> = BTreeMap::new();
    let queues = &loaded.config.queues;
    for p in &queues.producers {
        rows.entry(p.queue.clone())
            .or_default()
            .producers
            .push(p.binding.clone());
    }
    for c in &queues.consumers {
        rows.entry(c.queue.clone()).or_default().consumer |=
            c.kind == verge_config::ConsumerKind::Worker;
        if let Some(dlq) = &c.dead_letter_queue {
            rows.entry(dlq.clone())
                .or_default()
                .dead_letter_for
                .push(c.queue.clone());
        }
    }
    let held = store
        .list()
        .with_context(|| format!("listing the queues in {}", state.display()))?;
    for (name, backlog) in held {
        rows.entry(name).or_default().backlog = backlog;
    }
    match command {
        QueuesCommand::List { json } => {
            if json {
                let list: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|(name, r)| {
                        serde_json::json!({
                            "name": name,
                            "backlog_count": r.backlog.count,
                            "backlog_bytes": r.backlog.bytes,
                            "oldest_message_timestamp": r.backlog.oldest_timestamp_ms,
                            "producers": r.producers,
                            "consumer": r.consumer,
                            "dead_letter_queue_for": r.dead_letter_for,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if rows.is_empty() {
                println!(
                    "No queues: {} configures none and none holds messages.",
                    loaded.path.display()
                );
                return Ok(());
            }
            let width = rows.keys().map(String::len).max().unwrap_or(0).max(5);
            println!(
                "{:<width$}  {:>8}  {:>10}  PRODUCERS / CONSUMER",
                "QUEUE", "MESSAGES", "BYTES"
            );
            for (name, r) in &rows {
                let mut roles: Vec<String> =
                    r.producers.iter().map(|b| format!("env.{b}")).collect();
                if r.consumer {
                    roles.push("consumer".into());
                }
                for q in &r.dead_letter_for {
                    roles.push(format!("dead-letter queue of {q}"));
                }
                println!(
                    "{name:<width$}  {:>8}  {:>10}  {}",
                    r.backlog.count,
                    r.backlog.bytes,
                    if roles.is_empty() {
                        "-".to_string()
                    } else {
                        roles.join(", ")
                    }
                );
            }
            Ok(())
        }
        QueuesCommand::Purge { name } => {
            if !rows.contains_key(&name) {
                let known: Vec<&str> = rows.keys().map(String::as_str).collect();
                if known.is_empty() {
                    bail!(
                        "no queue {name:?}: {} configures no queues and none holds messages",
                        loaded.path.display()
                    );
                }
                bail!(
                    "no queue {name:?} in {} or its state; known queues: {}",
                    loaded.path.display(),
                    known.join(", ")
                );
            }
            let n = store
                .purge(&name)
                .with_context(|| format!("purging queue {name:?} in {}", state.display()))?;
            println!("Purged {n} message(s) from queue {name}.");
            Ok(())
        }
    }
}
