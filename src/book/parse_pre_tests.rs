//! Unit tests of what lab reads of a `<pre>`: the lines a browser shows.
//! Every expected value here is what headless chromium rendered for the
//! same HTML (a screenshot and `innerText`, 2026-12-05): `<br>`, line-feed
//! references and block elements break lines; elements a browser does not
//! show give no text (probe21t's findings 5 and 6).
use super::*;

/// The lines of the one block `html` (inside `<pre>…</pre>`) is.
fn shown(html: &str) -> Vec<String> {
    let c = parse(Path::new("c.md"), format!("<pre>{html}</pre>\n").as_bytes()).unwrap();
    assert_eq!(c.blocks.len(), 1, "{html}: {:?}", c.blocks);
    c.blocks[0].body.iter().map(|(_, l)| l.clone()).collect()
}

#[test]
fn br_and_line_feed_references_break_the_line() {
    let cases: &[(&str, &[&str])] = &[
        (
            "PING x.<br>64 bytes from y<BR/>z<br class=\"q\">w",
            &["PING x.", "64 bytes from y", "z", "w"],
        ),
        // `</br>` is read as `<br>`.
        ("a<br></br>b<br/>c", &["a", "", "b", "c"]),
        ("a<br>\nb<br>", &["a", "", "b"]),
        ("a&#10;b&#x0a;c&#xA;d&NewLine;e", &["a", "b", "c", "d", "e"]),
        // A carriage return or form feed by reference shows nothing.
        ("a&#13;b&#12;c", &["abc"]),
    ];
    for (html, want) in cases {
        assert_eq!(shown(html), *want, "{html}");
    }
}

#[test]
fn block_elements_break_the_line_as_a_browser_lays_them_out() {
    let cases: &[(&str, &[&str])] = &[
        (
            "<div>PING</div><div>64 bytes</div>after",
            &["PING", "64 bytes", "after"],
        ),
        // A newline before a block ends the line it is on; one after a
        // block is a line of its own.
        (
            "line1\n<div>line2</div>\nline3",
            &["line1", "line2", "", "line3"],
        ),
        (
            "abc<div></div>d<div>\ne</div>f",
            &["abc", "d", "", "e", "f"],
        ),
        // Elements with margins stand apart by a blank line.
        (
            "x<p>para</p>y<h2>head</h2>q",
            &["x", "", "para", "", "y", "", "head", "", "q"],
        ),
        (
            "t<ul><li>u1</li><li>u2</li></ul>v",
            &["t", "", "u1", "u2", "", "v"],
        ),
        ("t<blockquote>bq</blockquote>v", &["t", "", "bq", "", "v"]),
        ("t<hr>v", &["t", "", "v"]),
        ("t<li>l1</li>v", &["t", "l1", "v"]),
        (
            "<table><tr><td>c1</td><td>c2</td></tr><tr><td>c3</td></tr></table>s",
            &["c1\tc2", "c3", "s"],
        ),
        ("x<section>s</section>y", &["x", "s", "y"]),
        // A `<p>` ends where a block opens.
        ("a<p hidden>x<div>shown</div>z", &["a", "shown", "z"]),
        // `<xmp>`'s text is shown as written.
        (
            "x<xmp>&lt;<b>y</b></xmp>z",
            &["x", "", "&lt;<b>y</b>", "", "z"],
        ),
    ];
    for (html, want) in cases {
        assert_eq!(shown(html), *want, "{html}");
    }
}

#[test]
fn character_references_are_decoded_as_a_browser_decodes_them() {
    assert_eq!(
        shown("&copy;&hellip;&mdash;&amp&lt y &#169 &notit; &#0;|&#x110000;&#128;&#x85;"),
        ["©…—&< y © ¬it; \u{fffd}|\u{fffd}€…"]
    );
    assert_eq!(
        shown("&lt;b&gt; &unknown; & &#x; &;"),
        ["<b> &unknown; & &#x; &;"]
    );
}

#[test]
fn elements_a_browser_does_not_show_give_no_text() {
    let cases: &[(&str, &[&str])] = &[
        (
            "a<template>T1</template>b<script>S1</script>c<style>.x{}</style>d<title>TT</title>e<noscript>NS</noscript>f",
            &["abcdef"],
        ),
        // A hidden element keeps its place: its text is blank.
        (
            "f<span style=\"visibility:hidden\">VH</span>g<span style=\"VISIBILITY : Hidden\">VH2</span>h",
            &["f  g   h"],
        ),
        (
            "a<span style=\"visibility:hidden\">xyz<span style=\"visibility: visible\">V</span></span>b",
            &["a   Vb"],
        ),
        (
            "a<span style=\"display : NONE !important\">x</span>b<span style=\"color:red;visibility:collapse\">y</span>c",
            &["ab c"],
        ),
        // A script ends at its first closing tag.
        ("a<script><script></script>b</script>c", &["abc"]),
        ("a<template>b<template>c</template>d</template>e", &["ae"]),
        // `<b hidden>` hides to its own `</b>`, not past a `<br>`.
        ("a<b hidden>x</b><br>y", &["a", "y"]),
        // A `>` in a quoted attribute does not end the tag.
        ("a<span title=\"q>64 bytes\">b</span>c", &["abc"]),
        ("a<?php x ?>b<!doctype html>c", &["abc"]),
        // Unclosed: hidden to the block's end.
        ("a<template>b\nc\n", &["a"]),
        ("a<noscript>b\nc\n", &["a"]),
    ];
    for (html, want) in cases {
        assert_eq!(shown(html), *want, "{html}");
    }
}

/// probe21t's `h_br.md` and `h_cmd.md`: a reply after `<br>` is a line of
/// the ping's output, and a command after `<br>` a command of its own, each
/// numbered by the chapter line it is on.
#[test]
fn a_reply_or_a_command_after_br_is_a_line_of_its_own() {
    let c = parse(
        Path::new("c.md"),
        b"<pre><code>$ vagrant ssh node1\n$ ping -c 1 10.244.3.3\nPING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.<br>64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.512 ms\n$ ping -c 1 10.244.1.2\n64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms<br>$ sudo ip link set cni0 down\n$ exit\n</code></pre>\n",
    )
    .unwrap();
    let (s, _) = steps(&c.blocks[0]);
    let cmds: Vec<(usize, &str)> = s.iter().map(|s| (s.line, s.command.as_str())).collect();
    assert_eq!(
        cmds,
        [
            (1, "vagrant ssh node1"),
            (2, "ping -c 1 10.244.3.3"),
            (4, "ping -c 1 10.244.1.2"),
            (5, "sudo ip link set cni0 down"),
            (6, "exit")
        ]
    );
    assert_eq!(
        s[1].output,
        [
            "PING 10.244.3.3 (10.244.3.3) 56(84) bytes of data.",
            "64 bytes from 10.244.3.3: icmp_seq=1 ttl=63 time=0.512 ms"
        ]
    );
    assert_eq!(s[1].output_at, [3, 3]);
}

/// probe21t's `h_template.md`: a reply inside `<template>` is no reply.
#[test]
fn a_reply_in_a_template_is_none() {
    let c = parse(
        Path::new("c.md"),
        b"<pre>\n$ ping -c 1 10.244.1.2\nPING 10.244.1.2 (10.244.1.2) 56(84) bytes of data.\n<template>64 bytes from 10.244.1.2: icmp_seq=1 ttl=64 time=0.054 ms</template>\n</pre>\n",
    )
    .unwrap();
    let (s, _) = steps(&c.blocks[0]);
    assert_eq!(
        s[0].output,
        ["PING 10.244.1.2 (10.244.1.2) 56(84) bytes of data."]
    );
}

/// Where a browser's recovery from mis-nested tags decides what is
/// hidden, the block is refused (its line named); mis-nesting that hides
/// nothing is read; a `<pre>` the page hides shows nothing.
#[test]
fn mis_nesting_around_hidden_text_is_refused() {
    let e = parse(
        Path::new("c.md"),
        b"text\n\n<pre>ls\na<span hidden><div></span>b</div>c\n</pre>\n",
    )
    .unwrap_err();
    assert_eq!(e.line, Some(4), "{e}");
    assert!(
        e.message.contains("`<span>` is closed across `<div>`"),
        "{e}"
    );
    assert_eq!(shown("<b><i>x</b></i>y"), ["xy"]);
    let c = parse(
        Path::new("c.md"),
        b"<pre hidden>\nsudo ip link set cni0 down\n</pre>\n<div>Run:<pre>ls</pre></div>\n",
    )
    .unwrap();
    assert!(c.blocks[0].body.is_empty(), "{:?}", c.blocks);
    // Text before the `<pre>` on its line is no line of the block.
    assert_eq!(c.blocks[1].body, [(4, "ls".to_string())]);
}
