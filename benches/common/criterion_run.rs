//! How every bench target drives criterion and reads its medians back (`#[path]`-included by
//! `pairwise`, `verification` and `business`): the number of passes, criterion's settings,
//! where criterion writes, each benchmark's medians over the passes of this run, and the
//! report written next to them.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use criterion::Criterion;

/// The number of passes, from the environment variable `var` (default 3, at least 1). The
/// whole sequence of benchmarks runs that many times; criterion stores a repeated benchmark
/// as `<id>_2`, `<id>_3`, ..., and the report takes each benchmark's smallest median over the
/// passes: other jobs on the machine only ever make a pass slower.
pub(crate) fn passes(var: &str) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1)
}

/// Criterion as every target runs it: 0.5 s warm-up, 1 s measurement, 30 samples, then the
/// command line's arguments.
pub(crate) fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
        .nresamples(10_000)
        .configure_from_args()
}

/// Where criterion writes its results (the rule criterion applies).
pub(crate) fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("criterion"),
        None => PathBuf::from("target/criterion"),
    }
}

/// Criterion's medians of this run: only estimates written since it started count.
pub(crate) struct Medians {
    since: SystemTime,
    /// The number of passes.
    pub(crate) passes: usize,
}

impl Medians {
    /// The medians of a run of `passes` passes that starts now.
    pub(crate) fn start(passes: usize) -> Self {
        Self {
            since: SystemTime::now(),
            passes,
        }
    }

    /// The median in nanoseconds of one criterion directory, if this run wrote it.
    fn one(&self, dir: &str) -> Option<f64> {
        let path = criterion_dir().join(dir).join("new").join("estimates.json");
        let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
        if modified < self.since {
            return None;
        }
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        json["median"]["point_estimate"].as_f64()
    }

    /// The medians of benchmark `id` ("group/function/parameter") in each pass of this run
    /// (criterion names the repeats `<id>_2`, `<id>_3`, ...).
    pub(crate) fn passes(&self, id: &str) -> Vec<f64> {
        let mut all: Vec<f64> = self.one(id).into_iter().collect();
        for n in 2..=self.passes {
            all.extend(self.one(&format!("{id}_{n}")));
        }
        all
    }

    /// The smallest median of `id` over the passes: other load only ever slows a pass.
    pub(crate) fn get(&self, id: &str) -> Option<f64> {
        self.passes(id).into_iter().reduce(f64::min)
    }
}

/// Prints the report and writes it to `<criterion dir>/<name>`.
pub(crate) fn write_report(name: &str, text: &str) {
    println!("\n{text}");
    let dir = criterion_dir();
    let path = dir.join(name);
    match std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, text)) {
        Ok(()) => println!("(written to {})", path.display()),
        Err(e) => println!("(not written to {}: {e})", path.display()),
    }
}
