//! Traffic control objects as the kernel tells of them (`tc monitor`):
//! qdiscs, classes, filters, chains and actions are kernel memory the
//! kernel charges to no cgroup (probe21l: 99,338 HTB classes a node's root
//! added took 322 MB of the host's, its node's memory limit saw 1.5 MB).
//! Each is an [`Entry`] of [`Class::Tc`] with the message that removes it.
//! A table of them cannot be dumped whole (classes and filters are dumped a
//! device and a parent at a time), so when events were lost the guard
//! removes every qdisc a node attached at a device's root or ingress (with
//! it go its classes, filters and chains) and flushes the actions of every
//! kind seen: the lab itself sets no traffic control on a node.

pub mod filters;

use super::super::netlink::msg::NLA_F_NESTED;
use super::entry::{Class, Entry, attrs, put_attr};

pub const RTM_NEWQDISC: u16 = 36;
pub const RTM_DELQDISC: u16 = 37;
pub const RTM_GETQDISC: u16 = 38;
pub const RTM_NEWTCLASS: u16 = 40;
pub const RTM_DELTCLASS: u16 = 41;
pub const RTM_NEWTFILTER: u16 = 44;
pub const RTM_DELTFILTER: u16 = 45;
pub const RTM_NEWACTION: u16 = 48;
pub const RTM_DELACTION: u16 = 49;
pub const RTM_NEWCHAIN: u16 = 100;
pub const RTM_DELCHAIN: u16 = 101;

const TCA_KIND: u16 = 1;
const TCA_CHAIN: u16 = 11;
/// `TCA_ROOT_TAB` of an action message; each action a nest in it.
const TCA_ACT_TAB: u16 = 1;
const TCA_ACT_KIND: u16 = 1;
const TCA_ACT_INDEX: u16 = 3;
/// Where a qdisc hangs at a device's root and at its ingress (or clsact).
const TC_H_ROOT: u32 = 0xFFFF_FFFF;
const TC_H_INGRESS: u32 = 0xFFFF_FFF1;

/// The action that sends a frame out of (or into) a device again: `tc …
/// action mirred egress redirect dev X` on a veth pair keeps a frame going
/// round in the host's softirq with no process left, as nf_tables' `fwd`
/// does (see [`super::refused_rules::FORWARDS_WHY`]), at a cost per pass the node
/// chooses (filters before it), so no count of frames bounds its work. The
/// lab sets no traffic control on a node; a node with this action, alone or
/// in a filter, is stopped as its event comes.
const REDIRECTING_KIND: &[u8] = b"mirred\0";

/// Why a node with such an action is stopped.
pub const REDIRECTS_WHY: &str = "a traffic control action `mirred` (a frame mirrored or redirected \
     out of or into a device again, which lab makes none of): a frame sent back where it came \
     from goes round in the host's softirq, charged to no one, at a cost per frame the node \
     chooses";

/// Whether a traffic control message's `body` holds a [`REDIRECTING_KIND`]
/// action, as an action or inside a filter's options: its `TCA_ACT_KIND`
/// attribute, header and all (a filter's key bytes that spell the word
/// without it do not count).
pub fn redirects_frames(body: &[u8]) -> bool {
    let mut a = Vec::with_capacity(12);
    a.extend_from_slice(&((4 + REDIRECTING_KIND.len()) as u16).to_ne_bytes());
    a.extend_from_slice(&TCA_ACT_KIND.to_ne_bytes());
    a.extend_from_slice(REDIRECTING_KIND);
    body.windows(a.len()).any(|w| w == a)
}

/// Whether a message of type `ty` tells of a traffic control object added
/// (or changed).
pub fn is_added(ty: u16) -> bool {
    matches!(
        ty,
        RTM_NEWQDISC | RTM_NEWTCLASS | RTM_NEWTFILTER | RTM_NEWACTION | RTM_NEWCHAIN
    )
}

/// Whether a message of type `ty` with `body` tells of a whole object
/// gone: a filter removed by its handle may leave its classifier.
pub fn whole_object_gone(ty: u16, body: &[u8]) -> bool {
    ty != RTM_DELTFILTER || body.get(8..12).is_some_and(|h| h == [0; 4])
}

/// Whether a message of type `ty` tells of one gone.
pub fn is_removed(ty: u16) -> bool {
    matches!(
        ty,
        RTM_DELQDISC | RTM_DELTCLASS | RTM_DELTFILTER | RTM_DELACTION | RTM_DELCHAIN
    )
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_ne_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

/// The objects a message of type `ty` (added or removed) tells of; none for
/// a default qdisc (handle 0: one a device, charged with the device).
pub fn parse(ty: u16, body: &[u8]) -> Vec<Entry> {
    let (tag, del_type) = match ty {
        RTM_NEWQDISC | RTM_DELQDISC => (1, RTM_DELQDISC),
        RTM_NEWTCLASS | RTM_DELTCLASS => (2, RTM_DELTCLASS),
        RTM_NEWTFILTER | RTM_DELTFILTER => (3, RTM_DELTFILTER),
        RTM_NEWCHAIN | RTM_DELCHAIN => (4, RTM_DELCHAIN),
        RTM_NEWACTION | RTM_DELACTION => return actions(body),
        _ => return vec![],
    };
    // struct tcmsg: family, pads (4 bytes), ifindex, handle, parent, info.
    let Some(tcm) = body.get(..20) else {
        return vec![];
    };
    if tag == 1 && u32_at(tcm, 8) == 0 {
        return vec![];
    }
    let list = attrs(&body[20..]);
    let get = |t: u16| list.iter().find(|(x, _)| *x == t).map(|(_, v)| *v);
    // The removal: the same device, handle, parent (and, for a filter, its
    // priority and protocol, kind and chain).
    let mut delete = vec![0u8; 20];
    delete[4..8].copy_from_slice(&tcm[4..8]);
    match tag {
        1 | 2 => delete[8..16].copy_from_slice(&tcm[8..16]),
        // A filter counts as its classifier (device, parent, priority and
        // protocol, kind, chain), whatever its handle, and goes with it:
        // one removed by its handle may leave the classifier, which holds
        // memory too (probe21m: 20,470 empty u32 classifiers on shared
        // blocks, none counted).
        3 => delete[12..20].copy_from_slice(&tcm[12..20]),
        _ => delete[12..16].copy_from_slice(&tcm[12..16]),
    }
    if tag == 3
        && let Some(kind) = get(TCA_KIND)
    {
        put_attr(&mut delete, TCA_KIND, kind);
    }
    if (tag == 3 || tag == 4)
        && let Some(chain) = get(TCA_CHAIN)
    {
        put_attr(&mut delete, TCA_CHAIN, chain);
    }
    let mut key = delete.clone();
    key[0] = tag;
    if tag == 2 {
        // A class is its device's and its id's, whatever its parent.
        key[12..16].fill(0);
    }
    vec![Entry {
        class: Class::Tc,
        key,
        del_type,
        delete,
        multicast: None,
    }]
}

fn major(x: u32) -> u32 {
    x & 0xFFFF_0000
}

/// Of the keys `keys` (of [`Class::Tc`]), those of the objects that went
/// with the qdisc whose key is `qdisc`: on its device, its classes, and
/// the filters, chains and qdiscs under it or under a qdisc under it,
/// however deep (the kernel tells of the qdisc alone).
pub fn gone_with(qdisc: &[u8], keys: &[&Vec<u8>]) -> Vec<Vec<u8>> {
    if qdisc.len() < 20 || qdisc[0] != 1 {
        return vec![];
    }
    let dev = &qdisc[4..8];
    let on_dev: Vec<&Vec<u8>> = keys
        .iter()
        .copied()
        .filter(|k| k.len() >= 20 && &k[4..8] == dev)
        .collect();
    let mut majors = vec![major(u32_at(qdisc, 8))];
    loop {
        let more: Vec<u32> = on_dev
            .iter()
            .filter(|k| {
                // A qdisc hangs under another by its parent class; one at a
                // device's root or ingress hangs under none.
                let parent = u32_at(k, 12);
                k[0] == 1
                    && parent != TC_H_ROOT
                    && parent != TC_H_INGRESS
                    && majors.contains(&major(parent))
            })
            .map(|k| major(u32_at(k, 8)))
            .filter(|m| !majors.contains(m))
            .collect();
        if more.is_empty() {
            break;
        }
        majors.extend(more);
    }
    on_dev
        .into_iter()
        .filter(|k| match k[0] {
            1 | 2 => majors.contains(&major(u32_at(k, 8))),
            3 | 4 => majors.contains(&major(u32_at(k, 12))),
            _ => false,
        })
        .cloned()
        .collect()
}

/// The body of the removal of action `index` of kind `kind`.
fn action_removal(kind: &[u8], index: Option<&[u8]>) -> Vec<u8> {
    let mut one = Vec::new();
    put_attr(&mut one, TCA_ACT_KIND, kind);
    if let Some(i) = index {
        put_attr(&mut one, TCA_ACT_INDEX, i);
    }
    let mut tab = Vec::new();
    put_attr(&mut tab, 1 | NLA_F_NESTED, &one);
    let mut b = vec![0u8; 4]; // struct tcamsg
    put_attr(&mut b, TCA_ACT_TAB | NLA_F_NESTED, &tab);
    b
}

/// The actions an action message tells of (one message may hold several).
fn actions(body: &[u8]) -> Vec<Entry> {
    let Some(rest) = body.get(4..) else {
        return vec![];
    };
    let mut out = Vec::new();
    for (ty, tab) in attrs(rest) {
        if ty != TCA_ACT_TAB {
            continue;
        }
        for (_, one) in attrs(tab) {
            let list = attrs(one);
            let get = |t: u16| list.iter().find(|(x, _)| *x == t).map(|(_, v)| *v);
            let (Some(kind), Some(index)) = (get(TCA_ACT_KIND), get(TCA_ACT_INDEX)) else {
                continue;
            };
            let mut key = vec![5, 0, 0, 0, 0, 0, 0, 0];
            key.extend_from_slice(index);
            key.extend_from_slice(kind);
            out.push(Entry {
                class: Class::Tc,
                key,
                del_type: RTM_DELACTION,
                delete: action_removal(kind, Some(index)),
                multicast: None,
            });
        }
    }
    out
}

/// The kind of each action an action message tells of.
pub fn action_kinds(body: &[u8]) -> Vec<Vec<u8>> {
    let Some(rest) = body.get(4..) else {
        return vec![];
    };
    attrs(rest)
        .into_iter()
        .filter(|(ty, _)| *ty == TCA_ACT_TAB)
        .flat_map(|(_, tab)| attrs(tab))
        .filter_map(|(_, one)| {
            attrs(one)
                .into_iter()
                .find(|(t, _)| *t == TCA_ACT_KIND)
                .map(|(_, k)| k.to_vec())
        })
        .collect()
}

/// The body of the request that flushes every action of `kind` (sent with
/// `NLM_F_ROOT`).
pub fn flush_actions(kind: &[u8]) -> Vec<u8> {
    action_removal(kind, None)
}

/// The removal of a qdisc (from a dump's message body) that a node
/// attached at a device's root or ingress, if it is one.
pub fn attached_qdisc(body: &[u8]) -> Option<Vec<u8>> {
    let tcm = body.get(..20)?;
    let (handle, parent) = (u32_at(tcm, 8), u32_at(tcm, 12));
    (handle != 0 && (parent == TC_H_ROOT || parent == TC_H_INGRESS)).then(|| {
        let mut d = vec![0u8; 20];
        d[4..16].copy_from_slice(&tcm[4..16]);
        d
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcmsg(ifindex: i32, handle: u32, parent: u32, info: u32, list: &[(u16, &[u8])]) -> Vec<u8> {
        let mut b = vec![0u8; 4];
        b.extend_from_slice(&ifindex.to_ne_bytes());
        for v in [handle, parent, info] {
            b.extend_from_slice(&v.to_ne_bytes());
        }
        for (t, v) in list {
            put_attr(&mut b, *t, v);
        }
        b
    }

    #[test]
    fn filters_are_removed_by_device_parent_priority_kind_and_chain() {
        let chain = 0u32.to_ne_bytes();
        let body = tcmsg(
            3,
            0x800_800,
            0x1_0000,
            0x1_0008,
            &[(TCA_KIND, b"u32\0"), (TCA_CHAIN, &chain), (2, &[1; 8])],
        );
        let e = parse(RTM_NEWTFILTER, &body);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].del_type, RTM_DELTFILTER);
        // The whole classifier goes (handle 0); options (attribute 2) are
        // not sent back.
        let kind_chain: &[(u16, &[u8])] = &[(TCA_KIND, b"u32\0"), (TCA_CHAIN, &chain)];
        assert_eq!(e[0].delete, tcmsg(3, 0, 0x1_0000, 0x1_0008, kind_chain));
        // Another handle of the same classifier is the same object; its
        // removal by handle leaves the classifier, a removal whole not.
        let other = tcmsg(3, 0x800_801, 0x1_0000, 0x1_0008, kind_chain);
        assert_eq!(parse(RTM_NEWTFILTER, &other)[0].key, e[0].key);
        assert!(!whole_object_gone(RTM_DELTFILTER, &other));
        assert!(whole_object_gone(RTM_DELTFILTER, &e[0].delete));
        assert!(whole_object_gone(RTM_DELTCLASS, &other));
        assert_eq!(&e[0].key[4..8], &3i32.to_ne_bytes());
        // The same filter gone is the same key.
        assert_eq!(parse(RTM_DELTFILTER, &body)[0].key, e[0].key);
    }

    #[test]
    fn qdiscs_and_classes_and_a_default_qdisc() {
        assert!(parse(RTM_NEWQDISC, &tcmsg(3, 0, TC_H_ROOT, 0, &[])).is_empty());
        let q = parse(
            RTM_NEWQDISC,
            &tcmsg(3, 0x1_0000, TC_H_ROOT, 0, &[(TCA_KIND, b"htb\0")]),
        );
        assert_eq!(q[0].delete, tcmsg(3, 0x1_0000, TC_H_ROOT, 0, &[]));
        let a = parse(RTM_NEWTCLASS, &tcmsg(3, 0x1_0010, 0x1_0000, 0, &[]));
        let b = parse(RTM_NEWTCLASS, &tcmsg(3, 0x1_0010, 0x1_0001, 0, &[]));
        assert_eq!(a[0].key, b[0].key);
        assert_ne!(a[0].key, q[0].key);
        assert_eq!(
            attached_qdisc(&tcmsg(3, 0x1_0000, TC_H_ROOT, 0, &[])),
            Some(tcmsg(3, 0x1_0000, TC_H_ROOT, 0, &[]))
        );
        assert!(attached_qdisc(&tcmsg(3, 0xffff_0000, TC_H_INGRESS, 0, &[])).is_some());
        assert_eq!(attached_qdisc(&tcmsg(3, 0x2_0000, 0x1_0010, 0, &[])), None);
    }

    #[test]
    fn what_goes_with_a_qdisc_goes_however_deep() {
        let key = |ty, b: Vec<u8>| parse(ty, &b).remove(0).key;
        let root = key(RTM_NEWQDISC, tcmsg(3, 0x1_0000, TC_H_ROOT, 0, &[]));
        let class = key(RTM_NEWTCLASS, tcmsg(3, 0x1_0010, 0x1_0000, 0, &[]));
        let child = key(RTM_NEWQDISC, tcmsg(3, 0x2_0000, 0x1_0010, 0, &[]));
        let deep = key(RTM_NEWTFILTER, tcmsg(3, 0x800, 0x2_0000, 0x1_0008, &[]));
        let ingress = key(RTM_NEWQDISC, tcmsg(3, 0xffff_0000, TC_H_INGRESS, 0, &[]));
        let at_ingress = key(RTM_NEWTFILTER, tcmsg(3, 0x1, 0xffff_fff2, 0x1_0008, &[]));
        let elsewhere = key(RTM_NEWTCLASS, tcmsg(4, 0x1_0010, 0x1_0000, 0, &[]));
        let all = [
            &root,
            &class,
            &child,
            &deep,
            &ingress,
            &at_ingress,
            &elsewhere,
        ];
        let mut gone = gone_with(&root, &all);
        gone.sort();
        let mut want = vec![root.clone(), class.clone(), child.clone(), deep.clone()];
        want.sort();
        assert_eq!(gone, want);
        assert_eq!(
            gone_with(&ingress, &all),
            vec![ingress.clone(), at_ingress.clone()]
        );
        assert!(gone_with(&elsewhere, &all).is_empty());
    }

    /// Probe21ah finding 2's loop made with tc: `mirred` is found as an
    /// action's kind, alone or nested in a filter's options.
    #[test]
    fn a_mirred_action_is_found_however_deep() {
        let mut act = Vec::new();
        put_attr(&mut act, TCA_ACT_KIND, b"mirred\0");
        let mut prio = Vec::new();
        put_attr(&mut prio, 1 | NLA_F_NESTED, &act);
        let mut options = Vec::new();
        put_attr(&mut options, 7 | NLA_F_NESTED, &prio);
        let filter = tcmsg(
            3,
            0x800,
            0xffff_fff2,
            0,
            &[(TCA_KIND, b"u32\0"), (2, &options)],
        );
        assert!(redirects_frames(&filter));
        let mut other = Vec::new();
        put_attr(&mut other, TCA_ACT_KIND, b"gact\0");
        put_attr(&mut other, 2, b"mirred\0");
        assert!(!redirects_frames(&tcmsg(
            3,
            0,
            0,
            0,
            &[(TCA_KIND, b"u32\0"), (2, &other)]
        )));
    }

    #[test]
    fn each_action_of_a_message_is_its_own() {
        let mut one = Vec::new();
        put_attr(&mut one, TCA_ACT_KIND, b"gact\0");
        put_attr(&mut one, TCA_ACT_INDEX, &77u32.to_ne_bytes());
        let mut two = Vec::new();
        put_attr(&mut two, TCA_ACT_KIND, b"gact\0");
        put_attr(&mut two, TCA_ACT_INDEX, &78u32.to_ne_bytes());
        let mut tab = Vec::new();
        put_attr(&mut tab, 1 | NLA_F_NESTED, &one);
        put_attr(&mut tab, 2 | NLA_F_NESTED, &two);
        let mut body = vec![0u8; 4];
        put_attr(&mut body, TCA_ACT_TAB | NLA_F_NESTED, &tab);
        let e = parse(RTM_NEWACTION, &body);
        assert_eq!(e.len(), 2);
        assert_ne!(e[0].key, e[1].key);
        assert_eq!(
            e[0].delete,
            action_removal(b"gact\0", Some(&77u32.to_ne_bytes()))
        );
        assert_eq!(
            action_kinds(&body),
            vec![b"gact\0".to_vec(), b"gact\0".to_vec()]
        );
    }
}
