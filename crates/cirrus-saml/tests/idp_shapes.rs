//! Metadata and responses in the shapes real IdPs send (ADFS, Okta, Entra ID, Shibboleth IdP,
//! Keycloak, SimpleSAMLphp), generated and signed by xmlsec1 and signxml with
//! `interop/saml/make_idp_shapes.py` (each checked there with `xmlsec1 --verify`): the metadata
//! parses, the trust built from it validates the response, and exactly the signed identity
//! (issuer, NameID, every attribute and value) comes out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cirrus_saml::datetime::parse_datetime;
use cirrus_saml::dsig::AlgorithmPolicy;
use cirrus_saml::error::{DsigError, MetadataError, ResponseError};
use cirrus_saml::metadata::{IdpMetadata, binding, parse_idp_metadata, parse_signed_idp_metadata};
use cirrus_saml::response::{Assertion, Expectations, ProviderTrust, validate_response};
use cirrus_saml::xenc::DecryptionKey;
use cirrus_saml::{Certificate, OffsetDateTime};

// The scenario of make_idp_shapes.py.
const SP: &str = "urn:amazon:cognito:sp:us-east-1_ShApEs42";
const ACS: &str = "https://auth.cirrus.test/saml2/idpresponse";
const REQ: &str = "_8d0c5e3a-4f1b-4b6e-9a2d-7c1e5f3b9a10";
const NOW: &str = "2026-03-01T12:00:30Z";

const NF_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const NF_UNSPEC: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
const NF_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
const NF_TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
const AN_URI: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
const AN_BASIC: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
const AN_UNSPEC: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";

fn path(rel: &str) -> String {
    format!(
        "{}/tests/fixtures/idp_shapes/{rel}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn key_cert(name: &str) -> Certificate {
    Certificate::from_pem(&read(&format!("keys/{name}.crt"))).unwrap()
}

fn fingerprints(certs: &[Certificate]) -> Vec<[u8; 32]> {
    certs.iter().map(|c| c.sha256_fingerprint).collect()
}

fn time(s: &str) -> OffsetDateTime {
    parse_datetime(s).unwrap()
}

fn metadata(idp: &str) -> IdpMetadata {
    parse_idp_metadata(&read(&format!("{idp}/metadata.xml")), None)
        .unwrap_or_else(|e| panic!("{idp} metadata: {e}"))
}

/// Trust exactly as the admin API builds it: from the IdP's metadata (plus the SP's decryption
/// key, which make_fixtures.py created and the Shibboleth fixtures are encrypted to).
fn trust(idp: &str) -> ProviderTrust {
    let mut t = ProviderTrust::from_metadata(&metadata(idp));
    t.decryption_keys = vec![
        DecryptionKey::from_pem(
            &std::fs::read_to_string(format!(
                "{}/tests/fixtures/keys/sp-rsa.key",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap(),
    ];
    t
}

fn validate_xml(idp: &str, xml: &str) -> Result<Assertion, ResponseError> {
    let expect = Expectations::new(SP, ACS, Some(REQ.into()), time(NOW));
    validate_response(&STANDARD.encode(xml), &trust(idp), &expect)
}

fn validate(idp: &str, variant: &str) -> Result<Assertion, ResponseError> {
    validate_xml(idp, &read(&format!("{idp}/{variant}.xml")))
}

type Attr<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [&'a str]);

/// Every attribute, in document order: (Name, FriendlyName, NameFormat, values).
fn assert_attributes(a: &Assertion, expected: &[Attr<'_>]) {
    let found: Vec<_> = a
        .attributes
        .iter()
        .map(|x| {
            (
                x.name.as_str(),
                x.friendly_name.as_deref(),
                x.name_format.as_deref(),
                x.values.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        })
        .collect();
    let expected: Vec<_> = expected
        .iter()
        .map(|(n, f, nf, v)| (*n, *f, *nf, v.to_vec()))
        .collect();
    assert_eq!(found, expected);
}

fn assert_name_id(
    a: &Assertion,
    value: &str,
    format: &str,
    name_qualifier: Option<&str>,
    sp_name_qualifier: Option<&str>,
) {
    assert_eq!(a.name_id.value, value);
    assert_eq!(a.name_id.format.as_deref(), Some(format));
    assert_eq!(a.name_id.name_qualifier.as_deref(), name_qualifier);
    assert_eq!(a.name_id.sp_name_qualifier.as_deref(), sp_name_qualifier);
}

/// Signed-content tampering must fail every shape: a value the signature covers is changed.
fn assert_tamper_fails(idp: &str, variant: &str, from: &str, to: &str) {
    let xml = read(&format!("{idp}/{variant}.xml"));
    assert!(xml.contains(from), "{idp}/{variant}: {from:?} not found");
    let err = validate_xml(idp, &xml.replacen(from, to, 1)).unwrap_err();
    assert_eq!(err.check(), "signature", "{idp}/{variant}: {err}");
    assert!(
        matches!(
            err,
            ResponseError::Signature {
                source: DsigError::DigestMismatch,
                ..
            }
        ),
        "{idp}/{variant}: {err:?}"
    );
}

// ------------------------------------------------------------------------------------ ADFS

const ADFS: &str = "http://adfs.contoso.test/adfs/services/trust";

#[test]
fn adfs_metadata() {
    let xml = read("adfs/metadata.xml");
    let md = metadata("adfs");
    assert_eq!(md.entity_id, ADFS);
    // Only the IDPSSODescriptor's keys: the WS-Federation RoleDescriptors and the
    // SPSSODescriptor carry the same certificates but are not read.
    assert_eq!(
        fingerprints(&md.signing_certificates),
        fingerprints(&[key_cert("adfs-signing")])
    );
    assert_eq!(
        fingerprints(&md.encryption_certificates),
        fingerprints(&[key_cert("adfs-encryption")])
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
    assert_eq!(
        md.name_id_formats,
        vec![NF_EMAIL, NF_PERSISTENT, NF_TRANSIENT]
    );
    assert!(!md.want_authn_requests_signed);
    // FederationMetadata.xml is signed with the token-signing certificate (xmlsec1 here).
    let signed = parse_signed_idp_metadata(
        &xml,
        None,
        &[key_cert("adfs-signing")],
        &AlgorithmPolicy::default(),
    )
    .unwrap();
    assert_eq!(signed, md);
    assert!(matches!(
        parse_signed_idp_metadata(
            &xml,
            None,
            &[key_cert("entra")],
            &AlgorithmPolicy::default()
        ),
        Err(MetadataError::Signature(_))
    ));
}

#[test]
fn adfs_response() {
    let a = validate("adfs", "response").unwrap();
    assert_eq!(a.issuer, ADFS);
    assert!(a.assertion_signed && !a.response_signed && !a.encrypted);
    assert_eq!(a.assertion_id, "_3e2d1c0b-a998-4877-b665-c4d3e2f1a0b9");
    assert_eq!(a.response_id, "_1b5f0a2e-7c3d-4e8f-9a01-b2c3d4e5f607");
    assert_eq!(a.in_response_to.as_deref(), Some(REQ));
    assert_name_id(&a, "q8Jt+Pz/3WnC0b1y9x2KfA==", NF_PERSISTENT, None, None);
    assert_eq!(
        a.session_index.as_deref(),
        Some("_3e2d1c0b-a998-4877-b665-c4d3e2f1a0b9")
    );
    assert_eq!(a.authn_instant, time("2026-03-01T11:59:58.045Z"));
    // SubjectConfirmationData (5 min) is earlier than Conditions (1 h).
    assert_eq!(a.not_on_or_after, time("2026-03-01T12:05:00.218Z"));
    let c = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims";
    assert_attributes(
        &a,
        &[
            (
                &format!("{c}/emailaddress"),
                None,
                None,
                &["alice@contoso.test"],
            ),
            (
                &format!("{c}/upn"),
                None,
                None,
                &["alice@corp.contoso.test"],
            ),
            // a:OriginalIssuer (another namespace) on the Attribute is tolerated.
            (&format!("{c}/givenname"), None, None, &["Alice"]),
            (
                "http://schemas.xmlsoap.org/claims/Group",
                None,
                None,
                &["Domain Users", "CIRRUS-Admins", "R&D"],
            ),
        ],
    );
    assert_tamper_fails("adfs", "response", ">CIRRUS-Admins<", ">Domain Admins<");
}

// ------------------------------------------------------------------------------------ Okta

const OKTA: &str = "http://www.okta.com/exk1a2b3c4D5e6F7g8h9";

#[test]
fn okta_metadata() {
    let md = metadata("okta");
    assert_eq!(md.entity_id, OKTA);
    assert_eq!(
        fingerprints(&md.signing_certificates),
        fingerprints(&[key_cert("okta")])
    );
    assert!(md.encryption_certificates.is_empty());
    assert_eq!(md.name_id_formats, vec![NF_UNSPEC, NF_EMAIL]);
    assert_eq!(
        md.redirect_sso_url(),
        Some(
            "https://cirrus-test.okta.test/app/cirrus-test_cirrus_1/exk1a2b3c4D5e6F7g8h9/sso/saml"
        )
    );
    assert!(md.single_logout_services.is_empty());
}

#[test]
fn okta_response() {
    let a = validate("okta", "response").unwrap();
    assert_eq!(a.issuer, OKTA);
    assert!(a.assertion_signed && a.response_signed && !a.encrypted);
    assert_eq!(a.assertion_id, "id4019381823601161820187337");
    assert_eq!(a.response_id, "id40193818235926571503462895");
    assert_name_id(&a, "alice@okta-customer.test", NF_EMAIL, None, None);
    assert_eq!(
        a.session_index.as_deref(),
        Some("id4019381823601161820187337")
    );
    assert_eq!(a.authn_instant, time("2026-03-01T11:59:59.530Z"));
    assert_eq!(a.not_on_or_after, time("2026-03-01T12:05:00.218Z"));
    assert_attributes(
        &a,
        &[
            ("firstName", None, Some(AN_UNSPEC), &["Alice"]),
            ("lastName", None, Some(AN_UNSPEC), &["Okafor"]),
            (
                "email",
                None,
                Some(AN_UNSPEC),
                &["alice@okta-customer.test"],
            ),
            (
                "groups",
                None,
                Some(AN_UNSPEC),
                &["Everyone", "Cirrus Admins"],
            ),
        ],
    );
    assert_tamper_fails("okta", "response", ">Okafor<", ">Mallory<");
}

#[test]
fn okta_idp_initiated_from_the_dashboard() {
    // No InResponseTo anywhere: accepted only where unsolicited responses are allowed.
    let xml = read("okta/response_idp-initiated.xml");
    let unsolicited = Expectations::new(SP, ACS, None, time(NOW));
    let a = validate_response(&STANDARD.encode(&xml), &trust("okta"), &unsolicited).unwrap();
    assert_eq!(a.in_response_to, None);
    assert!(a.assertion_signed && a.response_signed);
    assert_name_id(&a, "alice@okta-customer.test", NF_EMAIL, None, None);
    assert_attributes(
        &a,
        &[
            ("firstName", None, Some(AN_UNSPEC), &["Alice"]),
            ("lastName", None, Some(AN_UNSPEC), &["Okafor"]),
            (
                "email",
                None,
                Some(AN_UNSPEC),
                &["alice@okta-customer.test"],
            ),
            // A profile field that is not set arrives as one empty value.
            ("mobilePhone", None, Some(AN_UNSPEC), &[""]),
            (
                "groups",
                None,
                Some(AN_UNSPEC),
                &["Everyone", "Cirrus Admins"],
            ),
        ],
    );
    // With a sign-in pending (SP-initiated), an unsolicited response is refused.
    let err = validate_xml("okta", &xml).unwrap_err();
    assert!(matches!(err, ResponseError::Unsolicited(_)), "{err:?}");
}

// -------------------------------------------------------------------------------- Entra ID

const TENANT: &str = "8a3f1c2e-5b7d-4e9a-b1c3-d5e7f9a2b4c6";

#[test]
fn entra_metadata() {
    let xml = read("entra/metadata.xml");
    let md = metadata("entra");
    assert_eq!(md.entity_id, format!("https://sts.windows.net/{TENANT}/"));
    assert_eq!(
        fingerprints(&md.signing_certificates),
        fingerprints(&[key_cert("entra")])
    );
    let login = format!("https://login.microsoftonline.test/{TENANT}/saml2");
    assert_eq!(md.redirect_sso_url(), Some(login.as_str()));
    assert_eq!(
        md.redirect_slo_endpoint().map(|e| e.location.as_str()),
        Some(login.as_str())
    );
    assert!(md.name_id_formats.is_empty());
    // Signed by signxml with a default-namespace <Signature xmlns="...xmldsig#">.
    let signed = parse_signed_idp_metadata(
        &xml,
        None,
        &[key_cert("entra")],
        &AlgorithmPolicy::default(),
    )
    .unwrap();
    assert_eq!(signed, md);
}

#[test]
fn entra_response() {
    let a = validate("entra", "response").unwrap();
    let issuer = format!("https://sts.windows.net/{TENANT}/");
    assert_eq!(a.issuer, issuer);
    assert!(a.assertion_signed && !a.response_signed && !a.encrypted);
    assert_name_id(
        &a,
        "Tb1kRX0m5Zq9vQ3C7yH2gJ8sLpWn4dF6aE0uIoYcB1M",
        NF_PERSISTENT,
        None,
        None,
    );
    assert_eq!(a.authn_instant, time("2026-03-01T11:59:55Z"));
    assert_eq!(a.not_on_or_after, time("2026-03-01T13:05:00.104Z"));
    let ms = "http://schemas.microsoft.com/identity/claims";
    let ws = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims";
    assert_attributes(
        &a,
        &[
            (&format!("{ms}/tenantid"), None, None, &[TENANT]),
            (
                &format!("{ms}/objectidentifier"),
                None,
                None,
                &["5d2e6f70-8192-4a3b-bc4d-5e6f70819203"],
            ),
            (
                &format!("{ms}/displayname"),
                None,
                None,
                &["Alice Nakamura"],
            ),
            (
                "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
                None,
                None,
                &[
                    "0f1e2d3c-4b5a-4968-8778-695a4b3c2d1e",
                    "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                ],
            ),
            (&format!("{ms}/identityprovider"), None, None, &[&issuer]),
            (
                "http://schemas.microsoft.com/claims/authnmethodsreferences",
                None,
                None,
                &[
                    "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",
                    "http://schemas.microsoft.com/claims/multipleauthn",
                ],
            ),
            (&format!("{ws}/givenname"), None, None, &["Alice"]),
            (&format!("{ws}/surname"), None, None, &["Nakamura"]),
            (
                &format!("{ws}/emailaddress"),
                None,
                None,
                &["alice@fabrikam.test"],
            ),
            (&format!("{ws}/name"), None, None, &["alice@fabrikam.test"]),
        ],
    );
    assert_tamper_fails("entra", "response", ">Nakamura<", ">Mallory<");
    // "Sign SAML response and assertion": both default-namespace signatures verify.
    let both = validate("entra", "response_response-and-assertion-signed").unwrap();
    assert!(both.assertion_signed && both.response_signed);
    assert_eq!(both.name_id, a.name_id);
    assert_eq!(both.attributes, a.attributes);
    assert_tamper_fails(
        "entra",
        "response_response-and-assertion-signed",
        ">Nakamura<",
        ">Mallory<",
    );
}

// ------------------------------------------------------------------------------ Shibboleth

const SHIB: &str = "https://idp.example.org/idp/shibboleth";

fn shib_attribute_list() -> Vec<Attr<'static>> {
    vec![
        (
            "urn:oid:0.9.2342.19200300.100.1.1",
            Some("uid"),
            Some(AN_URI),
            &["alice"],
        ),
        (
            "urn:oid:0.9.2342.19200300.100.1.3",
            Some("mail"),
            Some(AN_URI),
            &["alice@example.org"],
        ),
        (
            "urn:oid:1.3.6.1.4.1.5923.1.1.1.6",
            Some("eduPersonPrincipalName"),
            Some(AN_URI),
            &["alice@example.org"],
        ),
        (
            "urn:oid:1.3.6.1.4.1.5923.1.1.1.9",
            Some("eduPersonScopedAffiliation"),
            Some(AN_URI),
            &["member@example.org", "staff@example.org"],
        ),
        (
            "urn:oid:2.16.840.1.113730.3.1.241",
            Some("displayName"),
            Some(AN_URI),
            &["Alice Ødegård"],
        ),
    ]
}

fn shib_attributes(a: &Assertion) {
    assert_attributes(a, &shib_attribute_list());
}

#[test]
fn shibboleth_metadata() {
    let md = metadata("shibboleth");
    assert_eq!(md.entity_id, SHIB);
    // Back-channel and front-channel signing keys, both trusted; the AttributeAuthority's key
    // (the same back-channel one) is not read.
    assert_eq!(
        fingerprints(&md.signing_certificates),
        fingerprints(&[
            key_cert("shibboleth-backchannel"),
            key_cert("shibboleth-signing")
        ])
    );
    assert_eq!(
        fingerprints(&md.encryption_certificates),
        fingerprints(&[key_cert("shibboleth-encryption")])
    );
    assert_eq!(
        md.redirect_sso_url(),
        Some("https://idp.example.org/idp/profile/SAML2/Redirect/SSO")
    );
    assert_eq!(md.single_sign_on_services.len(), 4);
    assert_eq!(md.single_logout_services.len(), 4);
    assert_eq!(
        md.redirect_slo_endpoint().map(|e| e.location.as_str()),
        Some("https://idp.example.org/idp/profile/SAML2/Redirect/SLO")
    );
    assert_eq!(md.name_id_formats, vec![NF_TRANSIENT, NF_PERSISTENT]);
    assert_eq!(md.valid_until, Some(time("2125-01-01T00:00:00Z")));
}

#[test]
fn shibboleth_default_response_signed_assertion_encrypted() {
    // signResponses=true, signAssertions=false, encryptAssertions=true (AES-128-GCM, RSA-OAEP).
    let a = validate("shibboleth", "response").unwrap();
    assert_eq!(a.issuer, SHIB);
    assert!(a.response_signed && !a.assertion_signed && a.encrypted);
    assert_eq!(a.assertion_id, "_0a8f2c6e4b1d3f5a7c9e1b3d5f7a9c2e");
    assert_name_id(
        &a,
        "AAdzZWNyZXQxTmTFo7cWqlWbHpLq2TjnJ0hUM7yEvRF0kBbB3TW4v8w2b9V0xAuV6y2pT7jK",
        NF_TRANSIENT,
        Some(SHIB),
        Some(SP),
    );
    assert_eq!(
        a.session_index.as_deref(),
        Some("_1f7b3c9e0a5d2b8c4e6f1a3b5c7d9e0f")
    );
    assert_eq!(a.authn_instant, time("2026-03-01T11:59:57.731Z"));
    assert_eq!(a.not_on_or_after, time("2026-03-01T12:05:00.218Z"));
    shib_attributes(&a);
    // The Response signature covers the ciphertext.
    let xml = read("shibboleth/response.xml");
    let start = xml.rfind("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
    let mut tampered = xml.clone();
    let c = if &xml[start..start + 1] == "A" {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(start..start + 1, c);
    assert!(matches!(
        validate_xml("shibboleth", &tampered),
        Err(ResponseError::Signature {
            element: "Response",
            source: DsigError::DigestMismatch
        })
    ));
    // Without the SP's key it cannot be read.
    let expect = Expectations::new(SP, ACS, Some(REQ.into()), time(NOW));
    let no_key = ProviderTrust::from_metadata(&metadata("shibboleth"));
    assert_eq!(
        validate_response(&STANDARD.encode(&xml), &no_key, &expect)
            .unwrap_err()
            .check(),
        "decryption"
    );
}

#[test]
fn shibboleth_assertion_signed_inside_encryption() {
    // signAssertions=true, signResponses=false, AES-256-CBC; signed by signxml, encrypted by xmlsec1.
    let a = validate("shibboleth", "response_signed-inside_aes256-cbc").unwrap();
    assert_eq!(a.issuer, SHIB);
    assert!(!a.response_signed && a.assertion_signed && a.encrypted);
    assert_eq!(a.assertion_id, "_2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c0b");
    assert_name_id(
        &a,
        "X1hdk9JqL0zHu2vSx/Wd0yzgE8k=",
        NF_PERSISTENT,
        Some(SHIB),
        Some(SP),
    );
    shib_attributes(&a);
}

#[test]
fn shibboleth_eptid_as_name_id_value_yields_the_name_id_text() {
    // eduPersonTargetedID released in its SAML 2 form: an AttributeValue whose only content is
    // a saml2:NameID element. The value is that NameID's text; its Format, NameQualifier and
    // SPNameQualifier are dropped (ATTR-2 rule, docs/security.md §5).
    let a = validate("shibboleth", "response_eptid").unwrap();
    assert_eq!(a.issuer, SHIB);
    assert!(a.response_signed && !a.assertion_signed && !a.encrypted);
    assert_eq!(a.assertion_id, "_4e6a8c0b2d4f6e8a0c2e4b6d8f0a2c4e");
    assert_name_id(
        &a,
        "X1hdk9JqL0zHu2vSx/Wd0yzgE8k=",
        NF_PERSISTENT,
        Some(SHIB),
        Some(SP),
    );
    let mut expected = shib_attribute_list();
    expected.push((
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.10",
        Some("eduPersonTargetedID"),
        Some(AN_URI),
        &["X1hdk9JqL0zHu2vSx/Wd0yzgE8k="],
    ));
    assert_attributes(&a, &expected);
    // The NameID inside the value is signed content like any other.
    assert_tamper_fails(
        "shibboleth",
        "response_eptid",
        "X1hdk9JqL0zHu2vSx/Wd0yzgE8k=</saml2:NameID></saml2:AttributeValue>",
        "X1hdk9JqL0zHu2vSx/Wd0yzgE8K=</saml2:NameID></saml2:AttributeValue>",
    );
}

// -------------------------------------------------------------------------------- Keycloak

const KC: &str = "https://keycloak.example.test/realms/cirrus";

#[test]
fn keycloak_metadata_entities_descriptor() {
    // The urn:keycloak EntitiesDescriptor with a single IdP needs no entity ID.
    let md = metadata("keycloak");
    assert_eq!(md.entity_id, KC);
    assert_eq!(
        parse_idp_metadata(&read("keycloak/metadata.xml"), Some(KC)).unwrap(),
        md
    );
    assert_eq!(
        fingerprints(&md.signing_certificates),
        fingerprints(&[key_cert("keycloak")])
    );
    assert!(md.want_authn_requests_signed);
    let base = "https://keycloak.example.test/realms/cirrus/protocol/saml";
    assert_eq!(md.redirect_sso_url(), Some(base));
    assert_eq!(md.single_sign_on_services.len(), 4);
    assert_eq!(
        md.redirect_slo_endpoint().map(|e| e.location.as_str()),
        Some(base)
    );
    assert_eq!(
        md.name_id_formats,
        vec![NF_PERSISTENT, NF_TRANSIENT, NF_UNSPEC, NF_EMAIL]
    );
}

fn kc_user_attributes() -> Vec<Attr<'static>> {
    vec![
        (
            "urn:oid:1.2.840.113549.1.9.1",
            Some("email"),
            Some(AN_URI),
            &["alice@keycloak-users.test"],
        ),
        (
            "urn:oid:2.5.4.42",
            Some("givenName"),
            Some(AN_URI),
            &["Alice"],
        ),
        (
            "urn:oid:2.5.4.4",
            Some("surname"),
            Some(AN_URI),
            &["Kowalska"],
        ),
    ]
}

#[test]
fn keycloak_response_single_role_attribute() {
    let a = validate("keycloak", "response").unwrap();
    assert_eq!(a.issuer, KC);
    assert!(a.assertion_signed && a.response_signed && !a.encrypted);
    assert_name_id(
        &a,
        "G-7d1f3b5a-9c2e-4f6a-8b0d-1e3f5a7c9b2d",
        NF_PERSISTENT,
        None,
        None,
    );
    assert_eq!(
        a.session_index.as_deref(),
        Some("4f9b2d6e-1a3c-4e5f-8b7d-9c0a2e4f6b8d::a1c3e5f7-b9d2-4f6a-8c0e-2b4d6f8a0c1e")
    );
    assert_eq!(
        a.session_not_on_or_after,
        Some(time("2026-03-01T22:00:00.218Z"))
    );
    // Conditions (60 s) is earlier than SubjectConfirmationData (5 min).
    assert_eq!(a.not_on_or_after, time("2026-03-01T12:01:00.218Z"));
    let mut expected = kc_user_attributes();
    expected.push((
        "Role",
        None,
        Some(AN_BASIC),
        &["offline_access", "uma_authorization", "cirrus-admin"],
    ));
    assert_attributes(&a, &expected);
    assert_tamper_fails("keycloak", "response", ">cirrus-admin<", ">realm-admin<");
}

#[test]
fn keycloak_role_per_attribute_is_merged_in_document_order() {
    // Keycloak's role list mapper with "Single Role Attribute" off writes one <Attribute
    // Name="Role"> per role, all with the same NameFormat and no FriendlyName. They are merged
    // into one attribute with the values in document order (ATTR-1 rule, docs/security.md §5),
    // exactly what the "Single Role Attribute" shape yields.
    let a = validate("keycloak", "response_role-per-attribute").unwrap();
    assert_eq!(a.issuer, KC);
    assert!(a.assertion_signed && a.response_signed && !a.encrypted);
    assert_eq!(a.assertion_id, "ID_2a9c7e5b-3d1f-4b8a-a6c4-e2f0d8b6a4c2");
    assert_name_id(
        &a,
        "G-7d1f3b5a-9c2e-4f6a-8b0d-1e3f5a7c9b2d",
        NF_PERSISTENT,
        None,
        None,
    );
    let mut expected = kc_user_attributes();
    expected.push((
        "Role",
        None,
        Some(AN_BASIC),
        &["offline_access", "uma_authorization", "cirrus-admin"],
    ));
    assert_attributes(&a, &expected);
    assert_eq!(
        a.attributes,
        validate("keycloak", "response").unwrap().attributes
    );
    assert_eq!(
        a.attribute("Role").map(|r| r.values.len()),
        Some(3),
        "one merged Role attribute"
    );
    assert_tamper_fails(
        "keycloak",
        "response_role-per-attribute",
        ">cirrus-admin<",
        ">realm-admin<",
    );
}

// --------------------------------------------------------------------------- SimpleSAMLphp

const SSP: &str = "https://ssp.example.test/simplesaml/saml2/idp/metadata.php";

#[test]
fn simplesamlphp_metadata() {
    let md = metadata("simplesamlphp");
    assert_eq!(md.entity_id, SSP);
    assert_eq!(
        fingerprints(&md.signing_certificates),
        fingerprints(&[key_cert("simplesamlphp")])
    );
    assert_eq!(
        fingerprints(&md.encryption_certificates),
        fingerprints(&[key_cert("simplesamlphp")])
    );
    assert_eq!(
        md.redirect_sso_url(),
        Some("https://ssp.example.test/simplesaml/saml2/idp/SSOService.php")
    );
    assert_eq!(
        md.redirect_slo_endpoint().map(|e| e.location.as_str()),
        Some("https://ssp.example.test/simplesaml/saml2/idp/SingleLogoutService.php")
    );
    assert_eq!(md.name_id_formats, vec![NF_TRANSIENT]);
}

#[test]
fn simplesamlphp_response_signed_assertion_unsigned() {
    // Only the Response is signed; the assertion is read from the signed Response's bytes.
    let a = validate("simplesamlphp", "response").unwrap();
    assert_eq!(a.issuer, SSP);
    assert!(a.response_signed && !a.assertion_signed && !a.encrypted);
    assert_name_id(
        &a,
        "_6c2a8e4f0b7d3a9c5e1f7b3d9a5c1e7f3b",
        NF_TRANSIENT,
        None,
        Some(SP),
    );
    assert_eq!(a.authn_instant, time("2026-03-01T11:59:56Z"));
    assert_eq!(
        a.session_not_on_or_after,
        Some(time("2026-03-01T20:00:00Z"))
    );
    assert_eq!(a.not_on_or_after, time("2026-03-01T12:05:00Z"));
    assert_attributes(
        &a,
        &[
            (
                "urn:oid:0.9.2342.19200300.100.1.1",
                None,
                Some(AN_URI),
                &["alice"],
            ),
            (
                "urn:oid:0.9.2342.19200300.100.1.3",
                None,
                Some(AN_URI),
                &["alice@ssp.example.test"],
            ),
            ("urn:oid:2.5.4.42", None, Some(AN_URI), &["Åsa"]),
            (
                "urn:oid:1.3.6.1.4.1.5923.1.1.1.1",
                None,
                Some(AN_URI),
                &["member", "student"],
            ),
        ],
    );
    assert_tamper_fails("simplesamlphp", "response", ">student<", ">faculty<");
}

// ----------------------------------------------------------------------------- all shapes

const ACCEPTED: &[(&str, &str)] = &[
    ("adfs", "response"),
    ("okta", "response"),
    ("entra", "response"),
    ("entra", "response_response-and-assertion-signed"),
    ("shibboleth", "response"),
    ("shibboleth", "response_signed-inside_aes256-cbc"),
    ("shibboleth", "response_eptid"),
    ("keycloak", "response"),
    ("keycloak", "response_role-per-attribute"),
    ("simplesamlphp", "response"),
];

#[test]
fn every_shape_is_refused_by_another_idps_trust_and_for_another_sp() {
    let idps = [
        "adfs",
        "okta",
        "entra",
        "shibboleth",
        "keycloak",
        "simplesamlphp",
    ];
    for (idp, variant) in ACCEPTED {
        let xml = read(&format!("{idp}/{variant}.xml"));
        for other in idps.iter().filter(|o| *o != idp) {
            // Another tenant's IdP (its entity ID and keys) never accepts this response.
            let expect = Expectations::new(SP, ACS, Some(REQ.into()), time(NOW));
            let err = validate_response(&STANDARD.encode(&xml), &trust(other), &expect);
            assert!(err.is_err(), "{idp}/{variant} accepted by {other}");
        }
        // Audience, ACS, pending request and time are enforced on every shape.
        let base = || Expectations::new(SP, ACS, Some(REQ.into()), time(NOW));
        let b64 = STANDARD.encode(&xml);
        let t = trust(idp);
        let mut e = base();
        e.sp_entity_id = "urn:amazon:cognito:sp:us-east-1_Other".into();
        assert_eq!(
            validate_response(&b64, &t, &e).unwrap_err().check(),
            "audience",
            "{idp}/{variant}"
        );
        let mut e = base();
        e.acs_url = "https://auth.other.test/saml2/idpresponse".into();
        let check = validate_response(&b64, &t, &e).unwrap_err().check();
        assert!(
            check == "destination" || check == "subject_confirmation",
            "{idp}/{variant}: {check}"
        );
        let mut e = base();
        e.request_id = Some("_another-request".into());
        assert_eq!(
            validate_response(&b64, &t, &e).unwrap_err().check(),
            "in_response_to",
            "{idp}/{variant}"
        );
        let mut e = base();
        e.now = time("2026-03-01T14:30:00Z");
        assert_eq!(
            validate_response(&b64, &t, &e).unwrap_err().check(),
            "time",
            "{idp}/{variant}"
        );
    }
}
