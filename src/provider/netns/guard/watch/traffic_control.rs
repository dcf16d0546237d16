//! Traffic control as a node's events tell of it (see
//! [`super::super::tc`]): objects judged or forgotten, qdiscs wiped after
//! lost events, and a redirecting action (`mirred`) that stops the node.
//! Here so that `watch.rs` stays within its size.

use super::super::entry::Class;
use super::super::tc;
use super::{NLM_F_ROOT, Watch};

impl Watch {
    /// A traffic control message: objects added (judged; in a dump after
    /// lost events, every attached qdisc removed) or gone (with a qdisc,
    /// what was under it).
    pub(super) fn handle_tc(&mut self, ty: u16, seq: u32, body: &[u8]) {
        let in_dump = self
            .dumping
            .is_some_and(|(c, s)| c == Class::Tc && s == seq);
        if in_dump && self.wipe_tc {
            if let Some(d) = tc::attached_qdisc(body) {
                self.removed[Class::Tc.index()] += 1;
                self.remove_raw(tc::RTM_DELQDISC, 0, &d);
            }
            return;
        }
        if ty == tc::RTM_NEWQDISC {
            self.qdiscs_told();
        }
        if tc::is_added(ty) && tc::redirects_frames(body) {
            self.stop_now = Some(tc::REDIRECTS_WHY.to_string());
        }
        if ty == tc::RTM_NEWACTION {
            for k in tc::action_kinds(body) {
                if self.action_kinds.len() < 64 {
                    self.action_kinds.insert(k);
                }
            }
        }
        let whole = tc::whole_object_gone(ty, body);
        let filter = tc::filters::filter_of(ty, body);
        for e in tc::parse(ty, body) {
            if tc::is_added(ty) {
                if let Some((handle, weight)) = filter {
                    self.table.filter_heard(&e, handle, weight);
                }
                self.judge(&e);
            } else {
                if ty == tc::RTM_DELQDISC {
                    let under = tc::gone_with(&e.key, &self.table.tc_keys());
                    self.table.forget_tc(&under);
                }
                match filter {
                    Some((handle, _)) if !whole => self.table.filter_gone(&e, handle),
                    _ if whole => self.gone(&e),
                    _ => {}
                }
            }
        }
    }

    /// After the qdiscs were dumped: when events were lost, every action
    /// of the kinds seen is flushed too, and what the table held is gone.
    pub(super) fn tc_dump_ended(&mut self) {
        if !std::mem::take(&mut self.wipe_tc) {
            return;
        }
        let kinds: Vec<Vec<u8>> = self.action_kinds.iter().cloned().collect();
        for k in kinds {
            self.remove_raw(tc::RTM_DELACTION, NLM_F_ROOT, &tc::flush_actions(&k));
        }
        self.table.clear(Class::Tc);
        self.wiped_tc += 1;
    }
}
