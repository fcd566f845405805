//! attachment.json: attachments (SPEC.md section 16): PADMÉ, the payload key and commitment,
//! files sealed from chosen random bytes (every segment's nonce, plaintext and ciphertext),
//! opening them (one negative case per refusal of 16.4), random access, and decoding pointers
//! and payloads (one negative case per check of 16.5 and 16.6).
//!
//! Normal outputs come from hushwire's public API (sealing through an RNG that hands out the
//! case's random bytes); the runner then checks what it records against SPEC.md 16.2 with the
//! raw `hkdf` and `chacha20poly1305` crates, and fails the case if the two disagree. The
//! edited files of the negative cases are crafted here with those crates too.

use std::io::Cursor;

use chacha20poly1305::ChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload as AeadPayload};
use hkdf::Hkdf;
use hushwire::{
    ATTACHMENT_HEADER_LEN, AttachmentMetadata, AttachmentOpener, AttachmentOptions,
    AttachmentPointer, ContentType, CryptoProvider, Error, FileName, Padding, Payload,
    SeekableAttachment, SegmentSize, Thumbnail, padme, seal_bytes,
};
use prost::Message;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::json::{Fields, bytes, h, num};
use super::outputs;
use super::pb;
use super::rngs::FixedRng;
use super::seed;

/// The HKDF info label of SPEC.md 16.2, before the header's first three bytes.
const LABEL: &[u8] = b"hushwire/v1/attachment";
/// A segment's tag.
const TAG: usize = 16;
/// The largest encoded pointer (SPEC.md 16.5).
const MAX_POINTER: usize = 17408;

// ---------------------------------------------------------------------------------------------
// SPEC.md 16.2 with the raw crates

/// `info`, `payload_key` and `commitment` of SPEC.md 16.2, by HKDF-SHA256.
fn derive(file_key: &[u8; 32], prefix: &[u8; 3], salt: &[u8]) -> (Vec<u8>, [u8; 32], [u8; 32]) {
    let info = [LABEL, prefix].concat();
    let mut okm = [0u8; 64];
    // 64 bytes is far below HKDF-SHA256's limit of 8160: expand cannot fail.
    Hkdf::<Sha256>::new(Some(salt), file_key)
        .expand(&info, &mut okm)
        .expect("64 bytes of HKDF output");
    let mut payload_key = [0u8; 32];
    let mut commitment = [0u8; 32];
    payload_key.copy_from_slice(&okm[..32]);
    commitment.copy_from_slice(&okm[32..]);
    (info, payload_key, commitment)
}

/// `0x000000 || u64(i) || u8(final)` (SPEC.md 16.2).
fn nonce(i: u64, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&i.to_be_bytes());
    n[11] = u8::from(last);
    n
}

/// A segment's associated data (SPEC.md 16.2): `u64(L)` for the final segment of a file of
/// L bytes (`final_size`), empty for any other.
fn associated_data(final_size: Option<u64>) -> Vec<u8> {
    final_size.map_or_else(Vec::new, |size| size.to_be_bytes().to_vec())
}

/// Segment `i` sealed under `key` (ChaCha20-Poly1305): the final segment of a file of
/// `final_size` bytes when that is given.
fn seal_segment(key: &[u8; 32], i: u64, final_size: Option<u64>, body: &[u8]) -> Vec<u8> {
    ChaCha20Poly1305::new(key.into())
        .encrypt(
            &nonce(i, final_size.is_some()).into(),
            AeadPayload {
                msg: body,
                aad: &associated_data(final_size),
            },
        )
        .expect("sealing a segment")
}

/// Segment `i` opened under `key` (as the final segment of a file of `final_size` bytes when
/// that is given), or `None` if its tag does not verify.
fn open_segment(key: &[u8; 32], i: u64, final_size: Option<u64>, sealed: &[u8]) -> Option<Vec<u8>> {
    ChaCha20Poly1305::new(key.into())
        .decrypt(
            &nonce(i, final_size.is_some()).into(),
            AeadPayload {
                msg: sealed,
                aad: &associated_data(final_size),
            },
        )
        .ok()
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// The operation of one case, chosen by its single top-level key (test-vectors/README.md).
pub(super) enum AttachmentInput {
    /// `padme`: {`lengths`}.
    Padme(Vec<u64>),
    /// `derive`: {`file_key`, `header_prefix`, `salt`}.
    Derive {
        file_key: [u8; 32],
        prefix: [u8; 3],
        salt: [u8; 32],
    },
    /// `seal`: a file sealed from chosen random bytes.
    Seal(SealInput),
    /// `open`: {`pointer`, `ciphertext`}.
    Open {
        pointer: Vec<u8>,
        ciphertext: Vec<u8>,
    },
    /// `read_range`: {`pointer`, `ciphertext`, `offset`, `len`}.
    ReadRange {
        pointer: Vec<u8>,
        ciphertext: Vec<u8>,
        offset: u64,
        len: u64,
    },
    /// `pointer`: an encoded AttachmentPointer to decode.
    Pointer(Vec<u8>),
    /// `payload`: an encoded Payload to decode.
    Payload(Vec<u8>),
}

/// The `seal` operation's input.
pub(super) struct SealInput {
    random: Vec<u8>,
    segment_log2: u8,
    padding: Padding,
    plaintext: Vec<u8>,
    content_type: String,
    file_name: Option<String>,
    thumbnail: Option<Vec<u8>>,
}

/// The operation keys, in the order the README's table lists them.
const KINDS: [&str; 7] = [
    "padme",
    "derive",
    "seal",
    "open",
    "read_range",
    "pointer",
    "payload",
];

/// The string or `null` under `key`.
fn nullable_str(f: &Fields<'_>, key: &str) -> Result<Option<String>, String> {
    match f.value(key)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(format!("{key}: expected a string or null")),
    }
}

/// The hex string or `null` under `key`, as bytes.
fn nullable_bytes(f: &Fields<'_>, key: &str) -> Result<Option<Vec<u8>>, String> {
    match f.value(key)? {
        Value::Null => Ok(None),
        v => bytes(v).map(Some).map_err(|e| format!("{key}: {e}")),
    }
}

impl AttachmentInput {
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let root = Fields::of(value, &[], &KINDS)?;
        let present: Vec<&str> = KINDS
            .iter()
            .copied()
            .filter(|k| root.get(k).is_some())
            .collect();
        let kind = match present.as_slice() {
            [kind] => *kind,
            [] => return Err(format!("missing key: one of {}", KINDS.join(", "))),
            more => return Err(format!("more than one operation: {}", more.join(", "))),
        };
        Ok(match kind {
            "padme" => {
                let f = root.object(kind, &["lengths"], &[])?;
                let lengths = f
                    .value("lengths")?
                    .as_array()
                    .ok_or("lengths: expected an array")?
                    .iter()
                    .map(|v| num(v).map_err(|e| format!("lengths: {e}")))
                    .collect::<Result<_, _>>()?;
                Self::Padme(lengths)
            }
            "derive" => {
                let f = root.object(kind, &["file_key", "header_prefix", "salt"], &[])?;
                Self::Derive {
                    file_key: f.b32("file_key")?,
                    prefix: f
                        .bytes("header_prefix")?
                        .try_into()
                        .map_err(|_| "header_prefix: expected 3 bytes")?,
                    salt: f.b32("salt")?,
                }
            }
            "seal" => {
                let f = root.object(
                    kind,
                    &[
                        "random",
                        "segment_log2",
                        "padding",
                        "plaintext",
                        "content_type",
                        "file_name",
                        "thumbnail",
                    ],
                    &[],
                )?;
                let random = f.bytes("random")?;
                if random.len() != 64 {
                    return Err("random: expected 64 bytes".into());
                }
                let segment_log2 = u8::try_from(f.u64("segment_log2")?)
                    .map_err(|_| "segment_log2: expected a number below 256")?;
                let padding = match f.str("padding")? {
                    "padme" => Padding::Padme,
                    "none" => Padding::None,
                    other => return Err(format!("padding: unknown scheme {other}")),
                };
                Self::Seal(SealInput {
                    random,
                    segment_log2,
                    padding,
                    plaintext: f.bytes("plaintext")?,
                    content_type: f.str("content_type")?.to_string(),
                    file_name: nullable_str(&f, "file_name")?,
                    thumbnail: nullable_bytes(&f, "thumbnail")?,
                })
            }
            "open" => {
                let f = root.object(kind, &["pointer", "ciphertext"], &[])?;
                Self::Open {
                    pointer: f.bytes("pointer")?,
                    ciphertext: f.bytes("ciphertext")?,
                }
            }
            "read_range" => {
                let f = root.object(kind, &["pointer", "ciphertext", "offset", "len"], &[])?;
                Self::ReadRange {
                    pointer: f.bytes("pointer")?,
                    ciphertext: f.bytes("ciphertext")?,
                    offset: f.u64("offset")?,
                    len: f.u64("len")?,
                }
            }
            "pointer" => Self::Pointer(root.bytes("pointer")?),
            _ => Self::Payload(root.bytes("payload")?),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Outputs

/// An error as the file records it: its name and its SPEC.md 8.1 values (`segment`, `reason`
/// besides those of [`outputs::error`]).
fn error(e: &Error) -> Value {
    let mut out = outputs::error(e);
    let extra = match e {
        Error::InvalidAttachmentPointer { reason } | Error::InvalidAttachmentHeader { reason } => {
            json!({ "reason": reason })
        }
        Error::AttachmentTruncated { segment } | Error::AttachmentSegmentInvalid { segment } => {
            json!({ "segment": segment })
        }
        _ => json!({}),
    };
    if let (Some(out), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
        out.extend(extra.clone());
    }
    out
}

/// A decoded pointer's fields.
fn pointer_json(p: &AttachmentPointer) -> Value {
    let m = p.metadata();
    json!({
        "file_key": h(p.file_key().as_bytes()),
        "ciphertext_sha256": h(p.ciphertext_sha256()),
        "size": p.size(),
        "content_type": m.content_type.as_str(),
        "file_name": m.file_name.as_ref().map(|n| n.as_str()),
        "thumbnail": m.thumbnail.as_ref().map(|t| h(t.as_bytes())),
    })
}

/// The whole file opened as a stream (SPEC.md 16.4), with `p`'s ChaCha20-Poly1305.
fn open(
    ciphertext: &[u8],
    pointer: &AttachmentPointer,
    p: &'static CryptoProvider,
) -> Result<Vec<u8>, Error> {
    let mut opener = AttachmentOpener::with_provider(ciphertext, pointer, p)?;
    let mut plaintext = Vec::new();
    while let Some(segment) = opener.next_segment()? {
        plaintext.extend_from_slice(segment);
    }
    Ok(plaintext)
}

fn metadata(s: &SealInput) -> Result<AttachmentMetadata, Error> {
    let mut m = AttachmentMetadata::new(ContentType::new(&s.content_type)?);
    if let Some(name) = &s.file_name {
        m = m.with_file_name(FileName::new(name)?);
    }
    if let Some(thumbnail) = &s.thumbnail {
        m = m.with_thumbnail(Thumbnail::new(thumbnail.clone())?);
    }
    Ok(m)
}

fn seal(s: &SealInput, p: &'static CryptoProvider) -> Result<Value, String> {
    let segment_size = match SegmentSize::from_log2(s.segment_log2) {
        Ok(size) => size,
        Err(e) => return Ok(error(&e)),
    };
    let metadata = match metadata(s) {
        Ok(m) => m,
        Err(e) => return Ok(error(&e)),
    };
    let options = AttachmentOptions {
        segment_size,
        padding: s.padding,
        provider: p,
    };
    let (ciphertext, pointer) = match seal_bytes(
        &mut FixedRng(s.random.clone()),
        &s.plaintext,
        metadata,
        options,
    ) {
        Ok(sealed) => sealed,
        Err(e) => return Ok(error(&e)),
    };
    // What hushwire wrote, checked against SPEC.md 16.1 and 16.2 by hand.
    let file_key = *pointer.file_key().as_bytes();
    if file_key[..] != s.random[..32] {
        return Err("the file key is not the first 32 random bytes (16.1)".into());
    }
    let header = ciphertext
        .get(..ATTACHMENT_HEADER_LEN)
        .ok_or("the ciphertext is shorter than a header")?;
    let prefix = [1, s.segment_log2, u8::from(s.padding == Padding::Padme)];
    let (_, payload_key, commitment) = derive(&file_key, &prefix, &s.random[32..]);
    if header != [&prefix[..], &s.random[32..], &commitment].concat() {
        return Err("the header is not 16.2's".into());
    }
    let size = s.plaintext.len() as u64;
    let padded = s.padding.padded_len(size);
    let segment = segment_size.bytes() as u64;
    let n = padded.div_ceil(segment).max(1);
    let mut stream = s.plaintext.clone();
    stream.resize(usize::try_from(padded).map_err(|e| e.to_string())?, 0);
    let mut segments = Vec::new();
    let mut at = ATTACHMENT_HEADER_LEN;
    for (i, body) in (0..n).zip(stream.chunks(segment_size.bytes()).chain(
        // An empty file is one empty final segment.
        (stream.is_empty()).then_some(&[][..]),
    )) {
        let last = i == n - 1;
        let sealed = ciphertext
            .get(at..at + body.len() + TAG)
            .ok_or("the ciphertext is shorter than 16.2's layout")?;
        let final_size = last.then_some(size);
        if open_segment(&payload_key, i, final_size, sealed).as_deref() != Some(body) {
            return Err(format!("segment {i} does not open to its plaintext (16.2)"));
        }
        segments.push(json!({
            "nonce": h(nonce(i, last)),
            "associated_data": h(associated_data(final_size)),
            "plaintext": h(body),
            "ciphertext": h(sealed),
        }));
        at += sealed.len();
    }
    if at != ciphertext.len() || segments.len() as u64 != n {
        return Err("the ciphertext is not 16.2's layout".into());
    }
    if open(&ciphertext, &pointer, p).map_err(|e| format!("{e:?}"))? != s.plaintext {
        return Err("the file does not open to its plaintext".into());
    }
    if Sha256::digest(&ciphertext)[..] != pointer.ciphertext_sha256()[..] {
        return Err("the pointer's digest is not the ciphertext's".into());
    }
    let payload = Payload::Attachment(pointer.clone()).encode();
    Ok(json!({
        "file_key": h(file_key),
        "salt": h(&header[3..35]),
        "header": h(header),
        "padded_len": padded,
        "segments": segments,
        "ciphertext": h(&ciphertext),
        "ciphertext_sha256": h(pointer.ciphertext_sha256()),
        "pointer": h(&*pointer.encode()),
        "payload": h(&*payload),
    }))
}

/// The payload key and commitment, cross-checked against what hushwire seals when the prefix
/// is one it writes (version 1, a segment size of 16.2, a padding code).
fn derive_case(
    file_key: &[u8; 32],
    prefix: &[u8; 3],
    salt: &[u8; 32],
    p: &'static CryptoProvider,
) -> Result<Value, String> {
    let (info, payload_key, commitment) = derive(file_key, prefix, salt);
    let padding = match prefix[2] {
        0 => Some(Padding::None),
        1 => Some(Padding::Padme),
        _ => None,
    };
    if let (1, Ok(segment_size), Some(padding)) =
        (prefix[0], SegmentSize::from_log2(prefix[1]), padding)
    {
        let metadata = AttachmentMetadata::new(
            ContentType::new("application/octet-stream").map_err(|e| format!("{e:?}"))?,
        );
        let options = AttachmentOptions {
            segment_size,
            padding,
            provider: p,
        };
        let random = [&file_key[..], &salt[..]].concat();
        let (ciphertext, _) = seal_bytes(&mut FixedRng(random), &[], metadata, options)
            .map_err(|e| format!("{e:?}"))?;
        if ciphertext.get(35..67) != Some(&commitment[..]) {
            return Err("hushwire's commitment differs".into());
        }
        let sealed = ciphertext.get(67..).unwrap_or_default();
        if open_segment(&payload_key, 0, Some(0), sealed).is_none() {
            return Err("hushwire's payload key differs".into());
        }
    }
    Ok(json!({
        "info": h(info),
        "payload_key": h(payload_key),
        "commitment": h(commitment),
    }))
}

pub(super) fn compute(
    input: &AttachmentInput,
    p: &'static CryptoProvider,
) -> Result<Value, String> {
    Ok(match input {
        AttachmentInput::Padme(lengths) => {
            json!({ "padded_lengths": lengths.iter().map(|&l| padme(l)).collect::<Vec<_>>() })
        }
        AttachmentInput::Derive {
            file_key,
            prefix,
            salt,
        } => derive_case(file_key, prefix, salt, p)?,
        AttachmentInput::Seal(s) => seal(s, p)?,
        AttachmentInput::Open {
            pointer,
            ciphertext,
        } => match AttachmentPointer::decode(pointer) {
            Err(e) => error(&e),
            Ok(pointer) => match open(ciphertext, &pointer, p) {
                Ok(plaintext) => json!({ "plaintext": h(plaintext) }),
                Err(e) => error(&e),
            },
        },
        AttachmentInput::ReadRange {
            pointer,
            ciphertext,
            offset,
            len,
        } => match read_range(pointer, ciphertext, *offset, *len, p) {
            Ok(plaintext) => json!({ "plaintext": h(plaintext) }),
            Err(e) => error(&e),
        },
        AttachmentInput::Pointer(bytes) => match AttachmentPointer::decode(bytes) {
            Ok(pointer) => pointer_json(&pointer),
            Err(e) => error(&e),
        },
        AttachmentInput::Payload(bytes) => match Payload::decode(bytes) {
            Ok(Payload::Application(a)) => json!({ "application": h(a) }),
            Ok(Payload::Attachment(pointer)) => json!({ "attachment": pointer_json(&pointer) }),
            Err(e) => error(&e),
        },
    })
}

/// Random access (SPEC.md 16.4): `len` bytes from `offset`, fewer at the end of the file.
fn read_range(
    pointer: &[u8],
    ciphertext: &[u8],
    offset: u64,
    len: u64,
    p: &'static CryptoProvider,
) -> Result<Vec<u8>, Error> {
    let pointer = AttachmentPointer::decode(pointer)?;
    let mut file = SeekableAttachment::with_provider(Cursor::new(ciphertext), &pointer, p)?;
    // The length was checked: the plaintext is no longer than the ciphertext in memory, so
    // this buffer is bounded by the case's own size.
    let wanted = len.min(file.size().saturating_sub(offset));
    let mut out = vec![0u8; usize::try_from(wanted).unwrap_or(0)];
    let written = file.read_at(offset, &mut out)?;
    out.truncate(written);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Generated inputs

/// `n` bytes of ASCII text (never a zero byte, so every data byte differs from padding).
fn text(n: usize) -> Vec<u8> {
    b"Quarterly figures, page 7: revenue up, costs down. "
        .iter()
        .cycle()
        .take(n)
        .copied()
        .collect()
}

/// A file sealed for the cases, and what crafting edited copies needs.
#[derive(Clone)]
struct File {
    input: Value,
    plaintext: Vec<u8>,
    ciphertext: Vec<u8>,
    pointer: Vec<u8>,
    payload: Vec<u8>,
    payload_key: [u8; 32],
    segment: usize,
    padded: usize,
    segments: u64,
}

impl File {
    /// Seals `plaintext` with the random bytes seed(`a`) || seed(`b`) (file key, then salt)
    /// and the metadata (content type, file name, thumbnail).
    fn seal(
        (a, b): (u8, u8),
        log2: u8,
        padding: Padding,
        plaintext: Vec<u8>,
        (content_type, file_name, thumbnail): (&str, Option<&str>, Option<Vec<u8>>),
    ) -> Self {
        let random = [seed(a), seed(b)].concat();
        let input = json!({ "seal": {
            "random": h(&random),
            "segment_log2": log2,
            "padding": if padding == Padding::Padme { "padme" } else { "none" },
            "plaintext": h(&plaintext),
            "content_type": content_type,
            "file_name": file_name,
            "thumbnail": thumbnail.as_ref().map(h),
        }});
        let mut metadata = AttachmentMetadata::new(ContentType::new(content_type).unwrap());
        if let Some(name) = file_name {
            metadata = metadata.with_file_name(FileName::new(name).unwrap());
        }
        if let Some(t) = thumbnail {
            metadata = metadata.with_thumbnail(Thumbnail::new(t).unwrap());
        }
        let options = AttachmentOptions {
            segment_size: SegmentSize::from_log2(log2).unwrap(),
            padding,
            ..AttachmentOptions::default()
        };
        let (ciphertext, pointer) =
            seal_bytes(&mut FixedRng(random.clone()), &plaintext, metadata, options).unwrap();
        let prefix = [ciphertext[0], ciphertext[1], ciphertext[2]];
        let (_, payload_key, _) = derive(&seed(a), &prefix, &seed(b));
        let segment = 1usize << log2;
        let padded = padding.padded_len(plaintext.len() as u64) as usize;
        Self {
            input,
            plaintext,
            payload: Payload::Attachment(pointer.clone()).encode().to_vec(),
            pointer: pointer.encode().to_vec(),
            ciphertext,
            payload_key,
            segment,
            padded,
            segments: (padded.div_ceil(segment).max(1)) as u64,
        }
    }

    /// The plaintext's length L.
    fn size(&self) -> u64 {
        self.plaintext.len() as u64
    }

    /// Where segment `i` lies in the ciphertext.
    fn range(&self, i: u64) -> std::ops::Range<usize> {
        let start = ATTACHMENT_HEADER_LEN + i as usize * (self.segment + TAG);
        let body = if i + 1 < self.segments {
            self.segment
        } else {
            self.padded - (self.segments as usize - 1) * self.segment
        };
        start..start + body + TAG
    }

    /// Segment `i` as sealed.
    fn sealed(&self, i: u64) -> Vec<u8> {
        self.ciphertext[self.range(i)].to_vec()
    }

    /// The padded plaintext of segment `i`.
    fn body(&self, i: u64) -> Vec<u8> {
        let mut stream = self.plaintext.clone();
        stream.resize(self.padded, 0);
        let start = i as usize * self.segment;
        stream[start..(start + self.segment).min(self.padded)].to_vec()
    }

    /// The ciphertext with segment `i` replaced by `sealed`.
    fn with_segment(&self, i: u64, sealed: &[u8]) -> Vec<u8> {
        let mut out = self.ciphertext.clone();
        out.splice(self.range(i), sealed.iter().copied());
        out
    }

    /// This file's pointer with `edit` applied, re-encoded.
    fn pointer_with(&self, edit: impl FnOnce(&mut pb::AttachmentPointer)) -> Vec<u8> {
        let mut p = pb::AttachmentPointer::decode(self.pointer.as_slice()).unwrap();
        edit(&mut p);
        p.encode_to_vec()
    }

    /// This file's pointer naming the SHA-256 of `ciphertext` instead.
    fn pointer_for(&self, ciphertext: &[u8]) -> Vec<u8> {
        self.pointer_with(|p| p.ciphertext_sha256 = Sha256::digest(ciphertext).to_vec())
    }
}

fn open_case(pointer: &[u8], ciphertext: &[u8]) -> Value {
    json!({ "open": { "pointer": h(pointer), "ciphertext": h(ciphertext) } })
}

fn range_case(pointer: &[u8], ciphertext: &[u8], offset: u64, len: u64) -> Value {
    json!({ "read_range": {
        "pointer": h(pointer), "ciphertext": h(ciphertext), "offset": offset, "len": len } })
}

/// A protobuf varint (SPEC.md 7.1), for the hand-made encodings.
fn varint(mut n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out
}

/// A varint field, written even when 0.
fn vf(field: u64, value: u64) -> Vec<u8> {
    [varint(field << 3), varint(value)].concat()
}

/// A length-delimited field.
fn ld(field: u64, data: &[u8]) -> Vec<u8> {
    [
        varint(field << 3 | 2),
        varint(data.len() as u64),
        data.to_vec(),
    ]
    .concat()
}

/// A thumbnail's bytes: a recognisable pattern of `n` bytes.
fn picture(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 37 + 11) as u8).collect()
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    let mut cases: Vec<(&'static str, Value)> = Vec::new();

    // ---- PADMÉ (16.3) ----
    let named: Vec<u64> = vec![
        0,
        1,
        2,
        3,
        4,
        5,
        7,
        8,
        9,
        15,
        16,
        17,
        31,
        32,
        33,
        63,
        64,
        65,
        100,
        127,
        128,
        129,
        200,
        255,
        256,
        257,
        1000,
        1023,
        1024,
        1025,
        2049,
        4095,
        4096,
        4097,
        65535,
        65536,
        65537,
        1048575,
        1048576,
        1048577,
        10000019,
        (1 << 32) - 1,
        1 << 32,
        (1 << 32) + 1,
        (1 << 40) - 1,
        1 << 40,
    ];
    cases.push((
        "PADMÉ of chosen lengths, 0 to 2^40 (16.3, with its three examples)",
        json!({ "padme": { "lengths": named } }),
    ));
    let powers: Vec<u64> = (1..=40u32)
        .flat_map(|k| [(1u64 << k) - 1, 1 << k, (1 << k) + 1])
        .collect();
    cases.push((
        "PADMÉ of 2^k − 1, 2^k and 2^k + 1 for k = 1 to 40",
        json!({ "padme": { "lengths": powers } }),
    ));

    // ---- Keys (16.2) ----
    for (comment, key, prefix, salt) in [
        (
            "payload key and commitment: version 1, k = 16, PADMÉ",
            1u8,
            [1u8, 16, 1],
            2u8,
        ),
        (
            "payload key and commitment: version 1, k = 6, no padding",
            1,
            [1, 6, 0],
            2,
        ),
        (
            "payload key and commitment: version 1, k = 20, PADMÉ, another key and salt",
            3,
            [1, 20, 1],
            4,
        ),
    ] {
        cases.push((
            comment,
            json!({ "derive": {
                "file_key": h(seed(key)), "header_prefix": h(prefix), "salt": h(seed(salt)) } }),
        ));
    }

    // ---- Sealing (16.1, 16.2) ----
    let report = || ("application/pdf", Some("report.pdf"), Some(picture(24)));
    let a = File::seal((40, 41), 6, Padding::Padme, text(200), report());
    // The same file under the same file key, with another salt (a second upload).
    let b = File::seal((40, 42), 6, Padding::Padme, text(200), report());
    let plain = ("text/plain", None, None);
    let empty = File::seal((43, 44), 6, Padding::Padme, vec![], plain.clone());
    let one = File::seal(
        (45, 46),
        6,
        Padding::Padme,
        b"x".to_vec(),
        ("application/octet-stream", None, Some(picture(1))),
    );
    let full = File::seal((47, 48), 6, Padding::Padme, text(64), plain.clone());
    let full_plus_one = File::seal(
        (49, 50),
        6,
        Padding::None,
        text(65),
        ("text/plain", Some("notes.txt"), None),
    );
    let unpadded = File::seal(
        (51, 52),
        6,
        Padding::None,
        text(200),
        ("application/pdf", Some("report.pdf"), None),
    );
    let whole = File::seal(
        (53, 54),
        6,
        Padding::Padme,
        text(2049),
        ("text/csv", None, None),
    );
    let k7 = File::seal(
        (55, 56),
        7,
        Padding::Padme,
        text(300),
        ("video/mp4", Some("Rechnung März.mp4"), Some(picture(40))),
    );
    let k16 = File::seal(
        (57, 58),
        16,
        Padding::Padme,
        text(50),
        ("text/plain", Some("a.txt"), None),
    );
    for (comment, file) in [
        ("seal: an empty file, one empty final segment", &empty),
        (
            "seal: 1 byte (PADMÉ leaves lengths below 2 as they are), with a thumbnail",
            &one,
        ),
        ("seal: exactly one full segment (64 bytes, k = 6)", &full),
        (
            "seal: one full segment + 1 byte, no padding, with a file name",
            &full_plus_one,
        ),
        (
            "seal: 200 bytes, PADMÉ to 208, four segments, with a file name and a thumbnail",
            &a,
        ),
        (
            "seal: the same 200 bytes under the same file key with another salt: every segment differs",
            &b,
        ),
        (
            "seal: the same 200 bytes without padding: the final segment holds 8 bytes",
            &unpadded,
        ),
        (
            "seal: 2049 bytes, PADMÉ to 2176: the final segment (34th) is all padding, the 33rd mostly",
            &whole,
        ),
        (
            "seal: 300 bytes with k = 7 (128-byte segments), PADMÉ to 304",
            &k7,
        ),
        ("seal: 50 bytes with the default k = 16, PADMÉ to 52", &k16),
    ] {
        cases.push((comment, file.input.clone()));
    }

    // ---- Opening (16.4) ----
    let ct = &a.ciphertext;
    let header_edit = |i: usize, value: u8| {
        let mut c = ct.clone();
        c[i] = value;
        c
    };
    let flipped = |mut c: Vec<u8>, i: usize, mask: u8| {
        c[i] ^= mask;
        c
    };
    let opens: Vec<(&'static str, Value)> = vec![
        ("open: the 200-byte file", open_case(&a.pointer, ct)),
        (
            "open: the empty file",
            open_case(&empty.pointer, &empty.ciphertext),
        ),
        (
            "open: the 1-byte file",
            open_case(&one.pointer, &one.ciphertext),
        ),
        (
            "open: one full segment + 1 byte, no padding",
            open_case(&full_plus_one.pointer, &full_plus_one.ciphertext),
        ),
        (
            "open: the file whose final segment is all padding",
            open_case(&whole.pointer, &whole.ciphertext),
        ),
        (
            "open: the k = 16 file",
            open_case(&k16.pointer, &k16.ciphertext),
        ),
        (
            "open: the k = 7 file",
            open_case(&k7.pointer, &k7.ciphertext),
        ),
        (
            "open: refused, a pointer whose size is one more (201) with the same padded length (208): the final segment's associated data is u64(200)",
            open_case(&a.pointer_with(|p| p.size = 201), ct),
        ),
        (
            "open: refused, an empty ciphertext (16.4 step 1)",
            open_case(&a.pointer, &[]),
        ),
        (
            "open: refused, the header cut short (66 bytes)",
            open_case(&a.pointer, &ct[..66]),
        ),
        (
            "open: refused, header version 2 (step 2)",
            open_case(&a.pointer, &header_edit(0, 2)),
        ),
        (
            "open: refused, header version 0",
            open_case(&a.pointer, &header_edit(0, 0)),
        ),
        (
            "open: refused, segment size 2^5 (step 3)",
            open_case(&a.pointer, &header_edit(1, 5)),
        ),
        (
            "open: refused, segment size 2^21",
            open_case(&a.pointer, &header_edit(1, 21)),
        ),
        (
            "open: refused, padding code 2",
            open_case(&a.pointer, &header_edit(2, 2)),
        ),
        (
            "open: refused, version 2 and segment size 2^5: the version is checked first",
            open_case(&a.pointer, &{
                let mut c = header_edit(0, 2);
                c[1] = 5;
                c
            }),
        ),
        (
            "open: refused, a changed salt byte (step 4)",
            open_case(&a.pointer, &flipped(ct.clone(), 3, 0x01)),
        ),
        (
            "open: refused, another file key in the pointer",
            open_case(&a.pointer_with(|p| p.file_key = seed(99).to_vec()), ct),
        ),
        (
            "open: refused, header byte 1 changed to another valid segment size (2^7)",
            open_case(&a.pointer, &header_edit(1, 7)),
        ),
        (
            "open: refused, header byte 2 changed to the other valid padding code (0)",
            open_case(&a.pointer, &header_edit(2, 0)),
        ),
        (
            "open: refused, a changed commitment byte",
            open_case(&a.pointer, &flipped(ct.clone(), 66, 0x80)),
        ),
        (
            "open: refused, only the header (step 5a, segment 0)",
            open_case(&a.pointer, &ct[..ATTACHMENT_HEADER_LEN]),
        ),
        (
            "open: refused, cut inside segment 1",
            open_case(&a.pointer, &ct[..a.range(1).start + 40]),
        ),
        (
            "open: refused, cut at a segment boundary: the final segment (3) is missing",
            open_case(&a.pointer, &ct[..a.range(3).start]),
        ),
        (
            "open: refused, the final segment's last byte missing",
            open_case(&a.pointer, &ct[..ct.len() - 1]),
        ),
        (
            "open: refused, segments 0 and 1 swapped (step 5b)",
            open_case(&a.pointer, &{
                let mut c = a.with_segment(0, &a.sealed(1));
                c.splice(a.range(1), a.sealed(0));
                c
            }),
        ),
        (
            "open: refused, segment 0 duplicated (inserted again after itself)",
            open_case(
                &a.pointer,
                &[
                    &ct[..a.range(1).start],
                    &a.sealed(0),
                    &ct[a.range(1).start..],
                ]
                .concat(),
            ),
        ),
        (
            "open: refused, segment 1 taken from another seal under the same file key (another salt)",
            open_case(&a.pointer, &a.with_segment(1, &b.sealed(1))),
        ),
        (
            "open: refused, segment 1 re-sealed with the final flag",
            open_case(
                &a.pointer,
                &a.with_segment(
                    1,
                    &seal_segment(&a.payload_key, 1, Some(a.size()), &a.body(1)),
                ),
            ),
        ),
        (
            "open: refused, the final segment re-sealed with the associated data of another size (201, the same padded length)",
            open_case(
                &a.pointer,
                &a.with_segment(3, &seal_segment(&a.payload_key, 3, Some(201), &a.body(3))),
            ),
        ),
        (
            "open: refused, the final segment re-sealed without the final flag",
            open_case(
                &a.pointer,
                &a.with_segment(3, &seal_segment(&a.payload_key, 3, None, &a.body(3))),
            ),
        ),
        (
            "open: refused, segment 1's tag with one bit flipped",
            open_case(&a.pointer, &flipped(ct.clone(), a.range(1).end - 1, 0x01)),
        ),
        (
            "open: refused, the final segment's first ciphertext byte with one bit flipped",
            open_case(&a.pointer, &flipped(ct.clone(), a.range(3).start, 0x01)),
        ),
        (
            "open: refused, a fifth segment (sealed as segment 4, final) after the final one (step 5c)",
            open_case(
                &a.pointer,
                &[
                    &ct[..],
                    &seal_segment(&a.payload_key, 4, Some(a.size()), &[0; 16]),
                ]
                .concat(),
            ),
        ),
        (
            "open: refused, one byte after the final segment",
            open_case(&a.pointer, &[&ct[..], &[0]].concat()),
        ),
        (
            "open: refused, one byte after the empty file's only segment",
            open_case(&empty.pointer, &[&empty.ciphertext[..], &[0]].concat()),
        ),
        {
            let mut body = a.body(3);
            body[15] = 0x01;
            let c = a.with_segment(3, &seal_segment(&a.payload_key, 3, Some(a.size()), &body));
            (
                "open: refused, a non-zero padding byte in the final segment, sealed with the payload key; the pointer names this ciphertext's digest (step 5d)",
                open_case(&a.pointer_for(&c), &c),
            )
        },
        {
            let mut body = whole.body(33);
            body[63] = 0x80;
            let c = whole.with_segment(
                33,
                &seal_segment(&whole.payload_key, 33, Some(whole.size()), &body),
            );
            (
                "open: refused, a non-zero byte in the final segment made only of padding",
                open_case(&whole.pointer_for(&c), &c),
            )
        },
        {
            let mut body = whole.body(32);
            body[10] = 0x20;
            let c = whole.with_segment(32, &seal_segment(&whole.payload_key, 32, None, &body));
            (
                "open: refused, a non-zero padding byte in segment 32, before the final one",
                open_case(&whole.pointer_for(&c), &c),
            )
        },
        (
            "open: refused, a second seal of the same file under the same file key, opened with the first pointer (step 5e)",
            open_case(&a.pointer, &b.ciphertext),
        ),
        (
            "open: refused, the pointer's digest with one bit flipped",
            open_case(&a.pointer_with(|p| p.ciphertext_sha256[0] ^= 0x01), ct),
        ),
        (
            "open: refused, a pointer size of 100 (two segments expected): segment 1 is read as a final one of 40 bytes",
            open_case(&a.pointer_with(|p| p.size = 100), ct),
        ),
        (
            "open: refused, a pointer size of 64 (one segment expected): segment 0 is read as final",
            open_case(&a.pointer_with(|p| p.size = 64), ct),
        ),
        (
            "open: refused, a pointer size of 300 (five segments expected): the file ends inside segment 3",
            open_case(&a.pointer_with(|p| p.size = 300), ct),
        ),
        (
            "open: refused, a pointer size of 199 with the same padded length (208): the final segment's associated data is u64(200)",
            open_case(&a.pointer_with(|p| p.size = 199), ct),
        ),
        (
            "open: refused, the empty file under a pointer of size 1: its segment is 1 + 16 bytes, the file has 16",
            open_case(&empty.pointer_with(|p| p.size = 1), &empty.ciphertext),
        ),
        (
            "open: refused, the pointer does not decode (version 2): nothing is read",
            open_case(&a.pointer_with(|p| p.version = 2), ct),
        ),
    ];
    cases.extend(opens);

    // ---- Random access (16.4) ----
    let corrupted = |file: &File, i: u64| {
        let mut c = file.ciphertext.clone();
        c[file.range(i).start + 2] ^= 0x04;
        c
    };
    let bad_padding = {
        let mut body = a.body(3);
        body[12] = 0x01;
        a.with_segment(3, &seal_segment(&a.payload_key, 3, Some(a.size()), &body))
    };
    let swapped = {
        let mut c = a.with_segment(1, &a.sealed(2));
        c.splice(a.range(2), a.sealed(1));
        c
    };
    let ranges: Vec<(&'static str, Value)> = vec![
        (
            "read_range: the whole file",
            range_case(&a.pointer, ct, 0, 200),
        ),
        (
            "read_range: 10 bytes across segments 0 and 1",
            range_case(&a.pointer, ct, 60, 10),
        ),
        (
            "read_range: 180 bytes across all four segments",
            range_case(&a.pointer, ct, 10, 180),
        ),
        (
            "read_range: the last 10 bytes",
            range_case(&a.pointer, ct, 190, 10),
        ),
        (
            "read_range: 100 bytes from 150: clamped to the 50 before the end",
            range_case(&a.pointer, ct, 150, 100),
        ),
        (
            "read_range: from the end: nothing",
            range_case(&a.pointer, ct, 200, 10),
        ),
        (
            "read_range: far past the end: nothing",
            range_case(&a.pointer, ct, 5000, 10),
        ),
        ("read_range: 0 bytes", range_case(&a.pointer, ct, 64, 0)),
        (
            "read_range: the empty file",
            range_case(&empty.pointer, &empty.ciphertext, 0, 10),
        ),
        (
            "read_range: the k = 7 file, 100 bytes across segments 1 and 2",
            range_case(&k7.pointer, &k7.ciphertext, 200, 100),
        ),
        (
            "read_range: the k = 16 file, from byte 45",
            range_case(&k16.pointer, &k16.ciphertext, 45, 64),
        ),
        (
            "read_range: the data byte of segment 32 of the file with a padding-only final segment",
            range_case(&whole.pointer, &whole.ciphertext, 2048, 1),
        ),
        (
            "read_range: refused, the header cut short",
            range_case(&a.pointer, &ct[..50], 0, 10),
        ),
        (
            "read_range: refused, another file key",
            range_case(
                &a.pointer_with(|p| p.file_key = seed(99).to_vec()),
                ct,
                0,
                10,
            ),
        ),
        (
            "read_range: refused, one byte short: 3 complete segments",
            range_case(&a.pointer, &ct[..ct.len() - 1], 0, 10),
        ),
        (
            "read_range: refused, only the header and segment 0: 1 complete segment",
            range_case(&a.pointer, &ct[..a.range(1).start], 0, 10),
        ),
        (
            "read_range: refused, only the header: 0 complete segments",
            range_case(&a.pointer, &ct[..ATTACHMENT_HEADER_LEN], 0, 10),
        ),
        (
            "read_range: refused, one byte too many",
            range_case(&a.pointer, &[&ct[..], &[0]].concat(), 0, 10),
        ),
        (
            "read_range: refused, a segment appended",
            range_case(
                &a.pointer,
                &[
                    &ct[..],
                    &seal_segment(&a.payload_key, 4, Some(a.size()), &[0; 16]),
                ]
                .concat(),
                0,
                10,
            ),
        ),
        (
            "read_range: refused, a pointer size of 300: the file is too short for it",
            range_case(&a.pointer_with(|p| p.size = 300), ct, 0, 10),
        ),
        (
            "read_range: refused, a pointer size of 100: the file is too long for it",
            range_case(&a.pointer_with(|p| p.size = 100), ct, 0, 10),
        ),
        (
            "read_range: segment 3 corrupted, bytes of segment 0 read: not checked, succeeds",
            range_case(&a.pointer, &corrupted(&a, 3), 0, 64),
        ),
        (
            "read_range: refused, segment 1 corrupted, bytes of segments 0 and 1 read",
            range_case(&a.pointer, &corrupted(&a, 1), 60, 10),
        ),
        (
            "read_range: segments 1 and 2 swapped, segment 0 read: succeeds",
            range_case(&a.pointer, &swapped, 0, 64),
        ),
        (
            "read_range: refused, segments 1 and 2 swapped, byte 64 read",
            range_case(&a.pointer, &swapped, 64, 1),
        ),
        (
            "read_range: refused, the final segment re-sealed without the final flag",
            range_case(
                &a.pointer,
                &a.with_segment(3, &seal_segment(&a.payload_key, 3, None, &a.body(3))),
                195,
                5,
            ),
        ),
        (
            "read_range: a second seal under the same file key, with the first pointer: no digest check, succeeds",
            range_case(&a.pointer, &b.ciphertext, 0, 200),
        ),
        (
            "read_range: non-zero padding in the final segment, segment 0 read: succeeds",
            range_case(&a.pointer, &bad_padding, 0, 10),
        ),
        (
            "read_range: refused, non-zero padding in the final segment, its data read",
            range_case(&a.pointer, &bad_padding, 195, 5),
        ),
    ];
    cases.extend(ranges);

    // ---- Pointers (16.5) ----
    let base = pb::AttachmentPointer::decode(a.pointer.as_slice()).unwrap();
    let edit = |f: &dyn Fn(&mut pb::AttachmentPointer)| {
        let mut p = base.clone();
        f(&mut p);
        json!({ "pointer": h(p.encode_to_vec()) })
    };
    let raw = |parts: &[Vec<u8>]| json!({ "pointer": h(parts.concat()) });
    let (k, d) = (base.file_key.clone(), base.ciphertext_sha256.clone());
    let name = |n: &str| {
        let n = n.to_string();
        edit(&move |p| p.file_name = Some(n.clone()))
    };
    let ctype = |t: &str| {
        let t = t.to_string();
        edit(&move |p| p.content_type = t.clone())
    };
    // A pointer of 17409 bytes: the thumbnail grown until it is one byte over the bound.
    let too_large = {
        let mut p = base.clone();
        p.thumbnail = Some(picture(17000));
        let len = p.encode_to_vec().len();
        p.thumbnail = Some(picture(17000 + MAX_POINTER + 1 - len));
        p.encode_to_vec()
    };
    assert_eq!(too_large.len(), MAX_POINTER + 1);
    let pointers: Vec<(&'static str, Value)> = vec![
        (
            "pointer: the 200-byte file's, with a file name and a thumbnail",
            json!({ "pointer": h(&a.pointer) }),
        ),
        (
            "pointer: the empty file's: size 0 omitted, no name, no thumbnail",
            json!({ "pointer": h(&empty.pointer) }),
        ),
        (
            "pointer: a size of exactly 2^40",
            edit(&|p| p.size = 1 << 40),
        ),
        (
            "pointer: a content type of 127 bytes",
            ctype(&format!("application/{}", "x".repeat(115))),
        ),
        (
            "pointer: a content type with every allowed character",
            ctype("a0!#$&-^_.+/Z9!#$&-^_.+"),
        ),
        ("pointer: an upper-case content type", ctype("IMAGE/PNG")),
        (
            "pointer: a file name of 255 bytes",
            name(&format!("{}.txt", "a".repeat(251))),
        ),
        (
            "pointer: a file name with code points next to the refused ones (U+00A0, U+061B, U+200A, U+2027, U+202F, U+2070, U+2010)",
            name("Rechnung März\u{a0}\u{61b}\u{200a}\u{2027}\u{202f}\u{2070}\u{2010}.pdf"),
        ),
        (
            "pointer: the file name console.log (next to the device name CON)",
            name("console.log"),
        ),
        ("pointer: the file name COM10", name("COM10")),
        (
            "pointer: the file name nul-report.txt",
            name("nul-report.txt"),
        ),
        (
            "pointer: a thumbnail of 16384 bytes",
            edit(&|p| p.thumbnail = Some(picture(16384))),
        ),
        (
            "pointer: refused, 17409 bytes (checked before parsing)",
            json!({ "pointer": h(&too_large) }),
        ),
        (
            "pointer: refused, cut short",
            json!({ "pointer": h(&a.pointer[..a.pointer.len() - 1]) }),
        ),
        (
            "pointer: refused, a content type that is not UTF-8",
            raw(&[
                vf(1, 1),
                ld(2, &k),
                ld(3, &d),
                vf(4, 200),
                ld(5, b"image/\xff"),
            ]),
        ),
        (
            "pointer: refused, a file name that is not UTF-8",
            raw(&[
                vf(1, 1),
                ld(2, &k),
                ld(3, &d),
                vf(4, 200),
                ld(5, b"text/plain"),
                ld(6, b"caf\xe9.txt"),
            ]),
        ),
        (
            "pointer: refused, version as length-delimited (wire type 2)",
            raw(&[
                ld(1, &[1]),
                ld(2, &k),
                ld(3, &d),
                vf(4, 200),
                ld(5, b"text/plain"),
            ]),
        ),
        (
            "pointer: refused, an unknown field 8",
            raw(&[a.pointer.clone(), vf(8, 1)]),
        ),
        (
            "pointer: refused, size 0 written out",
            raw(&[
                vf(1, 1),
                ld(2, &k),
                ld(3, &d),
                vf(4, 0),
                ld(5, b"text/plain"),
            ]),
        ),
        (
            "pointer: refused, content_type before size",
            raw(&[
                vf(1, 1),
                ld(2, &k),
                ld(3, &d),
                ld(5, b"text/plain"),
                vf(4, 200),
            ]),
        ),
        (
            "pointer: refused, version twice",
            raw(&[
                vf(1, 1),
                vf(1, 1),
                ld(2, &k),
                ld(3, &d),
                vf(4, 200),
                ld(5, b"text/plain"),
            ]),
        ),
        (
            "pointer: refused, the file key's length as a two-byte varint",
            raw(&[
                vf(1, 1),
                vec![0x12, 0xa0, 0x00],
                k.clone(),
                ld(3, &d),
                vf(4, 200),
                ld(5, b"text/plain"),
            ]),
        ),
        ("pointer: refused, version 2", edit(&|p| p.version = 2)),
        ("pointer: refused, no version", edit(&|p| p.version = 0)),
        (
            "pointer: refused, version 2 and a 31-byte file key: the version is checked first",
            edit(&|p| {
                p.version = 2;
                p.file_key.truncate(31)
            }),
        ),
        (
            "pointer: refused, a 31-byte file key",
            edit(&|p| p.file_key.truncate(31)),
        ),
        (
            "pointer: refused, a 33-byte file key",
            edit(&|p| p.file_key.push(0)),
        ),
        (
            "pointer: refused, no file key",
            edit(&|p| p.file_key.clear()),
        ),
        (
            "pointer: refused, a 31-byte digest",
            edit(&|p| p.ciphertext_sha256.truncate(31)),
        ),
        (
            "pointer: refused, no digest",
            edit(&|p| p.ciphertext_sha256.clear()),
        ),
        (
            "pointer: refused, a 31-byte file key and no digest: the key is checked first",
            edit(&|p| {
                p.file_key.truncate(31);
                p.ciphertext_sha256.clear()
            }),
        ),
        (
            "pointer: refused, a size of 2^40 + 1",
            edit(&|p| p.size = (1 << 40) + 1),
        ),
        (
            "pointer: refused, a size of 2^64 − 1",
            edit(&|p| p.size = u64::MAX),
        ),
        (
            "pointer: refused, no content type",
            edit(&|p| p.content_type.clear()),
        ),
        (
            "pointer: refused, no content type and a size over 2^40: the size is checked first",
            edit(&|p| {
                p.content_type.clear();
                p.size = 1 << 41
            }),
        ),
        (
            "pointer: refused, a content type of 128 bytes",
            ctype(&format!("application/{}", "x".repeat(116))),
        ),
        (
            "pointer: refused, a content type without a subtype",
            ctype("image"),
        ),
        (
            "pointer: refused, a content type with an empty subtype",
            ctype("image/"),
        ),
        (
            "pointer: refused, a content type with an empty type",
            ctype("/jpeg"),
        ),
        (
            "pointer: refused, a content type with a parameter",
            ctype("text/plain; charset=utf-8"),
        ),
        (
            "pointer: refused, a content type with a trailing space",
            ctype("image/jpeg "),
        ),
        (
            "pointer: refused, a content type whose type starts with '-'",
            ctype("-image/jpeg"),
        ),
        (
            "pointer: refused, a content type whose subtype starts with '.'",
            ctype("image/.jpeg"),
        ),
        (
            "pointer: refused, a content type with two slashes",
            ctype("image/svg/xml"),
        ),
        (
            "pointer: refused, a content type that is not ASCII",
            ctype("imäge/png"),
        ),
        (
            "pointer: refused, a bad content type and a bad file name: the content type is checked first",
            edit(&|p| {
                p.content_type = "image".into();
                p.file_name = Some("a/b".into())
            }),
        ),
        ("pointer: refused, an empty file name (present)", name("")),
        (
            "pointer: refused, a file name of 256 bytes",
            name(&format!("{}.txt", "a".repeat(252))),
        ),
        (
            "pointer: refused, a file name of 128 characters but 256 bytes",
            name(&"ä".repeat(128)),
        ),
        ("pointer: refused, the file name '.'", name(".")),
        ("pointer: refused, the file name '..'", name("..")),
        ("pointer: refused, a file name with '/'", name("a/b.txt")),
        ("pointer: refused, a file name with '\\'", name("a\\b.txt")),
        ("pointer: refused, a file name with ':'", name("C:x.txt")),
        ("pointer: refused, the file name '../etc'", name("../etc")),
        ("pointer: refused, a file name with U+0000", name("a\u{0}b")),
        (
            "pointer: refused, a file name with a tab",
            name("tab\t.txt"),
        ),
        ("pointer: refused, a file name with U+001F", name("\u{1f}x")),
        (
            "pointer: refused, a file name with U+007F",
            name("del\u{7f}"),
        ),
        (
            "pointer: refused, a file name with U+0085",
            name("nel\u{85}"),
        ),
        ("pointer: refused, a file name with U+009F", name("x\u{9f}")),
        (
            "pointer: refused, a file name with U+200E",
            name("a\u{200e}b"),
        ),
        (
            "pointer: refused, a file name with U+200F",
            name("a\u{200f}b"),
        ),
        (
            "pointer: refused, a file name with U+061C",
            name("a\u{61c}b"),
        ),
        (
            "pointer: refused, a file name with U+202A",
            name("\u{202a}ab"),
        ),
        (
            "pointer: refused, a file name with U+202E",
            name("invoice\u{202e}fdp.exe"),
        ),
        (
            "pointer: refused, a file name with U+2066",
            name("a\u{2066}b"),
        ),
        (
            "pointer: refused, a file name with U+2069",
            name("a\u{2069}b"),
        ),
        (
            "pointer: refused, a file name with U+2028 (a control character, as in 13.3)",
            name("a\u{2028}b"),
        ),
        (
            "pointer: refused, a file name with U+200B (invisible)",
            name("photo\u{200b}.exe"),
        ),
        (
            "pointer: refused, a file name with U+FEFF (invisible)",
            name("\u{feff}invoice.pdf"),
        ),
        (
            "pointer: refused, a file name with U+2065 (invisible)",
            name("a\u{2065}b"),
        ),
        (
            "pointer: refused, a file name with U+E0041 (a tag character, invisible)",
            name("report.pdf\u{e0041}"),
        ),
        (
            "pointer: refused, a file name ending with a dot",
            name("evil.exe."),
        ),
        (
            "pointer: refused, a file name ending with a space",
            name("evil.exe "),
        ),
        ("pointer: refused, a file name of three dots", name("...")),
        ("pointer: refused, the file name CON", name("CON")),
        ("pointer: refused, the file name nul.txt", name("nul.txt")),
        (
            "pointer: refused, the file name Com1.tar.gz",
            name("Com1.tar.gz"),
        ),
        (
            "pointer: refused, the file name LPT followed by U+00B3",
            name("LPT\u{b3}"),
        ),
        (
            "pointer: refused, a file name with U+200B and a trailing dot: the invisible character is checked first",
            name("a\u{200b}b."),
        ),
        (
            "pointer: refused, a file name with U+202E and U+200B: the bidirectional control is checked first",
            name("a\u{202e}b\u{200b}"),
        ),
        (
            "pointer: refused, a file name with U+202E and U+0000: the control character is checked first",
            name("a\u{202e}b\u{0}"),
        ),
        (
            "pointer: refused, a file name with U+0000 and '/': the path separator is checked first",
            name("a\u{0}/b"),
        ),
        (
            "pointer: refused, an empty thumbnail (present)",
            edit(&|p| p.thumbnail = Some(vec![])),
        ),
        (
            "pointer: refused, a thumbnail of 16385 bytes",
            edit(&|p| p.thumbnail = Some(picture(16385))),
        ),
        (
            "pointer: refused, a bad file name and an empty thumbnail: the file name is checked first",
            edit(&|p| {
                p.file_name = Some(".".into());
                p.thumbnail = Some(vec![])
            }),
        ),
    ];
    cases.extend(pointers);

    // ---- Payloads (16.6) ----
    let nested = |f: &dyn Fn(&mut pb::AttachmentPointer)| {
        let mut p = base.clone();
        f(&mut p);
        json!({ "payload": h(ld(2, &p.encode_to_vec())) })
    };
    let payload = |b: Vec<u8>| json!({ "payload": h(b) });
    let payloads: Vec<(&'static str, Value)> = vec![
        (
            "payload: application bytes",
            payload(
                Payload::Application(b"the parcel arrived".to_vec())
                    .encode()
                    .to_vec(),
            ),
        ),
        (
            "payload: empty application bytes (0a 00)",
            payload(vec![0x0a, 0x00]),
        ),
        (
            "payload: an attachment (the 200-byte file's pointer)",
            payload(a.payload.clone()),
        ),
        ("payload: refused, empty: no content", payload(vec![])),
        (
            "payload: refused, both members",
            payload([ld(1, b"hi"), ld(2, &a.pointer)].concat()),
        ),
        (
            "payload: refused, the attachment then the application",
            payload([ld(2, &a.pointer), ld(1, b"hi")].concat()),
        ),
        (
            "payload: refused, the application twice",
            payload([ld(1, b"hi"), ld(1, b"hi")].concat()),
        ),
        (
            "payload: refused, an unknown field 3",
            payload([ld(1, b"hi"), vf(3, 1)].concat()),
        ),
        (
            "payload: refused, cut short",
            payload(a.payload[..a.payload.len() - 1].to_vec()),
        ),
        (
            "payload: refused, a pointer whose content type is not UTF-8",
            payload(ld(
                2,
                &[
                    vf(1, 1),
                    ld(2, &k),
                    ld(3, &d),
                    vf(4, 200),
                    ld(5, b"image/\xff"),
                ]
                .concat(),
            )),
        ),
        (
            "payload: refused, a pointer with size 0 written out",
            payload(ld(
                2,
                &[
                    vf(1, 1),
                    ld(2, &k),
                    ld(3, &d),
                    vf(4, 0),
                    ld(5, b"text/plain"),
                ]
                .concat(),
            )),
        ),
        (
            "payload: refused, a pointer of 17409 bytes",
            payload(ld(2, &too_large)),
        ),
        (
            "payload: refused, an empty pointer (12 00): no version",
            payload(vec![0x12, 0x00]),
        ),
        (
            "payload: refused, a pointer with version 2",
            nested(&|p| p.version = 2),
        ),
        (
            "payload: refused, a pointer with a 31-byte file key",
            nested(&|p| p.file_key.truncate(31)),
        ),
        (
            "payload: refused, a pointer without a content type",
            nested(&|p| p.content_type.clear()),
        ),
        (
            "payload: refused, a pointer with a file name with '/'",
            nested(&|p| p.file_name = Some("a/b".into())),
        ),
    ];
    cases.extend(payloads);
    cases
}
