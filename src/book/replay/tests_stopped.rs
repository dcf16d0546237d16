//! A node the guard stops while the chapter is replayed (not before): the
//! block during which it went, and every block after, have no line that
//! ran on the lab left as a match; the blocks before keep their verdicts.
//! A real stop cannot be put at a chosen point of a replay without timing
//! (no command the chapter's reader types makes the guard stop a node), so
//! the stop is faked here: a lab ([`RecordedLab`]) whose stopped nodes are
//! none until the chapter's capture (`tcpdump`, block 154) has run, and
//! node1 from then on. The same rule end to end for `verify`, with a real
//! stop during a check: `tests/it/guard_stopped_more.rs`.

use super::tests::{RecordedLab, chapter4, verdicts};
use super::*;
use crate::book::known::KnownFile;
use crate::error::Result;
use crate::provider::{Kind, StoppedNodes};
use crate::session::Session;
use async_trait::async_trait;

/// [`RecordedLab`] whose node1 the guard stops while the command holding
/// `during` runs: asked for its stopped nodes, it names node1 once such a
/// command ran.
struct StoppedDuring {
    lab: RecordedLab,
    during: &'static str,
}

const WHY: &str = "node node1 was stopped by the guard: a test's stop";

#[async_trait]
impl Target for StoppedDuring {
    fn kind(&self) -> Kind {
        self.lab.kind()
    }
    fn variant(&self) -> String {
        self.lab.variant()
    }
    fn pods(&self) -> Vec<PodRef> {
        self.lab.pods()
    }
    fn session(&self) -> &dyn Session {
        self.lab.session()
    }
    fn stopped_nodes(&self) -> Option<StoppedNodes> {
        self.lab
            .ran()
            .iter()
            .any(|c| c.contains(self.during))
            .then(|| StoppedNodes {
                nodes: vec!["node1".to_string()],
                why: WHY.to_string(),
            })
    }
    async fn switch(&mut self, variant: &str) -> Result<()> {
        self.lab.switch(variant).await
    }
    async fn kubectl_line(
        &self,
        args: &[String],
        cluster: bool,
    ) -> std::result::Result<KubectlRun, String> {
        self.lab.kubectl_line(args, cluster).await
    }
}

/// Seen failing with the stopped nodes asked once, before the first block
/// (the answer then, none, given to every block): lines 155, 158 and 160
/// (`vagrant ssh node1`, `sudo tcpdump -i flannel.1`) and 225, 227 and 232
/// (`ping`s on node1) stayed matches.
#[tokio::test]
async fn a_node_stopped_during_the_replay_leaves_no_match_from_then_on() {
    let (lab, chapter) = chapter4();
    let known = KnownFile::default();
    let mut whole = RecordedLab::vagrant_chapter4();
    let before = replay(&chapter, &lab, &mut whole, &known).await;
    let mut t = StoppedDuring {
        lab: RecordedLab::vagrant_chapter4(),
        during: "tcpdump",
    };
    let r = replay(&chapter, &lab, &mut t, &known).await;
    let (kept, after): (Vec<_>, Vec<_>) = r.blocks.iter().partition(|b| b.line < 154);
    let kept_verdicts: Vec<(usize, &str)> =
        kept.iter().map(|b| (b.line, b.verdict.as_str())).collect();
    assert_eq!(kept_verdicts, verdicts(&before)[..kept.len()]);
    let matched: Vec<String> = after
        .iter()
        .flat_map(|b| &b.commands)
        .filter(|c| {
            c.ran_on
                .as_deref()
                .is_some_and(|on| on != "kubectl" && on != "lab")
                && c.verdict == Verdict::Match
        })
        .map(|c| format!("{} {}", c.line, c.command))
        .collect();
    assert!(
        matched.is_empty(),
        "matched after node1 was stopped: {matched:?}"
    );
    for line in [154, 224] {
        let b = super::tests::block(&r, line);
        assert_eq!(b.verdict, Verdict::Error, "{b:?}");
        assert!(
            b.commands
                .iter()
                .any(|c| c.reason.as_deref().is_some_and(|r| r.contains(WHY))),
            "{b:?}"
        );
    }
}
