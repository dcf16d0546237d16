//! probe21by, finding 6 (`SU1`, `SU2`, `SU7`).

use super::super::tests::{block, chapter4};
use super::super::tests_drift::on_netns;
use super::needs_root;
use crate::book::Verdict;

#[test]
fn what_needs_root() {
    for c in [
        "tcpdump -i flannel.1",
        "/usr/sbin/tcpdump -n -i cni0",
        "kubeadm init --pod-network-cidr 10.244.0.0/16",
        "kubeadm join 10.100.198.200:6443 --token abc",
        "kubeadm reset -f",
        "ip link set cni0 down",
        "ip route add 10.244.3.0/24 via 10.100.198.202",
        "ip addr flush dev cni0",
        "iptables -L -n",
        "iptables-save",
        "sysctl -w net.ipv4.ip_forward=1",
        "swapoff -a",
        "systemctl restart kubelet",
    ] {
        assert!(needs_root(c).is_some(), "{c}");
    }
    for c in [
        "sudo tcpdump -i flannel.1",
        "tcpdump -r capture.pcap",
        "ip route",
        "ip route show",
        "ip link show cni0",
        "ip -d link show flannel.1",
        "route -n",
        "kubeadm version",
        "kubeadm token list --help",
        "cat /run/flannel/subnet.env",
        "ping -c 1 10.244.3.3",
        "sysctl net.ipv4.ip_forward",
        "systemctl status kubelet",
    ] {
        assert!(needs_root(c).is_none(), "{c}");
    }
}

/// The chapter's capture typed without `sudo`, in node1's session or at
/// the vagrant user's prompt, drifts; at a root prompt it is fine. Seen
/// failing first: the block was `match` each time.
#[tokio::test]
async fn a_capture_without_sudo_as_the_vagrant_user_drifts() {
    let (_, c) = chapter4();
    let at = c
        .text
        .lines()
        .position(|l| l.trim() == "sudo tcpdump -i flannel.1")
        .expect("the chapter's capture");
    let with = |line: &str| {
        let mut lines: Vec<&str> = c.text.lines().collect();
        lines[at] = line;
        lines.join("\n") + "\n"
    };
    let opening = c.blocks.iter().rfind(|b| b.line <= at).unwrap().line;
    let base = on_netns(&with("sudo tcpdump -i flannel.1")).await;
    let before = block(&base, opening).verdict;
    assert_ne!(before, Verdict::Drift, "{:#?}", block(&base, opening));
    for typed in [
        "tcpdump -i flannel.1",
        "vagrant@node1:~$ tcpdump -i flannel.1",
    ] {
        let r = on_netns(&with(typed)).await;
        let b = block(&r, opening);
        assert_eq!(b.verdict, Verdict::Drift, "{typed}: {b:#?}");
        assert!(
            b.commands.iter().any(|c| c
                .differences
                .iter()
                .any(|d| d.contains("the reader's shell is `vagrant`, not root"))),
            "{b:#?}"
        );
    }
    let r = on_netns(&with("root@node1:~# tcpdump -i flannel.1")).await;
    assert!(
        !block(&r, opening)
            .commands
            .iter()
            .any(|c| c.differences.iter().any(|d| d.contains("not root"))),
        "{:#?}",
        block(&r, opening)
    );
}

/// probe21by `SU6`: the chapter's `sudo kubeadm init` (no prompt, no
/// session) typed without `sudo` drifts; with it, it does not. Seen
/// failing first: skipped, "`lab up` initialised the cluster".
#[tokio::test]
async fn kubeadm_init_without_sudo_and_without_a_prompt_drifts() {
    let (_, c) = chapter4();
    let line = "sudo kubeadm init --apiserver-advertise-address 10.100.198.200 --pod-network-cidr 10.244.0.0/16";
    let at = c.text.lines().position(|l| l.trim() == line).unwrap();
    let opening = c.blocks.iter().rfind(|b| b.line <= at).unwrap().line;
    let r = on_netns(&c.text.replace(line, line.trim_start_matches("sudo "))).await;
    assert_eq!(
        block(&r, opening).verdict,
        Verdict::Drift,
        "{:#?}",
        block(&r, opening)
    );
    let r = on_netns(&c.text).await;
    assert_ne!(block(&r, opening).verdict, Verdict::Drift);
}
