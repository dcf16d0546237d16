//! Tests of `dumped`: dumps read, objects past the bound removed.

use super::*;

/// A dumped nexthop of id `id` (an `nhmsg` and `NHA_ID`, `NHA_BLACKHOLE`).
fn nexthop(id: u32, seq: u32) -> Vec<u8> {
    let mut body = vec![2u8, 0, 3, 0, 0, 0, 0, 0];
    body.extend_from_slice(&8u16.to_ne_bytes());
    body.extend_from_slice(&NHA_ID.to_ne_bytes());
    body.extend_from_slice(&id.to_ne_bytes());
    body.extend_from_slice(&4u16.to_ne_bytes());
    body.extend_from_slice(&2u16.to_ne_bytes());
    message(RTM_NEWNEXTHOP, 2, seq, &body)
}

#[test]
fn objects_past_the_bound_are_removed_by_id_in_the_kernels_order() {
    let mut b: Vec<u8> = (1..=5).flat_map(|i| nexthop(i, 7)).collect();
    // Another request's answer is no part of this dump.
    b.extend(nexthop(99, 6));
    let (mut seen, mut out) = (Seen::default(), Vec::new());
    assert!(!read_dump(Kind::Nexthops, &b, 7, 3, &mut seen, &mut out));
    assert_eq!(seen.weight, 5);
    let ids: Vec<u32> = out
        .chunks(32)
        .map(|m| {
            assert_eq!(u16::from_ne_bytes([m[4], m[5]]), RTM_DELNEXTHOP);
            u32::from_ne_bytes(m[28..32].try_into().unwrap())
        })
        .collect();
    assert_eq!(ids, [4, 5]);
    assert!(read_dump(
        Kind::Nexthops,
        &message(NLMSG_DONE, 2, 7, &[0; 4]),
        7,
        3,
        &mut seen,
        &mut out
    ));
}

/// probe21ax: past the bound by more than a sweep's read, the dump
/// ends unread there and says so.
#[test]
fn a_dump_ends_unread_past_what_a_sweep_reads() {
    let n = 3 + READ_PAST_THE_BOUND as u32 + 5;
    let b: Vec<u8> = (1..=n).flat_map(|i| nexthop(i, 7)).collect();
    let (mut seen, mut out) = (Seen::default(), Vec::new());
    assert!(read_dump(Kind::Nexthops, &b, 7, 3, &mut seen, &mut out));
    assert!(seen.overflowed);
    assert_eq!(seen.weight, 3 + READ_PAST_THE_BOUND + 1);
    let (mut seen, mut out) = (Seen::default(), Vec::new());
    let b: Vec<u8> = (1..=100).flat_map(|i| nexthop(i, 7)).collect();
    assert!(!read_dump(Kind::Nexthops, &b, 7, 3, &mut seen, &mut out));
    assert!(!seen.overflowed);
}

/// An error answering a removal refuses it, unless it says the object was
/// not there (`ENOENT`, gone meanwhile: no refusal, probe21bq lesser 1).
/// Seen failing with `ENOENT` counted as before: 2 refusals, not 1.
#[test]
fn only_errors_answering_a_removal_are_refusals() {
    let error = |code: i32, seq| message(NLMSG_ERROR, 0, seq, &code.to_ne_bytes());
    let b = [
        error(-22, 0),
        error(0, 0),
        error(-2, 0),
        error(-22, 9),
        nexthop(1, 0),
    ]
    .concat();
    assert_eq!(refusals(&b), (1, 1));
}

/// probe21y: one resilient group's bucket table is 2 MB of the host's.
#[test]
fn a_resilient_group_weighs_by_its_buckets() {
    let group = |id: u32, buckets: u16, seq: u32| {
        let mut body = vec![2u8, 0, 0, 0, 0, 0, 0, 0];
        body.extend(attr(NHA_ID, &id.to_ne_bytes()));
        let res = attr(NHA_RES_GROUP_BUCKETS, &buckets.to_ne_bytes());
        body.extend(attr(NHA_RES_GROUP | 0x8000, &res));
        message(RTM_NEWNEXTHOP, 2, seq, &body)
    };
    assert_eq!(Kind::Nexthops.weight(&group(1, 128, 0)[16..]), 13);
    assert_eq!(Kind::Nexthops.weight(&nexthop(1, 0)[16..]), 1);
    let mut with_a_device = vec![2u8, 0, 0, 0, 0, 0, 0, 0];
    with_a_device.extend(attr(NHA_ID, &9u32.to_ne_bytes()));
    with_a_device.extend(attr(NHA_OIF, &3u32.to_ne_bytes()));
    assert_eq!(Kind::Nexthops.weight(&with_a_device), WITH_A_DEVICE);
    // Two small objects, then a group of 65,535 buckets: the group is
    // past a bound of 288 by itself, and so is what follows it.
    let mut b: Vec<u8> = (1..=2).flat_map(|i| nexthop(i, 7)).collect();
    b.extend(group(3, u16::MAX, 7));
    b.extend(nexthop(4, 7));
    let (mut seen, mut out) = (Seen::default(), Vec::new());
    read_dump(Kind::Nexthops, &b, 7, 288, &mut seen, &mut out);
    assert_eq!(seen.weight, 2 + 6554 + 1);
    assert_eq!(seen.heaviest, 6554);
    assert_eq!(messages(&out).count(), 2);
}

/// An IPv6 route out of `lo` added while events were lost is found by
/// the dump (seen failing with the dump counting only).
#[test]
fn a_dump_finds_an_ipv6_route_out_of_loopback() {
    let route = |ty: u8, oif: u32| {
        let mut body = vec![libc::AF_INET6 as u8, 64, 0, 0, 254, 3, 0, ty, 0, 0, 0, 0];
        body.extend(attr(4, &oif.to_ne_bytes()));
        message(RTM_NEWROUTE, 2, 7, &body)
    };
    // Unreachable (type 7) and local (2) routes on `lo`, a unicast one
    // out of another device: nothing.
    let b = [route(7, 1), route(2, 1), route(1, 3)].concat();
    let (mut seen, mut out) = (Seen::default(), Vec::new());
    read_dump(Kind::Ipv6Routes, &b, 7, 100, &mut seen, &mut out);
    assert_eq!((seen.weight, seen.out_of_loopback), (3, false));
    read_dump(Kind::Ipv6Routes, &route(1, 1), 7, 100, &mut seen, &mut out);
    assert!(seen.out_of_loopback);
}

#[test]
fn a_label_is_removed_by_the_body_it_was_dumped_with() {
    let body = [
        10u8, 0, 48, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1, 0, 32, 1, 13, 184,
    ];
    assert_eq!(
        Kind::AddressLabels.removals(&body),
        [(RTM_DELADDRLABEL, body.to_vec())]
    );
    assert!(Kind::Nexthops.removals(&[0; 8]).is_empty());
}

fn attr(ty: u16, payload: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    super::super::super::netlink::msg::attr(&mut b, ty, payload);
    b
}

#[test]
fn every_multicast_entry_of_a_bridge_is_removed_by_the_bridge_and_the_entry() {
    // A bridge of index 5 with two entries, each an entry's 28 bytes
    // and a further attribute (a timer) the removal leaves out.
    let entry = |port: u8| {
        let mut e = vec![port, 0, 0, 0, 1, 0, 0, 0, 239, 1, 0, port];
        e.extend_from_slice(&[0; 12]);
        e.extend_from_slice(&[8, 0, 0, 0]);
        e.extend(attr(1, &7u32.to_ne_bytes()));
        attr(MDBA_MDB_ENTRY, &attr(MDBA_MDB_ENTRY_INFO, &e))
    };
    // As this kernel dumps it: no family.
    let mut body = vec![0, 0, 0, 0];
    body.extend_from_slice(&5u32.to_ne_bytes());
    body.extend(attr(MDBA_MDB, &[entry(3), entry(4)].concat()));
    let r = Kind::Mdb.removals(&body);
    assert_eq!(r.len(), 2);
    for ((ty, b), port) in r.iter().zip([3u8, 4]) {
        assert_eq!(*ty, RTM_DELMDB);
        assert_eq!(b[0], libc::AF_BRIDGE as u8);
        assert_eq!(&b[1..8], &body[1..8]);
        assert_eq!(
            u16::from_ne_bytes([b[8], b[9]]) as usize,
            4 + MDB_ENTRY_BYTES
        );
        assert_eq!(b.len(), 12 + MDB_ENTRY_BYTES);
        assert_eq!((b[12], b[23]), (port, port));
    }
}
