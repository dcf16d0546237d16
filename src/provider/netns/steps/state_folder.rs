//! The lab's state folder: SSH keys (generated per lab, ed25519, 0600),
//! sshd's and the client's configuration, pinned host keys, and each node's
//! own `/run`.
//!
//! The nodes' and pods' folders (`nodes/`, `pods/`: each node's `/run`,
//! home and overlay layer, each pod's nginx files; tens of thousands of
//! files at 1000 workers) live on a tmpfs of the lab's own, mounted beside
//! the nodes' overlays (outside the state folder, so an `rm -rf` of the
//! folder never walks into a mount) and linked from the state folder.
//! On the disk, making and unlinking them cost a journal handle each:
//! `lab destroy` of 250 workers spent 30 of its 31 s in `unlinkat` while
//! the disk was busy; `destroy` now detaches one mount (see
//! `files::unmount_lab`, which detaches every mount under the lab's
//! mount folder) and the kernel frees the files with it.
//!
//! The tmpfs has a size, as a VM has a disk: what a node writes (its
//! overlay layer holds its `/tmp`, `/var`, `/root`) is the host's memory,
//! so a node that fills it gets `ENOSPC`, never the host's RAM
//! ([`tmpfs_bytes`]). Each node's folder is a tmpfs of its own, an equal
//! share of that bound ([`Shares`]): a node that fills its disk does not
//! take its lab's other nodes' room (the tenth probe of issue 21).

use super::super::beneath;
use super::super::ctx::NetnsCtx;
use super::super::files;
use super::super::files::write_file;
use super::super::node_write::write_node_file;
use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::exec;
use async_trait::async_trait;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct StateFolder;

fn mkdir(path: &Path, mode: u32) -> Result<()> {
    std::fs::create_dir_all(path)
        .map_err(|e| LabError::io(format!("creating {}", path.display()), e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| LabError::io(format!("setting the mode of {}", path.display()), e))
}

fn keygen(path: &Path, comment: &str) -> Command {
    for p in [path.to_path_buf(), path.with_extension("pub")] {
        let _ = std::fs::remove_file(p);
    }
    let mut c = Command::new("ssh-keygen");
    c.args(["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f"])
        .arg(path);
    c
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| LabError::io(format!("reading {}", path.display()), e))
}

/// The lab's tmpfs for its nodes' and pods' files: under the folder where
/// its node overlays are mounted (a node name is a DNS label, never this).
pub fn volatile_dir(lab: &str) -> PathBuf {
    crate::places::lab_files(lab)
}

/// The most a lab's nodes and pods may write, together: 64 MiB, and 8 MiB
/// more per node and per pod (what they write in the chapter is tens of
/// KiB: 15 MiB for 250 workers and their pods), never more than a quarter
/// of the host's memory.
pub fn tmpfs_bytes(nodes: usize, pods: usize, mem_total: Option<u64>) -> u64 {
    const MIB: u64 = 1 << 20;
    let want = 64 * MIB + 8 * MIB * (nodes + pods) as u64;
    match mem_total {
        Some(total) => want.min((total / 4).max(64 * MIB)),
        None => want,
    }
}

/// The lab's bound cut in shares: each node's own tmpfs, and what is
/// left for the shared one (the pods' folders). They add up to the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shares {
    pub node: u64,
    pub shared: u64,
}

impl Shares {
    /// `total` in `nodes + 1` equal parts (whole MiB, at least one): one
    /// per node, the rest shared.
    pub fn of(total: u64, nodes: usize) -> Shares {
        const MIB: u64 = 1 << 20;
        let node = (total / (nodes as u64 + 1) / MIB).max(1) * MIB;
        let shared = total.saturating_sub(node * nodes as u64).max(node);
        Shares { node, shared }
    }
}

/// The host's memory (`MemTotal` of `/proc/meminfo`), in bytes.
fn mem_total() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib = info
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()?;
    Some(kib * 1024)
}

/// Whether `path` is a mount point now.
fn is_mount_point(path: &Path) -> bool {
    let want = path.to_string_lossy();
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(&*want))
}

/// Mount the lab's tmpfs (unless it is mounted already) and link the state
/// folder's `nodes` and `pods` to folders on it; what those names held
/// before (a lab of this name that was not torn down) is removed.
fn volatile_folders(root: &Path, lab: &str, bytes: u64) -> Result<()> {
    let dir = volatile_dir(lab);
    // The lab's mount folder (its nodes' roots, this tmpfs) is root's
    // alone: a node's root may make a setuid file in its own files, which
    // no host user may then reach and run.
    mkdir(&files::lab_mounts(lab), 0o700)?;
    if !is_mount_point(&dir) {
        mkdir(&dir, 0o755)?;
        let options = format!("mode=0755,size={bytes}");
        nix::mount::mount(
            Some(format!("lab.{lab}.files").as_str()),
            &dir,
            Some("tmpfs"),
            nix::mount::MsFlags::MS_NOSUID | nix::mount::MsFlags::MS_NODEV,
            Some(options.as_str()),
        )
        .map_err(|e| LabError::Command {
            command: format!(
                "mount -t tmpfs -o {options} lab.{lab}.files {}",
                dir.display()
            ),
            status: "failed".into(),
            output: e.to_string(),
        })?;
    }
    for name in ["nodes", "pods"] {
        let target = dir.join(name);
        mkdir(&target, 0o755)?;
        let link = root.join(name);
        match std::fs::symlink_metadata(&link) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&link)
                .map_err(|e| LabError::io(format!("removing {}", link.display()), e))?,
            Ok(_) => std::fs::remove_file(&link)
                .map_err(|e| LabError::io(format!("removing {}", link.display()), e))?,
            Err(_) => {}
        }
        std::os::unix::fs::symlink(&target, &link)
            .map_err(|e| LabError::io(format!("linking {}", link.display()), e))?;
    }
    Ok(())
}

/// Mount the node's own tmpfs (`bytes`) on its folder `nodes/NODE`,
/// unless one is there: the folder is opened without following a link and
/// the mount's target is the open folder.
fn node_tmpfs(lab: &str, nodes: &Path, node: &str, bytes: u64) -> Result<()> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = nodes.join(node);
    if is_mount_point(&dir) {
        return Ok(());
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&dir)
        .map_err(|e| LabError::io(format!("opening {}", dir.display()), e))?;
    let options = format!("mode=0755,size={bytes}");
    let source = format!("lab.{lab}.{node}.files");
    nix::mount::mount(
        Some(source.as_str()),
        format!("/proc/self/fd/{}", f.as_raw_fd()).as_str(),
        Some("tmpfs"),
        nix::mount::MsFlags::MS_NOSUID | nix::mount::MsFlags::MS_NODEV,
        Some(options.as_str()),
    )
    .map_err(|e| LabError::Command {
        command: format!("mount -t tmpfs -o {options} {source} {}", dir.display()),
        status: "failed".into(),
        output: e.to_string(),
    })
}

/// A node's own folders under `nodes` (the lab's tmpfs): its `/run`,
/// owned by the node's root (`root`: its host uid and gid, see `ids`) and
/// 0755 all the way (sshd's privilege separation directory `/run/sshd` is
/// checked for that), and its home (0700) with a `.bashrc`;
/// with `tmpfs` (the lab's name and the bytes of the node's share), on a
/// tmpfs of the node's own.
/// The node can replace these by links (they are its `/run` and `/root`):
/// each is made, and given its mode, below the last without following one
/// (`beneath`), and `.bashrc` written as a node's file (`node_write`).
fn node_folders(
    nodes: &Path,
    node: &str,
    tmpfs: Option<(&str, u64)>,
    root: Option<(u32, u32)>,
) -> Result<()> {
    let own = nodes.join(node);
    beneath::make_beneath_mode(nodes, Path::new(node), Some(0o755), None)?;
    if let Some((lab, bytes)) = tmpfs {
        node_tmpfs(lab, nodes, node, bytes)?;
    }
    for (rel, mode) in [
        ("run", 0o755),
        ("run/netns", 0o755),
        ("run/sshd", 0o755),
        ("run/flannel", 0o755),
        ("root", 0o700),
    ] {
        beneath::make_beneath_mode(&own, Path::new(rel), Some(mode), root)?;
    }
    write_node_file(
        &own,
        Path::new("root/.bashrc"),
        files::BASHRC.as_bytes(),
        0o644,
        root,
    )
}

#[async_trait]
impl Step<NetnsCtx> for StateFolder {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let l = ctx.layout.clone();
        let lab = ctx.lab.name.clone();
        mkdir(&l.ssh_dir(), 0o700)?;
        let root = std::path::absolute(&l.root)
            .map_err(|e| LabError::io(format!("resolving {}", l.root.display()), e))?;
        let bytes = tmpfs_bytes(ctx.lab.nodes.len(), ctx.lab.placements().len(), mem_total());
        let shares = Shares::of(bytes, ctx.lab.nodes.len());
        volatile_folders(&root, &lab, shares.shared)?;
        let (host, client) = tokio::join!(
            exec::run_async(
                &ctx.rep,
                keygen(&l.host_key(), &format!("lab {lab} host key")),
                None
            ),
            exec::run_async(
                &ctx.rep,
                keygen(&l.client_key(), &format!("lab {lab} client key")),
                None
            ),
        );
        host?;
        client?;
        for key in [l.host_key(), l.client_key()] {
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| LabError::io(format!("chmod {}", key.display()), e))?;
        }
        let node_names: Vec<String> = ctx.lab.nodes.iter().map(|n| n.name.clone()).collect();
        let host_pub = read(&l.host_key().with_extension("pub"))?;
        let client_pub = read(&l.client_key().with_extension("pub"))?;
        write_file(&l.sshd_config(), files::sshd_config().as_bytes(), 0o644)?;
        write_file(&l.authorized_keys(), client_pub.as_bytes(), 0o600)?;
        write_file(
            &l.known_hosts(),
            files::known_hosts(&lab, &node_names, &host_pub).as_bytes(),
            0o644,
        )?;
        let addrs: Vec<(String, std::net::Ipv4Addr)> = ctx
            .lab
            .nodes
            .iter()
            .map(|n| (n.name.clone(), n.ip))
            .collect();
        write_file(
            &l.ssh_config(),
            files::ssh_config(&l, &lab, &addrs, &ctx.exe).as_bytes(),
            0o644,
        )?;
        let nodes = volatile_dir(&lab).join("nodes");
        let root = ctx.node_root()?;
        for n in &ctx.lab.nodes {
            node_folders(&nodes, &n.name, Some((&lab, shares.node)), Some(root))?;
        }
        mkdir(&l.root.join("pods"), 0o755)?;
        ctx.save()
    }
}

#[cfg(test)]
mod tests {
    use super::{Shares, node_folders, tmpfs_bytes};
    use std::os::unix::fs::PermissionsExt;

    /// `up` made a node's `run/{netns,sshd,flannel}` and home with
    /// `create_dir_all` and `set_permissions`, which follow links: a node's
    /// link there (were `up` ever to run over an old lab's tmpfs) would
    /// have had `lab` make folders in, and chmod, a host folder (the tenth
    /// probe of issue 21, by reading). Now nothing below `nodes` is
    /// followed: the link is an error, the host folder untouched.
    #[test]
    fn a_nodes_folders_are_made_without_following_its_links() {
        for planted in ["run", "run/flannel", "root"] {
            let t = tempfile::tempdir().unwrap();
            let nodes = t.path().join("nodes");
            let host = t.path().join("host");
            std::fs::create_dir_all(&host).unwrap();
            std::fs::set_permissions(&host, std::fs::Permissions::from_mode(0o750)).unwrap();
            let at = nodes.join("node1").join(planted);
            std::fs::create_dir_all(at.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(&host, &at).unwrap();
            let r = node_folders(&nodes, "node1", None, None);
            assert!(r.is_err(), "{planted}: a link was followed");
            assert_eq!(std::fs::read_dir(&host).unwrap().count(), 0, "{planted}");
            let mode = std::fs::metadata(&host).unwrap().permissions().mode();
            assert_eq!(
                mode & 0o7777,
                0o750,
                "{planted}: the host folder's mode changed"
            );
        }
        // Without links: every folder made, with its mode.
        let t = tempfile::tempdir().unwrap();
        let nodes = t.path().join("nodes");
        std::fs::create_dir(&nodes).unwrap();
        node_folders(&nodes, "node1", None, None).unwrap();
        for (rel, want) in [
            ("run", 0o755),
            ("run/netns", 0o755),
            ("run/sshd", 0o755),
            ("run/flannel", 0o755),
            ("root", 0o700),
        ] {
            let m = std::fs::metadata(nodes.join("node1").join(rel)).unwrap();
            assert!(m.is_dir());
            assert_eq!(m.permissions().mode() & 0o7777, want, "{rel}");
        }
        assert!(nodes.join("node1/root/.bashrc").is_file());
    }

    #[test]
    fn the_nodes_files_are_bounded_by_the_lab_and_the_host() {
        const MIB: u64 = 1 << 20;
        // Chapter 4: 3 nodes, 2 pods.
        assert_eq!(tmpfs_bytes(3, 2, Some(24 << 30)), 104 * MIB);
        assert_eq!(tmpfs_bytes(3, 2, None), 104 * MIB);
        // 1000 workers: a quarter of the host's 24 GiB, not 16 GiB.
        assert_eq!(tmpfs_bytes(1001, 1000, Some(24 << 30)), 6 << 30);
    }

    #[test]
    fn each_node_has_an_equal_share_of_the_bound_and_they_add_up() {
        const MIB: u64 = 1 << 20;
        // Chapter 4: 104 MiB, 3 nodes: 26 MiB each, 26 MiB shared.
        let s = Shares::of(104 * MIB, 3);
        assert_eq!(
            s,
            Shares {
                node: 26 * MIB,
                shared: 26 * MIB
            }
        );
        // 1001 nodes, 6 GiB: 6 MiB each, the rest (at least a share) shared.
        let s = Shares::of(6 << 30, 1001);
        assert_eq!(s.node, 6 * MIB);
        assert_eq!(s.node * 1001 + s.shared, 6 << 30);
        // Never a share of nothing.
        assert_eq!(Shares::of(MIB, 10).node, MIB);
    }
}
