//! The `prekey_bundle` target: the bundle decoder and its signature check.

use hushwire::{Envelope, Error, PreKeyBundleIn, Session};

use super::Outcome;
use super::checks::{check_size_limit, is_decoding_error, rng};
use super::fixture::fixture;

/// `prekey_bundle`: [`PreKeyBundleIn::decode`] and [`PreKeyBundleIn::validate`] on arbitrary
/// bytes. A bundle that validates re-encodes to the input and starts a session. With a KEM
/// prekey (field 6) the session is hybrid: its first message carries a KEM ciphertext for
/// that prekey's id, also under the default policy; without one, the first message carries
/// none, and the default policy refuses the bundle ([`Error::PostQuantumRequired`]).
pub fn prekey_bundle(data: &[u8]) -> Outcome {
    let fixture = fixture();
    let config = fixture.config;
    check_size_limit(data, |config| PreKeyBundleIn::decode(data, config));
    let unverified = match PreKeyBundleIn::decode(data, &config) {
        Ok(bundle) => bundle,
        Err(error) => {
            assert!(is_decoding_error(&error), "decode returned {error:?}");
            return Outcome::Rejected;
        }
    };
    let bundle = match unverified.validate() {
        Ok(bundle) => bundle,
        Err(error) => {
            assert_eq!(error, Error::InvalidSignature);
            return Outcome::Rejected;
        }
    };
    assert_eq!(bundle.encode(), data, "a valid bundle is not canonical");
    let mut session = Session::initiate(&mut rng(), &fixture.alice_identity, &bundle, &config)
        .expect("a validated bundle starts a session");
    let Ok(Envelope::PreKey(first)) = session.encrypt(b"hello") else {
        panic!("the first message is a PreKeyMessage")
    };
    assert_eq!(first.signed_prekey_id(), bundle.signed_prekey().id());
    assert_eq!(
        first.one_time_prekey_id(),
        bundle.one_time_prekey().map(|otk| otk.id())
    );
    assert_eq!(first.identity_key(), fixture.alice_identity.public_key());
    assert_eq!(
        first.kem().map(|kem| kem.prekey_id()),
        bundle.kem_prekey().map(|kem| kem.id())
    );
    let required = crate::fixtures::hybrid_config();
    match bundle.kem_prekey() {
        Some(kem) => {
            assert_eq!(
                hushwire::KemPublicKey::from_bytes(kem.public_key().as_bytes()).as_ref(),
                Ok(kem.public_key())
            );
            let mut hybrid =
                Session::initiate(&mut rng(), &fixture.alice_identity, &bundle, &required)
                    .expect("a hybrid bundle starts a session under the default policy");
            let Ok(Envelope::PreKey(first)) = hybrid.encrypt(b"hello") else {
                panic!("the first message is a PreKeyMessage")
            };
            assert_eq!(first.kem().map(|k| k.prekey_id()), Some(kem.id()));
        }
        None => assert_eq!(
            Session::initiate(&mut rng(), &fixture.alice_identity, &bundle, &required).err(),
            Some(Error::PostQuantumRequired)
        ),
    }
    Outcome::Accepted
}
