//! Cron Triggers: runs a worker version's `scheduled(controller, env, ctx)` at each slot of
//! its `triggers.crons` (UTC, Cloudflare's syntax, parsed by verge-config with saffron),
//! through [`Deployment::invoke`] with [`Event::Scheduled`] — `controller.cron` the expression
//! as written, `controller.scheduledTime` the slot (not the start time).
//!
//! The scheduler is a [`crate::parts::TaskScope::Version`] task: a reload stops it and the new
//! version's starts with the new schedules. It reads time from the deployment's clock (the
//! test clock moves it) and wakes at least once a second. Slots are counted from when the
//! version started: a slot missed while verge was not running is not replayed, as Cloudflare
//! does not replay a trigger that did not fire (README). While it runs, every slot fires once,
//! even when the clock jumps (a suspended machine catches up, at most [`MAX_CATCH_UP`] slots
//! per expression). Runs may overlap, as on Cloudflare. A failed run is logged and not retried
//! (`controller.noRetry()` is accepted and changes nothing), as in `wrangler dev`.

use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use verge_store::Clock;
use verge_web::invoke::Event;

use crate::Deployment;

/// Most past slots of one expression fired at once after the clock jumped forward.
pub const MAX_CATCH_UP: usize = 100;

fn at(ms: u64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms as i64).unwrap_or_default()
}

/// Runs the schedules of worker `worker` from `since` (ms since the epoch: when the version
/// started, read when the task is made rather than when it first runs) until the deployment
/// is dropped (or the task is stopped by a reload).
pub async fn run(
    deployment: Weak<Deployment>,
    worker: usize,
    crons: Vec<(String, saffron::Cron)>,
    clock: Arc<dyn Clock>,
    since: u64,
) {
    let mut last = since;
    loop {
        let now = clock.now_ms();
        if now > last {
            for (expr, cron) in &crons {
                let mut due = Vec::new();
                let mut t = at(last);
                while let Some(next) = cron.next_after(t) {
                    let ms = next.timestamp_millis().max(0) as u64;
                    if ms > now {
                        break;
                    }
                    due.push(ms);
                    t = next;
                }
                if due.len() > MAX_CATCH_UP {
                    tracing::warn!(
                        "cron \"{expr}\": the clock moved past {} slots at once; running the last {MAX_CATCH_UP}",
                        due.len()
                    );
                    due.drain(..due.len() - MAX_CATCH_UP);
                }
                for slot in due {
                    let Some(d) = deployment.upgrade() else {
                        return;
                    };
                    fire(d, worker, expr.clone(), slot);
                }
            }
            last = now;
        }
        let next = crons
            .iter()
            .filter_map(|(_, c)| c.next_after(at(now)))
            .map(|t| t.timestamp_millis().max(0) as u64)
            .min();
        let wait = next
            .map(|t| t.saturating_sub(now).clamp(1, 1000))
            .unwrap_or(1000);
        if deployment.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

fn fire(deployment: Arc<Deployment>, worker: usize, cron: String, slot: u64) {
    tokio::spawn(async move {
        let id = format!("cron-{slot}-{worker}");
        let event = Event::Scheduled {
            cron: cron.clone(),
            scheduled_time: slot as f64,
        };
        match deployment.invoke(worker, event, id.clone()).await {
            Ok(_) => {
                tracing::info!(request = %id, "cron \"{cron}\": scheduled() ran for {}", at(slot).to_rfc3339())
            }
            Err(e) => tracing::error!(request = %id, "cron \"{cron}\": scheduled() failed: {e}"),
        }
    });
}
