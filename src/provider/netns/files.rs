//! The files the netns provider writes into the lab's state folder (pure
//! text generation) and where they live:
//!
//! ```text
//! <state>/ssh/        host key, client key, authorized_keys, known_hosts,
//!                     sshd_config, config (the client's, for `ssh -F`)
//! <state>/rootfs/     what every node's `/` starts from (lab-made /etc,
//!                     empty /tmp, /var, /home; see `rootfs`)
//! <state>/nodes/<n>/  run/ (the node's own /run: flannel/, sshd/,
//!                     netns/), root/ (its /root), fs/upper, fs/work
//!                     (its overlay's layer: the node's own files,
//!                     sshd's log in fs/upper/var/log/sshd.log)
//! <state>/pods/<p>/   nginx.conf, logs, pid, temp dirs, run/, root/
//! <state>/guard.log   the output of the guard of the nodes' tables (`guard`)
//! <state>/guard.sock  the guard's socket, where entries hand over their
//!                     filters' listeners (`supervised`)
//! /run/lab-root/<lab>/<n>  where node n's overlay is mounted: the node's `/`
//! ```
//!
//! The node overlays are the only mounts `lab` makes on the host. Their mount points are
//! outside the state folder, so that `rm -rf` of a state folder never walks into a view of the
//! host's whole `/`; lab names are host-wide (so are the namespaces), so `/run/lab-root/<lab>`
//! is the lab's own. `unmount_lab` removes them (and anything mounted in the state folder)
//! before the folder goes.

use super::enter::{Machine, NodeSetup};
use crate::error::LabError;
use std::path::{Path, PathBuf};

pub const HOST_KEY: &str = "ssh_host_ed25519_key";
pub const CLIENT_KEY: &str = "id_ed25519";

/// Paths inside a lab's state folder.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Layout { root: root.into() }
    }
    pub fn guard_log(&self) -> PathBuf {
        self.root.join("guard.log")
    }
    /// The guard's socket, where every entry to a node hands over its
    /// filter's listener (see `supervised`).
    pub fn guard_socket(&self) -> PathBuf {
        self.root.join("guard.sock")
    }
    /// The folder of each node's ruleset of bounds its root cannot take
    /// off (see `owned_bounds`), `NODE.nft`, written by the pod network
    /// step and read by the guard.
    pub fn owned_bounds(&self) -> PathBuf {
        self.root.join("owned-bounds")
    }
    pub fn ssh_dir(&self) -> PathBuf {
        self.root.join("ssh")
    }
    pub fn host_key(&self) -> PathBuf {
        self.ssh_dir().join(HOST_KEY)
    }
    pub fn client_key(&self) -> PathBuf {
        self.ssh_dir().join(CLIENT_KEY)
    }
    pub fn sshd_config(&self) -> PathBuf {
        self.ssh_dir().join("sshd_config")
    }
    pub fn ssh_config(&self) -> PathBuf {
        self.ssh_dir().join("config")
    }
    pub fn known_hosts(&self) -> PathBuf {
        self.ssh_dir().join("known_hosts")
    }
    pub fn authorized_keys(&self) -> PathBuf {
        self.ssh_dir().join("authorized_keys")
    }
    pub fn node_dir(&self, node: &str) -> PathBuf {
        self.root.join("nodes").join(node)
    }
    /// The node's own `/run`.
    pub fn node_run(&self, node: &str) -> PathBuf {
        self.node_dir(node).join("run")
    }
    /// The node's own /root (its home: a fresh one, as on a new VM).
    pub fn node_home(&self, node: &str) -> PathBuf {
        self.node_dir(node).join("root")
    }
    /// The node's overlay layer: `upper/` (its writes) and `work/`.
    pub fn node_fs(&self, node: &str) -> PathBuf {
        self.node_dir(node).join("fs")
    }
    /// How every entry to a node sets itself up: hostname, /run, /root and
    /// the node's own root filesystem (mounted by [`mount_node_root`]).
    pub fn node_setup(&self, lab: &str, node: &str) -> crate::Result<NodeSetup> {
        Ok(NodeSetup {
            hostname: node.to_string(),
            run: self.node_run(node),
            home: self.node_home(node),
            root: node_rootfs(lab, node),
            binds: vec![],
            cgroup: super::cgroups::name_of(&super::names::node_ns(lab, node)),
            machine: Machine::Node,
            supervisor: self.guard_socket(),
        })
    }
    /// A pod (its nginx, and a command in it): on its node's root
    /// filesystem, with the pod's own hostname, /run and /root, and its
    /// nginx folder (configuration, logs, temp files) at the same path.
    pub fn pod_setup(&self, lab: &str, pod: &str, node: &str) -> crate::Result<NodeSetup> {
        let dir = absolute(&self.pod_dir(pod))?;
        Ok(NodeSetup {
            // A hostname has at most 64 bytes; pod names are ASCII.
            hostname: pod.chars().take(63).collect(),
            run: dir.join("run"),
            home: dir.join("root"),
            binds: vec![dir],
            cgroup: super::cgroups::name_of(&super::names::pod_ns(lab, pod)),
            machine: Machine::Pod,
            ..self.node_setup(lab, node)?
        })
    }
    pub fn flannel_dir(&self, node: &str) -> PathBuf {
        self.node_run(node).join("flannel")
    }
    /// sshd's log, which the node writes to its own `/var/log`.
    pub fn sshd_log(&self, node: &str) -> PathBuf {
        self.node_fs(node)
            .join("upper")
            .join(super::rootfs::SSHD_LOG.trim_start_matches('/'))
    }
    /// What every node's `/` starts from (its overlay's lower layer): [`super::rootfs`].
    pub fn rootfs(&self) -> PathBuf {
        self.root.join("rootfs")
    }
    pub fn pod_dir(&self, pod: &str) -> PathBuf {
        self.root.join("pods").join(pod)
    }
    pub fn nginx_conf(&self, pod: &str) -> PathBuf {
        self.pod_dir(pod).join("nginx.conf")
    }
    pub fn nginx_out(&self, pod: &str) -> PathBuf {
        self.pod_dir(pod).join("nginx.out")
    }
}

/// Where the nodes' overlays of lab `lab` are mounted.
pub const MOUNTS_DIR: &str = crate::places::MOUNTS_ROOT;

pub fn lab_mounts(lab: &str) -> PathBuf {
    Path::new(MOUNTS_DIR).join(lab)
}

/// Where node `node`'s overlay is mounted: the node's `/`.
pub fn node_rootfs(lab: &str, node: &str) -> PathBuf {
    lab_mounts(lab).join(node)
}

pub(super) fn absolute(p: &Path) -> crate::Result<PathBuf> {
    std::path::absolute(p).map_err(|e| LabError::io(format!("resolving {}", p.display()), e))
}

/// A node's `/etc/resolv.conf` (in its overlay's upper layer).
pub const NODE_RESOLV_CONF: &str = "# written by lab: a node resolves through its own loopback (nothing answers)\nnameserver 127.0.0.1\n";

/// Mount the node's root filesystem once, at bring-up: an overlay with the
/// lab's `rootfs` below (no file of the host's: the host's `/usr` is bound
/// read-only into it by every entry, see [`super::enter`]) and the node's
/// `fs/upper` above. A mount left at the same place (a lab of this name that
/// was not torn down) must be gone first: `NodeRoots` unmounts them all
/// after one read of the host's mount table (a read per node cost a
/// thousand-node lab a thousand reads of thousands of lines).
pub fn mount_node_root(
    l: &Layout,
    lab: &str,
    node: &str,
    ids: super::ids::Ids,
) -> crate::Result<()> {
    let fs = absolute(&l.node_fs(node))?;
    let lower = absolute(&l.rootfs())?;
    let target = node_rootfs(lab, node);
    let (upper, work) = (fs.join("upper"), fs.join("work"));
    // overlayfs' scratch folder, made anew: a `volatile` mount leaves a
    // marker in it that a later mount refuses.
    let _ = std::fs::remove_dir_all(&work);
    for d in [&upper, &work, &target] {
        std::fs::create_dir_all(d)
            .map_err(|e| LabError::io(format!("creating {}", d.display()), e))?;
    }
    // The node's own resolver: its own loopback, where nothing answers, so a
    // lookup fails at once instead of waiting 2 x 5 s for the host's
    // nameserver, which a node cannot reach (sshd's login record resolves
    // the client "UNKNOWN" of `sshd -i`: an interactive `lab ssh` took 10 s).
    let etc = upper.join("etc");
    std::fs::create_dir_all(&etc)
        .and_then(|()| std::fs::write(etc.join("resolv.conf"), NODE_RESOLV_CONF))
        .map_err(|e| LabError::io(format!("writing {}/resolv.conf", etc.display()), e))?;
    // The top of the node's `/` and what lab wrote there are its root's.
    for p in [upper.clone(), etc.clone(), etc.join("resolv.conf")] {
        ids.chown(&p, 0, 0)?;
    }
    // overlayfs splits its options at ',' and its lower dirs at ':'.
    let bad = |p: &Path| p.to_str().is_none_or(|s| s.contains([',', ':', '\\']));
    if bad(&upper) || bad(&target) || bad(&lower) {
        return Err(LabError::Usage(format!(
            "the state folder {} holds ',', ':' or '\\', which an overlay mount cannot name",
            l.root.display()
        )));
    }
    // `volatile`: no sync of the upper folder's filesystem, ever. Without
    // it every unmount synced the whole filesystem the state folder is on
    // (a journal commit and a disk flush per node: `lab destroy` of 250
    // workers spent 16.8 of its 17.7 s there); a node's files live as long
    // as its lab and are never read after a crash of the host.
    let opts = format!(
        "lowerdir={},upperdir={},workdir={},volatile",
        lower.display(),
        upper.display(),
        work.display()
    );
    nix::mount::mount(
        Some(format!("lab.{lab}.{node}").as_str()),
        &target,
        Some("overlay"),
        nix::mount::MsFlags::empty(),
        Some(opts.as_str()),
    )
    .map_err(|e| LabError::Command {
        command: format!("mount -t overlay -o {opts} {}", target.display()),
        status: "failed".into(),
        output: format!("{e} (see dmesg)"),
    })
}

/// The host's mount points at `dir` or below it (from
/// `/proc/self/mountinfo`), deepest first.
pub fn mounts_under(dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut out: Vec<PathBuf> = text
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|m| PathBuf::from(unescape_mountinfo(m)))
        .filter(|m| m.starts_with(dir))
        .collect();
    out.sort_by_key(|m| std::cmp::Reverse(m.components().count()));
    out.dedup();
    out
}

/// mountinfo writes space, tab, newline and backslash as `\ooo`.
pub(super) fn unescape_mountinfo(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && let Some(Ok(n)) = s.get(i + 1..i + 4).map(|o| u8::from_str_radix(o, 8))
        {
            out.push(n);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Unmount the lab's node overlays (`/run/lab-root/<lab>/*`) and anything
/// mounted in its state folder, and remove their empty mount points, so
/// that removing the folder removes only the lab's files. An error if a
/// mount stays.
pub fn unmount_lab(lab: &str, dir: &Path) -> crate::Result<()> {
    let mine = lab_mounts(lab);
    let dir = absolute(dir)?;
    let all = || {
        let mut v = mounts_under(&mine);
        v.extend(mounts_under(&dir));
        v
    };
    for m in all() {
        // Lazily: a process that still holds it (none should: they were
        // stopped) cannot keep the folder from going.
        let _ = nix::mount::umount2(&m, nix::mount::MntFlags::MNT_DETACH);
    }
    let left = all();
    if !left.is_empty() {
        return Err(LabError::Step {
            step: "unmount node roots".into(),
            message: format!(
                "could not unmount {}; the state folder is left as it is",
                left.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    // Only empty folders: never a recursive removal where a mount was.
    if let Ok(rd) = std::fs::read_dir(&mine) {
        for e in rd.flatten() {
            let _ = std::fs::remove_dir(e.path());
        }
    }
    let _ = std::fs::remove_dir(&mine);
    Ok(())
}

/// Write a file by renaming a temporary one over it (readers never see it
/// half-written), created with `mode`. Not synced: these files are remade
/// by every `up`; the state itself goes through [`crate::state::write_atomic`].
pub fn write_file(path: &Path, bytes: &[u8], mode: u32) -> crate::Result<()> {
    crate::state::replace_file(path, bytes, mode, false)
}

/// The node's `~/.bashrc`: a prompt naming the node, nothing for scripts.
pub const BASHRC: &str = "# root's shell on a node of a lab (made by lab)\n[ -z \"$PS1\" ] && return\nPS1='\\u@\\h:\\w\\$ '\n";

/// A value in an OpenSSH config file: double-quoted, `%` escaped (ssh
/// expands `%` tokens in paths and commands).
fn ssh_value(s: &str) -> String {
    format!("\"{}\"", s.replace('%', "%%"))
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// sshd's configuration, shared by every node of the lab, as a node sees
/// it: its files are the node's own (`rootfs` copies the lab's host key and
/// authorized keys into every node's /etc/ssh); the lab's state folder is
/// not part of a node's files. `StrictModes no`: the key files are
/// root-owned and 0600 in any case.
pub fn sshd_config() -> String {
    format!(
        "# sshd of every node of this lab, run inside the node's namespaces by lab.\n\
         ListenAddress 0.0.0.0:22\n\
         HostKey {host_key}\n\
         PidFile none\n\
         AuthorizedKeysFile {authorized_keys}\n\
         PermitRootLogin prohibit-password\n\
         PubkeyAuthentication yes\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         UsePAM no\n\
         UseDNS no\n\
         StrictModes no\n\
         MaxSessions 64\n\
         MaxStartups 200\n\
         KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org\n\
         PrintMotd no\n\
         PrintLastLog no\n\
         X11Forwarding no\n\
         LogLevel ERROR\n\
         Subsystem sftp internal-sftp\n",
        host_key = super::rootfs::HOST_KEY,
        authorized_keys = super::rootfs::AUTHORIZED_KEYS,
    )
}

/// The client's configuration: one `Host` per node, reached through `lab
/// proxy` (which enters the node and becomes `sshd -i` there, so the host
/// gets no address and the node needs no daemon),
/// with the lab's host key pinned. Key exchange is plain curve25519: the
/// default post-quantum hybrid costs about 100 ms of CPU per connection, which
/// dominates a sweep over a hundred nodes (measured on this 2-core machine:
/// 20 sequential connections, 2.2 s of client CPU with it, 0.22 s without);
/// AES-GCM (AES-NI) before ChaCha20 saves a little more.
pub fn ssh_config(
    l: &Layout,
    lab: &str,
    nodes: &[(String, std::net::Ipv4Addr)],
    lab_exe: &Path,
) -> String {
    let mut s = format!(
        "# SSH to the nodes of lab {lab}: ssh -F {} <node>\n",
        crate::exec::quote(&p(&l.ssh_config()))
    );
    for (node, ip) in nodes {
        let proxy = format!(
            "{} proxy --state {} {lab} {node}",
            crate::exec::quote(&p(lab_exe)),
            crate::exec::quote(&p(&l.root)),
        );
        s.push_str(&format!(
            "\nHost {node}\n  HostName {ip}\n  HostKeyAlias {lab}.{node}\n  User root\n  IdentityFile {key}\n  IdentitiesOnly yes\n  \
             UserKnownHostsFile {kh}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  UpdateHostKeys no\n  \
             CheckHostIP no\n  BatchMode yes\n  ConnectTimeout 10\n  LogLevel ERROR\n  KexAlgorithms curve25519-sha256\n  \
             Ciphers aes128-gcm@openssh.com,chacha20-poly1305@openssh.com\n  \
             ProxyCommand {proxy}\n",
            key = ssh_value(&p(&l.client_key())),
            kh = ssh_value(&p(&l.known_hosts())),
            proxy = proxy.replace('%', "%%"),
        ));
    }
    s
}

/// The client's configuration as [`ssh_config`] renders it from the lab
/// and its state folder, written again where the file says otherwise, and
/// its path: what is handed to `ssh -F` (whose `ProxyCommand` ssh runs) is
/// lab's own, never what a file in the state folder was changed to
/// (probe21at). A state folder holding a link is refused.
pub fn fresh_ssh_config(l: &Layout, lab: &crate::spec::Lab) -> crate::Result<PathBuf> {
    crate::state::refuse_links(&l.root)?;
    let path = l.ssh_config();
    let addrs: Vec<(String, std::net::Ipv4Addr)> =
        lab.nodes.iter().map(|n| (n.name.clone(), n.ip)).collect();
    let text = ssh_config(l, &lab.name, &addrs, &super::ctx::lab_exe());
    if std::fs::read(&path).ok().as_deref() != Some(text.as_bytes()) {
        if !std::fs::symlink_metadata(l.ssh_dir()).is_ok_and(|m| m.is_dir()) {
            return Err(LabError::NeedsRepair(format!(
                "{} is missing: lab '{}' did not finish coming up; `lab destroy {1}` removes it",
                l.ssh_dir().display(),
                lab.name
            )));
        }
        write_file(&path, text.as_bytes(), 0o644)?;
    }
    Ok(path)
}

/// `known_hosts`: the lab's host key, pinned for each node's alias.
pub fn known_hosts(lab: &str, nodes: &[String], host_pub: &str) -> String {
    let key = host_pub
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    nodes.iter().map(|n| format!("{lab}.{n} {key}\n")).collect()
}

/// An nginx that says which pod on which node answered: one process
/// (`master_process off`: no master and worker pair), which serves HTTP
/// itself; a thousand pods are a thousand processes.
pub fn nginx_conf(l: &Layout, pod: &str, node: &str, port: u16) -> String {
    let d = p(&l.pod_dir(pod));
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let tmp = |t: &str| q(&format!("{d}/tmp/{t}"));
    format!(
        "daemon off;\n\
         master_process off;\n\
         worker_processes 1;\n\
         pid {pid};\n\
         error_log {err};\n\
         events {{ worker_connections 256; }}\n\
         http {{\n\
         \x20 access_log {acc};\n\
         \x20 client_body_temp_path {body};\n\
         \x20 proxy_temp_path {proxy};\n\
         \x20 fastcgi_temp_path {fcgi};\n\
         \x20 uwsgi_temp_path {uwsgi};\n\
         \x20 scgi_temp_path {scgi};\n\
         \x20 server {{\n\
         \x20   listen {port};\n\
         \x20   location = / {{ default_type text/plain; return 200 \"{pod} on {node}\\n\"; }} location / {{ return 404; }}\n\
         \x20 }}\n\
         }}\n",
        pid = q(&format!("{d}/nginx.pid")),
        err = q(&format!("{d}/error.log")),
        acc = q(&format!("{d}/access.log")),
        body = tmp("body"),
        proxy = tmp("proxy"),
        fcgi = tmp("fastcgi"),
        uwsgi = tmp("uwsgi"),
        scgi = tmp("scgi"),
    )
}

/// The most of one log `collect_logs` copies.
pub const MAX_LOG_BYTES: u64 = 16 << 20;

/// Copy `from` to `to` if it is a regular file inside `own`, reached
/// from `own` without following any symbolic link (`openat2` with
/// `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`: one walk, no check before it
/// that the node could race), and at most [`MAX_LOG_BYTES`] of it. A node
/// that swapped its `/run/flannel` for a link to a host folder between a
/// check and the open made `lab verify` copy the host's file (the ninth
/// probe of issue 21).
pub fn copy_own_file(from: &Path, own: &Path, to: &Path) -> bool {
    use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat2};
    use std::io::Read;
    let Ok(rel) = from.strip_prefix(own) else {
        return false;
    };
    let Ok(top) = std::fs::File::open(own) else {
        return false;
    };
    // Never waiting on a FIFO, never a terminal, only a regular file.
    let how = OpenHow::new()
        .flags(OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_BENEATH | ResolveFlag::RESOLVE_NO_SYMLINKS);
    let Ok(fd) = openat2(&top, rel, how) else {
        return false;
    };
    let f = std::fs::File::from(fd);
    if !f.metadata().is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut bytes = Vec::new();
    f.take(MAX_LOG_BYTES).read_to_end(&mut bytes).is_ok() && std::fs::write(to, bytes).is_ok()
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
