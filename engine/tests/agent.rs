//! Agents stepped by hand with a manual clock, and run on a real thread.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix::agent::{available_cores, Agent, AgentInvoker, AgentRunner, Composite, RunnerError};
use spinfix::clock::{ManualClock, SystemClock};
use spinfix::idle::{Backoff, IdleStrategy};
use spinfix_session::time::{MonoTime, Now, UtcTime};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Does one unit of work per cycle while it has budget, and records the times it saw.
#[derive(Debug, Default)]
struct Counter {
    budget: usize,
    cycles: u64,
    started: bool,
    closed: bool,
    seen: Vec<Now>,
    shared: Arc<AtomicU64>,
}

impl Agent for Counter {
    fn name(&self) -> &str {
        "counter"
    }
    fn on_start(&mut self, _now: Now) {
        self.started = true;
    }
    fn do_work(&mut self, now: Now) -> usize {
        self.cycles += 1;
        self.shared.fetch_add(1, Ordering::Relaxed);
        if self.seen.len() < 8 {
            self.seen.push(now);
        }
        if self.budget > 0 {
            self.budget -= 1;
            1
        } else {
            0
        }
    }
    fn on_close(&mut self, _now: Now) {
        self.closed = true;
    }
}

fn start() -> Now {
    Now::new(MonoTime(10), UtcTime::from_unix(1_700_000_000, 0))
}

#[test]
fn invoker_steps_by_hand_and_passes_the_manual_time() {
    let clock = ManualClock::new(start());
    let mut inv = AgentInvoker::new(
        Counter {
            budget: 3,
            ..Counter::default()
        },
        clock.clone(),
    );
    assert_eq!(inv.invoke(), 1);
    assert!(inv.agent().started);
    clock.advance(Duration::from_secs(1));
    assert_eq!(inv.invoke_until_idle(100), 2);
    assert_eq!(inv.agent().cycles, 4);
    assert_eq!(inv.agent().seen[0], start());
    assert_eq!(inv.agent().seen[1], start().advance(Duration::from_secs(1)));
    inv.close();
    assert!(inv.agent().closed);
    assert_eq!(inv.invoke(), 0);
    assert_eq!(inv.into_agent().cycles, 4);
}

#[test]
fn composite_runs_both_at_the_same_now_and_sums_work() {
    let clock = ManualClock::new(start());
    let a = Counter {
        budget: 1,
        ..Counter::default()
    };
    let b = Counter {
        budget: 2,
        ..Counter::default()
    };
    let mut inv = AgentInvoker::new(Composite::new("colocated", a, b), clock);
    assert_eq!(inv.invoke(), 2);
    assert_eq!(inv.invoke(), 1);
    assert_eq!(inv.invoke(), 0);
    assert_eq!(inv.agent().name(), "colocated");
    assert_eq!(inv.agent().first.seen, inv.agent().second.seen);
}

#[test]
fn runner_runs_the_duty_cycle_until_stopped() {
    let shared = Arc::new(AtomicU64::new(0));
    let agent = Counter {
        shared: Arc::clone(&shared),
        ..Counter::default()
    };
    let idle = IdleStrategy::Backoff(Backoff {
        max_spins: 1,
        max_yields: 1,
        min_park: Duration::from_micros(50),
        max_park: Duration::from_millis(1),
    });
    let runner = AgentRunner::spawn(agent, SystemClock::new(), idle, None).unwrap();
    assert_eq!(runner.name(), "counter");
    // Poll with a bounded deadline, sleeping between looks: no spin in the test thread.
    let deadline = Instant::now() + Duration::from_secs(10);
    while shared.load(Ordering::Relaxed) < 5 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let agent = runner.stop().unwrap();
    assert!(agent.started && agent.closed);
    assert!(agent.cycles >= 5);
    assert!(agent.seen.windows(2).all(|w| w[0].mono <= w[1].mono));
}

#[test]
fn runner_pins_to_an_existing_core() {
    let Some(&core) = available_cores().first() else {
        return;
    };
    let runner = AgentRunner::spawn(
        Counter::default(),
        ManualClock::new(start()),
        IdleStrategy::default(),
        Some(core),
    )
    .unwrap();
    let agent = runner.stop().unwrap();
    assert!(agent.closed);
}

#[test]
fn runner_refuses_a_core_that_does_not_exist() {
    let err = AgentRunner::spawn(
        Counter::default(),
        ManualClock::new(start()),
        IdleStrategy::default(),
        Some(100_000),
    )
    .unwrap_err();
    assert!(matches!(err, RunnerError::NoSuchCore { core: 100_000, .. }));
    assert!(err
        .to_string()
        .contains("agent counter: core 100000 does not exist"));
}

#[test]
fn pin_current_thread_checks_the_core() {
    let err = spinfix::agent::pin_current_thread("main", 100_000).unwrap_err();
    assert!(matches!(err, RunnerError::NoSuchCore { .. }));
    let Some(&core) = available_cores().last() else {
        return;
    };
    // On a thread of its own, so the test harness's threads stay unpinned.
    std::thread::spawn(move || spinfix::agent::pin_current_thread("pinned", core))
        .join()
        .unwrap()
        .unwrap();
    // The cores are remembered from before any pinning.
    assert!(available_cores().contains(&core));
}
