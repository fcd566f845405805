//! After the run: read criterion's medians back from its output directory and print the
//! comparison tables and target checks as Markdown (also written to
//! `<criterion dir>/pairwise-report.md`). Only estimates written by this run are used, except
//! the earlier reports named in `PAIRWISE_BASELINES`, which are read as committed.

use crate::criterion_run::{Medians, write_report};
pub(crate) use crate::machine_load::CpuTimes;
use crate::machine_load::ticks_per_second;
use crate::shared::{div, ratio, sum, time};
use std::fmt::Write as _;

use crate::fixtures::{AWS, Column, RUST, SIZES};
use crate::floor::{self, Impl, Kind, Set};

/// Reads back a figure printed by [`time`].
fn parse_time(cell: &str) -> Option<f64> {
    let (value, unit) = cell.trim().split_once(' ')?;
    let value: f64 = value.parse().ok()?;
    let scale = match unit {
        "ns" => 1.0,
        "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    Some(value * scale)
}

/// One row of the results table.
struct Row {
    label: String,
    /// The hushwire benchmark, without its group ("encrypt/64B").
    bench: String,
    /// Measured on both providers (otherwise on the default one only).
    both: bool,
    /// The floor: operation, parameter, AEAD length.
    floor: Option<(&'static str, String, usize)>,
    /// The vodozemac benchmark.
    olm: Option<String>,
}

impl Row {
    fn hushwire(&self, col: Column) -> Option<String> {
        (self.both || col.hushwire == RUST.hushwire)
            .then(|| format!("{}/{}", col.hushwire, self.bench))
    }

    fn floor(&self, col: Column) -> Option<String> {
        let (op, param, _) = self.floor.as_ref()?;
        (self.both || col.floor == RUST.floor).then(|| format!("{}/{op}/{param}", col.floor))
    }

    fn limit(&self) -> Option<String> {
        let (op, param, len) = self.floor.as_ref()?;
        self.both.then(|| floor::limit_floor_id(op, param, *len))
    }
}

fn rows() -> Vec<Row> {
    let row = |label: &str,
               bench: &str,
               both,
               floor: Option<(&'static str, &str, usize)>,
               olm: Option<&str>| Row {
        label: label.into(),
        bench: bench.into(),
        both,
        floor: floor.map(|(op, param, len)| (op, param.to_string(), len)),
        olm: olm.map(str::to_string),
    };
    let mut rows = vec![
        row(
            "initiate, OTK (verified bundle)",
            "initiate/otk",
            true,
            Some(("initiate", "otk", 64)),
            Some("vodozemac/outbound"),
        ),
        row(
            "initiate, no OTK",
            "initiate/no_otk",
            true,
            Some(("initiate", "no_otk", 64)),
            Some("vodozemac/outbound"),
        ),
        row(
            "initiate from bundle bytes (decode + verify + initiate)",
            "initiate_from_bundle/otk",
            true,
            Some(("initiate_from_bundle", "otk", 64)),
            None,
        ),
        row(
            "accept first message (64 B), OTK",
            "accept/otk",
            true,
            Some(("accept", "otk", 64)),
            Some("vodozemac/inbound"),
        ),
        row(
            "accept first message (64 B), no OTK",
            "accept/no_otk",
            true,
            Some(("accept", "no_otk", 64)),
            Some("vodozemac/inbound"),
        ),
    ];
    for (label, bench, floor, olm) in HYBRID_ROWS {
        let (op, param) = floor.split_once('/').unwrap_or((floor, ""));
        let op = match op {
            "initiate" => "initiate",
            "initiate_from_bundle" => "initiate_from_bundle",
            "accept" => "accept",
            _ => "handshake",
        };
        rows.push(row(label, bench, false, Some((op, param, 64)), olm));
    }
    for op in ["encrypt", "decrypt", "decrypt_ratchet"] {
        for (size, len) in SIZES {
            rows.push(Row {
                label: format!("{op} {size}"),
                bench: format!("{op}/{size}"),
                both: true,
                floor: Some((op, size.to_string(), len)),
                olm: Some(format!("vodozemac/{op}/{size}")),
            });
        }
    }
    rows.extend([
        row(
            "decrypt 64B, in-order pre-generated (no clone)",
            "decrypt_sequential/64B",
            true,
            Some(("decrypt", "64B", 64)),
            Some("vodozemac/decrypt_sequential/64B"),
        ),
        row(
            "decrypt 64B with 2000 stored skipped keys",
            "decrypt_2000_skipped/64B",
            false,
            Some(("decrypt", "64B", 64)),
            None,
        ),
        row(
            "ping-pong round trip 64B (session layer)",
            "pingpong/64B",
            true,
            Some(("pingpong", "64B", 64)),
            Some("vodozemac/pingpong/64B"),
        ),
        row(
            "ping-pong round trip 64B (with encode/decode)",
            "pingpong_wire/64B",
            true,
            Some(("pingpong", "64B", 64)),
            Some("vodozemac/pingpong_wire/64B"),
        ),
        row(
            "handshake: initiate + first msg + accept + reply + decrypt",
            "handshake/64B",
            true,
            Some(("handshake", "64B", 64)),
            Some("vodozemac/handshake/64B"),
        ),
        row(
            "state clone, established",
            "clone/established",
            false,
            None,
            Some("vodozemac/clone/established"),
        ),
        row(
            "state clone, 2000 skipped keys",
            "clone/2000_skipped",
            false,
            None,
            None,
        ),
        row(
            "serialize (to_bytes), established",
            "to_bytes/established",
            false,
            None,
            Some("vodozemac/to_bytes/established"),
        ),
        row(
            "deserialize (from_bytes), established",
            "from_bytes/established",
            false,
            None,
            Some("vodozemac/from_bytes/established"),
        ),
        row(
            "serialize (to_bytes), 2000 skipped keys",
            "to_bytes/2000_skipped",
            false,
            None,
            None,
        ),
        row(
            "deserialize (from_bytes), 2000 skipped keys",
            "from_bytes/2000_skipped",
            false,
            None,
            None,
        ),
        row(
            "bundle decode + validate (OTK)",
            "bundle_decode_validate/otk",
            false,
            None,
            None,
        ),
        row(
            "X25519 public key validation (one key)",
            "x25519_public_key_validate",
            false,
            None,
            None,
        ),
    ]);
    for op in ["encode", "decode"] {
        for (size, _) in SIZES {
            rows.push(Row {
                label: format!("envelope {op} {size}"),
                bench: format!("envelope_{op}/{size}"),
                both: false,
                floor: None,
                olm: Some(format!("vodozemac/message_{op}/{size}")),
            });
        }
    }
    rows
}

/// The hybrid set-up rows (default provider): label, hushwire benchmark, floor benchmark (both
/// without their group), vodozemac benchmark.
const HYBRID_ROWS: [(&str, &str, &str, Option<&str>); 4] = [
    (
        "initiate, hybrid (OTK + one-time KEM prekey)",
        "initiate/hybrid_otk",
        "initiate/hybrid_otk",
        Some("vodozemac/outbound"),
    ),
    (
        "initiate from bundle bytes, hybrid",
        "initiate_from_bundle/hybrid_otk",
        "initiate_from_bundle/hybrid_otk",
        None,
    ),
    (
        "accept first message (64 B), hybrid",
        "accept/hybrid_otk",
        "accept/hybrid_otk",
        Some("vodozemac/inbound"),
    ),
    (
        "handshake, hybrid",
        "handshake/hybrid_64B",
        "handshake/hybrid_64B",
        Some("vodozemac/handshake/64B"),
    ),
];

/// The classic row each hybrid row is compared with.
const HYBRID_VS_CLASSIC: [(&str, &str, &str); 4] = [
    ("initiate (OTK)", "initiate/otk", "initiate/hybrid_otk"),
    (
        "initiate from bundle bytes (OTK)",
        "initiate_from_bundle/otk",
        "initiate_from_bundle/hybrid_otk",
    ),
    ("accept (OTK, 64 B)", "accept/otk", "accept/hybrid_otk"),
    ("handshake (64 B)", "handshake/64B", "handshake/hybrid_64B"),
];

/// The hybrid set-up against the classic one, on the default provider: each with its floor,
/// the ratios, and vodozemac (whose Olm set-up is classic, 3DH).
fn hybrid_table(out: &mut String, m: &Medians) {
    let get = |id: String| m.get(&id);
    let _ = writeln!(
        out,
        "\n## Hybrid set-up (ML-KEM-1024) against classic X3DH (rust-crypto)\n"
    );
    let _ = writeln!(
        out,
        "| operation | classic | classic floor | ÷ floor | hybrid | hybrid floor | ÷ floor \
         | hybrid ÷ classic | floor hybrid ÷ classic | vodozemac | classic ÷ Olm | hybrid ÷ Olm |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let olm_of = |classic: &str| match classic.split('/').next() {
        Some("initiate") => Some("vodozemac/outbound".to_string()),
        Some("accept") => Some("vodozemac/inbound".to_string()),
        Some("handshake") => Some("vodozemac/handshake/64B".to_string()),
        _ => None,
    };
    for (label, classic, hybrid) in HYBRID_VS_CLASSIC {
        let hc = get(format!("{}/{classic}", RUST.hushwire));
        let fc = get(format!("{}/{classic}", RUST.floor));
        let hh = get(format!("{}/{hybrid}", RUST.hushwire));
        let fh = get(format!("{}/{hybrid}", RUST.floor));
        let olm = olm_of(classic).and_then(|id| m.get(&id));
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            time(hc),
            time(fc),
            ratio(div(hc, fc)),
            time(hh),
            time(fh),
            ratio(div(hh, fh)),
            ratio(div(hh, hc)),
            ratio(div(fh, fc)),
            time(olm),
            ratio(div(hc, olm)),
            ratio(div(hh, olm)),
        );
    }
    let _ = writeln!(
        out,
        "\n| ML-KEM-1024 and the hybrid's other primitives | median |\n|---|---:|"
    );
    for id in [
        "ml_kem1024_encapsulate",
        "ml_kem1024_decapsulate",
        "ml_kem1024_validate_public_key",
        "sha256_1568B",
        "ed25519_verify_kem_prekey",
        "ed25519_verify_74B",
        "x25519_dh",
    ] {
        let _ = writeln!(
            out,
            "| {id} | {} |",
            time(get(format!("{}/{id}", RUST.primitive)))
        );
    }
}

/// The primitives table: (benchmark without its group, measured in RustCrypto, in aws-lc-rs,
/// the kind behind the seam if it is one).
fn primitive_rows() -> Vec<(String, bool, bool, Option<Kind>)> {
    let mut out: Vec<(String, bool, bool, Option<Kind>)> = vec![
        ("rng_32B".into(), true, false, None),
        ("x25519_keygen".into(), true, true, None),
        (Kind::PublicKey.id(), true, true, Some(Kind::PublicKey)),
        (Kind::Dh.id(), true, true, Some(Kind::Dh)),
        ("x25519_import".into(), false, true, None),
        ("x25519_agree_imported".into(), false, true, None),
        ("ed25519_sign_74B".into(), true, false, None),
        ("ed25519_decompress".into(), true, false, None),
        ("ed25519_verify_74B".into(), true, false, None),
        ("hmac_sha256_1B".into(), true, false, None),
        ("kdf_ck".into(), true, false, None),
        ("hkdf_sha256_H32_ikm160".into(), true, false, None),
        ("hkdf_sha256_H44".into(), true, false, None),
        ("hkdf_sha256_H64".into(), true, false, None),
    ];
    for kind in Kind::all().into_iter().skip(2) {
        out.push((kind.id(), true, true, Some(kind)));
    }
    for form in ["seal_alloc", "open_alloc"] {
        for (size, _) in SIZES {
            out.push((format!("chacha20poly1305_{form}/{size}"), true, true, None));
        }
    }
    out
}

fn size_of(id: &str) -> Option<f64> {
    let size = id.rsplit('/').next()?;
    SIZES.iter().find(|s| s.0 == size).map(|s| s.1 as f64)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

/// "1.09 met" for a ratio and its target.
fn checked(r: Option<f64>, limit: f64, at_most: bool) -> String {
    match r {
        None => "not measured".into(),
        Some(r) => format!(
            "{r:.2} {}",
            verdict(if at_most { r <= limit } else { r >= limit })
        ),
    }
}

/// Counts of checks met and missed, for a summary line.
#[derive(Default)]
struct Tally {
    met: usize,
    missed: usize,
}

impl Tally {
    fn add(&mut self, r: Option<f64>, limit: f64, at_most: bool) -> String {
        if let Some(v) = r {
            if (at_most && v <= limit) || (!at_most && v >= limit) {
                self.met += 1;
            } else {
                self.missed += 1;
            }
        }
        checked(r, limit, at_most)
    }
}

/// The hushwire (or rust-crypto) column of a report's results table: (row label, median), in
/// the table's order.
fn baseline(path: &str) -> Result<Vec<(String, f64)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with("## Results"))
        .skip_while(|l| !l.starts_with("| operation |"));
    let header = lines
        .next()
        .ok_or_else(|| format!("{path}: no results table"))?;
    let cells = |l: &str| -> Vec<String> {
        l.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let column = cells(header)
        .iter()
        .position(|c| c == "hushwire" || c == "rust-crypto")
        .ok_or_else(|| format!("{path}: no hushwire or rust-crypto column"))?;
    let mut out = Vec::new();
    for line in lines.skip(1).take_while(|l| l.starts_with('|')) {
        let cells = cells(line);
        if let Some(ns) = cells.get(column).and_then(|c| parse_time(c)) {
            out.push((cells[0].clone(), ns));
        }
    }
    Ok(out)
}

/// The table comparing `now` (label, median) with `then`, rows in `now`'s order: ratio and
/// verdict (target ≤ 1.00; "within 5 %" above that by no more than the pass-to-pass spread).
fn comparison(now: &[(String, Option<f64>)], then: &[(String, f64)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| row | baseline | this run | ratio | verdict |\n|---|---:|---:|---:|---|"
    );
    let (mut met, mut close, mut slower) = (0, 0, 0);
    for (label, now) in now {
        let Some(then) = then.iter().find(|(l, _)| l == label).map(|r| r.1) else {
            continue;
        };
        let r = div(*now, Some(then));
        let v = match r {
            None => "not measured",
            Some(r) if r <= 1.0 => {
                met += 1;
                "met"
            }
            Some(r) if r <= 1.05 => {
                close += 1;
                "within 5 %"
            }
            Some(_) => {
                slower += 1;
                "SLOWER"
            }
        };
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {v} |",
            time(Some(then)),
            time(*now),
            ratio(r)
        );
    }
    let _ = writeln!(
        out,
        "\n{met} rows met, {close} within 5 %, {slower} slower by more than 5 %."
    );
    out
}

/// `PAIRWISE_COMPARE`: the default provider's column of report `now` against report `then`.
pub(crate) fn compare_reports(now: &str, then: &str) -> String {
    let read = |path| baseline(path).unwrap_or_else(|e| panic!("{e}"));
    let now_rows: Vec<(String, Option<f64>)> =
        read(now).into_iter().map(|(l, v)| (l, Some(v))).collect();
    format!(
        "**rust-crypto of `{now}` ÷ hushwire of `{then}`, target ≤ 1.00**\n\n{}",
        comparison(&now_rows, &read(then))
    )
}

fn load(out: &mut String, start: Option<CpuTimes>) {
    let Some(load) = start.and_then(|a| a.since(ticks_per_second())) else {
        return;
    };
    let _ = writeln!(
        out,
        "\n## Machine load during the run\n\n{:.0} s of wall time on {} CPUs: this process \
         used {:.0} CPU-seconds, everything else {:.0} (idle {:.0}, stolen by the \
         hypervisor {:.0}). Load average at the end: {}.",
        load.wall,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load.own,
        load.others,
        load.idle,
        load.steal,
        load.loadavg,
    );
}

/// Versions of the crates compared, from the workspace's Cargo.lock.
fn versions() -> String {
    crate::shared::versions(&[
        "aws-lc-rs",
        "aws-lc-sys",
        "chacha20poly1305",
        "x25519-dalek",
        "curve25519-dalek",
        "hmac",
        "hkdf",
        "sha2",
        "ed25519-dalek",
        "vodozemac",
        "criterion",
    ])
}

pub(crate) fn print(m: &Medians, cpu: Option<CpuTimes>, preamble: &str) {
    let get = |id: &str| m.get(id);
    let opt = |id: &Option<String>| id.as_deref().and_then(|id| m.get(id));
    let limit = floor::limit();
    let mut out = String::new();

    let _ = writeln!(
        out,
        "\nCrates: {}. Providers compiled in: {}.",
        versions(),
        hushwire::CryptoProvider::available()
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let _ = writeln!(
        out,
        "\n## Results (medians; the smallest over the passes of this run)\n"
    );
    let _ = writeln!(
        out,
        "Columns: hushwire on each provider with the floor of that provider's primitives; the \
         limit floor (the same calls, each primitive from the faster crate in this run); \
         vodozemac. aws-lc-rs ÷ limit is hushwire on AWS_LC_RS ÷ the limit floor.\n"
    );
    let _ = writeln!(
        out,
        "| operation | rust-crypto | floor | ÷ floor | aws-lc-rs | floor | ÷ floor | limit floor \
         | aws-lc-rs ÷ limit | vodozemac | rust-crypto ÷ Olm | aws-lc-rs ÷ Olm |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for row in rows() {
        let (hr, fr) = (opt(&row.hushwire(RUST)), opt(&row.floor(RUST)));
        let (ha, fa) = (opt(&row.hushwire(AWS)), opt(&row.floor(AWS)));
        let (lim, olm) = (opt(&row.limit()), opt(&row.olm));
        if [hr, fr, ha, fa, lim, olm].iter().all(Option::is_none) {
            continue;
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            row.label,
            time(hr),
            time(fr),
            ratio(div(hr, fr)),
            time(ha),
            time(fa),
            ratio(div(ha, fa)),
            time(lim),
            ratio(div(ha, lim)),
            time(olm),
            ratio(div(hr, olm)),
            ratio(div(ha, olm)),
        );
    }

    hybrid_table(&mut out, m);

    let _ = writeln!(out, "\n## Primitives (medians)\n");
    let _ = writeln!(
        out,
        "`primitive/*` are the RustCrypto and dalek crates, `primitive_aws/*` aws-lc-rs. The \
         limit is the faster of the two (for HMAC, HKDF, SHA-256 and Ed25519 the only \
         implementation either provider uses). aws-lc-rs takes an X25519 secret only through \
         `PrivateKey::from_private_key`, which computes the public key (x25519_import); its \
         x25519_dh is import + `agree`, as the provider does, and x25519_agree_imported is \
         `agree` alone on a key imported beforehand. The `_alloc` forms of the AEAD copy the \
         text into a new Vec and then work in place (RustCrypto: its `Aead` methods; \
         aws-lc-rs: what hushwire's seal_raw and open_raw do around the provider).\n"
    );
    let _ = writeln!(
        out,
        "| primitive | rust-crypto | aws-lc-rs | limit | faster | limit throughput |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---|---:|");
    for (id, in_rust, in_aws, _) in primitive_rows() {
        let r = in_rust
            .then(|| get(&format!("{}/{id}", RUST.primitive)))
            .flatten();
        let a = in_aws
            .then(|| get(&format!("{}/{id}", AWS.primitive)))
            .flatten();
        if r.is_none() && a.is_none() {
            continue;
        }
        let (best, which) = match (r, a) {
            (Some(r), Some(a)) if a < r => (Some(a), "aws-lc-rs"),
            (Some(r), Some(_)) => (Some(r), "rust-crypto"),
            (Some(r), None) => (Some(r), ""),
            (None, a) => (a, ""),
        };
        let tput = match (size_of(&id), best) {
            (Some(bytes), Some(ns)) => format!("{:.0} MiB/s", bytes / ns * 1e9 / 1048576.0),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {id} | {} | {} | {} | {which} | {tput} |",
            time(r),
            time(a),
            time(best)
        );
    }

    let _ = writeln!(out, "\n## The limit floors' primitives\n");
    let _ = writeln!(
        out,
        "Chosen once, before the first pass, by timing each primitive in both crates in this \
         process (21 alternating rounds of about 10 ms each, the fastest round's mean; an open \
         includes copying the ciphertext back, in both crates), and fixed for every pass. A \
         limit floor whose primitives all come from one crate is that crate's floor (the same \
         calls), measured once; only a mixed composition has a `floor_limit/*` benchmark of its \
         own. The last column says whether this run's criterion medians pick the same crate.\n"
    );
    let _ = writeln!(
        out,
        "| primitive | calibration rust-crypto | calibration aws-lc-rs | chosen | median rust-crypto | median aws-lc-rs | medians agree |"
    );
    let _ = writeln!(out, "|---|---:|---:|---|---:|---:|---|");
    for (kind, rust, aws, pick) in &limit.rows {
        let r = get(&format!(
            "{}/{}",
            Impl::RustCrypto.primitive_group(),
            kind.id()
        ));
        let a = get(&format!("{}/{}", Impl::AwsLc.primitive_group(), kind.id()));
        let by_medians = match (r, a) {
            (Some(r), Some(a)) => Some(if a < r { Impl::AwsLc } else { Impl::RustCrypto }),
            _ => None,
        };
        let agree = match by_medians {
            None => "—".to_string(),
            Some(b) if b == *pick => "yes".into(),
            Some(b) => format!("no ({})", b.name()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {agree} |",
            kind.id(),
            time(Some(*rust)),
            time(Some(*aws)),
            pick.name(),
            time(r),
            time(a),
        );
    }
    let mut sources: Vec<String> = Vec::new();
    for row in rows() {
        if let (true, Some((op, param, len))) = (row.both, &row.floor) {
            let id = format!("{op}/{param}");
            if sources.iter().any(|s| s.starts_with(&format!("{id}:"))) {
                continue;
            }
            let from = match floor::limit_source(op, *len) {
                Some(Set::Aws) => "the aws-lc-rs floor",
                Some(Set::Rust) => "the rust-crypto floor",
                _ => "floor_limit (mixed)",
            };
            sources.push(format!("{id}: {from}"));
        }
    }
    let _ = writeln!(
        out,
        "\nLimit floor of each operation: {}.",
        sources.join("; ")
    );

    // Sums of measured primitives, as a cross-check of the composed floors.
    let _ = writeln!(
        out,
        "\n## Floors as sums of the primitive medians (cross-check)\n"
    );
    let _ = writeln!(
        out,
        "B = x25519_keygen, R = rng_32B, P = x25519_public_key, D = x25519_dh, K = kdf_ck, \
         H = hkdf_sha256, \
         A = chacha20poly1305 seal or open, V = ed25519_decompress + ed25519_verify_74B; each \
         from the set's own crate (the limit: the chosen crate), the symmetric ones from \
         RustCrypto in all three.\n"
    );
    let _ = writeln!(
        out,
        "| floor | composition | rust-crypto sum | measured | aws-lc-rs sum | measured | limit sum | measured |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|");
    let common = |id: &str| get(&format!("{}/{id}", RUST.primitive));
    let (verify, decompress) = (common("ed25519_verify_74B"), common("ed25519_decompress"));
    let (h32, h44, h64) = (
        common("hkdf_sha256_H32_ikm160"),
        common("hkdf_sha256_H44"),
        common("hkdf_sha256_H64"),
    );
    let kck = common("kdf_ck");
    let draw = common("rng_32B");
    // The median of one primitive behind the seam in `set`.
    let seam = |set: Set, kind: Kind| -> Option<f64> {
        let crate_of = match set {
            Set::Rust => Impl::RustCrypto,
            Set::Aws => Impl::AwsLc,
            Set::Limit => limit.choice(kind),
        };
        get(&format!("{}/{}", crate_of.primitive_group(), kind.id()))
    };
    let keygen = |set: Set| -> Option<f64> {
        let crate_of = match set {
            Set::Rust => Impl::RustCrypto,
            Set::Aws => Impl::AwsLc,
            Set::Limit => limit.choice(Kind::PublicKey),
        };
        get(&format!("{}/x25519_keygen", crate_of.primitive_group()))
    };
    type Composition<'a> = Box<dyn Fn(Set) -> Option<f64> + 'a>;
    let mut sums: Vec<(&str, String, usize, &str, Composition)> = Vec::new();
    for (otk, d) in [("otk", 5.0), ("no_otk", 4.0)] {
        sums.push((
            "initiate",
            otk.to_string(),
            64,
            if otk == "otk" {
                "2 B + 5 D + H32 + H64"
            } else {
                "2 B + 4 D + H32 + H64"
            },
            Box::new(move |s| {
                sum(&[
                    (2.0, keygen(s)),
                    (d, seam(s, Kind::Dh)),
                    (1.0, h32),
                    (1.0, h64),
                ])
            }),
        ));
    }
    sums.push((
        "initiate_from_bundle",
        "otk".into(),
        64,
        "V + 2 B + 5 D + H32 + H64",
        Box::new(move |s| {
            sum(&[
                (1.0, decompress),
                (1.0, verify),
                (2.0, keygen(s)),
                (5.0, seam(s, Kind::Dh)),
                (1.0, h32),
                (1.0, h64),
            ])
        }),
    ));
    for (otk, d) in [("otk", 5.0), ("no_otk", 4.0)] {
        sums.push((
            "accept",
            otk.to_string(),
            64,
            if otk == "otk" {
                "R + 5 D + H32 + H64 + K + H44 + A(64)"
            } else {
                "R + 4 D + H32 + H64 + K + H44 + A(64)"
            },
            Box::new(move |s| {
                sum(&[
                    (1.0, draw),
                    (d, seam(s, Kind::Dh)),
                    (1.0, h32),
                    (1.0, h64),
                    (1.0, kck),
                    (1.0, h44),
                    (1.0, seam(s, Kind::Open(64))),
                ])
            }),
        ));
    }
    for (size, len) in SIZES {
        for op in ["encrypt", "decrypt"] {
            let kind = if op == "encrypt" {
                Kind::Seal(len)
            } else {
                Kind::Open(len)
            };
            sums.push((
                op,
                size.to_string(),
                len,
                "K + H44 + A(n)",
                Box::new(move |s| sum(&[(1.0, kck), (1.0, h44), (1.0, seam(s, kind))])),
            ));
        }
    }
    for (size, len) in [SIZES[0], SIZES[3]] {
        sums.push((
            "decrypt_ratchet",
            size.to_string(),
            len,
            "R + D + H64 + K + H44 + A(n)",
            Box::new(move |s| {
                sum(&[
                    (1.0, draw),
                    (1.0, seam(s, Kind::Dh)),
                    (1.0, h64),
                    (1.0, kck),
                    (1.0, h44),
                    (1.0, seam(s, Kind::Open(len))),
                ])
            }),
        ));
    }
    sums.push((
        "pingpong",
        "64B".into(),
        64,
        "2 (P + D + H64 + K + H44 + A(64)) + 2 (R + D + H64 + K + H44 + A(64)), with P + R = B",
        Box::new(move |s| {
            sum(&[
                (2.0, keygen(s)),
                (4.0, seam(s, Kind::Dh)),
                (4.0, h64),
                (4.0, kck),
                (4.0, h44),
                (2.0, seam(s, Kind::Seal(64))),
                (2.0, seam(s, Kind::Open(64))),
            ])
        }),
    ));
    sums.push((
        "handshake",
        "64B".into(),
        64,
        "initiate + first message (K + H44 + A(64)) + accept (OTK) + reply (P + D + H64 + K + H44 + A(64)) + (R + D + H64 + K + H44 + A(64)), with P + R = B",
        Box::new(move |s| {
            sum(&[
                (3.0, keygen(s)),
                (1.0, draw),
                (12.0, seam(s, Kind::Dh)),
                (2.0, h32),
                (4.0, h64),
                (4.0, kck),
                (4.0, h44),
                (2.0, seam(s, Kind::Seal(64))),
                (2.0, seam(s, Kind::Open(64))),
            ])
        }),
    ));
    for (op, param, len, what, f) in &sums {
        let measured = |set: Set| get(&format!("{}/{op}/{param}", set.group()));
        let _ = writeln!(
            out,
            "| {op}/{param} | {what} | {} | {} | {} | {} | {} | {} |",
            time(f(Set::Rust)),
            time(measured(Set::Rust)),
            time(f(Set::Aws)),
            time(measured(Set::Aws)),
            time(f(Set::Limit)),
            time(get(&floor::limit_floor_id(op, param, *len))),
        );
    }

    // How much the passes disagree: other jobs on the machine slow some passes down.
    let _ = writeln!(out, "\n## Pass-to-pass spread\n");
    let mut ids: Vec<String> = Vec::new();
    for row in rows() {
        for id in [
            row.hushwire(RUST),
            row.floor(RUST),
            row.hushwire(AWS),
            row.floor(AWS),
            row.limit(),
            row.olm.clone(),
        ]
        .into_iter()
        .flatten()
        {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    for (id, in_rust, in_aws, _) in primitive_rows() {
        if in_rust {
            ids.push(format!("{}/{id}", RUST.primitive));
        }
        if in_aws {
            ids.push(format!("{}/{id}", AWS.primitive));
        }
    }
    let mut spreads: Vec<(f64, String)> = Vec::new();
    for id in ids {
        let all = m.passes(&id);
        if all.len() < 2 {
            continue;
        }
        let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = all.iter().copied().fold(0.0, f64::max);
        spreads.push((hi / lo, id));
    }
    spreads.sort_by(|a, b| b.0.total_cmp(&a.0));
    if spreads.is_empty() {
        let _ = writeln!(out, "One pass only.");
    } else {
        let within = spreads.iter().filter(|(r, _)| *r <= 1.05).count();
        let _ = writeln!(
            out,
            "{within} of {} benchmarks agree within 5 % between passes; the largest \
             differences (slowest ÷ fastest pass):\n",
            spreads.len()
        );
        for (r, id) in spreads.iter().take(12) {
            let _ = writeln!(out, "- {id}: {r:.2}");
        }
    }

    targets(&mut out, m);
    load(&mut out, cpu);

    write_report("pairwise-report.md", &format!("{preamble}{out}"));
}

fn targets(out: &mut String, m: &Medians) {
    let get = |id: &str| m.get(id);
    let _ = writeln!(out, "\n## Targets\n");
    let _ = writeln!(
        out,
        "Each check is a ratio of two medians of this run. The issue's targets are the \
         aws-lc-rs column; the rust-crypto column is the same check on the default provider.\n"
    );
    let mut aws_tally = Tally::default();
    let mut rust_tally = Tally::default();

    let _ = writeln!(
        out,
        "**Per-message overhead: hushwire ÷ its own provider's floor, target ≤ 1.3.**\n"
    );
    let _ = writeln!(out, "| row | rust-crypto | aws-lc-rs |\n|---|---:|---:|");
    for op in ["encrypt", "decrypt", "decrypt_ratchet"] {
        for (size, _) in SIZES {
            let r = |col: Column| {
                div(
                    get(&format!("{}/{op}/{size}", col.hushwire)),
                    get(&format!("{}/{op}/{size}", col.floor)),
                )
            };
            let _ = writeln!(
                out,
                "| {op} {size} | {} | {} |",
                rust_tally.add(r(RUST), 1.3, true),
                aws_tally.add(r(AWS), 1.3, true)
            );
        }
    }

    let _ = writeln!(
        out,
        "\n**1 MiB throughput: raw AEAD time ÷ hushwire time, target ≥ 0.9.** Raw: the provider's \
         own crate (for aws-lc-rs, `primitive_aws/chacha20poly1305_*`), and the faster crate.\n"
    );
    let _ = writeln!(
        out,
        "| row | rust-crypto ÷ own | aws-lc-rs ÷ own | rust-crypto ÷ fastest | aws-lc-rs ÷ fastest |\n|---|---:|---:|---:|---:|"
    );
    let mut passes = Vec::new();
    for (op, form) in [("encrypt", "seal"), ("decrypt", "open")] {
        let raw = |col: Column| get(&format!("{}/chacha20poly1305_{form}/1MiB", col.primitive));
        let fastest = match (raw(RUST), raw(AWS)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
        let h = |col: Column| get(&format!("{}/{op}/1MiB", col.hushwire));
        let _ = writeln!(
            out,
            "| {op} 1MiB | {} | {} | {} | {} |",
            rust_tally.add(div(raw(RUST), h(RUST)), 0.9, false),
            aws_tally.add(div(raw(AWS), h(AWS)), 0.9, false),
            checked(div(fastest, h(RUST)), 0.9, false),
            checked(div(fastest, h(AWS)), 0.9, false),
        );
        for col in [RUST, AWS] {
            let pass_medians = |id: String| {
                m.passes(&id)
                    .iter()
                    .map(|&v| time(Some(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            passes.push(format!(
                "{op} on {}: raw {}; allocating raw {}; hushwire {}",
                col.provider.name(),
                pass_medians(format!("{}/chacha20poly1305_{form}/1MiB", col.primitive)),
                pass_medians(format!(
                    "{}/chacha20poly1305_{form}_alloc/1MiB",
                    col.primitive
                )),
                pass_medians(format!("{}/{op}/1MiB", col.hushwire)),
            ));
        }
    }
    let _ = writeln!(
        out,
        "\nThe medians of each pass behind these ratios (the allocating raw form copies the text \
         into a new Vec first, as hushwire does):\n"
    );
    for line in passes {
        let _ = writeln!(out, "- {line}");
    }

    let _ = writeln!(
        out,
        "\n**Set-up and the DH ratchet step: hushwire ÷ its own floor, target ≤ 1.15.**\n"
    );
    let _ = writeln!(out, "| row | rust-crypto | aws-lc-rs |\n|---|---:|---:|");
    for bench in [
        "initiate/otk",
        "initiate/no_otk",
        "initiate_from_bundle/otk",
        "accept/otk",
        "accept/no_otk",
        "decrypt_ratchet/64B",
    ] {
        let r = |col: Column| {
            div(
                get(&format!("{}/{bench}", col.hushwire)),
                get(&format!("{}/{bench}", col.floor)),
            )
        };
        let _ = writeln!(
            out,
            "| {bench} | {} | {} |",
            rust_tally.add(r(RUST), 1.15, true),
            aws_tally.add(r(AWS), 1.15, true)
        );
    }
    let r = |col: Column| {
        div(
            get(&format!("{}/decrypt_ratchet/64B", col.hushwire)),
            sum(&[
                (1.0, get(&format!("{}/rng_32B", RUST.primitive))),
                (1.0, get(&format!("{}/x25519_dh", col.primitive))),
            ]),
        )
    };
    let _ = writeln!(
        out,
        "| decrypt_ratchet/64B ÷ (R + D) | {} | {} |",
        rust_tally.add(r(RUST), 1.15, true),
        aws_tally.add(r(AWS), 1.15, true)
    );

    let _ = writeln!(
        out,
        "\n**Against vodozemac: hushwire ÷ Olm on like-for-like rows, target < 1.**\n"
    );
    let _ = writeln!(out, "| row | rust-crypto | aws-lc-rs |\n|---|---:|---:|");
    let mut olm_rows: Vec<(String, String, String)> = Vec::new();
    for op in ["encrypt", "decrypt", "decrypt_ratchet"] {
        for (size, _) in SIZES {
            olm_rows.push((
                format!("{op} {size}"),
                format!("{op}/{size}"),
                format!("vodozemac/{op}/{size}"),
            ));
        }
    }
    for (what, bench, olm) in [
        (
            "decrypt 64B sequential",
            "decrypt_sequential/64B",
            "vodozemac/decrypt_sequential/64B",
        ),
        (
            "ping-pong 64B (session layer)",
            "pingpong/64B",
            "vodozemac/pingpong/64B",
        ),
        (
            "ping-pong 64B (wire bytes)",
            "pingpong_wire/64B",
            "vodozemac/pingpong_wire/64B",
        ),
        ("initiate, OTK", "initiate/otk", "vodozemac/outbound"),
        ("initiate, no OTK", "initiate/no_otk", "vodozemac/outbound"),
        ("accept, OTK", "accept/otk", "vodozemac/inbound"),
        ("accept, no OTK", "accept/no_otk", "vodozemac/inbound"),
        ("handshake 64B", "handshake/64B", "vodozemac/handshake/64B"),
    ] {
        olm_rows.push((what.into(), bench.into(), olm.into()));
    }
    for (what, bench, olm) in &olm_rows {
        let r = |col: Column| div(get(&format!("{}/{bench}", col.hushwire)), get(olm));
        let _ = writeln!(
            out,
            "| {what} | {} | {} |",
            rust_tally.add(r(RUST), 1.0, true),
            aws_tally.add(r(AWS), 1.0, true)
        );
    }
    let _ = writeln!(
        out,
        "\nSummary: aws-lc-rs {} met, {} missed; rust-crypto {} met, {} missed (of the checks \
         above).",
        aws_tally.met, aws_tally.missed, rust_tally.met, rust_tally.missed
    );

    baselines(out, m);
}

/// RUST_CRYPTO against earlier reports (`PAIRWISE_BASELINES`: paths, separated by commas).
fn baselines(out: &mut String, m: &Medians) {
    let Ok(list) = std::env::var("PAIRWISE_BASELINES") else {
        let _ = writeln!(
            out,
            "\nNo earlier report to compare with (set PAIRWISE_BASELINES to report paths)."
        );
        return;
    };
    for path in list.split(',').filter(|p| !p.is_empty()) {
        let _ = writeln!(
            out,
            "\n**rust-crypto against `{path}` (the baseline): this run ÷ that report's hushwire \
             column, target ≤ 1.00** (\"within 5 %\": above 1.00 by no more than the \
             pass-to-pass spread).\n"
        );
        match baseline(path) {
            Ok(base) => {
                let now: Vec<(String, Option<f64>)> = rows()
                    .into_iter()
                    .map(|row| {
                        let v = row.hushwire(RUST).and_then(|id| m.get(&id));
                        (row.label, v)
                    })
                    .collect();
                out.push_str(&comparison(&now, &base));
            }
            Err(e) => {
                let _ = writeln!(out, "Not read: {e}");
            }
        }
    }
}
