//! What `lab` runs on a node stays off the host even when it is not a
//! session: a probe (ping, curl, `ip route get`, fping: the session's
//! `output_net`, a command `lab` writes) runs in the node's network, in a
//! read-only root of the lab's, as a user of its own whose only
//! capabilities are `CAP_NET_RAW` and `CAP_NET_ADMIN`; so a command
//! injected into a probe cannot write a host file or signal a host process. And no node,
//! pod or probe can make a user namespace (`unshare -U`).

use crate::labs::{TestLab, namespaces_of, text};
use lab::session::Session;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_probe_cannot_write_host_files_nor_signal_host_processes() {
    let lab = TestLab::chapter4("cfn");
    lab.up(&[]);
    let session = lab.node1_session();
    // Host paths: a fresh folder of this test's, and places a probe's root
    // has too (read-only there).
    let host = tempfile::tempdir().unwrap();
    let tag = format!("lab-probe-{}", lab.name);
    let mut targets = vec![host.path().join("written-by-a-probe")];
    for dir in ["/tmp", "/etc", "/root", "/usr/local", "/var/tmp", "/dev"] {
        targets.push(std::path::Path::new(dir).join(&tag));
    }
    let me = std::process::id();
    runtime().block_on(async {
        // The probes still work: a raw-socket ping of the node's own
        // address, `ip route get`, curl of a pod.
        let o = session
            .output_net(
                "node1",
                "ping -n -c 1 -W 2 10.100.198.201 && ip route get 10.244.1.2 && \
                 curl -sg -o /dev/null -w '%{http_code}' --max-time 5 http://10.244.1.2:80/",
            )
            .await
            .unwrap();
        assert!(o.ok(), "a probe does not run: {}", o.text());
        assert!(o.stdout.ends_with("200"), "{}", o.text());

        // A command injected into a probe writes nowhere.
        for t in &targets {
            let o = session
                .output_net("node1", &format!("touch {0} || echo x > {0}", t.display()))
                .await
                .unwrap();
            let made = t.exists();
            if made {
                let _ = std::fs::remove_file(t);
            }
            assert!(!made, "a probe wrote the host's {}", t.display());
            assert!(!o.ok(), "writing {} succeeded: {}", t.display(), o.text());
        }
        // A pod's sweep (the mesh from a pod: `pod_output_net`) is confined
        // the same way.
        let spec = lab::spec::load_file(&lab.file(), lab::spec::LoadOptions::default()).unwrap();
        let p = spec
            .placements()
            .into_iter()
            .find(|p| p.node == "node1")
            .expect("a pod on node1");
        let pod = p.pod_ref();
        let o = session
            .pod_output_net(&pod, &format!("ping -n -c 1 -W 2 {}", p.ip))
            .await
            .unwrap();
        assert!(o.ok(), "a pod's probe does not run: {}", o.text());
        for t in &targets {
            let o = session
                .pod_output_net(&pod, &format!("touch {0} || echo x > {0}", t.display()))
                .await
                .unwrap();
            let made = t.exists();
            if made {
                let _ = std::fs::remove_file(t);
            }
            assert!(!made, "a pod's probe wrote the host's {}", t.display());
            assert!(
                !o.ok(),
                "writing {} from a pod succeeded: {}",
                t.display(),
                o.text()
            );
        }
        let o = session
            .output_net("node1", "mkdir /x; mount -t tmpfs x /tmp")
            .await
            .unwrap();
        assert!(!o.ok(), "{}", o.text());

        // It signals no host process (this test's, the host's first).
        for pid in [me, 1] {
            let o = session
                .output_net("node1", &format!("kill -0 {pid}"))
                .await
                .unwrap();
            assert!(!o.ok(), "a probe signals host PID {pid}: {}", o.text());
        }
        // Probes of one node at once read their own replies: a ping of an
        // address that does not answer, beside pings of one that does.
        let (lost, found) = tokio::join!(
            session.output_net("node1", "ping -n -c 3 -i 0.2 -W 1 10.244.1.99"),
            session.output_net("node1", "ping -n -c 6 -i 0.2 -W 1 10.244.1.2"),
        );
        let (lost, found) = (lost.unwrap(), found.unwrap());
        assert!(found.ok(), "{}", found.text());
        assert!(
            !lost.ok() && !lost.stdout.contains("bytes from"),
            "a reply for another probe: {}",
            lost.text()
        );

        // No user namespace, from a probe or a session.
        for o in [
            session
                .output_net("node1", "unshare -U true")
                .await
                .unwrap(),
            session
                .output("node1", "unshare -U true", None)
                .await
                .unwrap(),
            session
                .output("node1", "unshare -Ur sh -c 'id -u'", None)
                .await
                .unwrap(),
        ] {
            assert!(!o.ok(), "a user namespace was made: {}", o.text());
            assert!(o.text().contains("Operation not permitted"), "{}", o.text());
        }
    });

    // `lab ssh`, the way a reader enters: no user namespace either.
    let out = lab.ssh("node1", "unshare -U true");
    assert!(!out.status.success(), "{}", text(&out));
    // A pod's nginx runs under the same filter (mode 2), with no_new_privs.
    let pods: Vec<String> = namespaces_of(&lab.name)
        .into_iter()
        .filter(|n| n.contains(".pod."))
        .collect();
    assert!(!pods.is_empty());
    for ns in pods {
        let pids = lab.pids_in(ns.strip_prefix(&format!("{}.", lab.name)).unwrap());
        assert!(!pids.is_empty(), "no process in {ns}");
        for pid in pids {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            assert!(
                status.contains("\nSeccomp:\t2\n") && status.contains("\nNoNewPrivs:\t1\n"),
                "{ns} PID {pid}: {status}"
            );
        }
    }
}
