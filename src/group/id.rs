//! Group ids (SPEC.md 15.1).

use core::fmt;

use crate::Error;

/// Longest group id, in bytes.
pub const MAX_GROUP_ID_LEN: usize = 64;

/// A group's id, as the application names it (a UUID's 16 bytes, say): 1 to 64 bytes. Public.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(Vec<u8>);

impl GroupId {
    /// Validates a group id.
    ///
    /// # Errors
    /// [`Error::InvalidGroupId`] if it is empty or longer than [`MAX_GROUP_ID_LEN`].
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let bytes = bytes.into();
        if bytes.is_empty() || bytes.len() > MAX_GROUP_ID_LEN {
            return Err(Error::InvalidGroupId { len: bytes.len() });
        }
        Ok(Self(bytes))
    }

    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GroupId(")?;
        crate::primitives::hexfmt::write_hex(f, &self.0)?;
        write!(f, ")")
    }
}
