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

pub mod c14n;
pub mod cert;
pub mod datetime;
pub mod dsig;
pub mod dsig_sign;
pub mod error;
pub mod messages;
pub mod metadata;
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
pub use sp_metadata::{RequestedAttribute, SpMetadata};
/// Re-exported so callers can build `now` and read times without naming `time` themselves.
pub use time::OffsetDateTime;
