//! Bad input to attachments (SPEC.md section 16): pointers and payloads that fail decoding
//! (16.5, 16.6), and encrypted files that fail opening (16.4) as a stream, in memory, into a
//! file and at random; each with its exact error.
//!
//! Files are sealed from seeded RNGs with 64-byte segments, so that a few hundred bytes make
//! several segments. Where an edit must still authenticate (a segment re-sealed with the other
//! final flag, non-zero padding), the test derives the payload key itself from SPEC.md 16.2
//! with the raw `hkdf` and `chacha20poly1305` crates, which also checks the derivation.

use std::io::{Cursor, Read};

use crate::common::*;
use crate::pb;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hushwire::{
    AttachmentMetadata, AttachmentOpener, AttachmentOptions, AttachmentPointer, AttachmentSealer,
    ContentType, Error, ErrorCategory, FileName, MAX_ATTACHMENT_LEN, MAX_ATTACHMENT_POINTER_LEN,
    MAX_THUMBNAIL_LEN, Padding, Payload, SeekableAttachment, SegmentSize, Thumbnail, open_bytes,
    open_to_file, seal_bytes,
};
use prost::Message;

const HEADER: usize = hushwire::ATTACHMENT_HEADER_LEN;
const TAG: usize = 16;
const S: usize = 64;

fn options(padding: Padding) -> AttachmentOptions {
    AttachmentOptions {
        segment_size: SegmentSize::from_log2(6).unwrap(),
        padding,
        provider: provider(),
    }
}

fn metadata() -> AttachmentMetadata {
    AttachmentMetadata::new(ContentType::new("image/jpeg").unwrap())
        .with_file_name(FileName::new("parcel.jpg").unwrap())
}

fn plaintext(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

/// A file of `len` bytes sealed from `seed`: its ciphertext and pointer.
fn sealed(seed: u64, len: usize, padding: Padding) -> (Vec<u8>, AttachmentPointer) {
    seal_bytes(
        &mut rng(seed),
        &plaintext(len),
        metadata(),
        options(padding),
    )
    .unwrap()
}

/// 4 full segments and a short final one (no padding): 4·64 + 10 bytes.
fn five_segments() -> (Vec<u8>, AttachmentPointer) {
    sealed(1, 4 * S + 10, Padding::None)
}

fn segment(ciphertext: &[u8], i: usize) -> std::ops::Range<usize> {
    let start = HEADER + i * (S + TAG);
    start..(start + S + TAG).min(ciphertext.len())
}

fn open_error(ciphertext: &[u8], pointer: &AttachmentPointer) -> Error {
    open_bytes(ciphertext, pointer).unwrap_err()
}

/// SPEC.md 16.2's payload key, from the pointer's file key and the file's header.
fn payload_key(pointer: &AttachmentPointer, header: &[u8]) -> [u8; 32] {
    let mut info = b"hushwire/v1/attachment".to_vec();
    info.extend_from_slice(&header[..3]);
    let mut okm = [0u8; 64];
    hkdf::Hkdf::<sha2::Sha256>::new(Some(&header[3..35]), pointer.file_key().as_bytes())
        .expand(&info, &mut okm)
        .unwrap();
    assert_eq!(okm[32..], header[35..67], "the commitment is okm[32..64]");
    okm[..32].try_into().unwrap()
}

/// Seals `body` as segment `i` with the raw AEAD: as the final segment of a file of `size`
/// bytes (its associated data `u64be(size)`, SPEC.md 16.2) when `size` is given.
fn reseal(key: &[u8; 32], i: u64, size: Option<u64>, body: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; 12];
    nonce[3..11].copy_from_slice(&i.to_be_bytes());
    nonce[11] = u8::from(size.is_some());
    let ad = size.map(u64::to_be_bytes);
    let ad: &[u8] = ad.as_ref().map_or(&[], |a| a.as_slice());
    let mut buf = body.to_vec();
    let tag = ChaCha20Poly1305::new(key.into())
        .encrypt_inout_detached(&Nonce::from(nonce), ad, buf.as_mut_slice().into())
        .unwrap();
    buf.extend_from_slice(&tag);
    buf
}

/// The encoding of a pointer after one edit of its prost form.
fn edit_pointer(
    pointer: &AttachmentPointer,
    edit: impl FnOnce(&mut pb::AttachmentPointer),
) -> Vec<u8> {
    let mut message = pb::AttachmentPointer::decode(pointer.encode().as_slice()).unwrap();
    edit(&mut message);
    message.encode_to_vec()
}

fn pointer_error(bytes: &[u8]) -> Error {
    AttachmentPointer::decode(bytes).unwrap_err()
}

#[test]
fn pointers_that_fail_decoding() {
    let (_, pointer) = five_segments();
    let good = pointer.encode();
    assert_eq!(AttachmentPointer::decode(&good).unwrap(), pointer);

    let long = vec![0u8; MAX_ATTACHMENT_POINTER_LEN + 1];
    assert_eq!(
        pointer_error(&long),
        Error::TooLarge {
            len: MAX_ATTACHMENT_POINTER_LEN + 1,
            max: MAX_ATTACHMENT_POINTER_LEN
        }
    );
    assert_eq!(
        pointer_error(&good[..good.len() - 1]),
        Error::MalformedProtobuf
    );
    // An unknown field 9, and the version encoded with a non-minimal varint.
    let mut unknown = good.to_vec();
    unknown.extend_from_slice(&[0x48, 0x01]);
    assert_eq!(pointer_error(&unknown), Error::NonCanonicalEncoding);
    let mut padded_varint = vec![0x08, 0x81, 0x00];
    padded_varint.extend_from_slice(&good[2..]);
    assert_eq!(pointer_error(&padded_varint), Error::NonCanonicalEncoding);

    for version in [0, 2] {
        let bytes = edit_pointer(&pointer, |p| p.version = version);
        assert_eq!(
            pointer_error(&bytes),
            Error::UnsupportedVersion { found: version }
        );
    }
    for len in [0, 31, 33] {
        let bytes = edit_pointer(&pointer, |p| p.file_key = vec![7; len]);
        assert_eq!(
            pointer_error(&bytes),
            Error::InvalidLength {
                field: "file_key",
                expected: 32,
                found: len
            }
        );
        let bytes = edit_pointer(&pointer, |p| p.ciphertext_sha256 = vec![7; len]);
        assert_eq!(
            pointer_error(&bytes),
            Error::InvalidLength {
                field: "ciphertext_sha256",
                expected: 32,
                found: len
            }
        );
    }
    let at_limit = edit_pointer(&pointer, |p| p.size = MAX_ATTACHMENT_LEN);
    assert_eq!(
        AttachmentPointer::decode(&at_limit).unwrap().size(),
        MAX_ATTACHMENT_LEN
    );
    for size in [MAX_ATTACHMENT_LEN + 1, u64::MAX] {
        let bytes = edit_pointer(&pointer, |p| p.size = size);
        assert_eq!(
            pointer_error(&bytes),
            Error::InvalidAttachmentPointer {
                reason: "size over 2^40 bytes"
            }
        );
    }
    let bytes = edit_pointer(&pointer, |p| p.content_type.clear());
    assert_eq!(
        pointer_error(&bytes),
        Error::MissingField {
            field: "content_type"
        }
    );
    // Order: the version is checked before the key, the key before the digest.
    let bytes = edit_pointer(&pointer, |p| {
        p.version = 3;
        p.file_key.clear();
    });
    assert_eq!(
        pointer_error(&bytes),
        Error::UnsupportedVersion { found: 3 }
    );
    let bytes = edit_pointer(&pointer, |p| {
        p.file_key.clear();
        p.ciphertext_sha256.clear();
    });
    assert!(matches!(
        pointer_error(&bytes),
        Error::InvalidLength {
            field: "file_key",
            ..
        }
    ));
}

#[test]
fn pointers_with_bad_content_types() {
    let (_, pointer) = five_segments();
    let long = format!("image/{}", "x".repeat(122));
    for (value, reason) in [
        ("image", "content type is not type/subtype"),
        ("image/", "content type is not type/subtype"),
        ("/jpeg", "content type is not type/subtype"),
        ("image/jpeg; charset=x", "content type is not type/subtype"),
        ("image/jp eg", "content type is not type/subtype"),
        (".image/jpeg", "content type is not type/subtype"),
        ("image/jpeg/x", "content type is not type/subtype"),
        ("imäge/jpeg", "content type is not type/subtype"),
        (long.as_str(), "content type too long"),
    ] {
        let bytes = edit_pointer(&pointer, |p| p.content_type = value.to_owned());
        assert_eq!(
            pointer_error(&bytes),
            Error::InvalidAttachmentPointer { reason },
            "{value}"
        );
    }
    let longest = format!("image/{}", "x".repeat(121));
    let bytes = edit_pointer(&pointer, |p| p.content_type = longest.clone());
    assert!(AttachmentPointer::decode(&bytes).is_ok());
}

#[test]
fn pointers_with_unsafe_file_names() {
    let (_, pointer) = five_segments();
    let long = "é".repeat(128);
    for (value, reason) in [
        ("", "empty file name"),
        (long.as_str(), "file name too long"),
        (".", "file name is . or .."),
        ("..", "file name is . or .."),
        ("../../etc/passwd", "file name has a path separator"),
        ("..\\boot.ini", "file name has a path separator"),
        ("C:autoexec.bat", "file name has a path separator"),
        ("a\u{0}b", "file name has a control character"),
        ("report\n.pdf", "file name has a control character"),
        ("x\u{7f}", "file name has a control character"),
        ("x\u{85}", "file name has a control character"),
        (
            "invoice\u{202E}fdp.exe",
            "file name has a bidirectional control",
        ),
        ("a\u{2066}b", "file name has a bidirectional control"),
        ("a\u{200F}b", "file name has a bidirectional control"),
        ("a\u{2028}b", "file name has a control character"),
        ("photo\u{200B}.exe", "file name has an invisible character"),
        (
            "\u{FEFF}invoice.pdf",
            "file name has an invisible character",
        ),
        (
            "report.pdf\u{E0041}",
            "file name has an invisible character",
        ),
        ("evil.exe.", "file name ends with a dot or a space"),
        ("evil.exe ", "file name ends with a dot or a space"),
        ("...", "file name ends with a dot or a space"),
        ("CON", "file name is a device name"),
        ("nul.txt", "file name is a device name"),
        ("Com1.tar.gz", "file name is a device name"),
        ("lpt\u{B3}", "file name is a device name"),
    ] {
        let bytes = edit_pointer(&pointer, |p| p.file_name = Some(value.to_owned()));
        assert_eq!(
            pointer_error(&bytes),
            Error::InvalidAttachmentPointer { reason },
            "{value:?}"
        );
    }
    // 255 bytes of UTF-8, a name with spaces and non-ASCII letters, and no name: accepted.
    for value in [
        "é".repeat(127) + "x",
        "Rechnung März 2026.pdf".to_owned(),
        "console.log".to_owned(),
        "COM10".to_owned(),
        ".bashrc".to_owned(),
    ] {
        let bytes = edit_pointer(&pointer, |p| p.file_name = Some(value.clone()));
        assert!(AttachmentPointer::decode(&bytes).is_ok(), "{value}");
    }
    let bytes = edit_pointer(&pointer, |p| p.file_name = None);
    assert_eq!(
        AttachmentPointer::decode(&bytes)
            .unwrap()
            .metadata()
            .file_name,
        None
    );
}

#[test]
fn pointers_with_bad_thumbnails() {
    let (_, pointer) = five_segments();
    for (value, reason) in [
        (vec![], "empty thumbnail"),
        (vec![1; MAX_THUMBNAIL_LEN + 1], "thumbnail too large"),
    ] {
        let bytes = edit_pointer(&pointer, |p| p.thumbnail = Some(value));
        assert_eq!(
            pointer_error(&bytes),
            Error::InvalidAttachmentPointer { reason }
        );
    }
    let bytes = edit_pointer(&pointer, |p| p.thumbnail = Some(vec![1; MAX_THUMBNAIL_LEN]));
    assert!(bytes.len() <= MAX_ATTACHMENT_POINTER_LEN);
    assert!(AttachmentPointer::decode(&bytes).is_ok());
    assert!(Thumbnail::new(vec![1; MAX_THUMBNAIL_LEN + 1]).is_err());
}

#[test]
fn payloads_that_fail_decoding() {
    let (_, pointer) = five_segments();
    let payload = Payload::Attachment(pointer.clone());
    assert_eq!(Payload::decode(&payload.encode()).unwrap(), payload);
    let text = Payload::Application(Vec::new());
    assert_eq!(text.encode().as_slice(), [0x0a, 0x00]);
    assert_eq!(Payload::decode(&[0x0a, 0x00]).unwrap(), text);

    assert_eq!(
        Payload::decode(&[]).unwrap_err(),
        Error::MissingField { field: "content" }
    );
    assert_eq!(
        Payload::decode(&[0x0a, 0x05, 1]).unwrap_err(),
        Error::MalformedProtobuf
    );
    assert_eq!(
        Payload::decode(&[0x18, 0x01]).unwrap_err(),
        Error::NonCanonicalEncoding
    );
    // A pointer inside that breaks a rule of 16.5.
    let bad = edit_pointer(&pointer, |p| p.version = 2);
    let wrapped = pb::Payload {
        content: Some(pb::payload::Content::Attachment(
            pb::AttachmentPointer::decode(bad.as_slice()).unwrap(),
        )),
    };
    assert_eq!(
        Payload::decode(&wrapped.encode_to_vec()).unwrap_err(),
        Error::UnsupportedVersion { found: 2 }
    );
    // A pointer inside over the pointer limit: refused by length before its fields.
    let mut inner = pb::AttachmentPointer::default();
    inner.version = 9;
    inner.content_type = "x".repeat(MAX_ATTACHMENT_POINTER_LEN);
    let huge = pb::Payload {
        content: Some(pb::payload::Content::Attachment(inner)),
    };
    assert!(matches!(
        Payload::decode(&huge.encode_to_vec()).unwrap_err(),
        Error::TooLarge {
            max: MAX_ATTACHMENT_POINTER_LEN,
            ..
        }
    ));
}

#[test]
fn headers_cut_short() {
    let (ciphertext, pointer) = five_segments();
    for len in [0, 1, 3, 35, HEADER - 1] {
        assert_eq!(
            open_error(&ciphertext[..len], &pointer),
            Error::AttachmentTruncated { segment: 0 },
            "{len}"
        );
    }
}

#[test]
fn headers_of_another_version() {
    let (ciphertext, pointer) = five_segments();
    for version in [0u8, 2, 0xff] {
        let mut edited = ciphertext.clone();
        edited[0] = version;
        assert_eq!(
            open_error(&edited, &pointer),
            Error::UnsupportedVersion {
                found: u32::from(version)
            }
        );
    }
}

#[test]
fn headers_with_unknown_segment_size_or_padding() {
    let (ciphertext, pointer) = five_segments();
    for log2 in [0u8, 5, 21, 64, 255] {
        let mut edited = ciphertext.clone();
        edited[1] = log2;
        assert_eq!(
            open_error(&edited, &pointer),
            Error::InvalidAttachmentHeader {
                reason: "segment size"
            }
        );
    }
    for code in [2u8, 0x80] {
        let mut edited = ciphertext.clone();
        edited[2] = code;
        assert_eq!(
            open_error(&edited, &pointer),
            Error::InvalidAttachmentHeader { reason: "padding" }
        );
    }
}

#[test]
fn a_wrong_file_key_or_an_altered_header() {
    let (ciphertext, pointer) = five_segments();
    // Another file's pointer (another key).
    let (_, other) = sealed(2, 4 * S + 10, Padding::None);
    assert_eq!(open_error(&ciphertext, &other), Error::AttachmentWrongKey);
    // Valid-looking header changes: segment size, padding, a salt or commitment bit.
    for (at, value) in [
        (1, 7u8),
        (2, 1),
        (3, ciphertext[3] ^ 1),
        (HEADER - 1, ciphertext[HEADER - 1] ^ 0x80),
    ] {
        let mut edited = ciphertext.clone();
        edited[at] = value;
        assert_eq!(
            open_error(&edited, &pointer),
            Error::AttachmentWrongKey,
            "byte {at}"
        );
    }
}

#[test]
fn files_cut_at_a_segment_boundary() {
    let (ciphertext, pointer) = five_segments();
    // Ends after segment i: the final segment (4) or more is missing.
    for i in 0..5 {
        let end = HEADER + i * (S + TAG);
        assert_eq!(
            open_error(&ciphertext[..end], &pointer),
            Error::AttachmentTruncated { segment: i as u64 }
        );
    }
    // A file cut so that a full middle segment is last: its flag says "not final". With the
    // pointer's size changed to match, the segment fails as final.
    let cut = &ciphertext[..HEADER + 2 * (S + TAG)];
    let short =
        AttachmentPointer::decode(&edit_pointer(&pointer, |p| p.size = 2 * S as u64)).unwrap();
    assert_eq!(
        open_error(cut, &short),
        Error::AttachmentSegmentInvalid { segment: 1 }
    );
}

#[test]
fn files_cut_inside_a_segment() {
    let (ciphertext, pointer) = five_segments();
    for end in [
        HEADER + 1,
        HEADER + S + TAG - 1,
        HEADER + 2 * (S + TAG) + 5,
        ciphertext.len() - 1,
    ] {
        let segment = ((end - HEADER) / (S + TAG)) as u64;
        assert_eq!(
            open_error(&ciphertext[..end], &pointer),
            Error::AttachmentTruncated { segment },
            "{end}"
        );
    }
}

#[test]
fn reordered_segments() {
    let (ciphertext, pointer) = five_segments();
    let mut swapped = ciphertext.clone();
    let (a, b) = (segment(&ciphertext, 1), segment(&ciphertext, 2));
    swapped[a.clone()].copy_from_slice(&ciphertext[b.clone()]);
    swapped[b].copy_from_slice(&ciphertext[a]);
    assert_eq!(
        open_error(&swapped, &pointer),
        Error::AttachmentSegmentInvalid { segment: 1 }
    );
}

#[test]
fn duplicated_segments() {
    let (ciphertext, pointer) = five_segments();
    // Segment 0 repeated in place of segment 1 (same length, so only the tag can tell).
    let mut repeated = ciphertext.clone();
    let (zero, one) = (segment(&ciphertext, 0), segment(&ciphertext, 1));
    repeated[one].copy_from_slice(&ciphertext[zero.clone()]);
    assert_eq!(
        open_error(&repeated, &pointer),
        Error::AttachmentSegmentInvalid { segment: 1 }
    );
    // Segment 2 inserted twice: segment 3's place holds segment 2.
    let mut inserted = ciphertext[..segment(&ciphertext, 3).start].to_vec();
    inserted.extend_from_slice(&ciphertext[segment(&ciphertext, 2)]);
    inserted.extend_from_slice(&ciphertext[segment(&ciphertext, 3).start..]);
    assert_eq!(
        open_error(&inserted, &pointer),
        Error::AttachmentSegmentInvalid { segment: 3 }
    );
}

#[test]
fn segments_from_another_file_with_the_same_key() {
    let (ciphertext, pointer) = five_segments();
    // The same file key (the first 32 random bytes) with another salt.
    let mut draws = pointer.file_key().as_bytes().to_vec();
    draws.extend_from_slice(&[0x5a; 32]);
    let mut fixed = hushwire_testkit::fixtures::FixedRng::new(draws);
    let mut other = Vec::new();
    let mut sealer =
        AttachmentSealer::new(&mut fixed, &mut other, metadata(), options(Padding::None)).unwrap();
    sealer.write_chunk(&plaintext(4 * S + 10)).unwrap();
    let (other_pointer, _) = sealer.finish().unwrap();
    assert_eq!(other_pointer.file_key(), pointer.file_key());
    for i in 0..5 {
        let mut spliced = ciphertext.clone();
        let range = segment(&ciphertext, i);
        spliced[range.clone()].copy_from_slice(&other[range]);
        assert_eq!(
            open_error(&spliced, &pointer),
            Error::AttachmentSegmentInvalid { segment: i as u64 }
        );
    }
}

#[test]
fn a_final_segment_in_the_middle_or_a_middle_segment_at_the_end() {
    let (ciphertext, pointer) = five_segments();
    let key = payload_key(&pointer, &ciphertext[..HEADER]);
    let body = &plaintext(4 * S + 10)[S..2 * S];
    // Segment 1 re-sealed as final, in its place.
    let mut early_final = ciphertext.clone();
    early_final[segment(&ciphertext, 1)].copy_from_slice(&reseal(
        &key,
        1,
        Some(4 * S as u64 + 10),
        body,
    ));
    assert_eq!(
        open_error(&early_final, &pointer),
        Error::AttachmentSegmentInvalid { segment: 1 }
    );
    // The same bytes re-sealed with the right flag open: the flag alone made the difference.
    let mut same = ciphertext.clone();
    same[segment(&ciphertext, 1)].copy_from_slice(&reseal(&key, 1, None, body));
    assert_eq!(same, ciphertext);
    // The final segment re-sealed as not final.
    let last = &plaintext(4 * S + 10)[4 * S..];
    let mut not_final = ciphertext.clone();
    not_final[segment(&ciphertext, 4)].copy_from_slice(&reseal(&key, 4, None, last));
    assert_eq!(
        open_error(&not_final, &pointer),
        Error::AttachmentSegmentInvalid { segment: 4 }
    );
}

#[test]
fn bytes_after_the_final_segment() {
    let (ciphertext, pointer) = five_segments();
    let key = payload_key(&pointer, &ciphertext[..HEADER]);
    // One byte; a copy of the final segment; a new, valid final segment 5.
    for extra in [
        vec![0u8],
        ciphertext[segment(&ciphertext, 4)].to_vec(),
        reseal(&key, 5, Some(4 * S as u64 + 14), b"more"),
    ] {
        let mut longer = ciphertext.clone();
        longer.extend_from_slice(&extra);
        assert_eq!(open_error(&longer, &pointer), Error::AttachmentTrailingData);
    }
}

#[test]
fn non_zero_padding() {
    // 100 bytes pad to 104 (SPEC.md 16.3): segment 1 holds 36 bytes of file and 4 of padding.
    let (ciphertext, pointer) = sealed(3, 100, Padding::Padme);
    assert_eq!(ciphertext.len(), HEADER + 104 + 2 * TAG);
    let key = payload_key(&pointer, &ciphertext[..HEADER]);
    let mut body = plaintext(100)[S..].to_vec();
    body.extend_from_slice(&[0, 0, 1, 0]);
    let mut edited = ciphertext[..segment(&ciphertext, 1).start].to_vec();
    edited.extend_from_slice(&reseal(&key, 1, Some(100), &body));
    assert_eq!(
        open_error(&edited, &pointer),
        Error::InvalidAttachmentPadding
    );
    let mut seekable = SeekableAttachment::new(Cursor::new(edited), &pointer).unwrap();
    let mut out = [0u8; 10];
    assert_eq!(seekable.read_at(0, &mut out).unwrap(), 10);
    assert_eq!(
        seekable.read_at(90, &mut out).unwrap_err(),
        Error::InvalidAttachmentPadding
    );
}

#[test]
fn another_upload_under_the_same_key() {
    let (ciphertext, pointer) = five_segments();
    // Whoever holds the key (any group member) seals other content under it, with a valid
    // header and valid segments: only the digest tells the files apart.
    let mut draws = pointer.file_key().as_bytes().to_vec();
    draws.extend_from_slice(&[0x33; 32]);
    let mut fixed = hushwire_testkit::fixtures::FixedRng::new(draws);
    let mut forged = Vec::new();
    let mut sealer =
        AttachmentSealer::new(&mut fixed, &mut forged, metadata(), options(Padding::None)).unwrap();
    sealer.write_chunk(&vec![0xee; 4 * S + 10]).unwrap();
    sealer.finish().unwrap();
    assert_eq!(forged.len(), ciphertext.len());
    assert_eq!(
        open_error(&forged, &pointer),
        Error::AttachmentDigestMismatch
    );
    let mut seekable = SeekableAttachment::new(Cursor::new(forged), &pointer).unwrap();
    let mut out = [0u8; 4];
    assert_eq!(seekable.read_at(0, &mut out).unwrap(), 4);
    assert_eq!(
        seekable.verify_digest().unwrap_err(),
        Error::AttachmentDigestMismatch
    );
}

#[test]
fn a_flipped_bit_anywhere() {
    let (ciphertext, pointer) = sealed(4, 2 * S + 20, Padding::Padme);
    for at in 0..ciphertext.len() {
        for bit in [0x01u8, 0x80] {
            let mut edited = ciphertext.clone();
            edited[at] ^= bit;
            let error = open_error(&edited, &pointer);
            let context = format!("byte {at} bit {bit:#x}");
            match at {
                0 => assert_eq!(
                    error,
                    Error::UnsupportedVersion {
                        found: u32::from(edited[0])
                    },
                    "{context}"
                ),
                1 if !(6..=20).contains(&edited[1]) => assert_eq!(
                    error,
                    Error::InvalidAttachmentHeader {
                        reason: "segment size"
                    },
                    "{context}"
                ),
                2 if edited[2] > 1 => assert_eq!(
                    error,
                    Error::InvalidAttachmentHeader { reason: "padding" },
                    "{context}"
                ),
                _ if at < HEADER => assert_eq!(error, Error::AttachmentWrongKey, "{context}"),
                _ => assert_eq!(
                    error,
                    Error::AttachmentSegmentInvalid {
                        segment: ((at - HEADER) / (S + TAG)) as u64
                    },
                    "{context}"
                ),
            }
            let category = if at == 0 {
                ErrorCategory::Decoding
            } else {
                ErrorCategory::Attachment
            };
            assert_eq!(error.category(), category);
        }
    }
}

#[test]
fn a_pointer_size_that_disagrees_with_the_file() {
    let (ciphertext, pointer) = five_segments();
    let with_size =
        |size: u64| AttachmentPointer::decode(&edit_pointer(&pointer, |p| p.size = size)).unwrap();
    // One byte more: the final segment is expected one byte longer.
    assert_eq!(
        open_error(&ciphertext, &with_size(4 * S as u64 + 11)),
        Error::AttachmentTruncated { segment: 4 }
    );
    // One byte less: the final segment is read one byte short, so its tag fails.
    assert_eq!(
        open_error(&ciphertext, &with_size(4 * S as u64 + 9)),
        Error::AttachmentSegmentInvalid { segment: 4 }
    );
    // Whole segments less: segment 2 is expected to be final.
    assert_eq!(
        open_error(&ciphertext, &with_size(3 * S as u64)),
        Error::AttachmentSegmentInvalid { segment: 2 }
    );
    // Within the padding: 200 bytes pad to 208 (SPEC.md 16.3), so 199 and 201 give the same
    // layout; the final segment's associated data, u64be(L), still refuses them (without it,
    // 201 opened as the file plus a zero byte).
    let (padded, padded_pointer) = sealed(7, 200, Padding::Padme);
    assert_eq!(hushwire::padme(199), hushwire::padme(201));
    for size in [199u64, 201, 208] {
        let claimed =
            AttachmentPointer::decode(&edit_pointer(&padded_pointer, |p| p.size = size)).unwrap();
        assert_eq!(
            open_error(&padded, &claimed),
            Error::AttachmentSegmentInvalid { segment: 3 },
            "{size}"
        );
        let mut seekable = SeekableAttachment::new(Cursor::new(&padded), &claimed).unwrap();
        assert_eq!(
            seekable.read_at(0, &mut [0u8; 200]).unwrap_err(),
            Error::AttachmentSegmentInvalid { segment: 3 }
        );
    }
    assert_eq!(
        open_bytes(&padded, &padded_pointer).unwrap(),
        plaintext(200)
    );
}

#[test]
fn random_access_refuses_a_file_of_the_wrong_length() {
    let (ciphertext, pointer) = five_segments();
    let seek_error =
        |bytes: &[u8]| SeekableAttachment::new(Cursor::new(bytes.to_vec()), &pointer).err();
    assert_eq!(
        seek_error(&ciphertext[..10]),
        Some(Error::AttachmentTruncated { segment: 0 })
    );
    assert_eq!(
        seek_error(&ciphertext[..HEADER]),
        Some(Error::AttachmentTruncated { segment: 0 })
    );
    assert_eq!(
        seek_error(&ciphertext[..ciphertext.len() - 1]),
        Some(Error::AttachmentTruncated { segment: 4 })
    );
    assert_eq!(
        seek_error(&ciphertext[..HEADER + 2 * (S + TAG) + 3]),
        Some(Error::AttachmentTruncated { segment: 2 })
    );
    let mut longer = ciphertext.clone();
    longer.push(0);
    assert_eq!(seek_error(&longer), Some(Error::AttachmentTrailingData));
    let mut edited = ciphertext.clone();
    edited[0] = 2;
    assert_eq!(
        seek_error(&edited),
        Some(Error::UnsupportedVersion { found: 2 })
    );
    let (_, other) = sealed(2, 4 * S + 10, Padding::None);
    assert_eq!(
        SeekableAttachment::new(Cursor::new(ciphertext), &other).err(),
        Some(Error::AttachmentWrongKey)
    );
}

#[test]
fn random_access_refuses_a_bad_segment_in_range() {
    let (mut ciphertext, pointer) = five_segments();
    let at = segment(&ciphertext, 2).start + 5;
    ciphertext[at] ^= 1;
    let mut seekable = SeekableAttachment::new(Cursor::new(ciphertext), &pointer).unwrap();
    let expected = plaintext(4 * S + 10);
    // Segments 0, 1, 3, 4 still read; a range touching segment 2 fails and writes nothing of it.
    let mut out = vec![0u8; 2 * S];
    assert_eq!(seekable.read_at(0, &mut out).unwrap(), 2 * S);
    assert_eq!(out, expected[..2 * S]);
    let mut out = vec![0u8; 50];
    assert_eq!(seekable.read_at(3 * S as u64 + 20, &mut out).unwrap(), 50);
    assert_eq!(out, expected[3 * S + 20..3 * S + 70]);
    let mut out = vec![0u8; 10];
    assert_eq!(
        seekable.read_at(2 * S as u64 - 5, &mut out).unwrap_err(),
        Error::AttachmentSegmentInvalid { segment: 2 }
    );
    assert_eq!(out[5..], [0u8; 5]);
    // Through `Read`: the error is InvalidData carrying the hushwire error.
    seekable.read_at(0, &mut [0u8; 1]).unwrap();
    let mut all = Vec::new();
    let error = seekable.read_to_end(&mut all).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(
        error.get_ref().and_then(|e| e.downcast_ref::<Error>()),
        Some(&Error::AttachmentSegmentInvalid { segment: 2 })
    );
}

#[test]
fn a_stream_that_fails_stays_failed_and_releases_no_bad_segment() {
    let (mut ciphertext, pointer) = five_segments();
    let at = segment(&ciphertext, 3).start;
    ciphertext[at] ^= 1;
    let expected = plaintext(4 * S + 10);
    let mut opener = AttachmentOpener::new(ciphertext.as_slice(), &pointer).unwrap();
    for i in 0..3 {
        assert_eq!(
            opener.next_segment().unwrap().unwrap(),
            &expected[i * S..(i + 1) * S]
        );
    }
    for _ in 0..2 {
        assert_eq!(
            opener.next_segment().unwrap_err(),
            Error::AttachmentSegmentInvalid { segment: 3 }
        );
    }
    // Through `Read`: exactly the three good segments come out, then the error.
    let mut opener = AttachmentOpener::new(ciphertext.as_slice(), &pointer).unwrap();
    let mut out = Vec::new();
    let error = opener.read_to_end(&mut out).unwrap_err();
    assert_eq!(out, expected[..3 * S]);
    assert_eq!(
        error.get_ref().and_then(|e| e.downcast_ref::<Error>()),
        Some(&Error::AttachmentSegmentInvalid { segment: 3 })
    );
    // The final segment is held back until the digest is checked: a forged upload under the
    // same key yields no byte of its final segment.
    let (short_file, short_pointer) = sealed(5, 10, Padding::None);
    let mut forged = short_file.clone();
    forged[HEADER + 2] ^= 1;
    let key = payload_key(&short_pointer, &short_file[..HEADER]);
    forged.truncate(HEADER);
    forged.extend_from_slice(&reseal(&key, 0, Some(10), &[0x41; 10]));
    let mut opener = AttachmentOpener::new(forged.as_slice(), &short_pointer).unwrap();
    let mut out = Vec::new();
    let error = opener.read_to_end(&mut out).unwrap_err();
    assert!(out.is_empty());
    assert_eq!(
        error.get_ref().and_then(|e| e.downcast_ref::<Error>()),
        Some(&Error::AttachmentDigestMismatch)
    );
}

/// A reader that fails with `kind` after `after` bytes.
struct Failing<'a> {
    bytes: &'a [u8],
    after: usize,
    kind: std::io::ErrorKind,
}

impl Read for Failing<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.after == 0 {
            return Err(self.kind.into());
        }
        let n = out.len().min(self.after).min(self.bytes.len());
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        self.after -= n;
        Ok(n)
    }
}

#[test]
fn reader_and_writer_failures() {
    let (ciphertext, pointer) = five_segments();
    let kind = std::io::ErrorKind::ConnectionReset;
    let failing = Failing {
        bytes: &ciphertext,
        after: 10,
        kind,
    };
    assert_eq!(
        AttachmentOpener::new(failing, &pointer).err(),
        Some(Error::Io { kind })
    );
    let failing = Failing {
        bytes: &ciphertext,
        after: HEADER + 100,
        kind,
    };
    let mut opener = AttachmentOpener::new(failing, &pointer).unwrap();
    assert!(opener.next_segment().is_ok());
    assert_eq!(opener.next_segment().unwrap_err(), Error::Io { kind });
    // Interrupted reads are retried, not errors.
    struct Interrupting<'a>(&'a [u8], bool);
    impl Read for Interrupting<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            self.1 = !self.1;
            if self.1 {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let n = out.len().min(self.0.len()).min(7);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let mut out = Vec::new();
    AttachmentOpener::new(Interrupting(&ciphertext, false), &pointer)
        .unwrap()
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, plaintext(4 * S + 10));
    // A writer that fails: the sealer reports it and refuses every later call.
    struct Full(usize);
    impl std::io::Write for Full {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            if self.0 < data.len() {
                return Err(std::io::ErrorKind::StorageFull.into());
            }
            self.0 -= data.len();
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let full = Error::Io {
        kind: std::io::ErrorKind::StorageFull,
    };
    let mut sealer = AttachmentSealer::new(
        &mut rng(6),
        Full(HEADER + S),
        metadata(),
        options(Padding::None),
    )
    .unwrap();
    sealer.write_chunk(&[1; S]).unwrap();
    assert_eq!(sealer.write_chunk(&[2; S + 1]).unwrap_err(), full);
    assert_eq!(sealer.write_chunk(&[3]).unwrap_err(), full);
    assert_eq!(sealer.finish().err(), Some(full));
}

#[test]
fn a_refused_file_leaves_no_output() {
    let folder = std::env::temp_dir().join(format!("hushwire-refused-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let output = folder.join("parcel.jpg");
    let (mut ciphertext, pointer) = five_segments();
    let at = segment(&ciphertext, 4).start;
    ciphertext[at] ^= 1;
    assert_eq!(
        open_to_file(ciphertext.as_slice(), &pointer, &output).unwrap_err(),
        Error::AttachmentSegmentInvalid { segment: 4 }
    );
    assert!(!output.exists());
    // An existing file of that name is left as it was.
    std::fs::write(&output, b"before").unwrap();
    assert_eq!(
        open_to_file(&ciphertext[..100], &pointer, &output).unwrap_err(),
        Error::AttachmentTruncated { segment: 0 }
    );
    assert_eq!(std::fs::read(&output).unwrap(), b"before");
    // Nothing else is left in the folder: the temporary files were removed.
    let names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("parcel.jpg")]);
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn attachment_debug_and_errors_show_no_secret() {
    let (ciphertext, pointer) = five_segments();
    let key_hex = hex::encode(pointer.file_key().as_bytes());
    let payload_key_hex = hex::encode(payload_key(&pointer, &ciphertext[..HEADER]));
    let texts = [
        format!("{pointer:?}"),
        format!("{:?}", pointer.file_key()),
        format!("{:?}", Payload::Attachment(pointer.clone())),
        format!("{:?}", Payload::Application(b"secret text".to_vec())),
        format!("{:?}", open_error(&ciphertext[..HEADER + 3], &pointer)),
        format!("{}", open_error(&ciphertext[..HEADER + 3], &pointer)),
    ];
    for text in &texts {
        assert!(!text.contains(&key_hex), "{text}");
        assert!(!text.contains(&payload_key_hex), "{text}");
        assert!(
            !text.contains("secret text") && !text.contains("7365637265"),
            "{text}"
        );
    }
    assert!(texts[0].contains(&hex::encode(pointer.ciphertext_sha256())));
}

#[test]
fn a_pointer_that_claims_a_huge_file() {
    // A sender's pointer may claim up to 2^40 bytes; opening a short download with it reserves
    // nothing in proportion to the claim and is refused as cut short.
    let (ciphertext, pointer) = five_segments();
    let huge = AttachmentPointer::decode(&edit_pointer(&pointer, |p| p.size = MAX_ATTACHMENT_LEN))
        .unwrap();
    assert_eq!(
        open_error(&ciphertext, &huge),
        Error::AttachmentTruncated { segment: 4 }
    );
    assert_eq!(
        SeekableAttachment::new(Cursor::new(ciphertext), &huge).err(),
        Some(Error::AttachmentTruncated { segment: 4 })
    );
}
