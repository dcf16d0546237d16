//! Replaying a chapter: every block in the chapter's order, every command in
//! the block's order and state (`vagrant ssh node1` … `exit`; a variant
//! switched by `kubectl delete`/`apply` of its network file), only in the
//! shapes [`super::recognize`] knows, and only inside the lab's nodes and
//! pods through the provider's [`Session`]: never on the host. A block with
//! one command that is not understood, or that would run outside the lab,
//! runs not at all. Every command is bounded: ping gets `-c` and `-W`, a
//! capture a `timeout`, and the session a deadline.
//!
//! What runs where, for both providers:
//! - `vagrant ssh NODE` enters NODE (`hostname` is asked and compared);
//! - `ping`, `route -n`, `ip route`, `cat`, `tcpdump` run on that node; a
//!   `ping` without `-c` left running while "another session" captures is
//!   the capture's traffic;
//! - `kubectl exec` into a workload pod runs inside the lab's pod bound to
//!   it; into a flannel pod (`hostNetwork`) on its node;
//! - `kubectl logs` of a flannel pod reads that node's flannel log;
//! - `kubectl apply|delete -f` of a variant's network file switches the
//!   lab's variant as the chapter does; of a workload file, checks its pods;
//! - `kubectl get` runs on vagrant; on netns (no API server) it is skipped
//!   and the facts of the book's table are checked against the lab; the
//!   same for `kubeadm init`'s addresses.

use super::bind::{self, Binding, PodKind, Table};
use super::compare;
use super::known::KnownFile;
use super::parse::{self, Chapter, Step};
use super::recognize::{Cmd, Get, KubeAction, Resource, recognize};
use super::{BlockReport, BookReport, CommandReport, Summary, Verdict};
use crate::error::Result;
use crate::provider::{Access, Kind, PodRef, Provider};
use crate::report::Reporter;
use crate::session::{Output, Session};
use crate::spec::Lab;
use crate::state::State;
use async_trait::async_trait;
use std::net::Ipv4Addr;
use std::time::Duration;

/// The deadline of one command on a node.
pub const DEADLINE: Duration = Duration::from_secs(15);

/// The lab as the replay sees it: where commands run and how the variant
/// switches. [`LiveTarget`] is a lab that is up; tests replay the vagrant
/// path against recorded outputs through the same trait.
#[async_trait]
pub trait Target: Send + Sync {
    fn kind(&self) -> Kind;
    fn variant(&self) -> String;
    fn pods(&self) -> Vec<PodRef>;
    /// Runs commands on the lab's nodes, in its pods and with kubectl.
    fn session(&self) -> &dyn Session;
    /// Switch the pod network to `variant` (workloads and network removed,
    /// the variant's network, workloads again).
    async fn switch(&mut self, variant: &str) -> Result<()>;
}

/// A lab that is up, through its provider.
pub struct LiveTarget<'a> {
    lab: &'a Lab,
    state: &'a mut State,
    provider: &'a dyn Provider,
    rep: Reporter,
    access: Access,
    session: Box<dyn Session>,
}

impl<'a> LiveTarget<'a> {
    pub async fn new(
        lab: &'a Lab,
        state: &'a mut State,
        provider: &'a dyn Provider,
        rep: &Reporter,
    ) -> Result<LiveTarget<'a>> {
        let access = provider.access(lab, state, rep).await?;
        let session = provider
            .session(lab, state, &access, Some(DEADLINE), rep)
            .await?;
        Ok(LiveTarget {
            lab,
            state,
            provider,
            rep: rep.clone(),
            access,
            session,
        })
    }

    pub async fn close(&self) {
        self.session.close().await;
    }
}

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
    async fn switch(&mut self, variant: &str) -> Result<()> {
        self.session.close().await;
        // In a recorded run, the switch's steps are the book's, to `variant`.
        self.rep.emit(crate::report::Event::PhaseStart {
            phase: crate::report::run::RunPhase::Book,
            variant: variant.to_string(),
        });
        self.provider
            .apply(self.lab, self.state, variant, &self.rep)
            .await?;
        self.access = self
            .provider
            .access(self.lab, self.state, &self.rep)
            .await?;
        self.session = self
            .provider
            .session(
                self.lab,
                self.state,
                &self.access,
                Some(DEADLINE),
                &self.rep,
            )
            .await?;
        Ok(())
    }
}

/// A command of a block with where it runs, decided before anything runs.
struct Planned {
    step: Step,
    cmd: std::result::Result<Cmd, String>,
    /// The node of the `vagrant ssh` session it is typed in.
    node: Option<String>,
    /// A ping left running as the traffic of the capture at this index.
    traffic_for: Option<usize>,
    /// The ping (node, target) that runs as this capture's traffic.
    traffic: Option<(String, Ipv4Addr, usize)>,
}

fn needs_node(c: &Cmd) -> bool {
    matches!(
        c,
        Cmd::Ping { .. }
            | Cmd::Tcpdump { .. }
            | Cmd::RouteN
            | Cmd::IpRoute
            | Cmd::Cat { .. }
            | Cmd::Grep { .. }
    )
}

/// Recognise a block's commands and place them; any command not
/// understood makes the whole block not run.
fn plan(block: &parse::Block) -> (Vec<Planned>, Vec<String>) {
    let (steps, prose) = parse::steps(block);
    let mut node: Option<String> = None;
    let mut out: Vec<Planned> = Vec::new();
    for step in steps {
        let mut cmd = recognize(&step.command);
        let here = node.clone();
        match &cmd {
            Ok(Cmd::Ssh { node: n }) => node = Some(n.clone()),
            Ok(Cmd::Exit) => {
                if node.is_none() {
                    cmd = Err(
                        "`exit` outside a `vagrant ssh` session would leave the reader's own shell"
                            .into(),
                    );
                }
                node = None;
            }
            Ok(c) if needs_node(c) && here.is_none() => {
                cmd = Err(format!(
                    "`{}` outside a `vagrant ssh` session runs on the reader's machine; lab runs commands only on the lab's nodes and pods",
                    c.shape()
                ));
            }
            _ => {}
        }
        out.push(Planned {
            step,
            cmd,
            node: here,
            traffic_for: None,
            traffic: None,
        });
    }
    // "Open another session": a ping without -c and without output, then
    // another `vagrant ssh`, then a capture.
    for i in 0..out.len() {
        let Ok(Cmd::Ping {
            target,
            count: None,
        }) = &out[i].cmd
        else {
            continue;
        };
        if !out[i].step.output.is_empty() {
            continue;
        }
        let target = *target;
        let mut other_session = false;
        for j in i + 1..out.len() {
            match &out[j].cmd {
                Ok(Cmd::Ssh { .. }) => other_session = true,
                Ok(Cmd::Tcpdump { .. }) if other_session && out[j].traffic.is_none() => {
                    let n = out[i].node.clone().unwrap_or_default();
                    out[j].traffic = Some((n, target, out[i].step.line));
                    out[i].traffic_for = Some(j);
                    break;
                }
                _ => {}
            }
        }
    }
    (
        out,
        prose
            .into_iter()
            .map(|(n, l)| format!("line {n}: {l}"))
            .collect(),
    )
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

fn output_lines(o: &Output) -> Vec<String> {
    lines(&o.text())
}

/// The shell line of a recognised node-level command, rebuilt from typed
/// values; `reply` says whether the book shows a ping answered.
fn node_line(c: &Cmd, target: Option<Ipv4Addr>, reply: bool) -> String {
    match c {
        Cmd::Ping { count, .. } => {
            let n = count.unwrap_or(1);
            // -W bounds the wait for each reply, timeout the whole run (-w
            // would keep sending until the count is answered).
            let one = format!(
                "timeout {} ping -n -c {n} -i 0.2 -W 1 {}",
                n + 2,
                target.expect("ping has a target")
            );
            if reply {
                format!("{one} || {one}")
            } else {
                one
            }
        }
        Cmd::RouteN => "route -n".into(),
        Cmd::IpRoute => "ip -4 route".into(),
        Cmd::Cat { path } => format!("cat {}", crate::exec::quote(path)),
        Cmd::Tcpdump { iface } => format!(
            "timeout 2 tcpdump -l -n -i {} -c 4 2>&1",
            crate::exec::quote(iface)
        ),
        Cmd::Grep { inner, .. } => node_line(inner, target, reply),
        _ => String::new(),
    }
}

/// The ping left running while another session captures: two echoes.
fn traffic(ip: Ipv4Addr) -> String {
    format!("timeout 3 ping -n -c 2 -i 0.2 -W 1 {ip}")
}

/// Keep the lines a `| grep` keeps.
fn grep(c: &Cmd, out: Vec<String>) -> Vec<String> {
    match c {
        Cmd::Grep {
            pattern,
            ignore_case,
            ..
        } => out
            .into_iter()
            .filter(|l| {
                if *ignore_case {
                    l.to_lowercase().contains(&pattern.to_lowercase())
                } else {
                    l.contains(pattern.as_str())
                }
            })
            .collect(),
        _ => out,
    }
}

struct Replayer<'a> {
    lab: &'a Lab,
    binding: Binding,
    /// The network deleted by the chapter, waiting for its apply (a deleted
    /// workload needs no note: the next apply or switch brings it back).
    net_deleted: bool,
}

fn report(p: &Planned, variant: &str) -> CommandReport {
    CommandReport {
        line: p.step.line,
        command: p.step.command.clone(),
        verdict: Verdict::Match,
        ran_on: None,
        ran: None,
        variant: variant.to_string(),
        book: p.step.output.clone(),
        lab: Vec::new(),
        bindings: Vec::new(),
        differences: Vec::new(),
        known: Vec::new(),
        reason: None,
    }
}

impl Replayer<'_> {
    /// The book's output in the lab's addresses.
    fn book_in_lab(&self, r: &mut CommandReport, pods: &[PodRef]) -> Vec<String> {
        r.book
            .iter()
            .map(|l| self.binding.text(l, self.lab, pods, &mut r.bindings))
            .collect()
    }

    fn target_ip(&self, ip: Ipv4Addr, pods: &[PodRef], notes: &mut Vec<String>) -> Ipv4Addr {
        match self.binding.ip(ip, self.lab, pods) {
            Some((lab_ip, what)) => {
                let n = format!("{ip} (book) = {what} = {lab_ip} (lab)");
                if !notes.contains(&n) {
                    notes.push(n);
                }
                lab_ip
            }
            None => ip,
        }
    }

    /// Compare what a node-level command showed with what the book shows.
    fn compare(&self, c: &Cmd, r: &mut CommandReport, pods: &[PodRef]) {
        let book = self.book_in_lab(r, pods);
        if book.iter().all(|l| l.trim().is_empty()) {
            r.reason = Some("the book shows no output for it; it ran".into());
            return;
        }
        r.differences = match c {
            Cmd::Ping { .. } => {
                compare::ping(&compare::ping_facts(&book), &compare::ping_facts(&r.lab))
            }
            Cmd::RouteN => compare::routes(&book, &r.lab),
            _ => compare::missing_in_order(&book, &r.lab),
        };
    }

    async fn run(&mut self, t: &mut dyn Target, p: &Planned, all: &[Planned]) -> CommandReport {
        let mut r = report(p, &t.variant());
        let cmd = match &p.cmd {
            Ok(c) => c.clone(),
            Err(why) => {
                r.verdict = Verdict::NotUnderstood;
                r.reason = Some(why.clone());
                return r;
            }
        };
        let pods = t.pods();
        let fail = |r: &mut CommandReport, e: String| {
            r.verdict = Verdict::Error;
            r.reason = Some(e);
        };
        match &cmd {
            Cmd::Ssh { node } => {
                if self.lab.node(node).is_none() {
                    fail(&mut r, format!("the lab has no node {node}"));
                    return r;
                }
                r.ran_on = Some(node.clone());
                r.ran = Some("hostname".into());
                match t.session().output(node, "hostname", None).await {
                    Ok(o) => {
                        r.lab = output_lines(&o);
                        if o.stdout.trim() != node {
                            r.differences.push(format!(
                                "vagrant ssh {node}: the node calls itself `{}`",
                                o.stdout.trim()
                            ));
                        }
                    }
                    Err(e) => fail(&mut r, e.to_string()),
                }
            }
            Cmd::Exit => {
                r.verdict = Verdict::Skipped;
                r.reason = Some(format!(
                    "leaves {}'s session",
                    p.node.as_deref().unwrap_or("the node")
                ));
            }
            Cmd::Ping { target, .. } if p.traffic_for.is_some() => {
                let lab_ip = self.target_ip(*target, &pods, &mut r.bindings);
                let j = p.traffic_for.unwrap_or_default();
                r.ran_on = p.node.clone();
                r.ran = Some(traffic(lab_ip));
                r.reason = Some(format!(
                    "left running in one session while another captures (line {}); it ran as that capture's traffic",
                    all[j].step.line
                ));
            }
            c @ (Cmd::Ping { .. }
            | Cmd::RouteN
            | Cmd::IpRoute
            | Cmd::Cat { .. }
            | Cmd::Tcpdump { .. }
            | Cmd::Grep { .. }) => {
                let node = p.node.clone().unwrap_or_default();
                self.node_command(t, c, &node, None, p, &mut r, &pods).await;
            }
            Cmd::Kubectl(k) => match &k.action {
                KubeAction::Exec { pod, cmd: inner } => {
                    let kind = self.binding.pods.get(pod).map(|b| b.kind.clone());
                    if kind == Some(PodKind::Flannel) || pod.starts_with("kube-flannel") {
                        match self.binding.flannel_node(pod) {
                            Ok(node) => {
                                r.bindings.push(format!(
                                    "{pod} (book) = flannel on {node} (hostNetwork: {node} itself)"
                                ));
                                self.node_command(t, inner, &node, None, p, &mut r, &pods)
                                    .await;
                            }
                            Err(e) => fail(&mut r, e),
                        }
                    } else {
                        match self.binding.lab_pod(pod, &pods) {
                            Ok(lp) => {
                                let lp = lp.clone();
                                r.bindings.push(format!(
                                    "{pod} (book) = {} pod on {} = {} (lab)",
                                    lp.app, lp.node, lp.name
                                ));
                                self.node_command(t, inner, &lp.node, Some(&lp), p, &mut r, &pods)
                                    .await;
                            }
                            Err(e) => fail(&mut r, e),
                        }
                    }
                }
                KubeAction::Logs { pod } => match self.binding.flannel_node(pod) {
                    Ok(node) => {
                        r.bindings.push(format!("{pod} (book) = flannel on {node}"));
                        // The variant's pod network plugin knows where its log is.
                        let cni = match self.lab.variant(&t.variant()) {
                            Ok(v) => v.cni.plugin(),
                            Err(e) => {
                                fail(&mut r, e.to_string());
                                return r;
                            }
                        };
                        r.ran_on = Some(node.clone());
                        r.ran = Some(format!("{} log of {node}", cni.name()));
                        match cni.log(t.session(), t.kind(), &node).await {
                            Ok(o) => {
                                r.lab = output_lines(&o);
                                self.compare(&cmd, &mut r, &pods);
                            }
                            Err(e) => fail(&mut r, e.to_string()),
                        }
                    }
                    Err(e) => fail(&mut r, e),
                },
                KubeAction::Get(g) => self.get(t, g, k.namespace.as_deref(), &mut r, &pods).await,
                KubeAction::Apply { file } => self.apply(t, file, &mut r).await,
                KubeAction::Delete { file } => self.delete(file, &mut r),
            },
            Cmd::KubeadmInit {
                advertise,
                pod_cidr,
            } => {
                r.verdict = Verdict::Skipped;
                r.reason = Some("`lab up` initialised the cluster; the addresses in the book's command were checked against the lab".into());
                let cp = self.lab.control_plane();
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
        r
    }

    /// A node-level command on `node`, or inside `pod`.
    #[allow(clippy::too_many_arguments)]
    async fn node_command(
        &self,
        t: &dyn Target,
        c: &Cmd,
        node: &str,
        pod: Option<&PodRef>,
        p: &Planned,
        r: &mut CommandReport,
        pods: &[PodRef],
    ) {
        let target = match c {
            Cmd::Ping { target, .. } => Some(self.target_ip(*target, pods, &mut r.bindings)),
            _ => None,
        };
        let reply = matches!(c, Cmd::Ping { .. }) && compare::ping_facts(&r.book).reply;
        let line = match (c, &p.traffic) {
            (Cmd::Tcpdump { iface }, Some((from, ip, _))) if from == node => {
                let lab_ip = self.target_ip(*ip, pods, &mut r.bindings);
                let traffic = traffic(lab_ip);
                r.reason = Some(format!(
                    "captured while the ping at line {} ran in another session",
                    p.traffic.as_ref().map(|t| t.2).unwrap_or(0)
                ));
                crate::probe::capture::command(iface, lab_ip, &traffic)
            }
            _ => node_line(c, target, reply),
        };
        // On VMs the book's `sudo tcpdump` needs its sudo.
        let line = if t.kind() == Kind::Vagrant && matches!(c, Cmd::Tcpdump { .. }) {
            format!("sudo sh -c {}", crate::exec::quote(&line))
        } else {
            line
        };
        r.ran = Some(line.clone());
        let out = match pod {
            Some(pod) => {
                r.ran_on = Some(format!("pod {} on {}", pod.name, pod.node));
                t.session().pod_output(pod, &line).await
            }
            None => {
                r.ran_on = Some(node.to_string());
                if matches!(c, Cmd::Ping { .. }) {
                    t.session().output_net(node, &line).await
                } else {
                    t.session().output(node, &line, None).await
                }
            }
        };
        match out {
            Ok(o) => {
                r.lab = grep(c, output_lines(&o));
                let inner = match c {
                    Cmd::Grep { inner, .. } => inner.as_ref(),
                    c => c,
                };
                self.compare(inner, r, pods);
            }
            Err(e) => {
                r.verdict = Verdict::Error;
                r.reason = Some(e.to_string());
            }
        }
    }

    async fn get(
        &self,
        t: &dyn Target,
        g: &Get,
        ns: Option<&str>,
        r: &mut CommandReport,
        pods: &[PodRef],
    ) {
        let book = Table::parse(&r.book);
        if let Err(why) = t.session().kubernetes() {
            r.verdict = Verdict::Skipped;
            r.reason = Some(format!(
                "`kubectl get` is not run: {why}; the facts of the book's table were checked against the lab"
            ));
            if let Some(b) = &book {
                r.differences = self.table_facts(g, b);
            }
            return;
        }
        let mut args: Vec<String> = vec![
            "get".into(),
            if g.what == Resource::Pods {
                "pods"
            } else {
                "nodes"
            }
            .into(),
        ];
        if g.all_namespaces {
            args.push("--all-namespaces".into());
        } else if g.what == Resource::Pods
            && let Some(ns) = ns
        {
            args.extend(["-n".into(), ns.to_string()]);
        }
        if let Some((k, v)) = &g.selector {
            args.extend(["-l".into(), format!("{k}={v}")]);
        }
        if g.wide {
            args.extend(["-o".into(), "wide".into()]);
        }
        r.ran_on = Some("kubectl".into());
        r.ran = Some(format!("kubectl {}", args.join(" ")));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match t.session().kubectl(&args).await {
            Ok(o) => {
                r.lab = output_lines(&o);
                let book_lab = self.book_in_lab(r, pods);
                match (Table::parse(&book_lab), Table::parse(&r.lab)) {
                    (Some(b), Some(l)) => r.differences = compare::tables(&b, &l),
                    (Some(_), None) => r
                        .differences
                        .push("kubectl get: the lab printed no table".into()),
                    _ => {}
                }
            }
            Err(e) => {
                r.verdict = Verdict::Error;
                r.reason = Some(e.to_string());
            }
        }
    }

    /// What a table of the book says that the lab fixes: one flannel pod per
    /// node, each on a node of the lab with that node's address; the
    /// workloads' replicas on the lab's nodes; the nodes by name and role.
    fn table_facts(&self, g: &Get, t: &Table) -> Vec<String> {
        let mut d = Vec::new();
        let node_names: Vec<&str> = self.lab.nodes.iter().map(|n| n.name.as_str()).collect();
        if g.what == Resource::Nodes {
            let mut book: Vec<&str> = t.values("NAME");
            book.sort();
            let mut lab = node_names.clone();
            lab.sort();
            if book != lab {
                d.push(format!(
                    "nodes: the book shows [{}]; the lab has [{}]",
                    book.join(", "),
                    lab.join(", ")
                ));
            }
            if let (Some(n), Some(ro)) = (t.col("NAME"), t.col("ROLES")) {
                for row in &t.rows {
                    let cp = row[ro].contains("master") || row[ro].contains("control-plane");
                    let lab_cp = self
                        .lab
                        .node(&row[n])
                        .is_some_and(|x| x.role == crate::spec::Role::ControlPlane);
                    if cp != lab_cp && self.lab.node(&row[n]).is_some() {
                        d.push(format!(
                            "nodes: the book's {} has roles {}; in the lab it is a {}",
                            row[n],
                            row[ro],
                            if lab_cp { "control plane" } else { "worker" }
                        ));
                    }
                }
            }
            return d;
        }
        let flannel = g.selector.as_ref().is_some_and(|(_, v)| v == "flannel")
            || t.values("NAME")
                .iter()
                .all(|n| n.starts_with("kube-flannel"));
        for n in t.values("NODE") {
            if !node_names.contains(&n) {
                d.push(format!(
                    "pods: the book shows a pod on {n}; the lab has no such node"
                ));
            }
        }
        if flannel {
            if t.rows.len() != self.lab.nodes.len() {
                d.push(format!("flannel: the book shows {} flannel pods; the lab has {} nodes, one flannel each", t.rows.len(), self.lab.nodes.len()));
            }
            if let (Some(ni), Some(ii)) = (t.col("NODE"), t.col("IP")) {
                for row in &t.rows {
                    if let Some(node) = self.lab.node(&row[ni])
                        && row[ii] != node.ip.to_string()
                    {
                        d.push(format!("flannel: the book's flannel pod on {} has {} (hostNetwork: the node's address); the lab's {0} has {}", row[ni], row[ii], node.ip));
                    }
                }
            }
        } else {
            let placed = self.lab.placements();
            for w in &self.lab.workloads {
                let book: Vec<&str> = t
                    .values("NAME")
                    .into_iter()
                    .filter(|n| bind::owner_of(n) == w.name)
                    .collect();
                let lab: Vec<&crate::spec::PodPlacement> =
                    placed.iter().filter(|p| p.app == w.app).collect();
                if book.is_empty() {
                    continue;
                }
                if book.len() != lab.len() {
                    d.push(format!(
                        "pods: the book shows {} pods of {}; the lab runs {}",
                        book.len(),
                        w.name,
                        lab.len()
                    ));
                }
                if let Some(ni) = t.col("NODE") {
                    let mut bn: Vec<&str> = t
                        .rows
                        .iter()
                        .filter(|r| bind::owner_of(&r[0]) == w.name)
                        .map(|r| r[ni].as_str())
                        .collect();
                    let mut ln: Vec<&str> = lab.iter().map(|p| p.node.as_str()).collect();
                    bn.sort();
                    ln.sort();
                    if bn != ln {
                        d.push(format!(
                            "pods: the book's {} pods run on [{}]; the lab's on [{}]",
                            w.name,
                            bn.join(", "),
                            ln.join(", ")
                        ));
                    }
                }
            }
        }
        d
    }

    fn manifest(
        &self,
        file: &str,
    ) -> std::result::Result<(Option<String>, Option<String>), String> {
        let name_of = |p: &std::path::Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(v) = self
            .lab
            .variants
            .iter()
            .find(|v| name_of(&v.manifest).as_deref() == Some(file))
        {
            return Ok((Some(v.name.clone()), None));
        }
        if let Some((i, _)) = self
            .lab
            .workload_files
            .iter()
            .enumerate()
            .find(|(_, f)| name_of(f).as_deref() == Some(file))
        {
            return Ok((
                None,
                self.lab
                    .workloads
                    .get(i)
                    .map(|w| w.name.clone())
                    .or(Some(file.to_string())),
            ));
        }
        Err(format!(
            "the lab has no manifest {file} (its variants' network files and workloads are in lab.yaml)"
        ))
    }

    fn delete(&mut self, file: &str, r: &mut CommandReport) {
        r.verdict = Verdict::Skipped;
        match self.manifest(file) {
            Ok((variant, _)) => self.net_deleted |= variant.is_some(),
            Err(e) => {
                r.verdict = Verdict::Error;
                r.reason = Some(e);
                return;
            }
        }
        r.reason = Some("the lab takes the workloads and the network down together, in the variant switch of the next `kubectl apply` of a network file".into());
    }

    async fn apply(&mut self, t: &mut dyn Target, file: &str, r: &mut CommandReport) {
        let note = if r.book.is_empty() {
            ""
        } else {
            "; kubectl's own message is not compared"
        };
        match self.manifest(file) {
            Ok((Some(variant), _)) => {
                r.ran_on = Some("lab".into());
                if t.variant() == variant && !self.net_deleted {
                    r.lab = vec![format!("the lab runs variant {variant} ({file})")];
                    r.reason = Some(format!("already applied{note}"));
                } else {
                    r.ran = Some(format!("switch to variant {variant}"));
                    match t.switch(&variant).await {
                        Ok(()) => {
                            r.lab = vec![format!(
                                "switched to variant {variant} ({file}): workloads and network removed, {file} applied, workloads again"
                            )];
                            r.variant = variant;
                            r.reason = Some(format!("the variant switch{note}"));
                            self.net_deleted = false;
                        }
                        Err(e) => {
                            r.verdict = Verdict::Error;
                            r.reason = Some(e.to_string());
                        }
                    }
                }
            }
            Ok((None, Some(workload))) => {
                r.ran_on = Some("lab".into());
                let app = self
                    .lab
                    .workloads
                    .iter()
                    .find(|w| w.name == workload)
                    .map(|w| (w.app.clone(), w.replicas));
                let pods = t.pods();
                let (app, replicas) = app.unwrap_or_default();
                let running: Vec<String> = pods
                    .iter()
                    .filter(|p| p.app == app)
                    .map(|p| format!("{} on {} ({})", p.name, p.node, p.ip))
                    .collect();
                r.lab = running.clone();
                if self.net_deleted {
                    r.differences.push(format!("kubectl apply -f {file}: the chapter applies workloads before a network; the lab switches networks as a whole"));
                } else if running.len() as u64 != u64::from(replicas) {
                    r.differences.push(format!(
                        "{workload}: {replicas} replicas wanted; the lab runs {}",
                        running.len()
                    ));
                }
                r.reason = Some(format!("the workload's pods are running{note}"));
            }
            Ok((None, None)) => {}
            Err(e) => {
                r.verdict = Verdict::Error;
                r.reason = Some(e);
            }
        }
    }
}

/// Replay every block of `chapter` against `target`, judged with `known`.
pub async fn replay(
    chapter: &Chapter,
    lab: &Lab,
    target: &mut dyn Target,
    known: &KnownFile,
) -> BookReport {
    let planned: Vec<(Vec<Planned>, Vec<String>)> = chapter.blocks.iter().map(plan).collect();
    let for_binding: Vec<Vec<(Step, std::result::Result<Cmd, String>)>> = planned
        .iter()
        .map(|(ps, _)| ps.iter().map(|p| (p.step.clone(), p.cmd.clone())).collect())
        .collect();
    let mut rp = Replayer {
        lab,
        binding: bind::gather(lab, &for_binding),
        net_deleted: false,
    };
    let mut blocks = Vec::new();
    for (block, (plans, prose)) in chapter.blocks.iter().zip(planned) {
        let since = std::time::Instant::now();
        let mut commands = Vec::new();
        if !block.is_shell() {
            blocks.push(BlockReport {
                line: block.line,
                end: block.end,
                fence: block.fence.clone(),
                verdict: Verdict::Skipped,
                commands,
                prose: vec![format!("a `{}` block, not commands", block.lang)],
                duration_s: 0.0,
            });
            continue;
        }
        let refused: Vec<usize> = plans
            .iter()
            .filter(|p| p.cmd.is_err())
            .map(|p| p.step.line)
            .collect();
        for p in &plans {
            if !refused.is_empty() && p.cmd.is_ok() {
                let mut r = report(p, &target.variant());
                r.verdict = Verdict::Skipped;
                r.reason = Some(format!(
                    "not run: the block has a command lab does not understand (line {})",
                    refused
                        .iter()
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                commands.push(r);
                continue;
            }
            commands.push(rp.run(target, p, &plans).await);
        }
        blocks.push(BlockReport {
            line: block.line,
            end: block.end,
            fence: block.fence.clone(),
            verdict: Verdict::Match,
            commands,
            prose,
            duration_s: crate::report::run::seconds(since.elapsed()),
        });
    }
    let mut r = BookReport {
        version: 1,
        chapter: chapter.path.display().to_string(),
        lab: lab.name.clone(),
        provider: target.kind().to_string(),
        known_file: String::new(),
        blocks,
        summary: Summary::default(),
        blessed: false,
        text: chapter.text.clone(),
    };
    judge(&mut r, known);
    r
}

/// Set each command's and block's verdict from its differences and the
/// known-drift file: a command that ran (or whose facts were checked) with
/// differences is `drift`, or `known_drift` when every difference is known.
pub fn judge(r: &mut BookReport, known: &KnownFile) {
    for b in &mut r.blocks {
        for c in &mut b.commands {
            c.known.clear();
            if c.differences.is_empty()
                || matches!(c.verdict, Verdict::Error | Verdict::NotUnderstood)
            {
                continue;
            }
            c.known = c
                .differences
                .iter()
                .map(|d| {
                    known
                        .find(b.line, d)
                        .map(|e| e.reason.clone())
                        .unwrap_or_default()
                })
                .collect();
            c.verdict = if c.known.iter().all(|k| !k.is_empty()) {
                Verdict::KnownDrift
            } else {
                Verdict::Drift
            };
        }
        b.verdict = if b.commands.is_empty() {
            Verdict::Skipped
        } else {
            b.commands
                .iter()
                .map(|c| c.verdict)
                .filter(|v| *v != Verdict::Skipped)
                .max()
                .unwrap_or(Verdict::Skipped)
        };
    }
    r.summarize();
}

#[cfg(test)]
mod tests {
    //! The vagrant path, replayed against outputs in the formats a
    //! VirtualBox run of the lab prints (kubectl 1.32, iputils, net-tools,
    //! flanneld's klog lines): no VMs run here. One scripted
    //! [`FakeSession`] per variant: switching the variant switches sessions.
    use super::*;
    use crate::book::known::KnownFile;
    use crate::session::fake::FakeSession;

    fn failed(stdout: &str) -> Output {
        Output {
            code: Some(1),
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    fn replied(stdout: &str) -> Output {
        Output {
            code: Some(0),
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    const NGINX1: &str = "nginx-deployment-6b7f6d9b8c-k2v9x";
    const NGINX2: &str = "nginx-deployment-6b7f6d9b8c-zt4mf";

    /// What the lab's VMs answer in `variant`.
    fn recorded(fixed: bool) -> FakeSession {
        let mut s = FakeSession::new();
        for (n, node) in ["master", "node1", "node2"].iter().enumerate() {
            s = s.on(node, "hostname", &format!("{node}\n")).on(
                node,
                "cat /run/flannel/subnet.env",
                &format!("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.{n}.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"),
            );
        }
        let near = "PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.061 ms\n";
        let (from_node, from_pod) = if fixed {
            (
                replied(
                    "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n64 bytes from 10.244.2.2: icmp_seq=1 ttl=63 time=0.5 ms\n",
                ),
                replied(
                    "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n64 bytes from 10.244.2.2: icmp_seq=1 ttl=62 time=0.9 ms\n",
                ),
            )
        } else {
            (
                failed(
                    "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\n\n--- 10.244.2.2 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss\n",
                ),
                failed(
                    "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Destination Net Unreachable\n",
                ),
            )
        };
        for node in ["master", "node1", "node2"] {
            s = s
                .on(
                    node,
                    "tcpdump -l -n -i flannel.1",
                    "tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\nlistening on flannel.1, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n20:55:02.971181 IP 10.244.1.0 > 10.244.2.2: ICMP echo request, id 9, seq 1, length 64\n",
                )
                .on(node, " 10.244.1.", near)
                .on_out(node, " 10.244.2.2", from_node.clone())
                .on(
                    node,
                    "route -n",
                    "Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n0.0.0.0         10.0.2.2        0.0.0.0         UG    100    0        0 enp0s3\n10.0.2.0        0.0.0.0         255.255.255.0   U     100    0        0 enp0s3\n10.100.198.0    0.0.0.0         255.255.255.0   U     0      0        0 enp0s8\n10.244.0.0      10.244.0.0      255.255.255.0   UG    0      0        0 flannel.1\n10.244.1.0      0.0.0.0         255.255.255.0   U     0      0        0 cni0\n10.244.2.0      10.244.2.0      255.255.255.0   UG    0      0        0 flannel.1\n",
                );
        }
        for pod in [NGINX1, NGINX2] {
            s = s.in_pod(pod, " 10.244.1.", replied(near)).in_pod(
                pod,
                " 10.244.2.2",
                from_pod.clone(),
            );
        }
        // Rules match by "contains", first one first: the most specific first.
        s.kubectl("--field-selector", "pod/kube-flannel-ds-8hz7q\n")
            .kubectl(
                "logs -n kube-system",
                "I1127 02:40:01.123456       1 match.go:210] Determining IP address of default interface\nI1127 02:40:01.123456       1 match.go:263] Using interface with name enp0s3 and address 10.0.2.15\nI1127 02:40:01.123456       1 match.go:281] Defaulting external address to interface address (10.0.2.15)\n",
            )
            .kubectl(
                "get pods -n kube-system -l app=flannel -o wide",
                "NAME                    READY   STATUS    RESTARTS   AGE   IP               NODE     NOMINATED NODE   READINESS GATES\nkube-flannel-ds-2xkcd   1/1     Running   0          1h    10.100.198.200   master   <none>           <none>\nkube-flannel-ds-8hz7q   1/1     Running   0          1h    10.100.198.201   node1    <none>           <none>\nkube-flannel-ds-q5l9w   1/1     Running   0          1h    10.100.198.202   node2    <none>           <none>\n",
            )
            .kubectl(
                "get pods -n kube-system -l app=flannel",
                "NAME                    READY   STATUS    RESTARTS   AGE\nkube-flannel-ds-2xkcd   1/1     Running   0          40s\nkube-flannel-ds-8hz7q   1/1     Running   0          40s\nkube-flannel-ds-q5l9w   1/1     Running   0          40s\n",
            )
            .kubectl(
                "get pods --all-namespaces -l app=flannel",
                "NAMESPACE      NAME                    READY   STATUS    RESTARTS   AGE\nkube-system    kube-flannel-ds-2xkcd   1/1     Running   0          35s\nkube-system    kube-flannel-ds-8hz7q   1/1     Running   0          35s\nkube-system    kube-flannel-ds-q5l9w   1/1     Running   0          35s\n",
            )
            .kubectl(
                "get nodes",
                "NAME     STATUS   ROLES           AGE   VERSION\nmaster   Ready    control-plane   8m    v1.32.3\nnode1    Ready    <none>          3m    v1.32.3\nnode2    Ready    <none>          3m    v1.32.3\n",
            )
            .kubectl(
                "get pods -o wide",
                "NAME                                READY   STATUS    RESTARTS   AGE   IP           NODE    NOMINATED NODE   READINESS GATES\nnginx-deployment-6b7f6d9b8c-k2v9x   1/1     Running   0          2m    10.244.1.2   node1   <none>           <none>\nnginx-deployment-6b7f6d9b8c-zt4mf   1/1     Running   0          2m    10.244.2.2   node2   <none>           <none>\n",
            )
    }

    struct RecordedLab {
        broken: FakeSession,
        fixed: FakeSession,
        variant: String,
        switches: Vec<String>,
        pods: Vec<PodRef>,
    }

    impl RecordedLab {
        /// Everything asked of the lab: the broken variant's, then the fixed one's.
        fn ran(&self) -> Vec<String> {
            let mut v = self.broken.ran();
            v.extend(self.fixed.ran());
            v
        }
    }

    #[async_trait]
    impl Target for RecordedLab {
        fn kind(&self) -> Kind {
            Kind::Vagrant
        }
        fn variant(&self) -> String {
            self.variant.clone()
        }
        fn pods(&self) -> Vec<PodRef> {
            self.pods.clone()
        }
        fn session(&self) -> &dyn Session {
            if self.variant == "fixed" {
                &self.fixed
            } else {
                &self.broken
            }
        }
        async fn switch(&mut self, variant: &str) -> Result<()> {
            self.switches.push(variant.to_string());
            self.variant = variant.to_string();
            Ok(())
        }
    }

    fn pod(name: &str, node: &str, ip: &str) -> PodRef {
        PodRef {
            name: name.into(),
            app: "nginx".into(),
            node: node.into(),
            ip: ip.parse().unwrap(),
            port: 80,
            namespace: "default".into(),
        }
    }

    #[tokio::test]
    async fn vagrant_replays_every_block_as_the_chapter_says() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let lab = crate::spec::load_file(&root.join("labs/chapter4/lab.yaml"), Default::default())
            .unwrap();
        let chapter = parse::read(&root.join("labs/chapter4/chapter.md")).unwrap();
        let mut t = RecordedLab {
            broken: recorded(false),
            fixed: recorded(true),
            variant: "broken".into(),
            switches: Vec::new(),
            pods: vec![
                pod(NGINX1, "node1", "10.244.1.2"),
                pod(NGINX2, "node2", "10.244.2.2"),
            ],
        };
        let r = replay(&chapter, &lab, &mut t, &KnownFile::default()).await;
        let v: Vec<(usize, &str)> = r
            .blocks
            .iter()
            .map(|b| (b.line, b.verdict.as_str()))
            .collect();
        // kubectl get runs on VMs: compared as tables. The book's 1.10
        // cluster named the control plane's role `master`; the recorded
        // kubectl 1.32 says `control-plane`: a drift the report names.
        assert_eq!(
            v,
            [
                (18, "skipped"),
                (31, "match"),
                (37, "match"),
                (48, "drift"),
                (61, "match"),
                (69, "match"),
                (81, "match"),
                (103, "match"),
                (116, "match"),
                (139, "drift"),
                (154, "match"),
                (169, "match"),
                (184, "skipped"),
                (194, "match"),
                (224, "match"),
                (247, "match"),
                (261, "skipped")
            ],
            "{}",
            crate::book::report::terminal(&r)
        );
        let b48 = &r.blocks.iter().find(|b| b.line == 48).unwrap().commands[0];
        assert!(
            b48.differences[0].contains("master Ready master")
                && b48.differences[0].contains("master Ready control-plane"),
            "{:?}",
            b48.differences
        );
        let calls = t.ran();
        // Everything ran on the lab's machines, in its pods or with kubectl,
        // in shapes lab builds itself.
        for call in &calls {
            let place = call.split(':').next().unwrap_or_default();
            assert!(
                ["master", "node1", "node2"].contains(&place)
                    || place.starts_with("pod nginx-deployment-")
                    || call.starts_with("kubectl "),
                "{call}"
            );
            assert!(
                !call.contains("rm -rf") && !call.contains("./admin.conf"),
                "{call}"
            );
        }
        assert_eq!(t.switches, ["fixed"]);
        assert!(
            calls
                .iter()
                .any(|c| c.starts_with("kubectl get pods -n kube-system -l app=flannel")),
            "{calls:#?}"
        );
        assert!(
            calls
                .iter()
                .any(|c| c.starts_with("kubectl logs -n kube-system pod/kube-flannel-ds-")),
            "{calls:#?}"
        );
        assert!(
            calls
                .iter()
                .any(|c| c.starts_with("node1: sudo sh -c") && c.contains("tcpdump")),
            "{calls:#?}"
        );
        assert!(
            calls
                .iter()
                .any(|c| c.starts_with(&format!("pod {NGINX1}: ")) && c.contains("ping")),
            "{calls:#?}"
        );
    }
}
