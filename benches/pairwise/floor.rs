//! The floor: the raw primitive crates, called directly, and each hushwire operation composed
//! from exactly the primitive calls SPEC.md (and the code) make it perform, with no state
//! handling, encoding, validation or allocation beyond what the primitives themselves do.
//!
//! There is one floor per set of primitives ([`Set`]): the RustCrypto crates (`floor`), the
//! aws-lc-rs crate (`floor_aws`), and the fastest of the two for each primitive in this run
//! (`floor_limit`). Only X25519 and ChaCha20-Poly1305 differ between the sets, as only they go
//! through hushwire's provider seam; HMAC, HKDF and SHA-256 are the RustCrypto crates and
//! Ed25519 is ed25519-dalek in every set, as in hushwire with either provider. A floor calls
//! the two varying primitives through a plain function pointer ([`Prims`]), hushwire through
//! its provider's trait object: one indirect call each.
//!
//! aws-lc-rs is called here directly (`use aws_lc_rs`): it is a dependency of the hushwire
//! package itself (optional, enabled by the dev-dependency's `aws-lc-rs` feature), and a
//! package's benches can use its own dependencies, as they use `chacha20poly1305` and `hmac`.
//!
//! Notation used in the comments and the report: B = X25519 key generation (32 random bytes
//! and X25519(k, 9)), P = X25519(k, 9) alone, D = X25519(k, u), H32/H44/H64 = HKDF-SHA256
//! extract + expand to that many bytes, K = KDF_CK (HMAC-SHA256 keyed once with the 32-byte
//! chain key, the keyed state cloned, and the two finalized over 0x01 and 0x02), M = one
//! HMAC-SHA256 with a 32-byte key over one byte, A(n) = ChaCha20-Poly1305 over n bytes (in
//! place, the tag in the 16 bytes after the text, as the provider seam has it), V = Ed25519
//! point decompression + `verify_strict`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::shared::aws_agree;
use aws_lc_rs::{aead, agreement};
use chacha20poly1305::{AeadInOut, ChaCha20Poly1305, KeyInit, Nonce, Tag};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::Rng;
use rand_chacha::ChaCha20Rng;
use sha2::Sha256;
use std::hint::black_box;
use x25519_dalek::{PublicKey, StaticSecret};

use crate::fixtures::{AWS, Column, ROUND_TRIP_TIME, RUST, SIZES, batch, payload, rng};

/// AEAD associated data of a RatchetMessage (SPEC.md 6.5).
pub(crate) const AD_RATCHET: usize = 113;
/// AEAD associated data of a message inside a PreKeyMessage.
pub(crate) const AD_PREKEY: usize = 158;
/// The bytes Ed25519 signs for a signed prekey: 1 + 29-byte label + 44-byte body.
const SIGNED_PREKEY_MESSAGE: usize = 74;
/// The Poly1305 tag.
const TAG: usize = 16;

/// An X25519 secret, public key or shared secret, or a 32-byte symmetric key.
pub(crate) type Key = [u8; 32];

// ---------------------------------------------------------------------------------------------
// The two implementations of the primitives behind the seam.

/// P by x25519-dalek (what hushwire's RUST_CRYPTO computes, on curve25519-dalek).
fn rust_public_key(k: &Key) -> Key {
    PublicKey::from(&StaticSecret::from(*k)).to_bytes()
}

/// D by x25519-dalek.
fn rust_dh(k: &Key, u: &Key) -> Key {
    StaticSecret::from(*k)
        .diffie_hellman(&PublicKey::from(*u))
        .to_bytes()
}

/// A(n) encrypt by chacha20poly1305: `in_out` is the text and 16 bytes of room for the tag.
fn rust_seal(key: &Key, nonce: &[u8; 12], ad: &[u8], in_out: &mut [u8]) {
    let (body, room) = in_out.split_at_mut(in_out.len() - TAG);
    let tag = ChaCha20Poly1305::new(&(*key).into())
        .encrypt_inout_detached(&Nonce::from(*nonce), ad, body.into())
        .unwrap();
    room.copy_from_slice(&tag);
}

/// A(n) decrypt by chacha20poly1305: `in_out` is ciphertext || tag.
fn rust_open(key: &Key, nonce: &[u8; 12], ad: &[u8], in_out: &mut [u8]) {
    let (body, tag) = in_out.split_at_mut(in_out.len() - TAG);
    let tag = Tag::try_from(&tag[..]).unwrap();
    ChaCha20Poly1305::new(&(*key).into())
        .decrypt_inout_detached(&Nonce::from(*nonce), ad, body.into(), &tag)
        .unwrap();
}

/// AWS-LC's X25519 takes a secret only through `PrivateKey::from_private_key`, which computes
/// the public key as it imports (measured alone as `primitive_aws/x25519_import`).
fn aws_import(k: &Key) -> agreement::PrivateKey {
    agreement::PrivateKey::from_private_key(&agreement::X25519, k).unwrap()
}

/// P by aws-lc-rs: import, then `compute_public_key`.
fn aws_public_key(k: &Key) -> Key {
    let public = aws_import(k).compute_public_key().unwrap();
    public.as_ref().try_into().unwrap()
}

/// D by aws-lc-rs: import, then `agree`.
fn aws_dh(k: &Key, u: &Key) -> Key {
    aws_agree(&aws_import(k), u)
}

/// A secret's public key (when asked for) and its shared secrets with each key.
type Agreements = (Option<Key>, Vec<Key>);

/// One import, then P (when asked) and `agree` with each key.
fn aws_agree_many(k: &Key, public: bool, us: &[Key]) -> Agreements {
    let key = aws_import(k);
    let public = public.then(|| {
        let p = key.compute_public_key().unwrap();
        <Key>::try_from(p.as_ref()).unwrap()
    });
    (public, us.iter().map(|u| aws_agree(&key, u)).collect())
}

/// P (when asked) and D with each key, one call each.
fn rust_agree_many(k: &Key, public: bool, us: &[Key]) -> Agreements {
    let public = public.then(|| rust_public_key(k));
    (public, us.iter().map(|u| rust_dh(k, u)).collect())
}

fn aws_key(key: &Key) -> aead::LessSafeKey {
    aead::LessSafeKey::new(aead::UnboundKey::new(&aead::CHACHA20_POLY1305, key).unwrap())
}

/// A(n) encrypt by aws-lc-rs (`seal_in_place_separate_tag`), same layout as [`rust_seal`].
fn aws_seal(key: &Key, nonce: &[u8; 12], ad: &[u8], in_out: &mut [u8]) {
    let (body, room) = in_out.split_at_mut(in_out.len() - TAG);
    let tag = aws_key(key)
        .seal_in_place_separate_tag(
            aead::Nonce::assume_unique_for_key(*nonce),
            aead::Aad::from(ad),
            body,
        )
        .unwrap();
    room.copy_from_slice(tag.as_ref());
}

/// A(n) decrypt by aws-lc-rs (`open_in_place` on ciphertext || tag).
fn aws_open(key: &Key, nonce: &[u8; 12], ad: &[u8], in_out: &mut [u8]) {
    aws_key(key)
        .open_in_place(
            aead::Nonce::assume_unique_for_key(*nonce),
            aead::Aad::from(ad),
            in_out,
        )
        .unwrap();
}

/// The primitives a floor calls that depend on the set.
#[derive(Clone, Copy)]
pub(crate) struct Prims {
    public_key: fn(&Key) -> Key,
    dh: fn(&Key, &Key) -> Key,
    /// One secret's public key (when asked) and its agreements, as hushwire's
    /// `X25519::agree` does them: aws-lc-rs imports the secret once.
    agree: fn(&Key, bool, &[Key]) -> Agreements,
    seal: fn(&Key, &[u8; 12], &[u8], &mut [u8]),
    open: fn(&Key, &[u8; 12], &[u8], &mut [u8]),
}

/// Which crate implements a primitive.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Impl {
    RustCrypto,
    AwsLc,
}

impl Impl {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Impl::RustCrypto => "rust-crypto",
            Impl::AwsLc => "aws-lc-rs",
        }
    }

    /// The criterion group of this implementation's raw primitives.
    pub(crate) fn primitive_group(self) -> &'static str {
        match self {
            Impl::RustCrypto => RUST.primitive,
            Impl::AwsLc => AWS.primitive,
        }
    }
}

/// The primitives behind the seam, ChaCha20-Poly1305 at each payload length.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    PublicKey,
    Dh,
    Seal(usize),
    Open(usize),
}

impl Kind {
    /// Every kind, in report order.
    pub(crate) fn all() -> Vec<Kind> {
        let mut all = vec![Kind::PublicKey, Kind::Dh];
        all.extend(SIZES.iter().map(|&(_, len)| Kind::Seal(len)));
        all.extend(SIZES.iter().map(|&(_, len)| Kind::Open(len)));
        all
    }

    /// The benchmark id of this primitive, without its group.
    pub(crate) fn id(self) -> String {
        let size = |len| SIZES.iter().find(|s| s.1 == len).map_or("?", |s| s.0);
        match self {
            Kind::PublicKey => "x25519_public_key".into(),
            Kind::Dh => "x25519_dh".into(),
            Kind::Seal(len) => format!("chacha20poly1305_seal/{}", size(len)),
            Kind::Open(len) => format!("chacha20poly1305_open/{}", size(len)),
        }
    }
}

/// The set of primitives a floor is composed of.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Set {
    /// The RustCrypto crates (what RUST_CRYPTO runs on).
    Rust,
    /// aws-lc-rs (what AWS_LC_RS runs on).
    Aws,
    /// For each primitive, the faster of the two in this run's calibration ([`limit`]).
    Limit,
}

impl Set {
    /// The criterion group of this set's floors.
    pub(crate) fn group(self) -> &'static str {
        match self {
            Set::Rust => RUST.floor,
            Set::Aws => AWS.floor,
            Set::Limit => "floor_limit",
        }
    }

    /// The floor set of a provider column.
    pub(crate) fn of(col: Column) -> Set {
        if col.floor == AWS.floor {
            Set::Aws
        } else {
            Set::Rust
        }
    }

    fn with(choice: impl Fn(Kind) -> Impl, len: usize) -> Prims {
        let pick = |kind| choice(kind) == Impl::AwsLc;
        Prims {
            public_key: if pick(Kind::PublicKey) {
                aws_public_key
            } else {
                rust_public_key
            },
            dh: if pick(Kind::Dh) { aws_dh } else { rust_dh },
            agree: if pick(Kind::Dh) && pick(Kind::PublicKey) {
                aws_agree_many
            } else {
                rust_agree_many
            },
            seal: if pick(Kind::Seal(len)) {
                aws_seal
            } else {
                rust_seal
            },
            open: if pick(Kind::Open(len)) {
                aws_open
            } else {
                rust_open
            },
        }
    }

    /// The primitives of this set for an operation whose AEAD runs over `len` bytes.
    fn prims(self, len: usize) -> Prims {
        match self {
            Set::Rust => Set::with(|_| Impl::RustCrypto, len),
            Set::Aws => Set::with(|_| Impl::AwsLc, len),
            Set::Limit => Set::with(|kind| limit().choice(kind), len),
        }
    }
}

/// The primitives behind the seam that the floor of `op` calls, its AEAD over `len` bytes
/// (64 for the set-up operations and the round trips).
pub(crate) fn uses(op: &str, len: usize) -> Vec<Kind> {
    match op {
        "initiate" | "initiate_from_bundle" => vec![Kind::PublicKey, Kind::Dh],
        "accept" => vec![Kind::Dh, Kind::Open(64)],
        "encrypt" => vec![Kind::Seal(len)],
        "decrypt" => vec![Kind::Open(len)],
        "decrypt_ratchet" => vec![Kind::Dh, Kind::Open(len)],
        _ => vec![Kind::PublicKey, Kind::Dh, Kind::Seal(64), Kind::Open(64)],
    }
}

/// Where the limit floor of `op` is measured: when every primitive it uses is fastest in one
/// crate, the limit floor is that crate's floor, the same composition, measured once
/// (`Some(set)`); otherwise it has a benchmark of its own in `floor_limit` (`None`).
pub(crate) fn limit_source(op: &str, len: usize) -> Option<Set> {
    let choices: Vec<Impl> = uses(op, len)
        .into_iter()
        .map(|k| limit().choice(k))
        .collect();
    if choices.iter().all(|&c| c == Impl::AwsLc) {
        Some(Set::Aws)
    } else if choices.iter().all(|&c| c == Impl::RustCrypto) {
        Some(Set::Rust)
    } else {
        None
    }
}

/// The benchmark id of the limit floor of `op` at `param` (a size or "otk"/"no_otk").
pub(crate) fn limit_floor_id(op: &str, param: &str, len: usize) -> String {
    let group = limit_source(op, len).unwrap_or(Set::Limit).group();
    format!("{group}/{op}/{param}")
}

// ---------------------------------------------------------------------------------------------
// The limit: which implementation is faster, decided once per run before the first pass.

/// The outcome of the calibration: for each kind, the time per call of each implementation
/// (nanoseconds, the fastest of several rounds) and the faster one.
pub(crate) struct Limit {
    pub(crate) rows: Vec<(Kind, f64, f64, Impl)>,
}

impl Limit {
    pub(crate) fn choice(&self, kind: Kind) -> Impl {
        self.rows
            .iter()
            .find(|r| r.0 == kind)
            .map_or(Impl::RustCrypto, |r| r.3)
    }
}

static LIMIT: OnceLock<Limit> = OnceLock::new();

/// The limit choices ([`calibrate`] on first use).
pub(crate) fn limit() -> &'static Limit {
    LIMIT.get_or_init(calibrate)
}

/// Nanoseconds per call of `f` and of `g`: 21 rounds of about 10 ms each, the fastest round's
/// mean. `f` and `g` alternate round by round, so a change in load hits both.
fn race(mut f: impl FnMut(), mut g: impl FnMut()) -> (f64, f64) {
    fn iterations(f: &mut impl FnMut()) -> u32 {
        let mut n = 1;
        loop {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            if start.elapsed() > Duration::from_millis(10) || n > 1 << 24 {
                return n;
            }
            n *= 2;
        }
    }
    let (nf, ng) = (iterations(&mut f), iterations(&mut g));
    let round = |f: &mut dyn FnMut(), n: u32| {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        start.elapsed().as_nanos() as f64 / f64::from(n)
    };
    let (mut best_f, mut best_g) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..21 {
        best_f = best_f.min(round(&mut f, nf));
        best_g = best_g.min(round(&mut g, ng));
    }
    (best_f, best_g)
}

/// Times each primitive behind the seam in both crates, in this process, and keeps the
/// faster: the choice the limit floors are composed of, fixed for every pass of the run. The
/// report shows these timings next to criterion's medians of the same primitives.
fn calibrate() -> Limit {
    let k = keys();
    let mut rows = Vec::new();
    let mut push = |kind, (rust, aws): (f64, f64)| {
        let pick = if aws < rust {
            Impl::AwsLc
        } else {
            Impl::RustCrypto
        };
        rows.push((kind, rust, aws, pick));
    };
    push(
        Kind::PublicKey,
        race(
            || {
                black_box(rust_public_key(black_box(&k.spk)));
            },
            || {
                black_box(aws_public_key(black_box(&k.spk)));
            },
        ),
    );
    push(
        Kind::Dh,
        race(
            || {
                black_box(rust_dh(black_box(&k.spk), &k.ek_pub));
            },
            || {
                black_box(aws_dh(black_box(&k.spk), &k.ek_pub));
            },
        ),
    );
    let (key, nonce, ad) = ([1u8; 32], [2u8; 12], [3u8; AD_RATCHET]);
    for &(_, len) in &SIZES {
        let (mut a, mut b) = (vec![0u8; len + TAG], vec![0u8; len + TAG]);
        push(
            Kind::Seal(len),
            race(
                || rust_seal(&key, &nonce, &ad, black_box(&mut a)),
                || aws_seal(&key, &nonce, &ad, black_box(&mut b)),
            ),
        );
    }
    for &(_, len) in &SIZES {
        // Each open needs the ciphertext again: both sides copy it back first (the same cost).
        let mut sealed_buf = payload(len);
        sealed_buf.resize(len + TAG, 0);
        rust_seal(&key, &nonce, &ad, &mut sealed_buf);
        let (mut a, mut b) = (sealed_buf.clone(), sealed_buf.clone());
        push(
            Kind::Open(len),
            race(
                || {
                    a.copy_from_slice(&sealed_buf);
                    rust_open(&key, &nonce, &ad, black_box(&mut a));
                },
                || {
                    b.copy_from_slice(&sealed_buf);
                    aws_open(&key, &nonce, &ad, black_box(&mut b));
                },
            ),
        );
    }
    Limit { rows }
}

// ---------------------------------------------------------------------------------------------
// The symmetric primitives, the same in every set.

/// 32 bytes from the rng (hushwire draws every X25519 secret this way).
fn draw(rng: &mut ChaCha20Rng) -> Key {
    let mut bytes = [0u8; 32];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// B: a secret from the rng, then its public key.
fn keygen(p: &Prims, rng: &mut ChaCha20Rng) -> (Key, Key) {
    let secret = draw(rng);
    let public = (p.public_key)(&secret);
    (secret, public)
}

/// HKDF-SHA256(salt, ikm, info) filling `out`.
fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) {
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, out)
        .unwrap();
}

/// HMAC-SHA256 keyed with a 32-byte key.
fn keyed(key: &Key) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap()
}

/// M.
fn hmac(key: &Key, data: u8) -> Key {
    let mut mac = keyed(key);
    mac.update(&[data]);
    mac.finalize().into_bytes().into()
}

/// K: KDF_CK keying HMAC once (SPEC.md 6.3): (MK, CK') = (HMAC(CK, 0x01), HMAC(CK, 0x02)).
fn kdf_ck(chain_key: &Key) -> (Key, Key) {
    let mut first = keyed(chain_key);
    let mut second = first.clone();
    first.update(&[0x01]);
    second.update(&[0x02]);
    (
        first.finalize().into_bytes().into(),
        second.finalize().into_bytes().into(),
    )
}

/// KDF_CK then the message-key expansion: K + H44 (SPEC.md 6.3, 6.4).
fn message_key(chain_key: &Key) -> (Key, [u8; 12], Key) {
    let (mk, next) = kdf_ck(chain_key);
    let mut okm = [0u8; 44];
    hkdf(&[0u8; 32], &mk, b"hushwire/v1/message-key", &mut okm);
    let mut key = [0u8; 32];
    key.copy_from_slice(&okm[..32]);
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&okm[32..]);
    (key, nonce, next)
}

/// KDF_RK: H64 with the root key as salt.
fn kdf_rk(root: &Key, dh_out: &Key) -> [u8; 64] {
    let mut okm = [0u8; 64];
    hkdf(root, dh_out, b"hushwire/v1/root", &mut okm);
    okm
}

/// X3DH's SK: H32 over F || DH1..DH3 [|| DH4].
fn x3dh_sk(dhs: &[Key]) -> Key {
    let mut ikm = [0xFFu8; 160];
    for (i, d) in dhs.iter().enumerate() {
        ikm[32 * (i + 1)..32 * (i + 2)].copy_from_slice(d);
    }
    let mut sk = [0u8; 32];
    hkdf(
        &[0u8; 32],
        &ikm[..32 * (dhs.len() + 1)],
        b"hushwire/v1/x3dh",
        &mut sk,
    );
    sk
}

// ---------------------------------------------------------------------------------------------
// The operations, composed.

/// Everything the floor operations need: keys of both parties and a verified signature.
pub(crate) struct Keys {
    ik_a: Key,
    ik_b: Key,
    ik_b_pub: Key,
    ik_a_pub: Key,
    spk: Key,
    spk_pub: Key,
    otk: Key,
    otk_pub: Key,
    ek_pub: Key,
    ratchet_pub: Key,
    ed_key: [u8; 32],
    signed: [u8; SIGNED_PREKEY_MESSAGE],
    signature: Signature,
}

pub(crate) fn keys() -> Keys {
    let mut r = rng(99);
    let p = Set::Rust.prims(64);
    let (ik_a, ik_a_pub) = keygen(&p, &mut r);
    let (ik_b, ik_b_pub) = keygen(&p, &mut r);
    let (spk, spk_pub) = keygen(&p, &mut r);
    let (otk, otk_pub) = keygen(&p, &mut r);
    let (_, ek_pub) = keygen(&p, &mut r);
    let (_, ratchet_pub) = keygen(&p, &mut r);
    let signing = SigningKey::from_bytes(&[7u8; 32]);
    let signed = [0x42u8; SIGNED_PREKEY_MESSAGE];
    let signature = signing.sign(&signed);
    Keys {
        ik_a,
        ik_b,
        ik_b_pub,
        ik_a_pub,
        spk,
        spk_pub,
        otk,
        otk_pub,
        ek_pub,
        ratchet_pub,
        ed_key: signing.verifying_key().to_bytes(),
        signed,
        signature,
    }
}

/// Initiator: draw ek, DH1..DH3 [DH4], H32, EK_A = P(ek); then the first ratchet key: draw s,
/// D(s, SPK_B), H64, P(s). Total 2 B + 5 D (4 without OTK) + H32 + H64. Each fresh secret's
/// public key and agreements are one `agree` (one aws-lc-rs import), as in hushwire.
fn initiate(p: &Prims, k: &Keys, r: &mut ChaCha20Rng, with_otk: bool) -> [u8; 64] {
    let ek = draw(r);
    let mut theirs = vec![k.ik_b_pub, k.spk_pub];
    if with_otk {
        theirs.push(k.otk_pub);
    }
    let (ek_pub, by_ek) = (p.agree)(&ek, true, &theirs);
    let mut dhs = vec![(p.dh)(&k.ik_a, &k.spk_pub)];
    dhs.extend(by_ek);
    let sk = x3dh_sk(&dhs);
    black_box(ek_pub);
    let s = draw(r);
    let (s_pub, by_s) = (p.agree)(&s, true, &[k.spk_pub]);
    let out = kdf_rk(&sk, &by_s[0]);
    black_box(s_pub);
    out
}

/// The initiator starting from a bundle: V on the signed prekey, then [`initiate`].
fn initiate_from_bundle(p: &Prims, k: &Keys, r: &mut ChaCha20Rng) -> [u8; 64] {
    let key = VerifyingKey::from_bytes(&k.ed_key).unwrap();
    key.verify_strict(&k.signed, &k.signature).unwrap();
    initiate(p, k, r, true)
}

/// One message sent on an existing chain: K + H44 + A(n). `buf` is the text and 16 bytes of
/// room for the tag.
fn encrypt(p: &Prims, chain_key: &Key, ad: &[u8], buf: &mut [u8]) {
    let (key, nonce, next) = message_key(chain_key);
    black_box(next);
    (p.seal)(&key, &nonce, ad, buf);
}

/// One message received on an existing chain: K + H44 + A(n). `buf` is ciphertext || tag.
fn decrypt(p: &Prims, chain_key: &Key, ad: &[u8], buf: &mut [u8]) {
    let (key, nonce, next) = message_key(chain_key);
    black_box(next);
    (p.open)(&key, &nonce, ad, buf);
}

/// A message with a new ratchet key: receive side D + H64, the message (K + H44 + A(n)), then
/// the sending step drawn, s' = R, and left pending (SPEC.md 6.6, 6.7). Total R + D + H64 + K
/// + H44 + A(n).
fn decrypt_ratchet(
    p: &Prims,
    k: &Keys,
    r: &mut ChaCha20Rng,
    ad: &[u8],
    buf: &mut [u8],
) -> [u8; 32] {
    let dh = (p.dh)(&k.spk, &k.ratchet_pub);
    receive_and_draw(r, ad, buf, p, &dh)
}

/// The receiving step from its DH output: H64, the message, and the draw of the pending step.
fn receive_and_draw(
    r: &mut ChaCha20Rng,
    ad: &[u8],
    buf: &mut [u8],
    p: &Prims,
    dh: &Key,
) -> [u8; 32] {
    let okm = kdf_rk(&[3u8; 32], dh);
    let mut ck = [0u8; 32];
    ck.copy_from_slice(&okm[32..]);
    decrypt(p, &ck, ad, buf);
    black_box(okm);
    draw(r)
}

/// The first message of a chain whose sending step was pending: the step taken (P(s) and
/// D(s, DHr) in one `agree`, H64), then K + H44 + A(n). Total P + D + H64 + K + H44 + A(n).
fn encrypt_taking_step(p: &Prims, k: &Keys, ad: &[u8], buf: &mut [u8]) {
    let (s_pub, by_s) = (p.agree)(&k.spk, true, &[k.ratchet_pub]);
    black_box(s_pub);
    let okm = kdf_rk(&[3u8; 32], &by_s[0]);
    let mut ck = [0u8; 32];
    ck.copy_from_slice(&okm[32..]);
    encrypt(p, &ck, ad, buf);
}

/// Responder: DH1..DH3 [DH4] + H32, with DH(spk_B, the first message's ratchet key) in the
/// signed prekey's `agree`, then the first message with a new ratchet key as in
/// [`decrypt_ratchet`]: 5 D (4 without OTK) + R + H32 + H64 + K + H44 + A(n).
fn accept(
    p: &Prims,
    k: &Keys,
    r: &mut ChaCha20Rng,
    with_otk: bool,
    ad: &[u8],
    buf: &mut [u8],
) -> [u8; 32] {
    // DH1, DH3 and the first receiving step's DH share the signed prekey: one `agree`, as in
    // hushwire.
    let (_, by_spk) = (p.agree)(&k.spk, false, &[k.ik_a_pub, k.ek_pub, k.ratchet_pub]);
    let mut dhs = vec![by_spk[0], (p.dh)(&k.ik_b, &k.ek_pub), by_spk[1]];
    if with_otk {
        dhs.push((p.dh)(&k.otk, &k.ek_pub));
    }
    black_box(x3dh_sk(&dhs));
    receive_and_draw(r, ad, buf, p, &by_spk[2])
}

/// `len` bytes of text and room for the tag, as [`encrypt`] takes them.
fn plaintext(len: usize) -> Vec<u8> {
    let mut buf = payload(len);
    buf.resize(len + TAG, 0);
    buf
}

/// Ciphertext || tag of `len` bytes under the key [`decrypt`] derives from `chain_key`, so that
/// the floor's decryptions verify, as hushwire's do (either crate seals the same bytes).
fn sealed(chain_key: &Key, ad: &[u8], len: usize) -> Vec<u8> {
    let mut buf = plaintext(len);
    encrypt(&Set::Rust.prims(len), chain_key, ad, &mut buf);
    buf
}

/// The chain key [`decrypt_ratchet`] derives for `k`.
fn ratchet_chain_key(k: &Keys) -> Key {
    let okm = kdf_rk(&[3u8; 32], &rust_dh(&k.spk, &k.ratchet_pub));
    let mut ck = [0u8; 32];
    ck.copy_from_slice(&okm[32..]);
    ck
}

// ---------------------------------------------------------------------------------------------
// The benchmarks.

/// The raw primitives without a payload. RustCrypto (`primitive`): keys, DH, signatures, HMAC,
/// HKDF, the rng. aws-lc-rs (`primitive_aws`): keys and DH, the import alone and the agreement
/// alone on a key imported beforehand.
pub(crate) fn fixed_primitives(c: &mut Criterion, col: Column) {
    let mut g = c.benchmark_group(col.primitive);
    let mut r = rng(1);
    let k = keys();
    let p = Set::of(col).prims(64);
    g.bench_function("x25519_keygen", |b| b.iter(|| keygen(&p, &mut r).1));
    g.bench_function("x25519_public_key", |b| {
        b.iter(|| (p.public_key)(black_box(&k.spk)))
    });
    g.bench_function("x25519_dh", |b| {
        b.iter(|| (p.dh)(black_box(&k.spk), &k.ek_pub))
    });
    if Set::of(col) == Set::Aws {
        g.bench_function("x25519_import", |b| {
            b.iter(|| aws_import(black_box(&k.spk)))
        });
        let imported = aws_import(&k.spk);
        g.bench_function("x25519_agree_imported", |b| {
            b.iter(|| aws_agree(black_box(&imported), &k.ek_pub))
        });
        g.finish();
        return;
    }
    g.bench_function("rng_32B", |b| b.iter(|| draw(&mut r)));
    let signing = SigningKey::from_bytes(&[7u8; 32]);
    g.bench_function("ed25519_sign_74B", |b| {
        b.iter(|| signing.sign(black_box(&k.signed)))
    });
    g.bench_function("ed25519_decompress", |b| {
        b.iter(|| VerifyingKey::from_bytes(black_box(&k.ed_key)).unwrap())
    });
    let verifying = VerifyingKey::from_bytes(&k.ed_key).unwrap();
    g.bench_function("ed25519_verify_74B", |b| {
        b.iter(|| {
            verifying
                .verify_strict(black_box(&k.signed), &k.signature)
                .unwrap()
        })
    });
    g.bench_function("hmac_sha256_1B", |b| {
        b.iter(|| hmac(black_box(&[9u8; 32]), 0x01))
    });
    g.bench_function("kdf_ck", |b| b.iter(|| kdf_ck(black_box(&[9u8; 32]))));
    for (name, ikm_len, out_len) in [("H32_ikm160", 160, 32), ("H44", 32, 44), ("H64", 32, 64)] {
        let ikm = vec![5u8; ikm_len];
        g.bench_function(format!("hkdf_sha256_{name}"), |b| {
            b.iter(|| {
                let mut out = [0u8; 64];
                hkdf(
                    &[1u8; 32],
                    black_box(&ikm),
                    b"hushwire/v1/root",
                    &mut out[..out_len],
                );
                out
            })
        });
    }
    g.finish();
}

/// ChaCha20-Poly1305 at one payload size, in place and allocating (copied into a new Vec, then
/// in place): from the chacha20poly1305 crate (`primitive`, its `Aead` methods) and from
/// aws-lc-rs (`primitive_aws`, as hushwire's seal_raw and open_raw do it).
pub(crate) fn aead(c: &mut Criterion, col: Column, name: &str, len: usize) {
    let mut g = c.benchmark_group(col.primitive);
    g.throughput(Throughput::Bytes(len as u64));
    let p = Set::of(col).prims(len);
    let key = [1u8; 32];
    let nonce = [2u8; 12];
    let ad = [3u8; AD_RATCHET];
    let mut buf = plaintext(len);
    g.bench_function(BenchmarkId::new("chacha20poly1305_seal", name), |b| {
        b.iter(|| (p.seal)(&key, &nonce, &ad, black_box(&mut buf)))
    });
    let mut sealed_buf = plaintext(len);
    (p.seal)(&key, &nonce, &ad, &mut sealed_buf);
    g.bench_function(BenchmarkId::new("chacha20poly1305_open", name), |b| {
        b.iter_batched_ref(
            || sealed_buf.clone(),
            |buf| (p.open)(&key, &nonce, &ad, buf),
            batch(len),
        )
    });
    if Set::of(col) == Set::Aws {
        // What hushwire's `seal_raw` and `open_raw` do around the provider: copy the text into
        // a new Vec (with room for the tag) and seal it in place; copy the ciphertext into a
        // new Vec and open it in place.
        let msg = payload(len);
        g.bench_function(BenchmarkId::new("chacha20poly1305_seal_alloc", name), |b| {
            b.iter_batched(
                || (),
                |()| {
                    let mut out = Vec::with_capacity(len + TAG);
                    out.extend_from_slice(black_box(&msg));
                    out.resize(len + TAG, 0);
                    aws_seal(&key, &nonce, &ad, &mut out);
                    out
                },
                batch(len),
            )
        });
        g.bench_function(BenchmarkId::new("chacha20poly1305_open_alloc", name), |b| {
            b.iter_batched(
                || (),
                |()| {
                    let mut out = black_box(&sealed_buf).to_vec();
                    aws_open(&key, &nonce, &ad, &mut out);
                    out
                },
                batch(len),
            )
        });
        g.finish();
        return;
    }
    // The allocating `Aead::encrypt`: copy into a new Vec, then seal in place.
    let msg = payload(len);
    let cipher = ChaCha20Poly1305::new(&key.into());
    g.bench_function(BenchmarkId::new("chacha20poly1305_seal_alloc", name), |b| {
        b.iter_batched(
            || (),
            |()| {
                chacha20poly1305::aead::Aead::encrypt(
                    &cipher,
                    &Nonce::from(nonce),
                    chacha20poly1305::aead::Payload {
                        msg: &msg,
                        aad: &ad,
                    },
                )
                .unwrap()
            },
            batch(len),
        )
    });
    // The allocating `Aead::decrypt`: copy the ciphertext into a new Vec, then open in place.
    g.bench_function(BenchmarkId::new("chacha20poly1305_open_alloc", name), |b| {
        b.iter_batched(
            || (),
            |()| {
                chacha20poly1305::aead::Aead::decrypt(
                    &cipher,
                    &Nonce::from(nonce),
                    chacha20poly1305::aead::Payload {
                        msg: &sealed_buf,
                        aad: &ad,
                    },
                )
                .unwrap()
            },
            batch(len),
        )
    });
    g.finish();
}

/// Whether `set`'s floor of `op` is measured: the provider floors always, the limit floor
/// only where its composition differs from both ([`limit_source`]).
fn measured(set: Set, op: &str, len: usize) -> bool {
    set != Set::Limit || limit_source(op, len).is_none()
}

/// Floors of session set-up: initiate (with and without OTK, and from the bundle's bytes).
pub(crate) fn setup_initiate(c: &mut Criterion, set: Set) {
    if !measured(set, "initiate", 64) {
        return;
    }
    let mut g = c.benchmark_group(set.group());
    let p = set.prims(64);
    let mut r = rng(2);
    let k = keys();
    g.bench_function(BenchmarkId::new("initiate", "otk"), |b| {
        b.iter(|| initiate(&p, &k, &mut r, true))
    });
    g.bench_function(BenchmarkId::new("initiate", "no_otk"), |b| {
        b.iter(|| initiate(&p, &k, &mut r, false))
    });
    g.bench_function(BenchmarkId::new("initiate_from_bundle", "otk"), |b| {
        b.iter(|| initiate_from_bundle(&p, &k, &mut r))
    });
    g.finish();
}

/// Floors of `accept` (the first message is 64 bytes, with the PreKeyMessage AD).
pub(crate) fn setup_accept(c: &mut Criterion, set: Set) {
    if !measured(set, "accept", 64) {
        return;
    }
    let mut g = c.benchmark_group(set.group());
    let p = set.prims(64);
    let mut r = rng(3);
    let k = keys();
    let ck = ratchet_chain_key(&k);
    let ad_prekey = [3u8; AD_PREKEY];
    let first = sealed(&ck, &ad_prekey, 64);
    for (name, with_otk) in [("otk", true), ("no_otk", false)] {
        g.bench_function(BenchmarkId::new("accept", name), |b| {
            b.iter_batched_ref(
                || first.clone(),
                |buf| accept(&p, &k, &mut r, with_otk, &ad_prekey, buf),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

/// The floor of one per-message operation ("encrypt", "decrypt", "decrypt_ratchet") at one size.
pub(crate) fn message(c: &mut Criterion, set: Set, op: &str, name: &str, len: usize) {
    if !measured(set, op, len) {
        return;
    }
    let mut g = c.benchmark_group(set.group());
    g.throughput(Throughput::Bytes(len as u64));
    let p = set.prims(len);
    let mut r = rng(4);
    let k = keys();
    let ad = [3u8; AD_RATCHET];
    let chain = [4u8; 32];
    let id = BenchmarkId::new(op, name);
    match op {
        "encrypt" => {
            let mut buf = plaintext(len);
            g.bench_function(id, |b| {
                b.iter(|| encrypt(&p, &chain, &ad, black_box(&mut buf)))
            });
        }
        "decrypt" => {
            let msg = sealed(&chain, &ad, len);
            g.bench_function(id, |b| {
                b.iter_batched_ref(
                    || msg.clone(),
                    |buf| decrypt(&p, &chain, &ad, buf),
                    batch(len),
                )
            });
        }
        _ => {
            let msg = sealed(&ratchet_chain_key(&k), &ad, len);
            g.bench_function(id, |b| {
                b.iter_batched_ref(
                    || msg.clone(),
                    |buf| decrypt_ratchet(&p, &k, &mut r, &ad, buf),
                    batch(len),
                )
            });
        }
    }
    g.finish();
}

/// Round trip: Alice encrypts, Bob decrypts with a ratchet step, and back (64 bytes).
pub(crate) fn pingpong(c: &mut Criterion, set: Set) {
    if !measured(set, "pingpong", 64) {
        return;
    }
    let mut g = c.benchmark_group(set.group());
    g.measurement_time(ROUND_TRIP_TIME);
    let p = set.prims(64);
    let mut r = rng(5);
    let k = keys();
    let ad = [3u8; AD_RATCHET];
    let msg = sealed(&ratchet_chain_key(&k), &ad, 64);
    g.bench_function(BenchmarkId::new("pingpong", "64B"), |b| {
        b.iter_batched_ref(
            || (plaintext(64), msg.clone(), plaintext(64), msg.clone()),
            |(out1, in1, out2, in2)| {
                encrypt_taking_step(&p, &k, &ad, out1);
                decrypt_ratchet(&p, &k, &mut r, &ad, in1);
                encrypt_taking_step(&p, &k, &ad, out2);
                decrypt_ratchet(&p, &k, &mut r, &ad, in2)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// The whole first exchange: initiate, first message, accept, reply, decrypt the reply.
pub(crate) fn handshake(c: &mut Criterion, set: Set) {
    if !measured(set, "handshake", 64) {
        return;
    }
    let mut g = c.benchmark_group(set.group());
    g.measurement_time(ROUND_TRIP_TIME);
    let p = set.prims(64);
    let mut r = rng(6);
    let k = keys();
    let ad = [3u8; AD_RATCHET];
    let ad_prekey = [3u8; AD_PREKEY];
    let chain = [4u8; 32];
    let ck = ratchet_chain_key(&k);
    let first = sealed(&ck, &ad_prekey, 64);
    let msg = sealed(&ck, &ad, 64);
    g.bench_function(BenchmarkId::new("handshake", "64B"), |b| {
        b.iter_batched_ref(
            || (plaintext(64), first.clone(), plaintext(64), msg.clone()),
            |(out1, in1, out2, in2)| {
                initiate(&p, &k, &mut r, true);
                encrypt(&p, &chain, &ad_prekey, out1);
                accept(&p, &k, &mut r, true, &ad_prekey, in1);
                encrypt_taking_step(&p, &k, &ad, out2);
                decrypt_ratchet(&p, &k, &mut r, &ad, in2)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// The hybrid set-up (SPEC.md 18): the classic floors above plus ML-KEM-1024 from
// `libcrux-ml-kem`, called directly (a dependency of the hushwire package, as aws-lc-rs is),
// the SHA-256 of the ciphertext the PreKeyMessage's associated data binds, the longer HKDF
// input (the KEM secret after the DHs), and for a bundle's bytes the KEM prekey's Ed25519
// signature and FIPS 203's check of its encapsulation key. Default provider (RustCrypto) only.
//
// E = ML-KEM-1024 encapsulation, X = decapsulation, C = the encapsulation-key check,
// S = SHA-256 over the 1568-byte ciphertext, V' = Ed25519 verify over the KEM prekey's
// 1608 signed bytes (1 + 26-byte label + 1581-byte body).

use libcrux_ml_kem::mlkem1024::{
    self, MlKem1024Ciphertext, MlKem1024PrivateKey, MlKem1024PublicKey,
};

/// The bytes Ed25519 signs for a KEM prekey: 1 + 26-byte label + id, time, kind and `ek`.
const KEM_PREKEY_MESSAGE: usize = 1 + 26 + 4 + 8 + 1 + 1568;

/// An ML-KEM-1024 key pair, a ciphertext made for it, and a signed KEM prekey body.
pub(crate) struct KemKeys {
    pk: MlKem1024PublicKey,
    sk: MlKem1024PrivateKey,
    ct: MlKem1024Ciphertext,
    signed: Vec<u8>,
    signature: Signature,
    ed_key: [u8; 32],
}

pub(crate) fn kem_keys() -> KemKeys {
    let (sk, pk) = mlkem1024::generate_key_pair([9u8; 64]).into_parts();
    let (ct, _) = mlkem1024::encapsulate(&pk, [5u8; 32]);
    let signing = SigningKey::from_bytes(&[8u8; 32]);
    let signed = vec![0x24u8; KEM_PREKEY_MESSAGE];
    let signature = signing.sign(&signed);
    KemKeys {
        pk,
        sk,
        ct,
        signed,
        signature,
        ed_key: signing.verifying_key().to_bytes(),
    }
}

/// S: SHA-256 of the ciphertext (`prekey_info` binds it, SPEC.md 18.5).
fn ciphertext_hash(ct: &MlKem1024Ciphertext) -> [u8; 32] {
    use sha2::Digest;
    Sha256::digest(ct.as_slice()).into()
}

/// The hybrid SK: H32 over F || DH1..DH4 || ss, info "hushwire/v1/pqxdh-ml-kem-1024".
fn hybrid_sk(dhs: &[Key], ss: &[u8; 32]) -> Key {
    let mut ikm = [0xFFu8; 192];
    for (i, d) in dhs.iter().enumerate() {
        ikm[32 * (i + 1)..32 * (i + 2)].copy_from_slice(d);
    }
    let end = 32 * (dhs.len() + 1);
    ikm[end..end + 32].copy_from_slice(ss);
    let mut sk = [0u8; 32];
    hkdf(
        &[0u8; 32],
        &ikm[..end + 32],
        b"hushwire/v1/pqxdh-ml-kem-1024",
        &mut sk,
    );
    sk
}

/// Hybrid initiator, OTK: draw ek, DH1..DH4, draw m, E, S, H32 (with ss), P(ek); then the
/// first ratchet key as in [`initiate`]. 2 B + 5 D + E + S + H32 + H64.
fn initiate_hybrid(p: &Prims, k: &Keys, kk: &KemKeys, r: &mut ChaCha20Rng) -> [u8; 64] {
    let ek = draw(r);
    let (ek_pub, by_ek) = (p.agree)(&ek, true, &[k.ik_b_pub, k.spk_pub, k.otk_pub]);
    let mut dhs = vec![(p.dh)(&k.ik_a, &k.spk_pub)];
    dhs.extend(by_ek);
    let m = draw(r);
    let (ct, ss) = mlkem1024::encapsulate(&kk.pk, m);
    black_box(ciphertext_hash(&ct));
    let sk = hybrid_sk(&dhs, &ss);
    black_box(ek_pub);
    let s = draw(r);
    let (s_pub, by_s) = (p.agree)(&s, true, &[k.spk_pub]);
    let out = kdf_rk(&sk, &by_s[0]);
    black_box(s_pub);
    out
}

/// The hybrid initiator from a bundle's bytes: V (signed prekey) + V' (KEM prekey) + C, then
/// [`initiate_hybrid`].
fn initiate_hybrid_from_bundle(p: &Prims, k: &Keys, kk: &KemKeys, r: &mut ChaCha20Rng) -> [u8; 64] {
    let key = VerifyingKey::from_bytes(&k.ed_key).unwrap();
    key.verify_strict(&k.signed, &k.signature).unwrap();
    let key = VerifyingKey::from_bytes(&kk.ed_key).unwrap();
    key.verify_strict(&kk.signed, &kk.signature).unwrap();
    assert!(mlkem1024::validate_public_key(&kk.pk));
    initiate_hybrid(p, k, kk, r)
}

/// Hybrid responder, OTK: DH1..DH4 (the first receiving DH in the signed prekey's `agree`), X,
/// S, H32 (with ss), then the first message with a new ratchet key as in [`accept`].
/// 5 D + X + S + R + H32 + H64 + K + H44 + A(64).
fn accept_hybrid(
    p: &Prims,
    k: &Keys,
    kk: &KemKeys,
    r: &mut ChaCha20Rng,
    ad: &[u8],
    buf: &mut [u8],
) -> [u8; 32] {
    let (_, by_spk) = (p.agree)(&k.spk, false, &[k.ik_a_pub, k.ek_pub, k.ratchet_pub]);
    let dhs = [
        by_spk[0],
        (p.dh)(&k.ik_b, &k.ek_pub),
        by_spk[1],
        (p.dh)(&k.otk, &k.ek_pub),
    ];
    let ss = mlkem1024::decapsulate(&kk.sk, &kk.ct);
    black_box(ciphertext_hash(&kk.ct));
    black_box(hybrid_sk(&dhs, &ss));
    receive_and_draw(r, ad, buf, p, &by_spk[2])
}

/// The raw ML-KEM-1024 primitives (`primitive/*`), RustCrypto column only.
pub(crate) fn kem_primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group(RUST.primitive);
    let kk = kem_keys();
    let mut r = rng(7);
    g.bench_function("ml_kem1024_encapsulate", |b| {
        b.iter(|| mlkem1024::encapsulate(black_box(&kk.pk), draw(&mut r)))
    });
    g.bench_function("ml_kem1024_decapsulate", |b| {
        b.iter(|| mlkem1024::decapsulate(black_box(&kk.sk), black_box(&kk.ct)))
    });
    g.bench_function("ml_kem1024_validate_public_key", |b| {
        b.iter(|| mlkem1024::validate_public_key(black_box(&kk.pk)))
    });
    g.bench_function("sha256_1568B", |b| {
        b.iter(|| ciphertext_hash(black_box(&kk.ct)))
    });
    let key = VerifyingKey::from_bytes(&kk.ed_key).unwrap();
    g.bench_function("ed25519_verify_kem_prekey", |b| {
        b.iter(|| {
            key.verify_strict(black_box(&kk.signed), &kk.signature)
                .unwrap()
        })
    });
    g.finish();
}

/// Floors of the hybrid set-up rows (RustCrypto set): initiate, from the bundle's bytes,
/// accept, handshake, each with the one-time prekey and a KEM prekey.
pub(crate) fn setup_hybrid(c: &mut Criterion, op: &str) {
    let mut g = c.benchmark_group(Set::Rust.group());
    let p = Set::Rust.prims(64);
    let mut r = rng(8);
    let k = keys();
    let kk = kem_keys();
    let ck = ratchet_chain_key(&k);
    let ad = [3u8; AD_RATCHET];
    let ad_prekey = [3u8; AD_PREKEY + 36];
    let chain = [4u8; 32];
    let first = sealed(&ck, &ad_prekey, 64);
    let msg = sealed(&ck, &ad, 64);
    match op {
        "initiate" => {
            g.bench_function(BenchmarkId::new("initiate", "hybrid_otk"), |b| {
                b.iter(|| initiate_hybrid(&p, &k, &kk, &mut r))
            });
            g.bench_function(
                BenchmarkId::new("initiate_from_bundle", "hybrid_otk"),
                |b| b.iter(|| initiate_hybrid_from_bundle(&p, &k, &kk, &mut r)),
            );
        }
        "accept" => {
            g.bench_function(BenchmarkId::new("accept", "hybrid_otk"), |b| {
                b.iter_batched_ref(
                    || first.clone(),
                    |buf| accept_hybrid(&p, &k, &kk, &mut r, &ad_prekey, buf),
                    BatchSize::SmallInput,
                )
            });
        }
        _ => {
            g.measurement_time(ROUND_TRIP_TIME);
            g.bench_function(BenchmarkId::new("handshake", "hybrid_64B"), |b| {
                b.iter_batched_ref(
                    || (plaintext(64), first.clone(), plaintext(64), msg.clone()),
                    |(out1, in1, out2, in2)| {
                        initiate_hybrid(&p, &k, &kk, &mut r);
                        encrypt(&p, &chain, &ad_prekey, out1);
                        accept_hybrid(&p, &k, &kk, &mut r, &ad_prekey, in1);
                        encrypt_taking_step(&p, &k, &ad, out2);
                        decrypt_ratchet(&p, &k, &mut r, &ad, in2)
                    },
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}
