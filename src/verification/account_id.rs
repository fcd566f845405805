//! The stable identifier of an account (SPEC.md 12.1).

use core::fmt;

use crate::Error;

/// Longest account id, in bytes (SPEC.md 12.1).
pub const MAX_ACCOUNT_ID_LEN: usize = 255;

/// The stable identifier of an account, as the application names it: an account id, a UUID's
/// 16 bytes, or a phone number in E.164 form as ASCII (`+14155550123`). 1 to 255 bytes.
///
/// It is an input of the safety number (SPEC.md 12.2), so both ends must use the same bytes
/// for the same account, and it keys the trust store. It is public: `Debug` shows it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(Vec<u8>);

impl AccountId {
    /// Validates an account id.
    ///
    /// # Errors
    /// [`Error::InvalidAccountId`] if it is empty or longer than [`MAX_ACCOUNT_ID_LEN`].
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, Error> {
        let bytes = bytes.into();
        if bytes.is_empty() || bytes.len() > MAX_ACCOUNT_ID_LEN {
            return Err(Error::InvalidAccountId { len: bytes.len() });
        }
        Ok(Self(bytes))
    }

    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match core::str::from_utf8(&self.0) {
            Ok(text) => write!(f, "AccountId({text:?})"),
            Err(_) => {
                write!(f, "AccountId(")?;
                crate::primitives::hexfmt::write_hex(f, &self.0)?;
                write!(f, ")")
            }
        }
    }
}
