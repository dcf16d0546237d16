//! `mesh: { pods: <app>, from: pods | nodes }`: a generated full sweep,
//! every pod of `app` pings every other one (or every node pings every pod
//! of `app`) with one `fping` per source, run in the source's network
//! namespace alone and sending back to back; one result per source, so a
//! failure names its source and each target it could not reach, and its
//! diagnostics cover the source's node and the nodes of those targets.

use super::deadline::Deadline;
use super::expect::{Accepts, Expect};
use super::parse::Resolver;
use super::target::Endpoint;
use super::{Asked, At, Cx, Judged, Place, Probe, ProbeKind, Traffic, held, misfit, ping};
use crate::report::Verdict;
use crate::session::Output;
use async_trait::async_trait;
use futures::StreamExt;
use serde_norway::Value;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Instant;

pub struct Kind;

/// `{ pods: nginx, from: nodes }`
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMesh {
    pods: Option<String>,
    from: Option<String>,
}

impl ProbeKind for Kind {
    fn key(&self) -> &'static str {
        "mesh"
    }
    fn place(&self) -> Place {
        Place::Lab
    }
    fn parse(&self, r: &mut Resolver, _at: At, v: &Value) -> Option<Arc<dyn Probe>> {
        let raw: RawMesh = if v.is_mapping() {
            r.strict(v, "mesh", |k| {
                format!("unknown key '{k}' (a mesh probe has: pods, from)")
            })?
        } else {
            RawMesh {
                pods: None,
                from: None,
            }
        };
        let app = raw.pods.unwrap_or_default();
        r.app_ref("mesh.pods", &app)?;
        let from_nodes = match raw.from.as_deref() {
            None | Some("pods") => false,
            Some("nodes") => true,
            Some(other) => {
                r.bad(
                    "mesh.from",
                    format!("'{other}' is not a sweep source (pods or nodes)"),
                );
                return None;
            }
        };
        Some(Arc::new(Mesh { app, from_nodes }))
    }
    fn programs(&self) -> &'static [&'static str] {
        &["fping", "ping"]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mesh {
    pub app: String,
    /// Every node is a source (else every pod of `app`).
    pub from_nodes: bool,
}

/// A source's sweep, as run.
struct Sweep {
    name: String,
    from: Endpoint,
    targets: Vec<Ipv4Addr>,
}

#[async_trait]
impl Probe for Mesh {
    fn label(&self) -> String {
        if self.from_nodes {
            format!("every node → every {} pod", self.app)
        } else {
            format!("every {0} pod → every other {0} pod", self.app)
        }
    }
    fn nodes(&self) -> Vec<String> {
        vec![]
    }
    fn accepts(&self) -> Accepts {
        Accepts::REACH
    }
    fn results(&self, cx: &Cx) -> usize {
        if self.from_nodes {
            cx.lab.nodes.len()
        } else {
            cx.pods.iter().filter(|p| p.app == self.app).count().max(1)
        }
    }
    async fn check(&self, cx: &Cx<'_>, expect: &Expect) -> Vec<Judged> {
        let pods: Vec<_> = cx.pods.iter().filter(|p| p.app == self.app).collect();
        let sources: Vec<(String, Endpoint)> = if self.from_nodes {
            cx.lab
                .nodes
                .iter()
                .map(|n| (n.name.clone(), Endpoint::Node(n.name.clone())))
                .collect()
        } else {
            pods.iter()
                .map(|p| {
                    let from = Endpoint::Pod {
                        app: p.app.clone(),
                        on: p.node.clone(),
                    };
                    (p.name.clone(), from)
                })
                .collect()
        };
        let sweeps = sources.into_iter().map(|(name, from)| Sweep {
            targets: pods
                .iter()
                .filter(|p| p.name != name)
                .map(|p| p.ip)
                .collect(),
            name,
            from,
        });
        // Expected unreachable: one echo each, waiting a deadline derived
        // from the lab's round-trip time; else a reply is expected, and a
        // retry and half a second are what a failure costs.
        let wait = match expect {
            Expect::Unreachable => Some(cx.rtt.deadline(cx).await),
            _ => None,
        };
        futures::stream::iter(sweeps)
            .map(|s| async move {
                let started = Instant::now();
                let cmd = match &wait {
                    Some(d) => command_within(&s.targets, d),
                    None => command(&s.targets),
                };
                let r = sweep_from(cx, &s.from, &cmd).await;
                let mut j = self.judged(cx, &s, expect, r.map_err(|e| e.0), &cmd, wait.as_ref());
                j.elapsed = Some(started.elapsed());
                j
            })
            .buffered(super::CONCURRENCY)
            .collect()
            .await
    }
}

impl Mesh {
    fn judged(
        &self,
        cx: &Cx,
        s: &Sweep,
        expect: &Expect,
        r: Result<Output, String>,
        cmd: &str,
        wait: Option<&Deadline>,
    ) -> Judged {
        let mut unreached = Vec::new();
        let (verdict, observed, output) = match r {
            Err(e) => (Verdict::Error, format!("could not run: {e}"), String::new()),
            Ok(o) if o.code.is_some_and(|c| c >= 2) => (
                Verdict::Error,
                format!("fping exited {:?}: {}", o.code, o.text().trim()),
                o.text(),
            ),
            Ok(o) => {
                unreached = parse(&o.stdout, &o.stderr);
                let (v, mut t) = judge(expect, s.targets.len(), &unreached);
                if let (Some(d), Verdict::Pass) = (wait, v) {
                    t = format!("{t} (decided by: the ICMP error named, else no reply within {d})");
                }
                (v, t, format!("$ {cmd}\n{}", o.text()))
            }
        };
        // The source's node, and the nodes of the targets it missed.
        let missed: Vec<Ipv4Addr> = unreached
            .iter()
            .filter_map(|u| u.split_whitespace().next()?.parse().ok())
            .collect();
        let mut nodes = vec![s.from.node().to_string()];
        for p in cx.pods.iter().filter(|p| missed.contains(&p.ip)) {
            if !nodes.contains(&p.node) {
                nodes.push(p.node.clone());
            }
        }
        let to = missed.first().or(s.targets.first()).copied();
        Judged {
            suffix: format!(": from {}", s.name),
            label: format!("{} → {} {} pods", s.from, s.targets.len(), self.app),
            verdict,
            observed,
            output,
            elapsed: None,
            nodes,
            replay: to.map(|to| Traffic {
                from: s.from.clone(),
                to,
                command: ping::command(to, false),
            }),
        }
    }
}

/// Run a sweep's `fping` in its source's network: a node's or a pod's
/// network namespace alone (fping needs nothing of the node's files), so a
/// sweep from a thousand sources makes no mount namespace.
async fn sweep_from(cx: &Cx<'_>, from: &Endpoint, cmd: &str) -> Asked<Output> {
    Ok(match from {
        Endpoint::Node(n) => cx.session.output_net(n, cmd).await?,
        Endpoint::Pod { app, on } => cx.session.pod_output_net(cx.pod(app, on)?, cmd).await?,
    })
}

/// Ping every address, sent back to back (`-i 0`), one retry after 500 ms;
/// prints the unreachable ones.
pub fn command(ips: &[Ipv4Addr]) -> String {
    let list: Vec<String> = ips.iter().map(|i| i.to_string()).collect();
    format!("fping -u -r 1 -t 500 -i 0 {}", list.join(" "))
}

/// Ping every address once, expecting no reply: each waits `deadline`.
pub fn command_within(ips: &[Ipv4Addr], deadline: &Deadline) -> String {
    let list: Vec<String> = ips.iter().map(|i| i.to_string()).collect();
    format!(
        "fping -u -r 0 -t {} -i 0 {}",
        deadline.wait.as_millis().max(1),
        list.join(" ")
    )
}

/// The targets of a [`command`] sweep that did not answer, each with the ICMP
/// error that came back for it, if one did:
/// `10.244.2.2 (From 10.244.1.1: Time Exceeded)`. fping prints the
/// unanswered targets on stdout and each ICMP error on stderr
/// (`ICMP Time Exceeded from 10.244.1.1 for ICMP Echo sent to 10.244.2.2`),
/// one per probe: those explain a target, they are not more targets.
pub fn parse(stdout: &str, stderr: &str) -> Vec<String> {
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

/// Compare a sweep of `pairs` targets with what is expected.
pub fn judge(expect: &Expect, pairs: usize, unreachable: &[String]) -> (Verdict, String) {
    match expect {
        Expect::Reachable { .. } => {
            let ok = unreachable.is_empty();
            let text = if ok {
                format!("{pairs}/{pairs} reachable")
            } else {
                format!(
                    "{} of {pairs} unreachable: {}",
                    unreachable.len(),
                    unreachable.join(" ")
                )
            };
            held(ok, text)
        }
        Expect::Unreachable => {
            let mut text = format!("{} of {pairs} unreachable", unreachable.len());
            if !unreachable.is_empty() {
                text = format!("{text}: {}", unreachable.join(" "));
            }
            held(unreachable.len() == pairs, text)
        }
        e => misfit(e, "a sweep"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::tests::{cx_with, lab};
    use crate::session::fake::FakeSession;

    #[test]
    fn a_mesh_counts_targets_and_says_what_came_back() {
        let stderr = "ICMP Time Exceeded from 10.244.1.1 for ICMP Echo sent to 10.244.2.2\n\
                      ICMP Time Exceeded from 10.244.1.1 for ICMP Echo sent to 10.244.2.2\n";
        assert_eq!(
            parse("10.244.2.2\n10.244.3.2\n", stderr),
            ["10.244.2.2 (From 10.244.1.1: Time Exceeded)", "10.244.3.2"]
        );
        assert!(parse("", "").is_empty());
        let e = Expect::Reachable { ttl: None };
        assert_eq!(judge(&e, 2, &[]).0, Verdict::Pass);
        assert_eq!(judge(&e, 2, &["10.244.2.2".into()]).0, Verdict::Fail);
        assert_eq!(
            judge(&Expect::Unreachable, 1, &["x".into()]).0,
            Verdict::Pass
        );
        assert_eq!(
            judge(&Expect::Unreachable, 2, &["x".into()]).0,
            Verdict::Fail
        );
    }

    #[tokio::test]
    async fn an_unreachable_sweep_waits_the_derived_deadline_and_fails_on_a_reply() {
        let lab = lab();
        let none = Output {
            code: Some(1),
            stdout: "10.244.2.2\n".into(),
            stderr: String::new(),
        };
        let s = FakeSession::new()
            .on(
                "master",
                "ping -n -c 1 -W 1 10.100.198.201",
                "64 bytes from 10.100.198.201: icmp_seq=1 ttl=64 time=20.0 ms\n",
            )
            .in_pod("nginx-deployment-node1-0", "fping", none)
            .in_pod(
                "nginx-deployment-node2-0",
                "fping",
                Output {
                    code: Some(0),
                    stdout: String::new(),
                    stderr: String::new(),
                },
            );
        let mesh = Mesh {
            app: "nginx".into(),
            from_nodes: false,
        };
        let j = mesh.check(&cx_with(&lab, &s), &Expect::Unreachable).await;
        assert_eq!(j[0].verdict, Verdict::Pass, "{j:?}");
        assert_eq!(
            j[0].observed,
            "1 of 1 unreachable: 10.244.2.2 (decided by: the ICMP error named, \
             else no reply within 200 ms, 10× the measured RTT)"
        );
        // The other pod's target answered: the sweep fails.
        assert_eq!(j[1].verdict, Verdict::Fail, "{j:?}");
        assert!(
            s.ran()
                .iter()
                .any(|c| c.contains("fping -u -r 0 -t 200 -i 0")),
            "{:?}",
            s.ran()
        );
    }

    #[tokio::test]
    async fn one_result_per_source_each_naming_what_to_diagnose() {
        let lab = lab();
        let miss = Output {
            code: Some(1),
            stdout: "10.244.2.2\n".into(),
            stderr: String::new(),
        };
        let s = FakeSession::new()
            .on_out("master", "fping", miss.clone())
            .on_out("node1", "fping", miss)
            .on("node2", "fping", "");
        let mesh = Mesh {
            app: "nginx".into(),
            from_nodes: true,
        };
        let cx = cx_with(&lab, &s);
        assert_eq!(mesh.results(&cx), 3);
        let j = mesh.check(&cx, &Expect::Reachable { ttl: None }).await;
        let got: Vec<(&str, Verdict)> = j.iter().map(|j| (j.suffix.as_str(), j.verdict)).collect();
        assert_eq!(
            got,
            [
                (": from master", Verdict::Fail),
                (": from node1", Verdict::Fail),
                (": from node2", Verdict::Pass)
            ]
        );
        // A failed source names its node and the node of the pod it missed,
        // and the ping to make again under a capture.
        assert_eq!(j[1].nodes, ["node1", "node2"]);
        let replay = j[1].replay.clone().unwrap();
        assert_eq!(replay.from, Endpoint::Node("node1".into()));
        assert_eq!(replay.to.to_string(), "10.244.2.2");
        // A source that cannot be asked is an error.
        let s = FakeSession::new().unreached("node1", "fping", "gone");
        let mesh = Mesh {
            app: "nginx".into(),
            from_nodes: false,
        };
        let j = mesh
            .check(&cx_with(&lab, &s), &Expect::Reachable { ttl: None })
            .await;
        assert_eq!(j.len(), 2);
        assert!(j.iter().all(|j| j.verdict != Verdict::Pass), "{j:?}");
    }
}
