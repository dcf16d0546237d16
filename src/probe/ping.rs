//! `ping: <target>` from a node or a pod: one ICMP echo (with one retry when
//! a reply is expected), judged as reachable (with its TTL) or not. An
//! `unreachable` passes only on a real no-reply: none within the deadline,
//! or an ICMP error, which the report shows.

use super::expect::{Accepts, Expect};
use super::parse::Resolver;
use super::target::{Endpoint, Target, nodes_of};
use super::{At, Cx, Judged, Place, Probe, ProbeKind, Traffic, held, misfit};
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
            let cmd = command(ip, matches!(expect, Expect::Reachable { .. }));
            let out = cx.run_from(&self.from, &cmd).await?;
            let (v, t) = judge(expect, &parse(out.code, &out.text()));
            Ok((v, t, format!("$ {cmd}\n{}", out.text())))
        }
        .await;
        vec![Judged::of(self, seen).replay(traffic)]
    }
}

/// One ICMP echo with a one-second deadline; when a reply is expected, one
/// retry (a first packet may wait for ARP). An expected-unreachable check thus
/// costs about a second.
pub fn command(ip: Ipv4Addr, expect_reply: bool) -> String {
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

/// The TTL of the first reply ping printed (`ttl=63`).
pub fn ttl(out: &str) -> Option<u8> {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix("ttl=").and_then(|t| t.parse().ok()))
}

pub fn parse(code: Option<i32>, out: &str) -> PingResult {
    let ttl = ttl(out);
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
            held(true, format!("unreachable ({detail})"))
        }
        (Expect::Unreachable, PingResult::Reply { ttl }) => held(false, ttl_text(*ttl)),
        (e, _) => misfit(e, "a ping"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(parse(Some(0), ok), PingResult::Reply { ttl: Some(63) });
        assert_eq!(
            parse(Some(1), "1 packets transmitted, 0 received"),
            PingResult::NoReply {
                detail: "no reply within 1s".into()
            }
        );
        let unreach = "From 10.244.1.1 icmp_seq=1 Destination Net Unreachable\n";
        assert!(
            matches!(parse(Some(1), unreach), PingResult::NoReply { detail } if detail.contains("Net Unreachable"))
        );
        assert!(matches!(
            parse(Some(2), "ping: connect: Network is unreachable"),
            PingResult::Broken { .. }
        ));
        assert!(matches!(
            parse(Some(127), "sh: ping: not found"),
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
            parse(Some(1), ttl),
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
                parse(Some(1), &format!("{line}\n")),
                PingResult::NoReply {
                    detail: what.into()
                }
            );
        }
        // An error counted without its line still says an error came back.
        assert_eq!(
            parse(
                Some(1),
                "1 packets transmitted, 0 received, +1 errors, 100% packet loss\n"
            ),
            PingResult::NoReply {
                detail: "an ICMP error came back".into()
            }
        );
    }
}
