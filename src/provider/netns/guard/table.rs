//! What the guard knows of one node's tables: the entries it let stay, at
//! most the bound in each table, and which of them a dump in progress has
//! seen (an entry the dump did not see was removed while events were lost).
//! Pure: the decisions, no socket.

use super::entry::{Class, Entry};
use super::tc::filters::Filters;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

/// What to do with an entry the kernel told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Keep,
    Remove,
}

/// An entry as kept: its device's index and a hash of its key (a lab of
/// 1000 workers keeps two million entries; whole keys took 160 MB). The
/// hash is keyed at random, so no node can make two entries collide.
pub(super) type Id = (u32, u64);

#[derive(Debug, Default)]
struct Kept {
    ids: HashSet<Id>,
    /// While a dump of this table runs: the entries it (or an event) showed.
    seen: Option<HashSet<Id>>,
}

#[derive(Debug)]
pub struct Table {
    bound: usize,
    hasher: std::collections::hash_map::RandomState,
    kept: [Kept; 4],
    /// The whole keys of traffic control objects, which say what goes with
    /// a qdisc (see `tc::gone_with`).
    tc_keys: HashMap<Id, Vec<u8>>,
    /// The filters heard of each classifier kept, which count too (see
    /// `tc::filters`).
    filters: Filters,
}

impl Table {
    pub fn new(bound: usize) -> Table {
        Table {
            bound,
            hasher: Default::default(),
            kept: Default::default(),
            tc_keys: HashMap::new(),
            filters: Filters::default(),
        }
    }

    fn id(&self, key: &[u8]) -> Id {
        let dev = key
            .get(4..8)
            .map(|b| u32::from_ne_bytes(b.try_into().expect("4 bytes")))
            .unwrap_or(0);
        (dev, self.hasher.hash_one(key))
    }

    pub fn bound(&self) -> usize {
        self.bound
    }

    /// How many entries of `class` are kept (a filter counting by its
    /// weight besides its classifier).
    pub fn len(&self, class: Class) -> usize {
        let extra = if class == Class::Tc {
            self.filters.weight()
        } else {
            0
        };
        self.kept[class.index()].ids.len() + extra
    }

    /// Filter `handle` of the classifier `e` tells of is there, of weight
    /// `weight` (see `tc::filters`); [`Table::added`] then judges it.
    pub fn filter_heard(&mut self, e: &Entry, handle: u32, weight: usize) {
        let id = self.id(&e.key);
        self.filters.heard(id, handle, weight);
    }

    /// Filter `handle` of the classifier `e` tells of is gone, the
    /// classifier not.
    pub fn filter_gone(&mut self, e: &Entry, handle: u32) {
        let id = self.id(&e.key);
        self.filters.gone(id, handle);
    }

    /// An entry is there (added, changed, or shown by a dump): kept if it
    /// was, or if its table has room; otherwise it is to be removed.
    pub fn added(&mut self, e: &Entry) -> Verdict {
        let id = self.id(&e.key);
        let bound = self.bound;
        let len = self.len(e.class);
        let t = &mut self.kept[e.class.index()];
        // A classifier kept whose filters weigh past the bound goes whole.
        if (!t.ids.contains(&id) && len >= bound) || len > bound {
            return Verdict::Remove;
        }
        t.ids.insert(id);
        if let Some(seen) = &mut t.seen {
            seen.insert(id);
        }
        if e.class == Class::Tc {
            self.tc_keys.insert(id, e.key.clone());
        }
        Verdict::Keep
    }

    fn drop_id(&mut self, class: Class, id: Id) {
        let t = &mut self.kept[class.index()];
        t.ids.remove(&id);
        if let Some(seen) = &mut t.seen {
            seen.remove(&id);
        }
        if class == Class::Tc {
            self.tc_keys.remove(&id);
            self.filters.classifier_gone(id);
        }
    }

    /// An entry is gone.
    pub fn removed(&mut self, e: &Entry) {
        let id = self.id(&e.key);
        self.drop_id(e.class, id);
    }

    /// The device `ifindex` is gone, and with it whatever was on it
    /// (not every table tells of each entry that goes with a device).
    pub fn device_gone(&mut self, ifindex: &[u8]) {
        let Ok(dev) = <[u8; 4]>::try_from(ifindex).map(u32::from_ne_bytes) else {
            return;
        };
        for t in &mut self.kept {
            t.ids.retain(|(d, _)| *d != dev);
            if let Some(seen) = &mut t.seen {
                seen.retain(|(d, _)| *d != dev);
            }
        }
        self.tc_keys.retain(|(d, _), _| *d != dev);
        self.filters.retain(|(d, _)| *d != dev);
    }

    /// The keys of the traffic control objects kept.
    pub fn tc_keys(&self) -> Vec<&Vec<u8>> {
        self.tc_keys.values().collect()
    }

    /// Forget the traffic control objects `keys` (gone without a word of
    /// the kernel's).
    pub fn forget_tc(&mut self, keys: &[Vec<u8>]) {
        for k in keys {
            let id = self.id(k);
            self.drop_id(Class::Tc, id);
        }
    }

    /// Forget every entry of `class` (all were removed).
    pub fn clear(&mut self, class: Class) {
        self.kept[class.index()] = Kept::default();
        if class == Class::Tc {
            self.tc_keys.clear();
            self.filters = Filters::default();
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
            t.ids.retain(|k| seen.contains(k));
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
            del_type: 0,
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

    /// Probe21af: each filter of a classifier counts, by its weight; past
    /// the bound the classifier (its one key) is removed, and with it go
    /// its filters' weights.
    #[test]
    fn the_filters_of_a_classifier_count_by_their_weight() {
        let mut t = Table::new(10);
        let c = entry(Class::Tc, 1);
        for h in 1..=4 {
            t.filter_heard(&c, h, 2);
            assert_eq!(t.added(&c), Verdict::Keep);
        }
        assert_eq!(t.len(Class::Tc), 9);
        // A filter removed by its handle leaves the classifier.
        t.filter_gone(&c, 4);
        assert_eq!(t.len(Class::Tc), 7);
        t.filter_heard(&c, 5, 4);
        assert_eq!(t.added(&c), Verdict::Remove);
        // Nothing new while it is past.
        assert_eq!(t.added(&entry(Class::Tc, 2)), Verdict::Remove);
        t.removed(&c);
        assert_eq!(t.len(Class::Tc), 0);
        assert_eq!(t.added(&entry(Class::Tc, 2)), Verdict::Keep);
    }

    #[test]
    fn a_device_gone_takes_its_entries() {
        let mut t = Table::new(2);
        let on = |class, dev: u8, n: u8| Entry {
            class,
            key: vec![0, 0, 0, 0, dev, 0, 0, 0, n],
            del_type: 0,
            delete: vec![],
            multicast: None,
        };
        t.added(&on(Class::Tc, 5, 1));
        t.added(&on(Class::Tc, 6, 1));
        t.added(&on(Class::Fdb, 5, 2));
        assert_eq!(t.added(&on(Class::Tc, 7, 1)), Verdict::Remove);
        t.device_gone(&[5, 0, 0, 0]);
        assert_eq!((t.len(Class::Tc), t.len(Class::Fdb)), (1, 0));
        assert_eq!(t.added(&on(Class::Tc, 7, 1)), Verdict::Keep);
    }
}
