//! The prost types generated from `proto/` (committed; `tests/proto_codegen.rs` keeps them
//! current) and the strict decoder every public decoder goes through.

#![allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]

use core::fmt;

use prost::Message;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::Error;

include!("hushwire.v1.rs");

/// The only version of every versioned message this implementation speaks.
pub(crate) const VERSION: u32 = 1;

/// Decodes `bytes` as `M`, accepting only the canonical encoding (SPEC.md 7.1): the input must
/// be at most `max_len` bytes and equal to the encoding of what it decodes to.
///
/// For public messages (envelopes, bundles): the comparison is an ordinary one, since the
/// input and its re-encoding are both public.
pub(crate) fn decode_strict<M: Message + Default>(
    bytes: &[u8],
    max_len: usize,
) -> Result<M, Error> {
    let message = decode_canonical_len::<M>(bytes, max_len)?;
    if message.encode_to_vec() != bytes {
        return Err(Error::NonCanonicalEncoding);
    }
    Ok(message)
}

/// [`decode_strict`] for messages holding secrets (session state): the re-encoding is compared
/// in constant time and wiped afterwards.
pub(crate) fn decode_strict_secret<M: Message + Default>(
    bytes: &[u8],
    max_len: usize,
) -> Result<M, Error> {
    let message = decode_canonical_len::<M>(bytes, max_len)?;
    let again = Zeroizing::new(message.encode_to_vec());
    if !bool::from(again.as_slice().ct_eq(bytes)) {
        return Err(Error::NonCanonicalEncoding);
    }
    Ok(message)
}

/// The size limit, the decode, and the length half of the canonical check.
fn decode_canonical_len<M: Message + Default>(bytes: &[u8], max_len: usize) -> Result<M, Error> {
    if bytes.len() > max_len {
        return Err(Error::TooLarge {
            len: bytes.len(),
            max: max_len,
        });
    }
    let message = M::decode(bytes).map_err(|_| Error::MalformedProtobuf)?;
    if message.encoded_len() != bytes.len() {
        return Err(Error::NonCanonicalEncoding);
    }
    Ok(message)
}

/// Encodes `message` into a buffer of exactly the right size, so no reallocation leaves a
/// partial copy of secret fields behind.
///
/// The buffer has room for `extra` more bytes after the encoding (a checksum).
pub(crate) fn encode_exact_with_room<M: Message>(message: &M, extra: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(
        message.encoded_len().saturating_add(extra),
    ));
    // Encoding into a Vec cannot run out of capacity: Vec grows.
    let _ = message.encode(&mut *out);
    out
}

macro_rules! redacted_debug {
    ($($ty:ident),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($ty), " { <redacted> }"))
            }
        }
    )*};
}

redacted_debug!(
    SendingChain,
    ReceivingChain,
    SkippedKey,
    SessionState,
    SessionRecord,
    LinkOffer,
    SenderKeyDistribution,
    GroupSkippedKey,
    GroupReceiverChain,
    GroupMemberState,
    GroupSessionState,
    AttachmentPointer,
    Payload
);
