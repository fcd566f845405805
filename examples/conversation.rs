//! A complete exchange between a business and a customer, printed step by step:
//! prekey publication, bundle verification with trust on first use, X3DH, the first
//! messages, an out-of-order burst, a replay, storing and restoring sessions, then identity
//! verification (the 60-digit safety number, its QR code, SAS emoji over the session) and a
//! key change that holds sending until the customer acknowledges it; then Acme Shoes becomes a
//! verified business: a certificate chain from a root the app pins, shown as "verified
//! business: Acme Shoes", and refused when revoked, expired or missing after a key change.
//!
//! Run with `cargo run --example conversation`. Everything is seeded, so the output is the
//! same on every run.

use hushwire::{
    AccountId, BusinessId, BusinessTemplate, Config, CryptoProvider, DisplayName, Envelope,
    IdentityKeyPair, InMemoryPreKeyStore, InMemoryTrustStore, IssuerKeyPair, IssuerTemplate,
    KeyChangePolicy, LevelSet, OneTimePreKeyId, OneTimePreKeyPair, PhoneNumber, PreKeyBundle,
    PreKeyBundleIn, PreKeyStore, Revocations, RootKeyPair, SafetyNumber, Sas, SasAttempts,
    SasConfirmation, Session, SignedPreKeyId, SignedPreKeyPair, Timestamp, TrustOnFirstUse,
    TrustRoots, Validity, VerificationLevel, VerificationMessage, Website,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn short(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        + "…"
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn main() -> Result<(), hushwire::Error> {
    let mut rng = ChaCha20Rng::seed_from_u64(2026);
    // The customer's app runs the default, pure-Rust provider; the business's backend picks
    // AWS-LC's assembly (cargo feature `aws-lc-rs`) for speed. Every provider produces the same
    // bytes and refuses the same inputs, so the two ends need not agree on one.
    let customer_config = Config::default();
    let mut business_config = Config::default();
    business_config.provider =
        CryptoProvider::by_name("aws-lc-rs").unwrap_or(&hushwire::provider::RUST_CRYPTO);

    println!("== 1. The business publishes its keys");
    println!(
        "   the business encrypts with the {} provider, the customer with {}",
        business_config.provider.name(),
        customer_config.provider.name()
    );
    let business = IdentityKeyPair::generate(&mut rng);
    let created = Timestamp::from_unix_seconds(1_764_000_000);
    let spk = SignedPreKeyPair::generate(&mut rng, &business, SignedPreKeyId(1), created);
    let mut store = InMemoryPreKeyStore::new();
    let mut one_time = Vec::new();
    for id in 1..=3 {
        let key = OneTimePreKeyPair::generate(&mut rng, OneTimePreKeyId(id));
        one_time.push(*key.public());
        store.add_one_time_prekey(key);
    }
    let bundle_bytes = PreKeyBundle::new(&business, &spk, one_time.first().copied())?.encode();
    store.add_signed_prekey(spk);
    println!(
        "   identity key   {}",
        short(&business.public_key().to_bytes())
    );
    println!(
        "   bundle         {} bytes on the server, 3 one-time prekeys in the store",
        bundle_bytes.len()
    );

    println!("== 2. The customer fetches and verifies the bundle, then runs X3DH");
    let customer = IdentityKeyPair::generate(&mut rng);
    let (acme, customer_id) = (
        AccountId::new("acme-shoes")?,
        AccountId::new("+14155550123")?,
    );
    let now = Timestamp::from_unix_seconds(1_764_000_600);
    let bundle = PreKeyBundleIn::decode(&bundle_bytes, &customer_config)?.validate()?;
    println!(
        "   signed prekey signature verified (prekey id {})",
        bundle.signed_prekey().id().0
    );
    // The customer's app remembers the first key it sees for each account (trust on first use)
    // and, by default, holds sending when it changes.
    let customer_trust =
        TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());
    customer_trust.check_send(&acme, bundle.identity_key(), now)?;
    println!("   acme-shoes's identity key trusted on first use (unverified)");
    let mut customer_session = Session::initiate(&mut rng, &customer, &bundle, &customer_config)?;

    println!("== 3. The customer writes first");
    let first = customer_session
        .encrypt(b"Hi, my order #1042 has not arrived.")?
        .encode();
    let second = customer_session.encrypt(b"It was due on Monday.")?.encode();
    println!(
        "   sent 2 PreKeyMessages ({} and {} bytes)",
        first.len(),
        second.len()
    );

    println!("== 4. The business accepts the first message");
    let first_message = Envelope::decode(&first, &business_config)?.into_prekey()?;
    // The core touches no storage: look up the prekeys the message names, decrypt, and only
    // then delete the one-time prekey (a forged first message cannot burn one).
    let signed_prekey = store
        .signed_prekey(first_message.signed_prekey_id())
        .ok_or(hushwire::Error::UnknownSignedPreKey {
            id: first_message.signed_prekey_id().0,
        })?;
    let one_time_prekey = first_message
        .one_time_prekey_id()
        .map(|id| store.one_time_prekey(id))
        .transpose()?;
    let acceptance = Session::accept(
        &mut rng,
        &business,
        signed_prekey,
        one_time_prekey,
        &first_message,
        &business_config,
    )?;
    println!(
        "   decrypted (session {}…); now delete one-time prekey {}",
        &acceptance.session_id().to_string()[..16],
        acceptance
            .one_time_prekey_id()
            .map_or("none".to_string(), |id| id.0.to_string())
    );
    let (mut business_session, plaintext) = acceptance.complete(|id, _stored| match id {
        Some(id) => store.consume_one_time_prekey(id),
        None => Ok(()),
    })?;
    println!("   customer: {:?}", text(&plaintext));
    let business_trust =
        TrustOnFirstUse::new(InMemoryTrustStore::new(), KeyChangePolicy::default());
    business_trust.observe(&customer_id, business_session.their_identity(), now)?;
    println!("   the customer's identity key trusted on first use by the backend");
    println!(
        "   one-time prekey consumed; {} left",
        store.one_time_prekeys_left()
    );
    println!(
        "   customer: {:?}",
        text(&business_session.decrypt_bytes(&mut rng, &second)?)
    );

    println!("== 5. The business replies with three messages; they arrive out of order");
    let replies: Vec<Vec<u8>> = [
        "Sorry about that! Let me check.",
        "The parcel is at the depot.",
        "It will be delivered tomorrow before noon.",
    ]
    .iter()
    .map(|m| business_session.encrypt(m.as_bytes()).map(|e| e.encode()))
    .collect::<Result<_, _>>()?;
    for index in [2, 0, 1] {
        let plaintext = customer_session.decrypt_bytes(&mut rng, &replies[index])?;
        println!(
            "   message #{index} arrives: {:?} (skipped keys held: {})",
            text(&plaintext),
            customer_session.skipped_key_count()
        );
    }

    println!("== 6. A replayed message is refused, and the session is unchanged");
    let before = customer_session.to_stored();
    match customer_session.decrypt_bytes(&mut rng, &replies[1]) {
        Err(error) => println!("   replay of #1: {error}"),
        Ok(_) => println!("   replay of #1 was accepted (this is a bug)"),
    }
    println!(
        "   state unchanged: {}",
        customer_session.to_stored().as_bytes() == before.as_bytes()
    );

    println!("== 7. Both sides store their sessions and restore them");
    let stored_customer = customer_session.to_stored();
    let stored_business = business_session.to_stored();
    println!(
        "   customer state {} bytes, business state {} bytes, both under session id {}…",
        stored_customer.len(),
        stored_business.len(),
        &business_session.id().to_string()[..16]
    );
    let mut customer_session = Session::from_stored(stored_customer.as_bytes(), &customer_config)?;
    let mut business_session = Session::from_stored(stored_business.as_bytes(), &business_config)?;
    let cut = &stored_business.as_bytes()[..stored_business.len() - 1];
    match Session::from_stored(cut, &business_config) {
        Err(error) => println!("   a row cut short is refused: {error}"),
        Ok(_) => println!("   a row cut short loaded (this is a bug)"),
    }

    println!("== 8. The conversation goes on (each turn is a DH ratchet step)");
    for (from_customer, line) in [
        (true, "Great, thank you."),
        (false, "You're welcome. Anything else?"),
        (true, "No, that's all."),
    ] {
        let (sender, receiver, who) = if from_customer {
            (&mut customer_session, &mut business_session, "customer")
        } else {
            (&mut business_session, &mut customer_session, "business")
        };
        let wire = sender.encrypt(line.as_bytes())?.encode();
        println!(
            "   {who}: {:?} ({} bytes on the wire)",
            text(&receiver.decrypt_bytes(&mut rng, &wire)?),
            wire.len()
        );
    }

    println!("== 9. The customer compares the safety number with the business");
    let on_customer = SafetyNumber::for_session(&customer_session, &customer_id, &acme);
    let on_business = SafetyNumber::for_session(&business_session, &acme, &customer_id);
    println!("   customer's screen: {}", on_customer.grouped());
    println!("   business's screen: {}", on_business.grouped());
    println!(
        "   the same 60 digits on both: {}",
        on_customer.digits() == on_business.digits()
    );
    println!(
        "   the business's QR code ({} bytes):",
        on_business.scannable().len()
    );
    for line in on_business.qr_unicode().lines() {
        println!("      {line}");
    }
    // The customer's camera reads the code; the app hands the scanned bytes over.
    let proof = on_customer.verify_scanned(&on_business.scannable(), now)?;
    customer_trust.mark_verified(&acme, &proof)?;
    println!(
        "   scanned: it matches; acme-shoes verified by {:?}",
        proof.method()
    );

    println!("== 10. Over a phone call instead: emoji (SAS), inside the session");
    // Each verification message travels as the plaintext of a session message, so it is
    // encrypted and authenticated like any other; the app's own framing marks it as one.
    let mut send = |from: &mut Session, to: &mut Session, message: &VerificationMessage| {
        let wire = from.encrypt(&message.encode())?.encode();
        VerificationMessage::decode(&to.decrypt_bytes(&mut rng, &wire)?)
    };
    // One exchange at a time per account, and a lockout after three failures (SPEC.md
    // 12.4.6): what keeps a man in the middle from trying until the emoji happen to match.
    let (mut customer_attempts, mut business_attempts) =
        (SasAttempts::default(), SasAttempts::default());
    customer_attempts.begin(&acme, now)?;
    let (started, start) = Sas::start(&mut ChaCha20Rng::seed_from_u64(7), &customer_session, now)?;
    let start = send(&mut customer_session, &mut business_session, &start)?;
    business_attempts.begin(&customer_id, now)?;
    let (responded, accept) = Sas::respond(
        &mut ChaCha20Rng::seed_from_u64(8),
        &business_session,
        &start,
        now,
    )?;
    let accept = send(&mut business_session, &mut customer_session, &accept)?;
    let (awaiting, customer_key) = started.receive_accept(&accept, now)?;
    let customer_key = send(&mut customer_session, &mut business_session, &customer_key)?;
    let (business_ready, business_key) = responded.receive_key(&customer_key, now)?;
    let business_key = send(&mut business_session, &mut customer_session, &business_key)?;
    let customer_ready = awaiting.receive_key(&business_key, now)?;
    let show = |emoji: [hushwire::SasEmoji; 7]| {
        emoji
            .iter()
            .map(|e| format!("{} {}", e.symbol, e.name))
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!("   customer sees: {}", show(customer_ready.emoji()));
    println!("   business sees: {}", show(business_ready.emoji()));
    println!(
        "   or read aloud: {:?} and {:?}",
        customer_ready.decimals(),
        business_ready.decimals()
    );
    // Both people say "they match".
    let (customer_confirmed, customer_mac) = customer_ready.confirm(now)?;
    let customer_mac = send(&mut customer_session, &mut business_session, &customer_mac)?;
    let (business_confirmed, business_mac) = business_ready.confirm(now)?;
    let business_mac = send(&mut business_session, &mut customer_session, &business_mac)?;
    let (
        SasConfirmation::AwaitingMac(customer_confirmed),
        SasConfirmation::AwaitingMac(business_confirmed),
    ) = (customer_confirmed, business_confirmed)
    else {
        unreachable!("neither MAC had arrived before its side confirmed");
    };
    let customer_proof = customer_confirmed.receive_mac(&business_mac, now)?;
    let business_proof = business_confirmed.receive_mac(&customer_mac, now)?;
    customer_trust.mark_verified(&acme, &customer_proof)?;
    business_trust.mark_verified(&customer_id, &business_proof)?;
    customer_attempts.verified(&acme);
    business_attempts.verified(&customer_id);
    println!(
        "   both MACs verified: each side marks the other verified by {:?}",
        customer_proof.method()
    );

    println!("== 11. Later, the business's identity key changes");
    // A reinstall without a backup (or a server handing out a key of its own): a new identity
    // and a new bundle.
    let new_business = IdentityKeyPair::generate(&mut rng);
    let new_spk = SignedPreKeyPair::generate(&mut rng, &new_business, SignedPreKeyId(2), now);
    let new_bundle = PreKeyBundleIn::decode(
        &PreKeyBundle::new(&new_business, &new_spk, None)?.encode(),
        &customer_config,
    )?
    .validate()?;
    let later = Timestamp::from_unix_seconds(now.as_unix_seconds() + 86_400);
    match customer_trust.check_send(&acme, new_bundle.identity_key(), later) {
        Err(error) => println!("   the customer's app holds the message: {error}"),
        Ok(_) => println!("   a changed key was accepted silently (this is a bug)"),
    }
    println!("   the app shows: \"The security code with acme-shoes changed. Tap to verify.\"");
    customer_trust.acknowledge(&acme, new_bundle.identity_key())?;
    customer_trust.check_send(&acme, new_bundle.identity_key(), later)?;
    let mut renewed = Session::initiate(&mut rng, &customer, &new_bundle, &customer_config)?;
    let wire = renewed.encrypt(b"Is this still Acme Shoes?")?.encode();
    let record = customer_trust.record(&acme)?;
    println!(
        "   acknowledged: sending resumes ({} bytes sent); acme-shoes is now {}",
        wire.len(),
        if record.is_some_and(|r| r.is_verified()) {
            "verified"
        } else {
            "unverified until checked again"
        }
    );

    println!("== 12. Acme Shoes becomes a verified business");
    // The verification service: a root kept offline (pinned in every app) certifies an online
    // issuer, which checks Acme Shoes and certifies its account identity key for 30 days.
    let root = RootKeyPair::generate(&mut rng, 1);
    let issuer_key = IdentityKeyPair::generate(&mut rng);
    let issuer_certificate = root.certify_issuer(&IssuerTemplate {
        serial: 1,
        issuer_key: *issuer_key.public_key(),
        validity: Validity::days_from(later, 365)?,
        allowed_levels: LevelSet::new(&[
            VerificationLevel::Registered,
            VerificationLevel::Verified,
        ])?,
    });
    let issuer = IssuerKeyPair::new(issuer_key, issuer_certificate)?;
    let acme_template = |serial: u64,
                         key: &IdentityKeyPair,
                         validity|
     -> Result<BusinessTemplate, hushwire::Error> {
        Ok(BusinessTemplate {
            serial,
            identity_key: *key.public_key(),
            business_id: BusinessId::new("acme-shoes")?,
            display_name: DisplayName::normalize("Acme Shoes")?,
            level: VerificationLevel::Verified,
            validity,
            phone_number: Some(PhoneNumber::new("+14155550100")?),
            website: Some(Website::new("https://acme-shoes.example")?),
        })
    };
    let chain = issuer.certify_business(&acme_template(
        7,
        &new_business,
        Validity::days_from(later, 30)?,
    )?)?;
    let published = PreKeyBundle::new(&new_business, &new_spk, None)?
        .with_business_certificate(chain)?
        .encode();
    println!(
        "   the issuer certified acme-shoes's key (serial 7, 30 days); the bundle is now {} bytes",
        published.len()
    );
    // The customer's app pins the root and keeps the revocation lists the server hands out
    // (a root's list and the issuer's, each recent enough).
    let roots = TrustRoots::new([root.trust_root()])?;
    let mut revocations = Revocations::new();
    revocations.update(root.revoke(1, later, &[])?, &roots, later)?;
    revocations.update(issuer.revoke(1, later, &[])?, &roots, later)?;
    let bundle = PreKeyBundleIn::decode(&published, &customer_config)?.validate_business(
        &roots,
        later,
        &revocations,
    )?;
    let mut verified_session = Session::initiate(&mut rng, &customer, &bundle, &customer_config)?;
    if let Some(business) = verified_session.their_business() {
        customer_trust.observe_business(&acme, business, later)?;
        println!(
            "   the customer's app shows: \"{}: {}\" ({}, {})",
            business.level().name(),
            business.display_name(),
            business.phone_number().map_or("", |p| p.as_str()),
            business.website().map_or("", |w| w.as_str()),
        );
    }
    let stored = Session::from_stored(verified_session.to_stored().as_bytes(), &customer_config)?;
    println!(
        "   stored and restored, the session still knows: {}",
        stored
            .their_business()
            .map_or("nobody".into(), |b| b.display_name().to_string())
    );
    let wire = verified_session
        .encrypt(b"Great, you are verified now.")?
        .encode();
    println!("   sent {} bytes to the verified business", wire.len());

    println!("== 13. What the customer's app refuses");
    let week = Timestamp::from_unix_seconds(later.as_unix_seconds() + 7 * 86_400);
    // An impostor (or a server) hands out another key for acme-shoes, without a certificate.
    let impostor = IdentityKeyPair::generate(&mut rng);
    match customer_trust.check_send(&acme, impostor.public_key(), week) {
        Err(error) => println!(
            "   a new key without a certificate: refused ({})",
            error.kind()
        ),
        Ok(_) => println!("   a new key without a certificate was accepted (this is a bug)"),
    }
    // The issuer revokes serial 7 (say the account was taken over): fresh lists carry it.
    let mut fresh = revocations.clone();
    fresh.update(root.revoke(2, week, &[])?, &roots, week)?;
    fresh.update(issuer.revoke(2, week, &[7])?, &roots, week)?;
    match PreKeyBundleIn::decode(&published, &customer_config)?
        .validate_business(&roots, week, &fresh)
    {
        Err(error) => println!("   after revocation: {error}"),
        Ok(_) => println!("   a revoked certificate was accepted (this is a bug)"),
    }
    // Without fresh lists, nothing validates after 48 hours: no silent fail-open.
    match PreKeyBundleIn::decode(&published, &customer_config)?.validate_business(
        &roots,
        week,
        &revocations,
    ) {
        Err(error) => println!("   with week-old lists: {error}"),
        Ok(_) => println!("   a stale revocation list was accepted (this is a bug)"),
    }
    // 31 days on, the 30-day certificate has expired (lists are fresh).
    let month = Timestamp::from_unix_seconds(later.as_unix_seconds() + 31 * 86_400);
    let mut current = Revocations::new();
    current.update(root.revoke(3, month, &[])?, &roots, month)?;
    current.update(issuer.revoke(3, month, &[])?, &roots, month)?;
    match PreKeyBundleIn::decode(&published, &customer_config)?
        .validate_business(&roots, month, &current)
    {
        Err(error) => println!("   31 days later: {error}"),
        Ok(_) => println!("   an expired certificate was accepted (this is a bug)"),
    }
    // Acme moves to a new key with a new certificate: an ordinary, announced key change.
    let moved = IdentityKeyPair::generate(&mut rng);
    let moved_spk = SignedPreKeyPair::generate(&mut rng, &moved, SignedPreKeyId(3), month);
    let renewed_chain =
        issuer.certify_business(&acme_template(8, &moved, Validity::days_from(month, 30)?)?)?;
    let moved_bundle = PreKeyBundleIn::decode(
        &PreKeyBundle::new(&moved, &moved_spk, None)?
            .with_business_certificate(renewed_chain)?
            .encode(),
        &customer_config,
    )?
    .validate_business(&roots, month, &current)?;
    if let Some(business) = moved_bundle.business() {
        match customer_trust.check_send_business(&acme, business, month) {
            Err(error) => println!(
                "   a new key with a new certificate: announced, and held until acknowledged ({})",
                error.kind()
            ),
            Ok(_) => println!("   a new key with a new certificate: accepted"),
        }
    }
    Ok(())
}
