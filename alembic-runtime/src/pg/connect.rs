//! The connections the runtime makes itself (`myapp db …`, the runner `cargo alembic`
//! builds, the scratch database of autogenerate), with TLS as libpq's `sslmode` asks when
//! the `postgres-tls` feature is on. An application connects its own client, with the TLS
//! it chooses, and hands it to the runtime.

use postgres::{Client, Config};

/// Why a connection failed.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// The server or the network refused.
    Postgres(postgres::Error),
    /// The system's TLS library could not be set up.
    #[cfg(feature = "postgres-tls")]
    Tls(native_tls::Error),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Postgres(e) => f.write_str(&crate::error::postgres_message(e)),
            #[cfg(feature = "postgres-tls")]
            ConnectError::Tls(e) => write!(f, "cannot set up TLS: {e}"),
        }
    }
}

/// Connects to the server `config` names. With `postgres-tls`, `sslmode=prefer` (the
/// default) tries TLS first and `require` insists on it; as libpq's modes of those names,
/// neither verifies the server's certificate (encryption, not authentication). Without the
/// feature, connections are plain and `require` fails.
pub(crate) fn connect(config: &Config) -> Result<Client, ConnectError> {
    #[cfg(feature = "postgres-tls")]
    if config.get_ssl_mode() != postgres::config::SslMode::Disable {
        let tls = native_tls::TlsConnector::builder()
            .danger_accept_invalid_certs(true)
            .danger_accept_invalid_hostnames(true)
            .build()
            .map_err(ConnectError::Tls)?;
        return config
            .connect(postgres_native_tls::MakeTlsConnector::new(tls))
            .map_err(ConnectError::Postgres);
    }
    config
        .connect(postgres::NoTls)
        .map_err(ConnectError::Postgres)
}
