//! `cookie-charter records`: the consent records of spec §13 (crates/cookie-charter-records).
//!
//! - `verify`: the chain (places, previous hashes, hashes recomputed from the bodies) and the
//!   notices (their texts against their hashes); exit 1 when anything is wrong.
//! - `export`: one record (`--id`) or a time range (`--from`, `--to`), one JSON document per line,
//!   as ISO/IEC TS 27560 records or Kantara consent receipts.
//! - `purge`: deletes the records older than the retention (the store's, or `--retention`).
//! - `stats`: counts, the chain's ends, choices per purpose.
//! - `copy`: a whole store into a new one (moving from SQLite to PostgreSQL).
//! - `keygen`: a new signing key line for a key file.
//!
//! Every command but `keygen` takes `--store sqlite:PATH` or `--store postgres://…`.

use std::io::Write;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use cookie_charter::RecordId;
use cookie_charter_records::export::{ExportFormat, ExportOptions, Exporter, parse_time, rfc3339};
use cookie_charter_records::{Retention, Store, copy, keys, open, verify};

/// Verify, export, purge and count the consent records of a store.
#[derive(Debug, Parser)]
#[command(name = "cookie-charter records", version, about)]
struct RecordsCli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the hash chain and the notices; exit 1 when anything is wrong.
    Verify {
        /// The store: `sqlite:PATH` or `postgres://…`.
        #[arg(long)]
        store: String,
    },
    /// Print records as JSON, one per line.
    Export {
        /// The store: `sqlite:PATH` or `postgres://…`.
        #[arg(long)]
        store: String,
        /// One record, by its id (32 hex digits, the consent cookie's `_rid`).
        #[arg(long, conflicts_with_all = ["from", "to"])]
        id: Option<String>,
        /// The first time of the range: RFC 3339, a date (`2026-01-31`) or unix seconds.
        #[arg(long)]
        from: Option<String>,
        /// The last time of the range (same forms).
        #[arg(long)]
        to: Option<String>,
        /// `iso27560` (ISO/IEC TS 27560 records) or `kantara` (Kantara consent receipts v1.1).
        #[arg(long, default_value = "iso27560")]
        format: String,
        /// The controller's jurisdiction, such as `FR`.
        #[arg(long)]
        jurisdiction: Option<String>,
        /// The controller's postal address.
        #[arg(long)]
        address: Option<String>,
        /// The controller's contact.
        #[arg(long)]
        contact: Option<String>,
        /// The controller's e-mail address.
        #[arg(long)]
        email: Option<String>,
        /// The controller's phone number.
        #[arg(long)]
        phone: Option<String>,
        /// Where a visitor withdraws consent (default: the site URL).
        #[arg(long)]
        withdrawal_url: Option<String>,
    },
    /// Delete the records older than the retention; the chain stays verifiable.
    Purge {
        /// The store: `sqlite:PATH` or `postgres://…`.
        #[arg(long)]
        store: String,
        /// A new retention (such as `13 months`), stored before purging.
        #[arg(long)]
        retention: Option<String>,
        /// The time of the purge, in unix seconds (absent: now).
        #[arg(long)]
        now: Option<u64>,
    },
    /// Print counts, the chain's ends and the choices per purpose.
    Stats {
        /// The store: `sqlite:PATH` or `postgres://…`.
        #[arg(long)]
        store: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Copy a whole store into a new, empty one (from SQLite to PostgreSQL): the same chain,
    /// checked by its head; stop the writers first.
    Copy {
        /// The store to copy: `sqlite:PATH` or `postgres://…`.
        #[arg(long)]
        from: String,
        /// The new store: `sqlite:PATH` or `postgres://…`, empty.
        #[arg(long)]
        to: String,
    },
    /// Print a new signing key line, `<key id>:<secret>`, to put first in the key file.
    Keygen {
        /// The new key's id, such as `2026a`.
        key_id: String,
    },
}

/// Runs `cookie-charter records …` (the arguments after the program's name).
pub fn main() -> ExitCode {
    let cli = RecordsCli::parse_from(std::env::args_os().skip(1));
    match run(cli, &mut std::io::stdout().lock()) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("cookie-charter records: {message}");
            ExitCode::from(2)
        }
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn store(address: &str) -> Result<Box<dyn Store>, String> {
    open(address, None).map_err(|e| format!("error[{}]: {e}", e.code()))
}

fn time_arg(flag: &str, text: Option<&str>, default: u64) -> Result<u64, String> {
    match text {
        None => Ok(default),
        Some(t) => parse_time(t).ok_or_else(|| {
            format!(
                "{flag} `{}` is not RFC 3339, a date such as `2026-01-31` or unix seconds",
                t.escape_debug()
            )
        }),
    }
}

fn run(cli: RecordsCli, out: &mut impl Write) -> Result<ExitCode, String> {
    let io = |e: std::io::Error| format!("cannot write the output: {e}");
    let failed = |e: cookie_charter_records::StoreError| format!("error[{}]: {e}", e.code());
    match cli.command {
        Command::Verify { store: address } => {
            let mut store = store(&address)?;
            let report = verify(store.as_mut()).map_err(failed)?;
            for problem in &report.problems {
                writeln!(out, "{address}: error: {problem}").map_err(io)?;
            }
            let verdict = if report.is_valid() { "ok" } else { "invalid" };
            writeln!(
                out,
                "{address}: {verdict}: {} records (places {} to {}), {} notices, head {}",
                report.records,
                report.anchor.seq + 1,
                report.head.seq,
                report.notices,
                report.head.hash
            )
            .map_err(io)?;
            Ok(if report.is_valid() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Export {
            store: address,
            id,
            from,
            to,
            format,
            jurisdiction,
            address: postal,
            contact,
            email,
            phone,
            withdrawal_url,
        } => {
            let format = ExportFormat::parse(&format).ok_or_else(|| {
                format!(
                    "--format `{}` is not `iso27560` or `kantara`",
                    format.escape_debug()
                )
            })?;
            let options = ExportOptions {
                jurisdiction,
                address: postal,
                contact,
                email,
                phone,
                withdrawal_url,
            };
            let mut store = store(&address)?;
            if let Some(id) = id {
                let rid = RecordId::parse(&id).ok_or_else(|| {
                    format!(
                        "--id `{}` is not 32 lowercase hex digits",
                        id.escape_debug()
                    )
                })?;
                let record = store
                    .record(&rid)
                    .map_err(failed)?
                    .ok_or_else(|| format!("no record `{rid}` in the store"))?;
                let mut exporter = Exporter::new(store.as_mut(), options);
                let json = exporter.export(&record, format).map_err(failed)?;
                writeln!(out, "{json}").map_err(io)?;
                return Ok(ExitCode::SUCCESS);
            }
            let from = time_arg("--from", from.as_deref(), 0)?;
            let to = time_arg("--to", to.as_deref(), u64::MAX)?;
            let mut after = 0;
            loop {
                let page = store.between(from, to, after, 1_000).map_err(failed)?;
                let Some(last) = page.last() else {
                    break;
                };
                after = last.seq;
                let full = page.len() == 1_000;
                let mut exporter = Exporter::new(store.as_mut(), options.clone());
                for record in &page {
                    let json = exporter.export(record, format).map_err(failed)?;
                    writeln!(out, "{json}").map_err(io)?;
                }
                if !full {
                    break;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Purge {
            store: address,
            retention,
            now: at,
        } => {
            let retention = retention
                .map(|r| Retention::parse(&r))
                .transpose()
                .map_err(|e| format!("--retention: {e}"))?;
            let mut store = match retention {
                Some(r) => open(&address, Some(r)).map_err(failed)?,
                None => self::store(&address)?,
            };
            let at = at.unwrap_or_else(now);
            let purged = cookie_charter_records::purge(store.as_mut(), at).map_err(failed)?;
            writeln!(
                out,
                "{address}: purged {} records; the chain now starts after record {} ({})",
                purged.records, purged.anchor.seq, purged.anchor.hash
            )
            .map_err(io)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats {
            store: address,
            json,
        } => {
            let stats = store(&address)?.stats().map_err(failed)?;
            if json {
                let choices: serde_json::Map<String, serde_json::Value> = stats
                    .choices
                    .iter()
                    .map(|(p, g, d)| (p.clone(), serde_json::json!({"granted": g, "denied": d})))
                    .collect();
                let value = serde_json::json!({
                    "records": stats.records,
                    "notices": stats.notices,
                    "oldest": stats.oldest.map(rfc3339),
                    "newest": stats.newest.map(rfc3339),
                    "anchor": {"seq": stats.anchor.seq, "hash": stats.anchor.hash.to_string()},
                    "head": {"seq": stats.head.seq, "hash": stats.head.hash.to_string()},
                    "retention_seconds": stats.retention,
                    "choices": choices,
                });
                writeln!(out, "{value}").map_err(io)?;
                return Ok(ExitCode::SUCCESS);
            }
            let when = |t: Option<u64>| t.map_or_else(|| "-".to_owned(), rfc3339);
            writeln!(out, "records: {}", stats.records).map_err(io)?;
            writeln!(out, "notices: {}", stats.notices).map_err(io)?;
            writeln!(out, "oldest: {}", when(stats.oldest)).map_err(io)?;
            writeln!(out, "newest: {}", when(stats.newest)).map_err(io)?;
            writeln!(
                out,
                "chain: records {} to {}",
                stats.anchor.seq + 1,
                stats.head.seq
            )
            .map_err(io)?;
            if let Some(r) = stats.retention {
                writeln!(out, "retention: {} days", r / cookie_charter::DAY).map_err(io)?;
            }
            for (purpose, granted, denied) in &stats.choices {
                writeln!(out, "{purpose}: {granted} granted, {denied} denied").map_err(io)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Copy { from, to } => {
            let mut source = store(&from)?;
            let retention = source.retention().map_err(failed)?;
            let mut destination = open(&to, retention).map_err(failed)?;
            let copied = copy(source.as_mut(), destination.as_mut()).map_err(failed)?;
            writeln!(
                out,
                "{to}: copied {} records and {} notices from {from}; both end at record {} ({})",
                copied.records, copied.notices, copied.head.seq, copied.head.hash
            )
            .map_err(io)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Keygen { key_id } => {
            let line = keys::generate(&key_id).map_err(|e| e.to_string())?;
            writeln!(out, "{line}").map_err(io)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
