//! Whether a line lab does not understand only reads. Such a line runs
//! nowhere, but the reader types it: if it changes what the reader has
//! (`kubectl delete deployment …`, `kubectl scale … --replicas=0`,
//! `vagrant halt node2`, `ip link set cni0 down`, `sysctl -w …`), the
//! blocks after it compare a lab that never saw the change with a book
//! that did, and a `match` there is a false green (probe21h). So a line
//! lab does not understand counts as a change unless its shape is one that
//! only reads (a `kubectl get`, an `ip … show`, `iptables -L`, ...); a
//! change stops every later command from being compared
//! ([`super::gone`]).

/// Programs that only read, whatever their arguments.
const READERS: &[&str] = &[
    "cat",
    "ls",
    "echo",
    "hostname",
    "whoami",
    "id",
    "uname",
    "pwd",
    "date",
    "uptime",
    "dig",
    "nslookup",
    "host",
    "traceroute",
    "tracepath",
    "netstat",
    "ss",
    "ping",
    "curl",
    "tcpdump",
    "journalctl",
    "dmesg",
    "lsmod",
    "free",
    "df",
    "du",
    "ps",
    "top",
    "grep",
    "egrep",
    "head",
    "tail",
    "less",
    "more",
    "wc",
    "sort",
    "uniq",
    "which",
    "whereis",
    "type",
    "printenv",
    "man",
    "tree",
    "file",
    "stat",
    "iptables-save",
    "cd",
    "exit",
    "logout",
    "clear",
    "sleep",
    "export",
    "true",
    "lsof",
    "nproc",
    "lscpu",
    "lsblk",
    "mtr",
    "arping",
    "route",
    "awk",
    "sed",
    "cut",
    "tr",
    "column",
    "jq",
    "yq",
    "base64",
    "md5sum",
    "sha256sum",
    "diff",
    "history",
    "env",
];

/// kubectl verbs that change nothing.
const KUBECTL_READS: &[&str] = &[
    "get",
    "describe",
    "logs",
    "explain",
    "version",
    "cluster-info",
    "api-resources",
    "api-versions",
    "top",
    "auth",
    "diff",
    "events",
    "wait",
    "completion",
    "options",
    "help",
];

/// kubectl flags that take the next word as their value.
const KUBECTL_VALUED: &[&str] = &[
    "--kubeconfig",
    "-n",
    "--namespace",
    "--context",
    "--cluster",
    "--user",
    "-s",
    "--server",
    "-l",
    "--selector",
    "-o",
    "--output",
];

/// What a line lab does not understand does to what the reader has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// It only reads.
    Reads,
    /// It sets a machine up as the lab's bring-up already did (`vagrant
    /// up`, `kubeadm join`, `swapoff -a`, installing packages, the
    /// kubeconfig copied): the lab stands for it.
    Setup,
    /// It may change what later blocks compare.
    Changes,
}

/// Programs (with the first argument, where it matters) that set a
/// machine up as `lab up` does.
const SETUP: &[&[&str]] = &[
    &["vagrant", "up"],
    &["kubeadm", "join"],
    &["kubeadm", "token"],
    &["kubeadm", "config"],
    &["kubeadm", "version"],
    &["swapoff"],
    &["apt"],
    &["apt-get"],
    &["yum"],
    &["dnf"],
    &["mkdir"],
    &["wget"],
    &["tar"],
    &["source"],
    &["usermod"],
    &["newgrp"],
    &["modprobe", "br_netfilter"],
    &["modprobe", "overlay"],
    &["sysctl", "--system"],
    &["sysctl", "-p"],
    &["systemctl", "enable"],
    &["systemctl", "daemon-reload"],
];

/// What `line` (a whole command line as the book types it, prompt gone)
/// does: see [`Effect`].
pub fn effect(line: &str) -> Effect {
    if reads_only(line) {
        return Effect::Reads;
    }
    let setup = |part: &str| {
        let words: Vec<&str> = part
            .split_whitespace()
            .skip_while(|w| *w == "sudo")
            .collect();
        // The kubeconfig copied and made the user's (`cp -i
        // /etc/kubernetes/admin.conf $HOME/.kube/config`, `chown`): a copy
        // elsewhere may replace a file lab compares.
        let kubeconfig = matches!(words.first(), Some(&("cp" | "chown" | "chmod")))
            && words.last().is_some_and(|w| w.contains(".kube"));
        kubeconfig || SETUP.iter().any(|s| words.starts_with(s)) || part_reads(part)
    };
    let parts = line
        .split(['|', ';', '&'])
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if !line.contains('>') && parts.clone().all(setup) {
        Effect::Setup
    } else {
        Effect::Changes
    }
}

/// Whether `line` (a whole command line as the book types it, prompt
/// gone) only reads: every part of its pipes and lists does, and it
/// writes no file (`>`) and runs nothing it does not show (`$(…)`).
pub fn reads_only(line: &str) -> bool {
    if line.contains('>') || line.contains("$(") || line.contains('`') {
        return false;
    }
    line.split(['|', ';', '&'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .all(part_reads)
}

fn part_reads(part: &str) -> bool {
    let words: Vec<&str> = part
        .split_whitespace()
        .skip_while(|w| *w == "sudo" || w.contains('=') && !w.starts_with('-'))
        .collect();
    let Some((program, args)) = words.split_first() else {
        return true;
    };
    let has = |flag: &str| args.contains(&flag);
    match *program {
        p if READERS.contains(&p) => true,
        "kubectl" => kubectl_verb(args).is_some_and(|(verb, rest)| {
            KUBECTL_READS.contains(&verb)
                || (verb == "config"
                    && rest.first().is_some_and(|w| {
                        ["view", "get-contexts", "current-context", "get-clusters"].contains(w)
                    }))
        }),
        "vagrant" => {
            args.first().is_some_and(|w| {
                ["status", "global-status", "ssh-config", "version", "port"].contains(w)
            }) || args.starts_with(&["box", "list"])
        }
        // `ip [-OPTS] OBJECT [show|list|get …]`.
        "ip" | "bridge" => {
            let rest: Vec<&&str> = args.iter().skip_while(|w| w.starts_with('-')).collect();
            rest.get(1)
                .is_none_or(|verb| ["show", "list", "lst", "sh", "ls", "get"].contains(verb))
        }
        "iptables" | "ip6tables" => {
            args.iter().all(|w| {
                !w.starts_with('-')
                    || [
                        "-L",
                        "-S",
                        "-n",
                        "-v",
                        "-nvL",
                        "-nL",
                        "-vnL",
                        "-t",
                        "--list",
                        "-x",
                        "--line-numbers",
                    ]
                    .contains(w)
            }) && args
                .iter()
                .any(|w| w.contains('L') || *w == "-S" || *w == "--list")
        }
        "sysctl" => {
            ["-w", "--write", "-p", "--load", "--system"]
                .iter()
                .all(|f| !has(f))
                && args.iter().all(|w| !w.contains('='))
        }
        "ifconfig" => args.len() <= 1 || args == ["-a"],
        "arp" => !has("-s") && !has("-d"),
        "brctl" => args
            .first()
            .is_some_and(|w| ["show", "showmacs", "showstp"].contains(w)),
        "ethtool" => args
            .iter()
            .all(|w| !w.starts_with('-') || ["-i", "-S", "-k", "-g"].contains(w)),
        "nft" => args.first().is_some_and(|w| *w == "list"),
        "tc" => args.iter().any(|w| ["show", "ls", "list"].contains(w)),
        "conntrack" => args
            .iter()
            .any(|w| ["-L", "--dump", "-C", "--count", "-S", "--stats"].contains(w)),
        "systemctl" => args.first().is_some_and(|w| {
            [
                "status",
                "is-active",
                "is-enabled",
                "list-units",
                "show",
                "cat",
            ]
            .contains(w)
        }),
        "crictl" | "docker" | "ctr" => args.first().is_some_and(|w| {
            [
                "ps", "images", "inspect", "logs", "info", "version", "pods", "stats",
            ]
            .contains(w)
        }),
        "watch" => part_reads(&args.join(" ")),
        _ => false,
    }
}

/// A kubectl line's verb and the words after it (global flags skipped).
fn kubectl_verb<'a>(args: &'a [&'a str]) -> Option<(&'a str, &'a [&'a str])> {
    let mut i = 0;
    while i < args.len() {
        let w = args[i];
        if KUBECTL_VALUED.contains(&w) {
            i += 2;
        } else if w.starts_with('-') {
            i += 1;
        } else {
            return Some((w, &args[i + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{Effect, effect, reads_only};

    #[test]
    fn the_bring_up_stands_for_a_chapters_setup() {
        for line in [
            "vagrant up",
            "sudo kubeadm join 10.100.198.200:6443 --token abc --discovery-token-ca-cert-hash sha256:x",
            "sudo swapoff -a",
            "sudo apt-get install -y kubelet kubeadm kubectl",
            "mkdir -p $HOME/.kube",
            "sudo chown $(id -u):$(id -g) $HOME/.kube/config",
            "sudo sysctl --system",
        ] {
            assert_eq!(effect(line), Effect::Setup, "{line}");
        }
        assert_eq!(effect("kubectl get pods"), Effect::Reads);
        assert_eq!(effect("vagrant halt node2"), Effect::Changes);
        assert_eq!(
            effect("echo 0 > /proc/sys/net/ipv4/ip_forward"),
            Effect::Changes
        );
        assert_eq!(effect("sudo kubeadm reset -f"), Effect::Changes);
        assert_eq!(
            effect("sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config"),
            Effect::Setup
        );
        assert_eq!(
            effect("sudo cp /tmp/subnet.env /run/flannel/subnet.env"),
            Effect::Changes
        );
    }

    #[test]
    fn lines_that_change_what_the_reader_has_are_told_apart() {
        for line in [
            "kubectl --kubeconfig ./admin.conf describe pod nginx-1",
            "kubectl -n kube-system get ds",
            "kubectl config view",
            "sudo iptables -t nat -nvL",
            "ip -4 addr show dev cni0",
            "ip link",
            "bridge fdb show dev flannel.1",
            "sysctl net.ipv4.ip_forward",
            "vagrant status",
            "cat /etc/cni/net.d/10-flannel.conflist | grep type",
            "watch kubectl get pods",
            "arp -n",
            "ifconfig cni0",
        ] {
            assert!(reads_only(line), "{line}");
        }
        for line in [
            "kubectl --kubeconfig ./admin.conf delete deployment nginx-deployment",
            "kubectl delete pod nginx-deployment-75675f5897-4dm42",
            "kubectl scale deployment nginx-deployment --replicas=0",
            "kubectl -n kube-system rollout restart ds kube-flannel-ds",
            "kubectl drain node2",
            "kubectl exec nginx-1 -- rm -rf /usr/share/nginx/html",
            "vagrant halt node2",
            "vagrant reload",
            "sudo ip link set cni0 down",
            "ip route del 10.244.2.0/24",
            "sudo sysctl -w net.ipv4.ip_forward=0",
            "sysctl net.ipv4.ip_forward=0",
            "tc qdisc add dev cni0 root netem loss 100%",
            "iptables -A FORWARD -j DROP",
            "iptables -F",
            "ifconfig cni0 down",
            "systemctl restart kubelet",
            "cat /run/flannel/subnet.env > /tmp/x",
            "echo $(reboot)",
            "ls; reboot",
            "swapoff -a",
            "kubeadm join 10.100.198.200:6443 --token x",
        ] {
            assert!(!reads_only(line), "{line}");
        }
    }
}
