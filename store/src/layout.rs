//! The byte layout of the header file, segment headers and records (see `store/FORMAT.md`).
//!
//! All integers are little-endian. Everything here works on byte slices so the same code reads a
//! writable map, a read-only map and a test's buffer, and so that no read can go out of bounds:
//! every accessor is given a slice whose length was checked by the caller.

/// The header file's magic.
pub const HEADER_MAGIC: [u8; 8] = *b"SPFXJHDR";
/// Every segment file's magic.
pub const SEGMENT_MAGIC: [u8; 8] = *b"SPFXJSEG";
/// The format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// Length of the header file: one page, so that its `msync` is one page.
pub const HEADER_FILE_LEN: usize = 4096;
pub(crate) const H_MAGIC: usize = 0;
pub(crate) const H_VERSION: usize = 8;
pub(crate) const H_CREATED: usize = 16;
pub(crate) const H_CRC: usize = 24;
pub(crate) const H_NEXT_SENDER: usize = 32;
pub(crate) const H_NEXT_TARGET: usize = 40;

/// Length of a segment's own header; records start right after it.
pub const SEGMENT_HEADER_LEN: usize = 64;
pub(crate) const S_MAGIC: usize = 0;
pub(crate) const S_VERSION: usize = 8;
pub(crate) const S_DIRECTION: usize = 12;
pub(crate) const S_NUMBER: usize = 16;
pub(crate) const S_SIZE: usize = 24;
pub(crate) const S_EPOCH: usize = 32;
pub(crate) const S_CREATED: usize = 40;
pub(crate) const S_CRC: usize = 60;

/// `[len u32][crc32c u32][seq u64][time i64]`, then the message, padded to 8.
pub const RECORD_HEADER_LEN: usize = 24;
pub(crate) const R_LEN: usize = 0;
pub(crate) const R_CRC: usize = 4;
pub(crate) const R_SEQ: usize = 8;
pub(crate) const R_TIME: usize = 16;

/// The space a record of `len` message bytes takes, padding included.
pub const fn record_span(len: usize) -> usize {
    (RECORD_HEADER_LEN + len + 7) & !7
}

pub(crate) fn get_u32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

pub(crate) fn get_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

pub(crate) fn get_i64(b: &[u8], at: usize) -> i64 {
    get_u64(b, at) as i64
}

pub(crate) fn get_magic(b: &[u8]) -> [u8; 8] {
    let mut a = [0u8; 8];
    let n = b.len().min(8);
    a[..n].copy_from_slice(&b[..n]);
    a
}

pub(crate) fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

pub(crate) fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// The header file's fixed part, checksummed once at creation.
pub(crate) fn header_crc(h: &[u8]) -> u32 {
    crc32c::crc32c(&h[..H_CRC])
}

/// A fresh header page.
pub(crate) fn new_header(created: i64) -> [u8; HEADER_FILE_LEN] {
    let mut h = [0u8; HEADER_FILE_LEN];
    h[H_MAGIC..H_MAGIC + 8].copy_from_slice(&HEADER_MAGIC);
    put_u32(&mut h, H_VERSION, FORMAT_VERSION);
    put_u64(&mut h, H_CREATED, created as u64);
    let crc = header_crc(&h);
    put_u32(&mut h, H_CRC, crc);
    put_u64(&mut h, H_NEXT_SENDER, 1);
    put_u64(&mut h, H_NEXT_TARGET, 1);
    h
}

/// The fields of a segment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SegmentHeader {
    pub direction: u8,
    pub number: u64,
    pub size: u64,
    pub epoch: i64,
    pub created: i64,
}

impl SegmentHeader {
    pub(crate) fn encode(&self) -> [u8; SEGMENT_HEADER_LEN] {
        let mut h = [0u8; SEGMENT_HEADER_LEN];
        h[S_MAGIC..S_MAGIC + 8].copy_from_slice(&SEGMENT_MAGIC);
        put_u32(&mut h, S_VERSION, FORMAT_VERSION);
        h[S_DIRECTION] = self.direction;
        put_u64(&mut h, S_NUMBER, self.number);
        put_u64(&mut h, S_SIZE, self.size);
        put_u64(&mut h, S_EPOCH, self.epoch as u64);
        put_u64(&mut h, S_CREATED, self.created as u64);
        let crc = crc32c::crc32c(&h[..S_CRC]);
        put_u32(&mut h, S_CRC, crc);
        h
    }
}

/// Why a segment header was refused, before a path is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderFault {
    Truncated {
        len: usize,
        needed: usize,
    },
    Magic {
        offset: usize,
        found: [u8; 8],
    },
    Version {
        offset: usize,
        found: u32,
    },
    Crc {
        offset: usize,
        stored: u32,
        computed: u32,
    },
}

pub(crate) fn decode_segment_header(b: &[u8]) -> Result<SegmentHeader, HeaderFault> {
    if b.len() < SEGMENT_HEADER_LEN {
        // Still say whose file it is if the magic is readable.
        if b.len() < 8 || get_magic(b) != SEGMENT_MAGIC {
            return Err(HeaderFault::Magic {
                offset: S_MAGIC,
                found: get_magic(b),
            });
        }
        return Err(HeaderFault::Truncated {
            len: b.len(),
            needed: SEGMENT_HEADER_LEN,
        });
    }
    if get_magic(b) != SEGMENT_MAGIC {
        return Err(HeaderFault::Magic {
            offset: S_MAGIC,
            found: get_magic(b),
        });
    }
    let version = get_u32(b, S_VERSION);
    if version != FORMAT_VERSION {
        return Err(HeaderFault::Version {
            offset: S_VERSION,
            found: version,
        });
    }
    let stored = get_u32(b, S_CRC);
    let computed = crc32c::crc32c(&b[..S_CRC]);
    if stored != computed {
        return Err(HeaderFault::Crc {
            offset: S_CRC,
            stored,
            computed,
        });
    }
    Ok(SegmentHeader {
        direction: b[S_DIRECTION],
        number: get_u64(b, S_NUMBER),
        size: get_u64(b, S_SIZE),
        epoch: get_i64(b, S_EPOCH),
        created: get_i64(b, S_CREATED),
    })
}

pub(crate) fn decode_header(b: &[u8]) -> Result<(), HeaderFault> {
    if b.len() < 8 || get_magic(b) != HEADER_MAGIC {
        return Err(HeaderFault::Magic {
            offset: H_MAGIC,
            found: get_magic(b),
        });
    }
    if b.len() < HEADER_FILE_LEN {
        return Err(HeaderFault::Truncated {
            len: b.len(),
            needed: HEADER_FILE_LEN,
        });
    }
    let version = get_u32(b, H_VERSION);
    if version != FORMAT_VERSION {
        return Err(HeaderFault::Version {
            offset: H_VERSION,
            found: version,
        });
    }
    let stored = get_u32(b, H_CRC);
    let computed = header_crc(b);
    if stored != computed {
        return Err(HeaderFault::Crc {
            offset: H_CRC,
            stored,
            computed,
        });
    }
    Ok(())
}

/// One record as read from a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawRecord<'a> {
    pub seq: u64,
    pub time: i64,
    pub bytes: &'a [u8],
    /// Bytes to the next record.
    pub span: usize,
}

/// What lies at an offset of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot<'a> {
    /// A complete record with a good checksum.
    Record(RawRecord<'a>),
    /// A zero length: the end of what was written.
    End,
    /// A length that runs past the segment, or a checksum that fails: a torn or damaged write.
    Bad { len: u32, why: &'static str },
}

/// Reads the slot at `at` of `seg` (a whole segment, header included).
pub(crate) fn read_slot(seg: &[u8], at: usize) -> Slot<'_> {
    if at + RECORD_HEADER_LEN > seg.len() {
        return Slot::End;
    }
    let len = get_u32(seg, at + R_LEN);
    if len == 0 {
        return Slot::End;
    }
    let span = record_span(len as usize);
    if span > seg.len() - at {
        return Slot::Bad {
            len,
            why: "length runs past the end of the segment",
        };
    }
    let body_end = at + RECORD_HEADER_LEN + len as usize;
    let stored = get_u32(seg, at + R_CRC);
    if crc32c::crc32c(&seg[at + R_SEQ..body_end]) != stored {
        return Slot::Bad {
            len,
            why: "checksum mismatch",
        };
    }
    Slot::Record(RawRecord {
        seq: get_u64(seg, at + R_SEQ),
        time: get_i64(seg, at + R_TIME),
        bytes: &seg[at + RECORD_HEADER_LEN..body_end],
        span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_padded_to_eight() {
        assert_eq!(record_span(1), 32);
        assert_eq!(record_span(8), 32);
        assert_eq!(record_span(9), 40);
        assert_eq!(record_span(200), 224);
    }

    #[test]
    fn segment_header_round_trips_and_detects_damage() {
        let h = SegmentHeader {
            direction: 1,
            number: 7,
            size: 8192,
            epoch: 42,
            created: 43,
        };
        let mut b = h.encode();
        assert_eq!(decode_segment_header(&b), Ok(h));
        b[17] ^= 1;
        assert!(matches!(
            decode_segment_header(&b),
            Err(HeaderFault::Crc { .. })
        ));
        assert!(matches!(
            decode_segment_header(&b[..10]),
            Err(HeaderFault::Truncated { .. })
        ));
        assert!(matches!(
            decode_segment_header(b"nope"),
            Err(HeaderFault::Magic { .. })
        ));
    }

    #[test]
    fn header_checks() {
        let h = new_header(5);
        assert_eq!(decode_header(&h), Ok(()));
        assert!(matches!(
            decode_header(&h[..100]),
            Err(HeaderFault::Truncated { .. })
        ));
        let mut v = h;
        put_u32(&mut v, H_VERSION, 9);
        assert!(matches!(
            decode_header(&v),
            Err(HeaderFault::Version { found: 9, .. })
        ));
    }

    #[test]
    fn slots() {
        let mut seg = vec![0u8; 256];
        assert_eq!(read_slot(&seg, 64), Slot::End);
        let msg = b"8=FIX.4.4";
        put_u64(&mut seg, 64 + R_SEQ, 3);
        put_u64(&mut seg, 64 + R_TIME, 9);
        seg[64 + 24..64 + 24 + msg.len()].copy_from_slice(msg);
        let crc = crc32c::crc32c(&seg[64 + 8..64 + 24 + msg.len()]);
        put_u32(&mut seg, 64 + R_CRC, crc);
        put_u32(&mut seg, 64, msg.len() as u32);
        match read_slot(&seg, 64) {
            Slot::Record(r) => assert_eq!((r.seq, r.time, r.bytes, r.span), (3, 9, &msg[..], 40)),
            other => panic!("{other:?}"),
        }
        seg[64 + 30] ^= 0xff;
        assert!(matches!(read_slot(&seg, 64), Slot::Bad { .. }));
        put_u32(&mut seg, 64, 10_000);
        assert!(matches!(read_slot(&seg, 64), Slot::Bad { .. }));
    }
}
