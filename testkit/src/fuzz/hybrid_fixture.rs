//! The hybrid set-up's additions to the fuzz fixture (SPEC.md 18): KEM prekeys for the
//! fixture's Bob, hybrid bundles, hybrid first messages of other initiators, and hybrid Alices
//! for the conversation target. Drawn from an RNG of its own ([`HYBRID_SEED`]), so the
//! fixture's draws, and the committed seeds made from them, stay as they were.

use std::sync::OnceLock;

use hushwire::{
    Config, IdentityKeyPair, InMemoryPreKeyStore, KemPreKeyId, KemPreKeyKind, KemPreKeyPair,
    PreKeyBundle, PreKeyBundleIn, Session, Timestamp,
};

use super::fixture::{FIXTURE_SEED, Fixture, Genuine, fixture};
use crate::conversation::Side;
use crate::fixtures::{LAST_RESORT_KEM_ID, ONE_TIME_KEM_ID, rng};

/// The seed of the hybrid additions' RNG.
pub const HYBRID_SEED: u64 = FIXTURE_SEED ^ 0x004b_454d;
/// The id of a KEM prekey Bob signed but never put in a store.
pub const UNSTORED_KEM_ID: u32 = 3;
/// When Bob's KEM prekeys were made.
const KEM_CREATED_AT: u64 = 1_764_000_002;

/// Which set-up a run of the `conversation` target uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setup {
    /// Classic X3DH: the fixture's Alice and Bob, as before the hybrid set-up.
    Classic,
    /// Hybrid, Alice's bundle with one-time prekey 7 and the last-resort KEM prekey.
    HybridLastResort,
    /// Hybrid, Alice's bundle with one-time prekey 7 and one-time KEM prekey 1.
    HybridOneTimeKem,
    /// Hybrid, Alice's bundle with the last-resort KEM prekey and no one-time prekey.
    HybridLastResortNoOtk,
}

impl Setup {
    /// Every set-up, in the order of their byte ([`Setup::byte`]'s low two bits).
    pub const ALL: [Setup; 4] = [
        Setup::Classic,
        Setup::HybridLastResort,
        Setup::HybridOneTimeKem,
        Setup::HybridLastResortNoOtk,
    ];

    /// The leading byte that chooses this set-up in the `conversation` format.
    pub fn byte(self) -> u8 {
        0xC0 | Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as u8
    }

    /// Splits the `conversation` format: a first byte of 0xC0 to 0xFF chooses the set-up
    /// (its low two bits) and is no operation; any other input is classic and all
    /// operations (so the corpus from before the hybrid set-up keeps its meaning).
    pub fn split(data: &[u8]) -> (Setup, &[u8]) {
        match data.split_first() {
            Some((&first, rest)) if first >= 0xC0 => (Self::ALL[usize::from(first & 3)], rest),
            _ => (Setup::Classic, data),
        }
    }
}

/// The hybrid additions to the [`Fixture`].
pub struct HybridFixture {
    /// The configuration that requires the hybrid set-up (the default policy) on the
    /// provider under test: the hybrid Alices and Bobs run on it.
    pub config: Config,
    /// Bob's last-resort KEM prekey, id [`LAST_RESORT_KEM_ID`].
    pub last_resort: KemPreKeyPair,
    /// Bob's one-time KEM prekey, id [`ONE_TIME_KEM_ID`].
    pub one_time: KemPreKeyPair,
    /// A one-time KEM prekey Bob signed but never stored, id [`UNSTORED_KEM_ID`].
    pub unstored: KemPreKeyPair,
    /// Hybrid first messages of other initiators for Bob (accepted on a fresh
    /// [`HybridFixture::store`], except where the name says `unknown`).
    pub first_messages: Vec<Genuine>,
    /// Encoded hybrid bundles of Bob's, valid and not.
    pub bundles: Vec<(&'static str, Vec<u8>)>,
    /// Alices right after initiating to a hybrid bundle, one per hybrid [`Setup`] (index
    /// `Setup::byte() & 3`, the classic one unused).
    pub alices: Vec<Option<Session>>,
}

impl HybridFixture {
    fn build(fixture: &Fixture) -> Self {
        let config = crate::fixtures::hybrid_config();
        let mut rng = rng(HYBRID_SEED);
        let bob = &fixture.bob_keys.identity;
        let created = Timestamp::from_unix_seconds(KEM_CREATED_AT);
        let mut kem =
            |id, kind| KemPreKeyPair::generate(&mut rng, bob, KemPreKeyId(id), kind, created);
        let last_resort = kem(LAST_RESORT_KEM_ID, KemPreKeyKind::LastResort);
        let one_time = kem(ONE_TIME_KEM_ID, KemPreKeyKind::OneTime);
        let unstored = kem(UNSTORED_KEM_ID, KemPreKeyKind::OneTime);
        // signed prekey index 0 (id 1); one-time prekeys by index: 0 = 7, 1 = 8.
        let bundle = |otk: Option<usize>, kem: &KemPreKeyPair| -> PreKeyBundle {
            let bundle = fixture
                .bob_keys
                .bundle(0, otk, &fixture.config)
                .with_kem_prekey(kem.public())
                .unwrap();
            PreKeyBundleIn::decode(&bundle.encode(), &config)
                .unwrap()
                .validate()
                .unwrap()
        };

        let mut first_messages = Vec::new();
        let cases: [(&'static str, Option<usize>, &KemPreKeyPair); 5] = [
            ("first-hybrid-otk-8-kem-1", Some(1), &one_time),
            ("first-hybrid-kem-1", None, &one_time),
            ("first-hybrid-last-resort", None, &last_resort),
            ("first-hybrid-otk-8-last-resort", Some(1), &last_resort),
            ("first-hybrid-unknown-kem-3", None, &unstored),
        ];
        for (name, otk, kem) in cases {
            let initiator = IdentityKeyPair::generate(&mut rng);
            let mut session =
                Session::initiate(&mut rng, &initiator, &bundle(otk, kem), &config).unwrap();
            let plaintext = format!("{name} for {:?}", Side::Bob).into_bytes();
            let bytes = session.encrypt(&plaintext).unwrap().encode();
            first_messages.push(Genuine {
                name,
                to: Side::Bob,
                bytes,
                plaintext,
            });
        }

        let mut bundles = vec![
            (
                "bundle-hybrid-otk-7-kem-1",
                bundle(Some(0), &one_time).encode(),
            ),
            (
                "bundle-hybrid-last-resort",
                bundle(None, &last_resort).encode(),
            ),
        ];
        // A hybrid bundle whose KEM prekey signature does not verify: its last byte flipped.
        let good = bundle(None, &last_resort);
        let mut bad = good.encode();
        let signature = good.kem_prekey().unwrap().signature();
        let at = bad
            .windows(signature.len())
            .position(|w| w == signature)
            .unwrap();
        bad[at + signature.len() - 1] ^= 0x01;
        bundles.push(("bundle-hybrid-bad-kem-signature", bad));

        let mut alices = vec![None];
        for (otk, kem) in [
            (Some(0), &last_resort),
            (Some(0), &one_time),
            (None, &last_resort),
        ] {
            let session = Session::initiate(
                &mut rng,
                &fixture.alice_identity,
                &bundle(otk, kem),
                &config,
            )
            .unwrap();
            alices.push(Some(session));
        }

        Self {
            config,
            last_resort,
            one_time,
            unstored,
            first_messages,
            bundles,
            alices,
        }
    }

    /// The fixture's fresh store ([`Fixture::store`]) with the last-resort and the one-time
    /// KEM prekeys added.
    pub fn store(&self) -> InMemoryPreKeyStore {
        let mut store = fixture().store();
        store.add_kem_prekey(self.last_resort.clone());
        store.add_kem_prekey(self.one_time.clone());
        store
    }

    /// A copy of the Alice of `setup`, right after she initiated (the fixture's own Alice for
    /// the classic set-up).
    pub fn alice(&self, setup: Setup) -> Session {
        let session = match setup {
            Setup::Classic => &fixture().alice_initial,
            other => self.alices[usize::from(other.byte() & 3)]
                .as_ref()
                .unwrap_or(&fixture().alice_initial),
        };
        crate::fixtures::copy(session)
    }

    /// True if `plaintext` is what a hybrid first message decrypts to.
    pub(crate) fn sent_first(&self, plaintext: &[u8]) -> bool {
        self.first_messages.iter().any(|m| m.plaintext == plaintext)
    }
}

/// The hybrid additions, built on first use (after the [`Fixture`]).
pub fn hybrid_fixture() -> &'static HybridFixture {
    static HYBRID: OnceLock<HybridFixture> = OnceLock::new();
    HYBRID.get_or_init(|| HybridFixture::build(fixture()))
}
