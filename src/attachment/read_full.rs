//! Reading exactly a buffer's length, telling a clean end of stream from an error.

use std::io::{ErrorKind, Read};

/// Fills `buf` from `reader` and returns how many bytes it read: `buf.len()` unless the
/// stream ended first. Retries on `Interrupted`.
pub(crate) fn read_full<R: Read + ?Sized>(
    reader: &mut R,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n.min(buf.len() - filled),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
