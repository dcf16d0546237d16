//! Commands on a netns node without SSH: the child enters the node the way
//! `lab ssh` does (its network namespace, hostname, /run, /root and its own
//! files, its own PID namespace and a node's capabilities: see
//! [`enter`]) and runs `sh -c` there; a command in a pod enters the pod the
//! same way. A probe ([`Session::output_net`], a command `lab` writes, never
//! the chapter's text) enters the node's network namespace and a read-only
//! root of the lab's that the session makes once ([`confine`]), which copies
//! no mount table per probe. `lab` runs as root on the same kernel, so
//! nothing needs a key exchange: a sweep of a hundred nodes used to cost one
//! SSH handshake per node (about 45 ms of CPU each, the bound of every
//! sweep), and now costs one fork and a few system calls per command. The
//! probes still run inside the nodes' and pods' own namespaces, and a
//! command's whole process group ends with it (done, timed out, or
//! abandoned on Ctrl-C).

use super::files::Layout;
use super::{confine, enter, names, sys};
use crate::error::{LabError, Result};
use crate::provider::PodRef;
use crate::report::Reporter;
use crate::session::{Output, Session};
use async_trait::async_trait;
use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

/// How many commands run at once across the lab (each is a process).
pub const PARALLEL: usize = 32;

/// The `PATH` of a root login on a node (Debian's and Ubuntu's, as on the
/// reader's box).
pub const LOGIN_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The environment of a command on a node: what a root login gets (a
/// pod's daemon and a node's sshd get it too: nothing of `lab`'s own).
pub(super) const ENV: &[(&str, &str)] = &[
    ("PATH", LOGIN_PATH),
    ("HOME", "/root"),
    ("USER", "root"),
    ("LOGNAME", "root"),
    ("SHELL", "/bin/sh"),
    ("LANG", "C"),
];

pub use crate::session::{MAX_OUTPUT_BYTES, MAX_OUTPUT_LINES};

/// Kills a command's process group when dropped.
struct GroupGuard(i32);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(self.0),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

pub struct NetnsSession {
    lab: String,
    nodes: HashMap<String, enter::NodeSetup>,
    layout: Layout,
    deadline: Option<Duration>,
    slots: tokio::sync::Semaphore,
    rep: Reporter,
    /// Where the probes run, made on the first one.
    probe_root: tokio::sync::OnceCell<confine::ProbeRoot>,
}

/// How a command enters its node (or pod).
#[derive(Clone, Copy)]
enum Entry<'a> {
    /// As a session: the node's (or pod's) own files, see [`enter`].
    Node(&'a enter::NodeSetup),
    /// As a probe: the network alone, in the probes' root ([`confine`]).
    Probe(&'a confine::ProbeRoot),
}

impl NetnsSession {
    pub fn new(
        lab: &str,
        layout: &Layout,
        nodes: impl IntoIterator<Item = String>,
        deadline: Option<Duration>,
        rep: &Reporter,
    ) -> Result<NetnsSession> {
        Ok(NetnsSession {
            lab: lab.to_string(),
            nodes: nodes
                .into_iter()
                .map(|n| {
                    let s = layout.node_setup(lab, &n)?;
                    Ok((n, s))
                })
                .collect::<Result<_>>()?,
            layout: layout.clone(),
            deadline,
            slots: tokio::sync::Semaphore::new(PARALLEL),
            rep: rep.clone(),
            probe_root: tokio::sync::OnceCell::new(),
        })
    }

    /// The probes' root, made on first use (see [`confine`]).
    async fn probe_root(&self, node: &str) -> Result<&confine::ProbeRoot> {
        self.probe_root
            .get_or_try_init(|| async {
                let (rootfs, guard) = (self.layout.rootfs(), self.layout.guard_socket());
                tokio::task::spawn_blocking(move || confine::ProbeRoot::make(&rootfs, &guard))
                    .await
                    .map_err(|e| LabError::Internal(format!("making the probes' root: {e}")))?
            })
            .await
            .map_err(|e| self.cannot(node, e.to_string()))
    }

    /// How `node` is entered; an error if the lab has no such node.
    fn setup(&self, node: &str) -> Result<&enter::NodeSetup> {
        self.nodes
            .get(node)
            .ok_or_else(|| self.cannot(node, format!("lab {} has no node {node}", self.lab)))
    }

    /// Run `command` in the namespace `ns` of `node` (a node, or a pod by
    /// its name), entered as `entry` says.
    async fn run(
        &self,
        node: &str,
        ns: &str,
        entry: Entry<'_>,
        command: &str,
        stdin: Option<Vec<u8>>,
    ) -> Result<Output> {
        let _slot = self.slots.acquire().await.expect("semaphore open");
        let ns_file = std::fs::File::open(sys::netns_path(ns))
            .map_err(|e| self.cannot(node, format!("namespace {ns}: {e}")))?;
        let mut cmd = std::process::Command::new("/bin/sh");
        cmd.arg("-c").arg(command).env_clear().current_dir("/");
        for (k, v) in ENV {
            cmd.env(k, v);
        }
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        match entry {
            Entry::Node(setup) => {
                enter::enter_node_before_exec(&mut cmd, &ns_file, setup, enter::Mode::Wait)?
            }
            Entry::Probe(root) => {
                if !sys::userns::owned_apart(&ns_file).unwrap_or(true) {
                    return Err(self.cannot(node, sys::userns::MADE_BY_AN_OLDER_LAB));
                }
                sys::enter_netns_before_exec(&mut cmd, &ns_file);
                confine::enter(&mut cmd, root, &ns_file);
            }
        }
        let mut cmd = tokio::process::Command::from(cmd);
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .map_err(|e| self.cannot(node, format!("starting `sh -c` in {ns}: {e}")))?;
        drop(ns_file);
        // Everything the command starts shares its process group; the group
        // is killed when the command is done, times out or is abandoned
        // (Ctrl-C), before the leader is reaped, so its ID cannot have been
        // reused by then.
        let _group = child.id().map(|pid| GroupGuard(pid as i32));
        let input = child.stdin.take();
        let feed = async move {
            if let (Some(mut pipe), Some(data)) = (input, stdin) {
                use tokio::io::AsyncWriteExt;
                pipe.write_all(&data).await?;
                pipe.shutdown().await?;
            }
            Ok::<(), std::io::Error>(())
        };
        let (mut so, mut se) = (child.stdout.take(), child.stderr.take());
        let group = child.id().map(|p| p as i32);
        // A stream that is cut stops the whole command at once (the other
        // stream ends with it).
        let stop_if_cut = |r: std::io::Result<(Vec<u8>, bool)>| {
            if let (Ok((_, true)), Some(g)) = (&r, group) {
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(g),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            r
        };
        let read = async {
            let (ra, rb) = tokio::join!(
                async {
                    stop_if_cut(
                        crate::exec::read_capped(so.as_mut(), MAX_OUTPUT_BYTES, MAX_OUTPUT_LINES)
                            .await,
                    )
                },
                async {
                    stop_if_cut(
                        crate::exec::read_capped(se.as_mut(), MAX_OUTPUT_BYTES, MAX_OUTPUT_LINES)
                            .await,
                    )
                }
            );
            Ok::<_, std::io::Error>((ra?, rb?))
        };
        let run = async { tokio::join!(feed, read) };
        let (fed, read) = match self.deadline {
            None => run.await,
            Some(d) => match tokio::time::timeout(d, run).await {
                Ok(r) => r,
                Err(_) => {
                    return Err(self.failed_on(
                        node,
                        format!(
                            "`{}` did not finish within {}s",
                            command.lines().next().unwrap_or(""),
                            d.as_secs()
                        ),
                    ));
                }
            },
        };
        let (stdout, stderr) = read
            .map_err(|e| self.failed_on(node, format!("reading the output of `{command}`: {e}")))?;
        if stdout.1 || stderr.1 {
            // The group is killed (the guard) and the child reaped on drop.
            return Err(self.failed_on(
                node,
                format!(
                    "the output of `{}` was cut at {} MiB or {} lines and the command stopped: lab does not keep more",
                    command.lines().next().unwrap_or(""),
                    MAX_OUTPUT_BYTES >> 20,
                    MAX_OUTPUT_LINES
                ),
            ));
        }
        let (stdout, stderr) = (stdout.0, stderr.0);
        drop(_group);
        let status = child
            .wait()
            .await
            .map_err(|e| self.failed_on(node, format!("waiting for `{command}`: {e}")))?;
        let result = Output::new(status.code(), &stdout, &stderr);
        self.rep.log(&format!(
            "$ [{node}] {command}\n(exit {:?})\n{}",
            result.code,
            result.text()
        ));
        if let Err(e) = fed
            && result.ok()
        {
            return Err(self.failed_on(node, format!("writing the input of `{command}`: {e}")));
        }
        Ok(result)
    }

    fn cannot(&self, node: &str, message: impl Into<String>) -> LabError {
        LabError::Enter {
            node: node.to_string(),
            message: message.into(),
        }
    }

    /// The command was started in the node; its run failed.
    fn failed_on(&self, node: &str, message: impl Into<String>) -> LabError {
        LabError::OnNode {
            node: node.to_string(),
            message: message.into(),
        }
    }
}

#[async_trait]
impl Session for NetnsSession {
    async fn output(&self, node: &str, command: &str, stdin: Option<Vec<u8>>) -> Result<Output> {
        let setup = self.setup(node)?;
        let ns = names::node_ns(&self.lab, node);
        self.run(node, &ns, Entry::Node(setup), command, stdin)
            .await
    }

    /// The node's network in the probes' read-only root: no mount
    /// namespace is made per probe (each one copies the host's mount table,
    /// one mount per lab namespace under /run/netns, and pivots into the
    /// node's overlay), which a probe does not need; see [`confine`].
    async fn output_net(&self, node: &str, command: &str) -> Result<Output> {
        self.setup(node)?;
        let root = self.probe_root(node).await?;
        let ns = names::node_ns(&self.lab, node);
        self.run(node, &ns, Entry::Probe(root), command, None).await
    }

    /// A pod is entered as its nginx was started: its network namespace,
    /// its node's files with its own /run and /root, PID namespace and
    /// capabilities of a node's (never the host's mount namespace: the
    /// chapter's `kubectl exec POD cat PATH` reads the pod's files).
    async fn pod_output(&self, pod: &PodRef, command: &str) -> Result<Output> {
        self.setup(&pod.node)?;
        let ns = names::pod_ns(&self.lab, &pod.name);
        let setup = self.layout.pod_setup(&self.lab, &pod.name, &pod.node)?;
        self.run(&pod.name, &ns, Entry::Node(&setup), command, None)
            .await
            .map_err(|e| match e {
                LabError::Enter { message, .. } => LabError::Enter {
                    node: format!("{} (pod {})", pod.node, pod.name),
                    message,
                },
                LabError::OnNode { message, .. } => LabError::OnNode {
                    node: format!("{} (pod {})", pod.node, pod.name),
                    message,
                },
                e => e,
            })
    }

    /// The pod's network in the probes' read-only root, as
    /// [`Session::output_net`] for a node: a sweep from a thousand pods
    /// copies no mount table and writes no host file.
    async fn pod_output_net(&self, pod: &PodRef, command: &str) -> Result<Output> {
        self.setup(&pod.node)?;
        let root = self.probe_root(&pod.node).await?;
        let ns = names::pod_ns(&self.lab, &pod.name);
        self.run(&pod.name, &ns, Entry::Probe(root), command, None)
            .await
    }

    async fn kubectl(&self, _args: &[&str]) -> Result<Output> {
        Err(LabError::Unavailable {
            provider: "netns".into(),
            why: NO_KUBERNETES.into(),
        })
    }

    fn kubernetes(&self) -> std::result::Result<(), String> {
        Err(NO_KUBERNETES.into())
    }

    async fn close(&self) {}
}

/// Why Kubernetes-level checks do not run on netns.
const NO_KUBERNETES: &str = "netns has no Kubernetes API server; it reproduces the chapter's network, not the cluster (Kubernetes-level checks need --provider vagrant)";
