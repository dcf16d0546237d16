//! `lab status [<lab>] [-o json]`: nodes, roles, states, addresses, pods,
//! variant. JSON: `docs/lab-status.schema.json`.

use super::output::{Format, OutputArg, out, out_raw};
use crate::error::Result;
use crate::ops::{Need, phase_text, running};
use crate::report::Reporter;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The lab (default: the one lab that is up here).
    #[arg(add = super::complete::labs())]
    lab: Option<String>,
    #[command(flatten)]
    instance: super::instance::Name,
    #[command(flatten)]
    output: OutputArg,
}

/// Version of `lab status -o json`'s shape.
pub const SCHEMA_VERSION: u32 = 1;

pub async fn run(a: Args) -> Result<()> {
    let lab = crate::ops::instance::addressed(a.lab, a.instance.name, "lab status")?;
    let r = running(lab, Need::State)?;
    if let Some(w) = &r.drift {
        let _ = writeln!(std::io::stderr(), "warning: {w}");
    }
    let (st, lab) = (&r.state, &r.lab);
    let s = r.provider.status(lab, st, &Reporter::quiet()).await?;
    for w in &s.warnings {
        let _ = writeln!(std::io::stderr(), "warning: {w}");
    }
    if a.output.output == Format::Json {
        let doc = serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "kind": "lab-status",
            "lab": lab.name,
            "instance_of": st.instance_of,
            "title": lab.title,
            "provider": st.provider.to_string(),
            "variant": st.variant,
            "phase": phase_text(st),
            "nodes": s.nodes,
            "pods": s.pods.iter().map(|p| serde_json::json!({
                "name": p.name, "app": p.app, "node": p.node, "ip": p.ip.to_string(),
            })).collect::<Vec<_>>(),
        });
        out_raw!(
            "{}\n",
            serde_json::to_string_pretty(&doc).expect("serializes")
        );
        return Ok(());
    }
    let of = match &st.instance_of {
        Some(l) => format!(", an instance of {l}"),
        None => String::new(),
    };
    // On a terminal, the heading and a node's addresses go on as many
    // lines as its width needs (a part never split); piped, one line each.
    let width = crate::report::table::terminal_width();
    let heading = [
        format!("lab {}{of} ({}),", lab.name, lab.title),
        format!("provider {},", st.provider),
        format!("variant {} ({})", st.variant, phase_text(st)),
    ];
    for line in wrapped(&heading, width, "  ") {
        out!("{}", line);
    }
    out!("{:<12} {:<14} {:<10} ADDRESSES", "NODE", "ROLE", "STATE");
    for n in &s.nodes {
        let head = format!("{:<12} {:<14} {:<10} ", n.name, n.role, n.state);
        let indent = " ".repeat(head.chars().count());
        let mut parts = n.addresses.clone();
        match parts.first_mut() {
            Some(a) => *a = format!("{head}{a}"),
            None => parts.push(head.trim_end().to_string()),
        }
        for line in wrapped(&parts, width, &indent) {
            out!("{}", line);
        }
    }
    if !s.pods.is_empty() {
        out!("\n{:<36} {:<10} {:<12} IP", "POD", "APP", "NODE");
        for pod in &s.pods {
            out!(
                "{:<36} {:<10} {:<12} {}",
                pod.name,
                pod.app,
                pod.node,
                pod.ip
            );
        }
    }
    Ok(())
}

/// `parts` joined by spaces, on as many lines as `width` needs (a part is
/// never split; lines after the first start with `indent`).
fn wrapped(parts: &[String], width: Option<usize>, indent: &str) -> Vec<String> {
    let mut lines = vec![String::new()];
    for p in parts {
        let line = lines.last_mut().expect("one line");
        if line.is_empty() {
            line.push_str(p);
        } else if width.is_some_and(|w| line.chars().count() + 1 + p.chars().count() > w) {
            lines.push(format!("{indent}{p}"));
        } else {
            line.push(' ');
            line.push_str(p);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrapped;

    #[test]
    fn a_heading_wraps_between_parts_only_on_a_width() {
        let parts = [
            "lab abcdefghij (Setup Network Using Flannel),",
            "provider netns,",
            "variant broken (Up)",
        ]
        .map(String::from);
        assert_eq!(
            wrapped(&parts, None, "  "),
            ["lab abcdefghij (Setup Network Using Flannel), provider netns, variant broken (Up)"]
        );
        let lines = wrapped(&parts, Some(80), "  ");
        assert_eq!(
            lines,
            [
                "lab abcdefghij (Setup Network Using Flannel), provider netns,",
                "  variant broken (Up)"
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 80));
    }
}
