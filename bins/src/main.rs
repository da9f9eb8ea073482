//! `spinfix`: the command-line front of the engine.
//!
//! Each subcommand lives in its own module with its own arguments and error type; this file
//! only parses the command line and dispatches, so adding a subcommand is one variant and one
//! match arm.

mod apps;
mod bench;
mod journal;
mod run;
mod signal;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "spinfix", version, about = "A low-latency FIX engine.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the acceptor sessions of a QuickFIX settings file until SIGINT/SIGTERM.
    Acceptor(run::AcceptorArgs),
    /// Run the initiator sessions of a QuickFIX settings file until SIGINT/SIGTERM.
    Initiator(run::InitiatorArgs),
    /// Inspect a session journal (read-only: safe on a live session's files).
    Journal(journal::JournalArgs),
    /// Round-trip latency or throughput on loopback beside the raw TCP floor and QuickFIX C++.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<(), Box<dyn std::error::Error>> = match cli.command {
        Command::Acceptor(args) => run::acceptor(args).map_err(Into::into),
        Command::Initiator(args) => run::initiator(args).map_err(Into::into),
        Command::Journal(args) => journal::run(args).map_err(Into::into),
        Command::Bench(args) => return bench::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spinfix: {e}");
            ExitCode::FAILURE
        }
    }
}
