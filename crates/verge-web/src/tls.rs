//! Extra trust roots for outbound TLS (`fetch` to `https://`, `new WebSocket("wss://…")`).
//!
//! Outbound TLS trusts the Mozilla roots compiled in (`webpki-roots`). Like Node's
//! `NODE_EXTRA_CA_CERTS`, the environment variable `VERGE_EXTRA_CA_CERTS=<file.pem>` adds the
//! certificates of a PEM file to them, for a private CA (or a test CA the integration tests
//! generate). It is read once, when the first outbound client is built; a file that cannot be
//! read or holds no certificate is reported with a warning and ignored, as Node does.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The environment variable naming a PEM file of extra CA certificates.
pub const EXTRA_CA_CERTS_ENV: &str = "VERGE_EXTRA_CA_CERTS";

/// The certificates `VERGE_EXTRA_CA_CERTS` names (empty when it is unset or unusable).
pub fn extra_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let Some(path) = std::env::var_os(EXTRA_CA_CERTS_ENV).filter(|p| !p.is_empty()) else {
            return Vec::new();
        };
        let certs: Result<Vec<_>, _> = CertificateDer::pem_file_iter(&path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>());
        match certs {
            Ok(certs) if !certs.is_empty() => certs,
            Ok(_) => {
                tracing::warn!("{EXTRA_CA_CERTS_ENV}: {path:?} holds no certificate; ignored");
                Vec::new()
            }
            Err(e) => {
                tracing::warn!("{EXTRA_CA_CERTS_ENV}: cannot read {path:?}: {e}; ignored");
                Vec::new()
            }
        }
    })
}

/// A rustls client configuration trusting the compiled-in roots plus [`extra_roots`], for the
/// outbound WebSocket client; `None` when there are no extra roots (the client's default).
pub fn client_config_with_extra_roots() -> Option<Arc<rustls::ClientConfig>> {
    static CONFIG: OnceLock<Option<Arc<rustls::ClientConfig>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let extra = extra_roots();
            if extra.is_empty() {
                return None;
            }
            let mut roots = rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let (added, _) = roots.add_parsable_certificates(extra.iter().cloned());
            if added == 0 {
                tracing::warn!("{EXTRA_CA_CERTS_ENV}: no usable CA certificate; ignored");
                return None;
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports the default protocol versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            Some(Arc::new(config))
        })
        .clone()
}
