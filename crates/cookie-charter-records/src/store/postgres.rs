//! The PostgreSQL store: one log shared by several servers.
//!
//! The tables live in the schema `cookie_charter`. The chain is extended by the database
//! itself: a `BEFORE INSERT` trigger takes the chain's lock (a transaction-level advisory lock,
//! held until the insert commits), reads the head (the last record, or the anchor when there is
//! none) with a snapshot taken after the lock, and gives the new record the next place, the
//! head's hash as its previous hash and `sha256(prev_hash || int8send(seq) || body)` as its hash
//! (the same formula as [`chain_hash`](crate::record::chain_hash)). Any number of writers thus
//! keep one chain (the primary key on the place would refuse a fork). No row is updated per
//! record, so no row grows a chain of versions.
//!
//! Durability ([`Durability::Flushed`], the default) without serializing the disk flushes: the
//! insert (a prepared statement, one round trip) commits with `synchronous_commit = off`, so the
//! chain's lock is released without waiting for the disk; then a second, synchronous transaction
//! (`cookie_charter.flush()`, a second round trip) writes a transactional WAL message
//! (`pg_logical_emit_message(true, …)`, which takes a transaction id and writes the log, as a
//! commit must for PostgreSQL to flush) and commits, which flushes the write-ahead log up to its
//! own commit record and therefore past the insert's. Concurrent writers share these flushes
//! (PostgreSQL's group commit). An append returns only after both, so a record whose append
//! succeeded is on disk; if the server fails between the two, the append fails and the endpoint
//! sets no cookie. With [`Durability::Committed`] the flush is left to PostgreSQL's WAL writer.
//!
//! Triggers refuse any update of a record, any deletion not behind the anchor, `TRUNCATE`, and
//! any change of the anchor row other than a move forward to a record's hash.

use cookie_charter::RecordId;
use postgres::{Client, NoTls, Row};

use super::{Durability, Purged, Retention, Stats, Store, StoredRecord};
use crate::error::StoreError;
use crate::record::{Anchor, Digest, NewRecord, Notice, Record};

/// A store in a PostgreSQL database (schema `cookie_charter`).
pub struct PostgresStore {
    client: Client,
    durability: Durability,
    /// The prepared insert.
    insert: Option<postgres::Statement>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

const SCHEMA: &str = r"
BEGIN;
SELECT pg_advisory_xact_lock(7234001);
CREATE SCHEMA IF NOT EXISTS cookie_charter;
CREATE TABLE IF NOT EXISTS cookie_charter.meta (
    key text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE IF NOT EXISTS cookie_charter.notices (
    digest bytea PRIMARY KEY,
    revision bigint NOT NULL,
    language text NOT NULL,
    policy_sha256 bytea NOT NULL,
    charter_sha256 bytea NOT NULL,
    format text NOT NULL,
    charter text NOT NULL,
    policy text NOT NULL,
    created_at bigint NOT NULL,
    added bigserial
);
CREATE TABLE IF NOT EXISTS cookie_charter.records (
    seq bigint PRIMARY KEY,
    id bytea NOT NULL UNIQUE,
    at bigint NOT NULL,
    body bytea NOT NULL,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS records_at ON cookie_charter.records (at);
CREATE TABLE IF NOT EXISTS cookie_charter.chain (
    one int PRIMARY KEY CHECK (one = 1),
    anchor_seq bigint NOT NULL,
    anchor_hash bytea NOT NULL
);
INSERT INTO cookie_charter.chain VALUES (1, 0, decode(repeat('00', 32), 'hex'))
    ON CONFLICT DO NOTHING;

-- The chain's head: the last record, or the anchor when there is none.
CREATE OR REPLACE FUNCTION cookie_charter.head(OUT seq bigint, OUT hash bytea)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    SELECT r.seq, r.hash INTO seq, hash FROM cookie_charter.records r ORDER BY r.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        SELECT c.anchor_seq, c.anchor_hash INTO seq, hash FROM cookie_charter.chain c WHERE one = 1;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION cookie_charter.append() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head record;
BEGIN
    -- The chain's lock, until commit; the head is read after it, with a new snapshot.
    PERFORM pg_advisory_xact_lock(7234002);
    SELECT * INTO head FROM cookie_charter.head();
    NEW.seq := head.seq + 1;
    NEW.prev_hash := head.hash;
    NEW.hash := sha256(head.hash || int8send(NEW.seq) || NEW.body);
    RETURN NEW;
END $$;

-- Flushes the write-ahead log, with the records committed before: a synchronous commit of a
-- transaction that wrote the log (PostgreSQL flushes only then).
CREATE OR REPLACE FUNCTION cookie_charter.flush() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('synchronous_commit', 'on', true);
    PERFORM pg_logical_emit_message(true, 'cookie-charter', 'flush');
END $$;

CREATE OR REPLACE FUNCTION cookie_charter.refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'consent records are append-only: %', TG_ARGV[0];
END $$;

CREATE OR REPLACE FUNCTION cookie_charter.delete_behind_anchor() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.seq > (SELECT anchor_seq FROM cookie_charter.chain WHERE one = 1) THEN
        RAISE EXCEPTION 'consent records are append-only: only the purge deletes, behind the anchor';
    END IF;
    RETURN OLD;
END $$;

CREATE OR REPLACE FUNCTION cookie_charter.guard_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.anchor_seq IS DISTINCT FROM OLD.anchor_seq
        OR NEW.anchor_hash IS DISTINCT FROM OLD.anchor_hash THEN
        IF (NEW.anchor_seq < OLD.anchor_seq
            OR NEW.anchor_hash IS DISTINCT FROM
                (SELECT hash FROM cookie_charter.records WHERE seq = NEW.anchor_seq))
            -- A new, empty store may take the anchor of the chain it continues (a copy).
            AND NOT (OLD.anchor_seq = 0 AND OLD.anchor_hash = decode(repeat('00', 32), 'hex')
                     AND NOT EXISTS (SELECT 1 FROM cookie_charter.records)) THEN
            RAISE EXCEPTION 'consent records are append-only: the anchor moves forward, to a record''s hash';
        END IF;
    END IF;
    IF NEW.one IS DISTINCT FROM OLD.one THEN
        RAISE EXCEPTION 'consent records are append-only: one chain';
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS append ON cookie_charter.records;
CREATE TRIGGER append BEFORE INSERT ON cookie_charter.records
    FOR EACH ROW EXECUTE FUNCTION cookie_charter.append();
DROP TRIGGER IF EXISTS no_update ON cookie_charter.records;
CREATE TRIGGER no_update BEFORE UPDATE ON cookie_charter.records
    FOR EACH ROW EXECUTE FUNCTION cookie_charter.refuse('no update');
DROP TRIGGER IF EXISTS delete_behind_anchor ON cookie_charter.records;
CREATE TRIGGER delete_behind_anchor BEFORE DELETE ON cookie_charter.records
    FOR EACH ROW EXECUTE FUNCTION cookie_charter.delete_behind_anchor();
DROP TRIGGER IF EXISTS no_truncate ON cookie_charter.records;
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON cookie_charter.records
    FOR EACH STATEMENT EXECUTE FUNCTION cookie_charter.refuse('no truncate');
DROP TRIGGER IF EXISTS guard ON cookie_charter.chain;
CREATE TRIGGER guard BEFORE UPDATE ON cookie_charter.chain
    FOR EACH ROW EXECUTE FUNCTION cookie_charter.guard_chain();
DROP TRIGGER IF EXISTS no_delete ON cookie_charter.chain;
CREATE TRIGGER no_delete BEFORE DELETE OR TRUNCATE ON cookie_charter.chain
    FOR EACH STATEMENT EXECUTE FUNCTION cookie_charter.refuse('the chain row stays');
DROP TRIGGER IF EXISTS no_change ON cookie_charter.notices;
CREATE TRIGGER no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON cookie_charter.notices
    FOR EACH STATEMENT EXECUTE FUNCTION cookie_charter.refuse('notices are kept');
INSERT INTO cookie_charter.meta (key, value) VALUES ('schema_version', '2')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
COMMIT;
";

/// Whether the schema is in place (then connecting changes nothing, and takes no lock that
/// would stall other writers).
const SCHEMA_PRESENT: &str = "SELECT to_regclass('cookie_charter.meta') IS NOT NULL \
    AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger WHERE tgname = 'no_change') \
    AND to_regclass('cookie_charter.records') IS NOT NULL";

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Refused(format!("number {n} is out of range")))
}

fn to_u64(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative number {n}")))
}

fn stored_of(row: &Row) -> Result<StoredRecord, StoreError> {
    Ok(StoredRecord {
        seq: to_u64(row.try_get(0)?)?,
        id: row.try_get(1)?,
        at: row.try_get(2)?,
        body: row.try_get(3)?,
        prev_hash: row.try_get(4)?,
        hash: row.try_get(5)?,
    })
}

fn notice_of(row: &Row) -> Result<Notice, StoreError> {
    Ok(Notice {
        revision: to_u64(row.try_get(0)?)?,
        language: row.try_get(1)?,
        format: row.try_get(2)?,
        policy_sha256: Digest::from_slice(row.try_get(3)?)?,
        charter_sha256: Digest::from_slice(row.try_get(4)?)?,
        charter: row.try_get(5)?,
        policy: row.try_get(6)?,
        created_at: to_u64(row.try_get(7)?)?,
    })
}

const NOTICE_COLUMNS: &str =
    "revision, language, format, policy_sha256, charter_sha256, charter, policy, created_at";
const RECORD_COLUMNS: &str = "seq, id, at, body, prev_hash, hash";

impl PostgresStore {
    /// Connects to the database at `url` (libpq's URL or key-value form, without TLS) and
    /// creates the schema if absent. Appends are [`Durability::Flushed`].
    pub fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, Durability::Flushed)
    }

    /// Connects (see [`connect`](Self::connect)) with appends as durable as `durability` says.
    pub fn connect_with(url: &str, durability: Durability) -> Result<Self, StoreError> {
        let mut client = Client::connect(url, NoTls)?;
        let present: bool = client.query_one(SCHEMA_PRESENT, &[])?.try_get(0)?;
        let current = present
            && client
                .query_opt(
                    "SELECT 1 FROM cookie_charter.meta WHERE key = 'schema_version' AND value = '2'",
                    &[],
                )?
                .is_some();
        if !current {
            client.batch_execute(SCHEMA)?;
        }
        // Read committed: the insert trigger reads the head after taking the lock. Commits do not
        // wait for the disk: `flush()` does, for `Flushed`.
        client.batch_execute(
            "SET default_transaction_isolation = 'read committed'; \
             SET synchronous_commit = off",
        )?;
        Ok(Self {
            client,
            durability,
            insert: None,
        })
    }

    /// Appends several records with one `COPY` (bulk loads, benchmarks); the insert trigger
    /// chains them as it chains single appends. Gives how many were appended.
    pub fn append_many(&mut self, records: &[NewRecord]) -> Result<u64, StoreError> {
        use std::io::Write as _;
        let mut text = String::with_capacity(records.len() * 800);
        for record in records {
            text.push_str(&format!(
                "0\t\\\\x{}\t{}\t\\\\x{}\t\\\\x\t\\\\x\n",
                hex::encode(record.id.as_bytes()),
                to_i64(record.at)?,
                hex::encode(record.body())
            ));
        }
        let mut writer = self.client.copy_in(
            "COPY cookie_charter.records (seq, id, at, body, prev_hash, hash) FROM STDIN",
        )?;
        writer
            .write_all(text.as_bytes())
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(writer.finish()?)
    }

    /// Runs SQL on the database, bypassing the store (tests of the triggers).
    pub fn execute_raw(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql)?;
        Ok(())
    }

    /// Whether the connection is lost (the server went away).
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

impl Store for PostgresStore {
    fn put_notice(&mut self, notice: &Notice) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO cookie_charter.notices (digest, revision, language, policy_sha256, \
             charter_sha256, format, charter, policy, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            &[
                &notice.digest().0.as_slice(),
                &to_i64(notice.revision)?,
                &notice.language,
                &notice.policy_sha256.0.as_slice(),
                &notice.charter_sha256.0.as_slice(),
                &notice.format,
                &notice.charter,
                &notice.policy,
                &to_i64(notice.created_at)?,
            ],
        )?;
        Ok(())
    }

    fn notice(&mut self, digest: &Digest) -> Result<Option<Notice>, StoreError> {
        self.client
            .query_opt(
                &format!("SELECT {NOTICE_COLUMNS} FROM cookie_charter.notices WHERE digest = $1"),
                &[&digest.0.as_slice()],
            )?
            .as_ref()
            .map(notice_of)
            .transpose()
    }

    fn notices(&mut self) -> Result<Vec<Notice>, StoreError> {
        self.client
            .query(
                &format!("SELECT {NOTICE_COLUMNS} FROM cookie_charter.notices ORDER BY added"),
                &[],
            )?
            .iter()
            .map(notice_of)
            .collect()
    }

    fn append_batch(&mut self, records: &[NewRecord]) -> Result<u64, StoreError> {
        self.append_many(records)
    }

    fn seed(&mut self, anchor: Anchor) -> Result<(), StoreError> {
        self.client.execute(
            "UPDATE cookie_charter.chain SET anchor_seq = $1, anchor_hash = $2 WHERE one = 1",
            &[&to_i64(anchor.seq)?, &anchor.hash.0.as_slice()],
        )?;
        Ok(())
    }

    fn append(&mut self, record: &NewRecord) -> Result<Record, StoreError> {
        let body = record.body();
        // The insert commits without waiting for the disk (the session's setting); then, for
        // `Flushed`, the flush (see the module's documentation). Both are prepared statements
        // in autocommit: an error rolls back its own statement and nothing else.
        let insert = match &self.insert {
            Some(statement) => statement.clone(),
            None => {
                let statement = self.client.prepare(
                    "INSERT INTO cookie_charter.records (seq, id, at, body, prev_hash, hash) \
                     VALUES (0, $1, $2, $3, ''::bytea, ''::bytea) RETURNING seq, prev_hash, hash",
                )?;
                self.insert = Some(statement.clone());
                statement
            }
        };
        let row = self.client.query_one(
            &insert,
            &[
                &record.id.as_bytes().as_slice(),
                &to_i64(record.at)?,
                &body.as_slice(),
            ],
        )?;
        if self.durability == Durability::Flushed {
            self.client.execute("SELECT cookie_charter.flush()", &[])?;
        }
        let seq = to_u64(row.try_get(0)?)?;
        let prev_hash = Digest::from_slice(row.try_get(1)?)?;
        let hash = Digest::from_slice(row.try_get(2)?)?;
        Ok(Record {
            seq,
            record: record.clone(),
            prev_hash,
            hash,
        })
    }
    fn record(&mut self, id: &RecordId) -> Result<Option<Record>, StoreError> {
        self.client
            .query_opt(
                &format!("SELECT {RECORD_COLUMNS} FROM cookie_charter.records WHERE id = $1"),
                &[&id.as_bytes().as_slice()],
            )?
            .as_ref()
            .map(|row| stored_of(row)?.read())
            .transpose()
    }

    fn stored(&mut self, after: u64, limit: usize) -> Result<Vec<StoredRecord>, StoreError> {
        self.client
            .query(
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM cookie_charter.records WHERE seq > $1 \
                     ORDER BY seq LIMIT $2"
                ),
                &[&to_i64(after)?, &i64::try_from(limit).unwrap_or(i64::MAX)],
            )?
            .iter()
            .map(stored_of)
            .collect()
    }

    fn between(
        &mut self,
        from: u64,
        to: u64,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        self.client
            .query(
                &format!(
                    "SELECT {RECORD_COLUMNS} FROM cookie_charter.records \
                     WHERE at >= $1 AND at <= $2 AND seq > $3 ORDER BY seq LIMIT $4"
                ),
                &[
                    &to_i64(from)?,
                    &to_i64(to.min(i64::MAX as u64))?,
                    &to_i64(after)?,
                    &i64::try_from(limit).unwrap_or(i64::MAX),
                ],
            )?
            .iter()
            .map(|row| stored_of(row)?.read())
            .collect()
    }

    fn anchor(&mut self) -> Result<Anchor, StoreError> {
        let row = self.client.query_one(
            "SELECT anchor_seq, anchor_hash FROM cookie_charter.chain WHERE one = 1",
            &[],
        )?;
        Ok(Anchor {
            seq: to_u64(row.try_get(0)?)?,
            hash: Digest::from_slice(row.try_get(1)?)?,
        })
    }

    fn head(&mut self) -> Result<Anchor, StoreError> {
        let row = self
            .client
            .query_one("SELECT seq, hash FROM cookie_charter.head()", &[])?;
        Ok(Anchor {
            seq: to_u64(row.try_get(0)?)?,
            hash: Digest::from_slice(row.try_get(1)?)?,
        })
    }

    fn purge_before(&mut self, cutoff: u64) -> Result<Purged, StoreError> {
        let cutoff = cutoff.min(i64::MAX as u64);
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::ReadCommitted)
            .start()?;
        // The chain's lock: appends wait for the purge.
        tx.execute("SELECT pg_advisory_xact_lock(7234002)", &[])?;
        let chain = tx.query_one(
            "SELECT c.anchor_seq, c.anchor_hash, h.seq FROM cookie_charter.chain c, \
             cookie_charter.head() h WHERE c.one = 1",
            &[],
        )?;
        let anchor = Anchor {
            seq: to_u64(chain.try_get(0)?)?,
            hash: Digest::from_slice(chain.try_get(1)?)?,
        };
        let head_seq = to_u64(chain.try_get(2)?)?;
        let first_kept = tx.query_opt(
            "SELECT seq FROM cookie_charter.records WHERE at >= $1 ORDER BY seq LIMIT 1",
            &[&to_i64(cutoff)?],
        )?;
        let last = match first_kept {
            Some(row) => to_u64(row.try_get(0)?)?.saturating_sub(1),
            None => head_seq,
        };
        if last <= anchor.seq {
            return Ok(Purged { records: 0, anchor });
        }
        let hash: Vec<u8> = tx
            .query_one(
                "SELECT hash FROM cookie_charter.records WHERE seq = $1",
                &[&to_i64(last)?],
            )?
            .try_get(0)?;
        tx.execute(
            "UPDATE cookie_charter.chain SET anchor_seq = $1, anchor_hash = $2 WHERE one = 1",
            &[&to_i64(last)?, &hash],
        )?;
        let deleted = tx.execute(
            "DELETE FROM cookie_charter.records WHERE seq <= $1",
            &[&to_i64(last)?],
        )?;
        tx.commit()?;
        Ok(Purged {
            records: deleted,
            anchor: Anchor {
                seq: last,
                hash: Digest::from_slice(&hash)?,
            },
        })
    }

    fn retention(&mut self) -> Result<Option<Retention>, StoreError> {
        let row = self.client.query_opt(
            "SELECT value FROM cookie_charter.meta WHERE key = 'retention_seconds'",
            &[],
        )?;
        row.map(|row| {
            let text: String = row.try_get(0)?;
            text.parse::<u64>()
                .map_err(|_| StoreError::Corrupt(format!("retention `{text}` is not a number")))
                .and_then(Retention::from_seconds)
        })
        .transpose()
    }

    fn set_retention(&mut self, retention: Retention) -> Result<(), StoreError> {
        self.client.execute(
            "INSERT INTO cookie_charter.meta (key, value) VALUES ('retention_seconds', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&retention.seconds().to_string()],
        )?;
        Ok(())
    }

    fn stats(&mut self) -> Result<Stats, StoreError> {
        let counts = self.client.query_one(
            "SELECT COUNT(*), MIN(at), MAX(at), \
                    (SELECT COUNT(*) FROM cookie_charter.notices) \
             FROM cookie_charter.records",
            &[],
        )?;
        let choices = self
            .client
            .query(
                "SELECT c.key, COUNT(*) FILTER (WHERE c.value = 'granted'), \
                        COUNT(*) FILTER (WHERE c.value = 'denied') \
                 FROM cookie_charter.records r, \
                      jsonb_each_text(convert_from(r.body, 'UTF8')::jsonb -> 'choices') c \
                 GROUP BY c.key ORDER BY c.key",
                &[],
            )?
            .iter()
            .map(|row| {
                Ok((
                    row.try_get::<_, String>(0)?,
                    to_u64(row.try_get(1)?)?,
                    to_u64(row.try_get(2)?)?,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Stats {
            records: to_u64(counts.try_get(0)?)?,
            oldest: counts
                .try_get::<_, Option<i64>>(1)?
                .map(to_u64)
                .transpose()?,
            newest: counts
                .try_get::<_, Option<i64>>(2)?
                .map(to_u64)
                .transpose()?,
            notices: to_u64(counts.try_get(3)?)?,
            anchor: self.anchor()?,
            head: self.head()?,
            retention: self.retention()?.map(Retention::seconds),
            choices,
        })
    }
}
