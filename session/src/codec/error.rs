//! Decode and value errors: which rule broke, at which byte offset, with which tag.

use thiserror::Error;

/// Why a frame is not a well-formed FIX message. A session treats any of these as garbled: the
/// message is ignored and consumes no sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The frame does not start with `8=`.
    #[error("BeginString(8) must be the first field (found tag {found} at offset 0)")]
    BeginStringNotFirst {
        /// The tag found instead (0 if none could be read).
        found: u32,
    },
    /// The second field is not BodyLength(9).
    #[error("BodyLength(9) must be the second field (found tag {found} at offset {offset})")]
    BodyLengthNotSecond {
        /// The tag found instead.
        found: u32,
        /// Its byte offset.
        offset: usize,
    },
    /// The third field is not MsgType(35).
    #[error("MsgType(35) must be the third field (found tag {found} at offset {offset})")]
    MsgTypeNotThird {
        /// The tag found instead.
        found: u32,
        /// Its byte offset.
        offset: usize,
    },
    /// The frame does not end with `10=nnn<SOH>`.
    #[error("CheckSum(10) must be the last field with exactly three digits (at offset {offset})")]
    BadTrailer {
        /// Byte offset where the trailer was expected.
        offset: usize,
    },
    /// BodyLength(9) is not a non-negative integer.
    #[error("BodyLength(9) value {value:?} at offset {offset} is not a length")]
    BadBodyLength {
        /// The value as received.
        value: String,
        /// Its byte offset.
        offset: usize,
    },
    /// BodyLength(9) disagrees with the bytes between it and CheckSum(10).
    #[error("BodyLength(9) says {declared} but the body is {actual} bytes")]
    BodyLengthMismatch {
        /// What the peer declared.
        declared: usize,
        /// What was counted.
        actual: usize,
    },
    /// CheckSum(10) disagrees with the sum of the bytes.
    #[error("CheckSum(10) says {declared:03} but the bytes sum to {computed:03}")]
    ChecksumMismatch {
        /// What the peer declared.
        declared: u8,
        /// What was computed.
        computed: u8,
    },
    /// A tag is not a positive decimal integer.
    #[error("invalid tag at offset {offset}")]
    BadTag {
        /// Byte offset of the tag.
        offset: usize,
    },
    /// A field has no `=` or no terminating SOH.
    #[error("field at offset {offset} (tag {tag}) is not terminated")]
    Unterminated {
        /// The tag of the broken field.
        tag: u32,
        /// Its byte offset.
        offset: usize,
    },
    /// A length-prefixed data field's length runs past the frame.
    #[error(
        "data field {tag} at offset {offset} declares {len} bytes, past the end of the message"
    )]
    BadDataLength {
        /// The data tag.
        tag: u32,
        /// Byte offset of its value.
        offset: usize,
        /// The declared length.
        len: usize,
    },
    /// The frame is longer than the decoder's field index can address (4 GiB).
    #[error("frame of {len} bytes is longer than the decoder accepts")]
    FrameTooLong {
        /// The frame's length.
        len: usize,
    },
}

/// Why a field value does not parse as the type asked for.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValueError {
    /// The field is absent.
    #[error("tag {tag} is missing")]
    Missing {
        /// The tag asked for.
        tag: u32,
    },
    /// The field is present but its value is not of the asked type.
    #[error("tag {tag} has an incorrect data format: {value:?}")]
    Format {
        /// The tag.
        tag: u32,
        /// The value as received (lossy UTF-8).
        value: String,
    },
}

impl ValueError {
    pub(crate) fn format(tag: u32, value: &[u8]) -> ValueError {
        ValueError::Format {
            tag,
            value: String::from_utf8_lossy(value).into_owned(),
        }
    }
}
