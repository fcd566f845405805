//! Attachments (SPEC.md 16) end to end: whole files of every shape around segment boundaries,
//! any chunking of writes and reads, random access against the plaintext, both providers
//! byte for byte, atomic files, and a pointer carried in pairwise and group messages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use common::*;
use hushwire::provider::{AWS_LC_RS, RUST_CRYPTO};
use hushwire::{
    AttachmentMetadata, AttachmentOpener, AttachmentOptions, AttachmentPointer, AttachmentSealer,
    ContentType, CryptoProvider, FileName, Padding, Payload, SeekableAttachment, SegmentSize,
    Thumbnail, open_bytes, open_to_file, padme, seal_bytes, seal_to_file,
};
use proptest::prelude::*;

fn options(log2: u8, padding: Padding, provider: &'static CryptoProvider) -> AttachmentOptions {
    AttachmentOptions {
        segment_size: SegmentSize::from_log2(log2).unwrap(),
        padding,
        provider,
    }
}

fn metadata() -> AttachmentMetadata {
    AttachmentMetadata::new(ContentType::new("application/pdf").unwrap())
}

fn plaintext(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ salt)
        .collect()
}

/// Seals `data` through the streaming sealer, writing it in the chunks `cuts` makes.
fn seal_chunked(
    seed: u64,
    data: &[u8],
    cuts: &[usize],
    options: AttachmentOptions,
) -> (Vec<u8>, AttachmentPointer) {
    let mut sealer =
        AttachmentSealer::new(&mut rng(seed), Vec::new(), metadata(), options).unwrap();
    let mut rest = data;
    for &cut in cuts {
        let n = cut.min(rest.len());
        sealer.write_all(&rest[..n]).unwrap();
        rest = &rest[n..];
    }
    sealer.write_chunk(rest).unwrap();
    let (pointer, ciphertext) = sealer.finish().unwrap();
    (ciphertext, pointer)
}

/// A reader that returns at most the next of `sizes` bytes per call (cycling; 0 means 1).
struct Choppy<'a> {
    bytes: &'a [u8],
    sizes: Vec<usize>,
    call: usize,
}

impl Read for Choppy<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.call % self.sizes.len()].max(1);
        self.call += 1;
        let n = size.min(out.len()).min(self.bytes.len());
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

#[test]
fn files_of_every_shape_round_trip() {
    for log2 in [6u8, 7] {
        let s = 1usize << log2;
        let lengths = [0, 1, s - 1, s, s + 1, 2 * s, 3 * s + 5, 5 * s - 1, 1000];
        for len in lengths {
            for padding in [Padding::None, Padding::Padme] {
                let data = plaintext(len, log2);
                let options = options(log2, padding, provider());
                let (ciphertext, pointer) =
                    seal_bytes(&mut rng(len as u64), &data, metadata(), options).unwrap();
                // SPEC.md 16.2: 67 + P + 16 n bytes, n = max(1, ceil(P / S)).
                let padded = if padding == Padding::Padme {
                    padme(len as u64)
                } else {
                    len as u64
                };
                let n = padded.div_ceil(s as u64).max(1);
                assert_eq!(
                    ciphertext.len() as u64,
                    67 + padded + 16 * n,
                    "{len} {padding:?}"
                );
                assert_eq!(pointer.size(), len as u64);
                assert_eq!(open_bytes(&ciphertext, &pointer).unwrap(), data);
                let digest: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(&ciphertext).into();
                assert_eq!(pointer.ciphertext_sha256(), &digest);
            }
        }
    }
}

#[test]
fn the_default_is_64_kib_segments_with_padme() {
    let data = plaintext(200_000, 1);
    let (ciphertext, pointer) =
        seal_bytes(&mut rng(1), &data, metadata(), AttachmentOptions::default()).unwrap();
    assert_eq!(&ciphertext[..3], [1, 16, 1]);
    // padme(200000) = 200704: four segments, the last of 200704 - 3 * 65536 = 4096 bytes.
    assert_eq!(padme(200_000), 200_704);
    assert_eq!(ciphertext.len(), 67 + 200_704 + 4 * 16);
    assert_eq!(open_bytes(&ciphertext, &pointer).unwrap(), data);
}

#[test]
fn both_providers_give_the_same_bytes_and_open_each_other() {
    let data = plaintext(777, 9);
    let (a, pa) = seal_bytes(
        &mut rng(3),
        &data,
        metadata(),
        options(6, Padding::Padme, &RUST_CRYPTO),
    )
    .unwrap();
    let (b, pb) = seal_bytes(
        &mut rng(3),
        &data,
        metadata(),
        options(6, Padding::Padme, &AWS_LC_RS),
    )
    .unwrap();
    assert_eq!(a, b);
    assert_eq!(pa, pb);
    for provider in [&RUST_CRYPTO, &AWS_LC_RS] {
        let mut out = Vec::new();
        AttachmentOpener::with_provider(a.as_slice(), &pa, provider)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, data);
        let mut edited = a.clone();
        edited[200] ^= 4;
        let mut opener = AttachmentOpener::with_provider(edited.as_slice(), &pa, provider).unwrap();
        let error = opener.read_to_end(&mut Vec::new()).unwrap_err();
        assert_eq!(
            error
                .get_ref()
                .and_then(|e| e.downcast_ref::<hushwire::Error>()),
            Some(&hushwire::Error::AttachmentSegmentInvalid { segment: 1 })
        );
        let mut seekable =
            SeekableAttachment::with_provider(Cursor::new(&a), &pa, provider).unwrap();
        let mut range = [0u8; 100];
        assert_eq!(seekable.read_at(500, &mut range).unwrap(), 100);
        assert_eq!(range[..], data[500..600]);
    }
}

#[test]
fn random_access_reads_every_range_and_seeks_like_a_file() {
    let data = plaintext(1000, 4);
    let (ciphertext, pointer) = seal_bytes(
        &mut rng(4),
        &data,
        metadata(),
        options(6, Padding::Padme, provider()),
    )
    .unwrap();
    let mut seekable = SeekableAttachment::new(Cursor::new(ciphertext.clone()), &pointer).unwrap();
    assert_eq!(seekable.size(), 1000);
    seekable.verify_digest().unwrap();
    for offset in (0..1010).step_by(37) {
        for len in [0, 1, 63, 64, 65, 200, 2000] {
            let mut out = vec![0u8; len];
            let n = seekable.read_at(offset as u64, &mut out).unwrap();
            let end = (offset + len).min(1000).max(offset.min(1000));
            assert_eq!(&out[..n], &data[offset.min(1000)..end], "{offset} {len}");
        }
    }
    // Read + Seek, as a media player uses them.
    assert_eq!(seekable.seek(SeekFrom::End(-10)).unwrap(), 990);
    let mut tail = Vec::new();
    seekable.read_to_end(&mut tail).unwrap();
    assert_eq!(tail, data[990..]);
    seekable.seek(SeekFrom::Start(100)).unwrap();
    seekable.seek(SeekFrom::Current(-50)).unwrap();
    let mut some = [0u8; 20];
    seekable.read_exact(&mut some).unwrap();
    assert_eq!(some[..], data[50..70]);
    assert!(seekable.seek(SeekFrom::Current(-1000)).is_err());
    assert_eq!(seekable.seek(SeekFrom::Start(5000)).unwrap(), 5000);
    assert_eq!(seekable.read(&mut some).unwrap(), 0);
}

#[test]
fn files_are_written_atomically_and_round_trip() {
    let folder = std::env::temp_dir().join(format!("hushwire-files-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let data = plaintext(300_000, 7);
    let sealed = folder.join("photo.enc");
    let pointer = seal_to_file(
        &mut rng(5),
        data.as_slice(),
        &sealed,
        metadata(),
        AttachmentOptions::default(),
    )
    .unwrap();
    let opened = folder.join("photo.jpg");
    let size = open_to_file(std::fs::File::open(&sealed).unwrap(), &pointer, &opened).unwrap();
    assert_eq!(size, 300_000);
    assert_eq!(std::fs::read(&opened).unwrap(), data);
    let mut names: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["photo.enc", "photo.jpg"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&opened).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the plaintext is its owner's only");
    }
    // The longest name a file system takes works: the temporary name does not grow with it.
    let long = folder.join("p".repeat(250) + ".jpg");
    open_to_file(std::fs::File::open(&sealed).unwrap(), &pointer, &long).unwrap();
    assert_eq!(std::fs::read(&long).unwrap(), data);
    std::fs::remove_dir_all(&folder).unwrap();
}

#[test]
fn a_pointer_travels_in_pairwise_and_group_messages() {
    let data = plaintext(5000, 8);
    let metadata = AttachmentMetadata::new(ContentType::new("image/jpeg").unwrap())
        .with_file_name(FileName::new("parcel.jpg").unwrap())
        .with_thumbnail(Thumbnail::new(vec![0xff, 0xd8, 0xff, 0xd9]).unwrap());
    let (ciphertext, pointer) =
        seal_bytes(&mut rng(6), &data, metadata, AttachmentOptions::default()).unwrap();
    let mut r = rng(60);
    let mut pair = established_pair(&mut r, config());
    let wire = pair
        .alice
        .encrypt(&Payload::Attachment(pointer.clone()).encode())
        .unwrap()
        .encode();
    let received = pair.bob.decrypt_bytes(&mut r, &wire).unwrap();
    let Payload::Attachment(got) = Payload::decode(&received).unwrap() else {
        panic!("not an attachment");
    };
    assert_eq!(got, pointer);
    assert_eq!(
        got.metadata().file_name.as_ref().unwrap().as_str(),
        "parcel.jpg"
    );
    assert_eq!(open_bytes(&ciphertext, &got).unwrap(), data);
    let text = Payload::Application(b"here is the photo".to_vec());
    assert_eq!(Payload::decode(&text.encode()).unwrap(), text);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any chunking of the writes gives the same ciphertext and pointer as one write, and any
    /// chunking of the reads gives back the plaintext.
    #[test]
    fn any_chunking_gives_the_same_bytes(
        len in 0usize..700,
        log2 in 6u8..8,
        padme_on in any::<bool>(),
        cuts in proptest::collection::vec(0usize..200, 0..12),
        reads in proptest::collection::vec(0usize..150, 1..8),
        seed in any::<u64>(),
    ) {
        let padding = if padme_on { Padding::Padme } else { Padding::None };
        let data = plaintext(len, seed as u8);
        let options = options(log2, padding, provider());
        let (whole, pointer) = seal_bytes(&mut rng(seed), &data, metadata(), options).unwrap();
        let (chunked, chunked_pointer) = seal_chunked(seed, &data, &cuts, options);
        prop_assert_eq!(&chunked, &whole);
        prop_assert_eq!(&chunked_pointer, &pointer);
        let reader = Choppy { bytes: &whole, sizes: reads.clone(), call: 0 };
        let mut opener = AttachmentOpener::new(reader, &pointer).unwrap();
        let mut out = Vec::new();
        let mut buf = vec![0u8; reads[0].max(1)];
        loop {
            let n = opener.read(&mut buf).unwrap();
            if n == 0 { break; }
            out.extend_from_slice(&buf[..n]);
        }
        prop_assert_eq!(out, data);
    }

    /// Any single change to the ciphertext (a byte changed, removed or inserted) is refused.
    #[test]
    fn any_single_change_is_detected(
        len in 0usize..400,
        at in any::<prop::sample::Index>(),
        delta in 1u8..=255,
        kind in 0u8..3,
        seed in any::<u64>(),
    ) {
        let data = plaintext(len, 3);
        let (ciphertext, pointer) =
            seal_bytes(&mut rng(seed), &data, metadata(), options(6, Padding::Padme, provider())).unwrap();
        let i = at.index(ciphertext.len());
        let mut edited = ciphertext.clone();
        match kind {
            0 => edited[i] ^= delta,
            1 => { edited.remove(i); }
            _ => edited.insert(i, delta),
        }
        prop_assert!(open_bytes(&edited, &pointer).is_err());
        let streamed =
            AttachmentOpener::new(edited.as_slice(), &pointer).and_then(AttachmentOpener::verify_to_end);
        prop_assert!(streamed.is_err());
    }
}

#[test]
fn the_sealer_as_a_writer_matches_seal_bytes() {
    let data = plaintext(10_000, 2);
    let (whole, pointer) = seal_bytes(
        &mut rng(7),
        &data,
        metadata(),
        options(10, Padding::None, provider()),
    )
    .unwrap();
    let mut sealer = AttachmentSealer::new(
        &mut rng(7),
        Vec::new(),
        metadata(),
        options(10, Padding::None, provider()),
    )
    .unwrap();
    std::io::copy(
        &mut Choppy {
            bytes: &data,
            sizes: vec![333, 1, 4096],
            call: 0,
        },
        &mut sealer,
    )
    .unwrap();
    assert_eq!(sealer.size(), 10_000);
    let (p, streamed) = sealer.finish().unwrap();
    assert_eq!((streamed, p), (whole, pointer));
}
