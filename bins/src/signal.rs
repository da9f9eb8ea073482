//! SIGINT and SIGTERM as a flag the main thread polls, so the engine stops gracefully.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_signal: libc::c_int) {
    // An atomic store is async-signal-safe; nothing else happens in the handler.
    STOP.store(true, Ordering::Release);
}

/// Installs the handler for SIGINT and SIGTERM; false if the OS refused.
pub fn install() -> bool {
    let mut ok = true;
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `on_signal` is an `extern "C"` function that only performs an atomic store,
        // which is async-signal-safe; `action` is fully initialised (zeroed, then the handler
        // set) and outlives the call; passing null for the old action is allowed.
        ok &= unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut()) == 0
        };
    }
    ok
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    STOP.load(Ordering::Acquire)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigterm_sets_the_flag() {
        assert!(install());
        // SAFETY: raising a signal whose handler was just installed only runs that handler.
        let rc = unsafe { libc::raise(libc::SIGTERM) };
        assert_eq!(rc, 0);
        assert!(requested());
    }
}
