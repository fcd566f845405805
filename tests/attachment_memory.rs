//! Attachments in constant memory (SPEC.md 16.7): the peak resident memory of sealing a file
//! to disk and opening it again does not grow with the file's size.
//!
//! The crate forbids `unsafe`, so no counting allocator: the test runs this binary again as
//! a child per size (one fresh process each, `HUSHWIRE_MEMORY_CHILD=<MiB>`), which streams
//! the file and reports its peak resident set (`VmHWM`, Linux). Elsewhere it is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Read;
use std::process::Command;

use hushwire::{
    AttachmentMetadata, AttachmentOpener, AttachmentOptions, AttachmentSealer, ContentType,
};
use rand::SeedableRng;

const CHILD: &str = "HUSHWIRE_MEMORY_CHILD";

/// `len` bytes of a pattern, produced as they are read.
struct Pattern {
    left: u64,
}

impl Read for Pattern {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = out
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        out[..n].fill((self.left >> 12) as u8);
        self.left -= n as u64;
        Ok(n)
    }
}

fn peak_resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The child's work: seal `mib` MiB from a generator into a file, open it into a sink.
fn stream(mib: u64) {
    let path = std::env::temp_dir().join(format!("hushwire-memory-{}-{mib}", std::process::id()));
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(mib);
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let metadata = AttachmentMetadata::new(ContentType::new("video/mp4").unwrap());
    let mut sealer =
        AttachmentSealer::new(&mut rng, file, metadata, AttachmentOptions::default()).unwrap();
    std::io::copy(&mut Pattern { left: mib << 20 }, &mut sealer).unwrap();
    let (pointer, _) = sealer.finish().unwrap();
    let mut opener = AttachmentOpener::new(std::fs::File::open(&path).unwrap(), &pointer).unwrap();
    let copied = std::io::copy(&mut opener, &mut std::io::sink()).unwrap();
    assert_eq!(copied, mib << 20);
    std::fs::remove_file(&path).unwrap();
    println!("peak-kib={}", peak_resident_kib().unwrap());
}

fn child_peak(mib: u64) -> u64 {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "peak_memory_does_not_grow_with_the_file",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, mib.to_string())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    // The harness may print the test's name on the same line first.
    let at = stdout
        .find("peak-kib=")
        .unwrap_or_else(|| panic!("the child printed no peak: {stdout}"));
    let digits: String = stdout[at + "peak-kib=".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

#[test]
fn peak_memory_does_not_grow_with_the_file() {
    if let Ok(mib) = std::env::var(CHILD) {
        stream(mib.parse().unwrap());
        return;
    }
    if peak_resident_kib().is_none() {
        eprintln!("no /proc/self/status here: skipped");
        return;
    }
    let small = child_peak(2);
    let large = child_peak(24);
    // 22 MiB more of file (larger sizes: benches/attachments.rs, in release); allow 1 MiB of noise (page-cache accounting, allocator arenas).
    eprintln!("peak resident memory: {small} KiB for 2 MiB, {large} KiB for 24 MiB");
    assert!(
        large <= small + 1024,
        "peak resident memory {small} KiB for 2 MiB, {large} KiB for 24 MiB"
    );
}
