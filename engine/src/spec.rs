//! From QuickFIX settings to the engine's session specifications.
//!
//! The settings file is parsed and checked by [`crate::config`]; this module turns each typed
//! [`SessionSettings`] into what the session, store and I/O crates take, resolving host names
//! and loading data dictionaries once, at start-up, so the running engine never blocks on DNS
//! or a file.

use crate::config::{
    ConnectionType, HostSelectionPolicy as Policy, JournalDurability, SessionSettings,
};
use crate::engine::{AcceptorSpec, SessionSpec, StoreSpec, Transport};
use crate::error::EngineError;
use spinfix_io::{
    HostSelectionPolicy, InitiatorConfig, SessionKey, SocketOptions, TlsClientSettings,
    TlsServerSettings,
};
use spinfix_session::config::{Role, SessionConfig};
use spinfix_session::dict::{Dictionary, ValidationOptions, Validator};
use spinfix_store::{Durability, JournalConfig};
use std::collections::HashMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Dictionaries loaded so far, by path: sessions that share a file share one copy.
#[derive(Debug, Default)]
pub struct DictionaryCache {
    loaded: HashMap<PathBuf, Arc<Dictionary>>,
}

impl DictionaryCache {
    fn get(&mut self, session: &str, path: &Path) -> Result<Arc<Dictionary>, EngineError> {
        if let Some(d) = self.loaded.get(path) {
            return Ok(Arc::clone(d));
        }
        let d = Arc::new(
            Dictionary::from_file(path).map_err(|e| EngineError::Dictionary {
                session: session.to_owned(),
                detail: e.to_string(),
            })?,
        );
        self.loaded.insert(path.to_owned(), Arc::clone(&d));
        Ok(d)
    }
}

fn config_error(session: &str, detail: String) -> EngineError {
    EngineError::Io(spinfix_io::IoError::ConfigError {
        detail: format!("session {session}: {detail}"),
    })
}

fn resolve(session: &str, key: &str, host: &str, port: u16) -> Result<SocketAddr, EngineError> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| config_error(session, format!("{key}={host}: {e}")))?
        .next()
        .ok_or_else(|| config_error(session, format!("{key}={host} resolves to no address")))
}

impl SessionSpec {
    /// The specification of one session of a QuickFIX settings file.
    pub fn from_settings(
        s: &SessionSettings,
        dicts: &mut DictionaryCache,
    ) -> Result<SessionSpec, EngineError> {
        let id = &s.id;
        let name = format!(
            "{}:{}->{}",
            id.begin_string, id.sender_comp_id, id.target_comp_id
        );
        let role = match s.connection_type {
            ConnectionType::Acceptor => Role::Acceptor,
            ConnectionType::Initiator => Role::Initiator,
        };
        let v = &s.validation;
        let mut b = SessionConfig::builder(
            &id.begin_string,
            &id.sender_comp_id,
            &id.target_comp_id,
            role,
        )
        .reset_on_logon(s.reset_on_logon)
        .reset_on_logout(s.reset_on_logout)
        .reset_on_disconnect(s.reset_on_disconnect)
        .check_latency(v.check_latency)
        .max_latency(v.max_latency)
        .check_comp_id(v.check_comp_id)
        .logon_timeout(s.logon_timeout)
        .logout_timeout(s.logout_timeout)
        .resend_request_chunk_size(u64::from(s.resend_request_chunk_size))
        .enable_next_expected_msg_seq_num(s.enable_next_expected_msg_seq_num)
        .send_redundant_resend_requests(s.send_redundant_resend_requests)
        .persist_messages(s.persist_messages)
        .timestamp_precision(s.timestamp_precision);
        if let Some(h) = s.heart_bt_int {
            b = b.heart_bt_int(h);
        }
        if let Some(v) = &id.sender_sub_id {
            b = b.sender_sub_id(v);
        }
        if let Some(v) = &id.sender_location_id {
            b = b.sender_location_id(v);
        }
        if let Some(v) = &id.target_sub_id {
            b = b.target_sub_id(v);
        }
        if let Some(v) = &id.target_location_id {
            b = b.target_location_id(v);
        }
        if let Some(appl) = &v.default_appl_ver_id {
            b = b.default_appl_ver_id(appl);
        }
        if v.use_data_dictionary {
            let options = ValidationOptions {
                validate_incoming: v.incoming_message,
                fields_out_of_order: v.fields_out_of_order,
                fields_have_values: v.fields_have_values,
                user_defined_fields: v.user_defined_fields,
                allow_unknown_msg_fields: v.allow_unknown_msg_fields,
                ..ValidationOptions::default()
            };
            let validator = if id.begin_string == "FIXT.1.1" {
                match (&v.transport_data_dictionary, &v.app_data_dictionary) {
                    (Some(t), Some(a)) => Some(Validator::fixt(
                        dicts.get(&name, t)?,
                        dicts.get(&name, a)?,
                        options,
                    )),
                    _ => None,
                }
            } else {
                match &v.data_dictionary {
                    Some(d) => Some(Validator::new(dicts.get(&name, d)?, options)),
                    None => None,
                }
            };
            if let Some(val) = validator {
                b = b.validator(Arc::new(val));
            }
        }
        let config = b.build().map_err(|source| EngineError::Session {
            session: name.clone(),
            source,
        })?;

        let sock = &s.socket;
        let socket = SocketOptions {
            nodelay: sock.nodelay,
            send_buffer_size: sock.send_buffer_size,
            recv_buffer_size: sock.receive_buffer_size,
            reuse_address: sock.reuse_address,
        };
        let transport = match role {
            Role::Acceptor => {
                let port = sock
                    .accept_port
                    .ok_or_else(|| config_error(&name, "SocketAcceptPort missing".into()))?;
                let host = sock.accept_host.as_deref().unwrap_or("0.0.0.0");
                let mut a = AcceptorSpec::new(resolve(&name, "SocketAcceptHost", host, port)?);
                a.socket = socket;
                a.logon_timeout = s.logon_timeout;
                a.logout_on_refusal = s.send_logout_on_refusal;
                if s.ssl.enabled {
                    a.tls = Some(TlsServerSettings {
                        cert_chain: s.ssl.server_certificate_file.clone().ok_or_else(|| {
                            config_error(&name, "SSL needs ServerCertificateFile".into())
                        })?,
                        private_key: s.ssl.server_certificate_key_file.clone().ok_or_else(
                            || config_error(&name, "SSL needs ServerCertificateKeyFile".into()),
                        )?,
                        client_ca: s.ssl.certificate_authorities_file.clone(),
                    });
                }
                Transport::Acceptor(a)
            }
            Role::Initiator => {
                if sock.connect_hosts.is_empty() {
                    return Err(config_error(
                        &name,
                        "SocketConnectHost/SocketConnectPort missing".into(),
                    ));
                }
                let mut hosts = Vec::with_capacity(sock.connect_hosts.len());
                for hp in &sock.connect_hosts {
                    hosts.push(resolve(&name, "SocketConnectHost", &hp.host, hp.port)?);
                }
                let key = SessionKey::new(&id.begin_string, &id.sender_comp_id, &id.target_comp_id);
                let mut ic = InitiatorConfig::new(key, hosts);
                ic.policy = match sock.host_selection {
                    Policy::Priority { .. } => HostSelectionPolicy::Priority,
                    Policy::RoundRobin => HostSelectionPolicy::RoundRobin,
                };
                ic.reconnect_interval = sock.reconnect_interval;
                ic.connect_timeout = sock.connect_timeout;
                ic.socket = socket;
                if sock.connect_source_host.is_some() || sock.connect_source_port.is_some() {
                    let h = sock.connect_source_host.as_deref().unwrap_or("0.0.0.0");
                    let p = sock.connect_source_port.unwrap_or(0);
                    ic.source = Some(resolve(&name, "SocketConnectSourceHost", h, p)?);
                }
                if s.ssl.enabled {
                    ic.tls = Some(TlsClientSettings {
                        ca: s.ssl.certificate_authorities_file.clone().ok_or_else(|| {
                            config_error(&name, "SSL needs CertificateAuthoritiesFile".into())
                        })?,
                        server_name: sock.connect_hosts[0].host.clone(),
                        cert_chain: s.ssl.client_certificate_file.clone(),
                        private_key: s.ssl.client_certificate_key_file.clone(),
                    });
                }
                ic.validate()?;
                Transport::Initiator(ic)
            }
        };
        let store = match &s.file_store_path {
            Some(dir) => {
                let j = &s.journal;
                let mut jc = JournalConfig::new(dir, config.session_id())
                    .journal_inbound(j.inbound)
                    .durability(match j.durability {
                        JournalDurability::OsWriteBack => Durability::OsWriteBack,
                        JournalDurability::EveryMessage => Durability::EveryMessage,
                        JournalDurability::Periodic => Durability::Periodic {
                            messages: j.flush_messages,
                            interval: j.flush_interval,
                        },
                    });
                if let Some(size) = j.segment_size {
                    jc = jc.segment_size(size);
                }
                StoreSpec::Journal(jc)
            }
            None => StoreSpec::Memory,
        };
        Ok(SessionSpec {
            config,
            transport,
            store,
        })
    }
}
