//! probe21at: a state folder lab did not make (a cloned repository's
//! `.lab/<lab>/`, the default state root under the current folder) made
//! `lab status`, `destroy` and `ssh` run its Vagrantfile (Ruby, evaluated
//! by vagrant as root) and its ssh config's `ProxyCommand`; a `.lab` that
//! is a symbolic link was followed as the state root.
//!
//! Now a vagrant state is believed only where the host's record
//! (`/var/lib/lab/made`) says lab made the folder, and a netns lab's ssh
//! config is lab's own render. A stand-in `vagrant` on PATH records any
//! call, so these tests hold whether or not Vagrant is installed.

use crate::harness::{copy_lab, unique_name};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A folder laid out as a chapter's repository: `labs/<name>/` (a copy of
/// chapter 4), a fake `vagrant` in `bin/` that leaves a mark, and a
/// marker folder for whatever a planted file would run.
struct Repo {
    root: tempfile::TempDir,
    name: String,
}

impl Repo {
    fn new(prefix: &str) -> Repo {
        let name = unique_name(prefix);
        let root = tempfile::tempdir().unwrap();
        let lab = copy_lab("chapter4", &name);
        let to = root.path().join("labs").join(&name);
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(lab.path()).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
        let bin = root.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let fake = bin.join("vagrant");
        std::fs::write(
            &fake,
            format!(
                "#!/bin/sh\necho \"$*\" >> {}\nexit 0\n",
                root.path().join("VAGRANT_RAN").display()
            ),
        )
        .unwrap();
        let vbox = bin.join("VBoxManage");
        std::fs::write(&vbox, "#!/bin/sh\necho 7.0.14r161095\n").unwrap();
        for f in [&fake, &vbox] {
            std::fs::set_permissions(f, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
        }
        Repo { root, name }
    }

    fn path(&self) -> &Path {
        self.root.path()
    }

    fn marker(&self, what: &str) -> PathBuf {
        self.path().join(format!("PWNED_{what}"))
    }

    /// `.lab/<name>/` as a repository may ship it: a state saying provider
    /// `p`, and the files lab would hand to a program.
    fn plant(&self, provider: &str, files: &[(&str, String)]) -> PathBuf {
        let dir = self.path().join(".lab").join(&self.name);
        std::fs::create_dir_all(&dir).unwrap();
        let state = serde_json::json!({
            "name": self.name, "provider": provider,
            "lab_file": format!("labs/{}/lab.yaml", self.name),
            "lab_files": ["lab.yaml"], "workers": null, "variant": "broken",
            "phase": "up", "instance": "e3cd4bde7a17603c",
            "provider_state": if provider == "vagrant" {
                serde_json::json!({"vm": "virtualbox"})
            } else {
                serde_json::json!({})
            },
        });
        std::fs::write(dir.join("state.json"), state.to_string()).unwrap();
        for (f, text) in files {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    /// `lab <args>` in the repository, its default state root `./.lab`.
    fn lab(&self, args: &[&str]) -> Output {
        let path = format!(
            "{}:{}",
            self.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(args)
            .current_dir(self.path())
            .env_remove("LAB_STATE_DIR")
            .env_remove("LAB_PATH")
            .env("PATH", path)
            .env("CI", "1")
            .env("NO_COLOR", "1")
            .env("LAB_VAGRANT_VM", "virtualbox")
            .output()
            .unwrap()
    }

    /// Nothing ran: no mark of the planted files, no call of `vagrant`.
    fn nothing_ran(&self, what: &str) {
        for m in ["vagrantfile", "ssh_config"] {
            assert!(!self.marker(m).exists(), "{what}: the planted {m} ran");
        }
        let calls = std::fs::read_to_string(self.path().join("VAGRANT_RAN")).unwrap_or_default();
        assert!(calls.is_empty(), "{what}: vagrant ran: {calls}");
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Finding 2: a planted vagrant state, Vagrantfile and ssh config. Every
/// command is refused with exit 2 before anything runs, and says what to do.
#[test]
fn a_planted_vagrant_folder_runs_nothing() {
    let repo = Repo::new("p21v");
    let name = repo.name.clone();
    let dir = repo.plant(
        "vagrant",
        &[
            (
                "Vagrantfile",
                format!(
                    "File.write({:?}, \"uid #{{Process.uid}}\")\nraise \"stop\"\n",
                    repo.marker("vagrantfile").display().to_string()
                ),
            ),
            (
                "ssh_config",
                format!(
                    "Host *\n  ProxyCommand sh -c \"id > {}; exit 1\"\n",
                    repo.marker("ssh_config").display()
                ),
            ),
        ],
    );
    for args in [
        vec!["status"],
        vec!["status", &name],
        vec!["destroy", &name],
        vec!["ssh", &name, "master", "--", "hostname"],
        vec!["up", &name],
        vec!["verify", &name],
    ] {
        let out = repo.lab(&args);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "lab {args:?}: {t}");
        assert!(
            t.contains("was not made by lab on this machine")
                && t.contains("nothing was run")
                && t.contains(&format!("rm -r {}", dir.display())),
            "lab {args:?}: {t}"
        );
        repo.nothing_ran(&format!("lab {args:?}"));
    }
    assert!(
        dir.join("Vagrantfile").is_file(),
        "the folder is the user's to remove"
    );
}

/// Lesser 4, for a planted netns state: the ssh config handed to ssh is
/// lab's own render (its `ProxyCommand` is `lab proxy`), whatever the file
/// in the state folder says.
#[test]
fn a_planted_netns_ssh_config_is_not_run() {
    let repo = Repo::new("p21n");
    let name = repo.name.clone();
    let dir = repo.plant(
        "netns",
        &[(
            "ssh/config",
            format!(
                "Host *\n  ProxyCommand sh -c \"id > {}; exit 1\"\n",
                repo.marker("ssh_config").display()
            ),
        )],
    );
    let out = repo.lab(&["ssh", &name, "master", "--", "hostname"]);
    assert!(!out.status.success(), "{}", text(&out));
    repo.nothing_ran("lab ssh of a netns state");
    let config = std::fs::read_to_string(dir.join("ssh/config")).unwrap();
    assert!(
        config.contains(" proxy --state ") && !config.contains("PWNED"),
        "{config}"
    );
}

/// A vagrant lab lab made stays lab's: `destroy` runs `vagrant destroy`
/// with no claim in /run (emptied at boot: LAB_RUN_DIR is an empty folder
/// here), and refuses once its Vagrantfile is not the one lab wrote.
#[test]
fn a_lab_made_vagrant_folder_is_destroyed_after_a_reboot_and_not_once_changed() {
    let repo = Repo::new("p21m");
    let name = repo.name.clone();
    // The fake vagrant fails `up`, so `--keep` leaves the lab made.
    let fail_up = format!(
        "#!/bin/sh\necho \"$*\" >> {}\ncase \"$1\" in up) exit 1;; esac\nexit 0\n",
        repo.path().join("CALLS").display()
    );
    std::fs::write(repo.path().join("bin/vagrant"), fail_up).unwrap();
    let lab_dir = format!("labs/{name}");
    let out = repo.lab(&["up", &lab_dir, "--provider", "vagrant", "--keep"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let dir = repo.path().join(".lab").join(&name);
    let vf = dir.join("Vagrantfile");
    let lab_made = std::fs::read_to_string(&vf).unwrap();
    // Changed since: refused, nothing run.
    std::fs::write(&vf, format!("{lab_made}\nsystem('id')\n")).unwrap();
    let calls = || std::fs::read_to_string(repo.path().join("CALLS")).unwrap_or_default();
    let before = calls();
    let out = repo.lab(&["destroy", &name]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("Vagrantfile is not the one lab wrote"),
        "{}",
        text(&out)
    );
    assert_eq!(calls(), before, "vagrant ran");
    // As lab wrote it, after a "reboot" (no claims in /run): destroyed.
    std::fs::write(&vf, &lab_made).unwrap();
    let run = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["destroy", &name, "--purge"])
        .current_dir(repo.path())
        .env_remove("LAB_STATE_DIR")
        .env("LAB_RUN_DIR", run.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                repo.path().join("bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(calls().ends_with("destroy -f --no-color\n"), "{}", calls());
    assert!(!dir.exists());
    // And the record went with it: the same folder planted again is refused.
    repo.plant("vagrant", &[("Vagrantfile", lab_made)]);
    let out = repo.lab(&["status", &name]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("no record of making it"),
        "{}",
        text(&out)
    );
    let _ = std::fs::remove_dir_all(repo.path().join(".lab"));
}

/// Lesser 5: `.lab` as a symbolic link is refused as the state root (exit
/// 2), and nothing is made where it leads.
#[test]
fn a_state_root_that_is_a_link_is_refused() {
    let repo = Repo::new("p21l");
    let name = repo.name.clone();
    let victim = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(victim.path(), repo.path().join(".lab")).unwrap();
    let lab_dir = format!("labs/{name}");
    for args in [
        vec!["up", &lab_dir, "--provider", "vagrant"],
        vec!["status"],
        vec!["destroy", &name],
    ] {
        let out = repo.lab(&args);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(2), "lab {args:?}: {t}");
        assert!(t.contains("is a symbolic link"), "lab {args:?}: {t}");
        let left: Vec<_> = std::fs::read_dir(victim.path()).unwrap().collect();
        assert!(
            left.is_empty(),
            "lab {args:?} wrote where .lab leads: {left:?}"
        );
        repo.nothing_ran(&format!("lab {args:?}"));
    }
    // LAB_STATE_DIR is the user's own word, link or not.
    let out = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["status", &name])
        .current_dir(repo.path())
        .env("LAB_STATE_DIR", repo.path().join(".lab"))
        .output()
        .unwrap();
    assert!(!text(&out).contains("is a symbolic link"), "{}", text(&out));
}
