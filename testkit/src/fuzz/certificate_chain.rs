//! The `certificate_chain` target: a business's certificate chain, decoded, validated, and
//! carried in a prekey bundle.

use hushwire::{
    BusinessCertificateIn, Envelope, Error, ErrorCategory, IssuerCertificate,
    MAX_CERTIFICATE_CHAIN_LEN, PreKeyBundleIn, Revocations, Session, TrustRoots, VerifiedBusiness,
};

use super::Outcome;
use super::business_fixture::{BUSINESS_NOW, BusinessFixture, ROOT_KEY_ID, business_fixture};
use super::checks::{is_decoding_error, rng};

/// `certificate_chain`: [`BusinessCertificateIn::decode`] (and [`IssuerCertificate::decode`])
/// on arbitrary bytes, then [`BusinessCertificateIn::validate`] against the business fixture
/// (the pinned root, fresh revocation lists of the root and the issuer, [`BUSINESS_NOW`]):
///
/// - decoding fails only with decoding errors (`TooLarge` above
///   [`MAX_CERTIFICATE_CHAIN_LEN`]); what decodes re-encodes to exactly the input, and its
///   issuer certificate decodes back from its own encoding;
/// - validation fails only with `Certificate` errors, and exactly as SPEC.md 13.4 predicts
///   ([`BusinessFixture::expected`]: an unknown root, a signature the fixture did not make,
///   the issuer's window, the scope, the business's window, the revocation lists);
/// - a chain that validates gives a [`VerifiedBusiness`] saying exactly what
///   [`BusinessCertificateIn::claimed`] said, under the fixture's root and issuer key; it
///   does not validate without revocation lists or without the pinned root;
/// - the same bytes as field 5 of the business's bundle: the bundle decodes exactly when the
///   chain does (with the same error), keeps the chain, and
///   [`PreKeyBundleIn::validate_business`] gives the chain's result (or `IdentityMismatch`
///   for another business's key); a session started from it records the business.
pub fn certificate_chain(data: &[u8]) -> Outcome {
    issuer_certificate(data);
    let fixture = business_fixture();
    let decoded = BusinessCertificateIn::decode(data);
    check_bundle(fixture, data, &decoded);
    let chain = match decoded {
        Ok(chain) => chain,
        Err(error) => {
            assert!(is_decoding_error(&error), "decode returned {error:?}");
            if data.len() > MAX_CERTIFICATE_CHAIN_LEN {
                assert_eq!(
                    error,
                    Error::TooLarge {
                        len: data.len(),
                        max: MAX_CERTIFICATE_CHAIN_LEN
                    }
                );
            }
            return Outcome::Rejected;
        }
    };
    assert_eq!(chain.encode(), data, "a decoded chain is not canonical");
    assert_eq!(chain.identity_key(), &chain.claimed().identity_key);
    assert_eq!(
        IssuerCertificate::decode(&chain.issuer().encode()).as_ref(),
        Ok(chain.issuer()),
        "the chain's issuer certificate does not decode back"
    );
    let _ = format!("{chain:?}");

    let result = chain
        .clone()
        .validate(&fixture.roots, BUSINESS_NOW, &fixture.revocations);
    assert_eq!(
        result.as_ref().map(|_| ()).map_err(Clone::clone),
        fixture.expected(&chain, &fixture.revocations),
        "validation disagrees with SPEC.md 13.4"
    );
    // Without revocation lists nothing validates: the first list looked for is the root's.
    let without_lists = chain
        .clone()
        .validate(&fixture.roots, BUSINESS_NOW, &Revocations::new());
    match &result {
        Ok(_) | Err(Error::CertificateRevoked { .. }) => assert_eq!(
            without_lists,
            Err(Error::RevocationListStale { signer: "root" })
        ),
        Err(error) => assert_eq!(without_lists.as_ref(), Err(error)),
    }
    // Without the pinned root nothing validates, before any signature is checked.
    let unpinned = TrustRoots::new([]).expect("no roots is a valid set");
    assert_eq!(
        chain
            .clone()
            .validate(&unpinned, BUSINESS_NOW, &fixture.revocations),
        Err(Error::UnknownTrustRoot {
            key_id: chain.issuer().root_key_id()
        })
    );
    match result {
        Err(error) => {
            assert_eq!(error.category(), ErrorCategory::Certificate, "{error:?}");
            Outcome::Rejected
        }
        Ok(verified) => {
            check_verified(fixture, &chain, &verified);
            Outcome::Accepted
        }
    }
}

/// [`IssuerCertificate::decode`] on the input: decoding errors only, and canonical.
fn issuer_certificate(data: &[u8]) {
    match IssuerCertificate::decode(data) {
        Ok(certificate) => {
            assert_eq!(
                certificate.encode(),
                data,
                "a decoded issuer certificate is not canonical"
            );
            let _ = format!("{certificate:?}");
        }
        Err(error) => {
            assert!(
                is_decoding_error(&error),
                "IssuerCertificate::decode returned {error:?}"
            );
            if data.len() > MAX_CERTIFICATE_CHAIN_LEN {
                assert_eq!(
                    error,
                    Error::TooLarge {
                        len: data.len(),
                        max: MAX_CERTIFICATE_CHAIN_LEN
                    }
                );
            }
        }
    }
}

/// A validated chain says what it claimed, under the fixture's root and issuer.
fn check_verified(
    fixture: &BusinessFixture,
    chain: &BusinessCertificateIn,
    verified: &VerifiedBusiness,
) {
    let claimed = chain.claimed();
    assert_eq!(verified.identity_key(), &claimed.identity_key);
    assert_eq!(verified.business_id(), &claimed.business_id);
    assert_eq!(verified.display_name(), &claimed.display_name);
    assert_eq!(verified.level(), claimed.level);
    assert_eq!(verified.phone_number(), claimed.phone_number.as_ref());
    assert_eq!(verified.website(), claimed.website.as_ref());
    assert_eq!(verified.serial(), claimed.serial);
    assert_eq!(verified.valid_until(), claimed.validity.not_after());
    assert_eq!(verified.root_key_id(), chain.issuer().root_key_id());
    assert_eq!(verified.root_key_id(), ROOT_KEY_ID);
    assert_eq!(verified.issuer_key(), &chain.issuer().template().issuer_key);
    assert_eq!(
        verified.issuer_key(),
        &fixture.issuer.certificate().template().issuer_key
    );
    assert!(
        chain
            .issuer()
            .template()
            .allowed_levels
            .contains(verified.level())
    );
    assert!(claimed.validity.within(&chain.issuer().template().validity));
}

/// The chain's bytes as field 5 of the business's bundle.
fn check_bundle(
    fixture: &BusinessFixture,
    data: &[u8],
    decoded: &Result<BusinessCertificateIn, Error>,
) {
    let bytes = fixture.bundle_with_chain(data);
    if bytes.len() > fixture.config.max_encoded_len {
        return;
    }
    let bundle = PreKeyBundleIn::decode(&bytes, &fixture.config);
    let chain = match (decoded, &bundle) {
        (Ok(chain), Ok(_)) => chain,
        (Err(chain_error), Err(bundle_error)) => {
            // Both fail; an input over the chain's limit, or one prost refuses nested (its
            // recursion limit is one level nearer), may fail the bundle for another reason,
            // still a decoding one.
            let malformed = |e: &Error| {
                matches!(
                    e,
                    Error::MalformedProtobuf | Error::NonCanonicalEncoding | Error::TooLarge { .. }
                )
            };
            if !(malformed(chain_error) && malformed(bundle_error)) {
                assert_eq!(
                    bundle_error, chain_error,
                    "the bundle refused its chain otherwise"
                );
            }
            assert!(is_decoding_error(bundle_error), "{bundle_error:?}");
            return;
        }
        (chain, bundle) => {
            panic!("the chain decoded as {chain:?}, the bundle carrying it as {bundle:?}")
        }
    };
    let bundle = bundle.expect("matched Ok");
    let plain = bundle
        .clone()
        .validate()
        .expect("the business signed its bundle");
    assert_eq!(plain.business_certificate(), Some(chain));
    assert_eq!(plain.business(), None);
    assert_eq!(
        plain.encode(),
        bytes,
        "a bundle with a chain is not canonical"
    );
    let with_business =
        bundle.validate_business(&fixture.roots, BUSINESS_NOW, &fixture.revocations);
    if chain.identity_key() != fixture.business.public_key() {
        assert_eq!(with_business, Err(Error::IdentityMismatch));
        return;
    }
    let alone = chain
        .clone()
        .validate(&fixture.roots, BUSINESS_NOW, &fixture.revocations);
    match (alone, with_business) {
        (Err(alone), Err(in_bundle)) => assert_eq!(alone, in_bundle),
        (Ok(verified), Ok(bundle)) => {
            assert_eq!(bundle.business(), Some(&verified));
            let mut session =
                Session::initiate(&mut rng(), &fixture.customer, &bundle, &fixture.config)
                    .expect("a validated bundle starts a session");
            assert_eq!(session.their_business(), Some(&verified));
            assert!(matches!(session.encrypt(b"hello"), Ok(Envelope::PreKey(_))));
        }
        (alone, in_bundle) => panic!("the chain gave {alone:?}, the bundle {in_bundle:?}"),
    }
}
