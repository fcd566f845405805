//! `backend`: a business serving thousands of customer sessions from one store, with
//! concurrent conversations on tokio, printing throughput and latency percentiles.
//!
//! ```text
//! cargo run --release --example backend                         # 2,000 customers, SQLite
//! cargo run --release --example backend -- --customers 10000 --rounds 5 --sealed
//! cargo run --release --example backend -- --db business.sqlite  # keep the database file
//! cargo run --release --example backend -- --postgres postgresql://user@localhost/db
//! .ci/postgres run sh -c 'cargo run --release --example backend -- --postgres "$HUSHWIRE_TEST_POSTGRES_URL"'
//! ```
//!
//! The business device keeps every session and its prekeys in one store (SPEC.md 17) and
//! serves them through [`Conversations`]: every operation loads the customer's record, runs,
//! and swaps it back, and nothing is released before its swap succeeded.
//!
//! 1. **Prekeys.** `upkeep_prekeys` gives the business a signed prekey, one one-time prekey
//!    per customer, a last-resort KEM prekey and one-time KEM prekeys for half the customers
//!    (the default configuration requires the post-quantum hybrid set-up, SPEC.md 18); the
//!    "server" hands each customer a bundle with a one-time prekey and a one-time KEM prekey
//!    while they last, then the last-resort KEM prekey.
//! 2. **First messages.** Every customer starts a session and sends a first message; the
//!    business accepts them all, `--lanes` at a time (each accept consumes its one-time
//!    prekey and its one-time KEM prekey, or records its base key with the last-resort KEM
//!    prekey, in the transaction that stores the session).
//! 3. **Rounds.** In each round every customer sends two messages, which the business
//!    decrypts in two tasks at once (two workers that picked up messages of one session),
//!    then answers each, again in two tasks at once. The two tasks contend for the same
//!    record: the loser of a swap retries on the winner's state (counted as lost swaps).
//!
//! Every plaintext is checked at both ends; a message key used twice would make a customer's
//! decrypt fail with `DuplicateMessage`, so a clean run shows none was. The customers (the
//! client side, in memory) are not timed; the business's operations are, each including its
//! load and swap.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hushwire::store::{
    AcceptTransaction, Conversations, MemoryStore, PostgresOptions, PostgresStore, PreKeyPolicy,
    Sealer, SqliteOptions, SqliteStore, StorageKey,
};
use hushwire::{
    AccountId, Config, DeviceAddress, DeviceId, Envelope, IdentityKeyPair, PreKeyBundle, Timestamp,
};
use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};

const USAGE: &str = "\
usage: backend [--customers N] [--rounds R] [--lanes L] [--workers W] [--db PATH] [--sealed]
  --customers N  customer sessions (default 2000)
  --rounds R     rounds of two messages each way per customer (default 3)
  --lanes L      customers served at once (default 64)
  --workers W    tokio worker threads (default 2)
  --db PATH      write the SQLite file there and keep it (it must not exist yet; default:
                 a temporary file, removed afterwards)
  --postgres URL use PostgreSQL instead (postgresql://user@host:port/db or libpq's
                 key=value form), in a new schema of this run's own, one connection per lane
                 (at most 64)
  --sealed       seal every stored value with a random storage key (SPEC.md 17.4)
";

struct Args {
    customers: usize,
    rounds: usize,
    lanes: usize,
    workers: usize,
    db: Option<PathBuf>,
    postgres: Option<String>,
    sealed: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        customers: 2000,
        rounds: 3,
        lanes: 64,
        workers: 2,
        db: None,
        postgres: None,
        sealed: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|value| value.parse::<usize>().ok())
                .filter(|&value| value > 0)
                .ok_or(format!("{name} needs a positive number\n{USAGE}"))
        };
        match arg.as_str() {
            "--customers" => parsed.customers = number("--customers")?,
            "--rounds" => parsed.rounds = number("--rounds")?,
            "--lanes" => parsed.lanes = number("--lanes")?,
            "--workers" => parsed.workers = number("--workers")?,
            "--db" => {
                let path = args.next().ok_or(format!("--db needs a path\n{USAGE}"))?;
                parsed.db = Some(PathBuf::from(path));
            }
            "--postgres" => {
                let url = args
                    .next()
                    .ok_or(format!("--postgres needs a connection string\n{USAGE}"))?;
                parsed.postgres = Some(url.clone());
            }
            "--sealed" => parsed.sealed = true,
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unexpected argument {other:?}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&args) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("backend: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A temporary database, removed with its WAL files when dropped.
struct Temporary(PathBuf);

impl Drop for Temporary {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let mut rng = os_rng()?;
    let sealer = if args.sealed {
        if args.db.is_some() || args.postgres.is_some() {
            eprintln!(
                "backend: note: the storage key is random and not kept, so the sealed store \
                 cannot be opened again; a real backend takes it from its key store"
            );
        }
        let mut key = [0u8; 32];
        rand::Rng::fill_bytes(&mut rng, &mut key);
        Some(Sealer::new(StorageKey::from_bytes(key), os_rng()?))
    } else {
        None
    };
    let sealed = if args.sealed { ", sealed" } else { "" };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    if let Some(url) = &args.postgres {
        // A schema of this run's own (the business's identity is new each run).
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs();
        let schema = format!("hushwire_backend_{}_{seconds}", std::process::id());
        let mut options = PostgresOptions::from_url(url).map_err(|e| e.to_string())?;
        options.schema = schema.clone();
        options.sealer = sealer;
        options.pool_size = args.lanes.clamp(1, 64);
        println!(
            "backend: {} customers, {} rounds, {} lanes, {} tokio workers, PostgreSQL schema {schema} \
             ({} connections){sealed}",
            args.customers, args.rounds, args.lanes, args.workers, options.pool_size,
        );
        runtime.block_on(async {
            let store = PostgresStore::open(options)
                .await
                .map_err(|e| e.to_string())?;
            serve(store, args, &mut rng).await
        })?;
        println!("the schema stays: DROP SCHEMA {schema} CASCADE removes it");
        return Ok(());
    }
    let path = args.db.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("hushwire-backend-{}.sqlite", std::process::id()))
    });
    // A new file of this run's own (the business's identity is new each run): never a
    // database that exists, nor one someone else put at the temporary path.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("{}: {e} (the database must not exist yet)", path.display()))?;
    // Only a file this run created is removed.
    let _temporary = args.db.is_none().then(|| Temporary(path.clone()));
    let mut options = SqliteOptions::default();
    options.sealer = sealer;
    let store = SqliteStore::open(&path, options).map_err(|e| e.to_string())?;
    println!(
        "backend: {} customers, {} rounds, {} lanes, {} tokio workers, SQLite at {}{sealed}",
        args.customers,
        args.rounds,
        args.lanes,
        args.workers,
        path.display(),
    );
    runtime.block_on(serve(store, args, &mut rng))?;
    if let Ok(metadata) = std::fs::metadata(&path) {
        println!(
            "database: {:.1} MiB ({} bytes per customer)",
            metadata.len() as f64 / 1048576.0,
            metadata.len() / args.customers as u64
        );
    }
    Ok(())
}

/// One customer: its device address at the business, and its own device's sessions (the
/// client side, kept in memory).
struct Customer {
    address: DeviceAddress,
    device: Conversations<MemoryStore>,
}

/// What the business timed: one latency per operation, by kind.
#[derive(Default)]
struct Latencies {
    accept: Vec<Duration>,
    decrypt: Vec<Duration>,
    encrypt: Vec<Duration>,
}

impl Latencies {
    fn merge(&mut self, other: Latencies) {
        self.accept.extend(other.accept);
        self.decrypt.extend(other.decrypt);
        self.encrypt.extend(other.encrypt);
    }
}

/// Prints a line per tenth of `total` done.
struct Progress {
    label: &'static str,
    total: usize,
    done: AtomicUsize,
}

impl Progress {
    fn new(label: &'static str, total: usize) -> Arc<Self> {
        Arc::new(Self {
            label,
            total,
            done: AtomicUsize::new(0),
        })
    }

    fn step(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if done * 10 / self.total > (done - 1) * 10 / self.total {
            eprintln!(
                "  {} {}% ({done} of {})",
                self.label,
                done * 100 / self.total,
                self.total
            );
        }
    }
}

async fn serve<S: AcceptTransaction + 'static>(
    store: S,
    args: &Args,
    rng: &mut StdRng,
) -> Result<(), String> {
    let config = Config::default();
    let now = Timestamp::from_unix_seconds(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs(),
    );
    let business = Arc::new(Conversations::new(
        store,
        IdentityKeyPair::generate(rng),
        config,
    ));

    // 1. Prekeys: one one-time prekey per customer; one-time KEM prekeys for half of them,
    // the last-resort KEM prekey for the rest.
    let started = Instant::now();
    let mut policy = PreKeyPolicy::default();
    policy.one_time_minimum = u32::try_from(args.customers).map_err(|e| e.to_string())?;
    policy.one_time_target = policy.one_time_minimum;
    policy.kem_one_time_minimum = policy.one_time_minimum / 2;
    policy.kem_one_time_target = policy.kem_one_time_minimum;
    let upkeep = business
        .upkeep_prekeys(rng, now, &policy)
        .await
        .map_err(|e| format!("prekey upkeep: {e}"))?;
    println!(
        "prekeys: signed prekey {}, {} one-time prekeys, last-resort KEM prekey {} and {} \
         one-time KEM prekeys stored in {:.2} s",
        upkeep.signed_prekey.id().0,
        upkeep.added.len(),
        upkeep.kem_last_resort.id().0,
        upkeep.kem_added.len(),
        started.elapsed().as_secs_f64()
    );

    // The customers start their sessions (client side, untimed).
    let mut customers = Vec::with_capacity(args.customers);
    let mut firsts = Vec::with_capacity(args.customers);
    let business_at = DeviceAddress::new(
        AccountId::new("business").map_err(|e| e.to_string())?,
        DeviceId::new(1).map_err(|e| e.to_string())?,
    );
    for (i, one_time) in upkeep.added.iter().enumerate() {
        let device = Conversations::new(MemoryStore::new(), IdentityKeyPair::generate(rng), config);
        let kem = upkeep.kem_added.get(i).unwrap_or(&upkeep.kem_last_resort);
        let bundle = PreKeyBundle::from_public(
            business.identity_key(),
            &upkeep.signed_prekey,
            Some(*one_time),
        )
        .and_then(|bundle| bundle.with_kem_prekey(kem))
        .map_err(|e| e.to_string())?;
        device
            .initiate(rng, &business_at, &bundle)
            .await
            .map_err(|e| e.to_string())?;
        let first = device
            .encrypt(&business_at, format!("hello from customer {i}").as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let address = DeviceAddress::new(
            AccountId::new(format!("customer-{i}")).map_err(|e| e.to_string())?,
            DeviceId::new(1).map_err(|e| e.to_string())?,
        );
        customers.push(Customer { address, device });
        firsts.push(first);
    }
    let customers = Arc::new(customers);
    let firsts = Arc::new(firsts);

    // 2. The business accepts every first message, `lanes` at a time.
    let progress = Progress::new("accepting first messages", args.customers);
    let started = Instant::now();
    let latencies = in_lanes(args, &customers, |_, indices| {
        let (business, customers, firsts, progress) = (
            Arc::clone(&business),
            Arc::clone(&customers),
            Arc::clone(&firsts),
            Arc::clone(&progress),
        );
        async move {
            let mut rng = os_rng()?;
            let mut latencies = Latencies::default();
            for i in indices {
                let first = firsts[i].clone().into_prekey().map_err(|e| e.to_string())?;
                let t = Instant::now();
                let plaintext = business
                    .accept(&mut rng, &customers[i].address, &first)
                    .await
                    .map_err(|e| format!("accept: {e}"))?;
                latencies.accept.push(t.elapsed());
                check(&plaintext, &format!("hello from customer {i}"))?;
                progress.step();
            }
            Ok(latencies)
        }
    })
    .await?;
    let accept_time = started.elapsed();
    let mut all = latencies;

    // 3. Rounds: two messages each way per customer, each pair handled by two tasks at once.
    let progress = Progress::new("conversation rounds", args.customers * args.rounds);
    let started = Instant::now();
    let rounds = args.rounds;
    let latencies = in_lanes(args, &customers, |_, indices| {
        let (business, customers, progress, business_at) = (
            Arc::clone(&business),
            Arc::clone(&customers),
            Arc::clone(&progress),
            business_at.clone(),
        );
        async move {
            let mut latencies = Latencies::default();
            for round in 0..rounds {
                for &i in &indices {
                    let customer = &customers[i];
                    round_trip(&business, &business_at, customer, i, round, &mut latencies).await?;
                    progress.step();
                }
            }
            Ok(latencies)
        }
    })
    .await?;
    let round_time = started.elapsed();
    all.merge(latencies);

    println!();
    println!(
        "{:<28} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9}",
        "business operation", "count", "per s", "p50", "p90", "p99", "max"
    );
    report("accept (first message)", &mut all.accept, accept_time);
    let messages = all.decrypt.len() + all.encrypt.len();
    report("decrypt", &mut all.decrypt, round_time);
    report("encrypt", &mut all.encrypt, round_time);
    println!(
        "rounds: {messages} messages in {:.2} s, {:.0} messages per second through the store",
        round_time.as_secs_f64(),
        messages as f64 / round_time.as_secs_f64()
    );
    println!(
        "contention: {} lost swaps retried (two tasks on one session at once)",
        business.lost_swaps()
    );
    println!(
        "checked: every plaintext at both ends; no message key used twice (a customer's \
         decrypt would have failed)"
    );
    Ok(())
}

/// Runs `lane` on `args.lanes` tasks at once, customer `i` going to lane `i % lanes`, and
/// gathers their latencies.
async fn in_lanes<F, Fut>(
    args: &Args,
    customers: &Arc<Vec<Customer>>,
    lane: F,
) -> Result<Latencies, String>
where
    F: Fn(usize, Vec<usize>) -> Fut,
    Fut: std::future::Future<Output = Result<Latencies, String>> + Send + 'static,
{
    let lanes = args.lanes.min(customers.len());
    let tasks: Vec<_> = (0..lanes)
        .map(|l| {
            let indices = (l..customers.len()).step_by(lanes).collect();
            tokio::spawn(lane(l, indices))
        })
        .collect();
    let mut all = Latencies::default();
    for task in tasks {
        all.merge(task.await.map_err(|e| e.to_string())??);
    }
    Ok(all)
}

/// One round with customer `i`: two messages in, decrypted by two tasks at once; two answers
/// out, encrypted by two tasks at once; the customer decrypts both.
async fn round_trip<S: AcceptTransaction + 'static>(
    business: &Arc<Conversations<S>>,
    business_at: &DeviceAddress,
    customer: &Customer,
    i: usize,
    round: usize,
    latencies: &mut Latencies,
) -> Result<(), String> {
    let mut incoming = Vec::new();
    for k in 0..2 {
        let text = format!("customer {i} round {round} message {k}");
        let envelope = customer
            .device
            .encrypt(business_at, text.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        incoming.push((text, envelope));
    }
    let customer_key = *customer.device.identity_key();
    let decrypts: Vec<_> = incoming
        .into_iter()
        .map(|(text, envelope)| {
            let (business, address) = (Arc::clone(business), customer.address.clone());
            tokio::spawn(async move {
                let mut rng = os_rng()?;
                let t = Instant::now();
                let plaintext = business
                    .decrypt(&mut rng, &address, &customer_key, &envelope)
                    .await
                    .map_err(|e| format!("decrypt: {e}"))?;
                let elapsed = t.elapsed();
                check(&plaintext, &text)?;
                Ok::<_, String>(elapsed)
            })
        })
        .collect();
    for task in decrypts {
        latencies
            .decrypt
            .push(task.await.map_err(|e| e.to_string())??);
    }
    let encrypts: Vec<_> = (0..2)
        .map(|k| {
            let (business, address) = (Arc::clone(business), customer.address.clone());
            tokio::spawn(async move {
                let text = format!("answer {k} to customer {i} in round {round}");
                let t = Instant::now();
                let envelope = business
                    .encrypt(&address, text.as_bytes())
                    .await
                    .map_err(|e| format!("encrypt: {e}"))?;
                Ok::<_, String>((t.elapsed(), text, envelope))
            })
        })
        .collect();
    let business_key = *business.identity_key();
    let mut rng = os_rng()?;
    for task in encrypts {
        let (elapsed, text, envelope): (Duration, String, Envelope) =
            task.await.map_err(|e| e.to_string())??;
        latencies.encrypt.push(elapsed);
        let plaintext = customer
            .device
            .decrypt(&mut rng, business_at, &business_key, &envelope)
            .await
            .map_err(|e| format!("customer decrypt: {e}"))?;
        check(&plaintext, &text)?;
    }
    Ok(())
}

/// A generator seeded from the operating system: every task draws its own (ratchet keys,
/// salts); a fixed seed here would give every session the same keys.
fn os_rng() -> Result<StdRng, String> {
    StdRng::try_from_rng(&mut SysRng).map_err(|e| format!("no OS randomness: {e}"))
}

fn check(plaintext: &[u8], expected: &str) -> Result<(), String> {
    if plaintext == expected.as_bytes() {
        Ok(())
    } else {
        Err(format!("decrypted something else than {expected:?}"))
    }
}

/// Prints one row: count, rate over `elapsed`, and latency percentiles.
fn report(name: &str, latencies: &mut [Duration], elapsed: Duration) {
    latencies.sort_unstable();
    let at = |p: f64| -> String {
        let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(index).map_or("-".to_owned(), |d| {
            format!("{:.2}ms", d.as_secs_f64() * 1000.0)
        })
    };
    println!(
        "{:<28} {:>9} {:>10.0} {:>9} {:>9} {:>9} {:>9}",
        name,
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}
