//! What the engine tells the reactor about acceptors and initiators.
//!
//! The structs are plain data with QuickFIX-compatible defaults; the engine's settings parser
//! (the only reader of QuickFIX key names) fills them.
//! Validation happens when a config is added to the reactor (start-up), never later.

use crate::error::IoError;
use spinfix_session::codec::DEFAULT_MAX_BODY_LEN;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default `ReconnectInterval`.
pub const DEFAULT_RECONNECT_INTERVAL: Duration = Duration::from_secs(30);
/// The default time an accepted connection has to send its Logon.
pub const DEFAULT_LOGON_TIMEOUT: Duration = Duration::from_secs(10);

/// A session as seen from our side: we are `sender_comp_id`, the peer is `target_comp_id`.
///
/// An incoming Logon carries the peer's view, so its SenderCompID(49) is our target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SessionKey {
    /// BeginString(8), e.g. `FIX.4.4`.
    pub begin_string: String,
    /// Our CompID.
    pub sender_comp_id: String,
    /// The peer's CompID.
    pub target_comp_id: String,
}

impl SessionKey {
    /// A key from its three parts.
    pub fn new(begin: &str, sender: &str, target: &str) -> SessionKey {
        SessionKey {
            begin_string: begin.to_owned(),
            sender_comp_id: sender.to_owned(),
            target_comp_id: target.to_owned(),
        }
    }

    /// Whether an incoming Logon with these header values is for this session.
    pub(crate) fn matches_inbound(
        &self,
        begin: &[u8],
        their_sender: &[u8],
        their_target: &[u8],
    ) -> bool {
        self.begin_string.as_bytes() == begin
            && self.target_comp_id.as_bytes() == their_sender
            && self.sender_comp_id.as_bytes() == their_target
    }
}

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}->{}",
            self.begin_string, self.sender_comp_id, self.target_comp_id
        )
    }
}

/// Socket settings applied through socket2 before connect or listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketOptions {
    /// `SocketNodelay`: disable Nagle (default on: FIX is latency-bound, not bandwidth-bound).
    pub nodelay: bool,
    /// `SocketSendBufferSize` (SO_SNDBUF); `None` keeps the OS default.
    pub send_buffer_size: Option<usize>,
    /// `SocketReceiveBufferSize` (SO_RCVBUF); `None` keeps the OS default.
    pub recv_buffer_size: Option<usize>,
    /// `SocketReuseAddress` (SO_REUSEADDR, default on so a restarted acceptor can rebind).
    pub reuse_address: bool,
}

impl Default for SocketOptions {
    fn default() -> Self {
        SocketOptions {
            nodelay: true,
            send_buffer_size: None,
            recv_buffer_size: None,
            reuse_address: true,
        }
    }
}

/// Per-connection buffer bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferLimits {
    /// The largest BodyLength accepted; a larger frame closes the connection.
    pub max_body_len: usize,
    /// The most outbound bytes kept for a peer that is not reading; past it the peer is
    /// disconnected rather than buffered without limit.
    pub max_pending_write: usize,
}

impl Default for BufferLimits {
    fn default() -> Self {
        BufferLimits {
            max_body_len: DEFAULT_MAX_BODY_LEN,
            max_pending_write: 4 << 20,
        }
    }
}

/// TLS for an acceptor: our certificate and key, and optionally the CA that client
/// certificates must chain to (which turns on mutual TLS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsServerSettings {
    /// PEM certificate chain, leaf first.
    pub cert_chain: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub private_key: PathBuf,
    /// PEM CA certificates; when set, clients must present a certificate that chains to one.
    pub client_ca: Option<PathBuf>,
}

/// TLS for an initiator: the CA that the server must chain to, the name it must carry, and
/// optionally our own certificate for mutual TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsClientSettings {
    /// PEM CA certificates trusted to sign the server's certificate.
    pub ca: PathBuf,
    /// The DNS name or IP address the server's certificate must name (every host of the
    /// initiator's list is checked against this one name).
    pub server_name: String,
    /// Our PEM certificate chain, for servers that require client certificates.
    pub cert_chain: Option<PathBuf>,
    /// Our PEM private key (required with `cert_chain`).
    pub private_key: Option<PathBuf>,
}

/// A listening port and the sessions it serves.
#[derive(Debug, Clone)]
pub struct AcceptorConfig {
    /// `SocketAcceptPort` (and address): where to listen.
    pub bind: SocketAddr,
    /// TLS for every connection on this port (a port is either TLS or plain, never both).
    pub tls: Option<TlsServerSettings>,
    /// The sessions this port serves, as seen from our side.
    pub sessions: Vec<SessionKey>,
    /// How long an accepted connection may take to deliver its first Logon.
    pub logon_timeout: Duration,
    /// Socket settings for the listener and the accepted sockets.
    pub socket: SocketOptions,
    /// Buffer bounds for the accepted connections.
    pub limits: BufferLimits,
    /// Answer a refused Logon (unknown CompIDs, session already connected) with a Logout
    /// carrying the reason before closing. Off by default, as in QuickFIX, whose acceptance
    /// suite expects the connection to close without a word; on, the counterparty's operator
    /// reads the reason in their own log (`SendLogoutOnRefusal=Y`).
    pub logout_on_refusal: bool,
}

impl AcceptorConfig {
    /// A plain acceptor on `bind` with default timeouts and options.
    pub fn new(bind: SocketAddr, sessions: Vec<SessionKey>) -> AcceptorConfig {
        AcceptorConfig {
            bind,
            tls: None,
            sessions,
            logon_timeout: DEFAULT_LOGON_TIMEOUT,
            socket: SocketOptions::default(),
            limits: BufferLimits::default(),
            logout_on_refusal: false,
        }
    }
}

/// Which host an initiator's attempt starts from (`HostSelectionPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostSelectionPolicy {
    /// Every attempt starts from the first host: the primary is preferred whenever it is up.
    #[default]
    Priority,
    /// Every attempt starts from the host after the last one tried.
    RoundRobin,
}

/// One outbound session: where to connect and how to retry.
#[derive(Debug, Clone)]
pub struct InitiatorConfig {
    /// The session, as seen from our side.
    pub session: SessionKey,
    /// `SocketConnectHost`/`SocketConnectPort`, then `SocketConnectHost1..N`/`...Port1..N`.
    pub hosts: Vec<SocketAddr>,
    /// Where each attempt starts in `hosts`.
    pub policy: HostSelectionPolicy,
    /// `ReconnectInterval`: the wait after a failed round or a lost connection (1–3600 s).
    pub reconnect_interval: Duration,
    /// How long one connect (TCP and TLS handshake) may take.
    pub connect_timeout: Duration,
    /// `SocketConnectSourceHost`/`SocketConnectSourcePort`: the local address to bind.
    pub source: Option<SocketAddr>,
    /// TLS, if the counterparty expects it.
    pub tls: Option<TlsClientSettings>,
    /// Socket settings.
    pub socket: SocketOptions,
    /// Buffer bounds.
    pub limits: BufferLimits,
}

impl InitiatorConfig {
    /// A plain initiator to `hosts` with default timeouts and options.
    pub fn new(session: SessionKey, hosts: Vec<SocketAddr>) -> InitiatorConfig {
        InitiatorConfig {
            session,
            hosts,
            policy: HostSelectionPolicy::Priority,
            reconnect_interval: DEFAULT_RECONNECT_INTERVAL,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            source: None,
            tls: None,
            socket: SocketOptions::default(),
            limits: BufferLimits::default(),
        }
    }

    /// Checks the values a reactor relies on.
    pub fn validate(&self) -> Result<(), IoError> {
        let secs = self.reconnect_interval.as_secs_f64();
        if !(1.0..=3600.0).contains(&secs) {
            return Err(IoError::config(format!(
                "session {}: ReconnectInterval={}s is outside 1-3600 s",
                self.session, secs
            )));
        }
        if self.hosts.is_empty() {
            return Err(IoError::config(format!(
                "session {}: no SocketConnectHost configured",
                self.session
            )));
        }
        if self.connect_timeout.is_zero() {
            return Err(IoError::config(format!(
                "session {}: connect timeout must be positive",
                self.session
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_interval_outside_range_is_a_config_error() {
        for bad in [0, 3601] {
            let mut cfg = InitiatorConfig::new(
                SessionKey::new("FIX.4.4", "A", "B"),
                vec!["127.0.0.1:5001".parse().unwrap()],
            );
            cfg.reconnect_interval = Duration::from_secs(bad);
            let err = cfg.validate().unwrap_err();
            assert_eq!(err.code(), "CONFIG_ERROR");
            assert!(err.to_string().contains("ReconnectInterval"), "{err}");
            assert!(err.to_string().contains("FIX.4.4:A->B"), "{err}");
        }
    }
}
