//! Attachments (SPEC.md 16): the streaming seal and open of 1 MiB, 64 MiB and 1 GiB files on
//! both crypto providers, each next to its floors in the same run (the provider's raw
//! ChaCha20-Poly1305 over the same bytes in 64 KiB segments in place, and that plus the
//! SHA-256 of the whole ciphertext that SPEC.md 16.4 step 5e requires); the peak memory of
//! sealing and opening 64 MiB and 1 GiB (child processes, /proc/self/status); and the segment
//! size swept from 4 KiB to 1 MiB on a 64 MiB file. One run: `cargo bench --bench attachments`
//! (`ATTACHMENTS_PASSES`, default 3). The method is the other targets' (benches/README.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/alternating.rs"]
mod alternating;
#[path = "attachments/big.rs"]
mod big;
#[path = "common/criterion_run.rs"]
mod criterion_run;
#[path = "attachments/fixtures.rs"]
mod fixtures;
#[path = "attachments/floor.rs"]
mod floor;
#[path = "common/machine_load.rs"]
mod machine_load;
#[path = "attachments/memory.rs"]
mod memory;
#[path = "attachments/paired.rs"]
mod paired;
#[path = "attachments/report.rs"]
mod report;
// `floor_row` is for the other targets.
#[allow(dead_code)]
#[path = "common/run_report.rs"]
mod run_report;
// `aws_agree` and `sum` are for the other targets.
#[allow(dead_code)]
#[path = "common/shared.rs"]
mod shared;

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, measurement::WallTime};

use big::Timed;
use fixtures::{
    CRITERION_SIZES, DEFAULT_LOG2, Fixtures, MIB, PROVIDERS, RandomReads, SEGMENTS, SIZES,
    SWEEP_LEN, TAG, copy_source, open_stream, options, read_source, seal_stream, segment_name,
};
use floor::Floors;
use paired::Paired;

/// Streams longer than 1 MiB take tens of milliseconds per iteration: 10 samples (criterion's
/// least) of equal iteration counts keep each benchmark near its 1 s measurement time.
fn long_streams(g: &mut BenchmarkGroup<'_, WallTime>, len: u64) {
    if len > MIB {
        g.sample_size(10);
        g.sampling_mode(SamplingMode::Flat);
    }
}

/// Throughput at 1 MiB and 64 MiB: for each provider, the floors right before hushwire, so
/// that load drift hits them alike; then SHA-256 alone and the two sources alone.
fn throughput(c: &mut Criterion, f: &mut Fixtures, floors: &mut Floors) {
    for (i, &(size, len)) in SIZES[..CRITERION_SIZES].iter().enumerate() {
        let mut g = c.benchmark_group(format!("attachments_{size}"));
        long_streams(&mut g, len);
        let file = &f.by_size[i];
        for p in PROVIDERS {
            let floor = floors.get(p.name, DEFAULT_LOG2);
            let (rng, pattern) = (&mut f.rng, &f.pattern);
            let opts = options(DEFAULT_LOG2, p.provider);
            g.bench_function(BenchmarkId::new("aead_seal", p.name), |b| {
                b.iter(|| floor.seal(len))
            });
            g.bench_function(BenchmarkId::new("aead_sha_seal", p.name), |b| {
                b.iter(|| floor.seal_sha(len))
            });
            g.bench_function(BenchmarkId::new("seal", p.name), |b| {
                b.iter(|| seal_stream(rng, pattern, len, opts))
            });
            g.bench_function(BenchmarkId::new("aead_open", p.name), |b| {
                b.iter(|| floor.open(len))
            });
            g.bench_function(BenchmarkId::new("aead_sha_open", p.name), |b| {
                b.iter(|| floor.open_sha(len))
            });
            g.bench_function(BenchmarkId::new("open", p.name), |b| {
                b.iter(|| open_stream(file, p.provider))
            });
        }
        let floor = floors.get(PROVIDERS[0].name, DEFAULT_LOG2);
        g.bench_function("sha256", |b| b.iter(|| floor.sha(len)));
        let pattern = &f.pattern;
        g.bench_function("source_plaintext", |b| b.iter(|| copy_source(pattern, len)));
        let mut chunk = vec![0u8; (1 << DEFAULT_LOG2) + TAG];
        g.bench_function("source_ciphertext", |b| {
            b.iter(|| read_source(&file.path, &mut chunk))
        });
        g.finish();
    }
}

/// The segment sizes on a 64 MiB stream: seal, open, the raw AEAD at that segment size, and a
/// random 4 KiB read through `SeekableAttachment::read_at`, for each provider.
fn sweep(c: &mut Criterion, f: &mut Fixtures, floors: &mut Floors) {
    for (i, &log2) in SEGMENTS.iter().enumerate() {
        let mut g = c.benchmark_group(format!("attachments_segment_{}", segment_name(log2)));
        long_streams(&mut g, SWEEP_LEN);
        let file = &f.by_segment[i];
        for p in PROVIDERS {
            let floor = floors.get(p.name, log2);
            let (rng, pattern) = (&mut f.rng, &f.pattern);
            let opts = options(log2, p.provider);
            g.bench_function(BenchmarkId::new("aead_seal", p.name), |b| {
                b.iter(|| floor.seal(SWEEP_LEN))
            });
            g.bench_function(BenchmarkId::new("seal", p.name), |b| {
                b.iter(|| seal_stream(rng, pattern, SWEEP_LEN, opts))
            });
            g.bench_function(BenchmarkId::new("aead_open", p.name), |b| {
                b.iter(|| floor.open(SWEEP_LEN))
            });
            g.bench_function(BenchmarkId::new("open", p.name), |b| {
                b.iter(|| open_stream(file, p.provider))
            });
        }
        g.finish();
        // Microseconds to milliseconds each: criterion's usual settings.
        let mut g = c.benchmark_group(format!("attachments_segment_{}", segment_name(log2)));
        let mut chunk = vec![0u8; (1 << log2) + TAG];
        g.bench_function("source_ciphertext", |b| {
            b.iter(|| read_source(&file.path, &mut chunk))
        });
        for p in PROVIDERS {
            let mut reads = RandomReads::new(file, log2, p.provider);
            g.bench_function(BenchmarkId::new("random_read", p.name), |b| {
                b.iter(|| reads.read())
            });
        }
        g.finish();
    }
}

/// Every benchmark once.
fn pass(c: &mut Criterion, f: &mut Fixtures, floors: &mut Floors, timed: &mut Timed) -> Paired {
    throughput(c, f, floors);
    big::pass(f, floors, timed);
    sweep(c, f, floors);
    paired::pass(f, floors)
}

fn main() {
    if let Ok(spec) = std::env::var(memory::CHILD) {
        memory::child(&spec);
        return;
    }
    // ATTACHMENTS_PASSES (default 3): the whole sequence runs that many times, and the report
    // takes each benchmark's smallest median over the passes.
    let passes = criterion_run::passes("ATTACHMENTS_PASSES");
    let run = run_report::Run::start(passes);
    let mut f = fixtures::fixtures();
    let mut floors = Floors::new(&mut f.rng);
    let mut c = criterion_run::criterion();
    let mut timed = Timed::default();
    let paired: Vec<Paired> = (0..passes)
        .map(|_| pass(&mut c, &mut f, &mut floors, &mut timed))
        .collect();
    let peaks = memory::measure(&f);
    c.final_summary();
    report::print(&run, &paired, &timed, &peaks, &f);
}
