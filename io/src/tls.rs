//! Building rustls configs from PEM files, checked once at start-up.
//!
//! Every failure names the file: an operator who mistyped a path or swapped a key should not
//! have to wait for the first handshake to find out.

use crate::config::{TlsClientSettings, TlsServerSettings};
use crate::error::IoError;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use std::path::Path;
use std::sync::Arc;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, IoError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| IoError::config(format!("certificate file {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(IoError::config(format!(
            "certificate file {}: no certificate found",
            path.display()
        )));
    }
    Ok(certs)
}

fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, IoError> {
    PrivateKeyDer::from_pem_file(path)
        .map_err(|e| IoError::config(format!("private key file {}: {e}", path.display())))
}

fn load_roots(path: &Path) -> Result<Arc<RootCertStore>, IoError> {
    let mut roots = RootCertStore::empty();
    for cert in load_certs(path)? {
        roots
            .add(cert)
            .map_err(|e| IoError::config(format!("CA file {}: {e}", path.display())))?;
    }
    Ok(Arc::new(roots))
}

/// A server config; with `client_ca`, client certificates are required and verified.
pub(crate) fn server_config(s: &TlsServerSettings) -> Result<Arc<ServerConfig>, IoError> {
    let certs = load_certs(&s.cert_chain)?;
    let key = load_key(&s.private_key)?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| IoError::config(format!("TLS protocol versions: {e}")))?;
    let builder = match &s.client_ca {
        Some(ca) => {
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                load_roots(ca)?,
                provider(),
            )
            .build()
            .map_err(|e| IoError::config(format!("CA file {}: {e}", ca.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let cfg = builder.with_single_cert(certs, key).map_err(|e| {
        IoError::config(format!(
            "certificate {} and key {}: {e}",
            s.cert_chain.display(),
            s.private_key.display()
        ))
    })?;
    Ok(Arc::new(cfg))
}

/// A client config and the name the server's certificate must carry.
pub(crate) fn client_config(
    s: &TlsClientSettings,
) -> Result<(Arc<ClientConfig>, ServerName<'static>), IoError> {
    let name = ServerName::try_from(s.server_name.clone())
        .map_err(|e| IoError::config(format!("TLS server name {:?}: {e}", s.server_name)))?;
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| IoError::config(format!("TLS protocol versions: {e}")))?
        .with_root_certificates(load_roots(&s.ca)?);
    let cfg = match (&s.cert_chain, &s.private_key) {
        (Some(c), Some(k)) => builder
            .with_client_auth_cert(load_certs(c)?, load_key(k)?)
            .map_err(|e| {
                IoError::config(format!(
                    "certificate {} and key {}: {e}",
                    c.display(),
                    k.display()
                ))
            })?,
        (None, None) => builder.with_no_client_auth(),
        (Some(c), None) => {
            return Err(IoError::config(format!(
                "client certificate {} given without a private key",
                c.display()
            )))
        }
        (None, Some(k)) => {
            return Err(IoError::config(format!(
                "private key {} given without a client certificate",
                k.display()
            )))
        }
    };
    Ok((Arc::new(cfg), name))
}
