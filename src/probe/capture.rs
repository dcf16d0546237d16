//! `capture: { iface, while: { ping: <target> } }` `on:` a node: tcpdump on
//! one of the node's interfaces while the node pings a target, judged by
//! what it saw (the chapter's "ICMP goes into the overlay").

use super::expect::{Accepts, Expect};
use super::parse::Resolver;
use super::run::judge_output;
use super::target::{Endpoint, Target, nodes_of};
use super::{Asked, At, Cx, Judged, Place, Probe, ProbeKind, Traffic, ping};
use async_trait::async_trait;
use serde_norway::Value;
use std::net::Ipv4Addr;
use std::sync::Arc;

pub struct Kind;

/// The capture's exit code when it cannot write its temporary files.
pub use super::listen::NO_TEMP_FILE;

/// `{ iface: flannel.1, while: { ping: ... } }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCapture {
    iface: Option<String>,
    #[serde(rename = "while")]
    during: Option<RawWhile>,
}

/// `{ ping: <target> }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWhile {
    ping: Option<Value>,
}

/// A Linux interface name: 1-15 of letters, digits, `.`, `_`, `-`.
pub fn is_iface(i: &str) -> bool {
    !i.is_empty()
        && i.len() <= 15
        && i.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

impl ProbeKind for Kind {
    fn key(&self) -> &'static str {
        "capture"
    }
    fn place(&self) -> Place {
        Place::On
    }
    fn parse(&self, r: &mut Resolver, at: At, v: &Value) -> Option<Arc<dyn Probe>> {
        let on = at.node();
        let raw: RawCapture = if v.is_mapping() {
            r.strict(v, "capture", |k| {
                format!("unknown key '{k}' (a capture probe has: iface, while)")
            })?
        } else {
            RawCapture {
                iface: None,
                during: None,
            }
        };
        let iface = match raw.iface {
            Some(i) if is_iface(&i) => i,
            Some(i) => {
                r.bad("capture.iface", format!("'{i}' is not an interface name"));
                return None;
            }
            None => {
                r.bad("capture.iface", "missing: the interface to capture on");
                return None;
            }
        };
        let Some(ping) = raw.during.and_then(|w| w.ping) else {
            r.bad(
                "capture.while",
                "missing: { ping: <target> }, the traffic to make while capturing",
            );
            return None;
        };
        let ping = r.target(&ping, "capture.while.ping")?;
        Some(Arc::new(Capture { on, iface, ping }))
    }
    fn programs(&self) -> &'static [&'static str] {
        &[
            "tcpdump", "timeout", "sh", "ping", "mktemp", "mkfifo", "cat", "rm",
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub on: String,
    pub iface: String,
    pub ping: Target,
}

#[async_trait]
impl Probe for Capture {
    fn label(&self) -> String {
        format!(
            "{}: tcpdump -i {} while ping {}",
            self.on, self.iface, self.ping
        )
    }
    fn nodes(&self) -> Vec<String> {
        nodes_of(&self.on, self.ping.node())
    }
    fn accepts(&self) -> Accepts {
        Accepts::OUTPUT
    }
    async fn check(&self, cx: &Cx<'_>, expect: &Expect) -> Vec<Judged> {
        let mut traffic = None;
        let seen = async {
            let ip = cx.ip(&self.ping)?;
            let deadline = cx.rtt.deadline(cx).await;
            let ping = ping::command_within(ip, &deadline);
            traffic = Some(Traffic {
                from: Endpoint::Node(self.on.clone()),
                to: ip,
                command: ping.clone(),
            });
            let cmd = command(&self.iface, ip, &ping);
            let o = cx.session.output(&self.on, &cmd, None).await?;
            if o.code == Some(NO_TEMP_FILE) {
                return Err(super::CouldNotAsk(format!(
                    "the capture on {} could not write its temporary files, so it saw nothing it could report: {}",
                    self.on,
                    o.stderr.trim()
                )));
            }
            if !super::listen::listened(&o.text()) {
                return Err(super::CouldNotAsk(format!(
                    "tcpdump -i {} on {} did not start: {}",
                    self.iface,
                    self.on,
                    o.text().lines().next().unwrap_or("no output").trim()
                )));
            }
            let text = format!("[{}] $ {cmd}\n{}", self.on, o.text());
            let (v, t) = judge_output(expect, &[(self.on.clone(), o)]);
            Asked::Ok((v, t, text))
        }
        .await;
        vec![Judged::of(self, seen).replay(traffic)]
    }
}

/// tcpdump on `iface` for ICMP to or from `ip` (at most 4 packets), and
/// `traffic` once it listens; prints what it saw (see [`super::listen`]).
/// Without its temporary files (a full disk) it exits [`NO_TEMP_FILE`]:
/// an error, never an empty capture judged as one.
pub fn command(iface: &str, ip: Ipv4Addr, traffic: &str) -> String {
    super::listen::script_one(iface, &format!("icmp and host {ip}"), 4, traffic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::tests::{cx_with, lab};
    use crate::report::Verdict;
    use crate::session::fake::FakeSession;

    #[tokio::test]
    async fn a_capture_without_its_temp_file_is_an_error_not_a_fail() {
        let lab = lab();
        let ip: Ipv4Addr = "10.244.2.2".parse().unwrap();
        // What the shell on a node does when it cannot make the file.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(command("lo", ip, "true"))
            .env("TMPDIR", "/nonexistent-lab-capture")
            .output()
            .unwrap();
        let out = crate::session::Output::new(out.status.code(), &out.stdout, &out.stderr);
        let s = FakeSession::new().on_out("node1", "tcpdump", out);
        let probe = Capture {
            on: "node1".into(),
            iface: "flannel.1".into(),
            ping: Target::Ip(ip),
        };
        let expect = Expect::Output {
            contains: vec!["ICMP echo request".into()],
            not_contains: vec![],
            distinct: None,
        };
        let j = probe.check(&cx_with(&lab, &s), &expect).await;
        assert_eq!(j[0].verdict, Verdict::Error, "{}", j[0].observed);
    }
}
