//! `attach`: seal and open files as hushwire attachments (SPEC.md 16), on real files, in
//! constant memory, with a progress bar on stderr.
//!
//! ```text
//! cargo run --example attach -- seal FILE OUT        # writes OUT and OUT.pointer
//! cargo run --example attach -- open OUT OUT.pointer FILE2
//! ```
//!
//! `OUT.pointer` is the encoded `AttachmentPointer`: it holds the file key, so it is created
//! readable by its owner only; in a real application it travels inside an encrypted message,
//! never beside the file. `open` writes FILE2 (readable by its owner only) only if every check
//! passes (every segment, the end of the file, the SHA-256 the pointer names); on any refusal
//! it prints why, leaves no FILE2 (nor any temporary file) behind, and exits with status 1.
//! Neither command replaces an existing file.

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use hushwire::{
    AttachmentMetadata, AttachmentOptions, AttachmentPointer, ContentType, FileName,
    MAX_ATTACHMENT_POINTER_LEN, open_to_file, seal_to_file,
};
use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};
use zeroize::Zeroizing;

const USAGE: &str = "\
usage:
  attach seal FILE OUT [--type MEDIA/TYPE]   encrypt FILE to OUT, its pointer to OUT.pointer
  attach open OUT POINTER FILE2              decrypt OUT with POINTER into FILE2
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["seal", file, out] => seal(Path::new(file), Path::new(out), None),
        ["seal", file, out, "--type", media] => seal(Path::new(file), Path::new(out), Some(media)),
        ["open", out, pointer, file] => open(Path::new(out), Path::new(pointer), Path::new(file)),
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(format!("unexpected arguments\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("attach: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Refuses to replace an existing file: the command never overwrites (nor seals a file
/// into itself).
fn refuse_existing(path: &Path) -> Result<(), String> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(format!("{} exists; choose another name", path.display()));
    }
    Ok(())
}

fn seal(file: &Path, out: &Path, media: Option<&str>) -> Result<(), String> {
    refuse_existing(out)?;
    let input = File::open(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let total = input.metadata().map(|m| m.len()).unwrap_or(0);
    let content_type = media.map_or_else(|| guess_type(file), str::to_owned);
    let mut metadata = AttachmentMetadata::new(
        ContentType::new(&content_type).map_err(|e| format!("--type {content_type}: {e}"))?,
    );
    // The name the receiver will see; a name that is not safe to send is left out.
    if let Some(name) = file.file_name().and_then(|n| n.to_str())
        && let Ok(name) = FileName::new(name)
    {
        metadata = metadata.with_file_name(name);
    }
    let mut rng = StdRng::try_from_rng(&mut SysRng)
        .map_err(|e| format!("cannot get randomness from the operating system: {e}"))?;
    // The pointer file is created first (exclusively), then OUT; if anything fails, both are
    // removed again, so a refused command leaves nothing behind.
    let pointer_path = pointer_path(out);
    let mut pointer_file = create_secret(&pointer_path)
        .map_err(|e| format!("cannot create {}: {e}", pointer_path.display()))?;
    let mut progress = Progress::new("sealing", total, input);
    let sealed = seal_to_file(
        &mut rng,
        &mut progress,
        out,
        metadata,
        AttachmentOptions::default(),
    )
    .map_err(|e| format!("sealing {}: {e}", file.display()))
    .and_then(|pointer| {
        pointer_file
            .write_all(&pointer.encode())
            .and_then(|()| pointer_file.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", pointer_path.display()))?;
        Ok(pointer)
    });
    let pointer = match sealed {
        Ok(pointer) => pointer,
        Err(message) => {
            let _ = std::fs::remove_file(&pointer_path);
            let _ = std::fs::remove_file(out);
            return Err(message);
        }
    };
    progress.finish();
    eprintln!(
        "sealed {} ({} bytes, {}) into {} ({} bytes); pointer in {}; ciphertext SHA-256 {}",
        file.display(),
        pointer.size(),
        content_type,
        out.display(),
        std::fs::metadata(out).map(|m| m.len()).unwrap_or(0),
        pointer_path.display(),
        hex(pointer.ciphertext_sha256()),
    );
    Ok(())
}

fn open(out: &Path, pointer: &Path, file: &Path) -> Result<(), String> {
    refuse_existing(file)?;
    // At most one byte more than the longest pointer, wiped after use: it holds the key.
    let mut bytes = Zeroizing::new(Vec::new());
    File::open(pointer)
        .and_then(|f| {
            f.take(MAX_ATTACHMENT_POINTER_LEN as u64 + 1)
                .read_to_end(&mut bytes)
        })
        .map_err(|e| format!("cannot read {}: {e}", pointer.display()))?;
    let pointer = AttachmentPointer::decode(&bytes)
        .map_err(|e| format!("{} is not an attachment pointer: {e}", pointer.display()))?;
    let input = File::open(out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    let total = input.metadata().map(|m| m.len()).unwrap_or(0);
    let mut progress = Progress::new("opening", total, input);
    let size = open_to_file(&mut progress, &pointer, file).map_err(|e| {
        format!(
            "refused {}: {e}; nothing was written to {}",
            out.display(),
            file.display()
        )
    })?;
    progress.finish();
    let name = pointer
        .metadata()
        .file_name
        .as_ref()
        .map_or("(no name)", |n| n.as_str());
    eprintln!(
        "opened {} into {} ({size} bytes, {}, sent as {name}); every segment and the SHA-256 checked",
        out.display(),
        file.display(),
        pointer.metadata().content_type.as_str(),
    );
    Ok(())
}

/// `OUT.pointer` beside `OUT`.
fn pointer_path(out: &Path) -> std::path::PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".pointer");
    name.into()
}

/// Creates `path` (never overwriting) readable by its owner only.
fn create_secret(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// A media type from the file's extension; `application/octet-stream` when unknown.
fn guess_type(file: &Path) -> String {
    let extension = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "mp4" => "video/mp4",
        "mov" => "video/quicktime",
        "mp3" => "audio/mpeg",
        "ogg" | "opus" => "audio/ogg",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
    .to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader that draws a progress bar on stderr as it is read: redrawn at most ten times a
/// second on a terminal, and as a line per tenth of the file otherwise (logs, CI).
struct Progress<R> {
    label: &'static str,
    total: u64,
    done: u64,
    inner: R,
    terminal: bool,
    last_draw: Instant,
    last_tenth: u64,
}

impl<R: Read> Progress<R> {
    fn new(label: &'static str, total: u64, inner: R) -> Self {
        Self {
            label,
            total,
            done: 0,
            inner,
            terminal: std::io::stderr().is_terminal(),
            last_draw: Instant::now(),
            last_tenth: 0,
        }
    }

    fn percent(&self) -> u64 {
        (self.done * 100)
            .checked_div(self.total)
            .unwrap_or(100)
            .min(100)
    }

    fn draw(&mut self, force: bool) {
        let percent = self.percent();
        if self.terminal {
            if force || self.last_draw.elapsed() >= Duration::from_millis(100) {
                let filled = (percent / 5) as usize;
                eprint!(
                    "\r{} [{}{}] {percent:3}% {:.1} of {:.1} MiB",
                    self.label,
                    "#".repeat(filled),
                    " ".repeat(20 - filled),
                    self.done as f64 / 1048576.0,
                    self.total as f64 / 1048576.0,
                );
                self.last_draw = Instant::now();
            }
        } else if percent / 10 > self.last_tenth || force {
            self.last_tenth = percent / 10;
            eprintln!(
                "{} {percent}% ({} of {} bytes)",
                self.label, self.done, self.total
            );
        }
    }

    fn finish(&mut self) {
        self.done = self.total;
        if self.terminal {
            self.draw(true);
            eprintln!();
        } else if self.last_tenth < 10 {
            self.draw(true);
        }
    }
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.done += n as u64;
        self.draw(false);
        Ok(n)
    }
}
