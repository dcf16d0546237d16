//! A line of a command's shape the book shows right under another
//! command's output (no blank line between) may be a command the reader
//! types: the parser reads it as output wherever the output above could
//! hold it ([`crate::book::parse`]), so lab never ran it. Where that
//! output is not compared line by line (a `cat` lab does not run, a
//! curl's page or a ping compared by their facts, kubectl's own messages,
//! a table's rows, `kubeadm init`'s output), nothing would ever say so, and
//! the command was `match` or `skipped` with the reader's command unrun:
//! the chapter passed (probe21j's `printf … | sudo tee` under a `cat`,
//! probe21k's `ln -sf flannel.yml flannel_fix.yml` under an exec's ping,
//! probe21l's under `kubeadm init`). Where it is, the difference may be
//! blessed known drift (probe21l's under the exec ping's ICMP error). So
//! every command, whatever its verdict, is checked: such a command is not
//! understood, lab cannot tell the line from the output, and a line that
//! may change what the reader has stops the comparisons after it.
//!
//! A line is taken for a possible command when it has a command's shape
//! and names a program: one lab lists, or one in the folders of a node's
//! login `PATH` ([`LOGIN_PATH`]: the node's programs are this host's, and
//! the reader's box has the same: `ln`, `gzip`, `truncate`), so that a
//! file's `nameserver 10.0.2.3` or a table's row is not. Not the `PATH` of
//! whoever runs lab: a program of theirs (`~/.cargo/bin/cargo`) is on no
//! node, and the verdict must not change with who runs it.

use super::gone::Stop;
use super::plan::Planned;
use crate::book::compare::{is_pings_own, normalize, squash};
use crate::book::parse::{after_assignments, command_shaped, is_program};
use crate::book::shell_line::{hidden_program, typed_program};
use crate::book::{CommandReport, Verdict};
use crate::provider::netns::session::LOGIN_PATH;

/// Whether `word` names a program: listed by lab, or on a node's login
/// `PATH`.
pub(super) fn names_a_program(word: &str) -> bool {
    names_a_program_on(word, LOGIN_PATH)
}

/// [`names_a_program`] with `path` the folders looked in (an executable
/// file there names a program).
fn names_a_program_on(word: &str, path: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.+".contains(&b));
    is_program(word)
        || (plain
            && std::env::split_paths(path).any(|d| {
                std::fs::metadata(d.join(word))
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            }))
}

/// Whether `line` of a command's output may be a command the reader types
/// (its program past any `NAME=value` before it).
fn may_be_typed(line: &str) -> bool {
    // Behind shell syntax (`[ -d /sys ] && sudo …`, `\\sudo …`, `{ sudo
    // …; }`, `f() { sudo …; }`, `../down.sh`): a program lab lists in a
    // command's place (probe21ab, finding 2).
    if hidden_program(line).is_some() && !is_pings_own(line) {
        return true;
    }
    let words: Vec<&str> = after_assignments(line).split_whitespace().collect();
    let Some(first) = words.first() else {
        return false;
    };
    command_shaped(line)
        && !line.contains(['<', '>', '{', '}'])
        && !is_pings_own(line)
        && !normalize(line).is_empty()
        && (words.len() >= 2 || is_program(first))
        && names_a_program(first)
}

/// The first line of `p`'s book output (its line and text) that may be a
/// command the reader types: not a row of the table the book shows (as
/// many values as its header has columns: a node called `cp`), and not in
/// `lab`, the lab's output (where it is, it is output).
fn typed<'a>(p: &'a Planned, lab: &[String]) -> Option<(usize, &'a str)> {
    let lab: Vec<String> = lab.iter().map(|l| normalize(l)).collect();
    let rows: Vec<String> = crate::book::bind::Table::parse(&p.step.output)
        .map(|t| t.rows.iter().map(|row| squash(&row.join(" "))).collect())
        .unwrap_or_default();
    p.step
        .output
        .iter()
        .zip(&p.step.output_at)
        .find(|(l, _)| {
            may_be_typed(l)
                && !is_vagrants_message(l)
                && crate::book::exec_exit::exit_code(l).is_none()
                && !lab.contains(&normalize(l))
                && !rows.contains(&squash(l))
                && !crate::book::parse::is_init_advice(l, &p.step)
        })
        .map(|(l, n)| (*n, l.as_str()))
}

/// Whether `line` is one of vagrant's own messages, whose sentence names
/// a command in backquotes (``VM must be created before running this
/// command. Run `vagrant up` first.``, what `vagrant ssh` prints once the
/// machines are destroyed): output, not a command the reader types
/// (probe21ca, W5: it was not understood).
fn is_vagrants_message(line: &str) -> bool {
    const MESSAGES: &[&str] =
        &["VM must be created before running this command. Run `vagrant up` first."];
    let t = squash(line);
    MESSAGES.iter().any(|m| t.trim() == *m)
}

/// Whether `p`'s book output holds a line that may be a command the
/// reader types and that may change what the reader has
/// ([`super::setup::effect`]): its command runs alone, so that the
/// commands after it see the stop it makes ([`stop`]).
pub(super) fn may_change(p: &Planned) -> bool {
    typed(p, &[]).is_some_and(|(_, l)| changes(l))
}

fn changes(line: &str) -> bool {
    let changes = |l: &str| super::setup::effect(l.trim()) == super::setup::Effect::Changes;
    // A function or a script lab cannot see into changes what it may.
    changes(line)
        || typed_program(line)
            .is_some_and(|c| changes(&c) || line.contains("()") || c.starts_with(['.', '~', '/']))
}

/// Make `r` not understood, whatever it compared (a difference may be
/// blessed known drift, and a line compared by its facts or not at all
/// says nothing), if its book output holds a line that may be a command
/// the reader types which the lab's output does not have. An error or a
/// line not understood keeps its own reason: it fails already.
pub(super) fn check(p: &Planned, r: &mut CommandReport) {
    if matches!(r.verdict, Verdict::Error | Verdict::NotUnderstood) {
        return;
    }
    if let Some((_, line)) = typed(p, &r.lab) {
        r.verdict = Verdict::NotUnderstood;
        r.why.extend(
            r.differences
                .drain(..)
                .map(|d| format!("not compared: {d}")),
        );
        r.reason = Some(format!(
            "the book shows `{}` right under `{}`, read as its output: it may be a command the reader types, which lab never ran, and nothing lab compared there tells it from the output",
            line.trim(),
            p.step.command
        ));
    }
}

/// The stop such a line makes when it may change what the reader has: lab
/// never saw it, so nothing after it is compared (as for a line lab does
/// not understand, [`super::gone::stops`]).
pub(super) fn stop(p: &Planned, r: &CommandReport) -> Option<(usize, Stop)> {
    let (at, line) = typed(p, &r.lab)?;
    changes(line).then(|| (at, Stop::Unseen(line.trim().to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::parse::Step;
    use crate::book::recognize::recognize;

    /// `command` planned with `output` right under it (from line 2).
    fn planned(command: &str, output: &[&str]) -> Planned {
        Planned {
            step: Step {
                line: 1,
                written: command.into(),
                command: command.into(),
                remark: None,
                output: output.iter().map(|l| l.to_string()).collect(),
                output_at: (2..2 + output.len()).collect(),
                cut: 0,
                host: None,
                remarks_below: Vec::new(),
                remarks_cut: 0,
                unread_lines: 0,
                title: Vec::new(),
            },
            cmd: recognize(command),
            node: None,
            traffic_for: None,
            traffic: None,
            shell: Default::default(),
        }
    }

    fn report(p: &Planned, verdict: Verdict, differences: &[&str]) -> CommandReport {
        let mut r = super::super::report(p, "broken");
        r.verdict = verdict;
        r.differences = differences.iter().map(|d| d.to_string()).collect();
        r
    }

    /// probe21ca, W5: vagrant's own message under a `vagrant ssh` after a
    /// destroy names `vagrant up` in backquotes; it is output, not a command
    /// the reader types, and the command keeps its verdict. Seen failing
    /// first: not understood. The same line with words after it is no
    /// message of vagrant's.
    #[test]
    fn vagrants_own_message_is_no_command() {
        let said = "VM must be created before running this command. Run `vagrant up` first.";
        let ssh = planned("vagrant ssh node1", &[said]);
        let mut r = report(&ssh, Verdict::Skipped, &[]);
        check(&ssh, &mut r);
        assert_eq!(r.verdict, Verdict::Skipped, "{:?}", r.reason);
        let more = format!("{said} Then `vagrant ssh node1` again.");
        let ssh = planned("vagrant ssh node1", &[&more]);
        let mut r = report(&ssh, Verdict::Skipped, &[]);
        check(&ssh, &mut r);
        assert_eq!(r.verdict, Verdict::NotUnderstood, "{:?}", r.reason);
    }

    /// probe21l's findings 1 and 2: a line under `kubeadm init`'s output
    /// (a kind the check passed over), and one under output whose
    /// difference the chapter blesses as known drift (a verdict it passed
    /// over), were never checked: exit 0 with the reader's `ln -sf` unrun.
    /// Now both commands are not understood, and the line stops what
    /// comes after it.
    #[test]
    fn a_line_under_any_commands_output_is_checked_whatever_its_verdict() {
        let init = planned(
            "sudo kubeadm init --apiserver-advertise-address 10.100.198.200 --pod-network-cidr 10.244.0.0/16",
            &[
                "[init] Using Kubernetes version: v1.10.0",
                "Your Kubernetes master has initialized successfully!",
                "ln -sf flannel.yml flannel_fix.yml",
            ],
        );
        assert!(init.cmd.is_ok());
        let ping = planned(
            "kubectl --kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-4dm42 ping 10.244.3.3",
            &[
                "PING 10.244.3.3 (10.244.3.3): 48 data bytes",
                "60 bytes from 10.244.1.1: Destination Net Unreachable",
                "ln -sf flannel.yml flannel_fix.yml",
            ],
        );
        for (p, mut r) in [
            (&init, report(&init, Verdict::Skipped, &[])),
            (
                &ping,
                report(&ping, Verdict::Match, &["ping: the book shows no reply"]),
            ),
        ] {
            check(p, &mut r);
            assert_eq!(r.verdict, Verdict::NotUnderstood, "{}", p.step.command);
            assert!(r.differences.is_empty());
            assert!(
                r.reason.as_deref().is_some_and(|w| w.starts_with(
                    "the book shows `ln -sf flannel.yml flannel_fix.yml` right under"
                )),
                "{r:?}"
            );
            assert!(may_change(p));
            assert_eq!(
                stop(p, &r),
                Some((4, Stop::Unseen("ln -sf flannel.yml flannel_fix.yml".into())))
            );
        }
        // What only reads is not understood, and stops nothing.
        let cat = planned("kubectl --kubeconfig ./admin.conf get nodes", &["lsmod"]);
        let mut r = report(&cat, Verdict::Match, &[]);
        check(&cat, &mut r);
        assert_eq!(r.verdict, Verdict::NotUnderstood);
        assert!(!may_change(&cat) && stop(&cat, &r).is_none());
        // An error keeps its own reason.
        let mut r = report(&init, Verdict::Error, &[]);
        r.reason = Some("it failed".into());
        check(&init, &mut r);
        assert_eq!(
            (r.verdict, r.reason.as_deref()),
            (Verdict::Error, Some("it failed"))
        );
    }

    /// probe21ab, finding 2: shell syntax before a listed program (a
    /// test, a backslash, a group, a function named like the program
    /// replayed next) made the line output, never checked: `match`.
    #[test]
    fn a_program_behind_shell_syntax_under_output_is_not_understood() {
        let reply = "64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms";
        for (command, line) in [
            (
                "ping -c 1 10.244.1.2",
                "[ -d /sys ] && sudo ip link set cni0 down",
            ),
            ("ping -c 1 10.244.1.2", "\\sudo ip link set cni0 down"),
            ("ping -c 1 10.244.1.2", "{ sudo ip link set cni0 down; }"),
            (
                "ping -c 1 10.244.1.2",
                "2>/dev/null sudo ip link set cni0 down",
            ),
            (
                "ping -c 1 10.244.1.2",
                "OUT=\"$(sudo ip link set cni0 down)\"",
            ),
            ("ping -c 1 10.244.1.2", "../down.sh"),
            (
                "vagrant ssh node1",
                "ping() { sudo ip link set cni0 down; command ping \"$@\"; }",
            ),
        ] {
            let p = planned(command, &[reply, "", line]);
            let mut r = report(&p, Verdict::Match, &[]);
            check(&p, &mut r);
            assert_eq!(r.verdict, Verdict::NotUnderstood, "{line}");
            assert!(
                r.reason.as_deref().is_some_and(|w| w.contains(line)),
                "{r:?}"
            );
            if !line.starts_with("..") {
                assert!(stop(&p, &r).is_some(), "{line}");
            }
        }
    }

    #[test]
    fn a_program_typed_is_told_from_what_files_and_tables_hold() {
        for line in [
            "ln -sf flannel.yml flannel_fix.yml",
            "gzip admin.conf",
            "truncate -s 0 /run/flannel/subnet.env",
            "lsmod",
            // probe21l: assignments before the program.
            "IFACE=cni0 ip link set cni0 down",
        ] {
            assert!(may_be_typed(line), "{line}");
        }
        for line in [
            "nameserver 10.0.2.3",
            "search localdomain",
            "node1",
            "nginx-deployment-75675f5897-4dm42   1/1       Running   0          2m        10.244.1.2   node1",
            "default via 10.0.2.2 dev enp0s3",
            "listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes",
            "deployment \"nginx-deployment\" created",
            "html { color-scheme: light dark; }",
            "net.ipv4.ip_forward = 0",
            "FLANNEL_SUBNET=10.244.1.1/24 FLANNEL_MTU=1450",
        ] {
            assert!(!may_be_typed(line), "{line}");
        }
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;

    /// probe21l, left open: a program was looked for on the `PATH` of
    /// whoever ran lab, so a line naming one of theirs (`cargo`, from
    /// `~/.cargo/bin`) was a command on their machine and output on CI's.
    /// Now only the folders of a node's login `PATH` are read (and only an
    /// executable file there names a program).
    #[test]
    fn a_program_is_looked_for_where_a_node_has_programs_not_on_the_runners_path() {
        use std::os::unix::fs::PermissionsExt;
        let mine = tempfile::tempdir().unwrap();
        let prog = mine.path().join("zz-lab-tool");
        std::fs::write(&prog, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(mine.path().join("zz-lab-data"), "").unwrap();
        let both = format!("{LOGIN_PATH}:{}", mine.path().display());
        assert!(names_a_program_on("zz-lab-tool", &both));
        assert!(!names_a_program_on("zz-lab-data", &both), "not executable");
        assert!(!names_a_program_on("zz-lab-tool", LOGIN_PATH));
        // The default is a node's PATH, whatever this process's is.
        assert!(!names_a_program("zz-lab-tool"));
        assert!(names_a_program("ln"));
    }
}
