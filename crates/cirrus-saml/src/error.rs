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
