//! The verified display name of a business, as people see it (SPEC.md 13.3).

use core::fmt;

use unicode_normalization::char::{is_combining_mark, is_public_assigned};
use unicode_normalization::{UnicodeNormalization, is_nfkc};

use crate::Error;

/// Most Unicode scalar values in a display name (SPEC.md 13.3).
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// Most combining marks in a row in a display name (SPEC.md 13.3).
pub const MAX_COMBINING_MARKS_IN_A_ROW: usize = 3;

/// A business's display name that passed SPEC.md 13.3: 1 to 64 characters, in Unicode
/// normalization form NFKC, no control, bidirectional, zero-width, blank or other invisible
/// characters (variation selectors included), no private-use, noncharacter or unassigned code
/// points, at most 3 combining marks in a row, and single spaces between words only.
///
/// These rules keep the name that a person reads equal to the name the issuer checked: no
/// right-to-left override turns "Acme Shoes" into something else on screen, no invisible
/// character makes two different certified names look the same, and no compatibility form
/// (fullwidth or mathematical letters) imitates a plain one.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DisplayName(String);

impl DisplayName {
    /// Checks a name exactly as it is (what a verifier does with a certified name).
    ///
    /// # Errors
    /// [`Error::InvalidDisplayName`] naming the first rule broken, in SPEC.md 13.3's order.
    pub fn new(name: &str) -> Result<Self, Error> {
        check(name)?;
        Ok(Self(name.to_owned()))
    }

    /// Normalizes `name` to NFKC, then checks it: what an issuer does with the name a
    /// business asked for.
    ///
    /// # Errors
    /// As [`DisplayName::new`], on the normalized name.
    pub fn normalize(name: &str) -> Result<Self, Error> {
        let normalized: String = name.nfkc().collect();
        Self::new(&normalized)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DisplayName({:?})", self.0)
    }
}

/// SPEC.md 13.3, in order.
fn check(name: &str) -> Result<(), Error> {
    let invalid = |reason| Err(Error::InvalidDisplayName { reason });
    if name.is_empty() {
        return invalid("empty");
    }
    if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        return invalid("longer than 64 characters");
    }
    for c in name.chars() {
        if let Some(reason) = refused(c) {
            return invalid(reason);
        }
    }
    let mut marks = 0;
    for c in name.chars() {
        marks = if is_combining_mark(c) { marks + 1 } else { 0 };
        if marks > MAX_COMBINING_MARKS_IN_A_ROW {
            return invalid("more than 3 combining marks in a row");
        }
    }
    if name.starts_with(' ') || name.ends_with(' ') || name.contains("  ") {
        return invalid("leading, trailing or repeated space");
    }
    if !is_nfkc(name) {
        return invalid("not in normalization form NFKC");
    }
    Ok(())
}

/// The class of a refused code point, if `c` is one (SPEC.md 13.3 table, in its order).
fn refused(c: char) -> Option<&'static str> {
    let u = u32::from(c);
    match u {
        0x00..=0x1f | 0x7f..=0x9f | 0x2028 | 0x2029 => Some("control character"),
        0x061c | 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069 => {
            Some("bidirectional control character")
        }
        _ if invisible(u) => Some("zero-width or invisible character"),
        0xe000..=0xf8ff | 0xf0000..=0xffffd | 0x100000..=0x10fffd => Some("private-use character"),
        0xfdd0..=0xfdef => Some("noncharacter"),
        _ if u & 0xfffe == 0xfffe => Some("noncharacter"),
        _ if !is_public_assigned(c) => Some("unassigned character"),
        _ => None,
    }
}

/// SPEC.md 13.3's invisible code points: Unicode's Default_Ignorable_Code_Point property
/// (variation selectors included), the format characters (general category Cf), and the
/// characters that render blank without being spaces. Fixed lists, so every implementation
/// refuses the same ones whatever its Unicode version.
pub(crate) fn invisible(u: u32) -> bool {
    matches!(
        u,
        0x00ad
            | 0x034f
            | 0x0600..=0x0605
            | 0x06dd
            | 0x070f
            | 0x0890..=0x0891
            | 0x08e2
            | 0x115f..=0x1160
            | 0x1680
            | 0x17b4..=0x17b5
            | 0x180b..=0x180f
            | 0x200b..=0x200d
            | 0x2060..=0x2065
            | 0x206a..=0x206f
            | 0x2800
            | 0x3164
            | 0xfe00..=0xfe0f
            | 0xfeff
            | 0xffa0
            | 0xfff0..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d159
            | 0x1d173..=0x1d17a
            | 0xe0000..=0xe0fff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(name: &str) -> &'static str {
        match DisplayName::new(name) {
            Err(Error::InvalidDisplayName { reason }) => reason,
            other => panic!("{name:?}: {other:?}"),
        }
    }

    #[test]
    fn plain_names_pass_and_refusals_name_their_rule() {
        for ok in [
            "Acme Shoes",
            "Café Zürich",
            "東京スシ",
            "Ünïcødé & Co.",
            "❤ Flowers",
        ] {
            assert_eq!(DisplayName::new(ok).map(|n| n.0), Ok(ok.to_owned()));
        }
        assert_eq!(reason(""), "empty");
        assert_eq!(reason(&"a".repeat(65)), "longer than 64 characters");
        assert!(DisplayName::new(&"a".repeat(64)).is_ok());
        assert_eq!(reason("Acme\u{7}"), "control character");
        assert_eq!(
            reason("Acme\u{202e}seohS"),
            "bidirectional control character"
        );
        assert_eq!(reason("Ac\u{200b}me"), "zero-width or invisible character");
        assert_eq!(reason("Acme\u{e000}"), "private-use character");
        assert_eq!(reason("Acme\u{fffe}"), "noncharacter");
        // Blank fillers, variation selectors (even after an emoji), unassigned code points.
        assert_eq!(reason("Acme\u{1160}"), "zero-width or invisible character");
        assert_eq!(reason("\u{2800}"), "zero-width or invisible character");
        assert_eq!(
            reason("\u{2764}\u{fe0f} Flowers"),
            "zero-width or invisible character"
        );
        assert_eq!(reason("Acme\u{0378}"), "unassigned character");
        // Marks: three in a row are allowed, four are not.
        assert!(DisplayName::new("A\u{0336}\u{0336}\u{0336}").is_ok());
        assert_eq!(
            reason("A\u{0336}\u{0336}\u{0336}\u{0336}"),
            "more than 3 combining marks in a row"
        );
        assert_eq!(reason(" Acme"), "leading, trailing or repeated space");
        assert_eq!(reason("Acme  Shoes"), "leading, trailing or repeated space");
        // Fullwidth A and the "fi" ligature are compatibility forms: NFKC folds them.
        assert_eq!(reason("\u{ff21}cme"), "not in normalization form NFKC");
        assert_eq!(reason("Cafe\u{301}"), "not in normalization form NFKC");
        assert_eq!(
            DisplayName::normalize("\u{ff21}cme Cafe\u{301}").map(|n| n.0),
            Ok("Acme Café".to_owned())
        );
        // Normalization cannot launder a refused character.
        assert_eq!(
            DisplayName::normalize("Acme\u{202e}").map(|n| n.0),
            Err(Error::InvalidDisplayName {
                reason: "bidirectional control character"
            })
        );
    }
}
