//! The engine on the caller's thread: a colocated agent the owner steps by hand.
//!
//! A trading process that already has its own pinned thread (a strategy loop, say) can run its
//! sessions there, one duty cycle per call to [`LocalEngine::poll`], and send straight from that
//! loop with no thread hop at all. The latency bench's initiator runs this way.

use crate::agent::Agent;
use crate::app::{Application, Ctx};
use crate::clock::{Clock, SystemClock};
use crate::colocated::ColocatedAgent;
use crate::core::Command;
use crate::error::EngineError;
use crate::event::EngineEvent;
use crossbeam_channel::{Receiver, Sender};
use spinfix_session::time::Now;
use std::time::{Duration, Instant};

/// A colocated engine driven by its owner's thread. Build it with
/// [`crate::EngineBuilder::build_local`].
pub struct LocalEngine<A: Application> {
    pub(crate) agent: ColocatedAgent<A>,
    pub(crate) clock: SystemClock,
    pub(crate) control: Sender<Command>,
    pub(crate) events: Receiver<EngineEvent>,
    pub(crate) now: Now,
}

impl<A: Application> std::fmt::Debug for LocalEngine<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalEngine")
            .field("agent", &self.agent)
            .finish_non_exhaustive()
    }
}

impl<A: Application> LocalEngine<A> {
    /// One duty cycle at the current time: sockets, sessions, timers, output. Returns the work
    /// done (0: idle; the caller decides how to idle).
    #[inline]
    pub fn poll(&mut self) -> usize {
        self.now = self.clock.now();
        self.agent.do_work(self.now)
    }

    /// The application.
    pub fn app(&self) -> &A {
        self.agent.app()
    }

    /// The application, mutably.
    pub fn app_mut(&mut self) -> &mut A {
        self.agent.app_mut()
    }

    /// The session at `index` (configuration order), to send on at the time of the last
    /// [`LocalEngine::poll`]. The output leaves at the next poll.
    pub fn session(&mut self, index: usize) -> Option<Ctx<'_>> {
        let now = self.now;
        self.agent.session(index, now)
    }

    /// Connection and session events.
    pub fn events(&self) -> &Receiver<EngineEvent> {
        &self.events
    }

    /// The graceful stop, stepped on this thread: Logout on every logged-on session, the
    /// answers awaited at most `timeout`, the sockets closed, the journals flushed.
    pub fn stop(mut self, timeout: Duration) -> Result<A, EngineError> {
        let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
        self.control
            .send(Command::Stop {
                timeout,
                ack: ack_tx,
            })
            .map_err(|_| EngineError::Stopped)?;
        let deadline = Instant::now() + timeout + Duration::from_secs(1);
        while ack_rx.try_recv().is_err() && Instant::now() < deadline {
            if self.poll() == 0 {
                std::thread::sleep(Duration::from_micros(100));
            }
        }
        // One more cycle lets the reactor report its sockets closed.
        self.poll();
        self.agent.on_close(self.now);
        Ok(self.agent.into_app())
    }
}
