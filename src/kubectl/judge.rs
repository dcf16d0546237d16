//! What kubectl said of a line run offline ([`super::offline_dir`]):
//! whether it got past its own checks.
//!
//! kubectl checks a line (its command forms, flags, arguments, the files it
//! names) before it connects. Offline, its server refuses every connection,
//! so a line it accepts ends in a refused connection ("The connection to
//! the server 127.0.0.1:1 was refused", "dial tcp 127.0.0.1:1: connect:
//! connection refused", `memcache.go` lines), and a line it refuses ends
//! with its own message (`error: unknown flag: --all-namespace`) without
//! any connection. A line that needs no server (`version --client`) exits
//! 0: accepted too. What it warns of on the way (a deprecated form, a
//! `Warning:`) is kept in its own words; the connection noise is not.
//!
//! A run that could not be judged (the deadline passed) is not a
//! [`Judgement`]: [`super::run`] returns an error for it.

use crate::session::Output;
use serde::{Deserialize, Serialize};

/// kubectl's verdict on one line, offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Judgement {
    /// Past kubectl's own checks: it tried to connect (or needed no
    /// server). `warnings`: its deprecations and warnings, in its words.
    Accepted { warnings: Vec<String> },
    /// Refused before any connection; `message`: kubectl's words.
    Refused { message: String },
}

impl Judgement {
    pub fn accepted(&self) -> bool {
        matches!(self, Judgement::Accepted { .. })
    }
}

/// What a line of a book's output says kubectl did, where it is kubectl's
/// own failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// Its own `error:` (cobra's `Error:`): what it says of a line it
    /// refuses ([`refusal`]), or of a command that failed.
    Error,
    /// It could not reach its server.
    Unreached,
}

/// Whether `line` (of a book) is kubectl's own failure, and which.
pub fn failed(line: &str) -> Option<Failed> {
    let t = line.trim();
    if t.starts_with("error:") || t.starts_with("Error:") {
        Some(Failed::Error)
    } else if is_connection_refused(t) || t.starts_with("Unable to connect to the server") {
        Some(Failed::Unreached)
    } else {
        None
    }
}

/// Whether `book` (a command's output in a book) is `message`, a refusal
/// of kubectl's, as kubectl prints it: its every line kubectl's (the
/// message's lines, kubectl's pointer to `--help`), the message's first
/// line among them.
pub fn shows_refusal(book: &[String], message: &str) -> bool {
    let said: Vec<&str> = message.lines().map(str::trim).collect();
    let shown: Vec<&str> = book
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    let help = |l: &str| l.starts_with("See '") && (l.contains("-h") || l.contains("--help"));
    said.first().is_some_and(|first| shown.contains(first))
        && shown.iter().all(|l| said.contains(l) || help(l))
}

/// A line showing kubectl tried to reach its server and was refused.
fn is_connection_refused(line: &str) -> bool {
    (line.contains("The connection to the server ") && line.contains(" was refused"))
        || (line.contains("dial tcp ") && line.contains("connect: connection refused"))
}

/// A klog line (`E1204 12:26:57.246407   13554 memcache.go:265] …`): its
/// severity letter and its message.
fn klog(line: &str) -> Option<(char, &str)> {
    let mut chars = line.chars();
    let sev = chars.next()?;
    if !"IWEF".contains(sev) {
        return None;
    }
    let rest = &line[1..];
    if !rest.get(..4)?.bytes().all(|b| b.is_ascii_digit()) || rest.as_bytes().get(4) != Some(&b' ')
    {
        return None;
    }
    let end = rest.find("] ")?;
    Some((sev, rest[end + 2..].trim()))
}

/// kubectl's own warnings in `text`: deprecations (`… is DEPRECATED …`,
/// `Flag --x has been deprecated, …`), `Warning:` lines and klog warnings,
/// without the connection noise.
fn warnings(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if is_connection_refused(line) {
            continue;
        }
        let said = match klog(line) {
            Some(('W', msg)) => Some(msg),
            Some(_) => None,
            None if line.starts_with("Warning:")
                || line.contains("DEPRECATED")
                || line.contains("deprecated") =>
            {
                Some(line)
            }
            None => None,
        };
        if let Some(s) = said
            && !out.iter().any(|o| o == s)
        {
            out.push(s.to_string());
        }
    }
    out
}

/// kubectl's message of a refusal: its `error:` lines, else all it said
/// but its pointers to `--help`.
fn refusal(out: &Output) -> String {
    let text = out.text();
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let errors: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("error:") || l.starts_with("Error:"))
        .collect();
    let said: Vec<&str> = if errors.is_empty() {
        lines
            .into_iter()
            .filter(|l| !l.trim().is_empty())
            .filter(|l| !(l.starts_with("See '") && l.contains("-h")))
            .collect()
    } else {
        errors
    };
    if said.is_empty() {
        match out.code {
            Some(c) => format!("kubectl exited {c} and said nothing"),
            None => "kubectl was killed by a signal and said nothing".into(),
        }
    } else {
        said.join("\n")
    }
}

/// Classify one offline run of a line (see the module header).
pub fn judge(out: &Output) -> Judgement {
    if out.ok() {
        return Judgement::Accepted {
            warnings: warnings(&out.stderr),
        };
    }
    let text = out.text();
    if text.lines().any(is_connection_refused) {
        Judgement::Accepted {
            warnings: warnings(&text),
        }
    } else {
        Judgement::Refused {
            message: refusal(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(code: i32, stdout: &str, stderr: &str) -> Output {
        Output {
            code: Some(code),
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    /// Recorded by hand from kubectl 1.30.13 (`exec -it POD ping IP`
    /// offline); the real binaries are run in `tests/it/kubectl.rs`.
    const DEPRECATED_130: &str = "kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.
E1204 12:26:57.246407   13554 memcache.go:265] couldn't get current server API group list: Get \"https://127.0.0.1:1/api?timeout=32s\": dial tcp 127.0.0.1:1: connect: connection refused
The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?
";

    #[test]
    fn a_connection_attempt_is_accepted_with_kubectls_warnings() {
        let j = judge(&out(1, "", DEPRECATED_130));
        assert_eq!(
            j,
            Judgement::Accepted {
                warnings: vec!["kubectl exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use kubectl exec [POD] -- [COMMAND] instead.".into()]
            }
        );
    }

    /// The opposite: the same exit code without the connection attempt is
    /// a refusal, in kubectl's words.
    #[test]
    fn no_connection_attempt_is_a_refusal() {
        let j = judge(&out(
            1,
            "",
            "error: unknown flag: --all-namespace\nSee 'kubectl get --help' for usage.\n",
        ));
        assert_eq!(
            j,
            Judgement::Refused {
                message: "error: unknown flag: --all-namespace".into()
            }
        );
        let j = judge(&out(1, "", "something else went wrong\n"));
        assert_eq!(
            j,
            Judgement::Refused {
                message: "something else went wrong".into()
            }
        );
        let j = judge(&out(1, "", ""));
        assert!(matches!(j, Judgement::Refused { message } if message.contains("said nothing")));
    }

    #[test]
    fn klog_warnings_are_kept_and_errors_are_noise() {
        let text = "W1204 12:00:00.000001   1 helpers.go:1] a warning of kubectl\nE1204 12:00:00.000001   1 memcache.go:265] noise\nWarning: short\n";
        assert_eq!(
            warnings(text),
            vec!["a warning of kubectl", "Warning: short"]
        );
        assert_eq!(klog("Warning: x"), None);
    }

    #[test]
    fn exit_zero_is_accepted() {
        let j = judge(&out(0, "Client Version: v1.32.5\n", ""));
        assert_eq!(j, Judgement::Accepted { warnings: vec![] });
    }

    /// A book shows the refusal only with kubectl's own lines: a false
    /// reply after it (the nineteenth probe's "held") is not the refusal.
    #[test]
    fn a_refusal_is_shown_only_by_kubectls_own_lines() {
        let msg = "error: unknown flag: --all-namespace";
        let book = |s: &str| s.lines().map(str::to_string).collect::<Vec<_>>();
        assert!(shows_refusal(
            &book("error: unknown flag: --all-namespace\nSee 'kubectl get --help' for usage.\n"),
            msg
        ));
        assert!(!shows_refusal(
            &book(
                "error: unknown flag: --all-namespace\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64"
            ),
            msg
        ));
        assert!(!shows_refusal(
            &book("See 'kubectl get --help' for usage."),
            msg
        ));
        assert_eq!(
            failed("Error: unknown command \"pod\""),
            Some(Failed::Error)
        );
        assert_eq!(
            failed(
                "The connection to the server localhost:8080 was refused - did you specify the right host or port?"
            ),
            Some(Failed::Unreached)
        );
        assert_eq!(failed("64 bytes from 10.244.1.2: icmp_seq=1 ttl=64"), None);
    }
}
