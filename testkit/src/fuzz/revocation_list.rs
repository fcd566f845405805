//! The `revocation_list` target: a revocation list, decoded, then taken in by a client's
//! [`Revocations`].

use hushwire::{
    Error, IssuerCertificate, MAX_REVOCATION_LIST_LEN, RevocationList, RevocationSigner,
    RevocationUpdate, Revocations,
};

use super::Outcome;
use super::business_fixture::{BUSINESS_NOW, BusinessFixture, business_fixture};
use super::checks::is_decoding_error;

/// `revocation_list`: [`RevocationList::decode`] on arbitrary bytes, then
/// [`Revocations::update`] (at [`BUSINESS_NOW`]) and [`Revocations::restore`] with the
/// business fixture's pinned root, on a copy of the fixture's state (the root's and the
/// issuer's lists held) and on an empty one, checking SPEC.md 13.4:
///
/// - decoding fails only with decoding errors (`TooLarge` above [`MAX_REVOCATION_LIST_LEN`]);
///   what decodes re-encodes to exactly the input, its serials strictly increase, and an
///   issuer's certificate in it decodes back from its own encoding;
/// - `update` and `restore` fail only with their documented errors, and then leave the state
///   exactly as it was; `restore` never fails on time, and a rollback names the sequence
///   held for the same signer and the one offered;
/// - only a list the fixture's root or issuer signed is ever taken (the fuzzer cannot forge a
///   signature); `update` takes it only if it is neither from the future nor too old for
///   its signer; once taken it is held, replacing only an older list of the same signer,
///   and `AlreadyHeld` changes nothing;
/// - whatever `update` takes, `restore` takes the same way, and a `restore` error that is
///   not about time is `update`'s error too;
/// - a state that took a list persists and restores back to itself ([`Revocations::lists`]),
///   and decides the fixture's valid and revoked chains as SPEC.md 13.4 says with the lists
///   it now holds ([`BusinessFixture::expected`]).
///
/// The input reaches the deepest path when `update` on the fixture's state succeeds.
pub fn revocation_list(data: &[u8]) -> Outcome {
    let list = match RevocationList::decode(data) {
        Ok(list) => list,
        Err(error) => {
            assert!(is_decoding_error(&error), "decode returned {error:?}");
            if data.len() > MAX_REVOCATION_LIST_LEN {
                assert_eq!(
                    error,
                    Error::TooLarge {
                        len: data.len(),
                        max: MAX_REVOCATION_LIST_LEN
                    }
                );
            }
            return Outcome::Rejected;
        }
    };
    assert_eq!(list.encode(), data, "a decoded list is not canonical");
    assert!(
        list.revoked_serials()
            .windows(2)
            .all(|pair| pair[0] < pair[1]),
        "serials not strictly increasing: {:?}",
        list.revoked_serials()
    );
    if let RevocationSigner::Issuer(certificate) = list.signer() {
        assert_eq!(
            IssuerCertificate::decode(&certificate.encode()).as_ref(),
            Ok(&**certificate),
            "the list's issuer certificate does not decode back"
        );
    }
    let _ = format!("{list:?}");

    let fixture = business_fixture();
    let genuine = fixture.signed_lists.iter().any(|signed| signed == data);
    let mut outcome = Outcome::Rejected;
    for (held, start) in [(true, &fixture.revocations), (false, &Revocations::new())] {
        let mut updated = start.clone();
        let update = updated.update(list.clone(), &fixture.roots, BUSINESS_NOW);
        let mut restored = start.clone();
        let restore = restored.restore(list.clone(), &fixture.roots);
        match &update {
            Err(error) => {
                assert!(
                    matches!(
                        error,
                        Error::UnknownTrustRoot { .. }
                            | Error::InvalidCertificateSignature { .. }
                            | Error::CertificateNotYetValid { .. }
                            | Error::CertificateExpired { .. }
                            | Error::RevocationListStale { .. }
                            | Error::RevocationListRollback { .. }
                    ),
                    "update returned {error:?}"
                );
                assert_eq!(&updated, start, "a refused update changed the state");
                check_rollback(start, &list, error);
            }
            Ok(result) => {
                assert!(genuine, "update took a list the fixture did not sign");
                check_fresh(fixture, &list);
                check_taken(fixture, start, &updated, &list, *result);
                if held {
                    outcome = Outcome::Accepted;
                }
            }
        }
        match &restore {
            Err(error) => {
                assert!(
                    matches!(
                        error,
                        Error::UnknownTrustRoot { .. }
                            | Error::InvalidCertificateSignature { .. }
                            | Error::RevocationListRollback { .. }
                    ),
                    "restore returned {error:?}"
                );
                assert_eq!(&restored, start, "a refused restore changed the state");
                check_rollback(start, &list, error);
                assert_eq!(
                    update.as_ref(),
                    Err(error),
                    "restore refused what update did not"
                );
            }
            Ok(result) => {
                assert!(genuine, "restore took a list the fixture did not sign");
                match &update {
                    Ok(by_update) => {
                        assert_eq!(by_update, result, "update and restore took it otherwise");
                        assert_eq!(restored, updated);
                    }
                    Err(error) => {
                        assert!(
                            matches!(
                                error,
                                Error::CertificateNotYetValid { .. }
                                    | Error::CertificateExpired { .. }
                                    | Error::RevocationListStale { .. }
                            ),
                            "restore took what update refused with {error:?}"
                        );
                        check_taken(fixture, start, &restored, &list, *result);
                    }
                }
            }
        }
    }
    outcome
}

/// Whether `a` and `b` have the same signer as [`Revocations`] tells them apart: a root by
/// key id, an issuer by key.
fn same_signer(a: &RevocationList, b: &RevocationList) -> bool {
    match (a.signer(), b.signer()) {
        (RevocationSigner::Root(a), RevocationSigner::Root(b)) => a == b,
        (RevocationSigner::Issuer(a), RevocationSigner::Issuer(b)) => {
            a.template().issuer_key == b.template().issuer_key
        }
        _ => false,
    }
}

/// A rollback names the list held for the same signer, which the offered one does not
/// supersede.
fn check_rollback(start: &Revocations, list: &RevocationList, error: &Error) {
    if let Error::RevocationListRollback { held, found } = error {
        assert_eq!(*found, list.sequence());
        let previous = start
            .lists()
            .find(|previous| same_signer(previous, list))
            .expect("a rollback without a list held for the signer");
        assert_eq!(*held, previous.sequence());
        assert!(
            *found < *held || (*found == *held && previous != list),
            "a newer list, or the same one, refused as a rollback"
        );
    }
}

/// A list `update` took is neither from the future nor older than its signer's maximum age.
fn check_fresh(fixture: &BusinessFixture, list: &RevocationList) {
    let policy = fixture.roots.policy();
    let now = BUSINESS_NOW.as_unix_seconds();
    let issued_at = list.issued_at().as_unix_seconds();
    let max_age = match list.signer() {
        RevocationSigner::Root(_) => policy.max_root_list_age_seconds,
        RevocationSigner::Issuer(_) => policy.max_issuer_list_age_seconds,
    };
    assert!(
        issued_at <= now.saturating_add(policy.max_clock_skew_seconds),
        "update took a list from the future"
    );
    assert!(
        now <= issued_at.saturating_add(max_age),
        "update took a stale list"
    );
}

/// `after` is `start` having taken `list` with `result`: the list is held, in place of an
/// older one of its signer only; the state persists and restores back to itself, and decides
/// the fixture's chains as SPEC.md 13.4 says.
fn check_taken(
    fixture: &BusinessFixture,
    start: &Revocations,
    after: &Revocations,
    list: &RevocationList,
    result: RevocationUpdate,
) {
    assert!(
        after.lists().any(|held| held == list),
        "a list taken is not held"
    );
    let previous = start.lists().find(|held| same_signer(held, list));
    match result {
        RevocationUpdate::AlreadyHeld => {
            assert_eq!(after, start, "AlreadyHeld changed the state");
            assert_eq!(previous, Some(list));
        }
        RevocationUpdate::Updated => {
            if let Some(previous) = previous {
                assert!(
                    previous.sequence() < list.sequence(),
                    "an update replaced sequence {} with {}",
                    previous.sequence(),
                    list.sequence()
                );
            }
            assert_eq!(
                after.lists().count(),
                start.lists().count() + usize::from(previous.is_none())
            );
            for held in start.lists().filter(|held| !same_signer(held, list)) {
                assert!(
                    after.lists().any(|kept| kept == held),
                    "another signer's list was lost"
                );
            }
        }
    }
    // Persisted, then restored at the next start.
    let mut reloaded = Revocations::new();
    for held in after.lists() {
        assert_eq!(
            reloaded.restore(held.clone(), &fixture.roots),
            Ok(RevocationUpdate::Updated)
        );
    }
    assert_eq!(
        &reloaded, after,
        "the lists held do not restore to the same state"
    );
    for chain in [&fixture.valid, &fixture.revoked] {
        assert_eq!(
            chain
                .clone()
                .validate(&fixture.roots, BUSINESS_NOW, after)
                .map(|_| ()),
            fixture.expected(chain, after),
            "serial {}",
            chain.claimed().serial
        );
    }
}
