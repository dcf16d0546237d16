//! A curl on a node whose pods serve the real nginx image's page (the
//! vagrant lab's; recorded by hand, no VMs run here): its `<title>` is
//! compared, and an address that is none of the lab's is not curled.

use super::tests::{RecordedLab, chapter4, pod, replied};
use super::*;
use crate::book::parse;
use crate::provider::Kind;
use crate::session::fake::FakeSession;

const PAGE: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n";

const CHAPTER: &str = "# Pages\n\n```console\n$ vagrant ssh node1\nvagrant@node1:~$ curl 10.244.1.2\n<title>Welcome to nginx!</title>\nvagrant@node1:~$ exit\n```\n\n```console\n$ vagrant ssh node1\nvagrant@node1:~$ curl 10.244.1.2\n<title>It works!</title>\nvagrant@node1:~$ exit\n```\n\n```console\n$ vagrant ssh node1\nvagrant@node1:~$ curl -m 2 http://192.0.2.7/\n<title>Elsewhere</title>\nvagrant@node1:~$ exit\n```\n";

#[tokio::test]
async fn a_pages_title_is_compared_and_only_the_labs_addresses_are_curled() {
    let (lab, _) = chapter4();
    let session = || {
        FakeSession::new()
            .on("node1", "hostname", "node1\n")
            .on_out("node1", "curl -gsS", replied(PAGE))
    };
    let chapter = parse::parse(std::path::Path::new("pages.md"), CHAPTER.as_bytes()).unwrap();
    let mut t = RecordedLab::two_pods(Kind::Vagrant, session);
    let r = replay(
        &chapter,
        &lab,
        &mut t,
        &crate::book::known::KnownFile::default(),
    )
    .await;
    let curl = |line: usize| {
        r.blocks
            .iter()
            .flat_map(|b| &b.commands)
            .find(|c| c.line == line)
            .unwrap()
    };
    assert_eq!(curl(5).verdict, Verdict::Match, "{:?}", curl(5));
    assert_eq!(curl(5).ran_on.as_deref(), Some("node1"));
    assert_eq!(curl(12).verdict, Verdict::Drift, "{:?}", curl(12));
    assert_eq!(
        curl(12).differences,
        [
            "curl: the book shows an answer (the title `It works!`); the lab shows an answer (the title `Welcome to nginx!`)"
        ]
    );
    assert_eq!(curl(19).verdict, Verdict::NotUnderstood, "{:?}", curl(19));
    assert!(
        curl(19)
            .reason
            .as_deref()
            .unwrap()
            .contains("curl to 192.0.2.7"),
        "{:?}",
        curl(19)
    );
    let asked = t.broken.ran();
    assert!(!asked.iter().any(|a| a.contains("192.0.2.7")), "{asked:?}");
    assert_eq!(asked.iter().filter(|a| a.contains("curl")).count(), 2);
}

const TABLE: &str = "NAME                                READY   STATUS    RESTARTS   AGE   IP           NODE\nnginx-deployment-6b7f6d9b8c-k2v9x   1/1     Running   0          2m    10.244.1.2   node1\nnginx-deployment-6b7f6d9b8c-zt4mf   1/1     Running   0          2m    10.244.2.2   node2\n";

/// On a cluster the book's `kubectl exec POD -- curl` runs as typed (argv):
/// its `-w '%{http_code}'` unquoted (no shell takes the quotes off) and a
/// deadline added where the book's curl has none; the status it prints is
/// compared (the same answer drifts where the book claims `000`). The old
/// form without `--` stays kubectl's refusal, its meaning run in the pod.
#[tokio::test]
async fn a_curl_in_a_clusters_pod_gets_a_deadline_and_its_write_out_unquoted() {
    let (lab, _) = chapter4();
    let pod1 = "nginx-deployment-6b7f6d9b8c-k2v9x";
    let text = format!(
        "```bash\nkubectl get pods -o wide\n{TABLE}```\n\n```bash\nkubectl exec {pod1} -- curl -s -o /dev/null -w '%{{http_code}}' 10.244.2.2\n200\n```\n\n```bash\nkubectl exec {pod1} -- curl -s -o /dev/null -w '%{{http_code}}' 10.244.2.2\n000\n```\n\n```bash\nkubectl exec {pod1} curl -I 10.244.2.2\nHTTP/1.1 200 OK\n```\n"
    );
    let session = || {
        FakeSession::new()
            .kubectl("get pods -o wide", TABLE)
            .kubectl(
                "-- curl --connect-timeout 1 -m 3 -s -o /dev/null -w %{http_code} 10.244.2.2",
                "200\n",
            )
            .in_pod(pod1, "curl -gsS -I", replied("HTTP/1.1 200 OK\n"))
    };
    let chapter = parse::parse(std::path::Path::new("pod.md"), text.as_bytes()).unwrap();
    let mut t = RecordedLab::two_pods(Kind::Vagrant, session);
    let r = replay(
        &chapter,
        &lab,
        &mut t,
        &crate::book::known::KnownFile::default(),
    )
    .await;
    let c = |i: usize| &r.blocks[i + 1].commands[0];
    assert_eq!(c(0).verdict, Verdict::Match, "{:?}", c(0));
    assert_eq!(c(1).verdict, Verdict::Drift, "{:?}", c(1));
    assert_eq!(
        c(1).differences,
        ["curl: the book shows no answer; the lab shows an answer (HTTP 200)"]
    );
    // The old form: kubectl 1.32 refuses it (drift in its words); its
    // meaning ran in the pod, through the probes' path, and agrees.
    assert_eq!(c(2).verdict, Verdict::Drift, "{:?}", c(2));
    assert_eq!(c(2).differences.len(), 1, "{:?}", c(2));
    assert!(
        c(2).differences[0].contains("refuses the book's line"),
        "{:?}",
        c(2)
    );
    assert_eq!(c(2).lab, ["HTTP/1.1 200 OK"], "{:?}", c(2));
    let lines = t.kubectl_lines.lock().unwrap().clone();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(
        lines[1..3].iter().all(|l| l.ends_with(
            "-- curl --connect-timeout 1 -m 3 -s -o /dev/null -w %{http_code} 10.244.2.2"
        )),
        "{lines:?}"
    );
}

/// probe21l's finding 4: on netns a curl to a node's own address on a port
/// where a kubeadm node runs a server (the API server's 6443, the kubelet's
/// 10250 at a node's `cni0`, sshd at the NAT address) matched a book
/// showing "Connection refused": the lab's node refuses, the reader's
/// answers. Now skipped there, naming the server, and never run; a port no
/// kubeadm server uses (8080, and 10257, which kubeadm binds to 127.0.0.1)
/// is still compared. On vagrant, which runs the real cluster, every one
/// runs and is compared.
#[tokio::test]
async fn a_curl_to_a_port_where_a_real_node_runs_a_server_is_skipped_on_netns() {
    let refused = |port: u16| {
        format!(
            "```console\n$ vagrant ssh node1\nvagrant@node1:~$ curl -m 2 10.100.198.200:{port}\ncurl: (7) Failed to connect to 10.100.198.200 port {port}: Connection refused\nvagrant@node1:~$ exit\n```\n\n"
        )
    };
    let text = format!(
        "# Ports\n\n{}{}{}```console\n$ vagrant ssh node1\nvagrant@node1:~$ curl -m 2 10.244.1.1:10250\ncurl: (7) Failed to connect to 10.244.1.1 port 10250: Connection refused\nvagrant@node1:~$ curl -m 2 10.0.2.15:22\ncurl: (7) Failed to connect to 10.0.2.15 port 22: Connection refused\nvagrant@node1:~$ exit\n```\n",
        refused(6443),
        refused(8080),
        refused(10257),
    );
    let chapter = parse::parse(std::path::Path::new("ports.md"), text.as_bytes()).unwrap();
    let urls: Vec<String> = [
        ("10.100.198.200", 6443),
        ("10.100.198.200", 8080),
        ("10.100.198.200", 10257),
        ("10.244.1.1", 10250),
        ("10.0.2.15", 22),
    ]
    .iter()
    .map(|(ip, port)| format!("http://{ip}:{port}/"))
    .collect();
    for kind in [Kind::Netns, Kind::Vagrant] {
        let (curls, asked) = curls_refused(&chapter, kind, &urls).await;
        let curls: Vec<&CommandReport> = curls.iter().collect();
        let got: Vec<Verdict> = curls.iter().map(|c| c.verdict).collect();
        let ran = asked.iter().filter(|a| a.contains("curl")).count();
        if kind == Kind::Netns {
            use Verdict::{Match, Skipped};
            assert_eq!(got, [Skipped, Match, Match, Skipped, Skipped], "{curls:#?}");
            let said = |i: usize| curls[i].reason.clone().unwrap_or_default();
            assert!(said(0).contains("the Kubernetes API server"), "{}", said(0));
            assert!(said(3).contains("kubelet"), "{}", said(3));
            assert!(said(4).contains("sshd"), "{}", said(4));
            assert_eq!(ran, 2, "{asked:?}");
        } else {
            assert!(got.iter().all(|v| *v == Verdict::Match), "{curls:#?}");
            assert_eq!(ran, 5, "{asked:?}");
        }
    }
}

/// A curl the book shows refused, to an address that is no node's own and
/// that the chapter binds to no pod: the reader's NAT gateway (10.0.2.2,
/// their host), the private network's .1 (their host too), a pod address
/// the chapter never showed. What answers there for the reader is not
/// known, so it is skipped and never run (fixc's note on probe21l: it was
/// run and a refusal matched); the same refusal from a node's own address
/// is still compared.
#[tokio::test]
async fn a_refusal_from_an_address_of_the_readers_world_is_not_compared() {
    let text = "# Elsewhere\n\n```console\n$ vagrant ssh node1\nvagrant@node1:~$ curl -m 2 10.0.2.2:8000\ncurl: (7) Failed to connect to 10.0.2.2 port 8000: Connection refused\nvagrant@node1:~$ curl -m 2 10.100.198.1\ncurl: (7) Failed to connect to 10.100.198.1 port 80: Connection refused\nvagrant@node1:~$ curl -m 2 10.244.2.9\ncurl: (28) Connection timed out after 2001 milliseconds\nvagrant@node1:~$ curl -m 2 10.100.198.202:8080\ncurl: (7) Failed to connect to 10.100.198.202 port 8080: Connection refused\nvagrant@node1:~$ exit\n```\n";
    let chapter = parse::parse(std::path::Path::new("elsewhere.md"), text.as_bytes()).unwrap();
    let urls = [
        "http://10.0.2.2:8000/",
        "http://10.100.198.1/",
        "http://10.244.2.9/",
        "http://10.100.198.202:8080/",
    ]
    .map(String::from);
    for kind in [Kind::Netns, Kind::Vagrant] {
        let (curls, asked) = curls_refused(&chapter, kind, &urls).await;
        let got: Vec<Verdict> = curls.iter().map(|c| c.verdict).collect();
        use Verdict::{Match, Skipped};
        assert_eq!(
            got,
            [Skipped, Skipped, Skipped, Match],
            "{kind}: {curls:#?}"
        );
        assert!(
            curls[0]
                .reason
                .as_deref()
                .unwrap_or_default()
                .contains("not known"),
            "{curls:#?}"
        );
        assert_eq!(
            asked.iter().filter(|a| a.contains("curl")).count(),
            1,
            "{asked:?}"
        );
    }
}

/// Replay `chapter` on a recorded chapter4 lab of `kind` whose node1
/// refuses a curl of each of `urls`: the curls' reports, and what ran.
async fn curls_refused(
    chapter: &Chapter,
    kind: Kind,
    urls: &[String],
) -> (Vec<CommandReport>, Vec<String>) {
    let (lab, _) = chapter4();
    let session = || {
        let mut s = FakeSession::new().on("node1", "hostname", "node1\n");
        for url in urls {
            s = s.on_out(
                "node1",
                url,
                Output {
                    code: Some(7),
                    stdout: String::new(),
                    stderr: format!(
                        "curl: (7) Failed to connect to {url}: Couldn't connect to server\n"
                    ),
                },
            );
        }
        s
    };
    let mut t = RecordedLab {
        kind,
        broken: session(),
        fixed: session(),
        variant: "broken".into(),
        switches: Vec::new(),
        pods: vec![pod(
            "nginx-deployment-6b7f6d9b8c-k2v9x",
            "node1",
            "10.244.1.2",
        )],
        real: None,
        kubectl_lines: Default::default(),
    };
    let r = replay(
        chapter,
        &lab,
        &mut t,
        &crate::book::known::KnownFile::default(),
    )
    .await;
    let curls = r
        .blocks
        .iter()
        .flat_map(|b| &b.commands)
        .filter(|c| c.command.starts_with("curl"))
        .cloned()
        .collect();
    (curls, t.broken.ran())
}

/// probe21an, finding 3: a curl error, status or `-w` code line with an
/// invisible or look-alike character was a page's text, the curl
/// `skipped` (on netns a page with no title and no line naming its pod
/// is), so a book showing a failure against a lab that answers passed.
/// Each is now a drift naming the line; a page's own text past ASCII (a
/// line of the pod's page, a UTF-8 title where the lab's page has it too)
/// is no difference. Seen failing first with `reads_as_curls` answering
/// None (each disguised curl `skipped`).
#[tokio::test]
async fn a_curls_own_line_written_past_ascii_is_a_difference_never_a_page() {
    let pod1 = "nginx-deployment-6b7f6d9b8c-k2v9x";
    let block = |cmd: &str, out: &str| {
        format!(
            "```console\n$ vagrant ssh node1\nvagrant@node1:~$ {cmd}\n{out}\nvagrant@node1:~$ exit\n```\n\n"
        )
    };
    let w = "curl -s -o /dev/null -w '%{http_code}' 10.244.1.2";
    let disguised = [
        (
            "curl 10.244.1.2",
            "curl\u{200b}: (7) Failed to connect to 10.244.1.2 port 80: Connection refused",
        ),
        (
            "curl 10.244.1.2",
            "\u{0441}url: (7) Failed to connect to 10.244.1.2 port 80: Connection refused",
        ),
        (
            "curl -I 10.244.1.2",
            "HTTP/1.1 5\u{200b}03 Service Unavailable",
        ),
        (
            "curl -I 10.244.1.2",
            "HTTP/1.1 \u{ff15}03 Service Unavailable",
        ),
        (w, "\u{ff15}03"),
        (w, "503\u{200b}"),
    ];
    let mut text = String::from("# Disguised\n\n");
    for (cmd, out) in disguised {
        text += &block(cmd, out);
    }
    text += &block(
        "curl 10.244.1.2",
        &format!("{pod1} on node1\n<p>Grüße — ü</p>"),
    );
    let page = |title: &str| format!("<html><head><title>{title}</title></head></html>\n");
    let title = "Welcome to nginx — ü";
    let cases = [
        (
            Kind::Netns,
            text,
            format!("{pod1} on node1\n"),
            disguised.len(),
        ),
        (
            Kind::Vagrant,
            block("curl 10.244.1.2", &page(title)),
            page(title),
            0,
        ),
    ];
    for (kind, text, served, drifts) in cases {
        let session = || {
            FakeSession::new()
                .on("node1", "hostname", "node1\n")
                .on_out("node1", "-w", replied("200\n"))
                .on_out(
                    "node1",
                    "curl -gsS -I",
                    replied("HTTP/1.1 200 OK\nServer: nginx\n"),
                )
                .on_out("node1", "curl -gs", replied(&served))
        };
        let chapter = parse::parse(std::path::Path::new("d.md"), text.as_bytes()).unwrap();
        let (lab, _) = chapter4();
        let mut t = RecordedLab {
            kind,
            broken: session(),
            fixed: session(),
            variant: "broken".into(),
            switches: Vec::new(),
            pods: vec![pod(pod1, "node1", "10.244.1.2")],
            real: None,
            kubectl_lines: Default::default(),
        };
        let known = crate::book::known::KnownFile::default();
        let r = replay(&chapter, &lab, &mut t, &known).await;
        let curls: Vec<&CommandReport> = r
            .blocks
            .iter()
            .flat_map(|b| &b.commands)
            .filter(|c| c.command.starts_with("curl"))
            .collect();
        assert_eq!(curls.len(), drifts + 1, "{kind}: {curls:#?}");
        for c in &curls[..drifts] {
            assert_eq!(c.verdict, Verdict::Drift, "{c:#?}");
            assert!(
                c.differences
                    .iter()
                    .any(|d| d.contains("reads as curl's") && d.contains("U+")),
                "{c:#?}"
            );
        }
        let control = curls[drifts];
        assert_eq!(control.verdict, Verdict::Match, "{kind}: {control:#?}");
    }
}
