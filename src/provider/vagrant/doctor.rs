//! Can the vagrant provider run here, and if not, what to install or change.
//! `available()` is the quick gate before `lab up` (only `which`); `doctor`
//! is the long form `lab doctor` prints, one line per prerequisite with its fix.
//!
//! The VirtualBox check that bites first: since VirtualBox 6.1.28, on Linux
//! and macOS a host-only network may only use the ranges listed in
//! `/etc/vbox/networks.conf` (lines `* <cidr> [<cidr>...]`), and only
//! 192.168.56.0/21 when that file does not exist. The chapter's
//! 10.100.198.0/24 is outside it, so `vagrant up` would fail until the range
//! is allowed.

use super::render::Vm;
use crate::error::{LabError, Result};
use crate::provider::registry::DoctorAsk;
use crate::spec::Lab;
use ipnet::Ipv4Net;
use std::path::Path;

/// Where VirtualBox reads the allowed host-only ranges (Linux and macOS).
pub const VBOX_NETWORKS_CONF: &str = "/etc/vbox/networks.conf";

/// One line of `lab doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorLine {
    pub ok: bool,
    /// What was checked and what was found (`vagrant: /usr/bin/vagrant`).
    pub what: String,
    /// What to do about it, when not ok.
    pub fix: Option<String>,
}

impl DoctorLine {
    fn ok(check: &str, detail: impl AsRef<str>) -> Self {
        DoctorLine {
            ok: true,
            what: format!("{check}: {}", detail.as_ref()),
            fix: None,
        }
    }
    fn problem(check: &str, detail: impl AsRef<str>, fix: impl Into<String>) -> Self {
        DoctorLine {
            ok: false,
            what: format!("{check}: {}", detail.as_ref()),
            fix: Some(fix.into()),
        }
    }
}

fn which(program: &str) -> Option<std::path::PathBuf> {
    which::which(program).ok()
}

/// libvirt is usable when its client or its daemon's socket is there.
fn libvirt_present() -> Option<String> {
    if let Some(p) = which("virsh") {
        return Some(p.display().to_string());
    }
    [
        "/var/run/libvirt/libvirt-sock",
        "/run/libvirt/virtqemud-sock",
    ]
    .into_iter()
    .find(|s| Path::new(s).exists())
    .map(str::to_string)
}

const INSTALL_VAGRANT: &str = "install Vagrant (Debian/Ubuntu: `sudo apt-get install vagrant`; otherwise https://developer.hashicorp.com/vagrant/install)";
const INSTALL_SSH: &str =
    "install the OpenSSH client (Debian/Ubuntu: `sudo apt-get install openssh-client`)";
const INSTALL_VBOX: &str = "install VirtualBox (https://www.virtualbox.org/wiki/Downloads), or use libvirt: `--vm libvirt` / LAB_VAGRANT_VM=libvirt";
const INSTALL_LIBVIRT: &str = "install libvirt and the Vagrant plugin (Debian/Ubuntu: `sudo apt-get install libvirt-daemon-system vagrant-libvirt`), or use VirtualBox: `--vm virtualbox`";

/// The quick check before `up`: the programs the provider runs are installed.
pub fn available(vm: Vm) -> Result<()> {
    let mut missing = Vec::new();
    if which("vagrant").is_none() {
        missing.push(format!("vagrant is not installed: {INSTALL_VAGRANT}"));
    }
    if which("ssh").is_none() {
        missing.push(format!("ssh is not installed: {INSTALL_SSH}"));
    }
    match vm {
        Vm::Virtualbox if which("VBoxManage").is_none() => missing.push(format!(
            "VirtualBox (VBoxManage) is not installed: {INSTALL_VBOX}"
        )),
        Vm::Libvirt if libvirt_present().is_none() => missing.push(format!(
            "libvirt (virsh or libvirtd) is not installed: {INSTALL_LIBVIRT}"
        )),
        _ => {}
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(LabError::Unavailable {
            provider: "vagrant".into(),
            why: missing.join("; "),
        })
    }
}

/// The ranges `networks.conf` allows (`None`: the file does not exist, so
/// only VirtualBox's default).
pub fn vbox_allowed_ranges(conf: Option<&str>) -> Vec<Ipv4Net> {
    let Some(text) = conf else {
        return vec!["192.168.56.0/21".parse().expect("valid CIDR")];
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some(rest) = line.strip_prefix('*') else {
            continue;
        };
        // IPv6 ranges and anything unreadable are not ours to judge.
        out.extend(
            rest.split_whitespace()
                .filter_map(|r| r.parse::<Ipv4Net>().ok()),
        );
    }
    out
}

/// Whether VirtualBox lets a host-only network use `net`.
pub fn vbox_allows(conf: Option<&str>, net: Ipv4Net) -> bool {
    vbox_allowed_ranges(conf).iter().any(|r| r.contains(&net))
}

/// The `networks.conf` check as a doctor line (pure, for tests).
pub fn vbox_networks_line(conf: Option<&str>, net: Ipv4Net) -> DoctorLine {
    let check = "VirtualBox host-only range";
    let line = format!("* {}", net.trunc());
    if vbox_allows(conf, net) {
        DoctorLine::ok(check, format!("{VBOX_NETWORKS_CONF} allows {net}"))
    } else {
        let found = if conf.is_some() {
            "does not allow"
        } else {
            "does not exist, so VirtualBox only allows 192.168.56.0/21, not"
        };
        DoctorLine::problem(
            check,
            format!("{VBOX_NETWORKS_CONF} {found} {net}"),
            format!(
                "add the line `{line}` to {VBOX_NETWORKS_CONF}: sudo mkdir -p /etc/vbox && echo '{line}' | sudo tee -a {VBOX_NETWORKS_CONF}"
            ),
        )
    }
}

/// The lab's manifests against its Kubernetes version's schemas.
fn manifests_line(lab: &Lab) -> DoctorLine {
    let check = "manifests";
    match crate::spec::schemas::validate(lab) {
        Ok(p) if p.is_empty() => {
            DoctorLine::ok(check, format!("valid for Kubernetes {}", lab.kubernetes))
        }
        Ok(p) => DoctorLine::problem(
            check,
            p.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("; "),
            "fix the objects named, or set the lab's `kubernetes:` to a version they are valid for",
        ),
        Err(e) => DoctorLine::problem(
            check,
            format!("not validated: {e}"),
            "pip install kubernetes-validate",
        ),
    }
}

fn program_line(check: &str, program: &str, fix: &str) -> DoctorLine {
    match which(program) {
        Some(p) => DoctorLine::ok(check, p.display().to_string()),
        None => DoctorLine::problem(check, format!("{program} not found in PATH"), fix),
    }
}

/// Whether a QEMU's `-netdev help` lists the user-mode network (slirp),
/// which a guest's NAT NIC is on libvirt (see `guest_net`).
pub fn lists_user_netdev(netdev_help: &str) -> bool {
    netdev_help.lines().any(|l| l.trim() == "user")
}

/// The guests' NAT: QEMU built with its user-mode network.
fn qemu_user_net_line() -> DoctorLine {
    let check = "QEMU user network";
    let fix = "install a QEMU built with libslirp (Debian: `apt-get install -t bookworm-backports qemu-system-x86`, as .ci/install does)";
    let Some(qemu) = which("qemu-system-x86_64") else {
        return DoctorLine::problem(check, "qemu-system-x86_64 not found in PATH", fix);
    };
    let help = std::process::Command::new(&qemu)
        .args(["-netdev", "help"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if lists_user_netdev(&help) {
        DoctorLine::ok(
            check,
            format!("{} lists `user` (each guest's NAT NIC)", qemu.display()),
        )
    } else {
        DoctorLine::problem(
            check,
            format!(
                "{} -netdev help does not list `user`: no NAT NIC like VirtualBox's",
                qemu.display()
            ),
            fix,
        )
    }
}

/// Every prerequisite of running `lab` with VMs under `vm`, with fixes.
/// With a lab, VirtualBox's allowed host-only ranges are checked against the
/// lab's private network; without one, they are listed.
pub fn doctor(lab: Option<&Lab>, vm: Vm) -> Vec<DoctorLine> {
    let mut lines = vec![
        program_line("vagrant", "vagrant", INSTALL_VAGRANT),
        program_line("ssh", "ssh", INSTALL_SSH),
    ];
    if let Some(lab) = lab {
        lines.push(manifests_line(lab));
    }
    match vm {
        Vm::Virtualbox => {
            lines.push(program_line("VirtualBox", "VBoxManage", INSTALL_VBOX));
            if cfg!(any(target_os = "linux", target_os = "macos")) {
                let conf = std::fs::read_to_string(VBOX_NETWORKS_CONF).ok();
                lines.push(match lab {
                    Some(lab) => vbox_networks_line(conf.as_deref(), lab.network.private),
                    None => {
                        let ranges: Vec<String> = vbox_allowed_ranges(conf.as_deref())
                            .iter()
                            .map(|r| r.to_string())
                            .collect();
                        DoctorLine::ok(
                            "VirtualBox host-only ranges",
                            format!(
                                "{} (give --lab to check a lab's private network against them)",
                                ranges.join(" ")
                            ),
                        )
                    }
                });
            }
        }
        Vm::Libvirt => {
            lines.push(qemu_user_net_line());
            // libvirt runs dnsmasq for the private network's DHCP
            // reservations, by which each node gets its address.
            lines.push(program_line(
                "dnsmasq",
                "dnsmasq",
                "install dnsmasq (Debian: `apt-get install dnsmasq-base`): libvirt's networks need it",
            ));
            lines.push(match libvirt_present() {
                Some(p) => DoctorLine::ok("libvirt", p),
                None => DoctorLine::problem(
                    "libvirt",
                    "neither virsh nor a libvirt daemon socket found",
                    INSTALL_LIBVIRT,
                ),
            });
            if which("vagrant").is_some() {
                let plugins = std::process::Command::new("vagrant")
                    .args(["plugin", "list", "--no-color"])
                    .env("VAGRANT_CHECKPOINT_DISABLE", "1")
                    .output()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
                    .unwrap_or_default();
                lines.push(if plugins.contains("vagrant-libvirt") {
                    DoctorLine::ok("vagrant-libvirt", plugins.lines().find(|l| l.contains("vagrant-libvirt")).unwrap_or("").trim())
                } else {
                    DoctorLine::problem(
                        "vagrant-libvirt",
                        "the vagrant-libvirt plugin is not installed",
                        "Debian/Ubuntu: `sudo apt-get install vagrant-libvirt`; otherwise `vagrant plugin install vagrant-libvirt`",
                    )
                });
            }
        }
    }
    lines
}

/// vagrant's doctor (its entry's `doctor`): every prerequisite of VMs under
/// `--vm`, with what to do about each one missing.
pub fn report(ask: &DoctorAsk<'_>, say: &mut dyn FnMut(&str)) -> Result<()> {
    let lines = doctor(ask.lab, ask.options.vm.unwrap_or_default());
    let mut bad = 0;
    for l in &lines {
        say(&format!(
            "{} {}",
            if l.ok { "ok     " } else { "PROBLEM" },
            l.what
        ));
        if !l.ok {
            bad += 1;
            if let Some(fix) = &l.fix {
                say(&format!("        fix: {fix}"));
            }
        }
    }
    if bad == 0 {
        Ok(())
    } else {
        Err(LabError::Unavailable {
            provider: "vagrant".into(),
            why: format!("{bad} problem(s) above"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    #[test]
    fn finds_the_user_network_in_qemus_list() {
        let help = "Available netdev backend types:\nsocket\nstream\nuser\ntap\n";
        assert!(lists_user_netdev(help));
        assert!(!lists_user_netdev(
            "Available netdev backend types:\nsocket\ntap\nvhost-user\n"
        ));
    }

    #[test]
    fn default_allows_only_192_168_56() {
        assert!(vbox_allows(None, net("192.168.56.0/24")));
        assert!(vbox_allows(None, net("192.168.60.0/24")));
        assert!(!vbox_allows(None, net("10.100.198.0/24")));
        let l = vbox_networks_line(None, net("10.100.198.0/24"));
        assert!(!l.ok);
        assert!(l.fix.unwrap().contains("`* 10.100.198.0/24`"));
    }

    #[test]
    fn reads_networks_conf() {
        let conf = "# lab ranges\n* 10.0.0.0/8 192.168.0.0/16\n* 2001::/64\n";
        assert!(vbox_allows(Some(conf), net("10.100.198.0/24")));
        assert!(!vbox_allows(Some(conf), net("172.16.0.0/24")));
        // A file that exists replaces the default range.
        assert!(!vbox_allows(
            Some("* 10.100.198.0/24\n"),
            net("192.168.56.0/24")
        ));
        assert!(vbox_networks_line(Some("* 10.100.198.0/24\n"), net("10.100.198.0/24")).ok);
        assert!(
            !vbox_allows(Some("10.100.198.0/24\n"), net("10.100.198.0/24")),
            "lines must start with *"
        );
    }
}
