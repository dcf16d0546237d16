//! A node's nf_tables sets as their events tell, heard as the events come
//! (the events socket is in the guard's `poll` list): a set declared at a
//! size past the node's bound stops it at once. A node whose nf_tables
//! events were lost is stopped: what a set declared in between cannot be
//! known (probe21ad: a flood of table events lost the sets' own, and the
//! look after saw each set lowered to one), and a rule too big for an
//! event (the kernel says so to every listener with `ENOBUFS`) is too big
//! for a dump as well, where it hides itself and every rule after it from
//! the guard's count (probe21ae). The lab's own events are a few dozen.
//! A rule, set or element the lab never makes (connlimit, `fwd`, `dup`, a TTL rewritten)
//! heard stops the node at once (see [`super::super::rules::refused_message`]).

use super::super::super::table_bounds::SET_ELEMENTS_A_NODE_DECLARES;
use super::Watch;
use super::held::sets_declaring;

impl Watch {
    /// The socket that hears the node's nf_tables events (-1: none, which
    /// `poll` passes over).
    pub fn nft_events_fd(&self) -> i32 {
        self.nf_objects.as_ref().map_or(-1, |n| n.events_fd())
    }

    /// Whether the node holds the table of bounds its root cannot take off
    /// (see [`super::super::owned_table`]).
    pub fn owned_table_there(&mut self, buf: &mut [u8]) -> bool {
        self.nf_objects
            .as_mut()
            .is_some_and(|n| n.has_owned_table(buf))
    }

    /// Read the node's nf_tables events that wait; [`Watch::why_stop_now`]
    /// then checks what they told.
    pub fn hear_sets(&mut self, buf: &mut [u8]) {
        if let Some(n) = self.nf_objects.as_mut() {
            n.listen(buf);
            self.sets_due = true;
        }
    }

    /// Why the node must be stopped for what its nf_tables events told (or
    /// lost); with no events socket, by a look at its sets.
    pub(super) fn sets_heard_past_bound(&mut self, buf: &mut [u8]) -> Option<String> {
        let nf = self.nf_objects.as_mut()?;
        let heard = nf.heard_sets(buf);
        if let Some(why) = nf.refused_heard() {
            return Some(why.to_string());
        }
        match judge(heard, nf.take_events_lost(), SET_ELEMENTS_A_NODE_DECLARES) {
            Heard::Stop(why) => Some(why),
            Heard::Fine => None,
            Heard::Look => self.sets_past_bound(buf),
        }
    }
}

/// What a node's nf_tables events say of it.
#[derive(Debug, PartialEq, Eq)]
enum Heard {
    Stop(String),
    Fine,
    /// Not heard (no events socket): a look says.
    Look,
}

/// The verdict on a node whose sets' events declared `heard` (`None`: lost
/// or not heard), `lost` telling which, the bound being `room`.
fn judge(heard: Option<u64>, lost: bool, room: u64) -> Heard {
    if lost {
        return Heard::Stop(
            "nf_tables events lost (a flood of them, or a rule too big for an event, which is \
             too big for a dump too and hides itself and the rules after it): what its tables \
             and sets hold cannot be known, and what packets added to a set is kept outside \
             the node's limit"
                .to_string(),
        );
    }
    match heard {
        Some(declared) if declared > room => Heard::Stop(sets_declaring(declared, room)),
        Some(_) => Heard::Fine,
        None => Heard::Look,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events lost stop the node; room heard past the bound stops it; room
    /// within it does not; with no events heard, a look says.
    #[test]
    fn a_loss_of_events_stops_the_node() {
        assert!(matches!(judge(None, true, 10), Heard::Stop(w) if w.contains("events lost")));
        assert!(matches!(judge(Some(11), false, 10), Heard::Stop(w) if w.contains("room for 11")));
        assert_eq!(judge(Some(10), false, 10), Heard::Fine);
        assert_eq!(judge(None, false, 10), Heard::Look);
    }
}
