//! Signatures made by implementations we did not write (xmlsec1, signxml) verify with
//! cirrus-saml's verifier; fixtures come from `interop/saml/make_fixtures.py`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cirrus_saml::Certificate;
use cirrus_saml::dsig::{AlgorithmPolicy, DigestAlgorithm, SignatureAlgorithm, verify_enveloped};
use cirrus_saml::error::DsigError;
use cirrus_saml::xml::{self, NS_SAML, NS_SAMLP, XmlLimits};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/responses/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cert(name: &str) -> Certificate {
    let path = format!(
        "{}/tests/fixtures/keys/{name}.crt",
        env!("CARGO_MANIFEST_DIR")
    );
    Certificate::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
}

enum Target {
    Response,
    Assertion,
}

fn verify(
    xml_text: &str,
    target: Target,
    certs: &[Certificate],
    policy: AlgorithmPolicy,
) -> Result<cirrus_saml::dsig::VerifiedElement, DsigError> {
    let doc = xml::parse(xml_text, &XmlLimits::MESSAGE).unwrap();
    let root = doc.root_element();
    assert!(root.has_tag_name((NS_SAMLP, "Response")));
    let el = match target {
        Target::Response => root,
        Target::Assertion => xml::children(root, NS_SAML, "Assertion").next().unwrap(),
    };
    verify_enveloped(el, certs, &policy)
}

fn strict() -> AlgorithmPolicy {
    AlgorithmPolicy::default()
}

#[test]
fn xmlsec1_rsa_sha256_assertion() {
    let v = verify(
        &fixture("xmlsec1_assertion_rsa-sha256.xml"),
        Target::Assertion,
        &[cert("idp-rsa")],
        strict(),
    )
    .unwrap();
    assert_eq!(v.signature_algorithm, SignatureAlgorithm::RsaSha256);
    assert_eq!(v.digest_algorithm, DigestAlgorithm::Sha256);
    assert_eq!(v.id, "_a-7f3e9c21");
    assert_eq!(
        v.certificate_fingerprint,
        cert("idp-rsa").sha256_fingerprint
    );
    let doc = v.parse().unwrap();
    assert!(doc.root_element().has_tag_name((NS_SAML, "Assertion")));
    assert!(
        !v.canonical_xml().contains("Signature"),
        "enveloped signature removed"
    );
}

#[test]
fn xmlsec1_rsa_sha256_response() {
    let v = verify(
        &fixture("xmlsec1_response_rsa-sha256.xml"),
        Target::Response,
        &[cert("idp-rsa")],
        strict(),
    )
    .unwrap();
    assert!(v.canonical_xml().starts_with("<samlp:Response"));
    // The response is signed, the assertion is not.
    assert_eq!(
        verify(
            &fixture("xmlsec1_response_rsa-sha256.xml"),
            Target::Assertion,
            &[cert("idp-rsa")],
            strict()
        ),
        Err(DsigError::MissingSignature("Assertion".into()))
    );
}

#[test]
fn xmlsec1_both_signed() {
    let f = fixture("xmlsec1_both_rsa-sha512.xml");
    let r = verify(&f, Target::Response, &[cert("idp-rsa")], strict()).unwrap();
    assert_eq!(r.signature_algorithm, SignatureAlgorithm::RsaSha512);
    assert_eq!(r.digest_algorithm, DigestAlgorithm::Sha512);
    let a = verify(&f, Target::Assertion, &[cert("idp-rsa")], strict()).unwrap();
    assert_eq!(a.signature_algorithm, SignatureAlgorithm::RsaSha256);
}

#[test]
fn xmlsec1_rsa_sha1_only_when_allowed() {
    let f = fixture("xmlsec1_assertion_rsa-sha1.xml");
    assert_eq!(
        verify(&f, Target::Assertion, &[cert("idp-rsa")], strict()),
        Err(DsigError::Sha1NotAllowed(
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1".into()
        ))
    );
    let v = verify(
        &f,
        Target::Assertion,
        &[cert("idp-rsa")],
        AlgorithmPolicy { allow_sha1: true },
    )
    .unwrap();
    assert_eq!(v.signature_algorithm, SignatureAlgorithm::RsaSha1);
    assert_eq!(v.digest_algorithm, DigestAlgorithm::Sha1);
}

#[test]
fn xmlsec1_ecdsa_p256() {
    let v = verify(
        &fixture("xmlsec1_assertion_ecdsa-sha256.xml"),
        Target::Assertion,
        &[cert("idp-ec256")],
        strict(),
    )
    .unwrap();
    assert_eq!(v.signature_algorithm, SignatureAlgorithm::EcdsaSha256);
}

#[test]
fn xmlsec1_with_comments_keeps_full_value() {
    let v = verify(
        &fixture("xmlsec1_assertion_rsa-sha384_withcomments.xml"),
        Target::Assertion,
        &[cert("idp-rsa")],
        strict(),
    )
    .unwrap();
    // A bare-name #id reference drops comments even under #WithComments (XML-DSig 4.3.3.3).
    assert!(!v.canonical_xml().contains("<!--"));
    let doc = v.parse().unwrap();
    let name_id = doc
        .descendants()
        .find(|n| n.has_tag_name((NS_SAML, "NameID")))
        .unwrap();
    assert_eq!(xml::text_content(name_id).unwrap(), "bob@example.test");
}

#[test]
fn xmlsec1_inclusive_namespaces_prefix_list() {
    let v = verify(
        &fixture("xmlsec1_assertion_rsa-sha512_prefixlist.xml"),
        Target::Assertion,
        &[cert("idp-rsa")],
        strict(),
    )
    .unwrap();
    assert!(v.canonical_xml().contains("xmlns:xs="));
}

#[test]
fn signxml_rsa_sha256_assertion() {
    verify(
        &fixture("signxml_assertion_rsa-sha256.xml"),
        Target::Assertion,
        &[cert("idp-rsa")],
        strict(),
    )
    .unwrap();
}

#[test]
fn signxml_rsa_sha384_response() {
    let v = verify(
        &fixture("signxml_response_rsa-sha384.xml"),
        Target::Response,
        &[cert("idp-rsa")],
        strict(),
    )
    .unwrap();
    assert_eq!(v.signature_algorithm, SignatureAlgorithm::RsaSha384);
}

#[test]
fn signxml_ecdsa_p384() {
    let v = verify(
        &fixture("signxml_assertion_ecdsa-sha384.xml"),
        Target::Assertion,
        &[cert("idp-ec384")],
        strict(),
    )
    .unwrap();
    assert_eq!(v.signature_algorithm, SignatureAlgorithm::EcdsaSha384);
}

#[test]
fn rollover_several_configured_certificates() {
    let certs = [cert("idp-ec256"), cert("attacker-rsa"), cert("idp-rsa")];
    let v = verify(
        &fixture("signxml_assertion_rsa-sha256.xml"),
        Target::Assertion,
        &certs,
        strict(),
    )
    .unwrap();
    assert_eq!(
        v.certificate_fingerprint,
        cert("idp-rsa").sha256_fingerprint
    );
}

#[test]
fn attacker_key_in_keyinfo_is_not_trusted() {
    // CERT-1/CERT-2: signed with the attacker's key, his certificate (cloned subject) in KeyInfo.
    assert_eq!(
        verify(
            &fixture("signxml_attacker_assertion_rsa-sha256.xml"),
            Target::Assertion,
            &[cert("idp-rsa")],
            strict()
        ),
        Err(DsigError::SignatureInvalid(1))
    );
}

#[test]
fn wrong_key_type_for_algorithm_fails_closed() {
    // ALG-5: an RSA signature checked against an EC certificate (and vice versa).
    assert_eq!(
        verify(
            &fixture("xmlsec1_assertion_rsa-sha256.xml"),
            Target::Assertion,
            &[cert("idp-ec256")],
            strict()
        ),
        Err(DsigError::SignatureInvalid(1))
    );
    assert_eq!(
        verify(
            &fixture("xmlsec1_assertion_ecdsa-sha256.xml"),
            Target::Assertion,
            &[cert("idp-rsa"), cert("idp-ec384")],
            strict()
        ),
        Err(DsigError::SignatureInvalid(2))
    );
}

#[test]
fn tampered_content_fails_digest() {
    let f = fixture("signxml_assertion_rsa-sha256.xml").replace(
        ">alice@example.test</saml:NameID>",
        ">victim@example.test</saml:NameID>",
    );
    assert_eq!(
        verify(&f, Target::Assertion, &[cert("idp-rsa")], strict()),
        Err(DsigError::DigestMismatch)
    );
}

#[test]
fn no_configured_certificate_fails() {
    assert_eq!(
        verify(
            &fixture("signxml_assertion_rsa-sha256.xml"),
            Target::Assertion,
            &[],
            strict()
        ),
        Err(DsigError::NoTrustedCertificates)
    );
}
