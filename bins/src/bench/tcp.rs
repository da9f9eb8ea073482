//! The `tcp` baseline: a raw TCP ping-pong of the same byte counts as the FIX messages, over
//! non-blocking busy-polled loopback sockets. No parsing, no session, no journal: the floor
//! that no engine on the same machine can beat, and the denominator of `spinfix/tcp`.
//!
//! Both sides count bytes, not messages: the initiator knows a report is complete when another
//! `report.len()` bytes have arrived, the acceptor answers every `order.len()` bytes. Writes
//! that the socket cannot take at once stay pending and are retried on the next poll, so a
//! throughput window larger than the socket buffers cannot deadlock.

use super::contender::{Contender, LatencyRun, RunSettings, ThroughputRun};
use super::driver::{
    drive_latency, drive_throughput, on_pinned_thread, LatencyPlan, RoundTrip, ThroughputPlan,
};
use super::error::BenchError;
use super::idle::{IdleStrategy, Idler};
use super::messages::Images;
use super::pin::pin_current;
use super::process::{spawn_serve, ChildProcess, ServeRole, LISTENING};
use super::progress::Probe;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

const NAME: &str = "tcp";
const READ_CHUNK: usize = 64 * 1024;
const ACCEPT_DEADLINE: Duration = Duration::from_secs(30);

/// The raw TCP floor.
#[derive(Debug)]
pub struct TcpContender {
    images: Images,
}

impl TcpContender {
    /// The baseline with the standard message images.
    pub fn new() -> Result<Self, BenchError> {
        Ok(TcpContender {
            images: Images::new()?,
        })
    }

    fn shape(&self, s: &RunSettings) -> String {
        format!(
            "{}, 1 thread per side ({}), {}, raw bytes",
            if s.threads {
                "2 threads in 1 process"
            } else {
                "2 processes"
            },
            s.cores.describe(),
            s.idle.describe()
        )
    }

    /// Starts the acceptor side (a child process or a thread) and returns its address.
    fn start_acceptor(&self, s: &RunSettings) -> Result<Acceptor, BenchError> {
        if s.threads {
            let listener = TcpListener::bind("127.0.0.1:0")
                .map_err(|e| BenchError::io(NAME, "binding 127.0.0.1:0", e))?;
            let addr = listener
                .local_addr()
                .map_err(|e| BenchError::io(NAME, "reading the listener's address", e))?;
            let core = s.cores.acceptor_core();
            let idle = s.idle;
            let images = self.images.clone();
            let handle = thread::Builder::new()
                .name("bench-tcp-acceptor".into())
                .spawn(move || {
                    pin_current(core);
                    serve(listener, &images, idle)
                })
                .map_err(|e| BenchError::io(NAME, "starting the acceptor thread", e))?;
            Ok(Acceptor::Thread(addr, handle))
        } else {
            let (child, addr) = spawn_serve(NAME, ServeRole::Tcp, s.cores.acceptor_core(), s.idle)?;
            Ok(Acceptor::Process(addr, child))
        }
    }

    /// Runs `work` on a pinned initiator thread against a fresh acceptor.
    fn with_initiator<T: Send>(
        &self,
        s: &RunSettings,
        work: impl FnOnce(&mut TcpInitiator) -> Result<T, BenchError> + Send,
    ) -> Result<T, BenchError> {
        let acceptor = self.start_acceptor(s)?;
        let addr = acceptor.addr();
        let core = s.cores.initiator_core();
        let images = &self.images;
        let result = on_pinned_thread(NAME, "bench-tcp-initiator", core, move || {
            let mut initiator = TcpInitiator::connect(addr, images)?;
            work(&mut initiator)
            // The connection closes here; the acceptor sees EOF and ends.
        });
        acceptor.finish(result.is_ok())?;
        result
    }
}

impl Contender for TcpContender {
    fn name(&self) -> &'static str {
        NAME
    }

    fn run_latency(&mut self, s: &RunSettings, mut probe: Probe) -> Result<LatencyRun, BenchError> {
        let plan = LatencyPlan::of(s);
        let idle = s.idle;
        let (hist, interrupted) =
            self.with_initiator(s, |rt| drive_latency(NAME, rt, plan, idle, &mut probe))?;
        Ok(LatencyRun {
            hist,
            interrupted,
            bytes: (self.images.order.len(), self.images.report.len()),
            shape: self.shape(s),
        })
    }

    fn run_throughput(
        &mut self,
        s: &RunSettings,
        mut probe: Probe,
    ) -> Result<ThroughputRun, BenchError> {
        let plan = ThroughputPlan::of(s);
        let idle = s.idle;
        let (count, elapsed, interrupted) =
            self.with_initiator(s, |rt| drive_throughput(rt, plan, idle, &mut probe))?;
        Ok(ThroughputRun {
            count,
            elapsed,
            interrupted,
            bytes: (self.images.order.len(), self.images.report.len()),
            shape: self.shape(s),
        })
    }
}

/// The acceptor side of one run.
enum Acceptor {
    Thread(SocketAddr, thread::JoinHandle<Result<(), BenchError>>),
    Process(SocketAddr, ChildProcess),
}

impl Acceptor {
    fn addr(&self) -> SocketAddr {
        match self {
            Acceptor::Thread(a, _) | Acceptor::Process(a, _) => *a,
        }
    }

    /// Waits for the acceptor to end (it does when the initiator's connection closes).
    fn finish(self, initiator_ok: bool) -> Result<(), BenchError> {
        match self {
            Acceptor::Thread(_, handle) => {
                let r = handle.join().map_err(|_| BenchError::ThreadPanicked {
                    contender: NAME,
                    thread: "acceptor",
                })?;
                // An initiator failure is the error worth reporting; the acceptor's follows it.
                if initiator_ok {
                    r
                } else {
                    Ok(())
                }
            }
            // Dropping the child reaps it (killing it if it is still there).
            Acceptor::Process(_, child) => {
                drop(child);
                Ok(())
            }
        }
    }
}

/// The initiator's end of the ping-pong.
#[derive(Debug)]
pub struct TcpInitiator {
    stream: TcpStream,
    order: Vec<u8>,
    report_len: usize,
    out: Vec<u8>,
    out_pos: usize,
    partial: usize,
    scratch: Vec<u8>,
    sent: u64,
}

impl TcpInitiator {
    /// Connects to the acceptor with Nagle off and the socket non-blocking.
    pub fn connect(addr: SocketAddr, images: &Images) -> Result<Self, BenchError> {
        let stream = TcpStream::connect_timeout(&addr, ACCEPT_DEADLINE)
            .map_err(|e| BenchError::io(NAME, format!("connecting to {addr}"), e))?;
        prepare(&stream)?;
        Ok(TcpInitiator {
            stream,
            order: images.order.clone(),
            report_len: images.report.len().max(1),
            out: Vec::with_capacity(READ_CHUNK),
            out_pos: 0,
            partial: 0,
            scratch: vec![0; READ_CHUNK],
            sent: 0,
        })
    }

    fn flush(&mut self) -> Result<(), BenchError> {
        while self.out_pos < self.out.len() {
            match self.stream.write(&self.out[self.out_pos..]) {
                Ok(0) => {
                    return Err(BenchError::PeerClosed {
                        contender: NAME,
                        done: self.sent,
                    })
                }
                Ok(n) => self.out_pos += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(BenchError::io(NAME, "sending an order", e)),
            }
        }
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        }
        Ok(())
    }
}

impl RoundTrip for TcpInitiator {
    #[inline]
    fn send_order(&mut self, _n: u64) -> Result<(), BenchError> {
        self.out.extend_from_slice(&self.order);
        self.sent += 1;
        self.flush()
    }

    #[inline]
    fn poll(&mut self) -> Result<u64, BenchError> {
        if self.out_pos < self.out.len() {
            self.flush()?;
        }
        match self.stream.read(&mut self.scratch) {
            Ok(0) => Err(BenchError::PeerClosed {
                contender: NAME,
                done: self.sent,
            }),
            Ok(n) => {
                self.partial += n;
                let complete = self.partial / self.report_len;
                self.partial %= self.report_len;
                Ok(complete as u64)
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {
                Ok(0)
            }
            Err(e) => Err(BenchError::io(NAME, "receiving a report", e)),
        }
    }
}

fn prepare(stream: &TcpStream) -> Result<(), BenchError> {
    stream
        .set_nodelay(true)
        .map_err(|e| BenchError::io(NAME, "setting TCP_NODELAY", e))?;
    stream
        .set_nonblocking(true)
        .map_err(|e| BenchError::io(NAME, "making the socket non-blocking", e))
}

/// The acceptor's loop: accepts one connection, answers every order-sized chunk of bytes with
/// a report, and returns when the initiator closes the connection.
pub fn serve(listener: TcpListener, images: &Images, idle: IdleStrategy) -> Result<(), BenchError> {
    listener
        .set_nonblocking(true)
        .map_err(|e| BenchError::io(NAME, "making the listener non-blocking", e))?;
    let deadline = Instant::now() + ACCEPT_DEADLINE;
    let stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {
                if Instant::now() > deadline {
                    return Err(BenchError::Timeout {
                        contender: NAME,
                        what: "the initiator's connection",
                        secs: ACCEPT_DEADLINE.as_secs(),
                    });
                }
                thread::sleep(Duration::from_millis(1));
            }
            Err(e) => return Err(BenchError::io(NAME, "accepting the initiator", e)),
        }
    };
    prepare(&stream)?;
    let mut stream = stream;
    let order_len = images.order.len().max(1);
    let mut scratch = vec![0u8; READ_CHUNK];
    let mut out: Vec<u8> = Vec::with_capacity(READ_CHUNK);
    let mut out_pos = 0usize;
    let mut partial = 0usize;
    let mut idler = Idler::new(idle);
    loop {
        let mut worked = false;
        match stream.read(&mut scratch) {
            Ok(0) => return Ok(()),
            Ok(n) => {
                worked = true;
                partial += n;
                for _ in 0..partial / order_len {
                    out.extend_from_slice(&images.report);
                }
                partial %= order_len;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {}
            // The initiator going away mid-write is how an interrupted run ends.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ok(()),
            Err(e) => return Err(BenchError::io(NAME, "receiving an order", e)),
        }
        while out_pos < out.len() {
            match stream.write(&out[out_pos..]) {
                Ok(n) => {
                    out_pos += n;
                    worked = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e)
                    if e.kind() == ErrorKind::BrokenPipe
                        || e.kind() == ErrorKind::ConnectionReset =>
                {
                    return Ok(())
                }
                Err(e) => return Err(BenchError::io(NAME, "sending a report", e)),
            }
        }
        if out_pos == out.len() {
            out.clear();
            out_pos = 0;
        }
        if worked {
            idler.reset();
        } else {
            idler.idle();
        }
    }
}

/// The body of `spinfix bench --serve tcp`: binds, announces the address on stdout, serves.
pub fn serve_child(core: Option<usize>, idle: IdleStrategy) -> Result<(), BenchError> {
    pin_current(core);
    let images = Images::new()?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| BenchError::io(NAME, "binding 127.0.0.1:0", e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| BenchError::io(NAME, "reading the listener's address", e))?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{LISTENING}{addr}")
        .and_then(|_| stdout.flush())
        .map_err(|e| BenchError::io(NAME, "announcing the address", e))?;
    serve(listener, &images, idle)
}
