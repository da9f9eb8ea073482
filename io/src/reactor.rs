//! The poll loop: one per I/O thread, no runtime.
//!
//! # Contract
//! - The engine calls [`Reactor::poll`] once per duty cycle with the monotonic time it read.
//!   Every deadline (connect timeout, reconnect interval, logon timeout) is compared with that
//!   time only, so tests drive timeouts by passing a later `now` instead of sleeping.
//! - Inside `poll`, the [`Handler`] receives events and frames in causal order: a session's
//!   `Established` before its first frame, its frames before its `Lost`.
//! - Events raised outside `poll` (by [`Reactor::add_acceptor`], [`Reactor::send`],
//!   [`Reactor::disconnect`], [`Reactor::stop`]) are queued and delivered at the start of the
//!   next `poll`, which then does not block.
//! - `poll(now, Some(Duration::ZERO), ..)` is one `epoll_wait` with no timeout plus a comparison
//!   with the earliest deadline: cheap enough to spin on.
//!
//! # Layout
//! This file holds the loop and the connection table; [`acceptor`] the listening side (accept,
//! logon timeout, routing), [`initiator`] the outbound side (host list, policy, timeouts,
//! reconnects).

mod acceptor;
mod initiator;

use crate::config::SessionKey;
use crate::conn::{Close, ConnIo};
use crate::error::IoError;
use crate::event::{ConnectionEvent, ConnectionType};
use crate::state::ConnState;
use crate::SessionId;
use acceptor::{Acceptor, Route};
use initiator::{Initiator, Link};
use mio::{Events, Interest, Poll, Token};
use spinfix_session::codec::Decoder;
use spinfix_session::time::MonoTime;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// Receives what a [`Reactor::poll`] found.
pub trait Handler {
    /// One complete frame, zero-copy from the connection's read buffer, with the `now` of the
    /// poll that read it. An acceptor's first Logon is delivered too, after routing.
    fn on_frame(&mut self, session: SessionId, frame: &[u8], received: MonoTime);
    /// A lifecycle change or an error.
    fn on_event(&mut self, event: ConnectionEvent);
}

/// What [`Reactor::add_acceptor`] set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptorHandle {
    /// The address actually bound (the real port when the config asked for port 0).
    pub local_addr: SocketAddr,
    /// The ids of the config's sessions, in the config's order.
    pub sessions: Vec<SessionId>,
}

const LISTENER_BASE: usize = 1 << 30;
const NEVER: MonoTime = MonoTime(u64::MAX);

enum Role {
    Accepted { acceptor: usize, route: Route },
    Initiated { session: SessionId, tcp_up: bool },
}

struct Conn {
    io: ConnIo,
    role: Role,
}

enum Side {
    Acceptor { conn: Option<usize>, ever: bool },
    Initiator(Box<Initiator>),
}

struct Slot {
    key: SessionKey,
    side: Side,
}

/// Readiness copied out of a mio event.
#[derive(Clone, Copy)]
struct Ready {
    readable: bool,
    writable: bool,
}

/// One I/O thread's sockets: listeners, accepted and initiated connections.
pub struct Reactor {
    poll: Poll,
    events: Events,
    conns: Vec<Option<Box<Conn>>>,
    free: Vec<usize>,
    to_free: Vec<usize>,
    acceptors: Vec<Acceptor>,
    sessions: Vec<Slot>,
    queued: VecDeque<ConnectionEvent>,
    next_deadline: MonoTime,
    stopped: bool,
    decoder: Decoder,
    /// Busy-read mode: see [`Reactor::set_busy_read`].
    busy_read: bool,
    /// Zero-timeout polls since the last `epoll_wait` in busy-read mode.
    busy_cycles: u32,
}

/// In busy-read mode, zero-timeout polls between two `epoll_wait`s, which still serve
/// listeners and connects in progress. Established connections need none of it: the direct
/// reads see data, end of file and errors, and each one also writes what is queued. Every
/// `epoll_wait` is a system call that a message arriving meanwhile waits behind, so it is
/// rare: a few hundred microseconds apart at most on a spinning thread.
const EPOLL_EVERY: u32 = 256;

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("acceptors", &self.acceptors.len())
            .field("sessions", &self.sessions.len())
            .field("connections", &self.conns.iter().flatten().count())
            .field("stopped", &self.stopped)
            .finish()
    }
}

impl Reactor {
    /// A reactor with its own `mio::Poll` and no sockets yet.
    pub fn new() -> Result<Reactor, IoError> {
        let poll = Poll::new().map_err(|e| IoError::Poll {
            detail: e.to_string(),
        })?;
        Ok(Reactor {
            poll,
            events: Events::with_capacity(1024),
            conns: Vec::new(),
            free: Vec::new(),
            to_free: Vec::new(),
            acceptors: Vec::new(),
            sessions: Vec::new(),
            queued: VecDeque::with_capacity(64),
            next_deadline: NEVER,
            stopped: false,
            decoder: Decoder::new(),
            busy_read: false,
            busy_cycles: 0,
        })
    }

    fn check_unique(&self, key: &SessionKey) -> Result<(), IoError> {
        if self.sessions.iter().any(|s| &s.key == key) {
            return Err(IoError::config(format!(
                "session {key} is configured twice"
            )));
        }
        Ok(())
    }

    /// The key a session was registered with.
    pub fn session_key(&self, session: SessionId) -> Option<&SessionKey> {
        self.sessions.get(session.index()).map(|s| &s.key)
    }

    /// Where a session's connection is in its lifecycle.
    ///
    /// An acceptor session is `Connected` while a routed connection is open, `Disconnected`
    /// after one closed and `Stopped` before the first.
    pub fn state(&self, session: SessionId) -> Option<ConnState> {
        self.sessions.get(session.index()).map(|s| match &s.side {
            Side::Acceptor { conn: Some(_), .. } => ConnState::Connected,
            Side::Acceptor { ever: true, .. } => ConnState::Disconnected,
            Side::Acceptor { .. } => ConnState::Stopped,
            Side::Initiator(i) => i.link.state(),
        })
    }

    /// Busy-read mode, for a thread that spins (polls with a zero timeout) and owns few
    /// connections: each such poll reads every established connection directly (and writes
    /// what it has queued), so a message that has arrived costs one `recvfrom` instead of an
    /// `epoll_wait` and then a `recvfrom`; `epoll_wait` still runs every 256th poll for
    /// listeners and connects. With
    /// many connections or a thread that parks, leave it off (the default): one `epoll_wait`
    /// then covers them all.
    pub fn set_busy_read(&mut self, on: bool) {
        self.busy_read = on;
    }

    /// Whether [`Reactor::stop`] has been called.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    fn session_conn(&self, session: SessionId) -> Option<usize> {
        match &self.sessions.get(session.index())?.side {
            Side::Acceptor { conn, .. } => *conn,
            Side::Initiator(i) => match i.link {
                Link::Connected { conn, .. } => Some(conn),
                _ => None,
            },
        }
    }

    fn not_connected(&self, session: SessionId) -> IoError {
        IoError::NotConnected {
            session: self
                .session_key(session)
                .map_or_else(|| session.to_string(), |k| k.to_string()),
        }
    }

    /// Writes `bytes` (one or more whole messages) to the session's connection: at once if the
    /// socket takes them, else kept and flushed when it becomes writable.
    ///
    /// If the peer has stopped reading long enough for the kept bytes to pass the bound, the
    /// connection is closed (a `Lost` event at the next poll) and the error is returned.
    pub fn send(&mut self, session: SessionId, bytes: &[u8]) -> Result<(), IoError> {
        let t = self
            .session_conn(session)
            .ok_or_else(|| self.not_connected(session))?;
        let Some(conn) = self.conns.get_mut(t).and_then(Option::as_mut) else {
            return Err(self.not_connected(session));
        };
        match conn.io.send(bytes) {
            Ok(()) => Ok(()),
            Err(e) => {
                if let Some(conn) = self.conns[t].take() {
                    self.close_conn(conn, t, e.clone().into(), MonoTime(0));
                }
                Err(e)
            }
        }
    }

    /// Closes the session's connection (or abandons its connection attempt). An initiator
    /// tries again after its reconnect interval; use [`Reactor::stop`] to stop for good.
    pub fn disconnect(&mut self, session: SessionId, now: MonoTime) -> Result<(), IoError> {
        let t = match &self.sessions.get(session.index()).map(|s| &s.side) {
            Some(Side::Acceptor { conn: Some(c), .. }) => *c,
            Some(Side::Initiator(i)) => match i.link {
                Link::Connected { conn, .. } | Link::Pending { conn, .. } => conn,
                _ => return Err(self.not_connected(session)),
            },
            _ => return Err(self.not_connected(session)),
        };
        if let Some(conn) = self.conns.get_mut(t).and_then(Option::take) {
            let peer = conn.io.peer;
            self.close_conn(
                conn,
                t,
                IoError::lost(peer, "disconnected locally").into(),
                now,
            );
        }
        Ok(())
    }

    /// Stops for good: every connection is closed cleanly (queued output flushed as far as the
    /// socket takes it, TLS close_notify, write side shut), listeners are closed and no
    /// reconnect follows. Call it after the sessions have logged out. The `Lost`, `Failed` and
    /// `Stopped` events come out of the next [`Reactor::poll`].
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        for t in 0..self.conns.len() {
            let Some(mut conn) = self.conns[t].take() else {
                continue;
            };
            if let Role::Accepted {
                route: Route::Unrouted { .. },
                ..
            } = conn.role
            {
                conn.io.shutdown();
                let _ = self.poll.registry().deregister(&mut conn.io.stream);
                self.to_free.push(t);
                continue;
            }
            let peer = conn.io.peer;
            self.close_conn(conn, t, IoError::lost(peer, "stopped").into(), MonoTime(0));
        }
        for a in &mut self.acceptors {
            if let Some(mut l) = a.listener.take() {
                let _ = self.poll.registry().deregister(&mut l);
            }
        }
        if !self.acceptors.is_empty() {
            self.queued.push_back(ConnectionEvent::Stopped {
                kind: ConnectionType::Acceptor,
            });
        }
        if self
            .sessions
            .iter()
            .any(|s| matches!(s.side, Side::Initiator(_)))
        {
            self.queued.push_back(ConnectionEvent::Stopped {
                kind: ConnectionType::Initiator,
            });
        }
    }

    /// One duty cycle: delivers queued events, waits for readiness at most `timeout` (never past
    /// the earliest deadline; `None` waits until something happens), services every ready
    /// socket, then fires due deadlines against `now`.
    ///
    /// Returns the work done (events, accepted connections, frames, fired deadlines); 0 means
    /// idle.
    pub fn poll<H: Handler>(
        &mut self,
        now: MonoTime,
        timeout: Option<Duration>,
        handler: &mut H,
    ) -> Result<usize, IoError> {
        let mut work = self.queued.len();
        self.drain(handler);
        if self.busy_read && timeout == Some(Duration::ZERO) && !self.stopped {
            work += self.read_established(now, handler);
            self.busy_cycles += 1;
            if self.busy_cycles < EPOLL_EVERY {
                work += self.run_timers(now);
                self.drain(handler);
                self.free.append(&mut self.to_free);
                return Ok(work);
            }
            self.busy_cycles = 0;
        }
        let mut timeout = if work > 0 {
            Some(Duration::ZERO)
        } else {
            timeout
        };
        if !self.stopped && self.next_deadline != NEVER {
            let until = Duration::from_nanos(self.next_deadline.0.saturating_sub(now.0));
            timeout = Some(timeout.map_or(until, |t| t.min(until)));
        }
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(IoError::Poll {
                    detail: e.to_string(),
                })
            }
        }
        // Taken out so the loop can borrow `self` mutably; `with_capacity(0)` does not allocate.
        let events = std::mem::replace(&mut self.events, Events::with_capacity(0));
        for ev in events.iter() {
            let t = ev.token().0;
            if t >= LISTENER_BASE {
                work += self.on_listener(t - LISTENER_BASE, now);
            } else {
                let ready = Ready {
                    readable: ev.is_readable() || ev.is_read_closed() || ev.is_error(),
                    writable: ev.is_writable() || ev.is_write_closed() || ev.is_error(),
                };
                work += self.on_conn(t, ready, now, handler);
            }
        }
        self.events = events;
        work += self.run_timers(now);
        self.drain(handler);
        self.free.append(&mut self.to_free);
        Ok(work)
    }

    /// Reads every accepted connection and every initiated one whose TCP connect completed,
    /// without waiting for readiness (busy-read mode), and writes what each has queued. A
    /// connection with nothing to read costs one `recvfrom` that returns `EAGAIN`; one with
    /// nothing queued costs no write.
    fn read_established<H: Handler>(&mut self, now: MonoTime, handler: &mut H) -> usize {
        let mut work = 0;
        for t in 0..self.conns.len() {
            let ready = matches!(
                self.conns[t].as_deref(),
                Some(Conn {
                    role: Role::Accepted { .. } | Role::Initiated { tcp_up: true, .. },
                    ..
                })
            );
            if ready {
                let ready = Ready {
                    readable: true,
                    writable: true,
                };
                work += self.on_conn(t, ready, now, handler);
            }
        }
        work
    }

    fn drain<H: Handler>(&mut self, handler: &mut H) {
        while let Some(ev) = self.queued.pop_front() {
            handler.on_event(ev);
        }
    }

    fn note_deadline(&mut self, at: MonoTime) {
        if at < self.next_deadline {
            self.next_deadline = at;
        }
    }

    fn insert(&mut self, mut conn: Box<Conn>) -> io::Result<usize> {
        let t = match self.free.pop() {
            Some(t) => t,
            None => {
                self.conns.push(None);
                self.conns.len() - 1
            }
        };
        if let Err(e) = self.poll.registry().register(
            &mut conn.io.stream,
            Token(t),
            Interest::READABLE | Interest::WRITABLE,
        ) {
            self.free.push(t);
            return Err(e);
        }
        self.conns[t] = Some(conn);
        Ok(t)
    }

    fn on_conn<H: Handler>(
        &mut self,
        t: usize,
        ready: Ready,
        now: MonoTime,
        handler: &mut H,
    ) -> usize {
        let Some(mut conn) = self.conns.get_mut(t).and_then(Option::take) else {
            return 0;
        };
        match self.service(&mut conn, t, ready, now, handler) {
            Ok(work) => {
                self.conns[t] = Some(conn);
                work
            }
            Err(close) => {
                self.close_conn(conn, t, close, now);
                self.drain(handler);
                1
            }
        }
    }

    fn service<H: Handler>(
        &mut self,
        conn: &mut Conn,
        t: usize,
        ready: Ready,
        now: MonoTime,
        handler: &mut H,
    ) -> Result<usize, Close> {
        let mut work = 0;
        let peer = conn.io.peer;
        if let Role::Initiated { session, tcp_up } = &mut conn.role {
            if !*tcp_up {
                match conn.io.connect_result() {
                    None => return Ok(0),
                    Some(Err(e)) => {
                        return Err(IoError::ConnectionRefused {
                            peer,
                            detail: e.to_string(),
                        }
                        .into())
                    }
                    Some(Ok(())) => {
                        *tcp_up = true;
                        work += 1;
                        if let Some((cfg, name)) = self.client_tls(*session) {
                            let c = rustls::ClientConnection::new(cfg, name).map_err(|e| {
                                IoError::SslHandshakeFailed {
                                    peer,
                                    detail: e.to_string(),
                                }
                            })?;
                            conn.io.start_tls(c.into());
                            conn.io.flush()?;
                        }
                    }
                }
            }
        }
        let tls = conn.io.tls.is_some();
        if ready.readable {
            let Conn { io, role } = conn;
            let mut on_frame =
                |frame: &[u8]| self.frame_in(role, t, peer, tls, frame, now, handler);
            work += io.read(&mut on_frame)?;
        }
        if ready.writable {
            conn.io.flush()?;
        }
        if let Role::Initiated {
            session,
            tcp_up: true,
        } = conn.role
        {
            if !conn.io.handshaking() {
                self.establish(session, peer, tls);
            }
        }
        Ok(work)
    }

    /// One inbound frame: routes an acceptor's first Logon, then hands frames to the handler.
    #[allow(clippy::too_many_arguments)]
    fn frame_in<H: Handler>(
        &mut self,
        role: &mut Role,
        t: usize,
        peer: SocketAddr,
        tls: bool,
        frame: &[u8],
        now: MonoTime,
        handler: &mut H,
    ) -> Result<(), Close> {
        let session = match role {
            Role::Initiated { session, .. } => {
                self.establish(*session, peer, tls);
                *session
            }
            Role::Accepted {
                route: Route::Routed { session, .. },
                ..
            } => *session,
            Role::Accepted { acceptor, route } => {
                self.route_first(*acceptor, route, t, peer, tls, frame)?
            }
        };
        self.drain(handler);
        handler.on_frame(session, frame, now);
        Ok(())
    }

    /// Closes a connection taken out of the table and moves its session's state.
    // The box is how the table holds a connection; it is freed here, not moved again.
    #[allow(clippy::boxed_local)]
    fn close_conn(&mut self, mut conn: Box<Conn>, t: usize, close: Close, now: MonoTime) {
        if let Some(reply) = &close.reply {
            let _ = conn.io.send(reply);
        }
        conn.io.shutdown();
        let _ = self.poll.registry().deregister(&mut conn.io.stream);
        self.to_free.push(t);
        let peer = conn.io.peer;
        match conn.role {
            Role::Accepted {
                route: Route::Routed { token, session },
                ..
            } => {
                let _disconnected = token.lose();
                if let Some(Side::Acceptor { conn, .. }) =
                    self.sessions.get_mut(session.index()).map(|s| &mut s.side)
                {
                    *conn = None;
                }
                self.queued.push_back(ConnectionEvent::Lost {
                    session,
                    remote: peer,
                    error: close.error,
                });
            }
            Role::Accepted { .. } => self.queued.push_back(ConnectionEvent::Error {
                remote: Some(peer),
                session: close.session,
                error: close.error,
            }),
            Role::Initiated { session, .. } => self.initiator_down(session, peer, close.error, now),
        }
    }

    /// Fires every deadline at or before `now`: initiator starts, retries and connect
    /// timeouts, and acceptor logon timeouts. Skipped entirely until the earliest one is due.
    fn run_timers(&mut self, now: MonoTime) -> usize {
        if self.stopped || now < self.next_deadline {
            return 0;
        }
        self.next_deadline = NEVER;
        let mut work = 0;
        work += self.initiator_timers(now);
        work += self.logon_timeouts(now);
        work
    }
}
