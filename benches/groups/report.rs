//! After the run: criterion's medians read back from its output directory (only estimates this
//! run wrote), each benchmark's smallest over the passes, and the paired ratios, printed as
//! Markdown tables with each row's ratio to its floor and to Megolm, the membership change
//! against the MLS figure of the research notes, the targets, and why the backlog is not
//! verified in batches; written to `<criterion dir>/groups-report.md`.

use std::fmt::Write as _;

use crate::alternating::ROUNDS;
use crate::criterion_run::write_report;
use crate::fixtures::{Fixtures, GROUP_SIZE, JUMP, OTHERS_AFTER, SIZES};
use crate::floor::BATCH;
use crate::paired::{Paired, over_passes};
use crate::run_report::{self, Run, SPREAD_HEADING, command_line, spread_row};
use crate::shared::{div, ratio, sum, time};

/// The environment variables that change what the run measures, for its command line.
const VARS: [&str; 3] = ["GROUPS_PASSES", "CARGO_TARGET_DIR", "RUSTFLAGS"];

/// The crates measured, for the header.
const CRATES: [&str; 9] = [
    "chacha20poly1305",
    "hmac",
    "hkdf",
    "sha2",
    "ed25519-dalek",
    "curve25519-dalek",
    "prost",
    "vodozemac",
    "criterion",
];

/// openmls adding one member to a 1,000-member group, in milliseconds (research notes,
/// `anchors.md` section 3; franziskuskiefer on xmtp/libxmtp#701, 2024-06-03).
const MLS_ADD_MS: f64 = 734.0;

/// The remaining members after one of the [`GROUP_SIZE`] is removed: each re-distributes.
const REMAINING: usize = GROUP_SIZE - 1;

/// The paired-ratio rows: key prefix and label.
const PAIRED_ROWS: [(&str, &str); 8] = [
    ("encrypt_floor", "`encrypt` ÷ floor"),
    ("encrypt_megolm", "`encrypt` ÷ Megolm `encrypt`"),
    (
        "encrypt_aws_megolm",
        "`encrypt` on aws-lc-rs ÷ Megolm `encrypt`",
    ),
    (
        "encrypt_encode_megolm",
        "`encrypt` + `encode` ÷ Megolm `encrypt` + `to_bytes`",
    ),
    ("decrypt_floor", "`decrypt` ÷ floor"),
    ("decrypt_megolm", "`decrypt` ÷ Megolm `decrypt`"),
    (
        "decrypt_aws_megolm",
        "`decrypt` on aws-lc-rs ÷ Megolm `decrypt`",
    ),
    (
        "decode_decrypt_megolm",
        "`decrypt_bytes` ÷ Megolm `from_bytes` + `decrypt`",
    ),
];

/// The command line of this run; with its session's autogroup at another priority than 0,
/// inside the `setsid` that gave it one (the verification bench's convention: with the
/// kernel's autogroups, `nice` only ranks processes within one session).
fn full_command_line() -> String {
    let line = command_line("groups", &VARS);
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

/// `a − b` as a time, with its sign.
fn signed(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if a >= b => time(Some(a - b)),
        (Some(a), Some(b)) => format!("−{}", time(Some(b - a))),
        _ => "—".into(),
    }
}

/// A long time: in seconds from one second up.
fn long(ns: Option<f64>) -> String {
    match ns {
        Some(ns) if ns >= 1e9 => format!("{:.2} s", ns / 1e9),
        other => time(other),
    }
}

fn header(out: &mut String, run: &Run, f: &Fixtures) {
    run_report::header(
        out,
        run,
        "Group messaging (Sender Keys) benchmarks",
        &full_command_line(),
        &[("avx2", cfg!(target_feature = "avx2"))],
        &CRATES,
    );
    let lens = |pick: fn(&crate::fixtures::Size) -> usize| {
        f.sizes
            .iter()
            .map(|s| format!("{} B", pick(s)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "Inputs: plaintexts of 64 B, 1 KiB and 64 KiB; a 16-byte group id, 16-byte account \
         ids, device 1. hushwire's sessions use `Config::default()` (the RustCrypto provider, \
         2,000 stored keys per sender chain, 5 chains per member). Encoded group messages: {} \
         (signing {}: `u8(29) || label || body`); Megolm v1 messages: {}. A distribution is \
         {} bytes (Megolm's signed session key {} bytes), {} bytes as a pairwise \
         RatchetMessage. Megolm is vodozemac's `megolm` module with `SessionConfig::version_1()` \
         (AES-256-CBC + HMAC-SHA256 truncated to 8 bytes, Ed25519 signature over the whole \
         message; version 2 needs vodozemac's experimental feature), the same ed25519-dalek as \
         hushwire underneath. Medians are each the smallest over the passes; every ratio is of \
         two figures of this run.\n",
        lens(|s| s.group_message_len),
        lens(|s| s.signed_len),
        lens(|s| s.megolm_message_len),
        f.distributions.distribution_len,
        f.distributions.megolm_key.len(),
        f.pairwise.envelope_len,
    );
}

fn id(group: &str, kind: &str, size: &str) -> String {
    format!("groups_{group}/{kind}/{size}")
}

/// One row of a per-message table: size, floor, hushwire and its ratio (criterion, paired),
/// Megolm and hushwire's ratio to it (criterion, paired).
#[allow(clippy::too_many_arguments)]
fn message_row(
    out: &mut String,
    run: &Run,
    paired: &[Paired],
    group: &str,
    size: &str,
    ours: &str,
    megolm: &str,
    floor_key: Option<&str>,
    megolm_key: &str,
) {
    let t = run.get(&id(group, ours, size));
    let fl = floor_key.and_then(|_| run.get(&id(group, "floor", size)));
    let m = run.get(&id(group, megolm, size));
    let _ = writeln!(
        out,
        "| {size} | {} | {} | {} | {} | {} | {} | {} |",
        floor_key.map_or_else(|| "—".into(), |_| time(fl)),
        time(t),
        ratio(div(t, fl)),
        ratio(floor_key.and_then(|k| over_passes(paired, &format!("{k}/{size}")))),
        time(m),
        ratio(div(t, m)),
        ratio(over_passes(paired, &format!("{megolm_key}/{size}"))),
    );
}

const MESSAGE_HEAD: &str = "| size | floor | hushwire | ÷ floor | paired ÷ floor | Megolm | ÷ Megolm \
     | paired ÷ Megolm |\n|---|---:|---:|---:|---:|---:|---:|---:|";

fn encrypt(out: &mut String, run: &Run, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "## Encrypting a group message (SPEC.md 15.3)\n\n\
         hushwire: `GroupSession::encrypt`, which returns the `GroupMessage` (the chain's next \
         message key, HKDF to key and nonce, ChaCha20-Poly1305 with the 84-byte associated \
         data, the body encoded, Ed25519 over `u8(29) || label || body`). Floor: the same \
         primitive calls made directly, K + H44 + A(n) in place + S(m) over the same number of \
         bytes (see the primitives below), no encoding and no allocation. Megolm: \
         `GroupSession::encrypt` (ratchet advance, HKDF of the 128-byte ratchet to 80 bytes, \
         AES-256-CBC, HMAC-SHA256, Ed25519 over the whole message). Each sender goes on from \
         the state its last iteration left; the messages are dropped untimed.\n\n{MESSAGE_HEAD}"
    );
    for (size, _) in SIZES {
        message_row(
            out,
            run,
            paired,
            "encrypt",
            size,
            "encrypt",
            "vodozemac_encrypt",
            Some("encrypt_floor"),
            "encrypt_megolm",
        );
    }
    let _ = writeln!(
        out,
        "\nOn the wire: hushwire's `encrypt` then `GroupMessage::encode`, against Megolm's \
         `encrypt` then `MegolmMessage::to_bytes`.\n\n{MESSAGE_HEAD}"
    );
    for (size, _) in SIZES {
        message_row(
            out,
            run,
            paired,
            "encrypt",
            size,
            "encrypt_encode",
            "vodozemac_encrypt_encode",
            None,
            "encrypt_encode_megolm",
        );
    }
}

fn decrypt(out: &mut String, run: &Run, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "\n## Decrypting a group message (SPEC.md 15.4)\n\n\
         In order, each message the next of its chain: for each sample the sender makes as \
         many messages as criterion asks, untimed, and the receiver (which lives through the \
         run) decrypts them, timed. hushwire: `GroupSession::decrypt` of the decoded \
         `GroupMessage` (group, member and chain looked up, `verify_strict` over the label and \
         the body, the chain's next key, HKDF, ChaCha20-Poly1305 open, the chain moved on). \
         Floor: V(m) + K + H44 + A(n) in place over a copy of the floor's signed bytes (the copy \
         made untimed, as the messages are). Megolm: `InboundGroupSession::decrypt` (Ed25519 \
         verify_strict over the whole message, ratchet advanced by one, HKDF, HMAC check, \
         AES-256-CBC). Megolm keeps no record of what it decrypted (replays are the \
         application's to refuse); hushwire refuses them.\n\n{MESSAGE_HEAD}"
    );
    for (size, _) in SIZES {
        message_row(
            out,
            run,
            paired,
            "decrypt",
            size,
            "decrypt",
            "vodozemac_decrypt",
            Some("decrypt_floor"),
            "decrypt_megolm",
        );
    }
    let _ = writeln!(
        out,
        "\nFrom the wire: `GroupSession::decrypt_bytes` (`GroupMessage::decode`, strict, then \
         `decrypt`), against `MegolmMessage::from_bytes` then `decrypt`.\n\n{MESSAGE_HEAD}"
    );
    for (size, _) in SIZES {
        message_row(
            out,
            run,
            paired,
            "decrypt",
            size,
            "decode_decrypt",
            "vodozemac_decode_decrypt",
            None,
            "decode_decrypt_megolm",
        );
    }
}

fn aws(out: &mut String, run: &Run, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "\n## On the aws-lc-rs provider\n\n\
         The same `encrypt` and `decrypt`, on sessions configured with \
         `hushwire::provider::AWS_LC_RS`: AWS-LC's ChaCha20-Poly1305 (assembly) instead of \
         RustCrypto's; HMAC, HKDF and Ed25519 are the same crates on both providers.\n\n\
         | operation | size | aws-lc-rs | RustCrypto | ÷ RustCrypto | Megolm | ÷ Megolm | paired \
         ÷ Megolm |\n|---|---|---:|---:|---:|---:|---:|---:|"
    );
    for (group, ours, rust, megolm, key) in [
        (
            "encrypt",
            "encrypt_aws",
            "encrypt",
            "vodozemac_encrypt",
            "encrypt_aws_megolm",
        ),
        (
            "decrypt",
            "decrypt_aws",
            "decrypt",
            "vodozemac_decrypt",
            "decrypt_aws_megolm",
        ),
    ] {
        for (size, _) in SIZES {
            let (a, r, m) = (
                run.get(&id(group, ours, size)),
                run.get(&id(group, rust, size)),
                run.get(&id(group, megolm, size)),
            );
            let _ = writeln!(
                out,
                "| `{group}` | {size} | {} | {} | {} | {} | {} | {} |",
                time(a),
                time(r),
                ratio(div(a, r)),
                time(m),
                ratio(div(a, m)),
                ratio(over_passes(paired, &format!("{key}/{size}"))),
            );
        }
    }
}

fn against_megolm(out: &mut String, run: &Run, paired: &[Paired], f: &Fixtures) {
    // The floor ÷ Megolm from the paired ratios: (hushwire ÷ Megolm) ÷ (hushwire ÷ floor),
    // both timed against the same hushwire calls under the same load.
    let floor_over = |to_megolm: &str, to_floor: &str| -> String {
        SIZES
            .iter()
            .map(|(size, _)| {
                ratio(div(
                    over_passes(paired, &format!("{to_megolm}/{size}")),
                    over_passes(paired, &format!("{to_floor}/{size}")),
                ))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    // SHA-512 blocks of H(R || A || M) over m signed bytes (with the 17 bytes of padding).
    let blocks = |m: usize| (64 + m + 17).div_ceil(128);
    let signed: Vec<String> = f
        .sizes
        .iter()
        .map(|s| {
            let theirs = s.megolm_message_len - 64;
            format!(
                "{} B against {} B, {} and {} SHA-512 blocks",
                s.signed_len,
                theirs,
                blocks(s.signed_len),
                blocks(theirs)
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "\n**Against Megolm.** Both are one Ed25519 signature over the whole message (or its \
         `verify_strict`, the same ed25519-dalek) and a symmetric part; hushwire signs a little \
         more (the label, the group and the sender: {}). From the paired ratios, hushwire's \
         floor alone is {} of Megolm's encrypt at 64 B, 1 KiB and 64 KiB and {} of its \
         decrypt ((hushwire ÷ Megolm) ÷ (hushwire ÷ floor)). Where that is at or above 1, \
         hushwire cannot be faster than Megolm with these primitives, whatever its protocol \
         code does. Outside the signature, ChaCha20-Poly1305 costs {} for 64 B (key setup and \
         the Poly1305 finalization) and {} to open 64 KiB; Megolm's symmetric part is a \
         ratchet step, HKDF, AES-256-CBC and HMAC-SHA256, the last two on the CPU's AES and \
         SHA instructions, which RustCrypto's `aes` and `sha2` detect at run time. CBC \
         encryption is serial and Megolm MACs the ciphertext as well, which is consistent with \
         its encrypt being the slower at 64 KiB; CBC decryption runs in parallel on the AES \
         instructions, which is consistent with its decrypt being the faster there. AWS-LC's \
         ChaCha20-Poly1305 (next section) moves hushwire's side.",
        signed.join("; "),
        floor_over("encrypt_megolm", "encrypt_floor"),
        floor_over("decrypt_megolm", "decrypt_floor"),
        time(prim(run, "seal/64B")),
        time(prim(run, "open/64KiB")),
    );
}

fn prim(run: &Run, name: &str) -> Option<f64> {
    run.get(&format!("groups_primitive/{name}"))
}

fn made_of(out: &mut String, run: &Run, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "\n## What a message costs, primitive by primitive\n\n\
         K = KDF_CK (two HMAC-SHA256 keyed once), H44 = HKDF-SHA256 to 44 bytes, A(n) = \
         ChaCha20-Poly1305 over n bytes with 84 bytes of associated data, S(m) = Ed25519 \
         signing and V(m) = `verify_strict` over the m signed bytes of that size (the key \
         already decompressed). The floors measured against the sums of their primitives' \
         medians, and the share of the signature in each floor.\n\n\
         | size | K | H44 | A(n) seal | A(n) open | S(m) | V(m) | encrypt floor, measured / summed | S share | decrypt floor, measured / summed | V share |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let (k, h) = (prim(run, "kdf_ck"), prim(run, "hkdf44"));
    for (size, _) in SIZES {
        let (seal, open) = (
            prim(run, &format!("seal/{size}")),
            prim(run, &format!("open/{size}")),
        );
        let (s, v) = (
            prim(run, &format!("sign/{size}")),
            prim(run, &format!("verify_strict/{size}")),
        );
        let enc = run.get(&id("encrypt", "floor", size));
        let dec = run.get(&id("decrypt", "floor", size));
        let enc_sum = sum(&[(1.0, k), (1.0, h), (1.0, seal), (1.0, s)]);
        let dec_sum = sum(&[(1.0, k), (1.0, h), (1.0, open), (1.0, v)]);
        let _ = writeln!(
            out,
            "| {size} | {} | {} | {} | {} | {} | {} | {} / {} | {} | {} / {} | {} |",
            time(k),
            time(h),
            time(seal),
            time(open),
            time(s),
            time(v),
            time(enc),
            time(enc_sum),
            percent(div(s, enc_sum)),
            time(dec),
            time(dec_sum),
            percent(div(v, dec_sum)),
        );
    }
    let _ = writeln!(
        out,
        "\nEd25519 point decompression (what taking in a distribution's signing key costs, \
         and what a batch would do per R): {}.",
        time(prim(run, "decompress"))
    );
    let over = |group: &str, kind: &str| -> Vec<String> {
        SIZES
            .iter()
            .map(|(size, _)| {
                signed(
                    run.get(&id(group, kind, size)),
                    run.get(&id(group, "floor", size)),
                )
            })
            .collect()
    };
    let copies: Vec<String> = SIZES
        .iter()
        .map(|(size, _)| time(prim(run, &format!("copy/{size}"))))
        .collect();
    let copy_64k = prim(run, "copy/64KiB");
    let paired_over: Vec<String> = ["encrypt_floor", "decrypt_floor"]
        .iter()
        .map(|key| {
            SIZES
                .iter()
                .map(|(size, _)| ratio(over_passes(paired, &format!("{key}/{size}"))))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    let _ = writeln!(
        out,
        "\n**Above the floor.** hushwire's median less its floor's, at 64 B, 1 KiB and 64 KiB: \
         encrypt {} (paired ratios {}); decrypt {} (paired {}); a difference between two \
         medians taken in different moments of a busy machine, so the paired ratios are the \
         figures to read. A copy of n bytes into a new `Vec` costs {} (`copy`, the data in \
         cache). `encrypt` copies the data three times more than its API needs (the \
         ciphertext cloned into the body, the body encoded, and the signed bytes `u8(29) || \
         label || body` built to be signed), `decrypt` once (the signed bytes built again to \
         verify them), and a `GroupMessage` holds the ciphertext twice (as a field and inside \
         the body); three copies of 64 KiB are {}, a small part of what hushwire adds at that \
         size. The rest at 64 KiB is the kernel handing those buffers' pages back and forth: a \
         `perf record` of `encrypt/64KiB` and of its floor, each alone (outside this run, on \
         this machine, set-up included), put 14 % of encrypt's samples in the kernel (page \
         faults first, then unmapping and TLB flushes) against 3 % of the floor's, which \
         allocates nothing. At 64 B and 1 KiB the difference is the allocations, the encoding \
         and the associated data.",
        over("encrypt", "encrypt").join(", "),
        paired_over[0],
        over("decrypt", "decrypt").join(", "),
        paired_over[1],
        copies.join(", "),
        time(copy_64k.map(|c| 3.0 * c)),
    );
}

fn percent(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{:.0} %", 100.0 * r))
}

fn jump(out: &mut String, run: &Run) {
    let get = |kind: &str| run.get(&format!("groups_jump/{kind}/{JUMP}"));
    let (floor, ours, megolm) = (get("floor"), get("decrypt"), get("vodozemac_decrypt"));
    let per_key = match (ours, run.get(&id("decrypt", "decrypt", "64B"))) {
        (Some(j), Some(d)) => Some((j - d) / f64::from(JUMP)),
        _ => None,
    };
    let _ = writeln!(
        out,
        "\n## Decrypting after a jump of {JUMP} messages (64 B)\n\n\
         The receiver's chain is at iteration 0 and the message at iteration {JUMP}. Each \
         iteration starts from a fresh receiver, untimed: hushwire's loaded from its stored \
         form, Megolm's `InboundGroupSession::new` from the session key at index 0; the \
         receiver is dropped untimed. hushwire walks the chain {JUMP} steps and keeps the \
         {JUMP} skipped keys (SPEC.md 15.4: `max_group_skipped_keys`, 2,000, so a late message \
         still decrypts, once). Floor: V(m) + {} K + H44 + A(64), the skipped keys derived \
         and discarded. Megolm's ratchet has four parts re-derived at byte boundaries, so \
         reaching index {JUMP} costs 216 HMAC-SHA256 (R2 stepped 7 times, R3 re-derived from it \
         and stepped 208 times) instead of {JUMP} steps; it keeps no \
         skipped key, because its first ratchet stays: every later index stays decryptable, \
         replays included.\n\n\
         | operation | median | ÷ floor | ÷ Megolm |\n|---|---:|---:|---:|\n\
         | floor: V + {} K + H44 + A(64) | {} | — | {} |\n\
         | hushwire `decrypt`, jump of {JUMP} | {} | {} | {} |\n\
         | Megolm `decrypt` at index {JUMP} | {} | {} | — |\n\n\
         The jump costs {} per skipped message on top of an in-order decrypt ({}): a chain step \
         (K: {}) and a stored key. The floor alone is {} × Megolm: on a linear chain (SPEC.md \
         15.2, as Signal's Sender Keys) reaching iteration n takes n steps, and the skipped keys \
         are kept (a late message still decrypts) so every step is needed anyway. Matching \
         Megolm here would take its kind of ratchet, a change to the protocol, and its trade: \
         a Megolm receiver can decrypt any later message again, its first ratchet being kept.",
        JUMP + 1,
        JUMP + 1,
        time(floor),
        ratio(div(floor, megolm)),
        time(ours),
        ratio(div(ours, floor)),
        ratio(div(ours, megolm)),
        time(megolm),
        ratio(div(megolm, floor)),
        time(per_key),
        time(run.get(&id("decrypt", "decrypt", "64B"))),
        time(prim(run, "kdf_ck")),
        ratio(div(floor, megolm)),
    );
}

fn distributions(out: &mut String, run: &Run, paired: &[Paired], f: &Fixtures) {
    let get = |kind: &str| run.get(&format!("groups_distribution/{kind}"));
    let (create, export, floor, process, import) = (
        get("create"),
        get("vodozemac_export"),
        get("floor_process"),
        get("process"),
        get("vodozemac_import"),
    );
    let _ = writeln!(
        out,
        "\n## Distributions (SPEC.md 15.2)\n\n\
         Creating: `distribution().encode()` ({} bytes), against Megolm's `session_key()` + \
         `to_bytes()` ({} bytes, which Ed25519-signs the key). Taking in: \
         `SenderKeyDistribution::decode` (strict; the signing key decompressed and checked) + \
         `process_distribution` in a two-member group, against Megolm's \
         `SessionKey::from_bytes` (which verifies the key's signature) + \
         `InboundGroupSession::new`. Each distribution taken in is a new chain (six of one \
         sender in turn, so each is `Added` and the oldest of the five held is dropped). \
         Floor of taking one in: the signing key's decompression. Not like for like: both \
         designs send the key inside a pairwise session, whose authentication is what \
         hushwire relies on; Megolm signs it as well.\n\n\
         | operation | hushwire | Megolm | ÷ Megolm | paired ÷ Megolm |\n|---|---:|---:|---:|---:|\n\
         | create | {} | {} | {} | {} |\n\
         | take in (floor: decompression {}) | {} | {} | {} | {} |",
        f.distributions.distribution_len,
        f.distributions.megolm_key.len(),
        time(create),
        time(export),
        ratio(div(create, export)),
        ratio(over_passes(paired, "create_megolm")),
        time(floor),
        time(process),
        time(import),
        ratio(div(process, import)),
        ratio(over_passes(paired, "process_megolm")),
    );
}

/// The membership change's figures, in nanoseconds.
struct Change {
    remove: Option<f64>,
    process: Option<f64>,
    pw_encrypt: Option<f64>,
    pw_decrypt: Option<f64>,
    per_member: Option<f64>,
}

fn change(run: &Run) -> Change {
    let get = |kind: &str| run.get(&format!("groups_membership/{kind}"));
    let (remove, process, pw_encrypt, pw_decrypt) = (
        get("remove_member"),
        get(&format!("process/{OTHERS_AFTER}")),
        get("pairwise_encrypt"),
        get("pairwise_decrypt"),
    );
    let n = OTHERS_AFTER as f64;
    Change {
        remove,
        process,
        pw_encrypt,
        pw_decrypt,
        per_member: sum(&[
            (1.0, remove),
            (1.0, process),
            (n, pw_encrypt),
            (n, pw_decrypt),
        ]),
    }
}

fn membership(out: &mut String, run: &Run, f: &Fixtures) {
    let c = change(run);
    let n = OTHERS_AFTER as f64;
    let ms = |ns: Option<f64>| ns.map(|v| v / 1e6);
    let pairwise = sum(&[(n, c.pw_encrypt), (n, c.pw_decrypt)]);
    let group_total = c.per_member.map(|v| v * REMAINING as f64);
    let create = run.get(&format!("groups_membership/create/{GROUP_SIZE}"));
    let joiner = sum(&[
        (1.0, create),
        ((OTHERS_AFTER + 1) as f64, c.pw_encrypt),
        ((OTHERS_AFTER + 1) as f64, c.pw_decrypt),
        ((OTHERS_AFTER + 1) as f64 / n, c.process),
    ]);
    let messages = REMAINING * OTHERS_AFTER;
    let _ = writeln!(
        out,
        "\n## A member removed from a {GROUP_SIZE}-member group (SPEC.md 15.5)\n\n\
         {GROUP_SIZE} member devices; one is removed, and each of the {REMAINING} that remain \
         rotates its sender key and sends the new distribution to the {OTHERS_AFTER} others \
         over their pairwise sessions, and takes in theirs. What one remaining member does, \
         measured on our session of the group (we are device 0; the others' new \
         distributions were made beforehand, a new chain each):\n\n\
         | step | median | × | per member |\n|---|---:|---:|---:|\n\
         | `remove_member` (forget its chains, draw a new sender key) + `encode` the new distribution | {} | 1 | {} |\n\
         | pairwise `Session::encrypt` of the {}-byte distribution (one per other member) | {} | {OTHERS_AFTER} | {} |\n\
         | pairwise `Session::decrypt` of one (in order, on an existing chain) | {} | {OTHERS_AFTER} | {} |\n\
         | decode + `process_distribution` of the {OTHERS_AFTER} others' new distributions | {} | 1 | {} |\n\
         | **one remaining member** | | | **{}** |\n\
         | **the whole group** ({REMAINING} members, CPU time summed over their devices) | | | **{}** |\n",
        time(c.remove),
        time(c.remove),
        f.distributions.distribution_len,
        time(c.pw_encrypt),
        time(c.pw_encrypt.map(|v| v * n)),
        time(c.pw_decrypt),
        time(c.pw_decrypt.map(|v| v * n)),
        time(c.process),
        time(c.process),
        time(c.per_member),
        long(group_total),
    );
    let _ = writeln!(
        out,
        "The pairwise encryption and decryption of the distributions is {} of a member's \
         cost ({}); the group layer's own part (rotate, encode, take in {OTHERS_AFTER} \
         distributions) is {}. The pairwise rows are single `Session` operations on \
         established sessions, encoded envelopes not included; a multi-account member would \
         send through `DeviceSessions::encrypt_for_account` (the `devices` bench measures \
         what that adds per device). Not included either: starting a pairwise session with a \
         member that has none (an X3DH each). The server relays {} pairwise messages of {} \
         bytes ({:.0} MB).\n",
        percent(div(pairwise, c.per_member)),
        time(pairwise),
        time(sum(&[(1.0, c.remove), (1.0, c.process)])),
        messages,
        f.pairwise.envelope_len,
        (messages * f.pairwise.envelope_len) as f64 / 1e6,
    );
    let _ = writeln!(
        out,
        "**Against MLS.** The research notes (`../shared/research/anchors.md`, section 3, \
         performance anchors) give \"openmls add 1 member to a 1000-member group: ~734 ms\", \
         from franziskuskiefer on xmtp/libxmtp#701 (2024-06-03): \"For a 1000 member group for \
         example I see 734ms to add a new member\" (the next day: noisy measurements; the \
         operation timed is an add, on its author's machine, not this one). Each remaining \
         member here spends {} ms, {:.3} of that figure, and these run in parallel on the \
         members' devices, so the removal is done for everyone in about that time (plus \
         delivery). Summed over the group it is {} s of CPU, {} × the MLS figure: Sender Keys \
         cost O(n) per member and O(n²) for the group, MLS's commit O(log n) in principle (the \
         openmls figure is what one member's add cost there). An add here costs each existing \
         member one pairwise encrypt of its current distribution to the newcomer (no \
         rotation: the newcomer cannot read what was sent before), and the newcomer, once it \
         has pairwise sessions with everyone: `GroupSession::create` with {} members ({}), \
         {} pairwise encrypts and decrypts and taking in {} distributions: about {} ms.\n",
        ratio(ms(c.per_member)),
        ms(c.per_member).map_or(f64::NAN, |v| v / MLS_ADD_MS),
        ratio(group_total.map(|v| v / 1e9)),
        ratio(group_total.map(|v| v / 1e6 / MLS_ADD_MS)),
        OTHERS_AFTER + 1,
        time(create),
        OTHERS_AFTER + 1,
        OTHERS_AFTER + 1,
        ratio(ms(joiner)),
    );
}

/// A target check: the verdict from the paired ratio when there is one, else from the
/// criterion medians.
fn verdict(criterion: Option<f64>, paired: Option<f64>, limit: f64) -> &'static str {
    match paired.or(criterion) {
        Some(r) if r <= limit => "met",
        Some(_) => "**missed**",
        None => "—",
    }
}

/// One row of the targets: the two benchmarks' ratio and difference, the paired ratio and the
/// verdict.
#[allow(clippy::too_many_arguments)]
fn target_row(
    out: &mut String,
    run: &Run,
    paired: &[Paired],
    target: &str,
    op: &str,
    ours: &str,
    theirs: &str,
    key: Option<&str>,
    limit: f64,
) {
    let (a, b) = (run.get(ours), run.get(theirs));
    let r = div(a, b);
    let p = key.and_then(|k| over_passes(paired, k));
    let difference = signed(a, b);
    let _ = writeln!(
        out,
        "| {target} | {op} | {} | {} | {difference} | {} |",
        ratio(r),
        ratio(p),
        verdict(r, p, limit)
    );
}

fn targets(out: &mut String, run: &Run, paired: &[Paired]) {
    let _ = writeln!(
        out,
        "\n## Targets (issue 14, section 3)\n\n\
         Each a ratio of two figures of this run: the criterion medians' ratio, and the paired \
         ratio (alternating rounds, below), which the verdict uses when there is one: it is \
         the one that both sides' load does not move. The difference is hushwire's median \
         less the other's.\n\n\
         | target | operation | ÷ (medians) | paired | difference | verdict |\n\
         |---|---|---:|---:|---:|---|"
    );
    for (group, op, key) in [
        ("encrypt", "encrypt", "encrypt_floor"),
        ("decrypt", "decrypt", "decrypt_floor"),
    ] {
        for (size, _) in SIZES {
            target_row(
                out,
                run,
                paired,
                "≤ 1.1 × floor",
                &format!("`{op}` {size}"),
                &id(group, op, size),
                &id(group, "floor", size),
                Some(&format!("{key}/{size}")),
                1.1,
            );
        }
    }
    let rows: [(&str, &str, &str, &str); 4] = [
        ("encrypt", "encrypt", "vodozemac_encrypt", "encrypt_megolm"),
        ("decrypt", "decrypt", "vodozemac_decrypt", "decrypt_megolm"),
        (
            "encrypt",
            "encrypt_encode",
            "vodozemac_encrypt_encode",
            "encrypt_encode_megolm",
        ),
        (
            "decrypt",
            "decode_decrypt",
            "vodozemac_decode_decrypt",
            "decode_decrypt_megolm",
        ),
    ];
    for (group, op, megolm, key) in rows {
        for (size, _) in SIZES {
            target_row(
                out,
                run,
                paired,
                "≤ Megolm",
                &format!("`{op}` {size}"),
                &id(group, op, size),
                &id(group, megolm, size),
                Some(&format!("{key}/{size}")),
                1.0,
            );
        }
    }
    for (group, op, megolm, key) in [
        (
            "encrypt",
            "encrypt_aws",
            "vodozemac_encrypt",
            "encrypt_aws_megolm",
        ),
        (
            "decrypt",
            "decrypt_aws",
            "vodozemac_decrypt",
            "decrypt_aws_megolm",
        ),
    ] {
        for (size, _) in SIZES {
            target_row(
                out,
                run,
                paired,
                "≤ Megolm",
                &format!("`{op}` (aws-lc-rs provider) {size}"),
                &id(group, op, size),
                &id(group, megolm, size),
                Some(&format!("{key}/{size}")),
                1.0,
            );
        }
    }
    target_row(
        out,
        run,
        paired,
        "≤ Megolm",
        &format!(
            "decrypt after a jump of {JUMP} (same input; hushwire keeps the {JUMP} keys, \
             Megolm its first ratchet)"
        ),
        &format!("groups_jump/decrypt/{JUMP}"),
        &format!("groups_jump/vodozemac_decrypt/{JUMP}"),
        None,
        1.0,
    );
    for (op, ours, theirs, key) in [
        (
            "create a distribution (Megolm signs its key)",
            "create",
            "vodozemac_export",
            "create_megolm",
        ),
        (
            "take one in (Megolm verifies its key)",
            "process",
            "vodozemac_import",
            "process_megolm",
        ),
    ] {
        target_row(
            out,
            run,
            paired,
            "≤ Megolm",
            op,
            &format!("groups_distribution/{ours}"),
            &format!("groups_distribution/{theirs}"),
            Some(key),
            1.0,
        );
    }
}

fn batch(out: &mut String, run: &Run) {
    let get = |kind: &str| run.get(&format!("groups_batch/{kind}"));
    let (dec, torsion, msm) = (
        get("decompress_r"),
        get("torsion_check"),
        get(&format!("multiscalar_mul/{}", BATCH + 2)),
    );
    let msm_share = msm.map(|v| v / BATCH as f64);
    let verify = prim(run, "verify_strict/64B");
    let exact = sum(&[(1.0, dec), (1.0, torsion), (1.0, msm_share)]);
    let saving = match (verify, exact) {
        (Some(v), Some(e)) => Some(v - e),
        _ => None,
    };
    let _ = writeln!(
        out,
        "\n## Batch verification of a backlog: not used\n\n\
         The issue asks to decrypt a backlog faster with batch signature verification if that \
         accepts and refuses exactly the same messages as one-by-one `verify_strict`, and \
         otherwise to say why not. It cannot be done with ed25519-dalek's `verify_batch` \
         (3.0.0, feature `batch`, not enabled in hushwire), and an exact batch would save little \
         if anything:\n\n\
         - **`verify_batch` accepts signatures `verify_strict` refuses.** Per its source \
         (`src/batch.rs`), it decompresses each R with no check of its encoding or order and \
         uses each key's point as it is, then checks one random linear combination of the \
         cofactorless equations, Σ zᵢ([sᵢ]B − Rᵢ − [kᵢ]Aᵢ) = 0, with 128-bit zᵢ drawn from a \
         transcript of the whole batch. `verify_strict` (`src/verifying.rs`) refuses an R or \
         key of small order and requires R's bytes to be the canonical encoding of [s]B − \
         [k]A. So, checked with a scratch program against ed25519-dalek 3.0.0 (not part of this \
         run; the holder of a signing key can make each of these): R = the identity with s = \
         k·a is refused by `verify_strict` and accepted by `verify_batch`, every time; so is R \
         = the identity encoded non-canonically (y = 1 + p); and R = [r]B + T with T of order \
         8 is refused by `verify_strict` but accepted by `verify_batch` whenever zᵢ ≡ 0 mod 8, \
         555 of 4,000 batches of two. The last depends on the rest of the batch, so two \
         members could disagree on whether one message is genuine, and a batch that passes is \
         never re-checked one by one.\n\
         - **An exact batch costs about what it saves.** A random combination can only \
         stand for each equation separately when every term lies in the prime-order subgroup, \
         so each R (and each key, once) must be shown torsion-free, [ℓ]R = 0, a full scalar \
         multiplication: the known result that batch verification fits the cofactored \
         equation only (Chalkias, Garillot, Nikolaenko, \"Taming the many EdDSAs\", 2020; \
         ZIP 215 chose cofactored verification for that reason), while SPEC.md 15.4 and the \
         pairwise layer use the cofactorless `verify_strict`. Measured in this run, per \
         signature: decompressing R {} (which `verify_strict` does too), the torsion check {} \
         (curve25519-dalek's `is_torsion_free`), and the {}-signature batch's multiscalar \
         multiplication ({} points, one signer: the most favourable case) {} per signature \
         ({} in all): {} of curve arithmetic, against {} for the whole of `verify_strict` of a \
         64 B message (the same SHA-512 on both sides, and the batch's transcript and scalar \
         work left out). An exact batch would save at most {} per signature here ({}), with \
         curve arithmetic of hushwire's own on ed25519-dalek's hazmat API, since the crate \
         has no such batch: not worth the risk, and not done. (`verify_batch` itself was \
         12–16 µs per signature in batches of 16–256 in the scratch program, against 33–35 µs \
         for `verify_strict` there: what it saves is about what the torsion checks it leaves \
         out would cost.)\n\
         - A cofactored batch (or ed25519-zebra's ZIP 215 rules) would be faster, but it \
         accepts every mixed-order R that `verify_strict` refuses, deterministically: a \
         different set of messages, which the issue rules out.\n\n\
         So a backlog is verified one message at a time; decrypting it costs a \
         `verify_strict` per message, as the jump row above shows for one.",
        time(dec),
        time(torsion),
        BATCH,
        BATCH + 2,
        time(msm_share),
        time(msm),
        time(exact),
        time(verify),
        time(saving.map(|v| v.max(0.0))),
        percent(div(saving.map(|v| v.max(0.0)), verify)),
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
         dropped after the clock stops. For the decrypts, each round first makes its messages \
         (untimed, as in criterion), then times decrypting them in order.\n"
    );
    let heads: Vec<String> = (1..=paired.len()).map(|n| format!("pass {n}")).collect();
    let _ = writeln!(
        out,
        "| ratio | {} | median |\n|---|{}---:|",
        heads.join(" | "),
        "---:|".repeat(paired.len())
    );
    let mut keys: Vec<(String, String)> = Vec::new();
    for (key, label) in PAIRED_ROWS {
        for (size, _) in SIZES {
            keys.push((format!("{key}/{size}"), format!("{label}, {size}")));
        }
    }
    keys.push((
        "create_megolm".into(),
        "`distribution().encode()` ÷ Megolm `session_key().to_bytes()`".into(),
    ));
    keys.push((
        "process_megolm".into(),
        "decode + `process_distribution` ÷ Megolm `SessionKey::from_bytes` + `new`".into(),
    ));
    for (key, label) in keys {
        let cells: Vec<String> = paired.iter().map(|p| ratio(p.get(&key))).collect();
        let _ = writeln!(
            out,
            "| {label} | {} | {} |",
            cells.join(" | "),
            ratio(over_passes(paired, &key))
        );
    }
}

/// Every criterion benchmark, for the spread table.
fn benchmarks() -> Vec<String> {
    let mut all = Vec::new();
    for kind in [
        "floor",
        "encrypt",
        "encrypt_aws",
        "encrypt_encode",
        "vodozemac_encrypt",
        "vodozemac_encrypt_encode",
    ] {
        for (size, _) in SIZES {
            all.push(id("encrypt", kind, size));
        }
    }
    for kind in [
        "floor",
        "decrypt",
        "decrypt_aws",
        "decode_decrypt",
        "vodozemac_decrypt",
        "vodozemac_decode_decrypt",
    ] {
        for (size, _) in SIZES {
            all.push(id("decrypt", kind, size));
        }
    }
    for kind in ["floor", "decrypt", "vodozemac_decrypt"] {
        all.push(format!("groups_jump/{kind}/{JUMP}"));
    }
    for kind in [
        "create",
        "vodozemac_export",
        "floor_process",
        "process",
        "vodozemac_import",
    ] {
        all.push(format!("groups_distribution/{kind}"));
    }
    for kind in [
        "remove_member".to_string(),
        "pairwise_encrypt".into(),
        "pairwise_decrypt".into(),
        format!("process/{OTHERS_AFTER}"),
        format!("create/{GROUP_SIZE}"),
    ] {
        all.push(format!("groups_membership/{kind}"));
    }
    all.push("groups_primitive/kdf_ck".into());
    all.push("groups_primitive/hkdf44".into());
    for kind in ["seal", "open", "copy", "sign", "verify_strict"] {
        for (size, _) in SIZES {
            all.push(format!("groups_primitive/{kind}/{size}"));
        }
    }
    all.push("groups_primitive/decompress".into());
    all.push("groups_batch/decompress_r".into());
    all.push("groups_batch/torsion_check".into());
    all.push(format!("groups_batch/multiscalar_mul/{}", BATCH + 2));
    all
}

fn spread(out: &mut String, run: &Run) {
    let _ = writeln!(out, "{SPREAD_HEADING}");
    let mut within = 0;
    let all = benchmarks();
    for id in &all {
        if spread_row(out, id, &run.passes(id)).is_some_and(|s| s <= 1.05) {
            within += 1;
        }
    }
    let _ = writeln!(
        out,
        "\n{within} of {} benchmarks within 5 % between passes.",
        all.len()
    );
}

fn load(out: &mut String, run: &Run) {
    let _ = writeln!(out, "\n## Machine load during the run\n");
    match run.load() {
        Some(load) => {
            let _ = writeln!(
                out,
                "{load}, its session's autogroup at nice {}.",
                autogroup_niceness().unwrap_or(0)
            );
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
    encrypt(&mut out, run, paired);
    decrypt(&mut out, run, paired);
    made_of(&mut out, run, paired);
    against_megolm(&mut out, run, paired, f);
    aws(&mut out, run, paired);
    jump(&mut out, run);
    distributions(&mut out, run, paired, f);
    membership(&mut out, run, f);
    targets(&mut out, run, paired);
    batch(&mut out, run);
    paired_table(&mut out, paired);
    spread(&mut out, run);
    load(&mut out, run);
    write_report("groups-report.md", &out);
}
