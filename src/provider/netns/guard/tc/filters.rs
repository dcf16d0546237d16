//! The filters of each classifier, counted one by one and weighed by
//! their options. A filter's key is its classifier's (device, parent,
//! priority, protocol, kind, chain), and it is removed with it: removed by
//! its handle, a u32 filter may leave its classifier behind (probe21m).
//! Counted as its classifier alone, though, one classifier held 10,000
//! u32 filters of 255 keys (82 MB of the host's in 1 s) or hundreds of
//! 4096-instruction `cls_bpf` programs, whose JIT images take the host's
//! one `bpf_jit_limit` (probe21af): unseen. So each filter handle heard
//! counts toward the node's traffic control bound too, as one entry and
//! one more for each [`WEIGHT_BYTES`] of its options (a 255-key u32 node's
//! 4 KB selector is 17 entries, a 4096-instruction classic BPF program's
//! 32 KB 129); past the bound the whole classifier is removed. The lab sets
//! no filter on a node.

use super::super::entry::attrs;
use super::super::table::Id;
use super::{RTM_DELTFILTER, RTM_NEWTFILTER, u32_at};
use std::collections::HashMap;

/// Bytes of a filter's options (`TCA_OPTIONS`, as its event tells them)
/// that weigh as one entry more: a u32 key is 16 bytes of them and about
/// 32 of the kernel's; a classic BPF instruction 8, and about 62 of JIT
/// image (probe21af: 252 KB for 4096 `ld [k]`). So an entry is at most
/// about 2 KB of JIT (32 instructions), and a node's bound of 288 about
/// 570 KB of the host's `bpf_jit_limit`.
pub const WEIGHT_BYTES: usize = 256;

const TCA_OPTIONS: u16 = 2;

/// The handle of the one filter a filter message (of type `ty`, body
/// `body`) tells of, and its weight; `None` for another message, or one of
/// a whole classifier (handle 0).
pub fn filter_of(ty: u16, body: &[u8]) -> Option<(u32, usize)> {
    if ty != RTM_NEWTFILTER && ty != RTM_DELTFILTER {
        return None;
    }
    let tcm = body.get(..20)?;
    let handle = u32_at(tcm, 8);
    if handle == 0 {
        return None;
    }
    let options = attrs(&body[20..])
        .into_iter()
        .filter(|(t, _)| t & 0x3FFF == TCA_OPTIONS)
        .map(|(_, v)| v.len())
        .sum::<usize>();
    Some((handle, 1 + options / WEIGHT_BYTES))
}

/// The filters heard of each classifier kept, and their weight in all.
#[derive(Debug, Default)]
pub struct Filters {
    of: HashMap<Id, HashMap<u32, usize>>,
    weight: usize,
}

impl Filters {
    /// Filter `handle` of classifier `c` is there, of weight `w` (a change
    /// weighs as its last).
    pub fn heard(&mut self, c: Id, handle: u32, w: usize) {
        let old = self.of.entry(c).or_default().insert(handle, w);
        self.weight = self.weight + w - old.unwrap_or(0);
    }

    /// Filter `handle` of classifier `c` is gone (removed by its handle).
    pub fn gone(&mut self, c: Id, handle: u32) {
        if let Some(filters) = self.of.get_mut(&c)
            && let Some(w) = filters.remove(&handle)
        {
            self.weight -= w;
        }
    }

    /// Classifier `c` is gone, with its filters.
    pub fn classifier_gone(&mut self, c: Id) {
        if let Some(filters) = self.of.remove(&c) {
            self.weight -= filters.values().sum::<usize>();
        }
    }

    /// Keep only the classifiers `keep` says.
    pub fn retain(&mut self, keep: impl Fn(&Id) -> bool) {
        self.of.retain(|c, _| keep(c));
        self.weight = self.of.values().flat_map(|f| f.values()).sum();
    }

    /// The weight of every filter heard.
    pub fn weight(&self) -> usize {
        self.weight
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::entry::put_attr;
    use super::*;

    fn filter(handle: u32, options: usize) -> Vec<u8> {
        let mut b = vec![0u8; 20];
        b[8..12].copy_from_slice(&handle.to_ne_bytes());
        put_attr(&mut b, 1, b"u32\0");
        put_attr(&mut b, TCA_OPTIONS | 0x8000, &vec![0; options]);
        b
    }

    #[test]
    fn each_filter_weighs_by_its_options_and_goes_with_its_classifier() {
        assert_eq!(
            filter_of(RTM_NEWTFILTER, &filter(0x800_800, 40)),
            Some((0x800_800, 1))
        );
        // A 255-key selector.
        assert_eq!(
            filter_of(RTM_NEWTFILTER, &filter(7, 16 + 255 * 16))
                .unwrap()
                .1,
            17
        );
        // A whole classifier, another message.
        assert_eq!(filter_of(RTM_DELTFILTER, &filter(0, 40)), None);
        assert_eq!(filter_of(super::super::RTM_NEWQDISC, &filter(7, 40)), None);
        let mut f = Filters::default();
        f.heard((3, 1), 7, 9);
        f.heard((3, 1), 8, 1);
        f.heard((3, 1), 7, 2);
        f.heard((4, 2), 7, 5);
        assert_eq!(f.weight(), 8);
        f.gone((3, 1), 8);
        assert_eq!(f.weight(), 7);
        f.classifier_gone((3, 1));
        assert_eq!(f.weight(), 5);
        f.retain(|(d, _)| *d != 4);
        assert_eq!(f.weight(), 0);
    }
}
