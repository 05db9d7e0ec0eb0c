//! Writers that die and writers that race: every choice whose call returned success is in the
//! store and the chain verifies.
//!
//! The writers are this test binary run again as child processes (the test `writer` does the
//! work when `CC_WRITER_STORE` is set, and nothing otherwise). A child prints `recorded:<record id>`
//! after each call that returned 200; the parent reads these lines from a pipe, so nothing here
//! waits for a timer: the kill comes after a given number of lines.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

use cookie_charter::RecordId;
use cookie_charter_records::{open, verify};

/// The child's side: records `CC_WRITER_COUNT` choices in the store `CC_WRITER_STORE`.
#[test]
fn writer() {
    let Ok(address) = std::env::var("CC_WRITER_STORE") else {
        return;
    };
    let count: u64 = std::env::var("CC_WRITER_COUNT").unwrap().parse().unwrap();
    let endpoint = common::endpoint(&address, common::signed_config());
    let stdout = std::io::stdout();
    for n in 0..count {
        let body = if n % 2 == 0 {
            "all=1"
        } else {
            "all=0&statistics=1"
        };
        let reply = common::post(&endpoint, body, &[], common::NOW + n);
        if reply.status == 200 {
            let rid = common::json(&reply)["record_id"]
                .as_str()
                .unwrap()
                .to_owned();
            let mut out = stdout.lock();
            writeln!(out, "recorded:{rid}").unwrap();
            out.flush().unwrap();
        } else {
            writeln!(stdout.lock(), "refused:{} {}", reply.status, reply.body).unwrap();
        }
    }
}

fn spawn(address: &str, count: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "writer", "--nocapture", "--test-threads", "1"])
        .env("CC_WRITER_STORE", address)
        .env("CC_WRITER_COUNT", count.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The record ids a child reported as recorded, reading until `stop_after` of them (then
/// killing it with SIGKILL) or its end.
fn recorded(child: &mut Child, stop_after: Option<usize>) -> Vec<RecordId> {
    let stdout = child.stdout.take().unwrap();
    let mut ids = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // libtest writes `test writer ... ` before the first line, without a line break.
        if let Some((_, rid)) = line.split_once("recorded:") {
            ids.push(RecordId::parse(rid).unwrap());
            if stop_after == Some(ids.len()) {
                child.kill().unwrap();
                break;
            }
        } else {
            assert!(!line.contains("refused:"), "{line}");
        }
    }
    child.wait().unwrap();
    ids
}

fn check(address: &str, ids: &[RecordId], exactly: Option<u64>) {
    let mut store = open(address, None).unwrap();
    let report = verify(store.as_mut()).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    let mut seen = HashSet::new();
    for id in ids {
        assert!(seen.insert(*id), "{id} reported twice");
        assert!(
            store.record(id).unwrap().is_some(),
            "{id} returned success but is not stored"
        );
    }
    assert!(report.records >= ids.len() as u64);
    if let Some(n) = exactly {
        assert_eq!(report.records, n);
    }
}

/// A writer of 10,000 choices killed with SIGKILL after 3,000 successes, then another that
/// goes on: nothing reported is lost and the chain is whole.
fn killed_writer(address: &str) {
    let mut child = spawn(address, 10_000);
    let before = recorded(&mut child, Some(3_000));
    assert_eq!(before.len(), 3_000);
    check(address, &before, None);
    let mut next = spawn(address, 200);
    let after = recorded(&mut next, None);
    assert_eq!(after.len(), 200);
    let all: Vec<RecordId> = before.into_iter().chain(after).collect();
    check(address, &all, None);
}

/// Four writers at once on one store: one valid chain, nothing lost.
fn four_writers(address: &str) {
    // The schema exists before they race.
    drop(open(address, common::config().retention.into()).unwrap());
    let mut children: Vec<Child> = (0..4).map(|_| spawn(address, 500)).collect();
    let mut ids = Vec::new();
    for child in &mut children {
        let got = recorded(child, None);
        assert_eq!(got.len(), 500);
        ids.extend(got);
    }
    check(address, &ids, Some(2_000));
}

#[test]
fn sqlite_writer_killed_mid_run_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    killed_writer(&format!("sqlite:{}", dir.path().join("c.sqlite").display()));
}

#[test]
fn sqlite_four_writers_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    four_writers(&format!("sqlite:{}", dir.path().join("c.sqlite").display()));
}

#[test]
fn postgres_writer_killed_mid_run_loses_nothing() {
    let Some(address) = common::postgres_database("killed") else {
        return common::skipped("postgres_writer_killed_mid_run_loses_nothing");
    };
    killed_writer(&address);
}

#[test]
fn postgres_four_writers_keep_one_chain() {
    let Some(address) = common::postgres_database("four") else {
        return common::skipped("postgres_four_writers_keep_one_chain");
    };
    four_writers(&address);
}
