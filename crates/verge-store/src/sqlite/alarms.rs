//! [`AlarmIndex`] on one SQLite file per worker (`<state>/do/<worker>/alarms.sqlite`).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension};

use super::open_connection;
use crate::StoreError;
use crate::durable::{AlarmEntry, AlarmIndex};

/// The node's index of pending Durable Object alarms (`<state>/do/<worker>/alarms.sqlite`),
/// read by the alarm scheduler so alarms fire after a restart without opening every object.
pub struct SqliteAlarmIndex {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteAlarmIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteAlarmIndex")
    }
}

const ALARM_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS alarms (class TEXT NOT NULL, id TEXT NOT NULL, name TEXT, time INTEGER NOT NULL, retry INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (class, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alarms_time ON alarms (time);
";

impl SqliteAlarmIndex {
    /// Opens (creating) the index at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open_connection(path, ALARM_SCHEMA)?;
        conn.execute_batch(ALARM_SCHEMA)
            .map_err(StoreError::sqlite("alarm index schema"))?;
        Ok(SqliteAlarmIndex {
            conn: Mutex::new(conn),
        })
    }
}

impl AlarmIndex for SqliteAlarmIndex {
    fn set(
        &self,
        class: &str,
        id: &str,
        name: Option<&str>,
        time: Option<i64>,
        retry: u32,
    ) -> Result<(), StoreError> {
        let g = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        match time {
            Some(t) => g.execute(
                "INSERT OR REPLACE INTO alarms (class, id, name, time, retry) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![class, id, name, t, retry],
            ),
            None => g.execute("DELETE FROM alarms WHERE class = ?1 AND id = ?2", rusqlite::params![class, id]),
        }
        .map(|_| ())
        .map_err(StoreError::sqlite("alarm index set"))
    }

    fn get(&self, class: &str, id: &str) -> Result<Option<AlarmEntry>, StoreError> {
        let g = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        g.query_row(
            "SELECT class, id, name, time, retry FROM alarms WHERE class = ?1 AND id = ?2",
            rusqlite::params![class, id],
            alarm_entry,
        )
        .optional()
        .map_err(StoreError::sqlite("alarm index get"))
    }

    fn clear_if(&self, class: &str, id: &str, time: i64) -> Result<(), StoreError> {
        let g = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        g.execute(
            "DELETE FROM alarms WHERE class = ?1 AND id = ?2 AND time = ?3",
            rusqlite::params![class, id, time],
        )
        .map(|_| ())
        .map_err(StoreError::sqlite("alarm index clear"))
    }

    fn due(&self, now: i64) -> Result<(Vec<AlarmEntry>, Option<i64>), StoreError> {
        let g = self.conn.lock().map_err(|_| StoreError::Poisoned)?;
        let mut stmt = g
            .prepare(
                "SELECT class, id, name, time, retry FROM alarms WHERE time <= ?1 ORDER BY time",
            )
            .map_err(StoreError::sqlite("alarm index due"))?;
        let due = stmt
            .query_map([now], alarm_entry)
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(StoreError::sqlite("alarm index due"))?;
        let next = g
            .query_row("SELECT MIN(time) FROM alarms WHERE time > ?1", [now], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .map_err(StoreError::sqlite("alarm index next"))?;
        Ok((due, next))
    }
}

fn alarm_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlarmEntry> {
    Ok(AlarmEntry {
        class: r.get(0)?,
        id: r.get(1)?,
        name: r.get(2)?,
        time: r.get(3)?,
        retry: r.get::<_, i64>(4)?.clamp(0, i64::from(u32::MAX)) as u32,
    })
}
