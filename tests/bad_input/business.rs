//! Bad input to verified business accounts (SPEC.md section 13): certificate chains, issuer
//! certificates and revocation lists that fail decoding (13.2 steps 1 to 4, 13.4's list
//! decoding), each with its exact error, and the decoding order; bundles carrying a bad chain;
//! and errors that show no secret.
//!
//! Inputs are the genuine chain and lists re-encoded with the prost types after one edit, and
//! re-signed by the right key (`hazmat::sign_certificate_body`), so that only the edit is
//! wrong; or raw bytes where the edit cannot be made with the prost types (non-canonical
//! forms, invalid UTF-8).

use crate::common::*;
use crate::pb;
use crate::support::{non_canonical_identity_key, off_curve_identity_key};
use hushwire::hazmat::{SignedObject, sign_certificate_body};
use hushwire::{
    BusinessCertificateIn, BusinessId, BusinessTemplate, DisplayName, Error, ErrorCategory,
    IdentityKey, IdentityKeyPair, IssuerCertificate, IssuerKeyPair, IssuerTemplate, LevelSet,
    PreKeyBundleIn, RevocationList, Revocations, RootKeyPair, Timestamp, TrustRecord, TrustRoots,
    Validity, VerificationLevel,
};
use prost::Message;

const NOW: u64 = 1_800_000_000;
const DAY: u64 = 86_400;
const ROOT_SEED: [u8; 32] = [0xa7; 32];
const ISSUER_SEED: [u8; 32] = [0xb7; 32];
const BUSINESS_SEED: [u8; 32] = [0xc7; 32];
const MAX_CHAIN: usize = 4096;
const MAX_LIST: usize = 1 << 20;

fn t(seconds: u64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

fn key_of(seed: &[u8; 32]) -> IdentityKey {
    *IdentityKeyPair::from_seed(seed).public_key()
}

fn root() -> RootKeyPair {
    RootKeyPair::from_seed(1, &ROOT_SEED)
}

fn issuer() -> IssuerKeyPair {
    let template = IssuerTemplate {
        serial: 7,
        issuer_key: key_of(&ISSUER_SEED),
        validity: Validity::new(t(NOW - 30 * DAY), t(NOW + 335 * DAY)).unwrap(),
        allowed_levels: LevelSet::new(&[VerificationLevel::Verified]).unwrap(),
    };
    IssuerKeyPair::from_seed(&ISSUER_SEED, root().certify_issuer(&template)).unwrap()
}

fn genuine_chain() -> BusinessCertificateIn {
    let template = BusinessTemplate {
        serial: 42,
        identity_key: key_of(&BUSINESS_SEED),
        business_id: BusinessId::new("acme-shoes").unwrap(),
        display_name: DisplayName::new("Acme Shoes").unwrap(),
        level: VerificationLevel::Verified,
        validity: Validity::new(t(NOW - DAY), t(NOW + 29 * DAY)).unwrap(),
        phone_number: None,
        website: None,
    };
    issuer().certify_business(&template).unwrap()
}

fn chain_pb() -> pb::CertificateChain {
    pb::CertificateChain::decode(genuine_chain().encode().as_slice()).unwrap()
}

fn issuer_body() -> pb::IssuerCertificateBody {
    pb::IssuerCertificateBody::decode(chain_pb().issuer.unwrap().body.as_slice()).unwrap()
}

fn business_body() -> pb::BusinessCertificateBody {
    pb::BusinessCertificateBody::decode(chain_pb().business.unwrap().body.as_slice()).unwrap()
}

/// The genuine issuer certificate with `body` as its body, signed by the root.
fn issuer_certificate(body: Vec<u8>) -> pb::IssuerCertificate {
    let signature = sign_certificate_body(&ROOT_SEED, SignedObject::IssuerCertificate, &body);
    pb::IssuerCertificate {
        body,
        signature: signature.to_vec(),
    }
}

/// The genuine chain with the issuer body `body` (any bytes), signed by the root.
fn chain_with_issuer_body(body: Vec<u8>) -> Vec<u8> {
    let mut chain = chain_pb();
    chain.issuer = Some(issuer_certificate(body));
    chain.encode_to_vec()
}

/// The genuine chain with the business body `body` (any bytes), signed by the issuer.
fn chain_with_business_body(body: Vec<u8>) -> Vec<u8> {
    let mut chain = chain_pb();
    let signature = sign_certificate_body(&ISSUER_SEED, SignedObject::BusinessCertificate, &body);
    chain.business = Some(pb::BusinessCertificate {
        body,
        signature: signature.to_vec(),
    });
    chain.encode_to_vec()
}

/// The genuine chain after `edit` changed its issuer body.
fn edit_issuer(edit: impl FnOnce(&mut pb::IssuerCertificateBody)) -> Vec<u8> {
    let mut body = issuer_body();
    edit(&mut body);
    chain_with_issuer_body(body.encode_to_vec())
}

/// The genuine chain after `edit` changed its business body.
fn edit_business(edit: impl FnOnce(&mut pb::BusinessCertificateBody)) -> Vec<u8> {
    let mut body = business_body();
    edit(&mut body);
    chain_with_business_body(body.encode_to_vec())
}

/// The genuine chain after `edit` changed the chain itself.
fn edit_chain(edit: impl FnOnce(&mut pb::CertificateChain)) -> Vec<u8> {
    let mut chain = chain_pb();
    edit(&mut chain);
    chain.encode_to_vec()
}

/// The error `BusinessCertificateIn::decode` returns for `bytes`.
fn chain_error(bytes: &[u8]) -> Error {
    BusinessCertificateIn::decode(bytes).unwrap_err()
}

/// `bytes` with the first occurrence of `marker` replaced by `with` (same length).
fn patched(bytes: &[u8], marker: &[u8], with: &[u8]) -> Vec<u8> {
    assert_eq!(marker.len(), with.len());
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("marker not found");
    let mut out = bytes.to_vec();
    out[at..at + with.len()].copy_from_slice(with);
    out
}

/// A root's revocation list body: serials 3 and 5, sequence 1, issued at `NOW`.
fn root_list_body() -> pb::RevocationListBody {
    pb::RevocationListBody {
        version: 1,
        signer: Some(pb::revocation_list_body::Signer::RootKeyId(1)),
        sequence: 1,
        issued_at: NOW,
        revoked_serials: vec![3, 5],
    }
}

/// An issuer's revocation list body, with the issuer's genuine certificate.
fn issuer_list_body() -> pb::RevocationListBody {
    let list = issuer().revoke(1, t(NOW), &[42]).unwrap();
    pb::RevocationListBody::decode(
        pb::RevocationList::decode(list.encode().as_slice())
            .unwrap()
            .body
            .as_slice(),
    )
    .unwrap()
}

/// A list with body `body` (any bytes), signed by the root.
fn list_with_body(body: Vec<u8>) -> Vec<u8> {
    let signature = sign_certificate_body(&ROOT_SEED, SignedObject::RevocationList, &body);
    pb::RevocationList {
        body,
        signature: signature.to_vec(),
    }
    .encode_to_vec()
}

fn list_of(body: &pb::RevocationListBody) -> Vec<u8> {
    list_with_body(body.encode_to_vec())
}

/// The error `RevocationList::decode` returns for `bytes`.
fn list_error(bytes: &[u8]) -> Error {
    RevocationList::decode(bytes).unwrap_err()
}

/// The neutral element (y = 1): an identity key of small order.
fn low_order_key() -> Vec<u8> {
    let mut key = vec![0u8; 32];
    key[0] = 1;
    key
}

// ---------------------------------------------------------------------------------------
// Certificate chains: SPEC.md 13.2 step 1, strict decoding
// ---------------------------------------------------------------------------------------

#[test]
fn certificate_chains_that_are_too_large() {
    // Checked before parsing: zeros would be a parse error.
    for len in [MAX_CHAIN + 1, 100_000] {
        assert_eq!(
            chain_error(&vec![0u8; len]),
            Error::TooLarge {
                len,
                max: MAX_CHAIN
            }
        );
        assert_eq!(
            IssuerCertificate::decode(&vec![0u8; len]),
            Err(Error::TooLarge {
                len,
                max: MAX_CHAIN
            })
        );
    }
    assert_eq!(chain_error(&vec![0u8; MAX_CHAIN]), Error::MalformedProtobuf);
    // A genuine chain grown to 4097 bytes by an oversized (unparsable) business body.
    let genuine = genuine_chain().encode();
    let mut chain = chain_pb();
    let business = chain.business.as_mut().unwrap();
    business.body.resize(
        business.body.len() + MAX_CHAIN + 1 - genuine.len() - 1,
        0xff,
    );
    let bytes = chain.encode_to_vec();
    // One more byte for the longer length varint.
    assert_eq!(bytes.len(), MAX_CHAIN + 1);
    assert_eq!(
        chain_error(&bytes),
        Error::TooLarge {
            len: MAX_CHAIN + 1,
            max: MAX_CHAIN
        }
    );
}

#[test]
fn certificate_chains_that_do_not_parse() {
    let genuine = genuine_chain().encode();
    for cut in [1, 3, 20, genuine.len() / 2, genuine.len() - 1] {
        assert_eq!(
            chain_error(&genuine[..cut]),
            Error::MalformedProtobuf,
            "cut at {cut}"
        );
    }
    // Wire type 7, and field number 0.
    assert_eq!(chain_error(&[0x0f]), Error::MalformedProtobuf);
    assert_eq!(chain_error(&[0x00]), Error::MalformedProtobuf);
    // The issuer body or the business body cut short, and a chain field of the wrong wire
    // type (issuer as a varint).
    let issuer = issuer_body().encode_to_vec();
    assert_eq!(
        chain_error(&chain_with_issuer_body(issuer[..issuer.len() - 1].to_vec())),
        Error::MalformedProtobuf
    );
    let business = business_body().encode_to_vec();
    assert_eq!(
        chain_error(&chain_with_business_body(
            business[..business.len() - 1].to_vec()
        )),
        Error::MalformedProtobuf
    );
    assert_eq!(
        chain_error(&[vec![0x08, 0x01], genuine[..].to_vec()].concat()),
        Error::MalformedProtobuf
    );
}

/// SPEC.md 13.1: text fields are proto3 strings, so bytes that are not UTF-8 fail the parse.
#[test]
fn text_fields_that_are_not_utf8() {
    let bad_utf8: [&[u8]; 4] = [
        &[0xff, 0xfe, 0x41, 0x41],
        // An overlong encoding of '/', and of NUL.
        &[0xc0, 0xaf, 0x41, 0x41],
        &[0xc0, 0x80, 0x41, 0x41],
        // A UTF-16 surrogate (U+D800) encoded as UTF-8.
        &[0xed, 0xa0, 0x80, 0x41],
    ];
    let marker = b"~~~~";
    let fields: [fn(&mut pb::BusinessCertificateBody); 4] = [
        |b| b.business_id = "~~~~".into(),
        |b| b.display_name = "~~~~".into(),
        |b| b.phone_number = "~~~~".into(),
        |b| b.website = "~~~~".into(),
    ];
    for (i, field) in fields.into_iter().enumerate() {
        let mut body = business_body();
        field(&mut body);
        let body = body.encode_to_vec();
        for bad in bad_utf8 {
            assert_eq!(
                chain_error(&chain_with_business_body(patched(&body, marker, bad))),
                Error::MalformedProtobuf,
                "field {i}, {bad:02x?}"
            );
        }
    }
    // A trust record's business id (SPEC.md 12.6 field 7).
    let record = pb::TrustRecord {
        version: 1,
        identity_key: key_of(&BUSINESS_SEED).to_bytes().to_vec(),
        first_seen: NOW,
        level: Some(pb::trust_record::Level::Unverified(pb::TrustUnverified {})),
        business_id: "~~~~".into(),
    }
    .encode_to_vec();
    assert!(TrustRecord::from_bytes(&patched(&record, marker, b"acme")).is_ok());
    assert_eq!(
        TrustRecord::from_bytes(&patched(&record, marker, bad_utf8[0])),
        Err(Error::MalformedProtobuf)
    );
}

#[test]
fn certificate_chains_that_are_not_canonical() {
    let genuine = genuine_chain().encode();
    let chain = chain_pb();
    let issuer = chain.issuer.clone().unwrap().encode_to_vec();
    let business = chain.business.clone().unwrap().encode_to_vec();
    // The chain: an unknown field 3, and the two certificates in the wrong order.
    assert_eq!(
        chain_error(&[genuine.clone(), vec![0x18, 0x01]].concat()),
        Error::NonCanonicalEncoding
    );
    let swapped = [
        vec![0x12],
        varint(business.len() as u64),
        business.clone(),
        vec![0x0a],
        varint(issuer.len() as u64),
        issuer.clone(),
    ]
    .concat();
    assert_eq!(chain_error(&swapped), Error::NonCanonicalEncoding);
    // The same certificate twice (protobuf merges them).
    let twice = [
        genuine.clone(),
        vec![0x0a],
        varint(issuer.len() as u64),
        issuer,
    ]
    .concat();
    assert_eq!(chain_error(&twice), Error::NonCanonicalEncoding);

    // The issuer body: an unknown field, a non-minimal varint, an explicit zero.
    let body = issuer_body().encode_to_vec();
    assert_eq!(body[..2], [0x08, 0x01]);
    for bad in [
        [body.clone(), vec![0x40, 0x01]].concat(),
        [vec![0x08, 0x81, 0x00], body[2..].to_vec()].concat(),
        [vec![0x08, 0x01, 0x10, 0x00], body[2..].to_vec()].concat(),
    ] {
        // root_key_id is 1 in the genuine body: the explicit zero makes it appear twice.
        assert_eq!(
            chain_error(&chain_with_issuer_body(bad.clone())),
            Error::NonCanonicalEncoding,
            "{}",
            hex::encode(&bad)
        );
    }
    // The business body: a field twice (level), an explicit empty phone number after the
    // others, a non-minimal varint, an unknown field.
    let body = business_body().encode_to_vec();
    for bad in [
        [body.clone(), vec![0x30, 0x02]].concat(),
        [body.clone(), vec![0x4a, 0x00]].concat(),
        [vec![0x08, 0x81, 0x00], body[2..].to_vec()].concat(),
        [body.clone(), vec![0x60, 0x01]].concat(),
    ] {
        assert_eq!(
            chain_error(&chain_with_business_body(bad.clone())),
            Error::NonCanonicalEncoding,
            "{}",
            hex::encode(&bad)
        );
    }
    // Control: the genuine bodies, re-signed, decode.
    assert!(BusinessCertificateIn::decode(&chain_with_business_body(body)).is_ok());
}

// ---------------------------------------------------------------------------------------
// Certificate chains: SPEC.md 13.2 steps 2 to 4
// ---------------------------------------------------------------------------------------

#[test]
fn certificate_chains_without_a_certificate() {
    assert_eq!(
        chain_error(&edit_chain(|c| c.issuer = None)),
        Error::MissingField { field: "issuer" }
    );
    assert_eq!(
        chain_error(&edit_chain(|c| c.business = None)),
        Error::MissingField { field: "business" }
    );
    assert_eq!(
        chain_error(&edit_chain(|c| {
            c.issuer = None;
            c.business = None;
        })),
        Error::MissingField { field: "issuer" }
    );
    assert_eq!(chain_error(&[]), Error::MissingField { field: "issuer" });
    // Both presences come before the issuer's decoding (step 2 before 3).
    assert_eq!(
        chain_error(&edit_chain(|c| {
            c.issuer.as_mut().unwrap().body = vec![0xff];
            c.business = None;
        })),
        Error::MissingField { field: "business" }
    );
    // Present but empty: decoded as version 0.
    assert_eq!(
        chain_error(&edit_chain(
            |c| c.issuer = Some(pb::IssuerCertificate::default())
        )),
        Error::UnsupportedVersion { found: 0 }
    );
}

#[test]
fn certificate_bodies_of_another_version() {
    for version in [0u32, 2, 3, u32::MAX] {
        assert_eq!(
            chain_error(&edit_issuer(|b| b.version = version)),
            Error::UnsupportedVersion { found: version }
        );
        assert_eq!(
            chain_error(&edit_business(|b| b.version = version)),
            Error::UnsupportedVersion { found: version }
        );
        let mut body = root_list_body();
        body.version = version;
        assert_eq!(
            list_error(&list_of(&body)),
            Error::UnsupportedVersion { found: version }
        );
        let mut body = issuer_body();
        body.version = version;
        assert_eq!(
            IssuerCertificate::decode(&issuer_certificate(body.encode_to_vec()).encode_to_vec()),
            Err(Error::UnsupportedVersion { found: version })
        );
    }
}

#[test]
fn certificate_keys_that_are_not_valid() {
    type SetKey = fn(Vec<u8>) -> Vec<u8>;
    let editors: [(&str, SetKey); 2] = [
        ("issuer_key", |key| edit_issuer(|b| b.issuer_key = key)),
        ("identity_key", |key| {
            edit_business(|b| b.identity_key = key)
        }),
    ];
    for (field, chain_with) in editors {
        for len in [0usize, 1, 31, 33, 64] {
            assert_eq!(
                chain_error(&chain_with(vec![9u8; len])),
                Error::InvalidLength {
                    field,
                    expected: 32,
                    found: len
                }
            );
        }
        assert_eq!(
            chain_error(&chain_with(low_order_key())),
            Error::LowOrderPublicKey,
            "{field}"
        );
        // The point of order 2 (y = -1).
        let mut order_two = vec![0xffu8; 32];
        order_two[0] = 0xec;
        order_two[31] = 0x7f;
        assert_eq!(
            chain_error(&chain_with(order_two)),
            Error::LowOrderPublicKey,
            "{field}"
        );
        assert_eq!(
            chain_error(&chain_with(off_curve_identity_key())),
            Error::InvalidPublicKey,
            "{field}"
        );
        assert_eq!(
            chain_error(&chain_with(non_canonical_identity_key())),
            Error::InvalidPublicKey,
            "{field}"
        );
    }
}

#[test]
fn issuer_certificates_that_break_a_content_rule() {
    assert_eq!(
        chain_error(&edit_issuer(|b| b.not_after = b.not_before - 1)),
        Error::InvalidCertificate { reason: "validity" }
    );
    assert_eq!(
        chain_error(&edit_issuer(|b| {
            b.not_before = u64::MAX;
            b.not_after = 0;
        })),
        Error::InvalidCertificate { reason: "validity" }
    );
    // A window of one second decodes.
    assert!(BusinessCertificateIn::decode(&edit_issuer(|b| b.not_after = b.not_before)).is_ok());
    for bits in [0u32, 0b1, 0b1_0000, 0b1_0110, 0b1111, 1 << 31, u32::MAX] {
        assert_eq!(
            chain_error(&edit_issuer(|b| b.allowed_levels = bits)),
            Error::InvalidCertificate {
                reason: "allowed_levels"
            },
            "{bits:#b}"
        );
    }
    for bits in [0b10u32, 0b100, 0b1000, 0b1010, 0b1110] {
        assert!(
            BusinessCertificateIn::decode(&edit_issuer(|b| b.allowed_levels = bits)).is_ok(),
            "{bits:#b}"
        );
    }
}

#[test]
fn business_certificates_that_break_a_content_rule() {
    let refused = |edit: &dyn Fn(&mut pb::BusinessCertificateBody)| -> Error {
        chain_error(&edit_business(edit))
    };
    let accepted = |edit: &dyn Fn(&mut pb::BusinessCertificateBody)| {
        BusinessCertificateIn::decode(&edit_business(edit)).is_ok()
    };
    for id in [
        "",
        "Acme",
        "acme shoes",
        "acme/shoes",
        "acmé",
        "acme+shoes",
        "acme\u{0}",
        &"a".repeat(65),
    ] {
        assert_eq!(
            refused(&|b| b.business_id = id.into()),
            Error::InvalidCertificate {
                reason: "business_id"
            },
            "{id:?}"
        );
    }
    for id in ["a", "0", "acme-shoes.eu_2", "-._", &"z".repeat(64)] {
        assert!(accepted(&|b| b.business_id = id.into()), "{id:?}");
    }
    // Serials take any value, 0 included (SPEC.md 13.2); the issuer certificate id is any 32
    // bytes (validation compares it, 13.4 step 5), and no other length.
    for serial in [0u64, 1, u64::MAX] {
        assert!(accepted(&|b| b.serial = serial));
    }
    assert!(accepted(&|b| b.issuer_certificate_id = vec![0; 32]));
    for len in [0usize, 31, 33] {
        assert_eq!(
            refused(&|b| b.issuer_certificate_id = vec![7; len]),
            Error::InvalidLength {
                field: "issuer_certificate_id",
                expected: 32,
                found: len
            }
        );
    }
    for level in [0u32, 4, 5, u32::MAX] {
        assert_eq!(
            refused(&|b| b.level = level),
            Error::InvalidCertificate { reason: "level" }
        );
    }
    // Levels 1 and 3 decode (the issuer's scope is validation's business, 13.4 step 5).
    for level in [1u32, 3] {
        assert!(accepted(&|b| b.level = level));
    }
    assert_eq!(
        refused(&|b| b.not_after = b.not_before - 1),
        Error::InvalidCertificate { reason: "validity" }
    );
    assert!(accepted(&|b| b.not_after = b.not_before));
    for phone in [
        "+",
        "+1",
        "14155550123",
        "+04155550123",
        "+1234567890123456",
        "+1 415 555",
        "+1415555012a",
        "++14155550123",
        "+١٢٣",
    ] {
        assert_eq!(
            refused(&|b| b.phone_number = phone.into()),
            Error::InvalidCertificate {
                reason: "phone_number"
            },
            "{phone:?}"
        );
    }
    for phone in ["+12", "+123456789012345", "+14155550123"] {
        assert!(accepted(&|b| b.phone_number = phone.into()), "{phone:?}");
    }
    let longest = format!("https://{}", "a".repeat(256 - 8));
    for website in [
        "https://".to_owned(),
        "http://acme.example".to_owned(),
        "HTTPS://acme.example".to_owned(),
        "acme.example".to_owned(),
        "https://acme example".to_owned(),
        "https://acme.example/\u{7f}".to_owned(),
        "https://acmé.example".to_owned(),
        format!("{longest}a"),
    ] {
        assert_eq!(
            refused(&|b| b.website = website.clone()),
            Error::InvalidCertificate { reason: "website" },
            "{website:?}"
        );
    }
    for website in ["https://a", "https://acme.example/~shoes?x=1#top", &longest] {
        assert!(accepted(&|b| b.website = website.into()), "{website:?}");
    }
}

#[test]
fn business_certificates_with_a_refused_display_name() {
    for (name, reason) in [
        ("", "empty"),
        (&*"a".repeat(65), "longer than 64 characters"),
        ("Acme\u{1b}[31m", "control character"),
        ("Acme\u{2028}", "control character"),
        ("Acme\u{202e}seohS", "bidirectional control character"),
        ("\u{2067}Acme", "bidirectional control character"),
        ("Ac\u{200b}me", "zero-width or invisible character"),
        ("Acme\u{e0041}", "zero-width or invisible character"),
        ("Acme\u{f8ff}", "private-use character"),
        ("Acme\u{10fffd}", "private-use character"),
        ("Acme\u{fdd0}", "noncharacter"),
        ("Acme\u{1ffff}", "noncharacter"),
        ("Acme\u{0378}", "unassigned character"),
        ("Acme\u{e1000}", "unassigned character"),
        ("\u{2764}\u{fe0f}", "zero-width or invisible character"),
        ("Acme\u{1680}Shoes", "zero-width or invisible character"),
        ("\u{2800}", "zero-width or invisible character"),
        ("Acme\u{3164}", "zero-width or invisible character"),
        (
            "A\u{300}\u{301}\u{302}\u{303}",
            "more than 3 combining marks in a row",
        ),
        (
            "\u{301}\u{301}\u{301}\u{301}",
            "more than 3 combining marks in a row",
        ),
        (" Acme", "leading, trailing or repeated space"),
        ("Acme  Shoes", "leading, trailing or repeated space"),
        ("\u{ff21}cme", "not in normalization form NFKC"),
        ("Cafe\u{301}", "not in normalization form NFKC"),
        ("Acme\u{a0}Shoes", "not in normalization form NFKC"),
    ] {
        assert_eq!(
            chain_error(&edit_business(|b| b.display_name = name.into())),
            Error::InvalidDisplayName { reason },
            "{name:?}"
        );
    }
}

#[test]
fn certificate_signatures_of_the_wrong_length() {
    for len in [0usize, 1, 63, 65, 128] {
        assert_eq!(
            chain_error(&edit_chain(|c| c
                .issuer
                .as_mut()
                .unwrap()
                .signature
                .resize(len, 7))),
            Error::InvalidLength {
                field: "issuer.signature",
                expected: 64,
                found: len
            }
        );
        assert_eq!(
            chain_error(&edit_chain(|c| c
                .business
                .as_mut()
                .unwrap()
                .signature
                .resize(len, 7))),
            Error::InvalidLength {
                field: "business.signature",
                expected: 64,
                found: len
            }
        );
        let mut certificate = chain_pb().issuer.unwrap();
        certificate.signature.resize(len, 7);
        assert_eq!(
            IssuerCertificate::decode(&certificate.encode_to_vec()),
            Err(Error::InvalidLength {
                field: "issuer.signature",
                expected: 64,
                found: len
            })
        );
    }
    // A 64-byte signature of zeros decodes: whether it verifies is validation's question.
    assert!(
        BusinessCertificateIn::decode(&edit_chain(
            |c| c.business.as_mut().unwrap().signature = vec![0; 64]
        ))
        .is_ok()
    );
}

/// SPEC.md 13.2's decoding order: when two things are wrong, the earlier step's error.
#[test]
fn chain_decoding_steps_apply_in_order() {
    // 1 before 2: a parse error or a non-canonical chain without an issuer.
    assert_eq!(chain_error(&[0x12, 0x05]), Error::MalformedProtobuf);
    assert_eq!(chain_error(&[0x18, 0x00]), Error::NonCanonicalEncoding);
    // 3 before 4: a bad issuer key and a business body of another version.
    let mut chain = chain_pb();
    let mut issuer = issuer_body();
    issuer.issuer_key.pop();
    chain.issuer = Some(issuer_certificate(issuer.encode_to_vec()));
    let mut business = business_body();
    business.version = 2;
    chain.business.as_mut().unwrap().body = business.encode_to_vec();
    assert_eq!(
        chain_error(&chain.encode_to_vec()),
        Error::InvalidLength {
            field: "issuer_key",
            expected: 32,
            found: 31
        }
    );
    // 3f before 4a: the issuer signature's length before the business body parses.
    let mut chain = chain_pb();
    chain.issuer.as_mut().unwrap().signature.pop();
    chain.business.as_mut().unwrap().body = vec![0xff];
    assert_eq!(
        chain_error(&chain.encode_to_vec()),
        Error::InvalidLength {
            field: "issuer.signature",
            expected: 64,
            found: 63
        }
    );
    // Within the issuer: 3a before 3b, b before c, c before d, d before e, e before f.
    let mut unparsable = issuer_body().encode_to_vec();
    unparsable.push(0x08);
    assert_eq!(
        chain_error(&chain_with_issuer_body(unparsable)),
        Error::MalformedProtobuf
    );
    assert_eq!(
        chain_error(&edit_issuer(|b| {
            b.version = 2;
            b.issuer_key.clear();
        })),
        Error::UnsupportedVersion { found: 2 }
    );
    assert_eq!(
        chain_error(&edit_issuer(|b| {
            b.issuer_key = low_order_key();
            b.not_after = 0;
        })),
        Error::LowOrderPublicKey
    );
    assert_eq!(
        chain_error(&edit_issuer(|b| {
            b.not_after = 0;
            b.allowed_levels = 0;
        })),
        Error::InvalidCertificate { reason: "validity" }
    );
    let mut chain = chain_pb();
    let mut issuer = issuer_body();
    issuer.allowed_levels = 1;
    let mut certificate = issuer_certificate(issuer.encode_to_vec());
    certificate.signature.clear();
    chain.issuer = Some(certificate);
    assert_eq!(
        chain_error(&chain.encode_to_vec()),
        Error::InvalidCertificate {
            reason: "allowed_levels"
        }
    );
    // Within the business certificate, a to j, each pair.
    let mut unparsable = business_body().encode_to_vec();
    unparsable.push(0x08);
    assert_eq!(
        chain_error(&chain_with_business_body(unparsable)),
        Error::MalformedProtobuf
    );
    assert_eq!(
        chain_error(&edit_business(|b| {
            b.version = 0;
            b.identity_key.clear();
        })),
        Error::UnsupportedVersion { found: 0 }
    );
    assert_eq!(
        chain_error(&edit_business(|b| {
            b.identity_key = off_curve_identity_key();
            b.business_id.clear();
        })),
        Error::InvalidPublicKey
    );
    assert_eq!(
        chain_error(&edit_business(|b| {
            b.business_id = "Acme".into();
            b.display_name.clear();
        })),
        Error::InvalidCertificate {
            reason: "business_id"
        }
    );
    assert_eq!(
        chain_error(&edit_business(|b| {
            b.display_name = "Acme\u{202e}".into();
            b.level = 0;
        })),
        Error::InvalidDisplayName {
            reason: "bidirectional control character"
        }
    );
    assert_eq!(
        chain_error(&edit_business(|b| {
            b.level = 9;
            b.not_after = 0;
        })),
        Error::InvalidCertificate { reason: "level" }
    );
    assert_eq!(
        chain_error(&edit_business(|b| {
            b.not_after = 0;
            b.phone_number = "0".into();
        })),
        Error::InvalidCertificate { reason: "validity" }
    );
    assert_eq!(
        chain_error(&edit_business(|b| {
            b.phone_number = "0".into();
            b.website = "http://x".into();
        })),
        Error::InvalidCertificate {
            reason: "phone_number"
        }
    );
    let mut chain = chain_pb();
    let mut business = business_body();
    business.website = "ftp://acme".into();
    chain.business = Some(pb::BusinessCertificate {
        body: business.encode_to_vec(),
        signature: vec![1; 63],
    });
    assert_eq!(
        chain_error(&chain.encode_to_vec()),
        Error::InvalidCertificate { reason: "website" }
    );
}

// ---------------------------------------------------------------------------------------
// Revocation lists: SPEC.md 13.4 decoding
// ---------------------------------------------------------------------------------------

#[test]
fn revocation_lists_that_are_too_large() {
    for len in [MAX_LIST + 1, 2 * MAX_LIST] {
        assert_eq!(
            list_error(&vec![0u8; len]),
            Error::TooLarge { len, max: MAX_LIST }
        );
    }
    assert_eq!(list_error(&vec![0u8; MAX_LIST]), Error::MalformedProtobuf);
    // A genuine list of 100,000 serials is well within the limit.
    let serials: Vec<u64> = (1..=100_000).collect();
    let list = root().revoke(1, t(NOW), &serials).unwrap();
    let bytes = list.encode();
    assert!(bytes.len() < MAX_LIST, "{}", bytes.len());
    assert_eq!(RevocationList::decode(&bytes), Ok(list));
}

#[test]
fn revocation_lists_that_do_not_parse() {
    let genuine = list_of(&root_list_body());
    assert!(RevocationList::decode(&genuine).is_ok());
    for cut in [1, 2, genuine.len() / 2, genuine.len() - 1] {
        assert_eq!(
            list_error(&genuine[..cut]),
            Error::MalformedProtobuf,
            "cut at {cut}"
        );
    }
    assert_eq!(list_error(&[0x0f]), Error::MalformedProtobuf);
    let body = root_list_body().encode_to_vec();
    assert_eq!(
        list_error(&list_with_body(body[..body.len() - 1].to_vec())),
        Error::MalformedProtobuf
    );
    // The issuer signer's certificate cut short inside the body.
    let mut with_issuer = issuer_list_body().encode_to_vec();
    assert_eq!(with_issuer[2], 0x1a);
    assert!(with_issuer[3] < 0x7f, "a one-byte length");
    with_issuer[3] += 1;
    assert_eq!(
        list_error(&list_with_body(with_issuer)),
        Error::MalformedProtobuf
    );
}

/// SPEC.md 13.1: `revoked_serials` is packed; one record per serial parses but is not the
/// canonical form.
#[test]
fn revocation_lists_that_are_not_canonical() {
    // The genuine body by hand: version 1, root key id 1, sequence 1, issued_at, then the
    // serials 3 and 5 packed in one record `32 02 03 05`.
    let head = [vec![0x08, 0x01, 0x10, 0x01, 0x20, 0x01, 0x28], varint(NOW)].concat();
    let packed = [head.clone(), vec![0x32, 0x02, 0x03, 0x05]].concat();
    assert_eq!(packed, root_list_body().encode_to_vec());
    assert!(RevocationList::decode(&list_with_body(packed.clone())).is_ok());
    let unpacked = [head.clone(), vec![0x30, 0x03, 0x30, 0x05]].concat();
    assert_eq!(
        list_error(&list_with_body(unpacked)),
        Error::NonCanonicalEncoding
    );
    // One serial unpacked, or both forms mixed.
    let single = [head.clone(), vec![0x30, 0x03]].concat();
    assert_eq!(
        list_error(&list_with_body(single)),
        Error::NonCanonicalEncoding
    );
    let mixed = [head.clone(), vec![0x32, 0x01, 0x03, 0x30, 0x05]].concat();
    assert_eq!(
        list_error(&list_with_body(mixed)),
        Error::NonCanonicalEncoding
    );
    // An empty packed record (the empty list is omitted).
    let empty = [head.clone(), vec![0x32, 0x00]].concat();
    assert_eq!(
        list_error(&list_with_body(empty)),
        Error::NonCanonicalEncoding
    );
    // Both signers (protobuf keeps the last), an unknown field, an explicit zero sequence.
    let issuer = issuer_list_body().encode_to_vec();
    let both = [vec![0x08, 0x01, 0x10, 0x01], issuer[2..].to_vec()].concat();
    assert_eq!(
        list_error(&list_with_body(both)),
        Error::NonCanonicalEncoding
    );
    assert_eq!(
        list_error(&list_with_body([packed.clone(), vec![0x38, 0x01]].concat())),
        Error::NonCanonicalEncoding
    );
    let mut zero = root_list_body();
    zero.sequence = 0;
    let zero = zero.encode_to_vec();
    let explicit = [zero[..4].to_vec(), vec![0x20, 0x00], zero[4..].to_vec()].concat();
    assert_eq!(
        list_error(&list_with_body(explicit)),
        Error::NonCanonicalEncoding
    );
    // The outer message: an unknown field.
    assert_eq!(
        list_error(&[list_with_body(packed), vec![0x18, 0x01]].concat()),
        Error::NonCanonicalEncoding
    );
}

fn varint(mut value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
    out
}

#[test]
fn revocation_lists_without_a_signer() {
    let mut body = root_list_body();
    body.signer = None;
    assert_eq!(
        list_error(&list_of(&body)),
        Error::MissingField { field: "signer" }
    );
    // Root key id 0 is a signer: a oneof member is written even at its default.
    let mut zero = root_list_body();
    zero.signer = Some(pb::revocation_list_body::Signer::RootKeyId(0));
    assert!(zero.encode_to_vec().windows(2).any(|w| w == [0x10, 0x00]));
    assert!(RevocationList::decode(&list_of(&zero)).is_ok());
}

#[test]
fn revocation_lists_with_serials_not_increasing() {
    for serials in [vec![3u64, 3], vec![5, 2], vec![1, 2, 2], vec![u64::MAX, 0]] {
        let mut body = root_list_body();
        body.revoked_serials = serials.clone();
        assert_eq!(
            list_error(&list_of(&body)),
            Error::InvalidCertificate {
                reason: "revoked_serials"
            },
            "{serials:?}"
        );
    }
    for serials in [vec![], vec![0u64], vec![0, u64::MAX], vec![1, 2, 3]] {
        let mut body = root_list_body();
        body.revoked_serials = serials.clone();
        assert!(
            RevocationList::decode(&list_of(&body)).is_ok(),
            "{serials:?}"
        );
    }
}

#[test]
fn revocation_lists_with_a_bad_issuer_certificate() {
    let with_issuer_body = |edit: &dyn Fn(&mut pb::IssuerCertificateBody)| -> Error {
        let mut issuer = issuer_body();
        edit(&mut issuer);
        let mut body = issuer_list_body();
        body.signer = Some(pb::revocation_list_body::Signer::Issuer(
            issuer_certificate(issuer.encode_to_vec()),
        ));
        list_error(&list_of(&body))
    };
    assert_eq!(
        with_issuer_body(&|b| b.version = 2),
        Error::UnsupportedVersion { found: 2 }
    );
    assert_eq!(
        with_issuer_body(&|b| b.issuer_key.truncate(31)),
        Error::InvalidLength {
            field: "issuer_key",
            expected: 32,
            found: 31
        }
    );
    assert_eq!(
        with_issuer_body(&|b| b.issuer_key = low_order_key()),
        Error::LowOrderPublicKey
    );
    assert_eq!(
        with_issuer_body(&|b| b.not_before = b.not_after + 1),
        Error::InvalidCertificate { reason: "validity" }
    );
    assert_eq!(
        with_issuer_body(&|b| b.allowed_levels = 1),
        Error::InvalidCertificate {
            reason: "allowed_levels"
        }
    );
    let mut body = issuer_list_body();
    let Some(pb::revocation_list_body::Signer::Issuer(certificate)) = body.signer.as_mut() else {
        panic!("not an issuer list")
    };
    certificate.signature.truncate(63);
    assert_eq!(
        list_error(&list_of(&body)),
        Error::InvalidLength {
            field: "issuer.signature",
            expected: 64,
            found: 63
        }
    );
    let mut body = issuer_list_body();
    let Some(pb::revocation_list_body::Signer::Issuer(certificate)) = body.signer.as_mut() else {
        panic!("not an issuer list")
    };
    certificate.body.extend_from_slice(&[0x40, 0x01]);
    assert_eq!(list_error(&list_of(&body)), Error::NonCanonicalEncoding);
}

#[test]
fn revocation_list_signatures_of_the_wrong_length() {
    for len in [0usize, 1, 63, 65] {
        let mut list = pb::RevocationList::decode(list_of(&root_list_body()).as_slice()).unwrap();
        list.signature.resize(len, 3);
        assert_eq!(
            list_error(&list.encode_to_vec()),
            Error::InvalidLength {
                field: "signature",
                expected: 64,
                found: len
            }
        );
    }
}

/// SPEC.md 13.4's list decoding order.
#[test]
fn revocation_list_decoding_steps_apply_in_order() {
    let short_signature = |body: &pb::RevocationListBody| {
        pb::RevocationList {
            body: body.encode_to_vec(),
            signature: vec![0; 10],
        }
        .encode_to_vec()
    };
    // Version before signer.
    let mut body = root_list_body();
    body.version = 2;
    body.signer = None;
    assert_eq!(
        list_error(&short_signature(&body)),
        Error::UnsupportedVersion { found: 2 }
    );
    // Signer before serials.
    let mut body = root_list_body();
    body.signer = None;
    body.revoked_serials = vec![2, 1];
    assert_eq!(
        list_error(&short_signature(&body)),
        Error::MissingField { field: "signer" }
    );
    // The issuer's certificate before serials.
    let mut body = issuer_list_body();
    let Some(pb::revocation_list_body::Signer::Issuer(certificate)) = body.signer.as_mut() else {
        panic!("not an issuer list")
    };
    certificate.signature.clear();
    body.revoked_serials = vec![2, 1];
    assert_eq!(
        list_error(&short_signature(&body)),
        Error::InvalidLength {
            field: "issuer.signature",
            expected: 64,
            found: 0
        }
    );
    // Serials before the list's signature.
    let mut body = root_list_body();
    body.revoked_serials = vec![2, 1];
    assert_eq!(
        list_error(&short_signature(&body)),
        Error::InvalidCertificate {
            reason: "revoked_serials"
        }
    );
    // And the list's signature last.
    assert_eq!(
        list_error(&short_signature(&root_list_body())),
        Error::InvalidLength {
            field: "signature",
            expected: 64,
            found: 10
        }
    );
}

// ---------------------------------------------------------------------------------------
// Bundles carrying a chain (SPEC.md 13.5, bundle decoding step 7b)
// ---------------------------------------------------------------------------------------

/// Bob's bundle (seed `seed`) carrying `chain`, encoded.
fn bundle_with(seed: u64, chain: pb::CertificateChain) -> Vec<u8> {
    let mut rng = rng(seed);
    let bob = responder(&mut rng, true);
    let mut bundle = pb::PreKeyBundle::decode(bob.bundle.encode().as_slice()).unwrap();
    bundle.business_certificate = Some(chain);
    bundle.encode_to_vec()
}

fn bundle_error(bytes: &[u8]) -> Error {
    PreKeyBundleIn::decode(bytes, &config()).unwrap_err()
}

#[test]
fn bundles_carrying_a_bad_chain() {
    // Control: the genuine chain (for another key) decodes in a bundle; validate_business
    // would refuse it, decoding does not.
    assert!(PreKeyBundleIn::decode(&bundle_with(61, chain_pb()), &config()).is_ok());
    // A chain over 4096 bytes, in a bundle well under max_encoded_len.
    let mut big = chain_pb();
    big.issuer.as_mut().unwrap().body = vec![0xff; MAX_CHAIN];
    let len = big.encoded_len();
    assert!(len > MAX_CHAIN);
    assert_eq!(
        bundle_error(&bundle_with(62, big)),
        Error::TooLarge {
            len,
            max: MAX_CHAIN
        }
    );
    // Chain decoding steps 2 to 4, as for a chain alone.
    let mut no_business = chain_pb();
    no_business.business = None;
    assert_eq!(
        bundle_error(&bundle_with(63, no_business)),
        Error::MissingField { field: "business" }
    );
    let mut bad_name = chain_pb();
    let mut body = business_body();
    body.display_name = "Acme\u{200d}".into();
    bad_name.business.as_mut().unwrap().body = body.encode_to_vec();
    assert_eq!(
        bundle_error(&bundle_with(64, bad_name)),
        Error::InvalidDisplayName {
            reason: "zero-width or invisible character"
        }
    );
    let mut short = chain_pb();
    short.business.as_mut().unwrap().signature.pop();
    assert_eq!(
        bundle_error(&bundle_with(65, short)),
        Error::InvalidLength {
            field: "business.signature",
            expected: 64,
            found: 63
        }
    );
    // Step 7 (the one-time prekey) comes before the chain (7b).
    let mut both = pb::PreKeyBundle::decode(bundle_with(66, chain_pb()).as_slice()).unwrap();
    both.one_time_prekey.as_mut().unwrap().public_key = vec![0; 32];
    both.business_certificate.as_mut().unwrap().business = None;
    assert_eq!(
        bundle_error(&both.encode_to_vec()),
        Error::LowOrderPublicKey
    );
}

// ---------------------------------------------------------------------------------------
// What errors show
// ---------------------------------------------------------------------------------------

/// Every error the business layer returns carries static names and numbers only: neither its
/// `Debug` nor its `Display` shows the seed bytes of the root, issuer or business keys that
/// made the inputs, in hex or as Rust prints byte arrays.
#[test]
fn errors_show_no_secret_seed_bytes() {
    let roots = TrustRoots::new([root().trust_root()]).unwrap();
    let mut revocations = Revocations::new();
    let mut errors = vec![
        chain_error(&edit_issuer(|b| b.issuer_key = ISSUER_SEED[..31].to_vec())),
        chain_error(&edit_business(|b| {
            b.identity_key = BUSINESS_SEED[..31].to_vec()
        })),
        chain_error(&edit_business(|b| b.display_name = "\u{202e}".into())),
        chain_error(&edit_business(|b| b.business_id = "Seed".into())),
        chain_error(&edit_chain(|c| {
            c.business.as_mut().unwrap().signature = ROOT_SEED.to_vec()
        })),
        chain_error(&vec![0; MAX_CHAIN + 1]),
        list_error(&list_of(&pb::RevocationListBody {
            revoked_serials: vec![9, 1],
            ..root_list_body()
        })),
        genuine_chain()
            .validate(&roots, t(NOW), &revocations)
            .unwrap_err(),
        genuine_chain()
            .validate(&roots, t(u64::MAX), &revocations)
            .unwrap_err(),
        revocations
            .update(
                RootKeyPair::from_seed(1, &BUSINESS_SEED)
                    .revoke(1, t(NOW), &[])
                    .unwrap(),
                &roots,
                t(NOW),
            )
            .unwrap_err(),
        revocations
            .update(root().revoke(1, t(0), &[]).unwrap(), &roots, t(NOW))
            .unwrap_err(),
    ];
    revocations
        .update(root().revoke(5, t(NOW), &[7]).unwrap(), &roots, t(NOW))
        .unwrap();
    revocations
        .update(issuer().revoke(5, t(NOW), &[42]).unwrap(), &roots, t(NOW))
        .unwrap();
    errors.push(
        revocations
            .update(root().revoke(4, t(NOW), &[]).unwrap(), &roots, t(NOW))
            .unwrap_err(),
    );
    errors.push(
        genuine_chain()
            .validate(&roots, t(NOW), &revocations)
            .unwrap_err(),
    );
    assert_eq!(
        errors.last(),
        Some(&Error::CertificateRevoked {
            certificate: "issuer",
            serial: 7
        })
    );
    errors.push(Error::BusinessKeyChangeRefused);
    for error in &errors {
        for text in [format!("{error:?}"), format!("{error}")] {
            for seed in [ROOT_SEED, ISSUER_SEED, BUSINESS_SEED] {
                let byte = seed[0];
                assert!(!text.contains(&hex::encode(&seed[..4])), "{text}");
                assert!(!text.contains(&hex::encode_upper(&seed[..4])), "{text}");
                assert!(!text.contains(&format!("{byte}, {byte}")), "{text}");
            }
        }
    }
    // Kinds and categories (SPEC.md 8.1).
    for error in &errors {
        let expected = match error.kind() {
            "TooLarge" => ErrorCategory::Limit,
            "InvalidCertificate"
            | "InvalidDisplayName"
            | "InvalidLength"
            | "MissingField"
            | "UnsupportedVersion"
            | "MalformedProtobuf"
            | "NonCanonicalEncoding" => ErrorCategory::Decoding,
            "InvalidPublicKey" | "LowOrderPublicKey" => ErrorCategory::Key,
            "BusinessKeyChangeRefused" => ErrorCategory::Trust,
            _ => ErrorCategory::Certificate,
        };
        assert_eq!(error.category(), expected, "{error:?}");
    }
}
