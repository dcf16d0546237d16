//! Which command of a shell block an output block below it belongs to,
//! where its lines are ones only ping, curl or tcpdump print
//! ([`super::printed_by_a_command`]). The rule that pairs an output block
//! takes the block's last command (`exit` aside); taken so, a failing ping
//! shown under `ping …` / `ip route` was read as `ip route`'s output: set
//! apart, it was skipped and the ping "compared nothing"; paired, it drifted
//! for the wrong reason (probe21ba, finding 3). Such lines are the output
//! of the latest command of the block that prints them (the ping before
//! the `ip route`), or, when no command of the block does, not understood:
//! never the last command's, never skipped.

use super::{By, printed_by_a_command, reads_as};
use crate::book::parse::Step;
use crate::book::recognize::{Cmd, KubeAction, recognize};

/// Whose output a block's lines are, of a shell block's commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printer {
    /// The command the pairing rule names (the block's last): they hold no
    /// line only a command prints, or it prints them.
    Named,
    /// An earlier command of the block, which prints them.
    Earlier(Step),
    /// No command of the block prints them: the first such line.
    None(String),
}

/// Whose output `lines` (an output block's, read `by`) are, `named` being
/// the command of `steps` (a shell block's) the pairing rule names.
pub fn printer(steps: &[Step], named: &Step, lines: &[String], by: By) -> Printer {
    // A ping's header alone claims nothing (what came back is what the
    // book claims): a block of it stays where the pairing puts it.
    let claims: Vec<String> = lines
        .iter()
        .filter(|l| !is_ping_header(l))
        .cloned()
        .collect();
    let Some(printed) = printed_by_a_command(&claims) else {
        return Printer::Named;
    };
    let prints =
        |s: &Step| prints_own_lines(&s.command, false) && reads_as(&s.command, lines, by).is_some();
    // The named command prints such lines: its own, as the pairing reads
    // them (a ping's header alone goes on in the block after).
    if prints_own_lines(&named.command, true) {
        return Printer::Named;
    }
    // A login before the named command prints nothing below it.
    match steps
        .iter()
        .rev()
        .filter(|s| s.line < named.line)
        .find(|s| prints(s))
    {
        Some(s) => Printer::Earlier(s.clone()),
        None => Printer::None(printed.trim().to_string()),
    }
}

/// `PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.`
fn is_ping_header(line: &str) -> bool {
    let t = line.trim().to_lowercase();
    t.starts_with("ping ") && (t.contains("bytes of data") || t.contains("data bytes"))
}

/// Whether `command` prints lines of its own kind that a block may show:
/// a ping, a curl, a capture (under `sudo`, `grep` or `kubectl exec` too),
/// or, with `login`, a login (whose place such lines take right below it,
/// where they are not understood: [`super::printed_by_a_command`]).
fn prints_own_lines(command: &str, login: bool) -> bool {
    fn of(cmd: &Cmd, login: bool) -> bool {
        match cmd {
            Cmd::Ping { .. } | Cmd::Curl(_) | Cmd::Tcpdump { .. } => true,
            Cmd::Ssh { .. } => login,
            Cmd::Grep { inner, .. } => of(inner, login),
            Cmd::Kubectl(k) => {
                matches!(&k.action, KubeAction::Exec { cmd, .. } if of(cmd, login))
            }
            _ => false,
        }
    }
    recognize(command.trim().trim_start_matches("sudo ")).is_ok_and(|c| of(&c, login))
}

#[cfg(test)]
mod tests {
    use super::{By, Printer, printer};
    use crate::book::parse::Step;

    fn step(line: usize, command: &str) -> Step {
        Step {
            line,
            written: command.to_string(),
            command: command.to_string(),
            remark: None,
            output: Vec::new(),
            output_at: Vec::new(),
            cut: 0,
            host: None,
            remarks_below: Vec::new(),
        }
    }

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(String::from).collect()
    }

    /// probe21ba, finding 3 (`GH4`, `GH7`): a ping's failure below `ping …`
    /// / `ip route` is the ping's; below a block with no ping, no
    /// command's. Seen failing first: there was no such reading (the
    /// last command was taken).
    #[test]
    fn lines_only_a_ping_prints_are_the_pings() {
        let failure = lines(
            "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Destination Host Unreachable\n\n--- 10.244.3.4 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms",
        );
        let steps = vec![
            step(1, "vagrant ssh node1"),
            step(2, "ping -c 1 10.244.3.4"),
            step(3, "ip route"),
        ];
        for by in [By::Language, By::Lines] {
            assert_eq!(
                printer(&steps, &steps[2], &failure, by),
                Printer::Earlier(steps[1].clone())
            );
            assert_eq!(
                printer(&steps[1..2], &steps[1], &failure, by),
                Printer::Named
            );
            // No ping in the block: no command's (a login before it
            // prints nothing below the `ip route`).
            let no_ping = [step(1, "vagrant ssh node1"), step(3, "ip route")];
            assert!(matches!(
                printer(&no_ping, &no_ping[1], &failure, by),
                Printer::None(l) if l.starts_with("From 10.244.1.1")
            ));
        }
        // `ip route`'s own routes stay its; a login keeps what follows it.
        let routes = lines("default via 10.0.2.2 dev enp0s3");
        assert_eq!(
            printer(&steps, &steps[2], &routes, By::Language),
            Printer::Named
        );
        assert_eq!(
            printer(&steps[..1], &steps[0], &failure, By::Language),
            Printer::Named
        );
        // A ping's header alone claims nothing: where the pairing puts it.
        let header = lines("PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.");
        assert_eq!(
            printer(&steps, &steps[2], &header, By::Language),
            Printer::Named
        );
    }
}
