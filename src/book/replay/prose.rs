//! A command the chapter's prose tells the reader to type and no block
//! shows: "take the pod bridge down with `sudo ip link set cni0 down`, then
//! ping node1's pod again". The reader types it; lab, reading blocks only,
//! never saw it, and the ping after it compared a lab whose bridge is up
//! with a book that took it down: `match`, a false green (probe21p's
//! finding 7). So such a span stops what is compared after its line, as a
//! block's line lab does not understand does ([`super::gone::stops`]).
//!
//! Not every span is one: prose names files (`flannel.yml`), flags
//! (`--iface=enp0s8`), tools (`ping`) and the commands its blocks type,
//! often written otherwise (`kubectl apply -f x.yaml` above a block's
//! `kubectl --kubeconfig ./admin.conf apply -f x.yaml`). A span stops the
//! comparisons only when all of these hold:
//! - it has a command's shape ([`command_shaped`]), two words at least (a
//!   lone `iptables` names the tool), and names a program: one lab lists or
//!   one on a node's login `PATH` ([`super::swallowed`]);
//! - it may change what the reader has ([`effect`]: what only reads, or
//!   sets a machine up as `lab up` does, stops nothing);
//! - no shell block near it ([`near`]) types it: every command of it,
//!   `sudo` and `--kubeconfig` aside, opens a command such a block shows
//!   (`kubectl delete pod <name>` matches a block's `kubectl delete pod
//!   nginx-1`), in the block just before it the last of its kind
//!   ([`types`]).
//!
//! A span in a conditional ("if the join fails, run `sudo kubeadm reset`")
//! stops too: lab cannot tell the reader's choice, and a block typing the
//! same line stops the same way.

use super::gone::Stop;
use super::plan::Planned;
use super::reads::{parts, words};
use super::setup::{Effect, effect};
use crate::book::parse::{Chapter, after_assignments, after_prompt, command_shaped};
use crate::book::recognize::{Cmd, recognize};

/// The stops the chapter's prose makes: one at the line of each span that
/// tells the reader to type a change no block near it shows ([`near`]),
/// with the line of the first command after it, which fails for it.
pub(super) fn stops(
    chapter: &Chapter,
    planned: &[(Vec<Planned>, Vec<String>)],
) -> Vec<(usize, Stop)> {
    // The shell blocks (what runs), in order: their lines, their commands
    // as words, and whether one of them reads.
    let shell: Vec<Shell> = chapter
        .blocks
        .iter()
        .zip(planned)
        .filter(|(b, _)| b.is_shell())
        .map(|(b, (ps, _))| Shell {
            start: b.line,
            end: b.end,
            commands: ps
                .iter()
                .flat_map(|p| commands(&program_named(&p.step.command)))
                .collect(),
            reads: ps.iter().any(|p| effect(&p.step.command) == Effect::Reads),
        })
        .collect();
    let steps = shell_steps(chapter, planned);
    // Each code judged once for its shape, and once where it stands.
    let mut shaped = std::collections::HashMap::new();
    let mut typed_near = std::collections::HashMap::new();
    // A command's remark that names a change is told as inline code is.
    let remarks = super::remarks::spans(chapter, planned);
    chapter
        .inline
        .iter()
        .chain(&remarks)
        .filter_map(|span| {
            let code = crate::book::shell_line::strip_ansi(span.code.trim());
            let written = after_prompt(&code).unwrap_or(&code);
            // Read as the reader sees it: `s\u{200b}udo …` or a Cyrillic
            // `ѕudo …` is the change they type (probe21aj, finding 3).
            let seen = crate::book::lookalike::fold(written);
            // Behind shell syntax (`\\sudo …`, `[ … ] && sudo …`): the
            // program it runs (probe21ab, finding 2).
            let hidden = crate::book::shell_line::hidden_program(&seen);
            let code = program_named(typed_in(hidden.as_deref().unwrap_or(&seen)));
            let foreign = crate::book::lookalike::foreign_program(written).is_some();
            if !*shaped
                .entry((code.clone(), foreign))
                .or_insert_with(|| tells_a_change_as(&code, foreign))
            {
                return None;
            }
            let near = near(span.line, &shell);
            let typed = *typed_near
                .entry((code.clone(), near.clone()))
                .or_insert_with(|| {
                    commands(&code).iter().all(|c| {
                        near.clone()
                            .any(|i| types(&shell[i], c, shell[i].end < span.line))
                    })
                });
            let charged = steps.iter().copied().find(|l| *l > span.line);
            (!typed).then(|| {
                let command = written.to_string();
                (span.line, Stop::Prose { command, charged })
            })
        })
        .collect()
}

/// The lines of the chapter's shell commands, in order: the first after a
/// change told outside a shell block is the one that drifts for it.
pub(super) fn shell_steps(
    chapter: &Chapter,
    planned: &[(Vec<Planned>, Vec<String>)],
) -> Vec<usize> {
    planned
        .iter()
        .zip(&chapter.blocks)
        .filter(|(_, b)| b.is_shell())
        .flat_map(|((ps, _), _)| ps.iter().map(|p| p.step.line))
        .collect()
}

/// A shell block as [`near`] reads it.
struct Shell {
    start: usize,
    end: usize,
    commands: Vec<Vec<String>>,
    reads: bool,
}

/// The shell blocks (their places in `shell`) that may type what a span at
/// `line` tells: the one just before it, and those after it up to the
/// first that reads (a ping, a `get`, a `cat`: what the change would
/// change), that one included. A block further away types it at another
/// time: a `kubectl apply` typed at the start and told again in prose
/// after the fix is the reader's second apply, which the lab never saw
/// (probe21q).
fn near(line: usize, shell: &[Shell]) -> std::ops::Range<usize> {
    let after = shell.partition_point(|b| b.start < line);
    let from = if after > 0 && shell[after - 1].end < line {
        after - 1
    } else {
        after
    };
    let to = shell[after..]
        .iter()
        .position(|b| b.reads)
        .map_or(shell.len(), |i| after + i + 1);
    from..to
}

/// Whether the shell block `b` types the span's command `c`: one of its
/// commands opens with `c`'s words. In the block just before the span
/// (`before`), that command must also be the last of its kind there ([`kind`]):
/// after a block that applies the fix and then the broken file again,
/// "apply the fix again with `kubectl apply -f fix.yml`" is a second run,
/// not a recap of the block (probe21s).
fn types(b: &Shell, c: &[String], before: bool) -> bool {
    b.commands.iter().enumerate().any(|(k, t)| {
        opens(c, t)
            && !(before
                && b.commands[k + 1..]
                    .iter()
                    .any(|u| kind(u) == kind(t) && !opens(c, u)))
    })
}

/// What a command does, as far as its words tell without knowing the
/// program: the program and its first word that is no option (`kubectl
/// apply`, `ip link`, `systemctl restart`).
fn kind(c: &[String]) -> (Option<&str>, Option<&str>) {
    let mut w = c.iter().map(String::as_str);
    (w.next(), w.find(|x| !x.starts_with('-')))
}

/// The command a span shows as the reader types it: past a prompt that
/// names its host before a space (`node1 $ `), out of a subshell's or a
/// group's brackets (`(…)`, `{ …; }`) (probe21s).
fn typed_in(code: &str) -> &str {
    static HOST_PROMPT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^[\w.@:~/-]+\s+[$#]\s+").expect("a host's prompt")
    });
    let mut c = code.trim();
    if let Some(m) = HOST_PROMPT.find(c) {
        c = &c[m.end()..];
    }
    loop {
        let inner = c
            .strip_prefix('(')
            .and_then(|x| x.strip_suffix(')'))
            .or_else(|| c.strip_prefix('{').and_then(|x| x.strip_suffix('}')));
        match inner {
            Some(x) => c = x.trim().trim_end_matches(';').trim(),
            None => return c,
        }
    }
}

/// `code` with its program named by its name (`sudo /sbin/ip` is `sudo
/// ip`): the shape and the lists know programs by name.
fn program_named(code: &str) -> String {
    let mut past_program = false;
    after_assignments(code)
        .split_whitespace()
        .map(|w| {
            if past_program || w == "sudo" {
                return w;
            }
            past_program = true;
            match w.rsplit_once('/') {
                Some((_, name)) if w.starts_with('/') && !name.is_empty() => name,
                _ => w,
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `code` has a command's shape, names a program and may change
/// what the reader has: a move to a machine (`vagrant ssh node1`, `exit`)
/// and `kubeadm init` (which `lab up` stands for) change nothing.
pub(super) fn tells_a_change(code: &str) -> bool {
    tells_a_change_as(
        code,
        crate::book::lookalike::foreign_program(code).is_some(),
    )
}

/// [`tells_a_change`], `foreign` saying whether the code as written has a
/// program's name past ASCII ([`crate::book::lookalike::foreign_program`];
/// `code` may be folded, where a Cyrillic word reads in part as ASCII).
fn tells_a_change_as(code: &str, foreign: bool) -> bool {
    let program = after_assignments(code).split_whitespace().next();
    let moves = matches!(
        recognize(code),
        Ok(Cmd::Ssh { .. } | Cmd::Exit | Cmd::KubeadmInit { .. })
    ) || words(code).starts_with(&["vagrant", "ssh"]);
    // A program's name past ASCII (`ⅰp link set cni0 down`) is one the
    // reader may take for a listed program's, and what it changes lab
    // cannot tell (probe21al, finding 1).
    !moves
        && (command_shaped(code) || foreign)
        && code.split_whitespace().count() >= 2
        && (foreign || program.is_some_and(super::swallowed::names_a_program))
        && effect(code) == Effect::Changes
}

/// The commands of a line (its pipes and lists), each as its words with
/// what runs it (`sudo`, `NAME=V`) and a `--kubeconfig` taken off.
fn commands(line: &str) -> Vec<Vec<String>> {
    parts(line)
        .map(|p| {
            let mut out = Vec::new();
            let mut w = words(p).into_iter();
            while let Some(x) = w.next() {
                if x == "--kubeconfig" {
                    w.next();
                } else if !x.starts_with("--kubeconfig=") {
                    out.push(x.to_string());
                }
            }
            out
        })
        .filter(|c| !c.is_empty())
        .collect()
}

/// Whether `typed` opens with the words of `span` (a placeholder word of
/// the span, `<name>`, `POD`, `...`, stands for any).
fn opens(span: &[String], typed: &[String]) -> bool {
    span.len() <= typed.len()
        && span
            .iter()
            .zip(typed)
            .all(|(s, t)| s == t || is_placeholder(s))
}

/// A word prose writes for one the reader picks: `<name>`, `{pod}`,
/// `POD_NAME`, `$POD`, `...`. Capitals alone are words of their own
/// (`iptables -P FORWARD DROP` is not `… ACCEPT`, probe21q).
fn is_placeholder(w: &str) -> bool {
    let angle = w.starts_with('<') && w.ends_with('>');
    let brace = w.starts_with('{') && w.ends_with('}');
    let name = w.strip_prefix('$').unwrap_or(w);
    let capitals = (name.len() < w.len() || name.contains('_'))
        && name.bytes().any(|b| b.is_ascii_uppercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit());
    angle || brace || capitals || w.chars().all(|c| c == '.' || c == '…')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn stops_of(text: &str) -> Vec<(usize, Stop)> {
        let c = crate::book::parse::parse(Path::new("c.md"), text.as_bytes()).unwrap();
        stops(&c, &super::super::plan::plan_chapter(&c))
    }

    fn told(command: &str, charged: usize) -> Stop {
        Stop::Prose {
            command: command.into(),
            charged: Some(charged),
        }
    }

    /// probe21al, finding 1: inline code whose program's name holds a
    /// character past ASCII (`ⅰp`, `ꜱudo`) is a change the reader types.
    /// Seen failing first: with `foreign` false it stopped nothing.
    #[test]
    fn inline_code_with_a_program_name_past_ascii_stops() {
        let text = "Intro.\n\n```bash\nping -c 1 10.244.1.2\n```\n\n\
                    Now take the bridge down with `\u{2170}p link set cni0 down` and ping again.\n\n\
                    ```bash\nping -c 1 10.244.1.2\n```\n";
        assert_eq!(
            stops_of(text),
            vec![(7, told("\u{2170}p link set cni0 down", 10))]
        );
        assert!(tells_a_change("\u{a731}udo ip link set cni0 down"));
        assert!(!tells_a_change("naïve"));
    }

    #[test]
    fn a_change_the_prose_tells_and_no_block_types_stops_at_its_line() {
        let text = "Intro.\n\n```bash\nping -c 1 10.244.1.2\n```\n\n\
                    Now take the pod bridge down with `sudo ip link set cni0 down`, then ping it again.\n\n\
                    ```bash\nping -c 1 10.244.1.2\n```\n";
        assert_eq!(
            stops_of(text),
            vec![(7, told("sudo ip link set cni0 down", 10))]
        );
        // A `$ ` prompt in the span, and HTML's `<code>`: the same.
        let html = text.replace(
            "`sudo ip link set cni0 down`",
            "<code>$ sudo ip link set cni0 down</code>",
        );
        assert_eq!(
            stops_of(&html),
            vec![(7, told("sudo ip link set cni0 down", 10))]
        );
    }

    /// probe21ab: a span whose program stands behind shell syntax or a
    /// prompt of four words (`qspanbackslash.md`, `qspan4.md`) stopped
    /// nothing: the ping after it was `match`.
    #[test]
    fn a_change_behind_shell_syntax_or_a_long_prompt_in_a_span_stops() {
        for span in [
            "\\sudo ip link set cni0 down",
            "[ -d /sys ] && sudo ip link set cni0 down",
            "(venv) me@host:~/lab (main) $ sudo ip link set cni0 down",
        ] {
            let text = format!(
                "Intro.\n\n```bash\nping -c 1 10.244.1.2\n```\n\n\
                 Now take the pod bridge down with `{span}`, then ping it again.\n\n\
                 ```bash\nping -c 1 10.244.1.2\n```\n"
            );
            let stops = stops_of(&text);
            assert!(
                matches!(stops.as_slice(), [(7, Stop::Prose { command, charged: Some(10) })]
                    if command.ends_with("sudo ip link set cni0 down")),
                "{span}: {stops:?}"
            );
        }
    }

    #[test]
    fn what_a_block_types_reads_or_only_names_stops_nothing() {
        for prose in [
            // Typed by a block, written otherwise.
            "Apply it with `kubectl apply -f nginx.yaml`.",
            "Delete one with `kubectl delete pod <name>` or `kubectl delete pod POD_NAME`.",
            "Take it down (`ip link set cni0 down`).",
            // Reads, names a file, a flag or a tool, or sets up.
            "Look with `kubectl get pods -o wide` and `ip route`.",
            "Use `flannel.yml` with `--iface=enp0s8` and `iptables`.",
            "Run `sudo swapoff -a` first.",
            // Moves, or what `lab up` does.
            "No `vagrant ssh` or `vagrant ssh node1` here, nor `exit`; `kubeadm init --pod-network-cidr 10.244.0.0/16` ran.",
            // Not a program.
            "The value `net.ipv4.ip_forward = 1` is set; `zz-not-a-tool down now`.",
        ] {
            let text = format!(
                "{prose}\n\n```bash\nkubectl --kubeconfig ./admin.conf apply -f nginx.yaml\n\
                 kubectl delete pod nginx-1\nsudo ip link set cni0 down\n```\n"
            );
            assert_eq!(stops_of(&text), vec![], "{prose}");
        }
    }

    /// A block far from the span types it at another time (probe21q): the
    /// apply typed at the start and told again after a reading block, the
    /// delete told before a ping and typed after it. `/sbin/ip` is `ip`.
    #[test]
    fn only_a_block_near_the_span_types_it() {
        let apply = "kubectl --kubeconfig ./admin.conf apply -f flannel.yml";
        let text = format!(
            "```bash\n{apply}\n```\n\n```bash\nping -c 1 10.244.2.2\n```\n\n\
             Re-apply it with `{apply}`.\n\n```bash\nping -c 1 10.244.2.2\n```\n"
        );
        assert_eq!(stops_of(&text), vec![(9, told(apply, 12))]);
        let delete = "kubectl delete -f nginx.yaml";
        let text = format!(
            "Delete it with `{delete}`.\n\n```bash\nping -c 1 10.244.2.2\n```\n\n```bash\n{delete}\n```\n"
        );
        assert_eq!(stops_of(&text), vec![(1, told(delete, 4))]);
        // Told before the blocks that type it, changes first: typed.
        let text = format!(
            "Apply `{apply}` and `{delete}`.\n\n```bash\n{apply}\n```\n\n```bash\n{delete}\nping -c 1 10.244.2.2\n```\n"
        );
        assert_eq!(stops_of(&text), vec![]);
        let text = "Take it down with `sudo /sbin/ip link set cni0 down`.\n\n```bash\nping -c 1 10.244.2.2\n```\n";
        assert_eq!(
            stops_of(text),
            vec![(1, told("sudo /sbin/ip link set cni0 down", 4))]
        );
    }

    /// Text after a comment on its line is text the page shows, and the
    /// forms of probe21q (`<kbd>`, bold, `/sbin/ip`) are read.
    #[test]
    fn spans_after_a_comment_and_in_other_forms_stop_too() {
        for prose in [
            "<!-- note --> Take it down with `sudo ip link set cni0 down`.",
            "Take it down with <kbd>sudo ip link set cni0 down</kbd>.",
            "Take it down with **sudo ip link set cni0 down**.",
            // probe21t's italics.
            "Take it down with *sudo ip link set cni0 down*.",
            "Take it down with _sudo ip link set cni0 down_.",
            "Take it down with <em>sudo ip link set cni0 down</em>.",
            "Take it down with <var>sudo ip link set cni0 down</var>.",
            // probe21s's.
            "Take it down with `node1 $ sudo ip link set cni0 down`.",
            "Take it down with `(sudo ip link set cni0 down)`.",
            "Take it down with `{ sudo ip link set cni0 down; }`.",
        ] {
            let text = format!("{prose}\n\n```bash\nping -c 1 10.244.2.2\n```\n");
            assert_eq!(stops_of(&text).len(), 1, "{prose}");
        }
    }

    /// probe21z's finding 1: a span past a prompt of another shape stops
    /// as the same span without one does (`span_prompt_node1dollar.md`).
    #[test]
    fn spans_past_prompts_of_other_shapes_stop() {
        for prompt in [
            "node1$ ",
            "% ",
            "❯ ",
            "➜  ~ ",
            "node1:~ vagrant$ ",
            "(node1) $ ",
            "[node1]$ ",
        ] {
            let text = format!(
                "Take it down with `{prompt}sudo ip link set cni0 down`.\n\n```bash\nping -c 1 10.244.2.2\n```\n"
            );
            assert_eq!(
                stops_of(&text),
                vec![(1, told("sudo ip link set cni0 down", 4))],
                "{prompt}"
            );
        }
    }

    /// probe21t's finding 7 (`p_q1`, `p_l1`, `p_q2`, `p_l2`): a span over a
    /// quote's or an item's line and its lazy continuation line stops too.
    #[test]
    fn a_span_over_a_lazy_continuation_line_stops() {
        for prose in [
            "> Take the bridge down with `sudo ip link\nset cni0 down` and ping again.",
            "- Take the bridge down with `sudo ip link\nset cni0 down` and ping again.",
            "> > Take the bridge down with `sudo ip link\n> set cni0 down` and ping again.",
            "* Take the bridge down with `sudo ip link set\ncni0 down` and ping again.",
            "> Take the bridge down with <kbd>sudo ip link\nset cni0 down</kbd> and ping again.",
            "- Take the bridge down with **sudo ip link\nset cni0 down** and ping again.",
        ] {
            let text = format!(
                "```bash\nping -c 1 10.244.1.2\n```\n\n{prose}\n\n```bash\nping -c 1 10.244.1.2\n```\n"
            );
            assert_eq!(
                stops_of(&text),
                vec![(5, told("sudo ip link set cni0 down", 9))],
                "{prose}"
            );
        }
    }

    /// Capitals are a word of their own: `DROP` is not `ACCEPT`.
    #[test]
    fn capitals_are_no_placeholder() {
        let text = "Then `sudo iptables -P FORWARD DROP`.\n\n```bash\nsudo iptables -P FORWARD ACCEPT\nping -c 1 10.244.2.2\n```\n";
        assert_eq!(stops_of(text).len(), 1);
    }

    /// A manifest in a `yaml` block types nothing and stops nothing.
    #[test]
    fn a_block_not_a_shells_stops_nothing() {
        let text = "```yaml\napiVersion: apps/v1\nkind: Deployment\n```\n\n```bash\nping -c 1 10.244.2.2\n```\n";
        let c = crate::book::parse::parse(Path::new("c.md"), text.as_bytes()).unwrap();
        let planned = super::super::plan::plan_chapter(&c);
        assert_eq!(super::super::gone::stops(&c, &planned), vec![]);
        // A move at a prompt in one changes nothing.
        let text = "```text\n$ vagrant ssh node1\n$ kubectl get pods\n```\n\n```bash\nping -c 1 10.244.2.2\n```\n";
        let c = crate::book::parse::parse(Path::new("c.md"), text.as_bytes()).unwrap();
        let planned = super::super::plan::plan_chapter(&c);
        assert_eq!(super::super::gone::stops(&c, &planned), vec![]);
        // A line at a prompt in one is typed (probe21s).
        for lang in ["text", "terminal", "shellsession"] {
            let text = format!(
                "```{lang}\n$ sudo ip link set cni0 down\n```\n\n```bash\nping -c 1 10.244.2.2\n```\n"
            );
            let c = crate::book::parse::parse(Path::new("c.md"), text.as_bytes()).unwrap();
            let planned = super::super::plan::plan_chapter(&c);
            assert_eq!(super::super::gone::stops(&c, &planned).len(), 1, "{lang}");
        }
    }

    /// The block just before a span types it only where no later command
    /// of the same kind in that block undid it (probe21s, finding 2): the
    /// fix applied, then the broken file; "apply the fix again" is a
    /// second run. The fix applied last: a recap.
    #[test]
    fn a_command_the_block_before_undid_is_a_second_run() {
        let (fix, broken) = (
            "kubectl --kubeconfig ./admin.conf apply -f flannel_fix.yml",
            "kubectl --kubeconfig ./admin.conf apply -f flannel.yml",
        );
        let text = |first: &str, second: &str| {
            format!(
                "```bash\n{first}\n{second}\n```\n\nNow apply the fix again with `{fix}` and ping.\n\n\
                 ```bash\nping -c 1 10.244.2.2\n```\n"
            )
        };
        assert_eq!(stops_of(&text(fix, broken)), vec![(6, told(fix, 9))]);
        assert_eq!(stops_of(&text(broken, fix)), vec![]);
        // Another kind of command after it undoes nothing.
        assert_eq!(stops_of(&text(fix, "kubectl get pods")), vec![]);
    }

    #[test]
    fn every_command_of_a_span_must_be_typed() {
        let text = "Run `kubectl apply -f nginx.yaml && sudo ip link set cni0 down`.\n\n\
                    ```bash\nkubectl apply -f nginx.yaml\n```\n";
        assert_eq!(stops_of(text).len(), 1);
    }
}
