#!/usr/bin/env python3
"""Independent Python reference implementation of hushwire protocol version 1.

Written from SPEC.md alone (not from the Rust sources), and organised by SPEC.md
section. Every function cites the section it implements.

Usage:
    python3 test-vectors/reference/hushwire_ref.py test-vectors/

recomputes every case of the published test vectors from its inputs, compares the
result with the recorded output (or error kind), prints "N passed, M failed" per file
and exits non-zero on any failure.

Requirements: Python >= 3.11 and the `cryptography` package (X25519, Ed25519 signing,
ChaCha20-Poly1305). HKDF and HMAC come from hashlib/hmac; Ed25519 point decoding,
small-order checks and strict verification, the X25519 small-order ladder, the protobuf
codec and the ChaCha20 RNG are implemented here. Section 13's display names use the
standard library's `unicodedata` for NFKC and for general categories (Cn: unassigned, M:
combining marks). Its Unicode version is Python's, `unicodedata.unidata_version` (14.0.0 on
Python 3.11); SPEC.md 13.3 asks for at least 14.0 and notes that tables of different versions
never disagree on a name both accept. Section 18's ML-KEM-1024 comes from `ml_kem.py` (FIPS 203
in pure Python, standard library only), imported from this script's directory.
"""

from __future__ import annotations

import hashlib
import hmac
import dataclasses
import json
import struct
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

# SPEC.md 18.2: ML-KEM-1024 (FIPS 203), the pure-Python module next to this script
sys.path.insert(0, str(Path(__file__).resolve().parent))
import ml_kem  # noqa: E402


# =====================================================================================
# SPEC.md 8.1 -- error kinds
# =====================================================================================

ERROR_KINDS = frozenset({
    "TooLarge", "MalformedProtobuf", "NonCanonicalEncoding", "UnsupportedVersion",
    "MissingField", "InvalidLength", "InvalidPublicKey", "LowOrderPublicKey",
    "NonContributoryKeyAgreement", "InvalidSignature", "UnknownSignedPreKey",
    "UnknownOneTimePreKey", "OneTimePreKeyConsumed", "PreKeyMessageMismatch",
    "DecryptionFailed", "DuplicateMessage", "TooManySkippedMessages", "CounterExhausted",
    "InvalidSessionState", "SessionStateCorrupted", "NotAPreKeyMessage", "Store",
    "CryptoProviderFailed", "InvalidAccountId", "SafetyNumberMismatch",
    "SafetyNumberVersionMismatch", "VerificationCancelled", "IdentityChanged",
    "IdentityMismatch", "InvalidTrustRecord", "VerificationInProgress", "VerificationLockedOut",
    # SPEC.md 13 (verified business accounts)
    "InvalidCertificate", "InvalidDisplayName", "UnknownTrustRoot",
    "InvalidCertificateSignature", "CertificateNotYetValid", "CertificateExpired",
    "CertificateOutOfScope", "CertificateRevoked", "RevocationListStale",
    "RevocationListRollback", "BusinessKeyChangeRefused",
    # SPEC.md 14 (multi-device accounts)
    "InvalidDeviceList", "InvalidDeviceListSignature", "DeviceListExpired",
    "DeviceListLifetimeTooLong", "DeviceListRollback", "DeviceListConflict", "DeviceNotListed",
    "MisaddressedMessage", "SessionsMissing", "NoSession", "LinkAuthenticationFailed",
    # SPEC.md 15 (groups)
    "InvalidGroupId", "WrongGroup", "NotAGroupMember", "UnknownSenderKey", "SenderKeyConflict",
    # SPEC.md 16 (attachments)
    "InvalidAttachmentPointer", "InvalidAttachmentHeader", "AttachmentWrongKey",
    "AttachmentTruncated", "AttachmentSegmentInvalid", "AttachmentTrailingData",
    "InvalidAttachmentPadding", "AttachmentDigestMismatch", "Io",
    # SPEC.md 17 (stores)
    "StoreConflict", "SealedRecordInvalid", "NoGroupSession",
    # SPEC.md 18 (post-quantum hybrid set-up)
    "UnknownKemPreKey", "KemPreKeyConsumed", "KemPreKeyReused", "PostQuantumRequired",
})

# SPEC.md 8.1: the values each error carries (the names in braces of its first column).
# certificates.json, devices.json and group.json record an error with exactly these values
# (test-vectors/README.md).
ERROR_VALUES = {
    "TooLarge": ("len", "max"),
    "UnsupportedVersion": ("found",),
    "MissingField": ("field",),
    "InvalidLength": ("field", "expected", "found"),
    "UnknownSignedPreKey": ("id",),
    "UnknownOneTimePreKey": ("id",),
    "OneTimePreKeyConsumed": ("id",),
    "TooManySkippedMessages": ("skip", "max"),
    "InvalidAccountId": ("len",),
    "SafetyNumberVersionMismatch": ("theirs", "ours"),
    "VerificationCancelled": ("reason", "by_peer"),
    "IdentityChanged": ("was_verified",),
    "InvalidCertificate": ("reason",),
    "InvalidDisplayName": ("reason",),
    "UnknownTrustRoot": ("key_id",),
    "InvalidCertificateSignature": ("certificate",),
    "CertificateNotYetValid": ("certificate",),
    "CertificateExpired": ("certificate",),
    "CertificateOutOfScope": ("reason",),
    "CertificateRevoked": ("certificate", "serial"),
    "RevocationListStale": ("signer",),
    "RevocationListRollback": ("held", "found"),
    # SPEC.md 14; devices.json records these too
    "InvalidDeviceList": ("reason",),
    "DeviceListExpired": ("expires_at",),
    "DeviceListLifetimeTooLong": ("lifetime", "max"),
    "DeviceListRollback": ("held", "found"),
    "DeviceListConflict": ("version",),
    "DeviceNotListed": ("device",),
    "MisaddressedMessage": ("field",),
    "SessionsMissing": ("devices",),  # addresses, as devices.json writes them: [hex, id]
    # SPEC.md 15; group.json records these too
    "InvalidGroupId": ("len",),
    "NotAGroupMember": ("device",),   # a device id (group.json records the id alone)
    "UnknownSenderKey": ("chain_id",),
    "SenderKeyConflict": ("chain_id",),
    # SPEC.md 16 (attachment.json records the kind only)
    "InvalidAttachmentPointer": ("reason",),
    "InvalidAttachmentHeader": ("reason",),
    "AttachmentTruncated": ("segment",),
    "AttachmentSegmentInvalid": ("segment",),
    "Io": ("kind",),
    # SPEC.md 17 (store.json records these)
    "StoreConflict": ("record",),
    "SealedRecordInvalid": ("record",),
    # SPEC.md 18 (pqxdh.json records these)
    "UnknownKemPreKey": ("id",),
    "KemPreKeyConsumed": ("id",),
    "KemPreKeyReused": ("id",),
}


class HushwireError(Exception):
    """SPEC.md 8.1: an error kind plus its non-secret details (field names, lengths...)."""

    def __init__(self, kind: str, **details):
        assert kind in ERROR_KINDS, kind
        self.kind = kind
        self.details = details
        super().__init__(kind + (f" {details}" if details else ""))


def invalid_length(field_name: str, expected: int, found: int) -> HushwireError:
    """SPEC.md 8.1: InvalidLength { field, expected, found }."""
    return HushwireError("InvalidLength", field=field_name, expected=expected, found=found)


def require_len(value: bytes, n: int, field_name: str) -> bytes:
    """SPEC.md 8.1: a key/chain key/root key of the wrong length is InvalidLength."""
    if len(value) != n:
        raise invalid_length(field_name, n, len(value))
    return value


# =====================================================================================
# SPEC.md 1 -- notation
# =====================================================================================

ZERO32 = bytes(32)
U32_MAX = 2**32 - 1


def u8(n: int) -> bytes:
    """SPEC.md 1: u8(n), one byte."""
    return struct.pack(">B", n)


def u32(n: int) -> bytes:
    """SPEC.md 1: u32(n), 4 bytes big-endian."""
    return struct.pack(">I", n)


def u64(n: int) -> bytes:
    """SPEC.md 1: u64(n), 8 bytes big-endian."""
    return struct.pack(">Q", n)


def lp(x: bytes) -> bytes:
    """SPEC.md 1: LP(x) = u32(len(x)) || x."""
    return u32(len(x)) + x


# =====================================================================================
# SPEC.md 2.1 -- Ed25519 arithmetic (RFC 8032) and verify_strict semantics
# =====================================================================================

P = 2**255 - 19
ELL = 2**252 + 27742317777372353535851937790883648493
ED_D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _ed_recover_x(y: int, sign: int) -> Optional[int]:
    """SPEC.md 2.1/3.1 via RFC 8032 5.1.3 steps 2-4: x from y and the sign bit, or None."""
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


ED_IDENTITY = (0, 1, 1, 0)  # extended coordinates (X, Y, Z, T)
_BY = 4 * pow(5, P - 2, P) % P
ED_BASE = (_ed_recover_x(_BY, 0), _BY, 1, _ed_recover_x(_BY, 0) * _BY % P)


def ed_add(p1, p2):
    """SPEC.md 2.1: point addition (RFC 8032 5.1.4, extended coordinates)."""
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * ED_D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def ed_neg(pt):
    """SPEC.md 2.1: -P, needed for [S]B - [k]A."""
    x, y, z, t = pt
    return ((-x) % P, y, z, (-t) % P)


def ed_mul(s: int, pt):
    """SPEC.md 2.1: scalar multiplication [s]P (double-and-add; not constant time)."""
    q = ED_IDENTITY
    while s > 0:
        if s & 1:
            q = ed_add(q, pt)
        pt = ed_add(pt, pt)
        s >>= 1
    return q


def ed_is_identity(pt) -> bool:
    """SPEC.md 2.1/3.1: is the point the neutral element (0, 1)?"""
    x, y, z, _ = pt
    return x % P == 0 and (y - z) % P == 0


def ed_encode(pt) -> bytes:
    """SPEC.md 3.1: canonical 32-byte compressed encoding (RFC 8032 5.1.2)."""
    x, y, z, _ = pt
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def ed_decode(data: bytes, reduce_y: bool = False):
    """SPEC.md 2.1 / 3.1: RFC 8032 5.1.3 decoding; None if it fails.

    With reduce_y (2.1 step 2, for a signature's R) a y-coordinate >= p is reduced
    mod p instead of refused.
    """
    assert len(data) == 32
    n = int.from_bytes(data, "little")
    sign = n >> 255
    y = n & ((1 << 255) - 1)
    if y >= P:
        if not reduce_y:
            return None
        y -= P
    x = _ed_recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def ed_has_small_order(pt) -> bool:
    """SPEC.md 2.1 / 3.1: [8]P is the identity."""
    return ed_is_identity(ed_mul(8, pt))


def ed25519_verify_strict(a_bytes: bytes, message: bytes, signature: bytes) -> None:
    """SPEC.md 2.1: Ed25519 verification with verify_strict semantics.

    a_bytes must already be validated (3.1); signature must be 64 bytes. Any rejection
    is InvalidSignature.
    """
    assert len(signature) == 64
    # A pure function of its inputs: remember outcomes, since certificates.json checks the
    # same few certificates and lists in many cases (pure-Python point arithmetic is slow).
    cache_key = (a_bytes, message, signature)
    cached = _VERIFY_CACHE.get(cache_key)
    if cached is None:
        try:
            _ed25519_verify_strict_uncached(a_bytes, message, signature)
            cached = True
        except HushwireError:
            cached = False
        _VERIFY_CACHE[cache_key] = cached
    if not cached:
        raise HushwireError("InvalidSignature")


_VERIFY_CACHE: dict = {}


def _ed25519_verify_strict_uncached(a_bytes: bytes, message: bytes, signature: bytes) -> None:
    """SPEC.md 2.1 steps 1-4 (ed25519_verify_strict without its cache)."""
    r_bytes, s_bytes = signature[:32], signature[32:]
    # step 1: canonical S
    s = int.from_bytes(s_bytes, "little")
    if s >= ELL:
        raise HushwireError("InvalidSignature")
    # step 2: R decodes (y reduced), neither R nor A of small order
    r_point = ed_decode(r_bytes, reduce_y=True)
    if r_point is None or ed_has_small_order(r_point):
        raise HushwireError("InvalidSignature")
    a_point = ed_decode(a_bytes)
    if a_point is None or ed_has_small_order(a_point):
        raise HushwireError("InvalidSignature")
    # step 3: k = SHA-512(R || A || M) mod l
    k = int.from_bytes(hashlib.sha512(r_bytes + a_bytes + message).digest(), "little") % ELL
    # step 4: cofactorless equation, compared on bytes
    r_check = ed_add(ed_mul(s, ED_BASE), ed_neg(ed_mul(k, a_point)))
    if not hmac.compare_digest(ed_encode(r_check), r_bytes):
        raise HushwireError("InvalidSignature")


# =====================================================================================
# SPEC.md 2.2 -- X25519 public keys and DH
# =====================================================================================

def x25519_ladder_u(k: int, u: int) -> int:
    """SPEC.md 2.2: Montgomery ladder (RFC 7748 5) with an *unclamped* scalar k.

    Returns the affine u-coordinate of [k]P, with the point at infinity mapped to 0.
    Used only for the small-order check ([8]P).
    """
    a24 = 121665
    x1, x2, z2, x3, z3 = u, 1, 0, u, 1
    swap = 0
    for t in reversed(range(k.bit_length())):
        bit = (k >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % P, (x2 - z2) % P
        aa, bb = a * a % P, b * b % P
        e = (aa - bb) % P
        c, d = (x3 + z3) % P, (x3 - z3) % P
        da, cb = d * a % P, c * b % P
        x3 = (da + cb) ** 2 % P
        z3 = x1 * (da - cb) ** 2 % P
        x2 = aa * bb % P
        z2 = e * (aa + a24 * e) % P
    if swap:
        x2, x3, z2, z3 = x3, x2, z3, z2
    return x2 * pow(z2, P - 2, P) % P


def validate_x25519_public(data: bytes, field_name: str) -> bytes:
    """SPEC.md 2.2: length, canonical (top bit clear, < p), not of small order."""
    if len(data) != 32:
        raise invalid_length(field_name, 32, len(data))
    u = int.from_bytes(data, "little")
    if u >> 255 or u >= P:
        raise HushwireError("InvalidPublicKey", field=field_name)
    if x25519_ladder_u(8, u) == 0:
        raise HushwireError("LowOrderPublicKey", field=field_name)
    return data


def x25519(k: bytes, u: bytes) -> bytes:
    """SPEC.md 2.2: X25519(k, u) of RFC 7748 (clamping happens inside)."""
    private = X25519PrivateKey.from_private_bytes(k)
    try:
        return private.exchange(X25519PublicKey.from_public_bytes(u))
    except ValueError:  # the library refuses an all-zero output itself
        return ZERO32


def x25519_public(k: bytes) -> bytes:
    """SPEC.md 2.2: public key = X25519(k, 9) of an unclamped 32-byte secret."""
    return X25519PrivateKey.from_private_bytes(k).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def dh(k: bytes, u: bytes) -> bytes:
    """SPEC.md 2.2: DH(k, U) = X25519(k, U), refusing an all-zero output."""
    out = x25519(k, u)
    if hmac.compare_digest(out, ZERO32):
        raise HushwireError("NonContributoryKeyAgreement")
    return out


# =====================================================================================
# SPEC.md 2.3 -- ChaCha20-Poly1305
# =====================================================================================

def aead_seal(key: bytes, nonce: bytes, ad: bytes, plaintext: bytes) -> bytes:
    """SPEC.md 2.3: RFC 8439 2.8 AEAD, ciphertext = C || tag."""
    return ChaCha20Poly1305(key).encrypt(nonce, plaintext, ad)


def aead_open(key: bytes, nonce: bytes, ad: bytes, ciphertext: bytes) -> bytes:
    """SPEC.md 2.3 / 6.6: AEAD decryption; a bad tag is DecryptionFailed."""
    try:
        return ChaCha20Poly1305(key).decrypt(nonce, ciphertext, ad)
    except InvalidTag:
        raise HushwireError("DecryptionFailed") from None


# =====================================================================================
# SPEC.md 2.4 -- HKDF-SHA256 and HMAC-SHA256
# =====================================================================================

INFO_X3DH = b"hushwire/v1/x3dh"
INFO_ROOT = b"hushwire/v1/root"
INFO_MESSAGE_KEY = b"hushwire/v1/message-key"


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """SPEC.md 2.4: HMAC(key, data), RFC 2104 with SHA-256."""
    return hmac.new(key, data, hashlib.sha256).digest()


def hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    """SPEC.md 2.4: HKDF-Extract then HKDF-Expand (RFC 5869, SHA-256)."""
    prk = hmac_sha256(salt, ikm)
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac_sha256(prk, block + info + bytes([counter]))
        okm += block
        counter += 1
    return okm[:length]


# =====================================================================================
# SPEC.md 3.1 -- identity keys
# =====================================================================================

def ed25519_to_x25519_public(encoded: bytes) -> bytes:
    """SPEC.md 3.1: Montgomery u = (1 + y) / (1 - y) mod p of an Edwards point."""
    y = int.from_bytes(encoded, "little") & ((1 << 255) - 1)
    u = (1 + y) * pow((1 - y) % P, P - 2, P) % P
    return u.to_bytes(32, "little")


@dataclass(frozen=True)
class IdentityKey:
    """SPEC.md 3.1: a (validated) public identity key: Encode(IK) and its X25519 form."""
    encoded: bytes  # 32-byte Ed25519 encoding, Encode(IK)
    x: bytes        # IK.x, the X25519 public key


@dataclass(frozen=True)
class IdentityKeyPair:
    """SPEC.md 3.1: identity key pair generated from a 32-byte seed."""
    seed: bytes

    @property
    def public(self) -> IdentityKey:
        """SPEC.md 3.1: IK = [s]B encoded, and its Montgomery form."""
        encoded = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return IdentityKey(encoded, ed25519_to_x25519_public(encoded))

    @property
    def x_secret(self) -> bytes:
        """SPEC.md 3.1: ik.x = SHA-512(seed)[0..32], unclamped."""
        return hashlib.sha512(self.seed).digest()[:32]

    def sign(self, message: bytes) -> bytes:
        """SPEC.md 3.2: deterministic pure Ed25519 (RFC 8032) over the signed message."""
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def generate_identity(rng: "ChaCha20Rng") -> IdentityKeyPair:
    """SPEC.md 3.1 / 5.2 (draw table): seed = rng(32)."""
    return IdentityKeyPair(rng.draw32())


def validate_identity_key(data: bytes, field_name: str) -> IdentityKey:
    """SPEC.md 3.1: validation of identity key bytes received from outside."""
    # 1. length
    if len(data) != 32:
        raise invalid_length(field_name, 32, len(data))
    # 2. RFC 8032 5.1.3 decoding, canonical encoding (decompress, re-encode, compare)
    point = ed_decode(data)
    if point is None or ed_encode(point) != data:
        raise HushwireError("InvalidPublicKey", field=field_name)
    # 3. not of small order
    if ed_has_small_order(point):
        raise HushwireError("LowOrderPublicKey", field=field_name)
    # 4. X25519 form, validated as in 2.2
    x = validate_x25519_public(ed25519_to_x25519_public(data), field_name)
    return IdentityKey(data, x)


# =====================================================================================
# SPEC.md 3.2 -- domain-separated signatures
# =====================================================================================

LABEL_SIGNED_PREKEY = b"hushwire/v1/sig/signed-prekey"


def signed_message(label: bytes, body: bytes) -> bytes:
    """SPEC.md 3.2: u8(len(label)) || label || body."""
    return u8(len(label)) + label + body


# =====================================================================================
# SPEC.md 4.1 -- signed prekeys and one-time prekeys
# =====================================================================================

@dataclass(frozen=True)
class SignedPreKey:
    """SPEC.md 4.1: id, created_at, X25519 public key and its signature."""
    id: int
    created_at: int
    public_key: bytes
    signature: bytes


def signed_prekey_body(spk_id: int, created_at: int, public_key: bytes) -> bytes:
    """SPEC.md 4.1 step 2: u32(id) || u64(created_at) || public (44 bytes)."""
    return u32(spk_id) + u64(created_at) + public_key


def sign_signed_prekey(identity: IdentityKeyPair, spk_id: int, created_at: int,
                       public_key: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 4.1 step 3 / 3.2: returns (74-byte signed message, 64-byte signature)."""
    msg = signed_message(LABEL_SIGNED_PREKEY, signed_prekey_body(spk_id, created_at, public_key))
    return msg, identity.sign(msg)


def generate_signed_prekey(identity: IdentityKeyPair, spk_id: int, created_at: int,
                           rng: "ChaCha20Rng") -> tuple[bytes, SignedPreKey]:
    """SPEC.md 4.1 steps 1-3: (secret, SignedPreKey); one rng(32) draw."""
    secret = rng.draw32()
    public = x25519_public(secret)
    _, signature = sign_signed_prekey(identity, spk_id, created_at, public)
    return secret, SignedPreKey(spk_id, created_at, public, signature)


def generate_one_time_prekey(rng: "ChaCha20Rng") -> tuple[bytes, bytes]:
    """SPEC.md 4.1: one-time prekey (secret, public); one rng(32) draw."""
    secret = rng.draw32()
    return secret, x25519_public(secret)


def verify_signed_prekey(identity_key: bytes, spk_id: int, created_at: int,
                         public_key: bytes, signature: bytes) -> SignedPreKey:
    """SPEC.md 4.2 steps 3, 5, 6, 8 and 8.1 (`SignedPreKey::verified`): check and verify.

    Order taken from 4.2: identity key (3.1), prekey (2.2), signature length, signature.
    """
    ik = validate_identity_key(identity_key, "identity_key")
    validate_x25519_public(public_key, "signed_prekey.public_key")
    if len(signature) != 64:
        raise invalid_length("signature", 64, len(signature))
    msg = signed_message(LABEL_SIGNED_PREKEY, signed_prekey_body(spk_id, created_at, public_key))
    ed25519_verify_strict(ik.encoded, msg, signature)
    return SignedPreKey(spk_id, created_at, public_key, signature)


@dataclass
class PreKeyStore:
    """SPEC.md 4.1 / 5.4: the owner's prekey secrets; one-time prekeys are consumed once."""
    signed: dict = field(default_factory=dict)      # id -> (secret, public)
    one_time: dict = field(default_factory=dict)    # id -> (secret, public)
    consumed: set = field(default_factory=set)
    # SPEC.md 18.1 / 18.4 / 17.1: KEM prekeys (one id space for both kinds)
    kem: dict = field(default_factory=dict)         # id -> (dk, last_resort)
    kem_consumed: set = field(default_factory=set)  # ids of consumed one-time KEM prekeys
    kem_base_keys: set = field(default_factory=set)  # (last-resort id, EK_A) pairs used


# =====================================================================================
# SPEC.md 4.2 -- bundles (decoding, validation)
# =====================================================================================

@dataclass(frozen=True)
class VerifiedBundle:
    """SPEC.md 4.2: a bundle whose signed prekey signature verified."""
    identity: IdentityKey
    signed_prekey: SignedPreKey
    one_time_prekey: Optional[tuple[int, bytes]]  # (id, public)
    # SPEC.md 13.5: field 5, decoded (13.2 steps 2-4) but not validated; None if absent
    business_chain: Optional["UnverifiedChain"] = None
    # SPEC.md 18.7: field 6, the KEM prekey (verified with the bundle); None if absent
    kem_prekey: Optional["KemPreKey"] = None


def encode_bundle(identity: IdentityKey, spk: SignedPreKey,
                  otk: Optional[tuple[int, bytes]],
                  chain: Optional["UnverifiedChain"] = None,
                  kem: Optional["KemPreKey"] = None) -> bytes:
    """SPEC.md 7.5: canonical PreKeyBundle encoding (field 5: a business's chain, 13.5;
    field 6: a KEM prekey, 18.7)."""
    value = {
        "version": 1,
        "identity_key": identity.encoded,
        "signed_prekey": {"id": spk.id, "created_at": spk.created_at,
                          "public_key": spk.public_key, "signature": spk.signature},
        "one_time_prekey": None if otk is None else {"id": otk[0], "public_key": otk[1]},
        "business_certificate": None if chain is None else chain.value(),
        "kem_prekey": None if kem is None else {
            "id": kem.id, "created_at": kem.created_at, "last_resort": kem.last_resort,
            "public_key": kem.public_key, "signature": kem.signature},
    }
    return pb_encode(PREKEY_BUNDLE, value)


def decode_and_validate_bundle(data: bytes, config: "Config") -> VerifiedBundle:
    """SPEC.md 4.2 steps 1-8 (with 13.5's step 7b): strict decoding, field checks, the
    business chain's decoding, then signature validation. The chain is not validated."""
    msg = strict_decode(PREKEY_BUNDLE, data, config.max_encoded_len)       # 1
    check_version(msg)                                                      # 2
    ik = validate_identity_key(msg["identity_key"], "identity_key")        # 3
    spk = msg["signed_prekey"]
    if spk is None:                                                         # 4
        raise HushwireError("MissingField", field="signed_prekey")
    validate_x25519_public(spk["public_key"], "signed_prekey.public_key")  # 5
    if len(spk["signature"]) != 64:                                         # 6
        raise invalid_length("signed_prekey.signature", 64, len(spk["signature"]))
    otk = None
    if msg["one_time_prekey"] is not None:                                  # 7
        pub = validate_x25519_public(msg["one_time_prekey"]["public_key"],
                                     "one_time_prekey.public_key")
        otk = (msg["one_time_prekey"]["id"], pub)
    chain = None
    if msg["business_certificate"] is not None:                             # 7b (13.5)
        chain_value = msg["business_certificate"]
        encoded_len = len(pb_encode(CERTIFICATE_CHAIN, chain_value))
        if encoded_len > MAX_CHAIN_LEN:
            raise HushwireError("TooLarge", len=encoded_len, max=MAX_CHAIN_LEN)
        chain = decode_chain_value(chain_value)                             # 13.2 steps 2-4
    kem = None
    if msg["kem_prekey"] is not None:                                       # 7c (18.7)
        k = msg["kem_prekey"]
        check_kem_public_key(k["public_key"], "kem_prekey.public_key")
        if len(k["signature"]) != 64:
            raise invalid_length("kem_prekey.signature", 64, len(k["signature"]))
        kem = KemPreKey(k["id"], k["created_at"], k["last_resort"], k["public_key"],
                        k["signature"])
    body = signed_prekey_body(spk["id"], spk["created_at"], spk["public_key"])
    ed25519_verify_strict(ik.encoded, signed_message(LABEL_SIGNED_PREKEY, body),
                          spk["signature"])                                 # 8
    if kem is not None:                                                     # 8, 18.7
        ed25519_verify_strict(ik.encoded, kem.signed_message(), kem.signature)
    return VerifiedBundle(ik, SignedPreKey(spk["id"], spk["created_at"], spk["public_key"],
                                           spk["signature"]), otk, chain, kem)


# =====================================================================================
# SPEC.md 5.3 -- DH values, SK and AD (and 5.2 / 5.4 for the two columns)
# =====================================================================================

@dataclass(frozen=True)
class X3dhResult:
    """SPEC.md 5.3: DH1..DH4, SK and AD."""
    dh: list
    sk: bytes
    ad: bytes


def x3dh_sk(dh_values: list) -> bytes:
    """SPEC.md 5.3: SK = HKDF(ZERO32, 0xFF*32 || DH1 || DH2 || DH3 [|| DH4], INFO_X3DH, 32)."""
    return hkdf(ZERO32, b"\xff" * 32 + b"".join(dh_values), INFO_X3DH, 32)


def x3dh_ad(ik_a: IdentityKey, ik_b: IdentityKey) -> bytes:
    """SPEC.md 5.3: AD = Encode(IK_A) || Encode(IK_B), initiator first."""
    return ik_a.encoded + ik_b.encoded


def x3dh_initiator(ik_a: IdentityKeyPair, ek: bytes, bundle: VerifiedBundle) -> X3dhResult:
    """SPEC.md 5.3, initiator column (used by 5.2 step 2)."""
    spk = bundle.signed_prekey.public_key
    values = [dh(ik_a.x_secret, spk),               # DH1
              dh(ek, bundle.identity.x),            # DH2
              dh(ek, spk)]                          # DH3
    if bundle.one_time_prekey is not None:
        values.append(dh(ek, bundle.one_time_prekey[1]))  # DH4
    return X3dhResult(values, x3dh_sk(values), x3dh_ad(ik_a.public, bundle.identity))


def x3dh_responder(ik_b: IdentityKeyPair, spk_secret: bytes, opk_secret: Optional[bytes],
                   ik_a: IdentityKey, ek_a: bytes) -> X3dhResult:
    """SPEC.md 5.3, responder column (used by 5.4 steps 3-4)."""
    values = [dh(spk_secret, ik_a.x),               # DH1
              dh(ik_b.x_secret, ek_a),              # DH2
              dh(spk_secret, ek_a)]                 # DH3
    if opk_secret is not None:
        values.append(dh(opk_secret, ek_a))         # DH4
    return X3dhResult(values, x3dh_sk(values), x3dh_ad(ik_a, ik_b.public))


# =====================================================================================
# SPEC.md 18 -- post-quantum hybrid set-up: ML-KEM-1024, KEM prekeys, PQXDH
# =====================================================================================

KEM_PUBLIC_KEY_LEN = 1568      # SPEC.md 18.2: ek
KEM_SECRET_KEY_LEN = 3168      # SPEC.md 18.2: dk = dk_PKE (1536) || ek || H(ek) || z
KEM_CIPHERTEXT_LEN = 1568      # SPEC.md 18.2: c
KEM_SEED_LEN = 64              # SPEC.md 18.1 step 1: rng(64) = d || z
KEM_KIND_LAST_RESORT = 0x01    # SPEC.md 18.1 step 2
KEM_KIND_ONE_TIME = 0x02
LABEL_KEM_PREKEY = b"hushwire/v1/sig/kem-prekey"               # SPEC.md 18.1 (26 bytes)
INFO_PQXDH = b"hushwire/v1/pqxdh-ml-kem-1024"                  # SPEC.md 18.3 (29 bytes)
LABEL_STORED_KEM_PREKEY = b"hushwire/v1/stored-kem-prekey"     # SPEC.md 18.6 (29 bytes)
STORED_KEM_PREKEY_LEN = 3278                                   # SPEC.md 18.6


def check_kem_public_key(ek: bytes, field_name: str) -> bytes:
    """SPEC.md 18.2 encapsulation key check (FIPS 203 7.2): exactly 1568 bytes
    (InvalidLength, `field_name`), then the modulus check (InvalidPublicKey)."""
    if len(ek) != KEM_PUBLIC_KEY_LEN:
        raise invalid_length(field_name, KEM_PUBLIC_KEY_LEN, len(ek))
    if not ml_kem.check_encapsulation_key(ml_kem.ML_KEM_1024, ek):
        raise HushwireError("InvalidPublicKey", field=field_name)
    return ek


def check_kem_secret_key(dk: bytes) -> bytes:
    """SPEC.md 18.2 decapsulation key check (FIPS 203 7.3 plus the modulus check of the ek
    inside): SHA3-256(dk[1536..3104]) = dk[3104..3136], and dk[1536..3104] passes 7.2;
    else SessionStateCorrupted. The caller checks the length first."""
    assert len(dk) == KEM_SECRET_KEY_LEN
    if not ml_kem.check_decapsulation_key(ml_kem.ML_KEM_1024, dk) \
            or not ml_kem.check_encapsulation_key(ml_kem.ML_KEM_1024, dk[1536:3104]):
        raise HushwireError("SessionStateCorrupted")
    return dk


def kem_keygen(seed: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 18.1 step 1: d = seed[0..32], z = seed[32..64];
    (ek, dk) = ML-KEM-1024.KeyGen_internal(d, z)."""
    seed = require_len(seed, KEM_SEED_LEN, "seed")
    return ml_kem.keygen(ml_kem.ML_KEM_1024, seed[:32], seed[32:])


def kem_encapsulate(ek: bytes, m: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 18.2 (hazmat::ml_kem_encapsulate): the key check (field kem_public_key), then
    (K, c) = Encaps_internal(ek, m)."""
    check_kem_public_key(ek, "kem_public_key")
    return ml_kem.encaps(ml_kem.ML_KEM_1024, ek, require_len(m, 32, "m"))


def kem_decapsulate(dk: bytes, ct: bytes) -> bytes:
    """SPEC.md 18.2 (hazmat::ml_kem_decapsulate): dk of 3168 bytes (InvalidLength,
    kem_secret_key), the dk check (SessionStateCorrupted), the ciphertext's length
    (InvalidLength, kem_ciphertext), then Decaps_internal with implicit rejection. The
    order of the last two is test-vectors/README.md's (SPEC.md does not give it)."""
    if len(dk) != KEM_SECRET_KEY_LEN:
        raise invalid_length("kem_secret_key", KEM_SECRET_KEY_LEN, len(dk))
    check_kem_secret_key(dk)
    if len(ct) != KEM_CIPHERTEXT_LEN:
        raise invalid_length("kem_ciphertext", KEM_CIPHERTEXT_LEN, len(ct))
    return ml_kem.decaps_internal(ml_kem.ML_KEM_1024, dk, ct)


@dataclass(frozen=True)
class KemPreKey:
    """SPEC.md 18.1: a KEM prekey's public part: id, created_at, kind, ek, signature."""
    id: int
    created_at: int
    last_resort: bool
    public_key: bytes
    signature: bytes

    def signed_message(self) -> bytes:
        """SPEC.md 18.1 step 4: 0x1a || label || body (1608 bytes)."""
        return signed_message(LABEL_KEM_PREKEY, kem_prekey_body(
            self.id, self.created_at, self.last_resort, self.public_key))


def kem_prekey_body(kem_id: int, created_at: int, last_resort: bool, ek: bytes) -> bytes:
    """SPEC.md 18.1 step 3: u32(id) || u64(created_at) || u8(kind) || ek (1581 bytes)."""
    kind = KEM_KIND_LAST_RESORT if last_resort else KEM_KIND_ONE_TIME
    return u32(kem_id) + u64(created_at) + u8(kind) + ek


def sign_kem_prekey(identity: IdentityKeyPair, kem_id: int, created_at: int,
                    last_resort: bool, ek: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 18.1 step 4 / 3.2: (1608-byte signed message, 64-byte signature)."""
    msg = signed_message(LABEL_KEM_PREKEY, kem_prekey_body(kem_id, created_at, last_resort, ek))
    return msg, identity.sign(msg)


def generate_kem_prekey(identity: IdentityKeyPair, kem_id: int, created_at: int,
                        last_resort: bool, seed: bytes) -> tuple[bytes, KemPreKey]:
    """SPEC.md 18.1 steps 1-4 from the 64-byte seed: (dk, KemPreKey)."""
    ek, dk = kem_keygen(seed)
    _, signature = sign_kem_prekey(identity, kem_id, created_at, last_resort, ek)
    return dk, KemPreKey(kem_id, created_at, last_resort, ek, signature)


def verify_kem_prekey(identity_key: bytes, kem_id: int, last_resort: bool, created_at: int,
                      ek: bytes, signature: bytes) -> KemPreKey:
    """SPEC.md 18.1 (hazmat::verify_kem_prekey): the identity key (3.1), ek (18.2, field
    kem_public_key), the signature's length (field signature), the signature."""
    ik = validate_identity_key(identity_key, "identity_key")
    check_kem_public_key(ek, "kem_public_key")
    if len(signature) != 64:
        raise invalid_length("signature", 64, len(signature))
    kem = KemPreKey(kem_id, created_at, last_resort, ek, signature)
    ed25519_verify_strict(ik.encoded, kem.signed_message(), signature)
    return kem


@dataclass(frozen=True)
class PqxdhResult:
    """SPEC.md 18.3: DH1..DH4, SS, ikm, SK and AD (X3dhResult's fields plus SS and ikm)."""
    dh: list
    ss: bytes
    ikm: bytes
    sk: bytes
    ad: bytes


def pqxdh_ikm(dh_values: list, ss: bytes) -> bytes:
    """SPEC.md 18.3 step 3: F || DH1 || DH2 || DH3 [|| DH4] || SS (160 or 192 bytes)."""
    return b"\xff" * 32 + b"".join(dh_values) + ss


def pqxdh_sk(ikm: bytes) -> bytes:
    """SPEC.md 18.3 step 3: SK = HKDF(ZERO32, ikm, "hushwire/v1/pqxdh-ml-kem-1024", 32)."""
    return hkdf(ZERO32, ikm, INFO_PQXDH, 32)


def pqxdh_initiator(ik_a: IdentityKeyPair, ek: bytes, m: bytes,
                    bundle: VerifiedBundle) -> tuple[PqxdhResult, bytes]:
    """SPEC.md 18.3 steps 2-4, initiator: (SS, CT) = Encaps_internal(KPK_B, m); DH1..DH4 as
    in 5.3; SK; AD. Returns (result, CT)."""
    ss, ct = ml_kem.encaps(ml_kem.ML_KEM_1024, bundle.kem_prekey.public_key, m)
    classic = x3dh_initiator(ik_a, ek, bundle)
    ikm = pqxdh_ikm(classic.dh, ss)
    return PqxdhResult(classic.dh, ss, ikm, pqxdh_sk(ikm), classic.ad), ct


def pqxdh_responder(ik_b: IdentityKeyPair, spk_secret: bytes, opk_secret: Optional[bytes],
                    dk: bytes, ik_a: IdentityKey, ek_a: bytes, ct: bytes) -> PqxdhResult:
    """SPEC.md 18.3 / 18.4 step 3, responder: SS = Decaps_internal(dk, CT) (implicit
    rejection: never fails), DH1..DH4 (5.3 responder column), SK, AD."""
    ss = ml_kem.decaps_internal(ml_kem.ML_KEM_1024, dk, require_len(ct, KEM_CIPHERTEXT_LEN,
                                                                     "kem_ciphertext"))
    classic = x3dh_responder(ik_b, spk_secret, opk_secret, ik_a, ek_a)
    ikm = pqxdh_ikm(classic.dh, ss)
    return PqxdhResult(classic.dh, ss, ikm, pqxdh_sk(ikm), classic.ad)


# ---- SPEC.md 18.6: stored KEM prekeys -------------------------------------------------

def stored_kem_prekey_content(dk: bytes, kem: KemPreKey) -> bytes:
    """SPEC.md 18.6: u8(1) || u32(id) || u64(created_at) || u8(kind) || dk || signature."""
    kind = KEM_KIND_LAST_RESORT if kem.last_resort else KEM_KIND_ONE_TIME
    return (u8(STORED_PREKEY_VERSION) + u32(kem.id) + u64(kem.created_at) + u8(kind)
            + require_len(dk, KEM_SECRET_KEY_LEN, "dk") + require_len(kem.signature, 64,
                                                                       "signature"))


def store_kem_prekey(dk: bytes, kem: KemPreKey) -> bytes:
    """SPEC.md 18.6: content || SHA-256(0x1d || "hushwire/v1/stored-kem-prekey" || content)."""
    content = stored_kem_prekey_content(dk, kem)
    return content + stored_prekey_checksum(LABEL_STORED_KEM_PREKEY, content)


def load_stored_kem_prekey(data: bytes) -> tuple[bytes, KemPreKey]:
    """SPEC.md 18.6 Loading, first failure returned: length and checksum
    (SessionStateCorrupted), version byte 1 (UnsupportedVersion), kind byte 1 or 2
    (SessionStateCorrupted), the dk check of 18.2 (SessionStateCorrupted). The public key
    is the ek inside dk; the signature is taken as stored."""
    body = _load_stored_prekey(data, STORED_KEM_PREKEY_LEN, LABEL_STORED_KEM_PREKEY)
    kem_id, created_at, kind = struct.unpack(">IQB", body[:13])
    if kind not in (KEM_KIND_LAST_RESORT, KEM_KIND_ONE_TIME):
        raise HushwireError("SessionStateCorrupted")
    dk = check_kem_secret_key(body[13:13 + KEM_SECRET_KEY_LEN])
    signature = body[13 + KEM_SECRET_KEY_LEN:]
    return dk, KemPreKey(kem_id, created_at, kind == KEM_KIND_LAST_RESORT, dk[1536:3104],
                         signature)


# =====================================================================================
# SPEC.md 6.2 - 6.5 -- KDFs, message keys, header and associated data
# =====================================================================================

def kdf_rk(rk: bytes, dh_out: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 6.2: (RK', CK) = HKDF(salt=RK, ikm=dh_out, INFO_ROOT, 64) split 32/32."""
    okm = hkdf(rk, dh_out, INFO_ROOT, 64)
    return okm[:32], okm[32:]


def kdf_ck(ck: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 6.3: (MK, CK') = (HMAC(CK, 0x01), HMAC(CK, 0x02))."""
    return hmac_sha256(ck, b"\x01"), hmac_sha256(ck, b"\x02")


def message_key_material(mk: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 6.4: (key, nonce) = HKDF(ZERO32, MK, INFO_MESSAGE_KEY, 44) split 32/12."""
    okm = hkdf(ZERO32, mk, INFO_MESSAGE_KEY, 44)
    return okm[:32], okm[32:44]


@dataclass(frozen=True)
class PreKeyInfo:
    """SPEC.md 5.2 step 5 / 5.4 step 7 / 9.1: (EK_A, signed prekey id, one-time prekey id)."""
    base_key: bytes
    signed_prekey_id: int
    one_time_prekey_id: Optional[int]
    # SPEC.md 18.4 step 7 / 18.5: (KEM prekey id, SHA-256(CT)) of a hybrid set-up; a classic
    # one has neither (None, b"")
    kem_prekey_id: Optional[int] = None
    kem_ciphertext_hash: bytes = b""

    def encode_for_ad(self) -> bytes:
        """SPEC.md 6.5: prekey_info = EK_A || u32(spk id) || has_otk || u32(otk id or 0)
        (41 bytes); SPEC.md 18.5, hybrid: || u32(kem prekey id) || SHA-256(CT) (77 bytes)."""
        has_otk = self.one_time_prekey_id is not None
        out = (self.base_key + u32(self.signed_prekey_id) + u8(1 if has_otk else 0)
               + u32(self.one_time_prekey_id if has_otk else 0))
        if self.kem_prekey_id is not None:
            out += u32(self.kem_prekey_id) + self.kem_ciphertext_hash
        return out


def encode_header(ratchet_key: bytes, pn: int, n: int) -> bytes:
    """SPEC.md 6.5: header = 0x01 || DH || u32(PN) || u32(N) (41 bytes)."""
    return b"\x01" + ratchet_key + u32(pn) + u32(n)


def aead_associated_data(ad: bytes, header: bytes, prekey_info: Optional[bytes],
                         routing: Optional[bytes] = None) -> bytes:
    """SPEC.md 6.5: LP(AD) || LP(header) [|| LP(prekey_info) inside a PreKeyMessage].

    With `routing` (a device message, SPEC.md 14.5) both trailing fields are always present:
    LP(AD) || LP(header) || LP(prekey_info, or the empty string) || LP(routing)."""
    out = lp(ad) + lp(header)
    if routing is not None:
        return out + lp(prekey_info if prekey_info is not None else b"") + lp(routing)
    if prekey_info is not None:
        out += lp(prekey_info)
    return out


def seal_message(mk: bytes, aead_ad: bytes, plaintext: bytes) -> bytes:
    """SPEC.md 6.4 + 6.5: ciphertext = ChaCha20-Poly1305(key, nonce, aead_ad, plaintext)."""
    key, nonce = message_key_material(mk)
    return aead_seal(key, nonce, aead_ad, plaintext)


def open_message(mk: bytes, aead_ad: bytes, ciphertext: bytes) -> bytes:
    """SPEC.md 6.4 + 6.5 + 6.6: decrypt, DecryptionFailed on a bad tag."""
    key, nonce = message_key_material(mk)
    return aead_open(key, nonce, aead_ad, ciphertext)


# =====================================================================================
# SPEC.md 8.4 -- limits
# =====================================================================================

@dataclass(frozen=True)
class Config:
    """SPEC.md 8.4: limits supplied by the application (not serialized)."""
    max_skip: int = 2000
    max_skipped_keys: int = 2000
    max_receiving_chains: int = 5
    max_retired_chains: int = 32
    max_encoded_len: int = 2 * 1024 * 1024
    max_archived_sessions: int = 40  # SPEC.md 14.6 (session records); above 256 acts as 256
    # SPEC.md 18.4: Config::post_quantum, "Required" (the default) or "Optional"
    post_quantum: str = "Required"

    @property
    def receiving_limit(self) -> int:
        """SPEC.md 6.6 / 8.4: R = max(1, max_receiving_chains)."""
        return max(1, self.max_receiving_chains)


ENVELOPE_OVERHEAD_BOUND = 176  # SPEC.md 8.4
KEM_FIELD_OVERHEAD_BOUND = 1580  # SPEC.md 18.7: what a `kem` field adds to a PreKeyMessage
POST_QUANTUM_REQUIRED = "Required"
POST_QUANTUM_OPTIONAL = "Optional"


# =====================================================================================
# SPEC.md 6.1 / 6.6 / 6.7 -- the Double Ratchet
# =====================================================================================

@dataclass
class ReceivingChain:
    """SPEC.md 6.1: (DHr, CKr, Nr)."""
    ratchet_key: bytes
    chain_key: bytes
    counter: int


@dataclass(frozen=True)
class SkippedKey:
    """SPEC.md 6.1: a stored message key (DHr, n, MK)."""
    ratchet_key: bytes
    counter: int
    message_key: bytes


@dataclass(frozen=True)
class RatchetMessage:
    """SPEC.md 7.3: header (DH, PN, N) and ciphertext."""
    ratchet_key: bytes
    previous_counter: int
    counter: int
    ciphertext: bytes


@dataclass
class Ratchet:
    """SPEC.md 6.1: Double Ratchet state (AD is held by the session). While a sending step
    is pending (6.1 `pending`, 6.7) only DHs's secret is held: dhs_public and cks are empty
    and ns is 0, as in the stored form (9.1)."""
    root_key: bytes
    dhs_secret: bytes
    dhs_public: bytes
    cks: bytes
    ns: int
    pn: int
    receiving: list = field(default_factory=list)  # most recent first
    skipped: list = field(default_factory=list)    # oldest first
    retired: list = field(default_factory=list)    # most recent first
    pending: bool = False                          # SPEC.md 6.1: a sending step is pending

    @classmethod
    def initiator(cls, sk: bytes, spk_b: bytes, rng: "ChaCha20Rng") -> "Ratchet":
        """SPEC.md 6.1, initiator: s = rng(32); RK, CKs = KDF_RK(SK, DH(s, SPK_B))."""
        s = rng.draw32()
        rk, cks = kdf_rk(sk, dh(s, spk_b))
        return cls(rk, s, x25519_public(s), cks, 0, 0)

    @classmethod
    def responder(cls, sk: bytes, spk_secret: bytes, spk_public: bytes) -> "Ratchet":
        """SPEC.md 6.1, responder: RK = SK; DHs = (spk_B, SPK_B); CKs unset (never used: the
        first decryption, 6.6 step 4, leaves a sending step pending)."""
        return cls(sk, spk_secret, spk_public, ZERO32, 0, 0)

    # ---- SPEC.md 6.7 TAKE ------------------------------------------------------------

    def take(self) -> tuple[bytes, bytes, bytes]:
        """SPEC.md 6.7 TAKE, on the side (only while pending): returns (RK, CKs, DHs.public)
        from KDF_RK(RK, DH(s, receiving[0].DHr)) and X25519(s, 9); Ns becomes 0 and PN stays,
        which the caller commits (or not)."""
        assert self.pending and self.receiving  # 9.2 step 16 holds for every loaded state
        rk, cks = kdf_rk(self.root_key, dh(self.dhs_secret, self.receiving[0].ratchet_key))
        return rk, cks, x25519_public(self.dhs_secret)

    # ---- SPEC.md 6.6 auxiliary procedures -------------------------------------------

    @staticmethod
    def advance(ratchet_key: bytes, ck: bytes, nr: int, n: int, config: Config):
        """SPEC.md 6.6 ADVANCE: returns (S, MK, CK at counter n + 1); modifies nothing."""
        if n < nr:
            raise HushwireError("DuplicateMessage")
        if n == U32_MAX:
            raise HushwireError("CounterExhausted")
        if n - nr > config.max_skip:
            raise HushwireError("TooManySkippedMessages", skip=n - nr, max=config.max_skip)
        skipped = []
        for i in range(nr, n):
            mk, ck = kdf_ck(ck)
            skipped.append(SkippedKey(ratchet_key, i, mk))
        mk, ck = kdf_ck(ck)
        return skipped, mk, ck

    def store(self, keys: list, config: Config) -> None:
        """SPEC.md 6.6 STORE: append, then evict the oldest beyond max_skipped_keys."""
        self.skipped.extend(keys)
        excess = len(self.skipped) - config.max_skipped_keys
        if excess > 0:
            del self.skipped[:excess]

    def trim_chains(self, config: Config) -> None:
        """SPEC.md 6.6 step 4.5 (third bullet) / 9.2: keep R chains, retire the rest."""
        limit = config.receiving_limit
        dropped = self.receiving[limit:]
        del self.receiving[limit:]
        self.retired[:0] = [c.ratchet_key for c in dropped]
        del self.retired[config.max_retired_chains:]

    # ---- SPEC.md 6.6 DECRYPT ---------------------------------------------------------

    def decrypt(self, msg: RatchetMessage, ad: bytes, prekey_info: Optional[bytes],
                config: Config, rng: "ChaCha20Rng", routing: Optional[bytes] = None) -> bytes:
        """SPEC.md 6.6 DECRYPT(DH, PN, N, ciphertext); transactional (8.2). `routing`: a
        device message's (14.5), bound into the associated data."""
        dh_r, pn, n, ct = msg.ratchet_key, msg.previous_counter, msg.counter, msg.ciphertext
        aead_ad = aead_associated_data(ad, encode_header(dh_r, pn, n), prekey_info, routing)

        # 1. stored key
        for index, entry in enumerate(self.skipped):
            if entry.ratchet_key == dh_r and entry.counter == n:
                plaintext = open_message(entry.message_key, aead_ad, ct)
                del self.skipped[index]                                   # commit
                return plaintext

        # 2. known chain
        for chain in self.receiving:
            if chain.ratchet_key == dh_r:
                keys, mk, ck = self.advance(dh_r, chain.chain_key, chain.counter, n, config)
                plaintext = open_message(mk, aead_ad, ct)
                chain.chain_key, chain.counter = ck, n + 1                # commit
                self.store(keys, config)
                return plaintext

        # 3. retired chain, or a forgotten chain whose stored keys remain
        if dh_r in self.retired or any(k.ratchet_key == dh_r for k in self.skipped):
            raise HushwireError("DuplicateMessage")

        # 4. new ratchet key
        # 4.1 finish the current chain
        finish = None
        if self.receiving and pn > self.receiving[0].counter:
            c0 = self.receiving[0]
            if pn - c0.counter > config.max_skip:
                raise HushwireError("TooManySkippedMessages", skip=pn - c0.counter,
                                    max=config.max_skip)
            finish = self.advance(c0.ratchet_key, c0.chain_key, c0.counter, pn - 1, config)
        # 4.2 receiving step; a pending sending step is TAKEn first, on the side (its RK,
        # and Ns = 0; its CKs and public key are not used: 4.5 note)
        rk, ns = self.root_key, self.ns
        if self.pending:
            rk, ns = self.take()[0], 0
        rk1, ck0 = kdf_rk(rk, dh(self.dhs_secret, dh_r))
        keys2, mk, ckr = self.advance(dh_r, ck0, 0, n, config)
        # 4.3 decrypt
        plaintext = open_message(mk, aead_ad, ct)
        # 4.4 sending step, drawn: only the secret; KDF_RK(RK1, DH(s', DH)) waits for the
        # next encryption (6.7 TAKE)
        pn_next = ns
        s_next = rng.draw32()
        # 4.5 commit
        if finish is not None:
            c0 = self.receiving[0]
            f_keys, f_mk, f_ck = finish
            self.store(f_keys + [SkippedKey(c0.ratchet_key, pn - 1, f_mk)], config)
            c0.chain_key, c0.counter = f_ck, pn
        self.store(keys2, config)
        self.receiving.insert(0, ReceivingChain(dh_r, ckr, n + 1))
        self.trim_chains(config)
        self.root_key = rk1
        self.dhs_secret, self.dhs_public, self.cks = s_next, b"", b""
        self.pending, self.ns, self.pn = True, 0, pn_next
        # 4.6
        return plaintext

    # ---- SPEC.md 6.7 ENCRYPT ---------------------------------------------------------

    def check_can_encrypt(self, plaintext_len: int, config: Config,
                          hybrid_pending: bool = False) -> None:
        """SPEC.md 6.7: the two checks that come before anything changes. While a hybrid
        initiator still sends PreKeyMessages the bound is 176 + 1580 (SPEC.md 18.7)."""
        bound = ENVELOPE_OVERHEAD_BOUND + (KEM_FIELD_OVERHEAD_BOUND if hybrid_pending else 0)
        if plaintext_len + bound > config.max_encoded_len:
            raise HushwireError("TooLarge", len=plaintext_len + bound,
                                max=config.max_encoded_len)
        # a pending step's TAKE (between the two checks) yields Ns = 0
        if not self.pending and self.ns == U32_MAX:
            raise HushwireError("CounterExhausted")

    def encrypt(self, plaintext: bytes, ad: bytes, prekey_info: Optional[bytes],
                config: Config, routing: Optional[bytes] = None,
                hybrid_pending: bool = False) -> RatchetMessage:
        """SPEC.md 6.7 ENCRYPT(plaintext); `routing` as in decrypt (14.5). A pending step's
        TAKE is computed on the side and committed with the message."""
        self.check_can_encrypt(len(plaintext), config, hybrid_pending)
        rk, cks, dhs_public, ns = self.root_key, self.cks, self.dhs_public, self.ns
        if self.pending:                                                  # TAKE
            (rk, cks, dhs_public), ns = self.take(), 0
        header = encode_header(dhs_public, self.pn, ns)
        mk, ck_next = kdf_ck(cks)
        ct = seal_message(mk, aead_associated_data(ad, header, prekey_info, routing), plaintext)
        msg = RatchetMessage(dhs_public, self.pn, ns, ct)
        self.root_key, self.dhs_public, self.pending = rk, dhs_public, False  # commit
        self.cks, self.ns = ck_next, ns + 1
        return msg


# =====================================================================================
# SPEC.md 7.1 -- protobuf: strict decoding and canonical encoding
# =====================================================================================
#
# A schema is a dict: field number -> (name, type, label[, oneof]).
#   type : "uint32" | "uint64" | "bool" | "bytes" | "string" | <nested schema dict>
#   label: "plain" (implicit presence), "optional" (explicit presence),
#          "message" (singular nested message), "repeated",
#          "packed" (a packed repeated scalar, SPEC.md 13.1)
#   oneof: a fourth element names the oneof a member belongs to (a message, or an
#          explicit-presence scalar: label "optional").
# "string" (SPEC.md 13.1) is held as a Python str; its bytes must be valid UTF-8.
# A decoded value is a dict name -> value (None for an absent optional/message field).

WT_VARINT, WT_I64, WT_LEN, WT_SGROUP, WT_EGROUP, WT_I32 = 0, 1, 2, 3, 4, 5


def pb_varint(n: int) -> bytes:
    """SPEC.md 7.1: minimal LEB128 varint."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb_read_varint(data: bytes, pos: int) -> tuple[int, int]:
    """SPEC.md 7.1 step 2: read a varint (at most 10 bytes, value < 2^64)."""
    value = 0
    for i in range(10):
        if pos >= len(data):
            raise HushwireError("MalformedProtobuf")  # truncated
        byte = data[pos]
        pos += 1
        if i == 9 and byte > 1:
            raise HushwireError("MalformedProtobuf")  # overflows 64 bits
        value |= (byte & 0x7F) << (7 * i)
        if byte < 0x80:
            return value, pos
    raise HushwireError("MalformedProtobuf")  # more than 10 bytes


def pb_read_key(data: bytes, pos: int) -> tuple[int, int, int]:
    """SPEC.md 7.1 step 2: a field key -> (field number, wire type, new pos)."""
    key, pos = pb_read_varint(data, pos)
    if key > U32_MAX:
        raise HushwireError("MalformedProtobuf")
    number, wire_type = key >> 3, key & 7
    if number == 0 or wire_type > 5:
        raise HushwireError("MalformedProtobuf")  # invalid field number / wire type
    return number, wire_type, pos


def pb_skip(data: bytes, pos: int, number: int, wire_type: int, depth: int) -> int:
    """SPEC.md 7.1 step 2: skip an unknown field (at `depth`) of any valid wire type."""
    if depth >= 100:
        raise HushwireError("MalformedProtobuf")
    if wire_type == WT_VARINT:
        return pb_read_varint(data, pos)[1]
    if wire_type in (WT_I64, WT_I32):
        end = pos + (8 if wire_type == WT_I64 else 4)
    elif wire_type == WT_LEN:
        length, pos = pb_read_varint(data, pos)
        end = pos + length
    elif wire_type == WT_SGROUP:
        while True:
            inner, inner_wt, pos = pb_read_key(data, pos)
            if inner_wt == WT_EGROUP:
                if inner != number:
                    raise HushwireError("MalformedProtobuf")
                return pos
            pos = pb_skip(data, pos, inner, inner_wt, depth + 1)
    else:  # an end-group key without a start
        raise HushwireError("MalformedProtobuf")
    if end > len(data):
        raise HushwireError("MalformedProtobuf")
    return end


def pb_default(schema: dict) -> dict:
    """SPEC.md 7.1: the default value of a message (all fields absent)."""
    value = {}
    for name, ftype, label, *_ in schema.values():
        if label in ("repeated", "packed"):
            value[name] = []
        elif label in ("optional", "message"):
            value[name] = None
        else:
            value[name] = {"uint32": 0, "uint64": 0, "bool": False, "bytes": b"",
                           "string": ""}[ftype]
    return value


def _pb_clear_other_members(schema: dict, value: dict, name: str, oneof: list) -> None:
    """SPEC.md 7.1 step 2: setting one member of a oneof clears the others."""
    if oneof:
        for other in schema.values():
            if list(other[3:]) == oneof and other[0] != name:
                value[other[0]] = None


def pb_parse(schema: dict, data: bytes, depth: int = 0) -> dict:
    """SPEC.md 7.1 step 2: parse by the protobuf wire rules; `depth` of this message's fields."""
    value = pb_default(schema)
    pos = 0
    while pos < len(data):
        number, wire_type, pos = pb_read_key(data, pos)
        spec = schema.get(number)
        if spec is None:  # unknown field: skipped (refused later by step 3)
            pos = pb_skip(data, pos, number, wire_type, depth)
            continue
        name, ftype, label, *rest = spec
        if label == "packed":  # SPEC.md 13.1: packed (canonical) or unpacked (parses)
            if wire_type == WT_LEN:
                length, pos = pb_read_varint(data, pos)
                if pos + length > len(data):
                    raise HushwireError("MalformedProtobuf")
                chunk, pos = data[pos:pos + length], pos + length
                inner = 0
                while inner < len(chunk):
                    n, inner = pb_read_varint(chunk, inner)
                    value[name].append(n & U32_MAX if ftype == "uint32" else n)
            elif wire_type == WT_VARINT:
                n, pos = pb_read_varint(data, pos)
                value[name].append(n & U32_MAX if ftype == "uint32" else n)
            else:
                raise HushwireError("MalformedProtobuf")
            continue
        if isinstance(ftype, dict) or ftype in ("bytes", "string"):
            if wire_type != WT_LEN:
                raise HushwireError("MalformedProtobuf")
            length, pos = pb_read_varint(data, pos)
            if pos + length > len(data):
                raise HushwireError("MalformedProtobuf")
            chunk, pos = data[pos:pos + length], pos + length
            if isinstance(ftype, dict):
                if label == "repeated":
                    value[name].append(pb_parse(ftype, chunk, depth + 1))
                else:
                    # A repeated singular message would merge with the earlier occurrence;
                    # keeping only the last is equivalent here because step 3 refuses the
                    # input either way (the canonical form has one occurrence).
                    item = pb_parse(ftype, chunk, depth + 1)
                    _pb_clear_other_members(schema, value, name, rest)
                    value[name] = item
            elif ftype == "string":  # SPEC.md 13.1: invalid UTF-8 is a parse error
                try:
                    text = chunk.decode("utf-8")
                except UnicodeDecodeError:
                    raise HushwireError("MalformedProtobuf") from None
                if label == "repeated":
                    value[name].append(text)
                else:
                    _pb_clear_other_members(schema, value, name, rest)
                    value[name] = text
            elif label == "repeated":
                value[name].append(chunk)
            else:
                _pb_clear_other_members(schema, value, name, rest)  # a bytes oneof member
                value[name] = chunk
        else:
            if wire_type != WT_VARINT:
                raise HushwireError("MalformedProtobuf")
            n, pos = pb_read_varint(data, pos)
            if ftype == "uint32":
                n &= U32_MAX
            elif ftype == "bool":
                n = n != 0
            _pb_clear_other_members(schema, value, name, rest)
            value[name] = n
    return value


def pb_encode(schema: dict, value: dict) -> bytes:
    """SPEC.md 7.1: canonical encoding (field order, defaults omitted, minimal varints)."""
    out = bytearray()
    for number in sorted(schema):
        name, ftype, label, *_ = schema[number]
        v = value.get(name)
        if label == "packed":  # SPEC.md 13.1: one record of varints; omitted when empty
            if v:
                payload = b"".join(pb_varint(int(n)) for n in v)
                out += pb_varint(number << 3 | WT_LEN) + pb_varint(len(payload)) + payload
            continue
        items = v if label == "repeated" else [v]
        for item in items:
            if item is None:
                continue
            if isinstance(ftype, dict) or ftype in ("bytes", "string"):
                if isinstance(ftype, dict):
                    payload = pb_encode(ftype, item)
                elif ftype == "string":
                    payload = item.encode("utf-8")
                else:
                    payload = item
                if label == "plain" and not payload:
                    continue  # implicit-presence bytes: omitted when empty
                out += pb_varint(number << 3 | WT_LEN) + pb_varint(len(payload)) + payload
            else:
                n = int(item)
                if label == "plain" and n == 0:
                    continue  # implicit-presence scalar: omitted when default
                out += pb_varint(number << 3 | WT_VARINT) + pb_varint(n)
    return bytes(out)


def strict_decode(schema: dict, data: bytes, max_len: int) -> dict:
    """SPEC.md 7.1 strict decoding: size limit, parse, canonical re-encoding check."""
    if len(data) > max_len:                                    # 1
        raise HushwireError("TooLarge", len=len(data), max=max_len)
    value = pb_parse(schema, data)                             # 2
    canonical = pb_encode(schema, value)                       # 3
    if len(canonical) != len(data) or not hmac.compare_digest(canonical, data):
        raise HushwireError("NonCanonicalEncoding")
    return value


def check_version(value: dict) -> None:
    """SPEC.md 7.1: versioned messages must have version = 1."""
    if value["version"] != 1:
        raise HushwireError("UnsupportedVersion", found=value["version"])


# ---- SPEC.md 7.2 - 7.5 and 9.1 schemas --------------------------------------------

RATCHET_MESSAGE = {                                            # SPEC.md 7.3
    1: ("ratchet_key", "bytes", "plain"),
    2: ("previous_counter", "uint32", "plain"),
    3: ("counter", "uint32", "plain"),
    4: ("ciphertext", "bytes", "plain"),
}
KEM_ENCAPSULATION = {                                          # SPEC.md 18.7
    1: ("prekey_id", "uint32", "plain"),
    2: ("ciphertext", "bytes", "plain"),
}
PREKEY_MESSAGE = {                                             # SPEC.md 7.4
    1: ("identity_key", "bytes", "plain"),
    2: ("base_key", "bytes", "plain"),
    3: ("signed_prekey_id", "uint32", "plain"),
    4: ("one_time_prekey_id", "uint32", "optional"),
    5: ("message", RATCHET_MESSAGE, "message"),
    6: ("kem", KEM_ENCAPSULATION, "message"),                  # SPEC.md 18.7
}
ENVELOPE = {                                                   # SPEC.md 7.2
    1: ("version", "uint32", "plain"),
    2: ("prekey", PREKEY_MESSAGE, "message", "content"),
    3: ("ratchet", RATCHET_MESSAGE, "message", "content"),
}
SIGNED_PREKEY = {                                              # SPEC.md 7.5
    1: ("id", "uint32", "plain"),
    2: ("created_at", "uint64", "plain"),
    3: ("public_key", "bytes", "plain"),
    4: ("signature", "bytes", "plain"),
}
ONE_TIME_PREKEY = {                                            # SPEC.md 7.5
    1: ("id", "uint32", "plain"),
    2: ("public_key", "bytes", "plain"),
}
KEM_PREKEY = {                                                 # SPEC.md 18.7
    1: ("id", "uint32", "plain"),
    2: ("created_at", "uint64", "plain"),
    3: ("last_resort", "bool", "plain"),
    4: ("public_key", "bytes", "plain"),
    5: ("signature", "bytes", "plain"),
}
# ---- SPEC.md 13.2, 13.4, 13.5 schemas (business.proto), needed by 7.5 and 9.1 ----------

ISSUER_CERTIFICATE_BODY = {                                    # SPEC.md 13.2
    1: ("version", "uint32", "plain"),
    2: ("root_key_id", "uint32", "plain"),
    3: ("serial", "uint64", "plain"),
    4: ("issuer_key", "bytes", "plain"),
    5: ("not_before", "uint64", "plain"),
    6: ("not_after", "uint64", "plain"),
    7: ("allowed_levels", "uint32", "plain"),
}
BUSINESS_CERTIFICATE_BODY = {                                  # SPEC.md 13.2
    1: ("version", "uint32", "plain"),
    2: ("serial", "uint64", "plain"),
    3: ("identity_key", "bytes", "plain"),
    4: ("business_id", "string", "plain"),
    5: ("display_name", "string", "plain"),
    6: ("level", "uint32", "plain"),
    7: ("not_before", "uint64", "plain"),
    8: ("not_after", "uint64", "plain"),
    9: ("phone_number", "string", "plain"),
    10: ("website", "string", "plain"),
    11: ("issuer_certificate_id", "bytes", "plain"),           # the issuer certificate's id
}
SIGNED_OBJECT = {                                              # SPEC.md 13.1: body, signature
    1: ("body", "bytes", "plain"),
    2: ("signature", "bytes", "plain"),
}
ISSUER_CERTIFICATE = SIGNED_OBJECT                             # SPEC.md 13.2
BUSINESS_CERTIFICATE = SIGNED_OBJECT                           # SPEC.md 13.2
REVOCATION_LIST = SIGNED_OBJECT                                # SPEC.md 13.4
CERTIFICATE_CHAIN = {                                          # SPEC.md 13.2
    1: ("issuer", ISSUER_CERTIFICATE, "message"),
    2: ("business", BUSINESS_CERTIFICATE, "message"),
}
REVOCATION_LIST_BODY = {                                       # SPEC.md 13.4
    1: ("version", "uint32", "plain"),
    2: ("root_key_id", "uint32", "optional", "signer"),
    3: ("issuer", ISSUER_CERTIFICATE, "message", "signer"),
    4: ("sequence", "uint64", "plain"),
    5: ("issued_at", "uint64", "plain"),
    6: ("revoked_serials", "uint64", "packed"),
}
BUSINESS_IDENTITY = {                                          # SPEC.md 13.5
    1: ("business_id", "string", "plain"),
    2: ("display_name", "string", "plain"),
    3: ("level", "uint32", "plain"),
    4: ("phone_number", "string", "plain"),
    5: ("website", "string", "plain"),
    6: ("serial", "uint64", "plain"),
    7: ("not_after", "uint64", "plain"),
    8: ("root_key_id", "uint32", "plain"),
    9: ("issuer_key", "bytes", "plain"),
    10: ("not_before", "uint64", "plain"),
    11: ("fresh_until", "uint64", "plain"),                    # SPEC.md 13.4
}

PREKEY_BUNDLE = {                                              # SPEC.md 7.5
    1: ("version", "uint32", "plain"),
    2: ("identity_key", "bytes", "plain"),
    3: ("signed_prekey", SIGNED_PREKEY, "message"),
    4: ("one_time_prekey", ONE_TIME_PREKEY, "message"),
    5: ("business_certificate", CERTIFICATE_CHAIN, "message"),  # SPEC.md 13.5
    6: ("kem_prekey", KEM_PREKEY, "message"),                  # SPEC.md 18.7
}
SENDING_CHAIN = {                                              # SPEC.md 9.1
    1: ("ratchet_secret", "bytes", "plain"),
    2: ("chain_key", "bytes", "plain"),
    3: ("counter", "uint32", "plain"),
    4: ("previous_counter", "uint32", "plain"),
    5: ("ratchet_key", "bytes", "plain"),
}
RECEIVING_CHAIN = {                                            # SPEC.md 9.1
    1: ("ratchet_key", "bytes", "plain"),
    2: ("chain_key", "bytes", "plain"),
    3: ("counter", "uint32", "plain"),
}
SKIPPED_KEY = {                                                # SPEC.md 9.1
    1: ("ratchet_key", "bytes", "plain"),
    2: ("counter", "uint32", "plain"),
    3: ("message_key", "bytes", "plain"),
}
PREKEY_INFO = {                                                # SPEC.md 9.1
    1: ("base_key", "bytes", "plain"),
    2: ("signed_prekey_id", "uint32", "plain"),
    3: ("one_time_prekey_id", "uint32", "optional"),
    4: ("kem_prekey_id", "uint32", "optional"),                # SPEC.md 18.5
    5: ("kem_ciphertext_hash", "bytes", "plain"),              # SPEC.md 18.5
}
SESSION_STATE = {                                              # SPEC.md 9.1
    1: ("version", "uint32", "plain"),
    2: ("local_identity", "bytes", "plain"),
    3: ("remote_identity", "bytes", "plain"),
    4: ("initiator", "bool", "plain"),
    5: ("root_key", "bytes", "plain"),
    6: ("sending", SENDING_CHAIN, "message"),
    7: ("receiving", RECEIVING_CHAIN, "repeated"),
    8: ("skipped", SKIPPED_KEY, "repeated"),
    9: ("pending_prekey", PREKEY_INFO, "message"),
    10: ("accepted_prekey", PREKEY_INFO, "message"),
    11: ("retired_ratchet_keys", "bytes", "repeated"),
    12: ("session_id", "bytes", "plain"),
    13: ("peer_business", BUSINESS_IDENTITY, "message"),       # SPEC.md 13.5
    14: ("pending_kem_ciphertext", "bytes", "plain"),          # SPEC.md 18.5
}


# =====================================================================================
# SPEC.md 7.2 - 7.4 -- envelopes
# =====================================================================================

@dataclass(frozen=True)
class PreKeyMessage:
    """SPEC.md 7.4: a first message with the X3DH fields."""
    identity_key: IdentityKey
    base_key: bytes
    signed_prekey_id: int
    one_time_prekey_id: Optional[int]
    message: RatchetMessage
    kem: Optional[tuple[int, bytes]] = None  # SPEC.md 18.7 field 6: (prekey_id, ciphertext)

    @property
    def info(self) -> PreKeyInfo:
        """SPEC.md 5.4 / 6.5: the X3DH fields as a PreKeyInfo; with 18.4 step 7's
        (KEM prekey id, SHA-256(CT)) when the message has a `kem` field."""
        if self.kem is None:
            return PreKeyInfo(self.base_key, self.signed_prekey_id, self.one_time_prekey_id)
        return PreKeyInfo(self.base_key, self.signed_prekey_id, self.one_time_prekey_id,
                          self.kem[0], hashlib.sha256(self.kem[1]).digest())


def check_ratchet_message(m: dict) -> RatchetMessage:
    """SPEC.md 7.3: decoding checks of a RatchetMessage."""
    validate_x25519_public(m["ratchet_key"], "ratchet_key")
    if len(m["ciphertext"]) < 16:
        raise invalid_length("ciphertext", 16, len(m["ciphertext"]))
    return RatchetMessage(m["ratchet_key"], m["previous_counter"], m["counter"], m["ciphertext"])


def check_prekey_message(m: dict) -> PreKeyMessage:
    """SPEC.md 7.4: decoding checks of a PreKeyMessage."""
    ik = validate_identity_key(m["identity_key"], "identity_key")
    validate_x25519_public(m["base_key"], "base_key")
    if m["message"] is None:
        raise HushwireError("MissingField", field="message")
    inner = check_ratchet_message(m["message"])
    kem = None
    if m["kem"] is not None:  # SPEC.md 18.7: after the inner RatchetMessage's checks
        ct = m["kem"]["ciphertext"]
        if len(ct) != KEM_CIPHERTEXT_LEN:
            raise invalid_length("kem.ciphertext", KEM_CIPHERTEXT_LEN, len(ct))
        kem = (m["kem"]["prekey_id"], ct)
    return PreKeyMessage(ik, m["base_key"], m["signed_prekey_id"], m["one_time_prekey_id"], inner,
                         kem)


def decode_envelope(data: bytes, config: Config):
    """SPEC.md 7.2: strict decoding, version, content, then 7.4 or 7.3.

    Returns a PreKeyMessage or a RatchetMessage.
    """
    return check_envelope(strict_decode(ENVELOPE, data, config.max_encoded_len))


def check_envelope(env: dict):
    """SPEC.md 7.2 after strict decoding: version, content, then 7.4 or 7.3 (also the
    envelope inside a DeviceMessage, 14.5)."""
    check_version(env)
    if env["prekey"] is not None:
        return check_prekey_message(env["prekey"])
    if env["ratchet"] is not None:
        return check_ratchet_message(env["ratchet"])
    raise HushwireError("MissingField", field="content")


def ratchet_message_value(m: RatchetMessage) -> dict:
    """SPEC.md 7.3: RatchetMessage as a protobuf value."""
    return {"ratchet_key": m.ratchet_key, "previous_counter": m.previous_counter,
            "counter": m.counter, "ciphertext": m.ciphertext}


def encode_envelope(msg) -> bytes:
    """SPEC.md 7.2: 08 01, then the PreKeyMessage (field 2) or RatchetMessage (field 3)."""
    if isinstance(msg, PreKeyMessage):
        value = {"version": 1, "prekey": {
            "identity_key": msg.identity_key.encoded, "base_key": msg.base_key,
            "signed_prekey_id": msg.signed_prekey_id,
            "one_time_prekey_id": msg.one_time_prekey_id,
            "message": ratchet_message_value(msg.message),
            "kem": None if msg.kem is None else {"prekey_id": msg.kem[0],
                                                 "ciphertext": msg.kem[1]}}}
    else:
        value = {"version": 1, "ratchet": ratchet_message_value(msg)}
    return pb_encode(ENVELOPE, value)


# =====================================================================================
# SPEC.md 5.2, 5.4, 6.6 (notes), 6.7 -- sessions
# =====================================================================================

MAX_STORED_STATE_LEN = 16 * 1024 * 1024  # SPEC.md 9.2 step 1


def labelled_sha256(label: bytes, data: bytes) -> bytes:
    """SPEC.md 9.1, 9.3: SHA-256 of the label prefixed by its length in one byte, then data."""
    return hashlib.sha256(u8(len(label)) + label + data).digest()


def stored_checksum(state: bytes) -> bytes:
    """SPEC.md 9.1: the checksum that ends a stored session."""
    return labelled_sha256(b"hushwire/v1/stored-session", state)


def session_id(ik_a: IdentityKey, ik_b: IdentityKey, ek_a: bytes) -> bytes:
    """SPEC.md 9.3: the session id, initiator's identity first."""
    return labelled_sha256(b"hushwire/v1/session-id", ik_a.encoded + ik_b.encoded + ek_a)


@dataclass
class Session:
    """SPEC.md 5-6: a pairwise session (X3DH role, ratchet, pending/accepted fields)."""
    local: IdentityKey
    remote: IdentityKey
    initiator: bool
    ratchet: Ratchet
    pending: Optional[PreKeyInfo]   # initiator, until its first successful decryption
    accepted: Optional[PreKeyInfo]  # responder
    config: Config
    session_id: bytes               # SPEC.md 9.3
    # SPEC.md 13.5: initiator only, the verified business of the bundle (a BUSINESS_IDENTITY
    # value); None otherwise
    peer_business: Optional[dict] = None
    # SPEC.md 18.3 step 5 / 18.5: a hybrid initiator's CT, kept with its pending fields
    pending_kem_ciphertext: Optional[bytes] = None

    @property
    def ad(self) -> bytes:
        """SPEC.md 5.3 / 9.1: AD, initiator's identity first."""
        if self.initiator:
            return self.local.encoded + self.remote.encoded
        return self.remote.encoded + self.local.encoded

    @classmethod
    def initiate(cls, ik_a: IdentityKeyPair, bundle: VerifiedBundle, rng: "ChaCha20Rng",
                 config: Config, business: Optional["VerifiedBusiness"] = None) -> "Session":
        """SPEC.md 5.2: initiator; draws ek, then the first sending ratchet secret.
        `business`: the bundle's verified business (13.5 validate_business), recorded as
        SessionState field 13."""
        kem = bundle.kem_prekey
        if kem is None and config.post_quantum == POST_QUANTUM_REQUIRED:  # 18.4
            raise HushwireError("PostQuantumRequired")  # before drawing anything
        ek = rng.draw32()                                               # 1
        ek_pub = x25519_public(ek)
        ct = None
        if kem is None:
            x3dh = x3dh_initiator(ik_a, ek, bundle)                     # 2, 3
        else:                                                           # 18.3 steps 2-4
            m = rng.draw32()
            x3dh, ct = pqxdh_initiator(ik_a, ek, m, bundle)
        ratchet = Ratchet.initiator(x3dh.sk, bundle.signed_prekey.public_key, rng)  # 4
        otk_id = bundle.one_time_prekey[0] if bundle.one_time_prekey else None
        if kem is None:                                                 # 5
            pending = PreKeyInfo(ek_pub, bundle.signed_prekey.id, otk_id)
        else:                                                           # 18.3 step 5
            pending = PreKeyInfo(ek_pub, bundle.signed_prekey.id, otk_id, kem.id,
                                 hashlib.sha256(ct).digest())
        if business is not None and business.identity_key != bundle.identity.encoded:
            raise HushwireError("IdentityMismatch")  # 13.5: the business is the bundle's
        return cls(ik_a.public, bundle.identity, True, ratchet, pending, None, config,
                   session_id(ik_a.public, bundle.identity, ek_pub),
                   None if business is None else business.identity_value(), ct)

    @classmethod
    def accept(cls, ik_b: IdentityKeyPair, store: PreKeyStore, msg: PreKeyMessage,
               rng: "ChaCha20Rng", config: Config,
               routing: Optional[bytes] = None) -> tuple["Session", bytes]:
        """SPEC.md 5.4 with 18.4's steps 0, 2b, 3 and 6: accept a first message; nothing
        changes on error. `routing`: a device message's (14.5)."""
        if msg.kem is None and config.post_quantum == POST_QUANTUM_REQUIRED:  # 0 (18.4)
            raise HushwireError("PostQuantumRequired")
        if msg.signed_prekey_id not in store.signed:                    # 1
            raise HushwireError("UnknownSignedPreKey", id=msg.signed_prekey_id)
        spk_secret, spk_public = store.signed[msg.signed_prekey_id]
        opk_secret = None
        if msg.one_time_prekey_id is not None:                          # 2
            if msg.one_time_prekey_id in store.consumed:
                raise HushwireError("OneTimePreKeyConsumed", id=msg.one_time_prekey_id)
            if msg.one_time_prekey_id not in store.one_time:
                raise HushwireError("UnknownOneTimePreKey", id=msg.one_time_prekey_id)
            opk_secret = store.one_time[msg.one_time_prekey_id][0]
        kem_entry = None
        if msg.kem is not None:                                         # 2b (18.4)
            kem_id = msg.kem[0]
            if kem_id in store.kem_consumed:
                raise HushwireError("KemPreKeyConsumed", id=kem_id)
            if kem_id not in store.kem:
                raise HushwireError("UnknownKemPreKey", id=kem_id)
            kem_entry = store.kem[kem_id]                               # (dk, last_resort)
        if kem_entry is None:
            x3dh = x3dh_responder(ik_b, spk_secret, opk_secret, msg.identity_key,
                                  msg.base_key)                         # 3, 4
        else:                                                           # 3, 4 (18.4)
            x3dh = pqxdh_responder(ik_b, spk_secret, opk_secret, kem_entry[0],
                                   msg.identity_key, msg.base_key, msg.kem[1])
        ratchet = Ratchet.responder(x3dh.sk, spk_secret, spk_public)    # 5
        plaintext = ratchet.decrypt(msg.message, x3dh.ad, msg.info.encode_for_ad(), config, rng,
                                    routing)
        # 6: the prekey uses, all or nothing (18.4 step 6): check every one, then apply
        if msg.one_time_prekey_id is not None and msg.one_time_prekey_id in store.consumed:
            raise HushwireError("OneTimePreKeyConsumed", id=msg.one_time_prekey_id)
        if kem_entry is not None:
            kem_id = msg.kem[0]
            if not kem_entry[1] and kem_id in store.kem_consumed:       # one-time, stored kind
                raise HushwireError("KemPreKeyConsumed", id=kem_id)
            if kem_entry[1] and (kem_id, msg.base_key) in store.kem_base_keys:  # last resort
                raise HushwireError("KemPreKeyReused", id=kem_id)
        if msg.one_time_prekey_id is not None:
            store.consumed.add(msg.one_time_prekey_id)
            del store.one_time[msg.one_time_prekey_id]
        if kem_entry is not None:
            if kem_entry[1]:
                store.kem_base_keys.add((msg.kem[0], msg.base_key))
            else:
                store.kem_consumed.add(msg.kem[0])
                del store.kem[msg.kem[0]]
        session = cls(ik_b.public, msg.identity_key, False, ratchet, None, msg.info, config,
                      session_id(msg.identity_key, ik_b.public, msg.base_key))  # 7
        return session, plaintext

    def encrypt(self, plaintext: bytes, routing: Optional[bytes] = None) -> bytes:
        """SPEC.md 6.7: encrypt and wrap (PreKeyMessage while pending, 7.4; else 7.3).
        `routing`: a device message's (14.5)."""
        info = self.pending.encode_for_ad() if self.pending else None
        hybrid = self.pending is not None and self.pending.kem_prekey_id is not None
        inner = self.ratchet.encrypt(plaintext, self.ad, info, self.config, routing, hybrid)
        if self.pending is None:
            return encode_envelope(inner)
        kem = (self.pending.kem_prekey_id, self.pending_kem_ciphertext) if hybrid else None
        return encode_envelope(PreKeyMessage(self.local, self.pending.base_key,
                                             self.pending.signed_prekey_id,
                                             self.pending.one_time_prekey_id, inner, kem))

    def decrypt(self, msg, rng: "ChaCha20Rng", routing: Optional[bytes] = None) -> bytes:
        """SPEC.md 5.4 (repetition) and 6.6; clears pending fields on success (6.6 notes).
        `routing`: a device message's (14.5)."""
        if isinstance(msg, PreKeyMessage):
            if (self.initiator or msg.info != self.accepted
                    or not hmac.compare_digest(msg.identity_key.encoded, self.remote.encoded)):
                raise HushwireError("PreKeyMessageMismatch")
            plaintext = self.ratchet.decrypt(msg.message, self.ad, msg.info.encode_for_ad(),
                                             self.config, rng, routing)
        else:
            plaintext = self.ratchet.decrypt(msg, self.ad, None, self.config, rng, routing)
        self.pending = None
        self.pending_kem_ciphertext = None  # SPEC.md 18.5: dropped with the pending fields
        return plaintext

    # ---- SPEC.md 9.1 -----------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """SPEC.md 9.1: canonical SessionState encoding."""
        r = self.ratchet

        def info(i: Optional[PreKeyInfo]):  # SPEC.md 9.1: PreKeyInfo -> message value
            return None if i is None else {"base_key": i.base_key,
                                           "signed_prekey_id": i.signed_prekey_id,
                                           "one_time_prekey_id": i.one_time_prekey_id,
                                           "kem_prekey_id": i.kem_prekey_id,       # 18.5
                                           "kem_ciphertext_hash": i.kem_ciphertext_hash}
        value = {
            "version": 1,
            "local_identity": self.local.encoded,
            "remote_identity": self.remote.encoded,
            "initiator": self.initiator,
            "root_key": r.root_key,
            "sending": {"ratchet_secret": r.dhs_secret, "chain_key": r.cks,
                        "counter": r.ns, "previous_counter": r.pn,
                        "ratchet_key": r.dhs_public},
            "receiving": [{"ratchet_key": c.ratchet_key, "chain_key": c.chain_key,
                           "counter": c.counter} for c in r.receiving],
            "skipped": [{"ratchet_key": k.ratchet_key, "counter": k.counter,
                         "message_key": k.message_key} for k in r.skipped],
            "pending_prekey": info(self.pending),
            "accepted_prekey": info(self.accepted),
            "retired_ratchet_keys": list(r.retired),
            "session_id": self.session_id,
            "peer_business": self.peer_business,                       # SPEC.md 13.5
            "pending_kem_ciphertext": self.pending_kem_ciphertext or b"",  # SPEC.md 18.5
        }
        state = pb_encode(SESSION_STATE, value)
        return state + stored_checksum(state)                          # 9.1

    # ---- SPEC.md 9.2 -----------------------------------------------------------------

    @classmethod
    def from_bytes(cls, data: bytes, config: Config) -> "Session":
        """SPEC.md 9.2: load a serialized session; checks in order, then trim."""
        def bad_state():  # SPEC.md 8.1 / 9.2: inconsistent serialized state
            return HushwireError("InvalidSessionState")

        if len(data) > MAX_STORED_STATE_LEN:                                      # 1
            raise HushwireError("TooLarge", len=len(data), max=MAX_STORED_STATE_LEN)
        if len(data) < 32 or not hmac.compare_digest(                             # 2
                stored_checksum(data[:-32]), data[-32:]):
            raise HushwireError("SessionStateCorrupted")
        st = strict_decode(SESSION_STATE, data[:-32], MAX_STORED_STATE_LEN)      # 3
        check_version(st)
        local = validate_identity_key(st["local_identity"], "local_identity")     # 4
        remote = validate_identity_key(st["remote_identity"], "remote_identity")
        for name in ("pending_prekey", "accepted_prekey"):                        # 5
            if st[name] is not None:
                validate_x25519_public(st[name]["base_key"], "prekey_info.base_key")
                # SPEC.md 18.5: kem_prekey_id and kem_ciphertext_hash both or neither; a
                # non-empty hash is 32 bytes
                kem_hash = st[name]["kem_ciphertext_hash"]
                if (st[name]["kem_prekey_id"] is None) != (not kem_hash):
                    raise bad_state()
                if kem_hash:
                    require_len(kem_hash, 32, "prekey_info.kem_ciphertext_hash")
        pending, accepted = st["pending_prekey"], st["accepted_prekey"]          # 6
        if st["initiator"] and accepted is None:
            initiator = True
        elif not st["initiator"] and accepted is not None and pending is None:
            initiator = False
        else:
            raise bad_state()
        sid = require_len(st["session_id"], 32, "session_id")                     # 7
        if not initiator:
            derived = session_id(remote, local, accepted["base_key"])
        elif pending is not None:
            derived = session_id(local, remote, pending["base_key"])
        else:
            derived = sid
        if derived != sid:
            raise bad_state()
        require_len(st["root_key"], 32, "root_key")                              # 8
        sending = st["sending"]                                                   # 9
        if sending is None:
            raise HushwireError("MissingField", field="sending")
        require_len(sending["ratchet_secret"], 32, "sending.ratchet_secret")
        step_pending = not sending["chain_key"]  # a pending sending step (6.7, 9.1)
        if step_pending:
            if sending["counter"] != 0 or sending["ratchet_key"]:
                raise bad_state()
        else:
            if sending["ratchet_key"]:  # absent in states written before field 5 existed
                validate_x25519_public(sending["ratchet_key"], "sending.ratchet_key")
            require_len(sending["chain_key"], 32, "sending.chain_key")
        if len(st["receiving"]) > 65536 or len(st["skipped"]) > 65536:           # 10
            raise bad_state()
        receiving = []                                                            # 11
        for chain in st["receiving"]:
            validate_x25519_public(chain["ratchet_key"], "receiving.ratchet_key")
            if any(c.ratchet_key == chain["ratchet_key"] for c in receiving):
                raise bad_state()
            require_len(chain["chain_key"], 32, "receiving.chain_key")
            receiving.append(ReceivingChain(chain["ratchet_key"], chain["chain_key"],
                                            chain["counter"]))
        if not initiator and not receiving:                                       # 12
            raise bad_state()
        if len(st["retired_ratchet_keys"]) > 65536:                               # 13
            raise bad_state()
        for key in st["retired_ratchet_keys"]:
            validate_x25519_public(key, "retired_ratchet_keys")
        skipped = []                                                              # 14
        for entry in st["skipped"]:
            validate_x25519_public(entry["ratchet_key"], "skipped.ratchet_key")
            require_len(entry["message_key"], 32, "skipped.message_key")
            skipped.append(SkippedKey(entry["ratchet_key"], entry["counter"],
                                      entry["message_key"]))
        all_keys = [c.ratchet_key for c in receiving] + list(st["retired_ratchet_keys"])
        if len(set(all_keys)) != len(all_keys):                                   # 15
            raise bad_state()
        if step_pending and not receiving:                                        # 16
            raise bad_state()
        if initiator and pending is not None and (
                receiving or skipped or st["retired_ratchet_keys"]):
            raise bad_state()
        if initiator and pending is None and not receiving:
            raise bad_state()
        seen = set()                                                              # 17, 18
        for k in skipped:
            if (k.ratchet_key, k.counter) in seen:
                raise bad_state()
            seen.add((k.ratchet_key, k.counter))
            if any(c.ratchet_key == k.ratchet_key and k.counter >= c.counter for c in receiving):
                raise bad_state()
        business = st["peer_business"]                                            # 19
        if business is not None:
            if not initiator:
                raise bad_state()
            try:
                check_business_identity(business)
            except HushwireError:
                raise bad_state() from None
        kem_ct = st["pending_kem_ciphertext"]                                     # 20 (18.5)
        hybrid_pending = (initiator and pending is not None
                          and pending["kem_prekey_id"] is not None)
        if bool(kem_ct) != hybrid_pending:
            raise bad_state()
        if kem_ct:
            require_len(kem_ct, KEM_CIPHERTEXT_LEN, "pending_kem_ciphertext")
            if hashlib.sha256(kem_ct).digest() != pending["kem_ciphertext_hash"]:
                raise bad_state()

        def info(i):  # SPEC.md 9.1 / 18.5: PreKeyInfo message -> PreKeyInfo
            return None if i is None else PreKeyInfo(i["base_key"], i["signed_prekey_id"],
                                                     i["one_time_prekey_id"],
                                                     i["kem_prekey_id"],
                                                     i["kem_ciphertext_hash"])
        secret = sending["ratchet_secret"]
        # 9.2: the stored public key is taken as it is; derived only when absent and the
        # step is not pending (a pending step has none until its TAKE)
        public = sending["ratchet_key"] or (b"" if step_pending else x25519_public(secret))
        ratchet = Ratchet(st["root_key"], secret, public, sending["chain_key"],
                          sending["counter"], sending["previous_counter"], receiving, skipped,
                          list(st["retired_ratchet_keys"]), step_pending)
        # trim to the configured limits, as after a DH ratchet step (9.2, 6.6)
        ratchet.store([], config)
        ratchet.trim_chains(config)
        return cls(local, remote, initiator, ratchet, info(pending), info(accepted), config,
                   sid, business, kem_ct or None)


# =====================================================================================
# test-vectors/README.md -- the transcripts' RNG: rand_chacha's ChaCha20Rng::from_seed
# =====================================================================================

def _quarter_round(s: list, a: int, b: int, c: int, d: int) -> None:
    """RFC 8439 2.1: the ChaCha quarter round on state words a, b, c, d."""
    m = 0xFFFFFFFF
    s[a] = (s[a] + s[b]) & m; s[d] ^= s[a]; s[d] = ((s[d] << 16) | (s[d] >> 16)) & m
    s[c] = (s[c] + s[d]) & m; s[b] ^= s[c]; s[b] = ((s[b] << 12) | (s[b] >> 20)) & m
    s[a] = (s[a] + s[b]) & m; s[d] ^= s[a]; s[d] = ((s[d] << 8) | (s[d] >> 24)) & m
    s[c] = (s[c] + s[d]) & m; s[b] ^= s[c]; s[b] = ((s[b] << 7) | (s[b] >> 25)) & m


def chacha20_block(key: bytes, counter: int, nonce: bytes) -> bytes:
    """RFC 8439 2.3: the ChaCha20 block function (32-bit counter, 96-bit nonce)."""
    state = ([0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
             + list(struct.unpack("<8I", key)) + [counter] + list(struct.unpack("<3I", nonce)))
    working = list(state)
    for _ in range(10):
        _quarter_round(working, 0, 4, 8, 12)
        _quarter_round(working, 1, 5, 9, 13)
        _quarter_round(working, 2, 6, 10, 14)
        _quarter_round(working, 3, 7, 11, 15)
        _quarter_round(working, 0, 5, 10, 15)
        _quarter_round(working, 1, 6, 11, 12)
        _quarter_round(working, 2, 7, 8, 13)
        _quarter_round(working, 3, 4, 9, 14)
    return struct.pack("<16I", *((w + s) & 0xFFFFFFFF for w, s in zip(working, state)))


def _chacha20_self_test() -> None:
    """RFC 8439 2.3.2: the block function test vector."""
    out = chacha20_block(bytes(range(32)), 1, bytes.fromhex("000000090000004a00000000"))
    assert out.hex().startswith("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"), \
        "ChaCha20 block function fails RFC 8439 2.3.2"


class ChaCha20Rng:
    """test-vectors/README.md: rand_chacha ChaCha20Rng::from_seed(seed) as a byte stream.

    Key = seed, stream id (nonce) = 0, 64-bit block counter from 0 in state words 12-13;
    output is the keystream in order. For counters below 2^32 this is the RFC 8439 block
    with a zero nonce. rng(32) (SPEC.md 1) is the next 32 keystream bytes. Every draw is
    recorded so that it can be compared with `rng_draws`.
    """

    def __init__(self, seed: bytes):
        self.key = seed
        self.block_counter = 0
        self.buffer = b""
        self.draws: list[bytes] = []

    def fill_bytes(self, n: int) -> bytes:
        """The next n keystream bytes."""
        while len(self.buffer) < n:
            c = self.block_counter
            nonce = struct.pack("<I", c >> 32) + bytes(8)
            self.buffer += chacha20_block(self.key, c & 0xFFFFFFFF, nonce)
            self.block_counter += 1
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def draw32(self) -> bytes:
        """SPEC.md 1: rng(32)."""
        return self.draw(32)

    def draw(self, n: int) -> bytes:
        """SPEC.md 1: rng(n), one fill_bytes call of n bytes (rng(64) for a KEM prekey, 18.1),
        recorded as one draw."""
        out = self.fill_bytes(n)
        self.draws.append(out)
        return out


# =====================================================================================
# SPEC.md 12 -- identity verification
# =====================================================================================

# ---- SPEC.md 12.1 account ids -------------------------------------------------------

def validate_account_id(account_id: bytes) -> bytes:
    """SPEC.md 12.1: an account id is 1 to 255 bytes, else InvalidAccountId { len }."""
    if not 1 <= len(account_id) <= 255:
        raise HushwireError("InvalidAccountId", len=len(account_id))
    return account_id


# ---- SPEC.md 12.2 safety numbers ----------------------------------------------------

SAFETY_NUMBER_ITERATIONS = 5200
SAFETY_NUMBER_VERSION = 1          # SPEC.md 12.3: CombinedFingerprints.version
FP_KEY_TYPE = b"\xed"              # SPEC.md 12.2: hushwire's key input type byte


def fingerprint_digest(key: bytes, account_id: bytes, iterations: int) -> bytes:
    """SPEC.md 12.2: H_1 = SHA-512(0x0000 || key || id || key),
    H_i = SHA-512(H_{i-1} || key); exactly `iterations` calls (0 is computed as 1)."""
    digest = hashlib.sha512(b"\x00\x00" + key + account_id + key).digest()
    for _ in range(max(iterations, 1) - 1):
        digest = hashlib.sha512(digest + key).digest()
    return digest


def fingerprint_digits(digest: bytes) -> str:
    """SPEC.md 12.2: one party's 30 digits: digest[0..30] as six 5-byte big-endian chunks,
    each mod 100000, written as 5 digits with leading zeros."""
    return "".join(f"{int.from_bytes(digest[i:i + 5], 'big') % 100000:05d}"
                   for i in range(0, 30, 5))


def displayable_number(local_digest: bytes, remote_digest: bytes) -> str:
    """SPEC.md 12.2: the two parties' 30 digits concatenated in ascending order."""
    return "".join(sorted([fingerprint_digits(local_digest), fingerprint_digits(remote_digest)]))


def grouped_number(displayable: str) -> str:
    """SPEC.md 12.2: 12 groups of 5 digits (space-separated, test-vectors/README.md)."""
    return " ".join(displayable[i:i + 5] for i in range(0, 60, 5))


LOGICAL_FINGERPRINT = {                                        # SPEC.md 12.3
    1: ("content", "bytes", "plain"),
}
COMBINED_FINGERPRINTS = {                                      # SPEC.md 12.3
    1: ("version", "uint32", "plain"),
    2: ("local_fingerprint", LOGICAL_FINGERPRINT, "message"),
    3: ("remote_fingerprint", LOGICAL_FINGERPRINT, "message"),
}
MAX_SCANNED_LEN = 96                                           # SPEC.md 8.4 / 12.3


def scannable_payload(version: int, local_digest: bytes, remote_digest: bytes) -> bytes:
    """SPEC.md 12.3: CombinedFingerprints { version, local digest[0..32], remote digest[0..32] }."""
    return pb_encode(COMBINED_FINGERPRINTS, {
        "version": version,
        "local_fingerprint": {"content": local_digest[:32]},
        "remote_fingerprint": {"content": remote_digest[:32]},
    })


@dataclass(frozen=True)
class SafetyNumber:
    """SPEC.md 12.2 (SafetyNumber::new(our IK, our id, their IK, their id)) and 12.3."""
    local_key: IdentityKey
    remote_key: IdentityKey
    local_digest: bytes
    remote_digest: bytes

    @staticmethod
    def key_input(ik: IdentityKey) -> bytes:
        """SPEC.md 12.2: FP_KEY(IK) = 0xED || Encode(IK), 33 bytes."""
        return FP_KEY_TYPE + ik.encoded

    @classmethod
    def new(cls, local: IdentityKey, local_id: bytes, remote: IdentityKey,
            remote_id: bytes) -> "SafetyNumber":
        """SPEC.md 12.2: both digests with 5200 iterations over hushwire's key input."""
        validate_account_id(local_id)
        validate_account_id(remote_id)
        return cls(local, remote,
                   fingerprint_digest(cls.key_input(local), local_id, SAFETY_NUMBER_ITERATIONS),
                   fingerprint_digest(cls.key_input(remote), remote_id, SAFETY_NUMBER_ITERATIONS))

    @property
    def displayable(self) -> str:
        """SPEC.md 12.2: the 60 digits."""
        return displayable_number(self.local_digest, self.remote_digest)

    @property
    def scannable(self) -> bytes:
        """SPEC.md 12.3: the QR payload (74 bytes)."""
        return scannable_payload(SAFETY_NUMBER_VERSION, self.local_digest, self.remote_digest)

    def verify_scanned(self, payload: bytes) -> "VerifiedIdentity":
        """SPEC.md 12.3, comparing a scanned payload with ours, steps 1 to 6."""
        msg = strict_decode(COMBINED_FINGERPRINTS, payload, MAX_SCANNED_LEN)     # 1
        for name in ("local_fingerprint", "remote_fingerprint"):                 # 2
            if msg[name] is None:
                raise HushwireError("MissingField", field=name)
        for name in ("local_fingerprint", "remote_fingerprint"):                 # 3
            require_len(msg[name]["content"], 32, name + ".content")
        # 4: any version decodes (ScannedSafetyNumber::decode stops here)
        if msg["version"] != SAFETY_NUMBER_VERSION:                               # 5
            raise HushwireError("SafetyNumberVersionMismatch", theirs=msg["version"],
                                ours=SAFETY_NUMBER_VERSION)
        local_ok = hmac.compare_digest(msg["local_fingerprint"]["content"],      # 6
                                       self.remote_digest[:32])
        remote_ok = hmac.compare_digest(msg["remote_fingerprint"]["content"],
                                        self.local_digest[:32])
        if not (local_ok & remote_ok):
            raise HushwireError("SafetyNumberMismatch")
        return VerifiedIdentity(self.remote_key.encoded, METHOD_QR_CODE, None)


# ---- SPEC.md 12.5 proofs --------------------------------------------------------------

METHOD_SAFETY_NUMBER, METHOD_QR_CODE, METHOD_SAS = 1, 2, 3     # SPEC.md 12.6 TrustVerified
METHOD_NAMES = {METHOD_SAFETY_NUMBER: "SafetyNumber", METHOD_QR_CODE: "QrCode",
                METHOD_SAS: "Sas"}                             # test-vectors/README.md


@dataclass(frozen=True)
class VerifiedIdentity:
    """SPEC.md 12 / 12.5: a proof: the peer's identity key, the method, the time."""
    identity_key: bytes
    method: int
    at: Optional[int]


# ---- SPEC.md 12.4.2 messages ----------------------------------------------------------

SAS_START = {}                                                 # SPEC.md 12.4.2: empty
SAS_ACCEPT = {1: ("commitment", "bytes", "plain")}
SAS_KEY = {1: ("public_key", "bytes", "plain")}
SAS_MAC = {1: ("mac", "bytes", "plain")}
SAS_CANCEL = {1: ("reason", "uint32", "plain")}
VERIFICATION = {
    1: ("version", "uint32", "plain"),
    2: ("transaction_id", "bytes", "plain"),
    3: ("start", SAS_START, "message", "content"),
    4: ("accept", SAS_ACCEPT, "message", "content"),
    5: ("key", SAS_KEY, "message", "content"),
    6: ("mac", SAS_MAC, "message", "content"),
    7: ("cancel", SAS_CANCEL, "message", "content"),
}
MAX_VERIFICATION_LEN = 256                                     # SPEC.md 8.4 / 12.4.2
VERIFICATION_KINDS = ("start", "accept", "key", "mac", "cancel")

# SPEC.md 12.4.2 cancel reasons
CANCEL_USER, CANCEL_MISMATCH, CANCEL_TIMEOUT, CANCEL_UNEXPECTED_MESSAGE = 1, 2, 3, 4
CANCEL_UNKNOWN_TRANSACTION, CANCEL_COMMITMENT_MISMATCH = 5, 6
CANCEL_INVALID_MESSAGE, CANCEL_MAC_MISMATCH = 7, 8


@dataclass(frozen=True)
class VerificationMessage:
    """SPEC.md 12.4.2: a decoded Verification: transaction id, kind and its one field."""
    transaction_id: bytes
    kind: str         # "start" | "accept" | "key" | "mac" | "cancel"
    value: object     # None (start), commitment, public key, mac (bytes) or reason (int)

    _FIELD = {"start": None, "accept": "commitment", "key": "public_key", "mac": "mac",
              "cancel": "reason"}

    def encode(self) -> bytes:
        """SPEC.md 12.4.2 / 7.1: canonical encoding (an empty Start is `1a 00`)."""
        field_name = self._FIELD[self.kind]
        body = {} if field_name is None else {field_name: self.value}
        return pb_encode(VERIFICATION, {"version": 1, "transaction_id": self.transaction_id,
                                        self.kind: body})

    @classmethod
    def decode(cls, data: bytes) -> "VerificationMessage":
        """SPEC.md 12.4.2: decoding, in order."""
        msg = strict_decode(VERIFICATION, data, MAX_VERIFICATION_LEN)  # TooLarge, Malformed, NonCanonical
        check_version(msg)                                             # UnsupportedVersion
        require_len(msg["transaction_id"], 16, "transaction_id")       # InvalidLength
        kinds = [k for k in VERIFICATION_KINDS if msg[k] is not None]
        if not kinds:
            raise HushwireError("MissingField", field="content")
        kind = kinds[0]
        body = msg[kind]
        if kind == "start":
            value = None                                               # an empty message
        elif kind == "accept":
            value = require_len(body["commitment"], 32, "commitment")
        elif kind == "key":
            value = validate_x25519_public(body["public_key"], "public_key")
        elif kind == "mac":
            value = require_len(body["mac"], 32, "mac")
        else:
            if body["reason"] == 0:
                raise HushwireError("MissingField", field="reason")
            value = body["reason"]  # an unknown code decodes ("other")
        return cls(msg["transaction_id"], kind, value)


# ---- SPEC.md 12.4.3 - 12.4.5 derivations ----------------------------------------------

LABEL_SAS_COMMITMENT = b"hushwire/v1/sas/commitment"
INFO_SAS = b"hushwire/v1/sas/bytes"
INFO_SAS_MAC_KEYS = b"hushwire/v1/sas/mac-keys"
LABEL_SAS_MAC = b"hushwire/v1/sas/mac"
SAS_PROTOCOL_VERSION = 1


def sas_commitment(txn: bytes, k_r: bytes) -> bytes:
    """SPEC.md 12.4.3: C = SHA-256(u8(26) || "hushwire/v1/sas/commitment" || txn || K_R),
    the responder's commitment to its ephemeral key."""
    return hashlib.sha256(u8(len(LABEL_SAS_COMMITMENT)) + LABEL_SAS_COMMITMENT + txn + k_r).digest()


def sas_transcript(txn: bytes, ik_s: bytes, ik_r: bytes, k_s: bytes, k_r: bytes) -> bytes:
    """SPEC.md 12.4.3: T = u32(1) || txn || IK_S || IK_R || K_S || K_R (148 bytes)."""
    t = u32(SAS_PROTOCOL_VERSION) + txn + ik_s + ik_r + k_s + k_r
    assert len(t) == 148
    return t


def sas_bytes(shared: bytes, transcript: bytes) -> bytes:
    """SPEC.md 12.4.4: SAS = HKDF(ZERO32, shared, "hushwire/v1/sas/bytes" || T, 6)."""
    return hkdf(ZERO32, shared, INFO_SAS + transcript, 6)


SAS_EMOJI_NAMES = (                                            # SPEC.md 12.4.4 (Matrix's table)
    "Dog", "Cat", "Lion", "Horse", "Unicorn", "Pig", "Elephant", "Rabbit",
    "Panda", "Rooster", "Penguin", "Turtle", "Fish", "Octopus", "Butterfly", "Flower",
    "Tree", "Cactus", "Mushroom", "Globe", "Moon", "Cloud", "Fire", "Banana",
    "Apple", "Strawberry", "Corn", "Pizza", "Cake", "Heart", "Smiley", "Robot",
    "Hat", "Glasses", "Spanner", "Santa", "Thumbs Up", "Umbrella", "Hourglass", "Clock",
    "Gift", "Light Bulb", "Book", "Pencil", "Paperclip", "Scissors", "Lock", "Key",
    "Hammer", "Telephone", "Flag", "Train", "Bicycle", "Aeroplane", "Rocket", "Trophy",
    "Ball", "Guitar", "Trumpet", "Bell", "Anchor", "Headphones", "Folder", "Pin",
)
assert len(SAS_EMOJI_NAMES) == 64


def sas_emoji_indices(sas: bytes) -> list[int]:
    """SPEC.md 12.4.4: n = SAS as 48-bit big-endian; (n >> (42 - 6i)) & 63, i = 0 .. 6."""
    n = int.from_bytes(sas, "big")
    return [(n >> (42 - 6 * i)) & 63 for i in range(7)]


def sas_decimals(sas: bytes) -> list[int]:
    """SPEC.md 12.4.4: m = SAS[0..5] as 40-bit big-endian; ((m >> (27 - 13i)) & 8191) + 1000."""
    m = int.from_bytes(sas[:5], "big")
    return [((m >> (27 - 13 * i)) & 8191) + 1000 for i in range(3)]


def sas_mac_keys(shared: bytes, transcript: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 12.4.5: MK_S || MK_R = HKDF(ZERO32, shared, "hushwire/v1/sas/mac-keys" || T, 64)."""
    okm = hkdf(ZERO32, shared, INFO_SAS_MAC_KEYS + transcript, 64)
    return okm[:32], okm[32:]


def sas_mac(mac_key: bytes, sender_ik: bytes, receiver_ik: bytes) -> bytes:
    """SPEC.md 12.4.5: MAC = HMAC(MK_sender, "hushwire/v1/sas/mac" || IK_sender || IK_receiver)."""
    return hmac_sha256(mac_key, LABEL_SAS_MAC + sender_ik + receiver_ik)


# ---- SPEC.md 12.4.1 the exchange (state machine) --------------------------------------

SAS_TIMEOUT_SECONDS = 600                                      # SPEC.md 8.4 default


@dataclass
class SasDerived:
    """SPEC.md 12.4.3 - 12.4.5: what a side derives once it knows both ephemeral keys."""
    transcript: bytes
    shared: bytes
    sas: bytes
    mac_key_starter: bytes
    mac_key_responder: bytes


class SasSide:
    """SPEC.md 12.4.1: one side of a SAS exchange (starter or responder).

    States: starter Started -> AwaitingKey -> Ready -> Confirmed; responder (none) ->
    Responded -> Ready -> Confirmed; then Done (verified) or Cancelled. The responder
    commits to its ephemeral key (Accept), the starter checks it (step 5). A cancel is raised as the error
    VerificationCancelled { reason, by_peer } with the Cancel to send (or None) attached.
    """

    def __init__(self, role: str, own_ik: bytes, peer_ik: bytes, random: bytes,
                 timeout: int = SAS_TIMEOUT_SECONDS):
        assert role in ("starter", "responder")
        self.role, self.own_ik, self.peer_ik = role, own_ik, peer_ik
        self.random, self.timeout = random, timeout
        self.state: Optional[str] = None
        self.txn: Optional[bytes] = None
        self.started: Optional[int] = None
        self.secret = self.k_own = self.k_peer = self.commitment = None
        self.derived: Optional[SasDerived] = None
        self.peer_mac_ok = False        # the peer's Mac arrived (in Ready) and verified
        self.verified: Optional[VerifiedIdentity] = None
        self.confirmed_at: Optional[int] = None
        self.sent: list[bytes] = []

    # -- helpers -----------------------------------------------------------------------

    def _rng(self, n: int) -> bytes:
        """SPEC.md 12.4.1: the side's rng draws, in order (taken from the case input)."""
        if len(self.random) < n:
            raise AssertionError(f"{self.role}: rng exhausted")
        out, self.random = self.random[:n], self.random[n:]
        return out

    def _send(self, kind: str, value) -> bytes:
        data = VerificationMessage(self.txn, kind, value).encode()
        self.sent.append(data)
        return data

    def _cancel(self, reason: int):
        """SPEC.md 12.4.1: a cancel by us ends the transaction and produces a Cancel."""
        self.state = "Cancelled"
        message = VerificationMessage(self.txn, "cancel", reason).encode()
        return HushwireError("VerificationCancelled", reason=reason, by_peer=False,
                             cancel_message=message)

    def _check_timeout(self, now: int) -> None:
        """SPEC.md 12.4.1 check 1 (now - started, 0 if the clock went back)."""
        if max(now - self.started, 0) > self.timeout:
            raise self._cancel(CANCEL_TIMEOUT)

    def _derive(self, k_s: bytes, k_r: bytes) -> None:
        """SPEC.md 12.4.3 - 12.4.5 from this side's view (IK_S, IK_R by role)."""
        ik_s, ik_r = ((self.own_ik, self.peer_ik) if self.role == "starter"
                      else (self.peer_ik, self.own_ik))
        t = sas_transcript(self.txn, ik_s, ik_r, k_s, k_r)
        try:
            shared = dh(self.secret, self.k_peer)     # all-zero output refused (2.2)
        except HushwireError:
            raise self._cancel(CANCEL_INVALID_MESSAGE) from None
        mk_s, mk_r = sas_mac_keys(shared, t)
        self.derived = SasDerived(t, shared, sas_bytes(shared, t), mk_s, mk_r)

    def _own_mac(self) -> bytes:
        d = self.derived
        key = d.mac_key_starter if self.role == "starter" else d.mac_key_responder
        return sas_mac(key, self.own_ik, self.peer_ik)

    def _expected_peer_mac(self) -> bytes:
        """SPEC.md 12.4.5: the peer's MAC from our view (peer's key first, then ours)."""
        d = self.derived
        key = d.mac_key_responder if self.role == "starter" else d.mac_key_starter
        return sas_mac(key, self.peer_ik, self.own_ik)

    def _finish(self) -> None:
        """SPEC.md 12.4.1 step 8: verified: a proof for the peer's key, method SAS."""
        self.state = "Done"
        self.verified = VerifiedIdentity(self.peer_ik, METHOD_SAS, self.confirmed_at)

    # -- steps -------------------------------------------------------------------------

    def start(self, now: int) -> bytes:
        """SPEC.md 12.4.1 step 1 (starter): txn = rng(16), e_S = rng(32); send Start."""
        assert self.role == "starter" and self.state is None
        self.txn = self._rng(16)
        self.secret = self._rng(32)
        self.k_own = x25519_public(self.secret)
        self.started, self.state = now, "Started"
        return self._send("start", None)

    def receive(self, data: bytes, now: int) -> Optional[bytes]:
        """SPEC.md 12.4.1: an incoming message (already encoded); returns what to send."""
        assert self.state not in ("Cancelled", "Done"), "the transaction has ended"
        msg = VerificationMessage.decode(data)   # 12.4.2 (a failure never reaches the machine)
        first = self.role == "responder" and self.state is None
        if first:                                # R's first step: it starts the clock
            self.started, self.txn = now, msg.transaction_id
        self._check_timeout(now)                                               # 1
        if not hmac.compare_digest(msg.transaction_id, self.txn):             # 2
            raise self._cancel(CANCEL_UNKNOWN_TRANSACTION)
        if msg.kind == "cancel":                                               # 3
            self.state = "Cancelled"
            raise HushwireError("VerificationCancelled", reason=msg.value, by_peer=True,
                                cancel_message=None)
        expected = {None: "start", "Started": "accept", "AwaitingKey": "key",  # 4
                    "Responded": "key", "Ready": "mac", "Confirmed": "mac"}[self.state]
        if msg.kind != expected or (self.state == "Ready" and self.peer_mac_ok):
            raise self._cancel(CANCEL_UNEXPECTED_MESSAGE)

        if self.state is None:                   # step 2: R on Start: commit to K_R
            self.secret = self._rng(32)
            self.k_own = x25519_public(self.secret)
            self.commitment = sas_commitment(self.txn, self.k_own)
            self.state = "Responded"
            return self._send("accept", self.commitment)
        if self.state == "Started":              # step 3: S on Accept: keep C, send K_S
            self.commitment = msg.value
            self.state = "AwaitingKey"
            return self._send("key", self.k_own)
        if self.state == "Responded":            # step 4: R on S's Key: SAS, send K_R
            self.k_peer = msg.value
            self._derive(self.k_peer, self.k_own)
            self.state = "Ready"
            return self._send("key", self.k_own)
        if self.state == "AwaitingKey":          # step 5: S on R's Key: check C, then SAS
            self.k_peer = msg.value
            if not hmac.compare_digest(sas_commitment(self.txn, self.k_peer), self.commitment):
                raise self._cancel(CANCEL_COMMITMENT_MISMATCH)
            self._derive(self.k_own, self.k_peer)
            self.state = "Ready"
            return None
        # step 8: the peer's Mac (Ready: held until our person confirms; Confirmed: final)
        if not hmac.compare_digest(msg.value, self._expected_peer_mac()):
            raise self._cancel(CANCEL_MAC_MISMATCH)
        if self.state == "Ready":
            self.peer_mac_ok = True
        else:
            self._finish()
        return None

    def confirm(self, now: int) -> bytes:
        """SPEC.md 12.4.1 steps 6-7: the person says the SAS match: send Mac {MAC}."""
        assert self.state == "Ready", self.state
        self._check_timeout(now)
        self.confirmed_at = now
        mac = self._send("mac", self._own_mac())
        self.state = "Confirmed"
        if self.peer_mac_ok:                     # the peer's Mac was checked on arrival
            self._finish()
        return mac

    def reject(self) -> None:
        """SPEC.md 12.4.1 step 6: the person says the SAS differ: cancel Mismatch."""
        assert self.state == "Ready", self.state
        raise self._cancel(CANCEL_MISMATCH)

    def cancel_by_user(self) -> bytes:
        """SPEC.md 12.4.2 reason User: a person cancels; returns the Cancel to send."""
        return self._cancel(CANCEL_USER).details["cancel_message"]


# ---- SPEC.md 12.6 trust records and the TOFU decision ---------------------------------

TRUST_UNVERIFIED = {}                                          # SPEC.md 12.6
TRUST_VERIFIED = {
    1: ("method", "uint32", "plain"),
    2: ("verified_at", "uint64", "plain"),
}
TRUST_CHANGED = {
    1: ("previous_identity_key", "bytes", "plain"),
    2: ("previous_was_verified", "bool", "plain"),
}
TRUST_RECORD = {
    1: ("version", "uint32", "plain"),
    2: ("identity_key", "bytes", "plain"),
    3: ("first_seen", "uint64", "plain"),
    4: ("unverified", TRUST_UNVERIFIED, "message", "level"),
    5: ("verified", TRUST_VERIFIED, "message", "level"),
    6: ("changed", TRUST_CHANGED, "message", "level"),
    7: ("business_id", "string", "plain"),                     # SPEC.md 13.6
}
MAX_TRUST_RECORD_LEN = 256                                     # SPEC.md 8.4 / 12.6


@dataclass(frozen=True)
class TrustRecord:
    """SPEC.md 12.6: the key on record, when first seen, and a level:
    ("unverified",), ("verified", method, verified_at) or
    ("changed", previous_identity_key, previous_was_verified); and (SPEC.md 13.6) the
    verified business the peer is bound to, "" if none."""
    identity_key: bytes
    first_seen: int
    level: tuple
    business_id: str = ""

    def to_bytes(self) -> bytes:
        """SPEC.md 12.6 stored form, canonical (7.1); field 7 from 13.6."""
        value = {"version": 1, "identity_key": self.identity_key, "first_seen": self.first_seen,
                 "business_id": self.business_id}
        if self.level[0] == "unverified":
            value["unverified"] = {}
        elif self.level[0] == "verified":
            value["verified"] = {"method": self.level[1], "verified_at": self.level[2]}
        else:
            value["changed"] = {"previous_identity_key": self.level[1],
                                "previous_was_verified": self.level[2]}
        return pb_encode(TRUST_RECORD, value)

    @classmethod
    def from_bytes(cls, data: bytes) -> "TrustRecord":
        """SPEC.md 12.6 loading, in order."""
        msg = strict_decode(TRUST_RECORD, data, MAX_TRUST_RECORD_LEN)
        check_version(msg)
        ik = validate_identity_key(msg["identity_key"], "identity_key").encoded
        if msg["unverified"] is not None:
            level = ("unverified",)
        elif msg["verified"] is not None:
            v = msg["verified"]
            if v["method"] not in METHOD_NAMES:
                raise HushwireError("InvalidTrustRecord")
            level = ("verified", v["method"], v["verified_at"])
        elif msg["changed"] is not None:
            c = msg["changed"]
            prev = validate_identity_key(c["previous_identity_key"],
                                         "previous_identity_key").encoded
            if hmac.compare_digest(prev, ik):
                raise HushwireError("InvalidTrustRecord")
            level = ("changed", prev, c["previous_was_verified"])
        else:
            raise HushwireError("MissingField", field="level")
        business_id = msg["business_id"]                        # SPEC.md 12.6 / 13.6
        if business_id and not is_valid_business_id(business_id):
            raise HushwireError("InvalidTrustRecord")
        return cls(ik, msg["first_seen"], level, business_id)

    @property
    def was_verified(self) -> bool:
        """SPEC.md 12.6: verified, or itself a change with previous_was_verified."""
        return self.level[0] == "verified" or (self.level[0] == "changed" and self.level[2])


@dataclass(frozen=True)
class IdentityChange:
    """SPEC.md 12.6: the event IdentityChange { peer, previous, new, was_verified, seen_at }."""
    peer: bytes
    previous: bytes
    new: bytes
    was_verified: bool
    seen_at: int


def observe_identity(peer: bytes, record: Optional[TrustRecord], seen: bytes, now: int):
    """SPEC.md 12.6, the decision (pure): (observation, record to store or None, change or None).
    SPEC.md 13.6: the same as observe_business_identity with no business (so a record bound to
    a business refuses a new key)."""
    return observe_business_identity(peer, record, seen, None, now)


def observe_business_identity(peer: bytes, record: Optional[TrustRecord], seen: bytes,
                              verified: Optional["VerifiedBusiness"], now: int):
    """SPEC.md 13.6 (extending 12.6's decision): `verified` is the verified business whose
    chain came with `seen`; one whose key is not `seen` counts as none. A business is fresh if
    now <= its fresh_until: only a fresh one binds or authorises, but a stale one still
    refuses (a chain naming another business id for the key on record). Returns
    (observation, record to store or None, change or None), observation one of "new",
    "unchanged", "bound", "refused", "changed"."""
    validate_account_id(peer)
    given = None      # the id of the business given with `seen` (fresh or not), or None
    fresh = None      # the id of the business given, if it is fresh, or None
    if verified is not None and hmac.compare_digest(verified.identity_key, seen):
        given = verified.business_id
        if now <= verified.fresh_until:
            fresh = given
    if record is None:                                  # new, bound if a fresh one is given
        return "new", TrustRecord(seen, now, ("unverified",), fresh or ""), None
    bound = record.business_id
    if hmac.compare_digest(seen, record.identity_key):
        if bound and given is not None and given != bound:   # fresh or not
            return "refused", None, None
        if not bound and fresh is not None:
            return "bound", dataclasses.replace(record, business_id=fresh), None
        return "unchanged", None, None
    if bound and fresh != bound:                        # no fresh business with its id
        return "refused", None, None
    was_verified = record.was_verified
    stored = TrustRecord(seen, now, ("changed", record.identity_key, was_verified),
                         bound or fresh or "")
    return "changed", stored, IdentityChange(peer, record.identity_key, seen, was_verified, now)


def pending_change(peer: bytes, record: TrustRecord) -> Optional[IdentityChange]:
    """SPEC.md 12.6: a changed record's pending change, the decision's event rebuilt from the
    record (previous, the key on record, previous_was_verified; seen_at is first_seen, which
    the decision set to the `now` of the change); None for the other levels."""
    if record.level[0] != "changed":
        return None
    return IdentityChange(peer, record.level[1], record.identity_key, record.level[2],
                          record.first_seen)


def check_send(record: TrustRecord) -> None:
    """SPEC.md 12.6 policy HoldUntilAcknowledged (the default): a changed record holds sending."""
    if record.level[0] == "changed":
        raise HushwireError("IdentityChanged", was_verified=record.level[2])


def acknowledge_change(record: Optional[TrustRecord], key: bytes) -> TrustRecord:
    """SPEC.md 12.6: acknowledging a change to K: only if K is the record's key; a changed
    record becomes unverified, other levels stay."""
    if record is None or not hmac.compare_digest(key, record.identity_key):
        raise HushwireError("IdentityMismatch")
    if record.level[0] == "changed":
        return dataclasses.replace(record, level=("unverified",))
    return record


def apply_verification(record: Optional[TrustRecord], proof: VerifiedIdentity) -> TrustRecord:
    """SPEC.md 12.5 / 12.6: verifying with a proof for K: only if K is the record's key;
    the level becomes verified (method, time)."""
    if record is None or not hmac.compare_digest(proof.identity_key, record.identity_key):
        raise HushwireError("IdentityMismatch")
    return dataclasses.replace(record, level=("verified", proof.method, proof.at))


# =====================================================================================
# SPEC.md 13 -- verified business accounts
# =====================================================================================

LABEL_ISSUER_CERTIFICATE = b"hushwire/v1/sig/issuer-certificate"      # SPEC.md 3.2 / 13.1
LABEL_BUSINESS_CERTIFICATE = b"hushwire/v1/sig/business-certificate"  # SPEC.md 3.2 / 13.1
LABEL_REVOCATION_LIST = b"hushwire/v1/sig/revocation-list"            # SPEC.md 3.2 / 13.1
LABEL_ISSUER_CERTIFICATE_ID = b"hushwire/v1/issuer-certificate-id"     # SPEC.md 13.2 (0x21)
MAX_CHAIN_LEN = 4096                   # SPEC.md 8.4 / 13.2 (alone or in a bundle, 13.5)
MAX_ISSUER_CERTIFICATE_LEN = 4096      # SPEC.md 13.2 (IssuerCertificate::decode)
MAX_REVOCATION_LIST_LEN = 1048576      # SPEC.md 8.4 / 13.4
U64_MAX = 2**64 - 1


def sat_add(a: int, b: int) -> int:
    """SPEC.md 13.4: all arithmetic saturates at 2^64 - 1."""
    return min(a + b, U64_MAX)


def invalid_certificate(reason: str) -> HushwireError:
    """SPEC.md 8.1: InvalidCertificate { reason }."""
    return HushwireError("InvalidCertificate", reason=reason)


# ---- SPEC.md 13.2: content rules of the certificate fields ----------------------------

_BUSINESS_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


def is_valid_business_id(business_id: str) -> bool:
    """SPEC.md 13.2: 1 ... 64 bytes of a-z, 0-9, '.', '_', '-'."""
    return 1 <= len(business_id) <= 64 and all(c in _BUSINESS_ID_CHARS for c in business_id)


def is_valid_phone_number(phone: str) -> bool:
    """SPEC.md 13.2 (non-empty case): E.164, '+' then 2 ... 15 ASCII digits, the first not 0."""
    digits = phone[1:]
    return (phone[:1] == "+" and 2 <= len(digits) <= 15
            and all(c in "0123456789" for c in digits) and digits[0] != "0")


def is_valid_website(website: str) -> bool:
    """SPEC.md 13.2 (non-empty case): the 8 bytes 'https://' (lower case) followed by one or
    more bytes, every one of them in 0x21 ... 0x7e; at most 256 bytes in all."""
    data = website.encode("utf-8")
    rest = data[len(b"https://"):]
    return (data.startswith(b"https://") and len(data) <= 256 and len(rest) >= 1
            and all(0x21 <= b <= 0x7E for b in rest))


# ---- SPEC.md 13.3: display names -------------------------------------------------------

# SPEC.md 13.3 step 3, third row ("zero-width or invisible character"): Unicode's
# Default_Ignorable_Code_Point, general category Cf and the characters known to render blank
# (the Hangul fillers, U+1680, U+2800, U+1D159), as SPEC.md writes them out (inclusive ranges;
# independent of the Unicode version).
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x0600, 0x0605), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x115F, 0x1160),
    (0x1680, 0x1680), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200D),
    (0x2060, 0x2065), (0x206A, 0x206F), (0x2800, 0x2800), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3),
    (0x1D159, 0x1D159), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)


def _refused_code_point(cp: int) -> Optional[str]:
    """SPEC.md 13.3 step 3: the reason a code point is refused, or None. The rows are tried
    in the table's order and the first that matches gives the reason."""
    if cp <= 0x1F or 0x7F <= cp <= 0x9F or cp in (0x2028, 0x2029):
        return "control character"
    if cp in (0x061C, 0x200E, 0x200F) or 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069:
        return "bidirectional control character"
    if any(lo <= cp <= hi for lo, hi in _INVISIBLE_RANGES):
        return "zero-width or invisible character"
    if 0xE000 <= cp <= 0xF8FF or 0xF0000 <= cp <= 0xFFFFD or 0x100000 <= cp <= 0x10FFFD:
        return "private-use character"
    if 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFF) in (0xFFFE, 0xFFFF):
        return "noncharacter"
    # "every other code point of general category Cn", in this implementation's tables
    # (unicodedata.unidata_version: 14.0.0 on Python 3.11)
    if unicodedata.category(chr(cp)) == "Cn":
        return "unassigned character"
    return None


MAX_COMBINING_MARKS_IN_A_ROW = 3   # SPEC.md 13.3 step 4


def check_display_name(name: str) -> str:
    """SPEC.md 13.3 steps 1-6, in order (a verifier never normalizes, it refuses)."""
    def refuse(reason: str) -> HushwireError:
        return HushwireError("InvalidDisplayName", reason=reason)
    if not name:                                                            # 1
        raise refuse("empty")
    if len(name) > 64:                                                      # 2 (scalar values)
        raise refuse("longer than 64 characters")
    for c in name:                                                          # 3 (first refused)
        reason = _refused_code_point(ord(c))
        if reason is not None:
            raise refuse(reason)
    run = 0                                                                 # 4 (Mn, Mc, Me)
    for c in name:
        run = run + 1 if unicodedata.category(c).startswith("M") else 0
        if run > MAX_COMBINING_MARKS_IN_A_ROW:
            raise refuse("more than 3 combining marks in a row")
    if name[0] == " " or name[-1] == " " or "  " in name:                   # 5
        raise refuse("leading, trailing or repeated space")
    if not unicodedata.is_normalized("NFKC", name):                         # 6
        raise refuse("not in normalization form NFKC")
    return name


def normalize_display_name(name: str) -> str:
    """SPEC.md 13.2 Issuing (`DisplayName::normalize`): NFKC, then the checks of 13.3."""
    return check_display_name(unicodedata.normalize("NFKC", name))


def check_business_fields(business_id: str, display_name: str, level: int, not_before: int,
                          not_after: int, phone_number: str, website: str) -> None:
    """SPEC.md 13.2 step 4 d-i (also 13.5 load step 19 and issuing): the content rules."""
    if not is_valid_business_id(business_id):                               # d
        raise invalid_certificate("business_id")
    check_display_name(display_name)                                        # e
    if level not in (1, 2, 3):                                              # f
        raise invalid_certificate("level")
    if not_before > not_after:                                              # g
        raise invalid_certificate("validity")
    if phone_number and not is_valid_phone_number(phone_number):            # h
        raise invalid_certificate("phone_number")
    if website and not is_valid_website(website):                           # i
        raise invalid_certificate("website")


def check_issuer_fields(not_before: int, not_after: int, allowed_levels: int) -> None:
    """SPEC.md 13.2 step 3 d-e: the issuer certificate's content rules."""
    if not_before > not_after:                                              # d
        raise invalid_certificate("validity")
    if allowed_levels == 0 or allowed_levels & ~0b1110:                     # e: bits 1-3 only
        raise invalid_certificate("allowed_levels")


# ---- SPEC.md 13.2: certificates and chains ---------------------------------------------

def issuer_certificate_id(body: bytes) -> bytes:
    """SPEC.md 13.2: an issuer certificate's id, over its IssuerCertificateBody bytes, the
    label prefixed by its length in one byte (0x21 = 33) as in 9.1."""
    assert len(LABEL_ISSUER_CERTIFICATE_ID) == 0x21
    return labelled_sha256(LABEL_ISSUER_CERTIFICATE_ID, body)


@dataclass(frozen=True)
class IssuerCertificate:
    """SPEC.md 13.2: a decoded (not yet verified) issuer certificate: body bytes as sent,
    signature, and the body's fields."""
    body: bytes
    signature: bytes
    root_key_id: int
    serial: int
    issuer_key: bytes
    not_before: int
    not_after: int
    allowed_levels: int

    def value(self) -> dict:
        """SPEC.md 13.1: the IssuerCertificate message (body, signature)."""
        return {"body": self.body, "signature": self.signature}

    @classmethod
    def from_value(cls, value: dict) -> "IssuerCertificate":
        """SPEC.md 13.2 step 3 (issuer decoding) on a parsed IssuerCertificate message."""
        body = strict_decode(ISSUER_CERTIFICATE_BODY, value["body"], len(value["body"]))  # a
        check_version(body)                                                             # b
        validate_identity_key(body["issuer_key"], "issuer_key")                         # c
        check_issuer_fields(body["not_before"], body["not_after"], body["allowed_levels"])  # d, e
        require_len(value["signature"], 64, "issuer.signature")                         # f
        return cls(value["body"], value["signature"], body["root_key_id"], body["serial"],
                   body["issuer_key"], body["not_before"], body["not_after"],
                   body["allowed_levels"])

    @classmethod
    def decode(cls, data: bytes) -> "IssuerCertificate":
        """SPEC.md 13.2 `IssuerCertificate::decode`: strict decoding (max 4096), then step 3."""
        return cls.from_value(strict_decode(ISSUER_CERTIFICATE, data, MAX_ISSUER_CERTIFICATE_LEN))

    @property
    def id(self) -> bytes:
        """SPEC.md 13.2: the certificate's id, SHA-256(0x21 || "hushwire/v1/issuer-certificate-id"
        || body), over the body bytes as signed; it names exactly this certificate, whatever
        root signed it and whatever its serial."""
        return issuer_certificate_id(self.body)

    def encode(self) -> bytes:
        """SPEC.md 13.1 / 7.1: the canonical IssuerCertificate."""
        return pb_encode(ISSUER_CERTIFICATE, self.value())


@dataclass(frozen=True)
class BusinessCertificate:
    """SPEC.md 13.2: a decoded (not yet verified) business certificate."""
    body: bytes
    signature: bytes
    serial: int
    identity_key: bytes
    business_id: str
    display_name: str
    level: int
    not_before: int
    not_after: int
    phone_number: str
    website: str
    issuer_certificate_id: bytes  # field 11: the id of the issuer certificate it is issued under

    def value(self) -> dict:
        """SPEC.md 13.1: the BusinessCertificate message (body, signature)."""
        return {"body": self.body, "signature": self.signature}

    @classmethod
    def from_value(cls, value: dict) -> "BusinessCertificate":
        """SPEC.md 13.2 step 4 on a parsed BusinessCertificate message."""
        body = strict_decode(BUSINESS_CERTIFICATE_BODY, value["body"], len(value["body"]))  # a
        check_version(body)                                                                 # b
        validate_identity_key(body["identity_key"], "identity_key")                         # c
        check_business_fields(body["business_id"], body["display_name"], body["level"],
                              body["not_before"], body["not_after"], body["phone_number"],
                              body["website"])                                              # d-i
        require_len(body["issuer_certificate_id"], 32, "issuer_certificate_id")             # j
        require_len(value["signature"], 64, "business.signature")                           # k
        return cls(value["body"], value["signature"], body["serial"], body["identity_key"],
                   body["business_id"], body["display_name"], body["level"],
                   body["not_before"], body["not_after"], body["phone_number"],
                   body["website"], body["issuer_certificate_id"])  # any serial, 0 included


@dataclass(frozen=True)
class UnverifiedChain:
    """SPEC.md 13.2: a decoded chain; only validation (13.4) makes it a verified business."""
    issuer: IssuerCertificate
    business: BusinessCertificate

    def value(self) -> dict:
        """SPEC.md 13.2: the CertificateChain message."""
        return {"issuer": self.issuer.value(), "business": self.business.value()}

    def encode(self) -> bytes:
        """SPEC.md 7.1: the canonical CertificateChain."""
        return pb_encode(CERTIFICATE_CHAIN, self.value())


def decode_chain_value(value: dict) -> UnverifiedChain:
    """SPEC.md 13.2 steps 2-4 on a parsed CertificateChain (also 13.5 step 7b)."""
    if value["issuer"] is None:                                             # 2
        raise HushwireError("MissingField", field="issuer")
    if value["business"] is None:
        raise HushwireError("MissingField", field="business")
    issuer = IssuerCertificate.from_value(value["issuer"])                  # 3
    business = BusinessCertificate.from_value(value["business"])            # 4
    return UnverifiedChain(issuer, business)


def decode_chain(data: bytes) -> UnverifiedChain:
    """SPEC.md 13.2 `BusinessCertificateIn::decode`, steps 1-4."""
    return decode_chain_value(strict_decode(CERTIFICATE_CHAIN, data, MAX_CHAIN_LEN))  # 1


# ---- SPEC.md 13.1 / 13.4: pinned roots and the policy ----------------------------------

@dataclass(frozen=True)
class CertificatePolicy:
    """SPEC.md 13.4 `CertificatePolicy` (defaults as listed there)."""
    max_clock_skew_seconds: int = 300
    max_root_list_age_seconds: int = 2592000
    max_issuer_list_age_seconds: int = 172800


class TrustRoots:
    """SPEC.md 13.1: the pinned roots (key id -> key), key ids distinct, with the policy."""

    def __init__(self, roots: list, policy: CertificatePolicy):
        self.keys: dict[int, bytes] = {}
        self.policy = policy
        for key_id, key in roots:
            validate_identity_key(key, "key")     # 13.1: validated as identity keys are
            if key_id in self.keys:
                raise invalid_certificate("duplicate root key id")   # 8.1
            self.keys[key_id] = key

    def key(self, key_id: int) -> bytes:
        """SPEC.md 13.4: a pinned root by key id, else UnknownTrustRoot { key_id }."""
        if key_id not in self.keys:
            raise HushwireError("UnknownTrustRoot", key_id=key_id)
        return self.keys[key_id]


def check_valid_at(not_before: int, not_after: int, now: int, skew: int,
                   certificate: str) -> None:
    """SPEC.md 13.4: a window is valid at now if not_before <= now + skew (else
    CertificateNotYetValid) and now <= not_after + skew (else CertificateExpired)."""
    if not_before > sat_add(now, skew):
        raise HushwireError("CertificateNotYetValid", certificate=certificate)
    if now > sat_add(not_after, skew):
        raise HushwireError("CertificateExpired", certificate=certificate)


def verify_certificate_signature(key: bytes, label: bytes, body: bytes, signature: bytes,
                                 certificate: str) -> None:
    """SPEC.md 13.1 / 2.1: Ed25519 over u8(len(label)) || label || body (the bytes as sent),
    else InvalidCertificateSignature { certificate }."""
    try:
        ed25519_verify_strict(key, signed_message(label, body), signature)
    except HushwireError:
        raise HushwireError("InvalidCertificateSignature", certificate=certificate) from None


# ---- SPEC.md 13.4: revocation lists ----------------------------------------------------

@dataclass(frozen=True)
class RevocationList:
    """SPEC.md 13.4: a decoded revocation list (signer: a root key id or an issuer
    certificate)."""
    body: bytes
    signature: bytes
    root_key_id: Optional[int]
    issuer: Optional[IssuerCertificate]
    sequence: int
    issued_at: int
    revoked_serials: tuple

    @classmethod
    def decode(cls, data: bytes) -> "RevocationList":
        """SPEC.md 13.4 `RevocationList::decode`, in order."""
        msg = strict_decode(REVOCATION_LIST, data, MAX_REVOCATION_LIST_LEN)
        body = strict_decode(REVOCATION_LIST_BODY, msg["body"], len(msg["body"]))
        check_version(body)
        if body["root_key_id"] is None and body["issuer"] is None:
            raise HushwireError("MissingField", field="signer")
        issuer = None
        if body["issuer"] is not None:
            issuer = IssuerCertificate.from_value(body["issuer"])   # 13.2 step 3
        serials = body["revoked_serials"]
        if any(a >= b for a, b in zip(serials, serials[1:])):
            raise invalid_certificate("revoked_serials")
        require_len(msg["signature"], 64, "signature")
        return cls(msg["body"], msg["signature"], body["root_key_id"], issuer,
                   body["sequence"], body["issued_at"], tuple(serials))

    def encode(self) -> bytes:
        """SPEC.md 13.1: the canonical RevocationList (body, signature)."""
        return pb_encode(REVOCATION_LIST, {"body": self.body, "signature": self.signature})


class Revocations:
    """SPEC.md 13.4 holding lists: at most one list per signer, a root by its key id and key
    (a list signed by a root key no longer pinned under that id stays held under that key but
    never counts for the new key, whose lists start a sequence of their own), an issuer by its
    key."""

    def __init__(self):
        self.held: dict[tuple, RevocationList] = {}

    @staticmethod
    def _signer(lst: RevocationList, roots: TrustRoots, now: Optional[int]):
        """SPEC.md 13.4 update step 1 (validity skipped when now is None, for restore):
        (slot, signer key, "root" | "issuer")."""
        if lst.issuer is None:
            root_key = roots.key(lst.root_key_id)
            return ("root", lst.root_key_id, root_key), root_key, "root"
        cert = lst.issuer
        root_key = roots.key(cert.root_key_id)
        verify_certificate_signature(root_key, LABEL_ISSUER_CERTIFICATE, cert.body,
                                     cert.signature, "issuer")
        if now is not None:
            check_valid_at(cert.not_before, cert.not_after, now,
                           roots.policy.max_clock_skew_seconds, "issuer")
        return ("issuer", cert.issuer_key), cert.issuer_key, "issuer"

    def _against_held(self, slot: tuple, lst: RevocationList) -> str:
        """SPEC.md 13.4 update step 5 (nothing changes on failure)."""
        held = self.held.get(slot)
        if held is not None:
            if lst.sequence == held.sequence and lst.body == held.body:
                return "already_held"
            if lst.sequence <= held.sequence:
                raise HushwireError("RevocationListRollback", held=held.sequence,
                                    found=lst.sequence)
        self.held[slot] = lst
        return "updated"

    def update(self, lst: RevocationList, roots: TrustRoots, now: int) -> str:
        """SPEC.md 13.4 `Revocations::update`, steps 1-5: "updated" or "already_held"."""
        policy = roots.policy
        slot, key, kind = self._signer(lst, roots, now)                              # 1
        verify_certificate_signature(key, LABEL_REVOCATION_LIST, lst.body, lst.signature,
                                     "revocation_list")                               # 2
        if lst.issued_at > sat_add(now, policy.max_clock_skew_seconds):               # 3
            raise HushwireError("CertificateNotYetValid", certificate="revocation_list")
        max_age = (policy.max_root_list_age_seconds if kind == "root"
                   else policy.max_issuer_list_age_seconds)
        if now > sat_add(lst.issued_at, max_age):                                     # 4
            raise HushwireError("RevocationListStale", signer=kind)
        return self._against_held(slot, lst)                                          # 5

    def restore(self, lst: RevocationList, roots: TrustRoots) -> str:
        """SPEC.md 13.4 `Revocations::restore`: steps 1 (without validity) and 2, then 5."""
        slot, key, _ = self._signer(lst, roots, None)
        verify_certificate_signature(key, LABEL_REVOCATION_LIST, lst.body, lst.signature,
                                     "revocation_list")
        return self._against_held(slot, lst)

    def fresh(self, slot: tuple, now: int, skew: int, max_age: int) -> Optional[RevocationList]:
        """SPEC.md 13.4 validation steps 7, 8: the held list if it is fresh, issued_at <=
        now + skew (matters only for a restored list) and now <= issued_at + max age."""
        lst = self.held.get(slot)
        if (lst is None or lst.issued_at > sat_add(now, skew)
                or now > sat_add(lst.issued_at, max_age)):
            return None
        return lst


# ---- SPEC.md 13.4: validating a chain --------------------------------------------------

@dataclass(frozen=True)
class VerifiedBusiness:
    """SPEC.md 13.4: what a validated chain yields."""
    identity_key: bytes
    business_id: str
    display_name: str
    level: int
    phone_number: str
    website: str
    serial: int
    not_before: int
    not_after: int
    root_key_id: int
    issuer_key: bytes
    fresh_until: int         # the last second at which the same validation still succeeds

    def identity_value(self) -> dict:
        """SPEC.md 13.5: the BusinessIdentity stored as SessionState field 13."""
        return {"business_id": self.business_id, "display_name": self.display_name,
                "level": self.level, "phone_number": self.phone_number,
                "website": self.website, "serial": self.serial, "not_after": self.not_after,
                "root_key_id": self.root_key_id, "issuer_key": self.issuer_key,
                "not_before": self.not_before, "fresh_until": self.fresh_until}


def check_scope(issuer: IssuerCertificate, level: int, not_before: int, not_after: int,
                issuer_id: Optional[bytes]) -> None:
    """SPEC.md 13.4 step 5, in order: issued under this issuer certificate (the business
    certificate's `issuer_certificate_id` = this certificate's id (13.2), compared in constant
    time; None when issuing, where the issuer writes its own certificate's id), the level
    allowed, the window within the issuer's; each else CertificateOutOfScope (also when
    issuing, 13.2)."""
    if issuer_id is not None and not hmac.compare_digest(issuer_id, issuer.id):
        raise HushwireError("CertificateOutOfScope", reason="issuer")
    if not (issuer.allowed_levels >> level) & 1:
        raise HushwireError("CertificateOutOfScope", reason="level")
    if not (issuer.not_before <= not_before and not_after <= issuer.not_after):
        raise HushwireError("CertificateOutOfScope", reason="validity")


def validate_chain(chain: UnverifiedChain, roots: TrustRoots, now: int,
                   revocations: Revocations) -> VerifiedBusiness:
    """SPEC.md 13.4 `BusinessCertificateIn::validate`, steps 1-8 in order."""
    policy, issuer, business = roots.policy, chain.issuer, chain.business
    skew = policy.max_clock_skew_seconds
    root_key = roots.key(issuer.root_key_id)                                          # 1
    verify_certificate_signature(root_key, LABEL_ISSUER_CERTIFICATE, issuer.body,
                                 issuer.signature, "issuer")                          # 2
    check_valid_at(issuer.not_before, issuer.not_after, now, skew, "issuer")          # 3
    verify_certificate_signature(issuer.issuer_key, LABEL_BUSINESS_CERTIFICATE,
                                 business.body, business.signature, "business")       # 4
    check_scope(issuer, business.level, business.not_before, business.not_after,
                business.issuer_certificate_id)                                       # 5
    check_valid_at(business.not_before, business.not_after, now, skew, "business")    # 6
    root_list = revocations.fresh(("root", issuer.root_key_id, root_key), now, skew,
                                  policy.max_root_list_age_seconds)                   # 7
    if root_list is None:
        raise HushwireError("RevocationListStale", signer="root")
    if issuer.serial in root_list.revoked_serials:
        raise HushwireError("CertificateRevoked", certificate="issuer", serial=issuer.serial)
    issuer_list = revocations.fresh(("issuer", issuer.issuer_key), now, skew,
                                    policy.max_issuer_list_age_seconds)               # 8
    if issuer_list is None:
        raise HushwireError("RevocationListStale", signer="issuer")
    if business.serial in issuer_list.revoked_serials:
        raise HushwireError("CertificateRevoked", certificate="business",
                            serial=business.serial)
    fresh_until = min(sat_add(business.not_after, skew), sat_add(issuer.not_after, skew),
                      sat_add(root_list.issued_at, policy.max_root_list_age_seconds),
                      sat_add(issuer_list.issued_at, policy.max_issuer_list_age_seconds))
    return VerifiedBusiness(business.identity_key, business.business_id,
                            business.display_name, business.level, business.phone_number,
                            business.website, business.serial, business.not_before,
                            business.not_after, issuer.root_key_id, issuer.issuer_key,
                            fresh_until)


# ---- SPEC.md 13.5: binding to bundles and sessions -------------------------------------

def validate_business(bundle: VerifiedBundle, roots: TrustRoots, now: int,
                      revocations: Revocations) -> Optional[VerifiedBusiness]:
    """SPEC.md 13.5 `validate_business`, after 4.2 step 8 (done by decode_and_validate_bundle):
    the chain's identity_key is the bundle's (else IdentityMismatch), then 13.4. None for a
    bundle without a chain."""
    chain = bundle.business_chain
    if chain is None:
        return None
    if not hmac.compare_digest(chain.business.identity_key, bundle.identity.encoded):
        raise HushwireError("IdentityMismatch")
    return validate_chain(chain, roots, now, revocations)


def check_business_identity(value: dict) -> None:
    """SPEC.md 13.5 load step 19: the fields of a stored BusinessIdentity pass 13.2's checks
    (business_id, 13.3, level, not_before <= not_after, contact details), and 3.1 for
    issuer_key. The caller turns any failure into InvalidSessionState."""
    check_business_fields(value["business_id"], value["display_name"], value["level"],
                          value["not_before"], value["not_after"], value["phone_number"],
                          value["website"])
    validate_identity_key(value["issuer_key"], "issuer_key")


# ---- SPEC.md 13.2 Issuing, 13.4: a root, an issuer, a signer of lists ------------------

def issue_issuer_certificate(root: IdentityKeyPair, root_key_id: int, serial: int,
                             issuer_key: bytes, not_before: int, not_after: int,
                             allowed_levels: int) -> IssuerCertificate:
    """SPEC.md 13.2 Issuing / 13.1: a root certifies an issuer key (a validated identity key,
    3.1) with a validity window and a set of levels, "as decoding steps 3 c to 3 e require":
    those rules, in that order and with their decoding errors, are applied before signing."""
    validate_identity_key(issuer_key, "issuer_key")                         # c
    check_issuer_fields(not_before, not_after, allowed_levels)              # d, e
    body = pb_encode(ISSUER_CERTIFICATE_BODY, {
        "version": 1, "root_key_id": root_key_id, "serial": serial, "issuer_key": issuer_key,
        "not_before": not_before, "not_after": not_after, "allowed_levels": allowed_levels})
    signature = root.sign(signed_message(LABEL_ISSUER_CERTIFICATE, body))
    return IssuerCertificate(body, signature, root_key_id, serial, issuer_key, not_before,
                             not_after, allowed_levels)


@dataclass(frozen=True)
class IssuerKeyPair:
    """SPEC.md 13.2 Issuing (`IssuerKeyPair::new`): an issuer's key pair put together with its
    certificate; the key is checked against the certificate once, here, before anything is
    issued (IdentityMismatch if the certificate names another key). Neither the
    certificate's validity nor its revocation is checked (clients do)."""
    key_pair: IdentityKeyPair
    certificate: IssuerCertificate

    def __post_init__(self):
        if not hmac.compare_digest(self.key_pair.public.encoded, self.certificate.issuer_key):
            raise HushwireError("IdentityMismatch")


def issue_business_certificate(issuer: IssuerKeyPair, serial: int, identity_key: bytes,
                               business_id: str, display_name: str, level: int,
                               not_before: int, not_after: int, phone_number: str,
                               website: str) -> BusinessCertificate:
    """SPEC.md 13.2 Issuing: the fields checked by the rules of their decoding steps 4 d-i,
    the name first normalized to NFKC (13.3); then the issuer's scope, the level then the
    window, with the errors of 13.4 step 5; the issuer writes its own certificate's id (13.2)
    as `issuer_certificate_id`."""
    certificate = issuer.certificate
    display_name = normalize_display_name(display_name)
    check_business_fields(business_id, display_name, level, not_before, not_after,
                          phone_number, website)
    check_scope(certificate, level, not_before, not_after, None)
    body = pb_encode(BUSINESS_CERTIFICATE_BODY, {
        "version": 1, "serial": serial, "identity_key": identity_key,
        "business_id": business_id, "display_name": display_name, "level": level,
        "not_before": not_before, "not_after": not_after, "phone_number": phone_number,
        "website": website, "issuer_certificate_id": certificate.id})
    signature = issuer.key_pair.sign(signed_message(LABEL_BUSINESS_CERTIFICATE, body))
    return BusinessCertificate(body, signature, serial, identity_key, business_id,
                               display_name, level, not_before, not_after, phone_number,
                               website, certificate.id)


def sign_revocation_list(signer: IdentityKeyPair, root_key_id: Optional[int],
                         issuer: Optional[IssuerCertificate], sequence: int, issued_at: int,
                         serials: list) -> RevocationList:
    """SPEC.md 13.4: a root (by key id) or an issuer (with its certificate) signs a list;
    the serials must be strictly increasing (InvalidCertificate("revoked_serials"))."""
    if any(a >= b for a, b in zip(serials, serials[1:])):
        raise invalid_certificate("revoked_serials")
    body = pb_encode(REVOCATION_LIST_BODY, {
        "version": 1, "root_key_id": root_key_id,
        "issuer": None if issuer is None else issuer.value(),
        "sequence": sequence, "issued_at": issued_at, "revoked_serials": list(serials)})
    signature = signer.sign(signed_message(LABEL_REVOCATION_LIST, body))
    return RevocationList(body, signature, root_key_id, issuer, sequence, issued_at,
                          tuple(serials))


# =====================================================================================
# SPEC.md 14 -- multi-device accounts
# =====================================================================================

# ---- SPEC.md 14.2, 14.4, 14.5, 14.6 schemas (device.proto) ----------------------------

LISTED_DEVICE = {                                              # SPEC.md 14.2
    1: ("device_id", "uint32", "plain"),
    2: ("identity_key", "bytes", "plain"),
}
DEVICE_LIST_BODY = {                                           # SPEC.md 14.2
    1: ("version", "uint32", "plain"),
    2: ("account_id", "bytes", "plain"),
    3: ("account_key", "bytes", "plain"),
    4: ("list_version", "uint64", "plain"),
    5: ("issued_at", "uint64", "plain"),
    6: ("expires_at", "uint64", "plain"),
    7: ("devices", LISTED_DEVICE, "repeated"),
}
DEVICE_LIST = SIGNED_OBJECT                                    # SPEC.md 14.2: body, signature
LINK_OFFER = {                                                 # SPEC.md 14.4
    1: ("version", "uint32", "plain"),
    2: ("device_key", "bytes", "plain"),
    3: ("link_secret", "bytes", "plain"),
}
LINK_APPROVAL = {                                              # SPEC.md 14.4
    1: ("version", "uint32", "plain"),
    2: ("account_id", "bytes", "plain"),
    3: ("device_id", "uint32", "plain"),
    4: ("device_list", "bytes", "plain"),
    5: ("mac", "bytes", "plain"),
}
DEVICE_MESSAGE = {                                             # SPEC.md 14.5
    1: ("version", "uint32", "plain"),
    2: ("sender_account", "bytes", "plain"),
    3: ("sender_device", "uint32", "plain"),
    4: ("recipient_account", "bytes", "plain"),
    5: ("recipient_device", "uint32", "plain"),
    6: ("sender_list_version", "uint64", "plain"),
    7: ("recipient_list_version", "uint64", "plain"),
    8: ("envelope", ENVELOPE, "message"),
}
SESSION_RECORD = {                                             # SPEC.md 14.6
    1: ("version", "uint32", "plain"),
    2: ("current", "bytes", "optional"),   # present-and-empty differs from absent (14)
    3: ("archived", "bytes", "repeated"),
}

LABEL_DEVICE_LIST = b"hushwire/v1/sig/device-list"            # SPEC.md 14.2 (27 bytes)
INFO_DEVICE_LINK = b"hushwire/v1/device-link"                  # SPEC.md 14.4 (23 bytes)
LABEL_STORED_RECORD = b"hushwire/v1/stored-session-record"     # SPEC.md 14.6 (33 bytes)
MAX_DEVICE_LIST_LEN = 8192                                     # SPEC.md 14.2 step 1
MAX_DEVICES = 64                                               # SPEC.md 14.2 steps 6, 8
MAX_LINK_OFFER_LEN = 128                                       # SPEC.md 14.4
MAX_LINK_APPROVAL_LEN = 9216                                   # SPEC.md 14.4 step 1
DEVICE_MESSAGE_OVERHEAD = 600                                  # SPEC.md 14.5
MAX_STORED_RECORD_LEN = 64 * 1024 * 1024                       # SPEC.md 14.6
MAX_ARCHIVED_CEILING = 256                                     # SPEC.md 8.4, 14.6
U64_MAX = 2**64 - 1

# An address (SPEC.md 14.1): (account id, device id).
Address = tuple


def invalid_device_list(reason: str) -> HushwireError:
    """SPEC.md 8.1: InvalidDeviceList { reason }."""
    return HushwireError("InvalidDeviceList", reason=reason)


def address_json(address: Address) -> list:
    """devices.json: an address is [account id (hex), device id]."""
    return [address[0].hex(), address[1]]


# ---- SPEC.md 14.2: device lists ---------------------------------------------------------

@dataclass(frozen=True)
class DeviceList:
    """SPEC.md 14.2: a decoded device list (the bytes as received, and the body's fields).
    Verified only once `validate_device_list` accepted it (14.3)."""
    encoded: bytes          # the whole encoded DeviceList (14.3 step 3 compares these)
    body: bytes             # DeviceList.body, as received (signed as is, 14.3 step 2)
    signature: bytes
    account_id: bytes
    account_key: bytes
    list_version: int
    issued_at: int
    expires_at: int
    devices: tuple          # ((device_id, identity key bytes), ...), in list order

    def key_of(self, device_id: int) -> Optional[bytes]:
        """The key the list gives a device, or None if it is not listed."""
        for did, key in self.devices:
            if did == device_id:
                return key
        return None

    def json(self) -> dict:
        """devices.json: a validated list's fields."""
        return {"account_id": h(self.account_id), "account_key": h(self.account_key),
                "list_version": self.list_version, "issued_at": self.issued_at,
                "expires_at": self.expires_at,
                "devices": [{"device_id": d, "identity_key": h(k)} for d, k in self.devices]}


def check_device_list_content(list_version: int, issued_at: int, expires_at: int,
                              devices: list) -> None:
    """SPEC.md 14.2 step 8: the content rules, in order (also applied when signing)."""
    if list_version == 0:
        raise invalid_device_list("list version 0")
    if expires_at <= issued_at:
        raise invalid_device_list("expires_at is not after issued_at")
    if not 1 <= len(devices) <= MAX_DEVICES:
        raise invalid_device_list("not 1 to 64 devices")
    for i in range(1, len(devices)):
        if devices[i][0] <= devices[i - 1][0]:
            raise invalid_device_list("device ids not strictly increasing")
        if any(devices[i][1] == earlier[1] for earlier in devices[:i]):
            raise invalid_device_list("a device key is listed twice")


def decode_device_list(data: bytes) -> DeviceList:
    """SPEC.md 14.2 decoding (DeviceListIn::decode), steps 1-9, first failure returned."""
    if len(data) > MAX_DEVICE_LIST_LEN:                                        # 1
        raise HushwireError("TooLarge", len=len(data), max=MAX_DEVICE_LIST_LEN)
    outer = strict_decode(DEVICE_LIST, data, MAX_DEVICE_LIST_LEN)              # 2
    body = strict_decode(DEVICE_LIST_BODY, outer["body"], len(outer["body"]))  # (no bound)
    check_version(body)                                                        # 3
    validate_account_id(body["account_id"])                                    # 4
    validate_identity_key(body["account_key"], "account_key")                  # 5
    if len(body["devices"]) > MAX_DEVICES:                                     # 6
        raise invalid_device_list("not 1 to 64 devices")
    devices = []
    for d in body["devices"]:                                                  # 7
        if d["device_id"] == 0:
            raise invalid_device_list("device id 0")
        validate_identity_key(d["identity_key"], "devices.identity_key")
        devices.append((d["device_id"], d["identity_key"]))
    check_device_list_content(body["list_version"], body["issued_at"],        # 8
                              body["expires_at"], devices)
    if len(outer["signature"]) != 64:                                          # 9
        raise invalid_length("signature", 64, len(outer["signature"]))
    return DeviceList(data, outer["body"], outer["signature"], body["account_id"],
                      body["account_key"], body["list_version"], body["issued_at"],
                      body["expires_at"], tuple(devices))


def sign_device_list(account: IdentityKeyPair, account_id: bytes, list_version: int,
                     issued_at: int, expires_at: int, devices: list) -> DeviceList:
    """SPEC.md 14.2 signing (AccountKeyPair::sign_device_list): the rules of step 8 on what
    it is given (a device id of 0 first, as in decoding step 7), then the canonical
    encodings and the signature over u8(27) || label || body (3.2)."""
    validate_account_id(account_id)  # 12.1 (not exercised by a vector)
    for device_id, _ in devices:
        if device_id == 0:
            raise invalid_device_list("device id 0")
    check_device_list_content(list_version, issued_at, expires_at, devices)
    body = pb_encode(DEVICE_LIST_BODY, {
        "version": 1, "account_id": account_id, "account_key": account.public.encoded,
        "list_version": list_version, "issued_at": issued_at, "expires_at": expires_at,
        "devices": [{"device_id": d, "identity_key": k} for d, k in devices]})
    signature = account.sign(signed_message(LABEL_DEVICE_LIST, body))
    encoded = pb_encode(DEVICE_LIST, {"body": body, "signature": signature})
    return DeviceList(encoded, body, signature, account_id, account.public.encoded,
                      list_version, issued_at, expires_at, tuple(devices))


# ---- SPEC.md 14.3: validating a device list ---------------------------------------------

@dataclass(frozen=True)
class DeviceListPolicy:
    """SPEC.md 14.3: the verifier's policy (defaults: 35 days, 300 s)."""
    max_lifetime: int = 3024000
    skew: int = 300


def check_device_list_time(lst: DeviceList, now: int, skew: int) -> None:
    """SPEC.md 14.3 step 5: issued_at <= now + skew and now <= expires_at + skew."""
    if not (lst.issued_at <= now + skew and now <= lst.expires_at + skew):
        raise HushwireError("DeviceListExpired", expires_at=lst.expires_at)


def validate_device_list(lst: DeviceList, trusted_key: bytes, previous: Optional[DeviceList],
                         now: int, policy: DeviceListPolicy) -> DeviceList:
    """SPEC.md 14.3 steps 1-5, first failure returned; the list, now verified."""
    if not hmac.compare_digest(lst.account_key, trusted_key):                 # 1
        raise HushwireError("IdentityMismatch")
    try:                                                                       # 2
        ed25519_verify_strict(lst.account_key, signed_message(LABEL_DEVICE_LIST, lst.body),
                              lst.signature)
    except HushwireError:
        raise HushwireError("InvalidDeviceListSignature") from None
    if previous is not None:                                                   # 3
        if previous.account_id != lst.account_id or previous.account_key != lst.account_key:
            raise HushwireError("IdentityMismatch")
        if lst.list_version < previous.list_version:
            raise HushwireError("DeviceListRollback", held=previous.list_version,
                                found=lst.list_version)
        if lst.list_version == previous.list_version and lst.encoded != previous.encoded:
            raise HushwireError("DeviceListConflict", version=lst.list_version)
    lifetime = lst.expires_at - lst.issued_at                                  # 4
    if lifetime > policy.max_lifetime:
        raise HushwireError("DeviceListLifetimeTooLong", lifetime=lifetime,
                            max=policy.max_lifetime)
    check_device_list_time(lst, now, policy.skew)                              # 5
    return lst


def device_list_changes(previous: DeviceList, new: DeviceList) -> dict:
    """SPEC.md 14.3 Changes: ids added, removed, re-keyed (each increasing)."""
    old = dict(previous.devices)
    cur = dict(new.devices)
    return {"added": sorted(d for d in cur if d not in old),
            "removed": sorted(d for d in old if d not in cur),
            "rekeyed": sorted(d for d in cur if d in old and cur[d] != old[d])}


# ---- SPEC.md 14.4: linking a new device ------------------------------------------------

def encode_link_offer(device_key: bytes, link_secret: bytes) -> bytes:
    """SPEC.md 14.4 Offer: LinkOffer {1, the new device's key, the link secret}."""
    return pb_encode(LINK_OFFER, {"version": 1, "device_key": device_key,
                                  "link_secret": link_secret})


def decode_link_offer(data: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 14.4 LinkOffer::decode: (device key, link secret)."""
    if len(data) > MAX_LINK_OFFER_LEN:
        raise HushwireError("TooLarge", len=len(data), max=MAX_LINK_OFFER_LEN)
    offer = strict_decode(LINK_OFFER, data, MAX_LINK_OFFER_LEN)
    check_version(offer)
    validate_identity_key(offer["device_key"], "device_key")
    require_len(offer["link_secret"], 32, "link_secret")
    return offer["device_key"], offer["link_secret"]


def link_mac(link_secret: bytes, account_id: bytes, device_id: int, device_list: bytes,
             device_key: bytes) -> bytes:
    """SPEC.md 14.4: K = HKDF(ZERO32, link_secret, "hushwire/v1/device-link", 32);
    MAC = HMAC(K, LP(account_id) || u32(device_id) || LP(device_list) || device_key)."""
    k = hkdf(ZERO32, link_secret, INFO_DEVICE_LINK, 32)
    return hmac_sha256(k, lp(account_id) + u32(device_id) + lp(device_list) + device_key)


def approve_link(account: IdentityKeyPair, current: DeviceList, offer: tuple[bytes, bytes],
                 device_id: int, issued_at: int, expires_at: int) -> tuple[DeviceList, bytes]:
    """SPEC.md 14.4 Approval (LinkOffer::approve): the new list and the encoded LinkApproval."""
    device_key, link_secret = offer
    if not hmac.compare_digest(current.account_key, account.public.encoded):
        raise HushwireError("IdentityMismatch")
    if current.list_version + 1 > U64_MAX:
        raise invalid_device_list("list version exhausted")
    devices = sorted(list(current.devices) + [(device_id, device_key)], key=lambda d: d[0])
    new = sign_device_list(account, current.account_id, current.list_version + 1, issued_at,
                           expires_at, devices)
    mac = link_mac(link_secret, current.account_id, device_id, new.encoded, device_key)
    approval = pb_encode(LINK_APPROVAL, {"version": 1, "account_id": current.account_id,
                                         "device_id": device_id, "device_list": new.encoded,
                                         "mac": mac})
    return new, approval


def complete_link(device_key: bytes, link_secret: bytes, data: bytes,
                  now: int) -> tuple[Address, DeviceList]:
    """SPEC.md 14.4 Completion (PendingLink::complete), steps 1-6: the new device's address
    and its account's verified list."""
    if len(data) > MAX_LINK_APPROVAL_LEN:                                      # 1
        raise HushwireError("TooLarge", len=len(data), max=MAX_LINK_APPROVAL_LEN)
    approval = strict_decode(LINK_APPROVAL, data, MAX_LINK_APPROVAL_LEN)
    check_version(approval)
    validate_account_id(approval["account_id"])
    if approval["device_id"] == 0:
        raise invalid_device_list("device id 0")
    require_len(approval["mac"], 32, "mac")
    expected = link_mac(link_secret, approval["account_id"], approval["device_id"],   # 2
                        approval["device_list"], device_key)
    if not hmac.compare_digest(expected, approval["mac"]):
        raise HushwireError("LinkAuthenticationFailed")
    lst = decode_device_list(approval["device_list"])                          # 3
    if lst.account_id != approval["account_id"]:                               # 4
        raise HushwireError("MisaddressedMessage", field="account")
    validate_device_list(lst, lst.account_key, None, now, DeviceListPolicy())  # 5
    listed = lst.key_of(approval["device_id"])                                 # 6
    if listed is None or not hmac.compare_digest(listed, device_key):
        raise HushwireError("DeviceNotListed", device=approval["device_id"])
    return (approval["account_id"], approval["device_id"]), lst


# ---- SPEC.md 14.5: device messages, routing --------------------------------------------

def routing_bytes(sender: Address, recipient: Address, sender_list_version: int,
                  recipient_list_version: int) -> bytes:
    """SPEC.md 14.5 Routing: LP(sender_account) || u32(sender_device) ||
    LP(recipient_account) || u32(recipient_device) || u64(...) || u64(...)."""
    return (lp(sender[0]) + u32(sender[1]) + lp(recipient[0]) + u32(recipient[1])
            + u64(sender_list_version) + u64(recipient_list_version))


@dataclass(frozen=True)
class DeviceMessage:
    """SPEC.md 14.5: a decoded DeviceMessage."""
    sender: Address
    recipient: Address
    sender_list_version: int
    recipient_list_version: int
    envelope: object        # PreKeyMessage or RatchetMessage (7.2)
    envelope_bytes: bytes   # its canonical encoding

    @property
    def routing(self) -> bytes:
        """SPEC.md 14.5: the routing of this message."""
        return routing_bytes(self.sender, self.recipient, self.sender_list_version,
                             self.recipient_list_version)


def encode_device_message(sender: Address, recipient: Address, sender_list_version: int,
                          recipient_list_version: int, envelope: bytes) -> bytes:
    """SPEC.md 14.5: the canonical DeviceMessage (field 8 holds the envelope's fields)."""
    return pb_encode(DEVICE_MESSAGE, {
        "version": 1, "sender_account": sender[0], "sender_device": sender[1],
        "recipient_account": recipient[0], "recipient_device": recipient[1],
        "sender_list_version": sender_list_version,
        "recipient_list_version": recipient_list_version,
        "envelope": pb_parse(ENVELOPE, envelope)})


def decode_device_message(data: bytes, config: Config) -> DeviceMessage:
    """SPEC.md 14.5 DeviceMessage::decode, first failure returned."""
    bound = config.max_encoded_len + DEVICE_MESSAGE_OVERHEAD
    m = strict_decode(DEVICE_MESSAGE, data, bound)
    check_version(m)
    validate_account_id(m["sender_account"])
    if m["sender_device"] == 0:
        raise invalid_device_list("device id 0")
    validate_account_id(m["recipient_account"])
    if m["recipient_device"] == 0:
        raise invalid_device_list("device id 0")
    if m["sender_list_version"] == 0 or m["recipient_list_version"] == 0:
        raise invalid_device_list("list version 0")
    if m["envelope"] is None:
        raise HushwireError("MissingField", field="envelope")
    envelope_bytes = pb_encode(ENVELOPE, m["envelope"])
    if len(envelope_bytes) > config.max_encoded_len:
        raise HushwireError("TooLarge", len=len(envelope_bytes), max=config.max_encoded_len)
    envelope = check_envelope(m["envelope"])
    return DeviceMessage((m["sender_account"], m["sender_device"]),
                         (m["recipient_account"], m["recipient_device"]),
                         m["sender_list_version"], m["recipient_list_version"], envelope,
                         envelope_bytes)


# ---- SPEC.md 14.6: session records -----------------------------------------------------

def record_checksum(record: bytes) -> bytes:
    """SPEC.md 14.6: SHA-256(0x21 || "hushwire/v1/stored-session-record" || record)."""
    return labelled_sha256(LABEL_STORED_RECORD, record)


class SessionRecord:
    """SPEC.md 14.6: every session with one remote device: an optional current session and
    the archived ones, most recent first, at most A = max_archived_sessions within 1 and 256
    (8.4: below 1 acts as 1, above 256 as 256)."""

    def __init__(self, config: Config):
        self.config = config
        self.limit = min(max(config.max_archived_sessions, 1), MAX_ARCHIVED_CEILING)
        self.current: Optional[Session] = None
        self.archived: list[Session] = []

    def sessions(self) -> list[Session]:
        """The current session (if any), then the archived ones in order."""
        return ([self.current] if self.current is not None else []) + self.archived

    def archive(self, session: Session) -> None:
        """SPEC.md 14.6 Archiving: to the front; entries past A are dropped from the end."""
        self.archived.insert(0, session)
        del self.archived[self.limit:]

    def promote(self, session: Session) -> None:
        """SPEC.md 14.6 Promote: out of the archive; archive the current; make it current."""
        self.archived.remove(session)
        if self.current is not None:
            self.archive(self.current)
        self.current = session

    def initiate(self, identity: IdentityKeyPair, bundle: VerifiedBundle,
                 rng: ChaCha20Rng) -> Session:
        """SPEC.md 14.6 Initiate: a new session (5.2) becomes current; the previous one is
        archived."""
        session = Session.initiate(identity, bundle, rng, self.config)
        if self.current is not None:
            self.archive(self.current)
        self.current = session
        return session

    def check_can_encrypt(self, plaintext_len: int) -> None:
        """SPEC.md 14.5 fan-out step 5 / 14.6 Encrypt: NoSession, then 6.7's checks."""
        if self.current is None:
            raise HushwireError("NoSession")
        self.current.ratchet.check_can_encrypt(plaintext_len, self.current.config)

    def encrypt(self, plaintext: bytes, routing: Optional[bytes] = None) -> bytes:
        """SPEC.md 14.6 Encrypt: with the current session (6.7); none: NoSession."""
        if self.current is None:
            raise HushwireError("NoSession")
        return self.current.encrypt(plaintext, routing)

    def decrypt(self, identity: IdentityKeyPair, store: PreKeyStore, msg, rng: ChaCha20Rng,
                expected: bytes, routing: Optional[bytes] = None) -> bytes:
        """SPEC.md 14.6 Decrypt, with `expected` the remote device's identity key as the
        application holds it (its device-list entry under 14.5, or its trust record): only
        sessions with that remote identity are ever used. A PreKeyMessage: steps 0-3; a
        RatchetMessage: the eligible sessions in order. A failure leaves the record as it
        was."""
        def eligible(s: Session) -> bool:
            return hmac.compare_digest(s.remote.encoded, expected)

        if isinstance(msg, PreKeyMessage):
            if not hmac.compare_digest(msg.identity_key.encoded, expected):          # 0
                raise HushwireError("IdentityMismatch")  # before any prekey is looked up

            def accepted_this(s: Session) -> bool:  # a responder session that accepted it
                return (eligible(s) and not s.initiator and s.accepted is not None
                        and hmac.compare_digest(s.accepted.base_key, msg.base_key)
                        and hmac.compare_digest(s.remote.encoded, msg.identity_key.encoded))
            if self.current is not None and accepted_this(self.current):           # 1
                return self.current.decrypt(msg, rng, routing)
            for s in self.archived:                                                 # 2
                if accepted_this(s):
                    plaintext = s.decrypt(msg, rng, routing)
                    self.promote(s)
                    return plaintext
            new, plaintext = Session.accept(identity, store, msg, rng, self.config,  # 3
                                            routing)
            cur = self.current
            if (cur is not None and cur.initiator and cur.pending is not None
                    and hmac.compare_digest(cur.remote.encoded, new.remote.encoded)
                    and cur.pending.base_key < msg.base_key):
                self.archive(new)           # simultaneous initiation: keep the smaller key
            else:
                if cur is not None:
                    self.archive(cur)
                self.current = new
            return plaintext

        first_error = None
        for s in [s for s in self.sessions() if eligible(s)]:
            try:
                plaintext = s.decrypt(msg, rng, routing)
            except HushwireError as e:
                if first_error is None and e.kind != "DecryptionFailed":
                    first_error = e
                continue
            if s is not self.current:
                self.promote(s)
            return plaintext
        raise first_error or HushwireError("DecryptionFailed")

    def to_bytes(self) -> bytes:
        """SPEC.md 14.6 stored form: record || checksum (oldest archived sessions left out
        while the record would exceed 64 MiB)."""
        archived = [s.to_bytes() for s in self.archived]
        while True:
            record = pb_encode(SESSION_RECORD, {
                "version": 1,
                "current": None if self.current is None else self.current.to_bytes(),
                "archived": archived})
            if len(record) + 32 <= MAX_STORED_RECORD_LEN or not archived:
                return record + record_checksum(record)
            archived.pop()

    @classmethod
    def from_bytes(cls, data: bytes, config: Config) -> "SessionRecord":
        """SPEC.md 14.6 Loading, first failure returned."""
        if len(data) > MAX_STORED_RECORD_LEN:
            raise HushwireError("TooLarge", len=len(data), max=MAX_STORED_RECORD_LEN)
        if len(data) < 32 or not hmac.compare_digest(record_checksum(data[:-32]), data[-32:]):
            raise HushwireError("SessionStateCorrupted")
        value = strict_decode(SESSION_RECORD, data[:-32], MAX_STORED_RECORD_LEN)
        check_version(value)
        record = cls(config)
        if len(value["archived"]) > MAX_ARCHIVED_CEILING:  # whatever A is
            raise HushwireError("InvalidSessionState")
        if value["current"] is not None:
            record.current = Session.from_bytes(value["current"], config)
        record.archived = [Session.from_bytes(s, config) for s in value["archived"]]
        ids = [s.session_id for s in record.sessions()]
        if len(set(ids)) != len(ids):
            raise HushwireError("InvalidSessionState")
        del record.archived[record.limit:]  # trimmed to A, the oldest dropped (8.4)
        return record


# ---- SPEC.md 14.5: fan-out and receiving -----------------------------------------------

@dataclass(frozen=True)
class Consistency:
    """SPEC.md 14.5: the three consistency flags of a received message."""
    sender_list_newer: bool
    sender_saw_older_list_of_ours: bool
    our_list_newer_elsewhere: bool


class DeviceSessions:
    """SPEC.md 14.5: one device's session records, keyed by remote address."""

    def __init__(self, address: Address, identity: IdentityKeyPair, config: Config,
                 policy: DeviceListPolicy):
        self.address = address
        self.identity = identity
        self.config = config
        self.policy = policy
        self.records: dict[Address, SessionRecord] = {}

    def check_own(self, own: DeviceList) -> None:
        """SPEC.md 14.5 fan-out step 1 (and receiving step 1)."""
        if own.account_id != self.address[0]:
            raise HushwireError("MisaddressedMessage", field="own_list")
        listed = own.key_of(self.address[1])
        if listed is None or not hmac.compare_digest(listed, self.identity.public.encoded):
            raise HushwireError("DeviceNotListed", device=self.address[1])

    def targets(self, own: DeviceList, recipient: DeviceList) -> list:
        """SPEC.md 14.5 fan-out step 3: [(address, key, that list's version)], recipient's
        devices then our own account's, by increasing id, without us or a repeat."""
        out, seen = [], {self.address}
        for lst in (recipient, own):
            for device_id, key in sorted(lst.devices):
                address = (lst.account_id, device_id)
                if address not in seen:
                    seen.add(address)
                    out.append((address, key, lst.list_version))
        return out

    def has_usable_session(self, address: Address, key: bytes) -> bool:
        """SPEC.md 14.5 fan-out step 4: a record whose current session's remote identity is
        the listed key."""
        record = self.records.get(address)
        return (record is not None and record.current is not None
                and hmac.compare_digest(record.current.remote.encoded, key))

    def missing(self, own: DeviceList, recipient: DeviceList) -> list:
        """SPEC.md 14.5 fan-out steps 3-4: targets without a usable session, in order, each
        with the list that names it."""
        lists = {recipient.account_id: recipient, own.account_id: own}
        return [(address, lists[address[0]]) for address, key, _ in self.targets(own, recipient)
                if not self.has_usable_session(address, key)]

    def start_session(self, address: Address, lst: DeviceList, identity: IdentityKeyPair,
                      bundle: VerifiedBundle, rng: ChaCha20Rng, now: int) -> Session:
        """SPEC.md 14.5 start_session, first failure returned: the device's list valid at
        `now`; the key pair given is this device's; the bundle's identity key is the one the
        list gives the device; the device is not this one. The record initiates (14.6); a
        device with no record gets one only if the session starts."""
        check_device_list_time(lst, now, self.policy.skew)
        if not hmac.compare_digest(identity.public.encoded, self.identity.public.encoded):
            raise HushwireError("IdentityMismatch")
        listed_key = lst.key_of(address[1]) if lst.account_id == address[0] else None
        if listed_key is None or not hmac.compare_digest(bundle.identity.encoded, listed_key):
            raise HushwireError("DeviceNotListed", device=address[1])
        if address == self.address:
            raise HushwireError("MisaddressedMessage", field="recipient")
        record = self.records.setdefault(address, SessionRecord(self.config))
        return record.initiate(self.identity, bundle, rng)

    def encrypt_for_account(self, own: DeviceList, recipient: DeviceList, now: int,
                            plaintext: bytes) -> list:
        """SPEC.md 14.5 fan-out (encrypt_for_account), steps 1-6: [(address, DeviceMessage)]."""
        self.check_own(own)                                                        # 1
        if recipient.account_id == self.address[0] and recipient.encoded != own.encoded:
            raise HushwireError("MisaddressedMessage", field="recipient_list")
        check_device_list_time(own, now, self.policy.skew)                         # 2
        check_device_list_time(recipient, now, self.policy.skew)
        targets = self.targets(own, recipient)                                     # 3
        missing = [address for address, key, _ in targets                          # 4
                   if not self.has_usable_session(address, key)]
        if missing:
            raise HushwireError("SessionsMissing", devices=[address_json(a) for a in missing])
        for address, _, _ in targets:                                              # 5
            self.records[address].check_can_encrypt(len(plaintext))
        out = []
        for address, _, version in targets:                                        # 6
            routing = routing_bytes(self.address, address, own.list_version, version)
            envelope = self.records[address].encrypt(plaintext, routing)
            out.append((address, encode_device_message(self.address, address,
                                                       own.list_version, version, envelope)))
        return out

    def decrypt(self, own: DeviceList, sender_list: DeviceList, now: int, msg: DeviceMessage,
                store: PreKeyStore, rng: ChaCha20Rng) -> tuple[Address, bytes, Consistency]:
        """SPEC.md 14.5 Receiving (DeviceSessions::decrypt), steps 1-6; nothing changes on a
        failure. Returns (sender, plaintext, consistency flags)."""
        self.check_own(own)                                                        # 1
        if msg.recipient != self.address:                                          # 2
            raise HushwireError("MisaddressedMessage", field="recipient")
        if msg.sender[0] != sender_list.account_id or msg.sender == self.address:  # 3
            raise HushwireError("MisaddressedMessage", field="sender")
        if msg.sender[0] == self.address[0] and sender_list.encoded != own.encoded:
            raise HushwireError("MisaddressedMessage", field="sender_list")
        check_device_list_time(own, now, self.policy.skew)                         # 4
        check_device_list_time(sender_list, now, self.policy.skew)
        listed = sender_list.key_of(msg.sender[1])                                 # 5
        if listed is None:
            raise HushwireError("DeviceNotListed", device=msg.sender[1])
        if isinstance(msg.envelope, PreKeyMessage) and not hmac.compare_digest(
                msg.envelope.identity_key.encoded, listed):
            raise HushwireError("DeviceNotListed", device=msg.sender[1])
        record = self.records.get(msg.sender)                                      # 6
        new_record = record is None
        if new_record:
            record = SessionRecord(self.config)
        plaintext = record.decrypt(self.identity, store, msg.envelope, rng, listed,
                                   msg.routing)
        if new_record:  # kept only once something decrypted (nothing changes on failure)
            self.records[msg.sender] = record
        flags = Consistency(
            sender_list_newer=msg.sender_list_version > sender_list.list_version,
            sender_saw_older_list_of_ours=msg.recipient_list_version < own.list_version,
            our_list_newer_elsewhere=msg.recipient_list_version > own.list_version)
        return msg.sender, plaintext, flags

    def retain_listed(self, lst: DeviceList) -> int:
        """SPEC.md 14.3 Changes / 14.5 Removing a device: drop the records of the list's
        account's devices that are not listed, or listed with another key (the key the
        record's sessions hold). Returns how many were dropped."""
        dropped = 0
        for address in list(self.records):
            if address[0] != lst.account_id:
                continue
            listed = lst.key_of(address[1])
            sessions = self.records[address].sessions()
            if listed is None or any(s.remote.encoded != listed for s in sessions):
                del self.records[address]
                dropped += 1
        return dropped


# =====================================================================================
# SPEC.md 15 -- groups (Sender Keys)
# =====================================================================================

# ---- SPEC.md 15.2, 15.3, 15.6 schemas (group.proto) -------------------------------------

SENDER_KEY_DISTRIBUTION = {                                    # SPEC.md 15.2
    1: ("version", "uint32", "plain"),
    2: ("group_id", "bytes", "plain"),
    3: ("chain_id", "uint32", "plain"),
    4: ("iteration", "uint32", "plain"),
    5: ("chain_key", "bytes", "plain"),
    6: ("signing_key", "bytes", "plain"),
}
GROUP_MESSAGE_BODY = {                                         # SPEC.md 15.3
    1: ("version", "uint32", "plain"),
    2: ("group_id", "bytes", "plain"),
    3: ("sender_account", "bytes", "plain"),
    4: ("sender_device", "uint32", "plain"),
    5: ("chain_id", "uint32", "plain"),
    6: ("iteration", "uint32", "plain"),
    7: ("ciphertext", "bytes", "plain"),
}
GROUP_MESSAGE = SIGNED_OBJECT                                  # SPEC.md 15.3: body, signature
GROUP_SKIPPED_KEY = {                                          # SPEC.md 15.6
    1: ("iteration", "uint32", "plain"),
    2: ("message_key", "bytes", "plain"),
}
GROUP_RECEIVER_CHAIN = {                                       # SPEC.md 15.6
    1: ("chain_id", "uint32", "plain"),
    2: ("signing_key", "bytes", "plain"),
    3: ("chain_key", "bytes", "plain"),
    4: ("iteration", "uint32", "plain"),
    5: ("skipped", GROUP_SKIPPED_KEY, "repeated"),
}
GROUP_MEMBER_STATE = {                                         # SPEC.md 15.6
    1: ("account_id", "bytes", "plain"),
    2: ("device_id", "uint32", "plain"),
    3: ("chains", GROUP_RECEIVER_CHAIN, "repeated"),
}
GROUP_SESSION_STATE = {                                        # SPEC.md 15.6
    1: ("version", "uint32", "plain"),
    2: ("group_id", "bytes", "plain"),
    3: ("local_account", "bytes", "plain"),
    4: ("local_device", "uint32", "plain"),
    5: ("chain_id", "uint32", "plain"),
    6: ("chain_key", "bytes", "plain"),
    7: ("iteration", "uint32", "plain"),
    8: ("signing_seed", "bytes", "plain"),
    9: ("members", GROUP_MEMBER_STATE, "repeated"),
}

LABEL_GROUP_MESSAGE = b"hushwire/v1/sig/group-message"         # SPEC.md 15.3 (29 bytes)
INFO_GROUP_MESSAGE_KEY = b"hushwire/v1/group-message-key"      # SPEC.md 15.3 (29 bytes)
LABEL_STORED_GROUP = b"hushwire/v1/stored-group-session"       # SPEC.md 15.6 (32 bytes)
MAX_GROUP_ID_LEN = 64                                          # SPEC.md 15.1
MAX_GROUP_MEMBERS = 4096                                       # SPEC.md 15.1, 15.6
SENDER_KEY_RANDOM_LEN = 68                                     # SPEC.md 15.2: 4 + 32 + 32
MAX_DISTRIBUTION_LEN = 256                                     # SPEC.md 15.2
GROUP_MESSAGE_OVERHEAD = 480                                   # SPEC.md 15.3
MAX_STORED_GROUP_LEN = 256 * 1024 * 1024                       # SPEC.md 15.6
MAX_SENDER_KEY_CHAINS_CEILING = 64                             # SPEC.md 8.4, 15.2, 15.6
MAX_GROUP_SKIPPED_CEILING = 65536                              # SPEC.md 8.4, 15.4, 15.6

assert len(LABEL_GROUP_MESSAGE) == 29 and len(INFO_GROUP_MESSAGE_KEY) == 29
assert len(LABEL_STORED_GROUP) == 32


@dataclass(frozen=True)
class GroupConfig:
    """SPEC.md 8.4: the group limits (the rest of Config keeps its defaults)."""
    max_group_skip: int = 25000
    max_group_skipped_keys: int = 2000
    max_sender_key_chains: int = 5
    max_encoded_len: int = 2 * 1024 * 1024

    @property
    def chain_limit(self) -> int:
        """SPEC.md 15.2 step 4: C = min(max(max_sender_key_chains, 1), 64)."""
        return min(max(self.max_sender_key_chains, 1), MAX_SENDER_KEY_CHAINS_CEILING)

    @property
    def skipped_limit(self) -> int:
        """SPEC.md 15.4 step 7: K = min(max_group_skipped_keys, 65536)."""
        return min(self.max_group_skipped_keys, MAX_GROUP_SKIPPED_CEILING)


def validate_group_id(group_id: bytes) -> bytes:
    """SPEC.md 15.1: 1 to 64 bytes, else InvalidGroupId { len }."""
    if not 1 <= len(group_id) <= MAX_GROUP_ID_LEN:
        raise HushwireError("InvalidGroupId", len=len(group_id))
    return group_id


def validate_address(address: Address) -> Address:
    """SPEC.md 14.1: an account id (12.1) and a device id >= 1 (0 is InvalidDeviceList
    { reason: "device id 0" }, wherever a device id is decoded)."""
    validate_account_id(address[0])
    if address[1] == 0:
        raise invalid_device_list("device id 0")
    return address


@dataclass
class SenderKey:
    """SPEC.md 15.2: our own sender key: chain id, chain key at `iteration`, signing seed."""
    chain_id: int
    chain_key: bytes
    iteration: int
    signing_seed: bytes

    @classmethod
    def draw(cls, rng) -> "SenderKey":
        """SPEC.md 15.2: 68 bytes from the RNG: chain id (u32 big-endian), chain key (32),
        the signing key's Ed25519 seed (32); the chain starts at iteration 0."""
        r = rng.fill_bytes(SENDER_KEY_RANDOM_LEN)
        return cls(int.from_bytes(r[0:4], "big"), r[4:36], 0, r[36:68])

    @property
    def signing_key(self) -> bytes:
        """SPEC.md 15.2 / 3.1: the Ed25519 public key of the signing seed."""
        return IdentityKeyPair(self.signing_seed).public.encoded


@dataclass(frozen=True)
class Distribution:
    """SPEC.md 15.2: a SenderKeyDistribution's fields."""
    group_id: bytes
    chain_id: int
    iteration: int
    chain_key: bytes
    signing_key: bytes

    def encode(self) -> bytes:
        return pb_encode(SENDER_KEY_DISTRIBUTION, {
            "version": 1, "group_id": self.group_id, "chain_id": self.chain_id,
            "iteration": self.iteration, "chain_key": self.chain_key,
            "signing_key": self.signing_key})


def decode_distribution(data: bytes) -> Distribution:
    """SPEC.md 15.2 decoding, first failure returned."""
    if len(data) > MAX_DISTRIBUTION_LEN:
        raise HushwireError("TooLarge", len=len(data), max=MAX_DISTRIBUTION_LEN)
    d = strict_decode(SENDER_KEY_DISTRIBUTION, data, MAX_DISTRIBUTION_LEN)
    check_version(d)
    validate_group_id(d["group_id"])
    require_len(d["chain_key"], 32, "chain_key")
    validate_identity_key(d["signing_key"], "signing_key")
    return Distribution(d["group_id"], d["chain_id"], d["iteration"], d["chain_key"],
                        d["signing_key"])


def group_message_key(mk: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 15.3: okm = HKDF(ZERO32, MK, "hushwire/v1/group-message-key", 44);
    key = okm[0..32], nonce = okm[32..44]."""
    okm = hkdf(ZERO32, mk, INFO_GROUP_MESSAGE_KEY, 44)
    return okm[:32], okm[32:44]


def group_aead_ad(group_id: bytes, sender: Address, chain_id: int, n: int,
                  signing_key: bytes) -> bytes:
    """SPEC.md 15.3: LP(group_id) || LP(sender_account) || u32(sender_device)
    || u32(chain_id) || u32(n) || signing_key."""
    return (lp(group_id) + lp(sender[0]) + u32(sender[1]) + u32(chain_id) + u32(n)
            + signing_key)


@dataclass(frozen=True)
class GroupMessage:
    """SPEC.md 15.3: a decoded GroupMessage (the body as received, and its fields)."""
    body: bytes
    signature: bytes
    group_id: bytes
    sender: Address
    chain_id: int
    iteration: int
    ciphertext: bytes


def decode_group_message(data: bytes, max_encoded_len: int) -> GroupMessage:
    """SPEC.md 15.3 decoding (GroupMessage::decode), first failure returned."""
    outer = strict_decode(GROUP_MESSAGE, data, max_encoded_len)
    body = strict_decode(GROUP_MESSAGE_BODY, outer["body"], len(outer["body"]))
    check_version(body)
    validate_group_id(body["group_id"])
    validate_account_id(body["sender_account"])
    if body["sender_device"] == 0:
        raise invalid_device_list("device id 0")
    if len(body["ciphertext"]) < 16:
        raise invalid_length("ciphertext", 16, len(body["ciphertext"]))
    require_len(outer["signature"], 64, "signature")
    return GroupMessage(outer["body"], outer["signature"], body["group_id"],
                        (body["sender_account"], body["sender_device"]), body["chain_id"],
                        body["iteration"], body["ciphertext"])


@dataclass
class ReceiverChain:
    """SPEC.md 15.2 / 15.6: a chain of another member's sender key: id, signing key, chain
    key at iteration Nr, stored keys [(iteration, message key)], oldest first."""
    chain_id: int
    signing_key: bytes
    chain_key: bytes
    iteration: int
    skipped: list = field(default_factory=list)

    def value(self) -> dict:
        return {"chain_id": self.chain_id, "signing_key": self.signing_key,
                "chain_key": self.chain_key, "iteration": self.iteration,
                "skipped": [{"iteration": i, "message_key": mk} for i, mk in self.skipped]}


def group_stored_checksum(state: bytes) -> bytes:
    """SPEC.md 15.6: SHA-256(0x20 || "hushwire/v1/stored-group-session" || state)."""
    return labelled_sha256(LABEL_STORED_GROUP, state)


class GroupSession:
    """SPEC.md 15: one member device's session of a group: our sender key and, per other
    member device (by address), the chains of its sender keys we hold, most recent first."""

    def __init__(self, group_id: bytes, local: Address, own: SenderKey, config: GroupConfig):
        self.group_id = group_id
        self.local = local
        self.own = own
        self.config = config
        self.members: dict[Address, list[ReceiverChain]] = {}

    # ---- SPEC.md 15.5 membership ---------------------------------------------------------

    def _check_new_member(self, address: Address, count: int) -> None:
        """SPEC.md 15.1: never our own address; at most 4096 other member devices."""
        if address == self.local:
            raise HushwireError("MisaddressedMessage", field="member")
        if address not in self.members and count + 1 > MAX_GROUP_MEMBERS:
            raise HushwireError("TooLarge", len=count + 1, max=MAX_GROUP_MEMBERS)

    @classmethod
    def create(cls, group_id: bytes, local: Address, others: list, rng,
               config: GroupConfig) -> "GroupSession":
        """SPEC.md 15.5 Create: the group id, our address, the other member devices; our
        sender key drawn (15.2)."""
        validate_group_id(group_id)
        validate_address(local)
        session = cls(group_id, local, None, config)
        for address in others:
            validate_address(address)
            session._check_new_member(address, len(session.members))
            session.members.setdefault(address, [])
        session.own = SenderKey.draw(rng)
        return session

    def distribution(self) -> Distribution:
        """SPEC.md 15.2 / 15.5: the distribution of our sender key as it is now."""
        return Distribution(self.group_id, self.own.chain_id, self.own.iteration,
                            self.own.chain_key, self.own.signing_key)

    def add(self, address: Address) -> Distribution:
        """SPEC.md 15.5 Add: the device joins the members with no chains; the distribution
        of our sender key as it is now goes to it alone."""
        validate_address(address)
        self._check_new_member(address, len(self.members))
        self.members.setdefault(address, [])  # already a member: left as it is
        return self.distribution()

    def rotate(self, rng) -> Distribution:
        """SPEC.md 15.5 Rotate: a new sender key (15.2), its distribution for every member."""
        self.own = SenderKey.draw(rng)
        return self.distribution()

    def remove(self, address: Address, rng) -> Distribution:
        """SPEC.md 15.5 Remove: its chains forgotten, our sender key rotated. Not a member:
        NotAGroupMember, nothing changes (nothing drawn)."""
        if address not in self.members:
            raise HushwireError("NotAGroupMember", device=address[1])
        del self.members[address]
        return self.rotate(rng)

    # ---- SPEC.md 15.2 taking a distribution in ------------------------------------------

    def process_distribution(self, sender: Address, dist: Distribution) -> str:
        """SPEC.md 15.2 process_distribution, first failure returned; nothing changes on a
        failure. Returns "added" or "already_held"."""
        if dist.group_id != self.group_id:                                         # 1
            raise HushwireError("WrongGroup")
        if sender not in self.members:                                             # 2
            raise HushwireError("NotAGroupMember", device=sender[1])
        chains = self.members[sender]
        for chain in chains:                                                       # 3
            if chain.chain_id == dist.chain_id:
                if hmac.compare_digest(chain.signing_key, dist.signing_key):
                    return "already_held"
                raise HushwireError("SenderKeyConflict", chain_id=dist.chain_id)
        chains.insert(0, ReceiverChain(dist.chain_id, dist.signing_key, dist.chain_key,  # 4
                                       dist.iteration, []))
        del chains[self.config.chain_limit:]
        return "added"

    # ---- SPEC.md 15.3 encryption -----------------------------------------------------------

    def encrypt(self, plaintext: bytes) -> tuple[bytes, bytes, bytes, bytes]:
        """SPEC.md 15.3 Encryption: (body, ciphertext, signature, encoded GroupMessage); the
        chain moves to n + 1. No random bytes are drawn."""
        if len(plaintext) + GROUP_MESSAGE_OVERHEAD > self.config.max_encoded_len:
            raise HushwireError("TooLarge", len=len(plaintext) + GROUP_MESSAGE_OVERHEAD,
                                max=self.config.max_encoded_len)
        n = self.own.iteration
        if n == U32_MAX:
            raise HushwireError("CounterExhausted")
        mk, next_ck = kdf_ck(self.own.chain_key)                   # 6.3
        key, nonce = group_message_key(mk)
        signing_key = self.own.signing_key
        aead_ad = group_aead_ad(self.group_id, self.local, self.own.chain_id, n, signing_key)
        ciphertext = aead_seal(key, nonce, aead_ad, plaintext)
        body = pb_encode(GROUP_MESSAGE_BODY, {
            "version": 1, "group_id": self.group_id, "sender_account": self.local[0],
            "sender_device": self.local[1], "chain_id": self.own.chain_id, "iteration": n,
            "ciphertext": ciphertext})
        signature = IdentityKeyPair(self.own.signing_seed).sign(
            signed_message(LABEL_GROUP_MESSAGE, body))
        message = pb_encode(GROUP_MESSAGE, {"body": body, "signature": signature})
        self.own.chain_key, self.own.iteration = next_ck, n + 1
        return body, ciphertext, signature, message

    # ---- SPEC.md 15.4 decryption -----------------------------------------------------------

    def decrypt(self, msg: GroupMessage) -> bytes:
        """SPEC.md 15.4 steps 1-7, first failure returned; nothing changes before step 7."""
        if msg.group_id != self.group_id:                                          # 1
            raise HushwireError("WrongGroup")
        if msg.sender not in self.members:                                         # 2
            raise HushwireError("NotAGroupMember", device=msg.sender[1])
        chain = next((c for c in self.members[msg.sender] if c.chain_id == msg.chain_id),
                     None)
        if chain is None:                                                          # 3
            raise HushwireError("UnknownSenderKey", chain_id=msg.chain_id)
        ed25519_verify_strict(chain.signing_key,                                   # 4
                              signed_message(LABEL_GROUP_MESSAGE, msg.body), msg.signature)
        n = msg.iteration
        stored = next((i for i, (it, _) in enumerate(chain.skipped) if it == n), None)
        if stored is not None:                                                     # 5
            mk, walked = chain.skipped[stored][1], None
        else:
            if n < chain.iteration:
                raise HushwireError("DuplicateMessage")
            if n == U32_MAX:
                raise HushwireError("CounterExhausted")
            if n - chain.iteration > self.config.max_group_skip:
                raise HushwireError("TooManySkippedMessages", skip=n - chain.iteration,
                                    max=self.config.max_group_skip)
            ck, skipped = chain.chain_key, []
            for i in range(chain.iteration, n):
                key_i, ck = kdf_ck(ck)
                skipped.append((i, key_i))
            mk, ck = kdf_ck(ck)
            walked = (ck, skipped)
        key, nonce = group_message_key(mk)                                         # 6
        aead_ad = group_aead_ad(self.group_id, msg.sender, msg.chain_id, n, chain.signing_key)
        plaintext = aead_open(key, nonce, aead_ad, msg.ciphertext)
        if walked is None:                                                         # 7
            del chain.skipped[stored]
        else:
            chain.chain_key, chain.iteration = walked[0], n + 1
            chain.skipped.extend(walked[1])
            excess = len(chain.skipped) - self.config.skipped_limit
            if excess > 0:
                del chain.skipped[:excess]
        return plaintext

    # ---- SPEC.md 15.6 stored form ----------------------------------------------------------

    def to_bytes(self) -> bytes:
        """SPEC.md 15.6: state || checksum, members by increasing address."""
        state = pb_encode(GROUP_SESSION_STATE, {
            "version": 1, "group_id": self.group_id, "local_account": self.local[0],
            "local_device": self.local[1], "chain_id": self.own.chain_id,
            "chain_key": self.own.chain_key, "iteration": self.own.iteration,
            "signing_seed": self.own.signing_seed,
            "members": [{"account_id": a[0], "device_id": a[1],
                         "chains": [c.value() for c in self.members[a]]}
                        for a in sorted(self.members)]})
        return state + group_stored_checksum(state)

    @classmethod
    def from_bytes(cls, data: bytes, config: GroupConfig) -> "GroupSession":
        """SPEC.md 15.6 Loading, first failure returned; then trimmed to K and C."""
        if len(data) > MAX_STORED_GROUP_LEN:
            raise HushwireError("TooLarge", len=len(data), max=MAX_STORED_GROUP_LEN)
        if len(data) < 32 or not hmac.compare_digest(group_stored_checksum(data[:-32]),
                                                     data[-32:]):
            raise HushwireError("SessionStateCorrupted")
        v = strict_decode(GROUP_SESSION_STATE, data[:-32], MAX_STORED_GROUP_LEN)
        check_version(v)
        validate_group_id(v["group_id"])
        local = validate_address((v["local_account"], v["local_device"]))
        require_len(v["chain_key"], 32, "chain_key")
        require_len(v["signing_seed"], 32, "signing_seed")
        if len(v["members"]) > MAX_GROUP_MEMBERS:
            raise HushwireError("InvalidSessionState")
        session = cls(v["group_id"], local,
                      SenderKey(v["chain_id"], v["chain_key"], v["iteration"],
                                v["signing_seed"]), config)
        previous = None
        for m in v["members"]:
            address = validate_address((m["account_id"], m["device_id"]))
            if address == local or (previous is not None and not address > previous):
                raise HushwireError("InvalidSessionState")
            previous = address
            if len(m["chains"]) > MAX_SENDER_KEY_CHAINS_CEILING:
                raise HushwireError("InvalidSessionState")
            chains, ids = [], set()
            for c in m["chains"]:
                if c["chain_id"] in ids or len(c["skipped"]) > MAX_GROUP_SKIPPED_CEILING:
                    raise HushwireError("InvalidSessionState")
                ids.add(c["chain_id"])
                validate_identity_key(c["signing_key"], "members.chains.signing_key")
                require_len(c["chain_key"], 32, "members.chains.chain_key")
                last = None
                for k in c["skipped"]:
                    if not k["iteration"] < c["iteration"] or (
                            last is not None and not k["iteration"] > last):
                        raise HushwireError("InvalidSessionState")
                    last = k["iteration"]
                    require_len(k["message_key"], 32, "members.chains.skipped.message_key")
                chains.append(ReceiverChain(c["chain_id"], c["signing_key"], c["chain_key"],
                                            c["iteration"],
                                            [(k["iteration"], k["message_key"])
                                             for k in c["skipped"]]))
            session.members[address] = chains
        for chains in session.members.values():  # a lower limit never makes it unloadable
            for chain in chains:
                if len(chain.skipped) > config.skipped_limit:
                    del chain.skipped[:len(chain.skipped) - config.skipped_limit]
            del chains[config.chain_limit:]
        return session


# =====================================================================================
# SPEC.md 16 -- attachments
# =====================================================================================

INFO_ATTACHMENT = b"hushwire/v1/attachment"                    # SPEC.md 16.2 (22 bytes)
ATTACHMENT_VERSION = 1                                         # SPEC.md 16.2 header[0]
ATTACHMENT_HEADER_LEN = 67                                     # SPEC.md 16.2: 3 + 32 + 32
ATTACHMENT_TAG_LEN = 16                                        # SPEC.md 2.3
MIN_SEGMENT_LOG2, MAX_SEGMENT_LOG2 = 6, 20                     # SPEC.md 16.2 (k)
DEFAULT_SEGMENT_LOG2 = 16                                      # SPEC.md 16.2
PADDING_NONE, PADDING_PADME = 0, 1                             # SPEC.md 16.2 header[2]
MAX_ATTACHMENT_SIZE = 2**40                                    # SPEC.md 16.5 (size)
MAX_POINTER_LEN = 17408                                        # SPEC.md 16.5 (max_len)
MAX_CONTENT_TYPE_LEN = 127                                     # SPEC.md 16.5
MAX_FILE_NAME_LEN = 255                                        # SPEC.md 16.5
MAX_THUMBNAIL_LEN = 16384                                      # SPEC.md 16.5

ATTACHMENT_POINTER = {                                         # SPEC.md 16.5
    1: ("version", "uint32", "plain"),
    2: ("file_key", "bytes", "plain"),
    3: ("ciphertext_sha256", "bytes", "plain"),
    4: ("size", "uint64", "plain"),
    5: ("content_type", "string", "plain"),
    6: ("file_name", "string", "optional"),
    7: ("thumbnail", "bytes", "optional"),
}
PAYLOAD = {                                                    # SPEC.md 16.6
    1: ("application", "bytes", "optional", "content"),
    2: ("attachment", ATTACHMENT_POINTER, "message", "content"),
}


def padme(length: int) -> int:
    """SPEC.md 16.3: the PADMÉ length."""
    if length < 2:
        return length
    e = length.bit_length() - 1           # ⌊log2 L⌋
    s = e.bit_length()                    # ⌊log2 E⌋ + 1 (E ≥ 1)
    mask = (1 << (e - s)) - 1
    return (length + mask) & ~mask


def padded_length(length: int, padding: int) -> int:
    """SPEC.md 16.2: P (= L without padding)."""
    return padme(length) if padding == PADDING_PADME else length


def segment_count(padded: int, segment_size: int) -> int:
    """SPEC.md 16.2: n = max(1, ⌈P / S⌉)."""
    return max(1, -(-padded // segment_size))


def segment_plain_len(i: int, n: int, padded: int, segment_size: int) -> int:
    """SPEC.md 16.2: S for segments 0 … n − 2, P − (n − 1)·S for the final one."""
    return segment_size if i < n - 1 else padded - (n - 1) * segment_size


def attachment_nonce(i: int, final: bool) -> bytes:
    """SPEC.md 16.2: nonce_i = 0x000000 || u64(i) || u8(final)."""
    return b"\x00\x00\x00" + u64(i) + u8(1 if final else 0)


def attachment_info(header_prefix: bytes) -> bytes:
    """SPEC.md 16.2: info = "hushwire/v1/attachment" || header[0..3]."""
    return INFO_ATTACHMENT + header_prefix


def attachment_keys(file_key: bytes, header_prefix: bytes, salt: bytes) -> tuple[bytes, bytes]:
    """SPEC.md 16.2: (payload_key, commitment) = HKDF(salt, K, info, 64) split 32 / 32."""
    okm = hkdf(salt, file_key, attachment_info(header_prefix), 64)
    return okm[:32], okm[32:]


def encrypted_file_len(padded: int, segment_size: int) -> int:
    """SPEC.md 16.2: 67 + P + 16·n."""
    return ATTACHMENT_HEADER_LEN + padded + ATTACHMENT_TAG_LEN * segment_count(padded,
                                                                               segment_size)


# ---- SPEC.md 16.5: the attachment pointer ------------------------------------------------

@dataclass
class AttachmentPointer:
    file_key: bytes
    ciphertext_sha256: bytes
    size: int
    content_type: str
    file_name: Optional[str] = None
    thumbnail: Optional[bytes] = None

    def value(self) -> dict:
        return {"version": ATTACHMENT_VERSION, "file_key": self.file_key,
                "ciphertext_sha256": self.ciphertext_sha256, "size": self.size,
                "content_type": self.content_type, "file_name": self.file_name,
                "thumbnail": self.thumbnail}

    def encode(self) -> bytes:
        """SPEC.md 16.5 (encoding): fields 1 to 7 in order, defaults omitted."""
        return pb_encode(ATTACHMENT_POINTER, self.value())


def invalid_pointer(reason: str) -> HushwireError:
    return HushwireError("InvalidAttachmentPointer", reason=reason)


_RESTRICTED_NAME_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789")
_RESTRICTED_NAME_CHARS = _RESTRICTED_NAME_FIRST | frozenset("!#$&-^_.+")


def _is_restricted_name(part: str) -> bool:
    """SPEC.md 16.5 / RFC 6838 4.2: restricted-name (an ASCII letter or digit, then ASCII
    letters, digits and ! # $ & - ^ _ . +)."""
    return (len(part) >= 1 and part[0] in _RESTRICTED_NAME_FIRST
            and all(c in _RESTRICTED_NAME_CHARS for c in part[1:]))


def check_content_type(content_type: str) -> None:
    """SPEC.md 16.5: content type, at most 127 bytes, exactly type "/" subtype."""
    if len(content_type.encode("utf-8")) > MAX_CONTENT_TYPE_LEN:
        raise invalid_pointer("content type too long")
    parts = content_type.split("/")
    if len(parts) != 2 or not all(_is_restricted_name(p) for p in parts):
        raise invalid_pointer("content type is not type/subtype")


_BIDI_CONTROLS = frozenset([0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F),
                            *range(0x2066, 0x206A)])


def check_file_name(name: str) -> None:
    """SPEC.md 16.5: file name, the checks in the order listed."""
    if not name:
        raise invalid_pointer("empty file name")
    if len(name.encode("utf-8")) > MAX_FILE_NAME_LEN:
        raise invalid_pointer("file name too long")
    if name in (".", ".."):
        raise invalid_pointer("file name is . or ..")
    if any(c in "/\\:" for c in name):
        raise invalid_pointer("file name has a path separator")
    if any(ord(c) <= 0x1F or 0x7F <= ord(c) <= 0x9F or ord(c) in (0x2028, 0x2029)
           for c in name):
        raise invalid_pointer("file name has a control character")
    if any(ord(c) in _BIDI_CONTROLS for c in name):
        raise invalid_pointer("file name has a bidirectional control")
    if any(lo <= ord(c) <= hi for c in name for lo, hi in _INVISIBLE_RANGES):
        raise invalid_pointer("file name has an invisible character")
    if name.endswith((".", " ")):
        raise invalid_pointer("file name ends with a dot or a space")
    stem = "".join(c.upper() if "a" <= c <= "z" else c for c in name.split(".")[0])
    if stem in ("CON", "PRN", "AUX", "NUL") or (
            len(stem) == 4 and stem[:3] in ("COM", "LPT")
            and (stem[3] in "0123456789" or stem[3] in "\u00b9\u00b2\u00b3")):
        raise invalid_pointer("file name is a device name")


def check_thumbnail(thumbnail: bytes) -> None:
    """SPEC.md 16.5: thumbnail, not empty, at most 16384 bytes."""
    if not thumbnail:
        raise invalid_pointer("empty thumbnail")
    if len(thumbnail) > MAX_THUMBNAIL_LEN:
        raise invalid_pointer("thumbnail too large")


def check_pointer_value(v: dict) -> AttachmentPointer:
    """SPEC.md 16.5 decoding, after strict decoding: the checks in order."""
    check_version(v)
    require_len(v["file_key"], 32, "file_key")
    require_len(v["ciphertext_sha256"], 32, "ciphertext_sha256")
    if v["size"] > MAX_ATTACHMENT_SIZE:
        raise invalid_pointer("size over 2^40 bytes")
    if not v["content_type"]:
        raise HushwireError("MissingField", field="content_type")
    check_content_type(v["content_type"])
    if v["file_name"] is not None:
        check_file_name(v["file_name"])
    if v["thumbnail"] is not None:
        check_thumbnail(v["thumbnail"])
    return AttachmentPointer(v["file_key"], v["ciphertext_sha256"], v["size"],
                             v["content_type"], v["file_name"], v["thumbnail"])


def decode_pointer(data: bytes) -> AttachmentPointer:
    """SPEC.md 16.5: strict decoding (max_len 17408, constant-time re-encoding comparison),
    then the checks."""
    return check_pointer_value(strict_decode(ATTACHMENT_POINTER, data, MAX_POINTER_LEN))


# ---- SPEC.md 16.6: payload -------------------------------------------------------------

def encode_payload(application: Optional[bytes] = None,
                   attachment: Optional[AttachmentPointer] = None) -> bytes:
    """SPEC.md 16.6: exactly one member, always written (empty application is 0a 00)."""
    assert (application is None) != (attachment is None)
    return pb_encode(PAYLOAD, {"application": application,
                               "attachment": None if attachment is None
                               else attachment.value()})


def decode_payload(data: bytes):
    """SPEC.md 16.6 decoding: strict decoding without a length limit of its own; `content`
    set; an attachment's encoding at most 17408 bytes, then 16.5's strict decoding and checks.
    Returns ("application", bytes) or ("attachment", AttachmentPointer)."""
    v = strict_decode(PAYLOAD, data, len(data))
    if v["application"] is not None:
        return "application", v["application"]
    if v["attachment"] is None:
        raise HushwireError("MissingField", field="content")
    # The pointer's encoding: canonical, since the Payload's re-encoding equalled the input.
    return "attachment", decode_pointer(pb_encode(ATTACHMENT_POINTER, v["attachment"]))


# ---- SPEC.md 16.1, 16.2: sealing ---------------------------------------------------------

@dataclass
class SealedAttachment:
    file_key: bytes
    salt: bytes
    header: bytes
    padded_len: int
    segments: list          # (nonce, associated data, plaintext, ciphertext)
    ciphertext: bytes
    pointer: AttachmentPointer


def seal_attachment(rng_bytes: Callable[[int], bytes], plaintext: bytes, segment_log2: int,
                    padding: int, content_type: str, file_name: Optional[str],
                    thumbnail: Optional[bytes]) -> SealedAttachment:
    """SPEC.md 16.1 / 16.2: K = rng(32), salt = rng(32), the header, the segments, and the
    pointer (16.5) naming the file. SPEC.md 8.1: more than 2^40 bytes is TooLarge (checked
    here before anything is drawn; SPEC.md does not say when). The pointer's content rules
    and k are not checked here: SPEC.md does not say whether sealing checks them (the
    caller, run_attachment, decodes and opens what was sealed)."""
    if len(plaintext) > MAX_ATTACHMENT_SIZE:
        raise HushwireError("TooLarge", len=len(plaintext), max=MAX_ATTACHMENT_SIZE)
    file_key = rng_bytes(32)                                   # 16.1: K first
    salt = rng_bytes(32)                                       # then the salt
    prefix = u8(ATTACHMENT_VERSION) + u8(segment_log2) + u8(padding)
    payload_key, commitment = attachment_keys(file_key, prefix, salt)
    header = prefix + salt + commitment
    segment_size = 1 << segment_log2
    padded = padded_length(len(plaintext), padding)
    stream = plaintext + bytes(padded - len(plaintext))
    n = segment_count(padded, segment_size)
    segments, out = [], bytearray(header)
    for i in range(n):
        start = i * segment_size
        chunk = stream[start:start + segment_plain_len(i, n, padded, segment_size)]
        nonce = attachment_nonce(i, i == n - 1)
        ad = attachment_ad(i, n, len(plaintext))
        sealed = aead_seal(payload_key, nonce, ad, chunk)
        segments.append((nonce, ad, chunk, sealed))
        out += sealed
    ciphertext = bytes(out)
    assert len(ciphertext) == encrypted_file_len(padded, segment_size)
    pointer = AttachmentPointer(file_key, hashlib.sha256(ciphertext).digest(), len(plaintext),
                                content_type, file_name, thumbnail)
    return SealedAttachment(file_key, salt, header, padded, segments, ciphertext, pointer)


# ---- SPEC.md 16.4: opening --------------------------------------------------------------

def _open_header(pointer: AttachmentPointer, data: bytes) -> tuple[bytes, int, int]:
    """SPEC.md 16.4 steps 1 to 4 -> (payload_key, segment size S, padding code)."""
    if len(data) < ATTACHMENT_HEADER_LEN:                                       # 1
        raise HushwireError("AttachmentTruncated", segment=0)
    header = data[:ATTACHMENT_HEADER_LEN]
    if header[0] != ATTACHMENT_VERSION:                                         # 2
        raise HushwireError("UnsupportedVersion", found=header[0])
    if not MIN_SEGMENT_LOG2 <= header[1] <= MAX_SEGMENT_LOG2:                   # 3
        raise HushwireError("InvalidAttachmentHeader", reason="segment size")
    if header[2] not in (PADDING_NONE, PADDING_PADME):
        raise HushwireError("InvalidAttachmentHeader", reason="padding")
    payload_key, commitment = attachment_keys(pointer.file_key, header[0:3],   # 4
                                              header[3:35])
    if not hmac.compare_digest(commitment, header[35:67]):
        raise HushwireError("AttachmentWrongKey")
    return payload_key, 1 << header[1], header[2]


def attachment_ad(i: int, n: int, size: int) -> bytes:
    """SPEC.md 16.2 ad_i: u64(L) for the final segment, empty for the others."""
    return size.to_bytes(8, "big") if i == n - 1 else b""


def _open_segment(payload_key: bytes, i: int, n: int, sealed: bytes, size: int) -> bytes:
    """SPEC.md 16.4 step 5b."""
    try:
        return ChaCha20Poly1305(payload_key).decrypt(attachment_nonce(i, i == n - 1),
                                                     sealed, attachment_ad(i, n, size))
    except InvalidTag:
        raise HushwireError("AttachmentSegmentInvalid", segment=i) from None


def _check_padding(plain: bytes, start: int, size: int) -> None:
    """SPEC.md 16.4 step 5d: plaintext bytes at stream positions ≥ L are zero."""
    first_padding = max(0, size - start)
    if any(plain[first_padding:]):
        raise HushwireError("InvalidAttachmentPadding")


def open_attachment(pointer: AttachmentPointer, data: bytes) -> bytes:
    """SPEC.md 16.4: the streaming opener, steps 1 to 6, first failure returned."""
    payload_key, segment_size, padding = _open_header(pointer, data)           # 1-4
    size = pointer.size
    padded = padded_length(size, padding)                                       # 5
    n = segment_count(padded, segment_size)
    digest = hashlib.sha256(data[:ATTACHMENT_HEADER_LEN])
    pos, stream = ATTACHMENT_HEADER_LEN, bytearray()
    for i in range(n):
        final = i == n - 1
        seg_len = segment_plain_len(i, n, padded, segment_size) + ATTACHMENT_TAG_LEN
        if len(data) - pos < seg_len:                                           # a
            raise HushwireError("AttachmentTruncated", segment=i)
        sealed = data[pos:pos + seg_len]
        plain = _open_segment(payload_key, i, n, sealed, size)                  # b
        pos += seg_len
        digest.update(sealed)
        if final and pos != len(data):                                          # c
            raise HushwireError("AttachmentTrailingData")
        _check_padding(plain, i * segment_size, size)                           # d
        if final and not hmac.compare_digest(digest.digest(),                  # e
                                             pointer.ciphertext_sha256):
            raise HushwireError("AttachmentDigestMismatch")
        stream += plain
    return bytes(stream[:size])                                                 # 6


def read_attachment_range(pointer: AttachmentPointer, data: bytes, offset: int,
                          length: int) -> bytes:
    """SPEC.md 16.4 "Random access": steps 1 to 4, the total length, then only the segments
    under [offset, offset + length), each with steps 5b and 5d. No digest (5e).
    SPEC.md 16.4 does not say what a range past the end reads; attachment.json's `len` is
    "clamped at the end" (its fields table): the range is cut at L, and an empty range
    (len 0, or offset ≥ L) reads nothing and decrypts no segment."""
    payload_key, segment_size, padding = _open_header(pointer, data)
    size = pointer.size
    padded = padded_length(size, padding)
    n = segment_count(padded, segment_size)
    expected = encrypted_file_len(padded, segment_size)
    if len(data) < expected:
        raise HushwireError("AttachmentTruncated",
                            segment=(len(data) - ATTACHMENT_HEADER_LEN)
                            // (segment_size + ATTACHMENT_TAG_LEN))
    if len(data) > expected:
        raise HushwireError("AttachmentTrailingData")
    end = min(offset + length, size)
    if offset >= end:
        return b""
    out = bytearray()
    for i in range(offset // segment_size, (end - 1) // segment_size + 1):
        start = ATTACHMENT_HEADER_LEN + i * (segment_size + ATTACHMENT_TAG_LEN)
        seg_len = segment_plain_len(i, n, padded, segment_size) + ATTACHMENT_TAG_LEN
        plain = _open_segment(payload_key, i, n, data[start:start + seg_len], size)  # 5b
        _check_padding(plain, i * segment_size, size)                           # 5d
        out += plain
    first = (offset // segment_size) * segment_size
    return bytes(out[offset - first:end - first])


# =====================================================================================
# Vector runners: one function per file; each returns ("output", dict) or ("error", kind)
# =====================================================================================

def h(b: bytes) -> str:
    """test-vectors/README.md: byte strings are lowercase hex."""
    return b.hex()


def unhex(s: Optional[str]) -> Optional[bytes]:
    """test-vectors/README.md: lowercase hex to bytes (None stays None)."""
    return None if s is None else bytes.fromhex(s)


def run_identity(inp: dict) -> dict:
    """identity.json: SPEC.md 3.1 (generation from a seed; validation of received keys)."""
    if "seed" in inp:
        pair = IdentityKeyPair(unhex(inp["seed"]))
        pub = pair.public
        # SPEC.md 3.1: the Montgomery form equals X25519(SHA-512(seed)[0..32], 9)
        if pub.x != x25519_public(pair.x_secret):
            raise AssertionError("3.1: birational map and X25519(ik.x, 9) disagree")
        return {"ed25519_public": h(pub.encoded), "x25519_public": h(pub.x),
                "x25519_secret": h(pair.x_secret)}
    ik = validate_identity_key(unhex(inp["identity_key"]), "identity_key")
    return {"x25519_public": h(ik.x)}


def run_signed_prekey(inp: dict) -> dict:
    """signed_prekey.json: SPEC.md 3.2, 4.1 (signing), 4.2 / 2.1 (verification)."""
    if "verify" in inp:
        v = inp["verify"]
        verify_signed_prekey(unhex(v["identity_key"]), v["id"], v["created_at"],
                             unhex(v["public_key"]), unhex(v["signature"]))
        return {"valid": True}
    pair = IdentityKeyPair(unhex(inp["seed"]))
    msg, sig = sign_signed_prekey(pair, inp["id"], inp["created_at"], unhex(inp["public_key"]))
    return {"identity_key": h(pair.public.encoded), "signature": h(sig),
            "signed_message": h(msg)}


def run_prekey_bundle(inp: dict) -> dict:
    """prekey_bundle.json: SPEC.md 7.5 encoding from the owner's keys; 4.2 decoding and
    validation of a received bundle (steps 1-8, first error wins)."""
    if "decode" in inp:
        d = inp["decode"]
        bundle = decode_and_validate_bundle(unhex(d["bytes"]), Config(max_encoded_len=d["max_encoded_len"]))
        data = None
    else:
        e = inp["encode"]
        pair = IdentityKeyPair(unhex(e["identity_seed"]))
        spk_in = e["signed_prekey"]
        spk_public = x25519_public(unhex(spk_in["secret"]))                # 4.1 step 1
        _, sig = sign_signed_prekey(pair, spk_in["id"], spk_in["created_at"], spk_public)
        otk = None
        if e["one_time_prekey"] is not None:
            o = e["one_time_prekey"]
            otk = (o["id"], validate_x25519_public(unhex(o["public_key"]), "x25519_public_key"))
        bundle = VerifiedBundle(pair.public, SignedPreKey(spk_in["id"], spk_in["created_at"],
                                                          spk_public, sig), otk)
        data = encode_bundle(bundle.identity, bundle.signed_prekey, bundle.one_time_prekey)
    spk = bundle.signed_prekey
    out = {
        "identity_key": h(bundle.identity.encoded),
        "one_time_prekey": None if bundle.one_time_prekey is None else
        {"id": bundle.one_time_prekey[0], "public_key": h(bundle.one_time_prekey[1])},
        "signed_prekey": {"created_at": spk.created_at, "id": spk.id,
                          "public_key": h(spk.public_key), "signature": h(spk.signature)},
    }
    if data is not None:
        out["bytes"] = h(data)
    return out


def run_x3dh(inp: dict) -> dict:
    """x3dh.json: SPEC.md 5.2-5.4 (both columns of 5.3 must agree)."""
    alice = IdentityKeyPair(unhex(inp["alice_seed"]))
    bob = IdentityKeyPair(unhex(inp["bob_seed"]))
    spk_secret = unhex(inp["bob_signed_prekey_secret"])
    opk_secret = unhex(inp["bob_one_time_prekey_secret"])
    spk_public = x25519_public(spk_secret)
    opk_public = None if opk_secret is None else x25519_public(opk_secret)
    if "alice_base_public_override" in inp:
        # the responder validates the received base key (7.4 / 2.2) before X3DH
        ek_public = validate_x25519_public(unhex(inp["alice_base_public_override"]), "base_key")
        x3dh_responder(bob, spk_secret, opk_secret, alice.public, ek_public)
        raise AssertionError("a refused base key was accepted")
    ek = unhex(inp["alice_base_secret"])
    ek_public = x25519_public(ek)
    bundle = VerifiedBundle(bob.public, SignedPreKey(0, 0, spk_public, b""),
                            None if opk_public is None else (0, opk_public))
    a_side = x3dh_initiator(alice, ek, bundle)
    b_side = x3dh_responder(bob, spk_secret, opk_secret,
                            validate_identity_key(alice.public.encoded, "identity_key"),
                            validate_x25519_public(ek_public, "base_key"))
    if a_side != b_side:
        raise AssertionError("5.3: initiator and responder columns disagree")
    return {
        "alice_base_public": h(ek_public),
        "alice_identity_key": h(alice.public.encoded),
        "associated_data": h(a_side.ad),
        "bob_identity_key": h(bob.public.encoded),
        "bob_one_time_prekey_public": None if opk_public is None else h(opk_public),
        "bob_signed_prekey_public": h(spk_public),
        "dh": [h(d) for d in a_side.dh],
        "shared_key": h(a_side.sk),
    }


def run_kdf(inp: dict) -> dict:
    """kdf.json: SPEC.md 6.2, 6.3, 6.4."""
    if "kdf_rk" in inp:
        rk, ck = kdf_rk(unhex(inp["kdf_rk"]["root_key"]), unhex(inp["kdf_rk"]["dh_output"]))
        return {"chain_key": h(ck), "next_root_key": h(rk)}
    if "kdf_ck" in inp:
        ck = unhex(inp["kdf_ck"]["chain_key"])
        chain = []
        for i in range(inp["kdf_ck"]["steps"]):
            mk, ck = kdf_ck(ck)
            chain.append({"index": i, "message_key": h(mk), "next_chain_key": h(ck)})
        return {"chain": chain}
    key, nonce = message_key_material(unhex(inp["message_key"]))
    return {"aead_key": h(key), "aead_nonce": h(nonce)}


def run_message(inp: dict) -> dict:
    """message.json: SPEC.md 6.4, 6.5 (associated data, seal; open with a given AD)."""
    header = encode_header(unhex(inp["ratchet_key"]), inp["previous_counter"], inp["counter"])
    aead_ad = aead_associated_data(unhex(inp["x3dh_ad"]), header, unhex(inp.get("prekey_info")))
    mk = unhex(inp["message_key"])
    if "open" in inp:
        return {"plaintext": h(open_message(mk, aead_ad, unhex(inp["open"])))}
    return {"aead_associated_data": h(aead_ad),
            "ciphertext": h(seal_message(mk, aead_ad, unhex(inp["plaintext"])))}


def run_envelope(inp: dict) -> dict:
    """envelope.json: SPEC.md 7.1-7.4 decoding, with 8.4's max_encoded_len."""
    config = Config(max_encoded_len=inp["max_encoded_len"])
    msg = decode_envelope(unhex(inp["bytes"]), config)

    def ratchet(m: RatchetMessage) -> dict:  # SPEC.md 7.3 fields as decoded
        return {"ciphertext": h(m.ciphertext), "counter": m.counter,
                "previous_counter": m.previous_counter, "ratchet_key": h(m.ratchet_key)}
    if isinstance(msg, PreKeyMessage):
        return {"prekey": {"base_key": h(msg.base_key),
                           "identity_key": h(msg.identity_key.encoded),
                           "message": ratchet(msg.message),
                           "one_time_prekey_id": msg.one_time_prekey_id,
                           "signed_prekey_id": msg.signed_prekey_id}}
    return {"ratchet": ratchet(msg)}


def run_session_state(inp: dict) -> dict:
    """session_state.json: SPEC.md 9.2 loading (the case's limits, 8.4 defaults otherwise),
    9.1 re-encoding; 6.7 encryption from the loaded state when the case has `encrypt`."""
    session = Session.from_bytes(unhex(inp["state"]), config_of(inp.get("config")))
    if "encrypt" in inp:  # SPEC.md 6.7 from the loaded state, then 9.1 again
        envelope = session.encrypt(unhex(inp["encrypt"]))
        return {"envelope": h(envelope), "reencoded": h(session.to_bytes())}
    return {"initiator": session.initiator, "local_identity": h(session.local.encoded),
            "receiving_chains": len(session.ratchet.receiving), "reencoded": h(session.to_bytes()),
            "remote_identity": h(session.remote.encoded),
            "session_id": h(session.session_id),
            "skipped_keys": len(session.ratchet.skipped)}


def config_of(limits: Optional[dict]) -> Config:
    """test-vectors/README.md: a case's optional `config` object, each limit optional
    (SPEC.md 8.4 defaults otherwise)."""
    for key in limits or {}:
        assert key in ("max_skip", "max_skipped_keys", "max_receiving_chains",
                       "max_retired_chains", "max_encoded_len"), key
    return Config(**(limits or {}))


def run_transcript(inp: dict, hybrid: bool = False) -> dict:
    """transcript.json: whole sessions (test-vectors/README.md "Transcripts"; SPEC.md 5-9).
    With `hybrid`, pqxdh.json's transcripts (test-vectors/README.md, pqxdh.json; SPEC.md 18):
    Bob also has a KEM prekey, Config::default() (post_quantum Required), the `edit` op,
    errors recorded with their values, and `bundle` and `first_message` in the output."""
    if hybrid:
        take(inp, ("alice_rng_seed", "bob_rng_seed", "one_time_prekey", "kem_last_resort",
                   "script"))
        config = Config()
    else:
        # classic transcripts: no KEM prekey, so post_quantum Optional (SPEC.md 18.4); the
        # vectors' README does not say which policy these files were made under
        config = dataclasses.replace(config_of(inp.get("config")),
                                     post_quantum=POST_QUANTUM_OPTIONAL)
    if "max_skip" in inp:
        config = dataclasses.replace(config, max_skip=inp["max_skip"])
    withhold = set(inp.get("withhold", []))
    rngs = {"alice": ChaCha20Rng(unhex(inp["alice_rng_seed"])),
            "bob": ChaCha20Rng(unhex(inp["bob_rng_seed"]))}

    # Bob: identity, signed prekey (id 1, created_at 1750000000), optional one-time prekey (id 1)
    bob = generate_identity(rngs["bob"])
    store = PreKeyStore()
    spk_secret, spk = generate_signed_prekey(bob, 1, 1750000000, rngs["bob"])
    if "signed_prekey" not in withhold:  # published in the bundle, kept out of the store
        store.signed[spk.id] = (spk_secret, spk.public_key)
    otk = None
    if inp["one_time_prekey"]:
        otk_secret, otk_public = generate_one_time_prekey(rngs["bob"])
        if "one_time_prekey" not in withhold:
            store.one_time[1] = (otk_secret, otk_public)
        otk = (1, otk_public)
    kem = None
    if hybrid:  # SPEC.md 18.1: KEM prekey id 1, created 1750000000, one rng(64)
        dk, kem = generate_kem_prekey(bob, 1, 1750000000, inp["kem_last_resort"],
                                      rngs["bob"].draw(KEM_SEED_LEN))
        store.kem[kem.id] = (dk, kem.last_resort)
    bundle_bytes = encode_bundle(bob.public, spk, otk, None, kem)

    # Alice: identity, then initiate with Bob's (decoded and validated) bundle
    alice = generate_identity(rngs["alice"])
    verified_bundle = decode_and_validate_bundle(bundle_bytes, config)
    sessions: dict[str, Optional[Session]] = {
        "alice": Session.initiate(alice, verified_bundle, rngs["alice"], config),
        "bob": None,
    }
    identities = {"alice": alice, "bob": bob}

    envelopes, deliveries = [], []
    for op in inp["script"]:
        if op["op"] == "send":
            data = sessions[op["from"]].encrypt(op["text"].encode("utf-8"))
            envelopes.append({"bytes": h(data), "from": op["from"], "index": len(envelopes) + 1})
            continue
        if op["op"] == "initiate":  # Alice starts over from Bob's bundle (a new base key)
            sessions["alice"] = Session.initiate(alice, verified_bundle, rngs["alice"], config)
            continue
        env = envelopes[op["envelope"] - 1]
        if op["op"] == "forge":  # the same envelope with its header counter N replaced
            msg = decode_envelope(unhex(env["bytes"]), config)
            if isinstance(msg, PreKeyMessage):
                msg = dataclasses.replace(
                    msg, message=dataclasses.replace(msg.message, counter=op["counter"]))
            else:
                msg = dataclasses.replace(msg, counter=op["counter"])
            envelopes.append({"bytes": h(encode_envelope(msg)), "from": env["from"],
                              "index": len(envelopes) + 1})
            continue
        if op["op"] == "edit":  # pqxdh.json: the PreKeyMessage with its kem field edited
            assert hybrid, op
            take(op, ("op", "envelope", "kem"))
            msg = decode_envelope(unhex(env["bytes"]), config)
            assert isinstance(msg, PreKeyMessage) and msg.kem is not None, op
            if op["kem"] is None:
                kem_field = None
            else:
                take(op["kem"], (), ("prekey_id", "ciphertext"))
                kem_field = (op["kem"].get("prekey_id", msg.kem[0]),
                             unhex(op["kem"]["ciphertext"]) if "ciphertext" in op["kem"]
                             else msg.kem[1])
            msg = dataclasses.replace(msg, kem=kem_field)
            envelopes.append({"bytes": h(encode_envelope(msg)), "from": env["from"],
                              "index": len(envelopes) + 1})
            continue
        assert op["op"] in ("deliver", "accept"), op
        receiver = "bob" if env["from"] == "alice" else "alice"
        result = {"envelope": op["envelope"]}
        try:
            msg = decode_envelope(unhex(env["bytes"]), config)
            if op["op"] == "accept" or sessions[receiver] is None:  # accept (5.4)
                if not isinstance(msg, PreKeyMessage):
                    raise AssertionError("transcript: a RatchetMessage before any session")
                sessions[receiver], plaintext = Session.accept(
                    identities[receiver], store, msg, rngs[receiver], config)
            else:
                plaintext = sessions[receiver].decrypt(msg, rngs[receiver])
            result["plaintext"] = plaintext.decode("utf-8")
        except HushwireError as e:
            if hybrid:  # pqxdh.json records errors with their SPEC.md 8.1 values
                result.update(error_json(e))
            else:
                result["error"] = e.kind
        deliveries.append(result)

    states = {who: s.to_bytes() for who, s in sessions.items() if s is not None}
    for who, state in states.items():
        # SPEC.md 9.2: loading a state within the limits and re-encoding it is the identity
        if Session.from_bytes(state, config).to_bytes() != state:
            raise AssertionError(f"9.2: {who}'s final state does not reload byte for byte")
    extra = {}
    if hybrid:
        extra = {"bundle": h(bundle_bytes),
                 "first_message": first_message_of(rngs["alice"].draws, verified_bundle,
                                                   unhex(envelopes[0]["bytes"]), config)}
    return {**extra,
        "alice_state": h(states["alice"]),
        "bob_state": h(states["bob"]) if "bob" in states else None,
        "deliveries": deliveries,
        "envelopes": envelopes,
        "rng_draws": {who: [h(d) for d in rng.draws] for who, rng in rngs.items()},
    }


VERIFICATION_TIME = 1800000000  # test-vectors/README.md: every time unless an input says otherwise


def take(obj: dict, required: tuple, optional: tuple = ()) -> dict:
    """test-vectors/README.md (verification.json): an input object is refused with unknown
    or missing keys."""
    keys = set(obj)
    missing, unknown = set(required) - keys, keys - set(required) - set(optional)
    if missing or unknown:
        raise AssertionError(f"input keys: missing {sorted(missing)}, unknown {sorted(unknown)}")
    return obj


def generator_seed(n: int) -> bytes:
    """The vectors' "seed n" byte pattern (inferred from the files, e.g. kdf.json's
    "seed 40" = d8d9da..f7): byte i is (31 n + i) mod 256."""
    return bytes((31 * n + i) % 256 for i in range(32))


def safety_number_of(inp: dict) -> SafetyNumber:
    """verification.json `safety_number`: SafetyNumber::new between two seeds' identities."""
    take(inp, ("local_seed", "local_id", "remote_seed", "remote_id"))
    return SafetyNumber.new(IdentityKeyPair(unhex(inp["local_seed"])).public, unhex(inp["local_id"]),
                            IdentityKeyPair(unhex(inp["remote_seed"])).public, unhex(inp["remote_id"]))


def trust_record_json(record: TrustRecord) -> dict:
    """verification.json: a loaded TrustRecord as the file writes it."""
    if record.level[0] == "unverified":
        level = {"unverified": {}}
    elif record.level[0] == "verified":
        level = {"verified": {"method": METHOD_NAMES[record.level[1]],
                              "verified_at": record.level[2]}}
    else:
        level = {"changed": {"previous_identity_key": h(record.level[1]),
                             "previous_was_verified": record.level[2]}}
    return {"first_seen": record.first_seen, "identity_key": h(record.identity_key),
            "level": level}


def load_record(data: Optional[str]) -> Optional[TrustRecord]:
    """verification.json: a record given as hex (None = no record)."""
    return None if data is None else TrustRecord.from_bytes(unhex(data))


SAS_DEVIATIONS = ("foreign_transaction", "replayed_start", "peer_cancel", "timeout",
                  "substituted_responder_key", "mac_before_key", "mismatch",
                  "tampered_starter_mac", "reflected_responder_mac", "early_macs")


class _SasEnded(Exception):
    """The exchange ended at one side's step (test-vectors/README.md `cancelled`)."""

    def __init__(self, side: str, error: HushwireError):
        super().__init__(side)
        self.side, self.error = side, error


def _sas_step(side: SasSide, fn: Callable, *args):
    """Run one step of one side; a VerificationCancelled ends the exchange there."""
    try:
        return fn(*args)
    except HushwireError as e:
        if e.kind != "VerificationCancelled":
            raise
        raise _SasEnded(side.role, e) from None


def _altered(data: bytes, txn=None, value=None) -> bytes:
    """A message decoded, one field replaced, and re-encoded canonically (a deviation)."""
    m = VerificationMessage.decode(data)
    return VerificationMessage(txn if txn is not None else m.transaction_id, m.kind,
                               value if value is not None else m.value).encode()


def run_sas_exchange(inp: dict) -> dict:
    """verification.json `sas`: the whole exchange of SPEC.md 12.4.1 from the two seeds and
    the two sides' random bytes, with the deviation (test-vectors/README.md), if any."""
    take(inp, ("starter_seed", "responder_seed", "starter_random", "responder_random"),
         ("deviation",))
    dev = inp.get("deviation")
    assert dev is None or dev in SAS_DEVIATIONS, dev
    starter_random, responder_random = unhex(inp["starter_random"]), unhex(inp["responder_random"])
    assert len(starter_random) == 48 and len(responder_random) == 32
    ik_s = IdentityKeyPair(unhex(inp["starter_seed"])).public.encoded
    ik_r = IdentityKeyPair(unhex(inp["responder_seed"])).public.encoded
    # each session holds its own key and the peer's (validated when the session was made)
    validate_identity_key(ik_s, "identity_key")
    validate_identity_key(ik_r, "identity_key")
    S = SasSide("starter", ik_s, ik_r, starter_random)
    R = SasSide("responder", ik_r, ik_s, responder_random)
    t0 = VERIFICATION_TIME
    # the deviations of test-vectors/README.md, each where 12.4.1's order puts it
    try:
        start = _sas_step(S, S.start, t0)                                    # step 1
        accept = _sas_step(R, R.receive, start, t0)                          # step 2
        if dev == "foreign_transaction":   # R's Accept under another transaction id
            txn = bytearray(S.txn)
            txn[0] ^= 0x01
            _sas_step(S, S.receive, _altered(accept, txn=bytes(txn)), t0)
        if dev == "replayed_start":        # S receives its own Start instead of the Accept
            _sas_step(S, S.receive, start, t0)
        if dev == "peer_cancel":           # R's person cancels after R sent its Accept
            r_cancel = R.cancel_by_user()
            _sas_step(S, S.receive, r_cancel, t0)
        s_key = _sas_step(S, S.receive, accept, t0)                          # step 3
        if dev == "timeout":               # S's Key reaches R 601 s after R's first step
            _sas_step(R, R.receive, s_key, t0 + SAS_TIMEOUT_SECONDS + 1)
        r_key = _sas_step(R, R.receive, s_key, t0)                           # step 4
        if dev == "substituted_responder_key":   # a man in the middle replaces K_R
            mitm_key = x25519_public(generator_seed(72))
            assert mitm_key != R.k_own
            _sas_step(S, S.receive, _altered(r_key, value=mitm_key), t0)
        if dev == "mac_before_key":        # R's person confirms at once; its Mac overtakes
            r_mac = _sas_step(R, R.confirm, t0)
            _sas_step(S, S.receive, r_mac, t0)
        _sas_step(S, S.receive, r_key, t0)                                   # step 5
        if S.derived.sas != R.derived.sas:                                   # step 6
            raise AssertionError("12.4.1 step 6: the two sides' SAS differ")
        if dev == "mismatch":
            _sas_step(R, R.reject)
        if dev == "early_macs":    # R confirms first; its Mac reaches S before S confirms
            r_mac = _sas_step(R, R.confirm, t0)                              # step 7
            _sas_step(S, S.receive, r_mac, t0)                               # step 8, held
            assert S.verified is None
            s_mac = _sas_step(S, S.confirm, t0)                              # verifies at once
            _sas_step(R, R.receive, s_mac, t0)
        else:                      # both confirm (step 7), then the Macs cross (step 8)
            s_mac = _sas_step(S, S.confirm, t0)
            r_mac = _sas_step(R, R.confirm, t0)
            if dev == "tampered_starter_mac":
                mac = bytearray(VerificationMessage.decode(s_mac).value)
                mac[31] ^= 0x01
                _sas_step(R, R.receive, _altered(s_mac, value=bytes(mac)), t0)
            if dev == "reflected_responder_mac":
                _sas_step(R, R.receive, r_mac, t0)
            _sas_step(R, R.receive, s_mac, t0)
            _sas_step(S, S.receive, r_mac, t0)
    except _SasEnded as ended:
        if dev in (None, "early_macs"):
            raise AssertionError(f"the exchange ended at the {ended.side}: {ended.error}") from None
        d = ended.error.details
        return {"cancelled": {"by_peer": d["by_peer"],
                              "cancel_message": None if d["cancel_message"] is None
                              else h(d["cancel_message"]),
                              "reason": d["reason"], "side": ended.side}}
    if dev not in (None, "early_macs"):
        raise AssertionError(f"deviation {dev}: the exchange did not end")
    # step 8: both sides verified each other's key, method SAS
    if S.verified != VerifiedIdentity(ik_r, METHOD_SAS, t0) or \
            R.verified != VerifiedIdentity(ik_s, METHOD_SAS, t0):
        raise AssertionError("12.4.1 step 8: a side did not verify its peer")
    for field_name in ("transcript", "shared", "sas", "mac_key_starter", "mac_key_responder"):
        if getattr(S.derived, field_name) != getattr(R.derived, field_name):
            raise AssertionError(f"12.4.3-12.4.5: the sides disagree on {field_name}")
    if S.commitment != R.commitment:
        raise AssertionError("12.4.1 step 3: the starter kept another commitment")
    d = S.derived
    indices = sas_emoji_indices(d.sas)
    return {
        "accept_message": h(accept),
        "commitment": h(R.commitment),
        "decimals": sas_decimals(d.sas),
        "emoji": [SAS_EMOJI_NAMES[i] for i in indices],
        "emoji_indices": indices,
        "responder_ephemeral": h(R.k_own),
        "responder_identity": h(ik_r),
        "responder_key_message": h(r_key),
        "responder_mac_key": h(d.mac_key_responder),
        "responder_mac_message": h(r_mac),
        "sas_bytes": h(d.sas),
        "shared_secret": h(d.shared),
        "start_message": h(start),
        "starter_ephemeral": h(S.k_own),
        "starter_identity": h(ik_s),
        "starter_key_message": h(s_key),
        "starter_mac_key": h(d.mac_key_starter),
        "starter_mac_message": h(s_mac),
        "transaction_id": h(S.txn),
        "transcript": h(d.transcript),
    }


def run_verification(inp: dict) -> dict:
    """verification.json: SPEC.md 12 (test-vectors/README.md, "### verification.json")."""
    if len(inp) != 1:
        raise AssertionError(f"an input has exactly one operation key, got {sorted(inp)}")
    (op, arg), = inp.items()
    if op == "fingerprint":   # 12.2, 12.3 on raw bytes (hazmat::safety_number)
        take(arg, ("version", "iterations", "local_key", "local_id", "remote_key", "remote_id"))
        local = fingerprint_digest(unhex(arg["local_key"]), unhex(arg["local_id"]), arg["iterations"])
        remote = fingerprint_digest(unhex(arg["remote_key"]), unhex(arg["remote_id"]),
                                    arg["iterations"])
        return {"displayable": displayable_number(local, remote), "local_digest": h(local),
                "remote_digest": h(remote),
                "scannable": h(scannable_payload(arg["version"], local, remote))}
    if op == "safety_number":  # 12.2, 12.3
        sn = safety_number_of(arg)
        return {"displayable": sn.displayable, "grouped": grouped_number(sn.displayable),
                "local_digest": h(sn.local_digest),
                "local_identity_key": h(sn.local_key.encoded),
                "local_key_input": h(SafetyNumber.key_input(sn.local_key)),
                "remote_digest": h(sn.remote_digest),
                "remote_identity_key": h(sn.remote_key.encoded),
                "remote_key_input": h(SafetyNumber.key_input(sn.remote_key)),
                "scannable": h(sn.scannable)}
    if op == "scan":           # 12.3 steps 1-6
        take(arg, ("safety_number", "payload"))
        proof = safety_number_of(arg["safety_number"]).verify_scanned(unhex(arg["payload"]))
        return {"verified_identity": h(proof.identity_key)}
    if op == "sas":            # 12.4
        return run_sas_exchange(arg)
    if op == "verification_message":  # 12.4.2
        m = VerificationMessage.decode(unhex(arg))
        field_name = VerificationMessage._FIELD[m.kind]
        if field_name is None:         # start: {}
            content = {}
        else:
            content = {field_name: m.value if m.kind == "cancel" else h(m.value)}
        return {"transaction_id": h(m.transaction_id), m.kind: content}
    if op == "trust_record":   # 12.6 loading
        return trust_record_json(TrustRecord.from_bytes(unhex(arg)))
    if op == "observe":        # 12.6: the decision, then HoldUntilAcknowledged
        take(arg, ("peer", "record", "seen", "now"))
        record = load_record(arg["record"])
        seen = validate_identity_key(unhex(arg["seen"]), "identity_key").encoded
        observation, store, change = observe_identity(unhex(arg["peer"]), record, seen, arg["now"])
        if change is not None and pending_change(change.peer, store) != change:
            raise AssertionError("12.6: the stored record's pending change is not the event")
        try:
            if observation == "refused":  # SPEC.md 13.6: whatever the policy
                raise HushwireError("BusinessKeyChangeRefused")
            check_send(store if store is not None else record)
            send = "allowed"
        except HushwireError as e:
            send = e.kind
        return {"change": None if change is None else {
                    "new": h(change.new), "previous": h(change.previous),
                    "seen_at": change.seen_at, "was_verified": change.was_verified},
                "observation": observation, "send": send,
                "store": None if store is None else h(store.to_bytes())}
    if op == "acknowledge":    # 12.6
        take(arg, ("record", "identity_key"))
        key = validate_identity_key(unhex(arg["identity_key"]), "identity_key").encoded
        return {"store": h(acknowledge_change(load_record(arg["record"]), key).to_bytes())}
    if op == "verify":         # 12.5, 12.6 (the proof: key, method, time)
        take(arg, ("record", "identity_key", "method", "at"))
        assert arg["method"] in (METHOD_SAFETY_NUMBER, METHOD_QR_CODE), arg["method"]
        key = validate_identity_key(unhex(arg["identity_key"]), "identity_key").encoded
        proof = VerifiedIdentity(key, arg["method"], arg["at"])
        return {"store": h(apply_verification(load_record(arg["record"]), proof).to_bytes())}
    raise AssertionError(f"unknown operation {op!r}")


def error_json(e: HushwireError) -> dict:
    """certificates.json: an error recorded as an object, its name (SPEC.md 8.1) and its
    values under their 8.1 names (test-vectors/README.md)."""
    out = {"error": e.kind}
    for name in ERROR_VALUES.get(e.kind, ()):
        out[name] = e.details[name]
    return out


def certificate_context(ctx: dict):
    """certificates.json context: the pinned roots and policy (13.1, 13.4), and the lists
    taken in, in order, at `now` (each decoded, then Revocations::update). Returns
    (roots, revocations, updates, the time to validate at: `later` if given, else `now`)."""
    take(ctx, ("roots", "policy", "now", "lists"), ("later",))
    policy = take(ctx["policy"], ("max_clock_skew_seconds", "max_root_list_age_seconds",
                                  "max_issuer_list_age_seconds"))
    roots = TrustRoots([(r["key_id"], unhex(r["key"]))
                        for r in (take(r, ("key_id", "key")) for r in ctx["roots"])],
                       CertificatePolicy(**policy))
    revocations, updates = Revocations(), []
    for data in ctx["lists"]:
        try:
            updates.append(revocations.update(RevocationList.decode(unhex(data)), roots,
                                              ctx["now"]))
        except HushwireError as e:
            updates.append(error_json(e))
    return roots, revocations, updates, ctx.get("later", ctx["now"])


def business_json(business: VerifiedBusiness) -> dict:
    """certificates.json: a verified business (SPEC.md 13.4)."""
    return {"business_id": business.business_id, "display_name": business.display_name,
            "identity_key": h(business.identity_key), "issuer_key": h(business.issuer_key),
            "level": business.level, "phone_number": business.phone_number,
            "root_key_id": business.root_key_id, "serial": business.serial,
            "valid_until": business.not_after, "website": business.website,
            "fresh_until": business.fresh_until}


BUSINESS_PEER = b"acme"  # test-vectors/README.md: the `observe` cases' peer account id


def run_certificates(inp: dict) -> dict:
    """certificates.json: SPEC.md 13 (test-vectors/README.md, "### certificates.json").
    Errors are part of the output (error_json), never the case's `error`."""
    if len(inp) != 1:
        raise AssertionError(f"an input has exactly one operation key, got {sorted(inp)}")
    (op, arg), = inp.items()
    if op == "issue":          # 13.2 (issuing), 13.3, 13.4 step 5's errors
        # `issuer_serial` is the issuer certificate's field 3; the business certificate's
        # field 11 is that certificate's id (13.2), not its serial.
        take(arg, ("root_seed", "root_key_id", "issuer_seed", "issuer_serial",
                   "issuer_not_before", "issuer_not_after", "allowed_levels",
                   "business_seed", "business"))
        b = take(arg["business"], ("serial", "business_id", "display_name", "level",
                                   "not_before", "not_after", "phone_number", "website"))
        root = IdentityKeyPair(unhex(arg["root_seed"]))
        issuer = IdentityKeyPair(unhex(arg["issuer_seed"]))
        identity = IdentityKeyPair(unhex(arg["business_seed"])).public.encoded
        try:
            icert = issue_issuer_certificate(root, arg["root_key_id"], arg["issuer_serial"],
                                             issuer.public.encoded, arg["issuer_not_before"],
                                             arg["issuer_not_after"], arg["allowed_levels"])
            issuer_pair = IssuerKeyPair(issuer, icert)      # 13.2: IdentityMismatch first
            bcert = issue_business_certificate(issuer_pair, b["serial"], identity,
                                               b["business_id"], b["display_name"],
                                               b["level"], b["not_before"], b["not_after"],
                                               b["phone_number"], b["website"])
        except HushwireError as e:
            return error_json(e)
        chain = UnverifiedChain(icert, bcert)
        if decode_chain(chain.encode()) != chain:   # what is issued decodes as issued (13.2)
            raise AssertionError("13.2: an issued chain does not decode to itself")
        return {"business_body": h(bcert.body), "business_signature": h(bcert.signature),
                "chain": h(chain.encode()), "identity_key": h(identity),
                "issuer_body": h(icert.body), "issuer_certificate": h(icert.encode()),
                "issuer_key": h(issuer.public.encoded), "issuer_signature": h(icert.signature),
                "root_key": h(root.public.encoded)}
    if op == "revoke":         # 13.4
        signer_kind = "issuer_certificate" if "issuer_certificate" in arg else "root_key_id"
        take(arg, ("signer_seed", signer_kind, "sequence", "issued_at", "serials"))
        try:
            issuer = (IssuerCertificate.decode(unhex(arg["issuer_certificate"]))
                      if signer_kind == "issuer_certificate" else None)
            lst = sign_revocation_list(IdentityKeyPair(unhex(arg["signer_seed"])),
                                       arg.get("root_key_id"), issuer, arg["sequence"],
                                       arg["issued_at"], arg["serials"])
        except HushwireError as e:
            return error_json(e)
        if RevocationList.decode(lst.encode()) != lst:
            raise AssertionError("13.4: a signed list does not decode to itself")
        return {"body": h(lst.body), "list": h(lst.encode()), "signature": h(lst.signature)}
    if op == "display_name":   # 13.3, or 13.2 Issuing's normalization first
        take(arg, ("name", "normalize"))
        try:
            name = (normalize_display_name if arg["normalize"] else check_display_name)(arg["name"])
        except HushwireError as e:
            return error_json(e)
        return {"name": name}
    if op in ("validate", "bundle"):  # 13.2 + 13.4; 4.2 + 13.5
        take(arg, ("context", "bundle" if op == "bundle" else "chain"))
        roots, revocations, updates, at = certificate_context(arg["context"])
        try:
            if op == "validate":
                business = validate_chain(decode_chain(unhex(arg["chain"])), roots, at,
                                          revocations)
            else:
                bundle = decode_and_validate_bundle(unhex(arg["bundle"]), Config())
                business = validate_business(bundle, roots, at, revocations)
            result = {"business": None if business is None else business_json(business)}
        except HushwireError as e:
            result = error_json(e)
        return {"result": result, "updates": updates}
    if op == "observe":        # 13.6 observe_business_identity, peer "acme"
        take(arg, ("record", "seen", "now", "business"))
        record = load_record(arg["record"])
        seen = validate_identity_key(unhex(arg["seen"]), "identity_key").encoded
        business = None
        if arg["business"] is not None:   # validated at its context's time, not at `now`
            b = take(arg["business"], ("context", "chain"))
            roots, revocations, _, at = certificate_context(b["context"])
            try:
                business = validate_chain(decode_chain(unhex(b["chain"])), roots, at,
                                          revocations)
            except HushwireError as e:
                raise AssertionError(f"the business's chain does not validate: {e}") from None
        observation, store, _ = observe_business_identity(BUSINESS_PEER, record, seen,
                                                          business, arg["now"])
        return {"observation": observation,
                "store": None if store is None else h(store.to_bytes())}
    raise AssertionError(f"unknown operation {op!r}")


DEVICES_NOW = 1800000000  # test-vectors/README.md (devices.json): `now` unless a case gives it
SCENARIO_SPK_ID = 1                # test-vectors/README.md: a scenario device's signed prekey
SCENARIO_SPK_CREATED_AT = 1700000000


class ScenarioDevice:
    """devices.json scenario devices (test-vectors/README.md, "Scenario devices"): identity
    from its seed, signed prekey 1 (created 1700000000) and one-time prekeys 1, 2, ... from
    the secrets given, a ChaCha20 RNG; the server hands out its k-th bundle with one-time
    prekey k."""

    def __init__(self, keys: dict):
        take(keys, ("identity_seed", "rng_seed", "signed_prekey_secret",
                    "one_time_prekey_secrets"))
        self.identity = IdentityKeyPair(unhex(keys["identity_seed"]))
        self.rng = ChaCha20Rng(unhex(keys["rng_seed"]))
        spk_secret = unhex(keys["signed_prekey_secret"])
        spk_public = x25519_public(spk_secret)
        _, signature = sign_signed_prekey(self.identity, SCENARIO_SPK_ID,
                                          SCENARIO_SPK_CREATED_AT, spk_public)
        self.signed_prekey = SignedPreKey(SCENARIO_SPK_ID, SCENARIO_SPK_CREATED_AT, spk_public,
                                          signature)
        self.store = PreKeyStore()
        self.store.signed[SCENARIO_SPK_ID] = (spk_secret, spk_public)
        for k, secret in enumerate(keys["one_time_prekey_secrets"], start=1):
            self.store.one_time[k] = (unhex(secret), x25519_public(unhex(secret)))
        self.one_time_publics = {k: v[1] for k, v in self.store.one_time.items()}
        self.bundles_handed_out = 0

    def next_bundle(self) -> VerifiedBundle:
        """The device's next bundle, encoded (7.5) and then decoded and validated (4.2)."""
        self.bundles_handed_out += 1
        k = self.bundles_handed_out
        data = encode_bundle(self.identity.public, self.signed_prekey,
                             (k, self.one_time_publics[k]))
        return decode_and_validate_bundle(data, Config())


def run_fan_out(arg: dict) -> dict:
    """devices.json fan-out scenarios (test-vectors/README.md; SPEC.md 14.3, 14.5, 14.6)."""
    take(arg, ("now", "accounts", "script"))
    # classic bundles (no KEM prekey): the vectors were made under post_quantum Optional
    # (SPEC.md 18.4; test-vectors/README.md does not say so)
    now, policy = arg["now"], DeviceListPolicy()
    config = Config(post_quantum=POST_QUANTUM_OPTIONAL)
    accounts = []       # per account: {id, pair, issued_at, expires_at, device ids, removed}
    devices: dict[Address, tuple] = {}   # address -> (ScenarioDevice, DeviceSessions, account)
    for index, acc in enumerate(arg["accounts"]):
        take(acc, ("account_id", "account_seed", "issued_at", "expires_at", "devices"))
        account_id = unhex(acc["account_id"])
        accounts.append({"id": account_id, "pair": IdentityKeyPair(unhex(acc["account_seed"])),
                         "issued_at": acc["issued_at"], "expires_at": acc["expires_at"],
                         "devices": [], "removed": set()})
        for dev in acc["devices"]:
            take(dev, ("device_id", "keys"))
            device = ScenarioDevice(dev["keys"])
            address = (account_id, dev["device_id"])
            devices[address] = (device, DeviceSessions(address, device.identity, config,
                                                       policy), index)
            accounts[-1]["devices"].append((dev["device_id"], device.identity.public.encoded))

    def sign_next(index: int, version: int) -> DeviceList:
        a = accounts[index]
        listed = [(d, k) for d, k in a["devices"] if d not in a["removed"]]
        return sign_device_list(a["pair"], a["id"], version, a["issued_at"], a["expires_at"],
                                listed)

    # Each account's list version 1; every device holds (validated) copies of every list.
    held: dict[Address, dict[bytes, DeviceList]] = {}
    first = [sign_next(i, 1) for i in range(len(accounts))]
    for address in devices:
        held[address] = {}
        for i, lst in enumerate(first):
            held[address][lst.account_id] = validate_device_list(
                decode_device_list(lst.encoded), accounts[i]["pair"].public.encoded, None, now,
                policy)

    def device_of(account: int, device_id: int):
        return devices[(accounts[account]["id"], device_id)]

    messages: list[bytes] = []
    steps = []
    for op in arg["script"]:
        kind = op["op"]
        if kind == "connect":
            take(op, ("op", "account", "device", "to"))
            device, sessions, index = device_of(op["account"], op["device"])
            lists = held[sessions.address]
            own, recipient = lists[accounts[index]["id"]], lists[accounts[op["to"]]["id"]]
            started = []
            for address, lst in sessions.missing(own, recipient):  # lst: the list naming it
                bundle = devices[address][0].next_bundle()
                sessions.start_session(address, lst, device.identity, bundle, device.rng, now)
                started.append(address_json(address))
            steps.append({"started": started})
        elif kind == "send":
            take(op, ("op", "account", "device", "to", "text"))
            device, sessions, index = device_of(op["account"], op["device"])
            lists = held[sessions.address]
            try:
                out = sessions.encrypt_for_account(lists[accounts[index]["id"]],
                                                   lists[accounts[op["to"]]["id"]], now,
                                                   op["text"].encode("utf-8"))
            except HushwireError as e:
                steps.append(error_json(e))
                continue
            sent = []
            for address, data in out:
                messages.append(data)
                sent.append({"index": len(messages), "to": address_json(address),
                             "bytes": h(data)})
            steps.append({"messages": sent})
        elif kind == "edit":
            take(op, ("op", "message", "field", "value"))
            assert op["field"] in ("recipient_device", "sender_device", "sender_list_version",
                                   "recipient_list_version"), op["field"]
            value = pb_parse(DEVICE_MESSAGE, messages[op["message"] - 1])
            value[op["field"]] = op["value"]
            messages.append(pb_encode(DEVICE_MESSAGE, value))
            steps.append({"message": {"index": len(messages), "bytes": h(messages[-1])}})
        elif kind == "deliver":
            take(op, ("op", "message"))
            try:
                msg = decode_device_message(messages[op["message"] - 1], config)
                device, sessions, _ = devices[msg.recipient]
                lists = held[sessions.address]
                own = lists[sessions.address[0]]
                sender_list = lists.get(msg.sender[0])
                if sender_list is None:
                    raise AssertionError("a message from an account no device knows")
                sender, plaintext, flags = sessions.decrypt(own, sender_list, now, msg,
                                                            device.store, device.rng)
                steps.append({"from": address_json(sender),
                              "plaintext": plaintext.decode("utf-8"),
                              "consistency": dataclasses.asdict(flags)})
            except HushwireError as e:
                steps.append(error_json(e))
        elif kind == "resign":
            take(op, ("op", "account", "remove", "publish"))
            index = op["account"]
            a = accounts[index]
            a["removed"] |= set(op["remove"])
            own_address = next(addr for addr, v in devices.items() if v[2] == index)
            new = sign_next(index, held[own_address][a["id"]].list_version + 1)
            dropped = 0
            for address, (_, sessions, owner) in devices.items():
                if owner != index and not op["publish"]:
                    continue
                lists = held[address]
                lists[a["id"]] = validate_device_list(decode_device_list(new.encoded),
                                                      a["pair"].public.encoded,
                                                      lists[a["id"]], now, policy)
                dropped += sessions.retain_listed(lists[a["id"]])
            steps.append({"list": h(new.encoded), "dropped": dropped})
        else:
            raise AssertionError(f"unknown fan-out step {kind!r}")
    return {"steps": steps}


def run_record_scenario(arg: dict) -> dict:
    """devices.json session-record scenarios (test-vectors/README.md; SPEC.md 14.6)."""
    take(arg, ("max_archived_sessions", "a", "b", "script"))
    config = Config(max_archived_sessions=arg["max_archived_sessions"],
                    post_quantum=POST_QUANTUM_OPTIONAL)  # classic bundles, as in run_fan_out
    devices = {name: ScenarioDevice(arg[name]) for name in ("a", "b")}
    records = {name: SessionRecord(config) for name in ("a", "b")}
    other = {"a": "b", "b": "a"}
    envelopes: list[tuple[str, bytes]] = []
    steps = []
    for op in arg["script"]:
        kind = op["op"]
        if kind == "initiate":
            take(op, ("op", "from"))
            me = op["from"]
            session = records[me].initiate(devices[me].identity,
                                           devices[other[me]].next_bundle(), devices[me].rng)
            steps.append({"session_id": h(session.session_id)})
        elif kind == "send":
            take(op, ("op", "from", "text"))
            try:
                data = records[op["from"]].encrypt(op["text"].encode("utf-8"))
            except HushwireError as e:
                steps.append(error_json(e))
                continue
            envelopes.append((op["from"], data))
            steps.append({"envelope": {"index": len(envelopes), "bytes": h(data)}})
        elif kind == "deliver":
            take(op, ("op", "envelope"))
            sender, data = envelopes[op["envelope"] - 1]
            me = other[sender]
            record, device = records[me], devices[me]
            try:
                msg = decode_envelope(data, config)
                # the expected remote identity: the sender's key, as the application holds
                # it (14.6)
                expected = devices[sender].identity.public.encoded
                result = {"plaintext": record.decrypt(device.identity, device.store, msg,
                                                      device.rng, expected).decode("utf-8")}
            except HushwireError as e:
                result = error_json(e)
            result["current"] = None if record.current is None else h(record.current.session_id)
            result["archived"] = [h(s.session_id) for s in record.archived]
            steps.append(result)
        else:
            raise AssertionError(f"unknown record step {kind!r}")
    stored = {name: records[name].to_bytes() for name in ("a", "b")}
    for name, data in stored.items():
        # SPEC.md 14.6 / 9.2: a stored record loads again and re-encodes byte for byte
        if SessionRecord.from_bytes(data, config).to_bytes() != data:
            raise AssertionError(f"14.6: {name}'s record does not reload byte for byte")
    return {"steps": steps, "a_record": h(stored["a"]), "b_record": h(stored["b"])}


def run_devices(inp: dict) -> dict:
    """devices.json: SPEC.md 14 (test-vectors/README.md, "### devices.json"). Errors are
    part of the output (error_json), never the case's `error`."""
    if len(inp) != 1:
        raise AssertionError(f"an input has exactly one operation key, got {sorted(inp)}")
    (op, arg), = inp.items()
    try:
        return _run_devices_op(op, arg)
    except HushwireError as e:
        return error_json(e)


def _run_devices_op(op: str, arg: dict) -> dict:
    """One devices.json operation; a HushwireError is the case's recorded error."""
    if op == "sign_list":                                   # 14.2 signing
        take(arg, ("account_seed", "account_id", "list_version", "issued_at", "expires_at",
                   "devices"))
        devices = [(take(d, ("device_id", "seed"))["device_id"],
                    IdentityKeyPair(unhex(d["seed"])).public.encoded) for d in arg["devices"]]
        lst = sign_device_list(IdentityKeyPair(unhex(arg["account_seed"])),
                               unhex(arg["account_id"]), arg["list_version"], arg["issued_at"],
                               arg["expires_at"], devices)
        # what was signed must decode back to itself (14.2) and verify (14.3 step 2)
        if decode_device_list(lst.encoded) != lst:
            raise AssertionError("14.2: a signed list does not decode to itself")
        return {"body": h(lst.body), "signature": h(lst.signature), "list": h(lst.encoded)}
    if op == "validate_list":                               # 14.2 decoding, then 14.3
        take(arg, ("list", "trusted_key", "now", "max_lifetime_seconds",
                   "clock_skew_seconds", "previous"))
        previous = None
        if arg["previous"] is not None:
            previous = decode_device_list(unhex(arg["previous"]))
            validate_device_list(previous, previous.account_key, None, arg["now"],
                                 DeviceListPolicy())
        lst = decode_device_list(unhex(arg["list"]))
        policy = DeviceListPolicy(arg["max_lifetime_seconds"], arg["clock_skew_seconds"])
        validate_device_list(lst, unhex(arg["trusted_key"]), previous, arg["now"], policy)
        return {"list": lst.json()}
    if op == "changes":                                     # 14.3 Changes
        take(arg, ("previous", "list"))
        previous = decode_device_list(unhex(arg["previous"]))
        validate_device_list(previous, previous.account_key, None, DEVICES_NOW,
                             DeviceListPolicy())
        lst = decode_device_list(unhex(arg["list"]))
        validate_device_list(lst, lst.account_key, previous, DEVICES_NOW, DeviceListPolicy())
        return device_list_changes(previous, lst)
    if op == "link_offer":                                  # 14.4 Offer
        take(arg, ("device_seed", "link_secret"))
        key = IdentityKeyPair(unhex(arg["device_seed"])).public.encoded
        return {"offer": h(encode_link_offer(key, unhex(arg["link_secret"])))}
    if op == "decode_offer":                                # 14.4 LinkOffer::decode
        take(arg, ("bytes",))
        device_key, link_secret = decode_link_offer(unhex(arg["bytes"]))
        return {"device_key": h(device_key), "link_secret": h(link_secret)}
    if op == "approve":                                     # 14.4 Approval
        take(arg, ("account_seed", "current", "offer", "device_id", "issued_at", "expires_at"))
        current = decode_device_list(unhex(arg["current"]))
        validate_device_list(current, current.account_key, None, DEVICES_NOW,
                             DeviceListPolicy())
        offer = decode_link_offer(unhex(arg["offer"]))
        new, approval = approve_link(IdentityKeyPair(unhex(arg["account_seed"])), current,
                                     offer, arg["device_id"], arg["issued_at"],
                                     arg["expires_at"])
        return {"device_list": h(new.encoded), "approval": h(approval)}
    if op == "complete":                                    # 14.4 Completion
        take(arg, ("device_seed", "link_secret", "approval", "now"))
        key = IdentityKeyPair(unhex(arg["device_seed"])).public.encoded
        address, lst = complete_link(key, unhex(arg["link_secret"]), unhex(arg["approval"]),
                                     arg["now"])
        return {"address": address_json(address), "list": lst.json()}
    if op == "link_mac":                                    # 14.4 Link key and MAC
        take(arg, ("link_secret", "account_id", "device_id", "device_list", "device_key"))
        return {"mac": h(link_mac(unhex(arg["link_secret"]), unhex(arg["account_id"]),
                                  arg["device_id"], unhex(arg["device_list"]),
                                  unhex(arg["device_key"])))}
    if op == "routing":                                     # 14.5 Routing, 6.4, 6.5
        take(arg, ("sender_account", "sender_device", "recipient_account", "recipient_device",
                   "sender_list_version", "recipient_list_version", "x3dh_ad", "ratchet_key",
                   "previous_counter", "counter", "prekey_info", "message_key", "plaintext"))
        routing = routing_bytes((unhex(arg["sender_account"]), arg["sender_device"]),
                                (unhex(arg["recipient_account"]), arg["recipient_device"]),
                                arg["sender_list_version"], arg["recipient_list_version"])
        header = encode_header(unhex(arg["ratchet_key"]), arg["previous_counter"],
                               arg["counter"])
        aead_ad = aead_associated_data(unhex(arg["x3dh_ad"]), header,
                                       unhex(arg["prekey_info"]), routing)
        return {"routing": h(routing), "aead_associated_data": h(aead_ad),
                "ciphertext": h(seal_message(unhex(arg["message_key"]), aead_ad,
                                             unhex(arg["plaintext"])))}
    if op == "decode_message":                              # 14.5 DeviceMessage::decode
        take(arg, ("bytes", "max_encoded_len"))
        msg = decode_device_message(unhex(arg["bytes"]),
                                    Config(max_encoded_len=arg["max_encoded_len"]))
        return {"sender": address_json(msg.sender), "recipient": address_json(msg.recipient),
                "sender_list_version": msg.sender_list_version,
                "recipient_list_version": msg.recipient_list_version,
                "envelope": h(msg.envelope_bytes)}
    if op == "fan_out":
        return run_fan_out(arg)
    if op == "record":
        return run_record_scenario(arg)
    if op == "load_record":                                 # 14.6 Loading
        take(arg, ("stored", "max_archived_sessions"))
        data = unhex(arg["stored"])
        record = SessionRecord.from_bytes(
            data, Config(max_archived_sessions=arg["max_archived_sessions"]))
        return {"current": None if record.current is None else h(record.current.session_id),
                "archived": [h(s.session_id) for s in record.archived],
                "reencoded": h(record.to_bytes())}
    raise AssertionError(f"unknown operation {op!r}")

# ---- group.json (SPEC.md 15) ------------------------------------------------------------

GROUP_DEFAULT_SENDER = (b"acme", 1)       # test-vectors/README.md, group.json
GROUP_OTHER_MEMBER = (b"zz-other", 1)


class FixedRng:
    """group.json: an RNG that returns the given bytes (a sender key's 68 random bytes)."""

    def __init__(self, data: bytes):
        self.data = data

    def fill_bytes(self, n: int) -> bytes:
        if n > len(self.data):
            raise AssertionError("the RNG was asked for more bytes than the case gives")
        out, self.data = self.data[:n], self.data[n:]
        return out


def group_session_from_random(group_id: bytes, sender: Address, random: bytes,
                              advance: int) -> GroupSession:
    """group.json: "a session with a sender key from bytes R": GroupSession::create for the
    group, local device `sender`, one other member (zz-other, 1), an RNG returning R; then
    `advance` empty messages encrypted and dropped."""
    if len(random) != SENDER_KEY_RANDOM_LEN:
        raise AssertionError("sender_key_random is not 68 bytes")
    rng = FixedRng(random)
    session = GroupSession.create(group_id, sender, [GROUP_OTHER_MEMBER], rng, GroupConfig())
    if rng.data:
        raise AssertionError("create drew fewer than 68 bytes")
    for _ in range(advance):
        session.encrypt(b"")
    return session


def distribution_json(dist: Distribution) -> dict:
    """group.json: a distribution's fields and its encoding."""
    return {"group_id": h(dist.group_id), "chain_id": dist.chain_id,
            "iteration": dist.iteration, "chain_key": h(dist.chain_key),
            "signing_key": h(dist.signing_key), "bytes": h(dist.encode())}


def run_group_scenario(arg: dict) -> dict:
    """group.json scenarios (test-vectors/README.md; SPEC.md 15.2-15.6)."""
    take(arg, ("group_id", "members", "script"), ("config",))
    limits = take(arg.get("config") or {}, (), ("max_sender_key_chains", "max_group_skip",
                                                 "max_group_skipped_keys"))
    config = GroupConfig(**limits)
    group_id = unhex(arg["group_id"])
    addresses, rngs = [], []
    for m in arg["members"]:
        take(m, ("account", "device", "rng_seed"))
        addresses.append((unhex(m["account"]), m["device"]))
        rngs.append(ChaCha20Rng(unhex(m["rng_seed"])))
    sessions: list[Optional[GroupSession]] = [None] * len(addresses)
    messages: list[bytes] = []
    steps = []

    def distribute(sender: int, to: list, dist: Distribution) -> dict:
        data = dist.encode()
        outcomes = []
        for r in to:
            try:
                outcomes.append(sessions[r].process_distribution(addresses[sender],
                                                                 decode_distribution(data)))
            except HushwireError as e:
                outcomes.append(error_json(e))
        return {"distribution": h(data), "outcomes": outcomes}

    for op in arg["script"]:
        kind = op["op"]
        if kind == "create":
            take(op, ("op", "member", "with"))
            i = op["member"]
            sessions[i] = GroupSession.create(group_id, addresses[i],
                                              [addresses[j] for j in op["with"]], rngs[i],
                                              config)
            steps.append({"chain_id": sessions[i].own.chain_id})
        elif kind == "distribute":
            take(op, ("op", "from", "to"))
            steps.append(distribute(op["from"], op["to"], sessions[op["from"]].distribution()))
        elif kind == "distribute_edited":
            take(op, ("op", "from", "to", "field", "value"))
            if op["field"] not in ("group_id", "signing_key"):
                raise AssertionError(f"unknown edited field {op['field']!r}")
            dist = dataclasses.replace(sessions[op["from"]].distribution(),
                                       **{op["field"]: unhex(op["value"])})
            steps.append(distribute(op["from"], op["to"], dist))
        elif kind == "send":
            take(op, ("op", "from", "text"))
            try:
                message = sessions[op["from"]].encrypt(op["text"].encode("utf-8"))[3]
            except HushwireError as e:
                steps.append(error_json(e))
                continue
            messages.append(message)
            steps.append({"index": len(messages), "bytes": h(message)})
        elif kind == "tamper":
            take(op, ("op", "message"))
            outer = pb_parse(GROUP_MESSAGE, messages[op["message"] - 1])
            body = pb_parse(GROUP_MESSAGE_BODY, outer["body"])
            ct = body["ciphertext"]
            body["ciphertext"] = bytes([ct[0] ^ TAMPER_MASK]) + ct[1:]
            outer["body"] = pb_encode(GROUP_MESSAGE_BODY, body)
            messages.append(pb_encode(GROUP_MESSAGE, outer))
            steps.append({"index": len(messages), "bytes": h(messages[-1])})
        elif kind == "deliver":
            take(op, ("op", "message", "to"))
            try:
                msg = decode_group_message(messages[op["message"] - 1],
                                           GroupConfig().max_encoded_len)
                plaintext = sessions[op["to"]].decrypt(msg)
                steps.append({"plaintext": plaintext.decode("utf-8")})
            except HushwireError as e:
                steps.append(error_json(e))
        elif kind in ("remove", "add"):
            take(op, ("op", "member", "device"))
            session = sessions[op["member"]]
            try:
                if kind == "remove":
                    dist = session.remove(addresses[op["device"]], rngs[op["member"]])
                else:
                    dist = session.add(addresses[op["device"]])
                steps.append({"chain_id": dist.chain_id, "iteration": dist.iteration})
            except HushwireError as e:
                steps.append(error_json(e))
        elif kind == "rotate":
            take(op, ("op", "member"))
            steps.append({"chain_id": sessions[op["member"]].rotate(rngs[op["member"]]).chain_id})
        elif kind == "skip":
            take(op, ("op", "member", "count"))
            for _ in range(op["count"]):
                sessions[op["member"]].encrypt(b"")
            steps.append({})
        else:
            raise AssertionError(f"unknown group step {kind!r}")
    states = []
    for s in sessions:
        if s is None:
            states.append(None)
            continue
        data = s.to_bytes()
        # SPEC.md 15.6: what a session writes loads again (same Config) and re-encodes
        if GroupSession.from_bytes(data, config).to_bytes() != data:
            raise AssertionError("15.6: a stored group session does not reload byte for byte")
        states.append(h(data))
    return {"steps": steps, "states": states}


# group.json `tamper`: "the first byte of its ciphertext flipped". The README does not say
# which bits; XOR 0x01 (its lowest bit, as verification.json's tampered MAC) reproduces case
# 22, XOR 0xff (every bit) does not.
TAMPER_MASK = 0x01


def run_group(inp: dict) -> dict:
    """group.json: SPEC.md 15 (test-vectors/README.md, "### group.json"). Errors are part of
    the output (error_json), as in devices.json."""
    if len(inp) != 1:
        raise AssertionError(f"an input has exactly one operation key, got {sorted(inp)}")
    (op, arg), = inp.items()
    try:
        return _run_group_op(op, arg)
    except HushwireError as e:
        return error_json(e)


def _run_group_op(op: str, arg: dict) -> dict:
    """One group.json operation; a HushwireError is the case's recorded error."""
    if op == "distribution":                                # 15.2
        take(arg, ("group_id", "sender_key_random", "advance"))
        session = group_session_from_random(unhex(arg["group_id"]), GROUP_DEFAULT_SENDER,
                                            unhex(arg["sender_key_random"]), arg["advance"])
        dist = session.distribution()
        if decode_distribution(dist.encode()) != dist:
            raise AssertionError("15.2: a distribution does not decode to itself")
        return distribution_json(dist)
    if op == "encrypt":                                     # 15.3
        take(arg, ("group_id", "sender_account", "sender_device", "sender_key_random",
                   "advance", "plaintext"))
        sender = (unhex(arg["sender_account"]), arg["sender_device"])
        session = group_session_from_random(unhex(arg["group_id"]), sender,
                                            unhex(arg["sender_key_random"]), arg["advance"])
        signing_key = session.own.signing_key
        body, ciphertext, signature, message = session.encrypt(unhex(arg["plaintext"]))
        # what was sent decodes back, and its signature verifies (15.3, 15.4 step 4)
        decoded = decode_group_message(message, GroupConfig().max_encoded_len)
        if decoded.body != body or decoded.signature != signature:
            raise AssertionError("15.3: a group message does not decode to itself")
        ed25519_verify_strict(signing_key, signed_message(LABEL_GROUP_MESSAGE, body),
                              signature)
        return {"body": h(body), "ciphertext": h(ciphertext), "signature": h(signature),
                "message": h(message)}
    if op == "decode_distribution":                         # 15.2 decoding
        take(arg, ("bytes",))
        return distribution_json(decode_distribution(unhex(arg["bytes"])))
    if op == "decode_message":                              # 15.3 decoding
        take(arg, ("bytes", "max_encoded_len"))
        msg = decode_group_message(unhex(arg["bytes"]), arg["max_encoded_len"])
        return {"group_id": h(msg.group_id), "sender": address_json(msg.sender),
                "chain_id": msg.chain_id, "iteration": msg.iteration}
    if op == "scenario":
        return run_group_scenario(arg)
    if op == "load":                                        # 15.6 Loading
        take(arg, ("stored", "max_sender_key_chains"))
        session = GroupSession.from_bytes(
            unhex(arg["stored"]), GroupConfig(max_sender_key_chains=arg["max_sender_key_chains"]))
        return {"group_id": h(session.group_id), "local": address_json(session.local),
                "members": [address_json(a) for a in sorted(session.members)],
                "reencoded": h(session.to_bytes())}
    raise AssertionError(f"unknown operation {op!r}")



# ---- attachment.json (SPEC.md 16) -------------------------------------------------------

PADDING_NAMES = {"none": PADDING_NONE, "padme": PADDING_PADME}   # test-vectors/README.md


def pointer_json(p: AttachmentPointer) -> dict:
    """attachment.json: a pointer's fields (null when absent)."""
    return {"file_key": h(p.file_key), "ciphertext_sha256": h(p.ciphertext_sha256),
            "size": p.size, "content_type": p.content_type, "file_name": p.file_name,
            "thumbnail": None if p.thumbnail is None else h(p.thumbnail)}


def run_attachment(inp: dict) -> dict:
    """attachment.json: SPEC.md 16 (test-vectors/README.md, "### attachment.json"). Errors
    are part of the output (error_json), as in devices.json and group.json."""
    if len(inp) != 1:
        raise AssertionError(f"an input has exactly one operation key, got {sorted(inp)}")
    (op, arg), = inp.items()
    try:
        return _run_attachment_op(op, arg)
    except HushwireError as e:
        return error_json(e)


def _run_attachment_op(op: str, arg) -> dict:
    """One attachment.json operation; a HushwireError is the case's recorded error."""
    if op == "padme":                                       # 16.3
        take(arg, ("lengths",))
        return {"padded_lengths": [padme(n) for n in arg["lengths"]]}
    if op == "derive":                                      # 16.2 keys
        take(arg, ("file_key", "header_prefix", "salt"))
        file_key = require_len(unhex(arg["file_key"]), 32, "file_key")
        prefix = require_len(unhex(arg["header_prefix"]), 3, "header_prefix")
        salt = require_len(unhex(arg["salt"]), 32, "salt")
        payload_key, commitment = attachment_keys(file_key, prefix, salt)
        return {"info": h(attachment_info(prefix)), "payload_key": h(payload_key),
                "commitment": h(commitment)}
    if op == "seal":                                        # 16.1, 16.2, 16.5, 16.6
        take(arg, ("random", "segment_log2", "padding", "plaintext", "content_type",
                   "file_name", "thumbnail"))
        rng = FixedRng(require_len(unhex(arg["random"]), 64, "random"))
        plaintext = unhex(arg["plaintext"])
        sealed = seal_attachment(rng.fill_bytes, plaintext, arg["segment_log2"],
                                 PADDING_NAMES[arg["padding"]], arg["content_type"],
                                 arg["file_name"], unhex(arg["thumbnail"]))
        if rng.data:
            raise AssertionError("16.1: sealing draws exactly 64 bytes")
        pointer_bytes = sealed.pointer.encode()
        payload = encode_payload(attachment=sealed.pointer)
        # what was sealed decodes, opens and reads back (16.4, 16.5, 16.6)
        if decode_pointer(pointer_bytes) != sealed.pointer:
            raise AssertionError("16.5: a pointer does not decode to itself")
        if decode_payload(payload) != ("attachment", sealed.pointer):
            raise AssertionError("16.6: a payload does not decode to itself")
        if open_attachment(sealed.pointer, sealed.ciphertext) != plaintext:
            raise AssertionError("16.4: a sealed file does not open to its plaintext")
        if read_attachment_range(sealed.pointer, sealed.ciphertext, 0,
                                 len(plaintext)) != plaintext:
            raise AssertionError("16.4: a sealed file does not read back")
        return {"file_key": h(sealed.file_key), "salt": h(sealed.salt),
                "header": h(sealed.header), "padded_len": sealed.padded_len,
                "segments": [{"nonce": h(nonce), "associated_data": h(ad),
                              "plaintext": h(plain), "ciphertext": h(ct)}
                             for nonce, ad, plain, ct in sealed.segments],
                "ciphertext": h(sealed.ciphertext),
                "ciphertext_sha256": h(sealed.pointer.ciphertext_sha256),
                "pointer": h(pointer_bytes), "payload": h(payload)}
    if op == "open":                                        # 16.5 then 16.4
        take(arg, ("pointer", "ciphertext"))
        pointer = decode_pointer(unhex(arg["pointer"]))
        return {"plaintext": h(open_attachment(pointer, unhex(arg["ciphertext"])))}
    if op == "read_range":                                  # 16.5 then 16.4 random access
        take(arg, ("pointer", "ciphertext", "offset", "len"))
        pointer = decode_pointer(unhex(arg["pointer"]))
        return {"plaintext": h(read_attachment_range(pointer, unhex(arg["ciphertext"]),
                                                     arg["offset"], arg["len"]))}
    if op == "pointer":                                     # 16.5 decoding
        return pointer_json(decode_pointer(unhex(arg)))
    if op == "payload":                                     # 16.6 decoding
        kind, content = decode_payload(unhex(arg))
        return {"application": h(content)} if kind == "application" \
            else {"attachment": pointer_json(content)}
    raise AssertionError(f"unknown operation {op!r}")


# ---- store.json (SPEC.md 17) ------------------------------------------------------------

# SPEC.md 17.1: each table's name, and the name of one of its records (in errors).
STORE_TABLES = {
    "session_records": "session_record",
    "signed_prekeys": "signed_prekey",
    "one_time_prekeys": "one_time_prekey",
    "trust_records": "trust_record",
    "device_lists": "device_list",
    "group_sessions": "group_session",
    "kem_prekeys": "kem_prekey",          # SPEC.md 17.1 / 18.6 (no store.json case uses it)
}


def short_id(data: bytes) -> bytes:
    """SPEC.md 17.1: u8(len(id)) || id (account ids are at most 255 bytes, group ids 64)."""
    return u8(len(data)) + data


def record_key_of(table: str, arg: dict) -> bytes:
    """SPEC.md 17.1: the key of a record in `table`, from the fields that name it. The ids
    are validated as where they come from: account ids by 12.1, device ids by 14.1 (0 is
    InvalidDeviceList "device id 0"), group ids by 15.1."""
    if table == "session_records":
        take(arg, ("table", "account", "device"))
        account = validate_account_id(unhex(arg["account"]))
        if arg["device"] == 0:
            raise invalid_device_list("device id 0")
        return short_id(account) + u32(arg["device"])
    if table in ("signed_prekeys", "one_time_prekeys", "kem_prekeys"):
        take(arg, ("table", "id"))
        return u32(arg["id"])
    if table in ("trust_records", "device_lists"):
        take(arg, ("table", "account"))
        return short_id(validate_account_id(unhex(arg["account"])))
    if table == "group_sessions":
        take(arg, ("table", "group_id"))
        return short_id(validate_group_id(unhex(arg["group_id"])))
    raise AssertionError(f"unknown table {table!r}")


# SPEC.md 17.2: stored prekeys.
LABEL_STORED_SIGNED_PREKEY = b"hushwire/v1/stored-signed-prekey"        # 32 bytes
LABEL_STORED_ONE_TIME_PREKEY = b"hushwire/v1/stored-one-time-prekey"    # 34 bytes
STORED_PREKEY_VERSION = 1
STORED_SIGNED_PREKEY_LEN = 141
STORED_ONE_TIME_PREKEY_LEN = 69


def stored_prekey_checksum(label: bytes, content: bytes) -> bytes:
    """SPEC.md 17.2: SHA-256(u8(len(label)) || label || content)."""
    return hashlib.sha256(u8(len(label)) + label + content).digest()


def stored_signed_prekey_content(secret: bytes, spk: SignedPreKey) -> bytes:
    """SPEC.md 17.2: u8(1) || u32(id) || u64(created_at) || secret || signature."""
    return (u8(STORED_PREKEY_VERSION) + u32(spk.id) + u64(spk.created_at)
            + require_len(secret, 32, "secret") + require_len(spk.signature, 64, "signature"))


def stored_one_time_prekey_content(otk_id: int, secret: bytes) -> bytes:
    """SPEC.md 17.2: u8(1) || u32(id) || secret."""
    return u8(STORED_PREKEY_VERSION) + u32(otk_id) + require_len(secret, 32, "secret")


def _load_stored_prekey(data: bytes, length: int, label: bytes) -> bytes:
    """SPEC.md 17.2 Loading, first failure returned: the exact length and a matching checksum
    (SessionStateCorrupted), then the version byte 1 (UnsupportedVersion { found }). Returns
    the content after the version byte."""
    if len(data) != length or stored_prekey_checksum(label, data[:-32]) != data[-32:]:
        raise HushwireError("SessionStateCorrupted")
    if data[0] != STORED_PREKEY_VERSION:
        raise HushwireError("UnsupportedVersion", found=data[0])
    return data[1:-32]


def load_stored_signed_prekey(data: bytes) -> tuple[bytes, SignedPreKey]:
    """SPEC.md 17.2: (secret, SignedPreKey); the public key is X25519(secret, 9) again, the
    signature is taken as stored."""
    body = _load_stored_prekey(data, STORED_SIGNED_PREKEY_LEN, LABEL_STORED_SIGNED_PREKEY)
    spk_id, created_at = struct.unpack(">IQ", body[:12])
    secret, signature = body[12:44], body[44:108]
    return secret, SignedPreKey(spk_id, created_at, x25519_public(secret), signature)


def load_stored_one_time_prekey(data: bytes) -> tuple[int, bytes, bytes]:
    """SPEC.md 17.2: (id, secret, public key)."""
    body = _load_stored_prekey(data, STORED_ONE_TIME_PREKEY_LEN, LABEL_STORED_ONE_TIME_PREKEY)
    (otk_id,) = struct.unpack(">I", body[:4])
    secret = body[4:36]
    return otk_id, secret, x25519_public(secret)


# SPEC.md 17.3 rule 1: revisions.
MAX_INCARNATION = 2**31 - 1


def first_revision(incarnation: int, record: str) -> int:
    """SPEC.md 17.3 rule 1: c * 2^32 + 1; incarnations count from 1 and stop at 2^31 - 1
    (StoreConflict { record } beyond)."""
    if incarnation < 1:
        raise AssertionError("17.3: incarnations count from 1")
    if incarnation > MAX_INCARNATION:
        raise HushwireError("StoreConflict", record=record)
    return incarnation * 2**32 + 1


def next_revision(revision: int, record: str) -> int:
    """SPEC.md 17.3 rule 1: one more; a record at c * 2^32 + 2^32 - 1 takes no more writes
    (StoreConflict { record })."""
    if revision % 2**32 == 2**32 - 1:
        raise HushwireError("StoreConflict", record=record)
    return revision + 1


# SPEC.md 17.4: sealed values.
LABEL_SEALED_RECORD = b"hushwire/v1/sealed-record"    # 25 bytes
SEALED_VERSION = 1
SEALED_OVERHEAD = 49                                   # version, salt, tag


def sealed_okm(storage_key: bytes, salt: bytes) -> bytes:
    """SPEC.md 17.4: HKDF(salt, storage_key, label, 44): key = okm[0..32], nonce = [32..44]."""
    return hkdf(require_len(salt, 32, "salt"), require_len(storage_key, 32, "storage_key"),
                LABEL_SEALED_RECORD, 44)


def sealed_ad(table: str, record_key: bytes, revision: int) -> bytes:
    """SPEC.md 17.4: u8(25) || label || u8(len(table)) || table || LP(record key) ||
    u64(revision)."""
    name = table.encode("ascii")
    return (u8(len(LABEL_SEALED_RECORD)) + LABEL_SEALED_RECORD + u8(len(name)) + name
            + lp(record_key) + u64(revision))


def seal_value(storage_key: bytes, salt: bytes, table: str, record_key: bytes, revision: int,
               value: bytes) -> bytes:
    """SPEC.md 17.4: u8(1) || salt || ChaCha20-Poly1305-Encrypt(key, nonce, ad, value)."""
    okm = sealed_okm(storage_key, salt)
    return (u8(SEALED_VERSION) + salt
            + aead_seal(okm[:32], okm[32:], sealed_ad(table, record_key, revision), value))


def open_value(storage_key: bytes, table: str, record_key: bytes, revision: int,
               sealed: bytes) -> bytes:
    """SPEC.md 17.4 Opening: another version byte, fewer than 49 bytes or a tag that does not
    verify with this row's ad are all SealedRecordInvalid { record } (17.1's record name)."""
    invalid = HushwireError("SealedRecordInvalid", record=STORE_TABLES[table])
    if len(sealed) < SEALED_OVERHEAD or sealed[0] != SEALED_VERSION:
        raise invalid
    salt = sealed[1:33]
    okm = sealed_okm(storage_key, salt)
    try:
        return aead_open(okm[:32], okm[32:], sealed_ad(table, record_key, revision),
                         sealed[33:])
    except HushwireError:
        raise invalid from None


def store_table(name: str) -> str:
    """store.json: a table named as in SPEC.md 17.1."""
    if name not in STORE_TABLES:
        raise AssertionError(f"unknown table {name!r}")
    return name


def run_store(inp: dict) -> dict:
    """store.json: SPEC.md 17 (test-vectors/README.md, "### store.json"). Errors are part of
    the output (error_json), as in attachment.json."""
    if len(inp) != 1:
        raise AssertionError(f"an input has exactly one operation key, got {sorted(inp)}")
    (op, arg), = inp.items()
    try:
        return _run_store_op(op, arg)
    except HushwireError as e:
        return error_json(e)


def _run_store_op(op: str, arg) -> dict:
    """One store.json operation; a HushwireError is the case's recorded error."""
    if op == "record_key":                                  # 17.1
        table = store_table(arg["table"])
        return {"record": STORE_TABLES[table], "key": h(record_key_of(table, arg))}
    if op == "store_signed_prekey":                         # 4.1, 17.2
        take(arg, ("identity_seed", "id", "created_at", "secret"))
        identity = IdentityKeyPair(require_len(unhex(arg["identity_seed"]), 32, "seed"))
        secret = require_len(unhex(arg["secret"]), 32, "secret")
        public = x25519_public(secret)
        _, signature = sign_signed_prekey(identity, arg["id"], arg["created_at"], public)
        spk = SignedPreKey(arg["id"], arg["created_at"], public, signature)
        content = stored_signed_prekey_content(secret, spk)
        checksum = stored_prekey_checksum(LABEL_STORED_SIGNED_PREKEY, content)
        stored = content + checksum
        if len(stored) != STORED_SIGNED_PREKEY_LEN \
                or load_stored_signed_prekey(stored) != (secret, spk):
            raise AssertionError("17.2: a stored signed prekey does not load to itself")
        return {"public_key": h(public), "signature": h(signature), "content": h(content),
                "checksum": h(checksum), "stored": h(stored)}
    if op == "store_one_time_prekey":                       # 17.2
        take(arg, ("id", "secret"))
        secret = require_len(unhex(arg["secret"]), 32, "secret")
        content = stored_one_time_prekey_content(arg["id"], secret)
        checksum = stored_prekey_checksum(LABEL_STORED_ONE_TIME_PREKEY, content)
        stored = content + checksum
        public = x25519_public(secret)
        if len(stored) != STORED_ONE_TIME_PREKEY_LEN \
                or load_stored_one_time_prekey(stored) != (arg["id"], secret, public):
            raise AssertionError("17.2: a stored one-time prekey does not load to itself")
        return {"public_key": h(public), "content": h(content), "checksum": h(checksum),
                "stored": h(stored)}
    if op == "load_signed_prekey":                          # 17.2 Loading
        data = unhex(arg)
        secret, spk = load_stored_signed_prekey(data)
        content = stored_signed_prekey_content(secret, spk)
        if content + stored_prekey_checksum(LABEL_STORED_SIGNED_PREKEY, content) != data:
            raise AssertionError("17.2: a loaded signed prekey does not re-encode to itself")
        return {"id": spk.id, "created_at": spk.created_at, "public_key": h(spk.public_key),
                "signature": h(spk.signature)}
    if op == "load_one_time_prekey":                        # 17.2 Loading
        data = unhex(arg)
        otk_id, secret, public = load_stored_one_time_prekey(data)
        content = stored_one_time_prekey_content(otk_id, secret)
        if content + stored_prekey_checksum(LABEL_STORED_ONE_TIME_PREKEY, content) != data:
            raise AssertionError("17.2: a loaded one-time prekey does not re-encode to itself")
        return {"id": otk_id, "public_key": h(public)}
    if op == "first_of":                                    # 17.3 rule 1
        take(arg, ("table", "incarnation"))
        record = STORE_TABLES[store_table(arg["table"])]
        return {"revision": first_revision(arg["incarnation"], record)}
    if op == "next":                                        # 17.3 rule 1
        take(arg, ("table", "revision"))
        record = STORE_TABLES[store_table(arg["table"])]
        return {"revision": next_revision(arg["revision"], record)}
    if op == "seal":                                        # 17.4
        take(arg, ("storage_key", "salt", "table", "record_key", "revision", "value"))
        storage_key, salt = unhex(arg["storage_key"]), unhex(arg["salt"])
        table, record_key = store_table(arg["table"]), unhex(arg["record_key"])
        value = unhex(arg["value"])
        okm = sealed_okm(storage_key, salt)
        sealed = seal_value(storage_key, salt, table, record_key, arg["revision"], value)
        if len(sealed) != len(value) + SEALED_OVERHEAD or \
                open_value(storage_key, table, record_key, arg["revision"], sealed) != value:
            raise AssertionError("17.4: a sealed value does not open where it was written")
        return {"okm": h(okm), "aead_key": h(okm[:32]), "aead_nonce": h(okm[32:]),
                "associated_data": h(sealed_ad(table, record_key, arg["revision"])),
                "sealed": h(sealed)}
    if op == "open":                                        # 17.4 Opening
        take(arg, ("storage_key", "table", "record_key", "revision", "sealed"))
        return {"value": h(open_value(unhex(arg["storage_key"]), store_table(arg["table"]),
                                      unhex(arg["record_key"]), arg["revision"],
                                      unhex(arg["sealed"])))}
    raise AssertionError(f"unknown operation {op!r}")


# ---- pqxdh.json (SPEC.md 18) ------------------------------------------------------------

def first_message_of(alice_draws: list, bundle: VerifiedBundle, envelope: bytes,
                     config: Config) -> dict:
    """pqxdh.json transcripts' `first_message`: SK, the 77-byte prekey_info and the 194-byte
    AEAD associated data of envelope 1, recomputed from Alice's draws (identity seed, ek, m,
    first ratchet secret: SPEC.md 18.3) and Bob's bundle, apart from the sessions; envelope
    1 must be what they give (its kem field, header, and a tag that verifies)."""
    alice = IdentityKeyPair(alice_draws[0])
    ek, m, s = alice_draws[1], alice_draws[2], alice_draws[3]
    res, ct = pqxdh_initiator(alice, ek, m, bundle)                     # 18.3 steps 1-4
    otk_id = bundle.one_time_prekey[0] if bundle.one_time_prekey else None
    info = PreKeyInfo(x25519_public(ek), bundle.signed_prekey.id, otk_id, bundle.kem_prekey.id,
                      hashlib.sha256(ct).digest()).encode_for_ad()     # 18.5
    header = encode_header(x25519_public(s), 0, 0)                      # 6.5: PN = N = 0
    aead_ad = aead_associated_data(res.ad, header, info)                # 18.5
    if len(info) != 77 or len(aead_ad) != 194:
        raise AssertionError("18.5: prekey_info is 77 bytes and the AEAD AD 194")
    msg = decode_envelope(envelope, config)
    if not isinstance(msg, PreKeyMessage) or msg.kem != (bundle.kem_prekey.id, ct) \
            or encode_header(msg.message.ratchet_key, msg.message.previous_counter,
                             msg.message.counter) != header:
        raise AssertionError("18.3: envelope 1 is not what Alice's draws give")
    _, cks = kdf_rk(res.sk, dh(s, bundle.signed_prekey.public_key))     # 6.1 initiator
    open_message(kdf_ck(cks)[0], aead_ad, msg.message.ciphertext)       # 6.4, 6.5
    return {"shared_key": h(res.sk), "prekey_info": h(info), "aead_associated_data": h(aead_ad)}


def kem_prekey_json(kem: KemPreKey) -> dict:
    """pqxdh.json: a KEM prekey's fields (18.7)."""
    return {"id": kem.id, "created_at": kem.created_at, "last_resort": kem.last_resort,
            "public_key": h(kem.public_key), "signature": h(kem.signature)}


def hybrid_bundle_json(bundle: VerifiedBundle) -> dict:
    """pqxdh.json: a bundle's fields, as prekey_bundle.json's plus `kem_prekey`."""
    spk = bundle.signed_prekey
    return {
        "identity_key": h(bundle.identity.encoded),
        "signed_prekey": {"id": spk.id, "created_at": spk.created_at,
                          "public_key": h(spk.public_key), "signature": h(spk.signature)},
        "one_time_prekey": None if bundle.one_time_prekey is None else
        {"id": bundle.one_time_prekey[0], "public_key": h(bundle.one_time_prekey[1])},
        "kem_prekey": None if bundle.kem_prekey is None else kem_prekey_json(bundle.kem_prekey),
    }


def run_pqxdh(inp: dict) -> dict:
    """pqxdh.json: SPEC.md 18 (test-vectors/README.md, "### pqxdh.json"). Errors are part of
    the output (error_json), as in store.json."""
    if len(inp) != 1:
        raise AssertionError(f"an input has exactly one operation key, got {sorted(inp)}")
    (op, arg), = inp.items()
    try:
        return _run_pqxdh_op(op, arg)
    except HushwireError as e:
        return error_json(e)


def _run_pqxdh_op(op: str, arg) -> dict:
    """One pqxdh.json operation; a HushwireError is the case's recorded error."""
    if op == "keygen":                                      # 18.1 step 1, 18.2
        take(arg, ("seed",))
        ek, dk = kem_keygen(unhex(arg["seed"]))
        if len(ek) != KEM_PUBLIC_KEY_LEN or len(dk) != KEM_SECRET_KEY_LEN \
                or dk[1536:3104] != ek:
            raise AssertionError("18.2: dk = dk_PKE || ek || H(ek) || z")
        return {"ek": h(ek), "dk": h(dk)}
    if op == "encapsulate":                                 # 18.2
        take(arg, ("ek", "m"))
        ss, ct = kem_encapsulate(unhex(arg["ek"]), unhex(arg["m"]))
        return {"ciphertext": h(ct), "shared_secret": h(ss)}
    if op == "decapsulate":                                 # 18.2
        take(arg, ("dk", "ciphertext"))
        return {"shared_secret": h(kem_decapsulate(unhex(arg["dk"]), unhex(arg["ciphertext"])))}
    if op == "sign":                                        # 18.1, 3.2
        take(arg, ("identity_seed", "id", "last_resort", "created_at", "ek"))
        pair = IdentityKeyPair(require_len(unhex(arg["identity_seed"]), 32, "seed"))
        msg, sig = sign_kem_prekey(pair, arg["id"], arg["created_at"], arg["last_resort"],
                                   unhex(arg["ek"]))
        if len(msg) != 1608:
            raise AssertionError("18.1: the signed message is 1608 bytes")
        return {"identity_key": h(pair.public.encoded), "signed_message": h(msg),
                "signature": h(sig)}
    if op == "verify":                                      # 18.1 (hazmat order)
        take(arg, ("identity_key", "id", "last_resort", "created_at", "ek", "signature"))
        verify_kem_prekey(unhex(arg["identity_key"]), arg["id"], arg["last_resort"],
                          arg["created_at"], unhex(arg["ek"]), unhex(arg["signature"]))
        return {"valid": True}
    if op == "agree":                                       # 18.3, both sides
        take(arg, ("alice_seed", "alice_base_secret", "m", "bob_seed",
                   "bob_signed_prekey_secret", "bob_one_time_prekey_secret", "bob_kem_seed"))
        alice = IdentityKeyPair(unhex(arg["alice_seed"]))
        bob = IdentityKeyPair(unhex(arg["bob_seed"]))
        spk_secret = unhex(arg["bob_signed_prekey_secret"])
        opk_secret = unhex(arg["bob_one_time_prekey_secret"])
        spk_public = x25519_public(spk_secret)
        opk_public = None if opk_secret is None else x25519_public(opk_secret)
        ek_kem, dk = kem_keygen(unhex(arg["bob_kem_seed"]))
        ek = unhex(arg["alice_base_secret"])
        ek_public = x25519_public(ek)
        bundle = VerifiedBundle(bob.public, SignedPreKey(0, 0, spk_public, b""),
                                None if opk_public is None else (0, opk_public), None,
                                KemPreKey(0, 0, True, ek_kem, b""))
        a_side, ct = pqxdh_initiator(alice, ek, unhex(arg["m"]), bundle)
        b_side = pqxdh_responder(bob, spk_secret, opk_secret, dk,
                                 validate_identity_key(alice.public.encoded, "identity_key"),
                                 validate_x25519_public(ek_public, "base_key"), ct)
        if a_side != b_side:
            raise AssertionError("18.3: initiator and responder disagree")
        if len(a_side.ikm) != (192 if opk_secret is not None else 160):
            raise AssertionError("18.3: ikm is 160 or 192 bytes")
        return {
            "alice_base_public": h(ek_public),
            "alice_identity_key": h(alice.public.encoded),
            "associated_data": h(a_side.ad),
            "bob_identity_key": h(bob.public.encoded),
            "bob_one_time_prekey_public": None if opk_public is None else h(opk_public),
            "bob_signed_prekey_public": h(spk_public),
            "ciphertext": h(ct),
            "dh": [h(d) for d in a_side.dh],
            "ikm": h(a_side.ikm),
            "shared_key": h(a_side.sk),
            "shared_secret": h(a_side.ss),
        }
    if op == "bundle":                                      # 4.2, 7.5, 18.7 (owner's)
        take(arg, ("identity_seed", "signed_prekey", "one_time_prekey", "kem_prekey"))
        pair = IdentityKeyPair(unhex(arg["identity_seed"]))
        spk_in = take(arg["signed_prekey"], ("id", "created_at", "secret"))
        spk_public = x25519_public(unhex(spk_in["secret"]))
        _, sig = sign_signed_prekey(pair, spk_in["id"], spk_in["created_at"], spk_public)
        otk = None
        if arg["one_time_prekey"] is not None:
            o = take(arg["one_time_prekey"], ("id", "secret"))
            otk = (o["id"], x25519_public(unhex(o["secret"])))
        k = take(arg["kem_prekey"], ("id", "created_at", "last_resort", "seed"))
        _, kem = generate_kem_prekey(pair, k["id"], k["created_at"], k["last_resort"],
                                     unhex(k["seed"]))
        bundle = VerifiedBundle(pair.public, SignedPreKey(spk_in["id"], spk_in["created_at"],
                                                          spk_public, sig), otk, None, kem)
        data = encode_bundle(bundle.identity, bundle.signed_prekey, otk, None, kem)
        if decode_and_validate_bundle(data, Config()) != bundle:
            raise AssertionError("4.2: an owner's bundle does not decode to itself")
        return {"bytes": h(data), **hybrid_bundle_json(bundle)}
    if op == "decode_bundle":                               # 4.2 with 18.7 step 7c
        take(arg, ("bytes", "max_encoded_len"))
        return hybrid_bundle_json(decode_and_validate_bundle(
            unhex(arg["bytes"]), Config(max_encoded_len=arg["max_encoded_len"])))
    if op == "transcript":                                  # 18.3 - 18.5
        return run_transcript(arg, hybrid=True)
    if op == "store_kem_prekey":                            # 18.6
        take(arg, ("identity_seed", "id", "created_at", "last_resort", "seed"))
        pair = IdentityKeyPair(require_len(unhex(arg["identity_seed"]), 32, "seed"))
        dk, kem = generate_kem_prekey(pair, arg["id"], arg["created_at"], arg["last_resort"],
                                      unhex(arg["seed"]))
        stored = store_kem_prekey(dk, kem)
        if len(stored) != STORED_KEM_PREKEY_LEN or load_stored_kem_prekey(stored) != (dk, kem):
            raise AssertionError("18.6: a stored KEM prekey does not load to itself")
        return {"stored": h(stored)}
    if op == "load_kem_prekey":                             # 18.6 Loading
        data = unhex(arg)
        dk, kem = load_stored_kem_prekey(data)
        if store_kem_prekey(dk, kem) != data:
            raise AssertionError("18.6: a loaded KEM prekey does not re-encode to itself")
        return kem_prekey_json(kem)
    raise AssertionError(f"unknown operation {op!r}")


RUNNERS: dict[str, Callable[[dict], dict]] = {
    "identity.json": run_identity,
    "signed_prekey.json": run_signed_prekey,
    "prekey_bundle.json": run_prekey_bundle,
    "x3dh.json": run_x3dh,
    "kdf.json": run_kdf,
    "message.json": run_message,
    "envelope.json": run_envelope,
    "session_state.json": run_session_state,
    "transcript.json": run_transcript,
    "verification.json": run_verification,
    "certificates.json": run_certificates,
    "devices.json": run_devices,
    "group.json": run_group,
    "attachment.json": run_attachment,
    "store.json": run_store,
    "pqxdh.json": run_pqxdh,
}


# =====================================================================================
# Driver
# =====================================================================================

def diff(expected, actual, path: str = "") -> list[str]:
    """test-vectors/README.md (format): compare the whole output object; list differences."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for k in sorted(set(expected) | set(actual)):
            if k not in actual:
                out.append(f"{path}.{k}: missing from the recomputation")
            elif k not in expected:
                out.append(f"{path}.{k}: not in the vector")
            else:
                out += diff(expected[k], actual[k], f"{path}.{k}")
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [d for i, (e, a) in enumerate(zip(expected, actual))
                for d in diff(e, a, f"{path}[{i}]")]
    if expected != actual:
        return [f"{path or '.'}: expected {json.dumps(expected)}, got {json.dumps(actual)}"]
    return []


def run_case(runner: Callable[[dict], dict], case: dict) -> list[str]:
    """test-vectors/README.md (format): recompute one case from `input`, compare with
    `output` or the `error` kind (SPEC.md 8.1); return the problems (empty = pass)."""
    try:
        got = ("output", runner(case["input"]))
    except HushwireError as e:
        got = ("error", e.kind)
    except Exception as e:  # noqa: BLE001 -- an implementation failure is a failed case
        return [f"exception {type(e).__name__}: {e}"]
    if "error" in case:
        if got == ("error", case["error"]):
            return []
        what = f"error {got[1]}" if got[0] == "error" else "an output"
        return [f"expected error {case['error']}, got {what}"]
    if got[0] == "error":
        return [f"expected an output, got error {got[1]}"]
    return diff(case["output"], got[1])


def main(argv: list[str]) -> int:
    """test-vectors/README.md ("Run them"): per file "N passed, M failed"; non-zero exit
    status on any failure. Directory argument defaults to this file's test-vectors/."""
    _chacha20_self_test()
    directory = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    any_failed = False
    for name, runner in RUNNERS.items():
        path = directory / name
        if not path.exists():
            print(f"{name}: missing")
            any_failed = True
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format_version") != 1 or doc.get("file") != name:
            print(f"{name}: unexpected format_version/file header")
            any_failed = True
        passed = failed = 0
        for case in doc["cases"]:
            problems = run_case(runner, case)
            if problems:
                failed += 1
                print(f"  {name} case {case['id']} ({case['comment']}): FAILED")
                for p in problems[:10]:
                    print(f"      {p}")
            else:
                passed += 1
        print(f"{name}: {passed} passed, {failed} failed")
        any_failed |= failed > 0
    return 1 if any_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
