//! The colocated agent: one thread polls the sockets and runs the sessions, with no ring between.
//!
//! On few cores this is the lowest-latency shape: a frame is read, decoded in place from the
//! socket buffer, handled by the session, handed to the application, and the reply is written
//! back in the same duty cycle, with no copy and no thread hop.
//!
//! One duty cycle:
//! 1. poll the reactor (readiness, reads, framing) — each frame goes straight to its session and
//!    the application;
//! 2. take what other threads queued through [`crate::SessionHandle`]s, and control commands;
//! 3. fire due session deadlines from the timer wheel;
//! 4. let the application send on its own initiative ([`crate::Application::poll`]);
//! 5. flush: each session's transmit bytes to its socket (one write for everything the cycle
//!    produced), then its events (disconnects, logon/logout callbacks), then re-arm its timer.

use crate::agent::Agent;
use crate::app::{AppReject, Application, Ctx, Sessions};
use crate::event::EngineEvent;
use crate::handle::Outbound;
use crate::slot::SessionSlot;
use crate::wheel::TimerWheel;
use crossbeam_channel::{Receiver, Sender, TrySendError};
use spinfix_io::{ConnectionEvent, Handler, Reactor, SessionId};
use spinfix_session::session::{Event, SessionError};
use spinfix_session::store::MessageStore;
use spinfix_session::time::{MonoTime, Now};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// At most this many bytes of one session go to the reactor per duty cycle, so that a long
/// resend streams from the journal across cycles instead of piling up in the socket's queue.
const MAX_FLUSH_PER_CYCLE: usize = 256 * 1024;
/// Messages taken from one producer queue per duty cycle: a busy producer cannot starve the
/// sockets.
const MAX_HANDLE_MESSAGES_PER_CYCLE: usize = 64;

/// Requests from the engine's owner to the session thread.
#[derive(Debug)]
pub(crate) enum Command {
    /// A new producer queue for session `session`.
    Register {
        session: usize,
        rx: Receiver<Outbound>,
    },
    /// Start a Logout exchange on one session.
    Logout {
        session: usize,
        reason: Option<String>,
    },
    /// Drop one session's connection without a Logout (an initiator reconnects after its
    /// interval): for operators and for tests of recovery.
    Disconnect { session: usize },
    /// Log every session out, wait for the answers up to `timeout`, close the sockets, flush the
    /// journals; then acknowledge.
    Stop { timeout: Duration, ack: Sender<()> },
}

/// Where events go: a bounded channel, with a count of what did not fit.
#[derive(Debug, Clone)]
pub(crate) struct EventOut {
    pub(crate) tx: Sender<EngineEvent>,
    pub(crate) dropped: Arc<AtomicU64>,
}

impl EventOut {
    fn emit(&self, e: EngineEvent) {
        if let Err(TrySendError::Full(_)) = self.tx.try_send(e) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn session_error(&self, slot: &SessionSlot, e: &dyn std::fmt::Display) {
        self.emit(EngineEvent::SessionError {
            session: slot.session.id().to_owned(),
            detail: e.to_string(),
        });
    }
}

#[derive(Debug)]
struct Stopping {
    deadline: MonoTime,
    ack: Sender<()>,
    reactor_stopped: bool,
}

/// I/O and sessions on one thread.
pub struct ColocatedAgent<A: Application> {
    name: String,
    reactor: Reactor,
    slots: Vec<SessionSlot>,
    /// Reactor session index → slot index.
    io_to_slot: Vec<usize>,
    app: A,
    wheel: TimerWheel,
    control: Receiver<Command>,
    producers: Vec<(usize, Receiver<Outbound>)>,
    out: EventOut,
    stopping: Option<Stopping>,
    done: bool,
}

impl<A: Application> std::fmt::Debug for ColocatedAgent<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ColocatedAgent")
            .field("name", &self.name)
            .field("sessions", &self.slots.len())
            .finish_non_exhaustive()
    }
}

impl<A: Application> ColocatedAgent<A> {
    pub(crate) fn new(
        name: String,
        reactor: Reactor,
        slots: Vec<SessionSlot>,
        app: A,
        wheel: TimerWheel,
        control: Receiver<Command>,
        out: EventOut,
    ) -> Self {
        let mut io_to_slot = vec![usize::MAX; slots.len()];
        for (i, s) in slots.iter().enumerate() {
            let idx = s.io.index();
            if idx >= io_to_slot.len() {
                io_to_slot.resize(idx + 1, usize::MAX);
            }
            io_to_slot[idx] = i;
        }
        ColocatedAgent {
            name,
            reactor,
            slots,
            io_to_slot,
            app,
            wheel,
            control,
            producers: Vec::new(),
            out,
            stopping: None,
            done: false,
        }
    }

    /// The application, handed back when the engine stops.
    pub(crate) fn into_app(self) -> A {
        self.app
    }

    fn drain_producers(&mut self, now: Now) -> usize {
        let mut work = 0;
        for (idx, rx) in &self.producers {
            let Some(slot) = self.slots.get_mut(*idx) else {
                continue;
            };
            for _ in 0..MAX_HANDLE_MESSAGES_PER_CYCLE {
                let Ok(m) = rx.try_recv() else { break };
                work += 1;
                if let Err(e) = slot.session.send_body(now, &m.msg_type, &m.body) {
                    self.out.session_error(slot, &e);
                }
            }
        }
        work
    }

    fn drain_control(&mut self, now: Now) -> usize {
        let mut work = 0;
        while let Ok(cmd) = self.control.try_recv() {
            work += 1;
            match cmd {
                Command::Register { session, rx } => self.producers.push((session, rx)),
                Command::Logout { session, reason } => {
                    if let Some(slot) = self.slots.get_mut(session) {
                        if let Err(e) = slot.session.logout(now, reason.as_deref()) {
                            self.out.session_error(slot, &e);
                        }
                    }
                }
                Command::Disconnect { session } => {
                    if let Some(slot) = self.slots.get_mut(session) {
                        let _ = self.reactor.disconnect(slot.io, now.mono);
                    }
                }
                Command::Stop { timeout, ack } => {
                    for slot in &mut self.slots {
                        if slot.session.is_logged_on() {
                            if let Err(e) = slot.session.logout(now, None) {
                                self.out.session_error(slot, &e);
                            }
                        }
                    }
                    self.stopping = Some(Stopping {
                        deadline: now.mono.saturating_add(timeout),
                        ack,
                        reactor_stopped: false,
                    });
                }
            }
        }
        work
    }

    fn fire_timers(&mut self, now: Now) -> usize {
        let mut work = 0;
        while let Some(i) = self.wheel.poll(now.mono) {
            work += 1;
            let Some(slot) = self.slots.get_mut(i) else {
                continue;
            };
            slot.armed = None;
            if let Err(e) = slot.session.handle_timeout(now) {
                self.out.session_error(slot, &e);
            }
        }
        work
    }

    fn flush(&mut self, now: Now) {
        for (i, slot) in self.slots.iter_mut().enumerate() {
            flush_slot(
                slot,
                i,
                &mut self.reactor,
                &mut self.app,
                &mut self.wheel,
                now,
                &self.out,
            );
        }
    }

    /// The graceful stop: once every session has logged out (or the timeout passed), close the
    /// sockets, flush the journals, and acknowledge.
    fn advance_stop(&mut self, now: Now) {
        let Some(stop) = self.stopping.as_mut() else {
            return;
        };
        let all_out = self.slots.iter().all(|s| !s.session.is_logged_on());
        if !stop.reactor_stopped && (all_out || now.mono >= stop.deadline) {
            self.reactor.stop();
            stop.reactor_stopped = true;
            return; // the Stopped events come out of the next poll
        }
        if stop.reactor_stopped {
            for slot in &mut self.slots {
                if let Err(e) = slot.session.store_mut().flush() {
                    self.out.session_error(slot, &e);
                }
            }
            self.out.emit(EngineEvent::Stopped);
            let _ = stop.ack.try_send(());
            self.stopping = None;
            self.done = true;
        }
    }
}

/// Writes a session's pending bytes, then acts on its events, until both are quiet.
fn flush_slot<A: Application>(
    slot: &mut SessionSlot,
    index: usize,
    reactor: &mut Reactor,
    app: &mut A,
    wheel: &mut TimerWheel,
    now: Now,
    out: &EventOut,
) {
    let mut budget = MAX_FLUSH_PER_CYCLE;
    // Callbacks may produce output and events of their own; a few rounds settle it.
    for _ in 0..4 {
        let mut progressed = false;
        while budget > 0 {
            let pending = slot.session.transmit_pending();
            if pending.is_empty() {
                break;
            }
            let n = pending.len();
            // A send to a closed connection fails; the bytes are dropped with it, as the
            // session will resend what matters after the next logon.
            let _ = reactor.send(slot.io, pending);
            slot.session.consume_transmit(n);
            budget = budget.saturating_sub(n);
            progressed = true;
        }
        while let Some(ev) = slot.session.poll_event() {
            progressed = true;
            on_session_event(slot, index, reactor, app, now, out, ev);
        }
        if !progressed {
            break;
        }
    }
    let due = slot.session.poll_timeout();
    if due != slot.armed {
        slot.armed = due;
        let _ = match due {
            Some(t) => wheel.arm(index, t),
            None => wheel.cancel(index).map(|_| ()),
        };
    }
    if let Err(e) = slot.session.store_mut().flush_if_due(now.utc) {
        out.session_error(slot, &e);
    }
}

fn on_session_event<A: Application>(
    slot: &mut SessionSlot,
    index: usize,
    reactor: &mut Reactor,
    app: &mut A,
    now: Now,
    out: &EventOut,
    ev: Event,
) {
    if let Event::Disconnect(_) = ev {
        let _ = reactor.disconnect(slot.io, now.mono);
    }
    let mut ctx = Ctx {
        session: &mut slot.session,
        index,
        now,
    };
    match ev {
        Event::LoggedOn { .. } => app.on_logon(&mut ctx),
        Event::LoggedOut => app.on_logout(&mut ctx),
        _ => {}
    }
    app.on_event(&mut ctx, &ev);
    out.emit(EngineEvent::Session {
        session: slot.session.id().to_owned(),
        event: ev,
    });
}

/// Hands the reactor's frames and connection events to the sessions.
struct Dispatch<'a, A> {
    slots: &'a mut [SessionSlot],
    io_to_slot: &'a [usize],
    app: &'a mut A,
    now: Now,
    out: &'a EventOut,
}

impl<A> Dispatch<'_, A> {
    fn slot_of(&self, id: SessionId) -> Option<usize> {
        self.io_to_slot
            .get(id.index())
            .copied()
            .filter(|&i| i < self.slots.len())
    }
}

impl<A: Application> Handler for Dispatch<'_, A> {
    fn on_frame(&mut self, session: SessionId, frame: &[u8], _received: MonoTime) {
        if let Some(i) = self.slot_of(session) {
            deliver(&mut self.slots[i], i, self.app, self.now, frame, self.out);
        }
    }

    fn on_event(&mut self, event: ConnectionEvent) {
        let result = match &event {
            ConnectionEvent::Established { session, .. } => self
                .slot_of(*session)
                .map(|i| (i, self.slots[i].session.handle_connected(self.now))),
            ConnectionEvent::Lost { session, .. } => self
                .slot_of(*session)
                .map(|i| (i, self.slots[i].session.handle_disconnected(self.now))),
            _ => None,
        };
        if let Some((i, Err(e))) = result {
            self.out.session_error(&self.slots[i], &e);
        }
        self.out.emit(EngineEvent::Connection(event));
    }
}

/// One inbound frame through the session, then every message its arrival released from the
/// gap queue, each delivered to the application in order.
fn deliver<A: Application>(
    slot: &mut SessionSlot,
    index: usize,
    app: &mut A,
    now: Now,
    frame: &[u8],
    out: &EventOut,
) {
    let SessionSlot {
        session,
        decoder,
        queued,
        ..
    } = slot;
    let mut result = handle_one(session, decoder, index, app, now, frame);
    while result.is_ok() {
        match session.next_queued(queued) {
            Ok(true) => result = handle_one(session, decoder, index, app, now, queued),
            Ok(false) => break,
            Err(e) => result = Err(e),
        }
    }
    if let Err(e) = result {
        out.session_error(slot, &e);
    }
}

fn handle_one<A: Application>(
    session: &mut spinfix_session::session::Session<crate::store::EngineStore>,
    decoder: &mut spinfix_session::codec::Decoder,
    index: usize,
    app: &mut A,
    now: Now,
    frame: &[u8],
) -> Result<(), SessionError> {
    let Some(msg) = session.handle_frame(now, frame, decoder)? else {
        return Ok(());
    };
    let mut ctx = Ctx {
        session,
        index,
        now,
    };
    match app.on_message(&mut ctx, &msg) {
        Ok(()) => Ok(()),
        Err(AppReject::UnsupportedMessageType) => session.reject_unsupported(now, &msg),
        Err(AppReject::Business { reason, text }) => {
            session.business_reject(now, &msg, reason, text)
        }
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
        let mut dispatch = Dispatch {
            slots: &mut self.slots,
            io_to_slot: &self.io_to_slot,
            app: &mut self.app,
            now,
            out: &self.out,
        };
        let mut work = match self
            .reactor
            .poll(now.mono, Some(Duration::ZERO), &mut dispatch)
        {
            Ok(n) => n,
            Err(e) => {
                self.out
                    .emit(EngineEvent::Connection(ConnectionEvent::Error {
                        remote: None,
                        session: None,
                        error: e,
                    }));
                1
            }
        };
        work += self.drain_producers(now);
        work += self.drain_control(now);
        work += self.fire_timers(now);
        work += self.app.poll(&mut Sessions {
            slots: &mut self.slots,
            now,
        });
        self.flush(now);
        self.advance_stop(now);
        work
    }

    fn on_close(&mut self, _now: Now) {
        for slot in &mut self.slots {
            let _ = slot.session.store_mut().flush();
        }
    }
}
