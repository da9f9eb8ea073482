//! spinfix: a thread-per-core, busy-poll FIX engine. The crate trading processes link.
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
