//! `lab book` on probe21an's curl chapters (`tests/fixtures/book/probe21an/`
//! `e*.md`), finding 3: a curl's error line, HTTP status line or `-w
//! '%{http_code}'` code written with one invisible or look-alike character
//! (`curl\u{200b}:`, a Cyrillic `с`, `HTTP/1.1 5\u{200b}03`, a fullwidth
//! `５03`, `503\u{200b}`) was read as a page's text, the curl `skipped`,
//! and a chapter showing a failure against a lab that answers passed (rc
//! 0). Seen failing first: with `curl_claims::reads_as_curls` answering
//! None (the fix off, the debug build rebuilt), every chapter below gave
//! rc 0, its curl `skipped`.

use crate::book::said;
use serde_json::Value;

fn book(name: &str) -> (i32, String, Value) {
    crate::book::book_fixture("bc", "probe21an", name, &[])
}

/// Each disguised line is a drift of its curl, naming the line and the
/// character, and the chapter fails.
#[test]
fn a_curl_line_written_past_ascii_is_a_drift_naming_it() {
    for name in ["e2.md", "e3.md", "e81.md", "e82.md", "e83.md", "e84.md"] {
        let (code, stdout, v) = book(name);
        assert_eq!(code, 1, "{name}: {stdout}");
        let curls: Vec<Value> = crate::book::report_commands(&v)
            .into_iter()
            .filter(|c| said(c, "command").starts_with("curl"))
            .collect();
        assert_eq!(curls.len(), 1, "{name}: {stdout}");
        assert_eq!(said(&curls[0], "verdict"), "drift", "{name}: {stdout}");
        let differences = curls[0]["differences"].to_string();
        assert!(
            differences.contains("reads as curl's") && differences.contains("U+"),
            "{name}: {stdout}"
        );
    }
}

/// A page's own text past ASCII is no difference: the netns pod's page
/// with a UTF-8 line matches; a UTF-8 title none of nginx's pages has is
/// read as a title (it was skipped; since probe21bc, lesser 7, such a
/// title is a difference: the lab's server is nginx), so the chapter fails
/// on it alone.
#[test]
fn a_pages_text_past_ascii_stays_a_page() {
    let (code, stdout, v) = book("e90.md");
    assert_eq!(code, 1, "{stdout}");
    let verdicts: Vec<(u64, String)> = crate::book::command_lines(&v)
        .into_iter()
        .map(|(line, verdict, _)| (line, verdict))
        .filter(|(line, _)| [28, 38].contains(line))
        .collect();
    assert_eq!(
        verdicts,
        [(28, "match".to_string()), (38, "drift".to_string())],
        "{stdout}"
    );
}
