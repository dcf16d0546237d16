//! The reader's logins (`vagrant ssh`, `exit`) as claims: a login alone
//! claims nothing of the book's, and a `vagrant ssh` typed inside a node
//! does not log in at all.

use super::plan::{Planned, Shell};
use crate::book::recognize::Cmd;
use crate::book::{CommandReport, Verdict};

/// `vagrant ssh NODE` typed inside another node's session
/// ([`super::plan`]): that node has no `vagrant`, so the reader stays
/// there; the book's claim of a login is a difference (probe21l, finding
/// 6: it was `match` and the lines after it ran on NODE).
pub(super) fn nested(r: &mut CommandReport, node: &str, p: &Planned) {
    let inside = p.node.clone().unwrap_or_default();
    r.ran_on = Some(inside.clone());
    r.why = vec![format!(
        "typed inside {inside}'s session: the line runs on {inside}, not on the reader's machine"
    )];
    r.differences.push(format!(
        "vagrant ssh {node}: typed inside {inside}'s session, where there is no `vagrant` (the reader's shell says it is not found): the reader stays on {inside}, and the lines after it run there"
    ));
}

/// A `kubectl` line typed inside `node`'s session: there kubectl answers
/// with a kubeconfig of the node's own (kubeadm writes one on the control
/// plane only, in `/etc/kubernetes`; the book's `./admin.conf` is a file of
/// the reader's folder), which lab does not model, so what the line was
/// judged to answer, as typed on the reader's machine, is never a match
/// there. kubectl's own refusal stands (the node's kubectl is of the
/// cluster's version), and so does a difference: the reader sees either
/// the cluster's answer or an error, and the book shows neither.
pub(super) fn kubectl_inside(node: &str, r: &mut CommandReport) {
    // The refusal (as the book shows it, or not) is the reader's anywhere.
    if r.kubectl
        .as_ref()
        .is_some_and(|k| k.outcome == crate::book::KubectlOutcome::Refused)
    {
        return;
    }
    let why = format!(
        "typed inside {node}'s session, where kubectl answers with a kubeconfig of {node}'s own, which lab does not model: lab judged the line as typed on the reader's machine"
    );
    if r.verdict == Verdict::Match && r.differences.is_empty() {
        r.verdict = Verdict::Skipped;
        r.reason = Some(format!("{why}, and a match there is none on {node}"));
    } else {
        r.why.push(why);
    }
}

/// A block whose every command but its logins (`vagrant ssh`, `exit`)
/// compared nothing (cut, not shown, a capture's traffic) compared nothing
/// the book claims: its logins' `match` (the node answered its name) is
/// then skipped, so the block is too (a login then a ping cut to `...`
/// was a matching block). So is a block of logins alone (probe21ay,
/// finding 6: `vagrant ssh node1` was a match, and a chapter of it alone
/// passed).
pub(super) fn login_alone(plans: &[Planned], commands: &mut [CommandReport]) {
    let login = |p: &Planned| {
        matches!(
            p.cmd,
            Ok(Cmd::Ssh { .. } | Cmd::Exit | Cmd::RootShell { .. })
        )
    };
    let claims: Vec<&CommandReport> = plans
        .iter()
        .zip(commands.iter())
        .filter(|(p, _)| !login(p))
        .map(|(_, c)| c)
        .collect();
    if claims
        .iter()
        .any(|c| c.verdict != Verdict::Skipped || !c.differences.is_empty())
    {
        return;
    }
    let reason = match claims.is_empty() {
        true => {
            "the node answered, but the block holds no other command: a login alone is no claim of the book's"
        }
        false => {
            "the node answered, but the block's other commands compared nothing: a login alone is no claim of the book's"
        }
    };
    for (_, c) in plans
        .iter()
        .zip(commands.iter_mut())
        .filter(|(p, _)| login(p))
    {
        if c.verdict == Verdict::Match && c.differences.is_empty() {
            c.verdict = Verdict::Skipped;
            c.reason = Some(reason.into());
        }
    }
}

/// The first line the book shows in a login banner's place (after
/// `vagrant ssh NODE`) that runs a program lab lists, read past a prompt
/// of any shape lab knows, ANSI colours and shell syntax: a command the
/// reader types, which lab never ran. Such a block was skipped, the
/// chapter passing with the reader's ping unrun (probe21ab, `q4_chapter.md`).
/// So is a line that opens with a prompt's signs and shows a command after
/// them, whatever its program (`✗ ifdown enp0s8`): no banner's line opens
/// so (probe21aq, finding 1).
pub(super) fn banner_command(book: &[String]) -> Option<&str> {
    book.iter()
        .map(String::as_str)
        .find(|l| crate::book::shell_line::typed_program(l).is_some() || behind_signs(l))
}

/// Whether `line`, as the reader sees it, opens with a prompt's signs and
/// shows a command after them ([`crate::book::parse::signs_before_a_command`]).
fn behind_signs(line: &str) -> bool {
    let seen = crate::book::lookalike::fold(line);
    crate::book::parse::signs_before_a_command(&crate::book::shell_line::strip_ansi(&seen))
}

/// What `exit` prints: `logout`, `Connection to HOST closed.` (by the
/// remote host, too), and the reader's own prompt, bare, after it.
fn exit_prints(line: &str) -> bool {
    let seen = crate::book::lookalike::fold(line);
    let t = crate::book::shell_line::strip_ansi(&seen);
    let t = t.trim();
    t.is_empty()
        || t == "logout"
        || connection_closed(t)
        || (crate::book::parse::opens_with_sign(t)
            && !crate::book::parse::signs_before_a_command(t))
}

/// ssh's last line, as a whole: `Connection to HOST closed.` (`… closed
/// by remote host.`), nothing after it (probe21by, finding 7: `Connection
/// to 127.0.0.1 closed. (we were on node2)` was read as it).
fn connection_closed(t: &str) -> bool {
    t.strip_prefix("Connection to ")
        .and_then(|r| {
            r.strip_suffix(" closed.")
                .or_else(|| r.strip_suffix(" closed by remote host."))
        })
        .is_some_and(|host| !host.is_empty() && !host.contains(char::is_whitespace))
}

/// `exit` (`p`, leaving a node's session, or a root shell in it):
/// skipped, nothing to compare, unless the book shows under it a line
/// `exit` does not print ([`exit_prints`]): a command the reader types
/// behind a prompt lab does not know (`✗ kubectl … scale … --replicas=0`),
/// which lab never ran. Read as `exit`'s output, it was skipped, and the
/// block matched (probe21aq, `g1b.md`).
pub(super) fn exit(r: &mut CommandReport, p: &Planned) {
    let node = p.node.as_deref().unwrap_or("the node");
    match r.book.iter().find(|l| !exit_prints(l)) {
        Some(line) => {
            r.verdict = Verdict::NotUnderstood;
            r.reason = Some(format!(
                "the book shows `{}` after `exit`, which prints `logout` and `Connection to … closed.` alone: it may be a command the reader types behind a prompt lab does not know, which lab never ran",
                line.trim()
            ));
        }
        None => {
            r.verdict = Verdict::Skipped;
            r.reason = Some(match &p.shell {
                Shell::Root {
                    line: opened,
                    outer,
                } => {
                    let then = match outer {
                        None => "`vagrant` again".to_string(),
                        Some(o) => format!("still root (the root shell of line {o})"),
                    };
                    format!(
                        "leaves the root shell line {opened} opened, in {node}'s session: the reader is {then}, on {node}"
                    )
                }
                _ => format!("leaves {node}'s session"),
            });
        }
    }
}

/// A step that makes the reader root in a node's session (`p`: `sudo
/// -i`, `sudo su -`, `su -` before root's prompt): lab runs nothing for
/// it (the lines after it run as root: a netns node's shell is root, a
/// vagrant node's runs them with sudo) and compares nothing, so it is
/// skipped, never a match (probe21ca, lesser 6: not understood, a
/// chapter that typed it failed). What it prints is a password's prompt
/// at most; another line under it may be a command the reader types
/// behind a prompt lab does not know, which lab never ran.
pub(super) fn root_shell(r: &mut CommandReport, p: &Planned) {
    let node = p.node.as_deref().unwrap_or("the node");
    let typed = p.step.command.trim();
    r.ran_on = p.node.clone();
    match r.book.iter().find(|l| !root_shell_prints(l)) {
        Some(line) => {
            r.verdict = Verdict::NotUnderstood;
            r.reason = Some(format!(
                "the book shows `{}` after `{typed}`, which prints a password's prompt at most: it may be a command the reader types behind a prompt lab does not know, which lab never ran",
                line.trim()
            ));
        }
        None => {
            r.verdict = Verdict::Skipped;
            r.reason = Some(format!(
                "the reader becomes root in {node}'s session (`{typed}`), until its `exit`: lab runs the lines after it as root, and nothing of this one is compared"
            ));
        }
    }
}

/// What a step that opens a root shell prints: a password's prompt
/// (`[sudo] password for vagrant:`, `su`'s `Password:`) or a bare prompt.
fn root_shell_prints(line: &str) -> bool {
    let seen = crate::book::lookalike::fold(line);
    let t = crate::book::shell_line::strip_ansi(&seen);
    let t = t.trim();
    t.is_empty()
        || t == "Password:"
        || (t.starts_with("[sudo] password for ") && t.ends_with(':'))
        || (crate::book::parse::opens_with_sign(t)
            && !crate::book::parse::signs_before_a_command(t))
}

/// Make `r` (a `vagrant ssh NODE`'s) not understood if its book lines
/// hold a command ([`banner_command`]), or a line a command prints
/// ([`printed_in_banner`]), and drift if they show ssh failing; whether
/// they did.
pub(super) fn typed_in_banner(r: &mut CommandReport, node: &str) -> bool {
    // ssh's own failure: the book's login failed, the reader's works
    // (probe21by, finding 5, `BN9`: "a banner", and the chapter passed).
    if let Some(line) = crate::book::banner_lines::ssh_failure(&r.book) {
        r.differences.push(format!(
            "vagrant ssh {node}: the book shows `{}`, ssh's own failure to log in; the lab's {node} answered, as the reader's does",
            line.trim()
        ));
        return true;
    }
    if printed_in_banner(r, node) {
        return true;
    }
    let Some(line) = banner_command(&r.book).map(|l| l.trim().to_string()) else {
        return false;
    };
    r.verdict = Verdict::NotUnderstood;
    // Read as the reader sees it: its invisible or look-alike characters
    // said (probe21aj, finding 3).
    let disguised = match crate::book::lookalike::disguised(&line) {
        // `s''udo …` (probe21an, finding 2).
        true if crate::book::lookalike::quoted_program(&line).is_some() => {
            format!(" ({})", crate::book::lookalike::QUOTED)
        }
        true => format!(" ({})", crate::book::lookalike::DISGUISED),
        false => String::new(),
    };
    r.reason = Some(format!(
        "the book shows `{line}` after `vagrant ssh {node}`, in a login banner's place: it runs a program{disguised}, a command the reader types which lab never ran"
    ));
    true
}

/// Make `r` (a `vagrant ssh NODE`'s) not understood if its book lines hold
/// one that ping, curl or tcpdump prints (a reply, a packet, a status):
/// no banner holds one, and lab cannot tell which command the book
/// claims it of. Taken for the banner, a block of a cross-node reply
/// after `vagrant ssh node2` compared nothing, and the chapter passed
/// (probe21ay, finding 3, `H4c`).
fn printed_in_banner(r: &mut CommandReport, node: &str) -> bool {
    let Some(line) = crate::book::apart_output::printed_by_a_command(&r.book) else {
        return false;
    };
    r.reason = Some(format!(
        "the book shows `{}` after `vagrant ssh {node}`, in a login banner's place: a command prints that line, no login does, and lab cannot tell which command the book claims it of (put the command above its output)",
        line.trim()
    ));
    r.verdict = Verdict::NotUnderstood;
    true
}

#[cfg(test)]
mod tests {
    use super::super::tests::block;
    use super::super::tests_drift::on_netns;
    use super::banner_command;
    use crate::book::Verdict;

    /// probe21ay, finding 6 (`Z1.md`, `Z4.md`): a block of `vagrant ssh
    /// node1` alone (with or without `exit`) was `match`, and a chapter of
    /// it alone passed, comparing nothing. Now skipped, with the reason;
    /// the chapter compares nothing. Seen failing first: `match`.
    #[tokio::test]
    async fn a_block_of_logins_alone_is_skipped() {
        for body in ["vagrant ssh node1\n", "vagrant ssh node1\nexit\n"] {
            let r = on_netns(&format!("# Login\n\n```bash\n{body}```\n")).await;
            let b = block(&r, 3);
            assert_eq!(b.verdict, Verdict::Skipped, "{b:#?}");
            let login = &b.commands[0];
            assert_eq!(login.verdict, Verdict::Skipped, "{login:#?}");
            assert!(
                login
                    .reason
                    .as_deref()
                    .is_some_and(|w| w.contains("a login alone is no claim")),
                "{login:#?}"
            );
        }
    }

    fn lines(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_command_in_a_login_banners_place_is_found() {
        for line in [
            "(venv) me@node1:~/lab (main) $ ping -c 1 10.244.3.3",
            "ping -c 1 10.244.3.3",
            "[ -d /sys ] && sudo ip link set cni0 down",
            "ping() { sudo ip link set cni0 down; command ping \"$@\"; }",
        ] {
            let book = lines(&["Welcome to Ubuntu 16.04.4 LTS", "", line]);
            assert_eq!(banner_command(&book), Some(line), "{line}");
        }
        let banner = lines(&[
            "Welcome to Ubuntu 16.04.4 LTS (GNU/Linux 4.4.0-116-generic x86_64)",
            "",
            " * Documentation:  https://help.ubuntu.com",
            " * Management:     https://landscape.canonical.com",
            "0 packages can be updated.",
            "Last login: Sat Apr 21 11:29:35 2018 from 10.0.2.2",
            "New release '18.04.1 LTS' available.",
            "Run 'do-release-upgrade' to upgrade to it.",
        ]);
        assert_eq!(banner_command(&banner), None);
    }

    /// probe21by, finding 5 (`BN1`, `BN2`, `BN5`, `BN9`): route rows,
    /// `NAME=value` lines and klog lines in a banner's place were "a banner
    /// lab does not compare", the block skipped and the chapter passing;
    /// ssh's own failure there too. Now not understood, and ssh's failure
    /// drift (the book's login failed, the reader's works). Seen failing
    /// first: each block `skipped`.
    #[tokio::test]
    async fn a_known_commands_lines_or_sshs_failure_in_a_banners_place_fail() {
        for (lines, v) in [
            (
                "Kernel IP routing table\n10.244.3.0      10.244.3.0      255.255.255.0   UG    0      0        0 enp0s8",
                Verdict::NotUnderstood,
            ),
            ("FLANNEL_SUBNET=10.244.7.1/24", Verdict::NotUnderstood),
            (
                "I1207 13:45:10.408073       1 match.go:263] Using interface with name enp0s8",
                Verdict::NotUnderstood,
            ),
            (
                "ssh: connect to host 127.0.0.1 port 2222: Connection refused",
                Verdict::Drift,
            ),
        ] {
            let r = on_netns(&format!(
                "# Login\n\n```bash\nvagrant ssh node1\n{lines}\nexit\n```\n"
            ))
            .await;
            let b = block(&r, 3);
            assert_eq!(b.verdict, v, "{lines}: {b:#?}");
        }
        // A true banner stays a banner.
        let r = on_netns(
            "# Login\n\n```bash\nvagrant ssh node1\nWelcome to Ubuntu 22.04.4 LTS\nexit\n```\n",
        )
        .await;
        assert_eq!(block(&r, 3).verdict, Verdict::Skipped);
    }

    /// probe21aq, finding 1: a line opening with a prompt's signs and a
    /// command after them, of any program, is a command in a banner's
    /// place; `exit` prints `logout`, `Connection to … closed.` and a bare
    /// prompt alone. Seen failing first: each line was banner, or output.
    #[test]
    fn a_command_behind_signs_is_no_banner_and_no_exit_output() {
        for line in [
            "✗ ifdown enp0s8",
            "✓ nice sudo ip link set cni0 down",
            "➜  lab git:(main) ✗ ifdown enp0s8",
        ] {
            let book = lines(&["Welcome to Ubuntu 16.04.4 LTS", "", line]);
            assert_eq!(banner_command(&book), Some(line), "{line}");
            assert!(!super::exit_prints(line), "{line}");
        }
        for line in [
            "logout",
            "Connection to 127.0.0.1 closed.",
            "",
            "➜  chapter4 git:(master) ✗",
            "➜  chapter4",
        ] {
            assert!(super::exit_prints(line), "{line}");
            assert_eq!(banner_command(&lines(&[line])), None, "{line}");
        }
        for line in ["Welcome back", "\u{2728} all done"] {
            assert!(!super::exit_prints(line), "{line}");
        }
    }

    /// probe21by, finding 7: ssh's `Connection to HOST closed.` is its
    /// own words alone; words after it (`… closed. (we were on node2)`)
    /// are a claim, and no line `exit` prints. Seen failing first: read as
    /// ssh's line.
    #[test]
    fn sshs_last_line_is_its_own_words_alone() {
        for line in [
            "Connection to 127.0.0.1 closed.",
            "Connection to node1 closed by remote host.",
        ] {
            assert!(super::exit_prints(line), "{line}");
        }
        for line in [
            "Connection to 127.0.0.1 closed. (we were on node2)",
            "Connection to 127.0.0.1 closed, node2 stayed up",
            "Connection to the node closed.",
        ] {
            assert!(!super::exit_prints(line), "{line}");
        }
    }
}
