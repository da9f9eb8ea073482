//! Threads as agents: a bounded step of work per duty cycle, an idle strategy between cycles.
//!
//! An [`Agent`] never blocks and never loops forever inside `do_work`; the loop belongs to the
//! [`AgentRunner`] (on a pinned thread, for production) or to the [`AgentInvoker`] (by hand, for
//! tests), so the same agent runs in both without change.

use crate::clock::{Clock, ManualClock};
use crate::idle::{IdleStrategy, Idler};
use spinfix_session::time::Now;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

/// One thread's work, done in small steps.
pub trait Agent: Send {
    /// Names the thread and appears in errors.
    fn name(&self) -> &str;

    /// Called once on the agent's thread before the first duty cycle.
    fn on_start(&mut self, _now: Now) {}

    /// One duty cycle: do a bounded amount of work at `now` and return how much (0 = idle), which
    /// tells the idle strategy whether to back off.
    fn do_work(&mut self, now: Now) -> usize;

    /// Called once on the agent's thread after the last duty cycle.
    fn on_close(&mut self, _now: Now) {}
}

/// Two agents on one thread (colocated mode: I/O and sessions without a ring between them).
#[derive(Debug)]
pub struct Composite<A, B> {
    name: String,
    /// Runs first in each cycle.
    pub first: A,
    /// Runs second, at the same `now`.
    pub second: B,
}

impl<A: Agent, B: Agent> Composite<A, B> {
    /// Both agents under one name.
    pub fn new(name: impl Into<String>, first: A, second: B) -> Self {
        Composite {
            name: name.into(),
            first,
            second,
        }
    }
}

impl<A: Agent, B: Agent> Agent for Composite<A, B> {
    fn name(&self) -> &str {
        &self.name
    }
    fn on_start(&mut self, now: Now) {
        self.first.on_start(now);
        self.second.on_start(now);
    }
    fn do_work(&mut self, now: Now) -> usize {
        self.first.do_work(now) + self.second.do_work(now)
    }
    fn on_close(&mut self, now: Now) {
        self.first.on_close(now);
        self.second.on_close(now);
    }
}

/// Why a runner could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The core is not among the cores this process may run on.
    #[error("agent {agent}: core {core} does not exist (available: {available:?})")]
    NoSuchCore {
        /// The agent's name.
        agent: String,
        /// The core asked for.
        core: usize,
        /// The cores there are.
        available: Vec<usize>,
    },
    /// The operating system refused to pin the thread.
    #[error("agent {agent}: could not pin the thread to core {core}")]
    PinFailed {
        /// The agent's name.
        agent: String,
        /// The core asked for.
        core: usize,
    },
    /// The thread could not be created.
    #[error("agent {agent}: could not spawn its thread: {source}")]
    Spawn {
        /// The agent's name.
        agent: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The agent panicked.
    #[error("agent {agent}: its thread panicked")]
    Panicked {
        /// The agent's name.
        agent: String,
    },
}

/// The cores this process may pin threads to, by id.
///
/// Read once and remembered: the operating system answers for the calling thread's affinity, so
/// asking again from a thread already pinned would shrink the answer to that one core.
pub fn available_cores() -> Vec<usize> {
    static CORES: OnceLock<Vec<usize>> = OnceLock::new();
    CORES
        .get_or_init(|| {
            core_affinity::get_core_ids()
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.id)
                .collect()
        })
        .clone()
}

/// Pins the calling thread to `core` (for threads the engine does not spawn, such as a process's
/// main thread or a benchmark's); `name` appears in the error.
pub fn pin_current_thread(name: &str, core: usize) -> Result<(), RunnerError> {
    let available = available_cores();
    if !available.contains(&core) {
        return Err(RunnerError::NoSuchCore {
            agent: name.to_owned(),
            core,
            available,
        });
    }
    if core_affinity::set_for_current(core_affinity::CoreId { id: core }) {
        Ok(())
    } else {
        Err(RunnerError::PinFailed {
            agent: name.to_owned(),
            core,
        })
    }
}

/// Runs an agent on its own thread until stopped.
#[derive(Debug)]
pub struct AgentRunner<A> {
    name: String,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<A>,
}

impl<A: Agent + 'static> AgentRunner<A> {
    /// Starts `agent` on a new thread named after it, pinned to `core` if given, reading `clock`
    /// once per duty cycle and idling by `idle`.
    ///
    /// Returns once the thread is pinned (or failed to pin: a core that does not exist is an
    /// error, never a silent run unpinned).
    pub fn spawn<C: Clock + 'static>(
        agent: A,
        mut clock: C,
        idle: IdleStrategy,
        core: Option<usize>,
    ) -> Result<AgentRunner<A>, RunnerError> {
        let name = agent.name().to_owned();
        let pin = match core {
            None => None,
            Some(id) => {
                let available = available_cores();
                if !available.contains(&id) {
                    return Err(RunnerError::NoSuchCore {
                        agent: name,
                        core: id,
                        available,
                    });
                }
                Some(core_affinity::CoreId { id })
            }
        };
        let stop = Arc::new(AtomicBool::new(false));
        let (pinned_tx, pinned_rx) = crossbeam_channel::bounded::<bool>(1);
        let thread_stop = Arc::clone(&stop);
        let mut agent = agent;
        let thread = std::thread::Builder::new()
            .name(name.clone())
            .spawn(move || {
                let ok = pin.map_or(true, core_affinity::set_for_current);
                let _ = pinned_tx.send(ok);
                if ok {
                    duty_loop(&mut agent, &mut clock, idle, &thread_stop);
                }
                agent
            })
            .map_err(|source| RunnerError::Spawn {
                agent: name.clone(),
                source,
            })?;
        let runner = AgentRunner { name, stop, thread };
        match pinned_rx.recv() {
            Ok(true) => Ok(runner),
            _ => {
                let core = core.unwrap_or_default();
                let agent = runner.name.clone();
                let _ = runner.thread.join();
                Err(RunnerError::PinFailed { agent, core })
            }
        }
    }

    /// The agent's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Asks the loop to finish its cycle, run `on_close` and return; wakes it if parked.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Release);
        self.thread.thread().unpark();
    }

    /// Stops the agent and hands it back.
    pub fn stop(self) -> Result<A, RunnerError> {
        self.request_stop();
        self.thread
            .join()
            .map_err(|_| RunnerError::Panicked { agent: self.name })
    }
}

/// The loop the runner's thread executes: one clock read, one `do_work`, one idle per cycle.
fn duty_loop<A: Agent, C: Clock>(
    agent: &mut A,
    clock: &mut C,
    idle: IdleStrategy,
    stop: &AtomicBool,
) {
    let mut idler = Idler::new(idle);
    agent.on_start(clock.now());
    while !stop.load(Ordering::Acquire) {
        let now = clock.now();
        let work = agent.do_work(now);
        idler.idle(work);
    }
    agent.on_close(clock.now());
}

/// Steps an agent by hand with a manual clock: what tests use instead of a thread.
#[derive(Debug)]
pub struct AgentInvoker<A> {
    agent: A,
    clock: ManualClock,
    started: bool,
    closed: bool,
}

impl<A: Agent> AgentInvoker<A> {
    /// An invoker reading `clock` (keep a clone to move time).
    pub fn new(agent: A, clock: ManualClock) -> Self {
        AgentInvoker {
            agent,
            clock,
            started: false,
            closed: false,
        }
    }

    /// One duty cycle at the clock's current time (`on_start` first, the first time); returns the
    /// agent's work count. Does nothing after [`close`](Self::close).
    pub fn invoke(&mut self) -> usize {
        if self.closed {
            return 0;
        }
        let now = self.clock.get();
        if !self.started {
            self.started = true;
            self.agent.on_start(now);
        }
        self.agent.do_work(now)
    }

    /// Invokes until a cycle does no work, at most `max_cycles` times; returns the total work.
    pub fn invoke_until_idle(&mut self, max_cycles: usize) -> usize {
        let mut total = 0;
        for _ in 0..max_cycles {
            let work = self.invoke();
            if work == 0 {
                break;
            }
            total += work;
        }
        total
    }

    /// Runs `on_close` once (if the agent was started).
    pub fn close(&mut self) {
        if self.started && !self.closed {
            self.agent.on_close(self.clock.get());
        }
        self.closed = true;
    }

    /// The clock the invoker reads.
    pub fn clock(&self) -> &ManualClock {
        &self.clock
    }

    /// The agent, to inspect.
    pub fn agent(&self) -> &A {
        &self.agent
    }

    /// The agent, to poke.
    pub fn agent_mut(&mut self) -> &mut A {
        &mut self.agent
    }

    /// Gives the agent back.
    pub fn into_agent(self) -> A {
        self.agent
    }
}
