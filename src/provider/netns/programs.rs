//! What the netns provider needs on the host: the programs it runs and the
//! Debian packages that provide them (`lab doctor` asks here).

/// The programs the netns provider runs (on the host or inside the lab's
/// namespaces) and the Debian packages that provide them.
pub const PACKAGES: &[(&str, &str)] = &[
    ("ip", "iproute2"),
    ("bridge", "iproute2"),
    ("sshd", "openssh-server"),
    ("ssh", "openssh-client"),
    ("ssh-keygen", "openssh-client"),
    ("nginx", "nginx-light"),
    ("ping", "iputils-ping"),
    ("fping", "fping"),
    ("tcpdump", "tcpdump"),
    ("iptables-restore", "iptables"),
    ("iptables-save", "iptables"),
    ("nft", "nftables"),
    ("unshare", "util-linux"),
    ("nsenter", "util-linux"),
    ("curl", "curl"),
];

/// The programs the netns provider runs itself (on the host or entering a
/// node), where it runs them: `ip addr show` (`lab status`; the lab's
/// links, addresses, routes and neighbours are made over netlink, see
/// `netlink`), `iptables-restore` (the pod network step), `nft` (the guard's
/// table of bounds in each node, `owned_bounds`), `ssh-keygen` (the state
/// folder step), `sshd` and `nginx` (`ctx::Programs`), and the `ssh` client
/// of `lab ssh`. The probes, the CNI and diagnostics declare theirs
/// ([`crate::probe::programs`]).
pub const PROGRAMS: &[&str] = &[
    "ip",
    "iptables-restore",
    "nft",
    "ssh-keygen",
    "sshd",
    "nginx",
    "ssh",
];

/// Programs of Debian's essential packages (dash, coreutils, grep), on
/// every Debian system: no package to install.
pub const ESSENTIAL: &[&str] = &[
    "sh", "cat", "rm", "mktemp", "mkfifo", "timeout", "sleep", "seq", "grep",
];

/// The programs of [`PACKAGES`] not found on this machine.
pub fn missing_programs() -> Vec<(&'static str, &'static str)> {
    PACKAGES
        .iter()
        .filter(|(prog, _)| !crate::exec::installed(prog))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// The programs the provider's own code starts: every
    /// `Command::new("...")`, `ip`/`bridge` tool and `ctx::Programs` name in
    /// its source.
    fn started_in_source() -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/provider/netns");
        let mut files: Vec<PathBuf> = Vec::new();
        let mut dirs = vec![dir];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap().flatten() {
                if e.path().is_dir() {
                    dirs.push(e.path());
                } else if e.path().extension().is_some_and(|x| x == "rs") {
                    files.push(e.path());
                }
            }
        }
        let mut out = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap();
            for pat in ["Command::new(\"", "find(\""] {
                for (i, _) in text.match_indices(pat) {
                    let rest = &text[i + pat.len()..];
                    let name = &rest[..rest.find('"').unwrap()];
                    out.push(name.rsplit('/').next().unwrap().to_string());
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn packages_cover_every_program_the_provider_and_the_probes_run() {
        let started = started_in_source();
        for p in [
            "ip",
            "iptables-restore",
            "ssh-keygen",
            "sshd",
            "nginx",
            "sh",
        ] {
            assert!(
                started.iter().any(|s| s == p),
                "the scan misses {p}: {started:?}"
            );
        }
        // What the code starts is declared ...
        for p in &started {
            assert!(
                PROGRAMS.contains(&p.as_str()) || ESSENTIAL.contains(&p.as_str()),
                "netns starts {p}: add it to netns::PROGRAMS (and its package to PACKAGES)"
            );
        }
        // ... and what is declared, by the provider, the probes, the CNI and
        // diagnostics, has a Debian package (or comes with every Debian).
        let cni = crate::cni::flannel::FlannelConfig::vxlan("10.244.0.0/16".parse().unwrap());
        let mut all: Vec<&str> = PROGRAMS.to_vec();
        all.extend(crate::probe::programs(&cni));
        for p in all {
            assert!(
                PACKAGES.iter().any(|(x, _)| *x == p) || ESSENTIAL.contains(&p),
                "{p} is run but no package of netns::PACKAGES provides it"
            );
        }
    }
}
