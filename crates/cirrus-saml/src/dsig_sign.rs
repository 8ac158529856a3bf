//! Enveloped XML-DSig signing of documents this crate wrote (SP metadata, LogoutRequest,
//! LogoutResponse for the HTTP-POST binding).
//!
//! The profile is the one the verifier ([`crate::dsig`]) accepts and SAML peers expect:
//! exclusive C14N for `SignedInfo`, one `Reference` to `#<ID>` with the transforms
//! `enveloped-signature` then exclusive C14N, SHA-256 digest, RSA-SHA256 signature, optional
//! `KeyInfo/X509Data/X509Certificate` (informational only: verifiers must use configured keys).
//!
//! Canonicalization is [`crate::c14n`], the same code the verifier uses; `xmlsec1 --verify`
//! cross-checks the result in the tests.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use roxmltree::Node;

use crate::c14n::{C14nOptions, EXC_C14N, canonicalize};
use crate::dsig::{ENVELOPED_SIGNATURE, check_unique_ids};
use crate::error::MessageError;
use crate::messages::{RedirectSigner, SIG_ALG_RSA_SHA256};
use crate::xml::{self, NS_DS, NS_SAML, XmlLimits};

/// SHA-256 digest URI.
pub const DIGEST_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// Where the `ds:Signature` goes inside the signed element (the schemas fix it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignaturePlacement {
    /// Right after the `saml:Issuer` child (SAML protocol messages and assertions).
    AfterIssuer,
    /// As the first child (metadata `EntityDescriptor` / `EntitiesDescriptor`).
    FirstChild,
}

/// Signs the element of `xml` whose `ID` attribute is `id` with an enveloped RSA-SHA256
/// signature placed as `placement` says, and returns the signed document.
///
/// `xml` must be a document without a `ds:Signature` on that element; every ID value in it must
/// be unique. The certificate of `signer` (if any) goes into `ds:KeyInfo`.
pub fn sign_enveloped(
    xml: &str,
    id: &str,
    placement: SignaturePlacement,
    signer: &RedirectSigner,
) -> Result<String, MessageError> {
    let limits = XmlLimits {
        max_bytes: xml.len().max(XmlLimits::METADATA.max_bytes),
        ..XmlLimits::METADATA
    };
    let doc = xml::parse(xml, &limits).map_err(|e| MessageError::Write(e.to_string()))?;
    check_unique_ids(&doc).map_err(|e| MessageError::SignTarget(e.to_string()))?;
    let element = doc
        .descendants()
        .find(|n| n.is_element() && n.attribute("ID") == Some(id))
        .ok_or_else(|| MessageError::SignTarget(format!("no element with ID {id:?}")))?;
    if !id
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        || id.is_empty()
    {
        return Err(MessageError::SignTarget(format!(
            "ID {id:?} is not a usable reference"
        )));
    }
    if xml::children(element, NS_DS, "Signature").next().is_some() {
        return Err(MessageError::SignTarget(format!(
            "element {id:?} is already signed"
        )));
    }
    let insert_at = insertion_point(element, placement)?;

    // The digest of the element as it will be after insertion, minus the signature
    // (enveloped-signature transform) = the element now: the Signature element brings its own
    // namespace declaration and no whitespace is added around it.
    let canonical = canonicalize(element, &C14nOptions::default())
        .map_err(|e| MessageError::Write(e.to_string()))?;
    let digest_b64 = STANDARD.encode(digest::digest(&digest::SHA256, &canonical));

    let signed_info = format!(
        "<ds:SignedInfo xmlns:ds=\"{NS_DS}\">\
<ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"></ds:CanonicalizationMethod>\
<ds:SignatureMethod Algorithm=\"{SIG_ALG_RSA_SHA256}\"></ds:SignatureMethod>\
<ds:Reference URI=\"#{id}\"><ds:Transforms>\
<ds:Transform Algorithm=\"{ENVELOPED_SIGNATURE}\"></ds:Transform>\
<ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform></ds:Transforms>\
<ds:DigestMethod Algorithm=\"{DIGEST_SHA256}\"></ds:DigestMethod>\
<ds:DigestValue>{digest_b64}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    );
    // Canonicalize SignedInfo with our c14n (it is already canonical; this keeps the signed
    // octets exactly what a verifier computes in context: exclusive c14n renders only `ds`).
    let si_doc =
        roxmltree::Document::parse(&signed_info).map_err(|e| MessageError::Write(e.to_string()))?;
    let si_c14n = canonicalize(si_doc.root_element(), &C14nOptions::default())
        .map_err(|e| MessageError::Write(e.to_string()))?;
    let signature_b64 = STANDARD.encode(signer.sign(&si_c14n)?);

    // In the document, SignedInfo inherits `ds` from Signature, so drop its own declaration.
    let signed_info_inner = signed_info.replacen(&format!(" xmlns:ds=\"{NS_DS}\""), "", 1);
    let key_info = signer
        .certificate_der()
        .map(|der| {
            format!(
                "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate>\
</ds:X509Data></ds:KeyInfo>",
                STANDARD.encode(der)
            )
        })
        .unwrap_or_default();
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{NS_DS}\">{signed_info_inner}\
<ds:SignatureValue>{signature_b64}</ds:SignatureValue>{key_info}</ds:Signature>"
    );

    let (head, tail) = xml
        .split_at_checked(insert_at)
        .ok_or_else(|| MessageError::SignTarget("bad insertion point".into()))?;
    let mut out = String::with_capacity(xml.len() + signature.len());
    out.push_str(head);
    out.push_str(&signature);
    out.push_str(tail);
    Ok(out)
}

/// Byte offset in the source text where the signature is inserted.
fn insertion_point(
    element: Node<'_, '_>,
    placement: SignaturePlacement,
) -> Result<usize, MessageError> {
    let name = element.tag_name().name().to_string();
    match placement {
        SignaturePlacement::AfterIssuer => {
            let first = element.children().find(Node::is_element);
            match first {
                Some(issuer) if issuer.has_tag_name((NS_SAML, "Issuer")) => Ok(issuer.range().end),
                _ => Err(MessageError::SignTarget(format!(
                    "{name} has no saml:Issuer as its first child"
                ))),
            }
        }
        SignaturePlacement::FirstChild => element
            .first_child()
            .map(|c| c.range().start)
            .ok_or_else(|| {
                MessageError::SignTarget(format!("{name} has no children to sign in front of"))
            }),
    }
}
