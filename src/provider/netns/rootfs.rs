//! What every node's `/` starts from (`<state>/rootfs`, the lower layer of
//! each node's overlay): no file of the host's but what a node needs, as a
//! fresh VM would have it. `/etc` is made here: users and groups (the host's
//! system accounts, uid and gid below 1000, no member lists), a `shadow`
//! and `gshadow` of the lab's own (no password: `*`), `hosts` naming the
//! lab's nodes, an empty resolver, sshd's configuration with the lab's host
//! key and authorized keys, and a short list of the host's files that hold
//! no secret and that the node's programs read ([`HOST_ETC`]: the dynamic
//! linker's cache, `alternatives`, protocol and service names, ...). `/root`,
//! `/home`, `/tmp` and `/var` are empty; `/usr` (and `/bin`, `/lib`, ... where
//! they are folders on the host) are mount points for the host's, bound
//! read-only by every entry ([`super::enter`]).

use super::enter::HOST_READ_ONLY;
use super::files::{Layout, write_file};
use crate::error::{LabError, Result};
use crate::spec::Lab;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// sshd's configuration, host key, authorized keys and log, in a node.
pub const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";
pub const HOST_KEY: &str = "/etc/ssh/ssh_host_ed25519_key";
pub const AUTHORIZED_KEYS: &str = "/etc/ssh/authorized_keys";
pub const SSHD_LOG: &str = "/var/log/sshd.log";

/// The files of a node that are the chapter's cluster's, as a VM of the
/// book's would have them: flannel's own (`/run/flannel/`, a folder), the
/// forwarding kubeadm asks for, and the node's routes as the kernel lists
/// them. Nothing else: a node's other files are the host's programs
/// ([`HOST_READ_ONLY`], [`HOST_ETC`]) or what this module writes for the
/// node to run at all (accounts, hosts, sshd), and most of the kernel's
/// network values follow the host's kernel, memory and CPUs
/// (`nf_conntrack_max`, `tcp_rmem`, the congestion controls, a veth's
/// `speed`), or the lab's own bounds (`arp_ignore`, `bridge-nf-call-*`):
/// not the reader's box (probe21g). A pattern ending in `/` is a folder;
/// `*` is one path component.
pub const CLUSTER_FILES: &[&str] = &[
    "/run/flannel/",
    "/proc/sys/net/ipv4/ip_forward",
    "/proc/net/route",
];

/// The host's files under /etc a node gets a copy of: none holds a secret.
pub const HOST_ETC: &[&str] = &[
    "alternatives",
    "bash.bashrc",
    "debian_version",
    "environment",
    "ethertypes",
    "host.conf",
    "inputrc",
    "iproute2",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "login.defs",
    "mime.types",
    "nsswitch.conf",
    "os-release",
    "profile",
    "profile.d",
    "protocols",
    "rpc",
    "services",
    "shells",
    "timezone",
    "xtables.conf",
];

fn io(what: &str, p: &Path) -> impl FnOnce(std::io::Error) -> LabError {
    let what = format!("{what} {}", p.display());
    move |e| LabError::io(what, e)
}

fn mkdir(p: &Path, mode: u32) -> Result<()> {
    std::fs::create_dir_all(p).map_err(io("creating", p))?;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).map_err(io("chmod", p))
}

/// Copy a file, a symlink (as a link) or a folder (recursively) of the host.
fn copy(src: &Path, dst: &Path) -> Result<()> {
    let Ok(m) = std::fs::symlink_metadata(src) else {
        return Ok(());
    };
    if m.file_type().is_symlink() {
        let target = std::fs::read_link(src).map_err(io("reading", src))?;
        let _ = std::fs::remove_file(dst);
        std::os::unix::fs::symlink(target, dst).map_err(io("linking", dst))
    } else if m.is_dir() {
        mkdir(dst, m.permissions().mode() & 0o7777)?;
        for e in std::fs::read_dir(src)
            .map_err(io("reading", src))?
            .flatten()
        {
            copy(&e.path(), &dst.join(e.file_name()))?;
        }
        Ok(())
    } else if m.is_file() {
        std::fs::copy(src, dst)
            .map(drop)
            .map_err(io("copying to", dst))
    } else {
        Ok(())
    }
}

/// `passwd`/`group` lines of system accounts (id below 1000, or nobody's).
fn system_lines(text: &str, members: bool) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f.len() >= 4)
        .filter(|f| f[2].parse::<u32>().is_ok_and(|id| id < 1000 || id == 65534))
        .map(|mut f| {
            if !members {
                f[3] = String::new();
            }
            f
        })
        .collect()
}

/// The node's account files from the host's `passwd` and `group` text:
/// (passwd, group, shadow, gshadow).
pub fn accounts(passwd: &str, group: &str) -> (String, String, String, String) {
    let users = system_lines(passwd, true);
    let groups = system_lines(group, false);
    let join = |v: &[Vec<String>]| v.iter().map(|f| f.join(":") + "\n").collect::<String>();
    let shadow = users
        .iter()
        .map(|f| format!("{}:*:19000:0:99999:7:::\n", f[0]))
        .collect();
    let gshadow = groups.iter().map(|f| format!("{}:*::\n", f[0])).collect();
    (join(&users), join(&groups), shadow, gshadow)
}

/// `/etc/hosts` of a node: localhost and every node of the lab.
pub fn hosts(lab: &Lab) -> String {
    let mut s = String::from("127.0.0.1\tlocalhost\n");
    for n in &lab.nodes {
        s.push_str(&format!("{}\t{}\n", n.ip, n.name));
    }
    s
}

/// Make `<state>/rootfs` afresh (after the state folder step made the keys),
/// every file of it the node's (`ids`: what root owns here, the node's
/// root owns; `/etc/shadow` and the host key stay 0600, sshd's
/// `StrictModes` finds them its own).
pub fn build(l: &Layout, lab: &Lab, ids: super::ids::Ids) -> Result<()> {
    let r = l.rootfs();
    if r.exists() {
        std::fs::remove_dir_all(&r).map_err(io("removing", &r))?;
    }
    mkdir(&r, 0o755)?;
    for (d, mode) in [
        ("etc", 0o755),
        ("etc/ssh", 0o755),
        ("root", 0o700),
        ("home", 0o755),
        ("tmp", 0o1777),
        ("var", 0o755),
        ("var/tmp", 0o1777),
        ("var/log", 0o755),
        ("var/lib", 0o755),
        ("var/cache", 0o755),
        ("var/spool", 0o755),
        ("run", 0o755),
        ("dev", 0o755),
        ("proc", 0o555),
        ("sys", 0o555),
        ("mnt", 0o755),
        ("opt", 0o755),
        ("srv", 0o755),
        ("usr", 0o755),
    ] {
        mkdir(&r.join(d), mode)?;
    }
    for (link, target) in [("var/run", "/run"), ("var/lock", "/run/lock")] {
        std::os::unix::fs::symlink(target, r.join(link)).map_err(io("linking", &r.join(link)))?;
    }
    for d in HOST_READ_ONLY.iter().filter(|d| **d != "usr") {
        let host = Path::new("/").join(d);
        match std::fs::symlink_metadata(&host) {
            Ok(m) if m.file_type().is_symlink() => copy(&host, &r.join(d))?,
            Ok(m) if m.is_dir() => mkdir(&r.join(d), 0o755)?,
            _ => {}
        }
    }
    let etc = r.join("etc");
    for f in HOST_ETC {
        copy(&Path::new("/etc").join(f), &etc.join(f))?;
    }
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let (passwd, group, shadow, gshadow) = accounts(&read("/etc/passwd"), &read("/etc/group"));
    write_file(&etc.join("passwd"), passwd.as_bytes(), 0o644)?;
    write_file(&etc.join("group"), group.as_bytes(), 0o644)?;
    write_file(&etc.join("shadow"), shadow.as_bytes(), 0o600)?;
    write_file(&etc.join("gshadow"), gshadow.as_bytes(), 0o600)?;
    write_file(&etc.join("hosts"), hosts(lab).as_bytes(), 0o644)?;
    write_file(
        &etc.join("resolv.conf"),
        b"# A lab node has no DNS server: its network reaches only the lab.\n",
        0o644,
    )?;
    let ssh = |p: &str| r.join(p.trim_start_matches('/'));
    write_file(
        &ssh(SSHD_CONFIG),
        super::files::sshd_config().as_bytes(),
        0o644,
    )?;
    for (from, to) in [
        (l.host_key(), HOST_KEY),
        (l.authorized_keys(), AUTHORIZED_KEYS),
    ] {
        let bytes = std::fs::read(&from).map_err(io("reading", &from))?;
        write_file(&ssh(to), &bytes, 0o600)?;
    }
    let host_pub = l.host_key().with_extension("pub");
    let bytes = std::fs::read(&host_pub).map_err(io("reading", &host_pub))?;
    write_file(&ssh(&format!("{HOST_KEY}.pub")), &bytes, 0o644)?;
    ids.chown_tree(&r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_keep_system_users_and_no_hash() {
        let passwd = "root:x:0:0:root:/root:/bin/bash\nsshd:x:101:65534::/run/sshd:/usr/sbin/nologin\nalice:x:1000:1000::/home/alice:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
        let group = "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\nnogroup:x:65534:\n";
        let (p, g, s, gs) = accounts(passwd, group);
        assert_eq!(
            p,
            "root:x:0:0:root:/root:/bin/bash\nsshd:x:101:65534::/run/sshd:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        );
        assert_eq!(g, "root:x:0:\nsudo:x:27:\nnogroup:x:65534:\n");
        assert!(s.starts_with("root:*:"), "{s}");
        assert!(!s.contains('$') && !s.contains("alice"), "{s}");
        assert_eq!(gs.lines().count(), 3);
    }
}
