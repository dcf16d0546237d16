//! A command's trailing remark in brackets that says where the line is
//! typed or what it reaches: `ping 10.244.3.3 (across node)`, `exit (from
//! node1)`. The reader's shell never reads such a remark (typed, it is
//! bash's `syntax error near unexpected token '('`); the book's author
//! wrote it as a claim, and lab read the command without it, so a wrong
//! one passed: `ping 10.244.3.3 (same node)` matched though the book's own
//! table puts 10.244.3.3 on node2, and `exit (from node2)` typed in node1's
//! session was skipped (probe21be, lesser 5). A remark of these shapes is
//! checked here against the session the line is typed in and the book's
//! own pod tables and subnets; any other remark is said, never dropped
//! silently ([`super::remarks`] reads the ones that tell a change).

use super::plan::Planned;
use super::remark_words::{Claim, Names, Reading, read, speaks_of_place_or_outcome};
use crate::book::bind::Binding;
use crate::book::recognize::{Cmd, KubeAction, Kubectl};
use crate::book::{CommandReport, Verdict};
use std::net::Ipv4Addr;

/// The node the book places address `ip` on: the one node every row of its
/// pod tables showing `ip` names, else the node whose pod subnet holds it.
fn node_of(ip: Ipv4Addr, binding: &Binding) -> Option<String> {
    let mut rows: Vec<&str> = binding
        .shown
        .iter()
        .filter(|s| s.ip == Some(ip))
        .filter_map(|s| s.node.as_deref())
        .collect();
    rows.sort_unstable();
    rows.dedup();
    match rows[..] {
        [one] => Some(one.to_string()),
        [] => {
            let mut subnets: Vec<&str> = binding
                .subnets
                .iter()
                .filter(|(net, _, _)| net.contains(&ip))
                .map(|(_, node, _)| node.as_str())
                .collect();
            subnets.dedup();
            (subnets.len() == 1).then(|| subnets[0].to_string())
        }
        _ => None,
    }
}

/// The node the book's tables put pod `name` on, if one.
fn node_of_pod(name: &str, binding: &Binding) -> Option<String> {
    let mut rows: Vec<&str> = binding
        .shown
        .iter()
        .filter(|s| s.pod.eq_ignore_ascii_case(name))
        .filter_map(|s| s.node.as_deref())
        .collect();
    rows.sort_unstable();
    rows.dedup();
    (rows.len() == 1).then(|| rows[0].to_string())
}

/// What a line reaches, and from where.
pub(super) struct Reached {
    ip: Ipv4Addr,
    /// The node it leaves: the session's, or its exec's pod's.
    from: Option<String>,
    /// Where that is, in words: `the line is typed in node1's session`.
    place: String,
}

/// The address a ping or curl reaches (in a node's session, or in an
/// exec's pod), if the line is one.
pub(super) fn reached(p: &Planned, binding: &Binding) -> Option<Reached> {
    fn target(c: &Cmd) -> Option<Ipv4Addr> {
        match c {
            Cmd::Ping { target, .. } => Some(*target),
            Cmd::Curl(c) => Some(c.ip),
            Cmd::Grep { inner, .. } => target(inner),
            _ => None,
        }
    }
    match p.cmd.as_ref().ok()? {
        Cmd::Kubectl(Kubectl {
            action: KubeAction::Exec { pod, cmd },
            ..
        }) => {
            let from = node_of_pod(pod, binding);
            let place = match &from {
                Some(n) => format!("the line runs in pod {pod}, on {n}"),
                None => format!("the line runs in pod {pod}, on no one node of the book's tables"),
            };
            Some(Reached {
                ip: target(cmd)?,
                from,
                place,
            })
        }
        c => Some(Reached {
            ip: target(c)?,
            from: p.node.clone(),
            place: match &p.node {
                Some(s) => format!("the line is typed in {s}'s session"),
                None => "the line stands on the reader's machine, in no node's session".into(),
            },
        }),
    }
}

/// Whether the lab's run of the line got an answer: a ping's reply, a
/// curl's page. None: the line is neither, or the lab's output says
/// nothing of it.
fn answered(p: &Planned, r: &CommandReport) -> Option<bool> {
    if r.lab.is_empty() {
        return None;
    }
    let inner = match p.cmd.as_ref().ok()? {
        Cmd::Kubectl(Kubectl {
            action: KubeAction::Exec { cmd, .. },
            ..
        }) => cmd.as_ref(),
        c => c,
    };
    match inner {
        Cmd::Ping { .. } => Some(crate::book::compare::ping_facts(&r.lab).reply),
        Cmd::Curl(_) => crate::book::curl::facts(&r.lab, None).answered,
        _ => None,
    }
}

/// Why a remark's TTL is not checked: no reply shown or had shows one.
fn ttl_unread() -> String {
    "the remark says a TTL, but neither the book's output nor the lab's shows a reply with one"
        .into()
}

/// Make `r` not green for a remark lab cannot check: not understood
/// (what it compared, and why it skipped the line, kept as notes: a line
/// lab does not run, an `exit`, is no more checked for it), unless it is
/// not understood or an error already (then the reason is a note).
pub(super) fn not_green(r: &mut CommandReport, reason: String) {
    if matches!(r.verdict, Verdict::Error | Verdict::NotUnderstood) {
        r.why.push(reason);
        return;
    }
    if r.verdict == Verdict::Skipped
        && let Some(skipped) = r.reason.take()
    {
        r.why.push(format!("skipped: {skipped}"));
    }
    r.verdict = Verdict::NotUnderstood;
    r.why.extend(
        r.differences
            .drain(..)
            .map(|d| format!("not compared: {d}")),
    );
    r.reason = Some(reason);
}

/// What a remark is checked against of the lab itself: its nodes' names,
/// their devices (`enp0s3`, `enp0s8`), and the one the pod network of the
/// line's variant sends traffic to another node over, where lab knows it.
pub(super) struct LabWords {
    pub nodes: Vec<String>,
    pub devices: Vec<String>,
    pub underlay: Option<String>,
}

impl super::Replayer<'_> {
    /// The lab's words for a remark of a line run in `variant`.
    pub(super) fn lab_words(&self, variant: &str) -> LabWords {
        let i = &self.lab.interfaces;
        let devices = vec![i.nat.clone(), i.private.clone()];
        // flannel: `--iface=NAME` (the first, one of the lab's devices);
        // with no interface flag, the default route's device, the NAT one
        // (lab.yaml's `interfaces.nat`). Anything else: lab does not say.
        let underlay = self
            .lab
            .variant(variant)
            .ok()
            .and_then(|v| v.cni.flannel())
            .and_then(|f| {
                let by_flag = f.iface_regex.is_empty()
                    && f.iface_can_reach.is_none()
                    && f.public_ip.is_none();
                match f.iface.first() {
                    _ if !by_flag => None,
                    None => Some(i.nat.clone()),
                    Some(d) => devices.contains(d).then(|| d.clone()),
                }
            });
        LabWords {
            nodes: self.lab.nodes.iter().map(|n| n.name.clone()).collect(),
            devices,
            underlay,
        }
    }
}

/// The names a remark of `p` may use: the lab's nodes and the nodes and
/// pods of the book's tables.
pub(super) fn names(binding: &Binding, lab_nodes: &[String]) -> (Vec<String>, Vec<String>) {
    let mut nodes: Vec<String> = lab_nodes.to_vec();
    nodes.extend(binding.shown.iter().filter_map(|s| s.node.clone()));
    nodes.extend(binding.subnets.iter().map(|(_, n, _)| n.clone()));
    nodes.sort_unstable();
    nodes.dedup();
    let mut pods: Vec<String> = binding.shown.iter().map(|s| s.pod.clone()).collect();
    pods.sort_unstable();
    pods.dedup();
    (nodes, pods)
}

/// Check `p`'s trailing remark, in brackets or a shell comment, if any: a
/// wrong claim is a difference of `r`; a claim lab cannot read or check
/// makes `r` not understood ([`not_green`]); a remark that claims nothing
/// is said in `r.why` (in brackets: a comment is the shell's own).
pub(super) fn check(p: &Planned, binding: &Binding, lab: &LabWords, r: &mut CommandReport) {
    check_with(p, binding, lab, r, None);
}

/// [`check`] of a ping or curl to the address of a pod the chapter
/// deleted, which lab does not run ([`super::gone_reach`]): a claim that it
/// gets an answer is a difference (`gone`: why none comes), one that it
/// gets none holds.
pub(super) fn check_gone(
    p: &Planned,
    binding: &Binding,
    lab: &LabWords,
    r: &mut CommandReport,
    gone: &str,
) {
    check_with(p, binding, lab, r, Some(gone));
}

/// The command's trailing remark, then its remarks on lines of their own
/// under it ([`super::remark_below`]).
fn check_with(
    p: &Planned,
    binding: &Binding,
    lab: &LabWords,
    r: &mut CommandReport,
    gone: Option<&str>,
) {
    check_trailing(p, binding, lab, r, gone);
    super::remark_title::check(p, binding, lab, r, gone);
    super::remark_below::check(p, binding, lab, r, gone);
    super::went_on::check(p, r);
}

fn check_trailing(
    p: &Planned,
    binding: &Binding,
    lab: &LabWords,
    r: &mut CommandReport,
    gone: Option<&str>,
) {
    let Some(remark) = p.step.remark.as_deref() else {
        return;
    };
    let comment = p
        .step
        .written
        .split_once(" #")
        .is_some_and(|(_, rest)| rest.trim() == remark);
    let typed = if comment {
        format!("{} # {remark}", p.step.command)
    } else {
        format!("{} ({remark})", p.step.command)
    };
    let (nodes, pods) = names(binding, &lab.nodes);
    // A remark that tells a change is read as one ([`super::remarks`]).
    let names = Names {
        nodes: &nodes,
        pods: &pods,
        devices: &lab.devices,
    };
    let reading = if super::remarks::told(remark).is_some() {
        Reading::NoClaim
    } else {
        match read(remark, &names) {
            // `kubectl apply -f flannel.yml # install flannel`: a note of
            // what a line that reaches nothing is for, no word of place or
            // outcome. On a ping or curl every word is read or the line is
            // not understood (probe21bk, findings 2 and 3).
            Reading::Unread(_)
                if reached(p, binding).is_none() && !speaks_of_place_or_outcome(remark, &names) =>
            {
                Reading::NoClaim
            }
            reading => reading,
        }
    };
    let claims = match reading {
        Reading::NoClaim => {
            if !comment {
                r.why.push(format!(
                    "the remark `({remark})` is the author's, not part of the command (typed, the reader's shell would not run it as a command's words): lab ran the line without it and checked nothing it says"
                ));
            }
            return;
        }
        Reading::Unread(part) => {
            return not_green(
                r,
                format!(
                    "`{typed}`: the remark has words lab does not read (`{part}`): lab cannot check what it says of where the line is typed, what it reaches or what it gets"
                ),
            );
        }
        Reading::Claims(c) => c,
    };
    hold(&claims, p, binding, lab, r, &typed, gone);
}

/// Hold each of a remark's `claims` (the remark as the book writes it:
/// `typed`) against the session, the book's tables and the lab's output:
/// a wrong one is a difference of `r`; one lab cannot tell makes `r` not
/// understood, unless another was wrong ([`not_green`]).
pub(super) fn hold(
    claims: &[Claim],
    p: &Planned,
    binding: &Binding,
    lab: &LabWords,
    r: &mut CommandReport,
    typed: &str,
    gone: Option<&str>,
) {
    let found = r.differences.len();
    let mut unsure = Vec::new();
    for c in claims {
        match judge(c, p, binding, r, typed, gone, lab.underlay.as_deref()) {
            Ok(None) => {}
            Ok(Some(d)) => r.differences.push(d),
            Err(why) => unsure.push(why),
        }
    }
    if !unsure.is_empty() {
        let why = format!("`{typed}`: {}", unsure.join("; "));
        if r.differences.len() > found {
            r.why.push(why);
        } else {
            not_green(r, why);
        }
    }
}

/// One claim of the remark against the session, the book's tables and the
/// lab's output: Ok(None) it holds, Ok(Some(difference)) it does not,
/// Err(why) lab cannot tell.
fn judge(
    c: &Claim,
    p: &Planned,
    binding: &Binding,
    r: &CommandReport,
    typed: &str,
    gone: Option<&str>,
    underlay: Option<&str>,
) -> Result<Option<String>, String> {
    let session = p.node.as_deref();
    let no_address = || {
        format!(
            "the remark speaks of where what `{}` reaches is, but lab reads no one address it reaches",
            p.step.command
        )
    };
    let placed = |ip: Ipv4Addr| {
        node_of(ip, binding).ok_or_else(|| {
            format!(
                "the book's tables place {ip} on no one node, so lab could not check the remark"
            )
        })
    };
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    match c {
        Claim::From(node) => Ok(match session {
            Some(s) if same(s, node) => None,
            Some(s) => Some(format!(
                "{typed}: the remark says the line is typed from {node}, but it stands in {s}'s session"
            )),
            None => Some(format!(
                "{typed}: the remark says the line is typed from {node}, but it stands on the reader's machine, in no node's session"
            )),
        }),
        Claim::SameNode(claimed) => {
            let t = reached(p, binding).ok_or_else(no_address)?;
            let Some(from) = t.from.as_deref() else {
                return match session {
                    None => Ok(Some(format!(
                        "{typed}: the remark speaks of the node the line is typed on, but it stands on the reader's machine, in no node's session"
                    ))),
                    Some(_) => Err(format!("{}: lab cannot check the remark", t.place)),
                };
            };
            let n = placed(t.ip)?;
            Ok((same(&n, from) != *claimed).then(|| {
                format!(
                    "{typed}: the remark says {} is a pod of {} node, but the book's own tables put it on {n}, and {}",
                    t.ip,
                    if *claimed { "the same" } else { "another" },
                    t.place
                )
            }))
        }
        // `exit # on master`: the node left, or the one returned to?
        Claim::OnNode { .. } if matches!(p.cmd, Ok(Cmd::Exit)) => Err(
            "the remark names a node on `exit`, which leaves one place for another: lab cannot tell which it means".into(),
        ),
        Claim::OnNode { node, on, pod } => {
            // `vagrant ssh node1 # on node1`: the line's node is the one
            // it logs into.
            let session = match &p.cmd {
                Ok(Cmd::Ssh { node }) => Some(node.as_str()),
                _ => session,
            };
            let typed_on = session.is_some_and(|s| same(s, node)) == *on;
            let not = if *on { "" } else { "not " };
            let Some(t) = reached(p, binding) else {
                return if *pod {
                    Err(no_address())
                } else {
                    Ok(
                        (!typed_on).then(|| {
                            format!(
                                "{typed}: the remark says the line is {not}on {node}, but {}",
                                match (&p.cmd, session) {
                                    (Ok(Cmd::Ssh { .. }), Some(s)) => format!("it logs into {s}"),
                                    (_, Some(s)) => format!("it stands in {s}'s session"),
                                    (_, None) =>
                                        "it stands on the reader's machine, in no node's session"
                                            .into(),
                                }
                            )
                        }),
                    )
                };
            };
            let n = placed(t.ip)?;
            let target_on = same(&n, node) == *on;
            // `pod on node2` is said of the address; a bare `on node1` may
            // be said of where the line is typed too: both must hold.
            if target_on && (*pod || typed_on) {
                Ok(None)
            } else if !target_on && (*pod || !typed_on) {
                Ok(Some(format!(
                    "{typed}: the remark says {} is {not}on {node}, but the book's own tables put it on {n}, and {}",
                    t.ip, t.place
                )))
            } else {
                Err(format!(
                    "the remark that names {node} may say where the line is typed ({}) or where {} is (on {n}, by the book's tables), and one holds while the other does not: lab cannot tell which is meant",
                    t.place, t.ip
                ))
            }
        }
        Claim::SameNodeAs { pod, same: claimed } => {
            let t = reached(p, binding).ok_or_else(no_address)?;
            let n = placed(t.ip)?;
            let m = node_of_pod(pod, binding).ok_or_else(|| {
                format!(
                    "the book's tables put {pod} on no one node, so lab could not check the remark"
                )
            })?;
            let holds = same(&n, &m) == *claimed;
            // `same node as POD` may also be said of the node the line
            // leaves: where the two readings differ, lab cannot tell.
            if let Some(from) = t.from.as_deref()
                && (same(from, &m) == *claimed) != holds
            {
                return Err(format!(
                    "the remark may say {} or the node the line leaves is {} {pod}'s node ({m}): by the book's tables one holds while the other does not (it is on {n}; {}), so lab cannot tell which is meant",
                    t.ip,
                    if *claimed { "on" } else { "not on" },
                    t.place
                ));
            }
            Ok((!holds).then(|| {
                format!(
                    "{typed}: the remark says {} is {} node as {pod}, but the book's own tables put it on {n} and {pod} on {m}",
                    t.ip,
                    if *claimed { "on the same" } else { "not on the same" }
                )
            }))
        }
        // Sessions do not nest (`vagrant ssh` inside one is not found):
        // an `exit` of one is back on the reader's machine.
        Claim::BackHome => match (&p.cmd, session) {
            // A root shell's `exit` leaves it, not the node (probe21ca).
            (Ok(Cmd::Exit), Some(s)) if let super::plan::Shell::Root { line, .. } = &p.shell => {
                Ok(Some(format!(
                    "{typed}: the remark says the reader is back on their own machine, but the line leaves the root shell line {line} opened, and the reader stays in {s}'s session"
                )))
            }
            (Ok(Cmd::Exit), Some(_)) => Ok(None),
            (Ok(Cmd::Exit), None) => Ok(Some(format!(
                "{typed}: the remark says the reader is back on their own machine, but the line stands in no node's session"
            ))),
            _ => Err("the remark says the reader is back on their own machine; lab reads that only of an `exit`".into()),
        },
        // `ttl=64`, `ttl 63`: the TTL the book's own replies show, else
        // the lab's (probe21bm, wrong reds 4).
        Claim::Ttl(claimed) => {
            let ping = |lines: &[String]| crate::book::compare::ping_facts(lines).ttl;
            let (ttl, whose) = match (ping(&p.step.output), answered(p, r)) {
                (Some(t), _) => (t, "the book's own reply shows"),
                (None, Some(true)) => match ping(&r.lab) {
                    Some(t) => (t, "the lab's reply shows"),
                    None => return Err(ttl_unread()),
                },
                _ => return Err(ttl_unread()),
            };
            Ok((ttl != *claimed).then(|| {
                format!("{typed}: the remark says ttl {claimed}, but {whose} ttl={ttl}")
            }))
        }
        Claim::Pod(pod) => {
            let t = reached(p, binding).ok_or_else(no_address)?;
            super::remark_pods::reaches_pod(pod, t.ip, p, binding)
                .map(|wrong| wrong.map(|w| format!("{typed}: {w}")))
        }
        Claim::Underlay(dev) => {
            let u = underlay.ok_or_else(|| {
                format!("the remark says the traffic leaves over {dev}, but lab does not know which device this variant's pod network sends it over")
            })?;
            Ok((u != dev).then(|| {
                format!(
                    "{typed}: the remark says the traffic leaves the node over {dev}, but the pod network of this variant ({}) sends it to another node over {u}",
                    r.variant
                )
            }))
        }
        Claim::Reaches(claimed) if let Some(why) = gone => Ok(claimed.then(|| {
            format!("{typed}: the remark says the line gets an answer, but {why}")
        })),
        Claim::Reaches(claimed) => {
            let got = answered(p, r).ok_or_else(|| {
                "the remark says whether the line gets an answer; lab reads that only of a ping's or a curl's output it has".to_string()
            })?;
            Ok((got != *claimed).then(|| {
                if *claimed {
                    format!(
                        "{typed}: the remark says the line gets an answer, but the lab's got none"
                    )
                } else {
                    format!(
                        "{typed}: the remark says the line gets no answer, but the lab's got one"
                    )
                }
            }))
        }
    }
}
