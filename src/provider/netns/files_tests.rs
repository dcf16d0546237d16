//! The tests of `files`.

use super::*;

/// The ninth probe of issue 21: a node swapping its `/run/flannel`
/// with a link to a host folder (`renameat2(RENAME_EXCHANGE)` in a
/// loop) made `lab verify` copy the host's `subnet.env` into the
/// artifacts (1 of 25 runs by hand): the check resolved the real
/// folder, the open a moment later followed the link.
#[test]
fn a_folder_a_node_swaps_for_a_link_is_never_followed() {
    let t = tempfile::tempdir().unwrap();
    let own = t.path().join("nodes/node1");
    let run = own.join("run");
    std::fs::create_dir_all(run.join("flannel")).unwrap();
    std::fs::write(run.join("flannel/subnet.env"), "FLANNEL_SUBNET=own\n").unwrap();
    let host = t.path().join("host");
    std::fs::create_dir(&host).unwrap();
    std::fs::write(host.join("subnet.env"), "HOST SECRET\n").unwrap();
    std::os::unix::fs::symlink(&host, run.join("link")).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = {
        let (stop, run) = (stop.clone(), run.clone());
        std::thread::spawn(move || {
            use nix::fcntl::{AT_FDCWD, RenameFlags, renameat2};
            let (a, b) = (run.join("flannel"), run.join("link"));
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = renameat2(AT_FDCWD, &a, AT_FDCWD, &b, RenameFlags::RENAME_EXCHANGE);
            }
        })
    };
    let to = t.path().join("out");
    let mut leaked = 0;
    for _ in 0..3000 {
        let _ = std::fs::remove_file(&to);
        if copy_own_file(&run.join("flannel/subnet.env"), &own, &to)
            && std::fs::read_to_string(&to).unwrap().contains("HOST")
        {
            leaked += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    swapper.join().unwrap();
    assert_eq!(
        leaked, 0,
        "the host's file was copied {leaked} times of 3000"
    );
}

#[test]
fn a_log_that_a_node_links_out_of_its_folder_is_not_copied() {
    let t = tempfile::tempdir().unwrap();
    let own = t.path().join("nodes/node1");
    std::fs::create_dir_all(&own).unwrap();
    let secret = t.path().join("secret");
    std::fs::write(&secret, "host secret").unwrap();
    std::fs::write(own.join("ok.log"), "log").unwrap();
    std::os::unix::fs::symlink(&secret, own.join("sshd.log")).unwrap();
    let to = t.path().join("out");
    assert!(copy_own_file(&own.join("ok.log"), &own, &to));
    assert!(!copy_own_file(
        &own.join("sshd.log"),
        &own,
        &t.path().join("out2")
    ));
    assert!(!t.path().join("out2").exists());
}

#[test]
fn sshd_config_has_the_lab_settings() {
    let c = sshd_config();
    for line in [
        "ListenAddress 0.0.0.0:22",
        "HostKey /etc/ssh/ssh_host_ed25519_key",
        "PidFile none",
        "AuthorizedKeysFile /etc/ssh/authorized_keys",
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "MaxSessions 64",
        "MaxStartups 200",
    ] {
        assert!(c.lines().any(|l| l == line), "{line}");
    }
}

#[test]
fn client_config_pins_keys_and_proxies_through_lab() {
    let l = Layout::new("/s/t1");
    let c = ssh_config(
        &l,
        "t1",
        &[("node1".into(), "10.100.198.201".parse().unwrap())],
        Path::new("/usr/bin/lab"),
    );
    assert!(c.contains("\nHost node1\n"));
    assert!(c.contains("  HostKeyAlias t1.node1\n"));
    assert!(c.contains("  StrictHostKeyChecking yes\n"));
    assert!(c.contains("  UserKnownHostsFile \"/s/t1/ssh/known_hosts\"\n"));
    assert!(c.contains("  IdentityFile \"/s/t1/ssh/id_ed25519\"\n"));
    assert!(
        !c.contains("ProxyUseFdpass"),
        "the proxy becomes sshd -i: {c}"
    );
    assert!(
        c.contains("  ProxyCommand /usr/bin/lab proxy --state /s/t1 t1 node1\n"),
        "{c}"
    );
    let c = ssh_config(
        &l,
        "t1",
        &[("n".into(), "10.0.0.1".parse().unwrap())],
        Path::new("/a b/100%/lab"),
    );
    assert!(
        c.contains("  ProxyCommand '/a b/100%%/lab' proxy --state /s/t1 t1 n\n"),
        "{c}"
    );
    assert_eq!(
        known_hosts("t1", &["a".into(), "b".into()], "ssh-ed25519 AAAA c@d\n"),
        "t1.a ssh-ed25519 AAAA\nt1.b ssh-ed25519 AAAA\n"
    );
}

#[test]
fn nginx_conf_answers_with_pod_and_node() {
    let c = nginx_conf(&Layout::new("/s/t1"), "web-node1-0", "node1", 8080);
    assert!(c.starts_with(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid \"/s/t1/pods/web-node1-0/nginx.pid\";\n"
    ));
    assert!(c.contains("listen 8080;"));
    assert!(c.contains("return 200 \"web-node1-0 on node1\\n\";"));
}

/// probe21at (lesser 4): the ssh config handed to `ssh -F` is lab's own
/// render, written again over one whose `ProxyCommand` was changed in
/// the state folder; an unchanged one is left as it is.
#[test]
fn the_ssh_config_handed_to_ssh_is_labs_own() {
    let t = tempfile::tempdir().unwrap();
    let l = Layout::new(t.path().join("t1"));
    std::fs::create_dir_all(l.ssh_dir()).unwrap();
    let lab = crate::spec::load("chapter4", crate::spec::LoadOptions::default()).unwrap();
    std::fs::write(
        l.ssh_config(),
        "Host *\n  ProxyCommand sh -c 'id > /tmp/x'\n",
    )
    .unwrap();
    let path = fresh_ssh_config(&l, &lab).unwrap();
    assert_eq!(path, l.ssh_config());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("id > /tmp/x"), "{text}");
    assert!(
        text.contains(" proxy --state ") && text.contains("Host master"),
        "{text}"
    );
    let written = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    fresh_ssh_config(&l, &lab).unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        written
    );
    // A state folder holding a link is refused, nothing written.
    std::fs::remove_dir_all(l.ssh_dir()).unwrap();
    std::os::unix::fs::symlink(t.path(), l.ssh_dir()).unwrap();
    assert!(fresh_ssh_config(&l, &lab).is_err());
    assert!(!t.path().join("config").exists());
}
