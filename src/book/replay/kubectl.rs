//! A book's `kubectl` line, as the reader types it, given to the real
//! kubectl of the lab's pinned minor ([`Target::kubectl_line`]), after the
//! names and addresses the lab cannot make equal are bound (a pod's hash
//! suffix, an address assigned at run time; the line that ran says so):
//! - on vagrant the line runs against the lab's cluster (`./admin.conf` in
//!   the lab's state folder) and its output is compared with the book's;
//! - on netns there is no API server: the line goes to kubectl against an
//!   endpoint that refuses connections. What kubectl refuses before it
//!   connects (a removed form, an unknown flag) is drift in kubectl's own
//!   words (unless the book shows that refusal alone: what the reader
//!   meets); what it accepts did not run (never `match`), and lab runs its
//!   meaning in the lab instead, saying so; a book that shows kubectl
//!   failing under a line it takes drifts (the reader does not meet that);
//! - a refused `exec` fails for the reader: the block drifts with kubectl's
//!   message, and lab also runs the line's meaning (as `exec POD -- CMD`)
//!   to show what the reader would see after fixing it, labelled so;
//! - an `exec` or `logs` of a pod the reader's kubectl does not find (not
//!   in the line's namespace, or deleted by the chapter: [`pod_lookup`])
//!   runs nowhere: the reader's command fails, and it drifts.
//!
//! `apply`/`delete -f` are judged by kubectl without a cluster on both
//! providers: lab switches the lab's network itself ([`super::manifest`]).
//!
//! How a line accepted but not run is counted: its command is `skipped`
//! with kubectl's acceptance and the meaning's comparison in its reason
//! (`drift` if the meaning differs), never `match`: kubectl did not run it.

use super::judgeable::judgeable;
use super::manifest::Manifest;
use super::plan::Planned;
use super::refusal::{failure_not_met, minor, refusal};
use super::{Replayer, Said, Target, fail, output_lines};
use crate::book::bind::PodKind;
use crate::book::recognize::{Cmd, KubeAction, Kubectl};
use crate::book::{CommandReport, KubectlOutcome, KubectlReport, Verdict, compare};
use crate::provider::PodRef;

#[path = "pod_lookup.rs"]
mod pod_lookup;
#[path = "kubectl_unrecognised.rs"]
mod unrecognised;

/// The pod an `exec` or a `logs` names.
fn pod_of(action: &KubeAction) -> &str {
    match action {
        KubeAction::Exec { pod, .. } | KubeAction::Logs { pod } => pod,
        _ => "",
    }
}

/// Where a book pod's meaning runs: a node (a `hostNetwork` flannel pod),
/// or a lab pod.
enum Place {
    Node(String),
    Pod(PodRef),
}

impl Replayer<'_> {
    /// The lab's place for a book pod, noting the binding.
    fn place(&self, pod: &str, pods: &[PodRef], r: &mut CommandReport) -> Result<Place, String> {
        let kind = self.binding.pods.get(pod).map(|b| b.kind.clone());
        if kind == Some(PodKind::Flannel) || pod.starts_with("kube-flannel") {
            let node = self.binding.flannel_node(pod)?;
            r.bindings.push(format!(
                "{pod} (book) = flannel on {node} (hostNetwork: {node} itself)"
            ));
            return Ok(Place::Node(node));
        }
        let lp = self.binding.lab_pod(pod, pods)?.clone();
        r.bindings.push(format!(
            "{pod} (book) = {} pod on {} = {} (lab)",
            lp.app, lp.node, lp.name
        ));
        Ok(Place::Pod(lp))
    }

    /// The lab's name for a book pod, where kubectl will look it up.
    async fn lab_pod_name(&self, t: &dyn Target, place: &Place) -> Result<Option<String>, String> {
        match place {
            Place::Pod(p) => Ok(Some(p.name.clone())),
            Place::Node(node) if t.kind().capabilities().kubernetes => {
                let field = format!("spec.nodeName={node}");
                // The pod network plugin's pod on that node.
                let ready = self
                    .lab
                    .variant(&t.variant())
                    .map_err(|e| e.to_string())?
                    .cni
                    .plugin()
                    .ready_pods();
                let app = format!("app={}", ready.app);
                let o = t
                    .session()
                    .kubectl(&[
                        "get",
                        "pods",
                        "-n",
                        ready.namespace,
                        "-l",
                        &app,
                        "--field-selector",
                        &field,
                        "-o",
                        "name",
                    ])
                    .await
                    .map_err(|e| e.to_string())?;
                let name = o
                    .stdout
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .map(|l| l.trim_start_matches("pod/").to_string());
                name.map(Some)
                    .ok_or_else(|| format!("no flannel pod runs on {node}"))
            }
            // No API server: kubectl never looks a name up.
            Place::Node(_) => Ok(None),
        }
    }

    /// The book's words after `kubectl`, with the pod and addresses bound
    /// and a ping inside an `exec` given a count, and why.
    async fn bound_args(
        &self,
        t: &dyn Target,
        k: &Kubectl,
        p: &Planned,
        place: Option<&Place>,
        r: &mut CommandReport,
        pods: &[PodRef],
    ) -> Result<Vec<String>, String> {
        let epoch = self.epoch(p);
        let words = book_words(&p.step.command);
        let lab_name = match place {
            Some(pl) => self.lab_pod_name(t, pl).await?,
            None => None,
        };
        let book_pod = match &k.action {
            KubeAction::Exec { pod, .. } | KubeAction::Logs { pod } => Some(pod.as_str()),
            _ => None,
        };
        // Without `--`, kubectl reads the command's flags as its own: a
        // count added there would change what kubectl judges.
        let ping_without_count = words.contains(&"--")
            && matches!(&k.action, KubeAction::Exec { cmd, .. } if matches!(**cmd, Cmd::Ping { count: None, .. }));
        // A curl after `--` runs as typed in the cluster's pod: given a
        // deadline where it has none, its write-out unquoted (argv, no shell).
        let curl_without_deadline = words.contains(&"--")
            && matches!(&k.action, KubeAction::Exec { cmd, .. } if matches!(&**cmd, Cmd::Curl(c) if c.max_time.is_none() && c.connect_timeout.is_none()));
        let mut out = Vec::new();
        for w in words {
            if execs_curl(&k.action) && w.starts_with(['\'', '"']) {
                out.push(w.trim_matches(['\'', '"']).to_string());
                continue;
            }
            if Some(w) == book_pod
                && let Some(name) = &lab_name
            {
                if name != w {
                    r.why
                        .push(format!("pod {w} is the book's; the lab's is {name}"));
                }
                out.push(name.clone());
                continue;
            }
            if let Ok(ip) = w.parse::<std::net::Ipv4Addr>() {
                let lab_ip = self.target_ip(ip, epoch, pods, &mut r.bindings);
                if lab_ip != ip {
                    r.why
                        .push(format!("{ip} is the book's address; the lab's is {lab_ip}"));
                }
                out.push(lab_ip.to_string());
                continue;
            }
            out.push(w.to_string());
            if w == "curl" && curl_without_deadline {
                r.why
                    .push("--connect-timeout 1 -m 3 added: the book's curl has no deadline".into());
                out.extend(["--connect-timeout", "1", "-m", "3"].map(String::from));
            }
            if w == "ping" && ping_without_count {
                let n = (compare::replies(&r.book).len()).max(1);
                r.why.push(format!(
                    "-c {n} -W 1 added: the book's ping runs until Ctrl-C (a deadline)"
                ));
                out.extend(["-c".into(), n.to_string(), "-W".into(), "1".into()]);
            }
        }
        Ok(out)
    }

    /// A book's `kubectl` line: given to kubectl, then its meaning run in
    /// the lab, except an `apply`/`delete -f`'s, which changes the lab: that
    /// is left to [`Replayer::manifest_done`] (the [`Manifest`] returned).
    pub(super) async fn kubectl(
        &self,
        t: &dyn Target,
        k: &Kubectl,
        p: &Planned,
        r: &mut CommandReport,
        pods: &[PodRef],
    ) -> Option<Manifest> {
        // A pod the reader's kubectl does not find is not placed: the
        // line goes to kubectl unbound, and nothing runs in the lab.
        let missing = match &k.action {
            KubeAction::Exec { pod, .. } | KubeAction::Logs { pod } => {
                self.pod_missing(t, k, pod, p.step.line, pods)
            }
            _ => Vec::new(),
        };
        // A pod lab cannot place still goes to kubectl, unbound: whether
        // kubectl takes the line does not depend on it.
        let mut unplaced = None;
        let place = match &k.action {
            _ if !missing.is_empty() => None,
            KubeAction::Exec { pod, .. } | KubeAction::Logs { pod } => {
                match self.place(pod, pods, r) {
                    Ok(pl) => Some(pl),
                    Err(e) => {
                        unplaced = Some(e);
                        None
                    }
                }
            }
            _ => None,
        };
        let args = match self.bound_args(t, k, p, place.as_ref(), r, pods).await {
            Ok(a) => a,
            Err(e) => {
                fail(r, e);
                return None;
            }
        };
        let cluster = !matches!(
            k.action,
            KubeAction::Apply { .. } | KubeAction::Delete { .. }
        );
        // A line for a pod the reader lacks is judged without a cluster:
        // the lab's cluster has the pod the book's name would bind to.
        let run = match t.kubectl_line(&args, cluster && missing.is_empty()).await {
            Ok(run) => run,
            Err(e) => {
                fail(
                    r,
                    format!("the book's line could not be given to kubectl: {e}"),
                );
                return None;
            }
        };
        let line = format!("kubectl {}", args.join(" "));
        // The book showing the pinned kubectl's own refusal: the reader
        // meets that, word for word.
        let refusal_shown = matches!(&run.said, Said::Refused { message } if crate::kubectl::shows_refusal(&r.book, message));
        let (outcome, said, note) = match (&run.said, &run.offline) {
            (Said::Refused { message }, _) => {
                if !refusal_shown {
                    r.differences.push(refusal(&run.version, message));
                }
                (
                    KubectlOutcome::Refused,
                    vec![message.clone()],
                    format!(
                        "refused by kubectl v{}: the reader's command fails",
                        run.version
                    ),
                )
            }
            (Said::Accepted { warnings }, Some(why)) => (
                KubectlOutcome::Accepted,
                warnings.clone(),
                match missing.is_empty() {
                    true => format!("accepted by kubectl v{}; not run: {why}", run.version),
                    false => format!(
                        "accepted by kubectl v{}; not run: the reader's kubectl finds no such pod",
                        run.version
                    ),
                },
            ),
            (Said::Accepted { warnings }, None) => (
                KubectlOutcome::Ran,
                warnings.clone(),
                format!("run by kubectl v{} against the lab's cluster", run.version),
            ),
        };
        r.kubectl = Some(KubectlReport {
            version: run.version.clone(),
            outcome,
            said,
            note: format!("{note}: `{line}`"),
            skew: run.skew.clone(),
        });
        r.ran_on = Some("kubectl".into());
        r.ran = Some(line);
        // A kubeconfig the reader lacks: kubectl fails on it (offline, lab
        // gives it one of any name).
        if let (Said::Accepted { .. }, Some(conf)) =
            (&run.said, super::target::kubeconfig_of(&args))
        {
            r.differences.extend(super::kubeconfig_made::unmade(
                conf,
                &self.kubeconfigs,
                minor(&run.version),
            ));
        }
        if run.cached {
            r.why.push(CACHED.into());
        }
        // A `-n` that is not the objects' own: kubectl refuses the line
        // before it asks a server ([`Replayer::manifest_meaning`] says so).
        let namespace_refusal = match &k.action {
            KubeAction::Apply { file } | KubeAction::Delete { file } => {
                self.namespace_refusal(file, k.namespace.as_deref())
            }
            _ => None,
        };
        if outcome != KubectlOutcome::Refused && namespace_refusal.is_none() && missing.is_empty() {
            r.differences.extend(failure_not_met(
                &r.book,
                &run,
                outcome == KubectlOutcome::Ran,
            ));
        }
        // An `apply`/`delete -f` refused still has its meaning done in the
        // lab (below); any other line refused as shown is all it claims.
        if refusal_shown && cluster {
            r.reason = Some(format!(
                "kubectl {} refuses the line as the book shows: the reader meets that refusal",
                minor(&run.version)
            ));
            return None;
        }
        if let KubeAction::Exec { pod, .. } | KubeAction::Logs { pod } = &k.action
            && !missing.is_empty()
        {
            pod_lookup::pod_not_found(r, pod, missing, outcome);
            return None;
        }
        if let Some(e) = unplaced {
            self.unplaced(pod_of(&k.action), e, outcome, r);
            return None;
        }
        let epoch = self.epoch(p);
        match outcome {
            KubectlOutcome::Ran => {
                r.lab = output_lines(&run.output);
                match &k.action {
                    KubeAction::Exec { cmd, .. } => {
                        let remarked = !p.step.remarks_below.is_empty();
                        self.compare(cmd, run.output.code, r, (epoch, remarked), pods, None)
                    }
                    KubeAction::Get(g) => {
                        let listing = super::gone_rows::Listing {
                            namespace: (!g.all_namespaces)
                                .then(|| k.namespace.as_deref().unwrap_or("default")),
                            selector: g.selector.as_ref(),
                        };
                        self.cluster_table(r, epoch, pods, listing)
                    }
                    _ => {
                        let book = self.book_in_lab(r, epoch, pods);
                        if let Some(n) = run.output.code.filter(|c| *c != 0) {
                            r.differences
                                .push(format!("`{}` failed in the lab (exit {n})", r.command));
                        }
                        // Read as a log's lines or as kubectl's own.
                        let c = Cmd::Kubectl(k.clone());
                        r.differences.extend(compare::lines_of(&c, &book, &r.lab));
                        // A log the book shows none of (or cuts to `...`)
                        // compares nothing: never a match.
                        if r.differences.is_empty()
                            && book
                                .iter()
                                .all(|l| l.trim().is_empty() || compare::is_elision(l))
                        {
                            r.verdict = Verdict::Skipped;
                            r.reason = Some(
                                "kubectl ran it, but the book shows none of its output (or cut it to `...`): nothing to compare it with"
                                    .into(),
                            );
                        }
                    }
                }
            }
            KubectlOutcome::Refused => {
                // The reader's command fails; what it would show once fixed.
                if let (KubeAction::Exec { cmd, .. }, Some(pl)) = (&k.action, &place) {
                    self.meaning(t, cmd, pl, p, r, pods).await;
                    r.reason = Some(format!(
                        "kubectl refuses the line, so the reader's command fails; lab ran its meaning (as `exec POD -- CMD`) to show what the reader sees after fixing it{}",
                        r.reason
                            .as_ref()
                            .map(|x| format!(" ({x})"))
                            .unwrap_or_default()
                    ));
                } else if matches!(
                    k.action,
                    KubeAction::Apply { .. } | KubeAction::Delete { .. }
                ) {
                    return Some(Manifest {
                        accepted: false,
                        namespace_refusal,
                    });
                }
            }
            KubectlOutcome::Accepted => {
                let did = match (&k.action, &place) {
                    (KubeAction::Exec { cmd, .. }, Some(pl)) => {
                        self.meaning(t, cmd, pl, p, r, pods).await;
                        if r.verdict == Verdict::Skipped {
                            "lab took its command to the lab"
                        } else {
                            "lab ran its command in the lab and compared that"
                        }
                    }
                    (KubeAction::Logs { .. }, Some(Place::Node(node))) => {
                        self.flannel_log(t, node, r, epoch, pods).await;
                        "lab read that node's flannel log and compared that"
                    }
                    (KubeAction::Logs { pod }, _) => {
                        fail(
                            r,
                            format!("lab reads the logs of flannel pods; {pod} is not one"),
                        );
                        return None;
                    }
                    (KubeAction::Get(g), _) => {
                        self.observed_table(t, g, k.namespace.as_deref(), r, epoch, pods)
                            .await;
                        "lab compared the book's table with what the lab observes"
                    }
                    _ => {
                        return Some(Manifest {
                            accepted: true,
                            namespace_refusal,
                        });
                    }
                };
                not_run(r, did);
            }
        }
        None
    }

    /// The command of an `exec`, run where the book's pod stands in the lab.
    async fn meaning(
        &self,
        t: &dyn Target,
        cmd: &Cmd,
        place: &Place,
        p: &Planned,
        r: &mut CommandReport,
        pods: &[PodRef],
    ) {
        let ran = r.ran.take();
        match place {
            Place::Node(node) => self.node_command(t, cmd, node, None, p, r, pods).await,
            Place::Pod(lp) => {
                let node = lp.node.clone();
                self.node_command(t, cmd, &node, Some(lp), p, r, pods).await
            }
        }
        if let Some(k) = ran {
            r.why.insert(
                0,
                format!("kubectl was given `{k}`; the line below ran in the lab"),
            );
        }
    }

    /// A flannel pod's log: that node's flannel log.
    async fn flannel_log(
        &self,
        t: &dyn Target,
        node: &str,
        r: &mut CommandReport,
        epoch: usize,
        pods: &[PodRef],
    ) {
        let cni = match self.lab.variant(&t.variant()) {
            Ok(v) => v.cni.plugin(),
            Err(e) => return fail(r, e.to_string()),
        };
        r.ran_on = Some(node.to_string());
        r.ran = Some(format!("{} log of {node}", cni.name()));
        match cni
            .log(t.session(), t.kind().capabilities().cni_runs, node)
            .await
        {
            Ok(o) => {
                r.lab = output_lines(&o);
                let book = self.book_in_lab(r, epoch, pods);
                r.differences
                    .extend(compare::missing_in_order(&book, &r.lab));
            }
            Err(e) => fail(r, e.to_string()),
        }
    }
}

/// Whether an exec's command is a curl (its only quoted word is the
/// write-out recognition allowed).
fn execs_curl(a: &KubeAction) -> bool {
    matches!(a, KubeAction::Exec { cmd, .. } if matches!(**cmd, Cmd::Curl(_)))
}

/// A line kubectl accepted without running it: never `match`, and its
/// reason says what lab `did` instead.
pub(super) fn not_run(r: &mut CommandReport, did: &str) {
    if r.verdict == Verdict::Match {
        r.verdict = Verdict::Skipped;
    }
    let note = r
        .kubectl
        .as_ref()
        .map(|k| k.note.clone())
        .unwrap_or_default();
    r.reason = Some(format!(
        "kubectl itself did not run it ({note}); {did}{}",
        r.reason
            .as_ref()
            .map(|x| format!(": {x}"))
            .unwrap_or_default()
    ));
}

/// Said of a line whose answer came from the kubectl run cache.
const CACHED: &str = "kubectl's answer is the one the same kubectl gave to the same line from the same files before (kept in lab's cache, kubectl-runs/)";

/// The words after `kubectl` of a recognised kubectl line, as the book
/// types them (a leading `sudo` dropped).
fn book_words(command: &str) -> Vec<&str> {
    command
        .split_whitespace()
        .skip_while(|w| *w == "sudo")
        .skip(1)
        .collect()
}

/// Every kubectl line of `chapter` that the replay gives to kubectl, as
/// the book types it ((chapter line, words after `kubectl`), unbound): the
/// recognised ones, and the ones lab does not understand but that are
/// harmless to give to kubectl ([`judgeable`]). What the version matrix
/// runs through every kubectl minor (`--kubectl-matrix`).
pub fn chapter_lines(chapter: &crate::book::parse::Chapter) -> Vec<(usize, Vec<String>)> {
    chapter
        .blocks
        .iter()
        .zip(super::plan::plan_chapter(chapter))
        .filter(|(b, _)| b.is_shell())
        .flat_map(|(_, (ps, _))| ps)
        .filter_map(|p| {
            let words = match &p.cmd {
                Ok(Cmd::Kubectl(_)) => book_words(&p.step.command)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                Ok(_) => return None,
                Err(_) => judgeable(&p.step.command)?,
            };
            Some((p.step.line, words))
        })
        .collect()
}
