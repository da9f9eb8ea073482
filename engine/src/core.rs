//! The session side of a thread: sessions, application, timers, producer queues, control.
//!
//! The same core runs in both shapes: inside the colocated agent, fed frames straight from the
//! reactor's read buffers, and inside a session agent, fed frames from the inbound ring. Where
//! its output goes is an [`Outlet`]: the reactor itself, or the outbound ring.

use crate::app::{AppReject, Application, Ctx, Sessions};
use crate::event::EngineEvent;
use crate::handle::Outbound;
use crate::slot::SessionSlot;
use crate::store::EngineStore;
use crate::wheel::TimerWheel;
use crossbeam_channel::{Receiver, Sender, TrySendError};
use spinfix_io::SessionId;
use spinfix_session::codec::Decoder;
use spinfix_session::session::{Event, Session, SessionError, SessionState};
use spinfix_session::store::MessageStore;
use spinfix_session::time::{MonoTime, Now};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// At most this many bytes of one session go to the outlet per duty cycle, so that a long
/// resend streams from the journal across cycles instead of piling up in the socket's queue.
const MAX_FLUSH_PER_CYCLE: usize = 256 * 1024;
/// Journal pages dirtied ahead of the appends per idle duty cycle and session.
const PREPARE_PAGES_PER_IDLE_CYCLE: usize = 8;
/// Messages taken from one producer queue per duty cycle: a busy producer cannot starve the
/// sockets.
const MAX_HANDLE_MESSAGES_PER_CYCLE: usize = 64;

/// Where a session thread's output goes.
pub(crate) trait Outlet {
    /// Takes as many of `bytes` as it can now (in order) and returns how many; the rest is
    /// offered again next cycle.
    fn send(&mut self, io: SessionId, bytes: &[u8]) -> usize;
    /// Closes the session's connection.
    fn disconnect(&mut self, io: SessionId, now: MonoTime);
    /// Holds (`true`) or releases an initiator's connection attempts; acceptors ignore it.
    fn hold(&mut self, io: SessionId, held: bool);
}

/// Requests from the engine's owner to a session thread.
#[derive(Debug)]
pub(crate) enum Command {
    /// A new producer queue for the session in slot `slot`.
    Register { slot: usize, rx: Receiver<Outbound> },
    /// An operator's logon: the session may connect (initiator) or be connected to again.
    Logon { slot: usize },
    /// An operator's logout: a Logout exchange, and no new connection until a logon.
    Logout { slot: usize, reason: Option<String> },
    /// An operator's reset: Logout if connected, then both sequence numbers back to 1.
    Reset { slot: usize },
    /// Drop one session's connection without a Logout.
    Disconnect { slot: usize },
    /// Log every session out, wait for the answers up to `timeout`, flush the journals; then
    /// acknowledge (the colocated agent closes its sockets before it does).
    Stop { timeout: Duration, ack: Sender<()> },
}

/// Where events go: a bounded channel, with a count of what did not fit.
#[derive(Debug, Clone)]
pub(crate) struct EventOut {
    pub(crate) tx: Sender<EngineEvent>,
    pub(crate) dropped: Arc<AtomicU64>,
}

impl EventOut {
    pub(crate) fn emit(&self, e: EngineEvent) {
        if let Err(TrySendError::Full(_)) = self.tx.try_send(e) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn session_error(&self, session: &Session<EngineStore>, e: &dyn std::fmt::Display) {
        self.emit(EngineEvent::SessionError {
            session: session.id().to_owned(),
            detail: e.to_string(),
        });
    }
}

/// Where a graceful stop stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StopPhase {
    /// No stop asked for.
    Running,
    /// Logouts sent; waiting for the answers.
    LoggingOut,
    /// Every session is out (or the wait is over): the sockets may close.
    SessionsDone,
}

#[derive(Debug)]
struct Stopping {
    deadline: MonoTime,
    ack: Sender<()>,
}

/// The sessions of one thread and everything that drives them.
pub(crate) struct SessionCore<A: Application> {
    pub(crate) slots: Vec<SessionSlot>,
    pub(crate) app: A,
    wheel: TimerWheel,
    control: Receiver<Command>,
    producers: Vec<(usize, Receiver<Outbound>)>,
    pub(crate) out: EventOut,
    stopping: Option<Stopping>,
}

impl<A: Application> SessionCore<A> {
    pub(crate) fn new(
        slots: Vec<SessionSlot>,
        app: A,
        wheel: TimerWheel,
        control: Receiver<Command>,
        out: EventOut,
    ) -> Self {
        SessionCore {
            slots,
            app,
            wheel,
            control,
            producers: Vec::new(),
            out,
            stopping: None,
        }
    }

    /// A frame for the session in `slot`.
    #[inline]
    pub(crate) fn frame(&mut self, slot: usize, now: Now, frame: &[u8]) {
        if let Some(s) = self.slots.get_mut(slot) {
            deliver(s, slot, &mut self.app, now, frame, &self.out);
        }
    }

    /// The session in `slot` has a connection.
    pub(crate) fn connected(&mut self, slot: usize, now: Now) {
        if let Some(s) = self.slots.get_mut(slot) {
            if !s.enabled {
                s.refuse = true;
                return;
            }
            if let Err(e) = s.session.handle_connected(now) {
                self.out.session_error(&s.session, &e);
            }
        }
    }

    /// The session in `slot` lost its connection.
    pub(crate) fn disconnected(&mut self, slot: usize, now: Now) {
        if let Some(s) = self.slots.get_mut(slot) {
            if let Err(e) = s.session.handle_disconnected(now) {
                self.out.session_error(&s.session, &e);
            }
        }
    }

    /// Everything of a duty cycle but the input: producer queues, control, timers, the
    /// application's own sends, then the flush of every session's output to `outlet`.
    pub(crate) fn duty<O: Outlet>(&mut self, now: Now, outlet: &mut O) -> usize {
        let mut work = self.drain_producers(now);
        work += self.drain_control(now, outlet);
        work += self.fire_timers(now);
        work += self.app.poll(&mut Sessions {
            slots: &mut self.slots,
            now,
        });
        self.flush(now, outlet);
        work
    }

    /// Each session's pending output to `outlet`, then its events, then its timer.
    pub(crate) fn flush<O: Outlet>(&mut self, now: Now, outlet: &mut O) {
        for (i, slot) in self.slots.iter_mut().enumerate() {
            flush_slot(
                slot,
                i,
                outlet,
                &mut self.app,
                &mut self.wheel,
                now,
                &self.out,
            );
        }
    }

    /// Upkeep for a duty cycle that found no message work: journals make their next segment
    /// and touch their next pages now, rather than on the message path. Returns the work done.
    pub(crate) fn idle_upkeep(&mut self, now: Now) -> usize {
        let mut work = 0;
        for slot in &mut self.slots {
            match slot
                .session
                .store_mut()
                .prepare(now.utc, PREPARE_PAGES_PER_IDLE_CYCLE)
            {
                Ok(n) => work += n,
                Err(e) => self.out.session_error(&slot.session, &e),
            }
        }
        work
    }

    /// Where a graceful stop stands at `now`.
    pub(crate) fn stop_phase(&self, now: Now) -> StopPhase {
        match &self.stopping {
            None => StopPhase::Running,
            Some(s) => {
                if now.mono >= s.deadline || self.slots.iter().all(|s| !s.session.is_logged_on()) {
                    StopPhase::SessionsDone
                } else {
                    StopPhase::LoggingOut
                }
            }
        }
    }

    /// Flushes every journal and acknowledges the stop.
    pub(crate) fn finish_stop(&mut self) {
        for slot in &mut self.slots {
            if let Err(e) = slot.session.store_mut().flush() {
                self.out.session_error(&slot.session, &e);
            }
        }
        if let Some(s) = self.stopping.take() {
            let _ = s.ack.try_send(());
        }
    }

    /// Flushes every journal (the thread is ending).
    pub(crate) fn close(&mut self) {
        for slot in &mut self.slots {
            let _ = slot.session.store_mut().flush();
        }
    }

    #[inline]
    fn drain_producers(&mut self, now: Now) -> usize {
        if self.producers.is_empty() {
            return 0;
        }
        let mut work = 0;
        for (idx, rx) in &self.producers {
            let Some(slot) = self.slots.get_mut(*idx) else {
                continue;
            };
            for _ in 0..MAX_HANDLE_MESSAGES_PER_CYCLE {
                let Ok(m) = rx.try_recv() else { break };
                work += 1;
                if let Err(e) = slot.session.send_body(now, &m.msg_type, &m.body) {
                    self.out.session_error(&slot.session, &e);
                }
            }
        }
        work
    }

    fn drain_control<O: Outlet>(&mut self, now: Now, outlet: &mut O) -> usize {
        let mut work = 0;
        while let Ok(cmd) = self.control.try_recv() {
            work += 1;
            match cmd {
                Command::Register { slot, rx } => self.producers.push((slot, rx)),
                Command::Logon { slot } => {
                    if let Some(s) = self.slots.get_mut(slot) {
                        s.enabled = true;
                        outlet.hold(s.io, false);
                    }
                }
                Command::Logout { slot, reason } => {
                    if let Some(s) = self.slots.get_mut(slot) {
                        s.enabled = false;
                        outlet.hold(s.io, true);
                        if let Err(e) = s.session.logout(now, reason.as_deref()) {
                            self.out.session_error(&s.session, &e);
                        }
                    }
                }
                Command::Reset { slot } => {
                    if let Some(s) = self.slots.get_mut(slot) {
                        s.pending_reset = true;
                        if let Err(e) = s.session.logout(now, Some("Session reset")) {
                            self.out.session_error(&s.session, &e);
                        }
                    }
                }
                Command::Disconnect { slot } => {
                    if let Some(s) = self.slots.get(slot) {
                        outlet.disconnect(s.io, now.mono);
                    }
                }
                Command::Stop { timeout, ack } => {
                    // What producers queued before the stop goes out before the Logout (bounded:
                    // a producer still sending cannot hold the stop off).
                    for _ in 0..1024 {
                        if self.drain_producers(now) == 0 {
                            break;
                        }
                    }
                    for s in &mut self.slots {
                        if s.session.is_logged_on() {
                            if let Err(e) = s.session.logout(now, None) {
                                self.out.session_error(&s.session, &e);
                            }
                        }
                    }
                    self.stopping = Some(Stopping {
                        deadline: now.mono.saturating_add(timeout),
                        ack,
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
            // Armed early (see `flush_slot`): the session's real deadline may still be ahead;
            // the flush that follows arms the wheel for it.
            if slot
                .session
                .poll_timeout()
                .is_some_and(|due| due > now.mono)
            {
                continue;
            }
            if let Err(e) = slot.session.handle_timeout(now) {
                self.out.session_error(&slot.session, &e);
            }
        }
        work
    }
}

/// A session's share of a flush: its output and events when it has any, then its wheel entry
/// and its journal's time-based flush.
///
/// Every duty cycle flushes every session, busy or not, so the quiet case stays inline and
/// small (a few loads and compares); the output loop is out of line.
#[inline]
fn flush_slot<A: Application, O: Outlet>(
    slot: &mut SessionSlot,
    index: usize,
    outlet: &mut O,
    app: &mut A,
    wheel: &mut TimerWheel,
    now: Now,
    out: &EventOut,
) {
    if slot.refuse || slot.pending_reset || slot.session.has_output() {
        flush_output(slot, index, outlet, app, now, out);
    }
    // The wheel is re-armed only when the session's deadline moves earlier (or goes away):
    // every message pushes the heartbeat deadlines later, and re-linking the entry per message
    // would cost more than the one early wake-up `fire_timers` turns into a re-arm.
    let due = slot.session.poll_timeout();
    match (due, slot.armed) {
        (Some(d), Some(armed)) if d >= armed => {}
        (Some(d), _) => {
            slot.armed = due;
            let _ = wheel.arm(index, d);
        }
        (None, Some(_)) => {
            slot.armed = None;
            let _ = wheel.cancel(index);
        }
        (None, None) => {}
    }
    if let Err(e) = slot.session.store_mut().flush_if_due(now.utc) {
        out.session_error(&slot.session, &e);
    }
}

/// Writes a session's pending bytes, then acts on its events, until both are quiet.
#[inline(never)]
fn flush_output<A: Application, O: Outlet>(
    slot: &mut SessionSlot,
    index: usize,
    outlet: &mut O,
    app: &mut A,
    now: Now,
    out: &EventOut,
) {
    if std::mem::take(&mut slot.refuse) {
        outlet.disconnect(slot.io, now.mono);
    }
    let mut budget = MAX_FLUSH_PER_CYCLE;
    // Callbacks may produce output and events of their own; a few rounds settle it.
    for _ in 0..4 {
        let mut progressed = false;
        while budget > 0 {
            let pending = slot.session.transmit_pending();
            if pending.is_empty() {
                break;
            }
            let n = outlet.send(slot.io, pending);
            if n == 0 {
                break;
            }
            slot.session.consume_transmit(n);
            budget = budget.saturating_sub(n);
            progressed = true;
        }
        while let Some(ev) = slot.session.poll_event() {
            progressed = true;
            on_session_event(slot, index, outlet, app, now, out, ev);
        }
        if !progressed {
            break;
        }
    }
    if slot.pending_reset && slot.session.state() == SessionState::Disconnected {
        slot.pending_reset = false;
        if let Err(e) = slot.session.reset_sequence_numbers(now) {
            out.session_error(&slot.session, &e);
        }
    }
}

fn on_session_event<A: Application, O: Outlet>(
    slot: &mut SessionSlot,
    index: usize,
    outlet: &mut O,
    app: &mut A,
    now: Now,
    out: &EventOut,
    ev: Event,
) {
    if let Event::Disconnect(_) = ev {
        outlet.disconnect(slot.io, now.mono);
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
        out.session_error(&slot.session, &e);
    }
}

fn handle_one<A: Application>(
    session: &mut Session<EngineStore>,
    decoder: &mut Decoder,
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

#[cfg(test)]
mod tests;
