//! After the run: criterion's medians read back from its output directory (only estimates this
//! run wrote), printed as Markdown tables with each row's ratio to its floor and to the peer,
//! and written to `<criterion dir>/verification-report.md`.

use std::fmt::Write as _;

use crate::criterion_run::write_report;
use crate::fixtures::{AWS, RUST};
use crate::paired;
use crate::run_report::{Run, SPREAD_HEADING, command_line, floor_row, header, median, spread_row};
use crate::shared::{div, ratio, sum, time};

/// The environment variables that change what the run measures, for its command line.
const VARS: [&str; 4] = [
    "VERIFICATION_PASSES",
    "CARGO_TARGET_DIR",
    "RUSTFLAGS",
    "HUSHWIRE_TEST_PROVIDER",
];

/// The command line of this run as typed (see [`command_line`]). With the kernel's
/// autogroups, `nice` only ranks processes within one session: a run given a session of its
/// own with a raised priority says how.
fn typed_command() -> String {
    let line = command_line("verification", &VARS);
    match autogroup_niceness().filter(|&n| n != 0) {
        Some(n) => format!("setsid sh -c 'echo {n} > /proc/self/autogroup; {line}'"),
        None => line,
    }
}

/// The scheduling priority of this process's autogroup (its session), from
/// /proc/self/autogroup ("/autogroup-23 nice -19").
fn autogroup_niceness() -> Option<i64> {
    let group = std::fs::read_to_string("/proc/self/autogroup").ok()?;
    group.split_whitespace().last()?.parse().ok()
}

/// The crates compared, for the header.
const CRATES: [&str; 11] = [
    "sha2",
    "hkdf",
    "hmac",
    "x25519-dalek",
    "curve25519-dalek",
    "aws-lc-rs",
    "aws-lc-sys",
    "prost",
    "qrcode",
    "vodozemac",
    "criterion",
];

fn safety_numbers(out: &mut String, run: &Run) {
    let _ = writeln!(
        out,
        "## Safety numbers\n\n\
         Medians, each the smallest over the passes. The floor of a safety number is the `sha2` \
         crate doing exactly the 2 × 5200 SHA-512 of SPEC.md 12.2 over the same inputs (the \
         first over `0x0000 || key || id || key`, 80 bytes; then `digest || key`, 97 bytes); \
         the floor of verify_scanned checks the 10 framing bytes of a 74-byte payload and \
         compares its 64 digest bytes with ours in constant time, with no protobuf parsing. \
         The paired column is the ratio timed in alternating rounds (section Paired ratios).\n"
    );
    let _ = writeln!(
        out,
        "| operation | hushwire | floor | ÷ floor | paired ÷ floor |\n|---|---:|---:|---:|---:|"
    );
    let rows: [(&str, &str, Option<&str>); 8] = [
        (
            "`SafetyNumber::new` (0xED ‖ Ed25519 key, 12-byte ids)",
            "safety_number_new/hushwire",
            Some("safety_number_new/floor"),
        ),
        (
            "`hazmat::safety_number::displayable`, Signal's keys and ids",
            "safety_number_signal/hushwire",
            Some("safety_number_signal/floor"),
        ),
        (
            "`verify_scanned` (decode + compare), 74 B",
            "verify_scanned/hushwire",
            Some("verify_scanned/floor"),
        ),
        (
            "`ScannedSafetyNumber::decode` alone",
            "verify_scanned/decode_only",
            Some("verify_scanned/floor"),
        ),
        (
            "`scannable()` (encode 74 B)",
            "safety_number_render/scannable",
            None,
        ),
        (
            "`grouped()` (60 digits in 12 groups)",
            "safety_number_render/grouped",
            None,
        ),
        (
            "`qr_unicode()` (feature qr)",
            "safety_number_render/qr_unicode",
            None,
        ),
        (
            "`qr_svg()` (feature qr)",
            "safety_number_render/qr_svg",
            None,
        ),
    ];
    for (label, id, floor) in rows {
        let (h, f) = (run.get(id), floor.and_then(|f| run.get(f)));
        let paired = match id {
            "safety_number_new/hushwire" => paired::median(paired::SN_NEW),
            "safety_number_signal/hushwire" => paired::median(paired::SN_SIGNAL),
            "verify_scanned/hushwire" => paired::median(paired::SCANNED),
            _ => None,
        };
        floor_row(out, label, h, f, paired);
    }
}

fn sas(out: &mut String, run: &Run) {
    let g = |f: &str| run.get(&format!("sas_exchange/{f}"));
    let peer = g("vodozemac");
    let _ = writeln!(
        out,
        "\n## SAS exchange\n\n\
         One whole exchange between the two sessions of an established pair: Sas::start, \
         Sas::respond, receive_accept, receive_key on both sides, the SAS shown on both (emoji \
         indices and numbers), confirm on both, receive_mac on both, and every one of the six \
         VerificationMessages encoded and strictly decoded. The floor is the primitives of both \
         sides with the raw crates: 16 random bytes, 2 X25519 key generations, 2 X25519, 2 \
         SHA-256 (the responder's commitment, computed and checked), per side HKDF-SHA256 to 6 and to 64 \
         bytes and 2 HMAC-SHA256. vodozemac is `vodozemac::sas` doing the same exchange for two \
         parties, plus hushwire's commitment with `sha2` (it has none); the row without it is \
         vodozemac alone (see benches/README.md for what else differs). ÷ floor is against the \
         floor of the same provider; ÷ vodozemac against the like-for-like vodozemac row; \
         the paired columns are the same ratios timed in alternating rounds (section Paired \
         ratios), which the load of the other core does not skew.\n"
    );
    let _ = writeln!(
        out,
        "| exchange | median | ÷ floor | paired ÷ floor | ÷ vodozemac | paired ÷ vodozemac |\n\
         |---|---:|---:|---:|---:|---:|"
    );
    for (col, to_floor, to_peer) in [
        (RUST, paired::SAS_RUST_FLOOR, paired::SAS_RUST_PEER),
        (AWS, paired::SAS_AWS_FLOOR, paired::SAS_AWS_PEER),
    ] {
        let (h, f) = (g(col.hushwire), g(col.floor));
        let _ = writeln!(
            out,
            "| hushwire, {} | {} | {} | {} | {} | {} |",
            col.provider.name(),
            time(h),
            ratio(div(h, f)),
            ratio(paired::median(to_floor)),
            ratio(div(h, peer)),
            ratio(paired::median(to_peer)),
        );
        let floor_to_peer = if col.floor == RUST.floor {
            paired::median(paired::FLOOR_RUST_PEER)
        } else {
            None
        };
        let _ = writeln!(
            out,
            "| floor, {} X25519 | {} | — | — | {} | {} |",
            col.provider.name(),
            time(f),
            ratio(div(f, peer)),
            ratio(floor_to_peer),
        );
    }
    let once = g("floor_aws_import_once");
    let _ = writeln!(
        out,
        "| floor, aws-lc-rs X25519, each secret imported once | {} | — | — | {} | — |",
        time(once),
        ratio(div(once, peer))
    );
    let _ = writeln!(
        out,
        "| vodozemac + SHA-256 commitment (like-for-like) | {} | — | — | 1.00 | — |",
        time(peer)
    );
    let alone = g("vodozemac_no_commitment");
    let _ = writeln!(
        out,
        "| vodozemac alone (no commitment) | {} | — | — | {} | — |",
        time(alone),
        ratio(div(alone, peer))
    );
    let _ = writeln!(
        out,
        "\nhushwire on aws-lc-rs ÷ the one-import floor: {} (paired: {}). hushwire on \
         rust-crypto ÷ vodozemac alone: {}; on aws-lc-rs: {}.",
        ratio(div(g(AWS.hushwire), once)),
        ratio(paired::median(paired::SAS_AWS_ONCE)),
        ratio(div(g(RUST.hushwire), alone)),
        ratio(div(g(AWS.hushwire), alone)),
    );
}

const PRIMITIVES: [(&str, &str); 14] = [
    ("sha512_80B", "SHA-512 of 80 bytes (a first hash)"),
    ("sha512_97B", "SHA-512 of 97 bytes (each later hash)"),
    (
        "sha512_compress_1block",
        "SHA-512 compression function, one block",
    ),
    ("rng_16B", "16 bytes from the ChaCha20 rng"),
    (
        "rust_x25519_keygen",
        "X25519 key generation, x25519-dalek (32 rng bytes + X25519(k, 9))",
    ),
    ("rust_x25519_dh", "X25519(k, u), x25519-dalek"),
    (
        "aws_x25519_keygen",
        "X25519 key generation, aws-lc-rs (32 rng bytes + import + public key)",
    ),
    ("aws_x25519_dh", "X25519(k, u), aws-lc-rs (import + agree)"),
    (
        "aws_x25519_import",
        "aws-lc-rs `PrivateKey::from_private_key` alone",
    ),
    (
        "aws_x25519_agree_imported",
        "aws-lc-rs `agree` on an imported key",
    ),
    (
        "sha256_commitment_75B",
        "SHA-256 of the 75-byte commitment input",
    ),
    ("hkdf_sha256_L6", "HKDF-SHA256 to 6 bytes, 169-byte info"),
    ("hkdf_sha256_L64", "HKDF-SHA256 to 64 bytes, 172-byte info"),
    ("hmac_sha256_83B", "HMAC-SHA256 of 83 bytes, 32-byte key"),
];

fn primitives(out: &mut String, run: &Run) {
    let p = |id: &str| run.get(&format!("verification_primitive/{id}"));
    let _ = writeln!(
        out,
        "\n## Primitives (medians)\n\n| primitive | benchmark | median |\n|---|---|---:|"
    );
    for (id, label) in PRIMITIVES {
        let _ = writeln!(out, "| {label} | `{id}` | {} |", time(p(id)));
    }

    let _ = writeln!(
        out,
        "\n## Floors as sums of their primitives (cross-check)\n\n\
         | floor | measured | Σ primitives | measured ÷ Σ | composition |\n|---|---:|---:|---:|---|"
    );
    let iterations = f64::from(hushwire::SAFETY_NUMBER_ITERATIONS);
    let sn = [
        ("safety_number_new/floor", "SafetyNumber::new"),
        ("safety_number_signal/floor", "Signal's inputs"),
    ];
    for (id, label) in sn {
        let measured = run.get(id);
        let parts = sum(&[
            (2.0, p("sha512_80B")),
            (2.0 * (iterations - 1.0), p("sha512_97B")),
        ]);
        let _ = writeln!(
            out,
            "| safety number ({label}) | {} | {} | {} | 2 × SHA-512(80 B) + 10 398 × SHA-512(97 B) |",
            time(measured),
            time(parts),
            ratio(div(measured, parts))
        );
        let compress = sum(&[(2.0 * iterations, p("sha512_compress_1block"))]);
        let _ = writeln!(
            out,
            "| safety number ({label}) | {} | {} | {} | 10 400 × the compression function alone |",
            time(measured),
            time(compress),
            ratio(div(measured, compress))
        );
    }
    let symmetric = |keygen: Option<f64>, dh: Option<f64>| {
        sum(&[
            (1.0, p("rng_16B")),
            (2.0, keygen),
            (2.0, dh),
            (2.0, p("sha256_commitment_75B")),
            (2.0, p("hkdf_sha256_L6")),
            (2.0, p("hkdf_sha256_L64")),
            (4.0, p("hmac_sha256_83B")),
        ])
    };
    let floors = [
        (
            "SAS, rust-crypto",
            "floor",
            p("rust_x25519_keygen"),
            p("rust_x25519_dh"),
        ),
        (
            "SAS, aws-lc-rs",
            "floor_aws",
            p("aws_x25519_keygen"),
            p("aws_x25519_dh"),
        ),
        (
            "SAS, aws-lc-rs, one import per side",
            "floor_aws_import_once",
            p("aws_x25519_keygen"),
            p("aws_x25519_agree_imported"),
        ),
    ];
    for (label, id, keygen, dh) in floors {
        let measured = run.get(&format!("sas_exchange/{id}"));
        let parts = symmetric(keygen, dh);
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | rng(16) + 2 keygen + 2 DH + 2 SHA-256 + 2 HKDF(6) + 2 HKDF(64) + 4 HMAC |",
            time(measured),
            time(parts),
            ratio(div(measured, parts))
        );
    }
}

fn paired_table(out: &mut String) {
    let results = paired::RESULTS.lock().unwrap();
    if results.is_empty() {
        return;
    }
    let passes = results.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "\n## Paired ratios (alternating rounds)\n\n\
         The same comparisons timed without criterion, the two sides in alternating rounds of \
         at least 10 ms (31 rounds each, the order switching every round), so that both see \
         the same load: in each pass the median of the 31 per-round ratios, and (in \
         brackets) the fastest round of one side over the fastest of the other. The last \
         column is the median over the passes.\n"
    );
    let mut head = String::from("| ratio |");
    let mut rule = String::from("|---|");
    for n in 1..=passes {
        let _ = write!(head, " pass {n} |");
        rule.push_str("---:|");
    }
    let _ = writeln!(out, "{head} median |\n{rule}---:|");
    for (label, ratios) in results.iter() {
        let mut line = format!("| {label} |");
        for r in ratios {
            let _ = write!(line, " {:.2} ({:.2}) |", r.median, r.best);
        }
        let mut medians: Vec<f64> = ratios.iter().map(|r| r.median).collect();
        let _ = writeln!(out, "{line} {:.2} |", median(&mut medians));
    }
}

/// Every benchmark id of the run, for the spread table.
fn all_ids() -> Vec<String> {
    let mut ids: Vec<String> = [
        "safety_number_new/hushwire",
        "safety_number_new/floor",
        "safety_number_signal/hushwire",
        "safety_number_signal/floor",
        "verify_scanned/hushwire",
        "verify_scanned/floor",
        "verify_scanned/decode_only",
        "safety_number_render/scannable",
        "safety_number_render/grouped",
        "safety_number_render/qr_unicode",
        "safety_number_render/qr_svg",
        "sas_exchange/hushwire",
        "sas_exchange/floor",
        "sas_exchange/hushwire_aws",
        "sas_exchange/floor_aws",
        "sas_exchange/floor_aws_import_once",
        "sas_exchange/vodozemac",
        "sas_exchange/vodozemac_no_commitment",
    ]
    .map(String::from)
    .to_vec();
    ids.extend(
        PRIMITIVES
            .iter()
            .map(|(id, _)| format!("verification_primitive/{id}")),
    );
    ids
}

fn spread(out: &mut String, run: &Run) {
    if run.medians.passes < 2 {
        return;
    }
    let _ = writeln!(out, "{SPREAD_HEADING}");
    let (mut within, mut total) = (0, 0);
    for id in all_ids() {
        let medians = run.passes(&id);
        if medians.is_empty() {
            continue;
        }
        total += 1;
        if spread_row(out, &id, &medians).is_some_and(|s| s <= 1.05) {
            within += 1;
        }
    }
    let _ = writeln!(
        out,
        "\n{within} of {total} benchmarks agree within 5 % between passes."
    );
}

fn load(out: &mut String, run: &Run) {
    let Some(load) = run.load() else {
        return;
    };
    let _ = writeln!(
        out,
        "\n## Machine load during the run\n\n{load}, its session's autogroup at nice {}.",
        autogroup_niceness().unwrap_or(0),
    );
}

/// Prints the report and writes it next to criterion's results.
pub(crate) fn print(run: &Run) {
    let mut out = String::new();
    header(
        &mut out,
        run,
        "Identity verification benchmarks",
        &typed_command(),
        &[
            ("avx2", cfg!(target_feature = "avx2")),
            ("sha", cfg!(target_feature = "sha")),
            ("sha512", cfg!(target_feature = "sha512")),
        ],
        &CRATES,
    );
    safety_numbers(&mut out, run);
    sas(&mut out, run);
    primitives(&mut out, run);
    paired_table(&mut out);
    spread(&mut out, run);
    load(&mut out, run);
    write_report("verification-report.md", &out);
}
