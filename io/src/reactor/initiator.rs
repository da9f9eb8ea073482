//! Outbound sessions: connecting, the host list and its policy, timeouts and reconnects.
//!
//! An attempt is one pass over the host list. It starts at the first host (`Priority`) or at the
//! host after the last one tried (`RoundRobin`); a refusal, timeout or handshake failure moves
//! at once to the next host, and only when every host has failed in this pass does the session
//! wait `ReconnectInterval`. A lost connection also waits the interval, then starts a new pass.

use super::{Conn, Reactor, Role, Side, Slot, NEVER};
use crate::config::InitiatorConfig;
use crate::conn::ConnIo;
use crate::error::IoError;
use crate::event::ConnectionEvent;
use crate::state::{self, ConnState, State};
use crate::{socket, tls, HostSelectionPolicy, SessionId};
use rustls::pki_types::ServerName;
use spinfix_session::codec::Framer;
use spinfix_session::time::MonoTime;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// An initiator's lifecycle, each state next to the data only that state has.
pub(super) enum Link {
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
    pub(super) fn state(&self) -> ConnState {
        match self {
            Link::Stopped(t) => state_of(t),
            Link::Pending { token, .. } => state_of(token),
            Link::Connected { token, .. } => state_of(token),
            Link::Disconnected { token, .. } => state_of(token),
            Link::Moving => ConnState::Stopped,
        }
    }
}

pub(super) struct Initiator {
    pub(super) cfg: InitiatorConfig,
    pub(super) tls: Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>,
    pub(super) framer: Framer,
    pub(super) link: Link,
    pub(super) last_tried: Option<usize>,
    pub(super) tried: usize,
    /// Held by [`Reactor::hold`]: no new attempt starts until released.
    pub(super) held: bool,
}

impl Reactor {
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
                held: false,
                tried: 0,
            })),
        });
        self.next_deadline = MonoTime(0);
        Ok(id)
    }

    pub(super) fn client_tls(
        &self,
        session: SessionId,
    ) -> Option<(Arc<rustls::ClientConfig>, ServerName<'static>)> {
        match &self.sessions.get(session.index())?.side {
            Side::Initiator(i) => i.tls.clone(),
            Side::Acceptor { .. } => None,
        }
    }

    /// pending→connected for an initiator (a no-op once connected).
    pub(super) fn establish(&mut self, session: SessionId, peer: SocketAddr, tls: bool) {
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

    fn link_mut(&mut self, session: SessionId) -> Option<&mut Link> {
        match &mut self.sessions.get_mut(session.index())?.side {
            Side::Initiator(i) => Some(&mut i.link),
            Side::Acceptor { .. } => None,
        }
    }

    /// Holds an initiator's connection attempts (`true`), or releases them (`false`): a released
    /// session that is waiting to reconnect tries at the next poll. A connection already open is
    /// left alone; close it with [`Reactor::disconnect`]. What an operator's logout and logon of
    /// one session do, so that a session logged out on purpose does not reconnect by itself.
    pub fn hold(&mut self, session: SessionId, held: bool) -> Result<(), IoError> {
        let Some(init) = self.initiator(session) else {
            return Err(IoError::config(format!(
                "{session} is not an initiator: only initiators can be held"
            )));
        };
        init.held = held;
        if !held {
            if let Link::Disconnected { retry_at, .. } = &mut init.link {
                *retry_at = MonoTime(0);
            }
            self.note_deadline(MonoTime(0));
        }
        Ok(())
    }

    fn initiator(&mut self, session: SessionId) -> Option<&mut Initiator> {
        match &mut self.sessions.get_mut(session.index())?.side {
            Side::Initiator(i) => Some(i),
            Side::Acceptor { .. } => None,
        }
    }

    /// An initiator's connection or attempt ended: report it, then fail over or wait.
    pub(super) fn initiator_down(
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

    /// Fires initiator deadlines: first starts, retries and connect timeouts.
    pub(super) fn initiator_timers(&mut self, now: MonoTime) -> usize {
        let mut work = 0;
        for s in 0..self.sessions.len() {
            let session = SessionId(s as u32);
            enum Due {
                No(Option<MonoTime>),
                Start,
                Timeout(usize),
            }
            let held = self.initiator(session).is_some_and(|i| i.held);
            let due = match self.link_mut(session) {
                Some(Link::Stopped(_) | Link::Disconnected { .. }) if held => Due::No(None),
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
        work
    }
}
