//! The group decoder targets' fixture (SPEC.md 15): six member devices of one group with
//! history (messages delivered, skipped, in flight; a member removed, one added, sender keys
//! rotated), every distribution they sent, every group message, messages the sender key holder
//! signed after an edit, and the stored form of every session at the end; plus the SPEC.md
//! 15.6 checksum by hand and the predictions the targets share.
//!
//! Everything comes from one RNG seeded with [`GROUP_SEED`]; nothing is drawn from the other
//! fixtures, whose seeds therefore do not move. Built once, on first use, and never changed: a
//! target loads a fresh session from its stored form.

use std::sync::OnceLock;

use hushwire::hazmat::{SignedObject, sign_certificate_body};
use hushwire::{
    Config, DeviceAddress, DistributionOutcome, Error, GroupId, GroupMessage, GroupSession,
    SenderKeyDistribution,
};
use prost::Message;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

use super::device_fixture::{address, name_of};
use super::fixture::FIXTURE_SEED;
use crate::pb;

/// The seed of the group fixture's RNG.
pub const GROUP_SEED: u64 = FIXTURE_SEED ^ 0x40;

/// The group of every fixture session.
pub const GROUP_ID: &[u8] = b"acme-support-7";

/// Another group, of whose messages and distributions every fixture session says `WrongGroup`.
pub const OTHER_GROUP_ID: &[u8] = b"other-group";

/// The label of a stored group session's checksum (SPEC.md 15.6).
const STORED_GROUP_LABEL: &[u8] = b"hushwire/v1/stored-group-session";

/// `state || SHA-256(len(label) || label || state)`: a stored group session with `state`
/// inside, by hand from SPEC.md 15.6.
pub fn seal_group(state: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update([STORED_GROUP_LABEL.len() as u8]);
    hash.update(STORED_GROUP_LABEL);
    hash.update(state);
    let mut out = state.to_vec();
    out.extend_from_slice(&hash.finalize());
    out
}

/// The `GroupSessionState` encoding inside a stored group session; panics if the checksum is
/// wrong.
pub fn unseal_group(stored: &[u8]) -> &[u8] {
    let (state, _) = stored.split_at(stored.len() - crate::stored::CHECKSUM_LEN);
    assert_eq!(seal_group(state), stored, "not a stored group session");
    state
}

/// The state inside a stored group session, decoded with the prost types.
pub fn group_state(stored: &[u8]) -> pb::GroupSessionState {
    pb::GroupSessionState::decode(unseal_group(stored)).expect("a stored state decodes")
}

/// The stored state's member `address`, if it holds it.
pub(crate) fn member_of<'a>(
    state: &'a pb::GroupSessionState,
    address: &DeviceAddress,
) -> Option<&'a pb::GroupMemberState> {
    state
        .members
        .iter()
        .find(|m| m.account_id == address.account.as_bytes() && m.device_id == address.device.get())
}

/// A genuine group message of the fixture.
#[derive(Clone, Debug)]
pub struct GroupGenuine {
    /// A short name, used as the seed's file name.
    pub name: String,
    /// The message.
    pub message: GroupMessage,
    /// Its encoding.
    pub bytes: Vec<u8>,
    /// What it decrypts to.
    pub plaintext: Vec<u8>,
    /// The sender's members when it was sent: the only devices that may ever read it.
    pub members: Vec<DeviceAddress>,
    /// The devices it was delivered to (and decrypted on).
    pub delivered_to: Vec<DeviceAddress>,
    /// The fixture devices on which it is in flight: it decrypts there, once.
    pub in_flight_for: Vec<DeviceAddress>,
}

/// A group message its sender's signing key signed after an edit of its body: the signature
/// verifies under the chain it was made for, but it is no message the sender sent.
#[derive(Clone, Debug)]
pub struct GroupSigned {
    /// A short name, used as the seed's file name.
    pub name: String,
    /// Its encoding.
    pub bytes: Vec<u8>,
    /// The device whose sender key signed it.
    pub signer: DeviceAddress,
    /// The chain whose signing key signed it.
    pub chain_id: u32,
}

/// A distribution one fixture device sent others.
#[derive(Clone, Debug)]
pub struct GroupSent {
    /// A short name, used as the seed's file name.
    pub name: String,
    /// The sending device.
    pub from: DeviceAddress,
    /// The encoded distribution.
    pub bytes: Vec<u8>,
}

/// Everything the group decoder targets share.
pub struct GroupFixture {
    /// The configuration of every session: [`crate::fixtures::config`].
    pub config: Config,
    /// Every device's session at the end, stored, in this order: Acme 1, Acme 2, Carol 1,
    /// Dave 1, Erin 1 (removed by the others, its session kept as it was), Frank 1 (added).
    pub devices: Vec<(DeviceAddress, Vec<u8>)>,
    /// A device that was never a member of the group.
    pub outsider: DeviceAddress,
    /// Every group message sent, in order, and one from another group's session.
    pub messages: Vec<GroupGenuine>,
    /// Messages signed by a sender key after an edit.
    pub signed: Vec<GroupSigned>,
    /// Every distribution sent, in order, and one of another group.
    pub distributions: Vec<GroupSent>,
}

impl GroupFixture {
    /// Every fixture device's address and the outsider's.
    pub fn addresses(&self) -> impl Iterator<Item = &DeviceAddress> {
        self.devices
            .iter()
            .map(|(address, _)| address)
            .chain([&self.outsider])
    }

    /// The genuine message encoded as `bytes`, if any.
    pub fn genuine(&self, bytes: &[u8]) -> Option<&GroupGenuine> {
        self.messages.iter().find(|m| m.bytes == bytes)
    }

    /// True if `message`'s signature verifies under the chain it names: it is a genuine
    /// message or one its sender's key signed after an edit (the fuzzer cannot sign).
    pub fn signed_by_its_chain(&self, bytes: &[u8], message: &GroupMessage) -> bool {
        self.genuine(bytes).is_some()
            || self.signed.iter().any(|s| {
                s.bytes == bytes
                    && &s.signer == message.sender()
                    && s.chain_id == message.chain_id()
            })
    }
}

/// What decrypting `message` on a session whose stored state is `state` gives by SPEC.md 15.4,
/// `Ok(())` for a plaintext; `signed` says whether its signature verifies (only the fixture
/// can sign).
pub(crate) fn predict_decrypt(
    state: &pb::GroupSessionState,
    message: &GroupMessage,
    signed: bool,
    genuine: bool,
    config: &Config,
) -> Result<(), Error> {
    if message.group_id().as_bytes() != state.group_id {
        return Err(Error::WrongGroup);
    }
    let sender = message.sender();
    let member = member_of(state, sender).ok_or(Error::NotAGroupMember {
        device: sender.device.get(),
    })?;
    let chain = member
        .chains
        .iter()
        .find(|c| c.chain_id == message.chain_id())
        .ok_or(Error::UnknownSenderKey {
            chain_id: message.chain_id(),
        })?;
    if !signed {
        return Err(Error::InvalidSignature);
    }
    let n = message.iteration();
    let stored = chain.skipped.iter().any(|k| k.iteration == n);
    if !stored {
        if n < chain.iteration {
            return Err(Error::DuplicateMessage);
        }
        if n == u32::MAX {
            return Err(Error::CounterExhausted);
        }
        let skip = n - chain.iteration;
        if skip > config.max_group_skip {
            return Err(Error::TooManySkippedMessages {
                skip: u64::from(skip),
                max: config.max_group_skip,
            });
        }
    }
    if genuine {
        Ok(())
    } else {
        Err(Error::DecryptionFailed)
    }
}

fn group() -> GroupId {
    GroupId::new(GROUP_ID.to_vec()).expect("a valid group id")
}

/// The fixture's script, one session per device.
struct Builder {
    config: Config,
    rng: ChaCha20Rng,
    sessions: Vec<GroupSession>,
    messages: Vec<GroupGenuine>,
    signed: Vec<GroupSigned>,
    distributions: Vec<GroupSent>,
}

impl Builder {
    fn index(&self, address: &DeviceAddress) -> usize {
        self.sessions
            .iter()
            .position(|s| s.local() == address)
            .expect("a fixture device")
    }

    fn session(&mut self, address: &DeviceAddress) -> &mut GroupSession {
        let at = self.index(address);
        &mut self.sessions[at]
    }

    /// `from` sends `distribution`, named `name`, to each of `to`, which take it in: a new
    /// chain for each.
    fn distribute(
        &mut self,
        from: &DeviceAddress,
        distribution: &SenderKeyDistribution,
        name: &str,
        to: &[DeviceAddress],
    ) {
        let bytes = distribution.encode().to_vec();
        for recipient in to {
            let received = SenderKeyDistribution::decode(&bytes).expect("a distribution decodes");
            assert_eq!(
                self.session(recipient)
                    .process_distribution(from, &received),
                Ok(DistributionOutcome::Added),
                "{name} to {recipient:?}"
            );
        }
        self.distributions.push(GroupSent {
            name: name.to_owned(),
            from: from.clone(),
            bytes,
        });
    }

    /// `from` sends one group message named `name`; returns its index.
    fn send(&mut self, from: &DeviceAddress, name: &str) -> usize {
        let plaintext = format!(
            "{name} from {}{}",
            name_of(&from.account),
            from.device.get()
        );
        let session = self.session(from);
        let members = session.members().cloned().collect();
        let message = session
            .encrypt(plaintext.as_bytes())
            .expect("a group message encrypts");
        let bytes = message.encode();
        self.messages.push(GroupGenuine {
            name: name.to_owned(),
            message,
            bytes,
            plaintext: plaintext.into_bytes(),
            members,
            delivered_to: Vec::new(),
            in_flight_for: Vec::new(),
        });
        self.messages.len() - 1
    }

    /// Message `index` arrives at `to`, through its encoding, and decrypts.
    fn deliver(&mut self, index: usize, to: &DeviceAddress) {
        let bytes = self.messages[index].bytes.clone();
        let plaintext = self
            .session(to)
            .decrypt_bytes(&bytes)
            .expect("a genuine group message decrypts");
        let message = &mut self.messages[index];
        assert_eq!(plaintext, message.plaintext, "{}", message.name);
        message.delivered_to.push(to.clone());
    }

    /// Message `index`'s body after `edit`, signed again by its sender's current signing key
    /// (read from its stored state), named `name`.
    fn sign_edit(
        &mut self,
        index: usize,
        name: &str,
        edit: impl FnOnce(&mut pb::GroupMessageBody),
    ) {
        let genuine = &self.messages[index];
        let signer = genuine.message.sender().clone();
        let chain_id = genuine.message.chain_id();
        let wire = pb::GroupMessage::decode(genuine.bytes.as_slice()).expect("decodes");
        let mut body = pb::GroupMessageBody::decode(wire.body.as_slice()).expect("decodes");
        edit(&mut body);
        let state = group_state(self.session(&signer).to_stored().as_bytes());
        assert_eq!(state.chain_id, chain_id, "signed with the chain's own key");
        let seed: [u8; 32] = state.signing_seed.as_slice().try_into().expect("32 bytes");
        let body = body.encode_to_vec();
        let signature = sign_certificate_body(&seed, SignedObject::GroupMessage, &body).to_vec();
        self.signed.push(GroupSigned {
            name: name.to_owned(),
            bytes: pb::GroupMessage { body, signature }.encode_to_vec(),
            signer,
            chain_id,
        });
    }

    fn build() -> GroupFixture {
        let config = crate::fixtures::config();
        let rng = crate::fixtures::rng(GROUP_SEED);
        let (acme1, acme2, carol1, dave1, erin1, frank1) = (
            address("acme", 1),
            address("acme", 2),
            address("carol", 1),
            address("dave", 1),
            address("erin", 1),
            address("frank", 1),
        );
        let first = [&acme1, &acme2, &carol1, &dave1, &erin1].map(Clone::clone);
        let mut b = Self {
            config,
            rng,
            sessions: Vec::new(),
            messages: Vec::new(),
            signed: Vec::new(),
            distributions: Vec::new(),
        };
        // Five devices create the group and exchange distributions.
        for local in &first {
            let others = first.iter().filter(|a| *a != local).cloned();
            let session =
                GroupSession::create(&mut b.rng, group(), local.clone(), others, &b.config)
                    .expect("a group session");
            b.sessions.push(session);
        }
        for from in &first {
            let others: Vec<_> = first.iter().filter(|a| *a != from).cloned().collect();
            let d = b.session(from).distribution();
            let name = format!("{}{}-initial", name_of(&from.account), from.device.get());
            b.distribute(from, &d, &name, &others);
        }

        // Acme 1 greets everyone.
        let hello = b.send(&acme1, "hello");
        for to in [&acme2, &carol1, &dave1, &erin1] {
            b.deliver(hello, to);
        }
        // Carol 1 sends three; Dave 1 gets the third (two keys stored), Acme 1 the first,
        // Erin 1 the second (one stored), Acme 2 none.
        let carol: Vec<_> = (0..3)
            .map(|i| b.send(&carol1, &format!("carol1-{i}")))
            .collect();
        b.deliver(carol[2], &dave1);
        b.deliver(carol[0], &acme1);
        b.deliver(carol[1], &erin1);
        // Erin 1 writes; only Acme 1 reads it before Erin is removed.
        let erin = b.send(&erin1, "erin1-before-removal");
        b.deliver(erin, &acme1);

        // Everyone else removes Erin 1: each rotates and sends its new key to the others.
        let remaining = [&acme1, &acme2, &carol1, &dave1].map(Clone::clone);
        for member in &remaining {
            let at = b.index(member);
            let d = b.sessions[at]
                .remove_member(&mut b.rng, &erin1)
                .expect("a member");
            let others: Vec<_> = remaining.iter().filter(|a| *a != member).cloned().collect();
            let name = format!(
                "{}{}-after-removal",
                name_of(&member.account),
                member.device.get()
            );
            b.distribute(member, &d, &name, &others);
        }
        let acme2_after = b.send(&acme2, "acme2-after-removal");
        b.deliver(acme2_after, &carol1);

        // Frank 1 joins: each member hands it its key as it is now, and it sends its own.
        let frank = GroupSession::create(
            &mut b.rng,
            group(),
            frank1.clone(),
            remaining.iter().cloned(),
            &b.config,
        )
        .expect("a group session");
        b.sessions.push(frank);
        for member in &remaining {
            let d = b.session(member).add_member(frank1.clone()).expect("added");
            let name = format!(
                "{}{}-to-frank1",
                name_of(&member.account),
                member.device.get()
            );
            b.distribute(member, &d, &name, std::slice::from_ref(&frank1));
        }
        let d = b.session(&frank1).distribution();
        b.distribute(&frank1, &d, "frank1-initial", &remaining);

        // Dave 1 sends two; Frank 1 reads the second.
        let dave: Vec<_> = (0..2)
            .map(|i| b.send(&dave1, &format!("dave1-{i}")))
            .collect();
        b.deliver(dave[1], &frank1);
        // Carol 1 sends on its second chain, rotates, and sends on the third; Acme 1 reads it.
        let carol3 = b.send(&carol1, "carol1-before-rotation");
        // Edits of it signed by its chain's key (Carol 1's second chain, held by Acme 1,
        // Acme 2, Dave 1 and Frank 1).
        let n = b.messages[carol3].message.iteration();
        b.sign_edit(carol3, "signed-ciphertext-flipped", |m| {
            m.ciphertext[0] ^= 1
        });
        b.sign_edit(carol3, "signed-next-iteration", |m| m.iteration = n + 1);
        b.sign_edit(carol3, "signed-iteration-25001-ahead", |m| {
            m.iteration = n + 25_001
        });
        b.sign_edit(carol3, "signed-iteration-max", |m| m.iteration = u32::MAX);
        b.sign_edit(carol3, "signed-other-group", |m| {
            m.group_id = OTHER_GROUP_ID.to_vec();
        });
        b.sign_edit(carol3, "signed-sender-acme1", |m| {
            m.sender_account = b"acme".to_vec();
        });
        b.sign_edit(carol3, "signed-chain-id-bumped", |m| {
            m.chain_id = m.chain_id.wrapping_add(1);
        });
        b.sign_edit(carol3, "signed-tag-cut", |m| {
            m.ciphertext.truncate(16);
        });
        let at = b.index(&carol1);
        let d = b.sessions[at].rotate(&mut b.rng);
        b.distribute(
            &carol1,
            &d,
            "carol1-rotated",
            &[acme1.clone(), acme2.clone(), dave1.clone(), frank1.clone()],
        );
        let carol4 = b.send(&carol1, "carol1-after-rotation");
        b.deliver(carol4, &acme1);
        b.send(&frank1, "frank1-first");
        // Erin 1, removed, still writes with its old state: nobody takes it.
        b.send(&erin1, "erin1-after-removal");
        let d = b.session(&erin1).distribution();
        b.distributions.push(GroupSent {
            name: "erin1-after-removal".to_owned(),
            from: erin1.clone(),
            bytes: d.encode().to_vec(),
        });

        // Dave 1's second message, its first one (in flight) signed again as the second.
        let d1 = b.messages[dave[1]].message.iteration();
        b.sign_edit(dave[0], "signed-as-a-delivered-iteration", |m| {
            m.iteration = d1
        });

        // Another group: Acme 1's session of it, a distribution and a message.
        let mut other = GroupSession::create(
            &mut b.rng,
            GroupId::new(OTHER_GROUP_ID.to_vec()).expect("a valid group id"),
            acme1.clone(),
            [carol1.clone(), dave1.clone()],
            &b.config,
        )
        .expect("a group session");
        b.distributions.push(GroupSent {
            name: "other-group-acme1".to_owned(),
            from: acme1.clone(),
            bytes: other.distribution().encode().to_vec(),
        });
        let plaintext = b"other group from acme1".to_vec();
        let message = other.encrypt(&plaintext).expect("encrypts");
        b.messages.push(GroupGenuine {
            name: "other-group-acme1".to_owned(),
            bytes: message.encode(),
            message,
            plaintext,
            // Its members are not this group's: no fixture session may read it.
            members: Vec::new(),
            delivered_to: Vec::new(),
            in_flight_for: Vec::new(),
        });

        // In flight: for each device that was a member when it was sent, has not read it,
        // and still takes messages from its sender.
        let devices: Vec<_> = b
            .sessions
            .iter()
            .map(|s| (s.local().clone(), s.to_stored().as_bytes().to_vec()))
            .collect();
        for message in &mut b.messages {
            let sender = message.message.sender().clone();
            message.in_flight_for = b
                .sessions
                .iter()
                .filter(|s| {
                    message.members.contains(s.local())
                        && !message.delivered_to.contains(s.local())
                        && s.is_member(&sender)
                })
                .map(|s| s.local().clone())
                .collect();
        }
        GroupFixture {
            config: b.config,
            devices,
            outsider: address("mallory", 1),
            messages: b.messages,
            signed: b.signed,
            distributions: b.distributions,
        }
    }
}

/// The fixture, built on first use.
pub fn group_fixture() -> &'static GroupFixture {
    static FIXTURE: OnceLock<GroupFixture> = OnceLock::new();
    FIXTURE.get_or_init(Builder::build)
}
