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
use crate::probe::deadline::Deadline;
use crate::probe::{Cx, listen, path, target::Endpoint};
use crate::provider::PodRef;
use std::net::Ipv4Addr;

/// The seconds between the echoes of a ping the lab sends for the book:
/// the book's ping sends one a second until Ctrl-C, and what is compared
/// is which replies came (their count, source and TTL), not when. 10 ms
/// keeps the echoes apart and is allowed to a ping that is not root (2 ms
/// is its least, on a vagrant node's user).
pub const INTERVAL: &str = "0.01";

/// The ping left running while another session captures: `echoes`
/// echoes ([`capture_echoes`]), a reply waited for `wait` (seconds; its
/// output is not compared).
pub fn traffic(ip: Ipv4Addr, wait: &str, echoes: u32) -> String {
    format!("timeout 3 ping -n -c {echoes} -i {INTERVAL} -W {wait} {ip}")
}

/// How many echoes the ping left running sends for a capture whose book
/// output is `capture`: as many echo requests of one ping as the book's
/// capture shows (the book's ping runs until Ctrl-C, so `seq 2, 3, 4` are
/// true: probe21bk, wrong red 3), at least two, and never more than a
/// counted ping may ask ([`crate::book::recognize::MAX_PING_COUNT`]), so
/// that it ends inside the replay's deadline (`-i` 10 ms); a capture that
/// shows more drifts by the ones the lab did not send.
pub fn capture_echoes(capture: &[String]) -> u32 {
    (crate::book::capture_order::echo_requests_of_one_ping(capture).min(u32::MAX as usize) as u32)
        .clamp(2, crate::book::recognize::MAX_PING_COUNT)
}

/// How long a ping the book shows without a reply waits for one, and why
/// (said in the command's `why`).
pub(super) struct NoReply {
    /// ping's `-W`, in seconds.
    pub wait: String,
    pub why: String,
}

/// The ping of a command (a ping, or a ping piped to grep), or its curl.
fn ping_of(c: &Cmd) -> Option<Ipv4Addr> {
    match c {
        Cmd::Ping { target, .. } => Some(*target),
        Cmd::Curl(c) => Some(c.ip),
        Cmd::Grep { inner, .. } => ping_of(inner),
        _ => None,
    }
}

/// How many echoes of a ping never ended by the book the lab sends: as
/// many as the book shows sent ([`compare::echoes_sent`]: its statistics'
/// transmitted, its highest echo number, its replies; at least one), and
/// never more than a counted ping may ask
/// ([`crate::book::recognize::MAX_PING_COUNT`]), so that it ends inside
/// the replay's deadline; a book that shows more than that drifts by the
/// ones the lab did not send, it is never cut to match.
fn count_for(book: &[String]) -> u32 {
    (compare::echoes_sent(book).min(u32::MAX as usize) as u32)
        .clamp(1, crate::book::recognize::MAX_PING_COUNT)
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
        no_reply: Option<&NoReply>,
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
                        "the book's ping runs until Ctrl-C; lab sends -c {n} (the echoes the book shows sent)"
                    ));
                }
                let (wait, waited) = match no_reply {
                    Some(nr) => (nr.wait.as_str(), nr.why.as_str()),
                    None => ("1", "a reply waited for 1 s"),
                };
                why.push(format!(
                    "-n -i {INTERVAL} -W {wait} and `timeout {}`: a deadline (names not looked up, {waited})",
                    n + 2
                ));
                format!(
                    "timeout {} ping -n -c {n} -i {INTERVAL} -W {wait} {lab_ip}",
                    n + 2
                )
            }
            Cmd::Curl(curl) => {
                let lab_ip = self.target_ip(curl.ip, epoch, pods, &mut r.bindings);
                if lab_ip != curl.ip {
                    why.push(format!(
                        "{} is the book's address; the lab's is {lab_ip} (bound)",
                        curl.ip
                    ));
                }
                let wait = no_reply.map_or("1", |nr| nr.wait.as_str());
                if let Some(nr) = no_reply {
                    why.push(nr.why.replace("ping waits", "curl waits"));
                }
                let (line, w) = curl.line(lab_ip, wait);
                why.extend(w);
                line
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
                // The word after `cat` (a pod's cat comes after kubectl's words).
                let mut words = p.step.command.split_whitespace();
                let typed = words
                    .by_ref()
                    .find(|w| *w == "cat")
                    .and_then(|_| words.next())
                    .unwrap_or(path);
                if typed != path {
                    why.push(format!(
                        "`{typed}` is Git Bash's way to write {path}; on a node both are {path}"
                    ));
                }
                format!("cat {}", quote(path))
            }
            Cmd::Tcpdump { iface } => {
                // Two packets an echo (the lab's flannel.1 shows each twice).
                let most = 2 * capture_echoes(&p.step.output);
                why.push(format!(
                    "-l -n --immediate-mode -c {most} and a deadline: the book's capture runs until Ctrl-C (line-buffered, names not looked up, each packet handed over as it comes)"
                ));
                format!(
                    "tcpdump -l -n -i {} --immediate-mode -c {most}",
                    quote(iface)
                )
            }
            Cmd::Grep {
                inner,
                pattern,
                ignore_case,
            } => {
                let (inner_line, inner_why) = self.typed(inner, p, r, pods, no_reply);
                why.extend(inner_why);
                let bound = self.grep_pattern(c, epoch, pods, r).unwrap_or_default();
                if bound != *pattern {
                    why.push(format!(
                        "the book greps for {pattern}, its own address; lab greps for the lab's {bound}"
                    ));
                }
                match inner.as_ref() {
                    Cmd::Ping { .. } => why.push(format!(
                        "the ping runs without `| grep {bound}`: what came back is read from its whole output, then the lines grep keeps are compared with the book's"
                    )),
                    Cmd::Tcpdump { .. } => why.push(format!(
                        "the capture runs as lab runs one (bounded), without `| grep {bound}`; then the lines grep keeps are compared with the book's"
                    )),
                    _ => {}
                }
                if matches!(inner.as_ref(), Cmd::Ping { .. } | Cmd::Tcpdump { .. }) {
                    return (inner_line, why);
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

    /// A grep's pattern in the lab's words (the book's address bound to
    /// the lab's), if `c` is a grep.
    pub(super) fn grep_pattern(
        &self,
        c: &Cmd,
        epoch: usize,
        pods: &[PodRef],
        r: &mut CommandReport,
    ) -> Option<String> {
        let Cmd::Grep { pattern, .. } = c else {
            return None;
        };
        Some(
            self.binding
                .text(pattern, epoch, self.lab, pods, &mut r.bindings),
        )
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
        let unmodeled = match self.not_the_readers(t, c, node, pod).await {
            None => self
                .server_not_run(t, c, node, pod, epoch, pods, &mut r.bindings)
                .or_else(|| self.curl_elsewhere(c, &r.book, epoch, pods)),
            why => why,
        };
        if let Some(why) = unmodeled {
            r.verdict = Verdict::Skipped;
            r.ran_on = Some(ran_on(node, pod));
            r.reason = Some(why);
            return;
        }
        // A curl goes only to the lab's own addresses (its nodes' and pods'
        // networks): an address of the reader's world is not the lab's.
        if let Cmd::Curl(k) = c {
            let ip = self.target_ip(k.ip, epoch, pods, &mut r.bindings);
            let n = &self.lab.network;
            if ![n.pods, n.private, n.nat]
                .iter()
                .any(|net| net.contains(&ip))
            {
                r.verdict = Verdict::NotUnderstood;
                r.reason = Some(format!(
                    "curl to {ip}: lab runs curl only to the lab's addresses ({}, {}, {})",
                    n.pods, n.private, n.nat
                ));
                return;
            }
        }
        // A ping whose output the book shows without a reply: how long to
        // wait for one (a book that shows nothing compares nothing).
        let shown = r.book.iter().any(|l| !l.trim().is_empty());
        let answer_shown = match c {
            Cmd::Curl(_) => crate::book::curl::facts(&r.book, None).answered == Some(true),
            _ => compare::ping_facts(&r.book).reply,
        };
        // A curl given its own deadline (-m, --connect-timeout) waits that.
        let own_deadline =
            matches!(c, Cmd::Curl(k) if k.max_time.is_some() || k.connect_timeout.is_some());
        let no_reply = match ping_of(c) {
            Some(target) if shown && !answer_shown && !own_deadline => {
                let ip = self.target_ip(target, epoch, pods, &mut r.bindings);
                let from = match pod {
                    Some(p) => Endpoint::Pod {
                        app: p.app.clone(),
                        on: p.node.clone(),
                    },
                    None => Endpoint::Node(node.to_string()),
                };
                Some(self.no_reply(t, &from, ip, pods).await)
            }
            _ => None,
        };
        let (typed, mut why) = self.typed(c, p, r, pods, no_reply.as_ref());
        let sudo = p.step.command.trim_start().starts_with("sudo ");
        // A ping or a capture piped to grep runs alone (its grep is lab's).
        let alone = match c {
            Cmd::Grep { inner, .. }
                if matches!(**inner, Cmd::Ping { .. } | Cmd::Tcpdump { .. }) =>
            {
                inner.as_ref()
            }
            c => c,
        };
        let line = match (alone, &p.traffic) {
            (Cmd::Tcpdump { .. }, Some((from, ip, at))) if from == node => {
                let lab_ip = self.target_ip(*ip, epoch, pods, &mut r.bindings);
                let wait = self.deadline(t, pods).await;
                let echoes = capture_echoes(&p.step.output);
                why.push(format!(
                    "captured while the ping at line {at} runs in another session: lab starts the capture, sends that ping's {echoes} echoes (as many as the book's capture shows, at least two) to {lab_ip} once tcpdump says it listens (a reply waited for {wait}), and stops the capture when tcpdump has handled every packet it received"
                ));
                listen::script_typed(&typed, &traffic(lab_ip, &wait.seconds(), echoes))
            }
            (Cmd::Tcpdump { .. }, _) => format!("timeout 2 {typed} 2>&1"),
            _ => typed.clone(),
        };
        let line = match (t.kind().capabilities().node_is_root, sudo) {
            (false, true) => format!("sudo sh -c {}", quote(&line)),
            // Typed in a root shell the book opened (`sudo -i`).
            (false, false)
                if pod.is_none()
                    && let super::plan::Shell::Root { line: at, .. } = &p.shell =>
            {
                why.push(format!(
                    "typed in the root shell line {at} opened: lab runs it as root, with sudo"
                ));
                format!("sudo sh -c {}", quote(&line))
            }
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
                r.ran_on = Some(ran_on(node, Some(pod)));
                // A curl needs only the pod's network: the probes' root.
                if matches!(c, Cmd::Curl(_)) {
                    t.session().pod_output_net(pod, &line).await
                } else {
                    t.session().pod_output(pod, &line).await
                }
            }
            None => {
                r.ran_on = Some(node.to_string());
                if matches!(c, Cmd::Ping { .. } | Cmd::Curl(_)) {
                    t.session().output_net(node, &line).await
                } else {
                    t.session().output(node, &line, None).await
                }
            }
        };
        match out {
            Ok(o) => {
                r.lab = output_lines(&o);
                let remarked = !p.step.remarks_below.is_empty();
                // A ping piped to grep ran alone: the book's lines are
                // the ones grep keeps, its facts the whole output's.
                let full = match c {
                    Cmd::Grep { ignore_case, .. } if !std::ptr::eq(alone, c) => {
                        let pattern = self.grep_pattern(c, epoch, pods, r).unwrap_or_default();
                        let kept = compare::grep_keeps(&r.lab, &pattern, *ignore_case);
                        Some(std::mem::replace(&mut r.lab, kept))
                            .filter(|_| matches!(alone, Cmd::Ping { .. }))
                    }
                    _ => None,
                };
                self.compare(c, o.code, r, (epoch, remarked), pods, full.as_deref());
            }
            Err(e) => fail(r, e.to_string()),
        }
    }

    /// The checks' probe context over the replay's lab: the same session,
    /// the pod network that runs, and the run's round-trip time.
    fn probe_cx<'a>(&'a self, t: &'a dyn Target, pods: &'a [PodRef]) -> Option<Cx<'a>> {
        let cni = self.lab.variant(&t.variant()).ok()?.cni.plugin();
        Some(Cx {
            lab: self.lab,
            pods,
            session: t.session(),
            cni,
            cni_runs: t.kind().capabilities().cni_runs,
            rtt: self.rtt.clone(),
        })
    }

    /// How long a reply expected not to come is waited for: the run's
    /// deadline, derived from the lab's round-trip time ([`crate::probe::deadline`]).
    pub(super) async fn deadline(&self, t: &dyn Target, pods: &[PodRef]) -> Deadline {
        match self.probe_cx(t, pods) {
            Some(cx) => cx.rtt.deadline(&cx).await,
            None => Deadline::from_rtt(None),
        }
    }

    /// A ping from `from` to `ip` that the book shows without a reply:
    /// decided as the checks decide an expected "unreachable"
    /// ([`path::unreachable`]): the kernel's tables first, which may say
    /// that no reply can come, and the deadline derived from the lab's
    /// round-trip time, which ping waits either way (an ICMP error the lab
    /// sends back is shown, and compared, whatever decided).
    async fn no_reply(
        &self,
        t: &dyn Target,
        from: &Endpoint,
        ip: Ipv4Addr,
        pods: &[PodRef],
    ) -> NoReply {
        let Some(cx) = self.probe_cx(t, pods) else {
            let d = Deadline::from_rtt(None);
            return NoReply {
                wait: d.seconds(),
                why: format!("the book shows no reply: one is waited for {d}"),
            };
        };
        let (d, why) = match path::unreachable(&cx, from, ip).await {
            Ok(path::Unreachable::Decided((_, said, _))) => {
                let d = cx.rtt.deadline(&cx).await;
                (
                    d,
                    format!(
                        "the book shows no reply, and the kernel's tables agree: {said}; ping waits {d} for an ICMP error the lab may send"
                    ),
                )
            }
            Ok(path::Unreachable::Wait(d, _)) => (
                d,
                format!(
                    "the book shows no reply; the kernel's tables decide nothing, so one is waited for {d}"
                ),
            ),
            Err(e) => {
                let d = cx.rtt.deadline(&cx).await;
                (
                    d,
                    format!(
                        "the book shows no reply; the kernel's tables could not be read ({e}), so one is waited for {d}"
                    ),
                )
            }
        };
        NoReply {
            wait: d.seconds(),
            why,
        }
    }
}

/// Where a line runs (or would have): a pod, named with its node, or the
/// node itself.
fn ran_on(node: &str, pod: Option<&PodRef>) -> String {
    match pod {
        Some(pod) => format!("pod {} on {}", pod.name, pod.node),
        None => node.to_string(),
    }
}

#[cfg(test)]
#[path = "node_tests.rs"]
mod count_tests;
