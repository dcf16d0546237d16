//! How an element shows what it holds, read from its start tag: the
//! elements a page never renders, those a browser shows by rules of its
//! own, and the CSS of `hidden`, `display` and `visibility` that lab reads
//! (what it does not read is unclear). Apart from [`super`], which follows
//! the elements open at each point of the page.

/// How an element shows what it holds.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Shows {
    /// As its parent does.
    Inherit,
    /// Not at all (`display: none`, `hidden`, `<script>`): the tag.
    Gone(String),
    /// `visibility: hidden` (a descendant may be visible again): the tag.
    Invisible(String),
    /// `visibility: visible`.
    Visible,
    /// CSS lab does not read decides it: why, the line named.
    Unclear(String),
}

/// Elements whose content is raw text up to their own end tag (shown by
/// the page or not: [`GONE`]).
pub(super) const RAW: [&str; 10] = [
    "script",
    "style",
    "noscript",
    "noembed",
    "noframes",
    "iframe",
    "title",
    "textarea",
    "xmp",
    "plaintext",
];

/// Elements a page never renders the content of.
pub(super) const GONE: [&str; 8] = [
    "script", "style", "template", "noscript", "noembed", "noframes", "iframe", "title",
];

/// Elements whose content a browser shows by rules lab does not read (a
/// fallback, a control, a closed dialog, a table's own building, SVG and
/// MathML): what they hold is unclear (probe21ag: a block in a `<dialog>`
/// or `<canvas>` was replayed, one in a `<table hidden>` is moved out of
/// the table, shown).
pub(super) const UNREAD: [&str; 25] = [
    "dialog", "canvas", "video", "audio", "object", "applet", "datalist", "select", "optgroup",
    "option", "rp", "table", "caption", "colgroup", "thead", "tbody", "tfoot", "tr", "td", "th",
    "marquee", "svg", "math", "frameset", "slot",
];

/// Elements an end tag does not close past (HTML's "in scope": a `</div>`
/// in a `<td>` closes nothing).
pub(super) const SCOPE: [&str; 12] = [
    "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "svg",
    "math", "select",
];

/// Start tags that close an open `<p>` (HTML's block-level ones).
pub(super) const CLOSE_P: [&str; 36] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "ul",
];

/// Elements that hold nothing and have no end tag.
pub(super) const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// How an element shows what it holds, from its start tag (`body`: the
/// tag's text after `<`, without `>`) opening on `line` (1-based).
pub(super) fn shows(name: &str, body: &str, line: usize) -> Shows {
    let tag = format!("<{}>", body.chars().take(60).collect::<String>().trim());
    let unclear = |why: &str| Shows::Unclear(format!("`{tag}` (line {line}), which {why}"));
    let lower = body.to_ascii_lowercase();
    if name == "template" && lower.contains("shadowroot") {
        return unclear("is a shadow root's template, which a browser shows");
    }
    if GONE.contains(&name) {
        return Shows::Gone(format!("<{name}>"));
    }
    if UNREAD.contains(&name) {
        return unclear("a browser shows by rules of its own that lab does not read");
    }
    // A JSX expression as the value (`style={{display: "none"}}`,
    // `hidden={false}`): MDX decides it, not HTML.
    let braced = |attr: &str| {
        lower.match_indices(attr).any(|(k, _)| {
            let after = lower[k + attr.len()..].trim_start();
            after
                .strip_prefix('=')
                .is_some_and(|v| v.trim_start().starts_with('{'))
        })
    };
    if braced("hidden") || braced("style") {
        return unclear("sets `hidden` or `style` with a JSX expression, which MDX decides");
    }
    let attrs = super::super::attributes(&body[name.len().min(body.len())..]);
    let styles: Vec<&str> = attrs
        .iter()
        .filter(|(a, _)| a == "style")
        .map(|(_, v)| v.as_str())
        .collect();
    if styles.len() > 1 {
        return unclear("has several `style` attributes (HTML keeps the first, JSX the last)");
    }
    let style = styles
        .first()
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    if ["/*", "\\", "&"].iter().any(|x| style.contains(x)) {
        return unclear(
            "has a style with a CSS comment, an escape or a character reference, which lab does not read",
        );
    }
    // The values of each property the style declares, in order.
    let declared = |prop: &str| -> Vec<String> {
        style
            .split(';')
            .filter_map(|d| d.split_once(':'))
            .filter(|(p, _)| p.trim() == prop)
            .map(|(_, v)| v.replace("!important", "").trim().to_string())
            .collect()
    };
    let display = declared("display");
    let visibility = declared("visibility");
    let content = declared("content-visibility");
    let plain = |v: &String| v.chars().all(|c| c.is_ascii_alphabetic() || c == '-');
    if !(display.iter().all(plain) && visibility.iter().all(plain) && content.iter().all(plain)) {
        return unclear(
            "sets `display` or `visibility` to what is no plain keyword (`var()`, a function), which lab does not read",
        );
    }
    let hidden = attrs.iter().any(|(a, _)| a == "hidden");
    if hidden && !display.is_empty() {
        return unclear(
            "has the `hidden` attribute and a style that sets `display`: which one wins is CSS lab does not decide",
        );
    }
    if hidden {
        return Shows::Gone(tag);
    }
    for (values, gone) in [(&display, "none"), (&content, "hidden")] {
        match values.as_slice() {
            [v] if v == gone => return Shows::Gone(tag),
            [_, _, ..] if values.iter().any(|v| v == gone) => {
                return unclear("declares its display more than once, once as hidden");
            }
            _ => {}
        }
    }
    let invisible = |v: &String| v == "hidden" || v == "collapse";
    match visibility.as_slice() {
        [] => Shows::Inherit,
        [v] if invisible(v) => Shows::Invisible(tag),
        [_] => Shows::Visible,
        _ if visibility.iter().any(invisible) => {
            unclear("declares its visibility more than once, once as hidden")
        }
        _ => Shows::Visible,
    }
}
