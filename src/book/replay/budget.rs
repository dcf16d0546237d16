//! How long a replay may take. Each command ends inside [`super::DEADLINE`]
//! (a capture runs alone, for up to 2 s, or 15 s with its traffic), but a
//! chapter of 4 MiB holds about 90,000 of them: one block of 10 captures
//! took 20 s here, so such a chapter would run for days. Past its block's
//! or its chapter's budget, what has not run yet is an `error` that says
//! why (never a match: the run fails). Variant switches (a run's checks)
//! do not count.

use std::time::Duration;

/// The time a block's and the chapter's commands may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub block: Duration,
    pub chapter: Duration,
}

/// A block: twenty commands at their deadline; the chapter: an hour
/// (chapter 4 takes about 1 s on netns).
pub const BUDGET: Budget = Budget {
    block: Duration::from_secs(300),
    chapter: Duration::from_secs(3600),
};

impl Budget {
    /// Why the next command may not start, after `block` of its block and
    /// `chapter` of the chapter have passed; `None`: it may.
    pub fn spent(&self, block: Duration, chapter: Duration) -> Option<String> {
        if chapter >= self.chapter {
            Some(format!(
                "not run: the chapter's commands ran past their budget of {} s (a chapter's replay is bounded)",
                self.chapter.as_secs()
            ))
        } else if block >= self.block {
            Some(format!(
                "not run: the block's commands ran past their budget of {} s (a block's replay is bounded)",
                self.block.as_secs()
            ))
        } else {
            None
        }
    }
}
