//! The `envelope` target: the envelope decoder.

use hushwire::Envelope;

use super::Outcome;
use super::checks::{check_size_limit, is_decoding_error};
use super::fixture::fixture;

/// `envelope`: [`Envelope::decode`] on arbitrary bytes. Whatever decodes re-encodes to the
/// same bytes (the decoder accepts only canonical encodings); anything else is a decoding
/// error; the size limit comes first.
pub fn envelope(data: &[u8]) -> Outcome {
    let config = fixture().config;
    check_size_limit(data, |config| Envelope::decode(data, config));
    match Envelope::decode(data, &config) {
        Ok(envelope) => {
            assert_eq!(envelope.encode(), data, "decoded input is not canonical");
            assert_eq!(Envelope::decode(&envelope.encode(), &config), Ok(envelope));
            Outcome::Accepted
        }
        Err(error) => {
            assert!(is_decoding_error(&error), "decode returned {error:?}");
            assert!(!error.to_string().is_empty());
            Outcome::Rejected
        }
    }
}
