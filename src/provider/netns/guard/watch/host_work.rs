//! What a node makes the host hold or do outside every object the guard
//! counts, looked at between sweeps: packets its qdiscs hold
//! ([`super::super::qdisc_backlog`], looked at fast while it has a qdisc of
//! its own), its ipset elements ([`super::super::ipset`], fast while it has
//! a set) and frames its devices send
//! ([`super::super::frame_rate`], every half second, from the text of
//! `/proc/net/dev` that [`super::super::listed_devices`] reads). Here so that `watch.rs`
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

    /// When the node's qdiscs (if it has one of its own), its ipset sets
    /// (if it has one) or its frames are next to be looked at.
    pub fn looks_due(&self) -> Option<Instant> {
        let frames = self.frame_rate.as_ref().map(|f| f.due());
        let qdiscs = self.qdisc_backlog.as_ref().and_then(|q| q.due());
        let sets = self.ipset.as_ref().and_then(|s| s.due());
        frames.into_iter().chain(qdiscs).chain(sets).min()
    }

    /// Look at the node's ipset sets (see [`super::super::ipset`]): past
    /// the bound they are flushed, or the node is to be stopped (why).
    pub(super) fn look_at_ipset(&mut self, buf: &mut [u8]) -> std::io::Result<Option<String>> {
        let bound = self.ipset_bound;
        let Some(sets) = self.ipset.as_mut() else {
            return Ok(None);
        };
        Ok(match sets.look(bound, buf)? {
            super::super::ipset::Looked::Fine => None,
            super::super::ipset::Looked::Flushed(n) => {
                self.ipset_flushed += n;
                None
            }
            super::super::ipset::Looked::Stop(why) => Some(why),
        })
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
        let sets_due = self.ipset.as_ref().and_then(|s| s.due());
        if !at_sweep
            && sets_due.is_some_and(|t| t <= Instant::now())
            && let Ok(Some(why)) = self.look_at_ipset(buf)
        {
            return Some(why);
        }
        let due = self.frame_rate.as_ref()?.due() <= Instant::now();
        if !due {
            return None;
        }
        let mut text = std::mem::take(&mut self.net_dev_text);
        let read = self.neigh_params.as_ref()?.net_dev(&mut text);
        let why = match read {
            Some(Ok(())) => self.frame_rate.as_mut()?.why_stop(&text),
            _ => None,
        };
        self.net_dev_text = text;
        why
    }
}
