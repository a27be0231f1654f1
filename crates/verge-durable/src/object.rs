//! One object's storage semantics, without JS: the write overlay (writes not yet durable),
//! the read cache, commit ordering, list merging and the alarm.
//!
//! Reads and writes are synchronous (values are already serialized by the JS layer): a read
//! hits the overlay, then the cache, then the backend. Because no storage call ever leaves a
//! promise pending across an event-loop turn, no other event can be delivered while a storage
//! operation is in flight — the input gate holds by construction (semantics-notes §A2).
//! Writes go to the overlay at once and are committed in order, one batch per JS turn, by
//! [`ObjectCore::take_batch`] + [`ObjectCore::commit`]; the JS layer holds responses until
//! the commits they follow are durable (the output gate, §A3).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Condvar, Mutex};

use verge_store::StoreError;
use verge_store::durable::{ObjectBatch, ObjectListQuery, ObjectStorage, ObjectWrite};

/// Writes not yet durable: key → (sequence, value or tombstone).
type Overlay = BTreeMap<String, (u64, Option<Vec<u8>>)>;

/// A write batch taken from the overlay, tagged with the overlay sequence it covers.
#[derive(Debug)]
pub struct PendingCommit {
    batch: ObjectBatch,
    up_to: u64,
}

impl PendingCommit {
    /// The alarm change this batch makes, if any.
    pub fn alarm_change(&self) -> Option<Option<i64>> {
        self.batch.alarm
    }
}

/// The storage state of one live object.
pub struct ObjectCore {
    /// The backend; `None` once the object is evicted or reset ([`ObjectCore::close`]).
    storage: RefCell<Option<Arc<dyn ObjectStorage>>>,
    /// Writes not yet known durable: key → (sequence, value or tombstone).
    overlay: RefCell<Overlay>,
    /// Sequence of an uncommitted `deleteAll`, if any.
    delete_all: Cell<Option<u64>>,
    /// Committed values already read.
    cache: RefCell<HashMap<String, Option<Vec<u8>>>>,
    seq: Cell<u64>,
    /// Overlay sequence already taken into a batch.
    taken: Cell<u64>,
    /// Alarm change not yet taken into a batch.
    alarm_pending: Cell<Option<Option<i64>>>,
    /// The alarm as this object sees it (committed or pending).
    alarm_view: Cell<Option<Option<i64>>>,
    sql_writes: Cell<bool>,
    /// Open `transaction()` write sets, by id (`None` once ended).
    txns: RefCell<Vec<Option<TxnLayer>>>,
    /// Commits handed to a blocking thread and not yet finished.
    in_flight: Arc<InFlight>,
}

/// The writes of one open `transaction()`: kept apart from the shared overlay until the
/// transaction ends, so no commit takes them early and a rollback touches nothing but them
/// (other events may run while the transaction awaits I/O; their writes stay).
#[derive(Debug, Default)]
struct TxnLayer {
    writes: BTreeMap<String, Option<Vec<u8>>>,
    alarm: Option<Option<i64>>,
}

/// Counts commits running on blocking threads, so the isolate thread can wait until none is
/// (a SQLite `COMMIT` must never run while `transactionSync` holds a savepoint open).
#[derive(Debug, Default)]
struct InFlight {
    count: Mutex<usize>,
    idle: Condvar,
}

/// Held by a commit while it runs off the isolate thread; dropping it ends the commit.
#[derive(Debug)]
pub struct CommitGuard(Arc<InFlight>);

impl Drop for CommitGuard {
    fn drop(&mut self) {
        let mut n = self.0.count.lock().unwrap_or_else(|e| e.into_inner());
        *n -= 1;
        if *n == 0 {
            self.0.idle.notify_all();
        }
    }
}

impl std::fmt::Debug for ObjectCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectCore")
            .field("seq", &self.seq.get())
            .finish_non_exhaustive()
    }
}

/// A saved overlay, for `transaction` rollback.
#[derive(Debug, Clone)]
pub struct Snapshot {
    overlay: Overlay,
    delete_all: Option<u64>,
    alarm_pending: Option<Option<i64>>,
    alarm_view: Option<Option<i64>>,
}

impl ObjectCore {
    /// The core over `storage`.
    pub fn new(storage: Arc<dyn ObjectStorage>) -> Self {
        ObjectCore {
            storage: RefCell::new(Some(storage)),
            overlay: RefCell::default(),
            delete_all: Cell::new(None),
            cache: RefCell::default(),
            seq: Cell::new(0),
            taken: Cell::new(0),
            alarm_pending: Cell::new(None),
            alarm_view: Cell::new(None),
            sql_writes: Cell::new(false),
            txns: RefCell::default(),
            in_flight: Arc::default(),
        }
    }

    /// Marks a commit as running off the isolate thread until the guard drops.
    pub fn commit_guard(&self) -> CommitGuard {
        *self
            .in_flight
            .count
            .lock()
            .unwrap_or_else(|e| e.into_inner()) += 1;
        CommitGuard(self.in_flight.clone())
    }

    /// Blocks until no commit runs on a blocking thread. Call on the isolate thread before
    /// opening a savepoint: new commits start only between JS turns, so none can begin while
    /// the synchronous `transactionSync` that follows runs.
    pub fn wait_for_commits(&self) {
        let mut n = self
            .in_flight
            .count
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        while *n > 0 {
            n = self
                .in_flight
                .idle
                .wait(n)
                .unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The backend, unless the object was closed.
    pub fn storage(&self) -> Result<Arc<dyn ObjectStorage>, StoreError> {
        self.storage.borrow().clone().ok_or(StoreError::Closed)
    }

    /// Lets go of the backend (the object was evicted or reset): its files close once the
    /// commits already running finish, and every later storage call fails.
    pub fn close(&self) {
        self.storage.borrow_mut().take();
    }

    fn next_seq(&self) -> u64 {
        let s = self.seq.get() + 1;
        self.seq.set(s);
        s
    }

    /// Reads a value.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some((_, v)) = self.overlay.borrow().get(key) {
            return Ok(v.clone());
        }
        if self.delete_all.get().is_some() {
            return Ok(None);
        }
        if let Some(v) = self.cache.borrow().get(key) {
            return Ok(v.clone());
        }
        let v = self.storage()?.kv_get(key)?;
        self.cache.borrow_mut().insert(key.to_string(), v.clone());
        Ok(v)
    }

    /// Writes a value (visible at once; durable after the next commit).
    pub fn put(&self, key: &str, value: Vec<u8>) {
        let s = self.next_seq();
        self.overlay
            .borrow_mut()
            .insert(key.to_string(), (s, Some(value)));
    }

    /// Deletes a key; true when it existed.
    pub fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let existed = self.get(key)?.is_some();
        let s = self.next_seq();
        self.overlay.borrow_mut().insert(key.to_string(), (s, None));
        Ok(existed)
    }

    /// Deletes every key, and drops the SQL API's tables at once (inside the open SQLite
    /// transaction, which the next commit commits): tables created after `deleteAll` stay.
    pub fn delete_all(&self) -> Result<(), StoreError> {
        let err = |e: verge_store::sql::SqlError| StoreError::Sqlite {
            context: "durable deleteAll",
            message: e.message,
        };
        let storage = self.storage()?;
        let tables = storage
            .sql_exec("SELECT name FROM sqlite_master WHERE type = 'table'", &[])
            .map_err(err)?;
        for row in tables.rows {
            let Some(verge_store::SqlValue::Text(t)) = row.first() else {
                continue;
            };
            if t.starts_with("sqlite_") || t.to_ascii_lowercase().starts_with("_cf_") {
                continue;
            }
            storage
                .sql_exec(
                    &format!("DROP TABLE IF EXISTS \"{}\"", t.replace('"', "\"\"")),
                    &[],
                )
                .map_err(err)?;
            self.note_sql_write();
        }
        self.delete_kv_all();
        Ok(())
    }

    fn delete_kv_all(&self) {
        let s = self.next_seq();
        self.overlay.borrow_mut().clear();
        self.cache.borrow_mut().clear();
        self.delete_all.set(Some(s));
    }

    /// Lists keys in range, merging writes that are not yet durable.
    pub fn list(&self, q: &ObjectListQuery) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.list_over(q, None)
    }

    fn list_over(
        &self,
        q: &ObjectListQuery,
        layer: Option<&TxnLayer>,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let overlay = self.overlay.borrow();
        let mut merged: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
        if self.delete_all.get().is_none() {
            // Ask the backend for enough rows that overlay deletions cannot starve the page.
            let extra = overlay.values().filter(|(_, v)| v.is_none()).count()
                + layer.map_or(0, |l| l.writes.values().filter(|v| v.is_none()).count());
            let backend_q = ObjectListQuery {
                limit: q.limit.map(|l| l + extra),
                ..q.clone()
            };
            for (k, v) in self.storage()?.kv_list(&backend_q)? {
                merged.insert(k, Some(v));
            }
        }
        for (k, (_, v)) in overlay.iter() {
            if q.contains(k) {
                merged.insert(k.clone(), v.clone());
            }
        }
        for (k, v) in layer.iter().flat_map(|l| l.writes.iter()) {
            if q.contains(k) {
                merged.insert(k.clone(), v.clone());
            }
        }
        // String order in a BTreeMap is UTF-8 byte order.
        let live = merged.into_iter().filter_map(|(k, v)| v.map(|v| (k, v)));
        let out: Vec<(String, Vec<u8>)> = if q.reverse {
            live.rev().take(q.limit.unwrap_or(usize::MAX)).collect()
        } else {
            live.take(q.limit.unwrap_or(usize::MAX)).collect()
        };
        Ok(out)
    }

    /// Sets (`Some`) or deletes (`None`) the alarm.
    pub fn set_alarm(&self, at: Option<i64>) {
        self.alarm_pending.set(Some(at));
        self.alarm_view.set(Some(at));
    }

    /// The alarm as the object sees it.
    pub fn alarm(&self) -> Result<Option<i64>, StoreError> {
        match self.alarm_view.get() {
            Some(a) => Ok(a),
            None => {
                let a = self.storage()?.alarm()?;
                self.alarm_view.set(Some(a));
                Ok(a)
            }
        }
    }

    /// Records that SQL wrote (so a commit is due).
    pub fn note_sql_write(&self) {
        self.sql_writes.set(true);
    }

    /// True when something awaits a commit.
    pub fn dirty(&self) -> bool {
        self.seq.get() > self.taken.get()
            || self.alarm_pending.get().is_some()
            || self.sql_writes.get()
    }

    /// Takes the writes since the last batch. Commit batches in the order they were taken.
    pub fn take_batch(&self) -> PendingCommit {
        let from = self.taken.get();
        let up_to = self.seq.get();
        self.taken.set(up_to);
        let mut writes = Vec::new();
        if let Some(s) = self.delete_all.get()
            && s > from
        {
            writes.push(ObjectWrite::DeleteAll);
        }
        for (k, (s, v)) in self.overlay.borrow().iter() {
            if *s > from {
                writes.push(match v {
                    Some(v) => ObjectWrite::Put(k.clone(), v.clone()),
                    None => ObjectWrite::Delete(k.clone()),
                });
            }
        }
        self.sql_writes.set(false);
        PendingCommit {
            batch: ObjectBatch {
                writes,
                alarm: self.alarm_pending.take(),
            },
            up_to,
        }
    }

    /// Runs a batch against the backend (blocking: call off the isolate thread).
    pub fn commit(storage: &dyn ObjectStorage, pending: &PendingCommit) -> Result<(), StoreError> {
        storage.commit(&pending.batch)
    }

    /// After a successful commit: the batch's writes become cached committed values.
    pub fn committed(&self, pending: &PendingCommit) {
        let mut overlay = self.overlay.borrow_mut();
        let mut cache = self.cache.borrow_mut();
        if let Some(s) = self.delete_all.get()
            && s <= pending.up_to
        {
            self.delete_all.set(None);
        }
        let done: Vec<String> = overlay
            .iter()
            .filter(|(_, (s, _))| *s <= pending.up_to)
            .map(|(k, _)| k.clone())
            .collect();
        for k in done {
            if let Some((_, v)) = overlay.remove(&k) {
                cache.insert(k, v);
            }
        }
    }

    /// Opens a `transaction()` write set; its writes stay out of the overlay until
    /// [`ObjectCore::txn_end`].
    pub fn txn_begin(&self) -> usize {
        let mut t = self.txns.borrow_mut();
        t.push(Some(TxnLayer::default()));
        t.len() - 1
    }

    fn with_txn<R>(&self, id: usize, f: impl FnOnce(&mut TxnLayer) -> R) -> Option<R> {
        self.txns.borrow_mut().get_mut(id)?.as_mut().map(f)
    }

    /// Reads through transaction `id` (its own writes first). An ended transaction reads
    /// the object's storage.
    pub fn txn_get(&self, id: usize, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        match self.with_txn(id, |l| l.writes.get(key).cloned()).flatten() {
            Some(v) => Ok(v),
            None => self.get(key),
        }
    }

    /// Writes through transaction `id`.
    pub fn txn_put(&self, id: usize, key: &str, value: Vec<u8>) {
        let mut value = Some(value);
        self.with_txn(id, |l| {
            l.writes.insert(key.to_string(), value.take());
        });
        if let Some(v) = value {
            self.put(key, v);
        }
    }

    /// Deletes through transaction `id`; true when the key existed (as the transaction sees it).
    pub fn txn_delete(&self, id: usize, key: &str) -> Result<bool, StoreError> {
        if self.with_txn(id, |_| ()).is_none() {
            return self.delete(key);
        }
        let existed = self.txn_get(id, key)?.is_some();
        self.with_txn(id, |l| l.writes.insert(key.to_string(), None));
        Ok(existed)
    }

    /// Lists through transaction `id`.
    pub fn txn_list(
        &self,
        id: usize,
        q: &ObjectListQuery,
    ) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let txns = self.txns.borrow();
        self.list_over(q, txns.get(id).and_then(Option::as_ref))
    }

    /// The alarm as transaction `id` sees it.
    pub fn txn_alarm(&self, id: usize) -> Result<Option<i64>, StoreError> {
        match self.with_txn(id, |l| l.alarm).flatten() {
            Some(a) => Ok(a),
            None => self.alarm(),
        }
    }

    /// Sets or deletes the alarm through transaction `id`.
    pub fn txn_set_alarm(&self, id: usize, at: Option<i64>) {
        if self.with_txn(id, |l| l.alarm = Some(at)).is_none() {
            self.set_alarm(at);
        }
    }

    /// Discards transaction `id`'s writes so far (`txn.rollback()`); it stays open.
    pub fn txn_rollback(&self, id: usize) {
        self.with_txn(id, |l| *l = TxnLayer::default());
    }

    /// Ends transaction `id`: with `commit`, its writes join the overlay (in one turn, so
    /// one commit covers them all); otherwise they are dropped. Other events' writes are
    /// never touched. Returns true when something was written.
    pub fn txn_end(&self, id: usize, commit: bool) -> bool {
        let layer = {
            let mut t = self.txns.borrow_mut();
            let layer = t.get_mut(id).and_then(Option::take);
            while matches!(t.last(), Some(None)) {
                t.pop();
            }
            layer
        };
        let Some(layer) = layer.filter(|_| commit) else {
            return false;
        };
        let wrote = !layer.writes.is_empty() || layer.alarm.is_some();
        for (k, v) in layer.writes {
            let s = self.next_seq();
            self.overlay.borrow_mut().insert(k, (s, v));
        }
        if let Some(at) = layer.alarm {
            self.set_alarm(at);
        }
        wrote
    }

    /// Saves the overlay (for `transactionSync` rollback: no other event runs meanwhile).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            overlay: self.overlay.borrow().clone(),
            delete_all: self.delete_all.get(),
            alarm_pending: self.alarm_pending.get(),
            alarm_view: self.alarm_view.get(),
        }
    }

    /// Restores a snapshot taken in this turn (no commit may have been taken since: only
    /// the synchronous `transactionSync` uses snapshots).
    pub fn restore(&self, snap: Snapshot) {
        *self.overlay.borrow_mut() = snap.overlay;
        self.delete_all.set(snap.delete_all);
        self.alarm_pending.set(snap.alarm_pending);
        self.alarm_view.set(snap.alarm_view);
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "a test reads /proc to see a thread wait"
)]
mod tests {
    use super::*;
    use verge_store::sqlite::SqliteObjectStore;

    fn core() -> (tempfile::TempDir, ObjectCore) {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteObjectStore::open(&dir.path().join("o.sqlite")).unwrap();
        (dir, ObjectCore::new(Arc::new(s)))
    }

    fn keys(v: Vec<(String, Vec<u8>)>) -> Vec<String> {
        v.into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn reads_see_uncommitted_writes_and_commits_make_them_durable() {
        let (_d, c) = core();
        c.put("a", b"1".to_vec());
        assert_eq!(c.get("a").unwrap(), Some(b"1".to_vec()));
        assert_eq!(c.storage().unwrap().kv_get("a").unwrap(), None);
        let p = c.take_batch();
        ObjectCore::commit(c.storage().unwrap().as_ref(), &p).unwrap();
        c.committed(&p);
        assert_eq!(
            c.storage().unwrap().kv_get("a").unwrap(),
            Some(b"1".to_vec())
        );
        assert!(!c.dirty());
    }

    #[test]
    fn list_merges_pending_puts_and_hides_pending_deletes() {
        let (_d, c) = core();
        for k in ["a", "b", "c"] {
            c.put(k, k.as_bytes().to_vec());
        }
        let p = c.take_batch();
        ObjectCore::commit(c.storage().unwrap().as_ref(), &p).unwrap();
        c.committed(&p);
        assert!(c.delete("b").unwrap());
        assert!(!c.delete("zz").unwrap());
        c.put("é", b"e".to_vec());
        c.put("ab", b"x".to_vec());
        assert_eq!(
            keys(c.list(&ObjectListQuery::default()).unwrap()),
            vec!["a", "ab", "c", "é"]
        );
        let q = ObjectListQuery {
            reverse: true,
            limit: Some(2),
            ..Default::default()
        };
        assert_eq!(keys(c.list(&q).unwrap()), vec!["é", "c"]);
        let q = ObjectListQuery {
            prefix: Some("a".into()),
            ..Default::default()
        };
        assert_eq!(keys(c.list(&q).unwrap()), vec!["a", "ab"]);
    }

    #[test]
    fn delete_all_hides_committed_keys_until_it_commits() {
        let (_d, c) = core();
        c.put("a", b"1".to_vec());
        let p = c.take_batch();
        ObjectCore::commit(c.storage().unwrap().as_ref(), &p).unwrap();
        c.committed(&p);
        c.delete_all().unwrap();
        c.put("b", b"2".to_vec());
        assert_eq!(c.get("a").unwrap(), None);
        assert_eq!(
            keys(c.list(&ObjectListQuery::default()).unwrap()),
            vec!["b"]
        );
        let p = c.take_batch();
        ObjectCore::commit(c.storage().unwrap().as_ref(), &p).unwrap();
        c.committed(&p);
        assert_eq!(c.storage().unwrap().kv_get("a").unwrap(), None);
        assert_eq!(c.get("b").unwrap(), Some(b"2".to_vec()));
    }

    #[test]
    fn rollback_restores_the_overlay() {
        let (_d, c) = core();
        c.put("a", b"1".to_vec());
        let snap = c.snapshot();
        c.put("a", b"2".to_vec());
        c.set_alarm(Some(5));
        c.restore(snap);
        assert_eq!(c.get("a").unwrap(), Some(b"1".to_vec()));
        assert_eq!(c.alarm().unwrap(), None);
    }

    fn commit_all(c: &ObjectCore) {
        let p = c.take_batch();
        ObjectCore::commit(c.storage().unwrap().as_ref(), &p).unwrap();
        c.committed(&p);
    }

    #[test]
    fn transaction_rollback_drops_only_its_own_writes() {
        let (_d, c) = core();
        c.put("old", b"0".to_vec());
        commit_all(&c);
        let t = c.txn_begin();
        c.txn_put(t, "t", b"1".to_vec());
        assert!(c.txn_delete(t, "old").unwrap());
        c.txn_set_alarm(t, Some(9));
        // The transaction reads its own writes; nobody else sees them, and no commit takes them.
        assert_eq!(c.txn_get(t, "t").unwrap(), Some(b"1".to_vec()));
        assert_eq!(c.txn_get(t, "old").unwrap(), None);
        assert_eq!(
            keys(c.txn_list(t, &ObjectListQuery::default()).unwrap()),
            vec!["t"]
        );
        assert_eq!(c.txn_alarm(t).unwrap(), Some(9));
        assert_eq!(c.get("t").unwrap(), None);
        assert!(!c.dirty());
        // Another event writes (and sets the alarm) while the transaction awaits I/O; its
        // write is still only in the overlay when the transaction rolls back.
        c.put("b", b"2".to_vec());
        c.set_alarm(Some(5));
        assert!(!c.txn_end(t, false));
        assert_eq!(
            c.get("b").unwrap(),
            Some(b"2".to_vec()),
            "B's write survives"
        );
        assert_eq!(c.get("t").unwrap(), None);
        assert_eq!(c.get("old").unwrap(), Some(b"0".to_vec()));
        assert_eq!(c.alarm().unwrap(), Some(5), "B's alarm survives");
        commit_all(&c);
        assert_eq!(
            c.storage().unwrap().kv_get("b").unwrap(),
            Some(b"2".to_vec())
        );
        assert_eq!(c.storage().unwrap().kv_get("t").unwrap(), None);
        assert_eq!(c.storage().unwrap().alarm().unwrap(), Some(5));
    }

    #[test]
    fn a_committed_transaction_joins_the_overlay_at_its_end() {
        let (_d, c) = core();
        let t = c.txn_begin();
        c.txn_put(t, "t", b"1".to_vec());
        c.put("b", b"2".to_vec());
        commit_all(&c);
        assert_eq!(
            c.storage().unwrap().kv_get("t").unwrap(),
            None,
            "not committed early"
        );
        c.txn_rollback(t);
        c.txn_put(t, "u", b"3".to_vec());
        assert!(c.txn_end(t, true));
        assert!(c.dirty());
        commit_all(&c);
        assert_eq!(
            c.storage().unwrap().kv_get("t").unwrap(),
            None,
            "rolled back before"
        );
        assert_eq!(
            c.storage().unwrap().kv_get("u").unwrap(),
            Some(b"3".to_vec())
        );
        // An ended transaction's handle reaches the storage itself.
        c.txn_put(t, "late", b"4".to_vec());
        assert_eq!(c.get("late").unwrap(), Some(b"4".to_vec()));
    }

    #[test]
    fn delete_all_drops_sql_tables_at_once_and_keeps_later_ones() {
        let (_d, c) = core();
        let s = c.storage().unwrap();
        s.sql_exec("CREATE TABLE old (x); INSERT INTO old VALUES (1)", &[])
            .unwrap();
        commit_all(&c);
        c.delete_all().unwrap();
        assert!(s.sql_exec("SELECT * FROM old", &[]).is_err(), "dropped now");
        s.sql_exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)", &[])
            .unwrap();
        assert!(c.dirty());
        commit_all(&c);
        assert!(!s.sql_dirty());
        let rows = s.sql_exec("SELECT x FROM t", &[]).unwrap().rows;
        assert_eq!(rows, vec![vec![verge_store::SqlValue::Integer(1)]]);
        assert!(s.sql_exec("SELECT * FROM old", &[]).is_err());
    }

    /// The id of the calling thread (Linux: `/proc/thread-self` links to `PID/task/TID`).
    fn current_tid() -> String {
        let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
        let tid = link.file_name().expect("PID/task/TID");
        tid.to_string_lossy().into_owned()
    }

    /// Waits until thread `tid` of this process sleeps (state `S`: blocked in a wait), with a
    /// generous deadline.
    fn wait_until_sleeping(tid: &str) {
        let path = format!("/proc/self/task/{tid}/stat");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let stat = std::fs::read_to_string(&path).expect("thread stat");
            // `TID (COMM) STATE ...`: the state follows the last ')'.
            let state = stat[stat.rfind(')').expect("comm") + 1..].trim_start();
            if state.starts_with('S') {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "thread never slept: {stat}"
            );
            std::thread::yield_now();
        }
    }

    #[test]
    fn waiting_for_commits_blocks_until_the_running_one_ends() {
        let (_d, c) = core();
        c.wait_for_commits(); // none running: returns at once
        let g = c.commit_guard();
        let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let me = current_tid();
        // The commit ends only once this thread sleeps: inside wait_for_commits if it blocks,
        // or in join() below if it returned at once (then "waited" comes first and the test
        // fails).
        let releaser = {
            let events = events.clone();
            std::thread::spawn(move || {
                wait_until_sleeping(&me);
                events.lock().unwrap().push("released");
                drop(g);
            })
        };
        c.wait_for_commits();
        events.lock().unwrap().push("waited");
        releaser.join().unwrap();
        assert_eq!(*events.lock().unwrap(), ["released", "waited"]);
    }
}
