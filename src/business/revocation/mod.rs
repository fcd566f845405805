//! Revocation (SPEC.md 13.4): signed lists of revoked serials, and what a client holds.

pub(crate) mod list;
pub(crate) mod state;
