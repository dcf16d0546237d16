//! Whether a line lab does not understand only reads. Such a line runs
//! nowhere, but the reader types it: if it changes what the reader has
//! (`kubectl delete deployment …`, `kubectl scale … --replicas=0`,
//! `vagrant halt node2`, `ip link set cni0 down`, `sysctl -w …`, `sed -i`
//! of a manifest), the blocks after it compare a lab that never saw the
//! change with a book that did, and a `match` there is a false green
//! (probe21h, probe21j). So a line lab does not understand counts as a
//! change unless its shape is one that only reads (every flag of it
//! known not to write) or one the bring-up stands for ([`super::setup`]);
//! a change stops every later command from being compared
//! ([`super::gone`]).

use super::judgeable::kubectl_verb;

/// Programs none of whose flags write or change anything.
const READERS: &[&str] = &[
    "cat",
    "ls",
    "echo",
    "printf",
    "whoami",
    "id",
    "uname",
    "pwd",
    "uptime",
    "dig",
    "nslookup",
    "host",
    "traceroute",
    "tracepath",
    "netstat",
    "ping",
    "tcpdump",
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
    "which",
    "whereis",
    "type",
    "printenv",
    "man",
    "tree",
    "file",
    "stat",
    "exit",
    "logout",
    "clear",
    "sleep",
    "true",
    "lsof",
    "nproc",
    "lscpu",
    "lsblk",
    "mtr",
    "cut",
    "tr",
    "column",
    "jq",
    "base64",
    "md5sum",
    "sha256sum",
    "diff",
];

/// Programs that run the command after their own words, which is judged
/// instead: `sudo`, `env`, `watch`, `timeout 5`, ... (`xargs` runs words
/// from its input: what it runs must read whatever they are).
const WRAPPERS: &[&str] = &[
    "sudo", "env", "watch", "timeout", "time", "nice", "nohup", "stdbuf",
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
    "diff",
    "events",
    "wait",
    "completion",
    "options",
    "help",
];

/// Whether `line` (a whole command line as the book types it, prompt
/// gone) only reads: every part of its pipes and lists does, and it
/// writes no file (`>`) and runs nothing it does not show (`$(…)`).
pub fn reads_only(line: &str) -> bool {
    if runs_unseen(line) {
        return false;
    }
    parts(line).all(|p| part_reads(&words(p)))
}

/// Whether `line` writes a file (`>`) or runs what it does not show
/// (`$(…)`, backquotes, `<(…)`).
pub(super) fn runs_unseen(line: &str) -> bool {
    line.contains('>') || line.contains("$(") || line.contains('`') || line.contains("<(")
}

/// The commands of a line's pipes and lists, out of the subshell brackets
/// around them (`(sudo ip link set cni0 down)` runs `sudo`).
pub(super) fn parts(line: &str) -> impl Iterator<Item = &str> + Clone {
    line.split(['|', ';', '&'])
        .map(|p| {
            p.trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim()
        })
        .filter(|p| !p.is_empty())
}

/// A command's words with what runs it taken off: `sudo [-E] [-u U]`,
/// `env [-i] [-u NAME] [NAME=V]…`, `watch [-n N]`, `timeout [-s SIG] N`,
/// and `NAME=V` before a program.
pub(super) fn words(part: &str) -> Vec<&str> {
    let mut w: Vec<&str> = part.split_whitespace().collect();
    loop {
        match w.first() {
            Some(first) if WRAPPERS.contains(first) => {
                let valued = |x: &str| {
                    matches!(
                        x,
                        "-u" | "-n" | "-s" | "-k" | "-g" | "-C" | "-I" | "-L" | "-P" | "-d"
                    )
                };
                let mut i = 1;
                while i < w.len() {
                    let x = w[i];
                    if valued(x) {
                        i += 2;
                    } else if x.starts_with('-')
                        || (x.contains('=') && !x.starts_with('='))
                        || (*first == "timeout"
                            && x.chars().next().is_some_and(|c| c.is_ascii_digit()))
                    {
                        i += 1;
                    } else {
                        break;
                    }
                }
                w.drain(..i.min(w.len()));
            }
            Some(first) if first.contains('=') && !first.starts_with('-') => {
                w.remove(0);
            }
            _ => return w,
        }
    }
}

/// Whether `w` is one of `options` as iproute2 reads it: any prefix of
/// it (two letters at least), with one or two dashes (`-b`, `-bat`,
/// `--batch`), and `-f` (`-family`, kept out: it is `-force` to `tc`).
fn is_option_prefix(w: &str, options: &[&str]) -> bool {
    let one = w.strip_prefix('-').unwrap_or(w);
    let w = if one.starts_with('-') { one } else { w };
    w.len() >= 2 && w.starts_with('-') && options.iter().any(|o| o.starts_with(w))
}

/// Whether one command (its words, [`words`]) only reads.
pub(super) fn part_reads(words: &[&str]) -> bool {
    let Some((program, args)) = words.split_first() else {
        return true;
    };
    let has = |flag: &str| args.contains(&flag);
    // A short flag cluster (`-ni`) or a joined one (`-pFILE`) holding `c`.
    let short = |c: char| {
        args.iter()
            .any(|w| w.starts_with('-') && !w.starts_with("--") && w[1..].contains(c))
    };
    let positional = || args.iter().any(|w| !w.starts_with('-'));
    match *program {
        p if READERS.contains(&p) => true,
        "kubectl" => kubectl_verb(args).is_some_and(|at| {
            let (verb, rest) = (args[at], &args[at + 1..]);
            KUBECTL_READS.contains(&verb)
                || (verb == "auth"
                    && rest
                        .first()
                        .is_some_and(|w| ["can-i", "whoami"].contains(w)))
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
        // `ip [-OPTS] OBJECT [show|list|get …]`, never `-batch`/`-force`
        // (any prefix of them: iproute2 reads `-bat` as `-batch`, probe21q).
        "ip" | "bridge" => {
            let batch = args
                .iter()
                .any(|w| is_option_prefix(w, &["-batch", "-force"]));
            let rest: Vec<&&str> = args.iter().skip_while(|w| w.starts_with('-')).collect();
            !batch
                && rest.get(1).is_none_or(|verb| {
                    ["show", "list", "lst", "sh", "ls", "get", "monitor"].contains(verb)
                })
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
            !short('w')
                && !short('p')
                && !short('f')
                && ["--write", "--load", "--system"].iter().all(|f| !has(f))
                && args.iter().all(|w| !w.contains('='))
        }
        "ifconfig" => args.len() <= 1 || args == ["-a"],
        "arp" => {
            args.iter()
                .all(|w| ["-n", "-a", "-e", "-v", "-i"].contains(w) || !w.starts_with('-'))
                && !args
                    .iter()
                    .any(|w| ["-s", "-d", "-f", "--set", "--delete", "--file"].contains(w))
        }
        "route" => args
            .iter()
            .all(|w| ["-n", "-e", "-ee", "-v", "-A", "inet", "--numeric", "-C"].contains(w)),
        "hostname" => args.iter().all(|w| {
            w.starts_with('-')
                && !matches!(*w, "-F" | "--file" | "-b" | "--boot")
                && !w.starts_with("--file=")
        }),
        "date" => args.iter().all(|w| {
            w.starts_with('+')
                || matches!(*w, "-u" | "-R" | "--utc")
                || w.starts_with("-I")
                || w.starts_with("--iso")
        }),
        "dmesg" => {
            !short('C')
                && !short('c')
                && !short('n')
                && !short('D')
                && !short('E')
                && args.iter().all(|w| {
                    !w.starts_with("--clear")
                        && !w.starts_with("--read-clear")
                        && !w.starts_with("--console")
                })
        }
        "ss" => {
            !short('K')
                && !short('D')
                && !args
                    .iter()
                    .any(|w| w.starts_with("--kill") || w.starts_with("--diag"))
        }
        "iptables-save" | "ip6tables-save" => {
            !short('f') && !args.iter().any(|w| w.starts_with("--file"))
        }
        // What it runs reads whatever words come in.
        "xargs" => {
            let rest: Vec<&str> = args
                .iter()
                .skip_while(|w| w.starts_with('-'))
                .copied()
                .collect();
            rest.first().is_some_and(|p| READERS.contains(p))
        }
        "sort" => !short('o') && !args.iter().any(|w| w.starts_with("--output")),
        // No in-place edit, no script from a file, and no script word
        // that could hold a `w`, `W` or `e` command (the last word is the
        // file read).
        "sed" => {
            let named: Vec<&&str> = args.iter().filter(|w| !w.starts_with('-')).collect();
            !short('i')
                && !short('f')
                && !args.iter().any(|w| {
                    w.starts_with("--in-place")
                        || w.starts_with("--file")
                        || w.starts_with("--expression")
                })
                && named
                    .iter()
                    .take(named.len().saturating_sub(1).max(1))
                    .all(|w| !w.contains(['w', 'W', 'e']))
        }
        "awk" => {
            !short('f')
                && !args.iter().any(|w| {
                    w.starts_with("--file") || w.contains("system") || w.contains("getline")
                })
        }
        "curl" => {
            !args.iter().any(|w| {
                matches!(
                    *w,
                    "-X" | "--request"
                        | "-T"
                        | "--upload-file"
                        | "-F"
                        | "--form"
                        | "-o"
                        | "-O"
                        | "--output"
                        | "--remote-name"
                        | "-K"
                        | "--config"
                ) || w.starts_with("--data")
                    || w.starts_with("--json")
                    || w.starts_with("--dump-header")
                    || w.starts_with("--cookie-jar")
                    || w.starts_with("--stderr")
                    || w.starts_with("--trace")
                    || w.starts_with("--remote-name")
                    || w.starts_with("--output")
            }) && !"oOXdTFKDc".chars().any(short)
        }
        "journalctl" => !args
            .iter()
            .any(|w| w.starts_with("--vacuum") || matches!(*w, "--rotate" | "--flush" | "--sync")),
        "brctl" => args
            .first()
            .is_some_and(|w| ["show", "showmacs", "showstp"].contains(w)),
        "ethtool" => args
            .iter()
            .all(|w| !w.starts_with('-') || ["-i", "-S", "-k", "-g"].contains(w)),
        "nft" => args.first().is_some_and(|w| *w == "list"),
        "tc" => {
            !args.iter().any(|w| {
                ["add", "del", "delete", "change", "replace", "link"].contains(w)
                    || is_option_prefix(w, &["-batch", "-force"])
            }) && args.iter().any(|w| ["show", "ls", "list"].contains(w))
        }
        "conntrack" => {
            args.iter().all(|w| {
                ["-L", "--dump", "-C", "--count", "-S", "--stats", "-n", "-p"].contains(w)
                    || !w.starts_with('-')
            }) && args
                .iter()
                .any(|w| ["-L", "--dump", "-C", "--count", "-S", "--stats"].contains(w))
        }
        "systemctl" => args.first().is_some_and(|w| {
            [
                "status",
                "is-active",
                "is-enabled",
                "is-failed",
                "list-units",
                "list-unit-files",
                "show",
                "cat",
            ]
            .contains(w)
        }),
        "ctr" => match args {
            [verb, ..] if ["version", "info"].contains(verb) => true,
            [_, verb, ..] => ["ls", "list"].contains(verb),
            _ => false,
        },
        "crictl" | "docker" => args.first().is_some_and(|w| {
            [
                "ps", "images", "inspect", "logs", "info", "version", "pods", "stats",
            ]
            .contains(w)
        }),
        "env" | "history" => !positional(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::reads_only;

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
            "sudo -E ip route show",
            "timeout 5 ping -c 1 10.244.1.2",
            "env",
            "sed -n '1,5p' /run/flannel/subnet.env",
            "curl -sI 10.244.1.2",
            "kubectl auth can-i get pods",
            "hostname -I",
            "date +%s",
            "route -n",
            "tc -s qdisc show dev cni0",
            "kubectl get pods -o name | xargs echo",
            "ctr images ls",
            "sudo iptables-save -t nat",
            "sed -n '1,5p' /run/flannel/subnet.env",
            // probe21l's: a subshell, assignments before the program.
            "(cat /run/flannel/subnet.env)",
            "( cat /run/flannel/subnet.env; ip link show cni0 )",
            "LC_ALL=C ip -4 addr show dev cni0",
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
            // probe21j's: flags that write, and what runs a command.
            "sed -i 's/--iface=enp0s8/--iface=enp0s3/' flannel_fix.yml",
            "sudo route del -net 10.244.1.0 netmask 255.255.255.0 dev cni0",
            "sudo env ip link set cni0 down",
            "env -i ip link set cni0 down",
            "sudo -E ip link set cni0 down",
            "watch -n 1 ip link set cni0 down",
            "kubectl get pods -o name | xargs kubectl delete",
            "sudo sysctl -f /tmp/x.conf",
            "sysctl -p/tmp/x.conf",
            "awk 'BEGIN{system(\"ip link set cni0 down\")}'",
            "ip -batch /tmp/cmds",
            "ip -bat -",
            "ip --ba /tmp/cmds",
            "ip -forc link show",
            "tc -bat /tmp/cmds show",
            "ss -K dst 10.244.1.2",
            "sort -o /etc/hosts /etc/hosts",
            "curl -X DELETE http://127.0.0.1:8001/api/v1/namespaces/default/pods/x",
            "kubectl auth reconcile -f rbac.yaml",
            "arp -f /tmp/ethers",
            "hostname node9",
            "date -s '2020-01-01'",
            "dmesg -C",
            "tc qdisc del dev cni0 root",
            // probe21k's.
            "export HTTPS_PROXY=http://127.0.0.1:9",
            "cat <(sudo ip link set cni0 down)",
            "echo link set cni0 down | xargs sudo ip",
            "echo net.ipv4.ip_forward=0 | xargs sudo sysctl",
            "echo 'w /run/flannel/subnet.env' | sudo sed -f /dev/stdin /dev/null",
            "echo 'BEGIN{x}' | sudo awk -f /dev/stdin",
            "sudo sed -n '1W /run/flannel/subnet.env' /run/flannel/subnet.env",
            "sudo iptables-save -f /run/flannel/subnet.env",
            "sudo ss -D /run/flannel/subnet.env",
            "sudo curl -so /run/flannel/subnet.env http://10.244.1.2/",
            "curl -sX DELETE http://10.244.1.2/",
            "ctr images rm docker.io/library/nginx:latest",
            "hostname --file=/tmp/name",
            "kubectl --as get delete pod x",
            "swapoff -a",
            "kubeadm join 10.100.198.200:6443 --token x",
            "(sudo ip link set cni0 down)",
            "IFACE=cni0 sudo ip link set cni0 down",
        ] {
            assert!(!reads_only(line), "{line}");
        }
    }
}
