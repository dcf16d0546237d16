//! The guard's log (its standard output, the lab's `guard.log`): what it
//! says, bounded, and the nodes it says it stopped.

use super::NODE_STOPPED;
use std::fs::File;
use std::io::Write;

/// The namespaces of the nodes the guard stopped, from its log at `log`
/// (the lab's own file; at most [`LOG_BYTES`] and a line).
pub fn stopped_nodes(log: &std::path::Path) -> Vec<String> {
    stopped_nodes_why(log)
        .into_iter()
        .map(|(ns, _)| ns)
        .collect()
}

/// [`stopped_nodes`], each with why the guard stopped it (its line's words
/// before "so the node is stopped").
pub fn stopped_nodes_why(log: &std::path::Path) -> Vec<(String, String)> {
    use std::io::Read;
    let mut text = String::new();
    if let Ok(f) = File::open(log) {
        let _ = f.take(LOG_BYTES + 4096).read_to_string(&mut text);
    }
    text.lines()
        .filter_map(|l| {
            let (said, _) = l.split_once(NODE_STOPPED)?;
            let (ns, why) = said.split_once(": ")?;
            let why = why.trim_end().trim_end_matches("so").trim_end();
            Some((ns.to_string(), why.trim_end_matches([',', ':']).to_string()))
        })
        .collect()
}

/// The most the guard writes to its log: a node that floods a table
/// every second made it grow without end (probe21m: 13 MB a day a table).
const LOG_BYTES: u64 = 1 << 20;

/// What a line of `n` bytes becomes when `before` bytes were written: the
/// line, the note that the log is full (once), or nothing.
fn written(line: &str, before: u64) -> Option<String> {
    let n = line.len() as u64 + 1;
    if before + n <= LOG_BYTES {
        Some(format!("{line}\n"))
    } else if before <= LOG_BYTES {
        Some(format!(
            "the log is full ({LOG_BYTES} bytes): the guard goes on, saying nothing more\n"
        ))
    } else {
        None
    }
}

pub(super) fn say(line: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static WRITTEN: AtomicU64 = AtomicU64::new(0);
    let before = WRITTEN.fetch_add(line.len() as u64 + 1, Ordering::Relaxed);
    // The log may be gone or its disk full: the guard goes on.
    if let Some(text) = written(line, before) {
        let _ = std::io::stdout().write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_says_it_is_full_once_then_nothing() {
        assert_eq!(written("a", 0).as_deref(), Some("a\n"));
        assert_eq!(written("a", LOG_BYTES - 2).as_deref(), Some("a\n"));
        assert!(
            written("ab", LOG_BYTES - 2)
                .unwrap()
                .starts_with("the log is full")
        );
        assert!(
            written("a", LOG_BYTES)
                .unwrap()
                .starts_with("the log is full")
        );
        assert_eq!(written("a", LOG_BYTES + 2), None);
    }

    #[test]
    fn the_nodes_stopped_are_read_from_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("guard.log");
        std::fs::write(
            &log,
            format!(
                "watching 3 node(s)\nl.node1: 300 IPv4 routing tables or more, past the bound of 256: so {NODE_STOPPED} (...)\nl.node2: removed 4 fdb entries\n"
            ),
        )
        .unwrap();
        assert_eq!(stopped_nodes(&log), ["l.node1"]);
        assert_eq!(
            stopped_nodes_why(&log),
            [(
                "l.node1".to_string(),
                "300 IPv4 routing tables or more, past the bound of 256".to_string()
            )]
        );
        assert!(stopped_nodes(&dir.path().join("none")).is_empty());
    }
}
