//! The messages on the wire and their strict decoders (SPEC.md section 7).

mod envelope;
mod prekey_message;
mod ratchet_message;

pub use envelope::Envelope;
pub use prekey_message::PreKeyMessage;
pub use ratchet_message::RatchetMessage;
