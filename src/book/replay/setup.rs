//! The lines a chapter sets its machines up with, which `lab up` stands
//! for: `vagrant up`, `kubeadm join`, `swapoff -a`, the Kubernetes packages
//! installed and their services enabled, the kubeconfig copied. Held to
//! exactly those shapes: installing another package (`firewalld`),
//! enabling another service (`ufw`), a copy elsewhere or a sysctl file of
//! the chapter's own may change what later blocks compare (probe21j).

use super::reads::{part_reads, parts, reads_only, runs_unseen, words};

/// What a line lab does not understand does to what the reader has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// It only reads.
    Reads,
    /// It sets a machine up as the lab's bring-up already did.
    Setup,
    /// It may change what later blocks compare.
    Changes,
}

/// The packages a Kubernetes install guide puts on a node (a version
/// after `=` aside).
const PACKAGES: &[&str] = &[
    "kubelet",
    "kubeadm",
    "kubectl",
    "kubernetes-cni",
    "cri-tools",
    "docker.io",
    "docker-ce",
    "docker-ce-cli",
    "containerd",
    "containerd.io",
    "apt-transport-https",
    "ca-certificates",
    "curl",
    "gnupg",
    "gpg",
    "lsb-release",
    "software-properties-common",
];

/// The services such a guide enables and starts.
const SERVICES: &[&str] = &["kubelet", "docker", "containerd"];

/// What `line` (a whole command line as the book types it, prompt gone)
/// does: see [`Effect`].
pub fn effect(line: &str) -> Effect {
    if reads_only(line) {
        return Effect::Reads;
    }
    // The kubeconfig's owner is the one `$(…)` a guide types.
    let shown = line.replace("$(id -u):$(id -g)", "USER");
    if !runs_unseen(&shown)
        && parts(line).all(|p| {
            let w = words(p);
            sets_up(&w) || (part_reads(&w) && !runs_unseen(p))
        })
    {
        Effect::Setup
    } else {
        Effect::Changes
    }
}

/// Whether one command (its words) is a step the bring-up stands for.
fn sets_up(w: &[&str]) -> bool {
    let Some((program, args)) = w.split_first() else {
        return false;
    };
    let named: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .copied()
        .collect();
    let package = |a: &&str| PACKAGES.contains(&a.split('=').next().unwrap_or(a));
    let service = |a: &&str| SERVICES.contains(&a.trim_end_matches(".service"));
    // The kubeconfig: `cp -i /etc/kubernetes/admin.conf $HOME/.kube/config`,
    // `chown $(id -u):$(id -g) $HOME/.kube/config`.
    let kubeconfig = |a: &&str| {
        a.contains(".kube") || *a == "/etc/kubernetes/admin.conf" || *a == "$(id -u):$(id -g)"
    };
    match (*program, named.as_slice()) {
        ("vagrant", ["up", ..]) => true,
        ("kubeadm", [verb, ..]) => ["join", "token", "config", "version"].contains(verb),
        ("swapoff", _) => args == ["-a"],
        ("apt" | "apt-get" | "yum" | "dnf", ["update"]) => true,
        ("apt" | "apt-get" | "yum" | "dnf", ["install", rest @ ..]) => rest.iter().all(package),
        ("apt-mark", ["hold" | "unhold", rest @ ..]) => rest.iter().all(package),
        ("systemctl", ["daemon-reload"]) => true,
        ("systemctl", ["enable" | "start" | "restart", rest @ ..]) => {
            !rest.is_empty() && rest.iter().all(service)
        }
        ("modprobe", [module]) => args.len() == 1 && ["br_netfilter", "overlay"].contains(module),
        ("sysctl", []) => args == ["--system"] || args == ["-p"],
        ("mkdir", _) => true,
        // The user let into docker's group; the lab folder entered; the
        // kubeconfig named.
        ("usermod", ["docker", _]) => args.first().is_some_and(|f| *f == "-aG"),
        ("newgrp", ["docker"]) => true,
        ("cd", [_]) => true,
        ("export", [var]) => ["KUBECONFIG=", "PATH="].iter().any(|v| var.starts_with(v)),
        ("cp" | "chown" | "chmod", [_, ..]) => {
            // chown's owner word and chmod's mode aside, every path is the
            // kubeconfig's.
            let paths = match *program {
                "cp" => &named[..],
                _ => &named[1..],
            };
            !paths.is_empty() && paths.iter().all(kubeconfig)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{Effect, effect};

    #[test]
    fn only_the_bring_ups_own_steps_are_setup() {
        for line in [
            "vagrant up",
            "sudo kubeadm join 10.100.198.200:6443 --token abc --discovery-token-ca-cert-hash sha256:x",
            "sudo swapoff -a",
            "sudo apt-get update",
            "sudo apt-get install -y kubelet=1.32.0-1.1 kubeadm kubectl",
            "sudo apt-mark hold kubelet kubeadm kubectl",
            "sudo systemctl enable --now kubelet",
            "sudo systemctl daemon-reload",
            "sudo modprobe br_netfilter",
            "mkdir -p $HOME/.kube",
            "sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config",
            "sudo sysctl --system",
            "sudo chown $(id -u):$(id -g) $HOME/.kube/config",
            "sudo usermod -aG docker $USER",
            "cd k8s-lab",
            "export KUBECONFIG=$HOME/.kube/config",
        ] {
            assert_eq!(effect(line), Effect::Setup, "{line}");
        }
        for line in [
            "sudo kubeadm reset -f",
            "sudo apt-get install -y firewalld",
            "sudo apt-get purge -y kubelet kubeadm",
            "sudo systemctl enable --now ufw",
            "sudo modprobe br_netfilter -r",
            "sudo sysctl -p /etc/sysctl.d/99-lab.conf",
            "sudo cp /tmp/subnet.env /run/flannel/subnet.env",
            "chmod 000 /run/flannel/subnet.env ~/.kube/config",
            "tar -C /opt/cni/bin -xzf cni.tgz",
            "vagrant halt node2",
            "echo 0 > /proc/sys/net/ipv4/ip_forward",
            // probe21k's.
            "sudo usermod -s /usr/sbin/nologin vagrant",
            "mkdir -p $(sudo ip link set cni0 down)",
            "export HTTPS_PROXY=http://127.0.0.1:9",
        ] {
            assert_eq!(effect(line), Effect::Changes, "{line}");
        }
    }
}
