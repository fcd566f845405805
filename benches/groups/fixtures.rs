//! The benchmarks' inputs, made once: hushwire group sessions (a sender that encrypts, and per
//! size a sender with a receiver holding its sender key), vodozemac Megolm sessions in the
//! same states, the floor's keys and messages (built on hushwire's own signed bytes), the
//! receivers of a message 2,000 iterations ahead, distributions to create and process, a
//! 1,000-member group for the membership change, and a pairwise session pair for the
//! distributions' transport; and the operations over them that criterion and the paired rounds
//! share.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use hushwire::provider::{AWS_LC_RS, RUST_CRYPTO};
use hushwire::{
    AccountId, Config, DeviceAddress, DeviceId, DistributionOutcome, Envelope, GroupId,
    GroupMessage, GroupSession, SenderKeyDistribution, Session,
};
use hushwire_testkit::fixtures::ChaCha20Rng;
use hushwire_testkit::pb;
use prost::Message as _;
use vodozemac::megolm::{
    DecryptedMessage, GroupSession as MegolmSession, InboundGroupSession, MegolmMessage,
    SessionConfig, SessionKey,
};
use zeroize::Zeroizing;

use crate::floor::{FloorMessage, FloorReceiver, FloorSender, LABEL, TAG, kdf_ck};
use crate::pairwise_fixtures::{pair_on_chain, payload, rng};

/// The plaintext sizes of the per-message rows.
pub(crate) const SIZES: [(&str, usize); 3] = [("64B", 64), ("1KiB", 1024), ("64KiB", 64 * 1024)];
/// The jump: the receiver's chain is at iteration 0, the message at this iteration.
pub(crate) const JUMP: u32 = 2000;
/// Member devices of the large group, us included.
pub(crate) const GROUP_SIZE: usize = 1000;
/// The large group's members that stay after one is removed, besides the one measured: each
/// of them re-distributes, so each remaining member takes in this many new distributions and
/// sends its own to as many.
pub(crate) const OTHERS_AFTER: usize = GROUP_SIZE - 2;
/// The group id: 16 bytes, a UUID's length.
const GROUP_ID: &[u8; 16] = b"support-group-01";

/// Member device `i`: account `member-<i, 9 digits>` (16 bytes), device 1.
pub(crate) fn address(i: usize) -> DeviceAddress {
    DeviceAddress::new(
        AccountId::new(format!("member-{i:09}").into_bytes()).unwrap(),
        DeviceId::new(1).unwrap(),
    )
}

/// 32 bytes from the rng.
fn draw(r: &mut ChaCha20Rng) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    rand::Rng::fill_bytes(r, &mut bytes);
    bytes
}

fn group() -> GroupId {
    GroupId::new(GROUP_ID.to_vec()).unwrap()
}

/// The SPEC.md 15.3 associated data of a message from `sender` on `chain_id` at `iteration`,
/// signed by `signing_key`: `LP(group_id) || LP(sender_account) || u32(sender_device) ||
/// u32(chain_id) || u32(iteration) || signing_key` (84 bytes here).
fn associated_data(sender: &DeviceAddress, chain_id: u32, iteration: u32, key: &[u8]) -> Vec<u8> {
    let mut ad = Vec::new();
    for field in [GROUP_ID.as_slice(), sender.account.as_bytes()] {
        ad.extend_from_slice(&(field.len() as u32).to_be_bytes());
        ad.extend_from_slice(field);
    }
    ad.extend_from_slice(&sender.device.get().to_be_bytes());
    ad.extend_from_slice(&chain_id.to_be_bytes());
    ad.extend_from_slice(&iteration.to_be_bytes());
    ad.extend_from_slice(key);
    ad
}

/// The sending side of a decrypting benchmark and its receiver: messages made untimed, in
/// order, then decrypted in order by a receiver that lives through the run.
pub(crate) trait Link {
    type Message;
    type Output;
    /// The sender's next `n` messages.
    fn messages(&mut self, n: usize) -> Vec<Self::Message>;
    /// The receiver decrypts the next message (what it returns is dropped untimed).
    fn decrypt(&mut self, message: Self::Message) -> Self::Output;
}

/// Decrypts `iters` messages made beforehand and returns the time it took; the outputs are
/// dropped untimed. For criterion's `iter_custom` and the paired rounds.
pub(crate) fn decrypt_in_order<L: Link>(link: &mut L, iters: u64) -> Duration {
    let messages = link.messages(usize::try_from(iters).unwrap());
    let mut outputs = Vec::with_capacity(messages.len());
    let start = Instant::now();
    for message in messages {
        outputs.push(link.decrypt(black_box(message)));
    }
    let elapsed = start.elapsed();
    drop(black_box(outputs));
    elapsed
}

/// The same link with its messages on the wire: the sender encodes what it encrypts, the
/// receiver decodes before decrypting.
pub(crate) struct Wire<'a, L>(pub(crate) &'a mut L);

/// A hushwire sender and a receiver holding its sender key (each other's only member).
pub(crate) struct HushPair {
    sender: GroupSession,
    receiver: GroupSession,
    payload: Vec<u8>,
}

impl HushPair {
    fn new(r: &mut ChaCha20Rng, config: &Config, len: usize) -> Self {
        let (a, b) = (address(0), address(1));
        let sender = GroupSession::create(r, group(), a.clone(), [b.clone()], config).unwrap();
        let mut receiver = GroupSession::create(r, group(), b, [a.clone()], config).unwrap();
        let d = SenderKeyDistribution::decode(&sender.distribution().encode()).unwrap();
        let outcome = receiver.process_distribution(&a, &d).unwrap();
        assert_eq!(outcome, DistributionOutcome::Added);
        Self {
            sender,
            receiver,
            payload: payload(len),
        }
    }
}

impl Link for HushPair {
    type Message = GroupMessage;
    type Output = (GroupMessage, Vec<u8>);

    fn messages(&mut self, n: usize) -> Vec<GroupMessage> {
        (0..n)
            .map(|_| self.sender.encrypt(&self.payload).unwrap())
            .collect()
    }

    fn decrypt(&mut self, message: GroupMessage) -> (GroupMessage, Vec<u8>) {
        let plaintext = self.receiver.decrypt(&message).unwrap();
        (message, plaintext)
    }
}

impl Link for Wire<'_, HushPair> {
    type Message = Vec<u8>;
    type Output = (Vec<u8>, Vec<u8>);

    fn messages(&mut self, n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|_| self.0.sender.encrypt(&self.0.payload).unwrap().encode())
            .collect()
    }

    /// `decrypt_bytes`: `GroupMessage::decode` with the session's limits, then `decrypt`.
    fn decrypt(&mut self, bytes: Vec<u8>) -> (Vec<u8>, Vec<u8>) {
        let plaintext = self.0.receiver.decrypt_bytes(&bytes).unwrap();
        (bytes, plaintext)
    }
}

/// Megolm v1: an outbound session and an inbound session made from its session key.
pub(crate) struct MegolmPair {
    sender: MegolmSession,
    receiver: InboundGroupSession,
    payload: Vec<u8>,
}

impl MegolmPair {
    fn new(len: usize) -> Self {
        let sender = MegolmSession::new(SessionConfig::version_1());
        let receiver = InboundGroupSession::new(&sender.session_key(), SessionConfig::version_1());
        Self {
            sender,
            receiver,
            payload: payload(len),
        }
    }
}

impl Link for MegolmPair {
    type Message = MegolmMessage;
    type Output = (MegolmMessage, DecryptedMessage);

    fn messages(&mut self, n: usize) -> Vec<MegolmMessage> {
        (0..n).map(|_| self.sender.encrypt(&self.payload)).collect()
    }

    fn decrypt(&mut self, message: MegolmMessage) -> (MegolmMessage, DecryptedMessage) {
        let decrypted = self.receiver.decrypt(&message).unwrap();
        (message, decrypted)
    }
}

impl Link for Wire<'_, MegolmPair> {
    type Message = Vec<u8>;
    type Output = (Vec<u8>, DecryptedMessage);

    fn messages(&mut self, n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|_| self.0.sender.encrypt(&self.0.payload).to_bytes())
            .collect()
    }

    /// `MegolmMessage::from_bytes`, then `decrypt`.
    fn decrypt(&mut self, bytes: Vec<u8>) -> (Vec<u8>, DecryptedMessage) {
        let message = MegolmMessage::from_bytes(&bytes).unwrap();
        let decrypted = self.0.receiver.decrypt(&message).unwrap();
        (bytes, decrypted)
    }
}

/// The floor's receiving side and one sealed, signed message, copied for each decrypt.
pub(crate) struct FloorLink {
    pub(crate) receiver: FloorReceiver,
    pub(crate) message: FloorMessage,
}

impl Link for FloorLink {
    type Message = Vec<u8>;
    type Output = Vec<u8>;

    fn messages(&mut self, n: usize) -> Vec<Vec<u8>> {
        (0..n).map(|_| self.message.signed.clone()).collect()
    }

    fn decrypt(&mut self, mut signed: Vec<u8>) -> Vec<u8> {
        self.receiver.decrypt(&mut signed, &self.message.signature);
        signed
    }
}

/// Everything one plaintext size uses.
pub(crate) struct Size {
    pub(crate) name: &'static str,
    pub(crate) len: usize,
    pub(crate) payload: Vec<u8>,
    pub(crate) floor: FloorSender,
    pub(crate) floor_link: FloorLink,
    /// The floor's message (for the sign and verify primitives).
    pub(crate) floor_message: FloorMessage,
    pub(crate) hush: HushPair,
    /// The same on the aws-lc-rs provider (AWS-LC's ChaCha20-Poly1305).
    pub(crate) hush_aws: HushPair,
    pub(crate) megolm: MegolmPair,
    /// Encoded lengths: a hushwire group message, the bytes it signs, a Megolm message.
    pub(crate) group_message_len: usize,
    pub(crate) signed_len: usize,
    pub(crate) megolm_message_len: usize,
}

/// A receiver whose chain is at iteration 0 and the sender's message at [`JUMP`], for
/// hushwire, Megolm and the floor.
pub(crate) struct Jump {
    stored: Vec<u8>,
    config: Config,
    message: GroupMessage,
    megolm_key: SessionKey,
    megolm_message: MegolmMessage,
    pub(crate) floor: FloorReceiver,
    pub(crate) floor_message: FloorMessage,
}

impl Jump {
    /// A fresh receiver, loaded from its stored form (untimed).
    pub(crate) fn receiver(&self) -> GroupSession {
        GroupSession::from_stored(&self.stored, &self.config).unwrap()
    }

    /// Decrypts the message 2,000 iterations ahead: 2,000 keys derived and stored.
    pub(crate) fn decrypt(&self, mut receiver: GroupSession) -> (GroupSession, Vec<u8>) {
        let plaintext = receiver.decrypt(black_box(&self.message)).unwrap();
        (receiver, plaintext)
    }

    /// A fresh Megolm inbound session at index 0 (untimed).
    pub(crate) fn megolm_receiver(&self) -> InboundGroupSession {
        InboundGroupSession::new(&self.megolm_key, SessionConfig::version_1())
    }

    /// Megolm's decrypt of its message at index 2,000.
    pub(crate) fn megolm_decrypt(
        &self,
        mut receiver: InboundGroupSession,
    ) -> (InboundGroupSession, DecryptedMessage) {
        let decrypted = receiver.decrypt(black_box(&self.megolm_message)).unwrap();
        (receiver, decrypted)
    }
}

/// A receiver taking in one distribution after another from the same member, each a new chain
/// (a pool of `max_sender_key_chains + 1` distributions of one sender, taken in turn: each has
/// been dropped from the receiver's chains by the time it comes round again, so each is
/// `Added`, the oldest chain dropped, as in a group whose members rotate).
pub(crate) struct Cycle {
    receiver: GroupSession,
    from: DeviceAddress,
    pool: Vec<Zeroizing<Vec<u8>>>,
    next: usize,
}

impl Cycle {
    /// `SenderKeyDistribution::decode` + `process_distribution` of the next distribution.
    pub(crate) fn process(&mut self) -> DistributionOutcome {
        let bytes = &self.pool[self.next];
        self.next = (self.next + 1) % self.pool.len();
        let d = SenderKeyDistribution::decode(black_box(bytes)).unwrap();
        self.receiver.process_distribution(&self.from, &d).unwrap()
    }
}

/// Creating and taking in distributions, hushwire's and Megolm's.
pub(crate) struct Distributions {
    /// A member of a two-member group: `distribution().encode()`.
    pub(crate) sender: GroupSession,
    pub(crate) cycle: Cycle,
    /// The signing key in a distribution, for the floor of processing one (its decompression).
    pub(crate) signing_key: [u8; 32],
    /// Megolm: `session_key().to_bytes()`, and those bytes to import.
    pub(crate) megolm: MegolmSession,
    pub(crate) megolm_key: Vec<u8>,
    /// Encoded lengths.
    pub(crate) distribution_len: usize,
}

impl Distributions {
    /// `distribution().encode()`.
    pub(crate) fn create(&self) -> Zeroizing<Vec<u8>> {
        self.sender.distribution().encode()
    }

    /// Megolm `session_key().to_bytes()` (the session key is signed).
    pub(crate) fn megolm_export(&self) -> Vec<u8> {
        self.megolm.session_key().to_bytes()
    }

    /// Megolm `SessionKey::from_bytes` (which verifies its signature) +
    /// `InboundGroupSession::new`.
    pub(crate) fn megolm_import(&self) -> InboundGroupSession {
        megolm_import(&self.megolm_key)
    }
}

/// Megolm `SessionKey::from_bytes` (which verifies the key's signature) +
/// `InboundGroupSession::new`.
pub(crate) fn megolm_import(bytes: &[u8]) -> InboundGroupSession {
    let key = SessionKey::from_bytes(black_box(bytes)).unwrap();
    InboundGroupSession::new(&key, SessionConfig::version_1())
}

/// Our session in a group of [`GROUP_SIZE`] member devices, and what each remaining member
/// does when one member is removed: rotate and encode (`remove_member`), then take in the new
/// distributions of the [`OTHERS_AFTER`] others.
pub(crate) struct Membership {
    session: GroupSession,
    /// The member removed, and its distribution (to put it back between iterations).
    victim: DeviceAddress,
    victim_distribution: Zeroizing<Vec<u8>>,
    /// Rounds of the others' new distributions (each round one new chain per remaining
    /// member), taken in turn as [`Cycle`] does.
    rounds: Vec<Vec<(DeviceAddress, Zeroizing<Vec<u8>>)>>,
    next: usize,
    /// Every other member device, for creating a session of the whole group.
    pub(crate) others: Vec<DeviceAddress>,
    rng: ChaCha20Rng,
}

impl Membership {
    /// `remove_member` (which rotates our sender key) + encoding the new distribution, timed
    /// `iters` times; before each, untimed, the member is put back with its chain.
    pub(crate) fn remove(&mut self, iters: u64) -> Duration {
        let mut outputs = Vec::with_capacity(usize::try_from(iters).unwrap());
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            drop(self.session.add_member(self.victim.clone()).unwrap());
            let d = SenderKeyDistribution::decode(&self.victim_distribution).unwrap();
            self.session.process_distribution(&self.victim, &d).unwrap();
            let start = Instant::now();
            let d = self
                .session
                .remove_member(&mut self.rng, black_box(&self.victim))
                .unwrap();
            let bytes = d.encode();
            total += start.elapsed();
            outputs.push((d, bytes));
        }
        drop(black_box(outputs));
        total
    }

    /// Decode + `process_distribution` of the [`OTHERS_AFTER`] other remaining members' new
    /// distributions; the number added (all of them).
    pub(crate) fn process_round(&mut self) -> usize {
        let round = &self.rounds[self.next];
        self.next = (self.next + 1) % self.rounds.len();
        let mut added = 0;
        for (from, bytes) in round {
            let d = SenderKeyDistribution::decode(black_box(bytes)).unwrap();
            if self.session.process_distribution(from, &d).unwrap() == DistributionOutcome::Added {
                added += 1;
            }
        }
        added
    }
}

/// `GroupSession::create` of our session of the group with `others` (a new member of the
/// 1,000-member group starts with this).
pub(crate) fn create_group(r: &mut ChaCha20Rng, others: Vec<DeviceAddress>) -> GroupSession {
    GroupSession::create(r, group(), address(0), others, &Config::default()).unwrap()
}

/// A pairwise session pair on an existing chain carrying a distribution: the sender's
/// `Session::encrypt` of it, and the receiver's `Session::decrypt`, in order.
pub(crate) struct PairwiseLink {
    sender: Session,
    receiver: Session,
    payload: Vec<u8>,
    rng: ChaCha20Rng,
}

impl Link for PairwiseLink {
    type Message = Envelope;
    type Output = (Envelope, Vec<u8>);

    fn messages(&mut self, n: usize) -> Vec<Envelope> {
        (0..n)
            .map(|_| self.sender.encrypt(&self.payload).unwrap())
            .collect()
    }

    fn decrypt(&mut self, envelope: Envelope) -> (Envelope, Vec<u8>) {
        let plaintext = self.receiver.decrypt(&mut self.rng, &envelope).unwrap();
        (envelope, plaintext)
    }
}

/// The pairwise transport of a distribution: a session encrypting it, and a link decrypting.
pub(crate) struct Pairwise {
    sender: Session,
    pub(crate) link: PairwiseLink,
    payload: Vec<u8>,
    /// The envelope's encoded length.
    pub(crate) envelope_len: usize,
}

impl Pairwise {
    /// `Session::encrypt` of the distribution's bytes.
    pub(crate) fn encrypt(&mut self) -> Envelope {
        self.sender.encrypt(black_box(&self.payload)).unwrap()
    }
}

/// Everything the benchmarks use, each part owning its mutable state, so that the two sides
/// of a paired comparison borrow them apart.
pub(crate) struct Fixtures {
    /// The encrypting senders: hushwire's (its own two-member group) and Megolm's.
    pub(crate) hush: GroupSession,
    /// hushwire's encrypting sender on the aws-lc-rs provider.
    pub(crate) hush_aws: GroupSession,
    pub(crate) megolm: MegolmSession,
    pub(crate) sizes: Vec<Size>,
    pub(crate) jump: Jump,
    pub(crate) distributions: Distributions,
    pub(crate) membership: Membership,
    pub(crate) pairwise: Pairwise,
    /// The floor's signing key and associated data (for the primitives).
    pub(crate) floor_signing: SigningKey,
    pub(crate) ad: Vec<u8>,
}

/// The bytes a hushwire group message signs: `u8(29) || label || body`.
fn signed_bytes(message: &GroupMessage) -> Vec<u8> {
    let wire = pb::GroupMessage::decode(message.encode().as_slice()).unwrap();
    let mut signed = vec![LABEL.len() as u8];
    signed.extend_from_slice(LABEL);
    signed.extend_from_slice(&wire.body);
    signed
}

/// The floor of one size: a sender and a receiver on the same chain key, their prefix that of
/// a real hushwire message of this size.
fn floor_size(
    r: &mut ChaCha20Rng,
    message: &GroupMessage,
    signing: &SigningKey,
    ad: &[u8],
    payload: &[u8],
) -> (FloorSender, FloorLink, FloorMessage) {
    let signed = signed_bytes(message);
    let prefix = &signed[..signed.len() - payload.len() - TAG];
    let chain_key = draw(r);
    let mut sender = FloorSender::new(chain_key, signing.clone(), ad.to_vec(), prefix, payload);
    assert_eq!(sender.signed_len(), signed.len());
    let message = sender.message();
    let link = FloorLink {
        receiver: FloorReceiver {
            chain_key,
            verifying: signing.verifying_key(),
            ad: ad.to_vec(),
            len: payload.len(),
        },
        message: message.clone(),
    };
    (sender, link, message)
}

fn jump(r: &mut ChaCha20Rng, config: &Config, signing: &SigningKey, ad: &[u8]) -> Jump {
    let mut pair = HushPair::new(r, config, SIZES[0].1);
    let stored = pair.receiver.to_stored().as_bytes().to_vec();
    for _ in 0..JUMP {
        pair.sender.encrypt(b"lost").unwrap();
    }
    let message = pair.sender.encrypt(&pair.payload).unwrap();
    assert_eq!(message.iteration(), JUMP);

    let mut megolm = MegolmSession::new(SessionConfig::version_1());
    let megolm_key = megolm.session_key();
    for _ in 0..JUMP {
        megolm.encrypt(b"lost");
    }
    let megolm_message = megolm.encrypt(&pair.payload);
    assert_eq!(megolm_message.message_index(), JUMP);

    // The floor: the receiver's chain key at iteration 0, the message sealed under the key
    // 2,000 steps on.
    let start = draw(r);
    let mut at = start;
    for _ in 0..JUMP {
        at = kdf_ck(&at).1;
    }
    let signed = signed_bytes(&message);
    let prefix = &signed[..signed.len() - pair.payload.len() - TAG];
    let mut sender = FloorSender::new(at, signing.clone(), ad.to_vec(), prefix, &pair.payload);
    let floor_message = sender.message();
    Jump {
        stored,
        config: *config,
        message,
        megolm_key,
        megolm_message,
        floor: FloorReceiver {
            chain_key: start,
            verifying: signing.verifying_key(),
            ad: ad.to_vec(),
            len: pair.payload.len(),
        },
        floor_message,
    }
}

fn distributions(r: &mut ChaCha20Rng, config: &Config) -> Distributions {
    let (a, b) = (address(0), address(1));
    let mut sender = GroupSession::create(r, group(), a.clone(), [b.clone()], config).unwrap();
    let receiver = GroupSession::create(r, group(), b, [a.clone()], config).unwrap();
    let first = sender.distribution().encode();
    let signing_key: [u8; 32] = pb::SenderKeyDistribution::decode(first.as_slice())
        .unwrap()
        .signing_key
        .as_slice()
        .try_into()
        .unwrap();
    let pool = (0..=config.max_sender_key_chains)
        .map(|_| sender.rotate(r).encode())
        .collect();
    let mut cycle = Cycle {
        receiver,
        from: a,
        pool,
        next: 0,
    };
    // Every distribution of the pool is added, however many times round.
    for _ in 0..3 * cycle.pool.len() {
        assert_eq!(cycle.process(), DistributionOutcome::Added);
    }
    let megolm = MegolmSession::new(SessionConfig::version_1());
    let megolm_key = megolm.session_key().to_bytes();
    Distributions {
        distribution_len: first.len(),
        sender,
        cycle,
        signing_key,
        megolm,
        megolm_key,
    }
}

fn membership(r: &mut ChaCha20Rng, config: &Config) -> Membership {
    let others: Vec<DeviceAddress> = (1..GROUP_SIZE).map(address).collect();
    let mut session =
        GroupSession::create(r, group(), address(0), others.iter().cloned(), config).unwrap();
    let victim = others[others.len() - 1].clone();
    let mut victim_distribution = Zeroizing::new(Vec::new());
    let mut rounds: Vec<Vec<(DeviceAddress, Zeroizing<Vec<u8>>)>> = (0..=config
        .max_sender_key_chains)
        .map(|_| Vec::new())
        .collect();
    for member in &others {
        // Each member's own sender key (its session needs no members to make distributions).
        let mut theirs =
            GroupSession::create(r, group(), member.clone(), Vec::new(), config).unwrap();
        let d = theirs.distribution();
        session.process_distribution(member, &d).unwrap();
        if *member == victim {
            victim_distribution = d.encode();
            continue;
        }
        for round in &mut rounds {
            round.push((member.clone(), theirs.rotate(r).encode()));
        }
    }
    session.remove_member(r, &victim).unwrap();
    assert_eq!(session.members().count(), OTHERS_AFTER);
    let mut m = Membership {
        session,
        victim,
        victim_distribution,
        rounds,
        next: 0,
        others,
        rng: rng(162),
    };
    for _ in 0..2 * m.rounds.len() {
        assert_eq!(m.process_round(), OTHERS_AFTER);
    }
    m.remove(3);
    assert_eq!(m.session.members().count(), OTHERS_AFTER);
    m
}

fn pairwise(distribution: &[u8]) -> Pairwise {
    let sender = pair_on_chain(163, &RUST_CRYPTO).alice;
    let pair = pair_on_chain(164, &RUST_CRYPTO);
    let mut link = PairwiseLink {
        sender: pair.alice,
        receiver: pair.bob,
        payload: distribution.to_vec(),
        rng: pair.rng,
    };
    let envelope = link.messages(1).pop().unwrap();
    assert!(matches!(envelope, Envelope::Ratchet(_)));
    let envelope_len = envelope.encode().len();
    assert_eq!(link.decrypt(envelope).1, distribution);
    Pairwise {
        sender,
        link,
        payload: distribution.to_vec(),
        envelope_len,
    }
}

pub(crate) fn fixtures() -> Fixtures {
    let mut r = rng(160);
    // The default configuration: the RustCrypto provider, 2 MiB messages, 2,000 stored keys
    // per sender chain, 5 chains per member.
    let config = Config::default();
    let hush = HushPair::new(&mut r, &config, 0).sender;
    let mut aws = Config::default();
    aws.provider = &AWS_LC_RS;
    let hush_aws = HushPair::new(&mut r, &aws, 0).sender;
    let megolm = MegolmSession::new(SessionConfig::version_1());
    let floor_signing = SigningKey::from_bytes(&draw(&mut r));
    let sender = address(0);
    let ad = associated_data(
        &sender,
        0x0102_0304,
        7,
        &floor_signing.verifying_key().to_bytes(),
    );
    assert_eq!(ad.len(), 84);

    let mut sizes = Vec::new();
    for (name, len) in SIZES {
        let mut hush_pair = HushPair::new(&mut r, &config, len);
        let mut hush_aws = HushPair::new(&mut r, &aws, len);
        let message = hush_aws.messages(1).pop().unwrap();
        assert_eq!(hush_aws.decrypt(message).1, hush_aws.payload);
        let mut megolm_pair = MegolmPair::new(len);
        // Each link's first message decrypts to its payload, on the wire too.
        let message = hush_pair.messages(1).pop().unwrap();
        let group_message_len = message.encode().len();
        let (floor, floor_link, floor_message) =
            floor_size(&mut r, &message, &floor_signing, &ad, &hush_pair.payload);
        assert_eq!(hush_pair.decrypt(message).1, hush_pair.payload);
        let bytes = Wire(&mut hush_pair).messages(1).pop().unwrap();
        assert_eq!(Wire(&mut hush_pair).decrypt(bytes).1, hush_pair.payload);
        let m = megolm_pair.messages(1).pop().unwrap();
        let megolm_message_len = m.to_bytes().len();
        assert_eq!(megolm_pair.decrypt(m).1.plaintext, megolm_pair.payload);
        let bytes = Wire(&mut megolm_pair).messages(1).pop().unwrap();
        assert_eq!(
            Wire(&mut megolm_pair).decrypt(bytes).1.plaintext,
            megolm_pair.payload
        );
        let mut floor_link = floor_link;
        let signed = floor_link.messages(1).pop().unwrap();
        let opened = floor_link.decrypt(signed);
        assert_eq!(
            &opened[opened.len() - len - TAG..opened.len() - TAG],
            &hush_pair.payload[..]
        );
        sizes.push(Size {
            name,
            len,
            payload: payload(len),
            signed_len: floor.signed_len(),
            floor,
            floor_link,
            floor_message,
            hush: hush_pair,
            hush_aws,
            megolm: megolm_pair,
            group_message_len,
            megolm_message_len,
        });
    }

    let jump = jump(&mut r, &config, &floor_signing, &ad);
    // Each jump decrypts to the payload.
    let (_, plaintext) = jump.decrypt(jump.receiver());
    assert_eq!(plaintext, payload(SIZES[0].1));
    assert_eq!(
        jump.megolm_decrypt(jump.megolm_receiver()).1.plaintext,
        payload(SIZES[0].1)
    );
    let mut copy = jump.floor_message.signed.clone();
    jump.floor
        .decrypt_after_jump(&mut copy, &jump.floor_message.signature, JUMP);

    let distributions = distributions(&mut r, &config);
    let membership = membership(&mut r, &config);
    let pairwise = pairwise(&distributions.create());
    Fixtures {
        hush,
        hush_aws,
        megolm,
        sizes,
        jump,
        distributions,
        membership,
        pairwise,
        floor_signing,
        ad,
    }
}
