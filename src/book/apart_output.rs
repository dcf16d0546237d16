//! An output block the book sets apart from the command above it (a
//! heading, a second paragraph, or `exit` between them: not paired by
//! [`super::output_below`]'s lead-in rule) whose lines still read as that
//! command's output: a ping's own lines that tell what came back, a curl's
//! status or page, `route -n`'s rows. Skipped as "not commands", such a
//! block let a chapter pass whose lab never got the reply it shows, the
//! ping above it "matching" by its header alone (probe21av, finding 2);
//! the same lines unlabelled were "not understood" (finding 9). It is
//! compared as that command's output, and its report says it was set
//! apart and compared anyway.
//!
//! Every command whose output lab compares when paired has a reading here:
//! a capture's packet lines, a log's lines, a kubectl table's header (set
//! apart, they were skipped while the same block paired drifted: probe21ay,
//! finding 3). A block in a language that is not output's (`terminal`,
//! `ansi`, `plain-text`, `json`, ...) is read by its lines alone
//! ([`By::Lines`]): only lines of the command's own shapes make it output
//! (probe21ay, finding 2).

use super::compare;
use super::recognize::{Cmd, KubeAction, recognize};

#[path = "apart_printer.rs"]
mod printer;
pub use printer::{Printer, printer};

/// What makes a block output, besides its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// Its language says output (`text`, unlabelled): a log's lines are
    /// any lines there.
    Language,
    /// Another language (`terminal`, `json`, `python`): only lines of the
    /// command's own shapes say it is its output (a log's, klog's header or
    /// a timestamp; a curl's, its status, error or an HTML or JSON page).
    Lines,
}

/// What `lines` (an output block's) read as, as the output of `command`
/// (the last command of the shell block above, `exit` aside): None when
/// they are not recognisably its output, or claim nothing.
pub fn reads_as(command: &str, lines: &[String], by: By) -> Option<&'static str> {
    let shown: Vec<String> = lines
        .iter()
        .filter(|l| !l.trim().is_empty() && !compare::is_elision(l))
        .cloned()
        .collect();
    if shown.is_empty() {
        return None;
    }
    let cmd = recognize(command.trim().trim_start_matches("sudo ")).ok()?;
    read(&cmd, &shown, by)
}

/// The first of `lines` that a command prints and a login banner never
/// holds: a ping's reply, error or statistics, a capture's packet line,
/// curl's status line or error, and every other output shape lab reads
/// ([`super::banner_lines`]: route rows, `ip route`'s routes, `NAME=value`
/// lines, a log's lines, kubectl's; probe21by, finding 5). A block of them
/// after `vagrant ssh NODE` is no banner (probe21ay, finding 3: `H4c`'s
/// cross-node reply was "node2's banner", and the chapter passed).
pub fn printed_by_a_command(lines: &[String]) -> Option<&str> {
    lines.iter().map(String::as_str).find(|l| {
        let one = [l.to_string()];
        let t = l.trim();
        (!t.is_empty() && compare::is_pings_own(l) && !t.eq_ignore_ascii_case("^c"))
            || is_packet_line(l)
            || super::curl::facts(&one, None).status.is_some()
            || super::curl::facts(&one, None).failure.is_some()
            || super::banner_lines::of_a_known_command(l)
    })
}

/// Whether `lines` (an output block's) only repeat `shown` (the output the
/// book already shows for the command): every line of theirs is one of
/// `shown`'s, spaces aside. Such a block ("the ping, as the reader saw
/// it:", probe21an's `lt3`) adds no claim; joined to the output it repeats,
/// its replies were counted twice.
pub fn repeats(shown: &[String], lines: &[String]) -> bool {
    let own: Vec<String> = shown.iter().map(|l| compare::squash(l)).collect();
    lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .all(|l| own.contains(&compare::squash(l)))
}

fn read(cmd: &Cmd, shown: &[String], by: By) -> Option<&'static str> {
    match cmd {
        // Ping's own lines that tell what came back, whatever else the
        // block holds (a line of prose among them hid the reply from the
        // comparison: probe21aw, finding 1).
        Cmd::Ping { .. } => {
            let own: Vec<String> = shown
                .iter()
                .filter(|l| compare::is_pings_own(l))
                .cloned()
                .collect();
            let f = compare::ping_facts(&own);
            let counted = own.iter().any(|l| l.contains("packets transmitted"));
            (f.reply || f.error.is_some() || counted)
                .then_some("ping's own lines, which tell what came back")
        }
        // A route as `ip route` prints it, a file's `NAME=value` lines as
        // flannel's subnet.env holds them (probe21aw, finding 2).
        Cmd::IpRoute => shown
            .iter()
            .any(|l| is_ip_route_line(l))
            .then_some("`ip route`'s routes"),
        Cmd::Cat { .. } => shown
            .iter()
            .any(|l| is_setting_line(l))
            .then_some("the file's `NAME=value` lines"),
        Cmd::Grep { inner, .. } => read(inner, shown, by),
        Cmd::Curl(_) => {
            let f = super::curl::facts(shown, None);
            // Any page line is a page under a block of output; in another
            // language, a page's markup or data alone (a `python` block of
            // code is no page).
            let page = match by {
                By::Language => f.answered.is_some() || f.page_line.is_some(),
                By::Lines => f
                    .page_line
                    .as_deref()
                    .is_some_and(|l| l.trim_start().starts_with(['<', '{', '['])),
            };
            (page || f.status.is_some() || f.failure.is_some())
                .then_some("curl's status, error or page")
        }
        Cmd::RouteN => (!compare::route_rows(shown).is_empty()).then_some("`route -n`'s rows"),
        Cmd::Tcpdump { .. } => shown
            .iter()
            .any(|l| is_packet_line(l) || compare::is_capture_end(l) || is_capture_banner(l))
            .then_some("the capture's packet lines"),
        // No login prints them: shown after `vagrant ssh NODE`, in its
        // banner's place, they are not understood there
        // ([`printed_by_a_command`]), never "not commands" in a block of
        // another language.
        Cmd::Ssh { .. } => printed_by_a_command(shown)
            .map(|_| "lines a command prints, where a login banner would be"),
        Cmd::Kubectl(k) => match &k.action {
            KubeAction::Exec { cmd, .. } => read(cmd, shown, by),
            KubeAction::Logs { .. } => match by {
                By::Language => Some("the log's lines"),
                By::Lines => (shown.iter().any(|l| is_log_line(l))
                    || shown.iter().all(|l| !is_a_command(l)))
                .then_some("the log's lines"),
            },
            KubeAction::Get(_) => (shown.iter().any(|l| is_table_header(l))
                || shown.iter().all(|l| is_table_row(l)))
            .then_some("kubectl's table"),
            _ => None,
        },
        _ => None,
    }
}

/// A line as `ip route` prints a route: a destination (`default`, an
/// address or a prefix) then `via ADDR` or `dev NAME`.
pub(super) fn is_ip_route_line(line: &str) -> bool {
    let w: Vec<&str> = line.split_whitespace().collect();
    let Some(dest) = w.first() else {
        return false;
    };
    let dest_ok = *dest == "default"
        || dest
            .split('/')
            .next()
            .is_some_and(|a| a.parse::<std::net::IpAddr>().is_ok());
    dest_ok && matches!(w.get(1), Some(&"via" | &"dev"))
}

/// A capture's packet line as tcpdump prints it, read by its shape
/// whatever time comes first: the protocol (`IP`, `IP6`, ...) then `A > B:`
/// (`IP 10.244.3.3 > 10.244.1.0: ICMP echo reply, ...`), after a time of
/// day, an epoch (`-tt`), a date and time (`-tttt`) or nothing (`-t`); or
/// after a time of day, any protocol (`ARP, Request who-has ...`). Read by
/// the time of day alone, the `-t` and `-tttt` captures set apart were
/// "not commands", and a reply shown in them passed (probe21ba, finding 2).
pub(super) fn is_packet_line(line: &str) -> bool {
    let w: Vec<&str> = line.split_whitespace().collect();
    let proto = |p: &str| {
        let p = p.trim_end_matches(',');
        !p.is_empty()
            && p.as_bytes()[0].is_ascii_uppercase()
            && p.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    let timed = w.len() >= 2 && is_time_of_day(w[0]) && proto(w[1]);
    // The words before the protocol: a time's digits and marks alone.
    let Some(at) = w.iter().position(|p| proto(p)) else {
        return false;
    };
    let stamp = w[..at].iter().all(|s| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b':' | b'.' | b'-' | b'/'))
    });
    // `A > B:`, each an address (and port) or a host's name with one.
    let end = |a: &str| a.contains(['.', ':']);
    let arrow = w.get(at + 2) == Some(&">")
        && w.get(at + 1).is_some_and(|a| end(a))
        && w.get(at + 3)
            .and_then(|b| b.strip_suffix(':'))
            .is_some_and(end);
    timed || (stamp && arrow)
}

/// tcpdump's own lines before its packets (`listening on IFACE, ...`,
/// `tcpdump: verbose output suppressed ...`).
pub(super) fn is_capture_banner(line: &str) -> bool {
    let t = line.trim();
    (t.starts_with("listening on ") && t.contains("link-type"))
        || t.starts_with("tcpdump: verbose output suppressed")
}

/// `HH:MM:SS`, with a fraction or not.
fn is_time_of_day(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 8
        && b[2] == b':'
        && b[5] == b':'
        && w.bytes()
            .all(|c| c.is_ascii_digit() || c == b':' || c == b'.')
}

/// A log's line by its header: klog's (`I1127 11:58:30.985486 1
/// main.go:210] ...`), or a date and time (`2018-04-21T11:29:35Z ...`,
/// `2018/04/21 11:29:35 ...`), or a `level=` field.
pub(super) fn is_log_line(line: &str) -> bool {
    let t = line.trim();
    let b = t.as_bytes();
    let klog = b.len() > 6
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && b[1..5].iter().all(u8::is_ascii_digit)
        && t.split_whitespace().nth(1).is_some_and(is_time_of_day);
    let dated = b.len() > 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'/')
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b[4]
        && b[8..10].iter().all(u8::is_ascii_digit);
    klog || dated || t.split_whitespace().any(|w| w.starts_with("level="))
}

/// Whether `line` has a command's shape and names a program lab knows, at
/// a prompt or not: in a block under `kubectl logs`, such a line is the
/// reader's next command, no line of the log. Any other line of a block
/// there is the log's: a log prints what its program says, with a header
/// (klog's, a date) or without (flannel v0.10's `Using interface with name
/// enp0s3 ...`), and read by its header alone, a log without one in a
/// `terminal`, `json` or `yaml` block was "not commands", and the wrong
/// interface shown in it passed (probe21ba, finding 1). A block compared
/// so that is no log drifts, never passes.
fn is_a_command(line: &str) -> bool {
    let seen = super::lookalike::fold(line.trim());
    let c = super::parse::after_prompt(&seen).unwrap_or(&seen).trim();
    super::parse::after_prompt(&seen).is_some_and(|c| !c.trim().is_empty())
        || (super::parse::command_shaped(c) && super::parse::is_program(c))
}

/// A row of a table as kubectl prints it, header or not: three columns or
/// more, apart by two spaces or more (`node2     NotReady  <none>    3m
/// v1.10.0`). A block of such rows set apart under `kubectl get` is its
/// table without its header: set apart it was skipped, where paired it is
/// not understood (probe21ba, finding 9); prose has no such columns.
fn is_table_row(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.split("  ").filter(|c| !c.trim().is_empty()).count() >= 3
}

/// A kubectl table's header: `NAME` or `NAMESPACE` first, every column
/// name upper-case (`NAME READY STATUS RESTARTS AGE`, `NOMINATED NODE`).
pub(super) fn is_table_header(line: &str) -> bool {
    let w: Vec<&str> = line.split_whitespace().collect();
    w.len() >= 2
        && matches!(w[0], "NAME" | "NAMESPACE")
        && w.iter().all(|c| {
            c.bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'(' || b == b')')
        })
}

/// A line `NAME=value` with an upper-case name (an env file's).
pub(super) fn is_setting_line(line: &str) -> bool {
    line.trim().split_once('=').is_some_and(|(k, v)| {
        !k.is_empty()
            && !v.is_empty()
            && k.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            && k.as_bytes()[0].is_ascii_uppercase()
    })
}

#[cfg(test)]
mod tests {
    use super::{By, reads_as};

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(String::from).collect()
    }

    /// probe21av, finding 2: a reply, the statistics, an rtt line, a
    /// curl's status; not a header alone (the `lt3` repeat), not prose,
    /// not a command without a reading.
    #[test]
    fn what_reads_as_a_commands_output() {
        let reply = lines("64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.403 ms");
        assert!(reads_as("ping 10.244.3.3", &reply, By::Language).is_some());
        assert!(reads_as("ping -c 1 10.244.3.3 | grep ttl", &reply, By::Language).is_some());
        assert!(
            reads_as(
                "kubectl exec web -- ping -c 1 10.244.3.3",
                &reply,
                By::Language
            )
            .is_some()
        );
        let rtt = lines("rtt min/avg/max/mdev = 0.403/0.450/0.500/0.040 ms");
        assert!(reads_as("ping -c 3 10.244.3.3", &rtt, By::Language).is_some());
        let header = lines("PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.");
        assert!(reads_as("ping -c 1 10.244.3.3", &header, By::Language).is_none());
        assert!(
            reads_as(
                "ping -c 1 10.244.3.3",
                &lines("The reply came."),
                By::Language
            )
            .is_none()
        );
        assert!(
            reads_as(
                "curl -s -o /dev/null -w \"%{http_code}\" 10.244.3.3",
                &lines("200"),
                By::Language
            )
            .is_some()
        );
        assert!(reads_as("ip route", &reply, By::Language).is_none());
        // probe21aw: a line of prose among ping's own; `ip route`'s routes
        // and a file's settings.
        let mixed = lines(
            "Replies from the pod on node2:\n64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.4 ms",
        );
        assert!(reads_as("ping 10.244.3.3", &mixed, By::Language).is_some());
        let route = lines("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
        assert!(reads_as("ip route", &route, By::Language).is_some());
        assert!(reads_as("ip route | grep 10.244", &route, By::Language).is_some());
        assert!(reads_as("ip route", &lines("The routes are fine."), By::Language).is_none());
        let env = lines("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24");
        assert!(reads_as("cat /run/flannel/subnet.env", &env, By::Language).is_some());
        assert!(
            reads_as(
                "cat /run/flannel/subnet.env",
                &lines("a=b is fine"),
                By::Language
            )
            .is_none()
        );
        assert!(reads_as("ping -c 1 10.244.3.3", &lines("\n...\n"), By::Language).is_none());
    }

    /// probe21ay, finding 3: a capture's packet lines, a log's lines and
    /// a kubectl table read as their command's output (they had no reading,
    /// and set apart were skipped); prose under them does not. Finding 2:
    /// in another language than output's, only the command's own shapes do.
    /// Seen failing first: each was None.
    #[test]
    fn captures_logs_and_tables_read_as_their_commands_output() {
        let capture = lines(
            "listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes\n20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo reply, id 5874, seq 1, length 64",
        );
        for by in [By::Language, By::Lines] {
            assert!(reads_as("sudo tcpdump -i flannel.1", &capture, by).is_some());
            assert!(reads_as("tcpdump -i cni0", &capture[1..], by).is_some());
            assert!(reads_as("tcpdump -i cni0", &lines("The capture shows it."), by).is_none());
        }
        let log = lines("Using interface with name enp0s8 and address 10.0.2.15");
        let logs = "kubectl --kubeconfig ./admin.conf logs -n kube-system kube-flannel-ds-zzkf7";
        assert!(reads_as(logs, &log, By::Language).is_some());
        let klog =
            lines("I1206 20:55:02.971181       1 main.go:475] Using interface with name enp0s8");
        assert!(reads_as(logs, &klog, By::Lines).is_some());
        let table = lines(
            "NAME      STATUS     ROLES     AGE       VERSION\nnode2     NotReady   <none>    3m        v1.10.0",
        );
        for get in [
            "kubectl --kubeconfig ./admin.conf get nodes",
            "kubectl get pods --all-namespaces -l app=flannel",
        ] {
            assert!(reads_as(get, &table, By::Lines).is_some(), "{get}");
            assert!(reads_as(get, &lines("All nodes are Ready."), By::Language).is_none());
        }
        // A curl's page in another language: markup or data, not code.
        let curl = "curl 10.244.3.3";
        assert!(reads_as(curl, &lines("<h1>Welcome to nginx!</h1>"), By::Lines).is_some());
        assert!(reads_as(curl, &lines("import requests"), By::Lines).is_none());
        assert!(reads_as(curl, &lines("import requests"), By::Language).is_some());
    }

    /// probe21ba, finding 1 (`S1_terminal`, `S1_json`, `S2_yaml`): a log
    /// without a header in a block of another language is the log, a line
    /// of a command is not; finding 2 (`S3_text`, `S4_text`): a capture
    /// dated (`-tttt`), by epoch (`-tt`) or without a time (`-t`) is the
    /// capture; finding 9 (`H5_nohdr_apart`): a table's rows without its
    /// header are the table. Seen failing first: each was None.
    #[test]
    fn logs_captures_and_tables_read_by_their_lines_alone() {
        let logs = "kubectl --kubeconfig ./admin.conf logs -n kube-system kube-flannel-ds-zzkf7";
        let log = lines(
            "Using interface with name enp0s8 and address 10.100.198.201\nDefaulting external address to interface address (10.100.198.201)",
        );
        assert!(reads_as(logs, &log, By::Lines).is_some());
        let next = lines("kubectl --kubeconfig ./admin.conf get pods\n$ ip route");
        assert!(reads_as(logs, &next, By::Lines).is_none());
        for capture in [
            "2018-04-21 20:55:02.971300 IP 10.244.3.3 > 10.244.1.0: ICMP echo reply, id 5874, seq 1, length 64",
            "1524343502.971300 IP 10.244.3.3 > 10.244.1.0: ICMP echo reply, id 5874, seq 1, length 64",
            "IP 10.244.3.3 > 10.244.1.0: ICMP echo reply, id 5874, seq 1, length 64",
            "IP6 fe80::1 > ff02::1: ICMP6, router advertisement, length 64",
        ] {
            for by in [By::Language, By::Lines] {
                assert!(
                    reads_as("sudo tcpdump -i flannel.1", &lines(capture), by).is_some(),
                    "{capture}"
                );
            }
        }
        for prose in [
            "IP addresses > ports: a rule",
            "The IP 10.244.3.3 > 10.244.1.0: no",
        ] {
            assert!(reads_as("tcpdump -i cni0", &lines(prose), By::Lines).is_none());
        }
        let rows = lines(
            "master    Ready     master    3m        v1.10.0\nnode2     NotReady  <none>    3m        v1.10.0",
        );
        assert!(reads_as("kubectl get nodes", &rows, By::Language).is_some());
        assert!(
            reads_as(
                "kubectl get nodes",
                &lines("Every node is Ready now."),
                By::Language
            )
            .is_none()
        );
    }

    /// probe21ay, finding 3 (`H4c`): what ping, curl and tcpdump print is
    /// no login banner; a banner's lines are none of it.
    #[test]
    fn a_commands_lines_are_no_login_banner() {
        for line in [
            "64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.403 ms",
            "From 10.244.1.1 icmp_seq=1 Destination Host Unreachable",
            "1 packets transmitted, 0 received, 100% packet loss, time 0ms",
            "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo reply, id 5874, seq 1, length 64",
            "HTTP/1.1 200 OK",
            "curl: (7) Failed to connect to 10.244.3.3 port 80: Connection refused",
        ] {
            let book = lines(&format!("Welcome to Ubuntu 16.04.4 LTS\n\n{line}"));
            assert_eq!(super::printed_by_a_command(&book), Some(line), "{line}");
        }
        let banner = lines(
            "Welcome to Ubuntu 16.04.4 LTS (GNU/Linux 4.4.0-116-generic x86_64)\n\n * Documentation:  https://help.ubuntu.com\n0 packages can be updated.\nLast login: Sat Apr 21 11:29:35 2018 from 10.0.2.2\n^C",
        );
        assert_eq!(super::printed_by_a_command(&banner), None);
        // Read so after a login, in any language; a banner is not.
        let reply = lines("64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.403 ms");
        assert!(reads_as("vagrant ssh node2", &reply, By::Lines).is_some());
        assert!(reads_as("vagrant ssh node2", &banner, By::Language).is_none());
    }

    /// probe21an's `lt3`: the output shown again below adds nothing.
    #[test]
    fn a_repeat_of_the_output_shown_adds_nothing() {
        let own = lines(
            "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms\n",
        );
        assert!(super::repeats(&own, &own));
        assert!(!super::repeats(
            &own,
            &lines("64 bytes from 10.244.1.2: icmp_seq=2 ttl=64 time=0.054 ms")
        ));
        assert!(!super::repeats(&[], &own));
    }
}
