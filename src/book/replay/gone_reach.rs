//! A ping or curl to the address of a pod the chapter deleted (probe21bm,
//! finding 1). After the chapter's `kubectl delete -f` of a workload, and
//! until it applies that file again, the reader has none of its pods; the
//! lab keeps its own, so such a line is not run ([`super::gone`]). What
//! the reader's line gets there is not the lab's to say, but one thing is
//! certain: no pod of that workload answers at its old address. A book
//! that shows a reply (a ping's `bytes from`, its statistics counting one,
//! a curl's page) or a remark that claims one (`(across node, works)`)
//! says what the reader never sees: a difference, whatever the lab runs.
//! A line that shows no reply is left uncompared (the reader's address may
//! be anyone's by now, or no one's).
//!
//! The other address lab cannot bind is one the book may give a pod it
//! shows without its address (a `get pods` table with no IP column): a
//! ping or curl to it is not understood ([`Replayer::unshown_reach`]).

use super::Replayer;
use super::plan::Planned;
use crate::book::CommandReport;
use crate::book::bind::PodKind;
use crate::book::recognize::{Cmd, KubeAction, Kubectl};
use std::net::Ipv4Addr;

/// The address a reaching command (a ping, a curl; in an `exec`'s pod or
/// piped to grep) reaches, with the command itself.
pub(super) fn reached(cmd: &Cmd) -> Option<(Ipv4Addr, &Cmd)> {
    match cmd {
        Cmd::Ping { target, .. } => Some((*target, cmd)),
        Cmd::Curl(c) => Some((c.ip, cmd)),
        Cmd::Grep { inner, .. } => reached(inner),
        Cmd::Kubectl(Kubectl {
            action: KubeAction::Exec { cmd, .. },
            ..
        }) => reached(cmd),
        _ => None,
    }
}

/// A deleted pod an address was the book's: the workload, its delete's
/// line and the pod's name.
pub(super) struct DeletedAt {
    pub workload: String,
    pub line: usize,
    pub pod: String,
}

impl Replayer<'_> {
    /// The pod of a workload the chapter deleted (and has not applied
    /// again) that had book address `ip`, if one.
    pub(super) fn deleted_pod_at(&self, ip: Ipv4Addr) -> Option<DeletedAt> {
        self.gone_workloads
            .iter()
            .filter(|(_, gone)| gone.namespace.is_none())
            .find_map(|(workload, gone)| {
                let app = self.app_of(workload)?;
                let (name, _) = self.binding.pods.iter().find(|(_, p)| {
                    p.ip == Some(ip) && matches!(&p.kind, PodKind::Workload { app: a } if a == app)
                })?;
                Some(DeletedAt {
                    workload: workload.clone(),
                    line: gone.line,
                    pod: name.clone(),
                })
            })
    }

    /// Check a ping or curl that `p` aims at a deleted pod's address (and
    /// that is skipped for it): a reply its book output shows, or one its
    /// remark claims, is a difference of `r` (its other remark claims are
    /// checked against the book's tables as on any line).
    ///
    /// Not after a stop ([`Self::stop_before`]): from there lab follows no
    /// apply or delete of the chapter, so what it last knew deleted may be
    /// back for the reader (probe21bp, lesser 2: the pings after a `wget`
    /// lab does not read drifted, "nothing the chapter applied since makes
    /// it again", above the apply that does).
    pub(super) fn reach_of_deleted(&self, p: &Planned, r: &mut CommandReport) {
        if self.stop_before(p.step.line).is_some() {
            return;
        }
        let Some((ip, cmd)) = p.cmd.as_ref().ok().and_then(reached) else {
            return;
        };
        let Some(d) = self.deleted_pod_at(ip) else {
            return;
        };
        let gone = format!(
            "line {}'s `kubectl delete -f` deleted {} and nothing the chapter applied since makes it again: no pod of it answers at {ip}, the address of its pod {} in the book",
            d.line, d.workload, d.pod
        );
        let book = &p.step.output;
        let (program, shown) = match cmd {
            Cmd::Ping { .. } => ("ping", crate::book::compare::ping_facts(book).reply),
            _ => (
                "curl",
                crate::book::curl::facts(book, None).answered == Some(true),
            ),
        };
        if shown {
            r.differences.push(format!(
                "{program}: the book shows an answer from {ip}, but {gone}"
            ));
        }
        let lab = self.lab_words(&r.variant);
        super::remark_claims::check_gone(p, &self.binding, &lab, r, &gone);
    }

    /// A ping or curl, compared, to an address the book may show only as
    /// a pod without its address ([`crate::book::coherence::unshown_address`]):
    /// lab cannot tell which of its pods the address stands for, and ran
    /// it as the bare address, which no lab pod may have; what it compared
    /// is no verdict on the book's line: not understood, saying why.
    pub(super) fn unshown_reach(&self, p: &Planned, r: &mut CommandReport) {
        use crate::book::Verdict;
        if matches!(
            r.verdict,
            Verdict::NotUnderstood | Verdict::Error | Verdict::Skipped
        ) {
            return;
        }
        let Some((ip, _)) = p.cmd.as_ref().ok().and_then(reached) else {
            return;
        };
        let epoch = self.epoch(p);
        let Some(why) = crate::book::coherence::unshown_address(&self.binding, ip, epoch) else {
            return;
        };
        r.verdict = Verdict::NotUnderstood;
        r.why.extend(
            r.differences
                .drain(..)
                .map(|d| format!("not compared: {d}")),
        );
        r.reason = Some(why);
    }
}
