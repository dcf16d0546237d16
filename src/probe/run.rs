//! `run: <command>` `on:` a node, `all` or `workers`: a command the lab file
//! gives, judged by what its output contains or lacks, or by a `KEY=value`
//! that must differ on every node (`distinct: FLANNEL_SUBNET`).
//!
//! The command is the lab author's; it runs on the lab's own nodes (their
//! namespaces and their own files), as `lab ssh <node> -- <command>` would.

use super::expect::{Accepts, Expect};
use super::parse::Resolver;
use super::{Asked, At, Cx, Judged, Place, Probe, ProbeKind, misfit};
use crate::report::Verdict;
use crate::session::Output;
use async_trait::async_trait;
use serde_norway::Value;
use std::sync::Arc;

pub struct Kind;

impl ProbeKind for Kind {
    fn key(&self) -> &'static str {
        "run"
    }
    fn place(&self) -> Place {
        Place::OnMany
    }
    fn parse(&self, r: &mut Resolver, at: At, v: &Value) -> Option<Arc<dyn Probe>> {
        let At::On(on) = at else { return None };
        let Some(command) = v.as_str() else {
            r.bad("run", "must be a command line (a string)");
            return None;
        };
        Some(Arc::new(Run {
            on,
            command: command.to_string(),
        }))
    }
    fn programs(&self) -> &'static [&'static str] {
        // The lab file's command: whatever it names, the node has or not.
        &[]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub on: Vec<String>,
    pub command: String,
}

#[async_trait]
impl Probe for Run {
    fn label(&self) -> String {
        format!(
            "{} $ {}",
            if self.on.len() > 2 {
                "all".into()
            } else {
                self.on.join(",")
            },
            self.command
        )
    }
    fn nodes(&self) -> Vec<String> {
        self.on.clone()
    }
    fn accepts(&self) -> Accepts {
        Accepts::OUTPUT
    }
    fn check_expectation(&self, r: &mut Resolver, e: &Expect, field: &str) {
        if let Expect::Output {
            distinct: Some(_), ..
        } = e
            && self.on.len() < 2
        {
            r.bad(
                &format!("{field}.distinct"),
                "distinct compares several nodes: use it with on: all",
            );
        }
    }
    async fn check(&self, cx: &Cx<'_>, expect: &Expect) -> Vec<Judged> {
        let runs = self
            .on
            .iter()
            .map(|n| async move { (n.clone(), cx.session.output(n, &self.command, None).await) });
        let seen = async {
            let mut outs = Vec::new();
            let mut text = String::new();
            for (n, r) in futures::future::join_all(runs).await {
                let o = r?;
                text.push_str(&format!("[{n}] $ {}\n{}\n", self.command, o.text()));
                outs.push((n, o));
            }
            let (v, t) = judge_output(expect, &outs);
            Asked::Ok((v, t, text))
        }
        .await;
        vec![Judged::of(self, seen)]
    }
}

/// Judge outputs per node against an output expectation.
pub fn judge_output(expect: &Expect, outs: &[(String, Output)]) -> (Verdict, String) {
    let Expect::Output {
        contains,
        not_contains,
        distinct,
    } = expect
    else {
        return misfit(expect, "a command's output");
    };
    let mut problems = Vec::new();
    for (node, o) in outs {
        if !o.ok() {
            problems.push(format!(
                "{node}: exit {:?}: {}",
                o.code,
                o.text().lines().next().unwrap_or("")
            ));
            continue;
        }
        let text = o.text();
        for c in contains {
            if !text.contains(c.as_str()) {
                problems.push(format!("{node}: no {c:?}"));
            }
        }
        for c in not_contains {
            if text.contains(c.as_str()) {
                problems.push(format!("{node}: has {c:?}"));
            }
        }
    }
    let mut summary = Vec::new();
    if let Some(key) = distinct {
        let mut seen: Vec<(String, String)> = Vec::new();
        for (node, o) in outs {
            match env_value(&o.stdout, key) {
                Some(v) => {
                    if let Some((other, _)) = seen.iter().find(|(_, x)| *x == v) {
                        problems.push(format!("{key}={v} on both {other} and {node}"));
                    }
                    seen.push((node.clone(), v));
                }
                None => problems.push(format!("{node}: no {key}")),
            }
        }
        summary = seen.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    }
    if problems.is_empty() {
        let text = if summary.is_empty() {
            let first = outs
                .iter()
                .flat_map(|(_, o)| o.stdout.lines())
                .find(|l| contains.iter().any(|c| l.contains(c.as_str())));
            first.unwrap_or("as expected").trim().to_string()
        } else {
            summary.join(", ")
        };
        (Verdict::Pass, text)
    } else {
        (Verdict::Fail, problems.join("; "))
    }
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
    use crate::probe::tests::{cx_with, lab};
    use crate::session::fake::FakeSession;

    fn out(code: i32, stdout: &str) -> Output {
        Output {
            code: Some(code),
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    #[test]
    fn distinct_and_contains() {
        let e = Expect::Output {
            contains: vec!["FLANNEL_NETWORK=10.244.0.0/16".into()],
            not_contains: vec![],
            distinct: Some("FLANNEL_SUBNET".into()),
        };
        let a = out(
            0,
            "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.0.1/24\n",
        );
        let b = out(
            0,
            "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\n",
        );
        let pair = |x: &Output, y: &Output| vec![("m".into(), x.clone()), ("n".into(), y.clone())];
        assert_eq!(judge_output(&e, &pair(&a, &b)).0, Verdict::Pass);
        assert_eq!(judge_output(&e, &pair(&a, &a)).0, Verdict::Fail);
        assert_eq!(
            env_value(&b.stdout, "FLANNEL_SUBNET").as_deref(),
            Some("10.244.1.1/24")
        );
    }

    #[tokio::test]
    async fn a_node_that_cannot_be_asked_is_an_error_not_a_fail() {
        let lab = lab();
        let s = FakeSession::new()
            .on("node1", "cat", "FLANNEL_SUBNET=10.244.1.1/24\n")
            .unreached("node2", "cat", "namespace gone");
        let probe = Run {
            on: vec!["node1".into(), "node2".into()],
            command: "cat /run/flannel/subnet.env".into(),
        };
        let e = Expect::Output {
            contains: vec![],
            not_contains: vec![],
            distinct: Some("FLANNEL_SUBNET".into()),
        };
        let j = probe.check(&cx_with(&lab, &s), &e).await;
        assert_eq!(j[0].verdict, Verdict::Error, "{j:?}");
        assert!(j[0].observed.contains("namespace gone"), "{j:?}");
    }
}
