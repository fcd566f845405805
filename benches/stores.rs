//! Stores (SPEC.md 17): messages per second through each store, every message's load, crypto
//! and compare-and-swap included, next to its floor (the same store doing the same load and
//! swap of the same record with no crypto), on 1 and 2 tokio workers; and how SQLite holds up
//! as the number of stored sessions grows from 1,000 to 1,000,000.
//!
//! One run: `cargo bench --bench stores` (`STORES_PASSES`, default 2; `STORES_SCALE`, the
//! session counts of the scaling rows, default `1000,10000,100000,1000000`; `STORES_DIR`, where
//! the database files go, default the temporary folder; `STORES_POSTGRES_URL` or
//! `HUSHWIRE_TEST_POSTGRES_URL`, a PostgreSQL server for its rows: `.ci/postgres run cargo
//! bench --bench stores`). Each figure is the time per message
//! (wall time over the messages of all workers), so with 2 workers it is the inverse of the
//! throughput of both together. The method is the other targets' (benches/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/criterion_run.rs"]
mod criterion_run;
#[path = "stores/fixtures.rs"]
mod fixtures;
#[path = "common/machine_load.rs"]
mod machine_load;
// `floor_row` and `median` are for the other targets.
#[allow(dead_code)]
#[path = "common/run_report.rs"]
mod run_report;
// `aws_agree` and `sum` are for the other targets.
#[allow(dead_code)]
#[path = "common/shared.rs"]
mod shared;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use hushwire::store::{AcceptTransaction, Conversations, SessionRecords, SqliteStore};

use fixtures::{AnyStore, Business, Kind, customer_at, incoming, share};
use run_report::{Run, SPREAD_HEADING, command_line, header, spread_row};
use shared::{div, ratio, time};

/// The sessions of the per-store rows.
const SESSIONS: usize = 1000;
const WORKERS: [usize; 2] = [1, 2];
const OPS: [&str; 3] = ["encrypt", "decrypt", "floor"];
/// The connections (and concurrent tasks) of the PostgreSQL scaling rows.
const CONNECTIONS: [usize; 5] = [1, 2, 4, 8, 16];

/// `iters` operations of kind `op` on `workers` tasks at once, each on its own share of the
/// sessions; the wall time.
fn timed<S: AcceptTransaction + 'static>(
    runtime: &tokio::runtime::Runtime,
    business: &Business<S>,
    op: &str,
    workers: usize,
    iters: u64,
) -> Duration {
    let sessions = business.customers.len();
    // Decrypt needs the messages first (untimed): the customers encrypt them.
    let mut lists = match op {
        "decrypt" => incoming(runtime, &business.customers, iters, workers),
        _ => vec![Vec::new(); workers],
    };
    let customer_key = |j: usize| *business.customers[j].identity_key();
    let started = Instant::now();
    runtime.block_on(async {
        let tasks: Vec<_> = (0..workers)
            .map(|t| {
                let conversations = Arc::clone(&business.conversations);
                let n = iters / workers as u64 + u64::from((t as u64) < iters % workers as u64);
                let list = std::mem::take(&mut lists[t]);
                let keys: Vec<_> = list.iter().map(|(j, _)| customer_key(*j)).collect();
                let op = op.to_owned();
                tokio::spawn(async move {
                    let mut rng = hushwire_testkit::fixtures::rng(t as u64);
                    match op.as_str() {
                        "encrypt" => {
                            for k in 0..n {
                                let j = share(t, k, sessions, workers);
                                conversations
                                    .encrypt(&customer_at(j), b"an answer of some forty bytes, say")
                                    .await
                                    .unwrap();
                            }
                        }
                        "decrypt" => {
                            for ((j, envelope), key) in list.iter().zip(&keys) {
                                conversations
                                    .decrypt(&mut rng, &customer_at(*j), key, envelope)
                                    .await
                                    .unwrap();
                            }
                        }
                        _ => {
                            for k in 0..n {
                                let peer = customer_at(share(t, k, sessions, workers));
                                let store = conversations.store();
                                let loaded =
                                    store.load_session_record(&peer).await.unwrap().unwrap();
                                store
                                    .store_session_record(
                                        &peer,
                                        Some(loaded.revision),
                                        &loaded.value,
                                    )
                                    .await
                                    .unwrap();
                            }
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    started.elapsed()
}

/// The rows of one store: encrypt, decrypt and the floor, on 1 and 2 workers, each on a
/// fresh store with [`SESSIONS`] sessions.
fn per_store(c: &mut Criterion, kind: Kind) {
    for workers in WORKERS {
        let runtime = fixtures::runtime(workers);
        match fixtures::open(kind) {
            AnyStore::Memory(store) => {
                let business = fixtures::business(&runtime, *store, SESSIONS);
                group(c, kind.name(), workers, &runtime, &business);
            }
            AnyStore::Sqlite(store, _file) => {
                let business = fixtures::business(&runtime, store, SESSIONS);
                group(c, kind.name(), workers, &runtime, &business);
            }
        }
    }
}

fn group<S: AcceptTransaction + 'static>(
    c: &mut Criterion,
    name: &str,
    workers: usize,
    runtime: &tokio::runtime::Runtime,
    business: &Business<S>,
) {
    let mut g = c.benchmark_group(format!("stores_{name}"));
    g.throughput(Throughput::Elements(1));
    for op in OPS {
        g.bench_function(BenchmarkId::new(op, format!("{workers}w")), |b| {
            b.iter_custom(|iters| timed(runtime, business, op, workers, iters));
        });
    }
    g.finish();
}

/// The PostgreSQL rows: encrypt, decrypt and the floor on 1 and 2 workers (one connection
/// each), then encrypt and the floor with 1 to 16 connections and as many tasks at once on
/// 2 tokio worker threads.
fn postgres(c: &mut Criterion, url: &str) {
    for workers in WORKERS {
        let runtime = fixtures::runtime(workers);
        let store = fixtures::postgres(&runtime, url, workers);
        let business = fixtures::business(&runtime, store, SESSIONS);
        group(c, "postgres", workers, &runtime, &business);
    }
    let runtime = fixtures::runtime(2);
    for connections in CONNECTIONS {
        let store = fixtures::postgres(&runtime, url, connections);
        let business = fixtures::business(&runtime, store, SESSIONS);
        let mut g = c.benchmark_group("stores_postgres_connections");
        g.throughput(Throughput::Elements(1));
        for op in ["encrypt", "floor"] {
            g.bench_function(BenchmarkId::new(op, connections), |b| {
                b.iter_custom(|iters| timed(&runtime, &business, op, connections, iters));
            });
        }
        g.finish();
    }
}

/// The scaling rows: SQLite (FULL) with `n` sessions, encrypt on a session drawn at random
/// from all of them, and its floor, on 1 worker.
fn scaling(c: &mut Criterion, sizes: &[usize], record: &[u8]) {
    let runtime = fixtures::runtime(1);
    for &n in sizes {
        let file = fixtures::TempFile::new("scale");
        let store = SqliteStore::open(&file.0, fixtures::sqlite_options(true, false)).unwrap();
        let started = Instant::now();
        fixtures::fill(&file.0, record, n);
        eprintln!(
            "stores: {n} sessions written in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let identity = hushwire::IdentityKeyPair::generate(&mut hushwire_testkit::fixtures::rng(1));
        let conversations = Arc::new(Conversations::new(
            store,
            identity,
            hushwire::Config::default(),
        ));
        let mut g = c.benchmark_group("stores_scale");
        g.throughput(Throughput::Elements(1));
        for op in ["encrypt", "floor"] {
            g.bench_function(BenchmarkId::new(op, n), |b| {
                b.iter_custom(|iters| {
                    let conversations = Arc::clone(&conversations);
                    let started = Instant::now();
                    runtime.block_on(async move {
                        let mut pick = hushwire_testkit::fixtures::rng(iters);
                        for _ in 0..iters {
                            let j = (rand::Rng::next_u64(&mut pick) % n as u64) as usize;
                            let peer = customer_at(j);
                            if op == "encrypt" {
                                conversations
                                    .encrypt(&peer, b"an answer of some forty bytes, say")
                                    .await
                                    .unwrap();
                            } else {
                                let store = conversations.store();
                                let loaded =
                                    store.load_session_record(&peer).await.unwrap().unwrap();
                                store
                                    .store_session_record(
                                        &peer,
                                        Some(loaded.revision),
                                        &loaded.value,
                                    )
                                    .await
                                    .unwrap();
                            }
                        }
                    });
                    started.elapsed()
                });
            });
        }
        g.finish();
        drop(conversations);
        drop(file);
    }
}

fn scale_sizes() -> Vec<usize> {
    std::env::var("STORES_SCALE")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000, 1_000_000])
}

fn main() {
    let passes = criterion_run::passes("STORES_PASSES");
    let run = Run::start(passes);
    let sizes = scale_sizes();
    let postgres_url = fixtures::postgres_url();
    let record = fixtures::one_record(&fixtures::runtime(1));
    let mut c = criterion_run::criterion();
    for _ in 0..passes {
        for kind in Kind::ALL {
            per_store(&mut c, kind);
        }
        scaling(&mut c, &sizes, &record);
        if let Some(url) = &postgres_url {
            postgres(&mut c, url);
        }
    }
    c.final_summary();
    report(&run, &sizes, postgres_url.is_some());
}

/// Messages per second for a time per message in nanoseconds.
fn rate(ns: Option<f64>) -> String {
    ns.map_or_else(|| "—".into(), |ns| format!("{:.0}", 1e9 / ns))
}

fn report(run: &Run, sizes: &[usize], with_postgres: bool) {
    let mut out = String::new();
    header(
        &mut out,
        run,
        "Stores: messages through each store, against the store alone",
        &command_line("stores", &["STORES_PASSES", "STORES_SCALE", "STORES_DIR"]),
        &[],
        &["rusqlite", "tokio"],
    );
    let _ = writeln!(
        out,
        "Each figure is the smallest median over the passes of the wall time per message (with \
         2 workers, of both together), every message's load, crypto and compare-and-swap \
         included. The floor is the same store loading and swapping the same record with no \
         crypto. {SESSIONS} sessions; encrypt and decrypt on existing chains.\n"
    );
    let _ = writeln!(
        out,
        "| store | workers | encrypt | msg/s | decrypt | msg/s | floor (load + swap) | msg/s | encrypt ÷ floor | decrypt ÷ floor |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let mut ids = Vec::new();
    let mut names: Vec<&str> = Kind::ALL.iter().map(|kind| kind.name()).collect();
    if with_postgres {
        names.push("postgres");
    }
    for name in names {
        for workers in WORKERS {
            let id = |op: &str| format!("stores_{name}/{op}/{workers}w");
            let (e, d, f) = (
                run.get(&id("encrypt")),
                run.get(&id("decrypt")),
                run.get(&id("floor")),
            );
            let _ = writeln!(
                out,
                "| {name} | {workers} | {} | {} | {} | {} | {} | {} | {} | {} |",
                time(e),
                rate(e),
                time(d),
                rate(d),
                time(f),
                rate(f),
                ratio(div(e, f)),
                ratio(div(d, f))
            );
            ids.extend(OPS.iter().map(|op| id(op)));
        }
    }
    let _ = writeln!(
        out,
        "\n## SQLite as the sessions grow\n\nSQLite, `synchronous = FULL`, 1 worker, encrypt on a \
         session drawn at random from all of them (rows written directly: copies of one real \
         session's stored form).\n\n| sessions | encrypt | msg/s | floor | msg/s | encrypt ÷ floor |\n|---:|---:|---:|---:|---:|---:|"
    );
    for &n in sizes {
        let (e, f) = (
            run.get(&format!("stores_scale/encrypt/{n}")),
            run.get(&format!("stores_scale/floor/{n}")),
        );
        let _ = writeln!(
            out,
            "| {n} | {} | {} | {} | {} | {} |",
            time(e),
            rate(e),
            time(f),
            rate(f),
            ratio(div(e, f))
        );
        ids.push(format!("stores_scale/encrypt/{n}"));
        ids.push(format!("stores_scale/floor/{n}"));
    }
    if with_postgres {
        let _ = writeln!(
            out,
            "\n## PostgreSQL as the connections grow\n\nThe store with N connections and N \
             tasks at once on 2 tokio worker threads, each task on its own share of the \
             {SESSIONS} sessions; the server on the same machine (`.ci/postgres`: loopback, \
             `fsync = off`, so no disk flush, unlike the SQLite FULL rows).\n\n| connections | \
             encrypt | msg/s | floor | msg/s | encrypt ÷ floor |\n|---:|---:|---:|---:|---:|---:|"
        );
        for n in CONNECTIONS {
            let (e, f) = (
                run.get(&format!("stores_postgres_connections/encrypt/{n}")),
                run.get(&format!("stores_postgres_connections/floor/{n}")),
            );
            let _ = writeln!(
                out,
                "| {n} | {} | {} | {} | {} | {} |",
                time(e),
                rate(e),
                time(f),
                rate(f),
                ratio(div(e, f))
            );
            ids.push(format!("stores_postgres_connections/encrypt/{n}"));
            ids.push(format!("stores_postgres_connections/floor/{n}"));
        }
    }
    let _ = writeln!(out, "{SPREAD_HEADING}");
    for id in &ids {
        spread_row(&mut out, id, &run.passes(id));
    }
    if let Some(load) = run.load() {
        let _ = writeln!(out, "\nMachine load: {load}.");
    }
    criterion_run::write_report("stores-report.md", &out);
}
