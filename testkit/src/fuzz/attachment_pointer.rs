//! The `attachment_pointer` target: an attachment pointer and a message payload, decoded.

use hushwire::{
    AttachmentPointer, ContentType, Error, FileName, MAX_ATTACHMENT_LEN,
    MAX_ATTACHMENT_POINTER_LEN, Payload,
};
use prost::Message;

use super::Outcome;
use crate::pb;

/// The longest content type (SPEC.md 16.5).
const MAX_CONTENT_TYPE: usize = 127;
/// The longest file name, in bytes.
const MAX_FILE_NAME: usize = 255;
/// The largest thumbnail.
const MAX_THUMBNAIL: usize = 16 * 1024;

/// `attachment_pointer`: [`AttachmentPointer::decode`] and [`Payload::decode`] on the same
/// arbitrary bytes (SPEC.md 16.5, 16.6):
///
/// - each answers exactly what SPEC.md's decoding order predicts, worked out here by hand from
///   the prost types (size limit first, strict decoding, then version, key, digest, size,
///   content type, file name, thumbnail, each with its error and reason), so every refusal is
///   a typed decoding error;
/// - what decodes re-encodes to exactly the input, decodes back to itself, and says what its
///   fields say (key, digest, size, metadata, each valid again on its own);
/// - a pointer's `Debug` never shows its file key (as hex in either case, or as a byte list),
///   unless the input repeats the key's hex in a field `Debug` shows; an application
///   payload's `Debug` shows none of its bytes;
/// - a decoded pointer wrapped as a payload decodes to the same pointer, and the pointer
///   inside a decoded attachment payload decodes alone to the same pointer.
///
/// The input reaches the deepest path when either decoder takes it.
pub fn attachment_pointer(data: &[u8]) -> Outcome {
    let mut outcome = Outcome::Rejected;
    let decoded = AttachmentPointer::decode(data);
    assert_eq!(
        decoded.as_ref().err(),
        predict_pointer(data).err().as_ref(),
        "AttachmentPointer::decode"
    );
    if let Ok(pointer) = &decoded {
        check_pointer(pointer, data);
        let wrapped = Payload::Attachment(pointer.clone()).encode();
        let mut expected = vec![0x12];
        push_varint(&mut expected, data.len() as u64);
        expected.extend_from_slice(data);
        assert_eq!(wrapped.as_slice(), expected, "a pointer as a payload");
        assert_eq!(
            Payload::decode(&wrapped),
            Ok(Payload::Attachment(pointer.clone()))
        );
        outcome = Outcome::Accepted;
    }

    let payload = Payload::decode(data);
    assert_eq!(
        payload.as_ref().err(),
        predict_payload(data).err().as_ref(),
        "Payload::decode"
    );
    if let Ok(payload) = &payload {
        assert_eq!(
            payload.encode().as_slice(),
            data,
            "a decoded payload is not canonical"
        );
        assert_eq!(Payload::decode(&payload.encode()).as_ref(), Ok(payload));
        let wire = pb::Payload::decode(data).expect("what decodes, decodes");
        let debug = format!("{payload:?}");
        match (payload, &wire.content) {
            (Payload::Application(bytes), Some(pb::payload::Content::Application(raw))) => {
                assert_eq!(bytes, raw);
                // The same whatever the bytes: it shows none of them.
                let zeros = Payload::Application(vec![0; bytes.len()]);
                assert_eq!(debug, format!("{zeros:?}"), "Debug shows the content");
            }
            (Payload::Attachment(pointer), Some(pb::payload::Content::Attachment(raw))) => {
                let inner = raw.encode_to_vec();
                assert_eq!(AttachmentPointer::decode(&inner).as_ref(), Ok(pointer));
                check_pointer(pointer, &inner);
                assert_key_hidden(pointer, &debug);
            }
            _ => panic!("{debug} is not what the input holds"),
        }
        outcome = Outcome::Accepted;
    }
    outcome
}

/// Checks a decoded pointer against the bytes it came from.
fn check_pointer(pointer: &AttachmentPointer, bytes: &[u8]) {
    assert_eq!(
        pointer.encode().as_slice(),
        bytes,
        "a decoded pointer is not canonical"
    );
    assert_eq!(
        AttachmentPointer::decode(&pointer.encode()).as_ref(),
        Ok(pointer)
    );
    let wire = pb::AttachmentPointer::decode(bytes).expect("what decodes, decodes");
    assert_eq!(wire.version, 1);
    assert_eq!(pointer.file_key().as_bytes().as_slice(), wire.file_key);
    assert_eq!(
        pointer.ciphertext_sha256().as_slice(),
        wire.ciphertext_sha256
    );
    assert!(pointer.digest_matches(pointer.ciphertext_sha256()));
    let mut other = *pointer.ciphertext_sha256();
    other[31] ^= 1;
    assert!(!pointer.digest_matches(&other));
    assert_eq!(pointer.size(), wire.size);
    assert!(pointer.size() <= MAX_ATTACHMENT_LEN);
    let metadata = pointer.metadata();
    assert_eq!(metadata.content_type.as_str(), wire.content_type);
    assert_eq!(
        ContentType::new(metadata.content_type.as_str()).as_ref(),
        Ok(&metadata.content_type)
    );
    assert_eq!(
        metadata.file_name.as_ref().map(FileName::as_str),
        wire.file_name.as_deref()
    );
    if let Some(name) = &metadata.file_name {
        assert_eq!(FileName::new(name.as_str()).as_ref(), Ok(name));
    }
    assert_eq!(
        metadata.thumbnail.as_ref().map(|t| t.as_bytes()),
        wire.thumbnail.as_deref()
    );
    assert_key_hidden(pointer, &format!("{pointer:?}"));
}

/// `debug` (a pointer's, or a payload's holding it) shows nothing of the file key, unless a
/// field `Debug` shows (digest, content type, file name) repeats the key's hex.
fn assert_key_hidden(pointer: &AttachmentPointer, debug: &str) {
    let key = pointer.file_key().as_bytes();
    let metadata = pointer.metadata();
    let shown = [
        hex(pointer.ciphertext_sha256()),
        metadata.content_type.as_str().to_ascii_lowercase(),
        metadata
            .file_name
            .as_ref()
            .map_or(String::new(), |n| n.as_str().to_ascii_lowercase()),
    ];
    let key_hex = hex(key);
    if shown.iter().all(|field| !field.contains(&key_hex)) {
        let lower = debug.to_ascii_lowercase();
        assert!(!lower.contains(&key_hex), "the file key in {debug}");
    }
    let list = format!("{key:?}");
    if !metadata
        .file_name
        .as_ref()
        .is_some_and(|n| n.as_str().contains(&list))
    {
        assert!(!debug.contains(&list), "the file key's bytes in {debug}");
    }
}

/// What [`AttachmentPointer::decode`] gives, by SPEC.md 16.5.
fn predict_pointer(data: &[u8]) -> Result<(), Error> {
    if data.len() > MAX_ATTACHMENT_POINTER_LEN {
        return Err(Error::TooLarge {
            len: data.len(),
            max: MAX_ATTACHMENT_POINTER_LEN,
        });
    }
    let wire = pb::AttachmentPointer::decode(data).map_err(|_| Error::MalformedProtobuf)?;
    if wire.encode_to_vec() != data {
        return Err(Error::NonCanonicalEncoding);
    }
    predict_fields(&wire)
}

/// What [`Payload::decode`] gives, by SPEC.md 16.6.
fn predict_payload(data: &[u8]) -> Result<(), Error> {
    let wire = pb::Payload::decode(data).map_err(|_| Error::MalformedProtobuf)?;
    if wire.encode_to_vec() != data {
        return Err(Error::NonCanonicalEncoding);
    }
    match &wire.content {
        None => Err(Error::MissingField { field: "content" }),
        Some(pb::payload::Content::Application(_)) => Ok(()),
        Some(pb::payload::Content::Attachment(pointer)) => {
            let len = pointer.encoded_len();
            if len > MAX_ATTACHMENT_POINTER_LEN {
                return Err(Error::TooLarge {
                    len,
                    max: MAX_ATTACHMENT_POINTER_LEN,
                });
            }
            predict_fields(pointer)
        }
    }
}

/// SPEC.md 16.5's checks after strict decoding, first failure returned.
fn predict_fields(wire: &pb::AttachmentPointer) -> Result<(), Error> {
    let invalid = |reason| Err(Error::InvalidAttachmentPointer { reason });
    if wire.version != 1 {
        return Err(Error::UnsupportedVersion {
            found: wire.version,
        });
    }
    for (field, value) in [
        ("file_key", &wire.file_key),
        ("ciphertext_sha256", &wire.ciphertext_sha256),
    ] {
        if value.len() != 32 {
            return Err(Error::InvalidLength {
                field,
                expected: 32,
                found: value.len(),
            });
        }
    }
    if wire.size > 1 << 40 {
        return invalid("size over 2^40 bytes");
    }
    let content_type = &wire.content_type;
    if content_type.is_empty() {
        return Err(Error::MissingField {
            field: "content_type",
        });
    }
    if content_type.len() > MAX_CONTENT_TYPE {
        return invalid("content type too long");
    }
    // An RFC 6838 restricted-name: a letter or digit, then letters, digits and !#$&-^_.+
    let restricted = |name: &str| {
        let bytes = name.as_bytes();
        bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && bytes[1..]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(b))
    };
    match content_type.split_once('/') {
        Some((kind, subtype)) if restricted(kind) && restricted(subtype) => {}
        _ => return invalid("content type is not type/subtype"),
    }
    if let Some(name) = &wire.file_name {
        if name.is_empty() {
            return invalid("empty file name");
        }
        if name.len() > MAX_FILE_NAME {
            return invalid("file name too long");
        }
        if name == "." || name == ".." {
            return invalid("file name is . or ..");
        }
        if name.contains(['/', '\\', ':']) {
            return invalid("file name has a path separator");
        }
        if name.chars().any(
            |c| matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}'),
        ) {
            return invalid("file name has a control character");
        }
        if name.chars().any(|c| {
            matches!(
                c,
                '\u{200e}'
                    | '\u{200f}'
                    | '\u{061c}'
                    | '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}'
            )
        }) {
            return invalid("file name has a bidirectional control");
        }
        if name.chars().any(invisible) {
            return invalid("file name has an invisible character");
        }
        if name.ends_with(['.', ' ']) {
            return invalid("file name ends with a dot or a space");
        }
        if device_name(name) {
            return invalid("file name is a device name");
        }
    }
    if let Some(thumbnail) = &wire.thumbnail {
        if thumbnail.is_empty() {
            return invalid("empty thumbnail");
        }
        if thumbnail.len() > MAX_THUMBNAIL {
            return invalid("thumbnail too large");
        }
    }
    Ok(())
}

/// Appends a protobuf varint.
pub(crate) fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SPEC.md 13.3's "zero-width or invisible character" code points.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{34f}'
            | '\u{600}'..='\u{605}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{115f}'..='\u{1160}'
            | '\u{1680}'
            | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2060}'..='\u{2065}'
            | '\u{206a}'..='\u{206f}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff0}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d159}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}'
    )
}

/// SPEC.md 16.5's Windows device names, on the part before the first '.'.
fn device_name(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").to_ascii_uppercase();
    let chars: Vec<char> = stem.chars().collect();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (chars.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && (chars[3].is_ascii_digit() || matches!(chars[3], '\u{b9}' | '\u{b2}' | '\u{b3}')))
}
