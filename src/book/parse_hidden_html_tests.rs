//! Unit tests of [`super`]'s cost: its own file, as the reader is near
//! the 600-line bound.

use super::read;

/// The work of reading `text` (see `Marks::work`).
fn work(text: &str) -> usize {
    read(text, text.lines().count() + 1).work
}

/// A chapter's HTML of `n` repeats.
type Shape = fn(usize) -> String;

/// Probe21bz finding 7: nested `<div>`s (closed and not), raw text
/// elements and comments one after another on one line, and spans in a
/// `<pre>`, were read in quadratic time (20,000 nested `<div>`s: 4.7 s,
/// 100,000: more than 120 s). The searches look at each byte a bounded
/// number of times: their work is within a few times the text's length,
/// and doubling the text at most doubles it (counted, not timed).
#[test]
fn reading_html_is_linear_in_its_length() {
    let shapes: [(&str, Shape); 5] = [
        ("nested divs", |n| {
            format!("<div>{}x{}\n", "<div>".repeat(n), "</div>".repeat(n + 1))
        }),
        ("unclosed divs", |n| {
            format!("<div>{}x\n", "<div>".repeat(n))
        }),
        ("scripts", |n| {
            format!("<div>{}</div>\n", "<script>a</SCRIPT >".repeat(n))
        }),
        ("comments", |n| {
            format!("<div>{}</div>\n", "<!-- a --->".repeat(n))
        }),
        ("spans in a pre", |n| {
            format!(
                "<pre>{}x{}</pre>\n",
                "<span>".repeat(n),
                "</span>".repeat(n)
            )
        }),
    ];
    for (what, shape) in shapes {
        let (small, big) = (shape(2_000), shape(4_000));
        let (w1, w2) = (work(&small), work(&big));
        assert!(
            w2 <= 4 * big.len(),
            "{what}: {w2} bytes looked at for {} bytes",
            big.len()
        );
        assert!(w2 <= 2 * w1 + 64, "{what}: {w1} then {w2} when doubled");
    }
}

/// What the searches find is what they found before: a comment ends at
/// `-->` or `--!>`, whichever comes first (`--->` too), a raw element at
/// its end tag in any case, and lines are counted from the HTML's start.
#[test]
fn the_linear_searches_find_the_same_ends() {
    let m = read(
        "<!-- a\nb\n--->\nshown\n<div hidden>\n<script>\nx</Script\n>\n</div>\ny <!--\nz\n--!>\nw\n",
        14,
    );
    let hidden: Vec<usize> = (1..=13).filter(|&l| m.hidden(l).is_some()).collect();
    assert_eq!(hidden, [2, 5, 6, 7, 8, 11], "{m:?}");
    assert_eq!(m.hidden(11), Some("not rendered: inside an HTML comment"));
}
