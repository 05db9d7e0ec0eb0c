//! The stores: one valid chain, append-only, verification that finds tampering, the purge by
//! retention, and clear errors for a store that is corrupt, full or down. Every test runs on
//! SQLite; the same tests run on PostgreSQL when `test.sh` started a server.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use cookie_charter::{Choice, DAY, RecordId};
use cookie_charter_records::{
    Digest, Method, NewRecord, Notice, PostgresStore, Retention, SqliteOptions, SqliteStore, Store,
    StoreError, copy, open, purge, verify,
};

fn record(n: u8, at: u64, notice: Digest) -> NewRecord {
    NewRecord {
        id: RecordId::from_bytes([n; 16]),
        at,
        revision: 1,
        choices: vec![
            ("marketing".to_owned(), Choice::Denied),
            ("statistics".to_owned(), Choice::Granted),
        ],
        method: Method::Banner,
        language: "fr".to_owned(),
        notice,
        previous: None,
        client: Default::default(),
    }
}

fn notice() -> Notice {
    let policy = cookie_charter::Policy::from_toml(common::POLICY).unwrap();
    Notice::of(common::POLICY, &policy, "fr", common::NOW)
}

fn sqlite(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("consents.sqlite").display())
}

fn retention() -> Option<Retention> {
    Some(Retention::parse("30 days").unwrap())
}

/// Appends, reads back, verifies, purges and verifies again.
fn chain_and_purge(address: &str) {
    let mut store = open(address, retention()).unwrap();
    let notice = notice();
    store.put_notice(&notice).unwrap();
    store.put_notice(&notice).unwrap();
    let digest = notice.digest();
    let mut appended = Vec::new();
    for n in 1..=10_u8 {
        appended.push(
            store
                .append(&record(n, u64::from(n) * DAY, digest))
                .unwrap(),
        );
    }
    assert_eq!(
        appended.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    for pair in appended.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    let back = store
        .record(&RecordId::from_bytes([4; 16]))
        .unwrap()
        .unwrap();
    assert_eq!(back, appended[3]);
    assert_eq!(store.record(&RecordId::from_bytes([99; 16])).unwrap(), None);
    let report = verify(store.as_mut()).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(
        (report.records, report.notices, report.head.seq),
        (10, 1, 10)
    );
    let stats = store.stats().unwrap();
    assert_eq!(stats.records, 10);
    assert_eq!(
        stats.choices,
        [
            ("marketing".to_owned(), 0, 10),
            ("statistics".to_owned(), 10, 0)
        ]
    );
    // A duplicate id is refused.
    assert!(matches!(
        store.append(&record(3, 11 * DAY, digest)),
        Err(StoreError::Refused(_))
    ));
    // Retention 30 days at day 34: records of days 1 to 3 go, the chain still verifies.
    let purged = purge(store.as_mut(), 34 * DAY).unwrap();
    assert_eq!((purged.records, purged.anchor.seq), (3, 3));
    assert_eq!(purged.anchor.hash, appended[2].hash);
    let report = verify(store.as_mut()).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!((report.records, report.anchor.seq), (7, 3));
    // Appending after a purge continues the chain.
    let next = store.append(&record(11, 35 * DAY, digest)).unwrap();
    assert_eq!((next.seq, next.prev_hash), (11, appended[9].hash));
    assert!(verify(store.as_mut()).unwrap().is_valid());
    // A purge with nothing old enough does nothing; purging everything keeps the head.
    assert_eq!(purge(store.as_mut(), 34 * DAY).unwrap().records, 0);
    let all = store.purge_before(u64::MAX).unwrap();
    assert_eq!((all.records, all.anchor.seq), (8, 11));
    let report = verify(store.as_mut()).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!((report.records, report.head.seq), (0, 11));
    let again = store.append(&record(12, 36 * DAY, digest)).unwrap();
    assert_eq!((again.seq, again.prev_hash), (12, next.hash));
}

#[test]
fn sqlite_keeps_one_chain_and_purges_behind_an_anchor() {
    let dir = tempfile::tempdir().unwrap();
    chain_and_purge(&sqlite(&dir));
}

#[test]
fn postgres_keeps_one_chain_and_purges_behind_an_anchor() {
    let Some(address) = common::postgres_database("chain") else {
        return common::skipped("postgres_keeps_one_chain_and_purges_behind_an_anchor");
    };
    chain_and_purge(&address);
}

#[test]
fn sqlite_refuses_updates_deletions_and_forks_and_verify_finds_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consents.sqlite");
    let mut store = SqliteStore::open(&path, &SqliteOptions::default()).unwrap();
    store.set_retention(retention().unwrap()).unwrap();
    let notice = notice();
    store.put_notice(&notice).unwrap();
    for n in 1..=5 {
        store
            .append(&record(n, common::NOW, notice.digest()))
            .unwrap();
    }
    for sql in [
        "UPDATE records SET at = 0 WHERE seq = 2",
        "DELETE FROM records WHERE seq = 5",
        "DELETE FROM records",
        "UPDATE anchor SET seq = 2, hash = zeroblob(32)",
        "UPDATE anchor SET seq = 0",
        "DELETE FROM anchor",
        "UPDATE notices SET charter = 'x'",
        "DELETE FROM notices",
        "INSERT INTO records VALUES (9, x'00', 0, x'7b7d', zeroblob(32), zeroblob(32))",
        "INSERT INTO records SELECT 6, x'01', 0, x'7b7d', zeroblob(32), zeroblob(32)",
    ] {
        let err = store.execute_raw(sql).unwrap_err();
        assert!(
            err.to_string().contains("append-only") || err.to_string().contains("anchor"),
            "{sql}: {err}"
        );
    }
    assert!(verify(&mut store).unwrap().is_valid());
    // Someone with the file bypasses the triggers: verification says what changed.
    store
        .execute_raw(
            "DROP TRIGGER records_no_update; DROP TRIGGER records_delete_behind_anchor; \
             DROP TRIGGER notices_no_update; \
             UPDATE records SET body = CAST(REPLACE(CAST(body AS TEXT), 'denied', 'granted') AS BLOB) WHERE seq = 2; \
             DELETE FROM records WHERE seq = 4; \
             UPDATE notices SET charter = charter || ' ';",
        )
        .unwrap();
    let report = verify(&mut store).unwrap();
    assert!(!report.is_valid());
    let problems = report.problems.join("\n");
    for expected in [
        "record 2: its hash does not match its content",
        "record 5 follows record 3: records 4 to 4 are missing",
        "record 5: its previous hash is not the hash of record 3",
        "its charter page does not have its SHA-256",
    ] {
        assert!(
            problems.contains(expected),
            "{expected} not in:\n{problems}"
        );
    }
}

#[test]
fn postgres_refuses_updates_deletions_and_forks_and_verify_finds_tampering() {
    let Some(address) = common::postgres_database("tamper") else {
        return common::skipped("postgres_refuses_updates_deletions_and_forks");
    };
    let mut store = PostgresStore::connect(&address).unwrap();
    store.set_retention(retention().unwrap()).unwrap();
    let notice = notice();
    store.put_notice(&notice).unwrap();
    for n in 1..=5 {
        store
            .append(&record(n, common::NOW, notice.digest()))
            .unwrap();
    }
    for sql in [
        "UPDATE cookie_charter.records SET at = 0 WHERE seq = 2",
        "DELETE FROM cookie_charter.records WHERE seq = 5",
        "TRUNCATE cookie_charter.records",
        "UPDATE cookie_charter.chain SET one = 2",
        "UPDATE cookie_charter.chain SET anchor_seq = 2",
        "DELETE FROM cookie_charter.chain",
        "UPDATE cookie_charter.notices SET charter = 'x'",
        "DELETE FROM cookie_charter.notices",
    ] {
        let err = store.execute_raw(sql).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    // An insert that names its own place and hashes gets the chain's instead.
    store
        .execute_raw(
            "INSERT INTO cookie_charter.records VALUES \
             (99, '\\x01'::bytea, 0, '\\x7b7d'::bytea, '\\x00'::bytea, '\\x00'::bytea)",
        )
        .unwrap();
    let report = verify(&mut store).unwrap();
    assert_eq!(report.head.seq, 6);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].starts_with("record 6: the consent store is corrupt"),
        "{:?}",
        report.problems
    );
    store
        .execute_raw(
            "ALTER TABLE cookie_charter.records DISABLE TRIGGER USER; \
             UPDATE cookie_charter.records SET body = convert_to(replace(convert_from(body, 'UTF8'), 'denied', 'granted'), 'UTF8') WHERE seq = 2; \
             DELETE FROM cookie_charter.records WHERE seq = 4;",
        )
        .unwrap();
    let problems = verify(&mut store).unwrap().problems.join("\n");
    for expected in [
        "record 2: its hash does not match its content",
        "record 5 follows record 3: records 4 to 4 are missing",
    ] {
        assert!(
            problems.contains(expected),
            "{expected} not in:\n{problems}"
        );
    }
}

#[test]
fn a_truncated_sqlite_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("consents.sqlite");
    {
        let mut store = SqliteStore::open(&path, &SqliteOptions::default()).unwrap();
        let notice = notice();
        store.put_notice(&notice).unwrap();
        let many: Vec<NewRecord> = (0..2_000_u32)
            .map(|n| {
                let mut id = [0_u8; 16];
                id[..4].copy_from_slice(&n.to_be_bytes());
                NewRecord {
                    id: RecordId::from_bytes(id),
                    ..record(0, common::NOW, notice.digest())
                }
            })
            .collect();
        store.append_many(&many).unwrap();
    }
    let length = std::fs::metadata(&path).unwrap().len();
    assert!(length > 100_000, "{length}");
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(length / 2).unwrap();
    drop(file);
    let outcome = SqliteStore::open(&path, &SqliteOptions::default())
        .and_then(|mut store| verify(&mut store).map(|_| ()));
    let err = outcome.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("the consent store is corrupt: "),
        "{err}"
    );
    // Cut inside the header: not a database at all.
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(50).unwrap();
    drop(file);
    let err = SqliteStore::open(&path, &SqliteOptions::default()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

#[test]
fn a_full_sqlite_store_refuses_with_full() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions {
        max_pages: Some(40),
        ..SqliteOptions::default()
    };
    let mut store = SqliteStore::open(dir.path().join("full.sqlite"), &options).unwrap();
    let notice = notice();
    store.put_notice(&notice).unwrap();
    let mut error = None;
    for n in 0..100_000_u32 {
        let mut id = [0_u8; 16];
        id[..4].copy_from_slice(&n.to_be_bytes());
        let result = store.append(&NewRecord {
            id: RecordId::from_bytes(id),
            ..record(0, common::NOW, notice.digest())
        });
        if let Err(e) = result {
            error = Some(e);
            break;
        }
    }
    let error = error.expect("the store never filled up");
    assert!(matches!(error, StoreError::Full(_)), "{error:?}");
    assert_eq!(error.code(), "store_full");
    // What was written before stays valid.
    assert!(verify(&mut store).unwrap().is_valid());
}

#[test]
fn addresses_and_retention_are_checked() {
    for (address, message) in [
        ("mysql://x", "is not `sqlite:PATH` or `postgres://…`"),
        ("sqlite:", "`sqlite:` needs a file path"),
    ] {
        let err = open(address, retention()).err().unwrap();
        assert!(err.to_string().contains(message), "{err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let err = open(&sqlite(&dir), None).err().unwrap();
    assert_eq!(
        err.to_string(),
        "the store has no retention setting: give one (such as `13 months`)"
    );
    assert!(open(&sqlite(&dir), retention()).is_ok());
    let mut again = open(&sqlite(&dir), None).unwrap();
    assert_eq!(again.retention().unwrap(), retention());
    let missing = format!(
        "sqlite:{}",
        dir.path().join("no/such/dir/x.sqlite").display()
    );
    assert!(matches!(
        open(&missing, retention()),
        Err(StoreError::Unavailable(_))
    ));
    for bad in ["forever", "1 hour", "session"] {
        assert!(Retention::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        Retention::parse("13 months").unwrap().seconds(),
        13 * 30 * DAY
    );
}

#[test]
fn a_postgres_server_that_is_down_is_unavailable() {
    // A port nothing listens on: the connection is refused at once.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = open(
        &format!("postgres://postgres@127.0.0.1:{port}/x"),
        retention(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert_eq!(err.code(), "store_unavailable");
}

#[test]
fn postgres_flushed_appends_are_on_disk_when_they_return() {
    let Some(address) = common::postgres_database("flush") else {
        return common::skipped("postgres_flushed_appends_are_on_disk_when_they_return");
    };
    let mut store = PostgresStore::connect(&address).unwrap();
    let notice = notice();
    store.put_notice(&notice).unwrap();
    let mut admin = postgres::Client::connect(&address, postgres::NoTls).unwrap();
    for n in 1..=20 {
        // Where the log ends before the append: its commit is written after this point, so
        // the log is flushed past it when the append returns.
        let before: String = admin
            .query_one("SELECT pg_current_wal_insert_lsn()::text", &[])
            .unwrap()
            .get(0);
        store
            .append(&record(n, common::NOW, notice.digest()))
            .unwrap();
        let flushed: bool = admin
            .query_one(
                "SELECT pg_current_wal_flush_lsn() > $1::text::pg_lsn",
                &[&before],
            )
            .unwrap()
            .get(0);
        assert!(flushed, "append {n} returned before the log was flushed");
    }
}

#[test]
fn verification_reads_long_chains_page_by_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut store =
        SqliteStore::open(dir.path().join("long.sqlite"), &SqliteOptions::default()).unwrap();
    let notice = notice();
    store.put_notice(&notice).unwrap();
    let many: Vec<NewRecord> = (0..45_000_u32)
        .map(|n| {
            let mut id = [0_u8; 16];
            id[..4].copy_from_slice(&n.to_be_bytes());
            NewRecord {
                id: RecordId::from_bytes(id),
                ..record(0, common::NOW + u64::from(n), notice.digest())
            }
        })
        .collect();
    store.append_many(&many).unwrap();
    let report = verify(&mut store).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!((report.records, report.head.seq), (45_000, 45_000));
    // One record edited in the third page, one missing in the second.
    store
        .execute_raw(
            "DROP TRIGGER records_no_update; DROP TRIGGER records_delete_behind_anchor; \
             UPDATE records SET at = at + 1 WHERE seq = 44000; \
             DELETE FROM records WHERE seq = 30000;",
        )
        .unwrap();
    let report = verify(&mut store).unwrap();
    assert_eq!(report.records, 44_999);
    assert_eq!(
        report.problems,
        [
            "record 30001 follows record 29999: records 30000 to 30000 are missing",
            "record 30001: its previous hash is not the hash of record 29999",
            "record 44000: its time column is not its body's time",
        ]
    );
}

#[test]
fn postgres_bulk_appends_are_chained_by_the_database() {
    let Some(address) = common::postgres_database("bulk") else {
        return common::skipped("postgres_bulk_appends_are_chained_by_the_database");
    };
    let mut store = PostgresStore::connect(&address).unwrap();
    let notice = notice();
    store.put_notice(&notice).unwrap();
    store
        .append(&record(1, common::NOW, notice.digest()))
        .unwrap();
    let many: Vec<NewRecord> = (2..=500_u16)
        .map(|n| {
            let mut id = [0_u8; 16];
            id[..2].copy_from_slice(&n.to_be_bytes());
            NewRecord {
                id: RecordId::from_bytes(id),
                ..record(0, common::NOW, notice.digest())
            }
        })
        .collect();
    assert_eq!(store.append_many(&many).unwrap(), 499);
    let report = verify(&mut store).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(report.head.seq, 500);
}

/// A purged SQLite store copied into a new store: the same chain, proven by the same head.
fn copy_into(destination: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut source = open(&sqlite(&dir), retention()).unwrap();
    let notice = notice();
    source.put_notice(&notice).unwrap();
    for n in 1..=10_u8 {
        source
            .append(&record(n, u64::from(n) * DAY, notice.digest()))
            .unwrap();
    }
    assert_eq!(purge(source.as_mut(), 34 * DAY).unwrap().records, 3);
    let mut target = open(destination, retention()).unwrap();
    let copied = copy(source.as_mut(), target.as_mut()).unwrap();
    assert_eq!((copied.records, copied.notices), (7, 1));
    let report = verify(target.as_mut()).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(report.anchor, source.anchor().unwrap());
    assert_eq!(report.head, source.head().unwrap());
    let id = RecordId::from_bytes([7; 16]);
    assert_eq!(target.record(&id).unwrap(), source.record(&id).unwrap());
    // The chain goes on in the new store.
    let next = target
        .append(&record(11, 35 * DAY, notice.digest()))
        .unwrap();
    assert_eq!((next.seq, next.prev_hash), (11, report.head.hash));
    // A store that holds records, or has an anchor, is not a destination, nor can it be seeded.
    let err = copy(source.as_mut(), target.as_mut()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the consent store refused the change: the destination is not a new, empty store"
    );
    assert!(
        target
            .seed(cookie_charter_records::Anchor::default())
            .is_err()
    );
}

#[test]
fn sqlite_copies_into_a_new_sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    copy_into(&format!(
        "sqlite:{}",
        dir.path().join("copy.sqlite").display()
    ));
}

#[test]
fn sqlite_copies_into_postgres() {
    let Some(address) = common::postgres_database("copy") else {
        return common::skipped("sqlite_copies_into_postgres");
    };
    copy_into(&address);
}

#[test]
fn a_source_that_does_not_verify_is_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let mut source =
        SqliteStore::open(dir.path().join("a.sqlite"), &SqliteOptions::default()).unwrap();
    source
        .append(&record(1, common::NOW, notice().digest()))
        .unwrap();
    let mut target = open(
        &format!("sqlite:{}", dir.path().join("b.sqlite").display()),
        retention(),
    )
    .unwrap();
    let err = copy(&mut source, target.as_mut()).unwrap_err();
    assert!(
        err.to_string()
            .contains("the source does not verify (1 problems, the first: record 1: its notice"),
        "{err}"
    );
    assert_eq!(target.stats().unwrap().records, 0);
}
