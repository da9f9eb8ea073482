//! The split shape: an I/O thread and session threads joined by SPSC rings.
//!
//! The I/O agent owns the reactor. Each frame it reads is copied once, into the inbound ring of
//! the session thread that owns the session, with the session's slot and the receive time in the
//! record header; connection changes travel the same ring, so a session sees its connection
//! come up, its frames, and its loss in order. The session agent decodes each frame in place in
//! the ring, and writes its output into the outbound ring, which the I/O agent drains into the
//! sockets. Each side publishes once per duty cycle.
//!
//! Neither side ever waits for the other, with one exception kept bounded: an I/O thread whose
//! inbound ring is full (its session thread has fallen a whole ring behind) yields until there
//! is room, for at most [`INBOUND_FULL_WAIT`]; past it the frame is dropped with an error event,
//! and the session recovers it by ResendRequest like any gap.

use crate::agent::Agent;
use crate::app::Application;
use crate::colocated::slot_map;
use crate::core::{EventOut, Outlet, SessionCore, StopPhase};
use crate::event::EngineEvent;
use crate::ring::{Consumer, Producer, RecordHeader};
use crossbeam_channel::{Receiver, Sender};
use spinfix_io::{ConnectionEvent, Handler, IoError, Reactor, SessionId};
use spinfix_session::time::{MonoTime, Now};
use std::time::{Duration, Instant};

/// Inbound record kinds (I/O → session thread); `conn` is the session's slot.
const IN_FRAME: u32 = 1;
const IN_CONNECTED: u32 = 2;
const IN_DISCONNECTED: u32 = 3;
/// Outbound record kinds (session thread → I/O); `conn` is the reactor's session index.
const OUT_SEND: u32 = 1;
const OUT_DISCONNECT: u32 = 2;
/// `time` is 1 to hold an initiator's attempts, 0 to release them.
const OUT_HOLD: u32 = 3;

/// How long an I/O thread waits for room in a full inbound ring before dropping a frame.
pub(crate) const INBOUND_FULL_WAIT: Duration = Duration::from_secs(1);

/// The I/O side of one session thread's pair of rings.
pub(crate) struct IoLink {
    pub(crate) inbound: Producer,
    pub(crate) outbound: Consumer,
}

/// Requests from the engine to an I/O thread.
#[derive(Debug)]
pub(crate) enum IoCommand {
    /// Close every socket (the sessions have logged out) and acknowledge.
    Stop { ack: Sender<()> },
}

/// The I/O thread: sockets in, rings out; rings in, sockets out.
pub struct IoAgent {
    name: String,
    reactor: Reactor,
    links: Vec<IoLink>,
    /// Reactor session index → (session thread, slot).
    route: Vec<Option<(usize, usize)>>,
    control: Receiver<IoCommand>,
    out: EventOut,
    stop_ack: Option<Sender<()>>,
}

impl std::fmt::Debug for IoAgent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IoAgent")
            .field("name", &self.name)
            .field("session_threads", &self.links.len())
            .finish_non_exhaustive()
    }
}

impl IoAgent {
    pub(crate) fn new(
        name: String,
        reactor: Reactor,
        links: Vec<IoLink>,
        route: Vec<Option<(usize, usize)>>,
        control: Receiver<IoCommand>,
        out: EventOut,
    ) -> Self {
        IoAgent {
            name,
            reactor,
            links,
            route,
            control,
            out,
            stop_ack: None,
        }
    }

    /// Writes what the session threads produced to the sockets.
    fn drain_outbound(&mut self, now: Now) -> usize {
        let mut work = 0;
        for link in &mut self.links {
            let Some(mut batch) = link.outbound.read() else {
                continue;
            };
            while let Some(rec) = batch.next() {
                work += 1;
                let io = SessionId::from_index(rec.header.conn as usize);
                match rec.header.kind {
                    OUT_SEND => {
                        // A send to a closed connection fails; the session resends what
                        // matters after the next logon.
                        let _ = self.reactor.send(io, rec.payload);
                    }
                    OUT_DISCONNECT => {
                        let _ = self.reactor.disconnect(io, now.mono);
                    }
                    OUT_HOLD => {
                        let _ = self.reactor.hold(io, rec.header.time != 0);
                    }
                    _ => {}
                }
            }
        }
        work
    }
}

/// Pushes a record into a session thread's inbound ring, waiting (bounded) for room.
fn push_inbound(link: &mut IoLink, header: RecordHeader, payload: &[u8], out: &EventOut) {
    if link.inbound.push(header, payload) {
        return;
    }
    link.inbound.publish();
    let start = Instant::now();
    while start.elapsed() < INBOUND_FULL_WAIT {
        std::thread::yield_now();
        if link.inbound.push(header, payload) {
            return;
        }
    }
    out.emit(EngineEvent::Connection(ConnectionEvent::Error {
        remote: None,
        session: None,
        error: IoError::Poll {
            detail: format!(
                "inbound ring full for {INBOUND_FULL_WAIT:?}: a {}-byte record was dropped",
                payload.len()
            ),
        },
    }));
}

struct IoDispatch<'a> {
    links: &'a mut [IoLink],
    route: &'a [Option<(usize, usize)>],
    out: &'a EventOut,
}

impl IoDispatch<'_> {
    fn forward(&mut self, io: SessionId, kind: u32, time: MonoTime, payload: &[u8]) {
        if let Some(Some((thread, slot))) = self.route.get(io.index()) {
            if let Some(link) = self.links.get_mut(*thread) {
                let header = RecordHeader::new(kind, *slot as u64, time.0);
                push_inbound(link, header, payload, self.out);
            }
        }
    }
}

impl Handler for IoDispatch<'_> {
    #[inline]
    fn on_frame(&mut self, session: SessionId, frame: &[u8], received: MonoTime) {
        self.forward(session, IN_FRAME, received, frame);
    }

    fn on_event(&mut self, event: ConnectionEvent) {
        match &event {
            ConnectionEvent::Established { session, .. } => {
                self.forward(*session, IN_CONNECTED, MonoTime(0), &[]);
            }
            ConnectionEvent::Lost { session, .. } => {
                self.forward(*session, IN_DISCONNECTED, MonoTime(0), &[]);
            }
            _ => {}
        }
        self.out.emit(EngineEvent::Connection(event));
    }
}

impl Agent for IoAgent {
    fn name(&self) -> &str {
        &self.name
    }

    fn do_work(&mut self, now: Now) -> usize {
        let mut work = self.drain_outbound(now);
        if let Ok(IoCommand::Stop { ack }) = self.control.try_recv() {
            self.reactor.stop();
            self.stop_ack = Some(ack);
            work += 1;
        }
        let mut dispatch = IoDispatch {
            links: &mut self.links,
            route: &self.route,
            out: &self.out,
        };
        work += match self
            .reactor
            .poll(now.mono, Some(Duration::ZERO), &mut dispatch)
        {
            Ok(n) => n,
            Err(e) => {
                self.out
                    .emit(EngineEvent::Connection(ConnectionEvent::Error {
                        remote: None,
                        session: None,
                        error: e,
                    }));
                1
            }
        };
        for link in &mut self.links {
            link.inbound.publish();
        }
        if self.reactor.is_stopped() {
            if let Some(ack) = self.stop_ack.take() {
                // The Stopped events came out of the poll above.
                let _ = ack.try_send(());
            }
        }
        work
    }
}

/// A session thread's end of its rings, as the core's [`Outlet`].
pub(crate) struct RingOutlet {
    pub(crate) outbound: Producer,
}

impl Outlet for RingOutlet {
    #[inline]
    fn send(&mut self, io: SessionId, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.outbound.max_payload_len());
        let header = RecordHeader::new(OUT_SEND, io.index() as u64, 0);
        if self.outbound.push(header, &bytes[..n]) {
            n
        } else {
            0 // full: offered again next cycle
        }
    }

    fn disconnect(&mut self, io: SessionId, now: MonoTime) {
        let header = RecordHeader::new(OUT_DISCONNECT, io.index() as u64, now.0);
        // A full ring delays the disconnect to the session's next event at worst; the
        // session has already forgotten the connection.
        let _ = self.outbound.push(header, &[]);
    }

    fn hold(&mut self, io: SessionId, held: bool) {
        let header = RecordHeader::new(OUT_HOLD, io.index() as u64, u64::from(held));
        let _ = self.outbound.push(header, &[]);
    }
}

/// A session thread of the split shape.
pub struct SessionAgent<A: Application> {
    name: String,
    core: SessionCore<A>,
    inbound: Consumer,
    outlet: RingOutlet,
    done: bool,
}

impl<A: Application> std::fmt::Debug for SessionAgent<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionAgent")
            .field("name", &self.name)
            .field("sessions", &self.core.slots.len())
            .finish_non_exhaustive()
    }
}

impl<A: Application> SessionAgent<A> {
    pub(crate) fn new(
        name: String,
        core: SessionCore<A>,
        inbound: Consumer,
        outbound: Producer,
    ) -> Self {
        SessionAgent {
            name,
            core,
            inbound,
            outlet: RingOutlet { outbound },
            done: false,
        }
    }

    /// The application, handed back when the engine stops.
    pub(crate) fn into_app(self) -> A {
        self.core.app
    }
}

impl<A: Application> Agent for SessionAgent<A> {
    fn name(&self) -> &str {
        &self.name
    }

    fn do_work(&mut self, now: Now) -> usize {
        if self.done {
            return 0;
        }
        let mut work = 0;
        if let Some(mut batch) = self.inbound.read() {
            while let Some(rec) = batch.next() {
                work += 1;
                let slot = rec.header.conn as usize;
                match rec.header.kind {
                    IN_FRAME => self.core.frame(slot, now, rec.payload),
                    IN_CONNECTED => self.core.connected(slot, now),
                    IN_DISCONNECTED => self.core.disconnected(slot, now),
                    _ => {}
                }
            }
        }
        work += self.core.duty(now, &mut self.outlet);
        self.outlet.outbound.publish();
        if work == 0 {
            work += self.core.idle_upkeep(now);
        }
        if self.core.stop_phase(now) == StopPhase::SessionsDone {
            self.core.finish_stop();
            self.done = true;
            work += 1;
        }
        work
    }

    fn on_close(&mut self, _now: Now) {
        self.core.close();
    }
}

/// The slot map of a session thread, for building the I/O thread's route table.
pub(crate) fn routes(threads: &[Vec<SessionId>]) -> Vec<Option<(usize, usize)>> {
    let mut route = Vec::new();
    for (t, ios) in threads.iter().enumerate() {
        for (slot_io, &slot) in slot_map(ios.iter().copied()).iter().enumerate() {
            if slot == usize::MAX {
                continue;
            }
            if slot_io >= route.len() {
                route.resize(slot_io + 1, None);
            }
            route[slot_io] = Some((t, slot));
        }
    }
    route
}
