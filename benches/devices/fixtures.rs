//! The benchmarks' inputs, made once: two accounts whose devices have all exchanged messages
//! (so every session is established and sends RatchetMessages), the sender's sessions as
//! plain `Session`s for the floor, vodozemac sessions for the peer, and the receive side's
//! three sender-receiver links; and the operations over them that criterion and the paired
//! rounds share.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hushwire::{
    Config, DeviceAddress, DeviceConsistency, DeviceListPolicy, DeviceMessage, DeviceSessions,
    Envelope, IdentityKeyPair, InMemoryPreKeyStore, Received, Session, SessionRecord,
    VerifiedDeviceList,
};
use hushwire_testkit::fixtures::ChaCha20Rng;
use hushwire_testkit::fixtures::accounts::{Account, World, now};
use vodozemac::olm::{OlmMessage, Session as OlmSession};

use crate::pairwise_fixtures::{olm_pair_on_chain, payload, rng};

/// The plaintext's length.
pub(crate) const LEN: usize = 1024;
/// Devices of the sender's account (the sender and 3 others) and of the recipient's.
pub(crate) const SENDER_DEVICES: u32 = 4;
pub(crate) const RECIPIENT_DEVICES: u32 = 5;
/// Messages one fan-out makes: every recipient device and every other device of the sender's.
pub(crate) const FAN_OUT: usize = (RECIPIENT_DEVICES + SENDER_DEVICES - 1) as usize;
/// The two accounts' ids: 16 bytes each, a UUID's length.
pub(crate) const SENDER_ACCOUNT: &str = "sender-account-1";
pub(crate) const RECIPIENT_ACCOUNT: &str = "recipient-acct-2";
const SENDER: usize = 0;
const RECIPIENT: usize = 1;

/// The sending device (device 1 of the sender's account) and the lists it encrypts with.
pub(crate) struct Sender {
    pub(crate) sessions: DeviceSessions,
    own: VerifiedDeviceList,
    recipient: VerifiedDeviceList,
    payload: Vec<u8>,
}

impl Sender {
    /// One fan-out of the 1 KiB plaintext.
    pub(crate) fn fan_out(&mut self) -> Vec<DeviceMessage> {
        self.sessions
            .encrypt_for_account(&self.own, &self.recipient, now(), black_box(&self.payload))
            .unwrap()
    }
}

/// The floor: the sender's 8 sessions as plain `Session`s (clones of its records' current
/// sessions, made once), each encrypting the plaintext with no record and no routing.
pub(crate) struct Floor {
    pub(crate) sessions: Vec<Session>,
    payload: Vec<u8>,
}

impl Floor {
    /// 8 `Session::encrypt`, the envelopes collected as the fan-out collects its messages.
    pub(crate) fn encrypts(&mut self) -> Vec<Envelope> {
        let payload = black_box(&self.payload);
        self.sessions
            .iter_mut()
            .map(|s| s.encrypt(payload).unwrap())
            .collect()
    }

    /// One `Session::encrypt`, on the first session.
    pub(crate) fn encrypt_one(&mut self) -> Envelope {
        self.sessions[0].encrypt(black_box(&self.payload)).unwrap()
    }
}

/// The peer: 8 vodozemac Olm sessions in the pairwise bench's `vodozemac/encrypt` state (each
/// its own pair, on an existing sending chain).
pub(crate) struct Olm {
    sessions: Vec<OlmSession>,
    payload: Vec<u8>,
}

impl Olm {
    /// 8 Olm `Session::encrypt`.
    pub(crate) fn encrypts(&mut self) -> Vec<OlmMessage> {
        let payload = black_box(&self.payload);
        self.sessions
            .iter_mut()
            .map(|s| s.encrypt(payload).unwrap())
            .collect()
    }

    /// One Olm `Session::encrypt`, on the first session.
    pub(crate) fn encrypt_one(&mut self) -> OlmMessage {
        self.sessions[0].encrypt(black_box(&self.payload)).unwrap()
    }
}

/// One sender and one receiver whose messages are measured on the receive side: messages
/// made untimed, in order, then decrypted in order by a receiver that lives through the run,
/// as a device decrypts what arrives.
pub(crate) trait Link {
    type Message;
    type Output;
    /// The sender's next `n` messages to the receiver.
    fn messages(&mut self, n: usize) -> Vec<Self::Message>;
    /// The receiver decrypts the next message.
    fn decrypt(&mut self, message: &Self::Message) -> Self::Output;
}

/// Decrypts `iters` messages made beforehand and returns the time it took; the plaintexts are
/// dropped untimed. For criterion's `iter_custom` and the paired rounds.
pub(crate) fn decrypt_in_order<L: Link>(link: &mut L, iters: u64) -> Duration {
    let messages = link.messages(usize::try_from(iters).unwrap());
    let mut outputs = Vec::with_capacity(messages.len());
    let start = Instant::now();
    for message in &messages {
        outputs.push(link.decrypt(black_box(message)));
    }
    let elapsed = start.elapsed();
    drop(black_box(outputs));
    elapsed
}

/// Device to device: a copy of the sender's sessions (its records loaded from their stored
/// forms) fanning out, the message for recipient device 1 kept, and that device's own
/// `DeviceSessions` (its 8 records) decrypting it with `DeviceSessions::decrypt`.
pub(crate) struct DeviceLink {
    sender: Sender,
    receiver: DeviceSessions,
    address: DeviceAddress,
    identity: IdentityKeyPair,
    prekeys: InMemoryPreKeyStore,
    own: VerifiedDeviceList,
    sender_list: VerifiedDeviceList,
    rng: ChaCha20Rng,
}

impl Link for DeviceLink {
    type Message = DeviceMessage;
    type Output = Received;

    fn messages(&mut self, n: usize) -> Vec<DeviceMessage> {
        (0..n)
            .map(|_| {
                self.sender
                    .fan_out()
                    .into_iter()
                    .find(|m| *m.recipient() == self.address)
                    .unwrap()
            })
            .collect()
    }

    fn decrypt(&mut self, message: &DeviceMessage) -> Received {
        self.receiver
            .decrypt(
                &mut self.rng,
                &self.identity,
                &mut self.prekeys,
                &self.own,
                &self.sender_list,
                message,
                now(),
            )
            .unwrap()
    }
}

/// The same two sessions as plain `Session`s (clones, made once, of the sender's session
/// with recipient device 1 and of that device's with the sender): `Session::encrypt` and
/// `Session::decrypt`, no record, no routing.
pub(crate) struct PlainLink {
    sender: Session,
    receiver: Session,
    payload: Vec<u8>,
    rng: ChaCha20Rng,
}

impl Link for PlainLink {
    type Message = Envelope;
    type Output = Vec<u8>;

    fn messages(&mut self, n: usize) -> Vec<Envelope> {
        (0..n)
            .map(|_| self.sender.encrypt(&self.payload).unwrap())
            .collect()
    }

    fn decrypt(&mut self, envelope: &Envelope) -> Vec<u8> {
        self.receiver.decrypt(&mut self.rng, envelope).unwrap()
    }
}

/// An Olm pair in the pairwise bench's `vodozemac/decrypt` state (the receiver on the
/// sender's chain).
pub(crate) struct OlmLink {
    sender: OlmSession,
    receiver: OlmSession,
    payload: Vec<u8>,
}

impl Link for OlmLink {
    type Message = OlmMessage;
    type Output = Vec<u8>;

    fn messages(&mut self, n: usize) -> Vec<OlmMessage> {
        (0..n)
            .map(|_| self.sender.encrypt(&self.payload).unwrap())
            .collect()
    }

    fn decrypt(&mut self, message: &OlmMessage) -> Vec<u8> {
        self.receiver.decrypt(message).unwrap()
    }
}

/// Everything the benchmarks use, each part owning its mutable state, so that the two sides
/// of a paired comparison borrow them apart.
pub(crate) struct Fixtures {
    pub(crate) sender: Sender,
    pub(crate) floor: Floor,
    pub(crate) olm: Olm,
    pub(crate) device_link: DeviceLink,
    pub(crate) plain_link: PlainLink,
    pub(crate) olm_link: OlmLink,
    /// The encoded sizes, for the report.
    pub(crate) sizes: Sizes,
}

/// Encoded sizes: a fan-out device message, the envelope inside it, a plain envelope, an Olm
/// message.
pub(crate) struct Sizes {
    pub(crate) device_message: usize,
    pub(crate) device_envelope: usize,
    pub(crate) envelope: usize,
    pub(crate) olm_message: usize,
}

/// Every device sends one fan-out in turn (the sender first, then its own other devices,
/// then the recipient's), after starting a session with each device it has none with; every
/// message is delivered and decrypts. Sessions are started one device at a time, so there is
/// no simultaneous initiation: each pair of devices holds one session. Then the sender sends
/// one more fan-out, which opens its new sending chains at every device: its next messages
/// are RatchetMessages on chains the recipients already hold.
fn establish(world: &mut World, rng: &mut ChaCha20Rng) {
    let turns = (1..=SENDER_DEVICES)
        .map(|d| (SENDER, d))
        .chain((1..=RECIPIENT_DEVICES).map(|d| (RECIPIENT, d)));
    for (account, device) in turns {
        let to = 1 - account;
        world.connect(rng, account, device, to);
        let messages = world.send(account, device, to, b"hello").unwrap();
        assert_eq!(messages.len(), FAN_OUT);
        for m in &messages {
            world.deliver(rng, m).unwrap().unwrap();
        }
    }
    let messages = world
        .send(SENDER, 1, RECIPIENT, b"opens the chains")
        .unwrap();
    for m in &messages {
        assert!(matches!(m.envelope(), Envelope::Ratchet(_)));
        world.deliver(rng, m).unwrap().unwrap();
    }
}

/// A copy of `sessions` through its records' stored forms (`DeviceSessions` is not `Clone`).
fn copy(sessions: &DeviceSessions, key: &IdentityKeyPair, config: &Config) -> DeviceSessions {
    let mut copy = DeviceSessions::new(
        sessions.local().clone(),
        *key.public_key(),
        config,
        DeviceListPolicy::default(),
    );
    for (address, record) in sessions.records() {
        let stored = record.to_stored();
        copy.insert_record(
            address.clone(),
            SessionRecord::from_stored(stored.as_bytes(), config).unwrap(),
        );
    }
    copy
}

pub(crate) fn fixtures() -> Fixtures {
    let mut r = rng(140);
    // The default configuration: the RustCrypto provider, whatever HUSHWIRE_TEST_PROVIDER says.
    let config = Config::default();
    let mut world = World {
        accounts: vec![
            Account::generate(&mut r, SENDER_ACCOUNT, SENDER_DEVICES, &config),
            Account::generate(&mut r, RECIPIENT_ACCOUNT, RECIPIENT_DEVICES, &config),
        ],
        config,
    };
    establish(&mut world, &mut r);
    let World { mut accounts, .. } = world;
    let own = accounts[SENDER].list.clone();
    let recipient_list = accounts[RECIPIENT].list.clone();
    let sender_device = accounts[SENDER].devices.remove(0);
    let receiver_device = accounts[RECIPIENT].devices.remove(0);
    assert_eq!(receiver_device.sessions.records().count(), FAN_OUT);
    let plaintext = payload(LEN);

    // The floor's sessions: the sender's own, cloned out of its records.
    let plain: Vec<Session> = sender_device
        .sessions
        .records()
        .map(|(_, record)| record.current().unwrap().clone())
        .collect();
    assert_eq!(plain.len(), FAN_OUT);
    // The receive side's two pairs of the same sessions.
    let receiver_address = receiver_device.address.clone();
    let mut plain_link = PlainLink {
        sender: sender_device
            .sessions
            .record(&receiver_address)
            .unwrap()
            .current()
            .unwrap()
            .clone(),
        receiver: receiver_device
            .sessions
            .record(&sender_device.address)
            .unwrap()
            .current()
            .unwrap()
            .clone(),
        payload: plaintext.clone(),
        rng: rng(141),
    };
    let mut device_link = DeviceLink {
        sender: Sender {
            sessions: copy(&sender_device.sessions, &sender_device.identity, &config),
            own: own.clone(),
            recipient: recipient_list.clone(),
            payload: plaintext.clone(),
        },
        receiver: receiver_device.sessions,
        address: receiver_address,
        identity: receiver_device.identity,
        prekeys: receiver_device.prekeys,
        own: recipient_list.clone(),
        sender_list: own.clone(),
        rng: rng(142),
    };
    let olm_pair = olm_pair_on_chain();
    let mut olm_link = OlmLink {
        sender: olm_pair.alice,
        receiver: olm_pair.bob,
        payload: plaintext.clone(),
    };

    // The fixtures are what they claim. Each link's first message is a RatchetMessage (an
    // Olm normal message) that decrypts to the plaintext, the device message from the
    // sender's address with nothing to report about the lists.
    let message = device_link.messages(1).pop().unwrap();
    assert!(matches!(message.envelope(), Envelope::Ratchet(_)));
    let received = device_link.decrypt(&message);
    assert_eq!(received.plaintext, plaintext);
    assert_eq!(received.from, sender_device.address);
    assert_eq!(received.consistency, DeviceConsistency::default());
    let envelope = plain_link.messages(1).pop().unwrap();
    assert!(matches!(envelope, Envelope::Ratchet(_)));
    assert_eq!(plain_link.decrypt(&envelope), plaintext);
    let olm_message = olm_link.messages(1).pop().unwrap();
    assert!(matches!(olm_message, OlmMessage::Normal(_)));
    assert_eq!(olm_link.decrypt(&olm_message), plaintext);
    let sizes = Sizes {
        device_message: message.encode().len(),
        device_envelope: message.envelope().encode().len(),
        envelope: envelope.encode().len(),
        olm_message: olm_message.to_parts().1.len(),
    };

    let mut f = Fixtures {
        sender: Sender {
            sessions: sender_device.sessions,
            own,
            recipient: recipient_list,
            payload: plaintext.clone(),
        },
        floor: Floor {
            sessions: plain,
            payload: plaintext.clone(),
        },
        olm: Olm {
            sessions: (0..FAN_OUT).map(|_| olm_pair_on_chain().alice).collect(),
            payload: plaintext,
        },
        device_link,
        plain_link,
        olm_link,
        sizes,
    };
    // The encrypting sides send RatchetMessages (Olm normal messages), 8 at a time.
    let messages = f.sender.fan_out();
    assert_eq!(messages.len(), FAN_OUT);
    assert!(
        messages
            .iter()
            .all(|m| matches!(m.envelope(), Envelope::Ratchet(_)))
    );
    let envelopes = f.floor.encrypts();
    assert_eq!(envelopes.len(), FAN_OUT);
    assert!(envelopes.iter().all(|e| matches!(e, Envelope::Ratchet(_))));
    let olm = f.olm.encrypts();
    assert_eq!(olm.len(), FAN_OUT);
    assert!(olm.iter().all(|m| matches!(m, OlmMessage::Normal(_))));
    f
}
