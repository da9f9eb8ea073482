//! What can go wrong in a bench run, naming the contender and the thing involved.

use std::path::PathBuf;
use thiserror::Error;

/// A bench failure. Each names the contender (`tcp`, `quickfix`, `spinfix`) it happened in.
#[derive(Debug, Error)]
pub enum BenchError {
    /// A socket, pipe or process operation failed.
    #[error("bench {contender}: {what}: {source}")]
    Io {
        /// The contender.
        contender: &'static str,
        /// What was being done.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The other side closed the connection before the run ended.
    #[error("bench {contender}: the acceptor closed the connection after {done} round trips")]
    PeerClosed {
        /// The contender.
        contender: &'static str,
        /// Round trips completed (warm-up included).
        done: u64,
    },
    /// Something the bench waits for did not happen in time.
    #[error("bench {contender}: {what} did not happen within {secs} s")]
    Timeout {
        /// The contender.
        contender: &'static str,
        /// What was awaited.
        what: &'static str,
        /// The deadline.
        secs: u64,
    },
    /// A helper process (the acceptor child or the QuickFIX peer) failed or said something
    /// unexpected.
    #[error("bench {contender}: {program}: {detail}")]
    Peer {
        /// The contender.
        contender: &'static str,
        /// The program.
        program: PathBuf,
        /// What it did.
        detail: String,
    },
    /// A latency file written by a peer holds something that is not a latency.
    #[error("bench {contender}: {path} line {line}: not a latency in ns: {value:?}")]
    BadLatency {
        /// The contender.
        contender: &'static str,
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The text found.
        value: String,
    },
    /// A result file could not be written.
    #[error("bench: cannot write {path}: {source}")]
    Output {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A flag's value cannot be used.
    #[error("bench: --{flag} {value}: {why}")]
    Config {
        /// The flag, without dashes.
        flag: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused.
        why: &'static str,
    },
    /// The histogram could not be created or a value not recorded.
    #[error("bench {contender}: histogram: {detail}")]
    Histogram {
        /// The contender.
        contender: &'static str,
        /// hdrhistogram's message.
        detail: String,
    },
    /// The message images could not be encoded.
    #[error("bench: encoding the {message} image: {source}")]
    Encode {
        /// Which message.
        message: &'static str,
        /// The codec's error.
        #[source]
        source: spinfix_session::codec::EncodeError,
    },
    /// A thread of the bench panicked.
    #[error("bench {contender}: the {thread} thread panicked")]
    ThreadPanicked {
        /// The contender.
        contender: &'static str,
        /// Which thread.
        thread: &'static str,
    },
}

impl BenchError {
    /// Wraps an I/O error with what was being done.
    pub fn io(contender: &'static str, what: impl Into<String>, source: std::io::Error) -> Self {
        BenchError::Io {
            contender,
            what: what.into(),
            source,
        }
    }
}
