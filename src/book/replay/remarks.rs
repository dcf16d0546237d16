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
        .filter(|i| is_program(words[*i]))
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
}
