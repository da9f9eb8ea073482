//! The header file: one mapped page with the epoch's creation time and both next sequence
//! numbers, updated in place (an aligned 8-byte store, no syscall) as the session moves on.

use crate::error::JournalError;
use crate::files::temp_path;
use crate::layout::{
    decode_header, get_i64, get_u64, new_header, put_u64, HEADER_FILE_LEN, H_CREATED,
    H_NEXT_SENDER, H_NEXT_TARGET,
};
use crate::segment::{fault_to_error, Map};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub(crate) struct Header {
    pub path: PathBuf,
    map: Map,
    /// Holds the flock that keeps a second writer out, for as long as the journal is open.
    _file: File,
}

fn lock(file: &File, path: &Path) -> Result<(), JournalError> {
    // SAFETY: plain FFI call on a descriptor `file` owns and keeps open for the call.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Err(JournalError::Locked {
            path: path.to_path_buf(),
        })
    } else {
        Err(JournalError::io("lock", path, e))
    }
}

impl Header {
    /// Writes a fresh header under a temporary name, locks it, and renames it to `path`.
    pub(crate) fn create(path: &Path, created: i64, sync: bool) -> Result<Header, JournalError> {
        let tmp = temp_path(path);
        let _ = std::fs::remove_file(&tmp);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| JournalError::io("create", &tmp, e))?;
        lock(&file, &tmp)?;
        file.write_all(&new_header(created))
            .map_err(|e| JournalError::io("write", &tmp, e))?;
        if sync {
            file.sync_all()
                .map_err(|e| JournalError::io("fsync", &tmp, e))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| JournalError::io("rename", &tmp, e))?;
        let map = Map::new(&file, path, true, true)?;
        Ok(Header {
            path: path.to_path_buf(),
            map,
            _file: file,
        })
    }

    /// Opens, checks and maps an existing header; a writer also takes the lock.
    pub(crate) fn open(path: &Path, writable: bool) -> Result<Header, JournalError> {
        let file = OpenOptions::new()
            .read(true)
            .write(writable)
            .open(path)
            .map_err(|e| JournalError::io("open", path, e))?;
        if writable {
            lock(&file, path)?;
        }
        let len = file
            .metadata()
            .map_err(|e| JournalError::io("stat", path, e))?
            .len();
        let mut head = vec![
            0u8;
            usize::try_from(len)
                .unwrap_or(usize::MAX)
                .min(HEADER_FILE_LEN)
        ];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut head, 0)
            .map_err(|e| JournalError::io("read", path, e))?;
        decode_header(&head).map_err(|f| fault_to_error(path, 0, f, "SPFXJHDR"))?;
        if len != HEADER_FILE_LEN as u64 {
            return Err(JournalError::Corrupt {
                path: path.to_path_buf(),
                offset: HEADER_FILE_LEN as u64,
                what: format!("header file is {len} bytes, expected {HEADER_FILE_LEN}"),
            });
        }
        let map = Map::new(&file, path, writable, false)?;
        Ok(Header {
            path: path.to_path_buf(),
            map,
            _file: file,
        })
    }

    /// Reads just the creation time of a header file (to match orphaned segments to it).
    pub(crate) fn read_created(path: &Path) -> Result<i64, JournalError> {
        let h = Header::open(path, false)?;
        Ok(h.created())
    }

    pub(crate) fn created(&self) -> i64 {
        get_i64(self.map.bytes(), H_CREATED)
    }

    pub(crate) fn next_sender(&self) -> u64 {
        get_u64(self.map.bytes(), H_NEXT_SENDER)
    }

    pub(crate) fn next_target(&self) -> u64 {
        get_u64(self.map.bytes(), H_NEXT_TARGET)
    }

    /// Stores a next sequence number; `false` if the header is read-only.
    pub(crate) fn set_next_sender(&mut self, v: u64) -> bool {
        self.put(H_NEXT_SENDER, v)
    }

    pub(crate) fn set_next_target(&mut self, v: u64) -> bool {
        self.put(H_NEXT_TARGET, v)
    }

    fn put(&mut self, at: usize, v: u64) -> bool {
        match self.map.bytes_mut() {
            Some(b) => {
                put_u64(b, at, v);
                true
            }
            None => false,
        }
    }

    pub(crate) fn flush(&self) -> Result<(), JournalError> {
        self.map
            .flush_range(0, HEADER_FILE_LEN)
            .map_err(|e| JournalError::io("msync", &self.path, e))
    }
}
