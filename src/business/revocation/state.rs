//! What a client holds: the newest verified revocation list of each signer (SPEC.md 13.4).

use crate::Error;
use crate::business::issuer::IssuerTemplate;
use crate::business::revocation::list::{RevocationList, RevocationSigner};
use crate::business::root::TrustRoots;
use crate::identity::IdentityKey;
use crate::timestamp::Timestamp;

/// A root by its key id and key (a list signed by a root key that is no longer pinned under
/// that id never counts), an issuer by its key.
#[derive(Clone, Debug, PartialEq, Eq)]
enum SignerId {
    Root(u32, IdentityKey),
    Issuer(IdentityKey),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Held {
    signer: SignerId,
    list: RevocationList,
}

/// The revocation lists a client has verified: the newest of each root and each issuer.
///
/// Feed every list the server hands out to [`update`](Self::update); it refuses lists that
/// are too old and refuses to go back to an older one. Persist [`lists`](Self::lists) and
/// [`restore`](Self::restore) them at start, so that the sequence numbers seen survive a
/// restart. Short certificate lifetimes are the second line of defence: SPEC.md 13.4
/// recommends 30 days for business certificates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Revocations {
    held: Vec<Held>,
}

/// The outcome of [`Revocations::update`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevocationUpdate {
    /// The list replaced an older one of its signer (or was the first).
    Updated,
    /// The list is the one already held: nothing changed.
    AlreadyHeld,
}

impl Revocations {
    /// No lists: no chain validates until the lists it needs are held.
    pub fn new() -> Self {
        Self::default()
    }

    /// Verifies `list` at `now` and holds it (SPEC.md 13.4, update): the signer is a pinned
    /// root, or an issuer whose certificate verifies; the signature verifies; the list is not
    /// from the future and not older than the policy's maximum age; and it is newer than the
    /// list held for the same signer. On any error nothing changes.
    ///
    /// # Errors
    /// [`Error::UnknownTrustRoot`], the issuer certificate's errors,
    /// [`Error::InvalidCertificateSignature`] (`"revocation_list"`),
    /// [`Error::CertificateNotYetValid`] (`"revocation_list"`),
    /// [`Error::RevocationListStale`], [`Error::RevocationListRollback`].
    pub fn update(
        &mut self,
        list: RevocationList,
        roots: &TrustRoots,
        now: Timestamp,
    ) -> Result<RevocationUpdate, Error> {
        let key = list.verify(roots, Some(now))?;
        let policy = roots.policy();
        let issued_at = list.issued_at().as_unix_seconds();
        let now_s = now.as_unix_seconds();
        if issued_at > now_s.saturating_add(policy.max_clock_skew_seconds) {
            return Err(Error::CertificateNotYetValid {
                certificate: "revocation_list",
            });
        }
        let (signer, max_age) = signer_of(&list, key, roots);
        if now_s > issued_at.saturating_add(max_age) {
            return Err(Error::RevocationListStale {
                signer: signer.name(),
            });
        }
        self.hold(signer, list)
    }

    /// Holds a list persisted earlier, checking its signature but not its age (SPEC.md 13.4,
    /// restore): a stale list restored this way still keeps the sequence number, and still
    /// fails chains when checked.
    ///
    /// # Errors
    /// As [`update`](Self::update), without the time checks.
    pub fn restore(
        &mut self,
        list: RevocationList,
        roots: &TrustRoots,
    ) -> Result<RevocationUpdate, Error> {
        let key = list.verify(roots, None)?;
        let (signer, _) = signer_of(&list, key, roots);
        self.hold(signer, list)
    }

    /// The lists held, to persist.
    pub fn lists(&self) -> impl Iterator<Item = &RevocationList> {
        self.held.iter().map(|held| &held.list)
    }

    fn hold(&mut self, signer: SignerId, list: RevocationList) -> Result<RevocationUpdate, Error> {
        match self.held.iter_mut().find(|held| held.signer == signer) {
            Some(held) if list.sequence() > held.list.sequence() => {
                held.list = list;
                Ok(RevocationUpdate::Updated)
            }
            Some(held)
                if list.sequence() == held.list.sequence() && list.body() == held.list.body() =>
            {
                Ok(RevocationUpdate::AlreadyHeld)
            }
            Some(held) => Err(Error::RevocationListRollback {
                held: held.list.sequence(),
                found: list.sequence(),
            }),
            None => {
                self.held.push(Held { signer, list });
                Ok(RevocationUpdate::Updated)
            }
        }
    }

    /// SPEC.md 13.4 validation steps 7 and 8: fresh lists from the chain's root and issuer,
    /// and neither certificate on them. Returns until when both lists stay fresh.
    pub(crate) fn check(
        &self,
        roots: &TrustRoots,
        now: Timestamp,
        root_key_id: u32,
        issuer: &IssuerTemplate,
        business_serial: u64,
    ) -> Result<Timestamp, Error> {
        let policy = roots.policy();
        let root_key = *roots.get(root_key_id)?;
        let root = self.fresh(
            &SignerId::Root(root_key_id, root_key),
            now,
            policy.max_root_list_age_seconds,
            policy.max_clock_skew_seconds,
        )?;
        if root.revokes(issuer.serial) {
            return Err(Error::CertificateRevoked {
                certificate: "issuer",
                serial: issuer.serial,
            });
        }
        let list = self.fresh(
            &SignerId::Issuer(issuer.issuer_key),
            now,
            policy.max_issuer_list_age_seconds,
            policy.max_clock_skew_seconds,
        )?;
        if list.revokes(business_serial) {
            return Err(Error::CertificateRevoked {
                certificate: "business",
                serial: business_serial,
            });
        }
        let until = |list: &RevocationList, max_age: u64| {
            list.issued_at().as_unix_seconds().saturating_add(max_age)
        };
        Ok(Timestamp::from_unix_seconds(
            until(root, policy.max_root_list_age_seconds)
                .min(until(list, policy.max_issuer_list_age_seconds)),
        ))
    }

    /// The list held for `signer`, if it is fresh at `now`: not older than `max_age`, and not
    /// from further in the future than `skew` (a restored list skipped that check).
    fn fresh(
        &self,
        signer: &SignerId,
        now: Timestamp,
        max_age: u64,
        skew: u64,
    ) -> Result<&RevocationList, Error> {
        let now = now.as_unix_seconds();
        self.held
            .iter()
            .find(|held| &held.signer == signer)
            .map(|held| &held.list)
            .filter(|list| {
                let issued_at = list.issued_at().as_unix_seconds();
                issued_at <= now.saturating_add(skew) && now <= issued_at.saturating_add(max_age)
            })
            .ok_or(Error::RevocationListStale {
                signer: signer.name(),
            })
    }
}

impl SignerId {
    fn name(&self) -> &'static str {
        match self {
            Self::Root(..) => "root",
            Self::Issuer(_) => "issuer",
        }
    }
}

fn signer_of(list: &RevocationList, key: IdentityKey, roots: &TrustRoots) -> (SignerId, u64) {
    let policy = roots.policy();
    match list.signer() {
        RevocationSigner::Root(key_id) => (
            SignerId::Root(*key_id, key),
            policy.max_root_list_age_seconds,
        ),
        RevocationSigner::Issuer(_) => (SignerId::Issuer(key), policy.max_issuer_list_age_seconds),
    }
}
