//! The attach tool (`examples/attach.rs`) as its users run it, on real files: seal, open,
//! progress on stderr, a pointer file readable by its owner only, and every refusal (a changed
//! byte, a cut file, another file's pointer) exiting 1 with a clear message and no output file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn tool() -> &'static Path {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| common::example_binary("attach"))
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(tool())
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn seal_then_open_and_every_refusal() {
    let dir = std::env::temp_dir().join(format!("hushwire-attach-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let photo: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(dir.join("parcel.jpg"), &photo).unwrap();

    let sealed = run(&dir, &["seal", "parcel.jpg", "parcel.enc"]);
    assert!(sealed.status.success(), "{}", stderr(&sealed));
    assert!(
        stderr(&sealed).contains("sealing 100%"),
        "{}",
        stderr(&sealed)
    );
    assert!(stderr(&sealed).contains("image/jpeg"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("parcel.enc.pointer"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the pointer holds the key: owner only");
    }
    let pointer = std::fs::read(dir.join("parcel.enc.pointer")).unwrap();
    let decoded = hushwire::AttachmentPointer::decode(&pointer).unwrap();
    assert_eq!(decoded.size(), 1_000_000);
    assert_eq!(
        decoded.metadata().file_name.as_ref().unwrap().as_str(),
        "parcel.jpg"
    );
    // Nothing of the key is printed.
    let key_hex: String = decoded
        .file_key()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(!stderr(&sealed).contains(&key_hex));

    let opened = run(
        &dir,
        &["open", "parcel.enc", "parcel.enc.pointer", "copy.jpg"],
    );
    assert!(opened.status.success(), "{}", stderr(&opened));
    assert!(stderr(&opened).contains("opening 100%"));
    assert_eq!(std::fs::read(dir.join("copy.jpg")).unwrap(), photo);

    // Refusals: exit 1, a message naming why, no output and no temporary file left.
    let ciphertext = std::fs::read(dir.join("parcel.enc")).unwrap();
    let mut changed = ciphertext.clone();
    changed[500_000] ^= 1;
    std::fs::write(dir.join("changed.enc"), &changed).unwrap();
    std::fs::write(dir.join("cut.enc"), &ciphertext[..ciphertext.len() - 100]).unwrap();
    std::fs::write(dir.join("other.jpg"), b"another file").unwrap();
    assert!(
        run(&dir, &["seal", "other.jpg", "other.enc"])
            .status
            .success()
    );
    for (file, pointer, why) in [
        ("changed.enc", "parcel.enc.pointer", "does not authenticate"),
        ("cut.enc", "parcel.enc.pointer", "cut short"),
        (
            "parcel.enc",
            "other.enc.pointer",
            "not made with this pointer's key",
        ),
        ("parcel.enc", "parcel.jpg", "is not an attachment pointer"),
        (
            "missing.enc",
            "parcel.enc.pointer",
            "cannot read missing.enc",
        ),
    ] {
        let refused = run(&dir, &["open", file, pointer, "out.jpg"]);
        assert_eq!(refused.status.code(), Some(1), "{file}");
        assert!(
            stderr(&refused).contains(why),
            "{file}: {}",
            stderr(&refused)
        );
        assert!(
            stderr(&refused).starts_with("attach: error:")
                || stderr(&refused).contains("\nattach: error:")
        );
        assert!(!dir.join("out.jpg").exists(), "{file}");
    }
    assert_eq!(
        names(&dir),
        [
            "changed.enc",
            "copy.jpg",
            "cut.enc",
            "other.enc",
            "other.enc.pointer",
            "other.jpg",
            "parcel.enc",
            "parcel.enc.pointer",
            "parcel.jpg"
        ]
    );
    // No existing file is ever replaced: a sealed file, a plaintext, the input itself.
    let again = run(&dir, &["seal", "parcel.jpg", "parcel.enc"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("parcel.enc exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(dir.join("parcel.enc")).unwrap(), ciphertext);
    assert_eq!(
        std::fs::read(dir.join("parcel.enc.pointer")).unwrap(),
        pointer
    );
    let again = run(
        &dir,
        &["open", "parcel.enc", "parcel.enc.pointer", "copy.jpg"],
    );
    assert_eq!(again.status.code(), Some(1));
    let into_itself = run(&dir, &["seal", "parcel.jpg", "parcel.jpg"]);
    assert_eq!(into_itself.status.code(), Some(1));
    assert_eq!(std::fs::read(dir.join("parcel.jpg")).unwrap(), photo);
    // A pointer file next to a new output name stops the command before anything is written.
    std::fs::write(dir.join("fresh.enc.pointer"), b"someone else's").unwrap();
    assert_eq!(
        run(&dir, &["seal", "parcel.jpg", "fresh.enc"])
            .status
            .code(),
        Some(1)
    );
    assert!(!dir.join("fresh.enc").exists());
    std::fs::remove_file(dir.join("fresh.enc.pointer")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("copy.jpg"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the plaintext is its owner's only");
    }
    assert_eq!(run(&dir, &["open", "parcel.enc"]).status.code(), Some(1));
    std::fs::remove_dir_all(&dir).unwrap();
}
