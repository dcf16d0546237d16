//! The kernel's own verdict on the way to an address, read before any
//! packet is sent: an expected "unreachable" is decided by evidence as soon
//! as there is some, and the tables of the source say so without waiting
//! for a reply that cannot come.
//!
//! Two verdicts are evidence: the kernel has no route (`ip route get`
//! fails), or the route leaves through the overlay device and the FDB entry
//! of its next hop sends the encapsulated frame to an address of the node
//! itself (the chapter's broken case: every VTEP is 10.0.2.15, so the VXLAN
//! driver hands the frame back to the node and it never leaves). Anything
//! else, including tables that cannot be read, decides nothing: the probe
//! then sends its packet and waits (see [`super::deadline`]).

use super::deadline::Deadline;
use super::target::Endpoint;
use super::{Asked, Cx};
use crate::report::Verdict;
use std::net::Ipv4Addr;

/// How an expected "unreachable" from `from` to an address is decided.
pub enum Unreachable {
    /// The kernel's tables decided: the verdict, what it says, what ran.
    Decided((Verdict, String, String)),
    /// They decided nothing: send the packet and wait this long (derived
    /// from the lab's round-trip time); what ran so far.
    Wait(Deadline, String),
}

/// An expected "unreachable": the kernel's tables first ([`verdict`]),
/// then the deadline the probe's packet waits.
pub async fn unreachable(cx: &Cx<'_>, from: &Endpoint, ip: Ipv4Addr) -> Asked<Unreachable> {
    let (decided, text) = verdict(cx, from, ip).await?;
    Ok(match decided {
        Some(why) => Unreachable::Decided((
            Verdict::Pass,
            format!("unreachable (decided by: {why})"),
            text,
        )),
        None => Unreachable::Wait(cx.rtt.deadline(cx).await, text),
    })
}

/// The kernel's verdict on the way from `from` to `ip`, if it decides, and
/// the command and its output. Read in the source's own namespace: a pod's
/// tables say whether it has a route; its node's overlay is left to the
/// echo, whose ICMP error comes back at once.
pub async fn verdict(
    cx: &Cx<'_>,
    from: &Endpoint,
    ip: Ipv4Addr,
) -> Asked<(Option<String>, String)> {
    let overlay = cx.cni.overlay_device();
    let cmd = command(ip, &overlay);
    let out = cx.run_from(from, &cmd).await?;
    let text = format!("$ {cmd}\n{}", out.text());
    Ok((decide(&out.stdout, ip, &overlay), text))
}

/// The script that prints what [`decide`] reads, run in the namespace whose
/// tables route the packet (a node, or a pod for its own route).
pub fn command(ip: Ipv4Addr, overlay: &str) -> String {
    format!(
        "echo '### route'; ip -4 route get {ip} 2>&1; echo \"route-exit=$?\"; \
         echo '### link'; ip -d link show {overlay} 2>&1; \
         echo '### neigh'; ip -4 neigh show dev {overlay} 2>&1; \
         echo '### fdb'; bridge fdb show dev {overlay} 2>&1; \
         echo '### addr'; ip -4 -o addr show 2>&1"
    )
}

/// The kernel's verdict, when it decides: what decided it, in words.
pub fn decide(out: &str, ip: Ipv4Addr, overlay: &str) -> Option<String> {
    let section = |name: &str| section(out, name);
    let route = section("route");
    let exit = route
        .lines()
        .find_map(|l| l.trim().strip_prefix("route-exit="))?
        .trim();
    if exit != "0" {
        // Only the kernel's own answer is a verdict; `ip` missing or broken
        // is not.
        let why = route
            .lines()
            .find_map(|l| l.trim().strip_prefix("RTNETLINK answers: "))?;
        return matches!(why, "Network is unreachable" | "No route to host")
            .then(|| format!("no route to {ip} (ip route get: {why})"));
    }
    let words: Vec<&str> = route.lines().next()?.split_whitespace().collect();
    let after = |key: &str| {
        words
            .iter()
            .position(|w| *w == key)
            .and_then(|i| words.get(i + 1))
            .copied()
    };
    if after("dev")? != overlay {
        return None;
    }
    let hop: Ipv4Addr = match after("via") {
        Some(v) => v.parse().ok()?,
        None => ip,
    };
    // The next hop's MAC on the overlay ...
    let mac = section("neigh").lines().find_map(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        (w.first()?.parse::<Ipv4Addr>().ok()? == hop && w.get(1) == Some(&"lladdr"))
            .then(|| w.get(2).map(|m| m.to_ascii_lowercase()))?
    })?;
    // ... its FDB entry's destination ...
    let dst: Ipv4Addr = section("fdb").lines().find_map(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        (w.first()?.eq_ignore_ascii_case(&mac) && w.get(1) == Some(&"dst"))
            .then(|| w.get(2)?.parse().ok())?
    })?;
    // ... is an address of this node.
    let own = section("addr").lines().any(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.iter()
            .position(|x| *x == "inet")
            .and_then(|i| w.get(i + 1))
            .and_then(|a| a.split('/').next()?.parse::<Ipv4Addr>().ok())
            == Some(dst)
    });
    if !own {
        return None;
    }
    let link = section("link");
    let local = link
        .split_whitespace()
        .skip_while(|w| *w != "local")
        .nth(1)
        .and_then(|a| a.parse::<Ipv4Addr>().ok());
    let whose = if local == Some(dst) {
        format!("this node's own VTEP {dst}")
    } else {
        format!("this node's own address {dst}")
    };
    Some(format!(
        "{overlay}'s FDB sends {ip} (next hop {hop}, {mac}) to {whose}"
    ))
}

/// The body of the `### name` section of `out`.
fn section(out: &str, name: &str) -> String {
    let mut body = String::new();
    let mut inside = false;
    for line in out.lines() {
        if let Some(n) = line.strip_prefix("### ") {
            inside = n.trim() == name;
        } else if inside {
            body.push_str(line);
            body.push('\n');
        }
    }
    body
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// node1 of chapter4 broken, as the kernel prints it (`own_vtep`: the
    /// FDB entry of node2's VTEP points at 10.0.2.15).
    pub fn node1(own_vtep: bool) -> String {
        let dst = if own_vtep {
            "10.0.2.15"
        } else {
            "10.100.198.202"
        };
        format!(
            "### route\n10.244.2.2 via 10.244.2.0 dev flannel.1 src 10.244.1.0 uid 0 \n    cache \nroute-exit=0\n\
             ### link\n4: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450\n    link/ether 0e:8b:6c:ed:00:01 brd ff:ff:ff:ff:ff:ff\n    vxlan id 1 local 10.0.2.15 dev enp0s3 srcport 0 0 dstport 8472 nolearning\n\
             ### neigh\n10.244.2.0 lladdr 0e:8b:6c:ed:00:02 PERMANENT \n10.244.0.0 lladdr 0e:8b:6c:ed:00:00 PERMANENT \n\
             ### fdb\n0e:8b:6c:ed:00:02 dst {dst} self permanent\n0e:8b:6c:ed:00:00 dst 10.0.2.15 self permanent\n\
             ### addr\n1: lo    inet 127.0.0.1/8 scope host lo\n2: enp0s3    inet 10.0.2.15/24 scope global enp0s3\n\
             3: enp0s8    inet 10.100.198.201/24 scope global enp0s8\n"
        )
    }

    const POD: Ipv4Addr = Ipv4Addr::new(10, 244, 2, 2);

    #[test]
    fn an_fdb_entry_at_the_node_itself_decides() {
        assert_eq!(
            decide(&node1(true), POD, "flannel.1").as_deref(),
            Some(
                "flannel.1's FDB sends 10.244.2.2 (next hop 10.244.2.0, 0e:8b:6c:ed:00:02) \
                 to this node's own VTEP 10.0.2.15"
            )
        );
    }

    #[test]
    fn a_path_that_leads_elsewhere_decides_nothing() {
        // The fix: node2's VTEP is node2's address.
        assert_eq!(decide(&node1(false), POD, "flannel.1"), None);
        // Another device than the overlay (a pod's route to its gateway).
        let pod = "### route\n10.244.2.2 via 10.244.1.1 dev eth0 src 10.244.1.2\nroute-exit=0\n";
        assert_eq!(decide(pod, POD, "flannel.1"), None);
        // The next hop has no neighbour, or its MAC no FDB entry.
        let no_neigh = node1(true).replace("10.244.2.0 lladdr", "10.244.9.0 lladdr");
        assert_eq!(decide(&no_neigh, POD, "flannel.1"), None);
        let no_fdb = node1(true).replace("0e:8b:6c:ed:00:02 dst", "0e:8b:6c:ed:00:09 dst");
        assert_eq!(decide(&no_fdb, POD, "flannel.1"), None);
        // The FDB's destination is not an address of the node.
        let elsewhere = node1(true).replace("inet 10.0.2.15/24", "inet 10.0.2.16/24");
        assert_eq!(decide(&elsewhere, POD, "flannel.1"), None);
    }

    #[test]
    fn no_route_decides_only_as_the_kernel_says_it() {
        let none = "### route\nRTNETLINK answers: Network is unreachable\nroute-exit=2\n";
        assert_eq!(
            decide(none, POD, "flannel.1").as_deref(),
            Some("no route to 10.244.2.2 (ip route get: Network is unreachable)")
        );
        // `ip` missing, or output cut short: no verdict.
        let missing = "### route\nsh: ip: not found\nroute-exit=127\n";
        assert_eq!(decide(missing, POD, "flannel.1"), None);
        assert_eq!(decide("", POD, "flannel.1"), None);
        let other = "### route\nRTNETLINK answers: Invalid argument\nroute-exit=2\n";
        assert_eq!(decide(other, POD, "flannel.1"), None);
    }
}
