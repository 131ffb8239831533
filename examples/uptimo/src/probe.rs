//! Probing a monitor: an HTTP GET for `http://` URLs, a TCP connection to the first bootstrap
//! server for Kafka monitors. Plain std networking with timeouts: uptimo is an example, and
//! its tests probe servers on the loopback interface only.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(5);

/// What a probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `up` or `down`.
    pub status: &'static str,
    /// How long it took, when something answered.
    pub latency_ms: Option<i64>,
    /// The HTTP status line, or why it failed.
    pub detail: String,
}

fn down(detail: impl Into<String>) -> Outcome {
    Outcome {
        status: "down",
        latency_ms: None,
        detail: detail.into(),
    }
}

fn connect(address: &str) -> Result<(TcpStream, Instant), String> {
    let start = Instant::now();
    let addr = address
        .to_socket_addrs()
        .map_err(|e| format!("{address}: {e}"))?
        .next()
        .ok_or_else(|| format!("{address}: no address"))?;
    let stream =
        TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("{address}: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    Ok((stream, start))
}

/// GETs an `http://host[:port]/path` URL; up when the status is below 400.
pub fn http(url: &str) -> Outcome {
    let Some(rest) = url.strip_prefix("http://") else {
        return down(format!("unsupported URL {url}: only http:// is probed"));
    };
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let address = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:80")
    };
    let (mut stream, start) = match connect(&address) {
        Ok(connected) => connected,
        Err(e) => return down(e),
    };
    let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: uptimo\r\n\r\n");
    let mut response = Vec::new();
    if let Err(e) = stream
        .write_all(request.as_bytes())
        .and_then(|()| stream.take(4096).read_to_end(&mut response))
    {
        return down(format!("{address}: {e}"));
    }
    let latency = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
    let text = String::from_utf8_lossy(&response);
    let status_line = text.lines().next().unwrap_or_default().to_owned();
    let code: Option<u16> = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok());
    match code {
        Some(code) if code < 400 => Outcome {
            status: "up",
            latency_ms: Some(latency),
            detail: status_line,
        },
        Some(_) => Outcome {
            status: "down",
            latency_ms: Some(latency),
            detail: status_line,
        },
        None => down(format!("{address}: not an HTTP response")),
    }
}

/// Connects to the first of a Kafka monitor's bootstrap servers (`host:port,…`).
pub fn kafka(bootstrap: &str) -> Outcome {
    let first = bootstrap.split(',').next().unwrap_or_default().trim();
    match connect(first) {
        Ok((_, start)) => Outcome {
            status: "up",
            latency_ms: Some(i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX)),
            detail: format!("connected to {first}"),
        },
        Err(e) => down(e),
    }
}
