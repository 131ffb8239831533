//! The connections the runtime makes itself (`myapp db …`, the runner `cargo alembic`
//! builds, the scratch database of autogenerate), with TLS as libpq's `sslmode` asks when
//! the `postgres-tls` feature is on. An application connects its own client, with the TLS
//! it chooses, and hands it to the runtime.
//!
//! rust-postgres reads `sslmode` `disable`, `prefer` and `require` only; libpq's modes that
//! check the server's certificate, `verify-ca` and `verify-full`, and `sslrootcert` are read
//! here, so that a URL written for psql or Python Alembic works as it says.

use std::path::PathBuf;

use postgres::{Client, Config};

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verify {
    /// Nothing (`prefer`, `require`): encryption, not authentication, as in libpq.
    Nothing,
    /// Its chain, to a trusted root (`verify-ca`).
    Chain,
    /// Its chain and that it names the host connected to (`verify-full`).
    ChainAndHost,
}

/// A server to connect to: rust-postgres's configuration, and the certificate checks libpq's
/// URL asks for.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Everything rust-postgres reads (`sslmode=require` when a certificate is checked).
    pub(crate) config: Config,
    verify: Verify,
    /// The trusted roots (`sslrootcert`): a PEM file; the system's when `None`.
    #[cfg_attr(
        not(feature = "postgres-tls"),
        allow(dead_code, reason = "only the TLS connector reads it")
    )]
    root_cert: Option<PathBuf>,
}

impl Target {
    /// Reads a `postgres://` URL.
    ///
    /// # Errors
    /// rust-postgres's reason, for a URL it cannot read.
    pub(crate) fn parse(url: &str) -> Result<Target, postgres::Error> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut verify = Verify::Nothing;
        let mut root_cert = None;
        let mut kept: Vec<&str> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=').unwrap_or((pair, "")) {
                ("sslmode", "verify-ca") => verify = Verify::Chain,
                ("sslmode", "verify-full") => verify = Verify::ChainAndHost,
                ("sslrootcert", path) => {
                    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
                    root_cert = Some(PathBuf::from(path.into_owned()));
                }
                _ => kept.push(pair),
            }
        }
        if verify != Verify::Nothing {
            kept.retain(|p| !p.starts_with("sslmode="));
            kept.push("sslmode=require");
        }
        let config = if kept.is_empty() {
            base.parse()?
        } else {
            format!("{base}?{}", kept.join("&")).parse()?
        };
        Ok(Target {
            config,
            verify,
            root_cert,
        })
    }
}

/// Why a connection failed.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// The server or the network refused.
    Postgres(postgres::Error),
    /// The system's TLS library could not be set up, or the trusted roots read.
    #[cfg(feature = "postgres-tls")]
    Tls(String),
    /// The URL asks for a certificate check, and this build has no TLS.
    #[cfg(not(feature = "postgres-tls"))]
    NoTls,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Postgres(e) => f.write_str(&crate::error::postgres_message(e)),
            #[cfg(feature = "postgres-tls")]
            ConnectError::Tls(e) => write!(f, "cannot set up TLS: {e}"),
            #[cfg(not(feature = "postgres-tls"))]
            ConnectError::NoTls => f.write_str(
                "the URL asks for the server's certificate to be checked (sslmode=verify-ca or \
                 verify-full), and this build connects without TLS: build alembic-runtime with \
                 the postgres-tls feature (cargo alembic's runner has it)",
            ),
        }
    }
}

/// Connects to the server `target` names. With `postgres-tls`, `sslmode=prefer` (the
/// default) tries TLS first and `require` insists on it; as libpq's modes of those names,
/// neither verifies the server's certificate (encryption, not authentication).
/// `verify-ca` checks the certificate's chain up to a root of `sslrootcert` (else of the
/// system's), and `verify-full` also that it names the host. Without the feature,
/// connections are plain, and `require` and the `verify-` modes fail.
pub(crate) fn connect(target: &Target) -> Result<Client, ConnectError> {
    #[cfg(feature = "postgres-tls")]
    if target.config.get_ssl_mode() != postgres::config::SslMode::Disable {
        let checked = target.verify != Verify::Nothing;
        let mut tls = native_tls::TlsConnector::builder();
        tls.danger_accept_invalid_certs(!checked)
            .danger_accept_invalid_hostnames(target.verify != Verify::ChainAndHost);
        if let Some(path) = target.root_cert.as_ref().filter(|_| checked) {
            let pem = std::fs::read(path).map_err(|e| {
                ConnectError::Tls(format!("cannot read sslrootcert {}: {e}", path.display()))
            })?;
            // As libpq: the file's roots (a bundle of several, as cloud providers ship
            // them), and only them.
            tls.disable_built_in_roots(true);
            let roots = native_tls::Certificate::stack_from_pem(&pem).map_err(|e| {
                ConnectError::Tls(format!(
                    "sslrootcert {} holds an unreadable certificate: {e}",
                    path.display()
                ))
            })?;
            if roots.is_empty() {
                return Err(ConnectError::Tls(format!(
                    "sslrootcert {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                    path.display()
                )));
            }
            for root in roots {
                tls.add_root_certificate(root);
            }
        }
        let tls = tls.build().map_err(|e| ConnectError::Tls(e.to_string()))?;
        return target
            .config
            .connect(postgres_native_tls::MakeTlsConnector::new(tls))
            .map_err(ConnectError::Postgres);
    }
    #[cfg(not(feature = "postgres-tls"))]
    if target.verify != Verify::Nothing {
        return Err(ConnectError::NoTls);
    }
    target
        .config
        .connect(postgres::NoTls)
        .map_err(ConnectError::Postgres)
}

#[cfg(test)]
mod tests {
    use super::{Target, Verify};

    #[test]
    fn libpq_verify_modes_and_root_certificates_are_read_beside_rust_postgres_parameters() {
        let t = Target::parse(
            "postgres://u@h:5433/db?sslrootcert=%2Fetc%2Fca%20x.pem&sslmode=verify-full&connect_timeout=3",
        )
        .unwrap();
        assert_eq!(t.verify, Verify::ChainAndHost);
        assert_eq!(t.root_cert.unwrap().to_str(), Some("/etc/ca x.pem"));
        assert_eq!(t.config.get_ssl_mode(), postgres::config::SslMode::Require);
        assert_eq!(
            t.config.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(3))
        );
        let plain = Target::parse("postgres://u@h/db?sslmode=disable").unwrap();
        assert_eq!(plain.verify, Verify::Nothing);
        assert_eq!(
            plain.config.get_ssl_mode(),
            postgres::config::SslMode::Disable
        );
        assert_eq!(
            Target::parse("postgres://u@h/db?sslmode=verify-ca")
                .unwrap()
                .verify,
            Verify::Chain
        );
        assert!(Target::parse("postgres://u@h/db?sslmode=sometimes").is_err());
    }
}
