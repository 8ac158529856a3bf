//! Metadata parsing never panics on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = cirrus_saml::metadata::parse_idp_metadata(text, None);
        let _ = cirrus_saml::metadata::parse_idp_metadata(text, Some("https://idp.example.test/saml"));
    }
});
