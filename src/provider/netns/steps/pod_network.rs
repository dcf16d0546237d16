//! The pod network as flannel's vxlan backend makes it on every node, for
//! the variant's flags: `flannel.1`, a neighbour, FDB entry and route per
//! other node, `cni0`, forwarding, flannel's iptables rules, and the node's
//! own `/run/flannel/subnet.env` and flanneld log.

use super::super::ctx::NetnsCtx;
use super::super::flanneld::{self, Lease};
use super::super::guard;
use super::super::names::{self, MacKind};
use super::super::netlink::{self, Work};
use super::super::node_write::write_node_file;
use super::super::owned_bounds;
use super::super::sys::{self, Job};
use super::super::table_bounds;
use crate::bringup::Step;
use crate::error::{LabError, Result};
use async_trait::async_trait;
use std::path::Path;

/// How many nodes' ops are built and sent at once.
const NODES_AT_ONCE: usize = 64;

/// Program the pod network as flanneld would (see `netns::flanneld`).
pub struct PodNetwork {
    /// Make `cni0` too (bring-up); on `apply` it is already there.
    pub new_bridge: bool,
}

#[async_trait]
impl Step<NetnsCtx> for PodNetwork {
    async fn run(&self, ctx: &mut NetnsCtx) -> Result<()> {
        let cfg = super::super::flannel_of(&ctx.variant)?.clone();
        let chosen = flanneld::leases(&ctx.lab, &cfg).map_err(|message| LabError::Step {
            step: "flannel leases".into(),
            message,
        })?;
        let leases: Vec<Lease> = chosen.iter().map(|(l, _)| l.clone()).collect();
        ctx.ps.leases = leases.clone();
        ctx.save()?;

        // Each node's filter table starts with the lab's bounds on what its
        // processes add to the host's shared tables (`table_bounds`), for
        // the pods the lab places on it.
        let placements = ctx.lab.placements();
        let rules: Vec<Job> = leases
            .iter()
            .zip(&ctx.lab.nodes)
            .map(|(me, node)| {
                let bounds = table_bounds::node_rules(
                    &table_bounds::node_networks(&ctx.lab, node, &placements),
                    flanneld::tracks_connections(&cfg),
                    table_bounds::Overlay {
                        port: cfg.port,
                        network: cfg.network,
                        subnet: me.subnet,
                        vtep: me.vtep_ip(),
                    },
                );
                Job::new(
                    std::process::Command::new("iptables-restore"),
                    Some(ctx.ns_of_node(&me.node)),
                    Some(flanneld::iptables_rules(&cfg, me.subnet, &bounds).into_bytes()),
                )
            })
            .collect();
        let namespaces: Vec<String> = leases.iter().map(|l| ctx.ns_of_node(&l.node)).collect();
        // The nodes' ops are built and sent a chunk of nodes at a time: all
        // at once, 1000 workers' three million ops held about 700 MB of
        // lab's heap, and every `iptables-restore` (and later every nginx)
        // forked from lab copied its page tables.
        let links = async {
            for chunk in leases.chunks(NODES_AT_ONCE) {
                let mut nodes = Vec::new();
                for me in chunk {
                    let peers: Vec<&Lease> = leases.iter().filter(|l| l.node != me.node).collect();
                    let bridge_mac = self.new_bridge.then(|| {
                        let index = ctx.lab.nodes.iter().position(|n| n.name == me.node);
                        names::mac_of(MacKind::Cni, &ctx.lab.name, index.unwrap_or_default())
                    });
                    nodes.push(Work::new(
                        ctx.ns_of_node(&me.node),
                        flanneld::node_ops(&cfg, me, &peers, bridge_mac.as_deref()),
                    ));
                }
                netlink::apply(&ctx.rep, nodes).await?;
            }
            Ok::<(), LabError>(())
        };
        let (links, ipt, fwd) = tokio::join!(
            links,
            sys::run_jobs(&ctx.rep, rules, sys::PARALLEL_WAITING),
            sys::sysctls(namespaces.clone(), &[("net/ipv4/ip_forward", "1")]),
        );
        // Each node's bounds its root cannot take off, for the guard to
        // make; a guard running (`apply`) is told to make them anew (a
        // variant may track connections where the last did not).
        write_owned_bounds(ctx, flanneld::tracks_connections(&cfg))?;
        super::guard::tell(ctx, guard::REMAKE);
        links?;
        ipt?;
        fwd?;
        // Once the rules track connections (they load conntrack), its
        // timeouts in every node (`table_bounds::TRACKING_SYSCTLS`).
        if flanneld::tracks_connections(&cfg) {
            sys::sysctls(namespaces, table_bounds::TRACKING_SYSCTLS).await?;
        }

        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_micros() as u64;
        let root = ctx.node_root()?;
        for (me, choice) in &chosen {
            let peers: Vec<&Lease> = leases.iter().filter(|l| l.node != me.node).collect();
            // The node's own /run: written without following its links.
            let run = ctx.layout.node_run(&me.node);
            write_node_file(
                &run,
                Path::new("flannel/subnet.env"),
                flanneld::subnet_env(&cfg, me).as_bytes(),
                0o644,
                Some(root),
            )?;
            write_node_file(
                &run,
                Path::new("flannel/flanneld.log"),
                flanneld::flanneld_log(&cfg, choice, me, &peers, now).as_bytes(),
                0o644,
                Some(root),
            )?;
        }
        ctx.save()
    }
}

/// Write each node's ruleset of bounds its root cannot take off
/// (`owned_bounds`) into the lab's state folder, readable by root alone.
fn write_owned_bounds(ctx: &NetnsCtx, tracking: bool) -> Result<()> {
    let dir = ctx.layout.owned_bounds();
    crate::state::make_private_dir(&dir)?;
    let placements = ctx.lab.placements();
    for node in &ctx.lab.nodes {
        let held = owned_bounds::node_next_hops(&ctx.lab, node, &placements);
        let text = format!("{}\n", owned_bounds::ruleset(&held, tracking, false));
        let file = dir.join(format!("{}.nft", node.name));
        super::super::files::write_file(&file, text.as_bytes(), 0o600)?;
    }
    Ok(())
}
