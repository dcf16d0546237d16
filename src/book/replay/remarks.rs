//! A command's remark that tells the reader to type a change: `ping -c 1
//! 10.244.1.2 (after sudo ip link set cni0 down)`, `ping …  # run sudo ip
//! link set cni0 down first`. The reader types it; lab, reading the
//! command without its remark, never saw it, and the ping matched a lab
//! whose bridge is up (probe21aq, the lesser "instruction in a command's
//! remark"). Such a remark is read as prose's inline code is
//! ([`super::prose`]): a change it names stops the comparisons, and the
//! command it stands on is the first to fail for it.

use super::plan::Planned;
use crate::book::parse::{Chapter, InlineCode, is_program};

/// The changes the remarks of the chapter's shell commands name, each as
/// inline code on the line before its command's (so that command, not the
/// one after it, is charged: "after X" and "X first" came before it).
pub(super) fn spans(chapter: &Chapter, planned: &[(Vec<Planned>, Vec<String>)]) -> Vec<InlineCode> {
    chapter
        .blocks
        .iter()
        .zip(planned)
        .filter(|(b, _)| b.is_shell())
        .flat_map(|(_, (ps, _))| ps)
        .filter_map(|p| {
            let code = told(p.step.remark.as_deref()?)?;
            Some(InlineCode {
                line: p.step.line.saturating_sub(1),
                code,
            })
        })
        .collect()
}

/// The change a remark names: from a word that is a program lab lists, up
/// to the end of its clause (a `,`, `;` or `.` ends it), the longest run of
/// two words or more that tells a change ([`super::prose::tells_a_change`]).
/// Programs on a node's `PATH` alone are no start: a remark's words are
/// English (`see`, `top`), a span's are code.
pub(super) fn told(remark: &str) -> Option<String> {
    let words: Vec<&str> = remark.split_whitespace().collect();
    (0..words.len())
        .filter(|i| is_program(words[*i]) && used_as_program(&words[*i..]))
        .find_map(|i| {
            let clause = words[i..]
                .iter()
                .position(|w| w.ends_with([',', ';', '.']))
                .map_or(words.len(), |k| i + k + 1);
            (i + 2..=clause).rev().find_map(|j| {
                let code = words[i..j].join(" ");
                let code = code.trim_end_matches([',', ';', '.', ')']).to_string();
                super::prose::tells_a_change(&code).then_some(code)
            })
        })
}

/// Programs that run the command after them (past their options):
/// `watch ip route`, `sudo -u root ip link …`.
const WRAPPERS: &[&str] = &[
    "watch", "time", "timeout", "nohup", "nice", "env", "exec", "xargs", "sudo", "doas",
];

/// Programs whose name is also an English word a remark uses as one
/// (`watch for 100% loss`, `kill it with Ctrl-C`, `make sure`).
const ENGLISH: &[&str] = &[
    "kill", "find", "make", "touch", "yes", "sleep", "source", "mount", "tee", "cat", "bridge",
    "halt", "exit", "echo", "reboot", "shutdown",
];

/// Whether `words` (a remark's, from a program's name on) use that name
/// as a program, not as the English word a remark is written in
/// (probe21bt: `(across node, watch for 100% loss)` and `(across node;
/// watch the replies come in)` were read as the reader told to run
/// `watch …`): a program that runs another has one lab lists within its
/// clause's next four words; an English word's program is followed by an
/// argument's shape (`-9`, `/tmp/x`,
/// `1234`, `a=b`, `x.yaml`). A remark so read is read by the remark's
/// rules ([`super::remark_words`]): its words claim, or it is not
/// understood.
fn used_as_program(words: &[&str]) -> bool {
    let (name, rest) = match words.split_first() {
        Some((name, rest)) => (name.trim_end_matches([',', ';', '.', ')']), rest),
        None => return false,
    };
    if name.len() < words[0].len() {
        // The clause ends at the name (`..., then watch.`).
        return false;
    }
    if WRAPPERS.contains(&name) {
        // Its options may take a value (`sudo -u root ip …`, `watch -n 1
        // kubectl …`): a program among the next few words of its clause.
        for w in rest.iter().take(4) {
            if is_program(w.trim_end_matches([',', ';', '.', ')'])) {
                return true;
            }
            if w.ends_with([',', ';', '.']) {
                break;
            }
        }
        return false;
    }
    if ENGLISH.contains(&name) {
        return rest.first().is_some_and(|w| {
            w.starts_with(['-', '/', '.', '$'])
                || w.starts_with(|c: char| c.is_ascii_digit())
                || w.contains(['=', '/'])
                || w.trim_end_matches([',', ';', '.', ')']).contains('.')
        });
    }
    true
}

#[cfg(test)]
mod tests {
    use super::told;

    /// Seen failing first: with no remark read, each stopped nothing.
    #[test]
    fn a_change_a_remark_names_is_told() {
        for (remark, change) in [
            (
                "after sudo ip link set cni0 down",
                "sudo ip link set cni0 down",
            ),
            (
                "run sudo ip link set cni0 down first",
                "sudo ip link set cni0 down first",
            ),
            (
                "once kubectl --kubeconfig ./admin.conf scale deployment nginx-deployment --replicas=0 ran, no reply",
                "kubectl --kubeconfig ./admin.conf scale deployment nginx-deployment --replicas=0 ran",
            ),
        ] {
            assert_eq!(told(remark).as_deref(), Some(change), "{remark}");
        }
        for remark in [
            "same node",
            "from node1",
            "removed lines for brevity, only top few lines",
            "see the ping above",
            "the cat of /run/flannel/subnet.env",
        ] {
            assert_eq!(told(remark), None, "{remark}");
        }
    }

    /// A program's name a remark uses as the English word it also is
    /// (probe21bt: `watch for 100% loss` was read as the reader told to
    /// run `watch …`). Seen failing with `used_as_program` off: `told`
    /// gave `watch for 100% loss`.
    #[test]
    fn an_english_word_that_names_a_program_tells_no_change() {
        for remark in [
            "across node, watch for 100% loss",
            "across node; watch the replies come in",
            "kill it with Ctrl-C",
            "make sure it replies",
        ] {
            assert_eq!(told(remark), None, "{remark}");
        }
        // Used as the program, it still tells the change.
        for (remark, change) in [
            (
                "then watch kubectl --kubeconfig ./admin.conf delete pod x",
                "watch kubectl --kubeconfig ./admin.conf delete pod x",
            ),
            ("after kill -9 1234", "kill -9 1234"),
            (
                "after sudo -u root ip link set cni0 down",
                "sudo -u root ip link set cni0 down",
            ),
        ] {
            assert_eq!(told(remark).as_deref(), Some(change), "{remark}");
        }
    }
}
