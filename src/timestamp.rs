//! Points in time, as the protocol carries them (SPEC.md 4.1).

use core::fmt;

/// A point in time: whole seconds since the Unix epoch (1970-01-01T00:00:00Z), as a signed
/// prekey's creation time is signed and encoded (SPEC.md 4.1: a big-endian u64).
///
/// hushwire never reads a clock: the application says what time it is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The time `seconds` after the Unix epoch.
    pub const fn from_unix_seconds(seconds: u64) -> Self {
        Self(seconds)
    }

    /// Seconds since the Unix epoch.
    pub const fn as_unix_seconds(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.0)
    }
}
