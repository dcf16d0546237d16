//! `lab book --watch` (issue 17): spawned on a copy of chapter4, the copy's
//! chapter and a manifest edited while it runs; each awaited line has a
//! generous deadline (no timing is asserted: `bench/` measures); SIGINT
//! ends it and the lab is torn down.

use crate::book::no_namespaces_of;
use crate::harness::{copy_lab, edit, is_root, unique_name};
use std::io::BufRead;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Lines of the child's stdout, read on a thread.
pub(crate) struct Lines {
    pub(crate) rx: mpsc::Receiver<String>,
    pub(crate) seen: Vec<String>,
}

impl Lines {
    /// Wait for a line for which `want` holds; panics with every line seen
    /// after a deadline far past what it takes.
    pub(crate) fn wait(&mut self, what: &str, want: impl Fn(&str) -> bool) -> String {
        let until = Instant::now() + Duration::from_secs(180);
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if want(&l) {
                        return l;
                    }
                }
                Err(_) => panic!("no line {what}; lines:\n{}", self.seen.join("\n")),
            }
        }
    }
}

/// The child, stopped as Ctrl-C stops it if the test ends before it did
/// (so a failing test leaves no lab behind).
pub(crate) struct Child(pub(crate) std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(self.0.id() as i32),
                nix::sys::signal::Signal::SIGINT,
            );
            let _ = self.0.wait();
        }
    }
}

/// `lab book LAB --watch` on the lab folder `lab` (its state in `state`,
/// `COLUMNS` at `columns`), and its stdout's lines as they come.
pub(crate) fn spawn_watch(
    lab: &std::path::Path,
    state: &std::path::Path,
    columns: Option<&str>,
) -> (Child, Lines) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_lab"));
    cmd.env("LAB_STATE_DIR", state)
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .env_remove("LAB_PATH")
        .current_dir(lab)
        .arg("book")
        .arg(lab)
        .arg("--watch")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    let mut child = Child(cmd.spawn().unwrap());
    let (tx, rx) = mpsc::channel();
    let out = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    (child, Lines { rx, seen: vec![] })
}

#[test]
fn watch_replays_a_saved_block_and_a_manifest_change_then_tears_down() {
    if !is_root() {
        eprintln!("skipped: needs root");
        return;
    }
    let name = unique_name("wa");
    let lab = copy_lab("chapter4", &name);
    let state = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = spawn_watch(lab.path(), state.path(), Some("80"));
    let block = |line: &str, verdict: &str| {
        let (line, verdict) = (line.to_string(), verdict.to_string());
        move |l: &str| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w.first() == Some(&line.as_str()) && w.get(1) == Some(&verdict.as_str())
        }
    };
    // The first replay, whole.
    lines.wait("224 match (first replay)", block("224", "match"));
    lines.wait("watching", |l| l.starts_with("watching chapter.md"));
    let chapter = lab.path().join("chapter.md");
    // One expected TTL changed: that block drifts, and only it is replayed.
    edit(
        &chapter,
        "icmp_seq=1 ttl=63 time=0.403 ms",
        "icmp_seq=1 ttl=61 time=0.403 ms",
    );
    let l = lines.wait("224 drift", block("224", "drift"));
    assert!(l.chars().count() <= 80, "{l}");
    lines.wait("the replay's time", |l| l.starts_with("replayed in"));
    // Undone: match again.
    edit(
        &chapter,
        "icmp_seq=1 ttl=61 time=0.403 ms",
        "icmp_seq=1 ttl=63 time=0.403 ms",
    );
    lines.wait("224 match again", block("224", "match"));
    // Only the saved block was replayed each time.
    let replayed: Vec<&String> = lines
        .seen
        .iter()
        .skip_while(|l| !l.starts_with("watching"))
        .filter(|l| l.starts_with("  ") && !l.starts_with("       "))
        .collect();
    assert_eq!(replayed.len(), 2, "{replayed:?}");
    // The fixed variant's manifest saved: the first variant re-applied, then
    // the whole chapter replayed (a lab change can change any block's view).
    let fix = lab.path().join("flannel_fix.yml");
    let mut text = std::fs::read_to_string(&fix).unwrap();
    text.push_str("# saved again\n");
    std::fs::write(&fix, text).unwrap();
    lines.wait("re-applied", |l| {
        l == "lab: variant broken re-applied; replaying the whole chapter"
    });
    lines.wait("224 after the switch", block("224", "match"));
    // Ctrl-C: it ends, and the lab it brought up is torn down.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.0.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let status = child.0.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    no_namespaces_of(&name);
    assert!(
        !state.path().join(&name).join("state.json").exists(),
        "the lab's state is left"
    );
}
