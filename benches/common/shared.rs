//! Pieces the bench targets use (`#[path]`-included by `pairwise`, `verification` and
//! `business`): how a time and a ratio are printed, the crates' versions, and AWS-LC's X25519
//! agreement with an imported key.

use aws_lc_rs::agreement;

/// A median in nanoseconds, printed in the unit that suits it ("—" when missing).
pub(crate) fn time(ns: Option<f64>) -> String {
    match ns {
        None => "—".into(),
        Some(ns) if ns < 1e3 => format!("{ns:.0} ns"),
        Some(ns) if ns < 1e6 => format!("{:.2} µs", ns / 1e3),
        Some(ns) => format!("{:.3} ms", ns / 1e6),
    }
}

/// `a ÷ b`, if both were measured (and `b` is not zero).
pub(crate) fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// A ratio with two decimals ("—" when missing).
pub(crate) fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{r:.2}"))
}

/// Σ count × median, if every part was measured.
pub(crate) fn sum(parts: &[(f64, Option<f64>)]) -> Option<f64> {
    parts.iter().map(|(n, v)| v.map(|v| n * v)).sum()
}

/// `agreement::agree` with an imported key, the shared secret as 32 bytes.
pub(crate) fn aws_agree(key: &agreement::PrivateKey, u: &[u8; 32]) -> [u8; 32] {
    agreement::agree(
        key,
        agreement::UnparsedPublicKey::new(&agreement::X25519, u),
        (),
        |shared| Ok(<[u8; 32]>::try_from(shared).unwrap()),
    )
    .unwrap()
}

/// "name version" of each crate in `names`, from the workspace's Cargo.lock, comma-separated.
pub(crate) fn versions(names: &[&str]) -> String {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.lock"))
        .unwrap_or_default();
    let mut out = Vec::new();
    for name in names {
        let needle = format!("name = \"{name}\"\nversion = \"");
        if let Some(at) = lock.find(&needle) {
            let rest = &lock[at + needle.len()..];
            if let Some(end) = rest.find('"') {
                out.push(format!("{name} {}", &rest[..end]));
            }
        }
    }
    out.join(", ")
}
