//! IdP-initiated single logout: validation of the IdP's `samlp:LogoutRequest` received over
//! HTTP-Redirect (query signature) or HTTP-POST (enveloped signature), and the SP's answer.
//!
//! Checks: root `samlp:LogoutRequest`, Version 2.0, ID, unique IDs; signature required by
//! default (query signature over the exact received octets, or the enveloped signature of the
//! root, read from the signed bytes only); Issuer present and equal to the IdP entity ID (Format
//! entity or absent); Destination equal to our SLO URL (required when signed); IssueInstant not
//! in the future and not older than the message lifetime, NotOnOrAfter not passed (both with
//! skew); exactly one plain `saml:NameID` (EncryptedID and BaseID refused); SessionIndex values
//! plain text.
//!
//! Not done here (the caller's job): remembering request IDs until they expire (replay), and
//! ending the sessions that match `name_id` / `session_indexes`.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use roxmltree::Node;
use time::OffsetDateTime;

use crate::datetime::{format_datetime, parse_datetime};
use crate::error::{MessageError, ResponseError};
use crate::messages::{
    LogoutKind, LogoutMessage, RedirectParam, RedirectSigner, SpLogoutResponse, redirect_url,
};
use crate::redirect::decode_redirect;
use crate::response::{DEFAULT_CLOCK_SKEW, NAMEID_ENTITY, NameId, ProviderTrust};
use crate::xml::{self, NS_SAML, NS_SAMLP, XmlLimits};

/// Default maximum age of a LogoutRequest's IssueInstant (plus skew): 5 minutes.
pub const DEFAULT_MESSAGE_LIFETIME: Duration = Duration::from_secs(300);

/// What the SP expects of a `LogoutRequest` sent by the IdP to its SLO endpoint.
#[derive(Debug, Clone)]
pub struct LogoutRequestExpectations {
    /// Our SLO URL (the required Destination).
    pub slo_url: String,
    /// Require a signature (default true; the redirect binding then needs SigAlg+Signature).
    pub require_signature: bool,
    /// Allowed clock skew.
    pub clock_skew: Duration,
    /// Maximum age of IssueInstant (beyond skew).
    pub message_lifetime: Duration,
    /// The current time.
    pub now: OffsetDateTime,
    /// Parser limits.
    pub limits: XmlLimits,
}

impl LogoutRequestExpectations {
    /// Defaults: signature required, 180 s skew, 5 min lifetime, message limits.
    pub fn new(slo_url: impl Into<String>, now: OffsetDateTime) -> Self {
        LogoutRequestExpectations {
            slo_url: slo_url.into(),
            require_signature: true,
            clock_skew: DEFAULT_CLOCK_SKEW,
            message_lifetime: DEFAULT_MESSAGE_LIFETIME,
            now,
            limits: XmlLimits::MESSAGE,
        }
    }
}

/// A validated IdP `LogoutRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpLogoutRequest {
    /// Request ID (answer with it as InResponseTo; remember it against replay).
    pub id: String,
    /// The IdP entity ID (the Issuer).
    pub issuer: String,
    /// Whose sessions to end.
    pub name_id: NameId,
    /// Which sessions (empty: all of this NameID's sessions from this IdP).
    pub session_indexes: Vec<String>,
    /// IssueInstant.
    pub issue_instant: OffsetDateTime,
    /// NotOnOrAfter, if given (keep the ID in the replay cache until then).
    pub not_on_or_after: Option<OffsetDateTime>,
    /// `Reason`, if given.
    pub reason: Option<String>,
    /// Whether a signature (query or enveloped) verified.
    pub signed: bool,
    /// The decoded RelayState (HTTP-Redirect only; for POST the caller has the form field).
    pub relay_state: Option<String>,
}

/// Validates an IdP `LogoutRequest` received over HTTP-Redirect. `raw_query` is the query string
/// exactly as received (the part of the URI after `?`).
pub fn validate_logout_request_redirect(
    raw_query: &str,
    trust: &ProviderTrust,
    expect: &LogoutRequestExpectations,
) -> Result<IdpLogoutRequest, ResponseError> {
    let msg = decode_redirect(
        raw_query,
        RedirectParam::Request,
        trust,
        expect.now,
        expect.require_signature,
        "LogoutRequest",
    )?;
    let mut out = logout_request_from_xml(&msg.xml, msg.signature.is_some(), trust, expect)?;
    out.relay_state = msg.relay_state;
    Ok(out)
}

/// Validates an IdP `LogoutRequest` received over HTTP-POST (the base64 `SAMLRequest` field).
pub fn validate_logout_request_post(
    saml_request_b64: &str,
    trust: &ProviderTrust,
    expect: &LogoutRequestExpectations,
) -> Result<IdpLogoutRequest, ResponseError> {
    let limit = expect.limits.max_bytes.saturating_mul(4) / 3 + 4096;
    if saml_request_b64.len() > limit {
        return Err(ResponseError::TooLarge {
            size: saml_request_b64.len(),
            limit,
        });
    }
    let compact: Vec<u8> = saml_request_b64
        .bytes()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = STANDARD
        .decode(&compact)
        .map_err(|e| ResponseError::Base64(e.to_string()))?;
    logout_request_from_xml(&bytes, false, trust, expect)
}

fn schema_missing(item: &'static str) -> ResponseError {
    ResponseError::Missing {
        element: "LogoutRequest",
        item,
    }
}

fn time_attr(
    node: Node<'_, '_>,
    name: &'static str,
    field: &'static str,
) -> Result<Option<OffsetDateTime>, ResponseError> {
    node.attribute(name)
        .map(|v| {
            parse_datetime(v).map_err(|_| ResponseError::BadTimestamp {
                field,
                value: v.to_string(),
            })
        })
        .transpose()
}

fn logout_request_from_xml(
    bytes: &[u8],
    query_signed: bool,
    trust: &ProviderTrust,
    expect: &LogoutRequestExpectations,
) -> Result<IdpLogoutRequest, ResponseError> {
    LogoutMessage {
        kind: LogoutKind::Request,
        query_signed,
        require_signature: expect.require_signature,
        now: expect.now,
        limits: &expect.limits,
    }
    .read(bytes, trust, |msg, signed| {
        let id = msg
            .attribute("ID")
            .filter(|v| !v.is_empty())
            .ok_or_else(|| schema_missing("ID"))?
            .to_string();

        // Times.
        let issue_instant = time_attr(msg, "IssueInstant", "LogoutRequest IssueInstant")?
            .ok_or_else(|| schema_missing("IssueInstant"))?;
        let not_on_or_after = time_attr(msg, "NotOnOrAfter", "LogoutRequest NotOnOrAfter")?;
        let skew = time::Duration::try_from(expect.clock_skew).unwrap_or(time::Duration::DAY);
        let lifetime =
            time::Duration::try_from(expect.message_lifetime).unwrap_or(time::Duration::DAY);
        let now = expect.now;
        // checked_add: a timestamp near the end of the representable range must not panic.
        let later = |t: OffsetDateTime, d: time::Duration| t.checked_add(d);
        if later(now, skew).is_some_and(|limit| issue_instant > limit) {
            return Err(ResponseError::NotYetValid {
                field: "LogoutRequest IssueInstant",
                at: format_datetime(issue_instant),
                now: format_datetime(now),
                skew_seconds: expect.clock_skew.as_secs(),
            });
        }
        if later(issue_instant, lifetime + skew).is_some_and(|end| end < now) {
            return Err(ResponseError::Expired {
                field: "LogoutRequest IssueInstant (+ message lifetime)",
                at: format_datetime(later(issue_instant, lifetime).unwrap_or(issue_instant)),
                now: format_datetime(now),
                skew_seconds: expect.clock_skew.as_secs(),
            });
        }
        if let Some(t) = not_on_or_after
            && later(t, skew).is_some_and(|end| now >= end)
        {
            return Err(ResponseError::Expired {
                field: "LogoutRequest NotOnOrAfter",
                at: format_datetime(t),
                now: format_datetime(now),
                skew_seconds: expect.clock_skew.as_secs(),
            });
        }

        // Issuer: required by the SLO profile (profiles §4.4.4.1).
        let issuer_el = match xml::single_child(msg, NS_SAML, "Issuer") {
            Ok(i) => i,
            Err(count) => {
                return Err(ResponseError::Duplicated {
                    element: "Issuer",
                    count,
                });
            }
        };
        let issuer = issuer_el
            .map(xml::text_content)
            .transpose()?
            .unwrap_or_default();
        if issuer != trust.entity_id {
            return Err(ResponseError::Issuer {
                element: "LogoutRequest",
                expected: trust.entity_id.clone(),
                found: issuer,
            });
        }
        if let Some(f) = issuer_el.and_then(|i| i.attribute("Format"))
            && f != NAMEID_ENTITY
        {
            return Err(ResponseError::IssuerFormat(f.to_string()));
        }

        match msg.attribute("Destination") {
            Some(d) if d == expect.slo_url => {}
            None if !signed => {}
            found => {
                return Err(ResponseError::Destination {
                    expected: expect.slo_url.clone(),
                    found: found.map(str::to_string),
                });
            }
        }

        // Identifier: exactly one plain NameID.
        for (local, what) in [("EncryptedID", "EncryptedID"), ("BaseID", "BaseID")] {
            if xml::children(msg, NS_SAML, local).next().is_some() {
                return Err(ResponseError::NameId(format!(
                    "{what} is not supported in LogoutRequest"
                )));
            }
        }
        let name_id_el = match xml::single_child(msg, NS_SAML, "NameID") {
            Ok(Some(n)) => n,
            Ok(None) => return Err(ResponseError::NameId("no saml:NameID".into())),
            Err(count) => {
                return Err(ResponseError::Duplicated {
                    element: "NameID",
                    count,
                });
            }
        };
        if name_id_el.children().any(|c| !c.is_text()) {
            return Err(ResponseError::NameId("NameID is not plain text".into()));
        }
        let value = xml::text_content(name_id_el)?;
        if value.trim().is_empty() {
            return Err(ResponseError::NameId("NameID is empty".into()));
        }
        let name_id = NameId {
            value,
            format: name_id_el.attribute("Format").map(str::to_string),
            name_qualifier: name_id_el.attribute("NameQualifier").map(str::to_string),
            sp_name_qualifier: name_id_el.attribute("SPNameQualifier").map(str::to_string),
        };
        let mut session_indexes = Vec::new();
        for s in xml::children(msg, NS_SAMLP, "SessionIndex") {
            if s.children().any(|c| !c.is_text()) {
                return Err(ResponseError::Missing {
                    element: "SessionIndex",
                    item: "plain text content",
                });
            }
            session_indexes.push(xml::text_content(s)?);
        }

        Ok(IdpLogoutRequest {
            id,
            issuer,
            name_id,
            session_indexes,
            issue_instant,
            not_on_or_after,
            reason: msg.attribute("Reason").map(str::to_string),
            signed,
            relay_state: None,
        })
    })
}

impl SpLogoutResponse {
    /// The Success answer to a validated IdP LogoutRequest, to be sent to `destination` (the
    /// IdP's SLO `ResponseLocation`, else `Location`).
    pub fn answering(
        request: &IdpLogoutRequest,
        id: impl Into<String>,
        issue_instant: OffsetDateTime,
        destination: impl Into<String>,
        sp_entity_id: impl Into<String>,
    ) -> Self {
        SpLogoutResponse::success(
            id,
            issue_instant,
            destination,
            request.id.clone(),
            sp_entity_id,
        )
    }

    /// The HTTP-Redirect URL carrying this response (`SAMLResponse`, RelayState echoed, query
    /// signature with `signer`).
    pub fn redirect_url(
        &self,
        relay_state: Option<&str>,
        signer: Option<&RedirectSigner>,
    ) -> Result<String, MessageError> {
        redirect_url(
            &self.destination,
            RedirectParam::Response,
            &self.to_xml()?,
            relay_state,
            signer,
        )
    }
}
