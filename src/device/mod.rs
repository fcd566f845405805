//! Multi-device accounts (SPEC.md section 14).
//!
//! An account has an account key ([`AccountKeyPair`]) that signs its device list; each device
//! has its own identity key, prekeys and pairwise sessions, and is addressed as (account id,
//! device id). A message to a person is one pairwise message per device of theirs and per
//! other device of ours ([`DeviceSessions::encrypt_for_account`]), each bound to its two
//! addresses. Every session with one remote device lives in a [`SessionRecord`].

pub(crate) mod account_key;
pub(crate) mod address;
pub(crate) mod link;
pub(crate) mod list;
pub(crate) mod message;
pub(crate) mod policy;
pub(crate) mod record;
pub(crate) mod routing;
pub(crate) mod sessions;

pub use account_key::{AccountKey, AccountKeyPair};
pub use address::{DeviceAddress, DeviceId};
pub use record::SessionRecord;
pub use sessions::DeviceSessions;
