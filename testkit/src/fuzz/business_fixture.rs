//! The business-certificate targets' fixture (SPEC.md 13): a pinned root, an issuer it
//! certified, a business it certified, revocation lists of both held fresh, and the chains,
//! lists and bundle the `certificate_chain` and `revocation_list` targets and seeds use.
//!
//! Every key comes from a fixed 32-byte seed and every time from [`BUSINESS_NOW`]; the only
//! RNG (the business's signed prekey) is seeded from [`BUSINESS_PREKEY_SEED`]. Nothing is drawn
//! from the session fixture, whose seeds therefore do not move. Built once, on first use.

use std::sync::OnceLock;

use hushwire::{
    BusinessCertificateIn, BusinessId, BusinessTemplate, Config, DisplayName, Error,
    IdentityKeyPair, IssuerCertificate, IssuerKeyPair, IssuerTemplate, LevelSet, PhoneNumber,
    PreKeyBundle, RevocationList, RevocationSigner, RevocationUpdate, Revocations, RootKeyPair,
    SignedPreKeyId, SignedPreKeyPair, Timestamp, TrustRoots, Validity, VerificationLevel, Website,
};
use prost::Message;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::fixture::FIXTURE_SEED;
use crate::pb;

/// The clock of every business target.
pub const BUSINESS_NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);

/// The pinned root's key id.
pub const ROOT_KEY_ID: u32 = 1;
/// The serial of the issuer's certificate (levels registered and verified).
pub const ISSUER_SERIAL: u64 = 10;
/// The serial of a second certificate for the same issuer key, with every level and a wider
/// window: used only to sign the out-of-scope chains, never in a seed.
pub const WIDE_ISSUER_SERIAL: u64 = 11;
/// An issuer serial on the root's list (no certificate has it).
pub const ROOT_REVOKED_SERIAL: u64 = 7;
/// The valid chain's business serial.
pub const BUSINESS_SERIAL: u64 = 100;
/// The revoked chain's business serial, on the issuer's list.
pub const REVOKED_SERIAL: u64 = 101;
/// The expired chain's business serial.
pub const EXPIRED_SERIAL: u64 = 99;

/// Seed of the RNG that makes the business's signed prekey.
pub const BUSINESS_PREKEY_SEED: u64 = FIXTURE_SEED ^ 0x20;

const DAY: i64 = 86_400;

fn at(offset: i64) -> Timestamp {
    Timestamp::from_unix_seconds(BUSINESS_NOW.as_unix_seconds().wrapping_add_signed(offset))
}

/// Everything the business targets share.
pub struct BusinessFixture {
    /// The root: key id [`ROOT_KEY_ID`], from seed `[1; 32]`.
    pub root: RootKeyPair,
    /// What the app pins: the root alone, default policy.
    pub roots: TrustRoots,
    /// The issuer, from seed `[2; 32]`, certified by the root (serial [`ISSUER_SERIAL`]) for
    /// levels registered and verified, from 30 days before [`BUSINESS_NOW`] for 365 days.
    pub issuer: IssuerKeyPair,
    /// The business account's identity, from seed `[3; 32]`.
    pub business: IdentityKeyPair,
    /// A customer starting sessions with the business, from seed `[4; 32]`.
    pub customer: IdentityKeyPair,
    /// The root's list: sequence 1, issued a day before now, revoking issuer serial
    /// [`ROOT_REVOKED_SERIAL`].
    pub root_list: RevocationList,
    /// The issuer's list: sequence 1, issued an hour before now, revoking
    /// [`REVOKED_SERIAL`].
    pub issuer_list: RevocationList,
    /// The client's revocation state: both lists, fresh at [`BUSINESS_NOW`].
    pub revocations: Revocations,
    /// `acme-shoes`, "Acme Shoes", verified, with a phone number and a website, serial
    /// [`BUSINESS_SERIAL`]: validates at [`BUSINESS_NOW`].
    pub valid: BusinessCertificateIn,
    /// Another business (`bobs-bikes`, registered, seed `[6; 32]`): validates too, but is not
    /// the key of [`BusinessFixture::bundle`].
    pub other: BusinessCertificateIn,
    /// The same business under serial [`REVOKED_SERIAL`], which the issuer's list revokes.
    pub revoked: BusinessCertificateIn,
    /// The same business under serial [`EXPIRED_SERIAL`], expired a day before now.
    pub expired: BusinessCertificateIn,
    /// Chains whose business certificate the issuer key signed beyond the scope of the
    /// issuer certificate they carry (an official level; a window starting before the
    /// issuer's), encoded.
    pub out_of_scope: Vec<(&'static str, Vec<u8>)>,
    /// Every issuer certificate the root signed: the issuer's, then the wide one.
    pub issuer_certificates: Vec<IssuerCertificate>,
    /// Revocation lists for the seeds, named, encoded: the two held ones, newer ones, an
    /// empty one, stale, future and rolled-back ones, and lists no pinned root vouches for.
    pub lists: Vec<(&'static str, Vec<u8>)>,
    /// Every encoded list the root's or the issuer's key signed.
    pub signed_lists: Vec<Vec<u8>>,
    /// The business's encoded prekey bundle, without a certificate chain (no one-time
    /// prekey: its last field is the signed prekey, so a chain appended as field 5 keeps it
    /// canonical).
    pub bundle: Vec<u8>,
    /// The configuration bundles decode with.
    pub config: Config,
}

impl BusinessFixture {
    fn build() -> Self {
        let root = RootKeyPair::from_seed(ROOT_KEY_ID, &[1; 32]);
        let roots = TrustRoots::new([root.trust_root()]).unwrap();
        let issuer_seed = [2u8; 32];
        let issuer_key = *IdentityKeyPair::from_seed(&issuer_seed).public_key();
        let issuer_template = IssuerTemplate {
            serial: ISSUER_SERIAL,
            issuer_key,
            validity: Validity::days_from(at(-30 * DAY), 365).unwrap(),
            allowed_levels: LevelSet::new(&[
                VerificationLevel::Registered,
                VerificationLevel::Verified,
            ])
            .unwrap(),
        };
        let issuer_certificate = root.certify_issuer(&issuer_template);
        let issuer = IssuerKeyPair::from_seed(&issuer_seed, issuer_certificate.clone()).unwrap();
        let wide_certificate = root.certify_issuer(&IssuerTemplate {
            serial: WIDE_ISSUER_SERIAL,
            issuer_key,
            validity: Validity::days_from(at(-60 * DAY), 730).unwrap(),
            allowed_levels: LevelSet::new(&VerificationLevel::ALL).unwrap(),
        });
        let wide = IssuerKeyPair::from_seed(&issuer_seed, wide_certificate.clone()).unwrap();

        let business = IdentityKeyPair::from_seed(&[3; 32]);
        let customer = IdentityKeyPair::from_seed(&[4; 32]);
        let acme = BusinessTemplate {
            serial: BUSINESS_SERIAL,
            identity_key: *business.public_key(),
            business_id: BusinessId::new("acme-shoes").unwrap(),
            display_name: DisplayName::new("Acme Shoes").unwrap(),
            level: VerificationLevel::Verified,
            validity: Validity::days_from(at(-DAY), 30).unwrap(),
            phone_number: Some(PhoneNumber::new("+14155550123").unwrap()),
            website: Some(Website::new("https://acme.example/shoes").unwrap()),
        };
        let valid = issuer.certify_business(&acme).unwrap();
        let revoked = issuer
            .certify_business(&BusinessTemplate {
                serial: REVOKED_SERIAL,
                ..acme.clone()
            })
            .unwrap();
        let expired = issuer
            .certify_business(&BusinessTemplate {
                serial: EXPIRED_SERIAL,
                validity: Validity::new(at(-30 * DAY), at(-DAY)).unwrap(),
                phone_number: None,
                website: None,
                ..acme.clone()
            })
            .unwrap();
        let other = issuer
            .certify_business(&BusinessTemplate {
                serial: 104,
                identity_key: *IdentityKeyPair::from_seed(&[6; 32]).public_key(),
                business_id: BusinessId::new("bobs-bikes").unwrap(),
                display_name: DisplayName::new("Bob's Bikes").unwrap(),
                level: VerificationLevel::Registered,
                validity: Validity::days_from(at(-DAY), 30).unwrap(),
                phone_number: None,
                website: None,
            })
            .unwrap();
        // Certified by the wide certificate, then given the issuer's own, with the body's
        // issuer serial rewritten to it and signed again by the issuer key (the issuing API
        // refuses such a body): beyond the narrow certificate's scope.
        let beyond = |template: BusinessTemplate| {
            let chain = wide.certify_business(&template).unwrap();
            let mut edited = pb::CertificateChain::decode(chain.encode().as_slice()).unwrap();
            edited.issuer = Some(
                pb::IssuerCertificate::decode(issuer_certificate.encode().as_slice()).unwrap(),
            );
            if let Some(business) = edited.business.as_mut() {
                let mut body =
                    pb::BusinessCertificateBody::decode(business.body.as_slice()).unwrap();
                body.issuer_certificate_id = issuer_certificate.id().to_vec();
                business.body = body.encode_to_vec();
                business.signature = hushwire::hazmat::sign_certificate_body(
                    &issuer_seed,
                    hushwire::hazmat::SignedObject::BusinessCertificate,
                    &business.body,
                )
                .to_vec();
            }
            edited.encode_to_vec()
        };
        // Certified by the wide certificate and shown with the narrow one, unchanged: the
        // body names the wide certificate's serial (SPEC.md 13.4 step 5, "issuer").
        let swapped = {
            let chain = wide.certify_business(&acme).unwrap();
            let mut edited = pb::CertificateChain::decode(chain.encode().as_slice()).unwrap();
            edited.issuer = Some(
                pb::IssuerCertificate::decode(issuer_certificate.encode().as_slice()).unwrap(),
            );
            edited.encode_to_vec()
        };
        let official_bytes = beyond(BusinessTemplate {
            serial: 102,
            level: VerificationLevel::Official,
            ..acme.clone()
        });
        let early_bytes = beyond(BusinessTemplate {
            serial: 103,
            validity: Validity::days_from(at(-40 * DAY), 60).unwrap(),
            ..acme.clone()
        });
        let out_of_scope = vec![
            ("out-of-scope-issuer", swapped),
            ("out-of-scope-level", official_bytes),
            ("out-of-scope-validity", early_bytes),
        ];

        let root_list = root.revoke(1, at(-DAY), &[ROOT_REVOKED_SERIAL]).unwrap();
        let issuer_list = issuer.revoke(1, at(-3600), &[REVOKED_SERIAL]).unwrap();
        let mut revocations = Revocations::new();
        for list in [&root_list, &issuer_list] {
            assert_eq!(
                revocations.update(list.clone(), &roots, BUSINESS_NOW),
                Ok(RevocationUpdate::Updated)
            );
        }

        // Lists no pinned root vouches for: another root (key id 2), a root key that claims
        // id 1, and an issuer that key certified.
        let stranger = RootKeyPair::from_seed(2, &[9; 32]);
        let impostor = RootKeyPair::from_seed(ROOT_KEY_ID, &[9; 32]);
        let uncertified_seed = [5u8; 32];
        let uncertified = IssuerKeyPair::from_seed(
            &uncertified_seed,
            impostor.certify_issuer(&IssuerTemplate {
                issuer_key: *IdentityKeyPair::from_seed(&uncertified_seed).public_key(),
                ..issuer_template.clone()
            }),
        )
        .unwrap();
        let signed = vec![
            ("root", root_list.clone()),
            ("issuer", issuer_list.clone()),
            (
                "root-revokes-the-issuer",
                root.revoke(2, at(-60), &[ROOT_REVOKED_SERIAL, ISSUER_SERIAL])
                    .unwrap(),
            ),
            ("issuer-empty", issuer.revoke(2, at(-60), &[]).unwrap()),
            (
                "issuer-revokes-the-valid",
                issuer
                    .revoke(
                        3,
                        BUSINESS_NOW,
                        &[1, BUSINESS_SERIAL, REVOKED_SERIAL, 1 << 40, u64::MAX],
                    )
                    .unwrap(),
            ),
            (
                "issuer-stale",
                issuer.revoke(4, at(-3 * DAY), &[REVOKED_SERIAL]).unwrap(),
            ),
            ("root-stale", root.revoke(3, at(-31 * DAY), &[]).unwrap()),
            (
                "issuer-future",
                issuer.revoke(5, at(3600), &[REVOKED_SERIAL]).unwrap(),
            ),
            (
                "issuer-rollback",
                issuer.revoke(0, at(-60), &[REVOKED_SERIAL]).unwrap(),
            ),
            (
                "issuer-same-sequence",
                issuer.revoke(1, at(-60), &[REVOKED_SERIAL, 102]).unwrap(),
            ),
        ];
        let signed_lists = signed.iter().map(|(_, list)| list.encode()).collect();
        let mut lists: Vec<(&'static str, Vec<u8>)> = signed
            .iter()
            .map(|(name, list)| (*name, list.encode()))
            .collect();
        lists.push((
            "unknown-root",
            stranger
                .revoke(1, at(-60), &[ISSUER_SERIAL])
                .unwrap()
                .encode(),
        ));
        lists.push((
            "impostor-root",
            impostor
                .revoke(9, at(-60), &[ISSUER_SERIAL])
                .unwrap()
                .encode(),
        ));
        lists.push((
            "uncertified-issuer",
            uncertified.revoke(1, at(-60), &[]).unwrap().encode(),
        ));

        let config = crate::fixtures::config();
        let mut rng = ChaCha20Rng::seed_from_u64(BUSINESS_PREKEY_SEED);
        let spk = SignedPreKeyPair::generate(&mut rng, &business, SignedPreKeyId(1), at(-DAY));
        let bundle = PreKeyBundle::new(&business, &spk, None).unwrap().encode();

        Self {
            root,
            roots,
            issuer,
            business,
            customer,
            root_list,
            issuer_list,
            revocations,
            valid,
            other,
            revoked,
            expired,
            out_of_scope,
            issuer_certificates: vec![issuer_certificate, wide_certificate],
            lists,
            signed_lists,
            bundle,
            config,
        }
    }

    /// Whether the root signed `certificate` (the fuzzer cannot forge a signature, so an
    /// issuer certificate that verifies is one of these).
    pub fn is_genuine_issuer(&self, certificate: &IssuerCertificate) -> bool {
        self.issuer_certificates.contains(certificate)
    }

    /// Whether the chain's issuer key signed `chain`'s business certificate (body and
    /// signature): Ed25519 over the signed message rebuilt by hand from SPEC.md 13.1 (the
    /// label's length, the label, the body), whatever body it is (a fuzzed input may hold a
    /// body the issuer key signed for another version of the fixture).
    pub fn is_genuine_business(&self, chain: &BusinessCertificateIn) -> bool {
        let Some(business) = pb::CertificateChain::decode(chain.encode().as_slice())
            .expect("a decoded chain encodes")
            .business
        else {
            return false;
        };
        let label = b"hushwire/v1/sig/business-certificate";
        let message = [&[label.len() as u8][..], label, &business.body].concat();
        let issuer_key = chain.issuer().template().issuer_key.to_bytes();
        hushwire::hazmat::ed25519_verify(&issuer_key, &message, &business.signature).is_ok()
    }

    /// `data` with the chain appended as the bundle's field 5 (a `CertificateChain`): the
    /// business's bundle carrying `chain` exactly as given, canonical iff `chain` is.
    pub fn bundle_with_chain(&self, chain: &[u8]) -> Vec<u8> {
        let mut bytes = self.bundle.clone();
        bytes.push(5 << 3 | 2);
        let mut len = chain.len() as u64;
        while len >= 0x80 {
            bytes.push((len as u8) | 0x80);
            len >>= 7;
        }
        bytes.push(len as u8);
        bytes.extend_from_slice(chain);
        bytes
    }

    /// What validating `chain` against [`BusinessFixture::roots`] at [`BUSINESS_NOW`] with
    /// `revocations` must give, in SPEC.md 13.4's order: the issuer certificate names the
    /// pinned root, and the root signed it (the fuzzer cannot forge a signature, so a
    /// certificate verifies only if the fixture made it); the issuer's window; the issuer key
    /// signed the business certificate; the issuer's scope; the business's window; then the
    /// revocation lists of its root and its issuer, which must be held and fresh.
    pub fn expected(
        &self,
        chain: &BusinessCertificateIn,
        revocations: &Revocations,
    ) -> Result<(), Error> {
        let policy = self.roots.policy();
        let issuer = chain.issuer().template();
        let business = chain.claimed();
        let key_id = chain.issuer().root_key_id();
        if !self
            .roots
            .roots()
            .iter()
            .any(|root| root.key_id() == key_id)
        {
            return Err(Error::UnknownTrustRoot { key_id });
        }
        if !self.is_genuine_issuer(chain.issuer()) {
            return Err(Error::InvalidCertificateSignature {
                certificate: "issuer",
            });
        }
        window(&issuer.validity, policy.max_clock_skew_seconds, "issuer")?;
        if !self.is_genuine_business(chain) {
            return Err(Error::InvalidCertificateSignature {
                certificate: "business",
            });
        }
        if chain.issuer_certificate_id() != &issuer_certificate_id(chain.issuer()) {
            return Err(Error::CertificateOutOfScope { reason: "issuer" });
        }
        if !issuer.allowed_levels.contains(business.level) {
            return Err(Error::CertificateOutOfScope { reason: "level" });
        }
        if !business.validity.within(&issuer.validity) {
            return Err(Error::CertificateOutOfScope { reason: "validity" });
        }
        window(
            &business.validity,
            policy.max_clock_skew_seconds,
            "business",
        )?;
        let now = BUSINESS_NOW.as_unix_seconds();
        let held = |signer: &str, max_age: u64| {
            revocations
                .lists()
                .find(|list| match list.signer() {
                    RevocationSigner::Root(id) => {
                        signer == "root" && *id == chain.issuer().root_key_id()
                    }
                    RevocationSigner::Issuer(certificate) => {
                        signer == "issuer" && certificate.template().issuer_key == issuer.issuer_key
                    }
                })
                .filter(|list| {
                    let issued_at = list.issued_at().as_unix_seconds();
                    issued_at <= now.saturating_add(policy.max_clock_skew_seconds)
                        && now <= issued_at.saturating_add(max_age)
                })
                .ok_or(Error::RevocationListStale {
                    signer: if signer == "root" { "root" } else { "issuer" },
                })
        };
        if held("root", policy.max_root_list_age_seconds)?
            .revoked_serials()
            .contains(&issuer.serial)
        {
            return Err(Error::CertificateRevoked {
                certificate: "issuer",
                serial: issuer.serial,
            });
        }
        if held("issuer", policy.max_issuer_list_age_seconds)?
            .revoked_serials()
            .contains(&business.serial)
        {
            return Err(Error::CertificateRevoked {
                certificate: "business",
                serial: business.serial,
            });
        }
        Ok(())
    }
}

/// SPEC.md 13.4's time check at [`BUSINESS_NOW`], both ends included, `skew` either side.
fn window(validity: &Validity, skew: u64, certificate: &'static str) -> Result<(), Error> {
    let now = BUSINESS_NOW.as_unix_seconds();
    if validity.not_before().as_unix_seconds() > now.saturating_add(skew) {
        return Err(Error::CertificateNotYetValid { certificate });
    }
    if now > validity.not_after().as_unix_seconds().saturating_add(skew) {
        return Err(Error::CertificateExpired { certificate });
    }
    Ok(())
}

/// The business fixture, built on first use.
pub fn business_fixture() -> &'static BusinessFixture {
    static FIXTURE: OnceLock<BusinessFixture> = OnceLock::new();
    FIXTURE.get_or_init(BusinessFixture::build)
}

/// An issuer certificate's id by hand (SPEC.md 13.2): SHA-256 of the label's length byte, the
/// label `hushwire/v1/issuer-certificate-id` and the certificate's body.
pub(super) fn issuer_certificate_id(certificate: &IssuerCertificate) -> [u8; 32] {
    use sha2::Digest;
    let label = b"hushwire/v1/issuer-certificate-id";
    let body = pb::IssuerCertificate::decode(certificate.encode().as_slice())
        .expect("an issuer certificate encodes")
        .body;
    let mut hash = sha2::Sha256::new();
    hash.update([label.len() as u8]);
    hash.update(label);
    hash.update(&body);
    hash.finalize().into()
}
