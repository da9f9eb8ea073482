//! QuickFIX settings files: the acceptance suite's file, defaults, the builder, and every class
//! of error with the file, section, key and value it must name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use spinfix::config::{
    parse_settings, ConnectionType, HostPort, HostSelectionPolicy, Schedule, SessionSettings,
    SettingError, SettingsError,
};
use spinfix_session::time::TimePrecision;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn parse(text: &str) -> Result<Vec<SessionSettings>, SettingsError> {
    parse_settings(Path::new("test.cfg"), text)
}

fn err(text: &str) -> (SettingsError, String) {
    let e = parse(text).unwrap_err();
    let msg = e.to_string();
    (e, msg)
}

const ACCEPTOR: &str =
    "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=5001\nSenderCompID=ISLD\n\
                        [SESSION]\nBeginString=FIX.4.4\nTargetCompID=TW44\n";

#[test]
fn the_acceptance_suite_settings_parse() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/acceptance/at.cfg.in");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text
        .replace("@PORT@", "5001")
        .replace("@SPEC@", "/spec")
        .replace("@STORE@", "/tmp/store");
    let sessions = parse_settings(&path, &text).unwrap();
    assert_eq!(sessions.len(), 10);
    let s = &sessions[4];
    assert_eq!(s.id.to_string(), "FIX.4.4:ISLD->TW44");
    assert_eq!(s.connection_type, ConnectionType::Acceptor);
    assert_eq!(s.socket.accept_port, Some(5001));
    assert!(s.socket.reuse_address && s.reset_on_logon);
    assert_eq!(s.schedule, Schedule::Always);
    assert_eq!(s.file_store_path, Some(PathBuf::from("/tmp/store")));
    assert_eq!(
        s.validation.data_dictionary,
        Some(PathBuf::from("/spec/FIX44.xml"))
    );
    let fixt = &sessions[7];
    assert_eq!(fixt.id.begin_string, "FIXT.1.1");
    assert_eq!(
        fixt.validation.default_appl_ver_id.as_deref(),
        Some("FIX.5.0SP2")
    );
    assert_eq!(
        fixt.validation.app_data_dictionary,
        Some(PathBuf::from("/spec/FIX50SP2.xml"))
    );
    assert!(sessions[8].validation.fields_have_values);
    assert!(!sessions[9].validation.fields_have_values);
}

#[test]
fn quickfix_defaults_fill_what_is_not_given() {
    let s = &parse(ACCEPTOR).unwrap()[0];
    assert!(s.socket.nodelay);
    assert_eq!(s.socket.reconnect_interval, Duration::from_secs(30));
    assert_eq!(s.logon_timeout, Duration::from_secs(10));
    assert_eq!(s.logout_timeout, Duration::from_secs(2));
    assert!(s.validation.check_comp_id && s.validation.check_latency);
    assert_eq!(s.validation.max_latency, Duration::from_secs(120));
    assert!(s.validation.fields_out_of_order && s.validation.user_defined_fields);
    assert!(!s.validation.allow_unknown_msg_fields);
    assert!(s.persist_messages && !s.reset_on_logout);
    assert_eq!(s.resend_request_chunk_size, 0);
    assert_eq!(s.timestamp_precision, TimePrecision::Millis);
    assert!(!s.ssl.enabled);
}

#[test]
fn an_initiator_with_every_key() {
    let text = "\
# a full initiator
[DEFAULT]
ConnectionType=initiator
HeartBtInt=30
ReconnectInterval=5
FileStorePath=store
FileLogPath=log
SocketConnectHost=primary
SocketConnectPort=9001
SocketConnectHost1=backup
SocketConnectPort1=9002
HostSelectionPolicy=PRIORITY
HostSelectionPolicyPriorityStartOverInterval=60
SocketNodelay=N
SocketSendBufferSize=1048576
SocketReceiveBufferSize=0
SocketReuseAddress=N
SocketConnectSourceHost=10.0.0.1
SocketConnectSourcePort=40000
ConnectTimeout=3
SocketUseSSL=Y
ClientCertificateFile=client.pem
ClientCertificateKeyFile=client.key
CertificateAuthoritiesFile=ca.pem
SSLProtocol=+TLSv1.3
SSLCipherSuite=HIGH
CertificateVerifyLevel=1

[SESSION]
BeginString=FIX.4.2
SenderCompID=ME
SenderSubID=desk
SenderLocationID=LDN
TargetCompID=THEM
TargetSubID=gw
TargetLocationID=NY
SessionQualifier=q1
ResetOnLogon=Y
ResetOnLogout=Y
ResetOnDisconnect=Y
RefreshOnLogon=Y
UseDataDictionary=N
DataDictionary=FIX42.xml
ValidateFieldsOutOfOrder=N
ValidateFieldsHaveValues=N
ValidateUserDefinedFields=N
AllowUnknownMsgFields=Y
ValidateIncomingMessage=N
CheckCompID=N
CheckLatency=N
MaxLatency=5
LogonTimeout=7
LogoutTimeout=4
ResendRequestChunkSize=2500
EnableNextExpectedMsgSeqNum=Y
SendRedundantResendRequests=Y
PersistMessages=N
TimeStampPrecision=6
StartTime=08:00:00
EndTime=08:00:00
TimeZone=UTC
";
    let s = &parse(text).unwrap()[0];
    assert_eq!(s.id.to_string(), "FIX.4.2:ME/desk/LDN->THEM/gw/NY:q1");
    assert_eq!(s.connection_type, ConnectionType::Initiator);
    assert_eq!(s.heart_bt_int, Some(Duration::from_secs(30)));
    assert_eq!(
        s.socket.connect_hosts,
        vec![
            HostPort {
                host: "primary".into(),
                port: 9001
            },
            HostPort {
                host: "backup".into(),
                port: 9002
            },
        ]
    );
    assert_eq!(
        s.socket.host_selection,
        HostSelectionPolicy::Priority {
            start_over: Duration::from_secs(60)
        }
    );
    assert!(!s.socket.nodelay && !s.socket.reuse_address);
    assert_eq!(s.socket.send_buffer_size, Some(1 << 20));
    assert_eq!(s.socket.receive_buffer_size, None);
    assert_eq!(s.socket.connect_source_port, Some(40000));
    assert_eq!(s.socket.connect_timeout, Duration::from_secs(3));
    assert_eq!(s.socket.reconnect_interval, Duration::from_secs(5));
    assert!(s.ssl.enabled);
    assert_eq!(s.ssl.verify_level, 1);
    assert_eq!(s.ssl.protocol.as_deref(), Some("+TLSv1.3"));
    assert!(s.reset_on_logon && s.reset_on_logout && s.reset_on_disconnect && s.refresh_on_logon);
    let v = &s.validation;
    assert!(!v.use_data_dictionary && !v.fields_out_of_order && !v.fields_have_values);
    assert!(!v.user_defined_fields && v.allow_unknown_msg_fields && !v.incoming_message);
    assert!(!v.check_comp_id && !v.check_latency);
    assert_eq!(v.max_latency, Duration::from_secs(5));
    assert_eq!(s.logon_timeout, Duration::from_secs(7));
    assert_eq!(s.logout_timeout, Duration::from_secs(4));
    assert_eq!(s.resend_request_chunk_size, 2500);
    assert!(s.enable_next_expected_msg_seq_num && s.send_redundant_resend_requests);
    assert!(!s.persist_messages);
    assert_eq!(s.timestamp_precision, TimePrecision::Micros);
    assert_eq!(s.file_log_path, Some(PathBuf::from("log")));
}

#[test]
fn a_session_key_overrides_its_default_and_keys_ignore_case() {
    let text = format!("{ACCEPTOR}socketacceptport=6000\nMillisecondsInTimeStamp=N\n");
    let s = &parse(&text).unwrap()[0];
    assert_eq!(s.socket.accept_port, Some(6000));
    assert_eq!(s.timestamp_precision, TimePrecision::Seconds);
}

#[test]
fn the_builder_makes_the_same_settings_in_code() {
    let mut b = SessionSettings::builder();
    b.session("FIX.4.4", "ISLD", "TW44")
        .connection_type(ConnectionType::Acceptor)
        .accept_port(5001);
    b.set("ResetOnLogon", "Y").unwrap();
    let built = b.build().unwrap();
    let mut text = String::from(ACCEPTOR);
    text.push_str("ResetOnLogon=Y\n");
    assert_eq!(built, parse(&text).unwrap()[0]);

    let mut i = SessionSettings::builder();
    i.session("FIX.4.4", "A", "B")
        .connection_type(ConnectionType::Initiator)
        .heart_bt_int(Duration::from_secs(10))
        .connect_host("localhost", 9000)
        .connect_host("localhost", 9001)
        .timestamp_precision(TimePrecision::Nanos);
    let s = i.build().unwrap();
    assert_eq!(s.socket.connect_hosts.len(), 2);
    assert_eq!(s.timestamp_precision, TimePrecision::Nanos);
    let mut missing = SessionSettings::builder();
    missing.session("FIX.4.4", "A", "B");
    assert_eq!(
        missing.build(),
        Err(SettingError::MissingKey {
            key: "ConnectionType"
        })
    );
}

#[test]
fn an_unknown_key_names_file_line_section_key_and_value() {
    let text = format!("{ACCEPTOR}HeartBeatInt=30\n");
    let (e, msg) = err(&text);
    assert!(matches!(e, SettingsError::Session { line: 8, .. }));
    assert!(matches!(
        e.setting_error(),
        Some(SettingError::UnknownKey { .. })
    ));
    assert_eq!(
        msg,
        "test.cfg:8: [SESSION] #1 FIX.4.4:ISLD->TW44: unknown key HeartBeatInt=\"30\""
    );
}

#[test]
fn a_bad_value_names_the_key_the_value_and_what_was_expected() {
    for (line, key) in [
        ("HeartBtInt=abc", "HeartBtInt"),
        ("ReconnectInterval=0", "ReconnectInterval"),
        ("ReconnectInterval=3601", "ReconnectInterval"),
        ("SocketAcceptPort=99999", "SocketAcceptPort"),
        ("ResetOnLogon=yes", "ResetOnLogon"),
        ("ConnectionType=both", "ConnectionType"),
        ("TimeStampPrecision=4", "TimeStampPrecision"),
        ("StartTime=25:00:00", "StartTime"),
        ("DefaultApplVerID=FIX.9", "DefaultApplVerID"),
        ("CertificateVerifyLevel=7", "CertificateVerifyLevel"),
        ("HostSelectionPolicy=RANDOM", "HostSelectionPolicy"),
    ] {
        let text = format!("{ACCEPTOR}{line}\n");
        let (e, msg) = err(&text);
        match &e {
            SettingsError::Session {
                section, source, ..
            } => {
                assert!(matches!(&**source, SettingError::InvalidValue { key: k, .. } if k == key));
                assert_eq!(section, "[SESSION] #1 FIX.4.4:ISLD->TW44");
            }
            other => panic!("{line}: {other:?}"),
        }
        let value = line.split_once('=').unwrap().1;
        assert!(
            msg.contains(&format!("{key}=\"{value}\": expected")),
            "{msg}"
        );
    }
    let (_, msg) = err("[SESSION]\nBeginString=FIX.5.0\n");
    assert!(
        msg.starts_with("test.cfg:2: [SESSION] #1: BeginString=\"FIX.5.0\""),
        "{msg}"
    );
}

#[test]
fn a_missing_required_key_is_named() {
    for (text, key) in [
        ("[SESSION]\nSenderCompID=A\nTargetCompID=B\nConnectionType=acceptor\n", "BeginString"),
        ("[SESSION]\nBeginString=FIX.4.4\nTargetCompID=B\n", "SenderCompID"),
        ("[SESSION]\nBeginString=FIX.4.4\nSenderCompID=A\nTargetCompID=B\n", "ConnectionType"),
        (
            "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=A\nTargetCompID=B\nConnectionType=acceptor\n",
            "SocketAcceptPort",
        ),
        (
            "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=A\nTargetCompID=B\nConnectionType=initiator\n\
             SocketConnectHost=h\nSocketConnectPort=1\n",
            "HeartBtInt",
        ),
        (
            "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=A\nTargetCompID=B\nConnectionType=initiator\n\
             HeartBtInt=30\n",
            "SocketConnectHost",
        ),
        (
            "[SESSION]\nBeginString=FIX.4.4\nSenderCompID=A\nTargetCompID=B\nConnectionType=initiator\n\
             HeartBtInt=30\nSocketConnectHost=h\n",
            "SocketConnectPort",
        ),
        (
            "[SESSION]\nBeginString=FIXT.1.1\nSenderCompID=A\nTargetCompID=B\nConnectionType=acceptor\n\
             SocketAcceptPort=1\n",
            "DefaultApplVerID",
        ),
        (&format!("{ACCEPTOR}SSLEnable=Y\n"), "ServerCertificateFile"),
        (&format!("{ACCEPTOR}StartTime=00:00:00\n"), "EndTime"),
    ] {
        let (e, msg) = err(text);
        match e.setting_error() {
            Some(SettingError::MissingKey { key: k }) => assert_eq!(*k, key, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
        assert!(msg.contains(&format!("missing required key {key}")), "{msg}");
    }
}

#[test]
fn schedules_other_than_always_are_refused_as_not_supported_yet() {
    let (e, msg) = err(&format!("{ACCEPTOR}StartTime=08:00:00\nEndTime=17:00:00\n"));
    assert!(matches!(
        e.setting_error(),
        Some(SettingError::Unsupported { .. })
    ));
    assert!(msg.contains("\"08:00:00/17:00:00\""), "{msg}");
    assert!(msg.contains("not supported yet"), "{msg}");
    let (_, msg) = err(&format!(
        "{ACCEPTOR}StartTime=00:00:00\nEndTime=00:00:00\nStartDay=Sun\n"
    ));
    assert!(msg.contains("StartDay=\"Sun\": a weekly session schedule is not supported yet"));
    let s = parse(&format!("{ACCEPTOR}NonStopSession=Y\n")).unwrap();
    assert_eq!(s[0].schedule, Schedule::Always);
}

#[test]
fn inconsistent_keys_duplicates_and_empty_files_are_refused() {
    let (e, _) = err(&format!("{ACCEPTOR}TransportDataDictionary=FIXT11.xml\n"));
    assert!(matches!(
        e.setting_error(),
        Some(SettingError::Inconsistent(_))
    ));
    let (e, _) = err(&format!("{ACCEPTOR}ClientCertificateFile=c.pem\n"));
    assert!(matches!(
        e.setting_error(),
        Some(SettingError::Inconsistent(_))
    ));
    let (e, msg) = err(&format!(
        "{ACCEPTOR}[SESSION]\nBeginString=FIX.4.4\nTargetCompID=TW44\n"
    ));
    assert!(matches!(e, SettingsError::DuplicateSession { line: 8, .. }));
    assert!(msg.contains("[SESSION] #2 FIX.4.4:ISLD->TW44: the same session as [SESSION] #1"));
    let (e, _) = err(&format!("{ACCEPTOR}TargetCompID=X\n"));
    assert!(matches!(
        e,
        SettingsError::DuplicateKey {
            first: 7,
            line: 8,
            ..
        }
    ));
    let (e, _) = err("[DEFAULT]\nSenderCompID=A\n");
    assert!(matches!(e, SettingsError::NoSessions { .. }));
    let (e, msg) = err("[DEFAULT]\nthis is not a setting\n");
    assert!(matches!(e, SettingsError::Syntax { line: 2, .. }));
    assert!(msg.starts_with("test.cfg:2: "));
}

#[test]
fn a_missing_file_names_the_file() {
    let e = spinfix::config::load_settings(Path::new("/nonexistent/x.cfg")).unwrap_err();
    assert!(e
        .to_string()
        .starts_with("/nonexistent/x.cfg: cannot read settings"));
}
