//! Peak memory, measured in a child process per case: the bench binary runs itself with
//! `ATTACHMENTS_CHILD` set, the child sets up (the plaintext pattern, or the encrypted file
//! opened and its pointer decoded), resets the kernel's peak-RSS mark (`5` written to
//! /proc/self/clear_refs), reads its resident size, runs the one streaming seal or open, and
//! prints its resident size before and its peak (VmHWM) after, from /proc/self/status.
//!
//! The resident size counts every page the process touched, heap, stack and code alike, so
//! the growth over the operation bounds what it allocated and used (the crate forbids
//! `unsafe`, so a counting global allocator is not available to the bench). A control case,
//! `seal_bytes` of 64 MiB in memory, shows the measure does see memory that grows with the
//! file.

use std::process::Command;

use hushwire::{AttachmentPointer, seal_bytes};

use crate::fixtures::{
    DEFAULT_LOG2, Encrypted, Fixtures, MIB, PROVIDERS, SEGMENTS, SIZES, SWEEP_LEN, metadata,
    open_stream, options, pattern, provider, seal_stream,
};

/// The environment variable that makes the bench binary a memory child.
pub(crate) const CHILD: &str = "ATTACHMENTS_CHILD";

/// One measured case.
pub(crate) struct Peak {
    /// "seal", "open" or "seal_bytes".
    pub(crate) op: &'static str,
    pub(crate) provider: &'static str,
    pub(crate) len: u64,
    pub(crate) log2: u8,
    /// Resident kB right before the operation, after the set-up.
    pub(crate) before_kb: Option<u64>,
    /// Peak resident kB during the operation.
    pub(crate) peak_kb: Option<u64>,
}

impl Peak {
    /// Peak − before, in kB.
    pub(crate) fn growth_kb(&self) -> Option<u64> {
        Some(self.peak_kb?.saturating_sub(self.before_kb?))
    }
}

/// A field of /proc/self/status in kB ("VmHWM", "VmRSS").
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Resets the peak-RSS mark and returns the resident size.
fn reset() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    status_kb("VmRSS").unwrap()
}

/// The child's side: runs the case `spec` and prints "before_kb peak_kb".
pub(crate) fn child(spec: &str) {
    let parts: Vec<&str> = spec.split('|').collect();
    let p = provider(parts[1]);
    let mut rng = hushwire_testkit::fixtures::rng(3);
    let pattern = pattern(&mut rng);
    let before = match parts[0] {
        "seal" => {
            let (len, log2): (u64, u8) = (parts[2].parse().unwrap(), parts[3].parse().unwrap());
            let before = reset();
            seal_stream(&mut rng, &pattern, len, options(log2, p.provider));
            before
        }
        "open" => {
            let pointer = AttachmentPointer::decode(&hex::decode(parts[3]).unwrap()).unwrap();
            let file = Encrypted {
                path: parts[2].into(),
                pointer,
                len: 0,
            };
            let before = reset();
            assert_eq!(open_stream(&file, p.provider), file.pointer.size());
            before
        }
        "seal_bytes" => {
            let len: usize = parts[2].parse().unwrap();
            let before = reset();
            let plaintext: Vec<u8> = pattern.iter().copied().cycle().take(len).collect();
            let (ciphertext, _) = seal_bytes(
                &mut rng,
                &plaintext,
                metadata(),
                options(DEFAULT_LOG2, p.provider),
            )
            .unwrap();
            drop(std::hint::black_box(ciphertext));
            before
        }
        other => panic!("unknown memory case {other}"),
    };
    println!("{before} {}", status_kb("VmHWM").unwrap());
}

/// Runs one case in a child process.
fn run(
    op: &'static str,
    provider: &'static str,
    len: u64,
    log2: u8,
    file: Option<&Encrypted>,
) -> Peak {
    let spec = match file.filter(|_| op == "open") {
        Some(file) => format!(
            "{op}|{provider}|{}|{}",
            file.path.display(),
            hex::encode(&*file.pointer.encode())
        ),
        None => format!("{op}|{provider}|{len}|{log2}"),
    };
    let out = Command::new(std::env::current_exe().unwrap())
        .env(CHILD, spec)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut numbers = text
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .map(|v| v.parse::<u64>().ok());
    Peak {
        op,
        provider,
        len,
        log2,
        before_kb: numbers.next().flatten(),
        peak_kb: numbers.next().flatten(),
    }
}

/// Every case: each provider's seal and open of 64 MiB at each segment size of the sweep and
/// of 1 GiB with 64 KiB segments; the control.
pub(crate) fn measure(f: &Fixtures) -> Vec<Peak> {
    let mut all = Vec::new();
    for p in PROVIDERS {
        for op in ["seal", "open"] {
            for (i, &log2) in SEGMENTS.iter().enumerate() {
                all.push(run(op, p.name, SWEEP_LEN, log2, Some(&f.by_segment[i])));
            }
            let big = SIZES.len() - 1;
            all.push(run(
                op,
                p.name,
                SIZES[big].1,
                DEFAULT_LOG2,
                Some(&f.by_size[big]),
            ));
        }
    }
    all.push(run(
        "seal_bytes",
        PROVIDERS[0].name,
        64 * MIB,
        DEFAULT_LOG2,
        None,
    ));
    all
}
