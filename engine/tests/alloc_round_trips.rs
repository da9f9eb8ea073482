//! The whole message path allocates nothing once warm: two engines on this thread (an initiator
//! and an acceptor, each with its mmap'd journal) exchange NewOrderSingle -> ExecutionReport
//! round trips over loopback TCP while a counting allocator watches.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix::{
    AcceptorSpec, AppReject, Application, Ctx, Engine, LocalEngine, SessionSpec, StoreSpec,
    Transport,
};
use spinfix_io::{InitiatorConfig, SessionKey};
use spinfix_session::codec::Message;
use spinfix_session::config::{Role, SessionConfig};
use spinfix_store::JournalConfig;
use std::alloc::{GlobalAlloc, Layout, System};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts allocations made while `COUNTING` is set.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a relaxed
// atomic add, which neither allocates nor touches the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's layout, as GlobalAlloc requires.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: as for `dealloc`; the new size is the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Debug, Default)]
struct Ack;

impl Application for Ack {
    fn on_message(&mut self, ctx: &mut Ctx<'_>, msg: &Message<'_>) -> Result<(), AppReject> {
        let id = msg.get(11).unwrap_or_default();
        let _ = ctx.send(b"8", |w| {
            w.str(37, "OID-1")
                .str(17, "EXE-1")
                .char(150, b'0')
                .char(39, b'0');
            w.bytes(11, id)
                .char(54, b'1')
                .str(55, "AAPL")
                .uint(151, 100);
        });
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Count {
    logged_on: bool,
    reports: u64,
}

impl Application for Count {
    fn on_logon(&mut self, _ctx: &mut Ctx<'_>) {
        self.logged_on = true;
    }
    fn on_message(&mut self, _ctx: &mut Ctx<'_>, _msg: &Message<'_>) -> Result<(), AppReject> {
        self.reports += 1;
        Ok(())
    }
}

fn step(a: &mut LocalEngine<Ack>, i: &mut LocalEngine<Count>) {
    if a.poll() + i.poll() == 0 {
        std::thread::yield_now();
    }
}

#[test]
fn round_trips_allocate_nothing_once_warm() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let acc_cfg = SessionConfig::builder("FIX.4.4", "SELL", "BUY", Role::Acceptor)
        .build()
        .unwrap();
    let mut acceptor = Engine::builder()
        .session(SessionSpec {
            store: StoreSpec::Journal(JournalConfig::new(
                dir.path().join("a"),
                acc_cfg.session_id(),
            )),
            config: acc_cfg,
            transport: Transport::Acceptor(AcceptorSpec::new(addr)),
        })
        .build_local(Ack)
        .unwrap();
    let ini_cfg = SessionConfig::builder("FIX.4.4", "BUY", "SELL", Role::Initiator)
        .build()
        .unwrap();
    let mut initiator = Engine::builder()
        .session(SessionSpec {
            store: StoreSpec::Journal(JournalConfig::new(
                dir.path().join("i"),
                ini_cfg.session_id(),
            )),
            config: ini_cfg,
            transport: Transport::Initiator(InitiatorConfig::new(
                SessionKey::new("FIX.4.4", "BUY", "SELL"),
                vec![addr],
            )),
        })
        .build_local(Count::default())
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !initiator.app().logged_on {
        assert!(Instant::now() < deadline, "no logon");
        step(&mut acceptor, &mut initiator);
    }
    let round_trips = |n: u64, a: &mut LocalEngine<Ack>, i: &mut LocalEngine<Count>| {
        for k in 0..n {
            let want = i.app().reports + 1;
            i.session(0)
                .unwrap()
                .send(b"D", |w| {
                    w.uint(11, k).char(21, b'1').str(55, "AAPL").char(54, b'1');
                    w.uint(38, 100).char(40, b'2').str(44, "187.25");
                })
                .unwrap();
            while i.app().reports < want {
                assert!(Instant::now() < deadline, "stalled at {}", i.app().reports);
                step(a, i);
            }
        }
    };
    // Warm-up: buffers, indexes and journal pages reach their working size.
    round_trips(2_000, &mut acceptor, &mut initiator);
    COUNTING.store(true, Ordering::SeqCst);
    round_trips(10_000, &mut acceptor, &mut initiator);
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = ALLOCATIONS.load(Ordering::SeqCst);
    initiator.stop(Duration::from_secs(1)).unwrap();
    acceptor.stop(Duration::from_secs(1)).unwrap();
    assert_eq!(allocations, 0, "allocations during 10,000 warm round trips");
}
