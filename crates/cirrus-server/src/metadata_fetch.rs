//! Fetching IdP metadata from a `MetadataURL`: HTTPS only, public addresses only (no SSRF into
//! the deployment's network), a short timeout, a size cap and no redirects. With
//! `--allow-insecure-metadata-urls` (development and tests) http and private addresses pass.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use async_trait::async_trait;
use cirrus_core::ops::MetadataFetcher;

/// The largest metadata document fetched.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;
/// How long a fetch may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Fetches metadata over HTTP(S) with reqwest.
#[derive(Debug, Clone)]
pub struct HttpMetadataFetcher {
    allow_insecure: bool,
}

impl HttpMetadataFetcher {
    /// A fetcher; `allow_insecure` also permits http and private or loopback addresses.
    pub fn new(allow_insecure: bool) -> Self {
        HttpMetadataFetcher { allow_insecure }
    }
}

/// Whether an address is one a metadata fetch may reach from a production deployment.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let seg0 = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg0 & 0xfe00) == 0xfc00
                || (seg0 & 0xffc0) == 0xfe80)
        }
    }
}

#[async_trait]
impl MetadataFetcher for HttpMetadataFetcher {
    async fn fetch(&self, raw: &str) -> Result<String, String> {
        let url = url::Url::parse(raw)
            .map_err(|e| format!("MetadataURL '{raw}' is not a valid URL: {e}."))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure => {}
            _ => {
                return Err(format!(
                    "MetadataURL '{raw}' must use https (start the server with --allow-insecure-metadata-urls to allow http in development)."
                ));
            }
        }
        let host = url
            .host_str()
            .ok_or_else(|| format!("MetadataURL '{raw}' has no host."))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| format!("Could not resolve the host of MetadataURL '{raw}': {e}."))?
            .collect();
        let Some(addr) = addrs.first().copied() else {
            return Err(format!("The host of MetadataURL '{raw}' has no address."));
        };
        if !self.allow_insecure
            && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip()))
        {
            return Err(format!(
                "MetadataURL '{raw}' resolves to the non-public address {}; metadata is fetched only from public addresses.",
                bad.ip()
            ));
        }
        // Connect to the address that was checked, so DNS cannot change its answer in between.
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&host, addr)
            .build()
            .map_err(|e| format!("Could not fetch MetadataURL '{raw}': {e}."))?;
        let mut response = client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| format!("Could not fetch MetadataURL '{raw}': {e}."))?;
        let status = response.status();
        if !status.is_success() {
            let hint = if status.is_redirection() {
                " (redirects are not followed; give the final URL)"
            } else {
                ""
            };
            return Err(format!(
                "Non-ok status code {} returned from remote metadata source {raw}{hint}",
                status.as_u16()
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("Could not read MetadataURL '{raw}': {e}."))?
        {
            if body.len() + chunk.len() > MAX_METADATA_BYTES {
                return Err(format!(
                    "The document at MetadataURL '{raw}' is larger than {MAX_METADATA_BYTES} bytes."
                ));
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body)
            .map_err(|_| format!("The document at MetadataURL '{raw}' is not UTF-8 text."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["8.8.8.8", "1.1.1.1", "2606:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn refuses_http_and_private_without_the_flag() {
        let f = HttpMetadataFetcher::new(false);
        assert!(
            f.fetch("http://idp.example.com/m")
                .await
                .unwrap_err()
                .contains("https")
        );
        assert!(
            f.fetch("https://127.0.0.1/m")
                .await
                .unwrap_err()
                .contains("non-public")
        );
        assert!(f.fetch("ftp://x/m").await.is_err());
        assert!(f.fetch("not a url").await.is_err());
    }
}
