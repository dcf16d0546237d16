use super::*;
use crate::book::recognize::{Cmd, KubeAction, Kubectl, recognize as line};

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

fn curl(l: &str) -> Curl {
    match line(l) {
        Ok(Cmd::Curl(c)) => c,
        other => panic!("{l}: {other:?}"),
    }
}

#[test]
fn the_common_shapes_are_understood() {
    let c = curl("curl 10.244.1.2");
    assert_eq!(
        (c.ip, c.port, c.path.as_str()),
        ("10.244.1.2".parse().unwrap(), None, "/")
    );
    let c = curl("curl -s http://10.244.2.3:80/");
    assert!(c.silent);
    assert_eq!(c.port, Some(80));
    let c = curl("curl -I -m 5 http://10.244.2.3/index.html");
    assert!(c.head);
    assert_eq!(c.max_time, Some(5));
    assert_eq!(c.path, "/index.html");
    let c = curl("curl -sSL --connect-timeout 3 -o /dev/null 10.244.1.2:8080");
    assert!(c.silent && c.show_error && c.follow && c.discard);
    assert_eq!(c.connect_timeout, Some(3));
    let c = curl("curl -sI --max-time=4 -vik 10.0.0.1");
    assert!(c.head && c.verbose && c.include && c.insecure);
    assert_eq!(c.max_time, Some(4));
    let c = curl("curl -sm 2 10.0.0.1");
    assert_eq!(c.max_time, Some(2));
    let c = curl("curl -s -o /dev/null -w '%{http_code}' 10.244.1.2");
    assert!(c.write_code && c.discard);
    assert!(curl("curl --write-out \"%{http_code}\\n\" -s 10.244.1.2").write_code);
    // In a pod, the `--` form.
    let Ok(Cmd::Kubectl(Kubectl {
        action: KubeAction::Exec { cmd, .. },
        ..
    })) = line("kubectl exec -it web-7f9c-abcde -- curl -s -m 3 http://10.244.2.2")
    else {
        panic!()
    };
    assert!(matches!(
        *cmd,
        Cmd::Curl(Curl {
            max_time: Some(3),
            ..
        })
    ));
    // The old form is recognised (kubectl refuses it: drift in its words),
    // unless a curl flag would be kubectl's --server.
    assert!(line("kubectl exec web-7f9c-abcde curl -I 10.244.2.2").is_ok());
}

#[test]
fn other_curls_are_not_understood() {
    for bad in [
        "curl",
        "curl http://example.com/",
        "curl example.com",
        "curl https://10.244.1.2/",
        "curl file:///etc/passwd",
        "curl -o /tmp/page 10.244.1.2",
        "curl -o/tmp/page 10.244.1.2",
        "curl --output /tmp/page 10.244.1.2",
        "curl -O 10.244.1.2/x",
        "curl -d a=b 10.244.1.2",
        "curl --data a=b 10.244.1.2",
        "curl -X DELETE 10.244.1.2",
        "curl -K /etc/curlrc 10.244.1.2",
        "curl --config /etc/curlrc 10.244.1.2",
        "curl --unix-socket /run/docker.sock http://10.244.1.2/",
        "curl -x 10.0.0.9:3128 10.244.1.2",
        "curl --proxy 10.0.0.9:3128 10.244.1.2",
        "curl -T /etc/passwd 10.244.1.2",
        "curl @file",
        "curl -m 100 10.244.1.2",
        "curl -m 0 10.244.1.2",
        "curl -m 10.244.1.2",
        "curl --connect-timeout 99 10.244.1.2",
        "curl 10.244.1.2 10.244.1.3",
        "curl 10.244.1.2:99999",
        "curl 10.244.1.2/../../etc",
        "curl http://10.244.1.2/a%20b",
        "curl -w '%{time_total}' 10.244.1.2",
        "curl -w '%{http_code}' -w '%{http_code}' 10.244.1.2",
        "ping -w '%{http_code}' 10.244.1.2",
        "cat -w '%{http_code}' /etc/hostname",
        "curl 10.244.1.2 > /tmp/x",
        "curl -s 10.244.1.2 | grep title",
        "curl -s 10.244.1.2 | sh",
        "curl gopher://10.244.1.2/",
        "kubectl exec web-7f9c-abcde curl -s 10.244.2.2",
        "kubectl exec web-7f9c-abcde curl -is 10.244.2.2",
        "kubectl exec web-7f9c-abcde curl --server 10.244.2.2",
        "kubectl exec web-7f9c-abcde -- curl -d x 10.244.2.2",
    ] {
        assert!(line(bad).is_err(), "{bad} was recognised");
    }
}

#[test]
fn the_line_that_runs_is_rebuilt_with_a_deadline() {
    let ip = "10.244.2.2".parse().unwrap();
    let (l, why) = curl("curl 10.244.3.3").line(ip, "1");
    assert_eq!(
        l,
        "timeout 5 curl -gsS --connect-timeout 1 --max-time 3 http://10.244.2.2/"
    );
    assert!(why.iter().any(|w| w.contains("has no -m")), "{why:?}");
    let (l, why) = curl("curl -sS -I -m 5 http://10.244.3.3:80/x").line(ip, "1");
    assert_eq!(
        l,
        "timeout 7 curl -gsS -I --connect-timeout 5 --max-time 5 http://10.244.2.2:80/x"
    );
    assert!(why.is_empty(), "{why:?}");
    let (l, _) = curl("curl -s -o /dev/null -w '%{http_code}' 10.244.3.3").line(ip, "1");
    assert_eq!(
        l,
        "timeout 5 curl -gs -o /dev/null -w '%{http_code}\\n' --connect-timeout 1 --max-time 3 http://10.244.2.2/"
    );
    let (l, _) = curl("curl -s -o /dev/null 10.244.3.3").line(ip, "0.4");
    assert_eq!(
        l,
        "timeout 5 curl -gs -o /dev/null --connect-timeout 0.4 --max-time 2.4 http://10.244.2.2/"
    );
}

#[test]
fn facts_of_pages_heads_and_errors() {
    let page = lines(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>",
    );
    let f = facts(&page, None);
    assert_eq!(f.answered, Some(true));
    assert_eq!(f.title.as_deref(), Some("Welcome to nginx!"));
    let head = lines(
        "HTTP/1.1 200 OK\nServer: nginx/1.13.12\nDate: Mon, 16 Apr 2018 10:00:00 GMT\nContent-Type: text/html",
    );
    assert_eq!(facts(&head, None).status, Some(200));
    let v = lines("*   Trying 10.244.1.2:80...\n> GET / HTTP/1.1\n< HTTP/1.1 404 Not Found");
    assert_eq!(facts(&v, None).status, Some(404));
    let old = lines("curl: (7) Failed to connect to 10.244.3.3 port 80: Connection timed out");
    let new = lines("curl: (28) Connection timed out after 5001 milliseconds");
    let f = facts(&old, None);
    assert_eq!(
        (f.answered, f.failure.clone()),
        (Some(false), Some(Failure::TimedOut))
    );
    assert_eq!(facts(&new, Some(28)).failure, Some(Failure::TimedOut));
    let refused = lines(
        "curl: (7) Failed to connect to 10.244.1.2 port 81 after 0 ms: Couldn't connect to server",
    );
    assert_eq!(
        facts(&refused, Some(7)).failure,
        Some(Failure::CouldNotConnect)
    );
    let refused =
        lines("curl: (7) Failed to connect to 10.244.1.2 port 81 after 0 ms: Connection refused");
    assert_eq!(facts(&refused, Some(7)).failure, Some(Failure::Refused));
    let noroute = lines("curl: (7) Failed to connect to 10.244.2.2 port 80: No route to host");
    assert_eq!(facts(&noroute, None).failure, Some(Failure::NoRoute));
    assert_eq!(
        facts(&lines("curl: (6) Could not resolve host: web"), None).failure,
        Some(Failure::NotResolved)
    );
    assert_eq!(facts(&[], None).answered, None);
    // `-w '%{http_code}'`.
    assert_eq!(facts(&lines("200"), None).status, Some(200));
    assert_eq!(facts(&lines("200"), None).answered, Some(true));
    assert_eq!(facts(&lines("000"), None).answered, Some(false));
    let f = facts(&lines("000"), Some(28));
    assert_eq!(
        (f.answered, f.failure),
        (Some(false), Some(Failure::TimedOut))
    );
    assert_eq!(facts(&[], Some(0)).answered, Some(true));
}

/// Where the book claims an answer and the lab gets none (or the other way
/// round, or another status or title) the difference is one sentence; where
/// the book shows nothing, nothing is compared (never a match).
#[test]
fn differences_are_of_facts() {
    let ok = facts(&lines("HTTP/1.1 200 OK"), None);
    let lab_ok = facts(&lines("HTTP/1.1 200 OK\nServer: nginx/1.22.1"), Some(0));
    let lab_timeout = facts(
        &lines("curl: (28) Connection timed out after 1001 milliseconds"),
        Some(28),
    );
    assert_eq!(differences(&ok, &lab_ok), (vec![], true));
    let (d, compared) = differences(&ok, &lab_timeout);
    assert!(compared);
    assert_eq!(
        d,
        ["curl: the book shows an answer (`HTTP/1.1 200 OK`); the lab shows no answer (timed out)"]
    );
    let book_timeout = facts(
        &lines("curl: (7) Failed to connect to 10.244.3.3 port 80: Connection timed out"),
        None,
    );
    assert_eq!(differences(&book_timeout, &lab_timeout), (vec![], true));
    assert_eq!(differences(&book_timeout, &lab_ok).0.len(), 1);
    let lab_404 = facts(&lines("HTTP/1.1 404 Not Found"), Some(0));
    assert_eq!(differences(&ok, &lab_404).0.len(), 1);
    let lab_noroute = facts(
        &lines("curl: (7) Failed to connect to 10.244.2.2 port 80 after 3 ms: No route to host"),
        Some(7),
    );
    assert_eq!(
        differences(&book_timeout, &lab_noroute).0,
        [
            "curl: the book shows no answer (timed out); the lab shows no answer (no route to the host)"
        ]
    );
    // curl 7.88's words for a refusal agree with an older curl's.
    let refused = facts(
        &lines("curl: (7) Failed to connect to 10.244.1.2 port 81: Connection refused"),
        None,
    );
    let lab_couldnt = facts(
        &lines(
            "curl: (7) Failed to connect to 10.244.1.2 port 81 after 0 ms: Couldn't connect to server",
        ),
        Some(7),
    );
    assert!(differences(&refused, &lab_couldnt).0.is_empty());
    assert_eq!(differences(&book_timeout, &lab_couldnt).0.len(), 1);
    let title = |t: &str| facts(&lines(&format!("<title>{t}</title>")), Some(0));
    let book_page = facts(&lines("<title>Welcome to nginx!</title>"), None);
    assert!(
        differences(&book_page, &title("Welcome to nginx!"))
            .0
            .is_empty()
    );
    assert_eq!(differences(&book_page, &title("It works!")).0.len(), 1);
    // A page without a title (the netns pods'): it answered, compared so.
    let plain = facts(&lines("nginx-node2-0 on node2"), Some(0));
    assert_eq!(differences(&book_page, &plain), (vec![], true));
    // The book shows nothing: nothing compared.
    assert_eq!(differences(&facts(&[], None), &lab_ok), (vec![], false));
}

/// The seventh probe's false greens: a book whose curl output claims a
/// failure in words lab did not read (`-v`'s `* Failed to connect ...`
/// lines without curl's own error line, as `curl -sv` prints; kubectl's
/// `command terminated with exit code 28` after an exec'd silent curl) was
/// read as a page, so an answering lab matched it; and a book that cut the
/// output down to nothing (`...`) compared nothing yet matched. Each is now
/// a failure (compared as one), or claims nothing.
#[test]
fn a_failure_in_other_words_is_no_answer_and_a_cut_output_claims_nothing() {
    let lab_ok = facts(&lines("nginx-node1-0 on node1"), Some(0));
    let verbose = lines(
        "*   Trying 10.244.1.2:80...\n* connect to 10.244.1.2 port 80 failed: Connection timed out\n* Failed to connect to 10.244.1.2 port 80 after 2001 ms: Connection timed out\n* Closing connection 0",
    );
    let f = facts(&verbose, None);
    assert_eq!(
        (f.answered, f.failure.clone()),
        (Some(false), Some(Failure::TimedOut))
    );
    assert_eq!(differences(&f, &lab_ok).0.len(), 1);
    let refused = facts(
        &lines(
            "*   Trying 10.244.1.2:81...\n* connect to 10.244.1.2 port 81 failed: Connection refused",
        ),
        None,
    );
    assert_eq!(refused.failure, Some(Failure::Refused));
    // A successful exchange of -v is still an answer.
    let ok = lines(
        "*   Trying 10.244.1.2:80...\n* Connected to 10.244.1.2 (10.244.1.2) port 80 (#0)\n> GET / HTTP/1.1\n< HTTP/1.1 200 OK",
    );
    assert_eq!(facts(&ok, None).answered, Some(true));
    let exec = facts(&lines("command terminated with exit code 28"), None);
    assert_eq!(
        (exec.answered, exec.failure.clone()),
        (Some(false), Some(Failure::TimedOut))
    );
    assert_eq!(differences(&exec, &lab_ok).0.len(), 1);
    for cut in ["...", "[...]", "<snip>", "\u{2026}"] {
        assert_eq!(facts(&lines(cut), None).answered, None, "{cut}");
        assert_eq!(
            differences(&facts(&lines(cut), None), &lab_ok),
            (vec![], false)
        );
    }
}

/// The seventh probe's lesser findings: an error page (nginx's
/// `<title>503 Service Temporarily Unavailable</title>`) shown without a
/// status line matched a lab's page without a title that answered 200,
/// and `[output omitted]` was read as a page. The title of an error page
/// names its status; the author's bracketed note is a cut.
#[test]
fn an_error_page_names_its_status_and_the_authors_note_claims_nothing() {
    let book_503 = facts(
        &lines(
            "<html>\n<head><title>503 Service Temporarily Unavailable</title></head>\n<body>\n<center><h1>503 Service Temporarily Unavailable</h1></center>\n</body>\n</html>",
        ),
        None,
    );
    assert_eq!(book_503.status, Some(503));
    let lab_ok = facts(&lines("nginx-node1-0 on node1"), Some(0));
    assert_eq!(differences(&book_503, &lab_ok).0.len(), 1);
    let lab_503 = facts(
        &lines("<head><title>503 Service Temporarily Unavailable</title></head>"),
        Some(0),
    );
    assert!(differences(&book_503, &lab_503).0.is_empty());
    // A title that is no status stays a title.
    let welcome = facts(&lines("<title>Welcome to nginx!</title>"), None);
    assert_eq!(welcome.status, None);
    assert_eq!(
        facts(&lines("<title>200 reasons</title>"), None).status,
        Some(200)
    );
    assert_eq!(
        facts(&lines("<title>2000 reasons</title>"), None).status,
        None
    );
    for note in [
        "[output omitted]",
        "(output truncated)",
        "# output trimmed",
        "etc.",
        "<... 20 more lines ...>",
        "[snipped]",
    ] {
        assert_eq!(facts(&lines(note), None).answered, None, "{note}");
        assert_eq!(
            differences(&facts(&lines(note), None), &lab_ok),
            (vec![], false)
        );
    }
    // Words in brackets that are no note about a cut are output.
    assert_eq!(facts(&lines("[ok]"), None).answered, Some(true));
}

/// The tenth probe's false green: a book showing node2's pod's page where
/// node1's own pod answered was a match (the page was never compared).
/// Where both pages are a netns pod's (`NAME on NODE`), which pod answered
/// is compared; a real nginx page in the book is still compared by its
/// answer alone.
#[test]
fn which_pod_answered_is_compared_where_both_pages_name_it() {
    let lab = facts(&lines("nginx-deployment-node1-0 on node1"), Some(0));
    let other = facts(&lines("nginx-deployment-node2-0 on node2"), None);
    assert_eq!(
        differences(&other, &lab).0,
        [
            "curl: the book shows an answer (the page `nginx-deployment-node2-0 on node2`); the lab shows an answer (the page `nginx-deployment-node1-0 on node1`)"
        ]
    );
    let same = facts(&lines("nginx-deployment-node1-0 on node1"), None);
    assert_eq!(differences(&same, &lab), (vec![], true));
    let welcome = facts(&lines("<title>Welcome to nginx!</title>"), None);
    assert_eq!(welcome.pod_page, None);
    assert_eq!(differences(&welcome, &lab), (vec![], true));
    assert_eq!(facts(&lines("Turn the light on now"), None).pod_page, None);
}

/// Whom curl's own lines say it reached: the address in brackets of a
/// `Connected to NAME (ADDR)`, a `Trying ADDR:PORT...`, a `Host:` header,
/// an error's `Failed to connect to ADDR port N`; nothing from a page.
#[test]
fn curls_own_lines_name_whom_it_reached() {
    let p = |s: &str| super::peer(&s.lines().map(String::from).collect::<Vec<_>>());
    assert_eq!(
        p("* Connected to web (10.244.3.3) port 80 (#0)").as_deref(),
        Some("10.244.3.3:80")
    );
    assert_eq!(
        p("*   Trying 10.244.1.2:80...").as_deref(),
        Some("10.244.1.2:80")
    );
    assert_eq!(p("> Host: 10.244.1.2").as_deref(), Some("10.244.1.2"));
    assert_eq!(
        p("curl: (7) Failed to connect to 10.244.3.3 port 8080: Connection refused").as_deref(),
        Some("10.244.3.3:8080")
    );
    assert_eq!(
        p("<h1>Welcome to nginx!</h1>\nnginx-deployment-node1-0 on node1"),
        None
    );
}

/// Every status line the book prints is compared, with its protocol and
/// its words (probe21z: a second `HTTP/1.1 500`, an `HTTP/2 200` or an
/// `HTTP/1.0 200 OK` matched the lab's one `HTTP/1.1 200 OK`).
#[test]
fn every_status_line_is_compared_with_its_protocol() {
    let lab = facts(
        &lines("HTTP/1.1 200 OK\nServer: nginx/1.22.1\nContent-Type: text/html"),
        Some(0),
    );
    for book in [
        "HTTP/1.1 200 OK\nHTTP/1.1 500 Internal Server Error",
        "HTTP/2 200",
        "HTTP/1.0 200 OK",
        "HTTP/1.1 200 Banana",
    ] {
        let (d, compared) = differences(&facts(&lines(book), None), &lab);
        assert!(compared);
        assert_eq!(d.len(), 1, "{book}: {d:?}");
    }
    let same = facts(&lines("HTTP/1.1  200 OK\nServer: nginx/1.22.1"), None);
    assert_eq!(differences(&same, &lab), (vec![], true));
    // A cut output: the status lines it shows, in the lab's order.
    let two = facts(
        &lines("< HTTP/1.1 301 Moved Permanently\n< HTTP/1.1 200 OK"),
        Some(0),
    );
    let cut = facts(&lines("< HTTP/1.1 301 Moved Permanently\n..."), None);
    assert_eq!(differences(&cut, &two), (vec![], true));
    let uncut = facts(&lines("< HTTP/1.1 301 Moved Permanently"), None);
    assert_eq!(differences(&uncut, &two).0.len(), 1);
}

/// probe21ab, rule A: a curl's headers are compared by their status line;
/// a line among them no curl prints (a command the reader types, read as
/// output) is named, never passed over.
#[test]
fn a_line_among_the_headers_curl_does_not_print_is_named() {
    let book = lines(
        "HTTP/1.1 200 OK\nServer: nginx/1.13.12\nContent-Type: text/html\n\
         (venv) me@host:~/lab (main) [x] {y} $ sudo ip link set cni0 down\n...\n",
    );
    assert_eq!(
        facts::not_curls_own(&book, true),
        [
            "curl: the book shows a line among the headers that curl does not print: `(venv) me@host:~/lab (main) [x] {y} $ sudo ip link set cni0 down`"
        ]
    );
    let verbose = lines(
        "*   Trying 10.244.1.2:80...\n* Connected to 10.244.1.2 (10.244.1.2) port 80\n\
         > HEAD / HTTP/1.1\n> Host: 10.244.1.2\n>\n< HTTP/1.1 200 OK\n< Server: nginx\n<\n\
         HTTP/1.1 200 OK\nServer: nginx\nAccept-Ranges: bytes\n\n\
         \x20 % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n\
         \x20                                Dload  Upload   Total   Spent    Left  Speed\n\
         \x20 0   612    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\n",
    );
    assert!(
        facts::not_curls_own(&verbose, true).is_empty(),
        "{:?}",
        facts::not_curls_own(&verbose, true)
    );
    // A page is read by its title: its lines are the page's.
    let page = lines("HTTP/1.1 200 OK\n\n<html>\nWelcome to nginx!\n</html>\n");
    assert!(facts::not_curls_own(&page, false).is_empty());
    let text = lines("HTTP/1.1 200 OK\nServer: nginx\n\nHello from nginx-1\n");
    assert!(facts::not_curls_own(&text, false).is_empty());
    assert_eq!(facts::not_curls_own(&text, true).len(), 1);
}

/// Every line of curl's naming whom it reached is held against the lab's
/// of its kind, each value of it (probe21ay, finding 5: under a right
/// `Trying`, `Connected to … (10.244.3.3) port 8080` and `Host:
/// 10.244.3.3` matched a lab that printed port 80 and 10.244.1.2; seen
/// failing before `curl_peers.rs`).
#[test]
fn every_line_naming_whom_curl_reached_is_compared() {
    let lab = lines(
        "*   Trying 10.244.1.2:80...\n* Connected to 10.244.1.2 (10.244.1.2) port 80 (#0)\n> GET / HTTP/1.1\n> Host: 10.244.1.2\n> User-Agent: curl/7.88.1",
    );
    assert_eq!(super::peers::differ(&lab, &lab), Vec::<String>::new());
    let d = super::peers::differ(
        &lines(
            "*   Trying 10.244.1.2:80...\n* Connected to 10.244.1.2 (10.244.3.3) port 8080 (#0)\n> GET / HTTP/1.1\n> Host: 10.244.3.3",
        ),
        &lab,
    );
    assert_eq!(
        d,
        vec![
            "curl: the book's `Connected to` line says 10.244.1.2 (10.244.3.3:8080); the lab's curl's says 10.244.1.2 (10.244.1.2:80)",
            "curl: the book's `Host:` line says `10.244.3.3`; the lab's curl's says `10.244.1.2`",
        ]
    );
    // The port alone, and a `Host:` with a port the lab's has not.
    let d = super::peers::differ(
        &lines("* Connected to 10.244.1.2 (10.244.1.2) port 8080\n> Host: 10.244.1.2:8080"),
        &lab,
    );
    assert_eq!(d.len(), 2, "{d:#?}");
    // An old curl's `Trying ADDR...` without its port says the same.
    assert!(super::peers::differ(&lines("*   Trying 10.244.1.2..."), &lab).is_empty());
    // No kind in common: the first of each, as before.
    let d = super::peers::differ(
        &lines("curl: (7) Failed to connect to 10.244.3.3 port 80: Connection refused"),
        &lab,
    );
    assert_eq!(
        d,
        vec!["curl: the book's output reached 10.244.3.3:80; the lab's curl reached 10.244.1.2:80"]
    );
}

/// A report of `curl -s 10.244.1.2` whose lab's page is a netns pod's.
fn judged(book: &str) -> CommandReport {
    let mut r = CommandReport {
        lab: lines("nginx-deployment-node1-0 on node1"),
        ..CommandReport::started(1, "curl -s 10.244.1.2".into(), "", lines(book))
    };
    judge(&lines(book), Some(0), &mut r);
    r
}

/// probe21bc, findings 3, 4: a line only a ping, a capture or a log
/// prints is no curl's page: not understood (a capture's echo reply was
/// read as a header, and "it answered" matched; a ping's failure was a
/// page without a title, skipped). Lesser 7: a page titled as none of
/// nginx's is a difference (it was skipped), one without a title or a pod's
/// line is still skipped. Seen failing first: `match`, `skipped`,
/// `skipped`, `skipped`.
#[test]
fn a_ping_capture_or_log_line_is_no_page_and_another_servers_title_drifts() {
    for (book, shape) in [
        (
            "20:55:02.971300 IP 10.244.3.3 > 10.244.1.0: ICMP echo reply, id 5874, seq 1, length 64",
            "a capture",
        ),
        (
            "PING 10.244.3.4 (10.244.3.4) 56(84) bytes of data.\nFrom 10.244.1.1 icmp_seq=1 Destination Host Unreachable",
            "a ping",
        ),
        (
            "Using interface with name enp0s8 and address 10.100.198.201",
            "a log",
        ),
    ] {
        let r = judged(book);
        assert_eq!(r.verdict, Verdict::NotUnderstood, "{book}: {r:?}");
        let reason = r.reason.unwrap_or_default();
        assert!(reason.contains(&format!("a line only {shape}")), "{reason}");
        assert!(r.differences.is_empty());
    }
    // Read by its facts alone, a packet line is a page's line, no header.
    let packet = facts(
        &lines("20:55:02.971300 IP 10.244.3.3 > 10.244.1.0: ICMP echo reply"),
        None,
    );
    assert!(packet.page_line.is_some(), "{packet:?}");
    let apache = judged("<title>Apache2 Ubuntu Default Page: It works</title>");
    assert_eq!(apache.differences.len(), 1, "{apache:?}");
    assert!(
        apache.differences[0].starts_with(
            "curl: the book's page has the title `Apache2 Ubuntu Default Page: It works`"
        ),
        "{apache:?}"
    );
    // Shown whole, an untitled page naming no pod is none the reader gets
    // (probe21be, lesser 2: it was skipped); cut, whose it is is not known.
    for untitled in [
        "<html><body><h1>It works!</h1></body></html>",
        "Hello from a pod on node2",
    ] {
        let r = judged(untitled);
        assert_eq!(r.differences.len(), 1, "{untitled}: {r:?}");
        assert!(
            r.differences[0].contains("has no title and no line naming its pod"),
            "{r:?}"
        );
    }
    let cut = judged("<html><body><h1>It works!</h1>\n...");
    assert_eq!(cut.verdict, Verdict::Skipped, "{cut:?}");
    assert!(cut.differences.is_empty());
    // nginx's own page and the pod's line: compared, no difference.
    for own in [
        "<title>Welcome to nginx!</title>",
        "nginx-deployment-node1-0 on node1",
    ] {
        let r = judged(own);
        assert_eq!(r.verdict, Verdict::Match, "{own}: {r:?}");
        assert!(r.differences.is_empty(), "{own}: {r:?}");
    }
}
