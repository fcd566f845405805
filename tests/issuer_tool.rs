//! The issuer tool (`examples/issuer.rs`) end to end, as its users run it: a root, an issuer,
//! a business chain, revocation lists, `verify` before and after the business is revoked,
//! `show`, files that are never overwritten, bad flags; and no secret seed in any output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use hushwire::IdentityKeyPair;

const START: u64 = 1_800_000_000;

/// The example's binary, built once.
fn tool() -> &'static Path {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| common::example_binary("issuer"))
}

/// Runs the tool in a fresh directory under the system's temp dir (removed when the test
/// passes) and keeps every command's output, to check afterwards that no secret was printed.
struct Tool {
    dir: PathBuf,
    transcript: Vec<(String, Output)>,
}

impl Tool {
    fn new(name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "hushwire-issuer-tool-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            dir,
            transcript: Vec::new(),
        }
    }

    /// `name` inside the scratch directory.
    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_owned()
    }

    /// Splits `line` into arguments: on spaces, except inside '...'; a word starting with `@`
    /// is a path in the scratch directory (`@root/root.key`), and `@a,@b` a list of them.
    fn args(&self, line: &str) -> Vec<String> {
        let mut args = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '\'' => quoted = !quoted,
                ' ' if !quoted => {
                    if !word.is_empty() {
                        args.push(std::mem::take(&mut word));
                    }
                }
                _ => word.push(c),
            }
        }
        assert!(!quoted, "unbalanced quote in {line}");
        if !word.is_empty() {
            args.push(word);
        }
        args.into_iter()
            .map(|arg| {
                if arg.starts_with('@') {
                    arg.split(',')
                        .map(|item| self.path(item.trim_start_matches('@')))
                        .collect::<Vec<_>>()
                        .join(",")
                } else {
                    arg
                }
            })
            .collect()
    }

    fn run(&mut self, line: &str) -> Output {
        let output = Command::new(tool()).args(self.args(line)).output().unwrap();
        self.transcript.push((line.to_owned(), output.clone()));
        output
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&mut self, line: &str) -> String {
        let output = self.run(line);
        assert!(
            output.status.success(),
            "`{line}` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs a command that must fail with exit code 1 and one line on stderr; returns it.
    fn fails(&mut self, line: &str) -> String {
        let output = self.run(line);
        assert_eq!(output.status.code(), Some(1), "`{line}` should fail");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.starts_with("issuer: error: "), "`{line}`: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "`{line}`: {stderr}");
        stderr
    }

    /// The `seed` line of a key file.
    fn seed_hex(&self, key_file: &str) -> String {
        let text = std::fs::read_to_string(self.path(key_file)).unwrap();
        let seed = text
            .lines()
            .find_map(|line| line.strip_prefix("seed "))
            .expect("a seed line")
            .to_owned();
        assert_eq!(seed.len(), 64);
        seed
    }

    /// No command printed the seed of `key_file`, on stdout or stderr, in any case.
    fn assert_never_printed(&self, key_file: &str) {
        let secret = self.seed_hex(key_file);
        for (line, output) in &self.transcript {
            for stream in [&output.stdout, &output.stderr] {
                let text = String::from_utf8_lossy(stream).to_lowercase();
                assert!(!text.contains(&secret), "`{line}` printed a secret seed");
            }
        }
    }
}

impl Drop for Tool {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A business account's identity key, hex.
fn business_key() -> String {
    hex::encode(IdentityKeyPair::from_seed(&[7; 32]).public_key().to_bytes())
}

#[cfg(unix)]
fn assert_owner_only(path: &str) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{path}");
}

#[test]
fn issue_verify_revoke_and_never_print_a_secret() {
    let mut t = Tool::new("e2e");
    let key = business_key();
    let now = START + 3_600;

    let out = t.ok("root new --key-id 1 --out @root");
    assert!(out.contains("root.pub (key id 1"), "{out}");
    #[cfg(unix)]
    assert_owner_only(&t.path("root/root.key"));

    t.ok(&format!(
        "issuer new --root @root/root.key --serial 7 --levels registered,verified --days 365 \
         --start {START} --out @issuer"
    ));
    #[cfg(unix)]
    assert_owner_only(&t.path("issuer/issuer.key"));

    // A fullwidth letter: the issuer normalizes the name to NFKC.
    let out = t.ok(&format!(
        "business issue --issuer @issuer --serial 42 --identity-key {key} \
         --business-id acme-shoes --name '\u{ff21}cme Shoes' --level verified --days 30 \
         --start {START} --phone +14155550123 --website https://acme.example --out @acme.chain"
    ));
    assert!(out.contains("\"Acme Shoes\""), "{out}");

    // The issuer refuses a level beyond its scope, and writes nothing.
    let err = t.fails(&format!(
        "business issue --issuer @issuer --serial 43 --identity-key {key} \
         --business-id acme-shoes --name Acme --level official --days 30 --start {START} \
         --out @official.chain"
    ));
    assert!(err.contains("CertificateOutOfScope"), "{err}");
    assert!(!Path::new(&t.path("official.chain")).exists());

    let issued_at = START + 100;
    t.ok(&format!(
        "revoke --root @root/root.key --sequence 1 --serials none --issued-at {issued_at} \
         --out @root-1.crl"
    ));
    t.ok(&format!(
        "revoke --issuer @issuer --sequence 1 --serials none --issued-at {issued_at} \
         --out @issuer-1.crl"
    ));

    let out = t.ok(&format!(
        "verify --roots @root/root.pub --chain @acme.chain --lists @root-1.crl,@issuer-1.crl \
         --now {now}"
    ));
    assert!(out.contains("\"Acme Shoes\" (verified business)"), "{out}");
    assert!(out.contains("acme-shoes") && out.contains(&key), "{out}");

    // Without the issuer's list, the chain is not trusted.
    let err = t.fails(&format!(
        "verify --roots @root/root.pub --chain @acme.chain --lists @root-1.crl --now {now}"
    ));
    assert!(err.contains("RevocationListStale"), "{err}");

    // `show` prints what a chain, a certificate and a list claim, and refuses key files.
    let out = t.ok("show @acme.chain");
    assert!(
        out.contains("Acme Shoes") && out.contains("serial       42"),
        "{out}"
    );
    let out = t.ok("show @issuer/issuer.cert");
    assert!(out.contains("issuer certificate") && out.contains("registered,verified"));
    let out = t.ok("show @root-1.crl");
    assert!(
        out.contains("root key id 1") && out.contains("no serials"),
        "{out}"
    );
    t.ok("show @root/root.pub");
    for key_file in ["@root/root.key", "@issuer/issuer.key"] {
        let err = t.fails(&format!("show {key_file}"));
        assert!(err.contains("secret key file"), "{err}");
    }

    // A renewal: the same claims, a new serial and window.
    let out = t.ok(&format!(
        "business renew --issuer @issuer --chain @acme.chain --serial 44 --days 30 \
         --start {} --out @acme-renewed.chain",
        START + 1_000
    ));
    assert!(out.contains("serial 42 as serial 44"), "{out}");

    // Business certificate 42 is revoked in a newer list: its chain fails, the renewed one
    // still verifies.
    t.ok(&format!(
        "revoke --issuer @issuer --sequence 2 --serials 42 --issued-at {} --out @issuer-2.crl",
        START + 200
    ));
    let lists = "@root-1.crl,@issuer-1.crl,@issuer-2.crl";
    let err = t.fails(&format!(
        "verify --roots @root/root.pub --chain @acme.chain --lists {lists} --now {now}"
    ));
    assert!(err.contains("CertificateRevoked"), "{err}");
    assert!(err.contains("serial 42"), "{err}");
    let out = t.ok(&format!(
        "verify --roots @root/root.pub --chain @acme-renewed.chain --lists {lists} --now {now}"
    ));
    assert!(
        out.contains("\"Acme Shoes\"") && out.contains("serial       44"),
        "{out}"
    );

    // An older list after a newer one is a rollback.
    let err = t.fails(&format!(
        "verify --roots @root/root.pub --chain @acme-renewed.chain \
         --lists @root-1.crl,@issuer-2.crl,@issuer-1.crl --now {now}"
    ));
    assert!(err.contains("RevocationListRollback"), "{err}");

    // A key file where a public one belongs: refused, nothing of it printed.
    t.fails(&format!(
        "verify --roots @root/root.key --chain @acme.chain --lists {lists} --now {now}"
    ));

    t.assert_never_printed("root/root.key");
    t.assert_never_printed("issuer/issuer.key");
}

#[test]
fn defaults_use_the_clock() {
    let mut t = Tool::new("clock");
    let key = business_key();
    t.ok("root new --key-id 9 --out @root");
    t.ok("issuer new --root @root/root.key --serial 1 --levels registered --days 10 --out @issuer");
    t.ok(&format!(
        "business issue --issuer @issuer --serial 1 --identity-key {key} --business-id shop \
         --name 'Corner Shop' --level registered --days 5 --out @shop.chain"
    ));
    t.ok("revoke --root @root/root.key --sequence 1 --serials none --out @root.crl");
    t.ok("revoke --issuer @issuer --sequence 1 --serials 5,3 --out @issuer.crl");
    let out =
        t.ok("verify --roots @root/root.pub --chain @shop.chain --lists @root.crl,@issuer.crl");
    assert!(
        out.contains("\"Corner Shop\" (registered business)"),
        "{out}"
    );
    t.assert_never_printed("root/root.key");
    t.assert_never_printed("issuer/issuer.key");
}

#[test]
fn refuses_to_overwrite() {
    let mut t = Tool::new("overwrite");
    t.ok("root new --key-id 1 --out @root");
    let root_key = t.path("root/root.key");
    let before = std::fs::read(&root_key).unwrap();
    let err = t.fails("root new --key-id 2 --out @root");
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&root_key).unwrap(), before);

    // Any output file, not only keys.
    std::fs::write(t.path("root.crl"), b"keep me").unwrap();
    let err = t.fails("revoke --root @root/root.key --sequence 1 --serials none --out @root.crl");
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(t.path("root.crl")).unwrap(), b"keep me");
    t.assert_never_printed("root/root.key");
}

#[test]
fn bad_input_is_one_line_and_exit_code_1() {
    let mut t = Tool::new("bad");

    let err = t.fails("root new --key-idd 1 --out @root");
    assert!(err.contains("unknown flag `--key-idd`"), "{err}");
    assert!(!Path::new(&t.path("root")).exists());
    let err = t.fails("root new --key-id one --out @root");
    assert!(err.contains("--key-id"), "{err}");
    let err = t.fails("root new --key-id 1");
    assert!(err.contains("--out is required"), "{err}");
    let err = t.fails("root new --key-id 1 --key-id 2 --out @root");
    assert!(err.contains("twice"), "{err}");
    let err = t.fails("root new --key-id --out @root");
    assert!(err.contains("needs a value"), "{err}");
    let err = t.fails("frobnicate");
    assert!(err.contains("unknown command"), "{err}");

    // Something pasted by mistake (a key) is not echoed back.
    let pasted = "ab".repeat(32);
    for line in [
        format!("show --file {pasted}"),
        format!("root {pasted}"),
        format!("root new --{pasted} 1"),
    ] {
        let err = t.fails(&line);
        assert!(!err.contains(&pasted), "{err}");
    }

    t.ok("root new --key-id 1 --out @root");
    let err =
        t.fails("issuer new --root @root/root.key --serial 1 --levels gold --days 1 --out @issuer");
    assert!(err.contains("unknown level"), "{err}");
    let err = t.fails(
        "issuer new --root @root/root.key --serial 1 --levels verified --days 0 --out @issuer",
    );
    assert!(err.contains("--days"), "{err}");
    let err = t.fails("show @missing.chain");
    assert!(err.contains("cannot read"), "{err}");
    std::fs::write(t.path("garbage"), [0xff; 40]).unwrap();
    let err = t.fails("show @garbage");
    assert!(err.contains("not a certificate chain"), "{err}");

    // Usage: `--help` on stdout with success; no arguments: on stderr, exit code 1.
    let help = t.ok("--help");
    assert!(
        help.contains("usage:") && help.contains("business issue"),
        "{help}"
    );
    let output = t.run("");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage:"));
    t.assert_never_printed("root/root.key");
}
