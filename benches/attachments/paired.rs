//! Paired ratios for the 1 MiB and 64 MiB streams: each floor and hushwire timed in
//! alternating rounds (benches/common/alternating.rs), so that both see the same load from the
//! other core. Each ratio is floor time ÷ hushwire time, i.e. hushwire's throughput as a
//! fraction of the floor's. (The 1 GiB runs are paired within each pass instead: see
//! `big.rs`.)

use crate::alternating::ratio_of;
use crate::fixtures::{
    CRITERION_SIZES, DEFAULT_LOG2, Fixtures, PROVIDERS, SIZES, open_stream, options, seal_stream,
};
use crate::floor::Floors;
use crate::run_report::median;

/// One pass's paired ratios, by key (`seal_aead/rust-crypto/1MiB`, ...).
#[derive(Clone, Default)]
pub(crate) struct Paired(Vec<(String, f64)>);

impl Paired {
    fn push(&mut self, key: String, ratio: f64) {
        self.0.push((key, ratio));
    }

    /// The ratio of `key` in this pass.
    pub(crate) fn get(&self, key: &str) -> Option<f64> {
        self.0.iter().find(|(k, _)| k == key).map(|&(_, r)| r)
    }

    /// Every key, in the order measured.
    pub(crate) fn keys(&self) -> Vec<String> {
        self.0.iter().map(|(k, _)| k.clone()).collect()
    }
}

/// The median over the passes of the paired ratio `key`.
pub(crate) fn over_passes(passes: &[Paired], key: &str) -> Option<f64> {
    let mut v: Vec<f64> = passes.iter().filter_map(|p| p.get(key)).collect();
    (!v.is_empty()).then(|| median(&mut v))
}

/// The key of a comparison: `{op}_{floor}/{provider}/{size}`, op "seal" or "open", floor
/// "aead" or "aead_sha".
pub(crate) fn key(op: &str, floor: &str, provider: &str, size: &str) -> String {
    format!("{op}_{floor}/{provider}/{size}")
}

/// Every comparison once.
pub(crate) fn pass(f: &mut Fixtures, floors: &mut Floors) -> Paired {
    let mut paired = Paired::default();
    for (i, &(size, len)) in SIZES[..CRITERION_SIZES].iter().enumerate() {
        for p in PROVIDERS {
            let floor = floors.get(p.name, DEFAULT_LOG2);
            let file = &f.by_size[i];
            let (rng, pattern) = (&mut f.rng, &f.pattern);
            let opts = options(DEFAULT_LOG2, p.provider);
            paired.push(
                key("seal", "aead", p.name, size),
                ratio_of(|| floor.seal(len), || seal_stream(rng, pattern, len, opts)),
            );
            paired.push(
                key("seal", "aead_sha", p.name, size),
                ratio_of(
                    || floor.seal_sha(len),
                    || seal_stream(rng, pattern, len, opts),
                ),
            );
            paired.push(
                key("open", "aead", p.name, size),
                ratio_of(|| floor.open(len), || open_stream(file, p.provider)),
            );
            paired.push(
                key("open", "aead_sha", p.name, size),
                ratio_of(|| floor.open_sha(len), || open_stream(file, p.provider)),
            );
        }
    }
    paired
}
