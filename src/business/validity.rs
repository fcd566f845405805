//! Validity windows (SPEC.md 13.2).

use crate::Error;
use crate::timestamp::Timestamp;

/// When a certificate is valid: from `not_before` to `not_after`, both included, in seconds
/// since the Unix epoch. Never empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Validity {
    not_before: Timestamp,
    not_after: Timestamp,
}

impl Validity {
    /// The window from `not_before` to `not_after`.
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"validity"`) if `not_after` is before `not_before`.
    pub fn new(not_before: Timestamp, not_after: Timestamp) -> Result<Self, Error> {
        if not_after < not_before {
            return Err(Error::InvalidCertificate { reason: "validity" });
        }
        Ok(Self {
            not_before,
            not_after,
        })
    }

    /// The window of `days` days (86400 s each) starting at `start`.
    ///
    /// # Errors
    /// [`Error::InvalidCertificate`] (`"validity"`) if it would end after the year 292
    /// billion (a u64 overflow).
    pub fn days_from(start: Timestamp, days: u64) -> Result<Self, Error> {
        let end = days
            .checked_mul(86_400)
            .and_then(|s| start.as_unix_seconds().checked_add(s))
            .ok_or(Error::InvalidCertificate { reason: "validity" })?;
        Self::new(start, Timestamp::from_unix_seconds(end))
    }

    /// The first second of the window.
    pub fn not_before(&self) -> Timestamp {
        self.not_before
    }

    /// The last second of the window.
    pub fn not_after(&self) -> Timestamp {
        self.not_after
    }

    /// Whether the window lies within `outer`.
    pub fn within(&self, outer: &Validity) -> bool {
        outer.not_before <= self.not_before && self.not_after <= outer.not_after
    }

    /// SPEC.md 13.4's time check at `now` with `skew` seconds of tolerance on either side.
    pub(crate) fn check(
        &self,
        now: Timestamp,
        skew: u64,
        certificate: &'static str,
    ) -> Result<(), Error> {
        let now = now.as_unix_seconds();
        if self.not_before.as_unix_seconds() > now.saturating_add(skew) {
            return Err(Error::CertificateNotYetValid { certificate });
        }
        if now > self.not_after.as_unix_seconds().saturating_add(skew) {
            return Err(Error::CertificateExpired { certificate });
        }
        Ok(())
    }
}
