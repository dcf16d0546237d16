//! The command shapes `lab book` understands, typed. A command is replayed
//! only if it parses into one of these; anything else (another program, a
//! flag it does not know, a shell metacharacter, a redirection, a second
//! pipe) is not understood, and its block does not run at all.
//!
//! Values are held to safe alphabets here (addresses parse as addresses,
//! names are DNS labels, paths and files a small alphabet), so what reaches
//! a node is rebuilt from typed values, never the book's text.

use crate::shell::is_ifname;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;

/// A recognised command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// `vagrant ssh NODE`: the following commands run on NODE.
    Ssh {
        node: String,
    },
    /// `exit`: leave the node.
    Exit,
    /// `ping [-c N] IP`.
    Ping {
        target: Ipv4Addr,
        count: Option<u32>,
    },
    /// `[sudo] tcpdump -i IFACE`.
    Tcpdump {
        iface: String,
    },
    /// `route -n`.
    RouteN,
    /// `ip route` / `ip -4 route [show]`.
    IpRoute,
    /// `cat PATH` (Git Bash's `//run//x` normalised).
    Cat {
        path: String,
    },
    /// `CMD | grep [-i] WORD`: filtered by `lab`, not by a shell.
    Grep {
        inner: Box<Cmd>,
        pattern: String,
        ignore_case: bool,
    },
    Kubectl(Kubectl),
    /// `[sudo] kubeadm init [--apiserver-advertise-address IP] [--pod-network-cidr CIDR]`.
    KubeadmInit {
        advertise: Option<Ipv4Addr>,
        pod_cidr: Option<Ipv4Net>,
    },
    /// `vagrant destroy [-f]`.
    VagrantDestroy,
    /// `curl [FLAGS] [http://]IP[:PORT][/PATH]` ([`super::curl`]).
    Curl(super::curl::Curl),
    /// `sudo -i`, `sudo su -`, `sudo bash`, `su -`, ...: the reader's shell
    /// becomes root's ([`super::recognize_root`]); `su` asks root's password.
    RootShell {
        su: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kubectl {
    pub namespace: Option<String>,
    pub action: KubeAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeAction {
    /// `exec [-it] POD [--] CMD`: CMD is itself a recognised command.
    Exec {
        pod: String,
        cmd: Box<Cmd>,
    },
    /// `logs POD`.
    Logs {
        pod: String,
    },
    /// `get pods|nodes [-l K=V] [-o wide] [--all-namespaces]`.
    Get(Get),
    Apply {
        file: String,
    },
    Delete {
        file: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Get {
    pub what: Resource,
    pub selector: Option<(String, String)>,
    pub wide: bool,
    pub all_namespaces: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Pods,
    Nodes,
}

impl Cmd {
    /// A short name of the shape, for reports.
    pub fn shape(&self) -> &'static str {
        match self {
            Cmd::Ssh { .. } => "vagrant ssh",
            Cmd::Exit => "exit",
            Cmd::Ping { .. } => "ping",
            Cmd::Tcpdump { .. } => "tcpdump",
            Cmd::RouteN => "route -n",
            Cmd::IpRoute => "ip route",
            Cmd::Cat { .. } => "cat",
            Cmd::Grep { .. } => "grep",
            Cmd::Kubectl(k) => match k.action {
                KubeAction::Exec { .. } => "kubectl exec",
                KubeAction::Logs { .. } => "kubectl logs",
                KubeAction::Get(_) => "kubectl get",
                KubeAction::Apply { .. } => "kubectl apply",
                KubeAction::Delete { .. } => "kubectl delete",
            },
            Cmd::KubeadmInit { .. } => "kubeadm init",
            Cmd::VagrantDestroy => "vagrant destroy",
            Cmd::Curl(_) => "curl",
            Cmd::RootShell { .. } => "a root shell",
        }
    }
}

/// Characters that would make a line more than one simple command.
const META: &[char] = &[
    ';', '&', '<', '>', '$', '`', '\\', '(', ')', '{', '}', '*', '?', '!', '\'', '"', '#', '~',
    '[', ']',
];

/// A DNS label (pod, node, namespace names).
pub fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !s.starts_with('-')
}

fn is_file(s: &str) -> bool {
    (s.ends_with(".yml") || s.ends_with(".yaml"))
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && !s.starts_with('.')
}

/// Recognise one command line (prompt and remark already stripped).
pub fn recognize(line: &str) -> Result<Cmd, String> {
    // What the reader sees is not what runs (probe21aj, finding 3;
    // probe21al, finding 1).
    super::lookalike::as_typed(line)?;
    // curl's `-w '%{http_code}'`, the one quoted word lab reads, is taken
    // out before the shell check and put back on the curl as a flag.
    let (line, write_code) = super::curl::take_write_out(line);
    let mut cmd = one_line(&line)?;
    if write_code {
        super::curl::with_write_out(&mut cmd)?;
    }
    Ok(cmd)
}

fn one_line(line: &str) -> Result<Cmd, String> {
    if let Some(c) = line
        .chars()
        .find(|c| META.contains(c) || c.is_control() && *c != '\t')
    {
        return Err(format!(
            "`{}` is shell syntax that lab does not replay",
            c.escape_debug()
        ));
    }
    let parts: Vec<&str> = line.split('|').collect();
    match parts.len() {
        1 => simple(&words(parts[0])),
        2 => {
            let inner = simple(&words(parts[0]))?;
            if matches!(inner, Cmd::Curl(_)) {
                return Err("curl piped into grep: lab compares a curl's own output".into());
            }
            let g = words(parts[1]);
            let (ignore_case, rest) = match g.as_slice() {
                ["grep", "-i", rest @ ..] => (true, rest),
                ["grep", rest @ ..] => (false, rest),
                _ => return Err("a pipe into anything but grep".into()),
            };
            match rest {
                [pattern] if !pattern.starts_with('-') => Ok(Cmd::Grep {
                    inner: Box::new(inner),
                    pattern: super::ping_grep::read_pattern(pattern)?,
                    ignore_case,
                }),
                _ => Err("grep with other than one word to look for".into()),
            }
        }
        _ => Err("more than one pipe".into()),
    }
}

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

fn simple(w: &[&str]) -> Result<Cmd, String> {
    if let Some(root) = super::recognize_root::root_shell(w) {
        return Ok(root);
    }
    let w = match w {
        ["sudo", rest @ ..] => rest,
        w => w,
    };
    match w {
        [] => Err("an empty command".into()),
        ["vagrant", "ssh", node] if is_label(node) => Ok(Cmd::Ssh {
            node: node.to_string(),
        }),
        ["vagrant", "destroy"] | ["vagrant", "destroy", "-f" | "--force"] => {
            Ok(Cmd::VagrantDestroy)
        }
        ["exit"] => Ok(Cmd::Exit),
        ["ping", args @ ..] => ping(args),
        ["tcpdump", "-i", iface] if is_ifname(iface) => Ok(Cmd::Tcpdump {
            iface: iface.to_string(),
        }),
        ["route", "-n"] => Ok(Cmd::RouteN),
        ["ip", "route"]
        | ["ip", "route", "show"]
        | ["ip", "-4", "route"]
        | ["ip", "-4", "route", "show"] => Ok(Cmd::IpRoute),
        ["cat", path] => cat(path),
        ["kubectl", rest @ ..] => kubectl(rest),
        ["kubeadm", "init", rest @ ..] => kubeadm(rest),
        ["curl", args @ ..] => super::curl::recognize(args).map(Cmd::Curl),
        [prog, ..] => Err(format!("`{prog}` is not a command lab replays")),
    }
}

/// The most echoes of a replayed ping: even 0.2 s apart (the replay sends
/// them 10 ms apart, `replay::node::INTERVAL`; 0.2 s is the shortest a ping
/// without root may use), with the last reply waited for up to a second,
/// 50 end in 11 s, inside the replay's deadline for one command
/// ([`super::replay::DEADLINE`], 15 s). A larger count could never finish
/// and would always be an `error`.
pub const MAX_PING_COUNT: u32 = 50;

fn ping(args: &[&str]) -> Result<Cmd, String> {
    let (count, rest) = match args {
        ["-c", n, rest @ ..] => (
            Some(
                n.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_PING_COUNT).contains(n))
                    .ok_or_else(|| {
                        format!(
                            "ping -c {n}: a count from 1 to {MAX_PING_COUNT} (so that they end inside the replay's {} s per command)",
                            super::replay::DEADLINE.as_secs()
                        )
                    })?,
            ),
            rest,
        ),
        rest => (None, rest),
    };
    match rest {
        [ip] => Ok(Cmd::Ping {
            target: ip
                .parse()
                .map_err(|_| format!("ping {ip}: lab pings IPv4 addresses"))?,
            count,
        }),
        _ => Err("ping with flags other than -c N".into()),
    }
}

fn cat(path: &str) -> Result<Cmd, String> {
    // Git Bash on Windows turns `/run/x` into `C:/...`; writing `//run//x`
    // avoids that. On a node both mean `/run/x`.
    let mut p = path.to_string();
    while p.contains("//") {
        p = p.replace("//", "/");
    }
    let ok = p.starts_with('/')
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(&b))
        && !p.split('/').any(|c| c == "..");
    if ok {
        Ok(Cmd::Cat { path: p })
    } else {
        Err(format!(
            "cat {path}: lab reads absolute paths of letters, digits, . _ - /"
        ))
    }
}

/// A namespace the book names, if it is a name.
fn namespace_named(ns: &str) -> Result<String, String> {
    if is_label(ns) {
        Ok(ns.to_string())
    } else {
        Err(format!("namespace {ns} is not a name"))
    }
}

/// The namespace of a `--namespace=NS`, `-n=NS` or `-nNS` word.
fn namespace_joined(word: &str) -> Option<&str> {
    word.strip_prefix("--namespace=")
        .or_else(|| word.strip_prefix("-n="))
        .or_else(|| word.strip_prefix("-n").filter(|v| !v.is_empty()))
}

fn kubectl(mut w: &[&str]) -> Result<Cmd, String> {
    let mut namespace = None;
    let mut rest: Vec<&str> = Vec::new();
    // kubectl takes the last `--kubeconfig` of a line: a second one picks
    // its own cluster, whatever the first says (probe21at).
    let mut kubeconfigs = 0;
    let mut one_kubeconfig = || {
        kubeconfigs += 1;
        if kubeconfigs > 1 {
            return Err("kubectl with a second --kubeconfig (kubectl takes the last one): lab replays a line with one".to_string());
        }
        Ok(())
    };
    // Global flags anywhere: --kubeconfig X (the book's own file; lab uses
    // the cluster's), -n/--namespace NS.
    while let Some((first, tail)) = w.split_first() {
        match *first {
            "--kubeconfig" => {
                one_kubeconfig()?;
                let (_, t) = tail.split_first().ok_or("--kubeconfig without a file")?;
                w = t;
            }
            "-n" | "--namespace" => {
                let (ns, t) = tail.split_first().ok_or("-n without a namespace")?;
                namespace = Some(namespace_named(ns)?);
                w = t;
            }
            // kubectl's flag parser takes these too: `--kubeconfig=X`,
            // `--namespace=NS`, `-n=NS`, `-nNS`.
            f if f.starts_with("--kubeconfig=") => {
                one_kubeconfig()?;
                w = tail;
            }
            "--" => {
                rest.extend_from_slice(w);
                break;
            }
            f => {
                match namespace_joined(f) {
                    Some(ns) => namespace = Some(namespace_named(ns)?),
                    None => rest.push(first),
                }
                w = tail;
            }
        }
    }
    let action = match rest.as_slice() {
        ["exec", tail @ ..] => {
            let mut tail = tail;
            while let Some(("-it" | "-ti" | "-i" | "-t", t)) =
                tail.split_first().map(|(a, t)| (*a, t))
            {
                tail = t;
            }
            let (pod, cmd) = tail.split_first().ok_or("kubectl exec without a pod")?;
            if !is_label(pod) {
                return Err(format!("kubectl exec {pod}: not a pod name"));
            }
            let (cmd, dashes) = match cmd {
                ["--", c @ ..] => (c, true),
                c => (c, false),
            };
            let inner = simple(cmd)?;
            if !matches!(
                inner,
                Cmd::Ping { .. } | Cmd::Cat { .. } | Cmd::RouteN | Cmd::IpRoute | Cmd::Curl(_)
            ) {
                return Err(format!(
                    "kubectl exec of {}: lab runs ping, cat, route -n, ip route and curl in pods",
                    inner.shape()
                ));
            }
            // Without `--` kubectl reads the command's flags as its own:
            // curl's `-s` (or ping's) would be kubectl's `--server`,
            // sending the host's kubectl to the book's address.
            if !dashes && let Some(s) = cmd.iter().find(|w| names_server(w)) {
                return Err(format!(
                    "kubectl exec POD {} {s} … without `--`: kubectl would read {s} as its own --server",
                    inner.shape()
                ));
            }
            KubeAction::Exec {
                pod: pod.to_string(),
                cmd: Box::new(inner),
            }
        }
        ["logs", pod] if is_label(pod) => KubeAction::Logs {
            pod: pod.to_string(),
        },
        ["apply", flags @ ..] => KubeAction::Apply {
            file: manifest_file("apply", flags)?,
        },
        ["delete", flags @ ..] => KubeAction::Delete {
            file: manifest_file("delete", flags)?,
        },
        ["get", what, flags @ ..] => {
            let what = match *what {
                "pods" | "pod" | "po" => Resource::Pods,
                "nodes" | "node" | "no" => Resource::Nodes,
                w => return Err(format!("kubectl get {w}: lab reads pods and nodes")),
            };
            let mut g = Get {
                what,
                selector: None,
                wide: false,
                all_namespaces: false,
            };
            let mut f = flags;
            while let Some((first, tail)) = f.split_first() {
                match (*first, tail) {
                    ("-o", ["wide", t @ ..]) => {
                        g.wide = true;
                        f = t;
                    }
                    ("--all-namespaces" | "-A", t) => {
                        g.all_namespaces = true;
                        f = t;
                    }
                    ("-l" | "--selector", [sel, t @ ..]) => {
                        g.selector = Some(labels::selector(sel)?);
                        f = t;
                    }
                    (w, t) if w.starts_with("-l=") || w.starts_with("--selector=") => {
                        g.selector =
                            Some(labels::selector(w.split_once('=').map_or("", |(_, v)| v))?);
                        f = t;
                    }
                    (x, _) => return Err(format!("kubectl get with {x}")),
                }
            }
            KubeAction::Get(g)
        }
        [verb, ..] => return Err(format!("kubectl {verb} is not a command lab replays")),
        [] => return Err("kubectl without a command".into()),
    };
    Ok(Cmd::Kubectl(Kubectl { namespace, action }))
}

/// The one manifest file of a `kubectl apply|delete` (`verb`) line's
/// `flags`, in each form kubectl takes for it (probe21bk, wrong red 2c:
/// all but `-f FILE` were not understood and stopped the chapter): `-f
/// FILE`, `-f=FILE`, `--filename FILE`, `--filename=FILE`, FILE as
/// `./FILE` (the folder the book's commands run in); for a delete,
/// `--wait[=true|false]` too, which changes only when kubectl returns (the
/// pods end either way: a table then shows them `Terminating`).
fn manifest_file(verb: &str, flags: &[&str]) -> Result<String, String> {
    let mut file: Option<&str> = None;
    let mut f = flags;
    while let Some((first, tail)) = f.split_first() {
        let (value, t) = match (*first, tail) {
            ("-f" | "--filename", [v, t @ ..]) => (*v, t),
            (w, t) if w.starts_with("-f=") || w.starts_with("--filename=") => {
                (w.split_once('=').map_or("", |(_, v)| v), t)
            }
            ("--wait" | "--wait=true" | "--wait=false", t) if verb == "delete" => {
                f = t;
                continue;
            }
            (w, _) => {
                return Err(format!(
                    "kubectl {verb} with {w}: lab replays `kubectl {verb} -f FILE`"
                ));
            }
        };
        let name = value.strip_prefix("./").unwrap_or(value);
        if !is_file(name) {
            return Err(format!(
                "kubectl {verb} -f {value}: lab applies and deletes the lab's manifests by file name (FILE.yaml or FILE.yml)"
            ));
        }
        if file.is_some() {
            return Err(format!(
                "kubectl {verb} with a second -f: lab replays one file"
            ));
        }
        file = Some(name);
        f = t;
    }
    file.map(str::to_string).ok_or_else(|| {
        format!("kubectl {verb} without -f FILE: lab replays `kubectl {verb} -f FILE`")
    })
}

/// A word kubectl would read as `-s`/`--server` (a short flag cluster
/// with an `s` in it: `-is` is `-i -s`).
fn names_server(w: &str) -> bool {
    w.starts_with("--server") || (w.starts_with('-') && !w.starts_with("--") && w.contains('s'))
}

fn kubeadm(w: &[&str]) -> Result<Cmd, String> {
    let (mut advertise, mut pod_cidr) = (None, None);
    let mut w = w;
    while let Some((flag, tail)) = w.split_first() {
        let (flag, value, t) = match flag.split_once('=') {
            Some((f, v)) => (f, Some(v), tail),
            None => match tail.split_first() {
                Some((v, t)) => (*flag, Some(*v), t),
                None => (*flag, None, tail),
            },
        };
        match (flag, value) {
            ("--apiserver-advertise-address", Some(v)) => {
                advertise = Some(
                    v.parse()
                        .map_err(|_| format!("{flag} {v}: not an IPv4 address"))?,
                )
            }
            ("--pod-network-cidr", Some(v)) => {
                pod_cidr = Some(
                    v.parse()
                        .map_err(|_| format!("{flag} {v}: not an IPv4 CIDR"))?,
                )
            }
            _ => {
                return Err(format!(
                    "kubeadm init {flag}: lab checks --apiserver-advertise-address and --pod-network-cidr"
                ));
            }
        }
        w = t;
    }
    Ok(Cmd::KubeadmInit {
        advertise,
        pod_cidr,
    })
}

#[path = "recognize_labels.rs"]
mod labels;

#[cfg(test)]
#[path = "recognize_tests.rs"]
mod tests;
