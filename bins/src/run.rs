//! `spinfix acceptor` and `spinfix initiator`: sessions from a QuickFIX settings file, a built-in
//! application, until SIGINT or SIGTERM, then a graceful stop.

use crate::apps::{Acceptance, AcceptorApp, Executor, InitiatorApp, Trade};
use crate::signal;
use spinfix::config::{load_settings, ConnectionType, SettingsError, TuningConfig, TuningError};
use spinfix::{
    Application, DictionaryCache, Engine, EngineBuilder, EngineError, EngineEvent, SessionSpec,
};
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

/// Arguments of `spinfix acceptor`.
#[derive(Debug, clap::Args)]
pub struct AcceptorArgs {
    /// QuickFIX settings file; its acceptor sessions are run.
    #[arg(long)]
    config: PathBuf,
    /// TOML tuning file (threads, cores, idle strategy); see tuning.md.
    #[arg(long)]
    tuning: Option<PathBuf>,
    /// The application behind the sessions.
    #[arg(long, value_enum, default_value_t)]
    app: AcceptorApp,
    /// Print no connection or session events (errors still go to stderr).
    #[arg(long)]
    quiet: bool,
}

/// Arguments of `spinfix initiator`.
#[derive(Debug, clap::Args)]
pub struct InitiatorArgs {
    /// QuickFIX settings file; its initiator sessions are run.
    #[arg(long)]
    config: PathBuf,
    /// TOML tuning file (threads, cores, idle strategy); see tuning.md.
    #[arg(long)]
    tuning: Option<PathBuf>,
    /// The application behind the sessions.
    #[arg(long, value_enum, default_value_t)]
    app: InitiatorApp,
    /// Orders the `trade` application sends on the first session.
    #[arg(long, default_value_t = 10)]
    orders: u64,
    /// Milliseconds between two orders.
    #[arg(long, default_value_t = 1000)]
    interval_ms: u64,
    /// Print no connection or session events (errors still go to stderr).
    #[arg(long)]
    quiet: bool,
}

/// Why a run failed; `main` prints it and exits non-zero.
#[derive(Debug, Error)]
pub enum RunError {
    /// The settings file.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The tuning file.
    #[error(transparent)]
    Tuning(#[from] TuningError),
    /// Start-up or stop.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The settings name no session of the kind the subcommand runs.
    #[error("{file}: no session with ConnectionType={kind}")]
    NoSessions {
        /// The settings file.
        file: String,
        /// `acceptor` or `initiator`.
        kind: &'static str,
    },
}

/// The engine builder for the sessions of `kind` in `config`, tuned by `tuning`.
fn builder(
    config: &Path,
    tuning: Option<&Path>,
    kind: ConnectionType,
) -> Result<(EngineBuilder, Duration), RunError> {
    let settings = load_settings(config)?;
    let tuning_cfg = match tuning {
        Some(p) => TuningConfig::load(p)?,
        None => TuningConfig::default(),
    };
    let mut b = Engine::builder().tuning(tuning_cfg.clone());
    let mut dicts = DictionaryCache::default();
    let mut logout = Duration::from_secs(2);
    let mut any = false;
    for s in settings.iter().filter(|s| s.connection_type == kind) {
        let mut spec = SessionSpec::from_settings(s, &mut dicts)?;
        apply_socket_defaults(&mut spec, &tuning_cfg);
        logout = logout.max(s.logout_timeout);
        b = b.session(spec);
        any = true;
    }
    if !any {
        return Err(RunError::NoSessions {
            file: config.display().to_string(),
            kind: match kind {
                ConnectionType::Acceptor => "acceptor",
                ConnectionType::Initiator => "initiator",
            },
        });
    }
    Ok((b, logout))
}

/// The tuning file's socket buffer sizes apply where the session sets none.
fn apply_socket_defaults(spec: &mut SessionSpec, tuning: &TuningConfig) {
    let socket = match &mut spec.transport {
        spinfix::Transport::Acceptor(a) => &mut a.socket,
        spinfix::Transport::Initiator(i) => &mut i.socket,
    };
    socket.send_buffer_size = socket.send_buffer_size.or(tuning.sockets.send_buffer_size);
    socket.recv_buffer_size = socket
        .recv_buffer_size
        .or(tuning.sockets.receive_buffer_size);
}

/// Runs until SIGINT/SIGTERM, printing events to stderr, then stops gracefully.
fn serve<A: Application + 'static>(
    engine: Engine<A>,
    logout: Duration,
    quiet: bool,
) -> Result<(), RunError> {
    // On stdout, one line per port, for scripts and the bench that start an acceptor on
    // port 0 and need the real address.
    for addr in engine.listening() {
        println!("listening {addr}");
    }
    while !signal::requested() {
        if let Ok(e) = engine.events().recv_timeout(Duration::from_millis(100)) {
            if !quiet || matches!(e, EngineEvent::SessionError { .. }) {
                print_event(&e);
            }
        }
    }
    eprintln!("spinfix: stopping (logging every session out)");
    engine.stop_all(logout)?;
    eprintln!("spinfix: stopped");
    Ok(())
}

fn print_event(e: &EngineEvent) {
    match e {
        EngineEvent::Connection(c) => eprintln!("spinfix: connection: {c:?}"),
        EngineEvent::Session { session, event } => eprintln!("spinfix: {session}: {event:?}"),
        EngineEvent::SessionError { session, detail } => {
            eprintln!("spinfix: {session}: error: {detail}")
        }
        EngineEvent::Stopped => eprintln!("spinfix: engine stopped"),
    }
}

/// `spinfix acceptor`.
pub fn acceptor(args: AcceptorArgs) -> Result<(), RunError> {
    signal::install();
    let (b, logout) = builder(
        &args.config,
        args.tuning.as_deref(),
        ConnectionType::Acceptor,
    )?;
    match args.app {
        AcceptorApp::Executor => serve(
            b.start_with(|_| Ok(Executor::default()))?,
            logout,
            args.quiet,
        ),
        AcceptorApp::Acceptance => serve(
            b.start_with(|_| Ok(Acceptance::default()))?,
            logout,
            args.quiet,
        ),
    }
}

/// `spinfix initiator`.
pub fn initiator(args: InitiatorArgs) -> Result<(), RunError> {
    signal::install();
    let (b, logout) = builder(
        &args.config,
        args.tuning.as_deref(),
        ConnectionType::Initiator,
    )?;
    match args.app {
        InitiatorApp::Trade => {
            let (tx, rx) = crossbeam_channel::bounded(4096);
            let engine = b.start(Trade::new(
                args.orders,
                Duration::from_millis(args.interval_ms),
                tx,
            ))?;
            let printer = std::thread::spawn(move || {
                for line in rx {
                    println!("{line}");
                }
            });
            let r = serve(engine, logout, args.quiet);
            let _ = printer.join();
            r
        }
    }
}
