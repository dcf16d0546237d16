//! Waiting for daemons: each accepts TCP connections inside its namespace.

use super::{is_alive, netns_path};
use nix::sched::{CloneFlags, setns};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A daemon to wait for: it accepts on `127.0.0.1:port` inside `netns`.
#[derive(Debug, Clone)]
pub struct Ready {
    pub netns: String,
    pub port: u16,
    pub what: String,
    pub pid: i32,
    pub start_time: u64,
    pub log: PathBuf,
}

/// The last lines of a pod's log, for the error that says its daemon died.
/// The pod writes its folder: a link there is not followed, a FIFO not
/// waited on, and at most the log's last 64 KiB are read.
fn tail(path: &Path) -> String {
    use std::io::{Read, Seek, SeekFrom};
    const MOST: u64 = 64 << 10;
    let Ok(mut f) = crate::input_file::open_regular(std::fs::OpenOptions::new().read(true), path)
    else {
        return String::new();
    };
    let Ok(m) = f.metadata() else {
        return String::new();
    };
    if f.seek(SeekFrom::Start(m.len().saturating_sub(MOST)))
        .is_err()
    {
        return String::new();
    }
    let mut bytes = Vec::new();
    let _ = f.take(MOST).read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(10)..].join("\n")
}

/// A daemon that exited `when` ("before", "after") accepting, with the
/// end of its log.
fn gone(t: &Ready, when: &str) -> String {
    format!(
        "{} (pid {}) exited {when} accepting on port {}; its log ({}):\n{}",
        t.what,
        t.pid,
        t.port,
        t.log.display(),
        tail(&t.log)
    )
}

/// Wait until every daemon accepts TCP connections, polling from this
/// thread (which `setns`es into each namespace: call on a thread of its own).
pub fn wait_ready(targets: &[Ready], timeout: Duration) -> std::result::Result<(), String> {
    let deadline = Instant::now() + timeout;
    let mut pending: Vec<(&Ready, File)> = Vec::new();
    for t in targets {
        let f = File::open(netns_path(&t.netns))
            .map_err(|e| format!("{}: namespace {} is gone: {e}", t.what, t.netns))?;
        pending.push((t, f));
    }
    let addr = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    // A daemon that accepted is ready once it is still alive a round
    // later: nginx listens before it writes its pid file, and one that
    // cannot write it exits after a connect was accepted (an `apply` said
    // ready with no nginx left: seen under load).
    let mut accepted: Vec<&Ready> = Vec::new();
    loop {
        for t in std::mem::take(&mut accepted) {
            if !is_alive(t.pid, t.start_time) {
                return Err(gone(t, "after"));
            }
        }
        let mut still = Vec::new();
        for (t, f) in pending {
            setns(&f, CloneFlags::CLONE_NEWNET)
                .map_err(|e| format!("entering {}: {e}", t.netns))?;
            if std::net::TcpStream::connect_timeout(&addr(t.port), Duration::from_millis(200))
                .is_ok()
            {
                accepted.push(t);
                continue;
            }
            if !is_alive(t.pid, t.start_time) {
                return Err(gone(t, "before"));
            }
            still.push((t, f));
        }
        pending = still;
        if pending.is_empty() && accepted.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let names: Vec<&str> = pending.iter().map(|(t, _)| t.what.as_str()).collect();
            return Err(format!(
                "timed out after {}s waiting for {} to accept connections",
                timeout.as_secs(),
                names.join(", ")
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::tail;

    #[test]
    fn a_pods_log_is_read_without_following_a_link_or_waiting_on_a_fifo() {
        let t = tempfile::tempdir().unwrap();
        let secret = t.path().join("secret");
        std::fs::write(&secret, "host secret\n").unwrap();
        let link = t.path().join("nginx.out");
        std::os::unix::fs::symlink(&secret, &link).unwrap();
        assert_eq!(tail(&link), "");
        let fifo = t.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        assert_eq!(tail(&fifo), "");
        let log = t.path().join("ok.log");
        let text: String = (0..20).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&log, text).unwrap();
        assert!(tail(&log).starts_with("line 10\nline 11"));
    }
}
