//! `lab inspect [<lab>] [-o json]`: every node of a running lab, read from
//! the nodes themselves ([`crate::graph::live`]): role, NICs and addresses,
//! the interface the pod network chose, its VTEP, routes and pods. JSON:
//! `docs/lab-inspect.schema.json`.

use super::output::{Format, OutputArg, out, out_raw};
use crate::error::Result;
use crate::graph::Topology;
use crate::ops::{Need, running};
use crate::report::style::{Paint, paint};
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

pub async fn run(a: Args) -> Result<()> {
    let lab = crate::ops::instance::addressed(a.lab, a.instance.name, "lab inspect")?;
    let r = running(lab, Need::Up)?;
    if let Some(w) = &r.drift {
        let _ = writeln!(std::io::stderr(), "warning: {w}");
    }
    let t = crate::graph::live::topology(&r.lab, &r.state, r.provider.as_ref()).await?;
    match a.output.output {
        Format::Json => out_raw!("{}", t.to_json()),
        Format::Table => table(&t),
    }
    Ok(())
}

fn table(t: &Topology) {
    let shared = t.shared_vteps();
    out!(
        "lab {} ({}), provider {}, variant {}",
        t.lab,
        t.title,
        t.provider.as_deref().unwrap_or("-"),
        t.variant
    );
    for n in &t.nodes {
        out!("\n{} ({}), pod subnet {}", n.name, n.role, n.pod_subnet);
        for nic in &n.nics {
            out!(
                "  {:<12} {:<8} {}",
                nic.name,
                nic.kind,
                nic.addresses.join(" ")
            );
        }
        if let Some(c) = &n.cni_interface {
            out!(
                "  {:<14} {} ({})",
                format!("{} chose", t.cni),
                c.name,
                c.address
            );
        }
        let vtep = n.vtep.as_deref().unwrap_or("(none)");
        let vtep = if shared.iter().any(|s| s == vtep) {
            paint(Paint::Bad, &format!("{vtep} (shared by several nodes)"))
        } else {
            vtep.to_string()
        };
        out!("  VTEP           {vtep}");
        for r in &n.routes {
            out!(
                "  route          {} via {} dev {}",
                r.to,
                r.via.as_deref().unwrap_or("-"),
                r.dev
            );
        }
        for p in &n.pods {
            out!("  pod            {} {} ({})", p.ip, p.name, p.app);
        }
    }
}
