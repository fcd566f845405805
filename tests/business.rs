//! Verified business accounts (SPEC.md section 13): a chain from a pinned root through an
//! issuer to a business's identity key, validated step by step in SPEC.md 13.4's order, with
//! the clock-skew and list-age edges; revocation lists held, refused and restored; issuing
//! within scope; display names; bundles and sessions that carry the business; and trust on
//! first use bound to it (13.6).
//!
//! Second routes: signatures are checked against the signed message rebuilt by hand from
//! SPEC.md 13.1 (label length byte, label, body) and verified with `hazmat::ed25519_verify`,
//! and re-made from the seed with `hazmat::sign_certificate_body` (Ed25519 is deterministic);
//! certified fields are read back from the bodies with the prost types; stored sessions and
//! trust records are decoded by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/mod.rs"]
mod common;

use common::*;
use hushwire::hazmat::{
    SignedObject, certificate_signed_message, ed25519_verify, sign_certificate_body,
};
use hushwire::{
    AccountId, BusinessCertificateIn, BusinessId, BusinessTemplate, CertificatePolicy, DisplayName,
    Error, IdentityKey, IdentityKeyPair, InMemoryTrustStore, IssuerKeyPair, IssuerTemplate,
    KeyChangePolicy, LevelSet, Observation, PhoneNumber, PreKeyBundle, PreKeyBundleIn,
    RevocationList, RevocationUpdate, Revocations, RootKeyPair, Session, Timestamp, TrustLevel,
    TrustOnFirstUse, TrustRecord, TrustRoot, TrustRoots, Validity, VerificationLevel,
    VerifiedBusiness, Website, observe_business_identity, observe_identity,
};
use hushwire_testkit::pb;
use hushwire_testkit::stored::{seal, unseal};
use prost::Message;

const NOW: u64 = 1_800_000_000;
const DAY: u64 = 86_400;
/// The default `max_clock_skew_seconds`.
const SKEW: u64 = 300;
const ROOT_ID: u32 = 1;
const ROOT_SEED: [u8; 32] = [0x51; 32];
const ISSUER_SEED: [u8; 32] = [0x52; 32];
const BUSINESS_SEED: [u8; 32] = [0x53; 32];
const OTHER_SEED: [u8; 32] = [0x54; 32];
const ISSUER_SERIAL: u64 = 7;
const BUSINESS_SERIAL: u64 = 42;

/// The issuer's window: 30 days back, 335 days ahead.
const ISSUER_FROM: u64 = NOW - 30 * DAY;
const ISSUER_TO: u64 = NOW + 335 * DAY;
/// The business's window: one day either side of `NOW`.
const BUSINESS_FROM: u64 = NOW - DAY;
const BUSINESS_TO: u64 = NOW + DAY;

fn t(seconds: u64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

fn window(from: u64, to: u64) -> Validity {
    Validity::new(t(from), t(to)).unwrap()
}

fn key_of(seed: &[u8; 32]) -> IdentityKey {
    *IdentityKeyPair::from_seed(seed).public_key()
}

fn id(s: &str) -> AccountId {
    AccountId::new(s).unwrap()
}

fn issuer_template(key: IdentityKey, validity: Validity) -> IssuerTemplate {
    IssuerTemplate {
        serial: ISSUER_SERIAL,
        issuer_key: key,
        validity,
        allowed_levels: LevelSet::new(&[
            VerificationLevel::Registered,
            VerificationLevel::Verified,
        ])
        .unwrap(),
    }
}

/// What the issuer certifies about Acme Shoes, for `key`.
fn acme(key: IdentityKey) -> BusinessTemplate {
    BusinessTemplate {
        serial: BUSINESS_SERIAL,
        identity_key: key,
        business_id: BusinessId::new("acme-shoes").unwrap(),
        display_name: DisplayName::new("Acme Shoes").unwrap(),
        level: VerificationLevel::Verified,
        validity: window(BUSINESS_FROM, BUSINESS_TO),
        phone_number: Some(PhoneNumber::new("+14155550123").unwrap()),
        website: Some(Website::new("https://acme.example/shoes").unwrap()),
    }
}

/// A root (key id 1, pinned with the default policy) and an issuer it certified.
struct Pki {
    root: RootKeyPair,
    roots: TrustRoots,
    issuer: IssuerKeyPair,
}

impl Pki {
    fn new() -> Self {
        Self::with_issuer_window(window(ISSUER_FROM, ISSUER_TO))
    }

    fn with_issuer_window(validity: Validity) -> Self {
        let root = RootKeyPair::from_seed(ROOT_ID, &ROOT_SEED);
        let roots = TrustRoots::new([root.trust_root()]).unwrap();
        let certificate = root.certify_issuer(&issuer_template(key_of(&ISSUER_SEED), validity));
        let issuer = IssuerKeyPair::from_seed(&ISSUER_SEED, certificate).unwrap();
        Self {
            root,
            roots,
            issuer,
        }
    }

    /// The issuer's chain for `template`.
    fn chain(&self, template: &BusinessTemplate) -> BusinessCertificateIn {
        self.issuer.certify_business(template).unwrap()
    }

    /// Acme's chain for the business key of `BUSINESS_SEED`.
    fn acme(&self) -> BusinessCertificateIn {
        self.chain(&acme(key_of(&BUSINESS_SEED)))
    }

    fn root_list(&self, sequence: u64, issued_at: u64, serials: &[u64]) -> RevocationList {
        self.root.revoke(sequence, t(issued_at), serials).unwrap()
    }

    fn issuer_list(&self, sequence: u64, issued_at: u64, serials: &[u64]) -> RevocationList {
        self.issuer.revoke(sequence, t(issued_at), serials).unwrap()
    }

    /// Empty lists from the root and the issuer, both issued and taken in at `at`.
    fn lists_at(&self, at: u64) -> Revocations {
        let mut revocations = Revocations::new();
        for list in [self.root_list(1, at, &[]), self.issuer_list(1, at, &[])] {
            assert_eq!(
                revocations.update(list, &self.roots, t(at)),
                Ok(RevocationUpdate::Updated)
            );
        }
        revocations
    }
}

fn validate(
    chain: &BusinessCertificateIn,
    roots: &TrustRoots,
    now: u64,
    revocations: &Revocations,
) -> Result<VerifiedBusiness, Error> {
    chain.clone().validate(roots, t(now), revocations)
}

/// `chain` as the prost types see it.
fn chain_pb(chain: &BusinessCertificateIn) -> pb::CertificateChain {
    pb::CertificateChain::decode(chain.encode().as_slice()).unwrap()
}

fn issuer_body(chain: &pb::CertificateChain) -> pb::IssuerCertificateBody {
    pb::IssuerCertificateBody::decode(chain.issuer.as_ref().unwrap().body.as_slice()).unwrap()
}

fn business_body(chain: &pb::CertificateChain) -> pb::BusinessCertificateBody {
    pb::BusinessCertificateBody::decode(chain.business.as_ref().unwrap().body.as_slice()).unwrap()
}

/// `body` decoded as `B`, edited, re-encoded and signed by the key of `seed` as `object`: the
/// new (body, signature).
fn resigned<B: Message + Default>(
    body: &[u8],
    seed: &[u8; 32],
    object: SignedObject,
    edit: impl FnOnce(&mut B),
) -> (Vec<u8>, Vec<u8>) {
    let mut decoded = B::decode(body).unwrap();
    edit(&mut decoded);
    let body = decoded.encode_to_vec();
    let signature = sign_certificate_body(seed, object, &body).to_vec();
    (body, signature)
}

/// `chain` with its issuer body edited and signed by the key of `seed` as `object`.
fn reissued(
    chain: &BusinessCertificateIn,
    seed: &[u8; 32],
    object: SignedObject,
    edit: impl FnOnce(&mut pb::IssuerCertificateBody),
) -> BusinessCertificateIn {
    let mut chain = chain_pb(chain);
    let (body, signature) = resigned(&chain.issuer.as_ref().unwrap().body, seed, object, edit);
    chain.issuer = Some(pb::IssuerCertificate { body, signature });
    BusinessCertificateIn::decode(&chain.encode_to_vec()).unwrap()
}

/// `chain` with its business body edited and signed by the key of `seed` as `object`: how an
/// issuer that ignores its scope, or a forger, would make one.
fn recertified(
    chain: &BusinessCertificateIn,
    seed: &[u8; 32],
    object: SignedObject,
    edit: impl FnOnce(&mut pb::BusinessCertificateBody),
) -> BusinessCertificateIn {
    let mut chain = chain_pb(chain);
    let (body, signature) = resigned(&chain.business.as_ref().unwrap().body, seed, object, edit);
    chain.business = Some(pb::BusinessCertificate { body, signature });
    BusinessCertificateIn::decode(&chain.encode_to_vec()).unwrap()
}

/// `revocations.update(list, ..)` at `now` fails; the holdings are exactly as before. Returns
/// the error for the caller to compare.
fn update_refused(
    revocations: &mut Revocations,
    list: RevocationList,
    roots: &TrustRoots,
    now: u64,
) -> Error {
    let before = revocations.clone();
    let error = revocations.update(list, roots, t(now)).unwrap_err();
    assert_eq!(*revocations, before, "a refused list changed the holdings");
    error
}

/// `revocations.restore(list, ..)` fails; the holdings are exactly as before.
fn restore_refused(
    revocations: &mut Revocations,
    list: RevocationList,
    roots: &TrustRoots,
) -> Error {
    let before = revocations.clone();
    let error = revocations.restore(list, roots).unwrap_err();
    assert_eq!(
        *revocations, before,
        "a refused restore changed the holdings"
    );
    error
}

// ---------------------------------------------------------------------------------------
// A valid chain, and the bytes it is made of
// ---------------------------------------------------------------------------------------

#[test]
fn a_valid_chain_validates_to_the_claimed_fields() {
    let pki = Pki::new();
    let chain = pki.acme();
    let template = acme(key_of(&BUSINESS_SEED));
    assert_eq!(chain.claimed(), &template);
    assert_eq!(chain.identity_key(), &key_of(&BUSINESS_SEED));
    assert_eq!(chain.issuer(), pki.issuer.certificate());
    // Encoding then decoding gives the same chain, and the encoding is canonical.
    let bytes = chain.encode();
    assert_eq!(BusinessCertificateIn::decode(&bytes), Ok(chain.clone()));
    assert_eq!(chain_pb(&chain).encode_to_vec(), bytes);

    let business = validate(&chain, &pki.roots, NOW, &pki.lists_at(NOW)).unwrap();
    assert_eq!(business.identity_key(), &key_of(&BUSINESS_SEED));
    assert_eq!(business.business_id().as_str(), "acme-shoes");
    assert_eq!(business.display_name().as_str(), "Acme Shoes");
    assert_eq!(business.level(), VerificationLevel::Verified);
    assert_eq!(
        business.phone_number().map(PhoneNumber::as_str),
        Some("+14155550123")
    );
    assert_eq!(
        business.website().map(Website::as_str),
        Some("https://acme.example/shoes")
    );
    assert_eq!(business.serial(), BUSINESS_SERIAL);
    assert_eq!(business.valid_until(), t(BUSINESS_TO));
    assert_eq!(business.root_key_id(), ROOT_ID);
    assert_eq!(business.issuer_key(), &key_of(&ISSUER_SEED));

    // Second route: the bodies, read with the prost types, hold exactly those values.
    let wire = chain_pb(&chain);
    assert_eq!(
        issuer_body(&wire),
        pb::IssuerCertificateBody {
            version: 1,
            root_key_id: ROOT_ID,
            serial: ISSUER_SERIAL,
            issuer_key: key_of(&ISSUER_SEED).to_bytes().to_vec(),
            not_before: ISSUER_FROM,
            not_after: ISSUER_TO,
            // Levels 1 and 2: bits 1 and 2.
            allowed_levels: 0b110,
        }
    );
    assert_eq!(
        business_body(&wire),
        pb::BusinessCertificateBody {
            version: 1,
            serial: BUSINESS_SERIAL,
            identity_key: key_of(&BUSINESS_SEED).to_bytes().to_vec(),
            business_id: "acme-shoes".into(),
            display_name: "Acme Shoes".into(),
            level: 2,
            not_before: BUSINESS_FROM,
            not_after: BUSINESS_TO,
            phone_number: "+14155550123".into(),
            website: "https://acme.example/shoes".into(),
            // Written by the issuer: its own certificate's id (SPEC.md 13.2), by hand.
            issuer_certificate_id: issuer_id_by_hand(&wire),
        }
    );

    // Without contact details the fields are absent on the wire and in the result.
    let mut bare = acme(key_of(&BUSINESS_SEED));
    bare.phone_number = None;
    bare.website = None;
    let bare_chain = pki.chain(&bare);
    let body = business_body(&chain_pb(&bare_chain));
    assert_eq!(
        (body.phone_number.as_str(), body.website.as_str()),
        ("", "")
    );
    let business = validate(&bare_chain, &pki.roots, NOW, &pki.lists_at(NOW)).unwrap();
    assert_eq!((business.phone_number(), business.website()), (None, None));
}

/// SPEC.md 13.1's label table, and the signed message `u8(len(label)) || label || body`
/// rebuilt by hand: each signature verifies over it under the signer's public key, and the
/// signer's seed re-signs it to the same 64 bytes.
#[test]
fn signatures_cover_the_label_length_the_label_and_the_body() {
    let labels = [
        (
            SignedObject::IssuerCertificate,
            "68757368776972652f76312f7369672f6973737565722d6365727469666963617465",
            0x22,
        ),
        (
            SignedObject::BusinessCertificate,
            "68757368776972652f76312f7369672f627573696e6573732d6365727469666963617465",
            0x24,
        ),
        (
            SignedObject::RevocationList,
            "68757368776972652f76312f7369672f7265766f636174696f6e2d6c697374",
            0x1f,
        ),
    ];
    let by_hand = |object: SignedObject, body: &[u8]| {
        let (_, label, len) = labels.iter().find(|(o, _, _)| *o == object).unwrap();
        let label = hex::decode(label).unwrap();
        assert_eq!(label.len(), *len);
        [vec![*len as u8], label, body.to_vec()].concat()
    };
    for (object, label, _) in labels {
        let text = String::from_utf8(hex::decode(label).unwrap()).unwrap();
        assert!(text.starts_with("hushwire/v1/sig/"), "{text}");
        assert_eq!(
            certificate_signed_message(object, b"body"),
            by_hand(object, b"body")
        );
    }

    let pki = Pki::new();
    let wire = chain_pb(&pki.acme());
    let root_list =
        pb::RevocationList::decode(pki.root_list(3, NOW, &[1, 2]).encode().as_slice()).unwrap();
    let issuer_list =
        pb::RevocationList::decode(pki.issuer_list(4, NOW, &[9]).encode().as_slice()).unwrap();
    let issuer = wire.issuer.unwrap();
    let business = wire.business.unwrap();
    for (object, body, signature, seed) in [
        (
            SignedObject::IssuerCertificate,
            &issuer.body,
            &issuer.signature,
            &ROOT_SEED,
        ),
        (
            SignedObject::BusinessCertificate,
            &business.body,
            &business.signature,
            &ISSUER_SEED,
        ),
        (
            SignedObject::RevocationList,
            &root_list.body,
            &root_list.signature,
            &ROOT_SEED,
        ),
        (
            SignedObject::RevocationList,
            &issuer_list.body,
            &issuer_list.signature,
            &ISSUER_SEED,
        ),
    ] {
        let message = by_hand(object, body);
        assert_eq!(
            ed25519_verify(&key_of(seed).to_bytes(), &message, signature),
            Ok(())
        );
        assert_eq!(
            sign_certificate_body(seed, object, body).as_slice(),
            signature.as_slice()
        );
        // The signature is not over the bare body, nor under another label.
        assert_eq!(
            ed25519_verify(&key_of(seed).to_bytes(), body, signature),
            Err(Error::InvalidSignature)
        );
        for (other, _, _) in labels.iter().filter(|(o, _, _)| *o != object) {
            assert_eq!(
                ed25519_verify(&key_of(seed).to_bytes(), &by_hand(*other, body), signature),
                Err(Error::InvalidSignature)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Validation, SPEC.md 13.4 steps 1 to 8
// ---------------------------------------------------------------------------------------

#[test]
fn validation_step_1_the_root_must_be_pinned() {
    let pki = Pki::new();
    let chain = pki.acme();
    let lists = pki.lists_at(NOW);
    let elsewhere = RootKeyPair::from_seed(2, &ROOT_SEED);
    let roots = TrustRoots::new([elsewhere.trust_root()]).unwrap();
    // The same key under another key id is not the root the certificate names.
    assert_eq!(
        validate(&chain, &roots, NOW, &lists),
        Err(Error::UnknownTrustRoot { key_id: ROOT_ID })
    );
    let none = TrustRoots::new([]).unwrap();
    assert_eq!(
        validate(&chain, &none, NOW, &lists),
        Err(Error::UnknownTrustRoot { key_id: ROOT_ID })
    );
    // A certificate naming key id 9, signed by the right key.
    let renamed = reissued(&chain, &ROOT_SEED, SignedObject::IssuerCertificate, |b| {
        b.root_key_id = 9
    });
    assert_eq!(
        validate(&renamed, &pki.roots, NOW, &lists),
        Err(Error::UnknownTrustRoot { key_id: 9 })
    );
    // With both roots pinned (a rotation), the chain validates.
    let both = TrustRoots::new([elsewhere.trust_root(), pki.root.trust_root()]).unwrap();
    assert!(validate(&chain, &both, NOW, &lists).is_ok());
}

#[test]
fn validation_step_2_the_issuer_certificate_signature() {
    let pki = Pki::new();
    let chain = pki.acme();
    let lists = pki.lists_at(NOW);
    let issuer = Error::InvalidCertificateSignature {
        certificate: "issuer",
    };
    // Pinned key id 1 with another key.
    let impostor =
        TrustRoots::new([RootKeyPair::from_seed(ROOT_ID, &OTHER_SEED).trust_root()]).unwrap();
    assert_eq!(
        validate(&chain, &impostor, NOW, &lists),
        Err(issuer.clone())
    );
    // The body edited after signing (another serial), the signature kept.
    let mut wire = chain_pb(&chain);
    let mut body = issuer_body(&wire);
    body.serial += 1;
    wire.issuer.as_mut().unwrap().body = body.encode_to_vec();
    let edited = BusinessCertificateIn::decode(&wire.encode_to_vec()).unwrap();
    assert_eq!(
        validate(&edited, &pki.roots, NOW, &lists),
        Err(issuer.clone())
    );
    // The root's signature over the same body under another label (domain separation).
    for object in [
        SignedObject::BusinessCertificate,
        SignedObject::RevocationList,
    ] {
        let relabelled = reissued(&chain, &ROOT_SEED, object, |_| {});
        assert_eq!(
            validate(&relabelled, &pki.roots, NOW, &lists),
            Err(Error::InvalidCertificateSignature {
                certificate: "issuer"
            })
        );
    }
    // The issuer signing its own certificate.
    let self_signed = reissued(
        &chain,
        &ISSUER_SEED,
        SignedObject::IssuerCertificate,
        |_| {},
    );
    assert_eq!(validate(&self_signed, &pki.roots, NOW, &lists), Err(issuer));
    // Control: re-signed properly, it validates.
    let resigned = reissued(&chain, &ROOT_SEED, SignedObject::IssuerCertificate, |_| {});
    assert_eq!(resigned, chain);
    assert!(validate(&resigned, &pki.roots, NOW, &lists).is_ok());
}

#[test]
fn validation_step_3_the_issuer_certificate_is_valid_now() {
    // The issuer's window equals the business's here, so that only the issuer's check can
    // decide (the business's comes at step 6, after it).
    let pki = Pki::with_issuer_window(window(BUSINESS_FROM, BUSINESS_TO));
    let chain = pki.acme();
    let lists = pki.lists_at(NOW);
    assert_eq!(
        validate(&chain, &pki.roots, BUSINESS_FROM - SKEW - 1, &lists),
        Err(Error::CertificateNotYetValid {
            certificate: "issuer"
        })
    );
    assert_eq!(
        validate(&chain, &pki.roots, BUSINESS_TO + SKEW + 1, &lists),
        Err(Error::CertificateExpired {
            certificate: "issuer"
        })
    );
    assert_eq!(
        validate(&chain, &pki.roots, u64::MAX, &lists),
        Err(Error::CertificateExpired {
            certificate: "issuer"
        })
    );
    assert_eq!(
        validate(&chain, &pki.roots, 0, &lists),
        Err(Error::CertificateNotYetValid {
            certificate: "issuer"
        })
    );
}

#[test]
fn validation_step_4_the_business_certificate_signature() {
    let pki = Pki::new();
    let chain = pki.acme();
    let lists = pki.lists_at(NOW);
    let business = Error::InvalidCertificateSignature {
        certificate: "business",
    };
    // Signed by a key other than the certified issuer's (the root's, or a stranger's).
    for seed in [&ROOT_SEED, &OTHER_SEED] {
        let forged = recertified(&chain, seed, SignedObject::BusinessCertificate, |_| {});
        assert_eq!(
            validate(&forged, &pki.roots, NOW, &lists),
            Err(business.clone())
        );
    }
    // The issuer's signature under another label.
    for object in [
        SignedObject::IssuerCertificate,
        SignedObject::RevocationList,
    ] {
        let relabelled = recertified(&chain, &ISSUER_SEED, object, |_| {});
        assert_eq!(
            validate(&relabelled, &pki.roots, NOW, &lists),
            Err(Error::InvalidCertificateSignature {
                certificate: "business"
            })
        );
    }
    // The name edited after signing.
    let mut wire = chain_pb(&chain);
    let mut body = business_body(&wire);
    body.display_name = "Acme Shoe".into();
    wire.business.as_mut().unwrap().body = body.encode_to_vec();
    let edited = BusinessCertificateIn::decode(&wire.encode_to_vec()).unwrap();
    assert_eq!(validate(&edited, &pki.roots, NOW, &lists), Err(business));
    // Control.
    let resigned = recertified(
        &chain,
        &ISSUER_SEED,
        SignedObject::BusinessCertificate,
        |_| {},
    );
    assert_eq!(resigned, chain);
    assert!(validate(&resigned, &pki.roots, NOW, &lists).is_ok());
}

#[test]
fn validation_step_5_the_issuers_scope() {
    let pki = Pki::new();
    let chain = pki.acme();
    let lists = pki.lists_at(NOW);
    let sign = |edit: fn(&mut pb::BusinessCertificateBody)| {
        recertified(
            &chain,
            &ISSUER_SEED,
            SignedObject::BusinessCertificate,
            edit,
        )
    };
    // The issuer may certify levels 1 and 2, not 3.
    let official = sign(|b| b.level = 3);
    assert_eq!(
        validate(&official, &pki.roots, NOW, &lists),
        Err(Error::CertificateOutOfScope { reason: "level" })
    );
    for edit in [
        (|b| b.level = 1) as fn(&mut pb::BusinessCertificateBody),
        |b| b.level = 2,
    ] {
        assert!(validate(&sign(edit), &pki.roots, NOW, &lists).is_ok());
    }
    // A window starting before the issuer's, or ending after it.
    for (from, to) in [
        (ISSUER_FROM - 1, BUSINESS_TO),
        (BUSINESS_FROM, ISSUER_TO + 1),
        (ISSUER_FROM - 1, ISSUER_TO + 1),
    ] {
        let wide = recertified(
            &chain,
            &ISSUER_SEED,
            SignedObject::BusinessCertificate,
            |b| {
                b.not_before = from;
                b.not_after = to;
            },
        );
        assert_eq!(
            validate(&wide, &pki.roots, NOW, &lists),
            Err(Error::CertificateOutOfScope { reason: "validity" })
        );
    }
    // Exactly the issuer's window is within it.
    let same = sign(|b| {
        b.not_before = ISSUER_FROM;
        b.not_after = ISSUER_TO;
    });
    assert!(validate(&same, &pki.roots, NOW, &lists).is_ok());
    // Both out of scope: the level is checked first.
    let both = sign(|b| {
        b.level = 3;
        b.not_after = ISSUER_TO + 1;
    });
    assert_eq!(
        validate(&both, &pki.roots, NOW, &lists),
        Err(Error::CertificateOutOfScope { reason: "level" })
    );
}

#[test]
fn validation_step_6_the_business_certificate_is_valid_now() {
    let pki = Pki::new();
    let lists = pki.lists_at(NOW);
    let mut expired = acme(key_of(&BUSINESS_SEED));
    expired.validity = window(NOW - 10 * DAY, NOW - 5 * DAY);
    assert_eq!(
        validate(&pki.chain(&expired), &pki.roots, NOW, &lists),
        Err(Error::CertificateExpired {
            certificate: "business"
        })
    );
    let mut early = acme(key_of(&BUSINESS_SEED));
    early.validity = window(NOW + DAY, NOW + 30 * DAY);
    assert_eq!(
        validate(&pki.chain(&early), &pki.roots, NOW, &lists),
        Err(Error::CertificateNotYetValid {
            certificate: "business"
        })
    );
}

#[test]
fn validation_step_7_the_roots_list() {
    let pki = Pki::new();
    let chain = pki.acme();
    // No list at all, or only the issuer's.
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &Revocations::new()),
        Err(Error::RevocationListStale { signer: "root" })
    );
    let mut issuer_only = Revocations::new();
    issuer_only
        .update(pki.issuer_list(1, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &issuer_only),
        Err(Error::RevocationListStale { signer: "root" })
    );
    // A root list revoking the issuer's serial.
    let mut revoking = Revocations::new();
    for list in [
        pki.root_list(1, NOW, &[3, ISSUER_SERIAL, 900]),
        pki.issuer_list(1, NOW, &[]),
    ] {
        revoking.update(list, &pki.roots, t(NOW)).unwrap();
    }
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &revoking),
        Err(Error::CertificateRevoked {
            certificate: "issuer",
            serial: ISSUER_SERIAL
        })
    );
    // Its neighbours are not it.
    let mut neighbours = Revocations::new();
    for list in [
        pki.root_list(1, NOW, &[ISSUER_SERIAL - 1, ISSUER_SERIAL + 1]),
        pki.issuer_list(1, NOW, &[]),
    ] {
        neighbours.update(list, &pki.roots, t(NOW)).unwrap();
    }
    assert!(validate(&chain, &pki.roots, NOW, &neighbours).is_ok());
    // The root list's age: exactly 30 days old is recent enough, one second more is stale.
    let mut aging = Revocations::new();
    aging
        .update(
            pki.root_list(1, NOW - 30 * DAY, &[]),
            &pki.roots,
            t(NOW - 30 * DAY),
        )
        .unwrap();
    aging
        .update(pki.issuer_list(1, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    assert!(validate(&chain, &pki.roots, NOW, &aging).is_ok());
    assert_eq!(
        validate(&chain, &pki.roots, NOW + 1, &aging),
        Err(Error::RevocationListStale { signer: "root" })
    );
}

#[test]
fn validation_step_8_the_issuers_list() {
    let pki = Pki::new();
    let chain = pki.acme();
    let mut root_only = Revocations::new();
    root_only
        .update(pki.root_list(1, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &root_only),
        Err(Error::RevocationListStale { signer: "issuer" })
    );
    let mut revoking = root_only.clone();
    revoking
        .update(
            pki.issuer_list(1, NOW, &[1, BUSINESS_SERIAL, u64::MAX]),
            &pki.roots,
            t(NOW),
        )
        .unwrap();
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &revoking),
        Err(Error::CertificateRevoked {
            certificate: "business",
            serial: BUSINESS_SERIAL
        })
    );
    let mut neighbours = root_only.clone();
    neighbours
        .update(
            pki.issuer_list(1, NOW, &[BUSINESS_SERIAL - 1, BUSINESS_SERIAL + 1]),
            &pki.roots,
            t(NOW),
        )
        .unwrap();
    assert!(validate(&chain, &pki.roots, NOW, &neighbours).is_ok());
    // The issuer list's age: 48 hours is recent enough, one second more is stale.
    let mut aging = Revocations::new();
    aging
        .update(
            pki.issuer_list(1, NOW - 2 * DAY, &[]),
            &pki.roots,
            t(NOW - 2 * DAY),
        )
        .unwrap();
    aging
        .update(pki.root_list(1, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    assert!(validate(&chain, &pki.roots, NOW, &aging).is_ok());
    assert_eq!(
        validate(&chain, &pki.roots, NOW + 1, &aging),
        Err(Error::RevocationListStale { signer: "issuer" })
    );
    // Another issuer's list (another key, same root) does not count for this one.
    let other = IssuerKeyPair::from_seed(
        &OTHER_SEED,
        pki.root.certify_issuer(&issuer_template(
            key_of(&OTHER_SEED),
            window(ISSUER_FROM, ISSUER_TO),
        )),
    )
    .unwrap();
    let mut foreign = root_only;
    foreign
        .update(other.revoke(1, t(NOW), &[]).unwrap(), &pki.roots, t(NOW))
        .unwrap();
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &foreign),
        Err(Error::RevocationListStale { signer: "issuer" })
    );
}

/// When two steps would fail, the earlier one's error is returned: 1 before 2, 2 before 3, and
/// so on to 7 before 8.
#[test]
fn the_earlier_validation_step_wins() {
    let pki = Pki::new();
    let chain = pki.acme();
    let lists = pki.lists_at(NOW);
    let expired_at = ISSUER_TO + SKEW + 1;
    let impostor =
        TrustRoots::new([RootKeyPair::from_seed(ROOT_ID, &OTHER_SEED).trust_root()]).unwrap();
    let bad_issuer_signature =
        reissued(&chain, &OTHER_SEED, SignedObject::IssuerCertificate, |_| {});

    // 1 before 2: an unpinned root and a signature that would not verify anyway.
    let unpinned = TrustRoots::new([RootKeyPair::from_seed(5, &OTHER_SEED).trust_root()]).unwrap();
    assert_eq!(
        validate(&bad_issuer_signature, &unpinned, NOW, &lists),
        Err(Error::UnknownTrustRoot { key_id: ROOT_ID })
    );
    // 2 before 3: a bad issuer signature on an expired issuer.
    assert_eq!(
        validate(&chain, &impostor, expired_at, &lists),
        Err(Error::InvalidCertificateSignature {
            certificate: "issuer"
        })
    );
    // 3 before 4: an expired issuer and a forged business signature.
    let forged = recertified(
        &chain,
        &OTHER_SEED,
        SignedObject::BusinessCertificate,
        |_| {},
    );
    assert_eq!(
        validate(&forged, &pki.roots, expired_at, &lists),
        Err(Error::CertificateExpired {
            certificate: "issuer"
        })
    );
    // 4 before 5: a forged signature over an out-of-scope level (never believed).
    let forged_official = recertified(
        &chain,
        &OTHER_SEED,
        SignedObject::BusinessCertificate,
        |b| b.level = 3,
    );
    assert_eq!(
        validate(&forged_official, &pki.roots, NOW, &lists),
        Err(Error::InvalidCertificateSignature {
            certificate: "business"
        })
    );
    // 5 before 6: a window outside the issuer's that has also expired.
    let outside = recertified(
        &chain,
        &ISSUER_SEED,
        SignedObject::BusinessCertificate,
        |b| {
            b.not_before = ISSUER_FROM - 10 * DAY;
            b.not_after = ISSUER_FROM - 5 * DAY;
        },
    );
    assert_eq!(
        validate(&outside, &pki.roots, NOW, &lists),
        Err(Error::CertificateOutOfScope { reason: "validity" })
    );
    // 6 before 7: an expired business certificate and no lists at all.
    assert_eq!(
        validate(
            &chain,
            &pki.roots,
            BUSINESS_TO + SKEW + 1,
            &Revocations::new()
        ),
        Err(Error::CertificateExpired {
            certificate: "business"
        })
    );
    // 7 before 8: no lists (root's reported); the issuer revoked and the business too.
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &Revocations::new()),
        Err(Error::RevocationListStale { signer: "root" })
    );
    let mut both = Revocations::new();
    for list in [
        pki.root_list(1, NOW, &[ISSUER_SERIAL]),
        pki.issuer_list(1, NOW, &[BUSINESS_SERIAL]),
    ] {
        both.update(list, &pki.roots, t(NOW)).unwrap();
    }
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &both),
        Err(Error::CertificateRevoked {
            certificate: "issuer",
            serial: ISSUER_SERIAL
        })
    );
    // A revoked issuer with no issuer list.
    let mut root_revoking = Revocations::new();
    root_revoking
        .update(pki.root_list(1, NOW, &[ISSUER_SERIAL]), &pki.roots, t(NOW))
        .unwrap();
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &root_revoking),
        Err(Error::CertificateRevoked {
            certificate: "issuer",
            serial: ISSUER_SERIAL
        })
    );
}

// ---------------------------------------------------------------------------------------
// Time: the skew edges, a stricter policy, saturation
// ---------------------------------------------------------------------------------------

#[test]
fn clock_skew_edges_of_the_business_certificate() {
    let pki = Pki::new();
    let chain = pki.acme();
    // Lists issued at each moment checked: a list from the future is not fresh (13.4 step 7).
    assert!(
        validate(
            &chain,
            &pki.roots,
            BUSINESS_FROM - SKEW,
            &pki.lists_at(BUSINESS_FROM - SKEW)
        )
        .is_ok()
    );
    assert_eq!(
        validate(
            &chain,
            &pki.roots,
            BUSINESS_FROM - SKEW - 1,
            &pki.lists_at(BUSINESS_FROM - SKEW - 1)
        ),
        Err(Error::CertificateNotYetValid {
            certificate: "business"
        })
    );
    assert!(
        validate(
            &chain,
            &pki.roots,
            BUSINESS_TO + SKEW,
            &pki.lists_at(BUSINESS_TO + SKEW)
        )
        .is_ok()
    );
    assert_eq!(
        validate(
            &chain,
            &pki.roots,
            BUSINESS_TO + SKEW + 1,
            &pki.lists_at(BUSINESS_TO + SKEW + 1)
        ),
        Err(Error::CertificateExpired {
            certificate: "business"
        })
    );
}

#[test]
fn clock_skew_edges_of_the_issuer_certificate() {
    // Both windows equal: at each edge the issuer is checked first.
    let pki = Pki::with_issuer_window(window(BUSINESS_FROM, BUSINESS_TO));
    let chain = pki.acme();
    // Lists issued at the window's edges (the issuer's list needs its certificate valid when
    // it is taken in), within the skew of each moment checked.
    assert!(
        validate(
            &chain,
            &pki.roots,
            BUSINESS_FROM - SKEW,
            &pki.lists_at(BUSINESS_FROM)
        )
        .is_ok()
    );
    assert_eq!(
        validate(
            &chain,
            &pki.roots,
            BUSINESS_FROM - SKEW - 1,
            &pki.lists_at(BUSINESS_FROM)
        ),
        Err(Error::CertificateNotYetValid {
            certificate: "issuer"
        })
    );
    assert!(
        validate(
            &chain,
            &pki.roots,
            BUSINESS_TO + SKEW,
            &pki.lists_at(BUSINESS_TO)
        )
        .is_ok()
    );
    assert_eq!(
        validate(
            &chain,
            &pki.roots,
            BUSINESS_TO + SKEW + 1,
            &pki.lists_at(BUSINESS_TO)
        ),
        Err(Error::CertificateExpired {
            certificate: "issuer"
        })
    );
}

#[test]
fn a_policy_without_skew_and_with_shorter_list_ages() {
    let pki = Pki::new();
    let chain = pki.acme();
    let mut policy = CertificatePolicy::default();
    assert_eq!(
        (
            policy.max_clock_skew_seconds,
            policy.max_root_list_age_seconds,
            policy.max_issuer_list_age_seconds
        ),
        (300, 2_592_000, 172_800)
    );
    policy.max_clock_skew_seconds = 0;
    policy.max_root_list_age_seconds = 100;
    policy.max_issuer_list_age_seconds = 10;
    let strict = pki.roots.clone().with_policy(policy);
    assert_eq!(strict.policy(), &policy);
    let lists = pki.lists_at(BUSINESS_FROM);
    assert!(validate(&chain, &strict, BUSINESS_FROM, &lists).is_ok());
    assert_eq!(
        validate(&chain, &strict, BUSINESS_FROM - 1, &lists),
        Err(Error::CertificateNotYetValid {
            certificate: "business"
        })
    );
    assert!(validate(&chain, &strict, BUSINESS_FROM + 10, &lists).is_ok());
    assert_eq!(
        validate(&chain, &strict, BUSINESS_FROM + 11, &lists),
        Err(Error::RevocationListStale { signer: "issuer" })
    );
    // Updating under the strict policy: a list one second ahead is from the future.
    let mut fresh = Revocations::new();
    assert_eq!(
        update_refused(&mut fresh, pki.root_list(1, NOW + 1, &[]), &strict, NOW),
        Error::CertificateNotYetValid {
            certificate: "revocation_list"
        }
    );
    assert_eq!(
        update_refused(&mut fresh, pki.root_list(1, NOW - 101, &[]), &strict, NOW),
        Error::RevocationListStale { signer: "root" }
    );
}

/// SPEC.md 13.4: all the arithmetic saturates at 2^64 − 1. A window ending at the last second
/// validates at it, and lists issued near it are not taken for old.
#[test]
fn times_saturate_at_the_end_of_u64() {
    let pki = Pki::with_issuer_window(window(NOW, u64::MAX));
    let mut forever = acme(key_of(&BUSINESS_SEED));
    forever.validity = window(NOW, u64::MAX);
    let chain = pki.chain(&forever);
    let end = u64::MAX;
    let lists = pki.lists_at(end - 5);
    assert!(validate(&chain, &pki.roots, end, &lists).is_ok());
    // A list issued at the last second, taken in at it.
    let mut last = Revocations::new();
    assert_eq!(
        last.update(pki.root_list(1, end, &[]), &pki.roots, t(end)),
        Ok(RevocationUpdate::Updated)
    );
    assert_eq!(
        Validity::days_from(t(end), 1),
        Err(Error::InvalidCertificate { reason: "validity" })
    );
    assert_eq!(
        Validity::days_from(t(NOW), 30),
        Ok(window(NOW, NOW + 30 * DAY))
    );
    assert_eq!(
        Validity::new(t(NOW), t(NOW - 1)),
        Err(Error::InvalidCertificate { reason: "validity" })
    );
    assert!(Validity::new(t(NOW), t(NOW)).is_ok());
}

// ---------------------------------------------------------------------------------------
// Holding revocation lists, SPEC.md 13.4 update steps 1 to 5
// ---------------------------------------------------------------------------------------

#[test]
fn update_step_1_the_signer() {
    let pki = Pki::new();
    let mut held = pki.lists_at(NOW);
    // A root list from a key id that is not pinned.
    let stranger = RootKeyPair::from_seed(8, &OTHER_SEED);
    assert_eq!(
        update_refused(
            &mut held,
            stranger.revoke(9, t(NOW), &[]).unwrap(),
            &pki.roots,
            NOW
        ),
        Error::UnknownTrustRoot { key_id: 8 }
    );
    // An issuer certified by a root that is not pinned.
    let unpinned_issuer = IssuerKeyPair::from_seed(
        &OTHER_SEED,
        stranger.certify_issuer(&issuer_template(
            key_of(&OTHER_SEED),
            window(ISSUER_FROM, ISSUER_TO),
        )),
    )
    .unwrap();
    assert_eq!(
        update_refused(
            &mut held,
            unpinned_issuer.revoke(9, t(NOW), &[]).unwrap(),
            &pki.roots,
            NOW
        ),
        Error::UnknownTrustRoot { key_id: 8 }
    );
    // An issuer whose certificate claims root 1 but another key signed it.
    let forged_issuer = IssuerKeyPair::from_seed(
        &OTHER_SEED,
        RootKeyPair::from_seed(ROOT_ID, &OTHER_SEED).certify_issuer(&issuer_template(
            key_of(&OTHER_SEED),
            window(ISSUER_FROM, ISSUER_TO),
        )),
    )
    .unwrap();
    assert_eq!(
        update_refused(
            &mut held,
            forged_issuer.revoke(9, t(NOW), &[]).unwrap(),
            &pki.roots,
            NOW
        ),
        Error::InvalidCertificateSignature {
            certificate: "issuer"
        }
    );
    // An issuer whose certificate is not valid at now, with the skew's edges.
    let starting = |from: u64| {
        Pki::with_issuer_window(window(from, from + 365 * DAY))
            .issuer
            .revoke(9, t(NOW), &[])
            .unwrap()
    };
    assert_eq!(
        update_refused(&mut held, starting(NOW + SKEW + 1), &pki.roots, NOW),
        Error::CertificateNotYetValid {
            certificate: "issuer"
        }
    );
    let ending = |to: u64| {
        Pki::with_issuer_window(window(to - 365 * DAY, to))
            .issuer
            .revoke(9, t(NOW - DAY), &[])
            .unwrap()
    };
    assert_eq!(
        update_refused(&mut held, ending(NOW - SKEW - 1), &pki.roots, NOW),
        Error::CertificateExpired {
            certificate: "issuer"
        }
    );
    let mut edge = held.clone();
    assert_eq!(
        edge.update(starting(NOW + SKEW), &pki.roots, t(NOW)),
        Ok(RevocationUpdate::Updated)
    );
    let mut edge = held.clone();
    assert_eq!(
        edge.update(ending(NOW - SKEW), &pki.roots, t(NOW)),
        Ok(RevocationUpdate::Updated)
    );
}

#[test]
fn update_step_2_the_lists_signature() {
    let pki = Pki::new();
    let mut held = pki.lists_at(NOW);
    // Root key id 1, another key.
    let impostor = RootKeyPair::from_seed(ROOT_ID, &OTHER_SEED);
    assert_eq!(
        update_refused(
            &mut held,
            impostor.revoke(2, t(NOW), &[]).unwrap(),
            &pki.roots,
            NOW
        ),
        Error::InvalidCertificateSignature {
            certificate: "revocation_list"
        }
    );
    // A list naming the genuine issuer certificate, signed by another key or under another
    // label.
    let body = pb::RevocationListBody::decode(
        pb::RevocationList::decode(pki.issuer_list(2, NOW, &[5]).encode().as_slice())
            .unwrap()
            .body
            .as_slice(),
    )
    .unwrap()
    .encode_to_vec();
    for (seed, object) in [
        (&OTHER_SEED, SignedObject::RevocationList),
        (&ROOT_SEED, SignedObject::RevocationList),
        (&ISSUER_SEED, SignedObject::BusinessCertificate),
        (&ISSUER_SEED, SignedObject::IssuerCertificate),
    ] {
        let signature = sign_certificate_body(seed, object, &body).to_vec();
        let list = RevocationList::decode(
            &pb::RevocationList {
                body: body.clone(),
                signature,
            }
            .encode_to_vec(),
        )
        .unwrap();
        assert_eq!(
            update_refused(&mut held, list, &pki.roots, NOW),
            Error::InvalidCertificateSignature {
                certificate: "revocation_list"
            }
        );
    }
    // Control: the issuer's own signature, made by hand.
    let signature = sign_certificate_body(&ISSUER_SEED, SignedObject::RevocationList, &body);
    let list = RevocationList::decode(
        &pb::RevocationList {
            body,
            signature: signature.to_vec(),
        }
        .encode_to_vec(),
    )
    .unwrap();
    assert_eq!(list, pki.issuer_list(2, NOW, &[5]));
    assert_eq!(
        held.update(list, &pki.roots, t(NOW)),
        Ok(RevocationUpdate::Updated)
    );
}

#[test]
fn update_step_3_a_list_from_the_future() {
    let pki = Pki::new();
    for (list, signer) in [
        (pki.root_list(1, NOW + SKEW + 1, &[]), "root"),
        (pki.issuer_list(1, NOW + SKEW + 1, &[]), "issuer"),
    ] {
        let mut held = Revocations::new();
        assert_eq!(
            update_refused(&mut held, list, &pki.roots, NOW),
            Error::CertificateNotYetValid {
                certificate: "revocation_list"
            },
            "{signer}"
        );
    }
    let mut held = Revocations::new();
    for list in [
        pki.root_list(1, NOW + SKEW, &[]),
        pki.issuer_list(1, NOW + SKEW, &[]),
    ] {
        assert_eq!(
            held.update(list, &pki.roots, t(NOW)),
            Ok(RevocationUpdate::Updated)
        );
    }
}

#[test]
fn update_step_4_a_stale_list() {
    let pki = Pki::new();
    let mut held = Revocations::new();
    assert_eq!(
        update_refused(
            &mut held,
            pki.root_list(1, NOW - 30 * DAY - 1, &[]),
            &pki.roots,
            NOW
        ),
        Error::RevocationListStale { signer: "root" }
    );
    assert_eq!(
        update_refused(
            &mut held,
            pki.issuer_list(1, NOW - 2 * DAY - 1, &[]),
            &pki.roots,
            NOW
        ),
        Error::RevocationListStale { signer: "issuer" }
    );
    assert_eq!(
        held.update(pki.root_list(1, NOW - 30 * DAY, &[]), &pki.roots, t(NOW)),
        Ok(RevocationUpdate::Updated)
    );
    assert_eq!(
        held.update(pki.issuer_list(1, NOW - 2 * DAY, &[]), &pki.roots, t(NOW)),
        Ok(RevocationUpdate::Updated)
    );
}

#[test]
fn update_step_5_no_rollback() {
    let pki = Pki::new();
    let mut held = Revocations::new();
    held.update(pki.root_list(5, NOW, &[1]), &pki.roots, t(NOW))
        .unwrap();
    held.update(pki.issuer_list(5, NOW, &[1]), &pki.roots, t(NOW))
        .unwrap();
    for (older, newer_body) in [
        (pki.root_list(4, NOW, &[1]), pki.root_list(5, NOW, &[1, 2])),
        (
            pki.issuer_list(4, NOW, &[1]),
            pki.issuer_list(5, NOW, &[1, 2]),
        ),
    ] {
        // A lower sequence number.
        assert_eq!(
            update_refused(&mut held, older, &pki.roots, NOW),
            Error::RevocationListRollback { held: 5, found: 4 }
        );
        // The same sequence number with other content.
        assert_eq!(
            update_refused(&mut held, newer_body, &pki.roots, NOW),
            Error::RevocationListRollback { held: 5, found: 5 }
        );
    }
    // The same sequence with another issued_at is other content too.
    assert_eq!(
        update_refused(&mut held, pki.root_list(5, NOW - 1, &[1]), &pki.roots, NOW),
        Error::RevocationListRollback { held: 5, found: 5 }
    );
    // The same list again: already held, nothing changes.
    let before = held.clone();
    assert_eq!(
        held.update(pki.root_list(5, NOW, &[1]), &pki.roots, t(NOW + 60)),
        Ok(RevocationUpdate::AlreadyHeld)
    );
    assert_eq!(held, before);
    // A greater sequence replaces the held list, whatever its serials.
    assert_eq!(
        held.update(pki.root_list(6, NOW, &[]), &pki.roots, t(NOW)),
        Ok(RevocationUpdate::Updated)
    );
    assert_ne!(held, before);
    let sequences: Vec<u64> = held.lists().map(RevocationList::sequence).collect();
    assert_eq!(sequences, [6, 5]);
    // Sequence 0 then u64::MAX, for a fresh signer.
    let mut fresh = Revocations::new();
    assert_eq!(
        fresh.update(pki.root_list(0, NOW, &[]), &pki.roots, t(NOW)),
        Ok(RevocationUpdate::Updated)
    );
    assert_eq!(
        fresh.update(pki.root_list(u64::MAX, NOW, &[]), &pki.roots, t(NOW)),
        Ok(RevocationUpdate::Updated)
    );
    assert_eq!(
        update_refused(&mut fresh, pki.root_list(0, NOW, &[]), &pki.roots, NOW),
        Error::RevocationListRollback {
            held: u64::MAX,
            found: 0
        }
    );
}

#[test]
fn the_earlier_update_step_wins() {
    let pki = Pki::new();
    let mut held = Revocations::new();
    held.update(pki.root_list(5, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    held.update(pki.issuer_list(5, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    let impostor = RootKeyPair::from_seed(ROOT_ID, &OTHER_SEED);
    // 1 before 2: an unpinned root's list with a signature by yet another key.
    let stranger = RootKeyPair::from_seed(3, &ROOT_SEED);
    let mut body = pb::RevocationListBody::decode(
        pb::RevocationList::decode(stranger.revoke(1, t(NOW), &[]).unwrap().encode().as_slice())
            .unwrap()
            .body
            .as_slice(),
    )
    .unwrap();
    body.sequence = 2;
    let body = body.encode_to_vec();
    let forged = RevocationList::decode(
        &pb::RevocationList {
            signature: sign_certificate_body(&OTHER_SEED, SignedObject::RevocationList, &body)
                .to_vec(),
            body,
        }
        .encode_to_vec(),
    )
    .unwrap();
    assert_eq!(
        update_refused(&mut held, forged, &pki.roots, NOW),
        Error::UnknownTrustRoot { key_id: 3 }
    );
    // 1 before 2: an expired issuer certificate and a list it did not sign.
    let expired = Pki::with_issuer_window(window(NOW - 400 * DAY, NOW - 300 * DAY));
    let mut list_body = pb::RevocationListBody::decode(
        pb::RevocationList::decode(expired.issuer_list(9, NOW, &[]).encode().as_slice())
            .unwrap()
            .body
            .as_slice(),
    )
    .unwrap();
    list_body.issued_at = NOW;
    let list_body = list_body.encode_to_vec();
    let unsigned = RevocationList::decode(
        &pb::RevocationList {
            signature: sign_certificate_body(&OTHER_SEED, SignedObject::RevocationList, &list_body)
                .to_vec(),
            body: list_body,
        }
        .encode_to_vec(),
    )
    .unwrap();
    assert_eq!(
        update_refused(&mut held, unsigned, &pki.roots, NOW),
        Error::CertificateExpired {
            certificate: "issuer"
        }
    );
    // 2 before 3: a future list with a bad signature.
    assert_eq!(
        update_refused(
            &mut held,
            impostor.revoke(9, t(NOW + DAY), &[]).unwrap(),
            &pki.roots,
            NOW
        ),
        Error::InvalidCertificateSignature {
            certificate: "revocation_list"
        }
    );
    // 2 before 4: a stale list with a bad signature.
    assert_eq!(
        update_refused(
            &mut held,
            impostor.revoke(9, t(NOW - 100 * DAY), &[]).unwrap(),
            &pki.roots,
            NOW
        ),
        Error::InvalidCertificateSignature {
            certificate: "revocation_list"
        }
    );
    // 3 before 5: a future list with a lower sequence.
    assert_eq!(
        update_refused(&mut held, pki.root_list(1, NOW + DAY, &[]), &pki.roots, NOW),
        Error::CertificateNotYetValid {
            certificate: "revocation_list"
        }
    );
    // 4 before 5: a stale list with a lower sequence.
    assert_eq!(
        update_refused(
            &mut held,
            pki.root_list(1, NOW - 31 * DAY, &[]),
            &pki.roots,
            NOW
        ),
        Error::RevocationListStale { signer: "root" }
    );
    assert_eq!(
        update_refused(
            &mut held,
            pki.issuer_list(1, NOW - 3 * DAY, &[]),
            &pki.roots,
            NOW
        ),
        Error::RevocationListStale { signer: "issuer" }
    );
}

/// `restore` checks the signer and the signature (not the time), then the sequence: a stale
/// list restored keeps its sequence number, so an older list is then refused, and chains still
/// fail as stale until a fresh list arrives.
#[test]
fn a_restored_stale_list_keeps_its_sequence_number() {
    let pki = Pki::new();
    let chain = pki.acme();
    let mut held = Revocations::new();
    assert_eq!(
        held.restore(pki.root_list(5, NOW - 90 * DAY, &[]), &pki.roots),
        Ok(RevocationUpdate::Updated)
    );
    held.update(pki.issuer_list(1, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &held),
        Err(Error::RevocationListStale { signer: "root" })
    );
    assert_eq!(
        update_refused(&mut held, pki.root_list(4, NOW, &[]), &pki.roots, NOW),
        Error::RevocationListRollback { held: 5, found: 4 }
    );
    assert_eq!(
        held.update(pki.root_list(6, NOW, &[]), &pki.roots, t(NOW)),
        Ok(RevocationUpdate::Updated)
    );
    assert!(validate(&chain, &pki.roots, NOW, &held).is_ok());
}

#[test]
fn restore_checks_the_signer_and_signature_but_not_the_time() {
    let pki = Pki::new();
    let mut held = Revocations::new();
    assert_eq!(
        restore_refused(
            &mut held,
            RootKeyPair::from_seed(ROOT_ID, &OTHER_SEED)
                .revoke(1, t(NOW), &[])
                .unwrap(),
            &pki.roots
        ),
        Error::InvalidCertificateSignature {
            certificate: "revocation_list"
        }
    );
    assert_eq!(
        restore_refused(
            &mut held,
            RootKeyPair::from_seed(4, &ROOT_SEED)
                .revoke(1, t(NOW), &[])
                .unwrap(),
            &pki.roots
        ),
        Error::UnknownTrustRoot { key_id: 4 }
    );
    // An issuer whose certificate has expired: restored all the same (its sequence number
    // still counts), but it cannot be updated at now.
    let expired = Pki::with_issuer_window(window(NOW - 400 * DAY, NOW - 300 * DAY));
    let list = expired.issuer_list(3, NOW - 301 * DAY, &[]);
    assert_eq!(
        update_refused(&mut held.clone(), list.clone(), &pki.roots, NOW),
        Error::CertificateExpired {
            certificate: "issuer"
        }
    );
    assert_eq!(
        held.restore(list, &pki.roots),
        Ok(RevocationUpdate::Updated)
    );
    // A list from the future restores too (the time is not checked).
    assert_eq!(
        held.restore(pki.root_list(1, NOW + 100 * DAY, &[]), &pki.roots),
        Ok(RevocationUpdate::Updated)
    );
    // Restore runs step 5 as well.
    assert_eq!(
        restore_refused(&mut held, pki.root_list(0, NOW, &[]), &pki.roots),
        Error::RevocationListRollback { held: 1, found: 0 }
    );
}

/// What an application persists: `lists()`, encoded, decoded and restored into a fresh
/// `Revocations`, is the same holdings.
#[test]
fn held_lists_persist_and_restore() {
    let pki = Pki::new();
    let held = pki.lists_at(NOW);
    let saved: Vec<Vec<u8>> = held.lists().map(RevocationList::encode).collect();
    assert_eq!(saved.len(), 2);
    let mut restored = Revocations::new();
    for bytes in &saved {
        let list = RevocationList::decode(bytes).unwrap();
        assert_eq!(
            restored.restore(list, &pki.roots),
            Ok(RevocationUpdate::Updated)
        );
    }
    assert_eq!(restored, held);
    for bytes in &saved {
        assert_eq!(
            restored.restore(RevocationList::decode(bytes).unwrap(), &pki.roots),
            Ok(RevocationUpdate::AlreadyHeld)
        );
    }
    assert_eq!(restored, held);
    assert!(validate(&pki.acme(), &pki.roots, NOW, &restored).is_ok());
}

/// Renewing an issuer certificate for the same key: the renewed issuer's list replaces the
/// one published under the old certificate (one list per issuer key), revokes chains issued
/// under the old certificate, and an old list from the old certificate is a rollback.
#[test]
fn issuer_renewal_with_the_same_key_shares_the_issuers_list() {
    let pki = Pki::new();
    let old_chain = pki.acme();
    let mut renewal = issuer_template(key_of(&ISSUER_SEED), window(NOW, NOW + 365 * DAY));
    renewal.serial = ISSUER_SERIAL + 1;
    let renewed =
        IssuerKeyPair::from_seed(&ISSUER_SEED, pki.root.certify_issuer(&renewal)).unwrap();
    assert_ne!(renewed.certificate(), pki.issuer.certificate());

    let mut held = Revocations::new();
    held.update(pki.root_list(1, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    held.update(pki.issuer_list(1, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    assert!(validate(&old_chain, &pki.roots, NOW, &held).is_ok());
    assert_eq!(
        held.update(
            renewed.revoke(2, t(NOW), &[BUSINESS_SERIAL]).unwrap(),
            &pki.roots,
            t(NOW)
        ),
        Ok(RevocationUpdate::Updated)
    );
    // One list each for the root and the issuer key, not one per certificate.
    assert_eq!(held.lists().count(), 2);
    assert_eq!(
        validate(&old_chain, &pki.roots, NOW, &held),
        Err(Error::CertificateRevoked {
            certificate: "business",
            serial: BUSINESS_SERIAL
        })
    );
    assert_eq!(
        update_refused(&mut held, pki.issuer_list(1, NOW, &[]), &pki.roots, NOW),
        Error::RevocationListRollback { held: 2, found: 1 }
    );
    // A chain from the renewed certificate uses the same list.
    let mut next = acme(key_of(&BUSINESS_SEED));
    next.serial = BUSINESS_SERIAL + 1;
    next.validity = window(NOW, NOW + DAY);
    let new_chain = renewed.certify_business(&next).unwrap();
    assert!(validate(&new_chain, &pki.roots, NOW, &held).is_ok());
}

// ---------------------------------------------------------------------------------------
// Issuing
// ---------------------------------------------------------------------------------------

#[test]
fn an_issuer_refuses_to_certify_beyond_its_scope() {
    let pki = Pki::new();
    let key = key_of(&BUSINESS_SEED);
    let mut official = acme(key);
    official.level = VerificationLevel::Official;
    assert_eq!(
        pki.issuer.certify_business(&official),
        Err(Error::CertificateOutOfScope { reason: "level" })
    );
    for (from, to) in [
        (ISSUER_FROM - 1, BUSINESS_TO),
        (BUSINESS_FROM, ISSUER_TO + 1),
    ] {
        let mut wide = acme(key);
        wide.validity = window(from, to);
        assert_eq!(
            pki.issuer.certify_business(&wide),
            Err(Error::CertificateOutOfScope { reason: "validity" })
        );
    }
    let mut both = acme(key);
    both.level = VerificationLevel::Official;
    both.validity = window(ISSUER_FROM, ISSUER_TO + 1);
    assert_eq!(
        pki.issuer.certify_business(&both),
        Err(Error::CertificateOutOfScope { reason: "level" })
    );
    let mut edge = acme(key);
    edge.validity = window(ISSUER_FROM, ISSUER_TO);
    assert!(pki.issuer.certify_business(&edge).is_ok());
    // Level sets: never empty, bits 1 to 3.
    assert_eq!(
        LevelSet::new(&[]),
        Err(Error::InvalidCertificate {
            reason: "allowed_levels"
        })
    );
    assert_eq!(
        LevelSet::new(&VerificationLevel::ALL).unwrap().bits(),
        0b1110
    );
    assert_eq!(
        LevelSet::new(&[VerificationLevel::Official])
            .unwrap()
            .bits(),
        0b1000
    );
    for code in [0, 4, u32::MAX] {
        assert_eq!(
            VerificationLevel::from_code(code),
            Err(Error::InvalidCertificate { reason: "level" })
        );
    }
}

#[test]
fn issuing_keys_check_what_they_are_given() {
    let pki = Pki::new();
    // An issuer key pair with a certificate for another key.
    assert_eq!(
        IssuerKeyPair::from_seed(&OTHER_SEED, pki.issuer.certificate().clone()).map(|_| ()),
        Err(Error::IdentityMismatch)
    );
    // Serials not strictly increasing.
    for serials in [&[3u64, 3][..], &[5, 2], &[1, 2, 2]] {
        assert_eq!(
            pki.root.revoke(1, t(NOW), serials).map(|_| ()),
            Err(Error::InvalidCertificate {
                reason: "revoked_serials"
            })
        );
        assert_eq!(
            pki.issuer.revoke(1, t(NOW), serials).map(|_| ()),
            Err(Error::InvalidCertificate {
                reason: "revoked_serials"
            })
        );
    }
    // Two pinned roots with one key id.
    let a = RootKeyPair::from_seed(6, &ROOT_SEED).trust_root();
    let b = TrustRoot::new(6, key_of(&OTHER_SEED));
    assert_eq!(
        TrustRoots::new([a, b]).map(|_| ()),
        Err(Error::InvalidCertificate {
            reason: "duplicate root key id"
        })
    );
    // Keys restore from their seeds and sign the same bytes.
    let root_again = RootKeyPair::from_seed(ROOT_ID, pki.root.to_seed().as_bytes());
    assert_eq!(root_again.trust_root(), pki.root.trust_root());
    assert_eq!(root_again.key_id(), ROOT_ID);
    assert_eq!(
        root_again.certify_issuer(&issuer_template(
            key_of(&ISSUER_SEED),
            window(ISSUER_FROM, ISSUER_TO)
        )),
        *pki.issuer.certificate()
    );
    let issuer_again = IssuerKeyPair::from_seed(
        pki.issuer.to_seed().as_bytes(),
        pki.issuer.certificate().clone(),
    )
    .unwrap();
    assert_eq!(
        issuer_again.certify_business(&acme(key_of(&BUSINESS_SEED))),
        Ok(pki.acme())
    );
    // Debug shows no secret.
    for debug in [format!("{:?}", pki.root), format!("{:?}", pki.issuer)] {
        assert!(debug.contains("<redacted>"), "{debug}");
        for seed in [ROOT_SEED, ISSUER_SEED] {
            assert!(!debug.contains(&hex::encode(seed)), "{debug}");
            let b = seed[0];
            assert!(!debug.contains(&format!("{b}, {b}, {b}")), "{debug}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Display names, SPEC.md 13.3
// ---------------------------------------------------------------------------------------

/// SPEC.md 13.3's table of refused code points, written out again from the spec.
fn refused_class(c: char) -> Option<&'static str> {
    let u = u32::from(c);
    let within = |ranges: &[(u32, u32)]| ranges.iter().any(|&(a, b)| (a..=b).contains(&u));
    if within(&[(0, 0x1f), (0x7f, 0x9f), (0x2028, 0x2029)]) {
        Some("control character")
    } else if within(&[
        (0x061c, 0x061c),
        (0x200e, 0x200f),
        (0x202a, 0x202e),
        (0x2066, 0x2069),
    ]) {
        Some("bidirectional control character")
    } else if within(&common::invisible::INVISIBLE) {
        Some("zero-width or invisible character")
    } else if within(&[(0xe000, 0xf8ff), (0xf0000, 0xffffd), (0x100000, 0x10fffd)]) {
        Some("private-use character")
    } else if within(&[(0xfdd0, 0xfdef)]) || u & 0xffff >= 0xfffe {
        Some("noncharacter")
    } else if !unicode_normalization::char::is_public_assigned(c) {
        // General category Cn in the Unicode tables (hushwire's own: no second route here;
        // the vectors' Python reference checks it with `unicodedata`).
        Some("unassigned character")
    } else {
        None
    }
}

/// Every Unicode scalar value, in a name: a refused one gives its class's reason; any other is
/// accepted, or refused only as a trailing space or as not NFKC (step 3 comes before 4 and 5).
#[test]
fn display_names_refuse_every_class_of_code_point() {
    let mut refused = std::collections::BTreeMap::<&str, usize>::new();
    for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
        let name = format!("A{c}");
        let result = DisplayName::new(&name).map(|_| ());
        match refused_class(c) {
            Some(reason) => {
                assert_eq!(
                    result,
                    Err(Error::InvalidDisplayName { reason }),
                    "U+{:04X}",
                    u32::from(c)
                );
                *refused.entry(reason).or_default() += 1;
            }
            None => assert!(
                matches!(
                    result,
                    Ok(())
                        | Err(Error::InvalidDisplayName {
                            reason: "not in normalization form NFKC"
                                | "leading, trailing or repeated space"
                        })
                ),
                "U+{:04X}: {result:?}",
                u32::from(c)
            ),
        }
    }
    // The sizes of the fixed classes: 32 + 33 + 2, 1 + 2 + 5 + 4, the 26 ranges of the
    // invisible row (4197 code points, 4096 of them tags and their reserved block E0000-E0FFF),
    // 6400 + 65534 + 65534, and 32 + 34 noncharacters. (The unassigned class
    // depends on the Unicode version.)
    refused.remove("unassigned character");
    assert_eq!(
        refused.into_iter().collect::<Vec<_>>(),
        [
            ("bidirectional control character", 12),
            ("control character", 67),
            ("noncharacter", 66),
            ("private-use character", 137_468),
            ("zero-width or invisible character", 4197),
        ]
    );
}

/// The rules of 13.3 in order, first failure returned, with scalar values (not bytes or
/// graphemes) counted.
#[test]
fn display_name_rules_apply_in_order() {
    let reason = |name: &str| match DisplayName::new(name) {
        Err(Error::InvalidDisplayName { reason }) => reason,
        other => panic!("{name:?}: {other:?}"),
    };
    assert_eq!(
        DisplayName::new(""),
        Err(Error::InvalidDisplayName { reason: "empty" })
    );
    assert_eq!(reason(""), "empty");
    // 64 scalar values pass whatever their size in bytes; 65 do not, even with a refused
    // character or a leading space among them (step 2 before 3 and 4).
    for unit in ["a", "é", "東", "🙂"] {
        assert!(DisplayName::new(&unit.repeat(64)).is_ok(), "{unit}");
        assert_eq!(reason(&unit.repeat(65)), "longer than 64 characters");
    }
    assert_eq!(
        reason(&format!("\u{202e}{}", "a".repeat(64))),
        "longer than 64 characters"
    );
    // A two-scalar character counts twice (a letter and a combining mark, not NFKC-composable).
    assert!(DisplayName::new(&"a\u{0336}".repeat(32)).is_ok());
    assert_eq!(
        reason(&format!("a{}", "a\u{0336}".repeat(32))),
        "longer than 64 characters"
    );
    // An emoji with variation selector 16 is refused (the selector is invisible, step 3).
    assert_eq!(
        reason("\u{2764}\u{fe0f}"),
        "zero-width or invisible character"
    );
    // Step 3 scans code points in order, whatever their class; step 4, marks, after 3.
    assert_eq!(reason("A\u{0378}\u{e000}"), "unassigned character");
    assert_eq!(reason("A\u{e000}\u{0378}"), "private-use character");
    assert_eq!(reason("A\u{0378}"), "unassigned character");
    assert_eq!(
        reason("A\u{0336}\u{0336}\u{0336}\u{0336}\u{0378}"),
        "unassigned character"
    );
    assert_eq!(
        reason(" A\u{0336}\u{0336}\u{0336}\u{0336}"),
        "more than 3 combining marks in a row"
    );
    assert!(DisplayName::new("A\u{0336}\u{0336}\u{0336}b\u{0336}\u{0336}\u{0336}").is_ok());
    // Step 3 scans in order: the first refused character decides.
    assert_eq!(reason("A\u{202e}\u{7}"), "bidirectional control character");
    assert_eq!(reason("A\u{7}\u{202e}"), "control character");
    assert_eq!(
        reason("A\u{200b}\u{e000}"),
        "zero-width or invisible character"
    );
    // Step 3 before 4 and 5.
    assert_eq!(reason(" Acme\u{0}"), "control character");
    assert_eq!(reason("\u{ff21}cme\u{fdd0}"), "noncharacter");
    // Step 4: spaces.
    for name in [" Acme", "Acme ", "Acme  Shoes", " ", "  "] {
        assert_eq!(
            reason(name),
            "leading, trailing or repeated space",
            "{name:?}"
        );
    }
    // Step 4 before 5.
    assert_eq!(
        reason(" \u{ff21}cme"),
        "leading, trailing or repeated space"
    );
    // Step 5: compatibility forms, decomposed accents and other spaces.
    for name in [
        "\u{ff21}cme",          // fullwidth A
        "\u{1d400}cme",         // mathematical bold A
        "\u{fb01}ne Shoes",     // the "fi" ligature
        "Cafe\u{301}",          // e + combining acute
        "Acme\u{a0}Shoes",      // no-break space
        "Acme\u{2003}Shoes",    // em space
        "Acme\u{3000}Shoes",    // ideographic space
        "Acme\u{b2}",           // superscript two
        "\u{212b}ngstr\u{f6}m", // the Angstrom sign
    ] {
        assert_eq!(reason(name), "not in normalization form NFKC", "{name:?}");
    }
    for name in [
        "Acme Shoes",
        "Café Zürich",
        "Ångström",
        "東京スシ",
        "Ünïcødé & Co.",
    ] {
        assert_eq!(DisplayName::new(name).unwrap().as_str(), name);
    }
}

/// An issuer normalizes the requested name to NFKC (13.2, "Issuing"), a verifier does not:
/// the certified body carries the normalized bytes.
#[test]
fn issuers_normalize_display_names_to_nfkc() {
    for (asked, certified) in [
        ("\u{ff21}\u{ff43}\u{ff4d}\u{ff45} Shoes", "Acme Shoes"),
        ("\u{fb01}ne Shoes", "fine Shoes"),
        ("Cafe\u{301} Z\u{fc}rich", "Café Zürich"),
        ("Acme\u{a0}Shoes", "Acme Shoes"),
        ("Acme\u{3000}Shoes", "Acme Shoes"),
        ("\u{212b}ngstr\u{f6}m", "\u{c5}ngstr\u{f6}m"),
        ("Acme Shoes", "Acme Shoes"),
    ] {
        let name = DisplayName::normalize(asked).unwrap();
        assert_eq!(name.as_str(), certified, "{asked:?}");
        // The normalized name passes the verifier's check as it is.
        assert_eq!(DisplayName::new(certified), Ok(name.clone()));
        if asked != certified {
            assert_eq!(
                DisplayName::new(asked),
                Err(Error::InvalidDisplayName {
                    reason: "not in normalization form NFKC"
                })
            );
        }
    }
    // Normalizing can make a name break another rule: no-break spaces becoming two spaces,
    // or a trailing one; and it never launders a refused character.
    for (asked, reason) in [
        (
            "Acme\u{a0}\u{a0}Shoes",
            "leading, trailing or repeated space",
        ),
        ("Acme\u{2002}", "leading, trailing or repeated space"),
        ("Acme\u{202e}", "bidirectional control character"),
        ("Ac\u{200d}me", "zero-width or invisible character"),
        ("", "empty"),
    ] {
        assert_eq!(
            DisplayName::normalize(asked),
            Err(Error::InvalidDisplayName { reason }),
            "{asked:?}"
        );
    }
    // Through the issuer: the certified body holds the NFKC bytes.
    let pki = Pki::new();
    let mut template = acme(key_of(&BUSINESS_SEED));
    template.display_name = DisplayName::normalize("\u{ff21}cme Cafe\u{301}").unwrap();
    let chain = pki.chain(&template);
    assert_eq!(
        business_body(&chain_pb(&chain)).display_name.as_bytes(),
        "Acme Café".as_bytes()
    );
    let business = validate(&chain, &pki.roots, NOW, &pki.lists_at(NOW)).unwrap();
    assert_eq!(business.display_name().to_string(), "Acme Café");
}

// ---------------------------------------------------------------------------------------
// Bundles and sessions, SPEC.md 13.5
// ---------------------------------------------------------------------------------------

/// Bob the responder as a verified business: his bundle with his chain attached, encoded.
struct Shop {
    pki: Pki,
    bob: Responder,
    chain: BusinessCertificateIn,
    business: VerifiedBusiness,
    wire: Vec<u8>,
}

fn shop(seed: u64) -> Shop {
    let pki = Pki::new();
    let mut r = rng(seed);
    let bob = responder(&mut r, true);
    let chain = pki.chain(&acme(*bob.identity.public_key()));
    let business = validate(&chain, &pki.roots, NOW, &pki.lists_at(NOW)).unwrap();
    let wire = bob
        .bundle
        .clone()
        .with_business_certificate(chain.clone())
        .unwrap()
        .encode();
    Shop {
        pki,
        bob,
        chain,
        business,
        wire,
    }
}

#[test]
fn a_chain_for_another_key_is_refused_in_a_bundle() {
    let shop = shop(1);
    // Attaching: the chain certifies BUSINESS_SEED's key, not Bob's.
    assert_eq!(
        shop.bob
            .bundle
            .clone()
            .with_business_certificate(shop.pki.acme())
            .map(|_| ()),
        Err(Error::IdentityMismatch)
    );
    // Received: a bundle carrying another key's (valid) chain.
    let mut bundle = pb::PreKeyBundle::decode(shop.wire.as_slice()).unwrap();
    bundle.business_certificate = Some(chain_pb(&shop.pki.acme()));
    let bytes = bundle.encode_to_vec();
    let lists = shop.pki.lists_at(NOW);
    assert_eq!(
        PreKeyBundleIn::decode(&bytes, &config())
            .unwrap()
            .validate_business(&shop.pki.roots, t(NOW), &lists)
            .map(|_| ()),
        Err(Error::IdentityMismatch)
    );
    // The chain alone still validates: the mismatch is the bundle's.
    assert!(validate(&shop.pki.acme(), &shop.pki.roots, NOW, &lists).is_ok());
}

#[test]
fn a_business_bundle_starts_a_session_that_records_the_business() {
    let mut shop = shop(2);
    let mut r = rng(102);
    // The bundle on the wire holds the chain as field 5, byte for byte.
    let wire_bundle = pb::PreKeyBundle::decode(shop.wire.as_slice()).unwrap();
    assert_eq!(
        wire_bundle.business_certificate,
        Some(chain_pb(&shop.chain))
    );
    let lists = shop.pki.lists_at(NOW);
    let bundle = PreKeyBundleIn::decode(&shop.wire, &config())
        .unwrap()
        .validate_business(&shop.pki.roots, t(NOW), &lists)
        .unwrap();
    assert_eq!(bundle.business(), Some(&shop.business));
    assert_eq!(bundle.business_certificate(), Some(&shop.chain));
    assert_eq!(bundle.encode(), shop.wire);

    let alice = IdentityKeyPair::generate(&mut r);
    let mut session = Session::initiate(&mut r, &alice, &bundle, &config()).unwrap();
    assert_eq!(session.their_business(), Some(&shop.business));
    // Stored and loaded, before and after the first reply.
    let stored = session.to_stored();
    let loaded = Session::from_stored(stored.as_bytes(), &config()).unwrap();
    assert_eq!(loaded.their_business(), Some(&shop.business));
    assert_eq!(loaded.to_stored().as_bytes(), stored.as_bytes());

    let first = prekey(session.encrypt(b"hello Acme").unwrap());
    let (at_shop, plaintext) = Session::accept_with_store(
        &mut r,
        &shop.bob.identity,
        &mut shop.bob.store,
        &first,
        &config(),
    )
    .unwrap();
    assert_eq!(plaintext, b"hello Acme");
    // The responder never records a business (its customers have no certificate).
    assert_eq!(at_shop.their_business(), None);
    let at_shop = Session::from_stored(at_shop.to_stored().as_bytes(), &config()).unwrap();
    assert_eq!(at_shop.their_business(), None);
    assert!(state_of(&at_shop).peer_business.is_none());
    let mut at_shop = at_shop;
    let reply = at_shop.encrypt(b"welcome").unwrap();
    assert_eq!(session.decrypt(&mut r, &reply).unwrap(), b"welcome");
    let loaded = Session::from_stored(session.to_stored().as_bytes(), &config()).unwrap();
    assert_eq!(loaded.their_business(), Some(&shop.business));

    // Second route: field 13 as the prost types read it.
    assert_eq!(
        state_of(&loaded).peer_business,
        Some(pb::BusinessIdentity {
            business_id: "acme-shoes".into(),
            display_name: "Acme Shoes".into(),
            level: 2,
            phone_number: "+14155550123".into(),
            website: "https://acme.example/shoes".into(),
            serial: BUSINESS_SERIAL,
            not_after: BUSINESS_TO,
            root_key_id: ROOT_ID,
            issuer_key: key_of(&ISSUER_SEED).to_bytes().to_vec(),
            not_before: BUSINESS_FROM,
            // How it is computed is checked by the vectors (both routes) and
            // `fresh_until_is_the_earliest_deadline`.
            fresh_until: shop.business.fresh_until().as_unix_seconds(),
        })
    );
}

#[test]
fn validate_keeps_the_chain_but_verifies_no_business() {
    let shop = shop(3);
    let mut r = rng(103);
    let bundle = PreKeyBundleIn::decode(&shop.wire, &config())
        .unwrap()
        .validate()
        .unwrap();
    assert_eq!(bundle.business(), None);
    assert_eq!(bundle.business_certificate(), Some(&shop.chain));
    assert_eq!(bundle.encode(), shop.wire);
    let alice = IdentityKeyPair::generate(&mut r);
    let session = Session::initiate(&mut r, &alice, &bundle, &config()).unwrap();
    assert_eq!(session.their_business(), None);
    assert!(state_of(&session).peer_business.is_none());
    // A bundle without a chain validates with none under validate_business too.
    let plain = PreKeyBundleIn::decode(&shop.bob.bundle_bytes, &config())
        .unwrap()
        .validate_business(&shop.pki.roots, t(NOW), &Revocations::new())
        .unwrap();
    assert_eq!(
        (plain.business(), plain.business_certificate()),
        (None, None)
    );
}

#[test]
fn validate_business_refuses_what_the_chain_or_bundle_fails() {
    let shop = shop(4);
    let lists = shop.pki.lists_at(NOW);
    let run = |bytes: &[u8], lists: &Revocations, now: u64| {
        PreKeyBundleIn::decode(bytes, &config())
            .unwrap()
            .validate_business(&shop.pki.roots, t(now), lists)
            .map(|_| ())
    };
    assert_eq!(run(&shop.wire, &lists, NOW), Ok(()));
    assert_eq!(
        run(&shop.wire, &Revocations::new(), NOW),
        Err(Error::RevocationListStale { signer: "root" })
    );
    assert_eq!(
        run(&shop.wire, &lists, BUSINESS_TO + SKEW + 1),
        Err(Error::CertificateExpired {
            certificate: "business"
        })
    );
    // The bundle's own signature is checked first (step 8), then the chain.
    let mut bundle = pb::PreKeyBundle::decode(shop.wire.as_slice()).unwrap();
    bundle.signed_prekey.as_mut().unwrap().signature[0] ^= 1;
    assert_eq!(
        run(&bundle.encode_to_vec(), &Revocations::new(), NOW),
        Err(Error::InvalidSignature)
    );
    // A PreKeyBundle built locally with a chain is not verified either.
    let local: PreKeyBundle = shop
        .bob
        .bundle
        .clone()
        .with_business_certificate(shop.chain.clone())
        .unwrap();
    assert_eq!(local.business(), None);
}

/// The initiator's stored session with `edit` applied to its `peer_business`, sealed.
fn business_state(edit: impl FnOnce(&mut pb::SessionState)) -> Vec<u8> {
    let shop = shop(5);
    let mut r = rng(105);
    let lists = shop.pki.lists_at(NOW);
    let bundle = PreKeyBundleIn::decode(&shop.wire, &config())
        .unwrap()
        .validate_business(&shop.pki.roots, t(NOW), &lists)
        .unwrap();
    let alice = IdentityKeyPair::generate(&mut r);
    let session = Session::initiate(&mut r, &alice, &bundle, &config()).unwrap();
    let mut state = state_of(&session);
    edit(&mut state);
    seal(&state.encode_to_vec())
}

fn state_of(session: &Session) -> pb::SessionState {
    pb::SessionState::decode(unseal(session.to_stored().as_bytes())).unwrap()
}

fn load(bytes: &[u8]) -> Result<Session, Error> {
    Session::from_stored(bytes, &config())
}

#[test]
fn a_stored_business_on_a_responder_is_refused() {
    let mut shop = shop(6);
    let mut r = rng(106);
    let lists = shop.pki.lists_at(NOW);
    let bundle = PreKeyBundleIn::decode(&shop.wire, &config())
        .unwrap()
        .validate_business(&shop.pki.roots, t(NOW), &lists)
        .unwrap();
    let alice = IdentityKeyPair::generate(&mut r);
    let mut session = Session::initiate(&mut r, &alice, &bundle, &config()).unwrap();
    let first = prekey(session.encrypt(b"hi").unwrap());
    let (at_shop, _) = Session::accept_with_store(
        &mut r,
        &shop.bob.identity,
        &mut shop.bob.store,
        &first,
        &config(),
    )
    .unwrap();
    let mut state = state_of(&at_shop);
    assert!(load(&seal(&state.encode_to_vec())).is_ok());
    state.peer_business = state_of(&session).peer_business.clone();
    assert!(state.peer_business.is_some());
    assert_eq!(
        load(&seal(&state.encode_to_vec())).map(|_| ()),
        Err(Error::InvalidSessionState)
    );
}

#[test]
fn a_stored_business_with_a_bad_field_is_refused() {
    assert!(load(&business_state(|_| {})).is_ok());
    type Edit = fn(&mut pb::BusinessIdentity);
    let edits: [(&str, Edit); 14] = [
        ("display name with a bidi override", |b| {
            b.display_name = "Acme\u{202e}".into()
        }),
        ("display name not NFKC", |b| {
            b.display_name = "\u{ff21}cme".into()
        }),
        ("empty display name", |b| b.display_name = String::new()),
        ("empty business id", |b| b.business_id = String::new()),
        ("business id with capitals", |b| {
            b.business_id = "Acme".into()
        }),
        ("business id of 65 bytes", |b| {
            b.business_id = "a".repeat(65)
        }),
        ("level 0", |b| b.level = 0),
        ("level 4", |b| b.level = 4),
        ("window inverted", |b| b.not_before = b.not_after + 1),
        ("phone number without +", |b| {
            b.phone_number = "14155550123".into()
        }),
        ("website over http", |b| {
            b.website = "http://acme.example".into()
        }),
        ("issuer key of 31 bytes", |b| b.issuer_key.truncate(31)),
        ("issuer key of low order", |b| {
            b.issuer_key = [vec![1u8], vec![0; 31]].concat()
        }),
        ("no issuer key", |b| b.issuer_key.clear()),
    ];
    for (what, edit) in edits {
        let bytes = business_state(|state| edit(state.peer_business.as_mut().unwrap()));
        assert_eq!(
            load(&bytes).map(|_| ()),
            Err(Error::InvalidSessionState),
            "{what}"
        );
    }
    // Contact details may be absent, and any serial, root key id or window (not checked
    // against the clock on load) is kept.
    let bytes = business_state(|state| {
        let b = state.peer_business.as_mut().unwrap();
        b.phone_number.clear();
        b.website.clear();
        b.serial = u64::MAX;
        b.root_key_id = 0;
        b.not_before = 0;
        b.not_after = 0;
    });
    let business = load(&bytes).unwrap().their_business().cloned().unwrap();
    assert_eq!((business.phone_number(), business.website()), (None, None));
    assert_eq!(
        (
            business.serial(),
            business.root_key_id(),
            business.valid_until()
        ),
        (u64::MAX, 0, t(0))
    );
}

// ---------------------------------------------------------------------------------------
// Trust on first use, SPEC.md 13.6
// ---------------------------------------------------------------------------------------

/// The verified business Acme Shoes (or `business_id`) for the key of `seed`, serial `serial`.
fn verified(seed: &[u8; 32], business_id: &str, serial: u64) -> VerifiedBusiness {
    let pki = Pki::new();
    let mut template = acme(key_of(seed));
    template.business_id = BusinessId::new(business_id).unwrap();
    template.serial = serial;
    validate(&pki.chain(&template), &pki.roots, NOW, &pki.lists_at(NOW)).unwrap()
}

fn store_bytes(tofu: &TrustOnFirstUse<InMemoryTrustStore>, peer: &AccountId) -> Option<Vec<u8>> {
    tofu.record(peer).unwrap().map(|r| r.to_bytes())
}

#[test]
fn a_first_sighting_with_a_business_binds_the_record() {
    let acme_shoes = verified(&BUSINESS_SEED, "acme-shoes", 42);
    let peer = id("acme");
    // The pure decision.
    let Observation::New(record) = observe_business_identity(
        &peer,
        None,
        &key_of(&BUSINESS_SEED),
        Some(&acme_shoes),
        t(NOW),
    ) else {
        panic!("not New")
    };
    assert_eq!(
        record.business().map(BusinessId::as_str),
        Some("acme-shoes")
    );
    assert_eq!(record.identity(), &key_of(&BUSINESS_SEED));
    assert_eq!(record.level(), TrustLevel::Unverified);
    // A business whose key is not the one seen counts as none.
    let Observation::New(unbound) =
        observe_business_identity(&peer, None, &key_of(&OTHER_SEED), Some(&acme_shoes), t(NOW))
    else {
        panic!("not New")
    };
    assert_eq!(unbound.business(), None);
    // Through the store.
    let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());
    assert_eq!(tofu.observe_business(&peer, &acme_shoes, t(NOW)), Ok(None));
    assert_eq!(tofu.record(&peer).unwrap(), Some(record));
    let other = id("other");
    assert_eq!(
        tofu.check_send_business(&other, &acme_shoes, t(NOW)),
        Ok(None)
    );
    assert_eq!(
        tofu.record(&other)
            .unwrap()
            .unwrap()
            .business()
            .map(BusinessId::as_str),
        Some("acme-shoes")
    );
}

#[test]
fn the_same_key_with_a_business_binds_an_unbound_record() {
    let acme_shoes = verified(&BUSINESS_SEED, "acme-shoes", 42);
    let peer = id("acme");
    let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());
    assert_eq!(
        tofu.observe(&peer, &key_of(&BUSINESS_SEED), t(NOW)),
        Ok(None)
    );
    let unbound = tofu.record(&peer).unwrap().unwrap();
    assert_eq!(unbound.business(), None);
    let Observation::Bound(bound) = observe_business_identity(
        &peer,
        Some(&unbound),
        &key_of(&BUSINESS_SEED),
        Some(&acme_shoes),
        t(NOW + 10),
    ) else {
        panic!("not Bound")
    };
    // Only the binding changes: key, first sighting and level stay.
    assert_eq!(bound.business().map(BusinessId::as_str), Some("acme-shoes"));
    assert_eq!(
        (bound.identity(), bound.first_seen(), bound.level()),
        (unbound.identity(), unbound.first_seen(), unbound.level())
    );
    assert_eq!(
        tofu.observe_business(&peer, &acme_shoes, t(NOW + 10)),
        Ok(None)
    );
    assert_eq!(tofu.record(&peer).unwrap(), Some(bound.clone()));
    // Seeing it again, with or without the certificate, changes nothing.
    assert_eq!(
        observe_business_identity(
            &peer,
            Some(&bound),
            &key_of(&BUSINESS_SEED),
            Some(&acme_shoes),
            t(NOW + 20)
        ),
        Observation::Unchanged
    );
    assert_eq!(
        observe_identity(&peer, Some(&bound), &key_of(&BUSINESS_SEED), t(NOW + 20)),
        Observation::Unchanged
    );
    assert_eq!(
        tofu.check_send(&peer, &key_of(&BUSINESS_SEED), t(NOW + 20)),
        Ok(None)
    );
}

#[test]
fn a_bound_key_change_without_a_certificate_is_refused_under_both_policies() {
    let acme_shoes = verified(&BUSINESS_SEED, "acme-shoes", 42);
    let peer = id("acme");
    let new_key = key_of(&OTHER_SEED);
    for policy in [
        KeyChangePolicy::HoldUntilAcknowledged,
        KeyChangePolicy::WarnOnly,
    ] {
        let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), policy);
        tofu.observe_business(&peer, &acme_shoes, t(NOW)).unwrap();
        let before = store_bytes(&tofu, &peer);
        assert_eq!(
            tofu.observe(&peer, &new_key, t(NOW + 1)),
            Err(Error::BusinessKeyChangeRefused)
        );
        assert_eq!(store_bytes(&tofu, &peer), before, "{policy:?}");
        assert_eq!(
            tofu.check_send(&peer, &new_key, t(NOW + 1)),
            Err(Error::BusinessKeyChangeRefused)
        );
        assert_eq!(store_bytes(&tofu, &peer), before, "{policy:?}");
        assert_eq!(tofu.pending_change(&peer), Ok(None));
        // The pure decision says so too.
        let record = tofu.record(&peer).unwrap().unwrap();
        assert_eq!(
            observe_identity(&peer, Some(&record), &new_key, t(NOW + 1)),
            Observation::Refused
        );
        // The old key is still fine.
        assert_eq!(
            tofu.check_send(&peer, &key_of(&BUSINESS_SEED), t(NOW + 2)),
            Ok(None)
        );
    }
}

#[test]
fn a_bound_key_change_with_a_certificate_for_the_same_business_is_an_ordinary_change() {
    let old = verified(&BUSINESS_SEED, "acme-shoes", 42);
    let new = verified(&OTHER_SEED, "acme-shoes", 43);
    let peer = id("acme");
    let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());
    tofu.observe_business(&peer, &old, t(NOW)).unwrap();
    // Under the default policy: the change is recorded and sending held until acknowledged.
    assert_eq!(
        tofu.check_send_business(&peer, &new, t(NOW + 5)),
        Err(Error::IdentityChanged {
            was_verified: false
        })
    );
    let change = tofu.pending_change(&peer).unwrap().unwrap();
    assert_eq!(
        (
            change.previous,
            change.new,
            change.was_verified,
            change.seen_at
        ),
        (
            key_of(&BUSINESS_SEED),
            key_of(&OTHER_SEED),
            false,
            t(NOW + 5)
        )
    );
    let record = tofu.record(&peer).unwrap().unwrap();
    assert_eq!(
        record.business().map(BusinessId::as_str),
        Some("acme-shoes")
    );
    assert_eq!(
        record.level(),
        TrustLevel::Changed {
            previous: key_of(&BUSINESS_SEED),
            previous_was_verified: false
        }
    );
    assert_eq!(
        tofu.check_send(&peer, &key_of(&OTHER_SEED), t(NOW + 6)),
        Err(Error::IdentityChanged {
            was_verified: false
        })
    );
    tofu.acknowledge(&peer, &key_of(&OTHER_SEED)).unwrap();
    assert_eq!(
        tofu.check_send(&peer, &key_of(&OTHER_SEED), t(NOW + 7)),
        Ok(None)
    );
    // Now the old key, without a certificate, is the refused one.
    assert_eq!(
        tofu.observe(&peer, &key_of(&BUSINESS_SEED), t(NOW + 8)),
        Err(Error::BusinessKeyChangeRefused)
    );

    // Under WarnOnly: the event is returned and sending goes on.
    let warn = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::WarnOnly);
    warn.observe_business(&peer, &old, t(NOW)).unwrap();
    let change = warn
        .check_send_business(&peer, &new, t(NOW + 5))
        .unwrap()
        .unwrap();
    assert_eq!(
        (change.previous, change.new),
        (key_of(&BUSINESS_SEED), key_of(&OTHER_SEED))
    );
    // The pure decision: a Changed record bound to the same business.
    let Observation::Changed { record, .. } = observe_business_identity(
        &peer,
        Some(&TrustRecord::from_bytes(&store_bytes(&tofu, &peer).unwrap()).unwrap()),
        &key_of(&BUSINESS_SEED),
        Some(&old),
        t(NOW + 9),
    ) else {
        panic!("not Changed")
    };
    assert_eq!(
        record.business().map(BusinessId::as_str),
        Some("acme-shoes")
    );
}

/// An unbound record whose key changes with a certificate: an ordinary change, and the new
/// record is bound to the business shown.
#[test]
fn an_unbound_key_change_with_a_certificate_binds_the_new_record() {
    let new = verified(&OTHER_SEED, "acme-shoes", 43);
    let peer = id("acme");
    let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::WarnOnly);
    tofu.observe(&peer, &key_of(&BUSINESS_SEED), t(NOW))
        .unwrap();
    let change = tofu
        .observe_business(&peer, &new, t(NOW + 1))
        .unwrap()
        .unwrap();
    assert_eq!(change.new, key_of(&OTHER_SEED));
    assert_eq!(
        tofu.record(&peer)
            .unwrap()
            .unwrap()
            .business()
            .map(BusinessId::as_str),
        Some("acme-shoes")
    );
}

#[test]
fn a_certificate_for_another_business_is_refused() {
    let acme_shoes = verified(&BUSINESS_SEED, "acme-shoes", 42);
    let peer = id("acme");
    for policy in [
        KeyChangePolicy::HoldUntilAcknowledged,
        KeyChangePolicy::WarnOnly,
    ] {
        let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), policy);
        tofu.observe_business(&peer, &acme_shoes, t(NOW)).unwrap();
        let before = store_bytes(&tofu, &peer);
        // A new key certified for another business.
        let impostor = verified(&OTHER_SEED, "acme-shoes-outlet", 44);
        assert_eq!(
            tofu.observe_business(&peer, &impostor, t(NOW + 1)),
            Err(Error::BusinessKeyChangeRefused)
        );
        assert_eq!(
            tofu.check_send_business(&peer, &impostor, t(NOW + 1)),
            Err(Error::BusinessKeyChangeRefused)
        );
        // The same key certified for another business.
        let renamed = verified(&BUSINESS_SEED, "acme-shoes-outlet", 45);
        assert_eq!(
            tofu.observe_business(&peer, &renamed, t(NOW + 1)),
            Err(Error::BusinessKeyChangeRefused)
        );
        assert_eq!(
            tofu.check_send_business(&peer, &renamed, t(NOW + 1)),
            Err(Error::BusinessKeyChangeRefused)
        );
        assert_eq!(store_bytes(&tofu, &peer), before, "{policy:?}");
    }
}

#[test]
fn trust_records_with_a_business_id_round_trip() {
    let peer = id("acme");
    let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::WarnOnly);
    let longest = "a".repeat(64);
    let business = verified(&BUSINESS_SEED, &longest, 42);
    tofu.observe_business(&peer, &business, t(NOW)).unwrap();
    tofu.observe_business(&peer, &verified(&OTHER_SEED, &longest, 43), t(NOW + 1))
        .unwrap();
    let record = tofu.record(&peer).unwrap().unwrap();
    assert!(matches!(record.level(), TrustLevel::Changed { .. }));
    let bytes = record.to_bytes();
    assert_eq!(TrustRecord::from_bytes(&bytes), Ok(record.clone()));
    // Second route: field 7 as the prost types read it, last on the wire (tag 0x3a).
    let wire = pb::TrustRecord::decode(bytes.as_slice()).unwrap();
    assert_eq!(wire.business_id, longest);
    assert!(bytes.ends_with(&[[0x3a, 64].as_slice(), longest.as_bytes()].concat()));
    // The largest record fits the decoder's 256 bytes.
    assert!(
        bytes.len() <= hushwire::MAX_TRUST_RECORD_LEN,
        "{}",
        bytes.len()
    );
    // An unbound record has no field 7.
    let unbound = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::WarnOnly);
    unbound
        .observe(&peer, &key_of(&BUSINESS_SEED), t(NOW))
        .unwrap();
    let wire = pb::TrustRecord::decode(
        unbound
            .record(&peer)
            .unwrap()
            .unwrap()
            .to_bytes()
            .as_slice(),
    )
    .unwrap();
    assert_eq!(wire.business_id, "");
}

#[test]
fn a_bad_business_id_in_a_stored_record_is_refused() {
    let tofu = TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::WarnOnly);
    let peer = id("acme");
    tofu.observe_business(&peer, &verified(&BUSINESS_SEED, "acme-shoes", 42), t(NOW))
        .unwrap();
    let good = pb::TrustRecord::decode(tofu.record(&peer).unwrap().unwrap().to_bytes().as_slice())
        .unwrap();
    for bad in [
        "Acme",
        "acme shoes",
        "acmé",
        "acme/shoes",
        &"a".repeat(65),
        "\u{0}",
    ] {
        let mut record = good.clone();
        record.business_id = bad.into();
        assert_eq!(
            TrustRecord::from_bytes(&record.encode_to_vec()),
            Err(Error::InvalidTrustRecord),
            "{bad:?}"
        );
    }
    for fine in ["a", "0._-z", &"z".repeat(64)] {
        let mut record = good.clone();
        record.business_id = fine.into();
        assert_eq!(
            TrustRecord::from_bytes(&record.encode_to_vec())
                .unwrap()
                .business()
                .map(BusinessId::as_str),
            Some(fine)
        );
    }
}

// ---------------------------------------------------------------------------------------
// From the security review: issuer binding, freshness, root lists keyed by key
// ---------------------------------------------------------------------------------------

/// A business certificate is valid only under the issuer certificate it was issued under
/// (SPEC.md 13.4 step 5): revoking that issuer certificate cannot be escaped by pairing the
/// business certificate with another certificate of the same issuer key, nor can a wider scope
/// of an older certificate be borrowed.
#[test]
fn a_business_certificate_is_bound_to_its_issuer_certificate() {
    let pki = Pki::new();
    let chain = pki.acme(); // issued under serial ISSUER_SERIAL
    // A second certificate for the same issuer key, serial 8, also allowing level 3.
    let mut wider = issuer_template(key_of(&ISSUER_SEED), window(ISSUER_FROM, ISSUER_TO));
    wider.serial = 8;
    wider.allowed_levels = LevelSet::from_bits(0b1110).unwrap();
    let other = pki.root.certify_issuer(&wider);
    // Swap the issuer certificate in the chain (both are signed by the root).
    let mut wire = pb::CertificateChain::decode(chain.encode().as_slice()).unwrap();
    wire.issuer = Some(pb::IssuerCertificate::decode(other.encode().as_slice()).unwrap());
    let swapped = BusinessCertificateIn::decode(&wire.encode_to_vec()).unwrap();
    // The root revokes serial 7; the swapped chain does not escape it.
    let mut lists = Revocations::new();
    lists
        .update(pki.root_list(1, NOW, &[ISSUER_SERIAL]), &pki.roots, t(NOW))
        .unwrap();
    lists
        .update(pki.issuer_list(1, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    assert_eq!(
        swapped.validate(&pki.roots, t(NOW), &lists),
        Err(Error::CertificateOutOfScope { reason: "issuer" })
    );
    assert_eq!(
        validate(&chain, &pki.roots, NOW, &lists),
        Err(Error::CertificateRevoked {
            certificate: "issuer",
            serial: ISSUER_SERIAL
        })
    );
    // By hand: field 11 of the business body is the id of the issuer certificate it was
    // issued under, not of the one swapped in.
    let original = pb::CertificateChain::decode(chain.encode().as_slice()).unwrap();
    let body = pb::BusinessCertificateBody::decode(wire.business.as_ref().unwrap().body.as_slice())
        .unwrap();
    assert_eq!(body.issuer_certificate_id, issuer_id_by_hand(&original));
    assert_ne!(body.issuer_certificate_id, issuer_id_by_hand(&wire));
}

/// `fresh_until` is the earliest of the four deadlines of SPEC.md 13.4, each computed here by
/// hand from the fixture's values; trust on first use stops counting the business after it.
#[test]
fn fresh_until_is_the_earliest_deadline() {
    let pki = Pki::new();
    let policy = CertificatePolicy::default();
    // Root list 20 days old, issuer list 1 hour old; the business certificate ends first
    // (NOW + 1 day + skew, before the issuer list's NOW - 1 hour + 48 hours).
    let mut lists = Revocations::new();
    lists
        .update(pki.root_list(1, NOW - 20 * DAY, &[]), &pki.roots, t(NOW))
        .unwrap();
    lists
        .update(pki.issuer_list(1, NOW - 3600, &[]), &pki.roots, t(NOW))
        .unwrap();
    let business = validate(&pki.acme(), &pki.roots, NOW, &lists).unwrap();
    let deadlines = [
        BUSINESS_TO + SKEW,
        ISSUER_TO + SKEW,
        NOW - 20 * DAY + policy.max_root_list_age_seconds,
        NOW - 3600 + policy.max_issuer_list_age_seconds,
    ];
    assert_eq!(business.fresh_until(), t(*deadlines.iter().min().unwrap()));
    assert_eq!(business.fresh_until(), t(BUSINESS_TO + SKEW));
    // A long-lived certificate: the issuer list's age decides.
    let mut long = acme(key_of(&BUSINESS_SEED));
    long.validity = window(BUSINESS_FROM, NOW + 100 * DAY);
    let business = validate(&pki.chain(&long), &pki.roots, NOW, &lists).unwrap();
    assert_eq!(business.fresh_until(), t(NOW - 3600 + 2 * DAY));
    assert!(business.is_fresh_at(t(NOW - 3600 + 2 * DAY)));
    assert!(!business.is_fresh_at(t(NOW - 3600 + 2 * DAY + 1)));

    // Trust: a bound peer's new key with this (long-lived) chain is a change while fresh,
    // refused after.
    let new_key = business.identity_key();
    let record = TrustRecord::from_bytes(
        &pb::TrustRecord {
            version: 1,
            identity_key: key_of(&OTHER_SEED).to_bytes().to_vec(),
            first_seen: NOW - 30 * DAY,
            level: Some(pb::trust_record::Level::Unverified(pb::TrustUnverified {})),
            business_id: "acme-shoes".into(),
        }
        .encode_to_vec(),
    )
    .unwrap();
    let peer = id("acme");
    assert!(matches!(
        observe_business_identity(
            &peer,
            Some(&record),
            new_key,
            Some(&business),
            business.fresh_until()
        ),
        Observation::Changed { .. }
    ));
    let later = t(business.fresh_until().as_unix_seconds() + 1);
    assert_eq!(
        observe_business_identity(&peer, Some(&record), new_key, Some(&business), later),
        Observation::Refused
    );
    // A stale business still refuses: a chain for the record's key naming another business
    // (SPEC.md 13.6) is refused fresh or stale.
    let mut impostor = acme(*new_key);
    impostor.business_id = BusinessId::new("evil-corp").unwrap();
    impostor.validity = window(BUSINESS_FROM, NOW + 100 * DAY);
    let impostor = validate(&pki.chain(&impostor), &pki.roots, NOW, &lists).unwrap();
    let bound_to_new = TrustRecord::from_bytes(
        &pb::TrustRecord {
            version: 1,
            identity_key: new_key.to_bytes().to_vec(),
            first_seen: NOW - 30 * DAY,
            level: Some(pb::trust_record::Level::Unverified(pb::TrustUnverified {})),
            business_id: "acme-shoes".into(),
        }
        .encode_to_vec(),
    )
    .unwrap();
    for at in [t(NOW), later] {
        assert_eq!(
            observe_business_identity(&peer, Some(&bound_to_new), new_key, Some(&impostor), at),
            Observation::Refused
        );
    }
    // A stale business binds nothing: an unbound record stays unbound.
    let unbound = TrustRecord::from_bytes(
        &pb::TrustRecord {
            business_id: String::new(),
            ..pb::TrustRecord::decode(bound_to_new.to_bytes().as_slice()).unwrap()
        }
        .encode_to_vec(),
    )
    .unwrap();
    assert_eq!(
        observe_business_identity(&peer, Some(&unbound), new_key, Some(&business), later),
        Observation::Unchanged
    );
    // The same through TrustOnFirstUse, under both policies: refused, nothing stored.
    for policy in [
        KeyChangePolicy::HoldUntilAcknowledged,
        KeyChangePolicy::WarnOnly,
    ] {
        let trust = TrustOnFirstUse::new(InMemoryTrustStore::new(), policy);
        hushwire::TrustStore::save(trust.store(), &peer, &record).unwrap();
        assert_eq!(
            trust.check_send_business(&peer, &business, later),
            Err(Error::BusinessKeyChangeRefused)
        );
        assert_eq!(trust.record(&peer), Ok(Some(record.clone())));
        assert!(
            trust
                .observe_business(&peer, &business, business.fresh_until())
                .is_ok()
        );
    }
}

/// A root's list is held under the root's key id and key: once the app pins another key under
/// that id, the old root's list no longer counts (SPEC.md 13.4).
#[test]
fn a_root_list_counts_only_for_the_key_that_signed_it() {
    let pki = Pki::new();
    let mut lists = pki.lists_at(NOW);
    assert!(validate(&pki.acme(), &pki.roots, NOW, &lists).is_ok());
    // The app now pins a new root under the same key id 1; the issuer is re-certified by it.
    let new_root = RootKeyPair::from_seed(ROOT_ID, &[0x5a; 32]);
    let new_roots = TrustRoots::new([new_root.trust_root()]).unwrap();
    let certificate = new_root.certify_issuer(&issuer_template(
        key_of(&ISSUER_SEED),
        window(ISSUER_FROM, ISSUER_TO),
    ));
    let issuer = IssuerKeyPair::from_seed(&ISSUER_SEED, certificate).unwrap();
    let chain = issuer
        .certify_business(&acme(key_of(&BUSINESS_SEED)))
        .unwrap();
    // The issuer's list still counts (same issuer key), the old root's does not.
    assert_eq!(
        chain.clone().validate(&new_roots, t(NOW), &lists),
        Err(Error::RevocationListStale { signer: "root" })
    );
    lists
        .update(new_root.revoke(1, t(NOW), &[]).unwrap(), &new_roots, t(NOW))
        .unwrap();
    assert!(chain.validate(&new_roots, t(NOW), &lists).is_ok());
}

/// A restored list skipped the future check of update step 3; it is not fresh while it is
/// from further in the future than the skew (SPEC.md 13.4 steps 7 and 8).
#[test]
fn a_restored_list_from_the_future_is_not_fresh() {
    let pki = Pki::new();
    let mut lists = Revocations::new();
    lists
        .restore(pki.root_list(1, NOW + 365 * DAY, &[]), &pki.roots)
        .unwrap();
    lists
        .update(pki.issuer_list(1, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    assert_eq!(
        validate(&pki.acme(), &pki.roots, NOW, &lists),
        Err(Error::RevocationListStale { signer: "root" })
    );
    // Within the skew it counts.
    let mut lists = Revocations::new();
    lists
        .restore(pki.root_list(1, NOW + SKEW, &[]), &pki.roots)
        .unwrap();
    lists
        .update(pki.issuer_list(1, NOW, &[]), &pki.roots, t(NOW))
        .unwrap();
    assert!(validate(&pki.acme(), &pki.roots, NOW, &lists).is_ok());
}

/// SPEC.md 13.2: an issuer certificate's id is SHA-256 of the label's length byte, the label
/// `hushwire/v1/issuer-certificate-id` and the certificate's body (here the chain's).
fn issuer_id_by_hand(chain: &pb::CertificateChain) -> Vec<u8> {
    use sha2::Digest;
    let label = b"hushwire/v1/issuer-certificate-id";
    let body = &chain.issuer.as_ref().unwrap().body;
    sha2::Sha256::digest([&[label.len() as u8][..], label, body].concat()).to_vec()
}
