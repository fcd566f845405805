//! Trust on first use and key changes (SPEC.md 12.6).

pub(crate) mod decision;
pub(crate) mod policy;
pub(crate) mod record;
pub(crate) mod store;
pub(crate) mod tofu;
