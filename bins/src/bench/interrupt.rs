//! Ctrl-C: the first one asks the running measurement to stop and the bench to print what it
//! has; a second one ends the process the usual way.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the SIGINT handler; read by measuring loops through a [`crate::bench::progress::Probe`].
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_signal: libc::c_int) {
    // Only an atomic store: the one thing a signal handler may safely do here.
    INTERRUPTED.store(true, Ordering::Relaxed);
}

/// Installs the SIGINT handler. Returns false if the OS refused (the bench then simply cannot
/// be interrupted gracefully).
pub fn install() -> bool {
    // SAFETY: `sigaction` is given a zero-initialised struct (a valid bit pattern for this
    // plain C struct) whose handler is an `extern "C" fn(c_int)` that only performs an atomic
    // store, which is async-signal-safe. SA_RESETHAND restores the default action after the
    // first delivery, so a second Ctrl-C terminates as usual. The old-action pointer is null,
    // which sigaction accepts.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESETHAND;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut()) == 0
    }
}

/// Whether Ctrl-C was pressed.
pub fn requested() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigint_sets_the_flag_instead_of_ending_the_process() {
        assert!(install());
        // SAFETY: raise has no memory-safety preconditions; the handler installed above turns
        // this SIGINT into a flag store (and resets itself), so the test process survives.
        let rc = unsafe { libc::raise(libc::SIGINT) };
        assert_eq!(rc, 0);
        assert!(requested());
        INTERRUPTED.store(false, Ordering::Relaxed);
    }
}
