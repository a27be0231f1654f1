//! A test certificate authority made at test time and blocking TLS servers signed by it, for
//! outbound `https://` and `wss://` from a worker. verge is told to trust the CA through
//! `VERGE_EXTRA_CA_CERTS` (crates/verge-web/src/tls.rs).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA and a server certificate for `localhost` / `127.0.0.1` that it signed.
pub struct TestCa {
    /// The CA certificate as PEM, in a file (for `VERGE_EXTRA_CA_CERTS`).
    pub ca_pem_file: PathBuf,
    server: Arc<rustls::ServerConfig>,
    _dir: tempfile::TempDir,
}

impl TestCa {
    /// Generates a fresh CA and a server certificate.
    pub fn new() -> TestCa {
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "verge test CA");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let key = rcgen::KeyPair::generate().expect("server key");
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .expect("server params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        let cert = params.signed_by(&key, &issuer).expect("server certificate");

        let dir = tempfile::tempdir().expect("tempdir");
        let ca_pem_file = dir.path().join("test-ca.pem");
        std::fs::write(&ca_pem_file, ca_cert.pem()).expect("write CA");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .expect("server config");
        TestCa {
            ca_pem_file,
            server: Arc::new(server),
            _dir: dir,
        }
    }

    /// Wraps accepted connections in TLS (the handshake runs on first read or write).
    pub fn acceptor(&self) -> impl Fn(TcpStream) -> TlsStream + Send + 'static {
        let server = self.server.clone();
        move |tcp| {
            let conn = rustls::ServerConnection::new(server.clone()).expect("TLS session");
            rustls::StreamOwned::new(conn, tcp)
        }
    }
}

/// A server-side TLS stream.
pub type TlsStream = rustls::StreamOwned<rustls::ServerConnection, TcpStream>;

/// Reads one HTTP/1.1 request head (and a `content-length` body) from `s`; `None` when the
/// peer closed or failed before a full head.
pub fn read_request(s: &mut impl Read) -> Option<(String, String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => buf.push(byte[0]),
            _ => return None,
        }
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut first = head.split_whitespace();
    let (method, path) = (
        first.next().unwrap_or_default().to_string(),
        first.next().unwrap_or_default().to_string(),
    );
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).ok()?;
    Some((method, path, body))
}

/// Writes a complete response with `connection: close`.
pub fn write_response(s: &mut impl Write, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let _ = s.write_all(out.as_bytes());
    let _ = s.write_all(body);
    let _ = s.flush();
}

/// Serves each connection on `listener` with `handle` on its own thread, forever (the
/// threads end with the test process).
pub fn serve<S, F>(listener: TcpListener, wrap: impl Fn(TcpStream) -> S + Send + 'static, handle: F)
where
    S: Read + Write + Send + 'static,
    F: Fn(&mut S) + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { return };
            let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(60)));
            let mut s = wrap(tcp);
            let handle = handle.clone();
            std::thread::spawn(move || handle(&mut s));
        }
    });
}
