//! The checked text fields of a business certificate: the business id and the contact
//! details (SPEC.md 13.2).

use core::fmt;

use crate::Error;

/// Longest business id, in bytes.
pub const MAX_BUSINESS_ID_LEN: usize = 64;

/// Longest website, in bytes.
pub const MAX_WEBSITE_LEN: usize = 256;

/// A business's stable id, chosen by the issuer and kept across key changes and renewals:
/// 1 to 64 of `a`–`z`, `0`–`9`, `.`, `_` and `-` (for instance `acme-shoes`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BusinessId(String);

impl BusinessId {
    /// Checks a business id.
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"business_id"`).
    pub fn new(id: &str) -> Result<Self, Error> {
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b);
        if id.is_empty() || id.len() > MAX_BUSINESS_ID_LEN || !id.bytes().all(allowed) {
            return Err(Error::InvalidCertificate {
                reason: "business_id",
            });
        }
        Ok(Self(id.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BusinessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BusinessId({:?})", self.0)
    }
}

impl fmt::Display for BusinessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number in E.164 form: `+`, then 2 to 15 digits, the first not 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Checks a phone number.
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"phone_number"`).
    pub fn new(number: &str) -> Result<Self, Error> {
        let digits = number.strip_prefix('+').unwrap_or("");
        let ok = (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if !ok {
            return Err(Error::InvalidCertificate {
                reason: "phone_number",
            });
        }
        Ok(Self(number.to_owned()))
    }

    /// The number, `+` included.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A website: `https://` followed by 1 or more printable ASCII characters other than space
/// (0x21 to 0x7e), at most 256 bytes in all.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Website(String);

impl Website {
    /// Checks a website.
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"website"`).
    pub fn new(url: &str) -> Result<Self, Error> {
        let rest = url.strip_prefix("https://").unwrap_or("");
        let ok = !rest.is_empty()
            && url.len() <= MAX_WEBSITE_LEN
            && rest.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if !ok {
            return Err(Error::InvalidCertificate { reason: "website" });
        }
        Ok(Self(url.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An optional field: empty on the wire means absent.
pub(crate) fn optional<T>(
    text: &str,
    check: impl FnOnce(&str) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    if text.is_empty() {
        Ok(None)
    } else {
        check(text).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_accept_and_refuse_at_their_edges() {
        assert!(BusinessId::new("acme-shoes.eu_2").is_ok());
        assert!(BusinessId::new(&"a".repeat(64)).is_ok());
        for bad in ["", "Acme", "acme shoes", "acmé", &"a".repeat(65)] {
            assert!(BusinessId::new(bad).is_err(), "{bad:?}");
        }
        assert!(PhoneNumber::new("+14155550123").is_ok());
        assert!(PhoneNumber::new("+12").is_ok());
        for bad in [
            "",
            "+",
            "+1",
            "14155550123",
            "+04155550123",
            "+1415555012345678",
            "+1 415",
        ] {
            assert!(PhoneNumber::new(bad).is_err(), "{bad:?}");
        }
        assert!(Website::new("https://acme.example/shoes").is_ok());
        for bad in ["", "https://", "http://acme.example", "https://a b"] {
            assert!(Website::new(bad).is_err(), "{bad:?}");
        }
        let long = format!("https://{}", "a".repeat(MAX_WEBSITE_LEN - 8));
        assert!(Website::new(&long).is_ok());
        assert!(Website::new(&format!("{long}a")).is_err());
    }
}
