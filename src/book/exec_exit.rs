//! kubectl's own line under a command it ran in a pod: `command terminated
//! with exit code N`, which `kubectl exec` prints (on stderr, after the
//! command's output) when the command exits non-zero, and never for 0. One
//! place for every command lab runs under `kubectl exec` (ping, curl, cat,
//! `route -n`, `ip route`): the line is kubectl's, not the command's, so
//! it is taken out of what the command's own comparison reads, and its
//! code is held against how the lab's command exited.
//!
//! probe21by X1, probe21ca WE4: under a true broken-variant `kubectl exec
//! POD -- ping`, the line was "a line ping does not print" (drift), or,
//! after a blank line, a command lab does not replay (`not_understood`),
//! while the reader's kubectl prints it. curl read it as its failure
//! already; `exit code 0` passed there.
//!
//! Each exec's line is read so:
//! - shown under a command that is no `kubectl exec`, it is left to that
//!   command's comparison (no program but kubectl prints it);
//! - `exit code 0` drifts: kubectl prints no such line for 0;
//! - shown twice, or with a line of output after it, it drifts: kubectl
//!   prints it once, when the command has ended;
//! - its code is the lab's command's exit ([`Agreement::Exact`]: a ping
//!   exits 1 when no reply came and 2 on other errors), or, for curl,
//!   whose exits are read by meaning (an old curl's `(7) … timed out` is a
//!   timeout like `(28)`), the code of the book's own `curl: (N)` line
//!   where it shows one ([`Agreement::CurlsOwn`]; the lab's curl is held
//!   against the book's failure by [`super::curl`]).

/// kubectl's words, before the code.
const WORDS: &str = "command terminated with exit code ";

/// The code of kubectl's exit line as kubectl prints it (spaces at its
/// ends aside), None for any other line.
pub fn exit_code(line: &str) -> Option<u64> {
    let n = line.trim().strip_prefix(WORDS)?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| n.parse().unwrap_or(u64::MAX))
}

/// Whether `command` (as the book writes it) is a `kubectl exec`: its
/// program kubectl (past `NAME=value` words and `sudo`, in any order),
/// with the word `exec` before any `--`.
pub fn is_exec(command: &str) -> bool {
    let mut words = command
        .split_whitespace()
        .skip_while(|w| *w == "sudo" || super::parse::after_assignments(w).is_empty());
    let kubectl = words
        .next()
        .is_some_and(|w| w == "kubectl" || w.ends_with("/kubectl"));
    kubectl && words.take_while(|w| *w != "--").any(|w| w == "exec")
}

/// Whether `line`, shown under `command`, is kubectl's exit line of an
/// exec: output, never a command the reader types (probe21ca WE4: after
/// a blank line it was read as the command `command`).
pub fn shown_under(command: &str, line: &str) -> bool {
    exit_code(line).is_some() && is_exec(command)
}

/// How the book's code is held against the lab's command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreement {
    /// The lab's command's exit code, as it is.
    Exact,
    /// curl's: the code of the book's own `curl: (N)` line, where shown.
    CurlsOwn,
}

/// The book's output of an exec'd command without kubectl's exit lines
/// (what the command itself printed).
pub fn without(book: &[String]) -> Vec<String> {
    book.iter()
        .filter(|l| exit_code(l).is_none())
        .cloned()
        .collect()
}

/// The differences of kubectl's exit lines the book shows under a
/// `kubectl exec` (`book`: its output) with the lab's command, which
/// exited `code` (None: killed by a signal).
pub fn differences(book: &[String], code: Option<i32>, how: Agreement) -> Vec<String> {
    let shown: Vec<(usize, u64)> = book
        .iter()
        .enumerate()
        .filter_map(|(i, l)| Some((i, exit_code(l)?)))
        .collect();
    let Some(&(at, n)) = shown.first() else {
        return Vec::new();
    };
    let line = format!("`{WORDS}{n}`");
    let mut out = Vec::new();
    if shown.len() > 1 {
        out.push(format!(
            "kubectl exec: the book shows kubectl's exit line {} times; kubectl prints it once, when the command has ended",
            shown.len()
        ));
    }
    let after = book[at + 1..]
        .iter()
        .find(|l| !l.trim().is_empty() && !super::compare::is_elision(l) && exit_code(l).is_none());
    if let Some(l) = after {
        out.push(format!(
            "kubectl exec: the book shows `{}` after kubectl's {line}; kubectl prints that line when the command has ended, after all its output",
            l.trim()
        ));
    }
    if n == 0 {
        out.push(format!(
            "kubectl exec: the book shows {line}; kubectl prints it only for a command that exits non-zero, never for 0"
        ));
        return out;
    }
    match how {
        Agreement::Exact => match code {
            Some(c) if u64::try_from(c).ok() == Some(n) => {}
            Some(0) => out.push(format!(
                "kubectl exec: the book shows {line}; in the lab the command exited 0, and kubectl prints no such line"
            )),
            Some(c) => out.push(format!(
                "kubectl exec: the book shows {line}; in the lab the command exited {c}"
            )),
            None => out.push(format!(
                "kubectl exec: the book shows {line}; in the lab the command was killed by a signal"
            )),
        },
        Agreement::CurlsOwn => {
            if let Some(own) = curls_own_code(book)
                && own != n
            {
                out.push(format!(
                    "kubectl exec: the book shows {line} under curl's own `curl: ({own})`: curl exits with the code its error line names"
                ));
            }
        }
    }
    out
}

/// The code of the book's `curl: (N) …` line, if it shows one.
fn curls_own_code(book: &[String]) -> Option<u64> {
    book.iter().find_map(|l| {
        let (n, _) = l.trim().strip_prefix("curl: (")?.split_once(')')?;
        n.parse().ok()
    })
}

#[cfg(test)]
#[path = "exec_exit_tests.rs"]
mod tests;
