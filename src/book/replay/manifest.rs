//! What `kubectl apply|delete -f FILE` means in the lab. A variant's network
//! file switches the lab's variant as the chapter does (workloads and
//! network removed, the file applied, workloads again); a workload file's
//! pods are checked. kubectl itself judged the line without a cluster
//! ([`super::kubectl`]); its own message (`deployment.apps/… created`) is
//! compared with what kubectl prints for the file's objects
//! ([`super::manifest_messages`]). Nothing here is `match`: an apply of the
//! variant already up runs nothing, a switch compares nothing.

use super::kubectl::not_run;
use super::{Replayer, Target, fail};
use crate::book::recognize::{KubeAction, Kubectl};
use crate::book::{CommandReport, Verdict};

/// An `apply`/`delete -f` line whose meaning is still to be done in the lab
/// (it changes the lab, so it runs alone: [`Replayer::manifest_done`]).
pub(super) struct Manifest {
    /// kubectl accepted the line (else it refused it).
    pub accepted: bool,
    /// kubectl's refusal of the line's `-n` ([`Replayer::namespace_refusal`]).
    pub namespace_refusal: Option<String>,
}

/// Whether the manifest at `path` is the book's `file` (by file name).
fn named(path: &std::path::Path, file: &str) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy() == file)
}

impl Replayer<'_> {
    /// The meaning of an `apply`/`delete -f` line that [`Replayer::kubectl`]
    /// left: done in the lab (a variant switch, the workload's pods counted).
    pub(super) async fn manifest_done(
        &mut self,
        t: &mut dyn Target,
        k: &Kubectl,
        r: &mut CommandReport,
        m: Manifest,
    ) {
        let refused = m.namespace_refusal.is_some();
        self.manifest_meaning(t, k, r, m.namespace_refusal).await;
        if m.accepted && !refused {
            self.manifest_messages(k, r);
        }
        if m.accepted {
            not_run(r, "lab did what the line means itself");
        }
    }

    /// The variant or the workload a manifest of the book is, by file name.
    fn manifest(
        &self,
        file: &str,
    ) -> std::result::Result<(Option<String>, Option<String>), String> {
        if let Some(v) = self.lab.variants.iter().find(|v| named(&v.manifest, file)) {
            return Ok((Some(v.name.clone()), None));
        }
        if let Some((i, _)) = self
            .lab
            .workload_files
            .iter()
            .enumerate()
            .find(|(_, f)| named(f, file))
        {
            return Ok((
                None,
                self.lab
                    .workloads
                    .get(i)
                    .map(|w| w.name.clone())
                    .or(Some(file.to_string())),
            ));
        }
        Err(format!(
            "the lab has no manifest {file} (its variants' network files and workloads are in lab.yaml)"
        ))
    }

    /// kubectl's refusal of `-n namespace` with the manifest `file`, when an
    /// object of the file names another namespace, as kubectl prints it
    /// (kubectl checks this before it asks a server, so the lab says it
    /// without one).
    pub(super) fn namespace_refusal(&self, file: &str, namespace: Option<&str>) -> Option<String> {
        let namespace = namespace?;
        let path = self
            .lab
            .variants
            .iter()
            .map(|v| &v.manifest)
            .chain(self.lab.workload_files.iter())
            .find(|p| named(p, file))?;
        let m = crate::testbed::manifest::read_documents(path).ok()?;
        let other = m.docs.iter().find_map(|d| {
            let ns = d.get("metadata")?.get("namespace")?.as_str()?;
            (ns != namespace).then(|| ns.to_string())
        })?;
        Some(format!(
            "error: the namespace from the provided object \"{other}\" does not match the namespace \"{namespace}\". You must pass '--namespace={other}' to perform this operation."
        ))
    }

    /// Do in the lab what an `apply`/`delete -f` line means; `refusal`:
    /// kubectl's of its `-n` ([`Replayer::namespace_refusal`]).
    pub(super) async fn manifest_meaning(
        &mut self,
        t: &mut dyn Target,
        k: &Kubectl,
        r: &mut CommandReport,
        refusal: Option<String>,
    ) {
        // kubectl refuses a `-n` other than the file's objects' own: the
        // reader's line does nothing, and nor does the lab.
        if let Some(refusal) = refusal {
            r.verdict = Verdict::Skipped;
            r.ran_on = Some("lab".into());
            let shown = r.book.iter().any(|l| l.trim() == refusal);
            if !shown {
                r.differences
                    .push(format!("kubectl refuses the line: {refusal}"));
            }
            r.reason = Some(format!(
                "kubectl refuses the line for the reader (its -n is not the objects' namespace){}: the lab does nothing of it",
                if shown { ", as the book shows" } else { "" }
            ));
            return;
        }
        match &k.action {
            KubeAction::Apply { file } => self.apply(t, file, k.namespace.as_deref(), r).await,
            KubeAction::Delete { file } => self.delete(file, r),
            _ => {}
        }
    }

    /// kubectl's messages the book shows under an accepted `apply|delete
    /// -f` line, compared with the ones kubectl prints for the file's
    /// objects ([`super::manifest_messages`]); said in the line's reason.
    fn manifest_messages(&self, k: &Kubectl, r: &mut CommandReport) {
        if r.verdict == Verdict::Error || r.book.iter().all(|l| l.trim().is_empty()) {
            return;
        }
        let (verb, file) = match &k.action {
            KubeAction::Apply { file } => ("apply", file),
            KubeAction::Delete { file } => ("delete", file),
            _ => return,
        };
        let command = format!("kubectl {verb} -f {file}");
        let said = match self.messages.get(&r.line) {
            None => format!(
                "kubectl's own message is not compared: lab could not read the objects of {file}"
            ),
            Some(expected) => {
                let minor = r
                    .kubectl
                    .as_ref()
                    .map_or("", |k| super::refusal::minor(&k.version))
                    .to_string();
                let c = super::manifest_messages::compare(&r.book, expected, &command, &minor);
                r.differences.extend(c.differences.iter().cloned());
                let mut said = match (c.agreed, c.differences.len()) {
                    (_, 0) => format!(
                        "kubectl's messages the book shows are what kubectl {minor} prints for the objects of {file}"
                    ),
                    _ => format!(
                        "kubectl's messages the book shows are not what kubectl {minor} prints for the objects of {file}"
                    ),
                };
                if !c.older.is_empty() {
                    said.push_str(&format!(" ({})", c.older.join("; ")));
                }
                said
            }
        };
        r.reason = Some(match r.reason.take() {
            Some(x) => format!("{x}; {said}"),
            None => said,
        });
    }

    fn delete(&mut self, file: &str, r: &mut CommandReport) {
        let line = r.line;
        r.verdict = Verdict::Skipped;
        match self.manifest(file) {
            Ok((variant, workload)) => {
                if variant.is_some() && self.net_deleted.is_none() {
                    self.net_deleted = Some((line, file.to_string()));
                }
                if let Some(w) = workload {
                    self.workload_deleted(&w, line);
                }
            }
            Err(e) => return fail(r, e),
        }
        r.reason = Some("the lab takes the workloads and the network down together, in the variant switch of the next `kubectl apply` of a network file; until the file is applied again, nothing of its pods is compared".into());
    }

    async fn apply(
        &mut self,
        t: &mut dyn Target,
        file: &str,
        namespace: Option<&str>,
        r: &mut CommandReport,
    ) {
        r.verdict = Verdict::Skipped;
        match self.manifest(file) {
            Ok((Some(variant), _)) => {
                r.ran_on = Some("lab".into());
                if t.variant() == variant && self.net_deleted.is_none() {
                    r.lab = vec![format!("the lab runs variant {variant} ({file})")];
                    r.ran = None;
                    r.reason = Some(format!(
                        "nothing ran: the lab already runs variant {variant}"
                    ));
                } else {
                    r.ran = Some(format!("switch to variant {variant}"));
                    match t.switch(&variant).await {
                        Ok(()) => {
                            r.lab = vec![format!(
                                "switched to variant {variant} ({file}): workloads and network removed, {file} applied, workloads again"
                            )];
                            r.variant = variant;
                            r.reason = Some(
                                "the variant switch ran; the book shows nothing of it to compare"
                                    .into(),
                            );
                            self.net_deleted = None;
                        }
                        Err(e) => fail(r, e.to_string()),
                    }
                }
            }
            Ok((None, Some(workload))) => {
                r.ran_on = Some("lab".into());
                let (app, replicas) = self
                    .lab
                    .workloads
                    .iter()
                    .find(|w| w.name == workload)
                    .map(|w| (w.app.clone(), w.replicas))
                    .unwrap_or_default();
                let labs = t
                    .pods()
                    .iter()
                    .find(|p| p.app == app)
                    .map_or_else(|| "default".to_string(), |p| p.namespace.clone());
                if let Some(ns) = namespace.filter(|ns| *ns != labs) {
                    self.workload_elsewhere(&workload, r.line, ns);
                    r.reason = Some(format!(
                        "the reader's pods of {workload} go to namespace {ns}; the lab runs them in {labs} only, so nothing of them is compared until the file is applied there"
                    ));
                    return;
                }
                self.workload_applied(&workload);
                r.ran = Some(format!("the pods of {workload} listed"));
                let running: Vec<String> = t
                    .pods()
                    .iter()
                    .filter(|p| p.app == app)
                    .map(|p| format!("{} on {} ({})", p.name, p.node, p.ip))
                    .collect();
                r.lab = running.clone();
                if self.net_deleted.is_some() {
                    r.differences.push(format!("kubectl apply -f {file}: the chapter applies workloads before a network; the lab switches networks as a whole"));
                } else if running.len() as u64 != u64::from(replicas) {
                    r.differences.push(format!(
                        "{workload}: {replicas} replicas wanted; the lab runs {}",
                        running.len()
                    ));
                }
                r.reason = Some("the workload's pods were counted".into());
            }
            Ok((None, None)) => {}
            Err(e) => fail(r, e),
        }
    }
}
