//! The alarm scheduler: fires each object's alarm from the worker's [`AlarmIndex`], once, and
//! retries a failing `alarm()` with exponential backoff (Workers: up to 6 retries, from 2 s).
//!
//! The index is the scheduler's record. While an alarm runs its entry is parked at
//! [`RUNNING`] so no other pass fires it; when the handler fails and the object did not set a
//! new alarm meanwhile, the entry becomes the retry (time and retry count), so a retry in
//! progress survives a restart.

use std::sync::{Arc, Weak};
use std::time::Duration;

use verge_store::durable::AlarmEntry;
use verge_web::invoke::Event;

use crate::limits::{ALARM_RETRY_BASE, MAX_ALARM_RETRIES};
use crate::runtime::DurableRuntime;

/// The index time of an alarm whose handler is running.
pub const RUNNING: i64 = i64::MAX;

/// When retry `n` (1-based) of a failed alarm is due, `now` being when the failure was seen.
pub fn retry_time(now: i64, n: u32) -> i64 {
    let delay = ALARM_RETRY_BASE.as_millis() as i64;
    now.saturating_add(delay.saturating_mul(1i64 << n.saturating_sub(1).min(30)))
}

/// Runs the scheduler of `weak` until the runtime is dropped. Spawn it on any tokio runtime.
pub async fn run(weak: Weak<DurableRuntime>) {
    loop {
        let Some(rt) = weak.upgrade() else { return };
        let now = rt.now_ms();
        let (due, next) = match rt.alarms.due(now) {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(worker = %rt.worker(), "alarm index: {e}");
                (Vec::new(), None)
            }
        };
        for entry in due {
            fire(&rt, entry);
        }
        let wait = next
            .map(|t| Duration::from_millis((t - rt.now_ms()).clamp(1, 1000) as u64))
            .unwrap_or(Duration::from_secs(1));
        // Holding `rt` for at most a second: once the version is replaced it drops here.
        let wake = rt.alarm_wake.notified();
        tokio::select! {
            _ = wake => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

fn fire(rt: &Arc<DurableRuntime>, entry: AlarmEntry) {
    let Some(ns) = rt
        .namespaces
        .iter()
        .position(|n| n.config.storage_class == entry.class)
    else {
        // A class this worker no longer binds (deleted by a migration): nothing can run it.
        let _ = rt.alarms.set(&entry.class, &entry.id, None, None, 0);
        return;
    };
    if let Err(e) = rt.alarms.set(
        &entry.class,
        &entry.id,
        entry.name.as_deref(),
        Some(RUNNING),
        entry.retry,
    ) {
        tracing::error!(worker = %rt.worker(), "alarm index: {e}");
        return;
    }
    let rt = rt.clone();
    tokio::spawn(async move {
        let r = rt
            .call(
                ns,
                entry.id.clone(),
                entry.name.clone(),
                Event::Alarm {
                    retry_count: entry.retry,
                },
            )
            .await;
        let index = &rt.alarms;
        // The handler's own commits (the alarm's deletion, a new setAlarm) are durable before
        // the call returns, success or failure: the entry now says what the object did.
        let current = index.get(&entry.class, &entry.id).ok().flatten();
        let untouched = current.as_ref().is_none_or(|c| c.time == RUNNING);
        match r {
            Ok(_) => {
                let _ = index.clear_if(&entry.class, &entry.id, RUNNING);
            }
            Err(e) if untouched && entry.retry < MAX_ALARM_RETRIES => {
                let n = entry.retry + 1;
                let at = retry_time(rt.now_ms(), n);
                tracing::warn!(object = %entry.id, retry = n, "alarm() failed, retrying in {} ms: {e}", at - rt.now_ms());
                if let Err(e) =
                    index.set(&entry.class, &entry.id, entry.name.as_deref(), Some(at), n)
                {
                    tracing::error!(worker = %rt.worker(), "alarm index: {e}");
                }
                rt.alarm_wake.notify_one();
            }
            Err(e) if untouched => {
                tracing::error!(object = %entry.id, "alarm() failed {} times, giving up: {e}", MAX_ALARM_RETRIES + 1);
                let _ = index.clear_if(&entry.class, &entry.id, RUNNING);
            }
            Err(e) => {
                tracing::warn!(object = %entry.id, "alarm() failed after setting a new alarm; the new alarm stands: {e}");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_from_two_seconds() {
        assert_eq!(retry_time(0, 1), 2_000);
        assert_eq!(retry_time(0, 2), 4_000);
        assert_eq!(retry_time(1_000, 6), 1_000 + 64_000);
        assert_eq!(retry_time(i64::MAX - 1, 3), i64::MAX);
    }
}
