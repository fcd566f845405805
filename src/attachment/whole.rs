//! Convenience calls over the streaming API: byte slices in memory, and files written
//! atomically (never a partial output left behind).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rand::CryptoRng;
use zeroize::Zeroizing;

use super::metadata::AttachmentMetadata;
use super::open::AttachmentOpener;
use super::pointer::AttachmentPointer;
use super::read_full::read_full;
use super::seal::{AttachmentOptions, AttachmentSealer};
use crate::Error;

/// Seals `plaintext` in memory: the ciphertext and its pointer.
///
/// # Errors
/// [`Error::TooLarge`] over [`crate::MAX_ATTACHMENT_LEN`].
pub fn seal_bytes<R: CryptoRng + ?Sized>(
    rng: &mut R,
    plaintext: &[u8],
    metadata: AttachmentMetadata,
    options: AttachmentOptions,
) -> Result<(Vec<u8>, AttachmentPointer), Error> {
    let size = plaintext.len() as u64;
    if size > super::MAX_ATTACHMENT_LEN {
        return Err(Error::TooLarge {
            len: plaintext.len(),
            max: usize::try_from(super::MAX_ATTACHMENT_LEN).unwrap_or(usize::MAX),
        });
    }
    let layout = super::layout::Layout::new(size, options.segment_size, options.padding);
    // Reserved when it can be; otherwise the Vec grows (and a failure to grow is the
    // allocator's, as for any Vec).
    let mut out = Vec::new();
    if let Ok(capacity) = usize::try_from(layout.ciphertext_len()) {
        let _ = out.try_reserve_exact(capacity);
    }
    let mut sealer = AttachmentSealer::new(rng, out, metadata, options)?;
    sealer.write_chunk(plaintext)?;
    let (pointer, ciphertext) = sealer.finish()?;
    Ok((ciphertext, pointer))
}

/// Opens a whole ciphertext in memory, with every check of [`AttachmentOpener`]: the
/// plaintext is returned only if the file is exactly the one the pointer names.
///
/// # Errors
/// As [`AttachmentOpener::new`] and [`AttachmentOpener::next_segment`].
pub fn open_bytes(ciphertext: &[u8], pointer: &AttachmentPointer) -> Result<Vec<u8>, Error> {
    let mut opener = AttachmentOpener::new(ciphertext, pointer)?;
    // The pointer's size is the sender's claim: never reserve more than the ciphertext holds.
    // What was opened before a refusal is wiped, not dropped as it is.
    let claimed = usize::try_from(pointer.size).unwrap_or(usize::MAX);
    let mut plaintext = Zeroizing::new(Vec::with_capacity(claimed.min(ciphertext.len())));
    while let Some(segment) = opener.next_segment()? {
        plaintext.extend_from_slice(segment);
    }
    Ok(std::mem::take(&mut *plaintext))
}

/// Seals everything `input` yields into the file `output`, atomically: the ciphertext is
/// written to a new temporary file beside `output` and renamed over it only once complete and
/// synced; on any error the temporary file is removed and `output` is untouched.
///
/// # Errors
/// [`Error::Io`] from reading, writing, syncing or renaming; [`Error::TooLarge`].
pub fn seal_to_file<R: CryptoRng + ?Sized>(
    rng: &mut R,
    mut input: impl Read,
    output: &Path,
    metadata: AttachmentMetadata,
    options: AttachmentOptions,
) -> Result<AttachmentPointer, Error> {
    let mut chunk = Zeroizing::new(vec![0u8; options.segment_size.bytes()]);
    write_atomically(output, |file| {
        let mut sealer = AttachmentSealer::new(rng, BufWriter::new(file), metadata, options)?;
        loop {
            let n = read_full(&mut input, &mut chunk)?;
            sealer.write_chunk(&chunk[..n])?;
            if n < chunk.len() {
                break;
            }
        }
        let (pointer, writer) = sealer.finish()?;
        let file = writer
            .into_inner()
            .map_err(|e| Error::from(e.into_error()))?;
        Ok((pointer, file))
    })
}

/// Opens the ciphertext `input` yields into the file `output`, atomically: the plaintext
/// goes to a new temporary file beside `output`, which becomes `output` only if every check
/// passed (the digest included); on any refusal or I/O error it is removed and `output` is
/// untouched. On Unix the file is readable and writable by its owner only (mode 0600) from
/// its creation on: the plaintext is never in a file others can read. An existing `output` is
/// replaced. Returns the plaintext's length.
///
/// # Errors
/// As [`AttachmentOpener`], and [`Error::Io`].
pub fn open_to_file(
    input: impl Read,
    pointer: &AttachmentPointer,
    output: &Path,
) -> Result<u64, Error> {
    let mut opener = AttachmentOpener::new(input, pointer)?;
    write_atomically(output, |mut file| {
        // Straight to the file, segment by segment: no buffer keeps a copy of the plaintext.
        while let Some(segment) = opener.next_segment()? {
            file.write_all(segment)?;
        }
        Ok((pointer.size, file))
    })
}

/// Runs `write` on a fresh temporary file beside `output`, then syncs it, renames it to
/// `output` and syncs the folder (on Unix); removes it on any error.
fn write_atomically<T>(
    output: &Path,
    write: impl FnOnce(File) -> Result<(T, File), Error>,
) -> Result<T, Error> {
    let (temporary, file) = create_temporary(output)?;
    let result = write(file).and_then(|(value, file)| {
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temporary, output)?;
        sync_folder(output);
        Ok(value)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Makes the rename durable where the platform allows it: on Unix, a folder's entries are
/// synced through the folder opened as a file. Best effort: the file's own data is synced
/// already, and a failure here cannot be undone.
fn sync_folder(output: &Path) {
    #[cfg(unix)]
    {
        let folder = output.parent().filter(|p| !p.as_os_str().is_empty());
        if let Ok(folder) = File::open(folder.unwrap_or(Path::new("."))) {
            let _ = folder.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = output;
}

/// A new file `.hushwire-N.partial` in `output`'s folder, created exclusively (the first free
/// N; no process id, which some targets cannot give; short, so that any valid output name
/// works), readable and writable by its owner only on Unix.
fn create_temporary(output: &Path) -> Result<(PathBuf, File), Error> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    if output.file_name().is_none() {
        return Err(Error::Io {
            kind: std::io::ErrorKind::InvalidInput,
        });
    }
    let folder = output.parent().unwrap_or(Path::new(""));
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = folder.join(format!(".hushwire-{n}.partial"));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
    }
}
