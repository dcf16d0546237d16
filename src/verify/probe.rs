//! Probes: the shell command each check runs on a node, and what its output
//! means. Pure functions, shared by every provider, tested without a lab.

use crate::exec::quote;
use std::net::Ipv4Addr;

/// Printed first inside a pod, so that a probe that never got into its pod
/// (namespace gone, container gone) is an error, not a network verdict.
pub const IN_POD: &str = "LAB-IN-POD";

/// Wrap `cmd` to run inside a pod through the provider's `exec_prefix`.
pub fn in_pod(prefix: &str, cmd: &str) -> String {
    format!("{prefix} sh -c {}", quote(&format!("echo {IN_POD}; {cmd}")))
}

/// Whether a pod-side command got into its pod; strips the marker.
pub fn entered_pod(stdout: &str) -> Option<String> {
    let mut lines = stdout.lines();
    for l in lines.by_ref() {
        if l.trim() == IN_POD {
            return Some(lines.collect::<Vec<_>>().join("\n"));
        }
    }
    None
}

/// One ICMP echo with a one-second deadline; when a reply is expected, one
/// retry (a first packet may wait for ARP). An expected-unreachable check thus
/// costs about a second.
pub fn ping(ip: Ipv4Addr, expect_reply: bool) -> String {
    let one = format!("ping -n -c 1 -W 1 {ip}");
    if expect_reply {
        format!("{one} || {one}")
    } else {
        one
    }
}

/// What a ping run says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingResult {
    /// A reply, with its TTL.
    Reply { ttl: Option<u8> },
    /// No reply: none within the deadline, or an ICMP error came back
    /// (`detail` says which: "From 10.244.1.1: Time to live exceeded").
    /// Either way the network said no.
    NoReply { detail: String },
    /// ping itself could not run as asked.
    Broken { detail: String },
}

pub fn parse_ping(code: Option<i32>, out: &str) -> PingResult {
    let ttl = out
        .split_whitespace()
        .find_map(|w| w.strip_prefix("ttl=").and_then(|t| t.parse().ok()));
    match code {
        Some(0) => PingResult::Reply { ttl },
        Some(1) => PingResult::NoReply {
            detail: icmp_error(out).unwrap_or_else(|| "no reply within 1s".to_string()),
        },
        other => PingResult::Broken {
            detail: format!("ping exited {other:?}: {}", out.trim()),
        },
    }
}

/// What came back instead of a reply: iputils prints an ICMP error as
/// `From 10.244.1.1 icmp_seq=1 Time to live exceeded` (older versions with
/// a colon after the address), and counts it as `+1 errors`.
fn icmp_error(out: &str) -> Option<String> {
    let from_line = out.lines().find_map(|l| {
        let mut words = l.trim().strip_prefix("From ")?.split_whitespace();
        let from = words.next()?.trim_end_matches(':');
        let what: Vec<&str> = words.filter(|w| !w.starts_with("icmp_seq=")).collect();
        Some(format!("From {from}: {}", what.join(" ")))
    });
    from_line.or_else(|| {
        out.split(',')
            .any(|part| {
                part.trim()
                    .strip_suffix(" errors")
                    .and_then(|n| n.strip_prefix('+'))
                    .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n > 0))
            })
            .then(|| "an ICMP error came back".to_string())
    })
}

/// An HTTP GET with short deadlines; prints the status and curl's exit code.
pub fn http(ip: Ipv4Addr, port: u16, path: &str) -> String {
    format!(
        "curl -sS -o /dev/null -w '%{{http_code}}' --connect-timeout 1 --max-time 2 http://{ip}:{port}{path}; echo \" curl-exit=$?\""
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpResult {
    Status(u16),
    /// No answer within the deadline.
    Timeout,
    /// The address answered but nothing listens on the port.
    Refused,
    Broken {
        detail: String,
    },
}

pub fn parse_http(out: &str) -> HttpResult {
    let Some(exit) = out
        .split_whitespace()
        .find_map(|w| w.strip_prefix("curl-exit="))
    else {
        return HttpResult::Broken {
            detail: format!("curl did not run: {}", out.trim()),
        };
    };
    match exit {
        "0" => out
            .split_whitespace()
            .next()
            .and_then(|s| s.parse().ok())
            .map(HttpResult::Status)
            .unwrap_or(HttpResult::Broken {
                detail: out.trim().into(),
            }),
        "28" => HttpResult::Timeout,
        "7" => HttpResult::Refused,
        e => HttpResult::Broken {
            detail: format!("curl exited {e}: {}", out.trim()),
        },
    }
}

/// Start tcpdump on `iface` for ICMP to or from `ip`, wait until it listens,
/// run `traffic`, and print what it saw (at most 4 packets). The wait for
/// tcpdump is generous (10 s): on a busy host (another lab being built holds
/// the kernel's rtnl lock) it has been seen to take over 3 s to start, and
/// traffic sent before it listens is not seen.
pub fn capture(iface: &str, ip: Ipv4Addr, traffic: &str) -> String {
    format!(
        "f=$(mktemp); timeout 15 tcpdump -l -n -i {iface} -c 4 'icmp and host {ip}' >\"$f\" 2>&1 & t=$!; \
         for _ in $(seq 100); do grep -q 'listening on' \"$f\" && break; sleep 0.1; done; \
         {traffic} >/dev/null 2>&1; sleep 0.2; kill $t 2>/dev/null; wait $t; cat \"$f\"; rm -f \"$f\""
    )
}

/// The route a node has for `net` (exact match) or, for one address, takes.
pub fn route(net: ipnet::Ipv4Net) -> String {
    if net.prefix_len() == 32 {
        format!("ip -4 route get {}", net.addr())
    } else {
        format!("ip -4 route show exact {net}")
    }
}

/// `dev` and `via` of the first route line.
pub fn parse_route(out: &str) -> (Option<String>, Option<Ipv4Addr>) {
    let line = out.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let words: Vec<&str> = line.split_whitespace().collect();
    let after = |k: &str| words.windows(2).find(|w| w[0] == k).map(|w| w[1]);
    (
        after("dev").map(str::to_string),
        after("via").and_then(|v| v.parse().ok()),
    )
}

/// Ping every address once, in parallel; prints the unreachable ones.
pub fn mesh(ips: &[Ipv4Addr]) -> String {
    let list: Vec<String> = ips.iter().map(|i| i.to_string()).collect();
    format!("fping -u -r 1 -t 500 -i 1 {}", list.join(" "))
}

/// The targets of a [`mesh`] sweep that did not answer, each with the ICMP
/// error that came back for it, if one did:
/// `10.244.2.2 (From 10.244.1.1: Time Exceeded)`. fping prints the
/// unanswered targets on stdout and each ICMP error on stderr
/// (`ICMP Time Exceeded from 10.244.1.1 for ICMP Echo sent to 10.244.2.2`),
/// one per probe: those explain a target, they are not more targets.
pub fn parse_mesh(stdout: &str, stderr: &str) -> Vec<String> {
    let errors: Vec<(&str, String)> = stderr
        .lines()
        .filter_map(|l| {
            let (what, rest) = l.trim().strip_prefix("ICMP ")?.split_once(" from ")?;
            let (from, to) = rest.split_once(" for ICMP Echo sent to ")?;
            Some((
                to.split_whitespace().next()?,
                format!("From {from}: {what}"),
            ))
        })
        .collect();
    stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(|target| match errors.iter().find(|(to, _)| *to == target) {
            Some((_, what)) => format!("{target} ({what})"),
            None => target.to_string(),
        })
        .collect()
}

/// The value of `KEY=value` in a file like subnet.env.
pub fn env_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix(&format!("{key}="))
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_outputs() {
        let ok = "64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.1 ms\n";
        assert_eq!(parse_ping(Some(0), ok), PingResult::Reply { ttl: Some(63) });
        assert_eq!(
            parse_ping(Some(1), "1 packets transmitted, 0 received"),
            PingResult::NoReply {
                detail: "no reply within 1s".into()
            }
        );
        let unreach = "From 10.244.1.1 icmp_seq=1 Destination Net Unreachable\n";
        assert!(
            matches!(parse_ping(Some(1), unreach), PingResult::NoReply { detail } if detail.contains("Net Unreachable"))
        );
        assert!(matches!(
            parse_ping(Some(2), "ping: connect: Network is unreachable"),
            PingResult::Broken { .. }
        ));
        assert!(matches!(
            parse_ping(Some(127), "sh: ping: not found"),
            PingResult::Broken { .. }
        ));
    }

    #[test]
    fn an_icmp_error_says_what_came_back() {
        let ttl = "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n\
                   From 10.244.1.1 icmp_seq=1 Time to live exceeded\n\n\
                   --- 10.244.2.2 ping statistics ---\n\
                   1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n";
        assert_eq!(
            parse_ping(Some(1), ttl),
            PingResult::NoReply {
                detail: "From 10.244.1.1: Time to live exceeded".into()
            }
        );
        for (line, what) in [
            (
                "From 10.0.2.15 icmp_seq=1 Destination Host Unreachable",
                "From 10.0.2.15: Destination Host Unreachable",
            ),
            (
                "From 10.244.1.1: icmp_seq=1 Destination Net Unreachable",
                "From 10.244.1.1: Destination Net Unreachable",
            ),
            (
                "From 10.244.1.1 icmp_seq=1 Packet filtered",
                "From 10.244.1.1: Packet filtered",
            ),
        ] {
            assert_eq!(
                parse_ping(Some(1), &format!("{line}\n")),
                PingResult::NoReply {
                    detail: what.into()
                }
            );
        }
        // An error counted without its line still says an error came back.
        assert_eq!(
            parse_ping(
                Some(1),
                "1 packets transmitted, 0 received, +1 errors, 100% packet loss\n"
            ),
            PingResult::NoReply {
                detail: "an ICMP error came back".into()
            }
        );
    }

    #[test]
    fn a_mesh_counts_targets_and_says_what_came_back() {
        let stderr = "ICMP Time Exceeded from 10.244.1.1 for ICMP Echo sent to 10.244.2.2\n\
                      ICMP Time Exceeded from 10.244.1.1 for ICMP Echo sent to 10.244.2.2\n";
        assert_eq!(
            parse_mesh("10.244.2.2\n10.244.3.2\n", stderr),
            ["10.244.2.2 (From 10.244.1.1: Time Exceeded)", "10.244.3.2"]
        );
        assert!(parse_mesh("", "").is_empty());
    }

    #[test]
    fn http_outputs() {
        assert_eq!(parse_http("200 curl-exit=0"), HttpResult::Status(200));
        assert_eq!(parse_http("000 curl-exit=28"), HttpResult::Timeout);
        assert_eq!(
            parse_http("000curl: (7) Failed to connect curl-exit=7"),
            HttpResult::Refused
        );
        assert!(matches!(
            parse_http("sh: curl: not found"),
            HttpResult::Broken { .. }
        ));
    }

    #[test]
    fn routes_and_env() {
        let r = "10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink \n";
        assert_eq!(
            parse_route(r),
            (
                Some("flannel.1".into()),
                Some("10.244.2.0".parse().unwrap())
            )
        );
        assert_eq!(parse_route(""), (None, None));
        assert_eq!(
            env_value(
                "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n",
                "FLANNEL_SUBNET"
            )
            .as_deref(),
            Some("10.244.1.1/24")
        );
    }

    #[test]
    fn pod_marker() {
        assert_eq!(
            entered_pod("LAB-IN-POD\nPING x\n").as_deref(),
            Some("PING x")
        );
        assert_eq!(entered_pod("Cannot open network namespace"), None);
        assert_eq!(
            in_pod("ip netns exec p", "ping -c 1 1.2.3.4"),
            "ip netns exec p sh -c 'echo LAB-IN-POD; ping -c 1 1.2.3.4'"
        );
    }
}
