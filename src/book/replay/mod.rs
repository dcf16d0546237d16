//! Replaying a chapter as its reader types it: every block in the chapter's
//! order, every command in the block's order and state (`vagrant ssh node1`
//! … `exit`; a variant switched by `kubectl delete`/`apply` of its network
//! file). Recognition ([`super::recognize`]) is the safety gate: a block
//! with one command that is not understood, or that would run outside the
//! lab, runs not at all. What runs is the book's line, with the book's
//! names and addresses the lab cannot make equal bound to the lab's, and a
//! deadline added where the book's command never ends by itself; each
//! rewrite is said in the command's `why`.
//!
//! What runs where, for both providers:
//! - `vagrant ssh NODE` enters NODE (`hostname` is asked and compared);
//! - lines typed inside it run on that node as typed ([`node`]): `ping`,
//!   `route -n`, `ip route`, `cat`, `sudo tcpdump`, a `| grep` (grepped
//!   with the lab's bound value); a `ping` without `-c` left running while
//!   "another session" captures is the capture's traffic (not compared);
//! - every `kubectl` line goes to the real kubectl of the lab's pinned
//!   minor, as typed ([`kubectl`]): against the cluster on vagrant, against
//!   an endpoint that refuses connections on netns, where what kubectl
//!   refuses is drift in its words and what it accepts did not run; the
//!   line's meaning then runs in the lab (the command of an `exec` in the
//!   pod bound to it, a flannel pod's on its node; the log; a variant
//!   switch; a table compared with what the lab observes, [`tables`]).
//!
//! Nothing is `match` that did not run or where nothing was compared.

mod budget;
mod command_report;
mod destroyed;
mod gone;
mod gone_reach;
mod gone_rows;
mod image;
mod judgeable;
mod kubeadm_failure;
mod kubeadm_join_advice;
mod kubeadm_output;
mod kubeadm_rows;
mod kubeconfig_made;
mod kubectl;
mod login;
mod manifest;
mod manifest_messages;
mod node;
mod node_compare;
mod output_blocks;
mod plan;
mod pod_none_columns;
mod prose;
pub mod reading;
mod reads;
mod refusal;
mod remark_answers;
mod remark_below;
mod remark_claims;
mod remark_lists;
mod remark_notes;
mod remark_pods;
mod remark_title;
mod remark_words;
mod remarks;
mod root_needed;
mod run_command;
mod servers;
mod setup;
mod shown_diff;
mod shown_documents;
mod shown_manifest;
mod stopped_nodes;
mod swallowed;
mod tables;
mod target;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_below;
#[cfg(test)]
mod tests_curl;
#[cfg(test)]
mod tests_cut;
#[cfg(test)]
mod tests_destroyed;
#[cfg(test)]
mod tests_drift;
#[cfg(test)]
mod tests_exec_exit;
#[cfg(test)]
mod tests_fuzz;
#[cfg(test)]
mod tests_gone;
#[cfg(test)]
mod tests_rebind;
#[cfg(test)]
mod tests_split;
#[cfg(test)]
mod tests_stopped;
#[cfg(test)]
mod tests_tables;
mod unread_prompts;
mod went_on;

use command_report::{fail, report};

pub use gone::STOPPED;
pub use kubectl::chapter_lines;
pub use target::{
    ApplyOnly, DEADLINE, KubectlRun, LiveTarget, Said, Switching, Target, book_files, kubeconfig_of,
};

use super::bind::{self, Binding};
use super::known::KnownFile;
use super::output_below;
use super::parse::{Chapter, Step};
use super::recognize::Cmd;
use super::{BlockReport, BookReport, CommandReport, Summary, Verdict};
use crate::provider::PodRef;
use crate::session::Output;
use crate::spec::Lab;
use plan::{Planned, plan_chapter_in};

/// The most commands of a block that run at once.
const AT_ONCE: usize = 8;

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

fn output_lines(o: &Output) -> Vec<String> {
    lines(&o.text())
}

struct Replayer<'a> {
    lab: &'a Lab,
    binding: Binding,
    /// The network deleted by the chapter, waiting for its apply (a deleted
    /// workload needs no note: the next apply or switch brings it back):
    /// the line of its `delete -f` and the file.
    net_deleted: Option<(usize, String)>,
    /// The workloads whose pods the reader no longer has as the lab has
    /// them, by name ([`gone`]).
    gone_workloads: std::collections::BTreeMap<String, gone::GoneWorkload>,
    /// The lines after which nothing is compared ([`gone::stops`]; kubectl
    /// refusing an unseen line takes it out: the reader's line failed).
    stops: Vec<(usize, gone::Stop)>,
    /// The lab's round-trip time, measured once (by the checks of the same
    /// run, or by the first ping that waits for a reply expected not to
    /// come).
    rtt: crate::probe::deadline::Rtt,
    /// kubectl's messages under each `apply|delete -f` line, by chapter
    /// line ([`manifest_messages`]).
    messages: std::collections::BTreeMap<usize, Vec<manifest_messages::Message>>,
    /// The file names of the kubeconfigs the reader has ([`kubeconfig_made`]).
    kubeconfigs: Vec<String>,
}

impl Replayer<'_> {
    /// The generation of the book's pods at this command.
    fn epoch(&self, p: &Planned) -> usize {
        self.binding.epoch(p.step.line)
    }

    /// The book's output in the lab's addresses.
    fn book_in_lab(&self, r: &mut CommandReport, epoch: usize, pods: &[PodRef]) -> Vec<String> {
        r.book
            .iter()
            .map(|l| self.binding.text(l, epoch, self.lab, pods, &mut r.bindings))
            .collect()
    }

    /// The lab's address for a book address, noting the binding.
    fn target_ip(
        &self,
        ip: std::net::Ipv4Addr,
        epoch: usize,
        pods: &[PodRef],
        notes: &mut Vec<String>,
    ) -> std::net::Ipv4Addr {
        match self.binding.ip(ip, epoch, self.lab, pods) {
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
}

/// Replay every block of `chapter` against `target`, judged with `known`.
pub async fn replay(
    chapter: &Chapter,
    lab: &Lab,
    target: &mut dyn Target,
    known: &KnownFile,
) -> BookReport {
    replay_only(chapter, lab, target, known, None).await
}

/// [`replay`] of the blocks opening at the lines `only` (all when None),
/// the book's names bound from the whole chapter (`lab book --watch`),
/// within the replay's [`budget::BUDGET`].
pub async fn replay_only(
    chapter: &Chapter,
    lab: &Lab,
    target: &mut dyn Target,
    known: &KnownFile,
    only: Option<&[usize]>,
) -> BookReport {
    replay_within(chapter, lab, target, known, only, &budget::BUDGET).await
}

/// [`replay_only`], each block and the chapter within `budget`.
async fn replay_within(
    chapter: &Chapter,
    lab: &Lab,
    target: &mut dyn Target,
    known: &KnownFile,
    only: Option<&[usize]>,
    budget: &budget::Budget,
) -> BookReport {
    let roles = output_below::roles(chapter);
    let planned = plan_chapter_in(chapter, &roles);
    let for_binding: Vec<Vec<(Step, std::result::Result<Cmd, String>)>> = planned
        .iter()
        .map(|(ps, _)| ps.iter().map(|p| (p.step.clone(), p.cmd.clone())).collect())
        .collect();
    let mut rp = Replayer {
        lab,
        binding: bind::gather(lab, &for_binding),
        net_deleted: None,
        gone_workloads: Default::default(),
        stops: gone::stops(chapter, &planned),
        rtt: target.rtt(),
        messages: manifest_messages::expected(lab, &for_binding),
        kubeconfigs: kubeconfig_made::known(&for_binding),
    };
    let mut r = BookReport {
        version: crate::report::book_section::VERSION,
        chapter: chapter.path.display().to_string(),
        lab: lab.name.clone(),
        provider: target.kind().to_string(),
        known_file: String::new(),
        blocks: Vec::new(),
        summary: Summary::default(),
        stale: Vec::new(),
        blessed: false,
        kubectl_matrix: None,
        verdict: None,
        text: chapter.text.clone(),
    };
    let total = chapter.blocks.len();
    let (started, phases_at_start) = (std::time::Instant::now(), target.run_phases());
    for ((block, (plans, prose)), role) in chapter.blocks.iter().zip(planned).zip(&roles) {
        if only.is_some_and(|o| !o.contains(&block.line)) {
            continue;
        }
        let blocks = &mut r.blocks;
        let since = std::time::Instant::now();
        let run_phases = target.run_phases();
        let mut commands = Vec::new();
        if let Some(mut b) = output_blocks::report(block, role, &plans, &target.variant()) {
            if matches!(
                role,
                output_below::Role::Alone | output_below::Role::Apart(_)
            ) {
                // A manifest or patch it shows, against the lab's file.
                let shown = shown_manifest::judge(chapter, block, lab, &target.variant());
                b.commands.extend(shown.commands);
                if let Some(why) = shown.reason {
                    b.prose = vec![why];
                }
                if !b.commands.is_empty() {
                    b.verdict = Verdict::NotUnderstood;
                }
            }
            blocks.push(b);
            progress(target, &r, known, total);
            continue;
        }
        // A kubectl line lab does not understand that kubectl refuses is
        // the reader's failing command, not a shape lab cannot judge: it is
        // reported as kubectl's refusal and does not stop its block.
        let judged: Vec<Option<CommandReport>> = {
            let (rp, target) = (&rp, &*target);
            futures::future::join_all(plans.iter().map(|p| async move {
                let why = p.cmd.as_ref().err()?;
                let mut r = report(p, &target.variant());
                r.verdict = Verdict::NotUnderstood;
                r.reason = Some(why.clone());
                (rp.judge_unrecognised(target, p, &mut r).await || r.kubectl.is_some()).then_some(r)
            }))
            .await
        };
        let mut judged = judged;
        for (p, c) in plans.iter().zip(judged.iter_mut()) {
            if let Some(c) = c {
                swallowed::check(p, c);
                rp.stop_at_swallowed(p, c);
            }
        }
        // A line kubectl refuses fails for the reader: it changes nothing.
        for c in judged.iter().flatten() {
            if c.kubectl
                .as_ref()
                .is_some_and(|k| k.outcome == crate::book::KubectlOutcome::Refused)
            {
                rp.stops.retain(|(l, _)| *l != c.line);
            }
        }
        let refused: Vec<usize> = plans
            .iter()
            .zip(&judged)
            .filter(|(p, j)| {
                p.cmd.is_err()
                    && j.as_ref()
                        .is_none_or(|c| c.verdict == Verdict::NotUnderstood)
            })
            .map(|(p, _)| p.step.line)
            .collect();
        // The commands that run: in the block's order, those between two
        // that run alone ([`Replayer::alone`]) at once.
        let mut todo: Vec<&Planned> = Vec::new();
        let mut slots: Vec<Option<CommandReport>> = Vec::new();
        for (p, judged) in plans.iter().zip(judged) {
            if let Some(c) = judged {
                slots.push(Some(c));
                continue;
            }
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
                slots.push(Some(r));
                continue;
            }
            todo.push(p);
            slots.push(None);
        }
        // Whether each runs alone, asked once (it reads its output's lines).
        let alone: Vec<bool> = todo.iter().map(|p| Replayer::alone(p)).collect();
        let mut ran = Vec::new();
        let mut at = 0;
        while at < todo.len() {
            let ours = |since: std::time::Instant, phases| {
                since
                    .elapsed()
                    .saturating_sub(target.run_phases().saturating_sub(phases))
            };
            if let Some(why) = budget.spent(ours(since, run_phases), ours(started, phases_at_start))
            {
                for p in &todo[at..] {
                    let mut r = report(p, &target.variant());
                    fail(&mut r, why.clone());
                    ran.push(r);
                }
                break;
            }
            if alone[at] {
                ran.push(rp.run_alone(target, todo[at], &plans).await);
                at += 1;
                continue;
            }
            let end = (at..todo.len()).find(|&i| alone[i]).unwrap_or(todo.len());
            let (rp, t, plans) = (&rp, &*target, &plans);
            // The budget is asked again as each command of the group starts
            // (probe21bz: a group of thousands ran to its end, past it).
            let over = || budget.spent(ours(since, run_phases), ours(started, phases_at_start));
            // A few at a time, in the block's order: each holds up to its
            // output cap (8 MiB) while it runs, and a block may hold thousands
            // of commands (40 `cat`s of a large file at once took 206 MB).
            use futures::StreamExt;
            let group: Vec<CommandReport> =
                futures::stream::iter(todo[at..end].iter().map(|p| async move {
                    if let Some(why) = over() {
                        let mut r = report(p, &t.variant());
                        fail(&mut r, why);
                        return r;
                    }
                    rp.run(t, p, plans).await.0
                }))
                .buffered(AT_ONCE)
                .collect()
                .await;
            ran.extend(group);
            at = end;
        }
        let mut ran = ran.into_iter();
        commands.extend(slots.into_iter().filter_map(|s| s.or_else(|| ran.next())));
        login::login_alone(&plans, &mut commands);
        output_blocks::note(role, &mut commands);
        crate::book::caps::cap(&mut commands, blocks);
        if let Some(stopped) = target.stopped_nodes() {
            stopped_nodes::mark(&mut commands, &stopped);
        }
        let cuts: Vec<(usize, usize)> = plans
            .iter()
            .filter(|p| p.step.cut > 0)
            .map(|p| (p.step.line, p.step.cut))
            .collect();
        crate::book::caps::output_cut(&mut commands, |line| {
            cuts.iter().find(|(l, _)| *l == line).map_or(0, |(_, n)| *n)
        });
        blocks.push(BlockReport {
            line: block.line,
            end: block.end,
            fence: block.fence.clone(),
            verdict: Verdict::Match,
            commands,
            prose,
            // The chapter's own time: a switch's checks of the run are not.
            duration_s: crate::report::run::seconds(
                since
                    .elapsed()
                    .saturating_sub(target.run_phases().saturating_sub(run_phases)),
            ),
        });
        progress(target, &r, known, total);
    }
    crate::book::judge::judge(&mut r, known);
    r
}

/// The last block of `so_far` as progress, judged with the blocks so far.
fn progress(target: &dyn Target, so_far: &BookReport, known: &KnownFile, total: usize) {
    let Some(rep) = target.reporter() else { return };
    let mut judged = BookReport {
        text: String::new(),
        ..so_far.clone()
    };
    crate::book::judge::judge(&mut judged, known);
    let Some(b) = judged.blocks.last() else {
        return;
    };
    rep.emit(crate::report::Event::BookBlock {
        line: b.line,
        command: b.first_command().to_string(),
        verdict: b.verdict,
        elapsed: std::time::Duration::from_secs_f64(b.duration_s.max(0.0)),
        done: judged.blocks.len(),
        total,
    });
}
