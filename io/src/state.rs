//! The connection lifecycle: `stopped → pending → connected → disconnected → pending …`.
//!
//! The legal transitions are the only methods of four token types, and a token of one state can
//! only be obtained by consuming a token of a state that may precede it. Code holding a
//! [`Connected`] token can lose it but cannot make it pending; an illegal transition is
//! therefore a type error rather than a runtime check. The reactor stores the token next to the
//! data that state owns (the connecting socket, the retry deadline), so data and state cannot
//! disagree either.
//!
//! | from         | to           | method                   | who       | event         |
//! |--------------|--------------|--------------------------|-----------|---------------|
//! | stopped      | pending      | `Stopped::connect`     | initiator | `Connecting`  |
//! | stopped      | connected    | `Stopped::accept`      | acceptor  | `Established` |
//! | pending      | connected    | `Pending::establish`   | initiator | `Established` |
//! | pending      | disconnected | `Pending::fail`        | initiator | `Failed`      |
//! | connected    | disconnected | `Connected::lose`      | both      | `Lost`        |
//! | disconnected | pending      | `Disconnected::retry`  | initiator | `Connecting`  |

/// Where a connection is in its lifecycle, as reported to the outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnState {
    /// Not started (initiator) or not yet routed to a session (acceptor).
    Stopped,
    /// An outbound connection (TCP connect and, with TLS, the handshake) is under way.
    Pending,
    /// Open and bound to its session.
    Connected,
    /// Closed; an initiator retries after its reconnect interval.
    Disconnected,
}

/// Token of the stopped state: the only state that can be created from nothing.
#[derive(Debug)]
pub struct Stopped(());
/// Token of the pending state.
#[derive(Debug)]
pub struct Pending(());
/// Token of the connected state.
#[derive(Debug)]
pub struct Connected(());
/// Token of the disconnected state.
#[derive(Debug)]
pub struct Disconnected(());

impl Stopped {
    /// Every connection starts here.
    pub(crate) fn new() -> Stopped {
        Stopped(())
    }

    /// An initiator starts its first attempt.
    pub(crate) fn connect(self) -> Pending {
        Pending(())
    }

    /// An accepted socket sent a Logon that routed to a session.
    pub(crate) fn accept(self) -> Connected {
        Connected(())
    }
}

impl Pending {
    /// The TCP connect (and the TLS handshake, if any) succeeded.
    pub(crate) fn establish(self) -> Connected {
        Connected(())
    }

    /// The attempt was refused, timed out or failed its handshake.
    pub(crate) fn fail(self) -> Disconnected {
        Disconnected(())
    }
}

impl Connected {
    /// The connection ended, for whatever reason (peer, error or local close).
    pub(crate) fn lose(self) -> Disconnected {
        Disconnected(())
    }
}

impl Disconnected {
    /// An initiator tries again.
    pub(crate) fn retry(self) -> Pending {
        Pending(())
    }
}

/// The state a token stands for.
pub(crate) trait State {
    const STATE: ConnState;
}

impl State for Stopped {
    const STATE: ConnState = ConnState::Stopped;
}
impl State for Pending {
    const STATE: ConnState = ConnState::Pending;
}
impl State for Connected {
    const STATE: ConnState = ConnState::Connected;
}
impl State for Disconnected {
    const STATE: ConnState = ConnState::Disconnected;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_of<S: State>(_: &S) -> ConnState {
        S::STATE
    }

    #[test]
    fn initiator_cycle_and_acceptor_path() {
        let p = Stopped::new().connect();
        assert_eq!(state_of(&p), ConnState::Pending);
        let d = p.fail();
        assert_eq!(state_of(&d), ConnState::Disconnected);
        let c = d.retry().establish();
        assert_eq!(state_of(&c), ConnState::Connected);
        let d = c.lose();
        assert_eq!(state_of(&d.retry()), ConnState::Pending);
        let a = Stopped::new().accept();
        assert_eq!(state_of(&a), ConnState::Connected);
        assert_eq!(state_of(&a.lose()), ConnState::Disconnected);
    }
}
