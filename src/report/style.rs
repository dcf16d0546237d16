//! How the terminal view looks, chosen once by the command line: colour
//! (`--color auto|always|never`, `NO_COLOR`, `CLICOLOR_FORCE`), how much is
//! said (`-q`, `-v`). Colour is only ever added around text already made
//! visible ([`super::terminal::visible`]); widths are counted without it.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicI8, Ordering};

static COLOR: AtomicBool = AtomicBool::new(false);
static LEVEL: AtomicI8 = AtomicI8::new(0);

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    #[default]
    Auto,
    Always,
    Never,
}

/// Decide colour for this process: `always` and `never` win; `auto` colours
/// when stderr is a terminal, `NO_COLOR` is unset or empty and `TERM` is not
/// `dumb`; `CLICOLOR_FORCE` (non-empty, not 0) colours in any case.
pub fn set_color(choice: ColorChoice) {
    let env_set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            env_set("CLICOLOR_FORCE")
                || (!env_set("NO_COLOR")
                    && std::io::stderr().is_terminal()
                    && std::env::var("TERM").map_or(true, |t| t != "dumb"))
        }
    };
    COLOR.store(on, Ordering::Relaxed);
}

pub fn color() -> bool {
    COLOR.load(Ordering::Relaxed)
}

/// `-q` (−1: failures and results only), none (0), `-v` (1 and more: also
/// each step's start and the commands' log).
pub fn set_level(level: i8) {
    LEVEL.store(level, Ordering::Relaxed);
}

pub fn quiet() -> bool {
    LEVEL.load(Ordering::Relaxed) < 0
}

pub fn verbose() -> bool {
    LEVEL.load(Ordering::Relaxed) > 0
}

/// Roles text can have on the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    Good,
    Bad,
    Skip,
    Dim,
    Bold,
}

/// `text` with the colour of `p` when colour is on.
pub fn paint(p: Paint, text: &str) -> String {
    if !color() {
        return text.to_string();
    }
    let code = match p {
        Paint::Good => "32",
        Paint::Bad => "1;31",
        Paint::Skip => "33",
        Paint::Dim => "2",
        Paint::Bold => "1",
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

/// The paint of a verdict or step mark (`pass`, `FAIL`, `ok`, ...).
pub fn paint_mark(mark: &str) -> String {
    let p = match mark.trim() {
        "pass" | "ok" | "match" | "known" => Paint::Good,
        "skip" | "skipped" => Paint::Skip,
        _ => Paint::Bad,
    };
    // Padding stays outside the colour.
    let start = mark.len() - mark.trim_start().len();
    let end = mark.trim_end().len();
    format!(
        "{}{}{}",
        &mark[..start],
        paint(p, &mark[start..end]),
        &mark[end..]
    )
}

/// A duration for people: `0.42 s`, `12.3 s`, `2 min 05 s`.
pub fn duration(secs: f64) -> String {
    if secs < 10.0 {
        format!("{secs:.2} s")
    } else if secs < 60.0 {
        format!("{secs:.1} s")
    } else {
        let s = secs.round() as u64;
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

/// `line` cut to `width` characters (an ellipsis marks the cut).
pub fn fit(line: &str, width: Option<usize>) -> String {
    match width {
        Some(w) if line.chars().count() > w && w > 1 => {
            line.chars().take(w - 1).collect::<String>() + "…"
        }
        _ => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_fitting() {
        assert_eq!(duration(1.234), "1.23 s");
        assert_eq!(duration(27.04), "27.0 s");
        assert_eq!(duration(125.0), "2 min 05 s");
        assert_eq!(fit("abcdef", Some(4)), "abc…");
        assert_eq!(fit("abc", Some(4)), "abc");
        assert_eq!(fit("abcdef", None), "abcdef");
    }

    #[test]
    fn marks_are_painted_inside_their_padding() {
        COLOR.store(true, Ordering::Relaxed);
        assert_eq!(paint_mark("  FAIL"), "  \u{1b}[1;31mFAIL\u{1b}[0m");
        assert_eq!(paint_mark("pass "), "\u{1b}[32mpass\u{1b}[0m ");
        COLOR.store(false, Ordering::Relaxed);
        assert_eq!(paint_mark("pass"), "pass");
    }
}
