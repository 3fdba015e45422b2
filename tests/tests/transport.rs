//! The user's own transport, set once with `configure_client`, serves logins and API
//! calls alike: a vendor behind TLS whose certificate a private CA signed (made here
//! with rcgen), asking for a client certificate (mTLS), reached through an HTTP proxy
//! (CONNECT). The TLS front and the proxy are small servers of the test's own on
//! 127.0.0.1, in front of auth-sim's CRM.COM; they count what passes through them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use auth_runtime::{Error, Session, SessionBuilder};
use auth_sim::{Sim, crmcom};
use auth_vendors::CrmCom;
use auth_vendors::crmcom::CrmComError;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use reqwest::Method;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// A private CA, the vendor's certificate for `localhost` and a client certificate,
/// all signed by it.
struct Pki {
    ca_pem: String,
    ca_der: CertificateDer<'static>,
    server_der: CertificateDer<'static>,
    server_key: Vec<u8>,
    /// The client's certificate and key, PEM, as `reqwest::Identity` reads them.
    client_pem: String,
}

fn pki() -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "authgen test CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("CA key")).expect("CA");

    let server_key = KeyPair::generate().expect("server key");
    let server = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("server params")
        .signed_by(&server_key, &ca)
        .expect("server certificate");

    let client_key = KeyPair::generate().expect("client key");
    let mut client = CertificateParams::new(Vec::<String>::new()).expect("client params");
    client
        .distinguished_name
        .push(DnType::CommonName, "authgen test client");
    let client = client
        .signed_by(&client_key, &ca)
        .expect("client certificate");

    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().clone(),
        server_der: server.der().clone(),
        server_key: server_key.serialize_der(),
        client_pem: format!("{}{}", client.pem(), client_key.serialize_pem()),
    }
}

/// A TLS front on 127.0.0.1 for `upstream` (plain HTTP): the PKI's server certificate,
/// a client certificate signed by its CA required. Counts completed handshakes.
async fn tls_front(upstream: SocketAddr, pki: &Pki) -> (SocketAddr, Arc<AtomicUsize>) {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).expect("CA root");
    let clients = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .expect("client verifier");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key.clone()));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_client_cert_verifier(clients)
        .with_single_cert(vec![pki.server_der.clone()], key)
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let handshakes = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&handshakes);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let counted = Arc::clone(&counted);
            tokio::spawn(async move {
                // A client without the CA or without a certificate fails here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                counted.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut plain) = TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    (address, handshakes)
}

/// An HTTP proxy on 127.0.0.1 that only tunnels (`CONNECT`), and only to 127.0.0.1 or
/// localhost. Counts tunnels.
async fn connect_proxy() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let tunnels = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&tunnels);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let counted = Arc::clone(&counted);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                    match client.read(&mut byte).await {
                        Ok(1) => head.push(byte[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head);
                let target = head
                    .lines()
                    .next()
                    .and_then(|line| line.strip_prefix("CONNECT "))
                    .and_then(|rest| rest.split(' ').next())
                    .filter(|t| t.starts_with("127.0.0.1:") || t.starts_with("localhost:"))
                    .map(|t| t.replace("localhost:", "127.0.0.1:"));
                let Some(target) = target else {
                    let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n").await;
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                counted.fetch_add(1, Ordering::SeqCst);
                if client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (address, tunnels)
}

/// A CRM.COM session for the vendor at `base` (its `/crmapi` prefix included).
fn crmcom(base: &str) -> SessionBuilder<CrmCom> {
    let credentials = CrmCom::credentials()
        .organisation(crmcom::ORGANISATION)
        .username(crmcom::USERNAME)
        .password(crmcom::PASSWORD)
        .build();
    Session::builder(CrmCom::new(base), credentials).timeout(Duration::from_secs(5))
}

/// Logs in and calls CRM.COM's contact list; its `status.code`.
async fn list_contacts(session: &Session<CrmCom>, base: &str) -> Result<String, CrmComError> {
    let url = format!("{base}/crmapi/rest/v2/contacts/list");
    let response = session.send(session.request(Method::GET, url)).await?;
    let body: serde_json::Value = response.json().await.expect("JSON envelope");
    Ok(body["status"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// auth-sim behind a TLS front of the private PKI.
struct Vendor {
    sim: Sim,
    pki: Pki,
    /// CRM.COM's base URL at the front, by name (the certificate is for `localhost`).
    base: String,
    /// TLS handshakes the front completed.
    handshakes: Arc<AtomicUsize>,
}

impl Vendor {
    async fn start() -> Vendor {
        let sim = Sim::start().await;
        let pki = pki();
        let upstream: SocketAddr = sim
            .base_url()
            .trim_start_matches("http://")
            .parse()
            .expect("sim address");
        let (front, handshakes) = tls_front(upstream, &pki).await;
        let base = format!("https://localhost:{}{}", front.port(), crmcom::PREFIX);
        Vendor {
            sim,
            pki,
            base,
            handshakes,
        }
    }

    /// The private CA, as reqwest trusts it.
    fn ca(&self) -> reqwest::Certificate {
        reqwest::Certificate::from_pem(self.pki.ca_pem.as_bytes()).expect("CA")
    }

    /// The client certificate, as reqwest presents it.
    fn identity(&self) -> reqwest::Identity {
        reqwest::Identity::from_pem(self.pki.client_pem.as_bytes()).expect("identity")
    }
}

#[tokio::test]
async fn a_private_ca_and_a_client_certificate_serve_logins_and_api_calls() {
    let vendor = Vendor::start().await;
    let (base, sim) = (&vendor.base, &vendor.sim);
    let (ca, identity) = (vendor.ca(), vendor.identity());
    let session = crmcom(base)
        .configure_client(move |client| {
            client
                .tls_certs_only([ca.clone()])
                .identity(identity.clone())
        })
        .build()
        .expect("session");
    assert_eq!(list_contacts(&session, base).await.expect("called"), "OK");
    assert_eq!(
        sim.crmcom().logins(),
        1,
        "the login went through the TLS front"
    );
    assert_eq!(sim.crmcom().api_calls(), 1, "so did the API call");
    assert!(
        vendor.handshakes.load(Ordering::SeqCst) >= 2,
        "login and API clients both"
    );

    // Without the private CA, or without the client certificate, no login gets through.
    let ca = vendor.ca();
    let without_identity = crmcom(base).configure_client(move |c| c.tls_certs_only([ca.clone()]));
    for session in [crmcom(base), without_identity] {
        match session.build().expect("session").token().await {
            Err(CrmComError::Runtime(Error::Transport { .. })) => {}
            other => panic!("expected a transport error, got {other:?}"),
        }
    }
    assert_eq!(sim.crmcom().logins(), 1);
}

#[tokio::test]
async fn an_http_proxy_carries_logins_and_api_calls() {
    let vendor = Vendor::start().await;
    let (base, sim) = (&vendor.base, &vendor.sim);
    let (proxy, tunnels) = connect_proxy().await;
    let (ca, identity) = (vendor.ca(), vendor.identity());
    let via = reqwest::Proxy::all(format!("http://{proxy}")).expect("proxy");
    let session = crmcom(base)
        .configure_client(move |client| {
            client
                .proxy(via.clone())
                .tls_certs_only([ca.clone()])
                .identity(identity.clone())
        })
        .build()
        .expect("session");
    assert_eq!(list_contacts(&session, base).await.expect("called"), "OK");
    // One tunnel for the login client's connection, one for the API client's.
    assert!(tunnels.load(Ordering::SeqCst) >= 2, "{tunnels:?} tunnels");
    assert_eq!(
        tunnels.load(Ordering::SeqCst),
        vendor.handshakes.load(Ordering::SeqCst),
        "every connection to the vendor came through the proxy"
    );
    assert_eq!(sim.crmcom().logins(), 1);
    assert_eq!(sim.crmcom().api_calls(), 1);

    // A proxy that refuses the tunnel stops the login: the session has no other way.
    let refusing = reqwest::Proxy::all("http://127.0.0.1:9").expect("proxy");
    let blocked = crmcom(base)
        .configure_client(move |client| client.proxy(refusing.clone()))
        .build()
        .expect("session");
    assert!(blocked.token().await.is_err());
    assert_eq!(sim.crmcom().logins(), 1);
}
