//! The `device_link` target: a scanned link offer, and an approval for a pending link.

use hushwire::{DeviceId, DeviceListPolicy, Error, LinkOffer, LinkedDevice, Timestamp};
use prost::Message;

use super::Outcome;
use super::checks::is_decoding_error;
use super::device_fixture::{DeviceFixture, NEW_DEVICE_ID, device_fixture};
use crate::fixtures::accounts::{ACCOUNTS_NOW, LIST_LIFETIME, now};
use crate::pb;

/// Largest encoded offer [`LinkOffer::decode`] reads (SPEC.md 14.4).
const MAX_OFFER_LEN: usize = 128;
/// Largest encoded approval `PendingLink::complete` reads (SPEC.md 14.4).
const MAX_APPROVAL_LEN: usize = 9216;

/// `device_link`: the input is read both as a scanned QR code and as an approval (SPEC.md
/// 14.4):
///
/// - [`LinkOffer::decode`] fails only with decoding errors (`TooLarge` above 128 bytes);
///   what decodes is canonical, and Acme's primary (device fixture) approves it as device
///   [`NEW_DEVICE_ID`], unless its key is already on Acme's list: the new list is the old
///   one plus that device, one version up; the fixture's pending link completes that
///   approval exactly when the input is its own QR code, else `LinkAuthenticationFailed`;
/// - [`hushwire::PendingLink::complete`] with the fixture's pending link (always the same
///   secret) succeeds only for the fixture's genuine approvals, to the address and list they
///   carry, which lists the laptop's key; it fails only with the errors SPEC.md 14.4 lists,
///   and past the MAC (every error but decoding and `LinkAuthenticationFailed`) only for
///   approvals whose MAC the fixture made with the secret;
/// - if the input decodes as a `LinkApproval` at all, it is completed again with its MAC
///   recomputed by hand with the secret (`hazmat::device_link_mac`), so that mutated lists
///   reach the list decoder and validation: never `LinkAuthenticationFailed` then, and it
///   completes only with a list a fixture key signed that lists the laptop under the id
///   given, for the account given.
///
/// The input reaches the deepest path when an approval completes, or an offer is approved.
pub fn device_link(data: &[u8]) -> Outcome {
    let fixture = device_fixture();
    let mut outcome = offer(fixture, data);
    let policy = DeviceListPolicy::default();
    let mac_genuine = fixture.approvals.iter().any(|(_, a)| a == data);
    match fixture.pending_link().complete(data, now(), &policy) {
        Ok(linked) => {
            let valid = fixture
                .approvals
                .iter()
                .any(|(name, a)| a == data && fixture.valid_approvals.contains(&name.as_str()));
            assert!(valid, "completed an approval the fixture did not make");
            check_linked(fixture, &linked, data);
            outcome = Outcome::Accepted;
        }
        Err(error) => {
            check_error(&error, data.len());
            if !is_decoding_error(&error) && error != Error::LinkAuthenticationFailed {
                assert!(mac_genuine, "past the MAC without the secret: {error:?}");
            }
        }
    }
    if let Some(outcome_remac) = remac(fixture, data)
        && outcome_remac == Outcome::Accepted
    {
        outcome = Outcome::Accepted;
    }
    outcome
}

/// The errors `complete` may return (SPEC.md 14.4).
fn check_error(error: &Error, len: usize) {
    let allowed = is_decoding_error(error)
        || matches!(
            error,
            Error::LinkAuthenticationFailed
                | Error::MisaddressedMessage { field: "account" }
                | Error::InvalidDeviceListSignature
                | Error::DeviceListExpired { .. }
                | Error::DeviceListLifetimeTooLong { .. }
                | Error::DeviceNotListed { .. }
        );
    assert!(allowed, "complete returned {error:?}");
    if len > MAX_APPROVAL_LEN {
        assert_eq!(
            error,
            &Error::TooLarge {
                len,
                max: MAX_APPROVAL_LEN
            }
        );
    }
}

/// A completed link: the approval's address, a list the fixture signed holding the laptop.
fn check_linked(fixture: &DeviceFixture, linked: &LinkedDevice, approval: &[u8]) {
    let wire = pb::LinkApproval::decode(approval).expect("a completed approval is protobuf");
    assert_eq!(
        linked.address.account.as_bytes(),
        wire.account_id.as_slice()
    );
    assert_eq!(linked.address.device.get(), wire.device_id);
    assert_eq!(linked.list.to_bytes(), wire.device_list.as_slice());
    assert!(
        fixture.signed(linked.list.to_bytes()),
        "a list no fixture key signed"
    );
    assert_eq!(linked.list.account_id(), &linked.address.account);
    assert_eq!(
        linked.list.device_key(linked.address.device),
        Some(fixture.laptop.public_key())
    );
    assert_eq!(
        linked
            .list
            .check_valid_at(now(), &DeviceListPolicy::default()),
        Ok(())
    );
}

/// The input as a scanned QR code, approved by Acme's primary.
fn offer(fixture: &DeviceFixture, data: &[u8]) -> Outcome {
    let offer = match LinkOffer::decode(data) {
        Ok(offer) => offer,
        Err(error) => {
            assert!(
                is_decoding_error(&error),
                "LinkOffer::decode returned {error:?}"
            );
            if data.len() > MAX_OFFER_LEN {
                assert_eq!(
                    error,
                    Error::TooLarge {
                        len: data.len(),
                        max: MAX_OFFER_LEN
                    }
                );
            }
            return Outcome::Rejected;
        }
    };
    let wire = pb::LinkOffer::decode(data).expect("a decoded offer is protobuf");
    assert_eq!(
        wire.encode_to_vec(),
        data,
        "a decoded offer is not canonical"
    );
    assert_eq!(wire.version, 1);
    assert_eq!(wire.link_secret.len(), 32);
    let key = *offer.device_key();
    assert_eq!(key.to_bytes().as_slice(), wire.device_key.as_slice());
    let debug = format!("{offer:?}");
    let secret_hex: String = wire
        .link_secret
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        !debug.contains(&secret_hex),
        "Debug shows the secret: {debug}"
    );

    let acme = &fixture.world.accounts[0];
    let id = DeviceId::new(NEW_DEVICE_ID).expect("above 0");
    let approved = offer.approve(
        &acme.key,
        &acme.list,
        id,
        now(),
        Timestamp::from_unix_seconds(ACCOUNTS_NOW + LIST_LIFETIME),
    );
    let (list, approval) = match approved {
        Ok(approved) => approved,
        Err(error) => {
            assert!(acme.list.devices().any(|(_, listed)| listed == &key));
            assert_eq!(
                error,
                Error::InvalidDeviceList {
                    reason: "a device key is listed twice"
                }
            );
            return Outcome::Rejected;
        }
    };
    assert_eq!(list.list_version(), acme.list.list_version() + 1);
    assert_eq!(list.account_id(), acme.list.account_id());
    assert_eq!(list.account_key(), acme.key.public_key());
    assert_eq!(list.device_key(id), Some(&key));
    assert_eq!(list.devices().count(), acme.list.devices().count() + 1);
    for (listed, listed_key) in acme.list.devices() {
        assert_eq!(list.device_key(listed), Some(listed_key));
    }
    let result = fixture
        .pending_link()
        .complete(&approval, now(), &DeviceListPolicy::default());
    if data == fixture.qr.as_slice() {
        let linked = result.expect("the genuine offer's approval completes");
        assert_eq!(linked.list, list);
        assert_eq!(linked.address.device, id);
        assert_eq!(&linked.address.account, acme.list.account_id());
    } else {
        assert_eq!(
            result.err(),
            Some(Error::LinkAuthenticationFailed),
            "another offer's approval"
        );
    }
    Outcome::Accepted
}

/// The input as an approval with its MAC recomputed with the pending link's secret, if it
/// decodes as a `LinkApproval` and its fields are valid for the MAC.
fn remac(fixture: &DeviceFixture, data: &[u8]) -> Option<Outcome> {
    let mut wire = pb::LinkApproval::decode(data).ok()?;
    let mac = hushwire::hazmat::device_link_mac(
        &fixture.link_secret,
        &wire.account_id,
        wire.device_id,
        &wire.device_list,
        &fixture.laptop.public_key().to_bytes(),
    )
    .ok()?;
    wire.mac = mac.to_vec();
    let approval = wire.encode_to_vec();
    match fixture
        .pending_link()
        .complete(&approval, now(), &DeviceListPolicy::default())
    {
        Ok(linked) => {
            check_linked(fixture, &linked, &approval);
            Some(Outcome::Accepted)
        }
        Err(error) => {
            check_error(&error, approval.len());
            assert_ne!(
                error,
                Error::LinkAuthenticationFailed,
                "the MAC of SPEC.md 14.4 does not verify"
            );
            Some(Outcome::Rejected)
        }
    }
}
