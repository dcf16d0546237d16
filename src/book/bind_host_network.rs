//! A flannel pod runs with `hostNetwork`: its IP is its node's address. A
//! table of the book that shows a flannel pod's IP but no NODE column
//! still says which node runs it, when that IP is a node's address of the
//! lab (node addresses are the lab's own values, compared, never bound).
//! Without it, a line for that pod could not be placed (probe21ba, lesser
//! 8).

use super::{Binding, PodKind};
use crate::spec::Lab;

/// Give every flannel pod the book shows without a node, but with a
/// node's address as its IP, that node.
pub fn place_by_node_address(lab: &Lab, b: &mut Binding) {
    for p in b.pods.values_mut() {
        if p.kind != PodKind::Flannel || p.node.is_some() {
            continue;
        }
        let Some(ip) = p.ip else { continue };
        let mut on = lab.nodes.iter().filter(|n| n.ip == ip);
        if let (Some(n), None) = (on.next(), on.next()) {
            p.node = Some(n.name.clone());
        }
    }
}

#[cfg(test)]
#[path = "bind_host_network_tests.rs"]
mod tests;
