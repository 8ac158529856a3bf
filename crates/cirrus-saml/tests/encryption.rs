//! Encrypted assertions: xmlsec1 / Python-cryptography fixtures decrypt and validate, and the
//! XML-Encryption attacks (ENC-*) are refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rsa::{OAEP_SHA1_MGF1SHA1, OaepPublicEncryptingKey, PublicEncryptingKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cirrus_saml::datetime::parse_datetime;
use cirrus_saml::dsig::AlgorithmPolicy;
use cirrus_saml::error::{ResponseError, XencError, XmlError};
use cirrus_saml::response::{Assertion, Expectations, ProviderTrust, validate_response};
use cirrus_saml::xenc::DecryptionKey;
use common::*;

fn sp_key(name: &str) -> DecryptionKey {
    DecryptionKey::from_pem(
        &std::fs::read_to_string(fixture_path(&format!("keys/{name}.key"))).unwrap(),
    )
    .unwrap()
}

fn trust_with(keys: Vec<DecryptionKey>) -> ProviderTrust {
    ProviderTrust {
        entity_id: IDP.into(),
        signing_certificates: vec![cert("idp-rsa")],
        algorithms: AlgorithmPolicy::default(),
        decryption_keys: keys,
        allow_expired_certificates: false,
    }
}

fn check_with(xml: &str, keys: Vec<DecryptionKey>) -> Result<Assertion, ResponseError> {
    let expect = Expectations::new(SP, ACS, Some(REQ.into()), parse_datetime(NOW).unwrap());
    validate_response(&STANDARD.encode(xml), &trust_with(keys), &expect)
}

fn check(xml: &str) -> Result<Assertion, ResponseError> {
    check_with(xml, vec![sp_key("sp-rsa")])
}

/// Encrypts `plaintext` to the SP certificate (AES-128-GCM + RSA-OAEP-MGF1P) with aws-lc-rs and
/// returns the `saml:EncryptedAssertion` element; `data_method`/`key_method` override the URIs.
fn encrypted_assertion(plaintext: &str, data_extra: &str) -> String {
    let cert = cert("sp-rsa");
    let public =
        OaepPublicEncryptingKey::new(PublicEncryptingKey::from_der(&cert.spki_der).unwrap())
            .unwrap();
    let key = [7u8; 16];
    let mut wrapped = vec![0u8; public.ciphertext_size()];
    let wrapped = public
        .encrypt(&OAEP_SHA1_MGF1SHA1, &key, &mut wrapped, None)
        .unwrap()
        .to_vec();
    let iv = [9u8; 12];
    let sealing = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &key).unwrap());
    let mut data = plaintext.as_bytes().to_vec();
    sealing
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(iv), Aad::empty(), &mut data)
        .unwrap();
    let mut blob = iv.to_vec();
    blob.extend(data);
    format!(
        r#"<saml:EncryptedAssertion><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData>{data_extra}</xenc:EncryptedData></saml:EncryptedAssertion>"#,
        STANDARD.encode(wrapped),
        STANDARD.encode(blob)
    )
}

/// A response whose assertion is replaced by `replacement`.
fn with_assertion_replaced(response: &str, replacement: &str) -> String {
    let a = response.find("<saml:Assertion").unwrap();
    let b = response.rfind("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    format!("{}{}{}", &response[..a], replacement, &response[b..])
}

fn signed_assertion_text() -> String {
    let s = signed_assertion_response("alice@example.test");
    let a = s.find("<saml:Assertion").unwrap();
    let b = s.rfind("</saml:Assertion>").unwrap() + "</saml:Assertion>".len();
    s[a..b].to_string()
}

#[test]
fn fixtures_decrypt_and_validate() {
    for name in [
        "xmlsec1_encrypted_aes128-gcm.xml",
        "xmlsec1_encrypted_aes256-gcm.xml",
        "xmlsec1_encrypted_aes128-cbc.xml",
        "xmlsec1_encrypted_aes256-cbc.xml",
        "xmlsec1_encrypted_sibling-key.xml",
        "cryptography_encrypted_aes256-gcm_oaep11-sha256.xml",
        "xmlsec1_encrypted_response-signed.xml",
    ] {
        let a = check(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(a.name_id.value, "alice@example.test", "{name}");
        assert_eq!(
            a.attribute("groups").unwrap().values,
            vec!["staff", "r&d <lab>"]
        );
    }
}

#[test]
fn key_rollover_tries_every_configured_key() {
    check_with(
        &fixture("xmlsec1_encrypted_aes128-gcm.xml"),
        vec![sp_key("attacker-rsa"), sp_key("sp-rsa")],
    )
    .unwrap();
}

#[test]
fn enc_1_unsigned_assertion_encrypted_by_anyone() {
    assert_eq!(
        check(&fixture("xmlsec1_encrypted_unsigned.xml")),
        Err(ResponseError::SignatureMissing)
    );
}

#[test]
fn enc_2_wrong_key_or_no_key() {
    assert_eq!(
        check_with(
            &fixture("xmlsec1_encrypted_aes128-gcm.xml"),
            vec![sp_key("attacker-rsa")]
        ),
        Err(ResponseError::Decryption(XencError::DecryptionFailed))
    );
    assert_eq!(
        check_with(&fixture("xmlsec1_encrypted_aes128-gcm.xml"), vec![]),
        Err(ResponseError::Decryption(XencError::NoDecryptionKey))
    );
}

#[test]
fn enc_3_tampered_ciphertext_is_a_uniform_failure() {
    for name in [
        "xmlsec1_encrypted_aes128-gcm.xml",
        "xmlsec1_encrypted_aes256-cbc.xml",
    ] {
        let f = fixture(name);
        // The last CipherValue is the data; flip a character near its end (last block/tag).
        let end = f.rfind("</xenc:CipherValue>").unwrap();
        let pos = end - 6;
        let c = &f[pos..pos + 1];
        let flipped = format!(
            "{}{}{}",
            &f[..pos],
            if c == "A" { "B" } else { "A" },
            &f[pos + 1..]
        );
        let err = check(&flipped).unwrap_err();
        assert_eq!(err.check(), "decryption", "{name}: {err}");
    }
    // When the Response is signed, tampering is caught by the signature before any decryption.
    let f = fixture("xmlsec1_encrypted_response-signed.xml");
    let end = f.rfind("</xenc:CipherValue>").unwrap();
    let pos = end - 6;
    let c = &f[pos..pos + 1];
    let flipped = format!(
        "{}{}{}",
        &f[..pos],
        if c == "A" { "B" } else { "A" },
        &f[pos + 1..]
    );
    assert_eq!(check(&flipped).unwrap_err().check(), "signature");
}

#[test]
fn enc_4_5_rsa_pkcs1_v15_key_transport_refused() {
    assert_eq!(
        check(&fixture("xmlsec1_encrypted_rsa-1_5.xml")),
        Err(ResponseError::Decryption(
            XencError::KeyTransportNotAllowed("http://www.w3.org/2001/04/xmlenc#rsa-1_5".into())
        ))
    );
}

#[test]
fn enc_5_data_algorithm_allow_list() {
    let f = fixture("xmlsec1_encrypted_aes128-gcm.xml").replace(
        "http://www.w3.org/2009/xmlenc11#aes128-gcm",
        "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
    );
    assert_eq!(
        check(&f),
        Err(ResponseError::Decryption(
            XencError::DataAlgorithmNotAllowed(
                "http://www.w3.org/2001/04/xmlenc#tripledes-cbc".into()
            )
        ))
    );
}

#[test]
fn enc_6_too_many_encrypted_keys() {
    let f = fixture("xmlsec1_encrypted_aes128-gcm.xml");
    let a = f.find("<xenc:EncryptedKey").unwrap();
    let b = f.find("</xenc:EncryptedKey>").unwrap() + "</xenc:EncryptedKey>".len();
    let key = &f[a..b];
    let many = f.replacen(key, &key.repeat(5), 1);
    assert_eq!(
        check(&many),
        Err(ResponseError::Decryption(XencError::Cardinality {
            element: "xenc:EncryptedKey",
            count: 5
        }))
    );
}

#[test]
fn enc_7_unexpected_decrypted_content() {
    let base = response_xml("x");
    for (plaintext, expect_check) in [
        ("<x/>".to_string(), "decryption"),
        (format!("{0}{0}", signed_assertion_text()), "decryption"),
        (format!("text{}", signed_assertion_text()), "decryption"),
        (
            "<!DOCTYPE x [<!ENTITY a \"b\">]><x/>".to_string(),
            "decryption",
        ),
        ("not xml at all".to_string(), "decryption"),
    ] {
        let r = with_assertion_replaced(&base, &encrypted_assertion(&plaintext, ""));
        assert_eq!(check(&r).unwrap_err().check(), expect_check, "{plaintext}");
    }
    // The good case through the same helper: our encryptor is right.
    let ok = with_assertion_replaced(&base, &encrypted_assertion(&signed_assertion_text(), ""));
    assert_eq!(check(&ok).unwrap().name_id.value, "alice@example.test");
}

#[test]
fn enc_8_wrapping_across_the_encryption_boundary() {
    let base = response_xml("x");
    // A plain assertion next to an encrypted one.
    let both = with_assertion_replaced(
        &base,
        &format!(
            "{}{}",
            encrypted_assertion(&signed_assertion_text(), ""),
            signed_assertion_text()
        ),
    );
    assert_eq!(check(&both), Err(ResponseError::AssertionCount(2)));
    // An evil assertion hidden inside the decrypted one's Advice.
    let evil_inside = signed_assertion_text().replacen(
        "<saml:Subject>",
        "<saml:Advice><saml:Assertion ID=\"_evil\" Version=\"2.0\"/></saml:Advice><saml:Subject>",
        1,
    );
    let r = with_assertion_replaced(&base, &encrypted_assertion(&evil_inside, ""));
    assert_eq!(check(&r), Err(ResponseError::AssertionCount(2)));
}

#[test]
fn enc_9_cipher_reference_refused() {
    let f = fixture("xmlsec1_encrypted_aes128-gcm.xml");
    let last = f.rfind("<xenc:CipherData>").unwrap();
    let end = f.rfind("</xenc:CipherData>").unwrap() + "</xenc:CipherData>".len();
    let r = format!(
        "{}<xenc:CipherData><xenc:CipherReference URI=\"http://evil.test/ct\"/></xenc:CipherData>{}",
        &f[..last],
        &f[end..]
    );
    assert_eq!(
        check(&r),
        Err(ResponseError::Decryption(XencError::CipherReference))
    );
}

#[test]
fn enc_10_decrypted_dtd_is_refused_by_the_parser() {
    let r = with_assertion_replaced(
        &response_xml("x"),
        &encrypted_assertion("<!DOCTYPE x [<!ENTITY a \"b\">]><x>&a;</x>", ""),
    );
    assert!(matches!(
        check(&r),
        Err(ResponseError::Decryption(XencError::Xml(
            XmlError::Malformed(_) | XmlError::DtdPresent
        )))
    ));
}

#[test]
fn wrong_encrypted_data_type() {
    let f = fixture("xmlsec1_encrypted_aes128-gcm.xml").replace(
        "Type=\"http://www.w3.org/2001/04/xmlenc#Element\"",
        "Type=\"http://www.w3.org/2001/04/xmlenc#Content\"",
    );
    assert!(matches!(
        check(&f),
        Err(ResponseError::Decryption(XencError::WrongType(_)))
    ));
}
