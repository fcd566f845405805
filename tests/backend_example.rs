//! The backend example (`cargo run --example backend`) as a user runs it, small: it must finish,
//! report every phase, and check every message at both ends, on a plain and a sealed SQLite
//! store kept at a path the test chooses (and removes).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

fn run(extra: &[&str]) -> String {
    let db = std::env::temp_dir().join(format!(
        "hushwire-backend-test-{}-{}.sqlite",
        std::process::id(),
        extra.len()
    ));
    let output = Command::new(common::example_binary("backend"))
        .args(["--customers", "40", "--rounds", "2", "--lanes", "8"])
        .arg("--db")
        .arg(&db)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "backend failed:\n{stdout}\n{stderr}"
    );
    // The database is where it was asked to be, with every session in it.
    let sessions: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM session_records", [], |row| row.get(0))
        .unwrap();
    assert_eq!(sessions, 40);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    // Progress on stderr, a line per tenth.
    assert!(
        stderr.contains("accepting first messages 100% (40 of 40)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("conversation rounds 100% (80 of 80)"),
        "{stderr}"
    );
    stdout
}

/// The count column of the report's row for operation `name`.
fn count(stdout: &str, name: &str) -> u64 {
    stdout
        .lines()
        .find_map(|line| {
            line.strip_prefix(name)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no row for {name}"))
}

#[test]
fn the_backend_serves_every_customer_and_checks_every_message() {
    for extra in [&[][..], &["--sealed"][..]] {
        let stdout = run(extra);
        // Hybrid set-ups (the default configuration requires them): 20 customers on one-time
        // KEM prekeys, 20 on the last-resort one.
        assert!(
            stdout.contains(
                "40 one-time prekeys, last-resort KEM prekey 1 and 20 one-time KEM prekeys stored"
            ),
            "{stdout}"
        );
        // 40 accepts, and 2 rounds × 2 messages × 40 customers each way.
        assert_eq!(count(&stdout, "accept (first message)"), 40, "{stdout}");
        assert_eq!(count(&stdout, "decrypt"), 160, "{stdout}");
        assert_eq!(count(&stdout, "encrypt"), 160, "{stdout}");
        assert!(
            stdout.contains("checked: every plaintext at both ends"),
            "{stdout}"
        );
    }
}

#[test]
fn the_backend_refuses_bad_arguments() {
    let output = Command::new(common::example_binary("backend"))
        .args(["--customers", "0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    // An existing database is never opened (the business's identity is new each run).
    let existing =
        std::env::temp_dir().join(format!("hushwire-backend-existing-{}", std::process::id()));
    std::fs::write(&existing, b"someone else's file").unwrap();
    let refused = Command::new(common::example_binary("backend"))
        .args(["--customers", "2", "--db"])
        .arg(&existing)
        .output()
        .unwrap();
    let kept = std::fs::read(&existing).unwrap();
    std::fs::remove_file(&existing).unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("must not exist yet"));
    assert_eq!(kept, b"someone else's file");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--customers needs a positive number")
    );
}
