//! The built-in applications the `acceptor` and `initiator` subcommands run.

mod acceptance;
mod executor;
mod trade;

pub use acceptance::Acceptance;
pub use executor::{Executor, IdCounter};
pub use trade::Trade;

use clap::ValueEnum;

/// `--app` of `spinfix acceptor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AcceptorApp {
    /// Answers every NewOrderSingle with a filled ExecutionReport.
    #[default]
    Executor,
    /// Behaves as the QuickFIX acceptance suite expects (echoes C, D and d).
    Acceptance,
}

/// `--app` of `spinfix initiator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum InitiatorApp {
    /// Sends orders and prints the reports.
    #[default]
    Trade,
}
