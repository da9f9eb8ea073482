//! The steady-state path (send → write; readable → read → frame → handler) allocates nothing
//! once warm. Alone in its binary so the global counter sees only this test's thread.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix_io::{
    AcceptorConfig, ConnectionEvent, Handler, InitiatorConfig, Reactor, SessionId, SessionKey,
    TlsClientSettings, TlsServerSettings,
};
use spinfix_session::codec::MessageWriter;
use spinfix_session::time::MonoTime;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: defers to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract, passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Default)]
struct Count {
    frames: [u64; 2],
    up: usize,
}

impl Handler for Count {
    fn on_frame(&mut self, session: SessionId, _frame: &[u8], _received: MonoTime) {
        self.frames[session.index().min(1)] += 1;
    }
    fn on_event(&mut self, event: ConnectionEvent) {
        match event {
            ConnectionEvent::Established { .. } => self.up += 1,
            ConnectionEvent::Connecting { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Allocations over 10,000 warm round trips, plain or TLS.
fn allocations(tls: bool) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    std::fs::write(dir.path().join("c.pem"), ck.cert.pem()).unwrap();
    std::fs::write(dir.path().join("k.pem"), ck.key_pair.serialize_pem()).unwrap();
    let mut r = Reactor::new().unwrap();
    let mut acfg = AcceptorConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        vec![SessionKey::new("FIX.4.4", "SERVER", "CLIENT")],
    );
    acfg.tls = tls.then(|| TlsServerSettings {
        cert_chain: dir.path().join("c.pem"),
        private_key: dir.path().join("k.pem"),
        client_ca: None,
    });
    let h = r.add_acceptor(acfg).unwrap();
    let server = h.sessions[0];
    let mut icfg = InitiatorConfig::new(
        SessionKey::new("FIX.4.4", "CLIENT", "SERVER"),
        vec![h.local_addr],
    );
    icfg.tls = tls.then(|| TlsClientSettings {
        ca: dir.path().join("c.pem"),
        server_name: "localhost".into(),
        cert_chain: None,
        private_key: None,
    });
    let client = r.add_initiator(icfg).unwrap();
    let now = MonoTime(1);
    let mut c = Count::default();
    let step = Some(Duration::from_millis(5));
    let mut guard = 0;
    while c.up < 1 {
        r.poll(now, step, &mut c).unwrap();
        guard += 1;
        assert!(guard < 2000, "initiator never connected");
    }
    let mut buf = [0u8; 256];
    let mut w = MessageWriter::new(&mut buf, b"FIX.4.4", b"A");
    w.str(49, "CLIENT").str(56, "SERVER").uint(34, 1);
    let range = w.finish().unwrap();
    r.send(client, &buf[range]).unwrap();
    while c.up < 2 {
        r.poll(now, step, &mut c).unwrap();
        guard += 1;
        assert!(guard < 4000, "acceptor never routed");
    }
    let order = b"8=FIX.4.4\x019=5\x0135=0\x0110=163\x01";
    let round_trip = |r: &mut Reactor, c: &mut Count| {
        let want = c.frames[0] + 1;
        r.send(client, order).unwrap();
        while c.frames[0] < want {
            r.poll(now, step, c).unwrap();
        }
        let want = c.frames[1] + 1;
        r.send(server, order).unwrap();
        while c.frames[1] < want {
            r.poll(now, step, c).unwrap();
        }
    };
    for _ in 0..1_000 {
        round_trip(&mut r, &mut c);
    }
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..10_000 {
        round_trip(&mut r, &mut c);
    }
    ALLOCS.load(Ordering::Relaxed) - before
}

#[test]
fn round_trips_allocate_nothing_once_warm() {
    assert_eq!(
        allocations(false),
        0,
        "allocations on the plain steady-state path"
    );
    // rustls allocates per record inside its own buffers; recorded, not asserted.
    let tls = allocations(true);
    eprintln!("TLS: {tls} allocations in 10,000 round trips");
}
