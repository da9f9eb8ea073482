//! Starting, steering and stopping the engine.

use crate::agent::AgentRunner;
use crate::app::Application;
use crate::clock::SystemClock;
use crate::colocated::ColocatedAgent;
use crate::config::{ThreadRole, TuningConfig};
use crate::core::{Command, EventOut, SessionCore};
use crate::error::EngineError;
use crate::event::EngineEvent;
use crate::handle::SessionHandle;
use crate::idle::IdleStrategy;
use crate::local::LocalEngine;
use crate::slot::SessionSlot;
use crate::split::{routes, IoAgent, IoCommand, IoLink, SessionAgent};
use crate::store::EngineStore;
use crate::wheel::TimerWheel;
use crossbeam_channel::{Receiver, Sender};
use spinfix_io::{
    AcceptorConfig, BufferLimits, InitiatorConfig, Reactor, SessionId, SessionKey, SocketOptions,
    TlsServerSettings,
};
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::session::Session;
use spinfix_session::store::MemoryStore;
use spinfix_session::time::Now;
use spinfix_store::{Journal, JournalConfig};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    tuning: Option<TuningConfig>,
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
            tuning: None,
            idle: IdleStrategy::default(),
            core: None,
            event_capacity: 4096,
            handle_capacity: 1024,
        }
    }
}

/// One thread the engine will start, with the sessions (by index) it owns.
struct ThreadPlan {
    name: String,
    role: ThreadRole,
    core: Option<usize>,
    idle: IdleStrategy,
    sessions: Vec<usize>,
}

impl EngineBuilder {
    /// Names the engine's thread (without a tuning file: the one colocated thread).
    pub fn name(mut self, name: &str) -> Self {
        self.name = name.to_owned();
        self
    }

    /// Adds a session.
    pub fn session(mut self, spec: SessionSpec) -> Self {
        self.sessions.push(spec);
        self
    }

    /// Threads, cores, idle strategies and rings from a tuning file: replaces [`Self::idle`]
    /// and [`Self::core`].
    pub fn tuning(mut self, tuning: TuningConfig) -> Self {
        self.tuning = Some(tuning);
        self
    }

    /// What the engine's thread does when a duty cycle finds no work (without a tuning file).
    pub fn idle(mut self, idle: IdleStrategy) -> Self {
        self.idle = idle;
        self
    }

    /// Pins the engine's thread to `core` (without a tuning file).
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

    /// Starts an engine whose sessions all run on one session-carrying thread (the default,
    /// or a tuning file with one colocated or session thread), behind `app`.
    pub fn start<A: Application + 'static>(self, app: A) -> Result<Engine<A>, EngineError> {
        let mut app = Some(app);
        self.start_with(|thread| {
            app.take().ok_or_else(|| {
                EngineError::Thread(format!(
                    "thread {thread}: several session threads need one application each; \
                     use EngineBuilder::start_with"
                ))
            })
        })
    }

    /// Starts an engine, calling `app` once per session-carrying thread (by name) for the
    /// application that thread runs.
    ///
    /// Opens the stores, binds the listeners, registers the initiators, then starts the
    /// threads. A port that cannot be bound, a TLS file that cannot be read, a journal that
    /// cannot be opened, a session no thread owns: each fails here, before anything runs.
    pub fn start_with<A: Application + 'static>(
        self,
        mut app: impl FnMut(&str) -> Result<A, EngineError>,
    ) -> Result<Engine<A>, EngineError> {
        let now = crate::clock::Clock::now(&mut SystemClock::new());
        let names: Vec<String> = self
            .sessions
            .iter()
            .map(|s| s.config.session_id())
            .collect();
        let plans = self.plan(&names)?;
        let tuning = self.tuning.clone().unwrap_or_default();
        let (events_tx, events_rx) = crossbeam_channel::bounded(self.event_capacity);
        let dropped = Arc::new(AtomicU64::new(0));
        let out = EventOut {
            tx: events_tx,
            dropped: Arc::clone(&dropped),
        };
        let mut listening = Vec::new();
        let mut location = vec![(usize::MAX, usize::MAX); names.len()];
        let mut session_threads = Vec::new();
        let mut io_threads = Vec::new();

        // The split shape's single I/O reactor serves every session of every session thread.
        let io_plan = plans.iter().find(|p| p.role == ThreadRole::Io);
        let mut io_reactor = match io_plan {
            Some(p) => {
                let mut r = Reactor::new()?;
                r.set_busy_read(p.idle.spins());
                Some(r)
            }
            None => None,
        };
        let mut io_links = Vec::new();
        let mut io_sessions: Vec<Vec<SessionId>> = Vec::new();

        for plan in plans.iter().filter(|p| p.role != ThreadRole::Io) {
            let mut own = None;
            let reactor = match plan.role {
                ThreadRole::Colocated => {
                    let r = own.insert(Reactor::new()?);
                    // A spinning thread reads its few sockets directly (see set_busy_read).
                    r.set_busy_read(plan.idle.spins());
                    r
                }
                _ => io_reactor.as_mut().ok_or_else(|| {
                    EngineError::Thread(format!(
                        "thread {}: a session thread needs an io thread",
                        plan.name
                    ))
                })?,
            };
            let ios = register(
                reactor,
                &self.sessions,
                &names,
                &plan.sessions,
                &mut listening,
            )?;
            let mut slots = Vec::with_capacity(plan.sessions.len());
            for (slot, (&i, &io)) in plan.sessions.iter().zip(&ios).enumerate() {
                location[i] = (session_threads.len(), slot);
                slots.push(SessionSlot::new(
                    open_session(&self.sessions[i], &names[i], now)?,
                    io,
                ));
            }
            let mut application = app(&plan.name)?;
            for slot in &slots {
                application.on_create(slot.session.config());
            }
            for slot in &mut slots {
                if let Some(f) = application.resend_filter(slot.session.config()) {
                    slot.session.set_resend_filter(f);
                }
                if let Some(h) = application.admin_hook(slot.session.config()) {
                    slot.session.set_admin_hook(h);
                }
            }
            let wheel =
                TimerWheel::new(Duration::from_millis(1), 1024, slots.len().max(1), now.mono)
                    .map_err(|e| EngineError::Thread(e.to_string()))?;
            let (control_tx, control_rx) = crossbeam_channel::unbounded();
            let core = SessionCore::new(slots, application, wheel, control_rx, out.clone());
            let thread = match (plan.role, own) {
                (ThreadRole::Colocated, Some(reactor)) => SessionThread::Colocated(spawn(
                    ColocatedAgent::new(plan.name.clone(), reactor, core),
                    plan,
                )?),
                _ => {
                    let max_frame = max_frame_len(&self.sessions, &plan.sessions);
                    let (in_tx, in_rx) = ring(tuning.rings.inbound, max_frame, &plan.name)?;
                    let (out_tx, out_rx) = ring(tuning.rings.outbound, max_frame, &plan.name)?;
                    io_links.push(IoLink {
                        inbound: in_tx,
                        outbound: out_rx,
                    });
                    io_sessions.push(ios);
                    SessionThread::Split(spawn(
                        SessionAgent::new(plan.name.clone(), core, in_rx, out_tx),
                        plan,
                    )?)
                }
            };
            session_threads.push((thread, control_tx));
        }
        if let (Some(plan), Some(reactor)) = (io_plan, io_reactor) {
            let (control_tx, control_rx) = crossbeam_channel::unbounded();
            let agent = IoAgent::new(
                plan.name.clone(),
                reactor,
                io_links,
                routes(&io_sessions),
                control_rx,
                out.clone(),
            );
            io_threads.push((spawn(agent, plan)?, control_tx));
        }
        Ok(Engine {
            session_threads,
            io_threads,
            events: events_rx,
            names,
            location,
            listening,
            dropped,
            handle_capacity: self.handle_capacity,
        })
    }

    /// An engine that runs on the caller's thread: every session colocated, one duty cycle per
    /// [`LocalEngine::poll`]. The tuning file and core do not apply: the caller owns the thread.
    /// The idle strategy only says whether that thread spins (then the sockets are read
    /// directly each poll; see `Reactor::set_busy_read`).
    pub fn build_local<A: Application>(self, mut app: A) -> Result<LocalEngine<A>, EngineError> {
        let mut clock = SystemClock::new();
        let now = crate::clock::Clock::now(&mut clock);
        let names: Vec<String> = self
            .sessions
            .iter()
            .map(|s| s.config.session_id())
            .collect();
        let mut reactor = Reactor::new()?;
        // The caller's loop spins if the builder's idle strategy says so.
        reactor.set_busy_read(self.idle.spins());
        let all: Vec<usize> = (0..names.len()).collect();
        let mut listening = Vec::new();
        let ios = register(&mut reactor, &self.sessions, &names, &all, &mut listening)?;
        let mut slots = Vec::with_capacity(all.len());
        for (&i, &io) in all.iter().zip(&ios) {
            let mut session = open_session(&self.sessions[i], &names[i], now)?;
            app.on_create(session.config());
            if let Some(f) = app.resend_filter(session.config()) {
                session.set_resend_filter(f);
            }
            if let Some(h) = app.admin_hook(session.config()) {
                session.set_admin_hook(h);
            }
            slots.push(SessionSlot::new(session, io));
        }
        let wheel = TimerWheel::new(Duration::from_millis(1), 1024, slots.len().max(1), now.mono)
            .map_err(|e| EngineError::Thread(e.to_string()))?;
        let (control_tx, control_rx) = crossbeam_channel::unbounded();
        let (events_tx, events_rx) = crossbeam_channel::bounded(self.event_capacity);
        let out = EventOut {
            tx: events_tx,
            dropped: Arc::new(AtomicU64::new(0)),
        };
        let core = SessionCore::new(slots, app, wheel, control_rx, out);
        Ok(LocalEngine {
            agent: ColocatedAgent::new(self.name.clone(), reactor, core),
            clock,
            control: control_tx,
            events: events_rx,
            now,
        })
    }

    /// Which thread runs which session.
    fn plan(&self, names: &[String]) -> Result<Vec<ThreadPlan>, EngineError> {
        let Some(tuning) = &self.tuning else {
            return Ok(vec![ThreadPlan {
                name: self.name.clone(),
                role: ThreadRole::Colocated,
                core: self.core,
                idle: self.idle,
                sessions: (0..names.len()).collect(),
            }]);
        };
        let mut plans: Vec<ThreadPlan> = tuning
            .threads
            .iter()
            .map(|t| ThreadPlan {
                name: t.name.clone(),
                role: t.role,
                core: t.core,
                idle: t.idle,
                sessions: Vec::new(),
            })
            .collect();
        if plans.iter().filter(|p| p.role == ThreadRole::Io).count() > 1 {
            return Err(EngineError::Thread(
                "more than one io thread is not supported yet: one io thread serves every \
                 session thread"
                    .into(),
            ));
        }
        for (i, name) in names.iter().enumerate() {
            let t = tuning.thread_for(name).ok_or_else(|| {
                EngineError::Thread(format!("session {name}: no colocated or session thread"))
            })?;
            plans[t].sessions.push(i);
        }
        for t in &tuning.threads {
            if let Some(unknown) = t.sessions.iter().find(|s| !names.contains(s)) {
                return Err(EngineError::UnknownSession(format!(
                    "{unknown} (tuning thread {})",
                    t.name
                )));
            }
        }
        plans.retain(|p| p.role == ThreadRole::Io || !p.sessions.is_empty());
        Ok(plans)
    }
}

fn spawn<A: crate::agent::Agent + 'static>(
    agent: A,
    plan: &ThreadPlan,
) -> Result<AgentRunner<A>, EngineError> {
    AgentRunner::spawn(agent, SystemClock::new(), plan.idle, plan.core)
        .map_err(|e| EngineError::Thread(e.to_string()))
}

/// The largest record a ring must carry for these sessions: their largest legal frame.
fn max_frame_len(specs: &[SessionSpec], owned: &[usize]) -> usize {
    owned
        .iter()
        .map(|&i| match &specs[i].transport {
            Transport::Acceptor(a) => a.limits.max_body_len,
            Transport::Initiator(c) => c.limits.max_body_len,
        })
        .max()
        .unwrap_or(0)
        + 64
}

fn ring(
    capacity: usize,
    max_frame: usize,
    thread: &str,
) -> Result<(crate::ring::Producer, crate::ring::Consumer), EngineError> {
    let (p, c) = crate::ring::ring(capacity)
        .map_err(|e| EngineError::Thread(format!("thread {thread}: {e}")))?;
    if p.max_payload_len() < max_frame {
        return Err(EngineError::Thread(format!(
            "thread {thread}: a ring of {capacity} bytes carries frames up to {} bytes, but the \
             sessions accept frames up to {max_frame}; raise the ring size or lower the maximum \
             body length",
            p.max_payload_len()
        )));
    }
    Ok((p, c))
}

/// Opens a session's store and builds its state machine.
fn open_session(
    spec: &SessionSpec,
    name: &str,
    now: Now,
) -> Result<Session<EngineStore>, EngineError> {
    let store = match &spec.store {
        StoreSpec::Memory => EngineStore::Memory(MemoryStore::new(now.utc)),
        StoreSpec::Journal(jc) => EngineStore::Journal(Box::new(
            Journal::open(jc.clone(), now.utc).map_err(|source| EngineError::Journal {
                session: name.to_owned(),
                source,
            })?,
        )),
    };
    Ok(Session::new(spec.config.clone(), store))
}

/// Registers `owned` sessions with `reactor`: initiators one by one, acceptors grouped by
/// listening address. Returns their reactor ids, in `owned` order.
fn register(
    reactor: &mut Reactor,
    specs: &[SessionSpec],
    names: &[String],
    owned: &[usize],
    listening: &mut Vec<SocketAddr>,
) -> Result<Vec<SessionId>, EngineError> {
    let mut ids = vec![None; owned.len()];
    let mut ports: Vec<(AcceptorSpec, Vec<usize>)> = Vec::new();
    for (k, &i) in owned.iter().enumerate() {
        let spec = &specs[i];
        match &spec.transport {
            Transport::Acceptor(a) => {
                if spec.config.role() != Role::Acceptor {
                    return Err(config_error(format!(
                        "session {}: an acceptor transport needs ConnectionType=acceptor",
                        names[i]
                    )));
                }
                match ports.iter_mut().find(|(p, _)| p.bind == a.bind) {
                    Some((p, members)) => {
                        if p.tls != a.tls {
                            return Err(config_error(format!(
                                "port {} is configured with different TLS settings by {} and \
                                 another session; a port is TLS or plain, one way for all",
                                a.bind, names[i]
                            )));
                        }
                        members.push(k);
                    }
                    None => ports.push((a.clone(), vec![k])),
                }
            }
            Transport::Initiator(ic) => ids[k] = Some(reactor.add_initiator(ic.clone())?),
        }
    }
    for (spec, members) in ports {
        let keys = members
            .iter()
            .map(|&k| key_of(&specs[owned[k]].config))
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
        for (&k, id) in members.iter().zip(handle.sessions) {
            ids[k] = Some(id);
        }
    }
    ids.into_iter()
        .zip(owned)
        .map(|(id, &i)| {
            id.ok_or_else(|| config_error(format!("session {} was not registered", names[i])))
        })
        .collect()
}

fn config_error(detail: String) -> EngineError {
    EngineError::Io(spinfix_io::IoError::ConfigError { detail })
}

fn key_of(cfg: &SessionConfig) -> SessionKey {
    SessionKey::new(
        cfg.begin_string(),
        cfg.sender_comp_id(),
        cfg.target_comp_id(),
    )
}

/// A thread that owns sessions.
enum SessionThread<A: Application + 'static> {
    Colocated(AgentRunner<ColocatedAgent<A>>),
    Split(AgentRunner<SessionAgent<A>>),
}

impl<A: Application + 'static> SessionThread<A> {
    fn stop(self) -> Result<A, EngineError> {
        let err = |e: crate::agent::RunnerError| EngineError::Thread(e.to_string());
        match self {
            SessionThread::Colocated(r) => r.stop().map(ColocatedAgent::into_app).map_err(err),
            SessionThread::Split(r) => r.stop().map(SessionAgent::into_app).map_err(err),
        }
    }
}

/// A running engine: its threads, their control channels and the event channel.
///
/// [`Engine::stop`] is the graceful way out (Logout, close, flush). Dropping an engine that was
/// not stopped ends its threads at once, without a Logout; the journals keep what was written.
pub struct Engine<A: Application + 'static> {
    session_threads: Vec<(SessionThread<A>, Sender<Command>)>,
    io_threads: Vec<(AgentRunner<IoAgent>, Sender<IoCommand>)>,
    events: Receiver<EngineEvent>,
    names: Vec<String>,
    /// Session index → (session thread, slot).
    location: Vec<(usize, usize)>,
    listening: Vec<SocketAddr>,
    dropped: Arc<AtomicU64>,
    handle_capacity: usize,
}

impl<A: Application + 'static> std::fmt::Debug for Engine<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("sessions", &self.names)
            .field("session_threads", &self.session_threads.len())
            .field("io_threads", &self.io_threads.len())
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

    fn command(
        &self,
        session: &str,
        cmd: impl FnOnce(usize) -> Command,
    ) -> Result<(), EngineError> {
        let i = self
            .names
            .iter()
            .position(|n| n == session)
            .ok_or_else(|| EngineError::UnknownSession(session.to_owned()))?;
        let (thread, slot) = self.location[i];
        let (_, control) = self
            .session_threads
            .get(thread)
            .ok_or(EngineError::Stopped)?;
        control.send(cmd(slot)).map_err(|_| EngineError::Stopped)
    }

    /// A new producer for `session`, with its own bounded queue to the session's thread.
    pub fn handle(&self, session: &str) -> Result<SessionHandle, EngineError> {
        let (tx, rx) = crossbeam_channel::bounded(self.handle_capacity);
        self.command(session, |slot| Command::Register { slot, rx })?;
        Ok(SessionHandle {
            session: session.to_owned(),
            capacity: self.handle_capacity,
            tx,
        })
    }

    /// An operator's logon: a session logged out by [`Engine::logout`] may connect again (an
    /// initiator tries at once; an acceptor takes the peer's next Logon).
    pub fn logon(&self, session: &str) -> Result<(), EngineError> {
        self.command(session, |slot| Command::Logon { slot })
    }

    /// An operator's reset: Logout if logged on, then both sequence numbers back to 1 (the
    /// journal keeps the old epoch under a dated name). The session connects again as usual.
    pub fn reset(&self, session: &str) -> Result<(), EngineError> {
        self.command(session, |slot| Command::Reset { slot })
    }

    /// An operator's logout: a Logout exchange on `session`, after which it stays down (an
    /// initiator does not reconnect, an acceptor refuses connections) until [`Engine::logon`].
    pub fn logout(&self, session: &str, reason: Option<&str>) -> Result<(), EngineError> {
        let reason = reason.map(str::to_owned);
        self.command(session, |slot| Command::Logout { slot, reason })
    }

    /// Drops `session`'s connection without a Logout; an initiator reconnects after its
    /// ReconnectInterval and the sessions recover any gap by resend.
    pub fn disconnect(&self, session: &str) -> Result<(), EngineError> {
        self.command(session, |slot| Command::Disconnect { slot })
    }

    /// The graceful stop: every logged-on session sends Logout and waits for the answer (at
    /// most `timeout`), the sockets close cleanly, the journals are flushed, and the threads
    /// end. Returns the first session thread's application (see [`Engine::stop_all`]).
    pub fn stop(self, timeout: Duration) -> Result<A, EngineError> {
        self.stop_all(timeout)?
            .into_iter()
            .next()
            .ok_or(EngineError::Stopped)
    }

    /// [`Engine::stop`], returning every session thread's application in thread order.
    pub fn stop_all(mut self, timeout: Duration) -> Result<Vec<A>, EngineError> {
        let threads = std::mem::take(&mut self.session_threads);
        let deadline = Instant::now() + timeout + Duration::from_secs(1);
        let mut acks = Vec::with_capacity(threads.len());
        for (_, control) in &threads {
            let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
            if control
                .send(Command::Stop {
                    timeout,
                    ack: ack_tx,
                })
                .is_ok()
            {
                acks.push(ack_rx);
            }
        }
        // Each thread acknowledges once its sessions are out and its journals flushed; the
        // extra second covers the close.
        for ack in acks {
            let _ = ack.recv_timeout(deadline.saturating_duration_since(Instant::now()));
        }
        for (runner, control) in std::mem::take(&mut self.io_threads) {
            let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
            if control.send(IoCommand::Stop { ack: ack_tx }).is_ok() {
                let _ = ack_rx.recv_timeout(Duration::from_secs(1));
            }
            runner
                .stop()
                .map_err(|e| EngineError::Thread(e.to_string()))?;
        }
        let mut apps = Vec::with_capacity(threads.len());
        for (thread, _) in threads {
            apps.push(thread.stop()?);
        }
        Ok(apps)
    }
}

impl<A: Application + 'static> Drop for Engine<A> {
    fn drop(&mut self) {
        for (thread, _) in std::mem::take(&mut self.session_threads) {
            let _ = thread.stop();
        }
        for (runner, _) in std::mem::take(&mut self.io_threads) {
            let _ = runner.stop();
        }
    }
}
