//! The prost code in `src/proto/hushwire.v1.rs` is committed so that building hushwire needs
//! no `protoc`. This test regenerates it from `proto/` with protox (pure Rust) and fails if the
//! committed file is stale. To refresh it after editing a schema:
//!
//! ```sh
//! cargo run --manifest-path tools/protogen/Cargo.toml
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tools/protogen/src/generate.rs"]
#[allow(unreachable_pub, dead_code)]
mod generate;

use std::path::Path;

#[test]
fn generated_code_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fresh = generate::generate(
        root,
        &Path::new(env!("CARGO_TARGET_TMPDIR")).join("proto-codegen"),
    )
    .unwrap();
    let committed = std::fs::read_to_string(root.join("src/proto/hushwire.v1.rs")).unwrap();
    assert!(
        committed == fresh,
        "src/proto/hushwire.v1.rs is stale: run `cargo run --manifest-path tools/protogen/Cargo.toml`"
    );
}
