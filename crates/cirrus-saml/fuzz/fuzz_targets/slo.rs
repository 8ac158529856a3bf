//! Inbound single logout never panics: arbitrary HTTP-Redirect query strings (parameter
//! parsing, percent-decoding, query signature, capped inflate) and arbitrary POST bodies, and
//! arbitrary bytes through the capped inflater.
#![no_main]
use libfuzzer_sys::fuzz_target;

use cirrus_saml::OffsetDateTime;
use cirrus_saml::messages::{LogoutExpectations, validate_logout_response_redirect};
use cirrus_saml::redirect::{MAX_INFLATED_BYTES, inflate_capped};
use cirrus_saml::response::ProviderTrust;
use cirrus_saml::slo::{
    LogoutRequestExpectations, validate_logout_request_post, validate_logout_request_redirect,
};

fuzz_target!(|data: &[u8]| {
    let _ = inflate_capped(data, MAX_INFLATED_BYTES);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = OffsetDateTime::UNIX_EPOCH;
    let trust = ProviderTrust::new("https://idp.example.test/saml", vec![]);
    let mut expect = LogoutRequestExpectations::new("https://sp.example.test/slo", now);
    let _ = validate_logout_request_redirect(text, &trust, &expect);
    expect.require_signature = false;
    let _ = validate_logout_request_redirect(text, &trust, &expect);
    let _ = validate_logout_request_post(text, &trust, &expect);
    let response_expect = LogoutExpectations {
        slo_url: "https://sp.example.test/slo".into(),
        request_id: "_r".into(),
        require_signature: false,
        clock_skew: std::time::Duration::from_secs(180),
        now,
        limits: Default::default(),
    };
    let _ = validate_logout_response_redirect(text, &trust, &response_expect);
});
