//! Padding of the plaintext length (SPEC.md 16.3): PADMÉ (Nikitin, Barman, Lueks, Underwood,
//! Hubaux, Ford, "Reducing Metadata Leakage from Encrypted Files and Communication with
//! PURBs", PoPETs 2019), which leaks O(log log L) bits of a length L for at most 12% overhead.

/// How an attachment's plaintext length is hidden from whoever stores the ciphertext.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Padding {
    /// Zero bytes are added up to the PADMÉ length ([`padme`]): the stored size reveals
    /// only the length's order of magnitude and a few more bits. The default.
    #[default]
    Padme,
    /// No padding: the ciphertext's length gives the plaintext's exactly.
    None,
}

impl Padding {
    /// The header byte (SPEC.md 16.2).
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Padme => 1,
        }
    }

    /// The scheme a header byte names.
    pub(crate) fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::None),
            1 => Some(Self::Padme),
            _ => None,
        }
    }

    /// The padded length of a `len`-byte plaintext.
    pub fn padded_len(self, len: u64) -> u64 {
        match self {
            Self::None => len,
            Self::Padme => padme(len),
        }
    }
}

/// PADMÉ: for `len` < 2, `len`; else, with E = ⌊log2 len⌋ and S = ⌊log2 E⌋ + 1, `len`
/// rounded up to a multiple of 2^(E − S).
pub fn padme(len: u64) -> u64 {
    if len < 2 {
        return len;
    }
    let e = u64::from(63 - len.leading_zeros());
    let s = u64::from(63 - e.leading_zeros()) + 1;
    let mask = (1u64 << (e - s)) - 1;
    // len <= 2^63 here (any u64 is below 2^64): the rounding cannot overflow for lengths
    // hushwire accepts (at most 2^40); saturate rather than wrap for any other.
    len.saturating_add(mask) & !mask
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PADMÉ paper's definition, written out with floating-point logarithms, for the
    /// lengths where f64 is exact.
    fn padme_by_the_paper(l: u64) -> u64 {
        if l < 2 {
            return l;
        }
        let e = (l as f64).log2().floor();
        let s = e.log2().floor() + 1.0;
        let last_bits = e - s;
        let bit_mask = (1u64 << (last_bits as u64)) - 1;
        (l + bit_mask) & !bit_mask
    }

    #[test]
    fn matches_the_paper_and_stays_within_twelve_percent() {
        for l in (0..5000u64).chain([65_537, 1 << 20, (1 << 20) + 1, 10_000_019, 1 << 40]) {
            let p = padme(l);
            assert_eq!(p, padme_by_the_paper(l), "{l}");
            assert!(p >= l && p - l <= l / 8 + 1, "{l} -> {p}");
        }
        // Hand-worked: 100 = 0b1100100, E = 6, S = 3, round up to a multiple of 8 -> 104.
        assert_eq!(padme(100), 104);
        // 1000: E = 9, S = 4, multiple of 32 -> 1024.
        assert_eq!(padme(1000), 1024);
        assert_eq!(Padding::None.padded_len(1000), 1000);
    }
}
