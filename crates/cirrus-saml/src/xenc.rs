//! XML Encryption 1.0/1.1 decryption of `saml:EncryptedAssertion`, strict and oracle-free.
//!
//! * data: AES-128/256-GCM (XML-Enc 1.1) or AES-128/192/256-CBC; key transport: RSA-OAEP
//!   (`rsa-oaep-mgf1p`, or XML-Enc 1.1 `rsa-oaep` with matching SHA-1/SHA-256/384/512 digest and
//!   MGF1); RSA PKCS#1 v1.5 is refused (Bleichenbacher);
//! * `EncryptedKey` inside `EncryptedData/ds:KeyInfo` or as a sibling inside the
//!   `EncryptedAssertion` (no URI is ever dereferenced); `CipherReference` refused;
//! * every cryptographic failure is the same error ([`XencError::DecryptionFailed`]);
//! * the plaintext must be exactly one `saml:Assertion` and is parsed with the hardened parser.
//!   The decrypted assertion still has to pass every signature and content check.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{self, DecryptingKey, DecryptionContext, UnboundCipherKey};
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rsa::{self, OaepAlgorithm, OaepPrivateDecryptingKey, PrivateDecryptingKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use roxmltree::Node;

use crate::error::XencError;
use crate::xml::{NS_DS, NS_XENC};

/// XML-Enc 1.1 namespace.
pub const NS_XENC11: &str = "http://www.w3.org/2009/xmlenc11#";
const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";
const MAX_ENCRYPTED_KEYS: usize = 4;

/// An SP private key used to unwrap the session keys of encrypted assertions.
#[derive(Clone)]
pub struct DecryptionKey {
    key: Arc<PrivateDecryptingKey>,
}

impl fmt::Debug for DecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptionKey").finish_non_exhaustive()
    }
}

impl DecryptionKey {
    /// Reads an RSA private key from PKCS#8 DER.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, XencError> {
        let key =
            PrivateDecryptingKey::from_pkcs8(der).map_err(|e| XencError::Key(e.to_string()))?;
        Ok(DecryptionKey { key: Arc::new(key) })
    }

    /// Reads an RSA private key from a PEM `PRIVATE KEY` (PKCS#8) block.
    pub fn from_pem(pem: &str) -> Result<Self, XencError> {
        let der =
            crate::pem::block_der(pem, "PRIVATE KEY").map_err(|e| XencError::Key(e.to_string()))?;
        Self::from_pkcs8_der(&der)
    }
}

#[derive(Clone, Copy)]
enum DataAlg {
    Gcm(&'static aead::Algorithm, usize),
    Cbc(&'static cipher::Algorithm, usize),
}

fn data_algorithm(uri: &str) -> Result<DataAlg, XencError> {
    Ok(match uri {
        "http://www.w3.org/2009/xmlenc11#aes128-gcm" => DataAlg::Gcm(&aead::AES_128_GCM, 16),
        "http://www.w3.org/2009/xmlenc11#aes256-gcm" => DataAlg::Gcm(&aead::AES_256_GCM, 32),
        "http://www.w3.org/2001/04/xmlenc#aes128-cbc" => DataAlg::Cbc(&cipher::AES_128, 16),
        "http://www.w3.org/2001/04/xmlenc#aes192-cbc" => DataAlg::Cbc(&cipher::AES_192, 24),
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc" => DataAlg::Cbc(&cipher::AES_256, 32),
        other => return Err(XencError::DataAlgorithmNotAllowed(other.to_string())),
    })
}

fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(Node::is_element)
}

fn one<'a, 'i>(
    parent: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
    qname: &'static str,
) -> Result<Node<'a, 'i>, XencError> {
    let found: Vec<_> = elements(parent)
        .filter(|c| c.has_tag_name((ns, local)))
        .collect();
    match found.as_slice() {
        [x] => Ok(*x),
        other => Err(XencError::Cardinality {
            element: qname,
            count: other.len(),
        }),
    }
}

/// `CipherData/CipherValue` as bytes; `CipherReference` refused.
fn cipher_value(parent: Node<'_, '_>, what: &'static str) -> Result<Vec<u8>, XencError> {
    let data = one(parent, NS_XENC, "CipherData", "xenc:CipherData")?;
    if elements(data).any(|c| c.has_tag_name((NS_XENC, "CipherReference"))) {
        return Err(XencError::CipherReference);
    }
    let value = one(data, NS_XENC, "CipherValue", "xenc:CipherValue")?;
    let mut text = String::new();
    for child in value.children() {
        if !child.is_text() {
            return Err(XencError::CipherValue(what));
        }
        text.extend(
            child
                .text()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_ascii_whitespace()),
        );
    }
    STANDARD
        .decode(text.as_bytes())
        .map_err(|_| XencError::CipherValue(what))
}

fn oaep_algorithm(method: Node<'_, '_>) -> Result<&'static OaepAlgorithm, XencError> {
    let uri = method.attribute("Algorithm").unwrap_or("");
    let mut digest = "http://www.w3.org/2000/09/xmldsig#sha1";
    let mut mgf = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
    for child in elements(method) {
        if child.has_tag_name((NS_DS, "DigestMethod")) {
            digest = child.attribute("Algorithm").unwrap_or("");
        } else if child.has_tag_name((NS_XENC11, "MGF")) {
            mgf = child.attribute("Algorithm").unwrap_or("");
        } else if child.has_tag_name((NS_XENC, "OAEPparams")) {
            return Err(XencError::OaepParameters(
                "OAEPparams (label) not supported".into(),
            ));
        } else {
            return Err(XencError::OaepParameters(format!(
                "unexpected child <{}>",
                child.tag_name().name()
            )));
        }
    }
    match uri {
        "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p" => {
            // MGF1 is always SHA-1 here.
            if digest == "http://www.w3.org/2000/09/xmldsig#sha1" {
                Ok(&rsa::OAEP_SHA1_MGF1SHA1)
            } else {
                Err(XencError::OaepParameters(format!(
                    "rsa-oaep-mgf1p with digest {digest} (MGF1-SHA1) is not supported"
                )))
            }
        }
        "http://www.w3.org/2009/xmlenc11#rsa-oaep" => match (digest, mgf) {
            (
                "http://www.w3.org/2000/09/xmldsig#sha1",
                "http://www.w3.org/2009/xmlenc11#mgf1sha1",
            ) => Ok(&rsa::OAEP_SHA1_MGF1SHA1),
            (
                "http://www.w3.org/2001/04/xmlenc#sha256",
                "http://www.w3.org/2009/xmlenc11#mgf1sha256",
            ) => Ok(&rsa::OAEP_SHA256_MGF1SHA256),
            (
                "http://www.w3.org/2001/04/xmldsig-more#sha384",
                "http://www.w3.org/2009/xmlenc11#mgf1sha384",
            ) => Ok(&rsa::OAEP_SHA384_MGF1SHA384),
            (
                "http://www.w3.org/2001/04/xmlenc#sha512",
                "http://www.w3.org/2009/xmlenc11#mgf1sha512",
            ) => Ok(&rsa::OAEP_SHA512_MGF1SHA512),
            (d, m) => Err(XencError::OaepParameters(format!(
                "digest {d} with {m} is not supported"
            ))),
        },
        other => Err(XencError::KeyTransportNotAllowed(other.to_string())),
    }
}

/// Unwraps the session key with any configured key; `None` on any failure.
fn unwrap_key(
    encrypted_key: Node<'_, '_>,
    keys: &[DecryptionKey],
) -> Result<Option<Vec<u8>>, XencError> {
    let method = one(
        encrypted_key,
        NS_XENC,
        "EncryptionMethod",
        "xenc:EncryptionMethod",
    )?;
    let alg = oaep_algorithm(method)?;
    let wrapped = cipher_value(encrypted_key, "EncryptedKey")?;
    for k in keys {
        let Ok(oaep) = OaepPrivateDecryptingKey::new((*k.key).clone()) else {
            continue;
        };
        let mut out = vec![0u8; oaep.min_output_size()];
        if let Ok(plain) = oaep.decrypt(alg, &wrapped, &mut out, None) {
            return Ok(Some(plain.to_vec()));
        }
    }
    Ok(None)
}

fn decrypt_data(alg: DataAlg, key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    match alg {
        DataAlg::Gcm(a, key_len) => {
            if key.len() != key_len || data.len() < 12 + 16 {
                return None;
            }
            let (iv, rest) = data.split_at(12);
            let nonce = Nonce::try_assume_unique_for_key(iv).ok()?;
            let key = LessSafeKey::new(UnboundKey::new(a, key).ok()?);
            let mut buf = rest.to_vec();
            let plain = key.open_in_place(nonce, Aad::empty(), &mut buf).ok()?;
            Some(plain.to_vec())
        }
        DataAlg::Cbc(a, key_len) => {
            if key.len() != key_len || data.len() < 32 || !data.len().is_multiple_of(16) {
                return None;
            }
            let (iv, rest) = data.split_at(16);
            let iv: FixedLength<16> = FixedLength::try_from(iv).ok()?;
            let key = DecryptingKey::cbc(UnboundCipherKey::new(a, key).ok()?).ok()?;
            let mut buf = rest.to_vec();
            let plain = key.decrypt(&mut buf, DecryptionContext::Iv128(iv)).ok()?;
            // XML-Enc padding: the last byte gives the pad length (1..=16); others arbitrary.
            let pad = usize::from(*plain.last()?);
            if pad == 0 || pad > 16 || pad > plain.len() {
                return None;
            }
            let len = plain.len() - pad;
            Some(plain.get(..len)?.to_vec())
        }
    }
}

/// Decrypts a `saml:EncryptedAssertion` and returns the plaintext XML (one `saml:Assertion`,
/// not yet parsed).
pub fn decrypt_encrypted_assertion(
    encrypted_assertion: Node<'_, '_>,
    keys: &[DecryptionKey],
) -> Result<Vec<u8>, XencError> {
    if keys.is_empty() {
        return Err(XencError::NoDecryptionKey);
    }
    let data = one(
        encrypted_assertion,
        NS_XENC,
        "EncryptedData",
        "xenc:EncryptedData",
    )?;
    for child in elements(encrypted_assertion) {
        if !child.has_tag_name((NS_XENC, "EncryptedData"))
            && !child.has_tag_name((NS_XENC, "EncryptedKey"))
        {
            return Err(XencError::UnexpectedContent(format!(
                "EncryptedAssertion has an unexpected child <{}>",
                child.tag_name().name()
            )));
        }
    }
    if let Some(t) = data.attribute("Type")
        && t != TYPE_ELEMENT
    {
        return Err(XencError::WrongType(t.to_string()));
    }
    let method = one(data, NS_XENC, "EncryptionMethod", "xenc:EncryptionMethod")?;
    let alg = data_algorithm(method.attribute("Algorithm").unwrap_or(""))?;
    let ciphertext = cipher_value(data, "EncryptedData")?;

    // Candidate EncryptedKeys: inside EncryptedData/ds:KeyInfo, then siblings. No URI lookups.
    let mut candidates = Vec::new();
    for key_info in elements(data).filter(|c| c.has_tag_name((NS_DS, "KeyInfo"))) {
        candidates.extend(elements(key_info).filter(|c| c.has_tag_name((NS_XENC, "EncryptedKey"))));
    }
    candidates.extend(
        elements(encrypted_assertion).filter(|c| c.has_tag_name((NS_XENC, "EncryptedKey"))),
    );
    if candidates.is_empty() || candidates.len() > MAX_ENCRYPTED_KEYS {
        return Err(XencError::Cardinality {
            element: "xenc:EncryptedKey",
            count: candidates.len(),
        });
    }
    for encrypted_key in candidates {
        if let Some(session_key) = unwrap_key(encrypted_key, keys)?
            && let Some(plain) = decrypt_data(alg, &session_key, &ciphertext)
        {
            return Ok(plain);
        }
    }
    Err(XencError::DecryptionFailed)
}

/// Wraps decrypted plaintext in an element declaring the namespaces in scope at the
/// `EncryptedAssertion`, so that prefixes the IdP declared outside the encrypted element resolve
/// (exclusive C14N makes the extra declarations irrelevant to signatures).
pub fn wrap_plaintext(encrypted_assertion: Node<'_, '_>, plaintext: &str) -> String {
    let mut out = String::from("<cirrus-decrypted");
    for ns in encrypted_assertion.namespaces() {
        match ns.name() {
            Some("xml") => continue,
            Some(p) => out.push_str(&format!(" xmlns:{p}=\"")),
            None => out.push_str(" xmlns=\""),
        }
        for c in ns.uri().chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '"' => out.push_str("&quot;"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push('>');
    let mut body = plaintext.strip_prefix('\u{feff}').unwrap_or(plaintext);
    // An XML declaration cannot appear inside the wrapper; drop it.
    if body.starts_with("<?xml")
        && let Some(end) = body.find("?>")
    {
        body = body.get(end + 2..).unwrap_or("");
    }
    out.push_str(body);
    out.push_str("</cirrus-decrypted>");
    out
}
