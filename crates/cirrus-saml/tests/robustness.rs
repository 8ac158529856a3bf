//! Mutation robustness: thousands of randomly damaged responses and metadata documents never
//! panic, and a response that still validates always yields exactly the signed identity.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cirrus_saml::datetime::parse_datetime;
use cirrus_saml::dsig::AlgorithmPolicy;
use cirrus_saml::metadata::parse_idp_metadata;
use cirrus_saml::response::{Expectations, ProviderTrust, validate_response};
use common::*;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % (n.max(1) as u64)) as usize
    }
}

const TOKENS: &[&str] = &[
    "<",
    ">",
    "/>",
    "\"",
    "&amp;",
    "&lt;",
    "<!---->",
    "<![CDATA[x]]>",
    "victim",
    " ID=\"_a-7f3e9c21\"",
    "<saml:Assertion ID=\"_x\" Version=\"2.0\">",
    "</saml:Assertion>",
    " xmlns:saml=\"urn:evil\"",
    " xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
    "<ds:Object>",
    "<?pi?>",
    "&#0;",
    "&#x10FFFF;",
    " Recipient=\"https://evil.test\"",
    "<!DOCTYPE x>",
    "\u{0}",
    "\r\n",
    "=",
];

/// One random mutation of ASCII XML text.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s = text.as_bytes().to_vec();
    for _ in 0..=rng.below(3) {
        let len = s.len();
        match rng.below(6) {
            0 => {
                let i = rng.below(len);
                const CHARS: &[u8] = b" <>/=\"'&#xazAZ09:-_";
                s[i] = CHARS[rng.below(CHARS.len())];
            }
            1 => {
                let i = rng.below(len);
                let n = rng.below(40).min(len - i);
                s.drain(i..i + n);
            }
            2 => {
                let i = rng.below(len);
                let n = rng.below(200).min(len - i);
                let chunk = s[i..i + n].to_vec();
                let j = rng.below(len);
                s.splice(j..j, chunk);
            }
            3 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let i = rng.below(len);
                s.splice(i..i, t.bytes());
            }
            4 => s.truncate(rng.below(len)),
            _ => {
                // Swap two ranges' worth of bytes (reorders elements sometimes).
                let i = rng.below(len);
                let j = rng.below(len);
                if i < len && j < len {
                    s.swap(i, j);
                }
            }
        }
        if s.is_empty() {
            s.push(b'<');
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

#[test]
fn mutated_responses_never_panic_and_never_change_identity() {
    let trust = ProviderTrust {
        entity_id: IDP.into(),
        signing_certificates: vec![cert("idp-rsa"), cert("idp-ec256"), cert("idp-ec384")],
        algorithms: AlgorithmPolicy::default(),
        decryption_keys: vec![],
        allow_expired_certificates: false,
    };
    let expect = Expectations::new(SP, ACS, Some(REQ.into()), parse_datetime(NOW).unwrap());
    let bases = [
        fixture("xmlsec1_assertion_rsa-sha256.xml"),
        fixture("xmlsec1_response_rsa-sha256.xml"),
        fixture("signxml_assertion_ecdsa-sha384.xml"),
        fixture("xmlsec1_both_rsa-sha512.xml"),
    ];
    let baselines: Vec<_> = bases
        .iter()
        .map(|b| validate_response(&STANDARD.encode(b), &trust, &expect).unwrap())
        .collect();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut accepted = 0;
    for round in 0..4000 {
        let base = &bases[round % bases.len()];
        let baseline = &baselines[round % bases.len()];
        let m = mutate(&mut rng, base);
        if let Ok(a) = validate_response(&STANDARD.encode(&m), &trust, &expect) {
            accepted += 1;
            assert_eq!(
                a.name_id, baseline.name_id,
                "identity changed by mutation:\n{m}"
            );
            assert_eq!(
                a.attributes, baseline.attributes,
                "attributes changed by mutation:\n{m}"
            );
            assert_eq!(a.assertion_id, baseline.assertion_id);
        }
    }
    println!(
        "{accepted} of 4000 mutated responses still valid (harmless edits), all with the signed identity"
    );
}

#[test]
fn mutated_metadata_never_panics() {
    let pem = std::fs::read_to_string(fixture_path("keys/idp-rsa.crt")).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let md = format!(
        r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" cacheDuration="PT6H"><md:EntityDescriptor entityID="https://idp.example.test/saml" validUntil="2030-01-01T00:00:00Z"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="true"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/slo"/><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/></md:IDPSSODescriptor></md:EntityDescriptor></md:EntitiesDescriptor>"#
    );
    parse_idp_metadata(&md, None).unwrap();
    let mut rng = Rng(0x5EED_4321_0000_0002);
    for _ in 0..3000 {
        let m = mutate(&mut rng, &md);
        let _ = parse_idp_metadata(&m, None);
        let _ = parse_idp_metadata(&m, Some("https://idp.example.test/saml"));
    }
}
