//! A lab held by an operation that may bring it up (`up`, `test`, `book`):
//! its folder (derived once, here), whether this operation made that
//! folder, and its lock for the operation's whole life; and the teardown
//! `test` and `book` end with. One owner for what each did by hand.

use crate::error::Result;
use crate::provider::Provider;
use crate::report::Reporter;
use crate::state::{self, Lock, State};
use std::path::PathBuf;

/// A lab's folder and lock, held until dropped.
pub struct Held {
    pub name: String,
    /// The lab's folder ([`state::lab_dir`]).
    pub dir: PathBuf,
    /// The folder did not exist before (taking the lock made it): a
    /// refusal removes it again.
    pub fresh: bool,
    _lock: Lock,
}

impl Held {
    /// Take the lab's lock for `holder` (the command, as others are told).
    pub fn acquire(name: &str, holder: &str) -> Result<Held> {
        let dir = state::lab_dir(name);
        let fresh = !dir.exists();
        let lock = Lock::acquire(name, holder)?;
        Ok(Held {
            name: name.to_string(),
            dir,
            fresh,
            _lock: lock,
        })
    }

    /// Send `rep`'s log to the lab's `lab.log` from now on.
    pub fn log_to(&self, rep: &Reporter) {
        rep.log_to(&self.dir.join(state::LOG_FILE));
    }

    /// Nothing was made: the folder this operation made goes (a folder
    /// that was there before stays).
    pub fn refused(&self) {
        if self.fresh {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// Tear the lab down with `p`, as its state says it is now.
    pub async fn teardown(&self, p: &dyn Provider, rep: &Reporter) -> Result<()> {
        let now = State::load(&self.name).ok().flatten();
        p.destroy(&self.name, now.as_ref(), rep).await
    }
}
