//! SP metadata generation and enveloped XML-DSig signing (metadata, LogoutRequest,
//! LogoutResponse), checked by our own parser and verifier and by xmlsec1 and lxml.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use cirrus_saml::datetime::parse_datetime;
use cirrus_saml::dsig::{AlgorithmPolicy, verify_enveloped};
use cirrus_saml::dsig_sign::{SignaturePlacement, sign_enveloped};
use cirrus_saml::error::{DsigError, MessageError};
use cirrus_saml::messages::*;
use cirrus_saml::response::{NameId, ProviderTrust};
use cirrus_saml::sp_metadata::*;
use cirrus_saml::xml::{self, NS_DS, NS_MD, XmlLimits};
use common::*;
use serde_json::Value;

const POOL_SP: &str = "urn:amazon:cognito:sp:us-east-1_AbC&\"<x>";
const SLO: &str = "https://auth.example.test/saml2/logout?a=1&b=2";

fn signer() -> RedirectSigner {
    RedirectSigner::from_pem(&std::fs::read_to_string(fixture_path("keys/sp-rsa.key")).unwrap())
        .unwrap()
        .with_certificate(cert("sp-rsa").der)
}

fn metadata() -> SpMetadata {
    SpMetadata {
        entity_id: POOL_SP.into(),
        id: None,
        acs_url: "https://auth.example.test/saml2/idpresponse".into(),
        slo_url: Some(SLO.into()),
        signing_certificate: Some(cert("sp-rsa").der),
        encryption_certificate: Some(cert("sp-rsa").der),
        authn_requests_signed: true,
        requested_attributes: vec![
            RequestedAttribute::new("urn:oid:0.9.2342.19200300.100.1.3", Some("mail"), true),
            RequestedAttribute::new(
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
                None,
                false,
            ),
            RequestedAttribute::new("groups & <roles>", Some("Groups \"all\""), false),
        ],
        service_name: "Pool <Prod> & Co".into(),
        valid_until: Some(parse_datetime("2027-01-01T00:00:00Z").unwrap()),
    }
}

/// Writes `contents` to a file of its own in the temp dir (removed by [`TmpFile`]'s drop).
struct TmpFile(std::path::PathBuf);

impl TmpFile {
    fn new(name: &str, contents: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("cirrus-saml-signing-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        TmpFile(path)
    }
}

impl Drop for TmpFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn python_has(modules: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Verifies `xml`'s enveloped signature with the SP certificate using the independent
/// verifiers available: `xmlsec1` and Python `signxml`. Returns (tool, "" on success or its
/// complaint); a missing tool is skipped with a printed reason.
fn oracles_verify(name: &str, xml: &str, id_node: &str) -> Vec<(&'static str, String)> {
    let file = TmpFile::new(name, xml);
    let complaint = |out: std::process::Output| {
        if out.status.success() {
            String::new()
        } else {
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        }
    };
    let mut results = Vec::new();
    if Command::new("xmlsec1").arg("--version").output().is_ok() {
        let out = Command::new("xmlsec1")
            .args(["--verify", "--pubkey-cert-pem"])
            .arg(fixture_path("keys/sp-rsa.crt"))
            .args(["--enabled-key-data", "x509", "--id-attr:ID", id_node])
            .arg(&file.0)
            .output()
            .unwrap();
        results.push(("xmlsec1", complaint(out)));
    } else {
        println!(
            "SKIPPED xmlsec1 check of {name}: xmlsec1 not installed (apt-get install xmlsec1)"
        );
    }
    if python_has("signxml, lxml") {
        let out = Command::new("python3")
            .arg(format!(
                "{}/../../interop/saml/verify_with_signxml.py",
                env!("CARGO_MANIFEST_DIR")
            ))
            .arg(&file.0)
            .arg(fixture_path("keys/sp-rsa.crt"))
            .output()
            .unwrap();
        results.push(("signxml", complaint(out)));
    } else {
        println!("SKIPPED signxml check of {name}: python3 with signxml not installed");
    }
    results
}

/// Runs `interop/saml/check_sp_metadata.py`; `None` when python3 with lxml is missing.
fn lxml_check(name: &str, xml: &str) -> Option<Value> {
    if !python_has("lxml, cryptography") {
        println!("SKIPPED lxml check of {name}: python3 with lxml and cryptography not installed");
        return None;
    }
    let file = TmpFile::new(name, xml);
    let script = format!(
        "{}/../../interop/saml/check_sp_metadata.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new("python3")
        .arg(script)
        .arg(&file.0)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "lxml check failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_str(stdout.trim()).unwrap())
}

fn local_names(node: roxmltree::Node<'_, '_>) -> Vec<String> {
    node.children()
        .filter(roxmltree::Node::is_element)
        .map(|c| c.tag_name().name().to_string())
        .collect()
}

#[test]
fn sp_metadata_structure_and_escaping() {
    let xml = metadata().to_xml().unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    let doc = xml::parse(&xml, &XmlLimits::METADATA).unwrap();
    let root = doc.root_element();
    assert!(root.has_tag_name((NS_MD, "EntityDescriptor")));
    assert_eq!(root.attribute("entityID"), Some(POOL_SP));
    assert_eq!(root.attribute("validUntil"), Some("2027-01-01T00:00:00Z"));
    let id = root.attribute("ID").unwrap();
    assert_eq!(id, metadata().descriptor_id());
    assert!(id.starts_with('_') && id.len() == 41);
    let sp = xml::single_child(root, NS_MD, "SPSSODescriptor")
        .unwrap()
        .unwrap();
    assert_eq!(sp.attribute("AuthnRequestsSigned"), Some("true"));
    assert_eq!(sp.attribute("WantAssertionsSigned"), Some("true"));
    assert_eq!(
        sp.attribute("protocolSupportEnumeration"),
        Some("urn:oasis:names:tc:SAML:2.0:protocol")
    );
    assert_eq!(
        local_names(sp),
        [
            "KeyDescriptor",
            "KeyDescriptor",
            "SingleLogoutService",
            "SingleLogoutService",
            "NameIDFormat",
            "NameIDFormat",
            "NameIDFormat",
            "AssertionConsumerService",
            "AttributeConsumingService",
        ]
    );
    let kds: Vec<_> = xml::children(sp, NS_MD, "KeyDescriptor").collect();
    assert_eq!(kds[0].attribute("use"), Some("signing"));
    assert_eq!(local_names(kds[0]), ["KeyInfo"]);
    assert_eq!(kds[1].attribute("use"), Some("encryption"));
    let methods: Vec<_> = xml::children(kds[1], NS_MD, "EncryptionMethod")
        .map(|m| m.attribute("Algorithm").unwrap())
        .collect();
    assert_eq!(methods, ENCRYPTION_METHODS);
    let x509 = kds[0]
        .descendants()
        .find(|n| n.has_tag_name((NS_DS, "X509Certificate")))
        .unwrap();
    assert_eq!(
        cirrus_saml::Certificate::from_base64(x509.text().unwrap())
            .unwrap()
            .der,
        cert("sp-rsa").der
    );
    let slo: Vec<_> = xml::children(sp, NS_MD, "SingleLogoutService")
        .map(|s| {
            (
                s.attribute("Binding").unwrap(),
                s.attribute("Location").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        slo,
        [
            ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", SLO),
            ("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", SLO)
        ]
    );
    let formats: Vec<_> = xml::children(sp, NS_MD, "NameIDFormat")
        .map(|n| n.text().unwrap())
        .collect();
    assert_eq!(formats, NAMEID_FORMATS);
    assert_eq!(formats[0], NAMEID_PERSISTENT);
    let acs = xml::single_child(sp, NS_MD, "AssertionConsumerService")
        .unwrap()
        .unwrap();
    assert_eq!(
        acs.attribute("Binding"),
        Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    );
    assert_eq!(acs.attribute("index"), Some("0"));
    assert_eq!(acs.attribute("isDefault"), Some("true"));
    let svc = xml::single_child(sp, NS_MD, "AttributeConsumingService")
        .unwrap()
        .unwrap();
    assert_eq!(svc.attribute("index"), Some("0"));
    let name = xml::single_child(svc, NS_MD, "ServiceName")
        .unwrap()
        .unwrap();
    assert_eq!(name.text(), Some("Pool <Prod> & Co"));
    assert_eq!(
        name.attribute(("http://www.w3.org/XML/1998/namespace", "lang")),
        Some("en")
    );
    let ras: Vec<_> = xml::children(svc, NS_MD, "RequestedAttribute")
        .map(|r| {
            (
                r.attribute("Name").unwrap(),
                r.attribute("NameFormat").unwrap(),
                r.attribute("FriendlyName"),
                r.attribute("isRequired").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ras,
        [
            (
                "urn:oid:0.9.2342.19200300.100.1.3",
                ATTRNAME_FORMAT_URI,
                Some("mail"),
                "true"
            ),
            (
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
                ATTRNAME_FORMAT_URI,
                None,
                "false"
            ),
            (
                "groups & <roles>",
                ATTRNAME_FORMAT_BASIC,
                Some("Groups \"all\""),
                "false"
            ),
        ]
    );
}

#[test]
fn sp_metadata_minimal_and_name_formats() {
    let m = SpMetadata::new("urn:amazon:cognito:sp:pool", "https://a.test/acs");
    let xml = m.to_xml().unwrap();
    let doc = xml::parse(&xml, &XmlLimits::METADATA).unwrap();
    let sp = doc.root_element().first_element_child().unwrap();
    assert_eq!(
        local_names(sp),
        [
            "NameIDFormat",
            "NameIDFormat",
            "NameIDFormat",
            "AssertionConsumerService"
        ]
    );
    assert_eq!(sp.attribute("AuthnRequestsSigned"), Some("false"));
    assert!(doc.root_element().attribute("validUntil").is_none());
    // Explicit ID wins; the derived one is stable and differs per entity.
    let mut with_id = m.clone();
    with_id.id = Some("_md1".into());
    assert!(with_id.to_xml().unwrap().contains("ID=\"_md1\""));
    assert_eq!(m.descriptor_id(), m.clone().descriptor_id());
    assert_ne!(
        m.descriptor_id(),
        SpMetadata::new("urn:amazon:cognito:sp:other", "x").descriptor_id()
    );
    for (name, uri) in [
        ("urn:oid:2.5.4.42", true),
        ("https://aws.amazon.com/SAML/Attributes/Role", true),
        ("email", false),
        ("given name", false),
        (":x", false),
        ("1urn:x", false),
        ("urn:", false),
    ] {
        let want = if uri {
            ATTRNAME_FORMAT_URI
        } else {
            ATTRNAME_FORMAT_BASIC
        };
        assert_eq!(
            RequestedAttribute::new(name, None, false).name_format(),
            want,
            "{name}"
        );
    }
}

#[test]
fn signed_sp_metadata_verifies_with_ours_xmlsec1_and_lxml() {
    let xml = metadata().to_signed_xml(&signer()).unwrap();
    let doc = xml::parse(&xml, &XmlLimits::METADATA).unwrap();
    let root = doc.root_element();
    assert_eq!(
        local_names(root),
        ["Signature", "SPSSODescriptor"],
        "Signature is the first child"
    );
    let verified = verify_enveloped(root, &[cert("sp-rsa")], &AlgorithmPolicy::default()).unwrap();
    assert_eq!(verified.id, metadata().descriptor_id());
    // The signed bytes are the unsigned document's element, canonicalized.
    let unsigned = metadata().to_xml().unwrap();
    assert!(!verified.canonical_xml().contains("Signature"));
    assert_eq!(
        verified
            .parse()
            .unwrap()
            .root_element()
            .attribute("entityID"),
        Some(POOL_SP)
    );
    let unsigned_doc = roxmltree::Document::parse(&unsigned).unwrap();
    assert_eq!(
        String::from_utf8(
            cirrus_saml::c14n::canonicalize(
                unsigned_doc.root_element(),
                &cirrus_saml::c14n::C14nOptions::default()
            )
            .unwrap()
        )
        .unwrap(),
        verified.canonical_xml()
    );
    // Another key does not verify it.
    assert_eq!(
        verify_enveloped(root, &[cert("idp-rsa")], &AlgorithmPolicy::default()).unwrap_err(),
        DsigError::SignatureInvalid(1)
    );
    for (tool, err) in oracles_verify(
        "metadata.xml",
        &xml,
        "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
    ) {
        assert_eq!(err, "", "{tool} refused our signed metadata");
    }
    if let Some(found) = lxml_check("metadata.xml", &xml) {
        assert_eq!(found["signature"], true);
        assert_eq!(
            found["order"],
            serde_json::json!([
                "KeyDescriptor",
                "SingleLogoutService",
                "NameIDFormat",
                "AssertionConsumerService",
                "AttributeConsumingService"
            ])
        );
        assert_eq!(found["requested_attributes"].as_array().unwrap().len(), 3);
    }
    if let Some(found) = lxml_check(
        "minimal.xml",
        &SpMetadata::new("urn:amazon:cognito:sp:p", "https://a.test/acs")
            .to_xml()
            .unwrap(),
    ) {
        assert_eq!(found["signature"], false);
    }
}

#[test]
fn tampered_signed_metadata_is_refused_by_ours_and_xmlsec1() {
    let xml = metadata().to_signed_xml(&signer()).unwrap().replace(
        "https://auth.example.test/saml2/idpresponse",
        "https://evil.test/acs",
    );
    let doc = xml::parse(&xml, &XmlLimits::METADATA).unwrap();
    assert_eq!(
        verify_enveloped(
            doc.root_element(),
            &[cert("sp-rsa")],
            &AlgorithmPolicy::default()
        )
        .unwrap_err(),
        DsigError::DigestMismatch
    );
    for (tool, err) in oracles_verify(
        "tampered.xml",
        &xml,
        "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
    ) {
        assert_ne!(err, "", "{tool} accepted tampered metadata");
    }
}

fn logout_request() -> LogoutRequest {
    LogoutRequest {
        id: message_id(&[0x11; 20]),
        issue_instant: parse_datetime(NOW).unwrap(),
        destination: "https://idp.example.test/slo?x=1&y=<2>".into(),
        sp_entity_id: POOL_SP.into(),
        name_id: NameId {
            value: "alice&<bob>@example.test".into(),
            format: Some(NAMEID_PERSISTENT.into()),
            name_qualifier: Some(IDP.into()),
            sp_name_qualifier: None,
        },
        session_index: Some("_s-1".into()),
    }
}

#[test]
fn signed_logout_request_for_post_binding() {
    let req = logout_request();
    let xml = req.to_signed_xml(&signer()).unwrap();
    let doc = xml::parse(&xml, &XmlLimits::MESSAGE).unwrap();
    let root = doc.root_element();
    assert_eq!(
        local_names(root),
        ["Issuer", "Signature", "NameID", "SessionIndex"],
        "Signature right after Issuer"
    );
    let v = verify_enveloped(root, &[cert("sp-rsa")], &AlgorithmPolicy::default()).unwrap();
    assert_eq!(v.id, req.id);
    let signed = v.parse().unwrap();
    let name_id = signed
        .root_element()
        .descendants()
        .find(|n| n.tag_name().name() == "NameID")
        .unwrap();
    assert_eq!(name_id.text(), Some("alice&<bob>@example.test"));
    // KeyInfo carries the certificate (informational).
    assert!(xml.contains("<ds:X509Certificate>"));
    for (tool, err) in oracles_verify(
        "logout_request.xml",
        &xml,
        "urn:oasis:names:tc:SAML:2.0:protocol:LogoutRequest",
    ) {
        assert_eq!(err, "", "{tool} refused our signed LogoutRequest");
    }
    // The POST form value is plain base64 of the XML.
    use base64::Engine as _;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(post_binding_value(&xml))
            .unwrap(),
        xml.as_bytes()
    );
}

#[test]
fn signed_logout_response_verifies_and_validates() {
    let resp = SpLogoutResponse::success(
        message_id(&[0x22; 20]),
        parse_datetime(NOW).unwrap(),
        "https://idp.example.test/slo/response",
        "_idp-req-1",
        POOL_SP,
    );
    let xml = resp.to_signed_xml(&signer()).unwrap();
    let doc = xml::parse(&xml, &XmlLimits::MESSAGE).unwrap();
    assert_eq!(
        local_names(doc.root_element()),
        ["Issuer", "Signature", "Status"]
    );
    for (tool, err) in oracles_verify(
        "logout_response.xml",
        &xml,
        "urn:oasis:names:tc:SAML:2.0:protocol:LogoutResponse",
    ) {
        assert_eq!(err, "", "{tool} refused our signed LogoutResponse");
    }
    // Our own LogoutResponse validator accepts it when it trusts the SP key (as an IdP would).
    let trust = ProviderTrust::new(POOL_SP, vec![cert("sp-rsa")]);
    let expect = LogoutExpectations {
        slo_url: "https://idp.example.test/slo/response".into(),
        request_id: "_idp-req-1".into(),
        require_signature: true,
        clock_skew: std::time::Duration::from_secs(180),
        now: parse_datetime(NOW).unwrap(),
        limits: XmlLimits::MESSAGE,
    };
    let ok = validate_logout_response(&post_binding_value(&xml), &trust, &expect).unwrap();
    assert!(ok.signed);
    assert_eq!(ok.in_response_to, "_idp-req-1");
    // A non-success status with a sub-status is written and reported.
    let mut partial = resp.clone();
    partial.status = "urn:oasis:names:tc:SAML:2.0:status:Responder".into();
    partial.sub_status = Some("urn:oasis:names:tc:SAML:2.0:status:PartialLogout".into());
    let err = validate_logout_response(
        &post_binding_value(&partial.to_signed_xml(&signer()).unwrap()),
        &trust,
        &expect,
    )
    .unwrap_err();
    assert_eq!(err.check(), "status", "{err}");
    // Unsigned variant has no signature.
    assert!(!resp.to_xml().unwrap().contains("Signature"));
}

#[test]
fn signed_authn_request_for_post_binding() {
    let req = AuthnRequest::new(
        message_id(&[0x33; 20]),
        parse_datetime(NOW).unwrap(),
        "https://idp.example.test/sso",
        ACS,
        POOL_SP,
    );
    let xml = req.to_signed_xml(&signer()).unwrap();
    let doc = xml::parse(&xml, &XmlLimits::MESSAGE).unwrap();
    assert_eq!(
        local_names(doc.root_element()),
        ["Issuer", "Signature", "NameIDPolicy"]
    );
    verify_enveloped(
        doc.root_element(),
        &[cert("sp-rsa")],
        &AlgorithmPolicy::default(),
    )
    .unwrap();
    for (tool, err) in oracles_verify(
        "authn_request.xml",
        &xml,
        "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest",
    ) {
        assert_eq!(err, "", "{tool} refused our signed AuthnRequest");
    }
}

#[test]
fn signing_errors() {
    let s = signer();
    let xml = logout_request().to_xml().unwrap();
    assert!(matches!(
        sign_enveloped(&xml, "_nope", SignaturePlacement::AfterIssuer, &s),
        Err(MessageError::SignTarget(_))
    ));
    let signed = logout_request().to_signed_xml(&s).unwrap();
    assert!(matches!(
        sign_enveloped(
            &signed,
            &logout_request().id,
            SignaturePlacement::AfterIssuer,
            &s
        ),
        Err(MessageError::SignTarget(_))
    ));
    let no_issuer = r#"<r xmlns="urn:x" ID="_a"><b/></r>"#;
    assert!(matches!(
        sign_enveloped(no_issuer, "_a", SignaturePlacement::AfterIssuer, &s),
        Err(MessageError::SignTarget(_))
    ));
    let dup = r#"<r ID="_a"><b ID="_a"/></r>"#;
    assert!(matches!(
        sign_enveloped(dup, "_a", SignaturePlacement::FirstChild, &s),
        Err(MessageError::SignTarget(_))
    ));
    // An element nested in a document with a default namespace and whitespace still verifies.
    let nested = "<outer xmlns=\"urn:outer\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\">\n  <inner ID=\"_n1\" a=\"1\">\n    <saml:Issuer>x</saml:Issuer>\n    <v>t</v>\n  </inner>\n</outer>";
    let out = sign_enveloped(nested, "_n1", SignaturePlacement::AfterIssuer, &s).unwrap();
    let doc = roxmltree::Document::parse(&out).unwrap();
    let inner = doc.root_element().first_element_child().unwrap();
    verify_enveloped(inner, &[cert("sp-rsa")], &AlgorithmPolicy::default()).unwrap();
}
