//! Which kubectl lines lab does not understand may still go to kubectl
//! without a cluster ([`judgeable`]): a refusal there is the reader's
//! failing command in kubectl's words, so the words must be harmless (no
//! server named, no URL, no path outside the lab folder).

/// The words after `kubectl` of a line lab did not recognise, if they are
/// harmless to give to kubectl without a cluster: a verb that reads or
/// judges (`get`, `describe`, `exec`, `logs`, `apply`, `delete`), words of
/// a small alphabet, no URL, no absolute path (`--x=/p` neither), no `..`
/// (kubectl runs plugins, listens, copies and fetches for other verbs).
pub(super) fn judgeable(line: &str) -> Option<Vec<String>> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let (first, rest) = words.split_first()?;
    if *first != "kubectl" {
        return None;
    }
    let safe = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._=/:,-".contains(&b))
            && !w.contains("://")
            && !w.starts_with('/')
            && !w.contains("=/")
            && !w.split('/').any(|c| c == "..")
            && !names_a_server(w)
    };
    if !rest.iter().all(|w| safe(w)) {
        return None;
    }
    // Only these flags before the verb: they name nothing outside the lab.
    let at = kubectl_verb(rest)?;
    let harmless = ["--kubeconfig", "-n", "--namespace", "--context"];
    rest[..at]
        .iter()
        .filter(|w| w.starts_with('-'))
        .all(|w| harmless.contains(&w.split('=').next().unwrap_or(w)))
        .then_some(())?;
    ["get", "describe", "exec", "logs", "apply", "delete"]
        .contains(&rest[at])
        .then(|| rest.iter().map(|w| w.to_string()).collect())
}

/// kubectl's global flags that take the next word as their value.
const VALUED: &[&str] = &[
    "--kubeconfig",
    "-n",
    "--namespace",
    "--context",
    "--cluster",
    "--user",
    "-s",
    "--server",
    "-l",
    "--selector",
    "-o",
    "--output",
];

/// kubectl's global flags that take no value.
const SWITCHES: &[&str] = &[
    "--insecure-skip-tls-verify",
    "--match-server-version",
    "--warnings-as-errors",
];

/// Where a kubectl line's verb is among `args` (the words after
/// `kubectl`): after flags known to take a value (`-n NS`, or joined:
/// `--namespace=NS`) or none. Another flag may take the next word as its
/// value (`--token get proxy`, `--as get delete …`): the verb is then not
/// known.
pub(super) fn kubectl_verb(args: &[&str]) -> Option<usize> {
    let mut i = 0;
    while let Some(w) = args.get(i) {
        if VALUED.contains(w) {
            i += 2;
        } else if w.contains('=') && w.starts_with('-') || SWITCHES.contains(w) {
            i += 1;
        } else if w.starts_with('-') {
            return None;
        } else {
            return Some(i);
        }
    }
    None
}

/// Whether a word tells kubectl where to connect (`--server`, `-s`, and
/// their `=` and joined forms): with it, a chapter's line made the host's
/// kubectl send requests to any address (not the offline 127.0.0.1:1).
fn names_a_server(w: &str) -> bool {
    w.starts_with("--server") || (w.starts_with("-s") && !w.starts_with("--"))
}

#[cfg(test)]
mod tests {
    use super::judgeable;

    #[test]
    fn only_harmless_lines_go_to_kubectl_unrecognised() {
        assert_eq!(
            judgeable("kubectl --kubeconfig ./admin.conf get pods --all-namespace").unwrap(),
            [
                "--kubeconfig",
                "./admin.conf",
                "get",
                "pods",
                "--all-namespace"
            ]
        );
        for bad in [
            "kubectl proxy",
            "kubectl cp a b",
            "kubectl foo",
            "kubectl port-forward pod/x 80",
            "kubectl apply -f https://example.com/x.yml",
            "kubectl --kubeconfig /etc/kubernetes/admin.conf get pods",
            "kubectl apply -f ../x.yml",
            "kubectl get pods > x",
            "kubectl -s 10.0.0.1:6443 get nodes",
            "kubectl -s=10.0.0.1:6443 get nodes",
            "kubectl -s10.0.0.1:6443 get nodes",
            "kubectl get pods --server=10.0.0.1:6443",
            "kubectl get pods --server 10.0.0.1:6443",
            "curl x",
        ] {
            assert_eq!(judgeable(bad), None, "{bad}");
        }
    }
}
