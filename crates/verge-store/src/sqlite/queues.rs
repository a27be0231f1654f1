//! [`QueueBackend`] over one SQLite file holding every queue of a deployment.
//!
//! One table with a `queue` column (queues need no DDL when configuration changes) and an
//! index on `(queue, visible_at)`, which answers what a consumer asks every tick: how many
//! messages are ready, since when, and which are next. Every write is one transaction on a
//! connection in WAL mode with `synchronous=FULL` (see the module docs of [`super`]), so a
//! `send` that returned has been fsynced and survives `kill -9`.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

use super::open_connection;
use crate::StoreError;
use crate::queues::{QueueBackend, QueueBacklog, QueueMessage, QueueReady, QueueSend, QueueSettle};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    seq          INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    queue        TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    body         BLOB    NOT NULL,
    timestamp    INTEGER NOT NULL,
    visible_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, visible_at);
";

/// Every queue of a deployment, in `<state_dir>/queues.sqlite`.
#[derive(Debug)]
pub struct SqliteQueueStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl SqliteQueueStore {
    /// Opens `<state_dir>/queues.sqlite`, creating the directory, file and schema as needed.
    pub fn open_in(state_dir: &Path) -> Result<Self, StoreError> {
        Self::open(&state_dir.join("queues.sqlite"))
    }

    /// Opens (creating) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open_connection(path, SCHEMA)?;
        conn.execute_batch(SCHEMA)
            .map_err(StoreError::sqlite("create queue schema"))?;
        Ok(Self {
            path: path.to_owned(),
            conn: Mutex::new(conn),
        })
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn.lock().map_err(|_| StoreError::Poisoned)
    }
}

impl QueueBackend for SqliteQueueStore {
    fn send(&self, queue: &str, messages: &[QueueSend]) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction()
            .map_err(StoreError::sqlite("begin send"))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO messages (id, queue, content_type, body, timestamp, visible_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(StoreError::sqlite("prepare send"))?;
            for m in messages {
                stmt.execute(params![
                    m.id,
                    queue,
                    m.content_type,
                    m.body,
                    to_i64(m.timestamp_ms),
                    to_i64(m.visible_at_ms)
                ])
                .map_err(StoreError::sqlite("send"))?;
            }
        }
        tx.commit().map_err(StoreError::sqlite("commit send"))
    }

    fn backlog(&self, queue: &str) -> Result<QueueBacklog, StoreError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(body)), 0), MIN(timestamp)
             FROM messages WHERE queue = ?1",
        )
        .and_then(|mut stmt| {
            stmt.query_row(params![queue], |row| {
                Ok(QueueBacklog {
                    count: to_u64(row.get(0)?),
                    bytes: to_u64(row.get(1)?),
                    oldest_timestamp_ms: row.get::<_, Option<i64>>(2)?.map(to_u64),
                })
            })
        })
        .map_err(StoreError::sqlite("backlog"))
    }

    fn ready(&self, queue: &str, now_ms: u64) -> Result<QueueReady, StoreError> {
        let conn = self.conn()?;
        let now = to_i64(now_ms);
        let (ready, since) = conn
            .prepare_cached(
                "SELECT COUNT(*), MIN(visible_at) FROM messages
                 WHERE queue = ?1 AND visible_at <= ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![queue, now], |row| {
                    Ok((
                        to_u64(row.get(0)?),
                        row.get::<_, Option<i64>>(1)?.map(to_u64),
                    ))
                })
            })
            .map_err(StoreError::sqlite("ready"))?;
        let next = conn
            .prepare_cached(
                "SELECT MIN(visible_at) FROM messages WHERE queue = ?1 AND visible_at > ?2",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![queue, now], |row| row.get::<_, Option<i64>>(0))
            })
            .optional()
            .map_err(StoreError::sqlite("next visible"))?
            .flatten()
            .map(to_u64);
        Ok(QueueReady {
            ready,
            ready_since_ms: since,
            next_visible_ms: next,
        })
    }

    fn lease(
        &self,
        queue: &str,
        now_ms: u64,
        max: usize,
        lease_until_ms: u64,
    ) -> Result<Vec<QueueMessage>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction()
            .map_err(StoreError::sqlite("begin lease"))?;
        let mut out = Vec::new();
        {
            let mut select = tx
                .prepare_cached(
                    "SELECT seq, id, content_type, body, timestamp, attempts FROM messages
                     WHERE queue = ?1 AND visible_at <= ?2
                     ORDER BY visible_at, seq LIMIT ?3",
                )
                .map_err(StoreError::sqlite("prepare lease"))?;
            let rows = select
                .query_map(
                    params![
                        queue,
                        to_i64(now_ms),
                        to_i64(u64::try_from(max).unwrap_or(u64::MAX))
                    ],
                    |row| {
                        Ok((
                            row.get::<_, i64>(0)?,
                            QueueMessage {
                                id: row.get(1)?,
                                content_type: row.get(2)?,
                                body: row.get(3)?,
                                timestamp_ms: to_u64(row.get(4)?),
                                attempts: u32::try_from(row.get::<_, i64>(5)?)
                                    .unwrap_or(u32::MAX)
                                    .saturating_add(1),
                            },
                        ))
                    },
                )
                .map_err(StoreError::sqlite("lease"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(StoreError::sqlite("lease"))?;
            let mut update = tx
                .prepare_cached(
                    "UPDATE messages SET visible_at = ?2, attempts = attempts + 1 WHERE seq = ?1",
                )
                .map_err(StoreError::sqlite("prepare lease update"))?;
            for (seq, m) in rows {
                update
                    .execute(params![seq, to_i64(lease_until_ms)])
                    .map_err(StoreError::sqlite("lease update"))?;
                out.push(m);
            }
        }
        tx.commit().map_err(StoreError::sqlite("commit lease"))?;
        Ok(out)
    }

    fn settle(&self, queue: &str, outcomes: &[QueueSettle]) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn
            .transaction()
            .map_err(StoreError::sqlite("begin settle"))?;
        for o in outcomes {
            let r = match o {
                QueueSettle::Ack(id) => tx
                    .prepare_cached("DELETE FROM messages WHERE queue = ?1 AND id = ?2")
                    .and_then(|mut s| s.execute(params![queue, id])),
                QueueSettle::Retry { id, visible_at_ms } => tx
                    .prepare_cached(
                        "UPDATE messages SET visible_at = ?3 WHERE queue = ?1 AND id = ?2",
                    )
                    .and_then(|mut s| s.execute(params![queue, id, to_i64(*visible_at_ms)])),
                QueueSettle::Move {
                    id,
                    to,
                    visible_at_ms,
                } => tx
                    .prepare_cached(
                        "UPDATE messages SET queue = ?3, visible_at = ?4, attempts = 0
                         WHERE queue = ?1 AND id = ?2",
                    )
                    .and_then(|mut s| s.execute(params![queue, id, to, to_i64(*visible_at_ms)])),
            };
            r.map_err(StoreError::sqlite("settle"))?;
        }
        tx.commit().map_err(StoreError::sqlite("commit settle"))
    }

    fn list(&self) -> Result<Vec<(String, QueueBacklog)>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT queue, COUNT(*), COALESCE(SUM(LENGTH(body)), 0), MIN(timestamp)
                 FROM messages GROUP BY queue ORDER BY queue",
            )
            .map_err(StoreError::sqlite("prepare list"))?;
        let rows = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    QueueBacklog {
                        count: to_u64(row.get(1)?),
                        bytes: to_u64(row.get(2)?),
                        oldest_timestamp_ms: row.get::<_, Option<i64>>(3)?.map(to_u64),
                    },
                ))
            })
            .map_err(StoreError::sqlite("list"))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::sqlite("list"))
    }

    fn purge(&self, queue: &str) -> Result<u64, StoreError> {
        let conn = self.conn()?;
        let n = conn
            .execute("DELETE FROM messages WHERE queue = ?1", params![queue])
            .map_err(StoreError::sqlite("purge"))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, SqliteQueueStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteQueueStore::open_in(dir.path()).expect("open");
        (dir, store)
    }

    crate::queue_backend_tests!(store);

    #[test]
    fn messages_survive_reopening_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = SqliteQueueStore::open_in(dir.path()).expect("open");
            store
                .send(
                    "q",
                    &[QueueSend {
                        id: "a".into(),
                        content_type: "text".into(),
                        body: b"hi".to_vec(),
                        timestamp_ms: 5,
                        visible_at_ms: 5,
                    }],
                )
                .expect("send");
        }
        let store = SqliteQueueStore::open_in(dir.path()).expect("reopen");
        let got = store.lease("q", 10, 10, 100).expect("lease");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body, b"hi");
    }
}
