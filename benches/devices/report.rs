//! After the run: criterion's medians read back from its output directory (only estimates this
//! run wrote), each benchmark's smallest over the passes, and the paired ratios, printed as
//! Markdown tables with each row's ratio to its floor, and written to
//! `<criterion dir>/devices-report.md`.

use std::fmt::Write as _;

use crate::alternating::ROUNDS;
use crate::criterion_run::write_report;
use crate::fixtures::{
    FAN_OUT, Fixtures, LEN, RECIPIENT_ACCOUNT, RECIPIENT_DEVICES, SENDER_ACCOUNT, SENDER_DEVICES,
};
use crate::paired::{Paired, Pick, over_passes};
use crate::run_report::{self, Run, SPREAD_HEADING, command_line, floor_row, spread_row};
use crate::shared::{div, ratio, time};

/// The environment variables that change what the run measures, for its command line.
const VARS: [&str; 3] = ["DEVICES_PASSES", "CARGO_TARGET_DIR", "RUSTFLAGS"];

/// The crates measured, for the header.
const CRATES: [&str; 7] = [
    "chacha20poly1305",
    "hmac",
    "hkdf",
    "sha2",
    "prost",
    "vodozemac",
    "criterion",
];

fn header(out: &mut String, run: &Run, f: &Fixtures) {
    run_report::header(
        out,
        run,
        "Multi-device fan-out benchmarks",
        &command_line("devices", &VARS),
        &[("avx2", cfg!(target_feature = "avx2"))],
        &CRATES,
    );
    let _ = writeln!(
        out,
        "Inputs: a {LEN}-byte plaintext; the sender is device 1 of an account with \
         {SENDER_DEVICES} devices, the recipient an account with {RECIPIENT_DEVICES} (account \
         ids of {} and {} bytes), so a fan-out is {FAN_OUT} messages. Every pair of devices \
         holds one established session (each device has sent a fan-out that every other device \
         decrypted, and the sender one more after that): the sender's messages are \
         RatchetMessages on chains the recipients already hold, and nothing takes a DH ratchet \
         step. Encoded: a fan-out `DeviceMessage` {} bytes (its envelope {} bytes), a plain \
         envelope {} bytes, an Olm message {} bytes. The default crypto provider (RustCrypto).\n",
        SENDER_ACCOUNT.len(),
        RECIPIENT_ACCOUNT.len(),
        f.sizes.device_message,
        f.sizes.device_envelope,
        f.sizes.envelope,
        f.sizes.olm_message,
    );
}

/// `a ÷ b` in each pass (criterion's medians of the same pass), comma-separated.
fn by_pass(run: &Run, a: &str, b: &str) -> String {
    let ratios: Vec<String> = run
        .passes(a)
        .iter()
        .zip(run.passes(b))
        .map(|(a, b)| format!("{:.2}", a / b))
        .collect();
    ratios.join(", ")
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

fn fan_out(out: &mut String, run: &Run, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "## Fan-out (SPEC.md 14.5)\n\n\
         Medians, each the smallest over the passes. The fan-out is \
         `DeviceSessions::encrypt_for_account(own list, recipient list, now, plaintext)`: the \
         lists' checks, the {FAN_OUT} targets and their sessions looked up, then per device the \
         routing (both addresses and list versions) encoded and bound into the associated data \
         of that session's encrypt; it returns the {FAN_OUT} `DeviceMessage`s. The floor is \
         {FAN_OUT} `Session::encrypt` of the same plaintext on the same {FAN_OUT} sessions as \
         plain `Session`s (cloned out of the sender's records once, before the run; no record, \
         no routing), the envelopes collected in a `Vec`. Both go on from the state the last \
         iteration left (a sending chain only advances), and the messages are dropped untimed. \
         The paired column is the ratio timed in alternating rounds (section Paired ratios).\n"
    );
    let floor = Some("devices_fanout/floor_8_encrypts");
    table(
        out,
        run,
        paired,
        &[
            (
                "floor: 8 × `Session::encrypt`, 1 KiB",
                "devices_fanout/floor_8_encrypts",
                None,
                None,
            ),
            (
                "`DeviceSessions::encrypt_for_account`, 1 KiB to 8 devices",
                "devices_fanout/fan_out",
                floor,
                Some(|p| p.fan_out),
            ),
            (
                "vodozemac: 8 × Olm `Session::encrypt`, 1 KiB",
                "devices_fanout/vodozemac_8_encrypts",
                floor,
                None,
            ),
        ],
    );
    let (fan, floor, olm) = (
        run.get("devices_fanout/fan_out"),
        run.get("devices_fanout/floor_8_encrypts"),
        run.get("devices_fanout/vodozemac_8_encrypts"),
    );
    let per = |t: Option<f64>| t.map(|t| t / FAN_OUT as f64);
    let added = match (fan, floor) {
        (Some(fan), Some(floor)) => Some((fan - floor) / FAN_OUT as f64),
        _ => None,
    };
    let _ = writeln!(
        out,
        "\nFan-out ÷ 8 single encrypts: **{}** (paired: **{}**; criterion's medians pass by \
         pass: {}). Per device: {} in the fan-out against {} for a plain encrypt, {} more per \
         message. Fan-out ÷ 8 Olm encrypts: {} (paired: {}); 8 hushwire encrypts ÷ 8 Olm \
         encrypts: {}.",
        ratio(div(fan, floor)),
        ratio(over_passes(paired, |p| p.fan_out)),
        by_pass(
            run,
            "devices_fanout/fan_out",
            "devices_fanout/floor_8_encrypts"
        ),
        time(per(fan)),
        time(per(floor)),
        time(added),
        ratio(div(fan, olm)),
        ratio(over_passes(paired, |p| p.fan_out_olm)),
        ratio(div(floor, olm)),
    );
}

fn receive(out: &mut String, run: &Run, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "\n## Receiving one of the messages\n\n\
         Recipient device 1 decrypting the fan-out's messages for it: \
         `DeviceSessions::decrypt` (its address and the sender's checked against the lists, \
         both lists' validity, the sender's listed key, its record taken out of the map and \
         put back, the routing re-encoded into the associated data, the record's current \
         session decrypting, the list versions compared) on the device's own sessions (its \
         {} records, one per other device), which live through the run. For each sample, a \
         copy of the sender's sessions (its records loaded once from their stored forms) fans \
         out as many times as criterion asks, untimed, and the device then decrypts its \
         messages in order, timed; each is a RatchetMessage on an existing receiving chain. \
         The floor is the same, with a clone of the same two sessions as plain `Session`s: \
         `Session::encrypt` untimed, `Session::decrypt` timed, no record, no routing. The \
         plaintexts are dropped untimed.\n",
        FAN_OUT
    );
    table(
        out,
        run,
        paired,
        &[
            (
                "floor: `Session::decrypt`, 1 KiB",
                "devices_receive/floor_decrypt",
                None,
                None,
            ),
            (
                "`DeviceSessions::decrypt`, 1 KiB",
                "devices_receive/decrypt",
                Some("devices_receive/floor_decrypt"),
                Some(|p| p.decrypt),
            ),
            (
                "vodozemac: Olm `Session::decrypt`, 1 KiB",
                "devices_receive/vodozemac_decrypt",
                Some("devices_receive/floor_decrypt"),
                None,
            ),
        ],
    );
    let (device, plain, olm) = (
        run.get("devices_receive/decrypt"),
        run.get("devices_receive/floor_decrypt"),
        run.get("devices_receive/vodozemac_decrypt"),
    );
    let added = match (device, plain) {
        (Some(d), Some(p)) => Some(d - p),
        _ => None,
    };
    let _ = writeln!(
        out,
        "\n`DeviceSessions::decrypt` ÷ `Session::decrypt`: **{}** (paired: **{}**; \
         criterion's medians pass by pass: {}), {} more; ÷ Olm decrypt: {}.",
        ratio(div(device, plain)),
        ratio(over_passes(paired, |p| p.decrypt)),
        by_pass(
            run,
            "devices_receive/decrypt",
            "devices_receive/floor_decrypt"
        ),
        time(added),
        ratio(div(device, olm)),
    );
}

fn peer(out: &mut String) {
    let _ = writeln!(
        out,
        "\n## Peer\n\n\
         vodozemac's Olm (version 1: AES-256-CBC + HMAC-SHA256), in the state of the pairwise \
         bench's `vodozemac/encrypt` and `decrypt` rows (its fixtures, `olm_pair_on_chain`): 8 \
         pairs, each sender on an existing chain, each encrypting the same 1 KiB; its decrypt \
         is measured as the floor's is (one pair, messages made untimed, decrypted in order). \
         vodozemac has no multi-device layer: a Matrix client encrypts a to-device message \
         once per device over Olm sessions itself, with no addresses bound into the message \
         (room messages use Megolm, one group session for every device, not measured here), \
         so its row is the 8 encrypts alone.\n"
    );
}

fn primitives(out: &mut String, run: &Run) {
    let _ = writeln!(out, "## Single messages (medians)\n");
    let _ = writeln!(out, "| operation | benchmark | median |\n|---|---|---:|");
    let p = |id: &str| run.get(&format!("devices_primitive/{id}"));
    for (id, label) in [
        ("encrypt_1KiB", "`Session::encrypt`, 1 KiB"),
        ("vodozemac_encrypt_1KiB", "Olm `Session::encrypt`, 1 KiB"),
    ] {
        let _ = writeln!(out, "| {label} | `{id}` | {} |", time(p(id)));
    }
    let _ = writeln!(
        out,
        "\n8 encrypts measured and as 8 × one: hushwire {} and {}; Olm {} and {}.",
        time(run.get("devices_fanout/floor_8_encrypts")),
        time(p("encrypt_1KiB").map(|t| 8.0 * t)),
        time(run.get("devices_fanout/vodozemac_8_encrypts")),
        time(p("vodozemac_encrypt_1KiB").map(|t| 8.0 * t)),
    );
}

fn paired_table(out: &mut String, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "\n## Paired ratios (alternating rounds)\n\n\
         Each comparison timed without criterion, the two sides in alternating rounds of at \
         least 10 ms ({ROUNDS} rounds each after one discarded, the order switching every \
         round), so that both see the same load: in each pass the median of the per-round \
         ratios. The last column is the median over the passes. What the calls return is \
         dropped after the clock stops, as in criterion. For the decrypts, each round first \
         makes its messages (untimed, as in criterion), then times decrypting them in order.\n"
    );
    let heads: Vec<String> = (1..=paired.len()).map(|n| format!("pass {n}")).collect();
    let _ = writeln!(
        out,
        "| ratio | {} | median |\n|---|{}---:|",
        heads.join(" | "),
        "---:|".repeat(paired.len())
    );
    let rows: [(&str, Pick); 3] = [
        ("fan-out ÷ 8 × `Session::encrypt`", |p| p.fan_out),
        ("fan-out ÷ 8 × Olm `Session::encrypt`", |p| p.fan_out_olm),
        ("`DeviceSessions::decrypt` ÷ `Session::decrypt`", |p| {
            p.decrypt
        }),
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
    fan_out(&mut out, run, paired);
    receive(&mut out, run, paired);
    peer(&mut out);
    primitives(&mut out, run);
    paired_table(&mut out, paired);
    spread(&mut out, run);
    load(&mut out, run);
    write_report("devices-report.md", &out);
}

/// Every criterion benchmark, for the spread table.
const BENCHMARKS: [&str; 8] = [
    "devices_fanout/floor_8_encrypts",
    "devices_fanout/fan_out",
    "devices_fanout/vodozemac_8_encrypts",
    "devices_receive/floor_decrypt",
    "devices_receive/decrypt",
    "devices_receive/vodozemac_decrypt",
    "devices_primitive/encrypt_1KiB",
    "devices_primitive/vodozemac_encrypt_1KiB",
];
