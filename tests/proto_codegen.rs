//! The prost code in `src/proto/hushwire.v1.rs` is committed so that building hushwire needs
//! no `protoc`. This test regenerates it from `proto/` with protox (pure Rust) and fails if the
//! committed file is stale. To refresh it after editing a schema:
//!
//! ```sh
//! HUSHWIRE_REGENERATE_PROTO=1 cargo test --test proto_codegen
//! ```

#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};

const SCHEMAS: &[&str] = &[
    "hushwire/v1/envelope.proto",
    "hushwire/v1/prekey_bundle.proto",
    "hushwire/v1/session_state.proto",
];

/// Messages that carry secrets: they get `Zeroize` + `ZeroizeOnDrop`, so a decoded or
/// about-to-be-encoded session state is wiped from memory when dropped.
const SECRET_MESSAGES: &[&str] = &[
    ".hushwire.v1.SendingChain",
    ".hushwire.v1.ReceivingChain",
    ".hushwire.v1.SkippedKey",
    ".hushwire.v1.SessionState",
];

fn generate() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fds = protox::compile(SCHEMAS, [root.join("proto")]).expect("schemas compile");
    let out: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("proto-codegen");
    std::fs::create_dir_all(&out).expect("create out dir");
    let mut config = prost_build::Config::new();
    config.out_dir(&out);
    for name in SECRET_MESSAGES {
        config.type_attribute(name, "#[derive(zeroize::Zeroize, zeroize::ZeroizeOnDrop)]");
    }
    // No derived Debug for secret-bearing messages: src/proto/mod.rs implements a redacted one.
    config.skip_debug(SECRET_MESSAGES.iter().copied());
    // PendingPreKey is a field of SessionState, so it must be Zeroize too (it holds no secret).
    config.type_attribute(".hushwire.v1.PendingPreKey", "#[derive(zeroize::Zeroize)]");
    config.compile_fds(fds).expect("prost-build");
    std::fs::read_to_string(out.join("hushwire.v1.rs")).expect("generated file")
}

#[test]
fn generated_code_is_current() {
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/proto/hushwire.v1.rs");
    let fresh = generate();
    if std::env::var_os("HUSHWIRE_REGENERATE_PROTO").is_some() {
        std::fs::write(&committed_path, &fresh).expect("write generated code");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "src/proto/hushwire.v1.rs is stale: run `HUSHWIRE_REGENERATE_PROTO=1 cargo test --test proto_codegen`"
    );
}
