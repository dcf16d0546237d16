//! Whether what lies between a chapter's opening `---` (or `+++`) and its
//! closing line is front matter: metadata that a renderer reading front
//! matter (Jekyll, Hugo, pandoc, pulldown-cmark's metadata blocks) hides,
//! and that a renderer without it (CommonMark, lab's own `--html`) shows
//! as a rule and a paragraph. lab skips it only where both agree that it
//! holds nothing a reader runs: its body is YAML whose top is a mapping
//! (`+++`: TOML's shape, `key = value` and `[table]` lines) and it holds
//! no fence. Anything else is refused as unclear, as a fence that crosses
//! its end is: prose and a code block between two `---` were skipped as
//! "front matter" while every CommonMark page showed them (probe21aq
//! finding 4).

/// The largest front matter read (more is no page's metadata).
const MAX_BYTES: usize = 64 * 1024;

/// `body` (the lines after the opening one, before the closing one) is
/// front matter, or why not with its 1-based line in the chapter.
pub(super) fn metadata(body: &[&str], toml: bool) -> Result<(), (usize, String)> {
    let refuse = |at: usize, why: String| {
        Err((
            at + 2,
            format!(
                "the `{}` of line 1 opens no front matter lab can tell: {why}; a page that reads front matter hides it and one that does not shows it, so what the reader sees is not clear",
                if toml { "+++" } else { "---" }
            ),
        ))
    };
    for (i, l) in body.iter().enumerate() {
        let t = l.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            return refuse(i, "it holds a fence".into());
        }
    }
    let size: usize = body.iter().map(|l| l.len() + 1).sum();
    if size > MAX_BYTES {
        return refuse(0, format!("it is more than {} KiB", MAX_BYTES / 1024));
    }
    if toml {
        return toml_shape(body).or_else(|(i, why)| refuse(i, why));
    }
    let text = body.join("\n");
    match serde_norway::from_str::<serde_norway::Value>(&text) {
        Ok(serde_norway::Value::Mapping(_)) => Ok(()),
        Ok(_) => refuse(0, "it is no YAML mapping (`key: value` lines)".into()),
        Err(e) => {
            let at = e
                .location()
                .map(|l| l.line().saturating_sub(1))
                .unwrap_or(0);
            refuse(at, format!("it is no YAML ({e})"))
        }
    }
}

/// TOML's shape, line by line: blank, `# comment`, `[table]`,
/// `[[array]]`, or `key = value` (a bare, quoted or dotted key), and the
/// lines of a value left open (an array, a `"""` or `'''` string).
fn toml_shape(body: &[&str]) -> Result<(), (usize, String)> {
    let mut depth = 0i64;
    let mut string: Option<&str> = None;
    for (i, l) in body.iter().enumerate() {
        let t = l.trim();
        if let Some(q) = string {
            if t.contains(q) {
                string = None;
            }
            continue;
        }
        if depth > 0 {
            depth += brackets(t);
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('[') && t.ends_with(']') {
            continue;
        }
        let Some((key, value)) = t.split_once('=') else {
            return Err((i, format!("line `{t}` is no `key = value` of TOML")));
        };
        let key = key.trim();
        let bare = |k: &str| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
        };
        let quoted = key.len() >= 2
            && (key.starts_with('"') && key.ends_with('"')
                || key.starts_with('\'') && key.ends_with('\''));
        if !(bare(key) || quoted) {
            return Err((i, format!("`{key}` is no TOML key")));
        }
        let value = value.trim();
        if value.is_empty() {
            return Err((i, format!("`{key}` has no value")));
        }
        for q in ["\"\"\"", "'''"] {
            if value.starts_with(q) && value.matches(q).count() == 1 {
                string = Some(q);
            }
        }
        depth = brackets(value).max(0);
    }
    Ok(())
}

/// How many more `[` than `]` a line of a value opens.
fn brackets(t: &str) -> i64 {
    t.matches('[').count() as i64 - t.matches(']').count() as i64
}

#[cfg(test)]
mod tests {
    use super::metadata;

    #[test]
    fn yaml_and_toml_metadata_is_front_matter_anything_else_is_not() {
        assert!(metadata(&["title: x", "tags: [a, b]"], false).is_ok());
        assert!(
            metadata(
                &["title = \"x\"", "[extra]", "tags = [", "  \"a\",", "]"],
                true
            )
            .is_ok()
        );
        // probe21aq finding 4: prose and a block between two `---`.
        let (line, why) = metadata(
            &[
                "First, on node1, take the old bridge down:",
                "",
                "```bash",
                "sudo ip link set cni0 down",
                "```",
            ],
            false,
        )
        .unwrap_err();
        assert_eq!(line, 4);
        assert!(why.contains("holds a fence"), "{why}");
        // Prose alone: a YAML string, no mapping.
        let (line, why) = metadata(&["First, take the bridge down."], false).unwrap_err();
        assert_eq!(line, 2);
        assert!(why.contains("no YAML mapping"), "{why}");
        // A fence in a block scalar: CommonMark shows it as a code block.
        assert!(
            metadata(
                &["title: x", "setup: |", "  ```bash", "  ls", "  ```"],
                false
            )
            .is_err()
        );
        assert!(
            metadata(&["title: [x"], false)
                .unwrap_err()
                .1
                .contains("no YAML")
        );
        assert!(metadata(&["Take the bridge down first"], true).is_err());
    }
}
