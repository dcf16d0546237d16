//! libvirt confined to a network namespace of lab's own (`lab-libvirt`), for
//! the vagrant provider with `--vm libvirt` when no system libvirtd serves.
//!
//! libvirtd makes bridges, runs dnsmasq and writes NAT rules for the networks
//! vagrant-libvirt asks for (the management network 192.168.121.0/24, the
//! lab's private network). Started inside `lab-libvirt`, all of that stays
//! there, and the host's own namespace gains no address, route, bridge or
//! rule. `virtlogd` and `libvirtd` are started by `lab` in that namespace and
//! in a private mount view where libvirt's state folders are lab's own
//! (under [`data_dir`], the sockets under [`RUN_DIR`]), so stopping them and
//! removing those folders leaves nothing of libvirt behind. Their PIDs (with
//! start times) and the labs using them are recorded in [`RECORD`]; the
//! daemons are stopped by those PIDs when the last lab is destroyed.
//!
//! Two fixes inside that mount view (measured, see the project's notes):
//! where KVM cannot run guests but `/dev/kvm` exists, an empty file is bound
//! over it, so libvirt neither offers `kvm` nor re-probes QEMU on every call
//! (8 s each); and a copy of `qemu.conf` with `namespaces = [ ]` is bound
//! over the host's, or domains would not start with that bind in place.
//! `vagrant` runs in the namespace (it must reach the guests), talking to
//! this libvirtd by its socket; `lab`'s own SSH reaches the guests through
//! `lab tcp-proxy`, which enters the namespace for one connection.

use crate::error::{LabError, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The network namespace libvirt runs in.
pub const NETNS: &str = "lab-libvirt";
/// Where the daemons' sockets and PID files are (bound over `/run/libvirt`).
pub const RUN_DIR: &str = "/run/lab/libvirt";
/// The record of the daemons and the labs using them.
pub const RECORD: &str = "/run/lab/libvirt.json";
const LOCK: &str = "/run/lab/libvirt.lock";

/// libvirt's state folders while lab's libvirtd runs (`LAB_LIBVIRT_DIR`,
/// else `/var/lib/lab/libvirt`): domains, networks, pools, volumes, logs.
pub fn data_dir() -> PathBuf {
    std::env::var_os("LAB_LIBVIRT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/lab/libvirt"))
}

/// The socket vagrant-libvirt and virsh use.
pub fn socket() -> PathBuf {
    Path::new(RUN_DIR).join("libvirt-sock")
}

/// The libvirt URI of lab's libvirtd.
pub fn uri() -> String {
    format!("qemu:///system?socket={}", socket().display())
}

/// Whether KVM can run guests here: `/dev/kvm` opens read-write and the CPU
/// has hardware virtualization (vmx or svm). A VM without nested
/// virtualization has `/dev/kvm` but no such flag, and guests hang there.
pub fn kvm_usable() -> bool {
    let dev = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok();
    dev && cpu_has_virtualization(&std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default())
}

/// Whether a `/proc/cpuinfo` lists vmx or svm among the flags.
pub fn cpu_has_virtualization(cpuinfo: &str) -> bool {
    cpuinfo
        .lines()
        .filter(|l| l.starts_with("flags"))
        .any(|l| l.split_whitespace().any(|f| f == "vmx" || f == "svm"))
}

/// The domain type vagrant-libvirt asks for: `kvm` where KVM runs guests,
/// else `qemu` (TCG, software emulation).
pub fn driver() -> &'static str {
    if kvm_usable() { "kvm" } else { "qemu" }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Daemon {
    pub pid: i32,
    /// Start time in clock ticks since boot (field 22 of `/proc/PID/stat`).
    pub start: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    pub netns: String,
    pub libvirtd: Option<Daemon>,
    pub virtlogd: Option<Daemon>,
    /// State folders of the labs using this libvirtd.
    pub users: Vec<PathBuf>,
}

use crate::exec::start_time;

impl Daemon {
    fn of(pid: i32) -> Option<Daemon> {
        Some(Daemon {
            pid,
            start: start_time(pid)?,
        })
    }
    /// Still the process that was recorded.
    pub fn alive(&self) -> bool {
        start_time(self.pid) == Some(self.start)
    }
}

fn read_record() -> Option<Record> {
    serde_json::from_str(&std::fs::read_to_string(RECORD).ok()?).ok()
}

fn write_record(r: &Record) -> Result<()> {
    crate::state::write_atomic(
        Path::new(RECORD),
        serde_json::to_string_pretty(r)
            .unwrap_or_default()
            .as_bytes(),
    )
}

/// Holds `/run/lab/libvirt.lock` while starting, joining or stopping.
struct Locked(#[allow(dead_code)] std::fs::File);

fn lock() -> Result<Locked> {
    std::fs::create_dir_all("/run/lab").map_err(|e| LabError::io("creating /run/lab", e))?;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(LOCK)
        .map_err(|e| LabError::io(format!("opening {LOCK}"), e))?;
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this function owns; released on close.
    if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(LabError::io(
            format!("locking {LOCK}"),
            std::io::Error::last_os_error(),
        ));
    }
    Ok(Locked(f))
}

/// Whether a libvirtd other than lab's serves on this machine (its socket
/// answers), in which case `lab` uses that one and starts nothing.
pub fn system_libvirtd() -> bool {
    let sock = Path::new("/run/libvirt/libvirt-sock");
    sock.exists() && std::os::unix::net::UnixStream::connect(sock).is_ok()
}

/// Whether lab's libvirtd runs (recorded, and the recorded processes live).
pub fn running() -> bool {
    read_record()
        .and_then(|r| r.libvirtd)
        .is_some_and(|d| d.alive())
}

/// Run a setup command; a failure is the step `what` failing.
fn ok(what: &str, cmd: &mut Command) -> Result<()> {
    crate::exec::run(&crate::report::Reporter::quiet(), cmd)
        .map(drop)
        .map_err(|e| LabError::Step {
            step: what.into(),
            message: e.to_string(),
        })
}

/// `virsh` against lab's libvirtd.
pub fn virsh(args: &[&str]) -> Command {
    let mut c = Command::new("virsh");
    c.arg("-q").arg("-c").arg(uri()).args(args);
    c
}

/// `virsh` against lab's libvirtd (`ours`), else the system's.
pub fn virsh_on(ours: bool, args: &[&str]) -> Command {
    if ours {
        return virsh(args);
    }
    let mut c = Command::new("virsh");
    c.arg("-q").arg("-c").arg("qemu:///system").args(args);
    c
}

/// Stop and undefine a libvirt network, if it exists.
pub fn remove_network(ours: bool, name: &str) {
    let _ = virsh_on(ours, &["net-destroy", name]).output();
    let _ = virsh_on(ours, &["net-undefine", name]).output();
}

/// A command run inside the namespace (`ip netns exec lab-libvirt ...`).
pub fn in_netns(program: &str) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", NETNS, program]);
    c
}

/// The script that makes the private mount view and starts the daemons.
fn start_script(data: &Path, block_kvm: bool) -> String {
    let d = data.display();
    let mut s = format!(
        "set -eu\n\
         mount --make-rprivate /\n\
         mount --bind {RUN_DIR} /run/libvirt\n\
         mount --bind {d}/etc-qemu /etc/libvirt/qemu\n\
         mount --bind {d}/storage /etc/libvirt/storage\n\
         mount --bind {d}/lib /var/lib/libvirt\n\
         mount --bind {d}/log /var/log/libvirt\n\
         mount --bind {d}/cache /var/cache/libvirt\n\
         mount --bind {d}/qemu.conf /etc/libvirt/qemu.conf\n"
    );
    if block_kvm {
        s.push_str(&format!("mount --bind {d}/no-kvm /dev/kvm\n"));
    }
    s.push_str(
        "nice -n 19 virtlogd -d -p /run/libvirt/virtlogd.pid\n\
         nice -n 19 libvirtd -d -p /run/libvirt/libvirtd.pid\n",
    );
    s
}

fn prepare_dirs(data: &Path, block_kvm: bool) -> Result<()> {
    let mk = |p: &Path| {
        std::fs::create_dir_all(p).map_err(|e| LabError::io(format!("creating {}", p.display()), e))
    };
    for sub in [
        "etc-qemu/networks/autostart",
        "etc-qemu/autostart",
        "storage/autostart",
        "lib/images",
        "lib/boot",
        "lib/qemu",
        "lib/dnsmasq",
        "log/qemu",
        "cache/qemu",
    ] {
        mk(&data.join(sub))?;
    }
    mk(Path::new(RUN_DIR))?;
    // The mount point; an empty folder libvirt's own package would make.
    mk(Path::new("/run/libvirt"))?;
    for m in [
        "/etc/libvirt/storage",
        "/etc/libvirt/qemu",
        "/var/log/libvirt",
        "/var/cache/libvirt",
        "/var/lib/libvirt",
    ] {
        mk(Path::new(m))?;
    }
    let conf = std::fs::read_to_string("/etc/libvirt/qemu.conf").unwrap_or_default();
    let conf = format!(
        "{conf}\n# lab: no private /dev per domain (/dev/kvm is a bound file in lab's namespace).\nnamespaces = [ ]\n"
    );
    std::fs::write(data.join("qemu.conf"), conf)
        .map_err(|e| LabError::io("writing qemu.conf", e))?;
    if block_kvm {
        use std::os::unix::fs::PermissionsExt;
        let p = data.join("no-kvm");
        std::fs::write(&p, b"").map_err(|e| LabError::io("writing no-kvm", e))?;
        let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
    }
    Ok(())
}

fn read_pid(file: &str) -> Option<i32> {
    std::fs::read_to_string(Path::new(RUN_DIR).join(file))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Make sure lab's libvirtd runs and count `user` (a lab's state folder) as
/// using it. Returns the URI to reach it. With a system libvirtd serving,
/// nothing is started and `None` is returned.
pub fn acquire(user: &Path, log: &mut dyn FnMut(&str)) -> Result<Option<String>> {
    if system_libvirtd() && !running() {
        log("a system libvirtd serves /run/libvirt/libvirt-sock: using it");
        return Ok(None);
    }
    let _l = lock()?;
    let mut rec = read_record().unwrap_or_default();
    if !rec.libvirtd.as_ref().is_some_and(Daemon::alive) {
        start(&mut rec, log)?;
    }
    let user = user.to_path_buf();
    if !rec.users.contains(&user) {
        rec.users.push(user);
    }
    write_record(&rec)?;
    Ok(Some(uri()))
}

fn start(rec: &mut Record, log: &mut dyn FnMut(&str)) -> Result<()> {
    // Leftovers of a libvirtd that died: its namespace and state go first.
    stop_daemons(rec, log);
    let data = data_dir();
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(RUN_DIR);
    let block_kvm = Path::new("/dev/kvm").exists() && !kvm_usable();
    prepare_dirs(&data, block_kvm)?;
    if !Path::new("/run/netns").join(NETNS).exists() {
        ok(
            "create namespace",
            Command::new("ip").args(["netns", "add", NETNS]),
        )?;
    }
    ok(
        "loopback up",
        Command::new("ip").args(["-n", NETNS, "link", "set", "lo", "up"]),
    )?;
    log(&format!(
        "starting virtlogd and libvirtd in network namespace {NETNS} (state in {}{})",
        data.display(),
        if block_kvm {
            "; KVM cannot run guests here (no vmx/svm), so QEMU emulates (TCG)"
        } else {
            ""
        }
    ));
    ok(
        "start libvirtd",
        in_netns("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(start_script(&data, block_kvm)),
    )?;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let l = read_pid("libvirtd.pid").and_then(Daemon::of);
        let v = read_pid("virtlogd.pid").and_then(Daemon::of);
        if let (Some(l), Some(v)) = (l, v)
            && socket().exists()
            && virsh(&["version"])
                .output()
                .is_ok_and(|o| o.status.success())
        {
            rec.netns = NETNS.into();
            rec.libvirtd = Some(l);
            rec.virtlogd = Some(v);
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(LabError::Step {
                step: "start libvirtd".into(),
                message: format!(
                    "libvirtd did not answer on {} within 30 s",
                    socket().display()
                ),
            });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Count `user` out; when no lab uses lab's libvirtd any more, stop it: every
/// domain destroyed, every network and pool removed, the daemons stopped by
/// their recorded PIDs, the namespace and libvirt's state folders removed.
pub fn release(user: &Path, log: &mut dyn FnMut(&str)) -> Result<()> {
    let Ok(_l) = lock() else { return Ok(()) };
    let Some(mut rec) = read_record() else {
        return Ok(());
    };
    rec.users.retain(|u| u != user && u.is_dir());
    if !rec.users.is_empty() {
        write_record(&rec)?;
        return Ok(());
    }
    log(&format!(
        "no lab uses libvirt in {NETNS} any more: stopping it"
    ));
    stop_daemons(&mut rec, log);
    let _ = std::fs::remove_dir_all(data_dir());
    let _ = std::fs::remove_dir_all(RUN_DIR);
    let _ = std::fs::remove_file(RECORD);
    Ok(())
}

/// The names a `virsh ... --name` listing prints (none when it fails).
fn virsh_names(args: &[&str]) -> Vec<String> {
    virsh(args)
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The end of a lab on lab's libvirt (its `vagrant destroy` done): what
/// Vagrant may have left of it (a domain or volume of an `up` killed while
/// a machine was being made, named `<lab>-…` by the Vagrantfile's prefix)
/// goes, and the lab stops counting as a user ([`release`]). A lab that
/// never used lab's libvirt changes nothing.
pub fn forget_lab(dir: &Path, log: &mut dyn FnMut(&str)) -> Result<()> {
    let Some(rec) = read_record() else {
        return Ok(());
    };
    if !rec.users.iter().any(|u| u == dir) {
        return Ok(());
    }
    let lab = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if rec.libvirtd.as_ref().is_some_and(Daemon::alive) && !lab.is_empty() {
        let prefix = format!("{lab}-");
        let names = |args: &[&str]| -> Vec<String> {
            let mut all = virsh_names(args);
            all.retain(|n| n.starts_with(&prefix));
            all
        };
        for d in names(&["list", "--all", "--name"]) {
            log(&format!("removing domain {d}, left by an interrupted up"));
            let _ = virsh(&["destroy", &d]).output();
            let _ = virsh(&["undefine", &d, "--remove-all-storage"]).output();
        }
        for v in names(&["vol-list", "default", "--name"]) {
            log(&format!("removing volume {v}"));
            let _ = virsh(&["vol-delete", &v, "--pool", "default"]).output();
        }
        // The lab's network (`lab-<lab>`), which `lab up` defined.
        let net = super::guest_net::network_of(&lab);
        if virsh_names(&["net-list", "--all", "--name"]).contains(&net) {
            log(&format!("removing network {net}"));
            remove_network(true, &net);
        }
    }
    release(dir, log)
}

/// Remove whatever libvirt holds (domains, networks, pools), then stop the
/// recorded daemons and delete the namespace.
fn stop_daemons(rec: &mut Record, log: &mut dyn FnMut(&str)) {
    let live = rec.libvirtd.as_ref().is_some_and(Daemon::alive);
    if live {
        for d in virsh_names(&["list", "--all", "--name"]) {
            log(&format!("removing leftover domain {d}"));
            let _ = virsh(&["destroy", &d]).output();
            let _ = virsh(&["undefine", &d, "--nvram", "--remove-all-storage"]).output();
        }
        for n in virsh_names(&["net-list", "--all", "--name"]) {
            let _ = virsh(&["net-destroy", &n]).output();
            let _ = virsh(&["net-undefine", &n]).output();
        }
        for p in virsh_names(&["pool-list", "--all", "--name"]) {
            for v in virsh_names(&["vol-list", &p, "--name"]) {
                let _ = virsh(&["vol-delete", &v, "--pool", &p]).output();
            }
            let _ = virsh(&["pool-destroy", &p]).output();
            let _ = virsh(&["pool-undefine", &p]).output();
        }
    }
    for d in [rec.libvirtd.take(), rec.virtlogd.take()]
        .into_iter()
        .flatten()
    {
        if d.alive() {
            let pid = nix::unistd::Pid::from_raw(d.pid);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            for _ in 0..50 {
                if !d.alive() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if d.alive() {
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            }
        }
    }
    if Path::new("/run/netns").join(NETNS).exists() {
        let _ = Command::new("ip").args(["netns", "del", NETNS]).output();
    }
}

/// `lab tcp-proxy HOST PORT`, the ProxyCommand of the ssh config of a lab on
/// lab's libvirt: enter [`NETNS`] (this thread only, before any other
/// starts), connect to HOST:PORT there, and copy stdin to it and it to
/// stdout until either side closes. No address is added anywhere.
pub fn tcp_proxy(host: &str, port: u16) -> Result<()> {
    use std::io::{Read, Write};
    let ns = Path::new("/run/netns").join(NETNS);
    let f = std::fs::File::open(&ns)
        .map_err(|e| LabError::io(format!("opening {}", ns.display()), e))?;
    nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(|e| LabError::io(format!("entering {NETNS}"), e.into()))?;
    let stream = std::net::TcpStream::connect((host, port))
        .map_err(|e| LabError::io(format!("connecting to {host}:{port} in {NETNS}"), e))?;
    let mut up = stream.try_clone().map_err(|e| LabError::io("socket", e))?;
    let mut down = stream;
    let t = std::thread::spawn(move || {
        let mut buf = [0u8; 32 * 1024];
        let mut stdin = std::io::stdin().lock();
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 || up.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = up.shutdown(std::net::Shutdown::Write);
    });
    let mut buf = [0u8; 32 * 1024];
    let mut stdout = std::io::stdout().lock();
    while let Ok(n) = down.read(&mut buf) {
        if n == 0 || stdout.write_all(&buf[..n]).is_err() || stdout.flush().is_err() {
            break;
        }
    }
    drop(t);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtualization_flags_decide() {
        assert!(cpu_has_virtualization("flags\t\t: fpu vme vmx sse\n"));
        assert!(cpu_has_virtualization("flags\t\t: fpu svm\n"));
        assert!(!cpu_has_virtualization(
            "flags\t\t: fpu vme sse hypervisor\n"
        ));
        assert!(!cpu_has_virtualization("model name : vmx-like\n"));
    }

    #[test]
    fn the_mount_view_binds_libvirts_state_over_labs_own() {
        let s = start_script(Path::new("/d"), true);
        assert!(s.contains("mount --bind /d/no-kvm /dev/kvm"));
        assert!(s.contains("mount --bind /d/qemu.conf /etc/libvirt/qemu.conf"));
        assert!(!start_script(Path::new("/d"), false).contains("/dev/kvm"));
    }
}
