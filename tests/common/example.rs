//! Building an example binary for the tests that run it as its users do.

use std::path::PathBuf;
use std::process::Command;

/// The binary of `examples/<name>.rs`, built with the same cargo and profile as the running
/// test (a no-op when `cargo test` already built the examples); cargo's JSON messages say
/// where it is.
#[allow(dead_code)]
pub fn example_binary(name: &str) -> PathBuf {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "build",
        "--quiet",
        "--example",
        name,
        "--message-format=json",
    ]);
    let profile_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.file_name()?.to_owned()));
    if profile_dir.is_some_and(|dir| dir == "release") {
        cargo.arg("--release");
    }
    let output = cargo.output().expect("run cargo build");
    assert!(
        output.status.success(),
        "cargo build --example {name} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact" && message["target"]["name"] == name
        })
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the example's executable")
}
