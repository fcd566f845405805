//! The logic of every fuzz target, as plain functions of the fuzzer's bytes.
//!
//! Each `fuzz/fuzz_targets/<name>.rs` calls the function of the same name, and
//! `tests/fuzz_corpus.rs` in the main crate replays every file of `fuzz/corpus/<name>/`
//! through it as an ordinary test on stable Rust. It needs nothing beyond hushwire, `rand`
//! and `rand_chacha` (no `arbitrary`; the conversation's operations are decoded by hand, see
//! [`Op::decode_all`](crate::conversation::Op::decode_all)).
//!
//! A function returns normally when every invariant held, and panics (an assertion) when one
//! did not: that is how libFuzzer and the test harness see a finding. The returned
//! [`Outcome`] says how deep the input got, so the corpus test can check that the seeds still
//! reach the interesting paths.
//!
//! Everything runs against one deterministic [`Fixture`], built once from [`FIXTURE_SEED`], and
//! its hybrid additions ([`HybridFixture`]: KEM prekeys, hybrid bundles, first messages and
//! Alices, from an RNG of their own, [`HYBRID_SEED`]); the
//! identity-verification targets add a [`VerificationFixture`] built once on top of it, the
//! business-certificate targets a [`BusinessFixture`] of their own (fixed key seeds), and the
//! multi-device decoder targets a [`DeviceFixture`] of their own (its own seeded RNG), the
//! group decoder targets a [`GroupFixture`] of their own (likewise), the attachment targets an
//! [`AttachmentFixture`] of their own (sealed files, likewise); the stateful
//! `multi_device` and `group` targets build a fresh world of their own for each run
//! ([`MultiDevice`], [`GroupRun`]).

mod accept;
mod attachment_fixture;
mod attachment_open;
mod attachment_pointer;
mod attachment_seeds;
mod attachment_seek;
mod business_fixture;
mod certificate_chain;
mod checks;
mod conversation_ops;
mod decrypt;
mod device_fixture;
mod device_link;
mod device_list;
mod device_message;
mod envelope;
mod fixture;
mod group;
mod group_distribution;
mod group_fixture;
mod group_message;
mod group_seeds;
mod group_session;
mod hybrid_fixture;
mod multi_device;
mod prekey_bundle;
mod prekey_message;
mod providers;
mod ratchet_message;
mod revocation_list;
mod sas;
mod scanned_safety_number;
mod sealed_value;
mod seeds;
mod session_record;
mod session_state;
mod store_seeds;
mod stored_kem_prekey;
mod stored_prekey;
mod trust_record;
mod verification_fixture;
mod verification_message;

pub use accept::accept;
pub use attachment_fixture::{
    ATTACHMENT_SEED, ATTACHMENT_SEGMENT_LOG2, AttachmentFile, AttachmentFixture, ChunkedReader,
    EDIT_LEN, FAILURE_KINDS, Failure, Model, PointerVariant, StreamEdit, attachment_fixture,
};
pub use attachment_open::{MAX_ATTACHMENT_EDITS, OpenInput, OpenStream, attachment_open};
pub use attachment_pointer::attachment_pointer;
pub use attachment_seeds::attachment_seeds;
pub use attachment_seek::{MAX_SEEK_OPS, SeekInput, SeekOp, attachment_seek};
pub use business_fixture::{
    BUSINESS_NOW, BUSINESS_PREKEY_SEED, BUSINESS_SERIAL, BusinessFixture, EXPIRED_SERIAL,
    ISSUER_SERIAL, REVOKED_SERIAL, ROOT_KEY_ID, ROOT_REVOKED_SERIAL, WIDE_ISSUER_SERIAL,
    business_fixture,
};
pub use certificate_chain::certificate_chain;
pub use conversation_ops::{
    LIMITS, MAX_IN_FLIGHT, MAX_OPS, MAX_REMEMBERED, MAX_SENT_PER_SIDE, conversation, run_ops,
    run_ops_with,
};
pub use decrypt::decrypt;
pub use device_fixture::{
    DEVICE_SEED, DeviceFixture, DeviceGenuine, LINK_SEED, NEW_DEVICE_ID, OverlayStore, address,
    device_fixture,
};
pub use device_link::device_link;
pub use device_list::device_list;
pub use device_message::device_message;
pub use envelope::envelope;
pub use fixture::{FIXTURE_SEED, Fixture, Genuine, fixture};
pub use group::{
    GROUP_RUN_SEED, GroupOp, GroupRun, GroupStats, MAX_GROUP_DEVICES, MAX_GROUP_IN_FLIGHT,
    MAX_GROUP_OPS, MIN_GROUP_MEMBERS, group, run_group_ops,
};
pub use group_distribution::group_distribution;
pub use group_fixture::{
    GROUP_ID, GROUP_SEED, GroupFixture, GroupGenuine, GroupSent, GroupSigned, OTHER_GROUP_ID,
    group_fixture, group_state, seal_group, unseal_group,
};
pub use group_message::group_message;
pub use group_session::group_session;
pub use hybrid_fixture::{HYBRID_SEED, HybridFixture, Setup, UNSTORED_KEM_ID, hybrid_fixture};
pub use multi_device::{
    DeviceOp, DeviceStats, MAX_DEVICE_IN_FLIGHT, MAX_DEVICE_OPS, MAX_DEVICE_REMEMBERED,
    MAX_DEVICES_PER_ACCOUNT, MAX_INITIATIONS, MAX_SETTLES, MULTI_DEVICE_SEED, MultiDevice,
    multi_device, run_device_ops,
};
pub use prekey_bundle::prekey_bundle;
pub use prekey_message::prekey_message;
pub use providers::providers;
pub use ratchet_message::ratchet_message;
pub use revocation_list::revocation_list;
pub use sas::{MAX_SAS_OPS, SasOp, run_sas, sas};
pub use scanned_safety_number::scanned_safety_number;
pub use sealed_value::{
    SEALED_RECORD_KEY, SEALED_REVISION, SEALED_STORAGE_KEY, sealed_value, sealed_value_with_salt,
};
pub use seeds::seeds;
pub use session_record::{seal_record, session_record, unseal_record};
pub use session_state::session_state;
pub use store_seeds::store_seeds;
pub use stored_kem_prekey::{
    STORED_KEM_PREKEY_LEN, STORED_KEM_SEED, genuine_kem_prekeys, stored_kem_prekey,
    stored_kem_prekey_form,
};
pub use stored_prekey::{
    STORED_ONE_TIME_PREKEY_LEN, STORED_SIGNED_PREKEY_LEN, stored_prekey, stored_prekey_form,
};
pub use trust_record::trust_record;
pub use verification_fixture::{
    HonestExchange, VERIFICATION_NOW, VerificationFixture, verification_fixture,
};
pub use verification_message::verification_message;

pub use crate::conversation::{Op, Side};

/// How deep an input got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Refused (by the decoder, or by the session), with every invariant intact.
    Rejected,
    /// Decoded, or decrypted, or accepted: the deepest path of the target.
    Accepted,
}
