//! `kubeadm init` on the control plane, with the lab's advertise address
//! (the control plane's private address) and pod network (which makes the
//! controller manager give every node a podCIDR: flannel's
//! `--kube-subnet-mgr` relies on it); then the join command for the
//! workers, asked of the control plane until its API server answers. A
//! control plane already initialised (its admin.conf exists) is not
//! initialised again, so `up` may run this step twice.

use super::poll::{self, Answer, Poll};
use super::{ADMIN_CONF, ClusterCtx, Root, command_failed};
use crate::bringup::Step;
use crate::error::{LabError, Result};
use crate::report::Reporter;
use crate::session::Session;
use crate::spec::Lab;
use async_trait::async_trait;
use std::time::Duration;

/// The command that prints a join command (a fresh token each time).
pub const PRINT_JOIN: &str = "kubeadm token create --print-join-command";

/// `kubeadm join <api> --token ... --discovery-token-ca-cert-hash ...`, as
/// the control plane printed it; only whole words without shell syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinCommand(String);

impl JoinCommand {
    /// The join command in `kubeadm token create --print-join-command`'s
    /// output: its last line that is one.
    pub fn find(output: &str) -> Option<JoinCommand> {
        output
            .lines()
            .map(str::trim)
            .rfind(|l| {
                l.starts_with("kubeadm join ")
                    && !l.contains(['\'', '"', '\\', '`', '$', ';', '&', '|', '<', '>', '(', ')'])
            })
            .map(|l| JoinCommand(l.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    /// Its words (`kubeadm`, `join`, the API server, flags).
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// kubeadm init's flags for the lab (the rendered by-hand script shows the same).
pub fn init_flags(lab: &Lab) -> Vec<String> {
    let cp = lab.control_plane();
    vec![
        format!("--apiserver-advertise-address {}", cp.ip),
        format!("--pod-network-cidr {}", lab.network.pods),
        format!("--node-name {}", cp.name),
        // The installed kubeadm's own version: no version lookup online.
        "--kubernetes-version \"$(kubeadm version -o short)\"".to_string(),
    ]
}

/// The command line of kubeadm init on the control plane.
pub fn init_line(lab: &Lab, root: Root) -> String {
    root.line(&format!("kubeadm init {}", init_flags(lab).join(" ")))
}

/// Initialise the control plane (unless it is already) and return the
/// join command it prints for the workers, asked for with `poll`.
pub async fn init(
    session: &dyn Session,
    lab: &Lab,
    root: Root,
    poll: Poll,
    rep: &Reporter,
) -> Result<JoinCommand> {
    let cp = lab.control_plane().name.as_str();
    let test = root.line(&format!("test -f {ADMIN_CONF}"));
    let made = session.output(cp, &test, None).await?;
    match made.code {
        Some(0) => rep.info(format!(
            "{cp}: the control plane is initialised already ({ADMIN_CONF} exists); kubeadm init skipped"
        )),
        Some(1) => {
            let line = init_line(lab, root);
            let out = session.output(cp, &line, None).await?;
            if !out.ok() {
                return Err(command_failed(cp, &line, &out));
            }
        }
        _ => return Err(command_failed(cp, &test, &made)),
    }
    let print = root.line(PRINT_JOIN);
    let awaited = format!("a join command from {cp}");
    poll::until(poll, &awaited, rep, || {
        let print = print.clone();
        async move {
            let out = session.output(cp, &print, None).await?;
            Ok(match JoinCommand::find(&out.stdout) {
                Some(j) if out.ok() => Answer::Done(j),
                _ => Answer::Missing(vec![format!(
                    "{cp}: `{PRINT_JOIN}` gave no join command ({}): {}",
                    out.code
                        .map(|c| format!("exit {c}"))
                        .unwrap_or_else(|| "killed".into()),
                    crate::ssh::tail(&out.text(), 3)
                )]),
            })
        }
    })
    .await
}

/// The step: kubeadm init on the lab's control plane; the join command is
/// kept in the context for [`super::JoinWorkers`].
pub struct KubeadmInit {
    /// How the join command is asked for (the API server may still be
    /// starting).
    pub poll: Poll,
}

impl Default for KubeadmInit {
    fn default() -> Self {
        KubeadmInit {
            poll: Poll::every_5s_for(Duration::from_secs(150)),
        }
    }
}

#[async_trait]
impl<C: ClusterCtx> Step<C> for KubeadmInit {
    async fn run(&self, ctx: &mut C) -> Result<()> {
        let session = ctx.session()?;
        let (lab, rep, root) = (ctx.lab().clone(), ctx.reporter().clone(), ctx.root());
        let join = init(&*session, &lab, root, self.poll, &rep).await?;
        *ctx.join_command() = Some(join);
        Ok(())
    }
}

/// The join command, or why there is none.
pub fn need_join(join: &Option<JoinCommand>) -> Result<JoinCommand> {
    join.clone().ok_or_else(|| LabError::Step {
        step: "kubeadm join".into(),
        message: "no join command: kubeadm init did not run".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::fixture::{TestCtx, out};
    use crate::session::fake::FakeSession;

    const JOIN: &str = "kubeadm join 10.100.198.200:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:0a1b";

    fn fresh_master() -> FakeSession {
        FakeSession::new()
            .on_out(
                "master",
                "test -f /etc/kubernetes/admin.conf",
                out(1, "", ""),
            )
            .on(
                "master",
                "kubeadm init ",
                "Your Kubernetes control-plane has initialized successfully!\n",
            )
            .on("master", PRINT_JOIN, &format!("{JOIN} \n"))
    }

    #[tokio::test]
    async fn init_sends_the_labs_addresses_and_keeps_the_join_command() {
        let mut ctx = TestCtx::new(fresh_master());
        KubeadmInit::default().run(&mut ctx).await.unwrap();
        assert_eq!(
            ctx.fake.ran(),
            [
                "master: sudo test -f /etc/kubernetes/admin.conf",
                "master: sudo kubeadm init --apiserver-advertise-address 10.100.198.200 --pod-network-cidr 10.244.0.0/16 --node-name master --kubernetes-version \"$(kubeadm version -o short)\"",
                "master: sudo kubeadm token create --print-join-command",
            ]
        );
        assert_eq!(ctx.join.as_ref().map(JoinCommand::as_str), Some(JOIN));
    }

    #[tokio::test]
    async fn an_initialised_control_plane_is_not_initialised_again() {
        let fake = FakeSession::new()
            .on("master", "test -f /etc/kubernetes/admin.conf", "")
            .on("master", PRINT_JOIN, JOIN);
        let mut ctx = TestCtx::new(fake);
        KubeadmInit::default().run(&mut ctx).await.unwrap();
        assert!(
            !ctx.fake.ran().iter().any(|c| c.contains("kubeadm init")),
            "{:?}",
            ctx.fake.ran()
        );
        assert!(ctx.events.infos()[0].contains("kubeadm init skipped"));
    }

    #[tokio::test]
    async fn a_failed_init_surfaces_kubeadms_stderr() {
        let stderr =
            "[preflight] Some fatal errors occurred:\n\t[ERROR Port-6443]: Port 6443 is in use\n";
        let fake = FakeSession::new()
            .on_out(
                "master",
                "kubeadm init ",
                out(1, "[init] Using Kubernetes version: v1.32.0\n", stderr),
            )
            .merge(fresh_master());
        let mut ctx = TestCtx::new(fake);
        let err = KubeadmInit::default().run(&mut ctx).await.unwrap_err();
        assert!(matches!(err, LabError::Command { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("[ERROR Port-6443]: Port 6443 is in use"),
            "{msg}"
        );
        assert!(
            msg.contains("(on master)") && msg.contains("exit status: 1"),
            "{msg}"
        );
        assert!(ctx.join.is_none());
        assert!(!ctx.fake.ran().iter().any(|c| c.contains(PRINT_JOIN)));
    }

    #[tokio::test]
    async fn the_join_command_is_asked_for_until_the_api_server_answers() {
        let fake = FakeSession::new()
            .on_out(
                "master",
                PRINT_JOIN,
                out(1, "", "error: the server was not reachable\n"),
            )
            .times(2)
            .merge(fresh_master());
        let mut ctx = TestCtx::new(fake);
        let quick = Poll {
            every: Duration::from_millis(1),
            limit: Duration::from_secs(10),
        };
        KubeadmInit { poll: quick }.run(&mut ctx).await.unwrap();
        let asked = ctx
            .fake
            .ran()
            .iter()
            .filter(|c| c.contains(PRINT_JOIN))
            .count();
        assert_eq!(asked, 3);
        assert_eq!(ctx.join.as_ref().map(JoinCommand::as_str), Some(JOIN));
        assert!(
            ctx.events.infos()[0].contains("not reachable"),
            "{:?}",
            ctx.events.infos()
        );
    }

    #[test]
    fn only_a_plain_join_command_is_taken() {
        assert_eq!(
            JoinCommand::find(&format!("W1204 warning\n{JOIN}  \n")).map(|j| j.0),
            Some(JOIN.to_string())
        );
        for bad in [
            "rm -rf /",
            "kubeadm join x; reboot",
            "kubeadm join $(reboot)",
            "kubeadm join x > /etc/passwd",
            "kubeadm join `reboot`",
        ] {
            assert_eq!(JoinCommand::find(bad), None, "{bad}");
        }
    }
}
