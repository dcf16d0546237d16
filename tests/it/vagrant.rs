//! The vagrant provider's renders, checked by the real tools: Vagrant itself
//! (`vagrant validate`, `vagrant status` with vagrant-libvirt, no VM made)
//! and shellcheck. Snapshots pin the renders; the chapter's facts are
//! asserted on them.
//!
//! These tests need `vagrant`, the `vagrant-libvirt` plugin and `shellcheck`
//! (CI installs them with apt-get). When one is missing they fail, saying
//! what to install: a skipped test would prove nothing.

use lab::provider::vagrant::status;
use lab::provider::vagrant::{Vm, script, vagrantfile};
use lab::spec::{self, Lab, LoadOptions};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const WORKER_COUNTS: [u32; 3] = [1, 2, 5];
const VMS: [Vm; 2] = [Vm::Virtualbox, Vm::Libvirt];

/// The chapter's lab with `workers` workers.
///
/// The chapter's checks name node2, so with one worker the lab as shipped is
/// (rightly) rejected. The render does not depend on the checks: for N=1 the
/// same lab is loaded from a copy without its `checks:` section.
fn chapter4(workers: u32) -> Lab {
    let opts = LoadOptions {
        workers: Some(workers),
    };
    if workers >= 2 {
        return spec::load("chapter4", opts).expect("labs/chapter4 loads");
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4");
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
    }
    let text = std::fs::read_to_string(src.join("lab.yaml")).unwrap();
    let head = text.split("\nchecks:").next().unwrap();
    std::fs::write(tmp.path().join("lab.yaml"), format!("{head}\nchecks: []\n")).unwrap();
    spec::load_file(&tmp.path().join("lab.yaml"), opts).expect("labs/chapter4 without checks loads")
}

/// Fail (not skip) when a tool the tests need is missing.
fn require(program: &str, install: &str) {
    if which::which(program).is_err() {
        panic!("`{program}` is not installed; these tests need it: {install}");
    }
}

fn require_vagrant_libvirt() {
    require("vagrant", "apt-get install vagrant vagrant-libvirt");
    let out = Command::new("vagrant")
        .args(["plugin", "list"])
        .env("VAGRANT_CHECKPOINT_DISABLE", "1")
        .output()
        .expect("vagrant runs");
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.contains("vagrant-libvirt"),
        "the vagrant-libvirt plugin is not installed (apt-get install vagrant-libvirt); `vagrant plugin list` says:\n{list}"
    );
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{text}",
        out.status
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn vagrant(dir: &Path, vm: Vm, args: &[&str]) -> Command {
    let mut c = Command::new("vagrant");
    c.args(args)
        .current_dir(dir)
        .env("VAGRANT_CWD", dir)
        .env("VAGRANT_DEFAULT_PROVIDER", vm.to_string())
        .env("VAGRANT_CHECKPOINT_DISABLE", "1");
    c
}

#[test]
fn vagrantfile_renders_are_pinned() {
    for n in WORKER_COUNTS {
        let lab = chapter4(n);
        for vm in VMS {
            let text = vagrantfile(&lab, vm).unwrap();
            insta::assert_snapshot!(format!("vagrantfile_{vm}_{n}_workers"), text);
        }
    }
}

/// Every render is accepted by the real Vagrant, and on libvirt Vagrant sees
/// exactly the control plane and the N workers, none created.
///
/// VirtualBox is not installed here (nor in CI): `vagrant validate` with the
/// virtualbox provider would stop at "VirtualBox is not installed" before
/// reading the machines' settings. So the virtualbox renders are validated
/// with `--ignore-provider`, which still loads the Vagrantfile and checks the
/// generic settings (box, hostname, networks) of every machine; then once
/// more with a stand-in `VBoxManage` on PATH, so the `vb.*` settings are
/// checked by Vagrant's virtualbox provider as well. The libvirt
/// renders are validated in full by vagrant-libvirt, and `vagrant status`
/// answers `not_created` for every machine without touching libvirt.
#[test]
fn vagrant_accepts_every_render() {
    require_vagrant_libvirt();
    let started = Instant::now();
    let mut jobs = Vec::new();
    for n in WORKER_COUNTS {
        for vm in VMS {
            jobs.push(std::thread::spawn(move || {
                let lab = chapter4(n);
                let dir = tempfile::tempdir().unwrap();
                std::fs::write(
                    dir.path().join("Vagrantfile"),
                    vagrantfile(&lab, vm).unwrap(),
                )
                .unwrap();
                match vm {
                    Vm::Virtualbox => {
                        run(&mut vagrant(
                            dir.path(),
                            vm,
                            &["validate", "--ignore-provider"],
                        ));
                        // And the VirtualBox settings too: with a stand-in
                        // `VBoxManage` that only reports a version, Vagrant's
                        // virtualbox provider loads and validates `vb.*`.
                        let bin = dir.path().join("bin");
                        std::fs::create_dir(&bin).unwrap();
                        let stub = bin.join("VBoxManage");
                        std::fs::write(&stub, "#!/bin/sh\necho 7.0.14r161095\n").unwrap();
                        std::fs::set_permissions(
                            &stub,
                            std::os::unix::fs::PermissionsExt::from_mode(0o755),
                        )
                        .unwrap();
                        let path = format!(
                            "{}:{}",
                            bin.display(),
                            std::env::var("PATH").unwrap_or_default()
                        );
                        run(vagrant(dir.path(), vm, &["validate"]).env("PATH", path));
                    }
                    Vm::Libvirt => {
                        run(&mut vagrant(dir.path(), vm, &["validate"]));
                        let out = run(&mut vagrant(
                            dir.path(),
                            vm,
                            &["status", "--machine-readable"],
                        ));
                        let report = status::parse(&out);
                        let want: Vec<String> = lab.nodes.iter().map(|n| n.name.clone()).collect();
                        let got: Vec<String> =
                            report.machines.iter().map(|m| m.name.clone()).collect();
                        assert_eq!(got, want, "{n} workers: machines Vagrant sees");
                        assert_eq!(want.len(), n as usize + 1);
                        for m in &report.machines {
                            assert_eq!(
                                (m.provider.as_str(), m.state.as_str()),
                                ("libvirt", "not_created"),
                                "{n} workers: {}",
                                m.name
                            );
                        }
                        assert!(report.errors.is_empty(), "{:?}", report.errors);
                    }
                }
            }));
        }
    }
    for j in jobs {
        j.join()
            .expect("a vagrant check failed (see its panic above)");
    }
    eprintln!(
        "vagrant checks took {:.1}s",
        started.elapsed().as_secs_f64()
    );
}

/// The Vagrantfile as `up` writes it for lab's own libvirtd under TCG (a
/// plain x86-64 CPU without SVM, no screen, the serial console in a file of
/// the lab's folder, the long boot timeout) is accepted in full by
/// vagrant-libvirt.
#[test]
fn the_tcg_render_for_labs_libvirtd_is_accepted() {
    require_vagrant_libvirt();
    let lab = chapter4(2);
    let host = lab::provider::vagrant::render::LibvirtHost {
        driver: Some("qemu".into()),
        why: "no vmx/svm: QEMU emulates".into(),
        socket: Some("/run/lab/libvirt/libvirt-sock".into()),
        netns: "lab-libvirt".into(),
    };
    let text = lab::provider::vagrant::render::vagrantfile_on(&lab, Vm::Libvirt, &host).unwrap();
    for line in [
        r#"lv.driver = "qemu""#,
        r#"lv.cpu_model = "kvm64""#,
        r#"lv.graphics_type = "none""#,
        r#"File.join(__dir__, "console-node1.log")"#,
        "node.vm.boot_timeout = 1800",
    ] {
        assert!(text.contains(line), "{line} in:\n{text}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Vagrantfile"), &text).unwrap();
    run(&mut vagrant(dir.path(), Vm::Libvirt, &["validate"]));
}

#[test]
fn every_rendered_script_passes_shellcheck() {
    require("shellcheck", "apt-get install shellcheck");
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for n in WORKER_COUNTS {
        let lab = chapter4(n);
        for node in &lab.nodes {
            for name in lab::provider::vagrant::render::scripts_for(node) {
                let path = dir.path().join(format!("{n}-{}-{name}.sh", node.name));
                std::fs::write(&path, script(&lab, name, &node.name).unwrap()).unwrap();
                files.push(path);
            }
        }
    }
    // 1 + 2 + 5 workers and a control plane each, two scripts per node.
    assert_eq!(files.len(), 2 * (2 + 3 + 6));
    run(Command::new("shellcheck").args(["-s", "bash"]).args(&files));
}

#[test]
fn scripts_are_pinned() {
    let lab = chapter4(2);
    insta::assert_snapshot!(
        "script_common_master",
        script(&lab, "common", "master").unwrap()
    );
    insta::assert_snapshot!(
        "script_control_plane_master",
        script(&lab, "control-plane", "master").unwrap()
    );
    insta::assert_snapshot!(
        "script_worker_node1",
        script(&lab, "worker", "node1").unwrap()
    );
}

#[test]
fn renders_carry_the_chapters_facts() {
    let lab = chapter4(2);
    for vm in VMS {
        let vf = vagrantfile(&lab, vm).unwrap();
        assert_eq!(
            vf.matches("config.vm.define").count(),
            3,
            "three machines for N=2 ({vm})"
        );
        for (name, ip) in [
            ("master", "10.100.198.200"),
            ("node1", "10.100.198.201"),
            ("node2", "10.100.198.202"),
        ] {
            assert!(
                vf.contains(&format!("config.vm.define \"{name}\"")),
                "{vm}: {name}"
            );
            match vm {
                Vm::Virtualbox => {
                    assert!(vf.contains(&format!("ip: \"{ip}\"")), "{vm}: {ip}")
                }
                // On libvirt the address is the DHCP reservation of the
                // node's private MAC in the lab's network.
                Vm::Libvirt => assert!(vf.contains(&format!("gives {ip};")), "{vm}: {ip}"),
            }
        }
    }
    let cp = script(&lab, "control-plane", "master").unwrap();
    assert!(cp.contains("--pod-network-cidr 10.244.0.0/16"));
    assert!(cp.contains("--apiserver-advertise-address 10.100.198.200"));
    assert!(cp.contains("LAB_JOIN_COMMAND: "));
    for node in &lab.nodes {
        let common = script(&lab, "common", &node.name).unwrap();
        assert!(
            common.contains(&format!("--node-ip={}", node.ip)),
            "{}",
            node.name
        );
        for other in lab.nodes.iter().filter(|o| o.name != node.name) {
            assert!(
                !common.contains(&format!("--node-ip={}\n", other.ip)),
                "{} has {}'s IP",
                node.name,
                other.name
            );
        }
    }
    assert!(
        script(&lab, "worker", "node2")
            .unwrap()
            .contains("--node-name node2")
    );
}

/// On libvirt, each node's NICs are the chapter's from inside: the only
/// NIC libvirt attaches is the private one (Vagrant's management network
/// is the lab's network, its MAC reserved to the node's address), the NAT
/// NIC is QEMU's user network with VirtualBox's addresses, and lab's box
/// names both from the lab's `interfaces:` by MAC.
#[test]
fn libvirt_nodes_have_the_chapters_nics() {
    use lab::provider::vagrant::guest_net;
    let mut lab = chapter4(2);
    let vf = vagrantfile(&lab, Vm::Libvirt).unwrap();
    assert!(!vf.contains("private_network"), "no NIC but the two: {vf}");
    let xml = guest_net::network_xml(&lab).unwrap();
    for (i, n) in lab.nodes.iter().enumerate() {
        let m = guest_net::macs(&lab, i).unwrap();
        for line in [
            format!("lv.management_network_mac = \"{}\"", m.private),
            "lv.management_network_name = \"lab-chapter4\"".to_string(),
            "lv.management_network_mode = \"none\"".to_string(),
            "lv.qemuargs :value => \"user,id=labnat,ipv6=off,net=10.0.2.0/24,host=10.0.2.2,dns=10.0.2.3,dhcpstart=10.0.2.15\"".to_string(),
            format!("lv.qemuargs :value => \"virtio-net-pci,netdev=labnat,mac={},addr=0x1e\"", m.nat),
        ] {
            assert!(vf.contains(&line), "{}: {line}", n.name);
        }
        assert!(xml.contains(&format!(
            "<host mac='{}' name='{}' ip='{}'/>",
            m.private, n.name, n.ip
        )));
    }
    assert_eq!(vf.matches("lv.management_network_mac").count(), 3);
    // Another box boots its own kernel: no command line from lab.
    assert!(!vf.contains("lv.cmd_line"), "{vf}");
    lab.box_name = "lab/debian12".into();
    let vf = vagrantfile(&lab, Vm::Libvirt).unwrap();
    let m = guest_net::macs(&lab, 1).unwrap();
    assert!(vf.contains(&format!(
        "ifname=enp0s3:{} ifname=enp0s8:{}\"",
        m.nat, m.private
    )));
    // The same lab file with other names names other NICs.
    lab.interfaces.nat = "eth0".into();
    let vf = vagrantfile(&lab, Vm::Libvirt).unwrap();
    assert!(vf.contains(&format!("ifname=eth0:{} ifname=enp0s8:", m.nat)));
}

#[test]
fn the_fix_is_exactly_one_flannel_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/chapter4");
    let broken = std::fs::read_to_string(dir.join("flannel.yml")).unwrap();
    let fixed = std::fs::read_to_string(dir.join("flannel_fix.yml")).unwrap();
    let b: Vec<&str> = broken.lines().collect();
    let f: Vec<&str> = fixed.lines().collect();
    assert_eq!(f.len(), b.len() + 1, "the fix adds exactly one line");
    let at = b
        .iter()
        .zip(&f)
        .position(|(x, y)| x != y)
        .expect("the files differ");
    assert_eq!(f[at].trim(), "- --iface=enp0s8");
    assert_eq!(&f[..at], &b[..at]);
    assert_eq!(&f[at + 1..], &b[at..]);
}

#[test]
fn scripts_refuse_the_wrong_node() {
    let lab = chapter4(2);
    assert!(
        script(&lab, "control-plane", "node1")
            .unwrap_err()
            .to_string()
            .contains("control-plane")
    );
    assert!(script(&lab, "worker", "master").is_err());
    assert!(
        script(&lab, "common", "node9")
            .unwrap_err()
            .to_string()
            .contains("no node 'node9'")
    );
    assert!(
        script(&lab, "bogus", "master")
            .unwrap_err()
            .to_string()
            .contains("no script 'bogus'")
    );
}

/// A stand-in `vagrant` (and `VBoxManage`) on PATH, for the failure paths of
/// `lab up`/`lab destroy` without VMs: it records every call (working folder,
/// `VAGRANT_CWD`, provider, arguments) and fails `up` the way a missing box does.
struct FakeVagrant {
    root: tempfile::TempDir,
}

impl FakeVagrant {
    fn new() -> FakeVagrant {
        let root = tempfile::tempdir().unwrap();
        let bin = root.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let script = r#"#!/bin/sh
echo "$PWD|$VAGRANT_CWD|$VAGRANT_DEFAULT_PROVIDER|$*" >> "$FAKE_VAGRANT_LOG"
case "$1" in
  up) echo "Bringing machine 'master' up with 'virtualbox' provider..."
      echo "The box 'ubuntu/jammy64' could not be found (fake)" >&2
      exit 1 ;;
  destroy) exit 0 ;;
  *) echo "fake vagrant: unexpected $*" >&2; exit 1 ;;
esac
"#;
        for (name, text) in [
            ("vagrant", script),
            ("VBoxManage", "#!/bin/sh\necho 7.0.14r161095\n"),
        ] {
            let p = bin.join(name);
            std::fs::write(&p, text).unwrap();
            std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
        }
        FakeVagrant { root }
    }

    fn state_dir(&self) -> std::path::PathBuf {
        self.root.path().join("state")
    }

    fn lab(&self, args: &[&str]) -> std::process::Output {
        let path = format!(
            "{}:{}",
            self.root.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(args)
            .current_dir(self.root.path())
            .env("PATH", path)
            .env("LAB_STATE_DIR", self.state_dir())
            .env("LAB_VAGRANT_VM", "virtualbox")
            .env("FAKE_VAGRANT_LOG", self.root.path().join("calls"))
            .output()
            .unwrap()
    }

    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.root.path().join("calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

#[test]
fn a_failed_up_names_the_step_and_tears_down() {
    let fake = FakeVagrant::new();
    let out = fake.lab(&["up", "chapter4", "--provider", "vagrant"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "a failed step exits 3; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains("vagrant up master"),
        "names the step:\n{stderr}"
    );
    assert!(
        stderr.contains("could not be found (fake)"),
        "carries its output:\n{stderr}"
    );
    let dir = fake.state_dir().join("chapter4");
    let calls = fake.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let want_cwd = format!("{}|{}|virtualbox|", dir.display(), dir.display());
    assert_eq!(
        calls[0],
        format!(
            "{want_cwd}up --no-provision --provider virtualbox --no-parallel master --no-color"
        )
    );
    assert_eq!(calls[1], format!("{want_cwd}destroy -f --no-color"));
    // Torn down: only the log is left, as evidence.
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["lab.log".to_string()]);
    let log = std::fs::read_to_string(dir.join("lab.log")).unwrap();
    assert!(
        log.contains("could not be found (fake)"),
        "the full output is in lab.log"
    );
}

#[test]
fn a_kept_failure_leaves_the_lab_for_destroy() {
    let fake = FakeVagrant::new();
    let out = fake.lab(&["up", "chapter4", "--provider", "vagrant", "--keep"]);
    assert_eq!(out.status.code(), Some(3));
    let dir = fake.state_dir().join("chapter4");
    for f in [
        "Vagrantfile",
        "state.json",
        "scripts/master.common.sh",
        "scripts/master.control-plane.sh",
        "scripts/node2.worker.sh",
    ] {
        assert!(dir.join(f).is_file(), "{f} kept");
    }
    assert_eq!(fake.calls().len(), 1, "no destroy with --keep");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("state.json")).unwrap()).unwrap();
    assert_eq!(state["provider"], "vagrant");
    assert_eq!(state["phase"], "creating");
    assert_eq!(state["provider_state"]["vm"], "virtualbox");

    let out = fake.lab(&["destroy", "chapter4", "--purge"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        fake.calls()[1].ends_with("|destroy -f --no-color"),
        "{:?}",
        fake.calls()
    );
    assert!(!dir.exists(), "destroy --purge removes the state folder");
}

#[tokio::test]
async fn teardown_without_a_lab_does_nothing() {
    let root = tempfile::tempdir().unwrap();
    let gone = root.path().join("chapter4");
    let rep = lab::report::Reporter::quiet();
    // No folder: nothing to do (and no `vagrant` is run: there is none to ask).
    lab::provider::vagrant::teardown(&gone, Vm::Libvirt, None, &rep)
        .await
        .unwrap();
    // A folder without a Vagrantfile: its files go, the evidence stays.
    // (A state folder as lab makes one: private, with its lock.)
    std::fs::create_dir_all(gone.join("artifacts/run1")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&gone, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(gone.join("lock"), "").unwrap();
    std::fs::write(gone.join("lab.log"), "log").unwrap();
    std::fs::write(gone.join("state.json"), "{}").unwrap();
    lab::provider::vagrant::teardown(&gone, Vm::Libvirt, None, &rep)
        .await
        .unwrap();
    assert!(!gone.join("state.json").exists());
    assert!(gone.join("lab.log").is_file() && gone.join("artifacts/run1").is_dir());
    lab::provider::vagrant::teardown(&gone, Vm::Libvirt, None, &rep)
        .await
        .unwrap();
}

/// A real sshd on 127.0.0.1, standing in for a Vagrant VM: its "vagrant
/// ssh-config" is what Vagrant prints for a machine (forwarded port, private
/// key, Vagrant's known-hosts settings).
struct FakeVm {
    dir: tempfile::TempDir,
    sshd: std::process::Child,
    port: u16,
}

impl FakeVm {
    fn start() -> FakeVm {
        require("/usr/sbin/sshd", "apt-get install openssh-server");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for key in ["host_key", "client_key"] {
            run(Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(d.join(key)));
        }
        std::fs::copy(d.join("client_key.pub"), d.join("authorized_keys")).unwrap();
        // `sudo` as the VM has it, for a host that may not: sshd puts this first on PATH.
        std::fs::create_dir(d.join("bin")).unwrap();
        std::fs::write(d.join("bin/sudo"), "#!/bin/sh\nexec \"$@\"\n").unwrap();
        std::fs::set_permissions(
            d.join("bin/sudo"),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nAuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/sshd.pid\n\
             StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
             SetEnv PATH={d}/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), config).unwrap();
        let _ = std::fs::create_dir_all("/run/sshd");
        let sshd = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed().as_secs() < 10,
                "sshd did not start on port {port}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        FakeVm { dir, sshd, port }
    }

    /// What `vagrant ssh-config` prints for this machine.
    fn vagrant_ssh_config(&self, name: &str) -> String {
        let user =
            String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
        format!(
            "Host {name}\n  HostName 127.0.0.1\n  User {}\n  Port {}\n  UserKnownHostsFile /dev/null\n  StrictHostKeyChecking no\n  PasswordAuthentication no\n  IdentityFile \"{}\"\n  IdentitiesOnly yes\n  LogLevel FATAL\n\n",
            user.trim(),
            self.port,
            self.dir.path().join("client_key").display()
        )
    }
}

impl Drop for FakeVm {
    fn drop(&mut self) {
        let _ = self.sshd.kill();
        let _ = self.sshd.wait();
    }
}

/// The SSH path of bring-up, for real: `vagrant ssh-config` parsed, the
/// lab's config written, sessions from it running scripts as root with the
/// join command on stdin; and the verify engine's strict pool connecting
/// with the same config afterwards.
#[tokio::test]
async fn scripts_run_over_the_labs_ssh_config() {
    use lab::provider::vagrant::{ssh_config, ssh_options};
    use lab::ssh::Pool;
    let vm = FakeVm::start();
    let lab_dir = tempfile::tempdir().unwrap();
    let hosts = ssh_config::parse(&vm.vagrant_ssh_config("master")).unwrap();
    let known = lab_dir.path().join("known_hosts");
    std::fs::write(&known, "").unwrap();
    let config = lab_dir.path().join("ssh_config");
    std::fs::write(
        &config,
        ssh_config::write(&hosts, ssh_config::HostKeys::LabFile(&known)),
    )
    .unwrap();

    let rep = lab::report::Reporter::quiet();
    let remote = Pool::new(&config, &rep, ssh_options()).unwrap();
    let join = "kubeadm join 10.100.198.200:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00ff";
    let out = remote
        .script(
            "master",
            "#!/usr/bin/env bash\nset -euo pipefail\necho \"join=[$JOIN_COMMAND]\"\nid -u\n",
            &[("JOIN_COMMAND", join)],
        )
        .await
        .unwrap();
    assert!(
        out.stdout.contains(&format!("join=[{join}]")),
        "{}",
        out.text()
    );

    // A large input goes through while output flows back.
    let big = "x".repeat(300_000);
    let out = remote
        .run("master", "wc -c; echo done >&2", Some(big.into_bytes()))
        .await
        .unwrap();
    assert_eq!(out.stdout.trim(), "300000");
    assert_eq!(out.stderr.trim(), "done");

    // A failing command is a command error carrying its output and status.
    let err = remote
        .run("master", "echo on-stdout; echo on-stderr >&2; exit 3", None)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, lab::LabError::Command { .. }), "{msg}");
    assert!(
        msg.contains("exit status: 3") && msg.contains("on-stdout") && msg.contains("on-stderr"),
        "{msg}"
    );
    // Exit 255 with the connection alive is the command's, not SSH's.
    let err = remote.run("master", "exit 255", None).await.unwrap_err();
    assert!(matches!(err, lab::LabError::Command { .. }), "{err}");
    // Output is kept with a bound, as on netns: past it the command is an
    // error that says so (bytes, then lines; stdout, then stderr).
    for cmd in [
        "head -c 40000000 /dev/zero",
        "yes | head -n 250000",
        "head -c 40000000 /dev/zero >&2",
    ] {
        let err = match remote.output("master", cmd, None).await {
            Ok(o) => panic!("{cmd}: kept {} bytes", o.stdout.len() + o.stderr.len()),
            Err(e) => e,
        };
        assert!(
            err.to_string().contains("was cut at 8 MiB or 200000 lines"),
            "{cmd}: {err}"
        );
    }
    let out = remote.run("master", "echo still-here", None).await.unwrap();
    assert_eq!(
        out.stdout.trim(),
        "still-here",
        "the connection outlives a cut"
    );
    remote.close().await;

    // The VM's key was learned into the lab's known_hosts ...
    let learned = std::fs::read_to_string(&known).unwrap();
    assert!(
        learned.contains(&format!("[127.0.0.1]:{}", vm.port)),
        "known_hosts: {learned}"
    );
    // ... so a client that checks host keys strictly connects too.
    let pool = Pool::new(&config, &rep, Default::default()).unwrap();
    let out = pool.run("master", "echo strict-ok", None).await.unwrap();
    assert_eq!(out.stdout.trim(), "strict-ok");
    pool.close().await;
    // Which it could not with Vagrant's own settings (`/dev/null`): why the
    // lab's config has its own known_hosts.
    let as_vagrant = lab_dir.path().join("ssh_config.vagrant");
    std::fs::write(
        &as_vagrant,
        ssh_config::write(&hosts, ssh_config::HostKeys::AsVagrant),
    )
    .unwrap();
    let pool = Pool::new(&as_vagrant, &rep, Default::default()).unwrap();
    let err = pool.run("master", "true", None).await.unwrap_err();
    assert!(matches!(err, lab::LabError::Ssh { .. }), "{err}");
    pool.close().await;
}
