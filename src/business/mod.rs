//! Verified business accounts (SPEC.md section 13): a certificate chain from a pinned trust
//! root, through an issuer, down to a business's account identity key; revocation lists; and
//! the issuer's side that makes them.
//!
//! A client pins [`TrustRoots`], keeps [`Revocations`] up to date, and turns the chain that
//! comes with a business's bundle into a [`VerifiedBusiness`] with
//! [`BusinessCertificateIn::validate`] (or [`crate::PreKeyBundleIn::validate_business`]).

pub(crate) mod certificate;
pub(crate) mod fields;
pub(crate) mod identity;
pub(crate) mod issuer;
pub(crate) mod level;
pub(crate) mod name;
pub(crate) mod policy;
pub(crate) mod revocation;
pub(crate) mod root;
pub(crate) mod signed;
pub(crate) mod validity;
