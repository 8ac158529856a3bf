//! IdP metadata in the shapes real IdPs publish (ADFS, Okta, Entra ID, Keycloak, Shibboleth).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use base64::Engine as _;
use cirrus_saml::error::{CertificateError, MetadataError, XmlError};
use cirrus_saml::metadata::{binding, parse_idp_metadata};

fn cert_b64(cn: &str) -> String {
    let ck = rcgen::generate_simple_self_signed(vec![cn.to_string()]).unwrap();
    base64::engine::general_purpose::STANDARD.encode(ck.cert.der())
}

/// Wraps base64 at 64 columns with indentation, as many IdPs do.
fn wrapped(b64: &str) -> String {
    b64.as_bytes()
        .chunks(64)
        .map(|c| format!("\n          {}", std::str::from_utf8(c).unwrap()))
        .collect::<String>()
        + "\n        "
}

fn adfs(sign1: &str, sign2: &str, enc: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<EntityDescriptor ID="_9d4b2c1e" entityID="http://adfs.contoso.test/adfs/services/trust" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>
  <RoleDescriptor xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{sign1}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
  </RoleDescriptor>
  <SPSSODescriptor WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://adfs.contoso.test/adfs/ls/" index="0" isDefault="true"/>
  </SPSSODescriptor>
  <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <KeyDescriptor use="encryption"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{enc}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{sign1}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{sign2}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://adfs.contoso.test/adfs/ls/"/>
    <SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://adfs.contoso.test/adfs/ls/"/>
    <NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>
    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</NameIDFormat>
    <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</NameIDFormat>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://adfs.contoso.test/adfs/ls/"/>
    <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://adfs.contoso.test/adfs/ls/"/>
    <Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri" FriendlyName="E-Mail Address" xmlns="urn:oasis:names:tc:SAML:2.0:assertion"/>
  </IDPSSODescriptor>
</EntityDescriptor>"#
    )
}

#[test]
fn adfs_shape() {
    let (s1, s2, e) = (
        cert_b64("adfs-sign"),
        cert_b64("adfs-sign-next"),
        cert_b64("adfs-enc"),
    );
    let md = parse_idp_metadata(&adfs(&s1, &s2, &e), None).unwrap();
    assert_eq!(md.entity_id, "http://adfs.contoso.test/adfs/services/trust");
    assert_eq!(
        md.signing_certificates.len(),
        2,
        "rollover: both signing certs"
    );
    assert_eq!(md.encryption_certificates.len(), 1);
    assert_ne!(
        md.signing_certificates[0].sha256_fingerprint,
        md.signing_certificates[1].sha256_fingerprint
    );
    assert_eq!(
        md.redirect_sso_url(),
        Some("https://adfs.contoso.test/adfs/ls/")
    );
    assert_eq!(
        md.sso_url(binding::HTTP_POST),
        Some("https://adfs.contoso.test/adfs/ls/")
    );
    assert_eq!(md.single_logout_services.len(), 2);
    assert_eq!(md.name_id_formats.len(), 3);
    assert!(!md.want_authn_requests_signed);
    assert_eq!(md.valid_until, None);
    assert_eq!(md.cache_duration, None);
    assert!(!md.signing_certificates[0].spki_der.is_empty());
}

#[test]
fn okta_shape_prefixed_md_and_wrapped_base64() {
    let s = cert_b64("okta");
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor entityID="http://www.okta.com/exk1abcdEFGH" xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"><md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat><md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://dev-123.okta.test/app/dev-123_cirrus_1/exk1abcdEFGH/sso/saml"/><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://dev-123.okta.test/app/dev-123_cirrus_1/exk1abcdEFGH/sso/saml"/></md:IDPSSODescriptor></md:EntityDescriptor>"#,
        wrapped(&s)
    );
    let md = parse_idp_metadata(&xml, None).unwrap();
    assert_eq!(md.entity_id, "http://www.okta.com/exk1abcdEFGH");
    assert_eq!(md.signing_certificates.len(), 1);
    assert!(md.encryption_certificates.is_empty());
    assert_eq!(
        md.redirect_sso_url(),
        Some("https://dev-123.okta.test/app/dev-123_cirrus_1/exk1abcdEFGH/sso/saml")
    );
    assert!(md.redirect_slo_endpoint().is_none());
    // The same metadata picked by its own entity ID, and refused for another.
    assert!(parse_idp_metadata(&xml, Some("http://www.okta.com/exk1abcdEFGH")).is_ok());
    assert_eq!(
        parse_idp_metadata(&xml, Some("http://other")),
        Err(MetadataError::EntityNotFound("http://other".into()))
    );
}

#[test]
fn entra_id_shape_signing_without_use_and_default_namespaces() {
    let s = cert_b64("entra");
    let xml = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><EntityDescriptor ID="_4f0c7b3a-1111-2222-3333-444455556666" entityID="https://sts.windows.net/0f1e2d3c-aaaa-bbbb-cccc-ddddeeeeffff/" xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></SignedInfo></Signature><RoleDescriptor xsi:type="fed:ApplicationServiceType" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706"/><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>{s}</X509Certificate></X509Data></KeyInfo></KeyDescriptor><SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.microsoftonline.test/0f1e2d3c/saml2"/><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://login.microsoftonline.test/0f1e2d3c/saml2"/><SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://login.microsoftonline.test/0f1e2d3c/saml2"/></IDPSSODescriptor></EntityDescriptor>"#
    );
    let md = parse_idp_metadata(&xml, None).unwrap();
    assert_eq!(
        md.entity_id,
        "https://sts.windows.net/0f1e2d3c-aaaa-bbbb-cccc-ddddeeeeffff/"
    );
    assert_eq!(
        md.redirect_slo_endpoint().map(|e| e.location.as_str()),
        Some("https://login.microsoftonline.test/0f1e2d3c/saml2")
    );
    assert_eq!(md.signing_certificates.len(), 1);
}

#[test]
fn keycloak_shape_entities_descriptor_single_idp_key_without_use() {
    let s = cert_b64("keycloak");
    let xml = format!(
        r#"<md:EntitiesDescriptor Name="urn:keycloak" xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
  <md:EntityDescriptor entityID="https://kc.example.test/realms/cirrus">
    <md:IDPSSODescriptor WantAuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
      <md:KeyDescriptor><ds:KeyInfo><ds:KeyName>k1</ds:KeyName><ds:X509Data><ds:X509Certificate>{s}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
      <md:ArtifactResolutionService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://kc.example.test/realms/cirrus/protocol/saml/resolve" index="0"/>
      <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://kc.example.test/realms/cirrus/protocol/saml"/>
      <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://kc.example.test/realms/cirrus/protocol/saml" ResponseLocation="https://kc.example.test/realms/cirrus/protocol/saml/slo-response"/>
      <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
      <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://kc.example.test/realms/cirrus/protocol/saml"/>
      <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://kc.example.test/realms/cirrus/protocol/saml"/>
      <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://kc.example.test/realms/cirrus/protocol/saml"/>
    </md:IDPSSODescriptor>
  </md:EntityDescriptor>
</md:EntitiesDescriptor>"#
    );
    let md = parse_idp_metadata(&xml, None).unwrap();
    assert_eq!(md.entity_id, "https://kc.example.test/realms/cirrus");
    assert!(md.want_authn_requests_signed);
    assert_eq!(md.signing_certificates.len(), 1, "no use = signing");
    assert_eq!(
        md.encryption_certificates.len(),
        1,
        "no use = encryption too"
    );
    let slo = md.redirect_slo_endpoint().unwrap();
    assert_eq!(
        slo.response_location.as_deref(),
        Some("https://kc.example.test/realms/cirrus/protocol/saml/slo-response")
    );
    assert_eq!(md.single_sign_on_services.len(), 3);
}

fn shibboleth_federation(a: &str, b: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:shibmd="urn:mace:shibboleth:metadata:1.0" xmlns:mdui="urn:oasis:names:tc:SAML:metadata:ui" Name="urn:mace:example.test:fed" validUntil="2030-01-01T00:00:00Z" cacheDuration="P1D">
  <EntitiesDescriptor Name="inner" cacheDuration="PT6H">
  <EntityDescriptor entityID="https://idp.uni-a.test/idp/shibboleth" validUntil="2029-06-01T00:00:00Z">
    <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol urn:mace:shibboleth:1.0 urn:oasis:names:tc:SAML:2.0:protocol">
      <Extensions><shibmd:Scope regexp="false">uni-a.test</shibmd:Scope><mdui:UIInfo><mdui:DisplayName xml:lang="en">Uni A</mdui:DisplayName></mdui:UIInfo></Extensions>
      <KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
{a}
      </ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
      <KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{a}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
      <NameIDFormat>urn:mace:shibboleth:1.0:nameIdentifier</NameIDFormat>
      <NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</NameIDFormat>
      <SingleSignOnService Binding="urn:mace:shibboleth:1.0:profiles:AuthnRequest" Location="https://idp.uni-a.test/idp/profile/Shibboleth/SSO"/>
      <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.uni-a.test/idp/profile/SAML2/POST/SSO"/>
      <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.uni-a.test/idp/profile/SAML2/Redirect/SSO"/>
    </IDPSSODescriptor>
  </EntityDescriptor>
  </EntitiesDescriptor>
  <EntityDescriptor entityID="https://idp.uni-b.test/idp/shibboleth">
    <IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
      <KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></KeyDescriptor>
      <SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.uni-b.test/idp/profile/SAML2/Redirect/SSO"/>
    </IDPSSODescriptor>
  </EntityDescriptor>
  <EntityDescriptor entityID="https://sp.uni-c.test/shibboleth">
    <SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>
  </EntityDescriptor>
</EntitiesDescriptor>"#
    )
}

#[test]
fn shibboleth_federation_aggregate() {
    let xml = shibboleth_federation(&cert_b64("uni-a"), &cert_b64("uni-b"));
    let err = parse_idp_metadata(&xml, None).unwrap_err();
    assert!(
        matches!(err, MetadataError::AmbiguousEntity { count: 2, .. }),
        "{err:?}"
    );
    let a = parse_idp_metadata(&xml, Some("https://idp.uni-a.test/idp/shibboleth")).unwrap();
    assert_eq!(
        a.redirect_sso_url(),
        Some("https://idp.uni-a.test/idp/profile/SAML2/Redirect/SSO")
    );
    assert_eq!(a.single_sign_on_services.len(), 3);
    assert_eq!(
        a.valid_until,
        Some(cirrus_saml::datetime::parse_datetime("2029-06-01T00:00:00Z").unwrap())
    );
    assert_eq!(a.cache_duration, Some(Duration::from_secs(6 * 3600)));
    assert!(a.is_expired(cirrus_saml::datetime::parse_datetime("2029-07-01T00:00:00Z").unwrap()));
    let b = parse_idp_metadata(&xml, Some("https://idp.uni-b.test/idp/shibboleth")).unwrap();
    assert_eq!(
        b.valid_until,
        Some(cirrus_saml::datetime::parse_datetime("2030-01-01T00:00:00Z").unwrap())
    );
    assert_eq!(b.cache_duration, Some(Duration::from_secs(86400)));
    assert_eq!(
        parse_idp_metadata(&xml, Some("https://idp.uni-z.test/idp/shibboleth")),
        Err(MetadataError::EntityNotFound(
            "https://idp.uni-z.test/idp/shibboleth".into()
        ))
    );
    assert!(matches!(
        parse_idp_metadata(&xml, Some("https://sp.uni-c.test/shibboleth")),
        Err(MetadataError::NoIdpSsoDescriptor(_))
    ));
}

fn minimal(body: &str) -> String {
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.test"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{body}</md:IDPSSODescriptor></md:EntityDescriptor>"#
    )
}

fn kd(use_attr: &str, b64: &str) -> String {
    format!(
        r#"<md:KeyDescriptor {use_attr}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"#
    )
}

const SSO: &str = r#"<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.test/sso"/>"#;

#[test]
fn errors_are_typed() {
    let c = cert_b64("x");
    // Malformed XML.
    assert!(matches!(
        parse_idp_metadata("<md:EntityDescriptor", None),
        Err(MetadataError::Xml(XmlError::Malformed(_)))
    ));
    // DTD.
    assert_eq!(
        parse_idp_metadata(
            r#"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#,
            None
        ),
        Err(MetadataError::Xml(XmlError::DtdPresent))
    );
    // Wrong root (right local name, wrong namespace).
    assert!(matches!(
        parse_idp_metadata(
            r#"<EntityDescriptor xmlns="urn:wrong" entityID="x"/>"#,
            None
        ),
        Err(MetadataError::WrongRoot { .. })
    ));
    // No IDPSSODescriptor.
    assert_eq!(
        parse_idp_metadata(
            r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp"><SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>"#,
            None
        ),
        Err(MetadataError::NoIdpSsoDescriptor("https://sp".into()))
    );
    // IDPSSODescriptor for SAML 1.1 only.
    assert!(matches!(
        parse_idp_metadata(
            &minimal("").replace(
                "urn:oasis:names:tc:SAML:2.0:protocol",
                "urn:oasis:names:tc:SAML:1.1:protocol"
            ),
            None
        ),
        Err(MetadataError::NoIdpSsoDescriptor(_))
    ));
    // No SSO service.
    assert_eq!(
        parse_idp_metadata(&minimal(&kd(r#"use="signing""#, &c)), None),
        Err(MetadataError::NoSingleSignOnService)
    );
    // No signing certificate (only encryption).
    assert_eq!(
        parse_idp_metadata(
            &minimal(&format!("{}{SSO}", kd(r#"use="encryption""#, &c))),
            None
        ),
        Err(MetadataError::NoSigningCertificate)
    );
    // Certificate that does not parse.
    assert!(matches!(
        parse_idp_metadata(
            &minimal(&format!("{}{SSO}", kd(r#"use="signing""#, "AAAA"))),
            None
        ),
        Err(MetadataError::Certificate {
            usage: "signing",
            index: 0,
            source: CertificateError::Der(_)
        })
    ));
    assert!(matches!(
        parse_idp_metadata(
            &minimal(&format!("{}{SSO}", kd(r#"use="signing""#, "not base64!"))),
            None
        ),
        Err(MetadataError::Certificate {
            source: CertificateError::Base64(_),
            ..
        })
    ));
    // Bad key use.
    assert_eq!(
        parse_idp_metadata(&minimal(&format!("{}{SSO}", kd(r#"use="both""#, &c))), None),
        Err(MetadataError::BadKeyUse("both".into()))
    );
    // Endpoint without Location.
    assert_eq!(
        parse_idp_metadata(
            &minimal(&format!(
                r#"{}<md:SingleSignOnService Binding="{}"/>"#,
                kd("", &c),
                binding::HTTP_REDIRECT
            )),
            None
        ),
        Err(MetadataError::EndpointAttributeMissing {
            element: "SingleSignOnService",
            attribute: "Location"
        })
    );
    // Bad cacheDuration / validUntil / boolean.
    let ok = minimal(&format!("{}{SSO}", kd("", &c)));
    assert!(matches!(
        parse_idp_metadata(
            &ok.replace("entityID=", r#"cacheDuration="6 hours" entityID="#),
            None
        ),
        Err(MetadataError::BadTime {
            attribute: "cacheDuration",
            ..
        })
    ));
    assert!(matches!(
        parse_idp_metadata(
            &ok.replace("entityID=", r#"validUntil="tomorrow" entityID="#),
            None
        ),
        Err(MetadataError::BadTime {
            attribute: "validUntil",
            ..
        })
    ));
    assert!(matches!(
        parse_idp_metadata(
            &ok.replace(
                "protocolSupportEnumeration",
                r#"WantAuthnRequestsSigned="yes" protocolSupportEnumeration"#
            ),
            None
        ),
        Err(MetadataError::BadBoolean { .. })
    ));
    assert!(parse_idp_metadata(&ok, None).is_ok());
    // Missing entityID.
    assert_eq!(
        parse_idp_metadata(&ok.replace(r#"entityID="https://idp.test""#, ""), None),
        Err(MetadataError::MissingEntityId)
    );
}

#[test]
fn size_limit_is_one_mib_by_default() {
    let c = cert_b64("x");
    let ok = minimal(&format!("{}{SSO}", kd("", &c)));
    let padded = ok.replace(
        "<md:IDPSSODescriptor",
        &format!("<!--{}--><md:IDPSSODescriptor", "x".repeat(1024 * 1024)),
    );
    assert!(matches!(
        parse_idp_metadata(&padded, None),
        Err(MetadataError::Xml(XmlError::TooLarge {
            limit: 1048576,
            ..
        }))
    ));
}

#[test]
fn certificate_details_are_exposed() {
    let mut params = rcgen::CertificateParams::new(vec!["idp.test".into()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Cirrus Test IdP");
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2035, 1, 1);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert.der());
    let md = parse_idp_metadata(&minimal(&format!("{}{SSO}", kd("", &b64))), None).unwrap();
    let c = &md.signing_certificates[0];
    assert!(c.subject.contains("CN=Cirrus Test IdP"), "{}", c.subject);
    assert_eq!(c.not_before.year(), 2025);
    assert_eq!(c.not_after.year(), 2035);
    assert_eq!(c.der, cert.der().to_vec());
    let expected = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, cert.der());
    assert_eq!(&c.sha256_fingerprint[..], expected.as_ref());
    use rcgen::PublicKeyData as _;
    assert_eq!(c.spki_der, key.subject_public_key_info());
    let at = |y| cirrus_saml::datetime::parse_datetime(&format!("{y}-06-01T00:00:00Z")).unwrap();
    assert!(md.invalid_signing_certificates(at(2030)).is_empty());
    assert_eq!(md.invalid_signing_certificates(at(2036)).len(), 1);
    assert_eq!(md.invalid_signing_certificates(at(2024)).len(), 1);
}

fn fixture_cert(name: &str) -> cirrus_saml::Certificate {
    let path = format!(
        "{}/tests/fixtures/keys/{name}.crt",
        env!("CARGO_MANIFEST_DIR")
    );
    cirrus_saml::Certificate::from_pem(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn signed_metadata_from_xmlsec1_verifies() {
    use cirrus_saml::dsig::AlgorithmPolicy;
    use cirrus_saml::error::DsigError;
    use cirrus_saml::metadata::parse_signed_idp_metadata;
    let path = format!(
        "{}/tests/fixtures/metadata/xmlsec1_signed_metadata.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let xml = std::fs::read_to_string(path).unwrap();
    let policy = AlgorithmPolicy::default();
    let md = parse_signed_idp_metadata(&xml, None, &[fixture_cert("idp-rsa")], &policy).unwrap();
    assert_eq!(md.entity_id, "https://idp.example.test/saml");
    assert_eq!(md.signing_certificates[0], fixture_cert("idp-rsa"));
    // Wrong signer.
    assert_eq!(
        parse_signed_idp_metadata(&xml, None, &[fixture_cert("attacker-rsa")], &policy),
        Err(MetadataError::Signature(DsigError::SignatureInvalid(1)))
    );
    // Tampered endpoint.
    let tampered = xml.replace("https://idp.example.test/sso", "https://evil.test/sso");
    assert_eq!(
        parse_signed_idp_metadata(&tampered, None, &[fixture_cert("idp-rsa")], &policy),
        Err(MetadataError::Signature(DsigError::DigestMismatch))
    );
    // Unsigned metadata.
    let unsigned = minimal(&format!("{}{SSO}", kd("", &cert_b64("x"))))
        .replace("entityID", "ID=\"_m\" entityID");
    assert_eq!(
        parse_signed_idp_metadata(&unsigned, None, &[fixture_cert("idp-rsa")], &policy),
        Err(MetadataError::Signature(DsigError::MissingSignature(
            "EntityDescriptor".into()
        )))
    );
}
