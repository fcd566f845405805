//! How busy the machine was during a benchmark run, from /proc (Linux): shared by the
//! `pairwise`, `verification` and `business` bench reports (`#[path]`-included by each).

/// CPU time of the whole machine and of this process at one moment.
#[derive(Clone, Copy)]
pub(crate) struct CpuTimes {
    /// user + nice + system + irq + softirq, all CPUs, in clock ticks.
    busy: u64,
    idle: u64,
    steal: u64,
    /// This process's user + system time, in clock ticks.
    own: u64,
    at: std::time::Instant,
}

/// What ran between two [`CpuTimes`], in seconds.
pub(crate) struct Load {
    /// Wall time.
    pub(crate) wall: f64,
    /// CPU time of this process.
    pub(crate) own: f64,
    /// CPU time of everything else.
    pub(crate) others: f64,
    /// Idle CPU time.
    pub(crate) idle: f64,
    /// CPU time the hypervisor took.
    pub(crate) steal: f64,
    /// The load average at the end (1, 5 and 15 minutes).
    pub(crate) loadavg: String,
}

impl CpuTimes {
    pub(crate) fn now() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let cpu: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        let own_stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
        let after = own_stat.rsplit_once(')')?.1;
        let fields: Vec<u64> = after
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|v| v.parse().ok())
            .collect();
        Some(Self {
            busy: cpu.first()? + cpu.get(1)? + cpu.get(2)? + cpu.get(5)? + cpu.get(6)?,
            idle: cpu.get(3)? + cpu.get(4)?,
            steal: *cpu.get(7)?,
            own: fields.first()? + fields.get(1)?,
            at: std::time::Instant::now(),
        })
    }

    /// What ran since `self`, with `hz` clock ticks per second; `None` if /proc is unreadable.
    pub(crate) fn since(self, hz: f64) -> Option<Load> {
        let now = Self::now()?;
        let secs = |t: u64| t as f64 / hz;
        let own = secs(now.own - self.own);
        Some(Load {
            wall: now.at.duration_since(self.at).as_secs_f64(),
            own,
            others: (secs(now.busy - self.busy) - own).max(0.0),
            idle: secs(now.idle - self.idle),
            steal: secs(now.steal - self.steal),
            loadavg: std::fs::read_to_string("/proc/loadavg")
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
        })
    }
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 if that fails).
pub(crate) fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
