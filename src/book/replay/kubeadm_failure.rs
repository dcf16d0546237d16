//! Whether a line the book shows under `kubeadm init` says init failed, and
//! which node a line names (probe21bu, finding 2). A list of kubeadm's
//! failure sentences always misses one (`isn't running or healthy`, `i/o
//! timeout`, `context deadline exceeded`, the shell's `command not found`,
//! `unknown flag`, `Killed`), and each missed one passed as a "progress
//! line". So failure is read the other way round: any line with a word of
//! failure (an error, a failed, unhealthy, refused or killed thing, a
//! timeout or deadline, something not found, not running, unknown or
//! impossible, a negation) says init failed, unless the line is one of
//! kubeadm's known benign forms: a warning (`[WARNING …]`, `… WARNING:`,
//! klog's `W…`/`I…` lines, which init goes on past, the version lookup of
//! a machine with no internet among them) or the kubelet check's `Initial
//! timeout of 40s passed`. kubeadm's wordings across releases name the
//! control plane's node in more forms than one (`[mark-control-plane]
//! Marking the node NAME`, 1.10's `[markmaster] Will mark node NAME` and
//! `Master NAME tainted`, `[patchnode] … Node API object "NAME"`, a
//! `[WARNING Hostname]: hostname "NAME"`): [`named_nodes`] reads them all.

/// Why `l` says kubeadm init failed, if it does.
pub(super) fn failure(l: &str) -> Option<&'static str> {
    let lower = l.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_ascii_alphabetic() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .collect();
    if l.contains("[ERROR") {
        return Some("a preflight error stops init");
    }
    if lower.contains("error execution phase") {
        return Some("kubeadm stopped in a phase");
    }
    if words.contains(&"fatal") || klog_level(l) == Some('F') {
        return Some("a fatal error");
    }
    if klog_level(l) == Some('E') {
        return Some("kubeadm logged an error");
    }
    if lower.starts_with("couldn't initialize") || lower.starts_with("error:") {
        return Some("kubeadm's error");
    }
    if shells_own(&lower) {
        return Some("the shell's own error: kubeadm did not run, or was stopped");
    }
    if benign(l, &lower) {
        return None;
    }
    let failed_word = words
        .iter()
        .any(|w| FAILED_WORDS.contains(w) || w.ends_with("n't"));
    if failed_word || FAILED_PHRASES.iter().any(|p| lower.contains(p)) {
        // kubeadm's own words when init fails past preflight (probe21bt
        // finding 2, probe21bu finding 2).
        return Some("kubeadm says something failed");
    }
    None
}

/// The level of a klog line (`W1207 12:00:00.123456    1234 file.go:104]
/// …`): `I`, `W`, `E` or `F`.
fn klog_level(l: &str) -> Option<char> {
    let t = l.trim_start();
    let mut c = t.chars();
    let level = c.next().filter(|c| "IWEF".contains(*c))?;
    let rest = c.as_str();
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    (digits == 4 && rest[4..].starts_with(' ') && rest.contains("] ")).then_some(level)
}

/// The shell's own words, not kubeadm's: it did not run (`sudo: kubeadm:
/// command not found`, `bash: …: No such file or directory`), or was
/// stopped (`Killed`, `Segmentation fault`, `Terminated`).
fn shells_own(lower: &str) -> bool {
    let t = lower.trim();
    [
        "killed",
        "terminated",
        "segmentation fault",
        "aborted",
        "hangup",
    ]
    .iter()
    .any(|w| t == *w || t.starts_with(&format!("{w} ")) || t.ends_with(&format!(" {w}")))
        || t.contains("command not found")
        || t.contains("permission denied")
        || t.contains("no such file or directory")
        || t.starts_with("usage:")
}

/// kubeadm's known benign lines that hold a word of failure: a warning,
/// which init goes on past (`[WARNING Swap]: …`, `[preflight] WARNING:
/// …`, klog's `W…` and `I…` lines, the version lookup of a machine with no
/// internet), and the kubelet check's note that it waits past 40s.
fn benign(l: &str, lower: &str) -> bool {
    l.contains("[WARNING")
        || l.contains("WARNING:")
        || matches!(klog_level(l), Some('W' | 'I'))
        || lower.contains("could not fetch a kubernetes version from the internet")
        || lower.contains("falling back to the local client version")
        || (lower.starts_with("unable to get url")
            && (lower.contains("dl.k8s.io/release/")
                || lower.contains("kubernetes-release/release/")))
        || lower.starts_with("[kubelet-check] initial timeout of")
}

/// Words of a failed init (a successful one's lines have none of them,
/// its warnings aside); any word ending in `n't` too.
const FAILED_WORDS: &[&str] = &[
    "error",
    "errors",
    "err",
    "fail",
    "failed",
    "fails",
    "failing",
    "failure",
    "unhealthy",
    "unfortunately",
    "refused",
    "timeout",
    "timeouts",
    "deadline",
    "exceeded",
    "killed",
    "panic",
    "aborted",
    "cannot",
    "unable",
    "unknown",
    "invalid",
    "denied",
    "unreachable",
    "missing",
    "not",
    "never",
    "crashloopbackoff",
    "oomkilled",
];

/// Phrases of a failed init.
const FAILED_PHRASES: &[&str] = &[
    "timed out",
    "no such",
    "no route",
    "exit status",
    "core dumped",
];

/// The node names `l` gives as the node kubeadm init sets up: a
/// certificate's `DNS names [...]`, `Marking the node NAME`, 1.10's `Will
/// mark node NAME` and `Master NAME tainted`, `Node API object "NAME"`,
/// `hostname "NAME"`. None: the line names no node.
pub(super) fn named_nodes(l: &str) -> Option<Vec<&str>> {
    if let Some((_, rest)) = l.split_once("DNS names [") {
        return Some(rest.split(']').next()?.split_whitespace().collect());
    }
    let after_word = |lead: &str| {
        l.split_once(lead)
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .map(|w| w.trim_matches(|c: char| c == '"' || c == '\'' || c == ','))
    };
    for lead in [
        "Marking the node ",
        "mark node ",
        "Master ",
        "Node API object ",
        "hostname ",
        "node \"",
    ] {
        if lead == "Master " && !l.contains(" tainted") {
            continue;
        }
        if let Some(n) = after_word(lead).filter(|n| !n.is_empty()) {
            return Some(vec![n]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_in_other_words_are_read() {
        for l in [
            "[kubelet-check] It seems like the kubelet isn't running or healthy.",
            "Get \"https://10.100.198.200:6443/livez\": dial tcp 10.100.198.200:6443: i/o timeout",
            "context deadline exceeded",
            "sudo: kubeadm: command not found",
            "unknown flag: --pod-network-cidr",
            "cannot use \"10.100.198.999\" as the bind address for the API Server",
            "Killed",
            "E1207 12:00:00.123456    1234 run.go:72] \"command failed\"",
            "The connection to the server was refused",
        ] {
            assert!(failure(l).is_some(), "{l}");
        }
    }

    #[test]
    fn kubeadms_benign_lines_are_no_failure() {
        for l in [
            "[init] Using Kubernetes version: v1.32.0",
            "W1207 12:00:00.123456    1234 version.go:104] could not fetch a Kubernetes version from the internet: unable to get URL \"https://dl.k8s.io/release/stable-1.txt\": Get \"https://dl.k8s.io/release/stable-1.txt\": dial tcp: lookup dl.k8s.io on 127.0.0.53:53: server misbehaving",
            "W1207 12:00:00.123789    1234 version.go:105] falling back to the local client version: v1.32.0",
            "\t[WARNING Swap]: swap is supported for cgroup v2 only",
            "[WARNING FileExisting-crictl]: crictl not found in system path",
            "[kubelet-check] Initial timeout of 40s passed.",
            "[preflight] This might take a minute or two, depending on the speed of your internet connection",
            "[kubelet-check] The kubelet is healthy after 501.505195ms",
            "[upload-certs] Skipping phase. Please see --upload-certs",
            "Your Kubernetes control-plane has initialized successfully!",
            "Then you can join any number of worker nodes by running the following on each as root:",
            "[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials",
        ] {
            assert_eq!(failure(l), None, "{l}");
        }
    }

    #[test]
    fn each_wording_of_the_node_is_read() {
        for (l, n) in [
            (
                "[markmaster] Will mark node node1 as master by adding a label and a taint",
                "node1",
            ),
            (
                "[markmaster] Master node1 tainted and labelled with key/value: node-role.kubernetes.io/master=\"\"",
                "node1",
            ),
            (
                "[patchnode] Uploading the CRI Socket information \"/var/run/dockershim.sock\" to the Node API object \"node1\" as an annotation",
                "node1",
            ),
            (
                "\t[WARNING Hostname]: hostname \"node1\" could not be reached",
                "node1",
            ),
            (
                "[mark-control-plane] Marking the node master as control-plane",
                "master",
            ),
        ] {
            assert_eq!(named_nodes(l), Some(vec![n]), "{l}");
        }
        assert_eq!(
            named_nodes("[apiclient] First node has registered after 3.5 seconds"),
            None
        );
    }
}
