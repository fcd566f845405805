//! The issuer tool: what the people who run the business verification process use to make a
//! trust root, certify issuers, certify businesses and publish revocation lists, with files.
//!
//! ```sh
//! cargo run --example issuer -- root new --key-id 1 --out root/
//! cargo run --example issuer -- issuer new --root root/root.key --serial 1 \
//!     --levels registered,verified --days 365 --out issuer/
//! cargo run --example issuer -- business issue --issuer issuer/ --serial 1 \
//!     --identity-key <64 hex> --business-id acme-shoes --name "Acme Shoes" \
//!     --level verified --days 30 --out acme.chain
//! cargo run --example issuer -- revoke --root root/root.key --sequence 1 --serials none --out root.crl
//! cargo run --example issuer -- revoke --issuer issuer/ --sequence 1 --serials none --out issuer.crl
//! cargo run --example issuer -- verify --roots root/root.pub --chain acme.chain \
//!     --lists root.crl,issuer.crl
//! cargo run --example issuer -- --help
//! ```
//!
//! It uses only hushwire's public API. Secret seeds are written only to `root.key` and
//! `issuer.key` (mode 0600 on Unix) and are never printed, not even in errors; `show` refuses
//! key files.

use std::ffi::OsString;
use std::fmt::Display;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use hushwire::{
    BusinessCertificateIn, BusinessId, BusinessTemplate, DisplayName, IdentityKey,
    IssuerCertificate, IssuerKeyPair, IssuerTemplate, LevelSet, PhoneNumber, RevocationList,
    RevocationSigner, Revocations, RootKeyPair, Timestamp, TrustRoot, TrustRoots, Validity,
    VerificationLevel, Website,
};
use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};
use zeroize::Zeroizing;

const USAGE: &str = "\
issuer: the business verification process's tool (hushwire verified business accounts)

usage: cargo run --example issuer -- <command> [--flag value ...]

  root new --key-id N --out DIR
      Makes a root key. Writes DIR/root.key (SECRET: key id and seed, hex text, mode 0600;
      keep it offline) and DIR/root.pub (key id and public key, hex text: what apps pin).

  issuer new --root DIR/root.key --serial S --levels registered,verified --days D
             [--start UNIX] --out DIR2
      Makes an issuer key and has the root certify it for the levels (registered, verified,
      official) from START (default now) for D days. Writes DIR2/issuer.key (SECRET: seed,
      hex text, mode 0600) and DIR2/issuer.cert (the encoded IssuerCertificate, binary).

  business issue --issuer DIR2 --serial S --identity-key HEX --business-id ID --name NAME
                 --level LEVEL --days D [--start UNIX] [--phone +1...] [--website https://...]
                 --out FILE
      Certifies a business account's identity key (64 hex digits). The name is normalized
      to NFKC. Writes the encoded certificate chain (binary), what the business publishes.

  business renew --issuer DIR2 --chain OLD --serial NEW --days D [--start UNIX] --out FILE
      Re-issues the claims of the chain OLD with a new serial and validity window.

  revoke (--root DIR/root.key | --issuer DIR2) --sequence N --serials 3,5,9|none
         [--issued-at UNIX] --out FILE
      Publishes a revocation list (binary): a root's lists revoke issuer-certificate serials,
      an issuer's lists business-certificate serials. A list is complete, not a change: list
      every serial still revoked, with a sequence number higher than the last list's.

  show FILE
      Decodes a chain, an issuer certificate, a revocation list or a root.pub and prints what
      it claims (not verified). Refuses key files.

  verify --roots ROOT.pub[,ROOT2.pub] --chain FILE [--lists L1,L2] [--now UNIX]
      Validates a chain as an app would: pins the roots, takes in each revocation list in
      order, then checks the chain; prints the verified name and level, or the error.

Times are Unix seconds (default: now). Files are never overwritten. Exit code 1 on error.
";

const ROOT_KEY_HEADER: &str = "# hushwire root key: SECRET, keep offline";
const ROOT_PUB_HEADER: &str = "# hushwire root public key: pin it in apps";
const ISSUER_KEY_HEADER: &str = "# hushwire issuer key: SECRET";

/// Every failure, as the one line printed to stderr.
type Outcome<T> = Result<T, String>;

fn main() -> ExitCode {
    let args = match arguments(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(message) => return fail(&message),
    };
    if args.is_empty() {
        eprint!("{USAGE}");
        return ExitCode::FAILURE;
    }
    if args[0] == "help" || args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("issuer: error: {message}");
    ExitCode::FAILURE
}

fn arguments(args: impl Iterator<Item = OsString>) -> Outcome<Vec<String>> {
    args.enumerate()
        .map(|(i, arg)| {
            arg.into_string()
                .map_err(|_| format!("argument {} is not valid UTF-8", i + 1))
        })
        .collect()
}

fn run(args: &[String]) -> Outcome<()> {
    let rest = args.get(2..).unwrap_or_default();
    match (args[0].as_str(), args.get(1).map(String::as_str)) {
        ("root", Some("new")) => root_new(rest),
        ("issuer", Some("new")) => issuer_new(rest),
        ("business", Some("issue")) => business_issue(rest),
        ("business", Some("renew")) => business_renew(rest),
        ("revoke", _) => revoke(&args[1..]),
        ("show", _) => show(&args[1..]),
        ("verify", _) => verify(&args[1..]),
        (group @ ("root" | "issuer" | "business"), _) => {
            Err(format!("`{group}` needs a subcommand (see --help)"))
        }
        (command, _) => Err(format!(
            "unknown command {} (see --help)",
            printable(command)
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Commands

fn root_new(args: &[String]) -> Outcome<()> {
    let flags = Flags::parse("root new", args, &["key-id", "out"])?;
    let key_id: u32 = flags.number("key-id")?;
    let out = PathBuf::from(flags.required("out")?);
    let key_path = out.join("root.key");
    let pub_path = out.join("root.pub");
    refuse_existing(&[&key_path, &pub_path])?;

    let root = RootKeyPair::generate(&mut os_rng()?, key_id);
    make_dir(&out)?;
    let seed = root.to_seed();
    let text = key_file(
        &format!("{ROOT_KEY_HEADER}\nkey-id {key_id}\n"),
        seed.as_bytes(),
    );
    write_new(&key_path, text.as_bytes(), true)?;
    println!(
        "wrote {} (secret seed of root key id {key_id}, mode 0600: keep it offline)",
        key_path.display()
    );

    let public = root.trust_root();
    let public_hex = hex(&public.key().to_bytes());
    let text = format!(
        "{ROOT_PUB_HEADER}\nkey-id {key_id}\nkey {}\n",
        public_hex.as_str()
    );
    write_new(&pub_path, text.as_bytes(), false)?;
    println!(
        "wrote {} (key id {key_id}, public key {}): pin it in apps",
        pub_path.display(),
        public_hex.as_str()
    );
    Ok(())
}

fn issuer_new(args: &[String]) -> Outcome<()> {
    let flags = Flags::parse(
        "issuer new",
        args,
        &["root", "serial", "levels", "days", "start", "out"],
    )?;
    let root = load_root(Path::new(flags.required("root")?))?;
    let serial: u64 = flags.number("serial")?;
    let levels = parse_levels(flags.required("levels")?)?;
    let allowed_levels = LevelSet::new(&levels).map_err(hw("--levels"))?;
    let validity = flags.validity()?;
    let out = PathBuf::from(flags.required("out")?);
    let key_path = out.join("issuer.key");
    let cert_path = out.join("issuer.cert");
    refuse_existing(&[&key_path, &cert_path])?;

    let key = IssuerKeyPair::generate_key(&mut os_rng()?);
    let template = IssuerTemplate {
        serial,
        issuer_key: *key.public_key(),
        validity,
        allowed_levels,
    };
    let certificate = root.certify_issuer(&template);
    println!(
        "root key id {} certified issuer serial {serial} for {} from {} to {}",
        root.key_id(),
        level_list(allowed_levels),
        when(validity.not_before()),
        when(validity.not_after())
    );
    let issuer = IssuerKeyPair::new(key, certificate).map_err(hw("issuer new"))?;

    make_dir(&out)?;
    let seed = issuer.to_seed();
    let text = key_file(
        &format!(
            "{ISSUER_KEY_HEADER}\nroot-key-id {}\nserial {serial}\n",
            root.key_id()
        ),
        seed.as_bytes(),
    );
    write_new(&key_path, text.as_bytes(), true)?;
    println!(
        "wrote {} (secret seed of issuer serial {serial}, mode 0600)",
        key_path.display()
    );
    write_new(&cert_path, &issuer.certificate().encode(), false)?;
    println!(
        "wrote {} (issuer certificate serial {serial}, issuer key {}, binary)",
        cert_path.display(),
        hex(&template.issuer_key.to_bytes()).as_str()
    );
    Ok(())
}

fn business_issue(args: &[String]) -> Outcome<()> {
    let flags = Flags::parse(
        "business issue",
        args,
        &[
            "issuer",
            "serial",
            "identity-key",
            "business-id",
            "name",
            "level",
            "days",
            "start",
            "phone",
            "website",
            "out",
        ],
    )?;
    let issuer = load_issuer(Path::new(flags.required("issuer")?))?;
    let serial: u64 = flags.number("serial")?;
    let key_bytes = unhex(flags.required("identity-key")?)
        .ok_or("--identity-key: not hex (expected 64 hex digits)")?;
    let identity_key = IdentityKey::from_bytes(&key_bytes).map_err(hw("--identity-key"))?;
    let business_id =
        BusinessId::new(flags.required("business-id")?).map_err(hw("--business-id"))?;
    let asked = flags.required("name")?;
    let display_name = DisplayName::normalize(asked).map_err(hw("--name"))?;
    if display_name.as_str() != asked {
        println!("name normalized to NFKC: \"{display_name}\"");
    }
    let level = parse_level(flags.required("level")?)?;
    let validity = flags.validity()?;
    let phone_number = flags
        .optional("phone")
        .map(PhoneNumber::new)
        .transpose()
        .map_err(hw("--phone"))?;
    let website = flags
        .optional("website")
        .map(Website::new)
        .transpose()
        .map_err(hw("--website"))?;
    let out = PathBuf::from(flags.required("out")?);
    refuse_existing(&[&out])?;

    let template = BusinessTemplate {
        serial,
        identity_key,
        business_id,
        display_name,
        level,
        validity,
        phone_number,
        website,
    };
    let chain = issuer
        .certify_business(&template)
        .map_err(out_of_scope(issuer.certificate()))?;
    write_new(&out, &chain.encode(), false)?;
    print_issued(&out, &template);
    Ok(())
}

fn business_renew(args: &[String]) -> Outcome<()> {
    let flags = Flags::parse(
        "business renew",
        args,
        &["issuer", "chain", "serial", "days", "start", "out"],
    )?;
    let issuer = load_issuer(Path::new(flags.required("issuer")?))?;
    let old_path = Path::new(flags.required("chain")?);
    let old = BusinessCertificateIn::decode(&read(old_path)?)
        .map_err(hw(format!("{}", old_path.display())))?;
    let serial: u64 = flags.number("serial")?;
    let same_issuer =
        old.issuer().template().issuer_key == issuer.certificate().template().issuer_key;
    if same_issuer && old.claimed().serial == serial {
        return Err(format!(
            "--serial: {serial} is the old chain's serial; a renewal needs a new one"
        ));
    }
    if !same_issuer {
        println!(
            "note: the old chain is from another issuer key (issuer serial {}); re-issuing its claims",
            old.issuer().template().serial
        );
    }
    let validity = flags.validity()?;
    let out = PathBuf::from(flags.required("out")?);
    refuse_existing(&[&out])?;

    let template = BusinessTemplate {
        serial,
        validity,
        ..old.claimed().clone()
    };
    let chain = issuer
        .certify_business(&template)
        .map_err(out_of_scope(issuer.certificate()))?;
    write_new(&out, &chain.encode(), false)?;
    println!(
        "renewed business serial {} as serial {serial}",
        old.claimed().serial
    );
    print_issued(&out, &template);
    Ok(())
}

fn revoke(args: &[String]) -> Outcome<()> {
    let flags = Flags::parse(
        "revoke",
        args,
        &["root", "issuer", "sequence", "serials", "issued-at", "out"],
    )?;
    let sequence: u64 = flags.number("sequence")?;
    let serials = parse_serials(flags.required("serials")?)?;
    let issued_at = match flags.optional("issued-at") {
        Some(_) => Timestamp::from_unix_seconds(flags.number("issued-at")?),
        None => now()?,
    };
    let out = PathBuf::from(flags.required("out")?);
    let list = match (flags.optional("root"), flags.optional("issuer")) {
        (Some(root), None) => {
            let root = load_root(Path::new(root))?;
            refuse_existing(&[&out])?;
            root.revoke(sequence, issued_at, &serials)
                .map_err(hw("revoke"))?
        }
        (None, Some(issuer)) => {
            let issuer = load_issuer(Path::new(issuer))?;
            refuse_existing(&[&out])?;
            issuer
                .revoke(sequence, issued_at, &serials)
                .map_err(hw("revoke"))?
        }
        _ => return Err("revoke: give exactly one of --root and --issuer".to_owned()),
    };
    write_new(&out, &list.encode(), false)?;
    println!(
        "wrote {} (revocation list of {}, sequence {sequence}, issued {}, revoking {})",
        out.display(),
        signer_text(list.signer()),
        when(issued_at),
        serial_list(list.revoked_serials())
    );
    Ok(())
}

fn show(args: &[String]) -> Outcome<()> {
    let [file] = args else {
        return Err("show: give exactly one FILE".to_owned());
    };
    let path = Path::new(file);
    let bytes = read(path)?;
    if looks_secret(&bytes) {
        return Err(format!(
            "{}: a secret key file; `show` never prints keys (the public parts are in root.pub and issuer.cert)",
            path.display()
        ));
    }
    if bytes.starts_with(ROOT_PUB_HEADER.as_bytes()) {
        let root = parse_root_pub(path, &bytes)?;
        println!("{}: root public key", path.display());
        println!("  key id       {}", root.key_id());
        println!("  key          {}", hex(&root.key().to_bytes()).as_str());
        return Ok(());
    }
    let chain = BusinessCertificateIn::decode(&bytes);
    let certificate = IssuerCertificate::decode(&bytes);
    let list = RevocationList::decode(&bytes);
    match (chain, certificate, list) {
        (Ok(chain), _, _) => {
            println!(
                "{}: business certificate chain (decoded, NOT verified)",
                path.display()
            );
            print_business(chain.claimed());
            println!("issued by:");
            print_issuer(chain.issuer());
        }
        (_, Ok(certificate), _) => {
            println!(
                "{}: issuer certificate (decoded, NOT verified)",
                path.display()
            );
            print_issuer(&certificate);
        }
        (_, _, Ok(list)) => {
            println!(
                "{}: revocation list (decoded, NOT verified)",
                path.display()
            );
            println!("  signer       {}", signer_text(list.signer()));
            if let RevocationSigner::Issuer(certificate) = list.signer() {
                print_issuer(certificate);
            }
            println!("  sequence     {}", list.sequence());
            println!("  issued at    {}", when(list.issued_at()));
            println!("  revoked      {}", serial_list(list.revoked_serials()));
        }
        (Err(a), Err(b), Err(c)) => {
            return Err(format!(
                "{}: not a certificate chain ({}), issuer certificate ({}) or revocation list ({})",
                path.display(),
                a.kind(),
                b.kind(),
                c.kind()
            ));
        }
    }
    Ok(())
}

fn verify(args: &[String]) -> Outcome<()> {
    let flags = Flags::parse("verify", args, &["roots", "chain", "lists", "now"])?;
    let now = match flags.optional("now") {
        Some(_) => Timestamp::from_unix_seconds(flags.number("now")?),
        None => now()?,
    };
    let mut pinned = Vec::new();
    for file in list_items(flags.required("roots")?) {
        let path = Path::new(file);
        pinned.push(parse_root_pub(path, &read(path)?)?);
    }
    let roots = TrustRoots::new(pinned).map_err(hw("--roots"))?;
    println!(
        "pinned root key id(s) {}",
        roots
            .roots()
            .iter()
            .map(|r| r.key_id().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let mut revocations = Revocations::new();
    for file in flags.optional("lists").map(list_items).unwrap_or_default() {
        let path = Path::new(file);
        let context = || format!("list {}", path.display());
        let list = RevocationList::decode(&read(path)?).map_err(hw(context()))?;
        let (signer, sequence) = (signer_text(list.signer()), list.sequence());
        revocations
            .update(list, &roots, now)
            .map_err(hw(context()))?;
        println!(
            "took in {} (revocation list of {signer}, sequence {sequence})",
            path.display()
        );
    }

    let chain_path = Path::new(flags.required("chain")?);
    let chain = BusinessCertificateIn::decode(&read(chain_path)?)
        .map_err(hw(format!("{}", chain_path.display())))?;
    let business = chain
        .validate(&roots, now, &revocations)
        .map_err(hw(format!(
            "{}: NOT verified at {}",
            chain_path.display(),
            when(now)
        )))?;
    println!(
        "verified at {}: \"{}\" ({})",
        when(now),
        business.display_name(),
        business.level().name()
    );
    println!("  business id  {}", business.business_id());
    println!(
        "  identity key {}",
        hex(&business.identity_key().to_bytes()).as_str()
    );
    println!("  serial       {}", business.serial());
    println!("  valid until  {}", when(business.valid_until()));
    if let Some(phone) = business.phone_number() {
        println!("  phone        {}", phone.as_str());
    }
    if let Some(website) = business.website() {
        println!("  website      {}", website.as_str());
    }
    println!(
        "  issuer key   {} (root key id {})",
        hex(&business.issuer_key().to_bytes()).as_str(),
        business.root_key_id()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Printing what certificates claim

fn print_issued(out: &Path, template: &BusinessTemplate) {
    println!(
        "wrote {} (certificate chain, binary: business serial {}, \"{}\", {}, from {} to {})",
        out.display(),
        template.serial,
        template.display_name,
        template.level.name(),
        when(template.validity.not_before()),
        when(template.validity.not_after())
    );
}

fn print_business(business: &BusinessTemplate) {
    println!("  name         \"{}\"", business.display_name);
    println!("  level        {}", business.level.name());
    println!("  business id  {}", business.business_id);
    println!(
        "  identity key {}",
        hex(&business.identity_key.to_bytes()).as_str()
    );
    println!("  serial       {}", business.serial);
    println!("  not before   {}", when(business.validity.not_before()));
    println!("  not after    {}", when(business.validity.not_after()));
    if let Some(phone) = &business.phone_number {
        println!("  phone        {}", phone.as_str());
    }
    if let Some(website) = &business.website {
        println!("  website      {}", website.as_str());
    }
}

fn print_issuer(certificate: &IssuerCertificate) {
    let template = certificate.template();
    println!("  issuer serial {}", template.serial);
    println!("    root key id {}", certificate.root_key_id());
    println!(
        "    issuer key  {}",
        hex(&template.issuer_key.to_bytes()).as_str()
    );
    println!("    levels      {}", level_list(template.allowed_levels));
    println!("    not before  {}", when(template.validity.not_before()));
    println!("    not after   {}", when(template.validity.not_after()));
}

fn signer_text(signer: &RevocationSigner) -> String {
    match signer {
        RevocationSigner::Root(key_id) => format!("root key id {key_id}"),
        RevocationSigner::Issuer(certificate) => {
            format!("issuer serial {}", certificate.template().serial)
        }
    }
}

fn serial_list(serials: &[u64]) -> String {
    if serials.is_empty() {
        "no serials".to_owned()
    } else {
        let list: Vec<String> = serials.iter().map(u64::to_string).collect();
        format!("serial(s) {}", list.join(", "))
    }
}

fn level_word(level: VerificationLevel) -> &'static str {
    match level {
        VerificationLevel::Registered => "registered",
        VerificationLevel::Verified => "verified",
        VerificationLevel::Official => "official",
    }
}

fn level_list(levels: LevelSet) -> String {
    VerificationLevel::ALL
        .into_iter()
        .filter(|level| levels.contains(*level))
        .map(level_word)
        .collect::<Vec<_>>()
        .join(",")
}

/// `2026-01-15 08:00:00 UTC (1768464000)`.
fn when(time: Timestamp) -> String {
    let seconds = time.as_unix_seconds();
    let Ok(days) = i64::try_from(seconds / 86_400) else {
        return format!("{seconds}");
    };
    // Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let s = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC ({seconds})",
        s / 3_600,
        s / 60 % 60,
        s % 60
    )
}

// ---------------------------------------------------------------------------------------------
// Errors

/// A hushwire error as one line: its Display and its kind.
fn hw(context: impl Display) -> impl FnOnce(hushwire::Error) -> String {
    move |error| format!("{context}: {error} ({})", error.kind())
}

/// As [`hw`], with the issuer's own window when a business certificate would leave it.
fn out_of_scope(issuer: &IssuerCertificate) -> impl FnOnce(hushwire::Error) -> String + '_ {
    move |error| {
        let hint = match error {
            hushwire::Error::CertificateOutOfScope { reason: "validity" } => format!(
                "; the issuer certificate is valid from {} to {}",
                when(issuer.template().validity.not_before()),
                when(issuer.template().validity.not_after())
            ),
            hushwire::Error::CertificateOutOfScope { reason: "level" } => format!(
                "; the issuer may certify {}",
                level_list(issuer.template().allowed_levels)
            ),
            _ => String::new(),
        };
        format!("refused to certify: {error} ({}){hint}", error.kind())
    }
}

/// An argument as it may appear in an error: short plain words only, so that nothing pasted
/// by mistake (a key) is echoed.
fn printable(arg: &str) -> String {
    let plain = arg.len() <= 32
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plain {
        format!("`{arg}`")
    } else {
        "(not shown)".to_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Flags

struct Flags {
    command: &'static str,
    values: Vec<(String, String)>,
}

impl Flags {
    /// `--name value` pairs, each name in `allowed` and at most once.
    fn parse(command: &'static str, args: &[String], allowed: &[&str]) -> Outcome<Self> {
        let mut values: Vec<(String, String)> = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let Some(name) = arg.strip_prefix("--") else {
                return Err(format!(
                    "{command}: unexpected argument {} (flags are `--name value`; see --help)",
                    printable(arg)
                ));
            };
            if !allowed.contains(&name) {
                return Err(format!(
                    "{command}: unknown flag {} (see --help)",
                    printable(arg)
                ));
            }
            let value = match args.next() {
                Some(value) if !value.starts_with("--") => value,
                _ => return Err(format!("{command}: --{name} needs a value")),
            };
            if values.iter().any(|(n, _)| n == name) {
                return Err(format!("{command}: --{name} is given twice"));
            }
            values.push((name.to_owned(), value.clone()));
        }
        Ok(Self { command, values })
    }

    fn optional(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Outcome<&str> {
        self.optional(name)
            .ok_or_else(|| format!("{}: --{name} is required (see --help)", self.command))
    }

    fn number<T: std::str::FromStr>(&self, name: &str) -> Outcome<T> {
        self.required(name)?
            .parse()
            .map_err(|_| format!("{}: --{name} needs a whole number in range", self.command))
    }

    /// `--days` from `--start` (default now).
    fn validity(&self) -> Outcome<Validity> {
        let start = match self.optional("start") {
            Some(_) => Timestamp::from_unix_seconds(self.number("start")?),
            None => now()?,
        };
        let days: u64 = self.number("days")?;
        if days == 0 {
            return Err(format!("{}: --days must be at least 1", self.command));
        }
        Validity::days_from(start, days).map_err(hw("--days"))
    }
}

fn list_items(list: &str) -> Vec<&str> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect()
}

fn parse_level(word: &str) -> Outcome<VerificationLevel> {
    VerificationLevel::ALL
        .into_iter()
        .find(|level| level_word(*level) == word.trim())
        .ok_or_else(|| {
            format!(
                "unknown level {} (registered, verified or official)",
                printable(word)
            )
        })
}

fn parse_levels(list: &str) -> Outcome<Vec<VerificationLevel>> {
    list_items(list).into_iter().map(parse_level).collect()
}

/// `3,5,9` (sorted and deduplicated) or `none`.
fn parse_serials(list: &str) -> Outcome<Vec<u64>> {
    if list.trim() == "none" {
        return Ok(Vec::new());
    }
    let mut serials = list_items(list)
        .into_iter()
        .map(|s| {
            s.parse::<u64>()
                .map_err(|_| "--serials: give whole numbers separated by commas, or `none`")
        })
        .collect::<Result<Vec<u64>, _>>()?;
    if serials.is_empty() {
        return Err("--serials: give whole numbers separated by commas, or `none`".to_owned());
    }
    serials.sort_unstable();
    serials.dedup();
    Ok(serials)
}

fn now() -> Outcome<Timestamp> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| Timestamp::from_unix_seconds(elapsed.as_secs()))
        .map_err(|_| "the system clock is before 1970".to_owned())
}

fn os_rng() -> Outcome<StdRng> {
    StdRng::try_from_rng(&mut SysRng)
        .map_err(|e| format!("cannot get randomness from the operating system: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Files

fn read(path: &Path) -> Outcome<Zeroizing<Vec<u8>>> {
    fs::read(path)
        .map(Zeroizing::new)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

fn refuse_existing(paths: &[&Path]) -> Outcome<()> {
    for path in paths {
        if path.exists() {
            return Err(format!(
                "{}: already exists; refusing to overwrite it",
                path.display()
            ));
        }
    }
    Ok(())
}

fn make_dir(dir: &Path) -> Outcome<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| format!("{}: cannot create the directory: {e}", dir.display()))
}

/// Writes a new file (never replacing one); a secret one with mode 0600 on Unix.
fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Outcome<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{}: already exists; refusing to overwrite it",
                path.display()
            )
        } else {
            format!("{}: cannot create: {e}", path.display())
        }
    })?;
    let mut written = || -> std::io::Result<()> {
        #[cfg(unix)]
        if secret {
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        file.write_all(bytes)?;
        file.sync_all()
    };
    written().map_err(|e| {
        let _ = fs::remove_file(path);
        format!("{}: cannot write: {e}", path.display())
    })
}

/// A key file's text: the public `lines`, then the `seed` line, in one allocation of the right
/// size (no reallocation leaves a copy of the seed behind); wiped on drop.
fn key_file(lines: &str, seed: &[u8; 32]) -> Zeroizing<String> {
    let seed = hex(seed);
    let mut text = Zeroizing::new(String::with_capacity(lines.len() + seed.len() + 6));
    text.push_str(lines);
    text.push_str("seed ");
    text.push_str(&seed);
    text.push('\n');
    text
}

/// Whether `bytes` look like a key file (ours, or any text with a `seed` line).
fn looks_secret(bytes: &[u8]) -> bool {
    bytes.starts_with(ROOT_KEY_HEADER.as_bytes())
        || bytes.starts_with(ISSUER_KEY_HEADER.as_bytes())
        || std::str::from_utf8(bytes).is_ok_and(|text| {
            text.lines()
                .any(|line| line.trim_start().starts_with("seed"))
        })
}

/// The `name value` lines of a text file that starts with `header`. Errors name lines by
/// number, never by content.
fn key_value_lines<'a>(
    path: &Path,
    text: &'a str,
    header: &str,
    what: &str,
) -> Outcome<Vec<(&'a str, &'a str)>> {
    let mut lines = text.lines();
    if lines.next() != Some(header) {
        return Err(format!(
            "{}: not a {what} file (its first line should be `{header}`)",
            path.display()
        ));
    }
    let mut fields = Vec::new();
    for (n, line) in lines.enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = line
            .split_once(' ')
            .ok_or_else(|| format!("{}: line {} is malformed", path.display(), n + 2))?;
        fields.push((name, value.trim()));
    }
    Ok(fields)
}

fn field<'a>(path: &Path, fields: &[(&str, &'a str)], name: &str) -> Outcome<&'a str> {
    fields
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .ok_or_else(|| format!("{}: no `{name}` line", path.display()))
}

fn text_of<'a>(path: &Path, bytes: &'a [u8]) -> Outcome<&'a str> {
    std::str::from_utf8(bytes).map_err(|_| format!("{}: not a text file", path.display()))
}

fn seed_of(path: &Path, fields: &[(&str, &str)]) -> Outcome<Zeroizing<[u8; 32]>> {
    let digits = field(path, fields, "seed")?;
    let bytes = unhex(digits).ok_or_else(|| format!("{}: the seed is not hex", path.display()))?;
    let mut seed = Zeroizing::new([0u8; 32]);
    if bytes.len() != seed.len() {
        return Err(format!(
            "{}: the seed is not 32 bytes (64 hex digits)",
            path.display()
        ));
    }
    seed.copy_from_slice(&bytes);
    Ok(seed)
}

fn key_id_of(path: &Path, fields: &[(&str, &str)]) -> Outcome<u32> {
    field(path, fields, "key-id")?
        .parse()
        .map_err(|_| format!("{}: the key id is not a number", path.display()))
}

fn load_root(path: &Path) -> Outcome<RootKeyPair> {
    let bytes = read(path)?;
    let fields = key_value_lines(path, text_of(path, &bytes)?, ROOT_KEY_HEADER, "root key")?;
    let key_id = key_id_of(path, &fields)?;
    let seed = seed_of(path, &fields)?;
    warn_if_readable(path);
    Ok(RootKeyPair::from_seed(key_id, &seed))
}

fn load_issuer(dir: &Path) -> Outcome<IssuerKeyPair> {
    let key_path = dir.join("issuer.key");
    let cert_path = dir.join("issuer.cert");
    let certificate = IssuerCertificate::decode(&read(&cert_path)?)
        .map_err(hw(format!("{}", cert_path.display())))?;
    let bytes = read(&key_path)?;
    let fields = key_value_lines(
        &key_path,
        text_of(&key_path, &bytes)?,
        ISSUER_KEY_HEADER,
        "issuer key",
    )?;
    let seed = seed_of(&key_path, &fields)?;
    warn_if_readable(&key_path);
    IssuerKeyPair::from_seed(&seed, certificate).map_err(|e| {
        format!(
            "{}: the key does not match {} ({})",
            key_path.display(),
            cert_path.display(),
            e.kind()
        )
    })
}

fn parse_root_pub(path: &Path, bytes: &[u8]) -> Outcome<TrustRoot> {
    let fields = key_value_lines(path, text_of(path, bytes)?, ROOT_PUB_HEADER, "root.pub")?;
    let key_id = key_id_of(path, &fields)?;
    let key = unhex(field(path, &fields, "key")?)
        .ok_or_else(|| format!("{}: the key is not hex", path.display()))?;
    let key = IdentityKey::from_bytes(&key).map_err(hw(format!("{}", path.display())))?;
    Ok(TrustRoot::new(key_id, key))
}

/// A warning on stderr if a key file can be read by others than its owner.
fn warn_if_readable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = fs::metadata(path) {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                eprintln!(
                    "issuer: warning: {} is readable by others (mode {mode:o}): chmod 600 it",
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

// ---------------------------------------------------------------------------------------------
// Hex

fn hex(bytes: &[u8]) -> Zeroizing<String> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = Zeroizing::new(String::with_capacity(bytes.len() * 2));
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

fn unhex(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let text = text.trim().as_bytes();
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut bytes = Zeroizing::new(Vec::with_capacity(text.len() / 2));
    for pair in text.chunks_exact(2) {
        bytes.push(digit(pair[0])? << 4 | digit(pair[1])?);
    }
    Some(bytes)
}
