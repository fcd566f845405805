//! The `device_list` target: a signed device list, decoded, then validated.

use hushwire::{DeviceListIn, DeviceListPolicy, Error, MAX_DEVICE_LIST_LEN, MAX_DEVICES};
use prost::Message;

use super::Outcome;
use super::checks::is_decoding_error;
use super::device_fixture::{DeviceFixture, device_fixture};
use crate::fixtures::accounts::now;
use crate::pb;

/// `device_list`: [`DeviceListIn::decode`] on arbitrary bytes, then
/// [`DeviceListIn::validate`] under the account key the list names, at the fixtures' time
/// ([`crate::fixtures::accounts::ACCOUNTS_NOW`]) with the default policy (SPEC.md 14.2,
/// 14.3):
///
/// - decoding fails only with decoding errors (`TooLarge` above [`MAX_DEVICE_LIST_LEN`]);
///   what decodes is canonical (the list and its body re-encode to the same bytes) and keeps
///   the content rules: version 1, list version at least 1, `expires_at` after `issued_at`,
///   1 to 64 devices by strictly increasing id above 0, no key twice;
/// - under any other key than the one it names, validation is `IdentityMismatch`;
/// - under its own key it validates only if a fixture key signed it (the fuzzer cannot make
///   a signature), and then to a list whose `to_bytes()` is exactly the input, saying what
///   the body said, within the policy's lifetime and valid now; it is refused only with
///   `InvalidDeviceListSignature` (never for a list the fixture signed),
///   `DeviceListLifetimeTooLong` or `DeviceListExpired` (both only past the signature, so
///   only for lists the fixture signed), each exactly when SPEC.md 14.3 says;
/// - a validated list validates again with itself as the previous list, and with the
///   fixture's current list of its account as the previous one it is refused exactly as
///   14.3 step 3 says (`IdentityMismatch`, `DeviceListRollback`, `DeviceListConflict`);
///   what changed between the two lists is what their devices say.
///
/// The input reaches the deepest path when it validates.
pub fn device_list(data: &[u8]) -> Outcome {
    let fixture = device_fixture();
    let list = match DeviceListIn::decode(data) {
        Ok(list) => list,
        Err(error) => {
            assert!(is_decoding_error(&error), "decode returned {error:?}");
            if data.len() > MAX_DEVICE_LIST_LEN {
                assert_eq!(
                    error,
                    Error::TooLarge {
                        len: data.len(),
                        max: MAX_DEVICE_LIST_LEN
                    }
                );
            }
            return Outcome::Rejected;
        }
    };
    // Strict: the list and its body are canonical encodings.
    let wire = pb::DeviceList::decode(data).expect("a decoded list is protobuf");
    assert_eq!(
        wire.encode_to_vec(),
        data,
        "a decoded list is not canonical"
    );
    let body = pb::DeviceListBody::decode(wire.body.as_slice()).expect("its body is protobuf");
    assert_eq!(
        body.encode_to_vec(),
        wire.body,
        "a decoded body is not canonical"
    );
    assert_eq!(wire.signature.len(), 64);
    assert_eq!(body.version, 1);
    assert_eq!(list.account_id().as_bytes(), body.account_id.as_slice());
    assert_eq!(
        list.account_key().to_bytes().as_slice(),
        body.account_key.as_slice()
    );
    assert_eq!(list.list_version(), body.list_version);
    assert!(body.list_version >= 1);
    assert!(body.expires_at > body.issued_at);
    assert!((1..=MAX_DEVICES).contains(&body.devices.len()));
    for (i, device) in body.devices.iter().enumerate() {
        assert!(device.device_id >= 1);
        if let Some(previous) = i.checked_sub(1).map(|p| &body.devices[p]) {
            assert!(previous.device_id < device.device_id, "ids not increasing");
        }
        assert!(
            body.devices[..i]
                .iter()
                .all(|other| other.identity_key != device.identity_key),
            "a key listed twice"
        );
    }
    let _ = format!("{list:?}");

    let policy = DeviceListPolicy::default();
    let key = *list.account_key();
    // Under another key, before anything else.
    for account in &fixture.world.accounts {
        let other = *account.key.public_key();
        if other != key {
            assert_eq!(
                list.clone().validate(&other, now(), &policy, None),
                Err(Error::IdentityMismatch),
                "validated under a key it does not name"
            );
        }
    }
    let genuine = fixture.signed(data);
    let lifetime = body.expires_at.saturating_sub(body.issued_at);
    let valid_now = body.issued_at <= now().as_unix_seconds() + policy.clock_skew_seconds
        && now().as_unix_seconds() <= body.expires_at.saturating_add(policy.clock_skew_seconds);
    let verified = match list.clone().validate(&key, now(), &policy, None) {
        Ok(verified) => verified,
        Err(error) => {
            match &error {
                Error::InvalidDeviceListSignature => {
                    assert!(!genuine, "a list the fixture signed does not verify");
                }
                Error::DeviceListLifetimeTooLong {
                    lifetime: found,
                    max,
                } => {
                    assert!(genuine, "a list the fixture did not sign verified");
                    assert_eq!((*found, *max), (lifetime, policy.max_lifetime_seconds));
                    assert!(lifetime > policy.max_lifetime_seconds);
                }
                Error::DeviceListExpired { expires_at } => {
                    assert!(genuine, "a list the fixture did not sign verified");
                    assert_eq!(*expires_at, body.expires_at);
                    assert!(lifetime <= policy.max_lifetime_seconds);
                    assert!(!valid_now, "a list valid now refused as expired");
                }
                other => panic!("validate returned {other:?}"),
            }
            return Outcome::Rejected;
        }
    };
    assert!(genuine, "validated a list the fixture did not sign");
    assert!(lifetime <= policy.max_lifetime_seconds && valid_now);
    assert_eq!(
        verified.to_bytes(),
        data,
        "a validated list does not re-encode"
    );
    assert_eq!(verified.account_id(), list.account_id());
    assert_eq!(verified.account_key(), &key);
    assert_eq!(verified.list_version(), body.list_version);
    assert_eq!(verified.issued_at().as_unix_seconds(), body.issued_at);
    assert_eq!(verified.expires_at().as_unix_seconds(), body.expires_at);
    let devices: Vec<_> = verified
        .devices()
        .map(|(id, key)| (id.get(), key.to_bytes().to_vec()))
        .collect();
    let expected: Vec<_> = body
        .devices
        .iter()
        .map(|d| (d.device_id, d.identity_key.clone()))
        .collect();
    assert_eq!(devices, expected);
    for (id, key) in verified.devices() {
        assert_eq!(verified.device_key(id), Some(key));
    }
    assert_eq!(verified.check_valid_at(now(), &policy), Ok(()));
    assert!(verified.changes_since(&verified).is_empty());
    assert_eq!(
        list.clone()
            .validate(&key, now(), &policy, Some(&verified))
            .as_ref(),
        Ok(&verified),
        "the same list again is refused"
    );
    check_previous(fixture, &list, &verified);
    Outcome::Accepted
}

/// Validation with the fixture's current list of the account as the previous one: SPEC.md
/// 14.3 step 3.
fn check_previous(
    fixture: &DeviceFixture,
    list: &DeviceListIn,
    verified: &hushwire::VerifiedDeviceList,
) {
    let policy = DeviceListPolicy::default();
    for account in &fixture.world.accounts {
        let held = &account.list;
        let result = list
            .clone()
            .validate(verified.account_key(), now(), &policy, Some(held));
        let (version, found) = (held.list_version(), verified.list_version());
        let expected = if held.account_id() != verified.account_id()
            || held.account_key() != verified.account_key()
        {
            Err(Error::IdentityMismatch)
        } else if found < version {
            Err(Error::DeviceListRollback {
                held: version,
                found,
            })
        } else if found == version && held.to_bytes() != verified.to_bytes() {
            Err(Error::DeviceListConflict { version })
        } else {
            Ok(verified.clone())
        };
        assert_eq!(result, expected, "with {:?}'s list held", held.account_id());
        if expected.is_ok() {
            let changes = verified.changes_since(held);
            for (id, key) in verified.devices() {
                match held.device_key(id) {
                    None => assert!(changes.added.contains(&id)),
                    Some(old) if old != key => assert!(changes.rekeyed.contains(&id)),
                    Some(_) => {
                        assert!(!changes.added.contains(&id) && !changes.rekeyed.contains(&id))
                    }
                }
            }
            for (id, _) in held.devices() {
                assert_eq!(
                    changes.removed.contains(&id),
                    verified.device_key(id).is_none()
                );
            }
        }
    }
}
