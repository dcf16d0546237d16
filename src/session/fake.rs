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

/// Answers by the first rule whose place matches, whose pattern the
/// command contains and which has answers left ([`FakeSession::times`]);
/// an unscripted command exits 127, as a missing program does.
#[derive(Default)]
pub struct FakeSession {
    rules: Vec<(Place, String, Answer)>,
    /// Answers left per rule (`None`: any number).
    left: Mutex<Vec<Option<usize>>>,
    ran: Mutex<Vec<String>>,
    /// What each command was given on stdin, in the order of `ran`.
    inputs: Mutex<Vec<Option<Vec<u8>>>>,
    kubernetes: bool,
    /// How long each node command takes before it answers.
    delay: Option<std::time::Duration>,
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
        self.left.get_mut().unwrap().push(None);
        self
    }

    /// The rule just added answers `n` times, then the next rule that
    /// matches does (a node NotReady twice, then Ready).
    pub fn times(mut self, n: usize) -> Self {
        if let Some(last) = self.left.get_mut().unwrap().last_mut() {
            *last = Some(n);
        }
        self
    }

    /// Each node command takes `d` before it answers (a replay's budget,
    /// spent part way through a block).
    pub fn slow(mut self, d: std::time::Duration) -> Self {
        self.delay = Some(d);
        self
    }

    /// What each command was given on stdin, in the order of [`Self::ran`].
    pub fn inputs(&self) -> Vec<Option<Vec<u8>>> {
        self.inputs.lock().unwrap().clone()
    }

    /// These rules first, then `other`'s (a script with a few answers
    /// changed).
    pub fn merge(mut self, other: FakeSession) -> Self {
        self.rules.extend(other.rules);
        self.left
            .get_mut()
            .unwrap()
            .extend(other.left.into_inner().unwrap());
        self.kubernetes |= other.kubernetes;
        self
    }

    /// What was asked, in order: `node: cmd`, `pod P: cmd`, `kubectl args`.
    pub fn ran(&self) -> Vec<String> {
        self.ran.lock().unwrap().clone()
    }

    fn answer(
        &self,
        place: Place,
        command: &str,
        record: String,
        stdin: Option<Vec<u8>>,
    ) -> Result<Output> {
        self.ran.lock().unwrap().push(record);
        self.inputs.lock().unwrap().push(stdin);
        let mut left = self.left.lock().unwrap();
        let found = self
            .rules
            .iter()
            .zip(left.iter_mut())
            .find(|((p, pat, _), n)| {
                *p == place && command.contains(pat.as_str()) && **n != Some(0)
            });
        let found = found.map(|((_, _, a), n)| {
            if let Some(n) = n {
                *n -= 1;
            }
            a.clone()
        });
        match found {
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
    async fn output(&self, node: &str, command: &str, stdin: Option<Vec<u8>>) -> Result<Output> {
        if let Some(d) = self.delay {
            tokio::time::sleep(d).await;
        }
        self.answer(
            Place::Node(node.into()),
            command,
            format!("{node}: {command}"),
            stdin,
        )
    }

    async fn pod_output(&self, pod: &PodRef, command: &str) -> Result<Output> {
        self.answer(
            Place::Pod(pod.name.clone()),
            command,
            format!("pod {}: {command}", pod.name),
            None,
        )
    }

    async fn kubectl(&self, args: &[&str]) -> Result<Output> {
        let line = args.join(" ");
        self.answer(Place::Kubectl, &line, format!("kubectl {line}"), None)
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
