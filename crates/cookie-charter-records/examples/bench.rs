//! Throughput and latency of the consent endpoint with several writer processes, and the time
//! to verify a long chain.
//!
//! ```text
//! cargo run --release -p cookie-charter-records --example bench -- write sqlite:/tmp/b.sqlite [WRITERS] [CHOICES] [flushed|committed]
//! cargo run --release -p cookie-charter-records --example bench -- write postgres://user@host/db [WRITERS] [CHOICES] [flushed|committed]
//! cargo run --release -p cookie-charter-records --example bench -- verify sqlite:/tmp/v.sqlite [RECORDS]
//! cargo run --release -p cookie-charter-records --example bench -- verify postgres://user@host/db [RECORDS]
//! ```
//!
//! `write` starts WRITERS processes (default 4), each answering CHOICES (default 5,000) signed
//! choices through `Endpoint::handle`, all starting together; it prints the choices per second
//! (all of them over the wall time) and the latency of one call (p50, p99, max). `verify`
//! appends RECORDS (default 1,000,000) records in bulk, then times `verify`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use cookie_charter::{Choice, ConsentKeys, Policy, PolicyFormat, RecordId};
use cookie_charter_records::{
    Durability, Endpoint, EndpointConfig, Method, NewRecord, Notice, PostgresStore, Retention,
    SqliteOptions, SqliteStore, Store, open, verify,
};

const NOW: u64 = 1_767_225_600;

const POLICY: &str = r#"
[site]
name = "Example"
url = "https://www.example.com"
consent_cookie = "consent"
languages = ["fr", "en"]
[purposes.marketing]
label = { fr = "Publicité", en = "Advertising" }
[[cookies]]
name = "consent"
provider = "Example"
service = "Banner"
purpose = "necessary"
description = "Keeps your choice"
lifetime = "6 months"
[[cookies]]
name = "_ga"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Counts visits"
lifetime = "13 months"
[[cookies]]
name = "_fbp"
provider = "Meta"
service = "Pixel"
purpose = "marketing"
description = "Ads"
lifetime = "3 months"
domain = "facebook.com"
"#;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("write") => write(
            &args[1],
            number(&args, 2, 4),
            number(&args, 3, 5_000),
            durability(&args, 4),
        ),
        Some("writer") => writer(
            &args[1],
            number(&args, 2, 5_000),
            number(&args, 3, 0),
            durability(&args, 4),
        ),
        Some("verify") => verify_chain(&args[1], number(&args, 2, 1_000_000)),
        Some("reverify") => reverify(&args[1]),
        _ => panic!("usage: bench write|verify STORE [N...]"),
    }
}

/// The CPU time of this process (all its threads) so far, in seconds, from `/proc/self/stat`
/// (Linux, 100 ticks a second): beside the wall time, on a shared machine.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are the 14th and 15th fields, the 12th and 13th after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn number(args: &[String], i: usize, default: u64) -> u64 {
    args.get(i)
        .map_or(default, |a| a.parse().expect("a number"))
}

fn durability(args: &[String], i: usize) -> Durability {
    args.get(i).map_or(Durability::Flushed, |a| {
        Durability::parse(a).expect("flushed or committed")
    })
}

fn config() -> EndpointConfig {
    EndpointConfig {
        keys: Some(
            ConsentKeys::parse("k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA").unwrap(),
        ),
        ..EndpointConfig::new(Retention::parse("5 years").unwrap())
    }
}

/// One writer process: waits for `go` on standard input, answers `count` choices, prints the
/// latency of each in nanoseconds.
fn writer(address: &str, count: u64, index: u64, durability: Durability) {
    let config = EndpointConfig {
        durability,
        ..config()
    };
    let endpoint = Endpoint::new(POLICY, PolicyFormat::Toml, address, config, NOW).unwrap();
    // A first choice writes the notices and opens the connection before the clock starts.
    let headers = [
        ("Origin", "https://www.example.com"),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", "application/x-www-form-urlencoded"),
        (
            "Cookie",
            "consent=v=1&rev=1&at=1767225600&marketing=1&statistics=1; _ga=1; _fbp=2",
        ),
    ];
    assert_eq!(endpoint.handle("POST", &headers, b"all=1", NOW).status, 200);
    println!("ready");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    let bodies: [&[u8]; 3] = [
        b"all=1",
        b"all=0",
        b"statistics=1&marketing=0&method=settings",
    ];
    let mut latencies = Vec::with_capacity(count as usize);
    for n in 0..count {
        let start = Instant::now();
        let reply = endpoint.handle("POST", &headers, bodies[(n % 3) as usize], NOW + index + n);
        latencies.push(start.elapsed().as_nanos() as u64);
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let out = std::io::stdout();
    let mut out = out.lock();
    for l in latencies {
        writeln!(out, "{l}").unwrap();
    }
}

fn write(address: &str, writers: u64, choices: u64, durability: Durability) {
    // The schema exists before the writers start.
    drop(open(address, Some(config().retention)).unwrap());
    let exe = std::env::current_exe().unwrap();
    let mut children: Vec<_> = (0..writers)
        .map(|i| {
            Command::new(&exe)
                .args([
                    "writer",
                    address,
                    &choices.to_string(),
                    &(i * 1_000_000).to_string(),
                    durability.as_str(),
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut readers: Vec<_> = children
        .iter_mut()
        .map(|c| BufReader::new(c.stdout.take().unwrap()))
        .collect();
    for reader in &mut readers {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
    }
    let start = Instant::now();
    for child in &mut children {
        writeln!(child.stdin.as_mut().unwrap(), "go").unwrap();
    }
    let mut latencies: Vec<u64> = Vec::new();
    for reader in readers {
        latencies.extend(reader.lines().map(|l| l.unwrap().parse::<u64>().unwrap()));
    }
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    let total = latencies.len();
    let at = |q: f64| latencies[((total as f64 * q) as usize).min(total - 1)] as f64 / 1e6;
    println!(
        "{address} ({}): {writers} writers x {choices} choices: {total} in {:.2} s = {:.0} choices/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        durability.as_str(),
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        at(0.50),
        at(0.99),
        *latencies.last().unwrap() as f64 / 1e6,
    );
    let mut store = open(address, None).unwrap();
    let report = verify(store.as_mut()).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    println!("{address}: chain verified: {} records", report.records);
}

/// Times reading every record of an existing store, then verifying it.
fn reverify(address: &str) {
    let mut store = open(address, None).unwrap();
    let start = Instant::now();
    let (mut after, mut rows) = (0, 0);
    loop {
        let page = store.stored(after, 20_000).unwrap();
        let Some(last) = page.last() else { break };
        after = last.seq;
        rows += page.len();
    }
    println!(
        "{address}: read {rows} records in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let report = verify(store.as_mut()).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    println!(
        "{address}: verified {} records in {:.2} s (CPU time of this process: {:.2} s)",
        report.records,
        start.elapsed().as_secs_f64(),
        cpu_seconds() - cpu
    );
}

/// A store to fill in bulk: SQLite (a new file) or PostgreSQL (an empty database).
enum Bulk {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Bulk {
    fn store(&mut self) -> &mut dyn Store {
        match self {
            Self::Sqlite(s) => s,
            Self::Postgres(s) => s,
        }
    }

    fn append_many(&mut self, records: &[NewRecord]) {
        match self {
            Self::Sqlite(s) => drop(s.append_many(records).unwrap()),
            Self::Postgres(s) => drop(s.append_many(records).unwrap()),
        }
    }
}

fn verify_chain(address: &str, records: u64) {
    let mut bulk = match address.strip_prefix("sqlite:") {
        Some(path) => {
            let _ = std::fs::remove_file(path);
            Bulk::Sqlite(SqliteStore::open(path, &SqliteOptions::default()).unwrap())
        }
        None => Bulk::Postgres(PostgresStore::connect(address).unwrap()),
    };
    let store = bulk.store();
    store.set_retention(config().retention).unwrap();
    let policy = Policy::from_toml(POLICY).unwrap();
    let notice = Notice::of(POLICY, &policy, "fr", NOW);
    store.put_notice(&notice).unwrap();
    let start = Instant::now();
    let mut n: u64 = 0;
    while n < records {
        let batch: Vec<NewRecord> = (n..(n + 10_000).min(records))
            .map(|i| {
                let mut id = [0_u8; 16];
                id[..8].copy_from_slice(&i.to_be_bytes());
                NewRecord {
                    id: RecordId::from_bytes(id),
                    at: NOW + i,
                    revision: 1,
                    choices: vec![
                        (
                            "marketing".to_owned(),
                            if i % 2 == 0 {
                                Choice::Granted
                            } else {
                                Choice::Denied
                            },
                        ),
                        ("statistics".to_owned(), Choice::Granted),
                    ],
                    method: Method::Banner,
                    language: "fr".to_owned(),
                    notice: notice.digest(),
                    previous: None,
                    client: Default::default(),
                }
            })
            .collect();
        n += batch.len() as u64;
        bulk.append_many(&batch);
    }
    println!(
        "{address}: {records} records appended in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    drop(bulk);
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let mut store = open(address, None).unwrap();
    let report = verify(store.as_mut()).unwrap();
    let elapsed = start.elapsed();
    let cpu = cpu_seconds() - cpu;
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!(report.records, records);
    println!(
        "{address}: verified {} records in {:.2} s ({:.0} records/s; CPU time of this process: {:.2} s)",
        report.records,
        elapsed.as_secs_f64(),
        report.records as f64 / elapsed.as_secs_f64(),
        cpu
    );
}
