//! After the run: criterion's medians read back from its output directory (only estimates this
//! run wrote), each benchmark's smallest over the passes, and the paired ratios, printed as
//! Markdown tables with each row's ratio to its floor, and written to
//! `<criterion dir>/business-report.md`.

use std::fmt::Write as _;

use crate::criterion_run::write_report;
use crate::fixtures::{Fixtures, ISSUER_LIST, ISSUER_LIST_LARGE, ROOT_LIST, Raw};
use crate::paired::{Paired, Pick, ROUNDS, over_passes};
use crate::run_report::{self, Run, SPREAD_HEADING, command_line, floor_row, spread_row};
use crate::shared::{div, ratio, time};

/// The environment variables that change what the run measures, for its command line.
const VARS: [&str; 3] = ["BUSINESS_PASSES", "CARGO_TARGET_DIR", "RUSTFLAGS"];

/// The crates measured, for the header.
const CRATES: [&str; 6] = [
    "ed25519-dalek",
    "curve25519-dalek",
    "sha2",
    "prost",
    "unicode-normalization",
    "criterion",
];

fn header(out: &mut String, run: &Run, f: &Fixtures) {
    run_report::header(
        out,
        run,
        "Verified business account benchmarks",
        &command_line("business", &VARS),
        &[("avx2", cfg!(target_feature = "avx2"))],
        &CRATES,
    );
    let _ = writeln!(
        out,
        "Inputs: a chain of {} bytes (issuer-certificate body {} B, business-certificate body \
         {} B, every optional field set); the root's list with {} serials; the issuer's list \
         with {} serials ({} bytes encoded) and with {} serials ({} bytes); a bundle with a \
         one-time prekey, {} bytes without the chain and {} with it. Signed messages \
         (`u8(len(label)) || label || body`): {} B, {} B, {} B (the 10,000-serial list) and {} B \
         (the signed prekey).\n",
        f.chain_bytes.len(),
        f.raw_issuer.body_len(),
        f.raw_business.body_len(),
        ROOT_LIST.len(),
        ISSUER_LIST,
        f.list_bytes.len(),
        ISSUER_LIST_LARGE,
        f.list_large.encode().len(),
        f.bundle_plain.len(),
        f.bundle_business.len(),
        f.raw_issuer.message.len(),
        f.raw_business.message.len(),
        f.raw_list.message.len(),
        f.raw_prekey.message.len(),
    );
}

/// One row of a table: label, benchmark, its floor, its paired ratio to the floor.
type Row<'a> = (&'a str, &'a str, Option<&'a str>, Option<Pick>);

fn table(out: &mut String, run: &Run, paired: &[Paired], rows: &[Row<'_>]) {
    let _ = writeln!(
        out,
        "| operation | median | floor | ÷ floor | paired ÷ floor |\n|---|---:|---:|---:|---:|"
    );
    for &(label, id, floor, pick) in rows {
        floor_row(
            out,
            label,
            run.get(id),
            floor.and_then(|f| run.get(f)),
            pick.and_then(|p| over_passes(paired, p)),
        );
    }
}

fn chain(out: &mut String, run: &Run, paired: &[Paired]) {
    let chain_floor = Some("business_chain/floor");
    let _ = writeln!(
        out,
        "## Certificate chain (SPEC.md 13.2, 13.4)\n\n\
         Medians, each the smallest over the passes. The floor is two raw \
         `ed25519_dalek::VerifyingKey::verify_strict` calls over the chain's two signed \
         messages (the root over the issuer certificate, the issuer over the business \
         certificate), with the keys already decompressed and the messages already built; no \
         decoding, time, scope or revocation check. `validate` alone starts from a decoded \
         chain (a clone, made untimed). The held lists are the root's ({} serials) and the \
         issuer's; the lookups are `binary_search` of the business serial (a miss) in the \
         issuer's list, which is what `validate` does once per list. The paired column is the \
         ratio timed in alternating rounds (section Paired ratios).\n",
        ROOT_LIST.len()
    );
    table(
        out,
        run,
        paired,
        &[
            (
                "floor: 2 × `verify_strict`",
                "business_chain/floor",
                None,
                None,
            ),
            (
                "`BusinessCertificateIn::decode` alone",
                "business_chain/decode",
                chain_floor,
                None,
            ),
            (
                "`decode` + `validate`, issuer list of 10,000 serials",
                "business_chain/decode_validate_10k",
                chain_floor,
                Some(|p| p.chain),
            ),
            (
                "`validate` alone, issuer list of 10,000 serials",
                "business_chain/validate_10k",
                chain_floor,
                None,
            ),
            (
                "`validate` alone, issuer list of 100,000 serials",
                "business_chain/validate_100k",
                chain_floor,
                None,
            ),
            (
                "lookup alone, 10,000 serials",
                "business_chain/lookup_10k",
                None,
                None,
            ),
            (
                "lookup alone, 100,000 serials",
                "business_chain/lookup_100k",
                None,
                None,
            ),
        ],
    );
    let (v10, v100) = (
        run.get("business_chain/validate_10k"),
        run.get("business_chain/validate_100k"),
    );
    let _ = writeln!(
        out,
        "\n`validate` with 100,000 serials ÷ with 10,000: {}.",
        ratio(div(v100, v10))
    );
}

fn revocation(out: &mut String, run: &Run, paired: &[Paired], f: &Fixtures) {
    let _ = writeln!(
        out,
        "\n## Taking in a revocation list (`Revocations::update`, SPEC.md 13.4)\n\n\
         The issuer's list of {ISSUER_LIST} serials, from its bytes: `RevocationList::decode` \
         (which checks that the serials increase) and `update` (the issuer certificate in the \
         list verified under the root and valid now, the list's signature under the issuer, \
         its age, its sequence number) into a `Revocations` holding the root's list (cloned \
         untimed). The floor is the two raw `verify_strict` calls: the root's over the issuer \
         certificate and the issuer's over the {}-byte list message.\n",
        f.raw_list.message.len()
    );
    let update_floor = Some("business_revocation/floor_10k");
    table(
        out,
        run,
        paired,
        &[
            (
                "floor: 2 × `verify_strict`",
                "business_revocation/floor_10k",
                None,
                None,
            ),
            (
                "`RevocationList::decode` alone",
                "business_revocation/decode_10k",
                update_floor,
                Some(|p| p.list_decode),
            ),
            (
                "`decode` + `Revocations::update`",
                "business_revocation/update_10k",
                update_floor,
                Some(|p| p.update),
            ),
        ],
    );
}

fn bundle(out: &mut String, run: &Run, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "\n## What a chain adds to starting a session (SPEC.md 13.5)\n\n\
         The same business's bundle (identity key, signed prekey, one-time prekey), decoded \
         from its bytes and validated: without a chain, `PreKeyBundleIn::decode` + `validate` \
         (floor: one `verify_strict`, the signed prekey); with the chain, `decode` + \
         `validate_business` (floor: three, the signed prekey and the chain's two), holding \
         the lists of the chain section (10,000 serials).\n"
    );
    table(
        out,
        run,
        paired,
        &[
            (
                "`decode` + `validate`, no chain",
                "business_bundle/plain",
                Some("business_bundle/floor_plain"),
                None,
            ),
            (
                "`decode` + `validate_business`, with the chain",
                "business_bundle/business",
                Some("business_bundle/floor_business"),
                Some(|p| p.bundle_business),
            ),
            (
                "`decode` + `validate` of the bundle with the chain (chain decoded, not validated)",
                "business_bundle/chain_not_validated",
                Some("business_bundle/floor_plain"),
                None,
            ),
            (
                "floor: 1 × `verify_strict` (signed prekey)",
                "business_bundle/floor_plain",
                None,
                None,
            ),
            (
                "floor: 3 × `verify_strict`",
                "business_bundle/floor_business",
                None,
                None,
            ),
        ],
    );
    let (plain, business) = (
        run.get("business_bundle/plain"),
        run.get("business_bundle/business"),
    );
    let added = match (plain, business) {
        (Some(p), Some(b)) => Some(b - p),
        _ => None,
    };
    let _ = writeln!(
        out,
        "\nWith the chain ÷ without: {} (paired: {}); the chain adds {} to decoding and \
         validating the bundle; {} for `decode` + `validate` of the chain alone (first table).",
        ratio(div(business, plain)),
        ratio(over_passes(paired, |p| p.bundle_added)),
        time(added),
        time(run.get("business_chain/decode_validate_10k")),
    );
}

fn peer(out: &mut String) {
    let _ = writeln!(
        out,
        "\n## Peer\n\n\
         None measured. vodozemac (0.11, the peer of the other benches) has no certificates. \
         The conceptual peer is libsignal's sealed-sender certificate validation (a server \
         certificate signed by a trust root, a sender certificate signed by the server's key, \
         an expiry check); libsignal is not buildable here and was not fetched.\n"
    );
}

fn primitives(out: &mut String, run: &Run, f: &Fixtures) {
    let _ = writeln!(out, "## Primitives (medians)\n");
    let _ = writeln!(out, "| primitive | benchmark | median |\n|---|---|---:|");
    let p = |id: &str| run.get(&format!("business_primitive/{id}"));
    let verify = |what: &str, raw: &Raw| {
        format!("`verify_strict`, {what} message ({} B)", raw.message.len())
    };
    for (id, label) in [
        (
            "verify_issuer_certificate",
            verify("issuer-certificate", &f.raw_issuer),
        ),
        (
            "verify_business_certificate",
            verify("business-certificate", &f.raw_business),
        ),
        ("verify_list_10k", verify("10,000-serial list", &f.raw_list)),
        (
            "verify_signed_prekey",
            verify("signed-prekey", &f.raw_prekey),
        ),
        (
            "prost_decode_list_body_10k",
            format!(
                "prost `RevocationListBody::decode` alone, {} B (no strict check)",
                f.list_body.len()
            ),
        ),
        (
            "prost_encode_list_body_10k",
            "prost `encode_to_vec` of that body".to_string(),
        ),
        (
            "decompress_key",
            "`VerifyingKey::from_bytes` (point decompression)".to_string(),
        ),
    ] {
        let _ = writeln!(out, "| {label} | `{id}` | {} |", time(p(id)));
    }
    let sum = |ids: &[&str]| ids.iter().map(|id| p(id)).sum::<Option<f64>>();
    let _ = writeln!(
        out,
        "\nFloors as sums of their primitives: chain {} measured, {} summed; update {} \
         measured, {} summed; bundle with the chain {} measured, {} summed.",
        time(run.get("business_chain/floor")),
        time(sum(&[
            "verify_issuer_certificate",
            "verify_business_certificate"
        ])),
        time(run.get("business_revocation/floor_10k")),
        time(sum(&["verify_issuer_certificate", "verify_list_10k"])),
        time(run.get("business_bundle/floor_business")),
        time(sum(&[
            "verify_signed_prekey",
            "verify_issuer_certificate",
            "verify_business_certificate"
        ])),
    );
}

fn paired_table(out: &mut String, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "\n## Paired ratios (alternating rounds)\n\n\
         Each comparison timed without criterion, the two sides in alternating rounds of at \
         least 10 ms ({ROUNDS} rounds each after one discarded, the order switching every \
         round), so that both see the same load: in each pass the median of the per-round \
         ratios. The last column is the median over the passes.\n"
    );
    let heads: Vec<String> = (1..=paired.len()).map(|n| format!("pass {n}")).collect();
    let _ = writeln!(
        out,
        "| ratio | {} | median |\n|---|{}---:|",
        heads.join(" | "),
        "---:|".repeat(paired.len())
    );
    let rows: [(&str, Pick); 5] = [
        ("chain `decode` + `validate` ÷ floor", |p| p.chain),
        ("list `decode` alone ÷ floor of `update`", |p| {
            p.list_decode
        }),
        ("list `decode` + `update` ÷ floor", |p| p.update),
        ("bundle `decode` + `validate_business` ÷ floor", |p| {
            p.bundle_business
        }),
        (
            "bundle with the chain (`validate_business`) ÷ without (`validate`)",
            |p| p.bundle_added,
        ),
    ];
    for (label, pick) in rows {
        let cells: Vec<String> = paired.iter().map(|p| format!("{:.2}", pick(p))).collect();
        let _ = writeln!(
            out,
            "| {label} | {} | {} |",
            cells.join(" | "),
            ratio(over_passes(paired, pick))
        );
    }
}

fn spread(out: &mut String, run: &Run) {
    let _ = writeln!(out, "{SPREAD_HEADING}");
    for id in BENCHMARKS {
        spread_row(out, id, &run.passes(id));
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
pub(crate) fn print(run: &Run, paired: &[Paired], f: &Fixtures) {
    let mut out = String::new();
    header(&mut out, run, f);
    chain(&mut out, run, paired);
    revocation(&mut out, run, paired, f);
    bundle(&mut out, run, paired);
    peer(&mut out);
    primitives(&mut out, run, f);
    paired_table(&mut out, paired);
    spread(&mut out, run);
    load(&mut out, run);
    write_report("business-report.md", &out);
}

/// Every criterion benchmark, for the spread table.
const BENCHMARKS: [&str; 22] = [
    "business_chain/floor",
    "business_chain/decode",
    "business_chain/decode_validate_10k",
    "business_chain/validate_10k",
    "business_chain/validate_100k",
    "business_chain/lookup_10k",
    "business_chain/lookup_100k",
    "business_revocation/floor_10k",
    "business_revocation/decode_10k",
    "business_revocation/update_10k",
    "business_bundle/floor_plain",
    "business_bundle/plain",
    "business_bundle/floor_business",
    "business_bundle/business",
    "business_bundle/chain_not_validated",
    "business_primitive/verify_issuer_certificate",
    "business_primitive/verify_business_certificate",
    "business_primitive/verify_list_10k",
    "business_primitive/verify_signed_prekey",
    "business_primitive/prost_decode_list_body_10k",
    "business_primitive/prost_encode_list_body_10k",
    "business_primitive/decompress_key",
];
