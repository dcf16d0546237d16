//! The join advice `kubeadm init` prints at the end of its output
//! (`kubeadm join 10.100.198.200:6443 --token … \`, then
//! `--discovery-token-ca-cert-hash sha256:…`): a line that opens with a
//! program's name, yet init's output, not a command the reader types
//! (probe21bu, BUKO11 and BUKO11b: read as a `kubeadm` command lab does
//! not replay, or as shell syntax for its `\`; then, read as output, as
//! "it may be a command the reader types"). It is compared as init's
//! output ([`crate::book::replay`]'s kubeadm join advice).

use super::Step;

/// Whether `line` (no prompt of its own) under `last` is kubeadm init's
/// printed join advice: `last` is a `kubeadm init` with output already,
/// and the line is `kubeadm join ADDRESS:PORT …` with a `--token` or a
/// `\` going on (the reader's own join runs on a worker, with `sudo`,
/// after `vagrant ssh`: never the line right under init's output).
pub fn is_init_advice(line: &str, last: &Step) -> bool {
    let t = line.trim();
    let init = {
        let w: Vec<&str> = last.command.split_whitespace().collect();
        let w = w.strip_prefix(&["sudo"]).unwrap_or(&w);
        w.starts_with(&["kubeadm", "init"])
    };
    init && !last.output.is_empty()
        && t.starts_with("kubeadm join ")
        && (t.contains("--token") || t.ends_with('\\'))
}
