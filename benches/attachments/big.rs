//! The 1 GiB streams, timed without criterion: one timed run of each benchmark per pass
//! (about a second each), hushwire right after its floors, so that the report has as many
//! runs of each as there are passes and gives their smallest and their median. Each open is
//! preceded by an untimed read of the whole file, so that it reads from the page cache as the
//! criterion benchmarks do after their warm-up.

use std::hint::black_box;
use std::time::Instant;

use crate::fixtures::{
    CRITERION_SIZES, DEFAULT_LOG2, Fixtures, PROVIDERS, SIZES, TAG, copy_source, open_stream,
    options, read_source, seal_stream,
};
use crate::floor::Floors;
use crate::run_report::median;

/// Each 1 GiB benchmark's time in every pass so far, in nanoseconds, by id
/// (`attachments_1GiB/seal/rust-crypto`, as criterion would name it).
#[derive(Default)]
pub(crate) struct Timed(Vec<(String, Vec<f64>)>);

impl Timed {
    fn push(&mut self, id: String, ns: f64) {
        match self.0.iter_mut().find(|(k, _)| *k == id) {
            Some((_, v)) => v.push(ns),
            None => self.0.push((id, vec![ns])),
        }
    }

    /// The times of `id` by pass.
    pub(crate) fn passes(&self, id: &str) -> Vec<f64> {
        self.0
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// The smallest time of `id` over the passes.
    pub(crate) fn min(&self, id: &str) -> Option<f64> {
        self.passes(id).into_iter().reduce(f64::min)
    }

    /// The median time of `id` over the passes.
    pub(crate) fn median(&self, id: &str) -> Option<f64> {
        let mut v = self.passes(id);
        (!v.is_empty()).then(|| median(&mut v))
    }
}

/// Nanoseconds one call of `f` takes; what it returns is dropped after the clock stops.
fn time<T>(f: impl FnOnce() -> T) -> f64 {
    let start = Instant::now();
    let out = f();
    let ns = start.elapsed().as_secs_f64() * 1e9;
    drop(black_box(out));
    ns
}

/// One timed run of every 1 GiB benchmark.
pub(crate) fn pass(f: &mut Fixtures, floors: &mut Floors, timed: &mut Timed) {
    let (size, len) = SIZES[CRITERION_SIZES];
    let file = &f.by_size[CRITERION_SIZES];
    let id = |function: &str, provider: &str| format!("attachments_{size}/{function}/{provider}");
    let mut chunk = vec![0u8; (1 << DEFAULT_LOG2) + TAG];
    for p in PROVIDERS {
        let floor = floors.get(p.name, DEFAULT_LOG2);
        timed.push(id("aead_seal", p.name), time(|| floor.seal(len)));
        timed.push(id("aead_sha_seal", p.name), time(|| floor.seal_sha(len)));
        let (rng, pattern) = (&mut f.rng, &f.pattern);
        timed.push(
            id("seal", p.name),
            time(|| seal_stream(rng, pattern, len, options(DEFAULT_LOG2, p.provider))),
        );
        timed.push(id("aead_open", p.name), time(|| floor.open(len)));
        timed.push(id("aead_sha_open", p.name), time(|| floor.open_sha(len)));
        // The file's pages back into the page cache, untimed: the machine's DAMON pageout
        // scheme drops file pages left unread for about a minute, and a pass reads this file
        // only once per provider.
        read_source(&file.path, &mut chunk);
        timed.push(id("open", p.name), time(|| open_stream(file, p.provider)));
    }
    let floor = floors.get(PROVIDERS[0].name, DEFAULT_LOG2);
    timed.push(
        format!("attachments_{size}/sha256"),
        time(|| floor.sha(len)),
    );
    let pattern = &f.pattern;
    timed.push(
        format!("attachments_{size}/source_plaintext"),
        time(|| copy_source(pattern, len)),
    );
    timed.push(
        format!("attachments_{size}/source_ciphertext"),
        time(|| read_source(&file.path, &mut chunk)),
    );
}
