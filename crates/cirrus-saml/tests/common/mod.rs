//! Test support: the fixed scenario of `interop/saml/make_fixtures.py` and a small signer used
//! to build attack variants (interop with other signers is proven by the committed fixtures).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cirrus_saml::Certificate;
use cirrus_saml::c14n::{C14nOptions, canonicalize};

pub const IDP: &str = "https://idp.example.test/saml";
pub const SP: &str = "https://sp.example.test";
pub const ACS: &str = "https://sp.example.test/saml2/idpresponse";
pub const REQ: &str = "_req-4a1b2c3d";
pub const ASSERTION_ID: &str = "_a-7f3e9c21";
pub const RESPONSE_ID: &str = "_r-5d2c8b10";
/// One minute after IssueInstant: inside every validity window of the scenario.
pub const NOW: &str = "2026-01-01T00:01:00Z";

pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const ENV: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

pub fn fixture_path(rel: &str) -> String {
    format!("{}/tests/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_path(&format!("responses/{name}"))).unwrap()
}

pub fn cert(name: &str) -> Certificate {
    Certificate::from_pem(
        &std::fs::read_to_string(fixture_path(&format!("keys/{name}.crt"))).unwrap(),
    )
    .unwrap()
}

fn pem_der(name: &str) -> Vec<u8> {
    let pem = std::fs::read_to_string(fixture_path(&format!("keys/{name}.key"))).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).unwrap()
}

/// Which test key signs.
#[derive(Clone, Copy)]
pub enum Key {
    IdpRsa,
    AttackerRsa,
    IdpEc256,
}

fn sign_bytes(key: Key, msg: &[u8]) -> Vec<u8> {
    let rng = SystemRandom::new();
    match key {
        Key::IdpRsa | Key::AttackerRsa => {
            let name = if matches!(key, Key::IdpRsa) {
                "idp-rsa"
            } else {
                "attacker-rsa"
            };
            let kp = RsaKeyPair::from_pkcs8(&pem_der(name)).unwrap();
            let mut sig = vec![0u8; kp.public_modulus_len()];
            kp.sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig)
                .unwrap();
            sig
        }
        Key::IdpEc256 => {
            let kp = EcdsaKeyPair::from_pkcs8(
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                &pem_der("idp-ec256"),
            )
            .unwrap();
            let _ = kp.public_key();
            kp.sign(&rng, msg).unwrap().as_ref().to_vec()
        }
    }
}

/// A signature template; every field is plain XML text so attacks can bend the structure.
#[derive(Clone)]
pub struct Sig {
    pub key: Key,
    pub sig_alg: String,
    pub digest_alg: String,
    pub c14n: String,
    /// Inner XML of `ds:Transforms`.
    pub transforms: String,
    /// `URI` of the Reference; `None` = `#<id>`.
    pub uri: Option<String>,
    /// Extra XML inside SignedInfo after the Reference (e.g. a second Reference).
    pub extra_signed_info: String,
    /// Extra XML inside `ds:Signature` after `ds:KeyInfo` (e.g. `ds:Object`).
    pub extra_signature: String,
    /// Inner XML of `ds:KeyInfo`.
    pub key_info: String,
}

impl Default for Sig {
    fn default() -> Self {
        Sig {
            key: Key::IdpRsa,
            sig_alg: RSA_SHA256.into(),
            digest_alg: SHA256.into(),
            c14n: EXC.into(),
            transforms: format!(
                r#"<ds:Transform Algorithm="{ENV}"/><ds:Transform Algorithm="{EXC}"/>"#
            ),
            uri: None,
            extra_signed_info: String::new(),
            extra_signature: String::new(),
            key_info: String::new(),
        }
    }
}

/// Signs the element carrying `ID="<id>"` in `xml`, inserting the enveloped signature right
/// after that element's `saml:Issuer`. The digest covers the element as it is now.
pub fn sign(xml: &str, id: &str, sig: &Sig) -> String {
    let digest_b64 = {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let el = doc
            .descendants()
            .find(|n| n.attribute("ID") == Some(id))
            .unwrap_or_else(|| panic!("no element with ID {id}"));
        let c = canonicalize(el, &C14nOptions::default()).unwrap();
        let alg = match sig.digest_alg.as_str() {
            "http://www.w3.org/2000/09/xmldsig#sha1" => {
                &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY
            }
            "http://www.w3.org/2001/04/xmldsig-more#sha384" => &aws_lc_rs::digest::SHA384,
            "http://www.w3.org/2001/04/xmlenc#sha512" => &aws_lc_rs::digest::SHA512,
            _ => &aws_lc_rs::digest::SHA256,
        };
        STANDARD.encode(aws_lc_rs::digest::digest(alg, &c))
    };
    let uri = sig.uri.clone().unwrap_or_else(|| format!("#{id}"));
    let signature = format!(
        r#"<ds:Signature xmlns:ds="{DS}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{c14n}"/><ds:SignatureMethod Algorithm="{sa}"/><ds:Reference URI="{uri}"><ds:Transforms>{tr}</ds:Transforms><ds:DigestMethod Algorithm="{da}"/><ds:DigestValue>{digest_b64}</ds:DigestValue></ds:Reference>{extra_si}</ds:SignedInfo><ds:SignatureValue>SIGVALUE</ds:SignatureValue><ds:KeyInfo>{ki}</ds:KeyInfo>{extra}</ds:Signature>"#,
        c14n = sig.c14n,
        sa = sig.sig_alg,
        da = sig.digest_alg,
        tr = sig.transforms,
        extra_si = sig.extra_signed_info,
        ki = sig.key_info,
        extra = sig.extra_signature,
    );
    let id_pos = xml.find(&format!("ID=\"{id}\"")).unwrap();
    // After the element's saml:Issuer if it has one, else right after its start tag.
    let tag_end = id_pos + xml[id_pos..].find('>').unwrap() + 1;
    let next_child_end = tag_end + xml[tag_end..].find('>').unwrap();
    let issuer_end = if xml[tag_end..next_child_end]
        .trim_start()
        .starts_with("<saml:Issuer")
    {
        id_pos + xml[id_pos..].find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len()
    } else {
        tag_end
    };
    let with_sig = format!("{}{}{}", &xml[..issuer_end], signature, &xml[issuer_end..]);
    // Canonicalize the SignedInfo in place (namespace context matters) and sign it.
    let sig_value = {
        let doc = roxmltree::Document::parse(&with_sig).unwrap();
        let el = doc
            .descendants()
            .find(|n| n.attribute("ID") == Some(id))
            .unwrap();
        let signed_info = el
            .children()
            .find(|n| n.has_tag_name((DS, "Signature")))
            .and_then(|s| s.children().find(|n| n.has_tag_name((DS, "SignedInfo"))))
            .unwrap();
        let c = canonicalize(signed_info, &C14nOptions::default()).unwrap();
        STANDARD.encode(sign_bytes(sig.key, &c))
    };
    with_sig.replacen("SIGVALUE", &sig_value, 1)
}

/// The scenario's Response, unsigned; `name_id` is the subject.
pub fn response_xml(name_id: &str) -> String {
    response_with(name_id, |s| s)
}

/// The scenario's Response with a textual edit applied to the template before signing.
pub fn response_with(name_id: &str, edit: impl Fn(String) -> String) -> String {
    edit(format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{RESPONSE_ID}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="{ACS}" InResponseTo="{REQ}">
  <saml:Issuer>{IDP}</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="{ASSERTION_ID}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z">
    <saml:Issuer>{IDP}</saml:Issuer>
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{name_id}</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData InResponseTo="{REQ}" NotOnOrAfter="2026-01-01T00:05:00Z" Recipient="{ACS}"/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="2025-12-31T23:59:00Z" NotOnOrAfter="2026-01-01T00:05:00Z">
      <saml:AudienceRestriction><saml:Audience>{SP}</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AuthnStatement AuthnInstant="2026-01-01T00:00:00Z" SessionIndex="_s-91ab" SessionNotOnOrAfter="2026-01-01T08:00:00Z">
      <saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>
    </saml:AuthnStatement>
    <saml:AttributeStatement>
      <saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" FriendlyName="email" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
        <saml:AttributeValue xsi:type="xs:string">{name_id}</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="groups">
        <saml:AttributeValue xsi:type="xs:string">staff</saml:AttributeValue>
        <saml:AttributeValue xsi:type="xs:string">r&amp;d &lt;lab&gt;</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>
"#
    ))
}

/// The scenario's Response with the assertion signed by the IdP (fixture shape F-A).
pub fn signed_assertion_response(name_id: &str) -> String {
    sign(&response_xml(name_id), ASSERTION_ID, &Sig::default())
}
