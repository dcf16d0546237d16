//! What the reader no longer has. After the chapter's `kubectl delete -f`
//! of a workload file, and until it applies that file again, the reader has
//! none of its pods (of a network file, until one is applied again: none
//! of the pod network's, [`Replayer::network_gone_after`]); after `vagrant
//! destroy`, no machine at all; after a
//! line lab does not understand that may change things ([`super::setup`]),
//! nothing lab can vouch for. The lab
//! keeps its own (it switches networks as a whole, and tears down only when
//! the run ends), so a command on what the reader deleted would compare the
//! lab's pods with a book the reader cannot reproduce: a `match` there is a
//! false green, a difference a false red. Such a command is skipped, saying
//! why, except what the reader meets for certain: an `exec` or `logs` of a
//! deleted pod fails (`NotFound`, after kubectl's own refusal of its form),
//! and a table that shows the deleted pods alive is not what kubectl
//! prints ([`crate::book::coherence_deleted`]): both drift (probe21bh,
//! finding 2).

use super::Replayer;
use super::plan::Planned;
use crate::book::CommandReport;
use crate::book::bind::{PodKind, kind_of, next_ipv4, owner_of};
use crate::book::recognize::{Cmd, KubeAction, Kubectl};
use crate::session::PodRef;

/// How a reason ends that stops the rest of the chapter from being
/// compared (the terminal says it once, where it starts).
pub const STOPPED: &str = "nothing after it is compared";

/// A line after which nothing of the chapter is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stop {
    /// `vagrant destroy`: the reader has no machine left, until the
    /// `vagrant up` at line `up`, which makes new ones
    /// ([`super::destroyed`]).
    Destroyed { up: Option<usize> },
    /// A line lab does not understand that may change what the reader has
    /// ([`super::setup::effect`]); the line as written.
    Unseen(String),
    /// A change the prose tells the reader to type and no block near it
    /// shows ([`super::prose`]): the code as the page shows it, and the
    /// line of the first command after it, which fails for it (a stop
    /// alone skips what follows, and a chapter that matched before it
    /// passed: probe21q).
    Prose {
        command: String,
        charged: Option<usize>,
    },
}

/// What the reader sees of a span lab read [`crate::book::lookalike::fold`]ed
/// (probe21aj, finding 3), where that is not what it holds: ` (the line
/// holds …: the reader sees `sudo …`)`.
fn seen_as(command: &str) -> String {
    use crate::book::lookalike::{DISGUISED, disguised, fold};
    match disguised(command) {
        true if crate::book::lookalike::quoted_program(command).is_some() => {
            format!(" ({})", crate::book::lookalike::QUOTED)
        }
        true if fold(command) == command => format!(
            " ({DISGUISED}: its program's name holds {})",
            crate::book::lookalike::named_foreign(command)
        ),
        true => format!(" ({DISGUISED}: the reader sees `{}`)", fold(command)),
        false => String::new(),
    }
}

/// A workload the reader's pods of are not the lab's: deleted at `line`
/// (and not applied again), or applied at `line` into `namespace`, where
/// the lab runs none of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GoneWorkload {
    pub line: usize,
    pub namespace: Option<String>,
}

impl Replayer<'_> {
    /// The workloads a `kubectl delete -f` of the chapter removed (by
    /// name), with its line; an apply of the file brings them back.
    pub(super) fn workload_deleted(&mut self, workload: &str, line: usize) {
        self.gone_workloads
            .entry(workload.to_string())
            .or_insert(GoneWorkload {
                line,
                namespace: None,
            });
    }

    /// A workload the chapter applied with `-n NS` into a namespace where
    /// the lab runs none of it (its objects name none, so the reader's
    /// pods are NS's): the reader's pods are not the lab's.
    pub(super) fn workload_elsewhere(&mut self, workload: &str, line: usize, namespace: &str) {
        self.gone_workloads.insert(
            workload.to_string(),
            GoneWorkload {
                line,
                namespace: Some(namespace.to_string()),
            },
        );
    }

    pub(super) fn workload_applied(&mut self, workload: &str) {
        self.gone_workloads.remove(workload);
    }

    /// The difference of the command at `line` when it is the first after
    /// a change told outside a shell block ([`Stop::Prose`]): it drifts
    /// there, so the chapter fails, unless the author blessed it (the
    /// sentence names no line, so that an edit above keeps the blessing).
    /// Only the stop that skips it counts (nothing after the first stop is
    /// compared, so a later one charges nothing).
    pub(super) fn charged(&self, line: usize) -> Option<String> {
        match self.stop_before(line)? {
            (
                _,
                Stop::Prose {
                    command,
                    charged: Some(c),
                },
            ) if *c == line => Some(format!(
                "the text before it tells the reader to run `{command}`{}, which no shell block of the chapter shows there: lab cannot replay what follows",
                seen_as(command)
            )),
            _ => None,
        }
    }

    /// The first stop before `line` (the chapter's order), which skips it.
    pub(super) fn stop_before(&self, line: usize) -> Option<&(usize, Stop)> {
        self.stops.iter().find(|(l, _)| *l < line)
    }

    /// Why the command, before it runs, is about something the reader no
    /// longer has (`None`: it is not): a deleted pod it names, or the state
    /// of a node those pods kept (`pods`: the lab's, which it keeps).
    pub(super) fn gone_before(&self, p: &Planned, pods: &[PodRef]) -> Option<String> {
        if let Some((line, stop)) = self.stop_before(p.step.line) {
            return Some(match stop {
                Stop::Destroyed { up } => super::destroyed::reason(*line, *up, p.step.line),
                Stop::Unseen(command) => format!(
                    "line {line} (`{command}`), which lab does not understand, may change what the reader has, and the lab never saw it: {STOPPED}"
                ),
                Stop::Prose { command, .. } => format!(
                    "the text at line {line} tells the reader to run `{command}`{}, which no shell block of the chapter shows there: it may change what the reader has, and the lab never saw it: {STOPPED}",
                    seen_as(command)
                ),
            });
        }
        if self.gone_workloads.is_empty() || changes_the_lab(p) {
            return None;
        }
        // An `exec`/`logs` of a deleted pod fails for the reader: it is
        // replayed as such ([`super::Replayer::pod_deleted`]).
        if let Ok(Cmd::Kubectl(Kubectl {
            action: KubeAction::Exec { pod, .. } | KubeAction::Logs { pod },
            ..
        })) = &p.cmd
            && self.pod_deleted(pod, p.step.line).is_some()
        {
            return None;
        }
        // A `get pods` table runs: its deleted workload's rows are set
        // aside after it ran and the rest compared ([`super::gone_rows`];
        // probe21bt finding 1: nginx's `Terminating` rows, which a reader
        // sees right after the delete, had the whole table skipped before
        // it ran, flannel's `CrashLoopBackOff` rows with it). Those rows
        // themselves are the book's coherence's to judge.
        let listing = matches!(
            &p.cmd,
            Ok(Cmd::Kubectl(Kubectl {
                action: KubeAction::Get(g),
                ..
            })) if g.what == crate::book::recognize::Resource::Pods
        );
        let output: &[String] = if listing { &[] } else { &p.step.output };
        let words = p
            .step
            .command
            .split(|c: char| c.is_whitespace() || c == '/');
        for w in words.chain(output.iter().flat_map(|l| l.split_whitespace())) {
            if let Some(why) = self.book_pod_gone(w) {
                return Some(why);
            }
        }
        if let Some(why) = self.node_state_gone(p, pods) {
            return Some(why);
        }
        let text =
            std::iter::once(p.step.command.as_str()).chain(output.iter().map(String::as_str));
        for t in text {
            let mut rest = t;
            while let Some((start, end)) = next_ipv4(rest) {
                if let Some(why) = rest[start..end]
                    .parse()
                    .ok()
                    .and_then(|ip| self.book_ip_gone(ip))
                {
                    return Some(why);
                }
                rest = &rest[end..];
            }
        }
        None
    }

    /// Why the command, having run, showed the lab's pods of a workload the
    /// reader deleted (a `get pods` listing them).
    pub(super) fn gone_after(&self, r: &CommandReport, pods: &[PodRef]) -> Option<String> {
        // A table whose deleted workload's rows were set aside is compared
        // on the rest ([`super::gone_rows`]).
        if self.gone_workloads.is_empty()
            || r.why
                .iter()
                .any(|w| w.starts_with(super::gone_rows::SET_ASIDE))
        {
            return None;
        }
        for (workload, gone) in &self.gone_workloads {
            let Some(app) = self.app_of(workload) else {
                continue;
            };
            let shown = pods.iter().filter(|p| p.app == app).find(|p| {
                let ip = p.ip.to_string();
                r.lab
                    .iter()
                    .any(|l| l.split_whitespace().any(|w| w == p.name || w == ip))
            });
            if let Some(p) = shown {
                return Some(self.gone_reason(
                    workload,
                    gone,
                    &format!("the lab's output shows its pod {}", p.name),
                ));
            }
        }
        None
    }

    /// Why the command, having run, showed the lab's pods of the pod
    /// network the chapter deleted and has not applied again (a `get
    /// pods` listing them): as for a deleted workload's ([`Self::gone_after`]),
    /// the reader's kubectl lists them `Terminating`, then none, while the
    /// lab keeps its own until its next switch, so nothing of it is
    /// compared (probe21bk, wrong red 1: flannel's pods shown
    /// `Terminating` or `No resources found` drifted against the lab's
    /// running ones, where nginx's passed). A table that shows them alive
    /// still drifts ([`crate::book::coherence_deleted`]).
    pub(super) fn network_gone_after(&self, p: &Planned, r: &CommandReport) -> Option<String> {
        let (line, file) = self.net_deleted.as_ref()?;
        if r.why
            .iter()
            .any(|w| w.starts_with(super::gone_rows::SET_ASIDE))
        {
            return None;
        }
        let Ok(Cmd::Kubectl(Kubectl {
            action: KubeAction::Get(_),
            ..
        })) = &p.cmd
        else {
            return None;
        };
        let pod = r
            .lab
            .iter()
            .flat_map(|l| l.split_whitespace())
            .find(|w| kind_of(self.lab, w) == PodKind::Flannel)?;
        Some(format!(
            "the chapter deleted the pod network (`kubectl delete -f {file}`, line {line}) and has not applied a network file again: the reader has none of its pods, the lab keeps its own (the lab's output shows its pod {pod}); nothing of it is compared"
        ))
    }

    /// A node's routes (and a capture on its bridge or a pod's veth) as
    /// its deleted pods left them: the reader's `cni0` may have no port
    /// left (no carrier: its route `linkdown`, its captures silent) or
    /// another pod's (the reader's CoreDNS may run there), while the lab's
    /// keeps the lab's pods. Which node: the `vagrant ssh` session's, or a
    /// flannel pod's (`hostNetwork`: its node's).
    fn node_state_gone(&self, p: &Planned, pods: &[PodRef]) -> Option<String> {
        let (node, cmd) = match &p.cmd {
            Ok(Cmd::Kubectl(Kubectl {
                action: KubeAction::Exec { pod, cmd },
                ..
            })) => (self.binding.flannel_node(pod).ok()?, cmd.as_ref()),
            Ok(c) => (p.node.clone()?, c),
            Err(_) => return None,
        };
        let shaped = |c: &Cmd| match c {
            Cmd::IpRoute => true,
            Cmd::Tcpdump { iface } => iface == "cni0" || iface.starts_with("veth"),
            _ => false,
        };
        let shaped = match cmd {
            Cmd::Grep { inner, .. } => shaped(inner),
            c => shaped(c),
        };
        if !shaped {
            return None;
        }
        self.gone_workloads.iter().find_map(|(workload, gone)| {
            let app = self.app_of(workload)?;
            pods.iter().any(|p| p.app == app && p.node == node).then(|| {
                self.gone_reason(workload, gone,
                    &format!(
                        "its pods on {node}: the reader's {node} may have none left on cni0, or another's, so its routes' `linkdown` and its bridge's traffic are not the lab's"
                    ),
                )
            })
        })
    }

    pub(super) fn app_of(&self, workload: &str) -> Option<&str> {
        self.lab
            .workloads
            .iter()
            .find(|w| w.name == workload)
            .map(|w| w.app.as_str())
    }

    fn gone_reason(&self, workload: &str, gone: &GoneWorkload, what: &str) -> String {
        let line = gone.line;
        match &gone.namespace {
            None => format!(
                "the chapter deleted {workload} (`kubectl delete -f`, line {line}) and has not applied it again: the reader has none of its pods, the lab keeps its own ({what}); nothing of it is compared"
            ),
            Some(ns) => format!(
                "the chapter applied {workload} into namespace {ns} (line {line}), where the lab runs none of it: the reader's pods are not the lab's ({what}); nothing of it is compared"
            ),
        }
    }

    /// A book pod name (or a word ending in one) of a deleted workload.
    fn book_pod_gone(&self, word: &str) -> Option<String> {
        let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-');
        if word.is_empty() {
            return None;
        }
        for (workload, gone) in &self.gone_workloads {
            let app = self.app_of(workload);
            let bound = self.binding.pods.get(word).is_some_and(
                |p| matches!(&p.kind, PodKind::Workload { app: a } if Some(a.as_str()) == app),
            );
            if bound || (word != workload && owner_of(word) == workload) {
                return Some(self.gone_reason(workload, gone, &format!("the book's pod {word}")));
            }
        }
        None
    }

    /// A book address of a pod of a deleted workload.
    fn book_ip_gone(&self, ip: std::net::Ipv4Addr) -> Option<String> {
        for (workload, gone) in &self.gone_workloads {
            let app = self.app_of(workload);
            let pod = self.binding.pods.iter().find(|(_, p)| {
                p.ip == Some(ip)
                    && matches!(&p.kind, PodKind::Workload { app: a } if Some(a.as_str()) == app)
            });
            if let Some((name, _)) = pod {
                return Some(self.gone_reason(
                    workload,
                    gone,
                    &format!("{ip} is the book's pod {name}"),
                ));
            }
        }
        None
    }
}

/// The chapter's stops, with their lines, in the chapter's order: its
/// `vagrant destroy`, the lines lab does not understand that may change
/// what the reader has, and the changes its prose tells the reader to type
/// that no block shows ([`super::prose`]).
pub(super) fn stops(
    chapter: &crate::book::parse::Chapter,
    planned: &[(Vec<Planned>, Vec<String>)],
) -> Vec<(usize, Stop)> {
    use super::setup::{Effect, effect};
    // A block that is not a shell's (a manifest in a `yaml` block) types
    // nothing (probe21q), but a line at a prompt in one is typed (a `text`
    // or `terminal` block's `$ sudo ip link set cni0 down`, probe21s).
    // Such a line is never run; it fails at its own line
    // ([`super::unread_prompts`]), so its stop charges no later command.
    let prompted = |p: &&Planned| crate::book::parse::after_prompt(&p.step.written).is_some();
    let mut stops: Vec<(usize, Stop)> = planned
        .iter()
        .zip(&chapter.blocks)
        .flat_map(|((ps, _), b)| {
            ps.iter()
                .filter(move |p| b.is_shell() || prompted(p))
                .map(move |p| (p, b.is_shell()))
        })
        .filter_map(|(p, shell)| match &p.cmd {
            Ok(Cmd::VagrantDestroy) if shell => Some((
                p.step.line,
                Stop::Destroyed {
                    up: super::destroyed::up_after(
                        p.step.line,
                        planned.iter().flat_map(|(ps, _)| ps),
                    ),
                },
            )),
            Err(_) | Ok(_) if !shell && super::prose::tells_a_change(&p.step.command) => Some((
                p.step.line,
                Stop::Prose {
                    command: p.step.command.clone(),
                    charged: None,
                },
            )),
            Err(_) if effect(&p.step.command) == Effect::Changes => {
                Some((p.step.line, Stop::Unseen(p.step.command.clone())))
            }
            _ => None,
        })
        .chain(super::prose::stops(chapter, planned))
        .collect();
    stops.sort_by_key(|(line, _)| *line);
    stops
}

/// The chapter's own changes (an apply or delete, the destroy) are never
/// about what it deleted: they are what deletes and brings back.
fn changes_the_lab(p: &Planned) -> bool {
    matches!(
        &p.cmd,
        Ok(Cmd::VagrantDestroy | Cmd::Ssh { .. } | Cmd::Exit)
            | Ok(Cmd::Kubectl(Kubectl {
                action: KubeAction::Apply { .. } | KubeAction::Delete { .. },
                ..
            }))
    )
}
