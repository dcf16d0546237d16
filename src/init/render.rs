//! The text of a drafted `lab.yaml`: written by hand, not by serde, so
//! every value keeps a comment naming the chapter line it came from (or
//! saying it is lab's default). Free text is always double-quoted and
//! escaped; names are written plain only when they are plain DNS labels.

use super::claims::{Claim, Outcome, Place};
use super::plan::Plan;

/// A YAML scalar: plain when it is a DNS label YAML reads as a string,
/// else double-quoted.
pub fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.as_bytes()[0].is_ascii_lowercase()
        && !matches!(
            s,
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain { s.to_string() } else { quote(s) }
}

/// A double-quoted YAML string.
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A comment line's text: one line, nothing that ends the comment.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn place(p: &Place, plan: &Plan) -> String {
    match p {
        Place::Node(n) => scalar(n),
        Place::Pod(r) => format!(
            "{{ pod: {}, on: {} }}",
            scalar(&plan.app(&r.deployment)),
            scalar(&r.node)
        ),
    }
}

fn place_words(p: &Place, plan: &Plan) -> String {
    match p {
        Place::Node(n) => n.clone(),
        Place::Pod(r) => format!("{} on {}", plan.app(&r.deployment), r.node),
    }
}

/// The whole `lab.yaml`.
pub fn render(plan: &Plan, claims: &[Claim], chapter: &str, skipped: &[(usize, String)]) -> String {
    let mut o = String::new();
    let mut w = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    w(format!(
        "# Drafted by `lab init` from {}.",
        comment(chapter)
    ));
    w("# Each value says where in the chapter it came from, or that it is lab's".into());
    w("# default. Review it, then: lab up DIR; lab test DIR; lab book DIR.".into());
    w(format!("name: {}", scalar(&plan.name)));
    w(format!("title: {}", quote(&plan.title)));
    w(format!(
        "kubernetes: {}  # {}",
        quote(&plan.kubernetes),
        comment(&plan.kube_why)
    ));
    w("box: ubuntu/jammy64  # lab's default box".into());
    w(format!(
        "interfaces: {{ nat: {}, private: {} }}  # {}",
        scalar(&plan.nic_nat),
        scalar(&plan.nic_private),
        comment(&plan.nic_why)
    ));
    w("network:".into());
    for (k, (net, why)) in [
        ("private", &plan.private),
        ("nat", &plan.nat),
        ("pods", &plan.pods),
    ] {
        w(format!("  {k}: {net}  # {}", comment(why)));
    }
    w("nodes:".into());
    for n in &plan.nodes {
        w(format!("  # {}", comment(&n.why)));
        w(format!(
            "  - {{ name: {}, role: {}, ip: {} }}",
            scalar(&n.name),
            if n.control_plane {
                "control-plane"
            } else {
                "worker"
            },
            n.ip
        ));
    }
    w("# The pod network manifests the chapter applies, in its order; the first".into());
    w("# is the default.".into());
    w("variants:".into());
    for v in &plan.variants {
        let about = match &v.iface {
            Some((i, l)) => format!(
                "line {}: kubectl apply -f {} (--iface={i}, line {l})",
                v.line, v.file
            ),
            None => format!("line {}: kubectl apply -f {}", v.line, v.file),
        };
        w(format!(
            "  {}: {{ network: {}, about: {} }}",
            scalar(&v.name),
            quote(&v.file),
            quote(&about)
        ));
    }
    w(format!(
        "default_variant: {}",
        scalar(&plan.variants[0].name)
    ));
    if plan.workloads.is_empty() {
        w("workloads: []".into());
    } else {
        w("workloads:".into());
        for (f, l) in &plan.workloads {
            w(format!(
                "  - {}  # line {l}: kubectl apply -f {}",
                quote(f),
                comment(f)
            ));
        }
    }
    w("# The chapter itself: `lab book DIR` replays it.".into());
    w(format!("book: {}", quote(&plan.book)));
    let checks = super::checks::group(plan, claims);
    if checks.is_empty() {
        w("checks: []".into());
    } else {
        w("checks:".into());
    }
    for c in &checks {
        for l in &c.comments {
            w(format!("  # {}", comment(l)));
        }
        let prefix = if c.active { "  " } else { "  # " };
        for (i, l) in c.body.iter().enumerate() {
            let lead = if i == 0 { "- " } else { "  " };
            w(format!("{prefix}{lead}{l}"));
        }
    }
    if !skipped.is_empty() {
        w("# Read but not drafted as checks:".into());
        for (l, why) in skipped {
            w(format!("#   line {l}: {}", comment(why)));
        }
    }
    o
}

/// `reachable`/`unreachable`/`{ reachable: true, ttl: N }`.
pub fn reach(o: &Outcome) -> String {
    match o {
        Outcome::Reply { ttl: Some(t) } => format!("{{ reachable: true, ttl: {t} }}"),
        Outcome::Reply { ttl: None } => "reachable".into(),
        Outcome::NoReply | Outcome::Error(_) => "unreachable".into(),
    }
}

/// What a ping's outcome looked like in the book, in words.
pub fn outcome_words(o: &Outcome) -> String {
    match o {
        Outcome::Reply { ttl: Some(t) } => format!("a reply, ttl={t}"),
        Outcome::Reply { ttl: None } => "a reply".into(),
        Outcome::NoReply => "no reply".into(),
        Outcome::Error(e) => format!("no reply: {e}"),
    }
}

pub(super) fn target(p: &Place, plan: &Plan) -> String {
    place(p, plan)
}

pub(super) fn words(p: &Place, plan: &Plan) -> String {
    place_words(p, plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_unless_plain_labels() {
        assert_eq!(scalar("node1"), "node1");
        assert_eq!(scalar("flannel.1"), "flannel.1");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("1a"), "\"1a\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(quote("say \"hi\"\\\n"), "\"say \\\"hi\\\"\\\\\\u000a\"");
    }
}
