//! A fault inside `lab` (a panic: a bug, never the user's input) is not a
//! crash. Where an operation runs under [`crate::signals::interruptible`]
//! the panic is caught there and becomes [`LabError::Internal`] (exit 3),
//! so the operation's own failure path runs after it as after any error:
//! what a bring-up made is torn down, the run record and reports are
//! written. Anything that escapes every operation is caught by the binary
//! and is an internal error too, never Rust's exit 101.
//!
//! The panic hook ([`install`]) keeps the panic's place and message for the
//! error (the payload alone has no place), and prints Rust's own report
//! only when `RUST_BACKTRACE` asks for it.

use crate::error::LabError;
use std::any::Any;
use std::sync::Mutex;

/// The last panic's place and message, as the hook saw it.
static LAST: Mutex<Option<String>> = Mutex::new(None);

/// Install the hook (once, before a command starts).
pub fn install() {
    let rust_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let said = message(info.payload());
        if let Ok(mut last) = LAST.lock() {
            *last = Some(format!("panicked{place}: {said}"));
        }
        if std::env::var_os("RUST_BACKTRACE").is_some() {
            rust_report(info);
        }
    }));
}

/// What a panic's payload says (a `&str` or a `String`; anything else has
/// no words).
fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// A point where the suite makes `lab` panic on purpose, to show that a
/// fault is torn down and reported like any failure: debug builds only
/// (the test binary's), when `LAB_FAULT_INJECT` names `point`. A release
/// build has no such point.
#[track_caller]
pub fn injected(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("LAB_FAULT_INJECT").is_ok_and(|p| p == point) {
        panic!("fault injected at {point} (LAB_FAULT_INJECT)");
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}

/// The error a caught panic is: its place and message when the hook saw
/// them, else what its payload says.
pub fn internal(payload: Box<dyn Any + Send>) -> LabError {
    let seen = LAST.lock().ok().and_then(|mut l| l.take());
    let what = seen.unwrap_or_else(|| format!("panicked: {}", message(payload.as_ref())));
    LabError::Internal(format!("{what} (a bug in lab: please report it)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_says_what_it_holds() {
        assert_eq!(message(&"a str"), "a str");
        assert_eq!(message(&String::from("a string")), "a string");
        assert_eq!(message(&7_u8), "a panic without a message");
        let e = internal(Box::new("ping has a target"));
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("ping has a target"), "{e}");
    }
}
