//! One session's settings, typed, with QuickFIX's defaults filled in.
//!
//! Mapping these into the session crate's own configuration happens where the engine builds its
//! sessions; this struct only says what the settings file (or the builder) asked for.

use spinfix_session::time::TimePrecision;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Who the session is: QuickFIX's SessionID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SessionId {
    /// BeginString (8), e.g. `FIX.4.4` or `FIXT.1.1`.
    pub begin_string: String,
    /// SenderCompID (49): us.
    pub sender_comp_id: String,
    /// SenderSubID (50), if the session is keyed on it.
    pub sender_sub_id: Option<String>,
    /// SenderLocationID (142).
    pub sender_location_id: Option<String>,
    /// TargetCompID (56): the peer.
    pub target_comp_id: String,
    /// TargetSubID (57).
    pub target_sub_id: Option<String>,
    /// TargetLocationID (143).
    pub target_location_id: Option<String>,
    /// SessionQualifier: tells apart sessions with otherwise equal ids.
    pub qualifier: Option<String>,
}

impl fmt::Display for SessionId {
    /// `FIX.4.4:ISLD->TW44`, with `/sub/location` after a CompID and `:qualifier` when present.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn side(
            f: &mut fmt::Formatter<'_>,
            comp: &str,
            sub: &Option<String>,
            loc: &Option<String>,
        ) -> fmt::Result {
            f.write_str(comp)?;
            if sub.is_some() || loc.is_some() {
                write!(f, "/{}", sub.as_deref().unwrap_or(""))?;
            }
            if let Some(loc) = loc {
                write!(f, "/{loc}")?;
            }
            Ok(())
        }
        write!(f, "{}:", self.begin_string)?;
        side(
            f,
            &self.sender_comp_id,
            &self.sender_sub_id,
            &self.sender_location_id,
        )?;
        f.write_str("->")?;
        side(
            f,
            &self.target_comp_id,
            &self.target_sub_id,
            &self.target_location_id,
        )?;
        if let Some(q) = &self.qualifier {
            write!(f, ":{q}")?;
        }
        Ok(())
    }
}

/// ConnectionType.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionType {
    /// Listens and waits for the peer's Logon.
    Acceptor,
    /// Connects and sends the Logon.
    Initiator,
}

/// HostSelectionPolicy: how an initiator walks its host list after a failed or lost connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostSelectionPolicy {
    /// QuickFIX's default: the next host each time, wrapping around.
    #[default]
    RoundRobin,
    /// `PRIORITY`: the next host, but back to the first once `start_over` has passed since the
    /// last attempt (HostSelectionPolicyPriorityStartOverInterval).
    Priority {
        /// When to go back to the first host.
        start_over: Duration,
    },
}

/// One `SocketConnectHost<n>`/`SocketConnectPort<n>` pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    /// Name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// The socket keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketSettings {
    /// SocketAcceptHost: the address an acceptor binds (all addresses when absent).
    pub accept_host: Option<String>,
    /// SocketAcceptPort (acceptor, required).
    pub accept_port: Option<u16>,
    /// SocketConnectHost/Port, then SocketConnectHost1/Port1, ... (initiator, at least one).
    pub connect_hosts: Vec<HostPort>,
    /// SocketConnectSourceHost: the local address an initiator binds before connecting.
    pub connect_source_host: Option<String>,
    /// SocketConnectSourcePort.
    pub connect_source_port: Option<u16>,
    /// HostSelectionPolicy.
    pub host_selection: HostSelectionPolicy,
    /// SocketNodelay (default Y).
    pub nodelay: bool,
    /// SocketSendBufferSize in bytes; `None` (or 0 in the file) leaves the OS default or the
    /// tuning file's default.
    pub send_buffer_size: Option<usize>,
    /// SocketReceiveBufferSize in bytes, as above.
    pub receive_buffer_size: Option<usize>,
    /// SocketReuseAddress (default Y).
    pub reuse_address: bool,
    /// ConnectTimeout (default 10 s).
    pub connect_timeout: Duration,
    /// ReconnectInterval, 1 to 3600 s (default 30 s).
    pub reconnect_interval: Duration,
}

/// The TLS keys (QuickFIX C++'s names; `SocketUseSSL` is QuickFIX/J's spelling of SSLEnable).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SslSettings {
    /// SSLEnable / SocketUseSSL.
    pub enabled: bool,
    /// ServerCertificateFile (acceptor): PEM chain.
    pub server_certificate_file: Option<PathBuf>,
    /// ServerCertificateKeyFile (acceptor): PEM key.
    pub server_certificate_key_file: Option<PathBuf>,
    /// ClientCertificateFile (initiator, for client authentication).
    pub client_certificate_file: Option<PathBuf>,
    /// ClientCertificateKeyFile.
    pub client_certificate_key_file: Option<PathBuf>,
    /// CertificateAuthoritiesFile: roots to verify the peer against.
    pub certificate_authorities_file: Option<PathBuf>,
    /// SSLProtocol, as written (e.g. `+TLSv1.2 +TLSv1.3`).
    pub protocol: Option<String>,
    /// SSLCipherSuite, as written.
    pub cipher_suite: Option<String>,
    /// CertificateVerifyLevel 0 (none) to 3; an acceptor with 1 or more demands a client
    /// certificate.
    pub verify_level: u8,
}

/// The dictionary and message-validation keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationSettings {
    /// UseDataDictionary (default Y).
    pub use_data_dictionary: bool,
    /// DataDictionary (FIX.4.x).
    pub data_dictionary: Option<PathBuf>,
    /// TransportDataDictionary (FIXT.1.1).
    pub transport_data_dictionary: Option<PathBuf>,
    /// AppDataDictionary (FIXT.1.1).
    pub app_data_dictionary: Option<PathBuf>,
    /// DefaultApplVerID (FIXT.1.1, required there): `FIX.5.0SP2` or its enum value `9`.
    pub default_appl_ver_id: Option<String>,
    /// ValidateFieldsOutOfOrder (default Y).
    pub fields_out_of_order: bool,
    /// ValidateFieldsHaveValues (default Y).
    pub fields_have_values: bool,
    /// ValidateUserDefinedFields (default Y).
    pub user_defined_fields: bool,
    /// AllowUnknownMsgFields (default N).
    pub allow_unknown_msg_fields: bool,
    /// ValidateIncomingMessage (default Y).
    pub incoming_message: bool,
    /// CheckCompID (default Y).
    pub check_comp_id: bool,
    /// CheckLatency (default Y).
    pub check_latency: bool,
    /// MaxLatency (default 120 s).
    pub max_latency: Duration,
}

/// When the session is up. Only "always" exists today: any other schedule is refused when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Schedule {
    /// StartTime equal to EndTime (or NonStopSession=Y, or no schedule keys).
    #[default]
    Always,
}

/// When a journal's writes are made durable (`JournalDurability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JournalDurability {
    /// `OS` (default): the kernel writes back; no syscall on the message path.
    #[default]
    OsWriteBack,
    /// `PERIODIC`: msync after `JournalFlushMessages` appends or `JournalFlushIntervalMs`.
    Periodic,
    /// `EVERY_MESSAGE`: msync every record before the send returns.
    EveryMessage,
}

/// spinfix's journal keys, beside QuickFIX's FileStorePath (QuickFIX has no equivalent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalSettings {
    /// `JournalDurability` (default `OS`).
    pub durability: JournalDurability,
    /// `JournalFlushMessages` (default 1000): appends between flushes under `PERIODIC`.
    pub flush_messages: u32,
    /// `JournalFlushIntervalMs` (default 1): the longest time between flushes under `PERIODIC`.
    pub flush_interval: Duration,
    /// `JournalSegmentSize` in bytes (default: the journal's 64 MiB).
    pub segment_size: Option<u64>,
    /// `JournalInbound` (default N): journal inbound messages too, for audit.
    pub inbound: bool,
}

impl Default for JournalSettings {
    fn default() -> Self {
        JournalSettings {
            durability: JournalDurability::OsWriteBack,
            flush_messages: 1000,
            flush_interval: Duration::from_millis(1),
            segment_size: None,
            inbound: false,
        }
    }
}

/// Everything one [SESSION] section (with its [DEFAULT]s) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSettings {
    /// The session's identity.
    pub id: SessionId,
    /// ConnectionType.
    pub connection_type: ConnectionType,
    /// HeartBtInt: required for an initiator; an acceptor takes the peer's.
    pub heart_bt_int: Option<Duration>,
    /// The socket keys.
    pub socket: SocketSettings,
    /// The TLS keys.
    pub ssl: SslSettings,
    /// FileStorePath: the journal's directory (in-memory store when absent).
    pub file_store_path: Option<PathBuf>,
    /// spinfix's journal keys (durability, segment size, inbound audit).
    pub journal: JournalSettings,
    /// `SendLogoutOnRefusal` (spinfix, default N): an acceptor answers a refused Logon (unknown
    /// CompIDs, session already connected) with a Logout carrying the reason; QuickFIX closes
    /// without a word.
    pub send_logout_on_refusal: bool,
    /// FileLogPath: where a file log would go.
    pub file_log_path: Option<PathBuf>,
    /// PersistMessages (default Y): keep sent application messages for resend.
    pub persist_messages: bool,
    /// ResetOnLogon (default N).
    pub reset_on_logon: bool,
    /// ResetOnLogout (default N).
    pub reset_on_logout: bool,
    /// ResetOnDisconnect (default N).
    pub reset_on_disconnect: bool,
    /// RefreshOnLogon (default N): reload the store's sequence numbers at each Logon.
    pub refresh_on_logon: bool,
    /// Dictionaries and validation.
    pub validation: ValidationSettings,
    /// LogonTimeout (default 10 s).
    pub logon_timeout: Duration,
    /// LogoutTimeout (default 2 s).
    pub logout_timeout: Duration,
    /// ResendRequestChunkSize (default 0: ask for everything at once).
    pub resend_request_chunk_size: u32,
    /// EnableNextExpectedMsgSeqNum (default N): tag 789 on Logon.
    pub enable_next_expected_msg_seq_num: bool,
    /// SendRedundantResendRequests (default N).
    pub send_redundant_resend_requests: bool,
    /// TimeStampPrecision (0, 3, 6 or 9), or MillisecondsInTimeStamp=N for seconds; default millis.
    pub timestamp_precision: TimePrecision,
    /// StartTime/EndTime/StartDay/EndDay/TimeZone, as far as supported.
    pub schedule: Schedule,
}
