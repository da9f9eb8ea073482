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
//! # Initiator host selection
//! An attempt is one pass over the host list. It starts at the first host (`Priority`) or at the
//! host after the last one tried (`RoundRobin`); a refusal, timeout or handshake failure moves
//! at once to the next host, and only when every host has failed in this pass does the session
//! wait `ReconnectInterval`. A lost connection also waits the interval, then starts a new pass.

use crate::config::{AcceptorConfig, InitiatorConfig, SessionKey};
use crate::conn::{Close, ConnIo};
use crate::error::IoError;
use crate::event::{ConnectionEvent, ConnectionType};
use crate::route::{self, Candidate};
use crate::state::{self, ConnState, State};
use crate::{socket, tls, HostSelectionPolicy, SessionId};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use rustls::pki_types::ServerName;
use spinfix_session::codec::{Decoder, Framer};
use spinfix_session::time::MonoTime;
use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
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

struct Acceptor {
    listener: Option<TcpListener>,
    cfg: AcceptorConfig,
    tls: Option<Arc<rustls::ServerConfig>>,
    sessions: Vec<SessionId>,
    framer: Framer,
}

/// An accepted connection's progress towards a session.
enum Route {
    Unrouted {
        token: state::Stopped,
        deadline: MonoTime,
    },
    Routed {
        token: state::Connected,
        session: SessionId,
    },
    /// Only between taking the old route and storing the new one.
    Moving,
}

enum Role {
    Accepted { acceptor: usize, route: Route },
    Initiated { session: SessionId, tcp_up: bool },
}

struct Conn {
    io: ConnIo,
    role: Role,
}

/// An initiator's lifecycle, each state next to the data only that state has.
enum Link {
    Stopped(state::Stopped),
    Pending {
        token: state::Pending,
        conn: usize,
        host: usize,
        deadline: MonoTime,
    },
    Connected {
        token: state::Connected,
        conn: usize,
    },
    Disconnected {
        token: state::Disconnected,
        retry_at: MonoTime,
    },
    /// Only between taking the old link and storing the new one.
    Moving,
}

fn state_of<S: State>(_: &S) -> ConnState {
    S::STATE
}

impl Link {
    fn state(&self) -> ConnState {
        match self {
            Link::Stopped(t) => state_of(t),
            Link::Pending { token, .. } => state_of(token),
            Link::Connected { token, .. } => state_of(token),
            Link::Disconnected { token, .. } => state_of(token),
            Link::Moving => ConnState::Stopped,
        }
    }
}

struct Initiator {
    cfg: InitiatorConfig,
    tls: Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>,
    framer: Framer,
    link: Link,
    last_tried: Option<usize>,
    tried: usize,
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
}

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
        })
    }

    /// Listens on `cfg.bind` for `cfg.sessions`.
    ///
    /// Certificates are loaded and checked here. A bind failure is `PortBindFailed`, a bad file
    /// `ConfigError`; either is returned and also reported as an `Error` event at the next poll.
    pub fn add_acceptor(&mut self, cfg: AcceptorConfig) -> Result<AcceptorHandle, IoError> {
        let r = self.try_add_acceptor(cfg);
        if let Err(e) = &r {
            self.queued.push_back(ConnectionEvent::Error {
                remote: None,
                session: None,
                error: e.clone(),
            });
        }
        r
    }

    fn try_add_acceptor(&mut self, cfg: AcceptorConfig) -> Result<AcceptorHandle, IoError> {
        if cfg.sessions.is_empty() {
            return Err(IoError::config(format!(
                "acceptor on {}: no sessions configured",
                cfg.bind
            )));
        }
        for key in &cfg.sessions {
            self.check_unique(key)?;
        }
        let tls = cfg.tls.as_ref().map(tls::server_config).transpose()?;
        let mut listener = socket::listen(cfg.bind, &cfg.socket)?;
        let local_addr = listener.local_addr().map_err(|e| IoError::PortBindFailed {
            addr: cfg.bind,
            detail: e.to_string(),
        })?;
        let a = self.acceptors.len();
        self.poll
            .registry()
            .register(&mut listener, Token(LISTENER_BASE + a), Interest::READABLE)
            .map_err(|e| IoError::PortBindFailed {
                addr: cfg.bind,
                detail: e.to_string(),
            })?;
        let mut ids = Vec::with_capacity(cfg.sessions.len());
        for key in &cfg.sessions {
            ids.push(SessionId(self.sessions.len() as u32));
            self.sessions.push(Slot {
                key: key.clone(),
                side: Side::Acceptor {
                    conn: None,
                    ever: false,
                },
            });
        }
        self.acceptors.push(Acceptor {
            listener: Some(listener),
            framer: Framer::new(cfg.limits.max_body_len),
            cfg,
            tls,
            sessions: ids.clone(),
        });
        Ok(AcceptorHandle {
            local_addr,
            sessions: ids,
        })
    }

    /// Registers an outbound session; its first attempt starts at the next poll.
    pub fn add_initiator(&mut self, cfg: InitiatorConfig) -> Result<SessionId, IoError> {
        cfg.validate()?;
        self.check_unique(&cfg.session)?;
        let tls = cfg.tls.as_ref().map(tls::client_config).transpose()?;
        let id = SessionId(self.sessions.len() as u32);
        self.sessions.push(Slot {
            key: cfg.session.clone(),
            side: Side::Initiator(Box::new(Initiator {
                framer: Framer::new(cfg.limits.max_body_len),
                cfg,
                tls,
                link: Link::Stopped(state::Stopped::new()),
                last_tried: None,
                tried: 0,
            })),
        });
        self.next_deadline = MonoTime(0);
        Ok(id)
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

    fn on_listener(&mut self, a: usize, now: MonoTime) -> usize {
        let mut work = 0;
        loop {
            let Some(acc) = self.acceptors.get(a) else {
                return work;
            };
            let Some(listener) = acc.listener.as_ref() else {
                return work;
            };
            match listener.accept() {
                Ok((stream, peer)) => {
                    work += 1;
                    self.adopt(a, stream, peer, now);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return work,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let bind = acc.cfg.bind;
                    self.queued.push_back(ConnectionEvent::Error {
                        remote: None,
                        session: None,
                        error: IoError::lost(bind, format!("accept failed: {e}")),
                    });
                    return work;
                }
            }
        }
    }

    fn adopt(&mut self, a: usize, stream: TcpStream, peer: SocketAddr, now: MonoTime) {
        let acc = &self.acceptors[a];
        let refuse = |detail: String| ConnectionEvent::Error {
            remote: Some(peer),
            session: None,
            error: IoError::lost(peer, detail),
        };
        if let Err(e) = socket::apply(&socket2::SockRef::from(&stream), &acc.cfg.socket) {
            self.queued
                .push_back(refuse(format!("cannot set socket options: {e}")));
            return;
        }
        let mut io = ConnIo::new(stream, peer, acc.framer, acc.cfg.limits.max_pending_write);
        if let Some(cfg) = &acc.tls {
            match rustls::ServerConnection::new(cfg.clone()) {
                Ok(c) => io.start_tls(c.into()),
                Err(e) => {
                    self.queued
                        .push_back(refuse(format!("TLS setup failed: {e}")));
                    return;
                }
            }
        }
        let deadline = now.saturating_add(acc.cfg.logon_timeout);
        let conn = Box::new(Conn {
            io,
            role: Role::Accepted {
                acceptor: a,
                route: Route::Unrouted {
                    token: state::Stopped::new(),
                    deadline,
                },
            },
        });
        match self.insert(conn) {
            Ok(_) => self.note_deadline(deadline),
            Err(e) => self
                .queued
                .push_back(refuse(format!("cannot register with the poller: {e}"))),
        }
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

    fn client_tls(
        &self,
        session: SessionId,
    ) -> Option<(Arc<rustls::ClientConfig>, ServerName<'static>)> {
        match &self.sessions.get(session.index())?.side {
            Side::Initiator(i) => i.tls.clone(),
            Side::Acceptor { .. } => None,
        }
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
                let acc = self.acceptors.get(*acceptor);
                let sessions = &self.sessions;
                let candidates = acc.into_iter().flat_map(|a| a.sessions.iter()).map(|&id| {
                    let slot = &sessions[id.index()];
                    Candidate {
                        id,
                        key: &slot.key,
                        connected: matches!(slot.side, Side::Acceptor { conn: Some(_), .. }),
                    }
                });
                let session = route::route(&mut self.decoder, frame, peer, candidates)?;
                *route = match std::mem::replace(route, Route::Moving) {
                    Route::Unrouted { token, .. } => {
                        if let Some(Side::Acceptor { conn, ever }) =
                            self.sessions.get_mut(session.index()).map(|s| &mut s.side)
                        {
                            *conn = Some(t);
                            *ever = true;
                        }
                        self.queued.push_back(ConnectionEvent::Established {
                            session,
                            remote: peer,
                            tls,
                        });
                        Route::Routed {
                            token: token.accept(),
                            session,
                        }
                    }
                    other => other,
                };
                session
            }
        };
        self.drain(handler);
        handler.on_frame(session, frame, now);
        Ok(())
    }

    /// pending→connected for an initiator (a no-op once connected).
    fn establish(&mut self, session: SessionId, peer: SocketAddr, tls: bool) {
        let Some(Side::Initiator(init)) =
            self.sessions.get_mut(session.index()).map(|s| &mut s.side)
        else {
            return;
        };
        init.link = match std::mem::replace(&mut init.link, Link::Moving) {
            Link::Pending { token, conn, .. } => {
                self.queued.push_back(ConnectionEvent::Established {
                    session,
                    remote: peer,
                    tls,
                });
                Link::Connected {
                    token: token.establish(),
                    conn,
                }
            }
            other => other,
        };
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

    fn link_mut(&mut self, session: SessionId) -> Option<&mut Link> {
        match &mut self.sessions.get_mut(session.index())?.side {
            Side::Initiator(i) => Some(&mut i.link),
            Side::Acceptor { .. } => None,
        }
    }

    fn initiator(&mut self, session: SessionId) -> Option<&mut Initiator> {
        match &mut self.sessions.get_mut(session.index())?.side {
            Side::Initiator(i) => Some(i),
            Side::Acceptor { .. } => None,
        }
    }

    /// An initiator's connection or attempt ended: report it, then fail over or wait.
    fn initiator_down(
        &mut self,
        session: SessionId,
        peer: SocketAddr,
        error: IoError,
        now: MonoTime,
    ) {
        let Some(link) = self
            .link_mut(session)
            .map(|l| std::mem::replace(l, Link::Moving))
        else {
            return;
        };
        let next = match link {
            Link::Pending { token, host, .. } => {
                self.queued.push_back(ConnectionEvent::Failed {
                    session,
                    remote: peer,
                    error,
                });
                self.after_failure(session, token.fail(), host, now)
            }
            Link::Connected { token, .. } => {
                self.queued.push_back(ConnectionEvent::Lost {
                    session,
                    remote: peer,
                    error,
                });
                self.wait(session, token.lose(), now)
            }
            other => other,
        };
        if let Some(l) = self.link_mut(session) {
            *l = next;
        }
    }

    /// After a failed attempt: the next host of this pass, or the reconnect interval.
    fn after_failure(
        &mut self,
        session: SessionId,
        token: state::Disconnected,
        host: usize,
        now: MonoTime,
    ) -> Link {
        let Some(init) = self.initiator(session) else {
            return Link::Disconnected {
                token,
                retry_at: NEVER,
            };
        };
        let n = init.cfg.hosts.len();
        let untried = init.tried < n;
        if !self.stopped && untried {
            self.attempt(session, token.retry(), (host + 1) % n, now)
        } else {
            self.wait(session, token, now)
        }
    }

    fn wait(&mut self, session: SessionId, token: state::Disconnected, now: MonoTime) -> Link {
        let interval = self
            .initiator(session)
            .map_or(Duration::MAX, |i| i.cfg.reconnect_interval);
        let retry_at = if self.stopped {
            NEVER
        } else {
            now.saturating_add(interval)
        };
        self.note_deadline(retry_at);
        Link::Disconnected { token, retry_at }
    }

    /// A new pass over the host list, starting where the policy says.
    fn start_pass(&mut self, session: SessionId, token: state::Pending, now: MonoTime) -> Link {
        let Some(init) = self.initiator(session) else {
            return Link::Disconnected {
                token: token.fail(),
                retry_at: NEVER,
            };
        };
        init.tried = 0;
        let n = init.cfg.hosts.len().max(1);
        let start = match (init.cfg.policy, init.last_tried) {
            (HostSelectionPolicy::RoundRobin, Some(last)) => (last + 1) % n,
            _ => 0,
        };
        self.attempt(session, token, start, now)
    }

    /// Starts connecting to `host`; a synchronous failure fails over at once.
    fn attempt(
        &mut self,
        session: SessionId,
        token: state::Pending,
        host: usize,
        now: MonoTime,
    ) -> Link {
        let Some(init) = self.initiator(session) else {
            return Link::Disconnected {
                token: token.fail(),
                retry_at: NEVER,
            };
        };
        let Some(&addr) = init.cfg.hosts.get(host) else {
            return Link::Disconnected {
                token: token.fail(),
                retry_at: NEVER,
            };
        };
        init.tried += 1;
        init.last_tried = Some(host);
        let deadline = now.saturating_add(init.cfg.connect_timeout);
        let framer = init.framer;
        let max_pending = init.cfg.limits.max_pending_write;
        let started = socket::connect(addr, init.cfg.source, &init.cfg.socket);
        self.queued.push_back(ConnectionEvent::Connecting {
            session,
            remote: addr,
        });
        let registered = started.and_then(|stream| {
            self.insert(Box::new(Conn {
                io: ConnIo::new(stream, addr, framer, max_pending),
                role: Role::Initiated {
                    session,
                    tcp_up: false,
                },
            }))
        });
        match registered {
            Ok(conn) => {
                self.note_deadline(deadline);
                Link::Pending {
                    token,
                    conn,
                    host,
                    deadline,
                }
            }
            Err(e) => {
                self.queued.push_back(ConnectionEvent::Failed {
                    session,
                    remote: addr,
                    error: IoError::ConnectionRefused {
                        peer: addr,
                        detail: e.to_string(),
                    },
                });
                self.after_failure(session, token.fail(), host, now)
            }
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
        for s in 0..self.sessions.len() {
            let session = SessionId(s as u32);
            enum Due {
                No(Option<MonoTime>),
                Start,
                Timeout(usize),
            }
            let due = match self.link_mut(session) {
                Some(Link::Stopped(_)) => Due::Start,
                Some(Link::Pending { deadline, conn, .. }) if *deadline <= now => {
                    Due::Timeout(*conn)
                }
                Some(Link::Disconnected { retry_at, .. }) if *retry_at <= now => Due::Start,
                Some(
                    Link::Pending { deadline: at, .. } | Link::Disconnected { retry_at: at, .. },
                ) => Due::No(Some(*at)),
                _ => Due::No(None),
            };
            let t = match due {
                Due::No(at) => {
                    if let Some(at) = at {
                        self.note_deadline(at);
                    }
                    continue;
                }
                Due::Timeout(t) => Some(t),
                Due::Start => None,
            };
            work += 1;
            if let Some(t) = t {
                // Timed out: closing the attempt fails over through the usual path.
                if let Some(c) = self.conns.get_mut(t).and_then(Option::take) {
                    let peer = c.io.peer;
                    let timeout = self
                        .initiator(session)
                        .map_or(Duration::ZERO, |i| i.cfg.connect_timeout);
                    let error = if matches!(c.role, Role::Initiated { tcp_up: true, .. }) {
                        IoError::SslHandshakeFailed {
                            peer,
                            detail: format!("TLS handshake not complete after {timeout:?}"),
                        }
                    } else {
                        IoError::ConnectionRefused {
                            peer,
                            detail: format!("connect timed out after {timeout:?}"),
                        }
                    };
                    self.close_conn(c, t, error.into(), now);
                }
                continue;
            }
            let Some(link) = self.link_mut(session) else {
                continue;
            };
            let taken = std::mem::replace(link, Link::Moving);
            let next = match taken {
                Link::Stopped(token) => self.start_pass(session, token.connect(), now),
                Link::Disconnected { token, .. } => self.start_pass(session, token.retry(), now),
                other => other,
            };
            if let Some(l) = self.link_mut(session) {
                *l = next;
            }
        }
        for t in 0..self.conns.len() {
            let Some(Some(conn)) = self.conns.get(t) else {
                continue;
            };
            let (acceptor, deadline) = match &conn.role {
                Role::Accepted {
                    acceptor,
                    route: Route::Unrouted { deadline, .. },
                } => (*acceptor, *deadline),
                _ => continue,
            };
            if deadline > now {
                self.note_deadline(deadline);
                continue;
            }
            work += 1;
            let timeout = self
                .acceptors
                .get(acceptor)
                .map_or(Duration::ZERO, |a| a.cfg.logon_timeout);
            if let Some(c) = self.conns[t].take() {
                let peer = c.io.peer;
                let error = IoError::lost(peer, format!("no Logon received within {timeout:?}"));
                self.close_conn(c, t, error.into(), now);
            }
        }
        work
    }
}
