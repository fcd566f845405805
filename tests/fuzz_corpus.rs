//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the fuzz targets' own
//! logic (`hushwire_testkit::fuzz`, which the targets in `fuzz/` call), as ordinary tests on
//! stable Rust: every seed, and every regression input added there later, runs on each
//! `cargo test`.
//!
//! The seeds are generated from a fixed seed by `targets::seeds()`; after a change to the
//! protocol that makes them stale, regenerate them with
//! `cargo test --test fuzz_corpus -- --ignored regenerate_seed_corpus`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use hushwire_testkit::fuzz as targets;
use targets::Outcome;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
        .join(target)
}

/// Runs every file of `fuzz/corpus/<target>/` through `run`, and reports every input that
/// panicked by name. The corpus must not be empty, and at least one input must reach the
/// target's deepest path (so stale seeds are noticed).
fn replay(target: &str, run: fn(&[u8]) -> Outcome) {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} is empty", dir.display());
    let mut failed = Vec::new();
    let mut accepted = 0;
    for file in &files {
        let data = std::fs::read(file).unwrap();
        match std::panic::catch_unwind(|| run(&data)) {
            Ok(Outcome::Accepted) => accepted += 1,
            Ok(Outcome::Rejected) => {}
            Err(_) => failed.push(file.display().to_string()),
        }
    }
    assert!(failed.is_empty(), "{target}: inputs that fail: {failed:#?}");
    assert!(
        accepted > 0,
        "{target}: no seed reaches the deepest path any more; regenerate the seeds with \
         `cargo test --test fuzz_corpus -- --ignored regenerate_seed_corpus`"
    );
}

#[test]
fn envelope_corpus() {
    replay("envelope", targets::envelope);
}

#[test]
fn prekey_message_corpus() {
    replay("prekey_message", targets::prekey_message);
}

#[test]
fn ratchet_message_corpus() {
    replay("ratchet_message", targets::ratchet_message);
}

#[test]
fn session_state_corpus() {
    replay("session_state", targets::session_state);
}

#[test]
fn prekey_bundle_corpus() {
    replay("prekey_bundle", targets::prekey_bundle);
}

#[test]
fn providers_corpus() {
    replay("providers", targets::providers);
}

#[test]
fn decrypt_corpus() {
    replay("decrypt", targets::decrypt);
}

#[test]
fn accept_corpus() {
    replay("accept", targets::accept);
}

#[test]
fn conversation_corpus() {
    replay("conversation", targets::conversation);
}

/// The fixture's genuine inputs take the paths their names promise, so the seeds made from
/// them are meaningful.
#[test]
fn fixture_inputs_are_meaningful() {
    let fixture = targets::fixture();
    // Genuine in-flight messages decrypt; delivered ones are refused as replays.
    for message in &fixture.in_flight {
        assert_eq!(
            targets::decrypt(&message.bytes),
            Outcome::Accepted,
            "{}",
            message.name
        );
    }
    for message in &fixture.delivered {
        assert_eq!(
            targets::decrypt(&message.bytes),
            Outcome::Rejected,
            "{}",
            message.name
        );
    }
    // First messages: accepted exactly when the store has the prekeys they name.
    for message in &fixture.first_messages {
        let expected = if message.name.contains("unknown") || message.name.contains("consumed") {
            Outcome::Rejected
        } else {
            Outcome::Accepted
        };
        assert_eq!(
            targets::accept(&message.bytes),
            expected,
            "{}",
            message.name
        );
    }
    for (name, bytes) in &fixture.bundles {
        let expected = if name.contains("bad") {
            Outcome::Rejected
        } else {
            Outcome::Accepted
        };
        assert_eq!(targets::prekey_bundle(bytes), expected, "{name}");
    }
}

/// The hand-written operation codec round-trips (indexes below 128), and a truncated last
/// operation is dropped.
#[test]
fn conversation_ops_round_trip() {
    use targets::{Op, Side};
    let ops = vec![
        Op::AliceSend,
        Op::BobSend,
        Op::Deliver {
            to: Side::Bob,
            index: 127,
        },
        Op::Drop {
            to: Side::Alice,
            index: 3,
        },
        Op::Duplicate {
            to: Side::Bob,
            index: 0,
        },
        Op::Reload { who: Side::Bob },
        Op::Tamper {
            to: Side::Alice,
            index: 5,
            byte: 200,
            mask: 0,
        },
    ];
    let bytes = Op::encode_all(&ops);
    assert_eq!(Op::decode_all(&bytes), ops);
    assert_eq!(Op::decode_all(&bytes[..bytes.len() - 1]), ops[..6]);
    // Kind bytes are taken modulo 16, with several values for the common operations.
    assert_eq!(
        Op::decode_all(&[16, 3, 21, 26, 0x03, 29, 0]),
        [
            Op::AliceSend,
            Op::AliceSend,
            Op::BobSend,
            Op::Deliver {
                to: Side::Bob,
                index: 1
            },
            Op::Reload { who: Side::Alice },
        ]
    );
}

/// Writes the seed corpus. Run after a protocol change makes the seeds stale:
/// `cargo test --test fuzz_corpus -- --ignored regenerate_seed_corpus`.
#[test]
#[ignore = "regenerates the seed corpus"]
fn regenerate_seed_corpus() {
    for (target, name, bytes) in targets::seeds() {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
