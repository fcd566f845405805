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
        let mut archived: Vec<Vec<u8>> = self
            .archived
            .iter()
            .map(|s| s.to_stored().into_bytes().to_vec())
            .collect();
        loop {
            let record = proto::SessionRecord {
                version: proto::VERSION,
                current: current.as_ref().map(|c| c.to_vec()),
                archived: core::mem::take(&mut archived),
            };
            let fits = prost::Message::encoded_len(&record).saturating_add(CHECKSUM_LEN)
                <= MAX_STORED_RECORD_LEN;
            if fits || record.archived.is_empty() {
                let mut out = proto::encode_exact_with_room(&record, CHECKSUM_LEN);
                let checksum = labelled_sha256(LABEL_STORED_RECORD, &[&out]);
                out.extend_from_slice(&checksum);
                return StoredSessionRecord(out);
            }
            // Leave out the oldest archived session and try again. The copy goes into the next
            // `proto::SessionRecord`, which is wiped on drop; the left-out one is wiped here.
            archived = record.archived.clone();
            drop(archived.pop().map(Zeroizing::new));
        }
    }

    /// Restores a record from what [`SessionRecord::to_stored`] wrote, under `config`
    /// (SPEC.md 14.6): the length bound and checksum, the strict decoding, version 1, at most
    /// [`Config::max_archived_sessions`] archived sessions, each session as
    /// [`Session::from_stored`] loads it, and no session twice.
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
        if record.archived.len() > config.archived_sessions() {
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
        Ok(Self { current, archived })
    }
}
