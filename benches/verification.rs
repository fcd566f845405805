//! hushwire's identity verification (SPEC.md 12), each operation next to the floor of raw
//! primitive calls it must make and, for the SAS exchange, vodozemac's SAS as the peer, in one
//! run: `cargo bench --bench verification`. See benches/README.md for the method and results.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/criterion_run.rs"]
mod criterion_run;
#[path = "verification/fixtures.rs"]
mod fixtures;
#[path = "verification/floor.rs"]
mod floor;
#[path = "common/machine_load.rs"]
mod machine_load;
#[path = "verification/paired.rs"]
mod paired;
#[path = "verification/peer.rs"]
mod peer;
#[path = "verification/report.rs"]
mod report;
#[path = "common/run_report.rs"]
mod run_report;
#[path = "verification/safety.rs"]
mod safety;
#[path = "verification/sas.rs"]
mod sas;
#[path = "common/shared.rs"]
mod shared;

use criterion::Criterion;

/// Every benchmark once. Each hushwire operation runs right next to its floor (and the SAS
/// exchange next to vodozemac's), so that a change in the machine's load hits them alike.
fn pass(c: &mut Criterion) {
    safety::new(c);
    safety::signal(c);
    safety::scanned(c);
    for col in fixtures::COLUMNS {
        sas::bench(c, col);
        floor::bench(c, col);
    }
    peer::bench(c);
    floor::primitives(c);
    // The same comparisons again, each pair timed in alternating rounds (not criterion).
    paired::pass();
}

fn main() {
    // VERIFICATION_PASSES (default 3): the whole sequence runs that many times, and the report
    // takes each benchmark's smallest median over the passes.
    let passes = criterion_run::passes("VERIFICATION_PASSES");
    let run = run_report::Run::start(passes);
    let mut c = criterion_run::criterion();
    for _ in 0..passes {
        pass(&mut c);
    }
    c.final_summary();
    report::print(&run);
}
