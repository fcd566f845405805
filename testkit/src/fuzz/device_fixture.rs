//! The multi-device targets' fixture (SPEC.md 14): two accounts with history, genuine device
//! messages in flight and delivered, every device list a fixture key signed, stored session
//! records, and a pending link with its genuine and forged approvals.
//!
//! Everything comes from one RNG seeded with [`DEVICE_SEED`] (and the pending link's secret
//! from [`LINK_SEED`]), at [`ACCOUNTS_NOW`]; nothing is drawn from the other fixtures, whose
//! seeds therefore do not move. Built once, on first use, and never changed: a target that
//! decrypts works on a copy of one record ([`DeviceFixture::sessions_for`]) and consumes
//! one-time prekeys on the side ([`OverlayStore`]).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use hushwire::{
    AccountId, Config, DeviceAddress, DeviceId, DeviceListPolicy, DeviceMessage, DeviceSessions,
    Error, IdentityKeyPair, InMemoryPreKeyStore, KemPreKeyId, KemPreKeyKind, KemPreKeyPair,
    LinkOffer, OneTimePreKeyId, OneTimePreKeyPair, PendingLink, PreKeyStore, PreKeyUses,
    SessionRecord, SignedPreKeyId, SignedPreKeyPair, Timestamp, VerifiedDeviceList,
};
use prost::Message;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::fixture::FIXTURE_SEED;
use crate::fixtures::accounts::{ACCOUNTS_NOW, Account, Device, LIST_LIFETIME, World, now};
use crate::pb;

/// The seed of the device fixture's RNG.
pub const DEVICE_SEED: u64 = FIXTURE_SEED ^ 0x30;

/// The seed of the RNG that draws the pending link's secret ([`DeviceFixture::pending_link`]).
pub const LINK_SEED: u64 = FIXTURE_SEED ^ 0x31;

/// The device id the `device_link` target gives a scanned offer on Acme's list.
pub const NEW_DEVICE_ID: u32 = 10;

const DAY: u64 = 86_400;

fn t(seconds: u64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

/// A genuine device message of the fixture.
#[derive(Clone, Debug)]
pub struct DeviceGenuine {
    /// A short name, used as the seed's file name.
    pub name: String,
    /// The message.
    pub message: DeviceMessage,
    /// Its encoding.
    pub bytes: Vec<u8>,
    /// What it decrypts to.
    pub plaintext: Vec<u8>,
}

/// Everything the multi-device decoder targets share.
pub struct DeviceFixture {
    /// The configuration of every device: [`crate::fixtures::config`].
    pub config: Config,
    /// Acme (devices 1 and 2, then 3, added with list version 2, which has sessions only from
    /// messages still in flight) and Carol (devices 1 and 2, list version 1). Every pair of
    /// Acme 1, Acme 2, Carol 1 and Carol 2 has exchanged messages; Acme 2 and Carol 2 also
    /// started sessions to each other at once, so their records hold archived sessions.
    pub world: World,
    /// Every device list a fixture key signed, by name: the accounts' lists (Acme's versions
    /// 1 and 2, Carol's 1), expired, not yet valid and too long-lived ones, a second Acme
    /// version 2, a Carol list of 64 devices, and the lists the approvals carry. Only these
    /// can validate.
    pub lists: Vec<(String, Vec<u8>)>,
    /// Genuine messages not yet delivered: each decrypts exactly once on its recipient.
    pub in_flight: Vec<DeviceGenuine>,
    /// Genuine messages already delivered: replays.
    pub delivered: Vec<DeviceGenuine>,
    /// Every record of every device, stored ([`SessionRecord::to_stored`]), by
    /// `(owner, peer)`.
    pub records: Vec<(DeviceAddress, DeviceAddress, Vec<u8>)>,
    /// The new device waiting to be linked.
    pub laptop: IdentityKeyPair,
    /// The secret of [`DeviceFixture::pending_link`].
    pub link_secret: [u8; 32],
    /// The QR payload of [`DeviceFixture::pending_link`].
    pub qr: Vec<u8>,
    /// Another device's QR payload.
    pub other_qr: Vec<u8>,
    /// Approvals whose MAC was made with [`DeviceFixture::link_secret`] for the laptop's key,
    /// by name: the ones that complete, and ones refused after the MAC (an expired or
    /// too long-lived list, a list without the laptop, another account).
    pub approvals: Vec<(String, Vec<u8>)>,
    /// The names of the approvals that complete.
    pub valid_approvals: Vec<&'static str>,
    /// An approval for the laptop's key made with another secret.
    pub forged_approval: Vec<u8>,
}

/// The address of device `device` of account `name`.
pub fn address(name: &str, device: u32) -> DeviceAddress {
    DeviceAddress::new(
        AccountId::new(name.as_bytes().to_vec()).expect("a valid account id"),
        DeviceId::new(device).expect("a device id above 0"),
    )
}

/// Sends from `device` of account `from` to account `to`, connecting first; names each message
/// `<name>-<sender>-to-<recipient>`.
fn send(
    world: &mut World,
    rng: &mut ChaCha20Rng,
    (from, device, to): (usize, u32, usize),
    name: &str,
) -> Vec<DeviceGenuine> {
    world.connect(rng, from, device, to);
    let sender = format!("{}{device}", name_of(&world.accounts[from].id));
    let plaintext = format!("{name} from {sender}").into_bytes();
    world
        .send(from, device, to, &plaintext)
        .expect("a connected device sends")
        .into_iter()
        .map(|message| {
            let recipient = message.recipient();
            let name = format!(
                "{name}-{sender}-to-{}{}",
                name_of(&recipient.account),
                recipient.device.get()
            );
            DeviceGenuine {
                name,
                bytes: message.encode(),
                message,
                plaintext: plaintext.clone(),
            }
        })
        .collect()
}

/// Delivers `message`, which must decrypt; it joins `delivered`.
fn deliver(
    world: &mut World,
    rng: &mut ChaCha20Rng,
    message: DeviceGenuine,
    delivered: &mut Vec<DeviceGenuine>,
) {
    let received = world
        .deliver(rng, &message.message)
        .expect("the recipient exists")
        .expect("a genuine message decrypts");
    assert_eq!(received.plaintext, message.plaintext);
    delivered.push(message);
}

/// An account id as text, for names.
pub(crate) fn name_of(account: &AccountId) -> String {
    String::from_utf8_lossy(account.as_bytes()).into_owned()
}

impl DeviceFixture {
    fn build() -> Self {
        let config = crate::fixtures::config();
        let mut rng = crate::fixtures::rng(DEVICE_SEED);
        let rng = &mut rng;
        // Draws: Acme's account key and devices 1, 2; Carol's account key and devices 1, 2.
        let mut world = World {
            accounts: vec![
                Account::generate(rng, "acme", 2, &config),
                Account::generate(rng, "carol", 2, &config),
            ],
            config,
        };
        let (acme, carol) = (0, 1);
        let mut lists = vec![
            (
                "acme-v1".to_owned(),
                world.accounts[acme].list.to_bytes().to_vec(),
            ),
            (
                "carol-v1".to_owned(),
                world.accounts[carol].list.to_bytes().to_vec(),
            ),
        ];
        let mut in_flight = Vec::new();
        let mut delivered = Vec::new();

        // Every device greets the other account; everything is delivered.
        for (from, to) in [(acme, carol), (carol, acme)] {
            for device in [1, 2] {
                for message in send(&mut world, rng, (from, device, to), "hello") {
                    deliver(&mut world, rng, message, &mut delivered);
                }
            }
        }

        // Acme 2 and Carol 2 start new sessions to each other at once. Acme 2's fan-out is
        // delivered; of Carol 2's, only the first message of her new session to Acme 2.
        let (a2, c2) = (address("acme", 2), address("carol", 2));
        for (from, to) in [(&a2, &c2), (&c2, &a2)] {
            start_session(&mut world, rng, from, to);
        }
        for message in send(&mut world, rng, (acme, 2, carol), "race") {
            deliver(&mut world, rng, message, &mut delivered);
        }
        for message in send(&mut world, rng, (carol, 2, acme), "race") {
            if message.message.recipient() == &a2 {
                deliver(&mut world, rng, message, &mut delivered);
            } else {
                in_flight.push(message);
            }
        }

        // Acme adds device 3 (list version 2); Acme 1 and Carol 1 write, each starting a
        // session with it: all in flight, Acme 3's two first messages on one-time prekeys
        // 1 and 2.
        world.accounts[acme].add_device(rng, &config);
        lists.push((
            "acme-v2".to_owned(),
            world.accounts[acme].list.to_bytes().to_vec(),
        ));
        in_flight.extend(send(&mut world, rng, (acme, 1, carol), "news"));
        in_flight.extend(send(&mut world, rng, (carol, 1, acme), "reply"));
        // Carol 1 writes to her own other device.
        in_flight.extend(send(&mut world, rng, (carol, 1, carol), "note"));

        let mut records = Vec::new();
        for account in &world.accounts {
            for device in &account.devices {
                for (peer, record) in device.sessions.records() {
                    records.push((
                        device.address.clone(),
                        peer.clone(),
                        record.to_stored().as_bytes().to_vec(),
                    ));
                }
            }
        }

        signed_lists(&world, rng, &mut lists);

        // Linking: the laptop's pending link, another device's offer, and approvals.
        let laptop = IdentityKeyPair::generate(rng);
        let pending = PendingLink::new(&mut ChaCha20Rng::seed_from_u64(LINK_SEED), &laptop);
        let qr = pending.qr_payload().to_vec();
        let link_secret: [u8; 32] = pb::LinkOffer::decode(qr.as_slice())
            .expect("a QR payload decodes")
            .link_secret
            .as_slice()
            .try_into()
            .expect("a 32-byte secret");
        let other_device = IdentityKeyPair::generate(rng);
        let other_qr = PendingLink::new(rng, &other_device).qr_payload().to_vec();
        let forger = PendingLink::new(rng, &laptop);
        let mut approvals = Vec::new();
        let approve = |account: &Account, qr: &[u8], id: u32, from: u64, until: u64| {
            let (list, approval) = LinkOffer::decode(qr)
                .expect("a QR payload decodes")
                .approve(
                    &account.key,
                    &account.list,
                    DeviceId::new(id).expect("a device id above 0"),
                    t(from),
                    t(until),
                )
                .expect("the primary approves");
            (list.to_bytes().to_vec(), approval)
        };
        let (acme_account, carol_account) = (&world.accounts[acme], &world.accounts[carol]);
        let end = ACCOUNTS_NOW + LIST_LIFETIME;
        for (name, account, id, from, until) in [
            ("approval-acme-4", acme_account, 4, ACCOUNTS_NOW, end),
            ("approval-acme-9", acme_account, 9, ACCOUNTS_NOW, end),
            ("approval-carol-3", carol_account, 3, ACCOUNTS_NOW, end),
            (
                "approval-expired",
                acme_account,
                4,
                ACCOUNTS_NOW - 40 * DAY,
                ACCOUNTS_NOW - 10 * DAY,
            ),
            (
                "approval-lifetime-36-days",
                acme_account,
                4,
                ACCOUNTS_NOW,
                ACCOUNTS_NOW + 36 * DAY,
            ),
        ] {
            let (list, approval) = approve(account, &qr, id, from, until);
            lists.push((format!("{name}-list"), list));
            approvals.push((name.to_owned(), approval));
        }
        let (_, forged_approval) =
            approve(acme_account, &forger.qr_payload(), 4, ACCOUNTS_NOW, end);
        // MACs made by hand (SPEC.md 14.4) over what `approve` would never send.
        let laptop_key = laptop.public_key().to_bytes();
        let mac = |account: &[u8], id: u32, list: &[u8]| {
            hushwire::hazmat::device_link_mac(&link_secret, account, id, list, &laptop_key)
                .expect("valid fields")
                .to_vec()
        };
        let approval_bytes = |account: &[u8], id: u32, list: &[u8]| {
            pb::LinkApproval {
                version: 1,
                account_id: account.to_vec(),
                device_id: id,
                device_list: list.to_vec(),
                mac: mac(account, id, list),
            }
            .encode_to_vec()
        };
        let acme_list = acme_account.list.to_bytes().to_vec();
        let with_laptop = lists
            .iter()
            .find(|(name, _)| name == "approval-acme-4-list")
            .map(|(_, list)| list.clone())
            .expect("approved above");
        for (name, bytes) in [
            (
                "approval-not-listed",
                approval_bytes(b"acme", 4, &acme_list),
            ),
            (
                "approval-wrong-id",
                approval_bytes(b"acme", 9, &with_laptop),
            ),
            (
                "approval-other-account",
                approval_bytes(b"carol", 4, &with_laptop),
            ),
        ] {
            approvals.push((name.to_owned(), bytes));
        }

        Self {
            config,
            world,
            lists,
            in_flight,
            delivered,
            records,
            laptop,
            link_secret,
            qr,
            other_qr,
            approvals,
            valid_approvals: vec!["approval-acme-4", "approval-acme-9", "approval-carol-3"],
            forged_approval,
        }
    }

    /// The account with id `account`, if the fixture has it.
    pub fn account(&self, account: &AccountId) -> Option<&Account> {
        self.world.accounts.iter().find(|a| &a.id == account)
    }

    /// The device at `address` and its account's list, if the fixture has it.
    pub fn device(&self, address: &DeviceAddress) -> Option<(&VerifiedDeviceList, &Device)> {
        let account = self.account(&address.account)?;
        let device = account.devices.iter().find(|d| &d.address == address)?;
        Some((&account.list, device))
    }

    /// The stored record `owner` holds for `peer`, if any.
    pub fn record(&self, owner: &DeviceAddress, peer: &DeviceAddress) -> Option<&[u8]> {
        self.records
            .iter()
            .find(|(o, p, _)| o == owner && p == peer)
            .map(|(_, _, stored)| stored.as_slice())
    }

    /// Fresh sessions of `device` holding a copy of its record for `peer` (if it has one), and
    /// nothing else: all a decrypt of a message from `peer` reads.
    pub fn sessions_for(&self, device: &Device, peer: &DeviceAddress) -> DeviceSessions {
        let mut sessions = DeviceSessions::new(
            device.address.clone(),
            *device.identity.public_key(),
            &self.config,
            DeviceListPolicy::default(),
        );
        if let Some(stored) = self.record(&device.address, peer) {
            let record = SessionRecord::from_stored(stored, &self.config).expect("a record loads");
            sessions.insert_record(peer.clone(), record);
        }
        sessions
    }

    /// The laptop's pending link, the same every time (its secret from [`LINK_SEED`]).
    pub fn pending_link(&self) -> PendingLink {
        PendingLink::new(&mut ChaCha20Rng::seed_from_u64(LINK_SEED), &self.laptop)
    }

    /// True if a fixture key signed `bytes` as a device list.
    pub fn signed(&self, bytes: &[u8]) -> bool {
        self.lists.iter().any(|(_, list)| list == bytes)
    }

    /// Every genuine message, in flight or delivered.
    pub fn genuine(&self) -> impl Iterator<Item = &DeviceGenuine> {
        self.in_flight.iter().chain(&self.delivered)
    }
}

/// Starts a new session on `from` with `to` from a fresh bundle of `to`'s.
pub(crate) fn start_session(
    world: &mut World,
    rng: &mut ChaCha20Rng,
    from: &DeviceAddress,
    to: &DeviceAddress,
) {
    let config = world.config;
    let bundle = world
        .find(to)
        .expect("the peer exists")
        .1
        .bundle(rng, &config);
    let list = world.list_of(&to.account).clone();
    let (_, device) = world.find(from).expect("the device exists");
    device
        .sessions
        .start_session(rng, &device.identity, &list, to.device, &bundle, now())
        .expect("a listed device's bundle starts a session");
}

/// Lists the fixture's keys sign besides the accounts' own: expired, not yet valid, too
/// long-lived, a second Acme version 2, and Carol with 64 devices.
fn signed_lists(world: &World, rng: &mut ChaCha20Rng, lists: &mut Vec<(String, Vec<u8>)>) {
    let acme = &world.accounts[0];
    let carol = &world.accounts[1];
    let devices = |account: &Account| -> Vec<_> {
        account.list.devices().map(|(id, key)| (id, *key)).collect()
    };
    let acme_devices = devices(acme);
    let version = acme.list.list_version();
    let sign = |account: &Account, version: u64, from: u64, until: u64, devices: &[_]| {
        account
            .key
            .sign_device_list(&account.id, version, t(from), t(until), devices)
            .expect("a well-formed list")
            .to_bytes()
            .to_vec()
    };
    let end = ACCOUNTS_NOW + LIST_LIFETIME;
    lists.push((
        "acme-expired".to_owned(),
        sign(
            acme,
            version + 1,
            ACCOUNTS_NOW - 40 * DAY,
            ACCOUNTS_NOW - 10 * DAY,
            &acme_devices,
        ),
    ));
    lists.push((
        "acme-not-yet-valid".to_owned(),
        sign(
            acme,
            version + 1,
            ACCOUNTS_NOW + DAY,
            ACCOUNTS_NOW + 2 * DAY,
            &acme_devices,
        ),
    ));
    lists.push((
        "acme-lifetime-36-days".to_owned(),
        sign(
            acme,
            version + 1,
            ACCOUNTS_NOW,
            ACCOUNTS_NOW + 36 * DAY,
            &acme_devices,
        ),
    ));
    lists.push((
        "acme-v2-conflict".to_owned(),
        sign(acme, version, ACCOUNTS_NOW, end, &acme_devices[..2]),
    ));
    lists.push((
        "acme-v3-skew-edges".to_owned(),
        sign(
            acme,
            version + 1,
            ACCOUNTS_NOW + 300,
            ACCOUNTS_NOW + 301,
            &acme_devices,
        ),
    ));
    let mut many = devices(carol);
    let mut next = many.last().map_or(1, |(id, _)| id.get() + 1);
    while many.len() < hushwire::MAX_DEVICES {
        let key = *IdentityKeyPair::generate(rng).public_key();
        many.push((DeviceId::new(next).expect("above 0"), key));
        next += 1;
    }
    lists.push((
        "carol-64-devices".to_owned(),
        sign(
            carol,
            carol.list.list_version() + 1,
            ACCOUNTS_NOW,
            end,
            &many,
        ),
    ));
}

/// The fixture, built on first use.
pub fn device_fixture() -> &'static DeviceFixture {
    static FIXTURE: OnceLock<DeviceFixture> = OnceLock::new();
    FIXTURE.get_or_init(DeviceFixture::build)
}

/// A prekey store over a fixture device's, which consumes one-time prekeys on the side: the
/// fixture's store is never changed, so every run starts from the same prekeys.
pub struct OverlayStore<'a> {
    base: &'a InMemoryPreKeyStore,
    consumed: BTreeSet<OneTimePreKeyId>,
    kem_consumed: BTreeSet<KemPreKeyId>,
    kem_base_keys: BTreeSet<(KemPreKeyId, [u8; 32])>,
}

impl<'a> OverlayStore<'a> {
    /// `base`, nothing consumed yet.
    pub fn new(base: &'a InMemoryPreKeyStore) -> Self {
        Self {
            base,
            consumed: BTreeSet::new(),
            kem_consumed: BTreeSet::new(),
            kem_base_keys: BTreeSet::new(),
        }
    }

    /// The one-time prekeys consumed through this overlay.
    pub fn consumed(&self) -> usize {
        self.consumed.len()
    }
}

impl PreKeyStore for OverlayStore<'_> {
    fn signed_prekey(&self, id: SignedPreKeyId) -> Option<&SignedPreKeyPair> {
        self.base.signed_prekey(id)
    }

    fn one_time_prekey(&self, id: OneTimePreKeyId) -> Result<&OneTimePreKeyPair, Error> {
        if self.consumed.contains(&id) {
            return Err(Error::OneTimePreKeyConsumed { id: id.0 });
        }
        self.base.one_time_prekey(id)
    }

    fn consume_one_time_prekey(&mut self, id: OneTimePreKeyId) -> Result<(), Error> {
        self.one_time_prekey(id)?;
        self.consumed.insert(id);
        Ok(())
    }

    fn kem_prekey(&self, id: KemPreKeyId) -> Result<&KemPreKeyPair, Error> {
        if self.kem_consumed.contains(&id) {
            return Err(Error::KemPreKeyConsumed { id: id.0 });
        }
        self.base.kem_prekey(id)
    }

    fn use_prekeys(&mut self, uses: &PreKeyUses) -> Result<(), Error> {
        if let Some(id) = uses.one_time_prekey {
            self.one_time_prekey(id)?;
        }
        if let Some(used) = uses.kem_prekey {
            let key = self.kem_prekey(used.id)?;
            let base_key = (used.id, used.base_key.to_bytes());
            if key.kind() == KemPreKeyKind::LastResort && self.kem_base_keys.contains(&base_key) {
                return Err(Error::KemPreKeyReused { id: used.id.0 });
            }
        }
        if let Some(id) = uses.one_time_prekey {
            self.consumed.insert(id);
        }
        if let Some(used) = uses.kem_prekey {
            match self.kem_prekey(used.id)?.kind() {
                KemPreKeyKind::OneTime => {
                    self.kem_consumed.insert(used.id);
                }
                KemPreKeyKind::LastResort => {
                    self.kem_base_keys
                        .insert((used.id, used.base_key.to_bytes()));
                }
            }
        }
        Ok(())
    }
}
