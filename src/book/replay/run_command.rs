//! Running one planned command of a block: what each recognised shape
//! runs where (a `vagrant ssh`'s `hostname`, a node's or pod's line, a
//! kubectl line and its meaning), and which commands run alone (a change
//! of the lab, a capture) rather than at once with their neighbours.
//! Apart from the block's loop ([`super::replay_within`]) so that each
//! stays readable.

use super::command_report::{fail, report};
use super::{
    Planned, Replayer, Target, kubeadm_output, login, manifest, node, output_lines, remark_claims,
    swallowed,
};
use crate::book::recognize::{Cmd, KubeAction, Kubectl};
use crate::book::{CommandReport, Verdict};

impl Replayer<'_> {
    /// A command that changes the lab (an `apply`/`delete -f`), watches
    /// its traffic (a capture, whose ping is its own) or may stop the
    /// comparisons after it ([`swallowed::may_change`]): it runs alone; the
    /// commands between two such run at once.
    pub(super) fn alone(p: &Planned) -> bool {
        matches!(
            &p.cmd,
            Ok(Cmd::Tcpdump { .. })
                | Ok(Cmd::Kubectl(Kubectl {
                    action: KubeAction::Apply { .. } | KubeAction::Delete { .. },
                    ..
                }))
        ) || swallowed::may_change(p)
    }

    /// The stop a line swallowed under `r`'s command makes
    /// ([`swallowed::stop`]), kept in the chapter's order.
    pub(super) fn stop_at_swallowed(&mut self, p: &Planned, r: &CommandReport) {
        if let Some(s) = swallowed::stop(p, r) {
            self.stops.push(s);
            self.stops.sort_by_key(|(line, _)| *line);
        }
    }

    /// Run one command, and its change of the lab (an `apply`/`delete -f`'s
    /// meaning) after it.
    pub(super) async fn run_alone(
        &mut self,
        t: &mut dyn Target,
        p: &Planned,
        all: &[Planned],
    ) -> CommandReport {
        let (mut r, manifest) = self.run(&*t, p, all).await;
        if let (Some(m), Ok(Cmd::Kubectl(k))) = (manifest, &p.cmd) {
            self.manifest_done(t, k, &mut r, m).await;
            swallowed::check(p, &mut r);
            // Its remarks once its meaning set its verdict: read before,
            // a claim under its messages was overwritten (probe21ca, W4).
            remark_claims::check(p, &self.binding, &self.lab_words(&r.variant), &mut r);
        }
        self.stop_at_swallowed(p, &r);
        r
    }

    /// Run one command that does not change the lab; an `apply`/`delete
    /// -f` line comes back with its meaning still to do.
    pub(super) async fn run(
        &self,
        t: &dyn Target,
        p: &Planned,
        all: &[Planned],
    ) -> (CommandReport, Option<manifest::Manifest>) {
        let mut r = report(p, &t.variant());
        let cmd = match &p.cmd {
            Ok(c) => c.clone(),
            Err(why) => {
                r.verdict = Verdict::NotUnderstood;
                r.reason = Some(why.clone());
                return (r, None);
            }
        };
        let pods = t.pods();
        if let Some(why) = self.gone_before(p, &pods) {
            r.verdict = Verdict::Skipped;
            // The first command after a change told outside a shell block
            // drifts for it, unless its author blessed that (a recap).
            if let Some(told) = self.charged(p.step.line) {
                r.verdict = Verdict::Drift;
                r.differences.push(told);
            }
            // Shown succeeding where the reader has no machine.
            if let Some(none) = self.meets_no_machine(p) {
                r.verdict = Verdict::Drift;
                r.differences.push(none);
            }
            r.reason = Some(why);
            // Not compared, but a line the reader may type under it is
            // still one lab never ran, and a table of deleted pods shown
            // alive is what the reader never sees.
            swallowed::check(p, &mut r);
            self.certain(p, &mut r);
            self.reach_of_deleted(p, &mut r);
            return (r, None);
        }
        let mut manifest = None;
        match &cmd {
            Cmd::Ssh { node } if p.node.is_some() => login::nested(&mut r, node, p),
            Cmd::Ssh { node } => {
                if self.lab.node(node).is_none() {
                    fail(&mut r, format!("the lab has no node {node}"));
                    return (r, None);
                }
                r.ran_on = Some(node.clone());
                r.ran = Some("hostname".into());
                r.why = vec![format!(
                    "`vagrant ssh {node}` opens a shell on {node}; lab asks that shell its `hostname`"
                )];
                match t.session().output(node, "hostname", None).await {
                    Ok(o) => {
                        r.lab = output_lines(&o);
                        if o.stdout.trim() != node {
                            r.differences.push(format!(
                                "vagrant ssh {node}: the node calls itself `{}`",
                                o.stdout.trim()
                            ));
                        } else if !login::typed_in_banner(&mut r, node)
                            && r.book.iter().any(|l| !l.trim().is_empty())
                        {
                            // A banner, compared with nothing: no match.
                            r.verdict = Verdict::Skipped;
                            r.reason = Some(format!(
                                "the book shows {} line(s) after `vagrant ssh {node}` (from line {}) that lab does not compare",
                                r.book.len(),
                                p.step.output_at.first().copied().unwrap_or(p.step.line)
                            ));
                        }
                    }
                    Err(e) => fail(&mut r, e.to_string()),
                }
            }
            Cmd::Exit => login::exit(&mut r, p),
            Cmd::RootShell { .. } => login::root_shell(&mut r, p),
            Cmd::Ping { target, .. } if p.traffic_for.is_some() => {
                let epoch = self.epoch(p);
                let lab_ip = self.target_ip(*target, epoch, &pods, &mut r.bindings);
                let j = p.traffic_for.unwrap_or_default();
                r.verdict = Verdict::Skipped;
                r.ran_on = p.node.clone();
                let wait = self.deadline(t, &pods).await;
                let echoes = node::capture_echoes(&all[j].step.output);
                r.ran = Some(node::traffic(lab_ip, &wait.seconds(), echoes));
                r.reason = Some(format!(
                    "left running in one session while another captures (line {}): it ran as that capture's traffic; the book shows no output of its own, so nothing of it is compared",
                    all[j].step.line
                ));
            }
            c @ (Cmd::Ping { .. }
            | Cmd::RouteN
            | Cmd::IpRoute
            | Cmd::Cat { .. }
            | Cmd::Tcpdump { .. }
            | Cmd::Grep { .. }
            | Cmd::Curl(_)) => {
                let node = p.node.clone().unwrap_or_default();
                if self.lab.node(&node).is_none() {
                    r.verdict = Verdict::NotUnderstood;
                    r.reason = Some(format!(
                        "`{}` typed at the prompt of {node}, which is no node of the lab; lab runs commands only on the lab's nodes and pods",
                        c.shape()
                    ));
                    return (r, None);
                }
                self.node_command(t, c, &node, None, p, &mut r, &pods).await;
            }
            Cmd::Kubectl(k) => {
                manifest = self.kubectl(t, k, p, &mut r, &pods).await;
                // In a node's session, or at a node's prompt (a prompt of
                // the reader's own machine is no node of the lab).
                if let Some(node) = p.node.as_deref().filter(|n| self.lab.node(n).is_some()) {
                    login::kubectl_inside(node, &mut r);
                }
            }
            Cmd::KubeadmInit {
                advertise,
                pod_cidr,
            } => {
                r.verdict = Verdict::Skipped;
                r.reason = Some("`lab up` initialised the cluster; the addresses in the book's command were checked against the lab".into());
                let cp = self.lab.control_plane();
                self.kubeadm_init_output(&mut r);
                if let Some(a) = advertise
                    && *a != cp.ip
                {
                    r.differences.push(format!("kubeadm init: the book advertises the API server on {a}; the lab's control plane {} has {}", cp.name, cp.ip));
                }
                if let Some(c) = pod_cidr
                    && *c != self.lab.network.pods
                {
                    r.differences.push(format!(
                        "kubeadm init: the book's pod network is {c}; the lab's is {}",
                        self.lab.network.pods
                    ));
                }
            }
            Cmd::VagrantDestroy => {
                r.verdict = Verdict::Skipped;
                r.reason = Some("lab tears the lab down when it ends (unless --keep; `lab book` also leaves a lab up that was up before)".into());
            }
        }
        // An apply/delete line is checked once its meaning is done
        // ([`Replayer::run_alone`]), its remarks too.
        if manifest.is_none() {
            swallowed::check(p, &mut r);
            remark_claims::check(p, &self.binding, &self.lab_words(&r.variant), &mut r);
        }
        self.unshown_reach(p, &mut r);
        let gone = self
            .gone_after(&r, &pods)
            .or_else(|| self.network_gone_after(p, &r));
        if let Some(why) = gone {
            r.verdict = Verdict::Skipped;
            r.why.extend(
                r.differences
                    .drain(..)
                    .map(|d| format!("not compared: {d}")),
            );
            r.reason = Some(why);
        }
        // Where the book's own values disagree at this line (coherence).
        for (line, s) in &self.binding.conflicts {
            if *line == p.step.line && !matches!(r.verdict, Verdict::NotUnderstood) {
                r.differences.push(s.clone());
            }
        }
        self.certain(p, &mut r);
        // Needs root where the reader is the vagrant user (netns runs it
        // as root either way).
        if let Some(d) = super::root_needed::without_sudo(p)
            && !matches!(r.verdict, Verdict::NotUnderstood)
        {
            r.differences.push(d);
        }
        (r, manifest)
    }

    /// The lines the book shows under `kubeadm init`, read against the
    /// lab's init ([`kubeadm_output::read`]): each value the lab knows is
    /// compared, and the reason says how many lines were not.
    fn kubeadm_init_output(&self, r: &mut CommandReport) {
        let cp = self.lab.control_plane();
        let lab = kubeadm_output::LabInit {
            control_plane: &cp.name,
            advertise: cp.ip,
            pods: self.lab.network.pods,
            kubernetes: &self.lab.kubernetes,
        };
        let read = kubeadm_output::read(&r.book, &lab);
        r.differences.extend(read.differences);
        r.why.extend(read.compared);
        if r.book.iter().any(|l| !l.trim().is_empty()) {
            let rest = match read.not_compared {
                0 => "every line of the output the book shows holds such a value".to_string(),
                n => format!(
                    "{n} line(s) of the output the book shows are not compared (tokens, hashes, timings, kubeadm's progress lines, the commands it tells its reader to run)"
                ),
            };
            r.reason = Some(format!(
                "`lab up` initialised the cluster; the addresses in the book's command and the values the lab knows in its output (success, the Kubernetes version, addresses and networks) were checked against the lab; {rest}"
            ));
        }
    }

    /// What the reader meets for certain at `p`, compared or not: a table
    /// that shows deleted pods alive ([`Self::deleted_shown`]), kubectl's
    /// `No resources found` naming another namespace than the line asks
    /// ([`Self::none_found_elsewhere`]).
    fn certain(&self, p: &Planned, r: &mut CommandReport) {
        self.deleted_shown(p, r);
        if let Some(s) = self.none_found_elsewhere(p)
            && !r.differences.contains(&s)
        {
            r.differences.push(s);
        }
    }

    /// The rows of `p`'s table that show pods the chapter deleted as alive
    /// ([`crate::book::bind::Binding::shown_deleted`]): drift, whether the
    /// lab's own pods were compared or skipped.
    fn deleted_shown(&self, p: &Planned, r: &mut CommandReport) {
        for (line, s) in &self.binding.shown_deleted {
            if *line == p.step.line && !r.differences.contains(s) {
                r.differences.push(s.clone());
            }
        }
    }
}
