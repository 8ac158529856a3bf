//! Response validation past the signature check: the input (first byte = flags, rest = XML) is
//! signed with the trusted IdP key by `dsig_sign::sign_enveloped` (the Assertion if flag 1, then
//! the Response if flag 2) before validation, so mutations reach the checks that read the signed
//! bytes (issuer, subject, confirmation, InResponseTo, conditions, audience, AuthnStatement,
//! attributes). Never panics; whatever validates carries the configured issuer.
#![no_main]
use std::sync::OnceLock;

use cirrus_saml::datetime::parse_datetime;
use cirrus_saml::dsig::AlgorithmPolicy;
use cirrus_saml::dsig_sign::{SignaturePlacement, sign_enveloped};
use cirrus_saml::messages::RedirectSigner;
use cirrus_saml::response::{Expectations, ProviderTrust, validate_response_xml_report};
use cirrus_saml::xml::{XmlLimits, parse};
use libfuzzer_sys::fuzz_target;

const IDP: &str = "https://idp.example.test/saml";

fn signer() -> &'static RedirectSigner {
    static SIGNER: OnceLock<RedirectSigner> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let pem = include_str!("../../tests/fixtures/keys/idp-rsa.key");
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64)
            .expect("test key is base64");
        RedirectSigner::from_pkcs8_der(&der).expect("test key is PKCS#8 RSA")
    })
}

fn trust() -> &'static ProviderTrust {
    static TRUST: OnceLock<ProviderTrust> = OnceLock::new();
    TRUST.get_or_init(|| ProviderTrust {
        entity_id: IDP.into(),
        signing_certificates: cirrus_saml::Certificate::from_pem(include_str!(
            "../../tests/fixtures/keys/idp-rsa.crt"
        ))
        .into_iter()
        .collect(),
        algorithms: AlgorithmPolicy::default(),
        decryption_keys: Vec::new(),
        allow_expired_certificates: false,
    })
}

/// (Response ID, ID of the first Assertion child) of a parseable document.
fn ids(xml: &str) -> (Option<String>, Option<String>) {
    let Ok(doc) = parse(xml, &XmlLimits::MESSAGE) else {
        return (None, None);
    };
    let root = doc.root_element();
    let assertion = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "Assertion")
        .and_then(|n| n.attribute("ID"))
        .map(str::to_string);
    (root.attribute("ID").map(str::to_string), assertion)
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (response_id, assertion_id) = ids(text);
    let mut xml = text.to_string();
    if flags & 1 != 0
        && let Some(id) = assertion_id
        && let Ok(signed) = sign_enveloped(&xml, &id, SignaturePlacement::AfterIssuer, signer())
    {
        xml = signed;
    }
    if flags & 2 != 0
        && let Some(id) = response_id
        && let Ok(signed) = sign_enveloped(&xml, &id, SignaturePlacement::AfterIssuer, signer())
    {
        xml = signed;
    }
    let Ok(now) = parse_datetime("2026-01-01T00:01:00Z") else {
        return;
    };
    let expect = Expectations::new(
        "https://sp.example.test",
        "https://sp.example.test/saml2/idpresponse",
        Some("_req-4a1b2c3d".into()),
        now,
    );
    if let Ok(a) = validate_response_xml_report(&xml, trust(), &expect).result {
        assert_eq!(a.issuer, IDP);
        assert!(a.response_signed || a.assertion_signed);
    }
});
