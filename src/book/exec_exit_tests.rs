use super::*;

fn lines(t: &str) -> Vec<String> {
    t.lines().map(str::to_string).collect()
}

const PING: &str = "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Time to live exceeded\n\n--- 10.244.3.3 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n";

#[test]
fn kubectls_line_is_read_as_kubectl_prints_it() {
    assert_eq!(exit_code("command terminated with exit code 1"), Some(1));
    assert_eq!(
        exit_code("  command terminated with exit code 137 "),
        Some(137)
    );
    for other in [
        "command terminated with exit code",
        "command terminated with exit code -1",
        "command terminated with exit code 1 (no reply)",
        "Command terminated with exit code 1",
        "command terminated with exit code one",
    ] {
        assert_eq!(exit_code(other), None, "{other}");
    }
}

#[test]
fn an_exec_is_kubectls_exec_before_its_dashes() {
    for exec in [
        "kubectl --kubeconfig ./admin.conf exec -it nginx-deployment-75675f5897-4dm42 -- ping 10.244.3.3",
        "kubectl exec -n kube-system kube-flannel-ds-zzkf7 cat /run/flannel/subnet.env",
        "sudo KUBECONFIG=/etc/kubernetes/admin.conf kubectl exec p -- curl -s 10.244.3.3",
        "/usr/bin/kubectl exec p -- route -n",
    ] {
        assert!(is_exec(exec), "{exec}");
    }
    for other in [
        "kubectl get pods -o wide",
        "ping -c 1 10.244.3.3",
        "kubectl debug node/node1 -it --image=busybox -- exec",
    ] {
        assert!(!is_exec(other), "{other}");
    }
}

/// probe21by X1, probe21ca WE4: the true line under a failing ping agrees
/// with the lab's exit 1; another code, `0`, a second line or output after
/// it drift.
#[test]
fn the_code_is_held_against_the_labs_exit() {
    let book = lines(&format!("{PING}command terminated with exit code 1"));
    assert!(differences(&book, Some(1), Agreement::Exact).is_empty());
    assert_eq!(without(&book), lines(PING));
    let d = differences(&book, Some(2), Agreement::Exact);
    assert_eq!(
        d,
        [
            "kubectl exec: the book shows `command terminated with exit code 1`; in the lab the command exited 2"
        ]
    );
    let d = differences(&book, Some(0), Agreement::Exact);
    assert!(
        d[0].contains("in the lab the command exited 0, and kubectl prints no such line"),
        "{d:?}"
    );
    assert!(differences(&book, None, Agreement::Exact)[0].contains("killed by a signal"));
    let zero = lines(&format!("{PING}command terminated with exit code 0"));
    let d = differences(&zero, Some(0), Agreement::Exact);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(d[0].contains("never for 0"), "{d:?}");
    let twice = lines(&format!(
        "{PING}command terminated with exit code 1\ncommand terminated with exit code 1"
    ));
    let d = differences(&twice, Some(1), Agreement::Exact);
    assert!(d[0].contains("2 times"), "{d:?}");
    let before = lines(&format!("command terminated with exit code 1\n{PING}"));
    let d = differences(&before, Some(1), Agreement::Exact);
    assert!(d[0].contains("after kubectl's"), "{d:?}");
    // Blank lines and a cut after it say nothing.
    let blank = lines(&format!(
        "{PING}\ncommand terminated with exit code 1\n\n...\n"
    ));
    assert!(differences(&blank, Some(1), Agreement::Exact).is_empty());
    // No line, nothing to hold.
    assert!(differences(&lines(PING), Some(1), Agreement::Exact).is_empty());
}

/// curl's exit is read by meaning against the lab's; the line must agree
/// with the book's own `curl: (N)` line, and `0` drifts there too.
#[test]
fn a_curls_code_agrees_with_its_own_error_line() {
    let own = "curl: (28) Connection timed out after 5001 milliseconds";
    let book = lines(&format!("{own}\ncommand terminated with exit code 28"));
    assert!(differences(&book, Some(7), Agreement::CurlsOwn).is_empty());
    let book = lines(&format!("{own}\ncommand terminated with exit code 7"));
    let d = differences(&book, Some(28), Agreement::CurlsOwn);
    assert!(d[0].contains("under curl's own `curl: (28)`"), "{d:?}");
    let zero = lines("200\ncommand terminated with exit code 0");
    assert!(differences(&zero, Some(0), Agreement::CurlsOwn)[0].contains("never for 0"));
}

/// After a blank line under an exec, the line is output, not the command
/// `command`; under any other command it is not kubectl's exit line.
#[test]
fn shown_under_an_exec_only() {
    let exec = "kubectl exec -it p -- ping 10.244.3.3";
    assert!(shown_under(exec, "command terminated with exit code 1"));
    assert!(!shown_under(
        exec,
        "command terminated with exit code 1 again"
    ));
    assert!(!shown_under(
        "ping 10.244.3.3",
        "command terminated with exit code 1"
    ));
}
