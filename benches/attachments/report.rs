//! After the run: criterion's medians read back from its output directory (only estimates this
//! run wrote, each benchmark's smallest over the passes), the 1 GiB runs, the paired ratios and
//! the peak memory, printed as Markdown tables of throughput with each row's ratio to its
//! floors, the floors' parts, the targets met or missed, peak memory against the stream's
//! length, and the segment-size sweep; written to `<criterion dir>/attachments-report.md`.

use std::fmt::Write as _;

use crate::alternating::ROUNDS;
use crate::big::Timed;
use crate::criterion_run::write_report;
use crate::fixtures::{
    CRITERION_SIZES, DEFAULT_LOG2, Fixtures, HEADER, PROVIDERS, RANDOM_READ, SEGMENTS, SIZES,
    SWEEP_LEN, TAG, segment_name,
};
use crate::memory::Peak;
use crate::paired::{Paired, key, over_passes};
use crate::run_report::{self, Run, SPREAD_HEADING, command_line, median, spread_row};
use crate::shared::{div, ratio, time};

/// The environment variables that change what the run measures, for its command line.
const VARS: [&str; 4] = [
    "ATTACHMENTS_PASSES",
    "CARGO_TARGET_DIR",
    "RUSTFLAGS",
    "TMPDIR",
];

/// The crates measured, for the header.
const CRATES: [&str; 5] = [
    "chacha20poly1305",
    "aws-lc-rs",
    "aws-lc-sys",
    "sha2",
    "criterion",
];

/// The target: hushwire's throughput at least this fraction of the raw AEAD's.
const TARGET: f64 = 0.9;

/// The command line of this run; with its session's autogroup at another priority than 0,
/// inside the `setsid` that gave it one (the verification bench's convention: with the
/// kernel's autogroups, `nice` only ranks processes within one session).
fn full_command_line() -> String {
    let line = command_line("attachments", &VARS);
    match autogroup_niceness().filter(|&n| n != 0) {
        Some(n) => format!("setsid sh -c 'echo {n} > /proc/self/autogroup; {line}'"),
        None => line,
    }
}

/// The scheduling priority of this process's autogroup, from /proc/self/autogroup
/// ("/autogroup-23 nice -19").
fn autogroup_niceness() -> Option<i64> {
    let group = std::fs::read_to_string("/proc/self/autogroup").ok()?;
    group.split_whitespace().last()?.parse().ok()
}

/// Everything measured, and how to read it.
struct Results<'a> {
    run: &'a Run,
    paired: &'a [Paired],
    timed: &'a Timed,
}

impl Results<'_> {
    /// The time of `id`: the smallest over the passes (criterion's median in each pass, or the
    /// one 1 GiB run of each pass).
    fn get(&self, id: &str) -> Option<f64> {
        self.timed.min(id).or_else(|| self.run.get(id))
    }

    /// The time of `id` in each pass.
    fn passes(&self, id: &str) -> Vec<f64> {
        let timed = self.timed.passes(id);
        if timed.is_empty() {
            self.run.passes(id)
        } else {
            timed
        }
    }

    /// hushwire's throughput as a fraction of its floor's, timed in alternating rounds (1 MiB,
    /// 64 MiB) or within each pass (1 GiB): the median over the passes.
    fn paired(&self, op: &str, floor: &str, provider: &str, size: &str) -> Option<f64> {
        if size == SIZES[CRITERION_SIZES].0 {
            let ours = self.timed.passes(&id(size, op, provider));
            let theirs = self
                .timed
                .passes(&id(size, &format!("{floor}_{op}"), provider));
            let mut v: Vec<f64> = ours.iter().zip(&theirs).map(|(o, t)| t / o).collect();
            (!v.is_empty()).then(|| median(&mut v))
        } else {
            over_passes(self.paired, &key(op, floor, provider, size))
        }
    }
}

fn id(size: &str, function: &str, provider: &str) -> String {
    format!("attachments_{size}/{function}/{provider}")
}

fn shared_id(size: &str, function: &str) -> String {
    format!("attachments_{size}/{function}")
}

fn shared_segment_id(log2: u8, function: &str) -> String {
    format!("attachments_segment_{}/{function}", segment_name(log2))
}

fn segment_id(log2: u8, function: &str, provider: &str) -> String {
    format!(
        "attachments_segment_{}/{function}/{provider}",
        segment_name(log2)
    )
}

/// MB/s (10^6 bytes per second) of `len` bytes in `ns` nanoseconds.
fn mbps(len: u64, ns: Option<f64>) -> Option<f64> {
    ns.map(|ns| len as f64 * 1e3 / ns)
}

fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{r:.0}"))
}

/// A time in seconds from one second up.
fn long(ns: Option<f64>) -> String {
    match ns {
        Some(ns) if ns >= 1e9 => format!("{:.2} s", ns / 1e9),
        other => time(other),
    }
}

/// kB as MiB with two decimals.
fn mib(kb: Option<u64>) -> String {
    kb.map_or_else(|| "—".into(), |kb| format!("{:.2} MiB", kb as f64 / 1024.0))
}

fn header(out: &mut String, run: &Run, f: &Fixtures) {
    run_report::header(
        out,
        run,
        "Attachment benchmarks",
        &full_command_line(),
        &[
            ("avx2", cfg!(target_feature = "avx2")),
            ("sha", cfg!(target_feature = "sha")),
        ],
        &CRATES,
    );
    let detected: Vec<String> = ["avx2", "avx512f", "sha", "aes"]
        .iter()
        .map(|&name| format!("{name} {}", detect(name)))
        .collect();
    let files: Vec<String> = SIZES
        .iter()
        .zip(&f.by_size)
        .map(|(&(name, len), e)| {
            format!(
                "{name}: {} segments, {} bytes",
                len.div_ceil(1 << DEFAULT_LOG2),
                e.len
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "CPU features detected at run time (what `sha2`, `chacha20` and `poly1305` pick their \
         backends by): {}.\n",
        detected.join(", ")
    );
    let _ = writeln!(
        out,
        "Inputs: streams of 1 MiB, 64 MiB and 1 GiB (2^20, 2^26, 2^30 bytes: PADMÉ adds nothing \
         to a power of two, so P = L and every segment is full), sealed with \
         `AttachmentOptions {{ segment_size, padding: Padding::Padme, provider }}`, 64 KiB \
         segments unless the segment sweep says otherwise. Encrypted files ({}) are 67 + P + \
         16·n bytes: {}. Throughput is MB/s of plaintext (10^6 bytes per second). The encrypted \
         files were written once before the run to a temporary folder (`std::env::temp_dir()`, \
         synced, {:.2} s for the 1 GiB one including its seal) and are read back from the page \
         cache.\n",
        f.folder.0.display(),
        files.join("; "),
        f.write_secs,
    );
}

/// Whether the CPU has `feature`, detected at run time.
fn detect(feature: &str) -> bool {
    match feature {
        "avx2" => std::arch::is_x86_feature_detected!("avx2"),
        "avx512f" => std::arch::is_x86_feature_detected!("avx512f"),
        "sha" => std::arch::is_x86_feature_detected!("sha"),
        "aes" => std::arch::is_x86_feature_detected!("aes"),
        _ => false,
    }
}

fn method(out: &mut String) {
    let _ = writeln!(
        out,
        "## What is timed\n\n\
         - **seal**: `AttachmentSealer::new(rng, sink, metadata, options)` (file key, salt, \
         HKDF, header), `io::copy` of a generated plaintext into it (the source copies from \
         64 KiB of random bytes into each read's buffer and keeps nothing; `io::copy` writes \
         8 KiB at a time), `finish` (final segment, digest, pointer). The sink keeps nothing \
         but passes each write through `black_box`, so that no copy into it can be optimized \
         away (with `io::sink()` one can: the plaintext source alone then ran at over 1 TB/s \
         in a trial).\n\
         - **open**: `File::open` of the encrypted file, `AttachmentOpener::with_provider` \
         (header, commitment), `io::copy` into the sink: every segment read, hashed, \
         verified and decrypted, the trailing-data, padding and digest checks at the end.\n\
         - **raw AEAD** (the issue's floor): the provider's own crate, keyed once, over the \
         same number of 64 KiB segments in place (`chacha20poly1305` \
         `encrypt_inout_detached`/`decrypt_inout_detached` for rust-crypto, `aws_lc_rs::aead` \
         `LessSafeKey::seal_in_place_separate_tag`/`open_in_place` for aws-lc-rs); every open \
         verifies a real tag (benches/attachments/floor.rs says how).\n\
         - **AEAD + SHA-256** (the sequential floor): the same, with `sha2`'s SHA-256 over the \
         67 header bytes and each sealed segment with its tag, segment by segment, which is \
         the hashing SPEC.md 16.4 step 5e requires of the opener and 16.5 of the sealer \
         (the pointer's `ciphertext_sha256`); hushwire uses `sha2` on both providers.\n\
         - **SHA-256 alone** over the same ciphertext bytes; **sources alone**: the plaintext \
         source `io::copy`'d into the sink, and the encrypted file read to its end in \
         64 KiB + 16-byte reads (as the opener reads it), neither of which the floors \
         contain.\n\n\
         1 MiB and 64 MiB are criterion benchmarks (64 MiB: 10 samples, flat sampling); 1 GiB \
         is one timed run of each per pass (benches/attachments/big.rs), reported as the \
         smallest and the median of the passes; each 1 GiB open is preceded by an untimed \
         read of the file, since this machine's DAMON pageout scheme drops file pages left \
         unread for about a minute (criterion's warm-up does the same for the others). \"÷ floor\" is hushwire's throughput divided \
         by the floor's (the floor's time over hushwire's); \"paired\" is the same ratio timed \
         in alternating rounds ({ROUNDS} a side, 1 MiB and 64 MiB) or from the two runs next \
         to each other in each pass (1 GiB), the median over the passes.\n"
    );
}

fn throughput(out: &mut String, r: &Results<'_>) {
    let _ = writeln!(out, "## Throughput against the floors\n");
    for p in PROVIDERS {
        let _ = writeln!(
            out,
            "### {}\n\n\
             | stream | operation | hushwire | MB/s | raw AEAD MB/s | ÷ AEAD | paired | AEAD + \
             SHA-256 MB/s | ÷ AEAD+SHA | paired |\n\
             |---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            p.name
        );
        for op in ["seal", "open"] {
            for &(size, len) in &SIZES {
                let ours = r.get(&id(size, op, p.name));
                let aead = r.get(&id(size, &format!("aead_{op}"), p.name));
                let both = r.get(&id(size, &format!("aead_sha_{op}"), p.name));
                let _ = writeln!(
                    out,
                    "| {size} | {op} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    long(ours),
                    rate(mbps(len, ours)),
                    rate(mbps(len, aead)),
                    ratio(div(aead, ours)),
                    ratio(r.paired(op, "aead", p.name, size)),
                    rate(mbps(len, both)),
                    ratio(div(both, ours)),
                    ratio(r.paired(op, "aead_sha", p.name, size)),
                );
            }
        }
        let _ = writeln!(out);
    }
}

fn big_runs(out: &mut String, r: &Results<'_>) {
    let (size, len) = SIZES[CRITERION_SIZES];
    let runs = r.timed.passes(&shared_id(size, "sha256")).len();
    let _ = writeln!(
        out,
        "### {size}: the smallest and the median of the {runs} runs\n\n\
         | provider | benchmark | smallest | MB/s | median | MB/s |\n|---|---|---:|---:|---:|---:|"
    );
    let mut row = |provider: &str, function: &str, id: String| {
        let (min, med) = (r.timed.min(&id), r.timed.median(&id));
        let _ = writeln!(
            out,
            "| {provider} | {function} | {} | {} | {} | {} |",
            long(min),
            rate(mbps(len, min)),
            long(med),
            rate(mbps(len, med)),
        );
    };
    for p in PROVIDERS {
        for function in [
            "seal",
            "aead_seal",
            "aead_sha_seal",
            "open",
            "aead_open",
            "aead_sha_open",
        ] {
            row(p.name, function, id(size, function, p.name));
        }
    }
    for function in ["sha256", "source_plaintext", "source_ciphertext"] {
        row("—", function, shared_id(size, function));
    }
    let _ = writeln!(out);
}

fn parts(out: &mut String, r: &Results<'_>) {
    let _ = writeln!(
        out,
        "## What the floor is made of\n\n\
         MB/s of each part alone, and the AEAD + SHA-256 floor measured against the rate of \
         the two one after the other (1 ÷ (1/AEAD + 1/SHA)). \"Ceiling\" is that floor's \
         throughput ÷ the raw AEAD's: the most any seal or open that hashes its ciphertext in \
         the same thread can reach of the issue's target ratio.\n\n\
         | stream | provider | op | raw AEAD | SHA-256 | AEAD + SHA measured | as a sum | ceiling \
         (÷ AEAD) | plaintext source | ciphertext source |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for &(size, len) in &SIZES {
        let sha = mbps(len, r.get(&shared_id(size, "sha256")));
        let plain = mbps(len, r.get(&shared_id(size, "source_plaintext")));
        let cipher = mbps(len, r.get(&shared_id(size, "source_ciphertext")));
        for p in PROVIDERS {
            for op in ["seal", "open"] {
                let aead = r.get(&id(size, &format!("aead_{op}"), p.name));
                let both = r.get(&id(size, &format!("aead_sha_{op}"), p.name));
                let aead_rate = mbps(len, aead);
                let sum = match (aead_rate, sha) {
                    (Some(a), Some(s)) => Some(1.0 / (1.0 / a + 1.0 / s)),
                    _ => None,
                };
                let _ = writeln!(
                    out,
                    "| {size} | {} | {op} | {} | {} | {} | {} | {} | {} | {} |",
                    p.name,
                    rate(aead_rate),
                    rate(sha),
                    rate(mbps(len, both)),
                    rate(sum),
                    ratio(div(aead, both)),
                    rate(plain),
                    rate(cipher),
                );
            }
        }
    }
    let _ = writeln!(out);
}

fn open_and_read(out: &mut String, r: &Results<'_>) {
    let _ = writeln!(
        out,
        "## Opening against the floor plus reading the file\n\n\
         The opener also reads the encrypted file (here from the page cache) and copies the \
         plaintext out through `io::Read`, which the in-place floors do not. Its time against \
         the AEAD + SHA-256 floor plus the \"ciphertext source\" benchmark (the same file \
         read to its end in 64 KiB + 16-byte reads), both medians of this run:\n\n\
         | stream | provider | open | AEAD + SHA-256 | reading the file | sum | open ÷ sum |\n\
         |---|---|---:|---:|---:|---:|---:|"
    );
    for &(size, _) in &SIZES {
        let read = r.get(&shared_id(size, "source_ciphertext"));
        for p in PROVIDERS {
            let open = r.get(&id(size, "open", p.name));
            let floor = r.get(&id(size, "aead_sha_open", p.name));
            let sum = match (floor, read) {
                (Some(f), Some(s)) => Some(f + s),
                _ => None,
            };
            let _ = writeln!(
                out,
                "| {size} | {} | {} | {} | {} | {} | {} |",
                p.name,
                long(open),
                long(floor),
                long(read),
                long(sum),
                ratio(div(open, sum)),
            );
        }
    }
    let _ = writeln!(out);
}

fn targets(out: &mut String, r: &Results<'_>) {
    let _ = writeln!(
        out,
        "## Targets\n\n\
         The issue's target: throughput ≥ {TARGET} × the raw AEAD of the same provider in the \
         same run. Alongside, the same threshold against the AEAD + SHA-256 floor (the work \
         the format makes sequential). Each check uses the paired ratio (criterion's ratio \
         when it is missing).\n\n\
         | provider | operation | stream | ÷ AEAD | ≥ {TARGET}? | ÷ AEAD+SHA | ≥ {TARGET}? |\n\
         |---|---|---|---:|---|---:|---|"
    );
    let mut counts = [[0usize; 2]; 2];
    for p in PROVIDERS {
        for op in ["seal", "open"] {
            for &(size, _) in &SIZES {
                let ours = r.get(&id(size, op, p.name));
                let mut cells = Vec::new();
                for (k, floor) in ["aead", "aead_sha"].iter().enumerate() {
                    let value = r
                        .paired(op, floor, p.name, size)
                        .or_else(|| div(r.get(&id(size, &format!("{floor}_{op}"), p.name)), ours));
                    let met = value.map(|v| v >= TARGET);
                    if let Some(met) = met {
                        counts[k][usize::from(!met)] += 1;
                    }
                    cells.push(format!(
                        "{} | {}",
                        ratio(value),
                        match met {
                            Some(true) => "met",
                            Some(false) => "**missed**",
                            None => "—",
                        }
                    ));
                }
                let _ = writeln!(
                    out,
                    "| {} | {op} | {size} | {} |",
                    p.name,
                    cells.join(" | ")
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\nAgainst the raw AEAD: {} met, {} missed. Against AEAD + SHA-256: {} met, {} \
         missed.\n",
        counts[0][0], counts[0][1], counts[1][0], counts[1][1]
    );
}

fn memory(out: &mut String, peaks: &[Peak]) {
    let _ = writeln!(
        out,
        "## Peak memory\n\n\
         Each case in its own child process (benches/attachments/memory.rs): after the \
         set-up, the peak-RSS mark is reset (`clear_refs` 5) and the resident size read; \
         after the one streaming seal or open, the peak (VmHWM). Growth = peak − before: every \
         page the operation touched that was not resident already (heap, stack). The control \
         row is `seal_bytes` of a 64 MiB plaintext held in memory.\n\n\
         | operation | provider | segment | stream | resident before | peak | growth |\n\
         |---|---|---|---|---:|---:|---:|"
    );
    for peak in peaks {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            peak.op,
            peak.provider,
            segment_name(peak.log2),
            size_name(peak.len),
            mib(peak.before_kb),
            mib(peak.peak_kb),
            mib(peak.growth_kb()),
        );
    }
    // 1 GiB against 64 MiB, per case.
    let mut lines = Vec::new();
    for p in PROVIDERS {
        for op in ["seal", "open"] {
            let find = |len: u64| {
                peaks.iter().find(|k| {
                    k.op == op && k.provider == p.name && k.len == len && k.log2 == DEFAULT_LOG2
                })
            };
            let (small, big) = (find(SIZES[1].1), find(SIZES[2].1));
            if let (Some(small), Some(big)) = (small, big) {
                let (a, b) = (small.growth_kb(), big.growth_kb());
                lines.push(format!(
                    "{} {op}: {} at 64 MiB, {} at 1 GiB ({})",
                    p.name,
                    mib(a),
                    mib(b),
                    match (a, b) {
                        (Some(a), Some(b)) if b >= a =>
                            format!("{} kB more for 16 × the stream", b - a),
                        (Some(a), Some(b)) => format!("{} kB less for 16 × the stream", a - b),
                        _ => "—".into(),
                    }
                ));
            }
        }
    }
    let _ = writeln!(
        out,
        "\nGrowth, 64 MiB against 1 GiB: {}.\n",
        lines.join("; ")
    );
}

fn size_name(len: u64) -> String {
    SIZES
        .iter()
        .find(|&&(_, l)| l == len)
        .map_or_else(|| format!("{len} B"), |&(name, _)| name.to_string())
}

fn sweep(out: &mut String, r: &Results<'_>, peaks: &[Peak]) {
    let _ = writeln!(
        out,
        "## Segment size ({} stream)\n\n\
         Seal and open as above at each segment size; \"seal + open\" is 2 × the stream over \
         the two times; the raw AEAD at the same segment size; \"÷ 64 KiB\" is seal + open's \
         throughput over the 64 KiB row's. \"Reading the file\" is the encrypted file read \
         to its end in segment + 16-byte reads, as the opener reads it (one `read` call per \
         segment). \"Random read\" is `SeekableAttachment::read_at` of \
         {RANDOM_READ} bytes at the start of a segment other than the last one read (seek, \
         read one segment with its tag from the page cache, verify, decrypt, copy 4 KiB out). \
         Memory is the growth of the seal / open of the 64 MiB stream (section Peak memory).\n",
        size_name(SWEEP_LEN)
    );
    for p in PROVIDERS {
        let _ = writeln!(
            out,
            "### {}\n\n\
             | segment | seal MB/s | open MB/s | seal + open MB/s | ÷ 64 KiB | raw AEAD seal \
             MB/s | raw AEAD open MB/s | seal ÷ AEAD | open ÷ AEAD | reading the file | random \
             read | memory seal / open |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            p.name
        );
        let both = |log2: u8| match (
            r.get(&segment_id(log2, "seal", p.name)),
            r.get(&segment_id(log2, "open", p.name)),
        ) {
            (Some(s), Some(o)) => Some(s + o),
            _ => None,
        };
        let default = both(DEFAULT_LOG2);
        for log2 in SEGMENTS {
            let seal = r.get(&segment_id(log2, "seal", p.name));
            let open = r.get(&segment_id(log2, "open", p.name));
            let aead_seal = r.get(&segment_id(log2, "aead_seal", p.name));
            let aead_open = r.get(&segment_id(log2, "aead_open", p.name));
            let growth = |op: &str| {
                peaks
                    .iter()
                    .find(|k| {
                        k.op == op && k.provider == p.name && k.len == SWEEP_LEN && k.log2 == log2
                    })
                    .and_then(Peak::growth_kb)
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} |",
                segment_name(log2),
                rate(mbps(SWEEP_LEN, seal)),
                rate(mbps(SWEEP_LEN, open)),
                rate(mbps(2 * SWEEP_LEN, both(log2))),
                ratio(div(default, both(log2))),
                rate(mbps(SWEEP_LEN, aead_seal)),
                rate(mbps(SWEEP_LEN, aead_open)),
                ratio(div(aead_seal, seal)),
                ratio(div(aead_open, open)),
                time(r.get(&shared_segment_id(log2, "source_ciphertext"))),
                time(r.get(&segment_id(log2, "random_read", p.name))),
                mib(growth("seal")),
                mib(growth("open")),
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "Per segment the format adds {TAG} bytes of tag: {} of the ciphertext at 4 KiB, {} at \
         64 KiB, {} at 1 MiB (and the {HEADER}-byte header once).\n",
        overhead(12),
        overhead(16),
        overhead(20),
    );
}

fn overhead(log2: u8) -> String {
    format!("{:.3} %", 100.0 * TAG as f64 / (1u64 << log2) as f64)
}

fn paired_table(out: &mut String, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "## Paired ratios (alternating rounds)\n\n\
         Each comparison timed without criterion, the floor and hushwire in alternating rounds \
         of at least 10 ms ({ROUNDS} rounds each after one discarded, the order switching \
         every round): in each pass the median of the per-round ratios (floor time ÷ hushwire \
         time, i.e. hushwire's throughput as a fraction of the floor's).\n"
    );
    let heads: Vec<String> = (1..=paired.len()).map(|n| format!("pass {n}")).collect();
    let _ = writeln!(
        out,
        "| ratio | {} | median |\n|---|{}---:|",
        heads.join(" | "),
        "---:|".repeat(paired.len())
    );
    for k in paired.first().map(Paired::keys).unwrap_or_default() {
        let cells: Vec<String> = paired.iter().map(|p| ratio(p.get(&k))).collect();
        let _ = writeln!(
            out,
            "| {k} | {} | {} |",
            cells.join(" | "),
            ratio(over_passes(paired, &k))
        );
    }
}

/// Every benchmark, for the spread table.
fn benchmarks() -> Vec<String> {
    let mut all = Vec::new();
    for &(size, _) in &SIZES {
        for p in PROVIDERS {
            for function in [
                "aead_seal",
                "aead_sha_seal",
                "seal",
                "aead_open",
                "aead_sha_open",
                "open",
            ] {
                all.push(id(size, function, p.name));
            }
        }
        for function in ["sha256", "source_plaintext", "source_ciphertext"] {
            all.push(shared_id(size, function));
        }
    }
    for log2 in SEGMENTS {
        for p in PROVIDERS {
            for function in ["aead_seal", "seal", "aead_open", "open", "random_read"] {
                all.push(segment_id(log2, function, p.name));
            }
        }
        all.push(shared_segment_id(log2, "source_ciphertext"));
    }
    all
}

fn spread(out: &mut String, r: &Results<'_>) {
    let _ = writeln!(out, "{SPREAD_HEADING}");
    for id in benchmarks() {
        spread_row(out, &id, &r.passes(&id));
    }
}

fn load(out: &mut String, run: &Run) {
    let _ = writeln!(out, "\n## Machine load during the run\n");
    match run.load() {
        Some(load) => {
            let _ = writeln!(out, "{load}.");
        }
        None => {
            let _ = writeln!(out, "/proc was not readable.");
        }
    }
}

/// Prints the report and writes it next to criterion's results.
pub(crate) fn print(run: &Run, paired: &[Paired], timed: &Timed, peaks: &[Peak], f: &Fixtures) {
    let r = Results { run, paired, timed };
    let mut out = String::new();
    header(&mut out, run, f);
    method(&mut out);
    throughput(&mut out, &r);
    big_runs(&mut out, &r);
    parts(&mut out, &r);
    open_and_read(&mut out, &r);
    targets(&mut out, &r);
    memory(&mut out, peaks);
    sweep(&mut out, &r, peaks);
    paired_table(&mut out, paired);
    spread(&mut out, &r);
    load(&mut out, run);
    write_report("attachments-report.md", &out);
}
