//! Checks every target shares.

use hushwire::{Config, Error, ErrorCategory, Session};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::fixture::{FIXTURE_SEED, fixture};
use crate::conversation::Side;

/// The rng every target decrypts and accepts with.
pub(crate) fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(FIXTURE_SEED ^ 1)
}

/// True for the errors a decoder may return: by [`Error::category`], a decoding error, the
/// validation of a key the input carries, or the size limit.
pub(crate) fn is_decoding_error(error: &Error) -> bool {
    match error.category() {
        ErrorCategory::Decoding => !matches!(error, Error::NotAPreKeyMessage),
        ErrorCategory::Key => matches!(error, Error::InvalidPublicKey | Error::LowOrderPublicKey),
        ErrorCategory::Limit => matches!(error, Error::TooLarge { .. }),
        _ => false,
    }
}

/// The size limit is checked before anything else: one byte under the input's length is
/// always [`Error::TooLarge`].
pub(crate) fn check_size_limit<T: core::fmt::Debug>(
    data: &[u8],
    decode: impl Fn(&Config) -> Result<T, Error>,
) {
    if let Some(max) = data.len().checked_sub(1) {
        let mut small = fixture().config;
        small.max_encoded_len = max;
        match decode(&small) {
            Err(Error::TooLarge { len, max: limit }) => {
                assert_eq!((len, limit), (data.len(), max));
            }
            other => panic!("input over the size limit gave {other:?}"),
        }
    }
}

/// Decrypts `attempt` on a copy of `session`: on error the state must be byte-for-byte
/// unchanged; on success the plaintext must be `genuine` (sent to `side` and not yet received
/// by this session), and the same input again must be refused as a duplicate. Returns whether
/// it decrypted.
pub(crate) fn decrypt_checked(
    side: Side,
    session: &Session,
    genuine: impl Fn(&[u8]) -> bool,
    mut attempt: impl FnMut(&mut Session, &mut ChaCha20Rng) -> Result<Vec<u8>, Error>,
) -> bool {
    let mut session = crate::fixtures::copy(session);
    let mut rng = rng();
    let before = session.to_stored();
    match attempt(&mut session, &mut rng) {
        Err(error) => {
            assert_eq!(
                session.to_stored(),
                before,
                "{side:?}'s state changed after {error:?}"
            );
            false
        }
        Ok(plaintext) => {
            assert!(
                genuine(&plaintext),
                "{side:?} decrypted a message nobody sent, or a second time: {plaintext:?}"
            );
            let after = session.to_stored();
            assert_ne!(after, before, "a successful decrypt consumes a key");
            assert_eq!(
                attempt(&mut session, &mut rng),
                Err(Error::DuplicateMessage),
                "{side:?} accepted the same input twice"
            );
            assert_eq!(session.to_stored(), after, "a refused replay changed state");
            true
        }
    }
}
