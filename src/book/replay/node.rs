//! Lines typed inside `vagrant ssh NODE` (and the command of a `kubectl
//! exec`, run in the lab's pod or, for a `hostNetwork` flannel pod, on its
//! node): the book's words, with the book's addresses the lab cannot make
//! equal bound to the lab's, and a deadline added where the book's command
//! never ends by itself (a ping without `-c`, a tcpdump). Every rewrite is
//! said in `why`. Recognition has already held the words to safe
//! alphabets; values are quoted all the same.

use super::plan::Planned;
use super::{Replayer, Target, fail, output_lines};
use crate::book::compare;
use crate::book::recognize::Cmd;
use crate::book::{CommandReport, Verdict};
use crate::exec::quote;
use crate::provider::PodRef;
use std::net::Ipv4Addr;

/// The ping left running while another session captures: two echoes.
pub fn traffic(ip: Ipv4Addr) -> String {
    format!("timeout 3 ping -n -c 2 -i 0.2 -W 1 {ip}")
}

/// How many replies of a ping never ended by the book the lab sends: as
/// many as the book shows (at least one).
fn count_for(book: &[String]) -> u32 {
    (compare::replies(book).len() as u32).max(1)
}

impl Replayer<'_> {
    /// The line that runs for a node-level command, and why it is not the
    /// book's as typed.
    fn typed(
        &self,
        c: &Cmd,
        p: &Planned,
        r: &mut CommandReport,
        pods: &[PodRef],
    ) -> (String, Vec<String>) {
        let epoch = self.epoch(p);
        let mut why = Vec::new();
        let line = match c {
            Cmd::Ping { target, count } => {
                let lab_ip = self.target_ip(*target, epoch, pods, &mut r.bindings);
                if lab_ip != *target {
                    why.push(format!(
                        "{target} is the book's address; the lab's is {lab_ip} (bound)"
                    ));
                }
                let n = count.unwrap_or_else(|| count_for(&r.book));
                if count.is_none() {
                    why.push(format!(
                        "the book's ping runs until Ctrl-C; lab sends -c {n} (the replies the book shows)"
                    ));
                }
                why.push(format!(
                    "-n -i 0.2 -W 1 and `timeout {}`: a deadline (names not looked up, a reply waited for 1 s)",
                    n + 2
                ));
                format!("timeout {} ping -n -c {n} -i 0.2 -W 1 {lab_ip}", n + 2)
            }
            Cmd::RouteN => "route -n".into(),
            // One of `ip route`, `ip route show`, `ip -4 route [show]`.
            Cmd::IpRoute => p
                .step
                .command
                .trim_start_matches("sudo ")
                .split('|')
                .next()
                .unwrap_or("ip route")
                .trim()
                .to_string(),
            Cmd::Cat { path } => {
                let typed = p.step.command.split_whitespace().nth(1).unwrap_or(path);
                if typed != path {
                    why.push(format!(
                        "`{typed}` is Git Bash's way to write {path}; on a node both are {path}"
                    ));
                }
                format!("cat {}", quote(path))
            }
            Cmd::Tcpdump { iface } => {
                why.push(
                    "-l -n -c 4 and a deadline: the book's capture runs until Ctrl-C (line-buffered, names not looked up)"
                        .into(),
                );
                format!("tcpdump -l -n -i {} -c 4", quote(iface))
            }
            Cmd::Grep {
                inner,
                pattern,
                ignore_case,
            } => {
                let (inner_line, inner_why) = self.typed(inner, p, r, pods);
                why.extend(inner_why);
                let bound = self
                    .binding
                    .text(pattern, epoch, self.lab, pods, &mut r.bindings);
                if bound != *pattern {
                    why.push(format!(
                        "the book greps for {pattern}, its own address; lab greps for the lab's {bound}"
                    ));
                }
                format!(
                    "{inner_line} | grep {}{}",
                    if *ignore_case { "-i " } else { "" },
                    quote(&bound)
                )
            }
            _ => String::new(),
        };
        (line, why)
    }

    /// A node-level command on `node`, or inside `pod`.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn node_command(
        &self,
        t: &dyn Target,
        c: &Cmd,
        node: &str,
        pod: Option<&PodRef>,
        p: &Planned,
        r: &mut CommandReport,
        pods: &[PodRef],
    ) {
        let epoch = self.epoch(p);
        let (typed, mut why) = self.typed(c, p, r, pods);
        let sudo = p.step.command.trim_start().starts_with("sudo ");
        let line = match (c, &p.traffic) {
            (Cmd::Tcpdump { .. }, Some((from, ip, at))) if from == node => {
                let lab_ip = self.target_ip(*ip, epoch, pods, &mut r.bindings);
                why.push(format!(
                    "captured while the ping at line {at} runs in another session: lab starts the capture, sends that ping's two echoes to {lab_ip}, then stops the capture"
                ));
                crate::probe::listen::script_typed(&typed, &traffic(lab_ip))
            }
            (Cmd::Tcpdump { .. }, _) => format!("timeout 2 {typed} 2>&1"),
            _ => typed.clone(),
        };
        let line = match (t.kind().capabilities().node_is_root, sudo) {
            (false, true) => format!("sudo sh -c {}", quote(&line)),
            (true, true) => {
                why.push(format!(
                    "`sudo` dropped: a {} node runs commands as root",
                    t.kind()
                ));
                line
            }
            _ => line,
        };
        r.ran = Some(line.clone());
        r.why.extend(why);
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
                r.lab = output_lines(&o);
                self.compare(c, o.code, r, epoch, pods);
            }
            Err(e) => fail(r, e.to_string()),
        }
    }

    /// Compare what a node-level command showed with what the book shows.
    pub(super) fn compare(
        &self,
        c: &Cmd,
        code: Option<i32>,
        r: &mut CommandReport,
        epoch: usize,
        pods: &[PodRef],
    ) {
        let book = self.book_in_lab(r, epoch, pods);
        let inner = match c {
            Cmd::Grep { inner, .. } => inner.as_ref(),
            c => c,
        };
        // A ping without reply exits 1, a grep that finds nothing too, and a
        // capture stopped by its deadline 124: their output says the rest.
        let failed = match (c, code) {
            (_, Some(0)) => None,
            (Cmd::Ping { .. }, Some(1)) | (Cmd::Grep { .. }, Some(1)) => None,
            (Cmd::Tcpdump { .. }, Some(124)) => None,
            (_, Some(n)) => Some(format!("exit {n}")),
            (_, None) => Some("killed by a signal".to_string()),
        };
        r.differences
            .extend(compare::errors_not_in_book(&book, &r.lab));
        if let Some(how) = failed
            && !matches!(inner, Cmd::Ping { .. })
        {
            r.differences
                .push(format!("`{}` failed in the lab ({how})", r.command));
        }
        if book.iter().all(|l| l.trim().is_empty()) {
            if r.differences.is_empty() {
                r.verdict = Verdict::Skipped;
                r.reason = Some(
                    "it ran without an error, but the book shows no output to compare it with"
                        .into(),
                );
            }
            return;
        }
        r.differences.extend(match inner {
            Cmd::Ping { .. } => compare::ping_replies(&book, &r.lab),
            Cmd::RouteN => compare::routes(&book, &r.lab),
            _ => compare::missing_in_order(&book, &r.lab),
        });
    }
}
