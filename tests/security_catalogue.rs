//! The catalogue of bad input in SECURITY.md points to real tests: every row names a
//! `#[test]` in the file it names (one of `tests/bad_input/*.rs`, `tests/providers.rs` for
//! the crypto-provider rows, `tests/business.rs` for the verified-business rows on
//! validation, revocation lists, sessions and trust, or `tests/store_*.rs` for the store
//! rows), and that test asserts the row's error variant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// Calls whose arguments count as checked: the assertion macros, and the helpers of
/// `tests/bad_input/support.rs` that assert the operation returned exactly their `expected`
/// argument.
const ASSERTING: [&str; 4] = ["assert_eq!", "assert!", "refused", "accept_refused"];

/// `source` with comments and the contents of string and character literals blanked out
/// (newlines kept), so that braces, parentheses and `Error::` inside them are not taken for
/// code.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = chars.clone();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        let end = match chars[i] {
            '/' if next == Some('/') => chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |n| i + n),
            '/' if next == Some('*') => (i + 2..chars.len().saturating_sub(1))
                .find(|&j| chars[j] == '*' && chars[j + 1] == '/')
                .map_or(chars.len(), |j| j + 2),
            // A string, byte string or raw string: `"`, or `r` and `#`s then `"`.
            c @ ('"' | 'r') if c == '"' || i == 0 || !is_ident(chars[i - 1]) => {
                let hashes = if c == 'r' {
                    chars[i + 1..].iter().take_while(|&&h| h == '#').count()
                } else {
                    0
                };
                let open = if c == 'r' { i + 1 + hashes } else { i };
                if chars.get(open) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let mut j = open + 1;
                loop {
                    match chars.get(j) {
                        None => break chars.len(),
                        Some('\\') if c == '"' => j += 2,
                        Some('"')
                            if chars[j + 1..].iter().take_while(|&&h| h == '#').count()
                                >= hashes =>
                        {
                            break j + 1 + hashes;
                        }
                        Some(_) => j += 1,
                    }
                }
            }
            // A character literal ('x' or '\n'); otherwise a lifetime, left alone.
            '\'' if next == Some('\\') => chars[(i + 3).min(chars.len())..]
                .iter()
                .position(|&c| c == '\'')
                .map_or(chars.len(), |n| i + 4 + n),
            '\'' if chars.get(i + 2) == Some(&'\'') => i + 3,
            _ => {
                i += 1;
                continue;
            }
        };
        for c in &mut out[i..end] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = end;
    }
    out.into_iter().collect()
}

/// The code of function `name` in `code` (from [`code_only`]): from `fn name(` to the brace
/// that closes its body.
fn function_code<'a>(code: &'a str, name: &str) -> Option<&'a str> {
    let start = code.find(&format!("fn {name}("))?;
    let open = start + code[start..].find('{')?;
    let mut depth = 0usize;
    for (i, b) in code.bytes().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&code[start..=i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The variants `V` for which `Error::V` appears inside the arguments of an [`ASSERTING`] call
/// in `code`.
fn asserted_variants(code: &str) -> std::collections::BTreeSet<String> {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = code.as_bytes();
    // For each open bracket, the name of what it calls (`assert_eq!`, `refused`, ...).
    let mut callees: Vec<&str> = Vec::new();
    let mut found = std::collections::BTreeSet::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => {
                let before = code[..i].trim_end();
                let name_start = before
                    .trim_end_matches('!')
                    .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    .len();
                callees.push(if bytes[i] == b'(' {
                    &before[name_start..]
                } else {
                    ""
                });
            }
            b')' | b']' | b'}' => {
                callees.pop();
            }
            b'E' if code[i..].starts_with("Error::") && (i == 0 || !is_ident(bytes[i - 1])) => {
                let variant: String = code[i + "Error::".len()..]
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                if callees.iter().any(|c| ASSERTING.contains(c)) {
                    found.insert(variant);
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// Every row of SECURITY.md's catalogue names a `#[test]` that exists in the file it names, in
/// whose code (from `fn name(` to the brace closing its body, comments and string literals
/// left out) the row's `Error::Variant` appears inside the arguments of `assert_eq!`,
/// `assert!`, or one of the asserting helpers `refused` and `accept_refused`. Only the variant
/// is compared, not its fields.
#[test]
fn security_md_catalogue_points_to_existing_tests() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let security = std::fs::read_to_string(root.join("SECURITY.md")).unwrap();
    let mut rows = 0;
    for line in security.lines().filter(|l| l.starts_with('|')) {
        // | # | class | `Error::Variant...` | `tests/file.rs::test_name` |
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(test) = cells
            .iter()
            .find(|c| c.starts_with("`tests/") && c.contains("::"))
        else {
            continue;
        };
        let test = test.trim_matches('`');
        let (file, name) = test.split_once("::").unwrap();
        let source = std::fs::read_to_string(root.join(file))
            .unwrap_or_else(|e| panic!("{file} (row: {line}): {e}"));
        let start = source
            .find(&format!("fn {name}()"))
            .unwrap_or_else(|| panic!("no test {name} in {file}"));
        // The attribute lines right above the function include #[test].
        let attributes: Vec<&str> = source[..start]
            .lines()
            .rev()
            .map(str::trim)
            .take_while(|l| l.starts_with("#[") || l.starts_with("///"))
            .collect();
        assert!(
            attributes.contains(&"#[test]"),
            "{name} in {file} is not a #[test]"
        );
        let code = code_only(&source);
        let function = function_code(&code, name)
            .unwrap_or_else(|| panic!("cannot find the end of {name} in {file}"));
        let variant = cells
            .iter()
            .find_map(|c| c.strip_prefix("`Error::"))
            .unwrap_or_else(|| panic!("row without an `Error::` variant: {line}"));
        let variant: String = variant
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        // The row names the error by its stable name (`Error::kind`, SPEC.md 8.1).
        assert!(
            hushwire::Error::KINDS.contains(&variant.as_str()),
            "{line}: `{variant}` is not an error kind"
        );
        assert!(
            asserted_variants(function).contains(&variant),
            "{file}::{name} does not assert Error::{variant}"
        );
        rows += 1;
    }
    // 441 are catalogued. Lower this only when rows are merged on purpose.
    assert!(rows >= 441, "the catalogue has {rows} rows, fewer than 441");
}

/// The self-test's parsing: comments and literals are not code, a function ends at its own
/// closing brace, and only an `Error::` inside an asserting call counts.
#[test]
fn the_catalogue_check_reads_code_only() {
    let source = r##"
fn one() {
    // assert_eq!(x, Error::InComment);
    let s = "assert_eq!(x, Error::InString) {";
    let r = r#"Error::InRawString "}" "#;
    let c = '{';
    let q = '\'';
    let e = Error::NotAsserted;
    assert_eq!(f(), Err(Error::Asserted { field: "x" }));
    refused(&mut s, &b, Error::ByHelper);
}
fn two() {
    assert!(matches!(g(), Err(Error::InTwo)));
}
"##;
    let code = code_only(source);
    assert_eq!(code.len(), source.len());
    let one = function_code(&code, "one").unwrap();
    assert!(one.ends_with('}') && !one.contains("fn two"));
    let asserted: Vec<String> = asserted_variants(one).into_iter().collect();
    assert_eq!(asserted, ["Asserted", "ByHelper"]);
    let two: Vec<String> = asserted_variants(function_code(&code, "two").unwrap())
        .into_iter()
        .collect();
    assert_eq!(two, ["InTwo"]);
}
