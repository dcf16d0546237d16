//! A [`Session`] that answers from a script and records what it was asked:
//! verify, the probes, the CNI seam and diagnostics are tested with it
//! without root and without a lab.

use super::PodRef;
use super::{Output, Session};
use crate::error::{LabError, Result};
use async_trait::async_trait;
use std::sync::Mutex;

/// Where a scripted answer applies.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    Node(String),
    Pod(String),
    Kubectl,
}

#[derive(Debug, Clone)]
enum Answer {
    Out(Output),
    /// Could not ask (node gone, deadline passed).
    Unreached(String),
}

/// Answers by the first rule whose place matches and whose pattern the
/// command contains; an unscripted command exits 127, as a missing
/// program does.
#[derive(Default)]
pub struct FakeSession {
    rules: Vec<(Place, String, Answer)>,
    ran: Mutex<Vec<String>>,
    kubernetes: bool,
}

fn ok(stdout: &str) -> Answer {
    Answer::Out(Output {
        code: Some(0),
        stdout: stdout.into(),
        stderr: String::new(),
    })
}

impl FakeSession {
    pub fn new() -> Self {
        Self::default()
    }

    /// A command on `node` containing `pattern` prints `stdout` and exits 0.
    pub fn on(self, node: &str, pattern: &str, stdout: &str) -> Self {
        self.rule(Place::Node(node.into()), pattern, ok(stdout))
    }

    /// A command on `node` containing `pattern` gives `out`.
    pub fn on_out(self, node: &str, pattern: &str, out: Output) -> Self {
        self.rule(Place::Node(node.into()), pattern, Answer::Out(out))
    }

    /// `node` cannot be reached for a command containing `pattern`.
    pub fn unreached(self, node: &str, pattern: &str, why: &str) -> Self {
        self.rule(
            Place::Node(node.into()),
            pattern,
            Answer::Unreached(why.into()),
        )
    }

    /// A command in pod `pod` containing `pattern` gives `out`.
    pub fn in_pod(self, pod: &str, pattern: &str, out: Output) -> Self {
        self.rule(Place::Pod(pod.into()), pattern, Answer::Out(out))
    }

    /// kubectl whose arguments contain `pattern` prints `stdout` (and the
    /// lab has a Kubernetes API).
    pub fn kubectl(mut self, pattern: &str, stdout: &str) -> Self {
        self.kubernetes = true;
        self.rule(Place::Kubectl, pattern, ok(stdout))
    }

    fn rule(mut self, place: Place, pattern: &str, a: Answer) -> Self {
        self.rules.push((place, pattern.into(), a));
        self
    }

    /// These rules first, then `other`'s (a script with a few answers
    /// changed).
    pub fn merge(mut self, other: FakeSession) -> Self {
        self.rules.extend(other.rules);
        self.kubernetes |= other.kubernetes;
        self
    }

    /// What was asked, in order: `node: cmd`, `pod P: cmd`, `kubectl args`.
    pub fn ran(&self) -> Vec<String> {
        self.ran.lock().unwrap().clone()
    }

    fn answer(&self, place: Place, command: &str, record: String) -> Result<Output> {
        self.ran.lock().unwrap().push(record);
        let found = self
            .rules
            .iter()
            .find(|(p, pat, _)| *p == place && command.contains(pat.as_str()));
        match found.map(|(_, _, a)| a.clone()) {
            Some(Answer::Out(o)) => Ok(o),
            Some(Answer::Unreached(why)) => Err(LabError::Enter {
                node: format!("{place:?}"),
                message: why,
            }),
            None => Ok(Output {
                code: Some(127),
                stdout: String::new(),
                stderr: format!("fake: not scripted: {command}"),
            }),
        }
    }
}

#[async_trait]
impl Session for FakeSession {
    async fn output(&self, node: &str, command: &str, _stdin: Option<Vec<u8>>) -> Result<Output> {
        self.answer(
            Place::Node(node.into()),
            command,
            format!("{node}: {command}"),
        )
    }

    async fn pod_output(&self, pod: &PodRef, command: &str) -> Result<Output> {
        self.answer(
            Place::Pod(pod.name.clone()),
            command,
            format!("pod {}: {command}", pod.name),
        )
    }

    async fn kubectl(&self, args: &[&str]) -> Result<Output> {
        let line = args.join(" ");
        self.answer(Place::Kubectl, &line, format!("kubectl {line}"))
    }

    fn kubernetes(&self) -> std::result::Result<(), String> {
        if self.kubernetes {
            Ok(())
        } else {
            Err("the fake lab has no Kubernetes API".into())
        }
    }

    async fn close(&self) {}
}
