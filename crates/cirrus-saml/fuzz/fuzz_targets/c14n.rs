//! Canonicalization of any accepted document never panics, and its output re-parses to the
//! same canonical form (fixed point).
#![no_main]
use cirrus_saml::c14n::{C14nOptions, canonicalize};
use cirrus_saml::xml::{XmlLimits, parse_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = parse_bytes(data, &XmlLimits::MESSAGE) else { return };
    for with_comments in [false, true] {
        let opts = C14nOptions { with_comments, ..C14nOptions::default() };
        let Ok(out) = canonicalize(doc.root_element(), &opts) else { continue };
        let text = String::from_utf8(out).expect("canonical form is UTF-8");
        let again_doc = roxmltree_free_reparse(&text);
        if let Some(again) = again_doc {
            assert_eq!(again, text, "c14n is not a fixed point");
        }
    }
});

fn roxmltree_free_reparse(text: &str) -> Option<String> {
    let limits = XmlLimits { max_bytes: usize::MAX, ..XmlLimits::MESSAGE };
    let doc = cirrus_saml::xml::parse(text, &limits).ok()?;
    let out = canonicalize(doc.root_element(), &C14nOptions { with_comments: true, ..C14nOptions::default() }).ok()?;
    String::from_utf8(out).ok()
}
