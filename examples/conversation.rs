//! A complete exchange between a business and a customer, printed step by step:
//! prekey publication, bundle verification with trust on first use, X3DH, the first
//! messages, an out-of-order burst, a replay, storing and restoring sessions, then identity
//! verification (the 60-digit safety number, its QR code, SAS emoji over the session) and a
//! key change that holds sending until the customer acknowledges it.
//!
//! Run with `cargo run --example conversation`. Everything is seeded, so the output is the
//! same on every run.

use hushwire::{
    AccountId, Config, CryptoProvider, Envelope, IdentityKeyPair, InMemoryPreKeyStore,
    InMemoryTrustStore, KeyChangePolicy, OneTimePreKeyId, OneTimePreKeyPair, PreKeyBundle,
    PreKeyBundleIn, PreKeyStore, SafetyNumber, Sas, SasAttempts, SasConfirmation, Session,
    SignedPreKeyId, SignedPreKeyPair, Timestamp, TrustOnFirstUse, VerificationMessage,
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
    Ok(())
}
