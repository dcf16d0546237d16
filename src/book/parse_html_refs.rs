//! HTML's character references, decoded as a browser decodes them in
//! text: named ones from pulldown-cmark's table (the renderer lab already
//! uses: one owner of HTML's 2,000-odd names), the legacy names a browser
//! reads without their `;` (`&amp`, `&copy`, `&not` of `&notit;`), numbers
//! as HTML maps them (`&#0;` and past U+10FFFF to U+FFFD, `&#128;` to `€`
//! by windows-1252). A line feed among them (`&#10;`, `&NewLine;`) is a
//! line break the caller reads (probe21t's finding 5).

use std::collections::HashMap;

/// `text` with its character references decoded.
pub(in crate::book) fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let (d, used) = reference(&rest[p..]);
        out.push_str(&d);
        rest = &rest[p + used..];
    }
    out.push_str(rest);
    out
}

/// Names a browser decodes without their `;` (HTML's legacy references).
const LEGACY: &[&str] = &[
    "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil",
    "ETH", "Eacute", "Ecirc", "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT",
    "Ntilde", "Oacute", "Ocirc", "Ograve", "Oslash", "Otilde", "Ouml", "QUOT", "REG", "THORN",
    "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute", "aacute", "acirc", "acute", "aelig", "agrave",
    "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil", "cent", "copy", "curren", "deg",
    "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12", "frac14", "frac34", "gt",
    "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt", "macr", "micro",
    "middot", "nbsp", "not", "ntilde", "oacute", "ocirc", "ograve", "ordf", "ordm", "oslash",
    "otilde", "ouml", "para", "plusmn", "pound", "quot", "raquo", "reg", "sect", "shy", "sup1",
    "sup2", "sup3", "szlig", "thorn", "times", "uacute", "ucirc", "ugrave", "uml", "uuml",
    "yacute", "yen", "yuml",
];

/// What the named reference `&name;` stands for, from pulldown-cmark's
/// table of HTML's names (the renderer's own: one owner of that table).
fn named(name: &str) -> Option<String> {
    thread_local! {
        static KNOWN: std::cell::RefCell<HashMap<String, Option<String>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    KNOWN.with(|k| {
        k.borrow_mut()
            .entry(name.to_string())
            .or_insert_with(|| {
                let written = format!("&{name};");
                let text: String = pulldown_cmark::Parser::new(&written)
                    .filter_map(|e| match e {
                        pulldown_cmark::Event::Text(t) => Some(t.to_string()),
                        _ => None,
                    })
                    .collect();
                (text != written && !text.is_empty()).then_some(text)
            })
            .clone()
    })
}

/// The character HTML gives the number `n` of `&#n;`.
fn numbered(n: u32) -> char {
    // C1 controls are read as windows-1252 (HTML's table).
    const C1: [u32; 32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
        0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ];
    let n = if (0x80..0xA0).contains(&n) {
        C1[(n - 0x80) as usize]
    } else {
        n
    };
    match n {
        0 => '\u{fffd}',
        n => char::from_u32(n).unwrap_or('\u{fffd}'),
    }
}

/// The reference `run` (starting at its `&`) opens with: what it shows and
/// how many bytes it took; `("&", 1)` when it is none.
pub(super) fn reference(run: &str) -> (String, usize) {
    let after = &run[1..];
    if let Some(num) = after.strip_prefix('#') {
        let (hex, digits) = match num.strip_prefix(['x', 'X']) {
            Some(h) => (true, h),
            None => (false, num),
        };
        let len = digits
            .bytes()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if len == 0 {
            return ("&".into(), 1);
        }
        let radix = if hex { 16 } else { 10 };
        let n = digits[..len].bytes().fold(0u32, |n, d| {
            let d = (d as char).to_digit(radix).expect("a digit");
            n.saturating_mul(radix).saturating_add(d)
        });
        let mut used = 1 + 1 + usize::from(hex) + len;
        if run[used..].starts_with(';') {
            used += 1;
        }
        return (numbered(n).to_string(), used);
    }
    let name_len = after
        .bytes()
        .take(40)
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    let name = &after[..name_len];
    if name_len > 0
        && after[name_len..].starts_with(';')
        && let Some(v) = named(name)
    {
        return (v, 1 + name_len + 1);
    }
    // The longest legacy name it starts with, decoded without its `;`.
    if let Some(l) = LEGACY
        .iter()
        .filter(|l| name.starts_with(**l))
        .max_by_key(|l| l.len())
        && let Some(v) = named(l)
    {
        return (v, 1 + l.len());
    }
    ("&".into(), 1)
}
