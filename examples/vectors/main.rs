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
                let text = layers::render(&layers::generate(&layer));
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
            for layer in layers::layers() {
                let path = dir.join(layer.file);
                let report = match std::fs::read_to_string(&path) {
                    Ok(text) => layers::verify(&layer, &text),
                    Err(e) => layers::Report {
                        passed: 0,
                        failed: vec![format!("cannot read: {e}")],
                    },
                };
                println!(
                    "{:<22} {:>3} passed, {:>3} failed",
                    layer.file,
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
