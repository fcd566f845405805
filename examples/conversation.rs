//! A complete exchange between a business and a customer, printed step by step:
//! prekey publication, bundle verification, X3DH, the first messages, an out-of-order burst,
//! a replay, storing and restoring sessions, and an identity check.
//!
//! Run with `cargo run --example conversation`. Everything is seeded, so the output is the
//! same on every run.

use hushwire::{
    Config, CryptoProvider, Envelope, IdentityKeyPair, InMemoryPreKeyStore, OneTimePreKeyId,
    OneTimePreKeyPair, PreKeyBundle, PreKeyBundleIn, PreKeyStore, Session, SignedPreKeyId,
    SignedPreKeyPair, Timestamp,
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
    let bundle = PreKeyBundleIn::decode(&bundle_bytes, &customer_config)?.validate()?;
    println!(
        "   signed prekey signature verified (prekey id {})",
        bundle.signed_prekey().id().0
    );
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

    println!("== 9. Identity check");
    // Each side compares the identity key its session holds with the one the other side shows
    // out of band (in person, or from a verified directory).
    let customer_sees = customer_session.their_identity().to_bytes();
    let business_shows = business.public_key().to_bytes();
    let business_sees = business_session.their_identity().to_bytes();
    let customer_shows = customer.public_key().to_bytes();
    println!(
        "   customer's copy of the business key {} matches: {}",
        short(&customer_sees),
        customer_sees == business_shows
    );
    println!(
        "   business's copy of the customer key {} matches: {}",
        short(&business_sees),
        business_sees == customer_shows
    );
    Ok(())
}
