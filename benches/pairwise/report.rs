//! After the run: read criterion's medians back from its output directory and print the
//! comparison tables and target checks as Markdown (also written to
//! `<criterion dir>/pairwise-report.md`). Only estimates written by this run are used.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Where criterion writes its results (the same rule criterion applies).
pub(crate) fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("criterion"),
        None => PathBuf::from("target/criterion"),
    }
}

struct Medians {
    dir: PathBuf,
    since: SystemTime,
}

impl Medians {
    /// The median in nanoseconds of one criterion directory, if this run wrote it.
    fn one(&self, dir: &str) -> Option<f64> {
        let path = self.dir.join(dir).join("new").join("estimates.json");
        let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
        if modified < self.since {
            return None;
        }
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        json["median"]["point_estimate"].as_f64()
    }

    /// The medians of benchmark `id` ("group/function/parameter") in each pass of this run
    /// (criterion names the repeats `<id>_2`, `<id>_3`, ...).
    fn passes(&self, id: &str) -> Vec<f64> {
        let mut all: Vec<f64> = self.one(id).into_iter().collect();
        for n in 2.. {
            match self.one(&format!("{id}_{n}")) {
                Some(v) => all.push(v),
                None => break,
            }
        }
        all
    }

    /// The smallest median of `id` over the passes.
    fn get(&self, id: &str) -> Option<f64> {
        self.passes(id).into_iter().reduce(f64::min)
    }
}

fn time(ns: Option<f64>) -> String {
    match ns {
        None => "—".into(),
        Some(ns) if ns < 1e3 => format!("{ns:.0} ns"),
        Some(ns) if ns < 1e6 => format!("{:.2} µs", ns / 1e3),
        Some(ns) => format!("{:.3} ms", ns / 1e6),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "—".into(),
    }
}

fn sum(parts: &[(f64, Option<f64>)]) -> Option<f64> {
    parts
        .iter()
        .map(|(n, v)| v.map(|v| n * v))
        .sum::<Option<f64>>()
}

/// (operation, hushwire id, floor id, vodozemac id).
fn rows() -> Vec<(String, String, Option<String>, Option<String>)> {
    let s = |x: &str| Some(x.to_string());
    let mut rows = vec![
        (
            "initiate, OTK (verified bundle)".into(),
            "hushwire/initiate/otk".into(),
            s("floor/initiate/otk"),
            s("vodozemac/outbound"),
        ),
        (
            "initiate, no OTK".into(),
            "hushwire/initiate/no_otk".into(),
            s("floor/initiate/no_otk"),
            s("vodozemac/outbound"),
        ),
        (
            "initiate from bundle bytes (decode + verify + initiate)".into(),
            "hushwire/initiate_from_bundle/otk".into(),
            s("floor/initiate_from_bundle/otk"),
            None,
        ),
        (
            "accept first message (64 B), OTK".into(),
            "hushwire/accept/otk".into(),
            s("floor/accept/otk"),
            s("vodozemac/inbound"),
        ),
        (
            "accept first message (64 B), no OTK".into(),
            "hushwire/accept/no_otk".into(),
            s("floor/accept/no_otk"),
            s("vodozemac/inbound"),
        ),
    ];
    for op in ["encrypt", "decrypt", "decrypt_ratchet"] {
        for size in ["64B", "1KiB", "64KiB", "1MiB"] {
            rows.push((
                format!("{op} {size}"),
                format!("hushwire/{op}/{size}"),
                Some(format!("floor/{op}/{size}")),
                Some(format!("vodozemac/{op}/{size}")),
            ));
        }
    }
    rows.extend([
        (
            "decrypt 64B, in-order pre-generated (no clone)".into(),
            "hushwire/decrypt_sequential/64B".into(),
            s("floor/decrypt/64B"),
            s("vodozemac/decrypt_sequential/64B"),
        ),
        (
            "decrypt 64B with 2000 stored skipped keys".into(),
            "hushwire/decrypt_2000_skipped/64B".into(),
            s("floor/decrypt/64B"),
            None,
        ),
        (
            "ping-pong round trip 64B (session layer)".into(),
            "hushwire/pingpong/64B".into(),
            s("floor/pingpong/64B"),
            s("vodozemac/pingpong/64B"),
        ),
        (
            "ping-pong round trip 64B (with encode/decode)".into(),
            "hushwire/pingpong_wire/64B".into(),
            s("floor/pingpong/64B"),
            s("vodozemac/pingpong_wire/64B"),
        ),
        (
            "handshake: initiate + first msg + accept + reply + decrypt".into(),
            "hushwire/handshake/64B".into(),
            s("floor/handshake/64B"),
            s("vodozemac/handshake/64B"),
        ),
        (
            "state clone, established".into(),
            "hushwire/clone/established".into(),
            None,
            s("vodozemac/clone/established"),
        ),
        (
            "state clone, 2000 skipped keys".into(),
            "hushwire/clone/2000_skipped".into(),
            None,
            None,
        ),
        (
            "serialize (to_bytes), established".into(),
            "hushwire/to_bytes/established".into(),
            None,
            s("vodozemac/to_bytes/established"),
        ),
        (
            "deserialize (from_bytes), established".into(),
            "hushwire/from_bytes/established".into(),
            None,
            s("vodozemac/from_bytes/established"),
        ),
        (
            "serialize (to_bytes), 2000 skipped keys".into(),
            "hushwire/to_bytes/2000_skipped".into(),
            None,
            None,
        ),
        (
            "deserialize (from_bytes), 2000 skipped keys".into(),
            "hushwire/from_bytes/2000_skipped".into(),
            None,
            None,
        ),
        (
            "bundle decode + validate (OTK)".into(),
            "hushwire/bundle_decode_validate/otk".into(),
            None,
            None,
        ),
        (
            "X25519 public key validation (one key)".into(),
            "hushwire/x25519_public_key_validate".into(),
            None,
            None,
        ),
    ]);
    for op in ["encode", "decode"] {
        for size in ["64B", "1KiB", "64KiB", "1MiB"] {
            rows.push((
                format!("envelope {op} {size}"),
                format!("hushwire/envelope_{op}/{size}"),
                None,
                Some(format!("vodozemac/message_{op}/{size}")),
            ));
        }
    }
    rows
}

const PRIMITIVES: [&str; 30] = [
    "primitive/rng_32B",
    "primitive/x25519_keygen",
    "primitive/x25519_dh",
    "primitive/ed25519_sign_74B",
    "primitive/ed25519_decompress",
    "primitive/ed25519_verify_74B",
    "primitive/hmac_sha256_1B",
    "primitive/hkdf_sha256_H32_ikm160",
    "primitive/hkdf_sha256_H44",
    "primitive/hkdf_sha256_H64",
    "primitive/chacha20poly1305_seal/64B",
    "primitive/chacha20poly1305_seal/1KiB",
    "primitive/chacha20poly1305_seal/64KiB",
    "primitive/chacha20poly1305_seal/1MiB",
    "primitive/chacha20poly1305_open/64B",
    "primitive/chacha20poly1305_open/1KiB",
    "primitive/chacha20poly1305_open/64KiB",
    "primitive/chacha20poly1305_open/1MiB",
    "primitive/chacha20poly1305_seal_alloc/64B",
    "primitive/chacha20poly1305_seal_alloc/1KiB",
    "primitive/chacha20poly1305_seal_alloc/64KiB",
    "primitive/chacha20poly1305_seal_alloc/1MiB",
    "primitive/chacha20poly1305_seal_outplace/64B",
    "primitive/chacha20poly1305_seal_outplace/1KiB",
    "primitive/chacha20poly1305_seal_outplace/64KiB",
    "primitive/chacha20poly1305_seal_outplace/1MiB",
    "primitive/chacha20poly1305_open_alloc/64B",
    "primitive/chacha20poly1305_open_alloc/1KiB",
    "primitive/chacha20poly1305_open_alloc/64KiB",
    "primitive/chacha20poly1305_open_alloc/1MiB",
];

fn check(out: &mut String, what: &str, value: Option<f64>, limit: f64, at_most: bool) {
    let Some(v) = value else {
        let _ = writeln!(out, "- {what}: not measured");
        return;
    };
    let met = if at_most { v <= limit } else { v >= limit };
    let cmp = if at_most { "≤" } else { "≥" };
    let _ = writeln!(
        out,
        "- {what}: {v:.2} (target {cmp} {limit}) — {}",
        if met { "met" } else { "MISSED" }
    );
}

pub(crate) fn print(since: SystemTime, preamble: &str) {
    let m = Medians {
        dir: criterion_dir(),
        since,
    };
    let get = |id: &str| m.get(id);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n## Results (medians; the smallest over the passes of this run)\n"
    );
    let _ = writeln!(
        out,
        "| operation | hushwire | floor | hushwire ÷ floor | vodozemac | hushwire ÷ vodozemac |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for (label, h, f, v) in rows() {
        let (h, f, v) = (get(&h), f.and_then(|f| get(&f)), v.and_then(|v| get(&v)));
        if h.is_none() && f.is_none() && v.is_none() {
            continue;
        }
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} |",
            time(h),
            time(f),
            ratio(h, f),
            time(v),
            ratio(h, v)
        );
    }

    let _ = writeln!(out, "\n## Primitives (medians)\n");
    let _ = writeln!(out, "| primitive | median | throughput |");
    let _ = writeln!(out, "|---|---:|---:|");
    for id in PRIMITIVES {
        let t = get(id);
        if t.is_none() {
            continue;
        }
        let size = match id.rsplit('/').next() {
            Some("64B") => Some(64.0),
            Some("1KiB") => Some(1024.0),
            Some("64KiB") => Some(65536.0),
            Some("1MiB") => Some(1048576.0),
            _ => None,
        };
        let tput = match (size, t) {
            (Some(bytes), Some(ns)) => format!("{:.0} MiB/s", bytes / ns * 1e9 / 1048576.0),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {tput} |",
            id.trim_start_matches("primitive/"),
            time(t)
        );
    }

    // Sums of measured primitives, as a cross-check of the composed floors.
    let keygen = get("primitive/x25519_keygen");
    let dh = get("primitive/x25519_dh");
    let verify = get("primitive/ed25519_verify_74B");
    let decompress = get("primitive/ed25519_decompress");
    let h32 = get("primitive/hkdf_sha256_H32_ikm160");
    let h44 = get("primitive/hkdf_sha256_H44");
    let h64 = get("primitive/hkdf_sha256_H64");
    let mac = get("primitive/hmac_sha256_1B");
    let rng32 = get("primitive/rng_32B");
    let _ = writeln!(
        out,
        "\n## Floors as sums of the primitive medians (cross-check)\n"
    );
    let _ = writeln!(
        out,
        "| floor | composition | sum of medians | composed, measured |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|");
    let sums: Vec<(&str, &str, Option<f64>)> = vec![
        (
            "initiate/otk",
            "2 B + 5 D + H32 + H64",
            sum(&[(2.0, keygen), (5.0, dh), (1.0, h32), (1.0, h64)]),
        ),
        (
            "initiate/no_otk",
            "2 B + 4 D + H32 + H64",
            sum(&[(2.0, keygen), (4.0, dh), (1.0, h32), (1.0, h64)]),
        ),
        (
            "initiate_from_bundle/otk",
            "decompress + V + 2 B + 5 D + H32 + H64",
            sum(&[
                (1.0, decompress),
                (1.0, verify),
                (2.0, keygen),
                (5.0, dh),
                (1.0, h32),
                (1.0, h64),
            ]),
        ),
        (
            "accept/otk",
            "B + 6 D + H32 + 2 H64 + 2 M + H44 + A(64)",
            sum(&[
                (1.0, keygen),
                (6.0, dh),
                (1.0, h32),
                (2.0, h64),
                (2.0, mac),
                (1.0, h44),
                (1.0, get("primitive/chacha20poly1305_open/64B")),
            ]),
        ),
        (
            "accept/no_otk",
            "B + 5 D + H32 + 2 H64 + 2 M + H44 + A(64)",
            sum(&[
                (1.0, keygen),
                (5.0, dh),
                (1.0, h32),
                (2.0, h64),
                (2.0, mac),
                (1.0, h44),
                (1.0, get("primitive/chacha20poly1305_open/64B")),
            ]),
        ),
        (
            "encrypt/64B",
            "2 M + H44 + A(64)",
            sum(&[
                (2.0, mac),
                (1.0, h44),
                (1.0, get("primitive/chacha20poly1305_seal/64B")),
            ]),
        ),
        (
            "decrypt/64B",
            "2 M + H44 + A(64)",
            sum(&[
                (2.0, mac),
                (1.0, h44),
                (1.0, get("primitive/chacha20poly1305_open/64B")),
            ]),
        ),
        (
            "decrypt_ratchet/64B",
            "B + 2 D + 2 H64 + 2 M + H44 + A(64)",
            sum(&[
                (1.0, keygen),
                (2.0, dh),
                (2.0, h64),
                (2.0, mac),
                (1.0, h44),
                (1.0, get("primitive/chacha20poly1305_open/64B")),
            ]),
        ),
    ];
    for (id, what, s) in &sums {
        let _ = writeln!(
            out,
            "| {id} | {what} | {} | {} |",
            time(*s),
            time(get(&format!("floor/{id}")))
        );
    }
    let _ = rng32;

    // How much the passes disagree: other jobs on the machine slow some passes down.
    let _ = writeln!(out, "\n## Pass-to-pass spread\n");
    let mut spreads: Vec<(f64, String)> = Vec::new();
    let mut count = 0;
    for (_, h, f, v) in rows() {
        for id in [Some(h), f, v].into_iter().flatten() {
            let all = m.passes(&id);
            if all.len() < 2 || spreads.iter().any(|(_, seen)| *seen == id) {
                continue;
            }
            let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = all.iter().copied().fold(0.0, f64::max);
            count += 1;
            spreads.push((hi / lo, id));
        }
    }
    spreads.sort_by(|a, b| b.0.total_cmp(&a.0));
    if count == 0 {
        let _ = writeln!(out, "One pass only.");
    } else {
        let within = spreads.iter().filter(|(r, _)| *r <= 1.05).count();
        let _ = writeln!(
            out,
            "{within} of {count} benchmarks agree within 5 % between passes; the largest \
             differences (slowest ÷ fastest pass):\n"
        );
        for (r, id) in spreads.iter().take(10) {
            let _ = writeln!(out, "- {id}: {r:.2}");
        }
    }

    let _ = writeln!(out, "\n## Targets\n");
    for op in ["encrypt", "decrypt"] {
        for size in ["64B", "1KiB", "64KiB", "1MiB"] {
            let r = get(&format!("hushwire/{op}/{size}"))
                .zip(get(&format!("floor/{op}/{size}")))
                .map(|(h, f)| h / f);
            check(
                &mut out,
                &format!("{op} {size} on an existing chain ÷ floor"),
                r,
                1.3,
                true,
            );
        }
    }
    let r = get("primitive/chacha20poly1305_seal/1MiB")
        .zip(get("hushwire/encrypt/1MiB"))
        .map(|(raw, h)| raw / h);
    check(
        &mut out,
        "encrypt 1 MiB throughput ÷ raw ChaCha20-Poly1305 seal",
        r,
        0.9,
        false,
    );
    let r = get("primitive/chacha20poly1305_open/1MiB")
        .zip(get("hushwire/decrypt/1MiB"))
        .map(|(raw, h)| raw / h);
    check(
        &mut out,
        "decrypt 1 MiB throughput ÷ raw ChaCha20-Poly1305 open",
        r,
        0.9,
        false,
    );
    let r = get("hushwire/decrypt_ratchet/64B")
        .zip(get("floor/decrypt_ratchet/64B"))
        .map(|(h, f)| h / f);
    check(
        &mut out,
        "DH ratchet step (decrypt_ratchet 64B) ÷ its floor",
        r,
        1.15,
        true,
    );
    let r = get("hushwire/decrypt_ratchet/64B")
        .zip(sum(&[(1.0, keygen), (2.0, dh)]))
        .map(|(h, f)| h / f);
    check(
        &mut out,
        "DH ratchet step (decrypt_ratchet 64B) ÷ (keygen + 2 DH)",
        r,
        1.15,
        true,
    );
    for (what, h, f) in [
        (
            "initiate (OTK) ÷ its floor",
            "hushwire/initiate/otk",
            "floor/initiate/otk",
        ),
        (
            "initiate (no OTK) ÷ its floor",
            "hushwire/initiate/no_otk",
            "floor/initiate/no_otk",
        ),
        (
            "initiate from bundle bytes ÷ (verify + initiate floor)",
            "hushwire/initiate_from_bundle/otk",
            "floor/initiate_from_bundle/otk",
        ),
        (
            "accept (OTK) ÷ its floor",
            "hushwire/accept/otk",
            "floor/accept/otk",
        ),
        (
            "accept (no OTK) ÷ its floor",
            "hushwire/accept/no_otk",
            "floor/accept/no_otk",
        ),
    ] {
        let r = get(h).zip(get(f)).map(|(h, f)| h / f);
        check(&mut out, what, r, 1.15, true);
    }
    let _ = writeln!(
        out,
        "\nhushwire ÷ vodozemac (target < 1 on like-for-like operations):\n"
    );
    for (what, h, v) in [
        (
            "encrypt 64B",
            "hushwire/encrypt/64B",
            "vodozemac/encrypt/64B",
        ),
        (
            "encrypt 1KiB",
            "hushwire/encrypt/1KiB",
            "vodozemac/encrypt/1KiB",
        ),
        (
            "encrypt 64KiB",
            "hushwire/encrypt/64KiB",
            "vodozemac/encrypt/64KiB",
        ),
        (
            "encrypt 1MiB",
            "hushwire/encrypt/1MiB",
            "vodozemac/encrypt/1MiB",
        ),
        (
            "decrypt 64B",
            "hushwire/decrypt/64B",
            "vodozemac/decrypt/64B",
        ),
        (
            "decrypt 1KiB",
            "hushwire/decrypt/1KiB",
            "vodozemac/decrypt/1KiB",
        ),
        (
            "decrypt 64KiB",
            "hushwire/decrypt/64KiB",
            "vodozemac/decrypt/64KiB",
        ),
        (
            "decrypt 1MiB",
            "hushwire/decrypt/1MiB",
            "vodozemac/decrypt/1MiB",
        ),
        (
            "decrypt sequential 64B",
            "hushwire/decrypt_sequential/64B",
            "vodozemac/decrypt_sequential/64B",
        ),
        (
            "ping-pong 64B (session layer)",
            "hushwire/pingpong/64B",
            "vodozemac/pingpong/64B",
        ),
        (
            "ping-pong 64B (wire bytes)",
            "hushwire/pingpong_wire/64B",
            "vodozemac/pingpong_wire/64B",
        ),
        (
            "handshake 64B",
            "hushwire/handshake/64B",
            "vodozemac/handshake/64B",
        ),
        (
            "decrypt_ratchet 64B (hushwire: B + 2 D; Olm: 1 D, keygen deferred to next encrypt)",
            "hushwire/decrypt_ratchet/64B",
            "vodozemac/decrypt_ratchet/64B",
        ),
        (
            "initiate no OTK (hushwire: 2 B + 4 D; Olm: 2 B + 3 D)",
            "hushwire/initiate/no_otk",
            "vodozemac/outbound",
        ),
        (
            "accept OTK (hushwire: B + 6 D; Olm: 3 D)",
            "hushwire/accept/otk",
            "vodozemac/inbound",
        ),
        (
            "serialize (protobuf vs serde_json pickle)",
            "hushwire/to_bytes/established",
            "vodozemac/to_bytes/established",
        ),
        (
            "deserialize",
            "hushwire/from_bytes/established",
            "vodozemac/from_bytes/established",
        ),
    ] {
        let r = get(h).zip(get(v)).map(|(h, v)| h / v);
        check(&mut out, what, r, 1.0, true);
    }

    let text = format!("{preamble}{out}");
    println!("{text}");
    let path: &Path = &m.dir.join("pairwise-report.md");
    if std::fs::create_dir_all(&m.dir).is_ok() && std::fs::write(path, &text).is_ok() {
        println!("(written to {})", path.display());
    }
}
