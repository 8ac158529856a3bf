//! The hardened parser never panics and enforces its limits on arbitrary bytes.
#![no_main]
use cirrus_saml::xml::{XmlLimits, parse_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parse_bytes(data, &XmlLimits::MESSAGE);
});
