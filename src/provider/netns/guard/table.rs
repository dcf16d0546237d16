//! What the guard knows of one node's tables: the entries it let stay, at
//! most the bound in each table, and which of them a dump in progress has
//! seen (an entry the dump did not see was removed while events were lost).
//! Pure: the decisions, no socket.

use super::entry::{Class, Entry};
use std::collections::HashSet;

/// What to do with an entry the kernel told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    Remove,
}

#[derive(Debug, Default)]
struct Kept {
    keys: HashSet<Vec<u8>>,
    /// While a dump of this table runs: the keys it (or an event) showed.
    seen: Option<HashSet<Vec<u8>>>,
}

#[derive(Debug)]
pub struct Table {
    bound: usize,
    kept: [Kept; 3],
}

impl Table {
    pub fn new(bound: usize) -> Table {
        Table {
            bound,
            kept: Default::default(),
        }
    }

    pub fn bound(&self) -> usize {
        self.bound
    }

    /// How many entries of `class` are kept.
    pub fn len(&self, class: Class) -> usize {
        self.kept[class.index()].keys.len()
    }

    /// An entry is there (added, changed, or shown by a dump): kept if it
    /// was, or if its table has room; otherwise it is to be removed.
    pub fn added(&mut self, e: &Entry) -> Verdict {
        let bound = self.bound;
        let t = &mut self.kept[e.class.index()];
        let keep = t.keys.contains(&e.key) || t.keys.len() < bound;
        if keep {
            t.keys.insert(e.key.clone());
            if let Some(seen) = &mut t.seen {
                seen.insert(e.key.clone());
            }
            Verdict::Keep
        } else {
            Verdict::Remove
        }
    }

    /// An entry is gone.
    pub fn removed(&mut self, e: &Entry) {
        let t = &mut self.kept[e.class.index()];
        t.keys.remove(&e.key);
        if let Some(seen) = &mut t.seen {
            seen.remove(&e.key);
        }
    }

    /// A dump of `class` starts.
    pub fn dump_started(&mut self, class: Class) {
        self.kept[class.index()].seen = Some(HashSet::new());
    }

    /// A dump of `class` failed: what it showed proves nothing gone.
    pub fn dump_abandoned(&mut self, class: Class) {
        self.kept[class.index()].seen = None;
    }

    /// A dump of `class` ended: what it did not show is gone.
    pub fn dump_ended(&mut self, class: Class) {
        let t = &mut self.kept[class.index()];
        if let Some(seen) = t.seen.take() {
            t.keys.retain(|k| seen.contains(k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(class: Class, n: u8) -> Entry {
        Entry {
            class,
            key: vec![n],
            delete: vec![n],
            multicast: None,
        }
    }

    #[test]
    fn past_the_bound_new_entries_are_removed_and_known_ones_stay() {
        let mut t = Table::new(2);
        assert_eq!(t.added(&entry(Class::Fdb, 1)), Verdict::Keep);
        assert_eq!(t.added(&entry(Class::Fdb, 2)), Verdict::Keep);
        assert_eq!(t.added(&entry(Class::Fdb, 3)), Verdict::Remove);
        // A change of a kept entry (a neighbour's state) is no new entry.
        assert_eq!(t.added(&entry(Class::Fdb, 1)), Verdict::Keep);
        // Each table has its own bound.
        assert_eq!(t.added(&entry(Class::Neighbour, 3)), Verdict::Keep);
        // Room again once one is gone.
        t.removed(&entry(Class::Fdb, 2));
        assert_eq!(t.added(&entry(Class::Fdb, 3)), Verdict::Keep);
        assert_eq!(t.len(Class::Fdb), 2);
    }

    #[test]
    fn a_dump_forgets_what_went_while_events_were_lost() {
        let mut t = Table::new(3);
        for n in 1..=3 {
            t.added(&entry(Class::Fdb, n));
        }
        t.added(&entry(Class::Proxy, 9));
        // Entries 1 and 2 went; their events were lost (ENOBUFS).
        t.dump_started(Class::Fdb);
        assert_eq!(t.added(&entry(Class::Fdb, 3)), Verdict::Keep);
        // Full until the dump ends: 1 and 2 still count.
        assert_eq!(t.added(&entry(Class::Fdb, 4)), Verdict::Remove);
        t.dump_ended(Class::Fdb);
        assert_eq!(t.len(Class::Fdb), 1);
        assert_eq!(t.added(&entry(Class::Fdb, 4)), Verdict::Keep);
        // Another table's dump is not this one's.
        assert_eq!(t.len(Class::Proxy), 1);
    }
}
