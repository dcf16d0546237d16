//! The book's `kubectl get` tables, every row and every fact column
//! (NAMESPACE, NAME without its hash, READY, STATUS, ROLES, IP, NODE,
//! VERSION's minor; AGE and RESTARTS are the day's): on vagrant against
//! what kubectl printed from the lab's cluster; on netns, where no API
//! server runs, against what the lab observes now, not what lab.yaml
//! declares:
//! - nodes: the ones that answer (`hostname`) are `Ready`; ROLES is what a
//!   cluster of the lab's pinned Kubernetes names its control plane
//!   (`control-plane`), VERSION the pinned minor;
//! - flannel pods: one per node whose flannel wrote its `subnet.env`
//!   (`Running`), with the node's address (`hostNetwork`);
//! - workload pods: the pod namespaces that exist, their nodes and
//!   addresses, `Running` where their nginx answers HTTP.

use super::{Planned, Replayer, Target};
use super::{kubeadm_rows, pod_none_columns};
use crate::book::bind::{PodKind, Table, owner_of};
use crate::book::listing_shows;
use crate::book::recognize::{Cmd, Get, KubeAction, Kubectl, Resource};
use crate::book::{CommandReport, compare};
use crate::provider::PodRef;

#[path = "tables_book.rs"]
mod shown;

/// A table printed as kubectl prints it (columns padded by three spaces).
fn print(header: &[&str], rows: &[Vec<String>]) -> Vec<String> {
    let mut width: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            width[i] = width[i].max(c.len());
        }
    }
    std::iter::once(header.iter().map(|h| h.to_string()).collect::<Vec<_>>())
        .chain(rows.iter().cloned())
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(i, c)| format!("{c:<w$}", w = width[i]))
                .collect::<Vec<_>>()
                .join("   ")
                .trim_end()
                .to_string()
        })
        .collect()
}

/// A table the book cut down to its header (`...` right below it): no row
/// to compare, so never a match.
fn cut_to_header(r: &mut CommandReport) {
    r.verdict = crate::book::Verdict::Skipped;
    r.reason = Some("the book cut its table down to its header: no row to compare".into());
}

/// A table whose header names no column lab compares (`AGE LABELS`):
/// nothing to compare, so never a match (it matched any lab, and drifted
/// with an empty message). A line of `lines` (the book's) that is no row
/// of it is still a difference.
fn no_fact_column(r: &mut CommandReport, book: &Table, lines: &[String]) -> bool {
    if !compare::fact_columns(book).is_empty() {
        return false;
    }
    r.verdict = crate::book::Verdict::Skipped;
    r.reason = Some(format!(
        "the book's table header ({}) names no column lab compares",
        book.header.join(", ")
    ));
    r.differences.extend(compare::not_table_rows(lines));
    true
}

/// What an observed table's comparison covered: the book's columns the
/// lab observes were compared, the others (`AGE`, a node's `INTERNAL-IP`
/// on netns) were not, and the reason says which (probe21av: "the table's
/// facts were compared" read as if every column had been).
pub(super) fn observed_columns(book: &Table, lab: &Table) -> String {
    let compared: Vec<&str> = compare::fact_columns(book)
        .into_iter()
        .filter(|c| lab.col(c).is_some())
        .chain(
            book.header
                .iter()
                .map(String::as_str)
                .filter(|h| pod_none_columns::compared(h)),
        )
        .collect();
    let not: Vec<&str> = book
        .header
        .iter()
        .map(String::as_str)
        .filter(|h| !compared.contains(h))
        .collect();
    let mut said = format!(
        "the table's {} compared with what the lab observes now, not with lab.yaml",
        match compared.as_slice() {
            [one] => format!("column {one} was"),
            many => format!("columns {} were", many.join(", ")),
        }
    );
    if !not.is_empty() {
        said.push_str(&format!("; {} not compared", not.join(", ")));
    }
    said
}

/// The columns of a pod table kubectl prints only with `-o wide`.
const WIDE_ONLY: [&str; 2] = ["IP", "NODE"];

/// A pod table without the columns of `-o wide`.
fn narrow<'a>(header: &[&'a str], rows: Vec<Vec<String>>) -> (Vec<&'a str>, Vec<Vec<String>>) {
    let keep: Vec<usize> = (0..header.len())
        .filter(|i| !WIDE_ONLY.contains(&header[*i]))
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| keep.iter().filter_map(|i| r.get(*i).cloned()).collect())
        .collect();
    (keep.iter().map(|i| header[*i]).collect(), rows)
}

/// Each lab pod's name and the workload it is a replica of.
type LabNames = Vec<(String, String)>;

impl Replayer<'_> {
    /// Drop from `book` (the book's table, names bound to the lab's) the
    /// rows that show, `Terminating`, a pod an apply or delete before
    /// `line` ended, of a kind an apply made anew since ([`crate::book::coherence::ended`]; `raw`: the book's
    /// lines as written, which name the book's pods): a DaemonSet's or a
    /// Deployment's update shown mid-way, the old pod ending while its
    /// replacements start (probe21bm, A27: drifted against the lab's
    /// running pods). The lab keeps no such pod, and may run replacements
    /// the book does not show yet, so what is left is compared as a cut
    /// table (each row among the lab's): true. An old pod shown other
    /// than `Terminating` still drifts ([`crate::book::coherence_deleted`]).
    fn ending_rows_dropped(&self, book: &mut Table, raw: &[String], line: usize) -> bool {
        let Some(written) = Table::parse(raw) else {
            return false;
        };
        let (Some(name), Some(status)) = (written.col("NAME"), written.col("STATUS")) else {
            return false;
        };
        if written.rows.len() != book.rows.len() {
            return false;
        }
        let ending: Vec<usize> = written
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| {
                // Ended, and its kind made anew by an apply since (a
                // delete alone is the pod network's or workload's gone,
                // [`super::gone`]).
                let made_anew = self.binding.pods.get(&row[name]).is_some_and(|p| {
                    crate::book::coherence_deleted::deleted_over(&self.binding, &p.kind, line)
                        .is_none()
                });
                row[status] == "Terminating"
                    && made_anew
                    && crate::book::coherence::ended(&self.binding, &row[name], line).is_some()
            })
            .map(|(i, _)| i)
            .collect();
        for i in ending.iter().rev() {
            book.rows.remove(*i);
        }
        !ending.is_empty()
    }

    /// What kubectl prints for `p`'s `get` line whatever the cluster holds,
    /// and the book does not show: a `No resources found in NS namespace.`
    /// of another namespace than the line's ([`shown::Shown::none_found_elsewhere`]).
    /// Not the lab's output, so it counts where the lab's pods are not
    /// compared (a deleted workload's).
    pub(super) fn none_found_elsewhere(&self, p: &Planned) -> Option<String> {
        let Ok(Cmd::Kubectl(Kubectl {
            namespace,
            action: KubeAction::Get(g),
        })) = &p.cmd
        else {
            return None;
        };
        let lines: Vec<String> = p
            .step
            .output
            .iter()
            .filter(|l| !compare::is_elision(l))
            .cloned()
            .collect();
        let asked = namespace.as_deref().unwrap_or("default");
        let shown = shown::read(&lines, Some(g.what));
        shown
            .none_found_elsewhere(g.what, g.all_namespaces, asked)
            .or_else(|| self.none_found_in_system(g, asked, shown.none_found.as_deref()))
    }

    /// `No resources found` (`said`) for the pods of `kube-system` (or of
    /// every namespace) that no selector narrows, or that a selector
    /// narrows to labels kubeadm's own pods carry (`-l k8s-app=kube-dns`,
    /// `-l component=kube-apiserver`, `-l tier=control-plane`): a kubeadm
    /// cluster, which every lab is, always runs them there (etcd, the API
    /// server, the controller manager, the scheduler: static pods of its
    /// kubelet; kube-proxy on each node; CoreDNS), whatever the chapter
    /// deleted (probe21bm, lesser 3: after the pod network's delete it
    /// passed as skipped; probe21bp, finding 2: so did a selector of
    /// theirs). With a selector none of them has (`-l app=flannel`,
    /// `-l tier=node`) none may be left.
    fn none_found_in_system(
        &self,
        g: &crate::book::recognize::Get,
        asked: &str,
        said: Option<&str>,
    ) -> Option<String> {
        let said = said?;
        if g.what != crate::book::recognize::Resource::Pods
            || !(g.all_namespaces || asked == "kube-system")
        {
            return None;
        }
        let cp = &self.lab.control_plane().name;
        let Some((key, value)) = &g.selector else {
            return Some(format!(
                "kubectl get pods: the book shows `{said}`, but a kubeadm cluster always runs its control plane's pods in kube-system (etcd-{cp}, kube-apiserver-{cp}, kube-controller-manager-{cp}, kube-scheduler-{cp}, and kube-proxy on each node): kubectl lists them"
            ));
        };
        let selected: Vec<String> = crate::cluster::KUBEADM_SYSTEM_PODS
            .iter()
            .filter(|p| p.selected_by(key, value))
            .map(|p| p.named_on(cp))
            .collect();
        (!selected.is_empty()).then(|| {
            format!(
                "kubectl get pods -l {key}={value}: the book shows `{said}`, but a kubeadm cluster always runs in kube-system pods with that label ({}): kubectl lists them",
                selected.join(", ")
            )
        })
    }

    /// kubectl ran against the lab's cluster (a `get` of `listing`): its
    /// table against the book's.
    pub(super) fn cluster_table(
        &self,
        r: &mut CommandReport,
        epoch: usize,
        pods: &[PodRef],
        listing: super::gone_rows::Listing,
    ) {
        let book = self.book_in_lab(r, epoch, pods);
        let cut = book.iter().any(|l| compare::is_elision(l));
        let book: Vec<String> = book
            .into_iter()
            .filter(|l| !compare::is_elision(l))
            .collect();
        let mut shown = shown::read(&book, None);
        let mut lab = Table::parse(&r.lab);
        if shown.unread(r) {
            return;
        }
        if let Some(l) = lab.as_mut() {
            r.why
                .extend(self.gone_rows_set_aside(shown.table.as_mut(), l, &[], listing));
        }
        match (&shown.table, lab) {
            (None, lab) => r.differences.extend(shown.none_found_against(lab.as_ref())),
            (Some(b), _) if cut && b.rows.is_empty() => cut_to_header(r),
            (Some(b), _) if no_fact_column(r, b, &shown.lines) => {}
            (Some(b), Some(l)) => {
                // After what was found before (a kubeconfig no command makes).
                r.differences.extend(compare::tables(b, &l, cut));
                r.differences.extend(compare::not_table_rows(&shown.lines));
            }
            (Some(_), None) => r
                .differences
                .push("kubectl get: the lab printed no table".into()),
        }
        r.differences.splice(0..0, shown.header.iter().cloned());
        shown::add_note(r, shown.stderr_note());
    }

    /// No API server: the book's table against what the lab observes.
    pub(super) async fn observed_table(
        &self,
        t: &dyn Target,
        g: &Get,
        namespace: Option<&str>,
        r: &mut CommandReport,
        epoch: usize,
        pods: &[PodRef],
    ) {
        let book_lines = self.book_in_lab(r, epoch, pods);
        let mut cut = book_lines.iter().any(|l| compare::is_elision(l));
        let book_lines: Vec<String> = book_lines
            .into_iter()
            .filter(|l| !compare::is_elision(l))
            .collect();
        let shown = shown::read(&book_lines, Some(g.what));
        if shown.unread(r) {
            return;
        }
        // kubectl's `No resources found`: a table of no row.
        let mut book = shown.table.clone().unwrap_or(Table {
            header: Vec::new(),
            rows: Vec::new(),
        });
        if self.ending_rows_dropped(&mut book, &r.book, r.line) {
            cut = true;
        }
        let book_lines = shown.lines.clone();
        let early = match &shown.table {
            Some(_) if cut && book.rows.is_empty() => {
                cut_to_header(r);
                true
            }
            Some(_) => no_fact_column(r, &book, &book_lines),
            None => false,
        };
        if early {
            r.differences.splice(0..0, shown.header.iter().cloned());
            return shown::add_note(r, shown.stderr_note());
        }
        // A book whose rows are all flannel's is flannel's table only when
        // the line selects nothing else (`-l app=nginx` showing flannel's
        // pods is another command's output).
        let network = listing_shows::labels_of(self.lab, &PodKind::Flannel);
        let flannel = (g.selector.is_some()
            && listing_shows::selects(g.selector.as_ref(), network.as_ref()))
            || (g.selector.is_none()
                && !book.rows.is_empty()
                && book
                    .values("NAME")
                    .iter()
                    .all(|n| n.starts_with("kube-flannel")));
        // What the reader's table lists that the lab runs none of.
        let mut unlisted = None;
        let (header, rows, names): (Vec<&str>, Vec<Vec<String>>, LabNames) = match g.what {
            // `-o wide` adds each node's address, which the lab knows.
            Resource::Nodes if g.wide => (
                vec!["NAME", "STATUS", "ROLES", "VERSION", "INTERNAL-IP"],
                self.observed_nodes(t, true).await,
                Vec::new(),
            ),
            Resource::Nodes => (
                vec!["NAME", "STATUS", "ROLES", "VERSION"],
                self.observed_nodes(t, false).await,
                Vec::new(),
            ),
            Resource::Pods if flannel => {
                // Its pods are in the namespace the variant's plugin runs
                // them in; a line that asks another sees none of them.
                let theirs = self
                    .lab
                    .variant(&t.variant())
                    .map(|v| v.cni.plugin().ready_pods().namespace)
                    .unwrap_or("kube-system");
                let mut rows = if g.all_namespaces || namespace.unwrap_or("default") == theirs {
                    self.observed_flannel(t).await
                } else {
                    Vec::new()
                };
                if g.all_namespaces {
                    for r in &mut rows {
                        r.insert(0, "kube-system".into());
                    }
                }
                // With no selector, the reader's kubectl lists kubeadm's
                // own pods there too (the lab runs none of them).
                let listed = g.all_namespaces || namespace == Some("kube-system");
                if g.selector.is_none() && listed && !cut {
                    unlisted = Some(self.kubeadm_unlisted("shows flannel's pods alone"));
                }
                let mut h = vec!["NAME", "READY", "STATUS", "IP", "NODE"];
                if g.all_namespaces {
                    h.insert(0, "NAMESPACE");
                }
                (h, rows, Vec::new())
            }
            Resource::Pods => {
                let (mut rows, names) = self.observed_pods(t, g, namespace).await;
                // The pod network's pods, where the line lists them
                // (`--all-namespaces`: probe21br, lesser 1).
                let asked = (!g.all_namespaces).then(|| namespace.unwrap_or("default"));
                if listing_shows::would_show(
                    self.lab,
                    asked,
                    g.selector.as_ref(),
                    &PodKind::Flannel,
                    None,
                ) {
                    for mut row in self.observed_flannel(t).await {
                        if g.all_namespaces {
                            row.insert(0, listing_shows::network_namespace(self.lab).into());
                        }
                        rows.push(row);
                    }
                }
                let mut h = vec!["NAME", "READY", "STATUS", "IP", "NODE"];
                if g.all_namespaces {
                    h.insert(0, "NAMESPACE");
                }
                (h, rows, names)
            }
        };
        // kubectl prints a pod's IP and NODE only with `-o wide`.
        let (header, rows) = if g.what == Resource::Pods && !g.wide {
            narrow(&header, rows)
        } else {
            (header, rows)
        };
        r.lab = print(&header, &rows);
        r.ran_on = Some("lab (observed)".into());
        r.ran = Some(match g.what {
            Resource::Nodes => "each node asked its hostname".into(),
            Resource::Pods if flannel => "each node's /run/flannel/subnet.env read".into(),
            Resource::Pods => "each pod's namespace found and its nginx asked over HTTP".into(),
        });
        let mut lab = Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows,
        };
        let book_rows = shown.table.is_some().then_some(&mut book);
        let listing = super::gone_rows::Listing {
            namespace: (!g.all_namespaces).then(|| namespace.unwrap_or("default")),
            selector: g.selector.as_ref(),
        };
        r.why
            .extend(self.gone_rows_set_aside(book_rows, &mut lab, &names, listing));
        let mut all_kubeadms = false;
        if g.what == Resource::Pods && shown.table.is_some() {
            let asked = (!g.all_namespaces).then(|| namespace.unwrap_or("default"));
            let kubeadms = kubeadm_rows::set_aside(&mut book, asked);
            let listed = g.all_namespaces || asked == Some("kube-system");
            if kubeadms.is_empty() && unlisted.is_none() && g.selector.is_none() && listed && !cut {
                unlisted = Some(self.kubeadm_unlisted("shows none of them"));
            }
            all_kubeadms = !kubeadms.is_empty() && book.rows.is_empty();
            r.differences.extend(kubeadms);
            r.differences.extend(pod_none_columns::differences(&book));
        }
        let name = |v: &str| {
            let owner = names
                .iter()
                .find(|(n, _)| n == v)
                .map(|(_, w)| w.clone())
                .unwrap_or_else(|| owner_of(v).to_string());
            format!("{owner}-*")
        };
        // After what was found before (a kubeconfig no command makes:
        // probe21bh finding 1, which this replaced).
        match shown.table {
            Some(_) => r
                .differences
                .extend(compare::tables_named(&book, &lab, &name, cut)),
            None => r.differences.extend(shown.none_found_against(Some(&lab))),
        }
        r.differences.extend(unlisted);
        r.differences.extend(compare::not_table_rows(&book_lines));
        r.differences.splice(0..0, shown.header.iter().cloned());
        let wide_only: Vec<&str> = WIDE_ONLY
            .iter()
            .copied()
            .filter(|c| g.what == Resource::Pods && !g.wide && book.col(c).is_some())
            .collect();
        if !wide_only.is_empty() {
            r.differences.insert(
                0,
                format!(
                    "kubectl get pods: the book's table has {}, which kubectl {} prints only with `-o wide`; the line has none (the table is another command's output)",
                    wide_only.join(" and "),
                    self.lab.kubernetes
                ),
            );
        }
        r.reason = Some(match shown.none_found {
            Some(_) => "the book shows no row: compared with the rows the lab observes now".into(),
            None if all_kubeadms => kubeadm_rows::ALL_KUBEADMS.into(),
            None => observed_columns(&book, &lab),
        });
        shown::add_note(r, shown.stderr_note());
    }

    /// A `get pods` table of kube-system (or every namespace), no `-l`,
    /// no cut, that `shows` none of kubeadm's own pods: the reader's
    /// kubectl lists them (the lab runs none of them).
    fn kubeadm_unlisted(&self, shows: &str) -> String {
        let cp = &self.lab.control_plane().name;
        let kubeadms: Vec<String> = crate::cluster::KUBEADM_SYSTEM_PODS
            .iter()
            .map(|p| p.named_on(cp))
            .collect();
        format!(
            "kubectl get pods: the book's table {shows}, with no `-l` and no cut; the reader's kube-system also holds kubeadm's own pods ({}), which the lab runs none of",
            kubeadms.join(", ")
        )
    }

    async fn observed_nodes(&self, t: &dyn Target, wide: bool) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for n in &self.lab.nodes {
            let up = t
                .session()
                .output(&n.name, "hostname", None)
                .await
                .is_ok_and(|o| o.stdout.trim() == n.name);
            rows.push(vec![
                n.name.clone(),
                if up { "Ready" } else { "NotReady" }.into(),
                if n.role == crate::spec::Role::ControlPlane {
                    "control-plane"
                } else {
                    "<none>"
                }
                .into(),
                format!("v{}", self.lab.kubernetes),
            ]);
            if wide {
                rows.last_mut().expect("a row").push(n.ip.to_string());
            }
        }
        rows
    }

    async fn observed_flannel(&self, t: &dyn Target) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for n in &self.lab.nodes {
            let running = t
                .session()
                .output(&n.name, "cat /run/flannel/subnet.env", None)
                .await
                .is_ok_and(|o| o.ok() && o.stdout.contains("FLANNEL_SUBNET="));
            rows.push(vec![
                format!("kube-flannel-ds-{}", n.name.replace(['-', '.'], "")),
                if running { "1/1" } else { "0/1" }.into(),
                if running { "Running" } else { "NotRunning" }.into(),
                n.ip.to_string(),
                n.name.clone(),
            ]);
        }
        rows
    }

    /// The workload pods that run, in the namespaces the line asks for,
    /// and each lab pod's workload name.
    async fn observed_pods(
        &self,
        t: &dyn Target,
        g: &Get,
        namespace: Option<&str>,
    ) -> (Vec<Vec<String>>, LabNames) {
        let mut rows = Vec::new();
        let mut names = Vec::new();
        for p in t.pods() {
            if !g.all_namespaces && p.namespace != namespace.unwrap_or("default") {
                continue;
            }
            let Some(w) = self.lab.workloads.iter().find(|w| w.app == p.app) else {
                continue;
            };
            // `-l KEY=VALUE` sees the pods whose template has that label
            // (`pod-template-hash`, which Kubernetes adds, is not known:
            // every replica is taken to carry the book's.)
            let hash = g
                .selector
                .as_ref()
                .is_some_and(|(k, _)| k == "pod-template-hash");
            if !hash && !listing_shows::selects(g.selector.as_ref(), Some(&w.labels)) {
                continue;
            }
            let probe = crate::probe::http::command(p.ip, p.port, "/");
            let answers = t
                .session()
                .output_net(&p.node, &probe)
                .await
                .is_ok_and(|o| {
                    crate::probe::http::parse(&o.stdout)
                        == crate::probe::http::HttpResult::Status(200)
                });
            let mut row = vec![
                p.name.clone(),
                if answers { "1/1" } else { "0/1" }.into(),
                if answers { "Running" } else { "NotReady" }.into(),
                p.ip.to_string(),
                p.node.clone(),
            ];
            if g.all_namespaces {
                row.insert(0, p.namespace.clone());
            }
            names.push((p.name.clone(), w.name.clone()));
            rows.push(row);
        }
        (rows, names)
    }
}
