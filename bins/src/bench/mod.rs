//! `spinfix bench`: spinfix's round-trip latency (or throughput) on loopback, beside the two
//! references that make the figures portable between machines: the raw TCP floor and QuickFIX
//! C++. Everything runs in one invocation with the same message sizes, pinning and idle
//! strategy, and the output is the ratios as much as the numbers.
//!
//! - [`contender`]: the trait each implementation fills; [`spinfix`] is the engine's slot.
//! - [`driver`]: the timing loops shared by in-process initiators.
//! - [`tcp`], [`quickfix`]: the baselines; [`process`]: child processes and their output.
//! - [`report`]: table, ratios, `.hgrm`, SVG, JSON lines.

mod contender;
mod driver;
mod error;
mod hist;
mod idle;
mod interrupt;
mod messages;
mod pin;
mod process;
mod progress;
mod quickfix;
mod report;
mod rounds;
mod spinfix;
mod tcp;

use contender::{Contender, RunSettings};
use error::BenchError;
use idle::IdleStrategy;
use pin::CorePlan;

use process::ServeRole;
use progress::Probe;
use report::Measured;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// The reference implementations the bench can run beside spinfix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Baseline {
    /// Raw TCP ping-pong of the same byte counts: the floor.
    Tcp,
    /// QuickFIX C++ initiator and acceptor with FileStore.
    Quickfix,
    /// No baseline.
    None,
}

/// `spinfix bench` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Measured messages per implementation.
    #[arg(long, default_value_t = 100_000)]
    pub messages: u64,
    /// Messages before measuring, per implementation.
    #[arg(long, default_value_t = 20_000)]
    pub warmup: u64,
    /// Offered rate in orders per second for latency mode (coordinated-omission corrected);
    /// without it orders go back-to-back.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Measure throughput (orders per second with a window) instead of latency.
    #[arg(long)]
    pub throughput: bool,
    /// Rounds each implementation's messages are split into, the implementations taking turns
    /// (a drifting machine then weighs on all of them alike).
    #[arg(long, default_value_t = 5)]
    pub rounds: u64,
    /// Orders outstanding at once in throughput mode.
    #[arg(long, default_value_t = 64)]
    pub window: u64,
    /// Baselines to run beside spinfix, comma-separated (`none` for none).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Baseline::Tcp, Baseline::Quickfix])]
    pub baseline: Vec<Baseline>,
    /// Run the acceptor as a thread of the bench process instead of a process of its own.
    #[arg(long)]
    pub threads: bool,
    /// Run spinfix as I/O → ring → session threads where at least four cores are free.
    #[arg(long)]
    pub split: bool,
    /// Print one JSON object per result on stdout (the table goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Directory for the .hgrm files, the SVG chart and results.jsonl.
    #[arg(long, default_value = "bench-out")]
    pub out: PathBuf,
    /// What spinning threads do when idle: `spin` to measure, `backoff` on shared machines.
    #[arg(long, value_enum, default_value_t = IdleStrategy::Spin)]
    pub idle: IdleStrategy,
    /// Cores to use, comma-separated (default: every core this process may run on).
    #[arg(long, value_delimiter = ',')]
    pub cores: Vec<usize>,
    /// Validate inbound application messages against a data dictionary.
    #[arg(long)]
    pub validate: bool,
    /// The FIX.4.4 data dictionary (XML) used with --validate.
    #[arg(long)]
    pub dictionary: Option<PathBuf>,
    /// Internal: serve one side of a baseline (the bench starts itself with this).
    #[arg(long, value_enum, hide = true)]
    pub serve: Option<ServeRole>,
    /// Internal: the core the serving side pins itself to.
    #[arg(long, hide = true)]
    pub serve_core: Option<usize>,
}

/// Runs `spinfix bench`. Exit status: 0 when everything selected ran (skips included), 1 when
/// a contender failed, 2 for unusable flags, 130 when interrupted.
pub fn run(args: BenchArgs) -> ExitCode {
    if let Some(role) = args.serve {
        return serve(role, &args);
    }
    match bench(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The child side: ignores Ctrl-C (the parent decides when the run ends; the connection
/// closing ends this process) and serves.
fn serve(role: ServeRole, args: &BenchArgs) -> ExitCode {
    interrupt::install();
    let result = match role {
        ServeRole::Tcp => tcp::serve_child(args.serve_core, args.idle),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check(args: &BenchArgs) -> Result<(), BenchError> {
    if args.messages == 0 {
        return Err(BenchError::Config {
            flag: "messages",
            value: "0".into(),
            why: "at least one message must be measured",
        });
    }
    if args.window == 0 {
        return Err(BenchError::Config {
            flag: "window",
            value: "0".into(),
            why: "at least one order must be allowed outstanding",
        });
    }
    if let Some(r) = args.rate {
        if !(r.is_finite() && r > 0.0) {
            return Err(BenchError::Config {
                flag: "rate",
                value: r.to_string(),
                why: "the offered rate must be a positive number of orders per second",
            });
        }
    }
    Ok(())
}

fn bench(args: BenchArgs) -> Result<ExitCode, BenchError> {
    check(&args)?;
    interrupt::install();
    let mut notices = Vec::new();
    let cores = CorePlan::detect(args.split, &args.cores);
    notices.extend(cores.notes.iter().cloned());
    let mut idle = args.idle;
    if !cores.spin_allowed() && idle == IdleStrategy::Spin {
        idle = IdleStrategy::Yield;
        notices.push("fewer than 2 cores: spinning threads yield instead of busy-spinning".into());
    }
    if args.validate && args.dictionary.is_none() {
        notices.push("--validate without --dictionary: QuickFIX runs without validation".into());
    }
    let work_dir = std::env::temp_dir().join(format!("spinfix-bench-{}", std::process::id()));
    let settings = RunSettings {
        messages: args.messages,
        warmup: args.warmup,
        rate: args.rate,
        window: args.window,
        rounds: args.rounds,
        threads: args.threads,
        idle,
        cores,
        validate: args.validate,
        dictionary: args.dictionary.clone(),
        work_dir: work_dir.clone(),
    };

    // spinfix first in the table; the baselines run first so the floor is known early (and a
    // Ctrl-C during a baseline stops the run before spinfix starts).
    let mut contenders: Vec<Box<dyn Contender>> = Vec::new();
    if args.baseline.contains(&Baseline::Tcp) {
        contenders.push(Box::new(tcp::TcpContender::new()?));
    }
    if args.baseline.contains(&Baseline::Quickfix) {
        match quickfix::QuickfixContender::locate() {
            Ok(c) => contenders.push(Box::new(c)),
            Err(why) => notices.push(why),
        }
    }
    match spinfix::contender() {
        Ok(c) => contenders.push(c),
        Err(why) => notices.push(why.to_string()),
    }
    for n in &notices {
        eprintln!("note: {n}");
    }

    let mode = if args.throughput {
        "throughput"
    } else {
        "latency"
    };
    let plan = rounds::RoundPlan::new(args.rounds, &settings);
    let mut settings = settings;
    settings.rounds = plan.rounds;
    // Per contender: what its rounds measured so far, and whether one of them failed (its
    // later rounds are skipped and nothing of it is reported).
    let mut tallies: Vec<Option<rounds::Tally>> = contenders.iter().map(|_| None).collect();
    let mut dropped = vec![false; contenders.len()];
    let mut failed = false;
    'rounds: for round in 0..plan.rounds {
        let round_settings = plan.round(round, &settings);
        for (i, c) in contenders.iter_mut().enumerate() {
            if interrupt::requested() {
                break 'rounds;
            }
            if dropped[i] {
                continue;
            }
            let name = c.name();
            eprintln!(
                "running {name} {mode} (round {} of {})...",
                round + 1,
                plan.rounds
            );
            let probe = Probe::new(
                format!("{name} {mode}"),
                round_settings.messages,
                &interrupt::INTERRUPTED,
            );
            let outcome = if args.throughput {
                c.run_throughput(&round_settings, probe)
                    .map(rounds::Tally::Throughput)
            } else {
                c.run_latency(&round_settings, probe)
                    .map(rounds::Tally::Latency)
            };
            match outcome.and_then(|r| rounds::Tally::add(name, tallies[i].take(), r)) {
                Ok(t) => tallies[i] = Some(t),
                Err(e) => {
                    failed = true;
                    dropped[i] = true;
                    eprintln!("error: {e}");
                    notices.push(format!("{name} failed: {e}"));
                }
            }
        }
    }
    let results: Vec<Measured> = contenders
        .iter()
        .zip(tallies)
        .filter_map(|(c, t)| t.map(|t| t.into_measured(c.name())))
        .collect();
    let _ = std::fs::remove_dir_all(&work_dir);

    let table = report::table(&results, &settings, &notices);
    if args.json {
        eprint!("\n{table}");
        let mut stdout = std::io::stdout().lock();
        for m in &results {
            let _ = writeln!(stdout, "{}", report::json_line(m, &settings));
        }
    } else {
        print!("\n{table}");
    }
    match report::write_files(&args.out, &results, &settings) {
        Ok(paths) => {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            eprintln!("wrote {}", names.join(", "));
        }
        Err(e) => {
            eprintln!("error: {e}");
            failed = true;
        }
    }
    Ok(if interrupt::requested() {
        eprintln!("interrupted: the figures above cover what was measured before Ctrl-C");
        ExitCode::from(130)
    } else if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
