//! The HTTP-Redirect binding (SAML bindings §3.4): raw DEFLATE + base64 + URL encoding, and the
//! query-string signature over the exact bytes `SAMLRequest=…&RelayState=…&SigAlg=…`.

use std::io::{Read, Write};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;

use crate::error::BindingError;

/// The RSA-SHA256 signature algorithm URI.
pub const SIG_ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// The largest message an inbound redirect may inflate to (defends against deflate bombs).
pub const MAX_INFLATED: usize = 256 * 1024;

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// DEFLATE (raw, no zlib header) and base64 a message, as the binding carries it.
pub fn deflate_base64(xml: &str) -> Result<String, BindingError> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::default());
    enc.write_all(xml.as_bytes())
        .map_err(|e| BindingError::Deflate(e.to_string()))?;
    let raw = enc
        .finish()
        .map_err(|e| BindingError::Deflate(e.to_string()))?;
    Ok(STANDARD.encode(raw))
}

/// Reverses [`deflate_base64`], refusing output larger than [`MAX_INFLATED`].
pub fn inflate_base64(encoded: &str) -> Result<String, BindingError> {
    let compact: String = encoded
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let raw = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| BindingError::Base64)?;
    let mut out = Vec::new();
    DeflateDecoder::new(raw.as_slice())
        .take(MAX_INFLATED as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| BindingError::Deflate(e.to_string()))?;
    if out.len() > MAX_INFLATED {
        return Err(BindingError::TooLarge(MAX_INFLATED));
    }
    String::from_utf8(out).map_err(|_| BindingError::NotUtf8)
}

/// Which message a redirect carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Request,
    Response,
}

impl MessageKind {
    fn param(self) -> &'static str {
        match self {
            MessageKind::Request => "SAMLRequest",
            MessageKind::Response => "SAMLResponse",
        }
    }
}

/// Builds the query string of a redirect: the encoded message, the RelayState, and, with a key,
/// `SigAlg` and `Signature` over the preceding bytes (RSA-SHA256).
pub fn redirect_query(
    kind: MessageKind,
    xml: &str,
    relay_state: Option<&str>,
    signing_key: Option<&RsaKeyPair>,
) -> Result<String, BindingError> {
    let mut query = format!("{}={}", kind.param(), url_encode(&deflate_base64(xml)?));
    if let Some(rs) = relay_state {
        query.push_str("&RelayState=");
        query.push_str(&url_encode(rs));
    }
    if let Some(key) = signing_key {
        query.push_str("&SigAlg=");
        query.push_str(&url_encode(SIG_ALG_RSA_SHA256));
        let mut sig = vec![0u8; key.public_modulus_len()];
        key.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            query.as_bytes(),
            &mut sig,
        )
        .map_err(|_| BindingError::Sign)?;
        query.push_str("&Signature=");
        query.push_str(&url_encode(&STANDARD.encode(sig)));
    }
    Ok(query)
}

/// Appends a redirect query to an endpoint URL that may already carry a query.
pub fn redirect_url(endpoint: &str, query: &str) -> String {
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{sep}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

    #[test]
    fn deflate_round_trip_and_bomb() {
        let xml = "<samlp:AuthnRequest ID=\"_x\"/>";
        assert_eq!(inflate_base64(&deflate_base64(xml).unwrap()).unwrap(), xml);
        let bomb = deflate_base64(&"a".repeat(MAX_INFLATED + 10)).unwrap();
        assert!(matches!(
            inflate_base64(&bomb),
            Err(BindingError::TooLarge(_))
        ));
        assert!(matches!(inflate_base64("***"), Err(BindingError::Base64)));
    }

    #[test]
    fn signed_query_verifies_over_exact_bytes() {
        let pkcs8 = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .and_then(|k| aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&k))
            .unwrap();
        let key = RsaKeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let q =
            redirect_query(MessageKind::Request, "<x/>", Some("state 1/2"), Some(&key)).unwrap();
        let (signed, sig) = q.split_once("&Signature=").unwrap();
        assert!(signed.contains("&RelayState=state%201%2F2&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"));
        let sig = STANDARD
            .decode(
                sig.replace("%2B", "+")
                    .replace("%2F", "/")
                    .replace("%3D", "="),
            )
            .unwrap();
        let public = UnparsedPublicKey::new(
            &RSA_PKCS1_2048_8192_SHA256,
            aws_lc_rs::signature::KeyPair::public_key(&key)
                .as_ref()
                .to_vec(),
        );
        assert!(public.verify(signed.as_bytes(), &sig).is_ok());
        assert!(
            public
                .verify(format!("{signed}x").as_bytes(), &sig)
                .is_err()
        );
        assert_eq!(
            redirect_url("https://idp/sso?x=1", "a=b"),
            "https://idp/sso?x=1&a=b"
        );
    }
}
