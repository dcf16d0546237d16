//! What a node's processes hold past a bound that the guard takes back at
//! each sweep: packet rings, netfilter queues (by killing their holders),
//! orphaned TCP connections (by resetting them); and what no process
//! holds, which only stopping the node frees.

use super::Watch;

impl Watch {
    /// Reset the node's orphaned TCP connections past its share (see
    /// [`super::super::orphans`]).
    pub(super) fn bound_orphans(&mut self, buf: &mut [u8]) {
        let (Some(o), Some(d)) = (self.orphans.as_mut(), self.sock_diag.as_mut()) else {
            return;
        };
        if let Some(r) = o.bound(d, buf) {
            let t = &mut self.orphans_reset;
            (t.found, t.reset, t.kept) = (t.found.max(r.found), t.reset + r.reset, r.kept);
        }
    }

    /// Kill the processes that hold the node's biggest packet rings while
    /// its rings hold more than the bound (see [`super::super::packet_rings`]).
    pub(super) fn bound_packet_rings(&mut self, buf: &mut [u8]) {
        let bound = super::super::super::table_bounds::PACKET_RING_BYTES_A_NODE_KEEPS;
        let Some(rings) = self.sock_diag.as_mut().and_then(|r| r.list(buf).ok()) else {
            return;
        };
        let total: u64 = rings.iter().map(|r| r.1).sum();
        let gone = super::super::biggest_past(&rings, bound);
        if gone.is_empty() {
            return;
        }
        self.rings_killed.0 = self.rings_killed.0.max(total);
        self.rings_killed.1 += self.take_from_holders(&gone, || {
            format!(
                "packet sockets' rings of {} MiB, past the bound of {} MiB",
                total >> 20,
                bound >> 20
            )
        });
    }

    /// Kill the node's processes holding the sockets `gone` (how many); none
    /// holding them, `what` leaves the node to be stopped ([`Watch::take_unheld`]).
    pub(super) fn take_from_holders(
        &mut self,
        gone: &[u32],
        what: impl FnOnce() -> String,
    ) -> usize {
        let killed = super::super::kill_socket_holders(&self.name, gone);
        if killed == 0 {
            self.unheld = Some(what());
        }
        killed
    }

    /// Kill the owners of the node's fullest netfilter queues while they
    /// hold more packets than the bound (see [`super::super::queued`]).
    pub(super) fn bound_queued(&mut self) {
        let bound = super::super::super::table_bounds::PACKETS_A_NODE_QUEUES;
        let Some((held, gone)) = self.queued.as_mut().and_then(|q| q.past_bound(bound).ok()) else {
            return;
        };
        if gone.is_empty() {
            return;
        }
        self.queued_killed.0 = self.queued_killed.0.max(held);
        self.queued_killed.1 += self.take_from_holders(&gone, || {
            format!("{held} packets held in netfilter queues, past the bound of {bound}")
        });
    }

    /// Kill the processes listening on the most NFLOG groups while the
    /// node's groups are more than the bound (see [`super::super::queued`]).
    pub(super) fn bound_logged(&mut self) {
        let bound = super::super::super::table_bounds::NFLOG_GROUPS_A_NODE_KEEPS;
        let Some((groups, gone)) = self
            .queued
            .as_mut()
            .and_then(|q| q.groups_past_bound(bound).ok())
        else {
            return;
        };
        if gone.is_empty() {
            return;
        }
        self.logged_killed.0 = self.logged_killed.0.max(groups);
        self.logged_killed.1 += self.take_from_holders(&gone, || {
            format!("{groups} NFLOG groups listened on, past the bound of {bound}")
        });
    }

    /// Why the node must be stopped, if it must: it passed a bound on what
    /// the kernel frees only with its namespace or its devices (routing
    /// tables, named tables, netfilter rules and sets, neighbour parameters;
    /// see [`super::super::route_tables`], [`super::super::named_tables`],
    /// [`Watch::netfilter_past_bounds`], [`super::super::neigh_params`]).
    pub fn why_stop(&mut self, buf: &mut [u8]) -> Option<String> {
        if let Some(why) = self.why_stop_now(true, buf) {
            return Some(why);
        }
        let routing = super::super::super::table_bounds::ROUTING_TABLES_A_NODE_KEEPS;
        if let Some(n) = self
            .route_tables
            .as_mut()
            .and_then(|r| r.count(routing).ok())
            && n > routing
        {
            return Some(format!(
                "{n} IPv4 routing tables or more, past the bound of {routing}: the kernel \
                 frees a table only with its namespace"
            ));
        }
        let most = super::super::super::table_bounds::FIB_RULES_A_NODE_KEEPS;
        if let Some(Ok(n)) = self
            .fib_rules
            .as_mut()
            .and_then(|r| r.count_if_changed(buf, most))
            && n > most
        {
            return Some(format!(
                "{n} policy routing rules, past the bound of {most}: every frame the node \
                 receives walks them, in the host's softirq when a queue releases it"
            ));
        }
        let most = super::super::super::table_bounds::MEMBERSHIPS_A_NODE_KEEPS;
        if let Some(n) = self.memberships.as_ref().map(|m| m.count(most))
            && n > most
        {
            return Some(format!(
                "{n} multicast memberships and source filters or more, past the bound of \
                 {most}: the kernel charges most of each to no one, and only their sockets \
                 can leave"
            ));
        }
        if let Some((kind, n)) = self.named_tables.as_ref().and_then(|t| t.past_bound()) {
            return Some(format!(
                "{n} {} tables, past the bound of {} ({}): only removing their rules frees \
                 them",
                kind.name, kind.bound, kind.why
            ));
        }
        if (self.sweeps + self.phase).is_multiple_of(super::super::rules::EVERY_SWEEPS)
            && let Some(why) = self.netfilter_past_bounds(buf)
        {
            return Some(why);
        }
        if let Some(why) = self.sets_heard_past_bound(buf) {
            return Some(why);
        }
        let raised = self.neigh_params.as_mut()?.raised(buf)?;
        Some(format!(
            "neighbour parameters raised past the host's ({raised}): the packets they let \
             the kernel hold go only with its devices"
        ))
    }

    /// Why the node must be stopped for what its netfilter tables hold, if
    /// it must: rules past their bound, a rule naming a host's object, or
    /// sets declaring room past theirs (see [`super::super::rules`],
    /// [`super::super::nft_sets`]).
    fn netfilter_past_bounds(&mut self, buf: &mut [u8]) -> Option<String> {
        let most = super::super::super::table_bounds::RULES_A_NODE_KEEPS;
        match self.rules_held(buf) {
            Some(Err(e)) => {
                return Some(format!(
                    "its nf_tables rules could not be counted ({e}): a rule too big for a \
                     dump hides itself and the rules after it"
                ));
            }
            Some(Ok(held)) if held.rules > most => {
                return Some(format!(
                    "{} netfilter rules, past the bound of {most} (some matches keep data for \
                     each rule outside the node's limit): only removing them frees it",
                    held.rules
                ));
            }
            Some(Ok(held)) if held.refused.is_some() => {
                return held.refused.map(str::to_string);
            }
            Some(Ok(held)) if held.host_named => {
                return Some(
                    "a netfilter rule with the target IDLETIMER, whose label names a timer of \
                     the host's (one set of names for every namespace: another lab's or the \
                     host's own of that name)"
                        .to_string(),
                );
            }
            _ => {}
        }
        self.sets_past_bound(buf)
    }

    /// Why the node must be stopped for what its sets hold or declare, by a
    /// look at them (see [`super::super::nft_sets::look`]).
    pub(super) fn sets_past_bound(&mut self, buf: &mut [u8]) -> Option<String> {
        let room = super::super::super::table_bounds::SET_ELEMENTS_A_NODE_DECLARES;
        let sets = self.nf_objects.as_mut()?.sets(buf, room).ok()?;
        why_sets_past_bound(sets, room)
    }

    /// Why the node must be stopped for its IPv4 routes, if it must (see
    /// [`super::super::ipv4_routes`]).
    pub(in super::super) fn routes_past_bound(&mut self, buf: &mut [u8]) -> Option<String> {
        let counted = self.neigh_params.as_mut()?.routes(buf);
        super::super::ipv4_routes::why_stop_counted(counted, self.routes_bound)
    }

    /// The node's netfilter rules: nf_tables' and the legacy tables'
    /// entries (see [`super::super::rules`]); an error when nf_tables'
    /// could not be counted (a count past an error would be short), none
    /// when the node has no netfilter socket.
    fn rules_held(
        &mut self,
        buf: &mut [u8],
    ) -> Option<std::io::Result<super::super::rules::Counted>> {
        let nf_tables = match self.nf_objects.as_mut()?.rules(buf) {
            Ok(n) => n,
            Err(e) => return Some(Err(e)),
        };
        let legacy = self.rules.as_mut().and_then(|r| r.legacy().ok());
        let legacy = legacy.unwrap_or_default();
        Some(Ok(super::super::rules::Counted {
            rules: nf_tables.rules + legacy.rules,
            host_named: nf_tables.host_named || legacy.host_named,
            refused: nf_tables.refused.or(legacy.refused),
        }))
    }

    /// Look at the node's neighbours every few sweeps, a fifth of the nodes
    /// at each (a node's dump walks the host's whole table of neighbours:
    /// 7.5 ms a node at 251 nodes, whose lab holds 63,000), and at once
    /// when the host's table grew: remove those unresolved for too long,
    /// and have a node holding more unresolved ones than its bound stopped
    /// (added by hand as `incomplete`, they make no event and never fail:
    /// probe21af).
    pub(in super::super) fn look_at_unresolved(&mut self, host_table_rose: bool, buf: &mut [u8]) {
        let due = (self.sweeps + self.phase).is_multiple_of(self.unresolved_every);
        let bound = self.table.bound();
        let Some(u) = self
            .neigh_params
            .as_mut()
            .filter(|_| due || host_table_rose)
        else {
            return;
        };
        let looked = u.remove_unresolved(buf);
        self.unresolved_removed += looked.removed;
        // Within the one bound of the node's neighbours, not beside it: 250
        // unresolved and 250 heard held 500 of the host's entries (probe21ah).
        let heard = self.table.len(super::super::entry::Class::Neighbour);
        if looked.unresolved + heard > bound {
            self.stop_now.get_or_insert(format!(
                "{} unresolved neighbours and {heard} others, past the bound of {bound} (each \
                 counts in the host's one neighbour table and holds the packets sent to it; one \
                 added as `incomplete` makes no event and never fails)",
                looked.unresolved
            ));
        }
    }

    /// What passed its bound at the last sweep with no process of the node
    /// holding it (a socket in flight over a unix socket, held by a thread
    /// the guard cannot see): only stopping the node frees it.
    pub fn take_unheld(&mut self) -> Option<String> {
        self.unheld.take()
    }
}

/// Why a node whose look at its sets found `sets` must be stopped, if it
/// must: elements past `room`, or room declared past it.
fn why_sets_past_bound(sets: super::super::nft_sets::Sets, room: u64) -> Option<String> {
    match sets.elements {
        None => Some(format!(
            "nf_tables sets holding more than {room} elements (what packets add to a set is \
             kept outside the node's limit, and a set's size may be lowered under its \
             elements): only removing the sets frees them"
        )),
        Some(_) if sets.declared > room => Some(sets_declaring(sets.declared, room)),
        Some(_) => None,
    }
}

/// Why a node whose sets declared room for `declared` elements, past
/// `room`, is stopped.
pub(super) fn sets_declaring(declared: u64, room: u64) -> String {
    format!(
        "nf_tables sets declaring room for {declared} elements, past the bound of {room} \
         (what packets add to a set is kept outside the node's limit): only removing the sets \
         frees it"
    )
}
