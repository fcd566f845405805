//! certificates.json: verified business accounts (SPEC.md section 13): issuing certificates
//! and revocation lists from seeds, display names, holding lists, validating chains, bundles
//! with a chain, and the trust decision for a business's key.

use super::json::{Fields, h};
use super::pb;
use super::seed;
use hushwire::hazmat::certificate::{SignedObject, sign_certificate_body};
use hushwire::{
    AccountId, BusinessCertificateIn, BusinessId, BusinessTemplate, CertificatePolicy, DisplayName,
    Error, IdentityKey, IdentityKeyPair, IssuerCertificate, IssuerKeyPair, IssuerTemplate,
    LevelSet, Observation, PhoneNumber, PreKeyBundleIn, RevocationList, RevocationUpdate,
    Revocations, RootKeyPair, Timestamp, TrustRecord, TrustRoot, TrustRoots, Validity,
    VerificationLevel, VerifiedBusiness, Website, observe_business_identity,
};
use prost::Message;
use serde_json::{Value, json};

/// The time of the file's validations.
const NOW: u64 = 1_800_000_000;
const DAY: u64 = 86_400;

const ROOT: u8 = 80;
const OTHER_ROOT: u8 = 81;
const ISSUER: u8 = 82;
const BUSINESS: u8 = 83;
const OTHER_KEY: u8 = 84;

fn public(n: u8) -> [u8; 32] {
    IdentityKeyPair::from_seed(&seed(n)).public_key().to_bytes()
}

// ---- Hand-built bodies (any content, signed with hazmat) ----

fn issuer_body() -> pb::IssuerCertificateBody {
    pb::IssuerCertificateBody {
        version: 1,
        root_key_id: 1,
        serial: 100,
        issuer_key: public(ISSUER).to_vec(),
        not_before: NOW - 100 * DAY,
        not_after: NOW + 265 * DAY,
        allowed_levels: 0b0110,
    }
}

fn business_body() -> pb::BusinessCertificateBody {
    pb::BusinessCertificateBody {
        version: 1,
        serial: 7,
        identity_key: public(BUSINESS).to_vec(),
        business_id: "acme-shoes".into(),
        display_name: "Acme Shoes".into(),
        level: 2,
        not_before: NOW - 10 * DAY,
        not_after: NOW + 20 * DAY,
        phone_number: "+14155550123".into(),
        website: "https://acme-shoes.example".into(),
        issuer_certificate_id: issuer_id(&issuer_body()),
    }
}

/// An issuer certificate's id (SPEC.md 13.2), computed with sha2 from the encoded body.
fn issuer_id(body: &pb::IssuerCertificateBody) -> Vec<u8> {
    use sha2::Digest;
    let label = b"hushwire/v1/issuer-certificate-id";
    let mut hash = sha2::Sha256::new();
    hash.update([label.len() as u8]);
    hash.update(label);
    hash.update(body.encode_to_vec());
    hash.finalize().to_vec()
}

fn signed_issuer(body: &pb::IssuerCertificateBody, by: u8) -> pb::IssuerCertificate {
    let body = body.encode_to_vec();
    let signature = sign_certificate_body(&seed(by), SignedObject::IssuerCertificate, &body);
    pb::IssuerCertificate {
        body,
        signature: signature.to_vec(),
    }
}

fn signed_business(body: &pb::BusinessCertificateBody, by: u8) -> pb::BusinessCertificate {
    let body = body.encode_to_vec();
    let signature = sign_certificate_body(&seed(by), SignedObject::BusinessCertificate, &body);
    pb::BusinessCertificate {
        body,
        signature: signature.to_vec(),
    }
}

/// A chain from edited bodies, each signed by its proper signer.
fn chain_of(
    edit_issuer: impl FnOnce(&mut pb::IssuerCertificateBody),
    edit_business: impl FnOnce(&mut pb::BusinessCertificateBody),
) -> pb::CertificateChain {
    let (mut i, mut b) = (issuer_body(), business_body());
    edit_issuer(&mut i);
    b.issuer_certificate_id = issuer_id(&i);
    edit_business(&mut b);
    pb::CertificateChain {
        issuer: Some(signed_issuer(&i, ROOT)),
        business: Some(signed_business(&b, ISSUER)),
    }
}

fn good_chain() -> pb::CertificateChain {
    chain_of(|_| {}, |_| {})
}

fn list_body(
    signer: pb::revocation_list_body::Signer,
    sequence: u64,
    issued_at: u64,
    serials: &[u64],
) -> pb::RevocationListBody {
    pb::RevocationListBody {
        version: 1,
        signer: Some(signer),
        sequence,
        issued_at,
        revoked_serials: serials.to_vec(),
    }
}

fn signed_list(body: &pb::RevocationListBody, by: u8) -> Vec<u8> {
    let body = body.encode_to_vec();
    let signature = sign_certificate_body(&seed(by), SignedObject::RevocationList, &body);
    pb::RevocationList {
        body,
        signature: signature.to_vec(),
    }
    .encode_to_vec()
}

fn root_list(sequence: u64, issued_at: u64, serials: &[u64]) -> Vec<u8> {
    use pb::revocation_list_body::Signer;
    signed_list(
        &list_body(Signer::RootKeyId(1), sequence, issued_at, serials),
        ROOT,
    )
}

fn issuer_list(sequence: u64, issued_at: u64, serials: &[u64]) -> Vec<u8> {
    use pb::revocation_list_body::Signer;
    let issuer = signed_issuer(&issuer_body(), ROOT);
    signed_list(
        &list_body(Signer::Issuer(issuer), sequence, issued_at, serials),
        ISSUER,
    )
}

/// Fresh lists from the root and the issuer, revoking nothing that matters.
fn fresh_lists() -> Vec<Value> {
    vec![
        h(root_list(3, NOW - DAY, &[90])),
        h(issuer_list(5, NOW - 3600, &[1, 2])),
    ]
}

fn roots() -> Value {
    json!([{ "key_id": 1, "key": h(public(ROOT)) }, { "key_id": 2, "key": h(public(OTHER_ROOT)) }])
}

fn policy() -> Value {
    json!({ "max_clock_skew_seconds": 300, "max_root_list_age_seconds": 30 * DAY,
            "max_issuer_list_age_seconds": 2 * DAY })
}

fn context(lists: Vec<Value>, now: u64) -> Value {
    json!({ "roots": roots(), "policy": policy(), "now": now, "lists": lists })
}

/// Lists taken in at `now`, the chain validated `later`.
fn validate_later(chain: &[u8], lists: Vec<Value>, now: u64, later: u64) -> Value {
    let mut context = context(lists, now);
    context["later"] = json!(later);
    json!({ "validate": { "context": context, "chain": h(chain) } })
}

fn validate(chain: &[u8], lists: Vec<Value>, now: u64) -> Value {
    json!({ "validate": { "context": context(lists, now), "chain": h(chain) } })
}

fn issue(root_key_id: u32, business: Value, allowed_levels: u32) -> Value {
    json!({ "issue": {
        "root_seed": h(seed(ROOT)), "root_key_id": root_key_id,
        "issuer_seed": h(seed(ISSUER)), "issuer_serial": 100,
        "issuer_not_before": NOW - 100 * DAY, "issuer_not_after": NOW + 265 * DAY,
        "allowed_levels": allowed_levels,
        "business_seed": h(seed(BUSINESS)), "business": business,
    }})
}

fn business_fields() -> Value {
    json!({
        "serial": 7, "business_id": "acme-shoes", "display_name": "Acme Shoes", "level": 2,
        "not_before": NOW - 10 * DAY, "not_after": NOW + 20 * DAY,
        "phone_number": "+14155550123", "website": "https://acme-shoes.example",
    })
}

pub(super) fn inputs() -> Vec<(&'static str, Value)> {
    use pb::revocation_list_body::Signer;
    let enc = |c: &pb::CertificateChain| c.encode_to_vec();
    let good = enc(&good_chain());
    let long_lived = enc(&chain_of(|_| {}, |b| b.not_after = NOW + 100 * DAY));
    let mut cases: Vec<(&'static str, Value)> = Vec::new();

    // Issuing, through the API (RootKeyPair, IssuerKeyPair).
    cases.push((
        "issue: a verified business with phone and website (13.2)",
        issue(1, business_fields(), 0b0110),
    ));
    let mut plain = business_fields();
    plain["phone_number"] = json!("");
    plain["website"] = json!("");
    plain["level"] = json!(1);
    plain["display_name"] = json!("Caf\u{e9} Z\u{fc}rich \u{2615}");
    cases.push((
        "issue: a registered business without contact details; a non-ASCII name",
        issue(7, plain, 0b0010),
    ));
    let mut wide = business_fields();
    wide["display_name"] = json!("\u{ff21}cme Cafe\u{301}");
    cases.push(("issue: the name is normalized to NFKC before signing (fullwidth A, decomposed e-acute) (13.2 Issuing)", issue(1, wide, 0b0110)));
    let mut official = business_fields();
    official["level"] = json!(3);
    cases.push((
        "issue: refused, the issuer may not certify level 3 (CertificateOutOfScope level)",
        issue(1, official, 0b0110),
    ));
    let mut long = business_fields();
    long["not_after"] = json!(NOW + 300 * DAY);
    cases.push((
        "issue: refused, the window ends after the issuer's (CertificateOutOfScope validity)",
        issue(1, long, 0b0110),
    ));

    // Revocation lists, through the API.
    cases.push(("revoke: a root's list (13.4)", json!({ "revoke": {
        "signer_seed": h(seed(ROOT)), "root_key_id": 1, "sequence": 3, "issued_at": NOW - DAY, "serials": [90] }})));
    cases.push(("revoke: an issuer's list, with its certificate (13.4)", json!({ "revoke": {
        "signer_seed": h(seed(ISSUER)), "issuer_certificate": h(signed_issuer(&issuer_body(), ROOT).encode_to_vec()),
        "sequence": 5, "issued_at": NOW - 3600, "serials": [1, 2, 300, 70000] }})));
    cases.push(("revoke: an empty list (the serials field is omitted)", json!({ "revoke": {
        "signer_seed": h(seed(ROOT)), "root_key_id": 1, "sequence": 0, "issued_at": 0, "serials": [] }})));
    cases.push(("revoke: refused, serials not strictly increasing", json!({ "revoke": {
        "signer_seed": h(seed(ROOT)), "root_key_id": 1, "sequence": 4, "issued_at": NOW, "serials": [5, 5] }})));

    // Display names (13.3): the check, and the issuer's normalization.
    let names: [(&'static str, &str, bool); 20] = [
        (
            "display name: refused, MUSICAL SYMBOL NULL NOTEHEAD (renders blank)",
            "Acme\u{1d159}Shoes",
            false,
        ),
        (
            "display name: refused, a Hangul filler (blank)",
            "Acme\u{1160}Shoes",
            false,
        ),
        (
            "display name: refused, an emoji with variation selector 16",
            "\u{2764}\u{fe0f} Flowers",
            false,
        ),
        (
            "display name: refused, an unassigned code point",
            "Acme \u{0378}",
            false,
        ),
        (
            "display name: three combining marks in a row",
            "A\u{0336}\u{0336}\u{0336}cme",
            false,
        ),
        (
            "display name: refused, four combining marks in a row",
            "A\u{0336}\u{0336}\u{0336}\u{0336}cme",
            false,
        ),
        ("display name: plain", "Acme Shoes", false),
        (
            "display name: 64 characters",
            "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
            false,
        ),
        (
            "display name: refused, 65 characters",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            false,
        ),
        ("display name: refused, empty", "", false),
        (
            "display name: refused, a right-to-left override",
            "Acme \u{202e}seohS",
            false,
        ),
        (
            "display name: refused, a zero-width space",
            "Ac\u{200b}me",
            false,
        ),
        (
            "display name: refused, a zero-width joiner (even in an emoji sequence)",
            "Acme \u{1f468}\u{200d}\u{1f373}",
            false,
        ),
        ("display name: refused, a line feed", "Acme\nShoes", false),
        (
            "display name: refused, a private-use character",
            "Acme \u{e000}",
            false,
        ),
        (
            "display name: refused, a noncharacter",
            "Acme \u{fdd0}",
            false,
        ),
        ("display name: refused, two spaces", "Acme  Shoes", false),
        (
            "display name: refused, fullwidth letters (not NFKC)",
            "\u{ff21}cme",
            false,
        ),
        (
            "display name: normalized, fullwidth letters and a no-break space",
            "\u{ff21}cme\u{a0}Shoes",
            true,
        ),
        (
            "display name: normalization does not launder a bidirectional control",
            "Acme\u{2066}",
            true,
        ),
    ];
    for (comment, name, normalize) in names {
        cases.push((
            comment,
            json!({ "display_name": { "name": name, "normalize": normalize } }),
        ));
    }

    // Validation (13.4), with fresh lists held.
    cases.push((
        "validate: a valid chain",
        validate(&good, fresh_lists(), NOW),
    ));
    let minimal = enc(&chain_of(
        |_| {},
        |b| {
            b.phone_number.clear();
            b.website.clear();
            b.serial = 0;
        },
    ));
    cases.push((
        "validate: valid, no contact details and serial 0",
        validate(&minimal, fresh_lists(), NOW),
    ));
    let skew_early = enc(&chain_of(|_| {}, |b| b.not_before = NOW + 300));
    cases.push((
        "validate: valid, not_before = now + skew",
        validate(&skew_early, fresh_lists(), NOW),
    ));
    let too_early = enc(&chain_of(|_| {}, |b| b.not_before = NOW + 301));
    cases.push((
        "validate: step 6, not_before = now + skew + 1 (CertificateNotYetValid business)",
        validate(&too_early, fresh_lists(), NOW),
    ));
    let skew_late = enc(&chain_of(|_| {}, |b| b.not_after = NOW - 300));
    cases.push((
        "validate: valid, not_after = now - skew",
        validate(&skew_late, fresh_lists(), NOW),
    ));
    let expired = enc(&chain_of(|_| {}, |b| b.not_after = NOW - 301));
    cases.push((
        "validate: step 6, not_after = now - skew - 1 (CertificateExpired business)",
        validate(&expired, fresh_lists(), NOW),
    ));
    let unknown_root = enc(&chain_of(|i| i.root_key_id = 9, |_| {}));
    cases.push((
        "validate: step 1, the root key id is not pinned",
        validate(&unknown_root, fresh_lists(), NOW),
    ));
    let mut wrong_root = good_chain();
    wrong_root.issuer = Some(signed_issuer(&issuer_body(), OTHER_ROOT));
    cases.push((
        "validate: step 2, the issuer certificate is signed by another root than the one it names",
        validate(&enc(&wrong_root), fresh_lists(), NOW),
    ));
    let mut body = issuer_body();
    body.root_key_id = 2;
    let mut swapped_root = good_chain();
    swapped_root.issuer = Some(signed_issuer(&body, OTHER_ROOT));
    cases.push((
        "validate: step 5, root 2's certificate for the same issuer key and serial, with a business certificate issued under root 1's (CertificateOutOfScope issuer: the binding holds across roots)",
        validate(&enc(&swapped_root), fresh_lists(), NOW),
    ));
    let by_root_two = pb::CertificateChain {
        issuer: Some(signed_issuer(&body, OTHER_ROOT)),
        business: Some(signed_business(
            &pb::BusinessCertificateBody {
                issuer_certificate_id: issuer_id(&body),
                ..business_body()
            },
            ISSUER,
        )),
    };
    cases.push((
        "validate: step 7, issued under root 2's certificate, but no list of root 2 is held (RevocationListStale root)",
        validate(&enc(&by_root_two), fresh_lists(), NOW),
    ));
    let issuer_future = enc(&chain_of(|i| i.not_before = NOW + 301, |_| {}));
    cases.push((
        "validate: step 3, the issuer certificate is not valid yet",
        validate(&issuer_future, fresh_lists(), NOW),
    ));
    let issuer_expired = enc(&chain_of(
        |i| i.not_after = NOW - 301,
        |b| b.not_after = NOW - 400,
    ));
    cases.push((
        "validate: step 3, the issuer certificate has expired",
        validate(&issuer_expired, fresh_lists(), NOW),
    ));
    let mut wrong_signer = good_chain();
    wrong_signer.business = Some(signed_business(&business_body(), OTHER_KEY));
    cases.push((
        "validate: step 4, the business certificate is not signed by the issuer",
        validate(&enc(&wrong_signer), fresh_lists(), NOW),
    ));
    let mut tampered = good_chain();
    if let Some(b) = tampered.business.as_mut() {
        let mut body = business_body();
        body.display_name = "Acme Shoe".into();
        b.body = body.encode_to_vec();
    }
    cases.push((
        "validate: step 4, the name was changed after signing",
        validate(&enc(&tampered), fresh_lists(), NOW),
    ));
    let other_issuer = enc(&chain_of(
        |_| {},
        |b| {
            let mut other = issuer_body();
            other.serial = 99;
            b.issuer_certificate_id = issuer_id(&other);
        },
    ));
    cases.push((
        "validate: step 5, the business certificate names another issuer certificate of the same key (CertificateOutOfScope issuer)",
        validate(&other_issuer, fresh_lists(), NOW),
    ));
    let level = enc(&chain_of(|_| {}, |b| b.level = 3));
    cases.push((
        "validate: step 5, level 3 beyond the issuer's scope (CertificateOutOfScope level)",
        validate(&level, fresh_lists(), NOW),
    ));
    let window = enc(&chain_of(|_| {}, |b| b.not_after = NOW + 266 * DAY));
    cases.push((
        "validate: step 5, the window ends after the issuer's (CertificateOutOfScope validity)",
        validate(&window, fresh_lists(), NOW),
    ));
    let both = enc(&chain_of(
        |_| {},
        |b| {
            b.level = 3;
            b.not_after = NOW - 400;
        },
    ));
    cases.push((
        "validate: steps 5 and 6 both fail: the scope is reported",
        validate(&both, fresh_lists(), NOW),
    ));
    cases.push((
        "validate: step 7, no lists held",
        validate(&good, vec![], NOW),
    ));
    cases.push((
        "validate: step 8, only the root's list held",
        validate(&good, vec![h(root_list(3, NOW - DAY, &[]))], NOW),
    ));
    cases.push((
        "validate: step 7, lists held at now, the chain (valid 100 days) validated when the root's list is 30 days + 1 s old",
        validate_later(
            &long_lived,
            vec![
                h(root_list(3, NOW - DAY, &[])),
                h(issuer_list(5, NOW - 3600, &[])),
            ],
            NOW,
            NOW + 29 * DAY + 1,
        ),
    ));
    cases.push((
        "validate: step 8, lists held at now, the chain validated when the issuer's list is 48 hours + 1 s old",
        validate_later(
            &good,
            vec![
                h(root_list(3, NOW - DAY, &[])),
                h(issuer_list(5, NOW - 3600, &[])),
            ],
            NOW,
            NOW - 3600 + 2 * DAY + 1,
        ),
    ));
    cases.push((
        "validate: valid, lists held at now, the chain validated when the issuer's list is exactly 48 hours old",
        validate_later(
            &good,
            vec![
                h(root_list(3, NOW - DAY, &[])),
                h(issuer_list(5, NOW - 3600, &[])),
            ],
            NOW,
            NOW - 3600 + 2 * DAY,
        ),
    ));
    cases.push((
        "validate: step 7, the root revoked the issuer (serial 100)",
        validate(
            &good,
            vec![
                h(root_list(3, NOW - DAY, &[50, 100])),
                h(issuer_list(5, NOW - 3600, &[])),
            ],
            NOW,
        ),
    ));
    cases.push((
        "validate: step 8, the issuer revoked the business (serial 7)",
        validate(
            &good,
            vec![
                h(root_list(3, NOW - DAY, &[])),
                h(issuer_list(5, NOW - 3600, &[6, 7, 8])),
            ],
            NOW,
        ),
    ));
    let renewed_issuer = {
        let mut body = issuer_body();
        body.serial = 101;
        body.not_before = NOW - 10 * DAY;
        let mut business = business_body();
        business.issuer_certificate_id = issuer_id(&body);
        pb::CertificateChain {
            issuer: Some(signed_issuer(&body, ROOT)),
            business: Some(signed_business(&business, ISSUER)),
        }
    };
    cases.push((
        "validate: step 8, a business certificate issued under a renewed issuer certificate (same key) shares the issuer's list",
        validate(
            &enc(&renewed_issuer),
            vec![
                h(root_list(3, NOW - DAY, &[])),
                h(issuer_list(5, NOW - 3600, &[7])),
            ],
            NOW,
        ),
    ));

    // Holding lists (13.4 update steps 1-5).
    let upd = |lists: Vec<Vec<u8>>| validate(&good, lists.iter().map(h).collect(), NOW);
    cases.push((
        "update: a newer list replaces the held one, so a revocation takes effect",
        upd(vec![
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 3600, &[]),
            issuer_list(6, NOW - 60, &[7]),
        ]),
    ));
    cases.push((
        "update: the same list again is already held",
        upd(vec![
            root_list(3, NOW - DAY, &[]),
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 3600, &[]),
        ]),
    ));
    cases.push((
        "update: rollback to a lower sequence is refused; the newer list stays",
        upd(vec![
            root_list(3, NOW - DAY, &[]),
            issuer_list(6, NOW - 60, &[]),
            issuer_list(5, NOW - 3600, &[7]),
        ]),
    ));
    cases.push((
        "update: the same sequence with other content is refused",
        upd(vec![
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 3600, &[]),
            issuer_list(5, NOW - 3600, &[7]),
        ]),
    ));
    cases.push((
        "update: a list issued more than the skew in the future is refused",
        upd(vec![
            root_list(3, NOW + 301, &[]),
            issuer_list(5, NOW - 3600, &[]),
        ]),
    ));
    cases.push((
        "update: a list issued within the skew in the future is held",
        upd(vec![
            root_list(3, NOW + 300, &[]),
            issuer_list(5, NOW - 3600, &[]),
        ]),
    ));
    cases.push((
        "update: an issuer's list older than 48 hours is refused",
        upd(vec![
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 2 * DAY - 1, &[]),
        ]),
    ));
    cases.push((
        "update: a list from an unpinned root is refused",
        upd(vec![
            signed_list(&list_body(Signer::RootKeyId(9), 1, NOW, &[]), ROOT),
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 3600, &[]),
        ]),
    ));
    cases.push((
        "update: a root's list signed by another key is refused",
        upd(vec![
            signed_list(&list_body(Signer::RootKeyId(1), 1, NOW, &[]), OTHER_ROOT),
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 3600, &[]),
        ]),
    ));
    let expired_issuer = signed_issuer(
        &{
            let mut b = issuer_body();
            b.not_after = NOW - 400;
            b
        },
        ROOT,
    );
    cases.push((
        "update: an issuer's list whose certificate has expired is refused",
        upd(vec![
            signed_list(
                &list_body(Signer::Issuer(expired_issuer), 9, NOW, &[]),
                ISSUER,
            ),
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 3600, &[]),
        ]),
    ));
    let unpacked = {
        // revoked_serials [1, 2] written unpacked: 30 01 30 02.
        let mut body = list_body(Signer::RootKeyId(1), 1, NOW, &[]).encode_to_vec();
        body.extend_from_slice(&[0x30, 0x01, 0x30, 0x02]);
        let signature = sign_certificate_body(&seed(ROOT), SignedObject::RevocationList, &body);
        pb::RevocationList {
            body,
            signature: signature.to_vec(),
        }
        .encode_to_vec()
    };
    cases.push((
        "update: decoding refuses unpacked serials (NonCanonicalEncoding)",
        upd(vec![
            unpacked,
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 3600, &[]),
        ]),
    ));
    let decreasing = signed_list(&list_body(Signer::RootKeyId(1), 1, NOW, &[2, 1]), ROOT);
    cases.push((
        "update: decoding refuses decreasing serials",
        upd(vec![
            decreasing,
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 3600, &[]),
        ]),
    ));
    let no_signer = signed_list(
        &pb::RevocationListBody {
            version: 1,
            signer: None,
            sequence: 1,
            issued_at: NOW,
            revoked_serials: vec![],
        },
        ROOT,
    );
    cases.push((
        "update: decoding refuses a list without a signer",
        upd(vec![
            no_signer,
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 3600, &[]),
        ]),
    ));
    let short_sig = {
        let mut list = pb::RevocationList::decode(root_list(1, NOW, &[]).as_slice()).unwrap();
        list.signature.pop();
        list.encode_to_vec()
    };
    cases.push((
        "update: decoding refuses a 63-byte signature",
        upd(vec![
            short_sig,
            root_list(3, NOW - DAY, &[]),
            issuer_list(5, NOW - 3600, &[]),
        ]),
    ));

    // Chain decoding (13.2): one negative case per step.
    let d = |chain: pb::CertificateChain| validate(&chain.encode_to_vec(), fresh_lists(), NOW);
    cases.push((
        "decode: step 1, longer than 4096 bytes",
        validate(
            &[good.clone(), vec![0u8; 4097 - good.len()]].concat(),
            fresh_lists(),
            NOW,
        ),
    ));
    cases.push((
        "decode: step 1, an unknown field",
        validate(
            &[good.clone(), vec![0x18, 0x01]].concat(),
            fresh_lists(),
            NOW,
        ),
    ));
    cases.push((
        "decode: step 2, no issuer certificate",
        d(pb::CertificateChain {
            issuer: None,
            ..good_chain()
        }),
    ));
    cases.push((
        "decode: step 2, no business certificate",
        d(pb::CertificateChain {
            business: None,
            ..good_chain()
        }),
    ));
    cases.push((
        "decode: step 3a, the issuer body is not canonical (version written as 0)",
        d({
            let mut c = good_chain();
            if let Some(i) = c.issuer.as_mut() {
                i.body = [vec![0x08, 0x00], i.body.clone()].concat();
            }
            c
        }),
    ));
    cases.push((
        "decode: step 3b, issuer body version 2",
        d(chain_of(|i| i.version = 2, |_| {})),
    ));
    cases.push((
        "decode: step 3c, a 31-byte issuer key",
        d(chain_of(
            |i| {
                i.issuer_key.pop();
            },
            |_| {},
        )),
    ));
    cases.push((
        "decode: step 3d, the issuer window is inverted",
        d(chain_of(|i| i.not_after = i.not_before - 1, |_| {})),
    ));
    cases.push((
        "decode: step 3e, no allowed level",
        d(chain_of(|i| i.allowed_levels = 0, |_| {})),
    ));
    cases.push((
        "decode: step 3e, allowed level 4",
        d(chain_of(|i| i.allowed_levels = 0b10010, |_| {})),
    ));
    cases.push((
        "decode: step 3f, a 65-byte issuer signature",
        d({
            let mut c = good_chain();
            if let Some(i) = c.issuer.as_mut() {
                i.signature.push(0);
            }
            c
        }),
    ));
    cases.push((
        "decode: step 4b, business body version 0 (absent)",
        d(chain_of(|_| {}, |b| b.version = 0)),
    ));
    cases.push((
        "decode: step 4c, a business identity key of small order",
        d(chain_of(
            |_| {},
            |b| {
                let mut k = vec![0u8; 32];
                k[0] = 1;
                b.identity_key = k;
            },
        )),
    ));
    cases.push((
        "decode: step 4d, an upper-case business id",
        d(chain_of(|_| {}, |b| b.business_id = "Acme".into())),
    ));
    cases.push((
        "decode: step 4d, an empty business id",
        d(chain_of(|_| {}, |b| b.business_id.clear())),
    ));
    cases.push((
        "decode: step 4e, a display name with a bidirectional override",
        d(chain_of(|_| {}, |b| b.display_name = "Acme\u{202e}".into())),
    ));
    cases.push((
        "decode: step 4e, a display name not in NFKC",
        d(chain_of(|_| {}, |b| b.display_name = "Cafe\u{301}".into())),
    ));
    cases.push((
        "decode: step 4f, level 4",
        d(chain_of(|_| {}, |b| b.level = 4)),
    ));
    cases.push((
        "decode: step 4f, level 0 (absent)",
        d(chain_of(|_| {}, |b| b.level = 0)),
    ));
    cases.push((
        "decode: step 4g, the business window is inverted",
        d(chain_of(|_| {}, |b| b.not_before = b.not_after + 1)),
    ));
    cases.push((
        "decode: step 4h, a phone number without +",
        d(chain_of(|_| {}, |b| b.phone_number = "14155550123".into())),
    ));
    cases.push((
        "decode: step 4h, a phone number of 16 digits",
        d(chain_of(
            |_| {},
            |b| b.phone_number = "+1415555012345678".into(),
        )),
    ));
    cases.push((
        "decode: step 4i, an http website",
        d(chain_of(
            |_| {},
            |b| b.website = "http://acme.example".into(),
        )),
    ));
    cases.push((
        "decode: step 4j, a 31-byte issuer certificate id",
        d(chain_of(
            |_| {},
            |b| {
                b.issuer_certificate_id.pop();
            },
        )),
    ));
    cases.push((
        "decode: step 4k, an empty business signature",
        d({
            let mut c = good_chain();
            if let Some(b) = c.business.as_mut() {
                b.signature.clear();
            }
            c
        }),
    ));
    cases.push((
        "decode: invalid UTF-8 in the display name (MalformedProtobuf)",
        d({
            let mut c = good_chain();
            let mut body = business_body().encode_to_vec();
            // "Acme Shoes" is at a known place: replace its first byte with 0xff.
            let at = body.windows(10).position(|w| w == b"Acme Shoes").unwrap();
            body[at] = 0xff;
            if let Some(b) = c.business.as_mut() {
                b.body = body;
            }
            c
        }),
    ));

    // Bundles with a chain (13.5).
    let bundle = |identity: u8, chain: Option<pb::CertificateChain>| -> Vec<u8> {
        let spk_secret = seed(85);
        let spk =
            hushwire::hazmat::x25519_public_key(&hushwire::provider::RUST_CRYPTO, &spk_secret);
        pb::PreKeyBundle {
            version: 1,
            identity_key: public(identity).to_vec(),
            signed_prekey: Some(pb::SignedPreKey {
                id: 1,
                created_at: NOW - DAY,
                public_key: spk.to_vec(),
                signature: hushwire::hazmat::sign_signed_prekey(
                    &seed(identity),
                    1,
                    NOW - DAY,
                    &spk,
                )
                .to_vec(),
            }),
            one_time_prekey: None,
            business_certificate: chain,
            kem_prekey: None,
        }
        .encode_to_vec()
    };
    let b = |bytes: Vec<u8>, lists: Vec<Value>| json!({ "bundle": { "context": context(lists, NOW), "bundle": h(bytes) } });
    cases.push((
        "bundle: a business's bundle with its chain",
        b(bundle(BUSINESS, Some(good_chain())), fresh_lists()),
    ));
    cases.push((
        "bundle: without a chain, no business",
        b(bundle(OTHER_KEY, None), fresh_lists()),
    ));
    cases.push((
        "bundle: the chain certifies another key (IdentityMismatch)",
        b(bundle(OTHER_KEY, Some(good_chain())), fresh_lists()),
    ));
    cases.push((
        "bundle: the chain is revoked",
        b(
            bundle(BUSINESS, Some(good_chain())),
            vec![
                h(root_list(3, NOW - DAY, &[])),
                h(issuer_list(5, NOW - 3600, &[7])),
            ],
        ),
    ));
    cases.push((
        "bundle: a malformed chain fails decoding",
        b(
            bundle(BUSINESS, Some(chain_of(|_| {}, |b| b.level = 9))),
            fresh_lists(),
        ),
    ));

    // The trust decision for a business's key (13.6).
    let record = |key: u8, business_id: &str| {
        pb::TrustRecord {
            version: 1,
            identity_key: public(key).to_vec(),
            first_seen: NOW - 30 * DAY,
            level: Some(pb::trust_record::Level::Unverified(pb::TrustUnverified {})),
            business_id: business_id.into(),
        }
        .encode_to_vec()
    };
    let other_business = enc(&chain_of(
        |_| {},
        |b| {
            b.identity_key = public(OTHER_KEY).to_vec();
            b.business_id = "acme-shoes-2".into();
        },
    ));
    let new_key_chain = enc(&chain_of(
        |_| {},
        |b| {
            b.identity_key = public(OTHER_KEY).to_vec();
            b.serial = 8;
        },
    ));
    let o = |record: Option<Vec<u8>>, seen: u8, chain: Option<&Vec<u8>>| {
        json!({ "observe": {
            "record": record.map(h).unwrap_or(Value::Null),
            "seen": h(public(seen)), "now": NOW,
            "business": chain.map(|c| json!({ "context": context(fresh_lists(), NOW), "chain": h(c) })).unwrap_or(Value::Null),
        }})
    };
    cases.push((
        "observe: first sighting with a chain: new, bound",
        o(None, BUSINESS, Some(&good)),
    ));
    cases.push((
        "observe: same key, now with a chain: bound",
        o(Some(record(BUSINESS, "")), BUSINESS, Some(&good)),
    ));
    cases.push((
        "observe: same key, bound, no chain: unchanged",
        o(Some(record(BUSINESS, "acme-shoes")), BUSINESS, None),
    ));
    cases.push((
        "observe: a bound business's new key without a chain: refused",
        o(Some(record(BUSINESS, "acme-shoes")), OTHER_KEY, None),
    ));
    cases.push((
        "observe: a bound business's new key with a chain for the same business: changed",
        o(
            Some(record(BUSINESS, "acme-shoes")),
            OTHER_KEY,
            Some(&new_key_chain),
        ),
    ));
    cases.push((
        "observe: a bound business's new key with a chain for another business: refused",
        o(
            Some(record(BUSINESS, "acme-shoes")),
            OTHER_KEY,
            Some(&other_business),
        ),
    ));
    cases.push((
        "observe: a chain for another key than the one seen counts as none: refused",
        o(Some(record(BUSINESS, "acme-shoes")), OTHER_KEY, Some(&good)),
    ));
    cases.push((
        "observe: an unbound peer's new key with a chain: changed, bound",
        o(Some(record(BUSINESS, "")), OTHER_KEY, Some(&new_key_chain)),
    ));
    let mut stale = o(
        Some(record(BUSINESS, "acme-shoes")),
        OTHER_KEY,
        Some(&new_key_chain),
    );
    stale["observe"]["now"] = json!(NOW + 3 * DAY);
    cases.push((
        "observe: the chain for the new key was validated 3 days before: no longer fresh, refused",
        stale,
    ));
    // A stale business binds nothing, but still refuses another business id (13.6).
    let later = |mut case: Value| {
        case["observe"]["now"] = json!(NOW + 3 * DAY);
        case
    };
    let other_id_same_key = enc(&chain_of(|_| {}, |b| b.business_id = "acme-shoes-2".into()));
    cases.push((
        "observe: a stale chain naming another business for the key on record: refused",
        later(o(
            Some(record(BUSINESS, "acme-shoes")),
            BUSINESS,
            Some(&other_id_same_key),
        )),
    ));
    cases.push((
        "observe: a stale chain at first sighting: new, not bound",
        later(o(None, BUSINESS, Some(&good))),
    ));
    cases.push((
        "observe: a stale chain for an unbound record's key: unchanged, not bound",
        later(o(Some(record(BUSINESS, "")), BUSINESS, Some(&good))),
    ));
    cases
}

// ---- Inputs ----

pub(super) struct ValidationContext {
    roots: TrustRoots,
    now: Timestamp,
    later: Option<Timestamp>,
    lists: Vec<Vec<u8>>,
}

impl ValidationContext {
    fn from_fields(f: &Fields<'_>) -> Result<Self, String> {
        let policy = f.object(
            "policy",
            &[
                "max_clock_skew_seconds",
                "max_root_list_age_seconds",
                "max_issuer_list_age_seconds",
            ],
            &[],
        )?;
        let mut p = CertificatePolicy::default();
        p.max_clock_skew_seconds = policy.u64("max_clock_skew_seconds")?;
        p.max_root_list_age_seconds = policy.u64("max_root_list_age_seconds")?;
        p.max_issuer_list_age_seconds = policy.u64("max_issuer_list_age_seconds")?;
        let mut roots = Vec::new();
        for root in f
            .value("roots")?
            .as_array()
            .ok_or("roots: expected an array")?
        {
            let r = Fields::of(root, &["key_id", "key"], &[])?;
            let key = IdentityKey::from_bytes(&r.bytes("key")?).map_err(|e| e.to_string())?;
            roots.push(TrustRoot::new(r.u32("key_id")?, key));
        }
        let roots = TrustRoots::new(roots)
            .map_err(|e| e.to_string())?
            .with_policy(p);
        let mut lists = Vec::new();
        for list in f
            .value("lists")?
            .as_array()
            .ok_or("lists: expected an array")?
        {
            lists.push(super::json::bytes(list)?);
        }
        let later = f
            .get("later")
            .map(|_| f.u64("later").map(Timestamp::from_unix_seconds))
            .transpose()?;
        Ok(Self {
            roots,
            now: Timestamp::from_unix_seconds(f.u64("now")?),
            later,
            lists,
        })
    }

    fn from_value(value: &Value) -> Result<Self, String> {
        Self::from_fields(&Fields::of(
            value,
            &["roots", "policy", "now", "lists"],
            &["later"],
        )?)
    }

    /// Each list taken in (decode, then update), and what became of it.
    fn hold(&self) -> (Revocations, Vec<Value>) {
        let mut revocations = Revocations::new();
        let outcomes = self
            .lists
            .iter()
            .map(|bytes| {
                match RevocationList::decode(bytes)
                    .and_then(|list| revocations.update(list, &self.roots, self.now))
                {
                    Ok(RevocationUpdate::Updated) => json!("updated"),
                    Ok(RevocationUpdate::AlreadyHeld) => json!("already_held"),
                    Err(e) => error(&e),
                }
            })
            .collect();
        (revocations, outcomes)
    }

    fn validate(&self, chain: &[u8]) -> (Vec<Value>, Result<VerifiedBusiness, Error>) {
        let (revocations, updates) = self.hold();
        let result = BusinessCertificateIn::decode(chain).and_then(|chain| {
            chain.validate(&self.roots, self.later.unwrap_or(self.now), &revocations)
        });
        (updates, result)
    }
}

pub(super) enum CertificatesInput {
    Issue(Box<IssueInput>),
    Revoke {
        signer_seed: [u8; 32],
        root_key_id: Option<u32>,
        issuer_certificate: Option<Vec<u8>>,
        sequence: u64,
        issued_at: u64,
        serials: Vec<u64>,
    },
    DisplayName {
        name: String,
        normalize: bool,
    },
    Validate(ValidationContext, Vec<u8>),
    Bundle(ValidationContext, Vec<u8>),
    Observe {
        record: Option<Vec<u8>>,
        seen: Vec<u8>,
        now: u64,
        business: Option<(ValidationContext, Vec<u8>)>,
    },
}

pub(super) struct IssueInput {
    root_seed: [u8; 32],
    root_key_id: u32,
    issuer_seed: [u8; 32],
    issuer_serial: u64,
    issuer_window: (u64, u64),
    allowed_levels: u32,
    business_seed: [u8; 32],
    serial: u64,
    business_id: String,
    display_name: String,
    level: u32,
    window: (u64, u64),
    phone_number: String,
    website: String,
}

impl CertificatesInput {
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        if value.get("issue").is_some() {
            let f = Fields::of(value, &["issue"], &[])?.object(
                "issue",
                &[
                    "root_seed",
                    "root_key_id",
                    "issuer_seed",
                    "issuer_serial",
                    "issuer_not_before",
                    "issuer_not_after",
                    "allowed_levels",
                    "business_seed",
                    "business",
                ],
                &[],
            )?;
            let b = f.object(
                "business",
                &[
                    "serial",
                    "business_id",
                    "display_name",
                    "level",
                    "not_before",
                    "not_after",
                    "phone_number",
                    "website",
                ],
                &[],
            )?;
            return Ok(Self::Issue(Box::new(IssueInput {
                root_seed: f.b32("root_seed")?,
                root_key_id: f.u32("root_key_id")?,
                issuer_seed: f.b32("issuer_seed")?,
                issuer_serial: f.u64("issuer_serial")?,
                issuer_window: (f.u64("issuer_not_before")?, f.u64("issuer_not_after")?),
                allowed_levels: f.u32("allowed_levels")?,
                business_seed: f.b32("business_seed")?,
                serial: b.u64("serial")?,
                business_id: b.str("business_id")?.to_owned(),
                display_name: b.str("display_name")?.to_owned(),
                level: b.u32("level")?,
                window: (b.u64("not_before")?, b.u64("not_after")?),
                phone_number: b.str("phone_number")?.to_owned(),
                website: b.str("website")?.to_owned(),
            })));
        }
        if value.get("revoke").is_some() {
            let f = Fields::of(value, &["revoke"], &[])?.object(
                "revoke",
                &["signer_seed", "sequence", "issued_at", "serials"],
                &["root_key_id", "issuer_certificate"],
            )?;
            let root_key_id = f
                .get("root_key_id")
                .map(|_| f.u32("root_key_id"))
                .transpose()?;
            let issuer_certificate = f
                .get("issuer_certificate")
                .map(|_| f.bytes("issuer_certificate"))
                .transpose()?;
            if root_key_id.is_some() == issuer_certificate.is_some() {
                return Err("revoke: exactly one of root_key_id and issuer_certificate".into());
            }
            let serials = f
                .value("serials")?
                .as_array()
                .ok_or("serials: expected an array")?
                .iter()
                .map(super::json::num)
                .collect::<Result<_, _>>()?;
            return Ok(Self::Revoke {
                signer_seed: f.b32("signer_seed")?,
                root_key_id,
                issuer_certificate,
                sequence: f.u64("sequence")?,
                issued_at: f.u64("issued_at")?,
                serials,
            });
        }
        if value.get("display_name").is_some() {
            let f = Fields::of(value, &["display_name"], &[])?.object(
                "display_name",
                &["name", "normalize"],
                &[],
            )?;
            return Ok(Self::DisplayName {
                name: f.str("name")?.to_owned(),
                normalize: f.bool("normalize")?,
            });
        }
        if value.get("validate").is_some() {
            let f = Fields::of(value, &["validate"], &[])?.object(
                "validate",
                &["context", "chain"],
                &[],
            )?;
            return Ok(Self::Validate(
                ValidationContext::from_value(f.value("context")?)?,
                f.bytes("chain")?,
            ));
        }
        if value.get("bundle").is_some() {
            let f = Fields::of(value, &["bundle"], &[])?.object(
                "bundle",
                &["context", "bundle"],
                &[],
            )?;
            return Ok(Self::Bundle(
                ValidationContext::from_value(f.value("context")?)?,
                f.bytes("bundle")?,
            ));
        }
        let f = Fields::of(value, &["observe"], &[])?.object(
            "observe",
            &["record", "seen", "now", "business"],
            &[],
        )?;
        let record = match f.value("record")? {
            Value::Null => None,
            _ => Some(f.bytes("record")?),
        };
        let business = match f.value("business")? {
            Value::Null => None,
            value => {
                let b = Fields::of(value, &["context", "chain"], &[])?;
                Some((
                    ValidationContext::from_value(b.value("context")?)?,
                    b.bytes("chain")?,
                ))
            }
        };
        Ok(Self::Observe {
            record,
            seen: f.bytes("seen")?,
            now: f.u64("now")?,
            business,
        })
    }
}

// ---- Outputs ----

/// An error as the file records it: its kind and the values SPEC.md 8.1 gives it.
fn error(e: &Error) -> Value {
    let mut out = json!({ "error": e.kind() });
    let extra = match e {
        Error::InvalidCertificate { reason }
        | Error::InvalidDisplayName { reason }
        | Error::CertificateOutOfScope { reason } => json!({ "reason": reason }),
        Error::InvalidCertificateSignature { certificate }
        | Error::CertificateNotYetValid { certificate }
        | Error::CertificateExpired { certificate } => json!({ "certificate": certificate }),
        Error::CertificateRevoked {
            certificate,
            serial,
        } => json!({ "certificate": certificate, "serial": serial }),
        Error::RevocationListStale { signer } => json!({ "signer": signer }),
        Error::RevocationListRollback { held, found } => json!({ "held": held, "found": found }),
        Error::UnknownTrustRoot { key_id } => json!({ "key_id": key_id }),
        Error::MissingField { field } => json!({ "field": field }),
        Error::InvalidLength {
            field,
            expected,
            found,
        } => json!({ "field": field, "expected": expected, "found": found }),
        Error::UnsupportedVersion { found } => json!({ "found": found }),
        Error::TooLarge { len, max } => json!({ "len": len, "max": max }),
        _ => json!({}),
    };
    if let (Some(out), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
        out.extend(extra.clone());
    }
    out
}

fn business_json(b: &VerifiedBusiness) -> Value {
    json!({
        "identity_key": h(b.identity_key().to_bytes()),
        "business_id": b.business_id().as_str(),
        "display_name": b.display_name().as_str(),
        "level": b.level().code(),
        "phone_number": b.phone_number().map(|p| p.as_str()).unwrap_or(""),
        "website": b.website().map(|w| w.as_str()).unwrap_or(""),
        "serial": b.serial(),
        "valid_until": b.valid_until().as_unix_seconds(),
        "root_key_id": b.root_key_id(),
        "issuer_key": h(b.issuer_key().to_bytes()),
        "fresh_until": b.fresh_until().as_unix_seconds(),
    })
}

fn outcome(result: Result<VerifiedBusiness, Error>) -> Value {
    match result {
        Ok(b) => json!({ "business": business_json(&b) }),
        Err(e) => error(&e),
    }
}

fn issue_case(i: &IssueInput) -> Result<Value, Error> {
    let root = RootKeyPair::from_seed(i.root_key_id, &i.root_seed);
    let issuer_key = IdentityKeyPair::from_seed(&i.issuer_seed);
    let issuer_template = IssuerTemplate {
        serial: i.issuer_serial,
        issuer_key: *issuer_key.public_key(),
        validity: Validity::new(
            Timestamp::from_unix_seconds(i.issuer_window.0),
            Timestamp::from_unix_seconds(i.issuer_window.1),
        )?,
        allowed_levels: LevelSet::from_bits(i.allowed_levels)?,
    };
    let issuer_certificate = root.certify_issuer(&issuer_template);
    let issuer = IssuerKeyPair::new(issuer_key, issuer_certificate.clone())?;
    let optional = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    let template = BusinessTemplate {
        serial: i.serial,
        identity_key: *IdentityKeyPair::from_seed(&i.business_seed).public_key(),
        business_id: BusinessId::new(&i.business_id)?,
        display_name: DisplayName::normalize(&i.display_name)?,
        level: VerificationLevel::from_code(i.level)?,
        validity: Validity::new(
            Timestamp::from_unix_seconds(i.window.0),
            Timestamp::from_unix_seconds(i.window.1),
        )?,
        phone_number: optional(&i.phone_number)
            .map(|p| PhoneNumber::new(&p))
            .transpose()?,
        website: optional(&i.website).map(|w| Website::new(&w)).transpose()?,
    };
    let chain = issuer.certify_business(&template)?;
    let encoded = pb::CertificateChain::decode(chain.encode().as_slice())
        .map_err(|_| Error::MalformedProtobuf)?;
    let (ic, bc) = (
        encoded.issuer.unwrap_or_default(),
        encoded.business.unwrap_or_default(),
    );
    Ok(json!({
        "root_key": h(root.trust_root().key().to_bytes()),
        "issuer_key": h(issuer_template.issuer_key.to_bytes()),
        "identity_key": h(template.identity_key.to_bytes()),
        "issuer_body": h(&ic.body),
        "issuer_signature": h(&ic.signature),
        "issuer_certificate": h(issuer_certificate.encode()),
        "business_body": h(&bc.body),
        "business_signature": h(&bc.signature),
        "chain": h(chain.encode()),
    }))
}

pub(super) fn compute(input: &CertificatesInput) -> Result<Value, String> {
    Ok(match input {
        CertificatesInput::Issue(i) => issue_case(i).unwrap_or_else(|e| error(&e)),
        CertificatesInput::Revoke {
            signer_seed,
            root_key_id,
            issuer_certificate,
            sequence,
            issued_at,
            serials,
        } => {
            let at = Timestamp::from_unix_seconds(*issued_at);
            let list = match (root_key_id, issuer_certificate) {
                (Some(key_id), _) => {
                    RootKeyPair::from_seed(*key_id, signer_seed).revoke(*sequence, at, serials)
                }
                (None, Some(certificate)) => IssuerCertificate::decode(certificate)
                    .and_then(|c| IssuerKeyPair::from_seed(signer_seed, c))
                    .and_then(|issuer| issuer.revoke(*sequence, at, serials)),
                (None, None) => return Err("no signer".into()),
            };
            match list {
                Ok(list) => {
                    let encoded = list.encode();
                    let parts = pb::RevocationList::decode(encoded.as_slice())
                        .map_err(|e| e.to_string())?;
                    json!({ "body": h(&parts.body), "signature": h(&parts.signature), "list": h(&encoded) })
                }
                Err(e) => error(&e),
            }
        }
        CertificatesInput::DisplayName { name, normalize } => {
            let result = if *normalize {
                DisplayName::normalize(name)
            } else {
                DisplayName::new(name)
            };
            match result {
                Ok(name) => json!({ "name": name.as_str() }),
                Err(e) => error(&e),
            }
        }
        CertificatesInput::Validate(context, chain) => {
            let (updates, result) = context.validate(chain);
            json!({ "updates": updates, "result": outcome(result) })
        }
        CertificatesInput::Bundle(context, bundle) => {
            let (revocations, updates) = context.hold();
            let result =
                PreKeyBundleIn::decode(bundle, &super::classic_config()).and_then(|bundle| {
                    bundle.validate_business(&context.roots, context.now, &revocations)
                });
            let result = match result {
                Ok(bundle) => match bundle.business() {
                    Some(b) => json!({ "business": business_json(b) }),
                    None => json!({ "business": Value::Null }),
                },
                Err(e) => error(&e),
            };
            json!({ "updates": updates, "result": result })
        }
        CertificatesInput::Observe {
            record,
            seen,
            now,
            business,
        } => {
            let peer = AccountId::new(b"acme".to_vec()).map_err(|e| e.to_string())?;
            let record = record
                .as_ref()
                .map(|r| TrustRecord::from_bytes(r))
                .transpose()
                .map_err(|e| e.to_string())?;
            let seen = IdentityKey::from_bytes(seen).map_err(|e| e.to_string())?;
            let business = match business {
                Some((context, chain)) => {
                    Some(context.validate(chain).1.map_err(|e| e.to_string())?)
                }
                None => None,
            };
            let now = Timestamp::from_unix_seconds(*now);
            let (observation, stored) = match observe_business_identity(
                &peer,
                record.as_ref(),
                &seen,
                business.as_ref(),
                now,
            ) {
                Observation::New(r) => ("new", Some(r)),
                Observation::Unchanged => ("unchanged", None),
                Observation::Bound(r) => ("bound", Some(r)),
                Observation::Refused => ("refused", None),
                Observation::Changed { record, .. } => ("changed", Some(record)),
            };
            json!({
                "observation": observation,
                "store": stored.map(|r| h(r.to_bytes())).unwrap_or(Value::Null),
            })
        }
    })
}
