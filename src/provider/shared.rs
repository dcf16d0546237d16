//! What the phases of one run share because it costs: one session (one
//! set-up per node: SSH masters on vagrant, the nodes' entry on netns) and
//! the lab's round-trip time (measured once), handed by `lab test` to the
//! checks of every variant, the troubleshooting evidence and the chapter's
//! replay, and closed once at the end. A variant switch keeps it: it changes
//! the pods (read again through the provider's access), not the nodes.

use super::Provider;
use crate::error::Result;
use crate::probe::deadline::Rtt;
use crate::report::Reporter;
use crate::session::Session;
use crate::spec::Lab;
use crate::state::State;
use std::sync::Arc;
use std::time::Duration;

/// One run's session and round-trip time; a clone shares both.
#[derive(Clone)]
pub struct Shared {
    pub session: Arc<dyn Session>,
    pub rtt: Rtt,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("rtt", &self.rtt).finish()
    }
}

impl Shared {
    /// Open the provider's session on the lab as it is up, each command
    /// with `deadline`.
    pub async fn open(
        lab: &Lab,
        state: &State,
        provider: &dyn Provider,
        deadline: Duration,
        rep: &Reporter,
    ) -> Result<Shared> {
        let access = provider.access(lab, state, rep).await?;
        let session = provider
            .session(lab, state, &access, Some(deadline), rep)
            .await?;
        Ok(Shared {
            session: Arc::from(session),
            rtt: Rtt::default(),
        })
    }

    /// Release what the session holds (at the end of the run).
    pub async fn close(&self) {
        self.session.close().await;
    }
}
