//! spinfix: a thread-per-core, busy-poll FIX engine. The crate trading processes link.
//!
//! Sessions run on pinned threads that never block: in the colocated shape one thread polls the
//! sockets and runs the sessions; in the split shape an I/O thread hands frames over SPSC rings
//! to session threads. The application's callbacks run on the session's own thread and reply
//! through [`Ctx`] with no thread hop.
//!
//! ```no_run
//! use spinfix::{AcceptorSpec, AppReject, Application, Ctx, Engine, SessionSpec, StoreSpec, Transport};
//! use spinfix_session::codec::Message;
//! use spinfix_session::config::{Role, SessionConfig};
//! use std::time::Duration;
//!
//! /// Acknowledges every NewOrderSingle.
//! struct Desk;
//!
//! impl Application for Desk {
//!     fn on_message(&mut self, ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
//!         if msg.msg_type() != b"D" {
//!             return Err(AppReject::UnsupportedMessageType);
//!         }
//!         let cl_ord_id = msg.get(11).unwrap_or_default();
//!         // Written straight into the session's transmit buffer, sent this duty cycle.
//!         let _ = ctx.send(b"8", |w| {
//!             w.str(37, "O-1").str(17, "E-1").char(150, b'0').char(39, b'0');
//!             w.bytes(11, cl_ord_id).char(54, b'1').str(55, "AAPL");
//!             w.uint(151, 100).uint(14, 0).str(6, "0");
//!         });
//!         Ok(())
//!     }
//! }
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SessionConfig::builder("FIX.4.4", "SELL", "BUY", Role::Acceptor).build()?;
//! let engine = Engine::builder()
//!     .session(SessionSpec {
//!         config,
//!         transport: Transport::Acceptor(AcceptorSpec::new("127.0.0.1:9880".parse()?)),
//!         store: StoreSpec::Memory,
//!     })
//!     .start(Desk)?;
//! // ... later: log every session out, close the sockets, flush the journals.
//! engine.stop(Duration::from_secs(2))?;
//! # Ok(())
//! # }
//! ```
//!
//! Sessions can also come from a QuickFIX settings file ([`config::load_settings`] and
//! [`SessionSpec::from_settings`]) and threads from a tuning file ([`config::TuningConfig`]);
//! [`LocalEngine`] runs the engine on the caller's own thread.
//!
//! - [`ring`]: the SPSC byte ring between an I/O thread and a session thread.
//! - [`agent`], [`idle`], [`clock`]: threads as agents with a duty cycle, an idle strategy and a
//!   clock read once per cycle.
//! - [`wheel`]: the hashed timer wheel a session thread keeps one entry per session in.
//! - [`config`]: QuickFIX settings files and the TOML tuning file.

pub mod agent;
pub mod clock;
pub mod config;
pub mod idle;
pub mod ring;
pub mod wheel;

mod app;
mod colocated;
mod core;
mod engine;
mod error;
mod event;
mod handle;
mod local;
mod slot;
mod split;
mod store;

pub use app::{AppReject, Application, Ctx, NoApplication, Sessions};
pub use engine::{AcceptorSpec, Engine, EngineBuilder, SessionSpec, StoreSpec, Transport};
pub use error::EngineError;
pub use event::EngineEvent;
pub use handle::{HandleError, SessionHandle};
pub use local::LocalEngine;
pub use store::EngineStore;
mod spec;
pub use spec::DictionaryCache;
