//! The `group` target: the member devices of one group (SPEC.md 15) sending group messages,
//! with messages delivered, dropped, reordered, duplicated, replayed to any device and
//! tampered with, members removed and added, sender keys rotated, and sessions reloaded.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use hushwire::{
    Config, DeviceAddress, DistributionOutcome, Error, GroupId, GroupMessage, GroupSession,
    MAX_SENDER_KEY_CHAINS, SenderKeyDistribution,
};
use rand_chacha::ChaCha20Rng;

use super::Outcome;
use super::checks::is_decoding_error;
use super::device_fixture::{address, name_of};
use super::fixture::FIXTURE_SEED;

/// The seed of a run's RNG: every sender key drawn (creation, rotation, removal).
pub const GROUP_RUN_SEED: u64 = FIXTURE_SEED ^ 0x41;
/// Most operations run from one input.
pub const MAX_GROUP_OPS: usize = 64;
/// Most devices a run has ever (4 at the start): [`GroupOp::Add`] beyond it is ignored.
pub const MAX_GROUP_DEVICES: usize = 8;
/// Fewest members [`GroupOp::Remove`] leaves: a removal that would leave fewer is ignored.
pub const MIN_GROUP_MEMBERS: usize = 2;
/// Most (message, recipient) pairs in flight: sends beyond it are ignored.
pub const MAX_GROUP_IN_FLIGHT: usize = 128;

/// The accounts [`GroupOp::Add`] adds a device to.
const ACCOUNTS: [&str; 4] = ["acme", "carol", "dave", "erin"];

/// One operation of the `group` target. Devices are named by an index into every device the
/// run has had (removed ones included: they keep their sessions), in the order they joined,
/// modulo their number (for `Remove`, into the current members); in-flight pairs by an index
/// into them, modulo their number; for a replay, messages by how far back they were sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupOp {
    /// A device encrypts a message; the server queues it for every member of its view.
    Send {
        /// The sending device (a removed one too, with its old state).
        device: u8,
    },
    /// A (message, recipient) pair in flight arrives.
    Deliver {
        /// Which one.
        index: u8,
    },
    /// A pair in flight is lost.
    Drop {
        /// Which one.
        index: u8,
    },
    /// A copy of a pair in flight arrives; the original stays in flight.
    Duplicate {
        /// Which one.
        index: u8,
    },
    /// Any message sent arrives at any device: a replay, a device removed before it was sent
    /// or added after, the sender itself.
    Replay {
        /// How far back (0: the latest).
        message: u8,
        /// The device.
        device: u8,
    },
    /// A member is removed: every other member removes it, rotating, and sends its new
    /// distribution to the remaining members; the removed device keeps its session.
    Remove {
        /// The member, an index into the current members.
        device: u8,
    },
    /// A device joins (a new device of one of four accounts): every member adds it and hands
    /// it its distribution; it sends its own to every member.
    Add {
        /// The account (modulo 4: Acme, Carol, Dave, Erin).
        account: u8,
    },
    /// A device rotates its sender key and sends the distribution to every member of its
    /// view (those that no longer hold it as a member refuse it).
    Rotate {
        /// The device.
        device: u8,
    },
    /// A device's session is stored and loaded again.
    Reload {
        /// The device.
        device: u8,
    },
    /// A copy of a pair in flight with byte `byte` (modulo its length) XORed with `mask`
    /// (0: cut off there) arrives; the original stays in flight.
    Tamper {
        /// Which pair.
        index: u8,
        /// Which byte.
        byte: u8,
        /// What to flip; 0 truncates instead.
        mask: u8,
    },
}

impl GroupOp {
    /// Decodes operations from bytes by hand (the corpus format of `group`): a kind byte
    /// (modulo 16), then its arguments; a truncated last operation is ignored. Kinds: 0-2 and
    /// 14 send (one byte: the device), 3-5 and 15 deliver, 6 drop, 7 duplicate (one byte: the
    /// index), 8 replay (two bytes: how far back, the device), 9 remove (the member), 10 add
    /// (the account), 11 rotate, 12 reload (the device), 13 tamper (index, byte, mask).
    pub fn decode_all(data: &[u8]) -> Vec<GroupOp> {
        let mut ops = Vec::new();
        let mut rest = data;
        while let Some((&kind, tail)) = rest.split_first() {
            rest = tail;
            let op = match kind % 16 {
                8 => {
                    let [message, device, tail @ ..] = rest else {
                        break;
                    };
                    rest = tail;
                    GroupOp::Replay {
                        message: *message,
                        device: *device,
                    }
                }
                13 => {
                    let [index, byte, mask, tail @ ..] = rest else {
                        break;
                    };
                    rest = tail;
                    GroupOp::Tamper {
                        index: *index,
                        byte: *byte,
                        mask: *mask,
                    }
                }
                kind => {
                    let [arg, tail @ ..] = rest else { break };
                    rest = tail;
                    let arg = *arg;
                    match kind {
                        0..=2 | 14 => GroupOp::Send { device: arg },
                        6 => GroupOp::Drop { index: arg },
                        7 => GroupOp::Duplicate { index: arg },
                        9 => GroupOp::Remove { device: arg },
                        10 => GroupOp::Add { account: arg },
                        11 => GroupOp::Rotate { device: arg },
                        12 => GroupOp::Reload { device: arg },
                        _ => GroupOp::Deliver { index: arg },
                    }
                }
            };
            ops.push(op);
        }
        ops
    }

    /// The inverse of [`GroupOp::decode_all`].
    pub fn encode_all(ops: &[GroupOp]) -> Vec<u8> {
        let mut out = Vec::new();
        for op in ops {
            match *op {
                GroupOp::Send { device } => out.extend([0, device]),
                GroupOp::Deliver { index } => out.extend([3, index]),
                GroupOp::Drop { index } => out.extend([6, index]),
                GroupOp::Duplicate { index } => out.extend([7, index]),
                GroupOp::Replay { message, device } => out.extend([8, message, device]),
                GroupOp::Remove { device } => out.extend([9, device]),
                GroupOp::Add { account } => out.extend([10, account]),
                GroupOp::Rotate { device } => out.extend([11, device]),
                GroupOp::Reload { device } => out.extend([12, device]),
                GroupOp::Tamper { index, byte, mask } => out.extend([13, index, byte, mask]),
            }
        }
        out
    }
}

/// What a run did, for checking that seeds take the paths their names promise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupStats {
    /// Messages sent.
    pub sent: u32,
    /// Messages decrypted.
    pub decrypted: u32,
    /// Messages refused because the device decrypted them before.
    pub replays_refused: u32,
    /// Messages refused because the device joined the chain after them (`DuplicateMessage`).
    pub before_joining_refused: u32,
    /// Messages refused because their sender is not a member in the device's view (a removed
    /// sender, or the device itself).
    pub from_non_member_refused: u32,
    /// Messages refused on a chain the device does not hold (sent after it was removed, or
    /// dropped past `max_sender_key_chains`).
    pub unknown_chain_refused: u32,
    /// Tampered messages that decoded and were refused.
    pub tampered_refused: u32,
    /// Distributions refused (from a device no longer a member).
    pub distributions_refused: u32,
    /// Devices added.
    pub added: u32,
    /// Members removed.
    pub removed: u32,
    /// Rotations.
    pub rotated: u32,
    /// Sessions reloaded.
    pub reloaded: u32,
}

/// A chain of a member as a device took it in: its id and the iteration it was handed at.
#[derive(Clone, Copy, Debug)]
struct ModelChain {
    id: u32,
    start: u32,
}

/// A device: its session, and the model of what it was told.
struct Device {
    address: DeviceAddress,
    session: GroupSession,
    /// Removed from the group by the others (it was not told, and keeps its session).
    removed: bool,
    /// The members it was told of.
    view: BTreeSet<DeviceAddress>,
    /// The chains it took in from each member, most recent first.
    chains: BTreeMap<DeviceAddress, VecDeque<ModelChain>>,
    /// Its own chain and the next iteration it sends.
    chain_id: u32,
    iteration: u32,
    /// The messages it decrypted.
    decrypted: BTreeSet<u32>,
}

impl Device {
    fn new(address: DeviceAddress, session: GroupSession) -> Self {
        Self {
            view: session.members().cloned().collect(),
            chain_id: session.chain_id(),
            address,
            session,
            removed: false,
            chains: BTreeMap::new(),
            iteration: 0,
            decrypted: BTreeSet::new(),
        }
    }

    fn stored(&self) -> Vec<u8> {
        self.session.to_stored().as_bytes().to_vec()
    }

    /// What decrypting a message from `sender` on chain `chain_id` at `iteration` gives by
    /// the model; `genuine`: the id of a message sent (its signature verifies), `None` for a
    /// tampered one (it does not).
    fn predict(
        &self,
        group: &GroupId,
        message: &GroupMessage,
        genuine: Option<u32>,
    ) -> Result<(), Error> {
        if message.group_id() != group {
            return Err(Error::WrongGroup);
        }
        let sender = message.sender();
        if !self.view.contains(sender) {
            return Err(Error::NotAGroupMember {
                device: sender.device.get(),
            });
        }
        let chain = self
            .chains
            .get(sender)
            .and_then(|chains| chains.iter().find(|c| c.id == message.chain_id()))
            .ok_or(Error::UnknownSenderKey {
                chain_id: message.chain_id(),
            })?;
        let Some(id) = genuine else {
            return Err(Error::InvalidSignature);
        };
        if self.decrypted.contains(&id) || message.iteration() < chain.start {
            return Err(Error::DuplicateMessage);
        }
        Ok(())
    }
}

/// A message sent.
struct Sent {
    id: u32,
    message: GroupMessage,
    bytes: Vec<u8>,
    plaintext: Vec<u8>,
    /// The sender's members when it was sent: the only devices that may read it.
    members: BTreeSet<DeviceAddress>,
}

/// A run of the `group` target: four devices (Acme 1 and 2, Carol 1, Dave 1) that created
/// the group and exchanged distributions, from [`GROUP_RUN_SEED`]; the messages sent and in
/// flight; and a model of what each device was told (members, and the chains it took in at
/// which iteration), from which every answer is predicted.
///
/// Distributions travel through their encoding but not inside pairwise sessions (the
/// `multi_device` target fuzzes those), and arrive at once.
pub struct GroupRun {
    config: Config,
    rng: ChaCha20Rng,
    group: GroupId,
    devices: Vec<Device>,
    sent: Vec<Sent>,
    /// (message id, recipient device index).
    in_flight: Vec<(u32, usize)>,
    stats: GroupStats,
}

impl Default for GroupRun {
    fn default() -> Self {
        Self::new()
    }
}

impl GroupRun {
    /// Acme 1, Acme 2, Carol 1 and Dave 1, each with every other's distribution.
    pub fn new() -> Self {
        let config = crate::fixtures::config();
        let mut rng = crate::fixtures::rng(GROUP_RUN_SEED);
        let group = GroupId::new(b"acme-support-7".to_vec()).expect("a valid group id");
        let first = [
            address("acme", 1),
            address("acme", 2),
            address("carol", 1),
            address("dave", 1),
        ];
        let devices = first
            .iter()
            .map(|local| {
                let others = first.iter().filter(|a| *a != local).cloned();
                let session =
                    GroupSession::create(&mut rng, group.clone(), local.clone(), others, &config)
                        .expect("a group session");
                Device::new(local.clone(), session)
            })
            .collect();
        let mut run = Self {
            config,
            rng,
            group,
            devices,
            sent: Vec::new(),
            in_flight: Vec::new(),
            stats: GroupStats::default(),
        };
        for from in 0..run.devices.len() {
            let distribution = run.devices[from].session.distribution();
            let to = run.recipients(from);
            run.distribute(from, &distribution, &to);
        }
        run.check();
        run
    }

    /// What the run did so far.
    pub fn stats(&self) -> GroupStats {
        self.stats
    }

    fn index_of(&self, address: &DeviceAddress) -> usize {
        self.devices
            .iter()
            .position(|d| &d.address == address)
            .expect("a device of the run")
    }

    /// The devices in `from`'s view.
    fn recipients(&self, from: usize) -> Vec<usize> {
        self.devices[from]
            .view
            .iter()
            .map(|a| self.index_of(a))
            .collect()
    }

    /// The current members (not removed), by index.
    fn members(&self) -> Vec<usize> {
        (0..self.devices.len())
            .filter(|&i| !self.devices[i].removed)
            .collect()
    }

    fn pick(&self, device: u8) -> usize {
        usize::from(device) % self.devices.len()
    }

    /// Runs one operation, then checks every device's members against the model.
    pub fn apply(&mut self, op: GroupOp) {
        match op {
            GroupOp::Send { device } => {
                if self.in_flight.len() < MAX_GROUP_IN_FLIGHT {
                    let device = self.pick(device);
                    self.send(device);
                }
            }
            GroupOp::Deliver { index } => {
                if !self.in_flight.is_empty() {
                    let at = usize::from(index) % self.in_flight.len();
                    let (id, to) = self.in_flight.remove(at);
                    self.deliver(id, to);
                }
            }
            GroupOp::Drop { index } => {
                if !self.in_flight.is_empty() {
                    let at = usize::from(index) % self.in_flight.len();
                    self.in_flight.remove(at);
                }
            }
            GroupOp::Duplicate { index } => {
                if !self.in_flight.is_empty() {
                    let (id, to) = self.in_flight[usize::from(index) % self.in_flight.len()];
                    self.deliver(id, to);
                }
            }
            GroupOp::Replay { message, device } => {
                if let Some(at) = self
                    .sent
                    .len()
                    .checked_sub(1 + usize::from(message) % self.sent.len().max(1))
                {
                    let to = self.pick(device);
                    self.deliver(self.sent[at].id, to);
                }
            }
            GroupOp::Remove { device } => {
                let members = self.members();
                if members.len() > MIN_GROUP_MEMBERS {
                    self.remove(members[usize::from(device) % members.len()]);
                }
            }
            GroupOp::Add { account } => {
                if self.devices.len() < MAX_GROUP_DEVICES {
                    self.add(ACCOUNTS[usize::from(account) % ACCOUNTS.len()]);
                }
            }
            GroupOp::Rotate { device } => {
                let device = self.pick(device);
                self.rotate(device);
            }
            GroupOp::Reload { device } => {
                let device = self.pick(device);
                self.reload(device);
            }
            GroupOp::Tamper { index, byte, mask } => self.tamper(index, byte, mask),
        }
        self.check();
    }

    /// Every session holds exactly the members and the own chain the model says.
    fn check(&self) {
        for device in &self.devices {
            assert!(
                device.session.members().eq(device.view.iter()),
                "{:?}'s members",
                device.address
            );
            assert_eq!(device.session.chain_id(), device.chain_id);
            assert_eq!(device.session.distribution().iteration(), device.iteration);
        }
    }

    /// `from` hands `distribution` to each of `to`, through its encoding; each takes it in
    /// as the model predicts, a refusal changing nothing.
    fn distribute(&mut self, from: usize, distribution: &SenderKeyDistribution, to: &[usize]) {
        let bytes = distribution.encode();
        let received = SenderKeyDistribution::decode(&bytes).expect("a distribution decodes");
        assert_eq!(received.encode().as_slice(), bytes.as_slice());
        let (chain_id, iteration) = (received.chain_id(), received.iteration());
        assert_eq!(received.group_id(), &self.group);
        let sender = self.devices[from].address.clone();
        let keep = self
            .config
            .max_sender_key_chains
            .clamp(1, MAX_SENDER_KEY_CHAINS);
        for &r in to {
            let device = &mut self.devices[r];
            let expected = if !device.view.contains(&sender) {
                Err(Error::NotAGroupMember {
                    device: sender.device.get(),
                })
            } else if device
                .chains
                .get(&sender)
                .is_some_and(|chains| chains.iter().any(|c| c.id == chain_id))
            {
                // A chain id drawn again (1 in 2^32): another signing key.
                Err(Error::SenderKeyConflict { chain_id })
            } else {
                Ok(DistributionOutcome::Added)
            };
            let before = device.stored();
            let result = device.session.process_distribution(&sender, &received);
            assert_eq!(
                result, expected,
                "{:?} took in {sender:?}'s distribution",
                device.address
            );
            if result.is_ok() {
                let chains = device.chains.entry(sender.clone()).or_default();
                chains.push_front(ModelChain {
                    id: chain_id,
                    start: iteration,
                });
                chains.truncate(keep);
            } else {
                assert_eq!(device.stored(), before, "changed by {result:?}");
                self.stats.distributions_refused += 1;
            }
        }
    }

    /// `from` encrypts a message, queued for every member of its view.
    fn send(&mut self, from: usize) {
        let id = u32::try_from(self.sent.len()).expect("few messages");
        let device = &mut self.devices[from];
        let plaintext = format!(
            "#{id} from {}{}",
            name_of(&device.address.account),
            device.address.device.get()
        )
        .into_bytes();
        let message = device
            .session
            .encrypt(&plaintext)
            .unwrap_or_else(|error| panic!("encrypt: {error:?}"));
        assert_eq!(
            (message.chain_id(), message.iteration()),
            (device.chain_id, device.iteration)
        );
        assert_eq!(message.sender(), &device.address);
        assert_eq!(message.group_id(), &self.group);
        device.iteration += 1;
        let bytes = message.encode();
        assert_eq!(
            GroupMessage::decode(&bytes, &self.config).as_ref(),
            Ok(&message)
        );
        let members = device.view.clone();
        for to in self.recipients(from) {
            self.in_flight.push((id, to));
        }
        self.sent.push(Sent {
            id,
            message,
            bytes,
            plaintext,
            members,
        });
        self.stats.sent += 1;
    }

    /// Message `id` arrives at device `to`, through its encoding. Its answer must be the
    /// model's: it decrypts only on a device that was a member of the sender's view when it
    /// was sent, still holds the sender as a member and its chain, took that chain in no
    /// later than the message, and never decrypted it, to exactly the plaintext sent; any
    /// failure leaves the session byte-for-byte as it was. Returns whether it decrypted.
    fn deliver(&mut self, id: u32, to: usize) -> bool {
        let sent = &self.sent[id as usize];
        let device = &mut self.devices[to];
        let expected = device.predict(&self.group, &sent.message, Some(id));
        let before = device.stored();
        let result = device.session.decrypt_bytes(&sent.bytes);
        let what = format!(
            "message #{id} from {:?} (chain {}, iteration {}) to {:?}",
            sent.message.sender(),
            sent.message.chain_id(),
            sent.message.iteration(),
            device.address
        );
        match result {
            Ok(plaintext) => {
                assert_eq!(expected, Ok(()), "{what} decrypted");
                assert_eq!(plaintext, sent.plaintext, "{what}");
                assert!(
                    sent.members.contains(&device.address),
                    "{what} decrypted, not a member when it was sent"
                );
                assert!(device.decrypted.insert(id), "{what} decrypted twice");
                assert_ne!(device.stored(), before, "a decrypt consumes a key");
                self.stats.decrypted += 1;
                true
            }
            Err(error) => {
                assert_eq!(device.stored(), before, "{what}: changed after {error:?}");
                assert_eq!(Err(error.clone()), expected, "{what}");
                match error {
                    Error::DuplicateMessage if device.decrypted.contains(&id) => {
                        self.stats.replays_refused += 1;
                    }
                    Error::DuplicateMessage => self.stats.before_joining_refused += 1,
                    Error::NotAGroupMember { .. } => self.stats.from_non_member_refused += 1,
                    _ => self.stats.unknown_chain_refused += 1,
                }
                false
            }
        }
    }

    /// Every other member removes `gone`, rotates, and sends the new distribution to the
    /// remaining members; removing it again is `NotAGroupMember` and changes nothing.
    fn remove(&mut self, gone: usize) {
        self.devices[gone].removed = true;
        let address = self.devices[gone].address.clone();
        let remaining = self.members();
        for &m in &remaining {
            let device = &mut self.devices[m];
            let distribution = device
                .session
                .remove_member(&mut self.rng, &address)
                .unwrap_or_else(|error| panic!("remove_member: {error:?}"));
            device.view.remove(&address);
            device.chains.remove(&address);
            assert_eq!(distribution.chain_id(), device.session.chain_id());
            assert_eq!(distribution.iteration(), 0, "a new chain");
            device.chain_id = distribution.chain_id();
            device.iteration = 0;
            let before = device.stored();
            assert_eq!(
                device.session.remove_member(&mut self.rng, &address).err(),
                Some(Error::NotAGroupMember {
                    device: address.device.get()
                })
            );
            assert_eq!(device.stored(), before);
            let to: Vec<_> = remaining.iter().copied().filter(|&r| r != m).collect();
            self.distribute(m, &distribution, &to);
        }
        self.stats.removed += 1;
    }

    /// A new device of `account` joins: every member adds it and hands it its distribution as
    /// it is now; it sends its own to every member.
    fn add(&mut self, account: &str) {
        let id = self
            .devices
            .iter()
            .filter(|d| d.address.account.as_bytes() == account.as_bytes())
            .map(|d| d.address.device.get())
            .max()
            .unwrap_or(0)
            + 1;
        let new = address(account, id);
        let members = self.members();
        let addresses: Vec<_> = members
            .iter()
            .map(|&m| self.devices[m].address.clone())
            .collect();
        let session = GroupSession::create(
            &mut self.rng,
            self.group.clone(),
            new.clone(),
            addresses,
            &self.config,
        )
        .expect("a group session");
        self.devices.push(Device::new(new.clone(), session));
        let at = self.devices.len() - 1;
        for &m in &members {
            let device = &mut self.devices[m];
            let distribution = device
                .session
                .add_member(new.clone())
                .unwrap_or_else(|error| panic!("add_member: {error:?}"));
            assert_eq!(
                (distribution.chain_id(), distribution.iteration()),
                (device.chain_id, device.iteration),
                "the key as it is now"
            );
            device.view.insert(new.clone());
            self.distribute(m, &distribution, &[at]);
        }
        let distribution = self.devices[at].session.distribution();
        self.distribute(at, &distribution, &members);
        self.stats.added += 1;
    }

    /// `device` rotates and sends the new distribution to every member of its view.
    fn rotate(&mut self, from: usize) {
        let device = &mut self.devices[from];
        let distribution = device.session.rotate(&mut self.rng);
        assert_eq!(distribution.iteration(), 0);
        device.chain_id = distribution.chain_id();
        device.iteration = 0;
        let to = self.recipients(from);
        self.distribute(from, &distribution, &to);
        self.stats.rotated += 1;
    }

    /// A session goes through its stored form and back, losslessly.
    fn reload(&mut self, at: usize) {
        let device = &mut self.devices[at];
        let stored = device.session.to_stored();
        let loaded = GroupSession::from_stored(stored.as_bytes(), &self.config)
            .unwrap_or_else(|error| panic!("a stored group session does not load: {error:?}"));
        assert_eq!(
            loaded.to_stored().as_bytes(),
            stored.as_bytes(),
            "a reload is lossy"
        );
        device.session = loaded;
        self.stats.reloaded += 1;
    }

    /// A tampered copy of a pair in flight: refused by decoding, or by the recipient before
    /// any key is derived (the signature fails, if nothing earlier does), changing nothing.
    fn tamper(&mut self, index: u8, byte: u8, mask: u8) {
        if self.in_flight.is_empty() {
            return;
        }
        let (id, to) = self.in_flight[usize::from(index) % self.in_flight.len()];
        let sent = &self.sent[id as usize];
        let mut bytes = sent.bytes.clone();
        let at = usize::from(byte) % bytes.len();
        if mask == 0 {
            bytes.truncate(at);
        } else {
            bytes[at] ^= mask;
        }
        let message = match GroupMessage::decode(&bytes, &self.config) {
            Err(error) => {
                assert!(is_decoding_error(&error), "decode returned {error:?}");
                return;
            }
            Ok(message) => message,
        };
        assert_ne!(
            message, sent.message,
            "another encoding of the same message"
        );
        let device = &mut self.devices[to];
        let expected = device.predict(&self.group, &message, None);
        let before = device.stored();
        let result = device.session.decrypt(&message);
        assert_eq!(result.as_ref().err(), expected.err().as_ref(), "tampered");
        assert_eq!(device.stored(), before, "changed by a tampered message");
        self.stats.tampered_refused += 1;
    }

    /// Everything in flight arrives, in order; then every member sends once and each message
    /// arrives at every other member at once, and must decrypt there.
    pub fn finish(&mut self) {
        while !self.in_flight.is_empty() {
            let (id, to) = self.in_flight.remove(0);
            self.deliver(id, to);
        }
        for from in self.members() {
            self.send(from);
            while !self.in_flight.is_empty() {
                let (id, to) = self.in_flight.remove(0);
                if !self.devices[to].removed {
                    assert!(
                        self.deliver(id, to),
                        "a member's message did not decrypt at the end"
                    );
                }
            }
        }
        self.check();
    }
}

/// Runs `ops` (at most [`MAX_GROUP_OPS`]) on a fresh [`GroupRun`], checking the invariants
/// after each, then [`GroupRun::finish`]. The input reaches the deepest path when a message
/// decrypted before the end.
pub fn run_group_ops(ops: impl IntoIterator<Item = GroupOp>) -> Outcome {
    let mut run = GroupRun::new();
    for op in ops.into_iter().take(MAX_GROUP_OPS) {
        run.apply(op);
    }
    let decrypted = run.stats().decrypted > 0;
    run.finish();
    if decrypted {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}

/// `group`: operations decoded with [`GroupOp::decode_all`], run by [`run_group_ops`].
pub fn group(data: &[u8]) -> Outcome {
    run_group_ops(GroupOp::decode_all(data))
}
