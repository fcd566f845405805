//! What a pointer says about its file besides the key (SPEC.md 16.5): the media type, an
//! optional name, an optional thumbnail. Each is a validated type.

use core::fmt;

use crate::Error;
use crate::business::name::invisible;

/// The longest content type, in bytes.
pub const MAX_CONTENT_TYPE_LEN: usize = 127;
/// The longest file name, in bytes of UTF-8.
pub const MAX_FILE_NAME_LEN: usize = 255;
/// The largest thumbnail, in bytes.
pub const MAX_THUMBNAIL_LEN: usize = 16 * 1024;

fn invalid(reason: &'static str) -> Error {
    Error::InvalidAttachmentPointer { reason }
}

/// A media type, `type/subtype`, such as `image/jpeg`: two RFC 6838 restricted names (a
/// letter or digit, then letters, digits and ``!#$&-^_.+``), at most 127 bytes, no
/// parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContentType(String);

impl ContentType {
    /// Validates `value`.
    ///
    /// # Errors
    /// [`Error::InvalidAttachmentPointer`].
    pub fn new(value: &str) -> Result<Self, Error> {
        if value.len() > MAX_CONTENT_TYPE_LEN {
            return Err(invalid("content type too long"));
        }
        let (kind, subtype) = value
            .split_once('/')
            .ok_or(invalid("content type is not type/subtype"))?;
        if !restricted_name(kind) || !restricted_name(subtype) {
            return Err(invalid("content type is not type/subtype"));
        }
        Ok(Self(value.to_owned()))
    }

    /// The type as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// RFC 6838 section 4.2's `restricted-name`, without its 127-character cap (the whole type
/// has one).
fn restricted_name(name: &str) -> bool {
    let mut chars = name.bytes();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c))
}

/// A file name that is safe to show and to save under (SPEC.md 16.5): 1 to 255 bytes of UTF-8,
/// not `.` or `..`, with no path separator (`/`, `\`), no `:`, no control character, no
/// bidirectional override or isolate (which can make `invoice` U+202E `fdp.exe` look like a
/// PDF), no invisible character (13.3's list: a hidden extension), not ending with a dot or a
/// space (which Windows drops when saving: `evil.exe.` becomes `evil.exe`), and not a Windows
/// device name (`CON`, `nul.txt`, `COM1`, ...).
///
/// What it leaves to the application: look-alike characters, a leading `-` or `.`, and the
/// characters some file systems refuse (`<>|?*"`), which make a save fail rather than go
/// astray.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileName(String);

impl FileName {
    /// Validates `value`.
    ///
    /// # Errors
    /// [`Error::InvalidAttachmentPointer`].
    pub fn new(value: &str) -> Result<Self, Error> {
        if value.is_empty() {
            return Err(invalid("empty file name"));
        }
        if value.len() > MAX_FILE_NAME_LEN {
            return Err(invalid("file name too long"));
        }
        if value == "." || value == ".." {
            return Err(invalid("file name is . or .."));
        }
        if value.chars().any(|c| matches!(c, '/' | '\\' | ':')) {
            return Err(invalid("file name has a path separator"));
        }
        if value
            .chars()
            .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
        {
            return Err(invalid("file name has a control character"));
        }
        if value.chars().any(|c| {
            matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        }) {
            return Err(invalid("file name has a bidirectional control"));
        }
        if value.chars().any(|c| invisible(u32::from(c))) {
            return Err(invalid("file name has an invisible character"));
        }
        if value.ends_with(['.', ' ']) {
            return Err(invalid("file name ends with a dot or a space"));
        }
        if is_device_name(value) {
            return Err(invalid("file name is a device name"));
        }
        Ok(Self(value.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether the part of `name` before its first `.` is a Windows device name (any case; the
/// digit of `COM` and `LPT` may be 0 to 9 or a superscript 1 to 3). Windows opens the device
/// instead of a file under such a name, whatever its extension.
fn is_device_name(name: &str) -> bool {
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    if matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL") {
        return true;
    }
    let mut chars = stem.chars();
    let prefix: String = chars.by_ref().take(3).collect();
    let digit = chars.next();
    (prefix == "COM" || prefix == "LPT")
        && chars.next().is_none()
        && digit.is_some_and(|d| d.is_ascii_digit() || matches!(d, '\u{B9}' | '\u{B2}' | '\u{B3}'))
}

/// A small preview image (1 to 16 KiB), sent inside the pointer and so encrypted by the
/// message that carries it. hushwire does not look inside it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Thumbnail(Vec<u8>);

impl Thumbnail {
    /// Checks the length of `bytes`.
    ///
    /// # Errors
    /// [`Error::InvalidAttachmentPointer`] if empty or over [`MAX_THUMBNAIL_LEN`].
    pub fn new(bytes: Vec<u8>) -> Result<Self, Error> {
        if bytes.is_empty() {
            return Err(invalid("empty thumbnail"));
        }
        if bytes.len() > MAX_THUMBNAIL_LEN {
            return Err(invalid("thumbnail too large"));
        }
        Ok(Self(bytes))
    }

    /// The image's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Thumbnail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Thumbnail({} bytes)", self.0.len())
    }
}

/// The description of a file that its pointer carries besides the key, digest and size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AttachmentMetadata {
    /// The media type.
    pub content_type: ContentType,
    /// The name the sender gave the file, if any.
    pub file_name: Option<FileName>,
    /// A preview image, if any.
    pub thumbnail: Option<Thumbnail>,
}

impl AttachmentMetadata {
    /// Metadata with a content type and nothing else.
    pub fn new(content_type: ContentType) -> Self {
        Self {
            content_type,
            file_name: None,
            thumbnail: None,
        }
    }

    /// With a file name.
    #[must_use]
    pub fn with_file_name(mut self, name: FileName) -> Self {
        self.file_name = Some(name);
        self
    }

    /// With a thumbnail.
    #[must_use]
    pub fn with_thumbnail(mut self, thumbnail: Thumbnail) -> Self {
        self.thumbnail = Some(thumbnail);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types_are_checked() {
        assert!(ContentType::new("image/jpeg").is_ok());
        assert!(ContentType::new("application/vnd.ms-excel").is_ok());
        for bad in [
            "image",
            "image/",
            "/jpeg",
            "image/jpeg; q=1",
            "ima ge/x",
            "-a/b",
            "a/b/c",
        ] {
            assert!(ContentType::new(bad).is_err(), "{bad}");
        }
        assert!(FileName::new("parcel photo.jpg").is_ok());
        assert!(FileName::new("Rechnung März.pdf").is_ok());
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "a\\b",
            "c:x",
            "a\nb",
            "invoice\u{202E}fdp.exe",
            "x\u{2066}",
            "a\u{2028}b",
            "photo\u{200B}.exe",
            "\u{FEFF}x",
            "evil.exe.",
            "evil.exe ",
            "...",
            " ",
            "CON",
            "nul.txt",
            "com1",
            "LPT9.log",
            "COM\u{B9}",
        ] {
            assert!(FileName::new(bad).is_err(), "{bad:?}");
        }
        assert!(FileName::new(&"a".repeat(255)).is_ok());
        for good in [
            "CONSOLE.txt",
            "com10",
            "console",
            ".bashrc",
            "-rf",
            "a.b.c",
            "nul-ify",
        ] {
            assert!(FileName::new(good).is_ok(), "{good}");
        }
        assert!(FileName::new(&"a".repeat(256)).is_err());
        assert!(Thumbnail::new(vec![]).is_err());
        assert!(Thumbnail::new(vec![1; MAX_THUMBNAIL_LEN]).is_ok());
        assert!(Thumbnail::new(vec![1; MAX_THUMBNAIL_LEN + 1]).is_err());
    }
}
