//! Finds the line and column of a field in YAML text, for error messages.
//!
//! serde gives positions only for parse errors; validation problems are found
//! on typed values. This locator maps a field path (`nodes[1].ip`) back to the
//! text. It understands block mappings, block sequences and one-line flow
//! mappings/sequences, which is what lab files use; when it cannot go deeper
//! it returns the deepest position it found, never a wrong file.

/// A step in a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Parse `nodes[1].ip` into segments.
pub fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let end = stripped.find(']').unwrap_or(stripped.len());
                if let Ok(n) = stripped[..end].parse() {
                    out.push(Seg::Index(n));
                }
                rest = stripped.get(end + 1..).unwrap_or("");
            }
        } else if !rest.is_empty() {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

/// How many flow collections (`{`, `[`) are open at the end of `s`,
/// ignoring brackets inside quoted strings.
fn flow_depth(s: &str) -> usize {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for ch in s.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

#[derive(Clone)]
pub struct Locator<'a> {
    lines: Vec<&'a str>,
}

/// A region of the text: whole lines `[start, end)`, and on the first line only
/// the text from column `from` on.
#[derive(Clone, Copy, Debug)]
struct Scope {
    start: usize,
    end: usize,
    from: usize,
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        Locator {
            lines: text.lines().collect(),
        }
    }

    /// 1-based (line, column) of the field, or of its deepest known parent.
    pub fn locate(&self, path: &str) -> Option<(usize, usize)> {
        let mut scope = Scope {
            start: 0,
            end: self.lines.len(),
            from: 0,
        };
        let mut found = None;
        for seg in parse_path(path) {
            let next = match &seg {
                Seg::Key(k) => self.find_key(scope, k),
                Seg::Index(i) => self.find_item(scope, *i),
            };
            match next {
                Some((line, col, sub)) => {
                    found = Some((line + 1, col + 1));
                    scope = sub;
                }
                None => break,
            }
        }
        found
    }

    fn text_of(&self, scope: Scope, line: usize) -> &'a str {
        let l = self.lines[line];
        if line == scope.start {
            l.get(scope.from..).unwrap_or("")
        } else {
            l
        }
    }

    /// The block below `line` (lines more indented than `col`, or a block
    /// sequence's `- ` items at `col` itself, as YAML allows under a key).
    fn children(&self, line: usize, col: usize, end: usize, from: usize) -> Scope {
        let mut e = line + 1;
        let item =
            |l: &str| indent(l) == col && (l.trim() == "-" || l.trim_start().starts_with("- "));
        while e < end
            && (is_blank(self.lines[e]) || indent(self.lines[e]) > col || item(self.lines[e]))
        {
            e += 1;
        }
        Scope {
            start: line,
            end: e,
            from,
        }
    }

    fn find_key(&self, scope: Scope, key: &str) -> Option<(usize, usize, Scope)> {
        let mut best: Option<(usize, usize)> = None;
        let pats = [
            format!("{key}:"),
            format!("\"{key}\":"),
            format!("'{key}':"),
        ];
        for line in scope.start..scope.end {
            let text = self.text_of(scope, line);
            let offset = if line == scope.start { scope.from } else { 0 };
            // Keys of this mapping, not of a flow mapping nested in one of
            // its values: on the scope's own line a flow mapping (`{ k: v }`)
            // puts them one level deep, elsewhere they are at the top.
            let level = usize::from(line == scope.start && text.trim_start().starts_with('{'));
            for pat in &pats {
                let mut search = 0;
                while let Some(pos) = text[search..].find(pat.as_str()) {
                    let at = search + pos;
                    let before = text[..at].trim_end();
                    let ok = before.is_empty()
                        || before.ends_with('{')
                        || before.ends_with(',')
                        || before.ends_with('-');
                    if ok && flow_depth(&text[..at]) == level {
                        let col = offset + at;
                        if best.is_none_or(|(_, c)| col < c) {
                            best = Some((line, col));
                        }
                        break;
                    }
                    search = at + pat.len();
                }
            }
        }
        let (line, col) = best?;
        let sub = self.children(line, col, scope.end, col + key.len() + 1);
        Some((line, col, sub))
    }

    fn find_item(&self, scope: Scope, index: usize) -> Option<(usize, usize, Scope)> {
        // Flow sequence on the key's own line: `[a, b, c]`.
        let first = self.text_of(scope, scope.start);
        if let Some(open) = first.find('[') {
            let inner = &first[open + 1..];
            let mut col = open + 1;
            for (i, part) in inner.split(',').enumerate() {
                if i == index {
                    let lead = part.len() - part.trim_start().len();
                    let c = scope.from + col + lead;
                    return Some((
                        scope.start,
                        c,
                        Scope {
                            start: scope.start,
                            end: scope.start + 1,
                            from: c,
                        },
                    ));
                }
                col += part.len() + 1;
            }
            return None;
        }
        // Block sequence: lines starting with `- ` at the smallest indent.
        let items: Vec<usize> = (scope.start + 1..scope.end)
            .filter(|&l| self.lines[l].trim_start().starts_with('-'))
            .collect();
        let min = items.iter().map(|&l| indent(self.lines[l])).min()?;
        let items: Vec<usize> = items
            .into_iter()
            .filter(|&l| indent(self.lines[l]) == min)
            .collect();
        let line = *items.get(index)?;
        let end = items.get(index + 1).copied().unwrap_or(scope.end);
        Some((
            line,
            min,
            Scope {
                start: line,
                end,
                from: min + 1,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name: chapter4\ninterfaces: { nat: enp0s3, private: enp0s8 }\nnetwork:\n  private: 10.100.198.0/24\n  pods: 10.244.0.0/16\nnodes:\n  - { name: master, ip: 10.100.198.200 }\n  - name: node\n    ip: 10.100.198.201\nvariants:\n  broken: { network: flannel.yml }\nworkloads: [a.yaml, b.yaml]\n";

    #[test]
    fn finds_block_and_flow_fields() {
        let l = Locator::new(TEXT);
        assert_eq!(l.locate("name"), Some((1, 1)));
        assert_eq!(l.locate("interfaces.private"), Some((2, 28)));
        assert_eq!(l.locate("network.pods"), Some((5, 3)));
        assert_eq!(l.locate("network"), Some((3, 1)));
        assert_eq!(l.locate("nodes[0].ip"), Some((7, 21)));
        assert_eq!(l.locate("nodes[1].ip"), Some((9, 5)));
        assert_eq!(l.locate("variants.broken.network"), Some((11, 13)));
        assert_eq!(l.locate("workloads[1]"), Some((12, 21)));
        // Unknown leaf: the deepest parent found.
        assert_eq!(l.locate("nodes[1].cpus"), Some((8, 3)));
    }

    #[test]
    fn finds_items_of_a_sequence_at_its_keys_indent() {
        let text =
            "version: 2\ndrift:\n- command: a\n  reason: r\n- command: b\n  line: 0\nnext: 1\n";
        let l = Locator::new(text);
        assert_eq!(l.locate("drift[1].line"), Some((6, 3)));
        assert_eq!(l.locate("drift[0].reason"), Some((4, 3)));
        assert_eq!(l.locate("next"), Some((7, 1)));
    }

    #[test]
    fn keys_of_nested_flow_mappings_are_not_the_parent_keys() {
        let text = "checks:\n  - name: a\n    ping: { pod: nginx, on: node2 }\n  - name: b\n    on: node1\n    expect: { broken: { contains: \"x, on: y\" } }\n";
        let l = Locator::new(text);
        // checks[0] has no `on`: its ping's `on` is not it.
        assert_eq!(l.locate("checks[0].on"), Some((2, 3)));
        assert_eq!(l.locate("checks[0].ping.on"), Some((3, 25)));
        assert_eq!(l.locate("checks[1].on"), Some((5, 5)));
        assert_eq!(l.locate("checks[1].expect.broken.contains"), Some((6, 25)));
    }
}
