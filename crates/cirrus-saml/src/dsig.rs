//! XML-DSig verification of enveloped signatures, strict by construction.
//!
//! * exactly one `ds:Signature`, a direct child of the element it signs;
//! * `SignedInfo` with exactly one `Reference` whose URI is `#<ID of that element>`, and that ID
//!   occurring once in the whole document (`ID`, `Id`, `AssertionID` and `xml:id` counted);
//! * canonicalization exclusive C14N only; transforms `enveloped-signature` then exclusive C14N;
//! * digests SHA-256/384/512, signatures RSA-SHA256/384/512 and ECDSA-SHA256/384; SHA-1 only if
//!   [`AlgorithmPolicy::allow_sha1`]; anything else (HMAC, MD5, unknown) is refused;
//! * keys only from the configured certificates, never from `KeyInfo` (which is ignored);
//! * constant-time digest comparison;
//! * the result is the canonical bytes that were digested ([`VerifiedElement`]); callers read the
//!   signed content only by re-parsing those bytes.

use std::collections::HashSet;

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use roxmltree::{Document, Node};
use subtle::ConstantTimeEq as _;

use crate::c14n::{C14nOptions, EXC_C14N, EXC_C14N_WITH_COMMENTS, canonicalize};
use crate::cert::Certificate;
use crate::error::DsigError;
use crate::xml::{self, NS_DS, NS_EXC_C14N, XmlLimits};

/// Enveloped-signature transform URI.
pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// Which algorithms a provider accepts beyond the always-allowed SHA-2 family.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AlgorithmPolicy {
    /// Accept SHA-1 digests and RSA-SHA1 signatures (legacy IdPs only).
    pub allow_sha1: bool,
}

/// Signature algorithms the verifier knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-1 (opt-in).
    RsaSha1,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaSha256,
    /// RSA PKCS#1 v1.5 with SHA-384.
    RsaSha384,
    /// RSA PKCS#1 v1.5 with SHA-512.
    RsaSha512,
    /// ECDSA P-256 with SHA-256.
    EcdsaSha256,
    /// ECDSA P-384 with SHA-384.
    EcdsaSha384,
}

impl SignatureAlgorithm {
    /// Maps an algorithm URI (allow-list).
    pub fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1" => Self::RsaSha1,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => Self::RsaSha256,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => Self::RsaSha384,
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => Self::RsaSha512,
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => Self::EcdsaSha256,
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384" => Self::EcdsaSha384,
            _ => return None,
        })
    }

    pub(crate) fn verification(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Self::RsaSha1 => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            Self::RsaSha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Self::RsaSha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Self::RsaSha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            Self::EcdsaSha256 => &signature::ECDSA_P256_SHA256_FIXED,
            Self::EcdsaSha384 => &signature::ECDSA_P384_SHA384_FIXED,
        }
    }
}

/// Digest algorithms the verifier knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// SHA-1 (opt-in).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Maps an algorithm URI (allow-list).
    pub fn from_uri(uri: &str) -> Option<Self> {
        Some(match uri {
            "http://www.w3.org/2000/09/xmldsig#sha1" => Self::Sha1,
            "http://www.w3.org/2001/04/xmlenc#sha256" => Self::Sha256,
            "http://www.w3.org/2001/04/xmldsig-more#sha384" => Self::Sha384,
            "http://www.w3.org/2001/04/xmlenc#sha512" => Self::Sha512,
            _ => return None,
        })
    }

    fn algorithm(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        }
    }
}

/// The outcome of a successful verification: exactly the bytes that were digested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedElement {
    canonical: String,
    /// The ID of the signed element.
    pub id: String,
    /// The signature algorithm used.
    pub signature_algorithm: SignatureAlgorithm,
    /// The digest algorithm used.
    pub digest_algorithm: DigestAlgorithm,
    /// SHA-256 fingerprint of the configured certificate that verified the signature.
    pub certificate_fingerprint: [u8; 32],
}

impl VerifiedElement {
    /// The canonical XML of the signed element, without the enveloped signature.
    pub fn canonical_xml(&self) -> &str {
        &self.canonical
    }

    /// Re-parses the signed bytes; the root element is the signed element. Read signed content
    /// only from this document.
    pub fn parse(&self) -> Result<Document<'_>, DsigError> {
        self.parse_with_limits(&XmlLimits::MESSAGE)
    }

    /// [`VerifiedElement::parse`] with explicit limits (the byte limit is raised to the size of
    /// the canonical form, which may exceed the original through namespace declarations).
    pub fn parse_with_limits(&self, limits: &XmlLimits) -> Result<Document<'_>, DsigError> {
        let limits = XmlLimits {
            max_bytes: self.canonical.len().max(limits.max_bytes),
            ..limits.clone()
        };
        Ok(xml::parse(&self.canonical, &limits)?)
    }
}

/// Local names of attributes counted as XML IDs for uniqueness and reference resolution.
const ID_ATTRIBUTES: &[&str] = &["ID", "Id", "AssertionID"];

fn id_values<'a>(node: Node<'a, '_>) -> impl Iterator<Item = &'a str> {
    node.attributes()
        .filter(|a| {
            (a.namespace().is_none() && ID_ATTRIBUTES.contains(&a.name()))
                || (a.namespace() == Some("http://www.w3.org/XML/1998/namespace")
                    && a.name() == "id")
        })
        .map(|a| a.value())
}

/// Refuses a document in which any ID value (see above) occurs on more than one element.
pub fn check_unique_ids(doc: &Document<'_>) -> Result<(), DsigError> {
    let mut seen = HashSet::new();
    for node in doc.descendants().filter(Node::is_element) {
        for v in id_values(node) {
            if !seen.insert(v) {
                return Err(DsigError::DuplicateId(v.to_string()));
            }
        }
    }
    Ok(())
}

/// Verifies the enveloped signature of `element` (its single direct `ds:Signature` child) with
/// the `trusted` certificates, and returns the signed bytes.
pub fn verify_enveloped(
    element: Node<'_, '_>,
    trusted: &[Certificate],
    policy: &AlgorithmPolicy,
) -> Result<VerifiedElement, DsigError> {
    let name = element.tag_name().name().to_string();
    let mut sigs = xml::children(element, NS_DS, "Signature");
    let signature = sigs
        .next()
        .ok_or_else(|| DsigError::MissingSignature(name.clone()))?;
    let extra = sigs.count();
    if extra > 0 {
        return Err(DsigError::MultipleSignatures(name, extra + 1));
    }
    let id = element
        .attribute("ID")
        .ok_or_else(|| DsigError::MissingId(name.clone()))?;
    check_unique_ids(element.document())?;
    verify_signature(element, id, signature, trusted, policy)
}

fn element_children<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

fn is_ds(node: Node<'_, '_>, local: &str) -> bool {
    node.tag_name().namespace() == Some(NS_DS) && node.tag_name().name() == local
}

/// Exactly one `ds:<local>` child element.
fn one_ds_child<'a, 'i>(
    parent: Node<'a, 'i>,
    local: &'static str,
    qname: &'static str,
) -> Result<Node<'a, 'i>, DsigError> {
    let found: Vec<_> = element_children(parent)
        .filter(|c| is_ds(*c, local))
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        other => Err(DsigError::Cardinality {
            element: qname,
            count: other.len(),
        }),
    }
}

/// Text-only content (comments and elements refused), whitespace removed, base64-decoded.
fn base64_text(node: Node<'_, '_>, what: &'static str) -> Result<Vec<u8>, DsigError> {
    let mut text = String::new();
    for child in node.children() {
        if !child.is_text() {
            return Err(DsigError::NotText(what));
        }
        text.extend(
            child
                .text()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_ascii_whitespace()),
        );
    }
    let bytes = STANDARD
        .decode(text.as_bytes())
        .map_err(|_| DsigError::Base64(what))?;
    if bytes.is_empty() {
        return Err(DsigError::BadLength(what));
    }
    Ok(bytes)
}

/// Reads a c14n algorithm element: returns (with_comments, inclusive prefixes).
fn c14n_method(node: Node<'_, '_>, algorithm: &str) -> Result<(bool, Vec<String>), DsigError> {
    let with_comments = match algorithm {
        EXC_C14N => false,
        EXC_C14N_WITH_COMMENTS => true,
        other => return Err(DsigError::CanonicalizationNotAllowed(other.to_string())),
    };
    let mut prefixes = Vec::new();
    let mut seen = 0;
    for child in element_children(node) {
        if child.has_tag_name((NS_EXC_C14N, "InclusiveNamespaces")) && seen == 0 {
            seen += 1;
            if let Some(list) = child.attribute("PrefixList") {
                prefixes.extend(list.split_ascii_whitespace().map(str::to_string));
            }
        } else {
            return Err(DsigError::UnexpectedAlgorithmParameters(
                node.tag_name().name().to_string(),
            ));
        }
    }
    Ok((with_comments, prefixes))
}

fn verify_signature(
    element: Node<'_, '_>,
    id: &str,
    signature: Node<'_, '_>,
    trusted: &[Certificate],
    policy: &AlgorithmPolicy,
) -> Result<VerifiedElement, DsigError> {
    // Signature: SignedInfo, SignatureValue, optional KeyInfo; nothing else (no ds:Object).
    let kids: Vec<_> = element_children(signature).collect();
    for k in &kids {
        if !(is_ds(*k, "SignedInfo") || is_ds(*k, "SignatureValue") || is_ds(*k, "KeyInfo")) {
            return Err(DsigError::UnexpectedSignatureChild(xml::expanded_name(*k)));
        }
    }
    let signed_info = one_ds_child(signature, "SignedInfo", "ds:SignedInfo")?;
    let signature_value = one_ds_child(signature, "SignatureValue", "ds:SignatureValue")?;
    let key_infos = kids.iter().filter(|k| is_ds(**k, "KeyInfo")).count();
    if key_infos > 1 {
        return Err(DsigError::Cardinality {
            element: "ds:KeyInfo",
            count: key_infos,
        });
    }

    // SignedInfo: CanonicalizationMethod, SignatureMethod, exactly one Reference.
    for k in element_children(signed_info) {
        if !(is_ds(k, "CanonicalizationMethod")
            || is_ds(k, "SignatureMethod")
            || is_ds(k, "Reference"))
        {
            return Err(DsigError::UnexpectedSignedInfoChild(xml::expanded_name(k)));
        }
    }
    let c14n_el = one_ds_child(
        signed_info,
        "CanonicalizationMethod",
        "ds:CanonicalizationMethod",
    )?;
    let (si_comments, si_prefixes) =
        c14n_method(c14n_el, c14n_el.attribute("Algorithm").unwrap_or(""))?;
    let sig_method = one_ds_child(signed_info, "SignatureMethod", "ds:SignatureMethod")?;
    let sig_uri = sig_method.attribute("Algorithm").unwrap_or("");
    if element_children(sig_method).next().is_some() {
        return Err(DsigError::UnexpectedAlgorithmParameters(
            "SignatureMethod".into(),
        ));
    }
    let sig_alg = SignatureAlgorithm::from_uri(sig_uri)
        .ok_or_else(|| DsigError::SignatureAlgorithmNotAllowed(sig_uri.to_string()))?;
    if sig_alg == SignatureAlgorithm::RsaSha1 && !policy.allow_sha1 {
        return Err(DsigError::Sha1NotAllowed(sig_uri.to_string()));
    }
    let reference = one_ds_child(signed_info, "Reference", "ds:Reference")?;

    // Reference URI: "#<id of the signed element>", resolving to exactly one element.
    let uri = reference.attribute("URI").unwrap_or("");
    let target = uri
        .strip_prefix('#')
        .filter(|t| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        })
        .ok_or_else(|| DsigError::ReferenceUriNotAllowed(uri.to_string()))?;
    if target != id {
        return Err(DsigError::ReferenceTargetMismatch {
            expected: id.to_string(),
            found: target.to_string(),
        });
    }
    let holders = element
        .document()
        .descendants()
        .filter(|n| n.is_element() && id_values(*n).any(|v| v == target))
        .count();
    if holders != 1 {
        return Err(DsigError::DuplicateId(target.to_string()));
    }

    // Reference children: Transforms, DigestMethod, DigestValue.
    for k in element_children(reference) {
        if !(is_ds(k, "Transforms") || is_ds(k, "DigestMethod") || is_ds(k, "DigestValue")) {
            return Err(DsigError::UnexpectedReferenceChild(xml::expanded_name(k)));
        }
    }
    let transforms = one_ds_child(reference, "Transforms", "ds:Transforms")?;
    let list: Vec<_> = element_children(transforms).collect();
    let describe = || {
        list.iter()
            .map(|t| t.attribute("Algorithm").unwrap_or("?"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (_ref_comments, ref_prefixes) = match list.as_slice() {
        [env, c14n]
            if is_ds(*env, "Transform")
                && is_ds(*c14n, "Transform")
                && env.attribute("Algorithm") == Some(ENVELOPED_SIGNATURE)
                && element_children(*env).next().is_none() =>
        {
            let alg = c14n.attribute("Algorithm").unwrap_or("");
            if alg != EXC_C14N && alg != EXC_C14N_WITH_COMMENTS {
                return Err(DsigError::TransformsNotAllowed(describe()));
            }
            c14n_method(*c14n, alg)?
        }
        _ => return Err(DsigError::TransformsNotAllowed(describe())),
    };
    let digest_method = one_ds_child(reference, "DigestMethod", "ds:DigestMethod")?;
    let digest_uri = digest_method.attribute("Algorithm").unwrap_or("");
    if element_children(digest_method).next().is_some() {
        return Err(DsigError::UnexpectedAlgorithmParameters(
            "DigestMethod".into(),
        ));
    }
    let digest_alg = DigestAlgorithm::from_uri(digest_uri)
        .ok_or_else(|| DsigError::DigestAlgorithmNotAllowed(digest_uri.to_string()))?;
    if digest_alg == DigestAlgorithm::Sha1 && !policy.allow_sha1 {
        return Err(DsigError::Sha1NotAllowed(digest_uri.to_string()));
    }
    let digest_value = base64_text(
        one_ds_child(reference, "DigestValue", "ds:DigestValue")?,
        "ds:DigestValue",
    )?;
    if digest_value.len() != digest_alg.algorithm().output_len() {
        return Err(DsigError::BadLength("ds:DigestValue"));
    }
    let signature_bytes = base64_text(signature_value, "ds:SignatureValue")?;

    if trusted.is_empty() {
        return Err(DsigError::NoTrustedCertificates);
    }

    // 1. SignedInfo must verify with a configured key (KeyInfo is never consulted).
    let signed_info_c14n = canonicalize(
        signed_info,
        &C14nOptions {
            with_comments: si_comments,
            inclusive_prefixes: si_prefixes,
            exclude: None,
        },
    )?;
    let verifier = sig_alg.verification();
    let cert = trusted
        .iter()
        .find(|c| {
            UnparsedPublicKey::new(verifier, &c.spki_der)
                .verify(&signed_info_c14n, &signature_bytes)
                .is_ok()
        })
        .ok_or(DsigError::SignatureInvalid(trusted.len()))?;

    // 2. The referenced element, minus this signature, must digest to DigestValue. A bare-name
    //    `#id` reference selects the element *without comments* (XML-DSig 4.3.3.3), so comments
    //    are dropped even under exc-c14n#WithComments.
    let canonical = canonicalize(
        element,
        &C14nOptions {
            with_comments: false,
            inclusive_prefixes: ref_prefixes,
            exclude: Some(signature),
        },
    )?;
    let computed = digest::digest(digest_alg.algorithm(), &canonical);
    if !bool::from(computed.as_ref().ct_eq(&digest_value)) {
        return Err(DsigError::DigestMismatch);
    }
    let canonical = String::from_utf8(canonical).map_err(|_| crate::error::XmlError::NotUtf8)?;

    Ok(VerifiedElement {
        canonical,
        id: id.to_string(),
        signature_algorithm: sig_alg,
        digest_algorithm: digest_alg,
        certificate_fingerprint: cert.sha256_fingerprint,
    })
}
