//! JSON helpers of the vector files: hex strings, numbers, error kinds, and [`Fields`], the
//! key-checked objects the typed inputs are read from.

use serde_json::{Map, Value};

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

/// The error's stable name (SPEC.md 8.1), as the vectors' `error` fields hold it.
pub(super) fn kind(error: hushwire::Error) -> String {
    error.kind().to_string()
}

/// A JSON object whose keys have been checked: every required key is present, and no key is
/// unknown. Its getters name the key in their errors.
pub(super) struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// `value` as an object with every key of `required`, and no keys but those and `optional`.
    pub(super) fn of(
        value: &'a Value,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Self, String> {
        let map = value.as_object().ok_or("expected an object")?;
        if let Some(key) = required.iter().find(|key| !map.contains_key(**key)) {
            return Err(format!("missing key {key}"));
        }
        let known = |key: &str| required.contains(&key) || optional.contains(&key);
        if let Some(key) = map.keys().find(|key| !known(key)) {
            return Err(format!("unknown key {key}"));
        }
        Ok(Self(map))
    }

    /// The value of `key`, if it is present.
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key)
    }

    /// The value of the required `key`.
    pub(super) fn value(&self, key: &str) -> Result<&'a Value, String> {
        self.0.get(key).ok_or_else(|| format!("missing key {key}"))
    }

    /// `key` read with `read`, its error prefixed with the key.
    fn read<T>(
        &self,
        key: &str,
        read: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> Result<T, String> {
        read(self.value(key)?).map_err(|e| format!("{key}: {e}"))
    }

    /// The bytes of the hex string `key`.
    pub(super) fn bytes(&self, key: &str) -> Result<Vec<u8>, String> {
        self.read(key, bytes)
    }

    /// The 32 bytes of the hex string `key`.
    pub(super) fn b32(&self, key: &str) -> Result<[u8; 32], String> {
        self.read(key, b32)
    }

    /// The number `key`.
    pub(super) fn u64(&self, key: &str) -> Result<u64, String> {
        self.read(key, num)
    }

    /// The number `key`, at most `u32::MAX`.
    pub(super) fn u32(&self, key: &str) -> Result<u32, String> {
        self.read(key, |v| u32::try_from(num(v)?).map_err(|e| e.to_string()))
    }

    /// The number `key`, at most `usize::MAX`.
    pub(super) fn usize(&self, key: &str) -> Result<usize, String> {
        self.read(key, |v| usize::try_from(num(v)?).map_err(|e| e.to_string()))
    }

    /// The boolean `key`.
    pub(super) fn bool(&self, key: &str) -> Result<bool, String> {
        self.read(key, |v| {
            v.as_bool().ok_or_else(|| "expected a boolean".to_string())
        })
    }

    /// The string `key`.
    pub(super) fn str(&self, key: &str) -> Result<&'a str, String> {
        self.read(key, |v| {
            v.as_str().ok_or_else(|| "expected a string".to_string())
        })
    }

    /// The object `key`, with the keys `required` and any of `optional`.
    pub(super) fn object(
        &self,
        key: &str,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Fields<'a>, String> {
        self.read(key, |v| Fields::of(v, required, optional))
    }
}

/// The keys of a `config` object, each optional.
pub(super) const CONFIG_KEYS: [&str; 5] = [
    "max_skip",
    "max_skipped_keys",
    "max_receiving_chains",
    "max_retired_chains",
    "max_encoded_len",
];

/// The optional object `key` of `fields` as a `Config` (SPEC.md 8.4): the default, with
/// each limit it names replaced.
pub(super) fn config(fields: &Fields<'_>, key: &str) -> Result<hushwire::Config, String> {
    let mut config = super::classic_config();
    if fields.get(key).is_none() {
        return Ok(config);
    }
    let limits = fields.object(key, &[], &CONFIG_KEYS)?;
    let prefixed = |e: String| format!("{key}: {e}");
    if limits.get("max_skip").is_some() {
        config.max_skip = limits.u32("max_skip").map_err(prefixed)?;
    }
    if limits.get("max_skipped_keys").is_some() {
        config.max_skipped_keys = limits.usize("max_skipped_keys").map_err(prefixed)?;
    }
    if limits.get("max_receiving_chains").is_some() {
        config.max_receiving_chains = limits.usize("max_receiving_chains").map_err(prefixed)?;
    }
    if limits.get("max_retired_chains").is_some() {
        config.max_retired_chains = limits.usize("max_retired_chains").map_err(prefixed)?;
    }
    if limits.get("max_encoded_len").is_some() {
        config.max_encoded_len = limits.usize("max_encoded_len").map_err(prefixed)?;
    }
    Ok(config)
}
