//! One way to wait for the cluster: ask again at a steady pace until the
//! answer is complete or a deadline passes, saying what is still missing
//! whenever that changes. A timeout is [`LabError::WaitTimedOut`], naming
//! what was awaited and each node or pod still missing at the last answer;
//! a session that cannot ask ends the wait at once (never mistaken for
//! "not ready yet").

use crate::error::{LabError, Result};
use crate::report::Reporter;
use std::future::Future;
use std::time::{Duration, Instant};

/// How often to ask, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Poll {
    pub every: Duration,
    pub limit: Duration,
}

impl Poll {
    /// A bring-up wait: every 5 s, for `limit`.
    pub fn every_5s_for(limit: Duration) -> Poll {
        Poll {
            every: Duration::from_secs(5),
            limit,
        }
    }
}

/// One answer: done (with what was found), or what is still missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    Done(T),
    /// One entry per node or pod still missing, saying what it is waiting for.
    Missing(Vec<String>),
}

/// Ask `ask` every `poll.every` until it answers [`Answer::Done`]. Each ask
/// is bounded by what is left of the deadline. Progress (what is missing,
/// when it changes) goes to `rep` as info lines.
pub async fn until<T, F, Fut>(poll: Poll, awaited: &str, rep: &Reporter, mut ask: F) -> Result<T>
where
    F: FnMut() -> Fut + Send,
    Fut: Future<Output = Result<Answer<T>>> + Send,
    T: Send,
{
    let started = Instant::now();
    let mut tick = tokio::time::interval(poll.every.max(Duration::from_millis(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last: Vec<String> = vec!["no answer yet".into()];
    let mut shown: Option<Vec<String>> = None;
    loop {
        tick.tick().await;
        let left = poll.limit.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, ask()).await {
            Ok(Ok(Answer::Done(t))) => return Ok(t),
            Ok(Ok(Answer::Missing(m))) => last = m,
            Ok(Err(e)) => return Err(e),
            Err(_) => last.push(format!("the last ask did not answer within {left:?}")),
        }
        if started.elapsed() >= poll.limit {
            return Err(LabError::WaitTimedOut {
                awaited: awaited.to_string(),
                waited: poll.limit,
                missing: last,
            });
        }
        if shown.as_ref() != Some(&last) {
            rep.info(format!("waiting for {awaited}: {}", last.join(", ")));
            shown = Some(last.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::fixture::Events;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn quick(limit_ms: u64) -> Poll {
        Poll {
            every: Duration::from_millis(1),
            limit: Duration::from_millis(limit_ms),
        }
    }

    #[tokio::test]
    async fn asks_until_done_and_shows_each_change_once() {
        let (rep, events) = Events::reporter();
        let asked = AtomicUsize::new(0);
        let got = until(quick(10_000), "two things", &rep, || {
            let n = asked.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(match n {
                    0 | 1 => Answer::Missing(vec!["a".into(), "b".into()]),
                    2 => Answer::Missing(vec!["b".into()]),
                    _ => Answer::Done(n),
                })
            }
        })
        .await
        .unwrap();
        assert_eq!(got, 3);
        assert_eq!(
            events.infos(),
            ["waiting for two things: a, b", "waiting for two things: b"]
        );
    }

    #[tokio::test]
    async fn a_deadline_passed_is_typed_and_names_what_is_missing() {
        let rep = Reporter::quiet();
        let err = until::<(), _, _>(quick(30), "node2 to be Ready", &rep, || async {
            Ok(Answer::Missing(vec!["node2 NotReady".into()]))
        })
        .await
        .unwrap_err();
        match &err {
            LabError::WaitTimedOut {
                awaited,
                waited,
                missing,
            } => {
                assert_eq!(awaited, "node2 to be Ready");
                assert_eq!(*waited, Duration::from_millis(30));
                assert_eq!(missing, &["node2 NotReady"]);
            }
            other => panic!("not a timeout: {other:?}"),
        }
        assert_eq!(err.exit_code(), 3);
    }

    #[tokio::test]
    async fn could_not_ask_ends_the_wait_at_once() {
        let rep = Reporter::quiet();
        let err = until::<(), _, _>(quick(60_000), "x", &rep, || async {
            Err(LabError::Ssh {
                node: "master".into(),
                message: "connection lost".into(),
            })
        })
        .await
        .unwrap_err();
        assert!(matches!(err, LabError::Ssh { .. }), "{err}");
    }
}
