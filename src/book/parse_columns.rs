//! Indentation in columns, as CommonMark measures it: a tab goes to the
//! next multiple of four columns wherever indentation decides structure
//! (indented code, a list item's continuation, a fence's indentation, a
//! block quote's `>` and the space after it). `" \t"`, `"  \t"` and
//! `"   \t"` are four columns, as `"\t"` and four spaces are. Read as one
//! tab or four spaces, a line indented so was prose, and the indented
//! code it began never ran (probe21z, finding 3).
//!
//! One helper, [`expand`], turns the tabs of a line's structure (its
//! leading spaces and tabs, the quote markers and list markers among
//! them, and the spaces and tabs after each) into the spaces they stand
//! for; `parse` reads every line through it, so everything after counts
//! indentation in columns by counting spaces. The rest of the line (its
//! text, a tab between words) is left as written.

use std::borrow::Cow;

/// Columns between tab stops.
pub const TAB: usize = 4;

/// The list marker `t` starts with (`-`, `*`, `+`, or up to nine digits
/// and `.` or `)`), followed by a space, a tab or the line's end: its
/// length in bytes.
fn marker(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    let width = match b.first()? {
        b'-' | b'*' | b'+' => 1,
        _ => {
            let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=9).contains(&digits) || !matches!(b.get(digits), Some(b'.' | b')')) {
                return None;
            }
            digits + 1
        }
    };
    matches!(b.get(width), None | Some(b' ' | b'\t')).then_some(width)
}

/// `line` with the tabs of its structure expanded to spaces (see the
/// module doc); borrowed when it has none.
pub fn expand(line: &str) -> Cow<'_, str> {
    let b = line.as_bytes();
    // Where the structure ends: past whitespace, `>` and list markers.
    let mut end = 0;
    loop {
        while end < b.len() && matches!(b[end], b' ' | b'\t') {
            end += 1;
        }
        if b.get(end) == Some(&b'>') {
            end += 1;
        } else if let Some(w) = marker(&line[end..]) {
            end += w;
        } else {
            break;
        }
    }
    if !b[..end].contains(&b'\t') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 3 * end);
    for c in line[..end].chars() {
        if c == '\t' {
            let to = (out.len() / TAB + 1) * TAB;
            out.extend(std::iter::repeat_n(' ', to - out.len()));
        } else {
            out.push(c);
        }
    }
    out.push_str(&line[end..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_go_to_the_next_multiple_of_four() {
        for (line, want) in [
            ("\tfoo", "    foo"),
            (" \tfoo", "    foo"),
            ("  \tfoo", "    foo"),
            ("   \tfoo", "    foo"),
            ("    \tfoo", "        foo"),
            ("-\tfoo", "-   foo"),
            (">\t\tfoo", ">       foo"),
            ("1.\tfoo\tbar", "1.  foo\tbar"),
            ("> -\t`x`", "> - `x`"),
            ("foo\tbar", "foo\tbar"),
        ] {
            assert_eq!(expand(line), want, "{line:?}");
        }
    }
}
