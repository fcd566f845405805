//! The seeds of the attachment targets, derived from the attachment fixture.

use prost::Message;

use super::attachment_fixture::{AttachmentFile, PointerVariant, StreamEdit, attachment_fixture};
use super::attachment_open::{OpenInput, OpenStream};
use super::attachment_pointer::push_varint;
use super::attachment_seek::{SeekInput, SeekOp};
use crate::pb;

/// The seed corpus of `attachment_pointer`, `attachment_open` and `attachment_seek`:
/// `(target, file name, bytes)`, all derived from the attachment fixture.
/// `tests/fuzz_corpus.rs` writes them with the other targets' seeds.
pub fn attachment_seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut seeds = Vec::new();
    let mut add = |target: &'static str, name: &str, bytes: &[u8]| {
        assert!(
            !seeds
                .iter()
                .any(|(t, n, _): &(&str, String, Vec<u8>)| *t == target && n == name),
            "{target}: two seeds named {name}"
        );
        // One file per distinct input of a target.
        if !seeds
            .iter()
            .any(|(t, _, b): &(&str, String, Vec<u8>)| *t == target && b == bytes)
        {
            seeds.push((target, name.to_owned(), bytes.to_vec()));
        }
    };
    pointer_seeds(&mut add);
    open_seeds(&mut add);
    seek_seeds(&mut add);
    seeds
}

/// A payload holding `field` (1: application bytes, 2: a pointer) with `bytes`.
fn payload(field: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![(field << 3) | 2];
    push_varint(&mut out, bytes.len() as u64);
    out.extend_from_slice(bytes);
    out
}

fn pointer_seeds(add: &mut impl FnMut(&'static str, &str, &[u8])) {
    let fixture = attachment_fixture();
    for file in &fixture.files {
        let bytes = file.pointer.encode();
        add("attachment_pointer", file.name, &bytes);
        add(
            "attachment_pointer",
            &format!("payload-{}", file.name),
            &payload(2, &bytes),
        );
    }
    let photo = &fixture.files[0].pointer;
    let wire = pb::AttachmentPointer::decode(photo.encode().as_slice()).expect("decodes");
    let edit = |edit: &dyn Fn(&mut pb::AttachmentPointer)| {
        let mut edited = wire.clone();
        edit(&mut edited);
        edited.encode_to_vec()
    };
    let name = |value: &str| edit(&|p| p.file_name = Some(value.to_owned()));
    let content_type = |value: &str| edit(&|p| p.content_type = value.to_owned());
    let mut out_of_order = edit(&|p| p.version = 0);
    out_of_order.extend_from_slice(&[0x08, 0x01]);
    let mut unknown_field = photo.encode().to_vec();
    unknown_field.extend_from_slice(&[0x40, 0x01]);
    // Version 1, key and digest, then size 0 written out (proto3 omits it), then the rest.
    let without_size = edit(&|p| {
        p.version = 0;
        p.size = 0;
    });
    let mut size_zero_written = vec![0x08, 0x01];
    size_zero_written.extend_from_slice(&without_size[..68]);
    size_zero_written.extend_from_slice(&[0x20, 0x00]);
    size_zero_written.extend_from_slice(&without_size[68..]);
    let encoded = photo.encode();
    let big_thumbnail = edit(&|p| p.thumbnail = Some(vec![7; 17 * 1024]));
    for (name, bytes) in [
        ("version-2", edit(&|p| p.version = 2)),
        ("version-0", edit(&|p| p.version = 0)),
        (
            "file-key-31-bytes",
            edit(&|p| {
                p.file_key.pop();
            }),
        ),
        ("digest-33-bytes", edit(&|p| p.ciphertext_sha256.push(0))),
        ("size-2-pow-40", edit(&|p| p.size = 1 << 40)),
        ("size-2-pow-40-plus-1", edit(&|p| p.size = (1 << 40) + 1)),
        ("content-type-empty", content_type("")),
        (
            "content-type-parameter",
            content_type("text/plain; charset=utf-8"),
        ),
        ("content-type-no-subtype", content_type("image")),
        ("content-type-three-parts", content_type("a/b/c")),
        ("content-type-leading-dash", content_type("-a/b")),
        (
            "content-type-127-bytes",
            content_type(&format!("a/{}", "b".repeat(125))),
        ),
        (
            "content-type-128-bytes",
            content_type(&format!("a/{}", "b".repeat(126))),
        ),
        ("file-name-empty", name("")),
        ("file-name-dot", name(".")),
        ("file-name-dot-dot", name("..")),
        ("file-name-slash", name("a/b")),
        ("file-name-backslash", name("a\\b")),
        ("file-name-colon", name("c:x")),
        ("file-name-newline", name("a\nb")),
        ("file-name-c1-control", name("a\u{85}b")),
        ("file-name-bidi-override", name("invoice\u{202e}fdp.exe")),
        ("file-name-bidi-isolate", name("x\u{2066}")),
        ("file-name-line-separator", name("a\u{2028}b")),
        ("file-name-zero-width-space", name("photo\u{200b}.exe")),
        ("file-name-trailing-dot", name("evil.exe.")),
        ("file-name-trailing-space", name("evil.exe ")),
        ("file-name-device", name("nul.txt")),
        ("file-name-device-superscript", name("COM\u{b9}")),
        ("file-name-not-a-device", name("console.log")),
        (
            "file-name-255-bytes",
            name(&format!("{}a", "ü".repeat(127))),
        ),
        ("file-name-256-bytes", name(&"ü".repeat(128))),
        ("no-file-name", edit(&|p| p.file_name = None)),
        ("thumbnail-empty", edit(&|p| p.thumbnail = Some(Vec::new()))),
        (
            "thumbnail-16384-bytes",
            edit(&|p| p.thumbnail = Some(vec![7; 16 * 1024])),
        ),
        (
            "thumbnail-16385-bytes",
            edit(&|p| p.thumbnail = Some(vec![7; 16 * 1024 + 1])),
        ),
        ("fields-out-of-order", out_of_order),
        ("unknown-field", unknown_field),
        ("size-0-written", size_zero_written),
        ("truncated", encoded[..encoded.len() - 1].to_vec()),
        ("17409-bytes", vec![0; 17 * 1024 + 1]),
        (
            "payload-pointer-over-17408-bytes",
            payload(2, &big_thumbnail),
        ),
        (
            "payload-application",
            payload(1, b"the parcel arrived damaged"),
        ),
        ("payload-application-empty", payload(1, b"")),
        ("payload-both", {
            let mut both = payload(1, b"text");
            both.extend_from_slice(&payload(2, &encoded));
            both
        }),
        ("payload-empty-pointer", payload(2, b"")),
        ("no-bytes", Vec::new()),
    ] {
        add("attachment_pointer", name, &bytes);
    }
}

/// An `attachment_open` input on file `file` with edits and nothing else.
fn edited(file: usize, variant: PointerVariant, edits: &[StreamEdit]) -> OpenInput {
    OpenInput {
        file: file as u8,
        variant,
        interrupts: false,
        fail: None,
        chunks: Vec::new(),
        stream: OpenStream::Edited(edits.to_vec()),
    }
}

/// Position `offset` into segment `i` of `file`'s ciphertext.
fn in_segment(file: &AttachmentFile, i: usize, offset: usize) -> u16 {
    (file.segment_range(i).start + offset) as u16
}

fn open_seeds(add: &mut impl FnMut(&'static str, &str, &[u8])) {
    use PointerVariant::*;
    use StreamEdit::*;
    let fixture = attachment_fixture();
    let files = &fixture.files;
    let mut open = |name: &str, input: OpenInput| {
        add("attachment_open", name, &input.encode());
    };
    for (i, file) in files.iter().enumerate() {
        open(file.name, edited(i, Genuine, &[]));
    }
    // photo (index 0): 300 bytes, five segments, PADMÉ to 304.
    let photo = &files[0];
    let len = photo.ciphertext.len() as u16;
    let last = photo.segments() - 1;
    for (name, variant, edits) in [
        ("photo-version-2", Genuine, vec![Flip { at: 0, mask: 3 }]),
        (
            "photo-segment-size-5",
            Genuine,
            vec![Flip { at: 1, mask: 3 }],
        ),
        (
            "photo-segment-size-7",
            Genuine,
            vec![Flip { at: 1, mask: 1 }],
        ),
        ("photo-padding-2", Genuine, vec![Flip { at: 2, mask: 3 }]),
        ("photo-padding-0", Genuine, vec![Flip { at: 2, mask: 1 }]),
        (
            "photo-salt-flipped",
            Genuine,
            vec![Flip { at: 10, mask: 1 }],
        ),
        (
            "photo-commitment-flipped",
            Genuine,
            vec![Flip { at: 66, mask: 0x80 }],
        ),
        ("photo-header-cut", Genuine, vec![Truncate { at: 30 }]),
        ("photo-header-only", Genuine, vec![Truncate { at: 67 }]),
        (
            "photo-segment-1-flipped",
            Genuine,
            vec![Flip {
                at: in_segment(photo, 1, 5),
                mask: 1,
            }],
        ),
        (
            "photo-last-tag-flipped",
            Genuine,
            vec![Flip {
                at: len - 1,
                mask: 1,
            }],
        ),
        (
            "photo-cut-at-boundary",
            Genuine,
            vec![Truncate {
                at: in_segment(photo, last, 0),
            }],
        ),
        (
            "photo-cut-mid-segment",
            Genuine,
            vec![Truncate {
                at: in_segment(photo, 2, 10),
            }],
        ),
        (
            "photo-last-byte-cut",
            Genuine,
            vec![Truncate { at: len - 1 }],
        ),
        (
            "photo-trailing-byte",
            Genuine,
            vec![Insert { at: len, byte: 0 }],
        ),
        (
            "photo-segment-0-replayed-at-end",
            Genuine,
            vec![Append { from: 67, len: 80 }],
        ),
        (
            "photo-segments-swapped",
            Genuine,
            vec![SwapSegments { a: 0, b: 1 }],
        ),
        (
            "photo-segment-0-replayed",
            Genuine,
            vec![CopySegment { to: 1, from: 0 }],
        ),
        (
            "photo-byte-deleted",
            Genuine,
            vec![Delete {
                at: in_segment(photo, 3, 0),
                len: 1,
            }],
        ),
        (
            "photo-other-header",
            Genuine,
            vec![FromOtherFile { at: 0, len: 67 }],
        ),
        (
            "photo-flip-undone",
            Genuine,
            vec![Flip { at: 100, mask: 9 }, Flip { at: 100, mask: 9 }],
        ),
        ("photo-size-plus-1", SizePlus(0), vec![]),
        ("photo-size-plus-4", SizePlus(3), vec![]),
        ("photo-size-plus-5", SizePlus(4), vec![]),
        ("photo-size-minus-1", SizeMinus(0), vec![]),
        ("photo-size-2-pow-40", SizeMax, vec![]),
        ("photo-digest-flipped", DigestFlipped, vec![]),
        ("photo-other-key", OtherFile, vec![]),
    ] {
        open(name, edited(0, variant, &edits));
    }
    // empty (1): one empty final segment.
    open(
        "empty-tag-flipped",
        edited(1, Genuine, &[Flip { at: 70, mask: 1 }]),
    );
    open("empty-tag-cut", edited(1, Genuine, &[Truncate { at: 67 }]));
    open("empty-size-plus-1", edited(1, SizePlus(0), &[]));
    // segment (2): one full final segment, unpadded; a size one over needs two segments,
    // the first not final.
    open("segment-size-plus-1", edited(2, SizePlus(0), &[]));
    // note (3): unpadded, 200 bytes.
    open("note-size-plus-1", edited(3, SizePlus(0), &[]));
    open("note-size-minus-1", edited(3, SizeMinus(0), &[]));
    open(
        "note-last-segment-dropped",
        edited(
            3,
            Genuine,
            &[Truncate {
                at: in_segment(&files[3], 3, 0),
            }],
        ),
    );
    // zeros-tail (4): its last 9 bytes are zeros.
    open("zeros-tail-size-minus-4", edited(4, SizeMinus(3), &[]));
    open("zeros-tail-size-minus-10", edited(4, SizeMinus(9), &[]));
    open("zeros-tail-size-plus-7", edited(4, SizePlus(6), &[]));
    // scan (5): 2049 bytes, 34 segments, segment 33 all padding.
    let scan = &files[5];
    open(
        "scan-padding-segment-flipped",
        edited(
            5,
            Genuine,
            &[Flip {
                at: in_segment(scan, 33, 3),
                mask: 1,
            }],
        ),
    );
    open(
        "scan-padding-segment-dropped",
        edited(
            5,
            Genuine,
            &[Truncate {
                at: in_segment(scan, 33, 0),
            }],
        ),
    );
    open(
        "scan-segments-swapped",
        edited(5, Genuine, &[SwapSegments { a: 10, b: 20 }]),
    );
    // Readers: short reads and interruptions, and failures.
    let short = |file: usize, chunks: &[u8]| OpenInput {
        interrupts: true,
        chunks: chunks.to_vec(),
        ..edited(file, Genuine, &[])
    };
    open("photo-short-reads", short(0, &[1, 7, 0, 3, 200, 0, 0]));
    open("scan-short-reads", short(5, &[13, 0, 64, 80, 81, 1]));
    open("note-interrupted-every-read", short(3, &[0]));
    let failing = |at: u16, kind: u8| OpenInput {
        fail: Some((at, kind)),
        ..edited(0, Genuine, &[])
    };
    open("photo-fails-at-0", failing(0, 0));
    open("photo-fails-in-header", failing(40, 1));
    open("photo-fails-mid-file", failing(200, 2));
    open("photo-fails-at-end", failing(len, 3));
    open("photo-fails-past-end", failing(len + 1, 0));
    open(
        "photo-fails-after-a-bad-segment",
        OpenInput {
            fail: Some((300, 0)),
            ..edited(0, Genuine, &[Flip { at: 100, mask: 1 }])
        },
    );
    // Raw streams.
    let raw = |file: usize, variant, bytes: &[u8]| OpenInput {
        stream: OpenStream::Raw(bytes.to_vec()),
        ..edited(file, variant, &[])
    };
    open("raw-empty", raw(0, Genuine, b""));
    open("raw-66-bytes", raw(0, Genuine, &photo.ciphertext[..66]));
    open("raw-photo", raw(0, Genuine, &photo.ciphertext));
    open(
        "raw-other-file-with-its-key",
        raw(0, OtherFile, &files[1].ciphertext),
    );
    open("raw-scan-with-photo-key", raw(0, Genuine, &scan.ciphertext));
}

fn seek_seeds(add: &mut impl FnMut(&'static str, &str, &[u8])) {
    use PointerVariant::*;
    use SeekOp::*;
    use StreamEdit::*;
    let fixture = attachment_fixture();
    let files = &fixture.files;
    let mut seek = |name: &str, input: SeekInput| add("attachment_seek", name, &input.encode());
    let input = |file: usize, variant, edits: &[StreamEdit], ops: &[SeekOp]| SeekInput {
        file: file as u8,
        variant,
        interrupts: false,
        chunk: 0,
        edits: edits.to_vec(),
        ops: ops.to_vec(),
    };
    for (i, file) in files.iter().enumerate() {
        seek(&format!("{}-whole", file.name), input(i, Genuine, &[], &[]));
    }
    let photo = &files[0];
    let ranges = [
        ReadAt { offset: 0, len: 1 },
        ReadAt { offset: 63, len: 2 },
        ReadAt {
            offset: 128,
            len: 64,
        },
        ReadAt {
            offset: 250,
            len: 100,
        },
        ReadAt {
            offset: 300,
            len: 10,
        },
        ReadAt {
            offset: 5000,
            len: 5,
        },
        ReadAt { offset: 10, len: 0 },
        Start { to: 100, len: 50 },
        Current {
            delta: -20,
            len: 10,
        },
        End {
            delta: -10,
            len: 20,
        },
        End { delta: 5, len: 1 },
        Current {
            delta: -1000,
            len: 3,
        },
        Start { to: 0, len: 4095 },
    ];
    seek("photo-ranges", input(0, Genuine, &[], &ranges));
    seek(
        "photo-ranges-short-reads",
        SeekInput {
            chunk: 7,
            ..input(0, Genuine, &[], &ranges)
        },
    );
    seek(
        "photo-ranges-interrupted",
        SeekInput {
            interrupts: true,
            ..input(0, Genuine, &[], &ranges)
        },
    );
    let segment_2 = [Flip {
        at: in_segment(photo, 2, 20),
        mask: 4,
    }];
    seek(
        "photo-segment-2-flipped",
        input(
            0,
            Genuine,
            &segment_2,
            &[
                ReadAt { offset: 0, len: 64 },
                ReadAt {
                    offset: 64,
                    len: 64,
                },
                ReadAt {
                    offset: 100,
                    len: 50,
                },
                ReadAt {
                    offset: 130,
                    len: 10,
                },
                ReadAt {
                    offset: 192,
                    len: 200,
                },
                Start { to: 120, len: 20 },
            ],
        ),
    );
    seek(
        "photo-segments-swapped",
        input(
            0,
            Genuine,
            &[SwapSegments { a: 1, b: 3 }],
            &[
                ReadAt {
                    offset: 0,
                    len: 300,
                },
                ReadAt {
                    offset: 130,
                    len: 60,
                },
            ],
        ),
    );
    seek(
        "photo-header-flipped",
        input(0, Genuine, &[Flip { at: 40, mask: 1 }], &[]),
    );
    seek(
        "photo-version-2",
        input(0, Genuine, &[Flip { at: 0, mask: 3 }], &[]),
    );
    seek(
        "photo-cut-mid-segment",
        input(
            0,
            Genuine,
            &[Truncate {
                at: in_segment(photo, 2, 10),
            }],
            &[],
        ),
    );
    seek(
        "photo-header-cut",
        input(0, Genuine, &[Truncate { at: 30 }], &[]),
    );
    seek(
        "photo-trailing-byte",
        input(
            0,
            Genuine,
            &[Insert {
                at: photo.ciphertext.len() as u16,
                byte: 0,
            }],
            &[],
        ),
    );
    let tail = [
        ReadAt {
            offset: 290,
            len: 20,
        },
        End { delta: -2, len: 10 },
    ];
    seek("photo-size-plus-1", input(0, SizePlus(0), &[], &tail));
    seek("photo-size-minus-1", input(0, SizeMinus(0), &[], &tail));
    seek("photo-size-plus-5", input(0, SizePlus(4), &[], &tail));
    seek("photo-digest-flipped", input(0, DigestFlipped, &[], &[]));
    seek("photo-size-2-pow-40", input(0, SizeMax, &[], &[]));
    seek("photo-other-key", input(0, OtherFile, &[], &[]));
    seek(
        "zeros-tail-size-minus-4",
        input(
            4,
            SizeMinus(3),
            &[],
            &[ReadAt {
                offset: 60,
                len: 100,
            }],
        ),
    );
    let scan = &files[5];
    seek(
        "scan-padding-segment-flipped",
        input(
            5,
            Genuine,
            &[Flip {
                at: in_segment(scan, 33, 3),
                mask: 1,
            }],
            &[
                ReadAt {
                    offset: 2040,
                    len: 100,
                },
                End { delta: -1, len: 1 },
            ],
        ),
    );
    seek(
        "scan-short-reads",
        SeekInput {
            chunk: 13,
            interrupts: true,
            ..input(
                5,
                Genuine,
                &[],
                &[
                    ReadAt {
                        offset: 1000,
                        len: 1049,
                    },
                    Start { to: 2000, len: 100 },
                ],
            )
        },
    );
    seek(
        "empty-read",
        input(1, Genuine, &[], &[ReadAt { offset: 0, len: 10 }]),
    );
    seek(
        "empty-tag-flipped",
        input(
            1,
            Genuine,
            &[Flip { at: 70, mask: 1 }],
            &[ReadAt { offset: 0, len: 10 }],
        ),
    );
}
