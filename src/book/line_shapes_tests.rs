//! The line shapes and who prints them ([`super::shape`], [`super::prints`],
//! [`super::regroup`]).

use super::{Prints, Shape, prints, regroup, shape};
use crate::book::parse::Step;

fn step(line: usize, command: &str, output: &[&str]) -> Step {
    Step {
        line,
        written: command.to_string(),
        command: command.to_string(),
        remark: None,
        output: output.iter().map(|l| l.to_string()).collect(),
        output_at: (0..output.len()).map(|k| line + 1 + k).collect(),
        cut: 0,
        host: None,
        remarks_below: Vec::new(),
        remarks_cut: 0,
        unread_lines: 0,
        title: Vec::new(),
    }
}

/// Each line of the shapes some commands print, and lines of none.
#[test]
fn lines_only_some_commands_print() {
    for (line, want) in [
        (
            "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.",
            Some(Shape::Ping),
        ),
        (
            "64 bytes from 10.244.3.4: icmp_seq=1 ttl=99 time=0.403 ms",
            Some(Shape::Ping),
        ),
        (
            "64 bytes from 10.244.3.4: seq=0 ttl=99 time=0.947 ms",
            Some(Shape::Ping),
        ),
        (
            "From 10.244.1.1 icmp_seq=1 Destination Host Unreachable",
            Some(Shape::Ping),
        ),
        ("--- 10.244.3.4 ping statistics ---", Some(Shape::Ping)),
        (
            "1 packets transmitted, 0 received, +1 errors, 100% packet loss",
            Some(Shape::Ping),
        ),
        (
            "20:55:02.971300 IP 10.244.3.3 > 10.244.1.0: ICMP echo reply, id 5874, seq 1, length 64",
            Some(Shape::Capture),
        ),
        (
            "listening on flannel.1, link-type EN10MB (Ethernet), capture size 262144 bytes",
            Some(Shape::Capture),
        ),
        ("1 packet captured", Some(Shape::Capture)),
        ("0 packets dropped by kernel", Some(Shape::Capture)),
        (
            "Determining IP address of default interface",
            Some(Shape::Log),
        ),
        (
            "Using interface with name enp0s8 and address 10.100.198.201",
            Some(Shape::Log),
        ),
        (
            "Defaulting external address to interface address (10.100.198.201)",
            Some(Shape::Log),
        ),
        (
            "I0421 20:50:01.000000       1 main.go:488] Using interface with name enp0s8 and address 10.100.198.201",
            Some(Shape::Log),
        ),
        (
            "I0421 20:50:01.000000       1 kube.go:139] Waiting 10m0s for node controller to sync",
            Some(Shape::Log),
        ),
        ("2018-04-21T11:29:35Z something happened", Some(Shape::Log)),
        ("time=\"2018\" level=info msg=\"started\"", Some(Shape::Log)),
        ("HTTP/1.1 200 OK", Some(Shape::Curl)),
        (
            "curl: (7) Failed to connect to 10.244.3.3 port 80: Connection refused",
            Some(Shape::Curl),
        ),
        (
            "<title>Apache2 Ubuntu Default Page: It works</title>",
            Some(Shape::Page),
        ),
        ("<!DOCTYPE html>", Some(Shape::Page)),
        ("</html>", Some(Shape::Page)),
        // Lines of none: prose, kubectl's own, a table, a route, a cut.
        ("The ping fails.", None),
        ("", None),
        ("...", None),
        ("^C", None),
        ("<none>", None),
        (
            "W1206 20:14:21.123456   12345 warnings.go:70] v1 ComponentStatus is deprecated",
            None,
        ),
        ("command terminated with exit code 1", None),
        ("200", None),
        ("node2     NotReady   <none>    3m        v1.10.0", None),
        ("10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink", None),
        ("FLANNEL_SUBNET=10.244.1.1/24", None),
        ("nginx-deployment-node1-0 on node1", None),
    ] {
        assert_eq!(shape(line), want, "{line}");
    }
}

/// What each command lab knows prints; a login and an unknown command
/// are neither.
#[test]
fn which_commands_print_which_shapes() {
    let has = |c: &str, s: Shape| prints(c).has(s);
    assert!(has("ping -c 1 10.244.3.4", Shape::Ping));
    assert!(!has("ping -c 1 10.244.3.4", Shape::Page));
    assert!(has("sudo tcpdump -i flannel.1", Shape::Capture));
    assert!(has("curl -s 10.244.1.3", Shape::Page));
    assert!(has("curl -s 10.244.1.3", Shape::Curl));
    for other in [Shape::Ping, Shape::Capture, Shape::Log] {
        assert!(!has("curl -s 10.244.1.3", other), "{other:?}");
    }
    let logs = "kubectl --kubeconfig ./admin.conf logs -n kube-system kube-flannel-ds-zzkf7";
    assert!(has(logs, Shape::Log));
    assert!(!has(
        "kubectl --kubeconfig ./admin.conf get nodes",
        Shape::Log
    ));
    assert!(has(
        "kubectl exec -it web -- ping -c 1 10.244.3.4",
        Shape::Ping
    ));
    assert!(!has(
        "kubectl exec -it web -- curl -s 10.244.3.4",
        Shape::Ping
    ));
    assert!(has("ping -c 1 10.244.3.4 | grep ttl", Shape::Ping));
    assert!(!has("exit", Shape::Ping));
    assert!(!has("ip route", Shape::Ping));
    assert_eq!(prints("vagrant ssh node1"), Prints::Login);
    assert_eq!(prints("journalctl -u flanneld"), Prints::Unknown);
}

/// probe21bc, finding 3 (`h8`, `h12`, `h13`, `q1`): a ping's lines shown
/// after `curl` (or `exit`) are the ping's; finding 4: a capture's after
/// `curl` the capture's; finding 5: a log's after `get nodes` the log's.
/// Seen failing first: there was no regrouping (all stayed the last's).
#[test]
fn a_blocks_lines_go_to_the_command_that_prints_their_shape() {
    let failure = [
        "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.",
        "From 10.244.1.1 icmp_seq=1 Destination Host Unreachable",
        "",
        "--- 10.244.3.4 ping statistics ---",
        "1 packets transmitted, 0 received, +1 errors, 100% packet loss",
    ];
    for last in ["curl -s 10.244.1.3", "curl 10.244.3.4", "exit", "ip route"] {
        let mut steps = vec![
            step(1, "vagrant ssh node1", &[]),
            step(2, "ping -c 1 10.244.3.4", &[]),
            step(3, last, &failure),
        ];
        regroup(&mut steps);
        assert_eq!(steps[1].output, failure, "{last}");
        assert_eq!(steps[1].output_at, vec![4, 5, 6, 7, 8], "{last}");
        assert!(steps[2].output.is_empty(), "{last}");
    }
    // In a pod, busybox's.
    let pod = "kubectl exec -it nginx-deployment-75675f5897-rq75g --";
    let busybox = [
        "PING 10.244.3.4 (10.244.3.4): 56 data bytes",
        "64 bytes from 10.244.3.4: seq=0 ttl=99 time=0.947 ms",
    ];
    let mut steps = vec![
        step(1, &format!("{pod} ping -c 1 10.244.3.4"), &[]),
        step(2, &format!("{pod} curl -s 10.244.3.4"), &busybox),
    ];
    regroup(&mut steps);
    assert_eq!(steps[0].output, busybox);
    // A capture's, and a log's.
    let capture = [
        "20:55:02.971181 IP 10.244.1.0 > 10.244.3.3: ICMP echo request, id 5874, seq 1, length 64",
    ];
    let mut steps = vec![
        step(1, "sudo tcpdump -i flannel.1", &[]),
        step(2, "curl -s 10.244.1.2", &capture),
        step(4, "exit", &[]),
    ];
    regroup(&mut steps);
    assert_eq!(steps[0].output, capture);
    let log = ["Using interface with name enp0s8 and address 10.100.198.201"];
    let mut steps = vec![
        step(1, "kubectl logs -n kube-system kube-flannel-ds-zzkf7", &[]),
        step(2, "kubectl get nodes", &log),
    ];
    regroup(&mut steps);
    assert_eq!(steps[0].output, log);
}

/// What stays: lines the command prints itself (a page after the ping's
/// reply goes to curl), lines no earlier command prints, a ping's header
/// alone, what a login or a command lab does not know shows.
#[test]
fn lines_no_earlier_command_prints_stay() {
    let mixed = [
        "64 bytes from 10.244.3.4: icmp_seq=1 ttl=63 time=0.403 ms",
        "",
        "<title>Welcome to nginx!</title>",
    ];
    let mut steps = vec![
        step(1, "ping -c 1 10.244.3.4", &[]),
        step(2, "curl -s 10.244.1.3", &mixed),
    ];
    regroup(&mut steps);
    assert_eq!(steps[0].output, mixed[..1]);
    assert_eq!(steps[1].output, mixed[2..]);
    assert_eq!(steps[1].output_at, vec![5]);
    let reply = ["64 bytes from 10.244.3.4: icmp_seq=1 ttl=63 time=0.403 ms"];
    let header = ["PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data."];
    for (steps, kept) in [
        // No ping before: the curl keeps it (its judge says whose it is not).
        (
            vec![
                step(1, "vagrant ssh node1", &[]),
                step(2, "curl -s 10.244.1.3", &reply),
            ],
            1,
        ),
        (
            vec![
                step(1, "ping -c 1 10.244.3.4", &[]),
                step(2, "curl -s 10.244.1.3", &header),
            ],
            1,
        ),
        (
            vec![
                step(1, "ping -c 1 10.244.3.4", &[]),
                step(2, "vagrant ssh node2", &reply),
            ],
            1,
        ),
        (
            vec![
                step(1, "ping -c 1 10.244.3.4", &[]),
                step(2, "ping -c 1 10.244.1.3", &reply),
            ],
            1,
        ),
        (
            vec![
                step(1, "ping -c 1 10.244.3.4", &[]),
                step(2, "journalctl -u flanneld", &reply),
            ],
            1,
        ),
    ] {
        let mut s = steps.clone();
        regroup(&mut s);
        assert_eq!(s, steps, "{:?}", steps[kept].command);
    }
}
