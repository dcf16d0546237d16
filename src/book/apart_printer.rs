//! Which command of a shell block an output block below it belongs to,
//! where its lines are of a shape only some commands print
//! ([`crate::book::line_shapes`]: a ping's, a capture's, a log's, curl's
//! status or a page). The rule that pairs an output block takes the
//! block's last command (`exit` aside); taken so, a failing ping shown
//! under `ping …` / `ip route` was read as `ip route`'s output: set apart,
//! it was skipped and the ping "compared nothing"; paired, it drifted for
//! the wrong reason (probe21ba, finding 3). Such lines are the output of
//! the latest command of the block that prints their shape (the ping
//! before the `ip route` or the `curl`, the capture before the `curl`, the
//! `kubectl logs` before the `kubectl get nodes`), or, when no command of
//! the block does, not understood: never the last command's, never
//! skipped. Read as "any command prints such lines", a curl last took a
//! ping's failure, a capture or a log for its page (probe21bc, findings 3,
//! 4, 5).

use super::{By, reads_as};
use crate::book::line_shapes::{self, Prints};
use crate::book::parse::Step;

/// Whose output a block's lines are, of a shell block's commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printer {
    /// The command the pairing rule names (the block's last): they hold no
    /// line of a shape it does not print.
    Named,
    /// An earlier command of the block, which prints them.
    Earlier(Step),
    /// No command of the block prints them: the first such line.
    None(String),
}

/// Whose output `lines` (an output block's, read `by`) are, `named` being
/// the command of `steps` (a shell block's) the pairing rule names.
pub fn printer(steps: &[Step], named: &Step, lines: &[String], by: By) -> Printer {
    let own = line_shapes::prints(&named.command);
    // A login keeps what is shown below it (in its banner's place, where
    // lab reads it), a command lab does not know too; a ping's header
    // alone claims nothing and stays where the pairing puts it.
    if matches!(own, Prints::Login | Prints::Unknown) {
        return Printer::Named;
    }
    let Some((first, shape)) = line_shapes::foreign(&own, lines) else {
        return Printer::Named;
    };
    // A login before the named command prints nothing below it.
    let prints = |s: &Step| {
        matches!(line_shapes::prints(&s.command), Prints::Shapes(v) if v.contains(&shape))
            && reads_as(&s.command, lines, by).is_some()
    };
    match steps
        .iter()
        .rev()
        .filter(|s| s.line < named.line)
        .find(|s| prints(s))
    {
        Some(s) => Printer::Earlier(s.clone()),
        None => Printer::None(first),
    }
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
            remarks_cut: 0,
            unread_lines: 0,
            title: Vec::new(),
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

    /// probe21bc, findings 3, 4, 5 (`h2`, `h9`, `k_curl__s_10`, `u4`, `l1`,
    /// `l4`, `l3b`): a curl last takes no ping's failure, no capture and
    /// no log; `kubectl get nodes` last takes no log. Each is the latest
    /// command's of the block that prints it, or no command's. Seen
    /// failing first: each was `Named` (curl "prints" any such line; a
    /// log's lines had no printer).
    #[test]
    fn a_curl_or_a_get_last_takes_no_ping_capture_or_log() {
        let failure = lines(
            "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Destination Host Unreachable\n\n--- 10.244.3.4 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss",
        );
        let capture = lines(
            "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64\n20:55:02.971300 IP 10.244.3.3 > 10.244.1.0: ICMP echo reply, id 5874, seq 1, length 64",
        );
        let log = lines(
            "Determining IP address of default interface\nUsing interface with name enp0s8 and address 10.100.198.201",
        );
        let klog = lines(
            "I0421 20:50:01.000000       1 main.go:488] Using interface with name enp0s8 and address 10.100.198.201",
        );
        let logs = "kubectl --kubeconfig ./admin.conf logs -n kube-system kube-flannel-ds-zzkf7";
        for by in [By::Language, By::Lines] {
            for curl in [
                "curl -s 10.244.1.3",
                "curl 10.244.3.4",
                "curl -s http://10.244.1.3/",
            ] {
                let steps = vec![
                    step(1, "vagrant ssh node1"),
                    step(2, "ping -c 1 10.244.3.4"),
                    step(3, curl),
                ];
                assert_eq!(
                    printer(&steps, &steps[2], &failure, by),
                    Printer::Earlier(steps[1].clone()),
                    "{curl}"
                );
            }
            let steps = vec![
                step(1, "vagrant ssh node1"),
                step(2, "sudo tcpdump -i flannel.1"),
                step(3, "curl -s 10.244.1.2"),
                step(4, "exit"),
            ];
            assert_eq!(
                printer(&steps, &steps[2], &capture, by),
                Printer::Earlier(steps[1].clone())
            );
            let no_capture = [step(1, "vagrant ssh node1"), step(2, "curl -s 10.244.1.2")];
            assert!(matches!(
                printer(&no_capture, &no_capture[1], &capture[1..], by),
                Printer::None(l) if l.starts_with("20:55:02.971300 IP")
            ));
            for last in [
                "kubectl --kubeconfig ./admin.conf get nodes",
                "kubectl --kubeconfig ./admin.conf get pods -n kube-system -l app=flannel",
                "curl -s 10.244.1.2",
            ] {
                let steps = vec![step(1, logs), step(2, "vagrant ssh node1"), step(3, last)];
                for shown in [&log, &klog] {
                    assert_eq!(
                        printer(&steps, &steps[2], shown, by),
                        Printer::Earlier(steps[0].clone()),
                        "{last}"
                    );
                }
            }
            let no_logs = [step(1, "kubectl --kubeconfig ./admin.conf get nodes")];
            assert!(matches!(
                printer(&no_logs, &no_logs[0], &klog, by),
                Printer::None(l) if l.starts_with("I0421")
            ));
        }
        // A page stays curl's; kubectl's own warning stays `get`'s.
        let steps = vec![
            step(1, "ping -c 1 10.244.3.4"),
            step(2, "curl -s 10.244.1.3"),
        ];
        let page = lines("<title>Welcome to nginx!</title>");
        assert_eq!(
            printer(&steps, &steps[1], &page, By::Language),
            Printer::Named
        );
        let steps = vec![step(1, logs), step(2, "kubectl get nodes")];
        let warning = lines(
            "W1206 20:14:21.123456   12345 warnings.go:70] v1 ComponentStatus is deprecated\nNAME      STATUS     ROLES     AGE       VERSION",
        );
        assert_eq!(
            printer(&steps, &steps[1], &warning, By::Language),
            Printer::Named
        );
    }
}
