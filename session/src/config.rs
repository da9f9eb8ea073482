//! A session's settings, built in the order the required choices must be made.
//!
//! The builder takes the identity (BeginString, CompIDs, role) up front because a session
//! without them is meaningless; everything else has the QuickFIX default so that a settings file
//! only names what differs.

use crate::session::MessageValidator;
use crate::time::TimePrecision;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

/// Which side opens the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Connects and sends the first Logon.
    Initiator,
    /// Accepts and answers the peer's Logon.
    Acceptor,
}

/// The FIX session protocol version a BeginString names; ordered the way rules change with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// FIX.4.0
    Fix40,
    /// FIX.4.1
    Fix41,
    /// FIX.4.2
    Fix42,
    /// FIX.4.3
    Fix43,
    /// FIX.4.4
    Fix44,
    /// FIXT.1.1 (FIX 5.0 and later application versions).
    Fixt11,
}

impl Version {
    /// The version a BeginString value names, if it is one we speak.
    pub fn from_begin_string(s: &str) -> Option<Version> {
        Some(match s {
            "FIX.4.0" => Version::Fix40,
            "FIX.4.1" => Version::Fix41,
            "FIX.4.2" => Version::Fix42,
            "FIX.4.3" => Version::Fix43,
            "FIX.4.4" => Version::Fix44,
            "FIXT.1.1" => Version::Fixt11,
            _ => return None,
        })
    }

    /// The BeginString value.
    pub const fn begin_string(self) -> &'static str {
        match self {
            Version::Fix40 => "FIX.4.0",
            Version::Fix41 => "FIX.4.1",
            Version::Fix42 => "FIX.4.2",
            Version::Fix43 => "FIX.4.3",
            Version::Fix44 => "FIX.4.4",
            Version::Fixt11 => "FIXT.1.1",
        }
    }
}

/// A mistake in a session's settings.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    /// BeginString is not one of FIX.4.0–4.4 or FIXT.1.1.
    #[error("session {session}: BeginString {value:?} is not FIX.4.0-FIX.4.4 or FIXT.1.1")]
    BadBeginString {
        /// The session as far as it is named.
        session: String,
        /// The value given.
        value: String,
    },
    /// A CompID is empty or holds a byte that cannot go on the wire.
    #[error("session {session}: {field} {value:?} must be non-empty printable ASCII")]
    BadCompId {
        /// The session as far as it is named.
        session: String,
        /// Which setting.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// FIXT.1.1 needs DefaultApplVerID(1137) for its Logon.
    #[error("session {session}: FIXT.1.1 requires DefaultApplVerID")]
    MissingDefaultApplVerId {
        /// The session.
        session: String,
    },
    /// DefaultApplVerID is neither an ApplVerID(1128) value nor a version name.
    #[error(
        "session {session}: DefaultApplVerID {value:?} is neither 0-9 nor a name such as FIX.5.0SP2"
    )]
    BadDefaultApplVerId {
        /// The session.
        session: String,
        /// The value given.
        value: String,
    },
    /// The TestRequest allowance must be a finite fraction between 0 and 10.
    #[error("session {session}: TestRequest allowance {value} is not within 0..=10")]
    BadTestRequestAllowance {
        /// The session.
        session: String,
        /// The value given.
        value: f64,
    },
    /// HeartBtInt of an initiator must be positive and fit the wire field.
    #[error("session {session}: HeartBtInt {value} s is out of range (1..=86400)")]
    BadHeartBtInt {
        /// The session.
        session: String,
        /// The value given.
        value: u64,
    },
}

/// Everything a session needs to know before it starts. Build with [`SessionConfig::builder`].
#[derive(Clone)]
pub struct SessionConfig {
    pub(crate) version: Version,
    pub(crate) begin_string: String,
    pub(crate) sender_comp_id: String,
    pub(crate) sender_sub_id: Option<String>,
    pub(crate) sender_location_id: Option<String>,
    pub(crate) target_comp_id: String,
    pub(crate) target_sub_id: Option<String>,
    pub(crate) target_location_id: Option<String>,
    pub(crate) role: Role,
    pub(crate) heart_bt_int: Duration,
    pub(crate) test_request_allowance: f64,
    pub(crate) reset_on_logon: bool,
    pub(crate) reset_on_logout: bool,
    pub(crate) reset_on_disconnect: bool,
    pub(crate) check_latency: bool,
    pub(crate) max_latency: Duration,
    pub(crate) logon_timeout: Duration,
    pub(crate) logout_timeout: Duration,
    pub(crate) resend_request_chunk_size: u64,
    pub(crate) enable_next_expected_msg_seq_num: bool,
    pub(crate) default_appl_ver_id: Option<String>,
    pub(crate) timestamp_precision: TimePrecision,
    pub(crate) validator: Option<Arc<dyn MessageValidator>>,
    pub(crate) check_comp_id: bool,
    pub(crate) persist_messages: bool,
    pub(crate) max_queued_messages: usize,
    pub(crate) max_queued_bytes: usize,
    pub(crate) send_redundant_resend_requests: bool,
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("session", &self.session_id())
            .field("role", &self.role)
            .field("heart_bt_int", &self.heart_bt_int)
            .field("validator", &self.validator.is_some())
            .finish_non_exhaustive()
    }
}

impl SessionConfig {
    /// Starts a configuration: version, our CompID, the peer's CompID and our role are required.
    pub fn builder(
        begin_string: &str,
        sender_comp_id: &str,
        target_comp_id: &str,
        role: Role,
    ) -> SessionConfigBuilder {
        SessionConfigBuilder {
            cfg: SessionConfig {
                version: Version::Fix44,
                begin_string: begin_string.to_owned(),
                sender_comp_id: sender_comp_id.to_owned(),
                sender_sub_id: None,
                sender_location_id: None,
                target_comp_id: target_comp_id.to_owned(),
                target_sub_id: None,
                target_location_id: None,
                role,
                heart_bt_int: Duration::from_secs(30),
                test_request_allowance: 0.2,
                reset_on_logon: false,
                reset_on_logout: false,
                reset_on_disconnect: false,
                check_latency: true,
                max_latency: Duration::from_secs(120),
                logon_timeout: Duration::from_secs(10),
                logout_timeout: Duration::from_secs(2),
                resend_request_chunk_size: 0,
                enable_next_expected_msg_seq_num: false,
                default_appl_ver_id: None,
                timestamp_precision: TimePrecision::Millis,
                validator: None,
                check_comp_id: true,
                persist_messages: true,
                max_queued_messages: 10_000,
                max_queued_bytes: 64 << 20,
                send_redundant_resend_requests: false,
            },
        }
    }

    /// `BeginString:Sender->Target`, the name errors and logs use.
    pub fn session_id(&self) -> String {
        format!(
            "{}:{}->{}",
            self.begin_string, self.sender_comp_id, self.target_comp_id
        )
    }

    /// The protocol version.
    pub fn version(&self) -> Version {
        self.version
    }
    /// BeginString(8).
    pub fn begin_string(&self) -> &str {
        &self.begin_string
    }
    /// Our SenderCompID(49).
    pub fn sender_comp_id(&self) -> &str {
        &self.sender_comp_id
    }
    /// The peer's CompID, our TargetCompID(56).
    pub fn target_comp_id(&self) -> &str {
        &self.target_comp_id
    }
    /// Initiator or acceptor.
    pub fn role(&self) -> Role {
        self.role
    }
    /// The HeartBtInt an initiator proposes.
    pub fn heart_bt_int(&self) -> Duration {
        self.heart_bt_int
    }
}

/// Sets the optional parts of a [`SessionConfig`]; [`SessionConfigBuilder::build`] checks them.
#[derive(Debug, Clone)]
pub struct SessionConfigBuilder {
    cfg: SessionConfig,
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, v: $ty) -> Self {
            self.cfg.$name = v;
            self
        }
    };
}

/// The ApplVerID(1128) value of a version name or value (`FIX.5.0SP2` or `9` give `9`).
fn appl_ver_id_value(v: &str) -> Option<&'static str> {
    const NAMES: [(&str, &str); 10] = [
        ("FIX.2.7", "0"),
        ("FIX.3.0", "1"),
        ("FIX.4.0", "2"),
        ("FIX.4.1", "3"),
        ("FIX.4.2", "4"),
        ("FIX.4.3", "5"),
        ("FIX.4.4", "6"),
        ("FIX.5.0", "7"),
        ("FIX.5.0SP1", "8"),
        ("FIX.5.0SP2", "9"),
    ];
    NAMES
        .iter()
        .find(|(name, value)| *name == v || *value == v)
        .map(|(_, value)| *value)
}

impl SessionConfigBuilder {
    setter!(
        /// HeartBtInt(108) an initiator proposes (whole seconds on the wire).
        heart_bt_int: Duration
    );
    setter!(
        /// Extra receive silence, as a fraction of HeartBtInt, before a TestRequest (0.2 = 20%).
        test_request_allowance: f64
    );
    setter!(
        /// Reset both sequence numbers when a Logon is sent or accepted (sends 141=Y).
        reset_on_logon: bool
    );
    setter!(
        /// Reset both sequence numbers after a Logout exchange.
        reset_on_logout: bool
    );
    setter!(
        /// Reset both sequence numbers whenever the connection ends.
        reset_on_disconnect: bool
    );
    setter!(
        /// Check SendingTime(52) against our clock.
        check_latency: bool
    );
    setter!(
        /// How far SendingTime may be from our clock (default 120 s).
        max_latency: Duration
    );
    setter!(
        /// How long to wait for the Logon (answer) before disconnecting.
        logon_timeout: Duration
    );
    setter!(
        /// How long to wait for the answer to our Logout before disconnecting.
        logout_timeout: Duration
    );
    setter!(
        /// Largest range one of our ResendRequests asks for (0 = everything at once).
        resend_request_chunk_size: u64
    );
    setter!(
        /// Send and honour NextExpectedMsgSeqNum(789) on Logon.
        enable_next_expected_msg_seq_num: bool
    );
    setter!(
        /// SendingTime precision.
        timestamp_precision: TimePrecision
    );
    setter!(
        /// Check that the peer's CompIDs match ours (disable only for tests of routing).
        check_comp_id: bool
    );
    setter!(
        /// Keep sent application messages for resend; when off a resend is one GapFill.
        persist_messages: bool
    );
    setter!(
        /// How many out-of-order messages are held while a gap is filled.
        max_queued_messages: usize
    );
    setter!(
        /// How many bytes of out-of-order messages are held while a gap is filled.
        max_queued_bytes: usize
    );
    setter!(
        /// Send a new ResendRequest for every gap even while one is outstanding.
        send_redundant_resend_requests: bool
    );

    /// Our SenderSubID(50).
    pub fn sender_sub_id(mut self, v: &str) -> Self {
        self.cfg.sender_sub_id = Some(v.to_owned());
        self
    }
    /// Our SenderLocationID(142).
    pub fn sender_location_id(mut self, v: &str) -> Self {
        self.cfg.sender_location_id = Some(v.to_owned());
        self
    }
    /// The peer's TargetSubID(57).
    pub fn target_sub_id(mut self, v: &str) -> Self {
        self.cfg.target_sub_id = Some(v.to_owned());
        self
    }
    /// The peer's TargetLocationID(143).
    pub fn target_location_id(mut self, v: &str) -> Self {
        self.cfg.target_location_id = Some(v.to_owned());
        self
    }
    /// DefaultApplVerID(1137) for FIXT.1.1 Logons, e.g. `9` or `FIX.5.0SP2`.
    pub fn default_appl_ver_id(mut self, v: &str) -> Self {
        self.cfg.default_appl_ver_id = Some(v.to_owned());
        self
    }
    /// The data-dictionary check run on every inbound message (none: only session checks).
    pub fn validator(mut self, v: Arc<dyn MessageValidator>) -> Self {
        self.cfg.validator = Some(v);
        self
    }

    /// Checks the settings.
    pub fn build(self) -> Result<SessionConfig, ConfigError> {
        let mut cfg = self.cfg;
        let session = cfg.session_id();
        cfg.version = Version::from_begin_string(&cfg.begin_string).ok_or_else(|| {
            ConfigError::BadBeginString {
                session: session.clone(),
                value: cfg.begin_string.clone(),
            }
        })?;
        for (field, v) in [
            ("SenderCompID", &cfg.sender_comp_id),
            ("TargetCompID", &cfg.target_comp_id),
        ] {
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
                return Err(ConfigError::BadCompId {
                    session,
                    field,
                    value: v.clone(),
                });
            }
        }
        if cfg.version == Version::Fixt11 && cfg.default_appl_ver_id.is_none() {
            return Err(ConfigError::MissingDefaultApplVerId { session });
        }
        // The Logon carries the ApplVerID(1128) value, whichever way the setting names it.
        if let Some(v) = &cfg.default_appl_ver_id {
            match appl_ver_id_value(v) {
                Some(value) => cfg.default_appl_ver_id = Some(value.to_owned()),
                None => {
                    return Err(ConfigError::BadDefaultApplVerId {
                        session,
                        value: v.clone(),
                    })
                }
            }
        }
        // UTCTimestamp has no fractional seconds before FIX.4.2: QuickFIX, and the counterparties
        // it stands for, reject a SendingTime with milliseconds there.
        if cfg.version < Version::Fix42 {
            cfg.timestamp_precision = TimePrecision::Seconds;
        }
        let a = cfg.test_request_allowance;
        if !(0.0..=10.0).contains(&a) {
            return Err(ConfigError::BadTestRequestAllowance { session, value: a });
        }
        let hb = cfg.heart_bt_int.as_secs();
        if cfg.role == Role::Initiator && !(1..=86_400).contains(&hb) {
            return Err(ConfigError::BadHeartBtInt { session, value: hb });
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_appl_ver_id_goes_on_the_wire_as_its_value() {
        for (given, wire) in [("FIX.5.0SP2", "9"), ("FIX.5.0", "7"), ("8", "8")] {
            let c = SessionConfig::builder("FIXT.1.1", "A", "B", Role::Acceptor)
                .default_appl_ver_id(given)
                .build()
                .unwrap();
            assert_eq!(c.default_appl_ver_id.as_deref(), Some(wire));
        }
        let e = SessionConfig::builder("FIXT.1.1", "A", "B", Role::Acceptor)
            .default_appl_ver_id("FIX.9.9")
            .build()
            .unwrap_err();
        assert!(matches!(e, ConfigError::BadDefaultApplVerId { .. }), "{e}");
    }

    #[test]
    fn sending_time_has_no_fraction_before_fix42() {
        for (bs, want) in [
            ("FIX.4.0", TimePrecision::Seconds),
            ("FIX.4.1", TimePrecision::Seconds),
            ("FIX.4.2", TimePrecision::Millis),
        ] {
            let c = SessionConfig::builder(bs, "A", "B", Role::Acceptor)
                .build()
                .unwrap();
            assert_eq!(c.timestamp_precision, want, "{bs}");
        }
    }

    #[test]
    fn builds_and_refuses() {
        let c = SessionConfig::builder("FIX.4.2", "A", "B", Role::Acceptor)
            .build()
            .unwrap();
        assert_eq!(c.version(), Version::Fix42);
        assert_eq!(c.session_id(), "FIX.4.2:A->B");
        assert!(matches!(
            SessionConfig::builder("FIX.3.9", "A", "B", Role::Acceptor).build(),
            Err(ConfigError::BadBeginString { .. })
        ));
        assert!(matches!(
            SessionConfig::builder("FIXT.1.1", "A", "B", Role::Acceptor).build(),
            Err(ConfigError::MissingDefaultApplVerId { .. })
        ));
        assert!(matches!(
            SessionConfig::builder("FIX.4.4", "", "B", Role::Acceptor).build(),
            Err(ConfigError::BadCompId { .. })
        ));
    }
}
