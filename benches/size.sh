#!/usr/bin/env bash
# Binary size and clean release build time of a small program on hushwire, once per provider.
#
#   benches/size.sh [work dir]        (default /tmp/sizecheck; it is deleted and recreated)
#
# Writes a throwaway crate outside the repository that depends on hushwire by path, with and
# without its `aws-lc-rs` feature. Its main publishes a bundle (with a KEM prekey: the default
# configuration requires the post-quantum hybrid set-up), runs the whole handshake and
# one message each way on the chosen provider (Config::provider), and checks the plaintexts.
# Each variant is built with `cargo build --release` from an empty CARGO_TARGET_DIR (every
# dependency compiled, nothing cached but the downloaded sources), timed with bash's `time`;
# then the binary's size as built and after `strip`. The crate gets the repository's
# Cargo.lock, so it builds the same crate versions as the benches.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/sizecheck}
case "$work" in
"$repo" | "$repo"/*)
    echo "the work dir must be outside the repository" >&2
    exit 1
    ;;
esac
rm -rf "$work"
mkdir -p "$work/src"

cat >"$work/Cargo.toml" <<EOF
[package]
name = "sizecheck"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
hushwire = { path = "$repo" }
rand = "0.10"

[features]
aws-lc-rs = ["hushwire/aws-lc-rs"]

[workspace]
EOF

cat >"$work/src/main.rs" <<'EOF'
//! A hybrid handshake and one message each way on one provider: the smallest program that
//! links everything a messaging client uses.

use hushwire::{
    Config, Envelope, IdentityKeyPair, InMemoryPreKeyStore, KemPreKeyId, KemPreKeyKind,
    KemPreKeyPair, OneTimePreKeyId, OneTimePreKeyPair, PreKeyBundle, PreKeyBundleIn, Session,
    SignedPreKeyId, SignedPreKeyPair, Timestamp,
};

fn main() -> Result<(), hushwire::Error> {
    #[allow(unused_mut)]
    let mut config = Config::default();
    #[cfg(feature = "aws-lc-rs")]
    {
        config.provider = &hushwire::provider::AWS_LC_RS;
    }
    let mut rng = rand::rng();

    let bob = IdentityKeyPair::generate(&mut rng);
    let signed_at = Timestamp::from_unix_seconds(1_764_000_000);
    let spk = SignedPreKeyPair::generate(&mut rng, &bob, SignedPreKeyId(1), signed_at);
    let otk = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(1));
    // The default configuration requires the post-quantum hybrid set-up (a KEM prekey).
    let kem = KemPreKeyPair::generate(&mut rng, &bob, KemPreKeyId(1), KemPreKeyKind::OneTime, signed_at);
    let bundle_bytes = PreKeyBundle::new(&bob, &spk, Some(*otk.public()))?
        .with_kem_prekey(kem.public())?
        .encode();
    let mut store = InMemoryPreKeyStore::new();
    store.add_signed_prekey(spk);
    store.add_one_time_prekey(otk);
    store.add_kem_prekey(kem);

    let alice = IdentityKeyPair::generate(&mut rng);
    let bundle = PreKeyBundleIn::decode(&bundle_bytes, &config)?.validate()?;
    let mut alice_session = Session::initiate(&mut rng, &alice, &bundle, &config)?;
    let first = alice_session.encrypt(b"hello")?.encode();

    let first = Envelope::decode(&first, &config)?.into_prekey()?;
    let (mut bob_session, plaintext) =
        Session::accept_with_store(&mut rng, &bob, &mut store, &first, &config)?;
    assert_eq!(plaintext, b"hello");
    let reply = bob_session.encrypt(b"hi")?.encode();
    assert_eq!(alice_session.decrypt_bytes(&mut rng, &reply)?, b"hi");

    println!("{}: handshake and one message each way", config.provider.name());
    Ok(())
}
EOF

cp "$repo/Cargo.lock" "$work/Cargo.lock"
# Settle the lock file for the new root package (untimed, offline: no version changes).
cargo metadata --offline --format-version 1 --manifest-path "$work/Cargo.toml" >/dev/null

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; $(rustc --version); $(cc --version | head -1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| provider | cargo build --release (real) | user | sys | binary | after strip |"
echo "|---|---:|---:|---:|---:|---:|"
for provider in rust-crypto aws-lc-rs; do
    features=()
    if [ "$provider" = aws-lc-rs ]; then
        features=(--features aws-lc-rs)
    fi
    target="$work/target-$provider"
    rm -rf "$target"
    TIMEFORMAT='%R %U %S'
    log="$work/build-$provider.log"
    if ! times=$({ time CARGO_TARGET_DIR="$target" cargo build --release --locked --offline --quiet \
        --manifest-path "$work/Cargo.toml" "${features[@]}" >"$log" 2>&1; } 2>&1); then
        echo "the $provider build failed:" >&2
        cat "$log" >&2
        exit 1
    fi
    read -r real user sys <<<"$times"
    bin="$target/release/sizecheck"
    out=$("$bin")
    case "$out" in
    "$provider: "*) ;;
    *)
        echo "unexpected output from $provider: $out" >&2
        exit 1
        ;;
    esac
    strip -o "$bin.stripped" "$bin"
    size=$(stat -c %s "$bin")
    stripped=$(stat -c %s "$bin.stripped")
    printf '| %s | %.1f s | %.1f s | %.1f s | %s B (%.2f MiB) | %s B (%.2f MiB) |\n' \
        "$provider" "$real" "$user" "$sys" "$size" "$(echo "$size / 1048576" | bc -l)" \
        "$stripped" "$(echo "$stripped / 1048576" | bc -l)"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
