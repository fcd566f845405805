//! The `group_distribution` target: a sender-key distribution, decoded, then taken in by every
//! session of the group fixture from every fixture address.

use hushwire::{
    DeviceAddress, DistributionOutcome, Error, GroupSession, MAX_DISTRIBUTION_LEN,
    SenderKeyDistribution,
};
use prost::Message;

use super::Outcome;
use super::checks::is_decoding_error;
use super::group_fixture::{group_fixture, group_state, member_of};
use crate::pb;

/// `group_distribution`: [`SenderKeyDistribution::decode`] on arbitrary bytes (SPEC.md 15.2):
///
/// - decoding fails only with decoding errors, an input over 256 bytes always with `TooLarge`
///   (checked first); what decodes re-encodes to exactly the input, says what its fields say,
///   and its `Debug` shows no chain key;
/// - every session of the group fixture takes it in (`process_distribution`) from every
///   fixture device's address and an outsider's: the answer is exactly SPEC.md 15.2's,
///   predicted from the stored state by hand (`WrongGroup`, `NotAGroupMember` for ourselves
///   and non-members, `AlreadyHeld` for a chain held with the same signing key,
///   `SenderKeyConflict` with another, else `Added`); a failure or `AlreadyHeld` leaves the
///   stored session byte-for-byte as it was; `Added` changes exactly one thing, the sender's
///   chains, which become the new chain (at the distribution's iteration, no stored keys)
///   followed by the ones held before, cut to `max_sender_key_chains`; the same distribution
///   again is then `AlreadyHeld`.
///
/// The input reaches the deepest path when a session adds it.
pub fn group_distribution(data: &[u8]) -> Outcome {
    if data.len() > MAX_DISTRIBUTION_LEN {
        assert_eq!(
            SenderKeyDistribution::decode(data).err(),
            Some(Error::TooLarge {
                len: data.len(),
                max: MAX_DISTRIBUTION_LEN
            }),
            "an input over the size limit"
        );
        return Outcome::Rejected;
    }
    let distribution = match SenderKeyDistribution::decode(data) {
        Ok(distribution) => distribution,
        Err(error) => {
            assert!(is_decoding_error(&error), "decode returned {error:?}");
            return Outcome::Rejected;
        }
    };
    assert_eq!(
        distribution.encode().as_slice(),
        data,
        "a decoded distribution is not canonical"
    );
    let wire = pb::SenderKeyDistribution::decode(data).expect("what decodes, decodes");
    assert_eq!(distribution.group_id().as_bytes(), wire.group_id);
    assert_eq!(distribution.chain_id(), wire.chain_id);
    assert_eq!(distribution.iteration(), wire.iteration);
    // `Debug` shows the group and the signing key, never the chain key (unless the input
    // repeats the chain key's bytes in one of those).
    let debug = format!("{distribution:?}");
    let chain_key = hex(&wire.chain_key);
    if !hex(&wire.group_id).contains(&chain_key) && !hex(&wire.signing_key).contains(&chain_key) {
        assert!(!debug.contains(&chain_key), "{debug}");
    }

    let fixture = group_fixture();
    let config = fixture.config;
    let chains_kept = config
        .max_sender_key_chains
        .clamp(1, hushwire::MAX_SENDER_KEY_CHAINS);
    let mut outcome = Outcome::Rejected;
    for (_, stored) in &fixture.devices {
        let state = group_state(stored);
        let mut session = GroupSession::from_stored(stored, &config).expect("a fixture session");
        for from in fixture.addresses() {
            let expected = predict(&state, from, &wire);
            let result = session.process_distribution(from, &distribution);
            assert_eq!(result, expected, "from {from:?} on {:?}", session.local());
            if result != Ok(DistributionOutcome::Added) {
                assert_eq!(
                    session.to_stored().as_bytes(),
                    stored,
                    "changed by {result:?}"
                );
                continue;
            }
            outcome = Outcome::Accepted;
            let mut after = group_state(session.to_stored().as_bytes());
            let mut want = state.clone();
            let member = want
                .members
                .iter_mut()
                .find(|m| {
                    m.account_id == from.account.as_bytes() && m.device_id == from.device.get()
                })
                .expect("a member");
            member.chains.insert(
                0,
                pb::GroupReceiverChain {
                    chain_id: wire.chain_id,
                    signing_key: wire.signing_key.clone(),
                    chain_key: wire.chain_key.clone(),
                    iteration: wire.iteration,
                    skipped: Vec::new(),
                },
            );
            member.chains.truncate(chains_kept);
            assert!(after == want, "adding a chain changed something else");
            assert_eq!(
                session.process_distribution(from, &distribution),
                Ok(DistributionOutcome::AlreadyHeld)
            );
            after = group_state(session.to_stored().as_bytes());
            assert!(after == want, "AlreadyHeld changed the session");
            session = GroupSession::from_stored(stored, &config).expect("a fixture session");
        }
    }
    outcome
}

/// What taking in `wire` from `from` gives on a session stored as `state` (SPEC.md 15.2).
fn predict(
    state: &pb::GroupSessionState,
    from: &DeviceAddress,
    wire: &pb::SenderKeyDistribution,
) -> Result<DistributionOutcome, Error> {
    if wire.group_id != state.group_id {
        return Err(Error::WrongGroup);
    }
    let member = member_of(state, from).ok_or(Error::NotAGroupMember {
        device: from.device.get(),
    })?;
    match member.chains.iter().find(|c| c.chain_id == wire.chain_id) {
        Some(held) if held.signing_key == wire.signing_key => Ok(DistributionOutcome::AlreadyHeld),
        Some(_) => Err(Error::SenderKeyConflict {
            chain_id: wire.chain_id,
        }),
        None => Ok(DistributionOutcome::Added),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
