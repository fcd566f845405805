//! The benchmarks' inputs, made once: a root, an issuer under it, a business with a chain, the
//! revocation lists, the business's prekey bundle with and without the chain, and the floors'
//! signed messages; and the operations over them that criterion and the paired rounds share.

use std::hint::black_box;

use ed25519_dalek::{Signature, VerifyingKey};
use prost::Message as _;

use hushwire::hazmat::{SignedObject, certificate_signed_message, signed_prekey_message};
use hushwire::{
    BusinessCertificateIn, BusinessId, BusinessTemplate, Config, DisplayName, IdentityKey,
    IssuerKeyPair, IssuerTemplate, LevelSet, PhoneNumber, PreKeyBundleIn, RevocationList,
    Revocations, RootKeyPair, Timestamp, TrustRoots, Validity, VerificationLevel, Website,
};
use hushwire_testkit::fixtures::{config, responder, rng};
use hushwire_testkit::pb;

/// The client's clock in every benchmark.
pub(crate) const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);
const DAY: u64 = 86_400;
/// Revoked serials in the issuer's list: a large issuer's list, and the largest that fits in
/// `MAX_REVOCATION_LIST_LEN` (1 MiB) with these serials.
pub(crate) const ISSUER_LIST: usize = 10_000;
pub(crate) const ISSUER_LIST_LARGE: usize = 100_000;
/// Issuer-certificate serials in the root's list.
pub(crate) const ROOT_LIST: [u64; 3] = [3, 17, 29];
/// The business certificate's serial: between two revoked serials of both issuer lists
/// (see [`revoked`]), so every lookup is a miss after a full binary search.
pub(crate) const BUSINESS_SERIAL: u64 = 1000 + 37 * 5000 + 20;

/// `n` strictly increasing business-certificate serials, spread as an issuer that numbers its
/// certificates in order and has revoked about one in 37: serial i is `1000 + 37 i + (i² mod
/// 13)`, so 3-byte varints for 10,000 and 4-byte ones for 100,000.
fn revoked(n: usize) -> Vec<u64> {
    (0..n as u64)
        .map(|i| 1000 + 37 * i + (i * i % 13))
        .collect()
}

/// One signature as the floor verifies it: the exact message hushwire's check covers
/// (`u8(len(label)) || label || body`, built once), the signature and the signer's key.
pub(crate) struct Raw {
    key: VerifyingKey,
    pub(crate) message: Vec<u8>,
    signature: Signature,
}

impl Raw {
    /// The body's length: the message less the label and its length byte.
    pub(crate) fn body_len(&self) -> usize {
        self.message.len() - 1 - usize::from(self.message[0])
    }

    fn new(key: &IdentityKey, message: Vec<u8>, signature: &[u8]) -> Self {
        let raw = Self {
            key: VerifyingKey::from_bytes(&key.to_bytes()).unwrap(),
            message,
            signature: Signature::from_slice(signature).unwrap(),
        };
        raw.verify();
        raw
    }

    pub(crate) fn verify(&self) {
        black_box(&self.key)
            .verify_strict(black_box(&self.message), black_box(&self.signature))
            .unwrap();
    }
}

/// Everything the benchmarks use, made once: a root, an issuer under it, a business with a
/// chain, the revocation lists, and the business's prekey bundle with and without the chain.
pub(crate) struct Fixtures {
    pub(crate) roots: TrustRoots,
    pub(crate) config: Config,
    /// The encoded `CertificateChain`.
    pub(crate) chain_bytes: Vec<u8>,
    pub(crate) chain: BusinessCertificateIn,
    /// The issuer's list of [`ISSUER_LIST`] serials, encoded and decoded.
    pub(crate) list_bytes: Vec<u8>,
    pub(crate) list: RevocationList,
    /// The issuer's list of [`ISSUER_LIST_LARGE`] serials, decoded.
    pub(crate) list_large: RevocationList,
    /// The root's list only (what `update` of the issuer's list starts from).
    pub(crate) root_only: Revocations,
    /// The root's list and the issuer's 10,000 or 100,000 serials.
    pub(crate) held: Revocations,
    pub(crate) held_large: Revocations,
    /// The encoded bundle without a chain, and the same bundle with it.
    pub(crate) bundle_plain: Vec<u8>,
    pub(crate) bundle_business: Vec<u8>,
    /// The floors' signatures: the root over the issuer certificate, the issuer over the
    /// business certificate and over its list, Bob over his signed prekey.
    pub(crate) raw_issuer: Raw,
    pub(crate) raw_business: Raw,
    pub(crate) raw_list: Raw,
    pub(crate) raw_prekey: Raw,
    /// An identity key's 32 bytes, for the decompression primitive.
    pub(crate) key_bytes: [u8; 32],
    /// The 10,000-serial list's body, encoded and decoded by prost alone.
    pub(crate) list_body: Vec<u8>,
    pub(crate) list_body_pb: pb::RevocationListBody,
}

pub(crate) fn fixtures() -> Fixtures {
    let mut r = rng(130);
    let root = RootKeyPair::generate(&mut r, 1);
    let roots = TrustRoots::new([root.trust_root()]).unwrap();
    let issuer_key = IssuerKeyPair::generate_key(&mut r);
    let issuer_template = IssuerTemplate {
        serial: 42,
        issuer_key: *issuer_key.public_key(),
        validity: Validity::days_from(Timestamp::from_unix_seconds(1_800_000_000 - 180 * DAY), 730)
            .unwrap(),
        allowed_levels: LevelSet::new(&VerificationLevel::ALL).unwrap(),
    };
    let issuer_cert = root.certify_issuer(&issuer_template);
    let issuer = IssuerKeyPair::new(issuer_key, issuer_cert.clone()).unwrap();
    let bob = responder(&mut r, true);
    // SPEC.md 13.4 recommends 30-day business certificates; every optional field is set.
    let business = BusinessTemplate {
        serial: BUSINESS_SERIAL,
        identity_key: *bob.identity.public_key(),
        business_id: BusinessId::new("acme-shoes").unwrap(),
        display_name: DisplayName::new("Acme Shoes Zürich").unwrap(),
        level: VerificationLevel::Verified,
        validity: Validity::days_from(Timestamp::from_unix_seconds(1_800_000_000 - DAY), 30)
            .unwrap(),
        phone_number: Some(PhoneNumber::new("+41445550123").unwrap()),
        website: Some(Website::new("https://acme-shoes.example/zurich").unwrap()),
    };
    let chain = issuer.certify_business(&business).unwrap();
    let chain_bytes = chain.encode();

    let root_list = root
        .revoke(
            3,
            Timestamp::from_unix_seconds(1_800_000_000 - 2 * DAY),
            &ROOT_LIST,
        )
        .unwrap();
    let issuer_list = |n| {
        let serials = revoked(n);
        assert!(serials.binary_search(&BUSINESS_SERIAL).is_err());
        let list = issuer
            .revoke(
                7,
                Timestamp::from_unix_seconds(1_800_000_000 - 3600),
                &serials,
            )
            .unwrap();
        RevocationList::decode(&list.encode()).unwrap()
    };
    let (list, list_large) = (issuer_list(ISSUER_LIST), issuer_list(ISSUER_LIST_LARGE));
    let list_bytes = list.encode();
    let mut root_only = Revocations::new();
    root_only.update(root_list, &roots, NOW).unwrap();
    let holding = |list: &RevocationList| {
        let mut held = root_only.clone();
        held.update(list.clone(), &roots, NOW).unwrap();
        held
    };
    let (held, held_large) = (holding(&list), holding(&list_large));

    let config = config();
    let bundle_plain = bob.bundle_bytes.clone();
    let bundle_business = bob
        .bundle
        .clone()
        .with_business_certificate(chain.clone())
        .unwrap()
        .encode();

    // The floors' messages, from the encoded objects.
    let issuer_pb = pb::IssuerCertificate::decode(issuer_cert.encode().as_slice()).unwrap();
    let raw_issuer = Raw::new(
        root.trust_root().key(),
        certificate_signed_message(SignedObject::IssuerCertificate, &issuer_pb.body),
        &issuer_pb.signature,
    );
    let chain_pb = pb::CertificateChain::decode(chain_bytes.as_slice()).unwrap();
    let business_pb = chain_pb.business.unwrap();
    let raw_business = Raw::new(
        &issuer_template.issuer_key,
        certificate_signed_message(SignedObject::BusinessCertificate, &business_pb.body),
        &business_pb.signature,
    );
    let list_pb = pb::RevocationList::decode(list_bytes.as_slice()).unwrap();
    let list_body = list_pb.body.clone();
    let list_body_pb = pb::RevocationListBody::decode(list_body.as_slice()).unwrap();
    let raw_list = Raw::new(
        &issuer_template.issuer_key,
        certificate_signed_message(SignedObject::RevocationList, &list_pb.body),
        &list_pb.signature,
    );
    let spk = bob.bundle.signed_prekey();
    let raw_prekey = Raw::new(
        bob.identity.public_key(),
        signed_prekey_message(
            spk.id().0,
            spk.created_at().as_unix_seconds(),
            spk.public_key().as_bytes(),
        ),
        spk.signature(),
    );

    // The fixtures are what they claim.
    let check = chain.clone().validate(&roots, NOW, &held).unwrap();
    assert_eq!(check.serial(), BUSINESS_SERIAL);
    chain.clone().validate(&roots, NOW, &held_large).unwrap();
    let with = PreKeyBundleIn::decode(&bundle_business, &config)
        .unwrap()
        .validate_business(&roots, NOW, &held)
        .unwrap();
    assert!(with.business().is_some());
    let without = PreKeyBundleIn::decode(&bundle_plain, &config)
        .unwrap()
        .validate()
        .unwrap();
    assert!(without.business_certificate().is_none());

    Fixtures {
        roots,
        config,
        chain_bytes,
        chain,
        list_bytes,
        list,
        list_large,
        root_only,
        held,
        held_large,
        bundle_plain,
        bundle_business,
        raw_issuer,
        raw_business,
        raw_list,
        raw_prekey,
        key_bytes: bob.identity.public_key().to_bytes(),
        list_body,
        list_body_pb,
    }
}

/// The operations, as closures over the fixtures: criterion and the paired rounds run the
/// same code.
impl Fixtures {
    pub(crate) fn floor_chain(&self) {
        self.raw_issuer.verify();
        self.raw_business.verify();
    }

    pub(crate) fn decode_validate(&self, held: &Revocations) {
        let chain = BusinessCertificateIn::decode(black_box(&self.chain_bytes)).unwrap();
        black_box(chain.validate(&self.roots, NOW, held).unwrap());
    }

    pub(crate) fn floor_update(&self) {
        self.raw_issuer.verify();
        self.raw_list.verify();
    }

    /// Decodes the issuer's list and takes it into `held` (which holds the root's list only).
    pub(crate) fn update(&self, held: &mut Revocations) {
        let list = RevocationList::decode(black_box(&self.list_bytes)).unwrap();
        black_box(held.update(list, &self.roots, NOW).unwrap());
    }

    pub(crate) fn bundle_plain(&self) {
        let bundle = PreKeyBundleIn::decode(black_box(&self.bundle_plain), &self.config).unwrap();
        black_box(bundle.validate().unwrap());
    }

    pub(crate) fn bundle_business(&self) {
        let bundle =
            PreKeyBundleIn::decode(black_box(&self.bundle_business), &self.config).unwrap();
        black_box(
            bundle
                .validate_business(&self.roots, NOW, &self.held)
                .unwrap(),
        );
    }
}
