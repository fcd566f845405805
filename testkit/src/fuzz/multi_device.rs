//! The `multi_device` target: the devices of two accounts talking through fan-out, with
//! messages delivered, dropped, reordered, replayed and tampered with, records reloaded,
//! devices added and removed, and sessions started at once from both ends.

use std::collections::BTreeSet;

use hushwire::{DeviceAddress, DeviceId, DeviceMessage, Error, SessionId, SessionRecord};
use rand_chacha::ChaCha20Rng;

use super::Outcome;
use super::checks::is_decoding_error;
use super::device_fixture::start_session;
use super::fixture::FIXTURE_SEED;
use crate::fixtures::accounts::{Account, World, now};

/// The seed of a run's RNG: the accounts' keys, bundles, and every encrypt and decrypt.
pub const MULTI_DEVICE_SEED: u64 = FIXTURE_SEED ^ 0x32;
/// Most operations run from one input.
pub const MAX_DEVICE_OPS: usize = 64;
/// Most [`DeviceOp::Initiate`] operations that run: each adds up to two sessions to each of
/// two records, so a record never holds more than the default 40 archived sessions and no
/// message in flight loses its session.
pub const MAX_INITIATIONS: u32 = 8;
/// Most devices an account has: [`DeviceOp::AddDevice`] beyond it is ignored.
pub const MAX_DEVICES_PER_ACCOUNT: usize = 4;
/// Most [`DeviceOp::Settle`] operations that run (each costs a fan-out from every device).
pub const MAX_SETTLES: u32 = 4;
/// Most messages in flight: sends beyond it are ignored.
pub const MAX_DEVICE_IN_FLIGHT: usize = 128;
/// Delivered messages remembered for [`DeviceOp::Replay`].
pub const MAX_DEVICE_REMEMBERED: usize = 64;

/// One operation of the `multi_device` target. Devices are named by an index into every
/// existing device (Acme's by increasing id, then Carol's), taken modulo their number;
/// messages by an index into the messages in flight (or, for a replay, delivered ones, 0 the
/// latest), modulo their number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceOp {
    /// A device fans a message out to the other account (to its devices and to the sender's
    /// other devices), or, `own`, to its own account's other devices; it first starts a
    /// session with every device it has none with (`World::connect`).
    Send {
        /// The sending device.
        device: u8,
        /// To its own account.
        own: bool,
    },
    /// A message in flight arrives.
    Deliver {
        /// Which one.
        index: u8,
    },
    /// A message in flight is lost.
    Drop {
        /// Which one.
        index: u8,
    },
    /// A delivered message arrives again.
    Replay {
        /// How far back.
        index: u8,
    },
    /// A copy of a message in flight arrives; the original stays in flight.
    Duplicate {
        /// Which one.
        index: u8,
    },
    /// A device's records are stored and loaded again.
    Reload {
        /// The device.
        device: u8,
    },
    /// Device `a` starts a new session with device `b` from a fresh bundle and, `both`, `b`
    /// with `a` at the same time (simultaneous initiation).
    Initiate {
        /// The first device.
        a: u8,
        /// The second device.
        b: u8,
        /// Both start.
        both: bool,
    },
    /// An account (0 Acme, 1 Carol) adds a device, signs a new list and publishes it.
    AddDevice {
        /// The account.
        account: u8,
    },
    /// A device is removed from its account's list (unless it is the last one), and every
    /// device takes in the new list (`World::publish`).
    RemoveDevice {
        /// The device.
        device: u8,
    },
    /// A copy of a message in flight with byte `byte` (modulo its length) XORed with `mask`
    /// (0: cut off there) arrives; the original stays in flight.
    Tamper {
        /// Which message.
        index: u8,
        /// Which byte.
        byte: u8,
        /// What to flip; 0 truncates instead.
        mask: u8,
    },
    /// Everything in flight arrives, then every device sends once to the other account and
    /// each message arrives at once: every two devices must then be on one session.
    Settle,
}

impl DeviceOp {
    /// Decodes operations from bytes by hand (the corpus format of `multi_device`): a kind
    /// byte (modulo 16), then its arguments; a truncated last operation is ignored. Kinds:
    /// 0-2 send (one byte: bit 0 `own`, bits 1-7 the device), 3-5 and 15 deliver, 6 drop,
    /// 7 replay, 8 duplicate (one byte: the index), 9 reload (the device), 10 initiate (two
    /// bytes: bit 0 `both` and bits 1-7 device `a`; device `b`), 11 add a device (bit 0: the
    /// account), 12 remove a device (the device), 13 tamper (index, byte, mask), 14 settle
    /// (no argument).
    pub fn decode_all(data: &[u8]) -> Vec<DeviceOp> {
        let mut ops = Vec::new();
        let mut rest = data;
        while let Some((&kind, tail)) = rest.split_first() {
            rest = tail;
            let op = match kind % 16 {
                14 => DeviceOp::Settle,
                10 => {
                    let [first, b, tail @ ..] = rest else { break };
                    rest = tail;
                    DeviceOp::Initiate {
                        a: first >> 1,
                        b: *b,
                        both: first & 1 == 1,
                    }
                }
                13 => {
                    let [index, byte, mask, tail @ ..] = rest else {
                        break;
                    };
                    rest = tail;
                    DeviceOp::Tamper {
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
                        0..=2 => DeviceOp::Send {
                            device: arg >> 1,
                            own: arg & 1 == 1,
                        },
                        6 => DeviceOp::Drop { index: arg },
                        7 => DeviceOp::Replay { index: arg },
                        8 => DeviceOp::Duplicate { index: arg },
                        9 => DeviceOp::Reload { device: arg },
                        11 => DeviceOp::AddDevice { account: arg & 1 },
                        12 => DeviceOp::RemoveDevice { device: arg },
                        _ => DeviceOp::Deliver { index: arg },
                    }
                }
            };
            ops.push(op);
        }
        ops
    }

    /// The inverse of [`DeviceOp::decode_all`] for devices (and `a`) below 128 and accounts
    /// 0 and 1.
    pub fn encode_all(ops: &[DeviceOp]) -> Vec<u8> {
        let mut out = Vec::new();
        for op in ops {
            match *op {
                DeviceOp::Send { device, own } => out.extend([0, device << 1 | u8::from(own)]),
                DeviceOp::Deliver { index } => out.extend([3, index]),
                DeviceOp::Drop { index } => out.extend([6, index]),
                DeviceOp::Replay { index } => out.extend([7, index]),
                DeviceOp::Duplicate { index } => out.extend([8, index]),
                DeviceOp::Reload { device } => out.extend([9, device]),
                DeviceOp::Initiate { a, b, both } => out.extend([10, a << 1 | u8::from(both), b]),
                DeviceOp::AddDevice { account } => out.extend([11, account]),
                DeviceOp::RemoveDevice { device } => out.extend([12, device]),
                DeviceOp::Tamper { index, byte, mask } => out.extend([13, index, byte, mask]),
                DeviceOp::Settle => out.push(14),
            }
        }
        out
    }
}

/// What a run did, for checking that seeds take the paths their names promise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeviceStats {
    /// Messages sent (one per device a fan-out reached).
    pub sent: u32,
    /// Genuine messages decrypted.
    pub decrypted: u32,
    /// Genuine messages refused because they were decrypted before (replays, duplicates).
    pub replays_refused: u32,
    /// Genuine messages from a removed device refused with `DeviceNotListed`.
    pub from_removed_refused: u32,
    /// Genuine messages for a removed device, which no longer exists.
    pub to_removed: u32,
    /// Tampered messages that decoded and were refused.
    pub tampered_refused: u32,
    /// Sessions started by [`DeviceOp::Initiate`].
    pub initiated: u32,
    /// Devices added.
    pub added: u32,
    /// Devices removed.
    pub removed: u32,
    /// Records reloaded.
    pub reloaded: u32,
    /// Settles run, the final one included.
    pub settles: u32,
}

/// A message sent and not yet forgotten.
#[derive(Clone, Debug)]
struct Flight {
    id: u32,
    message: DeviceMessage,
    plaintext: Vec<u8>,
}

/// What a device holds: its records, stored, and its one-time prekeys left.
type Snapshot = (Vec<(DeviceAddress, Vec<u8>)>, usize);

/// A run of the `multi_device` target: a [`World`] of Acme and Carol (two devices each, from
/// [`MULTI_DEVICE_SEED`], no sessions yet), the messages in flight and delivered, and what the
/// invariants need to remember.
pub struct MultiDevice {
    world: World,
    rng: ChaCha20Rng,
    in_flight: Vec<Flight>,
    delivered: Vec<Flight>,
    decrypted: BTreeSet<u32>,
    removed: Vec<DeviceAddress>,
    next_id: u32,
    initiations: u32,
    settles: u32,
    stats: DeviceStats,
}

impl Default for MultiDevice {
    fn default() -> Self {
        Self::new()
    }
}

impl MultiDevice {
    /// Acme and Carol with two devices each and list version 1, no session yet.
    pub fn new() -> Self {
        let config = crate::fixtures::config();
        let mut rng = crate::fixtures::rng(MULTI_DEVICE_SEED);
        let world = World {
            accounts: vec![
                Account::generate(&mut rng, "acme", 2, &config),
                Account::generate(&mut rng, "carol", 2, &config),
            ],
            config,
        };
        Self {
            world,
            rng,
            in_flight: Vec::new(),
            delivered: Vec::new(),
            decrypted: BTreeSet::new(),
            removed: Vec::new(),
            next_id: 0,
            initiations: 0,
            settles: 0,
            stats: DeviceStats::default(),
        }
    }

    /// What the run did so far.
    pub fn stats(&self) -> DeviceStats {
        self.stats
    }

    /// The world.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Every existing device, as (account index, device id): Acme's by increasing id, then
    /// Carol's.
    fn devices(&self) -> Vec<(usize, u32)> {
        self.world
            .accounts
            .iter()
            .enumerate()
            .flat_map(|(a, account)| {
                account
                    .devices
                    .iter()
                    .map(move |d| (a, d.address.device.get()))
            })
            .collect()
    }

    fn pick(&self, index: u8) -> (usize, u32) {
        let devices = self.devices();
        devices[usize::from(index) % devices.len()]
    }

    fn address(&self, (account, device): (usize, u32)) -> DeviceAddress {
        DeviceAddress::new(
            self.world.accounts[account].id.clone(),
            DeviceId::new(device).expect("above 0"),
        )
    }

    /// The device at `address`, if it exists.
    fn device(&self, address: &DeviceAddress) -> Option<&crate::fixtures::accounts::Device> {
        self.world
            .accounts
            .iter()
            .find(|a| a.id == address.account)?
            .devices
            .iter()
            .find(|d| &d.address == address)
    }

    fn snapshot(&self, address: &DeviceAddress) -> Option<Snapshot> {
        let device = self.device(address)?;
        let records = device
            .sessions
            .records()
            .map(|(peer, record)| (peer.clone(), record.to_stored().as_bytes().to_vec()))
            .collect();
        Some((records, device.prekeys.one_time_prekeys_left()))
    }

    /// The id of the current session `owner` holds with `peer`.
    fn current(&self, owner: &DeviceAddress, peer: &DeviceAddress) -> Option<SessionId> {
        Some(self.device(owner)?.sessions.record(peer)?.current()?.id())
    }

    /// Runs one operation.
    pub fn apply(&mut self, op: DeviceOp) {
        match op {
            DeviceOp::Send { device, own } => {
                if self.in_flight.len() < MAX_DEVICE_IN_FLIGHT {
                    let device = self.pick(device);
                    self.send(device, own);
                }
            }
            DeviceOp::Deliver { index } => {
                if !self.in_flight.is_empty() {
                    let at = usize::from(index) % self.in_flight.len();
                    let flight = self.in_flight.remove(at);
                    self.deliver_flight(flight);
                }
            }
            DeviceOp::Drop { index } => {
                if !self.in_flight.is_empty() {
                    let at = usize::from(index) % self.in_flight.len();
                    self.in_flight.remove(at);
                }
            }
            DeviceOp::Replay { index } => {
                if let Some(at) = self
                    .delivered
                    .len()
                    .checked_sub(1 + usize::from(index) % self.delivered.len().max(1))
                {
                    let flight = self.delivered[at].clone();
                    assert!(!self.deliver(&flight.message, Some(&flight)), "a replay");
                }
            }
            DeviceOp::Duplicate { index } => {
                if !self.in_flight.is_empty() {
                    let at = usize::from(index) % self.in_flight.len();
                    let flight = self.in_flight[at].clone();
                    self.deliver_flight(flight);
                }
            }
            DeviceOp::Reload { device } => {
                let device = self.pick(device);
                self.reload(device);
            }
            DeviceOp::Initiate { a, b, both } => {
                let (a, b) = (self.pick(a), self.pick(b));
                if a != b && self.initiations < MAX_INITIATIONS {
                    self.initiations += 1;
                    self.initiate(a, b);
                    if both {
                        self.initiate(b, a);
                    }
                }
            }
            DeviceOp::AddDevice { account } => self.add_device(usize::from(account & 1)),
            DeviceOp::RemoveDevice { device } => {
                let device = self.pick(device);
                self.remove_device(device);
            }
            DeviceOp::Tamper { index, byte, mask } => self.tamper(index, byte, mask),
            DeviceOp::Settle => {
                if self.settles < MAX_SETTLES {
                    self.settles += 1;
                    self.settle();
                }
            }
        }
    }

    /// `from` fans a message out (see [`DeviceOp::Send`]): exactly to the devices on the
    /// lists, in the order of SPEC.md 14.5, never to a removed device, each message bound
    /// to the lists' versions and decoding back to itself.
    fn send(&mut self, (account, device): (usize, u32), own: bool) {
        let to = if own { account } else { 1 - account };
        self.world.connect(&mut self.rng, account, device, to);
        let plaintext = format!("#{} from {account}/{device}", self.next_id).into_bytes();
        let messages = self
            .world
            .send(account, device, to, &plaintext)
            .unwrap_or_else(|error| panic!("fan-out after connecting: {error:?}"));
        let me = self.address((account, device));
        let mut expected = Vec::new();
        for list in [
            &self.world.accounts[to].list,
            &self.world.accounts[account].list,
        ] {
            for (id, _) in list.devices() {
                let address = DeviceAddress::new(list.account_id().clone(), id);
                if address != me && !expected.contains(&address) {
                    expected.push(address);
                }
            }
        }
        let recipients: Vec<_> = messages.iter().map(|m| m.recipient().clone()).collect();
        assert_eq!(recipients, expected, "fan-out targets");
        for message in messages {
            let recipient = message.recipient();
            assert!(
                !self.removed.contains(recipient),
                "a message for removed device {recipient:?}"
            );
            assert_eq!(message.sender(), &me);
            assert_eq!(
                message.sender_list_version(),
                self.world.accounts[account].list.list_version()
            );
            assert_eq!(
                message.recipient_list_version(),
                self.world.list_of(&recipient.account).list_version()
            );
            assert_eq!(
                DeviceMessage::decode(&message.encode(), &self.world.config).as_ref(),
                Ok(&message)
            );
            self.stats.sent += 1;
            self.in_flight.push(Flight {
                id: self.next_id,
                message,
                plaintext: plaintext.clone(),
            });
            self.next_id += 1;
        }
    }

    /// Delivers a genuine message; remembers it if it decrypted.
    fn deliver_flight(&mut self, flight: Flight) {
        if self.deliver(&flight.message, Some(&flight)) {
            if self.delivered.len() >= MAX_DEVICE_REMEMBERED {
                self.delivered.remove(0);
            }
            self.delivered.push(flight);
        }
    }

    /// Delivers `message` (genuine: `flight`; tampered: `None`) to the device it is addressed
    /// to, with the current lists. Returns whether it decrypted. Checks:
    ///
    /// - a message for a device that is gone was for a removed device;
    /// - it decrypts only if genuine, not decrypted before, from a device on its account's
    ///   list, to exactly the plaintext sent, from its sender, with the consistency flags
    ///   its list versions give;
    /// - a failure leaves the recipient's records byte-for-byte and its prekeys as they
    ///   were; a genuine message from a removed device is `DeviceNotListed`, and any other
    ///   genuine message fails only if it was decrypted before.
    fn deliver(&mut self, message: &DeviceMessage, flight: Option<&Flight>) -> bool {
        let recipient = message.recipient().clone();
        let sender = message.sender().clone();
        let Some(before) = self.snapshot(&recipient) else {
            if flight.is_some() {
                assert!(
                    self.removed.contains(&recipient),
                    "a message for a device that never was: {recipient:?}"
                );
                self.stats.to_removed += 1;
            }
            return false;
        };
        let sender_list = self
            .world
            .accounts
            .iter()
            .find(|a| a.id == sender.account)
            .map(|a| a.list.clone());
        let sender_listed = sender_list
            .as_ref()
            .is_some_and(|list| list.device_key(sender.device).is_some());
        let (own, device) = self.world.find(&recipient).expect("the recipient exists");
        let own = own.clone();
        // An unknown sender account (only a tampered message has one): any other list makes
        // it misaddressed.
        let sender_list = sender_list.unwrap_or_else(|| own.clone());
        let result = device.receive(&mut self.rng, &own, &sender_list, message);
        match result {
            Ok(received) => {
                let flight = flight.unwrap_or_else(|| panic!("a tampered message decrypted"));
                assert!(
                    sender_listed && !self.removed.contains(&sender),
                    "accepted a message from {sender:?}, not on its account's list"
                );
                assert!(
                    self.decrypted.insert(flight.id),
                    "message #{} decrypted twice",
                    flight.id
                );
                assert_eq!(
                    received.plaintext, flight.plaintext,
                    "message #{}",
                    flight.id
                );
                assert_eq!(received.from, sender);
                let flags = received.consistency;
                assert_eq!(
                    flags.sender_list_newer,
                    message.sender_list_version() > sender_list.list_version()
                );
                assert_eq!(
                    flags.sender_saw_older_list_of_ours,
                    message.recipient_list_version() < own.list_version()
                );
                assert_eq!(
                    flags.our_list_newer_elsewhere,
                    message.recipient_list_version() > own.list_version()
                );
                self.stats.decrypted += 1;
                true
            }
            Err(error) => {
                assert_eq!(
                    self.snapshot(&recipient).as_ref(),
                    Some(&before),
                    "{recipient:?}'s records or prekeys changed after {error:?}"
                );
                match flight {
                    None => self.stats.tampered_refused += 1,
                    Some(flight) if !sender_listed => {
                        assert_eq!(
                            error,
                            Error::DeviceNotListed {
                                device: sender.device.get()
                            },
                            "message #{} from removed {sender:?}",
                            flight.id
                        );
                        self.stats.from_removed_refused += 1;
                    }
                    Some(flight) => {
                        assert!(
                            self.decrypted.contains(&flight.id),
                            "message #{} from {sender:?} to {recipient:?} did not decrypt: \
                             {error:?}",
                            flight.id
                        );
                        self.stats.replays_refused += 1;
                    }
                }
                false
            }
        }
    }

    /// A device's records go through their stored form and back, losslessly.
    fn reload(&mut self, device: (usize, u32)) {
        let address = self.address(device);
        let config = self.world.config;
        let (_, device) = self.world.find(&address).expect("the device exists");
        let stored: Vec<_> = device
            .sessions
            .records()
            .map(|(peer, record)| (peer.clone(), record.to_stored()))
            .collect();
        for (peer, stored) in stored {
            let loaded = SessionRecord::from_stored(stored.as_bytes(), &config)
                .unwrap_or_else(|error| panic!("a stored record does not load: {error:?}"));
            assert_eq!(
                loaded.to_stored().as_bytes(),
                stored.as_bytes(),
                "a reload is lossy"
            );
            assert!(device.sessions.insert_record(peer, loaded).is_some());
            self.stats.reloaded += 1;
        }
    }

    /// `from` starts a new session with `to`: it becomes current, the previous one archived.
    fn initiate(&mut self, from: (usize, u32), to: (usize, u32)) {
        let (from, to) = (self.address(from), self.address(to));
        let previous = self.current(&from, &to);
        self.stats.initiated += 1;
        start_session(&mut self.world, &mut self.rng, &from, &to);
        let (_, device) = self.world.find(&from).expect("the device exists");
        let record = device.sessions.record(&to).expect("a record");
        let current = record.current().expect("a current session").id();
        assert_ne!(Some(current), previous);
        if previous.is_some() {
            assert_eq!(
                record.archived_ids().next(),
                previous,
                "the previous one archived"
            );
        }
    }

    fn add_device(&mut self, account: usize) {
        if self.world.accounts[account].devices.len() >= MAX_DEVICES_PER_ACCOUNT {
            return;
        }
        let config = self.world.config;
        self.world.accounts[account].add_device(&mut self.rng, &config);
        self.stats.added += 1;
        assert_eq!(
            self.world.publish(account),
            0,
            "adding a device dropped records"
        );
    }

    /// Removes a device and publishes the list: every record of it goes, and the removed
    /// device itself can no longer fan out.
    fn remove_device(&mut self, (account, device): (usize, u32)) {
        if self.world.accounts[account].devices.len() < 2 {
            return;
        }
        let address = self.address((account, device));
        let holders = self
            .world
            .accounts
            .iter()
            .flat_map(|a| &a.devices)
            .filter(|d| d.sessions.record(&address).is_some())
            .count();
        let mut gone = self.world.accounts[account].remove_device(device);
        assert_eq!(
            self.world.publish(account),
            holders,
            "records of {address:?} dropped"
        );
        for d in self.world.accounts.iter().flat_map(|a| &a.devices) {
            assert!(
                d.sessions.record(&address).is_none(),
                "{:?} kept a record of removed {address:?}",
                d.address
            );
        }
        let own = self.world.accounts[account].list.clone();
        let other = self.world.accounts[1 - account].list.clone();
        assert_eq!(
            gone.sessions
                .encrypt_for_account(&own, &other, now(), b"still here")
                .err(),
            Some(Error::DeviceNotListed { device }),
            "a removed device fanned out"
        );
        self.removed.push(address);
        self.stats.removed += 1;
    }

    /// A tampered copy of a message in flight is refused, changing nothing.
    fn tamper(&mut self, index: u8, byte: u8, mask: u8) {
        if self.in_flight.is_empty() {
            return;
        }
        let flight = &self.in_flight[usize::from(index) % self.in_flight.len()];
        let mut bytes = flight.message.encode();
        let at = usize::from(byte) % bytes.len();
        if mask == 0 {
            bytes.truncate(at);
        } else {
            bytes[at] ^= mask;
        }
        match DeviceMessage::decode(&bytes, &self.world.config) {
            Err(error) => assert!(is_decoding_error(&error), "decode returned {error:?}"),
            Ok(message) => {
                assert_ne!(
                    message, flight.message,
                    "another encoding of the same message"
                );
                self.deliver(&message, None);
            }
        }
    }

    /// Everything in flight arrives, in order; then every device in turn sends once to the
    /// other account (reaching every other device) and its messages arrive at once. Every two
    /// devices then share their current session (SPEC.md 14.6, convergence).
    pub fn settle(&mut self) {
        self.stats.settles += 1;
        while !self.in_flight.is_empty() {
            let flight = self.in_flight.remove(0);
            self.deliver_flight(flight);
        }
        for device in self.devices() {
            self.send(device, false);
            while !self.in_flight.is_empty() {
                let flight = self.in_flight.remove(0);
                assert!(
                    self.deliver(&flight.message, Some(&flight)),
                    "a message of the final exchange did not decrypt"
                );
            }
        }
        let devices = self.devices();
        for (i, &x) in devices.iter().enumerate() {
            for &y in &devices[i + 1..] {
                let (x, y) = (self.address(x), self.address(y));
                let (on_x, on_y) = (self.current(&x, &y), self.current(&y, &x));
                assert!(on_x.is_some(), "{x:?} has no session with {y:?}");
                assert_eq!(on_x, on_y, "{x:?} and {y:?} are on different sessions");
            }
        }
    }
}

/// Runs `ops` (at most [`MAX_DEVICE_OPS`]) on a fresh [`MultiDevice`], checking the invariants
/// after each, then settles ([`MultiDevice::settle`]). The input reaches the deepest path when
/// a message decrypted before the final settle.
pub fn run_device_ops(ops: impl IntoIterator<Item = DeviceOp>) -> Outcome {
    let mut run = MultiDevice::new();
    for op in ops.into_iter().take(MAX_DEVICE_OPS) {
        run.apply(op);
    }
    let decrypted = run.stats().decrypted > 0;
    run.settle();
    if decrypted {
        Outcome::Accepted
    } else {
        Outcome::Rejected
    }
}

/// `multi_device`: operations decoded with [`DeviceOp::decode_all`], run by
/// [`run_device_ops`].
pub fn multi_device(data: &[u8]) -> Outcome {
    run_device_ops(DeviceOp::decode_all(data))
}
