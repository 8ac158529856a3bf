//! All error types of the crate. Each variant says precisely which check failed.

use thiserror::Error;

/// Failure to parse a document through the hardened XML entry point ([`crate::xml::parse`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum XmlError {
    /// The input exceeds the configured byte limit.
    #[error("XML input is {size} bytes, above the limit of {limit} bytes")]
    TooLarge {
        /// Size of the input in bytes.
        size: usize,
        /// Configured limit in bytes.
        limit: usize,
    },
    /// The input bytes are not UTF-8.
    #[error("XML input is not valid UTF-8")]
    NotUtf8,
    /// The XML declaration names an encoding other than UTF-8.
    #[error("XML declaration names encoding {0:?}; only UTF-8 is accepted")]
    UnsupportedEncoding(String),
    /// A document type declaration (DTD) is present; DTDs and entity declarations are refused.
    #[error(
        "XML contains a document type declaration (DTD); DTDs and entity declarations are refused"
    )]
    DtdPresent,
    /// A processing instruction is present (e.g. a stylesheet hint).
    #[error(
        "XML contains a processing instruction <?{0} ...?>; processing instructions are refused"
    )]
    ProcessingInstruction(String),
    /// An XInclude element is present.
    #[error("XML contains an XInclude element; XInclude is refused")]
    XInclude,
    /// Elements are nested deeper than allowed.
    #[error("XML elements are nested deeper than the limit of {limit}")]
    TooDeep {
        /// Configured depth limit.
        limit: usize,
    },
    /// One element carries more attributes than allowed.
    #[error("element <{element}> has {count} attributes, above the limit of {limit}")]
    TooManyAttributes {
        /// Local name of the element.
        element: String,
        /// Number of attributes found.
        count: usize,
        /// Configured limit.
        limit: usize,
    },
    /// One element declares more namespaces than allowed.
    #[error("element <{element}> declares {count} namespaces, above the limit of {limit}")]
    TooManyNamespaces {
        /// Local name of the element.
        element: String,
        /// Number of namespace declarations found.
        count: usize,
        /// Configured limit.
        limit: usize,
    },
    /// The document has more nodes than allowed.
    #[error("XML has more than {limit} nodes")]
    TooManyNodes {
        /// Configured node limit.
        limit: u32,
    },
    /// The document is not well-formed (or uses an undeclared entity or namespace).
    #[error("XML is not well-formed: {0}")]
    Malformed(String),
    /// An element that must hold only text has element children.
    #[error("element <{0}> must contain only text but has child elements")]
    NotTextOnly(String),
}

/// Failure to read an X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertificateError {
    /// The certificate text is not valid base64.
    #[error("certificate is not valid base64: {0}")]
    Base64(String),
    /// The PEM text holds no CERTIFICATE block.
    #[error("no PEM CERTIFICATE block found")]
    NoPemBlock,
    /// The bytes are not a DER X.509 certificate.
    #[error("certificate does not parse as X.509 DER: {0}")]
    Der(String),
    /// Trailing bytes after the certificate.
    #[error("certificate has {0} trailing bytes after the DER structure")]
    TrailingBytes(usize),
    /// The certificate validity period cannot be represented.
    #[error("certificate validity time out of range")]
    Validity,
}

/// Failure to parse an `xs:dateTime` or `xs:duration` value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DateTimeError {
    /// Not a valid `xs:dateTime`.
    #[error("{0:?} is not a valid xs:dateTime")]
    DateTime(String),
    /// Not a valid (non-negative) `xs:duration`.
    #[error("{0:?} is not a valid non-negative xs:duration")]
    Duration(String),
}

/// Failure to parse IdP metadata.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MetadataError {
    /// The XML is malformed, too large, or carries a DTD.
    #[error("metadata XML rejected: {0}")]
    Xml(#[from] XmlError),
    /// The root element is not `md:EntityDescriptor` or `md:EntitiesDescriptor`.
    #[error(
        "metadata root element is {found}, expected md:EntityDescriptor or md:EntitiesDescriptor"
    )]
    WrongRoot {
        /// `{namespace}local` of the root element found.
        found: String,
    },
    /// An `EntityDescriptor` lacks its `entityID` attribute.
    #[error("EntityDescriptor has no entityID attribute")]
    MissingEntityId,
    /// The requested entity is not in the metadata.
    #[error("entity {0:?} not found in metadata")]
    EntityNotFound(String),
    /// Several IdP entities are present and none was chosen.
    #[error("metadata describes {count} identity providers ({ids}); choose one by entityID")]
    AmbiguousEntity {
        /// Number of IdP entities found.
        count: usize,
        /// Their entity IDs, comma separated.
        ids: String,
    },
    /// The entity has no `IDPSSODescriptor` supporting SAML 2.0.
    #[error("entity {0:?} has no IDPSSODescriptor supporting urn:oasis:names:tc:SAML:2.0:protocol")]
    NoIdpSsoDescriptor(String),
    /// The entity has several SAML 2.0 `IDPSSODescriptor`s.
    #[error("entity {0:?} has more than one SAML 2.0 IDPSSODescriptor")]
    MultipleIdpSsoDescriptors(String),
    /// The IdP has no `SingleSignOnService` endpoint.
    #[error("IDPSSODescriptor has no SingleSignOnService endpoint")]
    NoSingleSignOnService,
    /// An endpoint lacks `Binding` or `Location`.
    #[error("{element} endpoint has no {attribute} attribute")]
    EndpointAttributeMissing {
        /// `SingleSignOnService` or `SingleLogoutService`.
        element: &'static str,
        /// The missing attribute name.
        attribute: &'static str,
    },
    /// The IdP publishes no signing certificate.
    #[error(
        "IDPSSODescriptor has no signing certificate (KeyDescriptor use=\"signing\" or without use)"
    )]
    NoSigningCertificate,
    /// A `KeyDescriptor` has an unknown `use` value.
    #[error("KeyDescriptor has use={0:?}, expected \"signing\" or \"encryption\"")]
    BadKeyUse(String),
    /// A certificate in a `KeyDescriptor` does not parse.
    #[error("certificate #{index} in a {usage} KeyDescriptor is invalid: {source}")]
    Certificate {
        /// `signing` or `encryption`.
        usage: &'static str,
        /// Position of the certificate (0-based) among certificates of that use.
        index: usize,
        /// What was wrong.
        source: CertificateError,
    },
    /// A boolean attribute is not `true`/`false`/`1`/`0`.
    #[error("attribute {attribute} has value {value:?}, expected a boolean")]
    BadBoolean {
        /// Attribute name.
        attribute: &'static str,
        /// Value found.
        value: String,
    },
    /// The metadata signature is missing or does not verify with the given certificate(s).
    #[error("metadata signature rejected: {0}")]
    Signature(DsigError),
    /// `validUntil` or `cacheDuration` does not parse.
    #[error("attribute {attribute} is invalid: {source}")]
    BadTime {
        /// Attribute name.
        attribute: &'static str,
        /// What was wrong.
        source: DateTimeError,
    },
}

/// Failure to canonicalize a subtree.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum C14nError {
    /// Canonicalization starts at an element; another node kind was given.
    #[error("canonicalization must start at an element")]
    NotAnElement,
    /// The subtree is nested deeper than the canonicalizer allows.
    #[error("subtree nested deeper than {0} elements")]
    TooDeep(usize),
    /// The qualified name of a node could not be recovered from the source text.
    #[error("cannot read the qualified name of an element or attribute from the source")]
    QName,
}

/// Failure to verify an XML signature. Every variant is a rejection.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DsigError {
    /// The element carries no `ds:Signature` child.
    #[error("<{0}> has no ds:Signature child")]
    MissingSignature(String),
    /// The element carries more than one `ds:Signature` child.
    #[error("<{0}> has {1} ds:Signature children, expected one")]
    MultipleSignatures(String, usize),
    /// The signed element has no `ID` attribute.
    #[error("signed element <{0}> has no ID attribute")]
    MissingId(String),
    /// A `ds:Signature` child other than the allowed ones (e.g. `ds:Object`).
    #[error("ds:Signature has an unexpected child <{0}>")]
    UnexpectedSignatureChild(String),
    /// A required structural element is missing or repeated.
    #[error("{element}: expected exactly one, found {count}")]
    Cardinality {
        /// Qualified name of the element, e.g. `ds:SignedInfo`.
        element: &'static str,
        /// How many were found.
        count: usize,
    },
    /// `ds:SignedInfo` contains an unexpected child.
    #[error("ds:SignedInfo has an unexpected child <{0}>")]
    UnexpectedSignedInfoChild(String),
    /// `ds:Reference` contains an unexpected child.
    #[error("ds:Reference has an unexpected child <{0}>")]
    UnexpectedReferenceChild(String),
    /// A canonicalization algorithm outside the allow-list.
    #[error("canonicalization algorithm {0:?} is not allowed (only exclusive C14N 1.0)")]
    CanonicalizationNotAllowed(String),
    /// An algorithm URI carries parameters we refuse (e.g. `HMACOutputLength`).
    #[error("<{0}> must not have child elements other than ec:InclusiveNamespaces")]
    UnexpectedAlgorithmParameters(String),
    /// A signature algorithm outside the allow-list.
    #[error("signature algorithm {0:?} is not allowed")]
    SignatureAlgorithmNotAllowed(String),
    /// A digest algorithm outside the allow-list.
    #[error("digest algorithm {0:?} is not allowed")]
    DigestAlgorithmNotAllowed(String),
    /// A SHA-1 based algorithm while the provider does not allow SHA-1.
    #[error("{0:?} uses SHA-1, which this provider does not allow")]
    Sha1NotAllowed(String),
    /// The transform chain is not `enveloped-signature` followed by exclusive C14N.
    #[error("transforms [{0}] are not allowed; expected enveloped-signature then exclusive C14N")]
    TransformsNotAllowed(String),
    /// The Reference URI is not a same-document `#id` reference.
    #[error("Reference URI {0:?} is not a same-document #id reference")]
    ReferenceUriNotAllowed(String),
    /// The Reference points at an element other than the one being verified.
    #[error("Reference URI #{found} does not point at the signed element (ID {expected:?})")]
    ReferenceTargetMismatch {
        /// ID of the element the signature is attached to.
        expected: String,
        /// ID the Reference names.
        found: String,
    },
    /// An ID value occurs on more than one element in the document.
    #[error("ID {0:?} occurs more than once in the document")]
    DuplicateId(String),
    /// `ds:DigestValue` / `ds:SignatureValue` contains something other than text.
    #[error("{0} must contain only text")]
    NotText(&'static str),
    /// `ds:DigestValue` / `ds:SignatureValue` is not base64.
    #[error("{0} is not valid base64")]
    Base64(&'static str),
    /// Empty `ds:SignatureValue` or a DigestValue of the wrong length.
    #[error("{0} is empty or has the wrong length")]
    BadLength(&'static str),
    /// The recomputed digest differs from `ds:DigestValue`.
    #[error("digest of the referenced element does not match ds:DigestValue (content was altered)")]
    DigestMismatch,
    /// No trusted certificate was configured.
    #[error("no trusted signing certificate is configured")]
    NoTrustedCertificates,
    /// No configured certificate verifies the signature.
    #[error("signature value does not verify with any of the {0} configured certificate(s)")]
    SignatureInvalid(usize),
    /// Canonicalization failed.
    #[error("canonicalization failed: {0}")]
    C14n(#[from] C14nError),
    /// Parsing (or re-parsing the signed bytes) failed.
    #[error("XML rejected: {0}")]
    Xml(#[from] XmlError),
}

/// Why a SAMLResponse was rejected. [`ResponseError::check`] names the failed check.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResponseError {
    /// The encoded response exceeds the size limit (checked before decoding).
    #[error("SAMLResponse is {size} bytes encoded, above the limit of {limit}")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// The SAMLResponse is not valid base64.
    #[error("SAMLResponse is not valid base64: {0}")]
    Base64(String),
    /// The decoded XML was refused by the hardened parser.
    #[error("SAMLResponse XML rejected: {0}")]
    Xml(#[from] XmlError),
    /// The root element is not `samlp:Response`.
    #[error("root element is {0}, expected samlp:Response")]
    NotAResponse(String),
    /// `Version` is not `2.0`.
    #[error("{element} Version is {found:?}, expected \"2.0\"")]
    WrongVersion {
        /// `Response` or `Assertion`.
        element: &'static str,
        /// Version found.
        found: String,
    },
    /// A required attribute or element is absent.
    #[error("{element} has no {item}")]
    Missing {
        /// Element concerned.
        element: &'static str,
        /// Missing attribute or child.
        item: &'static str,
    },
    /// A singleton element occurs more than once.
    #[error("{element} occurs {count} times where one is allowed")]
    Duplicated {
        /// Element concerned.
        element: &'static str,
        /// Occurrences.
        count: usize,
    },
    /// A timestamp does not parse.
    #[error("{field} is not a valid xs:dateTime: {value:?}")]
    BadTimestamp {
        /// Attribute concerned.
        field: &'static str,
        /// Value found.
        value: String,
    },
    /// An ID value (`ID`, `Id`, `AssertionID`, `xml:id`) occurs more than once in the document.
    #[error("ID {0:?} occurs more than once in the document")]
    DuplicateId(String),
    /// No `samlp:Status`/`StatusCode`.
    #[error("Response has no samlp:Status/samlp:StatusCode")]
    StatusMissing,
    /// The IdP answered with a status other than Success.
    #[error("IdP returned status {codes:?}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Status {
        /// Top-level status code first, then nested ones.
        codes: Vec<String>,
        /// The `StatusMessage`, if any.
        message: Option<String>,
    },
    /// Not exactly one `saml:Assertion` in the whole document.
    #[error("document contains {0} saml:Assertion elements, expected exactly one")]
    AssertionCount(usize),
    /// The one Assertion is not a direct child of the Response.
    #[error("the saml:Assertion is not a direct child of samlp:Response")]
    AssertionMisplaced,
    /// The `EncryptedAssertion` could not be decrypted, or its plaintext is refused.
    #[error("encrypted assertion rejected: {0}")]
    Decryption(#[from] XencError),
    /// A `ds:Signature` somewhere other than directly under the Response or the Assertion.
    #[error(
        "ds:Signature found inside <{0}>; signatures are accepted only on the Response and the Assertion"
    )]
    UnexpectedSignature(String),
    /// None of the configured signing certificates is within its validity period.
    #[error("none of the {configured} configured signing certificate(s) is valid at {now}")]
    CertificatesNotValid {
        /// Number of configured certificates.
        configured: usize,
        /// The time used.
        now: String,
    },
    /// Neither the Response nor the Assertion is signed.
    #[error("neither the Response nor the Assertion is signed")]
    SignatureMissing,
    /// A signature present on the Response or Assertion does not verify.
    #[error("{element} signature rejected: {source}")]
    Signature {
        /// `Response` or `Assertion`.
        element: &'static str,
        /// What the verifier refused.
        source: DsigError,
    },
    /// Response `Issuer` differs from the IdP entity ID.
    #[error("Response Issuer is {found:?}, expected {expected:?}")]
    ResponseIssuer {
        /// Configured IdP entity ID.
        expected: String,
        /// Issuer found.
        found: String,
    },
    /// Assertion `Issuer` missing or differs from the IdP entity ID.
    #[error("Assertion Issuer is {found:?}, expected {expected:?}")]
    AssertionIssuer {
        /// Configured IdP entity ID.
        expected: String,
        /// Issuer found (empty if absent).
        found: String,
    },
    /// An Issuer with a Format other than entity.
    #[error("Issuer Format is {0:?}, expected urn:oasis:names:tc:SAML:2.0:nameid-format:entity")]
    IssuerFormat(String),
    /// `Destination` differs from the ACS URL (or is absent on a signed Response).
    #[error("Response Destination is {found:?}, expected {expected:?}")]
    Destination {
        /// ACS URL.
        expected: String,
        /// Destination found (`None` if absent).
        found: Option<String>,
    },
    /// The response answers a request we did not send / do not expect.
    #[error("InResponseTo is {found:?}, expected {expected:?}")]
    InResponseTo {
        /// Pending request ID (`None` if none pending).
        expected: Option<String>,
        /// InResponseTo found.
        found: String,
    },
    /// Response and SubjectConfirmationData disagree on InResponseTo.
    #[error(
        "Response InResponseTo {response:?} differs from SubjectConfirmationData InResponseTo {confirmation:?}"
    )]
    InResponseToDisagree {
        /// On the Response.
        response: String,
        /// On the SubjectConfirmationData.
        confirmation: String,
    },
    /// Unsolicited (IdP-initiated) response while not allowed.
    #[error(
        "unsolicited response (no InResponseTo) but a request {0:?} is pending and unsolicited responses are not allowed"
    )]
    Unsolicited(Option<String>),
    /// NameID absent, empty, or not plain text.
    #[error("Subject NameID is invalid: {0}")]
    NameId(String),
    /// No acceptable bearer SubjectConfirmation.
    #[error("no valid bearer SubjectConfirmation: {0}")]
    SubjectConfirmation(String),
    /// `Recipient` differs from the ACS URL.
    #[error("SubjectConfirmationData Recipient is {found:?}, expected {expected:?}")]
    Recipient {
        /// ACS URL.
        expected: String,
        /// Recipient found (`None` if absent).
        found: Option<String>,
    },
    /// A validity window is over (beyond skew).
    #[error("{field} {at} has passed (now {now}, skew {skew_seconds} s)")]
    Expired {
        /// Which attribute.
        field: &'static str,
        /// Its value.
        at: String,
        /// Current time.
        now: String,
        /// Allowed skew.
        skew_seconds: u64,
    },
    /// A validity window has not started yet (beyond skew).
    #[error("{field} {at} is in the future (now {now}, skew {skew_seconds} s)")]
    NotYetValid {
        /// Which attribute.
        field: &'static str,
        /// Its value.
        at: String,
        /// Current time.
        now: String,
        /// Allowed skew.
        skew_seconds: u64,
    },
    /// Audience restriction missing or not naming this SP.
    #[error("audience check failed: {0}")]
    Audience(String),
    /// Not exactly one AuthnStatement.
    #[error("assertion has {0} AuthnStatement elements, expected exactly one")]
    AuthnStatementCount(usize),
    /// Attribute structure refused.
    #[error("attribute rejected: {0}")]
    Attribute(String),
    /// The root element is not the expected protocol message.
    #[error("root element is {found}, expected {expected}")]
    WrongRoot {
        /// Expected qualified name, e.g. `samlp:LogoutRequest`.
        expected: &'static str,
        /// Expanded name found.
        found: String,
    },
    /// HTTP-Redirect query refused: missing, duplicated or encoded parameter names, SigAlg
    /// without Signature or the reverse, bad percent-encoding.
    #[error("HTTP-Redirect query rejected: {0}")]
    Binding(String),
    /// The DEFLATE payload of the HTTP-Redirect binding is corrupt, has trailing data, or
    /// inflates beyond the cap (deflate bomb).
    #[error("HTTP-Redirect payload rejected: {0}")]
    Inflate(String),
    /// The Issuer of a logout message is absent or not the IdP's entity ID.
    #[error("{element} Issuer is {found:?}, expected {expected:?}")]
    Issuer {
        /// `LogoutRequest` or `LogoutResponse`.
        element: &'static str,
        /// Configured IdP entity ID.
        expected: String,
        /// Issuer found (empty if absent).
        found: String,
    },
}

impl ResponseError {
    /// Stable name of the check that failed (used by `cirrus saml check` and audit logs).
    pub fn check(&self) -> &'static str {
        use ResponseError::*;
        match self {
            TooLarge { .. } => "size",
            Base64(_) => "base64",
            Xml(_) => "xml",
            NotAResponse(_)
            | WrongVersion { .. }
            | Missing { .. }
            | Duplicated { .. }
            | BadTimestamp { .. }
            | DuplicateId(_) => "schema",
            StatusMissing | Status { .. } => "status",
            Decryption(_) => "decryption",
            AssertionCount(_) | AssertionMisplaced => "assertion_count",
            UnexpectedSignature(_)
            | SignatureMissing
            | Signature { .. }
            | CertificatesNotValid { .. } => "signature",
            ResponseIssuer { .. } => "response_issuer",
            AssertionIssuer { .. } | IssuerFormat(_) => "assertion_issuer",
            Destination { .. } => "destination",
            InResponseTo { .. } | InResponseToDisagree { .. } | Unsolicited(_) => "in_response_to",
            NameId(_) => "subject",
            SubjectConfirmation(_) | Recipient { .. } => "subject_confirmation",
            Expired { .. } | NotYetValid { .. } => "time",
            Audience(_) => "audience",
            AuthnStatementCount(_) => "authn_statement",
            Attribute(_) => "attributes",
            WrongRoot { .. } => "schema",
            Binding(_) => "binding",
            Inflate(_) => "deflate",
            Issuer { .. } => "issuer",
        }
    }
}

/// Failure to decrypt an `EncryptedAssertion` (XML Encryption).
///
/// Every cryptographic failure (wrong key, bad padding, failed tag, wrong key length) is the
/// single variant [`XencError::DecryptionFailed`], so no padding or format oracle is exposed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum XencError {
    /// No SP decryption key is configured.
    #[error("an encrypted assertion arrived but no SP decryption key is configured")]
    NoDecryptionKey,
    /// A structural element is missing or repeated.
    #[error("{element}: expected exactly one, found {count}")]
    Cardinality {
        /// Qualified name, e.g. `xenc:EncryptedData`.
        element: &'static str,
        /// How many were found.
        count: usize,
    },
    /// The data encryption algorithm is not allowed.
    #[error("data encryption algorithm {0:?} is not allowed (AES-GCM, AES-CBC only)")]
    DataAlgorithmNotAllowed(String),
    /// The key transport algorithm is not allowed (e.g. RSA PKCS#1 v1.5).
    #[error("key transport algorithm {0:?} is not allowed (RSA-OAEP only)")]
    KeyTransportNotAllowed(String),
    /// The OAEP digest / MGF combination is not supported.
    #[error("RSA-OAEP parameters not supported: {0}")]
    OaepParameters(String),
    /// `EncryptedData/@Type` is not `Element`.
    #[error("EncryptedData Type {0:?} is not http://www.w3.org/2001/04/xmlenc#Element")]
    WrongType(String),
    /// A `CipherReference` (external ciphertext) was used.
    #[error("CipherReference is refused; ciphertext must be inline in CipherValue")]
    CipherReference,
    /// `CipherValue` is not text-only base64.
    #[error("{0} CipherValue is not text-only base64")]
    CipherValue(&'static str),
    /// Decryption failed (uniform for every cryptographic failure).
    #[error("decryption failed")]
    DecryptionFailed,
    /// The decrypted content is not exactly one `saml:Assertion` element.
    #[error("decrypted content is not exactly one saml:Assertion: {0}")]
    UnexpectedContent(String),
    /// The decrypted XML was refused by the hardened parser.
    #[error("decrypted XML rejected: {0}")]
    Xml(#[from] XmlError),
    /// The SP private key could not be read.
    #[error("SP private key rejected: {0}")]
    Key(String),
}

/// Failure to build an outgoing SAML message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MessageError {
    /// Writing the XML failed.
    #[error("cannot write message XML: {0}")]
    Write(String),
    /// Compressing the message failed.
    #[error("cannot deflate message: {0}")]
    Deflate(String),
    /// The endpoint URL is not an absolute http(s) URL.
    #[error("endpoint {0:?} is not an absolute http(s) URL")]
    Endpoint(String),
    /// The SP signing key could not be read.
    #[error("SP signing key rejected: {0}")]
    Key(String),
    /// Signing failed.
    #[error("signing failed")]
    Sign,
    /// The element to sign could not be found or cannot carry a signature.
    #[error("cannot place the signature: {0}")]
    SignTarget(String),
}
