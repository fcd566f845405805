//! The test-vector runner for auditors.
//!
//! ```sh
//! cargo run --example vectors -- verify test-vectors/     # check every file; non-zero on failure
//! cargo run --example vectors -- generate test-vectors/   # rewrite the files (maintainers)
//! ```

mod layers;

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, dir) = match args.as_slice() {
        [command, dir] => (command.as_str(), Path::new(dir)),
        [command] => (command.as_str(), Path::new("test-vectors")),
        _ => {
            eprintln!("usage: vectors (verify|generate) [DIR]");
            return ExitCode::from(2);
        }
    };
    match command {
        "generate" => {
            for layer in layers::layers() {
                let text =
                    layers::render(&layers::generate(&layer, &hushwire::provider::RUST_CRYPTO));
                if let Err(e) = std::fs::write(dir.join(layer.file), text) {
                    eprintln!("{}: {e}", layer.file);
                    return ExitCode::FAILURE;
                }
                println!("wrote {}", dir.join(layer.file).display());
            }
            ExitCode::SUCCESS
        }
        "verify" => {
            let mut failures = 0;
            // Every case through every crypto provider compiled in (the vector runner is an
            // example, built with the dev-dependencies' `aws-lc-rs` feature: both).
            for (layer, provider) in layers::layers().into_iter().flat_map(|layer| {
                let layer = std::rc::Rc::new(layer);
                hushwire::CryptoProvider::available()
                    .iter()
                    .map(move |p| (std::rc::Rc::clone(&layer), *p))
            }) {
                let path = dir.join(layer.file);
                let report = match std::fs::read_to_string(&path) {
                    Ok(text) => layers::verify(&layer, &text, provider),
                    Err(e) => layers::Report {
                        passed: 0,
                        failed: vec![format!("cannot read: {e}")],
                    },
                };
                println!(
                    "{:<22} {:<12} {:>3} passed, {:>3} failed",
                    layer.file,
                    provider.name(),
                    report.passed,
                    report.failed.len()
                );
                for failure in &report.failed {
                    println!("    {failure}");
                }
                failures += report.failed.len();
            }
            if failures == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!("usage: vectors (verify|generate) [DIR]");
            ExitCode::from(2)
        }
    }
}
