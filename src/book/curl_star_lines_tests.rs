//! probe21by, finding 3: each `* ` line of a curl's output is read (a
//! failure, a host) or named.

use crate::book::curl::judge;
use crate::book::{CommandReport, Verdict};

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::to_string).collect()
}

/// The lab's `curl -v -o /dev/null` to a netns pod that answered.
const LAB_OK: &str = "*   Trying 10.244.2.2:80...\n* Connected to 10.244.2.2 (10.244.2.2) port 80 (#0)\n> GET / HTTP/1.1\n> Host: 10.244.2.2\n> User-Agent: curl/7.88.1\n> Accept: */*\n> \n< HTTP/1.1 200 OK\n< Server: nginx/1.22.1\n< Date: Mon, 07 Dec 2026 14:01:58 GMT\n< Content-Type: text/plain\n< Content-Length: 34\n< Connection: keep-alive\n< \n{ [34 bytes data]\n* Connection #0 to host 10.244.2.2 left intact";

/// The lab's curl that timed out (exit 28).
const LAB_TIMED_OUT: &str = "*   Trying 10.244.2.2:80...\n* Connection timed out after 1001 milliseconds\n* Closing connection 0\ncurl: (28) Connection timed out after 1001 milliseconds";

/// The book's session (in the lab's addresses): the true one, with
/// `extra` lines put before its last line.
fn book(extra: &str, last: &str) -> String {
    let head = "*   Trying 10.244.2.2:80...\n* Connected to 10.244.2.2 (10.244.2.2) port 80 (#0)\n> GET / HTTP/1.1\n> Host: 10.244.2.2\n> Accept: */*\n> \n< HTTP/1.1 200 OK\n< Connection: keep-alive\n< ";
    if extra.is_empty() {
        format!("{head}\n{last}")
    } else {
        format!("{head}\n{extra}\n{last}")
    }
}

fn judged(book: &str, lab: &str, code: i32) -> CommandReport {
    let mut r = CommandReport {
        lab: lines(lab),
        ..CommandReport::started(1, "curl -v -o /dev/null 10.244.2.2".into(), "", lines(book))
    };
    judge(&lines(book), Some(code), &mut r);
    r
}

const INTACT: &str = "* Connection #0 to host 10.244.2.2 left intact";

/// Seen failing first: every one of these was a plain `match` with no
/// difference.
#[test]
fn a_failure_or_another_host_on_a_star_line_drifts() {
    let r = judged(&book("", INTACT), LAB_OK, 0);
    assert_eq!(r.verdict, Verdict::Match, "{r:?}");
    assert!(r.differences.is_empty(), "{r:?}");
    for (extra, last, what) in [
        (
            "* Recv failure: Connection reset by peer",
            INTACT,
            "the connection was reset",
        ),
        (
            "",
            "* Connection #0 to host 10.244.1.2 left intact",
            "names 10.244.1.2; the lab's curl reached 10.244.2.2",
        ),
        (
            "* transfer closed with 585 bytes remaining to read",
            "* Closing connection 0",
            "the transfer was cut short",
        ),
        (
            "* connect to 10.244.2.2 port 80 failed: Connection refused",
            INTACT,
            "the connection was refused",
        ),
        (
            "* Immediate connect fail for 10.244.2.2: Network is unreachable",
            INTACT,
            "unreachable",
        ),
        ("* Send failure: Broken pipe", INTACT, "something failed"),
    ] {
        let r = judged(&book(extra, last), LAB_OK, 0);
        assert!(
            r.differences.iter().any(|d| d.contains(what)),
            "{extra} {last}: {r:?}"
        );
    }
}

/// A `* ` line lab reads nothing of is named: the command is no `match`.
/// Seen failing first: `match`.
#[test]
fn a_star_line_lab_does_not_read_is_named() {
    for extra in [
        "* Uses proxy env variable http_proxy == 'http://10.0.2.2:3128'",
        "* TLSv1.3 (OUT), TLS handshake, Client hello (1):",
        "* Connected to 10.244.2.2 (10.244.2.2) port 80 (#0), node2 answered",
    ] {
        let r = judged(&book(extra, INTACT), LAB_OK, 0);
        assert_eq!(r.verdict, Verdict::Skipped, "{extra}: {r:?}");
        let reason = r.reason.unwrap_or_default();
        assert!(reason.contains(extra), "{reason}");
    }
    // One the lab's curl printed too, in the same words, is compared.
    let r = judged(&book("* Closing connection 0", INTACT), LAB_OK, 0);
    assert_eq!(r.verdict, Verdict::Match, "{r:?}");
}

/// A failure the lab's curl had too, by meaning, agrees; another drifts.
#[test]
fn a_failure_is_held_against_the_labs_failure_by_meaning() {
    let timed = "*   Trying 10.244.2.2:80...\n* connect to 10.244.2.2 port 80 failed: Connection timed out\n* Failed to connect to 10.244.2.2 port 80 after 1001 ms: Connection timed out\n* Closing connection 0\ncurl: (28) Failed to connect to 10.244.2.2 port 80 after 1001 ms: Connection timed out";
    let r = judged(timed, LAB_TIMED_OUT, 28);
    assert!(r.differences.is_empty(), "{r:?}");
    let reset = "*   Trying 10.244.2.2:80...\n* Recv failure: Connection reset by peer\n* Closing connection 0\ncurl: (56) Recv failure: Connection reset by peer";
    let r = judged(reset, LAB_TIMED_OUT, 28);
    assert!(
        r.differences
            .iter()
            .any(|d| d.contains("the connection was reset; the lab's curl failed otherwise")),
        "{r:?}"
    );
}

/// probe21ca FV2: the book's curl connected and then its transfer timed
/// out; the lab's never connected (its connect timed out). The timeout
/// words agree, so only the `Connected to` line (curl 8's form without
/// `(#0)` too) tells them apart. Seen failing first: no difference.
#[test]
fn a_connection_the_labs_curl_never_made_drifts() {
    let connected = |line: &str| {
        format!(
            "*   Trying 10.244.2.2:80...\n{line}\n> GET / HTTP/1.1\n> Host: 10.244.2.2\n> Accept: */*\n> \n* Operation timed out after 1000 milliseconds with 0 bytes received\n* Closing connection 0\ncurl: (28) Operation timed out after 1000 milliseconds with 0 bytes received"
        )
    };
    for line in [
        "* Connected to 10.244.2.2 (10.244.2.2) port 80 (#0)",
        "* Connected to 10.244.2.2 (10.244.2.2) port 80",
    ] {
        let r = judged(&connected(line), LAB_TIMED_OUT, 28);
        let said = &line[2..];
        assert!(
            r.differences.iter().any(|d| d
                == &format!("curl: the book's `* {said}` says curl connected; the lab's curl never connected (`curl: (28) Connection timed out after 1001 milliseconds`): no answer (timed out)")),
            "{line}: {r:?}"
        );
    }
    // The lab's curl that connected and then timed out agrees.
    let lab = connected("* Connected to 10.244.2.2 (10.244.2.2) port 80 (#0)");
    let r = judged(&lab, &lab, 28);
    assert!(
        !r.differences.iter().any(|d| d.contains("never connected")),
        "{r:?}"
    );
    // Without `-v` the lab's own error says it never connected.
    let refused =
        "curl: (7) Failed to connect to 10.244.2.2 port 80 after 0 ms: Connection refused";
    let r = judged(
        &connected("* Connected to 10.244.2.2 (10.244.2.2) port 80 (#0)"),
        refused,
        7,
    );
    assert!(
        r.differences
            .iter()
            .any(|d| d.contains("says curl connected; the lab's curl never connected")),
        "{r:?}"
    );
}

/// probe21cb F2: curl's `Operation timed out after N milliseconds with M
/// [out of T] bytes received` is its timeout once connected (in the
/// connect phase it says `Connection timed out after …`): against a lab
/// curl that never connected it drifts, with `-v` or without, saying which
/// failure is which; the lab's own connect failures in the book still agree.
#[test]
fn a_transfer_timeout_against_a_connect_that_never_came_drifts() {
    let with_v = "*   Trying 10.244.2.2:80...\n* Operation timed out after 1000 milliseconds with 0 bytes received\n* Closing connection 0\ncurl: (28) Operation timed out after 1000 milliseconds with 0 bytes received";
    let r = judged(with_v, LAB_TIMED_OUT, 28);
    assert!(
        r.differences.iter().any(|d| d
            == "curl: the book's `* Operation timed out after 1000 milliseconds with 0 bytes received` is curl's timeout once connected (it connected, then waited for data); the lab's curl never connected (`curl: (28) Connection timed out after 1001 milliseconds`): no answer (timed out)"),
        "{r:?}"
    );
    let lab_plain = "curl: (28) Connection timed out after 1001 milliseconds";
    for book in [
        "curl: (28) Operation timed out after 1000 milliseconds with 0 bytes received",
        "curl: (28) Operation timed out after 5001 milliseconds with 0 out of 612 bytes received",
    ] {
        for (lab, code) in [(lab_plain, 28), (LAB_TIMED_OUT, 28)] {
            let r = judged(book, lab, code);
            assert!(
                r.differences.iter().any(|d| d.starts_with(&format!(
                    "curl: the book's `{book}` is curl's timeout once connected"
                )) && d.contains("the lab's curl never connected")),
                "{book} / {lab}: {r:?}"
            );
        }
    }
    // The lab's curl that connected and then timed out agrees.
    let connected = "*   Trying 10.244.2.2:80...\n* Connected to 10.244.2.2 (10.244.2.2) port 80 (#0)\n> GET / HTTP/1.1\n> \n* Operation timed out after 1002 milliseconds with 0 bytes received\n* Closing connection 0\ncurl: (28) Operation timed out after 1002 milliseconds with 0 bytes received";
    for book in [
        with_v,
        "curl: (28) Operation timed out after 1000 milliseconds with 0 bytes received",
    ] {
        let r = judged(book, connected, 28);
        assert!(r.differences.is_empty(), "{book}: {r:?}");
        let plain = "curl: (28) Operation timed out after 1002 milliseconds with 0 bytes received";
        let r = judged(book, plain, 28);
        assert!(r.differences.is_empty(), "{book} / no -v: {r:?}");
    }
    // A true book of a connect that never came agrees, however curl says it.
    for (book, lab, code) in [
        (LAB_TIMED_OUT, LAB_TIMED_OUT, 28),
        (
            "curl: (28) Connection timed out after 5003 milliseconds",
            lab_plain,
            28,
        ),
        (
            "curl: (28) Failed to connect to 10.244.2.2 port 80 after 5002 ms: Timeout was reached",
            lab_plain,
            28,
        ),
        (
            "curl: (7) Failed to connect to 10.244.2.2 port 80: Connection timed out",
            lab_plain,
            28,
        ),
        (
            "*   Trying 10.244.2.2:80...\n* connect to 10.244.2.2 port 80 failed: Connection timed out\n* Failed to connect to 10.244.2.2 port 80: Connection timed out\n* Closing connection 0\ncurl: (7) Failed to connect to 10.244.2.2 port 80: Connection timed out",
            LAB_TIMED_OUT,
            28,
        ),
    ] {
        let r = judged(book, lab, code);
        assert!(r.differences.is_empty(), "{book}: {r:?}");
    }
}

/// probe21cb F2 (FV4): `* Connection #0 to host H left intact` says a
/// transfer ended on a connection curl kept: under a lab curl that never
/// connected it drifts.
#[test]
fn a_connection_left_intact_the_labs_curl_never_made_drifts() {
    let shown = "*   Trying 10.244.2.2:80...\n* Connection timed out after 1000 milliseconds\n* Connection #0 to host 10.244.2.2 left intact\ncurl: (28) Connection timed out after 1000 milliseconds";
    let r = judged(shown, LAB_TIMED_OUT, 28);
    assert!(
        r.differences.iter().any(|d| d.starts_with(
            "curl: the book's `* Connection #0 to host 10.244.2.2 left intact` says curl connected and kept the connection"
        ) && d.contains("never connected")),
        "{r:?}"
    );
    // Under the lab's curl that answered it agrees.
    let r = judged(&book("", INTACT), LAB_OK, 0);
    assert!(r.differences.is_empty(), "{r:?}");
}

/// probe21cd G3: curl's `Recv failure`/`Send failure` (exit 56/55, and
/// newer curl's `Failure when receiving data from the peer`, `Failed
/// sending data to the peer`) come only from a connection made: a read or
/// a write on it failed. Against a lab curl that never connected (its
/// connect timed out, exit 28) each drifts, saying so and naming both
/// exits; the timeout words alone agreed. Seen failing first: no
/// difference, a plain `match`.
#[test]
fn a_read_or_write_failure_the_labs_curl_never_connected_for_drifts() {
    let lab_plain = "curl: (28) Connection timed out after 5003 milliseconds";
    for (book, code) in [
        ("curl: (56) Recv failure: Connection timed out", 56),
        ("curl: (55) Send failure: Connection timed out", 55),
        ("curl: (56) Recv failure: Operation timed out", 56),
        ("curl: (56) Failure when receiving data from the peer", 56),
        ("curl: (55) Failed sending data to the peer", 55),
        ("curl: (52) Empty reply from server", 52),
        (
            "curl: (18) transfer closed with outstanding read data remaining",
            18,
        ),
    ] {
        for lab in [lab_plain, LAB_TIMED_OUT] {
            let r = judged(book, lab, 28);
            assert!(
                r.differences.iter().any(|d| d
                    .starts_with(&format!("curl: the book's `{book}` says curl connected"))
                    && d.contains(&format!("curl exits {code} for it"))
                    && d.contains("the lab's curl never connected")
                    && d.contains("exit 28")),
                "{book} / {lab}: {r:?}"
            );
        }
    }
    // curl -v's own line of it, with or without curl's error line.
    for line in [
        "* Recv failure: Connection timed out",
        "* Send failure: Connection timed out",
        "* Recv failure: Operation timed out",
    ] {
        for tail in [
            "",
            "\ncurl: (28) Connection timed out after 1000 milliseconds",
        ] {
            let shown =
                format!("*   Trying 10.244.2.2:80...\n{line}\n* Closing connection 0{tail}");
            let r = judged(&shown, LAB_TIMED_OUT, 28);
            let said = &line[2..];
            assert!(
                r.differences.iter().any(|d| d
                    .starts_with(&format!("curl: the book's `* {said}` says curl connected"))
                    && d.contains("never connected")),
                "{shown}: {r:?}"
            );
        }
    }
    // A reset is still also named as another failure than the lab's.
    let reset = "*   Trying 10.244.2.2:80...\n* Recv failure: Connection reset by peer\n* Closing connection 0\ncurl: (56) Recv failure: Connection reset by peer";
    let r = judged(reset, LAB_TIMED_OUT, 28);
    assert!(
        r.differences
            .iter()
            .any(|d| d.contains("the connection was reset; the lab's curl failed otherwise")),
        "{r:?}"
    );
    // Where the lab's curl connected (and the read failed there too), the
    // same lines are no connection it never made.
    let connected = "*   Trying 10.244.2.2:80...\n* Connected to 10.244.2.2 (10.244.2.2) port 80 (#0)\n> GET / HTTP/1.1\n> \n* Recv failure: Connection timed out\n* Closing connection 0\ncurl: (56) Recv failure: Connection timed out";
    let r = judged(connected, connected, 56);
    assert!(r.differences.is_empty(), "{r:?}");
    let r = judged(
        "curl: (56) Recv failure: Connection timed out",
        "curl: (56) Recv failure: Connection timed out",
        56,
    );
    assert!(r.differences.is_empty(), "{r:?}");
}

/// probe21cd lesser 4: curl -v's lines of a request sent (`> GET /
/// HTTP/1.1`, its `> ` headers, `* Request completely sent off`) or of an
/// answer's headers read (`* Mark bundle as not supporting multiuse`)
/// need a connection: against a lab curl that never connected they drift
/// (they left the curl `skipped`, "not all of it was compared"). Seen
/// failing first: skipped, no difference.
#[test]
fn a_request_sent_the_labs_curl_never_connected_for_drifts() {
    let tail = "* Connection timed out after 1001 milliseconds\n* Closing connection 0\ncurl: (28) Connection timed out after 1001 milliseconds";
    for (lines, said) in [
        (
            "> GET / HTTP/1.1\n> Host: 10.244.2.2\n> User-Agent: curl/7.81.0\n> Accept: */*\n> ",
            "`> GET / HTTP/1.1` says curl sent its request",
        ),
        (
            "> Host: 10.244.2.2",
            "`> Host: 10.244.2.2` says curl sent its request",
        ),
        (
            "* Request completely sent off",
            "`* Request completely sent off` says curl sent its request",
        ),
        (
            "* Mark bundle as not supporting multiuse",
            "`* Mark bundle as not supporting multiuse` says curl read an answer",
        ),
        (
            "< Connection: keep-alive",
            "`< Connection: keep-alive` says curl read an answer",
        ),
    ] {
        let shown = format!("*   Trying 10.244.2.2:80...\n{lines}\n{tail}");
        let r = judged(&shown, LAB_TIMED_OUT, 28);
        assert!(
            r.differences
                .iter()
                .any(|d| d.starts_with(&format!("curl: the book's {said}"))
                    && d.contains("the lab's curl never connected")),
            "{lines}: {r:?}"
        );
        assert_ne!(r.verdict, Verdict::Skipped, "{lines}: {r:?}");
    }
    // Against the lab's curl that connected and sent it, it agrees.
    let connected = "*   Trying 10.244.2.2:80...\n* Connected to 10.244.2.2 (10.244.2.2) port 80 (#0)\n> GET / HTTP/1.1\n> Host: 10.244.2.2\n> Accept: */*\n> \n* Request completely sent off\n* Operation timed out after 1002 milliseconds with 0 bytes received\n* Closing connection 0\ncurl: (28) Operation timed out after 1002 milliseconds with 0 bytes received";
    let r = judged(connected, connected, 28);
    assert!(r.differences.is_empty(), "{r:?}");
}
