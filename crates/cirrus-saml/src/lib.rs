//! cirrus-saml: a strict SAML 2.0 service-provider library.
//!
//! Pure: no I/O, no async, no clock (the current time is always an argument).
//! Everything received is parsed through [`xml::parse`], which refuses DTDs and bounds
//! size, depth, attribute and node counts. Signed content is consumed only through what the
//! XML-DSig verifier returns.

pub mod c14n;
pub mod cert;
pub mod datetime;
pub mod dsig;
pub mod error;
pub mod metadata;
pub mod response;
pub mod xml;

pub use cert::Certificate;
pub use error::{C14nError, CertificateError, DsigError, MetadataError, ResponseError, XmlError};
pub use metadata::{Endpoint, IdpMetadata, parse_idp_metadata};
pub use response::{Assertion, Expectations, ProviderTrust, validate_response};
/// Re-exported so callers can build `now` and read times without naming `time` themselves.
pub use time::OffsetDateTime;
