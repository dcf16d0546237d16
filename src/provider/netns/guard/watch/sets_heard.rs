//! A node's nf_tables sets as their events tell, heard as the events come
//! (the events socket is in the guard's `poll` list): a set declared at a
//! size past the node's bound stops it at once, and when events were lost
//! a node that has any set is stopped, since what a set declared in
//! between cannot be known (probe21ad: a flood of table events lost the
//! sets' own, and the look after saw each set lowered to one).

use super::super::super::table_bounds::SET_ELEMENTS_A_NODE_DECLARES;
use super::Watch;
use super::held::{sets_declaring, why_sets_past_bound};

impl Watch {
    /// The socket that hears the node's nf_tables events (-1: none, which
    /// `poll` passes over).
    pub fn nft_events_fd(&self) -> i32 {
        self.nf_objects.as_ref().map_or(-1, |n| n.events_fd())
    }

    /// Read the node's nf_tables events that wait; [`Watch::why_stop_now`]
    /// then checks what they told.
    pub fn hear_sets(&mut self, buf: &mut [u8]) {
        if let Some(n) = self.nf_objects.as_mut() {
            n.listen(buf);
            self.sets_due = true;
        }
    }

    /// Why the node must be stopped for the room its sets declared, as
    /// their events told; when events were lost, by a look at once, and a
    /// node with any set left is stopped (the lab makes none).
    pub(super) fn sets_heard_past_bound(&mut self, buf: &mut [u8]) -> Option<String> {
        let room = SET_ELEMENTS_A_NODE_DECLARES;
        let nf = self.nf_objects.as_mut()?;
        match nf.heard_sets(buf) {
            Some(declared) if declared > room => return Some(sets_declaring(declared, room)),
            Some(_) => return None,
            None => {}
        }
        let lost = nf.take_events_lost();
        let looked = nf.sets(buf, room);
        if let Some(why) = looked
            .as_ref()
            .ok()
            .and_then(|s| why_sets_past_bound(*s, room))
        {
            return Some(why);
        }
        why_stop_after_loss(lost, looked.map(|s| s.live))
    }
}

/// Why a node whose nf_tables events were lost (`lost`) must be stopped,
/// given how many sets a look found there (an error: none could be
/// counted).
fn why_stop_after_loss(lost: bool, live: std::io::Result<usize>) -> Option<String> {
    let live = match live {
        Ok(0) => return None,
        _ if !lost => return None,
        Ok(n) => n.to_string(),
        Err(e) => format!("sets it could not count ({e})"),
    };
    Some(format!(
        "nf_tables events lost while it has {live} sets (a flood of its events filled the \
         guard's socket): the room a set declared and lowered in between cannot be known, and \
         what packets added to it is kept outside the node's limit"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Events lost while a set lives stop the node; a set with every event
    /// heard, or a loss with no set left (a set's elements go with it), do
    /// not; a look that fails after a loss stops it.
    #[test]
    fn a_loss_of_events_stops_a_node_that_has_sets() {
        assert!(
            why_stop_after_loss(true, Ok(1)).is_some_and(|w| w.contains("lost while it has 1"))
        );
        assert_eq!(why_stop_after_loss(false, Ok(3)), None);
        assert_eq!(why_stop_after_loss(true, Ok(0)), None);
        let failed = std::io::Error::from_raw_os_error(libc::EMSGSIZE);
        assert!(why_stop_after_loss(true, Err(failed)).is_some());
        let failed = std::io::Error::from_raw_os_error(libc::EMSGSIZE);
        assert_eq!(why_stop_after_loss(false, Err(failed)), None);
    }
}
