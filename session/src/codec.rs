//! The FIX tag=value wire format: framing, zero-copy decoding, in-place encoding, typed values.
//!
//! Nothing here allocates on the message path: the [`Decoder`] keeps a reusable field index, the
//! [`MessageWriter`] fills a caller-owned buffer, and values are parsed from the borrowed bytes.

mod checksum;
mod decode;
mod error;
mod framer;
mod scan;
pub mod tags;
mod value;
mod writer;

pub use checksum::checksum;
pub use decode::{Decoder, Field, Message};
pub use error::{DecodeError, ValueError};
pub use framer::{FrameStatus, Framer, DEFAULT_MAX_BODY_LEN};
pub use value::{Decimal, FieldValue};
pub use writer::{EncodeError, MessageWriter};

/// The field separator.
pub const SOH: u8 = 0x01;
