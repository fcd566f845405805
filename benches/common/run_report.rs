//! What the `verification` and `business` reports print alike (`#[path]`-included by each):
//! the run (its medians, wall time and machine load), the header (command line, commit,
//! machine, crates), a row of an operation-and-floor table and of the pass-to-pass spread, the
//! machine-load sentence, and the median both take of their paired ratios.

use std::fmt::Write as _;
use std::time::Instant;

use crate::criterion_run::Medians;
use crate::machine_load::{CpuTimes, ticks_per_second};
use crate::shared::{div, ratio, time};

/// The run being reported: its medians, when it started, and what the machine did meanwhile.
pub(crate) struct Run {
    pub(crate) medians: Medians,
    started: Instant,
    cpu: Option<CpuTimes>,
}

impl Run {
    /// A run of `passes` passes that starts now.
    pub(crate) fn start(passes: usize) -> Self {
        Self {
            medians: Medians::start(passes),
            started: Instant::now(),
            cpu: CpuTimes::now(),
        }
    }

    /// The medians of `id` in each pass.
    pub(crate) fn passes(&self, id: &str) -> Vec<f64> {
        self.medians.passes(id)
    }

    /// The smallest median of `id` over the passes.
    pub(crate) fn get(&self, id: &str) -> Option<f64> {
        self.medians.get(id)
    }

    /// What the machine did during the run, in a sentence up to this process's `nice` (no
    /// full stop); `None` if /proc is unreadable.
    pub(crate) fn load(&self) -> Option<String> {
        let load = self.cpu?.since(ticks_per_second())?;
        Some(format!(
            "{:.0} s of wall time: this process used {:.0} CPU-seconds, everything else {:.0} \
             (idle {:.0}, stolen by the hypervisor {:.0}); load average at the end {}. This \
             process ran at nice {}",
            load.wall,
            load.own,
            load.others,
            load.idle,
            load.steal,
            load.loadavg,
            niceness().unwrap_or(0),
        ))
    }
}

/// The median of `v` (the mean of the middle two for an even count), which it sorts.
pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (v[(n - 1) / 2] + v[n / 2]) / 2.0
}

/// Output of a command, trimmed; `None` if it fails.
fn command(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// This process's scheduling priority (`nice`), from /proc/self/stat (field 19).
fn niceness() -> Option<i64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name start at field 3 (state).
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(16)?
        .parse()
        .ok()
}

/// The command line of this run as typed: `cargo bench --bench <bench>`, the criterion
/// arguments after `--`, and those of the environment variables `vars` that are set.
pub(crate) fn command_line(bench: &str, vars: &[&str]) -> String {
    let mut line = String::new();
    for var in vars {
        if let Ok(v) = std::env::var(var) {
            let _ = write!(line, "{var}={v:?} ");
        }
    }
    if let Some(n) = niceness().filter(|&n| n != 0) {
        let _ = write!(line, "nice -n {n} ");
    }
    let _ = write!(line, "cargo bench --bench {bench}");
    let extra: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if !extra.is_empty() {
        let _ = write!(line, " -- {}", extra.join(" "));
    }
    line
}

/// The report's title and first paragraphs: the command line, the commit (and what the build
/// had beyond it), when the run finished and how long it took, the machine with the compiled
/// target `features` (name, on), and the versions of `crates`.
pub(crate) fn header(
    out: &mut String,
    run: &Run,
    title: &str,
    command_line: &str,
    features: &[(&str, bool)],
    crates: &[&str],
) {
    let _ = writeln!(out, "# {title}\n");
    let _ = writeln!(out, "Command: `{command_line}`\n");
    let commit = command("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "?".into());
    // What the build had beyond the commit (other work in the same tree), by path.
    let changed: Vec<String> = command(
        "git",
        &[
            "status",
            "--porcelain",
            "--",
            "src",
            "benches",
            "testkit",
            "Cargo.toml",
        ],
    )
    .unwrap_or_default()
    .lines()
    .filter_map(|l| l.split_whitespace().last().map(str::to_string))
    .collect();
    let dirty = if changed.is_empty() {
        String::new()
    } else {
        format!(" plus uncommitted changes to {}", changed.join(", "))
    };
    let passes = run.medians.passes;
    let _ = writeln!(
        out,
        "Commit {commit}{dirty}; finished {}; {passes} pass{} ({:.0} s of wall time for the whole \
         run).\n",
        command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
        if passes == 1 { "" } else { "es" },
        run.started.elapsed().as_secs_f64(),
    );
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let features: Vec<String> = features
        .iter()
        .map(|(name, on)| format!("{name} {on}"))
        .collect();
    let _ = writeln!(
        out,
        "Machine: {cpu}, {} CPUs; {}; compiled with target features {}.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        command("rustc", &["--version"]).unwrap_or_else(|| "rustc ?".into()),
        features.join(", "),
    );
    let _ = writeln!(out, "Crates: {}.\n", crate::shared::versions(crates));
}

/// One row of a table of operations and their floors: the operation's median, the floor's,
/// the one over the other, and the same ratio timed in alternating rounds.
pub(crate) fn floor_row(
    out: &mut String,
    label: &str,
    median: Option<f64>,
    floor: Option<f64>,
    paired: Option<f64>,
) {
    let _ = writeln!(
        out,
        "| {label} | {} | {} | {} | {} |",
        time(median),
        time(floor),
        ratio(div(median, floor)),
        ratio(paired)
    );
}

/// The heading and table head of the pass-to-pass spread.
pub(crate) const SPREAD_HEADING: &str = "\n## Pass-to-pass spread\n\nEach benchmark's median in \
     every pass, and the largest over the smallest.\n\n\
     | benchmark | medians by pass | max ÷ min |\n|---|---|---:|";

/// One row of the spread table: benchmark `id`'s `medians` by pass and the largest over the
/// smallest, which it returns (`None` without medians).
pub(crate) fn spread_row(out: &mut String, id: &str, medians: &[f64]) -> Option<f64> {
    let (lo, hi) = medians
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let spread = (!medians.is_empty()).then(|| hi / lo);
    let list: Vec<String> = medians.iter().map(|&v| time(Some(v))).collect();
    let _ = writeln!(out, "| {id} | {} | {} |", list.join(", "), ratio(spread));
    spread
}
