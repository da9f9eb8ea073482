//! One socket's bytes: reading into its buffer and framing, writing with a bounded backlog,
//! and the same over TLS.
//!
//! TLS wraps the same non-blocking socket: ciphertext is pulled with `read_tls` until the
//! socket would block, `process_new_packets` decrypts, and plaintext is drained into the same
//! read buffer a plain connection uses, so framing is identical. On the way out plaintext goes
//! into rustls (whose buffer limit is the write bound) and `write_tls` pushes ciphertext while
//! the socket takes it.

use crate::buffer::{ReadBuf, WriteQueue};
use crate::error::IoError;
use mio::net::TcpStream;
use spinfix_session::codec::{FrameStatus, Framer};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};

/// Why a connection is being closed, and what to tell the peer first.
#[derive(Debug)]
pub(crate) struct Close {
    /// Reported in the event.
    pub(crate) error: IoError,
    /// Bytes to send (best effort) before closing: a Logout explaining a refused Logon.
    pub(crate) reply: Option<Vec<u8>>,
    /// The session a refused connection asked for, when it named a configured one.
    pub(crate) session: Option<crate::SessionId>,
}

impl From<IoError> for Close {
    fn from(error: IoError) -> Close {
        Close {
            error,
            reply: None,
            session: None,
        }
    }
}

/// A socket with its buffers, plain or TLS.
#[derive(Debug)]
pub(crate) struct ConnIo {
    pub(crate) stream: TcpStream,
    pub(crate) tls: Option<Box<rustls::Connection>>,
    pub(crate) peer: SocketAddr,
    rbuf: ReadBuf,
    wq: WriteQueue,
    framer: Framer,
}

impl ConnIo {
    pub(crate) fn new(
        stream: TcpStream,
        peer: SocketAddr,
        framer: Framer,
        max_pending_write: usize,
    ) -> ConnIo {
        ConnIo {
            stream,
            tls: None,
            peer,
            rbuf: ReadBuf::new(framer.max_frame_len()),
            wq: WriteQueue::new(max_pending_write),
            framer,
        }
    }

    /// Wraps the socket in TLS (before any byte has been exchanged).
    pub(crate) fn start_tls(&mut self, mut tls: rustls::Connection) {
        tls.set_buffer_limit(Some(self.wq.max()));
        self.tls = Some(Box::new(tls));
    }

    /// Whether the TLS handshake (if any) is still running.
    pub(crate) fn handshaking(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| t.is_handshaking())
    }

    /// The outcome of a non-blocking connect: `None` while it is still in progress.
    pub(crate) fn connect_result(&self) -> Option<io::Result<()>> {
        match self.stream.take_error() {
            Ok(Some(e)) | Err(e) => return Some(Err(e)),
            Ok(None) => {}
        }
        match self.stream.peer_addr() {
            Ok(_) => Some(Ok(())),
            Err(e) if e.kind() == io::ErrorKind::NotConnected => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// Reads everything the socket has and hands each complete frame to `on_frame`, in order.
    ///
    /// Returns the number of frames delivered; `Err` when the connection must close (peer
    /// closed, socket error, over-size frame, TLS failure, or `on_frame` refused a frame).
    pub(crate) fn read(
        &mut self,
        on_frame: &mut dyn FnMut(&[u8]) -> Result<(), Close>,
    ) -> Result<usize, Close> {
        if self.tls.is_some() {
            self.read_tls(on_frame)
        } else {
            self.read_plain(on_frame)
        }
    }

    fn read_plain(
        &mut self,
        on_frame: &mut dyn FnMut(&[u8]) -> Result<(), Close>,
    ) -> Result<usize, Close> {
        let mut frames = 0;
        loop {
            let peer = self.peer;
            let spare = self.rbuf.spare();
            let want = spare.len();
            if want == 0 {
                return Err(buffer_full(peer));
            }
            match self.stream.read(spare) {
                Ok(0) => return Err(IoError::lost(self.peer, "peer closed the connection").into()),
                Ok(n) => {
                    self.rbuf.filled(n);
                    frames += self.deliver(on_frame)?;
                    // A short read drained the socket; with edge-triggered readiness any later
                    // byte raises a new event, so there is no need for a read that would block.
                    if n < want {
                        return Ok(frames);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(frames),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(IoError::lost(self.peer, e.to_string()).into()),
            }
        }
    }

    fn read_tls(
        &mut self,
        on_frame: &mut dyn FnMut(&[u8]) -> Result<(), Close>,
    ) -> Result<usize, Close> {
        let peer = self.peer;
        let mut frames = 0;
        loop {
            let Some(tls) = self.tls.as_mut() else {
                return Ok(frames);
            };
            let (eof, drained) = match tls.read_tls(&mut self.stream) {
                Ok(0) => (true, true),
                Ok(_) => (false, false),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => (false, true),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(IoError::lost(peer, e.to_string()).into()),
            };
            let handshaking = tls.is_handshaking();
            if let Err(e) = tls.process_new_packets() {
                // Tell the peer why (the alert rustls queued), then give up.
                let _ = self.flush();
                return Err(tls_error(peer, handshaking, &e).into());
            }
            while let Some(tls) = self.tls.as_mut() {
                let spare = self.rbuf.spare();
                if spare.is_empty() {
                    return Err(buffer_full(peer));
                }
                match tls.reader().read(spare) {
                    Ok(0) => return Err(IoError::lost(peer, "peer closed the TLS session").into()),
                    Ok(n) => {
                        self.rbuf.filled(n);
                        frames += self.deliver(on_frame)?;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(IoError::lost(peer, e.to_string()).into()),
                }
            }
            if eof {
                let detail = "peer closed the connection";
                return Err(if self.handshaking() {
                    IoError::SslHandshakeFailed {
                        peer,
                        detail: format!("{detail} during the TLS handshake"),
                    }
                } else {
                    IoError::lost(peer, detail)
                }
                .into());
            }
            // The handshake produces records to send back as it goes.
            self.flush()?;
            if drained {
                return Ok(frames);
            }
        }
    }

    /// Hands every complete frame at the front of the buffer to `on_frame`.
    fn deliver(
        &mut self,
        on_frame: &mut dyn FnMut(&[u8]) -> Result<(), Close>,
    ) -> Result<usize, Close> {
        let mut frames = 0;
        loop {
            match self.framer.check(self.rbuf.data()) {
                FrameStatus::Complete(len) => {
                    let result = on_frame(&self.rbuf.data()[..len]);
                    self.rbuf.consume(len);
                    frames += 1;
                    result?;
                }
                FrameStatus::Incomplete => return Ok(frames),
                FrameStatus::Skip(n) => self.rbuf.consume(n),
                FrameStatus::Oversize { body_len } => {
                    return Err(IoError::lost(
                        self.peer,
                        format!(
                            "frame with BodyLength {body_len} exceeds the limit of {} bytes",
                            self.framer.max_body_len()
                        ),
                    )
                    .into())
                }
            }
        }
    }

    /// Writes `bytes` now if the socket takes them, else keeps the rest (bounded).
    ///
    /// `Err` means the peer has not been reading for as long as the bound allows, or the
    /// socket failed: the caller closes the connection.
    pub(crate) fn send(&mut self, bytes: &[u8]) -> Result<(), IoError> {
        if let Some(tls) = self.tls.as_mut() {
            let taken = tls
                .writer()
                .write(bytes)
                .map_err(|e| IoError::lost(self.peer, e.to_string()))?;
            if taken < bytes.len() {
                return Err(self.slow_reader());
            }
            return self.flush();
        }
        let mut off = 0;
        if self.wq.is_empty() {
            while off < bytes.len() {
                match self.stream.write(&bytes[off..]) {
                    Ok(n) => off += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(IoError::lost(self.peer, e.to_string())),
                }
            }
        }
        if off < bytes.len() && !self.wq.push(&bytes[off..]) {
            return Err(self.slow_reader());
        }
        Ok(())
    }

    fn slow_reader(&self) -> IoError {
        IoError::lost(
            self.peer,
            format!(
                "peer is not reading: more than {} bytes of output are pending",
                self.wq.max()
            ),
        )
    }

    /// Writes what was kept back, as far as the socket takes it.
    pub(crate) fn flush(&mut self) -> Result<(), IoError> {
        if let Some(tls) = self.tls.as_mut() {
            while tls.wants_write() {
                match tls.write_tls(&mut self.stream) {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(IoError::lost(self.peer, e.to_string())),
                }
            }
            return Ok(());
        }
        while !self.wq.is_empty() {
            match self.stream.write(self.wq.pending()) {
                Ok(n) => self.wq.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(IoError::lost(self.peer, e.to_string())),
            }
        }
        Ok(())
    }

    /// Ends the connection cleanly: what is queued goes out as far as the socket takes it, TLS
    /// says close_notify, and our side of the stream is shut so the peer reads end-of-file.
    pub(crate) fn shutdown(&mut self) {
        if let Some(tls) = self.tls.as_mut() {
            tls.send_close_notify();
        }
        let _ = self.flush();
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

/// The framer reports an over-size frame before this can happen; kept so a zero-length read
/// can never be mistaken for end-of-file.
fn buffer_full(peer: SocketAddr) -> Close {
    IoError::lost(peer, "read buffer full without a complete frame").into()
}

/// A TLS failure: a handshake failure while handshaking, or when the peer's alert says the
/// handshake was refused after our side considered it done (TLS 1.3 verifies the client's
/// certificate after the client has finished).
fn tls_error(peer: SocketAddr, handshaking: bool, e: &rustls::Error) -> IoError {
    use rustls::AlertDescription as A;
    let refused = matches!(
        e,
        rustls::Error::AlertReceived(
            A::CertificateRequired
                | A::BadCertificate
                | A::UnknownCA
                | A::HandshakeFailure
                | A::CertificateUnknown
                | A::AccessDenied
                | A::DecryptError
        )
    );
    if handshaking || refused {
        IoError::SslHandshakeFailed {
            peer,
            detail: e.to_string(),
        }
    } else {
        IoError::lost(peer, format!("TLS error: {e}"))
    }
}
