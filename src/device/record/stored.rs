//! The stored form of a session record (SPEC.md 14.6).

use core::fmt;

use zeroize::Zeroizing;

use super::SessionRecord;
use crate::Error;
use crate::config::{Config, MAX_STORED_RECORD_LEN};
use crate::primitives::hash::{LABEL_STORED_RECORD, labelled_sha256};
use crate::proto;
use crate::session::Session;
use crate::session::state::{CHECKSUM_LEN, checked_stored};

/// A session record's stored form: the canonical `SessionRecord` encoding followed by a
/// 32-byte checksum (SPEC.md 14.6). **Secret**, like [`crate::StoredSession`]: wiped on drop,
/// `Debug` shows only its length.
pub struct StoredSessionRecord(Zeroizing<Vec<u8>>);

impl StoredSessionRecord {
    /// Wraps bytes read back from storage. Nothing is checked until
    /// [`SessionRecord::from_stored`].
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The bytes to write to storage.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if empty (never, for a stored record).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for StoredSessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredSessionRecord({} bytes)", self.0.len())
    }
}

impl SessionRecord {
    /// The record's stored form (SPEC.md 14.6). Should it exceed [`MAX_STORED_RECORD_LEN`]
    /// (only with limits far above the defaults), the oldest archived sessions are left out
    /// until it fits, so what is written always loads.
    pub fn to_stored(&self) -> StoredSessionRecord {
        let current = self.current.as_ref().map(|s| s.to_stored().into_bytes());
        let archived: Vec<Zeroizing<Vec<u8>>> = self
            .archived
            .iter()
            .map(|s| s.to_stored().into_bytes())
            .collect();
        // Keep the most recent archived sessions that fit: each field costs its bytes, a tag
        // byte and a length varint of at most 5 bytes.
        let field = |len: usize| len.saturating_add(6);
        let mut budget = MAX_STORED_RECORD_LEN
            .saturating_sub(CHECKSUM_LEN)
            .saturating_sub(2) // the version field
            .saturating_sub(current.as_ref().map_or(0, |c| field(c.len())));
        let mut keep = 0;
        for state in &archived {
            match budget.checked_sub(field(state.len())) {
                Some(left) => {
                    budget = left;
                    keep += 1;
                }
                None => break,
            }
        }
        let record = proto::SessionRecord {
            version: proto::VERSION,
            current: current.as_ref().map(|c| c.to_vec()),
            archived: archived.iter().take(keep).map(|s| s.to_vec()).collect(),
        };
        let mut out = proto::encode_exact_with_room(&record, CHECKSUM_LEN);
        let checksum = labelled_sha256(LABEL_STORED_RECORD, &[&out]);
        out.extend_from_slice(&checksum);
        StoredSessionRecord(out)
    }

    /// Restores a record from what [`SessionRecord::to_stored`] wrote, under `config`
    /// (SPEC.md 14.6): the length bound and checksum, the strict decoding, version 1, at most
    /// [`crate::MAX_ARCHIVED_SESSIONS`] archived sessions, each session as
    /// [`Session::from_stored`] loads it, and no session twice; then the oldest archived
    /// sessions past [`Config::max_archived_sessions`] are dropped.
    ///
    /// # Errors
    /// [`Error::TooLarge`], [`Error::SessionStateCorrupted`], decoding errors,
    /// [`Error::UnsupportedVersion`], and [`Error::InvalidSessionState`].
    pub fn from_stored(bytes: &[u8], config: &Config) -> Result<Self, Error> {
        let content = checked_stored(bytes, MAX_STORED_RECORD_LEN, LABEL_STORED_RECORD)?;
        let mut record: proto::SessionRecord =
            proto::decode_strict_secret(content, MAX_STORED_RECORD_LEN)?;
        if record.version != proto::VERSION {
            return Err(Error::UnsupportedVersion {
                found: record.version,
            });
        }
        if record.archived.len() > crate::config::MAX_ARCHIVED_SESSIONS {
            return Err(Error::InvalidSessionState);
        }
        let current = record
            .current
            .take()
            .map(|bytes| Session::from_stored(&Zeroizing::new(bytes), config))
            .transpose()?;
        let mut archived = Vec::with_capacity(record.archived.len());
        for state in &record.archived {
            archived.push(Session::from_stored(state, config)?);
        }
        let mut ids: Vec<_> = current
            .iter()
            .chain(archived.iter())
            .map(Session::id)
            .collect();
        let count = ids.len();
        ids.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        ids.dedup();
        if ids.len() != count {
            return Err(Error::InvalidSessionState);
        }
        archived.truncate(config.archived_sessions());
        Ok(Self { current, archived })
    }
}
