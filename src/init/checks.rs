//! The chapter's claims as the checks of a lab: the same claim seen under
//! several network manifests becomes one check with an expectation per
//! variant. A ping or a log the chapter shows under some variants only is
//! drafted commented out, since what the others expect is the author's to
//! say; routes, subnets and captures are facts of the overlay that hold
//! whichever manifest configured it, so they expect the same everywhere.

use super::claims::Claim;
use super::plan::Plan;
use super::render::{outcome_words, quote, reach, scalar, target, words};
use std::collections::BTreeMap;

/// One drafted check: its comment lines, its YAML lines (the first is the
/// list item's), and whether it is active or left commented out.
#[derive(Debug, Clone)]
pub struct Drafted {
    pub comments: Vec<String>,
    pub body: Vec<String>,
    pub active: bool,
}

/// Per variant, the expectation's YAML.
type ByVariant = BTreeMap<String, String>;

/// A check being gathered: its key, its YAML lines without `expect:`, its
/// comments, its expectations, and whether it is a fact of the overlay.
struct Gathered {
    key: String,
    head: Vec<String>,
    comments: Vec<String>,
    by: ByVariant,
    structural: bool,
}

/// `expect:` for the variants shown, and whether every variant is.
fn expect_line(plan: &Plan, by: &ByVariant) -> (String, bool) {
    let all = plan.variants.iter().all(|v| by.contains_key(&v.name));
    let values: Vec<&String> = by.values().collect();
    if all && values.windows(2).all(|w| w[0] == w[1]) {
        return (format!("expect: {}", values[0]), true);
    }
    let parts: Vec<String> = plan
        .variants
        .iter()
        .filter_map(|v| by.get(&v.name).map(|e| format!("{}: {e}", scalar(&v.name))))
        .collect();
    (format!("expect: {{ {} }}", parts.join(", ")), all)
}

fn missing(plan: &Plan, by: &ByVariant) -> String {
    let shown: Vec<&str> = by.keys().map(String::as_str).collect();
    let others: Vec<&str> = plan
        .variants
        .iter()
        .map(|v| v.name.as_str())
        .filter(|v| !by.contains_key(*v))
        .collect();
    format!(
        "the chapter shows this with {} only: say what {} expect{}, then uncomment",
        shown.join(", "),
        others.join(", "),
        if others.len() == 1 { "s" } else { "" }
    )
}

/// Group the claims into drafted checks, in the chapter's order.
pub fn group(plan: &Plan, claims: &[Claim]) -> Vec<Drafted> {
    // (kind, key) → (comments, body without expect, expectations by variant)
    let mut order: Vec<Gathered> = Vec::new();
    let mut slot = |key: String,
                    head: Vec<String>,
                    comment: String,
                    variant: Option<String>,
                    expect: String,
                    structural: bool| {
        let i = match order.iter().position(|o| o.key == key) {
            Some(i) => i,
            None => {
                order.push(Gathered {
                    key,
                    head,
                    comments: Vec::new(),
                    by: BTreeMap::new(),
                    structural,
                });
                order.len() - 1
            }
        };
        let e = &mut order[i];
        e.comments.push(comment);
        if let Some(v) = variant {
            e.by.entry(v).or_insert(expect);
        }
    };
    for c in claims {
        match c {
            Claim::Ping {
                variant,
                line,
                from,
                to,
                outcome,
                remark,
            } => {
                let v = plan.variant_of(variant.as_deref()).to_string();
                let remark = remark
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                slot(
                    format!("ping {from:?} {to:?}"),
                    vec![
                        format!(
                            "name: {}",
                            quote(&format!("{} pings {}", words(from, plan), words(to, plan)))
                        ),
                        format!("from: {}", target(from, plan)),
                        format!("ping: {}", target(to, plan)),
                    ],
                    format!(
                        "line {line}: ping {}{remark} from {}: {} [{v}]",
                        words(to, plan),
                        words(from, plan),
                        outcome_words(outcome)
                    ),
                    Some(v),
                    reach(outcome),
                    false,
                );
            }
            Claim::Route {
                variant,
                line,
                on,
                to_pods_of,
                dev,
            } => {
                let v = plan.variant_of(variant.as_deref()).to_string();
                slot(
                    format!("route {on} {to_pods_of}"),
                    vec![
                        format!(
                            "name: {}",
                            quote(&format!(
                                "route from {on} to {to_pods_of}'s pods goes through {dev}"
                            ))
                        ),
                        format!("on: {}", scalar(on)),
                        format!("route: {{ to: {{ pods_of: {} }} }}", scalar(to_pods_of)),
                    ],
                    format!(
                        "line {line}: {on}'s routes send {to_pods_of}'s pod subnet via {dev} [{v}]"
                    ),
                    Some(v),
                    format!("{{ dev: {} }}", scalar(dev)),
                    true,
                );
            }
            Claim::Subnets { lines, network } => {
                let contains = network
                    .as_ref()
                    .map(|n| format!(", contains: {}", quote(&format!("FLANNEL_NETWORK={n}"))))
                    .unwrap_or_default();
                let ls: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                slot(
                    "subnets".into(),
                    vec![
                        "name: \"every node has its own pod subnet\"".into(),
                        "on: all".into(),
                        "run: cat /run/flannel/subnet.env".into(),
                    ],
                    format!(
                        "lines {}: a different FLANNEL_SUBNET on each node",
                        ls.join(", ")
                    ),
                    Some(plan.variants[0].name.clone()),
                    format!("{{ distinct: FLANNEL_SUBNET{contains} }}"),
                    true,
                );
            }
            Claim::Capture {
                variant,
                line,
                on,
                iface,
                ping,
                contains,
            } => {
                let v = plan.variant_of(variant.as_deref()).to_string();
                slot(
                    format!("capture {on} {iface} {ping:?}"),
                    vec![
                        format!(
                            "name: {}",
                            quote(&format!(
                                "{on} sees the ping to {} on {iface}",
                                words(ping, plan)
                            ))
                        ),
                        format!("on: {}", scalar(on)),
                        format!(
                            "capture: {{ iface: {}, while: {{ ping: {} }} }}",
                            scalar(iface),
                            target(ping, plan)
                        ),
                    ],
                    format!("line {line}: tcpdump -i {iface} on {on} shows {contains:?} [{v}]"),
                    Some(v),
                    format!("{{ contains: {} }}", quote(contains)),
                    true,
                );
            }
            Claim::Log {
                variant,
                line,
                on,
                lines,
            } => {
                let v = plan.variant_of(variant.as_deref()).to_string();
                let list: Vec<String> = lines.iter().map(|l| quote(l)).collect();
                slot(
                    format!("log {on}"),
                    vec![
                        format!(
                            "name: {}",
                            quote(&format!("flannel on {on} chose its interface"))
                        ),
                        format!("on: {}", scalar(on)),
                        "flannel_log: true".into(),
                    ],
                    format!(
                        "line {line}: flannel's log on {on}: {} [{v}]",
                        lines.join(" / ")
                    ),
                    Some(v),
                    format!("{{ contains: [{}] }}", list.join(", ")),
                    false,
                );
            }
            Claim::NodesReady { line } => slot(
                "nodes".into(),
                vec![
                    "name: \"every node is Ready\"".into(),
                    "nodes: Ready".into(),
                ],
                format!(
                    "line {line}: kubectl get nodes: every node Ready (Kubernetes' view: vagrant; netns skips it)"
                ),
                Some(plan.variants[0].name.clone()),
                "true".into(),
                true,
            ),
            Claim::PodsRunning {
                line,
                label,
                deployment,
                running,
                distinct,
            } => {
                let app = label
                    .clone()
                    .or_else(|| deployment.as_ref().map(|d| plan.app(d)))
                    .unwrap_or_default();
                let spread = if *distinct {
                    ", on_distinct_nodes: true"
                } else {
                    ""
                };
                slot(
                    format!("pods {app}"),
                    vec![
                        format!(
                            "name: {}",
                            quote(&if *running == 1 {
                                format!("1 {app} pod runs")
                            } else {
                                format!("{running} {app} pods run")
                            })
                        ),
                        format!(
                            "pods: {{ app: {}, running: {running}{spread} }}",
                            scalar(&app)
                        ),
                    ],
                    format!(
                        "line {line}: kubectl get pods: {running} {app} pods Running{} (Kubernetes' view: vagrant; netns skips it)",
                        if *distinct { " on distinct nodes" } else { "" }
                    ),
                    Some(plan.variants[0].name.clone()),
                    "true".into(),
                    true,
                );
            }
        }
    }
    let mut names: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for g in order {
        let Gathered {
            key,
            mut head,
            mut comments,
            mut by,
            structural,
        } = g;
        if let Some(on) = key.strip_prefix("log ") {
            infer_logs(plan, on, &mut by, &mut comments);
        }
        if structural && let Some(e) = by.values().next().cloned() {
            let shown: Vec<String> = by.keys().cloned().collect();
            for v in &plan.variants {
                by.entry(v.name.clone()).or_insert_with(|| e.clone());
            }
            if plan.variants.len() > shown.len() {
                comments.push(format!(
                    "shown with {}; the overlay's own fact, expected with every variant",
                    shown.join(", ")
                ));
            }
        }
        let (expect, mut complete) = expect_line(plan, &by);
        if !complete {
            comments.push(missing(plan, &by));
        }
        // Pods no workload deploys: a check of them would not load.
        if plan.workloads.is_empty() && head.iter().any(|l| l.contains("{ pod: ")) {
            comments.push("no manifest the chapter applies (that lab reads) deploys these pods: name it under `workloads:`, then uncomment".into());
            complete = false;
        }
        let mut name = head[0].clone();
        let mut k = 2;
        while names.contains(&name) {
            name = format!("{} ({k})\"", head[0].trim_end_matches('"'));
            k += 1;
        }
        names.push(name.clone());
        head[0] = name;
        head.push(expect);
        out.push(Drafted {
            comments,
            body: head,
            active: complete,
        });
    }
    out
}

/// For a variant whose manifest the chapter says passes `--iface=X`, and
/// whose log it does not show: flannel logs the interface it was told and
/// the node's address on it. A variant with no `--iface`, like one shown
/// without it, picks the same default interface.
fn infer_logs(plan: &Plan, on: &str, by: &mut ByVariant, comments: &mut Vec<String>) {
    let shown_default = plan
        .variants
        .iter()
        .find(|v| v.iface.is_none() && by.contains_key(&v.name))
        .and_then(|v| by.get(&v.name).cloned());
    for v in &plan.variants {
        if by.contains_key(&v.name) {
            continue;
        }
        match (&v.iface, &shown_default) {
            (Some((iface, line)), _) => {
                let Some(ip) = plan.node_ip(on) else { continue };
                let l = format!("Using interface with name {iface} and address {ip}");
                comments.push(format!(
                    "[{}] inferred: line {line} says {} passes --iface={iface}, so flannel on {on} uses {iface}'s address {ip}",
                    v.name, v.file
                ));
                by.insert(v.name.clone(), format!("{{ contains: {} }}", quote(&l)));
            }
            (None, Some(e)) => {
                comments.push(format!(
                    "[{}] inferred: no --iface, so the same default interface",
                    v.name
                ));
                by.insert(v.name.clone(), e.clone());
            }
            (None, None) => {}
        }
    }
}
