//! SAMLResponse validation (Web Browser SSO profile, HTTP-POST binding): one entry point,
//! [`validate_response`], that returns the signed assertion's content or names the failed check.
//!
//! Identity is read only from bytes the XML-DSig verifier returned: the signed Assertion, or the
//! Assertion inside the signed Response.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use roxmltree::{Document, Node};
use time::OffsetDateTime;

use crate::cert::Certificate;
use crate::datetime::{format_datetime, parse_datetime};
use crate::dsig::{self, AlgorithmPolicy, VerifiedElement};
use crate::error::{ResponseError, XencError};
use crate::xenc::{self, DecryptionKey};
use crate::xml::{self, NS_DS, NS_SAML, NS_SAMLP, XmlLimits};

/// Top-level status code of a successful response.
pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// Bearer subject confirmation method.
pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// Entity NameID format (the only Issuer format accepted besides none).
pub const NAMEID_ENTITY: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
/// `NameFormat` of an attribute that gives none (SAML core §2.7.3.1).
pub const ATTRNAME_FORMAT_UNSPECIFIED: &str =
    "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";
/// Default clock skew: 180 seconds.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(180);

/// What we trust about the IdP the response claims to come from.
#[derive(Debug, Clone)]
pub struct ProviderTrust {
    /// The IdP's entity ID (expected Issuer).
    pub entity_id: String,
    /// Signing certificates (several during rollover). Keys come only from here.
    pub signing_certificates: Vec<Certificate>,
    /// Algorithm policy (SHA-1 opt-in).
    pub algorithms: AlgorithmPolicy,
    /// SP private keys for encrypted assertions (several during rollover); empty = refuse them.
    pub decryption_keys: Vec<DecryptionKey>,
    /// Accept signatures from certificates outside their validity period (default false:
    /// only certificates valid at `now` verify, CERT-5).
    pub allow_expired_certificates: bool,
}

impl ProviderTrust {
    /// Trust in `entity_id` signing with any of `signing_certificates`, SHA-1 refused.
    pub fn new(entity_id: impl Into<String>, signing_certificates: Vec<Certificate>) -> Self {
        ProviderTrust {
            entity_id: entity_id.into(),
            signing_certificates,
            algorithms: AlgorithmPolicy::default(),
            decryption_keys: Vec::new(),
            allow_expired_certificates: false,
        }
    }

    /// The signing certificates usable at `now` (all of them if expired ones are allowed).
    pub fn usable_certificates(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<Certificate>, ResponseError> {
        if self.allow_expired_certificates {
            return Ok(self.signing_certificates.clone());
        }
        let valid: Vec<_> = self
            .signing_certificates
            .iter()
            .filter(|c| c.is_valid_at(now))
            .cloned()
            .collect();
        if valid.is_empty() && !self.signing_certificates.is_empty() {
            return Err(ResponseError::CertificatesNotValid {
                configured: self.signing_certificates.len(),
                now: format_datetime(now),
            });
        }
        Ok(valid)
    }

    /// Trust built from parsed IdP metadata (entity ID and signing certificates).
    pub fn from_metadata(metadata: &crate::metadata::IdpMetadata) -> Self {
        Self::new(
            metadata.entity_id.clone(),
            metadata.signing_certificates.clone(),
        )
    }
}

/// What this SP expects of the response.
#[derive(Debug, Clone)]
pub struct Expectations {
    /// Our SP entity ID (the required Audience).
    pub sp_entity_id: String,
    /// Our ACS URL (the required Destination and Recipient).
    pub acs_url: String,
    /// The pending AuthnRequest ID for this browser session, if any.
    pub request_id: Option<String>,
    /// Accept responses without InResponseTo (IdP-initiated).
    pub allow_unsolicited: bool,
    /// Allowed clock skew on every time comparison.
    pub clock_skew: Duration,
    /// The current time.
    pub now: OffsetDateTime,
    /// Parser limits for the decoded XML.
    pub limits: XmlLimits,
    /// Maximum length of the encoded SAMLResponse, checked before decoding.
    pub max_encoded_bytes: usize,
}

impl Expectations {
    /// Expectations with the defaults: 180 s skew, message limits; unsolicited allowed exactly
    /// when no request ID is given.
    pub fn new(
        sp_entity_id: impl Into<String>,
        acs_url: impl Into<String>,
        request_id: Option<String>,
        now: OffsetDateTime,
    ) -> Self {
        let allow_unsolicited = request_id.is_none();
        Expectations {
            sp_entity_id: sp_entity_id.into(),
            acs_url: acs_url.into(),
            request_id,
            allow_unsolicited,
            clock_skew: DEFAULT_CLOCK_SKEW,
            now,
            limits: XmlLimits::MESSAGE,
            max_encoded_bytes: XmlLimits::MESSAGE.max_bytes / 3 * 4 + 4,
        }
    }
}

/// The subject's NameID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameId {
    /// The full text value.
    pub value: String,
    /// `Format`, if given.
    pub format: Option<String>,
    /// `NameQualifier`, if given.
    pub name_qualifier: Option<String>,
    /// `SPNameQualifier`, if given.
    pub sp_name_qualifier: Option<String>,
}

/// One attribute: a `saml:Attribute`, or several with the same Name merged, with all values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// `Name`.
    pub name: String,
    /// `FriendlyName`, if given.
    pub friendly_name: Option<String>,
    /// `NameFormat`, if given (as written on the first element when merged).
    pub name_format: Option<String>,
    /// String value of every `AttributeValue`, in document order (across merged elements):
    /// its text, or the text of the single `saml:NameID` it holds.
    pub values: Vec<String>,
}

/// The validated content of the signed assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// Assertion `Issuer` (equals the configured IdP entity ID).
    pub issuer: String,
    /// Assertion `ID` (cache it until [`Assertion::not_on_or_after`] to refuse replays).
    pub assertion_id: String,
    /// Response `ID`.
    pub response_id: String,
    /// The request this answers (`None` for unsolicited).
    pub in_response_to: Option<String>,
    /// Subject NameID.
    pub name_id: NameId,
    /// `AuthnStatement/@SessionIndex` (needed for single logout).
    pub session_index: Option<String>,
    /// `AuthnStatement/@AuthnInstant`.
    pub authn_instant: OffsetDateTime,
    /// `AuthnStatement/@SessionNotOnOrAfter`.
    pub session_not_on_or_after: Option<OffsetDateTime>,
    /// The earliest of Conditions and SubjectConfirmationData `NotOnOrAfter`.
    pub not_on_or_after: OffsetDateTime,
    /// Conditions contain `OneTimeUse`.
    pub one_time_use: bool,
    /// Attributes in document order of their first occurrence, one per `Name`: repeated
    /// `Attribute` elements with the same Name, NameFormat and FriendlyName are merged.
    pub attributes: Vec<Attribute>,
    /// Whether the Response element was signed.
    pub response_signed: bool,
    /// Whether the Assertion element was signed.
    pub assertion_signed: bool,
    /// Whether the Assertion arrived encrypted (`saml:EncryptedAssertion`).
    pub encrypted: bool,
}

impl Assertion {
    /// The attribute with this `Name`, if present.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// One check performed, for reports (`cirrus saml check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// Check name (same vocabulary as [`ResponseError::check`]).
    pub name: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was checked or what failed.
    pub detail: String,
}

/// Every check performed, in order, and the result.
#[derive(Debug, Clone)]
pub struct ValidationReport {
    /// Checks in the order performed; the last one failed if `result` is an error.
    pub checks: Vec<CheckOutcome>,
    /// The validated assertion or the first failure.
    pub result: Result<Assertion, ResponseError>,
}

/// Validates a base64 `SAMLResponse` (HTTP-POST binding) against the IdP trust and our
/// expectations. See [`validate_response_report`] for the list of checks.
pub fn validate_response(
    saml_response_b64: &str,
    trust: &ProviderTrust,
    expect: &Expectations,
) -> Result<Assertion, ResponseError> {
    validate_response_report(saml_response_b64, trust, expect).result
}

/// Like [`validate_response`], also reporting each check performed.
pub fn validate_response_report(
    saml_response_b64: &str,
    trust: &ProviderTrust,
    expect: &Expectations,
) -> ValidationReport {
    let mut checks = Vec::new();
    let result = run(saml_response_b64, None, trust, expect, &mut checks);
    if let Err(e) = &result {
        checks.push(CheckOutcome {
            name: e.check(),
            ok: false,
            detail: e.to_string(),
        });
    }
    ValidationReport { checks, result }
}

/// Validates an already-decoded response XML (for tooling; the ACS uses [`validate_response`]).
pub fn validate_response_xml_report(
    xml_text: &str,
    trust: &ProviderTrust,
    expect: &Expectations,
) -> ValidationReport {
    let mut checks = Vec::new();
    let result = run("", Some(xml_text.as_bytes()), trust, expect, &mut checks);
    if let Err(e) = &result {
        checks.push(CheckOutcome {
            name: e.check(),
            ok: false,
            detail: e.to_string(),
        });
    }
    ValidationReport { checks, result }
}

struct Ctx<'c> {
    checks: &'c mut Vec<CheckOutcome>,
}

impl Ctx<'_> {
    fn pass(&mut self, name: &'static str, detail: impl Into<String>) {
        self.checks.push(CheckOutcome {
            name,
            ok: true,
            detail: detail.into(),
        });
    }
}

/// Strict base64: standard alphabet and padding; ASCII whitespace (line breaks) ignored.
fn decode_base64(text: &str) -> Result<Vec<u8>, ResponseError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| ResponseError::Base64(e.to_string()))
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

fn single<'a, 'i>(
    parent: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
    qname: &'static str,
) -> Result<Option<Node<'a, 'i>>, ResponseError> {
    xml::single_child(parent, ns, local).map_err(|count| ResponseError::Duplicated {
        element: qname,
        count,
    })
}

fn run(
    b64: &str,
    raw_xml: Option<&[u8]>,
    trust: &ProviderTrust,
    expect: &Expectations,
    checks: &mut Vec<CheckOutcome>,
) -> Result<Assertion, ResponseError> {
    let mut ctx = Ctx { checks };
    let skew = expect.clock_skew;
    let now = expect.now;

    // 1. Size (before decoding) and base64.
    let bytes = match raw_xml {
        Some(raw) => raw.to_vec(),
        None => {
            let limit = expect.max_encoded_bytes;
            if b64.len() > limit {
                return Err(ResponseError::TooLarge {
                    size: b64.len(),
                    limit,
                });
            }
            ctx.pass(
                "size",
                format!("{} bytes encoded (limit {limit})", b64.len()),
            );
            let bytes = decode_base64(b64)?;
            ctx.pass("base64", format!("{} bytes decoded", bytes.len()));
            bytes
        }
    };

    // 2. Hardened parse.
    let doc = xml::parse_bytes(&bytes, &expect.limits)?;
    ctx.pass("xml", "well-formed, no DTD, within limits");

    // 3. Schema essentials of the envelope.
    let root = doc.root_element();
    if !root.has_tag_name((NS_SAMLP, "Response")) {
        return Err(ResponseError::NotAResponse(xml::expanded_name(root)));
    }
    check_version(root, "Response")?;
    let response_id = root
        .attribute("ID")
        .ok_or(ResponseError::Missing {
            element: "Response",
            item: "ID",
        })?
        .to_string();
    let issue_instant = time_attr(root, "IssueInstant", "Response IssueInstant")?.ok_or(
        ResponseError::Missing {
            element: "Response",
            item: "IssueInstant",
        },
    )?;
    dsig::check_unique_ids(&doc).map_err(|e| match e {
        crate::error::DsigError::DuplicateId(id) => ResponseError::DuplicateId(id),
        other => ResponseError::Signature {
            element: "Response",
            source: other,
        },
    })?;
    ctx.pass(
        "schema",
        format!("samlp:Response {response_id} version 2.0, IDs unique"),
    );

    // 4. Status (before counting assertions: failures usually carry none).
    check_status(root)?;
    ctx.pass("status", STATUS_SUCCESS);

    // 5. Exactly one Assertion or EncryptedAssertion in the whole document, directly under the
    //    Response.
    let candidates: Vec<_> = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name((NS_SAML, "Assertion"))
                || n.has_tag_name((NS_SAML, "EncryptedAssertion"))
        })
        .collect();
    let outer = match candidates.as_slice() {
        [one] => *one,
        other => return Err(ResponseError::AssertionCount(other.len())),
    };
    if outer.parent_element() != Some(root) {
        return Err(ResponseError::AssertionMisplaced);
    }
    let encrypted = outer.has_tag_name((NS_SAML, "EncryptedAssertion"));
    ctx.pass(
        "assertion_count",
        if encrypted {
            "exactly one saml:EncryptedAssertion, child of the Response"
        } else {
            "exactly one saml:Assertion, child of the Response"
        },
    );

    // 6. Signatures: only on the Response and the Assertion; every present one must verify.
    for sig in doc
        .descendants()
        .filter(|n| n.has_tag_name((NS_DS, "Signature")))
    {
        let parent = sig.parent_element();
        if parent != Some(root) && (encrypted || parent != Some(outer)) {
            let where_ = parent.map(xml::expanded_name).unwrap_or_default();
            return Err(ResponseError::UnexpectedSignature(where_));
        }
    }
    let has_sig = |n: Node<'_, '_>| xml::children(n, NS_DS, "Signature").next().is_some();
    let response_verified = if has_sig(root) {
        Some(verify(root, "Response", trust, now)?)
    } else {
        None
    };
    // From here on, read the envelope from the signed Response if it was signed, and the
    // assertion only from signed bytes.
    let signed_response_doc = response_verified
        .as_ref()
        .map(VerifiedElement::parse)
        .transpose();
    let signed_response_doc = signed_response_doc.map_err(|source| ResponseError::Signature {
        element: "Response",
        source,
    })?;
    let envelope: Node<'_, '_> = match &signed_response_doc {
        Some(d) => d.root_element(),
        None => root,
    };

    // 6b. Decryption; the ciphertext comes from the signed Response when it is signed.
    let decrypted_text: String;
    let decrypted_doc: Document<'_>;
    let assertion: Node<'_, '_> = if encrypted {
        let ea = xml::children(envelope, NS_SAML, "EncryptedAssertion")
            .next()
            .ok_or(ResponseError::AssertionCount(0))?;
        let plain = xenc::decrypt_encrypted_assertion(ea, &trust.decryption_keys)?;
        let plain = String::from_utf8(plain)
            .map_err(|_| XencError::Xml(crate::error::XmlError::NotUtf8))?;
        decrypted_text = xenc::wrap_plaintext(ea, &plain);
        let limits = XmlLimits {
            max_bytes: decrypted_text.len().max(expect.limits.max_bytes),
            ..expect.limits.clone()
        };
        decrypted_doc = xml::parse(&decrypted_text, &limits).map_err(XencError::Xml)?;
        let inner = decrypted_assertion(&decrypted_doc)?;
        ctx.pass(
            "decryption",
            "EncryptedAssertion decrypted to one saml:Assertion",
        );
        inner
    } else {
        outer
    };
    let assertion_verified = if has_sig(assertion) {
        Some(verify(assertion, "Assertion", trust, now)?)
    } else {
        None
    };
    if response_verified.is_none() && assertion_verified.is_none() {
        return Err(ResponseError::SignatureMissing);
    }
    ctx.pass(
        "signature",
        match (&response_verified, &assertion_verified) {
            (Some(_), Some(_)) => "Response and Assertion signatures verified",
            (Some(_), None) => "Response signature verified (covers the Assertion)",
            _ => "Assertion signature verified",
        },
    );
    let signed_assertion_doc: Document<'_>;
    let signed_assertion: Node<'_, '_> = match (&assertion_verified, &signed_response_doc) {
        (Some(v), _) => {
            signed_assertion_doc = v.parse().map_err(|source| ResponseError::Signature {
                element: "Assertion",
                source,
            })?;
            signed_assertion_doc.root_element()
        }
        // Decrypted from ciphertext the Response signature covers.
        (None, Some(_)) if encrypted => assertion,
        (None, Some(d)) => {
            let mut it = xml::children(d.root_element(), NS_SAML, "Assertion");
            match (it.next(), it.next()) {
                (Some(a), None) => a,
                _ => return Err(ResponseError::AssertionCount(0)),
            }
        }
        (None, None) => return Err(ResponseError::SignatureMissing),
    };

    // 7. Response Issuer (optional, but must match when present).
    if let Some(issuer) = single(envelope, NS_SAML, "Issuer", "Response Issuer")? {
        let found = issuer_value(issuer)?;
        if found != trust.entity_id {
            return Err(ResponseError::ResponseIssuer {
                expected: trust.entity_id.clone(),
                found,
            });
        }
        ctx.pass("response_issuer", found);
    }

    // 8. Destination: must equal the ACS URL; required when the Response is signed.
    match envelope.attribute("Destination") {
        Some(d) if d == expect.acs_url => ctx.pass("destination", d),
        None if response_verified.is_none() => {
            ctx.pass("destination", "absent (allowed: Response unsigned)")
        }
        found => {
            return Err(ResponseError::Destination {
                expected: expect.acs_url.clone(),
                found: found.map(str::to_string),
            });
        }
    }
    if after_skew(issue_instant, now, skew) {
        return Err(ResponseError::NotYetValid {
            field: "Response IssueInstant",
            at: format_datetime(issue_instant),
            now: format_datetime(now),
            skew_seconds: skew.as_secs(),
        });
    }

    // 9. The assertion (signed bytes only).
    check_version(signed_assertion, "Assertion")?;
    let assertion_id = signed_assertion
        .attribute("ID")
        .ok_or(ResponseError::Missing {
            element: "Assertion",
            item: "ID",
        })?
        .to_string();
    let a_issue = time_attr(signed_assertion, "IssueInstant", "Assertion IssueInstant")?.ok_or(
        ResponseError::Missing {
            element: "Assertion",
            item: "IssueInstant",
        },
    )?;
    if after_skew(a_issue, now, skew) {
        return Err(ResponseError::NotYetValid {
            field: "Assertion IssueInstant",
            at: format_datetime(a_issue),
            now: format_datetime(now),
            skew_seconds: skew.as_secs(),
        });
    }
    let issuer = match single(signed_assertion, NS_SAML, "Issuer", "Assertion Issuer")? {
        Some(i) => issuer_value(i)?,
        None => String::new(),
    };
    if issuer != trust.entity_id {
        return Err(ResponseError::AssertionIssuer {
            expected: trust.entity_id.clone(),
            found: issuer,
        });
    }
    ctx.pass("assertion_issuer", issuer.clone());

    // 10. Subject and NameID.
    let subject =
        single(signed_assertion, NS_SAML, "Subject", "Subject")?.ok_or(ResponseError::Missing {
            element: "Assertion",
            item: "Subject",
        })?;
    let name_id = read_name_id(subject)?;
    ctx.pass("subject", format!("NameID {:?}", name_id.value));

    // 11. Bearer SubjectConfirmation: Recipient, NotOnOrAfter, no NotBefore.
    let (scd_not_on_or_after, scd_irt) = check_subject_confirmation(subject, expect)?;
    ctx.pass(
        "subject_confirmation",
        format!("bearer, Recipient {}", expect.acs_url),
    );

    // 12. InResponseTo (Response and SubjectConfirmationData must agree with the pending request).
    let resp_irt = envelope.attribute("InResponseTo").map(str::to_string);
    if let (Some(r), Some(c)) = (&resp_irt, &scd_irt)
        && r != c
    {
        return Err(ResponseError::InResponseToDisagree {
            response: r.clone(),
            confirmation: c.clone(),
        });
    }
    let in_response_to = resp_irt.or(scd_irt);
    match (&in_response_to, &expect.request_id) {
        (Some(found), Some(expected)) if found == expected => {
            ctx.pass("in_response_to", found.clone())
        }
        (Some(found), expected) => {
            return Err(ResponseError::InResponseTo {
                expected: expected.clone(),
                found: found.clone(),
            });
        }
        (None, _) if expect.allow_unsolicited => {
            ctx.pass("in_response_to", "unsolicited (allowed)")
        }
        (None, expected) => return Err(ResponseError::Unsolicited(expected.clone())),
    }

    // 13. Conditions: time window and audience.
    let conditions = single(signed_assertion, NS_SAML, "Conditions", "Conditions")?.ok_or(
        ResponseError::Missing {
            element: "Assertion",
            item: "Conditions",
        },
    )?;
    let cond_nb = time_attr(conditions, "NotBefore", "Conditions NotBefore")?;
    let cond_noa = time_attr(conditions, "NotOnOrAfter", "Conditions NotOnOrAfter")?;
    if let Some(nb) = cond_nb {
        not_before(nb, "Conditions NotBefore", now, skew)?;
    }
    if let Some(noa) = cond_noa {
        not_on_or_after(noa, "Conditions NotOnOrAfter", now, skew)?;
    }
    ctx.pass(
        "time",
        "Conditions and SubjectConfirmationData windows hold",
    );
    check_audience(conditions, &expect.sp_entity_id)?;
    ctx.pass("audience", expect.sp_entity_id.clone());
    let one_time_use = xml::children(conditions, NS_SAML, "OneTimeUse")
        .next()
        .is_some();

    // 14. Exactly one AuthnStatement.
    let statements: Vec<_> = xml::children(signed_assertion, NS_SAML, "AuthnStatement").collect();
    let authn = match statements.as_slice() {
        [one] => *one,
        other => return Err(ResponseError::AuthnStatementCount(other.len())),
    };
    let authn_instant =
        time_attr(authn, "AuthnInstant", "AuthnInstant")?.ok_or(ResponseError::Missing {
            element: "AuthnStatement",
            item: "AuthnInstant",
        })?;
    let session_not_on_or_after = time_attr(authn, "SessionNotOnOrAfter", "SessionNotOnOrAfter")?;
    if let Some(s) = session_not_on_or_after {
        not_on_or_after(s, "SessionNotOnOrAfter", now, skew)?;
    }
    let session_index = authn.attribute("SessionIndex").map(str::to_string);
    ctx.pass(
        "authn_statement",
        format!("AuthnInstant {}", format_datetime(authn_instant)),
    );

    // 15. Attributes.
    let attributes = read_attributes(signed_assertion)?;
    ctx.pass("attributes", format!("{} attribute(s)", attributes.len()));

    let not_on_or_after = match cond_noa {
        Some(c) => c.min(scd_not_on_or_after),
        None => scd_not_on_or_after,
    };
    Ok(Assertion {
        issuer,
        assertion_id,
        response_id,
        in_response_to,
        name_id,
        session_index,
        authn_instant,
        session_not_on_or_after,
        not_on_or_after,
        one_time_use,
        attributes,
        response_signed: response_verified.is_some(),
        assertion_signed: assertion_verified.is_some(),
        encrypted,
    })
}

/// The one `saml:Assertion` of a decrypted (wrapped) plaintext, with the same structural rules
/// as the outer document: nothing else in the plaintext, unique IDs, signatures only on it.
fn decrypted_assertion<'a, 'i>(doc: &'a Document<'i>) -> Result<Node<'a, 'i>, ResponseError> {
    let wrapper = doc.root_element();
    let mut found = None;
    for child in wrapper.children() {
        if child.is_element() {
            if found.is_some() || !child.has_tag_name((NS_SAML, "Assertion")) {
                return Err(XencError::UnexpectedContent(format!(
                    "found <{}>",
                    xml::expanded_name(child)
                ))
                .into());
            }
            found = Some(child);
        } else if child.is_text() && !child.text().unwrap_or("").trim().is_empty() {
            return Err(XencError::UnexpectedContent("text outside the assertion".into()).into());
        }
    }
    let assertion = found.ok_or_else(|| XencError::UnexpectedContent("no element".into()))?;
    let nested = doc
        .descendants()
        .filter(|n| {
            n.has_tag_name((NS_SAML, "Assertion"))
                || n.has_tag_name((NS_SAML, "EncryptedAssertion"))
        })
        .count();
    if nested != 1 {
        return Err(ResponseError::AssertionCount(nested));
    }
    dsig::check_unique_ids(doc).map_err(|e| match e {
        crate::error::DsigError::DuplicateId(id) => ResponseError::DuplicateId(id),
        other => ResponseError::Signature {
            element: "Assertion",
            source: other,
        },
    })?;
    for sig in doc
        .descendants()
        .filter(|n| n.has_tag_name((NS_DS, "Signature")))
    {
        if sig.parent_element() != Some(assertion) {
            let where_ = sig
                .parent_element()
                .map(xml::expanded_name)
                .unwrap_or_default();
            return Err(ResponseError::UnexpectedSignature(where_));
        }
    }
    Ok(assertion)
}

fn verify(
    node: Node<'_, '_>,
    element: &'static str,
    trust: &ProviderTrust,
    now: OffsetDateTime,
) -> Result<VerifiedElement, ResponseError> {
    let certs = trust.usable_certificates(now)?;
    dsig::verify_enveloped(node, &certs, &trust.algorithms)
        .map_err(|source| ResponseError::Signature { element, source })
}

fn check_version(node: Node<'_, '_>, element: &'static str) -> Result<(), ResponseError> {
    match node.attribute("Version") {
        Some("2.0") => Ok(()),
        other => Err(ResponseError::WrongVersion {
            element,
            found: other.unwrap_or("").to_string(),
        }),
    }
}

fn check_status(root: Node<'_, '_>) -> Result<(), ResponseError> {
    let status = single(root, NS_SAMLP, "Status", "Status")?.ok_or(ResponseError::StatusMissing)?;
    let code = single(status, NS_SAMLP, "StatusCode", "StatusCode")?
        .ok_or(ResponseError::StatusMissing)?;
    let top = code.attribute("Value").unwrap_or("");
    if top == STATUS_SUCCESS {
        return Ok(());
    }
    let mut codes = vec![top.to_string()];
    let mut cur = code;
    while let Ok(Some(next)) = xml::single_child(cur, NS_SAMLP, "StatusCode") {
        codes.push(next.attribute("Value").unwrap_or("").to_string());
        cur = next;
        if codes.len() > 8 {
            break;
        }
    }
    let message = xml::children(status, NS_SAMLP, "StatusMessage")
        .next()
        .and_then(|m| xml::text_content(m).ok());
    Err(ResponseError::Status { codes, message })
}

fn issuer_value(issuer: Node<'_, '_>) -> Result<String, ResponseError> {
    if let Some(f) = issuer.attribute("Format")
        && f != NAMEID_ENTITY
    {
        return Err(ResponseError::IssuerFormat(f.to_string()));
    }
    Ok(xml::text_content(issuer)?)
}

fn read_name_id(subject: Node<'_, '_>) -> Result<NameId, ResponseError> {
    if xml::children(subject, NS_SAML, "EncryptedID")
        .next()
        .is_some()
    {
        return Err(ResponseError::NameId("EncryptedID is not supported".into()));
    }
    let node = single(subject, NS_SAML, "NameID", "NameID")?
        .ok_or_else(|| ResponseError::NameId("no saml:NameID in Subject".into()))?;
    let value = xml::text_content(node).map_err(|e| ResponseError::NameId(e.to_string()))?;
    if value.trim().is_empty() {
        return Err(ResponseError::NameId("NameID is empty".into()));
    }
    Ok(NameId {
        value,
        format: node.attribute("Format").map(str::to_string),
        name_qualifier: node.attribute("NameQualifier").map(str::to_string),
        sp_name_qualifier: node.attribute("SPNameQualifier").map(str::to_string),
    })
}

/// Returns (NotOnOrAfter, InResponseTo) of the first acceptable bearer confirmation, or the
/// error of the first bearer confirmation if none is acceptable.
fn check_subject_confirmation(
    subject: Node<'_, '_>,
    expect: &Expectations,
) -> Result<(OffsetDateTime, Option<String>), ResponseError> {
    let mut first_error = None;
    for sc in xml::children(subject, NS_SAML, "SubjectConfirmation") {
        if sc.attribute("Method") != Some(CM_BEARER) {
            continue;
        }
        match check_bearer(sc, expect) {
            Ok(ok) => return Ok(ok),
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some(e);
                }
            }
        }
    }
    Err(first_error.unwrap_or_else(|| {
        ResponseError::SubjectConfirmation(format!(
            "no SubjectConfirmation with Method {CM_BEARER}"
        ))
    }))
}

fn check_bearer(
    sc: Node<'_, '_>,
    expect: &Expectations,
) -> Result<(OffsetDateTime, Option<String>), ResponseError> {
    let data = single(
        sc,
        NS_SAML,
        "SubjectConfirmationData",
        "SubjectConfirmationData",
    )?
    .ok_or_else(|| ResponseError::SubjectConfirmation("no SubjectConfirmationData".into()))?;
    match data.attribute("Recipient") {
        Some(r) if r == expect.acs_url => {}
        found => {
            return Err(ResponseError::Recipient {
                expected: expect.acs_url.clone(),
                found: found.map(str::to_string),
            });
        }
    }
    if data.attribute("NotBefore").is_some() {
        return Err(ResponseError::SubjectConfirmation(
            "bearer SubjectConfirmationData must not carry NotBefore".into(),
        ));
    }
    let noa = time_attr(data, "NotOnOrAfter", "SubjectConfirmationData NotOnOrAfter")?.ok_or_else(
        || ResponseError::SubjectConfirmation("SubjectConfirmationData has no NotOnOrAfter".into()),
    )?;
    not_on_or_after(
        noa,
        "SubjectConfirmationData NotOnOrAfter",
        expect.now,
        expect.clock_skew,
    )?;
    Ok((noa, data.attribute("InResponseTo").map(str::to_string)))
}

fn not_on_or_after(
    at: OffsetDateTime,
    field: &'static str,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<(), ResponseError> {
    if nanos(now) >= nanos(at) + skew_nanos(skew) {
        return Err(ResponseError::Expired {
            field,
            at: format_datetime(at),
            now: format_datetime(now),
            skew_seconds: skew.as_secs(),
        });
    }
    Ok(())
}

fn not_before(
    at: OffsetDateTime,
    field: &'static str,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<(), ResponseError> {
    if after_skew(at, now, skew) {
        return Err(ResponseError::NotYetValid {
            field,
            at: format_datetime(at),
            now: format_datetime(now),
            skew_seconds: skew.as_secs(),
        });
    }
    Ok(())
}

fn nanos(t: OffsetDateTime) -> i128 {
    t.unix_timestamp_nanos()
}

fn skew_nanos(skew: Duration) -> i128 {
    i128::try_from(skew.as_nanos()).unwrap_or(i128::MAX / 4)
}

/// `at > now + skew`, without overflow.
fn after_skew(at: OffsetDateTime, now: OffsetDateTime, skew: Duration) -> bool {
    nanos(at) > nanos(now) + skew_nanos(skew)
}

fn check_audience(conditions: Node<'_, '_>, sp: &str) -> Result<(), ResponseError> {
    let restrictions: Vec<_> = xml::children(conditions, NS_SAML, "AudienceRestriction").collect();
    if restrictions.is_empty() {
        return Err(ResponseError::Audience("no AudienceRestriction".into()));
    }
    for r in restrictions {
        let mut audiences = Vec::new();
        for a in xml::children(r, NS_SAML, "Audience") {
            audiences.push(xml::text_content(a)?);
        }
        if !audiences.iter().any(|a| a == sp) {
            return Err(ResponseError::Audience(format!(
                "AudienceRestriction [{}] does not include {sp:?}",
                audiences.join(", ")
            )));
        }
    }
    Ok(())
}

/// Reads every `saml:Attribute` of the signed assertion, across all its AttributeStatements.
///
/// `Attribute` elements that repeat a `Name` are merged into the first one (values appended in
/// document order) when their `NameFormat` is the same (absent counts as `…:unspecified`) and
/// their `FriendlyName` is identical (both absent, or the same string); any other repetition
/// is refused (ATTR-1). Values come from [`attribute_value`] (ATTR-2).
fn read_attributes(assertion: Node<'_, '_>) -> Result<Vec<Attribute>, ResponseError> {
    let mut out: Vec<Attribute> = Vec::new();
    for statement in xml::children(assertion, NS_SAML, "AttributeStatement") {
        if xml::children(statement, NS_SAML, "EncryptedAttribute")
            .next()
            .is_some()
        {
            return Err(ResponseError::Attribute(
                "EncryptedAttribute is not supported".into(),
            ));
        }
        for attr in xml::children(statement, NS_SAML, "Attribute") {
            let name = attr
                .attribute("Name")
                .ok_or_else(|| ResponseError::Attribute("Attribute without Name".into()))?;
            let friendly_name = attr.attribute("FriendlyName");
            let name_format = attr.attribute("NameFormat");
            let mut values = Vec::new();
            for v in xml::children(attr, NS_SAML, "AttributeValue") {
                values.push(attribute_value(name, v)?);
            }
            let Some(first) = out.iter_mut().find(|a| a.name == name) else {
                out.push(Attribute {
                    name: name.to_string(),
                    friendly_name: friendly_name.map(str::to_string),
                    name_format: name_format.map(str::to_string),
                    values,
                });
                continue;
            };
            let (had, has) = (
                name_format_or_unspecified(first.name_format.as_deref()),
                name_format_or_unspecified(name_format),
            );
            if had != has {
                return Err(ResponseError::Attribute(format!(
                    "attribute {name:?} occurs more than once with different NameFormats ({had:?} and {has:?})"
                )));
            }
            if first.friendly_name.as_deref() != friendly_name {
                return Err(ResponseError::Attribute(format!(
                    "attribute {name:?} occurs more than once with different FriendlyNames ({:?} and {:?})",
                    first.friendly_name, friendly_name
                )));
            }
            first.values.extend(values);
        }
    }
    Ok(out)
}

/// An attribute's `NameFormat`, absent read as `…:unspecified`.
fn name_format_or_unspecified(name_format: Option<&str>) -> &str {
    name_format.unwrap_or(ATTRNAME_FORMAT_UNSPECIFIED)
}

/// The string value of one `AttributeValue` of attribute `name`: its text (all text children,
/// comments skipped), or, when its only element child is one `saml:NameID` with nothing but XML
/// whitespace around it (eduPersonTargetedID in its SAML 2 form), that NameID's text; the
/// NameID's `Format`, `NameQualifier`, `SPNameQualifier` and `SPProvidedID` are dropped. Any
/// other element content is refused (ATTR-2).
fn attribute_value(name: &str, value: Node<'_, '_>) -> Result<String, ResponseError> {
    let refuse = |why: String| {
        ResponseError::Attribute(format!(
            "attribute {name:?} has a value that is neither plain text nor one saml:NameID: {why}"
        ))
    };
    let mut elements = value.children().filter(Node::is_element);
    let Some(element) = elements.next() else {
        return xml::text_content(value).map_err(|e| refuse(e.to_string()));
    };
    let extra = elements.count();
    if extra > 0 {
        return Err(refuse(format!("{} child elements", extra + 1)));
    }
    if !element.has_tag_name((NS_SAML, "NameID")) {
        return Err(refuse(format!(
            "child element {}",
            xml::expanded_name(element)
        )));
    }
    let is_xml_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    if value
        .children()
        .any(|c| c.is_text() && c.text().is_some_and(|t| !t.chars().all(is_xml_space)))
    {
        return Err(refuse("text next to the saml:NameID element".into()));
    }
    xml::text_content(element).map_err(|_| refuse("the saml:NameID has child elements".into()))
}
