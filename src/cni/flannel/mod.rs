//! Flannel as the lab's [`Cni`]: its VXLAN device `flannel.<VNI>`, its UDP
//! port and `subnet.env`, all from the variant's parsed `net-conf.json`, and
//! its log: on Kubernetes the flannel pod's (`kubectl logs`, as the chapter
//! reads it), on netns the file the stand-in for flanneld writes. Its
//! registry entry and validation rules are in `rules.rs`, the reading of
//! its manifest in `config.rs`.

pub mod config;
pub mod rules;

pub use config::FlannelConfig;
pub use rules::ENTRY;

use super::{Cni, ReadyPods, Runs};
use crate::error::Result;
use crate::session::{Output, Session};
use async_trait::async_trait;

/// Flannel's name in the registry.
pub const NAME: &str = "flannel";

/// flannel's DaemonSet's pods (`kube-flannel.yml` puts them in
/// kube-system with `app: flannel`).
pub const READY: ReadyPods = ReadyPods {
    namespace: "kube-system",
    app: "flannel",
};

/// The first `image:` of a manifest whose repository is flannel itself
/// (`…/flannel:TAG`, not the CNI plugin's image).
pub fn image(manifest: &str) -> Option<String> {
    manifest.lines().find_map(|l| {
        let image = l
            .trim()
            .strip_prefix("image:")?
            .trim()
            .trim_matches(['"', '\'']);
        let repo = image.rsplit_once(':').map_or(image, |(r, _)| r);
        (repo == "flannel" || repo.ends_with("/flannel")).then(|| image.to_string())
    })
}

/// Where flanneld writes what it configured.
pub const SUBNET_ENV: &str = "/run/flannel/subnet.env";
/// Where the netns stand-in for flanneld writes its log.
pub const NETNS_LOG: &str = "/run/flannel/flanneld.log";

/// A shell command that prints the file at `path` (on a node), refusing
/// by type, before `cat` would wait on it, what is there and is not a
/// regular file: a FIFO the node planted cost a whole command's bound, with
/// a message that did not say why.
fn read_regular(path: &str) -> String {
    let q = crate::shell::quote(path);
    let why = crate::shell::quote(&format!("{path} is not a regular file"));
    format!("if [ -e {q} ] && [ ! -f {q} ]; then echo {why} >&2; exit 1; fi; cat {q}")
}

#[async_trait]
impl Cni for FlannelConfig {
    fn name(&self) -> &'static str {
        NAME
    }

    fn config_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn image(&self, manifest: &str) -> Option<String> {
        image(manifest)
    }

    fn ready_pods(&self) -> ReadyPods {
        READY
    }

    fn overlay_device(&self) -> String {
        format!("flannel.{}", self.vni)
    }

    fn node_device(&self, name: &str) -> Option<&'static str> {
        // The CNI bridge plugin flannel delegates to names its bridge
        // `cni0` and each pod's host end `veth` and eight hex digits.
        let pod_veth = name
            .strip_prefix("veth")
            .is_some_and(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()));
        if name == self.overlay_device() {
            Some("flannel's VXLAN device")
        } else if name == "cni0" {
            Some("the pods' bridge")
        } else if pod_veth {
            Some("the host end of a pod's veth")
        } else {
            None
        }
    }

    fn overlay_port(&self) -> u16 {
        self.port
    }

    fn state_file(&self) -> &'static str {
        SUBNET_ENV
    }

    async fn log(&self, session: &dyn Session, runs: Runs, node: &str) -> Result<Output> {
        match runs {
            Runs::HostDaemon => session.output(node, &read_regular(NETNS_LOG), None).await,
            Runs::KubernetesPods => {
                let field = format!("spec.nodeName={node}");
                let pods = session
                    .kubectl(&[
                        "get",
                        "pods",
                        "-n",
                        READY.namespace,
                        "-l",
                        &format!("app={}", READY.app),
                        "--field-selector",
                        &field,
                        "-o",
                        "name",
                    ])
                    .await?;
                match pods.stdout.lines().map(str::trim).find(|l| !l.is_empty()) {
                    Some(pod) if pods.ok() => {
                        session.kubectl(&["logs", "-n", READY.namespace, pod]).await
                    }
                    _ => Ok(Output {
                        code: Some(1),
                        stdout: String::new(),
                        stderr: format!("no flannel pod runs on {node}: {}", pods.text().trim()),
                    }),
                }
            }
        }
    }

    fn programs(&self) -> &'static [&'static str] {
        &["ip", "cat"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::fake::FakeSession;

    fn config(port: u16) -> FlannelConfig {
        let mut c = FlannelConfig::vxlan("10.244.0.0/16".parse().unwrap());
        c.port = port;
        c
    }

    #[test]
    fn the_image_is_flannels_own() {
        let manifest = "      containers:\n        - image: docker.io/flannel/flannel-cni-plugin:v1.6.2-flannel1\n        - name: kube-flannel\n          image: \"docker.io/flannel/flannel:v0.26.7\"\n";
        assert_eq!(
            image(manifest).as_deref(),
            Some("docker.io/flannel/flannel:v0.26.7")
        );
        assert_eq!(image("image: nginx:1.27\n"), None);
    }

    #[test]
    fn the_overlay_comes_from_the_manifest() {
        let c = config(4789);
        assert_eq!(c.overlay_device(), "flannel.1");
        assert_eq!(
            c.capture_filter("10.244.2.2".parse().unwrap()),
            "host 10.244.2.2 or udp port 4789"
        );
        let ev = c.evidence();
        assert_eq!(
            ev[0],
            ("flannel.1".into(), "ip -d link show flannel.1".into())
        );
        assert_eq!(
            ev[1],
            ("subnet.env".into(), "cat /run/flannel/subnet.env".into())
        );
    }

    #[tokio::test]
    async fn the_log_is_read_where_the_provider_runs_flannel() {
        let s = FakeSession::new()
            .kubectl("get pods", "pod/kube-flannel-ds-abcde\n")
            .kubectl(
                "logs",
                "I1127 main.go:1] Using interface with name enp0s8\n",
            );
        let out = config(8472)
            .log(&s, Runs::KubernetesPods, "node1")
            .await
            .unwrap();
        assert!(out.stdout.contains("Using interface"));
        assert_eq!(
            s.ran(),
            [
                "kubectl get pods -n kube-system -l app=flannel --field-selector spec.nodeName=node1 -o name",
                "kubectl logs -n kube-system pod/kube-flannel-ds-abcde"
            ]
        );
        // No flannel pod on the node: the log's reader says so, not kubectl.
        let s = FakeSession::new().kubectl("get pods", "");
        let out = config(8472)
            .log(&s, Runs::KubernetesPods, "node1")
            .await
            .unwrap();
        assert!(!out.ok() && out.stderr.contains("no flannel pod runs on node1"));

        let s = FakeSession::new().on("node1", "cat /run/flannel/flanneld.log", "log\n");
        let out = config(8472)
            .log(&s, Runs::HostDaemon, "node1")
            .await
            .unwrap();
        assert_eq!(out.stdout, "log\n");
    }

    /// A FIFO a node planted at its flanneld log cost `verify` two 20 s
    /// bounds and said nothing of why (the tenth probe of issue 21): now it
    /// is refused by type, naming the file, before `cat` would wait.
    #[test]
    fn a_log_that_is_not_a_regular_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("flanneld.log");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let file = dir.path().join("ok.log");
        std::fs::write(&file, "I1204 log\n").unwrap();
        // `timeout` only ends a command that would wait: the test asks
        // what it says, not how long it took.
        let run = |p: &std::path::Path| {
            std::process::Command::new("timeout")
                .args(["10", "sh", "-c", &read_regular(&p.to_string_lossy())])
                .output()
                .unwrap()
        };
        let out = run(&fifo);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(
            err.trim(),
            format!("{} is not a regular file", fifo.display())
        );
        let out = run(&file);
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout), "I1204 log\n");
        let out = run(&dir.path().join("none"));
        assert!(!out.status.success());
    }
}
