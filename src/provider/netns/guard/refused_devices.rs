//! The kinds of device a node may not keep: removed as their event comes,
//! and the node stopped (or stopped at the next count of its devices, where
//! the event was lost).
//!
//! Why each: a vxlan with a VNI filter (see
//! [`super::l2_loops::VNI_FILTER_WHY`]); a macvtap or ipvtap, whose
//! character device the kernel makes in the host's `/dev` (`/dev/tapN`, N
//! the index the node chose, whatever namespace the device is in) from one
//! minor number the whole host shares (probe21ar: three namespaces' devices
//! of index 3000, one `/dev/tap3000` for the first; 1,000 in 0.49 s, and
//! about 64 nodes at the device bound would take every minor, so that no
//! macvtap could be made on the host; a host VM on a macvtap could open a
//! node's). A node cannot open `/dev/tapN` itself, so it loses nothing a VM
//! of the chapter would have.

use super::l2_loops::{Link, VNI_FILTER_WHY};

/// The kinds whose device the kernel gives a host-wide `/dev/tapN`.
const HOST_CHARACTER_DEVICES: [&[u8]; 2] = [b"macvtap", b"ipvtap"];

const TAP_WHY: &str = "a macvtap or ipvtap device, whose `/dev/tapN` the kernel makes in the \
     host's /dev from a minor number the whole host shares";

/// Why the node may not keep the device `l`, if it may not.
pub fn why(l: &Link) -> Option<&'static str> {
    if l.vni_filter {
        return Some(VNI_FILTER_WHY);
    }
    HOST_CHARACTER_DEVICES
        .contains(&l.kind.as_slice())
        .then_some(TAP_WHY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_and_vni_filters_are_refused_other_kinds_kept() {
        let of = |kind: &str, vni_filter| Link {
            kind: kind.as_bytes().to_vec(),
            vni_filter,
            ..Link::default()
        };
        assert_eq!(why(&of("macvtap", false)), Some(TAP_WHY));
        assert_eq!(why(&of("ipvtap", false)), Some(TAP_WHY));
        assert_eq!(why(&of("vxlan", true)), Some(VNI_FILTER_WHY));
        for kept in ["vxlan", "macvlan", "veth", "bridge", "tun"] {
            assert_eq!(why(&of(kept, false)), None, "{kept}");
        }
    }
}
