//! The lab as the replay sees it: where commands run, how the variant
//! switches, and the real kubectl a book's `kubectl` line is given to.
//! [`LiveTarget`] is a lab that is up; the unit tests replay the vagrant
//! path against outputs recorded by hand through the same trait, kubectl
//! faked there too.

use crate::error::Result;
use crate::probe::deadline::Rtt;
use crate::provider::shared::Shared;
use crate::provider::{Access, Kind, PodRef, Provider};
use crate::report::Reporter;
use crate::session::{Output, Session};
use crate::spec::Lab;
use crate::state::State;
use async_trait::async_trait;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The deadline of one command on a node.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// What the real kubectl said of one book line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Said {
    /// Past its own checks (it connected, or tried to). Its warnings, in its
    /// words.
    Accepted { warnings: Vec<String> },
    /// Refused before connecting, in its words.
    Refused { message: String },
}

/// One book line given to the real kubectl.
#[derive(Debug, Clone)]
pub struct KubectlRun {
    /// `1.32.3`.
    pub version: String,
    pub skew: Option<String>,
    /// `Some(why)`: run against an endpoint that refuses connections, so an
    /// accepted line did not run (`no API server on netns`); `None`: run
    /// against the lab's cluster, its output is the lab's.
    pub offline: Option<String>,
    pub said: Said,
    pub output: Output,
    /// The answer the same kubectl gave to the same line from the same
    /// files before ([`crate::kubectl::cache`]), not run again.
    pub cached: bool,
}

/// How a [`LiveTarget`] switches the lab's variant when the chapter does.
/// [`ApplyOnly`] (`lab book`): the provider's apply, as a step of the
/// replay. `lab test` gives its own: a variant whose checks have not run
/// yet is applied and checked right there, as the run's own phases, so the
/// chapter and the checks share one switch instead of each making its own.
#[async_trait]
pub trait Switching: Send + Sync {
    /// Switch `state`'s lab to `variant` with `provider`. Returns how much
    /// of that time was the run's own phases rather than the chapter's
    /// (zero for [`ApplyOnly`]): a block's time does not count it.
    async fn switch(
        &self,
        lab: &Lab,
        state: &mut State,
        provider: &dyn Provider,
        variant: &str,
        rep: &Reporter,
    ) -> Result<Duration>;
}

/// A switch of the replay is the provider's apply, recorded as the
/// chapter's (its steps in the book phase, to `variant`).
pub struct ApplyOnly;

#[async_trait]
impl Switching for ApplyOnly {
    async fn switch(
        &self,
        lab: &Lab,
        state: &mut State,
        provider: &dyn Provider,
        variant: &str,
        rep: &Reporter,
    ) -> Result<Duration> {
        rep.emit(crate::report::Event::PhaseStart {
            phase: crate::report::run::RunPhase::Book,
            variant: variant.to_string(),
        });
        provider.apply(lab, state, variant, rep).await?;
        Ok(Duration::ZERO)
    }
}

/// The lab the chapter is replayed against.
#[async_trait]
pub trait Target: Send + Sync {
    fn kind(&self) -> Kind;
    fn variant(&self) -> String;
    fn pods(&self) -> Vec<PodRef>;
    /// Runs commands on the lab's nodes, in its pods and with kubectl.
    fn session(&self) -> &dyn Session;
    /// Where the replay's progress goes (a line per block as it finishes);
    /// none by default.
    fn reporter(&self) -> Option<&Reporter> {
        None
    }
    /// The round-trip time the replay's waits derive from (measured once
    /// per run when the run shares it).
    fn rtt(&self) -> Rtt {
        Rtt::default()
    }
    /// How long the variant switches so far spent on the run's own phases
    /// ([`Switching::switch`]): not the chapter's time, not a block's.
    fn run_phases(&self) -> Duration {
        Duration::ZERO
    }
    /// The lab's nodes gone for good, as the provider tells them now (see
    /// [`crate::provider::Provider::stopped_nodes`]).
    fn stopped_nodes(&self) -> Option<crate::provider::StoppedNodes> {
        None
    }
    /// Switch the pod network to `variant` (workloads and network removed,
    /// the variant's network, workloads again).
    async fn switch(&mut self, variant: &str) -> Result<()>;
    /// Give `args` (the words after `kubectl`, as the book typed them, with
    /// bound names and addresses) to the real kubectl of the lab's minor:
    /// against the lab's cluster when it has one and `cluster` is true,
    /// otherwise against an endpoint that refuses connections. `Err`: it
    /// could not be asked (no kubectl, deadline).
    async fn kubectl_line(
        &self,
        args: &[String],
        cluster: bool,
    ) -> std::result::Result<KubectlRun, String>;
}

/// A lab that is up, through its provider.
pub struct LiveTarget<'a> {
    lab: &'a Lab,
    state: &'a mut State,
    provider: &'a dyn Provider,
    rep: Reporter,
    access: Access,
    session: Arc<dyn Session>,
    /// The run's round-trip time (shared with its checks, if it shares).
    rtt: Rtt,
    /// The session is the run's (`lab test`): kept across switches, closed
    /// by the run.
    shared: bool,
    /// The kubectl of the lab's minor, or why there is none.
    kubectl: std::result::Result<crate::kubectl::Pick, String>,
    /// The offline folders made in this replay, by kubeconfig name (made
    /// once: their files do not change while the replay runs).
    offline_made: std::sync::Mutex<std::collections::HashSet<String>>,
    /// What a variant switch does ([`ApplyOnly`] unless the run gives its own).
    switching: &'a dyn Switching,
    /// [`Target::run_phases`].
    run_phases: Duration,
}

impl<'a> LiveTarget<'a> {
    pub async fn new(
        lab: &'a Lab,
        state: &'a mut State,
        provider: &'a dyn Provider,
        rep: &Reporter,
    ) -> Result<LiveTarget<'a>> {
        LiveTarget::sharing(lab, state, provider, None, &ApplyOnly, rep).await
    }

    /// A target over the run's `shared` session and round-trip time (one
    /// session set-up per node per run: the checks' too), or its own; its
    /// variant switches made by `switching`.
    pub async fn sharing(
        lab: &'a Lab,
        state: &'a mut State,
        provider: &'a dyn Provider,
        shared: Option<&Shared>,
        switching: &'a dyn Switching,
        rep: &Reporter,
    ) -> Result<LiveTarget<'a>> {
        let access = provider.access(lab, state, rep).await?;
        let (session, rtt) = match shared {
            Some(s) => (s.session.clone(), s.rtt.clone()),
            None => (
                Arc::from(
                    provider
                        .session(lab, state, &access, Some(DEADLINE), rep)
                        .await?,
                ),
                Rtt::default(),
            ),
        };
        let kubectl = crate::kubectl::for_minor(&crate::kubectl::discover(), &lab.kubernetes);
        match &kubectl {
            Ok(p) => {
                if let Some(w) = &p.skew {
                    rep.info(format!("warning: {w}"));
                }
            }
            Err(e) => rep.info(format!("warning: {e}")),
        }
        Ok(LiveTarget {
            lab,
            state,
            provider,
            rep: rep.clone(),
            access,
            session,
            rtt,
            shared: shared.is_some(),
            kubectl,
            offline_made: Default::default(),
            switching,
            run_phases: Duration::ZERO,
        })
    }

    /// Release the session, unless it is the run's.
    pub async fn close(&self) {
        if !self.shared {
            self.session.close().await;
        }
    }

    /// Where vagrant keeps the cluster's admin.conf (`.lab/<lab>/`).
    fn cluster_dir(&self) -> PathBuf {
        crate::provider::vagrant::provider_state::VagrantState::from_value(
            &self.state.provider_state,
        )
        .ok()
        .and_then(|v| v.admin_conf)
        .and_then(|p| p.parent().map(PathBuf::from))
        .unwrap_or_else(|| self.state.dir())
    }
}

/// The lab's manifests under the names the book uses (their file names):
/// what a book's `apply -f`/`delete -f` finds in an offline folder.
pub fn book_files(lab: &Lab) -> Vec<(String, PathBuf)> {
    lab.variants
        .iter()
        .map(|v| &v.manifest)
        .chain(lab.workload_files.iter())
        .filter_map(|p| Some((p.file_name()?.to_string_lossy().into_owned(), p.clone())))
        .collect()
}

/// The value of `--kubeconfig` in a kubectl line, if any.
pub fn kubeconfig_of(args: &[String]) -> Option<&str> {
    args.iter().enumerate().find_map(|(i, a)| {
        if a == "--kubeconfig" {
            args.get(i + 1).map(String::as_str)
        } else {
            a.strip_prefix("--kubeconfig=")
        }
    })
}

/// How long kubectl may take with a line.
const KUBECTL_DEADLINE: Duration = Duration::from_secs(20);

#[async_trait]
impl Target for LiveTarget<'_> {
    fn kind(&self) -> Kind {
        self.provider.kind()
    }
    fn variant(&self) -> String {
        self.state.variant.clone()
    }
    fn pods(&self) -> Vec<PodRef> {
        self.access.pods.clone()
    }
    fn session(&self) -> &dyn Session {
        self.session.as_ref()
    }
    fn reporter(&self) -> Option<&Reporter> {
        Some(&self.rep)
    }
    fn rtt(&self) -> Rtt {
        self.rtt.clone()
    }
    fn run_phases(&self) -> Duration {
        self.run_phases
    }
    fn stopped_nodes(&self) -> Option<crate::provider::StoppedNodes> {
        self.provider.stopped_nodes(self.lab, self.state)
    }
    async fn switch(&mut self, variant: &str) -> Result<()> {
        if !self.shared {
            self.session.close().await;
        }
        self.run_phases += self
            .switching
            .switch(self.lab, self.state, self.provider, variant, &self.rep)
            .await?;
        self.access = self
            .provider
            .access(self.lab, self.state, &self.rep)
            .await?;
        // The nodes stay what they were: the run's session serves on.
        if !self.shared {
            self.session = Arc::from(
                self.provider
                    .session(
                        self.lab,
                        self.state,
                        &self.access,
                        Some(DEADLINE),
                        &self.rep,
                    )
                    .await?,
            );
        }
        Ok(())
    }

    async fn kubectl_line(
        &self,
        args: &[String],
        cluster: bool,
    ) -> std::result::Result<KubectlRun, String> {
        let pick = self.kubectl.as_ref().map_err(Clone::clone)?;
        let on_cluster = cluster && self.kind().capabilities().kubernetes;
        let (dir, offline) = if on_cluster {
            let dir = self.cluster_dir();
            // The cluster's kubeconfig, under the book's name for it: a
            // name that leaves the cluster's folder (`/root/.kube/config`)
            // would send the line to another cluster (probe21at).
            let conf = kubeconfig_of(args).unwrap_or("admin.conf");
            crate::kubectl::inside(&dir, conf).map_err(|e| e.to_string())?;
            (dir, None)
        } else {
            let dir = self.state.dir().join("book-kubectl");
            let conf = kubeconfig_of(args).unwrap_or("admin.conf");
            // Made under the lock: lines of one block ask at once, and none
            // may read a file another is still writing.
            {
                let mut made = self.offline_made.lock().unwrap_or_else(|e| e.into_inner());
                if !made.contains(conf) {
                    crate::kubectl::offline_dir(&dir, conf, &book_files(self.lab))
                        .map_err(|e| e.to_string())?;
                    made.insert(conf.to_string());
                }
            }
            let why = if !self.kind().capabilities().kubernetes {
                format!("no API server on {}", self.kind())
            } else {
                "lab switches the lab's network itself".to_string()
            };
            (dir, Some(why))
        };
        // Offline, kubectl's answer depends on nothing but itself, the line
        // and the folder's files: kept ([`crate::kubectl::cache`]).
        let (output, cached) = if offline.is_some() {
            let (o, source) = crate::kubectl::cache::global()
                .output(&pick.kubectl, args, &dir, KUBECTL_DEADLINE)
                .await
                .map_err(|e| e.to_string())?;
            (o, source == crate::kubectl::cache::Source::Cached)
        } else {
            let o = crate::kubectl::run(
                &pick.kubectl,
                args,
                &dir,
                KUBECTL_DEADLINE,
                crate::kubectl::Reach::Cluster,
            )
            .await
            .map_err(|e| e.to_string())?;
            (o, false)
        };
        let said = match crate::kubectl::judge(&output) {
            crate::kubectl::Judgement::Accepted { warnings } => Said::Accepted { warnings },
            // On a cluster, a command run in a pod that exits non-zero
            // (a ping without reply) ran: kubectl says so in these words.
            crate::kubectl::Judgement::Refused { .. }
                if on_cluster && output.stderr.contains("command terminated with exit code") =>
            {
                Said::Accepted { warnings: vec![] }
            }
            crate::kubectl::Judgement::Refused { message } => Said::Refused { message },
        };
        Ok(KubectlRun {
            version: pick.kubectl.version.to_string(),
            skew: pick.skew.clone(),
            offline,
            said,
            output,
            cached,
        })
    }
}
