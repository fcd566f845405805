//! Whether new sessions must use the hybrid set-up (SPEC.md 18.4).

/// What a [`crate::Config`] demands of the set-up of new sessions. Existing sessions, hybrid or
/// classic, keep working under either policy: it applies to starting and accepting only.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PostQuantumPolicy {
    /// The default. [`crate::Session::initiate`] refuses a bundle without a KEM prekey, and
    /// accepting refuses a first message without a KEM ciphertext, both with
    /// [`crate::Error::PostQuantumRequired`]: a server cannot downgrade a new session to
    /// classic X3DH.
    #[default]
    Required,
    /// Hybrid when the bundle has a KEM prekey, classic X3DH when it has none; both kinds of
    /// first message are accepted. For a transition from peers that have not published KEM
    /// prekeys yet: a server that strips the KEM prekey from a bundle makes the session
    /// classic, and so open to a future quantum computer.
    Optional,
}

impl PostQuantumPolicy {
    /// True if a set-up without the KEM half must be refused.
    pub(crate) fn required(self) -> bool {
        self == Self::Required
    }
}
