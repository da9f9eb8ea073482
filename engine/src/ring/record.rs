//! The record header: what the ring stores in front of every payload.

/// Bytes in a record header: `len u32, kind u32, conn u64, time u64`.
pub const HEADER_LEN: usize = 24;

/// Every record starts on this boundary, so the header's words are aligned.
pub const RECORD_ALIGN: usize = 8;

/// The `kind` the ring writes in front of the filler before a wrap; callers must not use it.
pub const PADDING_KIND: u32 = u32::MAX;

/// The caller's description of a record: what it is, which connection it concerns, and when.
///
/// The ring gives the fields no meaning: the engine uses `kind` to tell a frame from a connection
/// event, `conn` for the connection id and `time` for the receive timestamp in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordHeader {
    /// The caller's tag; anything but [`PADDING_KIND`].
    pub kind: u32,
    /// The connection (or session) the record concerns.
    pub conn: u64,
    /// A timestamp, usually monotonic nanoseconds at receipt.
    pub time: u64,
}

impl RecordHeader {
    /// A header from its three fields.
    pub const fn new(kind: u32, conn: u64, time: u64) -> RecordHeader {
        RecordHeader { kind, conn, time }
    }
}

/// Bytes a record with a `len`-byte payload occupies, header and alignment padding included.
pub(crate) const fn record_len(len: usize) -> usize {
    (HEADER_LEN + len + RECORD_ALIGN - 1) & !(RECORD_ALIGN - 1)
}

/// Writes a header at `at`.
///
/// # Safety
/// `at` must be valid for writes of [`HEADER_LEN`] bytes, aligned to [`RECORD_ALIGN`], and not
/// accessed by the other thread until published.
pub(crate) unsafe fn write_header(at: *mut u8, len: u32, header: RecordHeader) {
    // SAFETY: the caller guarantees `at` is aligned to 8 and valid for HEADER_LEN bytes; every
    // offset below lies within those bytes and is aligned for the type written there.
    unsafe {
        at.cast::<u32>().write(len);
        at.add(4).cast::<u32>().write(header.kind);
        at.add(8).cast::<u64>().write(header.conn);
        at.add(16).cast::<u64>().write(header.time);
    }
}

/// Reads the header at `at` and returns the payload length with it.
///
/// # Safety
/// `at` must be valid for reads of [`HEADER_LEN`] bytes, aligned to [`RECORD_ALIGN`], and the
/// header must have been published to this thread.
pub(crate) unsafe fn read_header(at: *const u8) -> (u32, RecordHeader) {
    // SAFETY: as for `write_header`, with reads; the producer's release store ordered the writes
    // before the consumer's acquire load that made this header visible.
    unsafe {
        let len = at.cast::<u32>().read();
        let kind = at.add(4).cast::<u32>().read();
        let conn = at.add(8).cast::<u64>().read();
        let time = at.add(16).cast::<u64>().read();
        (len, RecordHeader { kind, conn, time })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_len_rounds_up_to_alignment() {
        assert_eq!(record_len(0), 24);
        assert_eq!(record_len(1), 32);
        assert_eq!(record_len(8), 32);
        assert_eq!(record_len(9), 40);
    }
}
