//! The SQLite store: one file, written by any number of processes on one host.
//!
//! WAL journal (readers never block the writer), `synchronous = FULL` (the log is flushed at each
//! commit) or, with [`Durability::Committed`], `NORMAL` (a commit survives the process being
//! killed; a power loss may lose the last ones), and each append in a
//! `BEGIN IMMEDIATE` transaction, which takes the write lock before reading the chain's head, so
//! that concurrent writers queue instead of forking the chain. Triggers refuse any update of a
//! record, any deletion that is not behind the anchor, an anchor that moves back or to a hash
//! that is not a record's, and an insert that does not follow the head.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cookie_charter::RecordId;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use super::{Durability, Purged, Retention, Stats, Store, StoredRecord};
use crate::error::StoreError;
use crate::record::{Anchor, Digest, NewRecord, Notice, Record, chain_hash};

/// Settings of a SQLite store.
#[derive(Debug, Clone, Default)]
pub struct SqliteOptions {
    /// The most pages (4 KiB each) the file may hold; `None`: no limit. A full store refuses
    /// appends with [`StoreError::Full`].
    pub max_pages: Option<u64>,
    /// When an append counts as done.
    pub durability: Durability,
}

/// A store in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS notices (
    digest BLOB PRIMARY KEY,
    revision INTEGER NOT NULL,
    language TEXT NOT NULL,
    policy_sha256 BLOB NOT NULL,
    charter_sha256 BLOB NOT NULL,
    format TEXT NOT NULL,
    charter TEXT NOT NULL,
    policy TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    at INTEGER NOT NULL,
    body BLOB NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS records_at ON records (at);
CREATE TABLE IF NOT EXISTS anchor (
    one INTEGER PRIMARY KEY CHECK (one = 1),
    seq INTEGER NOT NULL,
    hash BLOB NOT NULL
);
INSERT OR IGNORE INTO anchor (one, seq, hash) VALUES (1, 0, zeroblob(32));
CREATE TRIGGER IF NOT EXISTS records_follow_the_head BEFORE INSERT ON records
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), (SELECT seq FROM anchor)) + 1 FROM records)
  OR NEW.prev_hash IS NOT COALESCE(
       (SELECT hash FROM records ORDER BY seq DESC LIMIT 1), (SELECT hash FROM anchor))
BEGIN SELECT RAISE(ABORT, 'consent records are append-only: a record must follow the chain head'); END;
CREATE TRIGGER IF NOT EXISTS records_no_update BEFORE UPDATE ON records
BEGIN SELECT RAISE(ABORT, 'consent records are append-only: no update'); END;
CREATE TRIGGER IF NOT EXISTS records_delete_behind_anchor BEFORE DELETE ON records
WHEN OLD.seq > (SELECT seq FROM anchor)
BEGIN SELECT RAISE(ABORT, 'consent records are append-only: only the purge deletes, behind the anchor'); END;
CREATE TRIGGER IF NOT EXISTS anchor_moves_forward BEFORE UPDATE ON anchor
WHEN (NEW.seq < OLD.seq OR NEW.one IS NOT 1
      OR NEW.hash IS NOT (SELECT hash FROM records WHERE seq = NEW.seq))
  -- A new, empty store may take the anchor of the chain it continues (a copy).
  AND NOT (OLD.seq = 0 AND OLD.hash = zeroblob(32) AND NEW.one IS 1
           AND NOT EXISTS (SELECT 1 FROM records))
BEGIN SELECT RAISE(ABORT, 'the anchor moves forward, to a record''s hash'); END;
CREATE TRIGGER IF NOT EXISTS anchor_no_delete BEFORE DELETE ON anchor
BEGIN SELECT RAISE(ABORT, 'the anchor is never deleted'); END;
CREATE TRIGGER IF NOT EXISTS notices_no_update BEFORE UPDATE ON notices
BEGIN SELECT RAISE(ABORT, 'notices are append-only: no update'); END;
CREATE TRIGGER IF NOT EXISTS notices_no_delete BEFORE DELETE ON notices
BEGIN SELECT RAISE(ABORT, 'notices are append-only: no deletion'); END;
";

/// Waits for another process's write lock: short sleeps first (an append holds it for well
/// under a millisecond), then longer ones, about 10 s in all before giving up.
fn busy(retries: i32) -> bool {
    let micros = match retries {
        0..20 => 50,
        20..100 => 200,
        100..10_100 => 1_000,
        _ => return false,
    };
    std::thread::sleep(Duration::from_micros(micros));
    true
}

impl SqliteStore {
    /// Opens (or creates) the store in the file at `path`.
    pub fn open(path: impl AsRef<Path>, options: &SqliteOptions) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&path, flags).map_err(|e| {
            StoreError::Unavailable(format!("cannot open `{}`: {e}", path.display()))
        })?;
        conn.busy_handler(Some(busy))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!(
                "`{}` cannot use a WAL journal (journal mode `{mode}`)",
                path.display()
            )));
        }
        let synchronous = match options.durability {
            Durability::Flushed => "FULL",
            Durability::Committed => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", synchronous)?;
        if let Some(pages) = options.max_pages {
            let _: i64 = conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })?;
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(SCHEMA)?;
        tx.commit()?;
        Ok(Self { conn, path })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends several records in one transaction (bulk loads, benchmarks).
    pub fn append_many(&mut self, records: &[NewRecord]) -> Result<Vec<Record>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut head = head_of(&tx)?;
        let mut out = Vec::with_capacity(records.len());
        {
            let mut insert = tx.prepare_cached(INSERT)?;
            for record in records {
                let stored = next(&head, record);
                insert_one(&mut insert, &stored)?;
                head = Anchor {
                    seq: stored.seq,
                    hash: stored.hash,
                };
                out.push(stored);
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// Runs SQL on the file, bypassing the store (tests of the triggers).
    pub fn execute_raw(&self, sql: &str) -> Result<(), StoreError> {
        self.conn.execute_batch(sql)?;
        Ok(())
    }
}

const INSERT: &str =
    "INSERT INTO records (seq, id, at, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// The record that follows `head`.
fn next(head: &Anchor, record: &NewRecord) -> Record {
    let seq = head.seq + 1;
    let body = record.body();
    Record {
        seq,
        hash: chain_hash(&head.hash, seq, &body),
        record: record.clone(),
        prev_hash: head.hash,
    }
}

fn insert_one(
    insert: &mut rusqlite::CachedStatement<'_>,
    record: &Record,
) -> Result<(), StoreError> {
    insert.execute(params![
        i64::try_from(record.seq)
            .map_err(|_| StoreError::Full("the chain is too long".to_owned()))?,
        record.record.id.as_bytes().as_slice(),
        to_i64(record.record.at)?,
        record.record.body(),
        record.prev_hash.0.as_slice(),
        record.hash.0.as_slice(),
    ])?;
    Ok(())
}

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Refused(format!("time {n} is out of range")))
}

fn to_u64(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative number {n}")))
}

fn anchor_of(conn: &Connection) -> Result<Anchor, StoreError> {
    let (seq, hash): (i64, Vec<u8>) =
        conn.query_row("SELECT seq, hash FROM anchor WHERE one = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    Ok(Anchor {
        seq: to_u64(seq)?,
        hash: Digest::from_slice(&hash)?,
    })
}

fn head_of(conn: &Connection) -> Result<Anchor, StoreError> {
    let last: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match last {
        Some((seq, hash)) => Ok(Anchor {
            seq: to_u64(seq)?,
            hash: Digest::from_slice(&hash)?,
        }),
        None => anchor_of(conn),
    }
}

fn stored_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, StoredRecord)> {
    let seq: i64 = row.get(0)?;
    Ok((
        seq,
        StoredRecord {
            seq: 0,
            id: row.get(1)?,
            at: row.get(2)?,
            body: row.get(3)?,
            prev_hash: row.get(4)?,
            hash: row.get(5)?,
        },
    ))
}

fn notice_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, Vec<u8>, Vec<u8>, Notice)> {
    Ok((
        row.get(0)?,
        row.get(3)?,
        row.get(4)?,
        Notice {
            revision: 0,
            language: row.get(1)?,
            policy_sha256: Digest::ZERO,
            charter_sha256: Digest::ZERO,
            format: row.get(2)?,
            charter: row.get(5)?,
            policy: row.get(6)?,
            created_at: u64::try_from(row.get::<_, i64>(7)?).unwrap_or_default(),
        },
    ))
}

fn finish_notice(
    (revision, policy, charter, mut notice): (i64, Vec<u8>, Vec<u8>, Notice),
) -> Result<Notice, StoreError> {
    notice.revision = to_u64(revision)?;
    notice.policy_sha256 = Digest::from_slice(&policy)?;
    notice.charter_sha256 = Digest::from_slice(&charter)?;
    Ok(notice)
}

const NOTICE_COLUMNS: &str =
    "revision, language, format, policy_sha256, charter_sha256, charter, policy, created_at";

impl Store for SqliteStore {
    fn put_notice(&mut self, notice: &Notice) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT OR IGNORE INTO notices (digest, revision, language, policy_sha256, \
                 charter_sha256, format, charter, policy, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                notice.digest().0.as_slice(),
                to_i64(notice.revision)?,
                notice.language,
                notice.policy_sha256.0.as_slice(),
                notice.charter_sha256.0.as_slice(),
                notice.format,
                notice.charter,
                notice.policy,
                to_i64(notice.created_at)?,
            ])?;
        Ok(())
    }

    fn notice(&mut self, digest: &Digest) -> Result<Option<Notice>, StoreError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {NOTICE_COLUMNS} FROM notices WHERE digest = ?1"
            ))?
            .query_row([digest.0.as_slice()], notice_of)
            .optional()?
            .map(finish_notice)
            .transpose()
    }

    fn notices(&mut self) -> Result<Vec<Notice>, StoreError> {
        let mut statement = self.conn.prepare_cached(&format!(
            "SELECT {NOTICE_COLUMNS} FROM notices ORDER BY created_at, rowid"
        ))?;
        let rows = statement.query_map([], notice_of)?;
        rows.map(|row| finish_notice(row?)).collect()
    }

    fn append_batch(&mut self, records: &[NewRecord]) -> Result<u64, StoreError> {
        self.append_many(records).map(|r| r.len() as u64)
    }

    fn seed(&mut self, anchor: Anchor) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE anchor SET seq = ?1, hash = ?2 WHERE one = 1",
            params![to_i64(anchor.seq)?, anchor.hash.0.as_slice()],
        )?;
        Ok(())
    }

    fn append(&mut self, record: &NewRecord) -> Result<Record, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let head = head_of(&tx)?;
        let stored = next(&head, record);
        insert_one(&mut tx.prepare_cached(INSERT)?, &stored)?;
        tx.commit()?;
        Ok(stored)
    }

    fn record(&mut self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        let row = self
            .conn
            .prepare_cached("SELECT seq, id, at, body, prev_hash, hash FROM records WHERE id = ?1")?
            .query_row([id.as_bytes().as_slice()], stored_of)
            .optional()?;
        row.map(|(seq, mut stored)| {
            stored.seq = to_u64(seq)?;
            stored.read()
        })
        .transpose()
    }

    fn stored(&mut self, after: u64, limit: usize) -> Result<Vec<StoredRecord>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, id, at, body, prev_hash, hash FROM records WHERE seq > ?1 \
             ORDER BY seq LIMIT ?2",
        )?;
        let rows = statement.query_map(
            params![to_i64(after)?, i64::try_from(limit).unwrap_or(i64::MAX)],
            stored_of,
        )?;
        rows.map(|row| {
            let (seq, mut stored) = row?;
            stored.seq = to_u64(seq)?;
            Ok(stored)
        })
        .collect()
    }

    fn between(
        &mut self,
        from: u64,
        to: u64,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT seq, id, at, body, prev_hash, hash FROM records \
             WHERE at >= ?1 AND at <= ?2 AND seq > ?3 ORDER BY seq LIMIT ?4",
        )?;
        let rows = statement.query_map(
            params![
                to_i64(from)?,
                to_i64(to.min(i64::MAX as u64))?,
                to_i64(after)?,
                i64::try_from(limit).unwrap_or(i64::MAX)
            ],
            stored_of,
        )?;
        rows.map(|row| {
            let (seq, mut stored) = row?;
            stored.seq = to_u64(seq)?;
            stored.read()
        })
        .collect()
    }

    fn anchor(&mut self) -> Result<Anchor, StoreError> {
        anchor_of(&self.conn)
    }

    fn head(&mut self) -> Result<Anchor, StoreError> {
        head_of(&self.conn)
    }

    fn purge_before(&mut self, cutoff: u64) -> Result<Purged, StoreError> {
        let cutoff = cutoff.min(i64::MAX as u64);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let anchor = anchor_of(&tx)?;
        let head = head_of(&tx)?;
        let first_kept: Option<i64> = tx
            .query_row(
                "SELECT seq FROM records WHERE at >= ?1 ORDER BY seq LIMIT 1",
                [to_i64(cutoff)?],
                |r| r.get(0),
            )
            .optional()?;
        let last = match first_kept {
            Some(seq) => to_u64(seq)?.saturating_sub(1),
            None => head.seq,
        };
        if last <= anchor.seq {
            return Ok(Purged { records: 0, anchor });
        }
        let hash: Vec<u8> = tx.query_row(
            "SELECT hash FROM records WHERE seq = ?1",
            [to_i64(last)?],
            |r| r.get(0),
        )?;
        tx.execute(
            "UPDATE anchor SET seq = ?1, hash = ?2 WHERE one = 1",
            params![to_i64(last)?, hash],
        )?;
        let deleted = tx.execute("DELETE FROM records WHERE seq <= ?1", [to_i64(last)?])?;
        tx.commit()?;
        Ok(Purged {
            records: deleted as u64,
            anchor: Anchor {
                seq: last,
                hash: Digest::from_slice(&hash)?,
            },
        })
    }

    fn retention(&mut self) -> Result<Option<Retention>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'retention_seconds'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        text.map(|t| {
            t.parse::<u64>()
                .map_err(|_| StoreError::Corrupt(format!("retention `{t}` is not a number")))
                .and_then(Retention::from_seconds)
        })
        .transpose()
    }

    fn set_retention(&mut self, retention: Retention) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('retention_seconds', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [retention.seconds().to_string()],
        )?;
        Ok(())
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        let tx = self.conn.transaction()?;
        let (records, oldest, newest): (i64, Option<i64>, Option<i64>) =
            tx.query_row("SELECT COUNT(*), MIN(at), MAX(at) FROM records", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        let notices: i64 = tx.query_row("SELECT COUNT(*) FROM notices", [], |r| r.get(0))?;
        let mut choices: Vec<(String, u64, u64)> = Vec::new();
        {
            let mut statement = tx.prepare(
                "SELECT c.key, \
                        SUM(c.value = 'granted'), SUM(c.value = 'denied') \
                 FROM records, json_each(CAST(records.body AS TEXT), '$.choices') AS c \
                 GROUP BY c.key ORDER BY c.key",
            )?;
            let rows = statement.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            for row in rows {
                let (purpose, granted, denied) = row?;
                choices.push((purpose, to_u64(granted)?, to_u64(denied)?));
            }
        }
        let anchor = anchor_of(&tx)?;
        let head = head_of(&tx)?;
        drop(tx);
        Ok(Stats {
            records: to_u64(records)?,
            notices: to_u64(notices)?,
            oldest: oldest.map(to_u64).transpose()?,
            newest: newest.map(to_u64).transpose()?,
            anchor,
            head,
            retention: self.retention()?.map(Retention::seconds),
            choices,
        })
    }
}
