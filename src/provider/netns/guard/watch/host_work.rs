//! What a node makes the host hold or do outside every object the guard
//! counts: packets its qdiscs hold ([`super::super::qdisc_backlog`], looked
//! at fast while it has a qdisc of its own) and frames its devices pass
//! ([`super::super::frame_rate`], at each sweep). Here so that `watch.rs`
//! stays within its size.

use super::Watch;
use std::time::Instant;

impl Watch {
    /// A qdisc was told of, or events were lost: the node's qdiscs are
    /// looked at fast until a look shows none of its own.
    pub(super) fn qdiscs_told(&mut self) {
        if let Some(q) = self.qdisc_backlog.as_mut() {
            q.fast = true;
        }
    }

    /// When the node's qdiscs (if it has one of its own) or its frames
    /// are next to be looked at.
    pub fn looks_due(&self) -> Option<Instant> {
        let frames = self.frame_rate.as_ref().map(|f| f.due());
        let qdiscs = self.qdisc_backlog.as_ref().and_then(|q| q.due());
        frames.into_iter().chain(qdiscs).min()
    }

    /// Why the node must be stopped for what its qdiscs hold (looked at
    /// when due, or at a sweep) or for the frames its devices passed
    /// (looked at when due).
    pub(super) fn host_work_past_bound(
        &mut self,
        at_sweep: bool,
        buf: &mut [u8],
    ) -> Option<String> {
        if let Some(why) = self
            .qdisc_backlog
            .as_mut()
            .and_then(|q| q.why_stop(at_sweep, buf))
        {
            return Some(why);
        }
        self.frame_rate.as_mut()?.why_stop()
    }
}
