//! The colocated agent: one thread polls the sockets and runs the sessions, with no ring between.
//!
//! On few cores this is the lowest-latency shape: a frame is read, decoded in place from the
//! socket buffer, handled by the session, handed to the application, and the reply is written
//! back in the same duty cycle, with no copy and no thread hop.
//!
//! One duty cycle:
//! 1. poll the reactor (readiness, reads, framing): each frame goes straight to its session and
//!    the application;
//! 2. the [`SessionCore`]'s duty: producer queues, control, due deadlines, the application's own
//!    sends, then each session's output to its socket (one write for all the cycle produced);
//! 3. a graceful stop closes the sockets once every session has logged out.

use crate::agent::Agent;
use crate::app::Application;
use crate::core::{Outlet, SessionCore, StopPhase};
use crate::event::EngineEvent;
use spinfix_io::{ConnectionEvent, Handler, Reactor, SessionId};
use spinfix_session::time::{MonoTime, Now};
use std::time::Duration;

impl Outlet for Reactor {
    #[inline]
    fn send(&mut self, io: SessionId, bytes: &[u8]) -> usize {
        // A send to a closed connection fails; the bytes are dropped with it, as the session
        // resends what matters after the next logon.
        let _ = Reactor::send(self, io, bytes);
        bytes.len()
    }

    fn disconnect(&mut self, io: SessionId, now: MonoTime) {
        let _ = Reactor::disconnect(self, io, now);
    }

    fn hold(&mut self, io: SessionId, held: bool) {
        // An acceptor session cannot be held; its connections are refused by the core instead.
        let _ = Reactor::hold(self, io, held);
    }
}

/// I/O and sessions on one thread.
pub struct ColocatedAgent<A: Application> {
    name: String,
    reactor: Reactor,
    core: SessionCore<A>,
    /// Reactor session index → slot index.
    io_to_slot: Vec<usize>,
    reactor_stopped: bool,
    done: bool,
}

impl<A: Application> std::fmt::Debug for ColocatedAgent<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ColocatedAgent")
            .field("name", &self.name)
            .field("sessions", &self.core.slots.len())
            .finish_non_exhaustive()
    }
}

/// Reactor session index → slot index, `usize::MAX` where the reactor's session is not ours.
pub(crate) fn slot_map(ios: impl Iterator<Item = SessionId>) -> Vec<usize> {
    let mut map = Vec::new();
    for (slot, io) in ios.enumerate() {
        if io.index() >= map.len() {
            map.resize(io.index() + 1, usize::MAX);
        }
        map[io.index()] = slot;
    }
    map
}

impl<A: Application> ColocatedAgent<A> {
    pub(crate) fn new(name: String, reactor: Reactor, core: SessionCore<A>) -> Self {
        let io_to_slot = slot_map(core.slots.iter().map(|s| s.io));
        ColocatedAgent {
            name,
            reactor,
            core,
            io_to_slot,
            reactor_stopped: false,
            done: false,
        }
    }

    /// The application, handed back when the engine stops.
    pub(crate) fn into_app(self) -> A {
        self.core.app
    }

    pub(crate) fn app(&self) -> &A {
        &self.core.app
    }

    pub(crate) fn app_mut(&mut self) -> &mut A {
        &mut self.core.app
    }

    /// A session of this thread, lent for sending at `now`.
    pub(crate) fn session(&mut self, index: usize, now: Now) -> Option<crate::app::Ctx<'_>> {
        self.core.slots.get_mut(index).map(|s| crate::app::Ctx {
            session: &mut s.session,
            index,
            now,
        })
    }
}

/// Hands the reactor's frames and connection events to the sessions.
struct Dispatch<'a, A: Application> {
    core: &'a mut SessionCore<A>,
    io_to_slot: &'a [usize],
    now: Now,
}

impl<A: Application> Handler for Dispatch<'_, A> {
    #[inline]
    fn on_frame(&mut self, session: SessionId, frame: &[u8], _received: MonoTime) {
        if let Some(&slot) = self.io_to_slot.get(session.index()) {
            self.core.frame(slot, self.now, frame);
        }
    }

    fn on_event(&mut self, event: ConnectionEvent) {
        match &event {
            ConnectionEvent::Established { session, .. } => {
                if let Some(&slot) = self.io_to_slot.get(session.index()) {
                    self.core.connected(slot, self.now);
                }
            }
            ConnectionEvent::Lost { session, .. } => {
                if let Some(&slot) = self.io_to_slot.get(session.index()) {
                    self.core.disconnected(slot, self.now);
                }
            }
            _ => {}
        }
        self.core.out.emit(EngineEvent::Connection(event));
    }
}

impl<A: Application> Agent for ColocatedAgent<A> {
    fn name(&self) -> &str {
        &self.name
    }

    fn do_work(&mut self, now: Now) -> usize {
        if self.done {
            return 0;
        }
        // What was sent since the last cycle (from a LocalEngine's owner, say) leaves before
        // this cycle's reads: an order is written first, not after a read that finds nothing.
        self.core.flush(now, &mut self.reactor);
        let mut dispatch = Dispatch {
            core: &mut self.core,
            io_to_slot: &self.io_to_slot,
            now,
        };
        let mut work = match self
            .reactor
            .poll(now.mono, Some(Duration::ZERO), &mut dispatch)
        {
            Ok(n) => n,
            Err(e) => {
                self.core
                    .out
                    .emit(EngineEvent::Connection(ConnectionEvent::Error {
                        remote: None,
                        session: None,
                        error: e,
                    }));
                1
            }
        };
        if work > 0 {
            // Replies the frames produced leave now, before producer queues, control and
            // timers: the round trip does not wait behind upkeep.
            self.core.flush(now, &mut self.reactor);
        }
        work += self.core.duty(now, &mut self.reactor);
        if work == 0 {
            // Upkeep counts as work only while there is some, so the thread still idles after.
            work += self.core.idle_upkeep(now);
        }
        if self.core.stop_phase(now) == StopPhase::SessionsDone {
            if self.reactor_stopped {
                // The Stopped events came out of this cycle's poll.
                self.core.finish_stop();
                self.core.out.emit(EngineEvent::Stopped);
                self.done = true;
            } else {
                self.reactor.stop();
                self.reactor_stopped = true;
            }
            work += 1;
        }
        work
    }

    fn on_close(&mut self, _now: Now) {
        self.core.close();
    }
}
