//! JSON helpers of the vector files: hex strings, numbers, and error kinds.

use serde_json::Value;

/// `bytes` as a JSON hex string.
pub(super) fn h(bytes: impl AsRef<[u8]>) -> Value {
    Value::String(hex::encode(bytes))
}

/// The bytes of a JSON hex string.
pub(super) fn bytes(value: &Value) -> Result<Vec<u8>, String> {
    hex::decode(value.as_str().ok_or("expected a hex string")?).map_err(|e| e.to_string())
}

/// The 32 bytes of a JSON hex string.
pub(super) fn b32(value: &Value) -> Result<[u8; 32], String> {
    bytes(value)?
        .try_into()
        .map_err(|_| "expected 32 bytes".to_string())
}

/// A JSON number as a `u64`.
pub(super) fn num(value: &Value) -> Result<u64, String> {
    value
        .as_u64()
        .ok_or_else(|| "expected a number".to_string())
}

// TODO(error-kind): use Error::kind()
/// The error kind: the variant name of `hushwire::Error`.
pub(super) fn kind(error: hushwire::Error) -> String {
    let text = format!("{error:?}");
    text.split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_string()
}
