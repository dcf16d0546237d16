//! What the cluster steps' tests share: the chapter's lab with two
//! workers, a context over a scripted session ([`FakeSession`]), and a
//! sink that keeps the events a step emits.

use super::{ClusterCtx, JoinCommand, Root};
use crate::error::Result;
use crate::report::{Event, Reporter, Sink};
use crate::session::Output;
use crate::session::Session;
use crate::session::fake::FakeSession;
use crate::spec::Lab;
use std::sync::{Arc, Mutex};

/// The events a reporter emitted.
#[derive(Default)]
pub struct Events(Mutex<Vec<Event>>);

impl Sink for Events {
    fn event(&self, e: &Event) {
        self.0.lock().unwrap().push(e.clone());
    }
}

impl Events {
    /// A reporter whose events are kept here.
    pub fn reporter() -> (Reporter, Arc<Events>) {
        let events = Arc::new(Events::default());
        (Reporter::quiet().with_sink(events.clone()), events)
    }

    /// Every event, in order.
    pub fn all(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }

    /// The info lines, in order.
    pub fn infos(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                Event::Info(m) => Some(m.clone()),
                _ => None,
            })
            .collect()
    }
}

/// The chapter's lab: master 10.100.198.200, node1 and node2, pods 10.244.0.0/16.
pub fn chapter4() -> Lab {
    crate::spec::load("chapter4", crate::spec::LoadOptions { workers: Some(2) }).unwrap()
}

/// A command's output with an exit code.
pub fn out(code: i32, stdout: &str, stderr: &str) -> Output {
    Output {
        code: Some(code),
        stdout: stdout.into(),
        stderr: stderr.into(),
    }
}

/// A bring-up context over a scripted session, nodes entered with `sudo`.
pub struct TestCtx {
    pub lab: Lab,
    pub rep: Reporter,
    pub events: Arc<Events>,
    pub fake: Arc<FakeSession>,
    pub join: Option<JoinCommand>,
    /// How node commands run as root (`sudo`, as on VMs, unless changed).
    pub root: Root,
}

impl TestCtx {
    pub fn new(fake: FakeSession) -> TestCtx {
        let (rep, events) = Events::reporter();
        TestCtx {
            lab: chapter4(),
            rep,
            events,
            fake: Arc::new(fake),
            join: None,
            root: Root::Sudo,
        }
    }
}

impl ClusterCtx for TestCtx {
    fn lab(&self) -> &Lab {
        &self.lab
    }
    fn reporter(&self) -> &Reporter {
        &self.rep
    }
    fn root(&self) -> Root {
        self.root
    }
    fn session(&mut self) -> Result<Arc<dyn Session>> {
        Ok(self.fake.clone())
    }
    fn join_command(&mut self) -> &mut Option<JoinCommand> {
        &mut self.join
    }
}
