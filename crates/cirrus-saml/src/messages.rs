//! Outgoing SP messages (AuthnRequest, LogoutRequest) written with quick-xml, the HTTP-Redirect
//! binding (DEFLATE, base64, URL encoding, RSA-SHA256 query signature), and validation of the
//! IdP's `LogoutResponse` received over HTTP-POST.
//!
//! Message IDs and times come from the caller (no randomness, no clock here).

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use roxmltree::Node;
use time::OffsetDateTime;
use url::form_urlencoded::byte_serialize;

use crate::datetime::{format_datetime, parse_datetime};
use crate::dsig::{self, VerifiedElement};
use crate::dsig_sign::{SignaturePlacement, sign_enveloped};
use crate::error::{MessageError, ResponseError};
use crate::metadata::binding;
use crate::response::{NameId, ProviderTrust, STATUS_SUCCESS};
use crate::xml::{self, NS_DS, NS_SAML, NS_SAMLP, XmlLimits};

/// `SigAlg` of redirect-binding signatures made here.
pub const SIG_ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// Persistent NameID format (the default NameIDPolicy).
pub const NAMEID_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

/// A message ID from caller-supplied random bytes: `_` followed by lower-case hex (valid NCName).
pub fn message_id(random: &[u8; 20]) -> String {
    format!("_{}", hex::encode(random))
}

/// An SP-initiated `samlp:AuthnRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    /// Request ID (remember it: the response's InResponseTo must match).
    pub id: String,
    /// IssueInstant.
    pub issue_instant: OffsetDateTime,
    /// The IdP SSO URL (HTTP-Redirect `SingleSignOnService`).
    pub destination: String,
    /// Our ACS URL (HTTP-POST).
    pub acs_url: String,
    /// Our SP entity ID (the Issuer).
    pub sp_entity_id: String,
    /// NameIDPolicy Format (`None`: no NameIDPolicy element).
    pub name_id_format: Option<String>,
    /// NameIDPolicy AllowCreate.
    pub allow_create: bool,
    /// Ask the IdP to re-authenticate.
    pub force_authn: bool,
    /// Ask the IdP not to interact with the user.
    pub is_passive: bool,
}

/// An SP-initiated `samlp:LogoutRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    /// Request ID (the LogoutResponse's InResponseTo must match).
    pub id: String,
    /// IssueInstant.
    pub issue_instant: OffsetDateTime,
    /// The IdP SLO URL.
    pub destination: String,
    /// Our SP entity ID (the Issuer).
    pub sp_entity_id: String,
    /// The NameID from the assertion, with its qualifiers.
    pub name_id: NameId,
    /// The SessionIndex from the AuthnStatement.
    pub session_index: Option<String>,
}

type XmlWriter = Writer<Vec<u8>>;

fn write(w: &mut XmlWriter, e: Event<'_>) -> Result<(), MessageError> {
    w.write_event(e)
        .map_err(|e| MessageError::Write(e.to_string()))
}

fn text_element(w: &mut XmlWriter, start: BytesStart<'_>, text: &str) -> Result<(), MessageError> {
    let end = start.to_end().into_owned();
    write(w, Event::Start(start))?;
    write(w, Event::Text(BytesText::new(text)))?;
    write(w, Event::End(end))
}

fn finish(w: XmlWriter) -> Result<String, MessageError> {
    String::from_utf8(w.into_inner()).map_err(|e| MessageError::Write(e.to_string()))
}

impl AuthnRequest {
    /// A request with the defaults Cirrus uses: persistent NameIDPolicy, AllowCreate.
    pub fn new(
        id: impl Into<String>,
        issue_instant: OffsetDateTime,
        destination: impl Into<String>,
        acs_url: impl Into<String>,
        sp_entity_id: impl Into<String>,
    ) -> Self {
        AuthnRequest {
            id: id.into(),
            issue_instant,
            destination: destination.into(),
            acs_url: acs_url.into(),
            sp_entity_id: sp_entity_id.into(),
            name_id_format: Some(NAMEID_PERSISTENT.to_string()),
            allow_create: true,
            force_authn: false,
            is_passive: false,
        }
    }

    /// The request XML.
    pub fn to_xml(&self) -> Result<String, MessageError> {
        let mut w = Writer::new(Vec::new());
        let instant = format_datetime(self.issue_instant);
        let mut root = BytesStart::new("samlp:AuthnRequest");
        root.push_attribute(("xmlns:samlp", NS_SAMLP));
        root.push_attribute(("xmlns:saml", NS_SAML));
        root.push_attribute(("ID", self.id.as_str()));
        root.push_attribute(("Version", "2.0"));
        root.push_attribute(("IssueInstant", instant.as_str()));
        root.push_attribute(("Destination", self.destination.as_str()));
        root.push_attribute(("AssertionConsumerServiceURL", self.acs_url.as_str()));
        root.push_attribute(("ProtocolBinding", binding::HTTP_POST));
        if self.force_authn {
            root.push_attribute(("ForceAuthn", "true"));
        }
        if self.is_passive {
            root.push_attribute(("IsPassive", "true"));
        }
        write(&mut w, Event::Start(root))?;
        text_element(&mut w, BytesStart::new("saml:Issuer"), &self.sp_entity_id)?;
        if let Some(format) = &self.name_id_format {
            let mut policy = BytesStart::new("samlp:NameIDPolicy");
            policy.push_attribute(("Format", format.as_str()));
            policy.push_attribute((
                "AllowCreate",
                if self.allow_create { "true" } else { "false" },
            ));
            write(&mut w, Event::Empty(policy))?;
        }
        write(&mut w, Event::End(BytesEnd::new("samlp:AuthnRequest")))?;
        finish(w)
    }

    /// The request XML with an enveloped RSA-SHA256 signature after the Issuer (for IdPs that
    /// take AuthnRequests over HTTP-POST; base64 it with [`post_binding_value`]).
    pub fn to_signed_xml(&self, signer: &RedirectSigner) -> Result<String, MessageError> {
        sign_enveloped(
            &self.to_xml()?,
            &self.id,
            SignaturePlacement::AfterIssuer,
            signer,
        )
    }
}

impl LogoutRequest {
    /// The request XML.
    pub fn to_xml(&self) -> Result<String, MessageError> {
        let mut w = Writer::new(Vec::new());
        let instant = format_datetime(self.issue_instant);
        let mut root = BytesStart::new("samlp:LogoutRequest");
        root.push_attribute(("xmlns:samlp", NS_SAMLP));
        root.push_attribute(("xmlns:saml", NS_SAML));
        root.push_attribute(("ID", self.id.as_str()));
        root.push_attribute(("Version", "2.0"));
        root.push_attribute(("IssueInstant", instant.as_str()));
        root.push_attribute(("Destination", self.destination.as_str()));
        write(&mut w, Event::Start(root))?;
        text_element(&mut w, BytesStart::new("saml:Issuer"), &self.sp_entity_id)?;
        let mut name_id = BytesStart::new("saml:NameID");
        if let Some(f) = &self.name_id.format {
            name_id.push_attribute(("Format", f.as_str()));
        }
        if let Some(q) = &self.name_id.name_qualifier {
            name_id.push_attribute(("NameQualifier", q.as_str()));
        }
        if let Some(q) = &self.name_id.sp_name_qualifier {
            name_id.push_attribute(("SPNameQualifier", q.as_str()));
        }
        text_element(&mut w, name_id, &self.name_id.value)?;
        if let Some(s) = &self.session_index {
            text_element(&mut w, BytesStart::new("samlp:SessionIndex"), s)?;
        }
        write(&mut w, Event::End(BytesEnd::new("samlp:LogoutRequest")))?;
        finish(w)
    }

    /// The request XML with an enveloped RSA-SHA256 signature after the Issuer (HTTP-POST
    /// binding; base64 it with [`post_binding_value`]).
    pub fn to_signed_xml(&self, signer: &RedirectSigner) -> Result<String, MessageError> {
        sign_enveloped(
            &self.to_xml()?,
            &self.id,
            SignaturePlacement::AfterIssuer,
            signer,
        )
    }
}

/// A `samlp:LogoutResponse` sent by the SP (answering an IdP's LogoutRequest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpLogoutResponse {
    /// Response ID.
    pub id: String,
    /// IssueInstant.
    pub issue_instant: OffsetDateTime,
    /// The IdP's SLO response URL (ResponseLocation, else Location).
    pub destination: String,
    /// The ID of the LogoutRequest answered.
    pub in_response_to: String,
    /// Our SP entity ID (the Issuer).
    pub sp_entity_id: String,
    /// Top-level StatusCode (default Success).
    pub status: String,
    /// Optional second-level StatusCode (e.g. `...:status:PartialLogout`).
    pub sub_status: Option<String>,
}

impl SpLogoutResponse {
    /// A Success response to `in_response_to`.
    pub fn success(
        id: impl Into<String>,
        issue_instant: OffsetDateTime,
        destination: impl Into<String>,
        in_response_to: impl Into<String>,
        sp_entity_id: impl Into<String>,
    ) -> Self {
        SpLogoutResponse {
            id: id.into(),
            issue_instant,
            destination: destination.into(),
            in_response_to: in_response_to.into(),
            sp_entity_id: sp_entity_id.into(),
            status: STATUS_SUCCESS.to_string(),
            sub_status: None,
        }
    }

    /// The response XML.
    pub fn to_xml(&self) -> Result<String, MessageError> {
        let mut w = Writer::new(Vec::new());
        let instant = format_datetime(self.issue_instant);
        let mut root = BytesStart::new("samlp:LogoutResponse");
        root.push_attribute(("xmlns:samlp", NS_SAMLP));
        root.push_attribute(("xmlns:saml", NS_SAML));
        root.push_attribute(("ID", self.id.as_str()));
        root.push_attribute(("Version", "2.0"));
        root.push_attribute(("IssueInstant", instant.as_str()));
        root.push_attribute(("Destination", self.destination.as_str()));
        root.push_attribute(("InResponseTo", self.in_response_to.as_str()));
        write(&mut w, Event::Start(root))?;
        text_element(&mut w, BytesStart::new("saml:Issuer"), &self.sp_entity_id)?;
        write(&mut w, Event::Start(BytesStart::new("samlp:Status")))?;
        let mut code = BytesStart::new("samlp:StatusCode");
        code.push_attribute(("Value", self.status.as_str()));
        match &self.sub_status {
            Some(sub) => {
                write(&mut w, Event::Start(code))?;
                let mut inner = BytesStart::new("samlp:StatusCode");
                inner.push_attribute(("Value", sub.as_str()));
                write(&mut w, Event::Empty(inner))?;
                write(&mut w, Event::End(BytesEnd::new("samlp:StatusCode")))?;
            }
            None => write(&mut w, Event::Empty(code))?,
        }
        write(&mut w, Event::End(BytesEnd::new("samlp:Status")))?;
        write(&mut w, Event::End(BytesEnd::new("samlp:LogoutResponse")))?;
        finish(w)
    }

    /// The response XML with an enveloped RSA-SHA256 signature after the Issuer (HTTP-POST
    /// binding; base64 it with [`post_binding_value`]).
    pub fn to_signed_xml(&self, signer: &RedirectSigner) -> Result<String, MessageError> {
        sign_enveloped(
            &self.to_xml()?,
            &self.id,
            SignaturePlacement::AfterIssuer,
            signer,
        )
    }
}

/// The value of the `SAMLRequest` / `SAMLResponse` form field of the HTTP-POST binding: the
/// message XML, base64 (no DEFLATE).
pub fn post_binding_value(xml: &str) -> String {
    STANDARD.encode(xml.as_bytes())
}

/// The SP's RSA signing key: redirect-binding query signatures and enveloped XML signatures
/// (RSA-SHA256), with an optional certificate that enveloped signatures carry in `ds:KeyInfo`.
#[derive(Clone)]
pub struct RedirectSigner {
    key: Arc<RsaKeyPair>,
    certificate: Option<Arc<Vec<u8>>>,
}

impl std::fmt::Debug for RedirectSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedirectSigner").finish_non_exhaustive()
    }
}

impl RedirectSigner {
    /// Reads an RSA private key from PKCS#8 DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, MessageError> {
        let key = RsaKeyPair::from_pkcs8(der).map_err(|e| MessageError::Key(e.to_string()))?;
        Ok(RedirectSigner {
            key: Arc::new(key),
            certificate: None,
        })
    }

    /// The same key with its X.509 certificate (DER), put into `ds:KeyInfo/ds:X509Data` of
    /// enveloped signatures (informational for the peer; never used by our verifier).
    pub fn with_certificate(mut self, der: Vec<u8>) -> Self {
        self.certificate = Some(Arc::new(der));
        self
    }

    /// The certificate given with [`RedirectSigner::with_certificate`].
    pub fn certificate_der(&self) -> Option<&[u8]> {
        self.certificate.as_deref().map(Vec::as_slice)
    }

    /// Reads an RSA private key from a PEM `PRIVATE KEY` (PKCS#8) block.
    pub fn from_pem(pem: &str) -> Result<Self, MessageError> {
        let der = crate::pem::block_der(pem, "PRIVATE KEY")
            .map_err(|e| MessageError::Key(e.to_string()))?;
        Self::from_pkcs8_der(&der)
    }

    /// RSA-SHA256 (PKCS#1 v1.5) signature of `data`.
    pub fn sign(&self, data: &[u8]) -> Result<Vec<u8>, MessageError> {
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), data, &mut sig)
            .map_err(|_| MessageError::Sign)?;
        Ok(sig)
    }
}

/// Which query parameter carries the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectParam {
    /// `SAMLRequest`.
    Request,
    /// `SAMLResponse`.
    Response,
}

/// Encodes `xml` for the HTTP-Redirect binding and returns the URL to redirect the browser to:
/// `endpoint?SAMLRequest=…&RelayState=…[&SigAlg=…&Signature=…]`. With a signer, the signature
/// covers the exact encoded `SAMLRequest=…&RelayState=…&SigAlg=…` octets (SAML bindings §3.4.4.1).
pub fn redirect_url(
    endpoint: &str,
    param: RedirectParam,
    xml: &str,
    relay_state: Option<&str>,
    signer: Option<&RedirectSigner>,
) -> Result<String, MessageError> {
    let lower = endpoint.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || endpoint.contains('#') {
        return Err(MessageError::Endpoint(endpoint.to_string()));
    }
    let mut deflater =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflater
        .write_all(xml.as_bytes())
        .map_err(|e| MessageError::Deflate(e.to_string()))?;
    let deflated = deflater
        .finish()
        .map_err(|e| MessageError::Deflate(e.to_string()))?;
    let enc = |s: &str| byte_serialize(s.as_bytes()).collect::<String>();
    let name = match param {
        RedirectParam::Request => "SAMLRequest",
        RedirectParam::Response => "SAMLResponse",
    };
    let mut query = format!("{name}={}", enc(&STANDARD.encode(deflated)));
    if let Some(rs) = relay_state {
        query.push_str("&RelayState=");
        query.push_str(&enc(rs));
    }
    if let Some(signer) = signer {
        query.push_str("&SigAlg=");
        query.push_str(&enc(SIG_ALG_RSA_SHA256));
        let sig = signer.sign(query.as_bytes())?;
        query.push_str("&Signature=");
        query.push_str(&enc(&STANDARD.encode(sig)));
    }
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    Ok(format!("{endpoint}{sep}{query}"))
}

/// What the SP expects of a `LogoutResponse` posted back to its SLO endpoint.
#[derive(Debug, Clone)]
pub struct LogoutExpectations {
    /// Our SLO response URL (the expected Destination).
    pub slo_url: String,
    /// The ID of the LogoutRequest we sent.
    pub request_id: String,
    /// Require a signature on the LogoutResponse.
    pub require_signature: bool,
    /// Allowed clock skew.
    pub clock_skew: Duration,
    /// The current time.
    pub now: OffsetDateTime,
    /// Parser limits.
    pub limits: XmlLimits,
}

/// A validated LogoutResponse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutResponse {
    /// Response ID.
    pub id: String,
    /// The request it answers.
    pub in_response_to: String,
    /// Whether it was signed (and verified): enveloped signature or redirect query signature.
    pub signed: bool,
    /// The decoded RelayState (HTTP-Redirect binding only; `None` for POST).
    pub relay_state: Option<String>,
}

/// Validates a base64 `LogoutResponse` (HTTP-POST binding): structure, signature (verified when
/// present, required if asked), Issuer, Destination, InResponseTo, IssueInstant and Success
/// status. Errors reuse [`ResponseError`] and its check names.
pub fn validate_logout_response(
    saml_response_b64: &str,
    trust: &ProviderTrust,
    expect: &LogoutExpectations,
) -> Result<LogoutResponse, ResponseError> {
    let limit = expect.limits.max_bytes.saturating_mul(4) / 3 + 4096;
    if saml_response_b64.len() > limit {
        return Err(ResponseError::TooLarge {
            size: saml_response_b64.len(),
            limit,
        });
    }
    let compact: String = saml_response_b64
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| ResponseError::Base64(e.to_string()))?;
    logout_response_from_xml(&bytes, false, trust, expect)
}

/// Validates a `LogoutResponse` received over the HTTP-Redirect binding. `raw_query` is the
/// request's query string exactly as received (see [`crate::redirect`]); the query signature is
/// verified over those octets (required if `expect.require_signature`), the payload inflated
/// with a 256 KiB cap, and then every check of [`validate_logout_response`] applies. An
/// embedded `ds:Signature` is refused on this binding.
pub fn validate_logout_response_redirect(
    raw_query: &str,
    trust: &ProviderTrust,
    expect: &LogoutExpectations,
) -> Result<LogoutResponse, ResponseError> {
    let msg = crate::redirect::decode_redirect(
        raw_query,
        RedirectParam::Response,
        trust,
        expect.now,
        expect.require_signature,
        "LogoutResponse",
    )?;
    let mut out = logout_response_from_xml(&msg.xml, msg.signature.is_some(), trust, expect)?;
    out.relay_state = msg.relay_state;
    Ok(out)
}

/// Which logout message is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogoutKind {
    Request,
    Response,
}

impl LogoutKind {
    /// The element's local name (also how errors name it).
    fn name(self) -> &'static str {
        match self {
            LogoutKind::Request => "LogoutRequest",
            LogoutKind::Response => "LogoutResponse",
        }
    }

    fn qualified(self) -> &'static str {
        match self {
            LogoutKind::Request => "samlp:LogoutRequest",
            LogoutKind::Response => "samlp:LogoutResponse",
        }
    }
}

/// The checks a LogoutRequest and a LogoutResponse share, in the order they run.
pub(crate) struct LogoutMessage<'a> {
    pub kind: LogoutKind,
    /// The whole message was covered by a verified HTTP-Redirect query signature (then no
    /// `ds:Signature` may appear in it).
    pub query_signed: bool,
    pub require_signature: bool,
    pub now: OffsetDateTime,
    pub limits: &'a XmlLimits,
}

impl LogoutMessage<'_> {
    /// Parses `bytes` and checks the root element, unique IDs, where a `ds:Signature` may be
    /// (nowhere when the query was signed; otherwise only as the root's child), the enveloped
    /// signature against `trust`, a required signature and Version 2.0; then `read` gets the
    /// message to read its fields from (with an enveloped signature, the signed bytes parsed
    /// again; with a query signature the whole message was signed) and whether it was signed.
    pub(crate) fn read<T>(
        &self,
        bytes: &[u8],
        trust: &ProviderTrust,
        read: impl FnOnce(Node<'_, '_>, bool) -> Result<T, ResponseError>,
    ) -> Result<T, ResponseError> {
        let element = self.kind.name();
        let doc = xml::parse_bytes(bytes, self.limits)?;
        let root = doc.root_element();
        if !root.has_tag_name((NS_SAMLP, element)) {
            return Err(ResponseError::WrongRoot {
                expected: self.kind.qualified(),
                found: xml::expanded_name(root),
            });
        }
        dsig::check_unique_ids(&doc).map_err(|e| match e {
            crate::error::DsigError::DuplicateId(id) => ResponseError::DuplicateId(id),
            other => ResponseError::Signature {
                element,
                source: other,
            },
        })?;
        for sig in doc
            .descendants()
            .filter(|n| n.has_tag_name((NS_DS, "Signature")))
        {
            if self.query_signed || sig.parent_element() != Some(root) {
                let where_ = sig
                    .parent_element()
                    .map(xml::expanded_name)
                    .unwrap_or_default();
                return Err(ResponseError::UnexpectedSignature(where_));
            }
        }
        let verified: Option<VerifiedElement> =
            if xml::children(root, NS_DS, "Signature").next().is_some() {
                Some(
                    dsig::verify_enveloped(
                        root,
                        &trust.usable_certificates(self.now)?,
                        &trust.algorithms,
                    )
                    .map_err(|source| ResponseError::Signature { element, source })?,
                )
            } else if self.require_signature && !self.query_signed {
                return Err(ResponseError::SignatureMissing);
            } else {
                None
            };
        let signed = self.query_signed || verified.is_some();
        let signed_doc = verified
            .as_ref()
            .map(VerifiedElement::parse)
            .transpose()
            .map_err(|source| ResponseError::Signature { element, source })?;
        let msg: Node<'_, '_> = signed_doc.as_ref().map_or(root, |d| d.root_element());
        match msg.attribute("Version") {
            Some("2.0") => {}
            other => {
                return Err(ResponseError::WrongVersion {
                    element,
                    found: other.unwrap_or("").to_string(),
                });
            }
        }
        read(msg, signed)
    }
}

/// The checks of a decoded LogoutResponse. `query_signed`: the whole message was covered by a
/// verified HTTP-Redirect query signature (then no `ds:Signature` may appear in it).
fn logout_response_from_xml(
    bytes: &[u8],
    query_signed: bool,
    trust: &ProviderTrust,
    expect: &LogoutExpectations,
) -> Result<LogoutResponse, ResponseError> {
    LogoutMessage {
        kind: LogoutKind::Response,
        query_signed,
        require_signature: expect.require_signature,
        now: expect.now,
        limits: &expect.limits,
    }
    .read(bytes, trust, |msg, signed| {
        let id = msg
            .attribute("ID")
            .ok_or(ResponseError::Missing {
                element: "LogoutResponse",
                item: "ID",
            })?
            .to_string();
        let instant_text = msg
            .attribute("IssueInstant")
            .ok_or(ResponseError::Missing {
                element: "LogoutResponse",
                item: "IssueInstant",
            })?;
        let instant = parse_datetime(instant_text).map_err(|_| ResponseError::BadTimestamp {
            field: "LogoutResponse IssueInstant",
            value: instant_text.to_string(),
        })?;
        let skew = i128::try_from(expect.clock_skew.as_nanos()).unwrap_or(i128::MAX / 4);
        if instant.unix_timestamp_nanos() > expect.now.unix_timestamp_nanos() + skew {
            return Err(ResponseError::NotYetValid {
                field: "LogoutResponse IssueInstant",
                at: format_datetime(instant),
                now: format_datetime(expect.now),
                skew_seconds: expect.clock_skew.as_secs(),
            });
        }
        let issuer = match xml::single_child(msg, NS_SAML, "Issuer") {
            Ok(Some(i)) => xml::text_content(i)?,
            Ok(None) => String::new(),
            Err(count) => {
                return Err(ResponseError::Duplicated {
                    element: "Issuer",
                    count,
                });
            }
        };
        if issuer != trust.entity_id {
            return Err(ResponseError::ResponseIssuer {
                expected: trust.entity_id.clone(),
                found: issuer,
            });
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
        let in_response_to = msg.attribute("InResponseTo").unwrap_or("");
        if in_response_to != expect.request_id {
            return Err(ResponseError::InResponseTo {
                expected: Some(expect.request_id.clone()),
                found: in_response_to.to_string(),
            });
        }
        let status = xml::single_child(msg, NS_SAMLP, "Status")
            .ok()
            .flatten()
            .ok_or(ResponseError::StatusMissing)?;
        let code = xml::single_child(status, NS_SAMLP, "StatusCode")
            .ok()
            .flatten()
            .ok_or(ResponseError::StatusMissing)?;
        let top = code.attribute("Value").unwrap_or("");
        if top != STATUS_SUCCESS {
            let mut codes = vec![top.to_string()];
            if let Ok(Some(sub)) = xml::single_child(code, NS_SAMLP, "StatusCode") {
                codes.push(sub.attribute("Value").unwrap_or("").to_string());
            }
            let message = xml::children(status, NS_SAMLP, "StatusMessage")
                .next()
                .and_then(|m| xml::text_content(m).ok());
            return Err(ResponseError::Status { codes, message });
        }
        Ok(LogoutResponse {
            id,
            in_response_to: in_response_to.to_string(),
            signed,
            relay_state: None,
        })
    })
}
