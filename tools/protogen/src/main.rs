//! `cargo run --manifest-path tools/protogen/Cargo.toml` rewrites src/proto/hushwire.v1.rs.

mod generate;

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scratch = std::env::temp_dir().join(format!("hushwire-protogen-{}", std::process::id()));
    match generate::generate(&root, &scratch) {
        Ok(code) => match std::fs::write(root.join("src/proto/hushwire.v1.rs"), code) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("protogen: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("protogen: {e}");
            ExitCode::FAILURE
        }
    }
}
