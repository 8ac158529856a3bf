//! IdP-initiated single logout: inbound LogoutRequest (HTTP-Redirect with query signature,
//! HTTP-POST with enveloped signature), the SP's LogoutResponse, and LogoutResponse received
//! over HTTP-Redirect. Attack tests carry the attack in their name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cirrus_saml::datetime::parse_datetime;
use cirrus_saml::dsig::{AlgorithmPolicy, verify_enveloped};
use cirrus_saml::error::{DsigError, ResponseError};
use cirrus_saml::messages::*;
use cirrus_saml::redirect::{MAX_INFLATED_BYTES, inflate_capped};
use cirrus_saml::response::ProviderTrust;
use cirrus_saml::slo::*;
use cirrus_saml::xml::XmlLimits;
use common::*;
use url::form_urlencoded::byte_serialize;

const SLO: &str = "https://sp.example.test/saml2/logout";
const REQ_ID: &str = "_idp-lr-1";
const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
const ECDSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";

fn key_der(name: &str) -> Vec<u8> {
    let pem = std::fs::read_to_string(fixture_path(&format!("keys/{name}.key"))).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// Signs `data` as the IdP would for the redirect binding.
fn sign_query(key: &str, alg: &str, data: &[u8]) -> Vec<u8> {
    let rng = SystemRandom::new();
    let rsa = |padding: &'static dyn signature::RsaEncoding| {
        let kp = RsaKeyPair::from_pkcs8(&key_der(key)).unwrap();
        let mut sig = vec![0u8; kp.public_modulus_len()];
        kp.sign(padding, &rng, data, &mut sig).unwrap();
        sig
    };
    match alg {
        // aws-lc-rs does not sign with SHA-1: openssl does (the test needs openssl).
        RSA_SHA1 => {
            let mut child = Command::new("openssl")
                .args(["dgst", "-sha1", "-sign"])
                .arg(fixture_path(&format!("keys/{key}.key")))
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("openssl needed for RSA-SHA1 test signatures");
            child.stdin.take().unwrap().write_all(data).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            out.stdout
        }
        RSA_SHA256 => rsa(&signature::RSA_PKCS1_SHA256),
        RSA_SHA384 => rsa(&signature::RSA_PKCS1_SHA384),
        RSA_SHA512 => rsa(&signature::RSA_PKCS1_SHA512),
        ECDSA_SHA256 | ECDSA_SHA384 => {
            // "<key>:asn1" signs with the DER encoding (as JCA-based IdPs do), else r || s.
            let (key, asn1) = match key.strip_suffix(":asn1") {
                Some(k) => (k, true),
                None => (key, false),
            };
            let a = match (alg == ECDSA_SHA256, asn1) {
                (true, false) => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                (true, true) => &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
                (false, false) => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                (false, true) => &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            };
            EcdsaKeyPair::from_pkcs8(a, &key_der(key))
                .unwrap()
                .sign(&rng, data)
                .unwrap()
                .as_ref()
                .to_vec()
        }
        other => panic!("{other}"),
    }
}

fn enc(s: &str) -> String {
    byte_serialize(s.as_bytes()).collect()
}

fn deflate_b64(data: &[u8]) -> String {
    let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    d.write_all(data).unwrap();
    STANDARD.encode(d.finish().unwrap())
}

/// Raw encoded parameters of a redirect query, in URL order.
#[derive(Clone)]
struct Query {
    params: Vec<(String, String)>,
}

impl Query {
    fn raw(&self) -> String {
        self.params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }
    fn get(&self, k: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
    fn set(&mut self, k: &str, v: String) {
        for p in &mut self.params {
            if p.0 == k {
                p.1 = v;
                return;
            }
        }
        self.params.push((k.to_string(), v));
    }
    fn remove(&mut self, k: &str) {
        self.params.retain(|(n, _)| n != k);
    }
}

/// An IdP-built redirect query: `param=…[&RelayState=…][&SigAlg=…&Signature=…]`.
fn idp_query(param: &str, xml: &str, relay: Option<&str>, signing: Option<(&str, &str)>) -> Query {
    let mut params = vec![(param.to_string(), enc(&deflate_b64(xml.as_bytes())))];
    if let Some(r) = relay {
        params.push(("RelayState".into(), enc(r)));
    }
    if let Some((key, alg)) = signing {
        params.push(("SigAlg".into(), enc(alg)));
        let signed = params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let sig = sign_query(key, alg, signed.as_bytes());
        params.push(("Signature".into(), enc(&STANDARD.encode(sig))));
    }
    Query { params }
}

fn logout_request_xml_with(edit: impl Fn(String) -> String) -> String {
    edit(format!(
        r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{REQ_ID}" Version="2.0" IssueInstant="2026-01-01T00:00:30Z" NotOnOrAfter="2026-01-01T00:05:30Z" Destination="{SLO}" Reason="urn:oasis:names:tc:SAML:2.0:logout:user"><saml:Issuer>{IDP}</saml:Issuer><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" NameQualifier="{IDP}" SPNameQualifier="{SP}">alice&amp;co</saml:NameID><samlp:SessionIndex>_s-1</samlp:SessionIndex><samlp:SessionIndex>_s-2</samlp:SessionIndex></samlp:LogoutRequest>"#
    ))
}

fn logout_request_xml() -> String {
    logout_request_xml_with(|s| s)
}

fn trust() -> ProviderTrust {
    ProviderTrust::new(
        IDP,
        vec![cert("idp-rsa"), cert("idp-ec256"), cert("idp-ec384")],
    )
}

fn expect() -> LogoutRequestExpectations {
    LogoutRequestExpectations::new(SLO, parse_datetime(NOW).unwrap())
}

fn redirect(q: &Query) -> Result<IdpLogoutRequest, ResponseError> {
    validate_logout_request_redirect(&q.raw(), &trust(), &expect())
}

fn signed_request(xml: &str) -> Query {
    idp_query(
        "SAMLRequest",
        xml,
        Some("rs/1 + ü&x=y"),
        Some(("idp-rsa", RSA_SHA256)),
    )
}

fn sig_invalid() -> ResponseError {
    ResponseError::Signature {
        element: "LogoutRequest",
        source: DsigError::SignatureInvalid(3),
    }
}

#[test]
fn redirect_logout_request_signed_ok() {
    let q = signed_request(&logout_request_xml());
    let r = redirect(&q).unwrap();
    assert_eq!(r.id, REQ_ID);
    assert_eq!(r.issuer, IDP);
    assert_eq!(r.name_id.value, "alice&co");
    assert_eq!(
        r.name_id.format.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
    );
    assert_eq!(r.name_id.name_qualifier.as_deref(), Some(IDP));
    assert_eq!(r.name_id.sp_name_qualifier.as_deref(), Some(SP));
    assert_eq!(r.session_indexes, ["_s-1", "_s-2"]);
    assert_eq!(r.relay_state.as_deref(), Some("rs/1 + ü&x=y"));
    assert_eq!(
        r.reason.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:logout:user")
    );
    assert_eq!(
        r.not_on_or_after,
        Some(parse_datetime("2026-01-01T00:05:30Z").unwrap())
    );
    assert!(r.signed);
    // A leading '?' and foreign parameters (e.g. from our own SLO URL) are tolerated and unsigned.
    let mut with_extra = q.clone();
    with_extra.params.insert(0, ("tenant".into(), "a".into()));
    validate_logout_request_redirect(&format!("?{}", with_extra.raw()), &trust(), &expect())
        .unwrap();
    // Without RelayState.
    let q = idp_query(
        "SAMLRequest",
        &logout_request_xml(),
        None,
        Some(("idp-rsa", RSA_SHA256)),
    );
    assert_eq!(redirect(&q).unwrap().relay_state, None);
}

#[test]
fn redirect_signature_algorithms_and_sha1_opt_in() {
    for (key, alg) in [
        ("idp-rsa", RSA_SHA384),
        ("idp-rsa", RSA_SHA512),
        ("idp-ec256", ECDSA_SHA256),
        ("idp-ec384", ECDSA_SHA384),
        ("idp-ec256:asn1", ECDSA_SHA256),
        ("idp-ec384:asn1", ECDSA_SHA384),
    ] {
        let q = idp_query(
            "SAMLRequest",
            &logout_request_xml(),
            Some("r"),
            Some((key, alg)),
        );
        assert!(redirect(&q).unwrap().signed, "{alg}");
    }
    let q = idp_query(
        "SAMLRequest",
        &logout_request_xml(),
        Some("r"),
        Some(("idp-rsa", RSA_SHA1)),
    );
    assert_eq!(
        redirect(&q),
        Err(ResponseError::Signature {
            element: "LogoutRequest",
            source: DsigError::Sha1NotAllowed(RSA_SHA1.into())
        })
    );
    let mut t = trust();
    t.algorithms = AlgorithmPolicy { allow_sha1: true };
    validate_logout_request_redirect(&q.raw(), &t, &expect()).unwrap();
    // Unknown / MAC algorithms are refused.
    let mut q2 = q.clone();
    q2.set("SigAlg", enc("http://www.w3.org/2000/09/xmldsig#hmac-sha1"));
    assert!(matches!(
        redirect(&q2),
        Err(ResponseError::Signature {
            source: DsigError::SignatureAlgorithmNotAllowed(_),
            ..
        })
    ));
}

#[test]
fn slo_1_unsigned_redirect_request_refused_unless_allowed() {
    let q = idp_query("SAMLRequest", &logout_request_xml(), Some("r"), None);
    assert_eq!(redirect(&q), Err(ResponseError::SignatureMissing));
    let mut e = expect();
    e.require_signature = false;
    let r = validate_logout_request_redirect(&q.raw(), &trust(), &e).unwrap();
    assert!(!r.signed);
    // SigAlg without Signature and the reverse.
    let mut half = signed_request(&logout_request_xml());
    half.remove("Signature");
    assert!(matches!(redirect(&half), Err(ResponseError::Binding(_))));
    let mut half = signed_request(&logout_request_xml());
    half.remove("SigAlg");
    assert!(matches!(redirect(&half), Err(ResponseError::Binding(_))));
}

#[test]
fn slo_2_signed_by_another_key() {
    let q = idp_query(
        "SAMLRequest",
        &logout_request_xml(),
        Some("r"),
        Some(("attacker-rsa", RSA_SHA256)),
    );
    assert_eq!(redirect(&q), Err(sig_invalid()));
    // The same query verifies only if the attacker's certificate were the configured one: keys
    // come from the trust, never from the message.
    let only_attacker = ProviderTrust::new(IDP, vec![cert("attacker-rsa")]);
    validate_logout_request_redirect(&q.raw(), &only_attacker, &expect()).unwrap();
}

#[test]
fn slo_3_wrong_or_missing_issuer() {
    let evil = logout_request_xml().replace(
        &format!("<saml:Issuer>{IDP}</saml:Issuer>"),
        "<saml:Issuer>https://evil.test</saml:Issuer>",
    );
    assert!(matches!(
        redirect(&signed_request(&evil)),
        Err(ResponseError::Issuer { .. })
    ));
    let none = logout_request_xml().replace(&format!("<saml:Issuer>{IDP}</saml:Issuer>"), "");
    let err = redirect(&signed_request(&none)).unwrap_err();
    assert_eq!(err.check(), "issuer", "{err}");
    let fmt = logout_request_xml().replace(
        "<saml:Issuer>",
        "<saml:Issuer Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:transient\">",
    );
    assert!(matches!(
        redirect(&signed_request(&fmt)),
        Err(ResponseError::IssuerFormat(_))
    ));
}

#[test]
fn slo_4_expired_future_and_stale_requests() {
    let q = signed_request(&logout_request_xml());
    let at = |t: &str| {
        let mut e = expect();
        e.now = parse_datetime(t).unwrap();
        validate_logout_request_redirect(&q.raw(), &trust(), &e)
    };
    // NotOnOrAfter 00:05:30 + 180 s skew.
    at("2026-01-01T00:08:29Z").unwrap();
    assert!(matches!(
        at("2026-01-01T00:08:30Z"),
        Err(ResponseError::Expired { field, .. }) if field.contains("NotOnOrAfter")
    ));
    // IssueInstant 00:00:30 in the future beyond skew.
    assert!(matches!(
        at("2025-12-31T23:57:29Z"),
        Err(ResponseError::NotYetValid { .. })
    ));
    // Without NotOnOrAfter: IssueInstant older than lifetime (300 s) + skew (180 s).
    let no_expiry = logout_request_xml().replace(" NotOnOrAfter=\"2026-01-01T00:05:30Z\"", "");
    let q = signed_request(&no_expiry);
    let mut e = expect();
    e.now = parse_datetime("2026-01-01T00:08:30Z").unwrap();
    validate_logout_request_redirect(&q.raw(), &trust(), &e).unwrap();
    e.now = parse_datetime("2026-01-01T00:08:31Z").unwrap();
    assert!(matches!(
        validate_logout_request_redirect(&q.raw(), &trust(), &e),
        Err(ResponseError::Expired { .. })
    ));
    // Timestamps at the end of the representable range do not panic.
    let far = logout_request_xml().replace("2026-01-01T00:05:30Z", "9999-12-31T23:59:59Z");
    redirect(&signed_request(&far)).unwrap();
    let bad = logout_request_xml().replace("2026-01-01T00:05:30Z", "tomorrow");
    assert!(matches!(
        redirect(&signed_request(&bad)),
        Err(ResponseError::BadTimestamp { .. })
    ));
}

#[test]
fn slo_5_deflate_bomb_is_capped() {
    // 32 MiB of spaces inside a valid-looking message deflates to ~32 KiB (~43 KiB base64).
    let mut bomb = Vec::with_capacity(32 << 20);
    bomb.extend_from_slice(
        b"<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">",
    );
    bomb.resize(32 << 20, b' ');
    let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    d.write_all(&bomb).unwrap();
    let deflated = d.finish().unwrap();
    drop(bomb);
    let start = Instant::now();
    let err = inflate_capped(&deflated, MAX_INFLATED_BYTES).unwrap_err();
    assert!(matches!(err, ResponseError::Inflate(_)), "{err}");
    assert_eq!(err.check(), "deflate");
    // Signed or not, the query is refused without inflating everything.
    let b64 = STANDARD.encode(&deflated);
    let mut q = Query {
        params: vec![("SAMLRequest".into(), enc(&b64))],
    };
    let mut e = expect();
    e.require_signature = false;
    let r = validate_logout_request_redirect(&q.raw(), &trust(), &e);
    assert!(matches!(r, Err(ResponseError::Inflate(_))), "{r:?}");
    // A smaller bomb (1 MiB -> ~1 KiB) that fits any URL, validly signed by the IdP.
    let mut small =
        b"<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">".to_vec();
    small.resize(1 << 20, b' ');
    q = idp_query(
        "SAMLRequest",
        std::str::from_utf8(&small).unwrap(),
        None,
        Some(("idp-rsa", RSA_SHA256)),
    );
    assert!(q.raw().len() < 8 * 1024);
    assert!(matches!(redirect(&q), Err(ResponseError::Inflate(_))));
    assert!(start.elapsed() < Duration::from_secs(5));
    // Exactly at the cap is fine for the inflater; one byte more is not.
    let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    d.write_all(&vec![b'a'; MAX_INFLATED_BYTES]).unwrap();
    let exact = d.finish().unwrap();
    assert_eq!(
        inflate_capped(&exact, MAX_INFLATED_BYTES).unwrap().len(),
        MAX_INFLATED_BYTES
    );
    assert!(inflate_capped(&exact, MAX_INFLATED_BYTES - 1).is_err());
    // Trailing data and corrupt streams.
    let mut trailing = exact.clone();
    trailing.extend_from_slice(b"junk");
    assert!(matches!(
        inflate_capped(&trailing, MAX_INFLATED_BYTES),
        Err(ResponseError::Inflate(_))
    ));
    assert!(inflate_capped(b"\xff\xff\xff\xff", MAX_INFLATED_BYTES).is_err());
}

#[test]
fn slo_6_signature_over_different_bytes() {
    let good = signed_request(&logout_request_xml());
    // Signed over RelayState first (non-canonical order): refused.
    let mut q = good.clone();
    let data = format!(
        "RelayState={}&SAMLRequest={}&SigAlg={}",
        q.get("RelayState").unwrap(),
        q.get("SAMLRequest").unwrap(),
        q.get("SigAlg").unwrap()
    );
    q.set(
        "Signature",
        enc(&STANDARD.encode(sign_query("idp-rsa", RSA_SHA256, data.as_bytes()))),
    );
    assert_eq!(redirect(&q), Err(sig_invalid()));
    // Re-encoded values (lower-case percent escapes decode to the same text): refused, the
    // signature covers the octets as received.
    let mut q = good.clone();
    let relay = q.get("RelayState").unwrap().to_ascii_lowercase();
    assert_ne!(relay, good.get("RelayState").unwrap());
    q.set("RelayState", relay);
    assert_eq!(redirect(&q), Err(sig_invalid()));
    // Tampered, dropped or added RelayState: refused.
    let mut q = good.clone();
    q.set("RelayState", enc("https://evil.test/"));
    assert_eq!(redirect(&q), Err(sig_invalid()));
    let mut q = good.clone();
    q.remove("RelayState");
    assert_eq!(redirect(&q), Err(sig_invalid()));
    let mut q = idp_query(
        "SAMLRequest",
        &logout_request_xml(),
        None,
        Some(("idp-rsa", RSA_SHA256)),
    );
    q.params.insert(1, ("RelayState".into(), enc("added")));
    assert_eq!(redirect(&q), Err(sig_invalid()));
    // Another message under the same signature: refused.
    let other = signed_request(&logout_request_xml().replace("alice&amp;co", "bob"));
    let mut q = good.clone();
    q.set("SAMLRequest", other.get("SAMLRequest").unwrap().to_string());
    assert_eq!(redirect(&q), Err(sig_invalid()));
    // A different SigAlg declared than the one signed with: refused.
    let mut q = good.clone();
    q.set("SigAlg", enc(RSA_SHA512));
    assert_eq!(redirect(&q), Err(sig_invalid()));
    // Reordering the parameters in the URL does not change the signed octets (the binding
    // rebuilds SAMLRequest&RelayState&SigAlg from the raw values): accepted.
    let mut q = good.clone();
    q.params.reverse();
    redirect(&q).unwrap();
}

#[test]
fn slo_7_duplicate_and_disguised_parameters() {
    let good = signed_request(&logout_request_xml());
    for name in ["SAMLRequest", "RelayState", "SigAlg", "Signature"] {
        let mut q = good.clone();
        let v = q.get(name).unwrap().to_string();
        q.params.push((name.into(), v));
        assert!(
            matches!(redirect(&q), Err(ResponseError::Binding(ref m)) if m.contains("more than once")),
            "{name}"
        );
    }
    // A second, different RelayState appended after the signed one.
    let mut q = good.clone();
    q.params.push(("RelayState".into(), enc("evil")));
    assert!(matches!(redirect(&q), Err(ResponseError::Binding(_))));
    // Percent-encoded parameter names are refused (another decoder would see them).
    let mut q = good.clone();
    q.params.push(("Relay%53tate".into(), enc("evil")));
    assert!(matches!(redirect(&q), Err(ResponseError::Binding(_))));
    // SAMLResponse where a request is expected, and no message at all.
    let mut q = good.clone();
    q.params.push(("SAMLResponse".into(), "x".into()));
    assert!(matches!(redirect(&q), Err(ResponseError::Binding(_))));
    let mut q = good.clone();
    q.remove("SAMLRequest");
    assert!(matches!(redirect(&q), Err(ResponseError::Binding(_))));
    // Broken percent-encoding.
    let mut q = good.clone();
    q.set("RelayState", "%zz".into());
    assert!(matches!(redirect(&q), Err(ResponseError::Binding(_))));
}

#[test]
fn slo_8_destination_and_structure() {
    let wrong = logout_request_xml().replace(SLO, "https://other-sp.test/slo");
    assert!(matches!(
        redirect(&signed_request(&wrong)),
        Err(ResponseError::Destination { .. })
    ));
    let missing = logout_request_xml().replace(&format!(" Destination=\"{SLO}\""), "");
    assert!(matches!(
        redirect(&signed_request(&missing)),
        Err(ResponseError::Destination { found: None, .. })
    ));
    // A Response (or anything else) at the SLO endpoint.
    let not = signed_request(&response_xml("alice@example.test"));
    assert!(matches!(
        redirect(&not),
        Err(ResponseError::WrongRoot { .. })
    ));
    // EncryptedID, BaseID, missing or repeated NameID, nested markup in NameID.
    for (edit, what) in [
        (
            logout_request_xml().replace(
                "<saml:NameID",
                "<saml:EncryptedID><x/></saml:EncryptedID><saml:NameID",
            ),
            "EncryptedID",
        ),
        (
            logout_request_xml().replace("<saml:NameID", "<saml:BaseID/><saml:NameID"),
            "BaseID",
        ),
        (
            logout_request_xml_with(|s| {
                let a = s.find("<saml:NameID").unwrap();
                let b = s.find("</saml:NameID>").unwrap() + "</saml:NameID>".len();
                format!("{}{}", &s[..a], &s[b..])
            }),
            "no NameID",
        ),
        (
            logout_request_xml().replace("alice&amp;co", "alice<!--x-->co"),
            "comment in NameID",
        ),
    ] {
        let err = redirect(&signed_request(&edit)).unwrap_err();
        assert_eq!(err.check(), "subject", "{what}: {err}");
    }
    let dup = logout_request_xml().replace(
        "<samlp:SessionIndex>_s-1",
        "<saml:NameID>x</saml:NameID><samlp:SessionIndex>_s-1",
    );
    assert!(matches!(
        redirect(&signed_request(&dup)),
        Err(ResponseError::Duplicated { .. })
    ));
    // DTDs still refused by the parser behind the binding.
    let dtd = format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{}", logout_request_xml());
    assert_eq!(redirect(&signed_request(&dtd)).unwrap_err().check(), "xml");
}

#[test]
fn slo_9_embedded_signature_refused_on_redirect() {
    // Sign enveloped (POST style) and then send over redirect with a query signature too.
    let enveloped = sign(&logout_request_xml(), REQ_ID, &Sig::default());
    let q = signed_request(&enveloped);
    assert!(matches!(
        redirect(&q),
        Err(ResponseError::UnexpectedSignature(_))
    ));
}

fn post(xml: &str) -> Result<IdpLogoutRequest, ResponseError> {
    validate_logout_request_post(&STANDARD.encode(xml), &trust(), &expect())
}

#[test]
fn post_logout_request_enveloped_signature() {
    let signed = sign(&logout_request_xml(), REQ_ID, &Sig::default());
    let r = post(&signed).unwrap();
    assert!(r.signed);
    assert_eq!(r.session_indexes, ["_s-1", "_s-2"]);
    assert_eq!(r.relay_state, None);
    // Unsigned: refused by default.
    assert_eq!(
        post(&logout_request_xml()),
        Err(ResponseError::SignatureMissing)
    );
    // Signed by another key.
    let evil = sign(
        &logout_request_xml(),
        REQ_ID,
        &Sig {
            key: Key::AttackerRsa,
            ..Sig::default()
        },
    );
    assert!(matches!(
        post(&evil),
        Err(ResponseError::Signature {
            element: "LogoutRequest",
            source: DsigError::SignatureInvalid(3)
        })
    ));
    // Content changed after signing.
    assert_eq!(
        post(&signed.replace("alice&amp;co", "bob")),
        Err(ResponseError::Signature {
            element: "LogoutRequest",
            source: DsigError::DigestMismatch
        })
    );
    // Wrapping: the signed request moved into Extensions of an evil one (same ID).
    let evil_outer = logout_request_xml()
        .replace("alice&amp;co", "bob")
        .replace(
            "<saml:NameID",
            &format!(
                "<samlp:Extensions>{}</samlp:Extensions><saml:NameID",
                signed
                    .replace(
                        " xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
                        ""
                    )
            ),
        );
    let err = post(&evil_outer).unwrap_err();
    assert!(
        matches!(
            err,
            ResponseError::DuplicateId(_) | ResponseError::UnexpectedSignature(_)
        ),
        "{err}"
    );
    // Not base64 / too large.
    assert!(matches!(
        validate_logout_request_post("%%%", &trust(), &expect()),
        Err(ResponseError::Base64(_))
    ));
    assert!(matches!(
        validate_logout_request_post(&"A".repeat(400_000), &trust(), &expect()),
        Err(ResponseError::TooLarge { .. })
    ));
}

fn sp_signer() -> RedirectSigner {
    RedirectSigner::from_pem(&std::fs::read_to_string(fixture_path("keys/sp-rsa.key")).unwrap())
        .unwrap()
        .with_certificate(cert("sp-rsa").der)
}

#[test]
fn answering_logout_response_redirect_and_post() {
    let req = redirect(&signed_request(&logout_request_xml())).unwrap();
    let now = parse_datetime(NOW).unwrap();
    let answer = SpLogoutResponse::answering(
        &req,
        message_id(&[7; 20]),
        now,
        "https://idp.example.test/slo/return",
        SP,
    );
    assert_eq!(answer.in_response_to, REQ_ID);
    // Redirect: signed query, checked by our own redirect validator trusting the SP key.
    let url = answer
        .redirect_url(req.relay_state.as_deref(), Some(&sp_signer()))
        .unwrap();
    let (endpoint, query) = url.split_once('?').unwrap();
    assert_eq!(endpoint, "https://idp.example.test/slo/return");
    let sp_trust = ProviderTrust::new(SP, vec![cert("sp-rsa")]);
    let lexpect = LogoutExpectations {
        slo_url: "https://idp.example.test/slo/return".into(),
        request_id: REQ_ID.into(),
        require_signature: true,
        clock_skew: Duration::from_secs(180),
        now,
        limits: XmlLimits::MESSAGE,
    };
    let got = validate_logout_response_redirect(query, &sp_trust, &lexpect).unwrap();
    assert!(got.signed);
    assert_eq!(got.in_response_to, REQ_ID);
    assert_eq!(got.relay_state, req.relay_state);
    // POST: enveloped signature after the Issuer, verified by ours and by xmlsec1.
    let xml = answer.to_signed_xml(&sp_signer()).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    verify_enveloped(
        doc.root_element(),
        &[cert("sp-rsa")],
        &AlgorithmPolicy::default(),
    )
    .unwrap();
    validate_logout_response(&post_binding_value(&xml), &sp_trust, &lexpect).unwrap();
    if Command::new("xmlsec1").arg("--version").output().is_ok() {
        let dir = std::env::temp_dir().join(format!("cirrus-saml-slo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("answer.xml");
        std::fs::write(&path, &xml).unwrap();
        let out = Command::new("xmlsec1")
            .args(["--verify", "--pubkey-cert-pem"])
            .arg(fixture_path("keys/sp-rsa.crt"))
            .args([
                "--enabled-key-data",
                "x509",
                "--id-attr:ID",
                "urn:oasis:names:tc:SAML:2.0:protocol:LogoutResponse",
            ])
            .arg(&path)
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        println!("SKIPPED xmlsec1 check of the POST LogoutResponse: xmlsec1 not installed");
    }
}

fn idp_logout_response(irt: &str) -> String {
    format!(
        r#"<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lo-9" Version="2.0" IssueInstant="2026-01-01T00:00:30Z" Destination="{SLO}" InResponseTo="{irt}"><saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>"#
    )
}

fn response_expect() -> LogoutExpectations {
    LogoutExpectations {
        slo_url: SLO.into(),
        request_id: "_sp-lr-1".into(),
        require_signature: true,
        clock_skew: Duration::from_secs(180),
        now: parse_datetime(NOW).unwrap(),
        limits: XmlLimits::MESSAGE,
    }
}

#[test]
fn logout_response_over_redirect() {
    let q = idp_query(
        "SAMLResponse",
        &idp_logout_response("_sp-lr-1"),
        Some("back"),
        Some(("idp-ec256", ECDSA_SHA256)),
    );
    let r = validate_logout_response_redirect(&q.raw(), &trust(), &response_expect()).unwrap();
    assert!(r.signed);
    assert_eq!(r.relay_state.as_deref(), Some("back"));
    // Unsigned, wrong key, wrong request, tampered RelayState, SAMLRequest parameter name.
    let unsigned = idp_query("SAMLResponse", &idp_logout_response("_sp-lr-1"), None, None);
    assert_eq!(
        validate_logout_response_redirect(&unsigned.raw(), &trust(), &response_expect()),
        Err(ResponseError::SignatureMissing)
    );
    let evil = idp_query(
        "SAMLResponse",
        &idp_logout_response("_sp-lr-1"),
        None,
        Some(("attacker-rsa", RSA_SHA256)),
    );
    assert!(matches!(
        validate_logout_response_redirect(&evil.raw(), &trust(), &response_expect()),
        Err(ResponseError::Signature {
            element: "LogoutResponse",
            source: DsigError::SignatureInvalid(_)
        })
    ));
    let other = idp_query(
        "SAMLResponse",
        &idp_logout_response("_other"),
        None,
        Some(("idp-rsa", RSA_SHA256)),
    );
    assert!(matches!(
        validate_logout_response_redirect(&other.raw(), &trust(), &response_expect()),
        Err(ResponseError::InResponseTo { .. })
    ));
    let mut tampered = q.clone();
    tampered.set("RelayState", "elsewhere".into());
    assert!(matches!(
        validate_logout_response_redirect(&tampered.raw(), &trust(), &response_expect()),
        Err(ResponseError::Signature { .. })
    ));
    let as_request = idp_query(
        "SAMLRequest",
        &idp_logout_response("_sp-lr-1"),
        None,
        Some(("idp-rsa", RSA_SHA256)),
    );
    assert!(matches!(
        validate_logout_response_redirect(&as_request.raw(), &trust(), &response_expect()),
        Err(ResponseError::Binding(_))
    ));
    // An enveloped signature inside a redirect-bound response is refused.
    let enveloped = sign(&idp_logout_response("_sp-lr-1"), "_lo-9", &Sig::default());
    let q = idp_query(
        "SAMLResponse",
        &enveloped,
        None,
        Some(("idp-rsa", RSA_SHA256)),
    );
    assert!(matches!(
        validate_logout_response_redirect(&q.raw(), &trust(), &response_expect()),
        Err(ResponseError::UnexpectedSignature(_))
    ));
}

#[test]
fn redirect_query_from_an_independent_encoder() {
    // Python's zlib + base64 + urllib.parse.quote_plus + `cryptography` RSA-SHA256 and
    // ECDSA-SHA256 (DER): a query as pysaml2 / python3-saml IdPs build it.
    let have = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        println!(
            "SKIPPED redirect_query_from_an_independent_encoder: python3 with cryptography missing"
        );
        return;
    }
    let script = r#"
import base64, sys, zlib, urllib.parse
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
xml, keyfile, alg = sys.stdin.read(), sys.argv[1], sys.argv[2]
c = zlib.compressobj(9, zlib.DEFLATED, -15)
data = c.compress(xml.encode()) + c.flush()
q = "SAMLRequest=" + urllib.parse.quote_plus(base64.b64encode(data).decode())
q += "&RelayState=" + urllib.parse.quote_plus("state with spaces/+&=")
q += "&SigAlg=" + urllib.parse.quote_plus(alg)
key = serialization.load_pem_private_key(open(keyfile, "rb").read(), None)
if isinstance(key, ec.EllipticCurvePrivateKey):
    sig = key.sign(q.encode(), ec.ECDSA(hashes.SHA256()))  # DER, as JCA/OpenSSL produce
else:
    sig = key.sign(q.encode(), padding.PKCS1v15(), hashes.SHA256())
print(q + "&Signature=" + urllib.parse.quote_plus(base64.b64encode(sig).decode()))
"#;
    for (key, alg) in [("idp-rsa", RSA_SHA256), ("idp-ec256", ECDSA_SHA256)] {
        let mut child = Command::new("python3")
            .args(["-c", script])
            .arg(fixture_path(&format!("keys/{key}.key")))
            .arg(alg)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(logout_request_xml().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        let query = String::from_utf8(out.stdout).unwrap();
        let r = validate_logout_request_redirect(query.trim(), &trust(), &expect())
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(r.relay_state.as_deref(), Some("state with spaces/+&="));
        assert_eq!(r.name_id.value, "alice&co");
    }
}

#[test]
fn mutated_redirect_queries_never_panic_and_never_change_identity() {
    let good = signed_request(&logout_request_xml()).raw();
    let expected = redirect(&signed_request(&logout_request_xml())).unwrap();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) % (n.max(1) as u64)) as usize
    };
    const PIECES: &[&str] = &[
        "&",
        "=",
        "%",
        "%2",
        "%2B",
        "+",
        "&SAMLRequest=",
        "&RelayState=x",
        "&SigAlg=",
        "&Signature=",
        "&&",
        "?",
        "%00",
        "A",
        "/",
    ];
    let mut accepted = 0;
    for _ in 0..2000 {
        let mut q = good.clone().into_bytes();
        for _ in 0..=next(3) {
            let len = q.len();
            match next(4) {
                0 => {
                    let i = next(len);
                    q[i] = b"A+/=%&"[next(6)];
                }
                1 => {
                    let i = next(len);
                    let j = (i + next(64)).min(len);
                    q.drain(i..j);
                }
                2 => {
                    let i = next(len + 1);
                    let p = PIECES[next(PIECES.len())].as_bytes();
                    q.splice(i..i, p.iter().copied());
                }
                _ => {
                    let i = next(len);
                    let j = (i + next(200)).min(len);
                    let seg = q[i..j].to_vec();
                    let k = next(len + 1);
                    q.splice(k..k, seg);
                }
            }
        }
        let Ok(text) = String::from_utf8(q) else {
            continue;
        };
        if let Ok(r) = validate_logout_request_redirect(&text, &trust(), &expect()) {
            accepted += 1;
            assert_eq!(
                r, expected,
                "a mutated query changed the signed content: {text}"
            );
        }
    }
    println!("{accepted} of 2000 mutated queries still valid (all with the signed content)");
}
