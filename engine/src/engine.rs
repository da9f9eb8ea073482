//! Starting, steering and stopping the engine.

use crate::agent::AgentRunner;
use crate::app::Application;
use crate::clock::SystemClock;
use crate::colocated::{ColocatedAgent, Command, EventOut};
use crate::error::EngineError;
use crate::event::EngineEvent;
use crate::handle::SessionHandle;
use crate::idle::IdleStrategy;
use crate::slot::SessionSlot;
use crate::store::EngineStore;
use crate::wheel::TimerWheel;
use crossbeam_channel::{Receiver, Sender};
use spinfix_io::{
    AcceptorConfig, BufferLimits, InitiatorConfig, Reactor, SessionKey, SocketOptions,
    TlsServerSettings,
};
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::session::Session;
use spinfix_session::store::MemoryStore;
use spinfix_store::{Journal, JournalConfig};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How a session reaches its peer.
#[derive(Debug, Clone)]
pub enum Transport {
    /// We listen; the peer's Logon selects this session.
    Acceptor(AcceptorSpec),
    /// We connect.
    Initiator(InitiatorConfig),
}

/// A listening port's settings, as one session states them. Sessions that name the same
/// address share one listener, which must then agree on TLS.
#[derive(Debug, Clone)]
pub struct AcceptorSpec {
    /// `SocketAcceptPort` (and `SocketAcceptHost`).
    pub bind: SocketAddr,
    /// TLS on this port.
    pub tls: Option<TlsServerSettings>,
    /// How long an accepted connection may take to send its Logon.
    pub logon_timeout: Duration,
    /// Socket settings.
    pub socket: SocketOptions,
    /// Buffer bounds.
    pub limits: BufferLimits,
    /// Answer a refused Logon with a Logout carrying the reason (QuickFIX closes silently).
    pub logout_on_refusal: bool,
}

impl AcceptorSpec {
    /// Plain TCP on `bind` with default settings.
    pub fn new(bind: SocketAddr) -> Self {
        let d = AcceptorConfig::new(bind, Vec::new());
        AcceptorSpec {
            bind,
            tls: None,
            logon_timeout: d.logon_timeout,
            socket: d.socket,
            limits: d.limits,
            logout_on_refusal: d.logout_on_refusal,
        }
    }
}

/// Where a session keeps its sequence numbers and sent messages.
#[derive(Debug, Clone)]
pub enum StoreSpec {
    /// Memory only: numbers start at 1 in every process.
    Memory,
    /// The mmap'd journal.
    Journal(JournalConfig),
}

/// One session of the engine.
#[derive(Debug, Clone)]
pub struct SessionSpec {
    /// The protocol settings.
    pub config: SessionConfig,
    /// How it connects.
    pub transport: Transport,
    /// How it persists.
    pub store: StoreSpec,
}

/// Builds an [`Engine`].
#[derive(Debug)]
pub struct EngineBuilder {
    name: String,
    sessions: Vec<SessionSpec>,
    idle: IdleStrategy,
    core: Option<usize>,
    event_capacity: usize,
    handle_capacity: usize,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            name: "spinfix".to_owned(),
            sessions: Vec::new(),
            idle: IdleStrategy::default(),
            core: None,
            event_capacity: 4096,
            handle_capacity: 1024,
        }
    }
}

impl EngineBuilder {
    /// Names the engine's thread.
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    /// Adds a session.
    pub fn session(mut self, spec: SessionSpec) -> Self {
        self.sessions.push(spec);
        self
    }

    /// What the engine's thread does when a duty cycle finds no work.
    pub fn idle(mut self, idle: IdleStrategy) -> Self {
        self.idle = idle;
        self
    }

    /// Pins the engine's thread to `core`.
    pub fn core(mut self, core: Option<usize>) -> Self {
        self.core = core;
        self
    }

    /// The bound of the event channel ([`Engine::events`]).
    pub fn event_capacity(mut self, n: usize) -> Self {
        self.event_capacity = n.max(1);
        self
    }

    /// The bound of each [`SessionHandle`]'s queue.
    pub fn handle_capacity(mut self, n: usize) -> Self {
        self.handle_capacity = n.max(1);
        self
    }

    /// Opens the stores, binds the listeners, registers the initiators and starts the thread.
    ///
    /// A port that cannot be bound, a TLS file that cannot be read, a journal that cannot be
    /// opened: each fails here, before anything runs.
    pub fn start<A: Application + 'static>(self, mut app: A) -> Result<Engine<A>, EngineError> {
        let now = crate::clock::Clock::now(&mut SystemClock::new());
        let mut reactor = Reactor::new()?;
        let mut sessions: Vec<Option<Session<EngineStore>>> = Vec::new();
        let mut io_ids = vec![None; self.sessions.len()];
        let mut names = Vec::with_capacity(self.sessions.len());
        for spec in &self.sessions {
            let id = spec.config.session_id();
            let store = match &spec.store {
                StoreSpec::Memory => EngineStore::Memory(MemoryStore::new(now.utc)),
                StoreSpec::Journal(jc) => EngineStore::Journal(Box::new(
                    Journal::open(jc.clone(), now.utc).map_err(|source| EngineError::Journal {
                        session: id.clone(),
                        source,
                    })?,
                )),
            };
            app.on_create(&spec.config);
            let mut session = Session::new(spec.config.clone(), store);
            if let Some(f) = app.resend_filter(&spec.config) {
                session.set_resend_filter(f);
            }
            sessions.push(Some(session));
            names.push(id);
        }
        // Acceptor sessions grouped by listening address, in configuration order.
        let mut ports: Vec<(AcceptorSpec, Vec<usize>)> = Vec::new();
        for (i, spec) in self.sessions.iter().enumerate() {
            match &spec.transport {
                Transport::Acceptor(a) => {
                    if spec.config.role() != Role::Acceptor {
                        return Err(EngineError::Thread(format!(
                            "session {}: an acceptor transport needs ConnectionType=acceptor",
                            names[i]
                        )));
                    }
                    match ports.iter_mut().find(|(p, _)| p.bind == a.bind) {
                        Some((p, members)) => {
                            if p.tls.is_some() != a.tls.is_some() {
                                return Err(EngineError::Io(spinfix_io::IoError::ConfigError {
                                    detail: format!(
                                        "port {} would serve TLS and plain sessions ({}); a port is one or the other",
                                        a.bind, names[i]
                                    ),
                                }));
                            }
                            members.push(i);
                        }
                        None => ports.push((a.clone(), vec![i])),
                    }
                }
                Transport::Initiator(ic) => {
                    io_ids[i] = Some(reactor.add_initiator(ic.clone())?);
                }
            }
        }
        let mut listening = Vec::with_capacity(ports.len());
        for (spec, members) in ports {
            let keys = members
                .iter()
                .map(|&i| key_of(&self.sessions[i].config))
                .collect();
            let handle = reactor.add_acceptor(AcceptorConfig {
                bind: spec.bind,
                tls: spec.tls,
                sessions: keys,
                logon_timeout: spec.logon_timeout,
                socket: spec.socket,
                limits: spec.limits,
                logout_on_refusal: spec.logout_on_refusal,
            })?;
            listening.push(handle.local_addr);
            for (&i, id) in members.iter().zip(handle.sessions) {
                io_ids[i] = Some(id);
            }
        }
        let mut slots = Vec::with_capacity(sessions.len());
        for (s, io) in sessions.into_iter().zip(io_ids) {
            if let (Some(s), Some(io)) = (s, io) {
                slots.push(SessionSlot::new(s, io));
            }
        }
        let wheel = TimerWheel::new(Duration::from_millis(1), 1024, slots.len().max(1), now.mono)
            .map_err(|e| EngineError::Thread(e.to_string()))?;
        let (control_tx, control_rx) = crossbeam_channel::unbounded();
        let (events_tx, events_rx) = crossbeam_channel::bounded(self.event_capacity);
        let dropped = Arc::new(AtomicU64::new(0));
        let out = EventOut {
            tx: events_tx,
            dropped: Arc::clone(&dropped),
        };
        let agent = ColocatedAgent::new(
            self.name.clone(),
            reactor,
            slots,
            app,
            wheel,
            control_rx,
            out,
        );
        let runner = AgentRunner::spawn(agent, SystemClock::new(), self.idle, self.core)
            .map_err(|e| EngineError::Thread(e.to_string()))?;
        Ok(Engine {
            runner: Some(runner),
            control: control_tx,
            events: events_rx,
            names,
            listening,
            dropped,
            handle_capacity: self.handle_capacity,
        })
    }
}

fn key_of(cfg: &SessionConfig) -> SessionKey {
    SessionKey::new(
        cfg.begin_string(),
        cfg.sender_comp_id(),
        cfg.target_comp_id(),
    )
}

/// A running engine: its thread, its control channel and its event channel.
pub struct Engine<A: Application + 'static> {
    runner: Option<AgentRunner<ColocatedAgent<A>>>,
    control: Sender<Command>,
    events: Receiver<EngineEvent>,
    names: Vec<String>,
    listening: Vec<SocketAddr>,
    dropped: Arc<AtomicU64>,
    handle_capacity: usize,
}

impl<A: Application + 'static> std::fmt::Debug for Engine<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("sessions", &self.names)
            .field("running", &self.runner.is_some())
            .finish_non_exhaustive()
    }
}

impl Engine<crate::NoApplication> {
    /// Starts building an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }
}

impl<A: Application + 'static> Engine<A> {
    /// Connection and session events, off the message path. Bounded: see
    /// [`Engine::dropped_events`].
    pub fn events(&self) -> &Receiver<EngineEvent> {
        &self.events
    }

    /// Events that did not fit the event channel because nobody drained it.
    pub fn dropped_events(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The addresses the acceptor ports are bound to (the real port where 0 was asked for).
    pub fn listening(&self) -> &[SocketAddr] {
        &self.listening
    }

    /// The sessions, `BeginString:Sender->Target`, in configuration order.
    pub fn session_ids(&self) -> &[String] {
        &self.names
    }

    fn index_of(&self, session: &str) -> Result<usize, EngineError> {
        self.names
            .iter()
            .position(|n| n == session)
            .ok_or_else(|| EngineError::UnknownSession(session.to_owned()))
    }

    /// A new producer for `session`, with its own bounded queue to the session thread.
    pub fn handle(&self, session: &str) -> Result<SessionHandle, EngineError> {
        let index = self.index_of(session)?;
        let (tx, rx) = crossbeam_channel::bounded(self.handle_capacity);
        self.control
            .send(Command::Register { session: index, rx })
            .map_err(|_| EngineError::Stopped)?;
        Ok(SessionHandle {
            session: session.to_owned(),
            capacity: self.handle_capacity,
            tx,
        })
    }

    /// Starts a Logout exchange on `session`.
    pub fn logout(&self, session: &str, reason: Option<&str>) -> Result<(), EngineError> {
        let index = self.index_of(session)?;
        self.control
            .send(Command::Logout {
                session: index,
                reason: reason.map(str::to_owned),
            })
            .map_err(|_| EngineError::Stopped)
    }

    /// Drops `session`'s connection without a Logout; an initiator reconnects after its
    /// ReconnectInterval and the sessions recover any gap by resend.
    pub fn disconnect(&self, session: &str) -> Result<(), EngineError> {
        let index = self.index_of(session)?;
        self.control
            .send(Command::Disconnect { session: index })
            .map_err(|_| EngineError::Stopped)
    }

    /// The graceful stop: every logged-on session sends Logout and waits for the answer (at most
    /// `timeout`), the sockets close cleanly, the journals are flushed, and the thread ends.
    /// Returns the application.
    pub fn stop(mut self, timeout: Duration) -> Result<A, EngineError> {
        let runner = self.runner.take().ok_or(EngineError::Stopped)?;
        let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
        if self
            .control
            .send(Command::Stop {
                timeout,
                ack: ack_tx,
            })
            .is_ok()
        {
            // The thread acknowledges after the logout wait; the extra second covers the
            // close and the journal flush.
            let _ = ack_rx.recv_timeout(timeout + Duration::from_secs(1));
        }
        runner
            .stop()
            .map(ColocatedAgent::into_app)
            .map_err(|e| EngineError::Thread(e.to_string()))
    }
}

impl<A: Application + 'static> Drop for Engine<A> {
    fn drop(&mut self) {
        if let Some(runner) = self.runner.take() {
            let _ = runner.stop();
        }
    }
}
