//! Listening ports: accepting, the logon timeout, and routing the first Logon to a session.

use super::{Conn, Reactor, Role, Side, Slot, LISTENER_BASE};
use crate::config::AcceptorConfig;
use crate::conn::{Close, ConnIo};
use crate::error::IoError;
use crate::event::ConnectionEvent;
use crate::route::{self, Candidate};
use crate::{socket, state, tls, AcceptorHandle, SessionId};
use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Token};
use spinfix_session::codec::Framer;
use spinfix_session::time::MonoTime;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub(super) struct Acceptor {
    pub(super) listener: Option<TcpListener>,
    pub(super) cfg: AcceptorConfig,
    pub(super) tls: Option<Arc<rustls::ServerConfig>>,
    pub(super) sessions: Vec<SessionId>,
    pub(super) framer: Framer,
}

/// An accepted connection's progress towards a session.
pub(super) enum Route {
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

impl Reactor {
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

    pub(super) fn on_listener(&mut self, a: usize, now: MonoTime) -> usize {
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

    /// Routes an accepted connection by its first frame: stopped→connected on success.
    pub(super) fn route_first(
        &mut self,
        acceptor: usize,
        route: &mut Route,
        t: usize,
        peer: SocketAddr,
        tls: bool,
        frame: &[u8],
    ) -> Result<SessionId, Close> {
        let acc = self.acceptors.get(acceptor);
        let logout_on_refusal = acc.is_some_and(|a| a.cfg.logout_on_refusal);
        let sessions = &self.sessions;
        let candidates = acc.into_iter().flat_map(|a| a.sessions.iter()).map(|&id| {
            let slot = &sessions[id.index()];
            Candidate {
                id,
                key: &slot.key,
                connected: matches!(slot.side, Side::Acceptor { conn: Some(_), .. }),
            }
        });
        let session = route::route(
            &mut self.decoder,
            frame,
            peer,
            candidates,
            logout_on_refusal,
        )?;
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
        Ok(session)
    }

    /// Closes accepted connections whose Logon did not come in time.
    pub(super) fn logon_timeouts(&mut self, now: MonoTime) -> usize {
        let mut work = 0;
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
