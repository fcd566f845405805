//! What the store tests share: a multi-threaded runtime to run a test on, and a temporary
//! database file.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Runs `future` on a multi-threaded tokio runtime with 2 workers (the machine's cores).
#[allow(dead_code)]
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}

/// A database file no other test (nor another run at the same time) uses, removed with its
/// WAL files when dropped.
#[allow(dead_code)]
pub struct TempDb(pub PathBuf);

impl TempDb {
    /// A new name in the temporary folder, `hushwire-<label>-<process>-<n>.sqlite`.
    #[allow(dead_code)]
    pub fn new(label: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        TempDb(std::env::temp_dir().join(format!(
            "hushwire-{label}-{}-{n}.sqlite",
            std::process::id()
        )))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}
