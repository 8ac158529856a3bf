//! Messages received over the HTTP-Redirect binding (SAML bindings §3.4): query parsing, the
//! query signature, and bounded raw-DEFLATE inflation.
//!
//! * the caller passes the query string **exactly as received** (the part of the request URI
//!   after `?`, never re-serialized): the signature covers the URL-encoded octets
//!   `SAMLRequest=…[&RelayState=…]&SigAlg=…` as they appeared (bindings §3.4.4.1), rebuilt here in
//!   that order from the raw values;
//! * every binding parameter (`SAMLRequest`, `SAMLResponse`, `RelayState`, `SigAlg`,
//!   `Signature`) at most once; percent-encoded parameter names are refused (a second decoder
//!   could otherwise see different parameters than we verified); other parameters are ignored
//!   and are not signed;
//! * `SigAlg` allow-listed as for XML signatures (RSA-SHA256/384/512, ECDSA-SHA256/384, RSA-SHA1
//!   only when the provider allows SHA-1); keys only from the configured certificates;
//! * the payload inflates to at most [`MAX_INFLATED_BYTES`] (deflate bombs), with no trailing
//!   data, and the result goes through the hardened parser;
//! * a `ds:Signature` inside a redirect-bound message is refused (the binding requires it be
//!   removed; accepting it would let two signatures disagree).

use std::io::Read as _;

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use crate::dsig::SignatureAlgorithm;
use crate::error::{DsigError, ResponseError};
use crate::messages::RedirectParam;
use crate::response::ProviderTrust;

/// Hard cap on the inflated size of a redirect-bound message (256 KiB).
pub const MAX_INFLATED_BYTES: usize = 256 * 1024;
/// Cap on the raw query length, checked before anything is decoded.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// A redirect-bound message whose query signature (if any) verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectMessage {
    /// The inflated message XML (not yet parsed).
    pub xml: Vec<u8>,
    /// The decoded `RelayState`, if present.
    pub relay_state: Option<String>,
    /// The verified query signature algorithm and the SHA-256 fingerprint of the configured
    /// certificate that verified it; `None` if the query was unsigned.
    pub signature: Option<(SignatureAlgorithm, [u8; 32])>,
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Strict percent-decoding (`%XX` with hex digits only); `+` is a space when `plus_is_space`.
fn percent_decode(raw: &str, plus_is_space: bool) -> Result<Vec<u8>, ResponseError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_value);
                let lo = bytes.get(i + 2).copied().and_then(hex_value);
                match (hi, lo) {
                    (Some(h), Some(l)) => out.push(h << 4 | l),
                    _ => {
                        return Err(ResponseError::Binding(format!(
                            "bad percent-encoding at offset {i}"
                        )));
                    }
                }
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Raw (still URL-encoded) values of the binding parameters.
#[derive(Default)]
struct RawParams<'q> {
    message: Option<&'q str>,
    relay_state: Option<&'q str>,
    sig_alg: Option<&'q str>,
    signature: Option<&'q str>,
}

const BINDING_PARAMS: &[&str] = &[
    "SAMLRequest",
    "SAMLResponse",
    "RelayState",
    "SigAlg",
    "Signature",
];

fn split_query(query: &str, param: RedirectParam) -> Result<RawParams<'_>, ResponseError> {
    let wanted = match param {
        RedirectParam::Request => "SAMLRequest",
        RedirectParam::Response => "SAMLResponse",
    };
    let mut raw = RawParams::default();
    let mut seen: Vec<&str> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decoded = percent_decode(name, true)?;
        let decoded = String::from_utf8_lossy(&decoded);
        let Some(known) = BINDING_PARAMS.iter().copied().find(|p| *p == decoded) else {
            continue; // not a binding parameter: ignored, never signed
        };
        if name != known {
            return Err(ResponseError::Binding(format!(
                "parameter name {known} is percent-encoded ({name:?})"
            )));
        }
        if seen.contains(&known) {
            return Err(ResponseError::Binding(format!(
                "parameter {known} occurs more than once"
            )));
        }
        seen.push(known);
        match known {
            "RelayState" => raw.relay_state = Some(value),
            "SigAlg" => raw.sig_alg = Some(value),
            "Signature" => raw.signature = Some(value),
            k if k == wanted => raw.message = Some(value),
            other => {
                return Err(ResponseError::Binding(format!(
                    "unexpected {other} (expected {wanted})"
                )));
            }
        }
    }
    if raw.message.is_none_or(str::is_empty) {
        return Err(ResponseError::Binding(format!("no {wanted} parameter")));
    }
    Ok(raw)
}

fn base64_value(raw: &str, what: &str) -> Result<Vec<u8>, ResponseError> {
    // Base64 never contains spaces, so a literal '+' is a '+' whatever the sender's encoder.
    let text = percent_decode(raw, false)?;
    let compact: Vec<u8> = text
        .into_iter()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD
        .decode(&compact)
        .map_err(|e| ResponseError::Base64(format!("{what}: {e}")))
}

/// Verification algorithms for a query signature. ECDSA query signatures come in two encodings
/// in practice: XML-DSig's fixed-width `r || s` and the ASN.1 DER `ECDSA-Sig-Value` that
/// OpenSAML/Shibboleth and other JCA-based IdPs produce for this binding (they sign the octets
/// with the platform API, no XML-DSig conversion). Both encode the same (r, s), so accepting both
/// adds no forgery path.
fn query_verifiers(alg: SignatureAlgorithm) -> Vec<&'static dyn VerificationAlgorithm> {
    match alg {
        SignatureAlgorithm::EcdsaSha256 => vec![
            &signature::ECDSA_P256_SHA256_FIXED,
            &signature::ECDSA_P256_SHA256_ASN1,
        ],
        SignatureAlgorithm::EcdsaSha384 => vec![
            &signature::ECDSA_P384_SHA384_FIXED,
            &signature::ECDSA_P384_SHA384_ASN1,
        ],
        other => vec![other.verification()],
    }
}

/// Raw-DEFLATE inflation capped at `cap` bytes; trailing data after the stream is refused.
pub fn inflate_capped(deflated: &[u8], cap: usize) -> Result<Vec<u8>, ResponseError> {
    let mut decoder = flate2::bufread::DeflateDecoder::new(deflated);
    let mut out = Vec::with_capacity(deflated.len().saturating_mul(4).min(cap));
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    (&mut decoder)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| ResponseError::Inflate(format!("corrupt DEFLATE data: {e}")))?;
    if out.len() > cap {
        return Err(ResponseError::Inflate(format!(
            "inflates beyond the {cap}-byte cap (deflate bomb?)"
        )));
    }
    if !decoder.get_ref().is_empty() {
        return Err(ResponseError::Inflate(
            "trailing data after the DEFLATE stream".into(),
        ));
    }
    Ok(out)
}

/// Decodes a redirect-bound message from the raw query string: checks the parameters,
/// verifies the query signature against the provider's usable signing certificates (required
/// when `require_signature`), inflates the payload (at most [`MAX_INFLATED_BYTES`]).
///
/// `element` names the message in errors (`LogoutRequest`, `LogoutResponse`).
pub fn decode_redirect(
    query: &str,
    param: RedirectParam,
    trust: &ProviderTrust,
    now: OffsetDateTime,
    require_signature: bool,
    element: &'static str,
) -> Result<RedirectMessage, ResponseError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    if query.len() > MAX_QUERY_BYTES {
        return Err(ResponseError::TooLarge {
            size: query.len(),
            limit: MAX_QUERY_BYTES,
        });
    }
    let raw = split_query(query, param)?;
    let message_raw = raw.message.unwrap_or_default();
    let sig_err = |source| ResponseError::Signature { element, source };
    let relay_state = raw
        .relay_state
        .map(|rs| {
            String::from_utf8(percent_decode(rs, true)?)
                .map_err(|_| ResponseError::Binding("RelayState is not UTF-8".into()))
        })
        .transpose()?;

    let signature = match (raw.sig_alg, raw.signature) {
        (None, None) if require_signature => return Err(ResponseError::SignatureMissing),
        (None, None) => None,
        (Some(_), None) => return Err(ResponseError::Binding("SigAlg without Signature".into())),
        (None, Some(_)) => return Err(ResponseError::Binding("Signature without SigAlg".into())),
        (Some(alg_raw), Some(sig_raw)) => {
            let alg_uri = String::from_utf8(percent_decode(alg_raw, true)?)
                .map_err(|_| ResponseError::Binding("SigAlg is not UTF-8".into()))?;
            let alg = SignatureAlgorithm::from_uri(&alg_uri)
                .ok_or_else(|| sig_err(DsigError::SignatureAlgorithmNotAllowed(alg_uri.clone())))?;
            if alg == SignatureAlgorithm::RsaSha1 && !trust.algorithms.allow_sha1 {
                return Err(sig_err(DsigError::Sha1NotAllowed(alg_uri)));
            }
            let sig = base64_value(sig_raw, "Signature")
                .map_err(|_| sig_err(DsigError::Base64("Signature")))?;
            let name = match param {
                RedirectParam::Request => "SAMLRequest",
                RedirectParam::Response => "SAMLResponse",
            };
            let mut signed = format!("{name}={message_raw}");
            if let Some(rs) = raw.relay_state {
                signed.push_str("&RelayState=");
                signed.push_str(rs);
            }
            signed.push_str("&SigAlg=");
            signed.push_str(alg_raw);
            let certs = trust.usable_certificates(now)?;
            if certs.is_empty() {
                return Err(sig_err(DsigError::NoTrustedCertificates));
            }
            let cert = certs
                .iter()
                .find(|c| {
                    query_verifiers(alg).iter().any(|v| {
                        UnparsedPublicKey::new(*v, &c.spki_der)
                            .verify(signed.as_bytes(), &sig)
                            .is_ok()
                    })
                })
                .ok_or_else(|| sig_err(DsigError::SignatureInvalid(certs.len())))?;
            Some((alg, cert.sha256_fingerprint))
        }
    };

    let deflated = base64_value(message_raw, element)?;
    let xml = inflate_capped(&deflated, MAX_INFLATED_BYTES)?;
    Ok(RedirectMessage {
        xml,
        relay_state,
        signature,
    })
}
