//! flanneld's log on a node, as its own lines would read (klog headers).

use super::names;
use super::{Choice, Lease};
use crate::cni::flannel::FlannelConfig;
use std::fmt::Write as _;

/// flanneld's command line as the manifest gives it (reconstructed).
fn flags(cfg: &FlannelConfig) -> String {
    let mut f = vec![];
    if cfg.ip_masq {
        f.push("--ip-masq".to_string());
    }
    f.push("--kube-subnet-mgr".into());
    f.extend(cfg.iface.iter().map(|v| format!("--iface={v}")));
    f.extend(cfg.iface_regex.iter().map(|v| format!("--iface-regex={v}")));
    f.extend(
        cfg.iface_can_reach
            .iter()
            .map(|v| format!("--iface-can-reach={v}")),
    );
    f.extend(cfg.public_ip.iter().map(|v| format!("--public-ip={v}")));
    f.join(" ")
}

/// flanneld's log on a node: its start, the interface decision, the lease,
/// the backend and the peers it programmed. `now` is Unix time in
/// microseconds, for klog-style headers.
pub fn flanneld_log(
    cfg: &FlannelConfig,
    choice: &Choice,
    me: &Lease,
    peers: &[&Lease],
    now_us: u64,
) -> String {
    let mut lines: Vec<(&str, String)> = vec![
        ("main.go:211", format!("CLI flags config: {}", flags(cfg))),
        (
            "kube.go:139",
            "Waiting 10m0s for node controller to sync".into(),
        ),
        ("kube.go:469", "Starting kube subnet manager".into()),
        ("kube.go:146", "Node controller sync successful".into()),
        (
            "main.go:231",
            format!(
                "Created subnet manager: Kubernetes Subnet Manager - {}",
                me.node
            ),
        ),
        ("main.go:234", "Installing signal handlers".into()),
        (
            "main.go:452",
            format!("Found network config - Backend type: {}", cfg.backend),
        ),
    ];
    lines.extend(choice.log.iter().cloned());
    lines.push((
        "vxlan.go:141",
        format!(
            "VXLAN config: VNI={} Port={} GBP=false Learning=false DirectRouting=false",
            cfg.vni, cfg.port
        ),
    ));
    lines.push(("kube.go:636", format!("List of node({}) annotations: flannel.alpha.coreos.com/backend-data: {{\"VNI\":{},\"VtepMAC\":\"{}\"}}, flannel.alpha.coreos.com/public-ip: {}", me.node, cfg.vni, me.mac, me.public_ip)));
    lines.push((
        "main.go:339",
        format!(
            "Acquired lease {} for node {} (public address {})",
            me.subnet, me.node, me.public_ip
        ),
    ));
    lines.push((
        "vxlan_network.go:50",
        format!(
            "VTEP {}: VNI {} local {} dev {} dstport {} MTU {} MAC {}",
            names::VXLAN_IF,
            cfg.vni,
            me.public_ip,
            me.iface,
            cfg.port,
            me.mtu,
            me.mac
        ),
    ));
    if cfg.ip_masq {
        lines.push(("main.go:357", "Setting up masking rules".into()));
    }
    lines.push((
        "main.go:408",
        "Changing default FORWARD chain policy to ACCEPT".into(),
    ));
    lines.push((
        "main.go:421",
        "Wrote subnet file to /run/flannel/subnet.env".into(),
    ));
    lines.push(("main.go:425", "Running backend.".into()));
    lines.push((
        "vxlan_network.go:65",
        "watching for new subnet leases".into(),
    ));
    for p in peers {
        lines.push((
            "vxlan_network.go:208",
            format!(
                "Subnet added: {} via {} (VTEP {} at {})",
                p.subnet,
                p.public_ip,
                p.mac,
                p.vtep_ip()
            ),
        ));
    }
    let header = klog_time(now_us);
    let mut out = String::new();
    for (src, msg) in lines {
        let _ = writeln!(out, "I{header}       1 {src}] {msg}");
    }
    out
}

/// klog's `MMDD hh:mm:ss.uuuuuu` (UTC) for Unix time in microseconds.
pub fn klog_time(now_us: u64) -> String {
    let t = crate::clock::Utc::from_unix(now_us / 1_000_000);
    format!(
        "{:02}{:02} {:02}:{:02}:{:02}.{:06}",
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        now_us % 1_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::super::choose;
    use super::super::iface::tests::host;
    use super::super::tests::{cfg, lease};
    use super::*;

    #[test]
    fn log_has_flanneld_lines_with_klog_headers() {
        let c = choose(&cfg(), &host("10.100.198.201")).unwrap();
        let me = lease("node1", 1, "10.0.2.15");
        let p = lease("node2", 2, "10.0.2.15");
        let log = flanneld_log(&cfg(), &c, &me, &[&p], 1_764_211_201_123_456);
        assert!(log.contains("I1127 02:40:01.123456       1 match.go:210] Determining IP address of default interface\n"), "{log}");
        assert!(log.contains("] Using interface with name enp0s3 and address 10.0.2.15\n"));
        assert!(log.contains("] Defaulting external address to interface address (10.0.2.15)\n"));
        assert!(log.contains("Subnet added: 10.244.2.0/24 via 10.0.2.15"));
        assert_eq!(klog_time(0), "0101 00:00:00.000000");
        assert_eq!(klog_time(951_782_400_000_000), "0229 00:00:00.000000");
    }
}
