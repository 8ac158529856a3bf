//! Response validation never panics on arbitrary input (as base64 and as raw XML).
#![no_main]
use base64::Engine as _;
use cirrus_saml::datetime::parse_datetime;
use cirrus_saml::dsig::AlgorithmPolicy;
use cirrus_saml::response::{Expectations, ProviderTrust, validate_response, validate_response_xml_report};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let trust = ProviderTrust {
        entity_id: "https://idp.example.test/saml".into(),
        signing_certificates: cirrus_saml::Certificate::from_pem(include_str!(
            "../../tests/fixtures/keys/idp-rsa.crt"
        ))
        .into_iter()
        .collect(),
        algorithms: AlgorithmPolicy::default(),
        decryption_keys: cirrus_saml::xenc::DecryptionKey::from_pem(include_str!(
            "../../tests/fixtures/keys/sp-rsa.key"
        ))
        .into_iter()
        .collect(),
        allow_expired_certificates: false,
    };
    let Ok(now) = parse_datetime("2026-01-01T00:01:00Z") else { return };
    let expect = Expectations::new(
        "https://sp.example.test",
        "https://sp.example.test/saml2/idpresponse",
        Some("_req-4a1b2c3d".into()),
        now,
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    let _ = validate_response(&b64, &trust, &expect);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = validate_response_xml_report(text, &trust, &expect);
    }
});
