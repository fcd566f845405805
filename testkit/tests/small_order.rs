//! `SMALL_ORDER_X25519` (the crate's own table, re-exported by the test kit) derived
//! independently: from the curve arithmetic of curve25519-dalek, and from SPEC.md 2.2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use curve25519_dalek::Scalar;
use curve25519_dalek::constants::EIGHT_TORSION;
use curve25519_dalek::montgomery::MontgomeryPoint;
use hushwire_testkit::SMALL_ORDER_X25519;

/// p = 2^255 - 19, little-endian.
fn p() -> [u8; 32] {
    let mut p = [0xff; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
}

/// `a < b` for little-endian 256-bit values.
fn less_than(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().rev().lt(b.iter().rev())
}

fn hex32(text: &str) -> [u8; 32] {
    assert_eq!(text.len(), 64, "{text}");
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

/// [8]P, by the Montgomery ladder with the unclamped scalar 8 (the cofactor), is the point at
/// infinity, which the ladder outputs as u = 0; and every encoding is canonical.
#[test]
fn every_point_times_the_cofactor_is_the_identity() {
    for point in SMALL_ORDER_X25519 {
        let eight_p = MontgomeryPoint(point) * Scalar::from(8u8);
        assert_eq!(eight_p.to_bytes(), [0u8; 32], "{point:02x?}");
        assert_eq!(point[31] & 0x80, 0, "top bit set: {point:02x?}");
        assert!(less_than(&point, &p()), "not below p: {point:02x?}");
    }
    // A point of large order is not: the base point, u = 9.
    let mut nine = [0u8; 32];
    nine[0] = 9;
    assert_ne!(
        (MontgomeryPoint(nine) * Scalar::from(8u8)).to_bytes(),
        [0u8; 32]
    );
}

/// The table is exactly the u-coordinates of the eight-torsion of Curve25519 (the Edwards
/// torsion points mapped to Montgomery form: 0, 1 and the two of order 8) plus the point of
/// order 4 on the twist, u = p - 1: five distinct values.
#[test]
fn the_table_is_the_torsion_of_the_curve_and_its_twist() {
    let mut derived: Vec<[u8; 32]> = EIGHT_TORSION
        .iter()
        .map(|point| point.to_montgomery().to_bytes())
        .collect();
    let mut p_minus_one = p();
    p_minus_one[0] -= 1;
    derived.push(p_minus_one);
    derived.sort_unstable();
    derived.dedup();
    let mut table = SMALL_ORDER_X25519.to_vec();
    table.sort_unstable();
    table.dedup();
    assert_eq!(table.len(), 5, "the table has duplicates");
    assert_eq!(table, derived);
}

/// The table lists, in order, exactly the five encodings of SPEC.md section 2.2.
#[test]
fn the_table_is_the_one_spec_md_lists() {
    let spec = include_str!("../../SPEC.md");
    let start = spec.find("### 2.2 ").expect("SPEC.md has a section 2.2");
    let section = &spec[start..];
    let end = section[4..].find("\n#").map_or(section.len(), |i| i + 4);
    let listed: Vec<[u8; 32]> = section[..end]
        .lines()
        .map(str::trim)
        .filter_map(|line| line.strip_prefix("| `"))
        .map(|rest| hex32(&rest[..rest.find('`').unwrap()]))
        .collect();
    assert_eq!(listed, SMALL_ORDER_X25519);
}
