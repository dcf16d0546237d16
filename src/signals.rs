//! SIGINT, SIGTERM and SIGHUP mean the same for every command: stop, undo
//! what this command started (a bring-up is torn down, SSH masters and
//! temporary folders go), exit 130. The binary installs the handlers
//! ([`install`]) before a command starts, so none of these signals kills
//! `lab` outright; operations wait for [`interrupted`], or run what they can
//! stop under [`interruptible`].

use crate::error::{LabError, Result};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// The signals, in the order of [`NAMES`].
const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];
const NAMES: [&str; 3] = ["SIGINT", "SIGTERM", "SIGHUP"];

/// Set by the signal handler itself (1 + the index in [`NAMES`]), so that a
/// signal delivered before [`received`] is asked is always seen: tokio's
/// own delivery wakes a task, which may not have run yet when a command
/// that finished its work (a teardown) asks.
static FLAG: AtomicUsize = AtomicUsize::new(0);

static RECEIVED: OnceLock<watch::Sender<Option<&'static str>>> = OnceLock::new();

fn sender() -> &'static watch::Sender<Option<&'static str>> {
    RECEIVED.get_or_init(|| watch::channel(None).0)
}

/// Whether the flag's handlers are installed ([`install_flag`]).
static FLAGGED: OnceLock<()> = OnceLock::new();

/// Install the flag's handlers, then let the signals through: the binary
/// does this first thing in `main`, before the command line is read, so a
/// signal in a command's first milliseconds is neither lost nor lab's end
/// by its default action (probe21bl finding 3: an early SIGINT was lost by
/// 13 `up`s of 20, which came up and exited 0; an early SIGTERM killed
/// `up` with 143). A signal ignored or blocked by whoever started `lab` (a
/// shell's background job ignores SIGINT) is caught from then on, and one
/// already pending is delivered at once, to the flag.
pub fn install_flag() -> Result<()> {
    if FLAGGED.get().is_some() {
        return Ok(());
    }
    for (i, &sig) in SIGNALS.iter().enumerate() {
        // SAFETY: the action only stores to an atomic (async-signal-safe).
        unsafe {
            signal_hook_registry::register(sig, move || {
                let _ = FLAG.compare_exchange(0, i + 1, Ordering::SeqCst, Ordering::SeqCst);
            })
        }
        .map_err(|e| LabError::io(format!("installing a {} handler", NAMES[i]), e))?;
    }
    let mut set = nix::sys::signal::SigSet::empty();
    for &sig in &SIGNALS {
        set.add(nix::sys::signal::Signal::try_from(sig).expect("a signal"));
    }
    nix::sys::signal::sigprocmask(nix::sys::signal::SigmaskHow::SIG_UNBLOCK, Some(&set), None)
        .map_err(|e| LabError::io("letting signals through", e.into()))?;
    let _ = FLAGGED.set(());
    Ok(())
}

/// For the internal commands that keep the default actions (`proxy`, the
/// guard): the signals' default actions back, and a signal that came
/// before ends the command as interrupted.
pub fn default_actions() -> Result<()> {
    for &sig in &SIGNALS {
        // SAFETY: restoring a default action.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
    match FLAG.load(Ordering::SeqCst) {
        0 => Ok(()),
        _ => Err(LabError::Interrupted),
    }
}

/// Install the handlers (inside the runtime): the flag's, if the binary
/// has not ([`install_flag`]), and tokio's listeners.
pub fn install() -> Result<()> {
    install_flag()?;
    for (kind, name) in [
        (SignalKind::interrupt(), "SIGINT"),
        (SignalKind::terminate(), "SIGTERM"),
        (SignalKind::hangup(), "SIGHUP"),
    ] {
        let mut s =
            signal(kind).map_err(|e| LabError::io(format!("installing a {name} handler"), e))?;
        tokio::spawn(async move {
            while s.recv().await.is_some() {
                sender().send_replace(Some(name));
            }
        });
    }
    carry_over(&FLAG, sender());
    Ok(())
}

/// A signal that came after the flag's handler was installed and before
/// tokio's listeners were set only the flag, and [`interrupted`] waits on
/// the listeners: it is passed on to them here, or a command that then
/// succeeded ended 0 (the thirteenth probe: 2 of 300 early signals).
fn carry_over(flag: &AtomicUsize, tx: &watch::Sender<Option<&'static str>>) {
    if let i @ 1.. = flag.load(Ordering::SeqCst) {
        tx.send_if_modified(|v| {
            let unset = v.is_none();
            if unset {
                *v = Some(NAMES[i - 1]);
            }
            unset
        });
    }
}

/// The signal received, if one was.
pub fn received() -> Option<&'static str> {
    match FLAG.load(Ordering::SeqCst) {
        0 => *sender().borrow(),
        i => Some(NAMES[i - 1]),
    }
}

/// Resolves once SIGINT, SIGTERM or SIGHUP has been received.
pub async fn interrupted() -> &'static str {
    let mut rx = sender().subscribe();
    let got = rx.wait_for(|v| v.is_some()).await;
    got.map(|v| v.unwrap_or("a signal")).unwrap_or("a signal")
}

/// Run `fut` until it ends or SIGINT, SIGTERM or SIGHUP arrives; then it is
/// dropped (with what it holds: SSH masters, temporary folders) and the
/// command is `Interrupted`. An error that a signal caused (a child process
/// killed by the terminal's Ctrl-C) is `Interrupted` too. A panic inside
/// `fut` is an internal error ([`crate::fault`]).
pub async fn interruptible<T, F>(fut: F) -> Result<T>
where
    F: std::future::Future<Output = Result<T>>,
{
    use futures::FutureExt;
    // A panic inside is an internal error, returned like any other: the
    // caller's failure path (a teardown, the reports) runs after it.
    let fut = std::panic::AssertUnwindSafe(fut).catch_unwind();
    tokio::select! {
        r = fut => match r {
            // A signal that came while the work ended is the command's
            // still: it ran to its end, but README says a signal is 130
            // (the fifteenth probe saw early ones end 0).
            Ok(r) => match (r, received()) {
                (_, Some(_)) => Err(LabError::Interrupted),
                (r, None) => r,
            },
            Err(panic) => Err(crate::fault::internal(panic)),
        },
        _ = interrupted() => Err(LabError::Interrupted),
    }
}

#[cfg(test)]
mod tests {
    /// A signal only the flag saw is passed on to the listeners, once.
    #[test]
    fn a_signal_only_the_flag_saw_is_passed_on() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (tx, rx) = tokio::sync::watch::channel(None);
        let flag = AtomicUsize::new(0);
        super::carry_over(&flag, &tx);
        assert_eq!(*rx.borrow(), None);
        flag.store(2, Ordering::SeqCst);
        super::carry_over(&flag, &tx);
        assert_eq!(*rx.borrow(), Some("SIGTERM"));
        tx.send_replace(Some("SIGINT"));
        super::carry_over(&flag, &tx);
        assert_eq!(*rx.borrow(), Some("SIGINT"), "a listener's own stays");
    }

    use super::*;

    /// A panic inside an operation comes back as an internal error (exit 3)
    /// naming what panicked, so the operation's failure path runs after it.
    #[test]
    fn a_panic_inside_is_an_internal_error_returned() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let r: Result<()> = rt.block_on(interruptible(async {
            if std::hint::black_box(true) {
                panic!("ping has a target");
            }
            Ok(())
        }));
        let e = r.unwrap_err();
        assert!(matches!(e, LabError::Internal(_)), "{e:?}");
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().contains("ping has a target"), "{e}");
        // And what went right stays right.
        let ok: Result<u8> = rt.block_on(interruptible(async { Ok(7) }));
        assert_eq!(ok.unwrap(), 7);
    }
}
