//! A connection's read buffer and its bounded queue of unwritten bytes.
//!
//! Both keep their allocation for the connection's life: the read buffer compacts (moves the
//! partial frame at its tail to the front) instead of reallocating, and grows only when a
//! single frame is larger than it, up to the framer's ceiling. The write queue only holds bytes
//! the socket refused, so a healthy connection never touches it.

/// The bytes read from a socket and not yet framed.
#[derive(Debug)]
pub(crate) struct ReadBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max: usize,
}

/// The read buffer's initial size: several typical frames per read.
const INITIAL_READ_BUF: usize = 64 * 1024;

impl ReadBuf {
    /// A buffer that can grow to `max` bytes (one largest legal frame).
    pub(crate) fn new(max: usize) -> ReadBuf {
        ReadBuf {
            buf: vec![0; INITIAL_READ_BUF.min(max)],
            start: 0,
            end: 0,
            max,
        }
    }

    /// The unframed bytes.
    pub(crate) fn data(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Drops `n` bytes from the front (a delivered frame or skipped garbage).
    pub(crate) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Free space at the tail, compacting or growing first if there is none; empty only when
    /// the buffer holds `max` unframed bytes (which the framer reports as over-size first).
    pub(crate) fn spare(&mut self) -> &mut [u8] {
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buf.len() < self.max {
                let grown = (self.buf.len() * 2).clamp(1, self.max);
                self.buf.resize(grown, 0);
            }
        }
        &mut self.buf[self.end..]
    }

    /// Marks `n` bytes of [`ReadBuf::spare`] as filled.
    pub(crate) fn filled(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }
}

/// Outbound bytes the socket could not take yet, bounded.
#[derive(Debug)]
pub(crate) struct WriteQueue {
    buf: Vec<u8>,
    head: usize,
    max: usize,
}

impl WriteQueue {
    /// A queue that refuses to hold more than `max` bytes.
    pub(crate) fn new(max: usize) -> WriteQueue {
        WriteQueue {
            buf: Vec::new(),
            head: 0,
            max,
        }
    }

    /// Whether nothing is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.head == self.buf.len()
    }

    /// Bytes waiting.
    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.head
    }

    /// The bound.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// Appends `bytes`; `false` (and nothing appended) if that would pass the bound.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> bool {
        if self.len() + bytes.len() > self.max {
            return false;
        }
        if self.head > 0 && self.buf.len() + bytes.len() > self.buf.capacity() {
            self.buf.drain(..self.head);
            self.head = 0;
        }
        self.buf.extend_from_slice(bytes);
        true
    }

    /// The bytes to write next.
    pub(crate) fn pending(&self) -> &[u8] {
        &self.buf[self.head..]
    }

    /// Marks `n` bytes as written.
    pub(crate) fn advance(&mut self, n: usize) {
        self.head = (self.head + n).min(self.buf.len());
        if self.head == self.buf.len() {
            self.buf.clear();
            self.head = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_buf_compacts_then_grows_to_max() {
        let mut b = ReadBuf::new(8);
        let n = b.spare().len();
        assert_eq!(n, 8);
        b.spare()[..8].copy_from_slice(b"abcdefgh");
        b.filled(8);
        b.consume(5);
        assert_eq!(b.data(), b"fgh");
        assert_eq!(b.spare().len(), 5, "compacted");
        assert_eq!(b.data(), b"fgh");
        b.filled(5);
        assert!(b.spare().is_empty(), "full at max");
        b.consume(8);
        assert_eq!(b.data(), b"");
        assert_eq!(b.spare().len(), 8);

        let mut g = ReadBuf::new(INITIAL_READ_BUF * 3);
        let n = g.spare().len();
        g.filled(n);
        assert_eq!(g.spare().len(), INITIAL_READ_BUF, "doubled");
        let n = g.spare().len();
        g.filled(n);
        assert_eq!(g.spare().len(), INITIAL_READ_BUF, "clamped to max");
    }

    #[test]
    fn write_queue_is_bounded_and_drains() {
        let mut q = WriteQueue::new(10);
        assert!(q.is_empty());
        assert!(q.push(b"hello"));
        assert!(q.push(b"world"));
        assert!(!q.push(b"!"), "bound");
        assert_eq!(q.len(), 10);
        q.advance(3);
        assert_eq!(q.pending(), b"loworld");
        assert!(q.push(b"abc"));
        assert_eq!(q.pending(), b"loworldabc");
        q.advance(10);
        assert!(q.is_empty());
        assert_eq!(q.max(), 10);
    }
}
