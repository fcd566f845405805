//! A complete exchange between a business and a customer, printed step by step:
//! prekey publication, bundle verification with trust on first use, X3DH, the first
//! messages, an out-of-order burst, a replay, storing and restoring sessions, then identity
//! verification (the 60-digit safety number, its QR code, SAS emoji over the session) and a
//! key change that holds sending until the customer acknowledges it; then Acme Shoes becomes a
//! verified business: a certificate chain from a root the app pins, shown as "verified
//! business: Acme Shoes", and refused when revoked, expired or missing after a key change;
//! last, both go multi-device: device lists signed by an account key (for Acme, the key its
//! certificate certifies), a support-desk backend linked by QR code, one message fanned out to
//! every device of both accounts, and a device removed from the list, then refused; and
//! finally a group chat with Sender Keys: Acme opens an order-support group with two customers
//! and a staff member, every member device hands its sender key to every other inside their
//! pairwise sessions, one message is encrypted once for all, and a customer is removed: the
//! others rotate their keys, and the removed customer, keeping everything it had, reads nothing
//! more and is not heard; and a file: the customer photographs the damaged parcel, seals the
//! photo once under its own key, uploads the ciphertext to a blob store that checks it against
//! its SHA-256, and sends the pointer to the group, where a staff member opens it (streaming,
//! and at random for a preview) and a tampered download is refused; and last, Acme's backend
//! keeps its sessions and prekeys in SQLite, where two workers serve one customer's session at
//! once through compare-and-swap and a stale write is refused.
//!
//! Run with `cargo run --example conversation`. Everything is seeded, so the output is the
//! same on every run, except in section 27, where two workers race: which of them wins each
//! swap, and how many swaps are lost, varies.

use hushwire::{
    AccountId, AccountKey, AccountKeyPair, AttachmentMetadata, AttachmentOpener, AttachmentOptions,
    AttachmentSealer, BusinessId, BusinessTemplate, Config, ContentType, CryptoProvider,
    DEFAULT_DEVICE_LIST_LIFETIME_SECONDS, DeviceAddress, DeviceId, DeviceListIn, DeviceListPolicy,
    DeviceMessage, DeviceSessions, DisplayName, DistributionOutcome, Envelope, FileName, GroupId,
    GroupSession, IdentityKeyPair, InMemoryPreKeyStore, InMemoryTrustStore, IssuerKeyPair,
    IssuerTemplate, KemPreKeyId, KemPreKeyKind, KemPreKeyPair, KeyChangePolicy, LevelSet,
    LinkOffer, OneTimePreKeyId, OneTimePreKeyPair, Payload, PendingLink, PhoneNumber, PreKeyBundle,
    PreKeyBundleIn, PreKeyStore, Received, Revocations, RootKeyPair, SafetyNumber, Sas,
    SasAttempts, SasConfirmation, SeekableAttachment, SenderKeyDistribution, Session,
    SignedPreKeyId, SignedPreKeyPair, Thumbnail, Timestamp, TrustOnFirstUse, TrustRoots, Validity,
    VerificationLevel, VerificationMessage, VerifiedDeviceList, Website,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn short(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        + "…"
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `account/device`, as the demo prints a device address.
fn address(address: &DeviceAddress) -> String {
    format!(
        "{}/{}",
        text(address.account.as_bytes()),
        address.device.get()
    )
}

/// The device ids on a list, as "1, 2".
fn device_ids(list: &VerifiedDeviceList) -> String {
    list.devices()
        .map(|(id, _)| id.get().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A last-resort ML-KEM-1024 prekey (id 1000), signed by `identity`: the KEM prekey a bundle
/// carries when there is no one-time KEM prekey to hand out (SPEC.md 18).
fn last_resort_kem(
    rng: &mut ChaCha20Rng,
    identity: &IdentityKeyPair,
    created: Timestamp,
) -> KemPreKeyPair {
    KemPreKeyPair::generate(
        rng,
        identity,
        KemPreKeyId(1000),
        KemPreKeyKind::LastResort,
        created,
    )
}

/// One device of an account (sections 14 to 18): its identity key, its prekeys (a signed
/// prekey, a last-resort KEM prekey, and the one-time prekeys and one-time KEM prekeys its
/// bundles hand out) and its sessions with other devices.
struct Device {
    name: &'static str,
    identity: IdentityKeyPair,
    signed_prekey: SignedPreKeyPair,
    prekeys: InMemoryPreKeyStore,
    next_one_time: u32,
    sessions: DeviceSessions,
    config: Config,
}

impl Device {
    fn new(
        name: &'static str,
        at: DeviceAddress,
        identity: IdentityKeyPair,
        signed_prekey: SignedPreKeyPair,
        last_resort: KemPreKeyPair,
        config: &Config,
    ) -> Self {
        let mut prekeys = InMemoryPreKeyStore::new();
        prekeys.add_signed_prekey(signed_prekey.clone());
        prekeys.add_kem_prekey(last_resort);
        let sessions = DeviceSessions::new(
            at,
            *identity.public_key(),
            config,
            DeviceListPolicy::default(),
        );
        Self {
            name,
            identity,
            signed_prekey,
            prekeys,
            next_one_time: 1,
            sessions,
            config: *config,
        }
    }

    fn label(&self) -> String {
        format!("{} ({})", address(self.sessions.local()), self.name)
    }

    /// The bundle the server hands out for this device: each with a fresh one-time prekey and
    /// a fresh one-time KEM prekey.
    fn bundle(&mut self, rng: &mut ChaCha20Rng) -> Result<Vec<u8>, hushwire::Error> {
        let key = OneTimePreKeyPair::generate(rng, OneTimePreKeyId(self.next_one_time));
        let kem = KemPreKeyPair::generate(
            rng,
            &self.identity,
            KemPreKeyId(self.next_one_time),
            KemPreKeyKind::OneTime,
            self.signed_prekey.public().created_at(),
        );
        self.next_one_time += 1;
        let bundle = PreKeyBundle::new(&self.identity, &self.signed_prekey, Some(*key.public()))?
            .with_kem_prekey(kem.public())?;
        self.prekeys.add_one_time_prekey(key);
        self.prekeys.add_kem_prekey(kem);
        Ok(bundle.encode())
    }

    /// Decodes and decrypts a device message that arrived for this device: `own` is its
    /// account's list, `sender` the sending account's (both as this device holds them).
    fn receive(
        &mut self,
        rng: &mut ChaCha20Rng,
        wire: &[u8],
        own: &VerifiedDeviceList,
        sender: &VerifiedDeviceList,
        now: Timestamp,
    ) -> Result<Received, hushwire::Error> {
        let message = DeviceMessage::decode(wire, &self.config)?;
        self.sessions.decrypt(
            rng,
            &self.identity,
            &mut self.prekeys,
            own,
            sender,
            &message,
            now,
        )
    }
}

/// On `devices[from]`, starts a session with every device a message to `recipient`'s account
/// would go to that has none (`missing_sessions`), each from a bundle fetched from the server
/// and validated. Returns the devices' labels.
fn connect(
    rng: &mut ChaCha20Rng,
    devices: &mut [Device],
    from: usize,
    own: &VerifiedDeviceList,
    recipient: &VerifiedDeviceList,
    now: Timestamp,
) -> Result<Vec<String>, hushwire::Error> {
    let mut started = Vec::new();
    for to in devices[from].sessions.missing_sessions(own, recipient) {
        let target = devices
            .iter_mut()
            .find(|d| d.sessions.local() == &to)
            .ok_or(hushwire::Error::DeviceNotListed {
                device: to.device.get(),
            })?;
        let published = target.bundle(rng)?;
        started.push(target.label());
        let sender = &mut devices[from];
        let bundle = PreKeyBundleIn::decode(&published, &sender.config)?.validate()?;
        let list = if &to.account == recipient.account_id() {
            recipient
        } else {
            own
        };
        sender
            .sessions
            .start_session(rng, &sender.identity, list, to.device, &bundle, now)?;
    }
    Ok(started)
}

/// The server hands `message` to the device it is addressed to, which decrypts it with the
/// lists it holds (`lists`: the current list of every account involved). Returns that
/// device's index and what decrypting gave.
fn deliver(
    rng: &mut ChaCha20Rng,
    devices: &mut [Device],
    message: &DeviceMessage,
    lists: &[&VerifiedDeviceList],
    now: Timestamp,
) -> Result<(usize, Result<Received, hushwire::Error>), hushwire::Error> {
    let list_of = |account: &AccountId| {
        lists
            .iter()
            .copied()
            .find(|list| list.account_id() == account)
            .ok_or(hushwire::Error::MisaddressedMessage { field: "account" })
    };
    let (own, sender) = (
        list_of(&message.recipient().account)?,
        list_of(&message.sender().account)?,
    );
    let index = devices
        .iter()
        .position(|d| d.sessions.local() == message.recipient())
        .ok_or(hushwire::Error::MisaddressedMessage { field: "recipient" })?;
    let received = devices[index].receive(rng, &message.encode(), own, sender, now);
    Ok((index, received))
}

/// Delivers every envelope of a fan-out, one line each: to which device, its size, and what
/// the device read.
fn deliver_all(
    rng: &mut ChaCha20Rng,
    devices: &mut [Device],
    messages: &[DeviceMessage],
    lists: &[&VerifiedDeviceList],
    now: Timestamp,
) -> Result<(), hushwire::Error> {
    for message in messages {
        let (index, received) = deliver(rng, devices, message, lists, now)?;
        let received = received?;
        println!(
            "   → {}: {} bytes{}, reads {:?}",
            devices[index].label(),
            message.encode().len(),
            if message.envelope().is_prekey() {
                " (first message)"
            } else {
                ""
            },
            text(&received.plaintext)
        );
    }
    Ok(())
}

/// A new account with one device (sections 19 to 23): its phone, whose identity key doubles as
/// the account key, signs the account's device list (valid 30 days from `now`).
fn one_device_account(
    rng: &mut ChaCha20Rng,
    account: &str,
    name: &'static str,
    now: Timestamp,
    config: &Config,
) -> Result<(VerifiedDeviceList, Device), hushwire::Error> {
    let account = AccountId::new(account)?;
    let identity = IdentityKeyPair::generate(rng);
    let list = AccountKeyPair::from_seed(identity.to_seed().as_bytes()).sign_device_list(
        &account,
        1,
        now,
        Timestamp::from_unix_seconds(now.as_unix_seconds() + DEFAULT_DEVICE_LIST_LIFETIME_SECONDS),
        &[(DeviceId::new(1)?, *identity.public_key())],
    )?;
    let signed_prekey = SignedPreKeyPair::generate(rng, &identity, SignedPreKeyId(1), now);
    let last_resort = last_resort_kem(rng, &identity, now);
    let device = Device::new(
        name,
        DeviceAddress::new(account, DeviceId::new(1)?),
        identity,
        signed_prekey,
        last_resort,
        config,
    );
    Ok((list, device))
}

/// A member device of the group (sections 19 to 23): its index in `devices`, and its group
/// session.
type Member = (usize, GroupSession);

/// Sends `members[sender]`'s current sender key to every other member device, never in the
/// clear: the encoded distribution is the plaintext of one pairwise fan-out per other member
/// account (`lists`: the current list of every member account; each fan-out also reaches the
/// sender's own other devices), sessions started first where missing. Each receiving device
/// decodes it and takes it in from the sender its pairwise session authenticated. One line.
fn distribute(
    rng: &mut ChaCha20Rng,
    devices: &mut [Device],
    members: &mut [Member],
    sender: usize,
    lists: &[&VerifiedDeviceList],
    now: Timestamp,
) -> Result<(), hushwire::Error> {
    let from = members[sender].0;
    let distribution = members[sender].1.distribution();
    let encoded = distribution.encode();
    let account = devices[from].sessions.local().account.clone();
    let own = lists
        .iter()
        .copied()
        .find(|list| list.account_id() == &account)
        .ok_or(hushwire::Error::MisaddressedMessage { field: "own_list" })?;
    let (mut started, mut sizes, mut added, mut repeated) = (0, Vec::new(), 0, 0);
    for recipient in lists.iter().filter(|list| list.account_id() != &account) {
        started += connect(rng, devices, from, own, recipient, now)?.len();
        let messages = devices[from]
            .sessions
            .encrypt_for_account(own, recipient, now, &encoded)?;
        for message in &messages {
            sizes.push(message.encode().len());
            let (index, received) = deliver(rng, devices, message, lists, now)?;
            let received = received?;
            let (_, group) = members
                .iter_mut()
                .find(|(device, _)| *device == index)
                .ok_or(hushwire::Error::NotAGroupMember {
                    device: message.recipient().device.get(),
                })?;
            let arrived = SenderKeyDistribution::decode(&received.plaintext)?;
            match group.process_distribution(&received.from, &arrived)? {
                DistributionOutcome::Added => added += 1,
                DistributionOutcome::AlreadyHeld => repeated += 1,
            }
        }
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let (min, max) = (
        sizes.iter().min().copied().unwrap_or(0),
        sizes.iter().max().copied().unwrap_or(0),
    );
    println!(
        "   {}: chain {}, a {}-byte distribution → {} of {} bytes{}; added by {}{}",
        devices[from].label(),
        distribution.chain_id(),
        encoded.len(),
        plural(sizes.len(), "envelope"),
        if min == max {
            min.to_string()
        } else {
            format!("{min}–{max}")
        },
        match started {
            0 => String::new(),
            n => format!(" ({} started)", plural(n, "session")),
        },
        plural(added, "device"),
        match repeated {
            0 => String::new(),
            n => format!(", {} to its other device already held", plural(n, "repeat")),
        }
    );
    Ok(())
}

fn main() -> Result<(), hushwire::Error> {
    let mut rng = ChaCha20Rng::seed_from_u64(2026);
    // The customer's app runs the default, pure-Rust provider; the business's backend picks
    // AWS-LC's assembly (cargo feature `aws-lc-rs`) for speed. Every provider produces the same
    // bytes and refuses the same inputs, so the two ends need not agree on one.
    let customer_config = Config::default();
    let mut business_config = Config::default();
    business_config.provider =
        CryptoProvider::by_name("aws-lc-rs").unwrap_or(&hushwire::provider::RUST_CRYPTO);

    println!("== 1. The business publishes its keys");
    println!(
        "   the business encrypts with the {} provider, the customer with {}",
        business_config.provider.name(),
        customer_config.provider.name()
    );
    let business = IdentityKeyPair::generate(&mut rng);
    let created = Timestamp::from_unix_seconds(1_764_000_000);
    let spk = SignedPreKeyPair::generate(&mut rng, &business, SignedPreKeyId(1), created);
    let mut store = InMemoryPreKeyStore::new();
    let mut one_time = Vec::new();
    for id in 1..=3 {
        let key = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id));
        one_time.push(*key.public());
        store.add_one_time_prekey(key);
    }
    // The post-quantum half (SPEC.md 18): a last-resort ML-KEM-1024 prekey that stays, and
    // one-time KEM prekeys the server hands out first.
    let last_resort = KemPreKeyPair::generate(
        &mut rng,
        &business,
        KemPreKeyId(1000),
        KemPreKeyKind::LastResort,
        created,
    );
    let mut one_time_kem = Vec::new();
    for id in 1..=3 {
        let key = KemPreKeyPair::generate(
            &mut rng,
            &business,
            KemPreKeyId(id),
            KemPreKeyKind::OneTime,
            created,
        );
        one_time_kem.push(key.public().clone());
        store.add_kem_prekey(key);
    }
    store.add_kem_prekey(last_resort.clone());
    let bundle_bytes = PreKeyBundle::new(&business, &spk, one_time.first().copied())?
        .with_kem_prekey(&one_time_kem[0])?
        .encode();
    let classic_bytes = PreKeyBundle::new(&business, &spk, one_time.first().copied())?.encode();
    store.add_signed_prekey(spk);
    println!(
        "   identity key   {}",
        short(&business.public_key().to_bytes())
    );
    println!(
        "   bundle         {} bytes on the server ({} without its ML-KEM-1024 prekey); 3 \
         one-time prekeys, 3 one-time KEM prekeys and a last-resort KEM prekey in the store",
        bundle_bytes.len(),
        classic_bytes.len()
    );

    println!("== 2. The customer fetches and verifies the bundle, then runs X3DH");
    let customer = IdentityKeyPair::generate(&mut rng);
    let (acme, customer_id) = (
        AccountId::new("acme-shoes")?,
        AccountId::new("+14155550123")?,
    );
    let now = Timestamp::from_unix_seconds(1_764_000_600);
    let bundle = PreKeyBundleIn::decode(&bundle_bytes, &customer_config)?.validate()?;
    println!(
        "   signed prekey and KEM prekey signatures verified (prekey id {}, KEM prekey id {})",
        bundle.signed_prekey().id().0,
        bundle.kem_prekey().map_or(0, |kem| kem.id().0)
    );
    // A server that strips the KEM prekey cannot downgrade the session: the default policy
    // requires the hybrid set-up.
    let stripped = PreKeyBundleIn::decode(&classic_bytes, &customer_config)?.validate()?;
    match Session::initiate(&mut rng, &customer, &stripped, &customer_config) {
        Err(error) => println!("   the same bundle without its KEM prekey: refused ({error})"),
        Ok(_) => println!("   a bundle without a KEM prekey was used (this is a bug)"),
    }
    // The customer's app remembers the first key it sees for each account (trust on first use)
    // and, by default, holds sending when it changes.
    let customer_trust =
        TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());
    customer_trust.check_send(&acme, bundle.identity_key(), now)?;
    println!("   acme-shoes's identity key trusted on first use (unverified)");
    let mut customer_session = Session::initiate(&mut rng, &customer, &bundle, &customer_config)?;

    println!("== 3. The customer writes first");
    let first = customer_session
        .encrypt(b"Hi, my order #1042 has not arrived.")?
        .encode();
    let second = customer_session.encrypt(b"It was due on Monday.")?.encode();
    println!(
        "   sent 2 PreKeyMessages ({} and {} bytes)",
        first.len(),
        second.len()
    );

    println!("== 4. The business accepts the first message");
    let first_message = Envelope::decode(&first, &business_config)?.into_prekey()?;
    // The core touches no storage: look up the prekeys the message names, decrypt, and only
    // then delete the one-time prekey (a forged first message cannot burn one).
    let signed_prekey = store
        .signed_prekey(first_message.signed_prekey_id())
        .ok_or(hushwire::Error::UnknownSignedPreKey {
            id: first_message.signed_prekey_id().0,
        })?;
    let one_time_prekey = first_message
        .one_time_prekey_id()
        .map(|id| store.one_time_prekey(id))
        .transpose()?;
    let kem_prekey = first_message
        .kem()
        .map(|kem| store.kem_prekey(kem.prekey_id()))
        .transpose()?;
    let acceptance = Session::accept(
        &mut rng,
        &business,
        signed_prekey,
        one_time_prekey,
        kem_prekey,
        &first_message,
        &business_config,
    )?;
    println!(
        "   X25519 + ML-KEM-1024 set-up, decrypted (session {}…); now delete one-time prekey {} \
         and one-time KEM prekey {}",
        &acceptance.session_id().to_string()[..16],
        acceptance
            .one_time_prekey_id()
            .map_or("none".to_string(), |id| id.0.to_string()),
        acceptance
            .prekey_uses()
            .kem_prekey
            .map_or("none".to_string(), |kem| kem.id.0.to_string())
    );
    let (mut business_session, plaintext) =
        acceptance.complete(|uses, _stored| store.use_prekeys(uses))?;
    println!("   customer: {:?}", text(&plaintext));
    let business_trust =
        TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());
    business_trust.observe(&customer_id, business_session.their_identity(), now)?;
    println!("   the customer's identity key trusted on first use by the backend");
    println!(
        "   one-time prekey consumed; {} left",
        store.one_time_prekeys_left()
    );
    println!(
        "   customer: {:?}",
        text(&business_session.decrypt_bytes(&mut rng, &second)?)
    );

    println!("== 5. The business replies with three messages; they arrive out of order");
    let replies: Vec<Vec<u8>> = [
        "Sorry about that! Let me check.",
        "The parcel is at the depot.",
        "It will be delivered tomorrow before noon.",
    ]
    .iter()
    .map(|m| business_session.encrypt(m.as_bytes()).map(|e| e.encode()))
    .collect::<Result<_, _>>()?;
    for index in [2, 0, 1] {
        let plaintext = customer_session.decrypt_bytes(&mut rng, &replies[index])?;
        println!(
            "   message #{index} arrives: {:?} (skipped keys held: {})",
            text(&plaintext),
            customer_session.skipped_key_count()
        );
    }

    println!("== 6. Replays and a swapped KEM ciphertext are refused, and change nothing");
    let before = customer_session.to_stored();
    match customer_session.decrypt_bytes(&mut rng, &replies[1]) {
        Err(error) => println!("   replay of #1: {error}"),
        Ok(_) => println!("   replay of #1 was accepted (this is a bug)"),
    }
    println!(
        "   state unchanged: {}",
        customer_session.to_stored().as_bytes() == before.as_bytes()
    );
    // The customer's first message, replayed to the business: its prekeys are used up.
    let left = |store: &InMemoryPreKeyStore| {
        (
            store.one_time_prekeys_left(),
            store.one_time_kem_prekeys_left(),
        )
    };
    let prekeys_before = left(&store);
    let replayed = Envelope::decode(&first, &business_config)?.into_prekey()?;
    match Session::accept_with_store(&mut rng, &business, &mut store, &replayed, &business_config) {
        Err(error) => println!("   the first message replayed to the business: refused ({error})"),
        Ok(_) => println!("   a replayed first message started a session (this is a bug)"),
    }
    // Another customer writes first, to the next bundle the server hands out; on the way, its
    // ML-KEM ciphertext is swapped for another one made for the same KEM prekey.
    let signed_prekey = store
        .signed_prekey(SignedPreKeyId(1))
        .ok_or(hushwire::Error::UnknownSignedPreKey { id: 1 })?;
    let next_bundle = PreKeyBundle::new(&business, signed_prekey, one_time.get(1).copied())?
        .with_kem_prekey(&one_time_kem[1])?;
    let another = IdentityKeyPair::generate(&mut rng);
    let genuine = Session::initiate(&mut rng, &another, &next_bundle, &customer_config)?
        .encrypt(b"Do you ship to Canada?")?;
    let other =
        Session::initiate(&mut rng, &another, &next_bundle, &customer_config)?.encrypt(b"Hello")?;
    let ciphertext = |envelope: &Envelope| {
        envelope
            .as_prekey()
            .and_then(|message| message.kem())
            .map(|kem| kem.ciphertext().as_bytes().to_vec())
            .ok_or(hushwire::Error::MissingField { field: "kem" })
    };
    let (ours, theirs) = (ciphertext(&genuine)?, ciphertext(&other)?);
    let mut swapped = genuine.encode();
    let at = swapped
        .windows(ours.len())
        .position(|window| window == ours.as_slice())
        .ok_or(hushwire::Error::MissingField {
            field: "kem.ciphertext",
        })?;
    swapped[at..at + ours.len()].copy_from_slice(&theirs);
    let swapped = Envelope::decode(&swapped, &business_config)?.into_prekey()?;
    match Session::accept_with_store(&mut rng, &business, &mut store, &swapped, &business_config) {
        Err(error) => println!(
            "   another customer's first message, KEM ciphertext swapped: refused, {} ({error})",
            error.kind()
        ),
        Ok(_) => println!("   a swapped KEM ciphertext was accepted (this is a bug)"),
    }
    println!(
        "   prekeys unchanged: {} ({} one-time and {} one-time KEM prekeys left)",
        left(&store) == prekeys_before,
        left(&store).0,
        left(&store).1
    );
    let (_, plaintext) = Session::accept_with_store(
        &mut rng,
        &business,
        &mut store,
        &genuine.into_prekey()?,
        &business_config,
    )?;
    println!(
        "   the genuine message still goes through: {:?}",
        text(&plaintext)
    );

    println!("== 7. Both sides store their sessions and restore them");
    let stored_customer = customer_session.to_stored();
    let stored_business = business_session.to_stored();
    println!(
        "   customer state {} bytes, business state {} bytes, both under session id {}…",
        stored_customer.len(),
        stored_business.len(),
        &business_session.id().to_string()[..16]
    );
    let mut customer_session = Session::from_stored(stored_customer.as_bytes(), &customer_config)?;
    let mut business_session = Session::from_stored(stored_business.as_bytes(), &business_config)?;
    let cut = &stored_business.as_bytes()[..stored_business.len() - 1];
    match Session::from_stored(cut, &business_config) {
        Err(error) => println!("   a row cut short is refused: {error}"),
        Ok(_) => println!("   a row cut short loaded (this is a bug)"),
    }

    println!("== 8. The conversation goes on (each turn is a DH ratchet step)");
    for (from_customer, line) in [
        (true, "Great, thank you."),
        (false, "You're welcome. Anything else?"),
        (true, "No, that's all."),
    ] {
        let (sender, receiver, who) = if from_customer {
            (&mut customer_session, &mut business_session, "customer")
        } else {
            (&mut business_session, &mut customer_session, "business")
        };
        let wire = sender.encrypt(line.as_bytes())?.encode();
        println!(
            "   {who}: {:?} ({} bytes on the wire)",
            text(&receiver.decrypt_bytes(&mut rng, &wire)?),
            wire.len()
        );
    }

    println!("== 9. The customer compares the safety number with the business");
    let on_customer = SafetyNumber::for_session(&customer_session, &customer_id, &acme);
    let on_business = SafetyNumber::for_session(&business_session, &acme, &customer_id);
    println!("   customer's screen: {}", on_customer.grouped());
    println!("   business's screen: {}", on_business.grouped());
    println!(
        "   the same 60 digits on both: {}",
        on_customer.digits() == on_business.digits()
    );
    println!(
        "   the business's QR code ({} bytes):",
        on_business.scannable().len()
    );
    for line in on_business.qr_unicode().lines() {
        println!("      {line}");
    }
    // The customer's camera reads the code; the app hands the scanned bytes over.
    let proof = on_customer.verify_scanned(&on_business.scannable(), now)?;
    customer_trust.mark_verified(&acme, &proof)?;
    println!(
        "   scanned: it matches; acme-shoes verified by {:?}",
        proof.method()
    );

    println!("== 10. Over a phone call instead: emoji (SAS), inside the session");
    // Each verification message travels as the plaintext of a session message, so it is
    // encrypted and authenticated like any other; the app's own framing marks it as one.
    let mut send = |from: &mut Session, to: &mut Session, message: &VerificationMessage| {
        let wire = from.encrypt(&message.encode())?.encode();
        VerificationMessage::decode(&to.decrypt_bytes(&mut rng, &wire)?)
    };
    // One exchange at a time per account, and a lockout after three failures (SPEC.md
    // 12.4.6): what keeps a man in the middle from trying until the emoji happen to match.
    let (mut customer_attempts, mut business_attempts) =
        (SasAttempts::default(), SasAttempts::default());
    customer_attempts.begin(&acme, now)?;
    let (started, start) = Sas::start(&mut ChaCha20Rng::seed_from_u64(7), &customer_session, now)?;
    let start = send(&mut customer_session, &mut business_session, &start)?;
    business_attempts.begin(&customer_id, now)?;
    let (responded, accept) = Sas::respond(
        &mut ChaCha20Rng::seed_from_u64(8),
        &business_session,
        &start,
        now,
    )?;
    let accept = send(&mut business_session, &mut customer_session, &accept)?;
    let (awaiting, customer_key) = started.receive_accept(&accept, now)?;
    let customer_key = send(&mut customer_session, &mut business_session, &customer_key)?;
    let (business_ready, business_key) = responded.receive_key(&customer_key, now)?;
    let business_key = send(&mut business_session, &mut customer_session, &business_key)?;
    let customer_ready = awaiting.receive_key(&business_key, now)?;
    let show = |emoji: [hushwire::SasEmoji; 7]| {
        emoji
            .iter()
            .map(|e| format!("{} {}", e.symbol, e.name))
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!("   customer sees: {}", show(customer_ready.emoji()));
    println!("   business sees: {}", show(business_ready.emoji()));
    println!(
        "   or read aloud: {:?} and {:?}",
        customer_ready.decimals(),
        business_ready.decimals()
    );
    // Both people say "they match".
    let (customer_confirmed, customer_mac) = customer_ready.confirm(now)?;
    let customer_mac = send(&mut customer_session, &mut business_session, &customer_mac)?;
    let (business_confirmed, business_mac) = business_ready.confirm(now)?;
    let business_mac = send(&mut business_session, &mut customer_session, &business_mac)?;
    let (
        SasConfirmation::AwaitingMac(customer_confirmed),
        SasConfirmation::AwaitingMac(business_confirmed),
    ) = (customer_confirmed, business_confirmed)
    else {
        unreachable!("neither MAC had arrived before its side confirmed");
    };
    let customer_proof = customer_confirmed.receive_mac(&business_mac, now)?;
    let business_proof = business_confirmed.receive_mac(&customer_mac, now)?;
    customer_trust.mark_verified(&acme, &customer_proof)?;
    business_trust.mark_verified(&customer_id, &business_proof)?;
    customer_attempts.verified(&acme);
    business_attempts.verified(&customer_id);
    println!(
        "   both MACs verified: each side marks the other verified by {:?}",
        customer_proof.method()
    );

    println!("== 11. Later, the business's identity key changes");
    // A reinstall without a backup (or a server handing out a key of its own): a new identity
    // and a new bundle.
    let new_business = IdentityKeyPair::generate(&mut rng);
    let new_spk = SignedPreKeyPair::generate(&mut rng, &new_business, SignedPreKeyId(2), now);
    // No one-time prekeys yet: the bundle carries the last-resort KEM prekey.
    let new_kem = last_resort_kem(&mut rng, &new_business, now);
    let mut new_store = InMemoryPreKeyStore::new();
    new_store.add_signed_prekey(new_spk.clone());
    new_store.add_kem_prekey(new_kem.clone());
    let new_bundle = PreKeyBundleIn::decode(
        &PreKeyBundle::new(&new_business, &new_spk, None)?
            .with_kem_prekey(new_kem.public())?
            .encode(),
        &customer_config,
    )?
    .validate()?;
    let later = Timestamp::from_unix_seconds(now.as_unix_seconds() + 86_400);
    match customer_trust.check_send(&acme, new_bundle.identity_key(), later) {
        Err(error) => println!("   the customer's app holds the message: {error}"),
        Ok(_) => println!("   a changed key was accepted silently (this is a bug)"),
    }
    println!("   the app shows: \"The security code with acme-shoes changed. Tap to verify.\"");
    customer_trust.acknowledge(&acme, new_bundle.identity_key())?;
    customer_trust.check_send(&acme, new_bundle.identity_key(), later)?;
    let mut renewed = Session::initiate(&mut rng, &customer, &new_bundle, &customer_config)?;
    let wire = renewed.encrypt(b"Is this still Acme Shoes?")?.encode();
    let record = customer_trust.record(&acme)?;
    println!(
        "   acknowledged: sending resumes ({} bytes sent); acme-shoes is now {}",
        wire.len(),
        if record.is_some_and(|r| r.is_verified()) {
            "verified"
        } else {
            "unverified until checked again"
        }
    );
    let (_, plaintext) = Session::accept_with_store(
        &mut rng,
        &new_business,
        &mut new_store,
        &Envelope::decode(&wire, &business_config)?.into_prekey()?,
        &business_config,
    )?;
    println!(
        "   the business, on its new key, reads {:?} (X25519 + last-resort KEM prekey {})",
        text(&plaintext),
        new_kem.id().0
    );

    println!("== 12. Acme Shoes becomes a verified business");
    // The verification service: a root kept offline (pinned in every app) certifies an online
    // issuer, which checks Acme Shoes and certifies its account identity key for 30 days.
    let root = RootKeyPair::generate(&mut rng, 1);
    let issuer_key = IdentityKeyPair::generate(&mut rng);
    let issuer_certificate = root.certify_issuer(&IssuerTemplate {
        serial: 1,
        issuer_key: *issuer_key.public_key(),
        validity: Validity::days_from(later, 365)?,
        allowed_levels: LevelSet::new(&[
            VerificationLevel::Registered,
            VerificationLevel::Verified,
        ])?,
    });
    let issuer = IssuerKeyPair::new(issuer_key, issuer_certificate)?;
    let acme_template = |serial: u64,
                         key: &IdentityKeyPair,
                         validity|
     -> Result<BusinessTemplate, hushwire::Error> {
        Ok(BusinessTemplate {
            serial,
            identity_key: *key.public_key(),
            business_id: BusinessId::new("acme-shoes")?,
            display_name: DisplayName::normalize("Acme Shoes")?,
            level: VerificationLevel::Verified,
            validity,
            phone_number: Some(PhoneNumber::new("+14155550100")?),
            website: Some(Website::new("https://acme-shoes.example")?),
        })
    };
    let chain = issuer.certify_business(&acme_template(
        7,
        &new_business,
        Validity::days_from(later, 30)?,
    )?)?;
    let published = PreKeyBundle::new(&new_business, &new_spk, None)?
        .with_kem_prekey(new_kem.public())?
        .with_business_certificate(chain)?
        .encode();
    println!(
        "   the issuer certified acme-shoes's key (serial 7, 30 days); the bundle is now {} bytes",
        published.len()
    );
    // The customer's app pins the root and keeps the revocation lists the server hands out
    // (a root's list and the issuer's, each recent enough).
    let roots = TrustRoots::new([root.trust_root()])?;
    let mut revocations = Revocations::new();
    revocations.update(root.revoke(1, later, &[])?, &roots, later)?;
    revocations.update(issuer.revoke(1, later, &[])?, &roots, later)?;
    let bundle = PreKeyBundleIn::decode(&published, &customer_config)?.validate_business(
        &roots,
        later,
        &revocations,
    )?;
    let mut verified_session = Session::initiate(&mut rng, &customer, &bundle, &customer_config)?;
    if let Some(business) = verified_session.their_business() {
        customer_trust.observe_business(&acme, business, later)?;
        println!(
            "   the customer's app shows: \"{}: {}\" ({}, {})",
            business.level().name(),
            business.display_name(),
            business.phone_number().map_or("", |p| p.as_str()),
            business.website().map_or("", |w| w.as_str()),
        );
    }
    let stored = Session::from_stored(verified_session.to_stored().as_bytes(), &customer_config)?;
    println!(
        "   stored and restored, the session still knows: {}",
        stored
            .their_business()
            .map_or("nobody".into(), |b| b.display_name().to_string())
    );
    let wire = verified_session
        .encrypt(b"Great, you are verified now.")?
        .encode();
    println!("   sent {} bytes to the verified business", wire.len());

    println!("== 13. What the customer's app refuses");
    let week = Timestamp::from_unix_seconds(later.as_unix_seconds() + 7 * 86_400);
    // An impostor (or a server) hands out another key for acme-shoes, without a certificate.
    let impostor = IdentityKeyPair::generate(&mut rng);
    match customer_trust.check_send(&acme, impostor.public_key(), week) {
        Err(error) => println!(
            "   a new key without a certificate: refused ({})",
            error.kind()
        ),
        Ok(_) => println!("   a new key without a certificate was accepted (this is a bug)"),
    }
    // The issuer revokes serial 7 (say the account was taken over): fresh lists carry it.
    let mut fresh = revocations.clone();
    fresh.update(root.revoke(2, week, &[])?, &roots, week)?;
    fresh.update(issuer.revoke(2, week, &[7])?, &roots, week)?;
    match PreKeyBundleIn::decode(&published, &customer_config)?
        .validate_business(&roots, week, &fresh)
    {
        Err(error) => println!("   after revocation: {error}"),
        Ok(_) => println!("   a revoked certificate was accepted (this is a bug)"),
    }
    // Without fresh lists, nothing validates after 48 hours: no silent fail-open.
    match PreKeyBundleIn::decode(&published, &customer_config)?.validate_business(
        &roots,
        week,
        &revocations,
    ) {
        Err(error) => println!("   with week-old lists: {error}"),
        Ok(_) => println!("   a stale revocation list was accepted (this is a bug)"),
    }
    // 31 days on, the 30-day certificate has expired (lists are fresh).
    let month = Timestamp::from_unix_seconds(later.as_unix_seconds() + 31 * 86_400);
    let mut current = Revocations::new();
    current.update(root.revoke(3, month, &[])?, &roots, month)?;
    current.update(issuer.revoke(3, month, &[])?, &roots, month)?;
    match PreKeyBundleIn::decode(&published, &customer_config)?
        .validate_business(&roots, month, &current)
    {
        Err(error) => println!("   31 days later: {error}"),
        Ok(_) => println!("   an expired certificate was accepted (this is a bug)"),
    }
    // Acme moves to a new key with a new certificate: an ordinary, announced key change.
    let moved = IdentityKeyPair::generate(&mut rng);
    let moved_spk = SignedPreKeyPair::generate(&mut rng, &moved, SignedPreKeyId(3), month);
    let moved_kem = last_resort_kem(&mut rng, &moved, month);
    let renewed_chain =
        issuer.certify_business(&acme_template(8, &moved, Validity::days_from(month, 30)?)?)?;
    let moved_bundle = PreKeyBundleIn::decode(
        &PreKeyBundle::new(&moved, &moved_spk, None)?
            .with_kem_prekey(moved_kem.public())?
            .with_business_certificate(renewed_chain)?
            .encode(),
        &customer_config,
    )?
    .validate_business(&roots, month, &current)?;
    if let Some(business) = moved_bundle.business() {
        match customer_trust.check_send_business(&acme, business, month) {
            Err(error) => println!(
                "   a new key with a new certificate: announced, and held until acknowledged ({})",
                error.kind()
            ),
            Ok(_) => println!("   a new key with a new certificate: accepted"),
        }
    }

    println!("== 14. Acme goes multi-device: its phone links a support-desk backend by QR code");
    // An account key signs the account's device list. Acme's is the key its certificate
    // (serial 8) certifies, held by its phone, which keeps it as its own identity key too (one
    // Ed25519 key in both roles, as WhatsApp's primary does; the signature contexts keep the
    // two uses apart).
    let certified = moved_bundle
        .business()
        .ok_or(hushwire::Error::IdentityMismatch)?;
    let acme_account = AccountKeyPair::from_seed(moved.to_seed().as_bytes());
    let policy = DeviceListPolicy::default();
    let expiry = |from: Timestamp| {
        Timestamp::from_unix_seconds(from.as_unix_seconds() + DEFAULT_DEVICE_LIST_LIFETIME_SECONDS)
    };
    let acme_v1 = acme_account.sign_device_list(
        &acme,
        1,
        month,
        expiry(month),
        &[(DeviceId::new(1)?, *moved.public_key())],
    )?;
    println!(
        "   account key {} (the key certificate serial {} certifies: {})",
        short(&acme_account.public_key().to_bytes()),
        certified.serial(),
        acme_account.public_key().identity_key() == certified.identity_key()
    );
    println!(
        "   list v{}: device {} (phone), signed for 30 days",
        acme_v1.list_version(),
        device_ids(&acme_v1)
    );
    let mut devices = vec![Device::new(
        "phone",
        DeviceAddress::new(acme.clone(), DeviceId::new(1)?),
        moved,
        moved_spk,
        moved_kem,
        &business_config,
    )];
    // The backend shows a QR code: its identity key and a one-time secret. The secret never
    // leaves the screen and the phone's camera.
    let desk_identity = IdentityKeyPair::generate(&mut rng);
    let pending = PendingLink::new(&mut rng, &desk_identity);
    let qr = pending.qr_payload();
    let offer = LinkOffer::decode(&qr)?;
    println!(
        "   the backend shows a QR code ({} bytes); the phone scans device key {}",
        qr.len(),
        short(&offer.device_key().to_bytes())
    );
    let (acme_v2, approval) = offer.approve(
        &acme_account,
        &acme_v1,
        DeviceId::new(2)?,
        month,
        expiry(month),
    )?;
    println!(
        "   the phone signs list v{} (devices {}) and sends a {}-byte approval via the server",
        acme_v2.list_version(),
        device_ids(&acme_v2),
        approval.len()
    );
    let linked = pending.complete(&approval, month, &policy)?;
    println!(
        "   the backend: MAC checked under the QR secret, it is {} on list v{}",
        address(&linked.address),
        linked.list.list_version()
    );
    let desk_spk = SignedPreKeyPair::generate(&mut rng, &desk_identity, SignedPreKeyId(1), month);
    let desk_kem = last_resort_kem(&mut rng, &desk_identity, month);
    devices.push(Device::new(
        "support desk",
        linked.address,
        desk_identity,
        desk_spk,
        desk_kem,
        &business_config,
    ));

    println!("== 15. The customer has a phone and a laptop");
    // The customer's phone is its primary: its identity key doubles as the account key. (The
    // laptop is linked by QR code as above; here the phone signs the list directly.)
    let customer_account = AccountKeyPair::from_seed(customer.to_seed().as_bytes());
    let laptop_identity = IdentityKeyPair::generate(&mut rng);
    let customer_list = customer_account.sign_device_list(
        &customer_id,
        1,
        month,
        expiry(month),
        &[
            (DeviceId::new(1)?, *customer.public_key()),
            (DeviceId::new(2)?, *laptop_identity.public_key()),
        ],
    )?;
    println!(
        "   list v{}: devices {} (phone, laptop), {} bytes",
        customer_list.list_version(),
        device_ids(&customer_list),
        customer_list.to_bytes().len()
    );
    let customer_spk = SignedPreKeyPair::generate(&mut rng, &customer, SignedPreKeyId(1), month);
    let laptop_spk =
        SignedPreKeyPair::generate(&mut rng, &laptop_identity, SignedPreKeyId(1), month);
    let (customer_kem, laptop_kem) = (
        last_resort_kem(&mut rng, &customer, month),
        last_resort_kem(&mut rng, &laptop_identity, month),
    );
    devices.push(Device::new(
        "phone",
        DeviceAddress::new(customer_id.clone(), DeviceId::new(1)?),
        customer,
        customer_spk,
        customer_kem,
        &customer_config,
    ));
    devices.push(Device::new(
        "laptop",
        DeviceAddress::new(customer_id.clone(), DeviceId::new(2)?),
        laptop_identity,
        laptop_spk,
        laptop_kem,
        &customer_config,
    ));
    let (acme_phone, desk, phone, laptop) = (0, 1, 2, 3);
    // Acme's devices fetch it: the account key it names must be the key Acme has on record
    // for the customer (verified by emoji in section 10).
    let fetched = DeviceListIn::decode(customer_list.to_bytes())?;
    let on_record = business_trust
        .record(&customer_id)?
        .ok_or(hushwire::Error::IdentityMismatch)?;
    let customer_key = AccountKey::from_bytes(&on_record.identity().to_bytes())?;
    let customer_list_at_acme = fetched.validate(&customer_key, month, &policy, None)?;
    println!(
        "   Acme fetches it: list v{} validated under account key {}, the customer's key on record (verified: {})",
        customer_list_at_acme.list_version(),
        short(&customer_list_at_acme.account_key().to_bytes()),
        on_record.is_verified()
    );

    println!("== 16. The customer writes once: every Acme device and the laptop get it");
    // The announced key change of section 13: the customer taps "accept".
    customer_trust.acknowledge(&acme, certified.identity_key())?;
    customer_trust.check_send_business(&acme, certified, month)?;
    println!(
        "   the customer accepts the announced change to the key certified for \"{}\" (serial {})",
        certified.display_name(),
        certified.serial()
    );
    // The list is trusted only under that key: the one the certificate (and so the safety
    // number) covers, whatever key the list itself names.
    let fetched = DeviceListIn::decode(acme_v2.to_bytes())?;
    let acme_key = AccountKey::from_bytes(&certified.identity_key().to_bytes())?;
    let names_it = fetched.account_key() == &acme_key;
    let acme_list = fetched.validate(&acme_key, month, &policy, None)?;
    println!(
        "   fetched acme-shoes's list v{} ({} bytes): signed by that key: {}; validated",
        acme_list.list_version(),
        acme_list.to_bytes().len(),
        names_it
    );
    let started = connect(
        &mut rng,
        &mut devices,
        phone,
        &customer_list,
        &acme_list,
        month,
    )?;
    println!(
        "   no session yet with {}: a bundle each, {} sessions started",
        started.join(", "),
        started.len()
    );
    let messages = devices[phone].sessions.encrypt_for_account(
        &customer_list,
        &acme_list,
        month,
        b"Do you have the trail runners in size 42?",
    )?;
    println!("   the phone encrypts once per device:");
    // Every device now holds both accounts' current lists (identical copies of what each
    // account signed: acme_v2 and customer_list).
    deliver_all(
        &mut rng,
        &mut devices,
        &messages,
        &[&acme_v2, &customer_list],
        month,
    )?;

    println!("== 17. The support desk answers from the backend");
    let started = connect(
        &mut rng,
        &mut devices,
        desk,
        &acme_v2,
        &customer_list,
        month,
    )?;
    println!(
        "   the backend starts sessions with {}",
        started.join(" and ")
    );
    let messages = devices[desk].sessions.encrypt_for_account(
        &acme_v2,
        &customer_list,
        month,
        b"Yes, size 42 is in stock. Shall I hold a pair for you?",
    )?;
    deliver_all(
        &mut rng,
        &mut devices,
        &messages,
        &[&acme_v2, &customer_list],
        month,
    )?;

    println!("== 18. Acme removes the backend from its device list");
    let next_day = Timestamp::from_unix_seconds(month.as_unix_seconds() + 86_400);
    let kept: Vec<_> = acme_v2
        .devices()
        .filter(|(id, _)| id.get() != 2)
        .map(|(id, key)| (id, *key))
        .collect();
    let acme_v3 = acme_account.sign_device_list(
        &acme,
        acme_v2.list_version() + 1,
        next_day,
        expiry(next_day),
        &kept,
    )?;
    println!(
        "   the phone signs list v{}: device {} only",
        acme_v3.list_version(),
        device_ids(&acme_v3)
    );
    // Every other device takes it in as the successor of the v2 it holds, and drops its
    // sessions with devices no longer listed. (The backend itself is offline, or in the wrong
    // hands: it does not.)
    for index in [acme_phone, phone, laptop] {
        let list = DeviceListIn::decode(acme_v3.to_bytes())?.validate(
            acme_list.account_key(),
            next_day,
            &policy,
            Some(&acme_list),
        )?;
        let changes = list.changes_since(&acme_list);
        let dropped = devices[index].sessions.retain_listed(&list);
        println!(
            "   {}: v{} follows v{}, removed {:?}; drops its session with {}",
            devices[index].label(),
            list.list_version(),
            acme_list.list_version(),
            changes
                .removed
                .iter()
                .map(|id| id.get())
                .collect::<Vec<_>>(),
            dropped.iter().map(address).collect::<Vec<_>>().join(", ")
        );
    }
    let messages = devices[phone].sessions.encrypt_for_account(
        &customer_list,
        &acme_v3,
        next_day,
        b"Yes please, I'll pick them up on Saturday.",
    )?;
    println!(
        "   the customer's next message: {} envelopes, none for acme-shoes/2",
        messages.len()
    );
    deliver_all(
        &mut rng,
        &mut devices,
        &messages,
        &[&acme_v3, &customer_list],
        next_day,
    )?;
    // The removed backend, still holding list v2 and its sessions, writes anyway.
    let stale = devices[desk].sessions.encrypt_for_account(
        &acme_v2,
        &customer_list,
        next_day,
        b"Please pay a deposit at acme-sh0es.example first.",
    )?;
    println!(
        "   the removed backend, still on list v{}, writes anyway ({} envelopes):",
        acme_v2.list_version(),
        stale.len()
    );
    for message in &stale {
        let (index, received) = deliver(
            &mut rng,
            &mut devices,
            message,
            &[&acme_v3, &customer_list],
            next_day,
        )?;
        match received {
            Err(error) => println!(
                "   → {}: refused, {} ({error})",
                devices[index].label(),
                error.kind()
            ),
            Ok(_) => println!(
                "   {} accepted a removed device's message (this is a bug)",
                devices[index].label()
            ),
        }
    }

    println!("== 19. Acme opens an order-support group with two customers and a staff member");
    // Two more accounts, one phone each: a second customer, and Lee, of Acme's staff, on her own
    // account. Every member's app holds the lists of the others' accounts (fetched and
    // validated as in sections 15 and 16).
    let (second_list, second_device) = one_device_account(
        &mut rng,
        "+14155550188",
        "2nd customer",
        next_day,
        &customer_config,
    )?;
    let (staff_list, staff_device) = one_device_account(
        &mut rng,
        "+14155550142",
        "staff",
        next_day,
        &business_config,
    )?;
    devices.push(second_device);
    devices.push(staff_device);
    let (second, staff) = (4, 5);
    // Membership is Acme's decision (its group server tells every member's app, SPEC.md 15.7);
    // a member is an account, and every device on its current list is a member device: Acme's
    // phone (list v3, without the removed backend), the customer's phone and laptop, and one
    // phone each for the others.
    let group = GroupId::new("acme-order-1042")?;
    let indices = [acme_phone, phone, laptop, second, staff];
    let addresses: Vec<DeviceAddress> = indices
        .iter()
        .map(|&index| devices[index].sessions.local().clone())
        .collect();
    let mut members = Vec::new();
    for (&index, local) in indices.iter().zip(&addresses) {
        let others = addresses.iter().filter(|a| *a != local).cloned();
        let session = GroupSession::create(
            &mut rng,
            group.clone(),
            local.clone(),
            others,
            &devices[index].config,
        )?;
        members.push((index, session));
    }
    println!(
        "   group {:?}, {} member devices, each with a sender key of its own (not sent yet):",
        text(group.as_bytes()),
        members.len()
    );
    for (index, session) in &members {
        println!(
            "   {}: chain {}",
            devices[*index].label(),
            session.chain_id()
        );
    }

    println!("== 20. Sender keys travel to every other member device, inside pairwise sessions");
    // A distribution reads every later message of its chain: it travels only as the plaintext
    // of pairwise messages (one fan-out per member account, sessions started where missing),
    // and is taken in from the sender the pairwise session authenticated.
    let lists = [&acme_v3, &customer_list, &second_list, &staff_list];
    for sender in 0..members.len() {
        distribute(
            &mut rng,
            &mut devices,
            &mut members,
            sender,
            &lists,
            next_day,
        )?;
    }

    println!("== 21. Acme writes to the group once: every member device reads it");
    let message = members[0]
        .1
        .encrypt(b"Welcome! This group is for your team order #1042. Lee will help you here.")?;
    let wire = message.encode();
    println!(
        "   one {}-byte group message (chain {}, iteration {}, signed), fanned out by the server:",
        wire.len(),
        message.chain_id(),
        message.iteration()
    );
    for (index, session) in members.iter_mut().skip(1) {
        println!(
            "   → {}: reads {:?}",
            devices[*index].label(),
            text(&session.decrypt_bytes(&wire)?)
        );
    }

    println!("== 22. Acme removes the second customer: every remaining member device rotates");
    // Every remaining member's app learns of the removal and removes the device: its sender
    // keys are forgotten, and the member's own sender key is replaced. The removed customer's
    // app keeps everything it had.
    let removed = devices[second].sessions.local().clone();
    for (index, session) in members.iter_mut().filter(|(index, _)| *index != second) {
        let old = session.chain_id();
        let rotated = session.remove_member(&mut rng, &removed)?;
        println!(
            "   {}: removes {}; chain {old} → {}",
            devices[*index].label(),
            address(&removed),
            rotated.chain_id()
        );
    }
    // The new sender keys go to the remaining member devices only, over pairwise sessions.
    let remaining = [&acme_v3, &customer_list, &staff_list];
    for sender in 0..members.len() {
        if members[sender].0 != second {
            distribute(
                &mut rng,
                &mut devices,
                &mut members,
                sender,
                &remaining,
                next_day,
            )?;
        }
    }

    println!("== 23. The removed customer, who kept everything, can no longer read nor be heard");
    let message = members[0]
        .1
        .encrypt(b"Lee has your sizes: three pairs of 42 and two of 44.")?;
    let wire = message.encode();
    println!(
        "   Acme's next group message ({} bytes, chain {}):",
        wire.len(),
        message.chain_id()
    );
    for (index, session) in members.iter_mut().skip(1) {
        let label = devices[*index].label();
        match (session.decrypt_bytes(&wire), *index == second) {
            (Ok(plaintext), false) => println!("   → {label}: reads {:?}", text(&plaintext)),
            (Err(error), true) => println!(
                "   → {label}, removed: cannot read it, {} ({error})",
                error.kind()
            ),
            (Ok(_), true) => {
                println!("   {label} read a message after its removal (this is a bug)")
            }
            (Err(error), false) => return Err(error),
        }
    }
    let (_, removed_session) = members
        .iter_mut()
        .find(|(index, _)| *index == second)
        .ok_or(hushwire::Error::NotAGroupMember {
            device: removed.device.get(),
        })?;
    let wire = removed_session
        .encrypt(b"Everyone, the real order page is acme-sh0es.example")?
        .encode();
    println!(
        "   the removed customer writes anyway ({} bytes, on its old chain {}):",
        wire.len(),
        removed_session.chain_id()
    );
    for (index, session) in members.iter_mut().filter(|(index, _)| *index != second) {
        let label = devices[*index].label();
        match session.decrypt_bytes(&wire) {
            Err(error) => println!("   → {label}: refused, {} ({error})", error.kind()),
            Ok(_) => println!("   {label} accepted a removed member's message (this is a bug)"),
        }
    }

    println!("== 24. The customer photographs the damaged parcel and shares it with the group");
    // The photo is sealed once, under a file key of its own, in 64 KiB segments: the sealer
    // holds one segment at a time, whatever the photo's size. The ciphertext goes to a blob
    // store, the pointer (key, SHA-256 of the ciphertext, size, type, name, thumbnail) into
    // one group message.
    let photo = parcel_photo(350_000);
    let thumbnail = parcel_photo(900);
    let metadata = AttachmentMetadata::new(ContentType::new("image/jpeg")?)
        .with_file_name(FileName::new("parcel-1042-damaged.jpg")?)
        .with_thumbnail(Thumbnail::new(thumbnail)?);
    let mut sealer =
        AttachmentSealer::new(&mut rng, Vec::new(), metadata, AttachmentOptions::default())?;
    for chunk in photo.chunks(16 * 1024) {
        // As a camera or a file reader hands them over.
        sealer.write_chunk(chunk)?;
    }
    let (pointer, ciphertext) = sealer.finish()?;
    println!(
        "   {} bytes of photo sealed into {} bytes (PADMÉ padding hides the exact size)",
        photo.len(),
        ciphertext.len()
    );
    // The blob store learns only the ciphertext: it checks the upload against the digest the
    // uploader claims, and keeps it under that digest.
    let mut blob_store = std::collections::HashMap::new();
    let digest: [u8; 32] = sha2::Digest::finalize(sha2::Digest::chain_update(
        <sha2::Sha256 as sha2::Digest>::new(),
        &ciphertext,
    ))
    .into();
    if pointer.digest_matches(&digest) {
        blob_store.insert(digest, ciphertext);
        println!(
            "   the blob store checks the upload's SHA-256 {} and keeps it",
            short(&digest)
        );
    }
    let (phone_index, phone_session) = &mut members[1];
    let phone_label = devices[*phone_index].label();
    let message = phone_session.encrypt(&Payload::Attachment(pointer).encode())?;
    let wire = message.encode();
    println!(
        "   {phone_label} sends the pointer in one {}-byte group message",
        wire.len()
    );

    println!("== 25. A staff member opens the photo; a tampered download is refused");
    let mut received = None;
    for (index, session) in members.iter_mut().filter(|(index, _)| *index != second) {
        if *index == phone {
            continue;
        }
        let label = devices[*index].label();
        let Payload::Attachment(pointer) = Payload::decode(&session.decrypt_bytes(&wire)?)? else {
            println!("   → {label}: not an attachment (this is a bug)");
            continue;
        };
        let name = pointer
            .metadata()
            .file_name
            .as_ref()
            .map_or("", |n| n.as_str());
        println!(
            "   → {label}: a file {name:?}, {} bytes, {}, with a {}-byte thumbnail",
            pointer.size(),
            pointer.metadata().content_type.as_str(),
            pointer
                .metadata()
                .thumbnail
                .as_ref()
                .map_or(0, |t| t.as_bytes().len())
        );
        if *index == staff {
            received = Some(pointer);
        }
    }
    let pointer = received.ok_or(hushwire::Error::MissingField {
        field: "attachment",
    })?;
    let download = blob_store
        .get(pointer.ciphertext_sha256())
        .cloned()
        .unwrap_or_default();
    // Lee's app first shows a preview from the middle of the photo: random access decrypts
    // only the segment that holds it.
    let mut seekable = SeekableAttachment::new(std::io::Cursor::new(&download), &pointer)?;
    let mut preview = [0u8; 16];
    seekable.read_at(200_000, &mut preview)?;
    println!(
        "   Lee's app previews bytes 200000.. by random access: {} (the photo has {})",
        short(&preview),
        short(&photo[200_000..200_016])
    );
    // Then the whole download, streaming: each segment is released once its tag verifies, the
    // last only once the whole file's SHA-256 matches the pointer's.
    let mut opened = Vec::new();
    std::io::Read::read_to_end(
        &mut AttachmentOpener::new(download.as_slice(), &pointer)?,
        &mut opened,
    )?;
    println!(
        "   Lee opens the whole photo: {} bytes, {}",
        opened.len(),
        if opened == photo {
            "identical to the customer's"
        } else {
            "DIFFERENT (this is a bug)"
        }
    );
    let mut tampered = download.clone();
    tampered[100_000] ^= 1;
    match hushwire::open_bytes(&tampered, &pointer) {
        Err(error) => println!(
            "   a download with one bit changed is refused: {} ({error})",
            error.kind()
        ),
        Ok(_) => println!("   a tampered download opened (this is a bug)"),
    }
    let cut = &download[..download.len() - 1000];
    match hushwire::open_bytes(cut, &pointer) {
        Err(error) => println!(
            "   a download cut short is refused: {} ({error})",
            error.kind()
        ),
        Ok(_) => println!("   a truncated download opened (this is a bug)"),
    }
    backend()
}

/// Sections 26 and 27: Acme's backend keeps its sessions in a store, and many workers serve
/// them at once without ever using one state twice.
fn backend() -> Result<(), hushwire::Error> {
    use hushwire::store::{
        Conversations, PreKeyPolicy, SessionRecords, SqliteOptions, SqliteStore,
    };
    use std::sync::Arc;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .map_err(hushwire::Error::from)?;
    let mut rng = ChaCha20Rng::seed_from_u64(26);
    let config = Config::default();
    let file = std::env::temp_dir().join(format!("hushwire-demo-{}.sqlite", std::process::id()));
    let result = runtime.block_on(async {
        println!("== 26. Acme's backend keeps every session in SQLite, and keeps its prekeys");
        // A new file of this run's own: never a database someone else put there.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&file)?;
        let store = SqliteStore::open(&file, SqliteOptions::default())?;
        let acme = Arc::new(Conversations::new(store, IdentityKeyPair::generate(&mut rng), config));
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        let upkeep = acme.upkeep_prekeys(&mut rng, now, &PreKeyPolicy::default()).await?;
        println!(
            "   prekey upkeep: signed prekey {}, {} one-time prekeys, last-resort KEM prekey {} and \
             {} one-time KEM prekeys, published to the server",
            upkeep.signed_prekey.id().0,
            upkeep.added.len(),
            upkeep.kem_last_resort.id().0,
            upkeep.kem_added.len()
        );
        let acme_at = DeviceAddress::new(AccountId::new("acme")?, DeviceId::new(7)?);
        let sam_at = DeviceAddress::new(AccountId::new("sam")?, DeviceId::new(1)?);
        let sam = Conversations::new(
            hushwire::store::MemoryStore::new(),
            IdentityKeyPair::generate(&mut rng),
            config,
        );
        let bundle =
            PreKeyBundle::from_public(acme.identity_key(), &upkeep.signed_prekey, Some(upkeep.added[0]))?
                .with_kem_prekey(&upkeep.kem_added[0])?;
        sam.initiate(&mut rng, &acme_at, &bundle).await?;
        let first = sam.encrypt(&acme_at, b"Hi, where is order 4711?").await?;
        let text_in = acme.accept(&mut rng, &sam_at, &first.into_prekey()?).await?;
        println!(
            "   a new customer, Sam, writes: {:?}; the backend accepts it, consuming one-time \
             prekey {} and one-time KEM prekey {} in the transaction that stores the session",
            text(&text_in),
            upkeep.added[0].id().0,
            upkeep.kem_added[0].id().0
        );

        println!("== 27. Two workers pick up Sam's session at once; neither reuses a key");
        let mut envelopes = Vec::new();
        for line in ["Still nothing.", "Can you check?"] {
            envelopes.push(sam.encrypt(&acme_at, line.as_bytes()).await?);
        }
        let sam_key = *sam.identity_key();
        let workers: Vec<_> = envelopes
            .into_iter()
            .enumerate()
            .map(|(worker, envelope)| {
                let (acme, sam_at) = (Arc::clone(&acme), sam_at.clone());
                // Seeded so that the demo prints the same keys on every run. A real backend
                // seeds each worker's generator from the OS (see `os_rng` in
                // examples/backend.rs): a fixed seed gives every session the same keys.
                let mut rng = ChaCha20Rng::seed_from_u64(270 + worker as u64);
                tokio::spawn(async move {
                    let plaintext = acme.decrypt(&mut rng, &sam_at, &sam_key, &envelope).await?;
                    let answer = format!("worker {worker} on it: {}", text(&plaintext));
                    let reply = acme.encrypt(&sam_at, answer.as_bytes()).await?;
                    Ok::<_, hushwire::Error>((worker, plaintext, reply))
                })
            })
            .collect();
        let acme_key = *acme.identity_key();
        for worker in workers {
            let (worker, plaintext, reply) = worker
                .await
                .map_err(|_| hushwire::Error::Store(hushwire::StoreError::new("worker panicked")))??;
            let counter = match &reply {
                Envelope::Ratchet(message) => message.header().counter,
                Envelope::PreKey(message) => message.message().header().counter,
                _ => u32::MAX,
            };
            let answer = sam.decrypt(&mut rng, &acme_at, &acme_key, &reply).await?;
            println!(
                "   worker {worker} decrypts {:?} and answers on message key {counter}: Sam reads {:?}",
                text(&plaintext),
                text(&answer)
            );
        }
        println!(
            "   the workers lost {} compare-and-swaps to each other and redid that work on the \
             state that won: nothing is released before its swap, so no key serves two messages",
            acme.lost_swaps()
        );
        // A worker that read the record before those writes cannot write its stale copy back.
        let stale = acme.store().load_session_record(&sam_at).await?;
        acme.encrypt(&sam_at, b"Found it: it ships today.").await?;
        if let Some(stale) = stale {
            match acme.store().store_session_record(&sam_at, Some(stale.revision), &stale.value).await {
                Err(error) => println!(
                    "   a worker writing back a state read before the last message is refused: {} ({error})",
                    error.kind()
                ),
                Ok(_) => println!("   a stale write was accepted (this is a bug)"),
            }
        }
        Ok::<_, hushwire::Error>(())
    });
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.clone().into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    result
}

/// A stand-in for a JPEG photo of `len` bytes: the JPEG markers around varied bytes.
fn parcel_photo(len: usize) -> Vec<u8> {
    let mut photo = vec![0xff, 0xd8, 0xff, 0xe0];
    photo.extend((4..len - 2).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    photo.extend_from_slice(&[0xff, 0xd9]);
    photo
}
