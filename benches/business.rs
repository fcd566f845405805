//! Verified business accounts (SPEC.md 13): decoding and validating a certificate chain, taking
//! in a revocation list, and what a chain adds to validating a prekey bundle, each next to its
//! floor (the raw Ed25519 `verify_strict` calls it must make, with `ed25519-dalek`), in one run:
//! `cargo bench --bench business`. See benches/README.md for the method and results.
//!
//! There is no peer: vodozemac has no certificates, and libsignal's sealed-sender certificate
//! validation (the conceptual peer) is not buildable here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/machine_load.rs"]
mod machine_load;
// `aws_agree` is for the other targets.
#[allow(dead_code)]
#[path = "common/shared.rs"]
mod shared;

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use criterion::{BatchSize, Criterion};
use ed25519_dalek::{Signature, VerifyingKey};
use prost::Message as _;

use hushwire::hazmat::{SignedObject, certificate_signed_message, signed_prekey_message};
use hushwire::{
    BusinessCertificateIn, BusinessId, BusinessTemplate, Config, DisplayName, IdentityKey,
    IssuerKeyPair, IssuerTemplate, LevelSet, PhoneNumber, PreKeyBundleIn, RevocationList,
    Revocations, RootKeyPair, Timestamp, TrustRoots, Validity, VerificationLevel, Website,
};
use hushwire_testkit::fixtures::{config, responder, rng};
use hushwire_testkit::pb;

use machine_load::CpuTimes;
use shared::time;

/// The client's clock in every benchmark.
const NOW: Timestamp = Timestamp::from_unix_seconds(1_800_000_000);
const DAY: u64 = 86_400;
/// Revoked serials in the issuer's list: a large issuer's list, and the largest that fits in
/// `MAX_REVOCATION_LIST_LEN` (1 MiB) with these serials.
const ISSUER_LIST: usize = 10_000;
const ISSUER_LIST_LARGE: usize = 100_000;
/// Issuer-certificate serials in the root's list.
const ROOT_LIST: [u64; 3] = [3, 17, 29];
/// The business certificate's serial: between two revoked serials of both issuer lists
/// (see [`revoked`]), so every lookup is a miss after a full binary search.
const BUSINESS_SERIAL: u64 = 1000 + 37 * 5000 + 20;

/// `n` strictly increasing business-certificate serials, spread as an issuer that numbers its
/// certificates in order and has revoked about one in 37: serial i is `1000 + 37 i + (i² mod
/// 13)`, so 3-byte varints for 10,000 and 4-byte ones for 100,000.
fn revoked(n: usize) -> Vec<u64> {
    (0..n as u64)
        .map(|i| 1000 + 37 * i + (i * i % 13))
        .collect()
}

/// One signature as the floor verifies it: the exact message hushwire's check covers
/// (`u8(len(label)) || label || body`, built once), the signature and the signer's key.
struct Raw {
    key: VerifyingKey,
    message: Vec<u8>,
    signature: Signature,
}

impl Raw {
    /// The body's length: the message less the label and its length byte.
    fn body_len(&self) -> usize {
        self.message.len() - 1 - usize::from(self.message[0])
    }
}

impl Raw {
    fn new(key: &IdentityKey, message: Vec<u8>, signature: &[u8]) -> Self {
        let raw = Self {
            key: VerifyingKey::from_bytes(&key.to_bytes()).unwrap(),
            message,
            signature: Signature::from_slice(signature).unwrap(),
        };
        raw.verify();
        raw
    }

    fn verify(&self) {
        black_box(&self.key)
            .verify_strict(black_box(&self.message), black_box(&self.signature))
            .unwrap();
    }
}

/// Everything the benchmarks use, made once: a root, an issuer under it, a business with a
/// chain, the revocation lists, and the business's prekey bundle with and without the chain.
struct Fixtures {
    roots: TrustRoots,
    config: Config,
    /// The encoded `CertificateChain`.
    chain_bytes: Vec<u8>,
    chain: BusinessCertificateIn,
    /// The issuer's list of [`ISSUER_LIST`] serials, encoded and decoded.
    list_bytes: Vec<u8>,
    list: RevocationList,
    /// The issuer's list of [`ISSUER_LIST_LARGE`] serials, decoded.
    list_large: RevocationList,
    /// The root's list only (what `update` of the issuer's list starts from).
    root_only: Revocations,
    /// The root's list and the issuer's 10,000 or 100,000 serials.
    held: Revocations,
    held_large: Revocations,
    /// The encoded bundle without a chain, and the same bundle with it.
    bundle_plain: Vec<u8>,
    bundle_business: Vec<u8>,
    /// The floors' signatures: the root over the issuer certificate, the issuer over the
    /// business certificate and over its list, Bob over his signed prekey.
    raw_issuer: Raw,
    raw_business: Raw,
    raw_list: Raw,
    raw_prekey: Raw,
    /// An identity key's 32 bytes, for the decompression primitive.
    key_bytes: [u8; 32],
    /// The 10,000-serial list's body, encoded and decoded by prost alone.
    list_body: Vec<u8>,
    list_body_pb: pb::RevocationListBody,
}

fn fixtures() -> Fixtures {
    let mut r = rng(130);
    let root = RootKeyPair::generate(&mut r, 1);
    let roots = TrustRoots::new([root.trust_root()]).unwrap();
    let issuer_key = IssuerKeyPair::generate_key(&mut r);
    let issuer_template = IssuerTemplate {
        serial: 42,
        issuer_key: *issuer_key.public_key(),
        validity: Validity::days_from(Timestamp::from_unix_seconds(1_800_000_000 - 180 * DAY), 730)
            .unwrap(),
        allowed_levels: LevelSet::new(&VerificationLevel::ALL).unwrap(),
    };
    let issuer_cert = root.certify_issuer(&issuer_template);
    let issuer = IssuerKeyPair::new(issuer_key, issuer_cert.clone()).unwrap();
    let bob = responder(&mut r, true);
    // SPEC.md 13.4 recommends 30-day business certificates; every optional field is set.
    let business = BusinessTemplate {
        serial: BUSINESS_SERIAL,
        identity_key: *bob.identity.public_key(),
        business_id: BusinessId::new("acme-shoes").unwrap(),
        display_name: DisplayName::new("Acme Shoes Zürich").unwrap(),
        level: VerificationLevel::Verified,
        validity: Validity::days_from(Timestamp::from_unix_seconds(1_800_000_000 - DAY), 30)
            .unwrap(),
        phone_number: Some(PhoneNumber::new("+41445550123").unwrap()),
        website: Some(Website::new("https://acme-shoes.example/zurich").unwrap()),
    };
    let chain = issuer.certify_business(&business).unwrap();
    let chain_bytes = chain.encode();

    let root_list = root
        .revoke(
            3,
            Timestamp::from_unix_seconds(1_800_000_000 - 2 * DAY),
            &ROOT_LIST,
        )
        .unwrap();
    let issuer_list = |n| {
        let serials = revoked(n);
        assert!(serials.binary_search(&BUSINESS_SERIAL).is_err());
        let list = issuer
            .revoke(
                7,
                Timestamp::from_unix_seconds(1_800_000_000 - 3600),
                &serials,
            )
            .unwrap();
        RevocationList::decode(&list.encode()).unwrap()
    };
    let (list, list_large) = (issuer_list(ISSUER_LIST), issuer_list(ISSUER_LIST_LARGE));
    let list_bytes = list.encode();
    let mut root_only = Revocations::new();
    root_only.update(root_list, &roots, NOW).unwrap();
    let holding = |list: &RevocationList| {
        let mut held = root_only.clone();
        held.update(list.clone(), &roots, NOW).unwrap();
        held
    };
    let (held, held_large) = (holding(&list), holding(&list_large));

    let config = config();
    let bundle_plain = bob.bundle_bytes.clone();
    let bundle_business = bob
        .bundle
        .clone()
        .with_business_certificate(chain.clone())
        .unwrap()
        .encode();

    // The floors' messages, from the encoded objects.
    let issuer_pb = pb::IssuerCertificate::decode(issuer_cert.encode().as_slice()).unwrap();
    let raw_issuer = Raw::new(
        root.trust_root().key(),
        certificate_signed_message(SignedObject::IssuerCertificate, &issuer_pb.body),
        &issuer_pb.signature,
    );
    let chain_pb = pb::CertificateChain::decode(chain_bytes.as_slice()).unwrap();
    let business_pb = chain_pb.business.unwrap();
    let raw_business = Raw::new(
        &issuer_template.issuer_key,
        certificate_signed_message(SignedObject::BusinessCertificate, &business_pb.body),
        &business_pb.signature,
    );
    let list_pb = pb::RevocationList::decode(list_bytes.as_slice()).unwrap();
    let list_body = list_pb.body.clone();
    let list_body_pb = pb::RevocationListBody::decode(list_body.as_slice()).unwrap();
    let raw_list = Raw::new(
        &issuer_template.issuer_key,
        certificate_signed_message(SignedObject::RevocationList, &list_pb.body),
        &list_pb.signature,
    );
    let spk = bob.bundle.signed_prekey();
    let raw_prekey = Raw::new(
        bob.identity.public_key(),
        signed_prekey_message(
            spk.id().0,
            spk.created_at().as_unix_seconds(),
            spk.public_key().as_bytes(),
        ),
        spk.signature(),
    );

    // The fixtures are what they claim.
    let check = chain.clone().validate(&roots, NOW, &held).unwrap();
    assert_eq!(check.serial(), BUSINESS_SERIAL);
    chain.clone().validate(&roots, NOW, &held_large).unwrap();
    let with = PreKeyBundleIn::decode(&bundle_business, &config)
        .unwrap()
        .validate_business(&roots, NOW, &held)
        .unwrap();
    assert!(with.business().is_some());
    let without = PreKeyBundleIn::decode(&bundle_plain, &config)
        .unwrap()
        .validate()
        .unwrap();
    assert!(without.business_certificate().is_none());

    Fixtures {
        roots,
        config,
        chain_bytes,
        chain,
        list_bytes,
        list,
        list_large,
        root_only,
        held,
        held_large,
        bundle_plain,
        bundle_business,
        raw_issuer,
        raw_business,
        raw_list,
        raw_prekey,
        key_bytes: bob.identity.public_key().to_bytes(),
        list_body,
        list_body_pb,
    }
}

/// The operations, as closures over the fixtures: criterion and the paired rounds run the
/// same code.
impl Fixtures {
    fn floor_chain(&self) {
        self.raw_issuer.verify();
        self.raw_business.verify();
    }

    fn decode_validate(&self, held: &Revocations) {
        let chain = BusinessCertificateIn::decode(black_box(&self.chain_bytes)).unwrap();
        black_box(chain.validate(&self.roots, NOW, held).unwrap());
    }

    fn floor_update(&self) {
        self.raw_issuer.verify();
        self.raw_list.verify();
    }

    /// Decodes the issuer's list and takes it into `held` (which holds the root's list only).
    fn update(&self, held: &mut Revocations) {
        let list = RevocationList::decode(black_box(&self.list_bytes)).unwrap();
        black_box(held.update(list, &self.roots, NOW).unwrap());
    }

    fn bundle_plain(&self) {
        let bundle = PreKeyBundleIn::decode(black_box(&self.bundle_plain), &self.config).unwrap();
        black_box(bundle.validate().unwrap());
    }

    fn bundle_business(&self) {
        let bundle =
            PreKeyBundleIn::decode(black_box(&self.bundle_business), &self.config).unwrap();
        black_box(
            bundle
                .validate_business(&self.roots, NOW, &self.held)
                .unwrap(),
        );
    }
}

/// Every benchmark once: each operation right after its floor, so that load drift hits them
/// alike.
fn pass(c: &mut Criterion, f: &Fixtures) -> Paired {
    let mut g = c.benchmark_group("business_chain");
    g.bench_function("floor", |b| b.iter(|| f.floor_chain()));
    g.bench_function("decode", |b| {
        b.iter(|| BusinessCertificateIn::decode(black_box(&f.chain_bytes)).unwrap())
    });
    g.bench_function("decode_validate_10k", |b| {
        b.iter(|| f.decode_validate(&f.held))
    });
    for (id, held) in [("validate_10k", &f.held), ("validate_100k", &f.held_large)] {
        g.bench_function(id, |b| {
            b.iter_batched(
                || f.chain.clone(),
                |chain| chain.validate(&f.roots, NOW, held).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    for (id, list) in [("lookup_10k", &f.list), ("lookup_100k", &f.list_large)] {
        g.bench_function(id, |b| {
            b.iter(|| {
                black_box(list)
                    .revoked_serials()
                    .binary_search(black_box(&BUSINESS_SERIAL))
                    .is_ok()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("business_revocation");
    g.bench_function("floor_10k", |b| b.iter(|| f.floor_update()));
    g.bench_function("decode_10k", |b| {
        b.iter(|| RevocationList::decode(black_box(&f.list_bytes)).unwrap())
    });
    g.bench_function("update_10k", |b| {
        b.iter_batched(
            || f.root_only.clone(),
            |mut held| {
                f.update(&mut held);
                held
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("business_bundle");
    g.bench_function("floor_plain", |b| b.iter(|| f.raw_prekey.verify()));
    g.bench_function("plain", |b| b.iter(|| f.bundle_plain()));
    g.bench_function("floor_business", |b| {
        b.iter(|| {
            f.raw_prekey.verify();
            f.floor_chain();
        })
    });
    g.bench_function("business", |b| b.iter(|| f.bundle_business()));
    g.bench_function("chain_not_validated", |b| {
        b.iter(|| {
            let bundle = PreKeyBundleIn::decode(black_box(&f.bundle_business), &f.config).unwrap();
            black_box(bundle.validate().unwrap())
        })
    });
    g.finish();

    let mut g = c.benchmark_group("business_primitive");
    g.bench_function("verify_issuer_certificate", |b| {
        b.iter(|| f.raw_issuer.verify())
    });
    g.bench_function("verify_business_certificate", |b| {
        b.iter(|| f.raw_business.verify())
    });
    g.bench_function("verify_list_10k", |b| b.iter(|| f.raw_list.verify()));
    g.bench_function("verify_signed_prekey", |b| b.iter(|| f.raw_prekey.verify()));
    g.bench_function("prost_decode_list_body_10k", |b| {
        b.iter(|| pb::RevocationListBody::decode(black_box(f.list_body.as_slice())).unwrap())
    });
    g.bench_function("prost_encode_list_body_10k", |b| {
        b.iter(|| black_box(&f.list_body_pb).encode_to_vec())
    });
    g.bench_function("decompress_key", |b| {
        b.iter(|| VerifyingKey::from_bytes(black_box(&f.key_bytes)).unwrap())
    });
    g.finish();

    paired(f)
}

// ---------------------------------------------------------------------------------------------
// Paired ratios: the two sides of a comparison timed in alternating rounds, so that both see
// the same load from the other core.

const ROUNDS: usize = 21;
const ROUND: Duration = Duration::from_millis(10);

/// One pass's paired ratios (median over its rounds).
#[derive(Clone, Copy)]
struct Paired {
    chain: f64,
    list_decode: f64,
    update: f64,
    bundle_business: f64,
    bundle_added: f64,
}

/// Mean time per call of `f` over a round of at least [`ROUND`].
fn per_call(f: &mut impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < ROUND {
        f();
        calls += 1;
    }
    start.elapsed().as_secs_f64() / f64::from(calls)
}

/// The median over [`ROUNDS`] rounds of time(a) ÷ time(b), the order switching every round
/// (after one discarded round of each).
fn ratio_of(mut a: impl FnMut(), mut b: impl FnMut()) -> f64 {
    per_call(&mut a);
    per_call(&mut b);
    let mut ratios: Vec<f64> = (0..ROUNDS)
        .map(|round| {
            if round % 2 == 0 {
                let ta = per_call(&mut a);
                ta / per_call(&mut b)
            } else {
                let tb = per_call(&mut b);
                per_call(&mut a) / tb
            }
        })
        .collect();
    median(&mut ratios)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn paired(f: &Fixtures) -> Paired {
    Paired {
        chain: ratio_of(|| f.decode_validate(&f.held), || f.floor_chain()),
        list_decode: ratio_of(
            || {
                black_box(RevocationList::decode(black_box(&f.list_bytes)).unwrap());
            },
            || f.floor_update(),
        ),
        // The clone of the held root list and the drop of the result (a few hundred ns) are
        // inside the timed side here, unlike in criterion's `update_10k`.
        update: ratio_of(
            || {
                let mut held = f.root_only.clone();
                f.update(&mut held);
            },
            || f.floor_update(),
        ),
        bundle_business: ratio_of(
            || f.bundle_business(),
            || {
                f.raw_prekey.verify();
                f.floor_chain();
            },
        ),
        bundle_added: ratio_of(|| f.bundle_business(), || f.bundle_plain()),
    }
}

// ---------------------------------------------------------------------------------------------
// The report: criterion's medians read back from its output directory (only estimates this run
// wrote), each benchmark's smallest over the passes.

/// Where criterion writes its results (the rule criterion applies).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("criterion"),
        None => PathBuf::from("target/criterion"),
    }
}

struct Run {
    since: SystemTime,
    started: Instant,
    cpu: Option<CpuTimes>,
    passes: usize,
    paired: Vec<Paired>,
}

impl Run {
    /// The median in nanoseconds of one criterion directory, if this run wrote it.
    fn one(&self, dir: &str) -> Option<f64> {
        let path = criterion_dir().join(dir).join("new").join("estimates.json");
        let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
        if modified < self.since {
            return None;
        }
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        json["median"]["point_estimate"].as_f64()
    }

    /// The medians of `id` in each pass (criterion names the repeats `<id>_2`, ...).
    fn passes(&self, id: &str) -> Vec<f64> {
        let mut all: Vec<f64> = self.one(id).into_iter().collect();
        for n in 2..=self.passes {
            all.extend(self.one(&format!("{id}_{n}")));
        }
        all
    }

    /// The smallest median of `id` over the passes: other load only ever slows a pass.
    fn get(&self, id: &str) -> Option<f64> {
        self.passes(id).into_iter().reduce(f64::min)
    }

    /// The median over the passes of one paired ratio.
    fn paired(&self, pick: Pick) -> Option<f64> {
        let mut v: Vec<f64> = self.paired.iter().map(pick).collect();
        (!v.is_empty()).then(|| median(&mut v))
    }
}

fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |r| format!("{r:.2}"))
}

/// Output of a command, trimmed; `None` if it fails.
fn command(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// This process's scheduling priority (`nice`), from /proc/self/stat (field 19).
fn niceness() -> Option<i64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(16)?
        .parse()
        .ok()
}

/// The command line of this run: `cargo bench --bench business`, the criterion arguments
/// after `--`, and the environment variables that change what it measures.
fn command_line() -> String {
    let mut line = String::new();
    for var in ["BUSINESS_PASSES", "CARGO_TARGET_DIR", "RUSTFLAGS"] {
        if let Ok(v) = std::env::var(var) {
            let _ = write!(line, "{var}={v:?} ");
        }
    }
    if let Some(n) = niceness().filter(|&n| n != 0) {
        let _ = write!(line, "nice -n {n} ");
    }
    line.push_str("cargo bench --bench business");
    let extra: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if !extra.is_empty() {
        let _ = write!(line, " -- {}", extra.join(" "));
    }
    line
}

fn header(out: &mut String, run: &Run, f: &Fixtures) {
    let _ = writeln!(out, "# Verified business account benchmarks\n");
    let _ = writeln!(out, "Command: `{}`\n", command_line());
    let commit = command("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "?".into());
    // What the build had beyond the commit (other work in the same tree), by path.
    let changed: Vec<String> = command(
        "git",
        &[
            "status",
            "--porcelain",
            "--",
            "src",
            "benches",
            "testkit",
            "Cargo.toml",
        ],
    )
    .unwrap_or_default()
    .lines()
    .filter_map(|l| l.split_whitespace().last().map(str::to_string))
    .collect();
    let dirty = if changed.is_empty() {
        String::new()
    } else {
        format!(" plus uncommitted changes to {}", changed.join(", "))
    };
    let _ = writeln!(
        out,
        "Commit {commit}{dirty}; finished {}; {} pass{} ({:.0} s of wall time for the whole run).\n",
        command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
        run.passes,
        if run.passes == 1 { "" } else { "es" },
        run.started.elapsed().as_secs_f64(),
    );
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let _ = writeln!(
        out,
        "Machine: {cpu}, {} CPUs; {}; compiled with target features avx2 {}.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        command("rustc", &["--version"]).unwrap_or_else(|| "rustc ?".into()),
        cfg!(target_feature = "avx2"),
    );
    let _ = writeln!(
        out,
        "Crates: {}.\n",
        shared::versions(&[
            "ed25519-dalek",
            "curve25519-dalek",
            "sha2",
            "prost",
            "unicode-normalization",
            "criterion",
        ])
    );
    let _ = writeln!(
        out,
        "Inputs: a chain of {} bytes (issuer-certificate body {} B, business-certificate body \
         {} B, every optional field set); the root's list with {} serials; the issuer's list \
         with {} serials ({} bytes encoded) and with {} serials ({} bytes); a bundle with a \
         one-time prekey, {} bytes without the chain and {} with it. Signed messages \
         (`u8(len(label)) || label || body`): {} B, {} B, {} B (the 10,000-serial list) and {} B \
         (the signed prekey).\n",
        f.chain_bytes.len(),
        f.raw_issuer.body_len(),
        f.raw_business.body_len(),
        ROOT_LIST.len(),
        ISSUER_LIST,
        f.list_bytes.len(),
        ISSUER_LIST_LARGE,
        f.list_large.encode().len(),
        f.bundle_plain.len(),
        f.bundle_business.len(),
        f.raw_issuer.message.len(),
        f.raw_business.message.len(),
        f.raw_list.message.len(),
        f.raw_prekey.message.len(),
    );
}

/// One of a pass's paired ratios.
type Pick = fn(&Paired) -> f64;

type Row<'a> = (&'a str, &'a str, Option<&'a str>, Option<Pick>);

fn table(out: &mut String, run: &Run, rows: &[Row<'_>]) {
    let _ = writeln!(
        out,
        "| operation | median | floor | ÷ floor | paired ÷ floor |\n|---|---:|---:|---:|---:|"
    );
    for &(label, id, floor, paired) in rows {
        let (h, fl) = (run.get(id), floor.and_then(|f| run.get(f)));
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} |",
            time(h),
            time(fl),
            ratio(div(h, fl)),
            ratio(paired.and_then(|p| run.paired(p))),
        );
    }
}

fn report(run: &Run, f: &Fixtures) -> String {
    let mut out = String::new();
    header(&mut out, run, f);
    let chain_floor = Some("business_chain/floor");
    let _ = writeln!(
        out,
        "## Certificate chain (SPEC.md 13.2, 13.4)\n\n\
         Medians, each the smallest over the passes. The floor is two raw \
         `ed25519_dalek::VerifyingKey::verify_strict` calls over the chain's two signed \
         messages (the root over the issuer certificate, the issuer over the business \
         certificate), with the keys already decompressed and the messages already built; no \
         decoding, time, scope or revocation check. `validate` alone starts from a decoded \
         chain (a clone, made untimed). The held lists are the root's ({} serials) and the \
         issuer's; the lookups are `binary_search` of the business serial (a miss) in the \
         issuer's list, which is what `validate` does once per list. The paired column is the \
         ratio timed in alternating rounds (section Paired ratios).\n",
        ROOT_LIST.len()
    );
    table(
        &mut out,
        run,
        &[
            (
                "floor: 2 × `verify_strict`",
                "business_chain/floor",
                None,
                None,
            ),
            (
                "`BusinessCertificateIn::decode` alone",
                "business_chain/decode",
                chain_floor,
                None,
            ),
            (
                "`decode` + `validate`, issuer list of 10,000 serials",
                "business_chain/decode_validate_10k",
                chain_floor,
                Some(|p| p.chain),
            ),
            (
                "`validate` alone, issuer list of 10,000 serials",
                "business_chain/validate_10k",
                chain_floor,
                None,
            ),
            (
                "`validate` alone, issuer list of 100,000 serials",
                "business_chain/validate_100k",
                chain_floor,
                None,
            ),
            (
                "lookup alone, 10,000 serials",
                "business_chain/lookup_10k",
                None,
                None,
            ),
            (
                "lookup alone, 100,000 serials",
                "business_chain/lookup_100k",
                None,
                None,
            ),
        ],
    );
    let (v10, v100) = (
        run.get("business_chain/validate_10k"),
        run.get("business_chain/validate_100k"),
    );
    let _ = writeln!(
        out,
        "\n`validate` with 100,000 serials ÷ with 10,000: {}.",
        ratio(div(v100, v10))
    );

    let _ = writeln!(
        out,
        "\n## Taking in a revocation list (`Revocations::update`, SPEC.md 13.4)\n\n\
         The issuer's list of {ISSUER_LIST} serials, from its bytes: `RevocationList::decode` \
         (which checks that the serials increase) and `update` (the issuer certificate in the \
         list verified under the root and valid now, the list's signature under the issuer, \
         its age, its sequence number) into a `Revocations` holding the root's list (cloned \
         untimed). The floor is the two raw `verify_strict` calls: the root's over the issuer \
         certificate and the issuer's over the {}-byte list message.\n",
        f.raw_list.message.len()
    );
    let update_floor = Some("business_revocation/floor_10k");
    table(
        &mut out,
        run,
        &[
            (
                "floor: 2 × `verify_strict`",
                "business_revocation/floor_10k",
                None,
                None,
            ),
            (
                "`RevocationList::decode` alone",
                "business_revocation/decode_10k",
                update_floor,
                Some(|p| p.list_decode),
            ),
            (
                "`decode` + `Revocations::update`",
                "business_revocation/update_10k",
                update_floor,
                Some(|p| p.update),
            ),
        ],
    );

    let _ = writeln!(
        out,
        "\n## What a chain adds to starting a session (SPEC.md 13.5)\n\n\
         The same business's bundle (identity key, signed prekey, one-time prekey), decoded \
         from its bytes and validated: without a chain, `PreKeyBundleIn::decode` + `validate` \
         (floor: one `verify_strict`, the signed prekey); with the chain, `decode` + \
         `validate_business` (floor: three, the signed prekey and the chain's two), holding \
         the lists of the chain section (10,000 serials).\n"
    );
    table(
        &mut out,
        run,
        &[
            (
                "`decode` + `validate`, no chain",
                "business_bundle/plain",
                Some("business_bundle/floor_plain"),
                None,
            ),
            (
                "`decode` + `validate_business`, with the chain",
                "business_bundle/business",
                Some("business_bundle/floor_business"),
                Some(|p| p.bundle_business),
            ),
            (
                "`decode` + `validate` of the bundle with the chain (chain decoded, not validated)",
                "business_bundle/chain_not_validated",
                Some("business_bundle/floor_plain"),
                None,
            ),
            (
                "floor: 1 × `verify_strict` (signed prekey)",
                "business_bundle/floor_plain",
                None,
                None,
            ),
            (
                "floor: 3 × `verify_strict`",
                "business_bundle/floor_business",
                None,
                None,
            ),
        ],
    );
    let (plain, business) = (
        run.get("business_bundle/plain"),
        run.get("business_bundle/business"),
    );
    let added = match (plain, business) {
        (Some(p), Some(b)) => Some(b - p),
        _ => None,
    };
    let _ = writeln!(
        out,
        "\nWith the chain ÷ without: {} (paired: {}); the chain adds {} to decoding and \
         validating the bundle; {} for `decode` + `validate` of the chain alone (first table).",
        ratio(div(business, plain)),
        ratio(run.paired(|p| p.bundle_added)),
        time(added),
        time(run.get("business_chain/decode_validate_10k")),
    );

    let _ = writeln!(
        out,
        "\n## Peer\n\n\
         None measured. vodozemac (0.11, the peer of the other benches) has no certificates. \
         The conceptual peer is libsignal's sealed-sender certificate validation (a server \
         certificate signed by a trust root, a sender certificate signed by the server's key, \
         an expiry check); libsignal is not buildable here and was not fetched.\n"
    );

    let _ = writeln!(out, "## Primitives (medians)\n");
    let _ = writeln!(out, "| primitive | benchmark | median |\n|---|---|---:|");
    for (id, label) in [
        (
            "verify_issuer_certificate",
            format!(
                "`verify_strict`, issuer-certificate message ({} B)",
                f.raw_issuer.message.len()
            ),
        ),
        (
            "verify_business_certificate",
            format!(
                "`verify_strict`, business-certificate message ({} B)",
                f.raw_business.message.len()
            ),
        ),
        (
            "verify_list_10k",
            format!(
                "`verify_strict`, 10,000-serial list message ({} B)",
                f.raw_list.message.len()
            ),
        ),
        (
            "verify_signed_prekey",
            format!(
                "`verify_strict`, signed-prekey message ({} B)",
                f.raw_prekey.message.len()
            ),
        ),
        (
            "prost_decode_list_body_10k",
            format!(
                "prost `RevocationListBody::decode` alone, {} B (no strict check)",
                f.list_body.len()
            ),
        ),
        (
            "prost_encode_list_body_10k",
            "prost `encode_to_vec` of that body".to_string(),
        ),
        (
            "decompress_key",
            "`VerifyingKey::from_bytes` (point decompression)".to_string(),
        ),
    ] {
        let _ = writeln!(
            out,
            "| {label} | `{id}` | {} |",
            time(run.get(&format!("business_primitive/{id}")))
        );
    }
    let p = |id: &str| run.get(&format!("business_primitive/{id}"));
    let sum = |ids: &[&str]| ids.iter().map(|id| p(id)).sum::<Option<f64>>();
    let _ = writeln!(
        out,
        "\nFloors as sums of their primitives: chain {} measured, {} summed; update {} \
         measured, {} summed; bundle with the chain {} measured, {} summed.",
        time(run.get("business_chain/floor")),
        time(sum(&[
            "verify_issuer_certificate",
            "verify_business_certificate"
        ])),
        time(run.get("business_revocation/floor_10k")),
        time(sum(&["verify_issuer_certificate", "verify_list_10k"])),
        time(run.get("business_bundle/floor_business")),
        time(sum(&[
            "verify_signed_prekey",
            "verify_issuer_certificate",
            "verify_business_certificate"
        ])),
    );

    let _ = writeln!(
        out,
        "\n## Paired ratios (alternating rounds)\n\n\
         Each comparison timed without criterion, the two sides in alternating rounds of at \
         least 10 ms ({ROUNDS} rounds each after one discarded, the order switching every \
         round), so that both see the same load: in each pass the median of the per-round \
         ratios. The last column is the median over the passes.\n"
    );
    let heads: Vec<String> = (1..=run.paired.len())
        .map(|n| format!("pass {n}"))
        .collect();
    let _ = writeln!(
        out,
        "| ratio | {} | median |\n|---|{}---:|",
        heads.join(" | "),
        "---:|".repeat(run.paired.len())
    );
    let rows: [(&str, Pick); 5] = [
        ("chain `decode` + `validate` ÷ floor", |p| p.chain),
        ("list `decode` alone ÷ floor of `update`", |p| {
            p.list_decode
        }),
        ("list `decode` + `update` ÷ floor", |p| p.update),
        ("bundle `decode` + `validate_business` ÷ floor", |p| {
            p.bundle_business
        }),
        (
            "bundle with the chain (`validate_business`) ÷ without (`validate`)",
            |p| p.bundle_added,
        ),
    ];
    for (label, pick) in rows {
        let cells: Vec<String> = run
            .paired
            .iter()
            .map(|p| format!("{:.2}", pick(p)))
            .collect();
        let _ = writeln!(
            out,
            "| {label} | {} | {} |",
            cells.join(" | "),
            ratio(run.paired(pick))
        );
    }

    let _ = writeln!(
        out,
        "\n## Pass-to-pass spread\n\nEach benchmark's median in every pass, and the largest \
         over the smallest.\n\n| benchmark | medians by pass | max ÷ min |\n|---|---|---:|"
    );
    for id in BENCHMARKS {
        let all = run.passes(id);
        let (lo, hi) = all.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
        let list: Vec<String> = all.iter().map(|&v| time(Some(v))).collect();
        let spread = (!all.is_empty()).then(|| hi / lo);
        let _ = writeln!(out, "| {id} | {} | {} |", list.join(", "), ratio(spread));
    }

    let _ = writeln!(out, "\n## Machine load during the run\n");
    let hz = command("getconf", &["CLK_TCK"])
        .and_then(|s| s.parse().ok())
        .unwrap_or(100.0);
    match run.cpu.and_then(|cpu| cpu.since(hz)) {
        Some(load) => {
            let _ = writeln!(
                out,
                "{:.0} s of wall time: this process used {:.0} CPU-seconds, everything else {:.0} \
                 (idle {:.0}, stolen by the hypervisor {:.0}); load average at the end {}. This \
                 process ran at nice {}.",
                load.wall,
                load.own,
                load.others,
                load.idle,
                load.steal,
                load.loadavg,
                niceness().unwrap_or(0),
            );
        }
        None => {
            let _ = writeln!(out, "/proc was not readable.");
        }
    }
    out
}

/// Every criterion benchmark, for the spread table.
const BENCHMARKS: [&str; 22] = [
    "business_chain/floor",
    "business_chain/decode",
    "business_chain/decode_validate_10k",
    "business_chain/validate_10k",
    "business_chain/validate_100k",
    "business_chain/lookup_10k",
    "business_chain/lookup_100k",
    "business_revocation/floor_10k",
    "business_revocation/decode_10k",
    "business_revocation/update_10k",
    "business_bundle/floor_plain",
    "business_bundle/plain",
    "business_bundle/floor_business",
    "business_bundle/business",
    "business_bundle/chain_not_validated",
    "business_primitive/verify_issuer_certificate",
    "business_primitive/verify_business_certificate",
    "business_primitive/verify_list_10k",
    "business_primitive/verify_signed_prekey",
    "business_primitive/prost_decode_list_body_10k",
    "business_primitive/prost_encode_list_body_10k",
    "business_primitive/decompress_key",
];

fn main() {
    // BUSINESS_PASSES (default 3): the whole sequence runs that many times; criterion stores a
    // repeated benchmark as `<id>_2`, ..., and the report takes each benchmark's smallest
    // median over the passes.
    let passes: usize = std::env::var("BUSINESS_PASSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let mut run = Run {
        since: SystemTime::now(),
        started: Instant::now(),
        cpu: CpuTimes::now(),
        passes,
        paired: Vec::new(),
    };
    let f = fixtures();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
        .nresamples(10_000)
        .configure_from_args();
    for _ in 0..passes {
        run.paired.push(pass(&mut c, &f));
    }
    c.final_summary();
    let text = report(&run, &f);
    println!("\n{text}");
    let path = criterion_dir().join("business-report.md");
    match std::fs::write(&path, &text) {
        Ok(()) => println!("(written to {})", path.display()),
        Err(e) => println!("(not written to {}: {e})", path.display()),
    }
}
