//! Outgoing AuthnRequest / LogoutRequest over the HTTP-Redirect binding, and LogoutResponse
//! validation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Read as _;

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cirrus_saml::datetime::parse_datetime;
use cirrus_saml::error::{DsigError, ResponseError};
use cirrus_saml::messages::*;
use cirrus_saml::response::{NameId, ProviderTrust};
use cirrus_saml::xml::{NS_SAML, NS_SAMLP, XmlLimits};
use common::*;

fn signer() -> RedirectSigner {
    RedirectSigner::from_pem(&std::fs::read_to_string(fixture_path("keys/sp-rsa.key")).unwrap())
        .unwrap()
}

fn request() -> AuthnRequest {
    AuthnRequest::new(
        message_id(&[0xab; 20]),
        parse_datetime(NOW).unwrap(),
        "https://idp.example.test/sso?tenant=a&b=c",
        ACS,
        "urn:amazon:cognito:sp:us-east-1_AbC&<x>",
    )
}

/// Splits a redirect URL into (endpoint, [(name, raw encoded value)]).
fn split(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').unwrap().1;
    q.split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn decode(v: &str) -> String {
    url::form_urlencoded::parse(format!("x={v}").as_bytes())
        .next()
        .unwrap()
        .1
        .into_owned()
}

#[test]
fn authn_request_xml() {
    let xml = request().to_xml().unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let r = doc.root_element();
    assert!(r.has_tag_name((NS_SAMLP, "AuthnRequest")));
    assert_eq!(
        r.attribute("ID"),
        Some(format!("_{}", "ab".repeat(20)).as_str())
    );
    assert_eq!(r.attribute("Version"), Some("2.0"));
    assert_eq!(r.attribute("IssueInstant"), Some("2026-01-01T00:01:00Z"));
    assert_eq!(
        r.attribute("Destination"),
        Some("https://idp.example.test/sso?tenant=a&b=c")
    );
    assert_eq!(r.attribute("AssertionConsumerServiceURL"), Some(ACS));
    assert_eq!(
        r.attribute("ProtocolBinding"),
        Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    );
    let issuer = r
        .children()
        .find(|n| n.has_tag_name((NS_SAML, "Issuer")))
        .unwrap();
    assert_eq!(
        issuer.text(),
        Some("urn:amazon:cognito:sp:us-east-1_AbC&<x>")
    );
    let policy = r
        .children()
        .find(|n| n.has_tag_name((NS_SAMLP, "NameIDPolicy")))
        .unwrap();
    assert_eq!(policy.attribute("Format"), Some(NAMEID_PERSISTENT));
    assert_eq!(policy.attribute("AllowCreate"), Some("true"));
    assert_eq!(r.attribute("ForceAuthn"), None);
}

#[test]
fn redirect_binding_round_trip_and_signature() {
    let xml = request().to_xml().unwrap();
    let relay = "opaque state/with+chars&=";
    let url = redirect_url(
        &request().destination,
        RedirectParam::Request,
        &xml,
        Some(relay),
        Some(&signer()),
    )
    .unwrap();
    assert!(url.starts_with("https://idp.example.test/sso?tenant=a&b=c&SAMLRequest="));
    let params = split(&url);
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    // DEFLATE + base64 round trip.
    let deflated = STANDARD.decode(decode(&get("SAMLRequest"))).unwrap();
    let mut inflated = String::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_string(&mut inflated)
        .unwrap();
    assert_eq!(inflated, xml);
    assert_eq!(decode(&get("RelayState")), relay);
    assert_eq!(decode(&get("SigAlg")), SIG_ALG_RSA_SHA256);
    // The signature covers the encoded SAMLRequest, RelayState, SigAlg in that order.
    let signed = format!(
        "SAMLRequest={}&RelayState={}&SigAlg={}",
        get("SAMLRequest"),
        get("RelayState"),
        get("SigAlg")
    );
    let sig = STANDARD.decode(decode(&get("Signature"))).unwrap();
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &cert("sp-rsa").spki_der)
        .verify(signed.as_bytes(), &sig)
        .unwrap();

    // Independent check with openssl when available.
    let dir = std::env::temp_dir().join(format!("cirrus-saml-redirect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("data"), &signed).unwrap();
    std::fs::write(dir.join("sig"), &sig).unwrap();
    let pubkey = std::process::Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(fixture_path("keys/sp-rsa.crt"))
        .output();
    match pubkey {
        Ok(out) if out.status.success() => {
            std::fs::write(dir.join("pub.pem"), out.stdout).unwrap();
            let v = std::process::Command::new("openssl")
                .args(["dgst", "-sha256", "-verify"])
                .arg(dir.join("pub.pem"))
                .arg("-signature")
                .arg(dir.join("sig"))
                .arg(dir.join("data"))
                .output()
                .unwrap();
            assert!(
                v.status.success(),
                "openssl: {}",
                String::from_utf8_lossy(&v.stderr)
            );
        }
        _ => println!("SKIPPED openssl cross-check: openssl not available"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unsigned_redirect_and_bad_endpoints() {
    let url = redirect_url(
        "https://idp.test/sso",
        RedirectParam::Request,
        "<x/>",
        None,
        None,
    )
    .unwrap();
    assert!(url.starts_with("https://idp.test/sso?SAMLRequest="));
    assert!(!url.contains("Signature=") && !url.contains("RelayState="));
    for bad in [
        "javascript:alert(1)",
        "/relative",
        "https://idp.test/sso#frag",
        "",
    ] {
        assert!(
            redirect_url(bad, RedirectParam::Request, "<x/>", None, None).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn logout_request_xml() {
    let lr = LogoutRequest {
        id: "_lr1".into(),
        issue_instant: parse_datetime(NOW).unwrap(),
        destination: "https://idp.example.test/slo".into(),
        sp_entity_id: SP.into(),
        name_id: NameId {
            value: "alice@example.test".into(),
            format: Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into()),
            name_qualifier: None,
            sp_name_qualifier: Some(SP.into()),
        },
        session_index: Some("_s-91ab".into()),
    };
    let xml = lr.to_xml().unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let r = doc.root_element();
    assert!(r.has_tag_name((NS_SAMLP, "LogoutRequest")));
    let name_id = r
        .children()
        .find(|n| n.has_tag_name((NS_SAML, "NameID")))
        .unwrap();
    assert_eq!(name_id.text(), Some("alice@example.test"));
    assert_eq!(name_id.attribute("SPNameQualifier"), Some(SP));
    let si = r
        .children()
        .find(|n| n.has_tag_name((NS_SAMLP, "SessionIndex")))
        .unwrap();
    assert_eq!(si.text(), Some("_s-91ab"));
    let url = redirect_url(
        &lr.destination,
        RedirectParam::Request,
        &xml,
        None,
        Some(&signer()),
    )
    .unwrap();
    assert!(url.contains("&SigAlg=") && url.contains("&Signature="));
}

const SLO: &str = "https://sp.example.test/saml2/logout";

fn logout_response(status: &str, irt: &str, destination: &str) -> String {
    format!(
        r#"<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lo-1" Version="2.0" IssueInstant="2026-01-01T00:00:30Z" Destination="{destination}" InResponseTo="{irt}"><saml:Issuer>{IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="{status}"/></samlp:Status></samlp:LogoutResponse>"#
    )
}

fn trust() -> ProviderTrust {
    ProviderTrust::new(IDP, vec![cert("idp-rsa")])
}

fn expect() -> LogoutExpectations {
    LogoutExpectations {
        slo_url: SLO.into(),
        request_id: "_lr1".into(),
        require_signature: true,
        clock_skew: std::time::Duration::from_secs(180),
        now: parse_datetime(NOW).unwrap(),
        limits: XmlLimits::MESSAGE,
    }
}

fn validate(xml: &str) -> Result<cirrus_saml::messages::LogoutResponse, ResponseError> {
    validate_logout_response(&STANDARD.encode(xml), &trust(), &expect())
}

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

#[test]
fn logout_response_signed_ok() {
    let s = sign(
        &logout_response(SUCCESS, "_lr1", SLO),
        "_lo-1",
        &Sig::default(),
    );
    let r = validate(&s).unwrap();
    assert!(r.signed);
    assert_eq!(r.in_response_to, "_lr1");
}

#[test]
fn logout_response_rejections() {
    // Unsigned while a signature is required.
    assert_eq!(
        validate(&logout_response(SUCCESS, "_lr1", SLO)),
        Err(ResponseError::SignatureMissing)
    );
    let mut e = expect();
    e.require_signature = false;
    validate_logout_response(
        &STANDARD.encode(logout_response(SUCCESS, "_lr1", SLO)),
        &trust(),
        &e,
    )
    .unwrap();
    // Wrong request, destination, status, signer, content.
    let s = sign(
        &logout_response(SUCCESS, "_other", SLO),
        "_lo-1",
        &Sig::default(),
    );
    assert!(matches!(
        validate(&s),
        Err(ResponseError::InResponseTo { .. })
    ));
    let s = sign(
        &logout_response(SUCCESS, "_lr1", "https://evil.test/slo"),
        "_lo-1",
        &Sig::default(),
    );
    assert!(matches!(
        validate(&s),
        Err(ResponseError::Destination { .. })
    ));
    let s = sign(
        &logout_response("urn:oasis:names:tc:SAML:2.0:status:Requester", "_lr1", SLO),
        "_lo-1",
        &Sig::default(),
    );
    assert!(matches!(validate(&s), Err(ResponseError::Status { .. })));
    let s = sign(
        &logout_response(SUCCESS, "_lr1", SLO),
        "_lo-1",
        &Sig {
            key: Key::AttackerRsa,
            ..Sig::default()
        },
    );
    assert_eq!(
        validate(&s),
        Err(ResponseError::Signature {
            element: "LogoutResponse",
            source: DsigError::SignatureInvalid(1)
        })
    );
    let s = sign(
        &logout_response(SUCCESS, "_lr1", SLO),
        "_lo-1",
        &Sig::default(),
    )
    .replace("_lr1", "_lr2");
    assert!(matches!(
        validate(&s),
        Err(ResponseError::Signature {
            source: DsigError::DigestMismatch,
            ..
        })
    ));
    let s = sign(
        &logout_response(SUCCESS, "_lr1", SLO).replace(IDP, "https://evil.test"),
        "_lo-1",
        &Sig::default(),
    );
    assert!(matches!(
        validate(&s),
        Err(ResponseError::ResponseIssuer { .. })
    ));
    // A SAML Response posted to the logout endpoint.
    assert!(matches!(
        validate(&signed_assertion_response("alice@example.test")),
        Err(ResponseError::WrongRoot {
            expected: "samlp:LogoutResponse",
            ..
        })
    ));
}
