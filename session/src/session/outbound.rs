//! The transmit buffer and the one function every outbound message goes through.
//!
//! Messages are encoded straight into the buffer the caller drains with `poll_transmit`, so a
//! send is one encode and no copy beyond closing the writer's header gap. The buffer only grows
//! when a message does not fit (cold), never on the steady-state path.

use super::header::{write_header, HeaderSpec};
use crate::codec::{EncodeError, MessageWriter};
use crate::config::SessionConfig;
use crate::time::TimestampFormatter;
use std::ops::Range;

const INITIAL_TX: usize = 64 * 1024;
const MIN_SPARE: usize = 1024;
const MAX_TX: usize = 64 << 20;

/// Encoded bytes waiting to be written to the connection, as one contiguous stream.
#[derive(Debug)]
pub(crate) struct TxBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl TxBuf {
    pub fn new() -> TxBuf {
        TxBuf {
            buf: vec![0; INITIAL_TX],
            start: 0,
            end: 0,
        }
    }

    pub fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Moves everything of `other` to the end of `self`.
    pub fn append(&mut self, other: &mut TxBuf) {
        let n = other.len();
        if n == 0 {
            return;
        }
        self.reserve(n);
        self.buf[self.end..self.end + n].copy_from_slice(other.pending());
        self.end += n;
        other.clear();
    }

    /// Makes at least `min` bytes free after `end`.
    fn reserve(&mut self, min: usize) {
        if self.buf.len() - self.end >= min {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() - self.end < min {
            let want = (self.end + min).max(self.buf.len() * 2);
            self.buf.resize(want, 0);
        }
    }

    /// Encodes one message at the end of the stream; returns its range in [`TxBuf::pending`]'s
    /// backing buffer (valid until the next mutation), for the store to keep a copy.
    pub fn encode(
        &mut self,
        cfg: &SessionConfig,
        fmt: &mut TimestampFormatter,
        msg_type: &[u8],
        spec: &HeaderSpec<'_>,
        body: &mut dyn FnMut(&mut MessageWriter<'_>),
    ) -> Result<Range<usize>, EncodeError> {
        let mut spare = MIN_SPARE;
        loop {
            self.reserve(spare);
            let end = self.end;
            let region = &mut self.buf[end..];
            let mut w = MessageWriter::new(region, cfg.begin_string.as_bytes(), msg_type);
            write_header(&mut w, cfg, fmt, cfg.timestamp_precision, spec);
            body(&mut w);
            match w.finish() {
                Ok(r) => {
                    let len = r.len();
                    if self.start == end {
                        // Nothing pending before it: the stream starts where the writer put
                        // the message (after the unused part of its header gap), no move.
                        self.start = end + r.start;
                        self.end = end + r.end;
                        return Ok(self.start..self.end);
                    }
                    self.buf.copy_within(end + r.start..end + r.end, end);
                    self.end = end + len;
                    return Ok(end..end + len);
                }
                Err(EncodeError::BufferTooSmall { .. }) if spare < MAX_TX => spare *= 4,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn bytes(&self, r: Range<usize>) -> &[u8] {
        &self.buf[r]
    }
}
