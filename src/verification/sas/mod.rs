//! Short authentication strings (SPEC.md 12.4): an exchange inside an established session
//! whose result two people compare as 7 emoji or 3 numbers.

pub(crate) mod attempts;
pub(crate) mod derive;
pub(crate) mod emoji;
pub(crate) mod message;
pub(crate) mod state;
