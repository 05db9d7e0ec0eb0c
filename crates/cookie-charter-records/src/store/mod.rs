//! Where records live: the [`Store`] trait, its SQLite and PostgreSQL implementations, and what
//! works on any store (opening by address, verifying the chain, purging by retention).

#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;

use std::collections::HashSet;

use cookie_charter::{Lifetime, RecordId};

#[cfg(feature = "postgres")]
pub use self::postgres::PostgresStore;
pub use self::sqlite::{SqliteOptions, SqliteStore};
use crate::error::StoreError;
use crate::record::{Anchor, Digest, NewRecord, Notice, Record, chain_hash};

/// When an append counts as done, and a consent cookie may be set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// On disk: an append returns once the database's log is flushed (fsync), so no record
    /// whose append returned is lost, even to a power failure. The default. Each append waits
    /// for the disk (concurrent PostgreSQL writers share a flush).
    #[default]
    Flushed,
    /// Committed: an append returns once the database holds the record, which then survives the
    /// writer being killed and any other process; a power failure or a crash of the machine (with
    /// PostgreSQL, of the database server) may lose the last records committed (SQLite: since
    /// the last checkpoint; PostgreSQL: at most three `wal_writer_delay`s). SQLite's
    /// `synchronous = NORMAL` and PostgreSQL's `synchronous_commit = off`. Much faster where the
    /// disk's flush is slow.
    Committed,
}

impl Durability {
    /// The stable id: `flushed` or `committed`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Flushed => "flushed",
            Self::Committed => "committed",
        }
    }

    /// Reads `flushed` or `committed`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "flushed" => Some(Self::Flushed),
            "committed" => Some(Self::Committed),
            _ => None,
        }
    }
}

/// How to open a store.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenOptions {
    /// The retention: required for a new store; given for an existing one, it replaces the
    /// stored one.
    pub retention: Option<Retention>,
    /// When an append counts as done.
    pub durability: Durability,
}

/// How long records are kept: a required setting (EDPB 05/2020 §107: no longer than needed to
/// prove consent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    seconds: u64,
}

impl Retention {
    /// A retention of `seconds` (at least one day).
    pub fn from_seconds(seconds: u64) -> Result<Self, StoreError> {
        if seconds < cookie_charter::DAY {
            return Err(StoreError::Config(format!(
                "a retention of {seconds} s is shorter than one day"
            )));
        }
        Ok(Self { seconds })
    }

    /// Reads a duration written as in a policy: `13 months`, `5 years`, `400 days`.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let seconds = Lifetime::parse(text)
            .ok()
            .and_then(Lifetime::seconds)
            .ok_or_else(|| {
                StoreError::Config(format!(
                    "retention `{}` is not a duration such as `13 months` or `5 years`",
                    text.escape_debug()
                ))
            })?;
        Self::from_seconds(seconds)
    }

    /// The retention in seconds.
    pub fn seconds(self) -> u64 {
        self.seconds
    }

    /// The oldest time a record may have at `now` and still be kept.
    pub fn cutoff(self, now: u64) -> u64 {
        now.saturating_sub(self.seconds)
    }
}

/// A record as a store keeps it, before it is read: what verification checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// Its place in the chain.
    pub seq: u64,
    /// The id column (also in the body).
    pub id: Vec<u8>,
    /// The time column (also in the body).
    pub at: i64,
    /// The canonical body.
    pub body: Vec<u8>,
    /// The previous hash, as stored.
    pub prev_hash: Vec<u8>,
    /// The hash, as stored.
    pub hash: Vec<u8>,
}

impl StoredRecord {
    /// Reads the record (its body, its hashes); `Corrupt` when anything does not read back.
    pub fn read(&self) -> Result<Record, StoreError> {
        Ok(Record {
            seq: self.seq,
            record: NewRecord::from_body(&self.body)?,
            prev_hash: Digest::from_slice(&self.prev_hash)?,
            hash: Digest::from_slice(&self.hash)?,
        })
    }
}

/// What a purge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// How many records it deleted.
    pub records: u64,
    /// The chain's anchor after it.
    pub anchor: Anchor,
}

/// Counts about a store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stats {
    /// Records kept.
    pub records: u64,
    /// Notices kept.
    pub notices: u64,
    /// The time of the oldest and newest record kept.
    pub oldest: Option<u64>,
    /// The time of the newest record kept.
    pub newest: Option<u64>,
    /// The chain's anchor (the last purged record).
    pub anchor: Anchor,
    /// The chain's head (the last record).
    pub head: Anchor,
    /// The retention setting, in seconds.
    pub retention: Option<u64>,
    /// Per purpose, how many records grant and deny it.
    pub choices: Vec<(String, u64, u64)>,
}

/// An append-only, hash-chained log of consent records, and the notices they point to.
///
/// Every implementation keeps one chain however many processes write: appending takes the
/// chain's head, computes the new hash and inserts under one lock. Nothing updates or deletes a
/// record except [`purge`](Store::purge), which deletes the oldest ones and keeps the last
/// deleted hash as the chain's new anchor.
pub trait Store: Send {
    /// Stores a notice unless a notice with its digest is there.
    fn put_notice(&mut self, notice: &Notice) -> Result<(), StoreError>;
    /// The notice with this digest.
    fn notice(&mut self, digest: &Digest) -> Result<Option<Notice>, StoreError>;
    /// Every notice, oldest first.
    fn notices(&mut self) -> Result<Vec<Notice>, StoreError>;
    /// Appends a record at the chain's head; gives it back with its place and hashes once it is
    /// committed.
    fn append(&mut self, record: &NewRecord) -> Result<Record, StoreError>;
    /// Appends several records in one go (a bulk load, a copy); gives how many.
    fn append_batch(&mut self, records: &[NewRecord]) -> Result<u64, StoreError>;
    /// Gives a new, empty store the anchor of the chain it continues (a copy of a purged
    /// store); refused once the store holds a record or has an anchor.
    fn seed(&mut self, anchor: Anchor) -> Result<(), StoreError>;
    /// The record with this id.
    fn record(&mut self, id: &RecordId) -> Result<Option<Record>, StoreError>;
    /// Up to `limit` records after place `after`, in chain order, as stored.
    fn stored(&mut self, after: u64, limit: usize) -> Result<Vec<StoredRecord>, StoreError>;
    /// Up to `limit` records after place `after` whose time is in `from..=to`, in chain order.
    fn between(
        &mut self,
        from: u64,
        to: u64,
        after: u64,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError>;
    /// The chain's anchor.
    fn anchor(&mut self) -> Result<Anchor, StoreError>;
    /// The chain's head: the last record's place and hash (the anchor when there is none).
    fn head(&mut self) -> Result<Anchor, StoreError>;
    /// Deletes the oldest records whose time is before `cutoff`, stopping at the first that is
    /// not, and moves the anchor to the last one deleted.
    fn purge_before(&mut self, cutoff: u64) -> Result<Purged, StoreError>;
    /// The retention setting, if one was stored.
    fn retention(&mut self) -> Result<Option<Retention>, StoreError>;
    /// Stores the retention setting.
    fn set_retention(&mut self, retention: Retention) -> Result<(), StoreError>;
    /// Counts.
    fn stats(&mut self) -> Result<Stats, StoreError>;
}

/// Opens a store from its address: `sqlite:PATH` (the file is created if absent) or
/// `postgres://…` / `postgresql://…` (libpq's URL form). The schema is created if absent. A new
/// store needs a `retention`; given for an existing store, it replaces the stored one.
/// Appends are [`Durability::Flushed`] (see [`open_with`]).
pub fn open(address: &str, retention: Option<Retention>) -> Result<Box<dyn Store>, StoreError> {
    open_with(
        address,
        &OpenOptions {
            retention,
            durability: Durability::default(),
        },
    )
}

/// Opens a store from its address (see [`open`]) with these options.
pub fn open_with(address: &str, options: &OpenOptions) -> Result<Box<dyn Store>, StoreError> {
    let retention = options.retention;
    let mut store: Box<dyn Store> = if let Some(path) = address.strip_prefix("sqlite:") {
        if path.is_empty() {
            return Err(StoreError::Config("`sqlite:` needs a file path".to_owned()));
        }
        let sqlite = SqliteOptions {
            durability: options.durability,
            ..SqliteOptions::default()
        };
        Box::new(SqliteStore::open(path, &sqlite)?)
    } else if address.starts_with("postgres://") || address.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        {
            Box::new(PostgresStore::connect_with(address, options.durability)?)
        }
        #[cfg(not(feature = "postgres"))]
        {
            return Err(StoreError::Config(
                "this build has no PostgreSQL client (the `postgres` feature of                  cookie-charter-records)"
                    .to_owned(),
            ));
        }
    } else {
        return Err(StoreError::Config(format!(
            "store `{}` is not `sqlite:PATH` or `postgres://…`",
            address.escape_debug()
        )));
    };
    match (retention, store.retention()?) {
        (Some(retention), _) => store.set_retention(retention)?,
        (None, Some(_)) => {}
        (None, None) => {
            return Err(StoreError::Config(
                "the store has no retention setting: give one (such as `13 months`)".to_owned(),
            ));
        }
    }
    Ok(store)
}

/// Deletes the records older than the store's retention at `now` (see [`Store::purge_before`]).
pub fn purge(store: &mut dyn Store, now: u64) -> Result<Purged, StoreError> {
    let retention = store
        .retention()?
        .ok_or_else(|| StoreError::Config("the store has no retention setting".to_owned()))?;
    store.purge_before(retention.cutoff(now))
}

/// What [`copy`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    /// Records copied.
    pub records: u64,
    /// Notices copied.
    pub notices: u64,
    /// The head both stores now share.
    pub head: Anchor,
}

/// Copies a whole store into a new, empty one (moving from SQLite to PostgreSQL): the anchor,
/// the notices, then every record in chain order. The destination chains the records itself,
/// so the copy is proven whole when its head is the source's head; it is an error otherwise.
/// The source must verify first, and nothing may write to it meanwhile.
pub fn copy(source: &mut dyn Store, destination: &mut dyn Store) -> Result<Copied, StoreError> {
    let report = verify(source)?;
    if !report.is_valid() {
        return Err(StoreError::Refused(format!(
            "the source does not verify ({} problems, the first: {})",
            report.problems.len(),
            report.problems.first().map_or("", String::as_str)
        )));
    }
    if destination.head()? != Anchor::default() || destination.stats()?.records != 0 {
        return Err(StoreError::Refused(
            "the destination is not a new, empty store".to_owned(),
        ));
    }
    if let Some(retention) = source.retention()? {
        destination.set_retention(retention)?;
    }
    if report.anchor != Anchor::default() {
        destination.seed(report.anchor)?;
    }
    let mut notices = 0;
    for notice in source.notices()? {
        destination.put_notice(&notice)?;
        notices += 1;
    }
    let mut after = report.anchor.seq;
    let mut records = 0;
    loop {
        let page = source.stored(after, PAGE)?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.seq;
        let batch = page
            .iter()
            .map(|stored| NewRecord::from_body(&stored.body))
            .collect::<Result<Vec<_>, _>>()?;
        records += destination.append_batch(&batch)?;
    }
    let head = destination.head()?;
    if head != report.head {
        return Err(StoreError::Refused(format!(
            "the copy ends at record {} ({}), the source at record {} ({})",
            head.seq, head.hash, report.head.seq, report.head.hash
        )));
    }
    Ok(Copied {
        records,
        notices,
        head,
    })
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Verification {
    /// Records checked.
    pub records: u64,
    /// Notices checked.
    pub notices: u64,
    /// Where the chain starts.
    pub anchor: Anchor,
    /// Where it ends.
    pub head: Anchor,
    /// What is wrong, in chain order (at most [`MAX_PROBLEMS`]); empty when the chain and the
    /// notices verify.
    pub problems: Vec<String>,
}

impl Verification {
    /// Whether the chain and the notices verify.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The most problems [`verify`] lists.
pub const MAX_PROBLEMS: usize = 100;

/// How many records verification reads at a time.
const PAGE: usize = 20_000;

/// Checks the whole store: every record follows the one before it (places without gaps from the
/// anchor, each previous hash the one before's hash, each hash recomputed from its body), every
/// body reads back in canonical form and agrees with its columns, every record points to a
/// stored notice, the last record is the head, and every notice's texts have their hashes.
pub fn verify(store: &mut dyn Store) -> Result<Verification, StoreError> {
    let mut out = Verification {
        anchor: store.anchor()?,
        ..Verification::default()
    };
    let mut problems: Vec<(u64, String)> = Vec::new();
    let mut notices = HashSet::new();
    for notice in store.notices()? {
        out.notices += 1;
        let digest = notice.digest();
        if let Err(why) = notice.check() {
            problems.push((
                0,
                format!(
                    "notice {digest} (revision {}, `{}`): {why}",
                    notice.revision, notice.language
                ),
            ));
        }
        notices.insert(digest);
    }
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let mut prev = out.anchor;
    loop {
        let page = store.stored(prev.seq, PAGE)?;
        let Some(last) = page.last() else {
            break;
        };
        let last_seq = last.seq;
        // The links, in order: places without gaps, each previous hash the one before's hash.
        for stored in &page {
            out.records += 1;
            check_link(stored, &prev, &mut problems);
            prev = Anchor {
                seq: stored.seq,
                hash: Digest::from_slice(&stored.hash).unwrap_or_default(),
            };
        }
        // Each record on its own (its hash, its body), spread over the cores.
        let chunk = page.len().div_ceil(threads).max(1);
        let found: Vec<Vec<(u64, String)>> = std::thread::scope(|scope| {
            let workers: Vec<_> = page
                .chunks(chunk)
                .map(|records| {
                    let notices = &notices;
                    scope.spawn(move || {
                        let mut found = Vec::new();
                        for stored in records {
                            check_record(stored, notices, &mut found);
                        }
                        found
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_default())
                .collect()
        });
        problems.extend(found.into_iter().flatten());
        // In chain order, whichever check found them; the first ones only.
        problems.sort_by_key(|(seq, _)| *seq);
        problems.truncate(MAX_PROBLEMS);
        if page.len() < PAGE || last_seq == u64::MAX {
            break;
        }
    }
    out.head = prev;
    let head = store.head()?;
    if head != prev {
        problems.push((
            u64::MAX,
            format!(
                "the chain ends at record {} but the store's head is record {}",
                prev.seq, head.seq
            ),
        ));
    }
    out.problems = problems
        .into_iter()
        .take(MAX_PROBLEMS)
        .map(|(_, p)| p)
        .collect();
    Ok(out)
}

fn check_link(stored: &StoredRecord, prev: &Anchor, problems: &mut Vec<(u64, String)>) {
    let seq = stored.seq;
    if seq != prev.seq + 1 {
        problems.push((
            seq,
            format!(
                "record {seq} follows record {}: records {} to {} are missing",
                prev.seq,
                prev.seq + 1,
                seq.saturating_sub(1)
            ),
        ));
    }
    if stored.prev_hash != prev.hash.0 {
        problems.push((
            seq,
            format!(
                "record {seq}: its previous hash is not the hash of record {}",
                prev.seq
            ),
        ));
    }
}

fn check_record(
    stored: &StoredRecord,
    notices: &HashSet<Digest>,
    problems: &mut Vec<(u64, String)>,
) {
    let seq = stored.seq;
    let mut report = |what: String| problems.push((seq, format!("record {seq}: {what}")));
    // The record's own integrity: its hash is that of its previous hash, place and body.
    let own = Digest::from_slice(&stored.prev_hash)
        .map(|p| chain_hash(&p, seq, &stored.body).0.as_slice() == stored.hash.as_slice());
    if own.ok() != Some(true) {
        report("its hash does not match its content".to_owned());
    }
    match NewRecord::from_body(&stored.body) {
        Err(e) => report(e.to_string()),
        Ok(record) => {
            if stored.id != record.id.as_bytes() {
                report("its id column is not its body's id".to_owned());
            }
            if u64::try_from(stored.at).ok() != Some(record.at) {
                report("its time column is not its body's time".to_owned());
            }
            if !notices.contains(&record.notice) {
                report(format!("its notice {} is not stored", record.notice));
            }
        }
    }
}
