//! Builds a [`SessionSettings`] from QuickFIX keys (what the file reader does) or from code.

use super::error::SettingError;
use super::session_settings::{
    ConnectionType, HostPort, HostSelectionPolicy, JournalDurability, JournalSettings, Schedule,
    SessionId, SessionSettings, SocketSettings, SslSettings, ValidationSettings,
};
use super::values::{boolean, buffer_size, number, port, seconds, text, time_of_day};
use spinfix_session::time::TimePrecision;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The BeginStrings spinfix speaks.
const BEGIN_STRINGS: [&str; 6] = [
    "FIX.4.0", "FIX.4.1", "FIX.4.2", "FIX.4.3", "FIX.4.4", "FIXT.1.1",
];

/// DefaultApplVerID values: the names and the ApplVerID (1128) enum values.
const APPL_VER_IDS: [&str; 20] = [
    "FIX.2.7",
    "FIX.3.0",
    "FIX.4.0",
    "FIX.4.1",
    "FIX.4.2",
    "FIX.4.3",
    "FIX.4.4",
    "FIX.5.0",
    "FIX.5.0SP1",
    "FIX.5.0SP2",
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
];

/// The schedule keys as written; only "always" is accepted at `build`.
#[derive(Debug, Clone, Default)]
struct ScheduleKeys {
    start_time: Option<(String, u32)>,
    end_time: Option<(String, u32)>,
    start_day: Option<String>,
    end_day: Option<String>,
    non_stop: bool,
}

/// Settings being assembled; [`build`](Self::build) checks them as a whole.
///
/// Every QuickFIX key goes through [`set`](Self::set); the common ones also have typed setters.
/// Defaults are QuickFIX's.
#[derive(Debug, Clone)]
pub struct SessionSettingsBuilder {
    settings: SessionSettings,
    connection_type: Option<ConnectionType>,
    /// Host/port pairs by suffix: 0 for `SocketConnectHost`, n for `SocketConnectHost<n>`.
    connect: BTreeMap<u32, (Option<String>, Option<u16>)>,
    priority: bool,
    start_over: Duration,
    schedule: ScheduleKeys,
    millis_in_timestamp: Option<bool>,
    precision: Option<TimePrecision>,
}

impl Default for SessionSettingsBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionSettings {
    /// A builder with QuickFIX's defaults.
    pub fn builder() -> SessionSettingsBuilder {
        SessionSettingsBuilder::new()
    }
}

impl SessionSettingsBuilder {
    /// Nothing set; QuickFIX's defaults for everything optional.
    pub fn new() -> Self {
        SessionSettingsBuilder {
            settings: SessionSettings {
                id: SessionId::default(),
                connection_type: ConnectionType::Acceptor,
                heart_bt_int: None,
                socket: SocketSettings {
                    accept_host: None,
                    accept_port: None,
                    connect_hosts: Vec::new(),
                    connect_source_host: None,
                    connect_source_port: None,
                    host_selection: HostSelectionPolicy::RoundRobin,
                    nodelay: true,
                    send_buffer_size: None,
                    receive_buffer_size: None,
                    reuse_address: true,
                    connect_timeout: Duration::from_secs(10),
                    reconnect_interval: Duration::from_secs(30),
                },
                ssl: SslSettings::default(),
                file_store_path: None,
                journal: JournalSettings::default(),
                send_logout_on_refusal: false,
                file_log_path: None,
                persist_messages: true,
                reset_on_logon: false,
                reset_on_logout: false,
                reset_on_disconnect: false,
                refresh_on_logon: false,
                validation: ValidationSettings {
                    use_data_dictionary: true,
                    data_dictionary: None,
                    transport_data_dictionary: None,
                    app_data_dictionary: None,
                    default_appl_ver_id: None,
                    fields_out_of_order: true,
                    fields_have_values: true,
                    user_defined_fields: true,
                    allow_unknown_msg_fields: false,
                    incoming_message: true,
                    check_comp_id: true,
                    check_latency: true,
                    max_latency: Duration::from_secs(120),
                },
                logon_timeout: Duration::from_secs(10),
                logout_timeout: Duration::from_secs(2),
                resend_request_chunk_size: 0,
                enable_next_expected_msg_seq_num: false,
                send_redundant_resend_requests: false,
                timestamp_precision: TimePrecision::Millis,
                schedule: Schedule::Always,
            },
            connection_type: None,
            connect: BTreeMap::new(),
            priority: false,
            start_over: Duration::from_secs(120),
            schedule: ScheduleKeys::default(),
            millis_in_timestamp: None,
            precision: None,
        }
    }

    /// The session id as far as it is known (for naming a section in errors).
    pub fn id(&self) -> &SessionId {
        &self.settings.id
    }

    /// BeginString, SenderCompID and TargetCompID in one call.
    pub fn session(&mut self, begin_string: &str, sender: &str, target: &str) -> &mut Self {
        self.settings.id.begin_string = begin_string.to_owned();
        self.settings.id.sender_comp_id = sender.to_owned();
        self.settings.id.target_comp_id = target.to_owned();
        self
    }

    /// ConnectionType.
    pub fn connection_type(&mut self, t: ConnectionType) -> &mut Self {
        self.connection_type = Some(t);
        self
    }

    /// HeartBtInt.
    pub fn heart_bt_int(&mut self, interval: Duration) -> &mut Self {
        self.settings.heart_bt_int = Some(interval);
        self
    }

    /// SocketAcceptPort.
    pub fn accept_port(&mut self, port: u16) -> &mut Self {
        self.settings.socket.accept_port = Some(port);
        self
    }

    /// Appends a host to connect to (SocketConnectHost/Port, then the numbered ones).
    pub fn connect_host(&mut self, host: &str, port: u16) -> &mut Self {
        let next = self.connect.keys().next_back().map_or(0, |n| n + 1);
        self.connect
            .insert(next, (Some(host.to_owned()), Some(port)));
        self
    }

    /// FileStorePath.
    pub fn file_store_path(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.settings.file_store_path = Some(path.into());
        self
    }

    /// ResetOnLogon.
    pub fn reset_on_logon(&mut self, reset: bool) -> &mut Self {
        self.settings.reset_on_logon = reset;
        self
    }

    /// DataDictionary.
    pub fn data_dictionary(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.settings.validation.data_dictionary = Some(path.into());
        self
    }

    /// TimeStampPrecision.
    pub fn timestamp_precision(&mut self, precision: TimePrecision) -> &mut Self {
        self.precision = Some(precision);
        self
    }

    /// Sets one QuickFIX key (case-insensitive, as QuickFIX reads them) from its text value.
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self, SettingError> {
        let lower = key.to_ascii_lowercase();
        let s = &mut self.settings;
        let opt = |v: &str| (!v.is_empty()).then(|| v.to_owned());
        let path = |v: &str| -> Result<Option<PathBuf>, SettingError> {
            Ok(Some(PathBuf::from(text(key, v)?)))
        };
        match lower.as_str() {
            "beginstring" => {
                if !BEGIN_STRINGS.contains(&value) {
                    return Err(SettingError::InvalidValue {
                        key: key.to_owned(),
                        value: value.to_owned(),
                        expected: "FIX.4.0, FIX.4.1, FIX.4.2, FIX.4.3, FIX.4.4 or FIXT.1.1",
                    });
                }
                s.id.begin_string = value.to_owned();
            }
            "sendercompid" => s.id.sender_comp_id = text(key, value)?,
            "targetcompid" => s.id.target_comp_id = text(key, value)?,
            "sendersubid" => s.id.sender_sub_id = opt(value),
            "senderlocationid" => s.id.sender_location_id = opt(value),
            "targetsubid" => s.id.target_sub_id = opt(value),
            "targetlocationid" => s.id.target_location_id = opt(value),
            "sessionqualifier" => s.id.qualifier = opt(value),
            "connectiontype" => {
                self.connection_type = Some(match value.to_ascii_lowercase().as_str() {
                    "acceptor" => ConnectionType::Acceptor,
                    "initiator" => ConnectionType::Initiator,
                    _ => {
                        return Err(SettingError::InvalidValue {
                            key: key.to_owned(),
                            value: value.to_owned(),
                            expected: "acceptor or initiator",
                        })
                    }
                })
            }
            "heartbtint" => {
                s.heart_bt_int = Some(seconds(key, value, 0, 86_400, "seconds from 0 to 86400")?)
            }
            "socketacceptport" => s.socket.accept_port = Some(port(key, value)?),
            "socketaccepthost" => s.socket.accept_host = Some(text(key, value)?),
            "socketconnectsourcehost" => s.socket.connect_source_host = Some(text(key, value)?),
            "socketconnectsourceport" => s.socket.connect_source_port = Some(port(key, value)?),
            "sockettcpnodelay" | "socketnodelay" => s.socket.nodelay = boolean(key, value)?,
            "socketsendbuffersize" => s.socket.send_buffer_size = buffer_size(key, value)?,
            "socketreceivebuffersize" => s.socket.receive_buffer_size = buffer_size(key, value)?,
            "socketreuseaddress" => s.socket.reuse_address = boolean(key, value)?,
            "connecttimeout" => {
                s.socket.connect_timeout = seconds(key, value, 1, 3600, "seconds from 1 to 3600")?
            }
            "reconnectinterval" => {
                s.socket.reconnect_interval =
                    seconds(key, value, 1, 3600, "seconds from 1 to 3600")?
            }
            "hostselectionpolicy" => {
                self.priority = match value.to_ascii_uppercase().as_str() {
                    "PRIORITY" => true,
                    "ROUND_ROBIN" | "ROUNDROBIN" => false,
                    _ => {
                        return Err(SettingError::InvalidValue {
                            key: key.to_owned(),
                            value: value.to_owned(),
                            expected: "PRIORITY or ROUND_ROBIN",
                        })
                    }
                }
            }
            "hostselectionpolicyprioritystartoverinterval" => {
                self.start_over = seconds(key, value, 0, 86_400, "seconds from 0 to 86400")?
            }
            "sslenable" | "socketusessl" => s.ssl.enabled = boolean(key, value)?,
            "servercertificatefile" => s.ssl.server_certificate_file = path(value)?,
            "servercertificatekeyfile" => s.ssl.server_certificate_key_file = path(value)?,
            "clientcertificatefile" => s.ssl.client_certificate_file = path(value)?,
            "clientcertificatekeyfile" => s.ssl.client_certificate_key_file = path(value)?,
            "certificateauthoritiesfile" => s.ssl.certificate_authorities_file = path(value)?,
            "sslprotocol" => s.ssl.protocol = Some(text(key, value)?),
            "sslciphersuite" => s.ssl.cipher_suite = Some(text(key, value)?),
            "certificateverifylevel" => {
                s.ssl.verify_level = number(key, value, 0, 3, "0, 1, 2 or 3")? as u8
            }
            "filestorepath" => s.file_store_path = path(value)?,
            "filelogpath" => s.file_log_path = path(value)?,
            "journaldurability" => {
                s.journal.durability = match value.trim().to_ascii_uppercase().as_str() {
                    "OS" => JournalDurability::OsWriteBack,
                    "PERIODIC" => JournalDurability::Periodic,
                    "EVERY_MESSAGE" => JournalDurability::EveryMessage,
                    _ => {
                        return Err(SettingError::InvalidValue {
                            key: key.to_owned(),
                            value: value.to_owned(),
                            expected: "OS, PERIODIC or EVERY_MESSAGE",
                        })
                    }
                }
            }
            "journalflushmessages" => {
                s.journal.flush_messages = number(
                    key,
                    value,
                    0,
                    u64::from(u32::MAX),
                    "a count of messages (0: by time only)",
                )? as u32
            }
            "journalflushintervalms" => {
                s.journal.flush_interval = Duration::from_millis(number(
                    key,
                    value,
                    0,
                    3_600_000,
                    "milliseconds from 0 to 3600000 (0: by count only)",
                )?)
            }
            "journalsegmentsize" => {
                s.journal.segment_size = Some(number(
                    key,
                    value,
                    1 << 20,
                    1 << 40,
                    "bytes from 1 MiB to 1 TiB",
                )?)
            }
            "journalinbound" => s.journal.inbound = boolean(key, value)?,
            "sendlogoutonrefusal" => s.send_logout_on_refusal = boolean(key, value)?,
            "persistmessages" => s.persist_messages = boolean(key, value)?,
            "resetonlogon" => s.reset_on_logon = boolean(key, value)?,
            "resetonlogout" => s.reset_on_logout = boolean(key, value)?,
            "resetondisconnect" => s.reset_on_disconnect = boolean(key, value)?,
            "refreshonlogon" => s.refresh_on_logon = boolean(key, value)?,
            "usedatadictionary" => s.validation.use_data_dictionary = boolean(key, value)?,
            "datadictionary" => s.validation.data_dictionary = path(value)?,
            "transportdatadictionary" => s.validation.transport_data_dictionary = path(value)?,
            "appdatadictionary" => s.validation.app_data_dictionary = path(value)?,
            "defaultapplverid" => {
                if !APPL_VER_IDS.contains(&value) {
                    return Err(SettingError::InvalidValue {
                        key: key.to_owned(),
                        value: value.to_owned(),
                        expected: "an ApplVerID such as FIX.5.0SP2 or its value 0-9",
                    });
                }
                s.validation.default_appl_ver_id = Some(value.to_owned());
            }
            "validatefieldsoutoforder" => s.validation.fields_out_of_order = boolean(key, value)?,
            "validatefieldshavevalues" => s.validation.fields_have_values = boolean(key, value)?,
            "validateuserdefinedfields" => s.validation.user_defined_fields = boolean(key, value)?,
            "allowunknownmsgfields" => s.validation.allow_unknown_msg_fields = boolean(key, value)?,
            "validateincomingmessage" => s.validation.incoming_message = boolean(key, value)?,
            "checkcompid" => s.validation.check_comp_id = boolean(key, value)?,
            "checklatency" => s.validation.check_latency = boolean(key, value)?,
            "maxlatency" => {
                s.validation.max_latency =
                    seconds(key, value, 1, 86_400, "seconds from 1 to 86400")?
            }
            "logontimeout" => {
                s.logon_timeout = seconds(key, value, 1, 3600, "seconds from 1 to 3600")?
            }
            "logouttimeout" => {
                s.logout_timeout = seconds(key, value, 1, 3600, "seconds from 1 to 3600")?
            }
            "resendrequestchunksize" => {
                s.resend_request_chunk_size = number(
                    key,
                    value,
                    0,
                    u64::from(u32::MAX),
                    "a count (0 for no limit)",
                )? as u32
            }
            "enablenextexpectedmsgseqnum" => {
                s.enable_next_expected_msg_seq_num = boolean(key, value)?
            }
            "sendredundantresendrequests" => {
                s.send_redundant_resend_requests = boolean(key, value)?
            }
            "timestampprecision" => {
                self.precision = Some(match value {
                    "0" => TimePrecision::Seconds,
                    "3" => TimePrecision::Millis,
                    "6" => TimePrecision::Micros,
                    "9" => TimePrecision::Nanos,
                    _ => {
                        return Err(SettingError::InvalidValue {
                            key: key.to_owned(),
                            value: value.to_owned(),
                            expected: "0, 3, 6 or 9",
                        })
                    }
                })
            }
            "millisecondsintimestamp" => self.millis_in_timestamp = Some(boolean(key, value)?),
            "starttime" => {
                self.schedule.start_time = Some((value.to_owned(), time_of_day(key, value)?))
            }
            "endtime" => {
                self.schedule.end_time = Some((value.to_owned(), time_of_day(key, value)?))
            }
            "startday" => self.schedule.start_day = Some(text(key, value)?),
            "endday" => self.schedule.end_day = Some(text(key, value)?),
            // Only the always-on schedule exists, for which the zone does not matter.
            "timezone" | "uselocaltime" => {
                text(key, value)?;
            }
            "nonstopsession" => self.schedule.non_stop = boolean(key, value)?,
            other => {
                if let Some(n) = other.strip_prefix("socketconnecthost").and_then(suffix) {
                    self.connect.entry(n).or_default().0 = Some(text(key, value)?);
                } else if let Some(n) = other.strip_prefix("socketconnectport").and_then(suffix) {
                    self.connect.entry(n).or_default().1 = Some(port(key, value)?);
                } else {
                    return Err(SettingError::UnknownKey {
                        key: key.to_owned(),
                        value: value.to_owned(),
                    });
                }
            }
        }
        Ok(self)
    }

    /// Checks the settings as a whole and returns them.
    pub fn build(&self) -> Result<SessionSettings, SettingError> {
        let mut s = self.settings.clone();
        if s.id.begin_string.is_empty() {
            return Err(SettingError::MissingKey { key: "BeginString" });
        }
        if s.id.sender_comp_id.is_empty() {
            return Err(SettingError::MissingKey {
                key: "SenderCompID",
            });
        }
        if s.id.target_comp_id.is_empty() {
            return Err(SettingError::MissingKey {
                key: "TargetCompID",
            });
        }
        s.connection_type = self.connection_type.ok_or(SettingError::MissingKey {
            key: "ConnectionType",
        })?;
        s.socket.connect_hosts = self.connect_hosts()?;
        if self.priority {
            s.socket.host_selection = HostSelectionPolicy::Priority {
                start_over: self.start_over,
            };
        }
        match s.connection_type {
            ConnectionType::Acceptor => {
                if s.socket.accept_port.is_none() {
                    return Err(SettingError::MissingKey {
                        key: "SocketAcceptPort",
                    });
                }
            }
            ConnectionType::Initiator => {
                match s.heart_bt_int {
                    None => return Err(SettingError::MissingKey { key: "HeartBtInt" }),
                    Some(d) if d.is_zero() => {
                        return Err(SettingError::InvalidValue {
                            key: "HeartBtInt".into(),
                            value: "0".into(),
                            expected: "at least 1 second for an initiator",
                        })
                    }
                    Some(_) => {}
                }
                if s.socket.connect_hosts.is_empty() {
                    return Err(SettingError::MissingKey {
                        key: "SocketConnectHost",
                    });
                }
            }
        }
        let fixt = s.id.begin_string == "FIXT.1.1";
        if fixt && s.validation.default_appl_ver_id.is_none() {
            return Err(SettingError::MissingKey {
                key: "DefaultApplVerID",
            });
        }
        if fixt && s.validation.data_dictionary.is_some() {
            return Err(SettingError::Inconsistent(
                "FIXT.1.1 takes TransportDataDictionary and AppDataDictionary, not DataDictionary"
                    .into(),
            ));
        }
        if !fixt
            && (s.validation.transport_data_dictionary.is_some()
                || s.validation.app_data_dictionary.is_some())
        {
            return Err(SettingError::Inconsistent(format!(
                "{} takes DataDictionary; TransportDataDictionary and AppDataDictionary are for \
                 FIXT.1.1",
                s.id.begin_string
            )));
        }
        if s.ssl.enabled && s.connection_type == ConnectionType::Acceptor {
            if s.ssl.server_certificate_file.is_none() {
                return Err(SettingError::MissingKey {
                    key: "ServerCertificateFile",
                });
            }
            if s.ssl.server_certificate_key_file.is_none() {
                return Err(SettingError::MissingKey {
                    key: "ServerCertificateKeyFile",
                });
            }
        }
        if s.ssl.client_certificate_file.is_some() != s.ssl.client_certificate_key_file.is_some() {
            return Err(SettingError::Inconsistent(
                "ClientCertificateFile and ClientCertificateKeyFile go together".into(),
            ));
        }
        s.timestamp_precision = match (self.precision, self.millis_in_timestamp) {
            (Some(p), _) => p,
            (None, Some(false)) => TimePrecision::Seconds,
            (None, _) => TimePrecision::Millis,
        };
        s.schedule = self.schedule()?;
        Ok(s)
    }

    fn connect_hosts(&self) -> Result<Vec<HostPort>, SettingError> {
        let mut hosts = Vec::with_capacity(self.connect.len());
        for (n, (host, port)) in &self.connect {
            let missing = |what: &'static str, numbered: &'static str| {
                if *n == 0 {
                    SettingError::MissingKey { key: what }
                } else {
                    SettingError::Inconsistent(format!("{what}{n} needs {numbered}{n}"))
                }
            };
            let host = host
                .clone()
                .ok_or_else(|| missing("SocketConnectHost", "SocketConnectHost"))?;
            let port = port.ok_or_else(|| missing("SocketConnectPort", "SocketConnectPort"))?;
            hosts.push(HostPort { host, port });
        }
        Ok(hosts)
    }

    fn schedule(&self) -> Result<Schedule, SettingError> {
        let k = &self.schedule;
        let day = k.start_day.as_ref().or(k.end_day.as_ref());
        if let Some(day) = day {
            let key = if k.start_day.is_some() {
                "StartDay"
            } else {
                "EndDay"
            };
            return Err(SettingError::Unsupported {
                key: key.into(),
                value: day.clone(),
                what: "a weekly session schedule",
            });
        }
        if k.non_stop {
            return Ok(Schedule::Always);
        }
        match (&k.start_time, &k.end_time) {
            (None, None) => Ok(Schedule::Always),
            (Some(_), None) => Err(SettingError::MissingKey { key: "EndTime" }),
            (None, Some(_)) => Err(SettingError::MissingKey { key: "StartTime" }),
            (Some((_, a)), Some((_, b))) if a == b => Ok(Schedule::Always),
            (Some((start, _)), Some((end, _))) => Err(SettingError::Unsupported {
                key: "StartTime/EndTime".into(),
                value: format!("{start}/{end}"),
                what: "a daily session window (StartTime must equal EndTime)",
            }),
        }
    }
}

/// The numeric suffix of a numbered host key: `""` is 0, `"1"` is 1; anything else is no match.
fn suffix(rest: &str) -> Option<u32> {
    if rest.is_empty() {
        Some(0)
    } else if rest.bytes().all(|b| b.is_ascii_digit()) {
        rest.parse::<u32>().ok().filter(|n| *n > 0)
    } else {
        None
    }
}
