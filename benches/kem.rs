//! The measurement behind SPEC.md 18.1's choice of ML-KEM-1024 over ML-KEM-768: key
//! generation, encapsulation and decapsulation of both parameter sets through
//! `libcrux-ml-kem` directly, in one run: `cargo bench --bench kem`. The figures are in
//! benches/README.md ("ML-KEM parameter sets").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use libcrux_ml_kem::{mlkem768, mlkem1024};

fn ml_kem(c: &mut Criterion) {
    let mut group = c.benchmark_group("ml_kem");
    let pair = mlkem768::generate_key_pair([7; 64]);
    let (ct, _) = mlkem768::encapsulate(pair.public_key(), [9; 32]);
    group.bench_function("768/keygen", |b| {
        b.iter(|| mlkem768::generate_key_pair(black_box([7; 64])))
    });
    group.bench_function("768/encapsulate", |b| {
        b.iter(|| mlkem768::encapsulate(black_box(pair.public_key()), [9; 32]))
    });
    group.bench_function("768/decapsulate", |b| {
        b.iter(|| mlkem768::decapsulate(black_box(pair.private_key()), &ct))
    });
    let pair = mlkem1024::generate_key_pair([7; 64]);
    let (ct, _) = mlkem1024::encapsulate(pair.public_key(), [9; 32]);
    group.bench_function("1024/keygen", |b| {
        b.iter(|| mlkem1024::generate_key_pair(black_box([7; 64])))
    });
    group.bench_function("1024/encapsulate", |b| {
        b.iter(|| mlkem1024::encapsulate(black_box(pair.public_key()), [9; 32]))
    });
    group.bench_function("1024/decapsulate", |b| {
        b.iter(|| mlkem1024::decapsulate(black_box(pair.private_key()), &ct))
    });
    group.finish();
}

criterion_group!(benches, ml_kem);
criterion_main!(benches);
