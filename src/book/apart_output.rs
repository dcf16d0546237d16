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

use super::compare;
use super::recognize::{Cmd, KubeAction, recognize};

/// What `lines` (an output block's) read as, as the output of `command`
/// (the last command of the shell block above, `exit` aside): None when
/// they are not recognisably its output, or claim nothing.
pub fn reads_as(command: &str, lines: &[String]) -> Option<&'static str> {
    let shown: Vec<String> = lines
        .iter()
        .filter(|l| !l.trim().is_empty() && !compare::is_elision(l))
        .cloned()
        .collect();
    if shown.is_empty() {
        return None;
    }
    let cmd = recognize(command.trim().trim_start_matches("sudo ")).ok()?;
    read(&cmd, &shown)
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

fn read(cmd: &Cmd, shown: &[String]) -> Option<&'static str> {
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
        Cmd::Grep { inner, .. } => read(inner, shown),
        Cmd::Curl(_) => {
            let f = super::curl::facts(shown, None);
            (f.answered.is_some()
                || f.status.is_some()
                || f.failure.is_some()
                || f.page_line.is_some())
            .then_some("curl's status, error or page")
        }
        Cmd::RouteN => (!compare::route_rows(shown).is_empty()).then_some("`route -n`'s rows"),
        Cmd::Kubectl(k) => match &k.action {
            KubeAction::Exec { cmd, .. } => read(cmd, shown),
            _ => None,
        },
        _ => None,
    }
}

/// A line as `ip route` prints a route: a destination (`default`, an
/// address or a prefix) then `via ADDR` or `dev NAME`.
fn is_ip_route_line(line: &str) -> bool {
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

/// A line `NAME=value` with an upper-case name (an env file's).
fn is_setting_line(line: &str) -> bool {
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
    use super::reads_as;

    fn lines(s: &str) -> Vec<String> {
        s.lines().map(String::from).collect()
    }

    /// probe21av, finding 2: a reply, the statistics, an rtt line, a
    /// curl's status; not a header alone (the `lt3` repeat), not prose,
    /// not a command without a reading.
    #[test]
    fn what_reads_as_a_commands_output() {
        let reply = lines("64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.403 ms");
        assert!(reads_as("ping 10.244.3.3", &reply).is_some());
        assert!(reads_as("ping -c 1 10.244.3.3 | grep ttl", &reply).is_some());
        assert!(reads_as("kubectl exec web -- ping -c 1 10.244.3.3", &reply).is_some());
        let rtt = lines("rtt min/avg/max/mdev = 0.403/0.450/0.500/0.040 ms");
        assert!(reads_as("ping -c 3 10.244.3.3", &rtt).is_some());
        let header = lines("PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.");
        assert!(reads_as("ping -c 1 10.244.3.3", &header).is_none());
        assert!(reads_as("ping -c 1 10.244.3.3", &lines("The reply came.")).is_none());
        assert!(
            reads_as(
                "curl -s -o /dev/null -w \"%{http_code}\" 10.244.3.3",
                &lines("200")
            )
            .is_some()
        );
        assert!(reads_as("ip route", &reply).is_none());
        // probe21aw: a line of prose among ping's own; `ip route`'s routes
        // and a file's settings.
        let mixed = lines(
            "Replies from the pod on node2:\n64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.4 ms",
        );
        assert!(reads_as("ping 10.244.3.3", &mixed).is_some());
        let route = lines("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink");
        assert!(reads_as("ip route", &route).is_some());
        assert!(reads_as("ip route | grep 10.244", &route).is_some());
        assert!(reads_as("ip route", &lines("The routes are fine.")).is_none());
        let env = lines("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24");
        assert!(reads_as("cat /run/flannel/subnet.env", &env).is_some());
        assert!(reads_as("cat /run/flannel/subnet.env", &lines("a=b is fine")).is_none());
        assert!(reads_as("ping -c 1 10.244.3.3", &lines("\n...\n")).is_none());
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
