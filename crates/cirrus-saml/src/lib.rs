//! cirrus-saml: a strict SAML 2.0 service-provider library.
//!
//! Pure: no I/O, no async, no clock (the current time is always an argument).
//! Everything received is parsed through [`xml::parse`], which refuses DTDs and bounds
//! size, depth, attribute and node counts. Signed content is consumed only through what the
//! XML-DSig verifier returns.
//!
//! ```no_run
//! use cirrus_saml::{Expectations, OffsetDateTime, ProviderTrust, parse_idp_metadata, validate_response};
//!
//! # fn demo(metadata_xml: &str, saml_response: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let metadata = parse_idp_metadata(metadata_xml, None)?;           // admin API, at once
//! let trust = ProviderTrust::from_metadata(&metadata);
//! let expect = Expectations::new(
//!     "urn:amazon:cognito:sp:pool",                                   // SP entity ID (Audience)
//!     "https://auth.example.test/saml2/idpresponse",                  // ACS URL
//!     Some("_pending-request-id".to_string()),                        // None: IdP-initiated allowed
//!     OffsetDateTime::now_utc(),                                      // the caller owns the clock
//! );
//! match validate_response(saml_response, &trust, &expect) {
//!     Ok(assertion) => println!("{} {}", assertion.issuer, assertion.name_id.value),
//!     Err(e) => eprintln!("SAML check {} failed: {e}", e.check()),
//! }
//! # Ok(()) }
//! ```
//!
//! SP metadata, signed with the pool's SAML signing key, and IdP-initiated single logout over
//! HTTP-Redirect (pass the raw query string exactly as received):
//!
//! ```no_run
//! use cirrus_saml::messages::{RedirectSigner, SpLogoutResponse, message_id};
//! use cirrus_saml::slo::{LogoutRequestExpectations, validate_logout_request_redirect};
//! use cirrus_saml::{OffsetDateTime, ProviderTrust, RequestedAttribute, SpMetadata};
//!
//! # fn demo(pkcs8: &[u8], cert_der: Vec<u8>, trust: &ProviderTrust, raw_query: &str)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! let signer = RedirectSigner::from_pkcs8_der(pkcs8)?.with_certificate(cert_der.clone());
//! let mut md = SpMetadata::new(
//!     "urn:amazon:cognito:sp:us-east-1_AbC",
//!     "https://auth.example.test/saml2/idpresponse",
//! );
//! md.slo_url = Some("https://auth.example.test/saml2/logout".into());
//! md.signing_certificate = Some(cert_der.clone());
//! md.encryption_certificate = Some(cert_der);
//! md.authn_requests_signed = true;
//! md.requested_attributes = vec![RequestedAttribute::new("urn:oid:0.9.2342.19200300.100.1.3", Some("mail"), true)];
//! let metadata_xml = md.to_signed_xml(&signer)?;
//!
//! let now = OffsetDateTime::now_utc();
//! let expect = LogoutRequestExpectations::new("https://auth.example.test/saml2/logout", now);
//! let request = validate_logout_request_redirect(raw_query, trust, &expect)?;
//! // ... end the sessions of request.name_id / request.session_indexes, remember request.id ...
//! let answer = SpLogoutResponse::answering(
//!     &request, message_id(&[7; 20]), now, "https://idp.example.test/slo",
//!     "urn:amazon:cognito:sp:us-east-1_AbC",
//! );
//! let location = answer.redirect_url(request.relay_state.as_deref(), Some(&signer))?;
//! # let _ = (metadata_xml, location); Ok(()) }
//! ```

pub mod c14n;
pub mod cert;
pub mod datetime;
pub mod dsig;
pub mod dsig_sign;
pub mod error;
pub mod messages;
pub mod metadata;
pub mod pem;
pub mod redirect;
pub mod response;
pub mod slo;
pub mod sp_metadata;
pub mod xenc;
pub mod xml;

pub use cert::Certificate;
pub use error::{
    C14nError, CertificateError, DsigError, MessageError, MetadataError, ResponseError, XencError,
    XmlError,
};
pub use metadata::{Endpoint, IdpMetadata, parse_idp_metadata, parse_signed_idp_metadata};
pub use response::{Assertion, Expectations, ProviderTrust, validate_response};
pub use slo::{
    IdpLogoutRequest, LogoutRequestExpectations, validate_logout_request_post,
    validate_logout_request_redirect,
};
pub use sp_metadata::{RequestedAttribute, SpMetadata};
/// Re-exported so callers can build `now` and read times without naming `time` themselves.
pub use time::OffsetDateTime;
