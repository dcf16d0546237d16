//! `ping: <target>` from a node or a pod: one ICMP echo (with one retry when
//! a reply is expected), judged as reachable (with its TTL) or not. An
//! `unreachable` passes only on evidence, and the result says which decided
//! it: the kernel's own verdict on the path ([`super::path`]: no route, or
//! an FDB entry that sends the packet back to the node), an ICMP error that
//! came back, or no reply within a deadline derived from the lab's measured
//! round-trip time ([`super::deadline`]).

use super::deadline::Deadline;
use super::expect::{Accepts, Expect};
use super::parse::Resolver;
use super::target::{Endpoint, Target, nodes_of};
use super::{At, Cx, Judged, Place, Probe, ProbeKind, Traffic, held, misfit, path};
use crate::report::Verdict;
use async_trait::async_trait;
use serde_norway::Value;
use std::net::Ipv4Addr;
use std::sync::Arc;

pub struct Kind;

impl ProbeKind for Kind {
    fn key(&self) -> &'static str {
        "ping"
    }
    fn place(&self) -> Place {
        Place::From
    }
    fn parse(&self, r: &mut Resolver, at: At, v: &Value) -> Option<Arc<dyn Probe>> {
        let At::From(from) = at else { return None };
        let to = r.target(v, "ping")?;
        Some(Arc::new(Ping { from, to }))
    }
    fn programs(&self) -> &'static [&'static str] {
        &["ping"]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    pub from: Endpoint,
    pub to: Target,
}

#[async_trait]
impl Probe for Ping {
    fn label(&self) -> String {
        format!("{} → {}", self.from, self.to)
    }
    fn nodes(&self) -> Vec<String> {
        nodes_of(self.from.node(), self.to.node())
    }
    fn accepts(&self) -> Accepts {
        Accepts::REACH
    }
    async fn check(&self, cx: &Cx<'_>, expect: &Expect) -> Vec<Judged> {
        let mut traffic = None;
        let seen = async {
            let ip = cx.ip(&self.to)?;
            traffic = Some(Traffic {
                from: self.from.clone(),
                to: ip,
                command: command(ip, false),
            });
            if *expect != Expect::Unreachable {
                let cmd = command(ip, true);
                let out = cx.run_from(&self.from, &cmd).await?;
                let (v, t) = judge(expect, &parse(out.code, &out.text(), "1 s, twice"));
                return Ok((v, t, format!("$ {cmd}\n{}", out.text())));
            }
            // Expected unreachable: the kernel's tables first, then one echo
            // and a wait derived from the lab's round-trip time.
            let (deadline, mut text) = match path::unreachable(cx, &self.from, ip).await? {
                path::Unreachable::Decided(judged) => return Ok(judged),
                path::Unreachable::Wait(deadline, text) => (deadline, text),
            };
            let cmd = command_within(ip, &deadline);
            let out = cx.run_from(&self.from, &cmd).await?;
            let seen = parse(out.code, &out.text(), &deadline.to_string());
            text.push_str(&format!("$ {cmd}\n{}", out.text()));
            let (v, t) = judge(expect, &seen);
            Ok((v, t, text))
        }
        .await;
        vec![Judged::of(self, seen).replay(traffic)]
    }
}

/// One ICMP echo with a one-second deadline; when a reply is expected, one
/// retry (a first packet may wait for ARP). Waiting is what a failure costs.
pub fn command(ip: Ipv4Addr, expect_reply: bool) -> String {
    let one = format!("ping -n -c 1 -W 1 {ip}");
    if expect_reply {
        format!("{one} || {one}")
    } else {
        one
    }
}

/// One ICMP echo that is expected to get no reply: waits `deadline`.
pub fn command_within(ip: Ipv4Addr, deadline: &Deadline) -> String {
    format!("ping -n -c 1 -W {} {ip}", deadline.seconds())
}

/// What a ping run says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingResult {
    /// A reply, with its TTL.
    Reply { ttl: Option<u8> },
    /// No reply: none within the deadline, or an ICMP error came back
    /// (`detail` says which: "ICMP Time to live exceeded from 10.244.1.1").
    /// Either way the network said no.
    NoReply { detail: String },
    /// ping itself could not run as asked.
    Broken { detail: String },
}

/// The TTL of the first reply ping printed (`ttl=63`).
pub fn ttl(out: &str) -> Option<u8> {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix("ttl=").and_then(|t| t.parse().ok()))
}

/// What ping said; `waited`: how long it waited for a reply, in words.
pub fn parse(code: Option<i32>, out: &str, waited: &str) -> PingResult {
    let ttl = ttl(out);
    match code {
        Some(0) => PingResult::Reply { ttl },
        Some(1) => PingResult::NoReply {
            detail: icmp_error(out).unwrap_or_else(|| format!("no reply within {waited}")),
        },
        other => PingResult::Broken {
            detail: format!("ping exited {other:?}: {}", out.trim()),
        },
    }
}

/// What came back instead of a reply: iputils prints an ICMP error as
/// `From 10.244.1.1 icmp_seq=1 Time to live exceeded` (older versions with
/// a colon after the address), and counts it as `+1 errors`; said as
/// `ICMP Time to live exceeded from 10.244.1.1`.
fn icmp_error(out: &str) -> Option<String> {
    let from_line = out.lines().find_map(|l| {
        let mut words = l.trim().strip_prefix("From ")?.split_whitespace();
        let from = words.next()?.trim_end_matches(':');
        let what: Vec<&str> = words.filter(|w| !w.starts_with("icmp_seq=")).collect();
        Some(format!("ICMP {} from {from}", what.join(" ")))
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

fn ttl_text(ttl: Option<u8>) -> String {
    format!(
        "reachable, ttl {}",
        ttl.map_or("?".into(), |t| t.to_string())
    )
}

/// Compare a ping's answer with what is expected.
pub fn judge(expect: &Expect, seen: &PingResult) -> (Verdict, String) {
    match (expect, seen) {
        (_, PingResult::Broken { detail }) => (Verdict::Error, detail.clone()),
        (Expect::Reachable { ttl }, PingResult::Reply { ttl: got }) => {
            held(ttl.is_none() || ttl == got, ttl_text(*got))
        }
        (Expect::Reachable { .. }, PingResult::NoReply { detail }) => {
            held(false, format!("unreachable ({detail})"))
        }
        (Expect::Unreachable, PingResult::NoReply { detail }) => {
            held(true, format!("unreachable (decided by: {detail})"))
        }
        (Expect::Unreachable, PingResult::Reply { ttl }) => held(false, ttl_text(*ttl)),
        (e, _) => misfit(e, "a ping"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::path::tests::node1;
    use crate::probe::tests::{cx_with, lab};
    use crate::session::Output;
    use crate::session::fake::FakeSession;

    fn out(code: i32, stdout: &str) -> Output {
        Output {
            code: Some(code),
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    /// node1 → pod nginx@node2 expected unreachable, node1's tables as
    /// `tables` and its echo answered by `echo`; (verdict, observed, what ran).
    async fn across(tables: &str, echo: Output) -> (Verdict, String, Vec<String>) {
        let lab = lab();
        let s = FakeSession::new()
            .on("node1", "ip -4 route get 10.244.2.2", tables)
            .on(
                "master",
                "ping -n -c 1 -W 1 10.100.198.201",
                "64 bytes from 10.100.198.201: icmp_seq=1 ttl=64 time=0.050 ms\n",
            )
            .on_out("node1", "ping -n -c 1 -W 0.100 10.244.2.2", echo);
        let ping = Ping {
            from: Endpoint::Node("node1".into()),
            to: Target::Pod {
                app: "nginx".into(),
                on: "node2".into(),
            },
        };
        let j = ping.check(&cx_with(&lab, &s), &Expect::Unreachable).await;
        (j[0].verdict, j[0].observed.clone(), s.ran())
    }

    #[tokio::test]
    async fn the_kernels_verdict_decides_without_an_echo() {
        let (v, seen, ran) = across(&node1(true), out(0, "")).await;
        assert_eq!(v, Verdict::Pass);
        assert_eq!(
            seen,
            "unreachable (decided by: flannel.1's FDB sends 10.244.2.2 (next hop \
             10.244.2.0, 0e:8b:6c:ed:00:02) to this node's own VTEP 10.0.2.15)"
        );
        assert!(!ran.iter().any(|c| c.contains("ping")), "{ran:?}");
    }

    #[tokio::test]
    async fn without_a_verdict_an_echo_decides_and_a_reply_fails() {
        // The FDB sends node2's frames to node2: no verdict; the echo waits
        // the floor (the measured RTT is 50 µs).
        let reply = out(
            0,
            "64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.1 ms\n",
        );
        let (v, seen, _) = across(&node1(false), reply).await;
        assert_eq!((v, seen.as_str()), (Verdict::Fail, "reachable, ttl 63"));
        let silence = out(1, "1 packets transmitted, 0 received, 100% packet loss\n");
        let (v, seen, ran) = across(&node1(false), silence).await;
        assert_eq!(v, Verdict::Pass, "{ran:?}");
        assert_eq!(
            seen,
            "unreachable (decided by: no reply within 100 ms, the floor (10× the \
             measured RTT 0.05 ms is less))"
        );
        let icmp = out(1, "From 10.244.1.1 icmp_seq=1 Time to live exceeded\n");
        let (v, seen, _) = across(&node1(false), icmp).await;
        assert_eq!(v, Verdict::Pass);
        assert_eq!(
            seen,
            "unreachable (decided by: ICMP Time to live exceeded from 10.244.1.1)"
        );
    }

    #[test]
    fn unreachable_passes_only_on_no_reply() {
        let e = Expect::Unreachable;
        let no = PingResult::NoReply { detail: "x".into() };
        assert_eq!(judge(&e, &no).0, Verdict::Pass);
        assert_eq!(
            judge(&e, &PingResult::Reply { ttl: Some(63) }).0,
            Verdict::Fail
        );
        let broken = PingResult::Broken { detail: "x".into() };
        assert_eq!(judge(&e, &broken).0, Verdict::Error);
    }

    #[test]
    fn reachable_checks_ttl() {
        let e = Expect::Reachable { ttl: Some(62) };
        assert_eq!(
            judge(&e, &PingResult::Reply { ttl: Some(62) }).0,
            Verdict::Pass
        );
        assert_eq!(
            judge(&e, &PingResult::Reply { ttl: Some(63) }).0,
            Verdict::Fail
        );
        let no = PingResult::NoReply { detail: "x".into() };
        assert_eq!(judge(&e, &no).0, Verdict::Fail);
    }

    #[test]
    fn ping_outputs() {
        let ok = "64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.1 ms\n";
        assert_eq!(
            parse(Some(0), ok, "1 s"),
            PingResult::Reply { ttl: Some(63) }
        );
        assert_eq!(
            parse(Some(1), "1 packets transmitted, 0 received", "1 s"),
            PingResult::NoReply {
                detail: "no reply within 1 s".into()
            }
        );
        let unreach = "From 10.244.1.1 icmp_seq=1 Destination Net Unreachable\n";
        assert!(
            matches!(parse(Some(1), unreach, "1 s"), PingResult::NoReply { detail } if detail.contains("Net Unreachable"))
        );
        assert!(matches!(
            parse(Some(2), "ping: connect: Network is unreachable", "1 s"),
            PingResult::Broken { .. }
        ));
        assert!(matches!(
            parse(Some(127), "sh: ping: not found", "1 s"),
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
            parse(Some(1), ttl, "1 s"),
            PingResult::NoReply {
                detail: "ICMP Time to live exceeded from 10.244.1.1".into()
            }
        );
        for (line, what) in [
            (
                "From 10.0.2.15 icmp_seq=1 Destination Host Unreachable",
                "ICMP Destination Host Unreachable from 10.0.2.15",
            ),
            (
                "From 10.244.1.1: icmp_seq=1 Destination Net Unreachable",
                "ICMP Destination Net Unreachable from 10.244.1.1",
            ),
            (
                "From 10.244.1.1 icmp_seq=1 Packet filtered",
                "ICMP Packet filtered from 10.244.1.1",
            ),
        ] {
            assert_eq!(
                parse(Some(1), &format!("{line}\n"), "1 s"),
                PingResult::NoReply {
                    detail: what.into()
                }
            );
        }
        // An error counted without its line still says an error came back.
        assert_eq!(
            parse(
                Some(1),
                "1 packets transmitted, 0 received, +1 errors, 100% packet loss\n",
                "1 s"
            ),
            PingResult::NoReply {
                detail: "an ICMP error came back".into()
            }
        );
    }
}
