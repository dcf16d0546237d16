//! `lab status [<lab>]`: nodes, roles, states, addresses, pods, variant.

use super::output::out;
use crate::error::Result;
use crate::ops::{Need, phase_text, running};
use crate::report::Reporter;
use std::io::Write;

#[derive(clap::Args, Debug)]
pub struct Args {
    lab: Option<String>,
}

pub async fn run(a: Args) -> Result<()> {
    let r = running(a.lab, Need::State)?;
    if let Some(w) = &r.drift {
        let _ = writeln!(std::io::stderr(), "warning: {w}");
    }
    let (st, lab) = (&r.state, &r.lab);
    let s = r.provider.status(lab, st, &Reporter::quiet()).await?;
    out!(
        "lab {} ({}), provider {}, variant {} ({})",
        lab.name,
        lab.title,
        st.provider,
        st.variant,
        phase_text(st)
    );
    out!("{:<12} {:<14} {:<10} ADDRESSES", "NODE", "ROLE", "STATE");
    for n in &s.nodes {
        out!(
            "{:<12} {:<14} {:<10} {}",
            n.name,
            n.role,
            n.state,
            n.addresses.join(" ")
        );
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
