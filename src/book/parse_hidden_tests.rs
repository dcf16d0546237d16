//! Unit tests of [`super`] for the bookhide session (probe21ab's findings
//! 3 and 4): blocks inside elements a page does not render, front matter,
//! and MDX code components. Kept apart from the other parse tests, which
//! are near the 600-line bound.
use super::read_tests::{commands, p};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/book/probe21ab_hidden/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Whether an opening tag (`<div hidden>`, lowercased, without its `<`)
/// hides what it holds in a browser: a crude reading of its own, so that
/// it checks lab's rather than repeats it.
fn tag_hides(tag: &str) -> bool {
    let name: String = tag
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let squashed: String = tag.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(name.as_str(), "script" | "style" | "template" | "noscript")
        || tag[name.len()..]
            .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .any(|a| a == "hidden" || a.starts_with("hidden="))
        || squashed.contains("display:none")
        || squashed.contains("visibility:hidden")
}

/// The code lines a browser shows of pulldown-cmark's HTML (lab's own
/// renderer, front matter read as metadata): code blocks outside any
/// element that does not render. The HTML it passes through is read with a
/// stack of open elements.
pub(super) fn code_lines_shown_by_pulldown(text: &str) -> Vec<usize> {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    let opts = Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_PLUSES_DELIMITED_METADATA_BLOCKS;
    let (mut lines, mut inside) = (Vec::new(), false);
    // Open elements: their name and whether they hide.
    let mut stack: Vec<(String, bool)> = Vec::new();
    for (e, range) in Parser::new_ext(text, opts).into_offset_iter() {
        match e {
            Event::Html(h) | Event::InlineHtml(h) => {
                let mut lower = h.to_lowercase();
                // Comments hold no tags.
                while let Some(a) = lower.find("<!--") {
                    let b = lower[a..].find("-->").map_or(lower.len(), |b| a + b + 3);
                    lower.replace_range(a..b, "");
                }
                for part in lower.split('<').skip(1) {
                    let tag = part.split('>').next().unwrap_or("");
                    if let Some(close) = tag.strip_prefix('/') {
                        let name = close.trim();
                        if let Some(i) = stack.iter().rposition(|(n, _)| n == name) {
                            stack.truncate(i);
                        }
                    } else if !tag.starts_with('!') && !tag.ends_with('/') {
                        let name: String = tag
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                            .collect();
                        if !name.is_empty() {
                            stack.push((name, tag_hides(tag)));
                        }
                    }
                }
            }
            Event::Start(Tag::CodeBlock(_)) => inside = true,
            Event::End(TagEnd::CodeBlock) => inside = false,
            Event::Text(t) if inside && !t.trim().is_empty() && !stack.iter().any(|(_, h)| *h) => {
                let (from, to) = (line_of(range.start), line_of(range.end.max(1) - 1));
                for n in from..=to {
                    let l = text.lines().nth(n - 1).unwrap_or("");
                    if !l.trim().is_empty() && !lines.contains(&n) {
                        lines.push(n);
                    }
                }
            }
            _ => {}
        }
    }
    lines.sort();
    lines
}

/// The code lines of the shell blocks lab would replay.
fn code_lines_replayed_by_lab(text: &str) -> Vec<usize> {
    let mut lines: Vec<usize> = p(text)
        .blocks
        .iter()
        .filter(|b| b.is_shell())
        .flat_map(|b| b.body.iter())
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, _)| *n)
        .collect();
    lines.sort();
    lines
}

const FENCE: &str = "```bash\nkubectl --kubeconfig ./admin.conf apply -f flannel_fix.yml\n```";
const AFTER: &str = "```bash\nping -c 1 10.244.3.3\n```\n";

/// The texts of the hidden wrappers, and of wrappers a reader sees.
fn wrapped() -> Vec<String> {
    let mut texts = vec![
        fixture("h_script.md"),
        fixture("h_style.md"),
        fixture("h_template.md"),
        fixture("h_divhidden.md"),
        fixture("h_details.md"),
        fixture("h_none.md"),
    ];
    for (open, close) in [
        ("<script type=\"text/plain\">\n", "\n</script>"),
        ("<style>\n", "\n</style>"),
        ("<template>\n\n", "\n\n</template>"),
        ("<noscript>\n\n", "\n\n</noscript>"),
        ("<div hidden>\n\n", "\n\n</div>"),
        ("<div hidden=\"\">\n\n", "\n\n</div>"),
        ("<div class=\"x\" hidden=\"hidden\">\n\n", "\n\n</div>"),
        ("<section hidden>\n\n", "\n\n</section>"),
        ("<div style=\"display:none\">\n\n", "\n\n</div>"),
        (
            "<div style=\"color: red; display: none\">\n\n",
            "\n\n</div>",
        ),
        ("<div style='visibility:hidden'>\n\n", "\n\n</div>"),
        // Nested elements of the same name: the outer one closes last.
        ("<div hidden>\n<div>\n\n", "\n\n</div>\n\ntext\n\n</div>"),
        // Shown: the reader sees these.
        ("<div aria-hidden=\"true\">\n\n", "\n\n</div>"),
        ("<div data-hidden>\n\n", "\n\n</div>"),
        ("<div class=\"hidden-x\">\n\n", "\n\n</div>"),
        ("<details>\n<summary>Answer</summary>\n\n", "\n\n</details>"),
        ("<div>\n\n", "\n\n</div>"),
    ] {
        texts.push(format!("# H\n\n{open}{FENCE}{close}\n\n{AFTER}"));
    }
    // A hidden element inside a shown one.
    texts.push(format!(
        "<div>\n<div hidden>\n\n{FENCE}\n\n</div>\n</div>\n\n{AFTER}"
    ));
    // A fence that shows `<div hidden>` as code hides nothing.
    texts.push(format!("```bash\n<div hidden>\n```\n\n{FENCE}\n\n{AFTER}"));
    // A comment that holds a hidden element's tag hides nothing.
    texts.push(format!("<!-- <div hidden> -->\n\n{FENCE}\n\n{AFTER}"));
    texts
}

/// probe21ab, finding 3: a block inside an element a page does not render
/// (script, style, template, noscript, `hidden`, `display:none`,
/// `visibility:hidden`) is not replayed; a closed `<details>` and
/// `aria-hidden` show their blocks. lab replays the code lines
/// pulldown-cmark's page shows.
#[test]
fn blocks_a_page_does_not_render_are_not_replayed() {
    for text in wrapped() {
        assert_eq!(
            code_lines_replayed_by_lab(&text),
            code_lines_shown_by_pulldown(&text),
            "{text}"
        );
    }
    // CommonMark ends a type-1 block at an end tag in any case (pulldown
    // 0.13 wants the start tag's, in lowercase: it reads the rest of the
    // page as HTML, and shows no block at all).
    let text = format!("<SCRIPT>\n{FENCE}\n</SCRIPT>\n\n{AFTER}");
    assert_eq!(code_lines_replayed_by_lab(&text), [8]);
    // The hidden block is reported with its reason.
    let c = p(&fixture("h_script.md"));
    let hidden: Vec<_> = c.blocks.iter().filter_map(|b| b.hidden.clone()).collect();
    assert_eq!(hidden, ["not rendered: inside <script>"]);
    assert_eq!(c.blocks[1].skip_reason(), "not rendered: inside <script>");
    let c = p(&fixture("h_divhidden.md"));
    assert_eq!(
        c.blocks[1].skip_reason(),
        "not rendered: inside <div hidden>"
    );
    // Front matter holding a fence is refused (probe21aq finding 4).
    let (line, why) = refused(&fixture("h_frontmatter.md")).expect("refused");
    assert_eq!(line, Some(4));
    assert!(why.contains("holds a fence"), "{why}");
    // Inline code a page does not show tells nothing.
    let c = p("<div hidden>\n\nRun `sudo ip link set cni0 down`.\n\n</div>\n\nSee `ip route`.\n");
    let spans: Vec<_> = c.inline.iter().map(|s| s.code.as_str()).collect();
    assert_eq!(spans, ["ip route"]);
    // The visible ping is still read.
    let c = p(&fixture("h_script.md"));
    let shell: Vec<_> = c.blocks.iter().filter(|b| b.is_shell()).collect();
    assert_eq!(shell.len(), 2);
    assert_eq!(commands(shell[1])[1], "ping -c 1 10.244.3.3");
}

/// Front matter at the top of the file (YAML `---`, TOML `+++`) is no
/// text. A `---` rule further down is. Front matter holding a fence, or
/// whose body is no YAML mapping (no TOML), is refused: a page that reads
/// front matter hides it, one that does not shows it (probe21aq finding
/// 4: prose and a block between two `---` were skipped, rc 0).
#[test]
fn front_matter_is_no_text() {
    for text in [
        fixture("h_frontmatter.md"),
        format!("---\ntitle: x\n{FENCE}\n---\n\n{AFTER}"),
        format!("---\ntitle: x\n{FENCE}\n...\n\n{AFTER}"),
        format!("+++\ntitle = \"x\"\n{FENCE}\n+++\n\n{AFTER}"),
        format!("---\nFirst, on node1, take the old bridge down:\n\n{FENCE}\n---\n\n{AFTER}"),
        format!("---\nFirst, take the old bridge down.\n---\n\n{AFTER}"),
        format!("+++\nFirst, take the old bridge down.\n+++\n\n{AFTER}"),
    ] {
        assert!(refused(&text).is_some(), "{text}");
    }
    let texts = [
        format!("---\ntitle: x\ntags: [a]\n---\n\n{FENCE}\n\n{AFTER}"),
        format!("---\ntitle: x\n...\n\n{AFTER}"),
        format!("+++\ntitle = \"x\"\n+++\n\n{AFTER}"),
        format!("# H\n\n---\n\n{FENCE}\n\n---\n\n{AFTER}"),
    ];
    for text in &texts {
        assert_eq!(
            code_lines_replayed_by_lab(text),
            code_lines_shown_by_pulldown(text),
            "{text}"
        );
    }
}

/// probe21ab, finding 4: an MDX code component shows commands; lab reads
/// it as a block of its language, whatever the component's name.
#[test]
fn mdx_code_components_are_blocks() {
    let want = vec![
        "vagrant ssh node1".to_string(),
        "sudo ip link set cni0 down".into(),
        "exit".into(),
    ];
    let body = "{`vagrant ssh node1\nsudo ip link set cni0 down\nexit`}";
    let mut texts = vec![fixture("wmdx.md")];
    for open in [
        "<CodeBlock language=\"bash\">",
        "<CodeBlock lang=\"sh\">",
        "<CodeBlock language={'bash'}>",
        "<Code language=\"shell\" title=\"x\">",
        "<Highlight className=\"language-bash\">",
        "  <CodeBlock\n    language=\"bash\"\n    showLineNumbers>",
        "<CodeBlock>",
    ] {
        let name: String = open
            .trim()
            .trim_start_matches('<')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        texts.push(format!("# H\n\n{open}\n{body}\n</{name}>\n\n{AFTER}"));
        texts.push(format!("# H\n\n{open}{body}</{name}>\n\n{AFTER}"));
    }
    for text in &texts {
        let c = p(text);
        let cmds: Vec<Vec<String>> = c
            .blocks
            .iter()
            .filter(|b| b.is_shell())
            .map(commands)
            .collect();
        assert!(cmds.contains(&want), "{text}\n{cmds:?}");
    }
    // The language is read as a fence's is.
    let c = p("<CodeBlock language=\"yaml\">\n{`a: 1`}\n</CodeBlock>\n");
    assert_eq!(c.blocks.len(), 1);
    assert_eq!(c.blocks[0].lang, "yaml");
    assert!(!c.blocks[0].is_shell());
    // A template literal's escapes are what the page shows.
    let c = p("<CodeBlock language=\"bash\">\n{`echo \\`date\\` \\${HOME}`}\n</CodeBlock>\n");
    assert_eq!(c.blocks[0].body[0].1, "echo `date` ${HOME}");
    // A component with no code, and one with no language, are not blocks.
    assert!(
        p("<Tabs groupId=\"os\">\n\ntext\n\n</Tabs>\n")
            .blocks
            .is_empty()
    );
    assert!(p("<Note>\n{`text`}\n</Note>\n").blocks.is_empty());
}

/// The chapter's text refused, or its error's line and message.
fn refused(text: &str) -> Option<(Option<usize>, String)> {
    super::parse(std::path::Path::new("c.md"), text.as_bytes())
        .err()
        .map(|e| (e.line, e.message))
}

/// probe21ad, finding 2a/2b/2d: tags are read where the page has them,
/// from pulldown-cmark's raw HTML: not in a code span (`<template>`,
/// `</div>`, `<div>`), not in a comment, and an element with raw text (a
/// `<script>`) runs to its own end tag, past a `</pre>` that ends
/// CommonMark's HTML block. lab replays what pulldown-cmark's page shows.
#[test]
fn tags_are_read_only_where_the_page_has_them() {
    let texts = [
        // 2a: a code span and an inline comment hold no start tag.
        format!("<kbd>Tip</kbd>: the page's `<template>` is not used.\n\n{FENCE}\n\n{AFTER}"),
        format!("<kbd>Tip</kbd> <!-- <div hidden> -->\n\n{FENCE}\n\n{AFTER}"),
        format!("Text `<div hidden>` here.\n\n{FENCE}\n\n{AFTER}"),
        // 2b: an end tag in a code span ends nothing, a start tag there
        // opens nothing.
        format!("<div hidden>\n\nClose it with `</div>` later.\n\n{FENCE}\n\n</div>\n\n{AFTER}"),
        format!("<div hidden>\n\nA `<div>` here.\n\n{FENCE}\n\n</div>\n\n{AFTER}"),
        // 2d: a script runs to `</script>`.
        format!(
            "<script type=\"text/plain\">\nvar end = \"</pre>\";\n\n{FENCE}\n\n</script>\n\n{AFTER}"
        ),
        format!("<style>\n/* </textarea> */\n\n{FENCE}\n\n</style>\n\n{AFTER}"),
    ];
    for text in &texts {
        assert_eq!(
            code_lines_replayed_by_lab(text),
            code_lines_shown_by_pulldown(text),
            "{text}"
        );
    }
    // A comment opened inside an HTML block runs over the fence, to the
    // `-->` of raw HTML (the test's reading of pulldown-cmark's page does
    // not follow a comment from one event to the next).
    let text = format!("<div>\n<!--\n\n{FENCE}\n\n<div>-->\n</div>\n\n{AFTER}");
    assert_eq!(code_lines_replayed_by_lab(&text), [12], "{text}");
    // The probe's chapter: the hidden `exit` / `vagrant ssh node2` is
    // skipped, the ping after it replayed.
    let c = p(
        "<div hidden>\n\nClose it with `</div>` later.\n\n```bash\nexit\nvagrant ssh node2\n```\n\n</div>\n\n```bash\nping -c 1 10.244.2.2\n```\n",
    );
    let hidden: Vec<_> = c.blocks.iter().map(|b| b.hidden.clone()).collect();
    assert_eq!(
        hidden,
        [Some("not rendered: inside <div hidden>".to_string()), None]
    );
    let c = p(&format!(
        "<script type=\"text/plain\">\nvar end = \"</pre>\";\n\n{FENCE}\n\n</script>\n\n{AFTER}"
    ));
    assert_eq!(
        c.blocks
            .iter()
            .map(|b| b.hidden.clone())
            .collect::<Vec<_>>(),
        [Some("not rendered: inside <script>".to_string()), None]
    );
}

/// probe21ad, finding 2c: where CSS lab does not read decides whether a
/// block shows (`hidden` with a style that sets `display`, `display`
/// declared twice, a CSS comment, several `style` attributes, a hiding
/// element closed by `/>`), the chapter is refused at the block, the
/// element's line named; never skipped as unseen.
#[test]
fn a_block_whose_visibility_is_not_plain_is_refused() {
    for open in [
        "<div hidden style=\"display:block\">",
        "<div hidden style=\"color: red; DISPLAY : flex\">",
        "<div style=\"display: none; display: block\">",
        "<div style=\"display:block; display:none\">",
        "<div style=\"/* display:none */ color: red\">",
        "<div style=\"display:none\" style=\"display:block\">",
        "<div style=\"visibility:hidden; visibility:visible\">",
        "<section>\n<div hidden style=\"display:block\">",
    ] {
        let text = format!("# H\n\n{open}\n\n{FENCE}\n\n</div>\n\n{AFTER}");
        let fence = text.lines().position(|l| l.starts_with("```")).unwrap() + 1;
        let (line, why) = refused(&text).unwrap_or_else(|| panic!("not refused: {text}"));
        assert_eq!(line, Some(fence), "{text}");
        let at = text.lines().position(|l| l.contains("style")).unwrap() + 1;
        assert!(
            why.contains(&format!("(line {at})")) && why.contains("not clear"),
            "{text}\n{why}"
        );
    }
    // A hiding element that `/>` closes in MDX and HTML leaves open.
    let (line, _) = refused(&format!("<div hidden />\n\n{FENCE}\n\n{AFTER}")).unwrap();
    assert_eq!(line, Some(3));
    // Plain ones are read: hidden, or shown.
    for (open, hidden) in [
        ("<div hidden>", true),
        ("<div style=\"display: none !important\">", true),
        ("<div style=\"display:flex; display:block\">", false),
        ("<div style=\"color: red\">", false),
        (
            "<div style=\"visibility:hidden\">\n<div style=\"visibility:visible\">",
            false,
        ),
        ("<div style=\"content-visibility: hidden\">", true),
        ("<div hidden>\n<div style=\"display:block\">", true),
    ] {
        let text = format!("# H\n\n{open}\n\n{FENCE}\n\n</div>\n\n{AFTER}");
        let c = p(&text);
        let b = c
            .blocks
            .iter()
            .find(|b| b.body[0].1.contains("kubectl"))
            .unwrap();
        assert_eq!(b.hidden.is_some(), hidden, "{text}");
    }
}

/// probe21ad, lesser: a `---` with a blank line after it is a thematic
/// break, no front matter (the blocks up to the next `---` were skipped);
/// front matter whose end would be a `...` or `---` inside its own fence
/// is refused there.
#[test]
fn a_rule_is_no_front_matter_and_a_fence_does_not_end_it() {
    let texts = [
        format!("---\n\nThe pods:\n\n{FENCE}\n\nAnd:\n\n---\n\n{AFTER}"),
        format!("---\n\n{FENCE}\n\n...\n\n{AFTER}"),
        format!("---\n---\n\n{FENCE}\n\n{AFTER}"),
    ];
    for text in &texts {
        let c = p(text);
        assert!(c.blocks.iter().all(|b| b.hidden.is_none()), "{text}");
        assert_eq!(
            code_lines_replayed_by_lab(text),
            code_lines_shown_by_pulldown(text),
            "{text}"
        );
    }
    let text = "---\ntitle: x\n```bash\nping -c 1 10.244.3.3\n...\n```\n---\n\nText.\n";
    let (line, why) = refused(text).expect("refused");
    assert_eq!(line, Some(5));
    assert!(why.contains("fence of line 3"), "{why}");
}

/// What is not the page's HTML opens nothing: tags in an MDX code
/// component's JavaScript, and a `<pre>`'s own hidden spans (its block
/// reads them, blanking what they hide).
#[test]
fn tags_in_mdx_code_and_inside_a_pre_hide_no_block() {
    let c = p(&format!(
        "<CodeBlock language=\"bash\">\n{{`echo '<div hidden>'`}}\n</CodeBlock>\n\n{AFTER}"
    ));
    assert!(
        c.blocks.iter().all(|b| b.hidden.is_none()),
        "{:?}",
        c.blocks
    );
    let c = p(&format!("<pre><span hidden>x</span>ls\n</pre>\n\n{AFTER}"));
    assert!(
        c.blocks.iter().all(|b| b.hidden.is_none()),
        "{:?}",
        c.blocks
    );
}

/// A chapter of unclosed tags: elements nested past [`MAX_DEPTH`] are not
/// read (each line would look through all of them: 120,000 `<b>` lines took
/// 52 s); a block under them is refused, one under fewer is read.
#[test]
fn elements_nested_too_deep_are_not_read() {
    let deep = |n: usize| format!("{}\n{FENCE}\n\n{AFTER}", "<div>\n".repeat(n));
    let (line, why) = refused(&deep(600)).expect("refused");
    assert_eq!(line, Some(602));
    assert!(why.contains("nested more than 512 deep"), "{why}");
    assert!(refused(&deep(500)).is_none());
    assert!(refused(&deep(100_000)).is_some());
}

/// probe21ag, finding 2: the elements a browser closes before a block lab
/// closes too. A `<p hidden>` is closed by the fence's `<pre>`, a hidden
/// `<li>` by the next one, a `<span hidden>` by its paragraph's end, a
/// `<div hidden>` in a list item by the item's end: the fence after is
/// shown, and replayed. A `</div>` in a table cell closes nothing, and
/// what is in a table or a dialog is unclear.
#[test]
fn elements_a_browser_closes_before_a_block_show_it() {
    let shown = [
        format!("<p hidden>\n\n{FENCE}\n\n</p>\n\n{AFTER}"),
        format!("<ul>\n<li hidden>x\n<li>\n\n{FENCE}\n\n</ul>\n\n{AFTER}"),
        format!("Text <span hidden>hidden\n\n{FENCE}\n\n{AFTER}"),
        format!("- item\n\n  <div hidden>\n\n- next\n\n{FENCE}\n\n{AFTER}"),
        format!("Text <span hidden>x --!> y\n\n{FENCE}\n\n{AFTER}"),
    ];
    for text in &shown {
        let c = p(text);
        let fence = c
            .blocks
            .iter()
            .find(|b| b.body[0].1.contains("kubectl"))
            .unwrap_or_else(|| panic!("no block: {text}"));
        assert!(fence.hidden.is_none(), "{text}");
    }
    for text in [
        format!("<div hidden>\n<table><tr><td></div></td></tr></table>\n\n{FENCE}\n\n{AFTER}"),
        format!("<dialog>\n\n{FENCE}\n\n</dialog>\n\n{AFTER}"),
        format!("<div style=\"display: var(--x, none)\">\n\n{FENCE}\n\n</div>\n\n{AFTER}"),
        format!("<div style={{{{display: \"none\"}}}}>\n\n{FENCE}\n\n</div>\n\n{AFTER}"),
        format!("<template shadowrootmode=\"open\">\n\n{FENCE}\n\n</template>\n\n{AFTER}"),
        format!("<script>\n<!--<script>\n</script>\n\n{FENCE}\n\n{AFTER}"),
    ] {
        if refused(&text).is_some() {
            continue;
        }
        let c = p(&text);
        let fence = c.blocks.iter().find(|b| b.body[0].1.contains("kubectl"));
        assert!(fence.is_none_or(|b| b.hidden.is_some()), "{text}");
    }
    // A comment a browser ends at `--!>` and CommonMark at `-->`.
    let (line, why) =
        refused(&format!("<!-- note --!>\n\n{FENCE}\n\n-->\n\n{AFTER}")).expect("refused");
    assert_eq!(line, Some(1));
    assert!(why.contains("--!>"), "{why}");
}
