//! `lab box build`: a Vagrant box for vagrant-libvirt made on this machine,
//! offline, from Debian's own packages, because no box can be downloaded
//! here (and a box from the internet is a binary nobody here checked).
//!
//! The box follows Vagrant's documented box conventions: a `vagrant` user
//! with passwordless sudo, Vagrant's published insecure public key in its
//! `authorized_keys` (Vagrant swaps it for a key of its own on first boot),
//! sshd without DNS lookups; and vagrant-libvirt's box format: a tar of
//! `metadata.json` (`provider: libvirt`, `format: qcow2`), `box.img` and a
//! `Vagrantfile`. Debian 12 is debootstrapped from the mirror the machine's
//! apt uses, the disk is filled without loop devices (`mkfs.ext4 -d`) and
//! converted (`qemu-img convert`); the guest boots by libvirt's direct
//! kernel boot, its kernel and initrd kept beside the box (readable by
//! `libvirt-qemu`) and named in the box's Vagrantfile.
//!
//! Built once per machine: the build's inputs (packages, the configuration
//! script, the box Vagrantfile, the mirror, the suite) make a content key;
//! the box's folder is named by it, and a build whose key is already built
//! and added only says so.

use crate::error::{LabError, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The box `lab box build` adds, and `--box` names.
pub const BOX_NAME: &str = "lab/debian12";
const SUITE: &str = "bookworm";
/// What Vagrant's Debian guest support and `lab` need: SSH, sudo, a kernel
/// and an init, systemd-networkd (in `systemd`) and systemd-resolved for
/// the network, as on the chapter's Ubuntu nodes; what the provisioning
/// script installs from Debian.
const PACKAGES: &[&str] = &[
    "linux-image-amd64",
    "systemd-sysv",
    "systemd-resolved",
    "udev",
    "dbus",
    "openssh-server",
    "sudo",
    "iproute2",
    "iputils-ping",
    "netbase",
    "ca-certificates",
    "curl",
    "gpg",
    // The chapter's container runtime, so provisioning gets as far as the
    // Kubernetes repository without a Debian mirror (guests have no internet).
    "containerd",
];
/// Disk size of the guest (the qcow2 grows only as written).
const DISK_GB: u32 = 8;
/// The kernel command line for direct kernel boot: root on the virtio disk,
/// the serial console (libvirt logs it), classic NIC names (eth0, eth1)
/// unless the command line pins others by MAC (`ifname=NAME:MAC`, read by
/// systemd-network-generator: how a lab's Vagrantfile names its NICs).
pub const CMD_LINE: &str = "root=/dev/vda rw console=ttyS0 net.ifnames=0 biosdevname=0";

/// Configures the debootstrapped tree (run with the tree as `$1`, the
/// insecure public key as `$2`).
const CONFIGURE: &str = r#"set -euo pipefail
root=$1 key=$2
echo lab-debian12 > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tlab-debian12\n' > "$root/etc/hosts"
printf '/dev/vda\t/\text4\trw,errors=remount-ro\t0\t1\n' > "$root/etc/fstab"
# Every Ethernet NIC asks DHCP: the NAT NIC gets 10.0.2.15, the default
# route and DNS from QEMU's user network; the private NIC gets the node's
# address from the lab's libvirt network (a reservation by MAC, no router).
# Names come from `ifname=NAME:MAC` on the kernel command line.
mkdir -p "$root/etc/systemd/network"
cat > "$root/etc/systemd/network/50-lab-dhcp.network" <<'EOF'
[Match]
Type=ether

[Network]
DHCP=ipv4
LinkLocalAddressing=no
IPv6AcceptRA=no

[DHCPv4]
ClientIdentifier=mac
# As the chapter's `route -n`: no host route to the DNS server, metric 0.
RoutesToDNS=no
RouteMetric=0
EOF
# The initramfs's udev saw the NICs first (as eth0, eth1), so networkd may
# take them up before the real root's udev renames them by the .link files
# (measured: two guests of three kept eth0/eth1, "already up, cannot
# rename"). networkd waits for udev's coldplug to be processed.
mkdir -p "$root/etc/systemd/system/systemd-networkd.service.d"
cat > "$root/etc/systemd/system/systemd-networkd.service.d/lab-names-first.conf" <<'EOF'
[Unit]
Wants=systemd-udev-settle.service
After=systemd-udev-settle.service
EOF
for unit in systemd-networkd.service systemd-network-generator.service systemd-resolved.service; do
  chroot "$root" systemctl enable "$unit"
done
chroot "$root" useradd --create-home --shell /bin/bash --user-group vagrant
echo 'vagrant:vagrant' | chroot "$root" chpasswd
printf 'vagrant ALL=(ALL) NOPASSWD: ALL\nDefaults:vagrant !requiretty\n' > "$root/etc/sudoers.d/vagrant"
chmod 0440 "$root/etc/sudoers.d/vagrant"
install -d -m 0700 "$root/home/vagrant/.ssh"
install -m 0600 "$key" "$root/home/vagrant/.ssh/authorized_keys"
chroot "$root" chown -R vagrant:vagrant /home/vagrant/.ssh
printf 'UseDNS no\n' > "$root/etc/ssh/sshd_config.d/vagrant.conf"
# Each machine gets its own host keys and machine id at first boot.
rm -f "$root"/etc/ssh/ssh_host_*
cat > "$root/etc/systemd/system/ssh-host-keys.service" <<'EOF'
[Unit]
Description=Generate this machine's SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/ssh-host-keys.service "$root/etc/systemd/system/multi-user.target.wants/ssh-host-keys.service"
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
"#;

/// The box's own Vagrantfile: direct kernel boot from the files beside it.
fn box_vagrantfile(dir: &Path) -> String {
    format!(
        r#"# Written by `lab box build`: boot by libvirt's direct kernel boot.
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |lv|
    lv.kernel = "{k}"
    lv.initrd = "{i}"
    lv.cmd_line = "{CMD_LINE}"
  end
end
"#,
        k = dir.join("vmlinuz").display(),
        i = dir.join("initrd.img").display(),
    )
}

/// Vagrant's home for the libvirt VMs `lab` makes (`LAB_VAGRANT_HOME`, else
/// `/var/lib/lab/vagrant.d`): its boxes and machine index are `lab`'s own,
/// so `vagrant global-status` there lists only lab's machines.
pub fn vagrant_home() -> PathBuf {
    std::env::var_os("LAB_VAGRANT_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/lab/vagrant.d"))
}

/// Where boxes are built and kept: `LAB_BOX_DIR`, else `/var/lib/lab/boxes`
/// (not under `/root`: QEMU runs as `libvirt-qemu` and reads the kernel).
pub fn boxes_root() -> PathBuf {
    std::env::var_os("LAB_BOX_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/lab/boxes"))
}

/// The Debian mirror the machine's apt uses (deb822 or one-line sources).
pub fn apt_mirror() -> String {
    let deb822 =
        std::fs::read_to_string("/etc/apt/sources.list.d/debian.sources").unwrap_or_default();
    for line in deb822.lines() {
        if let Some(uri) = line.strip_prefix("URIs:") {
            let uri = uri.split_whitespace().next().unwrap_or("");
            if uri.trim_end_matches('/').ends_with("/debian") {
                return uri.to_string();
            }
        }
    }
    let list = std::fs::read_to_string("/etc/apt/sources.list").unwrap_or_default();
    for line in list.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        if w.len() >= 3 && w[0] == "deb" && w[2] == SUITE {
            return w[1].to_string();
        }
    }
    "http://deb.debian.org/debian".to_string()
}

/// The content key of a build from `mirror` (everything that shapes the box).
pub fn content_key(mirror: &str) -> String {
    let packages = PACKAGES.join(",");
    let disk = DISK_GB.to_string();
    // 16 hex digits, as before: the key names the cached box's folder.
    crate::digest::sha256_of_parts(&[
        SUITE,
        mirror,
        &packages,
        CONFIGURE,
        &box_vagrantfile(Path::new("/")),
        &disk,
    ])[..16]
        .to_string()
}

/// Vagrant's published insecure public key, as Vagrant itself ships it.
fn insecure_key() -> Result<PathBuf> {
    let out = Command::new("gem")
        .args(["contents", "vagrant"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let from_gem = out
        .lines()
        .find(|l| l.ends_with("/keys/vagrant.pub"))
        .map(PathBuf::from);
    let found = from_gem.filter(|p| p.is_file()).or_else(|| {
        std::fs::read_dir("/usr/share/rubygems-integration/all/gems")
            .ok()?
            .flatten()
            .map(|e| e.path().join("keys/vagrant.pub"))
            .find(|p| p.is_file())
    });
    found.ok_or_else(|| LabError::Unavailable {
        provider: "vagrant".into(),
        why: "Vagrant's insecure public key (keys/vagrant.pub of the vagrant gem) was not found: install vagrant".into(),
    })
}

/// What a build made.
#[derive(Debug, Clone)]
pub struct BuiltBox {
    pub name: String,
    pub dir: PathBuf,
    pub key: String,
    /// False when the cached box was reused.
    pub built: bool,
}

fn run(what: &str, cmd: &mut Command, log: &mut dyn FnMut(&str)) -> Result<()> {
    let shown = crate::exec::display(cmd);
    log(&format!("{what}: {shown}"));
    let out = cmd.output().map_err(|e| LabError::Command {
        command: shown.clone(),
        status: "could not start".into(),
        output: e.to_string(),
    })?;
    if out.status.success() {
        return Ok(());
    }
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let tail: Vec<&str> = text.lines().rev().take(30).collect();
    Err(LabError::Step {
        step: format!("box build: {what}"),
        message: format!(
            "`{shown}` failed ({}):\n{}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ),
    })
}

fn nice(program: &str) -> Command {
    let mut c = Command::new("nice");
    c.args(["-n", "19", program]);
    c
}

/// Whether Vagrant (with `vagrant_home`) lists the box for libvirt.
fn box_added(vagrant_home: &Path, name: &str) -> bool {
    Command::new("vagrant")
        .args(["box", "list", "--machine-readable"])
        .env("VAGRANT_HOME", vagrant_home)
        .env("VAGRANT_CHECKPOINT_DISABLE", "1")
        .output()
        .map(|o| {
            let t = String::from_utf8_lossy(&o.stdout);
            t.lines().any(|l| l.contains(&format!(",box-name,{name}")))
        })
        .unwrap_or(false)
}

/// Build the box (or reuse the one built from the same inputs) and add it
/// to Vagrant under `vagrant_home`. `log` gets one line per stage.
pub fn build(vagrant_home: &Path, force: bool, log: &mut dyn FnMut(&str)) -> Result<BuiltBox> {
    if !nix::unistd::geteuid().is_root() {
        return Err(LabError::Unavailable {
            provider: "vagrant".into(),
            why: "`lab box build` runs debootstrap and chroot: run it as root".into(),
        });
    }
    for (prog, pkg) in [
        ("debootstrap", "debootstrap"),
        ("mkfs.ext4", "e2fsprogs"),
        ("qemu-img", "qemu-utils"),
        ("vagrant", "vagrant"),
    ] {
        if which::which(prog).is_err() {
            return Err(LabError::Unavailable {
                provider: "vagrant".into(),
                why: format!("{prog} is not installed: apt-get install {pkg} (.ci/install does)"),
            });
        }
    }
    let mirror = apt_mirror();
    let key = content_key(&mirror);
    let root = boxes_root();
    let dir = root.join(format!("debian12-{key}"));
    let marker = dir.join("added");
    let done = dir.join("box.box").is_file() && !force;
    if done && marker.is_file() && box_added(vagrant_home, BOX_NAME) {
        log(&format!("{BOX_NAME}: cached ({})", dir.display()));
        return Ok(BuiltBox {
            name: BOX_NAME.into(),
            dir,
            key,
            built: false,
        });
    }
    if !done {
        unmount_under(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        let rootfs = dir.join("rootfs");
        mkdirs(&dir)?;
        let keyfile = insecure_key()?;
        run(
            "debootstrap",
            nice("debootstrap")
                .arg("--variant=minbase")
                .arg(format!("--include={}", PACKAGES.join(",")))
                .arg(SUITE)
                .arg(&rootfs)
                .arg(&mirror),
            log,
        )?;
        run(
            "configure the guest",
            Command::new("bash")
                .arg("-c")
                .arg(CONFIGURE)
                .arg("configure")
                .arg(&rootfs)
                .arg(&keyfile),
            log,
        )?;
        for (pattern, to) in [("vmlinuz-", "vmlinuz"), ("initrd.img-", "initrd.img")] {
            let found = std::fs::read_dir(rootfs.join("boot"))
                .map_err(|e| LabError::io("reading the guest's /boot", e))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(pattern))
                })
                .max()
                .ok_or_else(|| LabError::Step {
                    step: "box build: kernel".into(),
                    message: format!("no /boot/{pattern}* in the guest"),
                })?;
            std::fs::copy(&found, dir.join(to))
                .map_err(|e| LabError::io(format!("copying {}", found.display()), e))?;
            set_mode(&dir.join(to), 0o644)?;
        }
        let raw = dir.join("disk.raw");
        run(
            "fill the disk",
            nice("mkfs.ext4")
                .args(["-q", "-F", "-L", "root", "-d"])
                .arg(&rootfs)
                .arg(&raw)
                .arg(format!("{DISK_GB}G")),
            log,
        )?;
        run(
            "convert to qcow2",
            nice("qemu-img")
                .args(["convert", "-O", "qcow2"])
                .arg(&raw)
                .arg(dir.join("box.img")),
            log,
        )?;
        let _ = std::fs::remove_file(&raw);
        let _ = std::fs::remove_dir_all(&rootfs);
        let meta = serde_json::json!({
            "provider": "libvirt",
            "format": "qcow2",
            "virtual_size": DISK_GB,
        });
        write(&dir.join("metadata.json"), &format!("{meta}\n"))?;
        write(&dir.join("Vagrantfile"), &box_vagrantfile(&dir))?;
        run(
            "pack the box",
            Command::new("tar")
                .arg("-C")
                .arg(&dir)
                .arg("-cf")
                .arg(dir.join("box.box.part"))
                .args(["metadata.json", "Vagrantfile", "box.img"]),
            log,
        )?;
        std::fs::rename(dir.join("box.box.part"), dir.join("box.box"))
            .map_err(|e| LabError::io("naming box.box", e))?;
        let _ = std::fs::remove_file(dir.join("box.img"));
    }
    mkdirs(vagrant_home)?;
    run(
        "vagrant box add",
        Command::new("vagrant")
            .args(["box", "add", "--force", "--name", BOX_NAME])
            .arg(dir.join("box.box"))
            .env("VAGRANT_HOME", vagrant_home)
            .env("VAGRANT_CHECKPOINT_DISABLE", "1"),
        log,
    )?;
    write(&marker, &format!("{key}\n"))?;
    // Older builds of the box are of no use any more.
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with("debian12-") && e.path() != dir {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    Ok(BuiltBox {
        name: BOX_NAME.into(),
        dir,
        key,
        built: true,
    })
}

/// Unmount whatever a failed debootstrap left mounted in a build folder
/// (its /proc), deepest first, before the folder is removed.
fn unmount_under(dir: &Path) {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let mut under: Vec<PathBuf> = mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(PathBuf::from)
        .filter(|m| m.starts_with(dir))
        .collect();
    under.sort_by_key(|m| std::cmp::Reverse(m.components().count()));
    for m in under {
        let _ = nix::mount::umount2(&m, nix::mount::MntFlags::MNT_DETACH);
    }
}

fn mkdirs(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| LabError::io(format!("creating {}", dir.display()), e))?;
    // QEMU (libvirt-qemu) must reach the kernel and initrd.
    let mut p = Some(dir);
    while let Some(d) = p {
        if d == Path::new("/var/lib") || d == Path::new("/") {
            break;
        }
        if d.starts_with("/var/lib/lab") {
            set_mode(d, 0o755)?;
        }
        p = d.parent();
    }
    Ok(())
}

fn set_mode(p: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .map_err(|e| LabError::io(format!("setting the mode of {}", p.display()), e))
}

fn write(p: &Path, text: &str) -> Result<()> {
    std::fs::write(p, text).map_err(|e| LabError::io(format!("writing {}", p.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_follows_the_inputs() {
        let a = content_key("http://deb.debian.org/debian");
        assert_eq!(a, content_key("http://deb.debian.org/debian"));
        assert_ne!(a, content_key("http://mirror.example/debian"));
        assert_eq!(a.len(), 16);
    }

    #[test]
    fn the_box_boots_its_own_kernel() {
        let v = box_vagrantfile(Path::new("/var/lib/lab/boxes/debian12-x"));
        assert!(v.contains(r#"lv.kernel = "/var/lib/lab/boxes/debian12-x/vmlinuz""#));
        assert!(v.contains("lv.cmd_line = \"root=/dev/vda"));
    }
}
